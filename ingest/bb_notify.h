/*
 * What the worker tells owners about their dashcams, by mail through the
 * outbox: a device silent for the alert window (blackbox_offline_alert,
 * 10 hours by default), the same device back, and impacts it reported
 * (at most one mail every 5 minutes a device; later impacts of those 5
 * minutes are marked but not mailed).
 *
 * Each notice is one transaction: the device's or the event's row says
 * the owner was told, and the mail goes into the outbox, together or not
 * at all.  Rows are claimed with FOR UPDATE SKIP LOCKED, so any number of
 * workers send each notice once, and a worker killed midway leaves
 * nothing half done.  Every "now" is the database's, so a worker whose
 * clock jumps neither alerts early nor late.  Liveness itself is Redis's
 * heartbeat (PostgreSQL's last_seen_at is saved at most once a minute).
 */

#ifndef BB_NOTIFY_H
#define BB_NOTIFY_H

#include "bb_daemon.h"

/* Runs the notices that are due; call every turn of the worker's loop. */
void bb_notify_run(bb_daemon_t *d);

#endif /* BB_NOTIFY_H */
