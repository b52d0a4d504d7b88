/*
 * store_records.c - separate order, payment and logistics records and
 * their links to declarations, in SQLite (store_records.h).
 *
 * The tables are this file's own, created with CREATE TABLE IF NOT EXISTS
 * when first opened, so a store that never sees a record never has them.
 * Idempotency is by (kind, key, submitter): the canonical JSON decides a
 * duplicate (same text) from a conflict (other text); records are small
 * enough that comparing the text is cheaper than keeping a hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../stats/facts.h"
#include "sqlite_store.h"
#include "store_records.h"

#define bind_cstr bw_sqlite_bind_cstr

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS records("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"            /* order, payment, logistics */
    "  key TEXT NOT NULL,"             /* order_id, payment_id, transport_document */
    "  submitter TEXT NOT NULL,"
    "  order_id TEXT,"                 /* what finds it: the order it belongs to */
    "  transport_document TEXT,"       /* and, for logistics, the waybill */
    "  body TEXT NOT NULL,"            /* canonical JSON */
    "  received_at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  UNIQUE(kind, key, submitter));"
    "CREATE INDEX IF NOT EXISTS records_by_order ON records(order_id) WHERE order_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS records_by_document ON records(transport_document)"
    "  WHERE transport_document IS NOT NULL;"
    "CREATE TABLE IF NOT EXISTS record_links("
    "  declaration INTEGER PRIMARY KEY REFERENCES declarations(id),"
    "  order_id TEXT, transport_document TEXT,"
    "  lane_set TEXT,"                 /* the lane records last set, NULL never */
    "  hits TEXT);"                    /* the last comparison (JSON), NULL never compared */
    "CREATE INDEX IF NOT EXISTS record_links_by_order ON record_links(order_id) WHERE order_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS record_links_by_document ON record_links(transport_document)"
    "  WHERE transport_document IS NOT NULL;";

enum { RS_FIND, RS_INSERT, RS_FOR, RS_GET, RS_LINKS, RS_LINK_GET, RS_LINK_PUT, RS_LANE, RS_EVENT, RS_N };

static const char *const SQL[RS_N] = {
    [RS_FIND] = "SELECT body FROM records WHERE kind = ?1 AND key = ?2 AND submitter = ?3",
    [RS_INSERT] = "INSERT INTO records(kind, key, submitter, order_id, transport_document, body, received_at, actor)"
                  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
    [RS_FOR] = "SELECT kind, key, submitter, body, actor, received_at FROM records"
               " WHERE order_id = ?1 OR (kind = 'logistics' AND transport_document = ?2) ORDER BY id",
    [RS_GET] = "SELECT kind, key, submitter, body, actor, received_at FROM records"
               " WHERE kind = ?1 AND key = ?2 AND (?3 IS NULL OR submitter = ?3) ORDER BY id",
    [RS_LINKS] = "SELECT d.submitter, d.declaration_id FROM record_links l JOIN declarations d ON d.id = l.declaration"
                 " WHERE l.order_id = ?1 OR l.transport_document = ?2 ORDER BY d.id",
    [RS_LINK_GET] = "SELECT d.id, d.status, d.lane, l.lane_set, l.hits FROM declarations d"
                    " LEFT JOIN record_links l ON l.declaration = d.id"
                    " WHERE d.submitter = ?1 AND d.declaration_id = ?2",
    [RS_LINK_PUT] = "INSERT INTO record_links(declaration, order_id, transport_document, lane_set, hits)"
                    " VALUES(?1,?2,?3,?4,?5) ON CONFLICT(declaration) DO UPDATE SET"
                    " order_id = excluded.order_id, transport_document = excluded.transport_document,"
                    " lane_set = excluded.lane_set, hits = coalesce(excluded.hits, hits)",
    [RS_LANE] = "UPDATE declarations SET lane = ?2 WHERE id = ?1",
    [RS_EVENT] = "INSERT INTO events(declaration, at, actor, kind, status, detail) VALUES(?1,?2,?3,?4,?5,?6)",
};

struct bw_record_store {
    bw_store *s;
    sqlite3_stmt *st[RS_N];
};

