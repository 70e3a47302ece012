/*
 * The worker's clip indexer: see bb_indexer.c.
 */

#ifndef BB_INDEXER_H
#define BB_INDEXER_H

#include "bb_daemon.h"

/* Creates the clip queue's consumer group if it is missing: 0 or -1. */
int bb_indexer_prepare(bb_daemon_t *d);

/*
 * Indexes what is pending or arrives within block_ms (which must be below
 * the Redis timeout).  Returns the number of clips indexed, or -1 when
 * Redis cannot be reached.
 */
int bb_indexer_run(bb_daemon_t *d, int block_ms);

#endif /* BB_INDEXER_H */
