/*
 * The mails blackbox sends: see bb_mail.h.
 *
 * The formatter writes through one appender that measures and writes with
 * the same calls (as bb_json does), so a NULL buffer gives exactly the
 * length a write produces, and a short buffer is never overrun.
 *
 * Every line it writes ends in CRLF and stays within 78 columns: plain
 * header values are the caller's, the subject folds into encoded words, and
 * the body is base64, whatever its own lines are like.
 */

#include <stdio.h>
#include <string.h>

#include "bb_mail.h"

/* RFC 2045: base64 lines of at most 76 characters, 19 groups of 4. */
#define BB_MAIL_B64_LINE     76

/*
 * Bytes of subject per encoded word: 39 bytes give 52 base64 characters, a
 * 64-column "=?UTF-8?B?...?=" word, and "Subject: " with one word stays
 * within the 78 columns RFC 5322 asks for (RFC 2047's limit is 75 a word).
 */
#define BB_MAIL_WORD_BYTES   39
#define BB_MAIL_LINE_MAX     78


typedef struct {
    const char  *subject;
    const char  *body;      /* username, code, duration, in this order */
} bb_mail_template_t;


/*
 * [language][kind].  The code stands alone on its line so that nobody, and
 * no test, has to pick it out of a sentence.
 */
static const bb_mail_template_t  bb_mail_templates[2][2] = {
    {
        {
            "Your blackbox verification code",

            "Hello %s,\n"
            "\n"
            "Here is the code that confirms your email address on "
            "blackbox:\n"
            "\n"
            "%s\n"
            "\n"
            "It is valid for %s.\n"
            "\n"
            "If you did not sign up for blackbox, ignore this mail: nothing\n"
            "happens without the code.\n"
        },
        {
            "Your blackbox login code",

            "Hello %s,\n"
            "\n"
            "Here is your code to sign in to blackbox:\n"
            "\n"
            "%s\n"
            "\n"
            "It is valid for %s.\n"
            "\n"
            "If you did not try to sign in, someone else knows your "
            "password:\n"
            "ignore this mail, give the code to nobody, and change your\n"
            "password now.\n"
        }
    },
    {
        {
            "blackbox 인증 코드",

            "안녕하세요, %s님.\n"
            "\n"
            "blackbox 이메일 주소 인증 코드는 다음과 같습니다.\n"
            "\n"
            "%s\n"
            "\n"
            "이 코드는 %s 동안 유효합니다.\n"
            "\n"
            "blackbox에 가입하지 않으셨다면 이 메일을 무시하셔도 됩니다.\n"
        },
        {
            "blackbox 로그인 코드",

            "안녕하세요, %s님.\n"
            "\n"
            "blackbox 로그인 코드는 다음과 같습니다.\n"
            "\n"
            "%s\n"
            "\n"
            "이 코드는 %s 동안 유효합니다.\n"
            "\n"
            "로그인을 시도하지 않으셨다면 다른 사람이 회원님의 비밀번호를 "
            "알고 있습니다.\n"
            "이 메일은 무시하시고, 코드는 누구에게도 알려 주지 마십시오.\n"
            "지금 바로 비밀번호를 변경해 주십시오.\n"
        }
    }
};


int
bb_mail_render(bb_mail_kind_e kind, const char *lang,
    const char *username, const char *code, int valid_minutes,
    char *subject, size_t subject_size, char *body, size_t body_size)
{
    int                        n, ko;
    char                       duration[32];
    const bb_mail_template_t  *t;

    ko = (lang != NULL && strcmp(lang, "ko") == 0);
    t = &bb_mail_templates[ko][kind == BB_MAIL_LOGIN_CODE];

    if (ko) {
        snprintf(duration, sizeof(duration), "%d분", valid_minutes);

    } else {
        snprintf(duration, sizeof(duration), "%d minute%s", valid_minutes,
                 valid_minutes == 1 ? "" : "s");
    }

    n = snprintf(subject, subject_size, "%s", t->subject);
    if (n < 0 || (size_t) n >= subject_size) {
        return -1;
    }

    /* The templates are constant strings: the format is ours. */
    n = snprintf(body, body_size, t->body, username ? username : "",
                 code ? code : "", duration);
    if (n < 0 || (size_t) n >= body_size) {
        return -1;
    }

    return 0;
}


