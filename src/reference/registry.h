/*
 * registry.h - the vendor tax-scheme registries: which IOSS (EU), UK VAT
 * (GB) and ARN (AU) numbers were issued, and on which days they may be
 * used (WCO Cross-Border E-Commerce Framework, Standard 7: vendor
 * collection).  Validation checks a number's shape against the
 * jurisdiction's pattern; only a registry can say that the number exists
 * and has not been revoked.
 *
 * Files: data/registries/README.md.  bw_refdata_load reads every *.tsv in
 * <datadir>/registries/ and every file named in BREAKWATER_REGISTRY
 * (colon-separated).  Read-only once loaded: safe to share between threads.
 */
#ifndef BW_REGISTRY_H
#define BW_REGISTRY_H

#include "refdata.h"

typedef struct bw_registry bw_registry;

/* The rule, for one scheme, number and day d (a row covers d when
 * from <= d < to, `to` empty meaning open):
 *   UNVERIFIED  no row of this scheme is loaded at all;
 *   REVOKED     a `revoked` row of the number covers d (whatever else);
 *   VALID       a `valid` row covers d;
 *   EXPIRED     the number has `valid` rows, none covering d;
 *   UNKNOWN     the number has no `valid` row (and no revocation covers d). */
typedef enum bw_registry_status {
    BW_REGISTRY_UNVERIFIED,
    BW_REGISTRY_VALID,
    BW_REGISTRY_UNKNOWN,
    BW_REGISTRY_REVOKED,
    BW_REGISTRY_EXPIRED,
} bw_registry_status;

/* Why a number is not valid, for messages. */
typedef struct bw_registry_verdict {
    bw_registry_status status;
    /* REVOKED: the first day of the revocation; EXPIRED: the first day the
     * number was no longer registered, or, when not_yet, the first day it
     * will be */
    bw_time since;
    bool not_yet;
} bw_registry_verdict;

/* Loads the registries for the reference data being built (its
 * jurisdictions name the schemes and their number patterns).  An empty
 * registry when there are no files; NULL with "file:line: why" in err when
 * a file cannot be read or has a bad line.  Called by bw_refdata_load. */
bw_registry *bw_registry_load(const bw_refdata *rd, const char *datadir, char *err, size_t errlen);
void bw_registry_free(bw_registry *reg);

/* The status of `number` under the scheme named `scheme` (a vendor_schemes
 * name of the jurisdiction files: "IOSS", "UK VAT", "ARN or ABN") on
 * `when`.  why may be NULL.  No allocation, no lock: one hash probe. */
bw_registry_status bw_registry_check(const bw_refdata *rd, const char *scheme, bw_str number,
                                     bw_time when, bw_registry_verdict *why);

/* Rows loaded for the scheme, or for every scheme when scheme is NULL. */
size_t bw_registry_count(const bw_refdata *rd, const char *scheme);

#endif
