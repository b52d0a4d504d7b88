/*
 * refdata.c - loading and looking up reference data (see refdata.h).
 *
 * Lookups sit on the hot path of validation, so every table is turned into
 * direct-indexed arrays at load time: countries by their two letters,
 * currencies by their three, HS subheadings by their six digits as a
 * bitmap.  ICU is asked once per code at start, never per declaration.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <unicode/ucurr.h>
#include <unicode/uenum.h>
#include <unicode/uloc.h>

#include "../revenue/tariff.h"
#include "../revenue/tax.h"
#include "jurisdiction.h"
#include "refdata.h"
#include "registry.h"

/* ---- ISO codes from ICU ------------------------------------------------------ */

static uint8_t country_table[26 * 26];          /* 1 = known */
static int8_t currency_table[26 * 26 * 26];     /* exponent + 1; 0 = unknown */
static pthread_once_t codes_once = PTHREAD_ONCE_INIT;

static int upper_index(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : -1; }

static void load_codes(void)
{
    for (const char *const *c = uloc_getISOCountries(); *c; c++) {
        int a = upper_index((*c)[0]), b = upper_index((*c)[1]);
        if (a >= 0 && b >= 0 && (*c)[2] == 0)
            country_table[a * 26 + b] = 1;
    }
    UErrorCode st = U_ZERO_ERROR;
    UEnumeration *en = ucurr_openISOCurrencies(UCURR_COMMON | UCURR_NON_DEPRECATED, &st);
    const char *code;
    while (U_SUCCESS(st) && (code = uenum_next(en, NULL, &st)) != NULL) {
        int a = upper_index(code[0]), b = upper_index(code[1]), c = upper_index(code[2]);
        if (a < 0 || b < 0 || c < 0)
            continue;
        UChar u[4] = {(UChar)code[0], (UChar)code[1], (UChar)code[2], 0};
        UErrorCode s2 = U_ZERO_ERROR;
        int32_t digits = ucurr_getDefaultFractionDigits(u, &s2);
        if (U_SUCCESS(s2) && digits >= 0 && digits <= 4)
            currency_table[(a * 26 + b) * 26 + c] = (int8_t)(digits + 1);
    }
    uenum_close(en);
}

bool bw_country_known(bw_str s)
{
    pthread_once(&codes_once, load_codes);
    if (s.n != 2)
        return false;
    int a = upper_index(s.p[0]), b = upper_index(s.p[1]);
    return a >= 0 && b >= 0 && country_table[a * 26 + b];
}

int bw_currency_exponent(bw_str s)
{
    pthread_once(&codes_once, load_codes);
    if (s.n != 3)
        return -1;
    int a = upper_index(s.p[0]), b = upper_index(s.p[1]), c = upper_index(s.p[2]);
    if (a < 0 || b < 0 || c < 0)
        return -1;
    return currency_table[(a * 26 + b) * 26 + c] - 1;
}

/* ISO 4217 as published (codes-all.csv: Entity,Currency,AlphabeticCode,
 * NumericCode,MinorUnit,WithdrawalDate) replaces ICU's table when present:
 * ICU gives 0 decimals for some currencies where ISO says 2 (AFN, IQD, ...)
 * and still knows withdrawn ones (HRK).  Process-wide, like ICU's. */
static bool load_iso_currencies(const char *path, char *err, size_t errlen)
{
    /* once per process: a reload (serve, SIGHUP) must not rewrite the
     * table other threads are reading; currencies change by restart */
    static atomic_bool loaded;
    if (atomic_load(&loaded))
        return true;
    FILE *f = fopen(path, "r");
    if (!f)
        return true; /* optional: ICU stays */
    pthread_once(&codes_once, load_codes);
    static int8_t table[26 * 26 * 26];
    memset(table, 0, sizeof table);
    char line[1024];
    unsigned count = 0;
    while (fgets(line, sizeof line, f)) {
        /* the entity and currency names may be quoted with commas: read the
         * last four fields from the end of the line */
        line[strcspn(line, "\r\n")] = 0;
        char *field[4];
        int k = 4;
        for (char *p = line + strlen(line); p > line && k > 0; p--)
            if (p[-1] == ',') {
                field[--k] = p;
                p[-1] = 0;
            }
        if (k != 0)
            continue;
        const char *code = field[0], *minor = field[2], *withdrawn = field[3];
        int a = upper_index(code[0]), b = upper_index(code[1]), c = upper_index(code[2]);
        if (strlen(code) != 3 || a < 0 || b < 0 || c < 0 || *withdrawn || strlen(minor) != 1 ||
            minor[0] < '0' || minor[0] > '4')
            continue;
        table[(a * 26 + b) * 26 + c] = (int8_t)(minor[0] - '0' + 1);
        count++;
    }
    fclose(f);
    if (count < 100) {
        snprintf(err, errlen, "%s: only %u active currencies found; is this ISO 4217?", path, count);
        return false;
    }
    memcpy(currency_table, table, sizeof table);
    atomic_store(&loaded, true);
    return true;
}

