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
#include "../risk/profiles.h"
#include "../lifecycle/reassess.h"
#include "http.h"

static void actor_of(const bw_request *r, char *out, size_t n)
{
    snprintf(out, n, "%s:%s", bw_role_names_http[r->who.role], r->who.submitter[0] ? r->who.submitter : "key");
}

/* Drops the closing brace of the object in b, to append members. */
static void chomp_object(bw_buf *b)
{
    while (b->n && b->p[b->n - 1] != '}')
        b->n--;
    if (b->n)
        b->n--;
}

/* POST /v1/declarations/{submitter}/{id}/inspection */
void bw_h_post_inspection(bw_request *r)
{
    bw_inspection in;
    char err[512], actor[96];
    /* lifecycle: corrected values or classification reassess the revenue */
    bw_corrections corr;
    bw_reassessment re;
    int reassessed = 0;
    if (!bw_lc_take_corrections(&r->body, &r->arena, &corr, err, sizeof err)) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
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
    if (corr.n && !strcmp(in.result, "seized")) {
        bw_answer_problem(r, 400, "corrections: seized goods are not reassessed", NULL, NULL);
        return;
    }
    if (corr.n) { /* computed first: a correction the pipeline refuses records nothing */
        int found = bw_lc_reassess_compute(bw_server_refdata(r->srv), s, r->params[0], r->params[1], &corr, &r->arena,
                                           &re, err, sizeof err);
        if (found <= 0) {
            bw_answer_problem(r, found == 0 ? 404 : 400, found == 0 ? "no such declaration" : err, NULL, NULL);
            return;
        }
    }
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
    if (corr.n) {
        bw_transition t = {r->params[0], r->params[1], BW_ACT_REASSESSED, BW_HOLD_NONE, actor, bw_time_now(), re.detail};
        bw_transition_outcome out;
        reassessed = bw_store_reassess(s, &t, re.duty, re.tax, re.due, &out);
        chomp_object(&r->out);
        bw_buf_printf(&r->out, ",\"reassessment\":%s,\"reassessed\":%s", re.detail, reassessed == 1 ? "true" : "false");
        if (reassessed != 1) {
            bw_buf_puts(&r->out, ",\"reassessment_refused\":");
            const char *why = reassessed == BW_LC_REFUSED ? out.why : bw_store_error(s);
            bw_buf_put_json_str(&r->out, why, strlen(why));
        }
        bw_buf_putc(&r->out, '}');
    }
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

/* ---- profiles ------------------------------------------------------------------ */

static void put_rate(void *ctx, const bw_profile_stats *p)
{
    bw_buf *b = ctx;
    if (b->n && b->p[b->n - 1] == '}')
        bw_buf_putc(b, ',');
    bw_buf_puts(b, "{\"profile\":");
    bw_buf_put_json_str(b, p->profile, strlen(p->profile));
    bw_buf_printf(b, ",\"inspected\":%lld,\"found\":%lld}", (long long)p->inspected, (long long)p->found);
}

/* GET /v1/risk/profiles: the profiles in force, and how often the
 * declarations each one hit were inspected and found irregular. */
void bw_h_list_profiles(bw_request *r)
{
    bw_store *s = bw_server_store(r->srv);
    bw_risk_engine *e = bw_server_risk(r->srv);
    bw_profiles_json(bw_risk_engine_profiles(e), &r->out);
    chomp_object(&r->out);
    bw_buf_puts(&r->out, ",\"hit_rates\":[");
    if (!s || !bw_store_profile_stats(s, put_rate, &r->out)) {
        r->out.n = 0;
        bw_answer_problem(r, 500, "the profile statistics could not be read", NULL, NULL);
        return;
    }
    bw_buf_puts(&r->out, "]}");
    bw_answer_json(r, 200);
}

/* GET /v1/risk/profiles/{id} */
void bw_h_get_profile(bw_request *r)
{
    const bw_profile *p = bw_profiles_find(bw_risk_engine_profiles(bw_server_risk(r->srv)), r->params[0],
                                           strlen(r->params[0]));
    if (!p) {
        bw_answer_problem(r, 404, "no such profile in force", NULL, NULL);
        return;
    }
    bw_profile_json(p, &r->out);
    bw_answer_json(r, 200);
}

/* Stores an edit and puts the profiles in force again: the edit applies to
 * the next declaration. */
static void apply_edit(bw_request *r, const char *id, const char *body, int status)
{
    char err[512], actor[96];
    actor_of(r, actor, sizeof actor);
    bw_store *s = bw_server_store(r->srv);
    bw_risk_engine *e = bw_server_risk(r->srv);
    if (!s || !bw_store_profile_put(s, id, body, actor, bw_time_now())) {
        bw_answer_problem(r, 500, "the profile could not be stored", NULL, NULL);
        return;
    }
    if (!bw_risk_engine_load_profile_edits(e, s, err, sizeof err)) {
        bw_answer_problem(r, 500, err, NULL, NULL);
        return;
    }
    const bw_profile *p = bw_profiles_find(bw_risk_engine_profiles(e), id, strlen(id));
    if (p)
        bw_profile_json(p, &r->out);
    else {
        bw_buf_puts(&r->out, "{\"id\":");
        bw_buf_put_json_str(&r->out, id, strlen(id));
        bw_buf_puts(&r->out, ",\"deleted\":true}");
    }
    bw_answer_json(r, status);
}

/* POST /v1/risk/profiles: a new profile, or a new version of one (same id). */
void bw_h_post_profile(bw_request *r)
{
    char err[512];
    bw_profile *p = bw_profile_parse(r->body.p ? r->body.p : "", r->body.n, err, sizeof err);
    if (!p || bw_profile_deleted(p)) {
        bw_answer_problem(r, 400, p ? "use DELETE /v1/risk/profiles/{id} to remove a profile" : err, NULL, NULL);
        bw_profile_free(p);
        return;
    }
    bw_buf canon = {0};
    bw_profile_json(p, &canon); /* stored canonical: what GET will show */
    char id[128];
    snprintf(id, sizeof id, "%s", bw_profile_id(p));
    bool existed = bw_profiles_find(bw_risk_engine_profiles(bw_server_risk(r->srv)), id, strlen(id)) != NULL;
    bw_profile_free(p);
    apply_edit(r, id, bw_buf_cstr(&canon), existed ? 200 : 201);
    bw_buf_free(&canon);
}

/* DELETE /v1/risk/profiles/{id} */
void bw_h_delete_profile(bw_request *r)
{
    if (!bw_profiles_find(bw_risk_engine_profiles(bw_server_risk(r->srv)), r->params[0], strlen(r->params[0]))) {
        bw_answer_problem(r, 404, "no such profile in force", NULL, NULL);
        return;
    }
    apply_edit(r, r->params[0], NULL, 200);
}
