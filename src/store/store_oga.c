/*
 * store_oga.c - the SQL of other government agencies (store_oga.h).
 *
 * Tables of their own beside the lifecycle columns: agency_interests
 * (append-only; the latest row of an (agency, id) is in force), oga_queue
 * (one row per interest and item that matched, written in the storing
 * transaction) and oga_holds (one row per hold, closed by its release).
 * An agency hold moves the declaration to held(oga) like any hold; the
 * holds table remembers who holds it and what customs held it for before,
 * so that several agencies can hold at once and the last release puts the
 * declaration back where it was.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lifecycle/release.h"
#include "sqlite_store.h"
#include "store_aeo.h"
#include "store_oga.h"

#define bind_cstr bw_sqlite_bind_cstr
#define MAX_MATCHES 64 /* queue rows per declaration: enough to say why */

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS agency_interests("
    "  id INTEGER PRIMARY KEY, agency TEXT NOT NULL, interest TEXT NOT NULL, body TEXT NOT NULL,"
    "  actor TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS agency_interests_by_id ON agency_interests(agency, interest);"
    "CREATE TABLE IF NOT EXISTS oga_queue("
    "  id INTEGER PRIMARY KEY, agency TEXT NOT NULL, declaration INTEGER NOT NULL REFERENCES declarations(id),"
    "  interest TEXT NOT NULL, item INTEGER NOT NULL, matched_on TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS oga_queue_by_agency ON oga_queue(agency, declaration);"
    "CREATE INDEX IF NOT EXISTS oga_queue_by_declaration ON oga_queue(declaration);"
    "CREATE TABLE IF NOT EXISTS oga_holds("
    "  id INTEGER PRIMARY KEY, agency TEXT NOT NULL, declaration INTEGER NOT NULL REFERENCES declarations(id),"
    "  held_at INTEGER NOT NULL, held_by TEXT NOT NULL, note TEXT,"
    "  prior_reason TEXT,"           /* customs' hold reason before the first agency hold */
    "  released_at INTEGER, released_by TEXT);"
    "CREATE INDEX IF NOT EXISTS oga_holds_open ON oga_holds(declaration, agency) WHERE released_at IS NULL;";

int bw_sqlite_oga_schema(sqlite3 *db, char **msg)
{
    int rc = sqlite3_exec(db, SCHEMA, NULL, NULL, msg);
    return rc == SQLITE_OK ? bw_sqlite_aeo_schema(db, msg) : rc; /* the AEO registry's changes beside */
}

/* The stored interests in force, compiled once per change (the highest
 * row id says whether anything was added since). */
struct bw_oga_cache {
    int64_t version;
    bw_oga_set stored;
};

void bw_sqlite_oga_close(bw_store *s)
{
    if (!s->oga)
        return;
    bw_oga_set_free(&s->oga->stored);
    free(s->oga);
    s->oga = NULL;
}

static bool step_done(bw_store *s, sqlite3_stmt *st, const char *what)
{
    if (!st)
        return false;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, what);
}

/* One integer from a query of one row (0 when none); false on error. */
static bool query_int(bw_store *s, sqlite3_stmt *st, int64_t *out, const char *what)
{
    if (!st)
        return false;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || bw_sqlite_error(s, what);
}

