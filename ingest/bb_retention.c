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

#include "bb_device.h"
#include "bb_library.h"
#include "bb_pg.h"
#include "bb_retention.h"
#include "bb_storage.h"

#define BB_RETENTION_BATCH        "500"
#define BB_RETENTION_BATCH_N      500
#define BB_RETENTION_IDLE_S       10      /* between passes with no backlog */
#define BB_RETENTION_RECONCILE_S  3600
#define BB_RETENTION_GRACE_S      3600    /* an orphan younger may be a clip
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
    "DELETE FROM doomed_files WHERE path = $1";

/* The clip files a device's UTC day folder should hold. */
static const char  bb_retention_day_sql[] =
    "SELECT path FROM clips"
    " WHERE device_id = $1"
    "   AND recorded_at >= $2::date::timestamp AT TIME ZONE 'UTC'"
    "   AND recorded_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'"
    " UNION SELECT path FROM doomed_files WHERE device_id = $1";


typedef struct {
    time_t  next;           /* when the next pass is due */
    time_t  next_reconcile;
    int     failing;        /* an outage is logged once */
} bb_retention_state_t;

static bb_retention_state_t  bb_retention;


static PGresult *
bb_retention_sql(bb_daemon_t *d, const char *sql, int n,
    const char *const *params)
{
    PGresult     *res;
    bb_pg_err_t   err;

    res = bb_pg_exec(d->postgres, sql, n, params,
                     bb_deadline_in(d->timeout_ms), &err);
    if (res == NULL && !bb_retention.failing) {
        bb_log("error", "worker: retention waits: %s", err.text);
        bb_retention.failing = 1;
    }

    return res;
}


static int
bb_retention_do(bb_daemon_t *d, const char *sql, int n,
    const char *const *params)
{
    PGresult  *res;

    res = bb_retention_sql(d, sql, n, params);
    PQclear(res);

    return res ? 0 : -1;
}


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
 * Removes a batch of listed files, each entry after its file, in one
 * transaction.  Returns how many entries, or -1.
 */
static int
bb_retention_remove(bb_daemon_t *d)
{
    int          i, n, rc;
    char         err[256];
    PGresult    *res;
    const char  *path;

    if (bb_retention_do(d, "BEGIN", 0, NULL) != 0) {
        return -1;
    }

    res = bb_retention_sql(d, bb_retention_doomed_sql, 0, NULL);
    rc = res ? 0 : -1;
    n = res ? PQntuples(res) : 0;

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

        rc = bb_retention_do(d, bb_retention_done_sql, 1, &path);
    }

    PQclear(res);

    if (bb_retention_do(d, rc == 0 ? "COMMIT" : "ROLLBACK", 0, NULL) != 0) {
        return -1;
    }

    return rc == 0 ? n : -1;
}


/* 1 when name (a file of a day folder) is in the rows' paths. */
static int
bb_retention_known(PGresult *rows, const char *rel)
{
    int  i;

    for (i = 0; i < PQntuples(rows); i++) {
        if (strcmp(PQgetvalue(rows, i, 0), rel) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Removes the clip files of storage/device/day that no row (and no listed
 * file) accounts for and that are older than the grace, then the folder
 * if it is left empty.  Returns -1 when PostgreSQL cannot say.
 */
static int
bb_retention_reconcile_day(bb_daemon_t *d, const char *device,
    const char *day, time_t now)
{
    DIR            *dir;
    char            folder[BB_RETENTION_PATH_MAX], err[256], *dot;
    char            file[BB_RETENTION_PATH_MAX + 256];
    char            rel[BB_RETENTION_PATH_MAX + 256];
    PGresult       *rows;
    const char     *params[2];
    struct stat     st;
    struct dirent  *de;

    params[0] = device;
    params[1] = day;

    rows = bb_retention_sql(d, bb_retention_day_sql, 2, params);
    if (rows == NULL) {
        return -1;
    }

    snprintf(folder, sizeof(folder), "%s/%s/%s", d->storage, device, day);

    dir = opendir(folder);

    while (dir != NULL && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        snprintf(file, sizeof(file), "%s/%s", folder, de->d_name);
        snprintf(rel, sizeof(rel), "%s/%s/%s", device, day, de->d_name);

        /* A thumbnail belongs to its clip: judged with it. */
        dot = strrchr(rel, '.');
        if (dot != NULL && strcmp(dot, ".jpg") == 0) {
            *dot = '\0';
        }

        if (lstat(file, &st) != 0 || !S_ISREG(st.st_mode)
            || st.st_mtime > now - BB_RETENTION_GRACE_S
            || bb_retention_known(rows, rel))
        {
            continue;
        }

        bb_log("warn", "worker: orphan file \"%s\" (no clip row): removed",
               rel);

        if (bb_storage_remove_clip(d->storage, rel, err, sizeof(err)) != 0) {
            bb_log("error", "worker: %s", err);
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


/* Walks every device folder of the storage.  Returns 0 or -1. */
static int
bb_retention_reconcile(bb_daemon_t *d)
{
    DIR            *top, *dev;
    char            folder[BB_RETENTION_PATH_MAX];
    time_t          now;
    struct dirent  *de, *dd;
    int             rc;

    top = opendir(d->storage);
    if (top == NULL) {
        bb_log("error", "worker: cannot read \"%s\": %s", d->storage,
               strerror(errno));
        return -1;
    }

    now = time(NULL);
    rc = 0;

    while (rc == 0 && (de = readdir(top)) != NULL) {
        /* Staging folders start with a dot; other names are not ours. */
        if (!bb_device_id_valid(de->d_name)) {
            continue;
        }

        snprintf(folder, sizeof(folder), "%s/%s", d->storage, de->d_name);

        dev = opendir(folder);

        while (rc == 0 && dev != NULL && (dd = readdir(dev)) != NULL) {
            if (bb_library_date_valid(dd->d_name)) {
                rc = bb_retention_reconcile_day(d, de->d_name, dd->d_name,
                                                now);
            }
        }

        if (dev != NULL) {
            closedir(dev);
        }

        (void) rmdir(folder);
    }

    closedir(top);

    return rc;
}


void
bb_retention_run(bb_daemon_t *d)
{
    int     expired, removed;
    time_t  now;

    now = time(NULL);

    /* A clock set back must not hold the passes off for its jump. */
    if (now < bb_retention.next - BB_RETENTION_RECONCILE_S) {
        bb_retention.next = bb_retention.next_reconcile = 0;
    }

    if (now < bb_retention.next) {
        return;
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
    bb_retention.next = (expired == BB_RETENTION_BATCH_N
                         || removed == BB_RETENTION_BATCH_N)
                        ? now : now + BB_RETENTION_IDLE_S;
}
