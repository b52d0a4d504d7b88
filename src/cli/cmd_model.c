/*
 * cmd_model.c - the learned risk model on the command line:
 *
 *   breakwater train --history FILE --out MODEL    learn from past outcomes
 *   breakwater score --model MODEL FILE            one NDJSON line per declaration
 *   breakwater evaluate --scores FILE --labels FILE
 *                                                  precision/recall/revenue at n%
 *
 * Thin shells around src/risk/model.c, history.c and metrics.c.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../risk/history.h"
#include "../risk/metrics.h"
#include "../risk/model.h"

#define MAX_LIST 64      /* --map and --const options */
#define SCORE_BATCH 4096 /* rows scored together */
#define REASONS 3        /* top contributions shown per declaration */
#define SHOW_SKIPPED 5   /* undecodable rows named on stderr before only counting */

/* The detector hook for train and score: NULL until the pipeline's
 * detectors are plugged in (model.h, bw_model_detect_fn). */
static const bw_model_detect_fn DETECT = NULL;
static void *const DETECT_CTX = NULL;

/* ---- shared options --------------------------------------------------------------- */

typedef struct hist_args {
    const char *maps[MAX_LIST], *consts[MAX_LIST];
    unsigned n_maps, n_consts;
    bw_hist_format format;
} hist_args;

static bool add_list(const char *cmd, const char *what, const char **list, unsigned *n, const char *v)
{
    if (*n >= MAX_LIST) {
        cli_usage_error(cmd, "at most %d %s options", MAX_LIST, what);
        return false;
    }
    list[(*n)++] = v;
    return true;
}

static bool parse_format(const char *cmd, const char *v, hist_args *h)
{
    if (!strcmp(v, "csv"))
        h->format = BW_HIST_CSV;
    else if (!strcmp(v, "ndjson"))
        h->format = BW_HIST_NDJSON;
    else {
        cli_usage_error(cmd, "--input-format wants csv or ndjson, not '%s'", v);
        return false;
    }
    return true;
}

static bw_hist_options hist_options(const hist_args *h, bool outcome)
{
    return (bw_hist_options){h->format, h->maps, h->n_maps, h->consts, h->n_consts, outcome};
}

static bool parse_double(const char *cmd, const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (*v == 0 || *end || errno || !(d >= lo && d <= hi)) {
        cli_usage_error(cmd, "%s wants a number from %g to %g, not '%s'", opt, lo, hi, v);
        return false;
    }
    *out = d;
    return true;
}