/* ---- the store of everything else -------------------------------------------- */

typedef struct fx_series {
    uint32_t n;
    int32_t *day;      /* days since epoch, ascending */
    int64_t *rate;     /* units of the currency per 1 EUR, scaled by 10^FX_SCALE */
} fx_series;

#define FX_SCALE 6

struct bw_refdata {
    uint8_t *hs6;                  /* bitmap over 000000..999999; NULL = not loaded */
    fx_series fx[26 * 26 * 26];    /* by currency index; EUR is implicit 1 */
    bool fx_loaded;
    bw_jurisdiction *jurisdictions;
    uint32_t n_jurisdictions;
    bw_eu_vat *eu_vat;             /* eu-vat-rates/vat-rates.json, NULL if absent */
    bw_registry *registry;         /* vendor scheme numbers; empty without files */
    char ids[128];
};

const char *bw_default_datadir(const char *arg)
{
    if (arg && *arg)
        return arg;
    const char *env = getenv("BREAKWATER_DATA");
    return env && *env ? env : BW_DATADIR;
}

const char *bw_default_refdir(const char *arg)
{
    if (arg && *arg)
        return arg;
    const char *env = getenv("BREAKWATER_REFDATA");
    return env && *env ? env : NULL;
}

/* ---- HS nomenclature --------------------------------------------------------- */

/* harmonized-system.csv: section,hscode,description,parent,level.  Only the
 * code column matters here; descriptions may hold quoted commas, so the
 * code is read as the second field and the level as the last. */
static bool load_hs(bw_refdata *rd, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return true; /* optional: structural checks only */
    rd->hs6 = calloc(1000000 / 8 + 1, 1);
    char line[4096];
    unsigned count = 0;
    while (fgets(line, sizeof line, f)) {
        /* the section column is a Roman numeral; rows outside the sections
         * (TOTAL, the 99xxxx "not specified" codes) are not HS subheadings */
        char *c1 = strchr(line, ',');
        if (!c1 || c1 == line || strspn(line, "IVX") != (size_t)(c1 - line))
            continue;
        char *code = c1 + 1;
        size_t n = strspn(code, "0123456789");
        if (n != 6 || code[6] != ',')
            continue;
        unsigned v = (unsigned)strtoul(code, NULL, 10);
        rd->hs6[v / 8] |= (uint8_t)(1u << (v % 8));
        count++;
    }
    fclose(f);
    if (count < 1000) {
        snprintf(err, errlen, "%s: only %u six-digit subheadings found; is this the HS nomenclature?",
                 path, count);
        return false;
    }
    return true;
}

bool bw_hs_loaded(const bw_refdata *rd) { return rd->hs6 != NULL; }

bool bw_hs_subheading_exists(const bw_refdata *rd, const char *code6)
{
    unsigned v = 0;
    for (int i = 0; i < 6; i++) {
        if (code6[i] < '0' || code6[i] > '9')
            return false;
        v = v * 10 + (unsigned)(code6[i] - '0');
    }
    return rd->hs6 && (rd->hs6[v / 8] >> (v % 8) & 1);
}

/* ---- exchange rates ----------------------------------------------------------- */

static int cur_index(const char *c)
{
    int a = upper_index(c[0]), b = upper_index(c[1]), d = upper_index(c[2]);
    return a < 0 || b < 0 || d < 0 ? -1 : (a * 26 + b) * 26 + d;
}

static void fx_push(fx_series *s, int32_t day, int64_t rate)
{
    if ((s->n & (s->n - 1)) == 0) { /* grow at powers of two */
        uint32_t cap = s->n ? s->n * 2 : 1;
        s->day = realloc(s->day, cap * sizeof *s->day);
        s->rate = realloc(s->rate, cap * sizeof *s->rate);
    }
    s->day[s->n] = day;
    s->rate[s->n] = rate;
    s->n++;
}

static int by_day(const void *a, const void *b)
{
    const int64_t *x = a, *y = b; /* packed day<<32 | index */
    return (*x > *y) - (*x < *y);
}

/* eurofxref-hist.csv: "Date,USD,JPY,...", one row per business day (newest
 * first), "N/A" where a currency was not quoted. */
