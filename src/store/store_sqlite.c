/*
 * store_sqlite.c - the embedded store: one SQLite file in WAL mode.
 *
 * Why these settings: WAL lets readers (show, later the API) run while a
 * batch is written; synchronous=FULL makes every commit durable on return,
 * which is the promise store.h makes, and costs one fsync per batch, not per
 * declaration.  16 KiB pages (set before the first table exists) measured
 * 1.6x the insert rate of the 4 KiB default for rows of this size.
 *
 * Declarations are one row each: the decided facts as columns, the
 * canonical JSON as a zstd-compressed body (body_codec.c: bytes written are
 * what an insert costs here).  Every change of state is a row in the
 * append-only events table.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "../stats/facts.h"
#include "sqlite_store.h"
#include "store_lifecycle.h"
#include "store_oga.h"
#include "store_returns.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS declarations("
    "  id INTEGER PRIMARY KEY,"
    "  submitter TEXT NOT NULL,"
    "  declaration_id TEXT NOT NULL,"
    "  jurisdiction TEXT,"
    "  type TEXT,"
    "  status TEXT NOT NULL,"
    "  category INTEGER,"
    "  value_minor INTEGER,"
    "  currency TEXT,"
    "  received_at INTEGER NOT NULL,"
    "  content_hash BLOB NOT NULL,"
    "  body BLOB NOT NULL,"          /* zstd frame of the canonical JSON */
    "  body_dict INTEGER NOT NULL,"   /* body_dictionaries.id, 0 = none */
    "  errors TEXT NOT NULL,"
    "  warnings TEXT NOT NULL,"
    /* revenue, on accepted declarations: minor units of currency */
    "  duty_minor INTEGER, tax_minor INTEGER, due_minor INTEGER,"
    "  payer TEXT,"                   /* of what is due: intermediary, buyer */
    "  account TEXT,"                 /* the intermediary's account */
    "  settlement TEXT,"              /* none, debited, held, awaiting_payment, paid */
    "  settled_at INTEGER,"
    "  limit_key TEXT, limit_period TEXT, limit_counted INTEGER," /* what counted against a buyer limit */
    "  lane TEXT, risk_score INTEGER,"  /* the risk lane in force, its points */
    "  UNIQUE(submitter, declaration_id));"
    "CREATE INDEX IF NOT EXISTS declarations_by_account ON declarations(account, jurisdiction, settled_at)"
    "  WHERE account IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS declarations_held ON declarations(account, jurisdiction, id)"
    "  WHERE settlement = 'held';"
    "CREATE TABLE IF NOT EXISTS buyer_limits("
    "  jurisdiction TEXT NOT NULL, buyer_key TEXT NOT NULL, period TEXT NOT NULL,"
    "  used_minor INTEGER NOT NULL,"
    "  PRIMARY KEY(jurisdiction, buyer_key, period)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS accounts("
    "  id TEXT NOT NULL, jurisdiction TEXT NOT NULL, name TEXT, currency TEXT NOT NULL,"
    "  guarantee_minor INTEGER NOT NULL, balance_minor INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY(id, jurisdiction)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS payments("
    "  id INTEGER PRIMARY KEY,"
    "  payment_id TEXT NOT NULL UNIQUE,"
    "  payer TEXT NOT NULL,"
    "  submitter TEXT, declaration_id TEXT,"   /* paid for one declaration */
    "  account TEXT, jurisdiction TEXT,"       /* or credited to an account */
    "  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,"
    "  at INTEGER NOT NULL, actor TEXT);"
    "CREATE INDEX IF NOT EXISTS payments_by_account ON payments(account, jurisdiction, at)"
    "  WHERE account IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS events("
    "  id INTEGER PRIMARY KEY,"
    "  declaration INTEGER NOT NULL REFERENCES declarations(id),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  detail TEXT);"
    "CREATE INDEX IF NOT EXISTS events_by_declaration ON events(declaration);"
    "CREATE TABLE IF NOT EXISTS body_dictionaries("
    "  id INTEGER PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  dict BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS api_keys("
    "  id INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL UNIQUE,"      /* BLAKE2b-256 of the key; the key is never stored */
    "  prefix TEXT NOT NULL,"           /* first characters, to name a key in lists */
    "  role TEXT NOT NULL,"
    "  submitter TEXT,"
    "  agency TEXT,"
    "  rate_per_s INTEGER NOT NULL,"    /* 0 = unlimited */
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    /* risk (store_risk.c): learned state, inspection feedback, candidates */
    "CREATE TABLE IF NOT EXISTS risk_state("
    "  name TEXT PRIMARY KEY, bytes BLOB NOT NULL, saved_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS profile_stats("
    "  profile TEXT PRIMARY KEY, inspected INTEGER NOT NULL DEFAULT 0, found INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS risk_profiles("  /* analysts' edits through the API, over data/profiles */
    "  id TEXT PRIMARY KEY, body TEXT, deleted INTEGER NOT NULL DEFAULT 0,"
    "  actor TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS watchlist_candidates("
    "  id INTEGER PRIMARY KEY, submitter TEXT NOT NULL, declaration_id TEXT NOT NULL, role TEXT NOT NULL,"
    "  entry TEXT NOT NULL,"          /* the watchlist line it would become (TSV) */
    "  status TEXT NOT NULL,"         /* proposed, confirmed, dismissed */
    "  proposed_at INTEGER NOT NULL, decided_at INTEGER, decided_by TEXT,"
    "  UNIQUE(submitter, declaration_id, role));"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '3');";

