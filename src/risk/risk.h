/*
 * risk.h - dynamic risk management (WCO E-Commerce FoS Standards 3, 4, 9):
 * the hub every risk detector includes.
 *
 * Each accepted declaration leaves the pipeline with a lane (green, blue,
 * yellow, red), a score and the hits that produced them, each hit with its
 * evidence, so a decision is explainable to the submitter, the officer and
 * the auditor and reproducible from what was stored.
 *
 * The detectors, one file each, all write into one bw_risk_result:
 *
 *   screen.c      prohibited and restricted goods by HS and by text (Hyperscan)
 *   watchlist.c   known offenders, fuzzy over names, addresses, emails, phones, ids
 *   profiles.c    analysts' declarative profiles, compiled into indexes
 *   parties.c     party history: first seen, volumes, outcomes, compliance
 *   valuation.c   reference unit prices per HS6 and origin, learned online
 *   textclass.c   description vs declared HS code, learned from accepted data
 *   splitting.c   one purchase split into parcels under a threshold
 *   reconcile.c   order / payment / logistics records compared (CN three documents)
 *   model.c       the learned model (XGBoost), features from all of the above
 *   lanes.c       score -> lane per jurisdiction, forced lanes, random selection
 *
 * Text is compared in one normalized form (normalize.h): Latin, lower case,
 * ASCII, single spaces; other scripts transliterated with ICU.
 *
 * Scores are integer points (not probabilities) so that they add, and so
 * that a lane threshold is an exact comparison.  A hit may also force a
 * lane; a forced lane wins over the score, the most severe forced lane over
 * the others.
 */
#ifndef BW_RISK_H
#define BW_RISK_H

#include "../core/core.h"
#include "../model/declaration.h"

/* Lanes in increasing order of intervention, so max() is "most severe". */
typedef enum bw_lane {
    BW_LANE_NONE = -1,    /* a hit that does not force a lane */
    BW_LANE_GREEN = 0,    /* release without intervention */
    BW_LANE_BLUE = 1,     /* release now, post-clearance audit */
    BW_LANE_YELLOW = 2,   /* documentary check */
    BW_LANE_RED = 3,      /* physical or non-intrusive inspection */
} bw_lane;

extern const char *const bw_lane_names[]; /* "green", "blue", "yellow", "red" */
/* The lane for a name, or BW_LANE_NONE. */
bw_lane bw_lane_parse(const char *name, size_t n);

/* One reason a declaration scored or was forced into a lane.
 *
 *  code      what kind of hit, dotted like issue codes: "screening.prohibited",
 *            "watchlist.name", "valuation.low", "profile" ...
 *  ref       which rule or entry: the profile id, list entry id, term id
 *  path      the JSON path of the field that hit ("items[2].description"),
 *            empty when the hit is about the whole declaration
 *  reason    one human sentence: why this is a risk
 *  evidence  a JSON object (text) with what was compared: the matched term
 *            and where, the reference quantile and the declared unit value,
 *            the linked declarations ...  "{}" when there is nothing more.
 *
 * All strings are NUL-terminated and live in the result's arena (or are
 * static / owned by loaded reference data that outlives the result). */
typedef struct bw_risk_hit {
    const char *code;
    const char *ref;
    const char *path;
    const char *reason;
    const char *evidence;
    int32_t score;        /* points added; may be negative (trusted parties) */
    bw_lane lane;         /* forced lane, or BW_LANE_NONE */
} bw_risk_hit;

typedef struct bw_risk_result {
    bw_lane lane;         /* decided by bw_lanes_decide; GREEN until then */
    int32_t score;        /* sum of hit scores, floored at 0 */
    bool random;          /* the lane was raised by random selection */
    bw_risk_hit *hits;
    uint32_t n_hits, cap_hits;
    /* Earlier declarations ("submitter/declaration_id") this one showed to
     * be part of the same scheme (a split purchase): the store raises
     * their lane too, if they left in green or blue. */
    const char **linked;
    uint32_t n_linked;
    bw_arena *arena;      /* where hits and their strings live (not owned) */
} bw_risk_result;

/* What a party's history says about it (parties.c), as flags profiles can
 * test by name ("first_time_seller", ...; bw_party_flag_names). */
