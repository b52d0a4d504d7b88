/*
 * model.h - the learned risk model (WCO E-Commerce FoS Standard 4, "machine
 * learning"): gradient-boosted trees (XGBoost) that learn from past
 * declarations and their inspection outcomes which new ones to inspect.
 *
 * Features (docs/model.md lists every one):
 *  - the declaration's own goods and value fields: HS chapter, value in
 *    euros, quantity, weight, unit value, value per kg, items, freight
 *    share, transport mode, collection model, transaction type, gift;
 *  - how often fraud was found, in the training period, for its HS
 *    chapter, heading and subheading, its origin, and its seller, buyer,
 *    platform, carrier and submitter (with how often each was seen).  For
 *    the rows the model trains on these are computed out of fold: a row's
 *    rate never counts its own label, or a unique id would "predict" its
 *    own outcome perfectly and the model would collapse on later data.
 *    Rates are shrunk towards the overall rate: (frauds + m*prior)/(n + m);
 *  - CSV columns that were not mapped onto the declaration (numeric as is,
 *    others encoded like the parties);
 *  - the points of the rule-based detectors per family (screening,
 *    watchlist, profile, valuation, classification, splitting,
 *    reconciliation, party), when a detector hook is given; missing
 *    otherwise.
 *
 * Training stops early on a later validation period and keeps the best
 * round.  The model file holds the feature names, the training period's
 * statistics, the lane thresholds and the trees (format in docs/model.md).
 */
#ifndef BW_MODEL_H
#define BW_MODEL_H

#include <stdio.h>

#include "../reference/refdata.h"
#include "history.h"
#include "risk.h"

typedef struct bw_model bw_model;

/* Runs the rule-based detectors on one declaration into `out` (initialised,
 * with its own arena); false when they could not run (the detector
 * features are then missing for that row).  Set by the caller; NULL today,
 * so model.c never changes when the pipeline's detectors are plugged in. */
typedef bool (*bw_model_detect_fn)(void *ctx, const bw_declaration *d, bw_risk_result *out);

/* One declaration as the model sees it. */
typedef struct bw_model_input {
    const bw_declaration *decl;
    bool has_time;
    bw_time when;                     /* its date (history.h): exchange rates and the time split */
    const char *const *extra_names;   /* CSV columns kept as features, and this row's */
    const char *const *extra_values;  /* values (NULL = empty) */
    uint32_t n_extra;
} bw_model_input;

/* The input of a history row. */
bw_model_input bw_model_input_of(const bw_hist_row *row);

typedef struct bw_model_params {
    unsigned folds;            /* out-of-fold statistics (5) */
    double shrink;             /* m in (frauds + m*prior) / (n + m) (20) */
    unsigned max_rounds;       /* boosting rounds at most (500) */
    unsigned patience;         /* stop after this many rounds without a better validation AUCPR (30) */
    unsigned max_depth;        /* of each tree (6) */
    double eta;                /* learning rate (0.1) */
    double validation_share;   /* without a validation file: the latest share of the history by date (0.2) */
    unsigned threads;          /* XGBoost threads (1) */
    uint64_t seed;             /* folds and row sampling (1) */
    bool balance;              /* scale_pos_weight = negatives / positives (off) */
    double red, yellow;        /* lane thresholds stored in the model (0.5, 0.2) */
    bw_model_detect_fn detect; /* NULL: detector features missing */
    void *detect_ctx;
    FILE *log;                 /* a line per round when set */
} bw_model_params;

void bw_model_params_default(bw_model_params *p);

typedef struct bw_train_report {
    size_t train_rows, train_frauds;         /* labelled rows the trees learned from */
    size_t validation_rows, validation_frauds;
    size_t unlabelled_rows;                  /* counted in the statistics only */
    bool split_by_date;                      /* no validation file: the latest share */
    bw_time cut;                             /* ... from this date on */
    unsigned rounds, best_round;             /* rounds run; best_round + 1 kept */
    double validation_auc, validation_aucpr; /* at the best round */
    uint32_t features;
} bw_train_report;

typedef struct bw_trainer bw_trainer;

