/*
 * registry.c - loading and looking up the vendor tax-scheme registries
 * (see registry.h; the file format is data/registries/README.md).
 *
 * A registry may hold millions of numbers (every UK VAT registration) and
 * is asked once per vendor-collected declaration.  While the files load,
 * numbers are interned in an open-addressing hash table keyed on (scheme,
 * number), and each number's rows hang off its key as a list.  Then the
 * registry is frozen: each number becomes one record, its bytes and all its
 * rows together, starting on a cache line, and each hash slot carries a tag
 * of the hash.  A lookup then reads one slot and, for a number with one row
 * (nearly all), one cache line; a number that is not there costs the slot
 * alone.  Measured with 2 million numbers: see data/registries/README.md.
 * Names and notes are checked but not kept: nothing is decided on them.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

#include "../core/tsv.h"
#include "jurisdiction.h"
#include "registry.h"

#define HEADER "scheme\tnumber\tstatus\tfrom\tto\tname\tnote"
#define MAX_SCHEMES 32   /* distinct vendor scheme names in the jurisdictions */
#define MAX_FORMS 8      /* distinct patterns under one name (versions may differ) */
#define NUMBER_MAX 32    /* the declaration schema's limit on scheme numbers */
#define OPEN_END INT64_MAX
#define MAX_ENTRIES (UINT32_MAX / 2) /* rows and keys are indexed by uint32 */

typedef struct reg_row {
    bw_time from, to;    /* to == OPEN_END: open */
    uint32_t next;       /* the number's next row + 1; 0 = none */
    bool revoked;
} reg_row;

typedef struct reg_key {
    size_t off;          /* the number's bytes in the pool */
    uint8_t len, scheme;
    uint32_t head;       /* the number's first row + 1 */
    uint32_t n_rows;
} reg_key;

/* ---- the frozen form, what lookups read ---- */

typedef struct reg_span {
    bw_time from, to;    /* to == OPEN_END: open */
    bool revoked;
} reg_span;

/* One number and its rows; records start on REC_UNIT boundaries, and the
 * header and one row fill exactly one. */
typedef struct reg_rec {
    uint32_t n_rows;
    uint8_t len, scheme;
    char number[NUMBER_MAX + 2]; /* +2: the rows start at byte 40 */
    reg_span rows[];
} reg_rec;

#define REC_UNIT 64
static_assert(sizeof(reg_rec) + sizeof(reg_span) == REC_UNIT, "one row fills one cache line");

typedef struct reg_slot {
    uint32_t tag;        /* the high half of the key's hash */
    uint32_t rec;        /* its record's first unit + 1; 0 = empty */
} reg_slot;

typedef struct reg_scheme {
    char *name;
    /* the jurisdictions' patterns under this name, used only while loading
     * (a registered number that no pattern admits can never be looked up,
     * so it is a typo) */
    const bw_scheme *forms[MAX_FORMS];
    unsigned n_forms;
    size_t rows;
} reg_scheme;

struct bw_registry {
    reg_scheme schemes[MAX_SCHEMES];
    unsigned n_schemes;
    reg_row *rows;
    size_t n_rows, cap_rows;
    reg_key *keys;
    size_t n_keys, cap_keys;
    char *pool;
    size_t pool_n, pool_cap;
    uint32_t *slots;     /* while loading: key index + 1; 0 = empty */
    uint32_t mask;       /* slot count - 1, a power of two */
    reg_slot *table;     /* frozen: the same slots, pointing at records */
    unsigned char *recs; /* frozen: the records, REC_UNIT-aligned */
};

/* ---- storage ---------------------------------------------------------------- */

/* Room for `need` elements of `size` bytes, doubling; false when out of
 * memory (the old block stays valid). */
