/*
 * store_stats.c - the statistical facts of stored declarations (store.h,
 * "statistics"; src/stats/facts.h; docs/statistics.md).
 *
 * Why chunks of columns: a GROUP BY over ten million declaration rows reads
 * the whole table (their bodies included) and takes seconds, and keeping
 * dozens of pre-aggregated cubes up to date costs an upsert each per
 * declaration.  Instead each put appends its facts to memory; the commit
 * appends them to the open chunk (the last, under BW_FACTS_PER_CHUNK facts)
 * in the same transaction, column by column at the narrowest width
 * (stats_codec.c), and a full chunk is sealed by simply starting the next.
 * A query reads only the columns it groups by, chunk by chunk, skipping
 * chunks outside its days.  Mutable columns (lane, state, inspection,
 * dead) are rewritten in place: one column of one chunk, a few KiB.
 *
 * Strings become codes of stats_codes inside the storing transaction; the
 * codes cached in memory are forgotten on rollback.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stats/facts.h"
#include "sqlite_store.h"
#include "store_lifecycle.h"

#define bind_cstr bw_sqlite_bind_cstr
#define bind_str bw_sqlite_bind_str

static const char KIND_ERROR[] = "error", KIND_PROFILE[] = "profile";
enum { COL_SLOTS = 32 }; /* stats_columns.id = chunk * COL_SLOTS + column */
_Static_assert(BW_FC_N <= 32, "bw_stats_chunk.col and COL_SLOTS hold BW_FC_N columns");

static const char STATS_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS stats_chunks("
    "  id INTEGER PRIMARY KEY, n INTEGER NOT NULL,"
    "  min_day INTEGER NOT NULL, max_day INTEGER NOT NULL,"   /* queries skip chunks outside their days */
    "  min_decl INTEGER NOT NULL, max_decl INTEGER NOT NULL);" /* where a declaration's facts may be */
    "CREATE INDEX IF NOT EXISTS stats_chunks_by_decl ON stats_chunks(max_decl, min_decl);"
    "CREATE TABLE IF NOT EXISTS stats_columns(id INTEGER PRIMARY KEY, bytes BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS stats_codes("
    "  id INTEGER PRIMARY KEY, dim INTEGER NOT NULL, text TEXT NOT NULL, UNIQUE(dim, text));"
    /* small counts by day: error codes per submitter, risk profile hits */
    "CREATE TABLE IF NOT EXISTS stats_counts("
    "  kind TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(kind, a, b, day)) WITHOUT ROWID;"
    /* lifecycle KPIs read these events by period; the received events
     * (one per declaration) stay out of the index, so ingest does not pay */
    "CREATE INDEX IF NOT EXISTS events_arrived ON events(at) WHERE kind = 'arrived';"
    "CREATE INDEX IF NOT EXISTS events_released ON events(declaration, at) WHERE kind = 'released';"
    "CREATE INDEX IF NOT EXISTS events_refunded ON events(at) WHERE kind = 'refunded';";

typedef struct code_slot {
    char *text;     /* NULL: empty slot */
    uint32_t len;
    uint8_t dim;
    int64_t code;
} code_slot;

typedef struct pending_count {
    const char *kind;
    char a[72], b[64];
    int32_t day;
    int64_t n;
} pending_count;

struct bw_stats_store {
    pending_count *counts;     /* error codes and profile hits waiting for the commit */
    size_t n_counts, cap_counts;
    bw_fact *pending;
    size_t n, cap;
    code_slot *codes;
    size_t ncodes, capcodes;
    struct stats_change { int64_t decl, value; size_t seq; int col; } *changes; /* to stored facts, applied at the commit */
    size_t n_changes, cap_changes;
    int64_t *chunk[BW_FC_N];   /* a chunk's columns being read or written */
    int64_t *scratch;
    bw_buf enc;
};

bool bw_sqlite_stats_setup(bw_store *s)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, STATS_SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->error, sizeof s->error, "creating the statistics tables: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return false;
    }
    s->stats = calloc(1, sizeof *s->stats);
    if (!s->stats)
        return false;
    for (int c = 0; c < BW_FC_N; c++)
        if (!(s->stats->chunk[c] = malloc(BW_FACTS_PER_CHUNK * sizeof(int64_t))))
            return false;
    s->stats->scratch = malloc(BW_FACTS_PER_CHUNK * sizeof(int64_t));
    return s->stats->scratch != NULL;
}

