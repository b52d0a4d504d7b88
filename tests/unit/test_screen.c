/*
 * test_screen.c - prohibited and restricted goods screening (src/risk/
 * screen.c): terms in six languages and their euphemisms, the obfuscations
 * normalization and the squeezed form undo (spelled-out letters, digits for
 * letters, fullwidth letters, diacritics), whole-word matching, HS prefixes,
 * effective dates and jurisdictions, strict loading with file:line
 * messages, the hits and evidence a declaration gets, and use from many
 * threads.
 *
 * The rules are tested on a small list written to a private temporary
 * directory; a few tests run the shipped list (BW_DATADIR/screening).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "risk/screen.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

#define HEADER "id\tkind\tarea\tmatch\tpattern\tlanguage\tjurisdictions\tscore\tlane\tvalid_from\tvalid_to\tnote\n"

/* The small list the rules are tested on. */
static const char RULES[] = HEADER
    "# one term per language\n"
    "d.en.cocaine\tprohibited\tdrugs\ttext\tcocaine\ten\t*\t60\tred\t\t\t\n"
    "d.en.heroin\tprohibited\tdrugs\ttext\theroin\ten\t*\t60\tred\t\t\t\n"
    "d.de.kokain\tprohibited\tdrugs\ttext\tKokain\tde\t*\t60\tred\t\t\t\n"
    "c.fr.replique\trestricted\tcounterfeit\ttext\tréplique\tfr\t*\t20\t\t\t\t\n"
    "w.es.arma\tprohibited\tweapons\ttext\tarma de fuego\tes\t*\t60\tred\t\t\t\n"
    "w.de.waffe\trestricted\tweapons\ttext\tWaffe\tde\t*\t40\tyellow\t\t\t\n"
    "d.zh.cocaine\tprohibited\tdrugs\ttext\t可卡因\tzh\t*\t60\tred\t\t\t\n"
    "w.ru.oruzie\trestricted\tweapons\ttext\tоружие\tru\t*\t40\tyellow\t\t\t\n"
    "p.any.viagra\trestricted\tpharmaceuticals\ttext\tViagra\t*\t*\t40\tyellow\t\t\t\n"
    "\n"
    "# short and long, nested\n"
    "w.en.gun\trestricted\tweapons\ttext\tgun\ten\t*\t30\tyellow\t\t\t\n"
    "w.en.handgun\tprohibited\tweapons\ttext\thand gun\ten\t*\t60\tred\t\t\t\n"
    "w.en.handgun-holster\trestricted\tweapons\ttext\thand gun holster\ten\t*\t20\t\t\t\t\n"
    "x.en.ivory\trestricted\twildlife\ttext\tivory\ten\t*\t10\t\t\t\t\n"
    "x.en.ivory-carving\tprohibited\twildlife\ttext\tivory carving\ten\t*\t60\tred\t\t\t\n"
    "q.en.quoted\tprohibited\tweapons\ttext\t5\" knife \\ blade\ten\t*\t50\tred\t\t\tJSON needs escapes\n"
    "# HS prefixes\n"
    "h.93\trestricted\tweapons\ths\t93\t*\t*\t20\t\t\t\t\n"
    "h.9302\tprohibited\tweapons\ths\t9302\t*\t*\t60\tred\t\t\t\n"
    "h.854340\trestricted\ttobacco\ths\t8543.40\t*\t*\t30\tyellow\t\t\t\n"
    "# dates and jurisdictions\n"
    "t.au.vape\tprohibited\ttobacco\ttext\tvape\ten\tAU\t60\tred\t2024-03-01\t\t\n"
    "t.au.vape-before\trestricted\ttobacco\ttext\tvape\ten\tAU\t30\tyellow\t\t2024-03-01\t\n"
    "t.gb-us.vape\trestricted\ttobacco\ttext\tvape\ten\tGB,US\t30\tyellow\t\t\t\n";

static char g_dir[4096];
static bw_screen *g_rules, *g_shipped;

/* ---- helpers ------------------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static const char *scratch(const char *name)
{
    static char path[8][4400];
    static unsigned next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", g_dir, name);
    return p;
}

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

/* What one screening reported. */
typedef struct found {
    int n;
    struct {
        char id[80];
        bw_screen_form form;
        char matched[256];
        const bw_screen_entry *e;
    } hit[BW_SCREEN_MAX_HITS];
} found;

static bool collect(const bw_screen_match *m, void *ctx)
{
    found *f = ctx;
    assert_true(f->n < BW_SCREEN_MAX_HITS);
    snprintf(f->hit[f->n].id, sizeof f->hit[0].id, "%s", m->entry->id);
    snprintf(f->hit[f->n].matched, sizeof f->hit[0].matched, "%.*s", (int)m->matched_n, m->matched);
    f->hit[f->n].form = m->form;
    f->hit[f->n].e = m->entry;
    f->n++;
    return true;
}

/* Screens text for jurisdiction jur (NULL: any) on date (NULL: any date). */
static found screen_in(const bw_screen *s, const char *text, const char *jur, const char *date)
{
    found f = {0};
    bw_screen_scope scope = {{jur, jur ? (uint32_t)strlen(jur) : 0}, date ? day(date) : 0, date == NULL};
    int n = bw_screen_text(s, text, strlen(text), &scope, collect, &f);
    assert_int_equal(n, f.n);
    return f;
}