/* rd may be NULL (values are then not converted between currencies). */
bw_trainer *bw_trainer_new(const bw_model_params *p, const bw_refdata *rd);
/* Adds one history row: label -1 unlabelled (it still counts towards how
 * often its parties were seen), 0 inspected and compliant, 1 fraud.
 * validation: it comes from the validation file.  `line` is for messages. */
bool bw_trainer_add(bw_trainer *t, const bw_model_input *in, int label, bool validation, uint64_t line,
                    char *err, size_t errlen);
/* Splits (when no validation rows were added), computes the statistics,
 * trains with early stopping; NULL with the reason in err. */
bw_model *bw_trainer_finish(bw_trainer *t, bw_train_report *rep, char *err, size_t errlen);
/* After bw_trainer_finish: the features the trees learned from, one row
 * per labelled row of the training period in the order they were added
 * (out-of-fold rates and counts), bw_model_n_features columns.  For tests
 * and audits; valid until bw_trainer_free. */
const float *bw_trainer_matrix(const bw_trainer *t, size_t *rows);
void bw_trainer_free(bw_trainer *t);

/* ---- the model file ------------------------------------------------------------ */

bool bw_model_save(const bw_model *m, const char *path, char *err, size_t errlen);
bw_model *bw_model_load(const char *path, char *err, size_t errlen);
/* The same from memory: a wrong, damaged or truncated file is an error
 * that says which, never a crash. */
bw_model *bw_model_from_bytes(const void *p, size_t n, char *err, size_t errlen);
void bw_model_free(bw_model *m);

uint32_t bw_model_n_features(const bw_model *m);
const char *bw_model_feature_name(const bw_model *m, uint32_t i);
/* The thresholds stored at training. */
double bw_model_red(const bw_model *m);
double bw_model_yellow(const bw_model *m);
/* The overall fraud rate of the training period. */
double bw_model_prior(const bw_model *m);
/* Whether values were converted to euros in training (reference data with
 * exchange rates was loaded); scoring must then have the rates too, and
 * without it, scoring does not convert either. */
bool bw_model_uses_fx(const bw_model *m);
/* XGBoost threads for predictions (1 after loading). */
void bw_model_set_threads(bw_model *m, unsigned threads);

/* ---- features and scores ----------------------------------------------------------- */

/* The feature vector of one declaration (bw_model_n_features floats, NaN =
 * missing) with the training period's statistics.  detectors: what the
 * rule-based detectors found, or NULL (missing). */
void bw_model_features(const bw_model *m, const bw_refdata *rd, const bw_model_input *in,
                       const bw_risk_result *detectors, float *out);

/* The same, running the detector hook first when one is given. */
void bw_model_row_features(const bw_model *m, const bw_refdata *rd, const bw_model_input *in,
                           bw_model_detect_fn detect, void *ctx, float *out);

/* Why a declaration scored: a feature, its value, and how much it added to
 * the log-odds.  Exact contributions are TreeSHAP values (they add up, with
 * the bias, to the row's log-odds, and do not depend on the order of the
 * splits); fast ones follow the row's path through each tree (Saabas), a
 * few hundred times cheaper and usually ranking the same features first. */
typedef struct bw_model_reason {
    uint32_t feature;
    float value;
    float contribution;
    bool exact;
} bw_model_reason;

/* Scores n rows of features (row-major).  scores[i] is the probability of
 * fraud.  With reasons (n * k entries), also the k largest positive
 * contributions of each row, largest first (unused entries: contribution
 * 0, feature UINT32_MAX): exact for rows scoring exact_from or more, fast
 * below (0: all exact; above 1: all fast). */
bool bw_model_predict(const bw_model *m, const float *x, size_t n, float *scores, bw_model_reason *reasons,
                      unsigned k, double exact_from, char *err, size_t errlen);

/* red when score >= red, yellow when >= yellow, green otherwise. */
bw_lane bw_model_lane(double score, double red, double yellow);

/* Adds the reasons to a risk result as hits "model.feature" (ref: the
 * feature's name; evidence {"feature":..,"value":..,"contribution":..,
 * "method":"treeshap"|"saabas"};
 * score: the contribution in points, 100 per unit of log-odds). */
void bw_model_explain(const bw_model *m, const bw_model_reason *reasons, unsigned k, bw_risk_result *r);

#endif
