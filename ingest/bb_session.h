/*
 * One dashcam's live SRT connection, from handshake to last clip.
 *
 * Each session has a thread of its own: it reads the SRT messages
 * (MPEG-TS) with blocking receives that time out every second, demuxes
 * them with libavformat through a custom AVIOContext, cuts one-minute
 * clips where bb_clipclock says, and remuxes them with bb_remux into the
 * staging folder "<storage>/.recording/".  A stalled or misbehaving
 * session only ever blocks its own thread: libsrt buffers, and then drops,
 * that one connection's data, never anyone else's.
 *
 * A finished clip is settled (bb_session_settle): stored in the library
 * as a back-filled clip would be (keep the longer of two clips for one
 * start) and announced on the clip queue.  Whatever a crash, or a Redis
 * outage, leaves in the staging folder is settled by a later pass.
 */

#ifndef BB_SESSION_H
#define BB_SESSION_H

#include <pthread.h>
#include <time.h>

#include <srt/srt.h>

#include "bb_call.h"
#include "bb_device.h"

#define BB_SESSION_STAGING  ".recording"

typedef struct bb_session_s  bb_session_t;

/* What every session of the process shares. */
typedef struct {
    const char        *storage;
    bb_api_conf_t      api;          /* PostgreSQL, Redis, timeouts */

    int                idle_s;       /* blackbox_srt_idle_timeout */
    unsigned           max_sessions; /* blackbox_srt_max_connections */
    long long          max_bitrate;  /* blackbox_srt_max_bitrate, bit/s */

    pthread_mutex_t    lock;         /* guards the list and the count */
    pthread_cond_t     ended;        /* a session ended */
    bb_session_t      *sessions;
    unsigned           count;        /* in the list */
    unsigned           running;      /* threads not yet ended */
} bb_sessions_t;

struct bb_session_s {
    bb_sessions_t     *all;
    bb_session_t      *next;
    SRTSOCKET          sock;
    pthread_t          thread;
    char               device_id[BB_DEVICE_ID_MAX + 1];
    char               peer[64];

    volatile int       closing;      /* replaced, deleted, or stopping */
    volatile time_t    last_data;    /* for heartbeats */
    time_t             beaten;       /* the last heartbeat sent */
};

/*
 * Starts a session for sock, an accepted connection of device_id: a
 * newer connection of the same device replaces an older one at once (the
 * older is closed and finishes its clip).  Returns 0, or -1 (sock closed).
 */
int bb_session_start(bb_sessions_t *all, SRTSOCKET sock,
    const char *device_id, const char *peer);

/*
 * 1 when another connection may start for device_id: under the limit of
 * sessions, or replacing one of the device's own.
 */
int bb_session_room(bb_sessions_t *all, const char *device_id);

/* Closes device_id's session, if any (the device was deleted). */
void bb_session_cut(bb_sessions_t *all, const char *device_id);

/*
 * Sends a heartbeat for every session that received data since its last
 * one (at most every BB_SESSION_BEAT_S seconds), marks them live, and
 * clears the live mark of ended ones.  Called from the main loop.
 */
#define BB_SESSION_BEAT_S  5
void bb_session_beat(bb_sessions_t *all, time_t now);

/*
 * Settles whatever the staging folder holds that no live session is
 * writing (untouched for BB_SESSION_STALE_S): journals of a crashed
 * recording become clips, clips not yet stored or announced are.
 */
#define BB_SESSION_STALE_S  30
void bb_session_settle_staged(bb_sessions_t *all);

/* Closes every session and waits until all have finished their clips. */
void bb_session_stop_all(bb_sessions_t *all);

#endif /* BB_SESSION_H */
