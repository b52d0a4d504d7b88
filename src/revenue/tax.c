/*
 * tax.c - import tax tables and the EU VAT rates (see tax.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/tsv.h"
#include "tax.h"

typedef struct tax_line {
    char region[8];
    char hs[11];
    uint8_t hs_len;
    bw_time from, to;
    int64_t ppm;          /* -1: a named EU rate, resolved per country */
    char rate_name[32];
    char name[16];
    char *note;
} tax_line;

/* Lines are kept grouped by tax name (sorted at load), so a lookup is one
 * pass over each name's lines. */
struct bw_tax_table {
    tax_line *v;
    uint32_t n;
    const bw_eu_vat *eu;
    uint32_t group[BW_TAX_NAMES_MAX + 1]; /* group k is v[group[k] .. group[k+1]) */
    unsigned n_groups;
};

/* ---- EU VAT rates ------------------------------------------------------------- */

typedef struct eu_period {
    char country[3];
    bw_time from;
    char names[8][32];
    int64_t ppm[8];
    unsigned n;
} eu_period;

struct bw_eu_vat {
    eu_period *v;
    uint32_t n;
    int32_t first[26 * 26];   /* by country: index of its first period, -1 none */
};

static int country_index(const char *c)
{
    return c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' ? (c[0] - 'A') * 26 + (c[1] - 'A') : -1;
}

static int by_country(const void *a, const void *b)
{
    return strcmp(((const eu_period *)a)->country, ((const eu_period *)b)->country);
}

bw_eu_vat *bw_eu_vat_load(const char *path, char *err, size_t errlen)
{
    json_object *root = json_object_from_file(path), *items;
    if (!root || !json_object_object_get_ex(root, "items", &items) ||
        !json_object_is_type(items, json_type_object)) {
        snprintf(err, errlen, "%s: not the EU VAT rates table (no \"items\" object)", path);
        json_object_put(root);
        return NULL;
    }
    bw_eu_vat *v = calloc(1, sizeof *v);
    json_object_object_foreach(items, country, periods) {
        for (size_t i = 0; json_object_is_type(periods, json_type_array) && i < json_object_array_length(periods); i++) {
            json_object *p = json_object_array_get_idx(periods, i), *from, *rates;
            if (strlen(country) != 2 || !json_object_object_get_ex(p, "effective_from", &from) ||
                !json_object_object_get_ex(p, "rates", &rates))
                continue;
            v->v = realloc(v->v, (v->n + 1) * sizeof *v->v);
            eu_period *e = &v->v[v->n];
            memset(e, 0, sizeof *e);
            memcpy(e->country, country, 3);
            const char *f = json_object_get_string(from);
            /* "0000-01-01" means since always */
            if (!bw_time_parse(f, strlen(f), &e->from))
                e->from = INT64_MIN / 2;
            json_object_object_foreach(rates, name, rate) {
                if (e->n == 8 || strlen(name) >= sizeof e->names[0])
                    continue;
                char num[32];
                snprintf(num, sizeof num, "%s", json_object_get_string(rate));
                bw_decimal d;
                int64_t ppm;
                if (bw_decimal_parse(num, strlen(num), &d) != BW_DEC_OK || bw_decimal_rescale(d, 4, &ppm) != BW_DEC_OK)
                    continue;
                snprintf(e->names[e->n], sizeof e->names[0], "%s", name);
                e->ppm[e->n++] = ppm;
            }
            v->n++;
        }
    }
    json_object_put(root);
    if (v->n == 0) {
        snprintf(err, errlen, "%s: no rates found", path);
        bw_eu_vat_free(v);
        return NULL;
    }
    /* periods grouped by country, so a lookup reads one country's only */
    qsort(v->v, v->n, sizeof *v->v, by_country);
    for (int i = 0; i < 26 * 26; i++)
        v->first[i] = -1;
    for (uint32_t i = v->n; i-- > 0;) {
        int k = country_index(v->v[i].country);
        if (k >= 0)
            v->first[k] = (int32_t)i;
    }
    return v;
}

