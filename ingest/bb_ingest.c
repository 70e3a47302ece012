/*
 * bb-ingest: the SRT ingest daemon.
 *
 * One process listens on one UDP port for every dashcam; libsrt multiplexes
 * all connections over that socket, and its epoll tells this thread when a
 * connection is ready to accept.  Each accepted connection is a session
 * with a thread of its own (bb_session.c).
 *
 * Publishers are sorted out in the handshake, in the listener callback,
 * before any connection exists: the stream id must name a registered
 * device that wants to publish, and the connection's passphrase is set to
 * that device's own key, so only the key's holder completes the handshake
 * and the stream is encrypted with it.  The callback runs on libsrt's
 * receiving thread and so looks the device up in memory only
 * (bb_registry.c).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <syslog.h>

#include <srt/access_control.h>
#include <srt/srt.h>

#include <libavutil/log.h>

#include "bb_daemon.h"
#include "bb_registry.h"
#include "bb_secret.h"
#include "bb_session.h"
#include "bb_streamid.h"

#define BB_INGEST_BACKLOG      128
#define BB_INGEST_ID_LOG_MAX   64
#define BB_INGEST_SETTLE_S     60     /* look at the staging folder */
#define BB_INGEST_RCVBUF       (8 * 1024 * 1024)

/* What the listener callback needs, from libsrt's thread. */
typedef struct {
    bb_registry_t  *registry;
} bb_ingest_t;


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


/*
 * libsrt's listener callback: returning -1 refuses the handshake.  The
 * stream id must name a registered device that publishes; the connection
 * then takes that device's key as its passphrase, and a caller with
 * another key (or none) fails the handshake inside libsrt.
 */
static int
bb_ingest_handshake(void *opaque, SRTSOCKET ns, int hsversion,
    const struct sockaddr *peer, const char *streamid)
{
    bb_ingest_t    *ing = opaque;
    char            from[INET6_ADDRSTRLEN + 8], id[BB_INGEST_ID_LOG_MAX + 1];
    char            device_id[BB_DEVICE_ID_MAX + 1];
    char            key[BB_DEVICE_KEY_LEN + 1];
    bb_streamid_e   rc;

    (void) hsversion;

    bb_ingest_peer(peer, from, sizeof(from));
    bb_ingest_id_for_log(streamid, id);

    rc = bb_streamid_parse(streamid, streamid ? strlen(streamid) : 0,
                           device_id);

    if (rc != BB_STREAMID_OK) {
        bb_log("warn", "ingest: refused caller from %s, stream id \"%s\": "
               "%s", from, id, bb_streamid_reason(rc));
        srt_setrejectreason(ns, SRT_REJX_BAD_REQUEST);
        return -1;
    }

    if (bb_registry_key(ing->registry, device_id, key) != 0) {
        bb_log("warn", "ingest: refused device \"%s\" from %s: no such "
               "device is registered", device_id, from);
        srt_setrejectreason(ns, SRT_REJX_FORBIDDEN);
        return -1;
    }

    if (srt_setsockflag(ns, SRTO_PASSPHRASE, key, BB_DEVICE_KEY_LEN) != 0) {
        bb_log("error", "ingest: cannot set the passphrase of device "
               "\"%s\": %s", device_id, srt_getlasterror_str());
        memset(key, 0, sizeof(key));
        return -1;
    }

    memset(key, 0, sizeof(key));

    return 0;
}


static SRTSOCKET
bb_ingest_listen(const char *listen, bb_ingest_t *ing)
{
    int               no, rc, rcvbuf;
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

    /* Every connection shares this one UDP socket: give it room (the
     * kernel caps it at net.core.rmem_max). */
    if (s == SRT_INVALID_SOCK
        || srt_setsockflag(s, SRTO_RCVSYN, &no, sizeof(no)) != 0
        || srt_setsockflag(s, SRTO_UDP_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0
        || srt_bind(s, ai->ai_addr, (int) ai->ai_addrlen) != 0
        || srt_listen(s, BB_INGEST_BACKLOG) != 0
        || srt_listen_callback(s, bb_ingest_handshake, ing) != 0)
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
bb_ingest_accept(SRTSOCKET lsn, bb_sessions_t *all)
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

    bb_ingest_peer((struct sockaddr *) &peer, from, sizeof(from));

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
bb_ingest_serve(bb_daemon_t *d, SRTSOCKET lsn, bb_sessions_t *all)
{
    int        eid, events, rn;
    time_t     now, settled;
    SRTSOCKET  ready[16];

    eid = srt_epoll_create();
    events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
    srt_epoll_add_usock(eid, lsn, &events);
    settled = 0;

    while (!bb_daemon_stopping) {
        rn = (int) (sizeof(ready) / sizeof(ready[0]));

        if (srt_epoll_wait(eid, ready, &rn, NULL, NULL, 500,
                           NULL, NULL, NULL, NULL) > 0)
        {
            bb_ingest_accept(lsn, all);
        }

        now = time(NULL);
        bb_session_beat(all, now);

        if (now - settled >= BB_INGEST_SETTLE_S) {
            bb_session_settle_staged(all);
            settled = now;
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
        bb_log("emerg", "ingest: blackbox_device_secret_file: %s", err);
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


int
main(int argc, char **argv)
{
    size_t          secret_len;
    bb_daemon_t     d;
    bb_ingest_t     ing;
    const char     *listen;
    SRTSOCKET       lsn;
    bb_sessions_t   all;
    unsigned char   secret[BB_SECRET_MAX];

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
    all.storage = d.storage;
    all.api.postgres = d.postgres;
    all.api.redis = d.redis;
    all.api.timeout_ms = d.timeout_ms;
    all.api.storage = d.storage;
    pthread_mutex_init(&all.lock, NULL);
    pthread_cond_init(&all.ended, NULL);

    av_log_set_level(AV_LOG_ERROR);

    ing.registry = bb_registry_start(d.postgres, secret, secret_len,
                                     bb_ingest_device_gone, &all);
    memset(secret, 0, sizeof(secret));

    if (ing.registry == NULL) {
        return 1;
    }

    srt_startup();
    srt_setloglevel(LOG_ERR);

    lsn = bb_ingest_listen(listen, &ing);
    if (lsn == SRT_INVALID_SOCK) {
        bb_registry_stop(ing.registry);
        srt_cleanup();
        return 1;
    }

    bb_session_settle_staged(&all);

    bb_daemon_tick(&d);
    bb_log("notice", "ingest: listening for SRT on udp %s as \"%s\"",
           listen, d.node);

    bb_ingest_serve(&d, lsn, &all);

    srt_close(lsn);
    bb_session_stop_all(&all);
    bb_registry_stop(ing.registry);
    srt_cleanup();
    bb_daemon_exit(&d);

    return 0;
}
