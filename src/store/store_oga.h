/*
 * store_oga.h - other government agencies in the store: interests
 * registered through the API or the CLI, each agency's queue of matched
 * declarations, and agency holds (oga_hold / oga_release).
 *
 * Matching happens in the storing transaction of every accepted
 * declaration (bw_sqlite_oga_stored), against the reference data's
 * interests and the stored ones, at the declaration's receipt time.  A
 * declaration stays held while any agency holds it; customs cannot release
 * it (or clear the hold) until every agency has released its own hold
 * (bw_sqlite_oga_holding, checked by store_lifecycle.c).
 */
#ifndef BW_STORE_OGA_H
#define BW_STORE_OGA_H

#include "../lifecycle/oga.h"
#include "store_lifecycle.h"

/* ---- interests ---------------------------------------------------------------------- */
/* Registers an interest (in->agency, in->id), one transaction: 1 stored (a
 * stored interest with the same id is superseded from now on), 0 refused
 * (why: the id is the reference data's), -1 store error. */
int bw_store_oga_interest_add(bw_store *s, const bw_oga_interest *in, const char *actor, bw_time at, char *why,
                              size_t whylen);

/* The interests in force for matching: the files' and the latest stored
 * one of each id; agency NULL: every agency.  actor/at are the stored
 * row's (NULL/0 for a file's). */
typedef struct bw_oga_interest_row {
    const bw_oga_interest *interest;
    const char *actor;
    bw_time at;
} bw_oga_interest_row;
bool bw_store_oga_interests(bw_store *s, const char *agency, void (*each)(void *, const bw_oga_interest_row *),
                            void *ctx);

/* ---- queue --------------------------------------------------------------------------- */
/* One declaration in an agency's queue: what the agency needs and no
 * more (no party, no risk lane). */
typedef struct bw_oga_queued {
    const char *agency, *submitter, *declaration_id, *jurisdiction, *state, *hold_reason;
    const char *matches;          /* JSON array of {"interest","item","on"} */
    bool holding;                 /* this agency holds it now */
    bw_time matched_at;
} bw_oga_queued;
/* Oldest first; open holds of the agency first.  limit 0: 1000. */
bool bw_store_oga_queue(bw_store *s, const char *agency, uint32_t limit, void (*each)(void *, const bw_oga_queued *),
                        void *ctx);

/* 1 when the declaration is in the agency's queue (an interest of the
 * agency matched it), 0 when not or unknown, -1 store error. */
int bw_store_oga_sees(bw_store *s, const char *agency, const char *submitter, const char *declaration_id);

/* One declaration's matches and holds as JSON arrays, of one agency or
 * (agency NULL) of all; false on a store error. */
bool bw_store_oga_detail(bw_store *s, const char *agency, const char *submitter, const char *declaration_id,
                         bw_buf *matches, bw_buf *holds);

/* ---- holds ----------------------------------------------------------------------------- */
typedef struct bw_oga_act {
    const char *agency, *submitter, *declaration_id, *actor;
    const char *note;             /* why, for the event; may be NULL */
    bw_time at;
} bw_oga_act;

/* The agency holds the declaration (event oga_hold, state held, reason
 * oga): 1 done, 0 not in the agency's queue (or unknown), BW_LC_REFUSED
 * (out->why: the state does not allow it, or the agency holds it already),
 * -1 store error.  One transaction. */
int bw_store_oga_hold(bw_store *s, const bw_oga_act *a, bw_transition_outcome *out);

/* The agency releases its own hold (event oga_release).  The state moves
 * only when no agency holds any more and the declaration was held for the
 * agencies: back to where it was before the first agency hold (held for
 * customs' own reason, if it had one), and a parcel that has arrived is
 * then released or held as on arrival (lane, settlement).  Same results as
 * bw_store_oga_hold (refused: the agency holds nothing on it). */
int bw_store_oga_release(bw_store *s, const bw_oga_act *a, bw_transition_outcome *out);

/* ---- hooks for the other store files (not for callers) ----------------------------------- */
struct sqlite3;
int bw_sqlite_oga_schema(struct sqlite3 *db, char **msg);
/* In the storing transaction of row id: queues the matches of r->oga. */
bool bw_sqlite_oga_stored(bw_store *s, int64_t id, const bw_decl_row *r);
/* Agencies holding row now, written "A, B" into names: the count, -1 on error. */
int bw_sqlite_oga_holding(bw_store *s, int64_t row, char *names, size_t n);
void bw_sqlite_oga_close(bw_store *s);

#endif
