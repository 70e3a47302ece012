/*
 * Deadlines for blocking calls: see bb_deadline.h.
 */

#include <errno.h>
#include <poll.h>
#include <time.h>

#include "bb_deadline.h"


static int64_t
bb_monotonic_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


bb_deadline_t
bb_deadline_in(int timeout_ms)
{
    return bb_monotonic_ms() + timeout_ms;
}


/* Milliseconds left before the deadline, never negative. */
int
bb_deadline_left(bb_deadline_t deadline)
{
    int64_t  left;

    left = deadline - bb_monotonic_ms();

    return left > 0 ? (int) left : 0;
}


int
bb_wait_fd(int fd, int want_write, bb_deadline_t deadline)
{
    int            n;
    struct pollfd  pfd;

    pfd.fd = fd;
    pfd.events = want_write ? POLLOUT : POLLIN;

    for ( ;; ) {
        pfd.revents = 0;
        n = poll(&pfd, 1, bb_deadline_left(deadline));

        if (n > 0) {
            return 1;
        }

        if (n == 0) {
            return 0;
        }

        if (errno != EINTR) {
            return -1;
        }
    }
}


int
bb_idle_fd_readable(int fd)
{
    struct pollfd  pfd;

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;

    return poll(&pfd, 1, 0) != 0;
}
