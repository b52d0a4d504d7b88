/*
 * profiles.h - risk profiles: analysts' declarative, effective-dated
 * criteria on a declaration and what the detectors already know about it,
 * each with a score and/or a forced lane, a reason and an owner (WCO
 * E-Commerce FoS Standard 4: risk management with advance data).
 *
 * Profiles are JSON (format: data/profiles/README.md), loaded from the
 * .json files of <datadir>/profiles and edited by analysts through the
 * API; an edit is a whole profile (same id replaces) or a tombstone
 * {"id": .., "deleted": true}.  Loading and editing produce a new compiled
 * set; the old one stays valid for whoever still uses it, so a server can
 * swap sets (hot reload) without stopping evaluation.
 *
 * Compiled, a set indexes every profile per jurisdiction under its most
 * selective criterion (its "anchor": a party id, an HS prefix, an HS
 * prefix with the item's origin or with a party flag, a route, a country,
 * a screening hit, a party flag, a small enumeration, the order of
 * magnitude of an amount or the weight), so a declaration is checked in
 * full only against the profiles its own values point at; the few
 * profiles with no indexable criterion are checked always.  Cost grows
 * with the number of candidate profiles, not with the size of the set.
 *
 * Evaluation reads only bw_risk_facts and adds one hit per matching
 * profile: code "profile", ref = the profile id, the profile's reason,
 * score and lane, and evidence {"owner":..,"criteria":{..}} naming each
 * criterion with the declared value that satisfied it.
 *
 * Thread safety: a compiled set is read-only; any number of threads may
 * evaluate it at once (each thread keeps one small evidence buffer).
 * Parsed profiles are reference counted and shared between the sets
 * compiled from them.
 */
#ifndef BW_PROFILES_H
#define BW_PROFILES_H

#include "risk.h"

typedef struct bw_profile bw_profile;   /* one parsed profile (or tombstone) */
typedef struct bw_profiles bw_profiles; /* a compiled, read-only set */

/* ---- parsing ---------------------------------------------------------------
 * Errors name the member: "profile RP-EU-0001: when.hs[1]: \"95x\" is not
 * an HS prefix (2 to 10 digits)"; with a file, prefixed by "file: ".  When
 * the id itself is unusable the profile is named by its position
 * ("profile [3]"). */

/* One profile from JSON text (an API request body); NULL with err. */
bw_profile *bw_profile_parse(const char *json, size_t n, char *err, size_t errlen);

/* Every profile of a JSON text holding an array of profiles or a single
 * one; `file` (may be NULL) prefixes messages.  Returns a malloc'd array
 * of *count profiles (free each, then the array), NULL with err. */
bw_profile **bw_profiles_parse_many(const char *json, size_t n, const char *file, size_t *count, char *err,
                                    size_t errlen);

/* The profiles of one file, as bw_profiles_parse_many. */
bw_profile **bw_profiles_read_file(const char *path, size_t *count, char *err, size_t errlen);

/* Drops the caller's reference. */
void bw_profile_free(bw_profile *p);

const char *bw_profile_id(const bw_profile *p);
bool bw_profile_deleted(const bw_profile *p);

/* What a profile says besides its criteria (listing, the API). */
typedef struct bw_profile_info {
    const char *id, *owner, *reason;       /* owner, reason may be NULL in a tombstone */
    bool deleted;
    bw_time valid_from;
    bw_time valid_to;                      /* the last day in force; -1: open */
    const char *const *jurisdictions;      /* none: every jurisdiction */
    size_t n_jurisdictions;
    bool has_score;
    int32_t score;
    bw_lane lane;                          /* BW_LANE_NONE: no forced lane */
} bw_profile_info;

void bw_profile_info_get(const bw_profile *p, bw_profile_info *out);

/* The profile in canonical JSON: fixed key order, lists sorted without
 * duplicates, empty criteria left out, amounts as decimal strings.  Parsing
 * it gives the same profile. */
void bw_profile_json(const bw_profile *p, bw_buf *out);

/* ---- compiled sets ----------------------------------------------------------- */

/* Loads every .json file of <datadir>/profiles in name order (a missing
 * directory is an empty set) and compiles them.  Files are what ships: a
 * repeated id, in one file or two, is an error naming both files, and so
 * is a tombstone.  NULL with err. */
bw_profiles *bw_profiles_load(const char *datadir, char *err, size_t errlen);
/* The same for the files named. */
bw_profiles *bw_profiles_load_files(const char *const *paths, size_t n, char *err, size_t errlen);

