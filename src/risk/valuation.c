/*
 * valuation.c - reference unit prices per HS6 and origin (valuation.h).
 *
 * A unit value is kept as Q16 fixed point in minor units of the base
 * currency (value * 65536), computed exactly in 128-bit integers from the
 * line value, the quantity (thousandths) and the net weight (milligrams).
 * Its bin is found without floating point: the position of its highest bit
 * gives the octave, three comparisons of the next 32 bits with 2^(1/4),
 * 2^(1/2) and 2^(3/4) the quarter.  So the same declarations give the same
 * histograms, and the same saved bytes, on every machine.
 *
 * BINS quarter-octave bins cover 2^-8 to 2^32 minor units (EUR: 0.00004 to
 * 43 million euros per unit or per kg); values outside count in the end
 * bins.  Quantiles interpolate linearly inside their bin.  When a
 * histogram reaches DECAY_AT observations every bin is halved, so a
 * reference follows prices as they move and counts stay 16-bit.
 *
 * Distributions live in STRIPES open-addressing tables, each behind its
 * own mutex, chosen by the key's hash.
 */
#include "valuation.h"
#include "../core/keytab.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

/* ---- the policy ----------------------------------------------------------------
 * docs/risk-analytics.md explains each value. */
#define LOW_QUANTILE 50            /* permille: below three quarters of the 5th percentile ... */
#define LOW_SHARE_E4 7500
#define LOW_RATIO_E4 3000          /* ... and at most 0.3 of the median */
#define DECAY_AT BW_VALUATION_DECAY_AT

#define BINS 160
#define LOW_OCTAVE 8               /* bin 0 starts at 2^-8 minor units = 2^8 in Q16 */
#define Q 16

/* 2^(j/4) * 2^32, rounded up: a mantissa at or above it is in quarter j */
static const uint64_t QUARTER_UP[4] = {4294967296u, 5107605668u, 6074001000u, 7223245206u};
/* the same rounded down, for the bin edges shown */
static const uint64_t QUARTER_DOWN[4] = {4294967296u, 5107605667u, 6074000999u, 7223245205u};

static uint64_t edge[BINS + 1];   /* lower edge of each bin, Q16 */
static pthread_once_t edge_once = PTHREAD_ONCE_INIT;

static void edge_fill(void)
{
    for (int b = 0; b <= BINS; b++) {
        unsigned __int128 e = (unsigned __int128)QUARTER_DOWN[b % 4] << (b / 4 + LOW_OCTAVE);
        edge[b] = (uint64_t)(e >> 32);
    }
}

static int bin_of(uint64_t x)
{
    if (x < ((uint64_t)1 << LOW_OCTAVE))
        return 0;
    int msb = 63 - __builtin_clzll(x);
    uint64_t m = msb >= 32 ? x >> (msb - 32) : x << (32 - msb);
    int j = (m >= QUARTER_UP[1]) + (m >= QUARTER_UP[2]) + (m >= QUARTER_UP[3]);
    int b = 4 * (msb - LOW_OCTAVE) + j;
    return b < BINS ? b : BINS - 1;
}

/* ---- distributions and stripes -------------------------------------------------- */

typedef struct hist {
    uint64_t key;                  /* 0: empty slot */
    uint32_t n;                    /* sum of bins */
    uint16_t lo;                   /* first bin with a count (BINS: none): quantiles start there */
    uint16_t bins[BINS];
} hist;

#define STRIPES 64

typedef struct stripe {
    pthread_mutex_t lock;
    bw_keytab t;                   /* hist */
} __attribute__((aligned(64))) stripe;

struct bw_valuation_model {
    stripe stripes[STRIPES];
    char base[4];
    int exponent;
};

static stripe *stripe_of(bw_valuation_model *v, uint64_t key) { return &v->stripes[bw_keytab_mix(key) >> 58]; }

static hist *find(const stripe *s, uint64_t key) { return bw_keytab_find(&s->t, key); }

