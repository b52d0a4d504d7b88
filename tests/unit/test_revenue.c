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

/* The test's tariff, the same for every jurisdiction (amounts are in the
 * jurisdiction's currency).  Columns: hs from to ad_valorem_pct specific per
 * combine note. */
static const char TARIFF[] = "hs\tfrom\tto\tad_valorem_pct\tspecific\tper\tcombine\tnote\n"
                             "61\t2000-01-01\t\t12\t\t\tad_valorem\tclothing 12%\n"
                             "39\t2000-01-01\t\t6.5\t\t\tad_valorem\tplastics 6.5%\n"
                             "33\t2000-01-01\t\t0\t\t\tad_valorem\tcosmetics 0%\n"
                             "3303\t2000-01-01\t\t4\t\t\tad_valorem\tperfume 4%\n"
                             "22\t2000-01-01\t\t5\t\t\tad_valorem\tbeverages 5%\n"
                             "2203\t2000-01-01\t\t\t0.40\tkg\tspecific\tbeer 0.40 per kg\n"
                             "2204\t2000-01-01\t\t10\t1.50\tkg\tmax\twine 10%, at least 1.50 per kg (greater of)\n"
                             "24\t2000-01-01\t\t10\t20.00\tkg\tsum\ttobacco 10% + 20.00 per kg\n"
                             "64\t2000-01-01\t\t17\t3.00\titem\tmin\tfootwear 17%, at most 3.00 per item (lesser of)\n"
                             "49\t2000-01-01\t\t0\t\t\tad_valorem\tprinted matter 0%\n"
                             "9101\t2000-01-01\t\t\t5000.00\titem\tspecific\twatches 5000.00 per item\n";

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
    /* EU: the member state's rate of that name from the reference data's
     * vat-rates.json (DE standard 19, reduced 7; FR standard 20, and no rate
     * named "reduced": FR has reduced1/reduced2 - see test_bug_eu_unknown_rate_name) */
    write_rel("taxes/EU.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2021-07-01\t\tstandard\tVAT\tmember state standard rate\n"
                              "DE\t4901\t2021-07-01\t\treduced\tVAT\tDE books: reduced rate\n"
                              "FR\t4901\t2021-07-01\t\treduced\tVAT\tFR books: a rate name FR does not have\n");
    write_rel("taxes/GB.tsv", "region\ths\tfrom\tto\trate\tname\tnote\nGB\t\t2021-01-01\t\t20\tVAT\tVAT 20%\n"
                              "GB\t4901\t2021-01-01\t\t0\tVAT\tbooks zero-rated\n");
    /* CA: "* 4901 0 PST" competes with "CA-ON (all goods) 8 PST" for Ontario books:
     * see test_bug_tax_line_precedence */
    write_rel("taxes/CA.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2008-01-01\t\t5\tGST\tGST 5%\n"
                          "CA-ON\t\t2010-07-01\t\t8\tPST\tOntario part of the HST 8%\n"
                          "*\t4901\t2010-07-01\t\t0\tPST\tbooks: no provincial part anywhere\n");
    write_rel("taxes/AU.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2000-07-01\t\t10\tGST\tGST 10%\n");
    write_rel("taxes/CN.tsv", "region\ths\tfrom\tto\trate\tname\tnote\n*\t\t2019-04-01\t\t13\tVAT\timport VAT 13%\n"
                              "*\t2204\t2019-04-01\t\t10\tconsumption\twine consumption tax 10%\n");
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

/* A declaration.  items: "HS:amount" separated by spaces, optionally
 * "HS:amount:quantity:net_weight_g" (default quantity 1, 200 g).  Omitted
 * fields default: country = the jurisdiction (DE for the EU), currency =
 * the jurisdiction's, freight 0, model "buyer", origin CN, mode air, no
 * insurance, the vendor scheme number a valid one of the jurisdiction, not
 * a gift (gift: a C2C gift). */
typedef struct spec {
    const char *jur, *country, *region, *currency, *items, *freight, *model, *origin, *mode;
    const char *insurance, *scheme;
    bool gift;
} spec;

