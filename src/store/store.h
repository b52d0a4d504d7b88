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

/* What an accepted declaration owes, as the revenue assessment found it.
 * The settlement the store starts from: "none" (nothing due), "account"
 * (debit the intermediary's account: the store makes it "debited", or
 * "held" when the account is unknown or its guarantee would be exceeded),
 * "awaiting_payment" (the buyer pays before release).  A payment makes a
 * held or awaiting declaration "paid" (bw_store_pay). */
typedef struct bw_row_revenue {
    bool assessed;
    int64_t duty, tax, due;        /* minor units of the row's currency */
    const char *payer;             /* of what is due: "intermediary", "buyer" */
    bw_str account;                /* the intermediary's account, when it pays */
    const char *settlement;
    bw_str assessment;             /* JSON object, stored with the body */
} bw_row_revenue;

/* A relief that holds while the buyer's running total in the period stays
 * within a limit (CN CNY 26,000 a year; US USD 800 a day before 2025-08-29). */
typedef struct bw_row_buyer_limit {
    int64_t limit;                 /* -1: none */
    int64_t amount;                /* what this declaration adds to the total */
    char key[33];                  /* hash of jurisdiction and buyer: no personal data */
    char period[11];               /* "2026" or "2026-11-24" */
} bw_row_buyer_limit;

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
    bw_row_revenue revenue;
    bw_row_buyer_limit buyer_limit;
    const char *lane;              /* risk lane, NULL: not assessed */
    int32_t risk_score;
    bw_str risk;                   /* the risk decision (JSON object), stored with the body */
    const char *const *linked;     /* earlier "submitter/id" whose lane this one raises */
    uint32_t n_linked;
    /* The row to store instead when the buyer is over buyer_limit (same
     * ids and content hash, other category and assessment); NULL: none. */
    const struct bw_decl_row *over_limit;
    /* The de minimis simulator's revenue basis (src/stats/simulate.h), stored
     * in the same transaction; NULL: none (rejected, or not assessable). */
    const struct bw_sim_basis *sim_basis;
    /* lifecycle: transport document, timeliness, referral (store_lifecycle.h); NULL: none */
    const struct bw_lc_facts *lifecycle;
    /* what agencies' interests match on (src/lifecycle/oga.h); NULL: nothing */
    const struct bw_oga_goods *oga;
    /* What it contributes to statistics (src/stats/facts.h); NULL: nothing. */
    const struct bw_stats_decl *stats;
} bw_decl_row;

/* Compresses row->body into row->packed (bytes in scratch).  Optional: put
 * packs the rows that are not packed.  It exists so compression can run on
 * other threads than the one that puts: on this connection one thread at a
 * time, concurrently with its puts and gets; or on another connection to
 * the same database (an HTTP worker's), whose rows another connection puts. */
bool bw_store_pack(bw_store *s, bw_decl_row *row, bw_buf *scratch);
/* Whether this connection compresses with the database's dictionary.  The
 * dictionary is trained by the connection that puts and commits, from the
 * bodies it packed itself; a connection that only packs for another (an
 * HTTP worker's) should leave rows unpacked until this is true, and it
 * looks for the dictionary again every thousand calls. */
bool bw_store_has_dictionary(bw_store *s);

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
    /* filled for every put: the settlement stored and why, and whether
     * the over-limit row was stored */
    const char *settlement;
    char settlement_detail[200];
    bool over_limit;
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
    char *assessment;              /* JSON object, NULL when not assessed (points into body's buffer) */
    char *risk;                    /* the risk decision as made (JSON object), NULL when none; same buffer */
    char *lane;                    /* the lane in force now, NULL when none */
    int64_t risk_score;
    int64_t duty, tax, due;        /* -1 when not assessed */
    char *payer, *account, *settlement;
    bw_time settled_at;            /* 0: not settled */
    bw_event *events;
    uint32_t n_events;
    /* lifecycle: state, hold, arrival, timeliness (store_lifecycle.h); NULL: unknown */
    struct bw_lc_status *lifecycle;
} bw_stored;

/* 1 found, 0 not found, -1 error. */
int bw_store_get(bw_store *s, const char *submitter, const char *declaration_id, bw_stored *out);
void bw_stored_free(bw_stored *d);

/* Counts by status, for summaries and tests. */
bool bw_store_count(bw_store *s, const char *status, int64_t *out);

