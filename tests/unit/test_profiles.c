/*
 * test_profiles.c - risk profiles (src/risk/profiles.h): every criterion
 * hitting and missing, item-level criteria holding on one item together,
 * effective dates, jurisdictions, scores and forced lanes, the evidence,
 * parse errors with their member paths, the canonical JSON round trip,
 * edits and tombstones, loading files, and - the point of the indexes -
 * 10,000 synthetic profiles giving exactly the hits of checking every
 * profile, on a few hundred varied declarations.
 *
 * Declarations are built field by field (profiles read only the facts),
 * starting from one default that every single-criterion profile below
 * matches; each negative case changes one field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "risk/profiles.h"

/* ---- a declaration and its facts ------------------------------------------------ */

static bw_str S(const char *s) { return (bw_str){s, (uint32_t)strlen(s)}; }

static bw_enum E(const char *const names[], const char *raw)
{
    return (bw_enum){bw_enum_lookup(names, S(raw)), S(raw)};
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

enum { MAX_ITEMS = 8 };

typedef struct fx {
    bw_declaration d;
    bw_item items[MAX_ITEMS];
    int64_t item_value[MAX_ITEMS];
    bw_risk_facts f;
    bw_risk_result so_far;
    bw_arena arena;
} fx;

static fx X; /* the declaration under test; fx_reset() restores the default */

static void set_item(fx *x, uint32_t i, const char *hs, const char *origin, int64_t value_minor, int64_t qty_thousandths)
{
    bw_item *it = &x->items[i];
    memset(it, 0, sizeof *it);
    it->present = true;
    it->hs_code = S(hs);
    it->origin = S(origin);
    it->quantity = (bw_measure){true, true, qty_thousandths};
    x->item_value[i] = value_minor;
    if (i >= x->d.n_items)
        x->d.n_items = i + 1;
}

/* EU, 2026-06-01, one toy from CN for EUR 12.00 by air, 450 g, seller
 * S-1 (first time), buyer B-1 in DE, platform PLAT-1, carrier DHL,
 * submitter SUB-1, CNSZX -> DEFRA, vendor collection, B2C, category 2. */
static void fx_reset(void)
{
    fx *x = &X;
    bw_arena_reset(&x->arena);
    memset(&x->d, 0, sizeof x->d);
    memset(x->items, 0, sizeof x->items);
    bw_declaration *d = &x->d;
    d->present = true;
    d->jurisdiction = S("EU");
    d->submitter = (bw_submitter){true, S("SUB-1"), E(bw_role_names, "express")};
    d->transaction_type = E(bw_txn_type_names, "B2C");
    d->transport.present = true;
    d->transport.mode = E(bw_transport_mode_names, "air");
    d->transport.carrier = S("DHL");
    d->transport.loading_place = S("CNSZX");
    d->transport.arrival_place = S("DEFRA");
    d->order.present = true;
    d->order.platform = (bw_platform){true, S("PLAT-1"), S("Platform"), BW_STR_NULL};
    d->seller.present = true;
    d->seller.id = S("S-1");
    d->buyer.present = true;
    d->buyer.id = S("B-1");
    d->buyer.address = (bw_address){true, S("1 Road"), S("Berlin"), S("10115"), BW_STR_NULL, S("DE")};
    d->collection = (bw_collection){true, E(bw_collection_model_names, "vendor"), BW_STR_NULL, BW_STR_NULL};
    d->gross_weight = (bw_measure){true, true, 450000};
    d->items = x->items;
    set_item(x, 0, "950300", "CN", 1200, 1000);
    bw_risk_result_init(&x->so_far, &x->arena);
    x->f = (bw_risk_facts){
        .decl = d,
        .jurisdiction = d->jurisdiction,
        .when = day("2026-06-01"),
        .category = 2,
        .currency = "EUR",
        .exponent = 2,
        .consignment_value = 1200,
        .item_value = x->item_value,
        .party_flags = BW_PARTY_FIRST_TIME_SELLER,
        .so_far = &x->so_far,
    };
}

static int setup(void **state)
{
    (void)state;
    bw_arena_init(&X.arena);
    fx_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bw_arena_free(&X.arena);
    return 0;
}

/* ---- profiles --------------------------------------------------------------------- */

static bw_profile *parse(const char *json)
{
    char err[512] = "";
    bw_profile *p = bw_profile_parse(json, strlen(json), err, sizeof err);
    if (!p)
        fail_msg("parse: %s\n  in %s", err, json);
    return p;
}

/* A profile with this "when" (and extra top-level members, may be ""). */
static bw_profile *profile_when(const char *id, const char *when, const char *extra)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"id\":\"%s\",\"owner\":\"analyst.test\",\"reason\":\"test %s\",\"valid_from\":\"2025-01-01\","
             "\"when\":%s,\"score\":10%s%s}",
             id, id, when, *extra ? "," : "", extra);
    return parse(json);
}

static bw_profiles *set_of(bw_profile **v, size_t n)
{
    bw_profiles *ps = bw_profiles_compile(NULL, v, n);
    for (size_t i = 0; i < n; i++)
        bw_profile_free(v[i]);
    return ps;
}

static bw_profiles *one(const char *when, const char *extra)
{
    bw_profile *p = profile_when("RP-T", when, extra);
    return set_of(&p, 1);
}

/* Evaluates into a fresh result; the ids of the hits, comma-separated. */
static const char *hits_of(const bw_profiles *ps, bw_risk_result *r)
{
    static char ids[1024];
    bw_risk_result_init(r, &X.arena);
    bw_profiles_evaluate(ps, &X.f, r);
    ids[0] = 0;
    for (uint32_t i = 0; i < r->n_hits; i++) {
        assert_string_equal(r->hits[i].code, "profile");
        size_t n = strlen(ids);
        snprintf(ids + n, sizeof ids - n, "%s%s", i ? "," : "", r->hits[i].ref);
    }
    return ids;
}

static bool hits(const bw_profiles *ps)
{
    bw_risk_result r;
    return *hits_of(ps, &r) != 0;
}

/* The member `key` of the criteria of a hit's evidence, or NULL. */
static const char *criterion(const bw_risk_hit *h, const char *key)
{
    static char out[512];
    json_object *o = json_tokener_parse(h->evidence);
    if (!o)
        fail_msg("evidence is not JSON: %s", h->evidence);
    json_object *c = NULL, *v = NULL;
    const char *s = NULL;
    if (json_object_object_get_ex(o, "criteria", &c) && json_object_object_get_ex(c, key, &v))
        s = json_object_get_string(v);
    if (s)
        snprintf(out, sizeof out, "%s", s);
    json_object_put(o);
    return s ? out : NULL;
}

/* ---- every criterion, hitting and missing ------------------------------------------- */

typedef struct crit_case {
    const char *when;
    void (*miss)(void);    /* makes the default declaration miss */
    const char *key;       /* the evidence member */
    const char *evidence;  /* its value on the default declaration */
} crit_case;

