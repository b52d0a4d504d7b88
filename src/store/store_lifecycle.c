/*
 * store_lifecycle.c - the SQL of the clearance lifecycle (store_lifecycle.h).
 *
 * Schema v4 adds state columns to declarations rather than a table of its
 * own: the officer's queue, the arrival match and the statistics read them
 * with the declaration's lane and settlement in one indexed row.  The
 * state is written after the insert of a new declaration (one UPDATE by
 * rowid in the same transaction) so the insert of the spine stays as it is.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "../lifecycle/release.h"
#include "../stats/facts.h"
#include "sqlite_store.h"
#include "store_lifecycle.h"
#include "store_oga.h"

#define bind_cstr bw_sqlite_bind_cstr
#define bind_str bw_sqlite_bind_str

static const char SCHEMA_V4[] =
    "ALTER TABLE declarations ADD COLUMN state TEXT NOT NULL DEFAULT 'assessed';"
    "ALTER TABLE declarations ADD COLUMN hold_reason TEXT;"
    "ALTER TABLE declarations ADD COLUMN state_at INTEGER;"        /* when the state was entered */
    "ALTER TABLE declarations ADD COLUMN arrived_at INTEGER;"
    "ALTER TABLE declarations ADD COLUMN released_at INTEGER;"
    "ALTER TABLE declarations ADD COLUMN lead_loading_s INTEGER;"  /* data before loading, s */
    "ALTER TABLE declarations ADD COLUMN lead_arrival_s INTEGER;"  /* data before arrival, s */
    "ALTER TABLE declarations ADD COLUMN transport_doc TEXT;"
    "ALTER TABLE declarations ADD COLUMN master_id TEXT;"
    "ALTER TABLE declarations ADD COLUMN aeo INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE declarations ADD COLUMN reassessed_duty_minor INTEGER;"
    "ALTER TABLE declarations ADD COLUMN reassessed_tax_minor INTEGER;"
    "ALTER TABLE declarations ADD COLUMN reassessed_due_minor INTEGER;"
    /* v3 rows: accepted ones were assessed (the default), rejected ones rejected */
    "UPDATE declarations SET state = 'rejected' WHERE status = 'rejected';"
    "UPDATE declarations SET state_at = received_at;"
    "UPDATE meta SET value = '4' WHERE key = 'schema_version';";

static const char TABLES_V4[] =
    "CREATE INDEX IF NOT EXISTS declarations_by_transport_doc ON declarations(transport_doc)"
    "  WHERE transport_doc IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS declarations_awaiting_officer ON declarations(aeo, state_at)"
    "  WHERE state IN ('held', 'inspected', 'reassessed');"
    "CREATE INDEX IF NOT EXISTS events_referrals ON events(declaration) WHERE kind = 'do_not_load';"
    "CREATE TABLE IF NOT EXISTS arrival_manifests("
    "  id INTEGER PRIMARY KEY, carrier TEXT NOT NULL, master_id TEXT NOT NULL,"
    "  arrived_at INTEGER NOT NULL, received_at INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  items_hash BLOB NOT NULL,"    /* XXH3-128 of the item ids: a resend is a duplicate */
    "  items INTEGER NOT NULL, matched INTEGER NOT NULL, released INTEGER NOT NULL,"
    "  held INTEGER NOT NULL, unmatched INTEGER NOT NULL, unchanged INTEGER NOT NULL,"
    "  UNIQUE(carrier, master_id));"
    "CREATE TABLE IF NOT EXISTS arrival_unmatched("  /* arrived without data */
    "  id INTEGER PRIMARY KEY, manifest INTEGER NOT NULL REFERENCES arrival_manifests(id),"
    "  document_id TEXT NOT NULL, arrived_at INTEGER NOT NULL,"
    "  cleared_at INTEGER, declaration INTEGER REFERENCES declarations(id));"
    "CREATE INDEX IF NOT EXISTS arrival_unmatched_open ON arrival_unmatched(document_id)"
    "  WHERE cleared_at IS NULL;";

int bw_sqlite_lifecycle_schema(sqlite3 *db, char **msg)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info('declarations') WHERE name = 'state'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    bool v4 = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    if (!v4) {
        if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE;", NULL, NULL, msg)) != SQLITE_OK)
            return rc;
        /* another process may have migrated meanwhile: look again under the lock */
        rc = sqlite3_exec(db, "SELECT state FROM declarations LIMIT 0", NULL, NULL, NULL) == SQLITE_OK
                 ? SQLITE_OK
                 : sqlite3_exec(db, SCHEMA_V4, NULL, NULL, msg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(db, "COMMIT;", NULL, NULL, msg);
        if (rc != SQLITE_OK) {
            sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
            return rc;
        }
    }
    return sqlite3_exec(db, TABLES_V4, NULL, NULL, msg);
}