/* ---- listing -------------------------------------------------------------------
 * Declarations in the order they were stored, filtered, a page at a time:
 * the next page starts after the last id seen (keyset paging, stable while
 * new declarations arrive). */
typedef struct bw_list_filter {
    const char *submitter;   /* NULL: any */
    const char *status;      /* NULL: any */
    uint8_t category;        /* 0: any */
    bw_time since, until;    /* received_at in [since, until); 0: open */
    int64_t after_id;
    uint32_t limit;
} bw_list_filter;

/* One listed declaration; strings valid during the callback only. */
typedef struct bw_summary {
    int64_t id;
    const char *submitter, *declaration_id, *jurisdiction, *type, *status, *currency;
    uint8_t category;
    int64_t value_minor;
    bw_time received_at;
} bw_summary;

bool bw_store_list(bw_store *s, const bw_list_filter *f, void (*each)(void *, const bw_summary *),
                   void *ctx);

/* ---- accounts and payments (store_accounts.c) ------------------------------------
 * An intermediary's account in one jurisdiction (an express carrier, a post,
 * a broker): its financial guarantee and what it owes.  Declarations it
 * pays for are debited when stored; one that would take the balance over
 * the guarantee is held until a payment brings it back under. */
typedef struct bw_account {
    char id[72], jurisdiction[8], name[128], currency[4];
    int64_t guarantee, balance;    /* minor units; balance = owed, negative = in credit */
    bw_time created_at;
    int64_t held, held_due;        /* declarations held, and what they owe */
} bw_account;

/* Adds or updates (guarantee, name) an account, then releases what the new
 * guarantee covers; one transaction of its own. */
bool bw_store_account_put(bw_store *s, const bw_account *a, bw_time now, int *released);
/* 1 found, 0 unknown, -1 error. */
int bw_store_account_get(bw_store *s, const char *id, const char *jurisdiction, bw_account *out);
bool bw_store_account_list(bw_store *s, void (*each)(void *, const bw_account *), void *ctx);

/* A recorded electronic payment: to one declaration (the buyer's, or a
 * held one), or to an intermediary's account. */
typedef struct bw_payment_record {
    const char *payment_id, *payer;
    const char *submitter, *declaration_id;  /* both, or neither */
    const char *account, *jurisdiction;      /* both, or neither */
    int64_t amount;                          /* minor units of currency */
    char currency[4];
    bw_time at;
    const char *actor;
} bw_payment_record;

typedef enum bw_pay_result {
    BW_PAY_RECORDED,
    BW_PAY_DUPLICATE,     /* the same payment id with the same content: nothing changes */
    BW_PAY_REFUSED,       /* see why: unknown target, wrong amount or currency, nothing due */
    BW_PAY_FAILED,        /* store error */
} bw_pay_result;

typedef struct bw_pay_outcome {
    char why[256];
    bool not_found;               /* refused because the declaration or account does not exist */
    int released;                 /* held declarations released by an account payment */
    int64_t balance;              /* the account's balance after it */
    const char *settlement;       /* the declaration's, after it */
} bw_pay_outcome;

/* Records a payment and applies it, in one transaction of its own
 * (committed only when recorded). */
bw_pay_result bw_store_pay(bw_store *s, const bw_payment_record *p, bw_pay_outcome *out);

/* A statement line: a declaration debited, or a payment credited. */
typedef struct bw_statement_line {
    bw_time at;
    const char *kind;             /* "debit", "credit", "refund" (store_returns.c) */
    const char *reference;        /* submitter/declaration_id, or the payment id */
    int64_t amount;               /* debit positive, credit negative */
    int64_t duty, tax;            /* of a debit */
} bw_statement_line;

/* The balance before `from`: debits less credits. */
bool bw_store_statement_opening(bw_store *s, const char *account, const char *jurisdiction, bw_time from,
                                int64_t *opening);
/* The lines of [from, to) in order of time, debits before credits at the same second. */
bool bw_store_statement(bw_store *s, const char *account, const char *jurisdiction, bw_time from, bw_time to,
                        void (*each)(void *, const bw_statement_line *), void *ctx);

/* ---- API keys ------------------------------------------------------------------
 * Keys are random secrets shown once at creation; the store keeps only a
 * hash of each (and a short prefix to name it). */
