/*
 * test_textclass.c - description versus classification (src/risk/
 * textclass.c): trained on generated declarations, a smartphone declared
 * under a T-shirt code hits with chapter 85 among the alternatives, the
 * correctly classified items of other generated declarations do not,
 * unknown words and unjudgeable chapters give nothing, the probabilities
 * are proper, and saved bytes round-trip or are refused.
 *
 * The generator's catalogue (data/demo/catalogue.tsv) is the ground truth:
 * every generated item carries the code of its catalogue row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <xxhash.h>

#include "gen/gen.h"
#include "model/reader.h"
#include "pipeline/pipeline.h"
#include "risk/textclass.h"

static bw_refdata *rd;
static bw_time when;
static bw_textclass *g_t;      /* learned from 3,000 generated declarations */

/* ---- helpers ------------------------------------------------------------------ */

static bw_str S(const char *s) { return s ? (bw_str){s, (uint32_t)strlen(s)} : BW_STR_NULL; }

typedef void (*record_fn)(const bw_declaration *d, void *ctx);

/* Runs fn on each accepted declaration of `count` generated ones. */
static size_t each_generated(uint64_t count, uint64_t seed, record_fn fn, void *ctx)
{
    char *text = NULL;
    size_t len = 0, accepted = 0;
    FILE *f = open_memstream(&text, &len);
    bw_gen_options opt = {.count = count, .seed = seed};
    char err[256];
    assert_int_equal(bw_gen_run(&opt, f, err, sizeof err), 0);
    fclose(f);
    bw_reader *r = bw_reader_new_mem(text, len, NULL);
    bw_record rec;
    bw_record_init(&rec);
    bw_pipeline p = {.rd = rd, .as_of = when};
    bw_outcome oc;
    while (bw_reader_next(r, &rec) == 1) {
        bw_pipeline_run(&p, &rec, &oc);
        if (oc.status != BW_STATUS_ACCEPTED)
            continue;
        accepted++;
        fn(&rec.decl, ctx);
    }
    bw_record_free(&rec);
    bw_reader_free(r);
    free(text);
    return accepted;
}

static void learn_fn(const bw_declaration *d, void *ctx) { bw_textclass_learn(ctx, d); }

static bw_item item(const char *description, const char *hs)
{
    return (bw_item){.present = true, .description = S(description), .hs_code = S(hs)};
}

/* Checks one item; its hit (or NULL) in *out. */
static bool check_item(bw_textclass *t, const char *description, const char *hs, bw_risk_hit *out, bw_arena *a)
{
    bw_item it = item(description, hs);
    bw_declaration d = {.present = true, .items = &it, .n_items = 1};
    bw_risk_facts f = {.decl = &d, .when = when};
    bw_risk_result r;
    bw_risk_result_init(&r, a);
    bw_textclass_check(t, &f, &r);
    assert_true(r.n_hits <= 1);
    if (r.n_hits) {
        assert_string_equal(r.hits[0].code, "classification.improbable");
        assert_int_equal(r.hits[0].lane, BW_LANE_NONE);
        assert_true(r.hits[0].score > 0);
        if (out)
            *out = r.hits[0];
    }
    return r.n_hits > 0;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("no member %s", key);
    return v;
}

/* ---- the model on generated data ------------------------------------------------ */