/* [language][bb_mail_notice_e]: subject (nickname), then body (username,
 * nickname, when). */
static const bb_mail_template_t  bb_mail_notices[2][3] = {
    {
        {
            "Your dashcam \"%s\" has gone silent",

            "Hello %s,\n"
            "\n"
            "Your dashcam \"%s\" has not been heard from since %s.\n"
            "\n"
            "It may be switched off, out of network coverage or broken.\n"
            "We will tell you when it is back.\n"
        },
        {
            "Your dashcam \"%s\" is back online",

            "Hello %s,\n"
            "\n"
            "Your dashcam \"%s\" is back online: it was heard from again\n"
            "at %s.\n"
        },
        {
            "Your dashcam \"%s\" recorded an impact",

            "Hello %s,\n"
            "\n"
            "Your dashcam \"%s\" reported an impact at %s.\n"
            "\n"
            "The clips around it are marked as events: open that day in\n"
            "blackbox to watch them.  Further impacts within 5 minutes are\n"
            "marked too, without another mail.\n"
        }
    },
    {
        {
            "블랙박스 \"%s\" 연결 끊김",

            "안녕하세요, %s님.\n"
            "\n"
            "블랙박스 \"%s\"에서 %s 이후로 신호가 없습니다.\n"
            "\n"
            "전원이 꺼졌거나, 통신이 닿지 않거나, 고장 났을 수 있습니다.\n"
            "다시 연결되면 알려 드리겠습니다.\n"
        },
        {
            "블랙박스 \"%s\" 다시 연결됨",

            "안녕하세요, %s님.\n"
            "\n"
            "블랙박스 \"%s\"의 연결이 %s에 다시 확인되었습니다.\n"
        },
        {
            "블랙박스 \"%s\" 충격 감지",

            "안녕하세요, %s님.\n"
            "\n"
            "블랙박스 \"%s\"에서 %s에 충격이 감지되었습니다.\n"
            "\n"
            "충격 전후의 영상은 이벤트로 표시되었습니다. blackbox에서\n"
            "그날의 영상을 열어 확인해 보세요. 5분 안에 이어지는 충격도\n"
            "표시되며, 메일은 다시 보내지 않습니다.\n"
        }
    }
};


int
bb_mail_render_notice(bb_mail_notice_e kind, const char *lang,
    const char *username, const char *nickname, const char *when,
    char *subject, size_t subject_size, char *body, size_t body_size)
{
    int                        n, ko;
    const bb_mail_template_t  *t;

    ko = (lang != NULL && strcmp(lang, "ko") == 0);
    t = &bb_mail_notices[ko][kind];

    /* The templates are constant strings: the formats are ours. */
    n = snprintf(subject, subject_size, t->subject, nickname);
    if (n < 0 || (size_t) n >= subject_size) {
        return -1;
    }

    n = snprintf(body, body_size, t->body, username, nickname, when);
    if (n < 0 || (size_t) n >= body_size) {
        return -1;
    }

    return 0;
}


/* --- formatting ---------------------------------------------------------- */

typedef struct {
    char    *buf;       /* NULL while measuring */
    size_t   size;      /* bytes of buf, the NUL's included */
    size_t   len;       /* bytes written, or that would have been */
} bb_mail_out_t;

typedef struct {
    unsigned char  group[3];
    int            n;       /* bytes in group */
    int            col;     /* characters on the current line */
} bb_mail_b64_t;


static const char  bb_mail_b64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char  *bb_mail_days[] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char  *bb_mail_months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};


/* Appends what fits, always leaving room for the final NUL. */
static void
bb_mail_put(bb_mail_out_t *o, const char *p, size_t n)
{
    size_t  room;

    if (o->buf != NULL && o->len + 1 < o->size) {
        room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, p, n < room ? n : room);
    }

    o->len += n;
}


static void
bb_mail_puts(bb_mail_out_t *o, const char *s)
{
    bb_mail_put(o, s, strlen(s));
}


