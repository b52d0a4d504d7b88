/*
 * cmd_ingest.c - `breakwater ingest [--db PATH] FILE|-`: validate, decide
 * and store a stream of declarations.
 *
 * Two threads, because one core cannot both decode and write at the rate
 * the store can take: the reading thread decodes, validates, decides and
 * encodes a batch while the writing thread stores the previous one (the
 * batches alternate between two buffers).  Compressing the bodies is the
 * costliest step and is shared between the two: the reader packs a share
 * of the records and the store packs the rest as it puts them; the share
 * moves towards whichever thread waits for the other.  A batch is one transaction of
 * up to BATCH records or BATCH_SECONDS of input, and its result lines are
 * written only after its commit: a result line is a promise that the
 * outcome is on disk.  If a commit fails the batch is rolled back, its
 * results are not written, and the command stops with exit 2.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../pipeline/row.h"
#include "../risk/engine.h"
#include "../risk/records.h"
#include "cli.h"

#define BATCH 5000
#define BATCH_SECONDS 0.5

static const char HELP[] =
    "usage: breakwater ingest [OPTIONS] FILE|-\n\n"
    "Decodes, validates and decides declarations (one JSON object, a JSON array, or\n"
    "NDJSON, of any size) and stores each with its outcome.  Rejected declarations\n"
    "are stored as rejected with their errors.  Resubmitting a declaration id with\n"
    "identical content stores nothing and answers with the first result; with other\n"
    "content it is a conflict and the original stays (a rejected declaration may be\n"
    "replaced by a corrected one).\n\n"
    "options:\n"
    "  --db PATH         the SQLite database (default: breakwater.db)\n"
    "  --results FILE    write one NDJSON result per record to FILE (- for stdout)\n"
    "  --as-of TIME      assess as on this date (default: now)\n"
    "  --data DIR        breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR     external reference data, laid out like shared/data\n"
    "                    (default: $BREAKWATER_REFDATA)\n"
    "  --quiet           no progress bar\n"
    "  --help            this text\n\n"
    "A summary goes to standard error; a progress bar too when it is a terminal.\n"
    "exit status: 0 all accepted, 1 some rejected or in conflict, 2 usage or I/O error\n";

/* One record as handed from the reading thread to the writing thread.
 * Everything it points to lives in its batch's arena. */
typedef struct entry {
    bool storable;        /* false: report only (no submitter or id to key it) */
    bw_status status;
    bw_decl_row row;
    uint64_t index, line;
    const char *result;   /* the open result line (see cli_result_json) */
    uint32_t result_len;
} entry;

typedef struct batch {
    entry *v;
    uint32_t n, cap;
    bw_arena arena;
    bw_buf out;           /* result lines, written after commit */
} batch;

typedef struct counts {
    uint64_t n, accepted, rejected, duplicates, conflicts, amended, not_storable;
} counts;

/* The hand-over between the two threads: the reader fills one batch while
 * the writer stores the other. */
typedef struct ingest {
    bw_store *store;
    FILE *results;
    counts c;
    bool failed;          /* the writer hit a store error: stop reading */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *full;          /* waiting for the writer, or NULL */
    bool done;            /* no more batches */
    unsigned pack_share;  /* eighths of the records the reader packs (reader's own) */
} ingest;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the writing thread --------------------------------------------------- */

static void put_result_line(bw_buf *out, const entry *e, bw_put_result put, const bw_prior *prior)
{
    if (put == BW_PUT_DUPLICATE || put == BW_PUT_CONFLICT) {
        bw_first_result first = {prior->status, prior->category, prior->received_at, prior->errors,
                                 prior->warnings};
        (put == BW_PUT_DUPLICATE ? bw_result_duplicate : bw_result_conflict)(
            out, e->index, e->line, e->row.submitter, e->row.declaration_id, &first);
    } else {
        bw_buf_put(out, e->result, e->result_len);
        if (e->storable)
            bw_result_settled(out, prior->settlement, prior->settlement_detail, prior->over_limit, &e->row);
        bw_result_close(out, e->storable ? bw_outcome_name(put) : "not_stored");
    }
}

/* Stores one entry, counts it and appends its result line when results
 * are wanted; false on a store error. */