static void build(const spec *s, char *out, size_t cap)
{
    char items[8192] = "";
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", s->items);
    const bw_jurisdiction *j = bw_jurisdiction_find(rd, (bw_str){s->jur, (uint32_t)strlen(s->jur)});
    assert_non_null(j);
    const char *cur = s->currency ? s->currency : j->currency;
    const char *country = s->country ? s->country : !strcmp(s->jur, "EU") ? "DE" : s->jur;
    const char *model = s->model ? s->model : "buyer";
    const char *origin = s->origin ? s->origin : "CN";
    const char *mode = s->mode ? s->mode : "air";
    int exp = bw_currency_exponent((bw_str){cur, 3});
    assert_true(exp >= 0);
    int n = 0;
    int64_t total = 0; /* the order and payment agree with the items */
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        char *f[4] = {tok, NULL, "1", "200"};
        for (int k = 1; k < 4; k++) {
            char *c = strchr(f[k - 1], ':');
            if (!c)
                break;
            *c = 0;
            f[k] = c + 1;
        }
        assert_non_null(f[1]);
        bw_decimal dec;
        int64_t minor;
        assert_int_equal(bw_decimal_parse(f[1], strlen(f[1]), &dec), BW_DEC_OK);
        assert_int_equal(bw_decimal_rescale(dec, (unsigned)exp, &minor), BW_DEC_OK);
        total += minor;
        size_t l = strlen(items);
        snprintf(items + l, sizeof items - l,
                 "%s{\"description\":\"goods\",\"hs_code\":\"%s\",\"quantity\":%s,\"unit\":\"pcs\",\"net_weight_g\":%s,"
                 "\"value\":{\"amount\":\"%s\",\"currency\":\"%s\"},\"origin\":\"%s\"}",
                 n++ ? "," : "", f[0], f[2], f[3], f[1], cur, origin);
    }
    char total_s[32], scheme[40] = "null", insurance[96] = "";
    int64_t unit = 1;
    for (int k = 0; k < exp; k++)
        unit *= 10;
    if (exp)
        snprintf(total_s, sizeof total_s, "%lld.%0*lld", (long long)(total / unit), exp, (long long)(total % unit));
    else
        snprintf(total_s, sizeof total_s, "%lld", (long long)total);
    if (!strcmp(model, "vendor"))
        snprintf(scheme, sizeof scheme, "\"%s\"",
                 s->scheme ? s->scheme : !strcmp(s->jur, "EU") ? "IM2760000001" : !strcmp(s->jur, "AU") ? "12345678901"
                                                                                                       : "GB123456789");
    if (s->insurance)
        snprintf(insurance, sizeof insurance, "\"insurance\":{\"amount\":\"%s\",\"currency\":\"%s\"},", s->insurance, cur);
    snprintf(out, cap,
             "{\"submitter\":{\"id\":\"T\",\"role\":\"express\"},\"declaration_id\":\"D\",\"jurisdiction\":\"%s\","
             "\"type\":\"import\",\"transaction_type\":\"%s\",\"gift\":%s,"
             "\"transport\":{\"mode\":\"%s\",\"document_id\":\"%s\"},"
             "\"order\":{\"id\":\"O\",\"platform\":{\"id\":\"MKT\"},\"total\":{\"amount\":\"%s\",\"currency\":\"%s\"}},"
             "\"payment\":{\"id\":\"P\",\"amount\":{\"amount\":\"%s\",\"currency\":\"%s\"}},"
             "\"seller\":{\"id\":\"S\",\"name\":\"Seller\",\"address\":{\"country\":\"%s\"}},"
             "\"buyer\":{\"id\":\"B\",\"name\":\"Buyer\",\"phone\":\"+1\",\"national_id\":\"110101199001011234\","
             "\"address\":{\"line\":\"1 Road\",\"city\":\"City\",\"postcode\":\"10115\",\"region\":%s%s%s,\"country\":\"%s\"}},"
             "\"items\":[%s],\"gross_weight_g\":100000,\"packages\":1,"
             "\"freight\":{\"amount\":\"%s\",\"currency\":\"%s\"},%s"
             "\"collection\":{\"model\":\"%s\",\"scheme_number\":%s,\"account_id\":\"ACC-1\"}}",
             s->jur, s->gift ? "C2C" : "B2C", s->gift ? "true" : "false", mode,
             !strcmp(mode, "post") ? "RR123456785CN" : "176-12345675", total_s, cur, total_s, cur, origin,
             s->region ? "\"" : "", s->region ? s->region : "null", s->region ? "\"" : "", country, items,
             s->freight ? s->freight : "0", cur, insurance, model, scheme);
}

/* Runs the pipeline and the revenue assessment on `when`; the record and
 * its outcome are kept in g_rec and g_oc until the next call. */
