/*
 * test_stats.c - statistics and KPIs (src/stats, src/store/store_stats.c)
 * against a dozen declarations written by hand, every figure counted by
 * hand in the comments: every dimension, the period and jurisdiction
 * filters, amendments and lane changes after storing, data quality per
 * submitter, inspection and hit rates per lane, the Wilson interval of the
 * random-selection compliance rate, revenue by collection model, the
 * lifecycle KPIs from fixture events (and "not available" without them);
 * chunk sealing at 4,095 / 4,096 / 4,097 facts against a brute-force
 * recount; the business-flow and completeness rules; bad queries refused.
 *
 * The fixture's facts are given directly (bw_stats_decl), not through the
 * pipeline, so every code and amount is the test's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <math.h>

#include "stats/stats.h"
#include "store/store_lifecycle.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

static char g_dir[4096];
static bw_stats_config *g_cfg;

/* ---- the fixture --------------------------------------------------------------------- */

typedef struct item_spec {
    const char *origin;
    int heading;
    int64_t value, qty, weight, duty, tax;
} item_spec;

typedef struct decl_spec {
    const char *id, *jur, *day, *submitter, *region;
    uint8_t status, mode, flow, txn, type, irg;
    const char *lane; /* NULL: none */
    uint8_t collection, complete, random;
    int64_t cvalue;
    const char *errors;
    item_spec items[2];
    uint32_t n_items;
} decl_spec;

enum { ACC = 1, REJ = 2 };
#define CN "CN"
/* id    jur   day           submitter  region  status mode      flow              txn      type         irg lane collection complete random cvalue */
static const decl_spec FIXTURE[] = {
    {"D1", "EU", "2026-11-02", "POST-DE", "DE-BE", ACC, MODE_POST, BW_FLOW_POSTAL, TXN_B2C, DECL_IMPORT, 2, "green",
     COLLECT_VENDOR, 100, 0, 1500, "[]", {{CN, 6109, 1000, 1000, 200000, 0, 190}, {CN, 6110, 500, 2000, 100000, 0, 95}}, 2},
    {"D2", "EU", "2026-11-02", "EXP-1", "DE-BY", ACC, MODE_AIR, BW_FLOW_EXPRESS, TXN_B2C, DECL_IMPORT, 2, "green",
     COLLECT_INTERMEDIARY, 90, 0, 3000, "[]", {{CN, 8517, 3000, 1000, 150000, 0, 570}}, 1},
    {"D3", "EU", "2026-11-03", "EXP-1", "FR-75", ACC, MODE_AIR, BW_FLOW_EXPRESS, TXN_B2B, DECL_IMPORT, 3, "yellow",
     COLLECT_INTERMEDIARY, 80, 0, 20000, "[]", {{"US", 8471, 20000, 1000, 2000000, 500, 3800}}, 1},
    {"D4", "EU", "2026-11-09", "POST-DE", "DE-BE", ACC, MODE_POST, BW_FLOW_POSTAL, TXN_C2C, DECL_IMPORT, 2, "green",
     COLLECT_BUYER, 100, 1, 800, "[]", {{"GB", 4202, 800, 1000, 300000, 0, 152}}, 1},
    {"D5", "EU", "2026-11-09", "POST-DE", "DE-BE", REJ, MODE_POST, BW_FLOW_POSTAL, TXN_B2C, DECL_IMPORT, 0, NULL,
     COLLECT_NONE, 50, 0, 0,
     "[{\"path\":\"items[0].hs_code\",\"code\":\"hs.unknown\",\"message\":\"x\"},"
     "{\"path\":\"items[0].value\",\"code\":\"value.missing\",\"message\":\"y\"}]",
     {{CN, 6109, 0, 1000, 0, 0, 0}}, 1},
    {"D6", "US", "2026-11-02", "EXP-1", "US-NY", ACC, MODE_AIR, BW_FLOW_EXPRESS, TXN_B2C, DECL_IMPORT, 1, "green",
     COLLECT_NONE, 100, 0, 5000, "[]", {{CN, 6109, 5000, 3000, 400000, 0, 0}}, 1},
    {"D7", "US", "2026-11-16", "MKT-1", "US-CA", ACC, MODE_AIR, BW_FLOW_PLATFORM, TXN_B2C, DECL_IMPORT, 1, "blue",
     COLLECT_VENDOR, 90, 1, 12000, "[]", {{CN, 9503, 7000, 2000, 500000, 0, 0}, {"VN", 6403, 5000, 1000, 800000, 0, 0}}, 2},
    {"D8", "US", "2026-12-01", "BRK-1", "US-TX", ACC, MODE_SEA, BW_FLOW_OTHER, TXN_B2B, DECL_IMPORT, 3, "red",
     COLLECT_INTERMEDIARY, 70, 0, 90000, "[]", {{"DE", 8703, 90000, 1000, 9000000, 2250, 0}}, 1},
    {"D9", "US", "2026-12-01", "POST-US", "US-NY", ACC, MODE_POST, BW_FLOW_POSTAL, TXN_C2C, DECL_RETURN, 1, "green",
     COLLECT_BUYER, 100, 0, 2000, "[]", {{CN, 6109, 2000, 1000, 150000, 0, 0}}, 1},
    {"D10", "EU", "2026-12-07", "MKT-1", "NL-10", ACC, MODE_AIR, BW_FLOW_PLATFORM, TXN_B2C, DECL_IMPORT, 2, "green",
     COLLECT_VENDOR, 100, 1, 4000, "[]", {{CN, 6109, 4000, 4000, 500000, 0, 760}}, 1},
    {"D11", "EU", "2026-12-07", "EXP-1", "DE-BY", ACC, MODE_AIR, BW_FLOW_EXPRESS, TXN_B2C, DECL_IMPORT, 2, "yellow",
     COLLECT_INTERMEDIARY, 90, 0, 2500, "[]", {{CN, 8517, 2500, 1000, 120000, 0, 475}}, 1},
    {"D12", "US", "2026-12-08", "EXP-1", NULL, REJ, MODE_AIR, BW_FLOW_EXPRESS, TXN_B2C, DECL_IMPORT, 0, NULL,
     COLLECT_NONE, 60, 0, 0, "[{\"path\":\"items\",\"code\":\"items.missing\",\"message\":\"z\"}]", {{0}}, 0},
};
enum { N_FIXTURE = sizeof FIXTURE / sizeof *FIXTURE };

