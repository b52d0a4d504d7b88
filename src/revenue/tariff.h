/*
 * tariff.h - duty rates by HS code, as data (data/tariffs/<ID>.tsv, format
 * in data/tariffs/README.md).
 *
 * For an item the line with the longest HS prefix of its code in force on
 * the assessment date applies: chapter lines are fallbacks, subheading
 * lines exceptions.  Rates are exact: percentages as parts per million of
 * the customs value, specific duties in ten-thousandths of the currency's
 * minor unit per kilogram or per item, so "EUR 0.035/kg" loses nothing.
 */
#ifndef BW_TARIFF_H
#define BW_TARIFF_H

#include "../core/core.h"

typedef enum { COMBINE_AD_VALOREM, COMBINE_SPECIFIC, COMBINE_MAX, COMBINE_MIN, COMBINE_SUM } bw_combine;
typedef enum { PER_NONE, PER_KG, PER_ITEM } bw_per;

#define BW_PPM 1000000            /* ad valorem: parts per million (1% = 10,000) */
#define BW_SPECIFIC_SCALE 10000   /* specific: 1/10,000 of a minor unit */

typedef struct bw_tariff_line {
    char hs[11];
    uint8_t hs_len;
    bw_time from, to;             /* to 0: open-ended */
    int64_t ad_valorem_ppm;       /* 0 when none */
    int64_t specific;             /* in BW_SPECIFIC_SCALE minor units per `per` */
    bw_per per;
    bw_combine combine;
    char *note;
} bw_tariff_line;

typedef struct bw_tariff bw_tariff;

/* Loads a tariff file; amounts are in the currency with `exponent` minor
 * digits.  NULL with err (file, line, what) on any malformed line. */
bw_tariff *bw_tariff_load(const char *path, int exponent, char *err, size_t errlen);
void bw_tariff_free(bw_tariff *t);
uint32_t bw_tariff_size(const bw_tariff *t);

/* The line for an HS code (digits only) on `when`, or NULL. */
const bw_tariff_line *bw_tariff_find(const bw_tariff *t, const char *hs, size_t n, bw_time when);

/* The duty of one item under `line`, in minor units, rounded half away
 * from zero: value in minor units, net weight in milligrams, quantity in
 * thousandths.  false when the line needs a measure the item lacks (then
 * *duty is the ad valorem part alone, if any). */
bool bw_tariff_duty(const bw_tariff_line *line, int64_t value_minor, int64_t net_weight_mg,
                    int64_t quantity_milli, int64_t *duty);

/* value * num / den rounded half away from zero, exactly (128-bit); den > 0. */
/* What the rounding functions and bw_tariff_duty give when the exact
 * result does not fit an int64 (no real amount is this). */
#define BW_AMOUNT_OVERFLOW INT64_MIN
int64_t bw_mul_div_round(int64_t value, int64_t num, int64_t den);
/* value * a * b / den likewise (|value * a * b| < 2^127). */
int64_t bw_mul2_div_round(int64_t value, int64_t a, int64_t b, int64_t den);

#endif
