/*
 * row.c - the store row of a decided record (see row.h).
 */
#include <stdio.h>
#include <xxhash.h>

#include "../model/json_encode.h"
#include "../revenue/revenue.h"
#include "../risk/risk.h"
#include "../stats/simulate.h"
#include "../stats/stats.h"
#include "row.h"
#include "../lifecycle/prearrival.h"
#include "../lifecycle/oga.h"

void bw_row_scratch_free(bw_row_scratch *s)
{
    bw_buf_free(&s->body);
    bw_buf_free(&s->errors);
    bw_buf_free(&s->warnings);
}

bool bw_row_storable(const bw_record *rec)
{
    return rec->decodable && rec->decl.submitter.id.n && rec->decl.declaration_id.n;
}

static bw_str copy_str(bw_arena *a, bw_str s)
{
    return s.p ? (bw_str){bw_arena_strdup(a, s.p, s.n), s.n} : s;
}

static bw_str copy_buf(bw_arena *a, const bw_buf *b)
{
    return (bw_str){bw_arena_strdup(a, b->p ? b->p : "", b->n), (uint32_t)b->n};
}

/* The buyer as a per-buyer limit knows them: a hash of the jurisdiction and
 * the buyer's national id (CN requires it), else their id, else name,
 * postcode and country - so the store keeps no personal data for it. */