static void forget_codes(bw_stats_store *st)
{
    for (size_t i = 0; i < st->capcodes; i++)
        free(st->codes[i].text);
    free(st->codes);
    st->codes = NULL;
    st->ncodes = st->capcodes = 0;
}

void bw_sqlite_stats_close(bw_store *s)
{
    bw_stats_store *st = s->stats;
    if (!st)
        return;
    forget_codes(st);
    free(st->counts);
    free(st->pending);
    free(st->changes);
    for (int c = 0; c < BW_FC_N; c++)
        free(st->chunk[c]);
    free(st->scratch);
    bw_buf_free(&st->enc);
    free(st);
    s->stats = NULL;
}

void bw_sqlite_stats_discard(bw_store *s)
{
    if (!s->stats)
        return;
    s->stats->n = 0;
    s->stats->n_counts = 0;
    s->stats->n_changes = 0;
    forget_codes(s->stats); /* codes made in the rolled-back transaction are gone */
}

/* ---- codes ------------------------------------------------------------------------ */

static uint64_t code_hash(uint8_t dim, bw_str t)
{
    uint64_t h = 1469598103934665603ull ^ dim;
    for (uint32_t i = 0; i < t.n; i++)
        h = (h ^ (uint8_t)t.p[i]) * 1099511628211ull;
    return h;
}

static code_slot *code_find(bw_stats_store *st, uint8_t dim, bw_str t)
{
    if (!st->capcodes)
        return NULL;
    for (size_t i = code_hash(dim, t) & (st->capcodes - 1);; i = (i + 1) & (st->capcodes - 1)) {
        code_slot *c = &st->codes[i];
        if (!c->text || (c->dim == dim && c->len == t.n && !memcmp(c->text, t.p, t.n)))
            return c;
    }
}

static bool code_remember(bw_stats_store *st, uint8_t dim, bw_str t, int64_t code)
{
    if ((st->ncodes + 1) * 2 > st->capcodes) {
        size_t cap = st->capcodes ? st->capcodes * 2 : 256;
        code_slot *old = st->codes;
        size_t oldcap = st->capcodes;
        st->codes = calloc(cap, sizeof *st->codes);
        if (!st->codes)
            return false;
        st->capcodes = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].text)
                *code_find(st, old[i].dim, (bw_str){old[i].text, old[i].len}) = old[i];
        free(old);
    }
    code_slot *c = code_find(st, dim, t);
    c->text = malloc(t.n + 1);
    if (!c->text)
        return false;
    memcpy(c->text, t.p, t.n);
    c->text[t.n] = 0;
    c->len = t.n;
    c->dim = dim;
    c->code = code;
    st->ncodes++;
    return true;
}

/* The code of a string of a dimension, made when new; 0 for an absent
 * string, -1 on a store error. */
static int64_t code_of(bw_store *s, uint8_t dim, bw_str t)
{
    if (!t.p || !t.n)
        return 0;
    code_slot *c = code_find(s->stats, dim, t);
    if (c && c->text)
        return c->code;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO stats_codes(dim, text) VALUES(?1, ?2)"
                                            " ON CONFLICT(dim, text) DO UPDATE SET dim = dim RETURNING id");
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, dim);
    bind_str(st, 2, t);
    int64_t code = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (code < 0)
        return bw_sqlite_error(s, "coding a statistical dimension"), -1;
    return code_remember(s->stats, dim, t, code) ? code : -1;
}

/* ---- counts: error codes per submitter, profile hits ------------------------------- */