static found screen(const bw_screen *s, const char *text) { return screen_in(s, text, NULL, NULL); }

/* The index of entry id among the hits, or -1. */
static int find(const found *f, const char *id)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->hit[i].id, id) == 0)
            return i;
    return -1;
}

/* text hits exactly the one entry id, in form `form`. */
static void expect_only(const bw_screen *s, const char *text, const char *id, bw_screen_form form)
{
    found f = screen(s, text);
    if (f.n != 1 || strcmp(f.hit[0].id, id) != 0 || f.hit[0].form != form)
        fail_msg("\"%s\": expected only %s (%s), got %d hits, first %s (%s)", text, id, bw_screen_form_names[form],
                 f.n, f.n ? f.hit[0].id : "-", f.n ? bw_screen_form_names[f.hit[0].form] : "-");
}

static void expect_none(const bw_screen *s, const char *text)
{
    found f = screen(s, text);
    if (f.n)
        fail_msg("\"%s\": expected no hit, got %s", text, f.hit[0].id);
}

static void expect_hit(const bw_screen *s, const char *text, const char *id)
{
    found f = screen(s, text);
    if (find(&f, id) < 0)
        fail_msg("\"%s\": expected a hit on %s, got %d hits%s%s", text, id, f.n, f.n ? ", first " : "",
                 f.n ? f.hit[0].id : "");
}

static bw_screen *load(const char *datadir, const char *extra, char *err, size_t errlen)
{
    return bw_screen_load(datadir, extra, err, errlen);
}

/* Loads one list text; fails the test on an error. */
static bw_screen *load_text(const char *name, const char *text)
{
    const char *path = scratch(name);
    write_file(path, text);
    char err[512] = "";
    bw_screen *s = load(NULL, path, err, sizeof err);
    if (!s)
        fail_msg("load: %s", err);
    return s;
}

/* ---- languages ------------------------------------------------------------------ */

static void test_languages(void **state)
{
    (void)state;
    expect_only(g_rules, "Cocaine 1kg", "d.en.cocaine", BW_SCREEN_WORDS);
    expect_only(g_rules, "Kokain, 50 g", "d.de.kokain", BW_SCREEN_WORDS);
    expect_only(g_rules, "Montre RÉPLIQUE suisse", "c.fr.replique", BW_SCREEN_WORDS);
    expect_only(g_rules, "montre replique", "c.fr.replique", BW_SCREEN_WORDS); /* accents dropped by the writer */
    expect_only(g_rules, "Réplica de ARMA DE FUEGO", "w.es.arma", BW_SCREEN_WORDS);
    expect_only(g_rules, "Eine Waffe aus Stahl", "w.de.waffe", BW_SCREEN_WORDS);
    expect_only(g_rules, "Старое ОРУЖИЕ", "w.ru.oruzie", BW_SCREEN_WORDS);
    /* Chinese: pinyin syllables, whatever surrounds them */
    found f = screen(g_rules, "进口可卡因粉");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].id, "d.zh.cocaine");
    assert_string_equal(f.hit[0].matched, "ke ka yin");
    assert_string_equal(f.hit[0].e->language, "zh");
    assert_string_equal(f.hit[0].e->pattern, "可卡因");
    /* Cyrillic meets a German term in the one Latin form */
    expect_only(g_rules, "кокаин", "d.de.kokain", BW_SCREEN_WORDS);
    /* near misses */
    expect_none(g_rules, "Waffel maker, non-stick");
    expect_none(g_rules, "Kokainfrei");
    expect_none(g_rules, "可卡");
    expect_none(g_rules, "оружейный магазин");
    expect_none(g_rules, "armada de fuegos artificiales");
    expect_none(g_rules, "repliques");
}

/* ---- obfuscation ----------------------------------------------------------------- */

static void test_spelled_out(void **state)
{
    (void)state;
    /* letter by letter: normalization joins the word back (normalize.h) */
    const char *spelled[] = {"c o c a i n e", "c.o.c.a.i.n.e", "C-O-C-A-I-N-E!"};
    for (size_t i = 0; i < sizeof spelled / sizeof spelled[0]; i++)
        expect_only(g_rules, spelled[i], "d.en.cocaine", BW_SCREEN_WORDS);
    found f = screen(g_rules, "buy c.o.c.a.i.n.e now");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].matched, "cocaine");
    /* broken into longer pieces: the squeezed form finds it */
    const char *broken[] = {"pure co caine 1g", "coc aine"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
        expect_only(g_rules, broken[i], "d.en.cocaine", BW_SCREEN_SQUEEZED);
    /* written normally it is a words match */
    expect_only(g_rules, "cocaine", "d.en.cocaine", BW_SCREEN_WORDS);
    /* the run must start and end on word boundaries */
    expect_none(g_rules, "xc o c a i n e");
    expect_none(g_rules, "c o c a i n ex");
    expect_none(g_rules, "heroine figure");
    expect_none(g_rules, "the heroine");
    expect_none(g_rules, "cocaines");
}