/* The distribution of key, created empty when new; NULL when out of memory. */
static hist *upsert(stripe *s, uint64_t key)
{
    hist *h = find(s, key);
    if (h)
        return h;
    hist fresh = {.key = key, .lo = BINS};
    return bw_keytab_add(&s->t, &fresh, 16);
}

static void find_lo(hist *h, int from)
{
    int b = from;
    while (b < BINS && h->bins[b] == 0)
        b++;
    h->lo = (uint16_t)b;
}

static void count(hist *h, int b)
{
    h->bins[b]++;
    if (b < h->lo)
        h->lo = (uint16_t)b;
    if (++h->n < DECAY_AT)
        return;
    h->n = 0;
    for (int i = 0; i < BINS; i++) {
        h->bins[i] >>= 1;
        h->n += h->bins[i];
    }
    find_lo(h, h->lo);
}

static void uncount(hist *h, int b)
{
    if (h->bins[b] == 0)
        return; /* already decayed away */
    h->bins[b]--;
    h->n--;
    if (b == h->lo && h->bins[b] == 0)
        find_lo(h, b);
}

/* The value below which permille/1000 of the observations lie (Q16). */
static uint64_t quantile(const hist *h, unsigned permille)
{
    uint64_t target = (uint64_t)permille * h->n, cum = 0;
    for (int b = h->lo; b < BINS; b++) {
        uint64_t c = (uint64_t)h->bins[b] * 1000;
        if (c && cum + c >= target) {
            unsigned __int128 span = edge[b + 1] - edge[b];
            return edge[b] + (uint64_t)(span * (target - cum) / c);
        }
        cum += c;
    }
    return edge[BINS];
}

/* ---- keys and unit values --------------------------------------------------------- */

static bool digit(char c) { return c >= '0' && c <= '9'; }
static bool upper(char c) { return c >= 'A' && c <= 'Z'; }

/* (1, hs6, origin, basis, hash of the unit) packed so that a key names its
 * distribution; false when the HS code or origin cannot be one. */
static bool make_key(bw_str hs, bw_str origin, bw_valuation_basis basis, bw_str unit, uint64_t *key)
{
    if (!hs.p || hs.n < 6 || !origin.p || origin.n != 2 || !upper(origin.p[0]) || !upper(origin.p[1]))
        return false;
    uint64_t h6 = 0;
    for (int i = 0; i < 6; i++) {
        if (!digit(hs.p[i]))
            return false;
        h6 = h6 * 10 + (uint64_t)(hs.p[i] - '0');
    }
    uint64_t o = (uint64_t)(origin.p[0] - 'A') * 26 + (uint64_t)(origin.p[1] - 'A');
    uint64_t u = 0;
    if (basis == BW_BASIS_UNIT) {
        char low[16];
        uint32_t n = unit.p && unit.n < sizeof low ? unit.n : 0;
        if (n == 0)
            return false;
        for (uint32_t i = 0; i < n; i++)
            low[i] = (char)(upper(unit.p[i]) ? unit.p[i] | 0x20 : unit.p[i]);
        u = XXH3_64bits(low, n) & 0x1fffffff;
    }
    *key = (uint64_t)1 << 63 | h6 << 40 | o << 30 | (uint64_t)basis << 29 | u;
    return true;
}

static uint64_t clamp_q16(unsigned __int128 x) { return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x; }

/* The unit value (Q16 minor units of the base currency) of a line worth
 * base_minor on a basis; false when the item lacks what the basis needs. */
static bool unit_value(const bw_item *it, int64_t base_minor, bw_valuation_basis basis, uint64_t *x)
{
    if (base_minor < 0)
        return false;
    unsigned __int128 v = (unsigned __int128)(uint64_t)base_minor << Q;
    if (basis == BW_BASIS_UNIT) {
        if (!it->quantity.present || !it->quantity.ok || it->quantity.value <= 0)
            return false;
        *x = clamp_q16(v * 1000 / (uint64_t)it->quantity.value); /* quantity: thousandths */
    } else {
        if (!it->net_weight.present || !it->net_weight.ok || it->net_weight.value <= 0)
            return false;
        *x = clamp_q16(v * 1000000 / (uint64_t)it->net_weight.value); /* weight: milligrams */
    }
    return true;
}

