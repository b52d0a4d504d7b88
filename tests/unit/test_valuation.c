/*
 * test_valuation.c - reference unit prices (src/risk/valuation.c): the
 * learned quantiles against the exact quantiles of what was learned,
 * undervalued items hitting and fairly valued ones not, the per-kg basis,
 * robustness to absurd values, the minimum count, feedback corrections,
 * unusable currencies and rates, and saved bytes (round trip, damage).
 *
 * Training data: 1,000 generated declarations (src/gen) run through the
 * pipeline, the accepted ones learned.  The test computes each T-shirt's
 * unit value itself (ECB conversion to EUR, divided by quantity) and
 * compares the model's quantiles with the sorted values.  Probes are items
 * built field by field.
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
#include <xxhash.h>

#include "gen/gen.h"
#include "model/reader.h"
#include "pipeline/pipeline.h"
#include "risk/valuation.h"

#define AS_OF "2026-04-01"
#define HS "610910"
#define ORIGIN "CN"

static bw_refdata *rd;
static bw_time when;
static bw_valuation_model *g_v;              /* learned from the generated declarations */
static double g_unit[4096], g_kg[4096]; /* exact EUR-cent unit values of HS/ORIGIN */
static size_t g_n_unit, g_n_kg;
static size_t g_learned;               /* declarations learned */

/* ---- helpers ------------------------------------------------------------------ */

static bw_str S(const char *s) { return s ? (bw_str){s, (uint32_t)strlen(s)} : BW_STR_NULL; }

static bw_item item(const char *hs, const char *origin, const char *unit, int64_t qty_milli, int64_t net_mg,
                    int64_t minor, const char *currency)
{
    bw_item it = {.present = true, .hs_code = S(hs), .origin = S(origin), .unit = S(unit)};
    it.quantity = (bw_measure){qty_milli > 0, true, qty_milli};
    it.net_weight = (bw_measure){net_mg > 0, true, net_mg};
    it.value.present = it.value.amount_ok = it.value.minor_ok = true;
    it.value.minor = minor;
    it.value.currency = S(currency);
    it.value.exponent = 2;
    return it;
}

static bw_risk_facts facts(bw_declaration *d, bw_item *items, uint32_t n)
{
    *d = (bw_declaration){.present = true, .items = items, .n_items = n};
    return (bw_risk_facts){.decl = d, .when = when, .jurisdiction = S("EU")};
}

/* Checks one item; the first hit (or NULL) is copied to *out. */
static bool check_item(bw_valuation_model *v, const bw_refdata *r, bw_item it, bw_risk_hit *out, bw_arena *a)
{
    bw_declaration d;
    bw_risk_facts f = facts(&d, &it, 1);
    bw_risk_result res;
    bw_risk_result_init(&res, a);
    bw_valuation_check(v, r, &f, &res);
    assert_true(res.n_hits <= 1);
    for (uint32_t i = 0; i < res.n_hits; i++) {
        assert_string_equal(res.hits[i].code, "valuation.low");
        assert_int_equal(res.hits[i].lane, BW_LANE_NONE);
    }
    if (res.n_hits && out)
        *out = res.hits[0];
    return res.n_hits > 0;
}

static void learn_item(bw_valuation_model *v, bw_item it)
{
    bw_declaration d;
    bw_risk_facts f = facts(&d, &it, 1);
    bw_valuation_learn(v, rd, &f);
}

static json_object *member(json_object *o, const char *path)
{
    char key[64];
    while (*path) {
        size_t n = strcspn(path, ".");
        memcpy(key, path, n);
        key[n] = 0;
        json_object *next;
        if (!json_object_object_get_ex(o, key, &next))
            fail_msg("no member %s", key);
        o = next;
        path += n + (path[n] == '.');
    }
    return o;
}

