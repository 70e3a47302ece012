/*
 * The devices the SRT ingest lets in: see bb_registry.h.
 */

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "bb_daemon.h"
#include "bb_registry.h"

#define BB_REGISTRY_FULL_S      300   /* a full reload at least this often */
#define BB_REGISTRY_RETRY_S     1
#define BB_REGISTRY_BUCKETS_MIN 1024
#define BB_REGISTRY_SALT_LEN    32

typedef struct bb_registry_entry_s  bb_registry_entry_t;

struct bb_registry_entry_s {
    bb_registry_entry_t  *next;
    char                  id[BB_DEVICE_ID_MAX + 1];
    char                  salt[BB_REGISTRY_SALT_LEN + 1];
};

/* A chained hash table of device id to salt. */
typedef struct {
    bb_registry_entry_t  **buckets;
    size_t                 n;          /* a power of two */
} bb_registry_table_t;

struct bb_registry_s {
    pthread_t              thread;
    pthread_mutex_t        lock;       /* guards table and ready */
    bb_registry_table_t    table;
    int                    ready;
    volatile int           stopping;

    char                  *conninfo;
    unsigned char          secret[1024];
    size_t                 secret_len;
    bb_registry_gone_pt    gone;
    void                  *data;
};


static size_t
bb_registry_hash(const char *id, size_t n)
{
    uint32_t  h;

    /* FNV-1a: device ids are short and chosen by no attacker that gains
     * anything from collisions but a slower lookup of its own. */
    for (h = 2166136261u; *id; id++) {
        h = (h ^ (unsigned char) *id) * 16777619u;
    }

    return h & (n - 1);
}


static bb_registry_entry_t **
bb_registry_slot(bb_registry_table_t *t, const char *id)
{
    bb_registry_entry_t  **e;

    for (e = &t->buckets[bb_registry_hash(id, t->n)]; *e; e = &(*e)->next) {
        if (strcmp((*e)->id, id) == 0) {
            break;
        }
    }

    return e;
}


static int
bb_registry_table_init(bb_registry_table_t *t, size_t count)
{
    for (t->n = BB_REGISTRY_BUCKETS_MIN; t->n < count * 2; t->n *= 2) {
        /* void */
    }

    t->buckets = calloc(t->n, sizeof(bb_registry_entry_t *));

    return t->buckets == NULL ? -1 : 0;
}


static void
bb_registry_table_free(bb_registry_table_t *t)
{
    size_t                i;
    bb_registry_entry_t  *e, *next;

    for (i = 0; t->buckets != NULL && i < t->n; i++) {
        for (e = t->buckets[i]; e; e = next) {
            next = e->next;
            free(e);
        }
    }

    free(t->buckets);
    t->buckets = NULL;
}


/* Sets id's salt (NULL: removes id).  Returns 1 if id had another salt. */
static int
bb_registry_table_set(bb_registry_table_t *t, const char *id,
    const char *salt)
{
    int                    changed;
    bb_registry_entry_t  **slot, *e;

    slot = bb_registry_slot(t, id);
    e = *slot;
    changed = e != NULL && (salt == NULL || strcmp(e->salt, salt) != 0);

    if (salt == NULL) {
        if (e != NULL) {
            *slot = e->next;
            free(e);
        }

        return changed;
    }

    if (e == NULL) {
        e = calloc(1, sizeof(*e));
        if (e == NULL) {
            return 0;
        }

        strcpy(e->id, id);
        *slot = e;
    }

    strcpy(e->salt, salt);

    return changed;
}


/* 1 when a row's id and salt have the shapes the schema checks. */
static int
bb_registry_row_valid(const char *id, const char *salt)
{
    return strlen(id) <= BB_DEVICE_ID_MAX
           && strlen(salt) == BB_REGISTRY_SALT_LEN;
}


/* Loads every device into a new table and swaps it in. */
static int
bb_registry_load_all(bb_registry_t *reg, PGconn *conn)
{
    int                  i, rows;
    PGresult            *res;
    bb_registry_table_t  fresh, old;

    res = PQexec(conn, "SELECT device_id, key_salt FROM devices");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        bb_log("error", "ingest: cannot load devices: %s",
               PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }

    rows = PQntuples(res);

    if (bb_registry_table_init(&fresh, (size_t) rows) != 0) {
        PQclear(res);
        return -1;
    }

    for (i = 0; i < rows; i++) {
        if (bb_registry_row_valid(PQgetvalue(res, i, 0),
                                  PQgetvalue(res, i, 1)))
        {
            (void) bb_registry_table_set(&fresh, PQgetvalue(res, i, 0),
                                         PQgetvalue(res, i, 1));
        }
    }

    PQclear(res);

    pthread_mutex_lock(&reg->lock);
    old = reg->table;
    reg->table = fresh;

    if (!reg->ready) {
        bb_log("notice", "ingest: %d devices registered", rows);
    }

    reg->ready = 1;
    pthread_mutex_unlock(&reg->lock);

    bb_registry_table_free(&old);

    return 0;
}


