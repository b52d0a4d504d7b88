/*
 * returns.h - returns and refunds (WCO Immediate Release Guidelines 4.1.3,
 * docs/lifecycle.md "Returns and refunds").
 *
 * A return references a released import by its ids and names the items
 * sent back (item line, HS code, quantity).  It is accepted when the
 * original was released, the jurisdiction refunds returns, the return
 * comes within the time limit of its file and every item matches what was
 * imported and not yet returned.  Once the goods are exported, what the
 * border collected on the returned items is refunded: credited to the
 * intermediary's account, or owed to the buyer; tax a vendor collected at
 * checkout is the vendor's to refund, so customs issues a proof of
 * re-export instead; a CN buyer's annual quota is restored.
 *
 * This file holds the decisions (no SQL, no HTTP): parsing a request,
 * reading the original's items and per-item assessment, the checks and the
 * exact refund arithmetic.  store_returns.h keeps the records.
 */
#ifndef BW_LC_RETURNS_H
#define BW_LC_RETURNS_H

#include "../core/core.h"
#include "../reference/jurisdiction.h"

enum { BW_RET_MAX_LINES = 1000 }; /* as many as a declaration may have items */

/* One item sent back: line is the 1-based position in the original's items. */
typedef struct bw_return_line {
    uint32_t line;
    char hs_code[16];
    int64_t quantity;             /* thousandths, like bw_item.quantity */
} bw_return_line;

typedef struct bw_return_request {
    char return_id[81];
    char claimant[16];            /* who claims: "buyer", "intermediary" (for the buyer), "customs" */
    char reason[201];
    bw_return_line *lines;        /* malloc'd: bw_return_request_free */
    uint32_t n_lines;
} bw_return_request;

/* Parses {"return_id": "...", "claimant": "buyer"|"intermediary",
 * "reason": "...", "items": [{"line": 1, "hs_code": "610910", "quantity": 1}]}.
 * false with what, where and why in `why` (nothing allocated then). */
bool bw_return_request_parse(const char *json, size_t n, bw_return_request *out, char *why, size_t whylen);
void bw_return_request_free(bw_return_request *r);
/* Whether a return id is 1-80 letters, digits and . _ : / - (ids go into
 * event details and references unescaped). */
bool bw_return_id_valid(const char *id);
/* Parses {"return_id": "R1"} (the export of a return); false with why. */
bool bw_return_id_parse(const char *json, size_t n, char id[81], char *why, size_t whylen);
/* A canonical text of the request (ids and items), for idempotency: the
 * same return twice is a duplicate, other content under the same id a
 * conflict. */
void bw_return_request_canonical(const bw_return_request *r, bw_buf *out);

/* What the original import declared and what its assessment found. */
typedef struct bw_return_item {
    char hs_code[16];
    int64_t quantity;             /* thousandths; 0 when the declaration gave none (counts as 1) */
    int64_t customs_value, duty, tax;
} bw_return_item;

typedef struct bw_return_original {
    bw_return_item *items;        /* malloc'd: bw_return_original_free */
    uint32_t n_items;
    bool tax_prepaid;             /* the vendor collected the tax at checkout */
    char currency[4];
    int exponent;
} bw_return_original;

/* From the stored canonical declaration and its assessment (bw_stored.body,
 * .assessment).  false with why when either cannot be read. */
bool bw_return_original_load(const char *body, const char *assessment, bw_return_original *out, char *why,
                             size_t whylen);
void bw_return_original_free(bw_return_original *o);

/* What was already returned per item line (index line-1), by earlier returns. */
typedef struct bw_return_priors {
    int64_t *quantity;            /* n entries, thousandths */
    uint32_t n;
} bw_return_priors;

/* The refund of one return, split by line. */
typedef struct bw_return_amounts {
    int64_t duty, tax;            /* refunded by customs */
    int64_t vendor_tax;           /* collected by the vendor on the returned items: the vendor refunds it */
    int64_t value_before, value_after; /* customs value returned before and after this return */
    int64_t value_total;          /* the original's customs value */
} bw_return_amounts;

/* The checks and the refund.  at: when the return is declared; released_at:
 * when the original was released; v: the jurisdiction version in force at
 * `at`.  0 accepted (out filled), -1 refused with why. */
int bw_return_decide(const bw_return_original *o, const bw_return_priors *p, const bw_return_request *r,
                     const bw_jur_version *v, const char *jurisdiction, bw_time released_at, bw_time at,
                     bw_return_amounts *out, char *why, size_t whylen);

/* Calendar days (UTC) from the day of `from` to the day of `to`. */
int64_t bw_return_days_between(bw_time from, bw_time to);

/* The cumulative share: what of `amount` belongs to `done` of `total`,
 * rounded down (the last share gets the remainder, so the parts of a
 * fully returned item add up to its amount exactly). */
int64_t bw_return_share(int64_t amount, int64_t done, int64_t total);

#endif
