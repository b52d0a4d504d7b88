/*
 * test_oga.c - other government agencies (src/lifecycle/oga.c,
 * store_oga.c) and the AEO registry's changes (src/risk/aeo.c): interests
 * parsed and refused with the member named; matching by HS prefix, whole
 * keywords in other scripts and cases, origins, all lists on one item, and
 * effective dates; in the store: queueing at put, visibility per agency,
 * holds by several agencies, customs release refused while any holds (the
 * agencies named, nothing changed), the state after the last release; AEO
 * changes checked like file lines.
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

#include "lifecycle/oga.h"
#include "risk/aeo.h"
#include "risk/normalize.h"
#include "store/store_oga.h"
#include "store_fixture.h"

static bw_oga_interest parse_ok(const char *agency, const char *json)
{
    bw_oga_interest in;
    char why[300];
    bool ok = bw_oga_interest_parse(agency, json, strlen(json), &in, why, sizeof why);
    if (!ok)
        fprintf(stderr, "unexpected refusal: %s\n", why);
    assert_true(ok);
    return in;
}

static void refused(const char *json, const char *member)
{
    bw_oga_interest in;
    char why[300] = "";
    assert_false(bw_oga_interest_parse("AG", json, strlen(json), &in, why, sizeof why));
    assert_non_null(strstr(why, member));
}

static void test_interest_parse(void **state)
{
    bw_oga_interest in = parse_ok("HEALTH", "{\"id\":\"m\",\"keywords\":[\"Paracétamol\"],\"valid_from\":\"2024-01-01\"}");
    assert_int_equal(in.n_keywords, 1);
    assert_string_equal(in.keywords[0], "paracetamol"); /* normalized once, at parse */
    assert_true(in.to == INT64_MAX);
    bw_oga_interest_free(&in);
    refused("{\"id\":\"m\",\"valid_from\":\"2024-01-01\"}", "hs_prefixes");
    refused("{\"id\":\"m\",\"hs_prefixes\":[\"0\"],\"valid_from\":\"2024-01-01\"}", "hs_prefixes");
    refused("{\"id\":\"m\",\"hs_prefixes\":[\"09x1\"],\"valid_from\":\"2024-01-01\"}", "hs_prefixes");
    refused("{\"id\":\"m\",\"origins\":[\"XX\"],\"valid_from\":\"2024-01-01\"}", "origins");
    refused("{\"id\":\"m\",\"keywords\":[\"!!\"],\"valid_from\":\"2024-01-01\"}", "keywords");
    refused("{\"id\":\"m\",\"hs_prefixes\":[\"09\"]}", "valid_from");
    refused("{\"id\":\"m\",\"hs_prefixes\":[\"09\"],\"valid_from\":\"2024-01-01\",\"valid_to\":\"2023-01-01\"}",
            "valid_to");
    refused("{\"id\":\"m\",\"hs_prefixes\":[\"09\"],\"valid_from\":\"2024-01-01\",\"colour\":1}", "colour");
    refused("{\"id\":\"a b\",\"hs_prefixes\":[\"09\"],\"valid_from\":\"2024-01-01\"}", "id");
    refused("[]", "interest");
    assert_false(bw_oga_agency_ok(""));
    assert_false(bw_oga_agency_ok("A/B"));
    assert_true(bw_oga_agency_ok("FDA-ZZ.1"));
}

static bw_time day(const char *d)
{
    bw_time t;
    assert_true(bw_time_parse(d, strlen(d), &t));
    return t;
}

