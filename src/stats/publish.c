/*
 * publish.c - public information (publish.h): the HTML frame, the index,
 * the thresholds in force and the prohibited and restricted goods list.
 * The estimator is in publish_estimate.c, seizure notices in
 * publish_seizures.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/tsv.h"
#include "../reference/jurisdiction.h"
#include "publish.h"

/* ---- HTML ------------------------------------------------------------------------------ */

void bw_pub_html_text(bw_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': bw_buf_puts(b, "&amp;"); break;
        case '<': bw_buf_puts(b, "&lt;"); break;
        case '>': bw_buf_puts(b, "&gt;"); break;
        case '"': bw_buf_puts(b, "&quot;"); break;
        case '\'': bw_buf_puts(b, "&#39;"); break;
        default: bw_buf_putc(b, s[i]);
        }
    }
}

static void html_cstr(bw_buf *b, const char *s) { bw_pub_html_text(b, s ? s : "", s ? strlen(s) : 0); }

void bw_pub_html_open(bw_buf *b, const char *title)
{
    bw_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_cstr(b, title);
    bw_buf_puts(b, "</title>\n<style>body{font-family:sans-serif;max-width:70em;margin:1em auto}"
                   "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;text-align:left}"
                   "</style>\n</head>\n<body>\n<p><a href=\"index.html\">Public customs information</a></p>\n<h1>");
    html_cstr(b, title);
    bw_buf_puts(b, "</h1>\n");
}

void bw_pub_html_close(bw_buf *b) { bw_buf_puts(b, "</body>\n</html>\n"); }

void bw_pub_index_html(bw_buf *b)
{
    bw_pub_html_open(b, "Public customs information");
    bw_buf_puts(b, "<ul>\n"
                   "<li><a href=\"thresholds.html\">De minimis thresholds and collection models</a> "
                   "(<a href=\"thresholds.json\">JSON</a>)</li>\n"
                   "<li><a href=\"prohibited.html\">Prohibited and restricted goods</a> "
                   "(<a href=\"prohibited.json\">JSON</a>)</li>\n"
                   "<li><a href=\"estimate.html\">Duty and tax estimator</a> "
                   "(JSON: <code>estimate.json?jurisdiction=..&amp;hs=..&amp;value=..&amp;origin=..</code>)</li>\n"
                   "<li><a href=\"seizure-notices.html\">Seizure notices (safety)</a> "
                   "(<a href=\"seizure-notices.json\">JSON</a>)</li>\n"
                   "</ul>\n");
    bw_pub_html_close(b);
}

/* ---- thresholds ----------------------------------------------------------------------- */

static void day_text(bw_time t, char out[11])
{
    char full[21];
    bw_time_format(t, full);
    memcpy(out, full, 10);
    out[10] = 0;
}

static void amount_or_null(bw_buf *b, const char *key_colon, int64_t v, int exp)
{
    if (v < 0) {
        bw_buf_puts(b, key_colon);
        bw_buf_puts(b, "null");
    } else
        bw_buf_put_amount(b, key_colon, v, (unsigned)exp);
}

static void str_list_json(bw_buf *b, const bw_str_list *l)
{
    bw_buf_putc(b, '[');
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            bw_buf_putc(b, ',');
        bw_buf_put_json_str(b, l->v[i], strlen(l->v[i]));
    }
    bw_buf_putc(b, ']');
}

static void modes_json(bw_buf *b, uint32_t modes)
{
    bw_buf_putc(b, '[');
    bool first = true;
    for (int m = 1; m < 32 && bw_transport_mode_names[m]; m++)
        if (modes & (1u << m)) {
            bw_buf_printf(b, "%s\"%s\"", first ? "" : ",", bw_transport_mode_names[m]);
            first = false;
        }
    bw_buf_putc(b, ']');
}

