/*
 * oga.h - other government agencies at the single window (WCO 8.2): the
 * interests an agency registers (HS prefixes, keywords, origins, each
 * effective-dated) and which goods of a declaration they match.
 *
 * Interests come from reference data (data/agencies/ (*.json), README there)
 * and from the store (registered through the API or the CLI); the store
 * matches every accepted declaration against both in its storing
 * transaction (store_oga.c) and queues the matches for the agency.  This
 * file is pure: no SQL, no HTTP.
 */
#ifndef BW_LC_OGA_H
#define BW_LC_OGA_H

#include "../core/core.h"
#include "../model/declaration.h"

#define BW_OGA_ID_MAX 70
#define BW_OGA_MAX_TERMS 64       /* prefixes, keywords or origins in one interest */
#define BW_OGA_KEYWORD_MAX 128    /* bytes, normalized */

/* One interest of one agency.  Within a list any entry matches; across
 * the lists given all must match (HS 0901 AND origin BR); at least one
 * list is given. */
typedef struct bw_oga_interest {
    char agency[BW_OGA_ID_MAX + 1], id[BW_OGA_ID_MAX + 1];
    char **hs;                    /* digits only, 2 to 10 of them */
    char **keywords;              /* normalized (normalize.h, no flags): words or phrases */
    char (*origins)[3];           /* ISO 3166-1 alpha-2 */
    uint32_t n_hs, n_keywords, n_origins;
    bw_time from, to;             /* [from, to); to INT64_MAX: open-ended */
    const char *source;           /* "file" or "store" */
    char *json;                   /* the interest as given (canonical JSON), for listings */
} bw_oga_interest;

typedef struct bw_oga_set {
    bw_oga_interest *v;
    size_t n, cap;
} bw_oga_set;

/* An agency id: 1-70 of A-Z a-z 0-9 - _ . */
bool bw_oga_agency_ok(const char *agency);

/* Parses one interest object ({"id", "hs_prefixes", "keywords", "origins",
 * "valid_from", "valid_to", "note"}) of `agency`; false with why (the
 * member and what is wrong).  out is freed with bw_oga_interest_free. */
bool bw_oga_interest_parse(const char *agency, const char *json, size_t n, bw_oga_interest *out, char *why,
                           size_t whylen);
void bw_oga_interest_free(bw_oga_interest *in);

/* Moves *in into the set (in is emptied); false when out of memory. */
bool bw_oga_set_add(bw_oga_set *s, bw_oga_interest *in);
void bw_oga_set_free(bw_oga_set *s);

/* Every data/agencies/ (*.json) of datadir in name order into out; no folder:
 * none.  false with "file: where: why" (nothing added from a bad file). */
bool bw_oga_load_dir(const char *datadir, bw_oga_set *out, char *err, size_t errlen);

/* The interests of the reference data (bw_default_datadir), loaded once;
 * a bad file is reported on stderr and gives none. */
const bw_oga_set *bw_oga_file_interests(void);

/* What of a declaration interests can match, copied (the row outlives the
 * declaration): per item its HS code (digits), normalized description and
 * origin (the item's, else the seller's country). */
typedef struct bw_oga_item {
    const char *hs, *description, *origin;
} bw_oga_item;
typedef struct bw_oga_goods {
    bw_oga_item *items;
    uint32_t n;
} bw_oga_goods;
const bw_oga_goods *bw_oga_goods_of(const bw_declaration *d, bw_arena *arena);

/* Whether the interest, in force at `at`, matches item i; on says how
 * ("hs 0901, keyword coffee, origin BR"). */
bool bw_oga_matches(const bw_oga_interest *in, const bw_oga_item *it, bw_time at, char *on, size_t onlen);

/* The body of an agency's hold or release: empty, or {"note": "why"} (at
 * most 500 bytes of UTF-8); *note NULL when none.  false with why. */
bool bw_oga_act_body(const char *json, size_t n, bw_arena *arena, const char **note, char *why, size_t whylen);

#endif