static void test_matching(void **state)
{
    bw_oga_interest kw = parse_ok("H", "{\"id\":\"k\",\"keywords\":[\"кофе\",\"green tea\"],\"valid_from\":\"2024-01-01\","
                                       "\"valid_to\":\"2025-01-01\"}");
    bw_oga_interest both = parse_ok("P", "{\"id\":\"p\",\"hs_prefixes\":[\"07\"],\"origins\":[\"CN\"],"
                                         "\"valid_from\":\"2024-01-01\"}");
    char on[200], norm[200];
    bw_time in_force = day("2024-06-01");
    /* the same keyword in Latin capitals, in Cyrillic, and not as part of a word */
    const char *texts[] = {"KOFE beans", "Молотый КОФЕ", "Green TEA leaves, 100 g", "kofeinfrei", "steam green teapot"};
    const bool want[] = {true, true, true, false, false};
    for (int i = 0; i < 5; i++) {
        bw_norm_text(texts[i], strlen(texts[i]), norm, sizeof norm, 0); /* as bw_oga_goods_of does */
        bw_oga_item it = {"090111", norm, "BR"};
        assert_int_equal(bw_oga_matches(&kw, &it, in_force, on, sizeof on), want[i]);
    }
    bw_oga_item it = {"090111", "green tea", "BR"};
    assert_false(bw_oga_matches(&kw, &it, day("2023-12-31"), on, sizeof on)); /* not yet */
    assert_true(bw_oga_matches(&kw, &it, day("2024-01-01"), on, sizeof on));  /* first day */
    assert_false(bw_oga_matches(&kw, &it, day("2025-01-01"), on, sizeof on)); /* valid_to is exclusive */
    bw_oga_item veg_cn = {"070190", "potatoes", "CN"}, veg_de = {"070190", "potatoes", "DE"},
                toy_cn = {"950300", "potatoes", "CN"};
    assert_true(bw_oga_matches(&both, &veg_cn, in_force, on, sizeof on));
    assert_string_equal(on, "hs 07, origin CN");
    assert_false(bw_oga_matches(&both, &veg_de, in_force, on, sizeof on)); /* every list must match */
    assert_false(bw_oga_matches(&both, &toy_cn, in_force, on, sizeof on));
    bw_oga_interest_free(&kw);
    bw_oga_interest_free(&both);
}

/* ---- in the store ----------------------------------------------------------------------- */

static bw_store *fresh_store(void) { return fresh_store_in("/tmp/bw_oga_"); }

static void put(bw_store *s, const char *id, const char *hs, const char *desc, const char *doc)
{
    bw_oga_item item = {hs, desc, "CN"};
    bw_oga_goods goods = {&item, 1};
    bw_lc_facts f = {.transport_doc = {doc, (uint32_t)strlen(doc)}};
    char body[200];
    snprintf(body, sizeof body, "{\"declaration_id\":\"%s\"}", id);
    bw_decl_row r = {
        .submitter = BW_STR_LIT("S1"), .declaration_id = {id, (uint32_t)strlen(id)},
        .jurisdiction = BW_STR_LIT("EU"), .status = "accepted", .value_minor = 1000, .currency = "EUR",
        .received_at = day("2026-01-10"), .body = {body, (uint32_t)strlen(body)}, .actor = "test",
        .revenue = {.assessed = true, .payer = "buyer", .settlement = "none"}, .buyer_limit = {.limit = -1},
        .lane = "green", .lifecycle = &f, .oga = &goods,
    };
    memset(r.content_hash, id[0] ^ (uint8_t)strlen(id), 16);
    bw_prior prior;
    assert_true(bw_store_begin(s));
    assert_int_equal(bw_store_put(s, &r, &prior), BW_PUT_STORED);
    assert_true(bw_store_commit(s));
}

static void add_interest(bw_store *s, const char *agency, const char *json)
{
    bw_oga_interest in = parse_ok(agency, json);
    char why[300];
    assert_int_equal(bw_store_oga_interest_add(s, &in, "test", day("2026-01-01"), why, sizeof why), 1);
    bw_oga_interest_free(&in);
}

static const char *state(bw_store *s, const char *id)
{
    static bw_lc_status st;
    assert_int_equal(bw_store_lc_status(s, "S1", id, &st), 1);
    return st.state;
}

static int act(bw_store *s, const char *agency, const char *id, bool hold, bw_transition_outcome *out)
{
    bw_oga_act a = {agency, "S1", id, "test", NULL, day("2026-01-11")};
    return hold ? bw_store_oga_hold(s, &a, out) : bw_store_oga_release(s, &a, out);
}

static int release(bw_store *s, const char *id, bw_transition_outcome *out)
{
    bw_transition t = {.submitter = "S1", .declaration_id = id, .action = BW_ACT_RELEASED, .actor = "officer",
                       .at = day("2026-01-12")};
    return bw_store_transition(s, &t, out);
}

static void arrive(bw_store *s, const char *doc)
{
    const char *docs[] = {doc};
    bw_manifest m = {"C1", doc, day("2026-01-11"), docs, 1, "carrier", day("2026-01-11")};
    bw_arrival_summary sum;
    assert_true(bw_store_arrival(s, &m, NULL, NULL, &sum));
}