static double num(json_object *o, const char *path) { return atof(json_object_get_string(member(o, path))); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-quantile of sorted values (nearest rank). */
static double exact_quantile(const double *v, size_t n, double p)
{
    size_t k = (size_t)ceil(p * (double)n);
    return v[k ? k - 1 : 0];
}

/* Learns the accepted declarations of `count` generated ones into v and
 * records the exact unit values of HS/ORIGIN. */
static void learn_generated(bw_valuation_model *v, uint64_t count, uint64_t seed)
{
    char *text = NULL;
    size_t len = 0;
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
        bw_risk_facts fa = {.decl = &rec.decl, .when = when, .jurisdiction = rec.decl.jurisdiction};
        bw_valuation_learn(v, rd, &fa);
        g_learned++;
        for (uint32_t i = 0; i < rec.decl.n_items; i++) {
            const bw_item *it = &rec.decl.items[i];
            int64_t eur;
            if (!bw_str_eq(it->hs_code, HS) || !bw_str_eq(it->origin, ORIGIN) ||
                !bw_fx_convert(rd, it->value.minor, it->value.currency, S("EUR"), when, &eur))
                continue;
            if (g_n_unit < 4096)
                g_unit[g_n_unit++] = (double)eur * 1000 / (double)it->quantity.value;
            if (g_n_kg < 4096)
                g_kg[g_n_kg++] = (double)eur * 1e6 / (double)it->net_weight.value;
        }
    }
    bw_record_free(&rec);
    bw_reader_free(r);
    free(text);
    qsort(g_unit, g_n_unit, sizeof *g_unit, cmp_double);
    qsort(g_kg, g_n_kg, sizeof *g_kg, cmp_double);
}

static bw_valuation_ref reference(bw_valuation_model *v, bw_valuation_basis basis)
{
    bw_valuation_ref ref;
    assert_true(bw_valuation_reference(v, S(HS), S(ORIGIN), basis, S("pcs"), &ref));
    return ref;
}

/* A reference value (BW_VALUATION_SCALE units) in cents. */
static double cents(int64_t v) { return (double)v / BW_VALUATION_SCALE; }

/* Within a quarter-octave bin (2^(1/4) = 1.19) of the exact value. */
static void near_bin(double got, double want, const char *what)
{
    if (got < want / 1.19 || got > want * 1.19)
        fail_msg("%s: %.2f, exact %.2f", what, got, want);
}

#define REQUIRE_REFDATA() do { if (!rd) skip(); } while (0)

/* ---- the learned reference -------------------------------------------------------- */

static void test_reference_matches_sample(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    assert_true(g_learned > 900); /* nearly all generated declarations are accepted */
    assert_true(g_n_unit >= BW_VALUATION_MIN_N);
    bw_valuation_ref ref = reference(g_v, BW_BASIS_UNIT);
    assert_int_equal(ref.n, g_n_unit);
    near_bin(cents(ref.median), exact_quantile(g_unit, g_n_unit, 0.5), "median");
    near_bin(cents(ref.q25), exact_quantile(g_unit, g_n_unit, 0.25), "q25");
    near_bin(cents(ref.q05), exact_quantile(g_unit, g_n_unit, 0.05), "q05");
    near_bin(cents(ref.q95), exact_quantile(g_unit, g_n_unit, 0.95), "q95");
    assert_true(ref.q05 <= ref.q25 && ref.q25 <= ref.median && ref.median <= ref.q75 && ref.q75 <= ref.q95);
    bw_valuation_ref kg = reference(g_v, BW_BASIS_KG);
    assert_int_equal(kg.n, g_n_kg);
    near_bin(cents(kg.median), exact_quantile(g_kg, g_n_kg, 0.5), "median per kg");
    /* another unit is another distribution; unknown goods have none */
    bw_valuation_ref none;
    assert_false(bw_valuation_reference(g_v, S(HS), S(ORIGIN), BW_BASIS_UNIT, S("pair"), &none));
    assert_false(bw_valuation_reference(g_v, S("010121"), S(ORIGIN), BW_BASIS_UNIT, S("pcs"), &none));
    assert_false(bw_valuation_reference(g_v, S("61091"), S(ORIGIN), BW_BASIS_UNIT, S("pcs"), &none));
    /* the unit is compared without case */
    assert_true(bw_valuation_reference(g_v, S(HS), S(ORIGIN), BW_BASIS_UNIT, S("PCS"), &none));
    assert_int_equal(none.n, ref.n);
}