/* Counted in memory (a batch repeats the same few keys), written by the commit. */
static bool count(bw_store *s, const char *kind, bw_str a, const char *b, size_t bn, int32_t day)
{
    bw_stats_store *x = s->stats;
    uint32_t an = a.n < 71 ? a.n : 71;
    bn = bn < 63 ? bn : 63;
    for (size_t i = x->n_counts; i-- > 0;) {
        pending_count *c = &x->counts[i];
        if (c->kind == kind && c->day == day && !strncmp(c->a, a.p ? a.p : "", an) && !c->a[an] &&
            !strncmp(c->b, b, bn) && !c->b[bn]) {
            c->n++;
            return true;
        }
    }
    if (x->n_counts == x->cap_counts) {
        size_t cap = x->cap_counts ? x->cap_counts * 2 : 64;
        pending_count *p = realloc(x->counts, cap * sizeof *p);
        if (!p)
            return bw_sqlite_error(s, "out of memory for statistics");
        x->counts = p;
        x->cap_counts = cap;
    }
    pending_count *c = &x->counts[x->n_counts++];
    c->kind = kind;
    snprintf(c->a, sizeof c->a, "%.*s", (int)an, a.p ? a.p : "");
    snprintf(c->b, sizeof c->b, "%.*s", (int)bn, b);
    c->day = day;
    c->n = 1;
    return true;
}

static bool flush_counts(bw_store *s)
{
    bw_stats_store *x = s->stats;
    if (!x->n_counts)
        return true;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO stats_counts(kind, a, b, day, n) VALUES(?1,?2,?3,?4,?5)"
                                            " ON CONFLICT(kind, a, b, day) DO UPDATE SET n = n + excluded.n");
    if (!st)
        return false;
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < x->n_counts && rc == SQLITE_DONE; i++) {
        const pending_count *c = &x->counts[i];
        bind_cstr(st, 1, c->kind);
        bind_cstr(st, 2, c->a);
        bind_cstr(st, 3, c->b);
        sqlite3_bind_int(st, 4, c->day);
        sqlite3_bind_int64(st, 5, c->n);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    x->n_counts = 0;
    return rc == SQLITE_DONE || bw_sqlite_error(s, "counting for statistics");
}

/* Each "code" of the errors array (issues.c writes them as "code":"x"). */
static bool count_errors(bw_store *s, const bw_stats_decl *d)
{
    static const char KEY[] = "\"code\":\"";
    const char *p = d->errors.p, *end = p ? p + d->errors.n : NULL;
    while (p && (p = memmem(p, (size_t)(end - p), KEY, sizeof KEY - 1))) {
        p += sizeof KEY - 1;
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            break;
        if (!count(s, KIND_ERROR, d->submitter, p, (size_t)(q - p), d->day))
            return false;
        p = q;
    }
    return true;
}

/* ---- appending facts ---------------------------------------------------------------- */

static bw_fact *next_fact(bw_stats_store *st)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        bw_fact *p = realloc(st->pending, cap * sizeof *p);
        if (!p)
            return NULL;
        st->pending = p;
        st->cap = cap;
    }
    bw_fact *f = &st->pending[st->n++];
    memset(f, 0, sizeof *f);
    return f;
}

