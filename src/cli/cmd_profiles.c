/*
 * cmd_profiles.c - `breakwater profiles`: check, list and time the risk
 * profiles (src/risk/profiles.h; format in data/profiles/README.md).
 *
 *   lint   loads the profiles (the data directory's, or the files named),
 *          checks their jurisdictions against the reference data, and says
 *          how each jurisdiction's profiles are indexed
 *   list   prints them, as a table or as the API's JSON
 *   bench  times bw_profiles_evaluate alone on real declarations with the
 *          shipped profiles plus N synthetic ones (bench/profiles.sh)
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../revenue/revenue.h"
#include "../risk/profiles.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater profiles lint [--data DIR] [--refdata DIR] [FILE...]\n"
    "       breakwater profiles list [--data DIR] [--format table|json]\n"
    "       breakwater profiles synth --synth N\n"
    "       breakwater profiles bench --synth N [--repeat R] [--as-of TIME] [--data DIR]\n"
    "                                 [--refdata DIR] FILE\n\n"
    "Risk profiles are analysts' criteria with a score and/or a lane, loaded from\n"
    "DIR/profiles/*.json (format: data/profiles/README.md).\n\n"
    "  lint   load and check the profiles (or only the FILEs named): every error names\n"
    "         the file, the profile and the member; jurisdictions must exist in the\n"
    "         reference data.  Prints per jurisdiction how many profiles apply and\n"
    "         which index each is filed under (\"*\": jurisdictions no profile names).\n"
    "  list   print the profiles in id order (json: the body of GET /v1/risk/profiles).\n"
    "  bench  time the profile evaluation alone on the declarations of FILE (e.g. from\n"
    "         'breakwater gen'), with the shipped profiles plus N synthetic ones; FILE is\n"
    "         decoded and run through the pipeline first, untimed; --repeat R evaluates each\n"
    "         batch of 256 declarations R times (default 1: each declaration once, as in\n"
    "         production, caches included).  Prints\n"
    "         \"profiles: N profiles, X evaluations/s, Y hits/declaration\".\n\n"
    "exit status: 0 ok, 1 the profiles have errors, 2 usage or I/O error\n";

typedef struct opts {
    cli_common c;
    const char *format;
    long long synth, repeat;
    int first_arg;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option long_opts[] = {
        {"data", required_argument, 0, 'd'},   {"refdata", required_argument, 0, 'r'},
        {"format", required_argument, 0, 'f'}, {"synth", required_argument, 0, 'n'},
        {"repeat", required_argument, 0, 'R'}, {"as-of", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 'd': o->c.datadir = optarg; break;
        case 'r': o->c.refdir = optarg; break;
        case 'f': o->format = optarg; break;
        case 'n':
        case 'R': {
            long long v = strtoll(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 10000000)
                return cli_usage_error("profiles", "--%s: \"%s\" is not a count", ch == 'n' ? "synth" : "repeat",
                                       optarg);
            *(ch == 'n' ? &o->synth : &o->repeat) = v;
            break;
        }
        case 't':
            if (!cli_parse_as_of("profiles", optarg, &o->c))
                return EXIT_USAGE;
            break;
        case 'h': fputs(HELP, stdout); return -1;
        default: return cli_usage_error("profiles", "unknown option");
        }
    }
    o->first_arg = optind;
    return EXIT_OK;
}

static bw_profiles *load(const opts *o, int argc, char **argv)
{
    char err[1024];
    bw_profiles *ps;
    if (o->first_arg < argc)
        ps = bw_profiles_load_files((const char *const *)argv + o->first_arg, (size_t)(argc - o->first_arg), err,
                                    sizeof err);
    else
        ps = bw_profiles_load(bw_default_datadir(o->c.datadir), err, sizeof err);
    if (!ps)
        fprintf(stderr, "breakwater profiles: %s\n", err);
    return ps;
}

/* ---- lint ----------------------------------------------------------------------- */

typedef struct jur_check {
    const bw_refdata *rd;
    int unknown;
} jur_check;

