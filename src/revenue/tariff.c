/*
 * tariff.c - loading tariff files and computing duties (see tariff.h).
 *
 * Lookup is a binary search per prefix length (10, 8, 6, 4, 2 digits) over
 * lines sorted by code and start date: a handful of comparisons, so the
 * full national tariff costs no more per item than the sample.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/tsv.h"
#include "tariff.h"

struct bw_tariff {
    bw_tariff_line *v;
    uint32_t n;
};

/* p / den rounded half away from zero (den > 0); BW_AMOUNT_OVERFLOW when
 * the result does not fit an int64. */
static int64_t round_div(__int128 p, int64_t den)
{
    __int128 q = p / den, r = p % den;
    if (r < 0)
        r = -r;
    if (2 * r >= den)
        q += p < 0 ? -1 : 1;
    return q > INT64_MAX || q <= INT64_MIN ? BW_AMOUNT_OVERFLOW : (int64_t)q;
}

int64_t bw_mul_div_round(int64_t value, int64_t num, int64_t den) { return round_div((__int128)value * num, den); }

int64_t bw_mul2_div_round(int64_t value, int64_t a, int64_t b, int64_t den)
{
    return round_div((__int128)value * a * b, den);
}

/* ---- loading ----------------------------------------------------------------- */

typedef struct parse {
    const char *path;
    unsigned line;
    char *err;
    size_t errlen;
} parse;

static bool fail(parse *P, const char *what, const char *value)
{
    snprintf(P->err, P->errlen, "%s:%u: %s \"%.40s\"", P->path, P->line, what, value);
    return false;
}

static bool date(parse *P, const char *s, bool may_be_empty, bw_time *out)
{
    *out = 0;
    if (!*s && may_be_empty)
        return true;
    if (strlen(s) != 10 || !bw_time_parse(s, 10, out))
        return fail(P, "not a date (YYYY-MM-DD):", s);
    return true;
}

/* A non-negative decimal at `scale` fractional digits of `unit`; empty = 0. */
static bool scaled(parse *P, const char *s, unsigned scale, int64_t *out, const char *what)
{
    *out = 0;
    if (!*s)
        return true;
    bw_decimal d;
    if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK || d.mantissa < 0 ||
        bw_decimal_rescale(d, scale, out) != BW_DEC_OK)
        return fail(P, what, s);
    return true;
}

static bool parse_line(parse *P, char *line, int exponent, bw_tariff_line *t)
{
    char *f[8];
    if (bw_tsv_split(line, f, 8) != 8)
        return fail(P, "8 tab-separated fields expected, got", line);
    size_t hl = strlen(f[0]);
    if (hl < 2 || hl > 10 || hl % 2 || strspn(f[0], "0123456789") != hl)
        return fail(P, "hs must be 2, 4, 6, 8 or 10 digits:", f[0]);
    memset(t, 0, sizeof *t);
    memcpy(t->hs, f[0], hl);
    t->hs_len = (uint8_t)hl;
    if (!date(P, f[1], false, &t->from) || !date(P, f[2], true, &t->to))
        return false;
    if (t->to && t->to <= t->from)
        return fail(P, "\"to\" must be after \"from\":", f[2]);
    /* percent with up to 4 decimals -> ppm */
    if (!scaled(P, f[3], 4, &t->ad_valorem_ppm, "ad_valorem_pct is not a percentage:"))
        return false;
    int64_t spec;
    if (!scaled(P, f[4], (unsigned)exponent + 4, &spec, "specific is not an amount:"))
        return false;
    t->specific = spec;
    t->per = !strcmp(f[5], "kg") ? PER_KG : !strcmp(f[5], "item") ? PER_ITEM : PER_NONE;
    if (*f[5] && t->per == PER_NONE)
        return fail(P, "per must be kg or item:", f[5]);
    if (*f[4] && t->per == PER_NONE)
        return fail(P, "a specific duty needs per (kg or item):", f[4]);
    static const char *const combines[] = {"ad_valorem", "specific", "max", "min", "sum"};
    int c = 0;
    while (c < 5 && strcmp(f[6], combines[c]))
        c++;
    if (c == 5)
        return fail(P, "combine must be ad_valorem, specific, max, min or sum:", f[6]);
    t->combine = (bw_combine)c;
    if (t->combine != COMBINE_AD_VALOREM && !*f[4])
        return fail(P, "this combine needs a specific duty:", f[6]);
    if (t->combine != COMBINE_SPECIFIC && !*f[3])
        return fail(P, "this combine needs ad_valorem_pct:", f[6]);
    t->note = strdup(f[7]);
    return true;
}