/* A byte of a header value: controls (CR and LF first) become spaces. */
static char
bb_mail_header_byte(char c)
{
    unsigned char  u = (unsigned char) c;

    return (u < 0x20 || u == 0x7f) ? ' ' : c;
}


/* "Name: value CRLF" with the value kept to one line. */
static void
bb_mail_header(bb_mail_out_t *o, const char *name, const char *value)
{
    char  c;

    bb_mail_puts(o, name);
    bb_mail_put(o, ": ", 2);

    for ( /* void */ ; value != NULL && *value; value++) {
        c = bb_mail_header_byte(*value);
        bb_mail_put(o, &c, 1);
    }

    bb_mail_put(o, "\r\n", 2);
}


/* RFC 5322 atext and the dot: what a Message-ID's halves may hold. */
static int
bb_mail_is_atext(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9'))
    {
        return 1;
    }

    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}


static void
bb_mail_put_atext(bb_mail_out_t *o, const char *s, size_t n)
{
    char    c;
    size_t  i;

    for (i = 0; i < n; i++) {
        c = bb_mail_is_atext(s[i]) ? s[i] : '_';
        bb_mail_put(o, &c, 1);
    }
}


/*
 * "Message-ID: <id@domain>", the domain taken from from's address ("a@b",
 * or "Name <a@b>"): RFC 5322 wants the right half to make the id unique
 * across hosts, and the sending domain is the one we can speak for.
 */
static void
bb_mail_message_id(bb_mail_out_t *o, const char *id, const char *from)
{
    size_t       n;
    const char  *at, *end;

    bb_mail_puts(o, "Message-ID: <");

    if (id == NULL || *id == '\0') {
        id = "_";
    }

    bb_mail_put_atext(o, id, strlen(id));
    bb_mail_put(o, "@", 1);

    at = (from != NULL) ? strrchr(from, '@') : NULL;
    if (at != NULL) {
        at++;
        end = strchr(at, '>');
        n = (end != NULL) ? (size_t) (end - at) : strlen(at);

    } else {
        n = 0;
    }

    if (n == 0) {
        at = "localhost";
        n = strlen(at);
    }

    bb_mail_put_atext(o, at, n);
    bb_mail_put(o, ">\r\n", 3);
}