static void check_jurisdiction(const char *jur, void *ctx)
{
    jur_check *jc = ctx;
    if (!bw_jurisdiction_find(jc->rd, (bw_str){jur, (uint32_t)strlen(jur)})) {
        fprintf(stderr, "breakwater profiles: jurisdiction \"%s\" is named by profiles but not in the reference data\n",
                jur);
        jc->unknown++;
    }
}

static void print_stats(const bw_profiles *ps)
{
    bw_profiles_jur_stats st[64];
    size_t n = bw_profiles_stats(ps, st, 64);
    printf("%zu profiles\n", bw_profiles_count(ps));
    for (size_t i = 0; i < n && i < 64; i++) {
        printf("%-4s %6u profiles:", st[i].jurisdiction, st[i].profiles);
        for (int k = 0; k < BW_ANCHOR_COUNT; k++)
            if (st[i].by_anchor[k])
                printf(" %s %u", bw_profile_anchor_names[k], st[i].by_anchor[k]);
        printf("\n");
    }
}

static int run_lint(const opts *o, int argc, char **argv)
{
    bw_profiles *ps = load(o, argc, argv);
    if (!ps)
        return EXIT_REJECTED;
    bw_refdata *rd = cli_load_refdata("profiles", &o->c);
    if (!rd) {
        bw_profiles_free(ps);
        return EXIT_USAGE;
    }
    jur_check jc = {rd, 0};
    bw_profiles_each_jurisdiction(ps, check_jurisdiction, &jc);
    print_stats(ps);
    bw_refdata_free(rd);
    bw_profiles_free(ps);
    return jc.unknown ? EXIT_REJECTED : EXIT_OK;
}

/* ---- list ------------------------------------------------------------------------ */

static void print_table(const bw_profiles *ps)
{
    printf("%-14s %-12s %5s %-6s %-11s %s\n", "id", "where", "score", "lane", "index", "reason");
    for (size_t i = 0; i < bw_profiles_count(ps); i++) {
        bw_profile_info in;
        bw_profile_info_get(bw_profiles_at(ps, i), &in);
        char where[64] = "all", score[16] = "";
        size_t k = 0;
        for (size_t j = 0; j < in.n_jurisdictions && k + 10 < sizeof where; j++)
            k += (size_t)snprintf(where + k, sizeof where - k, "%s%s", j ? "," : "", in.jurisdictions[j]);
        if (in.has_score)
            snprintf(score, sizeof score, "%d", in.score);
        printf("%-14s %-12s %5s %-6s %-11s %s\n", in.id, where, score, in.lane == BW_LANE_NONE ? "" : bw_lane_names[in.lane],
               bw_profile_anchor_names[bw_profiles_anchor_of(ps, i)], in.reason ? in.reason : "");
    }
}

static int run_list(const opts *o, int argc, char **argv)
{
    const char *format = o->format ? o->format : "table";
    if (strcmp(format, "table") && strcmp(format, "json"))
        return cli_usage_error("profiles", "--format: \"%s\" must be table or json", format);
    bw_profiles *ps = load(o, argc, argv);
    if (!ps)
        return EXIT_REJECTED;
    if (!strcmp(format, "json")) {
        bw_buf b = {0};
        bw_profiles_json(ps, &b);
        bw_buf_putc(&b, '\n');
        fwrite(b.p, 1, b.n, stdout);
        bw_buf_free(&b);
    } else {
        print_table(ps);
    }
    bw_profiles_free(ps);
    return EXIT_OK;
}

/* ---- bench ------------------------------------------------------------------------ */

enum { BATCH = 256 };

/* One declaration ready for the profiles: the record, its outcome, its facts. */
typedef struct slot {
    bw_record rec;
    bw_outcome oc;
    bw_risk_facts f;
    bw_risk_result so_far;
} slot;

/* The thread's CPU time: on a shared machine, wall time also counts the
 * other processes' turns. */
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Party history and earlier detectors are not part of this benchmark;
 * their outputs are drawn from the ids so each run is the same: ~5% of
 * sellers first seen, ~3% occasional, ~10% of submitters AEO, ~1% of
 * declarations with a screening hit. */