static bool parse_uint(const char *cmd, const char *opt, const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    double d;
    if (!parse_double(cmd, opt, v, lo, hi, &d) || d != floor(d)) {
        if (d != floor(d))
            cli_usage_error(cmd, "%s wants a whole number, not '%s'", opt, v);
        return false;
    }
    *out = (unsigned)d;
    return true;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- train --------------------------------------------------------------------------- */

static const char TRAIN_HELP[] =
    "usage: breakwater train --history FILE --out MODEL [OPTIONS]\n\n"
    "Learns which declarations turn out fraudulent from past declarations and\n"
    "their inspection outcomes (gradient-boosted trees, XGBoost) and writes the\n"
    "model file. Early stopping watches a later validation period: --validation\n"
    "FILE, or else the latest 20% of the history by date (order.date, else\n"
    "transport.expected_arrival, else payment.date). See docs/model.md.\n\n"
    "The history is NDJSON declarations with an \"outcome\" object\n"
    "({\"inspected\":true,\"fraud\":false,\"revenue\":\"12.34\"}), or a CSV whose\n"
    "columns are mapped onto the declaration:\n"
    "  --map 'Importer ID=buyer.id,HS6 Code=items[0].hs_code,Fraud=outcome.fraud'\n"
    "  --const items[0].value.currency=EUR\n"
    "CSV columns left unmapped are kept as extra features.\n\n"
    "options:\n"
    "  --history FILE        the training history (required)\n"
    "  --out MODEL           where to write the model (required)\n"
    "  --validation FILE     the validation period, same shape as the history\n"
    "  --map SPEC            'Column=json.path,...' (repeatable; CSV)\n"
    "  --const PATH=VALUE    a fixed field for every row (repeatable; CSV)\n"
    "  --input-format F      csv or ndjson (default: by --map/--const and content)\n"
    "  --rounds N            boosting rounds at most (500)\n"
    "  --patience N          stop after N rounds without a better validation AUCPR (30)\n"
    "  --depth N             tree depth (6)\n"
    "  --eta X               learning rate (0.1)\n"
    "  --folds K             folds for the out-of-fold statistics (5)\n"
    "  --shrink M            rates are (frauds + M*prior) / (seen + M) (20)\n"
    "  --validation-share X  latest share of the history that validates (0.2)\n"
    "  --balance             weigh fraud rows by negatives/positives\n"
    "  --red X, --yellow X   lane thresholds stored in the model (0.5, 0.2)\n"
    "  --seed S              folds and row sampling (1)\n"
    "  --threads N           XGBoost threads (1)\n"
    "  --verbose             one line per boosting round on stderr\n"
    "  --data DIR, --refdata DIR   as for validate (exchange rates come from refdata)\n"
    "  --help                this text\n\n"
    "exit status: 0 trained, 2 usage, input or training error\n";

typedef struct train_args {
    const char *history, *validation, *out;
    hist_args h;
    bw_model_params p;
    cli_common c;
} train_args;

enum { O_HISTORY = 256, O_VALIDATION, O_OUT, O_MAP, O_CONST, O_FORMAT, O_ROUNDS, O_PATIENCE, O_DEPTH, O_ETA,
       O_FOLDS, O_SHRINK, O_SHARE, O_BALANCE, O_RED, O_YELLOW, O_SEED, O_THREADS, O_VERBOSE, O_DATA, O_REFDATA,
       O_HELP, O_MODEL, O_EXPLAIN, O_SCORES, O_LABELS, O_TRUTH, O_DB, O_AT, O_OUTPUT_FORMAT };

static int train_option(train_args *a, int o, const char *v)
{
    const char *cmd = "train";
    bool ok = true;
    switch (o) {
    case O_HISTORY: a->history = v; break;
    case O_VALIDATION: a->validation = v; break;
    case O_OUT: a->out = v; break;
    case O_MAP: ok = add_list(cmd, "--map", a->h.maps, &a->h.n_maps, v); break;
    case O_CONST: ok = add_list(cmd, "--const", a->h.consts, &a->h.n_consts, v); break;
    case O_FORMAT: ok = parse_format(cmd, v, &a->h); break;
    case O_ROUNDS: ok = parse_uint(cmd, "--rounds", v, 1, 100000, &a->p.max_rounds); break;
    case O_PATIENCE: ok = parse_uint(cmd, "--patience", v, 1, 100000, &a->p.patience); break;
    case O_DEPTH: ok = parse_uint(cmd, "--depth", v, 1, 20, &a->p.max_depth); break;
    case O_ETA: ok = parse_double(cmd, "--eta", v, 0.001, 1, &a->p.eta); break;
    case O_FOLDS: ok = parse_uint(cmd, "--folds", v, 2, 20, &a->p.folds); break;
    case O_SHRINK: ok = parse_double(cmd, "--shrink", v, 0, 1e6, &a->p.shrink); break;
    case O_SHARE: ok = parse_double(cmd, "--validation-share", v, 0.01, 0.9, &a->p.validation_share); break;
    case O_BALANCE: a->p.balance = true; break;
    case O_RED: ok = parse_double(cmd, "--red", v, 0, 1, &a->p.red); break;
    case O_YELLOW: ok = parse_double(cmd, "--yellow", v, 0, 1, &a->p.yellow); break;
    case O_SEED: {
        double s;
        ok = parse_double(cmd, "--seed", v, 0, 4e9, &s);
        a->p.seed = (uint64_t)s;
        break;
    }
    case O_THREADS: ok = parse_uint(cmd, "--threads", v, 1, 64, &a->p.threads); break;
    case O_VERBOSE: a->p.log = stderr; break;
    case O_DATA: a->c.datadir = v; break;
    case O_REFDATA: a->c.refdir = v; break;
    case O_HELP: fputs(TRAIN_HELP, stdout); return EXIT_OK;
    default: return cli_usage_error(cmd, "unknown option");
    }
    return ok ? -1 : EXIT_USAGE;
}

/* Feeds every row of one file to the trainer; false after printing why. */
static bool feed(bw_trainer *t, const char *path, const hist_args *h, bool validation)
{
    char err[1024];
    bw_hist_options o = hist_options(h, true);
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    if (!r) {
        fprintf(stderr, "breakwater train: %s\n", err);
        return false;
    }
    bw_hist_row row;
    unsigned long long skipped = 0;
    int got;
    while ((got = bw_hist_next(r, &row, err, sizeof err)) == 1) {
        if (!row.decodable) {
            if (skipped++ < SHOW_SKIPPED)
                fprintf(stderr, "breakwater train: %s:%llu: skipped: %s\n", path, (unsigned long long)row.line,
                        row.error);
            continue;
        }
        bw_model_input in = bw_model_input_of(&row);
        int label = row.label.labelled ? row.label.fraud : -1;
        if (!bw_trainer_add(t, &in, label, validation, row.line, err, sizeof err)) {
            got = -1;
            break;
        }
    }
    if (got < 0)
        fprintf(stderr, "breakwater train: %s\n", err);
    if (skipped)
        fprintf(stderr, "breakwater train: %s: %llu undecodable rows skipped\n", path, skipped);
    bw_hist_close(r);
    return got == 0;
}

static void train_summary(const bw_train_report *rep, const char *out, double secs)
{
    fprintf(stderr, "train: %zu labelled rows (%zu fraud) in the training period, %zu unlabelled\n",
            rep->train_rows, rep->train_frauds, rep->unlabelled_rows);
    char cut[21] = "";
    if (rep->split_by_date)
        bw_time_format(rep->cut, cut);
    fprintf(stderr, "train: validation %zu rows (%zu fraud)%s%s\n", rep->validation_rows, rep->validation_frauds,
            rep->split_by_date ? ", the history from " : " from --validation", cut);
    fprintf(stderr, "train: %u features; best round %u of %u; validation AUC %.4f, AUCPR %.4f\n", rep->features,
            rep->best_round + 1, rep->rounds, rep->validation_auc, rep->validation_aucpr);
    fprintf(stderr, "train: wrote %s in %.2f s\n", out, secs);
}

int cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"history", required_argument, 0, O_HISTORY}, {"validation", required_argument, 0, O_VALIDATION},
        {"out", required_argument, 0, O_OUT},         {"map", required_argument, 0, O_MAP},
        {"const", required_argument, 0, O_CONST},     {"input-format", required_argument, 0, O_FORMAT},
        {"rounds", required_argument, 0, O_ROUNDS},   {"patience", required_argument, 0, O_PATIENCE},
        {"depth", required_argument, 0, O_DEPTH},     {"eta", required_argument, 0, O_ETA},
        {"folds", required_argument, 0, O_FOLDS},     {"shrink", required_argument, 0, O_SHRINK},
        {"validation-share", required_argument, 0, O_SHARE}, {"balance", no_argument, 0, O_BALANCE},
        {"red", required_argument, 0, O_RED},         {"yellow", required_argument, 0, O_YELLOW},
        {"seed", required_argument, 0, O_SEED},       {"threads", required_argument, 0, O_THREADS},
        {"verbose", no_argument, 0, O_VERBOSE},       {"data", required_argument, 0, O_DATA},
        {"refdata", required_argument, 0, O_REFDATA}, {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    train_args a = {0};
    bw_model_params_default(&a.p);
    a.p.detect = DETECT;
    a.p.detect_ctx = DETECT_CTX;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int rc = train_option(&a, o, optarg);
        if (rc >= 0)
            return rc;
    }
    if (optind != argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (!a.history || !a.out)
        return cli_usage_error("train", "give --history FILE and --out MODEL");
    if (a.p.yellow > a.p.red)
        return cli_usage_error("train", "--yellow must not be above --red");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bw_refdata *rd = cli_load_refdata("train", &a.c);
    if (!rd)
        return EXIT_USAGE;
    bw_trainer *t = bw_trainer_new(&a.p, rd);
    bool ok = t && feed(t, a.history, &a.h, false) && (!a.validation || feed(t, a.validation, &a.h, true));
    bw_train_report rep;
    char err[1024];
    bw_model *m = ok ? bw_trainer_finish(t, &rep, err, sizeof err) : NULL;
    if (ok && !m)
        fprintf(stderr, "breakwater train: %s\n", err);
    if (m && !bw_model_save(m, a.out, err, sizeof err)) {
        fprintf(stderr, "breakwater train: %s\n", err);
        bw_model_free(m);
        m = NULL;
    }
    if (m)
        train_summary(&rep, a.out, seconds_since(&t0));
    bw_model_free(m);
    bw_trainer_free(t);
    bw_refdata_free(rd);
    return m ? EXIT_OK : EXIT_USAGE;
}

