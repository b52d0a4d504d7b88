/*
 * model.c - the learned risk model (model.h): features, out-of-fold
 * statistics, training with XGBoost, the model file, scores and their
 * reasons.
 *
 * A row is first reduced to what does not depend on anybody's label: its
 * numbers (value, weight, ...) and its keys (HS codes, origin, party ids,
 * CSV categories).  Only then, once the training period is known, keys are
 * turned into rates and counts: out of fold for the rows the trees learn
 * from, over the whole training period for the validation rows and for
 * scoring.  Both paths go through assemble(), so a feature means the same
 * thing in training and in use.
 */
#include "model.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <xgboost/c_api.h>
#include <xxhash.h>

#define MAGIC "BWMODEL1"
#define FILE_VERSION 1u
#define MAX_EXTRAS 256          /* CSV columns kept as features */
#define NO_ENTRY UINT32_MAX

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- the feature layout ----------------------------------------------------------- */

/* The declaration's own numbers. */
enum {
    F_HS_CHAPTER, F_VALUE, F_QUANTITY, F_WEIGHT, F_UNIT_VALUE, F_VALUE_PER_KG, F_ITEMS, F_FREIGHT_SHARE,
    F_MODE, F_COLLECTION, F_TRANSACTION, F_GIFT, N_NUM
};
static const char *const NUM_NAMES[N_NUM] = {
    "hs_chapter", "value_eur", "quantity", "weight_kg", "unit_value_eur", "value_per_kg_eur", "items",
    "freight_share", "transport_mode", "collection_model", "transaction_type", "gift",
};

/* Keys whose fraud rate (and, for parties, count) are features.  CSV
 * categorical columns follow as tables N_FIXED, N_FIXED + 1, ... */
enum { T_HS2, T_HS4, T_HS6, T_ORIGIN, T_SELLER, T_BUYER, T_PLATFORM, T_CARRIER, T_SUBMITTER, N_FIXED };
static const char *const TABLE_NAMES[N_FIXED] = {
    "hs_chapter", "hs_heading", "hs_subheading", "origin", "seller", "buyer", "platform", "carrier", "submitter",
};
static bool table_has_count(uint32_t t) { return t >= T_SELLER; }

/* Detector points per family, by the hit code before its first '.'. */
enum { N_DET = 8 };
static const char *const DET_NAMES[N_DET] = {
    "det_screening", "det_watchlist", "det_profile", "det_valuation", "det_classification", "det_splitting",
    "det_reconciliation", "det_party",
};
static const struct {
    const char *prefix;
    int family;
} DET_PREFIXES[] = {
    {"screening", 0}, {"watchlist", 1}, {"profile", 2}, {"profiles", 2}, {"valuation", 3},
    {"classification", 4}, {"textclass", 4}, {"hs", 4}, {"splitting", 5}, {"split", 5},
    {"reconciliation", 6}, {"reconcile", 6}, {"party", 7}, {"parties", 7},
};

/* ---- a string table: (table, bytes) -> entry ---------------------------------------- */

typedef struct dict_entry {
    uint64_t hash;
    const char *s;
    uint32_t n;
    uint32_t table;
} dict_entry;

typedef struct dict {
    dict_entry *e;
    uint32_t n, cap;
    uint32_t *slots;   /* entry + 1; 0 = empty */
    uint32_t mask;
    bw_arena strings;
} dict;

static uint64_t key_hash(uint32_t table, const char *s, size_t n) { return XXH3_64bits_withSeed(s, n, table); }

static void dict_init(dict *d) { memset(d, 0, sizeof *d); bw_arena_init(&d->strings); }

static void dict_free(dict *d)
{
    free(d->e);
    free(d->slots);
    bw_arena_free(&d->strings);
}

static uint32_t dict_find(const dict *d, uint32_t table, const char *s, size_t n)
{
    if (!d->slots)
        return NO_ENTRY;
    uint64_t h = key_hash(table, s, n);
    for (uint32_t i = (uint32_t)h & d->mask; d->slots[i]; i = (i + 1) & d->mask) {
        const dict_entry *e = &d->e[d->slots[i] - 1];
        if (e->hash == h && e->table == table && e->n == n && memcmp(e->s, s, n) == 0)
            return d->slots[i] - 1;
    }
    return NO_ENTRY;
}

static bool dict_grow(dict *d)
{
    uint32_t size = d->slots ? (d->mask + 1) * 2 : 1024;
    uint32_t *slots = calloc(size, sizeof *slots);
    if (!slots)
        return false;
    free(d->slots);
    d->slots = slots;
    d->mask = size - 1;
    for (uint32_t k = 0; k < d->n; k++) {
        uint32_t i = (uint32_t)d->e[k].hash & d->mask;
        while (d->slots[i])
            i = (i + 1) & d->mask;
        d->slots[i] = k + 1;
    }
    return true;
}

/* The entry of (table, s), added when new; NO_ENTRY when out of memory. */
static uint32_t dict_intern(dict *d, uint32_t table, const char *s, size_t n)
{
    uint32_t found = dict_find(d, table, s, n);
    if (found != NO_ENTRY)
        return found;
    if (n > UINT32_MAX / 2 || d->n >= UINT32_MAX / 4)
        return NO_ENTRY;
    if ((!d->slots || (d->n + 1) * 2 > d->mask + 1) && !dict_grow(d))
        return NO_ENTRY;
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 1024;
        dict_entry *e = realloc(d->e, cap * sizeof *e);
        if (!e)
            return NO_ENTRY;
        d->e = e;
        d->cap = cap;
    }
    uint64_t h = key_hash(table, s, n);
    d->e[d->n] = (dict_entry){h, bw_arena_strdup(&d->strings, s, n), (uint32_t)n, table};
    uint32_t i = (uint32_t)h & d->mask;
    while (d->slots[i])
        i = (i + 1) & d->mask;
    d->slots[i] = ++d->n;
    return d->n - 1;
}

/* ---- what a declaration says, label-free ------------------------------------------------ */

/* Receives each key of a row: which table, which bytes (valid during the
 * call only). */
typedef void (*key_fn)(void *ctx, uint32_t table, const char *s, size_t n);

static void str_key(key_fn fn, void *ctx, uint32_t table, bw_str s)
{
    if (s.p && s.n)
        fn(ctx, table, s.p, s.n);
}

/* The digits of an HS code ("6109.10" -> "610910") in `buf` (13 bytes). */
static size_t hs_digits(bw_str code, char *buf)
{
    size_t n = 0;
    for (uint32_t i = 0; i < code.n && n < 12; i++)
        if (code.p[i] >= '0' && code.p[i] <= '9')
            buf[n++] = code.p[i];
    buf[n] = 0;
    return n;
}

/* The fixed tables' keys of a declaration; the same key may come more than
 * once (two items of one heading). */
static void declaration_keys(const bw_declaration *d, key_fn fn, void *ctx)
{
    for (uint32_t i = 0; i < d->n_items; i++) {
        const bw_item *it = &d->items[i];
        char hs[13];
        size_t n = hs_digits(it->hs_code, hs);
        if (n >= 2)
            fn(ctx, T_HS2, hs, 2);
        if (n >= 4)
            fn(ctx, T_HS4, hs, 4);
        if (n >= 6)
            fn(ctx, T_HS6, hs, 6);
        str_key(fn, ctx, T_ORIGIN, it->origin);
    }
    str_key(fn, ctx, T_SELLER, d->seller.id);
    str_key(fn, ctx, T_BUYER, d->buyer.id);
    str_key(fn, ctx, T_PLATFORM, d->order.platform.id);
    str_key(fn, ctx, T_CARRIER, d->transport.carrier);
    str_key(fn, ctx, T_SUBMITTER, d->submitter.id);
}

static double decimal_value(bw_decimal d)
{
    double v = (double)d.mantissa;
    for (unsigned i = 0; i < d.scale; i++)
        v /= 10;
    return v;
}

/* An amount in euros (the ECB's base) at `when`; as declared when it
 * cannot be converted (no reference data, no rate for its currency).  NaN
 * when absent or unreadable. */
