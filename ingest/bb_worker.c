/*
 * bb-worker: the queue worker.
 *
 * Workers do the slow work that must not happen inside a request or on the
 * SRT path: indexing finished clips from the Redis Stream, sending mail from
 * the outbox, retention.  Any number of them can run against one PostgreSQL
 * and one Redis.
 *
 * Each second it beats (health checks) and sends the outbox's due mail; the
 * other queues arrive with the features that fill them.
 */

#include <poll.h>

#include <curl/curl.h>

#include "bb_daemon.h"
#include "bb_outbox.h"


int
main(int argc, char **argv)
{
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

    while (!bb_daemon_stopping) {
        poll(NULL, 0, 1000);
        bb_daemon_tick(&d);
        bb_outbox_send_due(&d);
    }

    bb_daemon_exit(&d);
    curl_global_cleanup();

    return 0;
}
