/*
 * assess.c - the IRG category of a consignment (WCO Immediate Release
 * Guidelines), from the jurisdiction's de minimis parameters in force:
 *
 *   1  documents: every item is a documents heading and nothing has value;
 *   2  low value, no duty and no tax collected (under de minimis, or tax
 *      collected by the vendor under a registered scheme, or a relieved
 *      gift); exports and returns below the full-declaration threshold;
 *   3  low value, duty and/or tax collected (simplified declaration);
 *   4  above the full-declaration threshold, or value not establishable.
 *
 * The value compared is the consignment's, in the jurisdiction's currency,
 * on the jurisdiction's basis (intrinsic value, or customs value CIF/FOB).
 * Amounts in another currency are converted at the ECB rate in force.
 */
#include "pipeline.h"

/* Sum of `m` over the consignment converted to the jurisdiction currency;
 * false if some amount cannot be converted. */
static bool add_converted(const bw_refdata *rd, const bw_money *m, const bw_jurisdiction *j,
                          bw_time when, int64_t *sum)
{
    if (!m->present)
        return true;
    if (!m->minor_ok)
        return false;
    int64_t v;
    if (!bw_fx_convert(rd, m->minor, m->currency, (bw_str){j->currency, 3}, when, &v))
        return false;
    return !__builtin_add_overflow(*sum, v, sum);
}

static bool consignment_value(const bw_refdata *rd, const bw_declaration *d,
                              const bw_jurisdiction *j, const bw_jur_version *v, bw_time when,
                              int64_t *intrinsic, int64_t *basis_value)
{
    *intrinsic = 0;
    for (uint32_t i = 0; i < d->n_items; i++)
        if (!add_converted(rd, &d->items[i].value, j, when, intrinsic))
            return false;
    *basis_value = *intrinsic;
    if (v->basis == BASIS_CUSTOMS_VALUE && v->valuation == VALUATION_CIF)
        return add_converted(rd, &d->freight, j, when, basis_value) &&
               add_converted(rd, &d->insurance, j, when, basis_value);
    return true;
}

static bool rule_matches(const bw_de_minimis_rule *r, const bw_declaration *d)
{
    uint8_t mode = d->transport.mode.value; /* may be BW_ENUM_INVALID */
    if (r->modes && (mode >= 32 || !(r->modes & (1u << mode))))
        return false;
    if (r->origins.n == 0)
        return true;
    for (uint32_t i = 0; i < d->n_items; i++)
        if (!bw_str_list_has(&r->origins, d->items[i].origin))
            return false;
    return d->n_items > 0;
}

static bool all_documents(const bw_declaration *d, const bw_jur_version *v, int64_t intrinsic)
{
    if (d->n_items == 0 || intrinsic != 0 || v->documents_hs.n == 0)
        return false;
    for (uint32_t i = 0; i < d->n_items; i++)
        if (!bw_str_list_has_prefix_of(&v->documents_hs, d->items[i].hs_code))
            return false;
    return true;
}

static bool any_excluded(const bw_declaration *d, const bw_jur_version *v)
{
    for (uint32_t i = 0; i < d->n_items; i++)
        if (bw_str_list_has_prefix_of(&v->duty_excluded_hs, d->items[i].hs_code))
            return true;
    return false;
}

static bool under(int64_t value, int64_t threshold) { return threshold >= 0 && value <= threshold; }

void bw_assess_category(const bw_refdata *rd, const bw_declaration *d, const bw_jurisdiction *j,
                        const bw_jur_version *v, bw_time when, bw_issues *iss, bw_outcome *out)
{
    int64_t intrinsic, value;
    out->consignment_value = -1;
    out->duty_due = out->tax_due = true;
    if (!consignment_value(rd, d, j, v, when, &intrinsic, &value)) {
        out->category = 4;
        out->tax_due = v->tax_applies;
        bw_issue_add(iss, BW_WARNING, "value.unconverted", "items",
                     "the consignment value could not be established in %s (an amount is invalid, "
                     "too large, or has no exchange rate on the day); treated as a full declaration "
                     "(IRG category 4)", j->currency);
        return;
    }
    out->consignment_value = value;
    if (all_documents(d, v, intrinsic)) {
        out->category = 1;
        out->duty_due = out->tax_due = false;
        return;
    }
    out->tax_due = v->tax_applies;
    bool leaving = d->type.value == DECL_EXPORT || d->type.value == DECL_RETURN;
    if (leaving) /* exports and returns leave the territory: nothing is collected */
        out->duty_due = out->tax_due = false;
    if (v->full_declaration_threshold >= 0 && value > v->full_declaration_threshold) {
        out->category = 4;
        return;
    }
    if (leaving) {
        out->category = 2;
        return;
    }
    const bw_de_minimis_rule *rule = NULL;
    const bw_de_minimis_rule *lost = NULL; /* the buyer is over its limit */
    for (uint32_t i = 0; i < v->n_rules && !rule; i++)
        if (rule_matches(&v->rules[i], d)) {
            if (out->over_buyer_limit && v->rules[i].buyer_limit >= 0)
                lost = &v->rules[i];
            else
                rule = &v->rules[i];
        }
    out->de_minimis_rule = rule ? rule->name : NULL;
    out->rule = rule;
    bool vendor = d->collection.model.value == COLLECT_VENDOR && d->collection.scheme_number.p &&
                  under(value, v->vendor_threshold);
    bool gift = d->gift.value && d->transaction_type.value == TXN_C2C &&
                under(value, v->gift_threshold);
    bool excluded = any_excluded(d, v); /* excise goods: never relieved */
    out->duty_due = !(rule && under(value, rule->duty_threshold) && !excluded && v->flat_duty == 0) &&
                    !(gift && v->gift_relieves_duty && !excluded);
    bool tax_relieved = !v->tax_applies || (rule && under(value, rule->tax_threshold)) ||
                        (gift && v->gift_relieves_tax);
    out->tax_due = !tax_relieved && !vendor;
    out->tax_prepaid = !tax_relieved && vendor;
    out->flat_duty = out->duty_due && v->flat_duty > 0 && rule && under(value, rule->duty_threshold) && !excluded;
    out->category = out->duty_due || out->tax_due ? 3 : 2;
    if (lost && lost->over_limit_category > out->category)
        out->category = lost->over_limit_category; /* CN: general trade */
}