static const bw_revenue *assess(const spec *s, const char *when)
{
    static char json[16384];
    build(s, json, sizeof json);
    bw_reader *r = bw_reader_new_mem(json, strlen(json), NULL);
    assert_int_equal(bw_reader_next(r, &g_rec), 1);
    bw_time t;
    assert_true(bw_time_parse(when, strlen(when), &t));
    bw_pipeline p = {.rd = rd, .as_of = t};
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

/* The whole assessment in one line: IRG category, customs value, duty,
 * tax, whether the tax was prepaid by the vendor, and what the border
 * collects.  Also checks that the items add up to the totals. */
#define EXPECT(r, cat, cv, duty_, tax_, prepaid, due_) expect_at(r, cat, cv, duty_, tax_, prepaid, due_, __FILE__, __LINE__)
static void expect_at(const bw_revenue *r, int cat, int64_t cv, int64_t duty, int64_t tax, bool prepaid, int64_t due,
                      const char *file, int line)
{
    if (!r->computed)
        fail_msg("%s:%d: not computed: %s", file, line, r->problem);
    int64_t scv = 0, sduty = 0, stax = 0;
    for (uint32_t i = 0; i < r->n_items; i++) {
        scv += r->items[i].customs_value;
        sduty += r->items[i].duty;
        for (unsigned k = 0; k < r->items[i].n_taxes; k++)
            stax += r->items[i].tax[k];
    }
    _assert_int_equal(cast_to_largest_integral_type(g_oc.category), cast_to_largest_integral_type(cat), file, line);
    _assert_int_equal(cast_to_largest_integral_type(r->customs_value), cast_to_largest_integral_type(cv), file, line);
    _assert_int_equal(cast_to_largest_integral_type(r->duty), cast_to_largest_integral_type(duty), file, line);
    _assert_int_equal(cast_to_largest_integral_type(r->tax), cast_to_largest_integral_type(tax), file, line);
    _assert_int_equal(cast_to_largest_integral_type(r->tax_prepaid), cast_to_largest_integral_type(prepaid), file, line);
    _assert_int_equal(cast_to_largest_integral_type(r->due), cast_to_largest_integral_type(due), file, line);
    _assert_int_equal(cast_to_largest_integral_type(scv), cast_to_largest_integral_type(r->customs_value), file, line);
    _assert_int_equal(cast_to_largest_integral_type(sduty), cast_to_largest_integral_type(r->duty), file, line);
    _assert_int_equal(cast_to_largest_integral_type(stax), cast_to_largest_integral_type(r->tax), file, line);
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
    spec s = {.jur = "EU", .country = "DE", .currency = "EUR", .items = "610910:39.98 392690:5.00", .freight = "10.00", .model = "vendor"};
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
    spec s = {.jur = "EU", .country = "DE", .currency = "EUR", .items = "610910:39.98 392690:5.00", .freight = "10.00", .model = "vendor"};
    r = assess(&s, "2026-08-01");
    assert_true(r->computed);
    assert_int_equal(r->duty, 600);
    assert_int_equal(r->tax, 986 + 173);
    assert_true(r->tax_prepaid);
    assert_int_equal(r->due, 600);
    /* two items of one subheading pay the flat duty once */
    spec same = {.jur = "EU", .country = "DE", .currency = "EUR", .items = "610910:20.00 610910:20.00", .freight = "0.00", .model = "vendor"};
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
    spec s = {.jur = "EU", .country = "FR", .currency = "EUR", .items = "610910:200.00", .freight = "0.00", .model = "buyer"};
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
    spec s = {.jur = "US", .country = "US", .currency = "USD", .items = "610910:100.00", .freight = "0.00", .model = "buyer"};
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
    spec s = {.jur = "CA", .country = "CA", .region = "ON", .currency = "CAD", .items = "610910:100.00", .freight = "15.00", .model = "buyer", .origin = "CN", .mode = "air"};
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
    spec s = {.jur = "AU", .country = "AU", .currency = "AUD", .items = "610910:1500.00", .freight = "50.00", .model = "buyer"};
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
    spec s = {.jur = "CN", .country = "CN", .currency = "CNY", .items = "610910:300.00", .freight = "0.00", .model = "buyer", .origin = "JP"};
    r = assess(&s, "2026-06-01");
    assert_int_equal(r->duty, 0);
    assert_int_equal(r->tax, 2730);
    /* CNY 6000, above the per-transaction limit: general treatment,
     * duty 12% = 720.00, VAT 13% of 6720 = 873.60 */
    spec big = {.jur = "CN", .country = "CN", .currency = "CNY", .items = "610910:6000.00", .freight = "0.00", .model = "buyer", .origin = "JP"};
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
    spec s = {.jur = "EU", .country = "DE", .currency = "USD", .items = "610910:200.00", .freight = "0.00", .model = "buyer"};
    r = assess(&s, "2026-04-13");
    assert_int_equal(r->customs_value, 17117);
    assert_int_equal(r->duty, 2054);
    assert_int_equal(r->tax, 3642);
}

/* ---- EU ---------------------------------------------------------------------------- */

static void test_eu_threshold_150(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* EU, DE buyer (VAT 19%), buyer pays, T-shirt 12%, freight 5.00.  The
     * relief is on the intrinsic value (<= 150.00), the customs value is CIF. */
    spec s = {.jur = "EU", .items = "610910:149.99", .freight = "5.00"};
    /* 149.99 <= 150: no duty; CV 149.99 + 5.00 = 154.99; VAT 19% = 29.4481 -> 29.45 */
    EXPECT(assess(&s, "2026-06-01"), 3, 15499, 0, 2945, false, 2945);
    /* exactly 150.00: still relieved; CV 155.00; VAT 19% = 29.45 */
    s.items = "610910:150.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 15500, 0, 2945, false, 2945);
    /* 150.01 > 150: full declaration; CV 155.01; duty 12% = 18.6012 -> 18.60;
     * VAT base 155.01 + 18.60 = 173.61 x 19% = 32.9859 -> 32.99; due 18.60 + 32.99 = 51.59 */
    s.items = "610910:150.01";
    EXPECT(assess(&s, "2026-06-01"), 4, 15501, 1860, 3299, false, 5159);
}

static void test_eu_ioss_threshold(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* IOSS (vendor collects the VAT at sale) up to 150.00 inclusive */
    spec s = {.jur = "EU", .items = "610910:150.00", .model = "vendor"};
    /* 150.00: no duty; VAT 19% of 150.00 = 28.50, prepaid; nothing due at the border */
    EXPECT(assess(&s, "2026-06-01"), 2, 15000, 0, 2850, true, 0);
    /* 150.01: IOSS no longer applies; duty 12% = 18.0012 -> 18.00;
     * VAT (150.01 + 18.00) x 19% = 31.9219 -> 31.92 collected at the border; due 49.92 */
    s.items = "610910:150.01";
    EXPECT(assess(&s, "2026-06-01"), 4, 15001, 1800, 3192, false, 4992);
}

static void test_eu_excise_exceptions(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* duty_excluded_hs 22, 24, 3303: no relief even under 150 (2026-06-01, before the flat duty) */
    /* perfume 330300, 40.00: duty 4% = 1.60; VAT (40.00 + 1.60) x 19% = 7.904 -> 7.90 */
    spec s = {.jur = "EU", .items = "330300:40.00"};
    EXPECT(assess(&s, "2026-06-01"), 3, 4000, 160, 790, false, 950);
    /* beer 220300, 10.00, 2 kg net: specific 0.40/kg x 2 = 0.80; VAT 10.80 x 19% = 2.052 -> 2.05 */
    s.items = "220300:10.00:1:2000";
    EXPECT(assess(&s, "2026-06-01"), 3, 1000, 80, 205, false, 285);
    /* cigarettes 240220, 30.00, 200 g: sum of 10% = 3.00 and 20.00/kg x 0.2 = 4.00 -> 7.00;
     * VAT 37.00 x 19% = 7.03 */
    s.items = "240220:30.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 3000, 700, 703, false, 1403);
    /* the whole of chapter 22 is excluded in EU.json, mineral water too (chapter line 5%):
     * 5.00 x 5% = 0.25; VAT 5.25 x 19% = 0.9975 -> 1.00 */
    s.items = "220110:5.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 500, 25, 100, false, 125);
    /* a T-shirt 20.00 and a perfume 20.00: one excise item makes duty due on the
     * consignment, and the tariff is applied to every item (DOUBTFUL: Reg. 1186/2009
     * art. 24 denies the relief to the excise products only):
     * 20.00 x 12% = 2.40 + 20.00 x 4% = 0.80 = 3.20; VAT 22.40 x 19% = 4.256 -> 4.26,
     * 20.80 x 19% = 3.952 -> 3.95 */
    s.items = "610910:20.00 330300:20.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 4000, 320, 426 + 395, false, 320 + 821);
}

static void test_eu_flat_duty_dates_and_subheadings(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* IOSS parcel of 44.98 (T-shirt 39.98, plastics 5.00), no freight.
     * 2026-06-30: relief, VAT prepaid: 39.98 x 19% = 7.5962 -> 7.60, 5.00 x 19% = 0.95 */
    spec s = {.jur = "EU", .items = "610910:39.98 392690:5.00", .model = "vendor"};
    EXPECT(assess(&s, "2026-06-30"), 2, 4498, 0, 760 + 95, true, 0);
    /* 2026-07-01 (first day of the version): flat 3.00 per distinct subheading, two = 6.00, due
     * at the border; VAT (39.98 + 3) x 19% = 8.1662 -> 8.17, (5.00 + 3) x 19% = 1.52, prepaid */
    EXPECT(assess(&s, "2026-07-01"), 3, 4498, 600, 817 + 152, true, 600);
    /* 10-digit codes of one subheading 610910 and a third subheading 610990:
     * 610910 (once) + 610990 = 2 x 3.00 = 6.00 */
    s.items = "6109100010:10.00 6109100090:10.00 610990:10.00";
    assess(&s, "2026-07-01");
    assert_int_equal(g_rev.items[0].duty, 300);
    assert_int_equal(g_rev.items[1].duty, 0);
    assert_int_equal(g_rev.items[2].duty, 300);
    assert_int_equal(g_rev.duty, 600);
    /* exactly 150.00: flat 3.00; VAT (150 + 3) x 19% = 29.07 */
    s.items = "610910:150.00";
    EXPECT(assess(&s, "2026-07-01"), 3, 15000, 300, 2907, true, 300);
    /* 150.01: the tariff, 12% = 18.00; VAT 168.01 x 19% = 31.92 at the border */
    s.items = "610910:150.01";
    EXPECT(assess(&s, "2026-07-01"), 4, 15001, 1800, 3192, false, 4992);
    /* an excise item replaces the flat duty by the tariff on every item:
     * T-shirt 20.00 x 12% = 2.40 + perfume 20.00 x 4% = 0.80 = 3.20 (DOUBTFUL, as above) */
    s.items = "610910:20.00 330300:20.00";
    s.model = NULL;
    EXPECT(assess(&s, "2026-07-01"), 3, 4000, 320, 426 + 395, false, 320 + 821);
}

static void test_eu_member_state_rate_by_date(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* FI standard rate 24% until 2024-08-31, 25.5% from 2024-09-01 (vat-rates.json):
     * 100.00 x 24% = 24.00; 100.00 x 25.5% = 25.50 */
    spec s = {.jur = "EU", .country = "FI", .items = "610910:100.00"};
    EXPECT(assess(&s, "2024-08-31"), 3, 10000, 0, 2400, false, 2400);
    EXPECT(assess(&s, "2024-09-01"), 3, 10000, 0, 2550, false, 2550);
    /* DE books 4901: the line naming "reduced" gives DE's 7%: 20.00 x 7% = 1.40 */
    spec b = {.jur = "EU", .items = "490199:20.00"};
    EXPECT(assess(&b, "2026-06-01"), 3, 2000, 0, 140, false, 140);
}

static void test_eu_usd_threshold_with_ecb_rate(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* Sunday 2025-03-16: the latest ECB rate on or before is Friday 2025-03-14,
     * USD 1.0889 per EUR (eurofxref-hist.csv). */
    spec s = {.jur = "EU", .currency = "USD", .items = "610910:163.34"};
    /* USD 163.34 / 1.0889 = 150.0046 -> EUR 150.00: at the threshold, no duty;
     * VAT 150.00 x 19% = 28.50 */
    EXPECT(assess(&s, "2025-03-16"), 3, 15000, 0, 2850, false, 2850);
    /* USD 163.35 / 1.0889 = 150.0138 -> EUR 150.01: above; duty 12% = 18.00;
     * VAT 168.01 x 19% = 31.92 */
    s.items = "610910:163.35";
    EXPECT(assess(&s, "2025-03-16"), 4, 15001, 1800, 3192, false, 4992);
    /* USD 163.32 / 1.0889 = 149.9862 -> 149.99 */
    s.items = "610910:163.32";
    EXPECT(assess(&s, "2025-03-16"), 3, 14999, 0, 2850, false, 2850); /* 149.99 x 19% = 28.4981 -> 28.50 */
    /* JPY (no minor unit) on 2025-03-14, JPY 161.88 per EUR: goods JPY 10000 / 161.88 =
     * 61.7742 -> 61.77; freight JPY 500 / 161.88 = 3.0887 -> 3.09; CV 64.86;
     * VAT 64.86 x 19% = 12.3234 -> 12.32 */
    spec y = {.jur = "EU", .currency = "JPY", .items = "610910:10000", .freight = "500"};
    EXPECT(assess(&y, "2025-03-14"), 3, 6486, 0, 1232, false, 1232);
    assert_int_equal(g_rev.items[0].value, 6177);
    assert_int_equal(g_rev.items[0].transport, 309);
}

static void test_freight_apportionment(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* EU CIF: freight 1.00 + insurance 0.01 = 1.01 over 10.00 : 20.00 : 30.00.
     * Exact shares 16.83, 33.67, 50.50 cents -> floors 16 + 33 + 50 = 99; the 2
     * cents left go to the largest remainders (.83, .67): 17, 34, 50 = 101.
     * VAT 19% per item: 10.17 -> 1.9323 -> 1.93; 20.34 -> 3.8646 -> 3.86;
     * 30.50 -> 5.795 -> 5.80 (half away from zero); total 11.59 */
    spec s = {.jur = "EU", .items = "610910:10.00 610910:20.00 610910:30.00", .freight = "1.00", .insurance = "0.01"};
    EXPECT(assess(&s, "2026-06-01"), 3, 6101, 0, 1159, false, 1159);
    assert_int_equal(g_rev.items[0].transport, 17);
    assert_int_equal(g_rev.items[1].transport, 34);
    assert_int_equal(g_rev.items[2].transport, 50);
    assert_int_equal(g_rev.items[2].tax[0], 580);
    /* three equal items: 1.00 / 3 = 33.33 each, the cent left to the first (ties: earlier) */
    s.items = "610910:5.00 610910:5.00 610910:5.00";
    s.insurance = NULL;
    assess(&s, "2026-06-01");
    assert_int_equal(g_rev.items[0].transport, 34);
    assert_int_equal(g_rev.items[1].transport, 33);
    assert_int_equal(g_rev.items[2].transport, 33);
    /* a zero-value item gets no freight */
    s.items = "610910:0.00 610910:10.00";
    assess(&s, "2026-06-01");
    assert_int_equal(g_rev.items[0].transport, 0);
    assert_int_equal(g_rev.items[1].transport, 100);
    /* all items zero: the freight is split evenly, 34 + 33 + 33;
     * VAT 0.34 x 19% = 0.0646 -> 0.06, 0.33 x 19% = 0.0627 -> 0.06 (x2) = 0.18 */
    s.items = "610910:0.00 610910:0.00 610910:0.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 100, 0, 18, false, 18);
    assert_int_equal(g_rev.items[0].transport, 34);
}

/* ---- GB ---------------------------------------------------------------------------- */

static void test_gb_threshold_135(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* GB: duty relief and vendor VAT up to GBP 135.00 intrinsic; CIF; VAT 20% */
    spec s = {.jur = "GB", .items = "610910:134.99", .freight = "5.00"};
    /* 134.99: CV 139.99; VAT 20% = 27.998 -> 28.00 at the border */
    EXPECT(assess(&s, "2026-06-01"), 3, 13999, 0, 2800, false, 2800);
    /* 135.00: CV 140.00; VAT 28.00 */
    s.items = "610910:135.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 14000, 0, 2800, false, 2800);
    /* 135.01: CV 140.01; duty 12% = 16.8012 -> 16.80; VAT (140.01 + 16.80) x 20% = 31.362 -> 31.36 */
    s.items = "610910:135.01";
    EXPECT(assess(&s, "2026-06-01"), 4, 14001, 1680, 3136, false, 4816);
    /* UK VAT number: 135.00 prepaid (VAT 28.00 computed, nothing due) */
    s.items = "610910:135.00";
    s.model = "vendor";
    EXPECT(assess(&s, "2026-06-01"), 2, 14000, 0, 2800, true, 0);
    /* 135.01 with a UK VAT number: the seller does not charge it, the border does */
    s.items = "610910:135.01";
    EXPECT(assess(&s, "2026-06-01"), 4, 14001, 1680, 3136, false, 4816);
}

static void test_gb_gift_and_excise(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* C2C gift up to 39.00: no VAT (duty relieved by the 135 rule anyway) */
    spec g = {.jur = "GB", .items = "610910:39.00", .gift = true};
    EXPECT(assess(&g, "2026-06-01"), 2, 3900, 0, 0, false, 0);
    /* 39.01: VAT 20% = 7.802 -> 7.80 */
    g.items = "610910:39.01";
    EXPECT(assess(&g, "2026-06-01"), 3, 3901, 0, 780, false, 780);
    /* beer 220300 20.00, 2 kg, under 135 but excluded (22): 0.40/kg x 2 = 0.80;
     * VAT 20.80 x 20% = 4.16 */
    spec b = {.jur = "GB", .items = "220300:20.00:1:2000"};
    EXPECT(assess(&b, "2026-06-01"), 3, 2000, 80, 416, false, 496);
}

/* ---- US ---------------------------------------------------------------------------- */

static void test_us_thresholds_and_suspension_date(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* US: FOB (freight not in the value), no import VAT.  Section 321 until 2025-08-28 */
    spec s = {.jur = "US", .items = "610910:800.00", .freight = "25.00"};
    /* 800.00: duty free */
    EXPECT(assess(&s, "2025-08-28"), 2, 80000, 0, 0, false, 0);
    /* 800.01: duty 12% = 96.0012 -> 96.00 */
    s.items = "610910:800.01";
    EXPECT(assess(&s, "2025-08-28"), 3, 80001, 9600, 0, false, 9600);
    /* informal entry up to 2,500.00: 2500.00 is category 3, 2500.01 category 4
     * (duty 2500.01 x 12% = 300.0012 -> 300.00) */
    s.items = "610910:2500.00";
    EXPECT(assess(&s, "2025-08-28"), 3, 250000, 30000, 0, false, 30000);
    s.items = "610910:2500.01";
    EXPECT(assess(&s, "2025-08-28"), 4, 250001, 30000, 0, false, 30000);
    /* excise headings pre-suspension: beer 2203 is excluded (0.40/kg x 2 = 0.80);
     * soft drinks 2202 are not in the US list: duty free */
    spec b = {.jur = "US", .items = "220300:10.00:1:2000"};
    EXPECT(assess(&b, "2025-08-28"), 3, 1000, 80, 0, false, 80);
    b.items = "220210:10.00:1:2000";
    EXPECT(assess(&b, "2025-08-28"), 2, 1000, 0, 0, false, 0);
    /* from 2025-08-29 00:00 UTC: no relief, 10.00 x 12% = 1.20 */
    s.items = "610910:10.00";
    EXPECT(assess(&s, "2025-08-28T23:59:59Z"), 2, 1000, 0, 0, false, 0);
    EXPECT(assess(&s, "2025-08-29"), 3, 1000, 120, 0, false, 120);
    /* gifts stay relieved up to 100.00 after the suspension; 100.01 x 12% = 12.0012 -> 12.00 */
    spec g = {.jur = "US", .items = "610910:100.00", .gift = true};
    EXPECT(assess(&g, "2025-09-15"), 2, 10000, 0, 0, false, 0);
    g.items = "610910:100.01";
    EXPECT(assess(&g, "2025-09-15"), 3, 10001, 1200, 0, false, 1200);
}

static void test_us_specific_and_mixed_duties(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* after the suspension every item pays its tariff line; no tax */
    spec s = {.jur = "US", .items = "220421:10.00:1:2000"};
    /* wine, greater of 10% (1.00) and 1.50/kg x 2 kg (3.00) = 3.00 */
    EXPECT(assess(&s, "2025-09-15"), 3, 1000, 300, 0, false, 300);
    /* wine 50.00: 10% = 5.00 > 3.00 -> 5.00 */
    s.items = "220421:50.00:1:2000";
    EXPECT(assess(&s, "2025-09-15"), 3, 5000, 500, 0, false, 500);
    /* footwear, lesser of 17% and 3.00 per item: 30.00 -> min(5.10, 3.00) = 3.00;
     * 15.00 -> min(2.55, 3.00) = 2.55; 2 pairs for 30.00 -> min(5.10, 6.00) = 5.10 */
    s.items = "640299:30.00";
    EXPECT(assess(&s, "2025-09-15"), 3, 3000, 300, 0, false, 300);
    s.items = "640299:15.00";
    EXPECT(assess(&s, "2025-09-15"), 3, 1500, 255, 0, false, 255);
    s.items = "640299:30.00:2";
    EXPECT(assess(&s, "2025-09-15"), 3, 3000, 510, 0, false, 510);
    /* beer 0.40/kg on 312.5 g: 0.125 -> 0.13 (half away from zero, rounded once per item) */
    s.items = "220300:3.00:1:312.5";
    EXPECT(assess(&s, "2025-09-15"), 3, 300, 13, 0, false, 13);
    /* tobacco, sum: 30.00 x 10% = 3.00 + 20.00/kg x 0.2 kg = 4.00 -> 7.00 */
    s.items = "240220:30.00";
    EXPECT(assess(&s, "2025-09-15"), 3, 3000, 700, 0, false, 700);
}

/* ---- AU ---------------------------------------------------------------------------- */

static void test_au_threshold_1000(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* AU: FOB customs value (freight not compared), relief of duty and border GST
     * up to AUD 1,000.00; GST base adds the transport */
    spec s = {.jur = "AU", .items = "610910:999.99", .freight = "50.00"};
    EXPECT(assess(&s, "2026-06-01"), 2, 99999, 0, 0, false, 0);
    s.items = "610910:1000.00";
    EXPECT(assess(&s, "2026-06-01"), 2, 100000, 0, 0, false, 0);
    /* 1000.01: duty 12% = 120.0012 -> 120.00; GST 10% of (1000.01 + 120.00 + 50.00 =
     * 1170.01) = 117.001 -> 117.00; due 237.00 */
    s.items = "610910:1000.01";
    EXPECT(assess(&s, "2026-06-01"), 4, 100001, 12000, 11700, false, 23700);
    /* tobacco under 1000 (duty_excluded 24): duty 3.00 + 4.00 = 7.00; border GST still
     * relieved by the rule's tax threshold (DOUBTFUL: the low value GST regime does not
     * cover tobacco and alcohol, whose GST is collected at the border) */
    spec t = {.jur = "AU", .items = "240220:30.00"};
    EXPECT(assess(&t, "2026-06-01"), 3, 3000, 700, 0, false, 700);
}

static void test_au_gbp_cross_rate(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* GBP into AUD on 2025-03-14: GBP 0.84183 and AUD 1.7237 per EUR, one exact
     * cross rate, one rounding: GBP 488.00 x 1.7237 / 0.84183 = 999.2108 -> AUD 999.21 */
    spec s = {.jur = "AU", .currency = "GBP", .items = "610910:488.00"};
    EXPECT(assess(&s, "2025-03-14"), 2, 99921, 0, 0, false, 0);
    /* GBP 489.00 -> 1001.2583 -> AUD 1001.26 > 1000: duty 12% = 120.1512 -> 120.15;
     * GST (1001.26 + 120.15) x 10% = 112.141 -> 112.14 */
    s.items = "610910:489.00";
    EXPECT(assess(&s, "2025-03-14"), 4, 100126, 12015, 11214, false, 12015 + 11214);
}

/* ---- CA ---------------------------------------------------------------------------- */

static void test_ca_cusma_thresholds(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* CUSMA courier (US/MX origin, air or road): duty free to CAD 150.00, tax free to
     * 40.00.  Ontario: GST 5% + provincial 8% on value for duty + duty (FOB) */
    spec s = {.jur = "CA", .region = "ON", .origin = "US", .items = "610910:40.00", .freight = "9.00"};
    EXPECT(assess(&s, "2026-06-01"), 2, 4000, 0, 0, false, 0);
    /* 40.01: taxes, no duty: GST 2.0005 -> 2.00, ON 3.2008 -> 3.20 */
    s.items = "610910:40.01";
    EXPECT(assess(&s, "2026-06-01"), 3, 4001, 0, 520, false, 520);
    /* 150.00: GST 7.50 + ON 12.00, no duty */
    s.items = "610910:150.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 15000, 0, 1950, false, 1950);
    /* 150.01: duty 12% = 18.0012 -> 18.00; base 168.01: GST 8.4005 -> 8.40, ON 13.4408 -> 13.44 */
    s.items = "610910:150.01";
    EXPECT(assess(&s, "2026-06-01"), 3, 15001, 1800, 840 + 1344, false, 1800 + 2184);
    /* Mexico by road: CUSMA too */
    s.origin = "MX";
    s.mode = "road";
    s.items = "610910:150.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 15000, 0, 1950, false, 1950);
    /* US origin by post: the postal rule, CAD 20: 30.00: duty 3.60; base 33.60:
     * GST 1.68, ON 2.688 -> 2.69 */
    s.origin = "US";
    s.mode = "post";
    s.items = "610910:30.00";
    EXPECT(assess(&s, "2026-06-01"), 3, 3000, 360, 168 + 269, false, 360 + 437);
    /* excise (duty_excluded_hs 22, 24): beer 220300 30.00, 2 kg from the US by air: no duty
     * relief, 0.40/kg x 2 = 0.80; tax still relieved (<= 40.00) */
    spec beer = {.jur = "CA", .region = "ON", .origin = "US", .items = "220300:30.00:1:2000"};
    EXPECT(assess(&beer, "2026-06-01"), 3, 3000, 80, 0, false, 80);
    /* a province without a line (AB): GST only, 5% of 112.00 = 5.60 (duty 12.00 on 100 from CN) */
    spec ab = {.jur = "CA", .region = "AB", .items = "610910:100.00"};
    EXPECT(assess(&ab, "2026-06-01"), 3, 10000, 1200, 560, false, 1760);
}

static void test_ca_other_origins_gift_and_full(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* other origins: CAD 20.00 for duty and tax */
    spec s = {.jur = "CA", .region = "ON", .items = "610910:20.00"};
    EXPECT(assess(&s, "2026-06-01"), 2, 2000, 0, 0, false, 0);
    /* 20.01: duty 2.4012 -> 2.40; base 22.41: GST 1.1205 -> 1.12, ON 1.7928 -> 1.79 */
    s.items = "610910:20.01";
    EXPECT(assess(&s, "2026-06-01"), 3, 2001, 240, 291, false, 531);
    /* C2C gift up to 60.00: no duty, no tax */
    spec g = {.jur = "CA", .region = "ON", .items = "610910:60.00", .gift = true};
    EXPECT(assess(&g, "2026-06-01"), 2, 6000, 0, 0, false, 0);
    /* 60.01: duty 7.2012 -> 7.20; base 67.21: GST 3.3605 -> 3.36, ON 5.3768 -> 5.38 */
    g.items = "610910:60.01";
    EXPECT(assess(&g, "2026-06-01"), 3, 6001, 720, 874, false, 1594);
    /* courier low value shipment up to 3,300.00: 3300.00 is category 3, 3300.01 category 4 */
    s.items = "610910:3300.00";
    assess(&s, "2026-06-01");
    assert_int_equal(g_oc.category, 3);
    s.items = "610910:3300.01";
    assess(&s, "2026-06-01");
    assert_int_equal(g_oc.category, 4);
}

/* ---- CN ---------------------------------------------------------------------------- */

static void test_cn_per_order_limit(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* CN cross-border retail: CIF customs value up to CNY 5,000.00: 0% duty, VAT
     * 13% x 70% = 9.1%.  Goods 4990.00 + freight 10.00 = 5000.00: VAT 455.00 */
    spec s = {.jur = "CN", .origin = "JP", .items = "610910:4990.00", .freight = "10.00"};
    EXPECT(assess(&s, "2026-06-01"), 3, 500000, 0, 45500, false, 45500);
    /* freight 10.01 makes 5000.01: general trade; duty 12% = 600.0012 -> 600.00;
     * VAT 13% of 5600.01 = 728.0013 -> 728.00 */
    s.freight = "10.01";
    EXPECT(assess(&s, "2026-06-01"), 4, 500001, 60000, 72800, false, 132800);
    /* wine within the limits: 0% duty; VAT 100.00 x 9.1% = 9.10; consumption tax
     * 10% x 70% = 7.00 on the same base (docs/revenue.md: the statutory base
     * (CV + duty) / (1 - rate) is not modelled yet) */
    spec w = {.jur = "CN", .origin = "FR", .items = "220421:100.00:1:2000"};
    EXPECT(assess(&w, "2026-06-01"), 3, 10000, 0, 910 + 700, false, 1610);
}

/* ---- doubtful modelling, pinned as it is today (reported; see the comments) --------------- */

static void test_vendor_collection_and_excise_goods(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* EU IOSS with a perfume 40.00 (3303 excluded from the duty relief): duty 4% = 1.60 at the
     * border; VAT (40.00 + 1.60) x 19% = 7.90 marked prepaid.  DOUBTFUL: IOSS does not cover
     * goods subject to excise (Directive 2006/112/EC art. 369l), nor does the UK GBP 135
     * seller-collection model; here the vendor number relieves the border VAT anyway. */
    spec s = {.jur = "EU", .items = "330300:40.00", .model = "vendor"};
    EXPECT(assess(&s, "2026-06-01"), 3, 4000, 160, 790, true, 160);
    /* EU C2C gift <= 45.00 with an excise item: the gift relief never covers excise goods
     * (commit e106381), so duty 4% = 1.60 is due; VAT is relieved by the gift.
     * data/jurisdictions/README.md still says "a C2C gift <= 45: category 2 (excise goods
     * included ...)": the README is stale. */
    spec g = {.jur = "EU", .items = "330300:40.00", .gift = true};
    EXPECT(assess(&g, "2026-06-01"), 3, 4000, 160, 0, false, 160);
}

/* ---- BUGS: failing tests, kept out of the suite's list (run them with
 * BW_REVENUE_BUGS=1; each says what it should do and what it does) --------------------------- */

static void test_freight_plus_insurance_overflow(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* Was a crash (fixed): revenue.c value_items() added the converted freight and insurance in int64
     * without an overflow check (`bw_apportion(freight + insurance, ...)`): freight
     * EUR 92,233,720,368,547,758.07 (INT64_MAX cents, accepted by validation) + insurance
     * 1.00 is signed overflow - UBSan aborts the process (in bw_pipeline_run, which now
     * assesses revenue itself); without UBSan the sum wraps negative and every item gets
     * a negative transport share.  Expected: "the amounts are too large to assess". */
    spec s = {.jur = "EU", .items = "610910:10.00", .freight = "92233720368547758.07", .insurance = "1.00"};
    const bw_revenue *r = assess(&s, "2026-06-01");
    assert_false(r->computed);
    assert_non_null(r->problem);
}

static void test_bug_eu_unknown_rate_name(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* BUG: a tax line naming a rate the member state's period lacks (FR has reduced1 and
     * reduced2, no "reduced") is skipped by bw_tax_find() (ppm -1 -> not counted) and the
     * item gets no VAT at all: computed, tax 0.00, no problem.  data/taxes/README.md says
     * "a name that period lacks is a load or assessment error".  Expected: computed false
     * with a problem (or at least a problem) - never a silent 0 VAT on FR books 20.00. */
    spec s = {.jur = "EU", .country = "FR", .items = "490199:20.00"};
    const bw_revenue *r = assess(&s, "2026-06-01");
    assert_true(!r->computed || r->problem != NULL);
}