/* ---- score -------------------------------------------------------------------------- */

static const char SCORE_HELP[] =
    "usage: breakwater score --model MODEL [OPTIONS] FILE|-\n\n"
    "Scores declarations with a trained model and prints one NDJSON line per\n"
    "input record, in input order:\n"
    "  {\"declaration_id\":\"..\",\"submitter\":\"..\",\"score\":0.8731,\"lane\":\"red\",\n"
    "   \"hits\":[{\"code\":\"model.feature\",\"ref\":\"seller_rate\",\"score\":123,\n"
    "             \"evidence\":{\"feature\":\"seller_rate\",\"value\":0.41,\"contribution\":1.23}},..]}\n"
    "score is the probability of fraud; hits are the three largest positive\n"
    "feature contributions (hit score: 100 points per unit of log-odds). A record\n"
    "that is not JSON gives {\"declaration_id\":null,\"line\":N,\"error\":\"..\"}.\n"
    "The input may be a history (its outcomes are ignored) or a CSV with --map.\n\n"
    "options:\n"
    "  --model MODEL         the model file from 'breakwater train' (required)\n"
    "  --red X, --yellow X   lane thresholds (default: those stored in the model)\n"
    "  --map SPEC, --const PATH=VALUE, --input-format F   as for train\n"
    "  --explain MODE        lanes (default): exact TreeSHAP contributions for the\n"
    "                        yellow and red lanes, the fast path approximation\n"
    "                        (Saabas) for green; exact: TreeSHAP for all (about\n"
    "                        twenty times slower); fast: the approximation for all\n"
    "  --threads N           XGBoost threads (1)\n"
    "  --data DIR, --refdata DIR   as for validate (a model trained with exchange\n"
    "                        rates needs them to score)\n"
    "  --help                this text\n\n"
    "exit status: 0 all scored, 1 some records undecodable, 2 usage or I/O error\n";