bool bw_sqlite_stats_put(bw_store *s, int64_t decl, const bw_decl_row *r)
{
    const bw_stats_decl *d = r->stats;
    if (!d || !s->stats)
        return true;
    int64_t jur = code_of(s, BW_CODE_JURISDICTION, d->jurisdiction);
    int64_t region = code_of(s, BW_CODE_REGION, d->region);
    int64_t submitter = code_of(s, BW_CODE_SUBMITTER, d->submitter);
    if (jur < 0 || region < 0 || submitter < 0)
        return false;
    uint32_t n = d->n_items ? d->n_items : 1; /* a declaration without items still counts */
    for (uint32_t i = 0; i < n; i++) {
        const bw_stats_item *it = d->n_items ? &d->items[i] : NULL;
        int64_t origin = it ? code_of(s, BW_CODE_ORIGIN, it->origin) : 0;
        bw_fact *f = origin < 0 ? NULL : next_fact(s->stats);
        if (!f)
            return origin < 0 ? false : bw_sqlite_error(s, "out of memory for statistics");
        int64_t *v = f->v;
        v[BW_FC_DECL] = decl;
        v[BW_FC_DAY] = d->day;
        v[BW_FC_FIRST] = i == 0;
        v[BW_FC_ITEM] = it != NULL;
        if (it) {
            v[BW_FC_VALUE] = it->value;
            v[BW_FC_QTY] = it->qty;
            v[BW_FC_WEIGHT] = it->weight;
            v[BW_FC_DUTY] = it->duty;
            v[BW_FC_TAX] = it->tax;
            v[BW_FC_HEADING] = it->heading;
        }
        v[BW_FC_ORIGIN] = origin;
        v[BW_FC_CVALUE] = d->cvalue;
        v[BW_FC_JURISDICTION] = jur;
        v[BW_FC_REGION] = region;
        v[BW_FC_SUBMITTER] = submitter;
        v[BW_FC_MODE] = d->mode;
        v[BW_FC_FLOW] = d->flow;
        v[BW_FC_TXN] = d->txn;
        v[BW_FC_TYPE] = d->type;
        v[BW_FC_IRG] = d->irg;
        v[BW_FC_LANE] = d->lane;
        v[BW_FC_STATUS] = d->status;
        v[BW_FC_STATE] = d->state;
        v[BW_FC_COLLECTION] = d->collection;
        v[BW_FC_COMPLETE] = d->complete;
        v[BW_FC_RANDOM] = d->random;
        const bw_lc_facts *lc = r->lifecycle;
        v[BW_FC_LEAD_LOADING] = lc && lc->has_loading ? lc->lead_loading_s : BW_LEAD_NONE;
        v[BW_FC_LEAD_ARRIVAL] = lc && lc->has_arrival ? lc->lead_arrival_s : BW_LEAD_NONE;
    }
    for (uint32_t i = 0; i < d->n_profiles; i++)
        if (!count(s, KIND_PROFILE, d->jurisdiction, d->profiles[i], strlen(d->profiles[i]), d->day))
            return false;
    return count_errors(s, d);
}

/* ---- chunks --------------------------------------------------------------------------- */

static bool read_column(bw_store *s, int64_t chunk, int col, uint32_t n, int64_t *out)
{
    static const char SQL[] = "SELECT bytes FROM stats_columns WHERE id = ?1"; /* every commit: kept */
    sqlite3_stmt *st = bw_sqlite_cached(s, SQL);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, chunk * COL_SLOTS + col);
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_ROW &&
              bw_stats_col_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), n, out);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE && col >= BW_FC_FIRST_LATER) { /* a chunk written before the column existed */
        for (uint32_t i = 0; i < n; i++)
            out[i] = BW_LEAD_NONE;
        return true;
    }
    if (!ok)
        snprintf(s->error, sizeof s->error, "statistical chunk %lld, column %d, is missing or damaged",
                 (long long)chunk, col);
    return ok;
}

static bool write_column(bw_store *s, int64_t chunk, int col, const int64_t *v, uint32_t n)
{
    bw_stats_store *x = s->stats;
    x->enc.n = 0;
    bw_stats_col_encode(v, n, &x->enc);
    static const char SQL[] = "INSERT OR REPLACE INTO stats_columns(id, bytes) VALUES(?1, ?2)";
    sqlite3_stmt *st = bw_sqlite_cached(s, SQL);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, chunk * COL_SLOTS + col);
    sqlite3_bind_blob(st, 2, x->enc.p, (int)x->enc.n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "writing statistics");
}

