/*
 * cmd_accounts.c - `breakwater accounts add|list|statement` and
 * `breakwater pay`: intermediary accounts with their guarantee, periodic
 * statements, and recorded payments (Standard 7, intermediary and buyer
 * collection models; docs/revenue.md).
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../model/payment.h"
#include "../reference/jurisdiction.h"
#include "../view/accounts_view.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater accounts add --account ID --jurisdiction J --guarantee AMOUNT [--name NAME] [--db PATH]\n"
    "       breakwater accounts list [--db PATH]\n"
    "       breakwater accounts statement --account ID --period YYYY-MM [--jurisdiction J]\n"
    "                                     [--format json|csv] [--db PATH]\n\n"
    "An intermediary's account (express carrier, post, broker) in one jurisdiction, kept in its\n"
    "currency.  Declarations that name it are debited when stored; one that would take the\n"
    "balance over the guarantee is held until a payment (`breakwater pay`) brings it back\n"
    "under.  `add` also changes the guarantee of an existing account, and releases what the\n"
    "new guarantee covers.  `statement` lists the month's debits and credits with the opening\n"
    "and closing balances (every jurisdiction of the account unless --jurisdiction).\n\n"
    "exit status: 0 ok, 1 no such account, 2 usage or I/O error\n";

static void print_account(void *ctx, const bw_account *a)
{
    (void)ctx;
    bw_buf b = {0};
    bw_view_account(a, &b);
    bw_buf_putc(&b, '\n');
    fwrite(b.p, 1, b.n, stdout);
    bw_buf_free(&b);
}

static int accounts_add(bw_store *s, const cli_common *c, const char *id, const char *jur, const char *guarantee,
                        const char *name)
{
    if (!id || !jur || !guarantee)
        return cli_usage_error("accounts", "add needs --account, --jurisdiction and --guarantee");
    bw_refdata *rd = cli_load_refdata("accounts", c);
    if (!rd)
        return EXIT_USAGE;
    bw_account a;
    char err[512];
    int released, rc = EXIT_OK;
    if (!bw_account_define(rd, id, jur, guarantee, name, &a, err, sizeof err)) {
        rc = cli_usage_error("accounts", "--%s", err);
    } else if (!bw_store_account_put(s, &a, bw_time_now(), &released)) {
        fprintf(stderr, "breakwater accounts: %s\n", bw_store_error(s));
        rc = EXIT_USAGE;
    } else {
        if (bw_store_account_get(s, a.id, a.jurisdiction, &a) == 1)
            print_account(NULL, &a);
        if (released)
            fprintf(stderr, "breakwater accounts: %d held declaration(s) released\n", released);
    }
    bw_refdata_free(rd);
    return rc;
}

typedef struct {
    const char *id;
    bw_account found[16];
    int n;
} match;

static void collect(void *ctx, const bw_account *a)
{
    match *m = ctx;
    if (!strcmp(a->id, m->id) && m->n < 16)
        m->found[m->n++] = *a;
}

static int accounts_statement(bw_store *s, const char *id, const char *jur, const char *period, const char *format)
{
    bw_time from, to;
    if (!id || !period)
        return cli_usage_error("accounts", "statement needs --account and --period");
    if (!bw_period_parse(period, &from, &to))
        return cli_usage_error("accounts", "--period: a month, YYYY-MM");
    bool csv = format && !strcmp(format, "csv");
    if (format && !csv && strcmp(format, "json"))
        return cli_usage_error("accounts", "--format: json or csv");
    match m = {.id = id};
    if (!bw_store_account_list(s, collect, &m)) {
        fprintf(stderr, "breakwater accounts: %s\n", bw_store_error(s));
        return EXIT_USAGE;
    }
    int shown = 0;
    for (int i = 0; i < m.n; i++) {
        const bw_account *a = &m.found[i];
        if (jur && strcmp(jur, a->jurisdiction))
            continue;
        bw_buf b = {0};
        if (!bw_statement_write(s, a, period, from, to, csv, &b)) {
            fprintf(stderr, "breakwater accounts: %s\n", bw_store_error(s));
            bw_buf_free(&b);
            return EXIT_USAGE;
        }
        if (!csv)
            bw_buf_putc(&b, '\n');
        if (csv && shown) { /* one header for several jurisdictions */
            const char *nl = memchr(b.p, '\n', b.n);
            fwrite(nl + 1, 1, b.n - (size_t)(nl + 1 - b.p), stdout);
        } else {
            fwrite(b.p, 1, b.n, stdout);
        }
        bw_buf_free(&b);
        shown++;
    }
    if (!shown)
        fprintf(stderr, "breakwater accounts: no account %s%s%s\n", id, jur ? " in " : "", jur ? jur : "");
    return shown ? EXIT_OK : EXIT_REJECTED;
}