static bw_str S(const char *s) { return s ? (bw_str){s, (uint32_t)strlen(s)} : BW_STR_NULL; }

static bw_time day_of(const char *d)
{
    bw_time t;
    assert_true(bw_time_parse(d, strlen(d), &t));
    return t;
}

/* Stores one declaration with its facts; `variant` changes the content
 * hash (an amendment). */
/* Lead times the lifecycle would have found for some declarations (set by
 * a test before it builds its store; NULL: none). */
typedef struct lead_spec {
    const char *id;
    bw_lc_facts facts;
} lead_spec;
static const lead_spec *g_leads;

static const bw_lc_facts *leads_of(const char *id)
{
    for (const lead_spec *l = g_leads; l && l->id; l++)
        if (!strcmp(l->id, id))
            return &l->facts;
    return NULL;
}

static bw_put_result put_spec(bw_store *s, const decl_spec *d, int variant)
{
    bw_stats_item items[2];
    for (uint32_t i = 0; i < d->n_items; i++)
        items[i] = (bw_stats_item){d->items[i].value, d->items[i].qty, d->items[i].weight, d->items[i].duty,
                                   d->items[i].tax, S(d->items[i].origin), d->items[i].heading};
    bw_stats_decl sd = {
        .day = bw_stats_day(day_of(d->day)), .cvalue = d->cvalue, .jurisdiction = S(d->jur), .region = S(d->region),
        .submitter = S(d->submitter), .mode = d->mode, .flow = d->flow, .txn = d->txn, .type = d->type,
        .irg = d->irg, .lane = bw_stats_name_code(bw_stats_lane_names, d->lane), .status = d->status,
        .state = bw_stats_name_code(bw_stats_state_names, d->status == ACC ? "assessed" : "rejected"),
        .collection = d->collection, .complete = d->complete, .random = d->random, .items = items,
        .n_items = d->n_items, .errors = S(d->errors)};
    char body[128];
    snprintf(body, sizeof body, "{\"declaration_id\":\"%s\",\"variant\":%d}", d->id, variant);
    bw_decl_row r = {0};
    r.submitter = S(d->submitter);
    r.declaration_id = S(d->id);
    r.jurisdiction = S(d->jur);
    r.type = S("import");
    r.status = d->status == ACC ? "accepted" : "rejected";
    r.category = d->irg;
    r.value_minor = d->cvalue;
    r.currency = "EUR";
    r.received_at = day_of(d->day);
    snprintf((char *)r.content_hash, sizeof r.content_hash, "%s/%d", d->id, variant);
    r.body = S(body);
    r.errors = S(d->errors);
    r.warnings = S("[]");
    r.actor = "test";
    r.lane = d->lane;
    r.buyer_limit.limit = -1;
    r.stats = &sd;
    r.lifecycle = leads_of(d->id);
    bw_prior prior;
    assert_true(bw_store_begin(s));
    bw_put_result res = bw_store_put(s, &r, &prior);
    assert_true(bw_store_commit(s));
    return res;
}

static bw_store *open_store(const char *name)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    bw_store *s = bw_store_open(path, err, sizeof err);
    if (!s)
        fail_msg("open: %s", err);
    return s;
}

static bw_store *fixture_store(const char *name)
{
    bw_store *s = open_store(name);
    for (int i = 0; i < N_FIXTURE; i++)
        assert_int_equal(put_spec(s, &FIXTURE[i], 0), BW_PUT_STORED);
    return s;
}

/* ---- running queries ----------------------------------------------------------------- */

static bw_stats_result run(bw_store *s, const char *by, const char *from, const char *to, const char *jur,
                           const char *status)
{
    bw_stats_query q;
    char err[512];
    if (!bw_stats_query_parse(by, from, to, jur, status, &q, err, sizeof err))
        fail_msg("query: %s", err);
    bw_stats_result r;
    if (!bw_stats_run(s, g_cfg, &q, &r, err, sizeof err))
        fail_msg("run: %s", err);
    return r;
}

/* The row whose labels are `labels` ("CN" or "EU|green"); NULL none. */
static const bw_stats_row *row(const bw_stats_result *r, const char *labels)
{
    for (size_t i = 0; i < r->n; i++) {
        char joined[256] = "", one[96];
        for (int d = 0; d < r->q.n_by; d++) {
            bw_stats_label(r, r->q.by[d], r->rows[i].key[d], one, sizeof one);
            if (d)
                strcat(joined, "|");
            strcat(joined, one);
        }
        if (!strcmp(joined, labels))
            return &r->rows[i];
    }
    return NULL;
}

/* count (declarations or items, by the result's unit) and value of a row */
static void expect(const bw_stats_result *r, const char *labels, int64_t count, int64_t value)
{
    const bw_stats_row *x = row(r, labels);
    if (!x)
        fail_msg("no row %s", labels);
    int64_t got = r->item_unit ? x->items : x->declarations;
    if (got != count || x->value != value)
        fail_msg("%s: count %lld value %lld, expected %lld and %lld", labels, (long long)got, (long long)x->value,
                 (long long)count, (long long)value);
}

/* ---- dimensions ---------------------------------------------------------------------- */

