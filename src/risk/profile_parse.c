/*
 * profile_parse.c - the text forms of a risk profile (profiles.h): strict
 * parsing of the JSON an analyst writes (files, API bodies) into the form
 * the indexes and the evaluation use, and the canonical JSON written back.
 *
 * Parsing uses json-c: profiles are read when files load or an analyst
 * saves one, never per declaration, so convenience beats speed.  It is
 * strict because a misspelt key or a wrong type silently ignored would
 * make a profile hit far more (or less) than its author meant: every
 * problem is an error naming the profile and the member
 * ("profile RP-EU-0001: when.hs[1]: ...").  json-c keeps the last of
 * duplicate keys without telling; that is the one leniency left.
 */
#define BW_PROFILES_INTERNAL
#include "profiles.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../reference/refdata.h"

/* Limits: a profile is written by a person; these only stop nonsense. */
#define ID_MAX 64
#define TEXT_MAX 1000       /* reason */
#define NAME_MAX_ 128       /* owner, party ids */
#define LIST_MAX 100000     /* e.g. a seller watch list */
#define SCORE_MAX 1000
#define DEC_SCALE_MAX 6     /* keeps the 128-bit comparisons of profiles.c exact */
#define DEC_MANTISSA_MAX 1000000000000000LL

const char *const bw_profile_id_names[PF_ID_KINDS] = {"seller", "buyer", "platform", "carrier", "submitter"};

/* ---- errors ------------------------------------------------------------------- */

typedef struct pctx {
    const char *file;   /* NULL: not from a file */
    char who[ID_MAX + 8]; /* the id, or "[3]" before the id is known */
    char *err;
    size_t errlen;
} pctx;

static bool bad(pctx *c, const char *member, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool bad(pctx *c, const char *member, const char *fmt, ...)
{
    if (!c->err || !c->errlen)
        return false;
    int n = snprintf(c->err, c->errlen, "%s%sprofile%s%s: %s%s", c->file ? c->file : "", c->file ? ": " : "",
                     *c->who ? " " : "", c->who, member ? member : "", member ? ": " : "");
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* ---- small sets ----------------------------------------------------------------- */

static int strs_cmp(const char *a, uint32_t an, const char *b, uint32_t bn)
{
    int d = memcmp(a, b, an < bn ? an : bn);
    return d ? d : (an > bn) - (an < bn);
}

bool pf_strs_has(const pf_strs *s, const char *p, size_t n)
{
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int d = strs_cmp(s->v[mid], s->len[mid], p, (uint32_t)n);
        if (d == 0)
            return true;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static void strs_free(pf_strs *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    free(s->len);
    memset(s, 0, sizeof *s);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "breakwater: out of memory (profile, %zu bytes)\n", n);
        abort();
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts and removes duplicates; returns the new count. */
static uint32_t u64_sort_unique(uint64_t *v, uint32_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_u64);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

typedef struct strref {
    char *s;
    uint32_t n;
} strref;

static int cmp_strref(const void *a, const void *b)
{
    const strref *x = a, *y = b;
    return strs_cmp(x->s, x->n, y->s, y->n);
}

/* Builds a sorted set from collected strings (takes them). */
static void strs_build(pf_strs *out, strref *v, uint32_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_strref);
    out->v = xmalloc(sizeof *out->v * n);
    out->len = xmalloc(sizeof *out->len * n);
    out->n = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (out->n && strs_cmp(out->v[out->n - 1], out->len[out->n - 1], v[i].s, v[i].n) == 0) {
            free(v[i].s);
            continue;
        }
        out->v[out->n] = v[i].s;
        out->len[out->n++] = v[i].n;
    }
}

/* ---- freeing ---------------------------------------------------------------------- */

static void profile_destroy(bw_profile *p)
{
    free(p->id);
    free(p->owner);
    free(p->reason);
    strs_free(&p->jurisdictions);
    free(p->hs);
    free(p->loading_code);
    free(p->arrival_code);
    for (int k = 0; k < PF_ID_KINDS; k++)
        strs_free(&p->ids[k]);
    strs_free(&p->hits);
    free(p);
}

void bw_profile_free(bw_profile *p)
{
    if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
        profile_destroy(p);
}

const char *bw_profile_id(const bw_profile *p) { return p->id; }
bool bw_profile_deleted(const bw_profile *p) { return p->deleted; }

void bw_profile_info_get(const bw_profile *p, bw_profile_info *out)
{
    *out = (bw_profile_info){
        .id = p->id,
        .owner = p->owner,
        .reason = p->reason,
        .deleted = p->deleted,
        .valid_from = p->valid_from,
        .valid_to = p->valid_until == INT64_MAX ? -1 : p->valid_until - 86400,
        .jurisdictions = (const char *const *)p->jurisdictions.v,
        .n_jurisdictions = p->jurisdictions.n,
        .has_score = p->has_score,
        .score = p->score,
        .lane = p->lane,
    };
}

/* ---- typed members -------------------------------------------------------------------- */

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool is_null(json_object *v) { return !v || json_object_is_type(v, json_type_null); }

static const char *type_name(json_object *v)
{
    return is_null(v) ? "null" : json_type_to_name(json_object_get_type(v));
}

/* A string member without NUL bytes, or NULL (absent or null). */
static bool get_text(pctx *c, json_object *v, const char *path, size_t max, const char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (is_null(v))
        return true;
    if (!json_object_is_type(v, json_type_string))
        return bad(c, path, "must be a string, not %s", type_name(v));
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (strlen(s) != len)
        return bad(c, path, "contains a NUL character");
    if (len > max)
        return bad(c, path, "longer than %zu bytes", max);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            return bad(c, path, "contains a control character");
    *out = s;
    *n = len;
    return true;
}

static bool check_keys(pctx *c, json_object *o, const char *path, const char *const allowed[])
{
    json_object_object_foreach(o, k, v) {
        (void)v;
        bool known = false;
        for (int i = 0; allowed[i] && !known; i++)
            known = strcmp(k, allowed[i]) == 0;
        if (!known) {
            char p[96];
            snprintf(p, sizeof p, "%s%s%.40s", path ? path : "", path ? "." : "", k);
            return bad(c, p, "unknown key");
        }
    }
    return true;
}

static bool is_date(const char *s, size_t n, bw_time *out)
{
    return n == 10 && s[4] == '-' && s[7] == '-' && bw_time_parse(s, n, out);
}

/* A non-negative decimal string with at most DEC_SCALE_MAX decimals. */
static bool get_decimal(pctx *c, json_object *v, const char *path, bw_decimal *out)
{
    const char *s;
    size_t n;
    if (!get_text(c, v, path, 40, &s, &n))
        return false;
    if (!s)
        return bad(c, path, "must be a decimal string like \"150.00\"");
    if (bw_decimal_parse(s, n, out) != BW_DEC_OK || out->mantissa < 0)
        return bad(c, path, "\"%.*s\" is not a non-negative decimal", (int)n, s);
    if (out->scale > DEC_SCALE_MAX || out->mantissa > DEC_MANTISSA_MAX)
        return bad(c, path, "\"%.*s\" has too many digits", (int)n, s);
    return true;
}

/* Compares a/10^sa with b/10^sb exactly. */
static int dec_cmp(bw_decimal a, bw_decimal b)
{
    __int128 x = a.mantissa, y = b.mantissa;
    for (unsigned i = a.scale; i < b.scale; i++)
        x *= 10;
    for (unsigned i = b.scale; i < a.scale; i++)
        y *= 10;
    return (x > y) - (x < y);
}

/* {"min": "..", "max": ".."}, either may be left out, not both. */
static bool get_range(pctx *c, json_object *v, const char *path, pf_range *out)
{
    static const char *const keys[] = {"min", "max", NULL};
    if (!json_object_is_type(v, json_type_object))
        return bad(c, path, "must be an object {\"min\": \"..\", \"max\": \"..\"}, not %s", type_name(v));
    if (!check_keys(c, v, path, keys))
        return false;
    char p[64];
    json_object *lo = member(v, "min"), *hi = member(v, "max");
    snprintf(p, sizeof p, "%s.min", path);
    if (!is_null(lo) && !get_decimal(c, lo, p, &out->min))
        return false;
    snprintf(p, sizeof p, "%s.max", path);
    if (!is_null(hi) && !get_decimal(c, hi, p, &out->max))
        return false;
    out->has_min = !is_null(lo);
    out->has_max = !is_null(hi);
    if (!out->has_min && !out->has_max)
        return bad(c, path, "give \"min\", \"max\" or both");
    if (out->has_min && out->has_max && dec_cmp(out->min, out->max) > 0)
        return bad(c, path, "min is greater than max");
    return true;
}

/* ---- lists ------------------------------------------------------------------------------ */

/* Calls each(c, element, "when.x[i]", ctx) for every element of an array
 * member; null and [] are "no criterion" (returns true, *count 0). */
typedef bool (*elem_fn)(pctx *c, json_object *e, const char *path, void *ctx);

static bool each_elem(pctx *c, json_object *v, const char *path, elem_fn each, void *ctx, size_t *count)
{
    *count = 0;
    if (is_null(v))
        return true;
    if (!json_object_is_type(v, json_type_array))
        return bad(c, path, "must be an array, not %s", type_name(v));
    size_t n = json_object_array_length(v);
    if (n > LIST_MAX)
        return bad(c, path, "more than %d entries", LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        char p[64];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if (!each(c, json_object_array_get_idx(v, i), p, ctx))
            return false;
    }
    *count = n;
    return true;
}

/* A growable list of collected strings. */
typedef struct strvec {
    strref *v;
    uint32_t n, cap;
    size_t max_len;
    bool (*valid)(const char *s, size_t n);
    const char *shape;   /* what a valid entry looks like, for the message */
} strvec;

static void strvec_push(strvec *sv, const char *s, size_t n)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 8;
        strref *v = realloc(sv->v, sizeof *v * sv->cap);
        if (!v)
            abort();
        sv->v = v;
    }
    sv->v[sv->n++] = (strref){xstrndup(s, n), (uint32_t)n};
}