static void miss_hs(void) { X.items[0].hs_code = S("610910"); }
static void miss_origin(void) { X.items[0].origin = S("VN"); }
static void miss_destination(void) { X.d.buyer.address.country = S("FR"); }
static void miss_loading_country(void) { X.d.transport.loading_place = S("HKHKG"); }
static void miss_loading_code(void) { X.d.transport.loading_place = S("CNSHA"); }
static void miss_arrival(void) { X.d.transport.arrival_place = S("DELEJ"); }
static void miss_mode(void) { X.d.transport.mode = E(bw_transport_mode_names, "post"); }
static void miss_seller(void) { X.d.seller.id = S("S-10"); }
static void miss_buyer(void) { X.d.buyer.id = S("B-"); }
static void miss_platform(void) { X.d.order.platform.id = BW_STR_NULL; }
static void miss_carrier(void) { X.d.transport.carrier = S("dhl"); }
static void miss_submitter(void) { X.d.submitter.id = S("SUB-2"); }
static void miss_value(void) { X.f.consignment_value = 15001; }
static void miss_value_unknown(void) { X.f.consignment_value = -1; }
static void miss_weight(void) { X.d.gross_weight.value = 500001; }
static void miss_unit_value(void) { X.items[0].quantity.value = 500; } /* 12.00 for half a unit: 24.00 */
static void miss_value_per_kg(void) { X.d.gross_weight.value = 5999999; } /* 12.00 / 5.999999 kg > 2.00 */
static void miss_collection(void) { X.d.collection.model = E(bw_collection_model_names, "buyer"); }
static void miss_transaction(void) { X.d.transaction_type = E(bw_txn_type_names, "B2B"); }
static void miss_category(void) { X.f.category = 4; }
static void miss_party(void) { X.f.party_flags = BW_PARTY_OCCASIONAL_SELLER; }
static void miss_hits(void)
{
    bw_risk_result_init(&X.so_far, &X.arena);
    bw_risk_add(&X.so_far, "screeningx.prohibited", "T1", NULL, "not a screening hit", NULL, 5, BW_LANE_NONE);
    bw_risk_add(&X.so_far, "watchlist.name", "W1", NULL, "other kind", NULL, 5, BW_LANE_NONE);
}

