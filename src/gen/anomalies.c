/*
 * anomalies.c - vocabularies, spelling rules and thresholds behind
 * `breakwater gen --anomalies` (see anomalies.h; the files are described in
 * data/demo/README.md, the patterns in docs/generator.md).
 *
 * Everything read here ends up verbatim inside JSON strings or TSV fields
 * the generator writes without escaping, so the loaders refuse quotes,
 * backslashes, tabs and control characters, naming file and line.
 */
#include "anomalies.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tsv.h"
#include "../reference/jurisdiction.h"

/* ---- rate ------------------------------------------------------------------- */

int anom_parse_rate(const char *s, uint32_t *ppm)
{
    if (!s || !*s)
        return -1;
    uint64_t whole = 0, frac = 0;
    unsigned digits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (uint64_t)(*p - '0');
        if (whole > 1)
            return -1;
        digits++;
    }
    if (*p == '.') {
        unsigned decimals = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, decimals++) {
            digits++;
            if (decimals < 6)
                frac = frac * 10 + (uint64_t)(*p - '0');
            else if (*p != '0') /* more precision than a share of a million */
                return -1;
        }
        for (; decimals < 6; decimals++)
            frac *= 10;
    }
    if (*p || digits == 0)
        return -1;
    uint64_t v = whole * 1000000 + frac;
    if (v > 1000000)
        return -1;
    *ppm = (uint32_t)v;
    return 0;
}

/* ---- loading ------------------------------------------------------------------ */

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* One TSV file being read: its path, the line number for messages. */
typedef struct tsv_file {
    char path[4096];
    FILE *f;
    char *line;
    size_t cap;
    unsigned ln;
    char *err;
    size_t errlen;
} tsv_file;

static int fail(tsv_file *t, const char *why)
{
    set_err(t->err, t->errlen, "%s line %u: %s", t->path, t->ln, why);
    return -1;
}

static int tsv_open(tsv_file *t, const char *datadir, const char *name, const char *header, char *err,
                    size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->err = err;
    t->errlen = errlen;
    if ((size_t)snprintf(t->path, sizeof t->path, "%s/demo/%s", datadir, name) >= sizeof t->path) {
        set_err(err, errlen, "data directory path too long");
        return -1;
    }
    if (!(t->f = fopen(t->path, "r"))) {
        set_err(err, errlen, "cannot open %s: %s", t->path, strerror(errno));
        return -1;
    }
    if (!bw_tsv_next(t->f, &t->line, &t->cap, &t->ln) || strcmp(t->line, header) != 0) {
        set_err(err, errlen, "%s line %u: the first row must be the header: %s", t->path, t->ln, header);
        return -1;
    }
    return 0;
}

static void tsv_close(tsv_file *t)
{
    if (t->f)
        fclose(t->f);
    free(t->line);
    t->f = NULL;
    t->line = NULL;
}

/* The next data row split into exactly n fields; 1, 0 at the end, -1 on a
 * wrong column count or a character that cannot go into JSON unescaped. */
static int tsv_row(tsv_file *t, char **f, int n)
{
    if (!bw_tsv_next(t->f, &t->line, &t->cap, &t->ln))
        return 0;
    for (const unsigned char *p = (const unsigned char *)t->line; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == '"' || *p == '\\')
            return fail(t, "contains a quote, backslash or control character");
    char *fields[16];
    int got = bw_tsv_split(t->line, fields, n + 1);
    if (got != n) {
        char why[64];
        snprintf(why, sizeof why, "expected %d tab-separated columns, found %d", n, got);
        return fail(t, why);
    }
    memcpy(f, fields, (size_t)n * sizeof *f);
    return 1;
}

static const char *keep(anom_vocab *v, const char *s)
{
    return bw_arena_strdup(&v->arena, s, strlen(s));
}

static bool is_cc(const char *s)
{
    return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/* "DE,PL,GB" -> codes; false on a malformed list. */
static bool parse_countries(char *list, char (*out)[3], uint32_t *n)
{
    *n = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (!is_cc(tok) || *n == ANOM_MAX_COUNTRIES)
            return false;
        memcpy(out[(*n)++], tok, 3);
    }
    return *n > 0;
}

static bool parse_weight(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long w = strtoul(s, &end, 10);
    if (errno || *end || !*s || *s == '-' || w > 1000000)
        return false;
    *out = (uint32_t)w;
    return true;
}

