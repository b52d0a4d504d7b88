/*
 * health.c - GET /healthz (liveness, public) and GET /metrics
 * (Prometheus, admin key).
 */
#include "http.h"

void bw_h_healthz(bw_request *r)
{
    if (bw_server_stopping(r->srv)) {
        bw_buf_puts(&r->out, "{\"status\":\"shutting down\"}");
        bw_answer_json(r, 503);
        return;
    }
    bw_buf_puts(&r->out, "{\"status\":\"ok\"}");
    bw_answer_json(r, 200);
}

void bw_h_metrics(bw_request *r)
{
    bw_metrics_render(r->srv, &r->out);
    r->content_type = "text/plain; version=0.0.4";
    bw_answer_json(r, 200);
}
