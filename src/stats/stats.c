/*
 * stats.c - statistics by dimension over the store's facts (stats.h).
 *
 * One pass over the chunks the period touches, reading only the columns
 * the dimensions need; each fact's key (up to three dimension codes) is
 * grouped in an open-addressing hash table.  Labels (country codes, HS
 * numbers, weeks) are made only for the rows printed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/jurisdiction.h"
#include "../reference/refdata.h"
#include "stats.h"

const char *const bw_stats_dim_names[] = {
    "origin", "section", "chapter", "heading", "jurisdiction", "region", "mode", "flow", "transaction",
    "type",   "band",    "irg",     "lane",    "status",       "state",  "collection", "submitter",
    "day",    "week",    "month",   NULL};

static bool is_hs_dim(bw_stats_dim d) { return d == BW_DIM_SECTION || d == BW_DIM_CHAPTER || d == BW_DIM_HEADING || d == BW_DIM_ORIGIN; }

/* ---- parsing ------------------------------------------------------------------------- */

static bool parse_day(const char *s, const char *what, int32_t *out, char *err, size_t errlen)
{
    bw_time t;
    if (strlen(s) != 10 || !bw_time_parse(s, 10, &t)) {
        snprintf(err, errlen, "%s: \"%.40s\" is not a date YYYY-MM-DD", what, s);
        return false;
    }
    *out = bw_stats_day(t);
    return true;
}

bool bw_stats_query_parse(const char *by, const char *from, const char *to, const char *jurisdiction,
                          const char *status, bw_stats_query *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    q->day_from = INT32_MIN;
    q->day_to = INT32_MAX;
    if (!by || !*by) {
        snprintf(err, errlen, "by: name one to %d dimensions, comma-separated (origin, chapter, ...)", BW_STATS_MAX_BY);
        return false;
    }
    bool by_status = false;
    for (const char *p = by; *p;) {
        size_t n = strcspn(p, ",");
        int found = -1;
        for (int d = 0; bw_stats_dim_names[d]; d++)
            if (strlen(bw_stats_dim_names[d]) == n && !strncmp(bw_stats_dim_names[d], p, n))
                found = d;
        if (found < 0) {
            snprintf(err, errlen, "by: unknown dimension \"%.*s\"; known: origin, section, chapter, heading,"
                                  " jurisdiction, region, mode, flow, transaction, type, band, irg, lane, status,"
                                  " state, collection, submitter, day, week, month", (int)(n > 40 ? 40 : n), p);
            return false;
        }
        for (int i = 0; i < q->n_by; i++)
            if ((int)q->by[i] == found) {
                snprintf(err, errlen, "by: \"%s\" is named twice", bw_stats_dim_names[found]);
                return false;
            }
        if (q->n_by == BW_STATS_MAX_BY) {
            snprintf(err, errlen, "by: at most %d dimensions", BW_STATS_MAX_BY);
            return false;
        }
        by_status |= found == BW_DIM_STATUS;
        q->by[q->n_by++] = (bw_stats_dim)found;
        p += n;
        if (*p == ',' && !*++p) {
            snprintf(err, errlen, "by: ends with a comma");
            return false;
        }
    }
    if ((from && *from && !parse_day(from, "from", &q->day_from, err, errlen)) ||
        (to && *to && !parse_day(to, "to", &q->day_to, err, errlen)))
        return false;
    if (q->day_from > q->day_to) {
        snprintf(err, errlen, "from: %s is after to: %s", from, to);
        return false;
    }
    if (jurisdiction && (!*jurisdiction || strlen(jurisdiction) > 7)) {
        snprintf(err, errlen, "jurisdiction: 1 to 7 characters");
        return false;
    }
    q->jurisdiction = jurisdiction;
    if (!status)
        q->status = by_status ? 0 : 1;
    else if (!strcmp(status, "all"))
        q->status = 0;
    else if (!strcmp(status, "accepted"))
        q->status = 1;
    else if (!strcmp(status, "rejected"))
        q->status = 2;
    else {
        snprintf(err, errlen, "status: \"%.20s\" is not accepted, rejected or all", status);
        return false;
    }
    return true;
}

/* ---- codes and labels ------------------------------------------------------------------ */

typedef struct label_entry {
    int dim;
    int64_t code;
    char *text;
} label_entry;

struct bw_stats_labels {
    label_entry *v;
    size_t n, cap;
};

static void add_label(void *ctx, int dim, int64_t code, const char *text)
{
    bw_stats_labels *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (label_entry){dim, code, strdup(text ? text : "")};
}

