/*
 * publish_estimate.c - the public duty estimator (publish.h): one item's
 * purchase, given as query parameters, through the same quote pipeline as
 * POST /v1/quote (src/view/quote.c); JSON, or an HTML form with the
 * estimate below it.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "../reference/jurisdiction.h"
#include "../revenue/revenue.h"
#include "../view/quote.h"
#include "publish.h"

static void member(bw_buf *b, const char *key_colon, const char *v)
{
    bw_buf_puts(b, key_colon);
    bw_buf_put_json_str(b, v, strlen(v));
}

/* The purchase as a declaration (what a quote reads): every value is a
 * JSON string, so nothing a caller sends can change the structure. */
static void purchase(const bw_refdata *rd, const bw_pub_estimate_query *q, bw_buf *b)
{
    const bw_jurisdiction *j = bw_jurisdiction_find(rd, (bw_str){q->jurisdiction, (uint32_t)strlen(q->jurisdiction)});
    const char *currency = q->currency && *q->currency ? q->currency : j ? j->currency : "";
    const char *country = q->country && *q->country ? q->country : j && j->destinations.n ? j->destinations.v[0] : "";
    member(b, "{\"jurisdiction\":", q->jurisdiction);
    member(b, ",\"buyer\":{\"address\":{\"country\":", country);
    if (q->region && *q->region)
        member(b, ",\"region\":", q->region);
    member(b, "}},\"items\":[{\"hs_code\":", q->hs ? q->hs : "");
    member(b, ",\"value\":{\"amount\":", q->value ? q->value : "");
    member(b, ",\"currency\":", currency);
    member(b, "},\"origin\":", q->origin ? q->origin : "");
    /* a number in the declaration: only plain digits pass, anything else
     * becomes a string the decoder refuses with its path */
    bool given = q->quantity && *q->quantity;
    bool digits = given && strspn(q->quantity, "0123456789") == strlen(q->quantity) && strlen(q->quantity) <= 9;
    bw_buf_printf(b, ",\"quantity\":%s}]", !given ? "1" : digits ? q->quantity : "\"not a number\"");
    if (q->freight && *q->freight) {
        member(b, ",\"freight\":{\"amount\":", q->freight);
        member(b, ",\"currency\":", currency);
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, '}');
}

bool bw_pub_estimate_json(const bw_refdata *rd, const bw_pub_estimate_query *q, bw_buf *out, bool *ok)
{
    *ok = false;
    const char *missing = !q->jurisdiction || !*q->jurisdiction ? "jurisdiction"
                          : !q->hs || !*q->hs                   ? "hs"
                          : !q->value || !*q->value             ? "value"
                          : !q->origin || !*q->origin           ? "origin"
                                                                : NULL;
    if (missing) {
        bw_buf_printf(out, "the query parameter %s is required (jurisdiction, hs, value, origin; optional: country, "
                           "region, currency, quantity, freight)", missing);
        return false;
    }
    bw_buf json = {0};
    purchase(rd, q, &json);
    bw_reader *r = bw_reader_new_mem(json.p, json.n, NULL);
    bw_pipeline p = {.rd = rd, .quote = true};
    bw_record rec;
    bw_record_init(&rec);
    if (bw_reader_next(r, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        bw_view_quote(&rec, &oc, out);
        *ok = oc.status == BW_STATUS_ACCEPTED && oc.revenue && oc.revenue->computed;
    }
    bw_record_free(&rec);
    bw_reader_free(r);
    bw_buf_free(&json);
    return true;
}

static void field(bw_buf *b, const char *name, const char *label, const char *value, const char *hint)
{
    bw_buf_printf(b, "<p><label>%s <input name=\"%s\" value=\"", label, name);
    bw_pub_html_text(b, value ? value : "", value ? strlen(value) : 0);
    bw_buf_puts(b, "\"></label> ");
    bw_pub_html_text(b, hint, strlen(hint));
    bw_buf_puts(b, "</p>\n");
}

static const char *get(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null) ? json_object_get_string(v)
                                                                                            : NULL;
}

