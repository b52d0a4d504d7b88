/*
 * store_risk.c - what risk management keeps in the store besides each
 * declaration's decision (store.h, "risk"): lane changes and inspections as
 * events, profile hit rates, watchlist candidates, analysts' profile edits,
 * and the learned state of the detectors between runs.
 *
 * Most are rare next to declarations (an inspection per hundred parcels,
 * a state save per run), so their statements are prepared per call; what
 * the storing path runs (a split purchase raising earlier parcels, their
 * events) is prepared once per connection (bw_sqlite_cached).
 */
#include <stdio.h>
#include <string.h>

#include "../stats/facts.h"
#include "sqlite_store.h"
#include "store_lifecycle.h"

#define bind_cstr bw_sqlite_bind_cstr

sqlite3_stmt *bw_sqlite_prepare(bw_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        bw_sqlite_error(s, "preparing a risk statement");
        return NULL;
    }
    return st;
}

/* Steps a statement to its end and finalizes it. */
static bool run(bw_store *s, sqlite3_stmt *st, const char *what)
{
    if (!st)
        return false;
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!ok)
        bw_sqlite_error(s, what);
    sqlite3_finalize(st);
    return ok;
}

static int64_t declaration_row(bw_store *s, const char *submitter, const char *id, char status[16])
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, status FROM declarations WHERE submitter = ?1 AND declaration_id = ?2");
    if (!st)
        return -1;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, id);
    int rc = sqlite3_step(st);
    int64_t row = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    if (row > 0 && status)
        snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 1));
    if (row < 0)
        bw_sqlite_error(s, "finding the declaration");
    sqlite3_finalize(st);
    return row;
}

static const char EVENT_SQL[] = "INSERT INTO events(declaration, at, actor, kind, status, detail) VALUES(?1,?2,?3,?4,?5,?6)";

static bool event(bw_store *s, int64_t decl, bw_time at, const char *actor, const char *kind, const char *status,
                  const char *detail)
{
    sqlite3_stmt *st = bw_sqlite_cached(s, EVENT_SQL);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, decl);
    sqlite3_bind_int64(st, 2, at);
    bind_cstr(st, 3, actor);
    bind_cstr(st, 4, kind);
    bind_cstr(st, 5, status);
    bind_cstr(st, 6, detail);
    bool ok = sqlite3_step(st) == SQLITE_DONE || bw_sqlite_error(s, "recording the event");
    sqlite3_reset(st);
    return ok;
}

static const char RAISE_SQL[] = "UPDATE declarations SET lane = 'yellow' WHERE submitter = ?1 AND declaration_id = ?2"
                                " AND lane IN ('green', 'blue') RETURNING id, status";

/* Runs body(s, ctx) in a transaction; its result, -1 on a store error. */
static int in_transaction(bw_store *s, int (*body)(bw_store *, const void *), const void *ctx)
{
    if (!bw_store_begin(s))
        return -1;
    int r = body(s, ctx);
    if (r > 0 && !bw_store_commit(s))
        r = -1;
    if (r <= 0)
        bw_store_rollback(s);
    return r;
}

bool bw_sqlite_raise_linked(bw_store *s, const bw_decl_row *row)
{
    char detail[400];
    snprintf(detail, sizeof detail, "a later parcel of the same buyer and seller, %.*s/%.*s, showed a split purchase",
             (int)row->submitter.n, row->submitter.p, (int)row->declaration_id.n, row->declaration_id.p);
    for (uint32_t i = 0; i < row->n_linked; i++) {
        const char *ref = row->linked[i], *slash = strchr(ref, '/');
        if (!slash)
            continue;
        sqlite3_stmt *st = bw_sqlite_cached(s, RAISE_SQL);
        if (!st)
            return false;
        sqlite3_bind_text(st, 1, ref, (int)(slash - ref), SQLITE_TRANSIENT);
        bind_cstr(st, 2, slash + 1);
        int rc = sqlite3_step(st);
        int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        char status[16] = "";
        if (id)
            snprintf(status, sizeof status, "%s", (const char *)sqlite3_column_text(st, 1));
        while (rc == SQLITE_ROW)
            rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return bw_sqlite_error(s, "raising a linked declaration's lane");
        if (id && !event(s, id, row->received_at, "risk", "linked", status, detail))
            return false;
        if (id && bw_sqlite_stats_set(s, id, BW_FC_LANE, bw_stats_name_code(bw_stats_lane_names, "yellow")) < 0)
            return false;
    }
    return true;
}

typedef struct lane_change {
    const char *submitter, *id, *lane, *actor, *kind, *detail;
    bw_time at;
} lane_change;

static int set_lane(bw_store *s, const void *ctx)
{
    const lane_change *c = ctx;
    char status[16];
    int64_t row = declaration_row(s, c->submitter, c->id, status);
    if (row <= 0)
        return (int)row;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "UPDATE declarations SET lane = ?2 WHERE id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row);
    bind_cstr(st, 2, c->lane);
    if (bw_sqlite_stats_set(s, row, BW_FC_LANE, bw_stats_name_code(bw_stats_lane_names, c->lane)) < 0)
        return -1;
    return run(s, st, "changing the lane") && event(s, row, c->at, c->actor, c->kind, status, c->detail) ? 1 : -1;
}

int bw_store_set_lane(bw_store *s, const char *submitter, const char *declaration_id, const char *lane,
                      const char *actor, const char *kind, const char *detail, bw_time at)
{
    lane_change c = {submitter, declaration_id, lane, actor, kind, detail, at};
    return in_transaction(s, set_lane, &c);
}

