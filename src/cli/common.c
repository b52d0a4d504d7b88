/*
 * common.c - what the pipeline commands share: loading reference data,
 * opening the input, and the per-record result line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

bw_refdata *cli_load_refdata(const char *cmd, const cli_common *c)
{
    char err[1024];
    bw_refdata *rd = bw_refdata_load(bw_default_datadir(c->datadir), bw_default_refdir(c->refdir),
                                     err, sizeof err);
    if (!rd)
        fprintf(stderr, "breakwater %s: reference data: %s\n", cmd, err);
    return rd;
}

int cli_open_input(const char *cmd, const char *path)
{
    if (!strcmp(path, "-"))
        return STDIN_FILENO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "breakwater %s: %s: %s\n", cmd, path, strerror(errno));
    return fd;
}

bool cli_parse_as_of(const char *cmd, const char *arg, cli_common *c)
{
    bw_time t;
    if (!bw_time_parse(arg, strlen(arg), &t)) {
        cli_usage_error(cmd, "--as-of: \"%s\" is not an ISO 8601 date or time", arg);
        return false;
    }
    c->as_of = t;
    return true;
}

static void put_key_str(bw_buf *b, const char *key, bw_str v)
{
    bw_buf_printf(b, ",\"%s\":", key);
    if (v.p)
        bw_buf_put_json_str(b, v.p, v.n);
    else
        bw_buf_puts(b, "null");
}

void cli_result_json(const bw_record *rec, const bw_outcome *o, bw_buf *b)
{
    const bw_declaration *d = &rec->decl;
    bw_buf_printf(b, "{\"record\":%llu,\"line\":%llu", (unsigned long long)rec->index,
                  (unsigned long long)rec->line);
    put_key_str(b, "submitter", d->submitter.id);
    put_key_str(b, "declaration_id", d->declaration_id);
    put_key_str(b, "jurisdiction", d->jurisdiction);
    bw_buf_printf(b, ",\"status\":\"%s\"", bw_status_names[o->status]);
    if (o->category)
        bw_buf_printf(b, ",\"category\":%u", o->category);
    else
        bw_buf_puts(b, ",\"category\":null");
    if (o->consignment_value >= 0 && o->jurisdiction) {
        bw_buf_puts(b, ",\"value\":{\"amount\":\"");
        bw_buf_put_fixed(b, o->consignment_value, (unsigned)o->jurisdiction->currency_exponent);
        bw_buf_printf(b, "\",\"currency\":\"%s\"}", o->jurisdiction->currency);
        bw_buf_printf(b, ",\"duty_due\":%s,\"tax_due\":%s", o->duty_due ? "true" : "false",
                      o->tax_due ? "true" : "false");
        if (o->de_minimis_rule) {
            bw_buf_puts(b, ",\"de_minimis_rule\":");
            bw_buf_put_json_str(b, o->de_minimis_rule, strlen(o->de_minimis_rule));
        }
    }
    bw_buf_puts(b, ",\"errors\":");
    bw_issues_json(&rec->issues, BW_ERROR, b);
    bw_buf_puts(b, ",\"warnings\":");
    bw_issues_json(&rec->issues, BW_WARNING, b);
}

void cli_result_close(bw_buf *b, const char *outcome)
{
    if (outcome)
        bw_buf_printf(b, ",\"outcome\":\"%s\"", outcome);
    bw_buf_puts(b, "}\n");
}