/* Squeezed, a short term would be found in any run of short words. */
static void test_short_terms_not_squeezed(void **state)
{
    (void)state;
    /* spelled out letter by letter a short term is a word again ... */
    expect_only(g_rules, "g u n", "w.en.gun", BW_SCREEN_WORDS);
    expect_only(g_rules, "g.u.n", "w.en.gun", BW_SCREEN_WORDS);
    /* ... but never found inside other words squeezed together */
    expect_none(g_rules, "big u nit");
    expect_none(g_rules, "begun");
    expect_only(g_rules, "toy gun", "w.en.gun", BW_SCREEN_WORDS);
    /* a two-word term of six letters or more also matches written as one word */
    expect_only(g_rules, "hand gun", "w.en.handgun", BW_SCREEN_WORDS);
    expect_only(g_rules, "Handgun, black", "w.en.handgun", BW_SCREEN_SQUEEZED);
    expect_only(g_rules, "Handgun holster", "w.en.handgun-holster", BW_SCREEN_SQUEEZED);
    expect_only(g_rules, "h a n d g u n", "w.en.handgun", BW_SCREEN_SQUEEZED); /* "handgun" vs the term "hand gun" */
}

static void test_digit_for_letter(void **state)
{
    (void)state;
    found f = screen(g_rules, "V1AGRA 100mg");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].id, "p.any.viagra");
    assert_string_equal(f.hit[0].matched, "viagra");
    expect_only(g_rules, "c0caine", "d.en.cocaine", BW_SCREEN_WORDS);
    expect_only(g_rules, "C0C41N3", "d.en.cocaine", BW_SCREEN_WORDS);
    /* lone digits spelled out: read as letters in the squeezed form */
    expect_only(g_rules, "c 0 c a 1 n e", "d.en.cocaine", BW_SCREEN_SQUEEZED);
    expect_only(g_rules, "v 1 a g r a", "p.any.viagra", BW_SCREEN_SQUEEZED);
    /* numbers stay numbers */
    expect_none(g_rules, "4 pack of 3 gloves");
    expect_none(g_rules, "viagra5");
}

static void test_fullwidth_and_diacritics(void **state)
{
    (void)state;
    expect_only(g_rules, "ＣＯＣＡＩＮＥ", "d.en.cocaine", BW_SCREEN_WORDS);
    expect_only(g_rules, "Ｗａｆｆｅ", "w.de.waffe", BW_SCREEN_WORDS);
    expect_only(g_rules, "Cocaïne pure", "d.en.cocaine", BW_SCREEN_WORDS);
    expect_only(g_rules, "KOKAİN", "d.de.kokain", BW_SCREEN_WORDS);
    expect_none(g_rules, "Ｃｏｃａ-Ｃｏｌａ");
}

/* ---- whole words ---------------------------------------------------------------------- */

static void test_word_boundaries(void **state)
{
    (void)state;
    const char *inside[] = {"burgundy dress", "it has begun", "gunpowder tea", "shotgun wedding", "Gunther"};
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++)
        expect_none(g_rules, inside[i]);
    const char *whole[] = {"toy gun", "GUN.", "(gun)", "gun-metal grey", "gun"};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        expect_only(g_rules, whole[i], "w.en.gun", BW_SCREEN_WORDS);
    /* the longer term wins over one inside it */
    expect_only(g_rules, "Ivory carving, 19th c.", "x.en.ivory-carving", BW_SCREEN_WORDS);
    expect_only(g_rules, "Ivory lace dress", "x.en.ivory", BW_SCREEN_WORDS);
    /* inside a longer term in either form: "hand gun" is also found squeezed */
    expect_only(g_rules, "hand gun holster", "w.en.handgun-holster", BW_SCREEN_WORDS);
    /* both, when they are separate mentions */
    found f = screen(g_rules, "ivory carving and an ivory comb");
    assert_int_equal(f.n, 2);
    assert_true(find(&f, "x.en.ivory") >= 0 && find(&f, "x.en.ivory-carving") >= 0);
    /* several terms in one text, each once */
    f = screen(g_rules, "gun, cocaine, gun, Waffe, cocaine");
    assert_int_equal(f.n, 3);
    assert_true(find(&f, "w.en.gun") >= 0 && find(&f, "d.en.cocaine") >= 0 && find(&f, "w.de.waffe") >= 0);
    expect_none(g_rules, "");
    expect_none(g_rules, " -- ");
}

/* ---- HS codes -------------------------------------------------------------------------- */

static found hs(const bw_screen *s, const char *code)
{
    found f = {0};
    int n = bw_screen_hs(s, code, strlen(code), NULL, collect, &f);
    assert_int_equal(n, f.n);
    return f;
}