static uint32_t synthetic_flags(const bw_declaration *d)
{
    uint64_t s = d->seller.id.p ? XXH3_64bits(d->seller.id.p, d->seller.id.n) : 0;
    uint64_t m = d->submitter.id.p ? XXH3_64bits(d->submitter.id.p, d->submitter.id.n) : 0;
    uint32_t f = 0;
    if (s % 100 < 5)
        f |= BW_PARTY_FIRST_TIME_SELLER;
    else if (s % 100 < 8)
        f |= BW_PARTY_OCCASIONAL_SELLER;
    if (m % 10 == 0)
        f |= BW_PARTY_AEO_SUBMITTER;
    return f;
}

/* Facts as the pipeline leaves them: values in the jurisdiction's currency. */
static void build_facts(slot *s, uint64_t n)
{
    bw_risk_facts *f = &s->f;
    const bw_declaration *d = &s->rec.decl;
    memset(f, 0, sizeof *f);
    f->decl = d;
    f->jurisdiction = d->jurisdiction;
    f->when = s->oc.assessed_at;
    f->category = s->oc.category;
    f->consignment_value = s->oc.consignment_value;
    if (s->oc.jurisdiction) {
        f->currency = s->oc.jurisdiction->currency;
        f->exponent = s->oc.jurisdiction->currency_exponent;
    }
    const bw_revenue *rv = s->oc.revenue;
    if (rv && rv->computed && rv->n_items == d->n_items) {
        int64_t *v = bw_arena_alloc(&s->rec.arena, sizeof *v * (d->n_items ? d->n_items : 1));
        for (uint32_t i = 0; i < d->n_items; i++)
            v[i] = rv->items[i].value;
        f->item_value = v;
    }
    f->party_flags = synthetic_flags(d);
    bw_risk_result_init(&s->so_far, &s->rec.arena);
    if (n % 100 == 0)
        bw_risk_add(&s->so_far, "screening.restricted", "bench", NULL, "synthetic", NULL, 0, BW_LANE_NONE);
    f->so_far = &s->so_far;
}

typedef struct bench_totals {
    uint64_t evaluated, hits;
    double seconds;
} bench_totals;

/* Times `repeat` passes of the profiles over one batch. */
static void time_batch(const bw_profiles *ps, slot *slots, int n, long long repeat, bw_arena *arena, bench_totals *t)
{
    bw_risk_result r;
    for (long long k = 0; k < repeat; k++) {
        bw_arena_reset(arena);
        uint64_t hits = 0;
        double t0 = now_s();
        for (int i = 0; i < n; i++) {
            bw_risk_result_init(&r, arena);
            bw_profiles_evaluate(ps, &slots[i].f, &r);
            hits += r.n_hits;
        }
        t->seconds += now_s() - t0;
        t->evaluated += (uint64_t)n;
        t->hits += hits;
    }
}

static bw_profiles *bench_profiles(const opts *o)
{
    char err[1024];
    bw_profiles *shipped = bw_profiles_load(bw_default_datadir(o->c.datadir), err, sizeof err);
    if (!shipped) {
        fprintf(stderr, "breakwater profiles: %s\n", err);
        return NULL;
    }
    char *json = bw_profiles_synth_json((uint32_t)o->synth, 1);
    size_t n = 0;
    bw_profile **v = bw_profiles_parse_many(json, strlen(json), "synthetic", &n, err, sizeof err);
    free(json);
    if (!v) {
        fprintf(stderr, "breakwater profiles: %s\n", err);
        bw_profiles_free(shipped);
        return NULL;
    }
    bw_profiles *ps = bw_profiles_compile(shipped, v, n);
    for (size_t i = 0; i < n; i++)
        bw_profile_free(v[i]);
    free(v);
    bw_profiles_free(shipped);
    return ps;
}