static bool load_fx(bw_refdata *rd, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    char *line = NULL;
    size_t cap = 0;
    int cols[512], ncols = 0;
    if (getline(&line, &cap, f) > 0) {
        char *save, *tok = strtok_r(line, ",\r\n", &save);
        while ((tok = strtok_r(NULL, ",\r\n", &save)) != NULL && ncols < 512)
            cols[ncols++] = strlen(tok) == 3 ? cur_index(tok) : -1;
    }
    while (getline(&line, &cap, f) > 0) {
        char *save, *tok = strtok_r(line, ",\r\n", &save);
        bw_time t;
        if (!tok || !bw_time_parse(tok, strlen(tok), &t))
            continue;
        int32_t day = (int32_t)(t / 86400);
        for (int c = 0; c < ncols && (tok = strtok_r(NULL, ",\r\n", &save)) != NULL; c++) {
            bw_decimal d;
            int64_t r;
            if (cols[c] < 0 || bw_decimal_parse(tok, strlen(tok), &d) != BW_DEC_OK ||
                bw_decimal_rescale(d, FX_SCALE, &r) != BW_DEC_OK || r <= 0)
                continue;
            fx_push(&rd->fx[cols[c]], day, r);
        }
    }
    free(line);
    fclose(f);
    /* sort each series ascending by day */
    for (int i = 0; i < 26 * 26 * 26; i++) {
        fx_series *s = &rd->fx[i];
        if (s->n < 2)
            continue;
        int64_t *tmp = malloc(s->n * sizeof *tmp);
        int64_t *rates = malloc(s->n * sizeof *rates);
        for (uint32_t k = 0; k < s->n; k++)
            tmp[k] = (int64_t)s->day[k] << 32 | k;
        qsort(tmp, s->n, sizeof *tmp, by_day);
        for (uint32_t k = 0; k < s->n; k++) {
            rates[k] = s->rate[tmp[k] & 0xffffffff];
            s->day[k] = (int32_t)(tmp[k] >> 32);
        }
        memcpy(s->rate, rates, s->n * sizeof *rates);
        free(tmp);
        free(rates);
    }
    rd->fx_loaded = true;
    (void)err;
    (void)errlen;
    return true;
}

bool bw_fx_loaded(const bw_refdata *rd) { return rd->fx_loaded; }

/* Units of `cur` per 1 EUR on `day`, scaled by 10^FX_SCALE. */
static bool fx_rate(const bw_refdata *rd, bw_str cur, int32_t day, int64_t *rate)
{
    if (bw_str_eq(cur, "EUR")) {
        *rate = 1000000;
        return true;
    }
    if (cur.n != 3)
        return false;
    int idx = cur_index(cur.p);
    if (idx < 0)
        return false;
    const fx_series *s = &rd->fx[idx];
    uint32_t lo = 0, hi = s->n; /* first index with day > `day` */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->day[mid] <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    *rate = s->rate[lo - 1];
    return true;
}

bool bw_fx_convert(const bw_refdata *rd, int64_t minor, bw_str from, bw_str to, bw_time when,
                   int64_t *out)
{
    if (bw_str_same(from, to)) {
        *out = minor;
        return true;
    }
    int ef = bw_currency_exponent(from), et = bw_currency_exponent(to);
    int32_t day = (int32_t)(when >= 0 ? when / 86400 : (when - 86399) / 86400);
    int64_t rf, rt;
    if (ef < 0 || et < 0 || !fx_rate(rd, from, day, &rf) || !fx_rate(rd, to, day, &rt))
        return false;
    /* to = minor * 10^(et-ef) * rt / rf, exactly, then rounded half away
     * from zero; 128-bit so no intermediate can overflow. */
    __int128 num = (__int128)minor * rt, den = rf;
    for (int i = ef; i < et; i++)
        num *= 10;
    for (int i = et; i < ef; i++)
        den *= 10;
    __int128 q = num / den, r = num % den;
    if (r < 0)
        r = -r;
    if (2 * r >= den)
        q += num < 0 ? -1 : 1;
    if (q > INT64_MAX || q < INT64_MIN)
        return false;
    *out = (int64_t)q;
    return true;
}

/* ---- jurisdictions --------------------------------------------------------------- */

const bw_jurisdiction *bw_jurisdiction_find(const bw_refdata *rd, bw_str id)
{
    for (uint32_t i = 0; i < rd->n_jurisdictions; i++)
        if (bw_str_eq(id, rd->jurisdictions[i].id))
            return &rd->jurisdictions[i];
    return NULL;
}