static bool refresh(bw_store *s)
{
    if (!s->oga && !(s->oga = calloc(1, sizeof *s->oga))) {
        snprintf(s->error, sizeof s->error, "out of memory");
        return false;
    }
    /* every stored declaration asks: prepared once per connection */
    static const char VERSION_SQL[] = "SELECT coalesce(max(id), 0) FROM agency_interests";
    sqlite3_stmt *vs = bw_sqlite_cached(s, VERSION_SQL);
    if (!vs)
        return false;
    int rc = sqlite3_step(vs);
    int64_t version = rc == SQLITE_ROW ? sqlite3_column_int64(vs, 0) : 0;
    sqlite3_reset(vs);
    if (rc != SQLITE_ROW)
        return bw_sqlite_error(s, "reading the agencies' interests");
    if (version == s->oga->version)
        return true;
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT agency, body FROM agency_interests WHERE id IN"
           " (SELECT max(id) FROM agency_interests GROUP BY agency, interest) ORDER BY agency, interest");
    if (!st)
        return false;
    bw_oga_set fresh = {0};
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *agency = (const char *)sqlite3_column_text(st, 0), *body = (const char *)sqlite3_column_text(st, 1);
        bw_oga_interest in;
        char why[300];
        ok = bw_oga_interest_parse(agency, body, strlen(body), &in, why, sizeof why);
        if (!ok)
            snprintf(s->error, sizeof s->error, "a stored interest of agency %s cannot be read: %s", agency, why);
        else if (!(ok = bw_oga_set_add(&fresh, &in)))
            snprintf(s->error, sizeof s->error, "out of memory");
    }
    sqlite3_finalize(st);
    if (ok && rc != SQLITE_DONE)
        ok = bw_sqlite_error(s, "reading the agencies' interests");
    if (!ok) {
        bw_oga_set_free(&fresh);
        return false;
    }
    bw_oga_set_free(&s->oga->stored);
    s->oga->stored = fresh;
    s->oga->version = version;
    return true;
}

/* ---- interests ---------------------------------------------------------------------------- */

int bw_store_oga_interest_add(bw_store *s, const bw_oga_interest *in, const char *actor, bw_time at, char *why,
                              size_t whylen)
{
    const bw_oga_set *files = bw_oga_file_interests();
    for (size_t i = 0; i < files->n; i++)
        if (!strcmp(files->v[i].agency, in->agency) && !strcmp(files->v[i].id, in->id)) {
            snprintf(why, whylen,
                     "interest %s of agency %s is defined in the reference data (data/agencies/); give another id",
                     in->id, in->agency);
            return 0;
        }
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO agency_interests(agency, interest, body, actor, at)"
                                            " VALUES(?1,?2,?3,?4,?5)");
    if (!st)
        return -1;
    bind_cstr(st, 1, in->agency);
    bind_cstr(st, 2, in->id);
    bind_cstr(st, 3, in->json);
    bind_cstr(st, 4, actor);
    sqlite3_bind_int64(st, 5, at);
    return step_done(s, st, "storing the interest") ? 1 : -1;
}

bool bw_store_oga_interests(bw_store *s, const char *agency, void (*each)(void *, const bw_oga_interest_row *),
                            void *ctx)
{
    const bw_oga_set *files = bw_oga_file_interests();
    for (size_t i = 0; i < files->n; i++)
        if (!agency || !strcmp(agency, files->v[i].agency))
            each(ctx, &(bw_oga_interest_row){&files->v[i], NULL, 0});
    if (!refresh(s))
        return false;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT actor, at FROM agency_interests WHERE agency = ?1 AND"
                                            " interest = ?2 ORDER BY id DESC LIMIT 1");
    if (!st)
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < s->oga->stored.n; i++) {
        const bw_oga_interest *in = &s->oga->stored.v[i];
        if (agency && strcmp(agency, in->agency))
            continue;
        sqlite3_reset(st);
        bind_cstr(st, 1, in->agency);
        bind_cstr(st, 2, in->id);
        ok = sqlite3_step(st) == SQLITE_ROW || bw_sqlite_error(s, "listing the interests");
        if (ok)
            each(ctx, &(bw_oga_interest_row){in, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1)});
    }
    sqlite3_finalize(st);
    return ok;
}

/* ---- matching in the storing transaction ---------------------------------------------------- */