static int inspection(bw_store *s, const void *ctx)
{
    const bw_inspection_record *in = ctx;
    char status[16];
    int64_t row = declaration_row(s, in->submitter, in->declaration_id, status);
    if (row <= 0)
        return (int)row;
    /* the lifecycle moves (inspected, or seized) or refuses: the event says the state after it */
    if (!bw_sqlite_lifecycle_inspected(s, row, in->result, in->actor, in->at, status))
        return -1;
    if (!event(s, row, in->at, in->actor, "inspected", status, in->detail))
        return -1;
    if (bw_sqlite_stats_set(s, row, BW_FC_INSPECTION, bw_stats_name_code(bw_stats_inspection_names, in->result)) < 0)
        return -1;
    bool found = strcmp(in->result, "compliant") != 0;
    for (int i = 0; i < in->n_profiles; i++) {
        sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO profile_stats(profile, inspected, found) VALUES(?1, 1, ?2)"
                                                " ON CONFLICT(profile) DO UPDATE SET inspected = inspected + 1,"
                                                " found = found + excluded.found");
        if (!st)
            return -1;
        bind_cstr(st, 1, in->profiles[i]);
        sqlite3_bind_int(st, 2, found);
        if (!run(s, st, "counting the profile's hit"))
            return -1;
    }
    for (int i = 0; i < in->n_candidates; i++) {
        sqlite3_stmt *st = bw_sqlite_prepare(
            s, "INSERT INTO watchlist_candidates(submitter, declaration_id, role, entry, status, proposed_at)"
               " VALUES(?1,?2,?3,?4,'proposed',?5) ON CONFLICT(submitter, declaration_id, role) DO NOTHING");
        if (!st)
            return -1;
        bind_cstr(st, 1, in->submitter);
        bind_cstr(st, 2, in->declaration_id);
        bind_cstr(st, 3, in->candidate_roles[i]);
        bind_cstr(st, 4, in->candidates[i]);
        sqlite3_bind_int64(st, 5, in->at);
        if (!run(s, st, "proposing a watchlist candidate"))
            return -1;
    }
    return 1;
}

int bw_store_inspection(bw_store *s, const bw_inspection_record *in) { return in_transaction(s, inspection, in); }

static const char *text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

bool bw_store_profile_stats(bw_store *s, void (*each)(void *, const bw_profile_stats *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT profile, inspected, found FROM profile_stats ORDER BY profile");
    if (!st)
        return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_profile_stats p = {text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)};
        each(ctx, &p);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "reading profile statistics");
}

bool bw_store_watch_candidates(bw_store *s, const char *status, void (*each)(void *, const bw_watch_candidate *),
                               void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, submitter, declaration_id, role, entry, status, decided_by,"
                                            " proposed_at, decided_at FROM watchlist_candidates"
                                            " WHERE ?1 IS NULL OR status = ?1 ORDER BY id");
    if (!st)
        return false;
    bind_cstr(st, 1, status);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_watch_candidate c = {sqlite3_column_int64(st, 0), text(st, 1), text(st, 2), text(st, 3), text(st, 4),
                                text(st, 5), text(st, 6), sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8)};
        each(ctx, &c);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "reading watchlist candidates");
}

int bw_store_watch_decide(bw_store *s, int64_t id, bool confirm, const char *actor, bw_time at)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "UPDATE watchlist_candidates SET status = ?2, decided_by = ?3,"
                                            " decided_at = ?4 WHERE id = ?1 AND status = 'proposed'");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    bind_cstr(st, 2, confirm ? "confirmed" : "dismissed");
    bind_cstr(st, 3, actor);
    sqlite3_bind_int64(st, 4, at);
    if (!run(s, st, "deciding the candidate"))
        return -1;
    return sqlite3_changes(s->db) > 0;
}

bool bw_store_risk_state_save(bw_store *s, const char *name, const void *bytes, size_t n, bw_time at)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO risk_state(name, bytes, saved_at) VALUES(?1,?2,?3)"
                                            " ON CONFLICT(name) DO UPDATE SET bytes = excluded.bytes,"
                                            " saved_at = excluded.saved_at");
    if (!st)
        return false;
    bind_cstr(st, 1, name);
    sqlite3_bind_blob64(st, 2, bytes ? bytes : "", n, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at);
    return run(s, st, "saving the learned risk state");
}

int bw_store_risk_state_load(bw_store *s, const char *name, bw_buf *out)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT bytes FROM risk_state WHERE name = ?1");
    if (!st)
        return -1;
    bind_cstr(st, 1, name);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        bw_buf_put(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        r = 1;
    } else if (rc != SQLITE_DONE)
        r = bw_sqlite_error(s, "loading the learned risk state") ? 0 : -1;
    sqlite3_finalize(st);
    return r;
}

bool bw_store_profile_put(bw_store *s, const char *id, const char *body, const char *actor, bw_time at)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO risk_profiles(id, body, deleted, actor, updated_at)"
                                            " VALUES(?1,?2,?3,?4,?5) ON CONFLICT(id) DO UPDATE SET"
                                            " body = excluded.body, deleted = excluded.deleted,"
                                            " actor = excluded.actor, updated_at = excluded.updated_at");
    if (!st)
        return false;
    bind_cstr(st, 1, id);
    bind_cstr(st, 2, body);
    sqlite3_bind_int(st, 3, body == NULL);
    bind_cstr(st, 4, actor);
    sqlite3_bind_int64(st, 5, at);
    return run(s, st, "saving the profile");
}

bool bw_store_profile_edits(bw_store *s, void (*each)(void *, const bw_profile_edit *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, CASE WHEN deleted THEN NULL ELSE body END, actor, updated_at"
                                            " FROM risk_profiles ORDER BY id");
    if (!st)
        return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_profile_edit e = {text(st, 0), text(st, 1), text(st, 2), sqlite3_column_int64(st, 3)};
        each(ctx, &e);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "reading profile edits");
}
