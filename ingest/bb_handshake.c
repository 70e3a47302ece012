/*
 * Who may publish: see bb_handshake.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syslog.h>

#include <srt/access_control.h>

#include "bb_daemon.h"
#include "bb_handshake.h"
#include "bb_streamid.h"

#define BB_HANDSHAKE_ID_LOG_MAX  64
#define BB_HANDSHAKE_REJECTED    ":newConnection: connection rejected due to: "


/* Formats a peer address as "1.2.3.4:5678" or "[::1]:5678". */
void
bb_handshake_peer(const struct sockaddr *sa, char *buf, size_t size)
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
 * Copies at most BB_HANDSHAKE_ID_LOG_MAX bytes of a caller-chosen stream id
 * into buf for logging, replacing anything unprintable: the id is untrusted
 * and must not forge log lines.
 */
static void
bb_handshake_id_for_log(const char *id, char *buf)
{
    size_t  i;

    for (i = 0; id != NULL && id[i] && i < BB_HANDSHAKE_ID_LOG_MAX; i++) {
        buf[i] = (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '"') ? id[i] : '?';
    }

    buf[i] = '\0';
}


/*
 * Notes that socket ns is device_id from peer, until it is accepted or
 * refused; the oldest note gives way when all slots are taken.
 */
static void
bb_handshake_pending_add(bb_handshake_t *hs, SRTSOCKET ns, const char *device_id,
    const char *peer)
{
    bb_handshake_pending_t  *p;

    pthread_mutex_lock(&hs->lock);

    p = &hs->pending[hs->next];
    hs->next = (hs->next + 1) % BB_HANDSHAKE_PENDING;

    p->sock = ns;
    snprintf(p->device_id, sizeof(p->device_id), "%s", device_id);
    snprintf(p->peer, sizeof(p->peer), "%s", peer);

    pthread_mutex_unlock(&hs->lock);
}


/*
 * Forgets socket sock; copies what was noted of it into device_id and
 * peer when they are not NULL.  Returns 0, or -1 when nothing was.
 */
static int
bb_handshake_pending_take(bb_handshake_t *hs, SRTSOCKET sock, char *device_id,
    char *peer)
{
    int                   rc;
    unsigned              i;
    bb_handshake_pending_t  *p;

    rc = -1;

    pthread_mutex_lock(&hs->lock);

    for (i = 0; i < BB_HANDSHAKE_PENDING; i++) {
        p = &hs->pending[i];

        if (p->sock != sock) {
            continue;
        }

        if (device_id != NULL) {
            strcpy(device_id, p->device_id);
            strcpy(peer, p->peer);
        }

        p->sock = SRT_INVALID_SOCK;
        rc = 0;
        break;
    }

    pthread_mutex_unlock(&hs->lock);

    return rc;
}


/*
 * libsrt's log handler.  A handshake that libsrt refused after our
 * callback (a wrong key, or none) becomes a refusal line naming the
 * device and the peer; other errors are passed on as they are.
 */
static void
bb_handshake_srt_log(void *opaque, int level, const char *file, int line,
    const char *area, const char *message)
{
    bb_handshake_t  *hs = opaque;
    char          device_id[BB_DEVICE_ID_MAX + 1], peer[BB_HANDSHAKE_PEER_LEN];
    char          why[BB_HANDSHAKE_ID_LOG_MAX + 1];
    char         *end;
    long          sock;
    const char   *at, *rejected, *reason;

    (void) file;
    (void) line;
    (void) area;

    rejected = strstr(message, BB_HANDSHAKE_REJECTED);

    if (rejected == NULL) {
        /* A key that fails is told below, as a refusal, not an error. */
        if (level <= LOG_ERR && strstr(message, "KMREQ") == NULL
            && strstr(message, "encryption") == NULL)
        {
            message += strspn(message, ": ");
            bb_log("error", "ingest: libsrt: %s", message);
        }

        return;
    }

    /* "... @<socket>:newConnection: connection rejected due to: <why>" */
    for (at = rejected; at > message && at[-1] != '@'; at--) {
        /* void */
    }

    sock = strtol(at, &end, 10);
    reason = rejected + sizeof(BB_HANDSHAKE_REJECTED) - 1;
    bb_handshake_id_for_log(reason, why);

    if (at == message || end != rejected
        || bb_handshake_pending_take(hs, (SRTSOCKET) sock, device_id, peer)
           != 0)
    {
        /* "PREDEFINED": refused by our callback, which told it. */
        if (strstr(reason, "PREDEFINED") == NULL) {
            bb_log("warn", "ingest: refused a caller: %s", why);
        }

        return;
    }

    bb_log("warn", "ingest: refused device \"%s\" from %s: %s (%s)",
           device_id, peer,
           strstr(reason, "BADSECRET") ? "wrong key"
           : strstr(reason, "UNSECURE") ? "no key" : "handshake failed",
           why);
}


/*
 * libsrt's listener callback: returning -1 refuses the handshake.  The
 * stream id must name a registered device that publishes; the connection
 * then takes that device's key as its passphrase, and a caller with
 * another key (or none) fails the handshake inside libsrt.
 */
int
bb_handshake_callback(void *opaque, SRTSOCKET ns, int hsversion,
    const struct sockaddr *peer, const char *streamid)
{
    bb_handshake_t *hs = opaque;
    char            from[INET6_ADDRSTRLEN + 8], id[BB_HANDSHAKE_ID_LOG_MAX + 1];
    char            device_id[BB_DEVICE_ID_MAX + 1];
    char            key[BB_DEVICE_KEY_LEN + 1];
    bb_streamid_e   rc;

    (void) hsversion;

    bb_handshake_peer(peer, from, sizeof(from));
    bb_handshake_id_for_log(streamid, id);

    rc = bb_streamid_parse(streamid, streamid ? strlen(streamid) : 0,
                           device_id);

    if (rc != BB_STREAMID_OK) {
        bb_log("warn", "ingest: refused caller from %s, stream id \"%s\": "
               "%s", from, id, bb_streamid_reason(rc));
        srt_setrejectreason(ns, SRT_REJX_BAD_REQUEST);
        return -1;
    }

    if (!bb_session_room(hs->sessions, device_id)) {
        bb_log("warn", "ingest: refused device \"%s\" from %s: "
               "blackbox_srt_max_connections reached", device_id, from);
        srt_setrejectreason(ns, SRT_REJX_OVERLOAD);
        return -1;
    }

    if (bb_registry_key(hs->registry, device_id, key) != 0) {
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

    bb_handshake_pending_add(hs, ns, device_id, from);

    return 0;
}


void
bb_handshake_accepted(bb_handshake_t *hs, SRTSOCKET sock)
{
    (void) bb_handshake_pending_take(hs, sock, NULL, NULL);
}


void
bb_handshake_init(bb_handshake_t *hs, bb_registry_t *registry,
    bb_sessions_t *sessions)
{
    unsigned  i;

    hs->registry = registry;
    hs->sessions = sessions;
    hs->next = 0;
    pthread_mutex_init(&hs->lock, NULL);

    for (i = 0; i < BB_HANDSHAKE_PENDING; i++) {
        hs->pending[i].sock = SRT_INVALID_SOCK;
    }

    /* Warnings carry the refusals of wrong keys (bb_handshake_srt_log). */
    srt_setloghandler(hs, bb_handshake_srt_log);
    srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME
                    | SRT_LOGF_DISABLE_SEVERITY | SRT_LOGF_DISABLE_EOL);
    srt_addlogfa(SRT_LOGFA_CONN);
    srt_setloglevel(LOG_WARNING);
}
