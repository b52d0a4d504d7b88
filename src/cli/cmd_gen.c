/*
 * cmd_gen.c - `breakwater gen`: print synthetic declarations as NDJSON.
 *
 * A thin shell over bw_gen_run() (src/gen/gen.h): parse and check the
 * arguments, pick the data directory, stream to stdout.  All the realism
 * lives in the library so that tests and benchmarks can call it directly.
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
    "\n"
    "Prints N synthetic cross-border e-commerce declarations, one JSON object\n"
    "per line, shaped like the declaration example. The same arguments always\n"
    "give the same bytes, so the output serves as demo data and benchmark input.\n"
    "\n"
    "  -n, --count N         number of declarations (required, > 0)\n"
    "  -s, --seed S          random seed, 0 or more (default 1)\n"
    "  -j, --jurisdiction J  only this importing jurisdiction: EU GB US AU CA CN\n"
    "                        (default: a mix of all six)\n"
    "  -d, --data DIR        reference data directory holding demo/catalogue.tsv\n"
    "                        (default: $BREAKWATER_DATA, else the built-in path)\n"
    "  -h, --help            show this help\n"
    "\n"
    "example: breakwater gen --count 1000000 --seed 7 > decl.ndjson\n";

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

/* Fills opt from argv; returns -1 when help was printed, EXIT_USAGE on a
 * bad argument (message already printed), 0 to go ahead. */
static int parse_gen_args(int argc, char **argv, bw_gen_options *opt)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"jurisdiction", required_argument, NULL, 'j'},
        {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int have_count = 0, c;
    opterr = 0; /* our own messages, in the house style */
    optind = 1; /* the caller may have run getopt already */
    while ((c = getopt_long(argc, argv, ":n:s:j:d:h", longopts, NULL)) != -1) {
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
    if (!have_count)
        return cli_usage_error("gen", "--count is required");
    return 0;
}

int cmd_gen(int argc, char **argv)
{
    bw_gen_options opt = {.count = 0, .seed = 1, .jurisdiction = NULL, .datadir = NULL};
    int rc = parse_gen_args(argc, argv, &opt);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!opt.datadir)
        opt.datadir = default_datadir();
    char err[512];
    if (bw_gen_run(&opt, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "breakwater gen: %s\n", err);
        return EXIT_USAGE; /* I/O and data errors share exit code 2 */
    }
    return EXIT_OK;
}
