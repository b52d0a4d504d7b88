/*
 * store_aeo.h - AEO status changes in the store (append-only, with who
 * recorded them and when); src/risk/aeo.h applies them.
 */
#ifndef BW_STORE_AEO_H
#define BW_STORE_AEO_H

#include "store.h"

typedef struct bw_aeo_stored {
    int64_t seq;
    const char *id, *line, *json, *actor;
    bool carries;
    bw_time at;
} bw_aeo_stored;

/* One change, one transaction; false on a store error. */
bool bw_store_aeo_add(bw_store *s, const char *id, const char *line, bool carries, const char *json,
                      const char *actor, bw_time at, int64_t *seq);
/* In the order recorded; id NULL: every operator's. */
bool bw_store_aeo_changes(bw_store *s, const char *id, void (*each)(void *, const bw_aeo_stored *), void *ctx);

struct sqlite3;
int bw_sqlite_aeo_schema(struct sqlite3 *db, char **msg);

#endif
