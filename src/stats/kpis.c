/*
 * kpis.c - the KPIs of a period (stats.h, docs/statistics.md).
 *
 * One pass over the facts gives data quality per submitter, inspection and
 * hit rates per lane, the random-selection compliance rate and revenue by
 * collection model; small tables give error codes and profile hits; the
 * lifecycle's events and columns give timeliness, release times and
 * refunds - "available": false where the lifecycle has not recorded them.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/jurisdiction.h"
#include "../reference/refdata.h"
#include "stats.h"

void bw_wilson(int64_t k, int64_t n, double z, double *lo, double *hi)
{
    if (n <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double p = (double)k / (double)n, z2 = z * z, nn = (double)n;
    double denom = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / denom;
    double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

/* ---- one pass over the facts -------------------------------------------------------- */

typedef struct per_submitter {
    int64_t code, declarations, rejected, complete_sum;
} per_submitter;

typedef struct per_revenue {
    int64_t jurisdiction, collection, declarations, duty, tax;
} per_revenue;

/* code -> index + 1 into a list, open addressing (codes are ids) */
typedef struct code_index {
    int64_t *key;
    size_t *val;
    size_t cap, n;
} code_index;

static size_t *index_slot(code_index *x, int64_t key)
{
    if ((x->n + 1) * 2 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 256;
        int64_t *k = malloc(cap * sizeof *k);
        size_t *v = calloc(cap, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return NULL;
        }
        for (size_t i = 0; i < x->cap; i++)
            if (x->val[i]) {
                size_t j = (size_t)((uint64_t)x->key[i] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
                while (v[j])
                    j = (j + 1) & (cap - 1);
                k[j] = x->key[i];
                v[j] = x->val[i];
            }
        free(x->key);
        free(x->val);
        x->key = k;
        x->val = v;
        x->cap = cap;
    }
    size_t j = (size_t)((uint64_t)key * 0x9e3779b97f4a7c15ull >> 20) & (x->cap - 1);
    while (x->val[j] && x->key[j] != key)
        j = (j + 1) & (x->cap - 1);
    x->key[j] = key;
    return &x->val[j];
}

static void index_free(code_index *x)
{
    free(x->key);
    free(x->val);
}

/* Values whose median and p90 a KPI reports (lead times, release times). */
typedef struct series {
    int64_t *v;
    size_t n, cap;
    int64_t positive, total;
} series;

static bool push(series *s, int64_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int64_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return true;
}

static bool append(series *to, const series *from)
{
    for (size_t i = 0; i < from->n; i++)
        if (!push(to, from->v[i]))
            return false;
    to->positive += from->positive;
    to->total += from->total;
    return true;
}

/* The k-th smallest (0-based) of v[0..n), reordering v: a quickselect, so
 * the percentiles of ten million lead times cost a pass or two, not a
 * sort. */
static int64_t kth(int64_t *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
        int64_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b); /* median of three */
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i] = v[j], v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Nearest-rank percentile. */
static int64_t percentile(series *s, int pct)
{
    size_t rank = ((size_t)pct * s->n + 99) / 100;
    return kth(s->v, s->n, rank ? rank - 1 : 0);
}

typedef struct tally {
    code_index sub_index, rev_index;
    int64_t jurisdiction;                 /* filter code, 0 none */
    const bw_kpi_query *q;
    per_submitter *subs;
    size_t n_subs, cap_subs;
    per_revenue *rev;
    size_t n_rev, cap_rev;
    int64_t lane_decl[5], lane_inspected[5], lane_found[5];
    int64_t random_selected, random_inspected, random_compliant;
    int64_t declarations;
    series lead_loading, lead_arrival;    /* timeliness, per declaration */
} tally;