static const char *label_of(const bw_stats_labels *l, int64_t code)
{
    for (size_t i = 0; l && i < l->n; i++) /* codes are unique across dimensions */
        if (l->v[i].code == code)
            return l->v[i].text;
    return NULL;
}

static int64_t code_for(const bw_stats_labels *l, int dim, const char *text)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].dim == dim && !strcmp(l->v[i].text, text))
            return l->v[i].code;
    return -1;
}

/* ISO 8601 week of a day: year * 100 + week. */
static int64_t iso_week(int32_t day)
{
    int wd = (int)(((day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
    int32_t thursday = day - wd + 3;          /* the week's Thursday decides its year */
    char buf[21];
    bw_time_format((bw_time)thursday * 86400, buf);
    int year = atoi(buf);
    int32_t jan1 = bw_stats_day(bw_time_from_civil(year, 1, 1));
    return (int64_t)year * 100 + (thursday - jan1) / 7 + 1;
}

static int64_t month_of(int32_t day)
{
    char buf[21];
    bw_time_format((bw_time)day * 86400, buf);
    return atoi(buf) * 100 + atoi(buf + 5);
}

static const char *name_or(const char *const names[], int64_t code, int max, const char *absent)
{
    return code > 0 && code < max ? names[code] : absent;
}

static int count_names(const char *const names[])
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

void bw_stats_label(const bw_stats_result *r, bw_stats_dim d, int64_t k, char *out, size_t cap)
{
    const char *s = NULL;
    switch (d) {
    case BW_DIM_ORIGIN: case BW_DIM_JURISDICTION: case BW_DIM_REGION: case BW_DIM_SUBMITTER:
        s = k ? label_of(r->labels, k) : NULL;
        snprintf(out, cap, "%s", s ? s : "unknown");
        return;
    case BW_DIM_SECTION: snprintf(out, cap, k ? "%lld" : "unknown", (long long)k); return;
    case BW_DIM_CHAPTER: snprintf(out, cap, k ? "%02lld" : "unknown", (long long)k); return;
    case BW_DIM_HEADING: snprintf(out, cap, k ? "%04lld" : "unknown", (long long)k); return;
    case BW_DIM_MODE: s = name_or(bw_transport_mode_names, k, count_names(bw_transport_mode_names), "unknown"); break;
    case BW_DIM_FLOW: s = name_or(bw_flow_names, k, count_names(bw_flow_names), "other"); break;
    case BW_DIM_TXN: s = name_or(bw_txn_type_names, k, count_names(bw_txn_type_names), "unknown"); break;
    case BW_DIM_TYPE: s = name_or(bw_decl_type_names, k, count_names(bw_decl_type_names), "unknown"); break;
    case BW_DIM_COLLECTION:
        s = name_or(bw_collection_model_names, k, count_names(bw_collection_model_names), "none");
        break;
    case BW_DIM_LANE: s = name_or(bw_stats_lane_names, k, count_names(bw_stats_lane_names), "none"); break;
    case BW_DIM_STATUS: s = name_or(bw_stats_status_names, k, count_names(bw_stats_status_names), "unknown"); break;
    case BW_DIM_STATE: s = name_or(bw_stats_state_names, k, count_names(bw_stats_state_names), "unknown"); break;
    case BW_DIM_IRG: snprintf(out, cap, k ? "%lld" : "unknown", (long long)k); return;
    case BW_DIM_BAND: s = k ? bw_stats_band_label(r->config, (int)k - 1) : "no band"; break;
    case BW_DIM_DAY: {
        char buf[21];
        bw_time_format(k * 86400, buf);
        snprintf(out, cap, "%.10s", buf);
        return;
    }
    case BW_DIM_WEEK: snprintf(out, cap, "%04lld-W%02lld", (long long)(k / 100), (long long)(k % 100)); return;
    case BW_DIM_MONTH: snprintf(out, cap, "%04lld-%02lld", (long long)(k / 100), (long long)(k % 100)); return;
    case BW_DIM_N: break;
    }
    snprintf(out, cap, "%s", s ? s : "unknown");
}

/* ---- grouping ---------------------------------------------------------------------------- */

enum { BAND_MEMO = 256, BAND_MAX = 16 };
typedef struct band_memo {
    bool used;
    int64_t jur;
    int32_t day;
    int n;
    int idx[BAND_MAX];
    int64_t lower[BAND_MAX];
} band_memo;

typedef struct group {
    bw_stats_result *r;
    const bw_stats_config *c;
    const bw_stats_query *q;
    int64_t jurisdiction;     /* filter code; 0 none */
    size_t *slots;            /* hash: index + 1 into rows, 0 empty */
    size_t cap_slots, cap_rows;
    bool oom;
    band_memo *bands;         /* BAND_MEMO entries, when grouping by band */
} group;

static uint64_t key_hash(const int64_t *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < BW_STATS_MAX_BY; i++)
        h = (h ^ (uint64_t)k[i]) * 0xff51afd7ed558ccdull, h ^= h >> 32;
    return h;
}

static bool grow(group *g)
{
    size_t cap = g->cap_slots ? g->cap_slots * 2 : 1024;
    size_t *s = calloc(cap, sizeof *s);
    if (!s)
        return false;
    for (size_t i = 0; i < g->r->n; i++) {
        size_t j = key_hash(g->r->rows[i].key) & (cap - 1);
        while (s[j])
            j = (j + 1) & (cap - 1);
        s[j] = i + 1;
    }
    free(g->slots);
    g->slots = s;
    g->cap_slots = cap;
    return true;
}

static bw_stats_row *row_for(group *g, const int64_t *k)
{
    if ((g->r->n + 1) * 2 > g->cap_slots && !grow(g))
        return NULL;
    size_t j = key_hash(k) & (g->cap_slots - 1);
    for (; g->slots[j]; j = (j + 1) & (g->cap_slots - 1)) {
        bw_stats_row *row = &g->r->rows[g->slots[j] - 1];
        if (!memcmp(row->key, k, sizeof row->key))
            return row;
    }
    if (g->r->n == g->cap_rows) {
        g->cap_rows = g->cap_rows ? g->cap_rows * 2 : 256;
        bw_stats_row *rows = realloc(g->r->rows, g->cap_rows * sizeof *rows);
        if (!rows)
            return NULL;
        g->r->rows = rows;
    }
    bw_stats_row *row = &g->r->rows[g->r->n];
    memset(row, 0, sizeof *row);
    memcpy(row->key, k, sizeof row->key);
    row->jurisdiction = 0;
    g->slots[j] = ++g->r->n;
    return row;
}

/* The band of a fact: the bands in force are looked up once per
 * jurisdiction and day (a small direct-mapped memo), then compared. */
static int64_t band_key(group *g, int64_t jur, int32_t day, int64_t value)
{
    band_memo *m = &g->bands[((uint64_t)jur * 31u + (uint64_t)(uint32_t)day) % BAND_MEMO];
    if (!m->used || m->jur != jur || m->day != day) {
        const char *j = label_of(g->r->labels, jur);
        m->n = j ? bw_stats_bands_in_force(g->c, j, day, m->idx, BAND_MAX) : 0;
        for (int i = 0; i < m->n; i++)
            m->lower[i] = bw_stats_band_lower(g->c, m->idx[i]);
        m->used = true;
        m->jur = jur;
        m->day = day;
    }
    int found = -1;
    for (int i = 0; i < m->n && m->lower[i] <= value; i++)
        found = m->idx[i];
    return found + 1;
}

static int64_t dim_key(group *g, const bw_stats_chunk *c, uint32_t i, bw_stats_dim d)
{
    const int64_t *const *v = c->col;
    switch (d) {
    case BW_DIM_ORIGIN: return v[BW_FC_ORIGIN][i];
    case BW_DIM_SECTION: return bw_stats_section(g->c, (int)(v[BW_FC_HEADING][i] / 100));
    case BW_DIM_CHAPTER: return v[BW_FC_HEADING][i] / 100;
    case BW_DIM_HEADING: return v[BW_FC_HEADING][i];
    case BW_DIM_JURISDICTION: return v[BW_FC_JURISDICTION][i];
    case BW_DIM_REGION: return v[BW_FC_REGION][i];
    case BW_DIM_MODE: return v[BW_FC_MODE][i];
    case BW_DIM_FLOW: return v[BW_FC_FLOW][i];
    case BW_DIM_TXN: return v[BW_FC_TXN][i];
    case BW_DIM_TYPE: return v[BW_FC_TYPE][i];
    case BW_DIM_BAND: return band_key(g, v[BW_FC_JURISDICTION][i], (int32_t)v[BW_FC_DAY][i], v[BW_FC_CVALUE][i]);
    case BW_DIM_IRG: return v[BW_FC_IRG][i];
    case BW_DIM_LANE: return v[BW_FC_LANE][i];
    case BW_DIM_STATUS: return v[BW_FC_STATUS][i];
    case BW_DIM_STATE: return v[BW_FC_STATE][i];
    case BW_DIM_COLLECTION: return v[BW_FC_COLLECTION][i];
    case BW_DIM_SUBMITTER: return v[BW_FC_SUBMITTER][i];
    case BW_DIM_DAY: return v[BW_FC_DAY][i];
    case BW_DIM_WEEK: return iso_week((int32_t)v[BW_FC_DAY][i]);
    case BW_DIM_MONTH: return month_of((int32_t)v[BW_FC_DAY][i]);
    case BW_DIM_N: break;
    }
    return 0;
}

static bool each_chunk(void *ctx, const bw_stats_chunk *c)
{
    group *g = ctx;
    const bw_stats_query *q = g->q;
    const int64_t *const *v = c->col;
    bool dated = q->day_from != INT32_MIN || q->day_to != INT32_MAX;
    /* week and month keys cost a date conversion: memo the last day */
    int32_t last_day = INT32_MIN;
    int64_t last_week = 0, last_month = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        if (v[BW_FC_DEAD][i] || (q->status && v[BW_FC_STATUS][i] != q->status) ||
            (g->jurisdiction && v[BW_FC_JURISDICTION][i] != g->jurisdiction))
            continue;
        int32_t day = (int32_t)v[BW_FC_DAY][i];
        if (dated && (day < q->day_from || day > q->day_to))
            continue;
        int64_t k[BW_STATS_MAX_BY] = {0};
        for (int d = 0; d < q->n_by; d++) {
            if (q->by[d] == BW_DIM_WEEK || q->by[d] == BW_DIM_MONTH) {
                if (day != last_day) {
                    last_day = day;
                    last_week = iso_week(day);
                    last_month = month_of(day);
                }
                k[d] = q->by[d] == BW_DIM_WEEK ? last_week : last_month;
            } else {
                k[d] = dim_key(g, c, i, q->by[d]);
            }
        }
        bw_stats_row *row = row_for(g, k);
        if (!row) {
            g->oom = true;
            return false;
        }
        int64_t jur = v[BW_FC_JURISDICTION][i];
        row->jurisdiction = row->jurisdiction == 0 || row->jurisdiction == jur ? jur : -1;
        row->declarations += v[BW_FC_FIRST][i];
        row->items += v[BW_FC_ITEM][i];
        row->value += v[BW_FC_VALUE][i];
        row->qty += v[BW_FC_QTY][i];
        row->weight += v[BW_FC_WEIGHT][i];
    }
    g->r->facts_scanned += c->n;
    return true;
}

static int cmp_rows(const void *a, const void *b)
{
    const bw_stats_row *x = a, *y = b;
    for (int i = 0; i < BW_STATS_MAX_BY; i++)
        if (x->key[i] != y->key[i])
            return x->key[i] < y->key[i] ? -1 : 1;
    return 0;
}

bool bw_stats_row_currency(const bw_stats_result *r, const bw_stats_row *row, const char **currency, int *exponent)
{
    const char *j = row->jurisdiction > 0 ? label_of(r->labels, row->jurisdiction) : NULL;
    const bw_jurisdiction *jur = j && r->q.rd ? bw_jurisdiction_find(r->q.rd, (bw_str){j, (uint32_t)strlen(j)}) : NULL;
    if (!jur)
        return false;
    *currency = jur->currency;
    *exponent = jur->currency_exponent;
    return true;
}

/* The currency of the values: one when every row's jurisdictions share it. */
static void settle_currency(bw_stats_result *r)
{
    r->currency = NULL;
    r->exponent = 2;
    r->mixed = false;
    const bw_refdata *rd = r->q.rd;
    for (size_t i = 0; i < r->n; i++) {
        const char *j = r->rows[i].jurisdiction > 0 ? label_of(r->labels, r->rows[i].jurisdiction) : NULL;
        const bw_jurisdiction *jur = j && rd ? bw_jurisdiction_find(rd, (bw_str){j, (uint32_t)strlen(j)}) : NULL;
        if (r->rows[i].jurisdiction < 0 || !jur) {
            r->mixed = r->mixed || r->rows[i].jurisdiction < 0 || (j && rd);
            continue;
        }
        if (r->currency && strcmp(r->currency, jur->currency))
            r->mixed = true;
        r->currency = jur->currency;
        r->exponent = jur->currency_exponent;
    }
    if (r->mixed)
        r->currency = NULL;
}

bool bw_stats_run(bw_store *s, const bw_stats_config *c, const bw_stats_query *q, bw_stats_result *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->q = *q;
    out->config = c;
    out->labels = calloc(1, sizeof *out->labels);
    for (int d = 0; d < q->n_by; d++)
        out->item_unit |= is_hs_dim(q->by[d]);
    if (!out->labels || !bw_store_stats_codes(s, add_label, out->labels)) {
        snprintf(err, errlen, "%s", out->labels ? bw_store_error(s) : "out of memory");
        return false;
    }
    group g = {.r = out, .c = c, .q = q};
    if (q->jurisdiction && (g.jurisdiction = code_for(out->labels, BW_CODE_JURISDICTION, q->jurisdiction)) < 0) {
        settle_currency(out);
        return true; /* nothing stored for it: no rows */
    }
    bool want[BW_FC_N] = {0};
    want[BW_FC_DEAD] = want[BW_FC_STATUS] = want[BW_FC_JURISDICTION] = want[BW_FC_DAY] = true;
    want[BW_FC_FIRST] = want[BW_FC_ITEM] = want[BW_FC_VALUE] = want[BW_FC_QTY] = want[BW_FC_WEIGHT] = true;
    static const int col_of[BW_DIM_N] = {
        [BW_DIM_ORIGIN] = BW_FC_ORIGIN, [BW_DIM_SECTION] = BW_FC_HEADING, [BW_DIM_CHAPTER] = BW_FC_HEADING,
        [BW_DIM_HEADING] = BW_FC_HEADING, [BW_DIM_JURISDICTION] = BW_FC_JURISDICTION,
        [BW_DIM_REGION] = BW_FC_REGION, [BW_DIM_MODE] = BW_FC_MODE, [BW_DIM_FLOW] = BW_FC_FLOW,
        [BW_DIM_TXN] = BW_FC_TXN, [BW_DIM_TYPE] = BW_FC_TYPE, [BW_DIM_BAND] = BW_FC_CVALUE,
        [BW_DIM_IRG] = BW_FC_IRG, [BW_DIM_LANE] = BW_FC_LANE, [BW_DIM_STATUS] = BW_FC_STATUS,
        [BW_DIM_STATE] = BW_FC_STATE, [BW_DIM_COLLECTION] = BW_FC_COLLECTION,
        [BW_DIM_SUBMITTER] = BW_FC_SUBMITTER, [BW_DIM_DAY] = BW_FC_DAY, [BW_DIM_WEEK] = BW_FC_DAY,
        [BW_DIM_MONTH] = BW_FC_DAY};
    for (int d = 0; d < q->n_by; d++)
        want[col_of[q->by[d]]] = true;
    /* two threads, each grouping its own half; then the halves merged */
    bw_stats_result half = {.q = *q, .labels = out->labels, .config = c};
    group g2 = {.r = &half, .c = c, .q = q, .jurisdiction = g.jurisdiction};
    g.bands = calloc(BAND_MEMO, sizeof *g.bands);
    g2.bands = calloc(BAND_MEMO, sizeof *g2.bands);
    if (!g.bands || !g2.bands) {
        free(g.bands);
        free(g2.bands);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    void *ctxs[] = {&g, &g2};
    bool ok = bw_store_stats_scan(s, q->day_from, q->day_to, want, each_chunk, ctxs, 2);
    for (size_t i = 0; ok && i < half.n; i++) {
        const bw_stats_row *src = &half.rows[i];
        bw_stats_row *dst = row_for(&g, src->key);
        if (!dst) {
            g.oom = true;
            ok = false;
            break;
        }
        dst->jurisdiction = dst->jurisdiction == 0 || dst->jurisdiction == src->jurisdiction ? src->jurisdiction : -1;
        dst->declarations += src->declarations;
        dst->items += src->items;
        dst->value += src->value;
        dst->qty += src->qty;
        dst->weight += src->weight;
    }
    out->facts_scanned += half.facts_scanned;
    free(half.rows);
    free(g2.slots);
    free(g.slots);
    free(g.bands);
    free(g2.bands);
    if (!ok) {
        snprintf(err, errlen, "%s", g.oom ? "out of memory while grouping" : bw_store_error(s));
        return false;
    }
    if (out->n)
        qsort(out->rows, out->n, sizeof *out->rows, cmp_rows);
    for (size_t i = 0; i < out->n; i++) {
        bw_stats_row *t = &out->total, *r = &out->rows[i];
        t->declarations += r->declarations;
        t->items += r->items;
        t->value += r->value;
        t->qty += r->qty;
        t->weight += r->weight;
        t->jurisdiction = i == 0 || t->jurisdiction == r->jurisdiction ? r->jurisdiction : -1;
    }
    settle_currency(out);
    return true;
}

void bw_stats_result_free(bw_stats_result *r)
{
    if (r->labels) {
        for (size_t i = 0; i < r->labels->n; i++)
            free(r->labels->v[i].text);
        free(r->labels->v);
        free(r->labels);
    }
    free(r->rows);
    memset(r, 0, sizeof *r);
}
