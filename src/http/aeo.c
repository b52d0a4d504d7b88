/*
 * aeo.c - the AEO registry over HTTP:
 *
 *   POST /v1/aeo          record a status change (admin); in force for the next declarations
 *   GET  /v1/aeo          every stored change
 *   GET  /v1/aeo/{id}     one operator's stored changes
 *
 * The files of data/aeo stay as they are; stored changes apply on top
 * (src/risk/aeo.h).  The same calls as `breakwater aeo`.
 */
#include <stdio.h>
#include <string.h>

#include "../risk/aeo.h"
#include "../store/store_aeo.h"
#include "http.h"

static void put_change(void *ctx, const bw_aeo_stored *a)
{
    bw_buf *b = ctx;
    if (b->n && b->p[b->n - 1] != '[')
        bw_buf_putc(b, ',');
    bw_buf_printf(b, "{\"seq\":%lld,\"id\":", (long long)a->seq);
    bw_buf_put_json_str(b, a->id, strlen(a->id));
    bw_buf_puts(b, ",\"actor\":");
    bw_buf_put_json_str(b, a->actor, strlen(a->actor));
    bw_buf_puts(b, ",\"recorded_at\":");
    bw_buf_put_time(b, a->at);
    bw_buf_printf(b, ",\"change\":%s}", a->json);
}

void bw_h_post_aeo(bw_request *r)
{
    bw_aeo_change c;
    char why[500], actor[96];
    if (!bw_aeo_change_parse(r->body.p ? r->body.p : "", r->body.n, &c, why, sizeof why)) {
        bw_answer_problem(r, 400, why, NULL, NULL);
        return;
    }
    bw_store *s = bw_server_store(r->srv);
    snprintf(actor, sizeof actor, "%s:key%lld", bw_role_names_http[r->who.role], (long long)r->who.key_id);
    bw_time now = bw_time_now();
    int64_t seq = 0;
    if (!s || !bw_store_aeo_add(s, c.id, c.line, c.carries, c.json, actor, now, &seq)) {
        bw_answer_problem(r, 500, "the change could not be stored; nothing changed", NULL, NULL);
        return;
    }
    struct bw_risk_engine *e = bw_server_risk(r->srv);
    if (e && !bw_aeo_reload(e, s, why, sizeof why)) {
        fprintf(stderr, "breakwater serve: aeo: stored but not in force: %s\n", why);
        bw_answer_problem(r, 500, "the change was stored but could not be put in force; restart the server", NULL,
                          NULL);
        return;
    }
    put_change(&r->out, &(bw_aeo_stored){seq, c.id, c.line, c.json, actor, c.carries, now});
    bw_answer_json(r, 201);
}

static void list(bw_request *r, const char *id)
{
    bw_store *s = bw_server_store(r->srv);
    bw_buf_puts(&r->out, "{\"changes\":[");
    if (!s || !bw_store_aeo_changes(s, id, put_change, &r->out)) {
        r->out.n = 0;
        bw_answer_problem(r, 500, "the AEO changes could not be read", NULL, NULL);
        return;
    }
    bw_buf_puts(&r->out, "]}");
    bw_answer_json(r, 200);
}

void bw_h_list_aeo(bw_request *r) { list(r, NULL); }
void bw_h_get_aeo(bw_request *r) { list(r, r->params[0]); }
