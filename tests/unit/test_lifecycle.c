/*
 * test_lifecycle.c - the clearance lifecycle (src/lifecycle/, store_lifecycle.c):
 * the transition table walked completely in the store - every legal
 * (state, action) applied with its one event, every illegal one refused
 * with the from-state and the action named and nothing changed (state and
 * event count) - and the flows built on it: arrival with immediate release
 * or a hold by lane and settlement, arrivals without data queued and
 * cleared when the declaration comes, manifest idempotency and conflicts,
 * do-not-load referrals, the officer's queue order, release refused while
 * unpaid and given on payment, and the parsers (manifests, actions, ages).
 *
 * Rows are put through bw_store_put like ingest puts them; a state is set
 * directly in SQL only to start a walk from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "lifecycle/manifest.h"
#include "lifecycle/officer.h"
#include "lifecycle/release.h"
#include "store/store_lifecycle.h"
#include "store_fixture.h"

/* ---- helpers ---------------------------------------------------------------------- */

static bw_store *fresh_store(void) { return fresh_store_in("/tmp/bw_lc_"); }

typedef struct decl_spec {
    const char *id, *lane, *settlement, *doc;
    int64_t due;
    bool aeo, rejected;
    const char *do_not_load;
} decl_spec;

/* Puts one accepted declaration of submitter S1 as ingest would. */
static void put(bw_store *s, const decl_spec *d)
{
    bw_lc_facts f = {.aeo = d->aeo, .do_not_load = d->do_not_load};
    if (d->doc)
        f.transport_doc = (bw_str){d->doc, (uint32_t)strlen(d->doc)};
    char body[200];
    snprintf(body, sizeof body, "{\"declaration_id\":\"%s\"}", d->id);
    bw_decl_row r = {
        .submitter = BW_STR_LIT("S1"),
        .declaration_id = {d->id, (uint32_t)strlen(d->id)},
        .jurisdiction = BW_STR_LIT("EU"),
        .status = d->rejected ? "rejected" : "accepted",
        .value_minor = 1000,
        .currency = "EUR",
        .received_at = 1700000000,
        .body = {body, (uint32_t)strlen(body)},
        .actor = "test",
        .revenue = {.assessed = true, .due = d->due, .payer = "buyer",
                    .settlement = d->settlement ? d->settlement : "none"},
        .buyer_limit = {.limit = -1},
        .lane = d->lane ? d->lane : "green",
        .lifecycle = &f,
    };
    memset(r.content_hash, d->id[0] ^ (uint8_t)strlen(d->id), 16);
    bw_prior prior;
    assert_true(bw_store_begin(s));
    assert_int_equal(bw_store_put(s, &r, &prior), BW_PUT_STORED);
    assert_true(bw_store_commit(s));
}

