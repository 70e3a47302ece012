/*
 * bb-ingest: the SRT ingest daemon.
 *
 * One process listens on one UDP port for every dashcam; libsrt multiplexes
 * all connections over that socket, and its epoll tells this thread when a
 * connection is ready to accept.  Each accepted connection is a session
 * with a thread of its own (bb_session.c).
 *
 * Who may publish is decided in the handshake, before any connection
 * exists (bb_handshake.c).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <srt/srt.h>

#include <libavutil/log.h>

#include "bb_daemon.h"
#include "bb_handshake.h"
#include "bb_registry.h"
#include "bb_secret.h"
#include "bb_session.h"
#include "bb_streamid.h"

#define BB_INGEST_BACKLOG      128
#define BB_INGEST_SETTLE_S     60     /* look at the staging folder */
#define BB_INGEST_TRIM_S       5      /* give freed memory back */
#define BB_INGEST_RCVBUF       (8 * 1024 * 1024)
#define BB_INGEST_SNDBUF       (64 * 1024)


static SRTSOCKET
bb_ingest_listen(const char *listen, bb_handshake_t *hs)
{
    int               no, rc, rcvbuf, sndbuf;
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
    rcvbuf = BB_INGEST_RCVBUF;
    sndbuf = BB_INGEST_SNDBUF;

    /*
     * Every connection shares this one UDP socket: give it room (the
     * kernel caps it at net.core.rmem_max).  Connections only receive:
     * their send buffers (inherited from here) need hardly any.
     */
    if (s == SRT_INVALID_SOCK
        || srt_setsockflag(s, SRTO_RCVSYN, &no, sizeof(no)) != 0
        || srt_setsockflag(s, SRTO_UDP_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0
        || srt_setsockflag(s, SRTO_SNDBUF, &sndbuf, sizeof(sndbuf)) != 0
        || srt_bind(s, ai->ai_addr, (int) ai->ai_addrlen) != 0
        || srt_listen(s, BB_INGEST_BACKLOG) != 0
        || srt_listen_callback(s, bb_handshake_callback, hs) != 0)
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


/* Told by the registry that a device was deleted or given a new key. */
static void
bb_ingest_device_gone(const char *device_id, void *data)
{
    bb_session_cut(data, device_id);
}


/*
 * Accepts one connection that completed its handshake (epoll is level
 * triggered: another waiting one wakes the next wait at once).
 */
static void
bb_ingest_accept(bb_handshake_t *hs, SRTSOCKET lsn, bb_sessions_t *all)
{
    int                      len;
    char                     sid[BB_STREAMID_MAX + 1], from[80];
    char                     device_id[BB_DEVICE_ID_MAX + 1];
    SRTSOCKET                s;
    struct sockaddr_storage  peer;

    len = sizeof(peer);
    s = srt_accept(lsn, (struct sockaddr *) &peer, &len);

    if (s == SRT_INVALID_SOCK) {
        return;
    }

    bb_handshake_accepted(hs, s);

    bb_handshake_peer((struct sockaddr *) &peer, from, sizeof(from));

    len = BB_STREAMID_MAX;
    if (srt_getsockflag(s, SRTO_STREAMID, sid, &len) != 0
        || bb_streamid_parse(sid, (size_t) len, device_id) != BB_STREAMID_OK)
    {
        srt_close(s);
        return;
    }

    bb_log("notice", "ingest: device \"%s\" connected from %s", device_id,
           from);

    (void) bb_session_start(all, s, device_id, from);
}


static void
bb_ingest_serve(bb_daemon_t *d, bb_handshake_t *hs, SRTSOCKET lsn,
    bb_sessions_t *all)
{
    int        eid, events, rn;
    time_t     now, settled, trimmed;
    SRTSOCKET  ready[16];

    eid = srt_epoll_create();
    events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(eid, lsn, &events);
    settled = 0;
    trimmed = 0;

    while (!bb_daemon_stopping) {
        rn = (int) (sizeof(ready) / sizeof(ready[0]));

        if (srt_epoll_wait(eid, ready, &rn, NULL, NULL, 500,
                           NULL, NULL, NULL, NULL) > 0)
        {
            bb_ingest_accept(hs, lsn, all);
        }

        now = time(NULL);
        bb_session_beat(all, now);

        if (now - settled >= BB_INGEST_SETTLE_S) {
            bb_session_settle_staged(all);
            settled = now;
        }

        /*
         * Every stream makes and frees a GOP's packets and a fragment's
         * buffers every two seconds; what the arenas keep of them once
         * freed goes back to the system here (a fixed mmap threshold does
         * it too, but its page faults cost the reception its margin).
         */
        if (now - trimmed >= BB_INGEST_TRIM_S) {
            (void) malloc_trim(0);
            trimmed = now;
        }

        bb_daemon_tick(d);
    }

    srt_epoll_release(eid);
}


/* Loads the device secret the keys derive from. */
static int
bb_ingest_secret(bb_daemon_t *d, unsigned char *secret, size_t *len)
{
    int          loose;
    char         err[320];
    const char  *path;

    path = bb_conf_get(&d->conf, "blackbox_device_secret_file",
                       "device.key");

    if (bb_secret_read(path, secret, len, &loose, err, sizeof(err)) != 0) {
        bb_log("emerg", "ingest: blackbox_device_secret_file \"%s\" %s",
               path, err);
        return -1;
    }

    if (loose) {
        bb_log("warn", "ingest: blackbox_device_secret_file \"%s\" is "
               "readable by other users: make it mode 0600", path);
    }

    return 0;
}


static int
bb_ingest_staging(const char *storage)
{
    char  dir[4200];

    snprintf(dir, sizeof(dir), "%s/%s", storage, BB_SESSION_STAGING);

    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        bb_log("emerg", "ingest: cannot create \"%s\": %s", dir,
               strerror(errno));
        return -1;
    }

    return 0;
}


/* The limits of the daemon's file, with their defaults. */
static int
bb_ingest_limits(bb_daemon_t *d, bb_sessions_t *all)
{
    int        idle_ms;
    char       err[256];
    long long  max;

    if (bb_conf_get_ms(&d->conf, "blackbox_srt_idle_timeout", 10000,
                       &idle_ms, err, sizeof(err)) != 0
        || bb_conf_get_number(&d->conf, "blackbox_srt_max_connections", 1000,
                              &max, err, sizeof(err)) != 0
        || bb_conf_get_number(&d->conf, "blackbox_srt_max_bitrate",
                              20000000, &all->max_bitrate, err, sizeof(err))
           != 0)
    {
        bb_log("emerg", "ingest: %s", err);
        return -1;
    }

    all->idle_s = idle_ms < 1000 ? 1 : idle_ms / 1000;
    all->max_sessions = max > 100000 ? 100000 : (unsigned) max;

    return 0;
}


int
main(int argc, char **argv)
{
    size_t          secret_len;
    bb_daemon_t     d;
    bb_handshake_t  hs;
    const char     *listen;
    SRTSOCKET       lsn;
    bb_sessions_t   all;
    bb_registry_t  *registry;
    unsigned char   secret[BB_SECRET_MAX];

    /*
     * glibc gives each thread that allocates an arena of its own; with a
     * thread a session, that is megabytes a stream of memory held and
     * never returned.  A few shared arenas do for threads that mostly
     * wait on the network.
     */
    mallopt(M_ARENA_MAX, 4);

    if (bb_daemon_init(&d, "ingest", argc, argv) != 0) {
        return 1;
    }

    listen = bb_conf_get(&d.conf, "blackbox_srt_listen", "127.0.0.1:9000");

    if (bb_ingest_secret(&d, secret, &secret_len) != 0
        || bb_ingest_staging(d.storage) != 0)
    {
        return 1;
    }

    memset(&all, 0, sizeof(all));

    if (bb_ingest_limits(&d, &all) != 0) {
        return 1;
    }

    all.storage = d.storage;
    all.api.postgres = d.postgres;
    all.api.redis = d.redis;
    all.api.timeout_ms = d.timeout_ms;
    all.api.storage = d.storage;
    pthread_mutex_init(&all.lock, NULL);
    pthread_cond_init(&all.ended, NULL);

    /* A stream joined mid-GOP makes libavcodec complain until its next
     * keyframe; what matters is said in our own lines. */
    av_log_set_level(AV_LOG_FATAL);

    registry = bb_registry_start(d.postgres, secret, secret_len,
                                 bb_ingest_device_gone, &all);
    memset(secret, 0, sizeof(secret));

    if (registry == NULL) {
        return 1;
    }

    srt_startup();
    bb_handshake_init(&hs, registry, &all);

    lsn = bb_ingest_listen(listen, &hs);
    if (lsn == SRT_INVALID_SOCK) {
        bb_registry_stop(registry);
        srt_cleanup();
        return 1;
    }

    bb_session_settle_staged(&all);

    bb_daemon_tick(&d);
    bb_log("notice", "ingest: listening for SRT on udp %s as \"%s\"",
           listen, d.node);

    bb_ingest_serve(&d, &hs, lsn, &all);

    srt_close(lsn);
    bb_session_stop_all(&all);
    bb_registry_stop(registry);
    srt_cleanup();
    bb_daemon_exit(&d);

    return 0;
}
