/*
 * screen.c - prohibited and restricted goods screening (see screen.h; the
 * list format is data/screening/README.md).
 *
 * Loading: every row is checked (file:line on the first bad one), text
 * patterns are normalized exactly as descriptions will be, rows with the
 * same normalized term share one Hyperscan pattern, and two block-mode
 * databases are compiled:
 *
 *  - words: each term as a literal, scanned over the normalized text; the
 *    callback keeps matches with a space or the text's end on both sides.
 *    Measured faster than padding terms and text with spaces (" term ") or
 *    compiling boundaries into regexes; see data/screening/README.md.
 *  - squeezed: terms of SQUEEZE_MIN_LETTERS letters or more with their
 *    spaces removed, scanned over the text with its spaces removed (digits
 *    read as the letters they stand for, on both sides).  A match only
 *    counts when it starts at the start of a word and ends at the end of
 *    one, so "c o c a i n e" hits and "heroine" does not hit "heroin".
 *    Short terms are left out: squeezed, "gun" would be found in any run of
 *    short words.
 *
 * HS entries are kept sorted by their digits; an item's code is looked up
 * once per prefix length.
 */
#include "screen.h"

#include <errno.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/tsv.h"
#include "normalize.h"

#define HEADER "id\tkind\tarea\tmatch\tpattern\tlanguage\tjurisdictions\tscore\tlane\tvalid_from\tvalid_to\tnote"
#define N_FIELDS 12
#define ID_MAX 64
#define AREA_MAX 32
#define PATTERN_MAX 200          /* bytes, as written */
#define TERM_MAX 1024            /* bytes, normalized */
#define HS_DIGITS_MIN 2
#define HS_DIGITS_MAX 10
#define SCORE_LIMIT 1000
#define MAX_ENTRIES 1000000
#define SQUEEZE_MIN_LETTERS 6
#define MAX_RAW 64               /* distinct patterns kept per text */
#define STACK_TEXT 4096          /* texts normalizing to less need no malloc */
#define OPEN_START INT64_MIN
#define OPEN_END INT64_MAX

const char *const bw_screen_form_names[] = {"words", "squeezed", "hs", NULL};

typedef struct scr_entry {
    bw_screen_entry pub;
    uint32_t next_same;  /* next entry with the same term + 1; 0 = none */
    uint32_t file;       /* index into files, for messages */
    unsigned line;
} scr_entry;

/* One distinct normalized text term. */
typedef struct scr_pattern {
    uint32_t first;      /* its first entry + 1 */
    uint32_t len;        /* term bytes */
    uint32_t sq_len;     /* term bytes without spaces */
} scr_pattern;

struct bw_screen {
    bw_arena arena;          /* every string */
    scr_entry *entries;
    size_t n, cap;
    const char **files;
    size_t n_files, cap_files;
    scr_pattern *patterns;
    uint32_t n_patterns;
    uint32_t *hs_sorted;     /* indices of HS entries, by term */
    size_t n_hs;
    hs_database_t *words;    /* NULL: no text terms */
    hs_database_t *squeezed; /* NULL: no term long enough */
    hs_scratch_t *proto;     /* cloned for each thread */
    uint64_t generation;     /* tells a thread's scratch which screen it fits */
};

/* ---- storage ------------------------------------------------------------------- */

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

static const char *keep(bw_screen *s, const char *p, size_t n) { return bw_arena_strdup(&s->arena, p, n); }

/* ---- checking one row ------------------------------------------------------------- */

static bool bad(char *err, size_t errlen, const char *path, unsigned ln, const char *why, const char *value)
{
    snprintf(err, errlen, "%s:%u: %s \"%.60s\"", path, ln, why, value);
    return false;
}

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower(s[i]) && !is_upper(s[i]) && !is_digit(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

static bool area_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > AREA_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower(s[i]) && s[i] != '_')
            return false;
    return true;
}

static bool language_ok(const char *s)
{
    size_t n = strlen(s);
    if (strcmp(s, "*") == 0)
        return true;
    if (n < 2 || n > 3)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower(s[i]))
            return false;
    return true;
}

/* "*" or codes of 2 to 8 capitals and digits separated by commas. */
static bool jurisdictions_ok(const char *s)
{
    if (strcmp(s, "*") == 0)
        return true;
    size_t run = 0;
    for (const char *p = s;; p++) {
        if (*p == ',' || *p == '\0') {
            if (run < 2 || run > 8)
                return false;
            if (*p == '\0')
                return true;
            run = 0;
        } else if (is_upper(*p) || is_digit(*p))
            run++;
        else
            return false;
    }
}