bw_record_store *bw_record_store_open(bw_store *s)
{
    if (s->records)
        return s->records;
    char *msg = NULL;
    if (sqlite3_exec(s->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(s->error, sizeof s->error, "creating the records tables: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return NULL;
    }
    bw_record_store *rs = calloc(1, sizeof *rs);
    rs->s = s;
    for (int i = 0; i < RS_N; i++) {
        if (sqlite3_prepare_v2(s->db, SQL[i], -1, &rs->st[i], NULL) != SQLITE_OK) {
            bw_sqlite_error(s, "preparing a records statement");
            bw_sqlite_records_close(rs);
            return NULL;
        }
    }
    return s->records = rs;
}

void bw_sqlite_records_close(bw_record_store *rs)
{
    if (!rs)
        return;
    for (int i = 0; i < RS_N; i++)
        sqlite3_finalize(rs->st[i]);
    free(rs);
}

int bw_store_records_any(bw_store *s)
{
    sqlite3_stmt *st =
        bw_sqlite_prepare(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'records'");
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    bool exists = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return bw_sqlite_error(s, "looking for the records table") ? 0 : -1;
    if (!exists)
        return 0;
    if (!(st = bw_sqlite_prepare(s, "SELECT EXISTS(SELECT 1 FROM records)")))
        return -1;
    rc = sqlite3_step(st);
    int any = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
    sqlite3_finalize(st);
    if (any < 0)
        bw_sqlite_error(s, "looking for records");
    return any;
}

void bw_store_records_fail(bw_store *s, const char *why) { snprintf(s->error, sizeof s->error, "%s", why); }

/* The statement `which`, reset and unbound. */
static sqlite3_stmt *stmt(bw_record_store *rs, int which)
{
    sqlite3_stmt *st = rs->st[which];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static bool done(bw_record_store *rs, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || bw_sqlite_error(rs->s, what);
}

static const char *text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

int bw_record_put(bw_record_store *rs, const bw_record_row *r)
{
    sqlite3_stmt *st = stmt(rs, RS_FIND);
    bind_cstr(st, 1, r->kind);
    bind_cstr(st, 2, r->key);
    bind_cstr(st, 3, r->submitter);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int same = strcmp(text(st, 0), r->body) == 0;
        sqlite3_reset(st);
        return same ? 1 : 2;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return bw_sqlite_error(rs->s, "looking for the record") ? 0 : -1;
    st = stmt(rs, RS_INSERT);
    bind_cstr(st, 1, r->kind);
    bind_cstr(st, 2, r->key);
    bind_cstr(st, 3, r->submitter);
    bind_cstr(st, 4, r->order_id);
    bind_cstr(st, 5, r->transport_document);
    bind_cstr(st, 6, r->body);
    sqlite3_bind_int64(st, 7, r->at);
    bind_cstr(st, 8, r->actor);
    return done(rs, st, "storing the record") ? 0 : -1;
}

static bool each_record(bw_record_store *rs, sqlite3_stmt *st, bw_record_each each, void *ctx, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_stored_record r = {text(st, 0), text(st, 1), text(st, 2), text(st, 3), text(st, 4),
                              sqlite3_column_int64(st, 5)};
        each(ctx, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || bw_sqlite_error(rs->s, what);
}

bool bw_records_for(bw_record_store *rs, const char *order_id, const char *document, bw_record_each each,
                    void *ctx)
{
    if (!order_id && !document)
        return true;
    sqlite3_stmt *st = stmt(rs, RS_FOR);
    bind_cstr(st, 1, order_id);
    bind_cstr(st, 2, document);
    return each_record(rs, st, each, ctx, "reading the declaration's records");
}

bool bw_records_get(bw_record_store *rs, const char *kind, const char *key, const char *submitter,
                    bw_record_each each, void *ctx)
{
    sqlite3_stmt *st = stmt(rs, RS_GET);
    bind_cstr(st, 1, kind);
    bind_cstr(st, 2, key);
    bind_cstr(st, 3, submitter);
    return each_record(rs, st, each, ctx, "reading the records");
}

bool bw_record_links(bw_record_store *rs, const char *order_id, const char *document,
                     void (*each)(void *ctx, const char *submitter, const char *declaration_id), void *ctx)
{
    if (!order_id && !document)
        return true;
    sqlite3_stmt *st = stmt(rs, RS_LINKS);
    bind_cstr(st, 1, order_id);
    bind_cstr(st, 2, document);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, text(st, 0), text(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE || bw_sqlite_error(rs->s, "finding the record's declarations");
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const char *t = text(st, col);
    snprintf(out, cap, "%s", t ? t : "");
}

int bw_record_link_get(bw_record_store *rs, const char *submitter, const char *declaration_id,
                       bw_record_link_state *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = stmt(rs, RS_LINK_GET);
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, declaration_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->declaration = sqlite3_column_int64(st, 0);
        copy_col(st, 1, out->status, sizeof out->status);
        copy_col(st, 2, out->lane, sizeof out->lane);
        copy_col(st, 3, out->lane_set, sizeof out->lane_set);
        const char *h = text(st, 4);
        out->hits = h ? strdup(h) : NULL;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : (bw_sqlite_error(rs->s, "reading the declaration's link"), -1);
}

static bool event(bw_record_store *rs, const bw_record_change *c, const char *kind, const char *detail)
{
    sqlite3_stmt *st = stmt(rs, RS_EVENT);
    sqlite3_bind_int64(st, 1, c->declaration);
    sqlite3_bind_int64(st, 2, c->at);
    bind_cstr(st, 3, c->actor);
    bind_cstr(st, 4, kind);
    bind_cstr(st, 5, c->status);
    bind_cstr(st, 6, detail);
    return done(rs, st, "recording the event");
}

bool bw_record_change_apply(bw_record_store *rs, const bw_record_change *c)
{
    sqlite3_stmt *st = stmt(rs, RS_LINK_PUT);
    sqlite3_bind_int64(st, 1, c->declaration);
    bind_cstr(st, 2, c->order_id);
    bind_cstr(st, 3, c->transport_document);
    bind_cstr(st, 4, c->lane_set);
    bind_cstr(st, 5, c->hits);
    if (!done(rs, st, "linking the declaration to its records"))
        return false;
    if (c->hits && c->event && !event(rs, c, "records_compared", c->hits))
        return false;
    if (!c->lane)
        return true;
    st = stmt(rs, RS_LANE);
    sqlite3_bind_int64(st, 1, c->declaration);
    bind_cstr(st, 2, c->lane);
    if (bw_sqlite_stats_set(rs->s, c->declaration, BW_FC_LANE, bw_stats_name_code(bw_stats_lane_names, c->lane)) < 0)
        return false; /* statistics show the lane in force */
    return done(rs, st, "changing the lane") && event(rs, c, c->lane_kind, c->lane_detail);
}
