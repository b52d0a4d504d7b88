/*
 * lifecycle.c - the clearance lifecycle over HTTP:
 *
 *   POST /v1/arrivals                              a carrier's arrival manifest
 *   GET  /v1/arrivals/unmatched                    parcels arrived without data
 *   GET  /v1/queue?lane=&reason=&older_than=       the officer's work queue
 *   GET  /v1/referrals                             do-not-load referrals (a submitter: its own)
 *   POST /v1/declarations/{s}/{id}/{verb}          release, refuse, seize, return, destroy, hold
 *
 * Each is one store transaction on the worker's own connection; SQLite's
 * write lock orders them with the group committer's batches.  The same
 * library calls as `breakwater arrive`, `queue` and `act`.
 */
#include <stdio.h>
#include <string.h>

#include "../lifecycle/manifest.h"
#include "../lifecycle/officer.h"
#include "../view/lifecycle_view.h"
#include "http.h"

/* ---- arrivals ------------------------------------------------------------------------ */

typedef struct items_ctx {
    bw_buf *out;
    uint32_t n;
} items_ctx;

static void put_item(void *ctx, const bw_arrival_item *it)
{
    items_ctx *c = ctx;
    if (c->n++)
        bw_buf_putc(c->out, ',');
    bw_view_arrival_item(it, c->out);
}

void bw_h_post_arrival(bw_request *r)
{
    bw_manifest m;
    char err[512], actor[96];
    if (!bw_manifest_parse(r->body.p ? r->body.p : "", r->body.n, &r->arena, &m, err, sizeof err)) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    bw_request_actor(r, actor, sizeof actor);
    m.actor = actor;
    m.received_at = bw_time_now();
    bw_buf items = {0};
    items_ctx ctx = {&items, 0};
    bw_arrival_summary sum;
    if (!bw_store_arrival(s, &m, put_item, &ctx, &sum)) {
        fprintf(stderr, "breakwater serve: arrival: %s\n", bw_store_error(s));
        bw_answer_problem(r, 500, "the arrival could not be recorded; nothing was recorded", NULL, NULL);
    } else if (sum.conflict) {
        bw_answer_problem(r, 409,
                          "a manifest with this carrier and master_id was already recorded with other items;"
                          " the first one stands",
                          NULL, NULL);
    } else {
        bw_buf_putc(&r->out, '{');
        bw_view_arrival_summary(&m, &sum, &r->out);
        bw_buf_puts(&r->out, ",\"results\":[");
        bw_buf_put(&r->out, items.p ? items.p : "", items.n);
        bw_buf_puts(&r->out, "]}");
        bw_answer_json(r, sum.duplicate ? 200 : 201);
    }
    bw_buf_free(&items);
}

static void put_unmatched(void *ctx, const bw_unmatched *u)
{
    items_ctx *c = ctx;
    if (c->n++)
        bw_buf_putc(c->out, ',');
    bw_view_unmatched(u, c->out);
}

/* GET /v1/arrivals/unmatched?all=true */
void bw_h_list_unmatched(bw_request *r)
{
    const char *all = bw_request_query(r, "all");
    if (all && strcmp(all, "true") && strcmp(all, "false")) {
        bw_answer_problem(r, 400, "all: true (also the cleared ones) or false", NULL, NULL);
        return;
    }
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    items_ctx ctx = {&r->out, 0};
    bw_buf_puts(&r->out, "{\"unmatched\":[");
    bw_answer_list(r, bw_store_unmatched(s, all && !strcmp(all, "true"), put_unmatched, &ctx),
                   "the arrivals without data");
}

/* ---- the work queue and referrals -------------------------------------------------------- */

typedef struct queue_ctx {
    bw_buf *out;
    uint32_t n;
    bw_time now;
} queue_ctx;

static void put_entry(void *ctx, const bw_queue_entry *e)
{
    queue_ctx *c = ctx;
    if (c->n++)
        bw_buf_putc(c->out, ',');
    bw_view_queue_entry(e, c->now, c->out);
}