#define CULTURES_HEADER "culture\torder\tjoiner\tcompany\tlives_in\tsells_from\tshare"

static int culture_row(anom_vocab *v, tsv_file *t, char **f)
{
    anom_culture *c = &v->cultures[v->ncultures];
    memset(c, 0, sizeof *c);
    size_t n = strlen(f[0]);
    if (n < 2 || n > 3 || strspn(f[0], "abcdefghijklmnopqrstuvwxyz") != n)
        return fail(t, "culture must be 2-3 lowercase letters");
    for (uint32_t i = 0; i < v->ncultures; i++)
        if (!strcmp(v->cultures[i].code, f[0]))
            return fail(t, "culture listed twice");
    memcpy(c->code, f[0], n + 1);
    if (strcmp(f[1], "given_first") && strcmp(f[1], "family_first"))
        return fail(t, "order must be given_first or family_first");
    c->family_first = !strcmp(f[1], "family_first");
    if (strcmp(f[2], "space") && strcmp(f[2], "none") && strcmp(f[2], "-"))
        return fail(t, "joiner must be space, none or -");
    c->native_nospace = !strcmp(f[2], "none");
    if (strcmp(f[3], "suffix_last") && strcmp(f[3], "suffix_first") && strcmp(f[3], "none"))
        return fail(t, "company must be suffix_last, suffix_first or none");
    c->company = strcmp(f[3], "none") != 0;
    c->suffix_first = !strcmp(f[3], "suffix_first");
    if (!parse_countries(f[4], c->lives_in, &c->nlives) || !parse_countries(f[5], c->sells_from, &c->nsells))
        return fail(t, "lives_in and sells_from must be comma-separated ISO country codes");
    if (!parse_weight(f[6], &c->share) || c->share == 0)
        return fail(t, "share must be a positive integer");
    v->culture_share += c->share;
    v->ncultures++;
    return 0;
}

static int load_cultures(anom_vocab *v, const char *datadir, char *err, size_t errlen)
{
    tsv_file t;
    int rc = tsv_open(&t, datadir, "offender_cultures.tsv", CULTURES_HEADER, err, errlen);
    char *f[7];
    v->cultures = calloc(64, sizeof *v->cultures);
    while (rc == 0 && (rc = tsv_row(&t, f, 7)) == 1) {
        rc = v->ncultures == 64 ? fail(&t, "more than 64 cultures") : culture_row(v, &t, f);
    }
    if (rc == 0 && v->ncultures == 0)
        rc = fail(&t, "no cultures");
    tsv_close(&t);
    return rc;
}

#define NAMES_HEADER "culture\tpart\ttag\tlatin\tascii\tnative\tvariants"

