/*
 * cli.h - the subcommands of the breakwater command line.
 *
 * Every command takes its own arguments (argv[0] is the command name),
 * answers --help, and returns the process exit code:
 *   0 ok, 1 some records rejected, 2 usage or I/O error.
 */
#ifndef BW_CLI_H
#define BW_CLI_H

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_USAGE = 2 };

int cmd_validate(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_accounts(int argc, char **argv);
int cmd_pay(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_screen(int argc, char **argv);
int cmd_profiles(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_records(int argc, char **argv);
int cmd_watchlist(int argc, char **argv);
/* the de minimis simulator and publication (cmd_simulate.c, cmd_publish.c) */
int cmd_simulate(int argc, char **argv);
int cmd_publish(int argc, char **argv);
/* the clearance lifecycle (cmd_lifecycle.c) */
int cmd_arrive(int argc, char **argv);
int cmd_queue(int argc, char **argv);
int cmd_act(int argc, char **argv);
int cmd_referrals(int argc, char **argv);
int cmd_unmatched(int argc, char **argv);
/* other government agencies (cmd_oga.c) and the AEO registry (cmd_aeo.c) */
int cmd_agency(int argc, char **argv);
int cmd_aeo(int argc, char **argv);
/* returns, refunds and consolidated declarations (cmd_returns.c) */
int cmd_return(int argc, char **argv);
int cmd_returned(int argc, char **argv);
int cmd_returns(int argc, char **argv);
int cmd_consolidated(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_kpis(int argc, char **argv);

/* Options shared by the commands that run the pipeline. */
typedef struct cli_common {
    const char *datadir, *refdir, *db;
    long long as_of;        /* 0: the clock */
} cli_common;

#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "../view/result.h"

/* Loads reference data for `cmd`; prints the error and returns NULL. */
bw_refdata *cli_load_refdata(const char *cmd, const cli_common *c);
/* Loads the risk lists (policy, screening, watchlist, profiles) and makes an
 * engine with fresh learned state; prints the error and returns NULL. */
struct bw_risk_engine *cli_load_risk(const char *cmd, const cli_common *c);
/* What the engine learned in earlier runs and analysts' profile edits, from
 * the store; and the learned state back to it.  false after printing. */
bool cli_risk_restore(const char *cmd, struct bw_risk_engine *e, bw_store *s);
bool cli_risk_save(const char *cmd, struct bw_risk_engine *e, bw_store *s);
/* Opens the store at db; NULL after printing the error. */
bw_store *cli_open_store(const char *cmd, const char *db);
/* Opens FILE or "-" for reading; -1 after printing the error. */
int cli_open_input(const char *cmd, const char *path);
/* Parses --as-of (ISO 8601); false after printing the error. */
bool cli_parse_as_of(const char *cmd, const char *arg, cli_common *c);
/* The options of the commands that read a store, for getopt_long's table
 * (the including file includes <getopt.h>): --db, --data, --refdata. */
#define CLI_STORE_OPTIONS                                                                                              \
    {"db", required_argument, 0, 'b'}, {"data", required_argument, 0, 'd'}, {"refdata", required_argument, 0, 'r'}
/* Takes one of CLI_STORE_OPTIONS (opt as getopt_long returned it, with its
 * optarg) into c; false when opt is another option. */
bool cli_store_option(cli_common *c, int opt);

/* `evaluate --truth FILE --db PATH`: recall and precision per labelled
 * anomaly pattern of the lanes stored (evaluate_truth.c). */
int cli_evaluate_truth(const char *truth, const char *db);

/* Prints "breakwater CMD: message" on stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
