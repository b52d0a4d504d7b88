/*
 * facts.h - the statistical fact: one per declaration item, as the store
 * keeps it for fast statistics and KPIs (docs/statistics.md).
 *
 * A fact is a fixed set of int64 columns.  Strings (origin, jurisdiction,
 * region, submitter) become small integer codes in the store's code table;
 * enumerations use the fixed codes below.  The store packs facts column by
 * column into chunks of BW_FACTS_PER_CHUNK, each column at the narrowest
 * integer width that holds it (stats_codec.c), so a query reads a few bytes
 * per fact and only the columns it needs.
 */
#ifndef BW_FACTS_H
#define BW_FACTS_H

#include "../core/core.h"

enum { BW_FACTS_PER_CHUNK = 4096 };

/* The columns.  MUTABLE ones change after storing (lane raised, inspected,
 * lifecycle state, amended): the store rewrites them in place. */
typedef enum bw_fact_col {
    BW_FC_DECL,         /* the declaration's row id */
    BW_FC_DAY,          /* days since 1970-01-01 of the assessment (UTC) */
    BW_FC_FIRST,        /* 1 on the first fact of a declaration: counts declarations */
    BW_FC_ITEM,         /* 1 when the fact is an item (0: a declaration without items) */
    BW_FC_DEAD,         /* MUTABLE: 1 once an amendment replaced the declaration */
    BW_FC_VALUE,        /* statistical value: CIF, minor units of the jurisdiction's currency */
    BW_FC_QTY,          /* quantity, thousandths of the item's unit */
    BW_FC_WEIGHT,       /* net weight, milligrams */
    BW_FC_DUTY,         /* duty assessed on the item */
    BW_FC_TAX,          /* taxes assessed on the item */
    BW_FC_CVALUE,       /* the consignment's value (value bands) */
    BW_FC_ORIGIN,       /* code (dim origin) */
    BW_FC_HEADING,      /* HS heading as a number (0101 -> 101); 0 unknown */
    BW_FC_JURISDICTION, /* code */
    BW_FC_REGION,       /* code: consignee's country-region */
    BW_FC_SUBMITTER,    /* code */
    BW_FC_MODE,         /* bw_transport_mode */
    BW_FC_FLOW,         /* bw_flow */
    BW_FC_TXN,          /* bw_txn_type */
    BW_FC_TYPE,         /* bw_decl_type (returns) */
    BW_FC_IRG,          /* IRG category 1-4, 0 unknown */
    BW_FC_LANE,         /* MUTABLE: 0 none, 1 green, 2 blue, 3 yellow, 4 red (bw_lane + 1) */
    BW_FC_STATUS,       /* 1 accepted, 2 rejected */
    BW_FC_STATE,        /* MUTABLE: lifecycle state code (bw_stats_state_names), 0 unknown */
    BW_FC_COLLECTION,   /* bw_collection_model */
    BW_FC_COMPLETE,     /* completeness of the declaration, percent */
    BW_FC_RANDOM,       /* 1 when random selection raised the lane */
    BW_FC_INSPECTION,   /* MUTABLE: 0 none, 1 compliant, 2 discrepancy, 3 seized */
    BW_FC_LEAD_LOADING, /* seconds the data came before loading (negative: after), BW_LEAD_NONE */
    BW_FC_LEAD_ARRIVAL, /* seconds the data came before arrival, BW_LEAD_NONE */
    BW_FC_N
/* Columns added after the first: chunks sealed before them read as unknown. */
#define BW_FC_FIRST_LATER BW_FC_LEAD_LOADING
} bw_fact_col;

#define BW_LEAD_NONE INT32_MIN /* no loading or arrival time known */

typedef struct bw_fact {
    int64_t v[BW_FC_N];
} bw_fact;

/* Dimensions held as codes in the store's code table. */
typedef enum { BW_CODE_ORIGIN = 1, BW_CODE_JURISDICTION, BW_CODE_REGION, BW_CODE_SUBMITTER,
               BW_CODE_PROFILE } bw_code_dim;

/* Business flow: derived, see bw_stats_flow (docs/statistics.md). */
typedef enum { BW_FLOW_OTHER = 0, BW_FLOW_POSTAL, BW_FLOW_EXPRESS, BW_FLOW_PLATFORM } bw_flow;
extern const char *const bw_flow_names[];
/* Lifecycle states (the shared vocabulary), index = code; NULL-terminated. */
extern const char *const bw_stats_state_names[];
extern const char *const bw_stats_lane_names[];      /* by BW_FC_LANE code */
extern const char *const bw_stats_status_names[];    /* by BW_FC_STATUS code */
extern const char *const bw_stats_inspection_names[];/* by BW_FC_INSPECTION code */

/* What a declaration contributes, before the store codes its strings:
 * built by bw_stats_decl_build (stats_build.c) from the pipeline's result. */
typedef struct bw_stats_item {
    int64_t value, qty, weight, duty, tax;
    bw_str origin;
    int32_t heading;
} bw_stats_item;

typedef struct bw_stats_decl {
    int32_t day;
    int64_t cvalue;
    bw_str jurisdiction, region, submitter;
    uint8_t mode, flow, txn, type, irg, lane, status, state, collection, complete, random;
    bw_stats_item *items;
    uint32_t n_items;
    const char *const *profiles; /* ids of the risk profiles that hit */
    uint32_t n_profiles;
    bw_str errors;               /* the JSON array of errors, for error codes per submitter */
} bw_stats_decl;

/* Days since 1970-01-01 of t (UTC), floor. */
static inline int32_t bw_stats_day(bw_time t) { return (int32_t)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400)); }

/* Index in names (NULL-terminated, index 0 included) or 0. */
uint8_t bw_stats_name_code(const char *const names[], const char *name);

/* Column codec (stats_codec.c): n values at the narrowest width that holds
 * them all (1, 2, 4 or 8 bytes, little-endian, signed), after one byte
 * giving the width. */
void bw_stats_col_encode(const int64_t *v, uint32_t n, bw_buf *out);
/* false when bytes are not n values of a valid width. */
bool bw_stats_col_decode(const void *bytes, size_t len, uint32_t n, int64_t *out);

#endif
