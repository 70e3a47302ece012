/*
 * bb_mp4_file.h: bb_mp4_index_build over pread.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb_mp4_file.h"


typedef struct {
    int        fd;
    uint8_t   *buf;
    size_t     size;
    int        error;        /* errno of the failed read, or -1: short */
} bb_mp4_file_t;


static int
bb_mp4_file_read(void *ctx, uint64_t offset, size_t len,
    const uint8_t **data)
{
    size_t          done;
    ssize_t         n;
    uint8_t        *buf;
    bb_mp4_file_t  *f = ctx;

    if (len > f->size) {
        buf = realloc(f->buf, len);
        if (buf == NULL) {
            f->error = ENOMEM;
            return -1;
        }

        f->buf = buf;
        f->size = len;
    }

    for (done = 0; done < len; done += (size_t) n) {
        n = pread(f->fd, f->buf + done, len - done,
                  (off_t) (offset + done));

        if (n < 0 && errno == EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            f->error = (n < 0) ? errno : -1;
            return -1;
        }
    }

    *data = f->buf;

    return 0;
}


bb_mp4_err_e
bb_mp4_file_index(int fd, uint64_t file_size, unsigned flags,
    bb_mp4_index_t **index, char *err, size_t errlen)
{
    bb_mp4_err_e   rc;
    bb_mp4_file_t  f;

    memset(&f, 0, sizeof(f));
    f.fd = fd;

    rc = bb_mp4_index_build(bb_mp4_file_read, &f, file_size, flags, index,
                            err, errlen);

    if (rc == BB_MP4_ERR_READ && f.error != 0 && err != NULL) {
        snprintf(err, errlen, "read failed: %s",
                 f.error > 0 ? strerror(f.error)
                             : "the file is shorter than it was");
    }

    free(f.buf);

    return rc;
}
