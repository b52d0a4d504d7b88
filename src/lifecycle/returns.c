/*
 * returns.c - the decisions of returns and refunds (returns.h): reading a
 * return request and the original import, the checks, and the refund.
 *
 * Rounding rule (docs/lifecycle.md): an item's refund is its assessed duty
 * (and tax) times the share of its quantity returned so far, rounded down,
 * less what earlier returns of that item already refunded.  Customs never
 * refunds more than it collected, and returning an item in several parts
 * refunds exactly what returning it at once would have.
 */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/refdata.h"
#include "returns.h"

static bool failf(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool failf(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return false;
}

/* One JSON value spanning exactly json[0..n), or NULL. */
static json_object *parse_whole(const char *json, size_t n)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    bool whole = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!whole) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A JSON number or numeric string as thousandths (quantities). */
static bool thousandths(json_object *v, int64_t *out)
{
    if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
                json_object_is_type(v, json_type_string)))
        return false;
    const char *t = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                             : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    bw_decimal d;
    return bw_decimal_parse(t, strlen(t), &d) == BW_DEC_OK && bw_decimal_rescale(d, 3, out) == BW_DEC_OK;
}

/* A money string ("12.34") in minor units of exponent exp. */
static bool minor_units(json_object *v, int exp, int64_t *out)
{
    if (!v || !json_object_is_type(v, json_type_string))
        return false;
    const char *t = json_object_get_string(v);
    bw_decimal d;
    return bw_decimal_parse(t, strlen(t), &d) == BW_DEC_OK && bw_decimal_rescale(d, (unsigned)exp, out) == BW_DEC_OK;
}

static bool copy_string(json_object *o, const char *key, bool required, char *out, size_t cap, char *why,
                        size_t whylen)
{
    json_object *v = member(o, key);
    out[0] = 0;
    if (!v)
        return !required || failf(why, whylen, "%s: required", key);
    if (!json_object_is_type(v, json_type_string))
        return failf(why, whylen, "%s: must be a string", key);
    const char *t = json_object_get_string(v);
    size_t n = strlen(t);
    if ((required && n == 0) || n >= cap)
        return failf(why, whylen, "%s: must be 1 to %zu characters", key, cap - 1);
    if (!bw_utf8_valid(t, n))
        return failf(why, whylen, "%s: not valid UTF-8", key);
    memcpy(out, t, n + 1);
    return true;
}

static bool parse_line(json_object *e, size_t i, bw_return_line *l, char *why, size_t whylen)
{
    if (!json_object_is_type(e, json_type_object))
        return failf(why, whylen, "items[%zu]: must be an object with line, hs_code and quantity", i);
    json_object *line = member(e, "line");
    if (!line || !json_object_is_type(line, json_type_int) || json_object_get_int64(line) < 1 ||
        json_object_get_int64(line) > BW_RET_MAX_LINES)
        return failf(why, whylen, "items[%zu].line: must be the item's position in the original, 1 to %d", i,
                     BW_RET_MAX_LINES);
    l->line = (uint32_t)json_object_get_int64(line);
    char sub[80];
    snprintf(sub, sizeof sub, "items[%zu].hs_code", i);
    json_object *hs = member(e, "hs_code");
    const char *t = hs && json_object_is_type(hs, json_type_string) ? json_object_get_string(hs) : NULL;
    size_t n = t ? strlen(t) : 0;
    if (!t || n < 6 || n >= sizeof l->hs_code || strspn(t, "0123456789") != n)
        return failf(why, whylen, "%s: must be the HS code as declared (6 to 15 digits)", sub);
    memcpy(l->hs_code, t, n + 1);
    if (!thousandths(member(e, "quantity"), &l->quantity) || l->quantity <= 0)
        return failf(why, whylen, "items[%zu].quantity: must be a positive number with at most 3 decimals", i);
    return true;
}

static bool id_chars_ok(const char *id);