/* A T-shirt from CN, one piece of 180 g, declared at `fraction` of the
 * learned sample's exact median. */
static bw_item tshirt_at(double fraction)
{
    int64_t minor = (int64_t)llround(exact_quantile(g_unit, g_n_unit, 0.5) * fraction);
    return item(HS, ORIGIN, "pcs", 1000, 180000, minor < 1 ? 1 : minor, "EUR");
}

static void test_low_value_hits(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_hit h;
    assert_true(check_item(g_v, rd, tshirt_at(0.10), &h, &a));
    assert_string_equal(h.ref, "610910-CN");
    assert_string_equal(h.path, "items[0].value");
    json_object *ev = json_tokener_parse(h.evidence);
    assert_non_null(ev);
    assert_string_equal(json_object_get_string(member(ev, "basis")), "unit");
    assert_string_equal(json_object_get_string(member(ev, "unit")), "pcs");
    assert_string_equal(json_object_get_string(member(ev, "currency")), "EUR");
    assert_string_equal(json_object_get_string(member(ev, "hs6")), HS);
    assert_string_equal(json_object_get_string(member(ev, "origin")), ORIGIN);
    /* declared: the value we sent, in euros with 4 decimals */
    int64_t sent = tshirt_at(0.10).value.minor;
    assert_true(fabs(num(ev, "declared") - (double)sent / 100) < 1e-9);
    assert_int_equal(json_object_get_int(member(ev, "reference.n")), (int)g_n_unit);
    double med = num(ev, "reference.median") * 100, q05 = num(ev, "reference.q05") * 100;
    near_bin(med, exact_quantile(g_unit, g_n_unit, 0.5), "evidence median");
    assert_true((double)sent < q05 / 2);
    double ratio = json_object_get_double(member(ev, "ratio"));
    assert_true(fabs(ratio - (double)sent / med) < 0.001);
    assert_true(ratio > 0.1 / 1.19 && ratio < 0.1 * 1.19);
    json_object_put(ev);
    int32_t at10 = h.score;
    assert_true(at10 > 0);
    /* lower still: more points */
    assert_true(check_item(g_v, rd, tshirt_at(0.02), &h, &a));
    assert_true(h.score > at10);
    /* below the 5th percentile, but not below three quarters of it: no hit */
    bw_valuation_ref ref = reference(g_v, BW_BASIS_UNIT);
    double q05_cents = (double)ref.q05 / BW_VALUATION_SCALE;
    bw_item cheap = tshirt_at(1.0);
    cheap.value.minor = (int64_t)(q05_cents * 0.9);
    assert_false(check_item(g_v, rd, cheap, NULL, &a));
    cheap.value.minor = (int64_t)(q05_cents * 0.45); /* and well under 0.3 of the median */
    assert_true(check_item(g_v, rd, cheap, NULL, &a));
    /* fairly valued: no hit */
    assert_false(check_item(g_v, rd, tshirt_at(0.90), NULL, &a));
    assert_false(check_item(g_v, rd, tshirt_at(1.00), NULL, &a));
    assert_false(check_item(g_v, rd, tshirt_at(5.00), NULL, &a));
    /* the same low value in another currency, converted at the ECB rate */
    bw_item usd = tshirt_at(0.10);
    int64_t usd_minor;
    assert_true(bw_fx_convert(rd, usd.value.minor, S("EUR"), S("USD"), when, &usd_minor));
    usd.value.minor = usd_minor;
    usd.value.currency = S("USD");
    assert_true(check_item(g_v, rd, usd, NULL, &a));
    /* ten pieces for the going price of one are low; at the going price each they are not */
    bw_item ten = tshirt_at(1.0);
    ten.quantity.value = 10000;
    assert_true(check_item(g_v, rd, ten, &h, &a));
    ten.value.minor *= 10;
    assert_false(check_item(g_v, rd, ten, NULL, &a));
    bw_arena_free(&a);
}