static void test_hs_and_origin_count_items(void **state)
{
    (void)state;
    bw_store *s = fixture_store("hs.db");
    bw_stats_result r = run(s, "origin", NULL, NULL, NULL, NULL);
    assert_true(r.item_unit);
    /* accepted only: CN items D1a 1000, D1b 500, D2 3000, D6 5000, D7a 7000, D9 2000, D10 4000, D11 2500 */
    expect(&r, "CN", 8, 25000);
    expect(&r, "US", 1, 20000); /* D3 */
    expect(&r, "GB", 1, 800);   /* D4 */
    expect(&r, "VN", 1, 5000);  /* D7b */
    expect(&r, "DE", 1, 90000); /* D8 */
    assert_int_equal(r.n, 5);
    assert_int_equal(r.total.items, 12);
    assert_int_equal(r.total.declarations, 10);
    bw_stats_result_free(&r);

    r = run(s, "chapter", NULL, NULL, NULL, NULL);
    expect(&r, "61", 5, 12500); /* D1a 1000, D1b 500, D6 5000, D9 2000, D10 4000 */
    expect(&r, "85", 2, 5500);  /* D2 3000, D11 2500 */
    expect(&r, "84", 1, 20000);
    expect(&r, "42", 1, 800);
    expect(&r, "95", 1, 7000);
    expect(&r, "64", 1, 5000);
    expect(&r, "87", 1, 90000);
    bw_stats_result_free(&r);

    r = run(s, "section", NULL, NULL, NULL, NULL);
    expect(&r, "11", 5, 12500);  /* XI textiles: chapter 61 */
    expect(&r, "16", 3, 25500);  /* XVI machinery: 84 and 85 */
    expect(&r, "8", 1, 800);     /* VIII leather: 42 */
    expect(&r, "12", 1, 5000);   /* XII footwear: 64 */
    expect(&r, "17", 1, 90000);  /* XVII vehicles: 87 */
    expect(&r, "20", 1, 7000);   /* XX toys: 95 */
    bw_stats_result_free(&r);

    r = run(s, "heading", NULL, NULL, NULL, NULL);
    expect(&r, "6109", 4, 12000); /* D1a 1000, D6 5000, D9 2000, D10 4000 */
    expect(&r, "6110", 1, 500);
    /* quantity and weight of 6109: 1000+3000+1000+4000 thousandths, 200000+400000+150000+500000 mg */
    assert_int_equal(row(&r, "6109")->qty, 9000);
    assert_int_equal(row(&r, "6109")->weight, 1250000);
    bw_stats_result_free(&r);

    r = run(s, "origin,chapter", NULL, NULL, "EU", NULL);
    expect(&r, "CN|61", 3, 5500); /* EU only: D1a 1000, D1b 500, D10 4000 */
    expect(&r, "CN|85", 2, 5500);
    expect(&r, "US|84", 1, 20000);
    expect(&r, "GB|42", 1, 800);
    assert_int_equal(r.n, 4);
    bw_stats_result_free(&r);
    bw_store_close(s);
}

static void test_declaration_dimensions(void **state)
{
    (void)state;
    bw_store *s = fixture_store("decl.db");
    bw_stats_result r = run(s, "jurisdiction", NULL, NULL, NULL, NULL);
    assert_false(r.item_unit);
    /* EU accepted: D1 1500, D2 3000, D3 20000, D4 800, D10 4000, D11 2500 */
    expect(&r, "EU", 6, 31800);
    expect(&r, "US", 4, 109000); /* D6 5000, D7 12000, D8 90000, D9 2000 */
    const bw_stats_row *eu = row(&r, "EU");
    assert_int_equal(eu->items, 7);
    assert_int_equal(eu->qty, 11000);     /* 1000+2000+1000+1000+1000+4000+1000 */
    assert_int_equal(eu->weight, 3370000); /* 200000+100000+150000+2000000+300000+500000+120000 */
    bw_stats_result_free(&r);

    r = run(s, "flow", NULL, NULL, NULL, NULL);
    expect(&r, "postal", 3, 1500 + 800 + 2000);           /* D1 D4 D9 */
    expect(&r, "express", 4, 3000 + 20000 + 5000 + 2500); /* D2 D3 D6 D11 */
    expect(&r, "platform", 2, 12000 + 4000);              /* D7 D10 */
    expect(&r, "other", 1, 90000);                         /* D8 */
    bw_stats_result_free(&r);

    r = run(s, "transaction", NULL, NULL, NULL, NULL);
    expect(&r, "B2C", 6, 1500 + 3000 + 5000 + 12000 + 4000 + 2500);
    expect(&r, "B2B", 2, 20000 + 90000);
    expect(&r, "C2C", 2, 800 + 2000);
    bw_stats_result_free(&r);

    r = run(s, "type", NULL, NULL, NULL, NULL);
    expect(&r, "import", 9, 31800 + 109000 - 2000);
    expect(&r, "return", 1, 2000); /* D9 */
    bw_stats_result_free(&r);

    r = run(s, "irg", NULL, NULL, NULL, NULL);
    expect(&r, "1", 3, 5000 + 12000 + 2000);
    expect(&r, "2", 5, 1500 + 3000 + 800 + 4000 + 2500);
    expect(&r, "3", 2, 20000 + 90000);
    bw_stats_result_free(&r);

    r = run(s, "lane", NULL, NULL, NULL, NULL);
    expect(&r, "green", 6, 1500 + 3000 + 800 + 5000 + 2000 + 4000);
    expect(&r, "blue", 1, 12000);
    expect(&r, "yellow", 2, 20000 + 2500);
    expect(&r, "red", 1, 90000);
    bw_stats_result_free(&r);

    r = run(s, "collection", NULL, NULL, NULL, NULL);
    expect(&r, "vendor", 3, 1500 + 12000 + 4000);
    expect(&r, "intermediary", 4, 3000 + 20000 + 90000 + 2500);
    expect(&r, "buyer", 2, 800 + 2000);
    expect(&r, "none", 1, 5000);
    bw_stats_result_free(&r);

    r = run(s, "mode", NULL, NULL, NULL, NULL);
    expect(&r, "post", 3, 1500 + 800 + 2000);
    expect(&r, "air", 6, 3000 + 20000 + 5000 + 12000 + 4000 + 2500);
    expect(&r, "sea", 1, 90000);
    bw_stats_result_free(&r);

    r = run(s, "region", NULL, NULL, NULL, NULL);
    expect(&r, "DE-BE", 2, 1500 + 800);
    expect(&r, "DE-BY", 2, 3000 + 2500);
    expect(&r, "US-NY", 2, 5000 + 2000);
    expect(&r, "FR-75", 1, 20000);
    assert_int_equal(r.n, 7); /* and US-CA, US-TX, NL-10 */
    bw_stats_result_free(&r);

    r = run(s, "submitter", NULL, NULL, NULL, NULL);
    expect(&r, "POST-DE", 2, 1500 + 800);
    expect(&r, "EXP-1", 4, 3000 + 20000 + 5000 + 2500);
    expect(&r, "MKT-1", 2, 12000 + 4000);
    bw_stats_result_free(&r);

    /* bands in force in 2026 (data/stats/value_bands.tsv): EU under 150 EUR, 150 to 1,000;
     * US under 100 USD, 100 to 800, 800 to 2,500 */
    r = run(s, "band", NULL, NULL, NULL, NULL);
    expect(&r, "EU under 150", 5, 1500 + 3000 + 800 + 4000 + 2500);
    expect(&r, "EU 150 to 1,000", 1, 20000);
    expect(&r, "US under 100", 2, 5000 + 2000);
    expect(&r, "US 100 to 800", 1, 12000);
    expect(&r, "US 800 to 2,500", 1, 90000);
    bw_stats_result_free(&r);

    /* status: all by default when grouped by it; D5 has one item, D12 none */
    r = run(s, "status", NULL, NULL, NULL, NULL);
    expect(&r, "accepted", 10, 140800);
    expect(&r, "rejected", 2, 0);
    assert_int_equal(row(&r, "rejected")->items, 1);
    bw_stats_result_free(&r);
    r = run(s, "jurisdiction", NULL, NULL, NULL, "rejected");
    expect(&r, "EU", 1, 0);
    expect(&r, "US", 1, 0);
    bw_stats_result_free(&r);
    bw_store_close(s);
}

