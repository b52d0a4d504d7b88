/*
 * reference.c - GET /v1/reference/jurisdictions[/{id}]: the published
 * parameters of every jurisdiction (Standard 13: public, no key needed).
 */
#include "../view/view.h"
#include "http.h"

void bw_h_jurisdictions(bw_request *r)
{
    const bw_refdata *rd = bw_server_refdata(r->srv);
    bw_buf_puts(&r->out, "{\"jurisdictions\":[");
    for (uint32_t i = 0; i < bw_jurisdiction_count(rd); i++) {
        if (i)
            bw_buf_putc(&r->out, ',');
        bw_view_jurisdiction(bw_jurisdiction_get(rd, i), &r->out);
    }
    bw_buf_puts(&r->out, "]}");
    bw_answer_json(r, 200);
}

void bw_h_jurisdiction(bw_request *r)
{
    const bw_jurisdiction *j =
        bw_jurisdiction_find(bw_server_refdata(r->srv), (bw_str){r->params[0], (uint32_t)strlen(r->params[0])});
    if (!j) {
        bw_answer_problem(r, 404, "no such jurisdiction", NULL, NULL);
        return;
    }
    bw_view_jurisdiction(j, &r->out);
    bw_answer_json(r, 200);
}