static void test_each_criterion(void **state)
{
    (void)state;
    static const crit_case cases[] = {
        {"{\"hs\":[\"9503\",\"33\"]}", miss_hs, "hs", "950300 (items[0])"},
        {"{\"hs\":[\"950300\"]}", miss_hs, "hs", "950300 (items[0])"},
        {"{\"origin\":[\"HK\",\"CN\"]}", miss_origin, "origin", "CN (items[0])"},
        {"{\"destination\":[\"DE\"]}", miss_destination, "destination", "DE"},
        {"{\"loading\":[\"CN\"]}", miss_loading_country, "loading", "CNSZX"},
        {"{\"loading\":[\"CNSZX\",\"HKHKG\"]}", miss_loading_code, "loading", "CNSZX"},
        {"{\"arrival\":[\"DEFRA\"]}", miss_arrival, "arrival", "DEFRA"},
        {"{\"mode\":[\"air\",\"road\"]}", miss_mode, "mode", "air"},
        {"{\"seller\":[\"S-1\",\"S-2\"]}", miss_seller, "seller", "S-1"},
        {"{\"buyer\":[\"B-1\"]}", miss_buyer, "buyer", "B-1"},
        {"{\"platform\":[\"PLAT-1\"]}", miss_platform, "platform", "PLAT-1"},
        {"{\"carrier\":[\"DHL\"]}", miss_carrier, "carrier", "DHL"},
        {"{\"submitter\":[\"SUB-1\"]}", miss_submitter, "submitter", "SUB-1"},
        {"{\"value\":{\"max\":\"150.00\"}}", miss_value, "value", "12.00 <= 150.00"},
        {"{\"value\":{\"min\":\"0\",\"max\":\"150\"}}", miss_value_unknown, "value", "0 <= 12.00 <= 150"},
        {"{\"weight_g\":{\"min\":\"450\",\"max\":\"500\"}}", miss_weight, "weight_g", "450 <= 450 <= 500"},
        {"{\"unit_value\":{\"max\":\"12.00\"}}", miss_unit_value, "unit_value", "12.00 / 1 <= 12.00 (items[0])"},
        {"{\"value_per_kg\":{\"max\":\"2.00\"}}", miss_value_per_kg, "value_per_kg", NULL},
        {"{\"collection\":[\"vendor\"]}", miss_collection, "collection", "vendor"},
        {"{\"transaction\":[\"b2c\",\"C2C\"]}", miss_transaction, "transaction", "B2C"},
        {"{\"category\":[2,3]}", miss_category, "category", "2"},
        {"{\"party\":[\"first_time_seller\",\"first_time_buyer\"]}", miss_party, "party", "first_time_seller"},
        {"{\"hits\":[\"screening\"]}", miss_hits, "hits", "screening.prohibited"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const crit_case *c = &cases[i];
        fx_reset();
        if (c->miss == miss_value_per_kg) /* 12.00 at 6 kg: exactly 2.00 a kg */
            X.d.gross_weight.value = 6000000;
        if (c->miss == miss_hits)
            bw_risk_add(&X.so_far, "screening.prohibited", "T1", NULL, "a screening hit", NULL, 5, BW_LANE_NONE);
        bw_profiles *ps = one(c->when, "");
        bw_risk_result r;
        if (strcmp(hits_of(ps, &r), "RP-T") != 0)
            fail_msg("case %zu %s: expected a hit", i, c->when);
        const char *ev = criterion(&r.hits[0], c->key);
        if (!ev)
            fail_msg("case %zu: no evidence for %s in %s", i, c->key, r.hits[0].evidence);
        if (c->evidence)
            assert_string_equal(ev, c->evidence);
        c->miss();
        if (hits(ps))
            fail_msg("case %zu %s: expected no hit after the change", i, c->when);
        bw_profiles_free(ps);
    }
}

static void test_value_per_kg_evidence(void **state)
{
    (void)state;
    fx_reset();
    X.d.gross_weight.value = 6000000; /* 6 kg, 12.00: 2.00 a kg */
    bw_profiles *ps = one("{\"value_per_kg\":{\"max\":\"2.00\"},\"weight_g\":{\"min\":\"2000\"}}", "");
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-T");
    assert_string_equal(criterion(&r.hits[0], "value_per_kg"), "12.00 / 6 kg <= 2.00");
    assert_string_equal(criterion(&r.hits[0], "weight_g"), "2000 <= 6000");
    X.d.gross_weight.value = 1999999; /* under 2 kg: the weight criterion fails */
    assert_false(hits(ps));
    X.d.gross_weight.present = false; /* no weight: nothing per kg */
    assert_false(hits(ps));
    bw_profiles_free(ps);
}

/* A currency with no minor unit: amounts compare exactly at any exponent. */
static void test_amount_exponents(void **state)
{
    (void)state;
    fx_reset();
    X.f.currency = "JPY";
    X.f.exponent = 0;
    X.f.consignment_value = 150;
    bw_profiles *ps = one("{\"value\":{\"max\":\"150.00\"}}", "");
    assert_true(hits(ps));
    X.f.consignment_value = 151;
    assert_false(hits(ps));
    X.f.currency = NULL; /* currency unknown: amounts are unknown */
    X.f.consignment_value = 100;
    assert_false(hits(ps));
    bw_profiles_free(ps);
    /* a unit value with a fractional quantity: 10.00 for 2.5 kg = 4.00 */
    fx_reset();
    set_item(&X, 0, "950300", "CN", 1000, 2500);
    ps = one("{\"unit_value\":{\"min\":\"4.00\",\"max\":\"4.00\"}}", "");
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-T");
    assert_string_equal(criterion(&r.hits[0], "unit_value"), "4.00 <= 10.00 / 2.5 <= 4.00 (items[0])");
    X.item_value[0] = 1001; /* 4.0004 */
    assert_false(hits(ps));
    X.item_value[0] = 1000;
    X.items[0].quantity.present = false; /* no quantity: one unit, 10.00 */
    assert_false(hits(ps));
    bw_profiles_free(ps);
}

/* ---- item-level criteria hold on one item together ------------------------------------- */

static void test_item_level_and(void **state)
{
    (void)state;
    fx_reset();
    set_item(&X, 0, "950300", "VN", 1200, 1000);
    set_item(&X, 1, "610910", "CN", 300, 1000);
    bw_profiles *ps = one("{\"hs\":[\"9503\"],\"origin\":[\"CN\"]}", "");
    /* a toy from VN and a T-shirt from CN: no item is a toy from CN */
    assert_false(hits(ps));
    set_item(&X, 2, "950390", "CN", 500, 1000);
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-T");
    assert_string_equal(criterion(&r.hits[0], "hs"), "950390 (items[2])");
    assert_string_equal(criterion(&r.hits[0], "origin"), "CN (items[2])");
    bw_profiles_free(ps);

    /* unit value on the same item as the HS code: the cheap item is the T-shirt */
    fx_reset();
    set_item(&X, 0, "950300", "CN", 1200, 1000);
    set_item(&X, 1, "610910", "CN", 100, 1000);
    ps = one("{\"hs\":[\"9503\"],\"unit_value\":{\"max\":\"2.00\"}}", "");
    assert_false(hits(ps));
    X.item_value[0] = 150; /* now the toy is cheap */
    assert_true(hits(ps));
    bw_profiles_free(ps);
}

/* ---- dates, jurisdictions, outcome -------------------------------------------------------- */

static void test_effective_dates(void **state)
{
    (void)state;
    fx_reset();
    bw_profile *p = parse("{\"id\":\"RP-D\",\"owner\":\"o\",\"reason\":\"June only\",\"valid_from\":\"2026-06-01\","
                          "\"valid_to\":\"2026-06-30\",\"when\":{\"seller\":[\"S-1\"]},\"score\":5}");
    bw_profiles *ps = set_of(&p, 1);
    X.f.when = day("2026-05-31T23:59:59Z");
    assert_false(hits(ps));
    X.f.when = day("2026-06-01");
    assert_true(hits(ps));
    X.f.when = day("2026-06-30T23:59:59Z"); /* valid_to is the last day in force */
    assert_true(hits(ps));
    X.f.when = day("2026-07-01");
    assert_false(hits(ps));
    bw_profiles_free(ps);
}

static void test_jurisdictions(void **state)
{
    (void)state;
    fx_reset();
    bw_profile *v[3] = {
        profile_when("RP-GB", "{\"seller\":[\"S-1\"]}", "\"jurisdictions\":[\"GB\"]"),
        profile_when("RP-EUGB", "{\"seller\":[\"S-1\"]}", "\"jurisdictions\":[\"GB\",\"EU\"]"),
        profile_when("RP-ALL", "{\"seller\":[\"S-1\"]}", "\"jurisdictions\":[]"),
    };
    bw_profiles *ps = set_of(v, 3);
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-ALL,RP-EUGB");
    X.f.jurisdiction = S("GB");
    assert_string_equal(hits_of(ps, &r), "RP-ALL,RP-EUGB,RP-GB");
    X.f.jurisdiction = S("US"); /* named by no profile */
    assert_string_equal(hits_of(ps, &r), "RP-ALL");
    X.f.jurisdiction = BW_STR_NULL;
    assert_string_equal(hits_of(ps, &r), "RP-ALL");
    bw_profiles_free(ps);
    /* a profile for a jurisdiction with no criteria hits all its declarations */
    fx_reset();
    bw_profile *p = parse("{\"id\":\"RP-J\",\"owner\":\"o\",\"reason\":\"r\",\"valid_from\":\"2025-01-01\","
                          "\"jurisdictions\":[\"EU\"],\"score\":1}");
    ps = set_of(&p, 1);
    assert_true(hits(ps));
    assert_int_equal(bw_profiles_anchor_of(ps, 0), BW_ANCHOR_ALWAYS);
    X.f.jurisdiction = S("GB");
    assert_false(hits(ps));
    bw_profiles_free(ps);
}

static void test_score_and_lane(void **state)
{
    (void)state;
    fx_reset();
    bw_profile *v[3] = {
        profile_when("RP-1", "{\"hs\":[\"95\"]}", "\"lane\":\"yellow\""),
        parse("{\"id\":\"RP-2\",\"owner\":\"o\",\"reason\":\"trusted\",\"valid_from\":\"2025-01-01\","
              "\"when\":{\"submitter\":[\"SUB-1\"]},\"score\":-25}"),
        parse("{\"id\":\"RP-3\",\"owner\":\"o\",\"reason\":\"green lane\",\"valid_from\":\"2025-01-01\","
              "\"when\":{\"carrier\":[\"DHL\"]},\"lane\":\"green\"}"),
    };
    bw_profiles *ps = set_of(v, 3);
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-1,RP-2,RP-3");
    assert_int_equal(r.hits[0].score, 10);
    assert_int_equal(r.hits[0].lane, BW_LANE_YELLOW);
    assert_int_equal(r.hits[1].score, -25);
    assert_int_equal(r.hits[1].lane, BW_LANE_NONE);
    assert_int_equal(r.hits[2].score, 0);
    assert_int_equal(r.hits[2].lane, BW_LANE_GREEN);
    assert_int_equal(r.score, 10 - 25);
    assert_string_equal(r.hits[1].reason, "trusted");
    bw_profiles_free(ps);
}

/* The brief's example profile, its hit and its evidence. */
static const char EXAMPLE[] =
    "{\"id\": \"RP-EU-0001\", \"owner\": \"analyst.mueller\", \"reason\": \"Counterfeit-prone toys from first-time sellers\","
    " \"valid_from\": \"2025-01-01\", \"valid_to\": null, \"jurisdictions\": [\"EU\",\"GB\"],"
    " \"when\": {"
    "   \"hs\": [\"9503\", \"950300\"], \"origin\": [\"CN\",\"HK\"], \"destination\": [\"DE\",\"FR\"],"
    "   \"loading\": [\"CN\",\"HKHKG\"], \"arrival\": [\"DEFRA\"], \"mode\": [\"air\",\"post\"],"
    "   \"seller\": [\"S-123\", \"S-1\"], \"buyer\": [], \"platform\": [\"PLAT-1\"], \"carrier\": [\"DHL\"], \"submitter\": [],"
    "   \"value\": {\"min\": \"0\", \"max\": \"150.00\"}, \"weight_g\": {\"min\": \"0\", \"max\": \"500\"}, \"unit_value\": {\"max\": \"12.00\"},"
    "   \"collection\": [\"vendor\"], \"transaction\": [\"b2c\"], \"category\": [2,3], \"hits\": [\"screening\", \"watchlist.name\"],"
    "   \"party\": [\"first_time_seller\"]"
    " },"
    " \"score\": 30, \"lane\": \"yellow\"}";

static void test_example_evidence(void **state)
{
    (void)state;
    fx_reset();
    bw_risk_add(&X.so_far, "watchlist.name", "W-7", "seller.name", "known offender", NULL, 40, BW_LANE_RED);
    bw_profile *p = parse(EXAMPLE);
    bw_profiles *ps = set_of(&p, 1);
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-EU-0001");
    const bw_risk_hit *h = &r.hits[0];
    assert_string_equal(h->ref, "RP-EU-0001");
    assert_string_equal(h->reason, "Counterfeit-prone toys from first-time sellers");
    assert_int_equal(h->score, 30);
    assert_int_equal(h->lane, BW_LANE_YELLOW);
    assert_string_equal(h->path, "");
    static const char *const expect[][2] = {
        {"hs", "950300 (items[0])"}, {"origin", "CN (items[0])"}, {"destination", "DE"}, {"loading", "CNSZX"},
        {"arrival", "DEFRA"}, {"mode", "air"}, {"seller", "S-1"}, {"platform", "PLAT-1"}, {"carrier", "DHL"},
        {"value", "0 <= 12.00 <= 150.00"}, {"weight_g", "0 <= 450 <= 500"},
        {"unit_value", "12.00 / 1 <= 12.00 (items[0])"}, {"collection", "vendor"}, {"transaction", "B2C"},
        {"category", "2"}, {"hits", "watchlist.name"}, {"party", "first_time_seller"},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const char *v = criterion(h, expect[i][0]);
        if (!v || strcmp(v, expect[i][1]) != 0)
            fail_msg("evidence %s: got %s, want %s in %s", expect[i][0], v ? v : "(none)", expect[i][1], h->evidence);
    }
    assert_null(criterion(h, "buyer")); /* an empty list is no criterion */
    json_object *o = json_tokener_parse(h->evidence), *owner = NULL;
    assert_true(json_object_object_get_ex(o, "owner", &owner));
    assert_string_equal(json_object_get_string(owner), "analyst.mueller");
    json_object_put(o);
    /* and each criterion alone can stop it */
    X.items[0].origin = S("VN");
    assert_false(hits(ps));
    bw_profiles_free(ps);
}

/* "hits" looks at what the earlier detectors found, not at the profiles'
 * own hits added during the same evaluation (so_far may be the result). */
static void test_hits_are_earlier_detectors(void **state)
{
    (void)state;
    fx_reset();
    bw_profile *v[2] = {
        profile_when("RP-A", "{\"seller\":[\"S-1\"]}", ""),
        profile_when("RP-B", "{\"hits\":[\"profile\"]}", ""),
    };
    bw_profiles *ps = set_of(v, 2);
    bw_risk_result r;
    bw_risk_result_init(&r, &X.arena);
    X.f.so_far = &r;
    bw_profiles_evaluate(ps, &X.f, &r);
    assert_int_equal(r.n_hits, 1);
    assert_string_equal(r.hits[0].ref, "RP-A");
    /* a second pass does see the first's hit */
    bw_profiles_evaluate(ps, &X.f, &r);
    assert_int_equal(r.n_hits, 3);
    assert_string_equal(r.hits[2].ref, "RP-B");
    bw_profiles_free(ps);
}

/* ---- anchors --------------------------------------------------------------------------------- */

static void test_anchors(void **state)
{
    (void)state;
    fx_reset();
    static const struct {
        const char *when;
        bw_profile_anchor anchor;
    } cases[] = {
        {"{\"seller\":[\"S-1\"],\"hs\":[\"95\"],\"origin\":[\"CN\"]}", BW_ANCHOR_SELLER},
        {"{\"hs\":[\"9503\"],\"origin\":[\"CN\"]}", BW_ANCHOR_HS_ORIGIN},
        {"{\"hs\":[\"95\"],\"party\":[\"first_time_seller\"]}", BW_ANCHOR_PARTY_HS},
        {"{\"loading\":[\"CN\"],\"arrival\":[\"DEFRA\"]}", BW_ANCHOR_ROUTE},
        {"{\"hits\":[\"screening\"],\"party\":[\"first_time_seller\"]}", BW_ANCHOR_HITS},
        {"{\"hs\":[\"950300\"],\"mode\":[\"air\"]}", BW_ANCHOR_HS},
        {"{\"destination\":[\"DE\"],\"mode\":[\"air\"]}", BW_ANCHOR_DESTINATION},
        {"{\"mode\":[\"air\"],\"collection\":[\"vendor\"]}", BW_ANCHOR_MODE},
        {"{\"value\":{\"min\":\"10\",\"max\":\"13\"}}", BW_ANCHOR_VALUE},
        {"{\"weight_g\":{\"max\":\"500\"}}", BW_ANCHOR_WEIGHT},
        {"{\"value_per_kg\":{\"max\":\"30\"}}", BW_ANCHOR_VALUE_PER_KG},
        {"{\"unit_value\":{\"max\":\"13\"}}", BW_ANCHOR_UNIT_VALUE},
        {"{\"value\":{\"min\":\"0\"}}", BW_ANCHOR_ALWAYS},
    };
    bw_risk_add(&X.so_far, "screening.prohibited", "T1", NULL, "a screening hit", NULL, 5, BW_LANE_NONE);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_profiles *ps = one(cases[i].when, "");
        if (bw_profiles_anchor_of(ps, 0) != cases[i].anchor)
            fail_msg("%s: filed under %s, want %s", cases[i].when, bw_profile_anchor_names[bw_profiles_anchor_of(ps, 0)],
                     bw_profile_anchor_names[cases[i].anchor]);
        /* the default declaration meets each of them, whatever the index */
        if (!hits(ps))
            fail_msg("%s: no hit", cases[i].when);
        bw_profiles_free(ps);
    }
    /* a seller-anchored profile hits that seller only; the unanchored one
     * is checked for every declaration */
    bw_profile *v[2] = {profile_when("RP-S", "{\"seller\":[\"S-1\"]}", ""),
                        profile_when("RP-U", "{\"value\":{\"min\":\"0\"}}", "")};
    bw_profiles *ps = set_of(v, 2);
    bw_profiles_jur_stats st[4];
    assert_int_equal(bw_profiles_stats(ps, st, 4), 1);
    assert_string_equal(st[0].jurisdiction, "*");
    assert_int_equal(st[0].by_anchor[BW_ANCHOR_SELLER], 1);
    assert_int_equal(st[0].by_anchor[BW_ANCHOR_ALWAYS], 1);
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-S,RP-U");
    X.d.seller.id = S("S-2");
    assert_string_equal(hits_of(ps, &r), "RP-U");
    X.d.seller.id = S("S-");
    assert_string_equal(hits_of(ps, &r), "RP-U");
    bw_profiles_free(ps);
}

