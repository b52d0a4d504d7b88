/*
 * records.c - separate order, payment and logistics records (records.h):
 * parsing them, comparing them with a declaration, and keeping the
 * comparison current as declarations and records arrive in any order.
 *
 * Records are small and rare next to declarations (one of each per
 * parcel at most), so json-c parses them; the store work is batched: one
 * transaction for a batch of declarations or records, never one per row.
 */
#include "records.h"

#include <json-c/json.h>
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/json_decode.h"
#include "../reference/jurisdiction.h"
#include "../store/store_records.h"
#include "normalize.h"

/* present |= 1 << kind makes the BW_RECORD_* bits of lanes.h */
static_assert(BW_RECORD_ORDER == 1u << BW_REC_ORDER && BW_RECORD_PAYMENT == 1u << BW_REC_PAYMENT &&
                  BW_RECORD_LOGISTICS == 1u << BW_REC_LOGISTICS,
              "record kinds and BW_RECORD_* bits agree");

const char *const bw_record_kind_names[] = {"order", "payment", "logistics", NULL};

bool bw_record_kind_parse(const char *name, bw_record_kind *out)
{
    for (int k = 0; k < BW_REC_KINDS; k++)
        if (name && strcmp(name, bw_record_kind_names[k]) == 0) {
            *out = (bw_record_kind)k;
            return true;
        }
    return false;
}

/* ==== parsing ====================================================================== */

enum { ID_MAX = 70, NAME_MAX_BYTES = 200, NATIONAL_ID_MAX = 40, COUNT_MAX = 1000000 };

typedef struct pctx {
    bw_issues *iss;
    bw_arena *a;
} pctx;

static const char *join(char *buf, size_t cap, const char *prefix, const char *key)
{
    snprintf(buf, cap, "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key);
    return buf;
}

/* A member, or NULL when absent or JSON null (both mean "not given"). */
static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void unknown_keys(pctx *p, json_object *o, const char *prefix, const char *const *allowed)
{
    json_object_object_foreach(o, key, val) {
        (void)val;
        bool known = false;
        for (int i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        char path[96];
        if (!known)
            bw_issue_add(p->iss, BW_ERROR, "field.unknown", join(path, sizeof path, prefix, key),
                         "not a field of this record (see docs/records.md)");
    }
}

static void required(pctx *p, const char *path, const char *what)
{
    bw_issue_add(p->iss, BW_ERROR, "field.required", path, "required: %s", what);
}

/* A string member of 1 to max bytes of UTF-8, copied into the arena. */
static const char *text(pctx *p, json_object *o, const char *prefix, const char *key, size_t max, bool need)
{
    char path[96];
    join(path, sizeof path, prefix, key);
    json_object *v = member(o, key);
    if (!v) {
        if (need)
            required(p, path, "a string");
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        bw_issue_add(p->iss, BW_ERROR, "type.string", path, "must be a string");
        return NULL;
    }
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0 || memchr(s, 0, n))
        bw_issue_add(p->iss, BW_ERROR, "field.required", path, "must not be empty");
    else if (n > max)
        bw_issue_add(p->iss, BW_ERROR, "string.too_long", path, "at most %zu bytes", max);
    else if (!bw_utf8_valid(s, n))
        bw_issue_add(p->iss, BW_ERROR, "type.string", path, "not valid UTF-8");
    else
        return bw_arena_strdup(p->a, s, n);
    return NULL;
}

/* An object member, checked for unknown keys; NULL when absent (and an
 * error when required) or not an object. */
static json_object *object(pctx *p, json_object *o, const char *key, const char *const *allowed, bool need)
{
    json_object *v = member(o, key);
    if (!v) {
        if (need)
            required(p, key, "an object");
        return NULL;
    }
    if (!json_object_is_type(v, json_type_object)) {
        bw_issue_add(p->iss, BW_ERROR, "type.object", key, "must be an object");
        return NULL;
    }
    unknown_keys(p, v, key, allowed);
    return v;
}

/* {"amount": "12.34", "currency": "CNY"}: exact, in the currency's minor unit. */
static void money(pctx *p, json_object *o, const char *key, bw_record_money *out)
{
    static const char *const keys[] = {"amount", "currency", NULL};
    json_object *m = object(p, o, key, keys, true);
    if (!m)
        return;
    char path[96];
    const char *amount = text(p, m, key, "amount", 40, true), *cur = text(p, m, key, "currency", 3, true);
    int exp = cur && strlen(cur) == 3 ? bw_currency_exponent((bw_str){cur, 3}) : -1;
    if (cur && exp < 0)
        bw_issue_add(p->iss, BW_ERROR, "currency.unknown", join(path, sizeof path, key, "currency"),
                     "\"%s\" is not an ISO 4217 currency", cur);
    if (!amount || exp < 0)
        return;
    join(path, sizeof path, key, "amount");
    bw_decimal d;
    bw_dec_status st = bw_decimal_parse(amount, strlen(amount), &d);
    if (st == BW_DEC_OK)
        st = bw_decimal_rescale(d, (unsigned)exp, &out->minor);
    if (st == BW_DEC_SYNTAX)
        bw_issue_add(p->iss, BW_ERROR, "amount.syntax", path, "not a plain decimal number such as \"12.34\"");
    else if (st == BW_DEC_PRECISION)
        bw_issue_add(p->iss, BW_ERROR, "amount.precision", path, "more decimals than %s has (%d)", cur, exp);
    else if (st == BW_DEC_OVERFLOW)
        bw_issue_add(p->iss, BW_ERROR, "amount.range", path, "too large");
    else if (out->minor < 0)
        bw_issue_add(p->iss, BW_ERROR, "amount.negative", path, "must not be negative");
    else {
        out->present = true;
        memcpy(out->currency, cur, 4);
        out->exponent = (uint8_t)exp;
    }
}

/* A whole number in [min, COUNT_MAX]; -1 when absent or wrong. */
static int64_t count(pctx *p, json_object *o, const char *key, int64_t min, bool need)
{
    json_object *v = member(o, key);
    if (!v) {
        if (need)
            required(p, key, "a whole number");
        return -1;
    }
    if (!json_object_is_type(v, json_type_int)) {
        bw_issue_add(p->iss, BW_ERROR, json_object_is_type(v, json_type_double) ? "number.format" : "type.number",
                     key, "must be a whole number");
        return -1;
    }
    int64_t n = json_object_get_int64(v);
    if (n < min || n > COUNT_MAX) {
        bw_issue_add(p->iss, BW_ERROR, "number.range", key, "must be %lld to %d", (long long)min, COUNT_MAX);
        return -1;
    }
    return n;
}

/* Grams as a decimal string or number ("171.5"), kept in milligrams. */
static int64_t grams(pctx *p, json_object *o, const char *key)
{
    json_object *v = member(o, key);
    if (!v)
        return -1;
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double)) {
        bw_issue_add(p->iss, BW_ERROR, "type.number", key, "grams, as a decimal string or a number");
        return -1;
    }
    const char *s = json_object_get_string(v); /* a number keeps its text as sent */
    bw_decimal d;
    int64_t mg;
    if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK || bw_decimal_rescale(d, 3, &mg) != BW_DEC_OK) {
        bw_issue_add(p->iss, BW_ERROR, "number.format", key, "grams with at most 3 decimals, such as \"171.5\"");
        return -1;
    }
    if (mg <= 0) {
        bw_issue_add(p->iss, BW_ERROR, "weight.not_positive", key, "must be more than 0");
        return -1;
    }
    return mg;
}

