/*
 * pipeline.h - the one path every declaration takes, whatever door it came
 * in by (file, stdin, later HTTP):
 *
 *   decode (model/reader) -> validate -> assess (IRG category) -> decide
 *   -> revenue (duties and taxes, src/revenue) -> risk (lane, src/risk)
 *
 * then the caller stores the outcome (store/store.h), where what depends on
 * stored state is settled in the same transaction: a buyer's running total
 * against a per-buyer limit, an intermediary account's guarantee.
 */
#ifndef BW_PIPELINE_H
#define BW_PIPELINE_H

#include "../model/reader.h"
#include "../reference/jurisdiction.h"

typedef enum bw_status {
    BW_STATUS_ACCEPTED = 0,
    BW_STATUS_REJECTED = 1,
} bw_status;

extern const char *const bw_status_names[];

/* What the pipeline concluded about one record. */
typedef struct bw_outcome {
    bw_status status;
    uint8_t category;            /* WCO Immediate Release Guidelines 1-4; 0 unknown */
    int64_t consignment_value;   /* in the jurisdiction's currency, on its basis; -1 unknown */
    bool duty_due, tax_due;
    const char *de_minimis_rule; /* the rule that applied, or NULL */
    const struct bw_de_minimis_rule *rule;
    bool tax_prepaid;            /* tax collected by the vendor at sale */
    bool flat_duty;              /* the flat duty per subheading replaces the tariff */
    const bw_jurisdiction *jurisdiction;
    const bw_jur_version *version;
    bw_time assessed_at;
    bool over_buyer_limit;       /* assessed as if the buyer were over the rule's buyer limit */
    struct bw_revenue *revenue;  /* accepted: duties and taxes (in the record's arena) */
    /* When the relief given depends on the buyer's running total (rule->
     * buyer_limit >= 0): the outcome once the buyer is over the limit, for
     * the store to choose (in the record's arena); NULL otherwise. */
    struct bw_outcome *over_limit;
    /* Accepted, with a risk engine: lane, score and hits (record's arena);
     * shared with over_limit.  NULL when risk was not assessed. */
    struct bw_risk_result *risk;
    /* Accepted and assessed, not a quote: the de minimis simulator's
     * revenue basis (src/stats/simulate.h; record's arena), else NULL. */
    struct bw_sim_basis *sim_basis;
} bw_outcome;

typedef struct bw_pipeline {
    const bw_refdata *rd;
    bw_time as_of;               /* 0: the clock at each record */
    /* A buyer's estimate of a prospective purchase (quote): the fields only
     * a lodged declaration has (parties, documents, order and payment
     * agreement) are not required; what the assessment needs still is. */
    bool quote;
    /* Risk assessment of accepted declarations (src/risk/engine.h); NULL:
     * none (quotes never).  Not const: it learns from what it sees. */
    struct bw_risk_engine *risk;
} bw_pipeline;

/* Runs validate, assess and decide on a record the reader produced. */
void bw_pipeline_run(const bw_pipeline *p, bw_record *rec, bw_outcome *out);

/* Steps, exposed for tests and for later callers. */
const bw_jur_version *bw_validate(const bw_refdata *rd, bw_declaration *d, bw_time when,
                                  bw_issues *iss, const bw_jurisdiction **jur);
/* The fields a jurisdiction requires once the IRG category is known. */
void bw_validate_required(const bw_refdata *rd, const bw_declaration *d, const bw_jur_version *ver,
                          uint8_t category, bw_issues *iss);
void bw_assess_category(const bw_refdata *rd, const bw_declaration *d, const bw_jurisdiction *j,
                        const bw_jur_version *v, bw_time when, bw_issues *iss, bw_outcome *out);

#endif