/* ---- the indexes agree with checking every profile --------------------------------------------- */

static uint64_t rng_state;
static unsigned rnd(unsigned n)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (unsigned)((z ^ (z >> 31)) % n);
}
#define ONE_OF(arr) arr[rnd(sizeof arr / sizeof arr[0])]

/* Storage for one random declaration's strings. */
static char g_text[64][16];

static bw_str textf(int slot, const char *fmt, unsigned v)
{
    snprintf(g_text[slot], sizeof g_text[slot], fmt, v);
    return S(g_text[slot]);
}

/* A declaration drawn from the vocabularies analysts' profiles use, so
 * that many of the synthetic profiles hit something. */
static void random_declaration(void)
{
    static const char *const jurs[] = {"EU", "GB", "US", "AU", "CA", "CN", "XX"};
    static const char *const chapters[] = {"33", "42", "61", "62", "64", "71", "85", "91", "95", "30", "39", "84",
                                           "90", "94", "63", "65", "96", "49", "21", "24", "10"};
    static const char *const countries[] = {"CN", "CN", "HK", "VN", "IN", "TR", "US", "JP", "KR", "DE", "GB", "TH",
                                            "MY", "ID", "PK", "BD", "MX", "FR", "IT", "ES", "NL", "PL", "CA", "AU"};
    static const char *const places[] = {"CNSZX", "CNCAN", "CNHGH", "CNSHA", "HKHKG", "KRSEL", "JPTYO", "TRIST",
                                         "DEFRA", "DELEJ", "FRCDG", "GBLHR", "GBEMA", "USLAX", "USJFK", "CAYYZ",
                                         "AUSYD", "AUMEL", "VNSGN", "CNXMN"};
    static const char *const modes[] = {"air", "post", "road", "sea", "rail"};
    static const char *const colls[] = {"vendor", "intermediary", "buyer"};
    static const char *const txns[] = {"B2C", "C2C", "B2B"};
    static const char *const hit_codes[] = {"screening.prohibited", "screening.restricted", "watchlist.name",
                                            "watchlist.address", "valuation.low", "textclass.mismatch", "splitting"};
    fx_reset();
    bw_declaration *d = &X.d;
    int t = 0;
    d->jurisdiction = S(ONE_OF(jurs));
    X.f.jurisdiction = d->jurisdiction;
    X.f.when = day("2024-01-01") + (bw_time)rnd(3 * 365) * 86400;
    d->seller.id = textf(t++, "SELLER-%u", 1 + rnd(rnd(4) ? 200000 : 3000));
    d->buyer.id = textf(t++, "B-%u", 1 + rnd(1000000));
    d->order.platform.id = textf(t++, "MKT-%u", 1 + rnd(40));
    d->transport.carrier = textf(t++, "EXPRESS-%u", 1 + rnd(40));
    d->submitter.id = textf(t++, "SUB-%u", rnd(5));
    d->buyer.address.country = S(ONE_OF(countries));
    d->transport.loading_place = rnd(10) ? S(ONE_OF(places)) : BW_STR_NULL;
    d->transport.arrival_place = rnd(10) ? S(ONE_OF(places)) : BW_STR_NULL;
    d->transport.mode = E(bw_transport_mode_names, ONE_OF(modes));
    d->collection.model = E(bw_collection_model_names, ONE_OF(colls));
    d->transaction_type = E(bw_txn_type_names, ONE_OF(txns));
    X.f.category = (uint8_t)rnd(5);
    X.f.party_flags = rnd(3) ? 0 : 1u << rnd(8);
    d->gross_weight = (bw_measure){true, true, (int64_t)rnd(12000) * 1000 + rnd(1000)};
    X.f.consignment_value = rnd(20) ? (int64_t)rnd(40000) : -1;
    d->n_items = 0;
    unsigned n = 1 + rnd(4);
    for (unsigned i = 0; i < n; i++) {
        char *hs = g_text[t++];
        snprintf(hs, 16, "%s%02u%02u", ONE_OF(chapters), 1 + rnd(30), rnd(10) * 10 + (rnd(3) ? 0 : 9));
        if (rnd(4) == 0)
            snprintf(hs + 6, 10, "%02u", rnd(100));
        set_item(&X, i, hs, ONE_OF(countries), (int64_t)rnd(5000), rnd(8) ? 1000 : 500 + rnd(3000));
    }
    unsigned h = rnd(6) == 0 ? 1 + rnd(2) : 0;
    for (unsigned i = 0; i < h; i++)
        bw_risk_add(&X.so_far, ONE_OF(hit_codes), "X", NULL, "earlier", NULL, 1, BW_LANE_NONE);
}