static void date(pctx *p, json_object *o, bw_record_doc *out)
{
    const char *s = text(p, o, NULL, "date", 40, false);
    if (s && !(out->has_date = bw_time_parse(s, strlen(s), &out->date)))
        bw_issue_add(p->iss, BW_ERROR, "time.format", "date", "an ISO 8601 date or time, such as 2026-11-20T13:02:11Z");
}

/* The person a record names; at least one way to identify them. */
static void party(pctx *p, json_object *o, const char *key, bool with_id, bw_record_party *out)
{
    static const char *const with[] = {"name", "national_id", "id", NULL};
    static const char *const without[] = {"name", "national_id", NULL};
    json_object *v = object(p, o, key, with_id ? with : without, true);
    if (!v)
        return;
    out->name = text(p, v, key, "name", NAME_MAX_BYTES, false);
    out->national_id = text(p, v, key, "national_id", NATIONAL_ID_MAX, false);
    if (with_id)
        out->id = text(p, v, key, "id", ID_MAX, false);
    if (!out->name && !out->national_id && !out->id && !member(v, "name") && !member(v, "national_id") &&
        !member(v, "id"))
        bw_issue_add(p->iss, BW_ERROR, "field.required", key, "needs %s",
                     with_id ? "a name, national_id or id" : "a name or national_id");
}

static void parse_order(pctx *p, json_object *o, bw_record_doc *r)
{
    static const char *const keys[] = {"order_id", "platform", "buyer", "total", "items", "date", NULL};
    static const char *const platform_keys[] = {"id", NULL};
    unknown_keys(p, o, NULL, keys);
    r->key = r->order_id = text(p, o, NULL, "order_id", ID_MAX, true);
    json_object *pl = object(p, o, "platform", platform_keys, false);
    if (pl)
        r->platform_id = text(p, pl, "platform", "id", ID_MAX, false);
    party(p, o, "buyer", true, &r->party);
    money(p, o, "total", &r->amount);
    r->items = count(p, o, "items", 1, true);
    date(p, o, r);
}

static void parse_payment(pctx *p, json_object *o, bw_record_doc *r)
{
    static const char *const keys[] = {"payment_id", "order_id", "payer", "amount", "provider", "date", NULL};
    unknown_keys(p, o, NULL, keys);
    r->key = text(p, o, NULL, "payment_id", ID_MAX, true);
    r->order_id = text(p, o, NULL, "order_id", ID_MAX, true);
    party(p, o, "payer", false, &r->party);
    money(p, o, "amount", &r->amount);
    r->provider = text(p, o, NULL, "provider", ID_MAX, false);
    date(p, o, r);
}

static void parse_logistics(pctx *p, json_object *o, bw_record_doc *r)
{
    static const char *const keys[] = {"transport_document", "order_id", "carrier", "consignee", "packages",
                                       "gross_weight_g", "items", NULL};
    unknown_keys(p, o, NULL, keys);
    r->key = r->transport_document = text(p, o, NULL, "transport_document", ID_MAX, true);
    r->order_id = text(p, o, NULL, "order_id", ID_MAX, false);
    r->carrier = text(p, o, NULL, "carrier", ID_MAX, false);
    party(p, o, "consignee", false, &r->party);
    r->packages = count(p, o, "packages", 1, false);
    r->gross_weight_mg = grams(p, o, "gross_weight_g");
    r->items = count(p, o, "items", 1, false);
}

/* The JSON object s[0..n) with nothing but white space after it; NULL
 * after reporting why not. */