/* Version 1 stores (before revenue) get the revenue columns; what they
 * stored stays unassessed (NULL). */
static const char MIGRATE_1_2[] =
    "ALTER TABLE declarations ADD COLUMN duty_minor INTEGER;"
    "ALTER TABLE declarations ADD COLUMN tax_minor INTEGER;"
    "ALTER TABLE declarations ADD COLUMN due_minor INTEGER;"
    "ALTER TABLE declarations ADD COLUMN payer TEXT;"
    "ALTER TABLE declarations ADD COLUMN account TEXT;"
    "ALTER TABLE declarations ADD COLUMN settlement TEXT;"
    "ALTER TABLE declarations ADD COLUMN settled_at INTEGER;"
    "ALTER TABLE declarations ADD COLUMN limit_key TEXT;"
    "ALTER TABLE declarations ADD COLUMN limit_period TEXT;"
    "ALTER TABLE declarations ADD COLUMN limit_counted INTEGER;"
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/* Version 2 stores (before risk) get the lane columns; what they stored
 * has no lane (NULL). */
static const char MIGRATE_2_3[] =
    "ALTER TABLE declarations ADD COLUMN lane TEXT;"
    "ALTER TABLE declarations ADD COLUMN risk_score INTEGER;"
    "UPDATE meta SET value = '3' WHERE key = 'schema_version';";

static int migrate(sqlite3 *db, char **msg)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'declarations'),"
                                " (SELECT count(*) FROM pragma_table_info('declarations') WHERE name = 'duty_minor'),"
                                " (SELECT count(*) FROM pragma_table_info('declarations') WHERE name = 'lane')",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    bool exists = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    bool v1 = exists && sqlite3_column_int(st, 1) == 0, v2 = exists && sqlite3_column_int(st, 2) == 0;
    sqlite3_finalize(st);
    if (!v1 && !v2)
        return SQLITE_OK;
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE;", NULL, NULL, msg);
    if (rc != SQLITE_OK)
        return rc;
    if (v1)
        rc = sqlite3_exec(db, MIGRATE_1_2, NULL, NULL, msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, MIGRATE_2_3, NULL, NULL, msg);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT;", NULL, NULL, msg);
    if (rc != SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
    return rc;
}