static void same_hits(const bw_risk_result *a, const bw_risk_result *b, unsigned decl)
{
    if (a->n_hits != b->n_hits)
        fail_msg("declaration %u: %u hits with the indexes, %u checking every profile", decl, a->n_hits, b->n_hits);
    for (uint32_t i = 0; i < a->n_hits; i++) {
        const bw_risk_hit *x = &a->hits[i], *y = &b->hits[i];
        if (strcmp(x->ref, y->ref) || strcmp(x->evidence, y->evidence) || x->score != y->score || x->lane != y->lane ||
            strcmp(x->reason, y->reason))
            fail_msg("declaration %u hit %u: %s %s vs %s %s", decl, i, x->ref, x->evidence, y->ref, y->evidence);
    }
}

static void test_index_equals_brute_force(void **state)
{
    (void)state;
    char *json = bw_profiles_synth_json(10000, 7);
    char err[512] = "";
    size_t n = 0;
    bw_profile **v = bw_profiles_parse_many(json, strlen(json), "synthetic", &n, err, sizeof err);
    free(json);
    if (!v)
        fail_msg("synthetic profiles: %s", err);
    assert_int_equal(n, 10000);
    bw_profiles *ps = bw_profiles_compile(NULL, v, n);
    for (size_t i = 0; i < n; i++)
        bw_profile_free(v[i]);
    free(v);
    assert_int_equal(bw_profiles_count(ps), 10000);
    rng_state = 42;
    unsigned total = 0, anchors_hit = 0;
    bool anchor_seen[BW_ANCHOR_COUNT] = {false};
    for (unsigned k = 0; k < 600; k++) {
        random_declaration();
        bw_risk_result a, b;
        bw_risk_result_init(&a, &X.arena);
        bw_risk_result_init(&b, &X.arena);
        bw_profiles_evaluate(ps, &X.f, &a);
        bw_profiles_evaluate_all(ps, &X.f, &b);
        same_hits(&a, &b, k);
        total += a.n_hits;
        for (uint32_t i = 0; i < a.n_hits; i++) {
            const bw_profile *p = bw_profiles_find(ps, a.hits[i].ref, strlen(a.hits[i].ref));
            assert_non_null(p);
            for (size_t j = 0; j < bw_profiles_count(ps); j++)
                if (bw_profiles_at(ps, j) == p && !anchor_seen[bw_profiles_anchor_of(ps, j)]) {
                    anchor_seen[bw_profiles_anchor_of(ps, j)] = true;
                    anchors_hit++;
                }
        }
    }
    /* the comparison means something only if many profiles, of many
     * indexes, did hit */
    if (total < 300 || anchors_hit < 8)
        fail_msg("only %u hits over %u kinds of index: the test declarations miss too much", total, anchors_hit);
    bw_profiles_free(ps);
}

/* Random profiles over every kind of criterion, bounds at every order of
 * magnitude, so that each index (the magnitude ones included) files many
 * profiles that the random declarations meet. */
static void random_amount(char *out, size_t cap, unsigned max_whole)
{
    unsigned whole = rnd(4) ? rnd(max_whole + 1) : rnd(max_whole / 10 + 1);
    if (rnd(2))
        snprintf(out, cap, "%u", whole);
    else
        snprintf(out, cap, "%u.%02u", whole, rnd(100));
}

static void random_range(bw_buf *b, const char *key, unsigned max_whole)
{
    char lo[32], hi[32];
    random_amount(lo, sizeof lo, max_whole);
    random_amount(hi, sizeof hi, max_whole);
    bw_decimal a, z;
    assert_int_equal(bw_decimal_parse(lo, strlen(lo), &a), BW_DEC_OK);
    assert_int_equal(bw_decimal_parse(hi, strlen(hi), &z), BW_DEC_OK);
    bool swap = (__int128)a.mantissa * (z.scale ? 100 : 1) > (__int128)z.mantissa * (a.scale ? 100 : 1);
    const char *min = swap ? hi : lo, *max = swap ? lo : hi;
    switch (rnd(3)) {
    case 0: bw_buf_printf(b, "\"%s\":{\"min\":\"%s\"},", key, min); break;
    case 1: bw_buf_printf(b, "\"%s\":{\"max\":\"%s\"},", key, max); break;
    default: bw_buf_printf(b, "\"%s\":{\"min\":\"%s\",\"max\":\"%s\"},", key, min, max);
    }
}

static void random_criterion(bw_buf *b, unsigned kind)
{
    static const char *const countries[] = {"CN", "HK", "VN", "TR", "US", "DE", "GB", "FR", "JP", "AU"};
    static const char *const places[] = {"CN", "HK", "CNSZX", "HKHKG", "DEFRA", "GBLHR", "USLAX", "DE", "US", "AUSYD"};
    static const char *const chapters[] = {"33", "42", "61", "62", "64", "85", "95", "39"};
    static const char *const flags[] = {"first_time_seller", "occasional_seller", "first_time_buyer", "compliant_seller",
                                        "noncompliant_seller", "aeo_submitter", "first_time_platform", "first_time_carrier"};
    static const char *const hit_prefixes[] = {"screening", "screening.prohibited", "watchlist", "valuation.low",
                                               "splitting"};
    switch (kind) {
    case 0: random_range(b, "value", 400); break;
    case 1: random_range(b, "weight_g", 12000); break;
    case 2: random_range(b, "value_per_kg", 300); break;
    case 3: random_range(b, "unit_value", 60); break;
    case 4: bw_buf_printf(b, "\"category\":[%u],", 1 + rnd(4)); break;
    case 5: bw_buf_printf(b, "\"mode\":[\"%s\"],", rnd(2) ? "air" : "post"); break;
    case 6: bw_buf_printf(b, "\"collection\":[\"%s\"],", rnd(2) ? "vendor" : "buyer"); break;
    case 7: bw_buf_printf(b, "\"transaction\":[\"%s\"],", rnd(2) ? "B2C" : "C2C"); break;
    case 8: bw_buf_printf(b, "\"destination\":[\"%s\"],", ONE_OF(countries)); break;
    case 9: bw_buf_printf(b, "\"origin\":[\"%s\"],", ONE_OF(countries)); break;
    case 10: bw_buf_printf(b, "\"loading\":[\"%s\"],", ONE_OF(places)); break;
    case 11: bw_buf_printf(b, "\"arrival\":[\"%s\"],", ONE_OF(places)); break;
    case 12: bw_buf_printf(b, "\"party\":[\"%s\"],", ONE_OF(flags)); break;
    case 13: bw_buf_printf(b, "\"hits\":[\"%s\"],", ONE_OF(hit_prefixes)); break;
    case 14: bw_buf_printf(b, "\"submitter\":[\"SUB-%u\"],", rnd(5)); break;
    case 15: bw_buf_printf(b, "\"platform\":[\"MKT-%u\"],", 1 + rnd(40)); break;
    case 16: bw_buf_printf(b, "\"carrier\":[\"EXPRESS-%u\"],", 1 + rnd(40)); break;
    case 17: bw_buf_printf(b, "\"seller\":[\"SELLER-%u\"],", 1 + rnd(300)); break;
    case 18: bw_buf_printf(b, "\"hs\":[\"%s%s\"],", ONE_OF(chapters), rnd(2) ? "" : "1"); break;
    case 19: /* a route */
        bw_buf_printf(b, "\"loading\":[\"%s\"],\"arrival\":[\"%s\"],", ONE_OF(places), ONE_OF(places));
        break;
    default: /* a party flag and goods */
        bw_buf_printf(b, "\"party\":[\"%s\"],\"hs\":[\"%s\"],", ONE_OF(flags), ONE_OF(chapters));
    }
}