static int part_kind(const char *s)
{
    static const char *const names[PART_COUNT] = {"given", "family", "city", "brand", "business", "suffix"};
    for (int i = 0; i < PART_COUNT; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

static anom_culture *find_culture(anom_vocab *v, const char *code)
{
    for (uint32_t i = 0; i < v->ncultures; i++)
        if (!strcmp(v->cultures[i].code, code))
            return &v->cultures[i];
    return NULL;
}

static bool valid_tag(int kind, const char *tag)
{
    if (kind == PART_GIVEN || kind == PART_FAMILY)
        return !strcmp(tag, "m") || !strcmp(tag, "f") || !strcmp(tag, "-");
    if (kind == PART_CITY)
        return is_cc(tag);
    return !strcmp(tag, "-");
}

static int add_variants(anom_vocab *v, anom_part *p, char *list)
{
    uint32_t n = *list ? 1 : 0;
    for (const char *c = list; *c; c++)
        n += *c == '|';
    p->variants = bw_arena_alloc(&v->arena, (n ? n : 1) * sizeof *p->variants);
    p->nvariants = 0;
    for (char *tok = strtok(list, "|"); tok; tok = strtok(NULL, "|"))
        p->variants[p->nvariants++] = keep(v, tok);
    return p->nvariants == n ? 0 : -1;
}

static int name_row(anom_vocab *v, tsv_file *t, char **f, uint32_t caps[][PART_COUNT])
{
    anom_culture *c = find_culture(v, f[0]);
    if (!c)
        return fail(t, "culture is not in offender_cultures.tsv");
    int kind = part_kind(f[1]);
    if (kind < 0)
        return fail(t, "part must be given, family, city, brand, business or suffix");
    if (!valid_tag(kind, f[2]))
        return fail(t, "tag must be m, f or - (names), a country code (city), else -");
    if (!*f[3] || strlen(f[3]) > 60 || strlen(f[4]) > 60 || strlen(f[5]) > 60)
        return fail(t, "latin is required; latin, ascii and native at most 60 bytes");
    uint32_t ci = (uint32_t)(c - v->cultures);
    if (c->nparts[kind] == caps[ci][kind]) {
        uint32_t cap = caps[ci][kind] ? caps[ci][kind] * 2 : 16;
        anom_part *grown = realloc(c->parts[kind], cap * sizeof *grown);
        if (!grown)
            return fail(t, "out of memory");
        c->parts[kind] = grown;
        caps[ci][kind] = cap;
    }
    anom_part *p = &c->parts[kind][c->nparts[kind]];
    memset(p, 0, sizeof *p);
    memcpy(p->tag, f[2], strlen(f[2]) + 1);
    p->latin = keep(v, f[3]);
    p->ascii = *f[4] ? keep(v, f[4]) : p->latin;
    p->native = *f[5] ? keep(v, f[5]) : NULL;
    if (add_variants(v, p, f[6]))
        return fail(t, "variants must be non-empty spellings separated by |");
    c->nparts[kind]++;
    return 0;
}

/* Every culture needs given and family names; one with companies also
 * brands, businesses and legal forms. */
static int check_parts(anom_vocab *v, tsv_file *t)
{
    for (uint32_t i = 0; i < v->ncultures; i++) {
        const anom_culture *c = &v->cultures[i];
        char why[128];
        if (!c->nparts[PART_GIVEN] || !c->nparts[PART_FAMILY] ||
            (c->company && (!c->nparts[PART_BRAND] || !c->nparts[PART_BUSINESS] || !c->nparts[PART_SUFFIX]))) {
            snprintf(why, sizeof why, "culture %s lacks given or family names (or company parts)", c->code);
            t->ln = 0;
            set_err(t->err, t->errlen, "%s: %s", t->path, why);
            return -1;
        }
    }
    return 0;
}

static int load_names(anom_vocab *v, const char *datadir, char *err, size_t errlen)
{
    tsv_file t;
    int rc = tsv_open(&t, datadir, "offender_names.tsv", NAMES_HEADER, err, errlen);
    uint32_t (*caps)[PART_COUNT] = calloc(v->ncultures, sizeof *caps);
    char *f[7];
    while (rc == 0 && (rc = tsv_row(&t, f, 7)) == 1)
        rc = name_row(v, &t, f, caps);
    if (rc == 0)
        rc = check_parts(v, &t);
    free(caps);
    tsv_close(&t);
    return rc;
}

#define REASONS_HEADER "reason\tapplies\tweight"

static int load_reasons(anom_vocab *v, const char *datadir, char *err, size_t errlen)
{
    tsv_file t;
    int rc = tsv_open(&t, datadir, "offender_reasons.tsv", REASONS_HEADER, err, errlen);
    char *f[3];
    v->reasons = calloc(256, sizeof *v->reasons);
    bool person = false, company = false;
    while (rc == 0 && (rc = tsv_row(&t, f, 3)) == 1) {
        anom_reason *r = &v->reasons[v->nreasons];
        rc = 0;
        if (v->nreasons == 256)
            rc = fail(&t, "more than 256 reasons");
        else if (!*f[0])
            rc = fail(&t, "reason is empty");
        else if (strcmp(f[1], "any") && strcmp(f[1], "person") && strcmp(f[1], "company"))
            rc = fail(&t, "applies must be any, person or company");
        else if (!parse_weight(f[2], &r->weight) || r->weight == 0)
            rc = fail(&t, "weight must be a positive integer");
        if (rc)
            break;
        r->text = keep(v, f[0]);
        r->applies = !strcmp(f[1], "person") ? REASON_PERSON : !strcmp(f[1], "company") ? REASON_COMPANY : REASON_ANY;
        person |= r->applies != REASON_COMPANY;
        company |= r->applies != REASON_PERSON;
        v->nreasons++;
    }
    if (rc == 0 && (!person || !company))
        rc = fail(&t, "need reasons for persons and for companies");
    tsv_close(&t);
    return rc;
}

#define ABBREV_HEADER "match\treplacement\twhere"

static int load_abbrevs(anom_vocab *v, const char *datadir, char *err, size_t errlen)
{
    tsv_file t;
    int rc = tsv_open(&t, datadir, "abbreviations.tsv", ABBREV_HEADER, err, errlen);
    char *f[3];
    v->abbrevs = calloc(256, sizeof *v->abbrevs);
    while (rc == 0 && (rc = tsv_row(&t, f, 3)) == 1) {
        anom_abbrev *a = &v->abbrevs[v->nabbrevs];
        rc = 0;
        if (v->nabbrevs == 256)
            rc = fail(&t, "more than 256 abbreviations");
        else if (!*f[0] || !*f[1] || strchr(f[0], ' '))
            rc = fail(&t, "match must be one word and replacement non-empty");
        else if (strcmp(f[2], "word") && strcmp(f[2], "suffix"))
            rc = fail(&t, "where must be word or suffix");
        if (rc)
            break;
        a->match = keep(v, f[0]);
        a->repl = keep(v, f[1]);
        a->suffix = !strcmp(f[2], "suffix");
        v->nabbrevs++;
    }
    tsv_close(&t);
    return rc;
}

int anom_vocab_load(anom_vocab *v, const char *datadir, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    bw_arena_init(&v->arena);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/jurisdictions", datadir);
    if (load_cultures(v, datadir, err, errlen) || load_names(v, datadir, err, errlen) ||
        load_reasons(v, datadir, err, errlen) || load_abbrevs(v, datadir, err, errlen) ||
        !bw_jurisdictions_load(dir, &v->jur, &v->njur, err, errlen)) {
        anom_vocab_free(v);
        return -1;
    }
    return 0;
}

void anom_vocab_free(anom_vocab *v)
{
    for (uint32_t i = 0; v->cultures && i < v->ncultures; i++)
        for (int k = 0; k < PART_COUNT; k++)
            free(v->cultures[i].parts[k]);
    free(v->cultures);
    free(v->reasons);
    free(v->abbrevs);
    if (v->jur)
        bw_jurisdictions_free(v->jur, v->njur);
    bw_arena_free(&v->arena);
    memset(v, 0, sizeof *v);
}

/* ---- drawing ----------------------------------------------------------------- */

/* splitmix64: a stream of values from one 64-bit seed. */
static uint64_t next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t below(uint64_t *x, uint32_t n) { return (uint32_t)(((next(x) >> 32) * n) >> 32); }

const anom_culture *anom_pick_culture(const anom_vocab *v, uint64_t bits)
{
    uint32_t x = below(&bits, v->culture_share);
    for (uint32_t i = 0; i < v->ncultures; i++) {
        if (x < v->cultures[i].share)
            return &v->cultures[i];
        x -= v->cultures[i].share;
    }
    return &v->cultures[v->ncultures - 1];
}

const char *anom_pick_reason(const anom_vocab *v, bool company, uint64_t bits)
{
    uint32_t total = 0;
    uint8_t exclude = company ? REASON_PERSON : REASON_COMPANY;
    for (uint32_t i = 0; i < v->nreasons; i++)
        total += v->reasons[i].applies == exclude ? 0 : v->reasons[i].weight;
    uint32_t x = below(&bits, total);
    for (uint32_t i = 0; i < v->nreasons; i++) {
        if (v->reasons[i].applies == exclude)
            continue;
        if (x < v->reasons[i].weight)
            return v->reasons[i].text;
        x -= v->reasons[i].weight;
    }
    return v->reasons[0].text;
}

/* ---- names ------------------------------------------------------------------- */

/* Appends s (and a space before it unless at the start or nospace). */
static void cat(char *out, size_t cap, const char *s, bool nospace)
{
    size_t n = strlen(out), m = strlen(s);
    if (n && !nospace && n + 1 < cap)
        out[n++] = ' ';
    if (n + m >= cap)
        m = cap - 1 - n;
    memcpy(out + n, s, m);
    out[n + m] = 0;
}

static void join2(char *out, size_t cap, const char *a, const char *b, bool nospace)
{
    out[0] = 0;
    cat(out, cap, a, false);
    cat(out, cap, b, nospace);
}

static const anom_part *pick_part(const anom_culture *c, int kind, const char *tag, uint64_t *x)
{
    uint32_t n = c->nparts[kind], start = below(x, n);
    for (uint32_t k = 0; k < n; k++) { /* the first from a random start that fits */
        const anom_part *p = &c->parts[kind][(start + k) % n];
        if (!tag || !strcmp(p->tag, tag) || !strcmp(p->tag, "-"))
            return p;
    }
    return &c->parts[kind][start];
}

static const char *variant_of(const anom_part *p, uint64_t *x)
{
    return p->nvariants ? p->variants[below(x, p->nvariants)] : p->latin;
}

void anom_compose_person(const anom_culture *c, uint64_t bits, anom_name *out)
{
    memset(out, 0, sizeof *out);
    uint64_t x = bits;
    const char *gender = below(&x, 100) < 60 ? "m" : "f";
    const anom_part *g = pick_part(c, PART_GIVEN, gender, &x);
    const anom_part *f = pick_part(c, PART_FAMILY, strcmp(g->tag, "-") ? g->tag : NULL, &x);
    const anom_part *first = c->family_first ? f : g, *second = c->family_first ? g : f;
    join2(out->latin, sizeof out->latin, first->latin, second->latin, false);
    join2(out->ascii, sizeof out->ascii, first->ascii, second->ascii, false);
    if (g->native && f->native)
        join2(out->native, sizeof out->native, first->native, second->native, c->native_nospace);
    join2(out->swapped, sizeof out->swapped, second->latin, first->latin, false);
    /* a spelling variant of whichever part has one, else a dropped double
     * letter, else the plain-ASCII spelling */
    bool vary_given = g->nvariants && (!f->nvariants || below(&x, 2));
    if (g->nvariants || f->nvariants) {
        const char *gv = vary_given ? variant_of(g, &x) : g->latin;
        const char *fv = vary_given ? f->latin : variant_of(f, &x);
        join2(out->variant, sizeof out->variant, c->family_first ? fv : gv, c->family_first ? gv : fv, false);
    } else if (!anom_drop_double(out->latin, out->variant, sizeof out->variant)) {
        snprintf(out->variant, sizeof out->variant, "%s", out->ascii);
    }
    snprintf(out->given_ascii, sizeof out->given_ascii, "%s", g->ascii);
    snprintf(out->family_ascii, sizeof out->family_ascii, "%s", f->ascii);
}

/* "Shenzhen Huaxin Trading Co., Ltd." / "深圳市华鑫贸易有限公司",
 * "OOO Vostok Trade" / "ООО «Восток Трейд»". */
void anom_compose_company(const anom_culture *c, const char *cc, uint64_t bits, anom_name *out)
{
    memset(out, 0, sizeof *out);
    uint64_t x = bits;
    const anom_part *city = NULL;
    uint32_t ncity = 0;
    for (uint32_t i = 0; i < c->nparts[PART_CITY]; i++) /* cities of this country */
        ncity += !strcmp(c->parts[PART_CITY][i].tag, cc);
    uint32_t want = ncity ? below(&x, ncity) : 0;
    for (uint32_t i = 0; i < c->nparts[PART_CITY] && ncity && !city; i++)
        if (!strcmp(c->parts[PART_CITY][i].tag, cc) && want-- == 0)
            city = &c->parts[PART_CITY][i];
    if (city && below(&x, 10) < 2) /* not every company names its city */
        city = NULL;
    const anom_part *b = pick_part(c, PART_BRAND, NULL, &x), *w = pick_part(c, PART_BUSINESS, NULL, &x);
    const anom_part *s = pick_part(c, PART_SUFFIX, NULL, &x);
    const anom_part *parts[4];
    unsigned n = 0;
    if (c->suffix_first)
        parts[n++] = s;
    if (city)
        parts[n++] = city;
    parts[n++] = b;
    parts[n++] = w;
    if (!c->suffix_first)
        parts[n++] = s;
    bool native = true;
    unsigned vary = below(&x, n); /* the part a spelling variant changes */
    for (unsigned i = 0; i < n; i++) {
        cat(out->latin, sizeof out->latin, parts[i]->latin, false);
        cat(out->ascii, sizeof out->ascii, parts[i]->ascii, false);
        cat(out->variant, sizeof out->variant, i == vary ? variant_of(parts[i], &x) : parts[i]->latin, false);
        if (parts[i] != s && parts[i] != city)
            cat(out->swapped, sizeof out->swapped, parts[i]->latin, false);
        native = native && parts[i]->native;
    }
    if (native) {
        for (unsigned i = 0; i < n; i++) {
            if (c->suffix_first && i == 1 && !c->native_nospace) /* ООО «Восток Трейд» */
                cat(out->native, sizeof out->native, "«", false);
            cat(out->native, sizeof out->native, parts[i]->native, c->native_nospace || (c->suffix_first && i == 1));
        }
        if (c->suffix_first && !c->native_nospace)
            cat(out->native, sizeof out->native, "»", true);
    }
    if (!strcmp(out->variant, out->latin) && !anom_drop_double(out->latin, out->variant, sizeof out->variant))
        snprintf(out->variant, sizeof out->variant, "%s", out->swapped);
    snprintf(out->given_ascii, sizeof out->given_ascii, "%s", b->ascii);
    snprintf(out->family_ascii, sizeof out->family_ascii, "%s", w->ascii);
}

/* ---- spelling rules ---------------------------------------------------------- */

/* The other-case code point of a Latin-1 or Latin Extended-A letter
 * ("ü" 00FC / "Ü" 00DC, "ł" 0142 / "Ł" 0141), or cp itself. */
static unsigned recase(unsigned cp, int upper)
{
    bool is_upper, is_lower;
    if (cp >= 0xc0 && cp <= 0xfe && cp != 0xd7 && cp != 0xf7 && cp != 0xdf) {
        is_upper = cp < 0xe0;
        return upper > 0 && !is_upper ? cp - 0x20 : upper < 0 && is_upper ? cp + 0x20 : cp;
    }
    if (cp < 0x100 || cp > 0x17e || cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149)
        return cp; /* Turkish dotted and dotless i keep theirs */
    /* pairs are (upper, lower) at even code points, but odd ones in
     * 0139-0148 and 0179-017E */
    bool odd_upper = (cp >= 0x139 && cp <= 0x148) || cp >= 0x179;
    is_upper = odd_upper ? cp % 2 == 1 : cp % 2 == 0;
    is_lower = !is_upper;
    if (upper > 0 && is_lower)
        return cp - 1;
    if (upper < 0 && is_upper)
        return cp + 1;
    return cp;
}

static void put_cased(char *out, size_t *n, size_t cap, const unsigned char *p, size_t len, int upper)
{
    if (*n + len >= cap)
        return;
    memcpy(out + *n, p, len);
    if (len == 1 && upper > 0 && p[0] >= 'a' && p[0] <= 'z')
        out[*n] = (char)(p[0] - 32);
    else if (len == 1 && upper < 0 && p[0] >= 'A' && p[0] <= 'Z')
        out[*n] = (char)(p[0] + 32);
    else if (len == 2 && upper && (p[0] == 0xc3 || p[0] == 0xc4 || p[0] == 0xc5)) {
        unsigned cp = recase(((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f), upper);
        out[*n] = (char)(0xc0 | (cp >> 6));
        out[*n + 1] = (char)(0x80 | (cp & 0x3f));
    }
    *n += len;
}

static size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1; }

void anom_retype(const char *in, unsigned how, char *out, size_t cap)
{
    int upper = how == 0 ? 1 : how == 1 || how == 3 ? -1 : 0;
    size_t n = 0;
    bool doubled = false;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < cap;) {
        size_t len = utf8_len(*p);
        if (*p == ' ' && how == 2 && !doubled && n + 2 < cap) {
            out[n++] = ' ';
            doubled = true;
        }
        put_cased(out, &n, cap, p, len, upper);
        for (size_t k = 0; k < len && *p; k++)
            p++;
    }
    if (how == 3 && n + 1 < cap)
        out[n++] = ' ';
    out[n] = 0;
}

static bool word_char(char c) { return c && c != ' ' && c != ','; }

bool anom_abbreviate(const anom_vocab *v, const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in);
    for (uint32_t i = 0; i < v->nabbrevs; i++) {
        const anom_abbrev *a = &v->abbrevs[i];
        size_t m = strlen(a->match);
        for (const char *hit = strstr(in, a->match); hit; hit = strstr(hit + 1, a->match)) {
            bool starts = hit == in || !word_char(hit[-1]);
            bool ends = !word_char(hit[m]);
            if (!ends || (a->suffix ? starts : !starts))
                continue; /* a suffix needs letters before it, a word none */
            size_t head = (size_t)(hit - in);
            if (head >= cap)
                return false;
            out[0] = 0;
            snprintf(out, cap, "%.*s%s%s", (int)head, in, a->repl, hit + m);
            return true;
        }
    }
    return false;
}

