/*
 * store_lifecycle.h - the clearance lifecycle in the store: state columns
 * of declarations, transitions as events, arrival manifests, the "arrived
 * without data" queue, the officer's work queue and do-not-load referrals.
 *
 * Every state change goes through one transition (src/lifecycle/state.h
 * decides what is legal): check the current state, update the state
 * columns, append one immutable event - in one transaction.  Writers on
 * other connections (the HTTP group committer) are serialized by SQLite's
 * write lock (BEGIN IMMEDIATE, busy timeout), so a transition never sees a
 * half-stored declaration and never interleaves with a batch.
 */
#ifndef BW_STORE_LIFECYCLE_H
#define BW_STORE_LIFECYCLE_H

#include "../lifecycle/state.h"
#include "store.h"

/* What the lifecycle learns about a declaration when it is stored (built
 * by bw_lifecycle_facts in src/lifecycle/prearrival.c from the declaration
 * and its risk decision; bw_decl_row.lifecycle). */
typedef struct bw_lc_facts {
    bw_str transport_doc;          /* house AWB / S10 / tracking number: how arrivals match */
    bw_str master_id;
    bool has_loading, has_arrival;
    int64_t lead_loading_s;        /* loaded_at - received_at (negative: data came late) */
    int64_t lead_arrival_s;        /* expected_arrival - received_at */
    bool aeo;                      /* an authorised economic operator is party to it */
    const char *do_not_load;       /* JSON detail of a do-not-load referral, NULL: none */
} bw_lc_facts;

/* ---- transitions ----------------------------------------------------------------- */
typedef struct bw_transition {
    const char *submitter, *declaration_id;
    bw_lc_action action;
    bw_hold_reason reason;         /* for "held": why (required); else BW_HOLD_NONE */
    const char *actor;
    bw_time at;
    const char *detail;            /* JSON object for the event, or NULL */
} bw_transition;

typedef struct bw_transition_outcome {
    char from[24], to[24];
    char why[512];                 /* when refused: from-state, action, why */
} bw_transition_outcome;

enum { BW_LC_REFUSED = -2 };
/* Applies one transition in a transaction of its own: 1 applied, 0 no such
 * declaration, BW_LC_REFUSED (nothing changed, out->why), -1 store error. */
int bw_store_transition(bw_store *s, const bw_transition *t, bw_transition_outcome *out);

/* The same, running then(s, row, ctx) in the transaction once the
 * transition is applied; then returning false rolls everything back (-1). */
int bw_store_transition_then(bw_store *s, const bw_transition *t, bw_transition_outcome *out,
                             bool (*then)(bw_store *, int64_t row, const void *ctx), const void *ctx);

/* The lifecycle columns of one declaration. */
typedef struct bw_lc_status {
    char state[24], hold_reason[24];
    bw_time state_at, arrived_at, released_at;   /* 0: not yet */
    bool has_lead_loading, has_lead_arrival;
    int64_t lead_loading_s, lead_arrival_s;
    char transport_doc[72];
    bool aeo;
    bool reassessed;
    int64_t reassessed_duty, reassessed_tax, reassessed_due;
} bw_lc_status;
/* 1 found, 0 not found, -1 error. */
int bw_store_lc_status(bw_store *s, const char *submitter, const char *declaration_id, bw_lc_status *out);

/* ---- arrivals -------------------------------------------------------------------- */
typedef struct bw_manifest {
    const char *carrier, *master_id;
    bw_time arrived_at;
    const char *const *documents;  /* transport document ids of the items */
    uint32_t n_documents;
    const char *actor;
    bw_time received_at;
} bw_manifest;

/* What happened to one item of a manifest.  outcome: "released",
 * "held" (reason), "unmatched" (no declaration: queued), or "unchanged"
 * (the declaration is past arrival or cannot arrive: state says where). */
typedef struct bw_arrival_item {
    const char *document_id;
    const char *submitter, *declaration_id;  /* NULL when unmatched */
    const char *outcome, *reason, *state;
    double decision_us;            /* from reading the item to its decision */
} bw_arrival_item;

typedef struct bw_arrival_summary {
    bool duplicate;                /* the same manifest again: nothing changed */
    bool conflict;                 /* same carrier and master id, other items: refused */
    int64_t manifest_id;
    uint32_t items, matched, released, held, unmatched, unchanged;
} bw_arrival_summary;

