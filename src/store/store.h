/*
 * store.h - the one interface to durable storage.
 *
 * Callers never see SQL: they put declarations (with their outcome), read
 * them back with their history, and group puts into transactions.  The
 * embedded default is SQLite (store_sqlite.c); a PostgreSQL backend can
 * implement the same functions later without touching a caller.
 *
 * Durability: a put is durable only once bw_store_commit() has returned
 * true, and nothing may be acknowledged to a submitter before that.
 */
#ifndef BW_STORE_H
#define BW_STORE_H

#include "../core/core.h"

typedef struct bw_store bw_store;

/* Opens (creating if needed) the store at path; NULL with err on failure. */
bw_store *bw_store_open(const char *path, char *err, size_t errlen);
void bw_store_close(bw_store *s);
/* The last error's text. */
const char *bw_store_error(const bw_store *s);

bool bw_store_begin(bw_store *s);
bool bw_store_commit(bw_store *s);
void bw_store_rollback(bw_store *s);

/* One declaration with the pipeline's outcome, as stored. */
typedef struct bw_decl_row {
    bw_str submitter, declaration_id;
    bw_str jurisdiction, type;     /* may be absent on rejected rows */
    const char *status;            /* "accepted", "rejected" */
    uint8_t category;              /* 0 unknown */
    int64_t value_minor;           /* consignment value, -1 unknown */
    const char *currency;          /* of value_minor */
    bw_time received_at;
    uint8_t content_hash[16];      /* XXH3-128 of the canonical JSON (idempotency) */
    bw_str body;                   /* canonical JSON of the declaration */
    bw_str errors, warnings;       /* JSON arrays */
    const char *actor;             /* who submitted (for the event log) */
    bw_str packed;                 /* body as stored, from bw_store_pack(); optional */
    int64_t packed_dict;
} bw_decl_row;

/* Compresses row->body into row->packed (bytes in scratch).  Optional: put
 * packs the rows that are not packed.  It exists so a pipeline can share
 * the compression between two threads: bw_store_pack may run on one thread
 * (one at a time) while another puts and gets. */
bool bw_store_pack(bw_store *s, bw_decl_row *row, bw_buf *scratch);

typedef enum bw_put_result {
    BW_PUT_STORED,      /* new: stored with its first event */
    BW_PUT_AMENDED,     /* replaced a rejected declaration with new content */
    BW_PUT_DUPLICATE,   /* same id, same content: nothing stored */
    BW_PUT_CONFLICT,    /* same id, other content: nothing stored */
    BW_PUT_FAILED,      /* store error: see bw_store_error */
} bw_put_result;

/* The stored result a duplicate or conflict answers with. Strings are valid
 * until the next call on the store. */
typedef struct bw_prior {
    const char *status;
    uint8_t category;
    bw_time received_at;
    const char *errors, *warnings;
} bw_prior;

/* Stores row unless (submitter, declaration_id) is already there: then
 * identical content is a duplicate and other content a conflict, except
 * that a rejected declaration may be replaced by a corrected one.  Must be
 * called inside a transaction.  prior is filled for duplicates and conflicts
 * and stays valid until the next put or commit. */
bw_put_result bw_store_put(bw_store *s, const bw_decl_row *row, bw_prior *prior);

/* A stored declaration and its history, for `show` and the API. */
typedef struct bw_event {
    bw_time at;
    const char *actor, *kind, *status, *detail;
} bw_event;

typedef struct bw_stored {
    char *submitter, *declaration_id, *jurisdiction, *type, *status, *currency;
    uint8_t category;
    int64_t value_minor;
    bw_time received_at;
    char *body, *errors, *warnings;
    bw_event *events;
    uint32_t n_events;
} bw_stored;

/* 1 found, 0 not found, -1 error. */
int bw_store_get(bw_store *s, const char *submitter, const char *declaration_id, bw_stored *out);
void bw_stored_free(bw_stored *d);

/* Counts by status, for summaries and tests. */
bool bw_store_count(bw_store *s, const char *status, int64_t *out);

#endif
