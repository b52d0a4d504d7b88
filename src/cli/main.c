/*
 * main.c - the breakwater command: dispatches to one file per subcommand.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *what;
} COMMANDS[] = {
    {"validate", cmd_validate, "check declarations, print their errors as NDJSON"},
    {"ingest", cmd_ingest, "validate, decide and store declarations"},
    {"show", cmd_show, "print a stored declaration with its status and history"},
    {"gen", cmd_gen, "generate realistic synthetic declarations as NDJSON"},
    {"serve", cmd_serve, "serve the HTTP API"},
    {"keys", cmd_keys, "add, list and revoke API keys"},
    {"accounts", cmd_accounts, "intermediary accounts: add, list, monthly statements"},
    {"pay", cmd_pay, "record electronic payments for declarations or accounts"},
    {"quote", cmd_quote, "a buyer's landed-cost estimate for a prospective purchase"},
    {"inspect", cmd_inspect, "record what an inspection found (feeds risk management)"},
    {"screen", cmd_screen, "screen goods descriptions against the prohibited and restricted list"},
    {"profiles", cmd_profiles, "risk profiles: check, list, time the evaluation"},
    {"records", cmd_records, "order, payment and logistics records: add (and compare), show"},
    {"simulate", cmd_simulate, "the de minimis simulator: stored history under other thresholds"},
    {"publish", cmd_publish, "public information as static files: thresholds, prohibited goods, seizures"},
    {"routes", cmd_routes, "print the routes of the HTTP API"},
    {"train", cmd_train, "learn a risk model from past declarations and inspection outcomes"},
    {"score", cmd_score, "score declarations with a learned risk model"},
    {"evaluate", cmd_evaluate, "precision, recall and revenue at the top n% of a ranking"},
    {"watchlist", cmd_watchlist, "offender watchlist: check declarations, match names, synthesize lists"},
    {"arrive", cmd_arrive, "record a carrier's arrival manifest: immediate release or hold"},
    {"queue", cmd_queue, "the officer's work queue: held declarations, AEO first"},
    {"act", cmd_act, "an officer's decision: release, refuse, seize, return, destroy, hold"},
    {"referrals", cmd_referrals, "do-not-load referrals issued before loading"},
    {"unmatched", cmd_unmatched, "parcels that arrived without data"},
    {"agency", cmd_agency, "other government agencies: interests, queue, hold and release"},
    {"aeo", cmd_aeo, "the AEO registry: status changes on top of data/aeo"},
    {"return", cmd_return, "declare a return of a released import (refund after export)"},
    {"returned", cmd_returned, "the goods of a return were exported: refund, proof, quota"},
    {"returns", cmd_returns, "the returns of a declaration with their refunds"},
    {"consolidated", cmd_consolidated, "an account's consolidated declaration for a month"},
    {"stats", cmd_stats, "statistics of stored declarations by origin, HS, flow, lane, period ..."},
    {"kpis", cmd_kpis, "KPIs: data quality, inspection and hit rates, compliance, revenue, release times"},
};

static void usage(FILE *f)
{
    fprintf(f, "breakwater - customs clearance for cross-border e-commerce\n\n"
               "usage: breakwater COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].what);
    fprintf(f, "\n'breakwater COMMAND --help' describes each.\n"
               "exit status: 0 ok, 1 some records rejected, 2 usage or I/O error\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "breakwater %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'breakwater %s --help')\n", cmd);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name))
            return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "breakwater: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
