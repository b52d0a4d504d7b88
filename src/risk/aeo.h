/*
 * aeo.h - the AEO registry's status changes (WCO SAFE 4.2): an operator
 * granted, suspended or revoked from a date, with its mutual-recognition
 * partners, and whether it carries small sellers into AEO treatment.
 * Stored (src/store/store_aeo.h) and applied on top of data/aeo/ by the
 * party history (parties.h); the rule is data/aeo/README.md's.
 */
#ifndef BW_RISK_AEO_H
#define BW_RISK_AEO_H

#include "../store/store.h"

typedef struct bw_aeo_change {
    char id[72];
    char line[1400];              /* the 7 fields of data/aeo's format, tab-separated */
    bool carries;                 /* carries_small_sellers */
    char json[1800];              /* the change as given, canonical */
} bw_aeo_change;

/* {"id", "name", "country", "status": granted|active|suspended|revoked,
 *  "mutual_recognition": ["CN", ...], "valid_from", "valid_to",
 *  "carries_small_sellers"}; false with why (member and what is wrong). */
bool bw_aeo_change_parse(const char *json, size_t n, bw_aeo_change *out, char *why, size_t whylen);

/* Puts the stored changes in force in the engine's party history (after
 * the engine restored its learned state, and after every change). */
struct bw_risk_engine;
bool bw_aeo_reload(struct bw_risk_engine *e, bw_store *s, char *err, size_t errlen);

#endif
