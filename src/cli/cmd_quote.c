/*
 * cmd_quote.c - `breakwater quote FILE|-`: landed-cost estimates for
 * prospective purchases, through the same pipeline and revenue engine as
 * lodged declarations (view/quote.h says what an estimate holds).
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "../revenue/revenue.h"
#include "../view/quote.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater quote [--as-of TIME] [--data DIR] [--refdata DIR] FILE|-\n\n"
    "Estimates what a purchase costs the buyer delivered: goods, transport, duty and taxes,\n"
    "which part is paid at checkout (a registered vendor collects the tax) and which at the\n"
    "border.  Input is the declaration shape (one object, an array or NDJSON), of which a\n"
    "quote needs only the jurisdiction, the buyer's country (and Canadian province), the\n"
    "items with HS code, quantity, value and origin, freight, and the collection model;\n"
    "missing party and document fields are warnings.  One JSON estimate per line.\n\n"
    "exit status: 0 every input estimated, 1 some could not be, 2 usage or I/O error\n";

int cmd_quote(int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, 0, 't'}, {"data", required_argument, 0, 'd'},
        {"refdata", required_argument, 0, 'r'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    cli_common c = {0};
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 't':
            if (!cli_parse_as_of("quote", optarg, &c))
                return EXIT_USAGE;
            break;
        case 'd': c.datadir = optarg; break;
        case 'r': c.refdir = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("quote", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("quote", "name one input FILE, or - for standard input");
    bw_refdata *rd = cli_load_refdata("quote", &c);
    if (!rd)
        return EXIT_USAGE;
    int fd = cli_open_input("quote", argv[optind]);
    if (fd < 0) {
        bw_refdata_free(rd);
        return EXIT_USAGE;
    }
    bw_reader *r = bw_reader_new(fd, NULL);
    bw_record rec;
    bw_record_init(&rec);
    bw_pipeline p = {.rd = rd, .as_of = c.as_of, .quote = true};
    bw_buf out = {0};
    int rc = EXIT_OK, got;
    while ((got = bw_reader_next(r, &rec)) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        out.n = 0;
        bw_view_quote(&rec, &oc, &out);
        bw_buf_putc(&out, '\n');
        fwrite(out.p, 1, out.n, stdout);
        if (oc.status != BW_STATUS_ACCEPTED || !oc.revenue || !oc.revenue->computed)
            rc = EXIT_REJECTED;
    }
    if (got < 0) {
        fprintf(stderr, "breakwater quote: %s\n", bw_reader_error(r));
        rc = EXIT_USAGE;
    }
    bw_buf_free(&out);
    bw_record_free(&rec);
    bw_reader_free(r);
    if (fd != STDIN_FILENO)
        close(fd);
    bw_refdata_free(rd);
    return rc;
}