static void test_bug_au_arn_not_marked_prepaid(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* BUG (or stale doc): docs/revenue.md step 7 says a valid ARN under the vendor
     * threshold makes the GST "computed and marked prepaid", like IOSS and UK VAT.  In AU
     * the rule's tax_threshold (1000.00) relieves the tax first, so assess.c sets
     * tax_prepaid = !tax_relieved && vendor = false and the GST is neither computed nor
     * marked: tax 0.00, tax_prepaid false.  Expected per the doc: 100.00 x 10% = 10.00
     * prepaid, nothing due. */
    spec s = {.jur = "AU", .items = "610910:100.00", .model = "vendor"};
    EXPECT(assess(&s, "2026-06-01"), 2, 10000, 0, 1000, true, 0);
}

static void test_specific_duty_overflow(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* Was a bug (fixed: BW_AMOUNT_OVERFLOW): bw_tariff_duty() computed in __int128 but round_exact() cast the result to
     * int64 unchecked.  US after the suspension, watches 9101 at 5,000.00 per item (the
     * test tariff), quantity 2e13 (validation accepts it): 2e13 x 5000.00 = 1e17 USD =
     * 1e19 cents > INT64_MAX -> the duty wraps to -8,446,744,073,709,551,616 cents and the
     * assessment is "computed" with a negative duty and a negative amount due.
     * Expected: "the amounts are too large to assess". */
    spec s = {.jur = "US", .items = "910111:10.00:20000000000000"};
    const bw_revenue *r = assess(&s, "2025-09-15");
    if (r->computed) {
        assert_true(r->duty >= 0);
        assert_true(r->due >= 0);
    } else {
        assert_non_null(r->problem);
    }
}

