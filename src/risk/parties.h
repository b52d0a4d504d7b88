/*
 * parties.h - party history (§2.3.3): what customs has seen of each seller,
 * buyer, platform, carrier and submitter, and what that says about the
 * declaration in front of it.
 *
 * Per party: when it was first and last seen, how many declarations and
 * items, and how its inspections came out.  From the outcomes, a compliance
 * estimate with its uncertainty: the Beta(1+c, 1+d) posterior of the rate
 * of compliant inspections (c compliant, d with a discrepancy or a seizure),
 * its mean and its 90% interval.  First-time and occasional parties score
 * up, parties proven non-compliant score up, parties proven compliant and
 * authorised economic operators (data/aeo/) score down.  Nothing here ever
 * forces a lane: random selection is decided later (lanes.c) and applies to
 * trusted parties too.
 *
 * No personal data is kept: a party is a 64-bit XXH3 hash of its role and
 * normalized identity (docs/risk-analytics.md says which fields), and
 * counts.  The state is in memory, shared by threads (striped locks), and
 * saved as bytes for the store to persist.
 */
#ifndef BW_PARTIES_H
#define BW_PARTIES_H

#include "risk.h"

typedef struct bw_parties bw_parties;

typedef enum bw_party_role {
    BW_ROLE_SELLER,
    BW_ROLE_BUYER,
    BW_ROLE_PLATFORM,
    BW_ROLE_CARRIER,
    BW_ROLE_SUBMITTER,
    BW_ROLE_COUNT
} bw_party_role;

extern const char *const bw_party_role_names[]; /* "seller", "buyer", ... */

typedef enum {
    BW_INSPECTION_COMPLIANT,
    BW_INSPECTION_DISCREPANCY,
    BW_INSPECTION_SEIZED
} bw_inspection_result;

/* An empty history with the AEO operators of every .tsv file in <datadir>/aeo
 * (format: data/aeo/README.md); datadir NULL or without an aeo folder: no
 * operators.  NULL with "file:line: why" in err on a bad file. */
bw_parties *bw_parties_new(const char *datadir, char *err, size_t errlen);
void bw_parties_free(bw_parties *p);

/* ORs BW_PARTY_* flags into *flags from the history of the declaration's
 * parties and adds the hits "party.first_time_seller",
 * "party.occasional_seller", "party.first_time_buyer",
 * "party.first_time_platform", "party.first_time_carrier",
 * "party.noncompliant", "party.compliant" (negative) and "party.aeo"
 * (negative), each with the party's history as evidence.  Reads only. */
void bw_parties_check(bw_parties *p, const bw_risk_facts *f, uint32_t *flags, bw_risk_result *r);

/* After the decision: the declaration was seen (first/last seen, volumes).
 * keys: bw_parties_keys of d, or NULL to derive them. */
void bw_parties_observe(bw_parties *p, const bw_declaration *d, const uint64_t *keys, bw_time when);

/* An inspection of the declaration came out as `res`: counted for each of
 * its parties (created if unknown). */
void bw_parties_outcome(bw_parties *p, const bw_declaration *d, bw_inspection_result res, bw_time when);

/* The key under which the declaration's party of `role` is kept; false when
 * the declaration does not identify one (no usable fields). */
bool bw_parties_key(const bw_declaration *d, bw_party_role role, uint64_t *key);
/* Every role's key (0: none): names are normalized once per declaration,
 * not once per detector (bw_risk_facts.party_keys). */
void bw_parties_keys(const bw_declaration *d, uint64_t keys[BW_ROLE_COUNT]);

/* The history of one party as a JSON object for an analyst's view
 * ({"role":..,"key":"<16 hex>","first_seen":..,"declarations":..,
 * "compliance":{..}}); false (nothing written) when unknown. */
bool bw_parties_json(bw_parties *p, bw_party_role role, uint64_t key, bw_buf *out);

/* Number of parties known. */
size_t bw_parties_count(bw_parties *p);

/* The history as bytes (format in docs/risk-analytics.md; the same history
 * gives the same bytes); 0, or -1 when out of memory. */
int bw_parties_save(bw_parties *p, bw_buf *out);
/* A history from saved bytes, with the AEO operators of datadir; NULL with
 * a message in err when the bytes are not a valid saved history. */
bw_parties *bw_parties_restore(const char *datadir, const void *bytes, size_t n, char *err, size_t errlen);

/* AEO status changes stored through the API or the CLI (src/risk/aeo.h),
 * applied on top of the files' rows: each line in the files' format (7
 * tab-separated fields, data/aeo/README.md), carries[i] whether that row's
 * operator carries small sellers into AEO treatment.  Replaces the previous
 * changes for the checks that start from now on; one caller at a time.
 * false with "stored AEO change:N: why" (nothing replaced). */
bool bw_parties_set_aeo_changes(bw_parties *p, const char *const *lines, const bool *carries, size_t n, char *err,
                                size_t errlen);
/* Whether one line is a valid AEO row (the same checks). */
bool bw_parties_aeo_line_ok(const char *line, char *err, size_t errlen);

/* The compliance estimate from c compliant and d non-compliant
 * inspections: the mean of Beta(1+c, 1+d) and its 5% and 95% quantiles. */
void bw_compliance_interval(uint32_t c, uint32_t d, double *estimate, double *low, double *high);

#endif