static bool queue_matches(bw_store *s, sqlite3_stmt *st, int64_t id, const bw_oga_set *set, const bw_decl_row *r,
                          int *n)
{
    const bw_oga_goods *g = r->oga;
    for (size_t k = 0; k < set->n; k++)
        for (uint32_t i = 0; i < g->n && *n < MAX_MATCHES; i++) {
            char on[300];
            if (!bw_oga_matches(&set->v[k], &g->items[i], r->received_at, on, sizeof on))
                continue;
            sqlite3_reset(st);
            bind_cstr(st, 1, set->v[k].agency);
            sqlite3_bind_int64(st, 2, id);
            bind_cstr(st, 3, set->v[k].id);
            sqlite3_bind_int(st, 4, (int)i);
            bind_cstr(st, 5, on);
            sqlite3_bind_int64(st, 6, r->received_at);
            if (sqlite3_step(st) != SQLITE_DONE)
                return bw_sqlite_error(s, "queueing a declaration for an agency");
            ++*n;
        }
    return true;
}

bool bw_sqlite_oga_stored(bw_store *s, int64_t id, const bw_decl_row *r)
{
    if (!r->oga || !r->status || strcmp(r->status, "accepted"))
        return true;
    const bw_oga_set *files = bw_oga_file_interests();
    if (!refresh(s))
        return false;
    if (!files->n && !s->oga->stored.n)
        return true;
    static const char QUEUE_SQL[] = "INSERT INTO oga_queue(agency, declaration, interest, item, matched_on, at)"
                                    " VALUES(?1,?2,?3,?4,?5,?6)";
    sqlite3_stmt *st = bw_sqlite_cached(s, QUEUE_SQL);
    if (!st)
        return false;
    int n = 0;
    return queue_matches(s, st, id, files, r, &n) && queue_matches(s, st, id, &s->oga->stored, r, &n);
}

/* ---- reading ---------------------------------------------------------------------------------- */

int bw_sqlite_oga_holding(bw_store *s, int64_t row, char *names, size_t n)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT count(*), group_concat(agency, ', ') FROM (SELECT DISTINCT agency"
                                            " FROM oga_holds WHERE declaration = ?1 AND released_at IS NULL"
                                            " ORDER BY agency)");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row);
    int rc = sqlite3_step(st), count = 0;
    if (rc == SQLITE_ROW) {
        count = sqlite3_column_int(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 1);
        snprintf(names, n, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? count : (bw_sqlite_error(s, "reading the agency holds"), -1);
}

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ', " col ", 'unixepoch')"

bool bw_store_oga_queue(bw_store *s, const char *agency, uint32_t limit, void (*each)(void *, const bw_oga_queued *),
                        void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT q.agency, d.submitter, d.declaration_id, d.jurisdiction, d.state, d.hold_reason,"
           " json_group_array(json_object('interest', q.interest, 'item', q.item, 'on', q.matched_on)),"
           " EXISTS(SELECT 1 FROM oga_holds h WHERE h.declaration = d.id AND h.agency = q.agency"
           "        AND h.released_at IS NULL) AS holding, min(q.at)"
           " FROM oga_queue q JOIN declarations d ON d.id = q.declaration WHERE q.agency = ?1"
           " GROUP BY q.declaration ORDER BY holding DESC, min(q.at), q.declaration LIMIT ?2");
    if (!st)
        return false;
    bind_cstr(st, 1, agency);
    sqlite3_bind_int(st, 2, limit ? (int)limit : 1000);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_oga_queued q = {(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                           (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                           (const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5),
                           (const char *)sqlite3_column_text(st, 6), sqlite3_column_int(st, 7) != 0,
                           sqlite3_column_int64(st, 8)};
        each(ctx, &q);
    }
    return bw_sqlite_finish(s, st, rc, "reading the agency's queue");
}

static int find_decl(bw_store *s, const char *submitter, const char *id, int64_t *row)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id FROM declarations WHERE submitter = ?1 AND declaration_id = ?2");
    if (!st)
        return -1;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, id);
    int rc = sqlite3_step(st);
    *row = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "finding the declaration"), -1);
}

static int sees_row(bw_store *s, const char *agency, int64_t row)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT count(*) FROM (SELECT 1 FROM oga_queue WHERE agency = ?1"
                                            " AND declaration = ?2 LIMIT 1)");
    if (!st)
        return -1;
    bind_cstr(st, 1, agency);
    sqlite3_bind_int64(st, 2, row);
    int64_t n;
    return query_int(s, st, &n, "reading the agency's queue") ? n > 0 : -1;
}

