/*
 * test_simulate.c - the de minimis simulator (src/stats/simulate.h) on a
 * fixed fixture: ten GB declarations written by hand go through the real
 * pipeline (shipped GB jurisdiction; the tariff, VAT and costs written
 * here so every rate is visible) and bw_store_put, then three scenarios
 * and `current` are replayed from the store.  Every figure asserted is
 * worked out by hand in the comments.  Also: scenario text refused with
 * clear errors, the cost file's checks, the CN rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/reader.h"
#include "pipeline/row.h"
#include "stats/simulate.h"

static char dir[128], db[160];
static bw_refdata *rd;
static const bw_jurisdiction *gb;

static void write_rel(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* GB in force on 2025-06-01 (data/jurisdictions/GB.json): no duty at or
 * under GBP 135 of intrinsic value, import VAT on every consignment, full
 * declaration above 135, valued CIF.  Test rates: clothing (61) 10 %, bags
 * (42) 4 %; VAT 20 % on customs value + duty.  Costs per declaration: full
 * 10.00, simplified 1.00, relieved 0.10. */
static const char TARIFF[] = "hs\tfrom\tto\tad_valorem_pct\tspecific\tper\tcombine\tnote\n"
                             "61\t2000-01-01\t\t10\t\t\tad_valorem\tclothing 10%\n"
                             "42\t2000-01-01\t\t4\t\t\tad_valorem\tbags 4%\n";
static const char COSTS[] =
    "{\"source\":\"test\",\"jurisdictions\":{\"GB\":[{\"effective_from\":\"2021-01-01\",\"currency\":\"GBP\","
    "\"full\":\"10.00\",\"simplified\":\"1.00\",\"relieved\":\"0.10\"}]}}";

/* The fixture: value (GBP), HS chapter, origin, freight.
 *
 *  #  value  hs  origin freight  CIF    duty_high       VAT above duty thr      VAT below duty thr
 *                                                      20% x (CIF + duty)       20% x CIF
 *  1   20.00 61  CN      0       20.00   2.00           4.40                    4.00
 *  2   50.00 61  CN      0       50.00   5.00          11.00                   10.00
 *  3  100.00 42  US      0      100.00   4.00          20.80                   20.00
 *  4  130.00 61  US     10.00   140.00  14.00          30.80                   28.00
 *  5  135.00 42  CN      0      135.00   5.40          28.08                   27.00
 *  6  140.00 61  CN      0      140.00  14.00          30.80                   28.00
 *  7  200.00 42  IN      0      200.00   8.00          41.60                   40.00
 *  8  300.00 61  IN     20.00   320.00  32.00          70.40                   64.00
 *  9   10.00 42  US      0       10.00   0.40           2.08                    2.00
 * 10  500.00 61  CN      0      500.00  50.00         110.00                  100.00
 */
typedef struct fx {
    const char *value, *hs, *origin, *freight;
} fx;
static const fx FIXTURE[10] = {
    {"20.00", "610910", "CN", "0"},   {"50.00", "610910", "CN", "0"},  {"100.00", "420222", "US", "0"},
    {"130.00", "610910", "US", "10.00"}, {"135.00", "420222", "CN", "0"}, {"140.00", "610910", "CN", "0"},
    {"200.00", "420222", "IN", "0"},  {"300.00", "610910", "IN", "20.00"}, {"10.00", "420222", "US", "0"},
    {"500.00", "610910", "CN", "0"},
};

static void declaration(int i, char *out, size_t cap)
{
    const fx *f = &FIXTURE[i];
    snprintf(out, cap,
             "{\"submitter\":{\"id\":\"T\",\"role\":\"express\"},\"declaration_id\":\"D%d\",\"jurisdiction\":\"GB\","
             "\"type\":\"import\",\"transaction_type\":\"B2C\",\"gift\":false,"
             "\"transport\":{\"mode\":\"air\",\"document_id\":\"176-12345675\"},"
             "\"order\":{\"id\":\"O%d\",\"platform\":{\"id\":\"MKT\"},\"total\":{\"amount\":\"%s\",\"currency\":\"GBP\"}},"
             "\"payment\":{\"id\":\"P%d\",\"amount\":{\"amount\":\"%s\",\"currency\":\"GBP\"}},"
             "\"seller\":{\"id\":\"S\",\"name\":\"Seller\",\"address\":{\"country\":\"%s\"}},"
             "\"buyer\":{\"id\":\"B%d\",\"name\":\"Buyer %d\",\"address\":{\"line\":\"1 Road\",\"city\":\"City\","
             "\"postcode\":\"SW1A 1AA\",\"country\":\"GB\"}},"
             "\"items\":[{\"description\":\"goods\",\"hs_code\":\"%s\",\"quantity\":1,\"unit\":\"pcs\",\"net_weight_g\":200,"
             "\"value\":{\"amount\":\"%s\",\"currency\":\"GBP\"},\"origin\":\"%s\"}],\"gross_weight_g\":500,\"packages\":1,"
             "\"freight\":{\"amount\":\"%s\",\"currency\":\"GBP\"},"
             "\"collection\":{\"model\":\"buyer\",\"scheme_number\":null}}",
             i + 1, i + 1, f->value, i + 1, f->value, f->origin, i + 1, i + 1, f->hs, f->value, f->origin, f->freight);
}

