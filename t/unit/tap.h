/*
 * A minimal TAP producer for the C unit tests, so that they need nothing
 * beyond libc and their output can be read by prove or by eye.
 *
 *     ok(cond, "name %d", i);
 *     is_int(got, want, "name");
 *     is_str(got, want, "name");
 *     return done_testing();
 *
 * The plan is printed last ("1..N"), so tests need not count themselves.
 */

#ifndef BB_TAP_H
#define BB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int  tap_run;
static int  tap_failed;


/* Prints the result line and returns cond, so callers can skip follow-ups. */
static inline int
tap_vok(int cond, const char *fmt, va_list args)
{
    tap_run++;

    if (!cond) {
        tap_failed++;
    }

    printf("%sok %d - ", cond ? "" : "not ", tap_run);
    vprintf(fmt, args);
    printf("\n");

    /* Keep the order of our lines and of anything the code under test logs. */
    fflush(stdout);

    return cond;
}


static inline int
tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline int
tap_ok(int cond, const char *fmt, ...)
{
    int      rc;
    va_list  args;

    va_start(args, fmt);
    rc = tap_vok(cond, fmt, args);
    va_end(args);

    return rc;
}

#define ok(cond, ...)  tap_ok(!!(cond), __VA_ARGS__)


static inline void
tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void
tap_diag(const char *fmt, ...)
{
    va_list  args;

    printf("# ");
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
}

#define diag(...)  tap_diag(__VA_ARGS__)


static inline int
is_int(long long got, long long want, const char *name)
{
    if (tap_ok(got == want, "%s", name)) {
        return 1;
    }

    diag("     got: %lld", got);
    diag("    want: %lld", want);

    return 0;
}


/* NULL is a value in its own right here: it equals only NULL. */
static inline int
is_str(const char *got, const char *want, const char *name)
{
    int  same;

    if (got == NULL || want == NULL) {
        same = (got == want);

    } else {
        same = (strcmp(got, want) == 0);
    }

    if (tap_ok(same, "%s", name)) {
        return 1;
    }

    diag("     got: %s%s%s", got ? "\"" : "", got ? got : "NULL",
         got ? "\"" : "");
    diag("    want: %s%s%s", want ? "\"" : "", want ? want : "NULL",
         want ? "\"" : "");

    return 0;
}


/* Prints the plan; the result is main's exit code. */
static inline int
done_testing(void)
{
    printf("1..%d\n", tap_run);

    if (tap_failed) {
        diag("failed %d of %d tests", tap_failed, tap_run);
    }

    fflush(stdout);

    return tap_failed ? 1 : 0;
}

/* 1 when ffmpeg -encoders lists the encoder by that very name, else 0. */
static inline int
tap_has_encoder(const char *encoder)
{
    int    found;
    char   line[512], *p;
    FILE  *f;

    f = popen("ffmpeg -hide_banner -encoders 2>/dev/null", "r");
    if (f == NULL) {
        return 0;
    }

    found = 0;

    while (fgets(line, sizeof(line), f) != NULL) {
        p = strtok(line, " \t\n");
        p = (p != NULL) ? strtok(NULL, " \t\n") : NULL;

        if (p != NULL && strcmp(p, encoder) == 0) {
            found = 1;
        }
    }

    pclose(f);

    return found;
}


/*
 * Runs ffmpeg (quiet, overwriting) with args, then the output dir/name;
 * 0 when it made a non-empty file.  Fixtures are made at test time, so
 * that no binary media sits in the repository.
 */
static inline int
tap_ffmpeg(const char *dir, const char *name, const char *args)
{
    char         cmd[2048], path[512];
    struct stat  st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -loglevel error -y %s%s",
             args, path);

    if (system(cmd) != 0) {
        tap_diag("failed: %s", cmd);
        return -1;
    }

    return stat(path, &st) == 0 && st.st_size > 0 ? 0 : -1;
}


/*
 * Creates a temporary file holding the n bytes of text (NULs included);
 * returns its path, which the caller unlinks and frees, or NULL.
 */
static inline char *
tap_temp_file(const char *text, size_t n)
{
    int    fd;
    char  *path;

    path = strdup("/tmp/bb-unit-XXXXXX");
    if (path == NULL) {
        return NULL;
    }

    fd = mkstemp(path);
    if (fd == -1) {
        free(path);
        return NULL;
    }

    if (write(fd, text, n) != (ssize_t) n) {
        close(fd);
        unlink(path);
        free(path);
        return NULL;
    }

    close(fd);

    return path;
}


#endif /* BB_TAP_H */
