/*
 * feedback.h - inspection outcomes back into risk management (issue 5 §11,
 * WCO FoS Standard 3: "risk scores that adapt to outcomes").
 *
 * An officer reports what an inspection found.  The outcome is recorded as
 * an event; each profile that hit the declaration counts one more
 * inspection (and one more find unless compliant); the parties' history
 * learns it; a seizure proposes the seller and the buyer as watchlist
 * candidates, which an analyst confirms or dismisses (nothing is listed
 * automatically: a listing has consequences for people).
 */
#ifndef BW_FEEDBACK_H
#define BW_FEEDBACK_H

#include "../store/store.h"
#include "engine.h"

typedef struct bw_inspection {
    const char *result;         /* compliant, discrepancy, seized */
    const char *scan_ref;       /* non-intrusive inspection image reference, may be NULL */
    const char *findings;       /* free text, may be NULL */
    const char *detail;         /* the inspection as canonical JSON (for the event) */
} bw_inspection;

/* Parses {"result":..,"scan_ref":..,"findings":..}; strings live in arena.
 * false with "member: why" in err. */
bool bw_inspection_parse(const char *json, size_t n, bw_arena *arena, bw_inspection *out, char *err, size_t errlen);

/* Records the inspection of a stored declaration and learns from it.  e may
 * be NULL (the store alone learns: profile rates, candidates).  1 done,
 * 0 no such declaration, -1 error (in err): not assessed, or the store. */
int bw_risk_inspect(bw_risk_engine *e, bw_store *s, const char *submitter, const char *declaration_id,
                    const bw_inspection *in, const char *actor, bw_time at, char *err, size_t errlen);

#endif
