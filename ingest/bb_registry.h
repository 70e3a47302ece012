/*
 * The devices the SRT ingest lets in, kept in memory.
 *
 * libsrt calls the listener callback on its own receiving thread, and a
 * handshake that waited there on PostgreSQL would stall every stream of
 * the process.  So the callback only looks a device up here, in memory:
 * a thread of its own loads every device's key salt, then LISTENs on
 * "bb_devices" (sql/005_device_notify.sql), where each registration,
 * re-registration or deletion names its device, and reloads just that
 * one.  A full reload every few minutes, and after every reconnection,
 * covers notifications lost while the database was away.
 *
 * Keys are derived on demand from the salt (bb_device_key), so no key is
 * ever held longer than a handshake.
 */

#ifndef BB_REGISTRY_H
#define BB_REGISTRY_H

#include <stddef.h>

#include "bb_device.h"

typedef struct bb_registry_s  bb_registry_t;

/* Told (on the registry's thread) that a device left or got a new key. */
typedef void (*bb_registry_gone_pt)(const char *device_id, void *data);

/*
 * Starts the registry's thread on conninfo.  gone is called for a device
 * that was deleted or registered again, so that its live session can be
 * cut.  Returns NULL after logging why.
 */
bb_registry_t *bb_registry_start(const char *conninfo,
    const unsigned char *secret, size_t secret_len, bb_registry_gone_pt gone,
    void *data);

/*
 * Writes device_id's key (BB_DEVICE_KEY_LEN + 1 bytes) and returns 0, or
 * returns -1 when no such device is registered.  Safe on any thread; never
 * blocks on I/O.
 */
int bb_registry_key(bb_registry_t *reg, const char *device_id, char *key);

/* 1 once the first full load is done. */
int bb_registry_ready(bb_registry_t *reg);

/* Stops the thread and frees everything. */
void bb_registry_stop(bb_registry_t *reg);

#endif /* BB_REGISTRY_H */