static void test_hs_prefixes(void **state)
{
    (void)state;
    found f = hs(g_rules, "930200");
    assert_int_equal(f.n, 2);
    assert_string_equal(f.hit[0].id, "h.93"); /* shortest prefix first */
    assert_string_equal(f.hit[1].id, "h.9302");
    assert_int_equal(f.hit[1].form, BW_SCREEN_HS);
    assert_string_equal(f.hit[1].matched, "930200");
    f = hs(g_rules, "9303");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].id, "h.93");
    /* a pattern written with dots, codes written with or without */
    assert_int_equal(hs(g_rules, "8543400000").n, 1);
    assert_int_equal(hs(g_rules, "8543.40").n, 1);
    assert_int_equal(hs(g_rules, "854340").n, 1);
    assert_int_equal(hs(g_rules, "854341").n, 0);
    assert_int_equal(hs(g_rules, "8543").n, 0);
    assert_int_equal(hs(g_rules, "9").n, 0);
    assert_int_equal(hs(g_rules, "0930").n, 0);
    assert_int_equal(hs(g_rules, "").n, 0);
    /* HS entries are not text terms, nor text terms HS entries */
    expect_none(g_rules, "item 930200");
    assert_int_equal(hs(g_rules, "cocaine").n, 0);
}

/* ---- dates and jurisdictions ------------------------------------------------------------------ */

static void test_dates_and_jurisdictions(void **state)
{
    (void)state;
    found f = screen_in(g_rules, "disposable vape", "AU", "2024-02-29");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].id, "t.au.vape-before");
    f = screen_in(g_rules, "disposable vape", "AU", "2024-03-01"); /* valid_to is the first day out of force */
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].id, "t.au.vape");
    assert_int_equal(f.hit[0].e->lane, BW_LANE_RED);
    f = screen_in(g_rules, "disposable vape", "GB", "2024-03-01");
    assert_int_equal(f.n, 1);
    assert_string_equal(f.hit[0].id, "t.gb-us.vape");
    f = screen_in(g_rules, "disposable vape", "US", "2020-01-01");
    assert_int_equal(f.n, 1);
    assert_int_equal(screen_in(g_rules, "disposable vape", "CA", "2025-01-01").n, 0);
    assert_int_equal(screen_in(g_rules, "disposable vape", "A", "2025-01-01").n, 0);
    assert_int_equal(screen_in(g_rules, "disposable vape", "AUS", "2025-01-01").n, 0);
    /* no jurisdiction: every entry; no date: every version */
    assert_int_equal(screen_in(g_rules, "disposable vape", NULL, "2025-01-01").n, 2);
    assert_int_equal(screen(g_rules, "disposable vape").n, 3);
    found all = {0};
    assert_int_equal(bw_screen_text(g_rules, "vape", 4, NULL, collect, &all), 3);
    /* "*" entries apply everywhere */
    assert_int_equal(screen_in(g_rules, "cocaine", "CA", "1990-01-01").n, 1);
}

/* ---- loading ------------------------------------------------------------------------------ */

typedef struct bad_case {
    const char *text;   /* the whole file */
    const char *where;  /* ":LINE:" the message must name */
    const char *why;    /* and this */
} bad_case;

#define ROW(kind, area, match, pattern, lang, jur, score, lane, from, to)                                          \
    "x1\t" kind "\t" area "\t" match "\t" pattern "\t" lang "\t" jur "\t" score "\t" lane "\t" from "\t" to "\t\n"
#define GOOD ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "60", "red", "", "")