static bool score_parse(const char *s, int32_t *out)
{
    const char *p = s + (*s == '-');
    if (!*p || strlen(p) > 4)
        return false;
    int32_t v = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v > SCORE_LIMIT)
        return false;
    *out = *s == '-' ? -v : v;
    return true;
}

static bool date_parse(const char *s, bw_time *out) { return strlen(s) == 10 && bw_time_parse(s, 10, out); }

/* An HS pattern: digits, optionally grouped by '.' or ' ' ("8543.40");
 * the digits into out. */
static bool hs_pattern(const char *s, char out[HS_DIGITS_MAX + 1])
{
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (is_digit(*p)) {
            if (n == HS_DIGITS_MAX)
                return false;
            out[n++] = *p;
        } else if (*p != '.' && *p != ' ')
            return false;
    }
    out[n] = '\0';
    return n >= HS_DIGITS_MIN;
}

static bool add_entry(bw_screen *s, const scr_entry *e)
{
    if (s->n >= MAX_ENTRIES || !reserve((void **)&s->entries, &s->cap, s->n + 1, sizeof *s->entries))
        return false;
    s->entries[s->n++] = *e;
    return true;
}

/* The match column and the pattern: the normalized term into e. */
static bool parse_term(bw_screen *s, char **f, scr_entry *e, const char *path, unsigned ln, char *err,
                       size_t errlen)
{
    size_t pn = strlen(f[4]);
    if (pn == 0 || pn > PATTERN_MAX)
        return bad(err, errlen, path, ln, "pattern must be 1 to 200 bytes:", f[4]);
    if (!bw_utf8_valid(f[4], pn))
        return bad(err, errlen, path, ln, "pattern is not UTF-8:", f[4]);
    e->pub.pattern = keep(s, f[4], pn);
    if (strcmp(f[3], "hs") == 0) {
        char digits[HS_DIGITS_MAX + 1];
        if (!hs_pattern(f[4], digits))
            return bad(err, errlen, path, ln, "an hs pattern is 2 to 10 digits, optionally grouped by '.', not", f[4]);
        e->pub.hs = true;
        e->pub.term = keep(s, digits, strlen(digits));
        return true;
    }
    if (strcmp(f[3], "text") != 0)
        return bad(err, errlen, path, ln, "match must be text or hs, not", f[3]);
    char term[TERM_MAX];
    size_t tn = bw_norm_text(f[4], pn, term, sizeof term, BW_NORM_LEET);
    if (tn == 0)
        return bad(err, errlen, path, ln, "pattern has no letters or digits to match:", f[4]);
    e->pub.term = keep(s, term, tn);
    return true;
}

static bool parse_dates(char **f, scr_entry *e, const char *path, unsigned ln, char *err, size_t errlen)
{
    e->pub.from = OPEN_START;
    e->pub.to = OPEN_END;
    if (*f[9] && !date_parse(f[9], &e->pub.from))
        return bad(err, errlen, path, ln, "valid_from must be empty or a date (YYYY-MM-DD), not", f[9]);
    if (*f[10] && (!date_parse(f[10], &e->pub.to) || e->pub.to <= e->pub.from))
        return bad(err, errlen, path, ln, "valid_to must be empty or a date (YYYY-MM-DD) after valid_from, not", f[10]);
    return true;
}

static int count_fields(const char *line)
{
    int n = 1;
    for (const char *p = line; (p = strchr(p, '\t')) != NULL; p++)
        n++;
    return n;
}