void bw_eu_vat_free(bw_eu_vat *v)
{
    if (!v)
        return;
    free(v->v);
    free(v);
}

int64_t bw_eu_vat_rate(const bw_eu_vat *v, const char *country, const char *name, bw_time when)
{
    const eu_period *best = NULL;
    int ci = country_index(country);
    for (int32_t i = ci >= 0 ? v->first[ci] : -1; i >= 0 && (uint32_t)i < v->n && !strcmp(v->v[i].country, country); i++) {
        const eu_period *e = &v->v[i];
        if (e->from <= when && (!best || e->from > best->from))
            best = e;
    }
    for (unsigned k = 0; best && k < best->n; k++)
        if (!strcmp(best->names[k], name))
            return best->ppm[k];
    return -1;
}

/* ---- tax tables ------------------------------------------------------------------ */

static bool fail(char *err, size_t errlen, const char *path, unsigned line, const char *what, const char *v)
{
    snprintf(err, errlen, "%s:%u: %s \"%.40s\"", path, line, what, v);
    return false;
}

static bool parse_line(char *line, tax_line *t, const char *path, unsigned ln, char *err, size_t errlen)
{
    char *f[7];
    if (bw_tsv_split(line, f, 7) != 7)
        return fail(err, errlen, path, ln, "7 tab-separated fields expected, got", line);
    memset(t, 0, sizeof *t);
    size_t rl = strlen(f[0]), hl = strlen(f[1]);
    if (rl == 0 || rl >= sizeof t->region)
        return fail(err, errlen, path, ln, "region must be a country, a province (CA-ON) or *:", f[0]);
    memcpy(t->region, f[0], rl + 1);
    if (hl > 10 || hl % 2 || strspn(f[1], "0123456789") != hl)
        return fail(err, errlen, path, ln, "hs must be empty or 2-10 digits:", f[1]);
    memcpy(t->hs, f[1], hl + 1);
    t->hs_len = (uint8_t)hl;
    if (strlen(f[2]) != 10 || !bw_time_parse(f[2], 10, &t->from))
        return fail(err, errlen, path, ln, "from is not a date (YYYY-MM-DD):", f[2]);
    if (*f[3] && (strlen(f[3]) != 10 || !bw_time_parse(f[3], 10, &t->to) || t->to <= t->from))
        return fail(err, errlen, path, ln, "to is not a later date:", f[3]);
    bw_decimal d;
    if (bw_decimal_parse(f[4], strlen(f[4]), &d) == BW_DEC_OK) {
        if (d.mantissa < 0 || bw_decimal_rescale(d, 4, &t->ppm) != BW_DEC_OK)
            return fail(err, errlen, path, ln, "rate is not a percentage:", f[4]);
    } else if (*f[4] && strlen(f[4]) < sizeof t->rate_name && strspn(f[4], "abcdefghijklmnopqrstuvwxyz_0123456789") == strlen(f[4])) {
        t->ppm = -1; /* a named EU rate */
        memcpy(t->rate_name, f[4], strlen(f[4]) + 1);
    } else {
        return fail(err, errlen, path, ln, "rate must be a percentage or a rate name:", f[4]);
    }
    if (!*f[5] || strlen(f[5]) >= sizeof t->name)
        return fail(err, errlen, path, ln, "name must name the tax (VAT, GST, ...):", f[5]);
    memcpy(t->name, f[5], strlen(f[5]) + 1);
    t->note = strdup(f[6]);
    return true;
}

static int by_name(const void *a, const void *b) { return strcmp(((const tax_line *)a)->name, ((const tax_line *)b)->name); }

