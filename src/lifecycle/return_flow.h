/*
 * return_flow.h - a return from request to refund, shared by the CLI
 * (`breakwater return`, `returned`) and the API
 * (POST /v1/declarations/{s}/{id}/returns, .../returns/{r}/exported):
 * read the original, decide (returns.h), record (store_returns.h).
 */
#ifndef BW_LC_RETURN_FLOW_H
#define BW_LC_RETURN_FLOW_H

#include "../reference/refdata.h"
#include "../store/store_returns.h"

typedef enum bw_return_result {
    BW_RETURN_ACCEPTED,   /* declared now (or, for an export, refunded now) */
    BW_RETURN_DUPLICATE,  /* the same return (or export) again: nothing changed */
    BW_RETURN_CONFLICT,   /* the same return id with other content: nothing changed */
    BW_RETURN_REFUSED,    /* why says what, where and why; nothing changed */
    BW_RETURN_NOT_FOUND,  /* no such original (or return) */
    BW_RETURN_FAILED,     /* store error (why) */
} bw_return_result;

extern const char *const bw_return_result_names[];

typedef struct bw_return_outcome {
    char why[512];
    bw_return_record record;      /* the return as stored (accepted, duplicate, export) */
    bool has_record;
} bw_return_outcome;

bw_return_result bw_return_declare(bw_store *s, const bw_refdata *rd, const char *submitter,
                                   const char *declaration_id, const bw_return_request *rq, const char *actor,
                                   bw_time at, bw_return_outcome *out);
bw_return_result bw_return_export(bw_store *s, const char *submitter, const char *declaration_id,
                                  const char *return_id, const char *actor, bw_time at, bw_return_outcome *out);
void bw_return_outcome_free(bw_return_outcome *o);

/* A stored return as JSON (amounts as decimal strings). */
void bw_view_return(const bw_return_record *r, bw_buf *b);
/* {"outcome": ..., "why"?: ..., "return"?: {...}} */
void bw_view_return_outcome(bw_return_result r, const bw_return_outcome *o, bw_buf *b);

#endif