static double in_euros(const bw_refdata *rd, const bw_money *m, bw_time when)
{
    if (!m->present || !m->amount_ok)
        return NAN;
    double v = decimal_value(m->amount);
    int exp = m->currency.p ? bw_currency_exponent(m->currency) : -1;
    if (!rd || !bw_fx_loaded(rd) || exp < 0 || fabs(v) > 1e15)
        return v;
    double scaled = v;
    for (int i = 0; i < exp; i++)
        scaled *= 10;
    int64_t eur;
    if (!bw_fx_convert(rd, llround(scaled), m->currency, BW_STR_LIT("EUR"), when, &eur))
        return v;
    return (double)eur / 100;
}

static float enum_feature(bw_enum e)
{
    return e.value && e.value != BW_ENUM_INVALID ? (float)e.value : NAN;
}

/* The declaration's own numbers (N_NUM). */
static void declaration_numbers(const bw_refdata *rd, const bw_model_input *in, float *num)
{
    const bw_declaration *d = in->decl;
    bw_time when = in->has_time ? in->when : bw_time_from_civil(9999, 12, 31);
    double value = 0, qty = 0, net = 0, best = -1;
    bool any_value = false, any_qty = false, any_net = false;
    num[F_HS_CHAPTER] = NAN;
    for (uint32_t i = 0; i < d->n_items; i++) {
        const bw_item *it = &d->items[i];
        double v = in_euros(rd, &it->value, when);
        if (!isnan(v)) {
            value += v;
            any_value = true;
        }
        if (it->quantity.ok) {
            qty += (double)it->quantity.value / 1000;
            any_qty = true;
        }
        if (it->net_weight.ok) {
            net += (double)it->net_weight.value / 1e6;
            any_net = true;
        }
        char hs[13];
        /* the chapter of the item worth most (the first when none has a value) */
        if (hs_digits(it->hs_code, hs) >= 2 && (isnan(v) ? best < 0 && isnan(num[F_HS_CHAPTER]) : v > best)) {
            num[F_HS_CHAPTER] = (float)((hs[0] - '0') * 10 + (hs[1] - '0'));
            if (!isnan(v))
                best = v;
        }
    }
    if (!any_value) {
        value = in_euros(rd, &d->order.total, when);
        any_value = !isnan(value);
    }
    double weight = d->gross_weight.ok ? (double)d->gross_weight.value / 1e6 : any_net ? net : NAN;
    num[F_VALUE] = any_value ? (float)value : NAN;
    num[F_QUANTITY] = any_qty ? (float)qty : NAN;
    num[F_WEIGHT] = (float)weight;
    num[F_UNIT_VALUE] = any_value && any_qty && qty > 0 ? (float)(value / qty) : NAN;
    num[F_VALUE_PER_KG] = any_value && weight > 0 ? (float)(value / weight) : NAN;
    num[F_ITEMS] = (float)d->n_items;
    double freight = in_euros(rd, &d->freight, when);
    num[F_FREIGHT_SHARE] = any_value && !isnan(freight) && value + freight > 0 ? (float)(freight / (value + freight))
                                                                                : NAN;
    num[F_MODE] = enum_feature(d->transport.mode);
    num[F_COLLECTION] = enum_feature(d->collection.model);
    num[F_TRANSACTION] = enum_feature(d->transaction_type);
    num[F_GIFT] = d->gift.present ? (float)d->gift.value : NAN;
}

/* Detector points per family (N_DET); NaN when the detectors did not run. */
static void detector_points(const bw_risk_result *r, float *det)
{
    for (int i = 0; i < N_DET; i++)
        det[i] = r ? 0 : NAN;
    if (!r)
        return;
    for (uint32_t h = 0; h < r->n_hits; h++) {
        const char *code = r->hits[h].code ? r->hits[h].code : "";
        size_t n = strcspn(code, ".");
        for (size_t p = 0; p < sizeof DET_PREFIXES / sizeof DET_PREFIXES[0]; p++)
            if (strlen(DET_PREFIXES[p].prefix) == n && memcmp(DET_PREFIXES[p].prefix, code, n) == 0) {
                det[DET_PREFIXES[p].family] += (float)r->hits[h].score;
                break;
            }
    }
}

/* A CSV cell as a number: the whole text must be one finite number. */
static bool parse_number(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf || strspn(s, "0123456789+-.eE") < n)
        return false; /* no hex, no "nan", no "inf", no blanks */
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* ---- from keys to features ----------------------------------------------------------- */

/* Where each feature sits: the declaration's numbers, then per table its
 * count (parties and CSV categories) and rate, then CSV numbers, then the
 * detector points. */
typedef struct layout {
    uint32_t n_tables, n_extra_num, n_features;
    uint32_t *table_at;     /* first feature of each table */
    bool *has_count;
    uint32_t extra_at, det_at;
    double prior, shrink;
} layout;

static bool layout_init(layout *L, uint32_t n_tables, uint32_t n_extra_num, double prior, double shrink)
{
    memset(L, 0, sizeof *L);
    L->table_at = calloc(n_tables + 1, sizeof *L->table_at);
    L->has_count = calloc(n_tables + 1, sizeof *L->has_count);
    if (!L->table_at || !L->has_count)
        return false;
    L->n_tables = n_tables;
    L->n_extra_num = n_extra_num;
    L->prior = prior;
    L->shrink = shrink;
    uint32_t at = N_NUM;
    for (uint32_t t = 0; t < n_tables; t++) {
        L->table_at[t] = at;
        L->has_count[t] = table_has_count(t);
        at += L->has_count[t] ? 2 : 1;
    }
    L->extra_at = at;
    L->det_at = at + n_extra_num;
    L->n_features = L->det_at + N_DET;
    return true;
}

static void layout_free(layout *L)
{
    free(L->table_at);
    free(L->has_count);
}

/* The declaration's numbers in place, everything else missing. */
static void assemble_start(const layout *L, const float *num, float *out)
{
    memcpy(out, num, N_NUM * sizeof *out);
    for (uint32_t i = N_NUM; i < L->n_features; i++)
        out[i] = NAN;
}

/* One key's statistics: seen `all` times, `lab` of them inspected, `fraud`
 * found.  A row with several keys in one table (items of different
 * chapters) takes the highest rate and count. */
static void apply_key(const layout *L, float *out, uint32_t table, double all, double lab, double fraud)
{
    double rate = (fraud + L->shrink * L->prior) / (lab + L->shrink);
    uint32_t at = L->table_at[table];
    if (L->has_count[table]) {
        if (isnan(out[at]) || all > out[at])
            out[at] = (float)all;
        at++;
    }
    if (isnan(out[at]) || rate > out[at])
        out[at] = (float)rate;
}

static void assemble_detectors(const layout *L, const float *det, float *out)
{
    memcpy(out + L->det_at, det, N_DET * sizeof *out);
}

/* The feature names of a layout, given the tables' names and the CSV
 * numeric columns' names. */
static char **layout_names(const layout *L, char *const *table_names, char *const *extra_num_names)
{
    char **names = calloc(L->n_features, sizeof *names);
    if (!names)
        return NULL;
    bw_buf b = {0};
    for (uint32_t i = 0; i < N_NUM; i++)
        names[i] = strdup(NUM_NAMES[i]);
    for (uint32_t t = 0; t < L->n_tables; t++) {
        const char *prefix = t < N_FIXED ? "" : "csv:";
        const char *sep = t < N_FIXED ? "_" : ":";
        uint32_t at = L->table_at[t];
        if (L->has_count[t]) {
            b.n = 0;
            bw_buf_printf(&b, "%s%s%scount", prefix, table_names[t], sep);
            names[at++] = strdup(bw_buf_cstr(&b));
        }
        b.n = 0;
        bw_buf_printf(&b, "%s%s%srate", prefix, table_names[t], sep);
        names[at] = strdup(bw_buf_cstr(&b));
    }
    for (uint32_t i = 0; i < L->n_extra_num; i++) {
        b.n = 0;
        bw_buf_printf(&b, "csv:%s", extra_num_names[i]);
        names[L->extra_at + i] = strdup(bw_buf_cstr(&b));
    }
    for (uint32_t i = 0; i < N_DET; i++)
        names[L->det_at + i] = strdup(DET_NAMES[i]);
    bw_buf_free(&b);
    for (uint32_t i = 0; i < L->n_features; i++)
        if (!names[i]) {
            for (uint32_t j = 0; j < L->n_features; j++)
                free(names[j]);
            free(names);
            return NULL;
        }
    return names;
}