/* A new set: the profiles of `base` (NULL: none) with `edits` applied in
 * order: a profile replaces the one with its id or is added, a tombstone
 * removes it (or does nothing).  base and the edits stay the caller's. */
bw_profiles *bw_profiles_compile(const bw_profiles *base, bw_profile *const *edits, size_t n_edits);

void bw_profiles_free(bw_profiles *ps);

size_t bw_profiles_count(const bw_profiles *ps);
/* The i-th profile in id order, and the profile with an id (NULL: none). */
const bw_profile *bw_profiles_at(const bw_profiles *ps, size_t i);
const bw_profile *bw_profiles_find(const bw_profiles *ps, const char *id, size_t n);

/* {"count":N,"profiles":[..canonical profiles in id order..]} */
void bw_profiles_json(const bw_profiles *ps, bw_buf *out);

/* ---- evaluation -------------------------------------------------------------- */

/* Adds a hit to r for every profile in force at f->when, for
 * f->jurisdiction, whose criteria all hold; hits come in profile id
 * order.  The "hits" criterion looks at f->so_far as it was on entry
 * (it may be r itself), so profiles never see each other's hits. */
void bw_profiles_evaluate(const bw_profiles *ps, const bw_risk_facts *f, bw_risk_result *r);

/* The same without the indexes: every profile checked in full.  The
 * reference the indexes must agree with (tests), and a baseline. */
void bw_profiles_evaluate_all(const bw_profiles *ps, const bw_risk_facts *f, bw_risk_result *r);

/* ---- how a set is indexed (breakwater profiles lint) -------------------------- */

typedef enum bw_profile_anchor {
    BW_ANCHOR_SELLER,
    BW_ANCHOR_BUYER,
    BW_ANCHOR_PLATFORM,
    BW_ANCHOR_CARRIER,
    BW_ANCHOR_SUBMITTER,
    BW_ANCHOR_HITS,
    BW_ANCHOR_HS_ORIGIN,   /* an item's HS prefix and its origin together */
    BW_ANCHOR_PARTY_HS,    /* a party flag and an item's HS prefix together */
    BW_ANCHOR_ROUTE,       /* loading and arrival place together */
    BW_ANCHOR_HS,
    BW_ANCHOR_LOADING,
    BW_ANCHOR_ARRIVAL,
    BW_ANCHOR_ORIGIN,
    BW_ANCHOR_DESTINATION,
    BW_ANCHOR_PARTY,
    BW_ANCHOR_CATEGORY,
    BW_ANCHOR_MODE,
    BW_ANCHOR_COLLECTION,
    BW_ANCHOR_TRANSACTION,
    BW_ANCHOR_VALUE,       /* by magnitude: the bit length of the whole part */
    BW_ANCHOR_WEIGHT,      /* likewise, in grams */
    BW_ANCHOR_VALUE_PER_KG,
    BW_ANCHOR_UNIT_VALUE,  /* an item's, by magnitude */
    BW_ANCHOR_ALWAYS,      /* nothing indexable: checked for every declaration */
    BW_ANCHOR_COUNT
} bw_profile_anchor;

extern const char *const bw_profile_anchor_names[]; /* "seller", ... "always" */

/* Per jurisdiction the set has an index for; jurisdiction "*" is the index
 * used for jurisdictions no profile names (profiles for all of them). */
typedef struct bw_profiles_jur_stats {
    char jurisdiction[16];
    uint32_t profiles;
    uint32_t by_anchor[BW_ANCHOR_COUNT];
} bw_profiles_jur_stats;

/* The index the i-th profile (id order) is filed under. */
bw_profile_anchor bw_profiles_anchor_of(const bw_profiles *ps, size_t i);

/* Fills up to cap entries; returns how many there are. */
size_t bw_profiles_stats(const bw_profiles *ps, bw_profiles_jur_stats *out, size_t cap);

/* Jurisdictions named by the set's profiles (for checking them against the
 * loaded reference data): calls fn once per distinct name. */
void bw_profiles_each_jurisdiction(const bw_profiles *ps, void (*fn)(const char *jur, void *ctx), void *ctx);

/* ---- synthetic profiles (benchmark and tests) ---------------------------------- */

/* A JSON array of n deterministic, plausible profiles (ids "SYN-000001"..)
 * for jurisdictions EU GB US AU CA CN: a mix of anchors like an analysts'
 * set: seller and buyer watch entries, subheadings with origins or
 * prices, carriers and platforms with goods, routes, heavy cheap parcels,
 * screening hits, first-time parties with risky goods, and about 1% with
 * no indexable criterion (one-week campaigns over a whole jurisdiction).
 * malloc'd, NUL-terminated. */
