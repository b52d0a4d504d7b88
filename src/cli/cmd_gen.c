/*
 * cmd_gen.c - `breakwater gen`: print synthetic declarations as NDJSON.
 *
 * A thin shell over bw_gen_run() and bw_gen_registry() (src/gen/gen.h):
 * parse and check the arguments, pick the data directory, write the vendor
 * scheme registry when asked, stream the declarations to stdout.  All the
 * realism lives in the library so that tests and benchmarks can call it
 * directly.
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
    "                      [--registry FILE]\n"
    "       breakwater gen --registry FILE [--seed S] [--jurisdiction J]\n"
    "\n"
    "Prints N synthetic cross-border e-commerce declarations, one JSON object\n"
    "per line, shaped like the declaration example. The same arguments always\n"
    "give the same bytes, so the output serves as demo data and benchmark input.\n"
    "\n"
    "  -n, --count N         number of declarations (> 0; required unless --registry)\n"
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
    "  -h, --help            show this help\n"
    "\n"
    "example: breakwater gen --count 1000000 --seed 7 > decl.ndjson\n"
    "         breakwater gen --count 2000 --registry reg.tsv > decl.ndjson\n"
    "         BREAKWATER_REGISTRY=reg.tsv breakwater validate decl.ndjson\n";

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

/* Fills opt (and *registry) from argv; returns -1 when help was printed,
 * EXIT_USAGE on a bad argument (message already printed), 0 to go ahead. */
static int parse_gen_args(int argc, char **argv, bw_gen_options *opt, const char **registry)
{
    static const struct option longopts[] = {
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"jurisdiction", required_argument, NULL, 'j'},
        {"data", required_argument, NULL, 'd'},
        {"registry", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int have_count = 0, c;
    opterr = 0; /* our own messages, in the house style */
    optind = 1; /* the caller may have run getopt already */
    while ((c = getopt_long(argc, argv, ":n:s:j:d:r:h", longopts, NULL)) != -1) {
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
            if (!*optarg)
                return cli_usage_error("gen", "--registry wants a file name");
            *registry = optarg;
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
    if (!have_count && !*registry) /* a registry alone needs no count */
        return cli_usage_error("gen", "--count is required");
    return 0;
}

/* The registry goes first: a file that cannot be written stops the run
 * before any declaration is printed. */
static int write_registry(const bw_gen_options *opt, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char why[256];
    int rc = bw_gen_registry(opt, f, why, sizeof why);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(why, sizeof why, "%s", strerror(errno));
        rc = -1;
    }
    if (rc)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

int cmd_gen(int argc, char **argv)
{
    bw_gen_options opt = {.count = 0, .seed = 1, .jurisdiction = NULL, .datadir = NULL};
    const char *registry = NULL;
    int rc = parse_gen_args(argc, argv, &opt, &registry);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!opt.datadir)
        opt.datadir = default_datadir();
    char err[512];
    if (registry && write_registry(&opt, registry, err, sizeof err) != 0) {
        fprintf(stderr, "breakwater gen: %s\n", err);
        return EXIT_USAGE;
    }
    if (opt.count == 0) /* only the registry was asked for */
        return EXIT_OK;
    if (bw_gen_run(&opt, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "breakwater gen: %s\n", err);
        return EXIT_USAGE; /* I/O and data errors share exit code 2 */
    }
    return EXIT_OK;
}