/* One input record of the batch being scored. */
typedef struct pending {
    uint64_t line;
    char *id, *submitter;   /* NULL when absent */
    char *error;            /* undecodable: why */
    size_t row;             /* its features' row in the batch matrix */
} pending;

typedef struct scorer {
    const bw_model *m;
    const bw_refdata *rd;
    double red, yellow;
    double exact_from;      /* exact contributions from this score on */
    uint32_t nf;
    pending *p;
    size_t n;               /* records pending */
    float *x, *scores;
    bw_model_reason *reasons;
    size_t rows;            /* rows in x */
    bw_arena arena;         /* the pending records' strings */
    bw_buf out;
    uint64_t scored, failed;
} scorer;

static char *dup_str(bw_arena *a, bw_str s) { return s.p ? bw_arena_strdup(a, s.p, s.n) : NULL; }

static void put_str_or_null(bw_buf *b, const char *s)
{
    if (s)
        bw_buf_put_json_str(b, s, strlen(s));
    else
        bw_buf_puts(b, "null");
}

static void put_hit(bw_buf *b, const bw_risk_hit *h)
{
    bw_buf_puts(b, "{\"code\":");
    bw_buf_put_json_str(b, h->code, strlen(h->code));
    bw_buf_puts(b, ",\"ref\":");
    bw_buf_put_json_str(b, h->ref, strlen(h->ref));
    bw_buf_puts(b, ",\"score\":");
    bw_buf_put_i64(b, h->score);
    bw_buf_puts(b, ",\"evidence\":");
    bw_buf_puts(b, h->evidence);
    bw_buf_putc(b, '}');
}

static void put_scored(scorer *s, const pending *p, bw_arena *scratch)
{
    double score = s->scores[p->row];
    bw_buf *b = &s->out;
    bw_buf_puts(b, "{\"declaration_id\":");
    put_str_or_null(b, p->id);
    bw_buf_puts(b, ",\"submitter\":");
    put_str_or_null(b, p->submitter);
    bw_buf_puts(b, ",\"score\":");
    bw_buf_put_fixed(b, llround(score * 10000), 4);
    bw_buf_puts(b, ",\"lane\":\"");
    bw_buf_puts(b, bw_lane_names[bw_model_lane(score, s->red, s->yellow)]);
    bw_buf_puts(b, "\",\"hits\":[");
    bw_arena_reset(scratch);
    bw_risk_result r;
    bw_risk_result_init(&r, scratch);
    bw_model_explain(s->m, s->reasons + p->row * REASONS, REASONS, &r);
    for (uint32_t i = 0; i < r.n_hits; i++) {
        if (i)
            bw_buf_putc(b, ',');
        put_hit(b, &r.hits[i]);
    }
    bw_buf_puts(b, "]}\n");
}

/* Scores the pending records and writes them in input order. */
static bool flush_batch(scorer *s)
{
    char err[512];
    if (!bw_model_predict(s->m, s->x, s->rows, s->scores, s->reasons, REASONS, s->exact_from, err,
                          sizeof err)) {
        fprintf(stderr, "breakwater score: %s\n", err);
        return false;
    }
    bw_arena scratch;
    bw_arena_init(&scratch);
    for (size_t i = 0; i < s->n; i++) {
        const pending *p = &s->p[i];
        if (p->error) {
            bw_buf_puts(&s->out, "{\"declaration_id\":null,\"line\":");
            bw_buf_put_i64(&s->out, (int64_t)p->line);
            bw_buf_puts(&s->out, ",\"error\":");
            bw_buf_put_json_str(&s->out, p->error, strlen(p->error));
            bw_buf_puts(&s->out, "}\n");
        } else {
            put_scored(s, p, &scratch);
        }
    }
    bw_arena_free(&scratch);
    fwrite(s->out.p, 1, s->out.n, stdout);
    s->out.n = 0;
    s->n = s->rows = 0;
    bw_arena_reset(&s->arena);
    return true;
}