/* ---- statements ------------------------------------------------------------------ */
enum { LC_FIND, LC_STATE, LC_UPDATE, LC_EVENT, LC_STORED, LC_OPEN_UNMATCHED, LC_CLEAR_UNMATCHED, LC_BY_DOC,
       LC_ANY_UNMATCHED, LC_STATUS_BY_ID, LC_N };

static const char *const LC_SQL[LC_N] = {
    [LC_FIND] = "SELECT id FROM declarations WHERE submitter = ?1 AND declaration_id = ?2",
    [LC_STATE] = "SELECT state, arrived_at, lane, settlement, submitter, declaration_id, hold_reason FROM declarations"
                 " WHERE id = ?1",
    [LC_UPDATE] = "UPDATE declarations SET state = ?2, hold_reason = ?3, state_at = ?4,"
                  " arrived_at = coalesce(?5, arrived_at), released_at = coalesce(?6, released_at) WHERE id = ?1",
    [LC_EVENT] = "INSERT INTO events(declaration, at, actor, kind, status, detail) VALUES(?1,?2,?3,?4,?5,?6)",
    [LC_STORED] = "UPDATE declarations SET state = ?2, hold_reason = ?3, state_at = ?4, lead_loading_s = ?5,"
                  " lead_arrival_s = ?6, transport_doc = ?7, master_id = ?8, aeo = ?9 WHERE id = ?1",
    [LC_OPEN_UNMATCHED] = "SELECT id, arrived_at FROM arrival_unmatched WHERE document_id = ?1 AND cleared_at IS NULL"
                          " ORDER BY id LIMIT 1",
    [LC_CLEAR_UNMATCHED] = "UPDATE arrival_unmatched SET cleared_at = ?2, declaration = ?3 WHERE id = ?1",
    [LC_BY_DOC] = "SELECT id FROM declarations WHERE transport_doc = ?1 ORDER BY id",
    [LC_ANY_UNMATCHED] = "SELECT EXISTS(SELECT 1 FROM arrival_unmatched WHERE cleared_at IS NULL)",
    /* every GET of a declaration reads it: prepared once */
    [LC_STATUS_BY_ID] = "SELECT state, hold_reason, state_at, arrived_at, released_at, lead_loading_s, lead_arrival_s,"
                        " transport_doc, aeo, reassessed_duty_minor, reassessed_tax_minor, reassessed_due_minor"
                        " FROM declarations WHERE id = ?1",
};

struct bw_lc_stmts {
    sqlite3_stmt *st[LC_N];
    /* Whether any parcel waits for its data, known for the transaction in
     * progress (no other connection can add one while it holds the write
     * lock): a batch of puts asks once, not once per declaration.
     * 0 unknown (reset by the commit and rollback hooks), 1 none, 2 some. */
    int unmatched;
};

static int forget_unmatched(void *ctx)
{
    ((struct bw_lc_stmts *)ctx)->unmatched = 0;
    return 0; /* the commit goes on */
}

static void forget_unmatched_rb(void *ctx) { forget_unmatched(ctx); }