static per_submitter *submitter(tally *t, int64_t code)
{
    size_t *slot = index_slot(&t->sub_index, code);
    if (!slot)
        return NULL;
    if (*slot)
        return &t->subs[*slot - 1];
    if (t->n_subs == t->cap_subs) {
        t->cap_subs = t->cap_subs ? t->cap_subs * 2 : 64;
        per_submitter *p = realloc(t->subs, t->cap_subs * sizeof *p);
        if (!p)
            return NULL;
        t->subs = p;
    }
    t->subs[t->n_subs] = (per_submitter){.code = code};
    t->sub_index.n++;
    *slot = ++t->n_subs;
    return &t->subs[t->n_subs - 1];
}

static per_revenue *revenue(tally *t, int64_t jur, int64_t model)
{
    size_t *slot = index_slot(&t->rev_index, jur * 8 + model);
    if (!slot)
        return NULL;
    if (*slot)
        return &t->rev[*slot - 1];
    if (t->n_rev == t->cap_rev) {
        t->cap_rev = t->cap_rev ? t->cap_rev * 2 : 16;
        per_revenue *p = realloc(t->rev, t->cap_rev * sizeof *p);
        if (!p)
            return NULL;
        t->rev = p;
    }
    t->rev[t->n_rev] = (per_revenue){.jurisdiction = jur, .collection = model};
    t->rev_index.n++;
    *slot = ++t->n_rev;
    return &t->rev[t->n_rev - 1];
}

static bool each_chunk(void *ctx, const bw_stats_chunk *c)
{
    tally *t = ctx;
    const int64_t *const *v = c->col;
    for (uint32_t i = 0; i < c->n; i++) {
        int32_t day = (int32_t)v[BW_FC_DAY][i];
        if (v[BW_FC_DEAD][i] || day < t->q->day_from || day > t->q->day_to ||
            (t->jurisdiction && v[BW_FC_JURISDICTION][i] != t->jurisdiction))
            continue;
        bool accepted = v[BW_FC_STATUS][i] == 1;
        if (accepted) { /* revenue of every item */
            per_revenue *r = revenue(t, v[BW_FC_JURISDICTION][i], v[BW_FC_COLLECTION][i]);
            if (!r)
                return false;
            r->declarations += v[BW_FC_FIRST][i];
            r->duty += v[BW_FC_DUTY][i];
            r->tax += v[BW_FC_TAX][i];
        }
        if (!v[BW_FC_FIRST][i])
            continue; /* the rest counts declarations */
        t->declarations++;
        int64_t ll = v[BW_FC_LEAD_LOADING][i], la = v[BW_FC_LEAD_ARRIVAL][i];
        if (ll != BW_LEAD_NONE && !push(&t->lead_loading, ll))
            return false;
        if (la != BW_LEAD_NONE && !push(&t->lead_arrival, la))
            return false;
        t->lead_loading.positive += ll != BW_LEAD_NONE && ll > 0; /* a negative lead: the data came late */
        t->lead_arrival.positive += la != BW_LEAD_NONE && la > 0;
        per_submitter *s = submitter(t, v[BW_FC_SUBMITTER][i]);
        if (!s)
            return false;
        s->declarations++;
        s->rejected += !accepted;
        s->complete_sum += v[BW_FC_COMPLETE][i];
        int64_t lane = v[BW_FC_LANE][i], insp = v[BW_FC_INSPECTION][i];
        if (lane >= 0 && lane < 5) {
            t->lane_decl[lane]++;
            t->lane_inspected[lane] += insp > 0;
            t->lane_found[lane] += insp > 1;
        }
        if (v[BW_FC_RANDOM][i]) {
            t->random_selected++;
            t->random_inspected += insp > 0;
            t->random_compliant += insp == 1;
        }
    }
    return true;
}

