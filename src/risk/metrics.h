/*
 * metrics.h - how good a ranking of declarations is at finding fraud, the
 * way customs-targeting studies report it: rank by score, inspect the top
 * n%, and count what the inspections would have found.
 *
 *   precision@n%  frauds among the inspected / inspected
 *   recall@n%     frauds among the inspected / all frauds
 *   revenue@n%    revenue recovered by the inspected / all revenue recovered
 *
 * plus the ROC AUC over all labelled rows.  The top n% is the first
 * ceil(rows * n / 100) rows; ties in score are broken by declaration id
 * (then submitter) so the same input always gives the same figures.
 * Pure computation: no I/O.
 */
#ifndef BW_METRICS_H
#define BW_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/core.h"

/* One labelled, scored declaration. */
typedef struct bw_scored {
    double score;
    const char *id;         /* declaration id, the tie-breaker */
    const char *submitter;  /* second tie-breaker; may be NULL */
    bool fraud;
    double revenue;         /* recovered when fraud; 0 otherwise */
} bw_scored;

#define BW_METRICS_MAX_AT 16

typedef struct bw_at_n {
    double percent;
    size_t inspected;       /* rows in the top n% */
    size_t found;           /* frauds among them */
    double precision, recall, revenue; /* NaN when undefined (no frauds, no revenue) */
} bw_at_n;

typedef struct bw_evaluation {
    size_t rows, frauds;
    double revenue_total;
    double auc;             /* NaN without both classes */
    bw_at_n at[BW_METRICS_MAX_AT];
    unsigned n_at;
} bw_evaluation;

/* Sorts rows into rank order (score descending, then id, then submitter). */
void bw_metrics_rank(bw_scored *rows, size_t n);

/* ROC AUC of rows already in rank order; tied scores count one half
 * (mid-ranks).  NaN without both classes. */
double bw_metrics_auc(const bw_scored *ranked, size_t n);

/* Ranks rows and evaluates the top percents[i]% for each i (at most
 * BW_METRICS_MAX_AT). */
void bw_metrics_evaluate(bw_scored *rows, size_t n, const double *percents, unsigned n_percents, bw_evaluation *e);

/* The evaluation as a plain table, or as one JSON object. */
void bw_metrics_table(const bw_evaluation *e, bw_buf *out);
void bw_metrics_json(const bw_evaluation *e, bw_buf *out);

#endif