/* The version in force on now, and the first one after it (or NULL). */
static const bw_jur_version *next_version(const bw_jurisdiction *j, bw_time now)
{
    for (uint32_t i = 0; i < j->n_versions; i++)
        if (j->versions[i].effective_from > now)
            return &j->versions[i];
    return NULL;
}

static void rules_json(bw_buf *b, const bw_jurisdiction *j, const bw_jur_version *v)
{
    int e = j->currency_exponent;
    bw_buf_puts(b, ",\"de_minimis\":[");
    for (uint32_t i = 0; i < v->n_rules; i++) {
        const bw_de_minimis_rule *r = &v->rules[i];
        bw_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        bw_buf_put_json_str(b, r->name, strlen(r->name));
        bw_buf_puts(b, ",\"origins\":");
        str_list_json(b, &r->origins);
        bw_buf_puts(b, ",\"modes\":");
        modes_json(b, r->modes);
        amount_or_null(b, ",\"duty_threshold\":", r->duty_threshold, e);
        amount_or_null(b, ",\"tax_threshold\":", r->tax_threshold, e);
        bw_buf_puts(b, ",\"tax_share_pct\":\"");
        bw_buf_put_fixed(b, r->tax_factor_ppm, 4);
        bw_buf_putc(b, '"');
        if (r->buyer_limit >= 0) {
            bw_buf_put_amount(b, ",\"buyer_limit\":{\"amount\":", r->buyer_limit, (unsigned)e);
            bw_buf_printf(b, ",\"period\":\"%s\"}", r->buyer_limit_yearly ? "year" : "day");
        }
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, ']');
}

static void version_json(bw_buf *b, const bw_jurisdiction *j, const bw_jur_version *v)
{
    char day[11];
    int e = j->currency_exponent;
    day_text(v->effective_from, day);
    bw_buf_printf(b, "{\"effective_from\":\"%s\",\"valuation\":\"%s\",\"value_basis\":\"%s\",\"tax_at_border\":%s",
                  day, v->valuation == VALUATION_CIF ? "CIF" : "FOB",
                  v->basis == BASIS_INTRINSIC ? "intrinsic" : "customs_value", v->tax_applies ? "true" : "false");
    rules_json(b, j, v);
    amount_or_null(b, ",\"full_declaration_threshold\":", v->full_declaration_threshold, e);
    amount_or_null(b, ",\"flat_duty_per_subheading\":", v->flat_duty > 0 ? v->flat_duty : -1, e);
    bw_buf_puts(b, ",\"collection_models\":[");
    if (v->n_schemes) {
        bw_buf_puts(b, "{\"model\":\"vendor\",\"schemes\":[");
        for (uint32_t i = 0; i < v->n_schemes; i++) {
            if (i)
                bw_buf_putc(b, ',');
            bw_buf_put_json_str(b, v->schemes[i].name, strlen(v->schemes[i].name));
        }
        bw_buf_putc(b, ']');
        amount_or_null(b, ",\"up_to\":", v->vendor_threshold, e);
        bw_buf_puts(b, "},");
    }
    bw_buf_puts(b, "{\"model\":\"intermediary\"},{\"model\":\"buyer\"}]");
    amount_or_null(b, ",\"gift_threshold\":", v->gift_threshold, e);
    bw_buf_putc(b, '}');
}

void bw_pub_thresholds_json(const bw_refdata *rd, bw_time now, bw_buf *b)
{
    char day[11];
    day_text(now, day);
    bw_buf_printf(b, "{\"as_of\":\"%s\",\"jurisdictions\":[", day);
    for (uint32_t i = 0; i < bw_jurisdiction_count(rd); i++) {
        const bw_jurisdiction *j = bw_jurisdiction_get(rd, i);
        const bw_jur_version *v = bw_jurisdiction_at(j, now), *next = next_version(j, now);
        bw_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        bw_buf_put_json_str(b, j->id, strlen(j->id));
        bw_buf_puts(b, ",\"name\":");
        bw_buf_put_json_str(b, j->name, strlen(j->name));
        bw_buf_printf(b, ",\"currency\":\"%s\",\"in_force\":", j->currency);
        if (v)
            version_json(b, j, v);
        else
            bw_buf_puts(b, "null");
        bw_buf_puts(b, ",\"next\":");
        if (next)
            version_json(b, j, next);
        else
            bw_buf_puts(b, "null");
        bw_buf_putc(b, '}');
    }
    bw_buf_puts(b, "]}\n");
}

