/*
 * One dashcam's live SRT connection: see bb_session.h.
 */

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "bb_backfill.h"
#include "bb_clipclock.h"
#include "bb_daemon.h"
#include "bb_redis.h"
#include "bb_remux.h"
#include "bb_session.h"

#define BB_SESSION_AVIO_SIZE   (64 * 1024)
#define BB_SESSION_RCV_MS      1000     /* a receive gives up this often */
#define BB_SESSION_RATE_S      10       /* bit rate measured over this */
#define BB_SESSION_LIVE_S      (3 * BB_SESSION_BEAT_S)
#define BB_SESSION_PATH_MAX    4200

/* A clip being recorded. */
typedef struct {
    bb_remux_t        *rx;             /* NULL: none */
    long long          ms;             /* its recorded_at */
    char               staged[BB_SESSION_PATH_MAX];
} bb_session_clip_t;

/* What one session's thread works with. */
typedef struct {
    bb_session_t      *s;
    AVFormatContext   *ic;
    AVIOContext       *pb;             /* ours: the demuxer leaves it */
    int                video;          /* stream indexes in ic; audio -1 */
    int                audio;
    AVCodecParserContext  *parser;     /* reads each keyframe's size */
    AVCodecContext    *parser_ctx;
    int                width;
    int                height;
    bb_clipclock_t     clock;
    int                clock_started;
    bb_session_clip_t  clip;
    bb_session_clip_t  prev;           /* just cut, still taking the
                                          audio heard before the cut */
    unsigned           clips;
    int                ended;          /* by the reader: silent or over
                                          the bit rate */
    int                received;       /* anything, ever */
    time_t             rate_since;     /* the bit rate's window */
    long long          rate_bytes;
    time_t             stats_at;       /* libsrt's figures, as last taken */
    int                has_stats;
    SRT_TRACEBSTATS    stats;
} bb_session_run_t;


static long long
bb_session_now_ms(void)
{
    struct timeval  tv;

    gettimeofday(&tv, NULL);

    return (long long) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}


/*
 * Takes libsrt's figures of the connection, at most every few seconds
 * (they go with the socket once the peer has closed, so the last ones
 * taken are what the session's end reports).
 */
static void
bb_session_stats_take(bb_session_run_t *run, time_t now)
{
    SRT_TRACEBSTATS  perf;

    if (now - run->stats_at < BB_SESSION_BEAT_S) {
        return;
    }

    run->stats_at = now;

    if (srt_bstats(run->s->sock, &perf, 0) == 0) {
        run->stats = perf;
        run->has_stats = 1;
    }
}


/* The connection's figures, for a log line. */
static void
bb_session_stats(bb_session_run_t *run, char *buf, size_t size)
{
    SRT_TRACEBSTATS  *perf = &run->stats;

    if (!run->has_stats) {
        snprintf(buf, size, "no SRT statistics");
        return;
    }

    snprintf(buf, size, "%.1f Mbit/s, %lld bytes, lost %d, retransmitted "
             "%d, dropped %d", perf->mbpsRecvRate,
             (long long) perf->byteRecvTotal, perf->pktRcvLossTotal,
             perf->pktRcvRetrans, perf->pktRcvDropTotal);
}


/*
 * 1 when the connection sends more than blackbox_srt_max_bitrate over the
 * last BB_SESSION_RATE_S seconds: a misbehaving sender, cut off before it
 * fills the disk or starves the others of the shared UDP socket.
 */
static int
bb_session_over_rate(bb_session_run_t *run, int n, time_t now)
{
    long long  rate;

    run->rate_bytes += n;

    if (now - run->rate_since < BB_SESSION_RATE_S) {
        return 0;
    }

    rate = run->rate_bytes * 8 / (now - run->rate_since);
    run->rate_since = now;
    run->rate_bytes = 0;

    if (run->s->all->max_bitrate <= 0 || rate <= run->s->all->max_bitrate) {
        return 0;
    }

    bb_log("warn", "ingest: device \"%s\" from %s sends %lld kbit/s, over "
           "blackbox_srt_max_bitrate (%lld kbit/s): closing",
           run->s->device_id, run->s->peer, rate / 1000,
           run->s->all->max_bitrate / 1000);

    return 1;
}


