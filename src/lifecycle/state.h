/*
 * state.h - the clearance lifecycle of a declaration as a state machine
 * (docs/lifecycle.md has the diagram).
 *
 * A declaration is in exactly one state; an action (the event kind that
 * records it) moves it to another, or is refused.  The table in state.c is
 * the law of the system: every state change anywhere in breakwater goes
 * through bw_lc_next, so what the table does not allow never happens.
 * Names are the words stored in declarations.state and events.kind.
 */
#ifndef BW_LC_STATE_H
#define BW_LC_STATE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum bw_lc_state {
    BW_ST_RECEIVED, BW_ST_REJECTED, BW_ST_ASSESSED, BW_ST_ARRIVED, BW_ST_HELD, BW_ST_INSPECTED,
    BW_ST_RELEASED, BW_ST_REASSESSED, BW_ST_SEIZED, BW_ST_DESTROYED, BW_ST_RETURNED_TO_SENDER,
    BW_ST_EXPORTED, BW_ST_RETURNED,
    BW_ST_COUNT,
    /* in the table only: back to where the parcel stood before it was held
     * (arrived when it has arrived, else assessed) */
    BW_ST_PRIOR = 100,
} bw_lc_state;

typedef enum bw_lc_action {
    BW_ACT_ASSESSED, BW_ACT_REJECTED, BW_ACT_RESUBMITTED, BW_ACT_DO_NOT_LOAD, BW_ACT_ARRIVED, BW_ACT_HELD,
    BW_ACT_HOLD_CLEARED, BW_ACT_INSPECTED, BW_ACT_RELEASED, BW_ACT_REFUSED, BW_ACT_SEIZED, BW_ACT_DESTROYED,
    BW_ACT_RETURNED_TO_SENDER, BW_ACT_REASSESSED, BW_ACT_OGA_HOLD, BW_ACT_OGA_RELEASE, BW_ACT_EXPORTED,
    BW_ACT_RETURN_DECLARED, BW_ACT_REFUNDED,
    BW_ACT_COUNT,
} bw_lc_action;

/* Why a declaration is held (declarations.hold_reason). */
typedef enum bw_hold_reason {
    BW_HOLD_NONE, BW_HOLD_INSPECTION, BW_HOLD_DOCUMENTS, BW_HOLD_PAYMENT, BW_HOLD_OGA, BW_HOLD_QUOTA,
    BW_HOLD_DO_NOT_LOAD,
    BW_HOLD_COUNT,
} bw_hold_reason;

extern const char *const bw_lc_state_names[BW_ST_COUNT];
extern const char *const bw_lc_action_names[BW_ACT_COUNT];
extern const char *const bw_hold_reason_names[BW_HOLD_COUNT]; /* [0] = "" */

/* Name -> value; -1 when unknown (and for "" / NULL). */
int bw_lc_state_parse(const char *name);
int bw_lc_action_parse(const char *name);
int bw_hold_reason_parse(const char *name);

/* One legal move.  `to` may be BW_ST_PRIOR.  An action that holds sets a
 * reason: `reason` is the one it always sets, or BW_HOLD_NONE when the
 * caller must name one (BW_ACT_HELD). */
typedef struct bw_lc_rule {
    bw_lc_state from;
    bw_lc_action action;
    bw_lc_state to;
    bw_hold_reason reason;
} bw_lc_rule;

extern const bw_lc_rule bw_lc_rules[];
extern const size_t bw_lc_n_rules;

/* The state after `action` in `from` for a parcel that has (not) arrived:
 * true with *to, or false with a sentence saying why not in why (the
 * from-state, the action and what the action needs). */
bool bw_lc_next(bw_lc_state from, bw_lc_action action, bool has_arrived, bw_lc_state *to, char *why,
                size_t whylen);

/* The rule for (from, action), or NULL. */
const bw_lc_rule *bw_lc_rule_for(bw_lc_state from, bw_lc_action action);

/* Final states: nothing more happens to the parcel at the border. */
bool bw_lc_final(bw_lc_state s);

#endif