static void test_bug_tax_line_precedence(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* BUG (code and data/taxes/README.md disagree): the README says that per tax name the
     * row with the LONGEST HS PREFIX applies, a specific region winning only on equal
     * prefix length; bw_tax_find() scores level * 100 + prefix length, so the MOST SPECIFIC
     * REGION wins whatever the prefix (tax.h says so too).  Ontario books 4901, 100.00 from
     * CN (duty 0%): "* 4901 0 PST" (longest prefix) vs "CA-ON (all goods) 8 PST".
     * README: GST 5.00 + PST 0.00 = 5.00.  Code: GST 5.00 + PST 8.00 = 13.00.  The shipped
     * files have no such pair today; one of the two texts must change. */
    spec s = {.jur = "CA", .region = "ON", .items = "490199:100.00"};
    EXPECT(assess(&s, "2026-06-01"), 3, 10000, 0, 500, false, 500);
}

static void test_bug_ca_province_not_recognised(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    /* BUG (silent under-assessment): revenue.c tax_region() builds "CA-" + region only
     * when buyer.address.region is exactly 2 characters, and matches it byte for byte;
     * "on" or "Ontario" (or no region) silently gives the GST alone - no PST/HST, no
     * warning, no problem.  CAD 100.00 from CN: duty 12.00; GST 5.60; the Ontario 8% part
     * (8.96) is lost.  Expected: the province's tax, or at least a warning or a problem. */
    spec s = {.jur = "CA", .region = "Ontario", .items = "610910:100.00"};
    const bw_revenue *r = assess(&s, "2026-06-01");
    assert_true(r->tax == 560 + 896 || r->problem != NULL || g_rec.issues.warnings > 0);
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
    bw_pipeline p = {.rd = shipped};
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
        cmocka_unit_test(test_eu_threshold_150),
        cmocka_unit_test(test_eu_ioss_threshold),
        cmocka_unit_test(test_eu_excise_exceptions),
        cmocka_unit_test(test_eu_flat_duty_dates_and_subheadings),
        cmocka_unit_test(test_eu_member_state_rate_by_date),
        cmocka_unit_test(test_eu_usd_threshold_with_ecb_rate),
        cmocka_unit_test(test_freight_apportionment),
        cmocka_unit_test(test_gb_threshold_135),
        cmocka_unit_test(test_gb_gift_and_excise),
        cmocka_unit_test(test_us_thresholds_and_suspension_date),
        cmocka_unit_test(test_us_specific_and_mixed_duties),
        cmocka_unit_test(test_au_threshold_1000),
        cmocka_unit_test(test_au_gbp_cross_rate),
        cmocka_unit_test(test_ca_cusma_thresholds),
        cmocka_unit_test(test_ca_other_origins_gift_and_full),
        cmocka_unit_test(test_cn_per_order_limit),
        cmocka_unit_test(test_vendor_collection_and_excise_goods),
        cmocka_unit_test(test_shipped_tables_cover_the_demo),
        cmocka_unit_test(test_freight_plus_insurance_overflow),
        cmocka_unit_test(test_specific_duty_overflow),
    };
    /* Failing tests of open bugs (see the issue notes), out of the suite so
     * it stays green: BW_REVENUE_BUGS=1 runs them instead. */
    const struct CMUnitTest bugs[] = {
        cmocka_unit_test(test_bug_eu_unknown_rate_name),
        cmocka_unit_test(test_bug_au_arn_not_marked_prepaid),
        cmocka_unit_test(test_bug_tax_line_precedence),
        cmocka_unit_test(test_bug_ca_province_not_recognised),
    };
    const char *bug = getenv("BW_REVENUE_BUGS");
    if (bug && *bug)
        return cmocka_run_group_tests(bugs, setup, teardown);
    return cmocka_run_group_tests(tests, setup, teardown);
}