static void test_time_series_and_period(void **state)
{
    (void)state;
    bw_store *s = fixture_store("time.db");
    bw_stats_result r = run(s, "day", NULL, NULL, NULL, NULL);
    expect(&r, "2026-11-02", 3, 1500 + 3000 + 5000);
    expect(&r, "2026-12-01", 2, 90000 + 2000);
    expect(&r, "2026-12-07", 2, 4000 + 2500);
    assert_int_equal(r.n, 6); /* 11-02, 11-03, 11-09, 11-16, 12-01, 12-07 (12-08 only rejected) */
    bw_stats_result_free(&r);

    r = run(s, "week", NULL, NULL, NULL, NULL); /* ISO weeks: 11-02 and 11-03 are W45 */
    expect(&r, "2026-W45", 4, 1500 + 3000 + 5000 + 20000);
    expect(&r, "2026-W46", 1, 800);
    expect(&r, "2026-W47", 1, 12000);
    expect(&r, "2026-W49", 2, 92000);
    expect(&r, "2026-W50", 2, 6500);
    bw_stats_result_free(&r);

    r = run(s, "month", NULL, NULL, NULL, NULL);
    expect(&r, "2026-11", 6, 1500 + 3000 + 20000 + 800 + 5000 + 12000);
    expect(&r, "2026-12", 4, 90000 + 2000 + 4000 + 2500);
    bw_stats_result_free(&r);

    /* inclusive period: D3 (11-03), D4 (11-09), D7 (11-16), D8 and D9 (12-01) */
    r = run(s, "jurisdiction", "2026-11-03", "2026-12-01", NULL, NULL);
    expect(&r, "EU", 2, 20000 + 800);
    expect(&r, "US", 3, 12000 + 90000 + 2000);
    assert_int_equal(r.total.declarations, 5);
    bw_stats_result_free(&r);

    r = run(s, "jurisdiction", "2027-01-01", NULL, NULL, NULL);
    assert_int_equal(r.n, 0);
    bw_stats_result_free(&r);
    r = run(s, "origin", NULL, NULL, "AU", NULL); /* nothing stored for it */
    assert_int_equal(r.n, 0);
    bw_stats_result_free(&r);
    bw_store_close(s);
}

/* Lanes raised, inspections, lifecycle states and amendments after storing
 * are what statistics show. */
static void test_changes_after_storing(void **state)
{
    (void)state;
    bw_store *s = fixture_store("changes.db");
    assert_int_equal(bw_store_set_lane(s, "EXP-1", "D2", "red", "officer", "lane_changed", NULL, day_of("2026-11-04")), 1);
    bw_stats_result r = run(s, "lane", NULL, NULL, NULL, NULL);
    expect(&r, "green", 5, 1500 + 800 + 5000 + 2000 + 4000);
    expect(&r, "red", 2, 90000 + 3000);
    bw_stats_result_free(&r);

    bw_event e = {.at = day_of("2026-11-03"), .actor = "customs", .kind = "arrived", .status = "arrived"};
    assert_int_equal(bw_store_event_append(s, "EXP-1", "D6", &e), 1);
    assert_int_equal(bw_store_event_append(s, "EXP-1", "NOPE", &e), 0);
    r = run(s, "state", NULL, NULL, NULL, NULL);
    expect(&r, "assessed", 9, 140800 - 5000);
    expect(&r, "arrived", 1, 5000);
    bw_stats_result_free(&r);
    /* a lifecycle transition, in a transaction of its own, reaches the
     * statistics when it commits: D2 (3,000) held for inspection */
    bw_transition t = {.submitter = "EXP-1", .declaration_id = "D2", .action = BW_ACT_HELD,
                       .reason = BW_HOLD_INSPECTION, .actor = "officer", .at = day_of("2026-11-04")};
    bw_transition_outcome out;
    assert_int_equal(bw_store_transition(s, &t, &out), 1);
    r = run(s, "state", NULL, NULL, NULL, NULL);
    expect(&r, "assessed", 8, 140800 - 5000 - 3000);
    expect(&r, "held", 1, 3000);
    bw_stats_result_free(&r);

    /* the rejected D5 replaced by a corrected, accepted version */
    decl_spec d5 = FIXTURE[4];
    d5.status = ACC;
    d5.irg = 2;
    d5.lane = "green";
    d5.cvalue = 700;
    d5.items[0].value = 700;
    d5.errors = "[]";
    assert_int_equal(put_spec(s, &d5, 1), BW_PUT_AMENDED);
    r = run(s, "status", NULL, NULL, NULL, NULL);
    expect(&r, "accepted", 11, 140800 + 700);
    expect(&r, "rejected", 1, 0); /* D12 */
    bw_stats_result_free(&r);
    /* a conflict (accepted, other content) changes nothing */
    assert_int_equal(put_spec(s, &FIXTURE[0], 7), BW_PUT_CONFLICT);
    r = run(s, "origin", NULL, NULL, NULL, NULL);
    expect(&r, "CN", 9, 25700);
    bw_stats_result_free(&r);
    bw_store_close(s);
}

/* ---- KPIs ------------------------------------------------------------------------------ */

static void inspect(bw_store *s, const char *submitter, const char *id, const char *result)
{
    bw_inspection_record in = {.submitter = submitter, .declaration_id = id, .result = result, .actor = "officer",
                               .at = day_of("2026-12-10"), .detail = "{}"};
    assert_int_equal(bw_store_inspection(s, &in), 1);
}