char *bw_profiles_synth_json(uint32_t n, uint64_t seed);

/* ---- the parsed form ----------------------------------------------------------
 * Shared by profile_parse.c (text forms) and profiles.c (indexes and
 * evaluation) only; everything else uses the functions above. */
#ifdef BW_PROFILES_INTERNAL

/* Which criteria a profile has (bw_profile.crit). */
enum {
    PF_HS = 1u << 0, PF_ORIGIN = 1u << 1, PF_DESTINATION = 1u << 2, PF_LOADING = 1u << 3,
    PF_ARRIVAL = 1u << 4, PF_MODE = 1u << 5, PF_SELLER = 1u << 6, PF_BUYER = 1u << 7,
    PF_PLATFORM = 1u << 8, PF_CARRIER = 1u << 9, PF_SUBMITTER = 1u << 10, PF_VALUE = 1u << 11,
    PF_WEIGHT = 1u << 12, PF_UNIT_VALUE = 1u << 13, PF_VALUE_PER_KG = 1u << 14, PF_COLLECTION = 1u << 15,
    PF_TRANSACTION = 1u << 16, PF_CATEGORY = 1u << 17, PF_HITS = 1u << 18, PF_PARTY = 1u << 19,
};
#define PF_ITEM_LEVEL (PF_HS | PF_ORIGIN | PF_UNIT_VALUE)

/* Party ids, in the order of the criteria names seller .. submitter. */
enum { PF_ID_SELLER, PF_ID_BUYER, PF_ID_PLATFORM, PF_ID_CARRIER, PF_ID_SUBMITTER, PF_ID_KINDS };

/* A set of distinct strings in byte order (binary searched). */
typedef struct pf_strs {
    char **v;
    uint32_t *len;
    uint32_t n;
} pf_strs;

/* A set of the 676 two-letter codes AA..ZZ, bit (a*26 + b). */
typedef struct pf_countries {
    uint64_t w[11];
} pf_countries;

/* A closed interval of non-negative decimals; either end may be open. */
typedef struct pf_range {
    bool has_min, has_max;
    bw_decimal min, max;
} pf_range;

struct bw_profile {
    uint32_t refs;                 /* atomic */
    char *id, *owner, *reason;     /* owner, reason may be NULL in a tombstone */
    bool deleted;                  /* a tombstone: removes the profile of this id */
    bw_time valid_from;            /* first day in force */
    bw_time valid_until;           /* the day after valid_to (exclusive); INT64_MAX: open */
    pf_strs jurisdictions;         /* empty: every jurisdiction */
    uint32_t crit;                 /* PF_* present */
    uint64_t *hs;                  /* HS prefixes as (digits << 4 | length), ascending */
    uint32_t n_hs;
    uint16_t hs_lens;              /* bit per prefix length present */
    pf_countries origin, destination;
    pf_countries loading_country, arrival_country; /* 2-letter entries */
    uint64_t *loading_code, *arrival_code;         /* 5-letter UN/LOCODEs packed, ascending */
    uint32_t n_loading_code, n_arrival_code;
    uint8_t modes, collections, transactions, categories; /* bit per enum value */
    uint32_t party;                /* BW_PARTY_* any of */
    pf_strs ids[PF_ID_KINDS];
    pf_strs hits;                  /* hit code prefixes, whole dotted segments */
    pf_range value, weight_g, unit_value, value_per_kg;
    bool has_score;
    int32_t score;
    bw_lane lane;                  /* BW_LANE_NONE: no forced lane */
};

extern const char *const bw_profile_id_names[PF_ID_KINDS]; /* "seller", ... "submitter" */

bool pf_strs_has(const pf_strs *s, const char *p, size_t n);
static inline bool pf_country_has(const pf_countries *c, unsigned code)
{
    return (c->w[code >> 6] >> (code & 63)) & 1;
}
/* The index of a two-letter upper-case code, or -1. */
static inline int pf_country_code(const char *p, size_t n)
{
    if (n < 2 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z')
        return -1;
    return (p[0] - 'A') * 26 + (p[1] - 'A');
}
/* A 5-character UN/LOCODE packed so that numeric order is byte order. */
static inline uint64_t pf_locode_pack(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 5; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}

#endif /* BW_PROFILES_INTERNAL */

#endif
