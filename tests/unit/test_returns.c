/*
 * test_returns.c - returns and refunds (src/lifecycle/returns.c,
 * return_flow.c, store_returns.c) and the consolidated declaration
 * (consolidated.c): the time limit on its boundary days, item matching,
 * partial returns whose refunds add up exactly, each collection model
 * (account credit on the statement, buyer refund, vendor proof of
 * re-export), the CN quota restored exactly once and never below zero,
 * idempotency of declaring and of exporting, refusals with clear errors
 * that change nothing, the request parser, and a consolidated declaration
 * whose totals are worked out by hand and reconcile with the statement.
 *
 * Rows are put through bw_store_put as ingest puts them, with their
 * assessment; the release is set in SQL (the lifecycle's own tests walk
 * how a parcel gets there).  Reference data: the shipped jurisdictions.
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
#include <sqlite3.h>

#include "lifecycle/consolidated.h"
#include "lifecycle/return_flow.h"
#include "lifecycle/returns.h"
#include "reference/jurisdiction.h"
#include "view/accounts_view.h"
#include "store_fixture.h"

static bw_refdata *g_rd;

static bw_time day(int y, int m, int d) { return bw_time_from_civil(y, m, d); }

/* ---- store helpers ------------------------------------------------------------------ */

static bw_store *fresh_store(void) { return fresh_store_in("/tmp/bw_ret_"); }

static void sql(const char *q)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", q, msg);
    sqlite3_close(db);
}

static int64_t num(const char *q)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Two items: 3 T-shirts (duty 10.00, tax 0.05, value 300.00) and a bag
 * (duty 6.00, tax 39.14, value 200.00): amounts that do not divide by 3. */
static const char BODY[] = "{\"items\":[{\"hs_code\":\"610910\",\"quantity\":3},{\"hs_code\":\"420221\",\"quantity\":1}]}";
static const char ASSESS_FMT[] =
    "{\"computed\":true,\"currency\":\"%s\",\"tax_prepaid\":%s,\"items\":["
    "{\"customs_value\":\"300.00\",\"duty\":\"10.00\",\"taxes\":[{\"name\":\"VAT\",\"amount\":\"0.05\"}]},"
    "{\"customs_value\":\"200.00\",\"duty\":\"6.00\",\"taxes\":[{\"name\":\"VAT\",\"amount\":\"39.14\"}]}]}";

typedef struct spec {
    const char *id, *jurisdiction, *currency, *payer, *settlement, *account;
    bool prepaid;
    int64_t due;
    int64_t limit_amount;          /* counted against a buyer limit; 0 none */
    bw_time received;
} spec;

static void put(bw_store *s, const spec *d)
{
    char assess[800], body[1200];
    snprintf(assess, sizeof assess, ASSESS_FMT, d->currency, d->prepaid ? "true" : "false");
    snprintf(body, sizeof body, "%s\n%s", BODY, assess); /* the store keeps the assessment after the declaration */
    bw_decl_row r = {
        .submitter = BW_STR_LIT("S1"),
        .declaration_id = {d->id, (uint32_t)strlen(d->id)},
        .jurisdiction = {d->jurisdiction, (uint32_t)strlen(d->jurisdiction)},
        .status = "accepted",
        .value_minor = 50000,
        .currency = d->currency,
        .received_at = d->received,
        .body = {body, (uint32_t)strlen(body)},
        .actor = "test",
        .revenue = {.assessed = true, .duty = 1600, .tax = 3919, .due = d->due,
                    .payer = d->payer, .settlement = d->settlement,
                    .account = d->account ? (bw_str){d->account, (uint32_t)strlen(d->account)} : BW_STR_NULL,
                    .assessment = {body + strlen(BODY) + 1, (uint32_t)strlen(assess)}},
        .buyer_limit = {.limit = d->limit_amount ? 2600000 : -1, .amount = d->limit_amount, .key = "buyerkey",
                        .period = "2026"},
        .lane = "green",
    };
    memset(r.content_hash, d->id[0] ^ (uint8_t)strlen(d->id), 16);
    bw_prior prior;
    assert_true(bw_store_begin(s));
    assert_int_equal(bw_store_put(s, &r, &prior), BW_PUT_STORED);
    assert_true(bw_store_commit(s));
}

static void release(const char *id, bw_time at)
{
    char q[300];
    snprintf(q, sizeof q, "UPDATE declarations SET state = 'released', released_at = %lld WHERE declaration_id = '%s'",
             (long long)at, id);
    sql(q);
}

