/*
 * records.h - order, payment and logistics records that arrive apart from
 * the declaration, and their comparison with it (the CN three-document
 * comparison, WCO E-Commerce FoS Standard 2, 2.3.2).
 *
 * A platform sends the order, a payment company the payment, a carrier the
 * waybill, each on its own and in any order relative to the declaration
 * (POST /v1/records/{kind}, `breakwater records add`).  Records are matched
 * to declarations by the order id (order.id) or, for logistics, by the
 * transport document (transport.document_id).  Amounts, the buyer's
 * identity and item counts that do not agree are hits with evidence (which
 * record, which field, declared vs recorded); where the jurisdiction's risk
 * policy requires records before release (records_required), a missing
 * kind holds the declaration in the yellow lane until it arrives.
 *
 * The comparison is a pure function (bw_records_compare); the rest of this
 * header drives it from the store: when a declaration is stored, and when a
 * record arrives.  Record JSON and the rules: docs/records.md.
 */
#ifndef BW_RECORDS_H
#define BW_RECORDS_H

#include "../core/issues.h"
#include "../reference/refdata.h"
#include "../store/store.h"
#include "lanes.h"
#include "risk.h"

typedef enum bw_record_kind {
    BW_REC_ORDER = 0,
    BW_REC_PAYMENT = 1,
    BW_REC_LOGISTICS = 2,
    BW_REC_KINDS = 3,
} bw_record_kind;

extern const char *const bw_record_kind_names[]; /* "order", "payment", "logistics" */
/* The kind for a name; false when it is none of them. */
bool bw_record_kind_parse(const char *name, bw_record_kind *out);

/* Someone the record names: the buyer (order), the payer (payment), the
 * consignee (logistics).  NULL: not given. */
typedef struct bw_record_party {
    const char *name, *national_id, *id;
} bw_record_party;

typedef struct bw_record_money {
    bool present;
    int64_t minor;        /* minor units of currency */
    char currency[4];
    uint8_t exponent;
} bw_record_money;

/* One record as parsed.  Strings are NUL-terminated, in the parse arena;
 * NULL when absent.  Counts are -1 when absent. */
typedef struct bw_record_doc {
    bw_record_kind kind;
    const char *key;                /* order_id, payment_id or transport_document */
    const char *submitter;          /* who sent it (not in the JSON: the caller's) */
    bw_time received_at;            /* when it was stored; 0 before */
    const char *order_id;           /* order: the key; payment: required; logistics: optional */
    const char *transport_document; /* logistics: the key */
    const char *platform_id;        /* order */
    const char *provider, *carrier; /* payment, logistics */
    bw_record_party party;
    bw_record_money amount;         /* order: total; payment: amount */
    int64_t items;                  /* goods items (lines); order, logistics */
    int64_t packages;               /* logistics */
    int64_t gross_weight_mg;        /* logistics, milligrams */
    bool has_date;
    bw_time date;
} bw_record_doc;

/* Parses one record of `kind` (JSON text s[0..n)).  Every problem goes to
 * iss with its JSON path ("total.amount", "buyer") and a code of
 * docs/errors.md; false when there was any.  Strings live in arena. */
bool bw_record_parse(bw_record_kind kind, const char *s, size_t n, bw_arena *arena, bw_record_doc *out,
                     bw_issues *iss);

/* The record's canonical JSON (fixed key order, amounts in the currency's
 * minor unit, absent fields left out): what is stored, and what decides
 * whether a record sent again is the same one. */
void bw_record_json(const bw_record_doc *r, bw_buf *out);

/* ---- the comparison ------------------------------------------------------------ */

typedef struct bw_records_rules {
    uint32_t required;        /* BW_RECORD_* kinds that must be present */
    uint32_t tolerance_bp;    /* amounts may differ by this share of the declared amount */
} bw_records_rules;

/* Compares records with a declaration and adds a hit to r for each
 * disagreement: "reconciliation.record_amount" (yellow),
 * "reconciliation.record_buyer" (yellow), "reconciliation.record_items"
 * (red), and "reconciliation.records_missing" (yellow) when a required
 * kind has no record.  recs are the records found for the declaration; an
 * order record of another platform than the declared one is another
 * order and is ignored. */
void bw_records_compare(const bw_declaration *d, const bw_record_doc *recs, uint32_t n,
                        const bw_records_rules *rules, bw_risk_result *r);

/* The lane the hits call for (the most severe forced), or BW_LANE_NONE. */
bw_lane bw_records_lane(const bw_risk_result *r);

/* ---- driving it from the store --------------------------------------------------- */

/* What comparisons run under. */
typedef struct bw_records_env {
    const bw_refdata *rd;     /* jurisdictions: the reconcile tolerance; NULL: exact */
    const bw_lanes *lanes;    /* the risk policy: records required; NULL: none */
    const char *actor;        /* who events name */
    bw_time now;              /* 0: the clock */
} bw_records_env;

/* The policy and reference data of the default data directory
 * (bw_default_datadir(NULL)), loaded once per process: for callers that
 * have none at hand.  NULL with err on failure. */
const bw_lanes *bw_records_default_lanes(char *err, size_t errlen);
bool bw_records_default_env(bw_records_env *env, char *err, size_t errlen);

/* After declarations were stored: compares each accepted one with its
 * records, records the comparison (event "records_compared") and changes
 * its lane when the outcome calls for it.  rows are n bw_decl_row `stride`
 * bytes apart (rows of a batch may sit inside larger entries); rows
 * without a submitter are skipped.  No SQL at all for rows whose
 * jurisdiction requires no records while no record was ever stored.  One
 * transaction.  env NULL: bw_records_default_env.  false on a store error
 * (bw_store_error) or when the defaults cannot be loaded. */
bool bw_records_after_store(bw_store *s, const bw_records_env *env, const bw_decl_row *rows, size_t n,
                            size_t stride);
/* The same inside the caller's transaction (the group committer's: the
 * comparison is durable with the declarations, and no second writer waits
 * for the write lock). */
bool bw_records_compare_stored(bw_store *s, const bw_records_env *env, const bw_decl_row *rows, size_t n);

typedef enum bw_record_outcome {
    BW_RECORD_STORED,
    BW_RECORD_DUPLICATE,      /* the same kind, key and submitter with the same content */
    BW_RECORD_CONFLICT,       /* the same kind, key and submitter with other content: nothing stored */
} bw_record_outcome;

typedef struct bw_record_added {
    bw_record_outcome outcome;
    uint32_t compared;        /* declarations compared again because of it */
    uint32_t lanes_changed;   /* of which the lane in force changed */
} bw_record_added;

/* Stores records (submitter set) and compares again the declarations they
 * concern; one transaction for all.  false on a store error: nothing of
 * it is stored. */
bool bw_records_add(bw_store *s, const bw_records_env *env, const bw_record_doc *docs, size_t n,
                    bw_record_added *out);

/* The records of one kind and key, as {"kind","key","records":[{"submitter",
 * "received_at","actor","record":{...}}]}; only one submitter's when
 * submitter is not NULL.  The number found (0: nothing written), -1 on a
 * store error. */
int bw_records_view(bw_store *s, bw_record_kind kind, const char *key, const char *submitter, bw_buf *out);

#endif
