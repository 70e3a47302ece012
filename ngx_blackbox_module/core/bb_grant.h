/*
 * Playback grants: what a playback URL carries in its path so that any
 * player (hls.js, Safari, VLC, ffmpeg) can open it without headers, and
 * relative URLs inside its playlists keep it.
 *
 *     /play/<device_id>/<user_id>.<from_ms>.<to_ms>.<expires>.<mac>/index.m3u8
 *
 * The grant lets its holder read one device's clips recorded in
 * [from_ms, to_ms) until expires (Unix seconds), and nothing else: the
 * packager still checks that the device belongs to user_id, so a device
 * deleted and registered by someone else is not reached through an old
 * grant.  The mac is HMAC-SHA256 of the device id and the four numbers,
 * under a key only nginx holds, cut to 128 bits and written in hex; the
 * numbers are plain decimal with one spelling each, so a grant has one
 * text only.  It is checked in constant time.
 */

#ifndef BB_GRANT_H
#define BB_GRANT_H

#include <stddef.h>
#include <time.h>

#define BB_GRANT_MAC_LEN  32             /* hex digits */
#define BB_GRANT_LEN      (4 * 21 + BB_GRANT_MAC_LEN + 1)  /* NUL incl. */

typedef struct {
    long long  user_id;
    long long  from_ms;                  /* Unix ms, range start */
    long long  to_ms;                    /* and end, excluded */
    long long  expires;                  /* Unix s */
} bb_grant_t;

typedef enum {
    BB_GRANT_OK = 0,
    BB_GRANT_MALFORMED,                  /* not a grant's shape */
    BB_GRANT_FORGED,                     /* the mac does not match */
    BB_GRANT_EXPIRED
} bb_grant_e;

/*
 * Writes the grant g for device_id into out (BB_GRANT_LEN bytes).
 * Returns 0, or -1 when HMAC fails or a number is negative.
 */
int bb_grant_sign(const unsigned char *key, size_t keylen,
    const char *device_id, const bb_grant_t *g, char *out);

/*
 * Checks the grant text s (len bytes, not NUL-terminated) for device_id
 * at time now; fills g when it is well-formed, whatever the verdict.
 */
bb_grant_e bb_grant_check(const unsigned char *key, size_t keylen,
    const char *device_id, const char *s, size_t len, time_t now,
    bb_grant_t *g);

#endif /* BB_GRANT_H */