bool bw_return_request_parse(const char *json, size_t n, bw_return_request *out, char *why, size_t whylen)
{
    static const char *const keys[] = {"return_id", "claimant", "reason", "items", NULL};
    memset(out, 0, sizeof *out);
    json_object *o = parse_whole(json, n);
    bool ok = true;
    if (!o || !json_object_is_type(o, json_type_object))
        ok = failf(why, whylen, "the return must be one JSON object");
    if (ok) {
        json_object_object_foreach(o, k, v) {
            (void)v;
            bool known = false;
            for (int i = 0; keys[i]; i++)
                known = known || !strcmp(k, keys[i]);
            if (!known && ok)
                ok = failf(why, whylen, "%s: unknown field (known: return_id, claimant, reason, items)", k);
        }
    }
    ok = ok && copy_string(o, "return_id", true, out->return_id, sizeof out->return_id, why, whylen) &&
         copy_string(o, "claimant", false, out->claimant, sizeof out->claimant, why, whylen) &&
         copy_string(o, "reason", false, out->reason, sizeof out->reason, why, whylen);
    if (ok && !id_chars_ok(out->return_id))
        ok = failf(why, whylen, "return_id: only letters, digits and . _ : / - are allowed");
    if (ok && !out->claimant[0])
        snprintf(out->claimant, sizeof out->claimant, "buyer");
    if (ok && strcmp(out->claimant, "buyer") && strcmp(out->claimant, "intermediary") && strcmp(out->claimant, "customs"))
        ok = failf(why, whylen, "claimant: must be buyer, intermediary (on the buyer's behalf) or customs");
    json_object *items = ok ? member(o, "items") : NULL;
    if (ok && (!items || !json_object_is_type(items, json_type_array) || json_object_array_length(items) == 0 ||
               json_object_array_length(items) > BW_RET_MAX_LINES))
        ok = failf(why, whylen, "items: must be a non-empty array of the items sent back (at most %d)", BW_RET_MAX_LINES);
    if (ok) {
        out->n_lines = (uint32_t)json_object_array_length(items);
        out->lines = calloc(out->n_lines, sizeof *out->lines);
        for (uint32_t i = 0; ok && i < out->n_lines; i++)
            ok = parse_line(json_object_array_get_idx(items, i), i, &out->lines[i], why, whylen);
        for (uint32_t i = 0; ok && i < out->n_lines; i++)
            for (uint32_t k = 0; ok && k < i; k++)
                if (out->lines[k].line == out->lines[i].line)
                    ok = failf(why, whylen, "items[%u].line: item %u is named twice; give its whole quantity once", i,
                               out->lines[i].line);
    }
    json_object_put(o);
    if (!ok)
        bw_return_request_free(out);
    return ok;
}

bool bw_return_id_valid(const char *id) { return id && *id && strlen(id) <= 80 && id_chars_ok(id); }

static bool id_chars_ok(const char *id)
{ /* ids go into event details and references */
    return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-") == strlen(id);
}

bool bw_return_id_parse(const char *json, size_t n, char id[81], char *why, size_t whylen)
{
    json_object *o = parse_whole(json, n);
    bool ok = o && json_object_is_type(o, json_type_object) && json_object_object_length(o) == 1
                  ? copy_string(o, "return_id", true, id, 81, why, whylen)
                  : failf(why, whylen, "the body must be {\"return_id\": \"...\"}");
    if (ok && !id_chars_ok(id))
        ok = failf(why, whylen, "return_id: only letters, digits and . _ : / - are allowed");
    json_object_put(o);
    return ok;
}

void bw_return_request_free(bw_return_request *r)
{
    free(r->lines);
    r->lines = NULL;
    r->n_lines = 0;
}

static void fmt_qty(char out[32], int64_t q);

void bw_return_request_canonical(const bw_return_request *r, bw_buf *b)
{
    bw_buf_puts(b, "{\"return_id\":");
    bw_buf_put_json_str(b, r->return_id, strlen(r->return_id));
    bw_buf_puts(b, ",\"claimant\":");
    bw_buf_put_json_str(b, r->claimant, strlen(r->claimant));
    bw_buf_puts(b, ",\"items\":[");
    for (uint32_t i = 0; i < r->n_lines; i++) {
        char q[32];
        fmt_qty(q, r->lines[i].quantity);
        bw_buf_printf(b, "%s{\"line\":%u,\"hs_code\":\"%s\",\"quantity\":%s}", i ? "," : "", r->lines[i].line,
                      r->lines[i].hs_code, q);
    }
    bw_buf_puts(b, "]}");
}

