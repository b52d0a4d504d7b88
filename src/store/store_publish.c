/*
 * store_publish.c - what publication reads from the store (store.h,
 * bw_store_seizures): the seized declarations, for the aggregated seizure
 * notices of src/stats/publish_seizures.c.  Only keys and times leave
 * here; the caller reads what it aggregates and publishes nothing else.
 */
#include <stdio.h>

#include "sqlite_store.h"

bool bw_store_seizures(bw_store *s, void (*each)(void *, const char *submitter, const char *declaration_id, bw_time at),
                       void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT d.submitter, d.declaration_id, MIN(e.at) FROM events e JOIN declarations d ON d.id = e.declaration"
           " WHERE (e.kind = 'inspected' AND json_valid(e.detail) AND json_extract(e.detail, '$.result') = 'seized')"
           "    OR e.kind = 'seized'"
           " GROUP BY e.declaration ORDER BY MIN(e.at), e.declaration");
    if (!st)
        return false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        each(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
             sqlite3_column_int64(st, 2));
    return bw_sqlite_finish(s, st, rc, "reading the seizures");
}