/* The statement `which`, prepared on first use, reset and unbound. */
static sqlite3_stmt *lc(bw_store *s, int which)
{
    if (!s->lc) {
        s->lc = calloc(1, sizeof *s->lc);
        if (!s->lc) {
            snprintf(s->error, sizeof s->error, "out of memory");
            return NULL;
        }
        sqlite3_commit_hook(s->db, forget_unmatched, s->lc);
        sqlite3_rollback_hook(s->db, forget_unmatched_rb, s->lc);
    }
    sqlite3_stmt **st = &s->lc->st[which];
    if (!*st && sqlite3_prepare_v3(s->db, LC_SQL[which], -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK) {
        bw_sqlite_error(s, "preparing a lifecycle statement");
        *st = NULL;
        return NULL;
    }
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    return *st;
}

void bw_sqlite_lifecycle_close(bw_store *s)
{
    if (!s->lc)
        return;
    sqlite3_commit_hook(s->db, NULL, NULL);
    sqlite3_rollback_hook(s->db, NULL, NULL);
    for (int i = 0; i < LC_N; i++)
        sqlite3_finalize(s->lc->st[i]);
    free(s->lc);
    s->lc = NULL;
}

static bool done(bw_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (st)
        sqlite3_reset(st);
    return rc == SQLITE_DONE || (st && bw_sqlite_error(s, what));
}

static void bind_opt(sqlite3_stmt *st, int i, bool present, int64_t v)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static bool add_event(bw_store *s, int64_t row, bw_time at, const char *actor, const char *kind, const char *state,
                      const char *detail)
{
    sqlite3_stmt *st = lc(s, LC_EVENT);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    sqlite3_bind_int64(st, 2, at);
    bind_cstr(st, 3, actor);
    bind_cstr(st, 4, kind);
    bind_cstr(st, 5, state);
    bind_cstr(st, 6, detail);
    return done(s, st, "recording the lifecycle event");
}

/* The current state of a row. */
typedef struct row_state {
    int state;
    bool arrived;
    char lane[16], settlement[24], submitter[72], declaration_id[80], hold_reason[24];
} row_state;

static int read_state(bw_store *s, int64_t row, row_state *rs)
{
    sqlite3_stmt *st = lc(s, LC_STATE);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "reading the state"), -1);
    }
    const char *t;
    rs->state = bw_lc_state_parse((const char *)sqlite3_column_text(st, 0));
    rs->arrived = sqlite3_column_type(st, 1) != SQLITE_NULL;
    snprintf(rs->lane, sizeof rs->lane, "%s", (t = (const char *)sqlite3_column_text(st, 2)) ? t : "");
    snprintf(rs->settlement, sizeof rs->settlement, "%s", (t = (const char *)sqlite3_column_text(st, 3)) ? t : "");
    snprintf(rs->submitter, sizeof rs->submitter, "%s", (const char *)sqlite3_column_text(st, 4));
    snprintf(rs->declaration_id, sizeof rs->declaration_id, "%s", (const char *)sqlite3_column_text(st, 5));
    snprintf(rs->hold_reason, sizeof rs->hold_reason, "%s", (t = (const char *)sqlite3_column_text(st, 6)) ? t : "");
    sqlite3_reset(st);
    if (rs->state < 0) {
        snprintf(s->error, sizeof s->error, "declaration row %lld has an unknown state", (long long)row);
        return -1;
    }
    return 1;
}

/* Moves to `to` (columns only). */
bool bw_sqlite_lifecycle_set_state(bw_store *s, int64_t row, bw_lc_state to, const char *reason, bool arrived_now,
                                   bw_time at)
{
    sqlite3_stmt *st = lc(s, LC_UPDATE);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    bind_cstr(st, 2, bw_lc_state_names[to]);
    bind_cstr(st, 3, to == BW_ST_HELD ? reason : NULL);
    sqlite3_bind_int64(st, 4, at);
    bind_opt(st, 5, arrived_now, at);
    bind_opt(st, 6, to == BW_ST_RELEASED, at);
    return done(s, st, "changing the state") && bw_sqlite_lifecycle_stats_state(s, row, to);
}

static bool set_state(bw_store *s, int64_t row, bw_lc_state to, bw_hold_reason reason, bw_lc_action act, bw_time at)
{
    return bw_sqlite_lifecycle_set_state(s, row, to, reason ? bw_hold_reason_names[reason] : NULL,
                                         act == BW_ACT_ARRIVED, at);
}

bool bw_sqlite_lifecycle_stats_state(bw_store *s, int64_t row, bw_lc_state to)
{
    return bw_sqlite_stats_set(s, row, BW_FC_STATE, bw_stats_name_code(bw_stats_state_names, bw_lc_state_names[to])) >= 0;
}

/* One transition on a row inside the caller's transaction: 1 applied,
 * BW_LC_REFUSED (why), 0 no such row, -1 error. */
static int apply(bw_store *s, int64_t row, const bw_transition *t, bw_transition_outcome *out)
{
    row_state rs;
    int found = read_state(s, row, &rs);
    if (found <= 0)
        return found;
    bw_lc_state to;
    snprintf(out->from, sizeof out->from, "%s", bw_lc_state_names[rs.state]);
    if (!bw_lc_next((bw_lc_state)rs.state, t->action, rs.arrived, &to, out->why, sizeof out->why))
        return BW_LC_REFUSED;
    if (to == BW_ST_RELEASED || t->action == BW_ACT_HOLD_CLEARED) { /* every agency hold cleared first */
        char agencies[300];
        int holding = bw_sqlite_oga_holding(s, row, agencies, sizeof agencies);
        if (holding < 0)
            return -1;
        if (holding > 0) {
            snprintf(out->why, sizeof out->why,
                     "a declaration in state %s cannot be %s: other government agencies still hold it (%.300s); each"
                     " agency must release its own hold first",
                     out->from, bw_lc_action_names[t->action], agencies);
            return BW_LC_REFUSED;
        }
    }
    if (to == BW_ST_RELEASED && !bw_lc_settled(rs.settlement[0] ? rs.settlement : NULL)) {
        snprintf(out->why, sizeof out->why,
                 "a declaration in state %s cannot be released: duties and taxes are not settled (%s); record the"
                 " payment first",
                 out->from, rs.settlement);
        return BW_LC_REFUSED;
    }
    const bw_lc_rule *rule = bw_lc_rule_for((bw_lc_state)rs.state, t->action);
    bw_hold_reason reason = rule->reason ? rule->reason : t->reason;
    if (!reason && rs.state == BW_ST_HELD && to == BW_ST_HELD) /* still held, for the same reason */
        reason = (bw_hold_reason)(bw_hold_reason_parse(rs.hold_reason) > 0 ? bw_hold_reason_parse(rs.hold_reason) : 0);
    if (to == BW_ST_HELD && !reason) {
        snprintf(out->why, sizeof out->why, "a hold needs a reason: %s", "inspection, documents, payment, oga, quota");
        return BW_LC_REFUSED;
    }
    snprintf(out->to, sizeof out->to, "%s", bw_lc_state_names[to]);
    char detail[160];
    const char *d = t->detail;
    if (!d && to == BW_ST_HELD) { /* a hold always says why */
        snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", bw_hold_reason_names[reason]);
        d = detail;
    }
    if (!set_state(s, row, to, reason, t->action, t->at) ||
        !add_event(s, row, t->at, t->actor, bw_lc_action_names[t->action], bw_lc_state_names[to], d))
        return -1;
    return 1;
}