static void buyer_key(const bw_declaration *d, char out[33])
{
    const bw_party *b = &d->buyer;
    bw_buf k = {0};
    bw_buf_put(&k, d->jurisdiction.p, d->jurisdiction.n);
    if (b->national_id.n) {
        bw_buf_puts(&k, "|nid|");
        bw_buf_put(&k, b->national_id.p, b->national_id.n);
    } else if (b->id.n) {
        bw_buf_puts(&k, "|id|");
        bw_buf_put(&k, b->id.p, b->id.n);
    } else {
        bw_buf_puts(&k, "|name|");
        bw_buf_put(&k, b->name.p, b->name.n);
        bw_buf_putc(&k, '|');
        bw_buf_put(&k, b->address.postcode.p, b->address.postcode.n);
        bw_buf_putc(&k, '|');
        bw_buf_put(&k, b->address.country.p, b->address.country.n);
    }
    XXH128_hash_t h = XXH3_128bits(k.p ? k.p : "", k.n);
    bw_buf_free(&k);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

/* The revenue facts of the row, and the assessment after the declaration
 * in the body (a newline between). */
static void put_revenue(const bw_declaration *d, const bw_outcome *oc, bw_buf *body, bw_row_revenue *v)
{
    memset(v, 0, sizeof *v);
    const bw_revenue *rev = oc->revenue;
    if (!rev)
        return;
    size_t at = body->n + 1;
    bw_buf_putc(body, '\n');
    bw_revenue_object(rev, oc->jurisdiction->currency_exponent, body);
    v->assessment = (bw_str){body->p + at, (uint32_t)(body->n - at)};
    if (!rev->computed) { /* nothing can be released on an unknown amount */
        v->settlement = oc->duty_due || oc->tax_due ? "held" : "none";
        return;
    }
    v->assessed = true;
    v->duty = rev->duty;
    v->tax = rev->tax;
    v->due = rev->due;
    v->payer = rev->payer;
    bool account = !strcmp(rev->payer, "intermediary");
    v->account = account ? d->collection.account_id : BW_STR_NULL;
    v->settlement = rev->due == 0 ? "none" : account ? "account" : "awaiting_payment";
}

/* The risk decision after the assessment in the body (a newline between).
 * Appending may move the body: the assessment slice is moved with it. */
static void put_risk(const bw_outcome *oc, bw_buf *body, bw_str *risk, bw_str *assessment)
{
    *risk = BW_STR_NULL;
    if (!oc->risk || !oc->revenue)
        return;
    size_t at = body->n + 1, assessment_at = (size_t)(assessment->p - body->p);
    bw_buf_putc(body, '\n');
    bw_risk_object(oc->risk, body);
    *risk = (bw_str){body->p + at, (uint32_t)(body->n - at)};
    assessment->p = body->p + assessment_at;
}

/* The row as it is stored once the buyer is over the limit. */
static const bw_decl_row *over_limit_row(const bw_record *rec, const bw_outcome *alt, const bw_decl_row *r,
                                         size_t decl_len, bw_arena *arena)
{
    bw_decl_row *o = bw_arena_alloc(arena, sizeof *o);
    *o = *r;
    o->category = alt->category;
    o->buyer_limit.limit = -1;
    o->over_limit = NULL;
    o->packed = BW_STR_NULL;
    bw_buf body = {0};
    bw_buf_put(&body, r->body.p, decl_len);
    put_revenue(&rec->decl, alt, &body, &o->revenue);
    bw_str risk;
    put_risk(alt, &body, &risk, &o->revenue.assessment);
    char *copy = bw_arena_strdup(arena, body.p, body.n);
    o->revenue.assessment.p = copy + (o->revenue.assessment.p - body.p);
    o->revenue.account = r->revenue.account;
    o->body = (bw_str){copy, (uint32_t)body.n};
    o->stats = bw_stats_decl_build(&rec->decl, alt, r->received_at, r->errors, arena);
    bw_buf_free(&body);
    return o;
}

void bw_row_build(const bw_record *rec, const bw_outcome *oc, const char *actor_kind,
                  bw_arena *arena, bw_row_scratch *s, bool copy_body, bw_decl_row *r)
{
    const bw_declaration *d = &rec->decl;
    s->body.n = s->errors.n = s->warnings.n = 0;
    bw_encode_declaration(d, &s->body);
    size_t decl_len = s->body.n; /* the content hash covers the declaration only */
    XXH128_canonicalFromHash((XXH128_canonical_t *)r->content_hash, XXH3_128bits(s->body.p, decl_len));
    bw_row_revenue revenue;
    put_revenue(d, oc, &s->body, &revenue);
    bw_str risk;
    put_risk(oc, &s->body, &risk, &revenue.assessment);
    bw_issues_json(&rec->issues, BW_ERROR, &s->errors);
    bw_issues_json(&rec->issues, BW_WARNING, &s->warnings);
    char actor[128];
    int an = snprintf(actor, sizeof actor, "%s:%.*s", actor_kind,
                      (int)(d->submitter.id.n > 70 ? 70 : d->submitter.id.n), d->submitter.id.p);
    uint8_t hash[16];
    memcpy(hash, r->content_hash, 16);
    memset(r, 0, sizeof *r);
    memcpy(r->content_hash, hash, 16);
    r->submitter = copy_str(arena, d->submitter.id);
    r->declaration_id = copy_str(arena, d->declaration_id);
    r->jurisdiction = copy_str(arena, d->jurisdiction);
    r->type = copy_str(arena, d->type.raw);
    r->status = bw_status_names[oc->status];
    r->category = oc->category;
    r->value_minor = oc->consignment_value;
    r->currency = oc->jurisdiction ? oc->jurisdiction->currency : NULL;
    r->received_at = bw_time_now(); /* the assessment date may be --as-of */
    r->body = copy_body ? copy_buf(arena, &s->body) : (bw_str){s->body.p, (uint32_t)s->body.n};
    r->errors = copy_buf(arena, &s->errors);
    r->warnings = copy_buf(arena, &s->warnings);
    r->actor = bw_arena_strdup(arena, actor, (size_t)(an < 0 ? 0 : an));
    r->revenue = revenue;
    r->revenue.account = copy_str(arena, revenue.account);
    /* its own copy: the body may be scratch that the next record reuses */
    r->revenue.assessment = copy_str(arena, revenue.assessment);
    r->risk = copy_str(arena, risk);
    if (oc->risk) {
        /* the row outlives the record (ingest reuses records): copies */
        const char **linked = bw_arena_alloc(arena, sizeof *linked * (oc->risk->n_linked + 1));
        for (uint32_t i = 0; i < oc->risk->n_linked; i++)
            linked[i] = bw_arena_strdup(arena, oc->risk->linked[i], strlen(oc->risk->linked[i]));
        r->linked = linked;
        r->n_linked = oc->risk->n_linked;
        r->lane = bw_lane_names[oc->risk->lane];
        r->risk_score = oc->risk->score < 0 ? 0 : oc->risk->score;
    }
    if (oc->sim_basis) { /* the simulator's revenue basis: the row outlives the record */
        bw_sim_basis *b = bw_arena_alloc(arena, sizeof *b);
        *b = *oc->sim_basis;
        r->sim_basis = b;
    }
    /* before the over-limit copy: both rows carry the same transport facts */
    r->lifecycle = bw_lifecycle_facts(d, oc, r->received_at, arena);
    r->oga = oc->status == BW_STATUS_ACCEPTED ? bw_oga_goods_of(d, arena) : NULL;
    r->stats = bw_stats_decl_build(d, oc, r->received_at, r->errors, arena);
    r->buyer_limit.limit = -1;
    if (oc->over_limit) {
        bw_row_buyer_limit *l = &r->buyer_limit;
        l->limit = oc->rule->buyer_limit;
        l->amount = oc->consignment_value;
        buyer_key(d, l->key);
        char day[21];
        bw_time_format(oc->assessed_at, day);
        snprintf(l->period, sizeof l->period, "%.*s", oc->rule->buyer_limit_yearly ? 4 : 10, day);
        r->over_limit = over_limit_row(rec, oc->over_limit, r, decl_len, arena);
    }
}

static bool pack_one(bw_store *s, bw_decl_row *r, bw_arena *arena, bw_buf *scratch)
{
    if (!bw_store_pack(s, r, scratch))
        return false;
    r->packed.p = bw_arena_strdup(arena, r->packed.p, r->packed.n);
    return true;
}

bool bw_row_pack(bw_store *s, bw_decl_row *r, bw_arena *arena, bw_buf *scratch)
{
    /* the over-limit row was built by bw_row_build in the same arena: ours to fill */
    if ((r->over_limit && !pack_one(s, (bw_decl_row *)r->over_limit, arena, scratch)) || !pack_one(s, r, arena, scratch))
        return false;
    r->body = BW_STR_NULL; /* not needed once packed */
    return true;
}
