/*
 * simulate.h - the de minimis simulator (Standard 8, 6.2.2): stored history
 * replayed under other duty and tax thresholds, for a ministry's policy
 * analyst (docs/simulator.md states every rule).
 *
 * Replaying the revenue engine for every stored declaration and scenario
 * would be exact but slow, so each accepted declaration carries a compact
 * revenue basis, computed once by the real assessment (src/revenue) when it
 * is decided: its values on each basis, and duty and tax as the rules give
 * them below and above a threshold.  A scenario is then a comparison and a
 * sum per declaration.  Amounts are minor units of the jurisdiction's
 * currency, exact.
 */
#ifndef BW_SIMULATE_H
#define BW_SIMULATE_H

#include "../pipeline/pipeline.h"
#include "../store/store.h"

/* The value a threshold is compared with. */
typedef enum {
    SIM_BASIS_INTRINSIC = 0, /* the goods' value */
    SIM_BASIS_CUSTOMS = 1,   /* the customs value: + freight and insurance where valued CIF */
    SIM_BASIS_CIF = 2,       /* goods + freight + insurance, whatever the valuation */
    SIM_BASIS_IN_FORCE = 3,  /* what the jurisdiction's rules compare (scenarios only) */
} bw_sim_value_basis;

extern const char *const bw_sim_basis_names[]; /* "intrinsic", "customs", "cif" */

/* One accepted declaration, as the simulator needs it. */
typedef struct bw_sim_basis {
    char jurisdiction[8];
    bw_time day;                 /* the assessment day (UTC midnight) */
    char origin[3];              /* origin of the item of highest value ("" unknown) */
    uint8_t model;               /* bw_collection_model */
    uint8_t basis_in_force;      /* SIM_BASIS_INTRINSIC / CUSTOMS / CIF */
    bool over_limit;             /* the buyer was over a per-buyer limit: relief lost as it fell */
    int64_t value[3];            /* on each bw_sim_value_basis */
    int64_t duty_low, duty_high; /* duty below / above the duty threshold */
    int64_t tax_at[2][2];        /* [duty above][tax above]: the tax base includes the duty */
    int64_t duty_threshold, tax_threshold, full_threshold; /* the rules in force; -1 none */
    int64_t duty, tax;           /* what was assessed and stands */
} bw_sim_basis;

/* Computes the basis of an accepted, assessed declaration by running the
 * IRG assessment and the revenue engine as if the thresholds were above
 * and below its value.  false (out untouched) when the revenue could not
 * be computed.  duty, tax and over_limit are the assessment that stood
 * (the store sets them when a buyer limit chose the other). */
bool bw_sim_basis_compute(const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o, bw_arena *arena,
                          bw_sim_basis *out);

/* Catches a store up: the basis of every accepted declaration stored
 * without one (before the simulator existed), rebuilt from its stored body
 * by the same pipeline, assessed on the day it was received
 * (simulate_replay.c).  *done: how many were added.  false with err. */
bool bw_sim_catch_up(bw_store *s, const bw_refdata *rd, int64_t *done, char *err, size_t errlen);

/* ---- scenarios ----------------------------------------------------------------------- */
typedef struct bw_sim_scenario {
    char name[33];
    bool in_force;               /* "current": each declaration's own rules */
    int64_t duty_threshold, tax_threshold; /* -1 none: always due */
    int64_t full_threshold;      /* full declaration above; default: the duty threshold */
    bw_sim_value_basis basis;
} bw_sim_scenario;

/* "NAME:duty=X,tax=Y[,basis=intrinsic|customs|cif][,full=Z]"; X, Y and Z
 * decimal amounts in the jurisdiction's currency or "none".  false with a
 * message naming the scenario, the field and why. */
bool bw_sim_scenario_parse(const char *text, const bw_jurisdiction *j, bw_sim_scenario *out, char *err,
                           size_t errlen);
/* The scenario of the rules in force, named "current". */
void bw_sim_scenario_current(bw_sim_scenario *out);

/* ---- collection costs (data/simulate/costs.json) ------------------------------------- */
typedef struct bw_sim_cost {
    bw_time effective_from;
    int64_t full, simplified, relieved;  /* per declaration, minor units */
} bw_sim_cost;

typedef struct bw_sim_costs {
    bw_sim_cost *v;              /* ascending effective_from */
    uint32_t n;
    char source[256];
} bw_sim_costs;

/* The costs of jurisdiction j from the file; false with err (file, key, why). */
bool bw_sim_costs_load(const char *path, const bw_jurisdiction *j, bw_sim_costs *out, char *err, size_t errlen);
void bw_sim_costs_free(bw_sim_costs *c);
/* data/simulate/costs.json under the data directory. */
void bw_sim_costs_path(const char *datadir, char *out, size_t n);

/* ---- a run ---------------------------------------------------------------------------- */
#define BW_SIM_ORIGINS (26 * 26)

typedef struct bw_sim_result {
    int64_t duty, tax;           /* revenue, minor units */
    int64_t owe_duty, owe_tax;   /* consignments with duty (tax) > 0 */
    int64_t full, simplified, relieved; /* declarations by kind */
    int64_t cost;
    int64_t crossing[BW_SIM_ORIGINS]; /* per origin: above a threshold */
    int64_t crossing_unknown;
    bool overflow;               /* a sum went past int64: not to be trusted */
} bw_sim_result;

typedef struct bw_sim_run {
    const bw_jurisdiction *j;
    const bw_sim_costs *costs;
    const bw_sim_scenario *scenarios;
    uint32_t n;
    bw_sim_result *results;      /* n, calloc'd by bw_sim_run_init */
    int64_t consignments;
    int64_t by_origin[BW_SIM_ORIGINS], origin_unknown;
    int64_t assessed_duty, assessed_tax; /* the sums of what was assessed */
    bw_time from, to;            /* the period replayed ([from, to), 0 open) */
    bool overflow;               /* the assessed sums went past int64 */
} bw_sim_run;

bool bw_sim_run_init(bw_sim_run *r, const bw_jurisdiction *j, const bw_sim_costs *costs,
                     const bw_sim_scenario *sc, uint32_t n);
void bw_sim_run_free(bw_sim_run *r);
/* Adds one declaration to every scenario. */
void bw_sim_add(bw_sim_run *r, const bw_sim_basis *b);
/* Whether the scenario of the rules in force reproduces what was assessed. */
bool bw_sim_current_matches(const bw_sim_run *r, uint32_t scenario);
/* Whether some sum went past int64 (absurd amounts): the output says so. */
bool bw_sim_overflowed(const bw_sim_run *r);

/* Output: JSON object, a table side by side, CSV (one row per scenario and
 * measure), an SVG bar chart (revenue, cost, net per scenario). */
void bw_sim_json(const bw_sim_run *r, bw_buf *out);
void bw_sim_table(const bw_sim_run *r, bw_buf *out);
void bw_sim_csv(const bw_sim_run *r, bw_buf *out);
void bw_sim_svg(const bw_sim_run *r, bw_buf *out);

/* A whole simulation: collection costs of j (from datadir), the store
 * caught up, every basis of j with its day in [from, to) (0: open) added to
 * the n scenarios.  The caller frees run and costs.  false with err. */
bool bw_sim_replay(bw_store *s, const bw_refdata *rd, const char *datadir, const bw_jurisdiction *j,
                   const bw_sim_scenario *sc, uint32_t n, bw_time from, bw_time to,
                   bw_sim_costs *costs, bw_sim_run *run, char *err, size_t errlen);

#endif