static sqlite3 *raw(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void sql(const char *q)
{
    sqlite3 *db = raw();
    char *msg = NULL;
    int rc = sqlite3_exec(db, q, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", q, msg);
    sqlite3_close(db);
}

static int64_t count_of(const char *q)
{
    sqlite3 *db = raw();
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static int64_t events_of(const char *id)
{
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*) FROM events e JOIN declarations d ON d.id = e.declaration"
                          " WHERE d.declaration_id = '%s'", id);
    return count_of(q);
}

static void state_of(bw_store *s, const char *id, bw_lc_status *st)
{
    assert_int_equal(bw_store_lc_status(s, "S1", id, st), 1);
}

/* ---- the table itself ---------------------------------------------------------------- */

static void test_names_parse_back(void **state)
{
    (void)state;
    for (int i = 0; i < BW_ST_COUNT; i++)
        assert_int_equal(bw_lc_state_parse(bw_lc_state_names[i]), i);
    for (int i = 0; i < BW_ACT_COUNT; i++)
        assert_int_equal(bw_lc_action_parse(bw_lc_action_names[i]), i);
    for (int i = 1; i < BW_HOLD_COUNT; i++)
        assert_int_equal(bw_hold_reason_parse(bw_hold_reason_names[i]), i);
    assert_int_equal(bw_lc_state_parse("cleared"), -1);
    assert_int_equal(bw_lc_state_parse(""), -1);
    assert_int_equal(bw_hold_reason_parse(""), -1);
    assert_int_equal(bw_lc_action_parse(NULL), -1);
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    bool target[BW_ST_COUNT] = {0};
    for (size_t i = 0; i < bw_lc_n_rules; i++) {
        const bw_lc_rule *r = &bw_lc_rules[i];
        assert_false(bw_lc_final(r->from)); /* nothing leaves a final state */
        assert_ptr_equal(bw_lc_rule_for(r->from, r->action), r); /* one rule per pair */
        if (r->to == BW_ST_PRIOR) {
            target[BW_ST_ARRIVED] = target[BW_ST_ASSESSED] = true;
        } else {
            assert_true((unsigned)r->to < BW_ST_COUNT);
            target[r->to] = true;
        }
        if (r->reason)
            assert_int_equal(r->to, BW_ST_HELD);
    }
    for (int st = 1; st < BW_ST_COUNT; st++) /* every state but received can be reached */
        assert_true(target[st]);
    for (int a = 0; a < BW_ACT_COUNT; a++) { /* every action is used somewhere */
        bool used = false;
        for (size_t i = 0; i < bw_lc_n_rules; i++)
            used |= bw_lc_rules[i].action == (bw_lc_action)a;
        assert_true(used);
    }
}

static void test_prior_state_after_a_hold(void **state)
{
    (void)state;
    bw_lc_state to;
    char why[400];
    assert_true(bw_lc_next(BW_ST_HELD, BW_ACT_HOLD_CLEARED, true, &to, why, sizeof why));
    assert_int_equal(to, BW_ST_ARRIVED);
    assert_true(bw_lc_next(BW_ST_HELD, BW_ACT_HOLD_CLEARED, false, &to, why, sizeof why));
    assert_int_equal(to, BW_ST_ASSESSED);
    assert_false(bw_lc_next(BW_ST_DESTROYED, BW_ACT_RELEASED, true, &to, why, sizeof why));
    assert_non_null(strstr(why, "destroyed"));
    assert_non_null(strstr(why, "released"));
    assert_non_null(strstr(why, "final state"));
}

/* ---- every pair in the store ----------------------------------------------------------- */

static void test_every_transition_in_the_store(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    int n = 0, legal = 0;
    for (int from = 0; from < BW_ST_COUNT; from++) {
        for (int act = 0; act < BW_ACT_COUNT; act++) {
            for (int arrived = 0; arrived < 2; arrived++) {
                char id[64], q[400];
                snprintf(id, sizeof id, "D-%d-%d-%d", from, act, arrived);
                put(s, &(decl_spec){.id = id});
                snprintf(q, sizeof q,
                         "UPDATE declarations SET state = '%s', hold_reason = %s, arrived_at = %s"
                         " WHERE declaration_id = '%s'",
                         bw_lc_state_names[from], from == BW_ST_HELD ? "'documents'" : "NULL",
                         arrived ? "1700000100" : "NULL", id);
                sql(q);
                int64_t before = events_of(id);
                bw_transition t = {"S1", id, (bw_lc_action)act, act == BW_ACT_HELD ? BW_HOLD_DOCUMENTS : BW_HOLD_NONE,
                                   "officer:test", 1700000500, NULL};
                bw_transition_outcome out;
                int rc = bw_store_transition(s, &t, &out);
                const bw_lc_rule *rule = bw_lc_rule_for((bw_lc_state)from, (bw_lc_action)act);
                bw_lc_status st;
                state_of(s, id, &st);
                n++;
                if (rule) {
                    legal++;
                    bw_lc_state want = rule->to == BW_ST_PRIOR ? (arrived ? BW_ST_ARRIVED : BW_ST_ASSESSED) : rule->to;
                    if (rc != 1)
                        fail_msg("%s %s: %s", bw_lc_state_names[from], bw_lc_action_names[act], out.why);
                    assert_string_equal(st.state, bw_lc_state_names[want]);
                    assert_string_equal(out.to, bw_lc_state_names[want]);
                    assert_int_equal(events_of(id), before + 1);
                    snprintf(q, sizeof q,
                             "SELECT count(*) FROM events e JOIN declarations d ON d.id = e.declaration"
                             " WHERE d.declaration_id = '%s' AND e.kind = '%s' AND e.status = '%s'"
                             " AND e.actor = 'officer:test' AND e.at = 1700000500",
                             id, bw_lc_action_names[act], bw_lc_state_names[want]);
                    assert_int_equal(count_of(q), 1);
                    if (want == BW_ST_HELD)
                        assert_true(st.hold_reason[0] != 0);
                    if (want == BW_ST_RELEASED)
                        assert_int_equal(st.released_at, 1700000500);
                } else {
                    assert_int_equal(rc, BW_LC_REFUSED);
                    assert_string_equal(st.state, bw_lc_state_names[from]); /* nothing changed */
                    assert_int_equal(events_of(id), before);
                    assert_non_null(strstr(out.why, bw_lc_state_names[from]));
                    assert_non_null(strstr(out.why, bw_lc_action_names[act]));
                }
            }
        }
    }
    assert_int_equal(n, BW_ST_COUNT * BW_ACT_COUNT * 2);
    assert_int_equal(legal, (int)bw_lc_n_rules * 2);
    drop_store(s);
}

static void test_refusals_that_need_more_than_the_table(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(decl_spec){.id = "UNPAID", .settlement = "awaiting_payment", .due = 500, .doc = "DOC-U"});
    sql("UPDATE declarations SET state = 'held', hold_reason = 'payment', arrived_at = 1 WHERE declaration_id = 'UNPAID'");
    bw_transition t = {"S1", "UNPAID", BW_ACT_RELEASED, BW_HOLD_NONE, "officer:test", 1700000600, NULL};
    bw_transition_outcome out;
    int64_t before = events_of("UNPAID");
    assert_int_equal(bw_store_transition(s, &t, &out), BW_LC_REFUSED);
    assert_non_null(strstr(out.why, "awaiting_payment"));
    assert_int_equal(events_of("UNPAID"), before);
    /* a hold without a reason */
    put(s, &(decl_spec){.id = "NOREASON"});
    t = (bw_transition){"S1", "NOREASON", BW_ACT_HELD, BW_HOLD_NONE, "officer:test", 1700000600, NULL};
    assert_int_equal(bw_store_transition(s, &t, &out), BW_LC_REFUSED);
    assert_non_null(strstr(out.why, "reason"));
    /* an unknown declaration */
    t.declaration_id = "NOPE";
    assert_int_equal(bw_store_transition(s, &t, &out), 0);
    drop_store(s);
}