int bw_store_oga_sees(bw_store *s, const char *agency, const char *submitter, const char *declaration_id)
{
    int64_t row;
    int rc = find_decl(s, submitter, declaration_id, &row);
    return rc == 1 ? sees_row(s, agency, row) : rc;
}

static bool json_rows(bw_store *s, const char *sql, int64_t row, const char *agency, bw_buf *out)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, sql);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    bind_cstr(st, 2, agency);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        bw_buf_puts(out, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || bw_sqlite_error(s, "reading the agencies' view");
}

bool bw_store_oga_detail(bw_store *s, const char *agency, const char *submitter, const char *declaration_id,
                         bw_buf *matches, bw_buf *holds)
{
    int64_t row;
    int rc = find_decl(s, submitter, declaration_id, &row);
    if (rc < 0)
        return false;
    return json_rows(s,
                     "SELECT json_group_array(json_object('agency', agency, 'interest', interest, 'item', item,"
                     " 'on', matched_on, 'at', " ISO("at") ")) FROM (SELECT * FROM oga_queue WHERE declaration = ?1"
                     " AND (?2 IS NULL OR agency = ?2) ORDER BY id)",
                     row, agency, matches) &&
           json_rows(s,
                     "SELECT json_group_array(json_object('agency', agency, 'held_at', " ISO("held_at") ","
                     " 'held_by', held_by, 'note', note, 'released_at', " ISO("released_at") ","
                     " 'released_by', released_by)) FROM (SELECT * FROM oga_holds WHERE declaration = ?1"
                     " AND (?2 IS NULL OR agency = ?2) ORDER BY id)",
                     row, agency, holds);
}

/* ---- holds ------------------------------------------------------------------------------------- */

typedef struct decl_state {
    int64_t row;
    int state;
    bool arrived;
    char hold_reason[24], lane[16], settlement[24];
} decl_state;

static int read_decl(bw_store *s, const bw_oga_act *a, decl_state *d)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, state, arrived_at, hold_reason, lane, settlement FROM"
                                            " declarations WHERE submitter = ?1 AND declaration_id = ?2");
    if (!st)
        return -1;
    bind_cstr(st, 1, a->submitter);
    bind_cstr(st, 2, a->declaration_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        d->row = sqlite3_column_int64(st, 0);
        d->state = bw_lc_state_parse((const char *)sqlite3_column_text(st, 1));
        d->arrived = sqlite3_column_type(st, 2) != SQLITE_NULL;
        bw_sqlite_copy_text(st, 3, d->hold_reason, sizeof d->hold_reason);
        bw_sqlite_copy_text(st, 4, d->lane, sizeof d->lane);
        bw_sqlite_copy_text(st, 5, d->settlement, sizeof d->settlement);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW && d->state < 0) {
        snprintf(s->error, sizeof s->error, "declaration row %lld has an unknown state", (long long)d->row);
        return -1;
    }
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "reading the declaration"), -1);
}

/* The state columns, as every transition sets them (store_lifecycle.c). */
static bool set_state(bw_store *s, int64_t row, bw_lc_state to, const char *reason, bw_time at)
{
    return bw_sqlite_lifecycle_set_state(s, row, to, reason, false, at);
}

static bool event(bw_store *s, int64_t row, bw_time at, const char *actor, const char *kind, bw_lc_state status,
                  const char *detail)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO events(declaration, at, actor, kind, status, detail)"
                                            " VALUES(?1,?2,?3,?4,?5,?6)");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    sqlite3_bind_int64(st, 2, at);
    bind_cstr(st, 3, actor);
    bind_cstr(st, 4, kind);
    bind_cstr(st, 5, bw_lc_state_names[status]);
    bind_cstr(st, 6, detail);
    return step_done(s, st, "recording the event");
}