/* Adds what another thread counted into t. */
static bool merge(tally *t, const tally *o)
{
    for (size_t i = 0; i < o->n_subs; i++) {
        per_submitter *s = submitter(t, o->subs[i].code);
        if (!s)
            return false;
        s->declarations += o->subs[i].declarations;
        s->rejected += o->subs[i].rejected;
        s->complete_sum += o->subs[i].complete_sum;
    }
    for (size_t i = 0; i < o->n_rev; i++) {
        per_revenue *r = revenue(t, o->rev[i].jurisdiction, o->rev[i].collection);
        if (!r)
            return false;
        r->declarations += o->rev[i].declarations;
        r->duty += o->rev[i].duty;
        r->tax += o->rev[i].tax;
    }
    for (int l = 0; l < 5; l++) {
        t->lane_decl[l] += o->lane_decl[l];
        t->lane_inspected[l] += o->lane_inspected[l];
        t->lane_found[l] += o->lane_found[l];
    }
    t->random_selected += o->random_selected;
    t->random_inspected += o->random_inspected;
    t->random_compliant += o->random_compliant;
    t->declarations += o->declarations;
    return true;
}

/* ---- output helpers --------------------------------------------------------------------- */

static void put_rate(bw_buf *b, const char *key, int64_t k, int64_t n)
{
    if (n > 0)
        bw_buf_printf(b, ",\"%s\":%.6f", key, (double)k / (double)n);
    else
        bw_buf_printf(b, ",\"%s\":null", key);
}

typedef struct codes {
    int64_t *code;
    char **text;
    size_t n, cap;
} codes;

static void add_code(void *ctx, int dim, int64_t code, const char *text)
{
    codes *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->code = realloc(c->code, c->cap * sizeof *c->code);
        c->text = realloc(c->text, c->cap * sizeof *c->text);
    }
    c->code[c->n] = code;
    c->text[c->n++] = strdup(text ? text : "");
    (void)dim;
}

static const char *text_of(const codes *c, int64_t code)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->code[i] == code)
            return c->text[i];
    return "unknown";
}

static void free_codes(codes *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->text[i]);
    free(c->code);
    free(c->text);
}

typedef struct error_ctx {
    bw_buf *b;
    const char *submitter;
    int n;
} error_ctx;

static void put_error(void *ctx, const char *a, const char *code, int64_t n)
{
    error_ctx *e = ctx;
    if (strcmp(a, e->submitter))
        return;
    bw_buf_puts(e->b, e->n++ ? "," : "");
    bw_buf_put_json_str(e->b, code, strlen(code));
    bw_buf_printf(e->b, ":%lld", (long long)n);
}

static int by_submitter(const void *a, const void *b, void *cs)
{
    return strcmp(text_of(cs, ((const per_submitter *)a)->code), text_of(cs, ((const per_submitter *)b)->code));
}

static int by_jurisdiction_model(const void *a, const void *b, void *cs)
{
    const per_revenue *x = a, *y = b;
    int c = strcmp(text_of(cs, x->jurisdiction), text_of(cs, y->jurisdiction));
    return c ? c : (x->collection > y->collection) - (x->collection < y->collection);
}

static bool put_quality(bw_store *s, tally *t, codes *cs, bw_buf *b)
{
    if (t->n_subs) /* the order of the output, not of the threads' merge */
        qsort_r(t->subs, t->n_subs, sizeof *t->subs, by_submitter, cs);
    if (t->n_rev)
        qsort_r(t->rev, t->n_rev, sizeof *t->rev, by_jurisdiction_model, cs);
    bw_buf_puts(b, "\"data_quality\":[");
    for (size_t i = 0; i < t->n_subs; i++) {
        const per_submitter *p = &t->subs[i];
        const char *name = text_of(cs, p->code);
        bw_buf_puts(b, i ? ",{\"submitter\":" : "{\"submitter\":");
        bw_buf_put_json_str(b, name, strlen(name));
        bw_buf_printf(b, ",\"declarations\":%lld,\"rejected\":%lld", (long long)p->declarations, (long long)p->rejected);
        put_rate(b, "rejection_rate", p->rejected, p->declarations);
        bw_buf_printf(b, ",\"completeness\":%.4f,\"error_codes\":{",
                      p->declarations ? (double)p->complete_sum / 100.0 / (double)p->declarations : 0.0);
        error_ctx e = {b, name, 0};
        if (!bw_store_stats_counts(s, "error", t->q->day_from, t->q->day_to, put_error, &e))
            return false;
        bw_buf_puts(b, "}}");
    }
    bw_buf_putc(b, ']');
    return true;
}

