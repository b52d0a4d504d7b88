/*
 * officer.h - what an officer asks of a held declaration, in the words of
 * the API and the command line: release, refuse, seize, return (to sender),
 * destroy, hold; with the officer's reason.
 */
#ifndef BW_LC_OFFICER_H
#define BW_LC_OFFICER_H

#include "../store/store_lifecycle.h"

#define BW_OFFICER_VERBS "release, refuse, seize, return, destroy, hold"

/* The transition of a verb; false when not one of BW_OFFICER_VERBS. */
bool bw_lc_officer_verb(const char *verb, bw_lc_action *out);

/* Reads an action body {"reason": "...", "hold_reason": "documents"} (the
 * body may be empty for release): fills t->reason and t->detail (memory
 * from arena); false with err.  A reason is required for everything but
 * release; hold_reason only for hold, where it is required. */
bool bw_lc_action_body(const char *json, size_t n, bw_arena *arena, bw_transition *t, char *err, size_t errlen);

/* "90", "90s", "15m", "8h", "2d" -> seconds; false when malformed. */
bool bw_lc_parse_age(const char *s, int64_t *seconds);

#endif