/* Records a manifest and the arrival of every item in one transaction;
 * idempotent by (carrier, master id).  each may be NULL.  false on a store
 * error (nothing stored). */
bool bw_store_arrival(bw_store *s, const bw_manifest *m, void (*each)(void *, const bw_arrival_item *), void *ctx,
                      bw_arrival_summary *out);

typedef struct bw_unmatched {
    int64_t id;
    const char *carrier, *master_id, *document_id;
    bw_time arrived_at, cleared_at;            /* cleared_at 0: still waiting */
    const char *submitter, *declaration_id;    /* the declaration that cleared it */
} bw_unmatched;
/* Items arrived without data; all: also the cleared ones. */
bool bw_store_unmatched(bw_store *s, bool all, void (*each)(void *, const bw_unmatched *), void *ctx);

/* ---- the officer's work queue and referrals ------------------------------------- */
typedef struct bw_queue_filter {
    const char *lane, *reason;     /* NULL: any */
    bw_time held_before;           /* 0: any; else only those in their state since before this */
    uint32_t limit;
} bw_queue_filter;

typedef struct bw_queue_entry {
    const char *submitter, *declaration_id, *jurisdiction, *state, *hold_reason, *lane, *settlement;
    int64_t risk_score;
    bool aeo;
    bw_time state_at, arrived_at;
} bw_queue_entry;
/* Declarations awaiting an officer (held, inspected, reassessed): AEO
 * first, then the most severe lane, then the oldest. */
bool bw_store_queue(bw_store *s, const bw_queue_filter *f, void (*each)(void *, const bw_queue_entry *), void *ctx);

typedef struct bw_referral {
    const char *submitter, *declaration_id, *state, *detail;
    bw_time at;
} bw_referral;
/* Do-not-load referrals, oldest first; submitter NULL: everyone's. */
bool bw_store_referrals(bw_store *s, const char *submitter, void (*each)(void *, const bw_referral *), void *ctx);

/* Revenue reassessed after an inspection (the original assessment, which
 * was debited or paid, stays as it was): transition "reassessed" with
 * detail, and the new amounts.  Same results as bw_store_transition. */
int bw_store_reassess(bw_store *s, const bw_transition *t, int64_t duty, int64_t tax, int64_t due,
                      bw_transition_outcome *out);

/* ---- hooks for the other store files (not for callers) ----------------------------- */
struct sqlite3;
/* Adds the lifecycle columns and tables (schema v4; v3 stores migrate). */
int bw_sqlite_lifecycle_schema(struct sqlite3 *db, char **msg);
/* Binds the lifecycle columns a new row enters with (state, hold reason,
 * state time, timeliness, transport document, master id, AEO) as
 * parameters ?at..?at+7 of the declarations INSERT. */
struct sqlite3_stmt;
void bw_sqlite_lifecycle_bind(struct sqlite3_stmt *insert, int at, const bw_decl_row *r);
/* In the storing transaction of row id: the state columns again when the
 * row was amended, the referral, and an arrival that was waiting for this
 * data. */
bool bw_sqlite_lifecycle_stored(bw_store *s, int64_t id, const bw_decl_row *r, bool amended);
/* In the inspection's transaction: the state after an inspection with
 * this result; false with the store error set when refused. */
bool bw_sqlite_lifecycle_inspected(bw_store *s, int64_t id, const char *result, const char *actor, bw_time at,
                                   char state_out[16]);
/* In a payment's transaction: a parcel held at the border for payment
 * whose lane allows it is released (event "released", actor "auto"). */
bool bw_sqlite_lifecycle_settled(bw_store *s, int64_t id, bw_time at);
/* The state columns of row: state, hold reason (held only), when entered,
 * arrived_at when it arrives now, released_at when released; the
 * statistics' copy too.  Inside the caller's transaction, after it checked
 * the move with bw_lc_next. */
bool bw_sqlite_lifecycle_set_state(bw_store *s, int64_t row, bw_lc_state to, const char *reason, bool arrived_now,
                                   bw_time at);
/* The statistics' copy of a declaration's state follows each change. */
bool bw_sqlite_lifecycle_stats_state(bw_store *s, int64_t row, bw_lc_state to);
/* Reads the lifecycle columns into a bw_stored (bw_store_get). */
bool bw_sqlite_lifecycle_read(bw_store *s, int64_t id, bw_stored *out);
void bw_sqlite_lifecycle_close(bw_store *s);

#endif