/*
 * The AVIOContext's reader: one SRT message (up to 1316 bytes of TS)
 * a call.  Times out every second to see whether the session is closing;
 * a connection silent for blackbox_srt_idle_timeout is over.
 */
static int
bb_session_read(void *opaque, uint8_t *buf, int size)
{
    bb_session_run_t  *run = opaque;
    bb_session_t      *s = run->s;
    int                n;
    time_t             idle_since, now;

    idle_since = time(NULL);

    /* Closed already: the demuxer may ask again. */
    if (run->ended) {
        return AVERROR_EOF;
    }

    while (!s->closing) {
        n = srt_recvmsg(s->sock, (char *) buf, size);
        now = time(NULL);

        if (n > 0) {
            s->last_data = now;
            run->received = 1;
            bb_session_stats_take(run, now);

            if (bb_session_over_rate(run, n, now)) {
                run->ended = 1;
                return AVERROR_EOF;
            }

            return n;
        }

        /* A receive that timed out is no error: nothing came yet. */
        if (n == SRT_ERROR && srt_getlasterror(NULL) != SRT_ETIMEOUT
            && srt_getlasterror(NULL) != SRT_EASYNCRCV)
        {
            return AVERROR_EOF;
        }

        if (now - idle_since >= s->all->idle_s) {
            bb_log("warn", "ingest: device \"%s\" from %s sent nothing for "
                   "%d s: closing", s->device_id, s->peer, s->all->idle_s);
            run->ended = 1;
            return AVERROR_EOF;
        }
    }

    return AVERROR_EOF;
}


/* "<storage>/.recording/<device_id>@<ms>.mp4": where a clip is made. */
static int
bb_session_staged_path(const char *storage, const char *device_id,
    long long ms, char *path)
{
    return snprintf(path, BB_SESSION_PATH_MAX, "%s/%s/%s@%lld.mp4", storage,
                    BB_SESSION_STAGING, device_id, ms)
           >= BB_SESSION_PATH_MAX ? -1 : 0;
}


/*
 * Stores a finished clip from the staging folder in the library and
 * announces it, then removes it from staging.  On failure the clip stays
 * staged, for the next settling pass.  Returns 0 or -1.
 */
static int
bb_session_settle(bb_sessions_t *all, const char *staged,
    const char *device_id, long long ms)
{
    int          created;
    bb_call_t    call;
    bb_status_e  st;

    memset(&call, 0, sizeof(call));
    call.conf = &all->api;

    st = bb_backfill_store(&call, all->storage, device_id, ms, staged,
                           &created);

    if (st == BB_ERR_NOT_A_CLIP) {
        bb_log("error", "ingest: clip \"%s\" is unplayable (%s): removed",
               staged, call.log);
        unlink(staged);
        return -1;
    }

    if (st != BB_OK) {
        bb_log("error", "ingest: clip \"%s\" kept in staging: %s", staged,
               call.log);
        return -1;
    }

    if (!created) {
        bb_log("notice", "ingest: device \"%s\": a longer clip for %lld "
               "was held already: kept that one", device_id, ms);
    }

    unlink(staged);

    return 0;
}


/* Ends clip c, if it is recording, and settles it. */
static void
bb_session_clip_end(bb_session_run_t *run, bb_session_clip_t *c)
{
    int        rc;
    char       err[256], stats[160];
    long long  duration;

    if (c->rx == NULL) {
        return;
    }

    rc = bb_remux_finish(c->rx, &duration, err, sizeof(err));
    c->rx = NULL;

    if (rc == 1) {
        return;
    }

    if (rc != 0) {
        bb_log("error", "ingest: device \"%s\": cannot finish clip \"%s\": "
               "%s (its journal stays for recovery)", run->s->device_id,
               c->staged, err);
        return;
    }

    run->clips++;
    bb_session_stats_take(run, 0x7fffffff);
    bb_session_stats(run, stats, sizeof(stats));
    bb_log("info", "ingest: device \"%s\": clip of %lld ms at %lld; %s",
           run->s->device_id, duration, c->ms, stats);
    (void) bb_session_settle(run->s->all, c->staged, run->s->device_id,
                             c->ms);
}


