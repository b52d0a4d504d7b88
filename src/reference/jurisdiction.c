/*
 * jurisdiction.c - loading the jurisdiction files of data/jurisdictions (see jurisdiction.h).
 *
 * Reference data is parsed with json-c: it is read once at start, so the
 * library's convenience beats speed here.  Every file is checked strictly
 * (unknown keys, bad amounts, bad paths, bad patterns are load errors that
 * name the file and key) because a silently ignored threshold would be a
 * wrong customs decision on every parcel.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "jurisdiction.h"

typedef struct loader {
    const char *file;
    char *err;
    size_t errlen;
    const bw_jurisdiction *j;
} loader;

static bool fail(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(loader *L, const char *fmt, ...)
{
    int n = snprintf(L->err, L->errlen, "%s: ", L->file);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < L->errlen)
        vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- lists and paths ------------------------------------------------------- */

bool bw_str_list_has(const bw_str_list *l, bw_str s)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (bw_str_eq(s, l->v[i]))
            return true;
    return false;
}

bool bw_str_list_has_prefix_of(const bw_str_list *l, bw_str code)
{
    for (uint32_t i = 0; i < l->n; i++) {
        size_t n = strlen(l->v[i]);
        if (code.p && code.n >= n && memcmp(code.p, l->v[i], n) == 0)
            return true;
    }
    return false;
}

static void str_list_free(bw_str_list *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static const bw_field *schema_find(const bw_schema *sc, const char *name, size_t n)
{
    for (int i = 0; i < sc->n_fields; i++)
        if (sc->fields[i].name_len == n && memcmp(sc->fields[i].name, name, n) == 0)
            return &sc->fields[i];
    return NULL;
}

bool bw_field_path_compile(const char *text, bw_field_path *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const bw_schema *sc = &bw_declaration_schema;
    const char *p = text;
    if (strncmp(p, "items[]", 7) == 0) {
        out->in_items = true;
        sc = &bw_item_schema;
        p += 7;
        if (*p == 0) {
            snprintf(err, errlen, "path \"%s\": name a field of the items", text);
            return false;
        }
        p++; /* the '.' */
    }
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const bw_field *f = sc ? schema_find(sc, p, n) : NULL;
        if (!f || out->depth == BW_PATH_MAX_DEPTH) {
            snprintf(err, errlen, "path \"%s\": no field \"%.*s\" there", text, (int)n, p);
            return false;
        }
        out->chain[out->depth++] = f;
        sc = f->kind == FK_OBJECT ? f->sub : NULL;
        p += n + (dot != NULL);
    }
    out->text = strdup(text);
    return true;
}

bool bw_field_path_present(const bw_field_path *fp, const bw_declaration *decl, const bw_item *item)
{
    const char *base = fp->in_items ? (const char *)item : (const char *)decl;
    for (uint8_t i = 0; i < fp->depth; i++) {
        const bw_field *f = fp->chain[i];
        const char *at = base + f->offset;
        switch (f->kind) {
        case FK_OBJECT:
            if (!*(const bool *)at)
                return false;
            base = at;
            break;
        case FK_STR: return ((const bw_str *)at)->n > 0; /* "" says nothing */
        case FK_TIME: return ((const bw_timestamp *)at)->raw.p != NULL;
        case FK_ENUM: return ((const bw_enum *)at)->raw.p != NULL;
        case FK_FLAG: return ((const bw_flag *)at)->present;
        case FK_MONEY: return ((const bw_money *)at)->present;
        case FK_QTY:
        case FK_WEIGHT: return ((const bw_measure *)at)->present;
        case FK_ITEMS: return decl->n_items > 0;
        }
    }
    return true;
}

static void paths_free(bw_field_paths *ps)
{
    for (uint32_t i = 0; i < ps->n; i++)
        free(ps->v[i].text);
    free(ps->v);
}

/* ---- typed getters ---------------------------------------------------------- */

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool get_string(loader *L, json_object *o, const char *key, bool required, const char **out)
{
    json_object *v = get(o, key);
    if (!v || json_object_is_type(v, json_type_null)) {
        *out = NULL;
        return required ? fail(L, "\"%s\" is required", key) : true;
    }
    if (!json_object_is_type(v, json_type_string))
        return fail(L, "\"%s\" must be a string", key);
    *out = json_object_get_string(v);
    return true;
}