static void test_per_kg_basis(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    bw_arena a;
    bw_arena_init(&a);
    /* a fair price per piece, but 40 kg of it: far below the price per kg */
    double kg_median = exact_quantile(g_kg, g_n_kg, 0.5);
    bw_item heavy = tshirt_at(1.0);
    heavy.net_weight.value = (int64_t)((double)heavy.value.minor * 1e6 / (kg_median * 0.1));
    bw_risk_hit h;
    assert_true(check_item(g_v, rd, heavy, &h, &a));
    json_object *ev = json_tokener_parse(h.evidence);
    assert_string_equal(json_object_get_string(member(ev, "basis")), "kg");
    assert_string_equal(json_object_get_string(member(ev, "unit")), "kg");
    assert_true(fabs(json_object_get_double(member(ev, "ratio")) - 0.1) < 0.03);
    json_object_put(ev);
    /* the same item at a usual weight: nothing */
    bw_item usual = tshirt_at(1.0);
    usual.net_weight.value = (int64_t)((double)usual.value.minor * 1e6 / kg_median);
    assert_false(check_item(g_v, rd, usual, NULL, &a));
    /* no quantity: the weight alone still judges */
    heavy.quantity.present = false;
    assert_true(check_item(g_v, rd, heavy, NULL, &a));
    /* low on both bases: one hit, on the lower ratio */
    bw_item both = tshirt_at(0.2);
    both.net_weight.value = (int64_t)((double)both.value.minor * 1e6 / (kg_median * 0.05));
    assert_true(check_item(g_v, rd, both, &h, &a));
    ev = json_tokener_parse(h.evidence);
    assert_string_equal(json_object_get_string(member(ev, "basis")), "kg");
    json_object_put(ev);
    bw_arena_free(&a);
}

/* ---- robustness ------------------------------------------------------------------ */

static void test_outliers_do_not_move_the_median(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    bw_valuation_model *v = bw_valuation_new("EUR");
    assert_non_null(v);
    double all[4096 + 8];
    size_t n = 0;
    for (size_t i = 0; i < g_n_unit; i++) { /* the same sample, learned again */
        learn_item(v, item(HS, ORIGIN, "pcs", 1000, 180000, (int64_t)llround(g_unit[i]), "EUR"));
        all[n++] = (double)llround(g_unit[i]);
    }
    bw_valuation_ref before = reference(v, BW_BASIS_UNIT);
    /* a few absurd values: 5 T-shirts at a million euros, 2 at a hundredth of a cent */
    for (int k = 0; k < 5; k++) {
        learn_item(v, item(HS, ORIGIN, "pcs", 1000, 180000, 100000000, "EUR"));
        all[n++] = 1e8;
    }
    for (int k = 0; k < 2; k++) {
        learn_item(v, item(HS, ORIGIN, "pcs", 100000, 180000, 1, "EUR")); /* 0.01 for 100 pieces */
        all[n++] = 0.01;
    }
    bw_valuation_ref after = reference(v, BW_BASIS_UNIT);
    assert_int_equal(after.n, before.n + 7);
    double sum_before = 0, sum_after = 0;
    for (size_t i = 0; i < n; i++) {
        if (i < g_n_unit)
            sum_before += all[i];
        else
            sum_after += all[i];
    }
    double mean_before = sum_before / (double)g_n_unit, mean_after = (sum_before + sum_after) / (double)n;
    assert_true(mean_after > 100 * mean_before); /* what a mean would have done */
    /* the median is that of the contaminated sample, which barely moved */
    qsort(all, n, sizeof *all, cmp_double);
    near_bin(cents(after.median), exact_quantile(all, n, 0.5), "median with outliers");
    near_bin(cents(after.q05), exact_quantile(all, n, 0.05), "q05 with outliers");
    double moved = fabs((double)(after.median - before.median)) / (double)before.median;
    if (moved > 0.10)
        fail_msg("median moved by %.1f%% (%zu observations)", moved * 100, g_n_unit);
    bw_valuation_free(v);
}

