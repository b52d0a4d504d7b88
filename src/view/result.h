/*
 * result.h - the answer for one submitted record, as JSON: what the
 * pipeline decided and what the store did with it.  The same shape comes
 * out of `validate`, `ingest --results` and POST /v1/declarations.
 */
#ifndef BW_RESULT_H
#define BW_RESULT_H

#include "../pipeline/pipeline.h"
#include "../store/store.h"

/* The record's result (status, category, value, duty/tax due, de minimis
 * rule, errors, warnings), left open so the storage outcome can follow;
 * bw_result_close() ends it with `,"outcome":"..."}` (none if NULL). */
void bw_result_open(const bw_record *rec, const bw_outcome *o, bw_buf *out);
void bw_result_close(bw_buf *out, const char *outcome);

/* What the store settled for a stored record: `,"settlement":...` and,
 * when the buyer was over a per-buyer limit, `,"over_buyer_limit":{...}`
 * with the category and assessment that stand instead. */
void bw_result_settled(bw_buf *out, const char *settlement, const char *detail, bool over_limit,
                       const bw_decl_row *row);

/* A resubmission answers with what was decided the first time. */
typedef struct bw_first_result {
    const char *status;
    uint8_t category;
    bw_time received_at;
    const char *errors, *warnings;  /* JSON arrays */
} bw_first_result;

void bw_result_duplicate(bw_buf *out, uint64_t index, uint64_t line, bw_str submitter, bw_str id,
                         const bw_first_result *first);
void bw_result_conflict(bw_buf *out, uint64_t index, uint64_t line, bw_str submitter, bw_str id,
                        const bw_first_result *first);

/* The name of a storage outcome ("stored", "amended", "duplicate", ...). */
const char *bw_outcome_name(bw_put_result put);

#endif