typedef struct bw_api_key {
    int64_t id;
    char prefix[16];
    char role[16];
    char submitter[72];      /* "" unless a submitter role */
    char agency[72];         /* "" unless oga */
    int64_t rate_per_s;      /* requests per second, 0 = unlimited */
    bw_time created_at, revoked_at; /* revoked_at 0 = active */
} bw_api_key;

bool bw_store_key_add(bw_store *s, const bw_api_key *k, const uint8_t hash[32], int64_t *id);
/* 1 found (revoked or not: check revoked_at), 0 unknown, -1 error. */
int bw_store_key_find(bw_store *s, const uint8_t hash[32], bw_api_key *out);
bool bw_store_key_list(bw_store *s, void (*each)(void *, const bw_api_key *), void *ctx);
/* Revokes by id or prefix: the number revoked (0 none), -1 error. */
int bw_store_key_revoke(bw_store *s, const char *id_or_prefix, bw_time now);

/* ---- risk (store_risk.c) ---------------------------------------------------------
 * What risk management keeps besides the decision stored with each
 * declaration: lanes changed after the decision, inspection outcomes and
 * what they teach, the learned state between runs, watchlist candidates. */

/* Changes the lane in force of a stored declaration (a later parcel showed
 * a split, records arrived, an officer decided), with an event saying who,
 * what and why.  Its own transaction.  1 done, 0 not found, -1 error. */
int bw_store_set_lane(bw_store *s, const char *submitter, const char *declaration_id, const char *lane,
                      const char *actor, const char *kind, const char *detail, bw_time at);

/* An inspection outcome, recorded in one transaction: the event
 * "inspected" (detail: the inspection as JSON), one more inspected (and
 * found, unless compliant) for every profile the stored decision hit, and,
 * after a seizure, each candidate line proposed for the watchlist. */
typedef struct bw_inspection_record {
    const char *submitter, *declaration_id;
    const char *result;                 /* compliant, discrepancy, seized */
    const char *actor;
    bw_time at;
    const char *detail;                 /* JSON object */
    const char *const *profiles;        /* ids of the profiles that hit */
    int n_profiles;
    const char *const *candidate_roles; /* "seller", "buyer" */
    const char *const *candidates;      /* watchlist lines (data/watchlist format) */
    int n_candidates;
} bw_inspection_record;
/* 1 done, 0 not found, -1 error. */
int bw_store_inspection(bw_store *s, const bw_inspection_record *in);

/* How often a profile's hits were inspected and found right. */
typedef struct bw_profile_stats {
    const char *profile;
    int64_t inspected, found;
} bw_profile_stats;
bool bw_store_profile_stats(bw_store *s, void (*each)(void *, const bw_profile_stats *), void *ctx);

/* Watchlist candidates proposed after seizures, for an analyst to decide. */
typedef struct bw_watch_candidate {
    int64_t id;
    const char *submitter, *declaration_id, *role, *entry, *status, *decided_by;
    bw_time proposed_at, decided_at;
} bw_watch_candidate;
/* status NULL: all. */
bool bw_store_watch_candidates(bw_store *s, const char *status, void (*each)(void *, const bw_watch_candidate *),
                               void *ctx);
/* confirmed or dismissed; 1 done, 0 no such proposed candidate, -1 error. */
int bw_store_watch_decide(bw_store *s, int64_t id, bool confirm, const char *actor, bw_time at);

/* The learned state of a risk component between runs (opaque bytes). */
bool bw_store_risk_state_save(bw_store *s, const char *name, const void *bytes, size_t n, bw_time at);
/* 1 found (bytes in out), 0 none, -1 error. */
int bw_store_risk_state_load(bw_store *s, const char *name, bw_buf *out);

/* Analysts' profile edits (over the shipped files): body NULL deletes. */
bool bw_store_profile_put(bw_store *s, const char *id, const char *body, const char *actor, bw_time at);
typedef struct bw_profile_edit {
    const char *id, *body, *actor; /* body NULL: deleted */
    bw_time updated_at;
} bw_profile_edit;
bool bw_store_profile_edits(bw_store *s, void (*each)(void *, const bw_profile_edit *), void *ctx);