static int by_code_then_date(const void *a, const void *b)
{
    const bw_tariff_line *x = a, *y = b;
    int c = strcmp(x->hs, y->hs);
    return c ? c : (x->from > y->from) - (x->from < y->from);
}

bw_tariff *bw_tariff_load(const char *path, int exponent, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the tariff file", path);
        return NULL;
    }
    bw_tariff *t = calloc(1, sizeof *t);
    uint32_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    parse P = {path, 0, err, errlen};
    bool ok = true, header = false;
    while (ok && bw_tsv_next(f, &line, &lcap, &P.line)) {
        if (!header) {
            header = true;
            if (strcmp(line, "hs\tfrom\tto\tad_valorem_pct\tspecific\tper\tcombine\tnote"))
                ok = fail(&P, "the header must be: hs from to ad_valorem_pct specific per combine note; got", line);
            continue;
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 256;
            t->v = realloc(t->v, cap * sizeof *t->v);
        }
        ok = parse_line(&P, line, exponent, &t->v[t->n]);
        t->n += ok;
    }
    free(line);
    fclose(f);
    if (ok && !header) {
        snprintf(err, errlen, "%s: empty tariff file", path);
        ok = false;
    }
    if (ok) {
        qsort(t->v, t->n, sizeof *t->v, by_code_then_date);
        for (uint32_t i = 1; i < t->n && ok; i++)
            if (!strcmp(t->v[i].hs, t->v[i - 1].hs) &&
                (!t->v[i - 1].to || t->v[i - 1].to > t->v[i].from)) {
                snprintf(err, errlen, "%s: two lines for %s overlap in time", path, t->v[i].hs);
                ok = false;
            }
    }
    if (!ok) {
        bw_tariff_free(t);
        return NULL;
    }
    return t;
}

void bw_tariff_free(bw_tariff *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->v[i].note);
    free(t->v);
    free(t);
}

uint32_t bw_tariff_size(const bw_tariff *t) { return t->n; }

/* ---- lookup --------------------------------------------------------------------- */

/* The line for exactly this prefix in force on `when`, or NULL. */
static const bw_tariff_line *find_exact(const bw_tariff *t, const char *hs, size_t n, bw_time when)
{
    uint32_t lo = 0, hi = t->n;
    while (lo < hi) { /* first line whose code is >= hs[0..n) */
        uint32_t mid = (lo + hi) / 2;
        const bw_tariff_line *m = &t->v[mid];
        int c = strncmp(m->hs, hs, n);
        if (c < 0 || (c == 0 && m->hs_len < n))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint32_t i = lo; i < t->n && t->v[i].hs_len == n && !strncmp(t->v[i].hs, hs, n); i++)
        if (t->v[i].from <= when && (!t->v[i].to || when < t->v[i].to))
            return &t->v[i];
    return NULL;
}

const bw_tariff_line *bw_tariff_find(const bw_tariff *t, const char *hs, size_t n, bw_time when)
{
    if (n > 10)
        n = 10;
    for (size_t len = n - n % 2; len >= 2; len -= 2) {
        const bw_tariff_line *l = find_exact(t, hs, len, when);
        if (l)
            return l;
    }
    return NULL;
}

/* ---- duty --------------------------------------------------------------------------- */

/* Duty parts are computed exactly in 10^-10 of a minor unit (the common
 * denominator of ppm of a value, milligrams of a per-kg amount and
 * thousandths of a per-item amount), combined, and rounded once. */
static int64_t round_exact(__int128 v) { return round_div(v, 10000000000LL); }

bool bw_tariff_duty(const bw_tariff_line *line, int64_t value_minor, int64_t net_weight_mg,
                    int64_t quantity_milli, int64_t *duty)
{
    __int128 adv = (__int128)value_minor * line->ad_valorem_ppm * BW_SPECIFIC_SCALE, spec;
    if (line->combine == COMBINE_AD_VALOREM) {
        *duty = round_exact(adv);
        return true;
    }
    if (line->per == PER_KG && net_weight_mg > 0)
        spec = (__int128)net_weight_mg * line->specific;            /* mg x 1e-4/kg = 1e-10 */
    else if (line->per == PER_ITEM && quantity_milli > 0)
        spec = (__int128)quantity_milli * line->specific * 1000;     /* 1e-3 x 1e-4 x 1e3 */
    else {
        *duty = line->combine == COMBINE_SPECIFIC ? 0 : round_exact(adv);
        return false;
    }
    __int128 d;
    switch (line->combine) {
    case COMBINE_SPECIFIC: d = spec; break;
    case COMBINE_MAX: d = adv > spec ? adv : spec; break;
    case COMBINE_MIN: d = adv < spec ? adv : spec; break;
    default: d = adv + spec; break;
    }
    *duty = round_exact(d);
    return true;
}
