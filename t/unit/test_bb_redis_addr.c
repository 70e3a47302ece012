/*
 * Unit tests of bb_redis_addr_parse: "host:port" and "unix:/path" Redis
 * addresses, their limits, and the reasons given for rejected ones.  The rest
 * of bb_redis needs a live Redis and is left to the stack tests.
 */

#include <stdio.h>
#include <string.h>

#include "bb_redis.h"
#include "tap.h"

#define HOST_PORT  0    /* rejected as not host:port */
#define UNIX_PATH  1    /* rejected as a bad unix socket path */


static void
check_good(const char *addr, const char *host, int port, const char *name)
{
    char             err[512], label[160];
    bb_redis_addr_t  out;

    /* Garbage beforehand shows the parser terminates the host itself. */
    memset(&out, 0xff, sizeof(out));
    err[0] = '\0';

    snprintf(label, sizeof(label), "%s: accepted", name);
    if (!is_int(bb_redis_addr_parse(addr, &out, err, sizeof(err)), 0,
                label))
    {
        diag("error: %s", err);
        return;
    }

    snprintf(label, sizeof(label), "%s: host", name);
    is_str(out.host, host, label);

    snprintf(label, sizeof(label), "%s: port", name);
    is_int(out.port, port, label);
}


static void
check_bad(const char *addr, int kind, const char *name)
{
    char             err[512], want[512], label[160];
    bb_redis_addr_t  out;

    if (kind == UNIX_PATH) {
        snprintf(want, sizeof(want), "redis address \"%s\" needs an absolute "
                 "socket path after \"unix:\"", addr);

    } else {
        snprintf(want, sizeof(want), "redis address \"%s\" is not host:port",
                 addr);
    }

    err[0] = '\0';

    snprintf(label, sizeof(label), "%s: rejected", name);
    is_int(bb_redis_addr_parse(addr, &out, err, sizeof(err)), -1, label);

    snprintf(label, sizeof(label), "%s: reason", name);
    is_str(err, want, label);
}


static void
test_good(void)
{
    static const struct {
        const char  *addr;
        const char  *host;
        int          port;
    } cases[] = {
        { "127.0.0.1:6379", "127.0.0.1", 6379 },
        { "localhost:1", "localhost", 1 },
        { "redis.example.com:65535", "redis.example.com", 65535 },
        /* The port follows the last colon, so bare IPv6 works. */
        { "::1:6379", "::1", 6379 },
        /* Brackets only delimit an IPv6 address: getaddrinfo wants none. */
        { "[::1]:6379", "::1", 6379 },
        { "host:06379", "host", 6379 },
        { "unix:/tmp/r.sock", "/tmp/r.sock", 0 },
        { "unix:/", "/", 0 },
        { "unix:/path with:colon", "/path with:colon", 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_good(cases[i].addr, cases[i].host, cases[i].port,
                   cases[i].addr);
    }
}


static void
test_bad(void)
{
    static const struct {
        const char  *addr;
        int          kind;
    } cases[] = {
        { "", HOST_PORT },
        { "host", HOST_PORT },
        { ":6379", HOST_PORT },
        { "host:", HOST_PORT },
        { "host:6379:", HOST_PORT },
        { "host:0", HOST_PORT },
        { "host:-1", HOST_PORT },
        { "host:65536", HOST_PORT },
        { "host:99999999999999999999", HOST_PORT },
        { "host:12ab", HOST_PORT },
        { "host:0x10", HOST_PORT },
        { "host:6379 ", HOST_PORT },
        { "host: 6379", HOST_PORT },
        { "host:+6379", HOST_PORT },
        { "[]:6379", HOST_PORT },
        { "UNIX:/tmp/r.sock", HOST_PORT },
        { "unix:", UNIX_PATH },
        { "unix:relative", UNIX_PATH },
        { "unix:./r.sock", UNIX_PATH },
        { "unix: /tmp/r.sock", UNIX_PATH },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_bad(cases[i].addr, cases[i].kind, cases[i].addr);
    }

    /* Named apart: the address itself would break the TAP line. */
    check_bad("host:6379\n", HOST_PORT, "host:6379 and a newline");
}


/* The host or path must fit BB_REDIS_HOST_MAX with its terminating NUL. */
static void
test_lengths(void)
{
    char  host[BB_REDIS_HOST_MAX + 64], addr[sizeof(host) + 16];

    memset(host, 'h', BB_REDIS_HOST_MAX - 1);
    host[BB_REDIS_HOST_MAX - 1] = '\0';
    snprintf(addr, sizeof(addr), "%s:6379", host);
    check_good(addr, host, 6379, "longest host (255)");

    memset(host, 'h', BB_REDIS_HOST_MAX);
    host[BB_REDIS_HOST_MAX] = '\0';
    snprintf(addr, sizeof(addr), "%s:6379", host);
    check_bad(addr, HOST_PORT, "host of 256");

    memset(host, 'h', 300);
    host[300] = '\0';
    snprintf(addr, sizeof(addr), "%s:6379", host);
    check_bad(addr, HOST_PORT, "host of 300");

    host[0] = '/';
    memset(host + 1, 'p', BB_REDIS_HOST_MAX - 2);
    host[BB_REDIS_HOST_MAX - 1] = '\0';
    snprintf(addr, sizeof(addr), "unix:%s", host);
    check_good(addr, host, 0, "longest socket path (255)");

    memset(host + 1, 'p', BB_REDIS_HOST_MAX - 1);
    host[BB_REDIS_HOST_MAX] = '\0';
    snprintf(addr, sizeof(addr), "unix:%s", host);
    check_bad(addr, UNIX_PATH, "socket path of 256");
}


int
main(void)
{
    test_good();
    test_bad();
    test_lengths();

    return done_testing();
}
