/*
 * test_revenue.c - worked examples of the revenue assessment, each with the
 * rule and the arithmetic beside the assertion.  The jurisdictions are the
 * shipped ones (data/jurisdictions); the tariff and tax lines are small
 * files written here so every rate in an example is visible in this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/gen.h"
#include "model/reader.h"
#include "pipeline/pipeline.h"
#include "revenue/revenue.h"

static char dir[128];
static bw_refdata *rd;
static bw_record g_rec;  /* the last assessed record (see assess) */
static bw_outcome g_oc;
static bw_revenue g_rev;

static void write_rel(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char TARIFF[] = "hs\tfrom\tto\tad_valorem_pct\tspecific\tper\tcombine\tnote\n"
                             "61\t2000-01-01\t\t12\t\t\tad_valorem\tclothing 12%\n"
                             "39\t2000-01-01\t\t6.5\t\t\tad_valorem\tplastics 6.5%\n"
                             "33\t2000-01-01\t\t0\t\t\tad_valorem\tcosmetics 0%\n";

static int setup(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA");
    if (!ref || !*ref)
        return 0; /* the tests skip */
    snprintf(dir, sizeof dir, "/tmp/bw-revenue-%d", (int)getpid());
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/tariffs %s/taxes && cp -r %s/jurisdictions %s/", dir, dir, dir,
             BW_DATADIR, dir);
    if (system(cmd) != 0)
        return -1;
    /* the same sample tariff for every jurisdiction: the rates are the test's */
    const char *ids[] = {"EU", "GB", "US", "AU", "CA", "CN"};
    for (int i = 0; i < 6; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "tariffs/%s.tsv", ids[i]);
        write_rel(rel, TARIFF);
    }
    write_rel("taxes/EU.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2021-07-01\t\tstandard\tVAT\tmember state standard rate\n");
    write_rel("taxes/CA.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2008-01-01\t\t5\tGST\tGST 5%\n"
                          "CA-ON\t\t2010-07-01\t\t8\tPST\tOntario part of the HST 8%\n");
    write_rel("taxes/AU.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2000-07-01\t\t10\tGST\tGST 10%\n");
    write_rel("taxes/CN.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2019-04-01\t\t13\tVAT\timport VAT 13%\n");
    char err[512];
    bw_record_init(&g_rec);
    rd = bw_refdata_load(dir, ref, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bw_record_free(&g_rec);
    bw_refdata_free(rd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A declaration: jurisdiction, buyer country (and region), currency,
 * items "HS:amount" separated by spaces, freight, collection model. */
typedef struct spec {
    const char *jur, *country, *region, *currency, *items, *freight, *model, *origin, *mode;
} spec;

static void build(const spec *s, char *out, size_t cap)
{
    char items[2048] = "";
    char copy[512];
    snprintf(copy, sizeof copy, "%s", s->items);
    int n = 0;
    int64_t total = 0; /* the order and payment agree with the items */
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        char *colon = strchr(tok, ':');
        *colon = 0;
        bw_decimal dec;
        int64_t cents;
        assert_int_equal(bw_decimal_parse(colon + 1, strlen(colon + 1), &dec), BW_DEC_OK);
        assert_int_equal(bw_decimal_rescale(dec, 2, &cents), BW_DEC_OK);
        total += cents;
        size_t l = strlen(items);
        snprintf(items + l, sizeof items - l,
                 "%s{\"description\":\"goods\",\"hs_code\":\"%s\",\"quantity\":1,\"unit\":\"pcs\",\"net_weight_g\":200,"
                 "\"value\":{\"amount\":\"%s\",\"currency\":\"%s\"},\"origin\":\"%s\"}",
                 n++ ? "," : "", tok, colon + 1, s->currency, s->origin ? s->origin : "CN");
    }
    const char *scheme = !strcmp(s->model, "vendor") ? (!strcmp(s->jur, "EU") ? "\"IM2760000001\"" : "\"GB123456789\"")
                                                      : "null";
    snprintf(out, cap,
             "{\"submitter\":{\"id\":\"T\",\"role\":\"express\"},\"declaration_id\":\"D\",\"jurisdiction\":\"%s\","
             "\"type\":\"import\",\"transaction_type\":\"B2C\",\"gift\":false,"
             "\"transport\":{\"mode\":\"%s\",\"document_id\":\"176-12345675\"},"
             "\"order\":{\"id\":\"O\",\"platform\":{\"id\":\"MKT\"},\"total\":{\"amount\":\"%lld.%02lld\",\"currency\":\"%s\"}},"
             "\"payment\":{\"id\":\"P\",\"amount\":{\"amount\":\"%lld.%02lld\",\"currency\":\"%s\"}},"
             "\"seller\":{\"id\":\"S\",\"name\":\"Seller\",\"address\":{\"country\":\"%s\"}},"
             "\"buyer\":{\"id\":\"B\",\"name\":\"Buyer\",\"phone\":\"+1\",\"national_id\":\"110101199001011234\","
             "\"address\":{\"line\":\"1 Road\",\"city\":\"City\",\"postcode\":\"10115\",\"region\":%s%s%s,\"country\":\"%s\"}},"
             "\"items\":[%s],\"gross_weight_g\":1000,\"packages\":1,"
             "\"freight\":{\"amount\":\"%s\",\"currency\":\"%s\"},"
             "\"collection\":{\"model\":\"%s\",\"scheme_number\":%s,\"account_id\":\"ACC-1\"}}",
             s->jur, s->mode ? s->mode : "air", (long long)(total / 100), (long long)(total % 100), s->currency,
             (long long)(total / 100), (long long)(total % 100), s->currency, s->origin ? s->origin : "CN", s->region ? "\"" : "",
             s->region ? s->region : "null", s->region ? "\"" : "", s->country, items, s->freight, s->currency, s->model,
             scheme);
}

/* Runs the pipeline and the revenue assessment on `when`; the record and
 * its outcome are kept in g_rec and g_oc until the next call. */
static const bw_revenue *assess(const spec *s, const char *when)
{
    static char json[8192];
    build(s, json, sizeof json);
    bw_reader *r = bw_reader_new_mem(json, strlen(json), NULL);
    assert_int_equal(bw_reader_next(r, &g_rec), 1);
    bw_time t;
    assert_true(bw_time_parse(when, strlen(when), &t));
    bw_pipeline p = {rd, t};
    bw_pipeline_run(&p, &g_rec, &g_oc);
    bw_reader_free(r);
    if (g_oc.status != BW_STATUS_ACCEPTED) {
        bw_buf b = {0};
        bw_issues_json(&g_rec.issues, BW_ERROR, &b);
        fail_msg("not accepted: %s", bw_buf_cstr(&b));
    }
    bw_assess_revenue(rd, &g_rec.decl, &g_oc, &g_rec.arena, &g_rev);
    return &g_rev;
}

#define REQUIRE_REFDATA() do { if (!rd) skip(); } while (0)

static void test_eu_ioss_before_flat_duty(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* EU 2026-06-01, DE buyer, IOSS: T-shirt 39.98 + case 5.00 = 44.98 <= 150:
     * no duty (relief), VAT collected by the vendor (prepaid).
     * CIF: freight 10.00 apportioned 39.98:5.00 -> 8.89 + 1.11 (largest remainder);
     * customs values 48.87 and 6.11; VAT 19%: 9.2853 -> 9.29, 1.1609 -> 1.16 = 10.45 */
    spec s = {"EU", "DE", NULL, "EUR", "610910:39.98 392690:5.00", "10.00", "vendor", NULL, NULL};
    r = assess(&s, "2026-06-01");
    assert_true(r->computed);
    assert_int_equal(r->items[0].transport, 889);
    assert_int_equal(r->items[1].transport, 111);
    assert_int_equal(r->customs_value, 5498);
    assert_int_equal(r->duty, 0);
    assert_int_equal(r->items[0].tax[0], 929);
    assert_int_equal(r->items[1].tax[0], 116);
    assert_int_equal(r->tax, 1045);
    assert_true(r->tax_prepaid);
    assert_int_equal(r->due, 0);
}

static void test_eu_flat_duty_after_july_2026(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* The same parcel on 2026-08-01: EUR 3 per distinct subheading, two
     * subheadings = 6.00 duty (due at the border).  VAT base = CV + duty:
     * 48.87 + 3 = 51.87 x 19% = 9.8553 -> 9.86; 6.11 + 3 = 9.11 x 19% = 1.7309 -> 1.73 */
    spec s = {"EU", "DE", NULL, "EUR", "610910:39.98 392690:5.00", "10.00", "vendor", NULL, NULL};
    r = assess(&s, "2026-08-01");
    assert_true(r->computed);
    assert_int_equal(r->duty, 600);
    assert_int_equal(r->tax, 986 + 173);
    assert_true(r->tax_prepaid);
    assert_int_equal(r->due, 600);
    /* two items of one subheading pay the flat duty once */
    spec same = {"EU", "DE", NULL, "EUR", "610910:20.00 610910:20.00", "0.00", "vendor", NULL, NULL};
    r = assess(&same, "2026-08-01");
    assert_int_equal(r->duty, 300);
}

static void test_eu_above_150(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* EUR 200.00 clothing, buyer pays: above 150, full declaration; duty 12% = 24.00;
     * FR VAT 20% on 200 + 24 = 44.80; due 68.80 */
    spec s = {"EU", "FR", NULL, "EUR", "610910:200.00", "0.00", "buyer", NULL, NULL};
    r = assess(&s, "2026-06-01");
    assert_int_equal(g_oc.category, 4);
    assert_int_equal(r->duty, 2400);
    assert_int_equal(r->tax, 4480);
    assert_false(r->tax_prepaid);
    assert_int_equal(r->due, 6880);
}

static void test_us_suspension(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* USD 100 clothing in January 2025: Section 321, nothing due */
    spec s = {"US", "US", NULL, "USD", "610910:100.00", "0.00", "buyer", NULL, NULL};
    r = assess(&s, "2025-01-15");
    assert_int_equal(r->duty, 0);
    assert_int_equal(r->due, 0);
    /* the same after 2025-08-29: duty at the tariff rate, 12% = 12.00; no VAT in the US */
    r = assess(&s, "2025-09-15");
    assert_int_equal(r->duty, 1200);
    assert_int_equal(r->tax, 0);
    assert_int_equal(r->due, 1200);
}

static void test_canada_provinces(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* CAD 100 clothing by courier from CN to Ontario: over CAD 20 (non-CUSMA),
     * FOB: duty 12% = 12.00; GST 5% of 112 = 5.60; Ontario 8% of 112 = 8.96 */
    spec s = {"CA", "CA", "ON", "CAD", "610910:100.00", "15.00", "buyer", "CN", "air"};
    r = assess(&s, "2026-06-01");
    assert_int_equal(r->customs_value, 10000); /* FOB: freight not in the value */
    assert_int_equal(r->duty, 1200);
    assert_int_equal(r->tax, 560 + 896);
    assert_int_equal(r->due, 1200 + 1456);
}

static void test_australia_gst_base(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* AUD 1500 clothing (over AUD 1000), freight AUD 50: FOB customs value 1500,
     * duty 12% = 180.00, GST 10% of 1500 + 180 + 50 transport = 173.00 */
    spec s = {"AU", "AU", NULL, "AUD", "610910:1500.00", "50.00", "buyer", NULL, NULL};
    r = assess(&s, "2026-06-01");
    assert_int_equal(r->customs_value, 150000);
    assert_int_equal(r->duty, 18000);
    assert_int_equal(r->tax, 17300);
}

static void test_china_retail_limits(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* CNY 300 within the retail limits: 0% duty, VAT at 70% of 13%:
     * CIF 300 + 0 freight; 300 x 13% x 70% = 27.30 */
    spec s = {"CN", "CN", NULL, "CNY", "610910:300.00", "0.00", "buyer", "JP", NULL};
    r = assess(&s, "2026-06-01");
    assert_int_equal(r->duty, 0);
    assert_int_equal(r->tax, 2730);
    /* CNY 6000, above the per-transaction limit: general treatment,
     * duty 12% = 720.00, VAT 13% of 6720 = 873.60 */
    spec big = {"CN", "CN", NULL, "CNY", "610910:6000.00", "0.00", "buyer", "JP", NULL};
    r = assess(&big, "2026-06-01");
    assert_int_equal(r->duty, 72000);
    assert_int_equal(r->tax, 87360);
}

static void test_foreign_currency(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    const bw_revenue *r;
    /* USD 200 into the EU on 2026-04-13 (ECB 1.1684 USD per EUR):
     * 200 / 1.1684 = 171.1742... -> EUR 171.17; above 150: duty 12% = 20.5404 -> 20.54;
     * DE VAT 19% of 191.71 = 36.4249 -> 36.42 */
    spec s = {"EU", "DE", NULL, "USD", "610910:200.00", "0.00", "buyer", NULL, NULL};
    r = assess(&s, "2026-04-13");
    assert_int_equal(r->customs_value, 17117);
    assert_int_equal(r->duty, 2054);
    assert_int_equal(r->tax, 3642);
}

/* The shipped tariff and tax files (data/) assess every accepted demo
 * declaration: every catalogue code has a tariff line, every destination a
 * tax, and the parts add up to the totals. */
static void test_shipped_tables_cover_the_demo(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    char err[512], *text = NULL;
    size_t len = 0;
    bw_refdata *shipped = bw_refdata_load(BW_DATADIR, getenv("BREAKWATER_REFDATA"), err, sizeof err);
    if (!shipped)
        fail_msg("the shipped reference data does not load: %s", err);
    FILE *mem = open_memstream(&text, &len);
    bw_gen_options opt = {.count = 3000, .seed = 4, .datadir = BW_DATADIR};
    assert_int_equal(bw_gen_run(&opt, mem, err, sizeof err), 0);
    fclose(mem);
    bw_reader *r = bw_reader_new_mem(text, len, NULL);
    bw_pipeline p = {shipped, 0};
    assert_true(bw_time_parse("2026-11-24", 10, &p.as_of));
    bw_record rec;
    bw_record_init(&rec);
    unsigned accepted = 0, computed = 0;
    while (bw_reader_next(r, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        if (oc.status != BW_STATUS_ACCEPTED)
            continue;
        accepted++;
        bw_revenue rev;
        if (!bw_assess_revenue(shipped, &rec.decl, &oc, &rec.arena, &rev)) {
            fail_msg("record %llu (%.*s): %s", (unsigned long long)rec.index, (int)rec.decl.jurisdiction.n,
                     rec.decl.jurisdiction.p, rev.problem);
        }
        computed++;
        int64_t cv = 0, duty = 0, tax = 0;
        for (uint32_t i = 0; i < rev.n_items; i++) {
            cv += rev.items[i].customs_value;
            duty += rev.items[i].duty;
            for (unsigned k = 0; k < rev.items[i].n_taxes; k++)
                tax += rev.items[i].tax[k];
        }
        assert_int_equal(cv, rev.customs_value);
        assert_int_equal(duty, rev.duty);
        assert_int_equal(tax, rev.tax);
        assert_int_equal(rev.due, rev.duty + (rev.tax_prepaid ? 0 : rev.tax));
    }
    assert_true(accepted > 2900);
    assert_int_equal(computed, accepted);
    bw_record_free(&rec);
    bw_reader_free(r);
    free(text);
    bw_refdata_free(shipped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eu_ioss_before_flat_duty),
        cmocka_unit_test(test_eu_flat_duty_after_july_2026),
        cmocka_unit_test(test_eu_above_150),
        cmocka_unit_test(test_us_suspension),
        cmocka_unit_test(test_canada_provinces),
        cmocka_unit_test(test_australia_gst_base),
        cmocka_unit_test(test_china_retail_limits),
        cmocka_unit_test(test_foreign_currency),
        cmocka_unit_test(test_shipped_tables_cover_the_demo),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