static void free_strings(char **v, uint32_t n)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- the model ------------------------------------------------------------------------ */

/* What a CSV column becomes in a model. */
enum { COLUMN_TABLE = 0, COLUMN_NUMBER = 1 };

struct bw_model {
    layout L;
    uint32_t n_tables;           /* N_FIXED + CSV categorical columns */
    char **table_names;
    uint32_t n_extra_num;
    char **extra_num_names;
    char **names;                /* L.n_features */
    dict keys;                   /* (table, key) -> entry */
    uint32_t *stats;             /* per entry: seen, inspected, fraud */
    dict columns;                /* CSV column name -> columns_to[entry] */
    uint32_t *columns_to;        /* kind << 31 | index */
    uint32_t folds;
    bool fx;                     /* values were converted to euros in training */
    double red, yellow;
    bw_train_report info;
    BoosterHandle booster;
    unsigned char *xgb;          /* the trees as saved (UBJSON) */
    size_t xgb_n;
};

void bw_model_free(bw_model *m)
{
    if (!m)
        return;
    layout_free(&m->L);
    free_strings(m->table_names, m->n_tables);
    free_strings(m->extra_num_names, m->n_extra_num);
    free_strings(m->names, m->L.n_features);
    dict_free(&m->keys);
    free(m->stats);
    dict_free(&m->columns);
    free(m->columns_to);
    if (m->booster)
        XGBoosterFree(m->booster);
    free(m->xgb);
    free(m);
}

uint32_t bw_model_n_features(const bw_model *m) { return m->L.n_features; }
const char *bw_model_feature_name(const bw_model *m, uint32_t i) { return i < m->L.n_features ? m->names[i] : NULL; }
double bw_model_red(const bw_model *m) { return m->red; }
double bw_model_yellow(const bw_model *m) { return m->yellow; }
double bw_model_prior(const bw_model *m) { return m->L.prior; }
bool bw_model_uses_fx(const bw_model *m) { return m->fx; }

/* The column dictionary: which CSV column feeds which table or number. */
static bool model_index_columns(bw_model *m)
{
    uint32_t n = m->n_tables - N_FIXED + m->n_extra_num;
    m->columns_to = calloc(n + 1, sizeof *m->columns_to);
    if (!m->columns_to)
        return false;
    for (uint32_t t = N_FIXED; t < m->n_tables; t++) {
        uint32_t e = dict_intern(&m->columns, 0, m->table_names[t], strlen(m->table_names[t]));
        if (e == NO_ENTRY || e >= n)
            return false;
        m->columns_to[e] = COLUMN_TABLE << 31 | t;
    }
    for (uint32_t i = 0; i < m->n_extra_num; i++) {
        uint32_t e = dict_intern(&m->columns, 0, m->extra_num_names[i], strlen(m->extra_num_names[i]));
        if (e == NO_ENTRY || e >= n)
            return false;
        m->columns_to[e] = (uint32_t)COLUMN_NUMBER << 31 | i;
    }
    return true;
}

typedef struct score_ctx {
    const bw_model *m;
    float *out;
} score_ctx;

static void score_key(void *ctx, uint32_t table, const char *s, size_t n)
{
    score_ctx *c = ctx;
    uint32_t e = dict_find(&c->m->keys, table, s, n);
    const uint32_t *st = e == NO_ENTRY ? NULL : c->m->stats + 3 * (size_t)e;
    apply_key(&c->m->L, c->out, table, st ? st[0] : 0, st ? st[1] : 0, st ? st[2] : 0);
}

void bw_model_features(const bw_model *m, const bw_refdata *rd, const bw_model_input *in,
                       const bw_risk_result *detectors, float *out)
{
    float num[N_NUM], det[N_DET];
    declaration_numbers(m->fx ? rd : NULL, in, num); /* as in training */
    assemble_start(&m->L, num, out);
    score_ctx c = {m, out};
    declaration_keys(in->decl, score_key, &c);
    for (uint32_t i = 0; i < in->n_extra; i++) {
        const char *v = in->extra_values ? in->extra_values[i] : NULL;
        if (!v || !*v || !in->extra_names[i])
            continue;
        uint32_t e = dict_find(&m->columns, 0, in->extra_names[i], strlen(in->extra_names[i]));
        if (e == NO_ENTRY)
            continue; /* a column the model was not trained with */
        uint32_t to = m->columns_to[e], index = to & 0x7fffffffu;
        double x;
        if (to >> 31 == COLUMN_NUMBER)
            out[m->L.extra_at + index] = parse_number(v, strlen(v), &x) ? (float)x : NAN;
        else
            score_key(&c, index, v, strlen(v));
    }
    detector_points(detectors, det);
    assemble_detectors(&m->L, det, out);
}

void bw_model_row_features(const bw_model *m, const bw_refdata *rd, const bw_model_input *in,
                           bw_model_detect_fn detect, void *ctx, float *out)
{
    if (!detect) {
        bw_model_features(m, rd, in, NULL, out);
        return;
    }
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result r;
    bw_risk_result_init(&r, &a);
    bool ran = detect(ctx, in->decl, &r);
    bw_model_features(m, rd, in, ran ? &r : NULL, out);
    bw_arena_free(&a);
}

bw_model_input bw_model_input_of(const bw_hist_row *row)
{
    return (bw_model_input){row->decl, row->has_time, row->when, row->extra_names, row->extra_values, row->n_extra};
}

bw_lane bw_model_lane(double score, double red, double yellow)
{
    return score >= red ? BW_LANE_RED : score >= yellow ? BW_LANE_YELLOW : BW_LANE_GREEN;
}

/* ---- XGBoost ------------------------------------------------------------------------ */

static bool xgb_ok(int rc, const char *what, char *err, size_t errlen)
{
    if (rc == 0)
        return true;
    fail(err, errlen, "XGBoost, %s: %s", what, XGBGetLastError());
    return false;
}

/* XGBoost's "nthread" does not reach every parallel loop it runs (1.7:
 * measured, a second OpenMP thread spinning beside training took eight
 * times the CPU of the work itself on a shared two-core machine), so the
 * OpenMP default is set to the same count.  OpenMP is XGBoost's
 * dependency, not ours: found at run time, and nothing happens without it. */
static void limit_openmp(unsigned threads)
{
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set)
        set((int)(threads ? threads : 1));
}

static bool set_threads(BoosterHandle b, unsigned threads)
{
    char v[16];
    snprintf(v, sizeof v, "%u", threads ? threads : 1);
    limit_openmp(threads);
    return XGBoosterSetParam(b, "nthread", v) == 0;
}

void bw_model_set_threads(bw_model *m, unsigned threads)
{
    if (m->booster)
        set_threads(m->booster, threads);
}

/* Keeps the k largest positive contributions of one row, largest first. */
static void top_reasons(const float *contrib, const float *x, uint32_t nf, bw_model_reason *r, unsigned k, bool exact)
{
    for (unsigned j = 0; j < k; j++)
        r[j] = (bw_model_reason){UINT32_MAX, NAN, 0, exact};
    for (uint32_t f = 0; f < nf; f++) { /* the last column is the bias: not a reason */
        float c = contrib[f];
        if (!(c > 0) || c <= r[k - 1].contribution)
            continue;
        unsigned j = k - 1;
        while (j > 0 && r[j - 1].contribution < c) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = (bw_model_reason){f, x[f], c, exact};
    }
}

static const char *predict_config(int type)
{
    switch (type) {
    case 0: return "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}";
    case 2: return "{\"type\":2,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}";
    default: return "{\"type\":3,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}";
    }
}