static int64_t min_of(const int64_t *v, uint32_t n)
{
    int64_t m = v[0];
    for (uint32_t i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static int64_t max_of(const int64_t *v, uint32_t n)
{
    int64_t m = v[0];
    for (uint32_t i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static bool write_chunk(bw_store *s, int64_t chunk, uint32_t n)
{
    int64_t **c = s->stats->chunk;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT OR REPLACE INTO stats_chunks(id, n, min_day, max_day,"
                                            " min_decl, max_decl) VALUES(?1,?2,?3,?4,?5,?6)");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, chunk);
    sqlite3_bind_int(st, 2, (int)n);
    sqlite3_bind_int64(st, 3, min_of(c[BW_FC_DAY], n));
    sqlite3_bind_int64(st, 4, max_of(c[BW_FC_DAY], n));
    sqlite3_bind_int64(st, 5, min_of(c[BW_FC_DECL], n));
    sqlite3_bind_int64(st, 6, max_of(c[BW_FC_DECL], n));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bw_sqlite_error(s, "writing a statistical chunk");
    for (int col = 0; col < BW_FC_N; col++)
        if (!write_column(s, chunk, col, c[col], n))
            return false;
    return true;
}

/* The last chunk and its fact count; chunk 0 when there is none. */
static bool last_chunk(bw_store *s, int64_t *chunk, uint32_t *n)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, n FROM stats_chunks ORDER BY id DESC LIMIT 1");
    if (!st)
        return false;
    int rc = sqlite3_step(st);
    *chunk = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    *n = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int(st, 1) : BW_FACTS_PER_CHUNK;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || bw_sqlite_error(s, "finding the open statistical chunk");
}

static bool apply_changes(bw_store *s);

bool bw_sqlite_stats_flush(bw_store *s)
{
    bw_stats_store *x = s->stats;
    if (!x)
        return true;
    if (!flush_counts(s) || !apply_changes(s))
        return false;
    if (!x->n)
        return true;
    int64_t chunk;
    uint32_t n;
    if (!last_chunk(s, &chunk, &n))
        return false;
    if (n < BW_FACTS_PER_CHUNK) /* the open chunk: append to it */
        for (int col = 0; col < BW_FC_N; col++)
            if (!read_column(s, chunk, col, n, x->chunk[col]))
                return false;
    size_t done = 0;
    while (done < x->n) {
        if (n == BW_FACTS_PER_CHUNK) { /* sealed: the next one opens */
            chunk++;
            n = 0;
        }
        while (n < BW_FACTS_PER_CHUNK && done < x->n) {
            for (int col = 0; col < BW_FC_N; col++)
                x->chunk[col][n] = x->pending[done].v[col];
            n++;
            done++;
        }
        if (!write_chunk(s, chunk, n))
            return false;
    }
    x->n = 0;
    return true;
}

/* ---- mutable columns ----------------------------------------------------------------- */

/* A change to facts already in chunks waits for the commit, where all the
 * transaction's changes to one chunk cost one read and one write of the
 * columns they touch (an arrival manifest changes a thousand states). */
int bw_sqlite_stats_set(bw_store *s, int64_t decl, int col, int64_t value)
{
    bw_stats_store *x = s->stats;
    if (!x || col < 0 || col >= BW_FC_N)
        return 0;
    int changed = 0;
    for (size_t i = 0; i < x->n; i++)
        if (x->pending[i].v[BW_FC_DECL] == decl) {
            x->pending[i].v[col] = value;
            changed++;
        }
    if (changed)
        return changed; /* not in a chunk yet */
    if (x->n_changes == x->cap_changes) {
        size_t cap = x->cap_changes ? x->cap_changes * 2 : 256;
        void *v = realloc(x->changes, cap * sizeof *x->changes);
        if (!v) {
            snprintf(s->error, sizeof s->error, "out of memory");
            return -1;
        }
        x->changes = v;
        x->cap_changes = cap;
    }
    x->changes[x->n_changes] = (struct stats_change){decl, value, x->n_changes, col};
    x->n_changes++;
    return 1;
}

/* by declaration, then in the order made: the last change of a value wins */
static int by_decl(const void *a, const void *b)
{
    const struct stats_change *x = a, *y = b;
    if (x->decl != y->decl)
        return (x->decl > y->decl) - (x->decl < y->decl);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Applies the changes [from, to) (sorted by declaration) that fall in chunk. */
static bool apply_to_chunk(bw_store *s, int64_t chunk, uint32_t n, size_t from, size_t to)
{
    bw_stats_store *x = s->stats;
    bool touched[BW_FC_N] = {0};
    if (!read_column(s, chunk, BW_FC_DECL, n, x->scratch))
        return false;
    for (size_t k = from; k < to; k++) {
        int col = x->changes[k].col;
        if (!touched[col] && !read_column(s, chunk, col, n, x->chunk[col]))
            return false;
        touched[col] = true;
        for (uint32_t i = 0; i < n; i++)
            if (x->scratch[i] == x->changes[k].decl)
                x->chunk[col][i] = x->changes[k].value;
    }
    for (int col = 0; col < BW_FC_N; col++)
        if (touched[col] && !write_column(s, chunk, col, x->chunk[col], n))
            return false;
    return true;
}

static bool apply_changes(bw_store *s)
{
    bw_stats_store *x = s->stats;
    if (!x->n_changes)
        return true;
    qsort(x->changes, x->n_changes, sizeof *x->changes, by_decl);
    static const char CHUNK_SQL[] = "SELECT id, n, max_decl FROM stats_chunks WHERE max_decl >= ?1 AND min_decl <= ?1"
                                    " ORDER BY max_decl LIMIT 1";
    size_t k = 0;
    while (k < x->n_changes) {
        sqlite3_stmt *st = bw_sqlite_cached(s, CHUNK_SQL);
        if (!st)
            return false;
        sqlite3_bind_int64(st, 1, x->changes[k].decl);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(st);
            if (rc != SQLITE_DONE)
                return bw_sqlite_error(s, "finding a declaration's statistics");
            k++; /* no facts (stored before the statistics): nothing to change */
            continue;
        }
        int64_t chunk = sqlite3_column_int64(st, 0), max_decl = sqlite3_column_int64(st, 2);
        uint32_t n = (uint32_t)sqlite3_column_int(st, 1);
        sqlite3_reset(st);
        size_t end = k;
        while (end < x->n_changes && x->changes[end].decl <= max_decl)
            end++;
        if (!apply_to_chunk(s, chunk, n, k, end))
            return false;
        k = end;
    }
    x->n_changes = 0;
    return true;
}

/* ---- reading --------------------------------------------------------------------------- */

/* A share of a scan: chunks [from, to) of the list, on one connection. */
typedef struct scan_job {
    sqlite3 *db;
    const int64_t (*chunks)[2];   /* id, n */
    size_t from, to;
    const bool *want;
    bool (*each)(void *, const bw_stats_chunk *);
    void *ctx;
    bool ok;
    char error[300];
} scan_job;

static void *scan_chunks(void *arg)
{
    scan_job *j = arg;
    sqlite3_stmt *colst = NULL;
    int64_t *cols[BW_FC_N] = {0};
    j->ok = sqlite3_prepare_v2(j->db, "SELECT bytes FROM stats_columns WHERE id = ?1", -1, &colst, NULL) == SQLITE_OK;
    if (!j->ok)
        snprintf(j->error, sizeof j->error, "reading statistics: %s", sqlite3_errmsg(j->db));
    for (int c = 0; j->ok && c < BW_FC_N; c++)
        if (j->want[c] && !(cols[c] = malloc(BW_FACTS_PER_CHUNK * sizeof(int64_t))))
            j->ok = false, snprintf(j->error, sizeof j->error, "out of memory");
    for (size_t k = j->from; j->ok && k < j->to; k++) {
        bw_stats_chunk ch = {.id = j->chunks[k][0], .n = (uint32_t)j->chunks[k][1]};
        for (int c = 0; j->ok && c < BW_FC_N; c++) {
            if (!j->want[c])
                continue;
            sqlite3_bind_int64(colst, 1, ch.id * COL_SLOTS + c);
            int rc = sqlite3_step(colst);
            j->ok = rc == SQLITE_ROW &&
                    bw_stats_col_decode(sqlite3_column_blob(colst, 0), (size_t)sqlite3_column_bytes(colst, 0), ch.n,
                                        cols[c]);
            sqlite3_reset(colst);
            if (rc == SQLITE_DONE && c >= BW_FC_FIRST_LATER) { /* sealed before the column existed: unknown */
                for (uint32_t i = 0; i < ch.n; i++)
                    cols[c][i] = BW_LEAD_NONE;
                j->ok = true;
            }
            if (!j->ok)
                snprintf(j->error, sizeof j->error, "statistical chunk %lld, column %d, is missing or damaged",
                         (long long)ch.id, c);
            ch.col[c] = cols[c];
        }
        if (j->ok && !j->each(j->ctx, &ch))
            j->ok = false, snprintf(j->error, sizeof j->error, "statistics: out of memory while grouping");
    }
    for (int c = 0; c < BW_FC_N; c++)
        free(cols[c]);
    sqlite3_finalize(colst);
    return NULL;
}

/* A second, read-only connection for a helper thread, in a read
 * transaction of its own; NULL when it cannot be had (then one thread
 * scans everything). */
static sqlite3 *helper_connection(bw_store *s)
{
    const char *path = sqlite3_db_filename(s->db, "main");
    sqlite3 *db = NULL;
    if (!path || !*path || sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA mmap_size=68719476736; BEGIN; SELECT count(*) FROM stats_chunks", NULL, NULL,
                     NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

bool bw_store_stats_scan(bw_store *s, int32_t day_from, int32_t day_to, const bool want[],
                         bool (*each)(void *ctx, const bw_stats_chunk *c), void *const ctxs[], int n_ctx)
{
    /* reading through a memory map saves copying every page (most of the
     * time of a scan); SQLite caps the map (2 GiB as Debian builds it) */
    sqlite3_exec(s->db, "PRAGMA mmap_size=68719476736", NULL, NULL, NULL);
    bool own = sqlite3_get_autocommit(s->db); /* one snapshot for the list and this thread's chunks */
    if (own && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return bw_sqlite_error(s, "starting to read statistics");
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, n FROM stats_chunks WHERE max_day >= ?1 AND min_day <= ?2"
                                            " ORDER BY id");
    int64_t (*chunks)[2] = NULL;
    size_t n = 0, cap = 0;
    bool ok = st != NULL;
    int rc = SQLITE_DONE;
    if (ok) {
        sqlite3_bind_int64(st, 1, day_from);
        sqlite3_bind_int64(st, 2, day_to);
    }
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            int64_t (*p)[2] = realloc(chunks, cap * sizeof *p);
            if (!p) {
                ok = bw_sqlite_error(s, "out of memory");
                break;
            }
            chunks = p;
        }
        chunks[n][0] = sqlite3_column_int64(st, 0);
        chunks[n][1] = sqlite3_column_int(st, 1);
        n++;
    }
    if (ok && rc != SQLITE_DONE)
        ok = bw_sqlite_error(s, "reading statistics");
    sqlite3_finalize(st);
    /* Two threads when asked and worth it: the helper takes the first half,
     * every chunk of which is sealed (only the last can be open), so its own
     * snapshot holds them with the same fact counts. */
    scan_job jobs[2] = {{.db = s->db, .chunks = (const int64_t (*)[2])chunks, .from = 0, .to = n, .want = want,
                         .each = each, .ctx = ctxs[0]}};
    pthread_t helper;
    bool threaded = false;
    if (ok && n_ctx >= 2 && n >= 8 && (jobs[1].db = helper_connection(s))) {
        jobs[1] = (scan_job){.db = jobs[1].db, .chunks = jobs[0].chunks, .from = 0, .to = n / 2, .want = want,
                             .each = each, .ctx = ctxs[1]};
        jobs[0].from = n / 2;
        threaded = pthread_create(&helper, NULL, scan_chunks, &jobs[1]) == 0;
        if (!threaded) {
            sqlite3_close(jobs[1].db);
            jobs[0].from = 0;
        }
    }
    if (ok)
        scan_chunks(&jobs[0]);
    if (threaded) {
        pthread_join(helper, NULL);
        sqlite3_exec(jobs[1].db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(jobs[1].db);
    }
    if (ok && (!jobs[0].ok || (threaded && !jobs[1].ok)))
        ok = false, snprintf(s->error, sizeof s->error, "%s", !jobs[0].ok ? jobs[0].error : jobs[1].error);
    free(chunks);
    if (own)
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}

bool bw_store_stats_codes(bw_store *s, void (*each)(void *, int dim, int64_t code, const char *text), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT dim, id, text FROM stats_codes");
    if (!st)
        return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2));
    return bw_sqlite_finish(s, st, rc, "reading statistical codes");
}

bool bw_store_stats_counts(bw_store *s, const char *kind, int32_t day_from, int32_t day_to,
                           void (*each)(void *, const char *a, const char *b, int64_t n), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT a, b, sum(n) FROM stats_counts WHERE kind = ?1"
                                            " AND day BETWEEN ?2 AND ?3 GROUP BY a, b ORDER BY a, sum(n) DESC, b");
    if (!st)
        return false;
    bind_cstr(st, 1, kind);
    sqlite3_bind_int64(st, 2, day_from);
    sqlite3_bind_int64(st, 3, day_to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
             sqlite3_column_int64(st, 2));
    return bw_sqlite_finish(s, st, rc, "reading statistical counts");
}