static void take_row(scorer *s, const bw_hist_row *row)
{
    pending *p = &s->p[s->n++];
    memset(p, 0, sizeof *p);
    p->line = row->line;
    if (!row->decodable) {
        p->error = bw_arena_strdup(&s->arena, row->error, strlen(row->error));
        s->failed++;
        return;
    }
    p->id = dup_str(&s->arena, row->decl->declaration_id);
    p->submitter = dup_str(&s->arena, row->decl->submitter.id);
    p->row = s->rows++;
    bw_model_input in = bw_model_input_of(row);
    bw_model_row_features(s->m, s->rd, &in, DETECT, DETECT_CTX, s->x + p->row * s->nf);
    s->scored++;
}

static int score_file(scorer *s, const char *path, const hist_args *h)
{
    char err[1024];
    bw_hist_options o = hist_options(h, false);
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    if (!r) {
        fprintf(stderr, "breakwater score: %s\n", err);
        return EXIT_USAGE;
    }
    bw_hist_row row;
    int got;
    bool ok = true;
    while (ok && (got = bw_hist_next(r, &row, err, sizeof err)) == 1) {
        take_row(s, &row);
        if (s->n == SCORE_BATCH)
            ok = flush_batch(s);
    }
    if (ok && s->n)
        ok = flush_batch(s);
    fflush(stdout);
    if (ok && got < 0)
        fprintf(stderr, "breakwater score: %s\n", err);
    bw_hist_close(r);
    return !ok || got < 0 ? EXIT_USAGE : s->failed ? EXIT_REJECTED : EXIT_OK;
}

int cmd_score(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, O_MODEL},      {"red", required_argument, 0, O_RED},
        {"yellow", required_argument, 0, O_YELLOW},    {"map", required_argument, 0, O_MAP},
        {"const", required_argument, 0, O_CONST},      {"input-format", required_argument, 0, O_FORMAT},
        {"threads", required_argument, 0, O_THREADS},  {"data", required_argument, 0, O_DATA},
        {"refdata", required_argument, 0, O_REFDATA},  {"explain", required_argument, 0, O_EXPLAIN},
        {"help", no_argument, 0, O_HELP},              {0, 0, 0, 0},
    };
    const char *model = NULL, *explain = "lanes";
    hist_args h = {0};
    cli_common c = {0};
    double red = NAN, yellow = NAN;
    unsigned threads = 1;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        bool ok = true;
        switch (o) {
        case O_MODEL: model = optarg; break;
        case O_RED: ok = parse_double("score", "--red", optarg, 0, 1, &red); break;
        case O_YELLOW: ok = parse_double("score", "--yellow", optarg, 0, 1, &yellow); break;
        case O_MAP: ok = add_list("score", "--map", h.maps, &h.n_maps, optarg); break;
        case O_CONST: ok = add_list("score", "--const", h.consts, &h.n_consts, optarg); break;
        case O_FORMAT: ok = parse_format("score", optarg, &h); break;
        case O_THREADS: ok = parse_uint("score", "--threads", optarg, 1, 64, &threads); break;
        case O_DATA: c.datadir = optarg; break;
        case O_REFDATA: c.refdir = optarg; break;
        case O_EXPLAIN:
            explain = optarg;
            if (strcmp(explain, "lanes") && strcmp(explain, "exact") && strcmp(explain, "fast"))
                return cli_usage_error("score", "--explain wants lanes, exact or fast, not '%s'", explain);
            break;
        case O_HELP: fputs(SCORE_HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("score", "unknown option");
        }
        if (!ok)
            return EXIT_USAGE;
    }
    if (!model || optind != argc - 1)
        return cli_usage_error("score", "give --model MODEL and one input FILE, or - for standard input");
    char err[1024];
    bw_model *m = bw_model_load(model, err, sizeof err);
    if (!m) {
        fprintf(stderr, "breakwater score: %s\n", err);
        return EXIT_USAGE;
    }
    bw_model_set_threads(m, threads);
    bw_refdata *rd = cli_load_refdata("score", &c);
    if (!rd) {
        bw_model_free(m);
        return EXIT_USAGE;
    }
    if (bw_model_uses_fx(m) && !bw_fx_loaded(rd)) {
        fprintf(stderr, "breakwater score: %s was trained with values converted at ECB rates; give the reference "
                        "data that has them (--refdata DIR or BREAKWATER_REFDATA)\n", model);
        bw_refdata_free(rd);
        bw_model_free(m);
        return EXIT_USAGE;
    }
    scorer s = {.m = m, .rd = rd, .nf = bw_model_n_features(m)};
    s.red = isnan(red) ? bw_model_red(m) : red;
    s.yellow = isnan(yellow) ? bw_model_yellow(m) : yellow;
    s.exact_from = !strcmp(explain, "exact") ? 0 : !strcmp(explain, "fast") ? 2 : s.yellow;
    s.p = calloc(SCORE_BATCH, sizeof *s.p);
    s.x = malloc(SCORE_BATCH * (size_t)s.nf * sizeof *s.x);
    s.scores = malloc(SCORE_BATCH * sizeof *s.scores);
    s.reasons = malloc(SCORE_BATCH * REASONS * sizeof *s.reasons);
    bw_arena_init(&s.arena);
    int rc = EXIT_USAGE;
    if (s.yellow > s.red)
        cli_usage_error("score", "the yellow threshold (%g) is above the red one (%g)", s.yellow, s.red);
    else if (s.p && s.x && s.scores && s.reasons)
        rc = score_file(&s, argv[optind], &h);
    else
        fprintf(stderr, "breakwater score: out of memory\n");
    free(s.p);
    free(s.x);
    free(s.scores);
    free(s.reasons);
    bw_arena_free(&s.arena);
    bw_buf_free(&s.out);
    bw_refdata_free(rd);
    bw_model_free(m);
    return rc;
}