static void strvec_free(strvec *sv)
{
    for (uint32_t i = 0; i < sv->n; i++)
        free(sv->v[i].s);
    free(sv->v);
}

static bool str_elem(pctx *c, json_object *e, const char *path, void *ctx)
{
    strvec *sv = ctx;
    const char *s;
    size_t n;
    if (!get_text(c, e, path, sv->max_len, &s, &n))
        return false;
    if (!s || n == 0)
        return bad(c, path, "must be a non-empty string");
    if (sv->valid && !sv->valid(s, n))
        return bad(c, path, "\"%.*s\" is not %s", (int)(n > 40 ? 40 : n), s, sv->shape);
    strvec_push(sv, s, n);
    return true;
}

/* A list of strings; each checked by `valid` (NULL: any non-empty text). */
static bool get_strings(pctx *c, json_object *v, const char *path, size_t max_len, bool (*valid)(const char *, size_t),
                        const char *shape, strvec *out)
{
    memset(out, 0, sizeof *out);
    out->max_len = max_len;
    out->valid = valid;
    out->shape = shape;
    size_t n;
    if (each_elem(c, v, path, str_elem, out, &n))
        return true;
    strvec_free(out);
    memset(out, 0, sizeof *out);
    return false;
}

/* ---- shapes of list entries ------------------------------------------------------------------ */

static bool valid_country(const char *s, size_t n) { return n == 2 && bw_country_known((bw_str){s, 2}); }

static bool valid_hs_prefix(const char *s, size_t n)
{
    if (n < 2 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A country, or a UN/LOCODE: its country and three letters or digits 2-9. */
static bool valid_place(const char *s, size_t n)
{
    if (n == 2)
        return valid_country(s, n);
    if (n != 5 || !valid_country(s, 2))
        return false;
    for (size_t i = 2; i < 5; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '9')))
            return false;
    return true;
}

static bool valid_jurisdiction(const char *s, size_t n)
{
    if (n < 1 || n > 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
            return false;
    return true;
}

/* A hit code prefix: dotted lower-case words ("screening", "watchlist.name"). */
static bool valid_hit_prefix(const char *s, size_t n)
{
    if (n < 1 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'))
            return false;
        if (ch == '.' && s[i + 1] == '.')
            return false;
    }
    return true;
}

static bool valid_id(const char *s, size_t n)
{
    if (n < 1 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '_' || ch == '.' || ch == ':'))
            return false;
    }
    return true;
}