static void test_minimum_count(void **state)
{
    (void)state;
    bw_valuation_model *v = bw_valuation_new("EUR");
    bw_arena a;
    bw_arena_init(&a);
    /* base-currency items need no exchange rates: rd NULL */
    bw_item probe = item("950300", "CN", "pcs", 1000, 100000, 10, "EUR");
    for (int k = 1; k < BW_VALUATION_MIN_N; k++) {
        bw_item it = item("950300", "CN", "pcs", 1000, 100000, 1000 + k * 10, "EUR");
        bw_declaration d;
        bw_risk_facts f = facts(&d, &it, 1);
        bw_valuation_learn(v, NULL, &f);
    }
    assert_false(check_item(v, NULL, probe, NULL, &a)); /* 29 observations: not yet */
    bw_item last = item("950300", "CN", "pcs", 1000, 100000, 1000, "EUR");
    bw_declaration d;
    bw_risk_facts f = facts(&d, &last, 1);
    bw_valuation_learn(v, NULL, &f);
    assert_true(check_item(v, NULL, probe, NULL, &a));
    /* another origin has no reference */
    probe.origin = S("VN");
    assert_false(check_item(v, NULL, probe, NULL, &a));
    /* zero-value items are not learned (they say nothing about prices) but are judged */
    size_t n = bw_valuation_count(v);
    bw_item zero = item("950300", "CN", "pcs", 1000, 100000, 0, "EUR");
    f = facts(&d, &zero, 1);
    bw_valuation_learn(v, NULL, &f);
    bw_valuation_ref ref;
    assert_true(bw_valuation_reference(v, S("950300"), S("CN"), BW_BASIS_UNIT, S("pcs"), &ref));
    assert_int_equal(ref.n, BW_VALUATION_MIN_N);
    assert_int_equal(bw_valuation_count(v), n);
    assert_true(check_item(v, NULL, zero, NULL, &a));
    bw_arena_free(&a);
    bw_valuation_free(v);
}

/* Old prices fade: at BW_VALUATION_DECAY_AT observations every count
 * halves, and a price level that has moved takes over. */
static void test_decay(void **state)
{
    (void)state;
    bw_valuation_model *v = bw_valuation_new("EUR");
    for (int k = 0; k < BW_VALUATION_DECAY_AT - 1; k++)
        learn_item(v, item("950300", "TH", "pcs", 1000, 50000, 1000 + k % 100, "EUR"));
    bw_valuation_ref ref;
    assert_true(bw_valuation_reference(v, S("950300"), S("TH"), BW_BASIS_KG, BW_STR_NULL, &ref));
    assert_int_equal(ref.n, BW_VALUATION_DECAY_AT - 1);
    double old_median = (double)ref.median;
    learn_item(v, item("950300", "TH", "pcs", 1000, 50000, 1000, "EUR"));
    assert_true(bw_valuation_reference(v, S("950300"), S("TH"), BW_BASIS_KG, BW_STR_NULL, &ref));
    assert_true(ref.n <= BW_VALUATION_DECAY_AT / 2 && ref.n > BW_VALUATION_DECAY_AT / 2 - 200);
    assert_true(fabs((double)ref.median - old_median) < old_median * 0.05); /* same shape */
    /* prices triple: after as many new observations as the reference holds, the median has moved up */
    for (int k = 0; k < BW_VALUATION_DECAY_AT; k++)
        learn_item(v, item("950300", "TH", "pcs", 1000, 50000, 3000 + k % 300, "EUR"));
    assert_true(bw_valuation_reference(v, S("950300"), S("TH"), BW_BASIS_KG, BW_STR_NULL, &ref));
    assert_true((double)ref.median > 2.5 * old_median);
    bw_valuation_free(v);
}