/* Stores the fixture as ingest would (as of 2025-06-01). */
static void store_fixture(void)
{
    char err[512];
    bw_store *s = bw_store_open(db, err, sizeof err);
    assert_non_null(s);
    bw_time t;
    assert_true(bw_time_parse("2025-06-01", 10, &t));
    bw_pipeline pipe = {.rd = rd, .as_of = t};
    assert_true(bw_store_begin(s));
    for (int i = 0; i < 10; i++) {
        char json[4096];
        declaration(i, json, sizeof json);
        bw_reader *r = bw_reader_new_mem(json, strlen(json), NULL);
        bw_record rec;
        bw_record_init(&rec);
        assert_int_equal(bw_reader_next(r, &rec), 1);
        bw_outcome oc;
        bw_pipeline_run(&pipe, &rec, &oc);
        if (oc.status != BW_STATUS_ACCEPTED) {
            bw_buf e = {0};
            bw_issues_json(&rec.issues, BW_ERROR, &e);
            fail_msg("fixture %d rejected: %s", i + 1, bw_buf_cstr(&e));
        }
        assert_non_null(oc.sim_basis);
        bw_arena arena;
        bw_arena_init(&arena);
        bw_row_scratch scratch = {0};
        bw_buf_grow(&scratch.body, 1 << 16);
        bw_decl_row row;
        bw_row_build(&rec, &oc, "express", &arena, &scratch, true, &row);
        bw_prior prior;
        assert_int_equal(bw_store_put(s, &row, &prior), BW_PUT_STORED);
        bw_row_scratch_free(&scratch);
        bw_arena_free(&arena);
        bw_record_free(&rec);
        bw_reader_free(r);
    }
    assert_true(bw_store_commit(s));
    bw_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA");
    if (!ref || !*ref)
        return 0; /* the tests skip */
    snprintf(dir, sizeof dir, "/tmp/bw-simulate-%d", (int)getpid());
    snprintf(db, sizeof db, "%s/sim.db", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/tariffs %s/taxes %s/simulate && cp -r %s/jurisdictions %s/",
             dir, dir, dir, dir, BW_DATADIR, dir);
    if (system(cmd) != 0)
        return -1;
    write_rel("tariffs/GB.tsv", TARIFF);
    write_rel("taxes/GB.tsv", "region\ths\tfrom\tto\trate\tname\tnote\nGB\t\t2021-01-01\t\t20\tVAT\tVAT 20%\n");
    write_rel("tariffs/CN.tsv", TARIFF);
    write_rel("simulate/costs.json", COSTS);
    char err[512];
    rd = bw_refdata_load(dir, ref, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    gb = bw_jurisdiction_find(rd, (bw_str){"GB", 2});
    return gb ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bw_refdata_free(rd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define REQUIRE_REFDATA() do { if (!rd) skip(); } while (0)

static void scenario(const char *text, bw_sim_scenario *out)
{
    char err[512];
    if (!bw_sim_scenario_parse(text, gb, out, err, sizeof err))
        fail_msg("%s: %s", text, err);
}

static int64_t crossing(const bw_sim_run *r, uint32_t sc, const char *origin)
{
    return r->results[sc].crossing[(origin[0] - 'A') * 26 + (origin[1] - 'A')];
}

static void test_three_scenarios_by_hand(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    store_fixture();
    bw_sim_scenario sc[4];
    bw_sim_scenario_current(&sc[0]);
    scenario("low:duty=0,tax=0", &sc[1]);
    scenario("high:duty=150,tax=150,basis=cif", &sc[2]);
    scenario("split:duty=100.00,tax=none", &sc[3]);
    char err[512];
    bw_store *s = bw_store_open(db, err, sizeof err);
    assert_non_null(s);
    bw_sim_costs costs;
    bw_sim_run r;
    if (!bw_sim_replay(s, rd, dir, gb, sc, 4, 0, 0, &costs, &r, err, sizeof err))
        fail_msg("%s", err);
    assert_int_equal(r.consignments, 10);
    assert_int_equal(r.by_origin[('C' - 'A') * 26 + ('N' - 'A')], 5); /* #1 2 5 6 10 */
    assert_int_equal(r.by_origin[('U' - 'A') * 26 + ('S' - 'A')], 3); /* #3 4 9 */
    assert_int_equal(r.by_origin[('I' - 'A') * 26 + ('N' - 'A')], 2); /* #7 8 */

    /* current: duty above 135 of intrinsic value: #6 7 8 10 (#5 is at 135,
     * not above): 14.00 + 8.00 + 32.00 + 50.00 = 104.00.  VAT on all: above,
     * with duty in the base, #6 30.80 + #7 41.60 + #8 70.40 + #10 110.00 =
     * 252.80; below, #1 4.00 + #2 10.00 + #3 20.00 + #4 28.00 + #5 27.00 +
     * #9 2.00 = 91.00; tax 343.80.  Full declarations above 135: 4; the six
     * others owe VAT: simplified.  Cost 4 x 10.00 + 6 x 1.00 = 46.00; net
     * 447.80 - 46.00 = 401.80.  It is what was assessed. */
    const bw_sim_result *cur = &r.results[0];
    assert_int_equal(cur->duty, 10400);
    assert_int_equal(cur->tax, 34380);
    assert_int_equal(r.assessed_duty, 10400);
    assert_int_equal(r.assessed_tax, 34380);
    assert_true(bw_sim_current_matches(&r, 0));
    assert_int_equal(cur->owe_duty, 4);
    assert_int_equal(cur->owe_tax, 10);
    assert_int_equal(cur->full, 4);
    assert_int_equal(cur->simplified, 6);
    assert_int_equal(cur->relieved, 0);
    assert_int_equal(cur->cost, 4600);
    assert_int_equal(crossing(&r, 0, "CN"), 5); /* no VAT threshold: every one crosses */

    /* low (duty=0, tax=0): every consignment is above both.  Duty: 2.00 +
     * 5.00 + 4.00 + 14.00 + 5.40 + 14.00 + 8.00 + 32.00 + 0.40 + 50.00 =
     * 134.80; VAT with duty: 4.40 + 11.00 + 20.80 + 30.80 + 28.08 + 30.80 +
     * 41.60 + 70.40 + 2.08 + 110.00 = 349.96; total 484.76.  Full threshold
     * = duty threshold 0: ten full declarations, cost 100.00, net 384.76. */
    const bw_sim_result *low = &r.results[1];
    assert_int_equal(low->duty, 13480);
    assert_int_equal(low->tax, 34996);
    assert_int_equal(low->owe_duty, 10);
    assert_int_equal(low->owe_tax, 10);
    assert_int_equal(low->full, 10);
    assert_int_equal(low->cost, 10000);
    assert_int_equal(low->duty + low->tax - low->cost, 38476);

    /* high (150 on CIF): CIF values 20, 50, 100, 140, 135, 140, 200, 320,
     * 10, 500: above 150 are #7 #8 #10.  Duty 8.00 + 32.00 + 50.00 = 90.00;
     * VAT 41.60 + 70.40 + 110.00 = 222.00 (below: relieved, 0); total
     * 312.00.  3 full, 0 simplified, 7 relieved: cost 30.00 + 0.70 = 30.70;
     * net 281.30.  Crossing: CN 1 of 5 (#10), US 0 of 3, IN 2 of 2.  #4
     * (130 intrinsic, 140 CIF) stays under either way. */
    const bw_sim_result *high = &r.results[2];
    assert_int_equal(high->duty, 9000);
    assert_int_equal(high->tax, 22200);
    assert_int_equal(high->owe_duty, 3);
    assert_int_equal(high->owe_tax, 3);
    assert_int_equal(high->full, 3);
    assert_int_equal(high->simplified, 0);
    assert_int_equal(high->relieved, 7);
    assert_int_equal(high->cost, 3070);
    assert_int_equal(high->duty + high->tax - high->cost, 28130);
    assert_int_equal(crossing(&r, 2, "CN"), 1);
    assert_int_equal(crossing(&r, 2, "US"), 0);
    assert_int_equal(crossing(&r, 2, "IN"), 2);

    /* split (duty above 100 intrinsic, VAT always): duty on #4 5 6 7 8 10:
     * 14.00 + 5.40 + 14.00 + 8.00 + 32.00 + 50.00 = 123.40 (#3 is at 100).
     * VAT with duty on those six: 30.80 + 28.08 + 30.80 + 41.60 + 70.40 +
     * 110.00 = 311.68; without on #1 2 3 9: 4.00 + 10.00 + 20.00 + 2.00 =
     * 36.00; tax 347.68, total 471.08.  6 full, 4 simplified: cost 64.00,
     * net 407.08. */
    const bw_sim_result *split = &r.results[3];
    assert_int_equal(split->duty, 12340);
    assert_int_equal(split->tax, 34768);
    assert_int_equal(split->owe_duty, 6);
    assert_int_equal(split->owe_tax, 10);
    assert_int_equal(split->full, 6);
    assert_int_equal(split->simplified, 4);
    assert_int_equal(split->cost, 6400);
    assert_int_equal(split->duty + split->tax - split->cost, 40708);

    /* the JSON view carries the same figures as decimal strings */
    bw_buf out = {0};
    bw_sim_json(&r, &out);
    assert_non_null(strstr(bw_buf_cstr(&out), "\"name\":\"current\",\"in_force\":true,\"matches_assessed\":true"));
    assert_non_null(strstr(out.p, "\"net_revenue\":\"281.30\""));
    assert_non_null(strstr(out.p, "{\"origin\":\"CN\",\"consignments\":5,\"crossing\":1,\"share_pct\":\"20.00\"}"));
    out.n = 0;
    bw_sim_svg(&r, &out);
    assert_non_null(strstr(bw_buf_cstr(&out), "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(out.p, "</svg>\n"));
    bw_buf_free(&out);
    bw_sim_run_free(&r);
    bw_sim_costs_free(&costs);

    /* a period that holds nothing: the same scenarios sum to zero */
    bw_time from;
    assert_true(bw_time_parse("2025-06-02", 10, &from));
    assert_true(bw_sim_replay(s, rd, dir, gb, sc, 4, from, 0, &costs, &r, err, sizeof err));
    assert_int_equal(r.consignments, 0);
    assert_int_equal(r.results[1].duty, 0);
    bw_sim_run_free(&r);
    bw_sim_costs_free(&costs);

    /* a store made before the simulator (no basis, no catch-up mark): its
     * basis is rebuilt from the bodies and gives the same figures */
    bw_store_close(s);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "sqlite3 %s \"DELETE FROM revenue_basis; DELETE FROM meta WHERE key = 'sim_basis_through'\" 2>/dev/null", db);
    if (system(cmd) == 0) {
        s = bw_store_open(db, err, sizeof err);
        int64_t done;
        assert_true(bw_sim_catch_up(s, rd, &done, err, sizeof err));
        assert_int_equal(done, 10);
        assert_true(bw_sim_replay(s, rd, dir, gb, sc, 4, 0, 0, &costs, &r, err, sizeof err));
        assert_int_equal(r.results[2].duty, 9000);
        assert_int_equal(r.results[3].tax, 34768);
        assert_true(bw_sim_current_matches(&r, 0));
        bw_sim_run_free(&r);
        bw_sim_costs_free(&costs);
    }
    bw_store_close(s);
}

/* Each bad scenario is refused naming the scenario, the field and why. */
static void test_bad_scenarios(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"duty=10,tax=10", "expected NAME:duty=X"},
        {":duty=10,tax=10", "expected NAME:duty=X"},
        {"bad name:duty=10,tax=10", "expected NAME:duty=X"},
        {"current:duty=10,tax=10", "scenario current: the name is reserved"},
        {"a:duty=10", "scenario a: tax missing"},
        {"a:tax=10", "scenario a: duty missing"},
        {"a:duty=ten,tax=10", "scenario a: duty=ten: not a decimal amount"},
        {"a:duty=10.001,tax=10", "scenario a: duty=10.001: more decimals than the currency has (GBP: 2)"},
        {"a:duty=10,tax=-1", "scenario a: tax=-1: a threshold cannot be negative"},
        {"a:duty=10,tax=10,duty=5", "scenario a: duty given twice"},
        {"a:duty=10,tax=10,vat=5", "scenario a: unknown field \"vat\""},
        {"a:duty=10,tax=10,basis=fob", "scenario a: basis=fob: intrinsic, customs or cif"},
        {"a:duty=10,tax", "scenario a: \"tax\": expected key=value"},
        {"a:duty=99999999999999999999,tax=1", "scenario a: duty=99999999999999999999: too large"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_sim_scenario sc;
        char err[512] = "";
        if (bw_sim_scenario_parse(cases[i].text, gb, &sc, err, sizeof err))
            fail_msg("accepted: %s", cases[i].text);
        if (!strstr(err, cases[i].expect))
            fail_msg("%s: got \"%s\", expected \"%s\"", cases[i].text, err, cases[i].expect);
    }
    /* and good ones keep what they say */
    bw_sim_scenario sc;
    scenario("eu-2021:duty=none,tax=0.50,basis=customs,full=1000", &sc);
    assert_string_equal(sc.name, "eu-2021");
    assert_int_equal(sc.duty_threshold, -1);
    assert_int_equal(sc.tax_threshold, 50);
    assert_int_equal(sc.full_threshold, 100000);
    assert_int_equal(sc.basis, SIM_BASIS_CUSTOMS);
    /* CN: one per-order limit for duty and tax together */
    const bw_jurisdiction *cn = bw_jurisdiction_find(rd, (bw_str){"CN", 2});
    char err[512];
    assert_false(bw_sim_scenario_parse("a:duty=1000,tax=5000", cn, &sc, err, sizeof err));
    assert_non_null(strstr(err, "CN: duty and tax must be the same threshold"));
    assert_true(bw_sim_scenario_parse("a:duty=1000,tax=1000", cn, &sc, err, sizeof err));
}

static void test_cost_file_checks(void **state)
{
    (void)state;
    REQUIRE_REFDATA();
    static const struct {
        const char *json, *expect;
    } cases[] = {
        {"[]", "not a JSON object with \"jurisdictions\""},
        {"{\"jurisdictions\":{}}", "no collection costs for GB"},
        {"{\"jurisdictions\":{\"GB\":[{\"effective_from\":\"2021-01-01\",\"currency\":\"EUR\",\"full\":\"1\","
         "\"simplified\":\"1\",\"relieved\":\"1\"}]}}",
         "jurisdictions.GB[0].currency: must be GBP"},
        {"{\"jurisdictions\":{\"GB\":[{\"effective_from\":\"2021-01-01\",\"currency\":\"GBP\",\"full\":\"1.001\","
         "\"simplified\":\"1\",\"relieved\":\"1\"}]}}",
         "jurisdictions.GB[0].full: a decimal string in GBP"},
        {"{\"jurisdictions\":{\"GB\":[{\"effective_from\":\"2021-01-01\",\"currency\":\"GBP\",\"full\":\"1\","
         "\"simplified\":\"1\"}]}}",
         "jurisdictions.GB[0].relieved"},
        {"{\"jurisdictions\":{\"GB\":[{\"effective_from\":\"2022-01-01\",\"currency\":\"GBP\",\"full\":\"1\","
         "\"simplified\":\"1\",\"relieved\":\"1\"},{\"effective_from\":\"2021-01-01\",\"currency\":\"GBP\","
         "\"full\":\"1\",\"simplified\":\"1\",\"relieved\":\"1\"}]}}",
         "jurisdictions.GB[1].effective_from: versions must be in ascending order"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_rel("bad-costs.json", cases[i].json);
        char path[256], err[512] = "";
        snprintf(path, sizeof path, "%s/bad-costs.json", dir);
        bw_sim_costs c;
        if (bw_sim_costs_load(path, gb, &c, err, sizeof err))
            fail_msg("accepted: %s", cases[i].json);
        if (!strstr(err, cases[i].expect))
            fail_msg("got \"%s\", expected \"%s\"", err, cases[i].expect);
    }
    /* the shipped file loads for every shipped jurisdiction */
    char path[4096], err[512];
    bw_sim_costs_path(BW_DATADIR, path, sizeof path);
    for (uint32_t i = 0; i < bw_jurisdiction_count(rd); i++) {
        bw_sim_costs c;
        if (!bw_sim_costs_load(path, bw_jurisdiction_get(rd, i), &c, err, sizeof err))
            fail_msg("%s", err);
        assert_true(c.n >= 1);
        bw_sim_costs_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_scenarios_by_hand),
        cmocka_unit_test(test_bad_scenarios),
        cmocka_unit_test(test_cost_file_checks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
