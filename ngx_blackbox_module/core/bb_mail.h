/*
 * The mails blackbox sends: their text, and their form on the wire.
 *
 * The module renders a mail (subject and body, plain UTF-8) when it writes
 * the outbox row, in the same transaction as the code it carries; the worker
 * formats the row into an RFC 5322 message when it sends it.  Splitting it
 * so keeps the templates beside the requests that know the user's language,
 * and keeps headers, dates and encodings out of the database.
 *
 * Both halves are pure functions over caller buffers: no I/O, no allocation,
 * so the unit tests check every byte.
 */

#ifndef BB_MAIL_H
#define BB_MAIL_H

#include <stddef.h>
#include <time.h>

typedef enum {
    BB_MAIL_VERIFY_EMAIL,   /* sign-up: confirm the address */
    BB_MAIL_LOGIN_CODE      /* login: the second factor */
} bb_mail_kind_e;

/*
 * Renders the subject and body of a code mail in lang ("en" or "ko";
 * anything else, NULL included, gives "en").  The body greets username,
 * gives code alone on its own line, says how long it is valid and what to do
 * if the user did not ask for it; its lines end in LF.  The code is never in
 * the subject: subjects show in notifications and mail lists.  Returns 0, or
 * -1 when subject or body is too small (both then hold nothing usable).
 */
int bb_mail_render(bb_mail_kind_e kind, const char *lang,
    const char *username, const char *code, int valid_minutes,
    char *subject, size_t subject_size, char *body, size_t body_size);

/* What the worker tells an owner about one of their dashcams. */
typedef enum {
    BB_MAIL_DEVICE_SILENT,  /* not heard from for the alert window */
    BB_MAIL_DEVICE_BACK,    /* heard from again after that */
    BB_MAIL_DEVICE_IMPACT   /* reported an impact */
} bb_mail_notice_e;

/*
 * Renders a notice about the dashcam called nickname to username in lang
 * ("en" or "ko", as bb_mail_render): when is the moment it is about (last
 * heard from, back, the impact), already written in the device's zone.
 * The subject names the dashcam, so that a mail list shows which one.
 * Returns 0, or -1 when subject or body is too small.
 */
int bb_mail_render_notice(bb_mail_notice_e kind, const char *lang,
    const char *username, const char *nickname, const char *when,
    char *subject, size_t subject_size, char *body, size_t body_size);

/*
 * Formats a complete message, with CRLF line ends, into out:
 *
 *     From: <from>
 *     To: <to>
 *     Subject: <subject, RFC 2047 "=?UTF-8?B?...?=" words unless plain>
 *     Date: Thu, 26 Nov 2026 04:03:00 +0000
 *     Message-ID: <message_id@domain of from>
 *     MIME-Version: 1.0
 *     Content-Type: text/plain; charset=UTF-8
 *     Content-Transfer-Encoding: base64
 *
 *     <body in base64, 76 characters a line>
 *
 * The body's line ends (LF, CR or CRLF) become CRLF before encoding, as
 * RFC 2045 wants of text.  The subject stays as it is only when it is
 * printable ASCII that fits on one 78-column line and holds no "=?";
 * otherwise it is B-encoded in words of whole UTF-8 characters, one word a
 * folded line.
 *
 * Header injection: a header value is one line whatever the caller passes.
 * Every CR, LF and other control character in from, to and subject is
 * written as a space (so "a@b\r\nBcc: c" stays inside To:), and message_id
 * keeps only the characters of an RFC 5322 dot-atom, others becoming "_".
 * Replacing rather than failing keeps the snprintf contract below; callers
 * that must refuse bad values (the worker's recipient) check them first.
 *
 * Like snprintf: returns the full length, without the NUL; writes at most
 * size bytes, NUL included, so the message is whole only when the result is
 * below size.  out may be NULL with size 0 to measure.
 */
size_t bb_mail_format(const char *from, const char *to, const char *subject,
    const char *body, time_t date, const char *message_id,
    char *out, size_t size);

#endif /* BB_MAIL_H */