static void test_smartphone_as_tshirt(void **state)
{
    (void)state;
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_hit h;
    assert_true(check_item(g_t, "Smartphone, 128 GB, black", "610910", &h, &a));
    assert_string_equal(h.path, "items[0].hs_code");
    assert_string_equal(h.ref, "6109");
    json_object *ev = json_tokener_parse(h.evidence);
    assert_non_null(ev);
    assert_string_equal(json_object_get_string(member(ev, "declared")), "610910");
    assert_string_equal(json_object_get_string(member(ev, "declared_chapter")), "61");
    double p_declared = json_object_get_double(member(ev, "p_declared"));
    assert_true(p_declared >= 0 && p_declared < 0.02);
    json_object *likely = member(ev, "likely");
    assert_int_equal(json_object_array_length(likely), 3);
    bool has85 = false;
    double last = 1.0, sum = 0;
    for (size_t i = 0; i < 3; i++) {
        json_object *alt = json_object_array_get_idx(likely, i);
        const char *heading = json_object_get_string(member(alt, "heading"));
        const char *chapter = json_object_get_string(member(alt, "chapter"));
        double p = json_object_get_double(member(alt, "p"));
        assert_int_equal(strlen(heading), 4);
        assert_memory_equal(heading, chapter, 2);
        assert_true(p <= last + 1e-9); /* best first */
        last = p;
        sum += p;
        has85 = has85 || strcmp(chapter, "85") == 0;
    }
    assert_true(has85);
    assert_string_equal(json_object_get_string(member(json_object_array_get_idx(likely, 0), "heading")), "8517");
    assert_true(sum <= 1.0 + 1e-3);
    /* the words used; "128" is a number, not a word */
    json_object *tokens = member(ev, "tokens");
    bool smartphone = false;
    for (size_t i = 0; i < json_object_array_length(tokens); i++) {
        const char *w = json_object_get_string(json_object_array_get_idx(tokens, i));
        smartphone = smartphone || strcmp(w, "smartphone") == 0;
        assert_string_not_equal(w, "128");
    }
    assert_true(smartphone);
    assert_int_equal(json_object_get_int64(member(ev, "items_learned")), (int64_t)bw_textclass_items(g_t));
    json_object_put(ev);
    /* declared where it belongs: no hit */
    assert_false(check_item(g_t, "Smartphone, 128 GB, black", "851713", NULL, &a));
    /* other misdeclarations */
    assert_true(check_item(g_t, "Cotton T-shirt, men, size L", "851713", NULL, &a));
    assert_true(check_item(g_t, "Leather ankle boots, women, size 40", "330499", NULL, &a));
    assert_true(check_item(g_t, "Gold necklace, 14K", "392690", NULL, &a));
    bw_arena_free(&a);
}

typedef struct tally {
    bw_textclass *t;
    size_t items, hits;
    char first[256];
} tally;

static void check_fn(const bw_declaration *d, void *ctx)
{
    tally *y = ctx;
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result r;
    bw_risk_result_init(&r, &a);
    bw_risk_facts f = {.decl = d, .when = when};
    bw_textclass_check(y->t, &f, &r);
    y->items += d->n_items;
    if (r.n_hits && !y->hits)
        snprintf(y->first, sizeof y->first, "%s", r.hits[0].evidence);
    y->hits += r.n_hits;
    bw_arena_free(&a);
}

static void test_correct_items_do_not_hit(void **state)
{
    (void)state;
    tally y = {.t = g_t};
    each_generated(2000, 99, check_fn, &y); /* other declarations than the training ones */
    assert_true(y.items > 3000);
    if (y.hits)
        fail_msg("%zu of %zu correctly classified items hit; first: %s", y.hits, y.items, y.first);
}

static void test_unknown_words_and_unjudgeable(void **state)
{
    (void)state;
    bw_arena a;
    bw_arena_init(&a);
    /* no known word, or only one */
    assert_false(check_item(g_t, "Zorblax quintessential gizmo", "610910", NULL, &a));
    assert_false(check_item(g_t, "Smartphone zorblax", "610910", NULL, &a));
    assert_false(check_item(g_t, "", "610910", NULL, &a));
    assert_false(check_item(g_t, NULL, "610910", NULL, &a));
    assert_false(check_item(g_t, "128 256 64 x y z", "610910", NULL, &a));
    /* a chapter the model has never seen cannot be judged */
    assert_false(check_item(g_t, "Smartphone, 128 GB, black", "010121", NULL, &a));
    /* codes that are not codes */
    assert_false(check_item(g_t, "Smartphone, 128 GB, black", "61", NULL, &a));
    assert_false(check_item(g_t, "Smartphone, 128 GB, black", "ABCDEF", NULL, &a));
    assert_false(check_item(g_t, "Smartphone, 128 GB, black", "0012", NULL, &a));
    /* the same words in capitals and other punctuation are the same words */
    assert_true(check_item(g_t, "SMARTPHONE -- 128 gb / BLACK!!", "610910", NULL, &a));
    /* a model that has learned too little says nothing */
    bw_textclass *small = bw_textclass_new();
    bw_item it = item("Smartphone, 128 GB, black", "851713");
    bw_declaration d = {.present = true, .items = &it, .n_items = 1};
    for (int k = 0; k < BW_TEXTCLASS_MIN_ITEMS - 1; k++)
        bw_textclass_learn(small, &d);
    it = item("Cotton T-shirt, men, size L", "610910");
    bw_textclass_learn(small, &d); /* one T-shirt: chapter 61 barely seen */
    assert_int_equal(bw_textclass_items(small), BW_TEXTCLASS_MIN_ITEMS);
    assert_false(check_item(small, "Smartphone, 128 GB, black", "610910", NULL, &a));
    for (int k = 0; k < BW_TEXTCLASS_MIN_CHAPTER_ITEMS - 1; k++)
        bw_textclass_learn(small, &d);
    assert_true(check_item(small, "Smartphone, 128 GB, black", "610910", NULL, &a));
    bw_textclass_free(small);
    /* an empty declaration, no declaration */
    bw_declaration none = {.present = true};
    bw_risk_facts f = {.decl = &none};
    bw_risk_result r;
    bw_risk_result_init(&r, &a);
    bw_textclass_check(g_t, &f, &r);
    f.decl = NULL;
    bw_textclass_check(g_t, &f, &r);
    bw_textclass_learn(g_t, NULL);
    assert_int_equal(r.n_hits, 0);
    bw_arena_free(&a);
}

