/*
 * publish.c - public information (Standard 13, 12.1.1; src/stats/publish.h),
 * no key needed.  Each page is JSON or plain HTML by its suffix:
 *
 *   GET /public/index.html
 *   GET /public/thresholds.json|html       de minimis thresholds in force
 *   GET /public/prohibited.json|html       prohibited and restricted goods
 *   GET /public/estimate.json|html?jurisdiction=&hs=&value=&origin=[&country=&region=&currency=&quantity=&freight=]
 *   GET /public/seizure-notices.json|html  safety seizures, aggregated
 *
 * `breakwater publish --out DIR` writes the same pages as files.
 */
#include <stdio.h>

#include "../stats/publish.h"
#include "http.h"

static bool html(const bw_request *r) { return strlen(r->url) > 5 && !strcmp(r->url + strlen(r->url) - 5, ".html"); }

static void answer(bw_request *r, int status)
{
    if (html(r))
        r->content_type = "text/html; charset=utf-8";
    bw_answer_json(r, status);
}

void bw_h_public_index(bw_request *r)
{
    bw_pub_index_html(&r->out);
    answer(r, 200);
}

void bw_h_public_thresholds(bw_request *r)
{
    if (html(r))
        bw_pub_thresholds_html(bw_server_refdata(r->srv), bw_time_now(), &r->out);
    else
        bw_pub_thresholds_json(bw_server_refdata(r->srv), bw_time_now(), &r->out);
    answer(r, 200);
}

void bw_h_public_prohibited(bw_request *r)
{
    bw_pub_goods_list l;
    char err[512];
    bw_time now = bw_time_now();
    if (!bw_pub_goods_load(bw_default_datadir(NULL), now, &l, err, sizeof err)) {
        fprintf(stderr, "breakwater serve: prohibited goods: %s\n", err);
        bw_answer_problem(r, 500, "the prohibited goods list could not be read", NULL, NULL);
        return;
    }
    if (html(r))
        bw_pub_goods_html(&l, now, &r->out);
    else
        bw_pub_goods_json(&l, now, &r->out);
    bw_pub_goods_free(&l);
    answer(r, 200);
}

void bw_h_public_estimate(bw_request *r)
{
    bw_pub_estimate_query q = {
        bw_request_query(r, "jurisdiction"), bw_request_query(r, "country"), bw_request_query(r, "region"),
        bw_request_query(r, "currency"),     bw_request_query(r, "hs"),      bw_request_query(r, "value"),
        bw_request_query(r, "quantity"),     bw_request_query(r, "origin"),  bw_request_query(r, "freight"),
    };
    if (html(r)) {
        bw_pub_estimate_html(bw_server_refdata(r->srv), &q, &r->out);
        answer(r, 200);
        return;
    }
    bool ok;
    if (!bw_pub_estimate_json(bw_server_refdata(r->srv), &q, &r->out, &ok)) {
        char why[512];
        snprintf(why, sizeof why, "%s", bw_buf_cstr(&r->out));
        r->out.n = 0;
        bw_answer_problem(r, 400, why, NULL, NULL);
        return;
    }
    answer(r, ok ? 200 : 422);
}

void bw_h_public_seizures(bw_request *r)
{
    bw_store *s = bw_server_store(r->srv);
    bw_pub_seizures l;
    if (!s || !bw_pub_seizures_load(s, &l)) {
        if (s)
            fprintf(stderr, "breakwater serve: seizure notices: %s\n", bw_store_error(s));
        bw_answer_problem(r, 500, "the seizure notices could not be read", NULL, NULL);
        return;
    }
    if (html(r))
        bw_pub_seizures_html(&l, &r->out);
    else
        bw_pub_seizures_json(&l, &r->out);
    bw_pub_seizures_free(&l);
    answer(r, 200);
}