static bw_profiles *random_profiles(unsigned n)
{
    bw_profile **v = calloc(n, sizeof *v);
    bw_buf b = {0};
    for (unsigned i = 0; i < n; i++) {
        b.n = 0;
        bw_buf_printf(&b, "{\"id\":\"RND-%05u\",\"owner\":\"t\",\"reason\":\"random\",\"valid_from\":\"2024-0%u-01\","
                      "\"jurisdictions\":[%s],\"score\":%d,\"when\":{",
                      i, 1 + rnd(9), rnd(3) ? "" : rnd(2) ? "\"EU\"" : "\"US\",\"GB\"",
                      rnd(5) ? (int)rnd(40) + 1 : -(int)rnd(10) - 1);
        unsigned k = 1 + rnd(2);
        for (unsigned j = 0; j < k; j++)
            random_criterion(&b, rnd(21));
        b.n--; /* the last comma */
        bw_buf_puts(&b, "}}");
        char err[512];
        v[i] = bw_profile_parse(b.p, b.n, err, sizeof err);
        if (!v[i])
            fail_msg("random profile: %s\n%s", err, bw_buf_cstr(&b));
    }
    bw_buf_free(&b);
    bw_profiles *ps = bw_profiles_compile(NULL, v, n);
    for (unsigned i = 0; i < n; i++)
        bw_profile_free(v[i]);
    free(v);
    return ps;
}

static void test_every_index_equals_brute_force(void **state)
{
    (void)state;
    rng_state = 99;
    bw_profiles *ps = random_profiles(3000);
    unsigned hits_by_anchor[BW_ANCHOR_COUNT] = {0};
    for (unsigned k = 0; k < 800; k++) {
        random_declaration();
        bw_risk_result a, b;
        bw_risk_result_init(&a, &X.arena);
        bw_risk_result_init(&b, &X.arena);
        bw_profiles_evaluate(ps, &X.f, &a);
        bw_profiles_evaluate_all(ps, &X.f, &b);
        same_hits(&a, &b, k);
        for (uint32_t i = 0; i < a.n_hits; i++) {
            unsigned id = (unsigned)atoi(a.hits[i].ref + 4); /* RND-nnnnn: ids in creation order = id order */
            hits_by_anchor[bw_profiles_anchor_of(ps, id)]++;
        }
    }
    /* every index that holds something took part in some hits */
    bw_profiles_jur_stats st[8];
    size_t n = bw_profiles_stats(ps, st, 8);
    for (int kind = 0; kind < BW_ANCHOR_COUNT; kind++) {
        uint32_t filed = 0;
        for (size_t j = 0; j < n && j < 8; j++)
            filed += st[j].by_anchor[kind];
        if (filed >= 20 && hits_by_anchor[kind] < 5)
            fail_msg("index %s: %u profiles filed, %u hits: not exercised", bw_profile_anchor_names[kind], filed,
                     hits_by_anchor[kind]);
    }
    static const bw_profile_anchor must[] = {BW_ANCHOR_VALUE, BW_ANCHOR_WEIGHT, BW_ANCHOR_VALUE_PER_KG,
                                             BW_ANCHOR_UNIT_VALUE, BW_ANCHOR_ROUTE, BW_ANCHOR_PARTY_HS,
                                             BW_ANCHOR_HS_ORIGIN, BW_ANCHOR_HITS, BW_ANCHOR_SELLER};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (hits_by_anchor[must[i]] < 5)
            fail_msg("index %s: only %u hits", bw_profile_anchor_names[must[i]], hits_by_anchor[must[i]]);
    bw_profiles_free(ps);
}

/* ---- parse errors ------------------------------------------------------------------------------- */

