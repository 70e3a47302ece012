/*
 * bb-ingest: the SRT ingest daemon.
 *
 * One process listens on one UDP port for every dashcam; libsrt multiplexes
 * all connections over that socket and its epoll tells us which are ready.
 * Publishers are refused in the handshake (the listener callback) unless they
 * prove they hold a registered device's key.
 *
 * This first version listens, takes part in health checks and refuses every
 * caller: the device registry it authenticates against does not exist yet.
 */

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <syslog.h>

#include <srt/access_control.h>
#include <srt/srt.h>

#include "bb_daemon.h"

#define BB_INGEST_BACKLOG    128
#define BB_INGEST_ID_LOG_MAX  64


/* Formats a peer address as "1.2.3.4:5678" or "[::1]:5678". */
static void
bb_ingest_peer(const struct sockaddr *sa, char *buf, size_t size)
{
    char  host[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6  *sin6 = (const void *) sa;

        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        snprintf(buf, size, "[%s]:%u", host, ntohs(sin6->sin6_port));

    } else {
        const struct sockaddr_in  *sin = (const void *) sa;

        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        snprintf(buf, size, "%s:%u", host, ntohs(sin->sin_port));
    }
}


/*
 * Copies at most BB_INGEST_ID_LOG_MAX bytes of a caller-chosen stream id
 * into buf for logging, replacing anything unprintable: the id is untrusted
 * and must not forge log lines.
 */
static void
bb_ingest_id_for_log(const char *id, char *buf)
{
    size_t  i;

    for (i = 0; id != NULL && id[i] && i < BB_INGEST_ID_LOG_MAX; i++) {
        buf[i] = (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '"') ? id[i] : '?';
    }

    buf[i] = '\0';
}


/* libsrt's listener callback: returning -1 refuses the handshake. */
static int
bb_ingest_handshake(void *opaque, SRTSOCKET ns, int hsversion,
    const struct sockaddr *peer, const char *streamid)
{
    char  from[INET6_ADDRSTRLEN + 8], id[BB_INGEST_ID_LOG_MAX + 1];

    (void) opaque;
    (void) hsversion;

    bb_ingest_peer(peer, from, sizeof(from));
    bb_ingest_id_for_log(streamid, id);

    bb_log("warn", "ingest: refused caller from %s, stream id \"%s\": "
           "no device is registered", from, id);

    srt_setrejectreason(ns, SRT_REJX_FORBIDDEN);

    return -1;
}


static SRTSOCKET
bb_ingest_listen(const char *listen)
{
    int               no, rc;
    char              host[256], *colon;
    SRTSOCKET         s;
    struct addrinfo   hints, *ai;

    if (strlen(listen) >= sizeof(host)) {
        bb_log("emerg", "ingest: blackbox_srt_listen \"%s\" is too long",
               listen);
        return SRT_INVALID_SOCK;
    }

    strcpy(host, listen);
    colon = strrchr(host, ':');

    if (colon == NULL) {
        bb_log("emerg", "ingest: blackbox_srt_listen \"%s\" is not "
               "host:port", listen);
        return SRT_INVALID_SOCK;
    }

    *colon = '\0';

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;

    rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc != 0) {
        bb_log("emerg", "ingest: blackbox_srt_listen \"%s\": %s", listen,
               gai_strerror(rc));
        return SRT_INVALID_SOCK;
    }

    s = srt_create_socket();
    no = 0;

    if (s == SRT_INVALID_SOCK
        || srt_setsockflag(s, SRTO_RCVSYN, &no, sizeof(no)) != 0
        || srt_bind(s, ai->ai_addr, (int) ai->ai_addrlen) != 0
        || srt_listen(s, BB_INGEST_BACKLOG) != 0
        || srt_listen_callback(s, bb_ingest_handshake, NULL) != 0)
    {
        bb_log("emerg", "ingest: cannot listen for SRT on udp %s: %s",
               listen, srt_getlasterror_str());
        freeaddrinfo(ai);

        if (s != SRT_INVALID_SOCK) {
            srt_close(s);
        }

        return SRT_INVALID_SOCK;
    }

    freeaddrinfo(ai);

    return s;
}


static void
bb_ingest_serve(bb_daemon_t *d, SRTSOCKET lsn)
{
    int        eid, events, rn;
    SRTSOCKET  ready[16], s;

    eid = srt_epoll_create();
    events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(eid, lsn, &events);

    while (!bb_daemon_stopping) {
        rn = (int) (sizeof(ready) / sizeof(ready[0]));

        if (srt_epoll_wait(eid, ready, &rn, NULL, NULL, 1000,
                           NULL, NULL, NULL, NULL) > 0)
        {
            /* Unreachable while the handshake refuses everyone. */
            while ((s = srt_accept(lsn, NULL, NULL)) != SRT_INVALID_SOCK) {
                srt_close(s);
            }
        }

        bb_daemon_tick(d);
    }

    srt_epoll_release(eid);
}


int
main(int argc, char **argv)
{
    bb_daemon_t  d;
    const char  *listen;
    SRTSOCKET    lsn;

    if (bb_daemon_init(&d, "ingest", argc, argv) != 0) {
        return 1;
    }

    listen = bb_conf_get(&d.conf, "blackbox_srt_listen", "127.0.0.1:9000");

    srt_startup();
    srt_setloglevel(LOG_ERR);

    lsn = bb_ingest_listen(listen);
    if (lsn == SRT_INVALID_SOCK) {
        srt_cleanup();
        return 1;
    }

    bb_daemon_tick(&d);
    bb_log("notice", "ingest: listening for SRT on udp %s as \"%s\"",
           listen, d.node);

    bb_ingest_serve(&d, lsn);

    srt_close(lsn);
    srt_cleanup();
    bb_daemon_exit(&d);

    return 0;
}