/* Contributions (type 2 exact, 3 fast) of the rows rows[0..n) of x (all
 * rows when rows is NULL), into their reasons. */
static bool explain_rows(const bw_model *m, const float *x, const size_t *rows, size_t n, int type,
                         bw_model_reason *reasons, unsigned k, char *err, size_t errlen)
{
    uint32_t nf = m->L.n_features;
    float *sub = NULL;
    if (rows) {
        if (!(sub = malloc(n * nf * sizeof *sub))) {
            fail(err, errlen, "out of memory");
            return false;
        }
        for (size_t i = 0; i < n; i++)
            memcpy(sub + i * nf, x + rows[i] * nf, nf * sizeof *sub);
    }
    const float *at = sub ? sub : x;
    DMatrixHandle dm;
    bst_ulong const *shape;
    bst_ulong dim;
    float const *res;
    bool ok = xgb_ok(XGDMatrixCreateFromMat_omp(at, n, nf, NAN, &dm, 1), "matrix", err, errlen);
    if (ok) {
        ok = xgb_ok(XGBoosterPredictFromDMatrix(m->booster, dm, predict_config(type), &shape, &dim, &res),
                    "contributions", err, errlen);
        for (size_t i = 0; ok && i < n; i++) {
            size_t r = rows ? rows[i] : i;
            top_reasons(res + i * (nf + 1), x + r * nf, nf, reasons + r * k, k, type == 2);
        }
        XGDMatrixFree(dm);
    }
    free(sub);
    return ok;
}

bool bw_model_predict(const bw_model *m, const float *x, size_t n, float *scores, bw_model_reason *reasons,
                      unsigned k, double exact_from, char *err, size_t errlen)
{
    if (n == 0)
        return true;
    uint32_t nf = m->L.n_features;
    DMatrixHandle dm;
    if (!xgb_ok(XGDMatrixCreateFromMat_omp(x, n, nf, NAN, &dm, 1), "matrix", err, errlen))
        return false;
    bst_ulong const *shape;
    bst_ulong dim;
    float const *res;
    bool ok = xgb_ok(XGBoosterPredictFromDMatrix(m->booster, dm, predict_config(0), &shape, &dim, &res), "predict",
                     err, errlen);
    if (ok)
        memcpy(scores, res, n * sizeof *scores);
    XGDMatrixFree(dm);
    if (!ok || !reasons || !k)
        return ok;
    size_t *exact = malloc(n * sizeof *exact), n_exact = 0;
    if (!exact) {
        fail(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (scores[i] >= exact_from)
            exact[n_exact++] = i;
    if (n_exact < n) /* fast for all, then exact over it where wanted */
        ok = explain_rows(m, x, NULL, n, 3, reasons, k, err, errlen);
    if (ok && n_exact)
        ok = explain_rows(m, x, n_exact < n ? exact : NULL, n_exact, 2, reasons, k, err, errlen);
    free(exact);
    return ok;
}

/* A float as JSON: four decimals, null when missing. */
static void put_float(bw_buf *b, double v)
{
    if (!isfinite(v))
        bw_buf_puts(b, "null");
    else if (fabs(v) < 9e14)
        bw_buf_put_fixed(b, llround(v * 10000), 4);
    else
        bw_buf_put_i64(b, llround(v));
}

void bw_model_explain(const bw_model *m, const bw_model_reason *reasons, unsigned k, bw_risk_result *r)
{
    bw_buf ev = {0}, why = {0};
    for (unsigned j = 0; j < k; j++) {
        const bw_model_reason *x = &reasons[j];
        if (x->feature >= m->L.n_features || !(x->contribution > 0))
            continue;
        const char *name = m->names[x->feature];
        ev.n = 0;
        bw_buf_puts(&ev, "{\"feature\":");
        bw_buf_put_json_str(&ev, name, strlen(name));
        bw_buf_puts(&ev, ",\"value\":");
        put_float(&ev, x->value);
        bw_buf_puts(&ev, ",\"contribution\":");
        put_float(&ev, x->contribution);
        bw_buf_puts(&ev, x->exact ? ",\"method\":\"treeshap\"}" : ",\"method\":\"saabas\"}");
        why.n = 0;
        bw_buf_puts(&why, "the learned model scores ");
        bw_buf_puts(&why, name);
        bw_buf_puts(&why, " = ");
        put_float(&why, x->value);
        bw_buf_puts(&why, " as a sign of risk");
        double points = x->contribution * 100;
        int32_t score = points > 1e9 ? 1000000000 : (int32_t)lround(points);
        bw_risk_add(r, "model.feature", name, NULL, bw_buf_cstr(&why), bw_buf_cstr(&ev), score, BW_LANE_NONE);
    }
    bw_buf_free(&ev);
    bw_buf_free(&why);
}

/* ---- training --------------------------------------------------------------------- */

/* One history row, reduced to what does not depend on labels. */
typedef struct trow {
    float num[N_NUM];
    float det[N_DET];
    uint64_t line;
    bw_time when;
    size_t key_off;          /* its keys: row_keys[key_off .. key_off + key_n) */
    uint32_t key_n;
    int8_t label;            /* -1 unlabelled, 0, 1 */
    uint8_t fold;
    bool validation;         /* from the validation file, or after the cut */
    bool has_time;
} trow;

struct bw_trainer {
    bw_model_params p;
    const bw_refdata *rd;
    dict keys;               /* tables: N_FIXED fixed, then N_FIXED + CSV column */
    uint32_t *last_row;      /* per entry: the row that last took it, + 1 */
    size_t last_cap;
    trow *rows;
    size_t n, cap;
    uint32_t *row_keys;
    size_t nk, capk;
    char *extra_names[MAX_EXTRAS];
    uint32_t n_extra;
    const char *const *cache_names; /* the last input's column names ... */
    uint32_t cache_n;
    int32_t *cache_map;      /* ... and their CSV column index, -1 ignored */
    bool any_validation;
    bw_arena scratch;
    float *matrix;           /* after finish: the training rows' features */
    size_t matrix_rows;
};

void bw_model_params_default(bw_model_params *p)
{
    *p = (bw_model_params){
        .folds = 5, .shrink = 20, .max_rounds = 500, .patience = 30, .max_depth = 6, .eta = 0.1,
        .validation_share = 0.2, .threads = 1, .seed = 1, .red = 0.5, .yellow = 0.2,
    };
}

bw_trainer *bw_trainer_new(const bw_model_params *p, const bw_refdata *rd)
{
    bw_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->p = *p;
    limit_openmp(p->threads);
    if (t->p.folds < 2)
        t->p.folds = 2;
    if (t->p.folds > 20)
        t->p.folds = 20;
    t->rd = rd;
    dict_init(&t->keys);
    bw_arena_init(&t->scratch);
    return t;
}

void bw_trainer_free(bw_trainer *t)
{
    if (!t)
        return;
    dict_free(&t->keys);
    free(t->last_row);
    free(t->rows);
    free(t->row_keys);
    for (uint32_t i = 0; i < t->n_extra; i++)
        free(t->extra_names[i]);
    free(t->cache_map);
    bw_arena_free(&t->scratch);
    free(t->matrix);
    free(t);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return false;
    memset((char *)q + *cap * size, 0, (n - *cap) * size); /* new slots start empty */
    *p = q;
    *cap = n;
    return true;
}

typedef struct train_ctx {
    bw_trainer *t;
    uint32_t row;
    bool ok;
} train_ctx;

static void train_key(void *ctx, uint32_t table, const char *s, size_t n)
{
    train_ctx *c = ctx;
    bw_trainer *t = c->t;
    uint32_t e = dict_intern(&t->keys, table, s, n);
    if (e == NO_ENTRY || !grow((void **)&t->last_row, &t->last_cap, t->keys.n, sizeof *t->last_row) ||
        !grow((void **)&t->row_keys, &t->capk, t->nk + 1, sizeof *t->row_keys)) {
        c->ok = false;
        return;
    }
    if (t->last_row[e] == c->row + 1)
        return; /* a row counts once per key */
    t->last_row[e] = c->row + 1;
    t->row_keys[t->nk++] = e;
}

/* Which CSV column (trainer index) each of the input's columns is; new
 * columns are learned from the training history only. */
static bool map_extras(bw_trainer *t, const bw_model_input *in, bool validation)
{
    if (in->extra_names == t->cache_names && in->n_extra == t->cache_n)
        return true;
    int32_t *map = realloc(t->cache_map, (in->n_extra + 1) * sizeof *map);
    if (!map)
        return false;
    t->cache_map = map;
    for (uint32_t i = 0; i < in->n_extra; i++) {
        map[i] = -1;
        for (uint32_t j = 0; j < t->n_extra; j++)
            if (!strcmp(t->extra_names[j], in->extra_names[i]))
                map[i] = (int32_t)j;
        if (map[i] < 0 && !validation && t->n_extra < MAX_EXTRAS) {
            t->extra_names[t->n_extra] = strdup(in->extra_names[i]);
            if (!t->extra_names[t->n_extra])
                return false;
            map[i] = (int32_t)t->n_extra++;
        }
    }
    t->cache_names = in->extra_names;
    t->cache_n = in->n_extra;
    return true;
}

bool bw_trainer_add(bw_trainer *t, const bw_model_input *in, int label, bool validation, uint64_t line,
                    char *err, size_t errlen)
{
    if (validation && label < 0)
        return true; /* nothing to validate against */
    if (!grow((void **)&t->rows, &t->cap, t->n + 1, sizeof *t->rows) || t->n >= UINT32_MAX - 1) {
        fail(err, errlen, "out of memory at %zu rows", t->n);
        return false;
    }
    trow *r = &t->rows[t->n];
    memset(r, 0, sizeof *r);
    r->line = line;
    r->label = (int8_t)(label < 0 ? -1 : label ? 1 : 0);
    r->validation = validation;
    r->has_time = in->has_time;
    r->when = in->when;
    t->any_validation |= validation;
    declaration_numbers(t->rd, in, r->num);
    if (t->p.detect) {
        bw_arena_reset(&t->scratch);
        bw_risk_result res;
        bw_risk_result_init(&res, &t->scratch);
        detector_points(t->p.detect(t->p.detect_ctx, in->decl, &res) ? &res : NULL, r->det);
    } else {
        detector_points(NULL, r->det);
    }
    train_ctx c = {t, (uint32_t)t->n, true};
    r->key_off = t->nk;
    declaration_keys(in->decl, train_key, &c);
    if (in->n_extra && !map_extras(t, in, validation))
        c.ok = false;
    for (uint32_t i = 0; c.ok && i < in->n_extra; i++)
        if (t->cache_map[i] >= 0 && in->extra_values[i] && *in->extra_values[i])
            train_key(&c, N_FIXED + (uint32_t)t->cache_map[i], in->extra_values[i], strlen(in->extra_values[i]));
    if (!c.ok) {
        fail(err, errlen, "out of memory at %zu rows", t->n);
        return false;
    }
    r->key_n = (uint32_t)(t->nk - r->key_off);
    t->n++;
    return true;
}

const float *bw_trainer_matrix(const bw_trainer *t, size_t *rows)
{
    *rows = t->matrix_rows;
    return t->matrix;
}

static int cmp_time(const void *a, const void *b)
{
    bw_time x = *(const bw_time *)a, y = *(const bw_time *)b;
    return x < y ? -1 : x > y;
}

/* Without a validation file: the labelled rows of the latest share of the
 * history by date validate; everything from that date on is left out of
 * the training period's statistics. */
static bool split_by_date(bw_trainer *t, bw_train_report *rep, char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->rows[i].label < 0)
            continue;
        if (!t->rows[i].has_time) {
            fail(err, errlen,
                 "line %llu: a labelled row without a date (order.date, transport.expected_arrival or "
                 "payment.date); give --validation FILE, or dates",
                 (unsigned long long)t->rows[i].line);
            return false;
        }
        n++;
    }
    bw_time *times = malloc((n + 1) * sizeof *times);
    if (!times) {
        fail(err, errlen, "out of memory");
        return false;
    }
    n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].label >= 0)
            times[n++] = t->rows[i].when;
    qsort(times, n, sizeof *times, cmp_time);
    double share = t->p.validation_share > 0 && t->p.validation_share < 1 ? t->p.validation_share : 0.2;
    size_t at = (size_t)((double)n * (1 - share));
    bw_time cut = n ? times[at < n ? at : n - 1] : 0;
    bool spread = n >= 2 && times[0] < cut;
    free(times);
    if (!spread) {
        fail(err, errlen, "cannot split the history by date (%zu labelled rows%s); give --validation FILE", n,
             n >= 2 ? ", all on one date" : "");
        return false;
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->rows[i].has_time && t->rows[i].when >= cut)
            t->rows[i].validation = true;
    rep->split_by_date = true;
    rep->cut = cut;
    return true;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* What training needs besides the trainer: counts per (entry, fold), the
 * CSV columns' types, and the model being built. */