/* Prices that barely vary: three quarters of the 5th percentile is still
 * 0.68 of the median, which is not far enough below it. */
static void test_ratio_limit(void **state)
{
    (void)state;
    bw_valuation_model *v = bw_valuation_new("EUR");
    bw_arena a;
    bw_arena_init(&a);
    for (int k = 0; k < 200; k++) /* 9.00 to 10.99 */
        learn_item(v, item("330499", "KR", "pcs", 1000, 50000, 900 + (k * 7) % 200, "EUR"));
    bw_valuation_ref ref;
    assert_true(bw_valuation_reference(v, S("330499"), S("KR"), BW_BASIS_UNIT, S("pcs"), &ref));
    assert_true(ref.q05 * 10 > ref.median * 8); /* q05 above 0.8 of the median */
    bw_risk_hit h;
    assert_false(check_item(v, NULL, item("330499", "KR", "pcs", 1000, 50000, 400, "EUR"), NULL, &a));
    assert_true(check_item(v, NULL, item("330499", "KR", "pcs", 1000, 50000, 250, "EUR"), &h, &a));
    json_object *ev = json_tokener_parse(h.evidence);
    double ratio = json_object_get_double(member(ev, "ratio"));
    assert_true(ratio > 0.2 && ratio <= 0.3);
    assert_true(h.score >= 35 && h.score < 45); /* near the limit: near the least points (35) */
    json_object_put(ev);
    bw_arena_free(&a);
    bw_valuation_free(v);
}

static void test_unusable_input(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    bw_arena a;
    bw_arena_init(&a);
    bw_item low = tshirt_at(0.05);
    assert_true(check_item(g_v, rd, low, NULL, &a));
    /* not a currency, a currency without ECB rates, a day before the first rate */
    bw_item x = low;
    x.value.currency = S("XQQ");
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x.value.currency = S("VND");
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x = low;
    x.value.currency = S("USD");
    bw_declaration d;
    bw_risk_facts f = facts(&d, &x, 1);
    f.when = bw_time_from_civil(1990, 1, 1);
    bw_risk_result res;
    bw_risk_result_init(&res, &a);
    bw_valuation_check(g_v, rd, &f, &res);
    assert_int_equal(res.n_hits, 0);
    /* no reference data: only base-currency values can be judged */
    assert_false(check_item(g_v, NULL, x, NULL, &a));
    assert_true(check_item(g_v, NULL, low, NULL, &a));
    /* a value that did not validate, a malformed HS code or origin */
    x = low;
    x.value.minor_ok = false;
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x = low;
    x.hs_code = S("61A910");
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x.hs_code = S("6109");
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x = low;
    x.origin = S("cn");
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x.origin = BW_STR_NULL;
    assert_false(check_item(g_v, rd, x, NULL, &a));
    /* neither quantity nor weight: no basis */
    x = low;
    x.quantity.present = x.net_weight.present = false;
    assert_false(check_item(g_v, rd, x, NULL, &a));
    /* a negative amount and an enormous one do not crash */
    x = low;
    x.value.minor = -500;
    assert_false(check_item(g_v, rd, x, NULL, &a));
    x.value.minor = INT64_MAX;
    x.quantity.value = 1;
    x.net_weight.value = 1;
    assert_false(check_item(g_v, rd, x, NULL, &a));
    learn_item(g_v, x); /* clamped into the top bin */
    /* a declaration without items, or none at all */
    bw_risk_facts empty = facts(&d, NULL, 0);
    bw_valuation_check(g_v, rd, &empty, &res);
    empty.decl = NULL;
    bw_valuation_check(g_v, rd, &empty, &res);
    bw_valuation_learn(g_v, rd, &empty);
    assert_int_equal(res.n_hits, 0);
    /* the base currency must be a currency */
    assert_null(bw_valuation_new("XQQ"));
    assert_null(bw_valuation_new("EU"));
    assert_null(bw_valuation_new(NULL));
    bw_arena_free(&a);
}

