/*
 * cmd_ingest.c - `breakwater ingest [--db PATH] FILE|-`: validate, decide
 * and store a stream of declarations.
 *
 * Records are committed in batches (a transaction every BATCH records or
 * BATCH_SECONDS, whichever comes first), and a batch's results are written
 * only after its commit: a result line is a promise that the outcome is on
 * disk.  If a commit fails the batch is rolled back, its results are not
 * written, and the command stops with exit 2.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../model/json_encode.h"
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

typedef struct ingest {
    bw_store *store;
    bw_pipeline pipe;
    FILE *results;
    bw_buf pending;       /* results of the open batch */
    bw_buf body;          /* canonical JSON of the current record */
    bw_buf errors, warnings;
    uint64_t n, accepted, rejected, duplicates, conflicts, amended, undecodable;
    uint32_t in_batch;
    double batch_started;
} ingest;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool commit(ingest *g)
{
    if (g->in_batch == 0)
        return true;
    if (!bw_store_commit(g->store)) {
        fprintf(stderr, "breakwater ingest: %s; the last %u records were not stored\n",
                bw_store_error(g->store), g->in_batch);
        bw_store_rollback(g->store);
        return false;
    }
    if (g->results)
        fwrite(g->pending.p, 1, g->pending.n, g->results);
    g->pending.n = 0;
    g->in_batch = 0;
    return true;
}

static void bump(ingest *g, bw_put_result put, bw_status st)
{
    switch (put) {
    case BW_PUT_DUPLICATE: g->duplicates++; break;
    case BW_PUT_CONFLICT: g->conflicts++; break;
    case BW_PUT_AMENDED: g->amended++; /* fall through */
    default:
        if (st == BW_STATUS_ACCEPTED)
            g->accepted++;
        else
            g->rejected++;
    }
}

/* Stores one record; false on a store error. */
static bool ingest_one(ingest *g, bw_record *rec)
{
    bw_outcome oc;
    bw_pipeline_run(&g->pipe, rec, &oc);
    const bw_declaration *d = &rec->decl;
    g->n++;
    if (!rec->decodable || !d->submitter.id.p || !d->declaration_id.p) {
        /* nothing to key it by: it is reported, not stored */
        g->undecodable++;
        g->rejected++;
        if (g->results)
            cli_result_json(rec, &oc, "not_stored", &g->pending);
        return true;
    }
    if (g->in_batch == 0) {
        if (!bw_store_begin(g->store)) {
            fprintf(stderr, "breakwater ingest: %s\n", bw_store_error(g->store));
            return false;
        }
        g->batch_started = now_s();
    }
    g->body.n = g->errors.n = g->warnings.n = 0;
    bw_encode_declaration(d, &g->body);
    bw_issues_json(&rec->issues, BW_ERROR, &g->errors);
    bw_issues_json(&rec->issues, BW_WARNING, &g->warnings);
    char actor[96];
    snprintf(actor, sizeof actor, "%s:%.*s", d->submitter.role.raw.p ? "submitter" : "unknown",
             (int)(d->submitter.id.n > 70 ? 70 : d->submitter.id.n), d->submitter.id.p);
    bw_decl_row row = {
        .submitter = d->submitter.id,
        .declaration_id = d->declaration_id,
        .jurisdiction = d->jurisdiction,
        .type = d->type.raw,
        .status = bw_status_names[oc.status],
        .category = oc.category,
        .value_minor = oc.consignment_value,
        .currency = oc.jurisdiction ? oc.jurisdiction->currency : NULL,
        .received_at = oc.assessed_at,
        .body = {g->body.p, (uint32_t)g->body.n},
        .errors = {g->errors.p, (uint32_t)g->errors.n},
        .warnings = {g->warnings.p, (uint32_t)g->warnings.n},
        .actor = actor,
    };
    crypto_generichash(row.content_hash, sizeof row.content_hash, (const unsigned char *)g->body.p,
                       g->body.n, NULL, 0);
    bw_prior prior;
    bw_put_result put = bw_store_put(g->store, &row, &prior);
    if (put == BW_PUT_FAILED) {
        fprintf(stderr, "breakwater ingest: record %llu: %s\n", (unsigned long long)rec->index,
                bw_store_error(g->store));
        return false;
    }
    if (put == BW_PUT_DUPLICATE) /* the first result stands */
        oc.status = prior.status && !strcmp(prior.status, "rejected") ? BW_STATUS_REJECTED
                                                                      : BW_STATUS_ACCEPTED;
    if (put == BW_PUT_CONFLICT) {
        oc.status = BW_STATUS_REJECTED;
        bw_issue_add(&rec->issues, BW_ERROR, "declaration.conflict", "declaration_id",
                     "this id was already submitted with other content (first received at %lld); "
                     "the original stands",
                     (long long)prior.received_at);
    }
    bump(g, put, oc.status);
    if (g->results) {
        static const char *const names[] = {"stored", "amended", "duplicate", "conflict", "failed"};
        if (put == BW_PUT_DUPLICATE) {
            /* answer with what was decided the first time */
            bw_buf_printf(&g->pending, "{\"record\":%llu,\"line\":%llu,\"submitter\":",
                          (unsigned long long)rec->index, (unsigned long long)rec->line);
            bw_buf_put_json_str(&g->pending, d->submitter.id.p, d->submitter.id.n);
            bw_buf_puts(&g->pending, ",\"declaration_id\":");
            bw_buf_put_json_str(&g->pending, d->declaration_id.p, d->declaration_id.n);
            bw_buf_printf(&g->pending, ",\"status\":\"%s\",\"outcome\":\"duplicate\",\"category\":",
                          prior.status);
            if (prior.category)
                bw_buf_printf(&g->pending, "%u", prior.category);
            else
                bw_buf_puts(&g->pending, "null");
            bw_buf_printf(&g->pending, ",\"errors\":%s,\"warnings\":%s}\n", prior.errors,
                          prior.warnings);
        } else {
            cli_result_json(rec, &oc, names[put], &g->pending);
        }
    }
    g->in_batch++;
    if (g->in_batch >= BATCH || now_s() - g->batch_started > BATCH_SECONDS)
        return commit(g);
    return true;
}