static json_object *parse_object(pctx *p, const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT); /* RFC 8259, no extensions */
    json_object *o = n <= INT32_MAX ? json_tokener_parse_ex(tok, s, (int)n) : NULL;
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = (size_t)json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (o && end < n && strchr(" \t\r\n", s[end]))
        end++;
    if (!o || e != json_tokener_success) /* strict: what follows the object is an error too */
        bw_issue_add(p->iss, BW_ERROR, "json.syntax", "", "not JSON: %s at byte %zu",
                     e == json_tokener_continue || (!o && e == json_tokener_success) ? "it ends too early"
                                                                                      : json_tokener_error_desc(e),
                     end);
    else if (end < n)
        bw_issue_add(p->iss, BW_ERROR, "json.trailing_data", "", "more after the record's object");
    else if (!json_object_is_type(o, json_type_object))
        bw_issue_add(p->iss, BW_ERROR, "type.object", "", "a record is a JSON object");
    else
        return o;
    json_object_put(o);
    return NULL;
}

bool bw_record_parse(bw_record_kind kind, const char *s, size_t n, bw_arena *arena, bw_record_doc *out,
                     bw_issues *iss)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->items = out->packages = out->gross_weight_mg = -1;
    uint32_t before = iss->errors;
    pctx p = {iss, arena};
    json_object *o = parse_object(&p, s, n);
    if (!o)
        return false;
    if (kind == BW_REC_ORDER)
        parse_order(&p, o, out);
    else if (kind == BW_REC_PAYMENT)
        parse_payment(&p, o, out);
    else
        parse_logistics(&p, o, out);
    json_object_put(o);
    return iss->errors == before;
}

/* ==== canonical JSON ================================================================ */

static void put_member(bw_buf *b, bool *first, const char *key, const char *v)
{
    if (!v)
        return;
    bw_buf_puts(b, *first ? "\"" : ",\"");
    bw_buf_puts(b, key);
    bw_buf_puts(b, "\":");
    bw_buf_put_json_str(b, v, strlen(v));
    *first = false;
}

static void put_count(bw_buf *b, bool *first, const char *key, int64_t v)
{
    if (v < 0)
        return;
    bw_buf_puts(b, *first ? "\"" : ",\"");
    bw_buf_puts(b, key);
    bw_buf_puts(b, "\":");
    bw_buf_put_i64(b, v);
    *first = false;
}

static void put_party(bw_buf *b, const char *key, const bw_record_party *p)
{
    bool first = true;
    bw_buf_printf(b, ",\"%s\":{", key);
    put_member(b, &first, "name", p->name);
    put_member(b, &first, "national_id", p->national_id);
    put_member(b, &first, "id", p->id);
    bw_buf_putc(b, '}');
}

static void put_money(bw_buf *b, const char *key, const bw_record_money *m)
{
    if (!m->present)
        return;
    bw_buf_printf(b, ",\"%s\":{\"amount\":\"", key);
    bw_buf_put_fixed(b, m->minor, m->exponent);
    bw_buf_printf(b, "\",\"currency\":\"%s\"}", m->currency);
}

void bw_record_json(const bw_record_doc *r, bw_buf *out)
{
    bool first = true;
    bw_buf_putc(out, '{');
    if (r->kind == BW_REC_ORDER) {
        put_member(out, &first, "order_id", r->order_id);
        if (r->platform_id) {
            bw_buf_puts(out, ",\"platform\":{\"id\":");
            bw_buf_put_json_str(out, r->platform_id, strlen(r->platform_id));
            bw_buf_putc(out, '}');
        }
        put_party(out, "buyer", &r->party);
        put_money(out, "total", &r->amount);
    } else if (r->kind == BW_REC_PAYMENT) {
        put_member(out, &first, "payment_id", r->key);
        put_member(out, &first, "order_id", r->order_id);
        put_party(out, "payer", &r->party);
        put_money(out, "amount", &r->amount);
        put_member(out, &first, "provider", r->provider);
    } else {
        put_member(out, &first, "transport_document", r->transport_document);
        put_member(out, &first, "order_id", r->order_id);
        put_member(out, &first, "carrier", r->carrier);
        put_party(out, "consignee", &r->party);
        put_count(out, &first, "packages", r->packages);
        if (r->gross_weight_mg >= 0) {
            bw_buf_puts(out, ",\"gross_weight_g\":\"");
            bw_buf_put_fixed(out, r->gross_weight_mg, 3);
            bw_buf_putc(out, '"');
        }
    }
    put_count(out, &first, "items", r->items);
    if (r->has_date) {
        bw_buf_puts(out, ",\"date\":");
        bw_buf_put_time(out, r->date);
    }
    bw_buf_putc(out, '}');
}

/* ==== the comparison ================================================================ */

enum { SCORE_MISMATCH = 45 };

typedef struct cmp {
    const bw_declaration *d;
    const bw_records_rules *rules;
    bw_risk_result *r;
} cmp;

/* The evidence's opening: {"record":{...},"field":"..." (the caller adds
 * declared and recorded, then closes it). */
static void evidence_open(bw_buf *b, const bw_record_doc *rec, const char *field)
{
    bw_buf_printf(b, "{\"record\":{\"kind\":\"%s\",\"key\":", bw_record_kind_names[rec->kind]);
    bw_buf_put_json_str(b, rec->key, strlen(rec->key));
    bw_buf_puts(b, ",\"submitter\":");
    bw_buf_put_json_str(b, rec->submitter ? rec->submitter : "", rec->submitter ? strlen(rec->submitter) : 0);
    bw_buf_puts(b, "},\"field\":");
    bw_buf_put_json_str(b, field, strlen(field));
}

static void hit(cmp *c, const bw_record_doc *rec, const char *code, const char *path, bw_buf *ev, bw_lane lane,
                const char *reason_fmt, const char *what)
{
    char reason[160];
    snprintf(reason, sizeof reason, reason_fmt, bw_record_kind_names[rec->kind], what);
    bw_risk_add(c->r, code, rec->key, path, reason, bw_buf_cstr(ev), SCORE_MISMATCH, lane);
}