/* ---- feedback -------------------------------------------------------------------- */

static void learn_base(bw_valuation_model *v)
{
    for (int k = 0; k < 200; k++) /* 8.00 to 27.90 EUR a piece */
        learn_item(v, item("420222", "CN", "pcs", 1000, 300000, 800 + (k * 37) % 2000, "EUR"));
}

static void test_correction(void **state)
{
    (void)state;
    bw_valuation_model *a = bw_valuation_new("EUR"), *b = bw_valuation_new("EUR");
    learn_base(a);
    learn_base(b);
    bw_valuation_ref clean;
    assert_true(bw_valuation_reference(b, S("420222"), S("CN"), BW_BASIS_UNIT, S("pcs"), &clean));
    /* a: 20 undervalued declarations were learned, then inspected and corrected to 12.00 */
    bw_item under = item("420222", "CN", "pcs", 2000, 600000, 50, "EUR");
    for (int k = 0; k < 20; k++)
        learn_item(a, under);
    bw_valuation_ref dirty;
    assert_true(bw_valuation_reference(a, S("420222"), S("CN"), BW_BASIS_UNIT, S("pcs"), &dirty));
    assert_true(dirty.q05 < clean.q05);
    for (int k = 0; k < 20; k++) {
        bw_declaration d;
        bw_risk_facts f = facts(&d, &under, 1);
        bw_valuation_correct(a, rd, &f, 0, 2400);
    }
    /* b: the corrected values learned directly; the models are the same */
    bw_item fair = under;
    fair.value.minor = 2400;
    for (int k = 0; k < 20; k++)
        learn_item(b, fair);
    bw_buf sa = {0}, sb = {0};
    assert_int_equal(bw_valuation_save(a, &sa), 0);
    assert_int_equal(bw_valuation_save(b, &sb), 0);
    assert_int_equal(sa.n, sb.n);
    assert_memory_equal(sa.p, sb.p, sa.n);
    bw_valuation_ref ra, rb;
    assert_true(bw_valuation_reference(a, S("420222"), S("CN"), BW_BASIS_UNIT, S("pcs"), &ra));
    assert_true(bw_valuation_reference(b, S("420222"), S("CN"), BW_BASIS_UNIT, S("pcs"), &rb));
    assert_true(ra.n == rb.n && ra.q05 == rb.q05 && ra.median == rb.median && ra.q95 == rb.q95);
    /* an item index out of range changes nothing */
    bw_declaration d;
    bw_risk_facts f = facts(&d, &under, 1);
    bw_valuation_correct(a, rd, &f, 5, 1);
    sb.n = 0;
    assert_int_equal(bw_valuation_save(a, &sb), 0);
    assert_memory_equal(sa.p, sb.p, sa.n);
    bw_buf_free(&sa);
    bw_buf_free(&sb);
    bw_valuation_free(a);
    bw_valuation_free(b);
}

/* ---- saved bytes ----------------------------------------------------------------- */

static void hits_json(bw_valuation_model *v, double fraction, bw_buf *out, bw_arena *a)
{
    bw_item it = tshirt_at(fraction);
    bw_declaration d;
    bw_risk_facts f = facts(&d, &it, 1);
    bw_risk_result res;
    bw_risk_result_init(&res, a);
    bw_valuation_check(v, rd, &f, &res);
    bw_risk_json(&res, out);
}