enum {
    BW_PARTY_FIRST_TIME_SELLER = 1u << 0,   /* never seen before this declaration */
    BW_PARTY_OCCASIONAL_SELLER = 1u << 1,   /* seen, but fewer than a handful of times */
    BW_PARTY_FIRST_TIME_BUYER = 1u << 2,
    BW_PARTY_COMPLIANT_SELLER = 1u << 3,    /* inspected often enough, found compliant */
    BW_PARTY_NONCOMPLIANT_SELLER = 1u << 4, /* inspections found discrepancies */
    BW_PARTY_AEO_SUBMITTER = 1u << 5,       /* authorised economic operator */
    BW_PARTY_FIRST_TIME_PLATFORM = 1u << 6,
    BW_PARTY_FIRST_TIME_CARRIER = 1u << 7,
};
extern const char *const bw_party_flag_names[]; /* index = bit number */

/* What each kind of finding of the learned and rule detectors is worth,
 * from the risk policy (data/risk/policy.json "points"; lanes.c), so that
 * an administration tunes them as data.  Lists and profiles carry their
 * own points. */
typedef struct bw_risk_points {
    int32_t first_time_seller, occasional_seller, first_time_buyer, first_time_platform, first_time_carrier;
    int32_t noncompliant_min, noncompliant_span;  /* + span x (1 - compliance estimate) */
    int32_t compliant, aeo;                       /* negative: trust */
    int32_t valuation_min, valuation_max;         /* at the ratio limit, at a ratio of 0 */
    int32_t classification_min, classification_per_decade, classification_max;
    int32_t splitting, reconciliation, weight;
    int32_t model_yellow, model_red;              /* the model's score over its thresholds */
} bw_risk_points;

/* The points when a policy says nothing (also for facts built by hand). */
extern const bw_risk_points bw_risk_points_default;

/* What the detectors know about one declaration besides its fields, filled
 * in by the pipeline before they run.  Values are in the jurisdiction's
 * currency (minor units). */
typedef struct bw_risk_facts {
    const bw_declaration *decl;
    bw_str jurisdiction;
    bw_time when;                  /* assessment time */
    uint8_t category;              /* IRG category 1-4, 0 unknown */
    const char *currency;          /* the jurisdiction's, NULL unknown */
    int exponent;                  /* its minor-unit digits */
    int64_t consignment_value;     /* -1 unknown */
    const int64_t *item_value;     /* per item, NULL unknown */
    uint32_t party_flags;          /* BW_PARTY_* */
    const uint64_t *party_keys;    /* by bw_party_role, 0 none (bw_parties_keys), once per
                                    * declaration; NULL: each detector derives them */
    const struct bw_risk_result *so_far; /* hits of the detectors that ran before */
    const bw_risk_points *points;  /* NULL: bw_risk_points_default */
} bw_risk_facts;

static inline const bw_risk_points *bw_points(const bw_risk_facts *f)
{
    return f && f->points ? f->points : &bw_risk_points_default;
}

/* Starts an empty result whose memory comes from `arena`. */
void bw_risk_result_init(bw_risk_result *r, bw_arena *arena);

/* Appends a hit; strings are copied into the arena unless NULL (stored as
 * ""), evidence NULL means "{}".  Adds its score to r->score. */
void bw_risk_add(bw_risk_result *r, const char *code, const char *ref, const char *path, const char *reason,
                 const char *evidence, int32_t score, bw_lane lane);

/* Adds an earlier declaration to r->linked (copied into the arena). */
void bw_risk_link(bw_risk_result *r, const char *ref);

/* Whether some hit's code starts with `prefix` ("screening", "watchlist."). */
bool bw_risk_has(const bw_risk_result *r, const char *prefix);

/* The result as an object {"lane":..,"score":..,"random":..,"hits":[..]},
 * and as the member `,"risk":{...}` of a result line. */
void bw_risk_object(const bw_risk_result *r, bw_buf *out);
void bw_risk_json(const bw_risk_result *r, bw_buf *out);

/* Copies a JSON path like "items[2].description" into the arena. */
const char *bw_risk_path(bw_arena *a, const char *field, int index, const char *member);

#endif
