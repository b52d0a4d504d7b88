/*
 * returns.c - returns, refunds and the consolidated declaration over HTTP:
 *
 *   POST /v1/declarations/{s}/{id}/returns                    declare a return (the submitter, an officer)
 *   GET  /v1/declarations/{s}/{id}/returns                    its returns, refunds, proofs
 *   POST /v1/declarations/{s}/{id}/returns/exported           {"return_id": "R1"}: the goods left, refund (an officer)
 *   GET  /v1/accounts/{id}/consolidated?jurisdiction=&period=[&format=csv]
 *
 * A submitter sees and returns only its own declarations (another's is
 * 404, so ids do not leak).  The decisions are in src/lifecycle/.
 */
#include <stdio.h>
#include <string.h>

#include "../lifecycle/consolidated.h"
#include "../lifecycle/return_flow.h"
#include "http.h"

/* A submitter asking about another submitter's declaration: 404. */
static bool not_theirs(bw_request *r)
{
    if (bw_is_submitter(&r->who) && strcmp(r->who.submitter, r->params[0])) {
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL);
        return true;
    }
    return false;
}

static void answer(bw_request *r, bw_return_result res, const bw_return_outcome *o)
{
    switch (res) {
    case BW_RETURN_ACCEPTED:
    case BW_RETURN_DUPLICATE:
        bw_view_return_outcome(res, o, &r->out);
        bw_answer_json(r, res == BW_RETURN_ACCEPTED ? 201 : 200);
        return;
    case BW_RETURN_CONFLICT: bw_answer_problem(r, 409, o->why, NULL, NULL); return;
    case BW_RETURN_REFUSED: bw_answer_problem(r, 422, o->why, NULL, NULL); return;
    case BW_RETURN_NOT_FOUND: bw_answer_problem(r, 404, o->why, NULL, NULL); return;
    default:
        fprintf(stderr, "breakwater serve: return: %s\n", o->why);
        bw_answer_problem(r, 500, "the return could not be recorded; nothing changed", NULL, NULL);
    }
}

void bw_h_post_return(bw_request *r)
{
    if (not_theirs(r))
        return;
    bw_return_request rq;
    char why[512], actor[96];
    if (!bw_return_request_parse(r->body.p ? r->body.p : "", r->body.n, &rq, why, sizeof why)) {
        bw_answer_problem(r, 400, why, NULL, NULL);
        return;
    }
    bw_store *s = bw_request_store(r);
    if (!s) {
        bw_return_request_free(&rq);
        return;
    }
    bw_request_actor(r, actor, sizeof actor);
    bw_return_outcome o;
    bw_return_result res =
        bw_return_declare(s, bw_server_refdata(r->srv), r->params[0], r->params[1], &rq, actor, bw_time_now(), &o);
    answer(r, res, &o);
    bw_return_outcome_free(&o);
    bw_return_request_free(&rq);
}

void bw_h_post_return_exported(bw_request *r)
{
    char actor[96], return_id[81], why[512];
    if (!bw_return_id_parse(r->body.p ? r->body.p : "", r->body.n, return_id, why, sizeof why)) {
        bw_answer_problem(r, 400, why, NULL, NULL);
        return;
    }
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    bw_request_actor(r, actor, sizeof actor);
    bw_return_outcome o;
    bw_return_result res = bw_return_export(s, r->params[0], r->params[1], return_id, actor, bw_time_now(), &o);
    answer(r, res, &o);
    bw_return_outcome_free(&o);
}

typedef struct lister {
    bw_buf *b;
    unsigned n;
} lister;

static void put_return(void *ctx, const bw_return_record *rec)
{
    lister *l = ctx;
    if (l->n++)
        bw_buf_putc(l->b, ',');
    bw_view_return(rec, l->b);
}

void bw_h_list_returns(bw_request *r)
{
    if (not_theirs(r))
        return;
    bw_store *s = bw_server_store(r->srv);
    lister l = {&r->out, 0};
    bw_buf_puts(&r->out, "{\"returns\":[");
    bw_answer_list(r, s && bw_store_returns_of(s, r->params[0], r->params[1], put_return, &l), "the returns");
}

void bw_h_consolidated(bw_request *r)
{
    const char *id = r->params[0], *jur = bw_request_query(r, "jurisdiction");
    if (!jur || !*jur) {
        bw_answer_problem(r, 400, "jurisdiction: required (the account's jurisdiction, e.g. EU)", NULL, NULL);
        return;
    }
    bw_time from, to;
    bool csv;
    const char *period = bw_request_period(r, &from, &to, &csv);
    if (!period)
        return;
    bw_store *s = bw_server_store(r->srv);
    bw_account a;
    int found = s ? bw_store_account_get(s, id, jur, &a) : -1;
    if (found == 0) {
        bw_answer_problem(r, 404, "no such account", NULL, NULL);
        return;
    }
    char why[512];
    if (found < 0 || !bw_consolidated_write(s, bw_server_refdata(r->srv), &a, period, csv, &r->out, NULL, why,
                                            sizeof why)) {
        r->out.n = 0;
        bw_answer_problem(r, 500, "the consolidated declaration could not be read", NULL, NULL);
        return;
    }
    if (csv)
        r->content_type = "text/csv; charset=utf-8";
    bw_answer_json(r, 200);
}
