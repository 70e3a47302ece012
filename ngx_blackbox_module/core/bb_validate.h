/*
 * The shape of account input: usernames, e-mail addresses, passwords.
 *
 * These checks need no database, so they run before any of the work in
 * bb_account.c and their answers go straight into an API "fields" object:
 * each problem is a short sentence such as "must be at least 10 characters".
 *
 * Usernames are folded to one spelling here, because the username is also
 * the display name: "Alice" and "alice" must be one account, and a name
 * that only looks like another one (Cyrillic U+0430 for Latin "a",
 * fullwidth letters, the Turkish dotless i U+0131) must not exist at all.
 * So the alphabet is plain ASCII and anything else is refused rather than
 * folded.
 *
 * Plain C with no I/O, apart from the loader of the common-password list.
 */

#ifndef BB_VALIDATE_H
#define BB_VALIDATE_H

#include <stddef.h>

#define BB_USERNAME_MIN     3
#define BB_USERNAME_MAX     32          /* bytes, and characters */
#define BB_EMAIL_MAX        254         /* bytes, RFC 5321 path limit */
#define BB_EMAIL_LOCAL_MAX  64          /* bytes before the "@" */
#define BB_PASSWORD_MIN     10          /* Unicode code points */
#define BB_PASSWORD_MAX     256         /* Unicode code points */

typedef struct bb_wordlist_s  bb_wordlist_t;

/*
 * Checks a username and writes it lowercased into out: 3 to 32 characters
 * of a-z, 0-9, ".", "_" or "-", upper-case ASCII being folded.  Any byte
 * outside ASCII is refused.  in may be of any length; out must hold
 * BB_USERNAME_MAX + 1 bytes.  Returns 0, or -1 with a sentence in *problem
 * (and out untouched).
 */
int bb_username_normalize(const char *in, char *out, size_t size,
    const char **problem);

/*
 * Checks an e-mail address pragmatically, not by the letter of RFC 5322:
 * at most 254 bytes with exactly one "@"; before it 1 to 64 bytes of
 * printable ASCII other than space, '"', "<", ">", ",", ";" and "\"; after
 * it a domain of at least two dot-separated labels of A-Z, a-z, 0-9 and
 * "-", none empty, longer than 63 bytes, or starting or ending with "-".
 * Writes the address into out with the domain lowercased and the local
 * part as given (mailbox names may be case-sensitive); out must hold
 * BB_EMAIL_MAX + 1 bytes.  Returns 0, or -1 with a sentence in *problem.
 */
int bb_email_normalize(const char *in, char *out, size_t size,
    const char **problem);

/*
 * Reads a list of words, one a line ("\n" or "\r\n"; empty lines are
 * skipped), for bb_wordlist_has().  Returns the list, or NULL with a
 * sentence naming path in err: the file cannot be read, is over 16 MB,
 * holds a NUL byte or no word at all, or memory ran out.
 */
bb_wordlist_t *bb_wordlist_load(const char *path, char *err, size_t errlen);

/*
 * Whether word is in the list, ignoring ASCII case; O(log n).  A NULL list
 * holds nothing.
 */
int bb_wordlist_has(const bb_wordlist_t *list, const char *word);

/* Releases a list; NULL is allowed. */
void bb_wordlist_free(bb_wordlist_t *list);

/*
 * Why a password is refused, or NULL if it is acceptable: it must be valid
 * UTF-8 (no overlong forms, surrogates or truncated sequences), hold no
 * control character (C0, DEL or C1), be 10 to 256 characters counted as
 * Unicode code points (so a 10-syllable Korean password of 30 bytes is
 * fine), and not be in common (ignoring ASCII case; NULL skips that check).
 * A C string cannot hold a NUL: callers must refuse one before, as
 * bb_input does for JSON strings.  Any length of input is safe.
 */
const char *bb_password_problem(const char *password,
    const bb_wordlist_t *common);

#endif /* BB_VALIDATE_H */