/*
 * Cuts: the clip in progress becomes the previous one, which stays open
 * for the audio heard just before the cut (the muxer interleaves by
 * decode time, so it comes after the keyframe), and a new clip starts.
 */
static int
bb_session_clip_cut(bb_session_run_t *run, long long ms)
{
    char       err[256];
    unsigned   n;
    AVStream  *streams[2];

    bb_session_clip_end(run, &run->prev);
    run->prev = run->clip;
    run->clip.rx = NULL;

    if (run->audio < 0) {
        bb_session_clip_end(run, &run->prev);
    }

    run->clip.ms = ms;

    if (bb_session_staged_path(run->s->all->storage, run->s->device_id, ms,
                               run->clip.staged) != 0)
    {
        return -1;
    }

    n = 0;
    streams[n++] = run->ic->streams[run->video];

    if (run->audio >= 0) {
        streams[n++] = run->ic->streams[run->audio];
    }

    run->clip.rx = bb_remux_open(run->clip.staged, streams, n, 0, err,
                                 sizeof(err));

    if (run->clip.rx == NULL) {
        bb_log("error", "ingest: device \"%s\": cannot start clip \"%s\": "
               "%s", run->s->device_id, run->clip.staged, err);
        return -1;
    }

    return 0;
}


/*
 * 1 when a video keyframe shows a picture size other than the clip's (a
 * new resolution mid-stream): libavcodec's parser reads it from the
 * keyframe's parameter sets, as a decoder would, without decoding.
 */
static int
bb_session_size_changed(bb_session_run_t *run, const AVPacket *pkt)
{
    int       size, changed;
    uint8_t  *out;

    if (run->parser == NULL) {
        return 0;
    }

    (void) av_parser_parse2(run->parser, run->parser_ctx, &out, &size,
                            pkt->data, pkt->size, AV_NOPTS_VALUE,
                            AV_NOPTS_VALUE, 0);

    if (run->parser->width <= 0 || run->parser->height <= 0) {
        return 0;
    }

    changed = run->width != 0
              && (run->parser->width != run->width
                  || run->parser->height != run->height);

    run->width = run->parser->width;
    run->height = run->parser->height;

    return changed;
}


/*
 * The stream's codec parameters no longer describe the new pictures: the
 * next clip takes the new size, and its parameter sets from its first
 * keyframe rather than from the stream's start.
 */
static void
bb_session_params_renew(bb_session_run_t *run)
{
    AVCodecParameters  *par;

    par = run->ic->streams[run->video]->codecpar;
    par->width = run->width;
    par->height = run->height;
    av_freep(&par->extradata);
    par->extradata_size = 0;

    bb_clipclock_params_changed(&run->clock);
}


