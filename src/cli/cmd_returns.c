/*
 * cmd_returns.c - `breakwater return` (declare a return of a released
 * import), `returned` (its goods were exported: refund), `returns` (list a
 * declaration's returns) and `consolidated` (an account's consolidated
 * declaration for a month).  Thin shells over src/lifecycle/return_flow.h
 * and consolidated.h, which the API uses too.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../lifecycle/consolidated.h"
#include "../lifecycle/return_flow.h"
#include "cli.h"

static const char RETURN_HELP[] =
    "usage: breakwater return [--db PATH] [--data DIR] [--refdata DIR] [--as-of TIME] [--actor WHO]\n"
    "                         SUBMITTER ID FILE|-\n"
    "\n"
    "Declares a return of the released import ID of SUBMITTER.  FILE holds the return as JSON:\n"
    "  {\"return_id\": \"R1\", \"claimant\": \"buyer\"|\"intermediary\", \"reason\": \"...\",\n"
    "   \"items\": [{\"line\": 1, \"hs_code\": \"610910\", \"quantity\": 1}]}\n"
    "line is the item's position in the original (from 1); HS code and quantity must match what was\n"
    "imported and not yet returned, within the jurisdiction's time limit after release.  Prints the\n"
    "outcome as JSON.  Exit 0 accepted or duplicate, 1 refused, conflict or not found, 2 error.\n";

static const char RETURNED_HELP[] =
    "usage: breakwater returned [--db PATH] [--as-of TIME] [--actor WHO] SUBMITTER ID RETURN_ID\n"
    "\n"
    "The goods of return RETURN_ID left the country: refunds the duties and taxes collected at the\n"
    "border on the returned items (credited to the intermediary's account, or to the buyer), issues a\n"
    "proof of re-export for vendor-collected tax and restores a CN buyer's annual quota.  Once: the\n"
    "same export again changes nothing (outcome duplicate).\n";

static const char RETURNS_HELP[] = "usage: breakwater returns [--db PATH] SUBMITTER ID\n"
                                   "\n"
                                   "Prints the returns of a declaration as JSON, with refunds and proofs.\n";

static const char CONSOLIDATED_HELP[] =
    "usage: breakwater consolidated --account ID --jurisdiction J --period YYYY-MM\n"
    "                               [--format json|csv] [--db PATH] [--data DIR] [--refdata DIR]\n"
    "\n"
    "The account-based consolidated declaration of an intermediary account for a month: every\n"
    "consignment debited to it with duties and taxes and its state, the refunds credited, the\n"
    "payments, totals (they reconcile with `accounts statement`), the due date and the use of the\n"
    "guarantee (peak and end of period).\n";

static bool read_all(const char *path, bw_buf *out)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return false;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->n < (1u << 24))
        bw_buf_put(out, chunk, n);
    bool ok = !ferror(f);
    if (f != stdin)
        fclose(f);
    return ok;
}

static int print_outcome(bw_return_result r, const bw_return_outcome *o)
{
    bw_buf b = {0};
    bw_view_return_outcome(r, o, &b);
    bw_buf_putc(&b, '\n');
    fwrite(b.p, 1, b.n, r == BW_RETURN_FAILED ? stderr : stdout);
    bw_buf_free(&b);
    return r == BW_RETURN_ACCEPTED || r == BW_RETURN_DUPLICATE ? EXIT_OK
           : r == BW_RETURN_FAILED                             ? EXIT_USAGE
                                                               : EXIT_REJECTED;
}

typedef struct opts {
    cli_common c;
    const char *actor, *account, *jurisdiction, *period, *format;
} opts;

/* The options every command here takes; -1 on --help (printed), -2 on a bad one. */
static int parse(const char *cmd, const char *help, int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        CLI_STORE_OPTIONS,
        {"as-of", required_argument, 0, 't'},   {"actor", required_argument, 0, 'a'},
        {"account", required_argument, 0, 'A'}, {"jurisdiction", required_argument, 0, 'j'},
        {"period", required_argument, 0, 'p'},  {"format", required_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    o->c.db = "breakwater.db";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_store_option(&o->c, c))
            continue;
        switch (c) {
        case 't':
            if (!cli_parse_as_of(cmd, optarg, &o->c))
                return -2;
            break;
        case 'a': o->actor = optarg; break;
        case 'A': o->account = optarg; break;
        case 'j': o->jurisdiction = optarg; break;
        case 'p': o->period = optarg; break;
        case 'f': o->format = optarg; break;
        case 'h': fputs(help, stdout); return -1;
        default: cli_usage_error(cmd, "unknown option"); return -2;
        }
    }
    return 0;
}

static bw_time when(const opts *o) { return o->c.as_of ? (bw_time)o->c.as_of : bw_time_now(); }

