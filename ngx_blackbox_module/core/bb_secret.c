/*
 * Server secrets: see bb_secret.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb_secret.h"


int
bb_secret_read(const char *path, unsigned char *buf, size_t *len,
    int *loose, char *err, size_t err_len)
{
    int          fd;
    ssize_t      n;
    struct stat  st;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, err_len, "cannot be opened: %s", strerror(errno));
        return -1;
    }

    n = read(fd, buf, BB_SECRET_MAX);
    *loose = fstat(fd, &st) == 0 && (st.st_mode & 077) != 0;
    close(fd);

    if (n < BB_SECRET_MIN) {
        snprintf(err, err_len, "must hold at least %d random bytes",
                 BB_SECRET_MIN);
        return -1;
    }

    *len = (size_t) n;

    return 0;
}