/* GET /v1/queue?lane=&reason=&older_than=&limit= */
void bw_h_queue(bw_request *r)
{
    bw_queue_filter f = {.lane = bw_request_query(r, "lane"), .reason = bw_request_query(r, "reason"), .limit = 200};
    const char *older = bw_request_query(r, "older_than"), *limit = bw_request_query(r, "limit");
    int64_t age = 0, n = 0;
    bw_time now = bw_time_now();
    if (f.lane && strcmp(f.lane, "green") && strcmp(f.lane, "blue") && strcmp(f.lane, "yellow") && strcmp(f.lane, "red")) {
        bw_answer_problem(r, 400, "lane: green, blue, yellow or red", NULL, NULL);
        return;
    }
    if (f.reason && bw_hold_reason_parse(f.reason) <= 0) {
        bw_answer_problem(r, 400, "reason: inspection, documents, payment, oga, quota or do_not_load", NULL, NULL);
        return;
    }
    if (older && !bw_lc_parse_age(older, &age)) {
        bw_answer_problem(r, 400, "older_than: an age such as 3600, 90s, 15m, 8h or 2d", NULL, NULL);
        return;
    }
    if (limit && (!bw_lc_parse_age(limit, &n) || strspn(limit, "0123456789") != strlen(limit) || n < 1 || n > 10000)) {
        bw_answer_problem(r, 400, "limit: 1 to 10000", NULL, NULL);
        return;
    }
    if (limit)
        f.limit = (uint32_t)n;
    f.held_before = older ? now - age : 0;
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    queue_ctx ctx = {&r->out, 0, now};
    bw_buf_puts(&r->out, "{\"queue\":[");
    bw_answer_list(r, bw_store_queue(s, &f, put_entry, &ctx), "the work queue");
}

static void put_referral(void *ctx, const bw_referral *ref)
{
    items_ctx *c = ctx;
    if (c->n++)
        bw_buf_putc(c->out, ',');
    bw_view_referral(ref, c->out);
}

/* GET /v1/referrals: customs see all, a submitter its own */
void bw_h_referrals(bw_request *r)
{
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    items_ctx ctx = {&r->out, 0};
    bw_buf_puts(&r->out, "{\"referrals\":[");
    const char *own = bw_is_submitter(&r->who) ? r->who.submitter : NULL;
    bw_answer_list(r, bw_store_referrals(s, own, put_referral, &ctx), "the referrals");
}

/* ---- officer actions --------------------------------------------------------------------- */

/* The verb is the last path segment (the route table has one route a verb). */
static const char *verb_of(const char *url)
{
    const char *q = strchr(url, '?'), *end = q ? q : url + strlen(url), *p = end;
    while (p > url && p[-1] != '/')
        p--;
    static __thread char verb[16];
    snprintf(verb, sizeof verb, "%.*s", (int)(end - p), p);
    return verb;
}

void bw_h_post_action(bw_request *r)
{
    const char *verb = verb_of(r->url);
    bw_transition t = {.submitter = r->params[0], .declaration_id = r->params[1], .at = bw_time_now()};
    char err[512], actor[96];
    if (!bw_lc_officer_verb(verb, &t.action)) {
        bw_answer_problem(r, 404, "no such action: " BW_OFFICER_VERBS, NULL, NULL);
        return;
    }
    if (!bw_lc_action_body(r->body.p ? r->body.p : "", r->body.n, &r->arena, &t, err, sizeof err)) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
    bw_request_actor(r, actor, sizeof actor);
    t.actor = actor;
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    bw_transition_outcome out;
    int rc = bw_store_transition(s, &t, &out);
    if (!bw_answer_transition_failed(r, s, rc, &out, verb)) {
        bw_view_transition(t.submitter, t.declaration_id, verb, &out, &r->out);
        bw_answer_json(r, 200);
    }
}