/* ---- evaluate ------------------------------------------------------------------------ */

static const char EVALUATE_HELP[] =
    "usage: breakwater evaluate --scores FILE --labels FILE [--format table|json] [--at 1,2,5,10]\n"
    "       breakwater evaluate --truth FILE --db PATH\n\n"
    "With --scores and --labels: ranks the labelled declarations by score (ties by\n"
    "declaration id), inspects the top n% and prints, for n = 1, 2, 5, 10:\n"
    "precision@n% (frauds found / inspected), recall@n% (frauds found / all\n"
    "frauds) and revenue@n% (revenue recovered / all revenue recovered), and the\n"
    "ROC AUC. The top n% is the first ceil(rows * n / 100) rows.\n\n"
    "  --scores FILE   the output of 'breakwater score'\n"
    "  --labels FILE   NDJSON, either {\"declaration_id\":..,\"submitter\":..,\"fraud\":true,\n"
    "                  \"revenue\":\"12.34\"} per line, or a history (declarations with\n"
    "                  an \"outcome\" object; revenue converted to euros at the ECB\n"
    "                  rate of the declaration's date when reference data is there)\n"
    "  --format F      table (default) or json\n"
    "  --at LIST       other percentages, comma-separated\n\n"
    "Scores and labels are matched on declaration id and, when both have it,\n"
    "submitter; unmatched lines are counted on stderr and left out.\n\n"
    "exit status: 0 evaluated, 2 usage or input error\n";

typedef struct label_rec {
    char *id, *submitter;
    bool fraud, used;
    double revenue;
} label_rec;

typedef struct labels {
    label_rec *v;
    size_t n, cap;
} labels;

static char *json_str_dup(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return strdup(json_object_get_string(v));
}

/* A submitter given as a string (labels) or as {"id":..} (declarations). */
static char *submitter_of(json_object *o)
{
    json_object *v;
    if (!json_object_object_get_ex(o, "submitter", &v) || !v)
        return NULL;
    if (json_object_is_type(v, json_type_string))
        return strdup(json_object_get_string(v));
    return json_object_is_type(v, json_type_object) ? json_str_dup(v, "id") : NULL;
}

/* true/false or 1/0; false when absent or anything else. */
static bool json_flag_of(json_object *o, const char *key, bool *present)
{
    json_object *v;
    *present = json_object_object_get_ex(o, key, &v) && v &&
               (json_object_is_type(v, json_type_boolean) || json_object_is_type(v, json_type_int));
    return *present && (json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v)
                                                                   : json_object_get_int64(v) != 0);
}

static bool json_amount(json_object *v, double *out)
{
    if (!v)
        return false;
    if (json_object_is_type(v, json_type_string)) {
        bw_decimal d;
        const char *s = json_object_get_string(v);
        if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK)
            return false;
        *out = (double)d.mantissa;
        for (unsigned i = 0; i < d.scale; i++)
            *out /= 10;
        return true;
    }
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        *out = json_object_get_double(v);
        return isfinite(*out);
    }
    return false;
}

/* The text at a path of objects ("order", "date"), or NULL. */
static const char *json_path_str(json_object *o, const char *a, const char *b, const char *c)
{
    const char *keys[3] = {a, b, c};
    for (int i = 0; i < 3 && keys[i] && o; i++) {
        json_object *v = NULL;
        if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, keys[i], &v))
            return NULL;
        o = v;
    }
    return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/* A history row's revenue in euros, at its date's rate (as declared when
 * it cannot be converted). */
