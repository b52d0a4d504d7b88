/*
 * test_watchlist.c - the offender watchlist (src/risk/watchlist.c): exact
 * emails, phones and identifiers, fuzzy names and addresses, effective
 * dates, the hits and their evidence, strict loading with file:line
 * messages, adding entries, a 100,000-entry list, and that the fast
 * normalization is exactly normalize.h's.
 *
 * Lists are small files written into a private temporary directory whose
 * watchlist/rules.txt is the shipped one, loaded like the program does.
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

#include "risk/normalize.h"
#include "risk/watchlist.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

#define HEADER "id\tkind\tname\taddress\tcountry\temail\tphone\tidentifier\treason\tlisted_from\tlisted_to\n"
#define TODAY "2026-11-24"

static char g_dir[4096];   /* private scratch directory */
static char g_data[4200];  /* g_dir/data: watchlist/rules.txt, the shipped rules */
static char g_list[4300];  /* g_dir/list.tsv: the list a test writes */

/* ---- helpers ------------------------------------------------------------------ */

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The list of `rows` (HEADER prepended); NULL with the loader's message. */
static bw_watchlist *try_load(const char *rows, char *err, size_t errlen)
{
    char *text = malloc(strlen(HEADER) + strlen(rows) + 1);
    assert_non_null(text);
    strcpy(text, HEADER);
    strcat(text, rows);
    write_file(g_list, text);
    free(text);
    return bw_watchlist_load(g_data, g_list, err, errlen);
}

static bw_watchlist *load(const char *rows)
{
    char err[512] = "";
    bw_watchlist *w = try_load(rows, err, sizeof err);
    if (!w)
        fail_msg("load: %s", err);
    return w;
}

/* The loader's message for a list with `rows`; fails when it loads. */
static const char *load_error(const char *rows)
{
    static char err[512];
    err[0] = 0;
    bw_watchlist *w = try_load(rows, err, sizeof err);
    if (w) {
        bw_watchlist_free(w);
        fail_msg("loaded, but should not have: %s", rows);
    }
    return err;
}

static bw_str str(const char *s) { return s ? (bw_str){s, (uint32_t)strlen(s)} : BW_STR_NULL; }

typedef struct party_spec {
    const char *name, *line, *city, *postcode, *country, *email, *phone, *id, *national_id, *scheme;
} party_spec;

static void fill_party(bw_party *p, const party_spec *s)
{
    memset(p, 0, sizeof *p);
    if (!s)
        return;
    p->present = true;
    p->name = str(s->name);
    p->email = str(s->email);
    p->phone = str(s->phone);
    p->id = str(s->id);
    p->national_id = str(s->national_id);
    p->scheme_number = str(s->scheme);
    p->address.present = s->line || s->city || s->postcode;
    p->address.line = str(s->line);
    p->address.city = str(s->city);
    p->address.postcode = str(s->postcode);
    p->address.country = str(s->country);
}

static bw_arena g_arena;

/* The hits for a declaration with these parties, checked on `when`. */
static bw_risk_result check(const bw_watchlist *w, const party_spec *seller, const party_spec *buyer, const char *when)
{
    static bw_declaration d;
    memset(&d, 0, sizeof d);
    d.present = true;
    fill_party(&d.seller, seller);
    fill_party(&d.buyer, buyer);
    bw_risk_facts f = {.decl = &d, .when = day(when)};
    bw_risk_result r;
    bw_arena_reset(&g_arena);
    bw_risk_result_init(&r, &g_arena);
    bw_watchlist_check(w, &f, &r);
    return r;
}

static const bw_risk_hit *find_hit(const bw_risk_result *r, const char *code, const char *path)
{
    for (uint32_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].code, code) == 0 && strcmp(r->hits[i].path, path) == 0)
            return &r->hits[i];
    return NULL;
}

/* The similarity of `name` to its best listed entry, which must be `id`
 * (NULL: no entry may be proposed at all, or only with a low score). */
static int best(const bw_watchlist *w, const char *name, const char *id)
{
    int score = -1;
    const bw_watch_entry *e = bw_watchlist_best_name(w, name, strlen(name), day(TODAY), &score);
    if (id) {
        if (!e)
            fail_msg("\"%s\": no candidate, expected %s", name, id);
        assert_string_equal(e->id, id);
    }
    assert_true(score >= 0 && score <= 100);
    if (!e)
        assert_int_equal(score, 0);
    return score;
}

/* evidence as JSON, with member `key` of entry or of the top object. */
static json_object *evidence(const bw_risk_hit *h)
{
    json_object *o = json_tokener_parse(h->evidence);
    if (!o)
        fail_msg("evidence is not JSON: %s", h->evidence);
    return o;
}

static const char *member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("no member %s", key);
    return json_object_get_string(v);
}

/* ---- normalization ---------------------------------------------------------------- */