static const char *const SQL[ST_N] = {
    [ST_INSERT] = "INSERT INTO declarations(submitter, declaration_id, jurisdiction, type, status,"
                  " category, value_minor, currency, received_at, content_hash, body, errors, warnings,"
                  " body_dict, duty_minor, tax_minor, due_minor, payer, account, settlement, settled_at,"
                  " limit_key, limit_period, limit_counted, lane, risk_score,"
                  " state, hold_reason, state_at, lead_loading_s, lead_arrival_s, transport_doc, master_id, aeo)"
                  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,"
                  "?25,?26,?27,?28,?29,?30,?31,?32,?33,?34)"
                  " ON CONFLICT(submitter, declaration_id) DO NOTHING",
    [ST_FIND] = "SELECT id, content_hash, status, category, received_at, errors, warnings, settlement"
                " FROM declarations WHERE submitter = ?1 AND declaration_id = ?2",
    [ST_EVENT] = "INSERT INTO events(declaration, at, actor, kind, status, detail)"
                 " VALUES(?1,?2,?3,?4,?5,?6)",
    [ST_AMEND] = "UPDATE declarations SET jurisdiction=?3, type=?4, status=?5, category=?6,"
                 " value_minor=?7, currency=?8, received_at=?9, content_hash=?10, body=?11,"
                 " errors=?12, warnings=?13, body_dict=?14, duty_minor=?15, tax_minor=?16, due_minor=?17,"
                 " payer=?18, account=?19, settlement=?20, settled_at=?21, limit_key=?22, limit_period=?23,"
                 " limit_counted=?24, lane=?25, risk_score=?26 WHERE submitter = ?1 AND declaration_id = ?2",
    [ST_GET] = "SELECT id, submitter, declaration_id, jurisdiction, type, status, category,"
               " value_minor, currency, received_at, body, errors, warnings, body_dict,"
               " duty_minor, tax_minor, due_minor, payer, account, settlement, settled_at, lane, risk_score"
               " FROM declarations WHERE submitter = ?1 AND declaration_id = ?2",
    [ST_EVENTS] = "SELECT at, actor, kind, status, detail FROM events WHERE declaration = ?1 ORDER BY id",
    [ST_COUNT] = "SELECT count(*) FROM declarations WHERE status = ?1",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_DICTS] = "SELECT id, dict FROM body_dictionaries WHERE id > ?1 ORDER BY id",
    [ST_ADD_DICT] = "INSERT INTO body_dictionaries(created_at, dict) VALUES(strftime('%s','now'), ?1)",
    [ST_KEY_ADD] = "INSERT INTO api_keys(hash, prefix, role, submitter, agency, rate_per_s, created_at)"
                   " VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [ST_KEY_FIND] = "SELECT id, prefix, role, submitter, agency, rate_per_s, created_at, revoked_at"
                    " FROM api_keys WHERE hash = ?1",
    [ST_KEY_LIST] = "SELECT id, prefix, role, submitter, agency, rate_per_s, created_at, revoked_at"
                    " FROM api_keys ORDER BY id",
    [ST_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?2 WHERE (id = ?1 OR prefix = ?3)"
                      " AND revoked_at IS NULL",
    /* keyset paging on the row id; every filter optional (NULL = any) */
    [ST_LIST] = "SELECT id, submitter, declaration_id, jurisdiction, type, status, category,"
                " value_minor, currency, received_at FROM declarations"
                " WHERE id > ?1 AND (?2 IS NULL OR submitter = ?2) AND (?3 IS NULL OR status = ?3)"
                " AND (?4 IS NULL OR category = ?4) AND (?5 IS NULL OR received_at >= ?5)"
                " AND (?6 IS NULL OR received_at < ?6) ORDER BY id LIMIT ?7",
};

static bool set_error(bw_store *s, const char *what)
{
    snprintf(s->error, sizeof s->error, "%s: %s", what, sqlite3_errmsg(s->db));
    return false;
}

bool bw_sqlite_error(bw_store *s, const char *what) { return set_error(s, what); }

const char *bw_store_error(const bw_store *s) { return s->error; }