/* The line value in the base currency; false without a usable value or
 * rate. */
static bool base_value(const bw_valuation_model *v, const bw_refdata *rd, const bw_item *it, bw_time when,
                       int64_t minor, int64_t *out)
{
    bw_str base = {v->base, 3};
    if (!it->value.present || !it->value.minor_ok)
        return false;
    if (bw_str_same(it->value.currency, base)) {
        *out = minor;
        return true;
    }
    return rd && bw_fx_convert(rd, minor, it->value.currency, base, when, out);
}

/* ---- learning ------------------------------------------------------------------- */

typedef void (*touch_fn)(hist *h, int bin);

static void touch(bw_valuation_model *v, uint64_t key, uint64_t x, touch_fn fn)
{
    stripe *s = stripe_of(v, key);
    pthread_mutex_lock(&s->lock);
    hist *h = upsert(s, key);
    if (h) /* out of memory: this observation is not learned */
        fn(h, bin_of(x));
    pthread_mutex_unlock(&s->lock);
}

/* Counts (or uncounts) one item worth `minor` of its currency. */
static void observe_item(bw_valuation_model *v, const bw_refdata *rd, const bw_item *it, bw_time when, int64_t minor,
                         touch_fn fn)
{
    int64_t base;
    if (!base_value(v, rd, it, when, minor, &base) || base <= 0)
        return; /* free items say nothing about prices */
    for (int basis = BW_BASIS_UNIT; basis <= BW_BASIS_KG; basis++) {
        uint64_t key, x;
        if (make_key(it->hs_code, it->origin, (bw_valuation_basis)basis, it->unit, &key) &&
            unit_value(it, base, (bw_valuation_basis)basis, &x))
            touch(v, key, x, fn);
    }
}

void bw_valuation_learn(bw_valuation_model *v, const bw_refdata *rd, const bw_risk_facts *f)
{
    const bw_declaration *d = f->decl;
    for (uint32_t i = 0; d && i < d->n_items; i++)
        observe_item(v, rd, &d->items[i], f->when, d->items[i].value.minor, count);
}

void bw_valuation_correct(bw_valuation_model *v, const bw_refdata *rd, const bw_risk_facts *f, uint32_t item,
                          int64_t corrected_minor)
{
    const bw_declaration *d = f->decl;
    if (!d || item >= d->n_items)
        return;
    const bw_item *it = &d->items[item];
    observe_item(v, rd, it, f->when, it->value.minor, uncount);
    observe_item(v, rd, it, f->when, corrected_minor, count);
}

/* ---- checking ------------------------------------------------------------------- */

typedef struct verdict {
    bool low;
    bw_valuation_basis basis;
    uint64_t declared, q05, q25, median;
    uint32_t n;
    uint64_t ratio_e4;             /* declared / median, in 1/10,000 */
} verdict;