/* {"agency":..., "note":..., more} */
static void detail_of(const bw_oga_act *a, const char *more, bw_buf *b)
{
    bw_buf_puts(b, "{\"agency\":");
    bw_buf_put_json_str(b, a->agency, strlen(a->agency));
    if (a->note) {
        bw_buf_puts(b, ",\"note\":");
        bw_buf_put_json_str(b, a->note, strlen(a->note));
    }
    if (more)
        bw_buf_puts(b, more);
    bw_buf_putc(b, '}');
}

/* The open hold of the agency on row: its id and prior reason; 0 none. */
static int open_hold(bw_store *s, const char *agency, int64_t row, int64_t *id, char prior[24])
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, prior_reason FROM oga_holds WHERE declaration = ?1 AND"
                                            " released_at IS NULL AND (?2 IS NULL OR agency = ?2) ORDER BY id LIMIT 1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row);
    bind_cstr(st, 2, agency);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        bw_sqlite_copy_text(st, 1, prior, 24);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "reading the agency holds"), -1);
}

/* Opens the transaction and finds the declaration the agency sees:
 * 1 go on, else the result to return (the transaction is closed). */
static int begin_act(bw_store *s, const bw_oga_act *a, decl_state *d, bw_transition_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (!bw_store_begin(s))
        return -1;
    int rc = read_decl(s, a, d);
    if (rc == 1)
        rc = sees_row(s, a->agency, d->row);
    if (rc != 1) {
        bw_store_rollback(s);
        return rc;
    }
    snprintf(out->from, sizeof out->from, "%s", bw_lc_state_names[d->state]);
    return 1;
}

static int finish(bw_store *s, bool ok)
{
    if (ok && bw_store_commit(s))
        return 1;
    bw_store_rollback(s);
    return -1;
}

static int refuse(bw_store *s)
{
    bw_store_rollback(s);
    return BW_LC_REFUSED;
}

int bw_store_oga_hold(bw_store *s, const bw_oga_act *a, bw_transition_outcome *out)
{
    decl_state d;
    int rc = begin_act(s, a, &d, out);
    if (rc != 1)
        return rc;
    int64_t hold;
    char prior[24] = "";
    if ((rc = open_hold(s, a->agency, d.row, &hold, prior)) != 0) {
        if (rc < 0)
            return finish(s, false);
        snprintf(out->why, sizeof out->why, "agency %s already holds this declaration; release it first", a->agency);
        return refuse(s);
    }
    bw_lc_state to;
    if (!bw_lc_next((bw_lc_state)d.state, BW_ACT_OGA_HOLD, d.arrived, &to, out->why, sizeof out->why))
        return refuse(s);
    /* what customs held it for before the agencies came: kept by the first hold, inherited by the others */
    if (d.state == BW_ST_HELD && strcmp(d.hold_reason, "oga"))
        snprintf(prior, sizeof prior, "%s", d.hold_reason);
    else if (d.state == BW_ST_HELD && open_hold(s, NULL, d.row, &hold, prior) < 0)
        return finish(s, false);
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO oga_holds(agency, declaration, held_at, held_by, note,"
                                            " prior_reason) VALUES(?1,?2,?3,?4,?5,?6)");
    if (!st)
        return finish(s, false);
    bind_cstr(st, 1, a->agency);
    sqlite3_bind_int64(st, 2, d.row);
    sqlite3_bind_int64(st, 3, a->at);
    bind_cstr(st, 4, a->actor);
    bind_cstr(st, 5, a->note);
    bind_cstr(st, 6, prior[0] ? prior : NULL);
    bw_buf detail = {0};
    detail_of(a, NULL, &detail);
    bool ok = step_done(s, st, "recording the agency hold") && set_state(s, d.row, to, "oga", a->at) &&
              event(s, d.row, a->at, a->actor, "oga_hold", to, bw_buf_cstr(&detail));
    bw_buf_free(&detail);
    snprintf(out->to, sizeof out->to, "%s", bw_lc_state_names[to]);
    return finish(s, ok);
}

/* After the last agency release of an arrived parcel: the decision arrival
 * would have made (release, or hold for inspection, payment, documents). */