static void expect_error(const char *json, const char *want)
{
    char err[512] = "";
    bw_profile *p = bw_profile_parse(json, strlen(json), err, sizeof err);
    if (p) {
        bw_profile_free(p);
        fail_msg("accepted: %s", json);
    }
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

#define HEAD "{\"id\":\"RP-E\",\"owner\":\"o\",\"reason\":\"r\",\"valid_from\":\"2025-01-01\","

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error(HEAD "\"when\":{\"hs\":[\"95\",\"9x\"]},\"score\":1}", "profile RP-E: when.hs[1]: \"9x\" is not an HS prefix");
    expect_error(HEAD "\"when\":{\"hs\":[\"9\"]},\"score\":1}", "when.hs[0]");
    expect_error(HEAD "\"when\":{\"hs\":[9503]},\"score\":1}", "when.hs[0]: must be a string, not int");
    expect_error(HEAD "\"when\":{\"hs\":\"9503\"},\"score\":1}", "when.hs: must be an array, not string");
    expect_error(HEAD "\"when\":{\"colour\":[\"red\"]},\"score\":1}", "profile RP-E: when.colour: unknown key");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":1,\"note\":\"x\"}", "profile RP-E: note: unknown key");
    expect_error(HEAD "\"when\":{\"origin\":[\"CN\",\"XX\"]},\"score\":1}", "when.origin[1]: \"XX\" is not an ISO 3166-1");
    expect_error(HEAD "\"when\":{\"origin\":[\"cn\"]},\"score\":1}", "when.origin[0]");
    expect_error(HEAD "\"when\":{\"loading\":[\"CNSZ\"]},\"score\":1}", "when.loading[0]: \"CNSZ\" is not a country or a UN/LOCODE");
    expect_error(HEAD "\"when\":{\"arrival\":[\"QQABC\"]},\"score\":1}", "when.arrival[0]");
    expect_error(HEAD "\"when\":{\"mode\":[\"air\",\"boat\"]},\"score\":1}", "when.mode[1]: \"boat\" is not one of air, road, rail");
    expect_error(HEAD "\"when\":{\"collection\":[\"seller\"]},\"score\":1}", "when.collection[0]");
    expect_error(HEAD "\"when\":{\"transaction\":[\"B2X\"]},\"score\":1}", "when.transaction[0]");
    expect_error(HEAD "\"when\":{\"party\":[\"vip\"]},\"score\":1}", "when.party[0]: \"vip\" is not one of first_time_seller");
    expect_error(HEAD "\"when\":{\"category\":[2,5]},\"score\":1}", "when.category[1]: 5 is not an IRG category");
    expect_error(HEAD "\"when\":{\"category\":[\"2\"]},\"score\":1}", "when.category[0]");
    expect_error(HEAD "\"when\":{\"hits\":[\"Screening\"]},\"score\":1}", "when.hits[0]");
    expect_error(HEAD "\"when\":{\"hits\":[\"screening.\"]},\"score\":1}", "when.hits[0]");
    expect_error(HEAD "\"when\":{\"seller\":[\"\"]},\"score\":1}", "when.seller[0]: must be a non-empty string");
    expect_error(HEAD "\"when\":{\"value\":{\"min\":\"5\",\"max\":\"4.99\"}},\"score\":1}", "when.value: min is greater than max");
    expect_error(HEAD "\"when\":{\"value\":{\"max\":\"-1\"}},\"score\":1}", "when.value.max: \"-1\" is not a non-negative decimal");
    expect_error(HEAD "\"when\":{\"value\":{\"max\":\"1e3\"}},\"score\":1}", "when.value.max");
    expect_error(HEAD "\"when\":{\"value\":{\"max\":150}},\"score\":1}", "when.value.max: must be a string, not int");
    expect_error(HEAD "\"when\":{\"value\":{\"max\":\"0.0000001\"}},\"score\":1}", "when.value.max: \"0.0000001\" has too many digits");
    expect_error(HEAD "\"when\":{\"value\":{}},\"score\":1}", "when.value: give \"min\", \"max\" or both");
    expect_error(HEAD "\"when\":{\"weight_g\":{\"least\":\"1\"}},\"score\":1}", "when.weight_g.least: unknown key");
    expect_error(HEAD "\"when\":{\"unit_value\":[1]},\"score\":1}", "when.unit_value: must be an object");
    expect_error(HEAD "\"when\":{},\"score\":1}", "profile RP-E: when: no criteria and no jurisdictions");
    expect_error(HEAD "\"when\":{\"buyer\":[]},\"score\":1}", "when: no criteria and no jurisdictions");
    expect_error(HEAD "\"score\":1}", "when: no criteria");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]}}", "profile RP-E: needs a non-zero \"score\", a \"lane\" or both");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":0}", "needs a non-zero \"score\"");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":1.5}", "score: must be an integer, not double");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":5000}", "score: 5000 is out of range");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]},\"lane\":\"orange\"}", "lane: \"orange\" is not one of green, blue, yellow, red");
    expect_error(HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":1,\"jurisdictions\":[\"eu\"]}", "jurisdictions[0]: \"eu\" is not a jurisdiction id");
    expect_error(HEAD "\"valid_to\":\"2024-12-31\",\"when\":{\"hs\":[\"95\"]},\"score\":1}", "valid_to: 2024-12-31 is before valid_from");
    expect_error("{\"id\":\"RP-E\",\"owner\":\"o\",\"reason\":\"r\",\"valid_from\":\"2025-13-01\",\"score\":1}",
                 "valid_from: \"2025-13-01\" is not a date (YYYY-MM-DD)");
    expect_error("{\"id\":\"RP-E\",\"owner\":\"o\",\"reason\":\"r\",\"valid_from\":\"2025-01-01T00:00:00Z\",\"score\":1}",
                 "valid_from: \"2025-01-01T00:00:00Z\" is not a date");
    expect_error("{\"id\":\"RP-E\",\"owner\":\"o\",\"reason\":\"r\",\"score\":1}", "valid_from: is required");
    expect_error("{\"id\":\"RP-E\",\"reason\":\"r\",\"valid_from\":\"2025-01-01\",\"score\":1}", "profile RP-E: owner: is required");
    expect_error("{\"id\":\"RP-E\",\"owner\":\"o\",\"reason\":\"\",\"valid_from\":\"2025-01-01\",\"score\":1}", "reason: is required");
    expect_error("{\"owner\":\"o\"}", "profile: id: is required");
    expect_error("{\"id\":\"RP E\"}", "profile: id: must be 1 to 64 letters");
    expect_error("{\"id\":\"RP-E\",\"deleted\":true,\"score\":3}", "profile RP-E: score: unknown key");
    expect_error("{\"id\":\"RP-E\",\"deleted\":\"yes\"}", "deleted: must be true or false");
    expect_error("[]", "profile: must be a JSON object, not array");
    expect_error("{\"id\":", "not valid JSON at byte");
    expect_error("{\"id\":\"RP-E\"} x", "more text after the JSON value");
    expect_error("null", "not null");
    expect_error("", "not valid JSON");

    /* in a file, messages start with the file, and profiles without a
     * usable id are named by their position */
    char err[512] = "";
    size_t n = 9;
    const char *text = "[" HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":1}, {\"id\":7}]";
    assert_null(bw_profiles_parse_many(text, strlen(text), "data/profiles/x.json", &n, err, sizeof err));
    assert_int_equal(n, 0);
    assert_string_equal(err, "data/profiles/x.json: profile [1]: id: must be a string, not int");
    text = "[" HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":1}, " HEAD "\"when\":{\"mode\":[\"ship\"]},\"score\":1}]";
    assert_null(bw_profiles_parse_many(text, strlen(text), "x.json", &n, err, sizeof err));
    assert_true(starts_with(err, "x.json: profile RP-E: when.mode[0]: \"ship\" is not one of air, road"));
}

/* ---- canonical JSON --------------------------------------------------------------------------------- */

static char *json_of(const bw_profile *p)
{
    bw_buf b = {0};
    bw_profile_json(p, &b);
    bw_buf_cstr(&b);
    return b.p;
}

static void test_round_trip(void **state)
{
    (void)state;
    bw_profile *p = parse(EXAMPLE);
    char *a = json_of(p);
    bw_profile *q = parse(a);
    char *b = json_of(q);
    assert_string_equal(a, b);
    /* canonical: sorted lists, duplicates and empty lists gone, names as in the schema */
    assert_non_null(strstr(a, "\"hs\":[\"9503\",\"950300\"]"));
    assert_non_null(strstr(a, "\"seller\":[\"S-1\",\"S-123\"]"));
    assert_non_null(strstr(a, "\"loading\":[\"CN\",\"HKHKG\"]"));
    assert_non_null(strstr(a, "\"transaction\":[\"B2C\"]"));
    assert_non_null(strstr(a, "\"value\":{\"min\":\"0\",\"max\":\"150.00\"}"));
    assert_non_null(strstr(a, "\"valid_to\":null"));
    assert_null(strstr(a, "\"buyer\""));
    bw_profile_info in;
    bw_profile_info_get(q, &in);
    assert_string_equal(in.id, "RP-EU-0001");
    assert_int_equal(in.n_jurisdictions, 2);
    assert_string_equal(in.jurisdictions[0], "EU");
    assert_int_equal(in.valid_to, -1);
    assert_int_equal(in.lane, BW_LANE_YELLOW);
    free(a);
    free(b);
    bw_profile_free(p);
    bw_profile_free(q);

    /* every synthetic profile survives the round trip too */
    char *json = bw_profiles_synth_json(500, 3);
    char err[512];
    size_t n;
    bw_profile **v = bw_profiles_parse_many(json, strlen(json), NULL, &n, err, sizeof err);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        char *x = json_of(v[i]);
        bw_profile *y = parse(x);
        char *z = json_of(y);
        assert_string_equal(x, z);
        free(x);
        free(z);
        bw_profile_free(y);
        bw_profile_free(v[i]);
    }
    free(v);
    free(json);

    /* a dated profile and a tombstone */
    p = parse(HEAD "\"valid_to\":\"2025-12-31\",\"jurisdictions\":[\"GB\",\"EU\",\"GB\"],\"lane\":\"red\"}");
    a = json_of(p);
    assert_string_equal(a, "{\"id\":\"RP-E\",\"owner\":\"o\",\"reason\":\"r\",\"valid_from\":\"2025-01-01\","
                           "\"valid_to\":\"2025-12-31\",\"jurisdictions\":[\"EU\",\"GB\"],\"when\":{},\"lane\":\"red\"}");
    free(a);
    bw_profile_free(p);
    p = parse("{\"id\":\"RP-E\",\"deleted\":true,\"owner\":\"o\"}");
    assert_true(bw_profile_deleted(p));
    a = json_of(p);
    assert_string_equal(a, "{\"id\":\"RP-E\",\"deleted\":true,\"owner\":\"o\"}");
    free(a);
    bw_profile_free(p);
}