static void amount_html(bw_buf *b, int64_t v, int exp, const char *currency, const char *none)
{
    if (v < 0) {
        bw_buf_puts(b, none);
        return;
    }
    bw_buf_put_fixed(b, v, (unsigned)exp);
    bw_buf_printf(b, " %s", currency);
}

static void version_html(bw_buf *b, const bw_jurisdiction *j, const bw_jur_version *v, const char *heading)
{
    char day[11];
    int e = j->currency_exponent;
    day_text(v->effective_from, day);
    bw_buf_printf(b, "<h3>%s: since %s</h3>\n<p>Valuation %s; thresholds compare the %s; import tax %s.</p>\n",
                  heading, day, v->valuation == VALUATION_CIF ? "CIF" : "FOB",
                  v->basis == BASIS_INTRINSIC ? "intrinsic value of the goods" : "customs value",
                  v->tax_applies ? "collected at the border unless the vendor collected it" : "not collected at the border");
    bw_buf_puts(b, "<table>\n<tr><th>channel</th><th>origins</th><th>no duty up to</th><th>no tax up to</th>"
                   "<th>buyer limit</th></tr>\n");
    for (uint32_t i = 0; i < v->n_rules; i++) {
        const bw_de_minimis_rule *r = &v->rules[i];
        bw_buf_puts(b, "<tr><td>");
        html_cstr(b, r->name);
        bw_buf_puts(b, "</td><td>");
        for (uint32_t k = 0; k < r->origins.n; k++) {
            bw_buf_puts(b, k ? ", " : "");
            html_cstr(b, r->origins.v[k]);
        }
        if (!r->origins.n)
            bw_buf_puts(b, "any");
        bw_buf_puts(b, "</td><td>");
        amount_html(b, r->duty_threshold, e, j->currency, "none: duty due");
        bw_buf_puts(b, "</td><td>");
        amount_html(b, r->tax_threshold, e, j->currency, "none: tax due");
        bw_buf_puts(b, "</td><td>");
        amount_html(b, r->buyer_limit, e, j->currency, "-");
        if (r->buyer_limit >= 0)
            bw_buf_puts(b, r->buyer_limit_yearly ? " a year" : " a day");
        bw_buf_puts(b, "</td></tr>\n");
    }
    bw_buf_puts(b, "</table>\n<p>Full declaration above: ");
    amount_html(b, v->full_declaration_threshold, e, j->currency, "no threshold");
    if (v->flat_duty > 0) {
        bw_buf_puts(b, ". Flat duty per tariff subheading under the threshold: ");
        amount_html(b, v->flat_duty, e, j->currency, "");
    }
    bw_buf_puts(b, ". Collection: ");
    for (uint32_t i = 0; i < v->n_schemes; i++) {
        html_cstr(b, v->schemes[i].name);
        bw_buf_puts(b, i + 1 < v->n_schemes ? ", " : " (vendor collects the tax at sale, up to ");
        if (i + 1 == v->n_schemes) {
            amount_html(b, v->vendor_threshold, e, j->currency, "any value");
            bw_buf_puts(b, "); ");
        }
    }
    bw_buf_puts(b, "intermediary (carrier or broker account); buyer.</p>\n");
}

