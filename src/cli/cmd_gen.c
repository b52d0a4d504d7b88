/*
 * cmd_gen.c - `breakwater gen`: print synthetic declarations as NDJSON.
 *
 * A thin shell over bw_gen_run(), bw_gen_registry() and bw_gen_watchlist()
 * (src/gen/gen.h): parse and check the arguments, pick the data directory,
 * write the vendor scheme registry and the offender list when asked,
 * stream the declarations to stdout (and their truth to --truth).  All the
 * realism lives in the library so that tests and benchmarks can call it
 * directly; docs/generator.md describes the anomalies.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../gen/gen.h"

static const char GEN_USAGE[] =
    "usage: breakwater gen --count N [--seed S] [--jurisdiction J] [--data DIR]\n"
    "                      [--registry FILE] [--watchlist FILE] [--days N]\n"
    "                      [--anomalies RATE] [--truth FILE] [--outcomes]\n"
    "       breakwater gen --registry FILE [--seed S] [--jurisdiction J]\n"
    "       breakwater gen --watchlist FILE [--seed S]\n"
    "\n"
    "Prints N synthetic cross-border e-commerce declarations, one JSON object\n"
    "per line, shaped like the declaration example. The same arguments always\n"
    "give the same bytes, so the output serves as demo data and benchmark input.\n"
    "\n"
    "  -n, --count N         number of declarations (> 0; required unless only\n"
    "                        --registry or --watchlist is asked for)\n"
    "  -s, --seed S          random seed, 0 or more (default 1)\n"
    "  -j, --jurisdiction J  only this importing jurisdiction: EU GB US AU CA CN\n"
    "                        (default: a mix of all six)\n"
    "  -d, --data DIR        reference data directory holding demo/catalogue.tsv\n"
    "                        (default: $BREAKWATER_DATA, else the built-in path)\n"
    "  -r, --registry FILE   also write to FILE the vendor scheme registry\n"
    "                        (data/registries/README.md) in which every IOSS,\n"
    "                        UK VAT and ARN number gen can emit for this seed\n"
    "                        is valid, whatever the count, plus a few revoked\n"
    "                        numbers it never uses; validate the output with\n"
    "                        BREAKWATER_REGISTRY=FILE. Without --count, only\n"
    "                        the registry is written.\n"
    "  -a, --anomalies RATE  that share of the records (0 to 1, e.g. 0.05) carry one\n"
    "                        labelled anomaly each: undervaluation, splitting,\n"
    "                        misclassification, watchlist, prohibited,\n"
    "                        reconciliation, first_time_high_risk, fake_scheme\n"
    "                        (docs/generator.md); payments also name their payer\n"
    "  -t, --truth FILE      write one NDJSON line per record to FILE, in output\n"
    "                        order: submitter, declaration_id, pattern (\"clean\" or\n"
    "                        the anomaly), group (linked records), date, revenue\n"
    "                        at stake and its currency\n"
    "  -w, --watchlist FILE  write the offender list (TSV) the watchlist anomalies\n"
    "                        of this seed are drawn from. Without --count, only\n"
    "                        the list is written.\n"
    "      --days N          spread the order dates over N days ending 2026-11-20,\n"
    "                        growing with the record number (a time-ordered stream)\n"
    "      --outcomes        add to every record \"outcome\": whether inspection found\n"
    "                        fraud and the revenue at stake (a labelled history)\n"
    "  -h, --help            show this help\n"
    "\n"
    "example: breakwater gen --count 1000000 --seed 7 > decl.ndjson\n"
    "         breakwater gen --count 2000 --registry reg.tsv > decl.ndjson\n"
    "         BREAKWATER_REGISTRY=reg.tsv breakwater validate decl.ndjson\n"
    "         breakwater gen --count 20000 --anomalies 0.05 --truth truth.ndjson \\\n"
    "             --watchlist watchlist.tsv --registry reg.tsv --days 90 > decl.ndjson\n";

/* The files gen writes besides stdout. */
typedef struct gen_files {
    const char *registry, *watchlist, *truth;
} gen_files;

/* Strict: digits only (no sign, no spaces), no overflow, nothing after. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int known_jurisdiction(const char *j)
{
    static const char *const codes[] = {"EU", "GB", "US", "AU", "CA", "CN"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(j, codes[i]) == 0)
            return 1;
    return 0;
}

static const char *default_datadir(void)
{
    const char *env = getenv("BREAKWATER_DATA");
    if (env && *env)
        return env;
#ifdef BW_DATADIR
    return BW_DATADIR;
#else
    return "data";
#endif
}

enum { OPT_DAYS = 1000, OPT_OUTCOMES };

/* The options that write a file: a name is required. */
static int file_arg(const char *opt, const char *arg, const char **out)
{
    if (!*arg)
        return cli_usage_error("gen", "%s wants a file name", opt);
    *out = arg;
    return 0;
}

