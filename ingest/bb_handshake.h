/*
 * Who may publish, decided in the SRT handshake, before any connection
 * exists.
 *
 * libsrt calls the listener callback on its own receiving thread: the
 * stream id must name a registered device that wants to publish, and the
 * connection's passphrase is then set to that device's own key, so only
 * the key's holder completes the handshake and the stream is encrypted
 * with it.  The callback looks the device up in memory only
 * (bb_registry.c): a wait there would stall every stream of the process.
 *
 * A wrong key fails the handshake inside libsrt, after the callback, and
 * libsrt tells only its own log ("@<socket>:newConnection: connection
 * rejected due to: ...").  So the callback notes which device and peer
 * each new socket stands for, and a libsrt log handler turns that line
 * into our refusal line, naming them.
 */

#ifndef BB_HANDSHAKE_H
#define BB_HANDSHAKE_H

#include <arpa/inet.h>
#include <pthread.h>

#include <srt/srt.h>

#include "bb_registry.h"
#include "bb_session.h"

#define BB_HANDSHAKE_PENDING   256    /* handshakes remembered */
#define BB_HANDSHAKE_PEER_LEN  (INET6_ADDRSTRLEN + 8)

/* A handshake the callback let through: who it claims to be. */
typedef struct {
    SRTSOCKET              sock;      /* SRT_INVALID_SOCK: free */
    char                   device_id[BB_DEVICE_ID_MAX + 1];
    char                   peer[BB_HANDSHAKE_PEER_LEN];
} bb_handshake_pending_t;

typedef struct {
    bb_registry_t           *registry;
    bb_sessions_t           *sessions;

    pthread_mutex_t          lock;    /* guards pending */
    unsigned                 next;    /* the slot to fill next */
    bb_handshake_pending_t   pending[BB_HANDSHAKE_PENDING];
} bb_handshake_t;

/*
 * Readies hs and routes libsrt's log through it (call once, after
 * srt_startup).
 */
void bb_handshake_init(bb_handshake_t *hs, bb_registry_t *registry,
    bb_sessions_t *sessions);

/* The listener callback (srt_listen_callback), with hs as its opaque. */
int bb_handshake_callback(void *opaque, SRTSOCKET ns, int hsversion,
    const struct sockaddr *peer, const char *streamid);

/* The handshake of sock completed: forget what was noted of it. */
void bb_handshake_accepted(bb_handshake_t *hs, SRTSOCKET sock);

/* Formats a peer address as "1.2.3.4:5678" or "[::1]:5678". */
void bb_handshake_peer(const struct sockaddr *sa, char *buf, size_t size);

#endif /* BB_HANDSHAKE_H */