static json_object *kpis(bw_store *s, const char *from, const char *to, const char *jur)
{
    bw_stats_query q;
    char err[512];
    assert_true(bw_stats_query_parse("day", from, to, jur, NULL, &q, err, sizeof err));
    bw_kpi_query kq = {q.day_from, q.day_to, q.jurisdiction, NULL};
    bw_buf out = {0};
    if (!bw_kpis_run(s, g_cfg, &kq, &out, err, sizeof err))
        fail_msg("kpis: %s", err);
    json_object *o = json_tokener_parse(bw_buf_cstr(&out));
    if (!o)
        fail_msg("kpis: not JSON: %s", bw_buf_cstr(&out));
    bw_buf_free(&out);
    return o;
}

static json_object *at(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("no %s in %s", key, json_object_to_json_string(o));
    return v;
}

/* The element of array `arr` whose `key` is `value`. */
static json_object *find(json_object *arr, const char *key, const char *value)
{
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (!strcmp(json_object_get_string(at(e, key)), value))
            return e;
    }
    fail_msg("no %s = %s", key, value);
    return NULL;
}

static int64_t num(json_object *o, const char *key) { return json_object_get_int64(at(o, key)); }
static double dbl(json_object *o, const char *key) { return json_object_get_double(at(o, key)); }

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    bw_wilson(2, 3, 1.96, &lo, &hi); /* p 2/3: centre 0.57308, half 0.36543 */
    assert_true(lo > 0.20764 && lo < 0.20767);
    assert_true(hi > 0.93850 && hi < 0.93852);
    bw_wilson(0, 10, 1.96, &lo, &hi); /* 0 of 10: [0, z^2/(n+z^2)] = [0, 0.27754] */
    assert_true(lo == 0.0);
    assert_true(hi > 0.27753 && hi < 0.27755);
    bw_wilson(45, 50, 1.96, &lo, &hi);
    assert_true(lo > 0.78639 && lo < 0.78640);
    assert_true(hi > 0.95652 && hi < 0.95653);
    bw_wilson(0, 0, 1.96, &lo, &hi); /* nothing inspected: the whole range */
    assert_true(lo == 0.0 && hi == 1.0);
}

static void test_kpis(void **state)
{
    (void)state;
    bw_store *s = fixture_store("kpis.db");
    /* inspections: the random D4 and D10 compliant, the random D7 a discrepancy;
     * D3 (yellow) seized, D8 (red) a discrepancy */
    inspect(s, "POST-DE", "D4", "compliant");
    inspect(s, "MKT-1", "D10", "compliant");
    inspect(s, "MKT-1", "D7", "discrepancy");
    inspect(s, "EXP-1", "D3", "seized");
    inspect(s, "BRK-1", "D8", "discrepancy");
    json_object *k = kpis(s, NULL, NULL, NULL);
    assert_int_equal(num(k, "declarations"), 12);

    /* data quality: POST-DE D1 D4 D5 (D5 rejected), completeness (100+100+50)/3 */
    json_object *q = find(at(k, "data_quality"), "submitter", "POST-DE");
    assert_int_equal(num(q, "declarations"), 3);
    assert_int_equal(num(q, "rejected"), 1);
    assert_true(fabs(dbl(q, "rejection_rate") - 1.0 / 3) < 1e-6);
    assert_true(fabs(dbl(q, "completeness") - 2.5 / 3) < 1e-4);
    assert_int_equal(num(at(q, "error_codes"), "hs.unknown"), 1);
    assert_int_equal(num(at(q, "error_codes"), "value.missing"), 1);
    /* EXP-1: D2 D3 D6 D11 D12 (D12 rejected), completeness (90+80+100+90+60)/5 = 0.84 */
    q = find(at(k, "data_quality"), "submitter", "EXP-1");
    assert_int_equal(num(q, "declarations"), 5);
    assert_true(fabs(dbl(q, "rejection_rate") - 0.2) < 1e-6);
    assert_true(fabs(dbl(q, "completeness") - 0.84) < 1e-4);
    assert_int_equal(num(at(q, "error_codes"), "items.missing"), 1);
    assert_int_equal(json_object_object_length(at(q, "error_codes")), 1);

    /* lanes: green D1 D2 D4 D6 D9 D10, inspected D4 D10, nothing found */
    json_object *l = find(at(k, "lanes"), "lane", "green");
    assert_int_equal(num(l, "declarations"), 6);
    assert_int_equal(num(l, "inspected"), 2);
    assert_int_equal(num(l, "found"), 0);
    assert_true(fabs(dbl(l, "inspection_rate") - 2.0 / 6) < 1e-6);
    assert_true(dbl(l, "hit_rate") == 0.0);
    l = find(at(k, "lanes"), "lane", "yellow"); /* D3 D11, D3 seized */
    assert_int_equal(num(l, "declarations"), 2);
    assert_true(fabs(dbl(l, "inspection_rate") - 0.5) < 1e-6);
    assert_true(fabs(dbl(l, "hit_rate") - 1.0) < 1e-6);
    l = find(at(k, "lanes"), "lane", "blue"); /* D7 */
    assert_int_equal(num(l, "found"), 1);

    /* random selection: D4 D7 D10 selected and inspected, 2 compliant: 2/3, Wilson [0.20765, 0.93851] */
    json_object *rs = at(k, "random_selection");
    assert_int_equal(num(rs, "selected"), 3);
    assert_int_equal(num(rs, "inspected"), 3);
    assert_int_equal(num(rs, "compliant"), 2);
    assert_true(fabs(dbl(rs, "compliance_rate") - 2.0 / 3) < 1e-6);
    json_object *iv = at(rs, "interval");
    assert_true(fabs(json_object_get_double(json_object_array_get_idx(iv, 0)) - 0.207655) < 1e-5);
    assert_true(fabs(json_object_get_double(json_object_array_get_idx(iv, 1)) - 0.938510) < 1e-5);

    /* revenue (no reference data here: amounts at 2 decimals). EU intermediary:
     * D2 tax 570, D3 duty 500 tax 3800, D11 tax 475 -> duty 5.00, tax 48.45 */
    json_object *rev = at(k, "revenue_by_collection_model"), *eu_int = NULL;
    for (size_t i = 0; i < json_object_array_length(rev); i++) {
        json_object *e = json_object_array_get_idx(rev, i);
        if (!strcmp(json_object_get_string(at(e, "jurisdiction")), "EU") &&
            !strcmp(json_object_get_string(at(e, "collection_model")), "intermediary"))
            eu_int = e;
    }
    assert_non_null(eu_int);
    assert_int_equal(num(eu_int, "declarations"), 3);
    assert_string_equal(json_object_get_string(at(eu_int, "duty")), "5.00");
    assert_string_equal(json_object_get_string(at(eu_int, "tax")), "48.45");
    assert_string_equal(json_object_get_string(at(eu_int, "revenue")), "53.45");
    assert_int_equal(json_object_array_length(rev), 7); /* EU vendor/intermediary/buyer, US none/vendor/intermediary/buyer */

    /* the lifecycle's columns exist (schema v4): timeliness can be measured;
     * nothing has arrived, so release times cannot */
    assert_true(json_object_get_boolean(at(at(k, "timeliness"), "available")));
    assert_false(json_object_get_boolean(at(at(k, "release"), "available")));
    json_object_put(k);

    /* a period: only December (D8 D9 D10 D11 D12) */
    k = kpis(s, "2026-12-01", "2026-12-31", NULL);
    assert_int_equal(num(k, "declarations"), 5);
    q = find(at(k, "data_quality"), "submitter", "EXP-1"); /* D11, D12 */
    assert_int_equal(num(q, "declarations"), 2);
    assert_int_equal(num(q, "rejected"), 1);
    assert_int_equal(num(at(k, "random_selection"), "selected"), 1); /* D10 */
    json_object_put(k);
    /* a jurisdiction */
    k = kpis(s, NULL, NULL, "US");
    assert_int_equal(num(k, "declarations"), 5); /* D6 D7 D8 D9 D12 */
    json_object_put(k);
    bw_store_close(s);
}