/* Fills opt and files from argv; returns -1 when help was printed,
 * EXIT_USAGE on a bad argument (message already printed), 0 to go ahead. */
static int parse_gen_args(int argc, char **argv, bw_gen_options *opt, gen_files *files)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"jurisdiction", required_argument, NULL, 'j'},
        {"data", required_argument, NULL, 'd'},
        {"registry", required_argument, NULL, 'r'},
        {"anomalies", required_argument, NULL, 'a'},
        {"truth", required_argument, NULL, 't'},
        {"watchlist", required_argument, NULL, 'w'},
        {"days", required_argument, NULL, OPT_DAYS},
        {"outcomes", no_argument, NULL, OPT_OUTCOMES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int have_count = 0, c, rc;
    uint64_t days;
    opterr = 0; /* our own messages, in the house style */
    optind = 1; /* the caller may have run getopt already */
    while ((c = getopt_long(argc, argv, ":n:s:j:d:r:a:t:w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_u64(optarg, &opt->count) || opt->count == 0)
                return cli_usage_error("gen", "--count wants a positive integer, not '%s'", optarg);
            have_count = 1;
            break;
        case 's':
            if (parse_u64(optarg, &opt->seed))
                return cli_usage_error("gen", "--seed wants a non-negative integer, not '%s'", optarg);
            break;
        case 'j':
            if (!known_jurisdiction(optarg))
                return cli_usage_error("gen", "unknown jurisdiction '%s' (expected one of EU GB US AU CA CN)", optarg);
            opt->jurisdiction = optarg;
            break;
        case 'd':
            opt->datadir = optarg;
            break;
        case 'r':
        case 'w':
        case 't':
            rc = file_arg(c == 'r' ? "--registry" : c == 'w' ? "--watchlist" : "--truth", optarg,
                          c == 'r' ? &files->registry : c == 'w' ? &files->watchlist : &files->truth);
            if (rc)
                return rc;
            break;
        case 'a':
            if (bw_gen_parse_rate(optarg, &opt->anomaly_ppm))
                return cli_usage_error("gen", "--anomalies wants a rate from 0 to 1 such as 0.05 (at most six decimals), not '%s'", optarg);
            opt->anomalies = true;
            break;
        case OPT_DAYS:
            if (parse_u64(optarg, &days) || days == 0 || days > 36500)
                return cli_usage_error("gen", "--days wants a number of days from 1 to 36500, not '%s'", optarg);
            opt->days = (uint32_t)days;
            break;
        case OPT_OUTCOMES:
            opt->outcomes = true;
            break;
        case 'h':
            fputs(GEN_USAGE, stdout);
            return -1;
        case ':':
            return cli_usage_error("gen", "%s needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return cli_usage_error("gen", "unknown option '-%c'", optopt);
            return cli_usage_error("gen", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("gen", "unexpected argument '%s'", argv[optind]);
    if (!have_count && !files->registry && !files->watchlist) /* the lists alone need no count */
        return cli_usage_error("gen", "--count is required");
    if (!have_count && (files->truth || opt->anomalies || opt->days || opt->outcomes))
        return cli_usage_error("gen", "--anomalies, --truth, --days and --outcomes need --count");
    return 0;
}

typedef int (*list_writer)(const bw_gen_options *, FILE *, char *, size_t);

/* The registry and the offender list go first: a file that cannot be
 * written stops the run before any declaration is printed. */
static int write_list(const bw_gen_options *opt, list_writer fn, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char why[512];
    int rc = fn(opt, f, why, sizeof why);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        rc = -1;
    }
    if (rc)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

static int gen_failed(const char *err)
{
    fprintf(stderr, "breakwater gen: %s\n", err);
    return EXIT_USAGE; /* I/O and data errors share exit code 2 */
}

int cmd_gen(int argc, char **argv)
{
    bw_gen_options opt = {.count = 0, .seed = 1, .jurisdiction = NULL, .datadir = NULL};
    gen_files files = {NULL, NULL, NULL};
    int rc = parse_gen_args(argc, argv, &opt, &files);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!opt.datadir)
        opt.datadir = default_datadir();
    char err[1024];
    if (files.registry && write_list(&opt, bw_gen_registry, files.registry, err, sizeof err) != 0)
        return gen_failed(err);
    if (files.watchlist && write_list(&opt, bw_gen_watchlist, files.watchlist, err, sizeof err) != 0)
        return gen_failed(err);
    if (opt.count == 0) /* only the lists were asked for */
        return EXIT_OK;
    FILE *truth = NULL;
    if (files.truth && !(truth = fopen(files.truth, "w"))) {
        snprintf(err, sizeof err, "%s: %s", files.truth, strerror(errno));
        return gen_failed(err);
    }
    opt.truth = truth;
    rc = bw_gen_run(&opt, stdout, err, sizeof err);
    if (truth && fclose(truth) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s: %s", files.truth, strerror(errno));
        rc = -1;
    }
    return rc ? gen_failed(err) : EXIT_OK;
}
