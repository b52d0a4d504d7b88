/*
 * cmd_kpis.c - `breakwater kpis`: the KPIs of a period, the command-line
 * twin of GET /v1/kpis (src/stats/stats.h, docs/statistics.md).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "../reference/refdata.h"
#include "../stats/stats.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater kpis [OPTIONS]\n\n"
    "Prints one JSON object: data quality per submitter (completeness, rejection\n"
    "rate, error codes), inspection and hit rates per lane and per risk profile,\n"
    "the compliance rate of random selection with its 95% Wilson interval,\n"
    "revenue by collection model, and - once the lifecycle records them -\n"
    "timeliness, release time from arrival and refunds (else \"not available\").\n\n"
    "options:\n"
    "  --db PATH            the SQLite database (default: breakwater.db)\n"
    "  --from DATE          first day (YYYY-MM-DD, inclusive)\n"
    "  --to DATE            last day (inclusive)\n"
    "  --jurisdiction J     one jurisdiction only\n"
    "  --data DIR           breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR        external reference data (default: $BREAKWATER_REFDATA)\n"
    "  --help               this text\n\n"
    "exit status: 0 done, 2 usage or store error\n";

int cmd_kpis(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'b'},   {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},   {"jurisdiction", required_argument, 0, 'j'},
        {"data", required_argument, 0, 'd'}, {"refdata", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = "breakwater.db", *from = NULL, *to = NULL, *jur = NULL;
    cli_common cc = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': db = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'j': jur = optarg; break;
        case 'd': cc.datadir = optarg; break;
        case 'r': cc.refdir = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("kpis", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("kpis", "unexpected argument \"%s\"", argv[optind]);
    char err[1024];
    bw_stats_query q; /* the same period and jurisdiction checks as stats */
    if (!bw_stats_query_parse("day", from, to, jur, NULL, &q, err, sizeof err))
        return cli_usage_error("kpis", "%s", err);
    bw_kpi_query kq = {q.day_from, q.day_to, q.jurisdiction, NULL};
    bw_stats_config *cfg = bw_stats_config_load(bw_default_datadir(cc.datadir), err, sizeof err);
    if (!cfg)
        return cli_usage_error("kpis", "statistics reference data: %s", err);
    bw_refdata *rd = cli_load_refdata("kpis", &cc); /* the jurisdictions' currencies */
    kq.rd = rd;
    bw_store *s = rd ? bw_store_open(db, err, sizeof err) : NULL;
    int rc = EXIT_USAGE;
    if (!rd) {
    } else if (!s) {
        fprintf(stderr, "breakwater kpis: %s\n", err);
    } else {
        bw_buf out = {0};
        if (bw_kpis_run(s, cfg, &kq, &out, err, sizeof err)) {
            fwrite(out.p, 1, out.n, stdout);
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "breakwater kpis: %s\n", err);
        }
        bw_buf_free(&out);
    }
    bw_store_close(s);
    bw_refdata_free(rd);
    bw_stats_config_free(cfg);
    return rc;
}