static int find_row(bw_store *s, const char *submitter, const char *id, int64_t *row)
{
    sqlite3_stmt *st = lc(s, LC_FIND);
    if (!st)
        return -1;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, id);
    int rc = sqlite3_step(st);
    *row = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "finding the declaration"), -1);
}

/* Runs the transition and, when applied, what follows, in one transaction. */
static int transact(bw_store *s, const bw_transition *t, bw_transition_outcome *out,
                    bool (*then)(bw_store *, int64_t, const void *), const void *ctx)
{
    memset(out, 0, sizeof *out);
    if (!bw_store_begin(s))
        return -1;
    int64_t row;
    int rc = find_row(s, t->submitter, t->declaration_id, &row);
    if (rc == 1)
        rc = apply(s, row, t, out);
    if (rc == 1 && then && !then(s, row, ctx))
        rc = -1;
    if (rc == 1 && !bw_store_commit(s))
        return -1;
    if (rc != 1)
        bw_store_rollback(s);
    return rc;
}

int bw_store_transition(bw_store *s, const bw_transition *t, bw_transition_outcome *out)
{
    return transact(s, t, out, NULL, NULL);
}

int bw_store_transition_then(bw_store *s, const bw_transition *t, bw_transition_outcome *out,
                             bool (*then)(bw_store *, int64_t row, const void *ctx), const void *ctx)
{
    return transact(s, t, out, then, ctx);
}

typedef struct amounts {
    int64_t duty, tax, due;
} amounts;

static bool set_reassessed(bw_store *s, int64_t row, const void *ctx)
{
    const amounts *a = ctx;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "UPDATE declarations SET reassessed_duty_minor = ?2,"
                                            " reassessed_tax_minor = ?3, reassessed_due_minor = ?4 WHERE id = ?1");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    sqlite3_bind_int64(st, 2, a->duty);
    sqlite3_bind_int64(st, 3, a->tax);
    sqlite3_bind_int64(st, 4, a->due);
    int rc = sqlite3_step(st);
    return bw_sqlite_finish(s, st, rc, "storing the reassessment");
}

int bw_store_reassess(bw_store *s, const bw_transition *t, int64_t duty, int64_t tax, int64_t due,
                      bw_transition_outcome *out)
{
    amounts a = {duty, tax, due};
    return transact(s, t, out, set_reassessed, &a);
}

/* ---- arrival of one declaration ---------------------------------------------------- */

/* The declaration's parcel arrived: arrived, then released or held (or
 * still held when it was).  *outcome / *reason / *state for the report. */
static int arrive(bw_store *s, int64_t row, bw_time at, const char *actor, const char *detail, const char **outcome,
                  bw_hold_reason *reason, const char **state)
{
    bw_transition_outcome out;
    bw_transition t = {.action = BW_ACT_ARRIVED, .actor = actor, .at = at, .detail = detail};
    row_state rs;
    int rc = read_state(s, row, &rs);
    if (rc <= 0)
        return rc;
    *reason = BW_HOLD_NONE;
    *state = bw_lc_state_names[rs.state];
    if (!bw_lc_rule_for((bw_lc_state)rs.state, BW_ACT_ARRIVED) || rs.arrived) {
        *outcome = "unchanged"; /* arrived before, past arrival, or rejected */
        return 1;
    }
    if ((rc = apply(s, row, &t, &out)) != 1)
        return rc;
    if (rs.state == BW_ST_HELD) {
        *outcome = "held";
        *state = "held";
        return 1;
    }
    bool release = bw_lc_release_on_arrival(rs.lane[0] ? rs.lane : NULL, rs.settlement[0] ? rs.settlement : NULL,
                                            reason);
    t.action = release ? BW_ACT_RELEASED : BW_ACT_HELD;
    t.reason = *reason;
    t.actor = "auto";
    t.detail = release ? "{\"rule\":\"immediate release: lane and settlement allow it\"}" : NULL;
    if ((rc = apply(s, row, &t, &out)) != 1)
        return rc < 0 ? rc : -1;
    *outcome = release ? "released" : "held";
    *state = release ? "released" : "held";
    return 1;
}