/* bw_watch_norm must be bw_norm_text (flags 0), whatever the text: random
 * mixes of ASCII, accented Latin, combining marks, Cyrillic and Han, with
 * output buffers of every small size. */
static void test_norm_is_normalize_h(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "Z", "0", "9", " ", ".", "-", "'", "@", "\t", "é", "É", "ß", "ø",
                                         "Æ", "ı", "ş", "Ł", "ñ", "ễ", "Ệ", "\xcc\x81", "И", "ж", "王", "伟",
                                         "\xc2\xa0", "«", "½", "\xff", "ﬁ", "Ω"};
    uint64_t seed = 12345;
    for (int it = 0; it < 20000; it++) {
        char in[128], a[96], b[96];
        size_t n = 0;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int parts = (int)(seed >> 59);
        for (int k = 0; k < parts; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            const char *p = pieces[(seed >> 33) % (sizeof pieces / sizeof pieces[0])];
            memcpy(in + n, p, strlen(p));
            n += strlen(p);
        }
        size_t cap = 1 + (size_t)((seed >> 20) % 60);
        size_t x = bw_watch_norm(in, n, a, cap), y = bw_norm_text(in, n, b, cap, 0);
        if (x != y || strcmp(a, b) != 0)
            fail_msg("\"%.*s\" cap %zu: \"%s\" (%zu) vs normalize.h \"%s\" (%zu)", (int)n, in, cap, a, x, b, y);
    }
    /* every accented letter the table folds, between letters */
    for (uint32_t cp = 0xA0; cp < 0x24F; cp++) {
        char in[8] = {'x', (char)(0xC0 | cp >> 6), (char)(0x80 | (cp & 0x3F)), 'y'}, a[32], b[32];
        bw_watch_norm(in, 4, a, sizeof a);
        bw_norm_text(in, 4, b, sizeof b, 0);
        if (strcmp(a, b) != 0)
            fail_msg("U+%04X: \"%s\" vs \"%s\"", cp, a, b);
    }
}

/* Transliterations are remembered per thread: the same text gives the same
 * form, texts of the same length their own, after the memo has been
 * overwritten too. */
static void test_norm_memo(void **state)
{
    (void)state;
    char out[64];
    static const char *const pairs[][2] = {{"Иван", "ivan"}, {"Ивон", "ivon"}, {"Иван", "ivan"}, {"王伟", "wang wei"}};
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
            bw_norm_text(pairs[i][0], strlen(pairs[i][0]), out, sizeof out, 0);
            assert_string_equal(out, pairs[i][1]);
        }
        for (int k = 0; k < 10000; k++) { /* more texts than the memo holds */
            char in[32];
            int n = snprintf(in, sizeof in, "Ив%d", k);
            char want[32];
            snprintf(want, sizeof want, "iv%d", k);
            bw_norm_text(in, (size_t)n, out, sizeof out, 0);
            assert_string_equal(out, want);
        }
    }
}

/* ---- exact values ------------------------------------------------------------------ */

static void test_email(void **state)
{
    (void)state;
    bw_watchlist *w = load("E1\tperson\t\t\t\tJ.Doe+shop@GMail.com\t\t\tmules\t\t\n"
                           "E2\tcompany\t\t\t\tsales@acme.example\t\t\tfakes\t\t\n");
    assert_int_equal(bw_watchlist_count(w), 2);
    const char *same[] = {"jdoe@gmail.com", "j.d.o.e+other@gmail.com", "JDOE@googlemail.com", " j.doe@gmail.com "};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        bw_risk_result r = check(w, &(party_spec){.email = same[i]}, NULL, TODAY);
        const bw_risk_hit *h = find_hit(&r, "watchlist.email", "seller.email");
        if (!h)
            fail_msg("%s: no hit", same[i]);
        assert_string_equal(h->ref, "E1");
        assert_int_equal(h->score, 60);
    }
    /* + tags are cut for every provider; dots only where the rules say */
    bw_risk_result r = check(w, NULL, &(party_spec){.email = "Sales+eu@ACME.example"}, TODAY);
    assert_non_null(find_hit(&r, "watchlist.email", "buyer.email"));
    const char *other[] = {"jdoe@gmail.org", "jdo@gmail.com", "s.ales@acme.example", "sales@acme.example.org",
                           "not an address", "@gmail.com", ""};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        r = check(w, &(party_spec){.email = other[i]}, NULL, TODAY);
        if (r.n_hits)
            fail_msg("%s hit %s", other[i], r.hits[0].ref);
    }
    bw_watchlist_free(w);
}

