/*
 * store_records.h - the order, payment and logistics records customs
 * receives apart from declarations (src/risk/records.h), and what links
 * them to declarations, in the store.
 *
 * Two tables of their own, created on first use: `records` (one row per
 * kind, key and submitter, the canonical JSON as text) and `record_links`
 * (per declaration compared: the order id and transport document it is
 * found by, the lane the records last set, the last comparison's hits).
 * Declarations' order ids live in their compressed bodies, so the links
 * are what lets a record that arrives find the declarations it concerns.
 *
 * The statements are prepared once per connection, on first use (the
 * committer compares every batch it stores), and freed with the store.
 */
#ifndef BW_STORE_RECORDS_H
#define BW_STORE_RECORDS_H

#include "store.h"

typedef struct bw_record_store bw_record_store;

/* s's records statements: on first use creates the tables if needed and
 * prepares them; owned by s (bw_store_close frees them).  NULL on error
 * (bw_store_error(s)). */
bw_record_store *bw_record_store_open(bw_store *s);

/* Whether any record was ever stored in s: 1 yes, 0 no, -1 error.  Does
 * not create anything. */
int bw_store_records_any(bw_store *s);

/* Sets the text bw_store_error(s) answers, for a failure of the records
 * work that is not the store's own (reference data that cannot be loaded). */
void bw_store_records_fail(bw_store *s, const char *why);

/* A record to store. */
typedef struct bw_record_row {
    const char *kind, *key, *submitter;
    const char *order_id, *transport_document;  /* what it is found by; may be NULL */
    const char *body;                           /* canonical JSON */
    const char *actor;
    bw_time at;
} bw_record_row;

/* A stored record; strings valid during the callback only. */
typedef struct bw_stored_record {
    const char *kind, *key, *submitter, *body, *actor;
    bw_time received_at;
} bw_stored_record;

typedef void (*bw_record_each)(void *ctx, const bw_stored_record *r);

/* Stores a record unless (kind, key, submitter) is there: then 1 same
 * body (duplicate), 2 other body (conflict); 0 stored; -1 error. */
int bw_record_put(bw_record_store *rs, const bw_record_row *r);

/* The records a declaration may concern: order_id equal, or logistics
 * with that transport document (either may be NULL), oldest first. */
bool bw_records_for(bw_record_store *rs, const char *order_id, const char *document, bw_record_each each,
                    void *ctx);

/* The records of a kind and key; one submitter's unless NULL. */
bool bw_records_get(bw_record_store *rs, const char *kind, const char *key, const char *submitter,
                    bw_record_each each, void *ctx);

/* The declarations linked to an order id or transport document (either
 * may be NULL); strings valid during the callback only. */
bool bw_record_links(bw_record_store *rs, const char *order_id, const char *document,
                     void (*each)(void *ctx, const char *submitter, const char *declaration_id), void *ctx);

/* A declaration as the comparison needs it from its row and its link. */
typedef struct bw_record_link_state {
    int64_t declaration;   /* declarations.id; 0: no such declaration */
    char status[16];
    char lane[8];          /* in force; "" none */
    char lane_set[8];      /* what records last set; "" never */
    char *hits;            /* the last comparison's detail, malloc'd; NULL never compared */
} bw_record_link_state;

/* 1 found, 0 no such declaration, -1 error.  Free hits. */
int bw_record_link_get(bw_record_store *rs, const char *submitter, const char *declaration_id,
                       bw_record_link_state *out);

/* What one comparison changes, written inside the caller's transaction:
 * the link (always), an event "records_compared" with the hits when asked,
 * and the lane in force with an event of `lane_kind` (the same change as
 * bw_store_set_lane, which has its own transaction: a batch of
 * declarations must not cost a commit each). */
typedef struct bw_record_change {
    int64_t declaration;
    const char *status;                      /* the declaration's, for the events */
    const char *order_id, *transport_document;
    const char *hits;                        /* the comparison (JSON); NULL: unchanged */
    bool event;                              /* record it as an event "records_compared" */
    const char *lane;                        /* new lane in force; NULL: unchanged */
    const char *lane_kind, *lane_detail;
    const char *lane_set;                    /* what the link keeps as set by records; NULL none */
    const char *actor;
    bw_time at;
} bw_record_change;

bool bw_record_change_apply(bw_record_store *rs, const bw_record_change *c);

#endif
