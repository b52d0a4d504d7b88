/*
 * revenue.h - customs value, duties and taxes of a consignment (Standards
 * 7 and 8; docs/revenue.md states every modelling choice).
 *
 * Per item, in the jurisdiction's currency: the value converted at the
 * rate in force, freight and insurance apportioned by value (largest
 * remainder) when the jurisdiction values CIF, the customs value, the duty
 * from the tariff line with the longest HS prefix (or the flat duty per
 * distinct subheading where one replaces the relief), the tax base
 * (customs value + duty, + transport where the jurisdiction says so) and
 * each tax at its rate.  Each item's duty and each tax are rounded half
 * away from zero to the minor unit, then summed.  Whether duty and tax are
 * due at all is the IRG assessment's (pipeline/assess.c): under de minimis
 * nothing is computed; tax collected by the vendor is computed and marked
 * prepaid.
 */
#ifndef BW_REVENUE_H
#define BW_REVENUE_H

#include "../pipeline/pipeline.h"
#include "tariff.h"
#include "tax.h"

typedef struct bw_item_revenue {
    int64_t value;               /* the item's value in the jurisdiction's currency */
    int64_t transport;           /* its share of freight and insurance */
    int64_t customs_value;
    int64_t duty;
    const char *duty_rule;       /* the tariff line's note, or why no duty */
    int64_t duty_rate_ppm;       /* the ad valorem part, for display */
    int64_t tax_base;
    unsigned n_taxes;
    bw_tax_rate taxes[BW_TAX_NAMES_MAX];
    int64_t tax[BW_TAX_NAMES_MAX];
} bw_item_revenue;

typedef struct bw_revenue {
    bool computed;               /* false: nothing could be assessed (see problem) */
    const char *problem;         /* why not, or a caveat */
    const char *currency;
    bw_item_revenue *items;
    uint32_t n_items;
    int64_t customs_value, duty, tax;
    bool tax_prepaid;            /* collected by the vendor at sale (IOSS, UK VAT, ARN) */
    int64_t due;                 /* what the border collects: duty + tax unless prepaid */
    const char *payer;           /* of what is due: "intermediary" (its account), "buyer" */
} bw_revenue;

/* Assesses a validated declaration whose IRG outcome is known.  Memory
 * comes from arena.  Returns false (with out->problem) when a needed rate
 * or exchange rate is missing. */
bool bw_assess_revenue(const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o, bw_arena *arena,
                       bw_revenue *out);

/* The assessment as a JSON object, and as the member `,"revenue":{...}`
 * of a result line. */
void bw_revenue_object(const bw_revenue *r, int exponent, bw_buf *out);
void bw_revenue_json(const bw_revenue *r, int exponent, bw_buf *out);

#endif