static void test_phone(void **state)
{
    (void)state;
    bw_watchlist *w = load("P1\tperson\tJane Roe\t\tGB\t\t+44 20 7946 0958\t\tcourier fraud\t\t\n");
    const char *same[] = {"020 7946 0958", "+44 (0)20-7946-0958", "0044 20 79460958", "442079460958"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        bw_risk_result r = check(w, NULL, &(party_spec){.phone = same[i]}, TODAY);
        const bw_risk_hit *h = find_hit(&r, "watchlist.phone", "buyer.phone");
        if (!h)
            fail_msg("%s: no hit", same[i]);
        assert_int_equal(h->score, 50);
        assert_int_equal(h->lane, BW_LANE_NONE);
    }
    const char *other[] = {"+44 20 7946 0959", "7946 0958", "+44 20 7946 095", "phone"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        bw_risk_result r = check(w, NULL, &(party_spec){.phone = other[i]}, TODAY);
        if (r.n_hits)
            fail_msg("%s hit", other[i]);
    }
    bw_watchlist_free(w);
}

static void test_identifier(void **state)
{
    (void)state;
    bw_watchlist *w = load("I1\tcompany\tNordwind GmbH\t\tDE\t\t\tDE-123 456 789\tundervaluation\t\t\n");
    const struct { party_spec p; const char *path; } same[] = {
        {{.national_id = "de123456789"}, "seller.national_id"},
        {{.scheme = "DE 123456789"}, "seller.scheme_number"},
        {{.id = "de.123.456.789"}, "seller.id"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        bw_risk_result r = check(w, &same[i].p, NULL, TODAY);
        const bw_risk_hit *h = find_hit(&r, "watchlist.id", same[i].path);
        if (!h)
            fail_msg("%s: no hit", same[i].path);
        assert_int_equal(h->score, 70);
        assert_int_equal(h->lane, BW_LANE_RED); /* rules.txt: lane id red */
        assert_string_equal(h->ref, "I1");
    }
    bw_risk_result r = check(w, &(party_spec){.national_id = "DE1234567890", .id = "DE12345678"}, NULL, TODAY);
    assert_int_equal(r.n_hits, 0);
    bw_watchlist_free(w);
}

/* ---- names ------------------------------------------------------------------------ */

static const char NAMES[] =
    "N1\tperson\tMohammed Ali\t\t\t\t\t\tcounterfeits\t\t\n"
    "N2\tperson\tIvan Petrov\t\tRU\t\t\t\tundervaluation\t\t\n"
    "N3\tperson\tJosé Müller\t\tES\t\t\t\tfalse origin\t\t\n"
    "N4\tperson\tСергей Кузнецов\t\tRU\t\t\t\tnarcotics\t\t\n"
    "N5\tperson\t王伟\t\tCN\t\t\t\tbatteries\t\t\n"
    "N6\tcompany\tAcme Trading Co., Ltd\t\tHK\t\t\t\tsplitting\t\t\n"
    "N7\tperson\tAleksandr Ivanov\t\t\t\t\t\tforged invoices\t\t\n"
    "N8\tperson\tElena Rossi\t\tIT\t\t\t\tfakes\t\t\n"
    "N9\tperson\t刘浩然\t\tCN\t\t\t\tfakes\t\t\n";

static void test_name_variants(void **state)
{
    (void)state;
    bw_watchlist *w = load(NAMES);
    const struct { const char *declared, *id; } hits[] = {
        {"Muhammad Aly", "N1"},           /* spelling variants */
        {"MOHAMED ALI", "N1"},
        {"Petrov Ivan", "N2"},            /* word order */
        {"Ivan Sergeyevich Petrov", "N2"}, /* an extra middle name */
        {"Ivan Petroff", "N2"},
        {"Jose Muller", "N3"},            /* diacritics */
        {"Juergen Mueller", NULL},
        {"Sergey Kuznetsov", "N4"},       /* Cyrillic listed, Latin declared */
        {"Sergei Kuznetsov", "N4"},
        {"Wang Wei", "N5"},               /* Han listed */
        {"WEI WANG", "N5"},
        {"ACME TRADING LIMITED", "N6"},   /* legal forms ignored */
        {"Acme Trading Company", "N6"},
        {"Alexander Ivanov", "N7"},
        {"Liu Haoran", "N9"},
    };
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        if (!hits[i].id)
            continue;
        int s = best(w, hits[i].declared, hits[i].id);
        if (s < 85)
            fail_msg("\"%s\" scores %d against %s, expected a hit (>= 85)", hits[i].declared, s, hits[i].id);
    }
    /* the other way round: the list in Latin, the declaration in Cyrillic */
    bw_watchlist *latin = load("L1\tperson\tIvan Petrov\t\t\t\t\t\tx\t\t\n");
    assert_true(best(latin, "Иван Петров", "L1") >= 85);
    assert_true(best(latin, "ПЕТРОВ Иван", "L1") >= 85);
    bw_watchlist_free(latin);
    bw_watchlist_free(w);
}