/* id kind area match pattern language jurisdictions score lane valid_from valid_to note */
static bool parse_row(bw_screen *s, char *line, uint32_t file, unsigned ln, char *err, size_t errlen)
{
    const char *path = s->files[file];
    int nf = count_fields(line);
    if (nf != N_FIELDS) {
        char got[16];
        snprintf(got, sizeof got, "%d", nf);
        return bad(err, errlen, path, ln, "12 tab-separated fields expected, got", got);
    }
    char *f[N_FIELDS];
    bw_tsv_split(line, f, N_FIELDS);
    scr_entry e = {.file = file, .line = ln};
    if (!id_ok(f[0]))
        return bad(err, errlen, path, ln, "id must be 1 to 64 letters, digits, '.', '-' or '_', not", f[0]);
    if (strcmp(f[1], "prohibited") != 0 && strcmp(f[1], "restricted") != 0)
        return bad(err, errlen, path, ln, "kind must be prohibited or restricted, not", f[1]);
    if (!area_ok(f[2]))
        return bad(err, errlen, path, ln, "area must be 1 to 32 lower-case letters or '_', not", f[2]);
    if (!parse_term(s, f, &e, path, ln, err, errlen))
        return false;
    if (!language_ok(f[5]))
        return bad(err, errlen, path, ln, "language must be a 2- or 3-letter lower-case code or *, not", f[5]);
    if (!jurisdictions_ok(f[6]))
        return bad(err, errlen, path, ln, "jurisdictions must be * or codes separated by commas (AU,CN), not", f[6]);
    if (!score_parse(f[7], &e.pub.score))
        return bad(err, errlen, path, ln, "score must be a whole number from -1000 to 1000, not", f[7]);
    e.pub.lane = *f[8] ? bw_lane_parse(f[8], strlen(f[8])) : BW_LANE_NONE;
    if (*f[8] && e.pub.lane == BW_LANE_NONE)
        return bad(err, errlen, path, ln, "lane must be empty, green, blue, yellow or red, not", f[8]);
    if (!parse_dates(f, &e, path, ln, err, errlen))
        return false;
    if (!bw_utf8_valid(f[11], strlen(f[11])))
        return bad(err, errlen, path, ln, "note is not UTF-8:", f[11]);
    e.pub.id = keep(s, f[0], strlen(f[0]));
    e.pub.prohibited = f[1][0] == 'p';
    e.pub.area = keep(s, f[2], strlen(f[2]));
    e.pub.language = keep(s, f[5], strlen(f[5]));
    e.pub.jurisdictions = keep(s, f[6], strlen(f[6]));
    e.pub.note = keep(s, f[11], strlen(f[11]));
    if (!add_entry(s, &e))
        return bad(err, errlen, path, ln, "out of memory, or more than 1000000 entries, at", f[0]);
    return true;
}

/* ---- files ------------------------------------------------------------------------ */

static bool load_file(bw_screen *s, const char *path, char *err, size_t errlen)
{
    if (!reserve((void **)&s->files, &s->cap_files, s->n_files + 1, sizeof *s->files)) {
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    uint32_t file = (uint32_t)s->n_files;
    s->files[s->n_files++] = keep(s, path, strlen(path));
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the screening list: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true, header = false;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        if (header)
            ok = parse_row(s, line, file, ln, err, errlen);
        else if (!(header = true) || strcmp(line, HEADER) != 0)
            ok = bad(err, errlen, path, ln,
                     "the header must be the 12 tab-separated names id kind area match pattern language "
                     "jurisdictions score lane valid_from valid_to note; got",
                     line);
    }
    if (ok && ferror(f)) {
        snprintf(err, errlen, "%s: read error after line %u", path, ln);
        ok = false;
    } else if (ok && !header) {
        snprintf(err, errlen, "%s: no header line (id kind area match pattern ...)", path);
        ok = false;
    }
    free(line);
    fclose(f);
    return ok;
}

static bool load_one(void *s, const char *path, char *err, size_t errlen) { return load_file(s, path, err, errlen); }

/* Every *.tsv of <datadir>/screening, in name order.  Unlike the optional
 * registries, the list is part of breakwater: a missing folder is an error,
 * not an empty list, so a wrong --data cannot switch screening off. */
static bool load_dir(bw_screen *s, const char *datadir, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/screening", datadir);
    return bw_tsv_load_dir(dir, false, "the screening directory", load_one, s, err, errlen);
}

static bool load_extra(bw_screen *s, const char *extra, char *err, size_t errlen)
{
    return bw_tsv_load_list(extra, "screening", load_one, s, err, errlen);
}

/* ---- after loading: ids, patterns, HS order ----------------------------------------- */

/* Orders entry indices by id or term, then by load order. */
static int by_id(const void *a, const void *b, void *ctx)
{
    const bw_screen *s = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    int c = strcmp(s->entries[i].pub.id, s->entries[j].pub.id);
    return c ? c : (i > j) - (i < j);
}

static int by_term(const void *a, const void *b, void *ctx)
{
    const bw_screen *s = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    int c = strcmp(s->entries[i].pub.term, s->entries[j].pub.term);
    return c ? c : (i > j) - (i < j);
}

static bool unique_ids(bw_screen *s, uint32_t *idx, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n; i++)
        idx[i] = (uint32_t)i;
    qsort_r(idx, s->n, sizeof *idx, by_id, s);
    for (size_t i = 1; i < s->n; i++) {
        const scr_entry *a = &s->entries[idx[i - 1]], *b = &s->entries[idx[i]];
        if (strcmp(a->pub.id, b->pub.id) == 0) {
            snprintf(err, errlen, "%s:%u: duplicate id \"%s\" (first at %s:%u)", s->files[b->file], b->line,
                     b->pub.id, s->files[a->file], a->line);
            return false;
        }
    }
    return true;
}

/* Text entries grouped by term into patterns (one per distinct term), HS
 * entries sorted into hs_sorted. */