/* Release times from fixture events: D1 arrives 11-02 10:00, released
 * 10:05 (300 s, immediate: within 900 s); D2 arrives 11-02 10:00, released
 * 12:00 (7200 s); D3 arrives 11-03, never released; D6 arrives 11-02,
 * released after 3600 s.  Released: 3 of 4 arrived; times 300, 3600, 7200:
 * median 3600, p90 (nearest rank: 3rd of 3) 7200; immediate 1 of 4. */
static void test_lifecycle_kpis(void **state)
{
    (void)state;
    /* Lead times as the lifecycle finds them at storing: D1 loading 3600 s
     * after receipt, arrival 90000; D2 data 600 s after loading (-600),
     * arrival 7200; D3 arrival 100.  Loading: -600, 3600: share before 1/2,
     * median (rank 1) -600, p90 (rank 2) 3600.  Arrival: 100, 7200, 90000:
     * share 1, median 7200, p90 (rank 3) 90000. */
    static const lead_spec leads[] = {
        {"D1", {.has_loading = true, .lead_loading_s = 3600, .has_arrival = true, .lead_arrival_s = 90000}},
        {"D2", {.has_loading = true, .lead_loading_s = -600, .has_arrival = true, .lead_arrival_s = 7200}},
        {"D3", {.has_arrival = true, .lead_arrival_s = 100}},
        {NULL, {.has_loading = false}},
    };
    g_leads = leads;
    bw_store *s = fixture_store("life.db");
    g_leads = NULL;
    bw_time t0 = day_of("2026-11-02") + 36000;
    struct { const char *sub, *id, *kind; bw_time at; } ev[] = {
        {"POST-DE", "D1", "arrived", t0},        {"POST-DE", "D1", "released", t0 + 300},
        {"EXP-1", "D2", "arrived", t0},          {"EXP-1", "D2", "released", t0 + 7200},
        {"EXP-1", "D3", "arrived", t0 + 86400},  {"EXP-1", "D6", "arrived", t0},
        {"EXP-1", "D6", "released", t0 + 3600}, {"EXP-1", "D6", "refunded", t0 + 90000},
    };
    for (size_t i = 0; i < sizeof ev / sizeof *ev; i++) {
        bw_event e = {.at = ev[i].at, .actor = "customs", .kind = ev[i].kind,
                      .status = !strcmp(ev[i].kind, "refunded") ? "released" : ev[i].kind};
        assert_int_equal(bw_store_event_append(s, ev[i].sub, ev[i].id, &e), 1);
    }
    json_object *k = kpis(s, NULL, NULL, NULL);
    json_object *rel = at(k, "release");
    assert_true(json_object_get_boolean(at(rel, "available")));
    assert_int_equal(num(rel, "arrived"), 4);
    assert_int_equal(num(rel, "released"), 3);
    assert_true(fabs(dbl(rel, "share_released_immediately") - 0.25) < 1e-6);
    assert_int_equal(num(at(rel, "from_arrival"), "median_s"), 3600);
    assert_int_equal(num(at(rel, "from_arrival"), "p90_s"), 7200);
    assert_int_equal(num(at(k, "refunds"), "refunds"), 1);
    assert_int_equal(num(at(k, "refunds"), "declarations"), 1);
    json_object_put(k);
    k = kpis(s, NULL, NULL, NULL);
    json_object *tl = at(k, "timeliness");
    assert_true(json_object_get_boolean(at(tl, "available")));
    json_object *lo = at(tl, "before_loading"), *ar = at(tl, "before_arrival");
    assert_int_equal(num(lo, "declarations"), 2);
    assert_true(fabs(dbl(lo, "share_received_before") - 0.5) < 1e-6);
    assert_int_equal(num(lo, "median_s"), -600);
    assert_int_equal(num(lo, "p90_s"), 3600);
    assert_int_equal(num(ar, "declarations"), 3);
    assert_true(fabs(dbl(ar, "share_received_before") - 1.0) < 1e-6);
    assert_int_equal(num(ar, "median_s"), 7200);
    assert_int_equal(num(ar, "p90_s"), 90000);
    json_object_put(k);
    k = kpis(s, "2026-11-03", "2026-11-30", NULL); /* received in the period: D3 only */
    assert_int_equal(num(at(at(k, "timeliness"), "before_arrival"), "declarations"), 1);
    assert_int_equal(num(at(at(k, "timeliness"), "before_loading"), "declarations"), 0);
    json_object_put(k);

    /* only EU: D1 D2 D3 arrived, D1 D2 released */
    k = kpis(s, NULL, NULL, "EU");
    assert_int_equal(num(at(k, "release"), "arrived"), 3);
    assert_int_equal(num(at(k, "release"), "released"), 2);
    assert_int_equal(num(at(k, "refunds"), "refunds"), 0);
    json_object_put(k);
    bw_store_close(s);
}

/* ---- chunk sealing ------------------------------------------------------------------------- */

typedef struct chunk_count {
    int chunks;
    uint32_t sizes[4];
} chunk_count;

