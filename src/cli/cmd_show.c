/*
 * cmd_show.c - `breakwater show [--db PATH] SUBMITTER ID`: one stored
 * declaration as JSON, with its status, IRG category, errors, warnings and
 * history.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char HELP[] =
    "usage: breakwater show [--db PATH] SUBMITTER ID\n\n"
    "Prints the stored declaration ID of SUBMITTER as JSON: status, IRG category,\n"
    "consignment value, errors, warnings, the declaration itself and its history.\n\n"
    "options:\n"
    "  --db PATH   the SQLite database (default: breakwater.db)\n"
    "  --help      this text\n\n"
    "exit status: 0 found, 1 not found, 2 usage or I/O error\n";

static void put_opt(bw_buf *b, const char *key, const char *v)
{
    bw_buf_printf(b, "\"%s\":", key);
    if (v)
        bw_buf_put_json_str(b, v, strlen(v));
    else
        bw_buf_puts(b, "null");
}

static void show_json(const bw_stored *d, bw_buf *b)
{
    bw_buf_putc(b, '{');
    put_opt(b, "submitter", d->submitter);
    bw_buf_putc(b, ',');
    put_opt(b, "declaration_id", d->declaration_id);
    bw_buf_putc(b, ',');
    put_opt(b, "jurisdiction", d->jurisdiction);
    bw_buf_putc(b, ',');
    put_opt(b, "type", d->type);
    bw_buf_putc(b, ',');
    put_opt(b, "status", d->status);
    if (d->category)
        bw_buf_printf(b, ",\"category\":%u", d->category);
    else
        bw_buf_puts(b, ",\"category\":null");
    if (d->value_minor >= 0 && d->currency) {
        int exp = bw_currency_exponent((bw_str){d->currency, (uint32_t)strlen(d->currency)});
        bw_buf_puts(b, ",\"value\":{\"amount\":\"");
        bw_buf_put_fixed(b, d->value_minor, exp < 0 ? 0 : (unsigned)exp);
        bw_buf_printf(b, "\",\"currency\":\"%s\"}", d->currency);
    }
    bw_buf_puts(b, ",\"received_at\":");
    bw_buf_put_time(b, d->received_at);
    bw_buf_printf(b, ",\"errors\":%s,\"warnings\":%s,\"declaration\":%s,\"history\":[", d->errors,
                  d->warnings, d->body);
    for (uint32_t i = 0; i < d->n_events; i++) {
        const bw_event *e = &d->events[i];
        bw_buf_puts(b, i ? ",{\"at\":" : "{\"at\":");
        bw_buf_put_time(b, e->at);
        bw_buf_putc(b, ',');
        put_opt(b, "event", e->kind);
        bw_buf_putc(b, ',');
        put_opt(b, "status", e->status);
        bw_buf_putc(b, ',');
        put_opt(b, "actor", e->actor);
        bw_buf_putc(b, ',');
        put_opt(b, "detail", e->detail);
        bw_buf_putc(b, '}');
    }
    bw_buf_puts(b, "]}\n");
}

int cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = "breakwater.db";
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
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
        bw_buf b = {0};
        show_json(&d, &b);
        fwrite(b.p, 1, b.n, stdout);
        bw_buf_free(&b);
    }
    bw_stored_free(&d);
    bw_store_close(s);
    return rc;
}