/* ---- lifecycle, for KPIs ----------------------------------------------------------------- */

int bw_store_event_append(bw_store *s, const char *submitter, const char *declaration_id, const bw_event *e)
{
    if (!bw_store_begin(s))
        return -1;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id FROM declarations WHERE submitter = ?1 AND declaration_id = ?2");
    int64_t id = 0;
    if (st) {
        bind_cstr(st, 1, submitter);
        bind_cstr(st, 2, declaration_id);
        id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
    }
    sqlite3_stmt *ins = id > 0 ? bw_sqlite_prepare(s, "INSERT INTO events(declaration, at, actor, kind, status, detail)"
                                                      " VALUES(?1,?2,?3,?4,?5,?6)")
                               : NULL;
    int r = id > 0 ? 1 : st ? 0 : -1;
    if (ins) {
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_int64(ins, 2, e->at);
        bind_cstr(ins, 3, e->actor ? e->actor : "customs");
        bind_cstr(ins, 4, e->kind);
        bind_cstr(ins, 5, e->status);
        bind_cstr(ins, 6, e->detail);
        r = sqlite3_step(ins) == SQLITE_DONE ? 1 : (bw_sqlite_error(s, "recording the event"), -1);
        sqlite3_finalize(ins);
    } else if (id > 0) {
        r = -1;
    }
    /* the state after the event is the lifecycle state statistics group by */
    uint8_t state = bw_stats_name_code(bw_stats_state_names, e->status);
    if (r == 1 && state && bw_sqlite_stats_set(s, id, BW_FC_STATE, state) < 0)
        r = -1;
    if (r == 1 && !bw_store_commit(s))
        r = -1;
    if (r != 1)
        bw_store_rollback(s);
    return r;
}

