/*
 * result.c - result lines of submitted records (see result.h).
 */
#include <string.h>

#include "../revenue/revenue.h"
#include "../risk/risk.h"
#include "result.h"

static void put_key_str(bw_buf *b, const char *key, bw_str v)
{
    bw_buf_printf(b, ",\"%s\":", key);
    if (v.p)
        bw_buf_put_json_str(b, v.p, v.n);
    else
        bw_buf_puts(b, "null");
}

void bw_result_open(const bw_record *rec, const bw_outcome *o, bw_buf *b)
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
    if (o->revenue)
        bw_revenue_json(o->revenue, o->jurisdiction->currency_exponent, b);
    if (o->risk)
        bw_risk_json(o->risk, b);
    bw_buf_puts(b, ",\"errors\":");
    bw_issues_json(&rec->issues, BW_ERROR, b);
    bw_buf_puts(b, ",\"warnings\":");
    bw_issues_json(&rec->issues, BW_WARNING, b);
}

void bw_result_settled(bw_buf *b, const char *settlement, const char *detail, bool over_limit,
                       const bw_decl_row *row)
{
    if (over_limit && row->over_limit) {
        const bw_decl_row *o = row->over_limit;
        bw_buf_printf(b, ",\"over_buyer_limit\":{\"category\":%u,\"revenue\":", o->category);
        bw_buf_put(b, o->revenue.assessment.p, o->revenue.assessment.n);
        bw_buf_putc(b, '}');
    }
    if (!settlement)
        return;
    bw_buf_printf(b, ",\"settlement\":\"%s\"", settlement);
    if (detail && *detail) {
        bw_buf_puts(b, ",\"settlement_detail\":");
        bw_buf_put_json_str(b, detail, strlen(detail));
    }
}

void bw_result_close(bw_buf *b, const char *outcome)
{
    if (outcome)
        bw_buf_printf(b, ",\"outcome\":\"%s\"", outcome);
    bw_buf_puts(b, "}\n");
}

static void put_head(bw_buf *b, uint64_t index, uint64_t line, bw_str submitter, bw_str id)
{
    bw_buf_printf(b, "{\"record\":%llu,\"line\":%llu,\"submitter\":", (unsigned long long)index,
                  (unsigned long long)line);
    bw_buf_put_json_str(b, submitter.p, submitter.n);
    bw_buf_puts(b, ",\"declaration_id\":");
    bw_buf_put_json_str(b, id.p, id.n);
}

void bw_result_duplicate(bw_buf *b, uint64_t index, uint64_t line, bw_str submitter, bw_str id,
                         const bw_first_result *first)
{
    put_head(b, index, line, submitter, id);
    bw_buf_printf(b, ",\"status\":\"%s\",\"category\":", first->status);
    if (first->category)
        bw_buf_printf(b, "%u", first->category);
    else
        bw_buf_puts(b, "null");
    bw_buf_printf(b, ",\"errors\":%s,\"warnings\":%s", first->errors, first->warnings);
    bw_result_close(b, "duplicate");
}

void bw_result_conflict(bw_buf *b, uint64_t index, uint64_t line, bw_str submitter, bw_str id,
                        const bw_first_result *first)
{
    char at[21];
    bw_time_format(first->received_at, at);
    put_head(b, index, line, submitter, id);
    bw_buf_printf(b, ",\"status\":\"rejected\",\"category\":null,\"errors\":[{\"path\":\"declaration_id\","
                     "\"code\":\"declaration.conflict\",\"message\":\"already submitted with other content"
                     " (received %s, status %s); the original stands\"}],\"warnings\":[]",
                  at, first->status);
    bw_result_close(b, "conflict");
}

const char *bw_outcome_name(bw_put_result put)
{
    static const char *const names[] = {"stored", "amended", "duplicate", "conflict", "failed"};
    return names[put];
}
