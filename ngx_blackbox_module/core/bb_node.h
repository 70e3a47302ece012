/*
 * Which daemons are alive: every ingest and worker process beats into Redis.
 *
 * Each kind of node has a sorted set keyed "bb:nodes:<kind>" whose members
 * are node names ("<host>:<pid>") scored with the Unix time of their last
 * beat.  Any number of nodes of each kind can run, on any host; the health
 * check counts the members that beat recently.  A sorted set rather than one
 * key per node with a TTL keeps the count a single O(log n) command.
 */

#ifndef BB_NODE_H
#define BB_NODE_H

#include <stddef.h>
#include <time.h>

#define BB_NODE_NAME_MAX  128

/* Writes "<host>:<pid>" into name. */
void bb_node_name(char *name, size_t size);

/* Records a beat of node name of kind ("ingest", "worker") at now. */
int bb_node_beat(const char *redis, int timeout_ms, const char *kind,
    const char *name, time_t now, char *err, size_t errlen);

/* Removes node name, on a clean shutdown. */
int bb_node_leave(const char *redis, int timeout_ms, const char *kind,
    const char *name, char *err, size_t errlen);

/*
 * Counts the nodes of kind that beat within the last max_age seconds.
 * Returns the count, or -1 with a reason in err.
 */
long bb_node_count_alive(const char *redis, int timeout_ms, const char *kind,
    time_t now, int max_age, char *err, size_t errlen);

#endif /* BB_NODE_H */