static void test_name_negatives(void **state)
{
    (void)state;
    bw_watchlist *w = load(NAMES);
    const char *misses[] = {
        "Ivan Smith",          /* a common first name alone */
        "Maria Garcia",        /* unrelated */
        "Elena Russo",         /* a different surname that looks alike */
        "Liu Hao",             /* a shorter given name is another person */
        "Wang Li",
        "Ali",                 /* one word of a two-word name */
        "Petrov",
        "Acme Widgets Limited",
        "Trading Co Ltd",      /* legal forms alone */
    };
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        int s = best(w, misses[i], NULL);
        if (s >= 85)
            fail_msg("\"%s\" scores %d, expected no hit", misses[i], s);
        bw_risk_result r = check(w, &(party_spec){.name = misses[i]}, NULL, TODAY);
        assert_false(bw_risk_has(&r, "watchlist."));
    }
    /* similarity is symmetric and 100 for the same name */
    assert_int_equal(bw_watch_name_similarity("Ivan Petrov", "Petrov Ivan"), 100);
    assert_int_equal(bw_watch_name_similarity("Mohammed Ali", "Muhammad Aly"),
                     bw_watch_name_similarity("Muhammad Aly", "Mohammed Ali"));
    assert_true(bw_watch_name_similarity("Ivan Smith", "Ivan Petrov") < 50);
    assert_int_equal(bw_watch_name_similarity("", "Ivan Petrov"), 0);
    bw_watchlist_free(w);
}

/* ---- dates ------------------------------------------------------------------------ */

