/*
 * records.c - /v1/records: order, payment and logistics records sent
 * apart from declarations by the platforms, payment companies and carriers
 * that hold them (the CN three-document comparison, src/risk/records.h).
 *
 *   POST /v1/records/{kind}        one record (submitter roles)
 *   GET  /v1/records/{kind}/{key}  the records of that kind and key
 *                                  (customs: all; a submitter: its own)
 *
 * and the comparison of declarations just stored through POST
 * /v1/declarations with the records that concern them.  The same library
 * calls as `breakwater records`.
 */
#include <stdio.h>

#include "../risk/records.h"
#include "http.h"

/* The policy comes from the default data directory: the server's risk
 * engine does not expose the one it loaded (see docs/records.md). */
static bool server_env(bw_request *r, const char *actor, bw_records_env *env)
{
    char err[512];
    const bw_lanes *lanes = bw_records_default_lanes(err, sizeof err);
    if (!lanes) {
        fprintf(stderr, "breakwater serve: records: risk policy: %s\n", err);
        return false;
    }
    *env = (bw_records_env){.rd = bw_server_refdata(r->srv), .lanes = lanes, .actor = actor};
    return true;
}

/* The kind named in the path; false after answering 404. */
static bool path_kind(bw_request *r, bw_record_kind *kind)
{
    if (bw_record_kind_parse(r->params[0], kind))
        return true;
    bw_answer_problem(r, 404, "no such kind of record: order, payment or logistics", NULL, NULL);
    return false;
}

static void answer_added(bw_request *r, const bw_record_doc *doc, const bw_record_added *out)
{
    if (out->outcome == BW_RECORD_CONFLICT) {
        bw_answer_problem(r, 409,
                          "this record (kind, key) was already sent by this submitter with other content;"
                          " the original stands",
                          NULL, NULL);
        return;
    }
    bw_buf_printf(&r->out, "{\"kind\":\"%s\",\"key\":", bw_record_kind_names[doc->kind]);
    bw_buf_put_json_str(&r->out, doc->key, strlen(doc->key));
    bw_buf_puts(&r->out, ",\"submitter\":");
    bw_buf_put_json_str(&r->out, doc->submitter, strlen(doc->submitter));
    bw_buf_printf(&r->out, ",\"outcome\":\"%s\",\"compared\":%u}",
                  out->outcome == BW_RECORD_STORED ? "stored" : "duplicate", out->compared);
    bw_answer_json(r, out->outcome == BW_RECORD_STORED ? 201 : 200);
}

void bw_h_post_record(bw_request *r)
{
    bw_record_kind kind;
    if (!path_kind(r, &kind))
        return;
    bw_issues iss;
    bw_issues_init(&iss, &r->arena);
    bw_record_doc doc;
    if (!bw_record_parse(kind, r->body.p ? r->body.p : "", r->body.n, &r->arena, &doc, &iss)) {
        bw_buf errs = {0};
        bw_issues_json(&iss, BW_ERROR, &errs);
        bw_answer_problem(r, 400, "the body is not a valid record: see errors", bw_buf_cstr(&errs), NULL);
        bw_buf_free(&errs);
        return;
    }
    doc.submitter = r->who.submitter;
    char actor[96];
    snprintf(actor, sizeof actor, "%s:%s", bw_role_names_http[r->who.role], r->who.submitter);
    bw_records_env env;
    bw_store *s = bw_server_store(r->srv);
    bw_record_added out;
    if (!s || !server_env(r, actor, &env) || !bw_records_add(s, &env, &doc, 1, &out)) {
        if (s)
            fprintf(stderr, "breakwater serve: records: %s\n", bw_store_error(s));
        bw_answer_problem(r, 500, "the record could not be stored; nothing was stored", NULL, NULL);
        return;
    }
    answer_added(r, &doc, &out);
}

void bw_h_get_record(bw_request *r)
{
    bw_record_kind kind;
    if (!path_kind(r, &kind))
        return;
    bw_store *s = bw_server_store(r->srv);
    /* a submitter sees only what it sent: another's is "not found" */
    int n = s ? bw_records_view(s, kind, r->params[1], bw_is_submitter(&r->who) ? r->who.submitter : NULL, &r->out)
              : -1;
    if (n < 0)
        bw_answer_problem(r, 500, "the records could not be read", NULL, NULL);
    else if (n == 0)
        bw_answer_problem(r, 404, "no such record", NULL, NULL);
    else
        bw_answer_json(r, 200);
}

bool bw_http_records_in_txn(bw_store *s, bw_commit_job *job, void *arg)
{
    bw_request *r = arg;
    bw_records_env env;
    if (!server_env(r, "breakwater:records", &env))
        return true; /* said why; the declarations stand uncompared, as before any policy */
    return bw_records_compare_stored(s, &env, job->rows, job->n);
}