/* The declared amount in minor units of its currency. */
static bool declared_minor(const bw_money *m, int64_t *minor, int *exp)
{
    if (!m->present || !m->amount_ok || m->currency.n != 3)
        return false;
    *exp = bw_currency_exponent(m->currency);
    if (*exp < 0)
        return false;
    if (m->minor_ok) {
        *minor = m->minor;
        return true;
    }
    return bw_decimal_rescale(m->amount, (unsigned)*exp, minor) == BW_DEC_OK;
}

static void put_amount(bw_buf *b, const char *key, int64_t minor, int exp)
{
    bw_buf_printf(b, ",\"%s\":\"", key);
    bw_buf_put_fixed(b, minor, (unsigned)exp);
    bw_buf_putc(b, '"');
}

/* The recorded amount against the declared one: the same currency (never
 * converted: rounding would hide a difference), within the tolerance. */
static void compare_amount(cmp *c, const bw_record_doc *rec, const bw_money *declared, const char *path,
                           const char *field)
{
    int64_t dm;
    int exp;
    if (!rec->amount.present || !declared_minor(declared, &dm, &exp))
        return;
    bw_buf ev = {0};
    char f[48];
    if (memcmp(declared->currency.p, rec->amount.currency, 3) != 0) {
        evidence_open(&ev, rec, join(f, sizeof f, field, "currency"));
        bw_buf_printf(&ev, ",\"declared\":\"%.3s\",\"recorded\":\"%s\"}", declared->currency.p, rec->amount.currency);
        hit(c, rec, "reconciliation.record_amount", path, &ev, BW_LANE_YELLOW,
            "the %s record is in another currency than the declared %s", field);
    } else {
        int64_t tol = (int64_t)((__int128)dm * c->rules->tolerance_bp / 10000);
        __int128 diff = (__int128)rec->amount.minor - dm;
        if (diff > tol || -diff > tol) {
            evidence_open(&ev, rec, join(f, sizeof f, field, "amount"));
            put_amount(&ev, "declared", dm, exp);
            put_amount(&ev, "recorded", rec->amount.minor, exp);
            bw_buf_printf(&ev, ",\"currency\":\"%s\"", rec->amount.currency);
            put_amount(&ev, "tolerance", tol, exp);
            bw_buf_putc(&ev, '}');
            hit(c, rec, "reconciliation.record_amount", path, &ev, BW_LANE_YELLOW,
                "the %s record's amount differs from the declared %s", field);
        }
    }
    bw_buf_free(&ev);
}

static bool same_text(bw_str declared, const char *recorded)
{
    return declared.n == strlen(recorded) && memcmp(declared.p, recorded, declared.n) == 0;
}

static void identity_hit(cmp *c, const bw_record_doc *rec, const char *role, const char *member_name, bw_str declared,
                         const char *recorded, const char *norm_declared, const char *norm_recorded)
{
    bw_buf ev = {0};
    char f[48], path[32];
    evidence_open(&ev, rec, join(f, sizeof f, role, member_name));
    bw_buf_puts(&ev, ",\"declared\":");
    bw_buf_put_json_str(&ev, declared.p, declared.n);
    bw_buf_puts(&ev, ",\"recorded\":");
    bw_buf_put_json_str(&ev, recorded, strlen(recorded));
    if (norm_declared) {
        bw_buf_puts(&ev, ",\"normalized\":{\"declared\":");
        bw_buf_put_json_str(&ev, norm_declared, strlen(norm_declared));
        bw_buf_puts(&ev, ",\"recorded\":");
        bw_buf_put_json_str(&ev, norm_recorded, strlen(norm_recorded));
        bw_buf_putc(&ev, '}');
    }
    bw_buf_putc(&ev, '}');
    hit(c, rec, "reconciliation.record_buyer", join(path, sizeof path, "buyer", member_name), &ev, BW_LANE_YELLOW,
        "the %s record names someone other than the declared buyer (%s)", role);
    bw_buf_free(&ev);
}

/* The person the record names against the declared buyer, by the
 * strongest identifier both sides have: the national id (exact), else the
 * buyer id (exact), else the name in the normalized form (so case,
 * spacing and script do not make two people: 张伟 is "zhang wei"). */
static void compare_party(cmp *c, const bw_record_doc *rec, const char *role)
{
    const bw_party *b = &c->d->buyer;
    const bw_record_party *p = &rec->party;
    if (p->national_id && b->national_id.n) {
        if (!same_text(b->national_id, p->national_id))
            identity_hit(c, rec, role, "national_id", b->national_id, p->national_id, NULL, NULL);
    } else if (p->id && b->id.n) {
        if (!same_text(b->id, p->id))
            identity_hit(c, rec, role, "id", b->id, p->id, NULL, NULL);
    } else if (p->name && b->name.n) {
        char x[256], y[256];
        size_t nx = bw_norm_text(b->name.p, b->name.n, x, sizeof x, 0);
        size_t ny = bw_norm_text(p->name, strlen(p->name), y, sizeof y, 0);
        if (nx != ny || memcmp(x, y, nx) != 0)
            identity_hit(c, rec, role, "name", b->name, p->name, x, y);
    }
}

static void compare_count(cmp *c, const bw_record_doc *rec, const char *field, int64_t recorded, int64_t declared)
{
    if (recorded < 0 || declared < 0 || recorded == declared)
        return;
    bw_buf ev = {0};
    evidence_open(&ev, rec, field);
    bw_buf_puts(&ev, ",\"declared\":");
    bw_buf_put_i64(&ev, declared);
    bw_buf_puts(&ev, ",\"recorded\":");
    bw_buf_put_i64(&ev, recorded);
    bw_buf_putc(&ev, '}');
    hit(c, rec, "reconciliation.record_items", field, &ev, BW_LANE_RED,
        "the %s record counts other %s than the declaration", field);
    bw_buf_free(&ev);
}