static bool store_entry(ingest *g, batch *b, const entry *e, counts *c)
{
    bw_prior prior;
    bw_put_result put = BW_PUT_STORED;
    c->n++;
    if (e->storable) {
        put = bw_store_put(g->store, &e->row, &prior);
        if (put == BW_PUT_FAILED) {
            fprintf(stderr, "breakwater ingest: record %llu: %s\n", (unsigned long long)e->index,
                    bw_store_error(g->store));
            return false;
        }
    } else {
        c->not_storable++;
    }
    c->duplicates += put == BW_PUT_DUPLICATE;
    /* a duplicate answers with the first result, rejected ones included */
    c->rejected += put == BW_PUT_DUPLICATE && strcmp(prior.status, "accepted") != 0;
    c->conflicts += put == BW_PUT_CONFLICT;
    c->amended += put == BW_PUT_AMENDED;
    if (put == BW_PUT_STORED || put == BW_PUT_AMENDED) {
        c->accepted += e->status == BW_STATUS_ACCEPTED;
        c->rejected += e->status != BW_STATUS_ACCEPTED;
    }
    if (g->results)
        put_result_line(&b->out, e, put, &prior);
    return true;
}

/* One transaction for the whole batch; counts and results only count once
 * it is committed. */
static bool store_batch(ingest *g, batch *b)
{
    counts c = {0};
    b->out.n = 0;
    if (!bw_store_begin(g->store)) {
        fprintf(stderr, "breakwater ingest: %s\n", bw_store_error(g->store));
        return false;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        if (!store_entry(g, b, &b->v[i], &c)) {
            bw_store_rollback(g->store);
            return false;
        }
    }
    if (!bw_store_commit(g->store)) {
        fprintf(stderr, "breakwater ingest: %s; the last %u records were not stored\n",
                bw_store_error(g->store), b->n);
        bw_store_rollback(g->store);
        return false;
    }
    if (g->results)
        fwrite(b->out.p, 1, b->out.n, g->results);
    b->out.n = 0;
    g->c.n += c.n;
    g->c.accepted += c.accepted;
    g->c.rejected += c.rejected;
    g->c.duplicates += c.duplicates;
    g->c.conflicts += c.conflicts;
    g->c.amended += c.amended;
    g->c.not_storable += c.not_storable;
    if (!bw_records_after_store(g->store, NULL, &b->v->row, b->n, sizeof *b->v)) {
        fprintf(stderr, "breakwater ingest: records: %s\n", bw_store_error(g->store));
        return false;
    }
    return true;
}

