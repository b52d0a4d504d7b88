/*
 * test_tariff.c - the tariff loader and the duty arithmetic, on small
 * files written here, each rate worked out by hand beside the assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "revenue/tariff.h"

static char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bw-tariff-%d.tsv", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static const char HEADER[] = "hs\tfrom\tto\tad_valorem_pct\tspecific\tper\tcombine\tnote\n";

static bw_tariff *load(const char *body, char *err, size_t errlen)
{
    char *text = malloc(strlen(HEADER) + strlen(body) + 32);
    sprintf(text, "# a comment\n%s%s", HEADER, body);
    bw_tariff *t = bw_tariff_load(write_file(text), 2, err, errlen);
    free(text);
    return t;
}

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

static void test_longest_prefix_and_dates(void **state)
{
    (void)state;
    char err[256] = "";
    bw_tariff *t = load("61\t2020-01-01\t\t12\t\t\tad_valorem\tchapter 61\n"
                        "6109\t2020-01-01\t\t10\t\t\tad_valorem\tT-shirts\n"
                        "610910\t2020-01-01\t2026-07-01\t8\t\t\tad_valorem\tcotton T-shirts, old\n"
                        "610910\t2026-07-01\t\t6.5\t\t\tad_valorem\tcotton T-shirts, new\n",
                        err, sizeof err);
    assert_non_null(t);
    assert_int_equal(bw_tariff_size(t), 4);
    /* 6109100010: the 6-digit line is the longest prefix */
    assert_int_equal(bw_tariff_find(t, "6109100010", 10, day("2025-01-01"))->ad_valorem_ppm, 80000);
    /* the same on the day the new line starts (to is exclusive) */
    assert_int_equal(bw_tariff_find(t, "610910", 6, day("2026-07-01"))->ad_valorem_ppm, 65000);
    assert_int_equal(bw_tariff_find(t, "610910", 6, day("2026-06-30T23:59:59Z"))->ad_valorem_ppm, 80000);
    /* 610990: only the heading matches */
    assert_int_equal(bw_tariff_find(t, "610990", 6, day("2025-01-01"))->ad_valorem_ppm, 100000);
    /* 611020: only the chapter */
    assert_int_equal(bw_tariff_find(t, "611020", 6, day("2025-01-01"))->ad_valorem_ppm, 120000);
    /* before anything was in force, and another chapter: nothing */
    assert_null(bw_tariff_find(t, "610910", 6, day("2019-12-31")));
    assert_null(bw_tariff_find(t, "620342", 6, day("2025-01-01")));
    bw_tariff_free(t);
}

static void test_duty_arithmetic(void **state)
{
    (void)state;
    char err[256] = "";
    bw_tariff *t = load("2208\t2020-01-01\t\t\t2.5\tkg\tspecific\tspirits, EUR 2.50/kg\n"
                        "6403\t2020-01-01\t\t8\t1.2\titem\tmax\tshoes: 8% or EUR 1.20 a pair\n"
                        "9102\t2020-01-01\t\t4.5\t0.035\tkg\tsum\twatches: 4.5% + EUR 0.035/kg\n"
                        "4202\t2020-01-01\t\t3\t0.5\titem\tmin\tbags: 3% but at most EUR 0.50 each\n",
                        err, sizeof err);
    assert_non_null(t);
    int64_t duty;
    bw_time when = day("2025-01-01");
    /* spirits 0.7 kg net: 2.50 x 0.7 = EUR 1.75 */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "220830", 6, when), 2000, 700000, 1000, &duty));
    assert_int_equal(duty, 175);
    /* shoes EUR 10.00, 2 pairs: 8% = 0.80 < 2 x 1.20 = 2.40 -> 2.40 */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "640399", 6, when), 1000, 900000, 2000, &duty));
    assert_int_equal(duty, 240);
    /* shoes EUR 50.00, 1 pair: 8% = 4.00 > 1.20 -> 4.00 */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "640399", 6, when), 5000, 900000, 1000, &duty));
    assert_int_equal(duty, 400);
    /* watch EUR 33.33, 0.1 kg: 4.5% = EUR 1.49985, plus 0.035 x 0.1 = EUR 0.0035:
     * EUR 1.50335 exactly, rounded once -> EUR 1.50 */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "910211", 6, when), 3333, 100000, 1000, &duty));
    assert_int_equal(duty, 150);
    /* watch EUR 33.32, 0.2 kg: 1.4994 + 0.007 = 1.5064 -> EUR 1.51 */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "910211", 6, when), 3332, 200000, 1000, &duty));
    assert_int_equal(duty, 151);
    /* a sum where rounding once matters: EUR 0.11 at 4.5% = 0.00495, plus
     * 0.035 x 0.1 kg = 0.0035: 0.00845 -> EUR 0.01 (parts apart: 0.00 + 0.00) */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "910211", 6, when), 11, 100000, 1000, &duty));
    assert_int_equal(duty, 1);
    /* bags EUR 30.00, 3 bags: 3% = 0.90 vs 3 x 0.50 = 1.50 -> 0.90 */
    assert_true(bw_tariff_duty(bw_tariff_find(t, "420222", 6, when), 3000, 500000, 3000, &duty));
    assert_int_equal(duty, 90);
    /* spirits without a net weight: the specific duty cannot be computed */
    assert_false(bw_tariff_duty(bw_tariff_find(t, "220830", 6, when), 2000, 0, 1000, &duty));
    bw_tariff_free(t);
}