/* Takes one packet of the chosen streams through the clock into a clip. */
static int
bb_session_packet(bb_session_run_t *run, AVPacket *pkt)
{
    int                  video, key, rc;
    char                 err[256];
    bb_clipclock_e       what;
    bb_session_clip_t   *c;
    bb_clipclock_time_t  t;

    video = pkt->stream_index == run->video;
    key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;

    if (video && key && bb_session_size_changed(run, pkt)) {
        bb_log("notice", "ingest: device \"%s\" changed its picture to "
               "%dx%d: a new clip begins", run->s->device_id, run->width,
               run->height);
        bb_session_params_renew(run);
    }

    if (!run->clock_started) {
        bb_clipclock_init(&run->clock, bb_session_now_ms());
        run->clock_started = 1;
    }

    what = bb_clipclock_packet(&run->clock, pkt->pts, pkt->dts, key, video,
                               &t);

    if (what == BB_CLIPCLOCK_DROP) {
        return 0;
    }

    if (what == BB_CLIPCLOCK_CUT
        && bb_session_clip_cut(run, bb_clipclock_recorded_at(&run->clock))
           != 0)
    {
        return -1;
    }

    /* Audio of the new clip's own time: the previous one is complete. */
    if (what == BB_CLIPCLOCK_KEEP && !video) {
        bb_session_clip_end(run, &run->prev);
    }

    c = what == BB_CLIPCLOCK_PREV ? &run->prev : &run->clip;

    if (c->rx == NULL) {
        return 0;
    }

    /* The clock's times run on across wraps and jumps; the clip's own
     * start is subtracted by the writer. */
    pkt->dts = t.dts;
    pkt->pts = t.pts;

    rc = bb_remux_write(c->rx, video ? 0 : 1, pkt, err, sizeof(err));

    if (rc < 0) {
        /*
         * A full or failing disk: this clip stops here, its journal keeps
         * the whole GOPs written (settled later as the partial clip it
         * is), and the connection closes, so that the device keeps its
         * own copy and back-fills it.
         */
        bb_log("error", "ingest: device \"%s\" from %s: cannot write clip "
               "\"%s\": %s: closing the connection", run->s->device_id,
               run->s->peer, c->staged, err);
        bb_remux_close(c->rx);
        c->rx = NULL;
        return -1;
    }

    return 0;
}


/*
 * Finds the streams' parameters.  libavformat decodes a few frames to do
 * so; one decoding thread each keeps that from costing a frame pool per
 * core for every connection.
 */
static int
bb_session_probe(AVFormatContext *ic)
{
    int            rc;
    unsigned       i, n;
    AVDictionary  *opts[16];

    n = ic->nb_streams < 16 ? ic->nb_streams : 16;

    for (i = 0; i < n; i++) {
        opts[i] = NULL;
        av_dict_set(&opts[i], "threads", "1", 0);
    }

    rc = avformat_find_stream_info(ic, n == ic->nb_streams ? opts : NULL);

    for (i = 0; i < n; i++) {
        av_dict_free(&opts[i]);
    }

    /* The probing decoders' frames are freed now: give the pages back
     * rather than hold them for as long as the connection lasts. */
    (void) malloc_trim(0);

    return rc;
}


/* Opens the demuxer on the connection and picks the streams to keep. */
static int
bb_session_open(bb_session_run_t *run)
{
    int                  i, rc;
    char                 err[128];
    uint8_t             *buf;
    AVIOContext         *pb;
    AVDictionary        *opts;
    AVCodecParameters   *par;
    const AVCodec       *codec;

    opts = NULL;
    buf = av_malloc(BB_SESSION_AVIO_SIZE);
    pb = buf ? avio_alloc_context(buf, BB_SESSION_AVIO_SIZE, 0, run,
                                  bb_session_read, NULL, NULL)
             : NULL;
    run->ic = avformat_alloc_context();

    if (pb == NULL || run->ic == NULL) {
        av_free(buf);
        avio_context_free(&pb);
        return -1;
    }

    run->pb = pb;
    run->ic->pb = pb;
    run->ic->flags |= AVFMT_FLAG_CUSTOM_IO;

    /*
     * Probe until a keyframe with its parameter sets has come: a caller
     * that joins mid-GOP waits up to a GOP for one (4 s of 8 Mbit/s).
     */
    av_dict_set(&opts, "probesize", "4000000", 0);
    av_dict_set(&opts, "analyzeduration", "4000000", 0);

    rc = avformat_open_input(&run->ic, NULL, av_find_input_format("mpegts"),
                             &opts);
    av_dict_free(&opts);

    if (rc == 0) {
        rc = bb_session_probe(run->ic);
    }

    if (rc < 0) {
        /* A connection that never sent was told as such already. */
        if (!run->ended || run->received) {
            av_strerror(rc, err, sizeof(err));
            bb_log("error", "ingest: device \"%s\" from %s: not an MPEG-TS "
                   "stream: %s", run->s->device_id, run->s->peer, err);
        }

        return -1;
    }

    run->video = -1;
    run->audio = -1;

    for (i = 0; i < (int) run->ic->nb_streams; i++) {
        par = run->ic->streams[i]->codecpar;

        if (!bb_remux_supported(par)) {
            if (par->codec_id == AV_CODEC_ID_AAC) {
                bb_log("warn", "ingest: device \"%s\" from %s: its AAC "
                       "audio showed no frame while probed: recording its "
                       "video alone", run->s->device_id, run->s->peer);
            }

            continue;
        }

        if (par->codec_type == AVMEDIA_TYPE_VIDEO && run->video < 0) {
            run->video = i;

        } else if (par->codec_type == AVMEDIA_TYPE_AUDIO && run->audio < 0) {
            run->audio = i;
        }
    }

    if (run->video < 0) {
        bb_log("error", "ingest: device \"%s\" from %s sends no H.264 or "
               "H.265 video: closing", run->s->device_id, run->s->peer);
        return -1;
    }

    par = run->ic->streams[run->video]->codecpar;
    run->width = par->width;
    run->height = par->height;

    codec = avcodec_find_decoder(par->codec_id);
    run->parser = av_parser_init(par->codec_id);
    run->parser_ctx = codec ? avcodec_alloc_context3(codec) : NULL;

    if (run->parser != NULL && (run->parser_ctx == NULL
        || avcodec_parameters_to_context(run->parser_ctx, par) < 0))
    {
        av_parser_close(run->parser);
        run->parser = NULL;
    }

    if (run->parser != NULL) {
        run->parser->flags |= PARSER_FLAG_COMPLETE_FRAMES;
    }

    bb_log("notice", "ingest: device \"%s\" from %s: %s %dx%d%s%s",
           run->s->device_id, run->s->peer, avcodec_get_name(par->codec_id),
           par->width, par->height, run->audio >= 0 ? " + " : "",
           run->audio >= 0 ? avcodec_get_name(
               run->ic->streams[run->audio]->codecpar->codec_id) : "");

    return 0;
}


