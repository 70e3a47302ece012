/*
 * Dashcams: registration, the owner's view of them, and their keys.
 *
 * A device key is HMAC-SHA256 under the device secret of
 * "device:<device_id>:<key_salt>", as 32 hex digits: it is never stored,
 * the ingest can derive it to set an SRT passphrase, and registering a
 * device again (a new salt) gives it a new key.  Heartbeats live in Redis
 * ("bb:hb:<device_id>", the Unix time of the last one) and are copied to
 * PostgreSQL at most once a minute.
 */

#ifndef BB_DEVICE_H
#define BB_DEVICE_H

#include <stddef.h>
#include <time.h>

#include "bb_call.h"

#define BB_DEVICE_ID_MAX    64
#define BB_DEVICE_KEY_LEN   32
#define BB_NICKNAME_MAX     64

/*
 * 3 to 64 of A-Z a-z 0-9 . _ -, as the contract fixes device ids, and not
 * starting with a dot: the id names the device's storage folder, and the
 * storage's own folders (.recording, .incoming) start with one.
 */
int bb_device_id_valid(const char *id);

/* A nickname: 1 to 64 characters, no control characters. */
int bb_nickname_valid(const char *nickname);

/* Derives the key of device_id with salt into key (33 bytes). */
int bb_device_key(const unsigned char *secret, size_t secret_len,
    const char *device_id, const char *salt, char *key);

/*
 * Registers device_id for user_id.  On success writes its key (shown this
 * once) and the device's JSON into *json (malloc'd, *len bytes).
 * BB_ERR_DEVICE_TAKEN if any account holds it.
 */
bb_status_e bb_device_register(bb_call_t *call, long long user_id,
    const char *device_id, const char *nickname, time_t now, char *key,
    char **json, size_t *len);

/* The user's devices as {"devices":[...]}, malloc'd into *json. */
bb_status_e bb_device_list(bb_call_t *call, long long user_id, time_t now,
    char **json, size_t *len);

/* One of the user's devices; BB_ERR_NOT_FOUND for anyone else's. */
bb_status_e bb_device_get(bb_call_t *call, long long user_id,
    const char *device_id, time_t now, char **json, size_t *len);

/*
 * Changes the nickname and/or time zone (NULL: unchanged) and answers the
 * device as bb_device_get does.  BB_ERR_BAD_TIME_ZONE for a zone the
 * database does not know.
 */
bb_status_e bb_device_update(bb_call_t *call, long long user_id,
    const char *device_id, const char *nickname, const char *time_zone,
    time_t now, char **json, size_t *len);

/* Deletes the user's device, its clips and their files, for good. */
bb_status_e bb_device_delete(bb_call_t *call, long long user_id,
    const char *device_id);

/*
 * Checks a device's key: BB_OK, BB_ERR_NOT_FOUND (no such device) or
 * BB_ERR_DEVICE_KEY (wrong key).
 */
bb_status_e bb_device_auth(bb_call_t *call, const char *device_id,
    const char *key);

/* Records a heartbeat of device_id at now. */
bb_status_e bb_device_heartbeat(bb_call_t *call, const char *device_id,
    time_t now);

#endif /* BB_DEVICE_H */
