/*
 * test_tax.c - tax tables: regions, HS prefixes, several taxes at once,
 * dates, and EU rates by name from the reference data's VAT table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "revenue/tax.h"

static const char *tmpfile_with(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bw-tax-%d.tsv", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

static const char HEADER[] = "region\ths\tfrom\tto\trate\tname\tnote\n";

static void test_canada_gst_and_provinces(void **state)
{
    (void)state;
    char text[1024], err[256] = "";
    snprintf(text, sizeof text,
             "# Canada\n%s"
             "*\t\t2008-01-01\t\t5\tGST\tGST 5%%\n"
             "CA-ON\t\t2010-07-01\t\t8\tPST\tOntario provincial part of the HST\n"
             "CA-BC\t\t2013-04-01\t\t7\tPST\tBritish Columbia PST\n"
             "CA-BC\t4901\t2013-04-01\t\t0\tPST\tbooks exempt from BC PST\n",
             HEADER);
    bw_tax_table *t = bw_tax_load(tmpfile_with(text), NULL, err, sizeof err);
    assert_non_null(t);
    bw_tax_rate r[BW_TAX_NAMES_MAX];
    /* Ontario: GST 5% and the provincial 8% */
    assert_int_equal(bw_tax_find(t, "CA-ON", "610910", 6, day("2025-01-01"), r), 2);
    assert_int_equal(r[0].ppm + r[1].ppm, 130000);
    /* Alberta: GST alone */
    assert_int_equal(bw_tax_find(t, "CA-AB", "610910", 6, day("2025-01-01"), r), 1);
    assert_string_equal(r[0].name, "GST");
    assert_int_equal(r[0].ppm, 50000);
    /* BC books: GST, and PST at the book exemption's 0% */
    assert_int_equal(bw_tax_find(t, "CA-BC", "490199", 6, day("2025-01-01"), r), 2);
    assert_int_equal(r[0].ppm + r[1].ppm, 50000);
    /* before BC PST came back in 2013: GST alone */
    assert_int_equal(bw_tax_find(t, "CA-BC", "610910", 6, day("2012-01-01"), r), 1);
    bw_tax_free(t);
}

static void test_eu_named_rates(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA");
    if (!ref || !*ref)
        skip();
    char path[512], err[256] = "", text[512];
    snprintf(path, sizeof path, "%s/eu-vat-rates/vat-rates.json", ref);
    bw_eu_vat *eu = bw_eu_vat_load(path, err, sizeof err);
    assert_non_null(eu);
    /* the standard rates the domain notes name: DE 19, FR 20, SE 25 */
    assert_int_equal(bw_eu_vat_rate(eu, "DE", "standard", day("2025-01-01")), 190000);
    assert_int_equal(bw_eu_vat_rate(eu, "FR", "standard", day("2025-01-01")), 200000);
    assert_int_equal(bw_eu_vat_rate(eu, "SE", "standard", day("2025-01-01")), 250000);
    assert_int_equal(bw_eu_vat_rate(eu, "DE", "no-such-rate", day("2025-01-01")), -1);
    snprintf(text, sizeof text, "%s*\t\t2021-07-01\t\tstandard\tVAT\tstandard rate\n"
                                "DE\t4901\t2021-07-01\t\treduced\tVAT\tbooks, reduced rate\n", HEADER);
    bw_tax_table *t = bw_tax_load(tmpfile_with(text), eu, err, sizeof err);
    assert_non_null(t);
    bw_tax_rate r[BW_TAX_NAMES_MAX];
    assert_int_equal(bw_tax_find(t, "DE", "610910", 6, day("2025-01-01"), r), 1);
    assert_int_equal(r[0].ppm, 190000);
    assert_int_equal(bw_tax_find(t, "DE", "490199", 6, day("2025-01-01"), r), 1);
    assert_int_equal(r[0].ppm, 70000); /* DE reduced 7% */
    assert_int_equal(bw_tax_find(t, "FR", "490199", 6, day("2025-01-01"), r), 1);
    assert_int_equal(r[0].ppm, 200000); /* no FR book line here: standard */
    bw_tax_free(t);
    /* a named rate without the EU table is refused */
    assert_null(bw_tax_load(tmpfile_with(text), NULL, err, sizeof err));
    assert_non_null(strstr(err, "EU VAT rates"));
    bw_eu_vat_free(eu);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "*\t\t2020-01-01\t\t5\tGST\n",              /* 6 fields */
        "*\t61A\t2020-01-01\t\t5\tGST\tx\n",         /* hs */
        "*\t\t2020-02-30\t\t5\tGST\tx\n",            /* date */
        "*\t\t2020-01-01\t2019-01-01\t5\tGST\tx\n",  /* to before from */
        "*\t\t2020-01-01\t\t-5\tGST\tx\n",           /* negative */
        "*\t\t2020-01-01\t\t5\t\tx\n",               /* no name */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256], err[256] = "";
        snprintf(text, sizeof text, "%s%s", HEADER, bad[i]);
        bw_tax_table *t = bw_tax_load(tmpfile_with(text), NULL, err, sizeof err);
        if (t || !strstr(err, ":2:"))
            fail_msg("case %zu: expected an error naming line 2, got \"%s\"", i, err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canada_gst_and_provinces),
        cmocka_unit_test(test_eu_named_rates),
        cmocka_unit_test(test_malformed),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char path[64];
    snprintf(path, sizeof path, "/tmp/bw-tax-%d.tsv", (int)getpid());
    unlink(path);
    return rc;
}
