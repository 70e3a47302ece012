/*
 * Unit tests of bb_health's pure parts: bb_health_ok, bb_health_check_name
 * and the exact JSON answer of bb_health_json for hand-filled results.
 * bb_health_probe needs PostgreSQL and Redis and is left to the stack tests.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_health.h"
#include "tap.h"

#define CANARY  0x5c

/* The log-only detail of every check: it must never reach the answer. */
#define SECRET  "host=db.secret.internal password=hunter2"


typedef struct {
    int          ok;
    const char  *reason;
    long long    value;
} check_case_t;

typedef struct {
    const char    *name;
    check_case_t   check[BB_HEALTH_NCHECKS];
    int            want_ok;
    const char    *want;
} health_case_t;


static const health_case_t  cases[] = {
    {
        "all ok",
        {
            { 1, NULL, -1 },
            { 1, NULL, -1 },
            { 1, NULL, 123456789012LL },
            { 1, NULL, 2 },
            { 1, NULL, 1 },
        },
        1,
        "{\"status\":\"ok\",\"checks\":{"
        "\"postgres\":{\"status\":\"ok\"},"
        "\"redis\":{\"status\":\"ok\"},"
        "\"storage\":{\"status\":\"ok\",\"free_bytes\":123456789012},"
        "\"ingest\":{\"status\":\"ok\",\"nodes\":2},"
        "\"worker\":{\"status\":\"ok\",\"nodes\":1}}}\n"
    },
    {
        "all ok without values",
        {
            { 1, NULL, -1 },
            { 1, NULL, -1 },
            { 1, NULL, -1 },
            { 1, NULL, -1 },
            { 1, NULL, -1 },
        },
        1,
        "{\"status\":\"ok\",\"checks\":{"
        "\"postgres\":{\"status\":\"ok\"},"
        "\"redis\":{\"status\":\"ok\"},"
        "\"storage\":{\"status\":\"ok\"},"
        "\"ingest\":{\"status\":\"ok\"},"
        "\"worker\":{\"status\":\"ok\"}}}\n"
    },
    {
        "postgres and ingest down",
        {
            { 0, "unreachable", -1 },
            { 1, NULL, -1 },
            { 1, NULL, 0 },
            { 0, "no_live_node", 0 },
            { 1, NULL, 3 },
        },
        0,
        "{\"status\":\"unavailable\",\"error\":\"service_unavailable\","
        "\"message\":\"Not available: postgres, ingest.\",\"checks\":{"
        "\"postgres\":{\"status\":\"down\",\"reason\":\"unreachable\"},"
        "\"redis\":{\"status\":\"ok\"},"
        "\"storage\":{\"status\":\"ok\",\"free_bytes\":0},"
        "\"ingest\":{\"status\":\"down\",\"reason\":\"no_live_node\","
        "\"nodes\":0},"
        "\"worker\":{\"status\":\"ok\",\"nodes\":3}}}\n"
    },
    {
        "only worker down",
        {
            { 1, NULL, -1 },
            { 1, NULL, -1 },
            { 1, NULL, 4096 },
            { 1, NULL, 1 },
            { 0, "no_live_node", 0 },
        },
        0,
        "{\"status\":\"unavailable\",\"error\":\"service_unavailable\","
        "\"message\":\"Not available: worker.\",\"checks\":{"
        "\"postgres\":{\"status\":\"ok\"},"
        "\"redis\":{\"status\":\"ok\"},"
        "\"storage\":{\"status\":\"ok\",\"free_bytes\":4096},"
        "\"ingest\":{\"status\":\"ok\",\"nodes\":1},"
        "\"worker\":{\"status\":\"down\",\"reason\":\"no_live_node\","
        "\"nodes\":0}}}\n"
    },
    {
        "everything down",
        {
            { 0, "timeout", -1 },
            { 0, "unreachable", -1 },
            { 0, "not_writable", -1 },
            { 0, "unknown", -1 },
            { 0, "unknown", -1 },
        },
        0,
        "{\"status\":\"unavailable\",\"error\":\"service_unavailable\","
        "\"message\":\"Not available: postgres, redis, storage, ingest, "
        "worker.\",\"checks\":{"
        "\"postgres\":{\"status\":\"down\",\"reason\":\"timeout\"},"
        "\"redis\":{\"status\":\"down\",\"reason\":\"unreachable\"},"
        "\"storage\":{\"status\":\"down\",\"reason\":\"not_writable\"},"
        "\"ingest\":{\"status\":\"down\",\"reason\":\"unknown\"},"
        "\"worker\":{\"status\":\"down\",\"reason\":\"unknown\"}}}\n"
    },
};


static void
fill(bb_health_t *h, const health_case_t *tc)
{
    int  i;

    for (i = 0; i < BB_HEALTH_NCHECKS; i++) {
        h->check[i].ok = tc->check[i].ok;
        h->check[i].reason = tc->check[i].reason;
        h->check[i].value = tc->check[i].value;
        snprintf(h->check[i].detail, sizeof(h->check[i].detail), "%s",
                 SECRET);
    }
}


static void
test_json(void)
{
    char         *buf, name[128];
    size_t        i, len, wlen;
    bb_health_t   h;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fill(&h, &cases[i]);

        snprintf(name, sizeof(name), "%s: bb_health_ok", cases[i].name);
        is_int(bb_health_ok(&h), cases[i].want_ok, name);

        len = bb_health_json(&h, NULL, 0);

        snprintf(name, sizeof(name), "%s: measured length", cases[i].name);
        is_int((long long) len, (long long) strlen(cases[i].want), name);

        buf = malloc(len + 1);
        if (buf == NULL) {
            ok(0, "%s: allocate %zu bytes", cases[i].name, len + 1);
            continue;
        }

        buf[len] = CANARY;
        wlen = bb_health_json(&h, buf, len);

        snprintf(name, sizeof(name), "%s: write length equals measure",
                 cases[i].name);
        is_int((long long) wlen, (long long) len, name);

        ok(buf[len] == CANARY, "%s: nothing written past the measure",
           cases[i].name);

        buf[len] = '\0';

        snprintf(name, sizeof(name), "%s: JSON", cases[i].name);
        is_str(buf, cases[i].want, name);

        ok(strstr(buf, "secret") == NULL && strstr(buf, "hunter2") == NULL,
           "%s: detail stays out of the answer", cases[i].name);

        free(buf);
    }
}


/* A caller that guessed too small a buffer learns the length it needs. */
static void
test_json_short(void)
{
    char         buf[64];
    size_t       len;
    bb_health_t  h;

    fill(&h, &cases[2]);

    memset(buf, CANARY, sizeof(buf));
    len = bb_health_json(&h, buf, 32);

    is_int((long long) len, (long long) strlen(cases[2].want),
           "short buffer: full length returned");
    ok(buf[32] == CANARY && buf[63] == CANARY,
       "short buffer: nothing written past size");
}


static void
test_check_name(void)
{
    static const struct {
        bb_health_check_e   c;
        const char         *want;
    } names[] = {
        { BB_HEALTH_POSTGRES, "postgres" },
        { BB_HEALTH_REDIS, "redis" },
        { BB_HEALTH_STORAGE, "storage" },
        { BB_HEALTH_INGEST, "ingest" },
        { BB_HEALTH_WORKER, "worker" },
    };

    size_t  i;

    is_int(BB_HEALTH_NCHECKS, sizeof(names) / sizeof(names[0]),
           "every check has a name case");

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        is_str(bb_health_check_name(names[i].c), names[i].want,
               names[i].want);
    }
}


int
main(void)
{
    test_json();
    test_json_short();
    test_check_name();

    return done_testing();
}