typedef struct fit {
    uint32_t folds;
    uint32_t *cnt;           /* ((entry * (folds + 1)) + fold) * 3 + {seen, inspected, fraud}; fold == folds: all */
    int32_t *column_to;      /* per CSV column: model table (>= 0), or -(numeric index) - 1 */
    float *entry_num;        /* per entry of a numeric column: its value */
    bw_model *m;
} fit;

static uint32_t *counts_of(const fit *f, uint32_t entry, uint32_t fold)
{
    return f->cnt + ((size_t)entry * (f->folds + 1) + fold) * 3;
}

/* Assigns folds and counts every key of the training period. */
static bool count_keys(bw_trainer *t, fit *f, bw_train_report *rep)
{
    f->cnt = calloc((size_t)t->keys.n * (f->folds + 1) * 3 + 3, sizeof *f->cnt);
    if (!f->cnt)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        trow *r = &t->rows[i];
        if (r->validation) { /* unlabelled rows after the cut count nowhere */
            rep->validation_rows += r->label >= 0;
            rep->validation_frauds += r->label == 1;
            continue;
        }
        r->fold = (uint8_t)(splitmix64(t->p.seed * 0x100000001b3ull + i) % f->folds);
        if (r->label < 0)
            rep->unlabelled_rows++;
        else {
            rep->train_rows++;
            rep->train_frauds += r->label == 1;
        }
        for (uint32_t k = 0; k < r->key_n; k++) {
            uint32_t e = t->row_keys[r->key_off + k];
            uint32_t *c[2] = {counts_of(f, e, r->fold), counts_of(f, e, f->folds)};
            for (int j = 0; j < 2; j++) {
                c[j][0]++;
                c[j][1] += r->label >= 0;
                c[j][2] += r->label == 1;
            }
        }
    }
    return true;
}

/* A CSV column is numeric when every value it takes parses as a number. */
static bool type_columns(bw_trainer *t, fit *f, uint32_t *n_cat, uint32_t *n_num)
{
    bool *categorical = calloc(t->n_extra + 1, sizeof *categorical);
    bool *seen = calloc(t->n_extra + 1, sizeof *seen);
    f->column_to = calloc(t->n_extra + 1, sizeof *f->column_to);
    f->entry_num = calloc((size_t)t->keys.n + 1, sizeof *f->entry_num);
    if (!categorical || !seen || !f->column_to || !f->entry_num) {
        free(categorical);
        free(seen);
        return false;
    }
    for (uint32_t e = 0; e < t->keys.n; e++) {
        const dict_entry *d = &t->keys.e[e];
        if (d->table < N_FIXED)
            continue;
        double v;
        uint32_t col = d->table - N_FIXED;
        seen[col] = true;
        if (parse_number(d->s, d->n, &v))
            f->entry_num[e] = (float)v;
        else
            categorical[col] = true;
    }
    *n_cat = *n_num = 0;
    for (uint32_t c = 0; c < t->n_extra; c++)
        f->column_to[c] = categorical[c] || !seen[c] ? (int32_t)(N_FIXED + (*n_cat)++) : -(int32_t)(++*n_num);
    free(categorical);
    free(seen);
    return true;
}

