/*
 * prearrival.h - what the lifecycle learns when a declaration is decided
 * (ICS2-style pre-loading and pre-arrival): the transport document arrivals
 * will match on, how long before loading and arrival the data came, and
 * whether an air consignment must not be loaded.
 */
#ifndef BW_LC_PREARRIVAL_H
#define BW_LC_PREARRIVAL_H

#include "../pipeline/pipeline.h"
#include "../store/store_lifecycle.h"

/* The facts of an accepted declaration (in arena), NULL for others. */
const bw_lc_facts *bw_lifecycle_facts(const bw_declaration *d, const bw_outcome *oc, bw_time received_at,
                                      bw_arena *arena);

/* Whether a screening area is an aviation-security threat
 * (data/lifecycle/do_not_load.tsv). */
bool bw_lifecycle_security_area(const char *area, size_t n);

#endif