static void test_malformed(void **state)
{
    (void)state;
    static const bad_case bad[] = {
        {"id\tkind\tarea\tmatch\tpattern\n", ":1:", "the header must be"},
        {"# only a comment\n\n", "", "no header line"},
        {HEADER "x1\tprohibited\tdrugs\ttext\tcocaine\ten\t*\t60\tred\t\t\n", ":2:", "12 tab-separated fields"},
        {HEADER "x1\tprohibited\tdrugs\ttext\tcocaine\ten\t*\t60\tred\t\t\t\t\n", ":2:", "got \"13\""},
        {HEADER "x 1\tprohibited\tdrugs\ttext\tcocaine\ten\t*\t60\tred\t\t\t\n", ":2:", "id must be"},
        {HEADER "\tprohibited\tdrugs\ttext\tcocaine\ten\t*\t60\tred\t\t\t\n", ":2:", "id must be"},
        {HEADER ROW("banned", "drugs", "text", "cocaine", "en", "*", "60", "red", "", ""), ":2:", "kind must be"},
        {HEADER ROW("prohibited", "Drugs", "text", "cocaine", "en", "*", "60", "red", "", ""), ":2:", "area must be"},
        {HEADER ROW("prohibited", "drugs", "regex", "cocaine", "en", "*", "60", "red", "", ""), ":2:",
         "match must be text or hs"},
        {HEADER ROW("prohibited", "drugs", "text", "", "en", "*", "60", "red", "", ""), ":2:",
         "pattern must be 1 to 200 bytes"},
        {HEADER ROW("prohibited", "drugs", "text", "!!! ---", "en", "*", "60", "red", "", ""), ":2:",
         "no letters or digits"},
        {HEADER ROW("prohibited", "drugs", "text", "\xff\xfe", "en", "*", "60", "red", "", ""), ":2:",
         "pattern is not UTF-8"},
        {HEADER ROW("prohibited", "weapons", "hs", "93a", "*", "*", "60", "red", "", ""), ":2:", "an hs pattern is"},
        {HEADER ROW("prohibited", "weapons", "hs", "9", "*", "*", "60", "red", "", ""), ":2:", "an hs pattern is"},
        {HEADER ROW("prohibited", "weapons", "hs", "93011000001", "*", "*", "60", "red", "", ""), ":2:",
         "2 to 10 digits"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "EN", "*", "60", "red", "", ""), ":2:",
         "language must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "au", "60", "red", "", ""), ":2:",
         "jurisdictions must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "AU,", "60", "red", "", ""), ":2:",
         "jurisdictions must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "", "60", "red", "", ""), ":2:",
         "jurisdictions must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "sixty", "red", "", ""), ":2:",
         "score must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "1001", "red", "", ""), ":2:",
         "score must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "", "red", "", ""), ":2:", "score must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "60", "orange", "", ""), ":2:",
         "lane must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "60", "red", "2024-02-30", ""), ":2:",
         "valid_from must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "60", "red", "2024-3-1", ""), ":2:",
         "valid_from must be"},
        {HEADER ROW("prohibited", "drugs", "text", "cocaine", "en", "*", "60", "red", "2024-03-01", "2024-03-01"),
         ":2:", "valid_to must be"},
        {HEADER "x1\tprohibited\tdrugs\ttext\tcocaine\ten\t*\t60\tred\t\t\tM\xfcller\n", ":2:", "note is not UTF-8"},
        /* the line number counts comments and blank lines too */
        {HEADER GOOD "# x\n\n" ROW("prohibited", "drugs", "text", "heroin", "en", "*", "60", "red", "", ""), ":5:",
         "duplicate id \"x1\""},
    };
    const char *path = scratch("bad.tsv");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        write_file(path, bad[i].text);
        bw_screen *s = load(NULL, path, err, sizeof err);
        char where[4500];
        snprintf(where, sizeof where, "%s%s", path, bad[i].where);
        if (s || !strstr(err, where) || !strstr(err, bad[i].why))
            fail_msg("case %zu: expected an error with \"%s\" and \"%s\", got \"%s\"", i, where, bad[i].why, err);
    }
    /* the boundaries that are fine */
    write_file(path, HEADER ROW("restricted", "d_x", "text", "a", "*", "AU,CN12345", "-1000", "", "", "2030-01-01"));
    char err[512] = "";
    bw_screen *s = load(NULL, path, err, sizeof err);
    if (!s)
        fail_msg("load: %s", err);
    const bw_screen_entry *e = bw_screen_entry_at(s, 0);
    assert_int_equal(e->score, -1000);
    assert_int_equal(e->lane, BW_LANE_NONE);
    assert_false(e->prohibited);
    assert_true(e->to == day("2030-01-01"));
    assert_null(bw_screen_entry_at(s, 1));
    bw_screen_free(s);
}

static void test_sources(void **state)
{
    (void)state;
    char err[1024] = "", dir[4400], env[9000];
    /* an id is unique over every file; the message names both places */
    write_file(scratch("a.tsv"), HEADER GOOD);
    write_file(scratch("b.tsv"), HEADER "# again\n" GOOD);
    snprintf(env, sizeof env, "%s:%s", scratch("a.tsv"), scratch("b.tsv"));
    assert_null(load(NULL, env, err, sizeof err));
    char want[9000];
    snprintf(want, sizeof want, "%s:3: duplicate id \"x1\" (first at %s:2)", scratch("b.tsv"), scratch("a.tsv"));
    assert_string_equal(err, want);
    /* a named file must exist */
    assert_null(load(NULL, scratch("missing.tsv"), err, sizeof err));
    assert_non_null(strstr(err, "missing.tsv: cannot read the screening list"));
    /* a data directory must have the screening folder */
    assert_null(load(g_dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "/screening: cannot read the screening directory"));
    /* the folder's *.tsv in name order, then the extra files; empty paths skipped */
    snprintf(dir, sizeof dir, "%s/screening", g_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file(scratch("screening/2.tsv"), HEADER ROW("prohibited", "drugs", "text", "heroin", "en", "*", "60", "red",
                                                      "", ""));
    write_file(scratch("screening/1.tsv"), HEADER "x0\trestricted\tdrugs\ttext\tkhat\ten\t*\t30\tyellow\t\t\t\n");
    write_file(scratch("screening/README.md"), "not a list: only *.tsv is read\n");
    write_file(scratch("c.tsv"), HEADER "x2\tprohibited\tweapons\ths\t9302\t*\t*\t60\tred\t\t\t\n");
    snprintf(env, sizeof env, ":%s::", scratch("c.tsv"));
    bw_screen *s = load(g_dir, env, err, sizeof err);
    if (!s)
        fail_msg("load: %s", err);
    assert_int_equal(bw_screen_count(s), 3);
    assert_string_equal(bw_screen_entry_at(s, 0)->id, "x0");
    assert_string_equal(bw_screen_entry_at(s, 1)->id, "x1");
    assert_string_equal(bw_screen_entry_at(s, 2)->id, "x2");
    expect_only(s, "khat leaves", "x0", BW_SCREEN_WORDS);
    assert_int_equal(hs(s, "930200").n, 1);
    bw_screen_free(s);
    /* HS entries alone: nothing to match in text */
    s = load(NULL, scratch("c.tsv"), err, sizeof err);
    assert_non_null(s);
    expect_none(s, "anything at all");
    assert_int_equal(hs(s, "9302").n, 1);
    bw_screen_free(s);
    /* nothing at all is a valid, empty list */
    s = load(NULL, NULL, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(bw_screen_count(s), 0);
    expect_none(s, "cocaine");
    bw_screen_free(s);
}

/* ---- declarations ------------------------------------------------------------------------- */

static bw_str str(const char *s) { return (bw_str){s, (uint32_t)strlen(s)}; }

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("no member \"%s\" in %s", key, json_object_to_json_string(o));
    return v;
}

static const char *member_str(json_object *o, const char *key) { return json_object_get_string(member(o, key)); }

static const bw_risk_hit *hit_of(const bw_risk_result *r, const char *ref, const char *path)
{
    for (uint32_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].ref, ref) == 0 && strcmp(r->hits[i].path, path) == 0)
            return &r->hits[i];
    fail_msg("no hit %s at %s", ref, path);
    return NULL;
}