int cmd_return(int argc, char **argv)
{
    opts o;
    int p = parse("return", RETURN_HELP, argc, argv, &o);
    if (p)
        return p == -1 ? EXIT_OK : EXIT_USAGE;
    if (optind != argc - 3)
        return cli_usage_error("return", "name the SUBMITTER, the declaration ID and the return FILE (or -)");
    bw_buf body = {0};
    if (!read_all(argv[optind + 2], &body)) {
        bw_buf_free(&body);
        return cli_usage_error("return", "%s: cannot read", argv[optind + 2]);
    }
    bw_return_request rq;
    char why[512];
    if (!bw_return_request_parse(body.p ? body.p : "", body.n, &rq, why, sizeof why)) {
        bw_buf_free(&body);
        return cli_usage_error("return", "%s", why);
    }
    bw_buf_free(&body);
    int rc = EXIT_USAGE;
    bw_refdata *rd = cli_load_refdata("return", &o.c);
    bw_store *s = rd ? cli_open_store("return", o.c.db) : NULL;
    if (s) {
        char actor[96];
        snprintf(actor, sizeof actor, "%s", o.actor ? o.actor : "cli");
        bw_return_outcome out;
        bw_return_result r =
            bw_return_declare(s, rd, argv[optind], argv[optind + 1], &rq, actor, when(&o), &out);
        rc = print_outcome(r, &out);
        bw_return_outcome_free(&out);
    }
    bw_store_close(s);
    bw_refdata_free(rd);
    bw_return_request_free(&rq);
    return rc;
}

int cmd_returned(int argc, char **argv)
{
    opts o;
    int p = parse("returned", RETURNED_HELP, argc, argv, &o);
    if (p)
        return p == -1 ? EXIT_OK : EXIT_USAGE;
    if (optind != argc - 3)
        return cli_usage_error("returned", "name the SUBMITTER, the declaration ID and the RETURN_ID");
    bw_store *s = cli_open_store("returned", o.c.db);
    if (!s)
        return EXIT_USAGE;
    bw_return_outcome out;
    bw_return_result r = bw_return_export(s, argv[optind], argv[optind + 1], argv[optind + 2],
                                          o.actor ? o.actor : "customs", when(&o), &out);
    int rc = print_outcome(r, &out);
    bw_return_outcome_free(&out);
    bw_store_close(s);
    return rc;
}

typedef struct lister {
    bw_buf *b;
    unsigned n;
} lister;

static void put_return(void *ctx, const bw_return_record *r)
{
    lister *l = ctx;
    if (l->n++)
        bw_buf_putc(l->b, ',');
    bw_view_return(r, l->b);
}

int cmd_returns(int argc, char **argv)
{
    opts o;
    int p = parse("returns", RETURNS_HELP, argc, argv, &o);
    if (p)
        return p == -1 ? EXIT_OK : EXIT_USAGE;
    if (optind != argc - 2)
        return cli_usage_error("returns", "name the SUBMITTER and the declaration ID");
    bw_store *s = cli_open_store("returns", o.c.db);
    if (!s)
        return EXIT_USAGE;
    bw_buf b = {0};
    lister l = {&b, 0};
    bw_buf_puts(&b, "{\"returns\":[");
    bool ok = bw_store_returns_of(s, argv[optind], argv[optind + 1], put_return, &l);
    bw_buf_puts(&b, "]}\n");
    if (ok)
        fwrite(b.p, 1, b.n, stdout);
    else
        fprintf(stderr, "breakwater returns: %s\n", bw_store_error(s));
    bw_buf_free(&b);
    bw_store_close(s);
    return ok ? EXIT_OK : EXIT_USAGE;
}

int cmd_consolidated(int argc, char **argv)
{
    opts o;
    int p = parse("consolidated", CONSOLIDATED_HELP, argc, argv, &o);
    if (p)
        return p == -1 ? EXIT_OK : EXIT_USAGE;
    if (optind != argc || !o.account || !o.jurisdiction || !o.period)
        return cli_usage_error("consolidated", "needs --account, --jurisdiction and --period (and nothing else)");
    bool csv = o.format && !strcmp(o.format, "csv");
    if (o.format && !csv && strcmp(o.format, "json"))
        return cli_usage_error("consolidated", "--format: json or csv");
    bw_time from, to;
    if (!bw_period_parse(o.period, &from, &to))
        return cli_usage_error("consolidated", "--period: a month, YYYY-MM");
    int rc = EXIT_USAGE;
    bw_refdata *rd = cli_load_refdata("consolidated", &o.c);
    bw_store *s = rd ? cli_open_store("consolidated", o.c.db) : NULL;
    bw_account a;
    int found = s ? bw_store_account_get(s, o.account, o.jurisdiction, &a) : -1;
    if (found == 0) {
        fprintf(stderr, "breakwater consolidated: no account %s in %s\n", o.account, o.jurisdiction);
        rc = EXIT_REJECTED;
    } else if (found > 0) {
        bw_buf b = {0};
        char why[512];
        if (bw_consolidated_write(s, rd, &a, o.period, csv, &b, NULL, why, sizeof why)) {
            if (!csv)
                bw_buf_putc(&b, '\n');
            fwrite(b.p, 1, b.n, stdout);
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "breakwater consolidated: %s\n", why);
        }
        bw_buf_free(&b);
    } else if (s) {
        fprintf(stderr, "breakwater consolidated: %s\n", bw_store_error(s));
    }
    bw_store_close(s);
    bw_refdata_free(rd);
    return rc;
}