/* ---- the original ------------------------------------------------------------------ */

static bool load_items(json_object *decl, bw_return_original *o, char *why, size_t whylen)
{
    json_object *items = member(decl, "items");
    if (!items || !json_object_is_type(items, json_type_array))
        return failf(why, whylen, "the original declaration has no items");
    o->n_items = (uint32_t)json_object_array_length(items);
    o->items = calloc(o->n_items ? o->n_items : 1, sizeof *o->items);
    for (uint32_t i = 0; i < o->n_items; i++) {
        json_object *it = json_object_array_get_idx(items, i), *hs = member(it, "hs_code");
        const char *t = hs && json_object_is_type(hs, json_type_string) ? json_object_get_string(hs) : "";
        snprintf(o->items[i].hs_code, sizeof o->items[i].hs_code, "%s", t);
        json_object *q = member(it, "quantity");
        if (!q || json_object_is_type(q, json_type_null))
            o->items[i].quantity = 1000; /* no quantity declared: the item is one unit */
        else if (!thousandths(q, &o->items[i].quantity) || o->items[i].quantity <= 0)
            return failf(why, whylen, "the original's items[%u].quantity cannot be read", i);
    }
    return true;
}

static bool load_assessment(json_object *a, bw_return_original *o, char *why, size_t whylen)
{
    json_object *cur = member(a, "currency"), *items = member(a, "items"), *pre = member(a, "tax_prepaid");
    if (!cur || !json_object_is_type(cur, json_type_string) || !items ||
        !json_object_is_type(items, json_type_array) || json_object_array_length(items) != o->n_items)
        return failf(why, whylen, "the original's assessment has no items to refund from");
    snprintf(o->currency, sizeof o->currency, "%s", json_object_get_string(cur));
    o->exponent = bw_currency_exponent((bw_str){o->currency, (uint32_t)strlen(o->currency)});
    if (o->exponent < 0)
        o->exponent = 2;
    o->tax_prepaid = pre && json_object_get_boolean(pre);
    for (uint32_t i = 0; i < o->n_items; i++) {
        json_object *it = json_object_array_get_idx(items, i), *taxes = member(it, "taxes");
        bw_return_item *r = &o->items[i];
        if (!minor_units(member(it, "duty"), o->exponent, &r->duty) ||
            !minor_units(member(it, "customs_value"), o->exponent, &r->customs_value))
            return failf(why, whylen, "the original's assessment of item %u cannot be read", i + 1);
        size_t nt = taxes && json_object_is_type(taxes, json_type_array) ? json_object_array_length(taxes) : 0;
        for (size_t k = 0; k < nt; k++) {
            int64_t amount;
            if (!minor_units(member(json_object_array_get_idx(taxes, k), "amount"), o->exponent, &amount))
                return failf(why, whylen, "the original's tax %zu of item %u cannot be read", k + 1, i + 1);
            r->tax += amount;
        }
    }
    return true;
}

bool bw_return_original_load(const char *body, const char *assessment, bw_return_original *o, char *why,
                             size_t whylen)
{
    memset(o, 0, sizeof *o);
    if (!body || !assessment)
        return failf(why, whylen, "the original declaration was not assessed: there is nothing to refund");
    json_object *d = json_tokener_parse(body), *a = json_tokener_parse(assessment);
    bool ok = d && a ? load_items(d, o, why, whylen) && load_assessment(a, o, why, whylen)
                     : failf(why, whylen, "the stored original cannot be read");
    json_object_put(d);
    json_object_put(a);
    if (!ok)
        bw_return_original_free(o);
    return ok;
}

void bw_return_original_free(bw_return_original *o)
{
    free(o->items);
    o->items = NULL;
    o->n_items = 0;
}

/* ---- the decision ---------------------------------------------------------------- */

int64_t bw_return_days_between(bw_time from, bw_time to)
{
    /* floor division: days before 1970 stay whole days */
    int64_t a = from >= 0 ? from / 86400 : -((-from + 86399) / 86400);
    int64_t b = to >= 0 ? to / 86400 : -((-to + 86399) / 86400);
    return b - a;
}