static bool reserve(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static uint64_t key_hash(unsigned scheme, const char *p, size_t n)
{
    return XXH3_64bits_withSeed(p, n, scheme);
}

static reg_key *find_key(const bw_registry *reg, unsigned scheme, const char *p, size_t n)
{
    if (n == 0 || n > NUMBER_MAX)
        return NULL; /* never registered: the loader admits 1..32 bytes */
    for (uint32_t i = (uint32_t)key_hash(scheme, p, n) & reg->mask; reg->slots[i]; i = (i + 1) & reg->mask) {
        reg_key *k = &reg->keys[reg->slots[i] - 1];
        if (k->scheme == scheme && k->len == n && memcmp(reg->pool + k->off, p, n) == 0)
            return k;
    }
    return NULL;
}

static void place_key(bw_registry *reg, uint32_t index)
{
    const reg_key *k = &reg->keys[index];
    uint32_t i = (uint32_t)key_hash(k->scheme, reg->pool + k->off, k->len) & reg->mask;
    while (reg->slots[i])
        i = (i + 1) & reg->mask;
    reg->slots[i] = index + 1;
}

static bool rehash(bw_registry *reg, size_t n)
{
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return false;
    free(reg->slots);
    reg->slots = slots;
    reg->mask = (uint32_t)(n - 1);
    for (size_t i = 0; i < reg->n_keys; i++)
        place_key(reg, (uint32_t)i);
    return true;
}

/* The key of (scheme, number), created when new; NULL when out of memory.
 * The table is kept at most half full, so a probe ends after a slot or
 * two. */
static reg_key *intern(bw_registry *reg, unsigned scheme, const char *number, size_t n)
{
    reg_key *found = find_key(reg, scheme, number, n);
    if (found)
        return found;
    size_t slots = (size_t)reg->mask + 1;
    if ((reg->n_keys + 1) * 2 > slots && !rehash(reg, slots * 2))
        return NULL;
    if (!reserve((void **)&reg->keys, &reg->cap_keys, reg->n_keys + 1, sizeof *reg->keys) ||
        !reserve((void **)&reg->pool, &reg->pool_cap, reg->pool_n + n, 1))
        return NULL;
    memcpy(reg->pool + reg->pool_n, number, n);
    reg->keys[reg->n_keys] = (reg_key){reg->pool_n, (uint8_t)n, (uint8_t)scheme, 0, 0};
    reg->pool_n += n;
    place_key(reg, (uint32_t)reg->n_keys++);
    return &reg->keys[reg->n_keys - 1];
}

static bool add_row(bw_registry *reg, unsigned scheme, const char *number, reg_row row)
{
    if (reg->n_rows >= MAX_ENTRIES)
        return false;
    reg_key *k = intern(reg, scheme, number, strlen(number));
    if (!k || !reserve((void **)&reg->rows, &reg->cap_rows, reg->n_rows + 1, sizeof *reg->rows))
        return false;
    row.next = k->head;
    reg->rows[reg->n_rows++] = row;
    k->head = (uint32_t)reg->n_rows;
    k->n_rows++;
    reg->schemes[scheme].rows++;
    return true;
}

/* ---- the schemes the jurisdictions name -------------------------------------------- */

static int scheme_index(const bw_registry *reg, const char *name)
{
    for (unsigned i = 0; i < reg->n_schemes; i++)
        if (strcmp(reg->schemes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool learn_scheme(bw_registry *reg, const bw_scheme *s, char *err, size_t errlen)
{
    int i = scheme_index(reg, s->name);
    if (i < 0) {
        if (reg->n_schemes == MAX_SCHEMES) {
            snprintf(err, errlen, "registries: more than %d vendor scheme names in the jurisdictions", MAX_SCHEMES);
            return false;
        }
        i = (int)reg->n_schemes++;
        reg->schemes[i].name = strdup(s->name);
    }
    reg_scheme *rs = &reg->schemes[i];
    for (unsigned k = 0; k < rs->n_forms; k++)
        if (strcmp(rs->forms[k]->pattern, s->pattern) == 0)
            return true;
    if (rs->n_forms == MAX_FORMS) {
        snprintf(err, errlen, "registries: more than %d patterns for the vendor scheme \"%s\"", MAX_FORMS, s->name);
        return false;
    }
    rs->forms[rs->n_forms++] = s;
    return true;
}

static bool learn_schemes(bw_registry *reg, const bw_refdata *rd, char *err, size_t errlen)
{
    for (uint32_t j = 0; j < bw_jurisdiction_count(rd); j++) {
        const bw_jurisdiction *jur = bw_jurisdiction_get(rd, j);
        for (uint32_t v = 0; v < jur->n_versions; v++)
            for (uint32_t s = 0; s < jur->versions[v].n_schemes; s++)
                if (!learn_scheme(reg, &jur->versions[v].schemes[s], err, errlen))
                    return false;
    }
    return true;
}

static bool number_fits(const reg_scheme *rs, const char *number)
{
    for (unsigned k = 0; k < rs->n_forms; k++)
        if (regexec(&rs->forms[k]->re, number, 0, NULL, 0) == 0)
            return true;
    return false;
}

/* ---- one file ------------------------------------------------------------------- */

static bool bad(char *err, size_t errlen, const char *path, unsigned ln, const char *why, const char *value)
{
    snprintf(err, errlen, "%s:%u: %s \"%.60s\"", path, ln, why, value);
    return false;
}

static bool bad_scheme(const bw_registry *reg, char *err, size_t errlen, const char *path, unsigned ln,
                       const char *value)
{
    char names[256] = "";
    for (unsigned i = 0; i < reg->n_schemes; i++) {
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s\"%s\"", i ? ", " : "", reg->schemes[i].name);
    }
    snprintf(err, errlen, "%s:%u: scheme \"%.40s\" is not a vendor scheme of the jurisdiction files (%s)",
             path, ln, value, reg->n_schemes ? names : "none has one");
    return false;
}

static bool parse_date(const char *s, bw_time *out)
{
    return strlen(s) == 10 && bw_time_parse(s, 10, out);
}

static int count_fields(const char *line)
{
    int n = 1;
    for (const char *p = line; (p = strchr(p, '\t')) != NULL; p++)
        n++;
    return n;
}

/* scheme number status from to name note */
static bool parse_row(bw_registry *reg, char *line, const char *path, unsigned ln, char *err, size_t errlen)
{
    int nf = count_fields(line);
    if (nf != 7) {
        char got[16];
        snprintf(got, sizeof got, "%d", nf);
        return bad(err, errlen, path, ln, "7 tab-separated fields expected (scheme number status from to name note), got", got);
    }
    char *f[7];
    bw_tsv_split(line, f, 7);
    int scheme = scheme_index(reg, f[0]);
    if (scheme < 0)
        return bad_scheme(reg, err, errlen, path, ln, f[0]);
    size_t n = strlen(f[1]);
    if (n == 0 || n > NUMBER_MAX)
        return bad(err, errlen, path, ln, "number must be 1 to 32 characters:", f[1]);
    if (!number_fits(&reg->schemes[scheme], f[1]))
        return bad(err, errlen, path, ln, "number matches no pattern of its scheme in the jurisdiction files:", f[1]);
    reg_row row = {0, OPEN_END, 0, false};
    if (strcmp(f[2], "revoked") == 0)
        row.revoked = true;
    else if (strcmp(f[2], "valid") != 0)
        return bad(err, errlen, path, ln, "status must be valid or revoked, not", f[2]);
    if (!parse_date(f[3], &row.from))
        return bad(err, errlen, path, ln, "from is not a date (YYYY-MM-DD):", f[3]);
    if (*f[4] && (!parse_date(f[4], &row.to) || row.to <= row.from))
        return bad(err, errlen, path, ln, "to must be empty or a date after from, not", f[4]);
    if (!bw_utf8_valid(f[5], strlen(f[5])) || !bw_utf8_valid(f[6], strlen(f[6])))
        return bad(err, errlen, path, ln, "name and note must be UTF-8:", f[5]);
    if (!add_row(reg, (unsigned)scheme, f[1], row))
        return bad(err, errlen, path, ln, "out of memory, or more rows than a registry holds, at", f[1]);
    return true;
}

static bool load_file(bw_registry *reg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the registry file: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true, header = false;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        if (header) {
            ok = parse_row(reg, line, path, ln, err, errlen);
            continue;
        }
        header = true;
        if (strcmp(line, HEADER) != 0)
            ok = bad(err, errlen, path, ln, "the header must be the 7 tab-separated names scheme number status from to name note; got", line);
    }
    if (ok && ferror(f)) {
        snprintf(err, errlen, "%s: read error after line %u", path, ln);
        ok = false;
    } else if (ok && !header) {
        snprintf(err, errlen, "%s: no header line (scheme number status from to name note)", path);
        ok = false;
    }
    free(line);
    fclose(f);
    return ok;
}

/* ---- where the files are ------------------------------------------------------------ */

static bool load_one(void *reg, const char *path, char *err, size_t errlen)
{
    return load_file(reg, path, err, errlen);
}

/* Every *.tsv of <datadir>/registries, in name order; no directory is no
 * registry. */
static bool load_dir(bw_registry *reg, const char *datadir, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/registries", datadir);
    return bw_tsv_load_dir(dir, true, "the registries directory", load_one, reg, err, errlen);
}

/* BREAKWATER_REGISTRY: paths separated by ':', empty ones skipped (as in
 * PATH); each one named must load. */
static bool load_env(bw_registry *reg, char *err, size_t errlen)
{
    return bw_tsv_load_list(getenv("BREAKWATER_REGISTRY"), "BREAKWATER_REGISTRY", load_one, reg, err, errlen);
}

/* ---- freezing ------------------------------------------------------------------- */

static size_t rec_units(uint32_t n_rows)
{
    return (sizeof(reg_rec) + n_rows * sizeof(reg_span) + REC_UNIT - 1) / REC_UNIT;
}

static void write_rec(const bw_registry *reg, const reg_key *k, reg_rec *r)
{
    r->n_rows = k->n_rows;
    r->len = k->len;
    r->scheme = k->scheme;
    memcpy(r->number, reg->pool + k->off, k->len);
    uint32_t i = 0;
    for (uint32_t at = k->head; at; at = reg->rows[at - 1].next) {
        const reg_row *row = &reg->rows[at - 1];
        r->rows[i++] = (reg_span){row->from, row->to, row->revoked};
    }
}

static void drop_load_state(bw_registry *reg)
{
    free(reg->rows);
    free(reg->keys);
    free(reg->pool);
    free(reg->slots);
    reg->rows = NULL;
    reg->keys = NULL;
    reg->pool = NULL;
    reg->slots = NULL;
}

/* Lays every number out as a record and points the slots (same positions:
 * same hash, same mask) at them; the load-time structures go. */
static bool freeze(bw_registry *reg)
{
    uint32_t *first = malloc((reg->n_keys + 1) * sizeof *first);
    size_t units = 0;
    for (size_t k = 0; first && k < reg->n_keys && units < UINT32_MAX; k++) {
        first[k] = (uint32_t)units;
        units += rec_units(reg->keys[k].n_rows);
    }
    size_t slots = (size_t)reg->mask + 1;
    reg->recs = first && units < UINT32_MAX ? aligned_alloc(REC_UNIT, (units + 1) * REC_UNIT) : NULL;
    reg->table = reg->recs ? calloc(slots, sizeof *reg->table) : NULL;
    if (!reg->table) {
        free(first);
        return false;
    }
    memset(reg->recs, 0, (units + 1) * REC_UNIT);
    for (size_t k = 0; k < reg->n_keys; k++)
        write_rec(reg, &reg->keys[k], (reg_rec *)(reg->recs + (size_t)first[k] * REC_UNIT));
    for (size_t i = 0; i < slots; i++) {
        if (!reg->slots[i])
            continue;
        const reg_key *k = &reg->keys[reg->slots[i] - 1];
        uint64_t h = key_hash(k->scheme, reg->pool + k->off, k->len);
        reg->table[i] = (reg_slot){(uint32_t)(h >> 32), first[reg->slots[i] - 1] + 1};
    }
    free(first);
    drop_load_state(reg);
    return true;
}

bw_registry *bw_registry_load(const bw_refdata *rd, const char *datadir, char *err, size_t errlen)
{
    bw_registry *reg = calloc(1, sizeof *reg);
    if (!reg || !rehash(reg, 1024)) {
        snprintf(err, errlen, "registries: out of memory");
        bw_registry_free(reg);
        return NULL;
    }
    if (!learn_schemes(reg, rd, err, errlen) || !load_dir(reg, datadir, err, errlen) ||
        !load_env(reg, err, errlen)) {
        bw_registry_free(reg);
        return NULL;
    }
    for (unsigned i = 0; i < reg->n_schemes; i++)
        reg->schemes[i].n_forms = 0; /* borrowed from the jurisdictions: not kept */
    if (!freeze(reg)) {
        snprintf(err, errlen, "registries: out of memory");
        bw_registry_free(reg);
        return NULL;
    }
    return reg;
}

void bw_registry_free(bw_registry *reg)
{
    if (!reg)
        return;
    for (unsigned i = 0; i < reg->n_schemes; i++)
        free(reg->schemes[i].name);
    drop_load_state(reg);
    free(reg->table);
    free(reg->recs);
    free(reg);
}

/* ---- lookup ------------------------------------------------------------------------- */

static const reg_rec *find_rec(const bw_registry *reg, unsigned scheme, const char *p, size_t n)
{
    if (n == 0 || n > NUMBER_MAX)
        return NULL; /* never registered: the loader admits 1..32 bytes */
    uint64_t h = key_hash(scheme, p, n);
    uint32_t tag = (uint32_t)(h >> 32);
    for (uint32_t i = (uint32_t)h & reg->mask; reg->table[i].rec; i = (i + 1) & reg->mask) {
        if (reg->table[i].tag != tag)
            continue;
        const reg_rec *r = (const reg_rec *)(reg->recs + (size_t)(reg->table[i].rec - 1) * REC_UNIT);
        if (r->scheme == scheme && r->len == n && memcmp(r->number, p, n) == 0)
            return r;
    }
    return NULL;
}

/* Applies the rule of registry.h to the rows of one number. */
static void judge(const reg_rec *r, bw_time when, bw_registry_verdict *v)
{
    bool valid_now = false, any_valid = false;
    bw_time revoked = OPEN_END, ended = INT64_MIN, starts = OPEN_END;
    for (uint32_t i = 0; i < r->n_rows; i++) {
        const reg_span *row = &r->rows[i];
        bool covers = row->from <= when && when < row->to;
        if (row->revoked) {
            if (covers && row->from < revoked)
                revoked = row->from;
            continue;
        }
        any_valid = true;
        valid_now = valid_now || covers;
        if (row->to <= when && row->to > ended)
            ended = row->to;
        if (row->from > when && row->from < starts)
            starts = row->from;
    }
    if (revoked != OPEN_END)
        *v = (bw_registry_verdict){BW_REGISTRY_REVOKED, revoked, false};
    else if (valid_now)
        v->status = BW_REGISTRY_VALID;
    else if (!any_valid)
        v->status = BW_REGISTRY_UNKNOWN;
    else if (ended != INT64_MIN)
        *v = (bw_registry_verdict){BW_REGISTRY_EXPIRED, ended, false};
    else
        *v = (bw_registry_verdict){BW_REGISTRY_EXPIRED, starts, true};
}

bw_registry_status bw_registry_check(const bw_refdata *rd, const char *scheme, bw_str number,
                                     bw_time when, bw_registry_verdict *why)
{
    bw_registry_verdict v = {BW_REGISTRY_UNVERIFIED, 0, false};
    const bw_registry *reg = bw_refdata_registry(rd);
    int s = reg ? scheme_index(reg, scheme) : -1;
    if (s >= 0 && reg->schemes[s].rows) {
        const reg_rec *r = find_rec(reg, (unsigned)s, number.p, number.n);
        if (r)
            judge(r, when, &v);
        else
            v.status = BW_REGISTRY_UNKNOWN;
    }
    if (why)
        *why = v;
    return v.status;
}

size_t bw_registry_count(const bw_refdata *rd, const char *scheme)
{
    const bw_registry *reg = bw_refdata_registry(rd);
    if (!reg)
        return 0;
    if (!scheme)
        return reg->n_rows;
    int s = scheme_index(reg, scheme);
    return s < 0 ? 0 : reg->schemes[s].rows;
}
