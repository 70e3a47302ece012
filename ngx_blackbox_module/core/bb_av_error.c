/*
 * bb_av_error.h: libav failures as sentences.
 */

#include <stdarg.h>
#include <stdio.h>

#include <libavutil/error.h>

#include "bb_av_error.h"


int
bb_av_fail(char *err, size_t errlen, int averr, const char *fmt, ...)
{
    int      n;
    char     text[AV_ERROR_MAX_STRING_SIZE];
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf(err, errlen, fmt, args);
    va_end(args);

    if (averr != 0 && n >= 0 && (size_t) n < errlen) {
        av_strerror(averr, text, sizeof(text));
        snprintf(err + n, errlen - (size_t) n, ": %s", text);
    }

    return -1;
}
