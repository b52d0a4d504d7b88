/*
 * splitting.h - one purchase split into several parcels so that each stays
 * under a threshold (de minimis, the tax threshold, the full-declaration
 * threshold) while together they are over it.
 *
 * Parcels are linked by jurisdiction, buyer identity (normalized name,
 * postcode and country, or e-mail) and seller (id, else normalized name)
 * within the policy's window around the order date.  Identities are kept as
 * 64-bit hashes only; what is kept per parcel is its reference, date and
 * value, for the evidence.
 */
#ifndef BW_SPLITTING_H
#define BW_SPLITTING_H

#include "risk.h"

typedef struct bw_splitting bw_splitting;

bw_splitting *bw_splitting_new(void);
void bw_splitting_free(bw_splitting *s);

/* Links the declaration to earlier parcels of the same buyer and seller
 * within `window` seconds, adds a "splitting.linked" hit when, for one of
 * the thresholds (minor units of the jurisdiction's currency; <0 ignored),
 * every linked parcel and this one are at or under it and their total is
 * over it; then remembers this parcel.  One step under one lock, so two
 * parcels checked at once still see each other. */
/* Starts fetching the declaration's buyer-and-seller slot into the cache:
 * called when the facts are known, so that by the time the check runs
 * (after the other detectors) the table, far larger than the caches, costs
 * no wait. */
void bw_splitting_prefetch(bw_splitting *s, const bw_risk_facts *f);

void bw_splitting_check(bw_splitting *s, const bw_risk_facts *f, int64_t window, const int64_t *thresholds,
                        int n_thresholds, bw_risk_result *r);

/* Parcels remembered (for tests and metrics). */
size_t bw_splitting_size(bw_splitting *s);

#endif