/* Whole packages declared, or -1. */
static int64_t declared_packages(const bw_declaration *d)
{
    const bw_measure *m = &d->packages;
    return m->present && m->ok && m->value % 1000 == 0 ? m->value / 1000 : -1;
}

/* An order record of another platform than the declared one is another
 * platform's order that happens to carry the same id. */
static bool concerns(const bw_declaration *d, const bw_record_doc *rec)
{
    bw_str declared = d->order.platform.id;
    return !(rec->kind == BW_REC_ORDER && rec->platform_id && declared.n && !same_text(declared, rec->platform_id));
}

static void compare_one(cmp *c, const bw_record_doc *rec)
{
    const bw_declaration *d = c->d;
    int64_t items = d->items_present ? (int64_t)d->n_items : -1;
    if (rec->kind == BW_REC_ORDER) {
        compare_amount(c, rec, &d->order.total, "order.total", "total");
        compare_party(c, rec, "buyer");
        compare_count(c, rec, "items", rec->items, items);
    } else if (rec->kind == BW_REC_PAYMENT) {
        /* what was paid against what the declaration says was paid, else
         * against the order total it should equal */
        bool paid = d->payment.amount.present;
        compare_amount(c, rec, paid ? &d->payment.amount : &d->order.total, paid ? "payment.amount" : "order.total",
                       "amount");
        compare_party(c, rec, "payer");
    } else {
        compare_party(c, rec, "consignee");
        compare_count(c, rec, "items", rec->items, items);
        compare_count(c, rec, "packages", rec->packages, declared_packages(d));
    }
}

static void put_kinds(bw_buf *b, uint32_t mask)
{
    bool first = true;
    bw_buf_putc(b, '[');
    for (int k = 0; k < BW_REC_KINDS; k++)
        if (mask & (1u << k)) {
            bw_buf_printf(b, first ? "\"%s\"" : ",\"%s\"", bw_record_kind_names[k]);
            first = false;
        }
    bw_buf_putc(b, ']');
}

void bw_records_compare(const bw_declaration *d, const bw_record_doc *recs, uint32_t n,
                        const bw_records_rules *rules, bw_risk_result *r)
{
    cmp c = {d, rules, r};
    uint32_t present = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!concerns(d, &recs[i]))
            continue;
        present |= 1u << recs[i].kind; /* BW_RECORD_* bits are 1 << kind */
        compare_one(&c, &recs[i]);
    }
    uint32_t missing = rules->required & ~present & ((1u << BW_REC_KINDS) - 1);
    if (!missing)
        return;
    bw_buf ev = {0};
    bw_buf_puts(&ev, "{\"required\":");
    put_kinds(&ev, rules->required);
    bw_buf_puts(&ev, ",\"missing\":");
    put_kinds(&ev, missing);
    bw_buf_putc(&ev, '}');
    bw_risk_add(r, "reconciliation.records_missing", NULL, NULL,
                "records the jurisdiction requires before release have not arrived: held for documents",
                bw_buf_cstr(&ev), 0, BW_LANE_YELLOW);
    bw_buf_free(&ev);
}

bw_lane bw_records_lane(const bw_risk_result *r)
{
    bw_lane l = BW_LANE_NONE;
    for (uint32_t i = 0; i < r->n_hits; i++)
        if (r->hits[i].lane > l)
            l = r->hits[i].lane;
    return l;
}

/* ==== the defaults ==================================================================== */

static pthread_once_t lanes_once = PTHREAD_ONCE_INIT, rd_once = PTHREAD_ONCE_INIT;
static bw_lanes *default_lanes;
static bw_refdata *default_rd;
static char lanes_err[512], rd_err[512];

/* Loaded once and kept for the life of the process: requests in flight
 * may read them at any time. */
static void lanes_load(void) { default_lanes = bw_lanes_load(bw_default_datadir(NULL), lanes_err, sizeof lanes_err); }
static void rd_load(void) { default_rd = bw_refdata_load(bw_default_datadir(NULL), NULL, rd_err, sizeof rd_err); }

const bw_lanes *bw_records_default_lanes(char *err, size_t errlen)
{
    pthread_once(&lanes_once, lanes_load);
    if (!default_lanes)
        snprintf(err, errlen, "%s", lanes_err);
    return default_lanes;
}

bool bw_records_default_env(bw_records_env *env, char *err, size_t errlen)
{
    if (!bw_records_default_lanes(err, errlen))
        return false;
    pthread_once(&rd_once, rd_load);
    if (!default_rd) {
        snprintf(err, errlen, "%s", rd_err);
        return false;
    }
    *env = (bw_records_env){.rd = default_rd, .lanes = default_lanes, .actor = "breakwater:records"};
    return true;
}

/* ==== whether any record exists ========================================================
 * Declarations of jurisdictions that require no records are compared only
 * once some record exists; until then they cost no SQL.  Records stored by
 * this process say so at once; another process's are noticed within a
 * second. */

static atomic_bool records_seen;
static _Atomic bw_time records_checked;

static bool any_records(bw_store *s, bw_time now)
{
    if (atomic_load(&records_seen))
        return true;
    if (atomic_load(&records_checked) == now)
        return false;
    atomic_store(&records_checked, now);
    int any = bw_store_records_any(s);
    if (any > 0)
        atomic_store(&records_seen, true);
    return any != 0; /* an error counts as "maybe": compare */
}

/* ==== comparing stored declarations ==================================================== */

typedef struct work {
    bw_store *s;
    bw_record_store *rs;
    const bw_records_env *env;
    bw_time at;
    bw_decoder *dec;
    bw_arena arena;          /* one declaration's comparison at a time */
    bw_record_doc *recs;
    uint32_t n_recs, cap_recs;
    bw_buf detail, scratch;
} work;