static void request(const char *json, bw_return_request *rq)
{
    char why[512];
    if (!bw_return_request_parse(json, strlen(json), rq, why, sizeof why))
        fail_msg("%s: %s", json, why);
}

static bw_return_result declare(bw_store *s, const char *id, const char *json, bw_time at, bw_return_outcome *o)
{
    bw_return_request rq;
    request(json, &rq);
    bw_return_result r = bw_return_declare(s, g_rd, "S1", id, &rq, "express:S1", at, o);
    bw_return_request_free(&rq);
    if (getenv("BW_TEST_VERBOSE") && o->why[0])
        fprintf(stderr, "%s: %s\n", id, o->why);
    return r;
}

static int64_t events(const char *id, const char *kind)
{
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*) FROM events e JOIN declarations d ON d.id = e.declaration"
                          " WHERE d.declaration_id = '%s' AND e.kind = '%s'", id, kind);
    return num(q);
}

/* ---- pure decisions ---------------------------------------------------------------- */

static bw_return_original original(bool prepaid)
{
    char assess[800], why[256];
    snprintf(assess, sizeof assess, ASSESS_FMT, "EUR", prepaid ? "true" : "false");
    bw_return_original o;
    assert_true(bw_return_original_load(BODY, assess, &o, why, sizeof why));
    return o;
}

static const bw_jur_version *version_of(const char *jur, bw_time at)
{
    const bw_jurisdiction *j = bw_jurisdiction_find(g_rd, (bw_str){jur, (uint32_t)strlen(jur)});
    assert_non_null(j);
    return bw_jurisdiction_at(j, at);
}

static int decide(const bw_return_original *o, int64_t *prior, const char *json, const char *jur, bw_time released,
                  bw_time at, bw_return_amounts *a, char *why)
{
    bw_return_request rq;
    request(json, &rq);
    bw_return_priors p = {prior, o->n_items};
    int rc = bw_return_decide(o, &p, &rq, version_of(jur, at), jur, released, at, a, why, 512);
    bw_return_request_free(&rq);
    return rc;
}

static void test_time_limit_boundary(void **state)
{
    (void)state;
    bw_return_original o = original(false);
    int64_t prior[2] = {0, 0};
    bw_return_amounts a;
    char why[512];
    const char *one = "{\"return_id\":\"R\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}";
    bw_time rel = day(2026, 3, 1) + 86399; /* released a second before midnight */
    /* CN: 30 days after the day of release, whatever the hour */
    assert_int_equal(decide(&o, prior, one, "CN", rel, day(2026, 3, 31) + 86399, &a, why), 0);
    assert_int_equal(decide(&o, prior, one, "CN", rel, day(2026, 4, 1), &a, why), -1);
    assert_non_null(strstr(why, "too late"));
    assert_non_null(strstr(why, "31 days"));
    assert_non_null(strstr(why, "within 30 days"));
    /* EU: 365 days */
    assert_int_equal(decide(&o, prior, one, "EU", rel, rel + 365 * 86400, &a, why), 0);
    assert_int_equal(decide(&o, prior, one, "EU", rel, rel + 366 * 86400, &a, why), -1);
    /* before the release: refused */
    assert_int_equal(decide(&o, prior, one, "EU", rel, rel - 86400, &a, why), -1);
    assert_non_null(strstr(why, "before the original's release"));
    /* never released */
    assert_int_equal(decide(&o, prior, one, "EU", 0, rel, &a, why), -1);
    assert_non_null(strstr(why, "never released"));
    assert_int_equal(bw_return_days_between(day(2026, 1, 1), day(2026, 1, 1) + 86399), 0);
    assert_int_equal(bw_return_days_between(day(2026, 1, 1) + 86399, day(2026, 1, 2)), 1);
    bw_return_original_free(&o);
}