static void test_effective_dates(void **state)
{
    (void)state;
    bw_watchlist *w = load("D1\tperson\tBoris Orlov\t\t\torlov@mail.example\t\t\tx\t2025-01-01\t2026-01-01\n"
                           "D2\tperson\tOleg Titov\t\t\ttitov@mail.example\t\t\tx\t2027-01-01\t\n");
    const struct { const char *email, *when; bool hit; } cases[] = {
        {"orlov@mail.example", "2024-12-31", false}, /* not yet listed */
        {"orlov@mail.example", "2025-01-01", true},
        {"orlov@mail.example", "2025-12-31T23:59:59Z", true},
        {"orlov@mail.example", "2026-01-01", false}, /* listed_to: the first day no longer listed */
        {"titov@mail.example", TODAY, false},        /* listed from next year */
        {"titov@mail.example", "2027-03-01", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_risk_result r = check(w, &(party_spec){.email = cases[i].email}, NULL, cases[i].when);
        if ((r.n_hits > 0) != cases[i].hit)
            fail_msg("%s on %s: %u hits", cases[i].email, cases[i].when, r.n_hits);
    }
    int score;
    assert_null(bw_watchlist_best_name(w, "Boris Orlov", 11, day("2026-06-01"), &score));
    assert_non_null(bw_watchlist_best_name(w, "Boris Orlov", 11, day("2025-06-01"), &score));
    assert_int_equal(score, 100);
    bw_watchlist_free(w);
}

/* ---- a whole declaration --------------------------------------------------------------- */

static void test_hits_and_evidence(void **state)
{
    (void)state;
    bw_watchlist *w = load("H1\tperson\tИван Петров\tул. Тверская, д. 12, Москва 125009\tRU\tivan@post.example\t"
                           "\t\tundervalued phones \"Model X\"\t2024-01-01\t\n");
    party_spec seller = {.name = "Ivan Petrov", .line = "ul. Tverskaya d. 12", .city = "Moskva",
                         .postcode = "125009", .country = "RU", .email = "Ivan@Post.example"};
    bw_risk_result r = check(w, &seller, &(party_spec){.name = "Anna Schmidt", .email = "anna@mail.example"},
                             TODAY);
    assert_int_equal(r.n_hits, 3);
    const bw_risk_hit *name = find_hit(&r, "watchlist.name", "seller.name");
    const bw_risk_hit *addr = find_hit(&r, "watchlist.address", "seller.address");
    const bw_risk_hit *mail = find_hit(&r, "watchlist.email", "seller.email");
    assert_non_null(name);
    assert_non_null(addr);
    assert_non_null(mail);
    assert_string_equal(name->ref, "H1");
    assert_string_equal(name->reason, "seller name resembles listed offender 'Иван Петров' (score 100)");
    assert_int_equal(name->score, 60);
    assert_true(addr->score > 0 && addr->score < name->score); /* an address says less than a name */
    assert_int_equal(r.score, name->score + addr->score + mail->score);

    json_object *ev = evidence(name), *entry;
    assert_true(json_object_object_get_ex(ev, "entry", &entry));
    assert_string_equal(member(entry, "id"), "H1");
    assert_string_equal(member(entry, "name"), "Иван Петров");
    assert_string_equal(member(entry, "kind"), "person");
    assert_string_equal(member(entry, "reason"), "undervalued phones \"Model X\"");
    assert_string_equal(member(ev, "declared"), "Ivan Petrov");
    assert_string_equal(member(ev, "normalized"), "ivan petrov");
    assert_int_equal(atoi(member(ev, "score")), 100);
    json_object_put(ev);
    ev = evidence(mail);
    assert_string_equal(member(ev, "declared"), "Ivan@Post.example");
    assert_string_equal(member(ev, "normalized"), "ivan@post.example");
    json_object_put(ev);

    /* the whole result serializes as valid JSON */
    bw_buf out = {0};
    bw_buf_puts(&out, "{\"x\":1");
    bw_risk_json(&r, &out);
    bw_buf_putc(&out, '}');
    json_object *all = json_tokener_parse(bw_buf_cstr(&out));
    assert_non_null(all);
    json_object_put(all);
    bw_buf_free(&out);

    /* the same parties as buyer; a clean declaration has no hit */
    r = check(w, NULL, &seller, TODAY);
    assert_non_null(find_hit(&r, "watchlist.name", "buyer.name"));
    r = check(w, &(party_spec){.name = "Anna Schmidt", .email = "anna@mail.example", .line = "Hauptstr. 12",
                               .postcode = "10115", .city = "Berlin", .country = "DE"},
              NULL, TODAY);
    assert_int_equal(r.n_hits, 0);
    assert_int_equal(r.score, 0);
    bw_watchlist_free(w);
}

/* A name alone is weak evidence (data/watchlist/rules.txt: points name 60,
 * name-alone 25): full weight only when the listed country, the address or
 * a contact of the same entry backs it. */
static void test_name_corroboration(void **state)
{
    (void)state;
    bw_watchlist *w = load("C1\tperson\tLi Wei\t\tCN\tliwei@shop.example\t\t\tcounterfeit watches\t2024-01-01\t\n");
    /* the same name in another country, nothing else alike */
    bw_risk_result r = check(w, NULL, &(party_spec){.name = "Li Wei", .country = "DE", .email = "lw@mail.example"},
                             TODAY);
    const bw_risk_hit *h = find_hit(&r, "watchlist.name", "buyer.name");
    assert_non_null(h);
    assert_int_equal(h->score, 25);
    assert_non_null(strstr(h->reason, "the name alone"));
    json_object *ev = evidence(h), *v;
    assert_true(json_object_object_get_ex(ev, "corroborated_by", &v));
    assert_null(v); /* JSON null */
    json_object_put(ev);
    /* the listed country backs it */
    r = check(w, NULL, &(party_spec){.name = "Li Wei", .country = "CN"}, TODAY);
    h = find_hit(&r, "watchlist.name", "buyer.name");
    assert_int_equal(h->score, 60);
    assert_null(strstr(h->reason, "the name alone"));
    ev = evidence(h);
    assert_string_equal(member(ev, "corroborated_by"), "country");
    json_object_put(ev);
    /* the listed email backs it, whatever the country */
    r = check(w, NULL, &(party_spec){.name = "Li Wei", .country = "DE", .email = "LiWei@shop.example"}, TODAY);
    h = find_hit(&r, "watchlist.name", "buyer.name");
    assert_int_equal(h->score, 60);
    assert_non_null(find_hit(&r, "watchlist.email", "buyer.email"));
    ev = evidence(h);
    assert_string_equal(member(ev, "corroborated_by"), "email");
    json_object_put(ev);
    bw_watchlist_free(w);
}

/* A declared name with bytes that are not UTF-8 still gives valid JSON. */
static void test_evidence_of_bad_utf8(void **state)
{
    (void)state;
    bw_watchlist *w = load("U1\tperson\tIvan Petrov\t\t\t\t\t\tx\t\t\n");
    bw_risk_result r = check(w, &(party_spec){.name = "Ivan \xff\xfePetrov\xc3"}, NULL, TODAY);
    const bw_risk_hit *h = find_hit(&r, "watchlist.name", "seller.name");
    assert_non_null(h);
    json_object *ev = evidence(h);
    assert_non_null(strstr(member(ev, "declared"), "Petrov"));
    json_object_put(ev);
    bw_watchlist_free(w);
}

static void test_address(void **state)
{
    (void)state;
    bw_watchlist *w = load("A1\tcompany\t\tVia Dante 126, 00184 Roma\tIT\t\t\t\tdrop address\t\t\n");
    party_spec same = {.line = "via dante, 126", .postcode = "00184", .city = "ROMA", .country = "IT"};
    bw_risk_result r = check(w, NULL, &same, TODAY);
    const bw_risk_hit *h = find_hit(&r, "watchlist.address", "buyer.address");
    assert_non_null(h);
    assert_int_equal(h->score, 30 * atoi(strrchr(h->reason, ' ') + 1) / 100);
    /* without the postcode it still agrees on every number it names */
    r = check(w, NULL, &(party_spec){.line = "Via Dante 126", .city = "Roma", .country = "IT"}, TODAY);
    assert_non_null(find_hit(&r, "watchlist.address", "buyer.address"));
    const party_spec other[] = {
        {.line = "Via Dante 128", .postcode = "00184", .city = "Roma", .country = "IT"}, /* another house */
        {.line = "Via Dante 126", .postcode = "00184", .city = "Roma", .country = "FR"}, /* another country */
        {.line = "Via Garibaldi 9", .postcode = "00184", .city = "Roma", .country = "IT"},
        {.line = "Via Dante", .city = "Roma", .country = "IT"},                          /* no number */
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        r = check(w, NULL, &other[i], TODAY);
        if (r.n_hits)
            fail_msg("%s %s: %s", other[i].line, other[i].country, r.hits[0].reason);
    }
    bw_watchlist_free(w);
}

/* ---- loading ---------------------------------------------------------------------- */

static void expect_error(const char *rows, const char *line, const char *why)
{
    const char *err = load_error(rows);
    char where[4400];
    snprintf(where, sizeof where, "%s:%s: ", g_list, line);
    if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, why))
        fail_msg("expected \"%s...%s\", got \"%s\"", where, why, err);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("X1\tperson\tA B\n", "2", "11 tab-separated fields expected");
    expect_error("X1\tpirate\tA B\t\t\t\t\t\t\t\t\n", "2", "kind must be person or company");
    expect_error("\tperson\tA B\t\t\t\t\t\t\t\t\n", "2", "id must be");
    expect_error("X1\tperson\tA B\t\t\t\t\t\t\t\t\nX1\tperson\tC D\t\t\t\t\t\t\t\t\n", "3", "id is already listed");
    expect_error("# a comment\n\nX1\tperson\t\t\t\t\t\t\tnothing\t\t\n", "4", "nothing to match on");
    expect_error("X1\tperson\t\t\t\tjane.example.com\t\t\t\t\t\n", "2", "email is not an address");
    expect_error("X1\tperson\t\t\t\t\t555-0199\t\t\t\t\n", "2", "phone must have at least 9 digits");
    expect_error("X1\tperson\t\t\t\t\t\tAB1\t\t\t\n", "2", "identifier must have at least 4");
    expect_error("X1\tperson\t...\t\t\t\t\t\t\t\t\n", "2", "name has no letters or digits");
    expect_error("X1\tperson\tA B\t\tgb\t\t\t\t\t\t\n", "2", "country must be");
    expect_error("X1\tperson\tA B\t\t\t\t\t\t\t2025-13-01\t\n", "2", "listed_from must be");
    expect_error("X1\tperson\tA B\t\t\t\t\t\t\t\t01/01/2025\n", "2", "listed_to must be");
    expect_error("X1\tperson\tA B\t\t\t\t\t\t\t2025-01-01\t2025-01-01\n", "2", "listed_to must be after");
    expect_error("X1\tperson\tA \xff B\t\t\t\t\t\t\t\t\n", "2", "UTF-8");

    /* the header, exactly */
    write_file(g_list, "id\tkind\tname\n");
    char err[512];
    assert_null(bw_watchlist_load(g_data, g_list, err, sizeof err));
    assert_non_null(strstr(err, ":1: the header must be"));
    write_file(g_list, "# only a comment\n");
    assert_null(bw_watchlist_load(g_data, g_list, err, sizeof err));
    assert_non_null(strstr(err, "no header line"));
    /* a file named that does not exist */
    char missing[4400];
    snprintf(missing, sizeof missing, "%s/nope.tsv", g_dir);
    assert_null(bw_watchlist_load(g_data, missing, err, sizeof err));
    assert_non_null(strstr(err, "nope.tsv: cannot read"));
}