static bool count_chunk(void *ctx, const bw_stats_chunk *c)
{
    chunk_count *n = ctx;
    if (n->chunks < 4)
        n->sizes[n->chunks] = c->n;
    n->chunks++;
    return true;
}

/* n one-item declarations with pseudo-random origin, day, lane and value,
 * committed 1,000 at a time (so the open chunk is appended to); every
 * answer equals a brute-force recount of what was stored. */
static void sealing(uint32_t n)
{
    char name[64];
    snprintf(name, sizeof name, "seal-%u.db", n);
    bw_store *s = open_store(name);
    static const char *const origins[] = {"CN", "US", "DE", "VN", "GB"};
    static const char *const lanes[] = {"green", "blue", "yellow", "red"};
    int64_t count_o[5] = {0}, value_o[5] = {0}, count_l[4] = {0}, count_d[7] = {0};
    uint32_t x = 12345;
    assert_true(bw_store_begin(s));
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        int o = (int)((x >> 16) % 5), l = (int)((x >> 8) % 4), d = (int)((x >> 4) % 7);
        int64_t value = (int64_t)(x % 100000) * ((x & 1) ? 100000 : 1); /* some need 8 bytes */
        char id[16], body[64], day[16];
        snprintf(id, sizeof id, "S%u", i);
        snprintf(body, sizeof body, "{\"id\":%u}", i);
        snprintf(day, sizeof day, "2026-11-%02d", d + 1);
        bw_stats_item it = {value, 1000, 5, 0, 0, S(origins[o]), 6109};
        bw_stats_decl sd = {.day = bw_stats_day(day_of(day)), .jurisdiction = S("EU"), .submitter = S("SEAL"),
                            .lane = bw_stats_name_code(bw_stats_lane_names, lanes[l]), .status = ACC,
                            .items = &it, .n_items = 1, .errors = S("[]")};
        bw_decl_row r = {0};
        r.submitter = S("SEAL");
        r.declaration_id = S(id);
        r.status = "accepted";
        r.value_minor = -1;
        r.received_at = day_of(day);
        snprintf((char *)r.content_hash, sizeof r.content_hash, "%u", i);
        r.body = S(body);
        r.lane = lanes[l];
        r.buyer_limit.limit = -1;
        r.stats = &sd;
        bw_prior prior;
        assert_int_equal(bw_store_put(s, &r, &prior), BW_PUT_STORED);
        if (i % 1000 == 999) {
            assert_true(bw_store_commit(s));
            assert_true(bw_store_begin(s));
        }
        count_o[o]++;
        value_o[o] += value;
        count_l[l]++;
        count_d[d]++;
    }
    assert_true(bw_store_commit(s));
    bw_stats_result r = run(s, "origin", NULL, NULL, NULL, NULL);
    for (int o = 0; o < 5; o++)
        expect(&r, origins[o], count_o[o], value_o[o]);
    assert_int_equal(r.total.items, n);
    bw_stats_result_free(&r);
    r = run(s, "lane", NULL, NULL, NULL, NULL);
    for (int l = 0; l < 4; l++)
        assert_int_equal(row(&r, lanes[l])->declarations, count_l[l]);
    bw_stats_result_free(&r);
    r = run(s, "day", "2026-11-02", "2026-11-03", NULL, NULL);
    assert_int_equal(r.total.declarations, count_d[1] + count_d[2]);
    bw_stats_result_free(&r);
    /* a lane changed in a sealed chunk and in the open one */
    assert_int_equal(bw_store_set_lane(s, "SEAL", "S0", "red", "officer", "lane_changed", NULL, 1), 1);
    char last[16];
    snprintf(last, sizeof last, "S%u", n - 1);
    assert_int_equal(bw_store_set_lane(s, "SEAL", last, "red", "officer", "lane_changed", NULL, 1), 1);
    r = run(s, "lane", NULL, NULL, NULL, NULL);
    int64_t red = row(&r, "red")->declarations;
    int64_t expected_red = count_l[3];
    x = 12345; /* which lanes S0 and the last had: replay the generator */
    for (uint32_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        if ((i == 0 || i == n - 1) && (int)((x >> 8) % 4) != 3)
            expected_red++;
    }
    assert_int_equal(red, expected_red);
    bw_stats_result_free(&r);
    chunk_count cc = {0};
    bool want[BW_FC_N] = {[BW_FC_DECL] = true};
    void *ctxs[] = {&cc};
    assert_true(bw_store_stats_scan(s, INT32_MIN, INT32_MAX, want, count_chunk, ctxs, 1));
    assert_int_equal(cc.chunks, (int)((n + BW_FACTS_PER_CHUNK - 1) / BW_FACTS_PER_CHUNK));
    assert_int_equal(cc.sizes[0], n < BW_FACTS_PER_CHUNK ? n : BW_FACTS_PER_CHUNK);
    if (n > BW_FACTS_PER_CHUNK && n < 2 * BW_FACTS_PER_CHUNK)
        assert_int_equal(cc.sizes[1], n - BW_FACTS_PER_CHUNK);
    bw_store_close(s);
}

static void test_sealing_4095(void **state) { (void)state; sealing(4095); }
static void test_sealing_4096(void **state) { (void)state; sealing(4096); }
static void test_sealing_4097(void **state) { (void)state; sealing(4097); }
/* enough chunks for two threads to scan halves and merge */
static void test_sealing_threads(void **state) { (void)state; sealing(9 * BW_FACTS_PER_CHUNK + 5); }

/* A rolled-back batch leaves no facts and no codes behind. */
static void test_rollback(void **state)
{
    (void)state;
    bw_store *s = open_store("rollback.db");
    assert_true(bw_store_begin(s));
    decl_spec d = FIXTURE[0];
    bw_stats_item it = {1, 1, 1, 0, 0, S("ZZ"), 101};
    bw_stats_decl sd = {.day = 20000, .jurisdiction = S("EU"), .submitter = S("X"), .status = ACC, .items = &it,
                        .n_items = 1};
    bw_decl_row r = {0};
    r.submitter = S("X");
    r.declaration_id = S(d.id);
    r.status = "accepted";
    r.value_minor = -1;
    r.body = S("{}");
    r.buyer_limit.limit = -1;
    r.stats = &sd;
    bw_prior prior;
    assert_int_equal(bw_store_put(s, &r, &prior), BW_PUT_STORED);
    bw_store_rollback(s);
    bw_stats_result res = run(s, "origin", NULL, NULL, NULL, NULL);
    assert_int_equal(res.n, 0);
    bw_stats_result_free(&res);
    /* stored again afterwards: the code made in the rolled-back batch is made again */
    assert_true(bw_store_begin(s));
    assert_int_equal(bw_store_put(s, &r, &prior), BW_PUT_STORED);
    assert_true(bw_store_commit(s));
    res = run(s, "origin", NULL, NULL, NULL, NULL);
    expect(&res, "ZZ", 1, 1);
    bw_stats_result_free(&res);
    bw_store_close(s);
}