/* Index of name in a NULL-terminated table from `first`, or -1. */
static int name_index(const char *const names[], int first, const char *s, size_t n, bool fold)
{
    for (int i = first; names[i]; i++)
        if (strlen(names[i]) == n && (fold ? strncasecmp(names[i], s, n) : strncmp(names[i], s, n)) == 0)
            return i;
    return -1;
}

static void names_list(const char *const names[], int first, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = 0;
    for (int i = first; names[i] && k + 1 < cap; i++) {
        int w = snprintf(out + k, cap - k, "%s%s", i > first ? ", " : "", names[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

/* A list of names from a table, as a bit set (bit = index). */
static bool get_names(pctx *c, json_object *v, const char *path, const char *const names[], int first, bool fold,
                      uint32_t *bits)
{
    strvec sv;
    *bits = 0;
    if (!get_strings(c, v, path, 64, NULL, NULL, &sv))
        return false;
    bool ok = true;
    for (uint32_t i = 0; i < sv.n && ok; i++) {
        int k = name_index(names, first, sv.v[i].s, sv.v[i].n, fold);
        if (k < 0) {
            char p[64], all[256];
            snprintf(p, sizeof p, "%s[%u]", path, i);
            names_list(names, first, all, sizeof all);
            ok = bad(c, p, "\"%.*s\" is not one of %s", (int)(sv.v[i].n > 40 ? 40 : sv.v[i].n), sv.v[i].s, all);
        } else {
            *bits |= 1u << k;
        }
    }
    strvec_free(&sv);
    return ok;
}

static bool category_elem(pctx *c, json_object *e, const char *path, void *ctx)
{
    uint8_t *bits = ctx;
    if (!json_object_is_type(e, json_type_int))
        return bad(c, path, "must be an IRG category 1, 2, 3 or 4, not %s", type_name(e));
    int64_t k = json_object_get_int64(e);
    if (k < 1 || k > 4)
        return bad(c, path, "%lld is not an IRG category (1 to 4)", (long long)k);
    *bits |= (uint8_t)(1u << k);
    return true;
}

/* ---- the "when" object ------------------------------------------------------------------------ */

static bool when_hs(pctx *c, json_object *v, bw_profile *p)
{
    strvec sv;
    if (!get_strings(c, v, "when.hs", 10, valid_hs_prefix, "an HS prefix (2 to 10 digits)", &sv))
        return false;
    p->hs = xmalloc(sizeof *p->hs * sv.n);
    for (uint32_t i = 0; i < sv.n; i++) {
        uint64_t d = 0;
        for (uint32_t k = 0; k < sv.v[i].n; k++)
            d = d * 10 + (uint64_t)(sv.v[i].s[k] - '0');
        p->hs[i] = d << 4 | sv.v[i].n;
        p->hs_lens |= (uint16_t)(1u << sv.v[i].n);
    }
    p->n_hs = u64_sort_unique(p->hs, sv.n);
    if (p->n_hs)
        p->crit |= PF_HS;
    strvec_free(&sv);
    return true;
}

static bool when_countries(pctx *c, json_object *v, const char *path, pf_countries *out, uint32_t bit, bw_profile *p)
{
    strvec sv;
    if (!get_strings(c, v, path, 2, valid_country, "an ISO 3166-1 alpha-2 country code", &sv))
        return false;
    for (uint32_t i = 0; i < sv.n; i++) {
        unsigned k = (unsigned)pf_country_code(sv.v[i].s, 2);
        out->w[k >> 6] |= 1ull << (k & 63);
    }
    if (sv.n)
        p->crit |= bit;
    strvec_free(&sv);
    return true;
}

/* loading / arrival: countries and UN/LOCODEs */
static bool when_places(pctx *c, json_object *v, const char *path, pf_countries *countries, uint64_t **codes,
                        uint32_t *n_codes, uint32_t bit, bw_profile *p)
{
    strvec sv;
    if (!get_strings(c, v, path, 5, valid_place, "a country or a UN/LOCODE (CN, CNSZX)", &sv))
        return false;
    *codes = xmalloc(sizeof **codes * sv.n);
    uint32_t k = 0;
    for (uint32_t i = 0; i < sv.n; i++) {
        if (sv.v[i].n == 2) {
            unsigned cc = (unsigned)pf_country_code(sv.v[i].s, 2);
            countries->w[cc >> 6] |= 1ull << (cc & 63);
        } else {
            (*codes)[k++] = pf_locode_pack(sv.v[i].s);
        }
    }
    *n_codes = u64_sort_unique(*codes, k);
    if (sv.n)
        p->crit |= bit;
    strvec_free(&sv);
    return true;
}

static bool when_strs(pctx *c, json_object *v, const char *path, size_t max_len, bool (*valid)(const char *, size_t),
                      const char *shape, pf_strs *out, uint32_t bit, bw_profile *p)
{
    strvec sv;
    if (!get_strings(c, v, path, max_len, valid, shape, &sv))
        return false;
    strs_build(out, sv.v, sv.n);
    free(sv.v);
    if (out->n)
        p->crit |= bit;
    return true;
}

static bool when_enum(pctx *c, json_object *v, const char *path, const char *const names[], bool fold, uint8_t *out,
                      uint32_t bit, bw_profile *p)
{
    uint32_t bits;
    if (!get_names(c, v, path, names, 1, fold, &bits))
        return false;
    *out = (uint8_t)bits;
    if (bits)
        p->crit |= bit;
    return true;
}

static bool when_range(pctx *c, json_object *v, const char *path, pf_range *out, uint32_t bit, bw_profile *p)
{
    if (is_null(v))
        return true;
    if (!get_range(c, v, path, out))
        return false;
    p->crit |= bit;
    return true;
}

static bool parse_when(pctx *c, json_object *w, bw_profile *p)
{
    static const char *const keys[] = {"hs", "origin", "destination", "loading", "arrival", "mode", "seller",
                                       "buyer", "platform", "carrier", "submitter", "value", "weight_g",
                                       "unit_value", "value_per_kg", "collection", "transaction", "category",
                                       "hits", "party", NULL};
    if (is_null(w))
        return true;
    if (!json_object_is_type(w, json_type_object))
        return bad(c, "when", "must be an object, not %s", type_name(w));
    if (!check_keys(c, w, "when", keys))
        return false;
    if (!when_hs(c, member(w, "hs"), p) ||
        !when_countries(c, member(w, "origin"), "when.origin", &p->origin, PF_ORIGIN, p) ||
        !when_countries(c, member(w, "destination"), "when.destination", &p->destination, PF_DESTINATION, p) ||
        !when_places(c, member(w, "loading"), "when.loading", &p->loading_country, &p->loading_code,
                     &p->n_loading_code, PF_LOADING, p) ||
        !when_places(c, member(w, "arrival"), "when.arrival", &p->arrival_country, &p->arrival_code,
                     &p->n_arrival_code, PF_ARRIVAL, p) ||
        !when_enum(c, member(w, "mode"), "when.mode", bw_transport_mode_names, false, &p->modes, PF_MODE, p) ||
        !when_enum(c, member(w, "collection"), "when.collection", bw_collection_model_names, false,
                   &p->collections, PF_COLLECTION, p) ||
        !when_enum(c, member(w, "transaction"), "when.transaction", bw_txn_type_names, true, &p->transactions,
                   PF_TRANSACTION, p))
        return false;
    for (int k = 0; k < PF_ID_KINDS; k++) {
        char path[32];
        snprintf(path, sizeof path, "when.%s", bw_profile_id_names[k]);
        if (!when_strs(c, member(w, bw_profile_id_names[k]), path, NAME_MAX_, NULL, NULL, &p->ids[k],
                       PF_SELLER << k, p))
            return false;
    }
    if (!when_range(c, member(w, "value"), "when.value", &p->value, PF_VALUE, p) ||
        !when_range(c, member(w, "weight_g"), "when.weight_g", &p->weight_g, PF_WEIGHT, p) ||
        !when_range(c, member(w, "unit_value"), "when.unit_value", &p->unit_value, PF_UNIT_VALUE, p) ||
        !when_range(c, member(w, "value_per_kg"), "when.value_per_kg", &p->value_per_kg, PF_VALUE_PER_KG, p))
        return false;
    size_t n;
    if (!each_elem(c, member(w, "category"), "when.category", category_elem, &p->categories, &n))
        return false;
    if (p->categories)
        p->crit |= PF_CATEGORY;
    if (!when_strs(c, member(w, "hits"), "when.hits", 64, valid_hit_prefix,
                   "a hit code prefix (dotted lower-case words: \"screening\", \"watchlist.name\")", &p->hits,
                   PF_HITS, p))
        return false;
    if (!get_names(c, member(w, "party"), "when.party", bw_party_flag_names, 0, false, &p->party))
        return false;
    if (p->party)
        p->crit |= PF_PARTY;
    return true;
}

/* ---- one profile --------------------------------------------------------------------------------- */

static bool parse_id(pctx *c, json_object *o, bw_profile *p)
{
    const char *s;
    size_t n;
    json_object *v = member(o, "id");
    if (is_null(v))
        return bad(c, "id", "is required");
    if (!json_object_is_type(v, json_type_string))
        return bad(c, "id", "must be a string, not %s", type_name(v));
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
    if (strlen(s) != n || !valid_id(s, n))
        return bad(c, "id", "must be 1 to %d letters, digits or . _ : -", ID_MAX);
    snprintf(c->who, sizeof c->who, "%s", s);
    p->id = xstrndup(s, n);
    return true;
}

static bool parse_text(pctx *c, json_object *o, const char *key, size_t max, bool required, char **out)
{
    const char *s;
    size_t n;
    if (!get_text(c, member(o, key), key, max, &s, &n))
        return false;
    if (!s || n == 0) {
        if (required)
            return bad(c, key, "is required (a non-empty string)");
        return true;
    }
    *out = xstrndup(s, n);
    return true;
}

static bool parse_dates(pctx *c, json_object *o, bw_profile *p)
{
    const char *s;
    size_t n;
    if (!get_text(c, member(o, "valid_from"), "valid_from", 40, &s, &n))
        return false;
    if (!s)
        return bad(c, "valid_from", "is required (YYYY-MM-DD)");
    if (!is_date(s, n, &p->valid_from))
        return bad(c, "valid_from", "\"%.*s\" is not a date (YYYY-MM-DD)", (int)n, s);
    p->valid_until = INT64_MAX;
    if (!get_text(c, member(o, "valid_to"), "valid_to", 40, &s, &n))
        return false;
    if (s) {
        bw_time to;
        if (!is_date(s, n, &to))
            return bad(c, "valid_to", "\"%.*s\" is not a date (YYYY-MM-DD)", (int)n, s);
        if (to < p->valid_from)
            return bad(c, "valid_to", "%.*s is before valid_from", (int)n, s);
        p->valid_until = to + 86400; /* valid_to is the last day in force */
    }
    return true;
}

static bool parse_outcome(pctx *c, json_object *o, bw_profile *p)
{
    json_object *sc = member(o, "score"), *ln = member(o, "lane");
    p->lane = BW_LANE_NONE;
    if (!is_null(sc)) {
        if (!json_object_is_type(sc, json_type_int))
            return bad(c, "score", "must be an integer, not %s", type_name(sc));
        int64_t v = json_object_get_int64(sc);
        if (v < -SCORE_MAX || v > SCORE_MAX)
            return bad(c, "score", "%lld is out of range (-%d to %d)", (long long)v, SCORE_MAX, SCORE_MAX);
        p->has_score = true;
        p->score = (int32_t)v;
    }
    const char *s;
    size_t n;
    if (!get_text(c, ln, "lane", 16, &s, &n))
        return false;
    if (s) {
        p->lane = bw_lane_parse(s, n);
        if (p->lane == BW_LANE_NONE)
            return bad(c, "lane", "\"%.*s\" is not one of green, blue, yellow, red", (int)n, s);
    }
    if ((!p->has_score || p->score == 0) && p->lane == BW_LANE_NONE)
        return bad(c, NULL, "needs a non-zero \"score\", a \"lane\" or both");
    return true;
}

/* A tombstone: {"id", "deleted": true}, optionally who and why. */
static bool parse_tombstone(pctx *c, json_object *o, bw_profile *p)
{
    static const char *const keys[] = {"id", "deleted", "owner", "reason", NULL};
    p->deleted = true;
    return check_keys(c, o, NULL, keys) && parse_text(c, o, "owner", NAME_MAX_, false, &p->owner) &&
           parse_text(c, o, "reason", TEXT_MAX, false, &p->reason);
}

static bool parse_profile(pctx *c, json_object *o, bw_profile *p)
{
    static const char *const keys[] = {"id", "owner", "reason", "valid_from", "valid_to", "jurisdictions",
                                       "when", "score", "lane", "deleted", NULL};
    if (!json_object_is_type(o, json_type_object))
        return bad(c, NULL, "must be a JSON object, not %s", type_name(o));
    if (!parse_id(c, o, p))
        return false;
    json_object *del = member(o, "deleted");
    if (!is_null(del) && !json_object_is_type(del, json_type_boolean))
        return bad(c, "deleted", "must be true or false, not %s", type_name(del));
    if (!is_null(del) && json_object_get_boolean(del))
        return parse_tombstone(c, o, p);
    strvec js;
    if (!check_keys(c, o, NULL, keys) || !parse_text(c, o, "owner", NAME_MAX_, true, &p->owner) ||
        !parse_text(c, o, "reason", TEXT_MAX, true, &p->reason) || !parse_dates(c, o, p) ||
        !get_strings(c, member(o, "jurisdictions"), "jurisdictions", 8, valid_jurisdiction,
                     "a jurisdiction id (1 to 8 of A-Z 0-9 - _)", &js))
        return false;
    strs_build(&p->jurisdictions, js.v, js.n);
    free(js.v);
    if (!parse_when(c, member(o, "when"), p) || !parse_outcome(c, o, p))
        return false;
    if (!p->crit && p->jurisdictions.n == 0)
        return bad(c, "when", "no criteria and no jurisdictions: the profile would hit every declaration");
    return true;
}

static bw_profile *profile_from(pctx *c, json_object *o)
{
    bw_profile *p = xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    p->refs = 1;
    p->lane = BW_LANE_NONE;
    if (parse_profile(c, o, p))
        return p;
    profile_destroy(p);
    return NULL;
}

/* ---- JSON text --------------------------------------------------------------------------------- */

/* The JSON value of text[0..n); NULL with err (naming `file`). */
static json_object *parse_json(const char *text, size_t n, const char *file, char *err, size_t errlen)
{
    if (n > INT_MAX) {
        snprintf(err, errlen, "%s%stoo large", file ? file : "", file ? ": " : "");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(32);
    if (!tok)
        abort();
    /* trailing text is ours to report, with a clearer message */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    json_object *o = json_tokener_parse_ex(tok, text, (int)n);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (e == json_tokener_continue && n > 0) {
        /* a bare literal ("null", "5") ends only at the end of the text */
        o = json_tokener_parse_ex(tok, "", 1);
        e = json_tokener_get_error(tok);
        end = n;
    }
    json_tokener_free(tok);
    const char *why = NULL;
    if (e == json_tokener_continue)
        why = "the JSON text ends too early";
    else if (e != json_tokener_success)
        why = json_tokener_error_desc(e);
    else if (!o)
        why = "expected a profile object or an array of them, not null";
    for (size_t i = end; !why && i < n; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
            why = "more text after the JSON value";
    if (!why)
        return o;
    json_object_put(o);
    snprintf(err, errlen, "%s%snot valid JSON at byte %zu: %s", file ? file : "", file ? ": " : "", end, why);
    return NULL;
}

bw_profile *bw_profile_parse(const char *json, size_t n, char *err, size_t errlen)
{
    json_object *o = parse_json(json, n, NULL, err, errlen);
    if (!o)
        return NULL;
    pctx c = {.err = err, .errlen = errlen};
    bw_profile *p = profile_from(&c, o);
    json_object_put(o);
    return p;
}

bw_profile **bw_profiles_parse_many(const char *json, size_t n, const char *file, size_t *count, char *err,
                                    size_t errlen)
{
    *count = 0;
    json_object *o = parse_json(json, n, file, err, errlen);
    if (!o)
        return NULL;
    bool array = json_object_is_type(o, json_type_array);
    size_t k = array ? json_object_array_length(o) : 1;
    bw_profile **v = xmalloc(sizeof *v * k);
    for (size_t i = 0; i < k; i++) {
        pctx c = {.file = file, .err = err, .errlen = errlen};
        if (array)
            snprintf(c.who, sizeof c.who, "[%zu]", i);
        v[i] = profile_from(&c, array ? json_object_array_get_idx(o, i) : o);
        if (!v[i]) {
            while (i > 0)
                bw_profile_free(v[--i]);
            free(v);
            json_object_put(o);
            return NULL;
        }
    }
    json_object_put(o);
    *count = k;
    return v;
}

bw_profile **bw_profiles_read_file(const char *path, size_t *count, char *err, size_t errlen)
{
    *count = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    bw_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        bw_buf_put(&b, chunk, got);
    bool failed = ferror(f);
    fclose(f);
    bw_profile **v = NULL;
    if (failed)
        snprintf(err, errlen, "%s: read error", path);
    else
        v = bw_profiles_parse_many(b.p ? b.p : "", b.n, path, count, err, errlen);
    bw_buf_free(&b);
    return v;
}

/* ---- canonical JSON ------------------------------------------------------------------------------ */

typedef struct jw {
    bw_buf *out;
    bool first;
} jw;

static void jw_key(jw *w, const char *key)
{
    if (!w->first)
        bw_buf_putc(w->out, ',');
    w->first = false;
    bw_buf_put_json_str(w->out, key, strlen(key));
    bw_buf_putc(w->out, ':');
}

static void put_strs(jw *w, const char *key, const pf_strs *s)
{
    if (!s->n)
        return;
    jw_key(w, key);
    bw_buf_putc(w->out, '[');
    for (uint32_t i = 0; i < s->n; i++) {
        if (i)
            bw_buf_putc(w->out, ',');
        bw_buf_put_json_str(w->out, s->v[i], s->len[i]);
    }
    bw_buf_putc(w->out, ']');
}

static unsigned locode_country(uint64_t packed)
{
    char two[2] = {(char)(packed >> 32), (char)(packed >> 24)};
    return (unsigned)pf_country_code(two, 2);
}

static void put_countries(jw *w, const char *key, const pf_countries *c, const uint64_t *codes, uint32_t n_codes)
{
    bool any = n_codes > 0;
    for (int i = 0; i < 11 && !any; i++)
        any = c->w[i] != 0;
    if (!any)
        return;
    jw_key(w, key);
    bw_buf_putc(w->out, '[');
    bool first = true;
    uint32_t k = 0;
    for (unsigned cc = 0; cc < 676; cc++) {
        char two[2] = {(char)('A' + cc / 26), (char)('A' + cc % 26)};
        if (pf_country_has(c, cc)) {
            bw_buf_puts(w->out, first ? "\"" : ",\"");
            bw_buf_put(w->out, two, 2);
            bw_buf_putc(w->out, '"');
            first = false;
        }
        /* the UN/LOCODEs of this country follow it: byte order */
        for (; k < n_codes && locode_country(codes[k]) == cc; k++) {
            char five[5];
            for (int i = 0; i < 5; i++)
                five[i] = (char)(codes[k] >> (8 * (4 - i)));
            bw_buf_puts(w->out, first ? "\"" : ",\"");
            bw_buf_put(w->out, five, 5);
            bw_buf_putc(w->out, '"');
            first = false;
        }
    }
    bw_buf_putc(w->out, ']');
}

static void put_names(jw *w, const char *key, uint32_t bits, const char *const names[], int first)
{
    if (!bits)
        return;
    jw_key(w, key);
    bw_buf_putc(w->out, '[');
    bool any = false;
    for (int i = first; names[i]; i++)
        if (bits >> i & 1) {
            if (any)
                bw_buf_putc(w->out, ',');
            bw_buf_put_json_str(w->out, names[i], strlen(names[i]));
            any = true;
        }
    bw_buf_putc(w->out, ']');
}

static void put_range(jw *w, const char *key, const pf_range *r, bool present)
{
    if (!present)
        return;
    jw_key(w, key);
    bw_buf_putc(w->out, '{');
    if (r->has_min)
        bw_buf_put_amount(w->out, "\"min\":", r->min.mantissa, r->min.scale);
    if (r->has_max)
        bw_buf_put_amount(w->out, r->has_min ? ",\"max\":" : "\"max\":", r->max.mantissa, r->max.scale);
    bw_buf_putc(w->out, '}');
}

static int cmp_hs_text(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void put_hs(jw *w, const bw_profile *p)
{
    if (!p->n_hs)
        return;
    char(*t)[12] = xmalloc(sizeof *t * p->n_hs);
    for (uint32_t i = 0; i < p->n_hs; i++) {
        unsigned len = (unsigned)(p->hs[i] & 15);
        uint64_t d = p->hs[i] >> 4;
        t[i][len] = 0;
        for (unsigned k = len; k > 0; k--, d /= 10)
            t[i][k - 1] = (char)('0' + d % 10);
    }
    qsort(t, p->n_hs, sizeof *t, cmp_hs_text);
    jw_key(w, "hs");
    bw_buf_putc(w->out, '[');
    for (uint32_t i = 0; i < p->n_hs; i++) {
        if (i)
            bw_buf_putc(w->out, ',');
        bw_buf_put_json_str(w->out, t[i], strlen(t[i]));
    }
    bw_buf_putc(w->out, ']');
    free(t);
}

static void put_when(bw_buf *out, const bw_profile *p)
{
    jw w = {out, true};
    bw_buf_putc(out, '{');
    put_hs(&w, p);
    put_countries(&w, "origin", &p->origin, NULL, 0);
    put_countries(&w, "destination", &p->destination, NULL, 0);
    put_countries(&w, "loading", &p->loading_country, p->loading_code, p->n_loading_code);
    put_countries(&w, "arrival", &p->arrival_country, p->arrival_code, p->n_arrival_code);
    put_names(&w, "mode", p->modes, bw_transport_mode_names, 1);
    for (int k = 0; k < PF_ID_KINDS; k++)
        put_strs(&w, bw_profile_id_names[k], &p->ids[k]);
    put_range(&w, "value", &p->value, p->crit & PF_VALUE);
    put_range(&w, "weight_g", &p->weight_g, p->crit & PF_WEIGHT);
    put_range(&w, "unit_value", &p->unit_value, p->crit & PF_UNIT_VALUE);
    put_range(&w, "value_per_kg", &p->value_per_kg, p->crit & PF_VALUE_PER_KG);
    put_names(&w, "collection", p->collections, bw_collection_model_names, 1);
    put_names(&w, "transaction", p->transactions, bw_txn_type_names, 1);
    if (p->categories) {
        jw_key(&w, "category");
        bw_buf_putc(out, '[');
        bool any = false;
        for (int k = 1; k <= 4; k++)
            if (p->categories >> k & 1) {
                bw_buf_puts(out, any ? "," : "");
                bw_buf_put_i64(out, k);
                any = true;
            }
        bw_buf_putc(out, ']');
    }
    put_strs(&w, "hits", &p->hits);
    put_names(&w, "party", p->party, bw_party_flag_names, 0);
    bw_buf_putc(out, '}');
}

static void put_date(bw_buf *out, bw_time t)
{
    char s[21];
    bw_time_format(t, s);
    bw_buf_putc(out, '"');
    bw_buf_put(out, s, 10);
    bw_buf_putc(out, '"');
}

static void put_opt_text(jw *w, const char *key, const char *s)
{
    if (!s)
        return;
    jw_key(w, key);
    bw_buf_put_json_str(w->out, s, strlen(s));
}

void bw_profile_json(const bw_profile *p, bw_buf *out)
{
    jw w = {out, true};
    bw_buf_putc(out, '{');
    jw_key(&w, "id");
    bw_buf_put_json_str(out, p->id, strlen(p->id));
    if (p->deleted) {
        bw_buf_puts(out, ",\"deleted\":true");
        put_opt_text(&w, "owner", p->owner);
        put_opt_text(&w, "reason", p->reason);
        bw_buf_putc(out, '}');
        return;
    }
    put_opt_text(&w, "owner", p->owner);
    put_opt_text(&w, "reason", p->reason);
    jw_key(&w, "valid_from");
    put_date(out, p->valid_from);
    jw_key(&w, "valid_to");
    if (p->valid_until == INT64_MAX)
        bw_buf_puts(out, "null");
    else
        put_date(out, p->valid_until - 86400);
    jw_key(&w, "jurisdictions");
    bw_buf_putc(out, '[');
    for (uint32_t i = 0; i < p->jurisdictions.n; i++) {
        if (i)
            bw_buf_putc(out, ',');
        bw_buf_put_json_str(out, p->jurisdictions.v[i], p->jurisdictions.len[i]);
    }
    bw_buf_putc(out, ']');
    jw_key(&w, "when");
    put_when(out, p);
    if (p->has_score) {
        jw_key(&w, "score");
        bw_buf_put_i64(out, p->score);
    }
    if (p->lane != BW_LANE_NONE) {
        jw_key(&w, "lane");
        bw_buf_put_json_str(out, bw_lane_names[p->lane], strlen(bw_lane_names[p->lane]));
    }
    bw_buf_putc(out, '}');
}

/* ---- synthetic profiles ------------------------------------------------------------------------------
 * For the benchmark and the index test: plausible sets of any size.  The
 * vocabularies below are the usual suspects of e-commerce risk work, not
 * reference data: nothing is decided with them. */

static uint64_t synth_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned synth_below(uint64_t *s, unsigned n) { return (unsigned)(synth_next(s) % n); }

static const char *synth_pick(uint64_t *s, const char *const *v, unsigned n) { return v[synth_below(s, n)]; }

#define PICK(s, arr) synth_pick(s, arr, (unsigned)(sizeof arr / sizeof arr[0]))

static const char *const SYN_CHAPTERS[] = {"33", "42", "61", "62", "64", "71", "85", "91", "95", "30",
                                           "39", "84", "90", "94", "63", "65", "96", "49", "21", "24"};
/* origins, the big exporters first and more often */
static const char *const SYN_ORIGINS[] = {"CN", "CN", "CN", "CN", "HK", "HK", "VN", "IN", "TR", "US",
                                          "JP", "KR", "DE", "GB", "TH", "MY", "ID", "PK", "BD", "MX"};
static const char *const SYN_DESTINATIONS[] = {"DE", "FR", "IT", "ES", "NL", "PL", "GB", "US", "CA", "AU", "CN"};
static const char *const SYN_PLACES[] = {"CNSZX", "CNCAN", "CNHGH", "CNSHA", "HKHKG", "KRSEL", "JPTYO", "TRIST",
                                         "DEFRA", "DELEJ", "FRCDG", "GBLHR", "GBEMA", "USLAX", "USJFK", "CAYYZ",
                                         "AUSYD", "AUMEL", "CN", "HK", "VN", "TR"};
static const char *const SYN_JURS[] = {"EU", "GB", "US", "AU", "CA", "CN"};
static const char *const SYN_MODES[] = {"air", "post", "road", "sea"};
static const char *const SYN_HITS[] = {"screening", "screening.prohibited", "screening.restricted", "watchlist",
                                       "watchlist.name", "valuation.low", "textclass", "splitting"};
static const char *const SYN_FLAGS[] = {"first_time_seller", "occasional_seller", "first_time_buyer",
                                        "noncompliant_seller", "first_time_platform", "first_time_carrier"};

/* An HS prefix: a chapter, a heading or a subheading of a risky chapter. */
static void synth_hs(bw_buf *b, uint64_t *s, unsigned len)
{
    bw_buf_printf(b, "\"%s", PICK(s, SYN_CHAPTERS));
    if (len >= 4)
        bw_buf_printf(b, "%02u", 1 + synth_below(s, 30));
    if (len >= 6)
        bw_buf_printf(b, "%02u", synth_below(s, 10) * 10 + (synth_below(s, 3) == 0 ? 9 : 0));
    if (len >= 8)
        bw_buf_printf(b, "%02u", synth_below(s, 100));
    bw_buf_putc(b, '"');
}

static void synth_list(bw_buf *b, uint64_t *s, const char *key, const char *const *v, unsigned n, unsigned count)
{
    bw_buf_printf(b, "\"%s\":[", key);
    for (unsigned i = 0; i < count; i++)
        bw_buf_printf(b, "%s\"%s\"", i ? "," : "", synth_pick(s, v, n));
    bw_buf_puts(b, "],");
}

#define SYN_LIST(b, s, key, arr, count) synth_list(b, s, key, arr, (unsigned)(sizeof arr / sizeof arr[0]), count)

/* An HS prefix for a goods profile: mostly subheadings, some headings. */
static unsigned synth_goods_len(uint64_t *s)
{
    static const unsigned lens[] = {4, 4, 6, 6, 6, 6, 6, 6, 8, 8};
    return lens[synth_below(s, 10)];
}

static void synth_goods(bw_buf *b, uint64_t *s, unsigned count)
{
    bw_buf_puts(b, "\"hs\":[");
    for (unsigned i = 0; i < count; i++) {
        if (i)
            bw_buf_putc(b, ',');
        synth_hs(b, s, synth_goods_len(s));
    }
    bw_buf_puts(b, "],");
}

/* The "when" members of one profile (NULL: none, a campaign); returns
 * what it is about.  The mix: broad profiles are few, most name a seller,
 * a subheading, a route. */
static const char *synth_when(bw_buf *b, uint64_t *s)
{
    unsigned r = synth_below(s, 100);
    if (r < 35) { /* a seller watch entry, sometimes narrowed to a chapter */
        unsigned n = 1 + synth_below(s, 3);
        bw_buf_puts(b, "\"seller\":[");
        for (unsigned i = 0; i < n; i++)
            bw_buf_printf(b, "%s\"SELLER-%u\"", i ? "," : "", 1 + synth_below(s, 200000));
        bw_buf_puts(b, "],");
        if (synth_below(s, 3) == 0)
            bw_buf_printf(b, "\"hs\":[\"%s\"],", PICK(s, SYN_CHAPTERS));
        return "seller watch";
    }
    if (r < 55) { /* goods from origins, often under a value or from first-time sellers */
        synth_goods(b, s, 1 + synth_below(s, 3));
        SYN_LIST(b, s, "origin", SYN_ORIGINS, 1 + synth_below(s, 2));
        if (synth_below(s, 2))
            bw_buf_printf(b, "\"value\":{\"max\":\"%u.00\"},", 20 + synth_below(s, 300));
        if (synth_below(s, 3) == 0)
            bw_buf_puts(b, "\"party\":[\"first_time_seller\"],");
        return "goods and origin";
    }
    if (r < 65) { /* a subheading priced too low */
        synth_goods(b, s, 1);
        bw_buf_printf(b, "\"unit_value\":{\"max\":\"%u.%02u\"},", synth_below(s, 20), synth_below(s, 100));
        return "unit value";
    }
    if (r < 70) {
        bw_buf_printf(b, "\"buyer\":[\"B-%u\"],", 1 + synth_below(s, 1000000));
        return "buyer";
    }
    if (r < 74) {
        bw_buf_printf(b, "\"%s\":[\"%s-%u\"],", synth_below(s, 2) ? "carrier" : "platform",
                      synth_below(s, 2) ? "EXPRESS" : "MKT", 1 + synth_below(s, 40));
        synth_goods(b, s, 1);
        SYN_LIST(b, s, "origin", SYN_ORIGINS, 1);
        return "intermediary and goods";
    }
    if (r < 80) {
        SYN_LIST(b, s, "loading", SYN_PLACES, 1 + synth_below(s, 2));
        SYN_LIST(b, s, "arrival", SYN_PLACES, 1);
        SYN_LIST(b, s, "mode", SYN_MODES, 1);
        return "route";
    }
    if (r < 85) {
        SYN_LIST(b, s, "destination", SYN_DESTINATIONS, 1);
        SYN_LIST(b, s, "origin", SYN_ORIGINS, 1);
        bw_buf_printf(b, "\"value_per_kg\":{\"max\":\"%u.00\"},\"weight_g\":{\"min\":\"%u\"},",
                      1 + synth_below(s, 5), 1000 * (1 + synth_below(s, 10)));
        return "heavy and cheap";
    }
    if (r < 89) {
        SYN_LIST(b, s, "hits", SYN_HITS, 1);
        if (synth_below(s, 2))
            SYN_LIST(b, s, "party", SYN_FLAGS, 1);
        return "hits";
    }
    if (r < 99) { /* risky goods from parties without a history */
        SYN_LIST(b, s, "party", SYN_FLAGS, 1);
        bw_buf_puts(b, "\"hs\":[");
        synth_hs(b, s, synth_below(s, 4) ? 4 : 2);
        bw_buf_puts(b, "],");
        return "party and goods";
    }
    return NULL; /* a campaign: every declaration of its jurisdictions for a week */
}

char *bw_profiles_synth_json(uint32_t n, uint64_t seed)
{
    bw_buf b = {0};
    uint64_t s = seed;
    bw_buf_putc(&b, '[');
    for (uint32_t i = 0; i < n; i++) {
        bw_buf_printf(&b, "%s{\"id\":\"SYN-%06u\",\"owner\":\"analyst.synthetic\",", i ? ",\n" : "", i + 1);
        size_t reason_at = b.n;
        size_t dates_at = b.n;
        bw_buf_printf(&b, "\"valid_from\":\"2024-%02u-%02u\",", 1 + synth_below(&s, 12), 1 + synth_below(&s, 28));
        if (synth_below(&s, 10) == 0)
            bw_buf_printf(&b, "\"valid_to\":\"2025-%02u-28\",", 1 + synth_below(&s, 12));
        unsigned nj = synth_below(&s, 10) == 0 ? 0 : 1 + synth_below(&s, 2);
        SYN_LIST(&b, &s, "jurisdictions", SYN_JURS, nj);
        bw_buf_puts(&b, "\"when\":{");
        size_t when_at = b.n;
        const char *about = synth_when(&b, &s);
        if (!about) { /* a campaign: one week in one jurisdiction, no criteria */
            b.n = dates_at;
            unsigned y = 2024 + synth_below(&s, 3), m = 1 + synth_below(&s, 12), d = 1 + synth_below(&s, 21);
            bw_buf_printf(&b, "\"valid_from\":\"%u-%02u-%02u\",\"valid_to\":\"%u-%02u-%02u\",", y, m, d, y, m,
                          d + 6);
            SYN_LIST(&b, &s, "jurisdictions", SYN_JURS, 1);
            bw_buf_puts(&b, "\"when\":{");
            when_at = b.n;
            about = "campaign week";
        }
        if (b.n > when_at)
            b.n--; /* the last member's comma */
        bw_buf_puts(&b, "},");
        int score = synth_below(&s, 50) == 0 ? -(int)(5 + synth_below(&s, 20)) : (int)(5 + synth_below(&s, 45));
        bw_buf_printf(&b, "\"score\":%d", score);
        if (synth_below(&s, 8) == 0)
            bw_buf_puts(&b, synth_below(&s, 4) ? ",\"lane\":\"yellow\"" : ",\"lane\":\"red\"");
        bw_buf_putc(&b, '}');
        /* the reason, now that we know what the profile is about */
        char reason[96];
        int k = snprintf(reason, sizeof reason, "\"reason\":\"Synthetic profile: %s\",", about);
        bw_buf_reserve(&b, (size_t)k);
        memmove(b.p + reason_at + k, b.p + reason_at, b.n - reason_at);
        memcpy(b.p + reason_at, reason, (size_t)k);
        b.n += (size_t)k;
    }
    bw_buf_puts(&b, "]\n");
    bw_buf_cstr(&b);
    return b.p;
}