static bool group(bw_screen *s, uint32_t *idx)
{
    size_t nt = 0, nh = 0;
    s->hs_sorted = malloc((s->n + 1) * sizeof *s->hs_sorted);
    s->patterns = malloc((s->n + 1) * sizeof *s->patterns);
    if (!s->hs_sorted || !s->patterns)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        if (s->entries[i].pub.hs)
            s->hs_sorted[nh++] = (uint32_t)i;
        else
            idx[nt++] = (uint32_t)i;
    }
    s->n_hs = nh;
    qsort_r(s->hs_sorted, nh, sizeof *s->hs_sorted, by_term, s);
    qsort_r(idx, nt, sizeof *idx, by_term, s);
    for (size_t i = nt; i-- > 0;) { /* backwards, so each chain is in load order */
        scr_entry *e = &s->entries[idx[i]];
        if (i + 1 < nt && strcmp(e->pub.term, s->entries[idx[i + 1]].pub.term) == 0)
            e->next_same = idx[i + 1] + 1;
    }
    for (size_t i = 0; i < nt; i++) {
        const scr_entry *e = &s->entries[idx[i]];
        if (i > 0 && strcmp(e->pub.term, s->entries[idx[i - 1]].pub.term) == 0)
            continue;
        size_t len = strlen(e->pub.term), spaces = 0;
        for (size_t k = 0; k < len; k++)
            spaces += e->pub.term[k] == ' ';
        s->patterns[s->n_patterns++] = (scr_pattern){idx[i] + 1, (uint32_t)len, (uint32_t)(len - spaces)};
    }
    return true;
}

/* ---- compiling ------------------------------------------------------------------------ */

static const scr_entry *pattern_entry(const bw_screen *s, uint32_t p) { return &s->entries[s->patterns[p].first - 1]; }

static void compile_error(const bw_screen *s, const char *what, uint32_t *ids, hs_compile_error_t *ce, char *err,
                          size_t errlen)
{
    if (ce && ce->expression >= 0) {
        const scr_entry *e = pattern_entry(s, ids[ce->expression]);
        snprintf(err, errlen, "%s:%u: Hyperscan cannot compile the %s form of \"%.60s\": %s", s->files[e->file],
                 e->line, what, e->pub.pattern, ce->message);
    } else
        snprintf(err, errlen, "screening: Hyperscan cannot compile the %s database: %s", what,
                 ce ? ce->message : "unknown error");
    hs_free_compile_error(ce);
}

/* Every term as an expression that is a plain literal (normalized terms
 * are [a-z0-9 ] only, so nothing needs escaping); whole words are checked
 * in on_words.  Not hs_compile_lit_multi: in Hyperscan 5.4.0 (Debian 12) a
 * literal database can fail at scan time with HS_UNKNOWN_ERROR on long
 * literals of repeated letters (intel/hyperscan#303; fuzz_screen_list found
 * it), while the same strings as expressions compile as fast, into the same
 * literal matcher, and scan as fast (measured with 10,000 terms). */
static bool compile_words(bw_screen *s, char *err, size_t errlen)
{
    uint32_t n = s->n_patterns;
    if (n == 0)
        return true;
    const char **exprs = calloc(n, sizeof *exprs);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    bool ok = exprs && flags && ids;
    for (uint32_t p = 0; ok && p < n; p++) {
        exprs[p] = pattern_entry(s, p)->pub.term;
        ids[p] = p; /* flags 0: every end, as the first may be inside a longer word */
    }
    hs_compile_error_t *ce = NULL;
    if (!ok)
        snprintf(err, errlen, "screening: out of memory");
    else if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &s->words, &ce) != HS_SUCCESS) {
        compile_error(s, "words", ids, ce, err, errlen);
        ok = false;
    }
    free(exprs);
    free(flags);
    free(ids);
    return ok;
}

/* A digit as the letter it stands for in obfuscated spellings, on both
 * sides of the squeezed comparison.  normalize.c already undoes these inside
 * words with letters; squeezed, a lone "0" word ("c 0 c a i n e") is still
 * a digit.  Mapping both the text and the terms keeps the squeezed database
 * literal: written as classes ("c[o0]c[a4]..."), the same terms compiled
 * thirty times slower (1.3 s for 944 terms). */
static char squeezed_char(char c)
{
    switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '8': return 'b';
    default: return c;
    }
}

/* The squeezed form of a term into out; false when it has fewer than
 * SQUEEZE_MIN_LETTERS letters. */
static bool squeezed_term(const char *term, bw_buf *out)
{
    size_t letters = 0;
    out->n = 0;
    for (const char *p = term; *p; p++) {
        if (*p == ' ')
            continue;
        letters += is_lower(*p);
        bw_buf_putc(out, squeezed_char(*p));
    }
    bw_buf_cstr(out);
    return letters >= SQUEEZE_MIN_LETTERS;
}