static void test_item_matching(void **state)
{
    (void)state;
    bw_return_original o = original(false);
    int64_t prior[2] = {0, 0};
    bw_return_amounts a;
    char why[512];
    bw_time rel = day(2026, 5, 1), at = day(2026, 5, 3);
    assert_int_equal(decide(&o, prior, "{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"420221\",\"quantity\":1}]}",
                            "EU", rel, at, &a, why), -1);
    assert_string_equal(why, "items[0].hs_code: item 1 was imported under HS 610910, not 420221");
    assert_int_equal(decide(&o, prior, "{\"return_id\":\"R\",\"items\":[{\"line\":3,\"hs_code\":\"420221\",\"quantity\":1}]}",
                            "EU", rel, at, &a, why), -1);
    assert_string_equal(why, "items[0].line: the original has 2 items, not 3");
    assert_int_equal(decide(&o, prior, "{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":4}]}",
                            "EU", rel, at, &a, why), -1);
    assert_string_equal(why, "items[0].quantity: 4 is more than item 1 can still return (3 imported, 0 already returned)");
    prior[0] = 2000; /* two already returned */
    assert_int_equal(decide(&o, prior, "{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":2}]}",
                            "EU", rel, at, &a, why), -1);
    assert_non_null(strstr(why, "2 already returned"));
    assert_int_equal(decide(&o, prior, "{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}",
                            "EU", rel, at, &a, why), 0);
    bw_return_original_free(&o);
}

/* Three returns of one T-shirt each refund 3.33 + 3.33 + 3.34 = 10.00 duty
 * and 0.01 + 0.02 + 0.02 = 0.05 tax: the rounding rule. */
static void test_partial_returns_exact(void **state)
{
    (void)state;
    bw_return_original o = original(false);
    int64_t prior[2] = {0, 0};
    bw_return_amounts a;
    char why[512];
    const char *one = "{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}";
    const int64_t duty[3] = {333, 333, 334}, tax[3] = {1, 2, 2};
    int64_t sum_duty = 0, sum_tax = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(decide(&o, prior, one, "EU", day(2026, 5, 1), day(2026, 5, 2), &a, why), 0);
        assert_int_equal(a.duty, duty[i]);
        assert_int_equal(a.tax, tax[i]);
        assert_int_equal(a.vendor_tax, 0);
        sum_duty += a.duty;
        sum_tax += a.tax;
        prior[0] += 1000;
    }
    assert_int_equal(sum_duty, 1000);
    assert_int_equal(sum_tax, 5);
    /* a fractional quantity: 1.5 of 3 is half */
    prior[0] = 0;
    assert_int_equal(decide(&o, prior, "{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":\"1.5\"}]}",
                            "EU", day(2026, 5, 1), day(2026, 5, 2), &a, why), 0);
    assert_int_equal(a.duty, 500);
    assert_int_equal(a.tax, 2);
    assert_int_equal(a.value_after - a.value_before, 15000);
    assert_int_equal(bw_return_share(1000, 3000, 3000), 1000);
    assert_int_equal(bw_return_share(1000, 0, 3000), 0);
    assert_int_equal(bw_return_share(INT64_MAX, 1, 2), INT64_MAX / 2);
    bw_return_original_free(&o);
}

/* Vendor-collected tax is not refunded by customs; US refunds no tax at all. */
static void test_models_and_rules(void **state)
{
    (void)state;
    bw_return_original v = original(true), b = original(false);
    int64_t prior[2] = {0, 0};
    bw_return_amounts a;
    char why[512];
    const char *bag = "{\"return_id\":\"R\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}";
    assert_int_equal(decide(&v, prior, bag, "EU", day(2026, 5, 1), day(2026, 5, 2), &a, why), 0);
    assert_int_equal(a.duty, 600);
    assert_int_equal(a.tax, 0);
    assert_int_equal(a.vendor_tax, 3914);
    assert_int_equal(decide(&b, prior, bag, "US", day(2026, 5, 1), day(2026, 5, 2), &a, why), 0);
    assert_int_equal(a.duty, 600);
    assert_int_equal(a.tax, 0); /* the US file: refund_tax false */
    assert_int_equal(decide(&b, prior, bag, "GB", day(2026, 5, 1), day(2026, 5, 2), &a, why), 0);
    assert_int_equal(a.tax, 3914);
    bw_return_original_free(&v);
    bw_return_original_free(&b);
}