/* ---- arrival ----------------------------------------------------------------------------- */

typedef struct seen {
    int n;
    char outcome[8][16];
} seen;

static void note(void *ctx, const bw_arrival_item *it)
{
    seen *v = ctx;
    if (v->n < 8)
        snprintf(v->outcome[v->n++], 16, "%s", it->outcome);
}

static void test_arrival_releases_holds_and_queues(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(decl_spec){.id = "GREEN", .doc = "H1"});
    put(s, &(decl_spec){.id = "DEBITED", .doc = "H2", .lane = "blue", .settlement = "debited", .due = 300});
    put(s, &(decl_spec){.id = "YELLOW", .doc = "H3", .lane = "yellow"});
    put(s, &(decl_spec){.id = "UNPAID", .doc = "H4", .settlement = "awaiting_payment", .due = 500});
    const char *docs[] = {"H1", "H2", "H3", "H4", "NODATA"};
    bw_manifest m = {"CARRIER", "MAWB-1", 1700001000, docs, 5, "carrier:test", 1700001001};
    bw_arrival_summary sum;
    seen v = {0};
    assert_true(bw_store_arrival(s, &m, note, &v, &sum));
    assert_false(sum.duplicate);
    assert_int_equal(sum.matched, 4);
    assert_int_equal(sum.released, 2);
    assert_int_equal(sum.held, 2);
    assert_int_equal(sum.unmatched, 1);
    assert_string_equal(v.outcome[0], "released");
    assert_string_equal(v.outcome[2], "held");
    assert_string_equal(v.outcome[4], "unmatched");
    bw_lc_status st;
    state_of(s, "GREEN", &st);
    assert_string_equal(st.state, "released");
    assert_int_equal(st.arrived_at, 1700001000);
    state_of(s, "YELLOW", &st);
    assert_string_equal(st.state, "held");
    assert_string_equal(st.hold_reason, "inspection");
    state_of(s, "UNPAID", &st);
    assert_string_equal(st.hold_reason, "payment");
    assert_int_equal(count_of("SELECT count(*) FROM events WHERE kind = 'released' AND actor = 'auto'"), 2);
    /* the same manifest again: nothing changes */
    int64_t events = count_of("SELECT count(*) FROM events");
    assert_true(bw_store_arrival(s, &m, NULL, NULL, &sum));
    assert_true(sum.duplicate);
    assert_int_equal(sum.released, 2);
    assert_int_equal(count_of("SELECT count(*) FROM events"), events);
    /* same master id, other items: a conflict, nothing changes */
    m.n_documents = 2;
    assert_true(bw_store_arrival(s, &m, NULL, NULL, &sum));
    assert_true(sum.conflict);
    assert_int_equal(count_of("SELECT count(*) FROM events"), events);
    assert_int_equal(count_of("SELECT count(*) FROM arrival_manifests"), 1);
    /* a payment releases the parcel waiting for it */
    bw_payment_record p = {.payment_id = "PAY-1", .payer = "buyer", .submitter = "S1", .declaration_id = "UNPAID",
                           .amount = 500, .currency = "EUR", .at = 1700002000, .actor = "test"};
    bw_pay_outcome po;
    assert_int_equal(bw_store_pay(s, &p, &po), BW_PAY_RECORDED);
    state_of(s, "UNPAID", &st);
    assert_string_equal(st.state, "released");
    assert_int_equal(st.released_at, 1700002000);
    /* the data of the parcel that came without it: cleared and decided */
    assert_int_equal(count_of("SELECT count(*) FROM arrival_unmatched WHERE cleared_at IS NULL"), 1);
    put(s, &(decl_spec){.id = "LATE", .doc = "NODATA"});
    assert_int_equal(count_of("SELECT count(*) FROM arrival_unmatched WHERE cleared_at IS NULL"), 0);
    state_of(s, "LATE", &st);
    assert_string_equal(st.state, "released");
    drop_store(s);
}

