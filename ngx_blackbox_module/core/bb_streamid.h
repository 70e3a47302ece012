/*
 * The SRT stream id a dashcam sends in its handshake, read into the device
 * it speaks for.
 *
 * The listener callback calls this before it accepts a connection, so that
 * anything other than "this device wants to publish" is refused before any
 * key is looked up or any file made.  Two forms are accepted:
 *
 *     #!::u=cam-01,m=publish        SRT access control: comma-separated
 *                                   key=value pairs in any order
 *     cam-01                        a bare device id, meaning publish
 *
 * Of the standard keys, u (the device) is required; m, when present, must
 * be "publish" (a caller that leaves it out has nothing to play here, so it
 * publishes); r, s, t, h and keys of the caller's own are ignored.
 * Plain C, no allocation, no I/O.
 */

#ifndef BB_STREAMID_H
#define BB_STREAMID_H

#include <stddef.h>

/* SRT itself allows 512 bytes: anything longer did not come from SRT. */
#define BB_STREAMID_MAX  512

typedef enum {
    BB_STREAMID_OK = 0,
    BB_STREAMID_EMPTY,
    BB_STREAMID_TOO_LONG,
    BB_STREAMID_NUL,              /* a NUL byte inside the length given */
    BB_STREAMID_MALFORMED,        /* empty pair, key or value; no "=" */
    BB_STREAMID_NO_DEVICE,        /* no u key */
    BB_STREAMID_DUPLICATE,        /* u or m given twice */
    BB_STREAMID_BAD_DEVICE,       /* not 3-64 of A-Z a-z 0-9 . _ - */
    BB_STREAMID_NOT_PUBLISH       /* m=request (play) or any other mode */
} bb_streamid_e;

/*
 * Parses the len bytes of sid (not NUL-terminated; it may hold NULs, which
 * are refused) and on BB_STREAMID_OK writes the device id, NUL-terminated,
 * into device_id, which holds BB_DEVICE_ID_MAX + 1 bytes.  On any refusal
 * device_id is left an empty string.
 */
bb_streamid_e bb_streamid_parse(const char *sid, size_t len,
    char *device_id);

/* A short lowercase reason for a log line: "overlong stream id". */
const char *bb_streamid_reason(bb_streamid_e rc);

#endif /* BB_STREAMID_H */
