/*
 * cmd_inspect.c - `breakwater inspect`: an officer records what an
 * inspection found (the same as POST /v1/declarations/{s}/{id}/inspection),
 * and `breakwater candidates`: the watchlist candidates seizures proposed,
 * listed and decided.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../risk/engine.h"
#include "../risk/feedback.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater inspect [--db PATH] --result compliant|discrepancy|seized\n"
    "                          [--scan REF] [--findings TEXT] [--officer NAME] SUBMITTER ID\n\n"
    "Records an inspection outcome of a stored declaration: an \"inspected\" event,\n"
    "one more inspection (and find) for each risk profile that hit it, and after a\n"
    "seizure its seller and buyer proposed as watchlist candidates.\n\n"
    "exit status: 0 recorded, 1 no such declaration or not assessed, 2 usage or I/O error\n";

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'b'},     {"result", required_argument, 0, 'r'},
                                         {"scan", required_argument, 0, 's'},   {"findings", required_argument, 0, 'f'},
                                         {"officer", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = "breakwater.db", *officer = "cli";
    json_object *body = json_object_new_object();
    int o, rc = EXIT_USAGE;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 'o': officer = optarg; break;
        case 'r': json_object_object_add(body, "result", json_object_new_string(optarg)); break;
        case 's': json_object_object_add(body, "scan_ref", json_object_new_string(optarg)); break;
        case 'f': json_object_object_add(body, "findings", json_object_new_string(optarg)); break;
        case 'h': fputs(HELP, stdout); json_object_put(body); return EXIT_OK;
        default: json_object_put(body); return cli_usage_error("inspect", "unknown option");
        }
    }
    bw_arena a;
    bw_arena_init(&a);
    bw_inspection in;
    char err[512], actor[96];
    const char *json = json_object_to_json_string(body);
    bw_store *s = NULL;
    bw_risk_engine *risk = NULL;
    if (optind != argc - 2) {
        cli_usage_error("inspect", "name the SUBMITTER and the declaration ID");
        goto out;
    }
    if (!bw_inspection_parse(json, strlen(json), &a, &in, err, sizeof err)) {
        cli_usage_error("inspect", "%s", err);
        goto out;
    }
    if (!(s = bw_store_open(db, err, sizeof err))) {
        fprintf(stderr, "breakwater inspect: %s\n", err);
        goto out;
    }
    snprintf(actor, sizeof actor, "officer:%s", officer);
    /* the party history learns the outcome too: from the store and back
     * (a server running on the same database keeps its own copy until it
     * stops; inspect through its API then) */
    cli_common c = {0};
    risk = cli_load_risk("inspect", &c);
    if (!risk || !cli_risk_restore("inspect", risk, s))
        goto out;
    int done = bw_risk_inspect(risk, s, argv[optind], argv[optind + 1], &in, actor, bw_time_now(), err, sizeof err);
    if (done == 1 && !cli_risk_save("inspect", risk, s))
        done = -1, snprintf(err, sizeof err, "the learned risk state could not be saved");
    if (done == 1) {
        printf("inspected: %s/%s %s\n", argv[optind], argv[optind + 1], in.result);
        rc = EXIT_OK;
    } else {
        fprintf(stderr, "breakwater inspect: %s\n", done == 0 ? "no such declaration" : err);
        rc = EXIT_REJECTED;
    }
out:
    bw_risk_engine_free(risk);
    bw_store_close(s);
    bw_arena_free(&a);
    json_object_put(body);
    return rc;
}
