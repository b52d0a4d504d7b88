/*
 * test_risk.c - the risk hub, the risk policy (lanes), splitting and
 * reconciliation findings, through the real pipeline with the shipped
 * data/risk/policy.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "model/reader.h"
#include "pipeline/pipeline.h"
#include "risk/engine.h"
#include "risk/lanes.h"
#include "risk/splitting.h"

static bw_refdata *rd;

static int setup(void **state)
{
    (void)state;
    char err[1024];
    rd = bw_refdata_load(BW_DATADIR, getenv("BREAKWATER_REFDATA"), err, sizeof err);
    if (!rd)
        fprintf(stderr, "%s\n", err);
    return rd ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bw_refdata_free(rd);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/bw-risk-%d", (int)getpid());
    return system(cmd) == 0 ? 0 : -1;
}

/* An EU postal B2C parcel: one item, paid in full. */
typedef struct parcel {
    const char *id, *buyer, *seller, *date, *value, *paid;
} parcel;

static void build(const parcel *p, char *out, size_t n)
{
    snprintf(out, n,
             "{\"submitter\":{\"id\":\"POST-DE\",\"role\":\"postal\"},\"declaration_id\":\"%s\",\"jurisdiction\":\"EU\","
             "\"type\":\"import\",\"transaction_type\":\"B2C\",\"gift\":false,"
             "\"transport\":{\"mode\":\"post\",\"document_id\":\"RR123456785CN\",\"carrier\":\"CNPOST\","
             "\"loading_place\":\"CNSHA\",\"arrival_place\":\"DEFRA\",\"expected_arrival\":\"%s\"},"
             "\"order\":{\"id\":\"O-%s\",\"date\":\"%s\",\"total\":{\"amount\":\"%s\",\"currency\":\"EUR\"}},"
             "\"payment\":{\"id\":\"P-%s\",\"provider\":\"PAY\",\"amount\":{\"amount\":\"%s\",\"currency\":\"EUR\"},"
             "\"date\":\"%s\"},"
             "\"seller\":{\"id\":\"%s\",\"name\":\"Shop %s\",\"address\":{\"line\":\"1 Road\",\"city\":\"Shenzhen\","
             "\"postcode\":\"518000\",\"country\":\"CN\"}},"
             "\"buyer\":{\"name\":\"%s\",\"address\":{\"line\":\"Hauptstr. 1\",\"city\":\"Berlin\",\"postcode\":\"10115\","
             "\"country\":\"DE\"},\"email\":\"b@example.com\"},"
             "\"items\":[{\"description\":\"Cotton T-shirt\",\"hs_code\":\"610910\",\"quantity\":2,\"unit\":\"pcs\","
             "\"net_weight_g\":400,\"value\":{\"amount\":\"%s\",\"currency\":\"EUR\"},\"origin\":\"CN\"}],"
             "\"gross_weight_g\":450,\"packages\":1,\"freight\":{\"amount\":\"0.00\",\"currency\":\"EUR\"},"
             "\"collection\":{\"model\":\"buyer\"}}",
             p->id, p->date, p->id, p->date, p->value, p->id, p->paid ? p->paid : p->value, p->date, p->seller, p->seller,
             p->buyer, p->value);
}

/* How many earlier parcels the last assess() handed to the store to leave green. */
static uint32_t last_linked;

/* Runs the pipeline with `e`; returns the risk decision as parsed JSON
 * (caller puts it) and fails the test when the parcel is not accepted. */