void bw_pub_thresholds_html(const bw_refdata *rd, bw_time now, bw_buf *b)
{
    char day[11];
    day_text(now, day);
    bw_pub_html_open(b, "De minimis thresholds and collection models");
    bw_buf_printf(b, "<p>In force on %s. Amounts in each jurisdiction's currency.</p>\n", day);
    for (uint32_t i = 0; i < bw_jurisdiction_count(rd); i++) {
        const bw_jurisdiction *j = bw_jurisdiction_get(rd, i);
        const bw_jur_version *v = bw_jurisdiction_at(j, now), *next = next_version(j, now);
        bw_buf_puts(b, "<h2>");
        html_cstr(b, j->name);
        bw_buf_puts(b, " (");
        html_cstr(b, j->id);
        bw_buf_printf(b, ", %s)</h2>\n", j->currency);
        if (v)
            version_html(b, j, v, "In force");
        if (next)
            version_html(b, j, next, "Announced");
    }
    bw_pub_html_close(b);
}

/* ---- prohibited and restricted goods ------------------------------------------------------ */

typedef struct goods_load {
    bw_pub_goods_list *out;
    bw_time now;
} goods_load;

static bw_pub_goods *group(bw_pub_goods_list *l, const char *area, const char *kind, const char *scope)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].category, area) && !strcmp(l->v[i].kind, kind) && !strcmp(l->v[i].scope, scope))
            return &l->v[i];
    l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    bw_pub_goods *g = &l->v[l->n++];
    memset(g, 0, sizeof *g);
    g->category = strdup(area);
    g->kind = strdup(kind);
    g->scope = strdup(scope);
    return g;
}

static void add_hs(bw_pub_goods *g, const char *pattern)
{
    char digits[16];
    size_t n = 0;
    for (const char *p = pattern; *p && n < sizeof digits - 1; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = 0;
    for (uint32_t i = 0; i < g->n_hs; i++)
        if (!strcmp(g->hs[i], digits))
            return;
    g->hs = realloc(g->hs, (g->n_hs + 1) * sizeof *g->hs);
    g->hs[g->n_hs++] = strdup(digits);
}

static bool in_force(const char *from, const char *to, bw_time now)
{
    bw_time t;
    if (*from && bw_time_parse(from, strlen(from), &t) && t > now)
        return false;
    return !(*to && bw_time_parse(to, strlen(to), &t) && t <= now);
}

/* The description of an area: its file's first comment, "# area: text". */
static void describe(bw_pub_goods_list *l, const char *area, const char *text)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].category, area) && !l->v[i].description)
            l->v[i].description = strdup(text);
}

static bool load_goods_file(void *ctx, const char *path, char *err, size_t errlen)
{
    goods_load *g = ctx;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot be read", path);
        return false;
    }
    char *line = NULL, *first = NULL;
    size_t cap = 0;
    unsigned ln = 0;
    ssize_t got = getline(&line, &cap, f);
    if (got > 2 && line[0] == '#') /* the file's description */
        first = strdup(line + 2);
    rewind(f);
    bool header = true, ok = true;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        char *fld[12];
        int n = bw_tsv_split(line, fld, 12);
        if (header) {
            header = false;
            continue;
        }
        if (n != 12) {
            snprintf(err, errlen, "%s:%u: 12 fields expected, %d found", path, ln, n);
            ok = false;
            break;
        }
        if (!in_force(fld[9], fld[10], g->now))
            continue;
        bw_pub_goods *grp = group(g->out, fld[2], fld[1], fld[6]);
        if (!strcmp(fld[3], "hs"))
            add_hs(grp, fld[4]);
        if (first) {
            char *colon = strchr(first, ':');
            size_t an = strlen(fld[2]);
            if (colon && (size_t)(colon - first) == an && !strncmp(first, fld[2], an)) {
                char *text = colon + 1 + (colon[1] == ' ');
                text[strcspn(text, "\n")] = 0;
                describe(g->out, fld[2], text);
            }
        }
    }
    free(line);
    free(first);
    fclose(f);
    return ok;
}

