/*
 * Deadlines for blocking calls made off nginx's event loop.
 *
 * Every call the core makes to PostgreSQL or Redis is bounded in time: a
 * database that stops answering must turn into an error after a known delay,
 * never into a thread that waits forever.  A deadline is an absolute point on
 * the monotonic clock, so that it can be handed down through several calls.
 */

#ifndef BB_DEADLINE_H
#define BB_DEADLINE_H

#include <stdint.h>

typedef int64_t  bb_deadline_t;     /* milliseconds on CLOCK_MONOTONIC */

bb_deadline_t bb_deadline_in(int timeout_ms);
int bb_deadline_left(bb_deadline_t deadline);

/*
 * Waits until fd is readable (want_write == 0) or writable, or the deadline
 * passes.  Returns 1 when ready, 0 on timeout, -1 on a poll error.
 */
int bb_wait_fd(int fd, int want_write, bb_deadline_t deadline);

/*
 * 1 when an idle connection's fd has something to read right now.  Nothing
 * should arrive on an idle database connection: when something does, it is
 * the server closing it (a restart, an idle timeout), and a cached
 * connection must be dropped before use rather than fail the next request.
 */
int bb_idle_fd_readable(int fd);

#endif /* BB_DEADLINE_H */