static void work_init(work *w, bw_store *s, bw_record_store *rs, const bw_records_env *env)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->rs = rs;
    w->env = env;
    w->at = env->now ? env->now : bw_time_now();
    w->dec = bw_decoder_new(NULL);
    bw_arena_init(&w->arena);
}

static void work_free(work *w)
{
    bw_decoder_free(w->dec);
    bw_arena_free(&w->arena);
    free(w->recs);
    bw_buf_free(&w->detail);
    bw_buf_free(&w->scratch);
}

static char *cstr(bw_arena *a, bw_str s) { return s.n ? bw_arena_strdup(a, s.p, s.n) : NULL; }

/* Each stored record found for the declaration, parsed again (stored
 * records are canonical: a record that no longer parses is skipped). */
static void collect(void *ctx, const bw_stored_record *sr)
{
    work *w = ctx;
    bw_record_kind kind;
    if (!bw_record_kind_parse(sr->kind, &kind))
        return;
    if (w->n_recs == w->cap_recs) {
        w->cap_recs = w->cap_recs ? w->cap_recs * 2 : 8;
        w->recs = realloc(w->recs, w->cap_recs * sizeof *w->recs);
    }
    bw_issues iss;
    bw_issues_init(&iss, &w->arena);
    bw_record_doc *r = &w->recs[w->n_recs];
    if (!bw_record_parse(kind, sr->body, strlen(sr->body), &w->arena, r, &iss))
        return;
    r->submitter = bw_arena_strdup(&w->arena, sr->submitter, strlen(sr->submitter));
    r->received_at = sr->received_at;
    w->n_recs++;
}

static bw_records_rules rules_for(const bw_records_env *env, const bw_stored *st)
{
    bw_records_rules rules = {0, 0};
    bw_str jur = {st->jurisdiction, st->jurisdiction ? (uint32_t)strlen(st->jurisdiction) : 0};
    const bw_lane_policy *p = env->lanes && jur.p ? bw_lanes_policy(env->lanes, jur, st->received_at) : NULL;
    if (p)
        rules.required = p->records_required;
    const bw_jurisdiction *j = env->rd && jur.p ? bw_jurisdiction_find(env->rd, jur) : NULL;
    const bw_jur_version *v = j ? bw_jurisdiction_at(j, st->received_at) : NULL;
    if (v)
        rules.tolerance_bp = v->reconcile_tolerance_bp;
    return rules;
}

/* The lane the stored decision had (before anything changed it). */
static bw_lane decision_lane(const bw_stored *st, bw_lane now)
{
    json_object *o = st->risk ? json_tokener_parse(st->risk) : NULL, *v;
    bw_lane l = now;
    if (o && json_object_object_get_ex(o, "lane", &v) && json_object_is_type(v, json_type_string))
        l = bw_lane_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v));
    json_object_put(o);
    return l == BW_LANE_NONE ? now : l;
}

static bw_lane lane_of(const char *name)
{
    return name && *name ? bw_lane_parse(name, strlen(name)) : BW_LANE_NONE;
}

/* The comparison as an event's detail: the records compared, then the
 * hits as a risk object (its lane is what the records alone call for). */
static void detail_json(work *w, bw_risk_result *res)
{
    bw_buf *b = &w->detail;
    b->n = 0;
    bw_buf_puts(b, "{\"records\":[");
    for (uint32_t i = 0; i < w->n_recs; i++) {
        const bw_record_doc *r = &w->recs[i];
        bw_buf_printf(b, "%s{\"kind\":\"%s\",\"key\":", i ? "," : "", bw_record_kind_names[r->kind]);
        bw_buf_put_json_str(b, r->key, strlen(r->key));
        bw_buf_puts(b, ",\"submitter\":");
        bw_buf_put_json_str(b, r->submitter, strlen(r->submitter));
        bw_buf_putc(b, '}');
    }
    bw_buf_puts(b, "],");
    bw_lane l = bw_records_lane(res);
    res->lane = l == BW_LANE_NONE ? BW_LANE_GREEN : l;
    w->scratch.n = 0;
    bw_risk_object(res, &w->scratch);
    bw_buf_put(b, w->scratch.p + 1, w->scratch.n - 1); /* its members after ours */
    bw_buf_cstr(b);
}

/* Why the lane changes: the event kind. */
static const char *lane_kind(const bw_risk_result *res, bw_lane from, bw_lane to)
{
    if (to < from)
        return res->n_hits ? "records_changed" : "records_complete";
    for (uint32_t i = 0; i < res->n_hits; i++)
        if (res->hits[i].lane == to && strcmp(res->hits[i].code, "reconciliation.records_missing") != 0)
            return "records_mismatch";
    return "records_missing";
}

static void lane_detail(bw_buf *b, const bw_risk_result *res, bw_lane from, bw_lane to, bw_lane decided)
{
    bw_buf_printf(b, "{\"from\":\"%s\",\"to\":\"%s\",\"decision\":\"%s\",\"codes\":[", bw_lane_names[from],
                  bw_lane_names[to], bw_lane_names[decided]);
    for (uint32_t i = 0; i < res->n_hits; i++)
        bw_buf_printf(b, "%s\"%s\"", i ? "," : "", res->hits[i].code);
    bw_buf_puts(b, "]}");
}

/* The new lane: records may raise any lane, but lower only one they set
 * themselves (an officer's or another detector's lane stays), and never
 * below the stored decision. */
static bw_lane next_lane(const bw_record_link_state *link, bw_lane now, bw_lane target)
{
    bool owned = link->lane_set[0] && strcmp(link->lane_set, link->lane) == 0;
    if (owned || target > now)
        return target;
    return now;
}

/* Compares one stored declaration with its records and writes what
 * changed.  *changed: its lane changed. */