static void test_do_not_load_and_referrals(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(decl_spec){.id = "BOMB", .doc = "H9", .lane = "red", .do_not_load = "{\"referral\":\"do_not_load\"}"});
    put(s, &(decl_spec){.id = "FINE", .doc = "H8"});
    bw_lc_status st;
    state_of(s, "BOMB", &st);
    assert_string_equal(st.state, "held");
    assert_string_equal(st.hold_reason, "do_not_load");
    state_of(s, "FINE", &st);
    assert_string_equal(st.state, "assessed");
    assert_int_equal(count_of("SELECT count(*) FROM events WHERE kind = 'do_not_load' AND status = 'held'"), 1);
    /* it arrives anyway: it stays held */
    const char *docs[] = {"H9"};
    bw_manifest m = {"C", "M9", 1700003000, docs, 1, "carrier:test", 1700003000};
    bw_arrival_summary sum;
    assert_true(bw_store_arrival(s, &m, NULL, NULL, &sum));
    assert_int_equal(sum.held, 1);
    state_of(s, "BOMB", &st);
    assert_string_equal(st.state, "held");
    assert_string_equal(st.hold_reason, "do_not_load");
    drop_store(s);
}

typedef struct order {
    int n;
    char ids[8][32];
} order;

static void note_entry(void *ctx, const bw_queue_entry *e)
{
    order *o = ctx;
    if (o->n < 8)
        snprintf(o->ids[o->n++], 32, "%s", e->declaration_id);
}

