/*
 * store_aeo.c - the SQL of AEO status changes (store_aeo.h).
 */
#include <sqlite3.h>

#include "sqlite_store.h"
#include "store_aeo.h"

int bw_sqlite_aeo_schema(sqlite3 *db, char **msg)
{
    return sqlite3_exec(db,
                        "CREATE TABLE IF NOT EXISTS aeo_changes("
                        "  id INTEGER PRIMARY KEY, operator TEXT NOT NULL, line TEXT NOT NULL,"
                        "  carries INTEGER NOT NULL, body TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL);"
                        "CREATE INDEX IF NOT EXISTS aeo_changes_by_operator ON aeo_changes(operator);",
                        NULL, NULL, msg);
}

bool bw_store_aeo_add(bw_store *s, const char *id, const char *line, bool carries, const char *json,
                      const char *actor, bw_time at, int64_t *seq)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO aeo_changes(operator, line, carries, body, actor, at)"
                                            " VALUES(?1,?2,?3,?4,?5,?6)");
    if (!st)
        return false;
    bw_sqlite_bind_cstr(st, 1, id);
    bw_sqlite_bind_cstr(st, 2, line);
    sqlite3_bind_int(st, 3, carries);
    bw_sqlite_bind_cstr(st, 4, json);
    bw_sqlite_bind_cstr(st, 5, actor);
    sqlite3_bind_int64(st, 6, at);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    *seq = sqlite3_last_insert_rowid(s->db);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "storing the AEO change");
}

bool bw_store_aeo_changes(bw_store *s, const char *id, void (*each)(void *, const bw_aeo_stored *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT id, operator, line, body, actor, carries, at FROM aeo_changes"
                                            " WHERE ?1 IS NULL OR operator = ?1 ORDER BY id");
    if (!st)
        return false;
    bw_sqlite_bind_cstr(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_aeo_stored a = {sqlite3_column_int64(st, 0),           (const char *)sqlite3_column_text(st, 1),
                           (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                           (const char *)sqlite3_column_text(st, 4), sqlite3_column_int(st, 5) != 0,
                           sqlite3_column_int64(st, 6)};
        each(ctx, &a);
    }
    return bw_sqlite_finish(s, st, rc, "reading the AEO changes");
}
