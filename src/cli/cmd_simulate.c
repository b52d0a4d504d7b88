/*
 * cmd_simulate.c - `breakwater simulate`: the de minimis simulator
 * (src/stats/simulate.h, docs/simulator.md), the command-line twin of
 * POST /v1/simulate.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "../stats/simulate.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater simulate --jurisdiction J --scenario NAME:duty=X,tax=Y[,basis=B][,full=Z] ...\n"
    "                           [--db PATH] [--from DATE] [--to DATE] [--format table|csv|json] [--svg FILE]\n\n"
    "Replays the accepted declarations of jurisdiction J stored in the period under\n"
    "other de minimis thresholds and shows, per scenario side by side: revenue (duty,\n"
    "tax, total), consignments that would owe duty and tax, full and simplified\n"
    "declarations needed, estimated collection cost (data/simulate/costs.json), net\n"
    "revenue, and the share of consignments by origin above a threshold.  The\n"
    "scenario `current` (the rules in force on each declaration's day) comes first\n"
    "and is checked against what was assessed.\n\n"
    "A scenario: X and Y are amounts in J's currency (\"150.00\") or none (always\n"
    "due); basis is the value compared: intrinsic (the goods), customs (the customs\n"
    "value: CIF or FOB as J values) or cif (goods + freight + insurance); default:\n"
    "what J's rules compare.  full=Z: the full-declaration threshold (default: X).\n\n"
    "options:\n"
    "  --db PATH          the SQLite database (default: breakwater.db)\n"
    "  --jurisdiction J   AU, CA, CN, EU, GB, US, ...\n"
    "  --scenario S       a scenario (repeat: at most 15)\n"
    "  --from DATE        first assessment day (YYYY-MM-DD; default: the first)\n"
    "  --to DATE          last assessment day, included (default: the last)\n"
    "  --format F         table (default), csv or json\n"
    "  --svg FILE         also write a bar chart: revenue, cost, net per scenario\n"
    "  --data DIR         breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR      external reference data (default: $BREAKWATER_REFDATA)\n"
    "  --help             this text\n\n"
    "exit status: 0 done, 1 the current scenario differs from what was assessed, 2 usage or store error\n";

enum { SCENARIOS_MAX = 16 };

typedef struct opts {
    cli_common c;
    const char *jurisdiction, *format, *svg, *from, *to;
    const char *scenarios[SCENARIOS_MAX];
    int n;
} opts;

static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        CLI_STORE_OPTIONS,
        {"jurisdiction", required_argument, 0, 'j'}, {"scenario", required_argument, 0, 's'},
        {"from", required_argument, 0, 'f'},         {"to", required_argument, 0, 't'},
        {"format", required_argument, 0, 'F'},       {"svg", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},               {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_store_option(&o->c, c))
            continue;
        switch (c) {
        case 'j': o->jurisdiction = optarg; break;
        case 's':
            if (o->n == SCENARIOS_MAX - 1)
                return cli_usage_error("simulate", "--scenario: at most %d scenarios besides current",
                                       SCENARIOS_MAX - 1), -1;
            o->scenarios[o->n++] = optarg;
            break;
        case 'f': o->from = optarg; break;
        case 't': o->to = optarg; break;
        case 'F': o->format = optarg; break;
        case 'S': o->svg = optarg; break;
        case 'h': fputs(HELP, stdout); return -2;
        default: cli_usage_error("simulate", "unknown option (see --help)"); return -1;
        }
    }
    if (optind != argc)
        return cli_usage_error("simulate", "unexpected argument \"%s\"", argv[optind]), -1;
    if (!o->jurisdiction)
        return cli_usage_error("simulate", "--jurisdiction is required"), -1;
    if (!o->format)
        o->format = "table";
    if (strcmp(o->format, "table") && strcmp(o->format, "csv") && strcmp(o->format, "json"))
        return cli_usage_error("simulate", "--format: table, csv or json, not \"%s\"", o->format), -1;
    return 0;
}

/* A day "YYYY-MM-DD" as midnight UTC; the day after for --to (included). */
static bool day_arg(const char *name, const char *s, bool end, bw_time *out)
{
    *out = 0;
    if (!s)
        return true;
    if (strlen(s) != 10 || !bw_time_parse(s, 10, out)) {
        cli_usage_error("simulate", "--%s: \"%s\" is not a date (YYYY-MM-DD)", name, s);
        return false;
    }
    if (end)
        *out += 86400;
    return true;
}

static bool write_file(const char *path, bw_buf *b)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(b->p, 1, b->n, f) == b->n;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "breakwater simulate: %s: cannot write\n", path);
    return ok;
}

static int run(const opts *o, const bw_refdata *rd, bw_store *s)
{
    const bw_jurisdiction *j = bw_jurisdiction_find(rd, (bw_str){o->jurisdiction, (uint32_t)strlen(o->jurisdiction)});
    if (!j)
        return cli_usage_error("simulate", "--jurisdiction: unknown \"%s\" (known: %s)", o->jurisdiction,
                               bw_jurisdiction_ids(rd));
    bw_sim_scenario sc[SCENARIOS_MAX];
    bw_sim_scenario_current(&sc[0]);
    char err[1024];
    for (int i = 0; i < o->n; i++) {
        if (!bw_sim_scenario_parse(o->scenarios[i], j, &sc[i + 1], err, sizeof err))
            return cli_usage_error("simulate", "%s", err);
        for (int k = 1; k <= i; k++)
            if (!strcmp(sc[k].name, sc[i + 1].name))
                return cli_usage_error("simulate", "scenario %s: the name is given twice", sc[k].name);
    }
    bw_time from, to;
    if (!day_arg("from", o->from, false, &from) || !day_arg("to", o->to, true, &to))
        return EXIT_USAGE;
    if (from && to && from >= to)
        return cli_usage_error("simulate", "--from %s is after --to %s", o->from, o->to);
    bw_sim_costs costs;
    bw_sim_run r;
    if (!bw_sim_replay(s, rd, bw_default_datadir(o->c.datadir), j, sc, (uint32_t)o->n + 1, from, to, &costs, &r,
                       err, sizeof err)) {
        fprintf(stderr, "breakwater simulate: %s\n", err);
        return EXIT_USAGE;
    }
    bw_buf out = {0};
    if (!strcmp(o->format, "json"))
        bw_sim_json(&r, &out);
    else if (!strcmp(o->format, "csv"))
        bw_sim_csv(&r, &out);
    else
        bw_sim_table(&r, &out);
    fwrite(out.p, 1, out.n, stdout);
    int rc = bw_sim_current_matches(&r, 0) ? EXIT_OK : EXIT_REJECTED;
    if (o->svg) {
        out.n = 0;
        bw_sim_svg(&r, &out);
        if (!write_file(o->svg, &out))
            rc = EXIT_USAGE;
    }
    bw_buf_free(&out);
    bw_sim_run_free(&r);
    bw_sim_costs_free(&costs);
    return rc;
}

int cmd_simulate(int argc, char **argv)
{
    opts o = {0};
    int p = parse_opts(argc, argv, &o);
    if (p == -2)
        return EXIT_OK;
    if (p < 0)
        return EXIT_USAGE;
    bw_refdata *rd = cli_load_refdata("simulate", &o.c);
    if (!rd)
        return EXIT_USAGE;
    char err[512];
    bw_store *s = bw_store_open(o.c.db ? o.c.db : "breakwater.db", err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater simulate: %s\n", err);
        bw_refdata_free(rd);
        return EXIT_USAGE;
    }
    int rc = run(&o, rd, s);
    bw_store_close(s);
    bw_refdata_free(rd);
    return rc;
}
