/*
 * stats_config.c - the reference data of statistics and KPIs, from
 * <datadir>/stats/: HS sections, value bands per jurisdiction (effective-
 * dated) and KPI settings.  Every bad line is refused naming file, line
 * and why.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tsv.h"
#include "../reference/refdata.h"
#include "stats.h"

typedef struct band {
    char jurisdiction[8];
    int32_t from_day;
    int64_t lower;
    char label[64];
} band;

struct bw_stats_config {
    uint8_t section_of[100];   /* by chapter */
    band *bands;
    size_t n_bands;
    int64_t immediate_release_s;
    double z;
};

static bool fail(char *err, size_t errlen, const char *path, unsigned ln, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%u: %s", path, ln, why);
    return false;
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool load_sections(bw_stats_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
    char *line = NULL, *fld[5];
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        long sec = 0, lo = 1, hi = 0;
        if (bw_tsv_split(line, fld, 5) != 5 || !parse_int(fld[0], 1, 99, &sec) || !parse_int(fld[2], 1, 99, &lo) ||
            !parse_int(fld[3], lo, 99, &hi))
            ok = fail(err, errlen, path, ln, "expected section, numeral, first chapter, last chapter, title");
        for (long ch = lo; ok && ch <= hi; ch++) {
            if (c->section_of[ch])
                ok = fail(err, errlen, path, ln, "chapter %ld is already in section %d", ch, c->section_of[ch]);
            c->section_of[ch] = (uint8_t)sec;
        }
    }
    free(line);
    fclose(f);
    return ok;
}

static bool parse_band(band *b, char **fld, const char *path, unsigned ln, char *err, size_t errlen)
{
    bw_time t;
    if (strlen(fld[0]) < 2 || strlen(fld[0]) >= sizeof b->jurisdiction)
        return fail(err, errlen, path, ln, "jurisdiction \"%s\": 2 to 7 characters", fld[0]);
    snprintf(b->jurisdiction, sizeof b->jurisdiction, "%s", fld[0]);
    if (strlen(fld[1]) != 10 || !bw_time_parse(fld[1], 10, &t))
        return fail(err, errlen, path, ln, "valid from \"%s\": not a date YYYY-MM-DD", fld[1]);
    b->from_day = bw_stats_day(t);
    int exp = bw_currency_exponent((bw_str){fld[2], (uint32_t)strlen(fld[2])});
    if (exp < 0)
        return fail(err, errlen, path, ln, "currency \"%s\": not an ISO 4217 code", fld[2]);
    bw_decimal d;
    if (bw_decimal_parse(fld[3], strlen(fld[3]), &d) != BW_DEC_OK || d.mantissa < 0 ||
        bw_decimal_rescale(d, (unsigned)exp, &b->lower) != BW_DEC_OK)
        return fail(err, errlen, path, ln, "lower bound \"%s\": not a non-negative amount in %s", fld[3], fld[2]);
    if (!*fld[4] || strlen(fld[4]) >= sizeof b->label - sizeof b->jurisdiction)
        return fail(err, errlen, path, ln, "label: 1 to 55 characters");
    snprintf(b->label, sizeof b->label, "%s %s", b->jurisdiction, fld[4]); /* bands of all jurisdictions share a dimension */
    return true;
}

static bool load_bands(bw_stats_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
    char *line = NULL, *fld[5];
    size_t cap = 0, n_cap = 0;
    unsigned ln = 0;
    bool ok = true;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        if (bw_tsv_split(line, fld, 5) != 5) {
            ok = fail(err, errlen, path, ln, "expected jurisdiction, valid from, currency, lower bound, label");
            break;
        }
        if (c->n_bands == n_cap) {
            n_cap = n_cap ? n_cap * 2 : 32;
            band *nb = realloc(c->bands, n_cap * sizeof *nb);
            if (!nb) {
                ok = fail(err, errlen, path, ln, "out of memory");
                break;
            }
            c->bands = nb;
        }
        band *b = &c->bands[c->n_bands];
        ok = parse_band(b, fld, path, ln, err, errlen);
        if (ok && c->n_bands) { /* a jurisdiction's bands of one date rise */
            const band *p = &c->bands[c->n_bands - 1];
            if (!strcmp(p->jurisdiction, b->jurisdiction) && p->from_day == b->from_day && p->lower >= b->lower)
                ok = fail(err, errlen, path, ln, "lower bounds of one jurisdiction and date must rise");
        }
        c->n_bands += ok;
    }
    free(line);
    fclose(f);
    return ok;
}