static void
bb_session_close_input(bb_session_run_t *run)
{
    if (run->parser != NULL) {
        av_parser_close(run->parser);
    }

    avcodec_free_context(&run->parser_ctx);
    avformat_close_input(&run->ic);

    if (run->pb != NULL) {
        av_freep(&run->pb->buffer);
        avio_context_free(&run->pb);
    }
}


/* device_id's session in the list, or NULL; the caller holds the lock. */
static bb_session_t *
bb_session_find(bb_sessions_t *all, const char *device_id)
{
    bb_session_t  *s;

    for (s = all->sessions; s; s = s->next) {
        if (strcmp(s->device_id, device_id) == 0) {
            return s;
        }
    }

    return NULL;
}


/* Unlinks s from the list; the caller holds the lock. */
static void
bb_session_unlink(bb_sessions_t *all, bb_session_t *s)
{
    bb_session_t  **p;

    for (p = &all->sessions; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            all->count--;
            break;
        }
    }
}


static void *
bb_session_run(void *data)
{
    bb_session_t      *s = data;
    bb_sessions_t     *all = s->all;
    AVPacket          *pkt;
    bb_session_run_t   run;
    int                rc, newer;
    char               err[256];

    memset(&run, 0, sizeof(run));
    run.s = s;
    run.rate_since = time(NULL);
    pkt = av_packet_alloc();

    if (pkt != NULL && bb_session_open(&run) == 0) {
        while (!s->closing && (rc = av_read_frame(run.ic, pkt)) >= 0) {
            if (pkt->stream_index == run.video
                || pkt->stream_index == run.audio)
            {
                rc = bb_session_packet(&run, pkt);
            }

            av_packet_unref(pkt);

            if (rc < 0) {
                break;
            }
        }
    }

    bb_session_clip_end(&run, &run.prev);
    bb_session_clip_end(&run, &run.clip);
    bb_session_close_input(&run);
    av_packet_free(&pkt);

    bb_session_stats_take(&run, 0x7fffffff);
    bb_session_stats(&run, err, sizeof(err));
    bb_log("notice", "ingest: device \"%s\" from %s disconnected after %u "
           "clips: %s", s->device_id, s->peer, run.clips, err);

    srt_close(s->sock);

    pthread_mutex_lock(&all->lock);
    bb_session_unlink(all, s);
    newer = bb_session_find(all, s->device_id) != NULL;
    pthread_mutex_unlock(&all->lock);

    /* Not live any more, unless a newer connection of it is. */
    if (!newer) {
        (void) bb_redis_run(all->api.redis, all->api.timeout_ms, err,
                            sizeof(err), "DEL bb:live:%s", s->device_id);
    }

    bb_redis_conn_drop();
    free(s);

    pthread_mutex_lock(&all->lock);
    all->running--;
    pthread_cond_broadcast(&all->ended);
    pthread_mutex_unlock(&all->lock);

    return NULL;
}