static void test_request_parser(void **state)
{
    (void)state;
    static const struct {
        const char *json, *why;
    } bad[] = {
        {"[]", "the return must be one JSON object"},
        {"{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]", "the return must be one JSON object"},
        {"{\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}", "return_id: required"},
        {"{\"return_id\":\"R 1\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}",
         "return_id: only letters, digits and . _ : / - are allowed"},
        {"{\"return_id\":\"R\",\"items\":[]}", "items: must be a non-empty array"},
        {"{\"return_id\":\"R\",\"items\":[{\"line\":0,\"hs_code\":\"610910\",\"quantity\":1}]}", "items[0].line: must be"},
        {"{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"61A910\",\"quantity\":1}]}", "items[0].hs_code: must be"},
        {"{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":0}]}", "items[0].quantity: must be"},
        {"{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":\"0.0001\"}]}",
         "items[0].quantity: must be"},
        {"{\"return_id\":\"R\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1},"
         "{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}",
         "items[1].line: item 1 is named twice"},
        {"{\"return_id\":\"R\",\"claimant\":\"vendor\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}",
         "claimant: must be"},
        {"{\"return_id\":\"R\",\"refund\":\"100\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}",
         "refund: unknown field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bw_return_request rq;
        char why[512] = "";
        assert_false(bw_return_request_parse(bad[i].json, strlen(bad[i].json), &rq, why, sizeof why));
        if (strncmp(why, bad[i].why, strlen(bad[i].why)))
            fail_msg("%s: got \"%s\", expected \"%s...\"", bad[i].json, why, bad[i].why);
        assert_null(rq.lines);
    }
    bw_return_request rq;
    request("{\"return_id\":\"R-1\",\"claimant\":\"intermediary\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}",
            &rq);
    assert_string_equal(rq.claimant, "intermediary");
    assert_int_equal(rq.lines[0].quantity, 1000);
    bw_buf c = {0};
    bw_return_request_canonical(&rq, &c);
    bw_buf_putc(&c, 0);
    assert_string_equal(c.p, "{\"return_id\":\"R-1\",\"claimant\":\"intermediary\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}");
    bw_buf_free(&c);
    bw_return_request_free(&rq);
    char id[81], why[256];
    assert_true(bw_return_id_parse("{\"return_id\":\"R-1\"}", 19, id, why, sizeof why));
    assert_string_equal(id, "R-1");
    assert_false(bw_return_id_parse("{\"return_id\":\"R 1\"}", 19, id, why, sizeof why));
    assert_false(bw_return_id_parse("{}", 2, id, why, sizeof why));
}

/* The jurisdiction file's keys: a bad value is a load error naming it. */
static void test_jurisdiction_keys(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *why;
    } cases[] = {
        {"\"time_limit_days\": 30", "\"time_limit_days\": -1", "\"returns.time_limit_days\" must be a whole number 0-3660"},
        {"\"refund_duty\": true", "\"refund_duty\": \"yes\"", "\"returns.refund_duty\" must be true or false"},
        {"\"refund_tax\": true,", "\"refund_tax\": true, \"refund_all\": true,", "returns: unknown key \"refund_all\""},
        {"\"day_of_next_month\": 5", "\"day_of_next_month\": 31", "\"account_due.day_of_next_month\" must be a whole number 1-28"},
    };
    char path[4200], dir[] = "/tmp/bw_retj_XXXXXX";
    assert_non_null(mkdtemp(dir));
    FILE *f = fopen(BW_DATADIR "/jurisdictions/CN.json", "rb");
    assert_non_null(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *at = strstr(text, cases[i].from);
        assert_non_null(at);
        snprintf(path, sizeof path, "%s/CN.json", dir);
        f = fopen(path, "wb");
        fprintf(f, "%.*s%s%s", (int)(at - text), text, cases[i].to, at + strlen(cases[i].from));
        fclose(f);
        bw_jurisdiction *j = NULL;
        uint32_t nj = 0;
        char err[512] = "";
        bool ok = bw_jurisdictions_load(dir, &j, &nj, err, sizeof err);
        bw_jurisdictions_free(j, nj);
        assert_false(ok);
        if (!strstr(err, cases[i].why))
            fail_msg("expected \"%s\" in \"%s\"", cases[i].why, err);
    }
    /* the shipped file as it is loads, with its rule */
    f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
    bw_jurisdiction *j = NULL;
    uint32_t nj = 0;
    char err[512];
    assert_true(bw_jurisdictions_load(dir, &j, &nj, err, sizeof err));
    assert_int_equal(j[0].versions[0].return_days, 30);
    assert_int_equal(j[0].versions[0].account_due_day, 5);
    bw_jurisdictions_free(j, nj);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

/* ---- in the store ------------------------------------------------------------------- */