/* An amount in the jurisdiction's currency: a decimal string, or null for
 * "no threshold" (-1). */
static bool get_amount(loader *L, json_object *o, const char *key, int64_t *out)
{
    const char *s;
    if (!get_string(L, o, key, false, &s))
        return false;
    if (!s) {
        *out = -1;
        return true;
    }
    bw_decimal d;
    if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK || d.mantissa < 0 ||
        bw_decimal_rescale(d, (unsigned)L->j->currency_exponent, out) != BW_DEC_OK)
        return fail(L, "\"%s\": \"%s\" is not an amount in %s", key, s, L->j->currency);
    return true;
}

/* A percentage as a decimal string ("70"), in ppm; absent = 100%. */
static bool get_percent(loader *L, json_object *o, const char *key, int64_t *out)
{
    const char *s;
    *out = 1000000;
    if (!get_string(L, o, key, false, &s))
        return false;
    if (!s)
        return true;
    bw_decimal d;
    if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK || d.mantissa < 0 ||
        bw_decimal_rescale(d, 4, out) != BW_DEC_OK || *out > 1000000)
        return fail(L, "\"%s\": \"%s\" is not a percentage 0-100", key, s);
    return true;
}

static bool get_str_list(loader *L, json_object *o, const char *key, bw_str_list *out)
{
    memset(out, 0, sizeof *out);
    json_object *v = get(o, key);
    if (!v || json_object_is_type(v, json_type_null))
        return true;
    if (!json_object_is_type(v, json_type_array))
        return fail(L, "\"%s\" must be an array of strings", key);
    size_t n = json_object_array_length(v);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string))
            return fail(L, "\"%s\"[%zu] must be a string", key, i);
        out->v[out->n++] = strdup(json_object_get_string(e));
    }
    return true;
}

static bool get_paths(loader *L, json_object *o, const char *key, bw_field_paths *out)
{
    bw_str_list names;
    if (!get_str_list(L, o, key, &names))
        return false;
    out->v = calloc(names.n ? names.n : 1, sizeof *out->v);
    out->n = 0;
    bool ok = true;
    for (uint32_t i = 0; i < names.n && ok; i++) {
        char e[200];
        if (bw_field_path_compile(names.v[i], &out->v[out->n], e, sizeof e))
            out->n++;
        else
            ok = fail(L, "\"%s\": %s", key, e);
    }
    str_list_free(&names);
    return ok;
}

static bool check_keys(loader *L, json_object *o, const char *what, const char *const allowed[])
{
    json_object_object_foreach(o, k, v) {
        (void)v;
        bool known = false;
        for (int i = 0; allowed[i] && !known; i++)
            known = strcmp(k, allowed[i]) == 0;
        if (!known)
            return fail(L, "%s: unknown key \"%s\"", what, k);
    }
    return true;
}

static bool get_date(loader *L, json_object *o, const char *key, bw_time *out)
{
    const char *s;
    if (!get_string(L, o, key, true, &s))
        return false;
    if (!bw_time_parse(s, strlen(s), out))
        return fail(L, "\"%s\": \"%s\" is not a date (YYYY-MM-DD)", key, s);
    return true;
}

/* ---- versions --------------------------------------------------------------- */

/* "buyer_limit": {"amount", "period": "day"|"year", "over_limit_category"}:
 * the relief holds only while the buyer's total under this rule in the
 * period stays within the amount (CN CNY 26,000 a year; US USD 800 a day). */
static bool load_buyer_limit(loader *L, json_object *o, bw_de_minimis_rule *r)
{
    json_object *b = get(o, "buyer_limit");
    r->buyer_limit = -1;
    if (!b || json_object_is_type(b, json_type_null))
        return true;
    static const char *const keys[] = {"amount", "period", "over_limit_category", NULL};
    const char *period;
    if (!json_object_is_type(b, json_type_object) || !check_keys(L, b, "buyer_limit", keys) ||
        !get_amount(L, b, "amount", &r->buyer_limit) || !get_string(L, b, "period", true, &period))
        return fail(L, "\"buyer_limit\" must be {\"amount\", \"period\", \"over_limit_category\"}");
    if (r->buyer_limit < 0)
        return fail(L, "\"buyer_limit\": the amount is required");
    if (strcmp(period, "day") && strcmp(period, "year"))
        return fail(L, "\"buyer_limit\": period \"%s\" must be \"day\" or \"year\"", period);
    r->buyer_limit_yearly = period[0] == 'y';
    json_object *c = get(b, "over_limit_category");
    if (c && !json_object_is_type(c, json_type_null)) {
        int v = json_object_get_int(c);
        if (!json_object_is_type(c, json_type_int) || v < 2 || v > 4)
            return fail(L, "\"buyer_limit\": over_limit_category must be 2, 3 or 4");
        r->over_limit_category = (uint8_t)v;
    }
    return true;
}

