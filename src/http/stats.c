/*
 * stats.c - official statistics and KPIs over the stored declarations
 * (src/stats/stats.h, docs/statistics.md), for customs roles:
 *
 *   GET /v1/stats?by=origin,chapter&from=&to=&jurisdiction=&status=&format=json|csv|table
 *   GET /v1/kpis?from=&to=&jurisdiction=
 *
 * The same library calls as `breakwater stats` and `breakwater kpis`.
 */
#include <pthread.h>
#include <stdio.h>

#include "../reference/refdata.h"
#include "../stats/stats.h"
#include "http.h"

/* The statistics reference data (data/stats), loaded once per process
 * from the default data directory, like the records' policy. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static bw_stats_config *config;
static char config_err[512];

static void load_config(void)
{
    config = bw_stats_config_load(bw_default_datadir(NULL), config_err, sizeof config_err);
    if (!config)
        fprintf(stderr, "breakwater serve: statistics reference data: %s\n", config_err);
}

static const bw_stats_config *server_config(bw_request *r)
{
    pthread_once(&config_once, load_config);
    if (!config)
        bw_answer_problem(r, 500, "the statistics reference data could not be loaded", NULL, NULL);
    return config;
}

/* A 400 naming the parameter: err is "param: why". */
static void bad_query(bw_request *r, const char *err)
{
    size_t n = strcspn(err, ":");
    bw_buf e = {0};
    bw_buf_printf(&e, "[{\"path\":\"query.%.*s\",\"code\":\"query.invalid\",\"message\":", (int)n, err);
    bw_buf_put_json_str(&e, err, strlen(err));
    bw_buf_puts(&e, "}]");
    bw_answer_problem(r, 400, "bad query parameters", bw_buf_cstr(&e), NULL);
    bw_buf_free(&e);
}

static bool parse(bw_request *r, const char *by, bw_stats_query *q)
{
    char err[512];
    if (bw_stats_query_parse(by, bw_request_query(r, "from"), bw_request_query(r, "to"),
                             bw_request_query(r, "jurisdiction"), bw_request_query(r, "status"), q, err, sizeof err)) {
        q->rd = bw_server_refdata(r->srv);
        return true;
    }
    bad_query(r, err);
    return false;
}

static bw_store *store(bw_request *r)
{
    bw_store *s = bw_server_store(r->srv);
    if (!s)
        bw_answer_problem(r, 503, "the store is not available", NULL, NULL);
    return s;
}

void bw_h_get_stats(bw_request *r)
{
    const char *format = bw_request_query(r, "format");
    format = format ? format : "json";
    if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "table")) {
        bad_query(r, "format: json, csv or table");
        return;
    }
    const char *by = bw_request_query(r, "by");
    bw_stats_query q;
    const bw_stats_config *c = server_config(r);
    bw_store *s = c && parse(r, by ? by : "", &q) ? store(r) : NULL;
    if (!s)
        return;
    bw_stats_result res;
    char err[512];
    if (!bw_stats_run(s, c, &q, &res, err, sizeof err)) {
        fprintf(stderr, "breakwater serve: stats: %s\n", err);
        bw_answer_problem(r, 500, "the statistics could not be read", NULL, NULL);
    } else {
        bw_stats_render(&res, format, &r->out);
        if (!strcmp(format, "csv"))
            r->content_type = "text/csv; charset=utf-8";
        else if (!strcmp(format, "table"))
            r->content_type = "text/plain; charset=utf-8";
        bw_answer_json(r, 200);
    }
    bw_stats_result_free(&res);
}

void bw_h_get_kpis(bw_request *r)
{
    bw_stats_query q;
    const bw_stats_config *c = server_config(r);
    bw_store *s = c && parse(r, "day", &q) ? store(r) : NULL;
    if (!s)
        return;
    bw_kpi_query kq = {q.day_from, q.day_to, q.jurisdiction, q.rd};
    char err[512];
    if (!bw_kpis_run(s, c, &kq, &r->out, err, sizeof err)) {
        fprintf(stderr, "breakwater serve: kpis: %s\n", err);
        r->out.n = 0;
        bw_answer_problem(r, 500, "the KPIs could not be read", NULL, NULL);
        return;
    }
    bw_answer_json(r, 200);
}