bool anom_drop_double(const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in);
    for (size_t i = 1; in[i]; i++) {
        char a = in[i - 1], b = in[i];
        if (a == b && ((a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z'))) {
            snprintf(out, cap, "%.*s%s", (int)i, in, in + i + 1);
            return true;
        }
    }
    return false;
}

static bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* "viagra" -> "v1agra", "mephedrone" -> "m3phedr0ne": the first letter
 * that has a look-alike, two in longer words, never the first of a word
 * (people write "v1agra", not "0xycodone", which would read as a number
 * with a unit). */
static void leet_word(const char *w, size_t n, char *out, size_t *o, size_t cap)
{
    static const char from[] = "iIoOeEaAsS", to[] = "1100334@$$";
    unsigned changed = 0, most = n >= 7 ? 2 : 1;
    for (size_t i = 0; i < n && *o + 1 < cap; i++) {
        const char *k = changed < most && i > 0 && ascii_letter(w[i - 1]) ? strchr(from, w[i]) : NULL;
        if (k && w[i]) {
            out[(*o)++] = to[k - from];
            changed++;
        } else {
            out[(*o)++] = w[i];
        }
    }
}

/* "cocaine" -> "c.o.c.a.i.n.e" or "c o c a i n e", letter by letter
 * (UTF-8 aware: "伟 哥"); spaces inside the marked words stay. */
static void spread_word(const char *w, size_t n, char sep, char *out, size_t *o, size_t cap)
{
    for (size_t i = 0; i < n && *o + 5 < cap;) {
        size_t len = utf8_len((unsigned char)w[i]);
        if (i + len > n)
            len = n - i;
        memcpy(out + *o, w + i, len);
        *o += len;
        i += len;
        if (i < n && w[i - len] != ' ' && w[i] != ' ')
            out[(*o)++] = sep;
    }
}

size_t anom_obfuscate(const char *in, unsigned how, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < cap;) {
        const char *close = *p == '[' ? strchr(p, ']') : NULL;
        if (!close) {
            out[o++] = *p++;
            continue;
        }
        const char *w = p + 1;
        size_t n = (size_t)(close - w);
        if (how == OBF_LEET)
            leet_word(w, n, out, &o, cap);
        else if (how == OBF_DOTTED || how == OBF_SPACED)
            spread_word(w, n, how == OBF_DOTTED ? '.' : ' ', out, &o, cap);
        else
            for (size_t i = 0; i < n && o + 1 < cap; i++)
                out[o++] = w[i];
        p = close + 1;
    }
    out[o] = 0;
    return o;
}