/* ---- the storing transaction ------------------------------------------------------- */

/* A declaration whose parcel arrived before its data. */
static bool arrived_before(bw_store *s, int64_t row, bw_str doc, bw_time now)
{
    sqlite3_stmt *st = lc(s, LC_ANY_UNMATCHED);
    if (!st)
        return false;
    if (!s->lc->unmatched) {
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            return bw_sqlite_error(s, "looking for arrivals without data");
        }
        s->lc->unmatched = sqlite3_column_int(st, 0) ? 2 : 1;
        sqlite3_reset(st);
    }
    if (s->lc->unmatched == 1)
        return true;
    if (!(st = lc(s, LC_OPEN_UNMATCHED)))
        return false;
    bind_str(st, 1, doc);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE || bw_sqlite_error(s, "looking for an arrival without data");
    }
    int64_t id = sqlite3_column_int64(st, 0);
    bw_time arrived = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    if (!(st = lc(s, LC_CLEAR_UNMATCHED)))
        return false;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, row);
    if (!done(s, st, "clearing the arrival without data"))
        return false;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"arrived_at\":%lld,\"arrived_without_data\":%lld}", (long long)arrived,
             (long long)id);
    const char *outcome, *state;
    bw_hold_reason reason;
    return arrive(s, row, now, "auto", detail, &outcome, &reason, &state) >= 0;
}

/* The state a row enters with, and whether it is a do-not-load referral. */
static bw_lc_state entry_state(const bw_decl_row *r, bool *dnl)
{
    bool accepted = r->status && !strcmp(r->status, "accepted");
    *dnl = accepted && r->lifecycle && r->lifecycle->do_not_load;
    return !accepted ? BW_ST_REJECTED : *dnl ? BW_ST_HELD : BW_ST_ASSESSED;
}

/* state, hold_reason, state_at, lead_loading_s, lead_arrival_s,
 * transport_doc, master_id, aeo as ?at.. ?at+7 */
static void bind_entry(sqlite3_stmt *st, int at, const bw_decl_row *r)
{
    const bw_lc_facts *f = r->lifecycle;
    bool dnl;
    bw_lc_state state = entry_state(r, &dnl);
    bind_cstr(st, at, bw_lc_state_names[state]);
    bind_cstr(st, at + 1, dnl ? "do_not_load" : NULL);
    sqlite3_bind_int64(st, at + 2, r->received_at);
    bind_opt(st, at + 3, f && f->has_loading, f ? f->lead_loading_s : 0);
    bind_opt(st, at + 4, f && f->has_arrival, f ? f->lead_arrival_s : 0);
    bind_str(st, at + 5, f ? f->transport_doc : BW_STR_NULL);
    bind_str(st, at + 6, f && f->master_id.n ? f->master_id : BW_STR_NULL);
    sqlite3_bind_int(st, at + 7, f && f->aeo);
}

void bw_sqlite_lifecycle_bind(sqlite3_stmt *insert, int at, const bw_decl_row *r) { bind_entry(insert, at, r); }

bool bw_sqlite_lifecycle_stored(bw_store *s, int64_t id, const bw_decl_row *r, bool amended)
{
    const bw_lc_facts *f = r->lifecycle;
    bool dnl;
    bool accepted = entry_state(r, &dnl) != BW_ST_REJECTED;
    if (amended) { /* the insert set them; an amendment starts over */
        sqlite3_stmt *st = lc(s, LC_STORED);
        if (!st)
            return false;
        sqlite3_bind_int64(st, 1, id);
        bind_entry(st, 2, r);
        if (!done(s, st, "recording the lifecycle state"))
            return false;
    }
    if (dnl && !add_event(s, id, r->received_at, "auto", "do_not_load", "held", f->do_not_load))
        return false;
    if (accepted && f && f->transport_doc.n)
        return arrived_before(s, id, f->transport_doc, r->received_at);
    return true;
}

