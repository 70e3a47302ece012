/*
 * Instants as the API writes them: RFC 3339 ("2026-11-25T12:03:00Z",
 * "2026-11-25T21:03:00.5+09:00"), read into Unix milliseconds.
 *
 * Parsed by hand rather than with strptime: strptime takes blanks, signs
 * and out-of-range fields that an API must refuse, and knows no offsets.
 */

#ifndef BB_TIME_H
#define BB_TIME_H

/*
 * Reads an RFC 3339 date-time (with "Z" or a "+HH:MM"/"-HH:MM" offset, an
 * optional fraction of up to 9 digits, kept to the millisecond) into Unix
 * milliseconds.  Returns 0, or -1 when s is anything else, including
 * dates that do not exist (2026-02-30) and times before 1970.
 */
int bb_time_parse(const char *s, long long *ms);

/*
 * Writes ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (at least
 * BB_TIME_LEN bytes).  Returns buf, or NULL for instants before 1970.
 */
#define BB_TIME_LEN  32
char *bb_time_format_ms(long long ms, char *buf);

#endif /* BB_TIME_H */