static double revenue_in_euros(const bw_refdata *rd, json_object *decl, double amount)
{
    json_object *items, *first;
    const char *cur = NULL;
    if (json_object_object_get_ex(decl, "items", &items) && json_object_is_type(items, json_type_array) &&
        json_object_array_length(items) > 0 && (first = json_object_array_get_idx(items, 0)))
        cur = json_path_str(first, "value", "currency", NULL);
    if (!cur)
        cur = json_path_str(decl, "order", "total", "currency");
    bw_str from = {cur, cur ? (uint32_t)strlen(cur) : 0};
    int exp = cur ? bw_currency_exponent(from) : -1;
    if (!rd || !bw_fx_loaded(rd) || exp < 0 || fabs(amount) > 1e13)
        return amount;
    const char *dates[3] = {json_path_str(decl, "order", "date", NULL),
                            json_path_str(decl, "transport", "expected_arrival", NULL),
                            json_path_str(decl, "payment", "date", NULL)};
    bw_time when = bw_time_from_civil(9999, 12, 31);
    for (int i = 0; i < 3; i++)
        if (dates[i] && bw_time_parse(dates[i], strlen(dates[i]), &when))
            break;
    double minor = amount;
    for (int i = 0; i < exp; i++)
        minor *= 10;
    int64_t eur;
    return bw_fx_convert(rd, llround(minor), from, BW_STR_LIT("EUR"), when, &eur) ? (double)eur / 100 : amount;
}

/* One line of the labels file; 0 unlabelled, 1 a label, -1 an error. */
static int parse_label(json_object *o, const bw_refdata *rd, label_rec *l)
{
    json_object *out;
    bool present, inspected_present;
    memset(l, 0, sizeof *l);
    if (json_object_object_get_ex(o, "outcome", &out) && out) {
        if (!json_object_is_type(out, json_type_object))
            return -1;
        bool inspected = json_flag_of(out, "inspected", &inspected_present);
        l->fraud = json_flag_of(out, "fraud", &present);
        if (!present && !inspected)
            return 0;
        json_object *rev = NULL;
        if (l->fraud && json_object_object_get_ex(out, "revenue", &rev) && json_amount(rev, &l->revenue))
            l->revenue = revenue_in_euros(rd, o, l->revenue);
    } else {
        l->fraud = json_flag_of(o, "fraud", &present);
        if (!present)
            return 0;
        json_object *rev = NULL;
        if (l->fraud && json_object_object_get_ex(o, "revenue", &rev))
            json_amount(rev, &l->revenue);
    }
    l->id = json_str_dup(o, "declaration_id");
    l->submitter = submitter_of(o);
    return l->id ? 1 : -1;
}

/* Calls fn(o, ctx) for each non-blank line of an NDJSON file; false after
 * printing "file:line: why". */
static bool each_json_line(const char *path, bool (*fn)(json_object *, void *, const char **), void *ctx)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "breakwater evaluate: %s: %s\n", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long ln = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, f)) >= 0) {
        ln++;
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        json_object *o = json_tokener_parse(line);
        const char *why = "not a JSON object";
        if (!o || !json_object_is_type(o, json_type_object) || !fn(o, ctx, &why)) {
            fprintf(stderr, "breakwater evaluate: %s:%llu: %s\n", path, ln, why);
            ok = false;
        }
        json_object_put(o);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return ok;
}

typedef struct label_ctx {
    labels *ls;
    const bw_refdata *rd;
} label_ctx;

static bool take_label(json_object *o, void *ctx, const char **why)
{
    label_ctx *c = ctx;
    label_rec l;
    int got = parse_label(o, c->rd, &l);
    if (got < 0) {
        *why = "a label needs a declaration_id, and fraud true/false (or an outcome object)";
        free(l.id);
        free(l.submitter);
        return false;
    }
    if (got == 0)
        return true;
    labels *ls = c->ls;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 1024;
        label_rec *v = realloc(ls->v, cap * sizeof *v);
        if (!v) {
            *why = "out of memory";
            free(l.id);
            free(l.submitter);
            return false;
        }
        ls->v = v;
        ls->cap = cap;
    }
    ls->v[ls->n++] = l;
    return true;
}

static int cmp_label(const void *pa, const void *pb)
{
    const label_rec *a = pa, *b = pb;
    int c = strcmp(a->id, b->id);
    return c ? c : strcmp(a->submitter ? a->submitter : "", b->submitter ? b->submitter : "");
}

typedef struct match_ctx {
    labels *ls;
    bw_scored *rows;
    size_t n, cap;
    unsigned long long unlabelled, duplicates;
} match_ctx;