bool bw_sqlite_lifecycle_settled(bw_store *s, int64_t id, bw_time at)
{
    row_state rs;
    int rc = read_state(s, id, &rs);
    if (rc <= 0 || rs.state != BW_ST_HELD || strcmp(rs.hold_reason, "payment") || !rs.arrived)
        return rc >= 0; /* only a parcel that waits at the border for its payment goes now */
    bw_hold_reason reason;
    if (!bw_lc_release_on_arrival(rs.lane[0] ? rs.lane : NULL, rs.settlement, &reason))
        return true;
    bw_transition t = {.action = BW_ACT_RELEASED, .actor = "auto", .at = at,
                       .detail = "{\"rule\":\"immediate release: paid while held for payment\"}"};
    bw_transition_outcome out;
    return apply(s, id, &t, &out) == 1;
}

bool bw_sqlite_lifecycle_inspected(bw_store *s, int64_t id, const char *result, const char *actor, bw_time at,
                                   char state_out[16])
{
    row_state rs;
    int rc = read_state(s, id, &rs);
    if (rc <= 0)
        return rc == 0 ? (snprintf(s->error, sizeof s->error, "no such declaration"), false) : false;
    bw_lc_action act = !strcmp(result, "seized") ? BW_ACT_SEIZED : BW_ACT_INSPECTED;
    bw_lc_state to;
    char why[400];
    if (!bw_lc_next((bw_lc_state)rs.state, act, rs.arrived, &to, why, sizeof why)) {
        snprintf(s->error, sizeof s->error, "inspection refused: %s", why);
        return false;
    }
    snprintf(state_out, 16, "%s", bw_lc_state_names[to]);
    return set_state(s, id, to, BW_HOLD_NONE, act, at);
}

/* ---- arrivals ---------------------------------------------------------------------- */

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void items_hash(const bw_manifest *m, uint8_t out[16])
{
    XXH3_state_t *h = XXH3_createState();
    XXH3_128bits_reset(h);
    for (uint32_t i = 0; i < m->n_documents; i++)
        XXH3_128bits_update(h, m->documents[i], strlen(m->documents[i]) + 1); /* with its NUL: a separator */
    XXH128_hash_t v = XXH3_128bits_digest(h);
    XXH3_freeState(h);
    XXH128_canonicalFromHash((XXH128_canonical_t *)out, v);
}

/* 1: a manifest with this (carrier, master id) exists (summary filled). */
static int known_manifest(bw_store *s, const bw_manifest *m, const uint8_t hash[16], bw_arrival_summary *out)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, items_hash, items, matched, released, held, unmatched, unchanged"
                                            " FROM arrival_manifests WHERE carrier = ?1 AND master_id = ?2");
    if (!st)
        return -1;
    bind_cstr(st, 1, m->carrier);
    bind_cstr(st, 2, m->master_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->manifest_id = sqlite3_column_int64(st, 0);
        bool same = sqlite3_column_bytes(st, 1) == 16 && !memcmp(sqlite3_column_blob(st, 1), hash, 16);
        out->duplicate = same;
        out->conflict = !same;
        out->items = (uint32_t)sqlite3_column_int(st, 2);
        out->matched = (uint32_t)sqlite3_column_int(st, 3);
        out->released = (uint32_t)sqlite3_column_int(st, 4);
        out->held = (uint32_t)sqlite3_column_int(st, 5);
        out->unmatched = (uint32_t)sqlite3_column_int(st, 6);
        out->unchanged = (uint32_t)sqlite3_column_int(st, 7);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "looking the manifest up"), -1);
}

static bool manifest_row(bw_store *s, const bw_manifest *m, const uint8_t hash[16], bool update,
                         bw_arrival_summary *out)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, update ? "UPDATE arrival_manifests SET matched = ?2, released = ?3, held = ?4, unmatched = ?5, unchanged = ?6"
                    " WHERE id = ?1"
                  : "INSERT INTO arrival_manifests(carrier, master_id, arrived_at, received_at, actor, items_hash, items,"
                    " matched, released, held, unmatched, unchanged) VALUES(?1,?2,?3,?4,?5,?6,?7,0,0,0,0,0)");
    if (!st)
        return false;
    if (update) {
        sqlite3_bind_int64(st, 1, out->manifest_id);
        sqlite3_bind_int(st, 2, (int)out->matched);
        sqlite3_bind_int(st, 3, (int)out->released);
        sqlite3_bind_int(st, 4, (int)out->held);
        sqlite3_bind_int(st, 5, (int)out->unmatched);
        sqlite3_bind_int(st, 6, (int)out->unchanged);
    } else {
        bind_cstr(st, 1, m->carrier);
        bind_cstr(st, 2, m->master_id);
        sqlite3_bind_int64(st, 3, m->arrived_at);
        sqlite3_bind_int64(st, 4, m->received_at);
        bind_cstr(st, 5, m->actor);
        sqlite3_bind_blob(st, 6, hash, 16, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, (int)m->n_documents);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return bw_sqlite_error(s, "recording the manifest");
    if (!update)
        out->manifest_id = sqlite3_last_insert_rowid(s->db);
    return true;
}