static bool load_rule(loader *L, json_object *o, bw_de_minimis_rule *r)
{
    static const char *const keys[] = {"name", "origins", "modes", "duty_threshold",
                                       "tax_threshold", "tax_factor_pct", "buyer_limit", NULL};
    const char *name;
    bw_str_list modes;
    if (!check_keys(L, o, "de_minimis rule", keys) || !get_string(L, o, "name", true, &name))
        return false;
    r->name = strdup(name);
    if (!get_str_list(L, o, "origins", &r->origins) || !get_str_list(L, o, "modes", &modes) ||
        !get_amount(L, o, "duty_threshold", &r->duty_threshold) ||
        !get_amount(L, o, "tax_threshold", &r->tax_threshold) || !get_percent(L, o, "tax_factor_pct", &r->tax_factor_ppm) ||
        !load_buyer_limit(L, o, r))
        return false;
    bool ok = true;
    for (uint32_t i = 0; i < r->origins.n && ok; i++)
        if (!bw_country_known((bw_str){r->origins.v[i], (uint32_t)strlen(r->origins.v[i])}))
            ok = fail(L, "rule \"%s\": origin \"%s\" is not an ISO 3166-1 code", name, r->origins.v[i]);
    for (uint32_t i = 0; i < modes.n && ok; i++) {
        uint8_t m = bw_enum_lookup(bw_transport_mode_names, (bw_str){modes.v[i], (uint32_t)strlen(modes.v[i])});
        if (m == BW_ENUM_INVALID)
            ok = fail(L, "rule \"%s\": unknown transport mode \"%s\"", name, modes.v[i]);
        else
            r->modes |= 1u << m;
    }
    str_list_free(&modes);
    return ok;
}