int cmd_accounts(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'},      {"account", required_argument, 0, 'a'},
        {"jurisdiction", required_argument, 0, 'j'}, {"guarantee", required_argument, 0, 'g'},
        {"name", required_argument, 0, 'n'},    {"period", required_argument, 0, 'p'},
        {"format", required_argument, 0, 'f'},  {"data", required_argument, 0, 'd'},
        {"refdata", required_argument, 0, 'r'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    cli_common c = {.db = "breakwater.db"};
    const char *id = NULL, *jur = NULL, *guarantee = NULL, *name = NULL, *period = NULL, *format = NULL;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': c.db = optarg; break;
        case 'a': id = optarg; break;
        case 'j': jur = optarg; break;
        case 'g': guarantee = optarg; break;
        case 'n': name = optarg; break;
        case 'p': period = optarg; break;
        case 'f': format = optarg; break;
        case 'd': c.datadir = optarg; break;
        case 'r': c.refdir = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("accounts", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("accounts", "add, list or statement?");
    const char *verb = argv[optind];
    if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "statement"))
        return cli_usage_error("accounts", "add, list or statement?");
    char err[1024];
    bw_store *s = bw_store_open(c.db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater accounts: %s\n", err);
        return EXIT_USAGE;
    }
    int rc;
    if (!strcmp(verb, "add"))
        rc = accounts_add(s, &c, id, jur, guarantee, name);
    else if (!strcmp(verb, "list"))
        rc = bw_store_account_list(s, print_account, NULL) ? EXIT_OK : EXIT_USAGE;
    else
        rc = accounts_statement(s, id, jur, period, format);
    bw_store_close(s);
    return rc;
}

/* ---- breakwater pay ----------------------------------------------------------------- */

static const char PAY_HELP[] =
    "usage: breakwater pay [--db PATH] FILE|-\n\n"
    "Records electronic payments, one JSON object per line (the body of POST /v1/payments):\n"
    "  {\"payment_id\": \"PAY-1\", \"payer\": \"...\", \"amount\": {\"amount\": \"12.34\", \"currency\": \"EUR\"},\n"
    "   \"declaration\": {\"submitter\": \"S\", \"declaration_id\": \"D\"}}\n"
    "or with \"account\": {\"id\": \"ACC-1\", \"jurisdiction\": \"EU\"} to credit an intermediary's account.\n"
    "A declaration's payment settles what it owes, in full; an account's releases the held\n"
    "declarations the guarantee then covers.  Prints one JSON outcome per payment.\n\n"
    "exit status: 0 all recorded (or duplicates), 1 some refused, 2 usage or I/O error\n";

static int pay_line(bw_store *s, const char *line, size_t n, unsigned lineno)
{
    bw_arena arena;
    bw_arena_init(&arena);
    bw_payment_record p;
    char err[256];
    int rc = EXIT_OK;
    if (!bw_payment_parse(line, n, &arena, &p, err, sizeof err)) {
        printf("{\"line\":%u,\"outcome\":\"refused\",\"why\":", lineno);
        bw_buf b = {0};
        bw_buf_put_json_str(&b, err, strlen(err));
        printf("%.*s}\n", (int)b.n, b.p);
        bw_buf_free(&b);
        rc = EXIT_REJECTED;
    } else {
        p.at = bw_time_now();
        p.actor = "cli";
        bw_pay_outcome out;
        bw_pay_result r = bw_store_pay(s, &p, &out);
        if (r == BW_PAY_FAILED) {
            fprintf(stderr, "breakwater pay: line %u: %s\n", lineno, bw_store_error(s));
            rc = EXIT_USAGE;
        } else {
            bw_buf b = {0};
            bw_view_payment(&p, r, &out, &b);
            printf("%.*s\n", (int)b.n, b.p);
            bw_buf_free(&b);
            rc = r == BW_PAY_REFUSED ? EXIT_REJECTED : EXIT_OK;
        }
    }
    bw_arena_free(&arena);
    return rc;
}

int cmd_pay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = "breakwater.db";
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'b')
            db = optarg;
        else if (o == 'h')
            return fputs(PAY_HELP, stdout), EXIT_OK;
        else
            return cli_usage_error("pay", "unknown option");
    }
    if (optind != argc - 1)
        return cli_usage_error("pay", "name one input FILE, or - for standard input");
    int fd = cli_open_input("pay", argv[optind]);
    if (fd < 0)
        return EXIT_USAGE;
    FILE *f = fdopen(fd, "r");
    char err[1024];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater pay: %s\n", err);
        fclose(f);
        return EXIT_USAGE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    int rc = EXIT_OK;
    while (rc != EXIT_USAGE && (n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)n)
            continue;
        int r = pay_line(s, line, (size_t)n, lineno);
        if (r > rc)
            rc = r;
    }
    free(line);
    fclose(f);
    bw_store_close(s);
    return rc;
}