static void test_queue_order_and_filters(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(decl_spec){.id = "OLD-YELLOW", .lane = "yellow"});
    put(s, &(decl_spec){.id = "NEW-RED", .lane = "red"});
    put(s, &(decl_spec){.id = "AEO-GREEN", .lane = "green", .aeo = true});
    put(s, &(decl_spec){.id = "NOT-HELD"});
    sql("UPDATE declarations SET state = 'held', hold_reason = 'inspection', state_at = 100 WHERE declaration_id = 'OLD-YELLOW';"
        "UPDATE declarations SET state = 'held', hold_reason = 'inspection', state_at = 200 WHERE declaration_id = 'NEW-RED';"
        "UPDATE declarations SET state = 'held', hold_reason = 'payment', state_at = 300 WHERE declaration_id = 'AEO-GREEN';");
    order o = {0};
    bw_queue_filter f = {0};
    assert_true(bw_store_queue(s, &f, note_entry, &o));
    assert_int_equal(o.n, 3);
    assert_string_equal(o.ids[0], "AEO-GREEN");
    assert_string_equal(o.ids[1], "NEW-RED");
    assert_string_equal(o.ids[2], "OLD-YELLOW");
    o.n = 0;
    f.reason = "inspection";
    f.held_before = 150;
    assert_true(bw_store_queue(s, &f, note_entry, &o));
    assert_int_equal(o.n, 1);
    assert_string_equal(o.ids[0], "OLD-YELLOW");
    o.n = 0;
    f = (bw_queue_filter){.lane = "red"};
    assert_true(bw_store_queue(s, &f, note_entry, &o));
    assert_int_equal(o.n, 1);
    assert_string_equal(o.ids[0], "NEW-RED");
    drop_store(s);
}

/* ---- schema v3 -> v4 ------------------------------------------------------------------ */