const char *bw_jurisdiction_ids(const bw_refdata *rd) { return rd->ids; }
uint32_t bw_jurisdiction_count(const bw_refdata *rd) { return rd->n_jurisdictions; }
const bw_jurisdiction *bw_jurisdiction_get(const bw_refdata *rd, uint32_t i)
{
    return i < rd->n_jurisdictions ? &rd->jurisdictions[i] : NULL;
}

const bw_jur_version *bw_jurisdiction_at(const bw_jurisdiction *j, bw_time when)
{
    const bw_jur_version *v = NULL;
    for (uint32_t i = 0; i < j->n_versions && j->versions[i].effective_from <= when; i++)
        v = &j->versions[i];
    return v;
}

/* ---- load ------------------------------------------------------------------------- */

/* External reference data first: the jurisdictions are checked against
 * its currency list. */
static bool load_external(bw_refdata *rd, const char *refdir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/iso-currency-codes/codes-all.csv", refdir);
    if (!load_iso_currencies(path, err, errlen))
        return false;
    snprintf(path, sizeof path, "%s/hs-nomenclature/harmonized-system.csv", refdir);
    if (!load_hs(rd, path, err, errlen))
        return false;
    snprintf(path, sizeof path, "%s/eu-vat-rates/vat-rates.json", refdir);
    if (access(path, R_OK) == 0 && !(rd->eu_vat = bw_eu_vat_load(path, err, errlen)))
        return false;
    snprintf(path, sizeof path, "%s/ecb-fx-rates/eurofxref-hist.csv", refdir);
    return load_fx(rd, path, err, errlen);
}

/* data/tariffs/<ID>.tsv and data/taxes/<ID>.tsv, each optional; a file
 * that is there must load whole.  Taxes that name EU rates need the EU VAT
 * table of the external reference data: without it they are left out (and
 * assessment says tax cannot be computed). */
static bool load_revenue_tables(bw_refdata *rd, const char *datadir, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < rd->n_jurisdictions; i++) {
        bw_jurisdiction *j = &rd->jurisdictions[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/tariffs/%s.tsv", datadir, j->id);
        if (access(path, R_OK) == 0 && !(j->tariff = bw_tariff_load(path, j->currency_exponent, err, errlen)))
            return false;
        snprintf(path, sizeof path, "%s/taxes/%s.tsv", datadir, j->id);
        if (access(path, R_OK) != 0)
            continue;
        char e2[512];
        j->taxes = bw_tax_load(path, rd->eu_vat, e2, sizeof e2);
        if (!j->taxes && (rd->eu_vat || !strstr(e2, "EU VAT rates"))) {
            snprintf(err, errlen, "%s", e2);
            return false;
        }
    }
    return true;
}

const bw_eu_vat *bw_refdata_eu_vat(const bw_refdata *rd) { return rd->eu_vat; }
const bw_registry *bw_refdata_registry(const bw_refdata *rd) { return rd->registry; }

bw_refdata *bw_refdata_load(const char *datadir, const char *refdir, char *err, size_t errlen)
{
    bw_refdata *rd = calloc(1, sizeof *rd);
    char path[4096];
    if (refdir && !load_external(rd, refdir, err, errlen))
        goto fail;
    snprintf(path, sizeof path, "%s/jurisdictions", datadir);
    if (!bw_jurisdictions_load(path, &rd->jurisdictions, &rd->n_jurisdictions, err, errlen))
        goto fail;
    if (rd->n_jurisdictions == 0) {
        snprintf(err, errlen, "%s: no jurisdiction files (*.json)", path);
        goto fail;
    }
    for (uint32_t i = 0; i < rd->n_jurisdictions; i++) {
        size_t n = strlen(rd->ids);
        snprintf(rd->ids + n, sizeof rd->ids - n, "%s%s", i ? ", " : "", rd->jurisdictions[i].id);
    }
    if (!load_revenue_tables(rd, datadir, err, errlen))
        goto fail;
    if (!(rd->registry = bw_registry_load(rd, datadir, err, errlen)))
        goto fail;
    return rd;
fail:
    bw_refdata_free(rd);
    return NULL;
}

void bw_refdata_free(bw_refdata *rd)
{
    if (!rd)
        return;
    free(rd->hs6);
    for (int i = 0; i < 26 * 26 * 26; i++) {
        free(rd->fx[i].day);
        free(rd->fx[i].rate);
    }
    for (uint32_t i = 0; i < rd->n_jurisdictions; i++) {
        bw_tariff_free(rd->jurisdictions[i].tariff);
        bw_tax_free(rd->jurisdictions[i].taxes);
    }
    bw_jurisdictions_free(rd->jurisdictions, rd->n_jurisdictions);
    bw_eu_vat_free(rd->eu_vat);
    bw_registry_free(rd->registry);
    free(rd);
}