static void test_holds_and_release(void **state_)
{
    bw_store *s = fresh_store();
    add_interest(s, "HEALTH-T", "{\"id\":\"veg\",\"hs_prefixes\":[\"07\"],\"valid_from\":\"2024-01-01\"}");
    add_interest(s, "PLANT-T", "{\"id\":\"cn\",\"origins\":[\"CN\"],\"valid_from\":\"2024-01-01\"}");
    put(s, "D1", "070190", "potatoes", "DOC-1");
    put(s, "D2", "950300", "toy", "DOC-2");
    /* visibility: HEALTH sees D1 only, PLANT both (origin CN), an unknown agency nothing */
    assert_int_equal(bw_store_oga_sees(s, "HEALTH-T", "S1", "D1"), 1);
    assert_int_equal(bw_store_oga_sees(s, "HEALTH-T", "S1", "D2"), 0);
    assert_int_equal(bw_store_oga_sees(s, "PLANT-T", "S1", "D2"), 1);
    assert_int_equal(bw_store_oga_sees(s, "NOBODY", "S1", "D1"), 0);
    bw_transition_outcome out;
    assert_int_equal(act(s, "HEALTH-T", "D2", true, &out), 0); /* not its declaration: as if unknown */
    assert_int_equal(act(s, "HEALTH-T", "D1", false, &out), BW_LC_REFUSED); /* holds nothing yet */
    assert_int_equal(act(s, "HEALTH-T", "D1", true, &out), 1);
    assert_string_equal(out.to, "held");
    assert_int_equal(act(s, "HEALTH-T", "D1", true, &out), BW_LC_REFUSED); /* twice */
    assert_int_equal(act(s, "PLANT-T", "D1", true, &out), 1);
    arrive(s, "DOC-1");
    assert_string_equal(state(s, "D1"), "held"); /* arrival does not release what agencies hold */
    assert_int_equal(release(s, "D1", &out), BW_LC_REFUSED);
    assert_non_null(strstr(out.why, "HEALTH-T, PLANT-T"));
    assert_string_equal(state(s, "D1"), "held");
    assert_int_equal(act(s, "HEALTH-T", "D1", false, &out), 1);
    assert_string_equal(out.to, "held"); /* PLANT still holds */
    assert_int_equal(release(s, "D1", &out), BW_LC_REFUSED);
    assert_non_null(strstr(out.why, "PLANT-T"));
    assert_null(strstr(out.why, "HEALTH-T"));
    assert_int_equal(act(s, "PLANT-T", "D1", false, &out), 1);
    /* the last agency: arrived, green, nothing owed -> released as on arrival */
    assert_string_equal(out.to, "released");
    assert_string_equal(state(s, "D1"), "released");
    drop_store(s);
}

static void test_aeo_change_parse(void **state)
{
    bw_aeo_change c;
    char why[400];
    const char *ok = "{\"id\":\"OP-1\",\"country\":\"EU\",\"status\":\"granted\",\"mutual_recognition\":[\"CN\",\"US\"],"
                     "\"valid_from\":\"2024-01-01\",\"carries_small_sellers\":true}";
    assert_true(bw_aeo_change_parse(ok, strlen(ok), &c, why, sizeof why));
    assert_string_equal(c.line, "OP-1\tOP-1\tEU\tactive\tCN,US\t2024-01-01\t");
    assert_true(c.carries);
    const char *bad[] = {
        "{\"id\":\"OP-1\",\"country\":\"EU\",\"status\":\"paused\",\"valid_from\":\"2024-01-01\"}",
        "{\"id\":\"OP-1\",\"country\":\"XX\",\"status\":\"active\",\"valid_from\":\"2024-01-01\"}",
        "{\"id\":\"OP-1\",\"country\":\"EU\",\"status\":\"active\",\"valid_from\":\"2024-13-01\"}",
        "{\"id\":\"OP-1\",\"country\":\"EU\",\"status\":\"suspended\",\"valid_from\":\"2024-02-01\",\"valid_to\":\"2024-01-01\"}",
        "{\"id\":\"OP-1\",\"country\":\"EU\",\"status\":\"active\",\"valid_from\":\"2024-01-01\",\"carries_small_sellers\":1}",
        "{\"country\":\"EU\",\"status\":\"active\",\"valid_from\":\"2024-01-01\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(bw_aeo_change_parse(bad[i], strlen(bad[i]), &c, why, sizeof why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interest_parse),
        cmocka_unit_test(test_matching),
        cmocka_unit_test(test_holds_and_release),
        cmocka_unit_test(test_aeo_change_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