static bool compile_squeezed(bw_screen *s, char *err, size_t errlen)
{
    uint32_t n = s->n_patterns, m = 0;
    char **lits = calloc(n + 1, sizeof *lits);
    unsigned *flags = calloc(n + 1, sizeof *flags), *ids = calloc(n + 1, sizeof *ids);
    bool ok = lits && flags && ids;
    bw_buf b = {0};
    for (uint32_t p = 0; ok && p < n; p++) {
        if (!squeezed_term(pattern_entry(s, p)->pub.term, &b))
            continue;
        if (!(ok = (lits[m] = strdup(b.p)) != NULL))
            break;
        flags[m] = 0; /* every end: the first may not sit on word boundaries */
        ids[m++] = p;
    }
    bw_buf_free(&b);
    hs_compile_error_t *ce = NULL;
    if (!ok)
        snprintf(err, errlen, "screening: out of memory");
    else if (m > 0 && hs_compile_multi((const char *const *)lits, flags, ids, m, HS_MODE_BLOCK, NULL, &s->squeezed,
                                       &ce) != HS_SUCCESS) { /* [a-z0-9] only: literal expressions, see above */
        compile_error(s, "squeezed", ids, ce, err, errlen);
        ok = false;
    }
    for (uint32_t i = 0; lits && i < m; i++)
        free(lits[i]);
    free(lits);
    free(flags);
    free(ids);
    return ok;
}

static _Atomic uint64_t next_generation = 1;

static bool compile(bw_screen *s, char *err, size_t errlen)
{
    if (hs_valid_platform() != HS_SUCCESS) {
        snprintf(err, errlen, "screening: this CPU lacks what Hyperscan needs (SSSE3)");
        return false;
    }
    if (!compile_words(s, err, errlen) || !compile_squeezed(s, err, errlen))
        return false;
    if ((s->words && hs_alloc_scratch(s->words, &s->proto) != HS_SUCCESS) ||
        (s->squeezed && hs_alloc_scratch(s->squeezed, &s->proto) != HS_SUCCESS)) {
        snprintf(err, errlen, "screening: out of memory for the Hyperscan scratch");
        return false;
    }
    s->generation = atomic_fetch_add(&next_generation, 1);
    return true;
}

bw_screen *bw_screen_load(const char *datadir, const char *extra, char *err, size_t errlen)
{
    bw_screen *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "screening: out of memory");
        return NULL;
    }
    bw_arena_init(&s->arena);
    bool ok = (!datadir || load_dir(s, datadir, err, errlen)) && load_extra(s, extra, err, errlen);
    uint32_t *idx = ok ? malloc((s->n + 1) * sizeof *idx) : NULL;
    if (ok && !idx) {
        snprintf(err, errlen, "screening: out of memory");
        ok = false;
    }
    ok = ok && unique_ids(s, idx, err, errlen);
    if (ok && !group(s, idx)) {
        snprintf(err, errlen, "screening: out of memory");
        ok = false;
    }
    free(idx);
    if (!ok || !compile(s, err, errlen)) {
        bw_screen_free(s);
        return NULL;
    }
    return s;
}

void bw_screen_free(bw_screen *s)
{
    if (!s)
        return;
    hs_free_database(s->words);
    hs_free_database(s->squeezed);
    hs_free_scratch(s->proto);
    free(s->entries);
    free(s->files);
    free(s->patterns);
    free(s->hs_sorted);
    bw_arena_free(&s->arena);
    free(s);
}

size_t bw_screen_count(const bw_screen *s) { return s->n; }

const bw_screen_entry *bw_screen_entry_at(const bw_screen *s, size_t i)
{
    return i < s->n ? &s->entries[i].pub : NULL;
}

/* ---- per-thread scratch --------------------------------------------------------------- */

/* One scratch per thread, grown to fit every screen the thread has used
 * (a reload makes a new screen; the old one may still be in use).  It owes
 * nothing to any screen, so freeing a screen never strands it. */
typedef struct thread_scratch {
    hs_scratch_t *hs;
    uint64_t generation;  /* the screen it was last fitted to */
} thread_scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_key_ok;

static void scratch_release(void *p)
{
    thread_scratch *t = p;
    hs_free_scratch(t->hs);
    free(t);
}

static void scratch_key_make(void) { scratch_key_ok = pthread_key_create(&scratch_key, scratch_release) == 0; }

