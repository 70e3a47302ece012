/*
 * Retention: clips older than the window (blackbox_retention, 30 days by
 * default) are deleted for good by the worker: row, file and thumbnail,
 * and the day and device folders they leave empty.
 *
 * Work comes in small batches, oldest first, one batch a turn of the
 * worker's loop, so a backlog of months (a first start, a window made
 * shorter) is worked off beside the clip queue instead of before it.
 * Rows are claimed with FOR UPDATE SKIP LOCKED: any number of workers
 * delete each clip once.  "Older" is by the database's clock, never the
 * worker's.  A row is deleted in the same statement that lists its file in
 * doomed_files, and a listed file is removed before its entry, so a worker
 * killed anywhere leaves work the next pass finishes.
 *
 * A reconciliation pass, at start and then hourly, walks the storage for
 * clip files without a row, older than 10 minutes by the database's clock
 * (younger ones may be on their way through the queue).  Each is
 * reported; one within the window of a registered device is announced to
 * the clip queue again (it may be a clip that was acknowledged and never
 * indexed: it must not be lost), any other is removed.
 */

#ifndef BB_RETENTION_H
#define BB_RETENTION_H

#include "bb_daemon.h"

/*
 * Runs a batch when one is due; call every turn of the worker's loop.
 * While a backlog remains, returns how long the loop should give the clip
 * queue before its next turn, in ms (as long as the batch took: retention
 * has at most half of a worker, and what it shares the disk and the
 * database with keeps the rest); 0 when there is none.
 */
int bb_retention_run(bb_daemon_t *d);

#endif /* BB_RETENTION_H */
