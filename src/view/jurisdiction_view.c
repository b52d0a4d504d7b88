/*
 * jurisdiction_view.c - a jurisdiction's published parameters as JSON:
 * the data/jurisdictions file as loaded, amounts as decimal strings in the
 * jurisdiction's currency, null for "no such threshold".
 */
#include "../reference/jurisdiction.h"
#include "view.h"

static void put_amount(bw_buf *b, const char *key, int64_t minor, int exp)
{
    bw_buf_printf(b, ",\"%s\":", key);
    if (minor < 0) {
        bw_buf_puts(b, "null");
        return;
    }
    bw_buf_putc(b, '"');
    bw_buf_put_fixed(b, minor, (unsigned)exp);
    bw_buf_putc(b, '"');
}

static void put_list(bw_buf *b, const char *key, const bw_str_list *l)
{
    bw_buf_printf(b, ",\"%s\":[", key);
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            bw_buf_putc(b, ',');
        bw_buf_put_json_str(b, l->v[i], strlen(l->v[i]));
    }
    bw_buf_putc(b, ']');
}

/* key NULL: the bare array */
static void put_paths(bw_buf *b, const char *key, const bw_field_paths *ps)
{
    if (key)
        bw_buf_printf(b, ",\"%s\":", key);
    bw_buf_putc(b, '[');
    for (uint32_t i = 0; i < ps->n; i++) {
        if (i)
            bw_buf_putc(b, ',');
        bw_buf_put_json_str(b, ps->v[i].text, strlen(ps->v[i].text));
    }
    bw_buf_putc(b, ']');
}

static void put_rule(bw_buf *b, const bw_de_minimis_rule *r, int exp)
{
    bw_buf_puts(b, "{\"name\":");
    bw_buf_put_json_str(b, r->name, strlen(r->name));
    put_list(b, "origins", &r->origins);
    bw_buf_puts(b, ",\"modes\":[");
    bool first = true;
    for (int m = 1; bw_transport_mode_names[m]; m++)
        if (r->modes & (1u << m)) {
            bw_buf_printf(b, "%s\"%s\"", first ? "" : ",", bw_transport_mode_names[m]);
            first = false;
        }
    bw_buf_putc(b, ']');
    put_amount(b, "duty_threshold", r->duty_threshold, exp);
    put_amount(b, "tax_threshold", r->tax_threshold, exp);
    bw_buf_putc(b, '}');
}

static void put_version(bw_buf *b, const bw_jur_version *v, int exp)
{
    char day[21];
    bw_time_format(v->effective_from, day);
    bw_buf_printf(b, "{\"effective_from\":\"%.10s\"", day);
    bw_buf_printf(b, ",\"valuation\":\"%s\",\"value_basis\":\"%s\",\"tax_applies\":%s,\"de_minimis\":[",
                  v->valuation == VALUATION_CIF ? "CIF" : "FOB",
                  v->basis == BASIS_INTRINSIC ? "intrinsic" : "customs_value", v->tax_applies ? "true" : "false");
    for (uint32_t i = 0; i < v->n_rules; i++) {
        if (i)
            bw_buf_putc(b, ',');
        put_rule(b, &v->rules[i], exp);
    }
    bw_buf_putc(b, ']');
    put_list(b, "duty_excluded_hs", &v->duty_excluded_hs);
    put_amount(b, "flat_duty_per_subheading", v->flat_duty ? v->flat_duty : -1, exp);
    put_amount(b, "full_declaration_threshold", v->full_declaration_threshold, exp);
    put_amount(b, "vendor_threshold", v->vendor_threshold, exp);
    bw_buf_puts(b, ",\"vendor_schemes\":[");
    for (uint32_t i = 0; i < v->n_schemes; i++) {
        bw_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        bw_buf_put_json_str(b, v->schemes[i].name, strlen(v->schemes[i].name));
        bw_buf_puts(b, ",\"pattern\":");
        bw_buf_put_json_str(b, v->schemes[i].pattern, strlen(v->schemes[i].pattern));
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, ']');
    if (v->gift_threshold >= 0) {
        bw_buf_puts(b, ",\"gift_relief\":{\"threshold\":\"");
        bw_buf_put_fixed(b, v->gift_threshold, (unsigned)exp);
        bw_buf_printf(b, "\",\"duty\":%s,\"tax\":%s}", v->gift_relieves_duty ? "true" : "false",
                      v->gift_relieves_tax ? "true" : "false");
    } else {
        bw_buf_puts(b, ",\"gift_relief\":null");
    }
    put_list(b, "documents_hs", &v->documents_hs);
    /* the regulated data set (Standard 1): what a declaration must carry */
    put_paths(b, "required", &v->required);
    bw_buf_puts(b, ",\"required_by_category\":{");
    for (int c = 1, first = 1; c <= 4; c++)
        if (v->required_by_category[c].n) {
            bw_buf_printf(b, "%s\"%d\":", first ? "" : ",", c);
            put_paths(b, NULL, &v->required_by_category[c]);
            first = 0;
        }
    bw_buf_putc(b, '}');
    put_list(b, "gift_exempt", &v->gift_exempt);
    bw_buf_printf(b, ",\"reconcile\":{\"tolerance_bp\":%u,\"severity\":\"%s\"}}", v->reconcile_tolerance_bp,
                  v->reconcile_is_error ? "error" : "warning");
}

void bw_view_jurisdiction(const struct bw_jurisdiction *j, bw_buf *b)
{
    bw_buf_puts(b, "{\"id\":");
    bw_buf_put_json_str(b, j->id, strlen(j->id));
    bw_buf_puts(b, ",\"name\":");
    bw_buf_put_json_str(b, j->name, strlen(j->name));
    bw_buf_printf(b, ",\"currency\":\"%s\"", j->currency);
    put_list(b, "destinations", &j->destinations);
    bw_buf_puts(b, ",\"versions\":[");
    for (uint32_t i = 0; i < j->n_versions; i++) {
        if (i)
            bw_buf_putc(b, ',');
        put_version(b, &j->versions[i], j->currency_exponent);
    }
    bw_buf_puts(b, "]}");
}
