/*
 * The fixtures the media unit tests (test_bb_mp4.c, test_bb_fmp4.c,
 * test_bb_remux.c) share: the temporary folder their ffmpeg-made inputs
 * live in, whether ffmpeg has an encoder, and whole files read into
 * memory, where the tests take boxes apart.
 *
 *     if (media_dir_make("mp4") != 0) { ... }
 *     slurp("h264-aac.mp4", &f);        a file in the folder
 *     data = media_slurp(path, &size);   a file anywhere
 */

#ifndef BB_MEDIA_FIXTURE_H
#define BB_MEDIA_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"


typedef struct {
    unsigned char  *data;
    long            size;
} file_t;


/* The folder of the test's inputs, /tmp/bb-unit-NAME-XXXXXX once made. */
static char  dir[64];


/* Makes dir for the test name, a check; 0, or -1 said in a diag line. */
static inline int
media_dir_make(const char *name)
{
    snprintf(dir, sizeof(dir), "/tmp/bb-unit-%s-XXXXXX", name);

    if (!ok(mkdtemp(dir) != NULL, "make %s", dir)) {
        diag("mkdtemp: %s", strerror(errno));
        return -1;
    }

    return 0;
}


/* The path of name in dir, written into buf. */
static inline const char *
in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);

    return buf;
}


/*
 * The whole file at path, malloc'd with a byte to spare, its size in
 * *size; NULL (and a size of 0) when it cannot be read whole.
 */
static inline unsigned char *
media_slurp(const char *path, long *size)
{
    int             fd;
    struct stat     st;
    unsigned char  *data;

    *size = 0;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return NULL;
    }

    data = NULL;

    if (fstat(fd, &st) == -1
        || (data = malloc((size_t) st.st_size + 1)) == NULL
        || read(fd, data, (size_t) st.st_size) != st.st_size)
    {
        close(fd);
        free(data);
        return NULL;
    }

    close(fd);
    *size = st.st_size;

    return data;
}


/* Reads the file name in dir into f; 0, or -1 with f empty. */
static inline int
slurp(const char *name, file_t *f)
{
    char  path[512];

    f->data = media_slurp(in_dir(path, sizeof(path), name), &f->size);

    return (f->data != NULL) ? 0 : -1;
}


static inline uint32_t
be32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}


#endif /* BB_MEDIA_FIXTURE_H */
