/*
 * cmd_validate.c - `breakwater validate FILE|-`: the pipeline without the
 * store.  One NDJSON result line per record on stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "../risk/engine.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater validate [OPTIONS] FILE|-\n\n"
    "Decodes and validates declarations (one JSON object, a JSON array, or NDJSON)\n"
    "and prints one result per record as NDJSON on stdout: status (accepted or\n"
    "rejected), IRG category, errors and warnings, each error with its JSON path.\n"
    "Nothing is stored.\n\n"
    "options:\n"
    "  --errors-only     print only the records that have errors\n"
    "  --as-of TIME      assess as on this date (default: now)\n"
    "  --data DIR        breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR     external reference data, laid out like shared/data\n"
    "                    (default: $BREAKWATER_REFDATA)\n"
    "  --help            this text\n\n"
    "exit status: 0 all accepted, 1 some rejected, 2 usage or I/O error\n";

int cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"errors-only", no_argument, 0, 'e'}, {"as-of", required_argument, 0, 'a'},
        {"data", required_argument, 0, 'd'},  {"refdata", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    cli_common c = {0};
    bool errors_only = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'e': errors_only = true; break;
        case 'a': if (!cli_parse_as_of("validate", optarg, &c)) return EXIT_USAGE; break;
        case 'd': c.datadir = optarg; break;
        case 'r': c.refdir = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("validate", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("validate", "name one input FILE, or - for standard input");
    bw_refdata *rd = cli_load_refdata("validate", &c);
    if (!rd)
        return EXIT_USAGE;
    bw_risk_engine *risk = cli_load_risk("validate", &c);
    int fd = risk ? cli_open_input("validate", argv[optind]) : -1;
    if (fd < 0) {
        bw_risk_engine_free(risk);
        bw_refdata_free(rd);
        return EXIT_USAGE;
    }
    bw_reader *r = bw_reader_new(fd, NULL);
    bw_pipeline p = {.rd = rd, .as_of = c.as_of, .risk = risk};
    bw_record rec;
    bw_record_init(&rec);
    bw_buf out = {0};
    uint64_t rejected = 0;
    int got;
    while ((got = bw_reader_next(r, &rec)) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        rejected += oc.status == BW_STATUS_REJECTED;
        if (!errors_only || oc.status == BW_STATUS_REJECTED) {
            bw_result_open(&rec, &oc, &out);
            bw_result_close(&out, NULL);
        }
        if (out.n > (1u << 20)) {
            fwrite(out.p, 1, out.n, stdout);
            out.n = 0;
        }
    }
    if (out.n)
        fwrite(out.p, 1, out.n, stdout);
    fflush(stdout);
    if (got < 0)
        fprintf(stderr, "breakwater validate: %s\n", bw_reader_error(r));
    bw_buf_free(&out);
    bw_record_free(&rec);
    bw_reader_free(r);
    if (fd != STDIN_FILENO)
        close(fd);
    bw_risk_engine_free(risk);
    bw_refdata_free(rd);
    return got < 0 ? EXIT_USAGE : rejected ? EXIT_REJECTED : EXIT_OK;
}