static void put_lanes(const tally *t, bw_buf *b)
{
    bw_buf_puts(b, ",\"lanes\":[");
    for (int l = 1, n = 0; l < 5; l++) {
        bw_buf_printf(b, "%s{\"lane\":\"%s\",\"declarations\":%lld,\"inspected\":%lld,\"found\":%lld", n++ ? "," : "",
                      bw_stats_lane_names[l], (long long)t->lane_decl[l], (long long)t->lane_inspected[l],
                      (long long)t->lane_found[l]);
        put_rate(b, "inspection_rate", t->lane_inspected[l], t->lane_decl[l]);
        put_rate(b, "hit_rate", t->lane_found[l], t->lane_inspected[l]);
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, ']');
}

static void put_random(const tally *t, double z, bw_buf *b)
{
    double lo, hi;
    bw_wilson(t->random_compliant, t->random_inspected, z, &lo, &hi);
    bw_buf_printf(b, ",\"random_selection\":{\"selected\":%lld,\"inspected\":%lld,\"compliant\":%lld",
                  (long long)t->random_selected, (long long)t->random_inspected, (long long)t->random_compliant);
    put_rate(b, "compliance_rate", t->random_compliant, t->random_inspected);
    if (t->random_inspected)
        bw_buf_printf(b, ",\"confidence\":%.4f,\"interval\":[%.6f,%.6f],\"method\":\"Wilson score\"}",
                      z == 1.96 ? 0.95 : erf(z / sqrt(2.0)), lo, hi);
    else
        bw_buf_puts(b, ",\"interval\":null,\"method\":\"Wilson score\"}");
}

static void put_revenue(const tally *t, const codes *cs, const bw_refdata *rd, bw_buf *b)
{
    bw_buf_puts(b, ",\"revenue_by_collection_model\":[");
    for (size_t i = 0; i < t->n_rev; i++) {
        const per_revenue *r = &t->rev[i];
        const char *jur = text_of(cs, r->jurisdiction);
        const bw_jurisdiction *j = rd ? bw_jurisdiction_find(rd, (bw_str){jur, (uint32_t)strlen(jur)}) : NULL;
        int exp = j ? j->currency_exponent : 2;
        const char *model = r->collection > 0 && r->collection < 4 ? bw_collection_model_names[r->collection] : "none";
        bw_buf_puts(b, i ? ",{\"jurisdiction\":" : "{\"jurisdiction\":");
        bw_buf_put_json_str(b, jur, strlen(jur));
        bw_buf_printf(b, ",\"collection_model\":\"%s\",\"currency\":", model);
        if (j)
            bw_buf_printf(b, "\"%s\"", j->currency);
        else
            bw_buf_puts(b, "null");
        bw_buf_printf(b, ",\"declarations\":%lld", (long long)r->declarations);
        bw_buf_put_amount(b, ",\"duty\":", r->duty, (unsigned)exp);
        bw_buf_put_amount(b, ",\"tax\":", r->tax, (unsigned)exp);
        bw_buf_put_amount(b, ",\"revenue\":", r->duty + r->tax, (unsigned)exp);
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, ']');
}

/* ---- profiles ------------------------------------------------------------------------------ */

typedef struct profile_row {
    char *id;
    int64_t hits_period, hits_all, inspected, found;
} profile_row;

typedef struct profiles {
    profile_row *v;
    size_t n, cap;
    const char *jurisdiction;
    bool period;
} profiles;

static profile_row *profile(profiles *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].id, id))
            return &p->v[i];
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n] = (profile_row){.id = strdup(id)};
    return &p->v[p->n++];
}

static void count_hits(void *ctx, const char *jur, const char *id, int64_t n)
{
    profiles *p = ctx;
    if (p->jurisdiction && strcmp(p->jurisdiction, jur))
        return;
    profile_row *r = profile(p, id);
    *(p->period ? &r->hits_period : &r->hits_all) += n;
}