/* Judges one basis; the quantiles are read under the stripe's lock. */
static void judge(bw_valuation_model *v, uint64_t key, uint64_t x, bw_valuation_basis basis, verdict *best)
{
    stripe *s = stripe_of(v, key);
    verdict w = {.basis = basis, .declared = x};
    pthread_mutex_lock(&s->lock);
    const hist *h = find(s, key);
    if (h && h->n >= BW_VALUATION_MIN_N) {
        w.n = h->n;
        w.q05 = quantile(h, LOW_QUANTILE);
        if ((unsigned __int128)x * 10000 < (unsigned __int128)w.q05 * LOW_SHARE_E4) {
            w.q25 = quantile(h, 250);
            w.median = quantile(h, 500);
            w.low = true;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (!w.low)
        return;
    w.ratio_e4 = (uint64_t)((unsigned __int128)x * 10000 / (w.median ? w.median : 1));
    if (w.ratio_e4 > LOW_RATIO_E4)
        return;
    if (!best->low || w.ratio_e4 < best->ratio_e4)
        *best = w;
}

static void put_value(bw_buf *b, const char *key_colon, uint64_t q16, int exponent)
{
    unsigned __int128 scaled = ((unsigned __int128)q16 * BW_VALUATION_SCALE + (1u << (Q - 1))) >> Q;
    bw_buf_put_amount(b, key_colon, (int64_t)(scaled > INT64_MAX ? INT64_MAX : scaled), (unsigned)exponent + 2);
}

static const char *evidence(bw_buf *b, const bw_valuation_model *v, const bw_item *it, const verdict *w)
{
    b->n = 0;
    bw_buf_puts(b, "{\"hs6\":");
    bw_buf_put_json_str(b, it->hs_code.p, 6);
    bw_buf_puts(b, ",\"origin\":");
    bw_buf_put_json_str(b, it->origin.p, 2);
    bw_buf_puts(b, w->basis == BW_BASIS_UNIT ? ",\"basis\":\"unit\",\"unit\":" : ",\"basis\":\"kg\",\"unit\":\"kg\"");
    if (w->basis == BW_BASIS_UNIT)
        bw_buf_put_json_str(b, it->unit.p, it->unit.n);
    put_value(b, ",\"declared\":", w->declared, v->exponent);
    bw_buf_puts(b, ",\"currency\":\"");
    bw_buf_puts(b, v->base);
    bw_buf_puts(b, "\",\"reference\":{\"n\":");
    bw_buf_put_i64(b, w->n);
    put_value(b, ",\"q05\":", w->q05, v->exponent);
    put_value(b, ",\"q25\":", w->q25, v->exponent);
    put_value(b, ",\"median\":", w->median, v->exponent);
    bw_buf_puts(b, "},\"ratio\":");
    bw_buf_put_fixed(b, (int64_t)w->ratio_e4, 4);
    bw_buf_puts(b, ",\"rule\":\"declared below three quarters of q05 and at most 0.3 of the median\"}");
    return bw_buf_cstr(b);
}

/* From the policy's valuation_min at the ratio limit to valuation_max at 0. */
static int32_t points(const bw_risk_points *p, uint64_t ratio_e4)
{
    return p->valuation_min +
           (int32_t)((p->valuation_max - p->valuation_min) * (LOW_RATIO_E4 - (int64_t)ratio_e4) / LOW_RATIO_E4);
}

void bw_valuation_check(bw_valuation_model *v, const bw_refdata *rd, const bw_risk_facts *f, bw_risk_result *r)
{
    const bw_declaration *d = f->decl;
    bw_buf b = {0};
    for (uint32_t i = 0; d && i < d->n_items; i++) {
        const bw_item *it = &d->items[i];
        int64_t base;
        if (!base_value(v, rd, it, f->when, it->value.minor, &base))
            continue;
        verdict best = {0};
        for (int basis = BW_BASIS_UNIT; basis <= BW_BASIS_KG; basis++) {
            uint64_t key, x;
            if (make_key(it->hs_code, it->origin, (bw_valuation_basis)basis, it->unit, &key) &&
                unit_value(it, base, (bw_valuation_basis)basis, &x))
                judge(v, key, x, (bw_valuation_basis)basis, &best);
        }
        if (!best.low)
            continue;
        char ref[16];
        memcpy(ref, it->hs_code.p, 6);
        ref[6] = '-';
        memcpy(ref + 7, it->origin.p, 2);
        ref[9] = 0;
        bw_risk_add(r, "valuation.low", ref, bw_risk_path(r->arena, "items", (int)i, "value"),
                    "the declared unit value is far below the going price for these goods from this origin",
                    evidence(&b, v, it, &best), points(bw_points(f), best.ratio_e4), BW_LANE_NONE);
    }
    bw_buf_free(&b);
}

bool bw_valuation_reference(bw_valuation_model *v, bw_str hs6, bw_str origin, bw_valuation_basis basis, bw_str unit,
                            bw_valuation_ref *out)
{
    uint64_t key;
    if (!make_key(hs6, origin, basis, unit, &key))
        return false;
    stripe *s = stripe_of(v, key);
    pthread_mutex_lock(&s->lock);
    const hist *h = find(s, key);
    uint64_t q[5] = {0};
    static const unsigned permille[5] = {50, 250, 500, 750, 950};
    for (int i = 0; h && h->n && i < 5; i++)
        q[i] = quantile(h, permille[i]);
    uint32_t n = h ? h->n : 0;
    pthread_mutex_unlock(&s->lock);
    if (n == 0)
        return false;
    int64_t *dst[5] = {&out->q05, &out->q25, &out->median, &out->q75, &out->q95};
    for (int i = 0; i < 5; i++)
        *dst[i] = (int64_t)(((unsigned __int128)q[i] * BW_VALUATION_SCALE + (1u << (Q - 1))) >> Q);
    out->n = n;
    return true;
}

/* ---- life ------------------------------------------------------------------------ */

bw_valuation_model *bw_valuation_new(const char *base_currency)
{
    if (!base_currency || strlen(base_currency) != 3)
        return NULL;
    int exponent = bw_currency_exponent((bw_str){base_currency, 3});
    if (exponent < 0)
        return NULL;
    pthread_once(&edge_once, edge_fill);
    bw_valuation_model *v = aligned_alloc(64, sizeof *v);
    if (!v)
        return NULL;
    memset(v, 0, sizeof *v);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&v->stripes[i].lock, NULL), v->stripes[i].t.size = sizeof(hist);
    memcpy(v->base, base_currency, 4);
    v->exponent = exponent;
    return v;
}

void bw_valuation_free(bw_valuation_model *v)
{
    if (!v)
        return;
    for (int i = 0; i < STRIPES; i++) {
        bw_keytab_free(&v->stripes[i].t);
        pthread_mutex_destroy(&v->stripes[i].lock);
    }
    free(v);
}

size_t bw_valuation_count(bw_valuation_model *v)
{
    size_t n = 0;
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_lock(&v->stripes[i].lock);
        n += v->stripes[i].t.n;
        pthread_mutex_unlock(&v->stripes[i].lock);
    }
    return n;
}