static void put_checksum(unsigned char *bytes, size_t n)
{
    uint64_t h = XXH3_64bits(bytes, n - 8);
    for (int i = 0; i < 8; i++)
        bytes[n - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void test_save_restore(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    bw_buf b = {0};
    assert_int_equal(bw_valuation_save(g_v, &b), 0);
    char err[512];
    bw_valuation_model *v = bw_valuation_restore(b.p, b.n, err, sizeof err);
    if (!v)
        fail_msg("%s", err);
    assert_int_equal(bw_valuation_count(v), bw_valuation_count(g_v));
    bw_arena a;
    bw_arena_init(&a);
    for (double fr = 0.01; fr < 1.5; fr *= 1.3) {
        bw_buf j1 = {0}, j2 = {0};
        hits_json(g_v, fr, &j1, &a);
        hits_json(v, fr, &j2, &a);
        assert_string_equal(bw_buf_cstr(&j1), bw_buf_cstr(&j2));
        bw_buf_free(&j1);
        bw_buf_free(&j2);
    }
    bw_buf b2 = {0};
    assert_int_equal(bw_valuation_save(v, &b2), 0);
    assert_int_equal(b2.n, b.n);
    assert_memory_equal(b.p, b2.p, b.n);
    bw_valuation_free(v);

    /* damage: flipped bytes, truncations */
    unsigned char *copy = malloc(b.n);
    for (size_t i = 0; i < b.n; i += 1 + i / 32) {
        memcpy(copy, b.p, b.n);
        copy[i] ^= 0x21;
        if ((v = bw_valuation_restore(copy, b.n, err, sizeof err)) != NULL)
            fail_msg("byte %zu flipped: restored", i);
        assert_non_null(strstr(err, "saved valuation model"));
    }
    for (size_t n = 0; n < b.n; n += 1 + n / 8)
        assert_null(bw_valuation_restore(b.p, n, err, sizeof err));
    /* nonsense behind a valid checksum */
    size_t rec = 8 + 3 + 2 + 8; /* the first distribution */
    memcpy(copy, b.p, b.n);
    copy[rec + 12] ^= 1; /* a bin that no longer adds up to n */
    put_checksum(copy, b.n);
    assert_null(bw_valuation_restore(copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "add up"));
    memcpy(copy, b.p, b.n);
    copy[rec + 7] = 0; /* the key's marker bit */
    put_checksum(copy, b.n);
    assert_null(bw_valuation_restore(copy, b.n, err, sizeof err));
    memcpy(copy, b.p, b.n);
    memcpy(copy + 8, "XQQ", 3); /* not a currency */
    put_checksum(copy, b.n);
    assert_null(bw_valuation_restore(copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "currency"));
    memcpy(copy, b.p, b.n);
    copy[11] ^= 1; /* another bin count */
    put_checksum(copy, b.n);
    assert_null(bw_valuation_restore(copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "bins"));
    free(copy);
    bw_arena_free(&a);
    bw_buf_free(&b);
    bw_buf_free(&b2);
}

static int setup(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA");
    assert_true(bw_time_parse(AS_OF, strlen(AS_OF), &when));
    if (!ref || !*ref)
        return 0; /* the tests that need rates skip */
    char err[512];
    rd = bw_refdata_load(bw_default_datadir(NULL), ref, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    g_v = bw_valuation_new("EUR");
    learn_generated(g_v, 1000, 11);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bw_valuation_free(g_v);
    bw_refdata_free(rd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_matches_sample),
        cmocka_unit_test(test_low_value_hits),
        cmocka_unit_test(test_per_kg_basis),
        cmocka_unit_test(test_outliers_do_not_move_the_median),
        cmocka_unit_test(test_minimum_count),
        cmocka_unit_test(test_ratio_limit),
        cmocka_unit_test(test_decay),
        cmocka_unit_test(test_correction),
        cmocka_unit_test(test_save_restore),
        cmocka_unit_test(test_unusable_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