/* RFC 5322 date-time, always in UTC: "Thu, 26 Nov 2026 04:03:00 +0000". */
static void
bb_mail_date(bb_mail_out_t *o, time_t date)
{
    char       line[64];
    struct tm  tm;

    /*
     * Our own names: strftime's %a and %b would follow the locale.  Dates
     * outside 1970..9999 are bugs, not mail: they get the epoch.
     */
    if (date < 0 || gmtime_r(&date, &tm) == NULL
        || tm.tm_year + 1900 > 9999)
    {
        date = 0;
        gmtime_r(&date, &tm);
    }

    snprintf(line, sizeof(line), "Date: %s, %02d %s %04d %02d:%02d:%02d "
             "+0000\r\n", bb_mail_days[tm.tm_wday], tm.tm_mday,
             bb_mail_months[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);

    bb_mail_puts(o, line);
}


/* Encodes up to 3 bytes as 4 characters, padded with "=". */
static void
bb_mail_b64_group(bb_mail_out_t *o, const unsigned char *g, int n)
{
    char  q[4];

    q[0] = bb_mail_b64_digits[g[0] >> 2];
    q[1] = bb_mail_b64_digits[((g[0] & 0x03) << 4)
                              | (n > 1 ? g[1] >> 4 : 0)];
    q[2] = (n > 1) ? bb_mail_b64_digits[((g[1] & 0x0f) << 2)
                                        | (n > 2 ? g[2] >> 6 : 0)]
                   : '=';
    q[3] = (n > 2) ? bb_mail_b64_digits[g[2] & 0x3f] : '=';

    bb_mail_put(o, q, 4);
}


/* Feeds one byte of the body to base64 lines of BB_MAIL_B64_LINE. */
static void
bb_mail_b64_byte(bb_mail_out_t *o, bb_mail_b64_t *b, unsigned char c)
{
    b->group[b->n++] = c;

    if (b->n < 3) {
        return;
    }

    bb_mail_b64_group(o, b->group, 3);
    b->n = 0;
    b->col += 4;

    if (b->col == BB_MAIL_B64_LINE) {
        bb_mail_put(o, "\r\n", 2);
        b->col = 0;
    }
}


/*
 * The body in base64, its line ends made CRLF first: RFC 2045 has text
 * encoded in its canonical form, so that the reader gets CRLF whatever the
 * writer's system used.
 */
static void
bb_mail_body(bb_mail_out_t *o, const char *body)
{
    bb_mail_b64_t  b;

    memset(&b, 0, sizeof(bb_mail_b64_t));

    for ( /* void */ ; body != NULL && *body; body++) {
        if (*body == '\r' || *body == '\n') {
            if (body[0] == '\r' && body[1] == '\n') {
                body++;
            }

            bb_mail_b64_byte(o, &b, '\r');
            bb_mail_b64_byte(o, &b, '\n');
            continue;
        }

        bb_mail_b64_byte(o, &b, (unsigned char) *body);
    }

    if (b.n > 0) {
        bb_mail_b64_group(o, b.group, b.n);
        b.col += 4;
    }

    if (b.col > 0) {
        bb_mail_put(o, "\r\n", 2);
    }
}


/* 1 when the subject may go as it is: see bb_mail.h. */
static int
bb_mail_subject_plain(const char *s)
{
    const char  *p;

    for (p = s; *p; p++) {
        if ((unsigned char) *p >= 0x80) {
            return 0;
        }
    }

    return strstr(s, "=?") == NULL
           && sizeof("Subject: ") - 1 + (size_t) (p - s) <= BB_MAIL_LINE_MAX;
}


/*
 * RFC 2047 encoded words, one a line.  A word holds whole UTF-8 characters
 * (RFC 2047 section 5 forbids splitting one), so a chunk ends before any
 * continuation byte; the spaces between words vanish when decoded.
 */
static void
bb_mail_subject(bb_mail_out_t *o, const char *s)
{
    size_t         len, start, end, i;
    unsigned char  chunk[BB_MAIL_WORD_BYTES];

    if (bb_mail_subject_plain(s)) {
        bb_mail_header(o, "Subject", s);
        return;
    }

    bb_mail_puts(o, "Subject: ");

    len = strlen(s);

    for (start = 0; start < len; start = end) {
        end = start + BB_MAIL_WORD_BYTES;

        if (end >= len) {
            end = len;

        } else {
            while (end > start && ((unsigned char) s[end] & 0xc0) == 0x80) {
                end--;
            }

            /* Not UTF-8 at all: cut anywhere rather than loop. */
            if (end == start) {
                end = start + BB_MAIL_WORD_BYTES;
            }
        }

        for (i = start; i < end; i++) {
            chunk[i - start] = (unsigned char) bb_mail_header_byte(s[i]);
        }

        if (start > 0) {
            bb_mail_put(o, "\r\n ", 3);
        }

        bb_mail_puts(o, "=?UTF-8?B?");

        for (i = 0; i < end - start; i += 3) {
            bb_mail_b64_group(o, chunk + i,
                              (end - start - i) < 3 ? (int) (end - start - i)
                                                    : 3);
        }

        bb_mail_puts(o, "?=");
    }

    bb_mail_put(o, "\r\n", 2);
}


size_t
bb_mail_format(const char *from, const char *to, const char *subject,
    const char *body, time_t date, const char *message_id,
    char *out, size_t size)
{
    bb_mail_out_t  o;

    o.buf = out;
    o.size = (out != NULL) ? size : 0;
    o.len = 0;

    bb_mail_header(&o, "From", from);
    bb_mail_header(&o, "To", to);
    bb_mail_subject(&o, subject != NULL ? subject : "");
    bb_mail_date(&o, date);
    bb_mail_message_id(&o, message_id, from);
    bb_mail_puts(&o, "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n"
                     "\r\n");
    bb_mail_body(&o, body);

    if (o.size > 0) {
        out[o.len < o.size ? o.len : o.size - 1] = '\0';
    }

    return o.len;
}
