/*
 * Unit tests of bb_grant (signed playback grants) and of the array
 * literals bb_clip_media writes (segment lists in clip rows).
 */

#include <stdio.h>
#include <string.h>

#include "bb_clip_media.h"
#include "bb_grant.h"
#include "tap.h"

static const unsigned char  key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN  (sizeof(key) - 1)


static bb_grant_e
check(const char *device, const char *s, time_t now, bb_grant_t *g)
{
    return bb_grant_check(key, KEYLEN, device, s, strlen(s), now, g);
}


static void
test_grant(void)
{
    char        text[BB_GRANT_LEN], bad[BB_GRANT_LEN + 8];
    size_t      n;
    bb_grant_t  g = { 7, 1795579380000LL, 1795665780000LL, 1795580000LL };
    bb_grant_t  got;

    ok(bb_grant_sign(key, KEYLEN, "cam-1", &g, text) == 0, "signed");
    diag("grant: %s", text);
    is_int(check("cam-1", text, 1795579999, &got), BB_GRANT_OK,
           "good until it expires");
    ok(got.user_id == 7 && got.from_ms == g.from_ms && got.to_ms == g.to_ms
       && got.expires == g.expires, "and gives its numbers back");
    is_int(check("cam-1", text, 1795580000, &got), BB_GRANT_EXPIRED,
           "expired at expires");
    is_int(check("cam-2", text, 0, &got), BB_GRANT_FORGED,
           "another device's grant is forged");
    is_int(bb_grant_check((const unsigned char *) "another key", 11, "cam-1",
                          text, strlen(text), 0, &got), BB_GRANT_FORGED,
           "another key's grant is forged");

    /* each number changed, the mac kept */
    n = strlen(text);
    snprintf(bad, sizeof(bad), "8%s", strchr(text, '.'));
    is_int(check("cam-1", bad, 0, &got), BB_GRANT_FORGED,
           "another user: forged");
    snprintf(bad, sizeof(bad), "%s", text);
    bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
    is_int(check("cam-1", bad, 0, &got), BB_GRANT_FORGED,
           "a digit of the mac changed: forged");
    snprintf(bad, sizeof(bad), "07%s", strchr(text, '.'));
    is_int(check("cam-1", bad, 0, &got), BB_GRANT_MALFORMED,
           "a leading zero: malformed (one spelling per grant)");
    snprintf(bad, sizeof(bad), "%s", text);
    bad[n - 1] = 'A';
    is_int(check("cam-1", bad, 0, &got), BB_GRANT_MALFORMED,
           "upper-case hex: malformed");
    snprintf(bad, sizeof(bad), "%.*s", (int) n - 1, text);
    is_int(check("cam-1", bad, 0, &got), BB_GRANT_MALFORMED,
           "a short mac: malformed");
    snprintf(bad, sizeof(bad), "%s0", text);
    is_int(check("cam-1", bad, 0, &got), BB_GRANT_MALFORMED,
           "a long mac: malformed");
    is_int(check("cam-1", "", 0, &got), BB_GRANT_MALFORMED, "empty");
    is_int(check("cam-1", "-7.1.2.3.00000000000000000000000000000000", 0,
                 &got), BB_GRANT_MALFORMED, "a sign: malformed");
    is_int(check("cam-1", "1.2.3.99999999999999999999.0000000000000000000"
                 "0000000000000", 0, &got), BB_GRANT_MALFORMED,
           "a number past 18 digits: malformed");
    is_int(check("cam-1", "1..3.4.00000000000000000000000000000000", 0,
                 &got), BB_GRANT_MALFORMED, "an empty number: malformed");

    g.user_id = -1;
    ok(bb_grant_sign(key, KEYLEN, "cam-1", &g, text) == -1,
       "a negative number is not signed");
}


static void
test_arrays(void)
{
    char      buf[64];
    uint32_t  in[3] = { 4000, 3990, 1 };

    is_int(bb_clip_media_array(in, 3, buf, sizeof(buf)), 13, "written");
    is_str(buf, "{4000,3990,1}", "as an array literal");
    is_int(bb_clip_media_array(in, 3, buf, 13), -1, "too small: -1");
    is_int(bb_clip_media_array(in, 0, buf, sizeof(buf)), 2, "none: {}");
}


int
main(void)
{
    test_grant();
    test_arrays();

    return done_testing();
}