/* rules.txt: unknown directives and bad values name their line; without
 * rules no entry can be listed. */
static void test_rules(void **state)
{
    (void)state;
    char dir[4400], rules[4500], err[512];
    snprintf(dir, sizeof dir, "%s/rules-data", g_dir);
    snprintf(rules, sizeof rules, "%s/watchlist", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mkdir(rules, 0700), 0);
    snprintf(rules, sizeof rules, "%s/watchlist/rules.txt", dir);
    write_file(rules, "min-score name 85\nmin-score address 101\n");
    assert_null(bw_watchlist_load(dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "rules.txt:2: expected: min-score"));
    write_file(rules, "# ok so far\nmin-score name 85\nshout loudly\n");
    assert_null(bw_watchlist_load(dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "rules.txt:3: unknown directive"));
    write_file(rules, "min-score name 85\nmin-score address 85\npoints name 60\n");
    assert_null(bw_watchlist_load(dir, NULL, err, sizeof err));
    assert_non_null(strstr(err, "\"points address\""));
    /* no rules file: an empty list loads, but nothing can be listed */
    assert_int_equal(unlink(rules), 0);
    bw_watchlist *w = bw_watchlist_load(dir, NULL, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(bw_watchlist_count(w), 0);
    bw_watch_entry e = {.id = "R1", .kind = BW_WATCH_PERSON, .name = "Ann Lee", .listed_from = INT64_MIN,
                        .listed_to = INT64_MAX};
    assert_int_equal(bw_watchlist_add(w, &e, err, sizeof err), -1);
    assert_non_null(strstr(err, "no matching rules"));
    bw_watchlist_free(w);
    /* the rules decide: a threshold of 100 lets only exact names through */
    write_file(rules, "min-score name 100\nmin-score address 85\npoints name 10\npoints address 5\n"
                      "points email 1\npoints phone 1\npoints id 1\n");
    char list[4500];
    snprintf(list, sizeof list, "%s/watchlist/strict.tsv", dir);
    write_file(list, HEADER "S1\tperson\tMohammed Ali\t\t\t\t\t\tx\t\t\n");
    w = bw_watchlist_load(dir, NULL, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(bw_watchlist_count(w), 1); /* *.tsv of the directory */
    bw_risk_result r = check(w, &(party_spec){.name = "Muhammad Aly"}, NULL, TODAY);
    assert_int_equal(r.n_hits, 0);
    r = check(w, &(party_spec){.name = "ALI, Mohammed"}, NULL, TODAY);
    assert_int_equal(r.n_hits, 1);
    assert_int_equal(r.hits[0].score, 10);
    bw_watchlist_free(w);
}

/* ---- adding ------------------------------------------------------------------------ */

static void test_add(void **state)
{
    (void)state;
    bw_watchlist *w = load("A1\tperson\tIvan Petrov\t\t\t\t\t\tx\t\t\n");
    char err[256];
    bw_watch_entry e = {.id = "NEW-1", .kind = BW_WATCH_COMPANY, .name = "Zentrova Optics GmbH",
                        .email = "info@zentrova.example", .reason = "confirmed after seizure 2026-11-20",
                        .listed_from = day("2026-11-20"), .listed_to = INT64_MAX};
    assert_int_equal(bw_watchlist_add(w, &e, err, sizeof err), 0);
    assert_int_equal(bw_watchlist_count(w), 2);
    bw_risk_result r = check(w, &(party_spec){.name = "ZENTROVA OPTICS LIMITED"}, NULL, TODAY);
    const bw_risk_hit *h = find_hit(&r, "watchlist.name", "seller.name");
    assert_non_null(h);
    assert_string_equal(h->ref, "NEW-1");
    r = check(w, &(party_spec){.email = "info@zentrova.example"}, NULL, "2026-11-19");
    assert_int_equal(r.n_hits, 0); /* before it was listed */
    /* the same id again, and entries with nothing to match, are refused */
    assert_int_equal(bw_watchlist_add(w, &e, err, sizeof err), -1);
    assert_non_null(strstr(err, "already listed"));
    bw_watch_entry empty = {.id = "NEW-2", .kind = BW_WATCH_PERSON, .reason = "?", .listed_from = INT64_MIN,
                            .listed_to = INT64_MAX};
    assert_int_equal(bw_watchlist_add(w, &empty, err, sizeof err), -1);
    assert_int_equal(bw_watchlist_count(w), 2);
    /* a second entry with a listed name: both can be found */
    bw_watch_entry twin = {.id = "NEW-3", .kind = BW_WATCH_PERSON, .name = "Petrov, Ivan",
                           .listed_from = INT64_MIN, .listed_to = INT64_MAX};
    assert_int_equal(bw_watchlist_add(w, &twin, err, sizeof err), 0);
    assert_int_equal(best(w, "Ivan Petrov", "A1"), 100); /* the first listed */
    bw_watchlist_free(w);
}

/* ---- a large list ---------------------------------------------------------------- */

static void test_large_list(void **state)
{
    (void)state;
    static const char *const first[] = {"Adam", "Boris", "Carla", "Dmitri", "Emre", "Farah", "Goran", "Hana",
                                        "Igor", "Jana", "Karim", "Lena", "Milan", "Nadia", "Oskar", "Petra",
                                        "Rafael", "Sonia", "Tomas", "Vera"};
    static const char *const last[] = {"Novak", "Horvat", "Kovac", "Babic", "Maric", "Juric", "Pavlovic",
                                       "Vukovic", "Blazevic", "Grgic", "Knezevic", "Bosnjak", "Matic", "Tomic",
                                       "Kralj", "Lovric", "Peric", "Zoric", "Saric", "Barisic"};
    enum { N = 100000 };
    FILE *f = fopen(g_list, "w");
    assert_non_null(f);
    fputs(HEADER, f);
    for (unsigned i = 0; i < N; i++)
        fprintf(f, "B%u\t%s\t%s %s%u\tUlica %u, %05u Zagreb\tHR\tu%u@mail.example\t+385 1 %07u\tHR%09u\tx\t\t\n",
                i, i % 4 ? "person" : "company", first[i % 20], last[(i / 20) % 20], i / 400, i % 200 + 1,
                10000 + i % 90000, i, i, i);
    assert_int_equal(fclose(f), 0);
    char err[512];
    bw_watchlist *w = bw_watchlist_load(g_data, g_list, err, sizeof err);
    if (!w)
        fail_msg("%s", err);
    assert_int_equal(bw_watchlist_count(w), N);
    unsigned k = 77777; /* listed as "<first> <last><k/400>" */
    char name[64], email[64], phone[32], id[32];
    snprintf(name, sizeof name, "%s %s%u", last[(k / 20) % 20], first[k % 20], k / 400);
    snprintf(email, sizeof email, "U%u@MAIL.example", k);
    snprintf(phone, sizeof phone, "00385 1 %07u", k);
    snprintf(id, sizeof id, "hr-%09u", k);
    bw_risk_result r = check(w, &(party_spec){.email = email, .phone = phone, .national_id = id}, NULL, TODAY);
    assert_int_equal(r.n_hits, 3);
    for (uint32_t i = 0; i < r.n_hits; i++)
        assert_string_equal(r.hits[i].ref, "B77777");
    r = check(w, &(party_spec){.email = "u100000@mail.example", .phone = "+385 1 0100000", .national_id = "HR000100000",
                               .name = "Nobody Known"},
              NULL, TODAY);
    assert_int_equal(r.n_hits, 0);
    snprintf(name, sizeof name, "%s%u %s", last[(k / 20) % 20], k / 400, first[k % 20]);
    int score;
    const bw_watch_entry *e = bw_watchlist_best_name(w, name, strlen(name), day(TODAY), &score);
    assert_non_null(e);
    assert_int_equal(score, 100);
    assert_non_null(strstr(e->name, first[k % 20]));
    bw_watchlist_free(w);
}

/* ---- threads ---------------------------------------------------------------------- */

/* One list, checked from several threads at once (each has its own ICU
 * transliterator): every thread finds what one thread finds. */
static const char *const THREAD_NAMES[] = {"Ivan Petrov", "Иван Петров", "Wang Wei", "王伟", "José Müller",
                                           "Mohammed Ali", "Nguyễn Văn An", "Jane Roe", "Ιωάννης Παπαδόπουλος"};
enum { THREAD_NAMES_N = sizeof THREAD_NAMES / sizeof THREAD_NAMES[0] };

typedef struct thread_job {
    const bw_watchlist *w;
    int scores[THREAD_NAMES_N];
} thread_job;

static void *thread_run(void *arg)
{
    thread_job *job = arg;
    for (int round = 0; round < 50; round++)
        for (int i = 0; i < THREAD_NAMES_N; i++) {
            int score;
            const char *n = THREAD_NAMES[i];
            bw_watchlist_best_name(job->w, n, strlen(n), bw_time_from_civil(2026, 11, 24), &score);
            if (round && score != job->scores[i])
                job->scores[i] = -1; /* changed between rounds */
            else
                job->scores[i] = score;
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    bw_watchlist *w = load(NAMES);
    thread_job one = {w, {0}}, many[4];
    thread_run(&one);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        many[i].w = w;
        assert_int_equal(pthread_create(&t[i], NULL, thread_run, &many[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_memory_equal(many[i].scores, one.scores, sizeof one.scores);
    }
    assert_int_equal(one.scores[1], 100); /* Иван Петров is listed as Ivan Petrov */
    assert_int_equal(one.scores[3], 100);
    bw_watchlist_free(w);
}

/* ---- fixture ------------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("BW_TMP");
    snprintf(g_dir, sizeof g_dir, "%s/bw-watchlist-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_dir))
        return -1;
    char path[4400], target[4400];
    snprintf(g_data, sizeof g_data, "%s/data", g_dir);
    snprintf(g_list, sizeof g_list, "%s/list.tsv", g_dir);
    snprintf(path, sizeof path, "%s/watchlist", g_data);
    if (mkdir(g_data, 0700) || mkdir(path, 0700))
        return -1;
    /* the shipped rules, not the shipped sample list */
    snprintf(path, sizeof path, "%s/watchlist/rules.txt", g_data);
    snprintf(target, sizeof target, "%s/watchlist/rules.txt", BW_DATADIR);
    bw_arena_init(&g_arena);
    return symlink(target, path);
}

static int teardown(void **state)
{
    (void)state;
    bw_arena_free(&g_arena);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_is_normalize_h),
        cmocka_unit_test(test_norm_memo),
        cmocka_unit_test(test_name_corroboration),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_identifier),
        cmocka_unit_test(test_name_variants),
        cmocka_unit_test(test_name_negatives),
        cmocka_unit_test(test_effective_dates),
        cmocka_unit_test(test_hits_and_evidence),
        cmocka_unit_test(test_evidence_of_bad_utf8),
        cmocka_unit_test(test_address),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_large_list),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