/* A one-line progress bar on a terminal: records, rate, and with a file of
 * known size the share read and an ETA. */
static void progress(const ingest *g, double t0, off_t size, uint64_t offset)
{
    double el = now_s() - t0, rate = el > 0 ? g->n / el : 0;
    if (size > 0) {
        double f = (double)offset / (double)size;
        int w = (int)(f * 30);
        double eta = f > 0 ? el / f - el : 0;
        fprintf(stderr, "\r[%.*s%*s] %3.0f%% %llu records %.0f/s ETA %.0fs ", w,
                "##############################", 30 - w, "", f * 100, (unsigned long long)g->n,
                rate, eta);
    } else {
        fprintf(stderr, "\r%llu records %.0f/s ", (unsigned long long)g->n, rate);
    }
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
    if (sodium_init() < 0) {
        fprintf(stderr, "breakwater ingest: libsodium failed to initialise\n");
        return EXIT_USAGE;
    }
    ingest g = {0};
    int rc = EXIT_USAGE, fd = -1;
    bw_reader *r = NULL;
    bw_refdata *rd = cli_load_refdata("ingest", &c);
    if (!rd)
        goto out;
    char err[1024];
    g.store = bw_store_open(c.db, err, sizeof err);
    if (!g.store) {
        fprintf(stderr, "breakwater ingest: %s\n", err);
        goto out;
    }
    if (results) {
        g.results = strcmp(results, "-") ? fopen(results, "w") : stdout;
        if (!g.results) {
            fprintf(stderr, "breakwater ingest: %s: cannot write results\n", results);
            goto out;
        }
    }
    if ((fd = cli_open_input("ingest", argv[optind])) < 0)
        goto out;
    struct stat sb;
    off_t size = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : 0;
    bool bar = !quiet && isatty(STDERR_FILENO);
    g.pipe = (bw_pipeline){rd, c.as_of};
    r = bw_reader_new(fd, NULL);
    bw_record rec;
    bw_record_init(&rec);
    double t0 = now_s(), shown = t0;
    int got = 0;
    bool ok = true;
    while (ok && (got = bw_reader_next(r, &rec)) == 1) {
        ok = ingest_one(&g, &rec);
        if (bar && (g.n & 1023) == 0 && now_s() - shown > 0.2) {
            progress(&g, t0, size, rec.offset);
            shown = now_s();
        }
    }
    ok = ok && commit(&g);
    if (bar)
        fputs("\r\033[K", stderr);
    double el = now_s() - t0;
    if (ok && got < 0)
        fprintf(stderr, "breakwater ingest: %s\n", bw_reader_error(r));
    fprintf(stderr,
            "ingest: %llu records: %llu accepted, %llu rejected, %llu duplicates, %llu conflicts"
            " (%llu amended, %llu not storable) in %.2f s, %.0f records/s\n",
            (unsigned long long)g.n, (unsigned long long)g.accepted, (unsigned long long)g.rejected,
            (unsigned long long)g.duplicates, (unsigned long long)g.conflicts,
            (unsigned long long)g.amended, (unsigned long long)g.undecodable, el,
            el > 0 ? g.n / el : 0);
    bw_record_free(&rec);
    rc = !ok || got < 0 ? EXIT_USAGE : g.rejected || g.conflicts ? EXIT_REJECTED : EXIT_OK;
out:
    if (g.results && g.results != stdout)
        fclose(g.results);
    else if (g.results)
        fflush(stdout);
    bw_reader_free(r);
    if (fd > STDIN_FILENO)
        close(fd);
    bw_store_close(g.store);
    bw_refdata_free(rd);
    bw_buf_free(&g.pending);
    bw_buf_free(&g.body);
    bw_buf_free(&g.errors);
    bw_buf_free(&g.warnings);
    return rc;
}
