/*
 * lanes.h - the risk policy (data/risk/policy.json): points to lane per
 * jurisdiction, forced lanes, reproducible random selection, and the
 * settings of detectors that depend on the jurisdiction (the splitting
 * window, the separate records required before release).
 */
#ifndef BW_LANES_H
#define BW_LANES_H

#include "risk.h"

#define BW_RECORD_ORDER 1u
#define BW_RECORD_PAYMENT 2u
#define BW_RECORD_LOGISTICS 4u

typedef struct bw_lane_policy {
    char jurisdiction[8];         /* "*" = default */
    bw_time valid_from;
    int32_t threshold[4];         /* points at or above which a lane applies; index bw_lane; <0 none */
    uint32_t random_ppm[4];       /* per lane reached: share sent elsewhere, millionths */
    bw_lane random_to[4];
    int64_t splitting_window;     /* seconds */
    uint32_t records_required;    /* BW_RECORD_* */
    bw_risk_points points;        /* what findings are worth; defaults for what is not said */
} bw_lane_policy;

typedef struct bw_lanes {
    bw_lane_policy *v;            /* sorted by jurisdiction, then valid_from */
    uint32_t n;
    char *seed;
} bw_lanes;

/* Loads <datadir>/risk/policy.json; NULL with "file: policies[i].key: why". */
bw_lanes *bw_lanes_load(const char *datadir, char *err, size_t errlen);
void bw_lanes_free(bw_lanes *l);

/* The policy in force for a jurisdiction on a day (its own, else "*"), or NULL. */
const bw_lane_policy *bw_lanes_policy(const bw_lanes *l, bw_str jurisdiction, bw_time when);

/* Decides r->lane from the hits (forced lanes first, then points), then
 * applies random selection keyed on the declaration's identity. */
void bw_lanes_decide(const bw_lanes *l, const bw_risk_facts *f, bw_risk_result *r);

#endif
