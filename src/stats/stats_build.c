/*
 * stats_build.c - what a decided declaration contributes to statistics
 * (facts.h), built beside its store row (pipeline/row.c) so the store only
 * codes strings and appends.
 *
 * The rules written down in docs/statistics.md: statistical value is the
 * item's CIF value in the jurisdiction's currency at the assessment's
 * exchange rate (value + apportioned freight and insurance, whatever the
 * jurisdiction's customs valuation basis); partner = country of origin;
 * the reference day is the assessment day.
 */
#include "../revenue/revenue.h"
#include "../risk/risk.h"
#include "stats.h"

static bool is_digits(bw_str s, uint32_t n)
{
    if (s.n < n)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

uint8_t bw_stats_flow(uint8_t role, uint8_t mode, bool platform_order)
{
    if (role == ROLE_POSTAL || mode == MODE_POST)
        return BW_FLOW_POSTAL;
    if (role == ROLE_EXPRESS)
        return BW_FLOW_EXPRESS;
    if (role == ROLE_PLATFORM || role == ROLE_VENDOR || platform_order)
        return BW_FLOW_PLATFORM;
    return BW_FLOW_OTHER;
}

/* The consignee's region: "country-region", else "country-" and the first
 * two characters of the postcode, else the country alone. */
static bw_str region(const bw_address *a, bw_arena *arena)
{
    if (!a->country.n)
        return BW_STR_NULL;
    bw_str part = a->region.n ? a->region : a->postcode;
    uint32_t take = a->region.n ? (part.n > 16 ? 16 : part.n) : (part.n > 2 ? 2 : part.n);
    uint32_t cn = a->country.n > 8 ? 8 : a->country.n;
    char *s = bw_arena_alloc(arena, cn + 1 + take + 1);
    memcpy(s, a->country.p, cn);
    uint32_t n = cn;
    if (take) {
        s[n++] = '-';
        memcpy(s + n, part.p, take);
        n += take;
    }
    return (bw_str){s, n};
}

uint8_t bw_stats_completeness(const bw_declaration *d)
{
    unsigned have = 0, of = 0;
#define ELEMENT(cond) (of++, have += (cond) ? 1u : 0u)
    ELEMENT(d->seller.name.n && d->seller.address.country.n);
    ELEMENT(d->buyer.name.n && d->buyer.address.line.n && d->buyer.address.country.n);
    ELEMENT(d->order.id.n);
    ELEMENT(d->payment.id.n);
    ELEMENT(d->transport.document_id.n);
    ELEMENT(d->transport.loaded_at.raw.n);
    ELEMENT(d->transport.expected_arrival.raw.n);
    ELEMENT(d->gross_weight.present);
    bool hs = d->n_items > 0, origin = hs, weight = hs, url = hs;
    for (uint32_t i = 0; i < d->n_items; i++) {
        hs = hs && d->items[i].hs_code.n >= 6;
        origin = origin && d->items[i].origin.n;
        weight = weight && d->items[i].net_weight.present;
        url = url && d->items[i].url.n;
    }
    ELEMENT(hs);
    ELEMENT(origin);
    ELEMENT(weight);
    ELEMENT(url);
#undef ELEMENT
    return (uint8_t)((have * 100 + of / 2) / of);
}

/* The record's strings are slices of input the reader reuses: copies. */
static bw_str copy(bw_arena *a, bw_str s) { return s.p ? (bw_str){bw_arena_strdup(a, s.p, s.n), s.n} : s; }

static uint8_t enum_code(bw_enum e) { return e.value == BW_ENUM_INVALID ? 0 : e.value; }

static void build_items(const bw_declaration *d, const bw_outcome *oc, bw_stats_decl *s, bw_arena *a)
{
    const bw_revenue *rev = oc->revenue && oc->revenue->computed ? oc->revenue : NULL;
    s->n_items = d->n_items;
    s->items = bw_arena_alloc(a, (d->n_items + 1) * sizeof *s->items);
    for (uint32_t i = 0; i < d->n_items; i++) {
        const bw_item *it = &d->items[i];
        bw_stats_item *f = &s->items[i];
        f->qty = it->quantity.ok ? it->quantity.value : 0;
        f->weight = it->net_weight.ok ? it->net_weight.value : 0;
        f->origin = copy(a, it->origin);
        f->heading = is_digits(it->hs_code, 4)
                         ? (it->hs_code.p[0] - '0') * 1000 + (it->hs_code.p[1] - '0') * 100 +
                               (it->hs_code.p[2] - '0') * 10 + (it->hs_code.p[3] - '0')
                         : 0;
        if (!rev || i >= rev->n_items)
            continue;
        const bw_item_revenue *r = &rev->items[i];
        f->value = r->value + r->transport;
        f->duty = r->duty;
        for (unsigned k = 0; k < r->n_taxes; k++)
            f->tax += r->tax[k];
    }
}

static void build_profiles(const bw_outcome *oc, bw_stats_decl *s, bw_arena *a)
{
    const bw_risk_result *rr = oc->risk;
    if (!rr)
        return;
    const char **ids = bw_arena_alloc(a, (rr->n_hits + 1) * sizeof *ids);
    for (uint32_t i = 0; i < rr->n_hits; i++)
        if (rr->hits[i].code && !strcmp(rr->hits[i].code, "profile") && rr->hits[i].ref)
            ids[s->n_profiles++] = bw_arena_strdup(a, rr->hits[i].ref, strlen(rr->hits[i].ref));
    s->profiles = ids;
}

const bw_stats_decl *bw_stats_decl_build(const bw_declaration *d, const bw_outcome *oc, bw_time received_at,
                                         bw_str errors, bw_arena *a)
{
    bw_stats_decl *s = bw_arena_alloc(a, sizeof *s);
    s->day = bw_stats_day(oc->assessed_at ? oc->assessed_at : received_at);
    s->cvalue = oc->consignment_value > 0 ? oc->consignment_value : 0;
    s->jurisdiction = copy(a, d->jurisdiction);
    s->region = region(&d->buyer.address, a);
    s->submitter = copy(a, d->submitter.id);
    s->mode = enum_code(d->transport.mode);
    s->flow = bw_stats_flow(enum_code(d->submitter.role), s->mode, d->order.platform.present);
    s->txn = enum_code(d->transaction_type);
    s->type = enum_code(d->type);
    s->irg = oc->category;
    s->lane = oc->risk ? (uint8_t)(oc->risk->lane + 1) : 0;
    bool accepted = oc->status == BW_STATUS_ACCEPTED;
    s->status = accepted ? 1 : 2;
    s->state = bw_stats_name_code(bw_stats_state_names, accepted ? "assessed" : "rejected");
    s->collection = enum_code(d->collection.model);
    s->complete = bw_stats_completeness(d);
    s->random = oc->risk && oc->risk->random;
    s->errors = errors;
    build_items(d, oc, s, a);
    build_profiles(oc, s, a);
    return s;
}