/* ---- de minimis simulator (store_simulate.c) -------------------------------------
 * One revenue basis per accepted declaration (struct bw_sim_basis), written
 * by bw_store_put with the declaration, so replaying history under other
 * thresholds is a scan and a sum.  Stores made before it are caught up from
 * the stored bodies (src/stats/simulate_replay.c). */
struct bw_sim_basis;
/* Every basis of the jurisdiction whose day is in [from, to) (0: open), in
 * the order stored. */
bool bw_store_sim_scan(bw_store *s, const char *jurisdiction, bw_time from, bw_time to,
                       void (*each)(void *, const struct bw_sim_basis *), void *ctx);
/* Writes (or replaces) the basis of the stored declaration with store id
 * `declaration`; inside a transaction. */
bool bw_store_sim_put(bw_store *s, int64_t declaration, const struct bw_sim_basis *b);
/* Accepted, assessed declarations without a basis (stored before the
 * simulator existed), id > after, in id order. */
typedef struct bw_sim_pending {
    int64_t id;
    char submitter[72], declaration_id[72];
    int64_t duty, tax;
    bool counted_to_limit;       /* limit_key set: the relief under a buyer limit stood */
} bw_sim_pending;
/* The number filled into out (0: none left), -1 error. */
int bw_store_sim_pending(bw_store *s, int64_t after, bw_sim_pending *out, int limit);
/* Declarations up to *through were looked at by an earlier catch-up (0:
 * none yet; meta "sim_basis_through"), and the highest declaration row
 * now; set records a catch-up that looked at everything up to through. */
bool bw_store_sim_through(bw_store *s, int64_t *through, int64_t *highest);
bool bw_store_sim_through_set(bw_store *s, int64_t through);
/* Publication (store_publish.c): every declaration seized (an inspection
 * with result "seized", or a lifecycle "seized" event), once, at its first
 * seizure; strings valid during the callback. */
bool bw_store_seizures(bw_store *s, void (*each)(void *, const char *submitter, const char *declaration_id, bw_time at),
                       void *ctx);
/* ---- statistics (store_stats.c; src/stats/facts.h, docs/statistics.md) -------------
 * Every put appends its facts (one per item) to the store's statistical
 * chunks in the same transaction; a scan hands them back a chunk at a time,
 * decoded, only the columns asked for, only chunks that may hold the days. */
typedef struct bw_stats_chunk {
    int64_t id;
    uint32_t n;
    const int64_t *col[32];        /* BW_FC_N columns; NULL when not asked */
} bw_stats_chunk;
/* each returns false to stop (out of memory).  With n_ctx 2 and enough
 * chunks, a second thread on a second connection scans half of them,
 * calling each with ctxs[1] (the caller merges); otherwise every call has
 * ctxs[0]. */
bool bw_store_stats_scan(bw_store *s, int32_t day_from, int32_t day_to, const bool want[],
                         bool (*each)(void *ctx, const bw_stats_chunk *c), void *const ctxs[], int n_ctx);
/* The strings behind the codes of the coded dimensions (bw_code_dim). */
bool bw_store_stats_codes(bw_store *s, void (*each)(void *, int dim, int64_t code, const char *text), void *ctx);
/* Counts by day of kind "error" (a = submitter, b = error code) or "profile"
 * (a = jurisdiction, b = profile id), summed over [day_from, day_to]. */
bool bw_store_stats_counts(bw_store *s, const char *kind, int32_t day_from, int32_t day_to,
                           void (*each)(void *, const char *a, const char *b, int64_t n), void *ctx);
/* Appends a lifecycle event to a stored declaration (its own transaction);
 * the statistics' lifecycle state becomes the event's status.  1 done,
 * 0 not found, -1 error. */
int bw_store_event_append(bw_store *s, const char *submitter, const char *declaration_id, const bw_event *e);
/* Whether the lifecycle's lead-time columns exist. */
bool bw_store_lifecycle_columns(bw_store *s);
/* Lead times (seconds; INT64_MIN unknown) of declarations received in [from, to). */
/* Declarations arrived in [from, to): first arrival, first release after
 * it (-1 not released). */
bool bw_store_release_times(bw_store *s, bw_time from, bw_time to, const char *jurisdiction,
                            void (*each)(void *, bw_time arrived, bw_time released), void *ctx);
bool bw_store_refunds(bw_store *s, bw_time from, bw_time to, const char *jurisdiction, int64_t *events,
                      int64_t *declarations);

#endif
