/*
 * reassess.h - revenue reassessed after an inspection found other values
 * or another classification than declared.
 *
 * The officer's corrections ride on the inspection body:
 *
 *   "corrections": [{"item": 0, "hs_code": "6109100010", "value": "48.00"}]
 *
 * (item: 0-based index; value: the item's total in its declared currency;
 * either or both).  The corrected declaration goes through the same
 * pipeline as at lodging, under the law in force when it was first
 * assessed, and the new duty and tax are stored beside the original ones.
 */
#ifndef BW_LC_REASSESS_H
#define BW_LC_REASSESS_H

#include "../pipeline/pipeline.h"
#include "../store/store_lifecycle.h"

typedef struct bw_correction {
    int item;
    const char *hs_code, *value;   /* NULL: unchanged */
} bw_correction;

typedef struct bw_corrections {
    bw_correction *list;
    int n;
    const char *json;              /* as sent, for the event */
} bw_corrections;

/* Takes "corrections" out of a JSON object body (which is rewritten
 * without it); n = 0 when there is none.  false with err when malformed. */
bool bw_lc_take_corrections(bw_buf *body, bw_arena *arena, bw_corrections *out, char *err, size_t errlen);

typedef struct bw_reassessment {
    int64_t old_duty, old_tax, old_due, duty, tax, due;
    char currency[4];
    const char *detail;            /* the event's detail (JSON) */
} bw_reassessment;

/* Computes the reassessment without storing anything: 1 done, 0 no such
 * declaration, -1 refused or failed (err says why). */
int bw_lc_reassess_compute(const bw_refdata *rd, bw_store *s, const char *submitter, const char *declaration_id,
                           const bw_corrections *c, bw_arena *arena, bw_reassessment *out, char *err, size_t errlen);

#endif
