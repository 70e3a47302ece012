/*
 * Back-fill: see bb_backfill.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bb_backfill.h"
#include "bb_clip_media.h"
#include "bb_clipq.h"
#include "bb_probe.h"
#include "bb_time.h"


int
bb_backfill_time(const char *segment, long long *ms)
{
    char  stamp[21];

    /* Exactly "YYYY-MM-DDTHH:MM:SSZ.mp4": one name for one minute. */
    if (strlen(segment) != 24 || segment[19] != 'Z'
        || strcmp(segment + 20, ".mp4") != 0)
    {
        return -1;
    }

    memcpy(stamp, segment, 20);
    stamp[20] = '\0';

    return bb_time_parse(stamp, ms);
}


static int
bb_backfill_mkdir(const char *path)
{
    return (mkdir(path, 0750) == 0 || errno == EEXIST) ? 0 : -1;
}


/* Copies from to to and flushes it, for when a link cannot be made. */
static int
bb_backfill_copy(const char *from, const char *to)
{
    int      in, out, rc;
    char     buf[65536];
    ssize_t  n;

    in = open(from, O_RDONLY);
    if (in == -1) {
        return -1;
    }

    out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (out == -1) {
        close(in);
        return -1;
    }

    rc = 0;

    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t) n) != n) {
            rc = -1;
            break;
        }
    }

    if (n < 0 || fsync(out) != 0) {
        rc = -1;
    }

    close(in);

    if (close(out) != 0 || rc != 0) {
        unlink(to);
        return -1;
    }

    return 0;
}


/* Flushes a folder, so that a rename in it survives a crash. */
static void
bb_backfill_sync_dir(const char *dir)
{
    int  fd;

    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd != -1) {
        (void) fsync(fd);
        close(fd);
    }
}


/* Puts body_path at dest: a temporary name in dest's folder, then rename. */
static int
bb_backfill_place(const char *body_path, const char *dir, const char *dest,
    char *err, size_t errlen)
{
    int   fd;
    char  tmp[4200];

    if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", dest, (long) getpid())
        >= (int) sizeof(tmp))
    {
        snprintf(err, errlen, "path too long");
        return -1;
    }

    unlink(tmp);

    /* A link shares the spooled blocks: nothing to copy, nothing to fill. */
    if (link(body_path, tmp) == 0) {
        fd = open(tmp, O_RDONLY);
        if (fd == -1 || fsync(fd) != 0) {
            snprintf(err, errlen, "cannot flush \"%.200s\": %s", tmp,
                     strerror(errno));
            if (fd != -1) {
                close(fd);
            }
            unlink(tmp);
            return -1;
        }

        close(fd);

    } else if (bb_backfill_copy(body_path, tmp) != 0) {
        snprintf(err, errlen, "cannot write \"%.200s\": %s", tmp,
                 strerror(errno));
        return -1;
    }

    if (rename(tmp, dest) != 0) {
        snprintf(err, errlen, "cannot rename \"%.200s\": %s", tmp,
                 strerror(errno));
        unlink(tmp);
        return -1;
    }

    bb_backfill_sync_dir(dir);

    return 0;
}


bb_status_e
bb_backfill_store(bb_call_t *call, const char *storage, const char *device_id,
    long long ms, const char *body_path, int *created)
{
    int              playable;
    char             rel[160], day[4200], dest[4200];
    bb_probe_t       probe, held;
    bb_clip_media_t  media;

    *created = 0;

    if (bb_probe_clip(body_path, &probe, call->log, sizeof(call->log)) != 0) {
        return BB_ERR_NOT_A_CLIP;
    }

    /* What the worker will index, the packager must be able to play: a
       clip taken in here is never refused later. */
    playable = bb_clip_media_read(body_path, BB_CLIP_MEDIA_TARGET_MS, &media,
                                  call->log, sizeof(call->log)) == 0;
    bb_clip_media_free(&media);

    if (!playable) {
        return BB_ERR_NOT_A_CLIP;
    }

    if (bb_clipq_path(device_id, ms, rel, sizeof(rel)) != 0) {
        snprintf(call->log, sizeof(call->log), "no path for the clip");
        return BB_ERR_STORAGE;
    }

    snprintf(day, sizeof(day), "%s/%s", storage, device_id);
    if (bb_backfill_mkdir(day) != 0) {
        goto failed;
    }

    snprintf(day, sizeof(day), "%s/%.*s", storage,
             (int) (strrchr(rel, '/') - rel), rel);
    if (bb_backfill_mkdir(day) != 0) {
        goto failed;
    }

    snprintf(dest, sizeof(dest), "%s/%s", storage, rel);

    /* What is held stays unless the new clip covers more of its minute. */
    if (bb_probe_clip(dest, &held, call->log, sizeof(call->log)) != 0
        || held.duration_ms < probe.duration_ms)
    {
        if (bb_backfill_place(body_path, day, dest, call->log,
                              sizeof(call->log)) != 0)
        {
            return BB_ERR_STORAGE;
        }

        *created = 1;
    }

    call->log[0] = '\0';

    if (bb_clipq_announce(call->conf->redis, call->conf->timeout_ms,
                          device_id, ms, rel, call->log,
                          sizeof(call->log)) != 0)
    {
        return BB_ERR_UNAVAILABLE;
    }

    return BB_OK;

failed:

    snprintf(call->log, sizeof(call->log), "cannot make \"%.200s\": %s", day,
             strerror(errno));

    return BB_ERR_STORAGE;
}