static void test_declaration(void **state)
{
    (void)state;
    bw_item items[3] = {
        {.present = true, .description = str("Toy GUN and \"real\" c o c a i n e \\ kit"), .hs_code = str("930200")},
        {.present = true, .description = str("5\" knife \\ blade set")},
        {.present = true, .description = str("cocaine cocaine C0CAINE c-o-c-a-i-n-e"), .hs_code = str("610910")},
    };
    bw_declaration d = {.present = true, .items = items, .n_items = 3, .items_present = true};
    bw_risk_facts facts = {.decl = &d, .jurisdiction = str("GB"), .when = day("2025-01-01")};
    bw_arena arena;
    bw_arena_init(&arena);
    bw_risk_result r;
    bw_risk_result_init(&r, &arena);
    bw_screen_declaration(g_rules, &facts, &r);
    assert_int_equal(r.n_hits, 6);
    const bw_risk_hit *gun = hit_of(&r, "w.en.gun", "items[0].description");
    assert_string_equal(gun->code, "screening.restricted");
    assert_int_equal(gun->score, 30);
    assert_int_equal(gun->lane, BW_LANE_YELLOW);
    assert_string_equal(gun->reason, "description matches restricted term 'gun' (weapons)");
    const bw_risk_hit *coke = hit_of(&r, "d.en.cocaine", "items[0].description");
    assert_string_equal(coke->code, "screening.prohibited");
    assert_string_equal(coke->reason, "description matches prohibited term 'cocaine' (drugs)");
    json_object *ev = json_tokener_parse(coke->evidence);
    assert_non_null(ev);
    assert_string_equal(member_str(ev, "term"), "cocaine");
    assert_string_equal(member_str(ev, "area"), "drugs");
    assert_string_equal(member_str(ev, "language"), "en");
    assert_string_equal(member_str(ev, "matched"), "cocaine");
    assert_string_equal(member_str(ev, "form"), "words");
    json_object_put(ev);
    const bw_risk_hit *h93 = hit_of(&r, "h.93", "items[0].hs_code"), *h9302 = hit_of(&r, "h.9302", "items[0].hs_code");
    assert_int_equal(h93->lane, BW_LANE_NONE);
    assert_string_equal(h9302->reason, "HS code 930200 falls under prohibited HS '9302' (weapons)");
    ev = json_tokener_parse(h9302->evidence);
    assert_non_null(ev);
    assert_string_equal(member_str(ev, "form"), "hs");
    assert_string_equal(member_str(ev, "matched"), "930200");
    json_object_put(ev);
    /* a pattern with a quote and a backslash: the evidence is still JSON */
    const bw_risk_hit *q = hit_of(&r, "q.en.quoted", "items[1].description");
    ev = json_tokener_parse(q->evidence);
    assert_non_null(ev);
    assert_string_equal(member_str(ev, "term"), "5\" knife \\ blade");
    assert_string_equal(member_str(ev, "matched"), "5 knife blade");
    json_object_put(ev);
    /* the same entry four times in one item: one hit */
    hit_of(&r, "d.en.cocaine", "items[2].description");
    int in_item2 = 0;
    for (uint32_t i = 0; i < r.n_hits; i++)
        in_item2 += strncmp(r.hits[i].path, "items[2]", 8) == 0;
    assert_int_equal(in_item2, 1);
    /* an item scores the best of its hits per area: item 0 has weapons
     * (gun 30, HS 93 20, HS 9302 60: 60) and drugs (60); then 50 and 60 */
    assert_int_equal(h93->score, 0);
    assert_int_equal(h9302->score, 60 - 30);
    assert_int_equal(r.score, 60 + 60 + 50 + 60);
    /* the result as JSON parses, hits and evidence included */
    bw_buf out = {0};
    bw_buf_puts(&out, "{\"id\":1");
    bw_risk_json(&r, &out);
    bw_buf_putc(&out, '}');
    json_object *all = json_tokener_parse(bw_buf_cstr(&out));
    assert_non_null(all);
    assert_int_equal(json_object_array_length(member(member(all, "risk"), "hits")), 6);
    json_object_put(all);
    bw_buf_free(&out);
    bw_arena_free(&arena);
}