int
bb_session_start(bb_sessions_t *all, SRTSOCKET sock, const char *device_id,
    const char *peer)
{
    int             timeout, yes;
    bb_session_t   *s, *old;
    pthread_attr_t  attr;

    s = calloc(1, sizeof(*s));
    timeout = BB_SESSION_RCV_MS;
    yes = 1;

    /*
     * The socket inherits the listener's non-blocking mode: the session's
     * thread blocks on it instead, a second at a time.
     */
    if (s == NULL
        || srt_setsockflag(sock, SRTO_RCVSYN, &yes, sizeof(yes)) != 0
        || srt_setsockflag(sock, SRTO_RCVTIMEO, &timeout, sizeof(timeout))
           != 0)
    {
        bb_log("error", "ingest: cannot start a session for device \"%s\"",
               device_id);
        free(s);
        srt_close(sock);
        return -1;
    }

    s->all = all;
    s->sock = sock;
    s->last_data = time(NULL);
    snprintf(s->device_id, sizeof(s->device_id), "%s", device_id);
    snprintf(s->peer, sizeof(s->peer), "%s", peer);

    pthread_mutex_lock(&all->lock);

    /* The newer connection wins at once: the older finishes its clip. */
    for (old = all->sessions; old; old = old->next) {
        if (strcmp(old->device_id, device_id) == 0 && !old->closing) {
            old->closing = 1;
            bb_log("notice", "ingest: device \"%s\" connected again from %s: "
                   "its session from %s ends", device_id, peer, old->peer);
        }
    }

    s->next = all->sessions;
    all->sessions = s;
    all->count++;
    all->running++;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

    if (pthread_create(&s->thread, &attr, bb_session_run, s) != 0) {
        bb_session_unlink(all, s);
        all->running--;
        pthread_mutex_unlock(&all->lock);
        pthread_attr_destroy(&attr);
        bb_log("error", "ingest: cannot start a thread for device \"%s\"",
               device_id);
        srt_close(sock);
        free(s);
        return -1;
    }

    pthread_mutex_unlock(&all->lock);
    pthread_attr_destroy(&attr);

    return 0;
}


int
bb_session_room(bb_sessions_t *all, const char *device_id)
{
    int  room;

    pthread_mutex_lock(&all->lock);
    room = all->count < all->max_sessions
           || bb_session_find(all, device_id) != NULL;
    pthread_mutex_unlock(&all->lock);

    return room;
}


void
bb_session_cut(bb_sessions_t *all, const char *device_id)
{
    bb_session_t  *s;

    pthread_mutex_lock(&all->lock);

    for (s = all->sessions; s; s = s->next) {
        if (strcmp(s->device_id, device_id) == 0 && !s->closing) {
            s->closing = 1;
            bb_log("notice", "ingest: device \"%s\" was deleted or "
                   "registered again: its session from %s ends", device_id,
                   s->peer);
        }
    }

    pthread_mutex_unlock(&all->lock);
}