static json_object *assess(bw_risk_engine *e, const parcel *p)
{
    char json[4096];
    build(p, json, sizeof json);
    bw_reader *r = bw_reader_new_mem(json, strlen(json), NULL);
    bw_record rec;
    bw_record_init(&rec);
    assert_int_equal(bw_reader_next(r, &rec), 1);
    bw_time t;
    assert_true(bw_time_parse("2026-11-20", 10, &t));
    bw_pipeline pl = {.rd = rd, .as_of = t, .risk = e};
    bw_outcome oc;
    bw_pipeline_run(&pl, &rec, &oc);
    if (oc.status != BW_STATUS_ACCEPTED) {
        bw_buf b = {0};
        bw_issues_json(&rec.issues, BW_ERROR, &b);
        fail_msg("not accepted: %s", bw_buf_cstr(&b));
    }
    assert_non_null(oc.risk);
    last_linked = oc.risk->n_linked;
    bw_buf b = {0};
    bw_risk_object(oc.risk, &b);
    json_object *o = json_tokener_parse(bw_buf_cstr(&b));
    assert_non_null(o); /* the decision is valid JSON */
    bw_buf_free(&b);
    bw_record_free(&rec);
    bw_reader_free(r);
    return o;
}

static bw_risk_engine *engine(void)
{
    char err[512];
    bw_risk_lists *l = bw_risk_lists_load(BW_DATADIR, err, sizeof err);
    if (!l)
        fail_msg("%s", err);
    bw_risk_engine *e = bw_risk_engine_new(l, BW_DATADIR, err, sizeof err);
    assert_non_null(e);
    return e;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The first hit whose code starts with prefix, or NULL. */
static json_object *hit(json_object *risk, const char *prefix)
{
    json_object *hits;
    assert_true(json_object_object_get_ex(risk, "hits", &hits));
    for (size_t i = 0; i < json_object_array_length(hits); i++) {
        json_object *h = json_object_array_get_idx(hits, i);
        if (!strncmp(str(h, "code"), prefix, strlen(prefix)))
            return h;
    }
    return NULL;
}

/* ---- splitting ------------------------------------------------------------- */

static void test_split_purchase_is_linked(void **state)
{
    (void)state;
    bw_risk_engine *e = engine();
    parcel a = {"S-1", "Anna Schmidt", "SELLER-9", "2026-11-18T10:00:00Z", "60.00", NULL};
    parcel b = {"S-2", "ANNA  schmidt", "SELLER-9", "2026-11-18T22:00:00Z", "60.00", NULL};
    parcel c = {"S-3", "Anna Schmidt", "SELLER-9", "2026-11-19T09:00:00Z", "60.00", NULL};
    json_object *ra = assess(e, &a), *rb = assess(e, &b), *rc = assess(e, &c);
    /* 60 + 60 = 120 is still under EUR 150: nothing yet */
    assert_null(hit(ra, "splitting"));
    assert_null(hit(rb, "splitting"));
    assert_int_equal(last_linked, 2); /* c raises a and b out of green */
    /* 180 > 150, each at or under: the third parcel links the first two */
    json_object *h = hit(rc, "splitting.linked"), *ev, *parcels;
    assert_non_null(h);
    assert_true(json_object_object_get_ex(h, "evidence", &ev));
    assert_string_equal(str(ev, "threshold"), "150.00");
    assert_string_equal(str(ev, "total"), "180.00");
    assert_true(json_object_object_get_ex(ev, "parcels", &parcels));
    assert_int_equal(json_object_array_length(parcels), 2);
    assert_string_equal(str(json_object_array_get_idx(parcels, 0), "declaration"), "POST-DE/S-1");
    /* a fourth lists all three as evidence but raises only c: a and b were
     * raised already */
    parcel d = {"S-4", "Anna Schmidt", "SELLER-9", "2026-11-19T10:00:00Z", "60.00", NULL};
    json_object *rd_ = assess(e, &d);
    assert_true(json_object_object_get_ex(hit(rd_, "splitting.linked"), "evidence", &ev));
    assert_true(json_object_object_get_ex(ev, "parcels", &parcels));
    assert_int_equal(json_object_array_length(parcels), 3);
    assert_int_equal(last_linked, 1);
    json_object_put(rd_);
    json_object_put(ra), json_object_put(rb), json_object_put(rc);
    bw_risk_engine_free(e);
}

static void test_split_needs_same_buyer_seller_window_and_under(void **state)
{
    (void)state;
    bw_risk_engine *e = engine();
    parcel p[] = {
        {"N-1", "Anna Schmidt", "SELLER-9", "2026-11-18T10:00:00Z", "100.00", NULL},
        {"N-2", "Berta Klein", "SELLER-9", "2026-11-18T11:00:00Z", "100.00", NULL},  /* other buyer */
        {"N-3", "Anna Schmidt", "SELLER-7", "2026-11-18T12:00:00Z", "100.00", NULL}, /* other seller */
        {"N-4", "Anna Schmidt", "SELLER-9", "2026-11-25T10:00:00Z", "100.00", NULL}, /* a week later */
        {"N-5", "Berta Klein", "SELLER-9", "2026-11-18T13:00:00Z", "160.00", NULL},  /* itself over */
    };
    for (size_t i = 0; i < sizeof p / sizeof *p; i++) {
        json_object *r = assess(e, &p[i]);
        assert_null(hit(r, "splitting"));
        json_object_put(r);
    }
    bw_risk_engine_free(e);
}

/* ---- reconciliation findings ------------------------------------------------ */

static void test_paid_more_than_declared_is_a_hit(void **state)
{
    (void)state;
    bw_risk_engine *e = engine();
    parcel p = {"R-1", "Carl Braun", "SELLER-1", "2026-11-18T10:00:00Z", "20.00", "95.00"};
    json_object *r = assess(e, &p), *h = hit(r, "reconciliation.payment_total");
    assert_non_null(h);
    assert_string_equal(str(h, "path"), "payment.amount");
    parcel q = {"R-2", "Carl Braun", "SELLER-1", "2026-11-18T10:00:00Z", "20.00", NULL};
    json_object *clean = assess(e, &q);
    assert_null(hit(clean, "reconciliation"));
    assert_string_equal(str(clean, "lane"), "green");
    json_object_put(r), json_object_put(clean);
    bw_risk_engine_free(e);
}

/* ---- lanes ------------------------------------------------------------------------ */

static bw_lanes *lanes_from(const char *json)
{
    char dir[64], path[128], err[512];
    snprintf(dir, sizeof dir, "/tmp/bw-risk-%d", (int)getpid());
    snprintf(path, sizeof path, "mkdir -p %s/risk", dir);
    assert_int_equal(system(path), 0);
    snprintf(path, sizeof path, "%s/risk/policy.json", dir);
    FILE *f = fopen(path, "w");
    fputs(json, f);
    fclose(f);
    bw_lanes *l = bw_lanes_load(dir, err, sizeof err);
    if (!l)
        fprintf(stderr, "policy: %s\n", err);
    return l;
}

static const char POLICY[] =
    "{\"random_seed\":\"t\",\"policies\":[{\"jurisdiction\":\"*\",\"valid_from\":\"2020-01-01\","
    "\"thresholds\":{\"blue\":20,\"yellow\":40,\"red\":70},"
    "\"random\":[{\"from\":\"green\",\"rate\":\"0.01\",\"to\":\"red\"}]}]}";

static bw_lane decide(const bw_lanes *l, bw_risk_result *r, const char *id)
{
    bw_declaration d = {0};
    d.submitter.id = BW_STR_LIT("SUB");
    d.declaration_id = (bw_str){id, (uint32_t)strlen(id)};
    bw_risk_facts f = {.decl = &d, .jurisdiction = BW_STR_LIT("EU")};
    assert_true(bw_time_parse("2026-11-20", 10, &f.when));
    bw_lanes_decide(l, &f, r);
    return r->lane;
}

static void test_points_and_forced_lanes(void **state)
{
    (void)state;
    bw_lanes *l = lanes_from(POLICY);
    assert_non_null(l);
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result r;
    /* "X-1" is not randomly selected under seed "t" (checked below) */
    bw_risk_result_init(&r, &a);
    bw_risk_add(&r, "t.a", NULL, NULL, "a", NULL, 25, BW_LANE_NONE);
    assert_int_equal(decide(l, &r, "X-1"), BW_LANE_BLUE);
    bw_risk_add(&r, "t.b", NULL, NULL, "b", NULL, 20, BW_LANE_NONE);
    assert_int_equal(decide(l, &r, "X-1"), BW_LANE_YELLOW); /* 45 */
    bw_risk_add(&r, "t.c", NULL, NULL, "c", NULL, 30, BW_LANE_NONE);
    assert_int_equal(decide(l, &r, "X-1"), BW_LANE_RED);    /* 75 */
    /* a forced lane wins over points, down as well as up */
    bw_risk_add(&r, "t.d", NULL, NULL, "trusted", NULL, 0, BW_LANE_GREEN);
    assert_int_equal(decide(l, &r, "X-1"), BW_LANE_GREEN);
    /* and the most severe forced lane wins over the others */
    bw_risk_add(&r, "t.e", NULL, NULL, "listed", NULL, 0, BW_LANE_YELLOW);
    assert_int_equal(decide(l, &r, "X-1"), BW_LANE_YELLOW);
    assert_false(r.random);
    bw_arena_free(&a);
    bw_lanes_free(l);
}

static void test_random_selection_is_reproducible_and_at_rate(void **state)
{
    (void)state;
    bw_lanes *l = lanes_from(POLICY);
    bw_arena a;
    bw_arena_init(&a);
    int selected = 0;
    for (int i = 0; i < 100000; i++) {
        char id[32];
        snprintf(id, sizeof id, "X-%d", i);
        bw_risk_result r, again;
        bw_risk_result_init(&r, &a);
        bw_risk_result_init(&again, &a);
        decide(l, &r, id);
        decide(l, &again, id);
        assert_int_equal(r.random, again.random); /* the same declaration, the same draw */
        if (r.random) {
            selected++;
            assert_int_equal(r.lane, BW_LANE_RED);
            assert_string_equal(r.hits[r.n_hits - 1].code, "random.selection");
        } else
            assert_int_equal(r.lane, BW_LANE_GREEN);
        if (i == 1)
            assert_false(r.random); /* "X-1", used above */
        bw_arena_reset(&a);
    }
    /* 1% of 100,000: 1,000 expected, sd ~31; 6 sd either way */
    assert_in_range(selected, 810, 1190);
    bw_arena_free(&a);
    bw_lanes_free(l);
}

static void test_policy_errors_name_the_place(void **state)
{
    (void)state;
    char err[512];
    const char *bad[] = {
        "{\"policies\":[{\"jurisdiction\":\"*\",\"thresholds\":{\"blue\":50,\"yellow\":40}}]}",
        "{\"policies\":[{\"jurisdiction\":\"*\",\"random\":[{\"from\":\"red\",\"rate\":\"0.1\",\"to\":\"green\"}]}]}",
        "{\"policies\":[{\"jurisdiction\":\"*\",\"random\":[{\"from\":\"green\",\"rate\":\"1.5\",\"to\":\"red\"}]}]}",
        "{\"policies\":[{\"jurisdiction\":\"*\",\"colour\":\"green\"}]}",
        "{\"policies\":[{\"valid_from\":\"2020-01-01\"}]}",
        "{\"policies\":[{\"jurisdiction\":\"CN\",\"records_required\":[\"invoice\"]}]}",
        "{\"policies\":[{\"jurisdiction\":\"*\",\"points\":{\"first_time_seller\":\"15\"}}]}",
        "{\"policies\":[{\"jurisdiction\":\"*\",\"points\":{\"lucky_number\":7}}]}",
        "not json",
    };
    const char *where[] = {"policies[0].thresholds", "policies[0].random", "policies[0].random.rate",
                           "policies[0].colour", "policies[0].jurisdiction", "policies[0].records_required",
                           "policies[0].points", "policies[0].points", "not JSON"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bw_lanes *l = lanes_from(bad[i]);
        assert_null(l);
        char dir[64];
        snprintf(dir, sizeof dir, "/tmp/bw-risk-%d", (int)getpid());
        assert_null(bw_lanes_load(dir, err, sizeof err));
        if (!strstr(err, where[i]))
            fail_msg("case %zu: \"%s\" does not name %s", i, err, where[i]);
    }
}

static void test_policy_in_force_by_date_and_jurisdiction(void **state)
{
    (void)state;
    bw_lanes *l = lanes_from("{\"policies\":["
                             "{\"jurisdiction\":\"*\",\"valid_from\":\"2020-01-01\",\"thresholds\":{\"red\":70}},"
                             "{\"jurisdiction\":\"CN\",\"valid_from\":\"2020-01-01\",\"thresholds\":{\"red\":60}},"
                             "{\"jurisdiction\":\"CN\",\"valid_from\":\"2026-01-01\",\"thresholds\":{\"red\":50},"
                             "\"records_required\":[\"order\",\"payment\"]}]}");
    assert_non_null(l);
    bw_time t2025, t2026;
    bw_time_parse("2025-06-01", 10, &t2025);
    bw_time_parse("2026-06-01", 10, &t2026);
    assert_int_equal(bw_lanes_policy(l, BW_STR_LIT("CN"), t2025)->threshold[BW_LANE_RED], 60);
    const bw_lane_policy *p = bw_lanes_policy(l, BW_STR_LIT("CN"), t2026);
    assert_int_equal(p->threshold[BW_LANE_RED], 50);
    assert_int_equal(p->records_required, BW_RECORD_ORDER | BW_RECORD_PAYMENT);
    assert_int_equal(bw_lanes_policy(l, BW_STR_LIT("EU"), t2026)->threshold[BW_LANE_RED], 70);
    /* points not given are the defaults */
    assert_int_equal(p->points.splitting, bw_risk_points_default.splitting);
    bw_lanes_free(l);
}

/* Points are data: a policy that makes first-time sellers worth 30 puts a
 * new seller's parcel in blue where the shipped 15 leaves it green. */
static void test_points_from_the_policy(void **state)
{
    (void)state;
    bw_lanes *l = lanes_from("{\"policies\":[{\"jurisdiction\":\"*\",\"valid_from\":\"2020-01-01\","
                             "\"thresholds\":{\"blue\":20,\"yellow\":40,\"red\":70},"
                             "\"points\":{\"first_time_seller\":30,\"splitting\":50}}]}");
    assert_non_null(l);
    bw_time t;
    bw_time_parse("2026-01-01", 10, &t);
    const bw_lane_policy *p = bw_lanes_policy(l, BW_STR_LIT("EU"), t);
    assert_int_equal(p->points.first_time_seller, 30);
    assert_int_equal(p->points.splitting, 50);
    assert_int_equal(p->points.aeo, bw_risk_points_default.aeo);
    bw_lanes_free(l);
    /* and the shipped policy says what the defaults are, explicitly */
    char err[256];
    bw_lanes *shipped = bw_lanes_load(BW_DATADIR, err, sizeof err);
    assert_non_null(shipped);
    const bw_lane_policy *sp = bw_lanes_policy(shipped, BW_STR_LIT("EU"), t);
    assert_int_equal(sp->points.first_time_seller, 15);
    assert_int_equal(sp->points.valuation_min, 35);
    bw_lanes_free(shipped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_purchase_is_linked),
        cmocka_unit_test(test_split_needs_same_buyer_seller_window_and_under),
        cmocka_unit_test(test_paid_more_than_declared_is_a_hit),
        cmocka_unit_test(test_points_and_forced_lanes),
        cmocka_unit_test(test_random_selection_is_reproducible_and_at_rate),
        cmocka_unit_test(test_policy_errors_name_the_place),
        cmocka_unit_test(test_policy_in_force_by_date_and_jurisdiction),
        cmocka_unit_test(test_points_from_the_policy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
