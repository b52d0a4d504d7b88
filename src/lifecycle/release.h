/*
 * release.h - what happens to a declaration when its parcel arrives:
 * immediate release (WCO Immediate Release Guidelines) or a hold, from the
 * risk lane in force and the settlement of what it owes.
 */
#ifndef BW_LC_RELEASE_H
#define BW_LC_RELEASE_H

#include "state.h"

/* true: release at once.  false: hold, with *reason.  lane NULL: no risk
 * decision (stored before risk assessment), which is a documents hold. */
bool bw_lc_release_on_arrival(const char *lane, const char *settlement, bw_hold_reason *reason);

/* Whether nothing is owed any more: nothing due, debited, or paid. */
bool bw_lc_settled(const char *settlement);

#endif