static bool compare_stored(work *w, const bw_stored *st, bool *changed)
{
    bw_declaration d;
    bw_issues iss;
    bw_issues_init(&iss, &w->arena);
    size_t used;
    if (bw_decode_declaration(w->dec, st->body, st->body + strlen(st->body), true, &d, &iss, &w->arena, &used) !=
        BW_DECODE_OK)
        return true; /* the canonical body always decodes; nothing to compare otherwise */
    bw_records_rules rules = rules_for(w->env, st);
    const char *order_id = cstr(&w->arena, d.order.id), *document = cstr(&w->arena, d.transport.document_id);
    w->n_recs = 0;
    if (!bw_records_for(w->rs, order_id, document, collect, w))
        return false;
    bw_risk_result res;
    bw_risk_result_init(&res, &w->arena);
    bw_records_compare(&d, w->recs, w->n_recs, &rules, &res);

    bw_record_link_state link;
    int found = bw_record_link_get(w->rs, st->submitter, st->declaration_id, &link);
    if (found <= 0)
        return found == 0;
    bw_lane now = lane_of(link.lane), decided = decision_lane(st, now), rec = bw_records_lane(&res);
    bw_lane target = rec > decided ? rec : decided, next = next_lane(&link, now, target);
    detail_json(w, &res);
    bool compared_anew = !link.hits || strcmp(link.hits, w->detail.p) != 0;
    /* nothing found and nothing required is not worth an event: only the
     * link, so that records arriving later find the declaration */
    bool worth_an_event = compared_anew && (w->n_recs > 0 || res.n_hits > 0);
    bw_buf why = {0};
    if (next != now)
        lane_detail(&why, &res, now, next, decided);
    bw_record_change c = {
        .declaration = link.declaration,
        .status = link.status,
        .order_id = order_id,
        .transport_document = document,
        .hits = compared_anew ? w->detail.p : NULL,
        .event = worth_an_event,
        .lane = next != now ? bw_lane_names[next] : NULL,
        .lane_kind = lane_kind(&res, now, next),
        .lane_detail = bw_buf_cstr(&why),
        .lane_set = next != now ? bw_lane_names[next] : link.lane_set[0] ? link.lane_set : NULL,
        .actor = w->env->actor ? w->env->actor : "breakwater:records",
        .at = w->at,
    };
    bool ok = !(compared_anew || c.lane) || bw_record_change_apply(w->rs, &c);
    *changed = ok && c.lane;
    bw_buf_free(&why);
    free(link.hits);
    return ok;
}

/* Compares the declaration (submitter, id) if it is accepted and has a lane. */
static bool reconcile(work *w, const char *submitter, const char *declaration_id, bool *changed)
{
    *changed = false;
    bw_stored st;
    int found = bw_store_get(w->s, submitter, declaration_id, &st);
    if (found <= 0)
        return found == 0;
    bool ok = true;
    if (st.lane && st.status && strcmp(st.status, "accepted") == 0) {
        bw_arena_reset(&w->arena);
        ok = compare_stored(w, &st, changed);
    }
    bw_stored_free(&st);
    return ok;
}

/* Runs body inside one transaction with the records statements prepared. */
/* Runs body with the records statements of s, in a transaction of its own
 * when own_txn, else inside the caller's. */
static bool with_work(bw_store *s, const bw_records_env *env, bool own_txn, bool (*body)(work *, void *),
                      void *ctx)
{
    bw_record_store *rs = bw_record_store_open(s);
    if (!rs || (own_txn && !bw_store_begin(s)))
        return false;
    work w;
    work_init(&w, s, rs, env);
    bool ok = body(&w, ctx);
    work_free(&w);
    if (own_txn) {
        if (ok && !bw_store_commit(s))
            ok = false;
        if (!ok)
            bw_store_rollback(s);
    }
    return ok;
}

/* ---- after declarations were stored ---- */

typedef struct stored_batch {
    const bw_decl_row **rows;
    size_t n;
} stored_batch;

static bool compare_batch(work *w, void *ctx)
{
    stored_batch *b = ctx;
    char sub[80], id[80];
    for (size_t i = 0; i < b->n; i++) {
        const bw_decl_row *r = b->rows[i];
        if (r->submitter.n >= sizeof sub || r->declaration_id.n >= sizeof id)
            continue; /* longer than any id the schema accepts */
        snprintf(sub, sizeof sub, "%.*s", (int)r->submitter.n, r->submitter.p);
        snprintf(id, sizeof id, "%.*s", (int)r->declaration_id.n, r->declaration_id.p);
        bool changed;
        if (!reconcile(w, sub, id, &changed))
            return false;
    }
    return true;
}

/* Whether a stored row is to be compared: accepted, with a lane, and
 * either its jurisdiction requires records or some record exists. */
static bool wanted(bw_store *s, const bw_records_env *env, const bw_decl_row *r, bw_time now)
{
    if (!r->submitter.p || !r->declaration_id.p || !r->status || strcmp(r->status, "accepted") != 0 || !r->lane)
        return false;
    const bw_lane_policy *p = env->lanes ? bw_lanes_policy(env->lanes, r->jurisdiction, r->received_at) : NULL;
    return (p && p->records_required) || any_records(s, now);
}

static bool compare_rows(bw_store *s, const bw_records_env *env, bool own_txn, const bw_decl_row *rows,
                           size_t n, size_t stride)
{
    bw_records_env dflt;
    char err[512];
    if (!env && !bw_records_default_env(&dflt, err, sizeof err)) {
        bw_store_records_fail(s, err);
        return false;
    }
    env = env ? env : &dflt;
    bw_time now = env->now ? env->now : bw_time_now();
    stored_batch b = {malloc((n ? n : 1) * sizeof *b.rows), 0};
    for (size_t i = 0; i < n; i++) {
        const bw_decl_row *r = (const bw_decl_row *)((const char *)rows + i * stride);
        if (wanted(s, env, r, now))
            b.rows[b.n++] = r;
    }
    bool ok = b.n == 0 || with_work(s, env, own_txn, compare_batch, &b);
    free(b.rows);
    return ok;
}