static void account_add(bw_store *s, const char *id, const char *jur, const char *cur, int64_t guarantee)
{
    bw_account a = {.guarantee = guarantee};
    snprintf(a.id, sizeof a.id, "%s", id);
    snprintf(a.jurisdiction, sizeof a.jurisdiction, "%s", jur);
    snprintf(a.currency, sizeof a.currency, "%s", cur);
    int released;
    assert_true(bw_store_account_put(s, &a, day(2026, 10, 1), &released));
}

static int64_t balance(bw_store *s, const char *id, const char *jur)
{
    bw_account a;
    assert_int_equal(bw_store_account_get(s, id, jur, &a), 1);
    return a.balance;
}

static const char ONE_SHIRT[] = "{\"return_id\":\"R1\",\"claimant\":\"intermediary\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":1}]}";

static void test_account_credit(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    account_add(s, "ACC", "EU", "EUR", 100000);
    put(s, &(spec){"A1", "EU", "EUR", "intermediary", "account", "ACC", false, 4919, 0, day(2026, 11, 2)});
    assert_int_equal(balance(s, "ACC", "EU"), 4919);
    release("A1", day(2026, 11, 3));
    bw_return_outcome o;
    assert_int_equal(declare(s, "A1", ONE_SHIRT, day(2026, 11, 10), &o), BW_RETURN_ACCEPTED);
    assert_true(o.has_record);
    assert_int_equal(o.record.duty, 333);
    assert_int_equal(o.record.tax, 1);
    assert_int_equal(o.record.exported_at, 0);
    bw_return_outcome_free(&o);
    /* declared, not refunded before export */
    assert_int_equal(balance(s, "ACC", "EU"), 4919);
    assert_int_equal(events("A1", "return_declared"), 1);
    /* the same return again: duplicate; other items under the same id: conflict */
    assert_int_equal(declare(s, "A1", ONE_SHIRT, day(2026, 11, 11), &o), BW_RETURN_DUPLICATE);
    bw_return_outcome_free(&o);
    assert_int_equal(declare(s, "A1", "{\"return_id\":\"R1\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":2}]}",
                             day(2026, 11, 11), &o),
                     BW_RETURN_CONFLICT);
    assert_non_null(strstr(o.why, "already declared with other items"));
    bw_return_outcome_free(&o);
    assert_int_equal(events("A1", "return_declared"), 1);
    assert_int_equal(num("SELECT count(*) FROM returns"), 1);
    /* exported: credited once */
    assert_int_equal(bw_return_export(s, "S1", "A1", "R1", "officer:1", day(2026, 11, 12), &o), BW_RETURN_ACCEPTED);
    assert_string_equal(o.record.refund_to, "account");
    assert_string_equal(o.record.refund_reference, "RF-EU-00000001");
    bw_return_outcome_free(&o);
    assert_int_equal(balance(s, "ACC", "EU"), 4919 - 334);
    assert_int_equal(bw_return_export(s, "S1", "A1", "R1", "officer:1", day(2026, 11, 13), &o), BW_RETURN_DUPLICATE);
    bw_return_outcome_free(&o);
    assert_int_equal(balance(s, "ACC", "EU"), 4919 - 334);
    assert_int_equal(num("SELECT count(*) FROM refunds"), 1);
    assert_int_equal(events("A1", "exported"), 1);
    assert_int_equal(events("A1", "refunded"), 1);
    assert_int_equal(num("SELECT count(*) FROM events WHERE kind = 'refunded' AND actor = 'officer:1'"
                         " AND detail LIKE '%\"claimant\":\"intermediary\"%'"),
                     1);
    /* the statement shows the refund as a credit and closes on the balance */
    bw_account a;
    assert_int_equal(bw_store_account_get(s, "ACC", "EU", &a), 1);
    bw_buf b = {0};
    bw_time from, to;
    assert_true(bw_period_parse("2026-11", &from, &to));
    assert_true(bw_statement_write(s, &a, "2026-11", from, to, false, &b));
    bw_buf_putc(&b, 0);
    assert_non_null(strstr(b.p, "\"kind\":\"refund\",\"reference\":\"RF-EU-00000001\",\"amount\":\"-3.34\""));
    assert_non_null(strstr(b.p, "\"closing_balance\":\"45.85\""));
    bw_buf_free(&b);
    /* an unknown return cannot be exported */
    assert_int_equal(bw_return_export(s, "S1", "A1", "R9", "officer:1", day(2026, 11, 13), &o), BW_RETURN_NOT_FOUND);
    bw_return_outcome_free(&o);
    drop_store(s);
}