static void count_inspected(void *ctx, const bw_profile_stats *st)
{
    profiles *p = ctx;
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].id, st->profile)) {
            p->v[i].inspected = st->inspected;
            p->v[i].found = st->found;
        }
}

static bool put_profiles(bw_store *s, const bw_kpi_query *q, bw_buf *b)
{
    profiles p = {.jurisdiction = q->jurisdiction, .period = true};
    bool ok = bw_store_stats_counts(s, "profile", q->day_from, q->day_to, count_hits, &p);
    p.period = false;
    ok = ok && bw_store_stats_counts(s, "profile", INT32_MIN, INT32_MAX, count_hits, &p) &&
         bw_store_profile_stats(s, count_inspected, &p);
    bw_buf_puts(b, ",\"profiles\":[");
    for (size_t i = 0; ok && i < p.n; i++) {
        const profile_row *r = &p.v[i];
        bw_buf_puts(b, i ? ",{\"profile\":" : "{\"profile\":");
        bw_buf_put_json_str(b, r->id, strlen(r->id));
        bw_buf_printf(b, ",\"hits\":%lld,\"hits_all_time\":%lld,\"inspected_all_time\":%lld,\"found_all_time\":%lld",
                      (long long)r->hits_period, (long long)r->hits_all, (long long)r->inspected, (long long)r->found);
        put_rate(b, "inspection_rate", r->inspected, r->hits_all);
        put_rate(b, "hit_rate", r->found, r->inspected);
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, ']');
    for (size_t i = 0; i < p.n; i++)
        free(p.v[i].id);
    free(p.v);
    return ok;
}

/* ---- lifecycle --------------------------------------------------------------------------------- */


static void put_series(bw_buf *b, const char *key, series *s, const char *positive_key)
{
    bw_buf_printf(b, "\"%s\":{\"declarations\":%zu", key, s->n);
    if (positive_key)
        put_rate(b, positive_key, s->positive, (int64_t)s->n);
    if (s->n)
        bw_buf_printf(b, ",\"median_s\":%lld,\"p90_s\":%lld}", (long long)percentile(s, 50), (long long)percentile(s, 90));
    else
        bw_buf_puts(b, ",\"median_s\":null,\"p90_s\":null}");
}

typedef struct release_ctx {
    series times;
    int64_t arrived, released, immediate, immediate_s;
    bool out_of_memory;
} release_ctx;

static void each_release(void *ctx, bw_time arrived, bw_time released)
{
    release_ctx *r = ctx;
    r->arrived++;
    if (released < 0)
        return;
    r->released++;
    r->out_of_memory |= !push(&r->times, released - arrived);
    r->immediate += released - arrived <= r->immediate_s;
}

/* Timeliness from the facts (tally), release times and refunds from the
 * lifecycle's events. */
static bool put_lifecycle(bw_store *s, const bw_stats_config *c, const bw_kpi_query *q, tally *t, bw_buf *b)
{
    bw_time from = q->day_from == INT32_MIN ? INT64_MIN / 2 : (bw_time)q->day_from * 86400;
    bw_time to = q->day_to == INT32_MAX ? INT64_MAX / 2 : ((bw_time)q->day_to + 1) * 86400;
    bw_buf_puts(b, ",\"timeliness\":");
    if (!bw_store_lifecycle_columns(s)) {
        bw_buf_puts(b, "{\"available\":false,\"why\":\"the store has no lifecycle lead times (lead_loading_s,"
                       " lead_arrival_s)\"}");
    } else {
        bw_buf_puts(b, "{\"available\":true,");
        put_series(b, "before_loading", &t->lead_loading, "share_received_before");
        bw_buf_putc(b, ',');
        put_series(b, "before_arrival", &t->lead_arrival, "share_received_before");
        bw_buf_putc(b, '}');
    }
    release_ctx r = {.immediate_s = bw_stats_immediate_release_s(c)};
    if (!bw_store_release_times(s, from, to, q->jurisdiction, each_release, &r) || r.out_of_memory) {
        free(r.times.v);
        return false;
    }
    bw_buf_puts(b, ",\"release\":");
    if (!r.arrived) {
        bw_buf_puts(b, "{\"available\":false,\"why\":\"no arrival events in the period\"}");
    } else {
        bw_buf_printf(b, "{\"available\":true,\"arrived\":%lld,\"released\":%lld,\"immediate_within_s\":%lld",
                      (long long)r.arrived, (long long)r.released, (long long)r.immediate_s);
        put_rate(b, "share_released_immediately", r.immediate, r.arrived);
        bw_buf_putc(b, ',');
        put_series(b, "from_arrival", &r.times, NULL);
        bw_buf_putc(b, '}');
    }
    free(r.times.v);
    int64_t events, decls;
    if (!bw_store_refunds(s, from, to, q->jurisdiction, &events, &decls))
        return false;
    bw_buf_printf(b, ",\"refunds\":{\"refunds\":%lld,\"declarations\":%lld}", (long long)events, (long long)decls);
    return true;
}