/* ---- saved bytes ------------------------------------------------------------------
 * "BWVALUE" 0x01, the base currency (3 bytes), u16 BINS, u64 count, then
 * per distribution in increasing key order: u64 key, u32 n, BINS x u16;
 * then u64 XXH3-64 of everything before it; little-endian. */

#define MAGIC "BWVALUE\x01"
#define HEAD_BYTES (8 + 3 + 2 + 8)
#define REC_BYTES (8 + 4 + 2 * BINS)

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const hist *)a)->key, y = ((const hist *)b)->key;
    return x < y ? -1 : x > y;
}

int bw_valuation_save(bw_valuation_model *v, bw_buf *out)
{
    size_t cap = bw_valuation_count(v) + 1, got = 0;
    hist *all = malloc(cap * sizeof *all);
    if (!all)
        return -1;
    for (int i = 0; i < STRIPES; i++) {
        stripe *s = &v->stripes[i];
        pthread_mutex_lock(&s->lock);
        for (uint32_t k = 0; s->t.slots && k <= s->t.mask; k++) {
            const hist *h = bw_keytab_at(&s->t, k);
            if (!h->key)
                continue;
            if (got == cap) { /* grew since counted */
                hist *more = realloc(all, (cap *= 2) * sizeof *all);
                if (!more) {
                    pthread_mutex_unlock(&s->lock);
                    free(all);
                    return -1;
                }
                all = more;
            }
            all[got++] = *h;
        }
        pthread_mutex_unlock(&s->lock);
    }
    qsort(all, got, sizeof *all, by_key);
    size_t start = out->n;
    bw_buf_put(out, MAGIC, 8);
    bw_buf_put(out, v->base, 3);
    bw_buf_put_le(out, BINS, 2);
    bw_buf_put_le(out, got, 8);
    for (size_t i = 0; i < got; i++) {
        bw_buf_put_le(out, all[i].key, 8);
        bw_buf_put_le(out, all[i].n, 4);
        for (int b = 0; b < BINS; b++)
            bw_buf_put_le(out, all[i].bins[b], 2);
    }
    bw_buf_put_le(out, XXH3_64bits(out->p + start, out->n - start), 8);
    free(all);
    return 0;
}