static int by_category(const void *a, const void *b)
{
    const bw_pub_goods *x = a, *y = b;
    int c = strcmp(x->category, y->category);
    if (!c)
        c = strcmp(x->kind, y->kind);
    return c ? c : strcmp(x->scope, y->scope);
}

bool bw_pub_goods_load(const char *datadir, bw_time now, bw_pub_goods_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/screening", datadir);
    goods_load g = {out, now};
    if (!bw_tsv_load_dir(dir, false, "the screening directory", load_goods_file, &g, err, errlen)) {
        bw_pub_goods_free(out);
        return false;
    }
    qsort(out->v, out->n, sizeof *out->v, by_category);
    return true;
}

void bw_pub_goods_free(bw_pub_goods_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        bw_pub_goods *g = &l->v[i];
        free(g->category);
        free(g->description);
        free(g->kind);
        free(g->scope);
        for (uint32_t k = 0; k < g->n_hs; k++)
            free(g->hs[k]);
        free(g->hs);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void json_cstr(bw_buf *b, const char *s) { bw_buf_put_json_str(b, s ? s : "", s ? strlen(s) : 0); }

void bw_pub_goods_json(const bw_pub_goods_list *l, bw_time now, bw_buf *b)
{
    char day[11];
    day_text(now, day);
    bw_buf_printf(b, "{\"as_of\":\"%s\",\"note\":\"goods screened at import; a listed HS prefix covers every code "
                     "it starts; scope * is every jurisdiction\",\"entries\":[", day);
    for (uint32_t i = 0; i < l->n; i++) {
        const bw_pub_goods *g = &l->v[i];
        bw_buf_puts(b, i ? ",{\"category\":" : "{\"category\":");
        json_cstr(b, g->category);
        bw_buf_puts(b, ",\"description\":");
        json_cstr(b, g->description);
        bw_buf_puts(b, ",\"kind\":");
        json_cstr(b, g->kind);
        bw_buf_puts(b, ",\"scope\":[");
        char copy[256];
        snprintf(copy, sizeof copy, "%s", g->scope);
        int k = 0;
        for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save), k++) {
            if (k)
                bw_buf_putc(b, ',');
            json_cstr(b, t);
        }
        bw_buf_puts(b, "],\"hs_prefixes\":[");
        for (uint32_t h = 0; h < g->n_hs; h++) {
            if (h)
                bw_buf_putc(b, ',');
            json_cstr(b, g->hs[h]);
        }
        bw_buf_puts(b, "]}");
    }
    bw_buf_puts(b, "]}\n");
}

void bw_pub_goods_html(const bw_pub_goods_list *l, bw_time now, bw_buf *b)
{
    char day[11];
    day_text(now, day);
    bw_pub_html_open(b, "Prohibited and restricted goods");
    bw_buf_printf(b, "<p>In force on %s. Prohibited goods may not be imported; restricted goods need a licence, "
                     "permit or certificate. An HS prefix covers every tariff code it starts; scope * is every "
                     "jurisdiction.</p>\n<table>\n<tr><th>category</th><th>description</th><th>kind</th>"
                     "<th>scope</th><th>HS prefixes</th></tr>\n", day);
    for (uint32_t i = 0; i < l->n; i++) {
        const bw_pub_goods *g = &l->v[i];
        bw_buf_puts(b, "<tr><td>");
        html_cstr(b, g->category);
        bw_buf_puts(b, "</td><td>");
        html_cstr(b, g->description);
        bw_buf_puts(b, "</td><td>");
        html_cstr(b, g->kind);
        bw_buf_puts(b, "</td><td>");
        html_cstr(b, g->scope);
        bw_buf_puts(b, "</td><td>");
        for (uint32_t h = 0; h < g->n_hs; h++) {
            bw_buf_puts(b, h ? ", " : "");
            html_cstr(b, g->hs[h]);
        }
        bw_buf_puts(b, "</td></tr>\n");
    }
    bw_buf_puts(b, "</table>\n");
    bw_pub_html_close(b);
}