static void test_buyer_refund_and_vendor_proof(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(spec){"B1", "EU", "EUR", "buyer", "awaiting_payment", NULL, false, 5519, 0, day(2026, 11, 2)});
    put(s, &(spec){"V1", "EU", "EUR", "buyer", "awaiting_payment", NULL, true, 1600, 0, day(2026, 11, 2)});
    sql("UPDATE declarations SET settlement = 'paid'");
    release("B1", day(2026, 11, 3));
    release("V1", day(2026, 11, 3));
    bw_return_outcome o;
    const char *bag = "{\"return_id\":\"R1\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}";
    assert_int_equal(declare(s, "B1", bag, day(2026, 11, 4), &o), BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(bw_return_export(s, "S1", "B1", "R1", "officer:1", day(2026, 11, 5), &o), BW_RETURN_ACCEPTED);
    assert_string_equal(o.record.refund_to, "buyer");
    assert_null(o.record.proof);
    bw_return_outcome_free(&o);
    assert_int_equal(num("SELECT amount_minor FROM refunds WHERE to_whom = 'buyer' AND account IS NULL"), 600 + 3914);
    /* vendor-collected tax: the duty is refunded, the tax gets a proof */
    assert_int_equal(declare(s, "V1", bag, day(2026, 11, 4), &o), BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(bw_return_export(s, "S1", "V1", "R1", "officer:1", day(2026, 11, 5), &o), BW_RETURN_ACCEPTED);
    assert_int_equal(o.record.duty, 600);
    assert_int_equal(o.record.tax, 0);
    assert_int_equal(o.record.vendor_tax, 3914);
    assert_non_null(o.record.proof);
    assert_non_null(strstr(o.record.proof, "\"type\":\"proof_of_re_export\",\"reference\":\"RX-EU-00000002\""));
    assert_non_null(strstr(o.record.proof, "\"vendor_collected_tax\":\"39.14\""));
    assert_non_null(strstr(o.record.proof, "\"declaration_id\":\"V1\""));
    bw_return_outcome_free(&o);
    assert_int_equal(num("SELECT amount_minor FROM refunds r JOIN declarations d ON d.id = r.declaration"
                         " WHERE d.declaration_id = 'V1'"),
                     600);
    drop_store(s);
}

static int64_t quota_used(void) { return num("SELECT used_minor FROM buyer_limits WHERE buyer_key = 'buyerkey'"); }

static void test_cn_quota(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(spec){"C1", "CN", "CNY", "buyer", "awaiting_payment", NULL, false, 4000, 400000, day(2026, 11, 2)});
    put(s, &(spec){"C2", "CN", "CNY", "buyer", "awaiting_payment", NULL, false, 4000, 100000, day(2026, 11, 2)});
    sql("UPDATE declarations SET settlement = 'paid'");
    assert_int_equal(quota_used(), 500000);
    release("C1", day(2026, 11, 3));
    release("C2", day(2026, 11, 3));
    bw_return_outcome o;
    /* the bag (200 of 500 value) then the three shirts: 2/5 then 3/5 of what C1 counted */
    assert_int_equal(declare(s, "C1", "{\"return_id\":\"R1\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}",
                             day(2026, 11, 4), &o),
                     BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(quota_used(), 500000); /* not before the export */
    assert_int_equal(bw_return_export(s, "S1", "C1", "R1", "customs", day(2026, 11, 5), &o), BW_RETURN_ACCEPTED);
    assert_int_equal(o.record.quota_restored, 160000);
    bw_return_outcome_free(&o);
    assert_int_equal(quota_used(), 340000);
    assert_int_equal(bw_return_export(s, "S1", "C1", "R1", "customs", day(2026, 11, 6), &o), BW_RETURN_DUPLICATE);
    bw_return_outcome_free(&o);
    assert_int_equal(quota_used(), 340000); /* exactly once */
    assert_int_equal(declare(s, "C1", "{\"return_id\":\"R2\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":3}]}",
                             day(2026, 11, 4), &o),
                     BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(bw_return_export(s, "S1", "C1", "R2", "customs", day(2026, 11, 5), &o), BW_RETURN_ACCEPTED);
    assert_int_equal(o.record.quota_restored, 240000);
    bw_return_outcome_free(&o);
    assert_int_equal(quota_used(), 100000); /* all of C1 given back, C2 stays */
    /* never below zero: the running total was reset meanwhile */
    sql("UPDATE buyer_limits SET used_minor = 500");
    assert_int_equal(declare(s, "C2", "{\"return_id\":\"R1\",\"items\":[{\"line\":2,\"hs_code\":\"420221\",\"quantity\":1}]}",
                             day(2026, 11, 4), &o),
                     BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(bw_return_export(s, "S1", "C2", "R1", "customs", day(2026, 11, 5), &o), BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(quota_used(), 0);
    /* CN: 30 days */
    put(s, &(spec){"C3", "CN", "CNY", "buyer", "awaiting_payment", NULL, false, 4000, 0, day(2026, 11, 2)});
    sql("UPDATE declarations SET settlement = 'paid' WHERE declaration_id = 'C3'");
    release("C3", day(2026, 10, 1));
    assert_int_equal(declare(s, "C3", ONE_SHIRT, day(2026, 11, 1), &o), BW_RETURN_REFUSED);
    assert_non_null(strstr(o.why, "within 30 days"));
    bw_return_outcome_free(&o);
    drop_store(s);
}

static void test_refused_change_nothing(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(spec){"N1", "EU", "EUR", "buyer", "awaiting_payment", NULL, false, 5519, 0, day(2026, 11, 2)});
    bw_return_outcome o;
    assert_int_equal(declare(s, "NOPE", ONE_SHIRT, day(2026, 11, 4), &o), BW_RETURN_NOT_FOUND);
    assert_string_equal(o.why, "no declaration S1/NOPE");
    bw_return_outcome_free(&o);
    int64_t ev = num("SELECT count(*) FROM events");
    /* not released */
    assert_int_equal(declare(s, "N1", ONE_SHIRT, day(2026, 11, 4), &o), BW_RETURN_REFUSED);
    assert_string_equal(o.why, "S1/N1 is assessed, not released: only released goods can be returned");
    bw_return_outcome_free(&o);
    sql("UPDATE declarations SET settlement = 'paid'");
    release("N1", day(2026, 11, 3));
    const char *bad[] = {
        "{\"return_id\":\"R1\",\"items\":[{\"line\":1,\"hs_code\":\"610910\",\"quantity\":4}]}",
        "{\"return_id\":\"R1\",\"items\":[{\"line\":2,\"hs_code\":\"610910\",\"quantity\":1}]}",
        "{\"return_id\":\"R1\",\"items\":[{\"line\":7,\"hs_code\":\"610910\",\"quantity\":1}]}",
    };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(declare(s, "N1", bad[i], day(2026, 11, 4), &o), BW_RETURN_REFUSED);
        assert_true(strlen(o.why) > 10);
        bw_return_outcome_free(&o);
    }
    assert_int_equal(declare(s, "N1", ONE_SHIRT, day(2027, 11, 4), &o), BW_RETURN_REFUSED); /* 366 days */
    assert_non_null(strstr(o.why, "too late"));
    bw_return_outcome_free(&o);
    assert_int_equal(num("SELECT count(*) FROM events"), ev);
    assert_int_equal(num("SELECT count(*) FROM returns"), 0);
    assert_int_equal(num("SELECT count(*) FROM return_lines"), 0);
    assert_int_equal(num("SELECT count(*) FROM declarations WHERE state = 'released'"), 1);
    drop_store(s);
}