bool bw_records_after_store(bw_store *s, const bw_records_env *env, const bw_decl_row *rows, size_t n,
                            size_t stride)
{
    return compare_rows(s, env, true, rows, n, stride);
}

bool bw_records_compare_stored(bw_store *s, const bw_records_env *env, const bw_decl_row *rows, size_t n)
{
    return compare_rows(s, env, false, rows, n, sizeof *rows);
}

/* ---- records that arrive ---- */

typedef struct linked {
    char *submitter, *declaration_id;
    size_t doc;               /* which record found it */
} linked;

typedef struct adding {
    const bw_record_doc *docs;
    size_t n;
    bw_record_added *out;
    linked *v;
    size_t n_linked, cap;
    size_t doc;
    bw_arena arena;
} adding;

static void add_link(void *ctx, const char *submitter, const char *declaration_id)
{
    adding *a = ctx;
    if (a->n_linked == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n_linked++] = (linked){bw_arena_strdup(&a->arena, submitter, strlen(submitter)),
                                   bw_arena_strdup(&a->arena, declaration_id, strlen(declaration_id)), a->doc};
}

static int linked_cmp(const void *x, const void *y)
{
    const linked *a = x, *b = y;
    int c = strcmp(a->submitter, b->submitter);
    return c ? c : strcmp(a->declaration_id, b->declaration_id);
}

static bool store_one(work *w, adding *a, size_t i, bw_buf *body)
{
    const bw_record_doc *d = &a->docs[i];
    body->n = 0;
    bw_record_json(d, body);
    bw_record_row row = {bw_record_kind_names[d->kind], d->key, d->submitter, d->order_id, d->transport_document,
                         bw_buf_cstr(body), w->env->actor ? w->env->actor : "breakwater:records", w->at};
    int put = bw_record_put(w->rs, &row);
    if (put < 0)
        return false;
    a->out[i] = (bw_record_added){put == 0 ? BW_RECORD_STORED : put == 1 ? BW_RECORD_DUPLICATE : BW_RECORD_CONFLICT,
                                  0, 0};
    a->doc = i;
    /* a duplicate changes nothing; only a new record can change a comparison */
    return put != 0 || bw_record_links(w->rs, d->order_id, d->kind == BW_REC_LOGISTICS ? d->transport_document : NULL,
                                       add_link, a);
}

/* Compares each linked declaration once, and credits every record that
 * found it. */
static bool compare_linked(work *w, adding *a)
{
    if (a->n_linked > 1)
        qsort(a->v, a->n_linked, sizeof *a->v, linked_cmp);
    for (size_t i = 0; i < a->n_linked;) {
        size_t j = i;
        bool changed;
        if (!reconcile(w, a->v[i].submitter, a->v[i].declaration_id, &changed))
            return false;
        for (; j < a->n_linked && linked_cmp(&a->v[i], &a->v[j]) == 0; j++) {
            a->out[a->v[j].doc].compared++;
            a->out[a->v[j].doc].lanes_changed += changed;
        }
        i = j;
    }
    return true;
}

static bool add_all(work *w, void *ctx)
{
    adding *a = ctx;
    bw_buf body = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < a->n; i++)
        ok = store_one(w, a, i, &body);
    bw_buf_free(&body);
    return ok && compare_linked(w, a);
}

bool bw_records_add(bw_store *s, const bw_records_env *env, const bw_record_doc *docs, size_t n,
                    bw_record_added *out)
{
    adding a = {.docs = docs, .n = n, .out = out};
    bw_arena_init(&a.arena);
    bool ok = with_work(s, env, true, add_all, &a);
    free(a.v);
    bw_arena_free(&a.arena);
    for (size_t i = 0; ok && i < n; i++)
        if (out[i].outcome == BW_RECORD_STORED)
            atomic_store(&records_seen, true);
    return ok;
}

/* ==== reading ============================================================================ */

typedef struct viewing {
    bw_buf *out;
    int n;
} viewing;

static void view_one(void *ctx, const bw_stored_record *r)
{
    viewing *v = ctx;
    bw_buf_puts(v->out, v->n++ ? ",{\"submitter\":" : "{\"submitter\":");
    bw_buf_put_json_str(v->out, r->submitter, strlen(r->submitter));
    bw_buf_puts(v->out, ",\"received_at\":");
    bw_buf_put_time(v->out, r->received_at);
    bw_buf_puts(v->out, ",\"actor\":");
    bw_buf_put_json_str(v->out, r->actor, strlen(r->actor));
    bw_buf_puts(v->out, ",\"record\":");
    bw_buf_puts(v->out, r->body);
    bw_buf_putc(v->out, '}');
}

int bw_records_view(bw_store *s, bw_record_kind kind, const char *key, const char *submitter, bw_buf *out)
{
    int any = bw_store_records_any(s); /* reading must not create the tables */
    if (any <= 0)
        return any;
    bw_record_store *rs = bw_record_store_open(s);
    if (!rs)
        return -1;
    size_t start = out->n;
    bw_buf_printf(out, "{\"kind\":\"%s\",\"key\":", bw_record_kind_names[kind]);
    bw_buf_put_json_str(out, key, strlen(key));
    bw_buf_puts(out, ",\"records\":[");
    viewing v = {out, 0};
    bool ok = bw_records_get(rs, bw_record_kind_names[kind], key, submitter, view_one, &v);
    bw_buf_puts(out, "]}");
    if (!ok || v.n == 0)
        out->n = start;
    return ok ? v.n : -1;
}
