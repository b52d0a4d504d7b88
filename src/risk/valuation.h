/*
 * valuation.h - reference prices learned from accepted declarations, and
 * the hit for a declared value far below them (undervaluation, the most
 * common revenue risk in low-value e-commerce).
 *
 * Per HS subheading (6 digits) and origin, two distributions of unit value
 * in one base currency: per unit of quantity (per declared unit: "pcs",
 * "pair", ...) and per kilogram of net weight.  Each is a fixed histogram
 * over log2 of the value in quarter-octave bins: quantiles come from
 * cumulative counts, so a few absurd values move them by at most their
 * share of the count (robust by construction), and learning is one
 * increment.  docs/risk-analytics.md gives the bins, the thresholds and
 * the saved format.
 *
 * Thread-safe: checks and learning may run on any threads (striped locks).
 */
#ifndef BW_VALUATION_H
#define BW_VALUATION_H

#include "../reference/refdata.h"
#include "risk.h"

/* (Named _model: jurisdiction.h's bw_valuation is the CIF/FOB basis.) */
typedef struct bw_valuation_model bw_valuation_model;

typedef enum bw_valuation_basis { BW_BASIS_UNIT, BW_BASIS_KG } bw_valuation_basis;

/* Reference values are in hundredths of the base currency's minor unit
 * (EUR: 1/10,000 euro), since unit prices may be fractions of a cent. */
#define BW_VALUATION_SCALE 100

/* Observations a distribution needs before it is used to judge. */
#define BW_VALUATION_MIN_N 30
/* When a distribution reaches this many observations, every count is
 * halved: old prices fade, recent ones weigh more. */
#define BW_VALUATION_DECAY_AT 16384

/* An empty model in base_currency ("EUR"); NULL when it is not an ISO 4217
 * code with a known minor unit. */
bw_valuation_model *bw_valuation_new(const char *base_currency);
void bw_valuation_free(bw_valuation_model *v);

/* Learns every item of an accepted declaration: its line value converted
 * to the base currency at f->when from the item's own currency
 * (bw_fx_convert; rd may be NULL when every value is in the base
 * currency), divided by its quantity and by its net weight.  Items without
 * a usable value, HS code, origin, quantity or weight are skipped for the
 * basis they lack. */
void bw_valuation_learn(bw_valuation_model *v, const bw_refdata *rd, const bw_risk_facts *f);

/* Adds "valuation.low" for each item whose unit value is below half the
 * 5th percentile of its reference and at most 0.3 of its median (on the basis
 * with the lowest ratio, once the reference has BW_VALUATION_MIN_N
 * observations); evidence {"hs6","origin","basis","unit","declared",
 * "currency","reference":{"n","q05","q25","median"},"ratio"}.  The score
 * grows as the ratio falls.  Reads only. */
void bw_valuation_check(bw_valuation_model *v, const bw_refdata *rd, const bw_risk_facts *f, bw_risk_result *r);

/* Feedback from an inspection: item `item` of a declaration that was
 * learned was found to be worth corrected_minor (minor units of the item's
 * currency).  The observation learned from the declared value is removed
 * (where the histogram still holds it: see docs) and the corrected value
 * learned instead.  For a declaration that was never learned, learn the
 * corrected declaration instead. */
void bw_valuation_correct(bw_valuation_model *v, const bw_refdata *rd, const bw_risk_facts *f, uint32_t item,
                          int64_t corrected_minor);

/* A reference distribution, for analysts and tests. */
typedef struct bw_valuation_ref {
    uint32_t n;                          /* observations it holds */
    int64_t q05, q25, median, q75, q95;  /* BW_VALUATION_SCALE units of the base currency */
} bw_valuation_ref;

/* The distribution of hs6 (6 digits) from origin on a basis (unit: the
 * declared unit, e.g. "pcs"; ignored per kg); false when nothing learned. */
bool bw_valuation_reference(bw_valuation_model *v, bw_str hs6, bw_str origin, bw_valuation_basis basis, bw_str unit,
                            bw_valuation_ref *out);

/* Number of distributions held. */
size_t bw_valuation_count(bw_valuation_model *v);

/* The model as bytes (the same model gives the same bytes); 0, or -1. */
int bw_valuation_save(bw_valuation_model *v, bw_buf *out);
/* A model from saved bytes; NULL with a message in err when they are not
 * a valid saved model. */
bw_valuation_model *bw_valuation_restore(const void *bytes, size_t n, char *err, size_t errlen);

#endif