/* A row's feature vector: out of fold for the training period, the whole
 * period's statistics for validation rows. */
static void fit_row(const bw_trainer *t, const fit *f, const trow *r, float *out)
{
    const layout *L = &f->m->L;
    assemble_start(L, r->num, out);
    bool oof = !r->validation;
    double scale = (double)f->folds / (double)(f->folds - 1);
    for (uint32_t k = 0; k < r->key_n; k++) {
        uint32_t e = t->row_keys[r->key_off + k];
        uint32_t table = t->keys.e[e].table;
        if (table >= N_FIXED) {
            int32_t to = f->column_to[table - N_FIXED];
            if (to < 0) {
                out[L->extra_at + (uint32_t)(-to - 1)] = f->entry_num[e];
                continue;
            }
            table = (uint32_t)to;
        }
        const uint32_t *all = counts_of(f, e, f->folds);
        if (oof) {
            const uint32_t *own = counts_of(f, e, r->fold);
            apply_key(L, out, table, (all[0] - own[0]) * scale, all[1] - own[1], all[2] - own[2]);
        } else {
            apply_key(L, out, table, all[0], all[1], all[2]);
        }
    }
    assemble_detectors(L, r->det, out);
}

/* The model's names and tables: the fixed ones, then the CSV columns. */
static bool fit_model(bw_trainer *t, fit *f, uint32_t n_cat, uint32_t n_num, double prior)
{
    bw_model *m = f->m = calloc(1, sizeof *m);
    if (!m)
        return false;
    dict_init(&m->keys);
    dict_init(&m->columns);
    m->n_tables = N_FIXED + n_cat;
    m->n_extra_num = n_num;
    m->table_names = calloc(m->n_tables + 1, sizeof *m->table_names);
    m->extra_num_names = calloc(n_num + 1, sizeof *m->extra_num_names);
    if (!m->table_names || !m->extra_num_names)
        return false;
    for (uint32_t i = 0; i < N_FIXED; i++)
        if (!(m->table_names[i] = strdup(TABLE_NAMES[i])))
            return false;
    for (uint32_t c = 0; c < t->n_extra; c++) {
        int32_t to = f->column_to[c];
        char **slot = to >= 0 ? &m->table_names[to] : &m->extra_num_names[-to - 1];
        if (!(*slot = strdup(t->extra_names[c])))
            return false;
    }
    m->folds = f->folds;
    m->fx = t->rd && bw_fx_loaded(t->rd);
    m->red = t->p.red;
    m->yellow = t->p.yellow;
    if (!layout_init(&m->L, m->n_tables, n_num, prior, t->p.shrink) ||
        !(m->names = layout_names(&m->L, m->table_names, m->extra_num_names)) || !model_index_columns(m))
        return false;
    return true;
}

/* The training period's statistics of every categorical key, for scoring. */
static bool fit_stats(bw_trainer *t, fit *f)
{
    bw_model *m = f->m;
    size_t cap = 0;
    for (uint32_t e = 0; e < t->keys.n; e++) {
        const dict_entry *d = &t->keys.e[e];
        const uint32_t *all = counts_of(f, e, f->folds);
        uint32_t table = d->table;
        if (all[0] == 0)
            continue; /* seen only in the validation period */
        if (table >= N_FIXED) {
            if (f->column_to[table - N_FIXED] < 0)
                continue;
            table = (uint32_t)f->column_to[table - N_FIXED];
        }
        uint32_t me = dict_intern(&m->keys, table, d->s, d->n);
        if (me == NO_ENTRY || !grow((void **)&m->stats, &cap, 3 * ((size_t)me + 1), sizeof *m->stats))
            return false;
        memcpy(m->stats + 3 * (size_t)me, all, 3 * sizeof *all);
    }
    return true;
}

/* The value of "name:" in XGBoost's evaluation line, or NaN. */
static double eval_value(const char *line, const char *name)
{
    const char *p = strstr(line, name);
    return p ? strtod(p + strlen(name), NULL) : NAN;
}

/* The trees start from the training period's fraud rate (not XGBoost's
 * 0.5), so that a model stopped after few rounds is still calibrated
 * around the truth and lane thresholds mean what they say. */
static bool set_params(BoosterHandle b, const bw_model_params *p, double prior, double scale_pos)
{
    char v[64];
    int rc = XGBoosterSetParam(b, "objective", "binary:logistic");
    rc |= XGBoosterSetParam(b, "eval_metric", "auc");
    rc |= XGBoosterSetParam(b, "eval_metric", "aucpr");
    rc |= XGBoosterSetParam(b, "eval_metric", "logloss");
    snprintf(v, sizeof v, "%.9g", scale_pos > 0 ? 0.5 : prior);
    rc |= XGBoosterSetParam(b, "base_score", v);
    rc |= XGBoosterSetParam(b, "tree_method", "hist");
    rc |= XGBoosterSetParam(b, "verbosity", "0");
    snprintf(v, sizeof v, "%u", p->max_depth ? p->max_depth : 6);
    rc |= XGBoosterSetParam(b, "max_depth", v);
    snprintf(v, sizeof v, "%.6g", p->eta > 0 ? p->eta : 0.1);
    rc |= XGBoosterSetParam(b, "eta", v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)(p->seed % 2147483647u));
    rc |= XGBoosterSetParam(b, "seed", v);
    rc |= XGBoosterSetParam(b, "subsample", "0.8");
    rc |= XGBoosterSetParam(b, "colsample_bytree", "0.8");
    rc |= XGBoosterSetParam(b, "min_child_weight", "1");
    if (scale_pos > 0) {
        snprintf(v, sizeof v, "%.6g", scale_pos);
        rc |= XGBoosterSetParam(b, "scale_pos_weight", v);
    }
    return rc == 0 && set_threads(b, p->threads);
}

static bool make_matrix(const float *x, const float *y, size_t n, uint32_t nf, unsigned threads, DMatrixHandle *out,
                        char *err, size_t errlen)
{
    return xgb_ok(XGDMatrixCreateFromMat_omp(x, n, nf, NAN, out, (int)(threads ? threads : 1)), "matrix", err,
                  errlen) &&
           xgb_ok(XGDMatrixSetFloatInfo(*out, "label", y, n), "labels", err, errlen);
}

/* Loads the trees from their saved bytes: what is scored is what was saved. */
static bool load_trees(bw_model *m, unsigned threads, char *err, size_t errlen)
{
    if (!xgb_ok(XGBoosterCreate(NULL, 0, &m->booster), "create", err, errlen) ||
        !xgb_ok(XGBoosterLoadModelFromBuffer(m->booster, m->xgb, m->xgb_n), "load", err, errlen))
        return false;
    bst_ulong nf = 0;
    if (!xgb_ok(XGBoosterGetNumFeature(m->booster, &nf), "features", err, errlen))
        return false;
    if (nf != m->L.n_features) {
        fail(err, errlen, "the trees use %llu features, the file names %u", (unsigned long long)nf,
             m->L.n_features);
        return false;
    }
    set_threads(m->booster, threads);
    return true;
}

/* Boosts on the training rows, evaluates on the validation rows after each
 * round, stops `patience` rounds after the best one and keeps the trees up
 * to it.  Best: the highest validation AUCPR; among equal ones the lowest
 * log loss (once a ranking is perfect, later rounds still sharpen the
 * probabilities that lanes compare with thresholds). */