/* ---- edits ---------------------------------------------------------------------------------------------- */

static void test_compile_edits(void **state)
{
    (void)state;
    fx_reset();
    bw_profile *v[2] = {profile_when("RP-1", "{\"seller\":[\"S-1\"]}", ""),
                        profile_when("RP-2", "{\"hs\":[\"95\"]}", "")};
    bw_profiles *base = set_of(v, 2);
    bw_profile *edits[3] = {
        parse("{\"id\":\"RP-1\",\"owner\":\"o\",\"reason\":\"raised\",\"valid_from\":\"2025-01-01\","
              "\"when\":{\"seller\":[\"S-1\"]},\"score\":40}"),
        parse("{\"id\":\"RP-2\",\"deleted\":true}"),
        profile_when("RP-3", "{\"carrier\":[\"DHL\"]}", ""),
    };
    bw_profiles *next = bw_profiles_compile(base, edits, 3);
    for (int i = 0; i < 3; i++)
        bw_profile_free(edits[i]);
    bw_risk_result r;
    assert_string_equal(hits_of(base, &r), "RP-1,RP-2"); /* the old set is untouched */
    assert_int_equal(r.hits[0].score, 10);
    assert_string_equal(hits_of(next, &r), "RP-1,RP-3");
    assert_int_equal(r.hits[0].score, 40);
    assert_int_equal(bw_profiles_count(next), 2);
    assert_null(bw_profiles_find(next, "RP-2", 4));
    assert_non_null(bw_profiles_find(next, "RP-3", 4));
    assert_null(bw_profiles_find(next, "RP-", 3));
    /* an edit then its deletion, in order; deleting what is not there is no error */
    bw_profile *later[3] = {profile_when("RP-4", "{\"hs\":[\"95\"]}", ""), parse("{\"id\":\"RP-4\",\"deleted\":true}"),
                            parse("{\"id\":\"RP-9\",\"deleted\":true}")};
    bw_profiles *third = bw_profiles_compile(next, later, 3);
    for (int i = 0; i < 3; i++)
        bw_profile_free(later[i]);
    bw_profiles_free(base);
    bw_profiles_free(next); /* profiles shared with `third` live on */
    assert_string_equal(hits_of(third, &r), "RP-1,RP-3");
    bw_buf b = {0};
    bw_profiles_json(third, &b);
    assert_true(starts_with(bw_buf_cstr(&b), "{\"count\":2,\"profiles\":[{\"id\":\"RP-1\","));
    bw_buf_free(&b);
    bw_profiles_free(third);
}

/* ---- files ------------------------------------------------------------------------------------------------- */

static char g_dir[128];

static void put_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_load_files(void **state)
{
    (void)state;
    char err[512] = "";
    snprintf(g_dir, sizeof g_dir, "/tmp/bw-profiles-%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/profiles", g_dir, g_dir);
    assert_int_equal(system(cmd), 0);
    /* no profiles directory: an empty set */
    char none[200];
    snprintf(none, sizeof none, "%s/nothing", g_dir);
    bw_profiles *ps = bw_profiles_load(none, err, sizeof err);
    assert_non_null(ps);
    assert_int_equal(bw_profiles_count(ps), 0);
    fx_reset();
    assert_false(hits(ps));
    bw_profiles_free(ps);

    put_file("profiles/a.json", "[" HEAD "\"when\":{\"seller\":[\"S-1\"]},\"score\":1}]");
    put_file("profiles/b.json", "{\"id\":\"RP-F\",\"owner\":\"o\",\"reason\":\"r\",\"valid_from\":\"2025-01-01\","
                                "\"when\":{\"hs\":[\"95\"]},\"score\":2}");
    put_file("profiles/README.md", "not a profile");
    ps = bw_profiles_load(g_dir, err, sizeof err);
    if (!ps)
        fail_msg("load: %s", err);
    assert_int_equal(bw_profiles_count(ps), 2);
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-E,RP-F");
    bw_profiles_free(ps);

    /* the same id in two files */
    put_file("profiles/c.json", "[" HEAD "\"when\":{\"hs\":[\"33\"]},\"score\":1}]");
    assert_null(bw_profiles_load(g_dir, err, sizeof err));
    assert_non_null(strstr(err, "/profiles/c.json: profile RP-E: id: also in "));
    assert_non_null(strstr(err, "/profiles/a.json"));
    /* a tombstone in a file */
    put_file("profiles/c.json", "[{\"id\":\"RP-X\",\"deleted\":true}]");
    assert_null(bw_profiles_load(g_dir, err, sizeof err));
    assert_non_null(strstr(err, "c.json: profile RP-X: deleted: a tombstone is an edit"));
    /* a broken file is named */
    put_file("profiles/c.json", "[" HEAD "\"when\":{\"hs\":[\"95\"]},\"score\":1,}]");
    assert_null(bw_profiles_load(g_dir, err, sizeof err));
    assert_non_null(strstr(err, "/profiles/c.json: not valid JSON at byte"));
    /* and a missing one */
    const char *paths[] = {"/nonexistent/p.json"};
    assert_null(bw_profiles_load_files(paths, 1, err, sizeof err));
    assert_string_equal(err, "/nonexistent/p.json: No such file or directory");

    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    assert_int_equal(system(cmd), 0);
}

/* The shipped profiles load, and the flagship ones do what they say. */
static void test_shipped_profiles(void **state)
{
    (void)state;
    char err[512] = "";
    bw_profiles *ps = bw_profiles_load(BW_DATADIR, err, sizeof err);
    if (!ps)
        fail_msg("data/profiles: %s", err);
    assert_true(bw_profiles_count(ps) >= 15);
    /* a toy from a first-time seller: yellow */
    fx_reset();
    bw_risk_result r;
    assert_string_equal(hits_of(ps, &r), "RP-ALL-0004");
    assert_int_equal(r.hits[0].lane, BW_LANE_YELLOW);
    /* the same seller known: nothing */
    X.f.party_flags = 0;
    assert_string_equal(hits_of(ps, &r), "");
    /* prohibited goods from a first-time seller: red */
    fx_reset();
    set_item(&X, 0, "392690", "CN", 1200, 1000);
    bw_risk_add(&X.so_far, "screening.prohibited", "T-9", "items[0].description", "a prohibited term", NULL, 0,
                BW_LANE_NONE);
    assert_string_equal(hits_of(ps, &r), "RP-ALL-0101");
    assert_int_equal(r.hits[0].lane, BW_LANE_RED);
    /* a heavy parcel declared at EUR 3.00 for 2.5 kg */
    fx_reset();
    X.f.party_flags = 0;
    X.f.consignment_value = 300;
    X.d.gross_weight.value = 2500000;
    assert_string_equal(hits_of(ps, &r), "RP-EU-0201");
    bw_profiles_free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_criterion),
        cmocka_unit_test(test_value_per_kg_evidence),
        cmocka_unit_test(test_amount_exponents),
        cmocka_unit_test(test_item_level_and),
        cmocka_unit_test(test_effective_dates),
        cmocka_unit_test(test_jurisdictions),
        cmocka_unit_test(test_score_and_lane),
        cmocka_unit_test(test_example_evidence),
        cmocka_unit_test(test_hits_are_earlier_detectors),
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_index_equals_brute_force),
        cmocka_unit_test(test_every_index_equals_brute_force),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_compile_edits),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_shipped_profiles),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
