/*
 * The SRT stream id: see bb_streamid.h.
 *
 * The bytes come from the network before the peer has proved anything, so
 * every piece is measured against what remains and nothing is copied
 * until its length is known to fit.
 */

#include <string.h>

#include "bb_device.h"
#include "bb_streamid.h"

#define BB_STREAMID_PREFIX      "#!::"
#define BB_STREAMID_PREFIX_LEN  (sizeof(BB_STREAMID_PREFIX) - 1)


/* 1 when the n bytes at p are the NUL-terminated word s. */
static int
bb_streamid_is(const char *p, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(p, s, n) == 0;
}


/* Copies the n bytes at p into device_id if they make a valid device id. */
static bb_streamid_e
bb_streamid_device(const char *p, size_t n, char *device_id)
{
    char  id[BB_DEVICE_ID_MAX + 1];

    if (n > BB_DEVICE_ID_MAX) {
        return BB_STREAMID_BAD_DEVICE;
    }

    memcpy(id, p, n);
    id[n] = '\0';

    if (!bb_device_id_valid(id)) {
        return BB_STREAMID_BAD_DEVICE;
    }

    memcpy(device_id, id, n + 1);

    return BB_STREAMID_OK;
}


/*
 * The pairs after "#!::", each "key=value", split at the first "=":
 *
 *     u=cam-01,m=publish,r=live
 *     ^      ^ ^       ^
 *     pair   end of pair (a comma, or the end of the bytes)
 */
static bb_streamid_e
bb_streamid_pairs(const char *p, size_t len, char *device_id)
{
    size_t       n, klen;
    const char  *end, *comma, *eq, *user, *mode;
    size_t       ulen, mlen;

    end = p + len;
    user = NULL;
    mode = NULL;
    ulen = 0;
    mlen = 0;

    for ( ;; ) {
        comma = memchr(p, ',', (size_t) (end - p));
        n = (comma != NULL) ? (size_t) (comma - p) : (size_t) (end - p);

        eq = memchr(p, '=', n);
        if (eq == NULL || eq == p || eq == p + n - 1) {
            return BB_STREAMID_MALFORMED;
        }

        klen = (size_t) (eq - p);

        if (bb_streamid_is(p, klen, "u")) {
            if (user != NULL) {
                return BB_STREAMID_DUPLICATE;
            }

            user = eq + 1;
            ulen = n - klen - 1;

        } else if (bb_streamid_is(p, klen, "m")) {
            if (mode != NULL) {
                return BB_STREAMID_DUPLICATE;
            }

            mode = eq + 1;
            mlen = n - klen - 1;
        }

        if (comma == NULL) {
            break;
        }

        p = comma + 1;
    }

    if (user == NULL) {
        return BB_STREAMID_NO_DEVICE;
    }

    if (mode != NULL && !bb_streamid_is(mode, mlen, "publish")) {
        return BB_STREAMID_NOT_PUBLISH;
    }

    return bb_streamid_device(user, ulen, device_id);
}


bb_streamid_e
bb_streamid_parse(const char *sid, size_t len, char *device_id)
{
    device_id[0] = '\0';

    if (len > BB_STREAMID_MAX) {
        return BB_STREAMID_TOO_LONG;
    }

    if (len == 0) {
        return BB_STREAMID_EMPTY;
    }

    if (memchr(sid, '\0', len) != NULL) {
        return BB_STREAMID_NUL;
    }

    if (len >= 3 && memcmp(sid, "#!:", 3) == 0) {
        /* "#!:" announces the syntax; only its "::" form is defined. */
        if (len < BB_STREAMID_PREFIX_LEN
            || memcmp(sid, BB_STREAMID_PREFIX, BB_STREAMID_PREFIX_LEN) != 0)
        {
            return BB_STREAMID_MALFORMED;
        }

        return bb_streamid_pairs(sid + BB_STREAMID_PREFIX_LEN,
                                 len - BB_STREAMID_PREFIX_LEN, device_id);
    }

    return bb_streamid_device(sid, len, device_id);
}


const char *
bb_streamid_reason(bb_streamid_e rc)
{
    switch (rc) {

    case BB_STREAMID_OK:
        return "accepted";

    case BB_STREAMID_EMPTY:
        return "empty stream id";

    case BB_STREAMID_TOO_LONG:
        return "overlong stream id";

    case BB_STREAMID_NUL:
        return "NUL byte in the stream id";

    case BB_STREAMID_MALFORMED:
        return "malformed stream id";

    case BB_STREAMID_NO_DEVICE:
        return "no device (u) in the stream id";

    case BB_STREAMID_DUPLICATE:
        return "key given twice in the stream id";

    case BB_STREAMID_BAD_DEVICE:
        return "invalid device id";

    case BB_STREAMID_NOT_PUBLISH:
        return "mode is not publish";
    }

    return "unknown stream id error";
}