static int bench_file(const opts *o, const bw_profiles *ps, const bw_refdata *rd, const char *path)
{
    int fd = cli_open_input("profiles", path);
    if (fd < 0)
        return EXIT_USAGE;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0) {
        fprintf(stderr, "breakwater profiles: %s: empty or unreadable\n", path);
        close(fd);
        return EXIT_USAGE;
    }
    /* mapped, so the declarations' strings (slices of the input) outlive the batch */
    const char *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (text == MAP_FAILED) {
        fprintf(stderr, "breakwater profiles: %s: cannot map\n", path);
        return EXIT_USAGE;
    }
    bw_reader *r = bw_reader_new_mem(text, (size_t)st.st_size, NULL);
    slot *slots = calloc(BATCH, sizeof *slots);
    for (int i = 0; i < BATCH; i++)
        bw_record_init(&slots[i].rec);
    bw_arena arena;
    bw_arena_init(&arena);
    bw_pipeline p = {.rd = rd, .as_of = o->c.as_of};
    bench_totals t = {0};
    uint64_t read = 0, rejected = 0;
    for (bool more = true; more;) {
        int n = 0;
        while (n < BATCH) {
            slot *s = &slots[n];
            if (bw_reader_next(r, &s->rec) != 1) {
                more = false;
                break;
            }
            read++;
            bw_pipeline_run(&p, &s->rec, &s->oc);
            if (s->oc.status != BW_STATUS_ACCEPTED) {
                rejected++;
                continue;
            }
            build_facts(s, read);
            n++;
        }
        time_batch(ps, slots, n, o->repeat ? o->repeat : 1, &arena, &t);
    }
    double rate = t.seconds > 0 ? (double)t.evaluated / t.seconds : 0;
    printf("profiles: %zu profiles, %.0f evaluations/s, %.3f hits/declaration (%.0f ns each; %llu declarations, "
           "%llu rejected by the pipeline and not evaluated)\n",
           bw_profiles_count(ps), rate, t.evaluated ? (double)t.hits / (double)t.evaluated : 0,
           t.evaluated ? t.seconds * 1e9 / (double)t.evaluated : 0, (unsigned long long)(read - rejected),
           (unsigned long long)rejected);
    for (int i = 0; i < BATCH; i++)
        bw_record_free(&slots[i].rec);
    free(slots);
    bw_arena_free(&arena);
    bw_reader_free(r);
    munmap((void *)text, (size_t)st.st_size);
    return t.evaluated ? EXIT_OK : EXIT_USAGE;
}

static int run_bench(const opts *o, int argc, char **argv)
{
    if (o->first_arg != argc - 1)
        return cli_usage_error("profiles", "bench: name one FILE of declarations");
    bw_refdata *rd = cli_load_refdata("profiles", &o->c);
    if (!rd)
        return EXIT_USAGE;
    bw_profiles *ps = bench_profiles(o);
    int rc = ps ? bench_file(o, ps, rd, argv[argc - 1]) : EXIT_REJECTED;
    bw_profiles_free(ps);
    bw_refdata_free(rd);
    return rc;
}

int cmd_profiles(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    opts o = {.synth = -1};
    int rc = parse_opts(argc - 1, argv + 1, &o);
    if (rc < 0)
        return EXIT_OK;
    if (rc != EXIT_OK)
        return rc;
    o.first_arg += 1; /* back to argv's numbering */
    if (!strcmp(argv[1], "lint"))
        return run_lint(&o, argc, argv);
    if (!strcmp(argv[1], "list"))
        return run_list(&o, argc, argv);
    if (!strcmp(argv[1], "synth")) { /* N synthetic profiles as a profiles file, for benchmarks */
        if (o.synth < 0)
            return cli_usage_error("profiles", "synth: --synth N is required");
        char *json = bw_profiles_synth_json((uint32_t)o.synth, 1);
        fputs(json, stdout);
        free(json);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "bench")) {
        if (o.synth < 0)
            return cli_usage_error("profiles", "bench: --synth N is required");
        return run_bench(&o, argc, argv);
    }
    return cli_usage_error("profiles", "unknown subcommand \"%s\" (lint, list, synth or bench)", argv[1]);
}