/* The unused label of this id (and submitter, when both have one). */
static label_rec *find_label(labels *ls, const char *id, const char *submitter)
{
    size_t lo = 0, hi = ls->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(ls->v[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ls->n && !strcmp(ls->v[i].id, id); i++) {
        label_rec *l = &ls->v[i];
        if (!l->used && (!submitter || !l->submitter || !strcmp(submitter, l->submitter)))
            return l;
    }
    return NULL;
}

static bool take_score(json_object *o, void *ctx, const char **why)
{
    match_ctx *c = ctx;
    json_object *v;
    const char *id = json_path_str(o, "declaration_id", NULL, NULL);
    if (!id)
        return true; /* an input record that could not be scored */
    if (!json_object_object_get_ex(o, "score", &v) || !v ||
        !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) {
        *why = "a score line needs a numeric score";
        return false;
    }
    const char *submitter = json_path_str(o, "submitter", NULL, NULL);
    label_rec *l = find_label(c->ls, id, submitter);
    if (!l) {
        c->unlabelled++;
        return true;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        bw_scored *r = realloc(c->rows, cap * sizeof *r);
        if (!r) {
            *why = "out of memory";
            return false;
        }
        c->rows = r;
        c->cap = cap;
    }
    l->used = true;
    c->rows[c->n++] = (bw_scored){json_object_get_double(v), l->id, l->submitter, l->fraud,
                                  l->fraud ? l->revenue : 0};
    return true;
}

static bool parse_percents(const char *s, double *v, unsigned *n)
{
    *n = 0;
    while (*s) {
        char *end;
        double d = strtod(s, &end);
        if (end == s || !(d > 0 && d <= 100) || *n >= BW_METRICS_MAX_AT || (*end && *end != ','))
            return false;
        v[(*n)++] = d;
        s = *end ? end + 1 : end;
    }
    return *n > 0;
}

static int evaluate_scores(const char *scores, const char *labels_path, bool json, const double *at, unsigned n_at)
{
    cli_common c = {0};
    bw_refdata *rd = cli_load_refdata("evaluate", &c);
    if (!rd)
        return EXIT_USAGE;
    labels ls = {0};
    label_ctx lc = {&ls, rd};
    match_ctx mc = {&ls, NULL, 0, 0, 0, 0};
    bool ok = each_json_line(labels_path, take_label, &lc);
    if (ok)
        qsort(ls.v, ls.n, sizeof *ls.v, cmp_label);
    ok = ok && each_json_line(scores, take_score, &mc);
    if (ok) {
        size_t unscored = ls.n - mc.n;
        if (mc.unlabelled || unscored)
            fprintf(stderr, "breakwater evaluate: %llu scored declarations without a label and %zu labelled "
                            "without a score left out\n", mc.unlabelled, unscored);
        bw_evaluation e;
        bw_metrics_evaluate(mc.rows, mc.n, at, n_at, &e);
        bw_buf out = {0};
        if (json)
            bw_metrics_json(&e, &out);
        else
            bw_metrics_table(&e, &out);
        fwrite(out.p, 1, out.n, stdout);
        bw_buf_free(&out);
        if (mc.n == 0) {
            fprintf(stderr, "breakwater evaluate: no scored declaration has a label\n");
            ok = false;
        }
    }
    for (size_t i = 0; i < ls.n; i++) {
        free(ls.v[i].id);
        free(ls.v[i].submitter);
    }
    free(ls.v);
    free(mc.rows);
    bw_refdata_free(rd);
    return ok ? EXIT_OK : EXIT_USAGE;
}

int cmd_evaluate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"scores", required_argument, 0, O_SCORES}, {"labels", required_argument, 0, O_LABELS},
        {"truth", required_argument, 0, O_TRUTH},   {"db", required_argument, 0, O_DB},
        {"format", required_argument, 0, O_OUTPUT_FORMAT}, {"at", required_argument, 0, O_AT},
        {"help", no_argument, 0, O_HELP},           {0, 0, 0, 0},
    };
    const char *scores = NULL, *labels_path = NULL, *truth = NULL, *db = NULL;
    bool json = false;
    double at[BW_METRICS_MAX_AT] = {1, 2, 5, 10};
    unsigned n_at = 4;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_SCORES: scores = optarg; break;
        case O_LABELS: labels_path = optarg; break;
        case O_TRUTH: truth = optarg; break;
        case O_DB: db = optarg; break;
        case O_OUTPUT_FORMAT:
            if (strcmp(optarg, "json") && strcmp(optarg, "table"))
                return cli_usage_error("evaluate", "--format wants table or json, not '%s'", optarg);
            json = !strcmp(optarg, "json");
            break;
        case O_AT:
            if (!parse_percents(optarg, at, &n_at))
                return cli_usage_error("evaluate", "--at wants percentages like 1,2,5,10, not '%s'", optarg);
            break;
        case O_HELP: fputs(EVALUATE_HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("evaluate", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("evaluate", "unexpected argument '%s'", argv[optind]);
    if (scores && labels_path && !truth && !db)
        return evaluate_scores(scores, labels_path, json, at, n_at);
    if (truth && db && !scores && !labels_path)
        return cli_evaluate_truth(truth, db);
    fprintf(stderr, "evaluate: give --scores and --labels, or --truth and --db\n");
    return EXIT_USAGE;
}