static bool has_column(bw_store *s, const char *column)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT count(*) FROM pragma_table_info('declarations') WHERE name = ?1");
    if (!st)
        return false;
    bind_cstr(st, 1, column);
    bool yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return yes;
}

bool bw_store_lifecycle_columns(bw_store *s)
{
    return has_column(s, "lead_loading_s") && has_column(s, "lead_arrival_s");
}

/* Prepares a KPI query over a period: ?1 from, ?2 to, ?3 the jurisdiction
 * (NULL: every one). */
static sqlite3_stmt *prepare_window(bw_store *s, const char *sql, bw_time from, bw_time to, const char *jurisdiction)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, sql);
    if (st) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
        bind_cstr(st, 3, jurisdiction);
    }
    return st;
}

bool bw_store_release_times(bw_store *s, bw_time from, bw_time to, const char *jurisdiction,
                            void (*each)(void *, bw_time arrived, bw_time released), void *ctx)
{
    sqlite3_stmt *st = prepare_window(
        s, "SELECT min(a.at), (SELECT min(r.at) FROM events r WHERE r.declaration = a.declaration"
           "   AND r.kind = 'released' AND r.at >= min(a.at))"
           " FROM events a JOIN declarations d ON d.id = a.declaration"
           " WHERE a.kind = 'arrived' AND a.at >= ?1 AND a.at < ?2 AND (?3 IS NULL OR d.jurisdiction = ?3)"
           " GROUP BY a.declaration",
        from, to, jurisdiction);
    if (!st)
        return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, sqlite3_column_int64(st, 0),
             sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1));
    return bw_sqlite_finish(s, st, rc, "reading release times");
}

bool bw_store_refunds(bw_store *s, bw_time from, bw_time to, const char *jurisdiction, int64_t *events,
                      int64_t *declarations)
{
    sqlite3_stmt *st = prepare_window(
        s, "SELECT count(*), count(DISTINCT e.declaration) FROM events e JOIN declarations d ON d.id = e.declaration"
           " WHERE e.kind = 'refunded' AND e.at >= ?1 AND e.at < ?2 AND (?3 IS NULL OR d.jurisdiction = ?3)",
        from, to, jurisdiction);
    if (!st)
        return false;
    int rc = sqlite3_step(st);
    *events = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    *declarations = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || bw_sqlite_error(s, "reading refunds");
}