static void issues_html(bw_buf *b, json_object *quote, const char *key, const char *title)
{
    json_object *list;
    if (!json_object_object_get_ex(quote, key, &list) || !json_object_is_type(list, json_type_array))
        return;
    bool any = false;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *code = get(e, "code"), *path = get(e, "path"), *msg = get(e, "message");
        if (code && !strcmp(code, "field.required") && !strcmp(key, "warnings"))
            continue; /* lodging fields a purchase does not have */
        if (!any)
            bw_buf_printf(b, "<h3>%s</h3>\n<ul>\n", title);
        any = true;
        bw_buf_puts(b, "<li>");
        bw_pub_html_text(b, path ? path : "", path ? strlen(path) : 0);
        bw_buf_puts(b, ": ");
        bw_pub_html_text(b, msg ? msg : "", msg ? strlen(msg) : 0);
        bw_buf_puts(b, "</li>\n");
    }
    if (any)
        bw_buf_puts(b, "</ul>\n");
}

static void result_html(bw_buf *b, const char *json)
{
    json_object *q = json_tokener_parse(json);
    if (!q)
        return;
    const char *rows[][2] = {{"goods", "Goods"},        {"transport", "Freight and insurance"},
                             {"duty", "Duty"},          {"tax", "Import tax"},
                             {"tax_at_checkout", "of which the vendor collects at checkout"},
                             {"due_at_border", "Due at the border"}, {"landed_cost", "Landed cost"}};
    json_object *est;
    if (json_object_object_get_ex(q, "estimate", &est) && json_object_get_boolean(est)) {
        const char *cur = get(q, "currency");
        bw_buf_puts(b, "<h2>Estimate</h2>\n<table>\n");
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            const char *v = get(q, rows[i][0]);
            bw_buf_printf(b, "<tr><th>%s</th><td>", rows[i][1]);
            bw_pub_html_text(b, v ? v : "", v ? strlen(v) : 0);
            bw_buf_puts(b, " ");
            bw_pub_html_text(b, cur ? cur : "", cur ? strlen(cur) : 0);
            bw_buf_puts(b, "</td></tr>\n");
        }
        bw_buf_puts(b, "</table>\n");
        const char *rule = get(q, "de_minimis_rule");
        if (rule) {
            bw_buf_puts(b, "<p>Relief: ");
            bw_pub_html_text(b, rule, strlen(rule));
            bw_buf_puts(b, "</p>\n");
        }
        bw_buf_puts(b, "<p>An estimate, not a decision: the declaration lodged for the consignment is what is "
                       "assessed.</p>\n");
    } else {
        const char *problem = get(q, "problem");
        bw_buf_puts(b, "<h2>No estimate</h2>\n");
        if (problem) {
            bw_buf_puts(b, "<p>");
            bw_pub_html_text(b, problem, strlen(problem));
            bw_buf_puts(b, "</p>\n");
        }
    }
    issues_html(b, q, "errors", "What is wrong");
    issues_html(b, q, "warnings", "Notes");
    json_object_put(q);
}

void bw_pub_estimate_html(const bw_refdata *rd, const bw_pub_estimate_query *q, bw_buf *b)
{
    bw_pub_html_open(b, "Duty and tax estimator");
    bw_buf_puts(b, "<form method=\"get\" action=\"estimate.html\">\n");
    field(b, "jurisdiction", "Jurisdiction", q->jurisdiction, "AU, CA, CN, EU, GB, US");
    field(b, "country", "Your country", q->country, "two letters (default: the jurisdiction's)");
    field(b, "region", "Province", q->region, "Canada: ON, QC, ...");
    field(b, "hs", "HS code", q->hs, "6 to 10 digits, e.g. 610910");
    field(b, "value", "Price", q->value, "e.g. 49.90");
    field(b, "currency", "Currency", q->currency, "ISO 4217 (default: the jurisdiction's)");
    field(b, "quantity", "Quantity", q->quantity, "default 1");
    field(b, "origin", "Made in", q->origin, "two letters, e.g. CN");
    field(b, "freight", "Shipping", q->freight, "in the same currency (optional)");
    bw_buf_puts(b, "<p><button type=\"submit\">Estimate</button></p>\n</form>\n");
    if (q->jurisdiction && *q->jurisdiction) {
        bw_buf out = {0};
        bool ok;
        if (bw_pub_estimate_json(rd, q, &out, &ok))
            result_html(b, bw_buf_cstr(&out));
        else {
            bw_buf_puts(b, "<h2>No estimate</h2>\n<p>");
            bw_pub_html_text(b, out.p, out.n);
            bw_buf_puts(b, "</p>\n");
        }
        bw_buf_free(&out);
    }
    bw_pub_html_close(b);
}