static bool queue_unmatched(bw_store *s, const bw_manifest *m, const char *doc, int64_t manifest)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO arrival_unmatched(manifest, document_id, arrived_at)"
                                            " VALUES(?1,?2,?3)");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, manifest);
    bind_cstr(st, 2, doc);
    sqlite3_bind_int64(st, 3, m->arrived_at);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s->lc)
        s->lc->unmatched = 2;
    return rc == SQLITE_DONE || bw_sqlite_error(s, "queueing an arrival without data");
}

/* The rows declaring one transport document (a few at most). */
static int rows_for(bw_store *s, const char *doc, int64_t *rows, int max)
{
    sqlite3_stmt *st = lc(s, LC_BY_DOC);
    if (!st)
        return -1;
    bind_cstr(st, 1, doc);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
        rows[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : (bw_sqlite_error(s, "matching the manifest"), -1);
}

static bool arrive_item(bw_store *s, const bw_manifest *m, const char *doc, const char *detail,
                        void (*each)(void *, const bw_arrival_item *), void *ctx, bw_arrival_summary *out)
{
    double t0 = now_us();
    int64_t rows[8];
    int n = rows_for(s, doc, rows, 8);
    if (n < 0)
        return false;
    if (n == 0) {
        if (!queue_unmatched(s, m, doc, out->manifest_id))
            return false;
        out->unmatched++;
        if (each)
            each(ctx, &(bw_arrival_item){doc, NULL, NULL, "unmatched", NULL, NULL, now_us() - t0});
        return true;
    }
    for (int i = 0; i < n; i++) {
        const char *outcome, *state;
        bw_hold_reason reason;
        if (arrive(s, rows[i], m->arrived_at, m->actor, detail, &outcome, &reason, &state) != 1)
            return false;
        out->matched++;
        out->released += !strcmp(outcome, "released");
        out->held += !strcmp(outcome, "held");
        out->unchanged += !strcmp(outcome, "unchanged");
        if (each) {
            row_state rs;
            if (read_state(s, rows[i], &rs) != 1)
                return false;
            each(ctx, &(bw_arrival_item){doc, rs.submitter, rs.declaration_id, outcome,
                                         reason ? bw_hold_reason_names[reason] : NULL, state, now_us() - t0});
        }
    }
    return true;
}

bool bw_store_arrival(bw_store *s, const bw_manifest *m, void (*each)(void *, const bw_arrival_item *), void *ctx,
                      bw_arrival_summary *out)
{
    memset(out, 0, sizeof *out);
    out->items = m->n_documents;
    uint8_t hash[16];
    items_hash(m, hash);
    if (!bw_store_begin(s))
        return false;
    int known = known_manifest(s, m, hash, out);
    if (known != 0) {
        bw_store_rollback(s);
        return known == 1;
    }
    bool ok = manifest_row(s, m, hash, false, out);
    char detail[300];
    bw_buf d = {0};
    bw_buf_puts(&d, "{\"carrier\":");
    bw_buf_put_json_str(&d, m->carrier, strlen(m->carrier));
    bw_buf_puts(&d, ",\"master_id\":");
    bw_buf_put_json_str(&d, m->master_id, strlen(m->master_id));
    bw_buf_printf(&d, ",\"manifest\":%lld}", (long long)out->manifest_id);
    snprintf(detail, sizeof detail, "%s", bw_buf_cstr(&d));
    bw_buf_free(&d);
    for (uint32_t i = 0; ok && i < m->n_documents; i++)
        ok = arrive_item(s, m, m->documents[i], detail, each, ctx, out);
    if (ok)
        ok = manifest_row(s, m, hash, true, out) && bw_store_commit(s);
    else
        bw_store_rollback(s);
    return ok;
}

bool bw_store_unmatched(bw_store *s, bool all, void (*each)(void *, const bw_unmatched *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT u.id, m.carrier, m.master_id, u.document_id, u.arrived_at, u.cleared_at, d.submitter,"
           " d.declaration_id FROM arrival_unmatched u JOIN arrival_manifests m ON m.id = u.manifest"
           " LEFT JOIN declarations d ON d.id = u.declaration WHERE ?1 OR u.cleared_at IS NULL ORDER BY u.id");
    if (!st)
        return false;
    sqlite3_bind_int(st, 1, all);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_unmatched u = {sqlite3_column_int64(st, 0),
                          (const char *)sqlite3_column_text(st, 1),
                          (const char *)sqlite3_column_text(st, 2),
                          (const char *)sqlite3_column_text(st, 3),
                          sqlite3_column_int64(st, 4),
                          sqlite3_column_int64(st, 5),
                          (const char *)sqlite3_column_text(st, 6),
                          (const char *)sqlite3_column_text(st, 7)};
        each(ctx, &u);
    }
    return bw_sqlite_finish(s, st, rc, "listing arrivals without data");
}

