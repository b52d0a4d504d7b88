/*
 * refdata.h - the reference data a declaration is checked and decided
 * against: ISO country and currency codes, the HS nomenclature, exchange
 * rates and the jurisdictions' effective-dated parameters.
 *
 * Two sources, kept apart on purpose:
 *  - the project's own data directory (data/, `--data DIR`,
 *    BREAKWATER_DATA): jurisdictions and other files breakwater ships;
 *  - external public reference data (`--refdata DIR`, BREAKWATER_REFDATA),
 *    laid out like ../shared/data: the HS 2022 nomenclature and ECB
 *    exchange rates.  An administration points this at its own copies.
 *    Without it, HS codes get structural checks only and conversion between
 *    currencies is unavailable; both are reported as warnings.
 * ISO 3166-1 and ISO 4217 (with minor units) come from ICU; the published
 * ISO 4217 list (iso-currency-codes/codes-all.csv) replaces ICU's
 * currencies when the external reference data has it (process-wide).
 *
 * Loaded once, then read-only: safe to share between threads.
 */
#ifndef BW_REFDATA_H
#define BW_REFDATA_H

#include <stdio.h>

#include "../core/core.h"

typedef struct bw_refdata bw_refdata;
typedef struct bw_jurisdiction bw_jurisdiction;
typedef struct bw_jur_version bw_jur_version;
typedef struct bw_registry bw_registry;

/* Loads everything; NULL with a message in err on failure.  refdir may be
 * NULL (no external reference data). */
bw_refdata *bw_refdata_load(const char *datadir, const char *refdir, char *err, size_t errlen);
void bw_refdata_free(bw_refdata *rd);

/* The directories in force: the argument, else the environment variable,
 * else the compiled-in default (data) or none (refdata). */
const char *bw_default_datadir(const char *arg);
const char *bw_default_refdir(const char *arg);

/* ---- codes ----------------------------------------------------------------- */
bool bw_country_known(bw_str alpha2);
/* ISO 4217 minor-unit exponent, or -1 for an unknown currency. */
int bw_currency_exponent(bw_str code);

/* ---- HS nomenclature ------------------------------------------------------- */
bool bw_hs_loaded(const bw_refdata *rd);
/* Whether the 6-digit subheading (first six characters of code) exists. */
bool bw_hs_subheading_exists(const bw_refdata *rd, const char *code6);

/* ---- exchange rates -------------------------------------------------------- */
bool bw_fx_loaded(const bw_refdata *rd);
/* Converts minor units of `from` into minor units of `to` at the rate in
 * force on `when` (the latest published on or before that day).  Rounding:
 * half away from zero to the target's minor unit.  false when either
 * currency has no rate on or before that day. */
bool bw_fx_convert(const bw_refdata *rd, int64_t minor, bw_str from, bw_str to, bw_time when,
                   int64_t *out);

/* ---- jurisdictions --------------------------------------------------------- */
const bw_jurisdiction *bw_jurisdiction_find(const bw_refdata *rd, bw_str id);
uint32_t bw_jurisdiction_count(const bw_refdata *rd);
const bw_jurisdiction *bw_jurisdiction_get(const bw_refdata *rd, uint32_t i);
const char *bw_jurisdiction_ids(const bw_refdata *rd); /* "AU, CA, ..." for messages */
/* The parameters in force on `when`, or NULL before the first version. */
const bw_jur_version *bw_jurisdiction_at(const bw_jurisdiction *j, bw_time when);

/* ---- vendor tax-scheme registries (registry.h) ------------------------------ */
const bw_registry *bw_refdata_registry(const bw_refdata *rd);

#endif