static void test_classify(void **state)
{
    (void)state;
    bw_textclass_guess g[5];
    int known = -1;
    int n = bw_textclass_classify(g_t, "android smartphone", 18, g, 5, &known);
    assert_true(n >= 1);
    assert_int_equal(known, 2);
    assert_int_equal(g[0].heading, 8517);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        assert_true(g[i].p >= 0 && g[i].p <= 1);
        if (i)
            assert_true(g[i].p <= g[i - 1].p);
        sum += g[i].p;
    }
    assert_true(sum <= 1.0 + 1e-9);
    const char *cases[][2] = {{"Running shoes, mesh upper", "6404"}, {"Eau de parfum, 50 ml", "3303"},
                              {"Roasted coffee beans", "0901"},     {"Wireless earbuds, Bluetooth", "8518"},
                              {"Paperback novel, English", "4901"}, {"Cordless drill, 20 V", "8467"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        n = bw_textclass_classify(g_t, cases[i][0], strlen(cases[i][0]), g, 1, &known);
        assert_int_equal(n, 1);
        char h[8];
        snprintf(h, sizeof h, "%04u", g[0].heading);
        if (strcmp(h, cases[i][1]) != 0)
            fail_msg("\"%s\": %s, expected %s", cases[i][0], h, cases[i][1]);
    }
    /* nothing known: nothing said */
    assert_int_equal(bw_textclass_classify(g_t, "zorblax", 7, g, 5, &known), 0);
    assert_int_equal(known, 0);
}

/* ---- saved bytes ----------------------------------------------------------------- */

static void put_checksum(unsigned char *bytes, size_t n)
{
    uint64_t h = XXH3_64bits(bytes, n - 8);
    for (int i = 0; i < 8; i++)
        bytes[n - 8 + i] = (unsigned char)(h >> (8 * i));
}

static const char *const PROBES[][2] = {
    {"Smartphone, 128 GB, black", "610910"}, {"Cotton T-shirt, men, size L", "851713"},
    {"Gold necklace, 14K", "392690"},        {"Phone case, silicone", "392690"},
    {"Phone case, silicone", "420232"},      {"Vape kit, rechargeable", "240412"},
};

static void same_checks(bw_textclass *a, bw_textclass *b)
{
    bw_arena ar;
    bw_arena_init(&ar);
    for (size_t i = 0; i < sizeof PROBES / sizeof PROBES[0]; i++) {
        bw_item it = item(PROBES[i][0], PROBES[i][1]);
        bw_declaration d = {.present = true, .items = &it, .n_items = 1};
        bw_risk_facts f = {.decl = &d};
        bw_risk_result r1, r2;
        bw_risk_result_init(&r1, &ar);
        bw_risk_result_init(&r2, &ar);
        bw_textclass_check(a, &f, &r1);
        bw_textclass_check(b, &f, &r2);
        bw_buf j1 = {0}, j2 = {0};
        bw_risk_json(&r1, &j1);
        bw_risk_json(&r2, &j2);
        assert_string_equal(bw_buf_cstr(&j1), bw_buf_cstr(&j2));
        bw_buf_free(&j1);
        bw_buf_free(&j2);
    }
    bw_arena_free(&ar);
}

