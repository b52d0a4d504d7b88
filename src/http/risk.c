/*
 * risk.c - the risk resources of the API: inspection outcomes reported by
 * officers, and the watchlist candidates they propose, which analysts
 * confirm or dismiss.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../risk/feedback.h"
#include "http.h"

static void actor_of(const bw_request *r, char *out, size_t n)
{
    snprintf(out, n, "%s:%s", bw_role_names_http[r->who.role], r->who.submitter[0] ? r->who.submitter : "key");
}

/* POST /v1/declarations/{submitter}/{id}/inspection */
void bw_h_post_inspection(bw_request *r)
{
    bw_inspection in;
    char err[512], actor[96];
    if (!bw_inspection_parse(r->body.p ? r->body.p : "", r->body.n, &r->arena, &in, err, sizeof err)) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
    bw_store *s = bw_server_store(r->srv);
    if (!s) {
        bw_answer_problem(r, 500, "no store connection", NULL, NULL);
        return;
    }
    actor_of(r, actor, sizeof actor);
    int rc = bw_risk_inspect(bw_server_risk(r->srv), s, r->params[0], r->params[1], &in, actor, bw_time_now(), err,
                             sizeof err);
    if (rc == 0) {
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL);
        return;
    }
    if (rc < 0) {
        bw_answer_problem(r, 409, err, NULL, NULL);
        return;
    }
    bw_buf_puts(&r->out, "{\"submitter\":");
    bw_buf_put_json_str(&r->out, r->params[0], strlen(r->params[0]));
    bw_buf_puts(&r->out, ",\"declaration_id\":");
    bw_buf_put_json_str(&r->out, r->params[1], strlen(r->params[1]));
    bw_buf_puts(&r->out, ",\"inspection\":");
    bw_buf_puts(&r->out, in.detail);
    bw_buf_printf(&r->out, ",\"watchlist_candidates_proposed\":%s}", strcmp(in.result, "seized") ? "false" : "true");
    bw_answer_json(r, 201);
}

static void put_candidate(void *ctx, const bw_watch_candidate *c)
{
    bw_buf *b = ctx;
    if (b->n && b->p[b->n - 1] == '}')
        bw_buf_putc(b, ',');
    bw_buf_printf(b, "{\"id\":%lld,\"declaration\":{\"submitter\":", (long long)c->id);
    bw_buf_put_json_str(b, c->submitter, strlen(c->submitter));
    bw_buf_puts(b, ",\"declaration_id\":");
    bw_buf_put_json_str(b, c->declaration_id, strlen(c->declaration_id));
    bw_buf_puts(b, "},\"role\":");
    bw_buf_put_json_str(b, c->role, strlen(c->role));
    bw_buf_puts(b, ",\"entry\":");
    bw_buf_put_json_str(b, c->entry, strlen(c->entry));
    bw_buf_puts(b, ",\"status\":");
    bw_buf_put_json_str(b, c->status, strlen(c->status));
    bw_buf_puts(b, ",\"proposed_at\":");
    bw_buf_put_time(b, c->proposed_at);
    if (c->decided_by) {
        bw_buf_puts(b, ",\"decided_by\":");
        bw_buf_put_json_str(b, c->decided_by, strlen(c->decided_by));
        bw_buf_puts(b, ",\"decided_at\":");
        bw_buf_put_time(b, c->decided_at);
    }
    bw_buf_putc(b, '}');
}

/* GET /v1/risk/watchlist/candidates?status=proposed|confirmed|dismissed */
void bw_h_list_candidates(bw_request *r)
{
    const char *status = bw_request_query(r, "status");
    if (status && strcmp(status, "proposed") && strcmp(status, "confirmed") && strcmp(status, "dismissed")) {
        bw_answer_problem(r, 400, "status: proposed, confirmed or dismissed", NULL, NULL);
        return;
    }
    bw_store *s = bw_server_store(r->srv);
    bw_buf_puts(&r->out, "{\"candidates\":[");
    if (!s || !bw_store_watch_candidates(s, status, put_candidate, &r->out)) {
        r->out.n = 0;
        bw_answer_problem(r, 500, "the candidates could not be read", NULL, NULL);
        return;
    }
    bw_buf_puts(&r->out, "]}");
    bw_answer_json(r, 200);
}

/* POST /v1/risk/watchlist/candidates/{id}  {"decision":"confirm"|"dismiss"} */
void bw_h_decide_candidate(bw_request *r)
{
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    json_object *o = json_tokener_parse(r->body.p ? bw_buf_cstr(&r->body) : ""), *d;
    const char *decision = o && json_object_object_get_ex(o, "decision", &d) && json_object_object_length(o) == 1
                               ? json_object_get_string(d) : "";
    bool confirm = !strcmp(decision, "confirm"), dismiss = !strcmp(decision, "dismiss");
    json_object_put(o);
    if (*end || id <= 0) {
        bw_answer_problem(r, 404, "no such candidate", NULL, NULL);
        return;
    }
    if (!confirm && !dismiss) {
        bw_answer_problem(r, 400, "decision: send {\"decision\":\"confirm\"} or {\"decision\":\"dismiss\"}", NULL, NULL);
        return;
    }
    char actor[96];
    actor_of(r, actor, sizeof actor);
    bw_store *s = bw_server_store(r->srv);
    int rc = s ? bw_store_watch_decide(s, id, confirm, actor, bw_time_now()) : -1;
    if (rc < 0)
        bw_answer_problem(r, 500, "the decision could not be stored", NULL, NULL);
    else if (rc == 0)
        bw_answer_problem(r, 409, "no such candidate awaiting a decision", NULL, NULL);
    else {
        bw_buf_printf(&r->out, "{\"id\":%lld,\"status\":\"%s\"}", id, confirm ? "confirmed" : "dismissed");
        bw_answer_json(r, 200);
    }
}