static bool load_kpis(bw_stats_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
    char *line = NULL, *fld[2];
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        long v;
        char *end;
        if (bw_tsv_split(line, fld, 2) != 2)
            ok = fail(err, errlen, path, ln, "expected key, value");
        else if (!strcmp(fld[0], "immediate_release_s"))
            ok = parse_int(fld[1], 0, 86400 * 30, &v) ? (c->immediate_release_s = v, true)
                                                       : fail(err, errlen, path, ln, "immediate_release_s: 0 to 2592000 seconds");
        else if (!strcmp(fld[0], "confidence_z"))
            ok = (c->z = strtod(fld[1], &end), *end == 0 && c->z > 0 && c->z < 10)
                     ? true
                     : fail(err, errlen, path, ln, "confidence_z: a number between 0 and 10");
        else
            ok = fail(err, errlen, path, ln, "unknown key \"%s\"", fld[0]);
    }
    free(line);
    fclose(f);
    return ok;
}

bw_stats_config *bw_stats_config_load(const char *datadir, char *err, size_t errlen)
{
    bw_stats_config *c = calloc(1, sizeof *c);
    char path[1024];
    bool ok = c != NULL;
    c->immediate_release_s = 900;
    c->z = 1.96;
    snprintf(path, sizeof path, "%s/stats/hs_sections.tsv", datadir);
    ok = ok && load_sections(c, path, err, errlen);
    snprintf(path, sizeof path, "%s/stats/value_bands.tsv", datadir);
    ok = ok && load_bands(c, path, err, errlen);
    snprintf(path, sizeof path, "%s/stats/kpis.tsv", datadir);
    ok = ok && load_kpis(c, path, err, errlen);
    if (!ok) {
        bw_stats_config_free(c);
        return NULL;
    }
    return c;
}

void bw_stats_config_free(bw_stats_config *c)
{
    if (!c)
        return;
    free(c->bands);
    free(c);
}

int bw_stats_section(const bw_stats_config *c, int chapter)
{
    return chapter > 0 && chapter < 100 ? c->section_of[chapter] : 0;
}

int bw_stats_band(const bw_stats_config *c, const char *jurisdiction, int32_t day, int64_t value, const char **label)
{
    int32_t in_force = INT32_MIN; /* the latest date on or before day */
    for (size_t i = 0; i < c->n_bands; i++)
        if (!strcmp(c->bands[i].jurisdiction, jurisdiction) && c->bands[i].from_day <= day &&
            c->bands[i].from_day > in_force)
            in_force = c->bands[i].from_day;
    int found = -1;
    for (size_t i = 0; i < c->n_bands; i++)
        if (c->bands[i].from_day == in_force && !strcmp(c->bands[i].jurisdiction, jurisdiction) &&
            c->bands[i].lower <= value)
            found = (int)i;
    if (label)
        *label = found >= 0 ? c->bands[found].label : "no band";
    return found;
}

int64_t bw_stats_immediate_release_s(const bw_stats_config *c) { return c->immediate_release_s; }
double bw_stats_confidence_z(const bw_stats_config *c) { return c->z; }

const char *bw_stats_band_label(const bw_stats_config *c, int i)
{
    return i >= 0 && (size_t)i < c->n_bands ? c->bands[i].label : "no band";
}

int bw_stats_bands_in_force(const bw_stats_config *c, const char *jurisdiction, int32_t day, int *idx, int max)
{
    int32_t in_force = INT32_MIN;
    for (size_t i = 0; i < c->n_bands; i++)
        if (!strcmp(c->bands[i].jurisdiction, jurisdiction) && c->bands[i].from_day <= day &&
            c->bands[i].from_day > in_force)
            in_force = c->bands[i].from_day;
    int n = 0;
    for (size_t i = 0; i < c->n_bands && n < max; i++)
        if (c->bands[i].from_day == in_force && !strcmp(c->bands[i].jurisdiction, jurisdiction))
            idx[n++] = (int)i;
    return n;
}

int64_t bw_stats_band_lower(const bw_stats_config *c, int i) { return c->bands[i].lower; }