static void test_rounding(void **state)
{
    (void)state;
    /* half away from zero, exact in 128 bits */
    assert_int_equal(bw_mul_div_round(5, 1, 2), 3);      /* 2.5 -> 3 */
    assert_int_equal(bw_mul_div_round(-5, 1, 2), -3);    /* -2.5 -> -3 */
    assert_int_equal(bw_mul_div_round(7, 1, 3), 2);      /* 2.33 -> 2 */
    assert_int_equal(bw_mul_div_round(INT64_MAX, 3, 3), INT64_MAX);
    /* 12% of EUR 0.04: 0.0048 -> 0.00 ; of EUR 0.05: 0.006 -> 0.01 */
    assert_int_equal(bw_mul_div_round(4, 120000, BW_PPM), 0);
    assert_int_equal(bw_mul_div_round(5, 120000, BW_PPM), 1);
}

static void test_malformed_files(void **state)
{
    (void)state;
    static const struct {
        const char *body, *want;
    } bad[] = {
        {"6109\t2020-01-01\t\t12\t\t\tad_valorem\n", "8 tab-separated fields"},
        {"610\t2020-01-01\t\t12\t\t\tad_valorem\tx\n", "hs must be"},
        {"6109\t2020-13-01\t\t12\t\t\tad_valorem\tx\n", "not a date"},
        {"6109\t2020-01-01\t2019-01-01\t12\t\t\tad_valorem\tx\n", "after"},
        {"6109\t2020-01-01\t\t-3\t\t\tad_valorem\tx\n", "not a percentage"},
        {"6109\t2020-01-01\t\t12\t1.5\t\tsum\tx\n", "needs per"},
        {"6109\t2020-01-01\t\t12\t1.5\tlitre\tsum\tx\n", "per must be"},
        {"6109\t2020-01-01\t\t12\t\t\tmax\tx\n", "needs a specific"},
        {"6109\t2020-01-01\t\t12\t\t\tmaximum\tx\n", "combine must be"},
        {"6109\t2020-01-01\t\t12\t\t\tad_valorem\tx\n6109\t2024-01-01\t\t10\t\t\tad_valorem\ty\n", "overlap"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        bw_tariff *t = load(bad[i].body, err, sizeof err);
        if (t || !strstr(err, bad[i].want))
            fail_msg("case %zu: expected an error containing \"%s\", got \"%s\"", i, bad[i].want, err);
    }
    char err[256] = "";
    assert_null(bw_tariff_load("/nonexistent/tariff.tsv", 2, err, sizeof err));
    assert_non_null(strstr(err, "cannot read"));
}

/* A national tariff in the same format replaces the sample: the partial
 * US HTS of the reference data, converted by scripts/hts2tariff.sh, loads
 * whole and answers at 10 digits. */
static void test_national_tariff_loads(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA"), *top = getenv("BW_TOP");
    if (!ref || !*ref)
        skip();
    char cmd[1024], out[64], err[256] = "";
    snprintf(out, sizeof out, "/tmp/bw-hts-%d.tsv", (int)getpid());
    snprintf(cmd, sizeof cmd, "bash %s/scripts/hts2tariff.sh %s/us-hts/products_raw.csv > %s 2>/dev/null",
             top && *top ? top : ".", ref, out);
    assert_int_equal(system(cmd), 0);
    bw_tariff *t = bw_tariff_load(out, 2, err, sizeof err);
    if (!t)
        fail_msg("the converted US HTS does not load: %s", err);
    assert_true(bw_tariff_size(t) > 7000);
    bw_time when = day("2025-06-01");
    /* golf shoes 6403.19.10: 5%; welt footwear 6403.12.30: free */
    assert_int_equal(bw_tariff_find(t, "6403191000", 10, when)->ad_valorem_ppm, 50000);
    assert_int_equal(bw_tariff_find(t, "6403123000", 10, when)->ad_valorem_ppm, 0);
    bw_tariff_free(t);
    unlink(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longest_prefix_and_dates),
        cmocka_unit_test(test_duty_arithmetic),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_national_tariff_loads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char path[64];
    snprintf(path, sizeof path, "/tmp/bw-tariff-%d.tsv", (int)getpid());
    unlink(path);
    return rc;
}
