/*
 * Removing footage from the clip storage, for good.
 *
 * Rows go first, files after: a file whose row is gone is an orphan that
 * nobody is shown and the retention pass's reconciliation removes; a row
 * whose file went first would be footage the API lists but cannot play.
 * So these calls only ever follow a committed DELETE, and a file that is
 * gone already is no error.
 */

#ifndef BB_STORAGE_H
#define BB_STORAGE_H

#include <stddef.h>

/*
 * Removes the clip at path (relative to storage) and what is kept beside
 * it (its thumbnail), then its day folder if that is now empty, and then
 * the device's folder if that is.  Returns
 * 0, or -1 with the reason in err.
 */
int bb_storage_remove_clip(const char *storage, const char *path, char *err,
    size_t err_len);

/*
 * 1 when the storage's file system has room for a file of bytes (and a
 * little to spare), 0 when it has not or cannot say, with why in err.
 * Asked before a clip is taken in, so that a full disk refuses it whole
 * (507) instead of failing halfway.
 */
#define BB_STORAGE_SPARE  (1024 * 1024)
int bb_storage_room(const char *storage, long long bytes, char *err,
    size_t err_len);

/* Removes device_id's folder and everything in it; returns 0 or -1. */
int bb_storage_remove_device(const char *storage, const char *device_id,
    char *err, size_t err_len);

#endif /* BB_STORAGE_H */
