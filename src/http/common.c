/*
 * common.c - what several resources' handlers answer alike: the store
 * connection, who acts, a listed collection, a transition that did not
 * happen, the period of an account's figures.
 *
 * Why here and not in each resource file: the answers (status, detail,
 * the 409's members) are part of the API's contract, so one place says
 * them and every resource answers the same.
 */
#include <stdio.h>
#include <string.h>

#include "../store/store_lifecycle.h"
#include "http.h"

void bw_request_actor(const bw_request *r, char *out, size_t n)
{
    if (r->who.submitter[0])
        snprintf(out, n, "%s:%s", bw_role_names_http[r->who.role], r->who.submitter);
    else
        snprintf(out, n, "%s:key%lld", bw_role_names_http[r->who.role], (long long)r->who.key_id);
}

bw_store *bw_request_store(bw_request *r)
{
    bw_store *s = bw_server_store(r->srv);
    if (!s)
        bw_answer_problem(r, 500, "no store connection", NULL, NULL);
    return s;
}

void bw_answer_list(bw_request *r, bool ok, const char *what)
{
    if (!ok) {
        char detail[160];
        snprintf(detail, sizeof detail, "%s could not be read", what);
        r->out.n = 0; /* drop the part of the list already written */
        bw_answer_problem(r, 500, detail, NULL, NULL);
        return;
    }
    bw_buf_puts(&r->out, "]}");
    bw_answer_json(r, 200);
}

bool bw_answer_transition_failed(bw_request *r, bw_store *s, int rc, const bw_transition_outcome *out,
                                 const char *verb)
{
    if (rc == 0) {
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL);
    } else if (rc == BW_LC_REFUSED) {
        bw_buf extra = {0};
        bw_buf_puts(&extra, "\"state\":");
        bw_buf_put_json_str(&extra, out->from, strlen(out->from));
        bw_buf_printf(&extra, ",\"action\":\"%s\"", verb);
        bw_answer_problem(r, 409, out->why, NULL, bw_buf_cstr(&extra));
        bw_buf_free(&extra);
    } else if (rc < 0) {
        fprintf(stderr, "breakwater serve: %s: %s\n", verb, bw_store_error(s));
        bw_answer_problem(r, 500, "the action could not be recorded; nothing changed", NULL, NULL);
    } else {
        return false;
    }
    return true;
}

const char *bw_request_period(bw_request *r, bw_time *from, bw_time *to, bool *csv)
{
    const char *period = bw_request_query(r, "period"), *format = bw_request_query(r, "format");
    if (!period || !bw_period_parse(period, from, to)) {
        bw_answer_problem(r, 400, "period: a month, YYYY-MM", NULL, NULL);
        return NULL;
    }
    *csv = format && !strcmp(format, "csv");
    if (format && !*csv && strcmp(format, "json")) {
        bw_answer_problem(r, 400, "format: json or csv", NULL, NULL);
        return NULL;
    }
    return period;
}
