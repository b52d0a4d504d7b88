/*
 * revenue.c - the assessment of duties and taxes (see revenue.h).
 */
#include <stdio.h>

#include "../reference/jurisdiction.h"
#include "apportion.h"
#include "revenue.h"

static bool fail(bw_revenue *out, const char *why)
{
    out->computed = false;
    out->problem = why;
    return false;
}

/* m in the jurisdiction's currency (0 when absent). */
static bool convert(const bw_refdata *rd, const bw_money *m, const bw_jurisdiction *j, bw_time when, int64_t *v)
{
    *v = 0;
    if (!m->present)
        return true;
    return m->minor_ok && bw_fx_convert(rd, m->minor, m->currency, (bw_str){j->currency, 3}, when, v);
}

/* The tax region of the buyer: the country, or for Canada "CA-" and the
 * province given in the address's region. */
static void tax_region(const bw_declaration *d, char out[8])
{
    bw_str c = d->buyer.address.country, r = d->buyer.address.region;
    if (c.n != 2) {
        memcpy(out, "*", 2);
        return;
    }
    out[0] = c.p[0];
    out[1] = c.p[1];
    out[2] = 0;
    if (bw_str_eq(c, "CA") && r.n == 2) { /* provinces: CA-ON */
        out[2] = '-';
        out[3] = r.p[0];
        out[4] = r.p[1];
        out[5] = 0;
    }
}

/* Values, transport shares and customs values of every item. */
static bool value_items(const bw_refdata *rd, const bw_declaration *d, const bw_jurisdiction *j,
                        const bw_jur_version *v, bw_time when, bw_revenue *out)
{
    int64_t freight, insurance, weights[1000];
    if (d->n_items > 1000)
        return fail(out, "too many items");
    for (uint32_t i = 0; i < d->n_items; i++) {
        if (!convert(rd, &d->items[i].value, j, when, &out->items[i].value))
            return fail(out, "an item value cannot be converted (no exchange rate on the day)");
        weights[i] = out->items[i].value;
    }
    if (!convert(rd, &d->freight, j, when, &freight) || !convert(rd, &d->insurance, j, when, &insurance))
        return fail(out, "freight or insurance cannot be converted (no exchange rate on the day)");
    int64_t shares[1000], transport;
    if (__builtin_add_overflow(freight, insurance, &transport))
        return fail(out, "the amounts are too large to assess");
    bw_apportion(transport, weights, d->n_items, shares);
    for (uint32_t i = 0; i < d->n_items; i++) {
        bw_item_revenue *it = &out->items[i];
        it->transport = shares[i];
        if (__builtin_add_overflow(it->value, v->valuation == VALUATION_CIF ? shares[i] : 0, &it->customs_value) ||
            __builtin_add_overflow(out->customs_value, it->customs_value, &out->customs_value))
            return fail(out, "the amounts are too large to assess");
    }
    return true;
}

/* The flat duty replaces the relief: one amount per distinct subheading,
 * charged on the first item of that subheading. */
static void flat_duties(const bw_declaration *d, const bw_jur_version *v, bw_revenue *out)
{
    for (uint32_t i = 0; i < d->n_items; i++) {
        bool first = true;
        for (uint32_t k = 0; k < i && first; k++)
            first = !(d->items[k].hs_code.n >= 6 && d->items[i].hs_code.n >= 6 &&
                      !memcmp(d->items[k].hs_code.p, d->items[i].hs_code.p, 6));
        out->items[i].duty = first ? v->flat_duty : 0;
        out->items[i].duty_rule = first ? "flat duty per distinct subheading (low-value consignment)"
                                        : "flat duty already charged for this subheading";
    }
}

static bool tariff_duties(const bw_declaration *d, const bw_jurisdiction *j, bw_time when, bw_revenue *out)
{
    if (!j->tariff)
        return fail(out, "no tariff is loaded for this jurisdiction (data/tariffs)");
    for (uint32_t i = 0; i < d->n_items; i++) {
        const bw_item *item = &d->items[i];
        bw_item_revenue *it = &out->items[i];
        const bw_tariff_line *l = bw_tariff_find(j->tariff, item->hs_code.p, item->hs_code.n, when);
        if (!l)
            return fail(out, "an item's HS code has no tariff line in force");
        if (!bw_tariff_duty(l, it->customs_value, item->net_weight.ok ? item->net_weight.value : 0,
                            item->quantity.ok ? item->quantity.value : 0, &it->duty))
            out->problem = "a specific duty needs the item's net weight or quantity: ad valorem part only";
        if (it->duty == BW_AMOUNT_OVERFLOW)
            return fail(out, "the amounts are too large to assess");
        it->duty_rule = l->note;
        it->duty_rate_ppm = l->ad_valorem_ppm;
    }
    return true;
}