static void test_v3_store_migrates(void **state)
{
    (void)state;
    bw_store *s = fresh_store();
    put(s, &(decl_spec){.id = "OK-1", .doc = "M1"});
    put(s, &(decl_spec){.id = "BAD-1", .rejected = true});
    bw_store_close(s);
    /* back to the v3 shape: no lifecycle columns, indexes or tables */
    sql("DROP INDEX declarations_by_transport_doc; DROP INDEX declarations_awaiting_officer;"
        "DROP TABLE arrival_unmatched; DROP TABLE arrival_manifests;"
        "ALTER TABLE declarations DROP COLUMN state; ALTER TABLE declarations DROP COLUMN hold_reason;"
        "ALTER TABLE declarations DROP COLUMN state_at; ALTER TABLE declarations DROP COLUMN arrived_at;"
        "ALTER TABLE declarations DROP COLUMN released_at; ALTER TABLE declarations DROP COLUMN lead_loading_s;"
        "ALTER TABLE declarations DROP COLUMN lead_arrival_s; ALTER TABLE declarations DROP COLUMN transport_doc;"
        "ALTER TABLE declarations DROP COLUMN master_id; ALTER TABLE declarations DROP COLUMN aeo;"
        "ALTER TABLE declarations DROP COLUMN reassessed_duty_minor; ALTER TABLE declarations DROP COLUMN reassessed_tax_minor;"
        "ALTER TABLE declarations DROP COLUMN reassessed_due_minor; UPDATE meta SET value = '3' WHERE key = 'schema_version';");
    assert_int_equal(count_of("SELECT count(*) FROM pragma_table_info('declarations') WHERE name = 'state'"), 0);
    char err[512];
    s = bw_store_open(g_path, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(count_of("SELECT value FROM meta WHERE key = 'schema_version'"), 4);
    bw_lc_status st;
    state_of(s, "OK-1", &st);
    assert_string_equal(st.state, "assessed");
    assert_int_equal(st.state_at, 1700000000);
    state_of(s, "BAD-1", &st);
    assert_string_equal(st.state, "rejected");
    /* and it works as a v4 store: a transition, an arrival table */
    bw_transition t = {"S1", "OK-1", BW_ACT_ARRIVED, BW_HOLD_NONE, "test", 1700000001, NULL};
    bw_transition_outcome out;
    assert_int_equal(bw_store_transition(s, &t, &out), 1);
    assert_int_equal(count_of("SELECT count(*) FROM arrival_manifests"), 0);
    drop_store(s);
}

/* ---- parsers --------------------------------------------------------------------------- */

static bool manifest_ok(const char *json, char *err, size_t n)
{
    bw_arena a;
    bw_arena_init(&a);
    bw_manifest m;
    bool ok = bw_manifest_parse(json, strlen(json), &a, &m, err, n);
    bw_arena_free(&a);
    return ok;
}

static void test_manifest_parse(void **state)
{
    (void)state;
    char err[512];
    bw_arena a;
    bw_arena_init(&a);
    bw_manifest m;
    const char *good = "{\"carrier\":\"C1\",\"master_id\":\"M1\",\"arrived_at\":\"2026-11-01T03:05:00Z\","
                       "\"items\":[\"A1\",{\"document_id\":\"A2\"}]}";
    assert_true(bw_manifest_parse(good, strlen(good), &a, &m, err, sizeof err));
    assert_int_equal(m.n_documents, 2);
    assert_string_equal(m.documents[1], "A2");
    assert_string_equal(m.master_id, "M1");
    bw_arena_free(&a);
    assert_false(manifest_ok("[]", err, sizeof err));
    assert_non_null(strstr(err, "JSON object"));
    assert_false(manifest_ok("{\"carrier\":\"C\",\"master_id\":\"M\",\"arrived_at\":\"yesterday\",\"items\":[\"A\"]}", err,
                             sizeof err));
    assert_non_null(strstr(err, "arrived_at"));
    assert_false(manifest_ok("{\"carrier\":\"C\",\"master_id\":\"M\",\"arrived_at\":\"2026-11-01T00:00:00Z\","
                             "\"items\":[\"A\",\"bad id\"]}", err, sizeof err));
    assert_non_null(strstr(err, "items[1]"));
    assert_false(manifest_ok("{\"carrier\":\"C\",\"master_id\":\"M\",\"arrived_at\":\"2026-11-01T00:00:00Z\","
                             "\"items\":[\"A\",\"A\"]}", err, sizeof err));
    assert_non_null(strstr(err, "more than once"));
    assert_false(manifest_ok("{\"carrier\":\"C\",\"master_id\":\"M\",\"arrived_at\":\"2026-11-01T00:00:00Z\","
                             "\"items\":[]}", err, sizeof err));
    assert_false(manifest_ok("{\"master_id\":\"M\",\"arrived_at\":\"2026-11-01T00:00:00Z\",\"items\":[\"A\"]}", err,
                             sizeof err));
    assert_non_null(strstr(err, "carrier"));
    assert_false(manifest_ok("{\"carrier\":\"C\",\"master_id\":\"M\",\"arrived_at\":\"2026-11-01T00:00:00Z\","
                             "\"items\":[\"A\"],\"extra\":1}", err, sizeof err));
    assert_non_null(strstr(err, "extra"));
}

static void test_action_bodies_and_ages(void **state)
{
    (void)state;
    bw_arena a;
    bw_arena_init(&a);
    char err[512];
    bw_transition t = {.action = BW_ACT_RELEASED};
    assert_true(bw_lc_action_body("", 0, &a, &t, err, sizeof err));
    assert_null(t.detail);
    t.action = BW_ACT_SEIZED;
    assert_false(bw_lc_action_body("{}", 2, &a, &t, err, sizeof err));
    assert_non_null(strstr(err, "reason"));
    const char *b = "{\"reason\":\"firearm found\"}";
    assert_true(bw_lc_action_body(b, strlen(b), &a, &t, err, sizeof err));
    assert_string_equal(t.detail, "{\"reason\":\"firearm found\"}");
    t.action = BW_ACT_HELD;
    assert_false(bw_lc_action_body(b, strlen(b), &a, &t, err, sizeof err));
    assert_non_null(strstr(err, "hold_reason"));
    b = "{\"reason\":\"invoice\",\"hold_reason\":\"documents\"}";
    assert_true(bw_lc_action_body(b, strlen(b), &a, &t, err, sizeof err));
    assert_int_equal(t.reason, BW_HOLD_DOCUMENTS);
    b = "{\"reason\":\"x\",\"hold_reason\":\"do_not_load\"}"; /* only risk issues those */
    assert_false(bw_lc_action_body(b, strlen(b), &a, &t, err, sizeof err));
    b = "{\"reason\":\"x\",\"colour\":\"red\"}";
    assert_false(bw_lc_action_body(b, strlen(b), &a, &t, err, sizeof err));
    assert_non_null(strstr(err, "colour"));
    bw_arena_free(&a);
    bw_lc_action act;
    assert_true(bw_lc_officer_verb("return", &act));
    assert_int_equal(act, BW_ACT_RETURNED_TO_SENDER);
    assert_false(bw_lc_officer_verb("approve", &act));
    int64_t sec;
    assert_true(bw_lc_parse_age("90", &sec));
    assert_int_equal(sec, 90);
    assert_true(bw_lc_parse_age("8h", &sec));
    assert_int_equal(sec, 8 * 3600);
    assert_true(bw_lc_parse_age("2d", &sec));
    assert_int_equal(sec, 2 * 86400);
    assert_false(bw_lc_parse_age("-5", &sec));
    assert_false(bw_lc_parse_age("5w", &sec));
    assert_false(bw_lc_parse_age("", &sec));
}

static void test_release_decision(void **state)
{
    (void)state;
    bw_hold_reason r;
    assert_true(bw_lc_release_on_arrival("green", "none", &r));
    assert_true(bw_lc_release_on_arrival("blue", "paid", &r));
    assert_true(bw_lc_release_on_arrival("green", "debited", &r));
    assert_false(bw_lc_release_on_arrival("green", "awaiting_payment", &r));
    assert_int_equal(r, BW_HOLD_PAYMENT);
    assert_false(bw_lc_release_on_arrival("green", "held", &r));
    assert_int_equal(r, BW_HOLD_PAYMENT);
    assert_false(bw_lc_release_on_arrival("red", "awaiting_payment", &r));
    assert_int_equal(r, BW_HOLD_INSPECTION); /* risk first */
    assert_false(bw_lc_release_on_arrival("yellow", "none", &r));
    assert_int_equal(r, BW_HOLD_INSPECTION);
    assert_false(bw_lc_release_on_arrival(NULL, "none", &r));
    assert_int_equal(r, BW_HOLD_DOCUMENTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_parse_back),
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_prior_state_after_a_hold),
        cmocka_unit_test(test_every_transition_in_the_store),
        cmocka_unit_test(test_refusals_that_need_more_than_the_table),
        cmocka_unit_test(test_arrival_releases_holds_and_queues),
        cmocka_unit_test(test_do_not_load_and_referrals),
        cmocka_unit_test(test_queue_order_and_filters),
        cmocka_unit_test(test_v3_store_migrates),
        cmocka_unit_test(test_manifest_parse),
        cmocka_unit_test(test_action_bodies_and_ages),
        cmocka_unit_test(test_release_decision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