static bool load_schemes(loader *L, json_object *o, bw_jur_version *v)
{
    json_object *arr = get(o, "vendor_schemes");
    if (!arr)
        return true;
    if (!json_object_is_type(arr, json_type_array))
        return fail(L, "\"vendor_schemes\" must be an array");
    size_t n = json_object_array_length(arr);
    v->schemes = calloc(n ? n : 1, sizeof *v->schemes);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        static const char *const keys[] = {"name", "pattern", NULL};
        const char *name, *pattern;
        if (!json_object_is_type(e, json_type_object) || !check_keys(L, e, "vendor scheme", keys) ||
            !get_string(L, e, "name", true, &name) || !get_string(L, e, "pattern", true, &pattern))
            return fail(L, "\"vendor_schemes\"[%zu] must be {\"name\", \"pattern\"}", i);
        bw_scheme *s = &v->schemes[v->n_schemes];
        if (regcomp(&s->re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
            return fail(L, "scheme \"%s\": bad pattern \"%s\"", name, pattern);
        s->name = strdup(name);
        s->pattern = strdup(pattern);
        v->n_schemes++;
    }
    return true;
}

/* "gift_relief": {"threshold": "45.00", "duty": true, "tax": true} - gifts
 * between private persons at or under the threshold are relieved of duty
 * and/or tax (EU: both; US: duty only; GB: VAT only). */
static bool load_gift_relief(loader *L, json_object *o, bw_jur_version *v)
{
    static const char *const keys[] = {"threshold", "duty", "tax", NULL};
    v->gift_threshold = -1;
    json_object *g = get(o, "gift_relief");
    if (!g || json_object_is_type(g, json_type_null))
        return true;
    if (!json_object_is_type(g, json_type_object))
        return fail(L, "\"gift_relief\" must be an object or null");
    if (!check_keys(L, g, "gift_relief", keys) || !get_amount(L, g, "threshold", &v->gift_threshold))
        return false;
    json_object *duty = get(g, "duty"), *tax = get(g, "tax");
    if (!duty || !tax || !json_object_is_type(duty, json_type_boolean) ||
        !json_object_is_type(tax, json_type_boolean))
        return fail(L, "\"gift_relief\": \"duty\" and \"tax\" must be true or false");
    v->gift_relieves_duty = json_object_get_boolean(duty);
    v->gift_relieves_tax = json_object_get_boolean(tax);
    return true;
}

/* "reconcile": {"tolerance_bp": 100, "severity": "warning"|"error"} */
static bool load_reconcile(loader *L, json_object *o, bw_jur_version *v)
{
    static const char *const keys[] = {"tolerance_bp", "severity", NULL};
    v->reconcile_tolerance_bp = 100;
    json_object *rc = get(o, "reconcile");
    if (!rc)
        return true;
    if (!json_object_is_type(rc, json_type_object))
        return fail(L, "\"reconcile\" must be an object");
    if (!check_keys(L, rc, "reconcile", keys))
        return false;
    json_object *tol = get(rc, "tolerance_bp"), *sev = get(rc, "severity");
    if (tol) {
        if (!json_object_is_type(tol, json_type_int) || json_object_get_int64(tol) < 0 ||
            json_object_get_int64(tol) > 10000)
            return fail(L, "\"reconcile.tolerance_bp\" must be a whole number 0-10000");
        v->reconcile_tolerance_bp = (uint32_t)json_object_get_int64(tol);
    }
    if (sev) {
        const char *t = json_object_is_type(sev, json_type_string) ? json_object_get_string(sev) : "";
        if (strcmp(t, "error") && strcmp(t, "warning"))
            return fail(L, "\"reconcile.severity\" must be \"error\" or \"warning\"");
        v->reconcile_is_error = strcmp(t, "error") == 0;
    }
    return true;
}

/* A whole number in [lo, hi] under key of object o (what names o). */
static bool get_int_in(loader *L, json_object *o, const char *what, const char *key, int64_t lo, int64_t hi,
                       int64_t *out)
{
    json_object *n = get(o, key);
    if (!n || !json_object_is_type(n, json_type_int) || json_object_get_int64(n) < lo ||
        json_object_get_int64(n) > hi)
        return fail(L, "\"%s.%s\" must be a whole number %lld-%lld", what, key, (long long)lo, (long long)hi);
    *out = json_object_get_int64(n);
    return true;
}

static bool get_bool_in(loader *L, json_object *o, const char *what, const char *key, bool *out)
{
    json_object *b = get(o, key);
    if (!b || !json_object_is_type(b, json_type_boolean))
        return fail(L, "\"%s.%s\" must be true or false", what, key);
    *out = json_object_get_boolean(b);
    return true;
}

/* "returns": {"time_limit_days": 30, "refund_duty": true, "refund_tax": true,
 * "source": "..."}; absent or null: returns are not refunded here. */
static bool load_returns(loader *L, json_object *o, bw_jur_version *v)
{
    static const char *const keys[] = {"time_limit_days", "refund_duty", "refund_tax", "source", NULL};
    v->return_days = -1;
    json_object *r = get(o, "returns");
    if (!r)
        return true;
    if (!json_object_is_type(r, json_type_object))
        return fail(L, "\"returns\" must be an object or null");
    int64_t days;
    if (!check_keys(L, r, "returns", keys) || !get_int_in(L, r, "returns", "time_limit_days", 0, 3660, &days) ||
        !get_bool_in(L, r, "returns", "refund_duty", &v->refund_duty) ||
        !get_bool_in(L, r, "returns", "refund_tax", &v->refund_tax))
        return false;
    v->return_days = (int32_t)days;
    return true;
}

/* "account_due": {"day_of_next_month": 15, "source": "..."}: when what an
 * intermediary's account owed over a month is due. */
static bool load_account_due(loader *L, json_object *o, bw_jur_version *v)
{
    static const char *const keys[] = {"day_of_next_month", "source", NULL};
    json_object *a = get(o, "account_due");
    if (!a)
        return true;
    if (!json_object_is_type(a, json_type_object))
        return fail(L, "\"account_due\" must be an object or null");
    int64_t day;
    if (!check_keys(L, a, "account_due", keys) || !get_int_in(L, a, "account_due", "day_of_next_month", 1, 28, &day))
        return false;
    v->account_due_day = (int32_t)day;
    return true;
}

static bool load_version(loader *L, json_object *o, bw_jur_version *v)
{
    static const char *const keys[] = {
        "effective_from", "valuation", "value_basis", "tax_applies", "de_minimis",
        "duty_excluded_hs", "flat_duty_per_subheading", "full_declaration_threshold",
        "vendor_threshold", "vendor_schemes", "gift_relief", "documents_hs", "required",
        "required_by_category", "gift_exempt", "reconcile", "tax_base_adds_transport", "note",
        "returns", "account_due", NULL};
    const char *valuation, *basis;
    memset(v, 0, sizeof *v);
    if (!check_keys(L, o, "version", keys) || !get_date(L, o, "effective_from", &v->effective_from) ||
        !get_string(L, o, "valuation", true, &valuation) ||
        !get_string(L, o, "value_basis", true, &basis))
        return false;
    if (strcmp(valuation, "CIF") && strcmp(valuation, "FOB"))
        return fail(L, "\"valuation\" must be CIF or FOB");
    v->valuation = strcmp(valuation, "CIF") == 0 ? VALUATION_CIF : VALUATION_FOB;
    if (strcmp(basis, "intrinsic") && strcmp(basis, "customs_value"))
        return fail(L, "\"value_basis\" must be intrinsic or customs_value");
    v->basis = strcmp(basis, "intrinsic") == 0 ? BASIS_INTRINSIC : BASIS_CUSTOMS_VALUE;
    json_object *tt = get(o, "tax_base_adds_transport");
    if (tt && !json_object_is_type(tt, json_type_boolean))
        return fail(L, "\"tax_base_adds_transport\" must be true or false");
    v->tax_base_adds_transport = tt && json_object_get_boolean(tt);
    json_object *ta = get(o, "tax_applies");
    if (ta && !json_object_is_type(ta, json_type_boolean))
        return fail(L, "\"tax_applies\" must be true or false");
    v->tax_applies = !ta || json_object_get_boolean(ta);

    json_object *dm = get(o, "de_minimis");
    if (!dm || !json_object_is_type(dm, json_type_array) || json_object_array_length(dm) == 0)
        return fail(L, "\"de_minimis\" must be a non-empty array of rules");
    v->n_rules = (uint32_t)json_object_array_length(dm);
    v->rules = calloc(v->n_rules, sizeof *v->rules);
    for (uint32_t i = 0; i < v->n_rules; i++)
        if (!load_rule(L, json_object_array_get_idx(dm, i), &v->rules[i]))
            return false;

    int64_t flat;
    if (!get_str_list(L, o, "duty_excluded_hs", &v->duty_excluded_hs) ||
        !get_amount(L, o, "flat_duty_per_subheading", &flat) ||
        !get_amount(L, o, "full_declaration_threshold", &v->full_declaration_threshold) ||
        !get_amount(L, o, "vendor_threshold", &v->vendor_threshold) || !load_schemes(L, o, v) ||
        !load_gift_relief(L, o, v) ||
        !get_str_list(L, o, "documents_hs", &v->documents_hs) ||
        !get_paths(L, o, "required", &v->required) ||
        !get_str_list(L, o, "gift_exempt", &v->gift_exempt))
        return false;
    v->flat_duty = flat < 0 ? 0 : flat;

    json_object *rbc = get(o, "required_by_category");
    if (rbc && !json_object_is_type(rbc, json_type_object))
        return fail(L, "\"required_by_category\" must be an object of category -> paths");
    if (rbc) {
        json_object_object_foreach(rbc, k, val) {
            (void)val;
            if (strlen(k) != 1 || k[0] < '1' || k[0] > '4')
                return fail(L, "\"required_by_category\": key \"%s\" is not a category 1-4", k);
            if (!get_paths(L, rbc, k, &v->required_by_category[k[0] - '0']))
                return false;
        }
    }
    return load_reconcile(L, o, v) && load_returns(L, o, v) && load_account_due(L, o, v);
}

static void version_free(bw_jur_version *v)
{
    for (uint32_t i = 0; i < v->n_rules; i++) {
        free(v->rules[i].name);
        str_list_free(&v->rules[i].origins);
    }
    free(v->rules);
    for (uint32_t i = 0; i < v->n_schemes; i++) {
        regfree(&v->schemes[i].re);
        free(v->schemes[i].name);
        free(v->schemes[i].pattern);
    }
    free(v->schemes);
    str_list_free(&v->duty_excluded_hs);
    str_list_free(&v->documents_hs);
    str_list_free(&v->gift_exempt);
    paths_free(&v->required);
    for (int c = 0; c < 5; c++)
        paths_free(&v->required_by_category[c]);
}

static int by_date(const void *a, const void *b)
{
    const bw_jur_version *x = a, *y = b;
    return (x->effective_from > y->effective_from) - (x->effective_from < y->effective_from);
}

static bool load_one(loader *L, json_object *root, bw_jurisdiction *j)
{
    static const char *const keys[] = {"id", "name", "currency", "destinations", "versions",
                                       "sources", NULL};
    const char *id, *name, *cur;
    L->j = j;
    if (!json_object_is_type(root, json_type_object))
        return fail(L, "the file must hold one JSON object");
    if (!check_keys(L, root, "jurisdiction", keys) || !get_string(L, root, "id", true, &id) ||
        !get_string(L, root, "name", true, &name) || !get_string(L, root, "currency", true, &cur))
        return false;
    j->id = strdup(id);
    j->name = strdup(name);
    j->currency_exponent = bw_currency_exponent((bw_str){cur, (uint32_t)strlen(cur)});
    if (strlen(cur) != 3 || j->currency_exponent < 0)
        return fail(L, "\"currency\": \"%s\" is not an ISO 4217 code", cur);
    memcpy(j->currency, cur, 4);
    if (!get_str_list(L, root, "destinations", &j->destinations))
        return false;
    for (uint32_t i = 0; i < j->destinations.n; i++)
        if (!bw_country_known((bw_str){j->destinations.v[i], (uint32_t)strlen(j->destinations.v[i])}))
            return fail(L, "\"destinations\": \"%s\" is not an ISO 3166-1 code", j->destinations.v[i]);
    json_object *vs = get(root, "versions");
    if (!vs || !json_object_is_type(vs, json_type_array) || json_object_array_length(vs) == 0)
        return fail(L, "\"versions\" must be a non-empty array");
    j->n_versions = (uint32_t)json_object_array_length(vs);
    j->versions = calloc(j->n_versions, sizeof *j->versions);
    for (uint32_t i = 0; i < j->n_versions; i++)
        if (!load_version(L, json_object_array_get_idx(vs, i), &j->versions[i]))
            return false;
    qsort(j->versions, j->n_versions, sizeof *j->versions, by_date);
    for (uint32_t i = 1; i < j->n_versions; i++)
        if (j->versions[i].effective_from == j->versions[i - 1].effective_from)
            return fail(L, "two versions take effect on the same day");
    return true;
}

static void jurisdiction_free(bw_jurisdiction *j)
{
    free(j->id);
    free(j->name);
    str_list_free(&j->destinations);
    for (uint32_t i = 0; i < j->n_versions; i++)
        version_free(&j->versions[i]);
    free(j->versions);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_json(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

bool bw_jurisdictions_load(const char *dir, bw_jurisdiction **out, uint32_t *n, char *err, size_t errlen)
{
    struct dirent **names;
    int count = scandir(dir, &names, is_json, by_name);
    if (count < 0) {
        snprintf(err, errlen, "%s: cannot read the jurisdictions directory", dir);
        return false;
    }
    bw_jurisdiction *v = calloc((size_t)count + 1, sizeof *v);
    uint32_t loaded = 0;
    bool ok = true;
    for (int i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (ok) {
            loader L = {path, err, errlen, NULL};
            json_object *root = json_object_from_file(path);
            if (!root)
                ok = fail(&L, "not valid JSON: %s", json_util_get_last_err());
            else
                ok = load_one(&L, root, &v[loaded]);
            for (uint32_t k = 0; ok && k < loaded; k++)
                if (strcmp(v[k].id, v[loaded].id) == 0)
                    ok = fail(&L, "jurisdiction \"%s\" is also defined by another file", v[k].id);
            loaded++;
            json_object_put(root);
        }
        free(names[i]);
    }
    free(names);
    if (!ok) {
        bw_jurisdictions_free(v, loaded);
        return false;
    }
    *out = v;
    *n = loaded;
    return true;
}

void bw_jurisdictions_free(bw_jurisdiction *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        jurisdiction_free(&v[i]);
    free(v);
}
