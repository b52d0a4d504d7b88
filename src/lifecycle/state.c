/*
 * state.c - the transition table of the clearance lifecycle (state.h).
 *
 * Kept as data so that tests can walk every legal move and try every
 * illegal one, and docs/lifecycle.md can be checked against it.
 */
#include <stdio.h>
#include <string.h>

#include "state.h"

const char *const bw_lc_state_names[BW_ST_COUNT] = {
    "received", "rejected", "assessed", "arrived", "held", "inspected", "released", "reassessed", "seized",
    "destroyed", "returned_to_sender", "exported", "returned",
};

const char *const bw_lc_action_names[BW_ACT_COUNT] = {
    "assessed", "rejected", "resubmitted", "do_not_load", "arrived", "held", "hold_cleared", "inspected",
    "released", "refused", "seized", "destroyed", "returned_to_sender", "reassessed", "oga_hold", "oga_release",
    "exported", "return_declared", "refunded",
};

const char *const bw_hold_reason_names[BW_HOLD_COUNT] = {
    "", "inspection", "documents", "payment", "oga", "quota", "do_not_load",
};

#define R(f, a, t, why) {BW_ST_##f, BW_ACT_##a, BW_ST_##t, BW_HOLD_##why}

const bw_lc_rule bw_lc_rules[] = {
    /* the pipeline's decision, and a corrected resubmission */
    R(RECEIVED, ASSESSED, ASSESSED, NONE),
    R(RECEIVED, REJECTED, REJECTED, NONE),
    R(REJECTED, RESUBMITTED, ASSESSED, NONE),
    /* before arrival: ICS2-style referral, holds, a pre-arrival check */
    R(ASSESSED, DO_NOT_LOAD, HELD, DO_NOT_LOAD),
    R(ASSESSED, HELD, HELD, NONE),
    R(ASSESSED, OGA_HOLD, HELD, OGA),
    R(ASSESSED, INSPECTED, INSPECTED, NONE),
    R(ASSESSED, SEIZED, SEIZED, NONE),
    R(ASSESSED, EXPORTED, EXPORTED, NONE),
    /* arrival */
    R(ASSESSED, ARRIVED, ARRIVED, NONE),
    R(HELD, ARRIVED, HELD, NONE),          /* still held; arrived_at is recorded */
    R(ARRIVED, RELEASED, RELEASED, NONE),
    R(ARRIVED, HELD, HELD, NONE),
    R(ARRIVED, OGA_HOLD, HELD, OGA),
    R(ARRIVED, INSPECTED, INSPECTED, NONE),
    R(ARRIVED, SEIZED, SEIZED, NONE),
    R(ARRIVED, REFUSED, RETURNED_TO_SENDER, NONE),
    R(ARRIVED, RETURNED_TO_SENDER, RETURNED_TO_SENDER, NONE),
    /* held */
    R(HELD, HELD, HELD, NONE),              /* another reason on top */
    R(HELD, OGA_HOLD, HELD, OGA),
    R(HELD, HOLD_CLEARED, PRIOR, NONE),
    R(HELD, OGA_RELEASE, PRIOR, NONE),
    R(HELD, INSPECTED, INSPECTED, NONE),
    R(HELD, RELEASED, RELEASED, NONE),
    R(HELD, REFUSED, RETURNED_TO_SENDER, NONE),
    R(HELD, SEIZED, SEIZED, NONE),
    R(HELD, RETURNED_TO_SENDER, RETURNED_TO_SENDER, NONE),
    /* inspected: the officer decides */
    R(INSPECTED, INSPECTED, INSPECTED, NONE), /* a second look */
    R(INSPECTED, RELEASED, RELEASED, NONE),
    R(INSPECTED, REASSESSED, REASSESSED, NONE),
    R(INSPECTED, HELD, HELD, NONE),
    R(INSPECTED, SEIZED, SEIZED, NONE),
    R(INSPECTED, DESTROYED, DESTROYED, NONE),
    R(INSPECTED, REFUSED, RETURNED_TO_SENDER, NONE),
    R(INSPECTED, RETURNED_TO_SENDER, RETURNED_TO_SENDER, NONE),
    /* reassessed: revenue corrected, then released or held for payment */
    R(REASSESSED, RELEASED, RELEASED, NONE),
    R(REASSESSED, HELD, HELD, NONE),
    R(REASSESSED, REASSESSED, REASSESSED, NONE),
    /* seized goods are destroyed (or forfeited: stay seized) */
    R(SEIZED, DESTROYED, DESTROYED, NONE),
    /* after release: the buyer sends it back (returns and refunds) */
    R(RELEASED, RETURN_DECLARED, RETURNED, NONE),
    R(RETURNED, REFUNDED, RETURNED, NONE),
    /* returns (src/lifecycle/returns.c): another part sent back, the goods of a return exported */
    R(RETURNED, RETURN_DECLARED, RETURNED, NONE),
    R(RETURNED, EXPORTED, RETURNED, NONE),
};
const size_t bw_lc_n_rules = sizeof bw_lc_rules / sizeof bw_lc_rules[0];

static int parse(const char *const *names, int n, const char *name)
{
    if (!name || !*name)
        return -1;
    for (int i = 0; i < n; i++)
        if (names[i][0] && !strcmp(names[i], name))
            return i;
    return -1;
}

int bw_lc_state_parse(const char *name) { return parse(bw_lc_state_names, BW_ST_COUNT, name); }
int bw_lc_action_parse(const char *name) { return parse(bw_lc_action_names, BW_ACT_COUNT, name); }
int bw_hold_reason_parse(const char *name) { return parse(bw_hold_reason_names, BW_HOLD_COUNT, name); }

const bw_lc_rule *bw_lc_rule_for(bw_lc_state from, bw_lc_action action)
{
    for (size_t i = 0; i < bw_lc_n_rules; i++)
        if (bw_lc_rules[i].from == from && bw_lc_rules[i].action == action)
            return &bw_lc_rules[i];
    return NULL;
}

bool bw_lc_final(bw_lc_state s)
{
    return s == BW_ST_DESTROYED || s == BW_ST_RETURNED_TO_SENDER || s == BW_ST_EXPORTED;
}

/* The actions allowed from a state, for the refusal's sentence. */
static void allowed(bw_lc_state from, char *out, size_t n)
{
    size_t at = 0;
    out[0] = 0;
    for (size_t i = 0; i < bw_lc_n_rules && at < n; i++)
        if (bw_lc_rules[i].from == from)
            at += (size_t)snprintf(out + at, n - at, "%s%s", at ? ", " : "", bw_lc_action_names[bw_lc_rules[i].action]);
}

bool bw_lc_next(bw_lc_state from, bw_lc_action action, bool has_arrived, bw_lc_state *to, char *why,
                size_t whylen)
{
    if ((unsigned)from >= BW_ST_COUNT || (unsigned)action >= BW_ACT_COUNT) {
        snprintf(why, whylen, "unknown state or action");
        return false;
    }
    const bw_lc_rule *r = bw_lc_rule_for(from, action);
    if (!r) {
        char ok[400];
        allowed(from, ok, sizeof ok);
        snprintf(why, whylen, "a declaration in state %s cannot be %s%s%s%s", bw_lc_state_names[from],
                 bw_lc_action_names[action], bw_lc_final(from) ? ": it is in a final state" : "",
                 ok[0] ? "; possible now: " : "", ok[0] ? ok : "");
        return false;
    }
    *to = r->to == BW_ST_PRIOR ? (has_arrived ? BW_ST_ARRIVED : BW_ST_ASSESSED) : r->to;
    return true;
}
