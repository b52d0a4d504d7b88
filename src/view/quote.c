/*
 * quote.c - the landed-cost estimate (see quote.h).
 *
 * Landed cost = goods + freight and insurance (converted to the
 * jurisdiction's currency at the rate in force) + duty + taxes.  Taxes a
 * registered vendor collects are paid at checkout; the rest at the border
 * (or to the carrier that advanced them).  An estimate, not a decision:
 * the declaration lodged for the real consignment is what is assessed.
 */
#include <string.h>

#include "../revenue/revenue.h"
#include "quote.h"


void bw_view_quote(const bw_record *rec, const bw_outcome *o, bw_buf *b)
{
    bw_buf_puts(b, "{\"jurisdiction\":");
    const bw_str j = rec->decl.jurisdiction;
    if (j.p)
        bw_buf_put_json_str(b, j.p, j.n);
    else
        bw_buf_puts(b, "null");
    const bw_revenue *r = o->revenue;
    bool estimated = o->status == BW_STATUS_ACCEPTED && r && r->computed;
    bw_buf_printf(b, ",\"estimate\":%s", estimated ? "true" : "false");
    if (estimated) {
        int exp = o->jurisdiction->currency_exponent;
        int64_t goods = 0, transport = 0;
        for (uint32_t i = 0; i < r->n_items; i++) {
            goods += r->items[i].value;
            transport += r->items[i].transport;
        }
        int64_t at_checkout = r->tax_prepaid ? r->tax : 0;
        bw_buf_printf(b, ",\"currency\":\"%s\",\"category\":%u", r->currency, o->category);
        bw_buf_put_amount(b, ",\"goods\":", goods, exp);
        bw_buf_put_amount(b, ",\"transport\":", transport, exp);
        bw_buf_put_amount(b, ",\"duty\":", r->duty, exp);
        bw_buf_put_amount(b, ",\"tax\":", r->tax, exp);
        bw_buf_put_amount(b, ",\"tax_at_checkout\":", at_checkout, exp);
        bw_buf_put_amount(b, ",\"due_at_border\":", r->due, exp);
        bw_buf_put_amount(b, ",\"landed_cost\":", goods + transport + r->duty + r->tax, exp);
        if (o->de_minimis_rule) {
            bw_buf_puts(b, ",\"de_minimis_rule\":");
            bw_buf_put_json_str(b, o->de_minimis_rule, strlen(o->de_minimis_rule));
        }
        if (o->over_limit)
            bw_buf_puts(b, ",\"note\":\"the relief applies while the buyer's purchases stay within the per-buyer limit\"");
        bw_revenue_json(r, exp, b);
    } else if (r && !r->computed) {
        bw_buf_puts(b, ",\"problem\":");
        bw_buf_put_json_str(b, r->problem, strlen(r->problem));
    }
    bw_buf_puts(b, ",\"errors\":");
    bw_issues_json(&rec->issues, BW_ERROR, b);
    bw_buf_puts(b, ",\"warnings\":");
    bw_issues_json(&rec->issues, BW_WARNING, b);
    bw_buf_putc(b, '}');
}
