/*
 * What a core call can answer, as one small enum.  The HTTP status, error
 * code and message of each live in one table at the edge (the module's
 * ngx_http_blackbox_response.c), as nginx-vod-module maps its errors.
 */

#ifndef BB_STATUS_H
#define BB_STATUS_H

typedef enum {
    BB_OK = 0,
    BB_ERR_USERNAME_TAKEN,
    BB_ERR_EMAIL_TAKEN,
    BB_ERR_CODE_WRONG,            /* e-mail verification */
    BB_ERR_CODE_EXPIRED,
    BB_ERR_CODE_TRIES,            /* the code took its last try */
    BB_ERR_CHALLENGE_WRONG,       /* login second factor */
    BB_ERR_CHALLENGE_EXPIRED,
    BB_ERR_RATE_LIMITED,
    BB_ERR_INVALID_CREDENTIALS,
    BB_ERR_WRONG_PASSWORD,        /* the current one, to change it */
    BB_ERR_EMAIL_NOT_VERIFIED,
    BB_ERR_UNAUTHORIZED,          /* no, bad, expired or revoked token */
    BB_ERR_SESSION_ENDED,         /* the web app's session cookie is not
                                     (or no longer) good */
    BB_ERR_NOT_FOUND,
    BB_ERR_DEVICE_TAKEN,
    BB_ERR_BAD_TIME_ZONE,
    BB_ERR_DEVICE_KEY,            /* a device's key is wrong */
    BB_ERR_NOT_A_CLIP,            /* a back-filled body is no clip */
    BB_ERR_STORAGE,               /* the disk is full or failing */
    BB_ERR_UNAVAILABLE,           /* PostgreSQL or Redis cannot answer */
    BB_ERR_INTERNAL,
    BB_STATUS_COUNT
} bb_status_e;

#endif /* BB_STATUS_H */