/* ---- rules and refusals ---------------------------------------------------------------------- */

static void test_flow_rule(void **state)
{
    (void)state;
    assert_int_equal(bw_stats_flow(ROLE_POSTAL, MODE_AIR, true), BW_FLOW_POSTAL);
    assert_int_equal(bw_stats_flow(ROLE_BROKER, MODE_POST, false), BW_FLOW_POSTAL);
    assert_int_equal(bw_stats_flow(ROLE_EXPRESS, MODE_AIR, true), BW_FLOW_EXPRESS);
    assert_int_equal(bw_stats_flow(ROLE_PLATFORM, MODE_AIR, false), BW_FLOW_PLATFORM);
    assert_int_equal(bw_stats_flow(ROLE_VENDOR, MODE_ROAD, false), BW_FLOW_PLATFORM);
    assert_int_equal(bw_stats_flow(ROLE_BROKER, MODE_AIR, true), BW_FLOW_PLATFORM);
    assert_int_equal(bw_stats_flow(ROLE_BROKER, MODE_SEA, false), BW_FLOW_OTHER);
}

static void test_completeness(void **state)
{
    (void)state;
    bw_declaration d = {0};
    assert_int_equal(bw_stats_completeness(&d), 0); /* nothing of 12 */
    bw_item it = {0};
    it.hs_code = S("610910");
    it.origin = S("CN");
    d.items = &it;
    d.n_items = 1;
    d.order.id = S("O1");
    assert_int_equal(bw_stats_completeness(&d), 25); /* order, HS, origin: 3 of 12 */
    it.net_weight.present = true;
    it.url = S("https://x");
    d.payment.id = S("P1");
    assert_int_equal(bw_stats_completeness(&d), 50); /* 6 of 12 */
}

static void refused(const char *by, const char *from, const char *to, const char *status, const char *why)
{
    bw_stats_query q;
    char err[512] = "";
    assert_false(bw_stats_query_parse(by, from, to, NULL, status, &q, err, sizeof err));
    if (!strstr(err, why))
        fail_msg("expected \"%s\" in \"%s\"", why, err);
}

static void test_bad_queries(void **state)
{
    (void)state;
    refused("", NULL, NULL, NULL, "by: name one");
    refused("origin,colour", NULL, NULL, NULL, "unknown dimension \"colour\"");
    refused("origin,origin", NULL, NULL, NULL, "named twice");
    refused("origin,chapter,lane,day", NULL, NULL, NULL, "at most 3");
    refused("origin,", NULL, NULL, NULL, "ends with a comma");
    refused("day", "2026-02-30", NULL, NULL, "from: \"2026-02-30\" is not a date");
    refused("day", NULL, "yesterday", NULL, "to: \"yesterday\" is not a date");
    refused("day", "2026-12-02", "2026-12-01", NULL, "is after to");
    refused("day", NULL, NULL, "maybe", "status:");
    bw_stats_query q;
    char err[256];
    assert_true(bw_stats_query_parse("origin,chapter", "2026-11-01", "2026-11-30", "EU", NULL, &q, err, sizeof err));
    assert_int_equal(q.n_by, 2);
    assert_int_equal(q.status, 1); /* accepted by default */
    assert_int_equal(q.day_to - q.day_from, 29);
}

static void test_render(void **state)
{
    (void)state;
    bw_store *s = fixture_store("render.db");
    bw_stats_result r = run(s, "jurisdiction,lane", NULL, NULL, NULL, NULL);
    bw_buf out = {0};
    assert_true(bw_stats_render(&r, "json", &out));
    json_object *o = json_tokener_parse(bw_buf_cstr(&out));
    assert_non_null(o);
    assert_string_equal(json_object_get_string(at(o, "unit")), "declaration");
    json_object *eu_green = NULL, *rows = at(o, "rows");
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        json_object *e = json_object_array_get_idx(rows, i);
        if (!strcmp(json_object_get_string(at(e, "jurisdiction")), "EU") &&
            !strcmp(json_object_get_string(at(e, "lane")), "green"))
            eu_green = e;
    }
    assert_non_null(eu_green); /* D1 1500, D2 3000, D4 800, D10 4000 */
    assert_int_equal(num(eu_green, "count"), 4);
    assert_string_equal(json_object_get_string(at(eu_green, "statistical_value")), "93.00");
    json_object_put(o);
    out.n = 0;
    assert_true(bw_stats_render(&r, "csv", &out));
    assert_non_null(strstr(bw_buf_cstr(&out), "jurisdiction,lane,count_declarations,"));
    assert_non_null(strstr(bw_buf_cstr(&out), "\nEU,green,4,4,5,93.00,"));
    out.n = 0;
    assert_true(bw_stats_render(&r, "table", &out));
    assert_non_null(strstr(bw_buf_cstr(&out), "unit of count: declarations"));
    out.n = 0;
    assert_false(bw_stats_render(&r, "xml", &out));
    bw_buf_free(&out);
    bw_stats_result_free(&r);
    bw_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/bw-test-stats-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    char err[512];
    g_cfg = bw_stats_config_load(BW_DATADIR, err, sizeof err);
    if (!g_cfg)
        fprintf(stderr, "setup: %s\n", err);
    return g_cfg ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bw_stats_config_free(g_cfg);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hs_and_origin_count_items),
        cmocka_unit_test(test_declaration_dimensions),
        cmocka_unit_test(test_time_series_and_period),
        cmocka_unit_test(test_changes_after_storing),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_kpis),
        cmocka_unit_test(test_lifecycle_kpis),
        cmocka_unit_test(test_sealing_4095),
        cmocka_unit_test(test_sealing_4096),
        cmocka_unit_test(test_sealing_4097),
        cmocka_unit_test(test_sealing_threads),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_flow_rule),
        cmocka_unit_test(test_completeness),
        cmocka_unit_test(test_bad_queries),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