/* Reloads one device named by a notification. */
static int
bb_registry_load_one(bb_registry_t *reg, PGconn *conn, const char *id)
{
    int          changed;
    PGresult    *res;
    const char  *salt, *params[1];

    if (!bb_device_id_valid(id)) {
        return 0;
    }

    params[0] = id;

    res = PQexecParams(conn,
                       "SELECT key_salt FROM devices WHERE device_id = $1",
                       1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        bb_log("error", "ingest: cannot load device \"%s\": %s", id,
               PQerrorMessage(conn));
        PQclear(res);
        return -1;
    }

    salt = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : NULL;

    if (salt != NULL && !bb_registry_row_valid(id, salt)) {
        salt = NULL;
    }

    pthread_mutex_lock(&reg->lock);
    changed = bb_registry_table_set(&reg->table, id, salt);
    pthread_mutex_unlock(&reg->lock);

    PQclear(res);

    if (changed) {
        reg->gone(id, reg->data);
    }

    return 0;
}


static PGconn *
bb_registry_connect(bb_registry_t *reg)
{
    PGconn      *conn;
    PGresult    *res;
    const char  *keys[] = { "dbname", "connect_timeout",
                            "application_name", NULL };
    const char  *values[] = { reg->conninfo, "5", "bb-ingest registry",
                              NULL };

    conn = PQconnectdbParams(keys, values, 1);

    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        return NULL;
    }

    res = PQexec(conn, "LISTEN bb_devices");

    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        PQclear(res);
        PQfinish(conn);
        return NULL;
    }

    PQclear(res);

    return conn;
}


/* Follows notifications until the connection breaks or we stop. */
static void
bb_registry_follow(bb_registry_t *reg, PGconn *conn)
{
    time_t          full;
    PGnotify       *n;
    struct pollfd   pfd;

    full = time(NULL);

    while (!reg->stopping) {
        pfd.fd = PQsocket(conn);
        pfd.events = POLLIN;

        if (poll(&pfd, 1, 1000) > 0 && !PQconsumeInput(conn)) {
            return;
        }

        while ((n = PQnotifies(conn)) != NULL) {
            if (bb_registry_load_one(reg, conn, n->extra) != 0) {
                PQfreemem(n);
                return;
            }

            PQfreemem(n);
        }

        if (time(NULL) - full >= BB_REGISTRY_FULL_S) {
            if (bb_registry_load_all(reg, conn) != 0) {
                return;
            }

            full = time(NULL);
        }

        if (PQstatus(conn) != CONNECTION_OK) {
            return;
        }
    }
}


static void *
bb_registry_run(void *data)
{
    bb_registry_t  *reg = data;
    PGconn         *conn;
    int             failing;

    failing = 0;

    while (!reg->stopping) {
        conn = bb_registry_connect(reg);

        if (conn != NULL && bb_registry_load_all(reg, conn) == 0) {
            if (failing) {
                bb_log("notice", "ingest: the device registry is back");
            }

            failing = 0;
            bb_registry_follow(reg, conn);
        }

        if (!reg->stopping && !failing) {
            /* Devices known already keep connecting meanwhile. */
            bb_log("error", "ingest: the device registry lost PostgreSQL: "
                   "%s; retrying every %d s",
                   conn ? PQerrorMessage(conn) : "cannot connect",
                   BB_REGISTRY_RETRY_S);
            failing = 1;
        }

        PQfinish(conn);

        if (!reg->stopping) {
            sleep(BB_REGISTRY_RETRY_S);
        }
    }

    return NULL;
}


bb_registry_t *
bb_registry_start(const char *conninfo, const unsigned char *secret,
    size_t secret_len, bb_registry_gone_pt gone, void *data)
{
    bb_registry_t  *reg;

    reg = calloc(1, sizeof(*reg));

    if (reg == NULL || secret_len > sizeof(reg->secret)
        || (reg->conninfo = strdup(conninfo)) == NULL
        || bb_registry_table_init(&reg->table, 0) != 0)
    {
        bb_log("emerg", "ingest: cannot start the device registry");
        bb_registry_stop(reg);
        return NULL;
    }

    memcpy(reg->secret, secret, secret_len);
    reg->secret_len = secret_len;
    reg->gone = gone;
    reg->data = data;
    pthread_mutex_init(&reg->lock, NULL);

    if (pthread_create(&reg->thread, NULL, bb_registry_run, reg) != 0) {
        bb_log("emerg", "ingest: cannot start the device registry thread");
        pthread_mutex_destroy(&reg->lock);
        reg->thread = 0;
        bb_registry_stop(reg);
        return NULL;
    }

    return reg;
}


int
bb_registry_key(bb_registry_t *reg, const char *device_id, char *key)
{
    int                    found;
    char                   salt[BB_REGISTRY_SALT_LEN + 1];
    bb_registry_entry_t  **slot;

    if (!bb_device_id_valid(device_id)) {
        return -1;
    }

    pthread_mutex_lock(&reg->lock);
    slot = bb_registry_slot(&reg->table, device_id);
    found = *slot != NULL;

    if (found) {
        strcpy(salt, (*slot)->salt);
    }

    pthread_mutex_unlock(&reg->lock);

    if (!found) {
        return -1;
    }

    return bb_device_key(reg->secret, reg->secret_len, device_id, salt, key);
}


int
bb_registry_ready(bb_registry_t *reg)
{
    int  ready;

    pthread_mutex_lock(&reg->lock);
    ready = reg->ready;
    pthread_mutex_unlock(&reg->lock);

    return ready;
}


void
bb_registry_stop(bb_registry_t *reg)
{
    if (reg == NULL) {
        return;
    }

    if (reg->thread) {
        reg->stopping = 1;
        pthread_join(reg->thread, NULL);
        pthread_mutex_destroy(&reg->lock);
    }

    bb_registry_table_free(&reg->table);
    free(reg->conninfo);
    memset(reg->secret, 0, sizeof(reg->secret));
    free(reg);
}