static bool boost(bw_model *m, const bw_model_params *p, const float *xt, const float *yt, size_t nt,
                  const float *xv, const float *yv, size_t nv, bw_train_report *rep, char *err, size_t errlen)
{
    uint32_t nf = m->L.n_features;
    DMatrixHandle dt = NULL, dv = NULL;
    BoosterHandle b = NULL, best = NULL;
    bool ok = make_matrix(xt, yt, nt, nf, p->threads, &dt, err, errlen) &&
              make_matrix(xv, yv, nv, nf, p->threads, &dv, err, errlen);
    DMatrixHandle both[2] = {dt, dv};
    ok = ok && xgb_ok(XGBoosterCreate(both, 2, &b), "create", err, errlen);
    double pos = (double)rep->train_frauds, neg = (double)(rep->train_rows - rep->train_frauds);
    if (ok && !set_params(b, p, pos / (pos + neg), p->balance && pos > 0 ? neg / pos : 0)) {
        fail(err, errlen, "XGBoost, parameters: %s", XGBGetLastError());
        ok = false;
    }
    unsigned max_rounds = p->max_rounds ? p->max_rounds : 500, patience = p->patience ? p->patience : 30;
    double best_pr = -1, best_ll = INFINITY;
    unsigned since = 0, it = 0;
    const char *names[1] = {"validation"};
    for (; ok && it < max_rounds; it++) {
        const char *line;
        ok = xgb_ok(XGBoosterUpdateOneIter(b, (int)it, dt), "round", err, errlen) &&
             xgb_ok(XGBoosterEvalOneIter(b, (int)it, &dv, names, 1, &line), "evaluation", err, errlen);
        if (!ok)
            break;
        double auc = eval_value(line, "validation-auc:"), pr = eval_value(line, "validation-aucpr:");
        double ll = eval_value(line, "validation-logloss:");
        if (p->log)
            fprintf(p->log, "round %u: validation AUC %.4f, AUCPR %.4f, log loss %.4f\n", it + 1, auc, pr, ll);
        if (pr > best_pr + 1e-9 || (pr > best_pr - 1e-9 && ll < best_ll - 1e-9)) {
            best_pr = pr > best_pr ? pr : best_pr;
            best_ll = ll;
            rep->best_round = it;
            rep->validation_auc = auc;
            rep->validation_aucpr = pr;
            since = 0;
        } else if (++since >= patience) {
            it++;
            break;
        }
    }
    rep->rounds = it;
    bst_ulong len;
    const char *bytes;
    ok = ok && xgb_ok(XGBoosterSlice(b, 0, (int)rep->best_round + 1, 1, &best), "keeping the best round", err,
                      errlen);
    ok = ok && xgb_ok(XGBoosterSaveModelToBuffer(best, "{\"format\":\"ubj\"}", &len, &bytes), "save", err, errlen);
    if (ok && !(m->xgb = malloc(len ? len : 1))) {
        fail(err, errlen, "out of memory");
        ok = false;
    }
    if (ok) {
        memcpy(m->xgb, bytes, len);
        m->xgb_n = len;
        ok = load_trees(m, p->threads, err, errlen);
    }
    if (best)
        XGBoosterFree(best);
    if (b)
        XGBoosterFree(b);
    if (dt)
        XGDMatrixFree(dt);
    if (dv)
        XGDMatrixFree(dv);
    return ok;
}

/* The feature matrices of the training and validation rows. */
static bool fit_matrices(bw_trainer *t, fit *f, float **xt, float **yt, float **xv, float **yv,
                         const bw_train_report *rep)
{
    uint32_t nf = f->m->L.n_features;
    *xt = malloc((rep->train_rows * nf + 1) * sizeof **xt);
    *yt = malloc((rep->train_rows + 1) * sizeof **yt);
    *xv = malloc((rep->validation_rows * nf + 1) * sizeof **xv);
    *yv = malloc((rep->validation_rows + 1) * sizeof **yv);
    if (!*xt || !*yt || !*xv || !*yv)
        return false;
    size_t it = 0, iv = 0;
    for (size_t i = 0; i < t->n; i++) {
        const trow *r = &t->rows[i];
        if (r->label < 0)
            continue;
        if (r->validation) {
            fit_row(t, f, r, *xv + iv * nf);
            (*yv)[iv++] = r->label;
        } else {
            fit_row(t, f, r, *xt + it * nf);
            (*yt)[it++] = r->label;
        }
    }
    return true;
}

static bool check_classes(size_t rows, size_t frauds, const char *what, char *err, size_t errlen)
{
    if (rows && frauds && frauds < rows)
        return true;
    fail(err, errlen, "the %s has %zu labelled rows, %zu of them fraud: it needs both fraud and compliant rows "
                      "(outcome.fraud)", what, rows, frauds);
    return false;
}

bw_model *bw_trainer_finish(bw_trainer *t, bw_train_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    fit f = {.folds = t->p.folds};
    float *xt = NULL, *yt = NULL, *xv = NULL, *yv = NULL;
    uint32_t n_cat = 0, n_num = 0;
    bool ok = t->any_validation || split_by_date(t, rep, err, errlen);
    if (ok && !(ok = count_keys(t, &f, rep)))
        fail(err, errlen, "out of memory");
    ok = ok && check_classes(rep->train_rows, rep->train_frauds, "training period", err, errlen) &&
         check_classes(rep->validation_rows, rep->validation_frauds, "validation period", err, errlen);
    if (ok && !(ok = type_columns(t, &f, &n_cat, &n_num) &&
                     fit_model(t, &f, n_cat, n_num, (double)rep->train_frauds / (double)rep->train_rows) &&
                     fit_stats(t, &f) && fit_matrices(t, &f, &xt, &yt, &xv, &yv, rep)))
        fail(err, errlen, "out of memory");
    ok = ok && boost(f.m, &t->p, xt, yt, rep->train_rows, xv, yv, rep->validation_rows, rep, err, errlen);
    if (ok) {
        rep->features = f.m->L.n_features;
        f.m->info = *rep;
        free(t->matrix);
        t->matrix = xt; /* kept for bw_trainer_matrix */
        t->matrix_rows = rep->train_rows;
        xt = NULL;
    }
    free(xt);
    free(yt);
    free(xv);
    free(yv);
    free(f.cnt);
    free(f.column_to);
    free(f.entry_num);
    if (!ok) {
        bw_model_free(f.m);
        return NULL;
    }
    return f.m;
}

/* ---- the model file ----------------------------------------------------------------------
 * Little-endian throughout: magic, version, parameters, the training
 * summary, the tables' and features' names, every key's statistics, the
 * trees (XGBoost's UBJSON), and an XXH64 of all that, so a damaged or cut
 * file is refused before anything in it is trusted. */

static void put_u32(bw_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    bw_buf_put(b, x, 4);
}

static void put_u64(bw_buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_f64(bw_buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    put_u64(b, v);
}

static void put_bytes(bw_buf *b, const char *s, size_t n)
{
    put_u32(b, (uint32_t)n);
    bw_buf_put(b, s, n);
}

static void put_string(bw_buf *b, const char *s) { put_bytes(b, s, strlen(s)); }

static void put_info(bw_buf *b, const bw_train_report *r)
{
    put_u64(b, r->train_rows);
    put_u64(b, r->train_frauds);
    put_u64(b, r->validation_rows);
    put_u64(b, r->validation_frauds);
    put_u64(b, r->unlabelled_rows);
    put_u32(b, r->rounds);
    put_u32(b, r->best_round);
    put_f64(b, r->validation_auc);
    put_f64(b, r->validation_aucpr);
}

bool bw_model_save(const bw_model *m, const char *path, char *err, size_t errlen)
{
    bw_buf b = {0};
    bw_buf_put(&b, MAGIC, 8);
    put_u32(&b, FILE_VERSION);
    put_u32(&b, m->fx ? 1 : 0); /* flags */
    put_u32(&b, m->folds);
    put_f64(&b, m->L.prior);
    put_f64(&b, m->L.shrink);
    put_f64(&b, m->red);
    put_f64(&b, m->yellow);
    put_info(&b, &m->info);
    put_u32(&b, m->n_tables);
    for (uint32_t i = 0; i < m->n_tables; i++)
        put_string(&b, m->table_names[i]);
    put_u32(&b, m->n_extra_num);
    for (uint32_t i = 0; i < m->n_extra_num; i++)
        put_string(&b, m->extra_num_names[i]);
    put_u32(&b, m->L.n_features);
    for (uint32_t i = 0; i < m->L.n_features; i++)
        put_string(&b, m->names[i]);
    put_u32(&b, m->keys.n);
    for (uint32_t e = 0; e < m->keys.n; e++) {
        put_u32(&b, m->keys.e[e].table);
        put_bytes(&b, m->keys.e[e].s, m->keys.e[e].n);
        for (int j = 0; j < 3; j++)
            put_u32(&b, m->stats[3 * (size_t)e + j]);
    }
    put_u64(&b, m->xgb_n);
    bw_buf_put(&b, m->xgb, m->xgb_n);
    put_u64(&b, XXH64(b.p, b.n, 0));

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(b.p, 1, b.n, f) == b.n;
    ok = f && fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        remove(tmp);
    }
    bw_buf_free(&b);
    return ok;
}