int64_t bw_return_share(int64_t amount, int64_t done, int64_t total)
{
    if (total <= 0 || done <= 0)
        return 0;
    if (done >= total)
        return amount;
    return (int64_t)((__int128)amount * done / total);
}

static void fmt_qty(char out[32], int64_t q)
{
    bw_buf b = {0};
    bw_buf_put_fixed(&b, q, 3);
    size_t n = b.n; /* 2.000 -> 2, 1.500 -> 1.5 */
    if (memchr(b.p, '.', n)) {
        while (b.p[n - 1] == '0')
            n--;
        if (b.p[n - 1] == '.')
            n--;
    }
    snprintf(out, 32, "%.*s", (int)n, b.p);
    bw_buf_free(&b);
}

static int refuse(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static int check_time(const bw_jur_version *v, const char *jurisdiction, bw_time released_at, bw_time at, char *why,
                      size_t whylen)
{
    if (!v || v->return_days < 0)
        return refuse(why, whylen, "%s does not refund returned goods (no \"returns\" rule in its jurisdiction file)",
                      jurisdiction);
    if (released_at <= 0)
        return refuse(why, whylen, "the original was never released: only released goods can be returned");
    int64_t days = bw_return_days_between(released_at, at);
    if (days < 0)
        return refuse(why, whylen, "the return is dated before the original's release");
    if (days > v->return_days) {
        char rel[21];
        bw_time_format(released_at, rel);
        return refuse(why, whylen,
                      "too late: released on %.10s, %lld days ago; %s accepts returns within %d days of release", rel,
                      (long long)days, jurisdiction, v->return_days);
    }
    return 0;
}

static int check_line(const bw_return_original *o, const bw_return_priors *p, const bw_return_line *l, uint32_t i,
                      char *why, size_t whylen)
{
    if (l->line > o->n_items)
        return refuse(why, whylen, "items[%u].line: the original has %u item%s, not %u", i, o->n_items,
                      o->n_items == 1 ? "" : "s", l->line);
    const bw_return_item *it = &o->items[l->line - 1];
    if (strcmp(it->hs_code, l->hs_code))
        return refuse(why, whylen, "items[%u].hs_code: item %u was imported under HS %s, not %s", i, l->line,
                      it->hs_code, l->hs_code);
    int64_t before = l->line <= p->n ? p->quantity[l->line - 1] : 0;
    if (before + l->quantity > it->quantity) {
        char a[32], b[32], c[32];
        fmt_qty(a, l->quantity);
        fmt_qty(b, it->quantity);
        fmt_qty(c, before);
        return refuse(why, whylen, "items[%u].quantity: %s is more than item %u can still return (%s imported, %s already returned)",
                      i, a, l->line, b, c);
    }
    return 0;
}

int bw_return_decide(const bw_return_original *o, const bw_return_priors *p, const bw_return_request *r,
                     const bw_jur_version *v, const char *jurisdiction, bw_time released_at, bw_time at,
                     bw_return_amounts *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (check_time(v, jurisdiction, released_at, at, why, whylen) < 0)
        return -1;
    for (uint32_t i = 0; i < r->n_lines; i++)
        if (check_line(o, p, &r->lines[i], i, why, whylen) < 0)
            return -1;
    for (uint32_t i = 0; i < o->n_items; i++) {
        const bw_return_item *it = &o->items[i];
        out->value_total += it->customs_value;
        int64_t before = i < p->n ? p->quantity[i] : 0, now = before;
        for (uint32_t k = 0; k < r->n_lines; k++)
            if (r->lines[k].line == i + 1)
                now += r->lines[k].quantity;
        out->value_before += bw_return_share(it->customs_value, before, it->quantity);
        out->value_after += bw_return_share(it->customs_value, now, it->quantity);
        if (now == before)
            continue;
        int64_t duty = bw_return_share(it->duty, now, it->quantity) - bw_return_share(it->duty, before, it->quantity);
        int64_t tax = bw_return_share(it->tax, now, it->quantity) - bw_return_share(it->tax, before, it->quantity);
        if (v->refund_duty)
            out->duty += duty;
        if (o->tax_prepaid)
            out->vendor_tax += tax;
        else if (v->refund_tax)
            out->tax += tax;
    }
    return 0;
}