static bool decide_arrived(bw_store *s, const decl_state *d, bw_time at, bw_lc_state *to)
{
    bw_hold_reason reason;
    bool release = bw_lc_release_on_arrival(d->lane[0] ? d->lane : NULL, d->settlement[0] ? d->settlement : NULL,
                                            &reason);
    char why[400], detail[80];
    if (!bw_lc_next(BW_ST_ARRIVED, release ? BW_ACT_RELEASED : BW_ACT_HELD, true, to, why, sizeof why)) {
        snprintf(s->error, sizeof s->error, "after the agencies: %s", why);
        return false;
    }
    snprintf(detail, sizeof detail, release ? "{\"rule\":\"immediate release: agencies cleared, lane and settlement"
                                              " allow it\"}"
                                            : "{\"reason\":\"%s\"}",
             bw_hold_reason_names[reason]);
    return set_state(s, d->row, *to, release ? NULL : bw_hold_reason_names[reason], at) &&
           event(s, d->row, at, "auto", release ? "released" : "held", *to, detail);
}

int bw_store_oga_release(bw_store *s, const bw_oga_act *a, bw_transition_outcome *out)
{
    decl_state d;
    int rc = begin_act(s, a, &d, out);
    if (rc != 1)
        return rc;
    int64_t hold;
    char prior[24] = "", others[512];
    if ((rc = open_hold(s, a->agency, d.row, &hold, prior)) != 1) {
        if (rc < 0)
            return finish(s, false);
        snprintf(out->why, sizeof out->why, "agency %s does not hold this declaration (state %s)", a->agency,
                 out->from);
        return refuse(s);
    }
    sqlite3_stmt *st = bw_sqlite_prepare(s, "UPDATE oga_holds SET released_at = ?2, released_by = ?3 WHERE id = ?1");
    if (!st)
        return finish(s, false);
    sqlite3_bind_int64(st, 1, hold);
    sqlite3_bind_int64(st, 2, a->at);
    bind_cstr(st, 3, a->actor);
    if (!step_done(s, st, "closing the agency hold"))
        return finish(s, false);
    int holding = bw_sqlite_oga_holding(s, d.row, others, sizeof others);
    if (holding < 0)
        return finish(s, false);
    bw_lc_state to = (bw_lc_state)d.state;
    bw_buf detail = {0}, more = {0};
    bool ok = true;
    if (holding > 0 || d.state != BW_ST_HELD || strcmp(d.hold_reason, "oga")) {
        /* others still hold, or customs moved it meanwhile: the state stays */
        if (holding > 0) {
            bw_buf_puts(&more, ",\"still_holding\":");
            bw_buf_put_json_str(&more, others, strlen(others));
        }
        detail_of(a, more.p ? bw_buf_cstr(&more) : NULL, &detail);
        ok = event(s, d.row, a->at, a->actor, "oga_release", to, bw_buf_cstr(&detail));
    } else if (prior[0]) { /* customs held it before: held for that again */
        bw_buf_puts(&more, ",\"held_for\":");
        bw_buf_put_json_str(&more, prior, strlen(prior));
        detail_of(a, bw_buf_cstr(&more), &detail);
        ok = set_state(s, d.row, BW_ST_HELD, prior, a->at) &&
             event(s, d.row, a->at, a->actor, "oga_release", BW_ST_HELD, bw_buf_cstr(&detail));
    } else {
        if (!bw_lc_next(BW_ST_HELD, BW_ACT_OGA_RELEASE, d.arrived, &to, out->why, sizeof out->why)) {
            bw_buf_free(&detail);
            bw_buf_free(&more);
            return refuse(s);
        }
        detail_of(a, NULL, &detail);
        ok = set_state(s, d.row, to, NULL, a->at) &&
             event(s, d.row, a->at, a->actor, "oga_release", to, bw_buf_cstr(&detail));
        if (ok && to == BW_ST_ARRIVED)
            ok = decide_arrived(s, &d, a->at, &to);
    }
    bw_buf_free(&detail);
    bw_buf_free(&more);
    snprintf(out->to, sizeof out->to, "%s", bw_lc_state_names[to]);
    return finish(s, ok);
}