typedef struct cursor {
    const unsigned char *p, *end;
    bool ok;
} cursor;

static bool take(cursor *c, size_t n)
{
    if (!c->ok || (size_t)(c->end - c->p) < n) {
        c->ok = false;
        return false;
    }
    return true;
}

static uint32_t get_u32(cursor *c)
{
    if (!take(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
    c->p += 4;
    return v;
}

static uint64_t get_u64(cursor *c)
{
    uint64_t lo = get_u32(c);
    return lo | (uint64_t)get_u32(c) << 32;
}

static double get_f64(cursor *c)
{
    uint64_t v = get_u64(c);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

/* A length-prefixed string as a malloc'd C string (NULL when cut short). */
static char *get_string(cursor *c)
{
    uint32_t n = get_u32(c);
    if (!take(c, n) || memchr(c->p, 0, n))
        return c->ok = false, NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return c->ok = false, NULL;
    memcpy(s, c->p, n);
    s[n] = 0;
    c->p += n;
    return s;
}

static char **get_strings(cursor *c, uint32_t n)
{
    if (!take(c, (size_t)n * 4)) /* each at least its length */
        return NULL;
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v)
        c->ok = false;
    for (uint32_t i = 0; v && i < n && c->ok; i++)
        v[i] = get_string(c);
    return v;
}

static void get_info(cursor *c, bw_train_report *r)
{
    r->train_rows = get_u64(c);
    r->train_frauds = get_u64(c);
    r->validation_rows = get_u64(c);
    r->validation_frauds = get_u64(c);
    r->unlabelled_rows = get_u64(c);
    r->rounds = get_u32(c);
    r->best_round = get_u32(c);
    r->validation_auc = get_f64(c);
    r->validation_aucpr = get_f64(c);
}

/* Tables and names must be the ones this build would compute. */
static bool check_names(const bw_model *m, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < N_FIXED; i++)
        if (strcmp(m->table_names[i], TABLE_NAMES[i])) {
            fail(err, errlen, "table %u is '%s', this build expects '%s'", i, m->table_names[i], TABLE_NAMES[i]);
            return false;
        }
    char **mine = layout_names(&m->L, m->table_names, m->extra_num_names);
    bool same = mine != NULL;
    for (uint32_t i = 0; same && i < m->L.n_features; i++)
        if (strcmp(mine[i], m->names[i])) {
            fail(err, errlen, "feature %u is '%s', this build computes '%s' there", i, m->names[i], mine[i]);
            same = false;
        }
    if (!mine)
        fail(err, errlen, "out of memory");
    free_strings(mine, m->L.n_features);
    return same;
}

static bool get_keys(cursor *c, bw_model *m, char *err, size_t errlen)
{
    uint32_t n = get_u32(c);
    if (!take(c, (size_t)n * 20)) /* table, length, three counts */
        return false;
    m->stats = malloc(((size_t)n * 3 + 3) * sizeof *m->stats);
    if (!m->stats)
        return c->ok = false;
    for (uint32_t i = 0; i < n && c->ok; i++) {
        uint32_t table = get_u32(c), len = get_u32(c);
        if (!take(c, len))
            return false;
        const char *s = (const char *)c->p;
        c->p += len;
        uint32_t st[3] = {get_u32(c), get_u32(c), get_u32(c)};
        if (table >= m->n_tables || st[2] > st[1] || st[1] > st[0]) {
            fail(err, errlen, "malformed statistics (key %u)", i);
            return c->ok = false;
        }
        uint32_t e = dict_intern(&m->keys, table, s, len);
        if (e != i) {
            fail(err, errlen, "malformed statistics (key %u twice)", i);
            return c->ok = false;
        }
        memcpy(m->stats + 3 * (size_t)e, st, sizeof st);
    }
    return c->ok;
}

static bw_model *parse_model(cursor *c, char *err, size_t errlen)
{
    bw_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    dict_init(&m->keys);
    dict_init(&m->columns);
    uint32_t flags = get_u32(c);
    m->fx = flags & 1;
    m->folds = get_u32(c);
    double prior = get_f64(c), shrink = get_f64(c);
    m->red = get_f64(c);
    m->yellow = get_f64(c);
    get_info(c, &m->info);
    m->n_tables = get_u32(c);
    bool sane = c->ok && flags <= 1 && m->folds >= 2 && m->n_tables >= N_FIXED && m->n_tables <= N_FIXED + MAX_EXTRAS && prior > 0 && prior < 1 &&
                shrink >= 0 && shrink < 1e9;
    m->table_names = sane ? get_strings(c, m->n_tables) : NULL;
    m->n_extra_num = sane ? get_u32(c) : 0;
    sane = sane && c->ok && m->n_extra_num <= MAX_EXTRAS;
    m->extra_num_names = sane ? get_strings(c, m->n_extra_num) : NULL;
    sane = sane && c->ok && layout_init(&m->L, m->n_tables, m->n_extra_num, prior, shrink);
    uint32_t nf = sane ? get_u32(c) : 0;
    if (sane && c->ok && nf != m->L.n_features) {
        fail(err, errlen, "names %u features, its tables make %u", nf, m->L.n_features);
        goto bad;
    }
    m->names = sane && c->ok ? get_strings(c, nf) : NULL;
    if (!sane || !c->ok || !check_names(m, err, errlen) || !model_index_columns(m) || !get_keys(c, m, err, errlen)) {
        if (!sane || !c->ok)
            fail(err, errlen, "malformed header");
        goto bad;
    }
    uint64_t n = get_u64(c);
    if (!c->ok || n == 0 || !take(c, n) || n != (uint64_t)(c->end - c->p)) {
        fail(err, errlen, "malformed trees section");
        goto bad;
    }
    m->xgb = malloc(n);
    if (!m->xgb)
        goto bad;
    memcpy(m->xgb, c->p, n);
    m->xgb_n = n;
    if (!load_trees(m, 1, err, errlen))
        goto bad;
    m->info.features = m->L.n_features;
    return m;
bad:
    bw_model_free(m);
    return NULL;
}

bw_model *bw_model_from_bytes(const void *p, size_t n, char *err, size_t errlen)
{
    const unsigned char *b = p;
    if (n < 8 || memcmp(b, MAGIC, 8) != 0) {
        fail(err, errlen, "not a breakwater model (no %s signature)", MAGIC);
        return NULL;
    }
    cursor c = {b + 8, b + n, true};
    uint32_t version = get_u32(&c);
    if (!c.ok || n < 8 + 4 + 8) {
        fail(err, errlen, "truncated");
        return NULL;
    }
    if (version != FILE_VERSION) {
        fail(err, errlen, "model file version %u; this build reads version %u", version, FILE_VERSION);
        return NULL;
    }
    cursor tail = {b + n - 8, b + n, true};
    if (get_u64(&tail) != XXH64(b, n - 8, 0)) {
        fail(err, errlen, "damaged or truncated (checksum mismatch)");
        return NULL;
    }
    c.end = b + n - 8;
    char why[512] = "";
    bw_model *m = parse_model(&c, why, sizeof why);
    if (!m)
        fail(err, errlen, "%s", why[0] ? why : "out of memory");
    return m;
}

bw_model *bw_model_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    bw_buf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        bw_buf_put(&b, chunk, got);
    bool read_error = ferror(f);
    fclose(f);
    char why[512];
    bw_model *m = NULL;
    if (read_error)
        snprintf(why, sizeof why, "read error");
    else
        m = bw_model_from_bytes(b.p, b.n, why, sizeof why);
    if (!m)
        fail(err, errlen, "%s: %s", path, why);
    bw_buf_free(&b);
    return m;
}
