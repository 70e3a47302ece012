/*
 * Retention and reconciliation: see bb_retention.h.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bb_clipq.h"
#include "bb_device.h"
#include "bb_library.h"
#include "bb_pg.h"
#include "bb_retention.h"
#include "bb_storage.h"
#include "bb_thumbnail.h"
#include "bb_time.h"

#define BB_RETENTION_BATCH        "500"
#define BB_RETENTION_BATCH_N      500
#define BB_RETENTION_IDLE_S       10      /* between passes with no backlog */
#define BB_RETENTION_RECONCILE_S  3600
#define BB_RETENTION_GRACE_S      600     /* a file younger may be a clip
                                             whose row is on its way */
#define BB_RETENTION_PATH_MAX     4200


/* Deletes the oldest expired rows and lists their files, in one go. */
static const char  bb_retention_expire_sql[] =
    "WITH old AS ("
    "    SELECT clip_id FROM clips"
    "     WHERE recorded_at < now() - $1::bigint * interval '1 second'"
    "     ORDER BY recorded_at LIMIT " BB_RETENTION_BATCH
    "       FOR UPDATE SKIP LOCKED),"
    " gone AS ("
    "    DELETE FROM clips c USING old WHERE c.clip_id = old.clip_id"
    "    RETURNING c.device_id, c.recorded_at, c.path)"
    " INSERT INTO doomed_files (path, device_id, recorded_at)"
    " SELECT path, device_id, recorded_at FROM gone"
    " ON CONFLICT (path) DO NOTHING";

/*
 * Listed files, with whether a newer clip holds the same path now (a
 * back-fill of the same minute since): that file is the new clip's.
 */
static const char  bb_retention_doomed_sql[] =
    "SELECT f.path, EXISTS (SELECT 1 FROM clips c"
    "                        WHERE c.device_id = f.device_id"
    "                          AND c.recorded_at = f.recorded_at)"
    "  FROM doomed_files f ORDER BY f.since LIMIT " BB_RETENTION_BATCH
    "   FOR UPDATE SKIP LOCKED";

static const char  bb_retention_done_sql[] =
    "DELETE FROM doomed_files WHERE path = ANY ($1::text[])";

/*
 * The clip files a device's UTC day folder should hold, in byte order
 * (strcmp's), for a binary search.
 */
static const char  bb_retention_day_sql[] =
    "SELECT path FROM ("
    "    SELECT path FROM clips"
    "     WHERE device_id = $1"
    "       AND recorded_at >= $2::date::timestamp AT TIME ZONE 'UTC'"
    "       AND recorded_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'"
    "    UNION SELECT path FROM doomed_files WHERE device_id = $1) p"
    " ORDER BY path COLLATE \"C\"";

/* The database's clock, and whether the device is registered. */
static const char  bb_retention_device_sql[] =
    "SELECT extract(epoch FROM now())::bigint,"
    "       EXISTS (SELECT 1 FROM devices WHERE device_id = $1)";


typedef struct {
    time_t  next;           /* when the next pass is due */
    time_t  next_reconcile;
    int     failing;        /* an outage is logged once */
} bb_retention_state_t;

static bb_retention_state_t  bb_retention;


#define bb_retention_sql(d, sql, n, params)                                  \
    bb_daemon_sql(d, "retention", &bb_retention.failing, sql, n, params)

#define bb_retention_do(d, sql, n, params)                                   \
    bb_daemon_sql_do(d, "retention", &bb_retention.failing, sql, n, params)


/* Deletes a batch of expired rows.  Returns how many, or -1. */
static int
bb_retention_expire(bb_daemon_t *d)
{
    int          n;
    char         keep[24];
    PGresult    *res;
    const char  *params[1];

    snprintf(keep, sizeof(keep), "%lld", d->retention_s);
    params[0] = keep;

    res = bb_retention_sql(d, bb_retention_expire_sql, 1, params);
    if (res == NULL) {
        return -1;
    }

    n = atoi(PQcmdTuples(res));
    PQclear(res);

    if (n > 0) {
        bb_log("info", "worker: retention deleted %d clips older than "
               "%lld s", n, d->retention_s);
    }

    return n;
}


/*
 * Appends path to the array literal at *list (malloc'd, grown as needed),
 * quoted as an element.  Returns 0 or -1.
 */
static int
bb_retention_list_add(char **list, size_t *len, size_t *size,
    const char *path)
{
    char        *p;
    size_t       need;
    const char  *c;

    need = *len + 2 * strlen(path) + 4;

    if (need > *size) {
        *size = need * 2;
        p = realloc(*list, *size);
        if (p == NULL) {
            return -1;
        }

        *list = p;
    }

    p = *list + *len;
    *p++ = (*len == 1) ? '"' : ',';

    if (*len > 1) {
        *p++ = '"';
    }

    for (c = path; *c; c++) {
        if (*c == '"' || *c == '\\') {
            *p++ = '\\';
        }

        *p++ = *c;
    }

    *p++ = '"';
    *len = p - *list;

    return 0;
}


