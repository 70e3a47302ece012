/*
 * bb-worker: the queue worker.
 *
 * Workers do the slow work that must not happen inside a request or on the
 * SRT path: indexing finished clips from the Redis Stream, sending mail from
 * the outbox, retention.  Any number of them can run against one PostgreSQL
 * and one Redis.
 *
 * Each turn of its loop it beats (health checks), puts due notices to
 * owners (silent and returning dashcams, impacts) into the outbox, sends
 * the outbox's due mail, deletes a batch of expired clips when due, and
 * indexes clips from the clip queue, waiting on the queue for up
 * to a second when there is nothing to do.
 */

#include <poll.h>

#include <curl/curl.h>

#include "bb_daemon.h"
#include "bb_indexer.h"
#include "bb_notify.h"
#include "bb_outbox.h"
#include "bb_retention.h"

#define BB_WORKER_WAIT_MS  1000


int
main(int argc, char **argv)
{
    int          ready, wait_ms, pause_ms;
    bb_daemon_t  d;

    if (bb_daemon_init(&d, "worker", argc, argv) != 0) {
        return 1;
    }

    /* Once, before anything could start a thread: it is not thread-safe. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        bb_log("emerg", "worker: cannot initialise libcurl");
        bb_daemon_exit(&d);
        return 1;
    }

    bb_daemon_tick(&d);
    bb_log("notice", "worker: started as \"%s\"", d.node);

    /* The queue's blocking read must end well before Redis's timeout. */
    wait_ms = d.timeout_ms / 2 < BB_WORKER_WAIT_MS ? d.timeout_ms / 2
                                                   : BB_WORKER_WAIT_MS;
    ready = 0;

    while (!bb_daemon_stopping) {
        bb_daemon_tick(&d);
        bb_notify_run(&d);
        bb_outbox_send_due(&d);
        pause_ms = bb_retention_run(&d);

        if (!ready) {
            ready = bb_indexer_prepare(&d) == 0;
        }

        /* A retention backlog: the queue for a while, then the next batch. */
        if (!ready
            || bb_indexer_run(&d, pause_ms > 0 && pause_ms < wait_ms
                                  ? pause_ms : wait_ms) < 0)
        {
            /* Redis is away: bb_daemon_tick says so; wait, then retry. */
            poll(NULL, 0, BB_WORKER_WAIT_MS);
        }
    }

    bb_daemon_exit(&d);
    curl_global_cleanup();

    return 0;
}