/* ---- the consolidated declaration ---------------------------------------------------- */

/* By hand: November has two debits (49.19 + 20.00 = 69.19, duty 16.00 +
 * 16.00, tax 39.19 + 39.19 as put), a payment of 30.00 and the refund of
 * one shirt (3.34); October one debit of 10.00 (the opening balance);
 * December one more, outside.  Net 69.19 - 3.34 = 65.85; closing 10.00 +
 * 69.19 - 30.00 - 3.34 = 45.85; the peak 79.19 after the second debit;
 * due the 16th of December (the EU file). */
static void test_consolidated_by_hand(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    account_add(s, "ACC", "EU", "EUR", 100000);
    put(s, &(spec){"OCT", "EU", "EUR", "intermediary", "account", "ACC", false, 1000, 0, day(2026, 10, 20)});
    put(s, &(spec){"N1", "EU", "EUR", "intermediary", "account", "ACC", false, 4919, 0, day(2026, 11, 2)});
    put(s, &(spec){"N2", "EU", "EUR", "intermediary", "account", "ACC", false, 2000, 0, day(2026, 11, 9)});
    put(s, &(spec){"DEC", "EU", "EUR", "intermediary", "account", "ACC", false, 777, 0, day(2026, 12, 1)});
    release("N1", day(2026, 11, 3));
    bw_payment_record p = {.payment_id = "P1", .payer = "carrier", .account = "ACC", .jurisdiction = "EU",
                           .amount = 3000, .currency = "EUR", .at = day(2026, 11, 10), .actor = "test"};
    bw_pay_outcome po;
    assert_int_equal(bw_store_pay(s, &p, &po), BW_PAY_RECORDED);
    bw_return_outcome o;
    assert_int_equal(declare(s, "N1", ONE_SHIRT, day(2026, 11, 11), &o), BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    assert_int_equal(bw_return_export(s, "S1", "N1", "R1", "customs", day(2026, 11, 12), &o), BW_RETURN_ACCEPTED);
    bw_return_outcome_free(&o);
    bw_account a;
    assert_int_equal(bw_store_account_get(s, "ACC", "EU", &a), 1);
    bw_buf b = {0};
    bw_consolidated_totals t;
    char why[256];
    assert_true(bw_consolidated_write(s, g_rd, &a, "2026-11", false, &b, &t, why, sizeof why));
    bw_buf_putc(&b, 0);
    assert_int_equal(t.consignments, 2);
    assert_int_equal(t.released, 1);
    assert_int_equal(t.debited, 6919);
    assert_int_equal(t.refunded, 334);
    assert_int_equal(t.paid, 3000);
    assert_int_equal(t.opening, 1000);
    assert_int_equal(t.closing, 1000 + 6919 - 3000 - 334);
    assert_int_equal(t.peak_use, 1000 + 6919);
    assert_int_equal(t.peak_at, day(2026, 11, 9));
    assert_non_null(strstr(b.p, "\"net\":\"65.85\""));
    assert_non_null(strstr(b.p, "\"due_date\":\"2026-12-16T00:00:00Z\""));
    assert_non_null(strstr(b.p, "\"end_use\":\"45.85\""));
    assert_null(strstr(b.p, "\"DEC\""));
    assert_null(strstr(b.p, "\"OCT\""));
    /* the same figures as the statement of the month */
    bw_statement_view v = {.out = &(bw_buf){0}};
    bw_time from, to;
    assert_true(bw_period_parse("2026-11", &from, &to));
    int64_t opening;
    assert_true(bw_store_statement_opening(s, "ACC", "EU", from, &opening));
    bw_statement_open(&v, &a, "2026-11", opening);
    assert_true(bw_store_statement(s, "ACC", "EU", from, to, bw_statement_line_put, &v));
    assert_int_equal(v.debits, t.debited);
    assert_int_equal(v.credits, t.paid + t.refunded);
    assert_int_equal(v.closing, t.closing);
    bw_buf_free(v.out);
    /* December's closing is the account's balance */
    bw_buf_free(&b);
    b = (bw_buf){0};
    assert_true(bw_consolidated_write(s, g_rd, &a, "2026-12", true, &b, &t, why, sizeof why));
    assert_int_equal(t.closing, a.balance);
    assert_int_equal(t.consignments, 1);
    assert_false(bw_consolidated_write(s, g_rd, &a, "2026-13", false, &b, &t, why, sizeof why));
    assert_string_equal(why, "period: a month, YYYY-MM");
    bw_buf_free(&b);
    assert_int_equal(bw_consolidated_due(day(2026, 12, 1), 15), day(2027, 1, 15));
    assert_int_equal(bw_consolidated_due(day(2026, 12, 1), 0), 0);
    drop_store(s);
}

static int setup(void **state)
{
    (void)state;
    char err[1024];
    g_rd = bw_refdata_load(BW_DATADIR, getenv("BREAKWATER_REFDATA"), err, sizeof err);
    if (!g_rd)
        fprintf(stderr, "%s\n", err);
    return g_rd ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bw_refdata_free(g_rd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_limit_boundary),
        cmocka_unit_test(test_item_matching),
        cmocka_unit_test(test_partial_returns_exact),
        cmocka_unit_test(test_models_and_rules),
        cmocka_unit_test(test_request_parser),
        cmocka_unit_test(test_jurisdiction_keys),
        cmocka_unit_test(test_account_credit),
        cmocka_unit_test(test_buyer_refund_and_vendor_proof),
        cmocka_unit_test(test_cn_quota),
        cmocka_unit_test(test_refused_change_nothing),
        cmocka_unit_test(test_consolidated_by_hand),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