/*
 * Removes a batch of listed files, then their entries with one statement,
 * in one transaction.  Returns how many entries, or -1.
 */
static int
bb_retention_remove(bb_daemon_t *d)
{
    int          i, n, rc;
    char         err[256], *list;
    size_t       len, size;
    PGresult    *res;
    const char  *path, *params[1];

    if (bb_retention_do(d, "BEGIN", 0, NULL) != 0) {
        return -1;
    }

    res = bb_retention_sql(d, bb_retention_doomed_sql, 0, NULL);
    rc = res ? 0 : -1;
    n = res ? PQntuples(res) : 0;

    list = malloc(2);
    len = 1;
    size = 2;
    rc = (rc == 0 && list != NULL) ? 0 : -1;

    if (list != NULL) {
        list[0] = '{';
    }

    for (i = 0; rc == 0 && i < n; i++) {
        path = PQgetvalue(res, i, 0);

        if (PQgetvalue(res, i, 1)[0] != 't'
            && bb_storage_remove_clip(d->storage, path, err, sizeof(err))
               != 0)
        {
            /* Left listed: the next pass tries again. */
            bb_log("error", "worker: retention: %s", err);
            continue;
        }

        rc = bb_retention_list_add(&list, &len, &size, path);
    }

    if (rc == 0 && len > 1) {
        list[len] = '}';
        list[len + 1] = '\0';
        params[0] = list;
        rc = bb_retention_do(d, bb_retention_done_sql, 1, params);
    }

    free(list);
    PQclear(res);

    if (bb_retention_do(d, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL) != 0) {
        return -1;
    }

    return rc == 0 ? n : -1;
}


/*
 * 1 when rel is one of the rows' paths (sorted): a day folder holds 1,440
 * clips, and each is looked up.
 */
static int
bb_retention_known(PGresult *rows, const char *rel)
{
    int  lo, hi, mid, c;

    lo = 0;
    hi = PQntuples(rows) - 1;

    while (lo <= hi) {
        mid = lo + (hi - lo) / 2;
        c = strcmp(PQgetvalue(rows, mid, 0), rel);

        if (c == 0) {
            return 1;
        }

        if (c < 0) {
            lo = mid + 1;

        } else {
            hi = mid - 1;
        }
    }

    return 0;
}


/* What the reconciliation knows of one device folder. */
typedef struct {
    const char  *device;
    const char  *day;
    int          registered;
    long long    now;           /* the database's clock */
} bb_retention_folder_t;


/*
 * A clip file no row accounts for.  Within the window, of a registered
 * device, it may be a clip that was acknowledged and never indexed (its
 * queue entry lost with Redis, say): it is announced again, never
 * deleted.  Older than the window, or of no device, it goes.
 */
static void
bb_retention_orphan(bb_daemon_t *d, const bb_retention_folder_t *f,
    const char *rel)
{
    char         err[256], when[32], canonical[BB_RETENTION_PATH_MAX];
    long long    ms;
    const char  *name;

    /* rel is <device>/<YYYY-MM-DD>/<HHMMSS>.mp4 */
    name = rel + strlen(f->device) + 12;
    snprintf(when, sizeof(when), "%.10sT%.2s:%.2s:%.2sZ", f->day, name,
             name + 2, name + 4);

    /* Only a name the library itself gives is judged. */
    if (bb_time_parse(when, &ms) != 0
        || bb_clipq_path(f->device, ms, canonical, sizeof(canonical)) != 0
        || strcmp(canonical, rel) != 0)
    {
        return;
    }

    if (f->registered && ms / 1000 >= f->now - d->retention_s) {
        bb_log("warn", "worker: orphan file \"%s\" (no clip row): "
               "announced to the clip queue again", rel);

        if (bb_clipq_announce(d->redis, d->timeout_ms, f->device, ms,
                              rel, err, sizeof(err)) != 0)
        {
            bb_log("error", "worker: %s", err);
        }

        return;
    }

    bb_log("warn", "worker: orphan file \"%s\" (no clip row, %s): removed",
           rel, f->registered ? "older than the window" : "no such device");

    if (bb_storage_remove_clip(d->storage, rel, err, sizeof(err)) != 0) {
        bb_log("error", "worker: %s", err);
    }
}


/*
 * Judges the files of storage/device/day that are older than the grace
 * (by the database's clock) against the rows, then removes the folder if
 * it is left empty.  Returns -1 when PostgreSQL cannot say.
 */
