/*
 * revenue.c - the revenue resources of the API (Standard 7 and 8):
 *
 *   POST /v1/quote                         a buyer's landed-cost estimate (public)
 *   POST /v1/payments                      a recorded electronic payment
 *   GET  /v1/accounts                      intermediary accounts (customs)
 *   POST /v1/accounts                      add an account or change its guarantee (admin)
 *   GET  /v1/accounts/{jurisdiction}/{id}/statement?period=YYYY-MM[&format=csv]
 *
 * The same pipeline, store and views as `breakwater quote|pay|accounts`.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "../model/payment.h"
#include "../reference/jurisdiction.h"
#include "../revenue/revenue.h"
#include "../view/accounts_view.h"
#include "../view/quote.h"
#include "http.h"

enum { QUOTES_MAX = 1000 }; /* purchases per request */

void bw_h_quote(bw_request *r)
{
    if (r->body.n == 0) {
        bw_answer_problem(r, 400, "the body holds no purchase to estimate (a JSON object, array or NDJSON)", NULL, NULL);
        return;
    }
    bw_reader *rd = bw_reader_new_mem(r->body.p, r->body.n, NULL);
    bw_pipeline p = {.rd = bw_server_refdata(r->srv), .quote = true};
    bw_record rec;
    bw_record_init(&rec);
    int n = 0;
    bool all = true;
    bw_buf_puts(&r->out, "{\"quotes\":[");
    bool too_many = false;
    while (bw_reader_next(rd, &rec) == 1) {
        if (n == QUOTES_MAX) {
            too_many = true;
            break;
        }
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        if (n++)
            bw_buf_putc(&r->out, ',');
        bw_view_quote(&rec, &oc, &r->out);
        all = all && oc.status == BW_STATUS_ACCEPTED && oc.revenue && oc.revenue->computed;
    }
    bw_buf_puts(&r->out, "]}");
    bw_record_free(&rec);
    bw_reader_free(rd);
    if (n == 0 || too_many) {
        r->out.n = 0;
        bw_answer_problem(r, too_many ? 413 : 400,
                          too_many ? "at most 1,000 purchases per request"
                                   : "the body holds no purchase to estimate (a JSON object, array or NDJSON)",
                          NULL, NULL);
        return;
    }
    bw_answer_json(r, all ? 200 : 422);
}

/* Who may record which payment: customs for anything; a submitter for its
 * own declarations only (the buyer pays through the platform or carrier
 * that declared). */
static bool may_pay(const bw_request *r, const bw_payment_record *p)
{
    if (bw_is_customs(&r->who))
        return true;
    return p->declaration_id && !strcmp(p->submitter, r->who.submitter);
}

void bw_h_post_payment(bw_request *r)
{
    bw_payment_record p;
    char err[256];
    if (!bw_payment_parse(r->body.p ? r->body.p : "", r->body.n, &r->arena, &p, err, sizeof err)) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
    if (!may_pay(r, &p)) {
        bw_answer_problem(r, p.declaration_id ? 404 : 403,
                          p.declaration_id ? "no such declaration" : "only customs records payments to accounts", NULL,
                          NULL);
        return;
    }
    char actor[96];
    snprintf(actor, sizeof actor, "%s:%s", bw_role_names_http[r->who.role],
             r->who.submitter[0] ? r->who.submitter : "key");
    p.at = bw_time_now();
    p.actor = actor;
    bw_store *s = bw_server_store(r->srv);
    bw_pay_outcome out;
    bw_pay_result res = s ? bw_store_pay(s, &p, &out) : BW_PAY_FAILED;
    if (res == BW_PAY_FAILED) {
        bw_answer_problem(r, 500, "the payment could not be recorded; nothing was stored", NULL, NULL);
        return;
    }
    if (res == BW_PAY_REFUSED) {
        bw_answer_problem(r, out.not_found ? 404 : 409, out.why, NULL, NULL);
        return;
    }
    bw_view_payment(&p, res, &out, &r->out);
    bw_answer_json(r, res == BW_PAY_RECORDED ? 201 : 200);
}

static void list_one(void *ctx, const bw_account *a)
{
    bw_buf *b = ctx;
    if (b->p[b->n - 1] != '[')
        bw_buf_putc(b, ',');
    bw_view_account(a, b);
}

void bw_h_list_accounts(bw_request *r)
{
    bw_store *s = bw_server_store(r->srv);
    bw_buf_puts(&r->out, "{\"accounts\":[");
    bw_answer_list(r, s && bw_store_account_list(s, list_one, &r->out), "the accounts");
}

/* {"id", "jurisdiction", "guarantee": "50000.00", "name"}: bw_account_define says what is wrong */
void bw_h_post_account(bw_request *r)
{
    json_object *o = json_tokener_parse(r->body.p ? bw_buf_cstr(&r->body) : "");
    json_object *v;
    const char *id = NULL, *jur = NULL, *g = NULL, *name = NULL;
#define STR(key, var)                                                                                                  \
    if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))                        \
        var = json_object_get_string(v);
    STR("id", id)
    STR("jurisdiction", jur)
    STR("guarantee", g)
    STR("name", name)
#undef STR
    bw_account a;
    char err[512];
    bool ok = bw_account_define(bw_server_refdata(r->srv), id, jur, g, name, &a, err, sizeof err);
    json_object_put(o); /* the strings above live in it */
    if (!ok) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
    bw_store *s = bw_server_store(r->srv);
    int released;
    if (!s || !bw_store_account_put(s, &a, bw_time_now(), &released)) {
        bw_answer_problem(r, 500, "the account could not be stored", NULL, NULL);
        return;
    }
    bw_store_account_get(s, a.id, a.jurisdiction, &a);
    bw_buf_puts(&r->out, "{\"account\":");
    bw_view_account(&a, &r->out);
    bw_buf_printf(&r->out, ",\"released\":%d}", released);
    bw_answer_json(r, 200);
}

void bw_h_statement(bw_request *r)
{
    const char *jur = r->params[0], *id = r->params[1];
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
    if (found < 0 || !bw_statement_write(s, &a, period, from, to, csv, &r->out)) {
        r->out.n = 0;
        bw_answer_problem(r, 500, "the statement could not be read", NULL, NULL);
        return;
    }
    if (csv)
        r->content_type = "text/csv; charset=utf-8";
    bw_answer_json(r, 200);
}