/* ---- thresholds -------------------------------------------------------------- */

static uint8_t mode_value(const char *mode)
{
    for (uint8_t i = 1; bw_transport_mode_names[i]; i++)
        if (!strcmp(mode, bw_transport_mode_names[i]))
            return i;
    return 0;
}

static bool rule_applies(const bw_de_minimis_rule *r, const char *origin, uint8_t mode)
{
    if (r->modes && !(r->modes & (1u << mode)))
        return false;
    return r->origins.n == 0 || bw_str_list_has(&r->origins, (bw_str){origin, (uint32_t)strlen(origin)});
}

int64_t anom_split_threshold(const anom_vocab *v, const char *jur, const char *origin, const char *mode,
                             int64_t when)
{
    const bw_jurisdiction *j = NULL;
    for (uint32_t i = 0; i < v->njur && !j; i++)
        if (!strcmp(v->jur[i].id, jur))
            j = &v->jur[i];
    const bw_jur_version *ver = j ? bw_jurisdiction_at(j, when) : NULL;
    if (!ver)
        return -1;
    uint8_t m = mode_value(mode);
    for (uint32_t i = 0; i < ver->n_rules; i++) {
        const bw_de_minimis_rule *r = &ver->rules[i];
        if (!rule_applies(r, origin, m))
            continue;
        int64_t t = r->duty_threshold;
        if (r->tax_threshold >= 0 && (t < 0 || r->tax_threshold < t))
            t = r->tax_threshold;
        return t >= 0 ? t : ver->full_declaration_threshold;
    }
    return ver->full_declaration_threshold;
}
