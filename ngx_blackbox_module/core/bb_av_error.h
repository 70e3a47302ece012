/*
 * Failure sentences of the code that calls libav (remux, probe,
 * thumbnails): the caller's words, then libav's for its error code.
 */

#ifndef BB_AV_ERROR_H
#define BB_AV_ERROR_H

#include <stddef.h>

/*
 * Writes the reason fmt gives, followed by ": <libav's words>" when averr
 * is not 0, into err (errlen bytes, NUL-terminated).  Returns -1, for
 * "return bb_av_fail(...)".
 */
int bb_av_fail(char *err, size_t errlen, int averr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* BB_AV_ERROR_H */
