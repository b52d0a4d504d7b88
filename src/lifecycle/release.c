/*
 * release.c - the release decision on arrival (release.h).
 *
 * Green and blue lanes release (blue is audited after release); yellow and
 * red wait for an officer.  Nothing is released while money is owed: the
 * settlement must be nothing due ("none"), debited to an intermediary's
 * account, or paid; "awaiting_payment" (the buyer pays first) and "held"
 * (the account's guarantee would be exceeded) hold for payment.  Risk
 * comes first: a red parcel that is also unpaid waits for inspection.
 */
#include <string.h>

#include "release.h"

bool bw_lc_settled(const char *settlement)
{
    return !settlement || !strcmp(settlement, "none") || !strcmp(settlement, "debited") ||
           !strcmp(settlement, "paid");
}

bool bw_lc_release_on_arrival(const char *lane, const char *settlement, bw_hold_reason *reason)
{
    *reason = BW_HOLD_NONE;
    if (!lane)
        *reason = BW_HOLD_DOCUMENTS;
    else if (!strcmp(lane, "yellow") || !strcmp(lane, "red"))
        *reason = BW_HOLD_INSPECTION;
    else if (!bw_lc_settled(settlement))
        *reason = BW_HOLD_PAYMENT;
    return *reason == BW_HOLD_NONE;
}