bool bw_kpis_run(bw_store *s, const bw_stats_config *c, const bw_kpi_query *q, bw_buf *out, char *err,
                 size_t errlen)
{
    codes cs = {0};
    tally t = {.q = q};
    bool ok = bw_store_stats_codes(s, add_code, &cs);
    if (ok && q->jurisdiction) {
        t.jurisdiction = -1; /* matches no fact unless the jurisdiction has a code */
        for (size_t i = 0; i < cs.n; i++)
            if (!strcmp(cs.text[i], q->jurisdiction))
                t.jurisdiction = cs.code[i];
    }
    bool want[BW_FC_N] = {0};
    static const int cols[] = {BW_FC_DEAD, BW_FC_DAY, BW_FC_STATUS, BW_FC_FIRST, BW_FC_SUBMITTER, BW_FC_COMPLETE,
                               BW_FC_LANE, BW_FC_INSPECTION, BW_FC_RANDOM, BW_FC_COLLECTION, BW_FC_DUTY,
                               BW_FC_TAX, BW_FC_JURISDICTION, BW_FC_LEAD_LOADING, BW_FC_LEAD_ARRIVAL};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        want[cols[i]] = true;
    tally t2 = {.q = q, .jurisdiction = t.jurisdiction}; /* the helper thread's half */
    void *ctxs[] = {&t, &t2};
    ok = ok && bw_store_stats_scan(s, q->day_from, q->day_to, want, each_chunk, ctxs, 2);
    ok = ok && merge(&t, &t2) && append(&t.lead_loading, &t2.lead_loading) && append(&t.lead_arrival, &t2.lead_arrival);
    free(t2.lead_loading.v);
    free(t2.lead_arrival.v);
    free(t2.subs);
    free(t2.rev);
    index_free(&t2.sub_index);
    index_free(&t2.rev_index);
    if (ok) {
        bw_buf_puts(out, "{\"jurisdiction\":");
        if (q->jurisdiction)
            bw_buf_put_json_str(out, q->jurisdiction, strlen(q->jurisdiction));
        else
            bw_buf_puts(out, "null");
        bw_buf_printf(out, ",\"declarations\":%lld,", (long long)t.declarations);
        ok = put_quality(s, &t, &cs, out);
    }
    if (ok) {
        put_lanes(&t, out);
        ok = put_profiles(s, q, out);
    }
    if (ok) {
        put_random(&t, bw_stats_confidence_z(c), out);
        put_revenue(&t, &cs, q->rd, out);
        ok = put_lifecycle(s, c, q, &t, out);
        bw_buf_puts(out, "}\n");
    }
    if (!ok)
        snprintf(err, errlen, "%s", bw_store_error(s));
    free(t.lead_loading.v);
    free(t.lead_arrival.v);
    free(t.subs);
    free(t.rev);
    index_free(&t.sub_index);
    index_free(&t.rev_index);
    free_codes(&cs);
    return ok;
}