sqlite3_stmt *bw_sqlite_cached(bw_store *s, const char *sql)
{
    for (int i = 0; i < s->n_cached; i++) {
        if (s->cached[i].sql == sql) {
            sqlite3_stmt *st = s->cached[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    if (s->n_cached == (int)(sizeof s->cached / sizeof s->cached[0])) {
        snprintf(s->error, sizeof s->error, "bw_sqlite_cached: more statements than slots; raise the count");
        return NULL;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        set_error(s, "preparing a statement");
        return NULL;
    }
    s->cached[s->n_cached].sql = sql;
    s->cached[s->n_cached++].st = st;
    return st;
}

static bool step_done(bw_store *s, int which, const char *what);

/* Reads the dictionaries this connection does not know yet (another
 * connection or process may have made one since). */
static bool load_dictionaries(bw_store *s)
{
    sqlite3_stmt *st = s->st[ST_DICTS];
    sqlite3_bind_int64(st, 1, bw_body_codec_newest(s->codec));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (!bw_body_codec_add_dict(s->codec, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
                                    (size_t)sqlite3_column_bytes(st, 1))) {
            sqlite3_reset(st);
            return set_error(s, "a stored body dictionary is unreadable");
        }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || set_error(s, "reading the body dictionaries");
}

static bool open_codec(bw_store *s)
{
    s->codec = bw_body_codec_new();
    if (s->codec) {
        s->put_packer = bw_body_packer_new(s->codec);
        s->ext_packer = bw_body_packer_new(s->codec);
    }
    if (!s->codec || !s->put_packer || !s->ext_packer)
        return set_error(s, "out of memory for the body codec");
    return load_dictionaries(s);
}

/* Once enough bodies were seen without a dictionary, the database gets
 * its first one - in a transaction of its own that first checks no other
 * writer made one meanwhile (then that one is used). */
static void maybe_train(bw_store *s)
{
    void *dict = NULL;
    size_t n;
    if (bw_body_codec_has_dict(s->codec) || !bw_body_codec_train(s->codec, &dict, &n))
        return;
    if (!step_done(s, ST_BEGIN, "begin"))
        goto out;
    if (!load_dictionaries(s) || bw_body_codec_has_dict(s->codec)) {
        step_done(s, ST_COMMIT, "commit");
        goto out;
    }
    sqlite3_stmt *st = s->st[ST_ADD_DICT];
    sqlite3_bind_blob(st, 1, dict, (int)n, SQLITE_STATIC);
    if (step_done(s, ST_ADD_DICT, "storing the body dictionary")) {
        int64_t id = sqlite3_last_insert_rowid(s->db);
        if (step_done(s, ST_COMMIT, "commit"))
            bw_body_codec_add_dict(s->codec, id, dict, n);
    } else {
        step_done(s, ST_ROLLBACK, "rollback");
    }
out:
    free(dict);
}

/* Pragmas and schema.  Switching a new file to WAL needs the database to
 * itself, which the busy handler does not wait for: when two processes
 * open a new store at once, the loser retries for a while. */
static bool setup(bw_store *s, char **msg)
{
    static const char PRAGMAS[] =
        "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;";
    for (int attempt = 0;; attempt++) {
        int rc = sqlite3_exec(s->db, PRAGMAS, NULL, NULL, msg);
        if (rc == SQLITE_OK)
            rc = migrate(s->db, msg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, SCHEMA, NULL, NULL, msg);
        if (rc == SQLITE_OK) /* v4: the clearance lifecycle */
            rc = bw_sqlite_lifecycle_schema(s->db, msg);
        if (rc == SQLITE_OK) /* other government agencies */
            rc = bw_sqlite_oga_schema(s->db, msg);
        if (rc == SQLITE_OK) /* returns, refunds (store_returns.c) */
            rc = bw_sqlite_returns_schema(s->db, msg);
        if (rc == SQLITE_OK)
            return true;
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt == 200)
            return false;
        sqlite3_free(*msg);
        *msg = NULL;
        sqlite3_sleep(50);
    }
}

bw_store *bw_store_open(const char *path, char *err, size_t errlen)
{
    bw_store *s = calloc(1, sizeof *s);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open the database: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        bw_store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 10000);
    char *msg = NULL;
    if (!setup(s, &msg)) {
        snprintf(err, errlen, "%s: cannot set up the database: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        bw_store_close(s);
        return NULL;
    }
    for (int i = 0; i < ST_N; i++) {
        if (sqlite3_prepare_v3(s->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
            bw_store_close(s);
            return NULL;
        }
    }
    if (!bw_sqlite_stats_setup(s)) {
        snprintf(err, errlen, "%s: %s", path, s->error);
        bw_store_close(s);
        return NULL;
    }
    if (!open_codec(s)) {
        snprintf(err, errlen, "%s: %s", path, s->error);
        bw_store_close(s);
        return NULL;
    }
    return s;
}

void bw_store_close(bw_store *s)
{
    if (!s)
        return;
    bw_sqlite_accounts_close(s);
    bw_sqlite_records_close(s->records);
    for (int i = 0; i < s->n_cached; i++)
        sqlite3_finalize(s->cached[i].st);
    bw_sqlite_sim_close(s);
    bw_sqlite_lifecycle_close(s);
    bw_sqlite_oga_close(s);
    bw_sqlite_stats_close(s);
    bw_body_packer_free(s->put_packer);
    bw_body_packer_free(s->ext_packer);
    bw_body_codec_free(s->codec);
    bw_buf_free(&s->packed);
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

static bool step_done(bw_store *s, int which, const char *what)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? true : set_error(s, what);
}

bool bw_store_begin(bw_store *s) { return step_done(s, ST_BEGIN, "begin"); }
bool bw_store_commit(bw_store *s)
{
    sqlite3_reset(s->st[ST_FIND]); /* a pending duplicate lookup must not hold the read */
    if (!bw_sqlite_stats_flush(s)) /* the batch's facts, in its transaction */
        return false;
    if (!step_done(s, ST_COMMIT, "commit"))
        return false;
    maybe_train(s);
    return true;
}
void bw_store_rollback(bw_store *s)
{
    bw_sqlite_stats_discard(s);
    step_done(s, ST_ROLLBACK, "rollback");
}

void bw_sqlite_bind_str(sqlite3_stmt *st, int i, bw_str v)
{
    if (v.p)
        sqlite3_bind_text(st, i, v.p, (int)v.n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void bw_sqlite_bind_cstr(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void bw_sqlite_bind_account_period(sqlite3_stmt *st, const char *account, const char *jurisdiction, bw_time from,
                                   bw_time to)
{
    bw_sqlite_bind_cstr(st, 1, account);
    bw_sqlite_bind_cstr(st, 2, jurisdiction);
    sqlite3_bind_int64(st, 3, from);
    sqlite3_bind_int64(st, 4, to);
}

#define bind_str bw_sqlite_bind_str
#define bind_cstr bw_sqlite_bind_cstr

static void bind_opt_int(sqlite3_stmt *st, int i, bool present, int64_t v)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Binds the revenue and risk parameters 15-26 of insert and amend. */
static void bind_revenue(sqlite3_stmt *st, const bw_settled *t)
{
    const bw_decl_row *r = t->row;
    const bw_row_revenue *v = &r->revenue;
    bind_opt_int(st, 15, v->assessed, v->duty);
    bind_opt_int(st, 16, v->assessed, v->tax);
    bind_opt_int(st, 17, v->assessed, v->due);
    bind_cstr(st, 18, v->assessed ? v->payer : NULL);
    bind_str(st, 19, v->assessed && v->account.n ? v->account : BW_STR_NULL);
    bind_cstr(st, 20, t->settlement);
    bind_opt_int(st, 21, t->debit, r->received_at);
    bind_cstr(st, 22, t->counts_to_limit ? r->buyer_limit.key : NULL);
    bind_cstr(st, 23, t->counts_to_limit ? r->buyer_limit.period : NULL);
    bind_opt_int(st, 24, t->counts_to_limit, r->buyer_limit.amount);
    bind_cstr(st, 25, r->lane);
    bind_opt_int(st, 26, r->lane != NULL, r->risk_score);
}

/* Binds the 14 parameters shared by insert and amend. */
static void bind_row(sqlite3_stmt *st, const bw_decl_row *r)
{
    bind_str(st, 1, r->submitter);
    bind_str(st, 2, r->declaration_id);
    bind_str(st, 3, r->jurisdiction);
    bind_str(st, 4, r->type);
    bind_cstr(st, 5, r->status);
    if (r->category)
        sqlite3_bind_int(st, 6, r->category);
    else
        sqlite3_bind_null(st, 6);
    if (r->value_minor >= 0)
        sqlite3_bind_int64(st, 7, r->value_minor);
    else
        sqlite3_bind_null(st, 7);
    bind_cstr(st, 8, r->value_minor >= 0 ? r->currency : NULL);
    sqlite3_bind_int64(st, 9, r->received_at);
    sqlite3_bind_blob(st, 10, r->content_hash, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 11, r->packed.p, (int)r->packed.n, SQLITE_STATIC);
    sqlite3_bind_int64(st, 14, r->packed_dict);
    bind_str(st, 12, r->errors.p ? r->errors : BW_STR_LIT("[]"));
    bind_str(st, 13, r->warnings.p ? r->warnings : BW_STR_LIT("[]"));
}

static bool add_event(bw_store *s, int64_t decl, const bw_decl_row *r, const char *kind,
                      const char *detail)
{
    sqlite3_stmt *st = s->st[ST_EVENT];
    sqlite3_bind_int64(st, 1, decl);
    sqlite3_bind_int64(st, 2, r->received_at);
    bind_cstr(st, 3, r->actor ? r->actor : "submitter");
    bind_cstr(st, 4, kind);
    bind_cstr(st, 5, r->status);
    bind_cstr(st, 6, detail);
    return step_done(s, ST_EVENT, "recording the event");
}

static bool pack_with(bw_store *s, bw_body_packer *p, bw_decl_row *r, bw_buf *scratch)
{
    if (!bw_body_pack(p, r->body.p, r->body.n, scratch, &r->packed_dict)) {
        snprintf(s->error, sizeof s->error, "compressing the declaration body failed");
        return false;
    }
    r->packed = (bw_str){scratch->p, (uint32_t)scratch->n};
    return true;
}

bool bw_store_pack(bw_store *s, bw_decl_row *r, bw_buf *scratch)
{
    return pack_with(s, s->ext_packer, r, scratch);
}

bool bw_store_has_dictionary(bw_store *s)
{
    if (bw_body_codec_has_dict(s->codec))
        return true;
    /* another connection trains it: look again now and then */
    if (++s->packs_without_dict >= 1000) {
        s->packs_without_dict = 0;
        load_dictionaries(s);
    }
    return bw_body_codec_has_dict(s->codec);
}

static bool add_event_detail(bw_store *s, int64_t decl, const bw_decl_row *r, const char *kind,
                             const bw_settled *t)
{
    return add_event(s, decl, r, kind, t->detail[0] ? t->detail : NULL);
}

static bw_put_result stored(bw_store *s, int64_t id, const bw_settled *t, const char *kind, bw_put_result ok)
{
    if (!add_event_detail(s, id, t->row, kind, t) || !bw_sqlite_apply_settled(s, t, t->row->received_at) ||
        !bw_sqlite_raise_linked(s, t->row) ||
        !bw_sqlite_sim_stored(s, id, t))
        return BW_PUT_FAILED;
    if (!bw_sqlite_lifecycle_stored(s, id, t->row, ok == BW_PUT_AMENDED))
        return BW_PUT_FAILED;
    if (!bw_sqlite_oga_stored(s, id, t->row)) /* agencies' queues */
        return BW_PUT_FAILED;
    /* an amendment's earlier facts leave the statistics */
    if ((ok == BW_PUT_AMENDED && bw_sqlite_stats_set(s, id, BW_FC_DEAD, 1) < 0) || !bw_sqlite_stats_put(s, id, t->row))
        return BW_PUT_FAILED;
    return ok;
}

bw_put_result bw_store_put(bw_store *s, const bw_decl_row *r, bw_prior *prior)
{
    sqlite3_reset(s->st[ST_FIND]); /* ends the previous call's prior */
    bw_settled t;
    if (!bw_sqlite_settle(s, r, &t))
        return BW_PUT_FAILED;
    r = t.row;
    prior->settlement = t.settlement;
    snprintf(prior->settlement_detail, sizeof prior->settlement_detail, "%s", t.detail);
    prior->over_limit = t.over_limit;
    bw_decl_row packed;
    if (!r->packed.p) { /* the caller did not pack: do it here */
        packed = *r;
        if (!pack_with(s, s->put_packer, &packed, &s->packed))
            return BW_PUT_FAILED;
        r = &packed;
    }
    sqlite3_stmt *ins = s->st[ST_INSERT];
    bind_row(ins, r);
    bind_revenue(ins, &t);
    bw_sqlite_lifecycle_bind(ins, 27, r); /* ?27-?34: the state it enters with */
    if (!step_done(s, ST_INSERT, "storing the declaration"))
        return BW_PUT_FAILED;
    if (sqlite3_changes(s->db) == 1)
        return stored(s, sqlite3_last_insert_rowid(s->db), &t, "received", BW_PUT_STORED);
    /* already there: same content is a duplicate, else a conflict */
    sqlite3_stmt *find = s->st[ST_FIND];
    bind_str(find, 1, r->submitter);
    bind_str(find, 2, r->declaration_id);
    if (sqlite3_step(find) != SQLITE_ROW) {
        set_error(s, "reading the stored declaration");
        sqlite3_reset(find);
        return BW_PUT_FAILED;
    }
    int64_t id = sqlite3_column_int64(find, 0);
    const void *hash = sqlite3_column_blob(find, 1);
    bool same = sqlite3_column_bytes(find, 1) == 16 && memcmp(hash, r->content_hash, 16) == 0;
    prior->status = (const char *)sqlite3_column_text(find, 2);
    prior->category = (uint8_t)sqlite3_column_int(find, 3);
    prior->received_at = sqlite3_column_int64(find, 4);
    prior->errors = (const char *)sqlite3_column_text(find, 5);
    prior->warnings = (const char *)sqlite3_column_text(find, 6);
    prior->settlement = (const char *)sqlite3_column_text(find, 7);
    prior->settlement_detail[0] = 0;
    prior->over_limit = false;
    bool was_rejected = prior->status && strcmp(prior->status, "rejected") == 0;
    /* prior's strings live in the statement until the next put or commit
     * resets it; an amendment overwrites the row, so it resets first */
    if (same)
        return BW_PUT_DUPLICATE;
    if (!was_rejected)
        return BW_PUT_CONFLICT;
    sqlite3_reset(find);
    prior->settlement = t.settlement;
    snprintf(prior->settlement_detail, sizeof prior->settlement_detail, "%s", t.detail);
    sqlite3_stmt *amend = s->st[ST_AMEND];
    bind_row(amend, r);
    bind_revenue(amend, &t);
    if (!step_done(s, ST_AMEND, "amending the rejected declaration"))
        return BW_PUT_FAILED;
    if (!t.detail[0])
        snprintf(t.detail, sizeof t.detail, "replaces a rejected version");
    return stored(s, id, &t, "resubmitted", BW_PUT_AMENDED);
}

char *bw_sqlite_dup_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

int bw_store_get(bw_store *s, const char *submitter, const char *declaration_id, bw_stored *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_reset(s->st[ST_FIND]);
    sqlite3_stmt *st = s->st[ST_GET];
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, declaration_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : (set_error(s, "reading the declaration"), -1);
    }
    int64_t id = sqlite3_column_int64(st, 0);
    out->submitter = bw_sqlite_dup_text(st, 1);
    out->declaration_id = bw_sqlite_dup_text(st, 2);
    out->jurisdiction = bw_sqlite_dup_text(st, 3);
    out->type = bw_sqlite_dup_text(st, 4);
    out->status = bw_sqlite_dup_text(st, 5);
    out->category = (uint8_t)sqlite3_column_int(st, 6);
    out->value_minor = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 7);
    out->currency = bw_sqlite_dup_text(st, 8);
    out->received_at = sqlite3_column_int64(st, 9);
    int64_t dict = sqlite3_column_int64(st, 13);
    if (dict > bw_body_codec_newest(s->codec)) /* made by another connection since */
        load_dictionaries(s);
    out->body = bw_body_decompress(s->codec, sqlite3_column_blob(st, 10),
                                   (size_t)sqlite3_column_bytes(st, 10), dict);
    out->errors = bw_sqlite_dup_text(st, 11);
    out->warnings = bw_sqlite_dup_text(st, 12);
    bool assessed = sqlite3_column_type(st, 14) != SQLITE_NULL;
    out->duty = assessed ? sqlite3_column_int64(st, 14) : -1;
    out->tax = assessed ? sqlite3_column_int64(st, 15) : -1;
    out->due = assessed ? sqlite3_column_int64(st, 16) : -1;
    out->payer = bw_sqlite_dup_text(st, 17);
    out->account = bw_sqlite_dup_text(st, 18);
    out->settlement = bw_sqlite_dup_text(st, 19);
    out->settled_at = sqlite3_column_int64(st, 20);
    out->lane = bw_sqlite_dup_text(st, 21);
    out->risk_score = sqlite3_column_int64(st, 22);
    sqlite3_reset(st);
    if (!out->body) {
        snprintf(s->error, sizeof s->error, "the stored body of %s/%s cannot be decompressed",
                 submitter, declaration_id);
        return -1;
    }
    /* the body is the declaration, then a newline and the assessment,
     * then a newline and the risk decision (canonical JSON has no raw
     * newline) */
    char *nl = strchr(out->body, '\n');
    if (nl) {
        *nl = 0;
        out->assessment = nl + 1;
        if ((nl = strchr(out->assessment, '\n'))) {
            *nl = 0;
            out->risk = nl + 1;
        }
    }

    sqlite3_stmt *ev = s->st[ST_EVENTS];
    sqlite3_bind_int64(ev, 1, id);
    uint32_t cap = 0;
    while ((rc = sqlite3_step(ev)) == SQLITE_ROW) {
        if (out->n_events == cap) {
            cap = cap ? cap * 2 : 4;
            out->events = realloc(out->events, cap * sizeof *out->events);
        }
        bw_event *e = &out->events[out->n_events++];
        e->at = sqlite3_column_int64(ev, 0);
        e->actor = bw_sqlite_dup_text(ev, 1);
        e->kind = bw_sqlite_dup_text(ev, 2);
        e->status = bw_sqlite_dup_text(ev, 3);
        e->detail = bw_sqlite_dup_text(ev, 4);
    }
    sqlite3_reset(ev);
    if (rc != SQLITE_DONE) {
        set_error(s, "reading the history");
        return -1;
    }
    if (!bw_sqlite_lifecycle_read(s, id, out))
        return -1;
    return 1;
}

void bw_stored_free(bw_stored *d)
{
    free(d->submitter);
    free(d->declaration_id);
    free(d->jurisdiction);
    free(d->type);
    free(d->status);
    free(d->currency);
    free(d->body);
    free(d->errors);
    free(d->warnings);
    free(d->payer);
    free(d->account);
    free(d->settlement);
    free(d->lane);
    for (uint32_t i = 0; i < d->n_events; i++) {
        free((char *)d->events[i].actor);
        free((char *)d->events[i].kind);
        free((char *)d->events[i].status);
        free((char *)d->events[i].detail);
    }
    free(d->events);
    free(d->lifecycle);
    memset(d, 0, sizeof *d);
}

bool bw_store_count(bw_store *s, const char *status, int64_t *out)
{
    sqlite3_stmt *st = s->st[ST_COUNT];
    bind_cstr(st, 1, status);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || set_error(s, "counting");
}

/* ---- API keys ------------------------------------------------------------------ */

bool bw_store_key_add(bw_store *s, const bw_api_key *k, const uint8_t hash[32], int64_t *id)
{
    sqlite3_stmt *st = s->st[ST_KEY_ADD];
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    bind_cstr(st, 2, k->prefix);
    bind_cstr(st, 3, k->role);
    bind_cstr(st, 4, k->submitter[0] ? k->submitter : NULL);
    bind_cstr(st, 5, k->agency[0] ? k->agency : NULL);
    sqlite3_bind_int64(st, 6, k->rate_per_s);
    sqlite3_bind_int64(st, 7, k->created_at);
    if (!step_done(s, ST_KEY_ADD, "storing the key"))
        return false;
    *id = sqlite3_last_insert_rowid(s->db);
    return true;
}

bool bw_sqlite_finish(bw_store *s, sqlite3_stmt *st, int rc, const char *what)
{
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, what);
}

void bw_sqlite_copy_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static void read_key(sqlite3_stmt *st, bw_api_key *k)
{
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(st, 0);
    bw_sqlite_copy_text(st, 1, k->prefix, sizeof k->prefix);
    bw_sqlite_copy_text(st, 2, k->role, sizeof k->role);
    bw_sqlite_copy_text(st, 3, k->submitter, sizeof k->submitter);
    bw_sqlite_copy_text(st, 4, k->agency, sizeof k->agency);
    k->rate_per_s = sqlite3_column_int64(st, 5);
    k->created_at = sqlite3_column_int64(st, 6);
    k->revoked_at = sqlite3_column_type(st, 7) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 7);
}

int bw_store_key_find(bw_store *s, const uint8_t hash[32], bw_api_key *out)
{
    sqlite3_stmt *st = s->st[ST_KEY_FIND];
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_key(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : (set_error(s, "looking the key up"), -1);
}

bool bw_store_key_list(bw_store *s, void (*each)(void *, const bw_api_key *), void *ctx)
{
    sqlite3_stmt *st = s->st[ST_KEY_LIST];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_api_key k;
        read_key(st, &k);
        each(ctx, &k);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || set_error(s, "listing the keys");
}

int bw_store_key_revoke(bw_store *s, const char *id_or_prefix, bw_time now)
{
    sqlite3_stmt *st = s->st[ST_KEY_REVOKE];
    char *end;
    long long id = strtoll(id_or_prefix, &end, 10);
    sqlite3_bind_int64(st, 1, *end ? -1 : id);
    sqlite3_bind_int64(st, 2, now);
    bind_cstr(st, 3, id_or_prefix);
    if (!step_done(s, ST_KEY_REVOKE, "revoking the key"))
        return -1;
    return sqlite3_changes(s->db);
}

/* ---- listing ---------------------------------------------------------------------- */

static void bind_opt_time(sqlite3_stmt *st, int i, bw_time t)
{
    if (t)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

bool bw_store_list(bw_store *s, const bw_list_filter *f, void (*each)(void *, const bw_summary *),
                   void *ctx)
{
    sqlite3_stmt *st = s->st[ST_LIST];
    sqlite3_bind_int64(st, 1, f->after_id);
    bind_cstr(st, 2, f->submitter);
    bind_cstr(st, 3, f->status);
    if (f->category)
        sqlite3_bind_int(st, 4, f->category);
    else
        sqlite3_bind_null(st, 4);
    bind_opt_time(st, 5, f->since);
    bind_opt_time(st, 6, f->until);
    sqlite3_bind_int(st, 7, (int)f->limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_summary d = {
            .id = sqlite3_column_int64(st, 0),
            .submitter = (const char *)sqlite3_column_text(st, 1),
            .declaration_id = (const char *)sqlite3_column_text(st, 2),
            .jurisdiction = (const char *)sqlite3_column_text(st, 3),
            .type = (const char *)sqlite3_column_text(st, 4),
            .status = (const char *)sqlite3_column_text(st, 5),
            .category = (uint8_t)sqlite3_column_int(st, 6),
            .value_minor = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 7),
            .currency = (const char *)sqlite3_column_text(st, 8),
            .received_at = sqlite3_column_int64(st, 9),
        };
        each(ctx, &d);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || set_error(s, "listing declarations");
}