/* Jurisdiction and date come from the facts; nothing screened, nothing added. */
static void test_declaration_scope(void **state)
{
    (void)state;
    bw_item items[2] = {{.present = true, .description = str("vape kit")}, {.present = true}};
    bw_declaration d = {.present = true, .items = items, .n_items = 2, .items_present = true};
    bw_arena arena;
    bw_arena_init(&arena);
    bw_risk_result r;
    const char *jur[] = {"AU", "AU", "CA"};
    const char *when[] = {"2024-02-01", "2024-06-01", "2024-06-01"};
    const char *want[] = {"t.au.vape-before", "t.au.vape", NULL};
    for (int i = 0; i < 3; i++) {
        bw_risk_result_init(&r, &arena);
        bw_risk_facts facts = {.decl = &d, .jurisdiction = str(jur[i]), .when = day(when[i])};
        bw_screen_declaration(g_rules, &facts, &r);
        assert_int_equal(r.n_hits, want[i] ? 1 : 0);
        if (want[i])
            assert_string_equal(r.hits[0].ref, want[i]);
    }
    bw_arena_free(&arena);
}

/* ---- threads ---------------------------------------------------------------------------------- */

static const char *const MIXED[] = {
    "Cotton T-shirt, men, size M", "c o c a i n e", "toy gun", "进口可卡因粉", "Ivory carving", "Waffel maker",
    "V1AGRA", "burgundy", "Старое ОРУЖИЕ", "hand gun and cocaine",
};
#define N_MIXED (sizeof MIXED / sizeof MIXED[0])

/* A fingerprint of what a screen reports for MIXED. */
static unsigned long fingerprint(const bw_screen *s)
{
    unsigned long h = 0;
    for (size_t i = 0; i < N_MIXED; i++) {
        found f = screen(s, MIXED[i]);
        for (int k = 0; k < f.n; k++)
            for (const char *p = f.hit[k].id; *p; p++)
                h = h * 31 + (unsigned char)*p + f.hit[k].form;
        h = h * 7 + (unsigned long)f.n;
    }
    return h;
}

typedef struct worker {
    unsigned long want;
    int bad;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int round = 0; round < 50; round++)
        w->bad += fingerprint(g_rules) != w->want;
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    worker w[4];
    pthread_t t[4];
    unsigned long want = fingerprint(g_rules);
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){want, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].bad, 0);
    }
    /* one thread, two screens in turn (a reload): each scratch fits */
    bw_screen *other = load_text("other.tsv", HEADER "o1\tprohibited\tdrugs\ttext\tkhat leaves\ten\t*\t60\tred\t\t\t\n");
    for (int i = 0; i < 3; i++) {
        expect_only(other, "k h a t l e a v e s", "o1", BW_SCREEN_SQUEEZED); /* one joined word */
        expect_only(g_rules, "c o c a i n e", "d.en.cocaine", BW_SCREEN_WORDS);
        expect_none(other, "cocaine");
    }
    bw_screen_free(other);
    assert_int_equal(fingerprint(g_rules), want);
}

/* ---- the shipped list --------------------------------------------------------------------------- */

static void test_shipped_list(void **state)
{
    (void)state;
    size_t n = bw_screen_count(g_shipped), langs[6] = {0}, hs_entries = 0;
    static const char *const lang[] = {"en", "fr", "es", "de", "zh", "ru"};
    static const char *const areas[] = {"drugs", "precursors", "weapons", "explosives", "counterfeit", "wildlife",
                                        "tobacco", "pharmaceuticals", "hazardous", "cultural", "currency", "obscene"};
    bool area_seen[sizeof areas / sizeof areas[0]] = {0};
    assert_true(n >= 500);
    for (size_t i = 0; i < n; i++) {
        const bw_screen_entry *e = bw_screen_entry_at(g_shipped, i);
        hs_entries += e->hs;
        for (size_t k = 0; k < 6; k++)
            langs[k] += !e->hs && strcmp(e->language, lang[k]) == 0;
        for (size_t k = 0; k < sizeof areas / sizeof areas[0]; k++)
            area_seen[k] |= strcmp(e->area, areas[k]) == 0;
        /* a lane is only ever forced by an entry that scores */
        assert_true(e->lane == BW_LANE_NONE || e->score > 0);
    }
    for (size_t k = 0; k < 6; k++)
        if (langs[k] < 30)
            fail_msg("only %zu terms in %s", langs[k], lang[k]);
    for (size_t k = 0; k < sizeof areas / sizeof areas[0]; k++)
        if (!area_seen[k])
            fail_msg("no entry for area %s", areas[k]);
    assert_true(hs_entries >= 40);
}