static void test_save_restore(void **state)
{
    (void)state;
    bw_buf b = {0};
    assert_int_equal(bw_textclass_save(g_t, &b), 0);
    char err[512];
    bw_textclass *t = bw_textclass_restore(b.p, b.n, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    assert_int_equal(bw_textclass_items(t), bw_textclass_items(g_t));
    same_checks(g_t, t);
    bw_buf b2 = {0};
    assert_int_equal(bw_textclass_save(t, &b2), 0);
    assert_int_equal(b.n, b2.n);
    assert_memory_equal(b.p, b2.p, b.n);
    /* learning goes on from the restored model like from the original */
    bw_item it = item("Smartphone, 128 GB, black", "851713");
    bw_declaration d = {.present = true, .items = &it, .n_items = 1};
    bw_textclass *o = bw_textclass_restore(b.p, b.n, err, sizeof err);
    bw_textclass_learn(o, &d);
    bw_textclass_learn(t, &d);
    bw_buf b3 = {0};
    b2.n = 0;
    assert_int_equal(bw_textclass_save(t, &b2), 0);
    assert_int_equal(bw_textclass_save(o, &b3), 0);
    assert_true(b2.n == b3.n && memcmp(b2.p, b3.p, b2.n) == 0);
    assert_true(b2.n != b.n || memcmp(b2.p, b.p, b.n) != 0);
    bw_textclass_free(o);
    bw_textclass_free(t);
    bw_buf_free(&b3);

    /* damage: flipped bytes, truncations */
    unsigned char *copy = malloc(b.n);
    for (size_t i = 0; i < b.n; i += 1 + i / 16) {
        memcpy(copy, b.p, b.n);
        copy[i] ^= 0x44;
        if ((t = bw_textclass_restore(copy, b.n, err, sizeof err)) != NULL)
            fail_msg("byte %zu flipped: restored", i);
        assert_non_null(strstr(err, "saved text model"));
    }
    for (size_t n = 0; n < b.n; n += 1 + n / 4)
        assert_null(bw_textclass_restore(b.p, n, err, sizeof err));
    /* nonsense behind a valid checksum */
    memcpy(copy, b.p, b.n);
    copy[8] ^= 1; /* items learned */
    put_checksum(copy, b.n);
    assert_null(bw_textclass_restore(copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "add up"));
    memcpy(copy, b.p, b.n);
    copy[20 + 6] ^= 1; /* the first heading's word count */
    put_checksum(copy, b.n);
    assert_null(bw_textclass_restore(copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "add up"));
    memcpy(copy, b.p, b.n);
    copy[20] = 0x20; /* the first heading out of range (0x??20 ...) or order */
    copy[21] = 0x4e;
    put_checksum(copy, b.n);
    assert_null(bw_textclass_restore(copy, b.n, err, sizeof err));
    free(copy);
    /* bytes from an empty model are a valid empty model */
    bw_textclass *e = bw_textclass_new();
    b2.n = 0;
    assert_int_equal(bw_textclass_save(e, &b2), 0);
    t = bw_textclass_restore(b2.p, b2.n, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(bw_textclass_items(t), 0);
    bw_textclass_free(t);
    bw_textclass_free(e);
    bw_buf_free(&b);
    bw_buf_free(&b2);
}

/* ---- threads --------------------------------------------------------------------- */

typedef struct worker {
    bw_textclass *t;
    bool learn;
    size_t hits;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    bw_arena a;
    bw_arena_init(&a);
    for (int k = 0; k < 2000; k++) {
        if (w->learn) {
            bw_item it = item(k % 2 ? "Smartphone, 256 GB, blue" : "Graphic cotton tee, navy", k % 2 ? "851713" : "610910");
            bw_declaration d = {.present = true, .items = &it, .n_items = 1};
            bw_textclass_learn(w->t, &d);
        } else {
            w->hits += check_item(w->t, "Smartphone, 128 GB, black", "610910", NULL, &a);
            bw_arena_reset(&a);
        }
    }
    bw_arena_free(&a);
    return NULL;
}

/* Two threads learn while two check: no crash, no torn state (ASan), and
 * the checks see a model that always judges the smartphone improbable. */
static void test_threads(void **state)
{
    (void)state;
    bw_buf b = {0};
    assert_int_equal(bw_textclass_save(g_t, &b), 0);
    char err[256];
    bw_textclass *t = bw_textclass_restore(b.p, b.n, err, sizeof err);
    assert_non_null(t);
    uint64_t before = bw_textclass_items(t);
    worker w[4] = {{t, true, 0}, {t, true, 0}, {t, false, 0}, {t, false, 0}};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(bw_textclass_items(t), before + 4000);
    assert_int_equal(w[2].hits + w[3].hits, 4000);
    bw_textclass_free(t);
    bw_buf_free(&b);
}

static int setup(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA");
    assert_true(bw_time_parse("2026-04-01", 10, &when));
    char err[512];
    rd = bw_refdata_load(bw_default_datadir(NULL), ref && *ref ? ref : NULL, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    g_t = bw_textclass_new();
    size_t n = each_generated(3000, 5, learn_fn, g_t);
    if (n < 2500) {
        fprintf(stderr, "setup: only %zu of 3000 generated declarations accepted\n", n);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bw_textclass_free(g_t);
    bw_refdata_free(rd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smartphone_as_tshirt),
        cmocka_unit_test(test_correct_items_do_not_hit),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_save_restore),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_unknown_words_and_unjudgeable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