static hs_scratch_t *thread_scratch_for(const bw_screen *s)
{
    pthread_once(&scratch_once, scratch_key_make);
    if (!scratch_key_ok || !s->proto)
        return NULL;
    thread_scratch *t = pthread_getspecific(scratch_key);
    if (!t) {
        if (!(t = calloc(1, sizeof *t)))
            return NULL;
        if (pthread_setspecific(scratch_key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    if (t->generation == s->generation)
        return t->hs;
    bool ok = t->hs ? (!s->words || hs_alloc_scratch(s->words, &t->hs) == HS_SUCCESS) &&
                          (!s->squeezed || hs_alloc_scratch(s->squeezed, &t->hs) == HS_SUCCESS)
                    : hs_clone_scratch(s->proto, &t->hs) == HS_SUCCESS;
    if (!ok)
        return NULL;
    t->generation = s->generation;
    return t->hs;
}

/* ---- scanning one text ------------------------------------------------------------------ */

typedef struct raw_hit {
    uint32_t pattern;
    uint32_t start, end;   /* in the normalized text */
    uint8_t form;
} raw_hit;

typedef struct scan_ctx {
    const bw_screen *s;
    const bw_screen_scope *scope;
    const char *norm;      /* the normalized text */
    size_t n;
    raw_hit hits[MAX_RAW];
    unsigned n_hits;
    /* squeezed position -> position in norm, made on the first squeezed
     * candidate (most texts have none) */
    uint32_t *map, *map_heap;
    bool failed;           /* out of memory for the map */
    uint32_t map_stack[STACK_TEXT];
} scan_ctx;

static bool in_scope(const bw_screen_entry *e, const bw_screen_scope *scope)
{
    if (!scope)
        return true;
    if (!scope->all_dates && (scope->when < e->from || scope->when >= e->to))
        return false;
    if (!scope->jurisdiction.p || e->jurisdictions[0] == '*')
        return true;
    const char *p = e->jurisdictions;
    size_t jn = scope->jurisdiction.n;
    for (;;) {
        size_t run = strcspn(p, ",");
        if (run == jn && memcmp(p, scope->jurisdiction.p, jn) == 0)
            return true;
        if (!p[run])
            return false;
        p += run + 1;
    }
}

static bool pattern_in_scope(const bw_screen *s, uint32_t p, const bw_screen_scope *scope)
{
    for (uint32_t at = s->patterns[p].first; at; at = s->entries[at - 1].next_same)
        if (in_scope(&s->entries[at - 1].pub, scope))
            return true;
    return false;
}

static bool contains(const raw_hit *outer, uint32_t start, uint32_t end)
{
    return outer->start <= start && end <= outer->end && outer->end - outer->start > end - start;
}

/* Keeps one occurrence of a term in scope.  A term inside a longer one
 * ("ivory" in "ivory carving", "vape" in "THC vape") is not kept: the
 * longer says more, and both would score one mention twice; a separate
 * mention of the shorter still counts.  No kept hit is ever inside another.
 * Returns non-zero to stop the scan when there is no room left. */
static int record(scan_ctx *c, uint32_t pattern, uint32_t start, uint32_t end, bw_screen_form form)
{
    if (!pattern_in_scope(c->s, pattern, c->scope))
        return 0;
    raw_hit added = {pattern, start, end, (uint8_t)form};
    bool again = false;
    for (unsigned i = 0; i < c->n_hits; i++) {
        if (contains(&c->hits[i], start, end))
            return 0; /* matches ending at one offset come in no set order */
        again |= c->hits[i].pattern == pattern;
    }
    unsigned kept = 0;
    for (unsigned i = 0; i < c->n_hits; i++)
        if (!contains(&added, c->hits[i].start, c->hits[i].end))
            c->hits[kept++] = c->hits[i];
    c->n_hits = kept;
    if (!again) /* the first occurrence stands for the term */
        c->hits[c->n_hits++] = added;
    return c->n_hits == MAX_RAW;
}

/* A term ended at `to` in the normalized text: counts when it is whole
 * words (spaces or the text's ends on both sides). */
static int on_words(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    scan_ctx *c = ctx;
    uint32_t end = (uint32_t)to, start = end - c->s->patterns[id].len;
    if ((start > 0 && c->norm[start - 1] != ' ') || (end < c->n && c->norm[end] != ' '))
        return 0;
    return record(c, id, start, end, BW_SCREEN_WORDS);
}

static const uint32_t *squeeze_map(scan_ctx *c)
{
    if (c->map)
        return c->map;
    uint32_t *m = c->n <= STACK_TEXT ? c->map_stack : (c->map_heap = malloc(c->n * sizeof *m));
    if (!m)
        return NULL;
    for (size_t i = 0, k = 0; i < c->n; i++)
        if (c->norm[i] != ' ')
            m[k++] = (uint32_t)i;
    return c->map = m;
}

/* A squeezed term ended at `to` in the squeezed text: counts when it runs
 * from a word's start to a word's end. */
static int on_squeezed(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    scan_ctx *c = ctx;
    const uint32_t *map = squeeze_map(c);
    if (!map) {
        c->failed = true;
        return 1;
    }
    uint32_t first = map[to - c->s->patterns[id].sq_len], last = map[to - 1];
    if ((first > 0 && c->norm[first - 1] != ' ') || (last + 1 < c->n && c->norm[last + 1] != ' '))
        return 0;
    return record(c, id, first, last + 1, BW_SCREEN_SQUEEZED);
}

/* Reports the entries in scope of the kept hits; returns how many. */
static int report(const scan_ctx *c, bw_screen_cb cb, void *ctx)
{
    int reported = 0;
    for (unsigned i = 0; i < c->n_hits; i++) {
        const raw_hit *h = &c->hits[i];
        for (uint32_t at = c->s->patterns[h->pattern].first; at; at = c->s->entries[at - 1].next_same) {
            const bw_screen_entry *e = &c->s->entries[at - 1].pub;
            if (!in_scope(e, c->scope))
                continue;
            bw_screen_match m = {e, (bw_screen_form)h->form, c->norm + h->start, h->end - h->start};
            reported++;
            if (!cb(&m, ctx) || reported == BW_SCREEN_MAX_HITS)
                return reported;
        }
    }
    return reported;
}

/* A callback stopping the scan (MAX_RAW reached) is not a failure. */
static bool scanned(hs_error_t e) { return e == HS_SUCCESS || e == HS_SCAN_TERMINATED; }

static int scan(const bw_screen *s, hs_scratch_t *scratch, const char *norm, size_t nn, char *sq, scan_ctx *c)
{
    if (!scanned(hs_scan(s->words, norm, (unsigned)nn, 0, scratch, on_words, c)))
        return -1;
    if (s->squeezed && c->n_hits < MAX_RAW && nn > 0) {
        size_t sn = bw_norm_squeeze(norm, nn, sq, nn + 1);
        for (size_t i = 0; i < sn; i++)
            sq[i] = squeezed_char(sq[i]);
        if (!scanned(hs_scan(s->squeezed, sq, (unsigned)sn, 0, scratch, on_squeezed, c)) || c->failed)
            return -1;
    }
    return 0;
}

int bw_screen_text(const bw_screen *s, const char *text, size_t n, const bw_screen_scope *scope, bw_screen_cb cb,
                   void *ctx)
{
    if (!s->words)
        return 0;
    hs_scratch_t *scratch = thread_scratch_for(s);
    if (!scratch)
        return -1;
    if (n > (1u << 24))
        n = 1u << 24; /* the first 16 MiB of anything longer */
    size_t cap = n * 4 + 16; /* room for transliteration to lengthen the text */
    char stack[2 * STACK_TEXT];
    char *norm = cap <= STACK_TEXT ? stack : malloc(2 * cap);
    if (!norm)
        return -1;
    char *sq = norm + cap;
    size_t nn = bw_norm_text(text, n, norm, cap, BW_NORM_LEET);
    scan_ctx c;
    c.s = s; /* not an initializer: the map's stack room stays untouched */
    c.scope = scope;
    c.norm = norm;
    c.n = nn;
    c.n_hits = 0;
    c.map = c.map_heap = NULL;
    c.failed = false;
    int r = nn ? scan(s, scratch, norm, nn, sq, &c) : 0;
    if (r == 0)
        r = report(&c, cb, ctx);
    free(c.map_heap);
    if (norm != stack)
        free(norm);
    return r;
}

/* ---- HS codes ------------------------------------------------------------------------------- */

/* The first HS entry (position in hs_sorted) whose term is >= key. */
static size_t hs_lower_bound(const bw_screen *s, const char *key)
{
    size_t lo = 0, hi = s->n_hs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->entries[s->hs_sorted[mid]].pub.term, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int bw_screen_hs(const bw_screen *s, const char *code, size_t n, const bw_screen_scope *scope, bw_screen_cb cb,
                 void *ctx)
{
    char digits[HS_DIGITS_MAX + 1];
    size_t nd = 0;
    for (size_t i = 0; i < n && nd < HS_DIGITS_MAX; i++)
        if (is_digit(code[i]))
            digits[nd++] = code[i];
    int reported = 0;
    for (size_t len = HS_DIGITS_MIN; len <= nd && s->n_hs; len++) {
        char key[HS_DIGITS_MAX + 1];
        memcpy(key, digits, len);
        key[len] = '\0';
        for (size_t i = hs_lower_bound(s, key); i < s->n_hs; i++) {
            const bw_screen_entry *e = &s->entries[s->hs_sorted[i]].pub;
            if (strcmp(e->term, key) != 0)
                break;
            if (!in_scope(e, scope))
                continue;
            bw_screen_match m = {e, BW_SCREEN_HS, digits, nd};
            reported++;
            if (!cb(&m, ctx) || reported == BW_SCREEN_MAX_HITS)
                return reported;
        }
    }
    return reported;
}

/* ---- declarations ------------------------------------------------------------------------------- */

#define AREAS_PER_ITEM 16

typedef struct decl_ctx {
    bw_risk_result *r;
    int item;
    const char *field;     /* "description" or "hs_code" */
    bw_buf reason, evidence;
    /* The points already given to this item per area: one good caught by
     * its description and its HS code is one risk, not two, so an item
     * scores the best of its hits in an area (the others stay as evidence). */
    const char *area[AREAS_PER_ITEM];
    int32_t area_score[AREAS_PER_ITEM];
    int n_areas;
} decl_ctx;

/* The points this hit adds, given what the item's area already has. */
static int32_t area_points(decl_ctx *d, const bw_screen_entry *e)
{
    for (int i = 0; i < d->n_areas; i++)
        if (!strcmp(d->area[i], e->area)) {
            int32_t more = e->score > d->area_score[i] ? e->score - d->area_score[i] : 0;
            d->area_score[i] += more;
            return more;
        }
    if (d->n_areas < AREAS_PER_ITEM) {
        d->area[d->n_areas] = e->area;
        d->area_score[d->n_areas++] = e->score;
    }
    return e->score;
}

static void put_reason(bw_buf *b, const bw_screen_match *m)
{
    const bw_screen_entry *e = m->entry;
    const char *kind = e->prohibited ? "prohibited" : "restricted";
    b->n = 0;
    if (m->form == BW_SCREEN_HS) {
        bw_buf_puts(b, "HS code ");
        bw_buf_put(b, m->matched, m->matched_n);
        bw_buf_puts(b, " falls under ");
        bw_buf_puts(b, kind);
        bw_buf_puts(b, " HS ");
    } else {
        bw_buf_puts(b, m->form == BW_SCREEN_SQUEEZED ? "description spells out " : "description matches ");
        bw_buf_puts(b, kind);
        bw_buf_puts(b, " term ");
    }
    bw_buf_putc(b, '\'');
    bw_buf_puts(b, e->pattern);
    bw_buf_puts(b, "' (");
    bw_buf_puts(b, e->area);
    bw_buf_putc(b, ')');
    bw_buf_cstr(b);
}

static void put_member(bw_buf *b, const char *key_colon, const char *s, size_t n)
{
    bw_buf_puts(b, key_colon);
    bw_buf_put_json_str(b, s, n);
}

static void put_evidence(bw_buf *b, const bw_screen_match *m)
{
    const bw_screen_entry *e = m->entry;
    b->n = 0;
    put_member(b, "{\"term\":", e->pattern, strlen(e->pattern));
    put_member(b, ",\"area\":", e->area, strlen(e->area));
    put_member(b, ",\"language\":", e->language, strlen(e->language));
    put_member(b, ",\"matched\":", m->matched, m->matched_n);
    bw_buf_puts(b, ",\"form\":\"");
    bw_buf_puts(b, bw_screen_form_names[m->form]);
    bw_buf_puts(b, "\"}");
    bw_buf_cstr(b);
}

static bool add_hit(const bw_screen_match *m, void *ctx)
{
    decl_ctx *d = ctx;
    const bw_screen_entry *e = m->entry;
    put_reason(&d->reason, m);
    put_evidence(&d->evidence, m);
    bw_risk_add(d->r, e->prohibited ? "screening.prohibited" : "screening.restricted", e->id,
                bw_risk_path(d->r->arena, "items", d->item, d->field), d->reason.p, d->evidence.p,
                area_points(d, e), e->lane);
    return true;
}

void bw_screen_declaration(const bw_screen *s, const bw_risk_facts *f, bw_risk_result *r)
{
    const bw_declaration *decl = f->decl;
    bw_screen_scope scope = {f->jurisdiction, f->when, false};
    decl_ctx d = {.r = r};
    bool failed = false;
    for (uint32_t i = 0; decl && i < decl->n_items; i++) {
        const bw_item *it = &decl->items[i];
        d.item = (int)i;
        d.n_areas = 0;
        if (it->description.p) {
            d.field = "description";
            failed |= bw_screen_text(s, it->description.p, it->description.n, &scope, add_hit, &d) < 0;
        }
        if (it->hs_code.p) {
            d.field = "hs_code";
            bw_screen_hs(s, it->hs_code.p, it->hs_code.n, &scope, add_hit, &d);
        }
    }
    if (failed)
        bw_risk_add(r, "screening.unavailable", NULL, NULL,
                    "descriptions could not be screened (out of memory): screen them by hand", NULL, 0, BW_LANE_NONE);
    bw_buf_free(&d.reason);
    bw_buf_free(&d.evidence);
}
