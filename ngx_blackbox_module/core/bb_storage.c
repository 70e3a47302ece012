/*
 * Removing footage: see bb_storage.h.
 */

/* nftw() is X/Open: ask for it whoever compiles us (nginx does not). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "bb_storage.h"

#define BB_STORAGE_PATH_MAX  4200


static int
bb_storage_unlink(const char *file, char *err, size_t err_len)
{
    if (unlink(file) != 0 && errno != ENOENT) {
        snprintf(err, err_len, "cannot remove \"%.200s\": %s", file,
                 strerror(errno));
        return -1;
    }

    return 0;
}


int
bb_storage_remove_clip(const char *storage, const char *path, char *err,
    size_t err_len)
{
    char  file[BB_STORAGE_PATH_MAX], *slash;

    if (snprintf(file, sizeof(file), "%s/%s.jpg", storage, path)
        >= (int) sizeof(file))
    {
        snprintf(err, err_len, "clip path too long");
        return -1;
    }

    if (bb_storage_unlink(file, err, err_len) != 0) {
        return -1;
    }

    file[strlen(file) - 4] = '\0';

    if (bb_storage_unlink(file, err, err_len) != 0) {
        return -1;
    }

    /*
     * The day's folder goes with its last clip, and the device's with its
     * last day; in use, they stay.  A clip being stored meanwhile finds
     * its folder gone and is stored again (bb_backfill_store fails, and
     * the caller keeps the clip and retries): nothing is lost.
     */
    slash = strrchr(file, '/');
    *slash = '\0';

    if (rmdir(file) == 0) {
        slash = strrchr(file, '/');
        *slash = '\0';
        (void) rmdir(file);
    }

    return 0;
}


int
bb_storage_room(const char *storage, long long bytes, char *err,
    size_t err_len)
{
    long long       room;
    struct statvfs  fs;

    if (statvfs(storage, &fs) != 0) {
        snprintf(err, err_len, "statvfs(\"%.200s\") failed: %s", storage,
                 strerror(errno));
        return 0;
    }

    room = (long long) fs.f_bavail * (long long) fs.f_frsize;

    if (room < bytes + BB_STORAGE_SPARE) {
        snprintf(err, err_len, "storage \"%.200s\" is full: %lld bytes "
                 "free, %lld needed", storage, room,
                 bytes + BB_STORAGE_SPARE);
        return 0;
    }

    return 1;
}


static int
bb_storage_remove_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
    (void) st;
    (void) ftw;

    return (type == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}


int
bb_storage_remove_device(const char *storage, const char *device_id,
    char *err, size_t err_len)
{
    char  dir[BB_STORAGE_PATH_MAX];

    if (snprintf(dir, sizeof(dir), "%s/%s", storage, device_id)
        >= (int) sizeof(dir))
    {
        snprintf(err, err_len, "device path too long");
        return -1;
    }

    if (nftw(dir, bb_storage_remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0
        && errno != ENOENT)
    {
        snprintf(err, err_len, "cannot remove \"%.200s\": %s", dir,
                 strerror(errno));
        return -1;
    }

    return 0;
}
