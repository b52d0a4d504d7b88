/*
 * engine.h - risk assessment of one declaration: every detector in a fixed
 * order, then the lane.  What the pipeline calls (bw_pipeline.risk).
 *
 * The engine holds two kinds of state:
 *
 *   - lists: reference data analysts maintain (risk policy, prohibited
 *     goods, watchlist, profiles).  Read-only; replaced as a whole on
 *     reload (bw_risk_engine_swap_lists) while requests are in flight.
 *   - learned state: party history, reference prices, the text model, the
 *     parcels of recent days.  Updated by every accepted declaration and
 *     by inspection outcomes; internally locked, so many threads may
 *     assess at once.
 *
 * Order matters and is fixed: party history first (its flags feed
 * profiles), then the list and analytic detectors, then profiles (which may
 * test what the others found), then the lane.
 */
#ifndef BW_RISK_ENGINE_H
#define BW_RISK_ENGINE_H

#include "../pipeline/pipeline.h"
#include "risk.h"

struct bw_store;
typedef struct bw_risk_lists bw_risk_lists;
typedef struct bw_risk_engine bw_risk_engine;

/* Loads the lists from <datadir>/risk, screening, watchlist, profiles;
 * NULL with "file:line: why". */
bw_risk_lists *bw_risk_lists_load(const char *datadir, char *err, size_t errlen);
void bw_risk_lists_free(bw_risk_lists *l);

/* An engine over `lists` (owned from now on) with empty learned state. */
bw_risk_engine *bw_risk_engine_new(bw_risk_lists *lists, const char *datadir, char *err, size_t errlen);
void bw_risk_engine_free(bw_risk_engine *e);

/* Puts new lists in force; returns the previous ones, which requests in
 * flight may still read: free them once none can (at shutdown). */
bw_risk_lists *bw_risk_engine_swap_lists(bw_risk_engine *e, bw_risk_lists *fresh);

/* Assesses an accepted declaration whose outcome (category, revenue) is
 * known, and learns from it.  The result's memory comes from `arena`. */
void bw_risk_assess(bw_risk_engine *e, const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o,
                    const bw_issues *iss, bw_arena *arena, bw_risk_result *r);

/* The learned state (party history, reference prices, the text model) to
 * and from the store, so that a restart does not forget what was learned.
 * Nothing stored yet restores to nothing. */
bool bw_risk_engine_save(bw_risk_engine *e, struct bw_store *s, char *err, size_t errlen);
bool bw_risk_engine_restore(bw_risk_engine *e, struct bw_store *s, char *err, size_t errlen);

/* Puts analysts' profile edits (kept in the store) in force over the
 * shipped profile files: call at start and after every edit.  false with
 * err when a stored edit no longer parses (nothing changes then). */
bool bw_risk_engine_load_profile_edits(bw_risk_engine *e, struct bw_store *s, char *err, size_t errlen);
/* The profiles in force (valid until the engine is freed). */
const struct bw_profiles *bw_risk_engine_profiles(bw_risk_engine *e);
/* The party history (AEO changes are put in force on it: src/risk/aeo.h). */
struct bw_parties *bw_risk_engine_parties(bw_risk_engine *e);

/* Scores every declaration with the learned model of `path` too (`breakwater
 * train`): a "model.score" hit, 40 points at the model's yellow threshold,
 * 70 at its red one, its top feature contributions as evidence.  false
 * with err when the file is not a model. */
bool bw_risk_engine_set_model(bw_risk_engine *e, const char *path, char *err, size_t errlen);

/* An inspection outcome ("compliant", "discrepancy", "seized") for a
 * declaration assessed earlier: the learned state takes it into account. */
void bw_risk_engine_learn_outcome(bw_risk_engine *e, const bw_declaration *d, const char *result, bw_time at);

#endif