/* A key make_key could have made. */
static bool key_valid(uint64_t key)
{
    uint64_t h6 = key >> 40 & 0xfffff, o = key >> 30 & 0x3ff;
    return key >> 63 && (key >> 60 & 7) == 0 && h6 < 1000000 && o < 26 * 26 &&
           (((key >> 29) & 1) == BW_BASIS_UNIT || (key & 0x1fffffff) == 0);
}

static bool get_hist(const unsigned char *q, hist *h)
{
    h->key = bw_get_le(q, 8);
    h->n = (uint32_t)bw_get_le(q + 8, 4);
    uint32_t sum = 0;
    for (int b = 0; b < BINS; b++) {
        h->bins[b] = (uint16_t)bw_get_le(q + 12 + 2 * b, 2);
        sum += h->bins[b];
    }
    find_lo(h, 0);
    return key_valid(h->key) && sum == h->n && h->n < DECAY_AT;
}

static bw_valuation_model *restore_fail(bw_valuation_model *v, char *err, size_t errlen, const char *why, uint64_t at)
{
    snprintf(err, errlen, "saved valuation model: %s (distribution %llu)", why, (unsigned long long)at);
    bw_valuation_free(v);
    return NULL;
}

bw_valuation_model *bw_valuation_restore(const void *bytes, size_t n, char *err, size_t errlen)
{
    const unsigned char *q = bytes;
    if (n < HEAD_BYTES + 8 || memcmp(q, MAGIC, 8) != 0) {
        snprintf(err, errlen, "saved valuation model: not one (no BWVALUE version 1 header)");
        return NULL;
    }
    uint64_t count = bw_get_le(q + 13, 8);
    if (bw_get_le(q + 11, 2) != BINS) {
        snprintf(err, errlen, "saved valuation model: %u bins, this build has %d", (unsigned)bw_get_le(q + 11, 2), BINS);
        return NULL;
    }
    if (count > (n - HEAD_BYTES - 8) / REC_BYTES || HEAD_BYTES + count * REC_BYTES + 8 != n) {
        snprintf(err, errlen, "saved valuation model: %zu bytes cannot hold the %llu distributions it announces", n,
                 (unsigned long long)count);
        return NULL;
    }
    if (XXH3_64bits(q, n - 8) != bw_get_le(q + n - 8, 8)) {
        snprintf(err, errlen, "saved valuation model: checksum mismatch (damaged or truncated)");
        return NULL;
    }
    char base[4] = {(char)q[8], (char)q[9], (char)q[10], 0};
    bw_valuation_model *v = bw_valuation_new(base);
    if (!v) {
        snprintf(err, errlen, "saved valuation model: base currency \"%.3s\" is not a known currency", base);
        return NULL;
    }
    uint64_t prev = 0;
    for (uint64_t i = 0; i < count; i++) {
        hist h;
        if (!get_hist(q + HEAD_BYTES + i * REC_BYTES, &h))
            return restore_fail(v, err, errlen, "an impossible key, or counts that do not add up", i);
        if (h.key <= prev)
            return restore_fail(v, err, errlen, "distributions are not in increasing key order", i);
        prev = h.key;
        if (!bw_keytab_add(&stripe_of(v, h.key)->t, &h, 16))
            return restore_fail(v, err, errlen, "out of memory", i);
    }
    return v;
}
