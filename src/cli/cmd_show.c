/*
 * cmd_show.c - `breakwater show [--db PATH] SUBMITTER ID`: one stored
 * declaration as JSON, with its status, IRG category, errors, warnings and
 * history.
 */
#include <getopt.h>
#include <stdio.h>

#include "../view/view.h"
#include "../view/lifecycle_view.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater show [--db PATH] SUBMITTER ID\n\n"
    "Prints the stored declaration ID of SUBMITTER as JSON: status, IRG category,\n"
    "consignment value, errors, warnings, the declaration itself and its history.\n\n"
    "options:\n"
    "  --db PATH   the SQLite database (default: breakwater.db)\n"
    "  --timeline  instead of JSON, the clearance timeline: its state, then every\n"
    "              event on a line (time, actor, event, state after it, detail)\n"
    "  --help      this text\n\n"
    "exit status: 0 found, 1 not found, 2 usage or I/O error\n";

int cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'}, {"help", no_argument, 0, 'h'},
        {"timeline", no_argument, 0, 't'}, /* the lifecycle's events, one a line */
        {0, 0, 0, 0}};
    bool timeline = false;
    const char *db = "breakwater.db";
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        case 't': timeline = true; break;
        default: return cli_usage_error("show", "unknown option");
        }
    }
    if (optind != argc - 2)
        return cli_usage_error("show", "name the SUBMITTER and the declaration ID");
    char err[1024];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater show: %s\n", err);
        return EXIT_USAGE;
    }
    bw_stored d;
    int found = bw_store_get(s, argv[optind], argv[optind + 1], &d);
    int rc = EXIT_OK;
    if (found < 0) {
        fprintf(stderr, "breakwater show: %s\n", bw_store_error(s));
        rc = EXIT_USAGE;
    } else if (found == 0) {
        fprintf(stderr, "breakwater show: no declaration %s of submitter %s\n", argv[optind + 1],
                argv[optind]);
        rc = EXIT_REJECTED;
    } else {
        /* the command line is customs' own tool: personal data included */
        bw_buf b = {0};
        if (timeline) {
            bw_view_timeline(&d, &b);
            fwrite(b.p, 1, b.n, stdout);
        } else if (bw_view_declaration(&d, true, &b)) {
            bw_buf_putc(&b, '\n');
            fwrite(b.p, 1, b.n, stdout);
        } else {
            fprintf(stderr, "breakwater show: the stored declaration cannot be read back\n");
            rc = EXIT_USAGE;
        }
        bw_buf_free(&b);
    }
    bw_stored_free(&d);
    bw_store_close(s);
    return rc;
}