void
bb_session_beat(bb_sessions_t *all, time_t now)
{
    unsigned       i, n;
    bb_call_t      call;
    bb_session_t  *s;
    char         (*ids)[BB_DEVICE_ID_MAX + 1];

    /* Copy out what is due, so that no Redis wait holds the lock. */
    pthread_mutex_lock(&all->lock);

    ids = calloc(all->count + 1, sizeof(*ids));
    n = 0;

    for (s = all->sessions; ids != NULL && s; s = s->next) {
        if (!s->closing && s->last_data > s->beaten
            && now - s->beaten >= BB_SESSION_BEAT_S)
        {
            s->beaten = now;
            strcpy(ids[n++], s->device_id);
        }
    }

    pthread_mutex_unlock(&all->lock);

    memset(&call, 0, sizeof(call));
    call.conf = &all->api;

    for (i = 0; i < n; i++) {
        if (bb_device_heartbeat(&call, ids[i], now) != BB_OK
            || bb_redis_run(all->api.redis, all->api.timeout_ms, call.log,
                            sizeof(call.log), "SET bb:live:%s 1 EX %d",
                            ids[i], BB_SESSION_LIVE_S) != 0)
        {
            bb_log("warn", "ingest: heartbeat of device \"%s\" not "
                   "recorded: %s", ids[i], call.log);
        }
    }

    free(ids);
}


/*
 * Reads "<device_id>@<ms>.mp4" or "<device_id>@<ms>.mp4.part"; returns 1
 * for a clip, 2 for a journal, 0 for anything else.
 */
static int
bb_session_staged_name(const char *name, char *device_id, long long *ms)
{
    int          n;
    const char  *at, *rest;
    char        *end;

    at = strchr(name, '@');

    if (at == NULL || at - name > BB_DEVICE_ID_MAX) {
        return 0;
    }

    memcpy(device_id, name, (size_t) (at - name));
    device_id[at - name] = '\0';

    *ms = strtoll(at + 1, &end, 10);
    rest = end;

    if (!bb_device_id_valid(device_id) || end == at + 1 || *ms < 0) {
        return 0;
    }

    n = strcmp(rest, ".mp4") == 0 ? 1
        : strcmp(rest, ".mp4" BB_REMUX_JOURNAL_SUFFIX) == 0 ? 2 : 0;

    return n;
}


void
bb_session_settle_staged(bb_sessions_t *all)
{
    int             kind, rc;
    DIR            *dir;
    char            staging[BB_SESSION_PATH_MAX], path[BB_SESSION_PATH_MAX];
    char            device_id[BB_DEVICE_ID_MAX + 1], err[256];
    time_t          now;
    long long       ms, duration;
    struct stat     st;
    struct dirent  *de;

    snprintf(staging, sizeof(staging), "%s/%s", all->storage,
             BB_SESSION_STAGING);

    dir = opendir(staging);
    if (dir == NULL) {
        return;
    }

    now = time(NULL);

    while ((de = readdir(dir)) != NULL) {
        kind = bb_session_staged_name(de->d_name, device_id, &ms);

        if (kind == 0
            || snprintf(path, sizeof(path), "%s/%s", staging, de->d_name)
               >= (int) sizeof(path)
            || stat(path, &st) != 0
            || now - st.st_mtime < BB_SESSION_STALE_S)
        {
            continue;
        }

        if (kind == 2) {
            /* A recording cut off by a crash: its whole GOPs are a clip. */
            rc = bb_remux_recover(path, 0, &duration, err, sizeof(err));

            if (rc != 0) {
                if (rc < 0) {
                    bb_log("error", "ingest: cannot recover \"%s\": %s",
                           path, err);
                }

                continue;
            }

            bb_log("notice", "ingest: recovered %lld ms of device \"%s\" "
                   "from \"%s\"", duration, device_id, path);
            path[strlen(path) - sizeof(BB_REMUX_JOURNAL_SUFFIX) + 1] = '\0';
        }

        (void) bb_session_settle(all, path, device_id, ms);
    }

    closedir(dir);
}


void
bb_session_stop_all(bb_sessions_t *all)
{
    bb_session_t  *s;

    pthread_mutex_lock(&all->lock);

    for (s = all->sessions; s; s = s->next) {
        s->closing = 1;
    }

    while (all->running > 0) {
        pthread_cond_wait(&all->ended, &all->lock);
    }

    pthread_mutex_unlock(&all->lock);
}