static void test_shipped_euphemisms(void **state)
{
    (void)state;
    static const struct {
        const char *text, *id;
    } cases[] = {
        {"Research chemical 4-MMC 10g", "drugs.en.research-chemical"},
        {"Research chemical 4-MMC 10g", "drugs.en.4-mmc"},
        {"Herbal blend - not for human consumption", "drugs.en.not-for-human-consumption"},
        {"Vape juice 60ml mango", "tobacco.en.vape-juice"},
        {"E-liquid, 10 ml, nicotine 3 mg", "tobacco.en.e-liquid"},
        {"eliquid 10ml", "tobacco.en.e-liquid"},
        {"Watch AAA quality with box", "counterfeit.en.aaa-quality"},
        {"Handbag 1:1 copy", "counterfeit.en.1-1-copy"},
        {"knock-off sneakers", "counterfeit.en.knock-off"},
        {"knockoff sneakers", "counterfeit.en.knock-off"},
        {"Réplique montre", "counterfeit.fr.replique"},
        {"réplica", "counterfeit.en.replica"},
        {"Elfenbeinschnitzerei, antik", "wildlife.de.elfenbeinschnitzerei"},
        {"Eine Waffe", "weapons.de.waffe"},
        {"Травматический пистолет", "weapons.ru.travmaticeskij-pistolet"},
        {"кокаин", "drugs.de.kokain"},
        {"可卡因", "drugs.zh.ke-ka-yin"},
        {"仿制品手表", "counterfeit.zh.fang-zhi-pin"},
        {"Ivory carving", "wildlife.en.ivory-carving"},
        {"pangolin scales", "wildlife.en.pangolin-scales"},
        {"c.o.c.a.i.n.e", "drugs.en.cocaine"},
        {"signal jammer GPS", "telecom.en.signal-jammer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_hit(g_shipped, cases[i].text, cases[i].id);
    /* a euphemism with a lawful twin scores little and forces no lane */
    found f = screen(g_shipped, "Bath salts, lavender");
    assert_int_equal(f.n, 1);
    assert_int_equal(f.hit[0].e->lane, BW_LANE_NONE);
    assert_true(f.hit[0].e->score < 30);
}

/* Ordinary goods, several chosen for a near miss (homophones in pinyin,
 * words inside words, colours): nothing prohibited, no lane forced. */
static void test_shipped_ordinary_goods(void **state)
{
    (void)state;
    static const char *const ordinary[] = {
        "Cotton T-shirt, men, size M", "Smartphone, 128 GB, black", "Burgundy velvet dress", "Glue gun, 20 sticks",
        "Massage gun, 6 heads", "Ivory lace wedding dress", "Heroine costume for girls", "Fossil quartz watch",
        "Spice rack, bamboo", "Weed trimmer line", "Coral lipstick", "Surge suppressor power strip",
        "Water pistol for kids", "Crystal glass vase", "Bullet journal notebook", "Tortoise sunglasses",
        "Ink cartridge, black, compatible", "P2P WiFi camera", "Hash brown maker", "Chia seeds, 500 g",
        "大码女装连衣裙", "防病毒软件", "带帽卫衣", "高防护口罩", "摄像头", "鱼池过滤器", "科学家实验套装",
    };
    for (size_t i = 0; i < sizeof ordinary / sizeof ordinary[0]; i++) {
        found f = screen(g_shipped, ordinary[i]);
        for (int k = 0; k < f.n; k++)
            if (f.hit[k].e->prohibited || f.hit[k].e->lane != BW_LANE_NONE)
                fail_msg("\"%s\" hit %s", ordinary[i], f.hit[k].id);
    }
}

static void test_shipped_hs(void **state)
{
    (void)state;
    found f = hs(g_shipped, "930200");
    assert_true(find(&f, "weapons.hs.9302") >= 0);
    f = hs(g_shipped, "360410");
    assert_true(find(&f, "explosives.hs.3604") >= 0);
    f = hs(g_shipped, "050710");
    assert_true(find(&f, "wildlife.hs.050710") >= 0);
    /* AU: vaping devices prohibited from 2024-03-01, restricted before */
    bw_screen_scope au = {str("AU"), day("2024-06-01"), false};
    found g = {0};
    bw_screen_hs(g_shipped, "854340", 6, &au, collect, &g);
    assert_int_equal(g.n, 1);
    assert_true(g.hit[0].e->prohibited);
    au.when = day("2023-06-01");
    g.n = 0;
    bw_screen_hs(g_shipped, "854340", 6, &au, collect, &g);
    assert_int_equal(g.n, 1);
    assert_false(g.hit[0].e->prohibited);
    assert_int_equal(hs(g_shipped, "610910").n, 0);
}

/* ---- setup --------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("BW_TMP");
    snprintf(g_dir, sizeof g_dir, "%s/bw-screen-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_dir))
        return -1;
    char path[4400], err[1024];
    snprintf(path, sizeof path, "%s/rules.tsv", g_dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(RULES, f) < 0 || fclose(f) != 0)
        return -1;
    g_rules = bw_screen_load(NULL, path, err, sizeof err);
    if (!g_rules)
        fprintf(stderr, "rules: %s\n", err);
    g_shipped = bw_screen_load(BW_DATADIR, NULL, err, sizeof err);
    if (!g_shipped)
        fprintf(stderr, "shipped: %s\n", err);
    return g_rules && g_shipped ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bw_screen_free(g_rules);
    bw_screen_free(g_shipped);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_spelled_out),
        cmocka_unit_test(test_short_terms_not_squeezed),
        cmocka_unit_test(test_digit_for_letter),
        cmocka_unit_test(test_fullwidth_and_diacritics),
        cmocka_unit_test(test_word_boundaries),
        cmocka_unit_test(test_hs_prefixes),
        cmocka_unit_test(test_dates_and_jurisdictions),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_declaration),
        cmocka_unit_test(test_declaration_scope),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_shipped_list),
        cmocka_unit_test(test_shipped_euphemisms),
        cmocka_unit_test(test_shipped_ordinary_goods),
        cmocka_unit_test(test_shipped_hs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
