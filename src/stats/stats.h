/*
 * stats.h - official statistics and KPIs over stored declarations
 * (issue 7; docs/statistics.md).
 *
 * Statistics follow IMTS 2010: imports valued CIF in the jurisdiction's
 * currency, partner = country of origin.  HS dimensions count items (each
 * item has its own HS code, value, quantity and weight); every other
 * dimension counts declarations.  Both read the statistical facts the
 * store keeps beside each declaration (facts.h), grouped in memory.
 */
#ifndef BW_STATS_H
#define BW_STATS_H

#include "../model/declaration.h"
#include "../pipeline/pipeline.h"
#include "../store/store.h"
#include "facts.h"

/* ---- building facts (stats_build.c) ----------------------------------------- */
uint8_t bw_stats_flow(uint8_t role, uint8_t mode, bool platform_order);
/* Percent of the data elements present (docs/statistics.md lists them). */
uint8_t bw_stats_completeness(const bw_declaration *d);
const bw_stats_decl *bw_stats_decl_build(const bw_declaration *d, const bw_outcome *oc, bw_time received_at,
                                         bw_str errors, bw_arena *a);

/* ---- reference data (stats_config.c): data/stats/ ------------------------------ */
typedef struct bw_stats_config bw_stats_config;
/* Loads <datadir>/stats/{hs_sections.tsv, value_bands.tsv, kpis.tsv};
 * NULL with "file:line: why" in err. */
bw_stats_config *bw_stats_config_load(const char *datadir, char *err, size_t errlen);
void bw_stats_config_free(bw_stats_config *c);
/* The HS section (1-21) of a chapter, 0 unknown; its label. */
int bw_stats_section(const bw_stats_config *c, int chapter);
/* The value band of a consignment value in a jurisdiction on a day: index
 * into that jurisdiction's bands in force, -1 none; label in out. */
int bw_stats_band(const bw_stats_config *c, const char *jurisdiction, int32_t day, int64_t value, const char **label);
/* The bands in force for a jurisdiction on a day, rising: their indexes
 * in idx (at most max), how many. */
int bw_stats_bands_in_force(const bw_stats_config *c, const char *jurisdiction, int32_t day, int *idx, int max);
int64_t bw_stats_band_lower(const bw_stats_config *c, int i);
/* The label of band index i (bw_stats_band's result). */
const char *bw_stats_band_label(const bw_stats_config *c, int i);
/* Seconds from arrival within which a release counts as immediate. */
int64_t bw_stats_immediate_release_s(const bw_stats_config *c);
double bw_stats_confidence_z(const bw_stats_config *c);

/* ---- statistics (stats.c) --------------------------------------------------------- */
typedef enum bw_stats_dim {
    BW_DIM_ORIGIN, BW_DIM_SECTION, BW_DIM_CHAPTER, BW_DIM_HEADING, BW_DIM_JURISDICTION, BW_DIM_REGION,
    BW_DIM_MODE, BW_DIM_FLOW, BW_DIM_TXN, BW_DIM_TYPE, BW_DIM_BAND, BW_DIM_IRG, BW_DIM_LANE, BW_DIM_STATUS,
    BW_DIM_STATE, BW_DIM_COLLECTION, BW_DIM_SUBMITTER, BW_DIM_DAY, BW_DIM_WEEK, BW_DIM_MONTH, BW_DIM_N
} bw_stats_dim;
extern const char *const bw_stats_dim_names[]; /* the names `by` takes, NULL-terminated */
enum { BW_STATS_MAX_BY = 3 };

typedef struct bw_stats_query {
    bw_stats_dim by[BW_STATS_MAX_BY];
    int n_by;
    int32_t day_from, day_to;  /* inclusive days (bw_stats_day); INT32_MIN / INT32_MAX open */
    const char *jurisdiction;  /* NULL: all */
    int status;                /* 0 all, 1 accepted, 2 rejected (bw_stats_query_parse's default) */
    const struct bw_refdata *rd; /* for the jurisdictions' currencies; NULL: unknown */
} bw_stats_query;

/* Parses by ("origin,chapter"), from and to (YYYY-MM-DD, inclusive; NULL
 * open), jurisdiction and status ("accepted", "rejected", "all"; NULL: all
 * when by names status, else accepted).  false with a message naming the
 * parameter and why. */
bool bw_stats_query_parse(const char *by, const char *from, const char *to, const char *jurisdiction,
                          const char *status, bw_stats_query *q, char *err, size_t errlen);

typedef struct bw_stats_row {
    int64_t key[BW_STATS_MAX_BY];
    int64_t declarations, items, value, qty, weight;
    int64_t jurisdiction;      /* the one jurisdiction code of the row's facts, -1 several */
} bw_stats_row;

typedef struct bw_stats_labels bw_stats_labels;

typedef struct bw_stats_result {
    bw_stats_query q;
    bool item_unit;            /* an HS dimension: counts are items */
    bw_stats_row *rows;        /* sorted by key */
    size_t n;
    bw_stats_row total;
    const char *currency;      /* the currency of every value, NULL when several (see mixed) */
    int exponent;              /* of currency; 2 when unknown */
    bool mixed;                /* values of jurisdictions with different currencies were summed */
    int64_t facts_scanned;
    bw_stats_labels *labels;
    const bw_stats_config *config;
} bw_stats_result;

/* Runs the query; false with the store's error in err. */
bool bw_stats_run(bw_store *s, const bw_stats_config *c, const bw_stats_query *q, bw_stats_result *out,
                  char *err, size_t errlen);
void bw_stats_result_free(bw_stats_result *r);
/* The label of a key of dimension d ("CN", "61", "2026-W47", "green"). */
void bw_stats_label(const bw_stats_result *r, bw_stats_dim d, int64_t key, char *out, size_t cap);
/* The currency of a row whose facts are of one jurisdiction; false when several. */
bool bw_stats_row_currency(const bw_stats_result *r, const bw_stats_row *row, const char **currency, int *exponent);
/* Output: "json", "csv", "table"; false for another format. */
bool bw_stats_render(const bw_stats_result *r, const char *format, bw_buf *out);

/* ---- KPIs (kpis.c) ------------------------------------------------------------------- */
/* Wilson score interval of k successes in n at z (1.96 for 95%). */
void bw_wilson(int64_t k, int64_t n, double z, double *lo, double *hi);

typedef struct bw_kpi_query {
    int32_t day_from, day_to;  /* inclusive, as bw_stats_query */
    const char *jurisdiction;  /* NULL: all */
    const struct bw_refdata *rd; /* the jurisdictions' currencies; NULL: amounts at 2 decimals */
} bw_kpi_query;
/* Computes every KPI into out as one JSON object. */
bool bw_kpis_run(bw_store *s, const bw_stats_config *c, const bw_kpi_query *q, bw_buf *out, char *err,
                 size_t errlen);

#endif
