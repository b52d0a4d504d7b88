/*
 * store_returns.h - returns, refunds and proofs of re-export in the store
 * (decisions in src/lifecycle/returns.h; docs/lifecycle.md).
 *
 * A return is recorded with the original's transition "return_declared"
 * in one transaction; its export with the transition "exported", the
 * refund (a refund record to the buyer, or a credit on the intermediary's
 * account that its statement shows), the proof of re-export for
 * vendor-collected tax and the restored buyer quota, again in one
 * transaction that can happen only once per return.
 */
#ifndef BW_STORE_RETURNS_H
#define BW_STORE_RETURNS_H

#include "../lifecycle/returns.h"
#include "store_lifecycle.h"

/* A return as stored.  request and proof are malloc'd (bw_return_record_free). */
typedef struct bw_return_record {
    int64_t id;
    char submitter[72], declaration_id[80], return_id[81], claimant[16], actor[72], jurisdiction[8];
    char currency[4];
    bw_time declared_at, exported_at;  /* exported_at 0: not yet */
    int64_t duty, tax, vendor_tax;     /* the refund owed on export; vendor_tax is the vendor's */
    bool vendor_collected;
    char refund_to[16];                /* "account", "buyer", "intermediary"; "" none (nothing to refund) */
    char refund_reference[32], proof_reference[32];
    int64_t quota_restored;
    char *request;                     /* canonical request JSON */
    char *proof;                       /* proof of re-export JSON, NULL when none */
} bw_return_record;
void bw_return_record_free(bw_return_record *r);

/* 1 found, 0 none, -1 error. */
int bw_store_return_find(bw_store *s, const char *submitter, const char *declaration_id, const char *return_id,
                         bw_return_record *out);

/* Quantities already returned per item line of the original (qty[line-1]),
 * over n lines; *total the sum (to notice a concurrent return). */
bool bw_store_return_priors(bw_store *s, const char *submitter, const char *declaration_id, uint32_t n,
                            int64_t *qty, int64_t *total);

typedef struct bw_return_new {
    const char *submitter, *declaration_id;
    const bw_return_request *request;
    const char *canonical;             /* bw_return_request_canonical */
    const bw_return_amounts *amounts;
    const char *currency;
    bool vendor_collected;
    int64_t priors_total;              /* what bw_store_return_priors said */
    const char *actor;
    bw_time at;
} bw_return_new;

enum { BW_RET_CHANGED = -3 };
/* Records the return and the original's "return_declared": 1 stored, 0 no
 * such declaration, BW_LC_REFUSED (out->why: not released), BW_RET_CHANGED
 * (another return of it was stored since the priors were read: decide
 * again), -1 store error. */
int bw_store_return_declare(bw_store *s, const bw_return_new *r, bw_transition_outcome *out);

/* The goods of a return were exported: the refund, proof and quota, once.
 * 1 done now, 2 already done before (nothing changed), 0 no such return,
 * BW_LC_REFUSED (out->why), -1 error.  rec: the return afterwards. */
int bw_store_return_exported(bw_store *s, const char *submitter, const char *declaration_id, const char *return_id,
                             const char *actor, bw_time at, bw_return_record *rec, bw_transition_outcome *out);

/* The returns of one declaration, oldest first. */
bool bw_store_returns_of(bw_store *s, const char *submitter, const char *declaration_id,
                         void (*each)(void *, const bw_return_record *), void *ctx);

/* A refund as paid or credited. */
typedef struct bw_refund {
    const char *reference, *submitter, *declaration_id, *return_id, *to_whom, *claimant;
    int64_t duty, tax, amount;
    bw_time at;
} bw_refund;
/* Refunds credited to an account in [from, to), in order of time. */
bool bw_store_account_refunds(bw_store *s, const char *account, const char *jurisdiction, bw_time from, bw_time to,
                              void (*each)(void *, const bw_refund *), void *ctx);

/* ---- for the consolidated declaration ------------------------------------------------ */
typedef struct bw_consignment {
    const char *submitter, *declaration_id, *state;
    bw_time debited_at, released_at;   /* released_at 0: not (yet) released */
    int64_t duty, tax, due;
} bw_consignment;
/* Declarations debited to an account in [from, to), in order of debit. */
bool bw_store_account_consignments(bw_store *s, const char *account, const char *jurisdiction, bw_time from,
                                   bw_time to, void (*each)(void *, const bw_consignment *), void *ctx);

/* ---- hooks for the other store files --------------------------------------------------- */
struct sqlite3;
int bw_sqlite_returns_schema(struct sqlite3 *db, char **msg);

#endif