static bool group_by_name(bw_tax_table *t, const char *path, char *err, size_t errlen)
{
    if (t->n) /* a table may hold no line (the US: no import VAT) */
        qsort(t->v, t->n, sizeof *t->v, by_name);
    for (uint32_t i = 0; i < t->n; i++) {
        if (i && !strcmp(t->v[i].name, t->v[i - 1].name))
            continue;
        if (t->n_groups == BW_TAX_NAMES_MAX) {
            snprintf(err, errlen, "%s: more than %d tax names", path, BW_TAX_NAMES_MAX);
            return false;
        }
        t->group[t->n_groups++] = i;
    }
    t->group[t->n_groups] = t->n;
    return true;
}

bw_tax_table *bw_tax_load(const char *path, const bw_eu_vat *eu, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the tax file", path);
        return NULL;
    }
    bw_tax_table *t = calloc(1, sizeof *t);
    t->eu = eu;
    char *line = NULL;
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true, header = false;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        if (!header) {
            header = true;
            if (strcmp(line, "region\ths\tfrom\tto\trate\tname\tnote"))
                ok = fail(err, errlen, path, ln, "the header must be: region hs from to rate name note; got", line);
            continue;
        }
        t->v = realloc(t->v, (t->n + 1) * sizeof *t->v);
        ok = parse_line(line, &t->v[t->n], path, ln, err, errlen);
        if (ok && t->v[t->n].ppm < 0 && !eu) {
            ok = fail(err, errlen, path, ln, "a named rate needs the EU VAT rates table:", t->v[t->n].rate_name);
            free(t->v[t->n].note);
        }
        t->n += ok;
    }
    free(line);
    fclose(f);
    if (ok && !header)
        ok = fail(err, errlen, path, ln, "no header in", path);
    if (ok)
        ok = group_by_name(t, path, err, errlen);
    if (!ok) {
        bw_tax_free(t);
        return NULL;
    }
    return t;
}

void bw_tax_free(bw_tax_table *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->v[i].note);
    free(t->v);
    free(t);
}

/* The rate of a line for a destination (named EU rates resolved), -1 none. */
static int64_t line_rate(const bw_tax_table *t, const tax_line *l, const char *region, bw_time when)
{
    if (l->ppm >= 0)
        return l->ppm;
    char country[3] = {region[0], region[1], 0};
    return bw_eu_vat_rate(t->eu, country, l->rate_name, when);
}

unsigned bw_tax_find(const bw_tax_table *t, const char *region, const char *hs, size_t n, bw_time when,
                     bw_tax_rate out[BW_TAX_NAMES_MAX])
{
    unsigned count = 0;
    size_t region_len = strlen(region);
    for (unsigned g = 0; g < t->n_groups; g++) {
        /* the most specific region first (exact, then its country, then
         * any), then the longest HS prefix */
        const tax_line *best = NULL;
        int best_score = -1;
        for (uint32_t j = t->group[g]; j < t->group[g + 1]; j++) {
            const tax_line *l = &t->v[j];
            /* the region's first letter settles most lines at once */
            if (l->region[0] != '*' && l->region[0] != region[0])
                continue;
            if (l->from > when || (l->to && when >= l->to) || l->hs_len > n || (l->hs_len && memcmp(l->hs, hs, l->hs_len)))
                continue;
            int level = !strcmp(l->region, region)                                         ? 2
                        : strlen(l->region) == 2 && region_len > 2 && !strncmp(l->region, region, 2) ? 1
                        : !strcmp(l->region, "*")                                          ? 0
                                                                                           : -1;
            int score = level * 100 + l->hs_len;
            if (level >= 0 && score > best_score) {
                best = l;
                best_score = score;
            }
        }
        int64_t ppm = best ? line_rate(t, best, region, when) : -1;
        if (ppm >= 0) {
            snprintf(out[count].name, sizeof out[count].name, "%s", best->name);
            out[count].ppm = ppm;
            out[count].rule = best->note;
            count++;
        }
    }
    return count;
}