static void *writer_main(void *arg)
{
    ingest *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        while (!g->full && !g->done)
            pthread_cond_wait(&g->cv, &g->mu);
        if (!g->full)
            break;
        batch *b = g->full;
        pthread_mutex_unlock(&g->mu);
        bool ok = store_batch(g, b);
        pthread_mutex_lock(&g->mu);
        g->full = NULL;
        g->failed |= !ok;
        pthread_cond_broadcast(&g->cv);
        if (!ok)
            break;
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* Hands a filled batch to the writer once it has finished the previous
 * one; false if the writer failed.  Waiting here means the writer is the
 * slower: the reader takes a larger share of the packing, else a smaller. */
static bool hand_over(ingest *g, batch *b)
{
    pthread_mutex_lock(&g->mu);
    if (g->full && g->pack_share < 8)
        g->pack_share++;
    else if (!g->full && g->pack_share > 0)
        g->pack_share--;
    while (g->full && !g->failed)
        pthread_cond_wait(&g->cv, &g->mu);
    if (!g->failed) {
        g->full = b;
        pthread_cond_broadcast(&g->cv);
    }
    bool ok = !g->failed;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

/* Waits until the writer holds no batch (so `b` may be refilled). */
static bool wait_writer(ingest *g)
{
    pthread_mutex_lock(&g->mu);
    while (g->full && !g->failed)
        pthread_cond_wait(&g->cv, &g->mu);
    bool ok = !g->failed;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

/* ---- the reading thread --------------------------------------------------- */

/* Scratch buffers of the reading thread, reused for every record. */
typedef struct scratch {
    bw_row_scratch row;
    bw_buf result, packed;
    uint64_t n_seen;
} scratch;

/* Adds a record to the batch with everything the writer needs; the reader
 * packs a share of the bodies itself (see the top of this file).  false if
 * packing failed. */
static bool add_entry(const ingest *g, batch *b, bw_record *rec, const bw_outcome *oc, scratch *s)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->v = realloc(b->v, b->cap * sizeof *b->v);
    }
    entry *e = &b->v[b->n++];
    memset(e, 0, sizeof *e);
    e->index = rec->index;
    e->line = rec->line;
    e->status = oc->status;
    if (g->results) { /* result lines cost a tenth of the work: only on request */
        s->result.n = 0;
        bw_result_open(rec, oc, &s->result);
        e->result = bw_arena_strdup(&b->arena, s->result.p, s->result.n);
        e->result_len = (uint32_t)s->result.n;
    }
    e->storable = bw_row_storable(rec);
    if (!e->storable)
        return true;
    bool reader_packs = s->n_seen++ % 8 < g->pack_share;
    /* the actor is the submitter in its declared role, as the API records
     * the key's role */
    const bw_enum *role = &rec->decl.submitter.role;
    char kind[24];
    snprintf(kind, sizeof kind, "%.*s", role->raw.p && role->value != BW_ENUM_INVALID ? (int)role->raw.n : 9,
             role->raw.p && role->value != BW_ENUM_INVALID ? role->raw.p : "submitter");
    bw_row_build(rec, oc, kind, &b->arena, &s->row, !reader_packs, &e->row);
    return !reader_packs || bw_row_pack(g->store, &e->row, &b->arena, &s->packed);
}

/* A one-line progress bar on a terminal: records, rate, and with a file of
 * known size the share read and an ETA. */
static void progress(uint64_t n, double t0, off_t size, uint64_t offset)
{
    double el = now_s() - t0, rate = el > 0 ? n / el : 0;
    if (size > 0) {
        double f = (double)offset / (double)size;
        int w = (int)(f * 30);
        double eta = f > 0 ? el / f - el : 0;
        fprintf(stderr, "\r[%.*s%*s] %3.0f%% %llu records %.0f/s ETA %.0fs ", w,
                "##############################", 30 - w, "", f * 100, (unsigned long long)n, rate, eta);
    } else {
        fprintf(stderr, "\r%llu records %.0f/s ", (unsigned long long)n, rate);
    }
}

typedef struct run_opts {
    bw_pipeline pipe;
    bool bar;
    off_t size;
} run_opts;

/* Reads every record, filling batches alternately; 0 ok, -1 read error,
 * -2 store error. */
static int read_all(ingest *g, bw_reader *r, const run_opts *o)
{
    batch bufs[2] = {0};
    bw_arena_init(&bufs[0].arena);
    bw_arena_init(&bufs[1].arena);
    scratch s = {0};
    bw_record rec;
    bw_record_init(&rec);
    int cur = 0, got, rc = 0;
    uint64_t n = 0;
    double t0 = now_s(), shown = t0, started = t0;
    while ((got = bw_reader_next(r, &rec)) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&o->pipe, &rec, &oc);
        if (!add_entry(g, &bufs[cur], &rec, &oc, &s)) {
            fprintf(stderr, "breakwater ingest: %s\n", bw_store_error(g->store));
            rc = -2;
            break;
        }
        n++;
        if (bufs[cur].n >= BATCH || ((n & 255) == 0 && now_s() - started > BATCH_SECONDS)) {
            /* hand_over returns once the writer is done with the other
             * buffer, so it can be refilled */
            if (!hand_over(g, &bufs[cur])) {
                rc = -2;
                break;
            }
            cur ^= 1;
            bufs[cur].n = 0;
            bw_arena_reset(&bufs[cur].arena);
            started = now_s();
        }
        if (o->bar && (n & 1023) == 0 && now_s() - shown > 0.2) {
            progress(n, t0, o->size, rec.offset);
            shown = now_s();
        }
    }
    if (rc == 0 && got < 0)
        rc = -1;
    if (rc == 0 && bufs[cur].n > 0 && !hand_over(g, &bufs[cur]))
        rc = -2;
    if (!wait_writer(g) && rc == 0)
        rc = -2;
    if (o->bar)
        fputs("\r\033[K", stderr);
    for (int i = 0; i < 2; i++) {
        free(bufs[i].v);
        bw_arena_free(&bufs[i].arena);
        bw_buf_free(&bufs[i].out);
    }
    bw_row_scratch_free(&s.row);
    bw_buf_free(&s.result);
    bw_buf_free(&s.packed);
    bw_record_free(&rec);
    return rc;
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'},   {"results", required_argument, 0, 'o'},
        {"as-of", required_argument, 0, 'a'}, {"data", required_argument, 0, 'd'},
        {"refdata", required_argument, 0, 'r'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0},
    };
    cli_common c = {.db = "breakwater.db"};
    const char *results = NULL;
    bool quiet = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': c.db = optarg; break;
        case 'o': results = optarg; break;
        case 'a': if (!cli_parse_as_of("ingest", optarg, &c)) return EXIT_USAGE; break;
        case 'd': c.datadir = optarg; break;
        case 'r': c.refdir = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("ingest", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("ingest", "name one input FILE, or - for standard input");

    ingest g = {.pack_share = 4};
    pthread_mutex_init(&g.mu, NULL);
    pthread_cond_init(&g.cv, NULL);
    int rc = EXIT_USAGE, fd = -1;
    bw_reader *r = NULL;
    char err[1024];
    bw_refdata *rd = cli_load_refdata("ingest", &c);
    bw_risk_engine *risk = rd ? cli_load_risk("ingest", &c) : NULL;
    if (!risk)
        goto out;
    if (!(g.store = bw_store_open(c.db, err, sizeof err))) {
        fprintf(stderr, "breakwater ingest: %s\n", err);
        goto out;
    }
    if (!cli_risk_restore("ingest", risk, g.store))
        goto out;
    if (results && !(g.results = strcmp(results, "-") ? fopen(results, "w") : stdout)) {
        fprintf(stderr, "breakwater ingest: %s: cannot write results\n", results);
        goto out;
    }
    if ((fd = cli_open_input("ingest", argv[optind])) < 0)
        goto out;
    struct stat sb;
    run_opts ro = {
        .pipe = {.rd = rd, .as_of = c.as_of, .risk = risk},
        .bar = !quiet && isatty(STDERR_FILENO),
        .size = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : 0,
    };
    r = bw_reader_new(fd, NULL);
    pthread_t writer;
    if (pthread_create(&writer, NULL, writer_main, &g) != 0) {
        fprintf(stderr, "breakwater ingest: cannot start the writer thread\n");
        goto out;
    }
    double t0 = now_s();
    int read_rc = read_all(&g, r, &ro);
    pthread_mutex_lock(&g.mu);
    g.done = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(writer, NULL);
    double el = now_s() - t0;
    if (read_rc == -1)
        fprintf(stderr, "breakwater ingest: %s\n", bw_reader_error(r));
    fprintf(stderr,
            "ingest: %llu records: %llu accepted, %llu rejected, %llu duplicates, %llu conflicts"
            " (%llu amended, %llu not storable) in %.2f s, %.0f records/s\n",
            (unsigned long long)g.c.n, (unsigned long long)g.c.accepted,
            (unsigned long long)g.c.rejected, (unsigned long long)g.c.duplicates,
            (unsigned long long)g.c.conflicts, (unsigned long long)g.c.amended,
            (unsigned long long)g.c.not_storable, el, el > 0 ? g.c.n / el : 0);
    rc = read_rc ? EXIT_USAGE : g.c.rejected || g.c.conflicts ? EXIT_REJECTED : EXIT_OK;
    if (!cli_risk_save("ingest", risk, g.store))
        rc = EXIT_USAGE;
out:
    if (g.results && g.results != stdout)
        fclose(g.results);
    else if (g.results)
        fflush(stdout);
    bw_reader_free(r);
    if (fd > STDIN_FILENO)
        close(fd);
    bw_store_close(g.store);
    bw_risk_engine_free(risk);
    bw_refdata_free(rd);
    pthread_mutex_destroy(&g.mu);
    pthread_cond_destroy(&g.cv);
    return rc;
}