/* ---- queue, referrals, status ---------------------------------------------------------- */

bool bw_store_queue(bw_store *s, const bw_queue_filter *f, void (*each)(void *, const bw_queue_entry *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT submitter, declaration_id, jurisdiction, state, hold_reason, lane, settlement, risk_score, aeo,"
           " state_at, arrived_at FROM declarations"
           " WHERE state IN ('held', 'inspected', 'reassessed') AND (?1 IS NULL OR lane = ?1)"
           " AND (?2 IS NULL OR hold_reason = ?2) AND (?3 IS NULL OR state_at < ?3)"
           " ORDER BY aeo DESC, CASE lane WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'blue' THEN 2 ELSE 3 END,"
           " state_at, id LIMIT ?4");
    if (!st)
        return false;
    bind_cstr(st, 1, f->lane);
    bind_cstr(st, 2, f->reason);
    bind_opt(st, 3, f->held_before != 0, f->held_before);
    sqlite3_bind_int(st, 4, f->limit ? (int)f->limit : 1000);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_queue_entry e = {(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                            (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                            (const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5),
                            (const char *)sqlite3_column_text(st, 6), sqlite3_column_int64(st, 7),
                            sqlite3_column_int(st, 8) != 0,           sqlite3_column_int64(st, 9),
                            sqlite3_column_int64(st, 10)};
        each(ctx, &e);
    }
    return bw_sqlite_finish(s, st, rc, "reading the work queue");
}

bool bw_store_referrals(bw_store *s, const char *submitter, void (*each)(void *, const bw_referral *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT d.submitter, d.declaration_id, d.state, e.detail, e.at FROM events e"
           " JOIN declarations d ON d.id = e.declaration WHERE e.kind = 'do_not_load'"
           " AND (?1 IS NULL OR d.submitter = ?1) ORDER BY e.id");
    if (!st)
        return false;
    bind_cstr(st, 1, submitter);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_referral r = {(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                         (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                         sqlite3_column_int64(st, 4)};
        each(ctx, &r);
    }
    return bw_sqlite_finish(s, st, rc, "reading the referrals");
}

static const char STATUS_SQL[] =
    "SELECT state, hold_reason, state_at, arrived_at, released_at, lead_loading_s, lead_arrival_s, transport_doc,"
    " aeo, reassessed_duty_minor, reassessed_tax_minor, reassessed_due_minor FROM declarations";

static void read_status(sqlite3_stmt *st, bw_lc_status *o)
{
    memset(o, 0, sizeof *o);
    bw_sqlite_copy_text(st, 0, o->state, sizeof o->state);
    bw_sqlite_copy_text(st, 1, o->hold_reason, sizeof o->hold_reason);
    o->state_at = sqlite3_column_int64(st, 2);
    o->arrived_at = sqlite3_column_int64(st, 3);
    o->released_at = sqlite3_column_int64(st, 4);
    o->has_lead_loading = sqlite3_column_type(st, 5) != SQLITE_NULL;
    o->lead_loading_s = sqlite3_column_int64(st, 5);
    o->has_lead_arrival = sqlite3_column_type(st, 6) != SQLITE_NULL;
    o->lead_arrival_s = sqlite3_column_int64(st, 6);
    bw_sqlite_copy_text(st, 7, o->transport_doc, sizeof o->transport_doc);
    o->aeo = sqlite3_column_int(st, 8) != 0;
    o->reassessed = sqlite3_column_type(st, 9) != SQLITE_NULL;
    o->reassessed_duty = sqlite3_column_int64(st, 9);
    o->reassessed_tax = sqlite3_column_int64(st, 10);
    o->reassessed_due = sqlite3_column_int64(st, 11);
}

int bw_store_lc_status(bw_store *s, const char *submitter, const char *declaration_id, bw_lc_status *out)
{
    char sql[600];
    snprintf(sql, sizeof sql, "%s WHERE submitter = ?1 AND declaration_id = ?2", STATUS_SQL);
    sqlite3_stmt *st = bw_sqlite_prepare(s, sql);
    if (!st)
        return -1;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, declaration_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_status(st, out);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "reading the state"), -1);
}

bool bw_sqlite_lifecycle_read(bw_store *s, int64_t id, bw_stored *out)
{
    sqlite3_stmt *st = lc(s, LC_STATUS_BY_ID);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->lifecycle = malloc(sizeof *out->lifecycle);
        if (out->lifecycle)
            read_status(st, out->lifecycle);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || bw_sqlite_error(s, "reading the state");
}
