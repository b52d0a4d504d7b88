/*
 * cmd_stats.c - `breakwater stats`: official statistics over the stored
 * declarations, the command-line twin of GET /v1/stats (src/stats/stats.h,
 * docs/statistics.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "../reference/refdata.h"
#include "../stats/stats.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater stats --by DIM[,DIM[,DIM]] [OPTIONS]\n\n"
    "Counts, statistical value (CIF, in the jurisdiction's currency), quantity and\n"
    "net weight of the stored declarations, grouped by up to three dimensions:\n"
    "  origin, section, chapter, heading   (count items: each has its own HS code)\n"
    "  jurisdiction, region, mode, flow, transaction, type, band, irg, lane,\n"
    "  status, state, collection, submitter, day, week, month   (count declarations)\n\n"
    "options:\n"
    "  --db PATH            the SQLite database (default: breakwater.db)\n"
    "  --by DIMS            dimensions, comma-separated\n"
    "  --from DATE          first day (YYYY-MM-DD, assessment day, inclusive)\n"
    "  --to DATE            last day (inclusive)\n"
    "  --jurisdiction J     one jurisdiction only\n"
    "  --status S           accepted (default), rejected or all (all when --by names status)\n"
    "  --format F           table (default), csv or json\n"
    "  --data DIR           breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR        external reference data (default: $BREAKWATER_REFDATA)\n"
    "  --help               this text\n\n"
    "exit status: 0 done, 2 usage or store error\n";

typedef struct opts {
    cli_common c;
    const char *by, *from, *to, *jurisdiction, *status, *format;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        CLI_STORE_OPTIONS,
        {"by", required_argument, 0, 'y'},           {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},           {"jurisdiction", required_argument, 0, 'j'},
        {"status", required_argument, 0, 's'},       {"format", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},               {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_store_option(&o->c, c))
            continue;
        switch (c) {
        case 'y': o->by = optarg; break;
        case 'f': o->from = optarg; break;
        case 't': o->to = optarg; break;
        case 'j': o->jurisdiction = optarg; break;
        case 's': o->status = optarg; break;
        case 'o': o->format = optarg; break;
        case 'h': fputs(HELP, stdout); return -2;
        default: return cli_usage_error("stats", "unknown option"), -1;
        }
    }
    if (optind != argc)
        return cli_usage_error("stats", "unexpected argument \"%s\"", argv[optind]), -1;
    if (strcmp(o->format, "table") && strcmp(o->format, "csv") && strcmp(o->format, "json"))
        return cli_usage_error("stats", "--format: table, csv or json, not \"%s\"", o->format), -1;
    return 0;
}

int cmd_stats(int argc, char **argv)
{
    opts o = {.c.db = "breakwater.db", .format = "table"};
    int r = parse_opts(argc, argv, &o);
    if (r < 0)
        return r == -2 ? EXIT_OK : EXIT_USAGE;
    char err[1024];
    bw_stats_query q;
    if (!bw_stats_query_parse(o.by, o.from, o.to, o.jurisdiction, o.status, &q, err, sizeof err))
        return cli_usage_error("stats", "%s", err);
    bw_stats_config *cfg = bw_stats_config_load(bw_default_datadir(o.c.datadir), err, sizeof err);
    if (!cfg)
        return cli_usage_error("stats", "statistics reference data: %s", err);
    bw_refdata *rd = cli_load_refdata("stats", &o.c);
    bw_store *s = rd ? bw_store_open(o.c.db, err, sizeof err) : NULL;
    int rc = EXIT_USAGE;
    if (rd && !s)
        fprintf(stderr, "breakwater stats: %s\n", err);
    if (s) {
        q.rd = rd;
        bw_stats_result res;
        if (bw_stats_run(s, cfg, &q, &res, err, sizeof err)) {
            bw_buf out = {0};
            bw_stats_render(&res, o.format, &out);
            fwrite(out.p, 1, out.n, stdout);
            bw_buf_free(&out);
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "breakwater stats: %s\n", err);
        }
        bw_stats_result_free(&res);
    }
    bw_store_close(s);
    bw_refdata_free(rd);
    bw_stats_config_free(cfg);
    return rc;
}
