/*
 * oga.c - other government agencies at the single window over HTTP:
 *
 *   POST /v1/agencies/{agency}/interests               register an interest (the agency, or admin)
 *   GET  /v1/agencies/{agency}/interests               interests in force (files and stored)
 *   GET  /v1/agencies/{agency}/queue                   declarations the agency's interests matched
 *   GET  /v1/declarations/{s}/{id}/agency              what the agency may see of one of them
 *   POST /v1/declarations/{s}/{id}/oga_hold            the agency holds it
 *   POST /v1/declarations/{s}/{id}/oga_release         the agency releases its own hold
 *
 * An agency key (role oga) acts for the agency named on the key only; a
 * declaration its interests did not match is 404, as if it did not exist,
 * so ids do not leak between agencies.  Customs read every agency's.
 * The same store calls as `breakwater agency`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store_oga.h"
#include "../view/oga_view.h"
#include "http.h"

static void actor_of(const bw_request *r, char *out, size_t n)
{
    if (r->who.agency[0])
        snprintf(out, n, "oga:%s", r->who.agency);
    else
        snprintf(out, n, "%s:key%lld", bw_role_names_http[r->who.role], (long long)r->who.key_id);
}

/* The agency of the path, when the caller may act for it. */
static const char *path_agency(bw_request *r)
{
    const char *agency = r->params[0];
    if (!bw_oga_agency_ok(agency)) {
        bw_answer_problem(r, 400, "agency: 1-70 of A-Z a-z 0-9 - _ .", NULL, NULL);
        return NULL;
    }
    if (r->who.role == R_OGA && strcmp(agency, r->who.agency)) {
        bw_answer_problem(r, 403, "an agency key acts for its own agency only", NULL, NULL);
        return NULL;
    }
    return agency;
}

void bw_h_post_interest(bw_request *r)
{
    const char *agency = path_agency(r);
    if (!agency)
        return;
    bw_oga_interest in;
    char why[400], actor[96];
    if (!bw_oga_interest_parse(agency, r->body.p ? r->body.p : "", r->body.n, &in, why, sizeof why)) {
        bw_answer_problem(r, 400, why, NULL, NULL);
        return;
    }
    bw_store *s = bw_request_store(r);
    actor_of(r, actor, sizeof actor);
    bw_time now = bw_time_now();
    int rc = s ? bw_store_oga_interest_add(s, &in, actor, now, why, sizeof why) : -1;
    if (rc == 0) {
        bw_answer_problem(r, 409, why, NULL, NULL);
    } else if (rc < 0) {
        if (s) {
            fprintf(stderr, "breakwater serve: interest: %s\n", bw_store_error(s));
            bw_answer_problem(r, 500, "the interest could not be stored; nothing changed", NULL, NULL);
        }
    } else {
        bw_view_oga_interest(&(bw_oga_interest_row){&in, actor, now}, &r->out);
        bw_answer_json(r, 201);
    }
    bw_oga_interest_free(&in);
}

typedef struct list_ctx {
    bw_buf *out;
    uint32_t n;
} list_ctx;

static void put_interest(void *ctx, const bw_oga_interest_row *row)
{
    list_ctx *c = ctx;
    if (c->n++)
        bw_buf_putc(c->out, ',');
    bw_view_oga_interest(row, c->out);
}

void bw_h_list_interests(bw_request *r)
{
    const char *agency = path_agency(r);
    bw_store *s = agency ? bw_request_store(r) : NULL;
    if (!s)
        return;
    list_ctx c = {&r->out, 0};
    bw_buf_puts(&r->out, "{\"interests\":[");
    bw_answer_list(r, bw_store_oga_interests(s, agency, put_interest, &c), "the interests");
}

static void put_queued(void *ctx, const bw_oga_queued *q)
{
    list_ctx *c = ctx;
    if (c->n++)
        bw_buf_putc(c->out, ',');
    bw_view_oga_queued(q, c->out);
}

void bw_h_agency_queue(bw_request *r)
{
    const char *agency = path_agency(r), *limit = bw_request_query(r, "limit");
    int n = limit ? atoi(limit) : 200;
    if (agency && limit && (strspn(limit, "0123456789") != strlen(limit) || n < 1 || n > 10000)) {
        bw_answer_problem(r, 400, "limit: 1 to 10000", NULL, NULL);
        return;
    }
    bw_store *s = agency ? bw_request_store(r) : NULL;
    if (!s)
        return;
    list_ctx c = {&r->out, 0};
    bw_buf_puts(&r->out, "{\"queue\":[");
    bw_answer_list(r, bw_store_oga_queue(s, agency, (uint32_t)n, put_queued, &c), "the queue");
}

/* An agency key: 1 when its interests matched the declaration, else 404 answered. */
static int agency_sees(bw_request *r, bw_store *s)
{
    if (r->who.role != R_OGA)
        return 1;
    int rc = bw_store_oga_sees(s, r->who.agency, r->params[0], r->params[1]);
    if (rc == 0)
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL);
    else if (rc < 0)
        bw_answer_problem(r, 500, "the declaration could not be read", NULL, NULL);
    return rc;
}

void bw_h_agency_declaration(bw_request *r)
{
    bw_store *s = bw_request_store(r);
    if (!s || agency_sees(r, s) != 1)
        return;
    bw_stored d;
    int found = bw_store_get(s, r->params[0], r->params[1], &d);
    bw_buf matches = {0}, holds = {0};
    const char *agency = r->who.role == R_OGA ? r->who.agency : NULL;
    if (found == 0)
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL);
    else if (found < 0 || !bw_store_oga_detail(s, agency, r->params[0], r->params[1], &matches, &holds) ||
             !bw_view_agency_declaration(&d, bw_is_customs(&r->who), bw_buf_cstr(&matches), bw_buf_cstr(&holds),
                                         &r->out))
        bw_answer_problem(r, 500, "the declaration could not be read", NULL, NULL);
    else
        bw_answer_json(r, 200);
    if (found > 0)
        bw_stored_free(&d);
    bw_buf_free(&matches);
    bw_buf_free(&holds);
}

static void agency_act(bw_request *r, bool hold)
{
    char actor[96], why[600];
    actor_of(r, actor, sizeof actor);
    bw_oga_act a = {.agency = r->who.agency, .submitter = r->params[0], .declaration_id = r->params[1],
                    .actor = actor, .at = bw_time_now()};
    if (!bw_oga_act_body(r->body.p ? r->body.p : "", r->body.n, &r->arena, &a.note, why, sizeof why)) {
        bw_answer_problem(r, 400, why, NULL, NULL);
        return;
    }
    bw_store *s = bw_request_store(r);
    if (!s)
        return;
    bw_transition_outcome out;
    int rc = hold ? bw_store_oga_hold(s, &a, &out) : bw_store_oga_release(s, &a, &out);
    const char *verb = hold ? "oga_hold" : "oga_release";
    if (!bw_answer_transition_failed(r, s, rc, &out, verb)) {
        bw_view_oga_act(&a, verb, &out, &r->out);
        bw_answer_json(r, 200);
    }
}

void bw_h_oga_hold(bw_request *r) { agency_act(r, true); }
void bw_h_oga_release(bw_request *r) { agency_act(r, false); }