static int
bb_retention_reconcile_day(bb_daemon_t *d, const bb_retention_folder_t *f)
{
    DIR            *dir;
    char            folder[BB_RETENTION_PATH_MAX], *suffix;
    char            file[BB_RETENTION_PATH_MAX + 256];
    char            rel[BB_RETENTION_PATH_MAX + 256];
    PGresult       *rows;
    const char     *params[2];
    struct stat     st;
    struct dirent  *de;

    params[0] = f->device;
    params[1] = f->day;

    rows = bb_retention_sql(d, bb_retention_day_sql, 2, params);
    if (rows == NULL) {
        return -1;
    }

    snprintf(folder, sizeof(folder), "%s/%s/%s", d->storage, f->device,
             f->day);

    dir = opendir(folder);

    while (dir != NULL && (de = readdir(dir)) != NULL) {
        snprintf(file, sizeof(file), "%s/%s", folder, de->d_name);
        snprintf(rel, sizeof(rel), "%s/%s/%s", f->device, f->day,
                 de->d_name);

        if (de->d_name[0] == '.' || lstat(file, &st) != 0
            || !S_ISREG(st.st_mode)
            || st.st_mtime > f->now - BB_RETENTION_GRACE_S)
        {
            continue;
        }

        suffix = strstr(rel, ".mp4");

        if (suffix == NULL || strstr(suffix, BB_THUMBNAIL_TEMP_SUFFIX)) {
            /* Not a clip's: a thumbnail's leftover from a crash, if any. */
            if (suffix != NULL) {
                (void) unlink(file);
            }

            continue;
        }

        if (strcmp(suffix, ".mp4.jpg") == 0) {
            /* A thumbnail is judged with its clip, and goes without one. */
            file[strlen(file) - 4] = '\0';

            if (access(file, F_OK) != 0 && errno == ENOENT) {
                (void) unlink(strcat(file, ".jpg"));
            }

            continue;
        }

        if (strcmp(suffix, ".mp4") == 0 && !bb_retention_known(rows, rel)) {
            bb_retention_orphan(d, f, rel);
        }
    }

    if (dir != NULL) {
        closedir(dir);
    }

    PQclear(rows);

    /* Empty now, or already: either way it is not needed. */
    (void) rmdir(folder);

    return 0;
}


/* Every day folder of one device folder.  Returns 0 or -1. */
static int
bb_retention_reconcile_device(bb_daemon_t *d, const char *device)
{
    DIR                    *dev;
    char                    folder[BB_RETENTION_PATH_MAX];
    PGresult               *res;
    struct dirent          *dd;
    bb_retention_folder_t   f;
    int                     rc;

    res = bb_retention_sql(d, bb_retention_device_sql, 1, &device);
    if (res == NULL) {
        return -1;
    }

    f.device = device;
    f.now = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    f.registered = PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);

    snprintf(folder, sizeof(folder), "%s/%s", d->storage, device);

    dev = opendir(folder);
    rc = 0;

    while (rc == 0 && dev != NULL && (dd = readdir(dev)) != NULL) {
        if (bb_library_date_valid(dd->d_name)) {
            f.day = dd->d_name;
            rc = bb_retention_reconcile_day(d, &f);
        }
    }

    if (dev != NULL) {
        closedir(dev);
    }

    (void) rmdir(folder);

    return rc;
}


/* Walks every device folder of the storage.  Returns 0 or -1. */
static int
bb_retention_reconcile(bb_daemon_t *d)
{
    DIR            *top;
    struct dirent  *de;
    int             rc;

    top = opendir(d->storage);
    if (top == NULL) {
        bb_log("error", "worker: cannot read \"%s\": %s", d->storage,
               strerror(errno));
        return -1;
    }

    rc = 0;

    while (rc == 0 && (de = readdir(top)) != NULL) {
        /*
         * The ingest's and nginx's staging folders start with a dot (and
         * no device id may: bb_device_id_valid); other names are not ours.
         */
        if (de->d_name[0] != '.' && bb_device_id_valid(de->d_name)) {
            rc = bb_retention_reconcile_device(d, de->d_name);
        }
    }

    closedir(top);

    return rc;
}


/* Milliseconds of the monotonic clock. */
static long long
bb_retention_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


int
bb_retention_run(bb_daemon_t *d)
{
    int        expired, removed, backlog;
    time_t     now;
    long long  started;

    now = time(NULL);
    started = bb_retention_ms();

    /* A clock set back must not hold the passes off for its jump. */
    if (now < bb_retention.next - BB_RETENTION_RECONCILE_S) {
        bb_retention.next = bb_retention.next_reconcile = 0;
    }

    if (now < bb_retention.next) {
        return 0;
    }

    expired = bb_retention_expire(d);
    removed = expired < 0 ? -1 : bb_retention_remove(d);

    if (removed >= 0 && now >= bb_retention.next_reconcile
        && bb_retention_reconcile(d) == 0)
    {
        bb_retention.next_reconcile = now + BB_RETENTION_RECONCILE_S;
    }

    if (removed >= 0 && bb_retention.failing) {
        bb_log("notice", "worker: retention resumed");
        bb_retention.failing = 0;
    }

    /* A full batch means a backlog: the next turn goes on with it. */
    backlog = expired == BB_RETENTION_BATCH_N
              || removed == BB_RETENTION_BATCH_N;
    bb_retention.next = backlog ? now : now + BB_RETENTION_IDLE_S;

    if (!backlog) {
        return 0;
    }

    return (int) (bb_retention_ms() - started) + 1;
}