static bool taxes(const bw_declaration *d, const bw_jurisdiction *j, const bw_jur_version *v, const bw_outcome *o,
                  bw_time when, bw_revenue *out)
{
    if (!j->taxes)
        return fail(out, "no tax table is loaded for this jurisdiction (data/taxes, and for the EU the "
                         "reference data's VAT rates)");
    char region[8];
    tax_region(d, region);
    int64_t factor = o->rule ? o->rule->tax_factor_ppm : BW_PPM;
    for (uint32_t i = 0; i < d->n_items; i++) {
        const bw_item *item = &d->items[i];
        bw_item_revenue *it = &out->items[i];
        if (__builtin_add_overflow(it->customs_value, it->duty, &it->tax_base) ||
            __builtin_add_overflow(it->tax_base, v->tax_base_adds_transport ? it->transport : 0, &it->tax_base))
            return fail(out, "the amounts are too large to assess");
        it->n_taxes = bw_tax_find(j->taxes, region, item->hs_code.p, item->hs_code.n, when, it->taxes);
        for (unsigned k = 0; k < it->n_taxes; k++) {
            /* rate and factor (CN: 70% within the retail limits) in one
             * exact product: one rounding per tax per item */
            it->tax[k] = bw_mul2_div_round(it->tax_base, it->taxes[k].ppm, factor, (int64_t)BW_PPM * BW_PPM);
            if (it->tax[k] == BW_AMOUNT_OVERFLOW || __builtin_add_overflow(out->tax, it->tax[k], &out->tax))
                return fail(out, "the amounts are too large to assess");
        }
    }
    return true;
}

bool bw_assess_revenue(const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o, bw_arena *arena,
                       bw_revenue *out)
{
    memset(out, 0, sizeof *out);
    const bw_jurisdiction *j = o->jurisdiction;
    const bw_jur_version *v = o->version;
    if (!j || !v || o->status != BW_STATUS_ACCEPTED)
        return fail(out, "only accepted declarations are assessed");
    out->currency = j->currency;
    out->n_items = d->n_items;
    out->items = bw_arena_alloc(arena, (d->n_items + 1) * sizeof *out->items);
    /* who pays what the border collects: the intermediary's account when
     * the declaration names one (vendor-collected consignments may still
     * owe duty, which the carrier pays), otherwise the buyer */
    uint8_t model = d->collection.model.value;
    out->payer = model == COLLECT_INTERMEDIARY || (model == COLLECT_VENDOR && d->collection.account_id.n)
                     ? "intermediary"
                     : "buyer";
    if (!value_items(rd, d, j, v, o->assessed_at, out))
        return false;
    if (o->flat_duty)
        flat_duties(d, v, out);
    else if (o->duty_due && !tariff_duties(d, j, o->assessed_at, out))
        return false;
    for (uint32_t i = 0; i < d->n_items; i++) {
        if (!o->duty_due)
            out->items[i].duty_rule = o->de_minimis_rule ? o->de_minimis_rule : "no duty due";
        if (__builtin_add_overflow(out->duty, out->items[i].duty, &out->duty))
            return fail(out, "the amounts are too large to assess");
    }
    if ((o->tax_due || o->tax_prepaid) && !taxes(d, j, v, o, o->assessed_at, out))
        return false;
    out->tax_prepaid = o->tax_prepaid;
    if (__builtin_add_overflow(out->duty, o->tax_prepaid ? 0 : out->tax, &out->due))
        return fail(out, "the amounts are too large to assess");
    out->computed = true;
    return true;
}


static void text(bw_buf *b, const char *s) { bw_buf_put_json_str(b, s ? s : "", s ? strlen(s) : 0); }

void bw_revenue_json(const bw_revenue *r, int exp, bw_buf *b)
{
    bw_buf_puts(b, ",\"revenue\":");
    bw_revenue_object(r, exp, b);
}

void bw_revenue_object(const bw_revenue *r, int exp, bw_buf *b)
{
    if (!r->computed) {
        bw_buf_puts(b, "{\"computed\":false,\"problem\":");
        text(b, r->problem);
        bw_buf_putc(b, '}');
        return;
    }
    bw_buf_puts(b, "{\"computed\":true,\"currency\":\"");
    bw_buf_puts(b, r->currency);
    bw_buf_put_amount(b, "\",\"customs_value\":", r->customs_value, exp);
    bw_buf_put_amount(b, ",\"duty\":", r->duty, exp);
    bw_buf_put_amount(b, ",\"tax\":", r->tax, exp);
    bw_buf_puts(b, r->tax_prepaid ? ",\"tax_prepaid\":true" : ",\"tax_prepaid\":false");
    bw_buf_put_amount(b, ",\"due\":", r->due, exp);
    bw_buf_puts(b, ",\"payer\":\"");
    bw_buf_puts(b, r->payer);
    bw_buf_puts(b, "\",\"items\":[");
    for (uint32_t i = 0; i < r->n_items; i++) {
        const bw_item_revenue *it = &r->items[i];
        bw_buf_put_amount(b, i ? ",{\"customs_value\":" : "{\"customs_value\":", it->customs_value, exp);
        bw_buf_put_amount(b, ",\"duty\":", it->duty, exp);
        bw_buf_puts(b, ",\"duty_rule\":");
        text(b, it->duty_rule);
        bw_buf_puts(b, ",\"taxes\":[");
        for (unsigned k = 0; k < it->n_taxes; k++) {
            bw_buf_puts(b, k ? ",{\"name\":" : "{\"name\":");
            text(b, it->taxes[k].name);
            bw_buf_puts(b, ",\"rate_pct\":\"");
            bw_buf_put_fixed(b, it->taxes[k].ppm, 4);
            bw_buf_putc(b, '"');
            bw_buf_put_amount(b, ",\"base\":", it->tax_base, exp);
            bw_buf_put_amount(b, ",\"amount\":", it->tax[k], exp);
            bw_buf_puts(b, ",\"rule\":");
            text(b, it->taxes[k].rule);
            bw_buf_putc(b, '}');
        }
        bw_buf_puts(b, "]}");
    }
    bw_buf_puts(b, "]}");
}
