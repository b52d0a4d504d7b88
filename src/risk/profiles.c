/*
 * profiles.c - compiled sets of risk profiles (profiles.h): loading the
 * files, applying analysts' edits, the per-jurisdiction indexes, and the
 * evaluation of one declaration with the evidence of each hit.
 *
 * Why indexes: an administration runs thousands of profiles, most about
 * one seller, one HS heading, one route.  Checking each against every
 * declaration costs O(profiles); instead every profile is filed under its
 * most selective criterion (its anchor) and a declaration looks up only
 * the keys it carries (its seller id, every prefix of each item's HS code,
 * its countries, its hits ...).  The profiles found are the candidates;
 * only they are checked in full.  An anchor is a necessary condition of
 * its profile, so the candidates are a superset of the hits and the
 * result equals checking every profile (bw_profiles_evaluate_all, and the
 * test that compares both on 10,000 profiles).
 *
 * Selectivity is estimated from the kind of criterion and the length of
 * its list (EST_* below: how often a declaration carries such a key), not
 * measured: the estimates only decide which index a profile sits in, never
 * whether it hits.
 */
#define BW_PROFILES_INTERNAL
#include "profiles.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

const char *const bw_profile_anchor_names[] = {
    "seller", "buyer", "platform", "carrier", "submitter", "hits", "hs+origin", "party+hs", "route", "hs",
    "loading", "arrival", "origin", "destination", "party", "category", "mode", "collection", "transaction",
    "value", "weight", "value_per_kg", "unit_value", "always", NULL,
};

static const int64_t P10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "breakwater: out of memory (profiles, %zu x %zu bytes)\n", n, size);
        abort();
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "breakwater: out of memory (profiles, %zu bytes)\n", n);
        abort();
    }
    return p;
}

/* ---- the compiled set ---------------------------------------------------------------- */

typedef struct prange {
    uint32_t start, n;   /* into jidx.post */
} prange;

/* One key of a hashed index and its profiles. */
typedef struct hslot {
    uint64_t h;
    uint32_t key;        /* offset into jidx.keys */
    uint16_t klen;
    uint8_t kind;        /* bw_profile_anchor; 0xff: empty slot */
    prange r;
} hslot;

/* The indexes of one jurisdiction. */
typedef struct jidx {
    char name[16];
    uint32_t name_len;
    uint32_t n_profiles;
    uint32_t by_anchor[BW_ANCHOR_COUNT];
    uint32_t kinds;               /* bit per anchor kind that has postings */
    uint16_t hs_lens, hso_lens, phs_lens; /* prefix lengths present under HS, HS+origin, party+HS */
    uint32_t phs_flags;           /* party flags present under party+HS */
    uint32_t *post;               /* profile numbers, ascending within a key */
    char *keys;
    hslot *slots;
    uint32_t mask;                /* slots - 1, a power of two minus one */
    uint64_t *bloom;              /* one bit per hashed key: most lookups miss, */
    uint32_t bloom_mask;          /* and miss here without touching the slots */
    prange origin[676], destination[676], party[32], category[5], mode[8], collection[4], transaction[4];
    prange value[65], weight[65], value_per_kg[65], unit_value[65]; /* by magnitude (see magnitude()) */
    prange always;
} jidx;

/* When a profile is in force, next to the others: candidates out of force
 * (campaigns past, profiles not yet valid) are dropped without touching
 * the profile itself. */
typedef struct in_force {
    bw_time from, until;
} in_force;

struct bw_profiles {
    bw_profile **v;       /* id order; the set holds one reference to each */
    uint32_t n;
    uint8_t *anchor;      /* per profile */
    in_force *dates;      /* per profile */
    jidx *idx;            /* one per jurisdiction some profile names, then "*" */
    uint32_t n_idx;
};

size_t bw_profiles_count(const bw_profiles *ps) { return ps ? ps->n : 0; }

const bw_profile *bw_profiles_at(const bw_profiles *ps, size_t i) { return ps && i < ps->n ? ps->v[i] : NULL; }

static int id_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int d = memcmp(a, b, an < bn ? an : bn);
    return d ? d : (an > bn) - (an < bn);
}

const bw_profile *bw_profiles_find(const bw_profiles *ps, const char *id, size_t n)
{
    uint32_t lo = 0, hi = ps ? ps->n : 0;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int d = id_cmp(ps->v[mid]->id, strlen(ps->v[mid]->id), id, n);
        if (d == 0)
            return ps->v[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void bw_profiles_free(bw_profiles *ps)
{
    if (!ps)
        return;
    for (uint32_t i = 0; i < ps->n_idx; i++) {
        free(ps->idx[i].post);
        free(ps->idx[i].keys);
        free(ps->idx[i].slots);
        free(ps->idx[i].bloom);
    }
    free(ps->idx);
    for (uint32_t i = 0; i < ps->n; i++)
        bw_profile_free(ps->v[i]);
    free(ps->v);
    free(ps->anchor);
    free(ps->dates);
    free(ps);
}

/* ---- choosing the anchor ------------------------------------------------------------------ */

/* How often a declaration carries one key of the kind, in parts per
 * million.  Rough, and deliberately so (see the top of the file). */
enum {
    EST_ALL = 1000000,
    EST_SELLER = 200, EST_BUYER = 100, EST_PLATFORM = 100000, EST_CARRIER = 50000, EST_SUBMITTER = 50000,
    EST_HIT = 10000, EST_ORIGIN = 100000, EST_DESTINATION = 50000, EST_PLACE_COUNTRY = 100000,
    EST_PLACE_CODE = 30000, EST_PARTY = 50000, EST_CATEGORY = 250000, EST_MODE = 300000,
    EST_COLLECTION = 330000, EST_TRANSACTION = 330000, EST_MAGNITUDE_COMMON = 120000, EST_MAGNITUDE_RARE = 10000,
    PAIRS_MAX = 64,  /* beyond this many keys for one profile, no composite anchor */
};

/* By HS prefix length: a chapter is common, a national subheading rare. */
static const uint32_t EST_HS[11] = {EST_ALL, EST_ALL, 40000, 15000, 8000, 4000, 2000, 1000, 500, 300, 200};

static uint64_t sat(uint64_t v) { return v > EST_ALL ? EST_ALL : v; }

static uint32_t countries_n(const pf_countries *c)
{
    uint32_t n = 0;
    for (int i = 0; i < 11; i++)
        n += (uint32_t)__builtin_popcountll(c->w[i]);
    return n;
}

static uint64_t hs_estimate(const bw_profile *p)
{
    uint64_t e = 0;
    for (uint32_t i = 0; i < p->n_hs; i++)
        e += EST_HS[p->hs[i] & 15];
    return sat(e);
}

static uint64_t places_n(const bw_profile *p, bool loading)
{
    return loading ? countries_n(&p->loading_country) + p->n_loading_code
                   : countries_n(&p->arrival_country) + p->n_arrival_code;
}

static uint64_t place_estimate(const pf_countries *c, uint32_t n_codes)
{
    return sat((uint64_t)countries_n(c) * EST_PLACE_COUNTRY + (uint64_t)n_codes * EST_PLACE_CODE);
}

/* The order of magnitude of a non-negative amount: the bit length of its
 * whole part (0 for under 1, 1 for 1, 2 for 2-3, 3 for 4-7 ...).  A range
 * [min, max] only holds for amounts whose magnitude lies between those of
 * min and max, so a magnitude is a key a profile can be filed under. */
static uint32_t magnitude(uint64_t whole) { return whole ? 64 - (uint32_t)__builtin_clzll(whole) : 0; }

static uint32_t magnitude_of(__int128 whole)
{
    return whole < 0 ? 0 : whole > (__int128)UINT64_MAX ? 64 : magnitude((uint64_t)whole);
}

/* The magnitude of num / den (both >= 0, den > 0); 64-bit division when
 * both fit, as a 128-bit one is a library call. */
static uint32_t magnitude_of_ratio(__int128 num, __int128 den)
{
    if (num >= 0 && num <= (__int128)UINT64_MAX && den > 0 && den <= (__int128)UINT64_MAX)
        return magnitude((uint64_t)num / (uint64_t)den);
    return magnitude_of(num / den);
}

static void magnitudes(const pf_range *r, uint32_t *lo, uint32_t *hi)
{
    *lo = r->has_min ? magnitude((uint64_t)(r->min.mantissa / P10[r->min.scale])) : 0;
    *hi = r->has_max ? magnitude((uint64_t)(r->max.mantissa / P10[r->max.scale])) : 64;
}

/* Magnitudes in [common_lo, common_hi) are common, the others rare. */
static uint64_t magnitude_estimate(const pf_range *r, uint32_t common_lo, uint32_t common_hi)
{
    uint32_t lo, hi;
    magnitudes(r, &lo, &hi);
    uint64_t e = 0;
    for (uint32_t m = lo; m <= hi; m++)
        e += m >= common_lo && m < common_hi ? EST_MAGNITUDE_COMMON : EST_MAGNITUDE_RARE;
    return sat(e);
}

typedef struct choice {
    bw_profile_anchor kind;
    uint64_t est;
} choice;

static void consider(choice *c, bool present, bw_profile_anchor kind, uint64_t est)
{
    if (present && est < c->est) {
        c->kind = kind;
        c->est = est;
    }
}

static bw_profile_anchor choose_anchor(const bw_profile *p)
{
    choice c = {BW_ANCHOR_ALWAYS, EST_ALL};
    static const uint32_t id_est[PF_ID_KINDS] = {EST_SELLER, EST_BUYER, EST_PLATFORM, EST_CARRIER, EST_SUBMITTER};
    for (int k = 0; k < PF_ID_KINDS; k++)
        consider(&c, p->crit & (PF_SELLER << k), (bw_profile_anchor)(BW_ANCHOR_SELLER + k),
                 sat((uint64_t)p->ids[k].n * id_est[k]));
    consider(&c, p->crit & PF_HITS, BW_ANCHOR_HITS, sat((uint64_t)p->hits.n * EST_HIT));
    uint32_t n_origin = countries_n(&p->origin);
    uint64_t origin_est = sat((uint64_t)n_origin * EST_ORIGIN);
    uint64_t party_est = sat((uint64_t)__builtin_popcount(p->party) * EST_PARTY);
    uint64_t loading_est = place_estimate(&p->loading_country, p->n_loading_code);
    uint64_t arrival_est = place_estimate(&p->arrival_country, p->n_arrival_code);
    consider(&c, (p->crit & PF_HS) && (p->crit & PF_ORIGIN) && (uint64_t)p->n_hs * n_origin <= PAIRS_MAX,
             BW_ANCHOR_HS_ORIGIN, hs_estimate(p) * origin_est / EST_ALL);
    consider(&c, (p->crit & PF_HS) && (p->crit & PF_PARTY) && (uint64_t)p->n_hs * __builtin_popcount(p->party) <= PAIRS_MAX,
             BW_ANCHOR_PARTY_HS, hs_estimate(p) * party_est / EST_ALL);
    consider(&c, (p->crit & PF_LOADING) && (p->crit & PF_ARRIVAL) && places_n(p, true) * places_n(p, false) <= PAIRS_MAX,
             BW_ANCHOR_ROUTE, loading_est * arrival_est / EST_ALL);
    consider(&c, p->crit & PF_HS, BW_ANCHOR_HS, hs_estimate(p));
    consider(&c, p->crit & PF_LOADING, BW_ANCHOR_LOADING, loading_est);
    consider(&c, p->crit & PF_ARRIVAL, BW_ANCHOR_ARRIVAL, arrival_est);
    consider(&c, p->crit & PF_ORIGIN, BW_ANCHOR_ORIGIN, origin_est);
    consider(&c, p->crit & PF_DESTINATION, BW_ANCHOR_DESTINATION,
             sat((uint64_t)countries_n(&p->destination) * EST_DESTINATION));
    consider(&c, p->crit & PF_PARTY, BW_ANCHOR_PARTY, party_est);
    consider(&c, p->crit & PF_CATEGORY, BW_ANCHOR_CATEGORY,
             sat((uint64_t)__builtin_popcount(p->categories) * EST_CATEGORY));
    consider(&c, p->crit & PF_MODE, BW_ANCHOR_MODE, sat((uint64_t)__builtin_popcount(p->modes) * EST_MODE));
    consider(&c, p->crit & PF_COLLECTION, BW_ANCHOR_COLLECTION,
             sat((uint64_t)__builtin_popcount(p->collections) * EST_COLLECTION));
    consider(&c, p->crit & PF_TRANSACTION, BW_ANCHOR_TRANSACTION,
             sat((uint64_t)__builtin_popcount(p->transactions) * EST_TRANSACTION));
    /* most values are 4 to 1023 in any currency, most parcels 64 g to 8 kg */
    consider(&c, p->crit & PF_VALUE, BW_ANCHOR_VALUE, magnitude_estimate(&p->value, 2, 10));
    consider(&c, p->crit & PF_WEIGHT, BW_ANCHOR_WEIGHT, magnitude_estimate(&p->weight_g, 6, 13));
    /* most goods cost 8 to 1023 a kg, most pieces 1 to 511 */
    consider(&c, p->crit & PF_VALUE_PER_KG, BW_ANCHOR_VALUE_PER_KG, magnitude_estimate(&p->value_per_kg, 4, 11));
    consider(&c, p->crit & PF_UNIT_VALUE, BW_ANCHOR_UNIT_VALUE, magnitude_estimate(&p->unit_value, 1, 9));
    return c.kind;
}

/* ---- building one jurisdiction's indexes ---------------------------------------------------- */

typedef struct posting {
    uint32_t key;       /* offset into the builder's key pool */
    uint16_t klen;
    uint8_t kind;
    uint32_t prof;
} posting;

typedef struct builder {
    posting *v;
    uint32_t n, cap;
    bw_buf keys;
} builder;

static void post(builder *b, bw_profile_anchor kind, const void *key, size_t klen, uint32_t prof)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->v = xrealloc(b->v, sizeof *b->v * b->cap);
    }
    b->v[b->n++] = (posting){(uint32_t)b->keys.n, (uint16_t)klen, (uint8_t)kind, prof};
    bw_buf_put(&b->keys, key, klen);
}

static void post_u16(builder *b, bw_profile_anchor kind, unsigned v, uint32_t prof)
{
    uint16_t k = (uint16_t)v;
    post(b, kind, &k, sizeof k, prof);
}

static void post_countries(builder *b, bw_profile_anchor kind, const pf_countries *c, uint32_t prof)
{
    for (unsigned cc = 0; cc < 676; cc++)
        if (pf_country_has(c, cc))
            post_u16(b, kind, cc, prof);
}

/* The entries of a loading or arrival list as text: countries (2
 * characters) then UN/LOCODEs (5), not NUL-terminated, with their lengths. */
typedef struct place_list {
    char (*v)[5];
    uint8_t *len;
    uint32_t n;
} place_list;

static place_list place_texts(const pf_countries *c, const uint64_t *codes, uint32_t n_codes)
{
    place_list l = {xcalloc(676 + n_codes, 5), xcalloc(676 + n_codes, 1), 0};
    for (unsigned cc = 0; cc < 676; cc++)
        if (pf_country_has(c, cc)) {
            l.v[l.n][0] = (char)('A' + cc / 26);
            l.v[l.n][1] = (char)('A' + cc % 26);
            l.len[l.n++] = 2;
        }
    for (uint32_t i = 0; i < n_codes; i++) {
        for (int k = 0; k < 5; k++)
            l.v[l.n][k] = (char)(codes[i] >> (8 * (4 - k)));
        l.len[l.n++] = 5;
    }
    return l;
}

static void post_places(builder *b, bw_profile_anchor kind, const pf_countries *c, const uint64_t *codes,
                        uint32_t n, uint32_t prof)
{
    place_list l = place_texts(c, codes, n);
    for (uint32_t i = 0; i < l.n; i++)
        post(b, kind, l.v[i], l.len[i], prof);
    free(l.v);
    free(l.len);
}

/* A route key: the loading entry, '>', the arrival entry. */
static size_t route_key(char out[11], const char *from, size_t from_n, const char *to, size_t to_n)
{
    memcpy(out, from, from_n);
    out[from_n] = '>';
    memcpy(out + from_n + 1, to, to_n);
    return from_n + 1 + to_n;
}

static void post_routes(builder *b, const bw_profile *p, uint32_t prof)
{
    place_list from = place_texts(&p->loading_country, p->loading_code, p->n_loading_code);
    place_list to = place_texts(&p->arrival_country, p->arrival_code, p->n_arrival_code);
    for (uint32_t i = 0; i < from.n; i++)
        for (uint32_t j = 0; j < to.n; j++) {
            char key[11];
            post(b, BW_ANCHOR_ROUTE, key, route_key(key, from.v[i], from.len[i], to.v[j], to.len[j]), prof);
        }
    free(from.v);
    free(from.len);
    free(to.v);
    free(to.len);
}

static void post_bits(builder *b, bw_profile_anchor kind, uint32_t bits, uint32_t prof)
{
    for (unsigned i = 0; i < 32; i++)
        if (bits >> i & 1)
            post_u16(b, kind, i, prof);
}

/* Files profile `prof` under every key of its anchor. */
static void post_profile(builder *b, const bw_profile *p, bw_profile_anchor a, uint32_t prof)
{
    switch (a) {
    case BW_ANCHOR_SELLER: case BW_ANCHOR_BUYER: case BW_ANCHOR_PLATFORM: case BW_ANCHOR_CARRIER:
    case BW_ANCHOR_SUBMITTER: {
        const pf_strs *s = &p->ids[a - BW_ANCHOR_SELLER];
        for (uint32_t i = 0; i < s->n; i++)
            post(b, a, s->v[i], s->len[i], prof);
        break;
    }
    case BW_ANCHOR_HITS:
        for (uint32_t i = 0; i < p->hits.n; i++)
            post(b, a, p->hits.v[i], p->hits.len[i], prof);
        break;
    case BW_ANCHOR_HS_ORIGIN:
        for (uint32_t i = 0; i < p->n_hs; i++)
            for (unsigned cc = 0; cc < 676; cc++)
                if (pf_country_has(&p->origin, cc)) {
                    char key[10];
                    uint16_t o = (uint16_t)cc;
                    memcpy(key, &p->hs[i], 8);
                    memcpy(key + 8, &o, 2);
                    post(b, a, key, sizeof key, prof);
                }
        break;
    case BW_ANCHOR_PARTY_HS:
        for (uint32_t i = 0; i < p->n_hs; i++)
            for (unsigned bit = 0; bit < 32; bit++)
                if (p->party >> bit & 1) {
                    char key[9];
                    memcpy(key, &p->hs[i], 8);
                    key[8] = (char)bit;
                    post(b, a, key, sizeof key, prof);
                }
        break;
    case BW_ANCHOR_ROUTE: post_routes(b, p, prof); break;
    case BW_ANCHOR_HS:
        for (uint32_t i = 0; i < p->n_hs; i++)
            post(b, a, &p->hs[i], 8, prof);
        break;
    case BW_ANCHOR_LOADING:
        post_places(b, a, &p->loading_country, p->loading_code, p->n_loading_code, prof);
        break;
    case BW_ANCHOR_ARRIVAL:
        post_places(b, a, &p->arrival_country, p->arrival_code, p->n_arrival_code, prof);
        break;
    case BW_ANCHOR_ORIGIN: post_countries(b, a, &p->origin, prof); break;
    case BW_ANCHOR_DESTINATION: post_countries(b, a, &p->destination, prof); break;
    case BW_ANCHOR_PARTY: post_bits(b, a, p->party, prof); break;
    case BW_ANCHOR_CATEGORY: post_bits(b, a, p->categories, prof); break;
    case BW_ANCHOR_MODE: post_bits(b, a, p->modes, prof); break;
    case BW_ANCHOR_COLLECTION: post_bits(b, a, p->collections, prof); break;
    case BW_ANCHOR_TRANSACTION: post_bits(b, a, p->transactions, prof); break;
    case BW_ANCHOR_VALUE:
    case BW_ANCHOR_WEIGHT:
    case BW_ANCHOR_VALUE_PER_KG:
    case BW_ANCHOR_UNIT_VALUE: {
        uint32_t lo, hi;
        magnitudes(a == BW_ANCHOR_VALUE ? &p->value : a == BW_ANCHOR_WEIGHT ? &p->weight_g
                   : a == BW_ANCHOR_VALUE_PER_KG ? &p->value_per_kg : &p->unit_value, &lo, &hi);
        for (uint32_t m = lo; m <= hi; m++)
            post_u16(b, a, m, prof);
        break;
    }
    case BW_ANCHOR_ALWAYS:
    case BW_ANCHOR_COUNT: post(b, BW_ANCHOR_ALWAYS, "", 0, prof); break;
    }
}

static int posting_cmp(const void *x, const void *y, void *pool)
{
    const posting *a = x, *b = y;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    int d = id_cmp((const char *)pool + a->key, a->klen, (const char *)pool + b->key, b->klen);
    if (d)
        return d;
    return (a->prof > b->prof) - (a->prof < b->prof);
}

static bool same_key(const char *pool, const posting *a, const posting *b)
{
    return a->kind == b->kind && id_cmp(pool + a->key, a->klen, pool + b->key, b->klen) == 0;
}

/* A hash for short keys (ids, packed codes), inline because a declaration
 * asks a dozen of them: 8 bytes at a time, multiply and fold. */
static inline uint64_t key_hash(unsigned kind, const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ull * (kind + 1) ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0; /* the tail byte by byte: a short memcpy here stalls the load */
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

static inline uint32_t bloom_bit(const jidx *x, uint64_t h) { return (uint32_t)(h >> 40) & x->bloom_mask; }

static void slot_insert(jidx *x, unsigned kind, uint64_t h, uint32_t key, uint16_t klen, prange r)
{
    uint32_t bit = bloom_bit(x, h);
    x->bloom[bit >> 6] |= 1ull << (bit & 63);
    uint32_t i = (uint32_t)h & x->mask;
    while (x->slots[i].kind != 0xff)
        i = (i + 1) & x->mask;
    x->slots[i] = (hslot){h, key, klen, (uint8_t)kind, r};
}

/* The profiles of one key group go to an array slot or the hash table. */
static void place_group(jidx *x, const posting *g, prange r)
{
    uint16_t v = 0;
    if (g->klen == 2)
        memcpy(&v, x->keys + g->key, 2);
    x->kinds |= 1u << g->kind;
    switch ((bw_profile_anchor)g->kind) {
    case BW_ANCHOR_ORIGIN: x->origin[v] = r; break;
    case BW_ANCHOR_DESTINATION: x->destination[v] = r; break;
    case BW_ANCHOR_PARTY: x->party[v] = r; break;
    case BW_ANCHOR_CATEGORY: x->category[v] = r; break;
    case BW_ANCHOR_MODE: x->mode[v] = r; break;
    case BW_ANCHOR_COLLECTION: x->collection[v] = r; break;
    case BW_ANCHOR_TRANSACTION: x->transaction[v] = r; break;
    case BW_ANCHOR_VALUE: x->value[v] = r; break;
    case BW_ANCHOR_WEIGHT: x->weight[v] = r; break;
    case BW_ANCHOR_VALUE_PER_KG: x->value_per_kg[v] = r; break;
    case BW_ANCHOR_UNIT_VALUE: x->unit_value[v] = r; break;
    case BW_ANCHOR_ALWAYS: x->always = r; break;
    default: {
        const char *k = x->keys + g->key;
        if (g->kind == BW_ANCHOR_HS || g->kind == BW_ANCHOR_HS_ORIGIN || g->kind == BW_ANCHOR_PARTY_HS) {
            uint64_t hs;
            memcpy(&hs, k, 8);
            uint16_t len = (uint16_t)(1u << (hs & 15));
            if (g->kind == BW_ANCHOR_HS)
                x->hs_lens |= len;
            else if (g->kind == BW_ANCHOR_HS_ORIGIN)
                x->hso_lens |= len;
            else {
                x->phs_lens |= len;
                x->phs_flags |= 1u << (unsigned char)k[8];
            }
        }
        slot_insert(x, g->kind, key_hash(g->kind, k, g->klen), g->key, g->klen, r);
    }
    }
}

/* Turns the postings into x's arrays and hash table. */
static void index_build(jidx *x, builder *b)
{
    if (b->n > 1)
        qsort_r(b->v, b->n, sizeof *b->v, posting_cmp, b->keys.p);
    x->keys = b->keys.p ? b->keys.p : xcalloc(1, 1);
    b->keys.p = NULL;
    x->post = xcalloc(b->n, sizeof *x->post);
    uint32_t groups = 0;
    for (uint32_t i = 0; i < b->n; i++)
        groups += i == 0 || !same_key(x->keys, &b->v[i - 1], &b->v[i]);
    uint32_t cap = 16;
    while (cap < groups * 2)
        cap *= 2;
    x->slots = xcalloc(cap, sizeof *x->slots);
    for (uint32_t i = 0; i < cap; i++)
        x->slots[i].kind = 0xff;
    x->mask = cap - 1;
    uint32_t bits = 1024;
    while (bits < groups * 16)
        bits *= 2;
    x->bloom = xcalloc(bits / 64, sizeof *x->bloom);
    x->bloom_mask = bits - 1;
    uint32_t n_post = 0;
    for (uint32_t i = 0; i < b->n;) {
        uint32_t j = i;
        prange r = {n_post, 0};
        while (j < b->n && same_key(x->keys, &b->v[i], &b->v[j])) {
            if (r.n == 0 || x->post[n_post - 1] != b->v[j].prof) {
                x->post[n_post++] = b->v[j].prof;
                r.n++;
            }
            j++;
        }
        place_group(x, &b->v[i], r);
        i = j;
    }
}

static bool applies_in(const bw_profile *p, const char *jur)
{
    if (jur[0] == '*' && jur[1] == 0)
        return p->jurisdictions.n == 0;
    return p->jurisdictions.n == 0 || pf_strs_has(&p->jurisdictions, jur, strlen(jur));
}

static void jidx_build(bw_profiles *ps, jidx *x, const char *name)
{
    snprintf(x->name, sizeof x->name, "%s", name);
    x->name_len = (uint32_t)strlen(x->name);
    builder b = {0};
    for (uint32_t i = 0; i < ps->n; i++) {
        if (!applies_in(ps->v[i], name))
            continue;
        x->n_profiles++;
        x->by_anchor[ps->anchor[i]]++;
        post_profile(&b, ps->v[i], (bw_profile_anchor)ps->anchor[i], i);
    }
    index_build(x, &b);
    free(b.v);
    bw_buf_free(&b.keys);
}

/* ---- compiling ---------------------------------------------------------------------------- */

typedef struct entry {
    bw_profile *p;
    uint32_t seq;   /* base first, then the edits in order */
} entry;

static int entry_cmp(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    int d = strcmp(a->p->id, b->p->id);
    return d ? d : (a->seq > b->seq) - (a->seq < b->seq);
}

static int name_cmp(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

bw_profiles *bw_profiles_compile(const bw_profiles *base, bw_profile *const *edits, size_t n_edits)
{
    size_t n_base = base ? base->n : 0;
    entry *e = xcalloc(n_base + n_edits, sizeof *e);
    for (size_t i = 0; i < n_base; i++)
        e[i] = (entry){base->v[i], (uint32_t)i};
    for (size_t i = 0; i < n_edits; i++)
        e[n_base + i] = (entry){edits[i], (uint32_t)(n_base + i)};
    qsort(e, n_base + n_edits, sizeof *e, entry_cmp);

    bw_profiles *ps = xcalloc(1, sizeof *ps);
    ps->v = xcalloc(n_base + n_edits, sizeof *ps->v);
    ps->anchor = xcalloc(n_base + n_edits, 1);
    ps->dates = xcalloc(n_base + n_edits, sizeof *ps->dates);
    for (size_t i = 0; i < n_base + n_edits; i++) {
        bool last_of_id = i + 1 == n_base + n_edits || strcmp(e[i].p->id, e[i + 1].p->id) != 0;
        if (!last_of_id || e[i].p->deleted)
            continue;
        __atomic_add_fetch(&e[i].p->refs, 1, __ATOMIC_RELAXED);
        ps->anchor[ps->n] = (uint8_t)choose_anchor(e[i].p);
        ps->dates[ps->n] = (in_force){e[i].p->valid_from, e[i].p->valid_until};
        ps->v[ps->n++] = e[i].p;
    }
    free(e);

    /* an index per jurisdiction named, and "*" for the others */
    size_t n_names = 0;
    for (uint32_t i = 0; i < ps->n; i++)
        n_names += ps->v[i]->jurisdictions.n;
    char **names = xcalloc(n_names + 1, sizeof *names);
    size_t k = 0;
    for (uint32_t i = 0; i < ps->n; i++)
        for (uint32_t j = 0; j < ps->v[i]->jurisdictions.n; j++)
            names[k++] = ps->v[i]->jurisdictions.v[j];
    qsort(names, k, sizeof *names, name_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < k; i++)
        if (distinct == 0 || strcmp(names[distinct - 1], names[i]) != 0)
            names[distinct++] = names[i];
    names[distinct] = "*";
    ps->n_idx = (uint32_t)distinct + 1;
    ps->idx = xcalloc(ps->n_idx, sizeof *ps->idx);
    for (uint32_t i = 0; i < ps->n_idx; i++)
        jidx_build(ps, &ps->idx[i], names[i]);
    free(names);
    return ps;
}

/* ---- loading the files ----------------------------------------------------------------------- */

static int is_json(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

typedef struct loaded {
    bw_profile **v;
    const char **file;  /* the file of each (the caller's strings) */
    size_t n, cap;
} loaded;

static void loaded_add(loaded *l, bw_profile *p, const char *file)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, sizeof *l->v * l->cap);
        l->file = xrealloc(l->file, sizeof *l->file * l->cap);
    }
    l->v[l->n] = p;
    l->file[l->n++] = file;
}

typedef struct id_at {
    const char *id;
    size_t i;
} id_at;

static int at_cmp(const void *x, const void *y)
{
    const id_at *a = x, *b = y;
    int d = strcmp(a->id, b->id);
    return d ? d : (a->i > b->i) - (a->i < b->i);
}

/* Files are the shipped truth: a repeated id or a tombstone there is a mistake. */
static bool check_files(const loaded *l, char *err, size_t errlen)
{
    id_at *v = xcalloc(l->n, sizeof *v);
    bool ok = true;
    for (size_t i = 0; i < l->n; i++) {
        v[i] = (id_at){l->v[i]->id, i};
        if (l->v[i]->deleted && ok) {
            snprintf(err, errlen, "%s: profile %s: deleted: a tombstone is an edit, not something to ship; remove the profile instead",
                     l->file[i], l->v[i]->id);
            ok = false;
        }
    }
    qsort(v, l->n, sizeof *v, at_cmp);
    for (size_t i = 1; i < l->n && ok; i++)
        if (strcmp(v[i - 1].id, v[i].id) == 0) {
            snprintf(err, errlen, "%s: profile %s: id: also in %s", l->file[v[i].i], v[i].id, l->file[v[i - 1].i]);
            ok = false;
        }
    free(v);
    return ok;
}

bw_profiles *bw_profiles_load_files(const char *const *paths, size_t n_paths, char *err, size_t errlen)
{
    loaded l = {0};
    bool ok = true;
    for (size_t i = 0; i < n_paths && ok; i++) {
        size_t n = 0;
        bw_profile **v = bw_profiles_read_file(paths[i], &n, err, errlen);
        ok = v != NULL;
        for (size_t k = 0; k < n; k++)
            loaded_add(&l, v[k], paths[i]);
        free(v);
    }
    bw_profiles *ps = ok && check_files(&l, err, errlen) ? bw_profiles_compile(NULL, l.v, l.n) : NULL;
    for (size_t i = 0; i < l.n; i++)
        bw_profile_free(l.v[i]);
    free(l.v);
    free(l.file);
    return ps;
}

bw_profiles *bw_profiles_load(const char *datadir, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/profiles", datadir);
    struct dirent **names = NULL;
    int count = scandir(dir, &names, is_json, by_name);
    if (count < 0)
        return bw_profiles_compile(NULL, NULL, 0); /* no directory: no profiles */
    char **paths = xcalloc((size_t)count, sizeof *paths);
    for (int i = 0; i < count; i++) {
        size_t need = strlen(dir) + strlen(names[i]->d_name) + 2;
        paths[i] = xcalloc(need, 1);
        snprintf(paths[i], need, "%s/%s", dir, names[i]->d_name);
        free(names[i]);
    }
    free(names);
    bw_profiles *ps = bw_profiles_load_files((const char *const *)paths, (size_t)count, err, errlen);
    for (int i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
    return ps;
}

/* ---- checking one profile ------------------------------------------------------------------ */

/* The evidence of a hit, written only for profiles that matched (a hit is
 * rare next to the profiles checked, so its buffers are the hit's own). */
typedef struct ev {
    bw_buf out;      /* {"owner":..,"criteria":{..}} */
    bw_buf val;      /* the value being written */
    bool first;
} ev;


static void ev_open(ev *e, const char *key)
{
    if (!e->first)
        bw_buf_putc(&e->out, ',');
    e->first = false;
    bw_buf_putc(&e->out, '"');
    bw_buf_puts(&e->out, key);
    bw_buf_puts(&e->out, "\":");
    e->val.n = 0;
}

static void ev_close(ev *e) { bw_buf_put_json_str(&e->out, e->val.p ? e->val.p : "", e->val.n); }

static void ev_text(ev *e, const char *key, const char *s, size_t n)
{
    if (!e)
        return;
    ev_open(e, key);
    bw_buf_put(&e->val, s, n);
    ev_close(e);
}

/* v / 10^scale without trailing zeros ("500.000" -> "500", "1.250" -> "1.25"). */
static void put_trimmed(bw_buf *b, int64_t v, unsigned scale)
{
    size_t start = b->n;
    bw_buf_put_fixed(b, v, scale);
    if (!scale || !memchr(b->p + start, '.', b->n - start))
        return;
    while (b->p[b->n - 1] == '0')
        b->n--;
    if (b->p[b->n - 1] == '.')
        b->n--;
}

static void put_dec(bw_buf *b, bw_decimal d) { bw_buf_put_fixed(b, d.mantissa, d.scale); }

/* "min <= " before and " <= max" after a declared value. */
static void ev_range_open(ev *e, const char *key, const pf_range *r)
{
    ev_open(e, key);
    if (r->has_min) {
        put_dec(&e->val, r->min);
        bw_buf_puts(&e->val, " <= ");
    }
}

static void ev_range_close(ev *e, const pf_range *r, const char *suffix)
{
    if (r->has_max) {
        bw_buf_puts(&e->val, " <= ");
        put_dec(&e->val, r->max);
    }
    bw_buf_puts(&e->val, suffix);
    ev_close(e);
}

/* Whether num/den lies within r, exactly (den > 0; see the bounds on
 * decimals in profile_parse.c: every product fits 128 bits). */
static bool in_range(const pf_range *r, __int128 num, __int128 den)
{
    if (r->has_min && num * P10[r->min.scale] < (__int128)r->min.mantissa * den)
        return false;
    if (r->has_max && num * P10[r->max.scale] > (__int128)r->max.mantissa * den)
        return false;
    return true;
}

static bool amounts_known(const bw_risk_facts *f) { return f->currency && f->exponent >= 0 && f->exponent <= 4; }

static bool enum_in(uint8_t bits, const bw_enum *v) { return v->value < 8 && (bits >> v->value & 1); }

static bool id_in(const pf_strs *s, bw_str v) { return v.p && v.n && pf_strs_has(s, v.p, v.n); }

static bool country_in(const pf_countries *c, bw_str v)
{
    int cc = v.n == 2 ? pf_country_code(v.p, 2) : -1;
    return cc >= 0 && pf_country_has(c, (unsigned)cc);
}

static bool place_in(const pf_countries *c, const uint64_t *codes, uint32_t n, bw_str v)
{
    if (!v.p || v.n < 2)
        return false;
    int cc = pf_country_code(v.p, 2);
    if (cc >= 0 && pf_country_has(c, (unsigned)cc))
        return true;
    if (v.n != 5)
        return false;
    uint64_t key = pf_locode_pack(v.p);
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (codes[mid] == key)
            return true;
        if (codes[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool hs_in(const bw_profile *p, bw_str code)
{
    uint64_t d = 0;
    for (uint32_t len = 1; len <= code.n && len <= 10; len++) {
        char ch = code.p[len - 1];
        if (ch < '0' || ch > '9')
            return false;
        d = d * 10 + (uint64_t)(ch - '0');
        if (!(p->hs_lens >> len & 1))
            continue;
        uint64_t key = d << 4 | len;
        uint32_t lo = 0, hi = p->n_hs;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (p->hs[mid] == key)
                return true;
            if (p->hs[mid] < key)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return false;
}

/* The item's unit value (its value / its quantity) as num/den in the
 * jurisdiction's currency; a missing quantity counts as one unit. */
static bool unit_value(const bw_risk_facts *f, uint32_t i, __int128 *num, __int128 *den)
{
    const bw_item *it = &f->decl->items[i];
    if (!f->item_value || !amounts_known(f) || f->item_value[i] < 0)
        return false;
    int64_t q = 1000;
    if (it->quantity.present) {
        if (!it->quantity.ok || it->quantity.value <= 0)
            return false;
        q = it->quantity.value;
    }
    *num = (__int128)f->item_value[i] * 1000;
    *den = (__int128)P10[f->exponent] * q;
    return true;
}

static bool item_ok(const bw_profile *p, const bw_risk_facts *f, uint32_t i)
{
    const bw_item *it = &f->decl->items[i];
    if ((p->crit & PF_HS) && !hs_in(p, it->hs_code))
        return false;
    if ((p->crit & PF_ORIGIN) && !country_in(&p->origin, it->origin))
        return false;
    __int128 num, den;
    if ((p->crit & PF_UNIT_VALUE) && !(unit_value(f, i, &num, &den) && in_range(&p->unit_value, num, den)))
        return false;
    return true;
}

static void ev_item(ev *e, const bw_profile *p, const bw_risk_facts *f, uint32_t i)
{
    const bw_item *it = &f->decl->items[i];
    char at[32] = " (items[";
    size_t n = 8;
    char digits[12];
    int k = 0;
    uint32_t v = i;
    do
        digits[k++] = (char)('0' + v % 10);
    while ((v /= 10) > 0 && k < 11);
    while (k > 0)
        at[n++] = digits[--k];
    at[n++] = ']';
    at[n++] = ')';
    at[n] = 0;
    if (p->crit & PF_HS) {
        ev_open(e, "hs");
        bw_buf_put(&e->val, it->hs_code.p, it->hs_code.n);
        bw_buf_put(&e->val, at, n);
        ev_close(e);
    }
    if (p->crit & PF_ORIGIN) {
        ev_open(e, "origin");
        bw_buf_put(&e->val, it->origin.p, it->origin.n);
        bw_buf_put(&e->val, at, n);
        ev_close(e);
    }
    if (p->crit & PF_UNIT_VALUE) {
        ev_range_open(e, "unit_value", &p->unit_value);
        bw_buf_put_fixed(&e->val, f->item_value[i], (unsigned)f->exponent);
        bw_buf_puts(&e->val, " / ");
        put_trimmed(&e->val, it->quantity.present ? it->quantity.value : 1000, BW_QTY_SCALE);
        ev_range_close(e, &p->unit_value, at);
    }
}

/* The first item meeting every item-level criterion together, or -1. */
static int64_t item_match(const bw_profile *p, const bw_risk_facts *f)
{
    for (uint32_t i = 0; i < f->decl->n_items; i++)
        if (item_ok(p, f, i))
            return i;
    return -1;
}

/* Whether `code` is `prefix` or continues it with a '.' segment. */
static bool code_has_prefix(const char *code, const char *prefix, size_t n)
{
    return strncmp(code, prefix, n) == 0 && (code[n] == 0 || code[n] == '.');
}

static const char *hit_in(const bw_profile *p, const bw_risk_facts *f, uint32_t n_before)
{
    for (uint32_t i = 0; i < n_before; i++)
        for (uint32_t k = 0; k < p->hits.n; k++)
            if (code_has_prefix(f->so_far->hits[i].code, p->hits.v[k], p->hits.len[k]))
                return f->so_far->hits[i].code;
    return NULL;
}

static bool check_amounts(const bw_profile *p, const bw_risk_facts *f, ev *e)
{
    const bw_declaration *d = f->decl;
    int64_t cv = f->consignment_value;
    bool weight_known = d->gross_weight.present && d->gross_weight.ok && d->gross_weight.value >= 0;
    if (p->crit & PF_VALUE) {
        if (!amounts_known(f) || cv < 0 || !in_range(&p->value, cv, P10[f->exponent]))
            return false;
        if (e) {
            ev_range_open(e, "value", &p->value);
            bw_buf_put_fixed(&e->val, cv, (unsigned)f->exponent);
            ev_range_close(e, &p->value, "");
        }
    }
    if (p->crit & PF_WEIGHT) {
        if (!weight_known || !in_range(&p->weight_g, d->gross_weight.value, 1000))
            return false;
        if (e) {
            ev_range_open(e, "weight_g", &p->weight_g);
            put_trimmed(&e->val, d->gross_weight.value, BW_WEIGHT_SCALE);
            ev_range_close(e, &p->weight_g, "");
        }
    }
    if (p->crit & PF_VALUE_PER_KG) {
        /* value / (mg / 10^6) per kg */
        if (!amounts_known(f) || cv < 0 || !weight_known || d->gross_weight.value == 0 ||
            !in_range(&p->value_per_kg, (__int128)cv * 1000000, (__int128)P10[f->exponent] * d->gross_weight.value))
            return false;
        if (e) {
            ev_range_open(e, "value_per_kg", &p->value_per_kg);
            bw_buf_put_fixed(&e->val, cv, (unsigned)f->exponent);
            bw_buf_puts(&e->val, " / ");
            put_trimmed(&e->val, d->gross_weight.value, 6);
            bw_buf_puts(&e->val, " kg");
            ev_range_close(e, &p->value_per_kg, "");
        }
    }
    return true;
}

static void ev_flags(ev *e, const char *key, uint32_t bits, const char *const names[])
{
    ev_open(e, key);
    for (int i = 0; names[i]; i++)
        if (bits >> i & 1) {
            if (e->val.n)
                bw_buf_putc(&e->val, ',');
            bw_buf_puts(&e->val, names[i]);
        }
    ev_close(e);
}

/* The declaration-level criteria other than amounts. */
static bool check_fields(const bw_profile *p, const bw_risk_facts *f, uint32_t n_before, ev *e)
{
    const bw_declaration *d = f->decl;
    uint32_t c = p->crit;
    if ((c & PF_MODE) && !enum_in(p->modes, &d->transport.mode))
        return false;
    if ((c & PF_COLLECTION) && !enum_in(p->collections, &d->collection.model))
        return false;
    if ((c & PF_TRANSACTION) && !enum_in(p->transactions, &d->transaction_type))
        return false;
    if ((c & PF_CATEGORY) && !(f->category <= 4 && (p->categories >> f->category & 1)))
        return false;
    if ((c & PF_PARTY) && !(p->party & f->party_flags))
        return false;
    if ((c & PF_DESTINATION) && !country_in(&p->destination, d->buyer.address.country))
        return false;
    if ((c & PF_LOADING) &&
        !place_in(&p->loading_country, p->loading_code, p->n_loading_code, d->transport.loading_place))
        return false;
    if ((c & PF_ARRIVAL) &&
        !place_in(&p->arrival_country, p->arrival_code, p->n_arrival_code, d->transport.arrival_place))
        return false;
    const bw_str ids[PF_ID_KINDS] = {d->seller.id, d->buyer.id, d->order.platform.id, d->transport.carrier,
                                     d->submitter.id};
    for (int k = 0; k < PF_ID_KINDS; k++)
        if ((c & (PF_SELLER << k)) && !id_in(&p->ids[k], ids[k]))
            return false;
    const char *hit = NULL;
    if ((c & PF_HITS) && !(hit = hit_in(p, f, n_before)))
        return false;
    if (!e)
        return true;
    if (c & PF_MODE)
        ev_text(e, "mode", d->transport.mode.raw.p, d->transport.mode.raw.n);
    if (c & PF_COLLECTION)
        ev_text(e, "collection", d->collection.model.raw.p, d->collection.model.raw.n);
    if (c & PF_TRANSACTION)
        ev_text(e, "transaction", d->transaction_type.raw.p, d->transaction_type.raw.n);
    if (c & PF_CATEGORY)
        ev_text(e, "category", (char[]){(char)('0' + f->category)}, 1);
    if (c & PF_PARTY)
        ev_flags(e, "party", p->party & f->party_flags, bw_party_flag_names);
    if (c & PF_DESTINATION)
        ev_text(e, "destination", d->buyer.address.country.p, d->buyer.address.country.n);
    if (c & PF_LOADING)
        ev_text(e, "loading", d->transport.loading_place.p, d->transport.loading_place.n);
    if (c & PF_ARRIVAL)
        ev_text(e, "arrival", d->transport.arrival_place.p, d->transport.arrival_place.n);
    for (int k = 0; k < PF_ID_KINDS; k++)
        if (c & (PF_SELLER << k))
            ev_text(e, bw_profile_id_names[k], ids[k].p, ids[k].n);
    if (hit)
        ev_text(e, "hits", hit, strlen(hit));
    return true;
}

/* Whether every criterion of p holds for the declaration; with e, also
 * writes what satisfied each into e's criteria.  Cheap tests first. */
static bool matches(const bw_profile *p, const bw_risk_facts *f, uint32_t n_before, ev *e)
{
    if (f->when < p->valid_from || f->when >= p->valid_until)
        return false;
    if (!check_fields(p, f, n_before, e) || !check_amounts(p, f, e))
        return false;
    if (!(p->crit & PF_ITEM_LEVEL))
        return true;
    int64_t i = item_match(p, f);
    if (i >= 0 && e)
        ev_item(e, p, f, (uint32_t)i);
    return i >= 0;
}

static void add_hit(const bw_profile *p, const bw_risk_facts *f, uint32_t n_before, bw_risk_result *r, ev *e)
{
    e->out.n = 0;
    e->first = true;
    bw_buf_puts(&e->out, "{\"owner\":");
    bw_buf_put_json_str(&e->out, p->owner, strlen(p->owner));
    bw_buf_puts(&e->out, ",\"criteria\":{");
    matches(p, f, n_before, e);
    bw_buf_puts(&e->out, "}}");
    bw_risk_add(r, "profile", p->id, NULL, p->reason, bw_buf_cstr(&e->out), p->has_score ? p->score : 0, p->lane);
}

/* add_hit with evidence buffers of its own. */
static void add_hit_once(const bw_profile *p, const bw_risk_facts *f, uint32_t n_before, bw_risk_result *r)
{
    ev e = {0};
    add_hit(p, f, n_before, r, &e);
    bw_buf_free(&e.out);
    bw_buf_free(&e.val);
}

/* ---- evaluation --------------------------------------------------------------------------------- */

static const jidx *index_for(const bw_profiles *ps, bw_str jur)
{
    for (uint32_t i = 0; i + 1 < ps->n_idx; i++)
        if (jur.n == ps->idx[i].name_len && jur.p && memcmp(jur.p, ps->idx[i].name, jur.n) == 0)
            return &ps->idx[i];
    return &ps->idx[ps->n_idx - 1];
}

/* Candidate profile numbers, possibly repeated. */
typedef struct cands {
    uint32_t *v;
    uint32_t n, cap;
    const in_force *dates;   /* per profile: candidates out of force are not kept */
    bw_time when;
    uint32_t local[256];
} cands;

static void cands_add(cands *c, const jidx *x, prange r)
{
    if (!r.n)
        return;
    if (c->n + r.n > c->cap) {
        uint32_t cap = c->cap * 2 > c->n + r.n ? c->cap * 2 : c->n + r.n;
        uint32_t *v = xcalloc(cap, sizeof *v);
        memcpy(v, c->v, sizeof *v * c->n);
        if (c->v != c->local)
            free(c->v);
        c->v = v;
        c->cap = cap;
    }
    const uint32_t *p = x->post + r.start;
    for (uint32_t i = 0; i < r.n; i++) {
        const in_force *d = &c->dates[p[i]];
        c->v[c->n] = p[i];
        c->n += c->when >= d->from && c->when < d->until;
    }
}

static void lookup(cands *c, const jidx *x, bw_profile_anchor kind, const void *key, size_t n)
{
    if (!(x->kinds >> kind & 1) || n == 0 || n > UINT16_MAX)
        return;
    uint64_t h = key_hash(kind, key, n);
    uint32_t bit = bloom_bit(x, h);
    if (!(x->bloom[bit >> 6] >> (bit & 63) & 1))
        return;
    for (uint32_t i = (uint32_t)h & x->mask; x->slots[i].kind != 0xff; i = (i + 1) & x->mask) {
        const hslot *s = &x->slots[i];
        if (s->h == h && s->kind == kind && s->klen == n && memcmp(x->keys + s->key, key, n) == 0) {
            cands_add(c, x, s->r);
            return;
        }
    }
}

static void lookup_str(cands *c, const jidx *x, bw_profile_anchor kind, bw_str s)
{
    if (s.p)
        lookup(c, x, kind, s.p, s.n);
}

/* Every prefix of the item's HS code that some profile is filed under,
 * alone, with the item's origin, with each of the declaration's party
 * flags; the item's origin and unit value. */
static void lookup_item(cands *c, const jidx *x, const bw_risk_facts *f, uint32_t i)
{
    const bw_item *it = &f->decl->items[i];
    int origin = it->origin.n == 2 ? pf_country_code(it->origin.p, 2) : -1;
    if (origin >= 0 && (x->kinds >> BW_ANCHOR_ORIGIN & 1))
        cands_add(c, x, x->origin[origin]);
    __int128 num, den;
    if ((x->kinds >> BW_ANCHOR_UNIT_VALUE & 1) && unit_value(f, i, &num, &den))
        cands_add(c, x, x->unit_value[magnitude_of_ratio(num, den)]);
    uint32_t flags = f->party_flags & x->phs_flags;
    uint16_t lens = x->hs_lens | (origin >= 0 ? x->hso_lens : 0) | (flags ? x->phs_lens : 0);
    uint64_t d = 0;
    for (uint32_t len = 1; len <= it->hs_code.n && len <= 10 && (lens >> len); len++) {
        char ch = it->hs_code.p[len - 1];
        if (ch < '0' || ch > '9')
            return;
        d = d * 10 + (uint64_t)(ch - '0');
        uint64_t key = d << 4 | len;
        if (x->hs_lens >> len & 1)
            lookup(c, x, BW_ANCHOR_HS, &key, 8);
        char k[10];
        memcpy(k, &key, 8);
        if (origin >= 0 && (x->hso_lens >> len & 1)) {
            uint16_t o = (uint16_t)origin;
            memcpy(k + 8, &o, 2);
            lookup(c, x, BW_ANCHOR_HS_ORIGIN, k, 10);
        }
        if (flags && (x->phs_lens >> len & 1))
            for (uint32_t rest = flags; rest; rest &= rest - 1) {
                k[8] = (char)__builtin_ctz(rest);
                lookup(c, x, BW_ANCHOR_PARTY_HS, k, 9);
            }
    }
}

/* The route keys of the declaration: each form of its loading place
 * (country, UN/LOCODE) with each form of its arrival place. */
static void lookup_route(cands *c, const jidx *x, bw_str from, bw_str to)
{
    if (!(x->kinds >> BW_ANCHOR_ROUTE & 1) || !from.p || !to.p || from.n < 2 || to.n < 2)
        return;
    for (uint32_t fn = 2; fn <= 5; fn += 3)
        for (uint32_t tn = 2; tn <= 5; tn += 3)
            if ((fn == 2 || from.n == 5) && (tn == 2 || to.n == 5)) {
                char key[11];
                lookup(c, x, BW_ANCHOR_ROUTE, key, route_key(key, from.p, fn, to.p, tn));
            }
}

static void lookup_place(cands *c, const jidx *x, bw_profile_anchor kind, bw_str place)
{
    if (!(x->kinds >> kind & 1) || !place.p || place.n < 2)
        return;
    lookup(c, x, kind, place.p, 2);
    if (place.n == 5)
        lookup(c, x, kind, place.p, 5);
}

static void add_enum(cands *c, const jidx *x, const prange *ranges, unsigned n, unsigned v)
{
    if (v < n)
        cands_add(c, x, ranges[v]);
}

static void collect(cands *c, const jidx *x, const bw_risk_facts *f, uint32_t n_before)
{
    const bw_declaration *d = f->decl;
    lookup_str(c, x, BW_ANCHOR_SELLER, d->seller.id);
    lookup_str(c, x, BW_ANCHOR_BUYER, d->buyer.id);
    lookup_str(c, x, BW_ANCHOR_PLATFORM, d->order.platform.id);
    lookup_str(c, x, BW_ANCHOR_CARRIER, d->transport.carrier);
    lookup_str(c, x, BW_ANCHOR_SUBMITTER, d->submitter.id);
    if (x->kinds >> BW_ANCHOR_HITS & 1)
        for (uint32_t i = 0; i < n_before; i++) {
            const char *code = f->so_far->hits[i].code;
            for (size_t k = 0;; k++)
                if (code[k] == '.' || code[k] == 0) {
                    lookup(c, x, BW_ANCHOR_HITS, code, k);
                    if (!code[k])
                        break;
                }
        }
    if (x->kinds & (1u << BW_ANCHOR_HS | 1u << BW_ANCHOR_HS_ORIGIN | 1u << BW_ANCHOR_ORIGIN |
                    1u << BW_ANCHOR_PARTY_HS | 1u << BW_ANCHOR_UNIT_VALUE))
        for (uint32_t i = 0; i < d->n_items; i++)
            lookup_item(c, x, f, i);
    lookup_route(c, x, d->transport.loading_place, d->transport.arrival_place);
    lookup_place(c, x, BW_ANCHOR_LOADING, d->transport.loading_place);
    lookup_place(c, x, BW_ANCHOR_ARRIVAL, d->transport.arrival_place);
    int dest = d->buyer.address.country.n == 2 ? pf_country_code(d->buyer.address.country.p, 2) : -1;
    if (dest >= 0)
        cands_add(c, x, x->destination[dest]);
    for (uint32_t flags = f->party_flags; flags; flags &= flags - 1)
        cands_add(c, x, x->party[__builtin_ctz(flags)]);
    add_enum(c, x, x->category, 5, f->category);
    add_enum(c, x, x->mode, 8, d->transport.mode.value);
    add_enum(c, x, x->collection, 4, d->collection.model.value);
    add_enum(c, x, x->transaction, 4, d->transaction_type.value);
    if (amounts_known(f) && f->consignment_value >= 0)
        cands_add(c, x, x->value[magnitude((uint64_t)(f->consignment_value / P10[f->exponent]))]);
    if (d->gross_weight.present && d->gross_weight.ok && d->gross_weight.value >= 0) {
        cands_add(c, x, x->weight[magnitude((uint64_t)(d->gross_weight.value / 1000))]);
        if (amounts_known(f) && f->consignment_value >= 0 && d->gross_weight.value > 0)
            cands_add(c, x, x->value_per_kg[magnitude_of_ratio((__int128)f->consignment_value * 1000000,
                                                               (__int128)P10[f->exponent] * d->gross_weight.value)]);
    }
    cands_add(c, x, x->always);
}

static void sift_down(uint32_t *v, uint32_t i, uint32_t n)
{
    for (uint32_t child; (child = 2 * i + 1) < n; i = child) {
        if (child + 1 < n && v[child + 1] > v[child])
            child++;
        if (v[i] >= v[child])
            return;
        uint32_t t = v[i];
        v[i] = v[child];
        v[child] = t;
    }
}

/* Candidates in profile order; no allocation (qsort may allocate). */
static void sort_small(uint32_t *v, uint32_t n)
{
    if (n > 32) { /* heapsort */
        for (uint32_t i = n / 2; i-- > 0;)
            sift_down(v, i, n);
        for (uint32_t end = n; end-- > 1;) {
            uint32_t t = v[0];
            v[0] = v[end];
            v[end] = t;
            sift_down(v, 0, end);
        }
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        uint32_t t = v[i], j = i;
        for (; j > 0 && v[j - 1] > t; j--)
            v[j] = v[j - 1];
        v[j] = t;
    }
}

void bw_profiles_evaluate(const bw_profiles *ps, const bw_risk_facts *f, bw_risk_result *r)
{
    if (!ps || !ps->n || !f->decl)
        return;
    const jidx *x = index_for(ps, f->jurisdiction);
    uint32_t n_before = f->so_far ? f->so_far->n_hits : 0;
    cands c; /* not zeroed: local[] is written before it is read */
    c.n = 0;
    c.cap = sizeof c.local / sizeof c.local[0];
    c.v = c.local;
    c.dates = ps->dates;
    c.when = f->when;
    collect(&c, x, f, n_before);
    sort_small(c.v, c.n);
    for (uint32_t i = 0; i < c.n; i++) {
        if (i && c.v[i] == c.v[i - 1])
            continue;
        const bw_profile *p = ps->v[c.v[i]];
        if (matches(p, f, n_before, NULL))
            add_hit_once(p, f, n_before, r);
    }
    if (c.v != c.local)
        free(c.v);
}

void bw_profiles_evaluate_all(const bw_profiles *ps, const bw_risk_facts *f, bw_risk_result *r)
{
    if (!ps || !f->decl)
        return;
    uint32_t n_before = f->so_far ? f->so_far->n_hits : 0;
    for (uint32_t i = 0; i < ps->n; i++) {
        const bw_profile *p = ps->v[i];
        bool here = p->jurisdictions.n == 0 ||
                    (f->jurisdiction.p && pf_strs_has(&p->jurisdictions, f->jurisdiction.p, f->jurisdiction.n));
        if (here && matches(p, f, n_before, NULL))
            add_hit_once(p, f, n_before, r);
    }
}

/* ---- listing and statistics ------------------------------------------------------------------------- */

void bw_profiles_json(const bw_profiles *ps, bw_buf *out)
{
    bw_buf_puts(out, "{\"count\":");
    bw_buf_put_i64(out, ps ? ps->n : 0);
    bw_buf_puts(out, ",\"profiles\":[");
    for (uint32_t i = 0; ps && i < ps->n; i++) {
        if (i)
            bw_buf_putc(out, ',');
        bw_profile_json(ps->v[i], out);
    }
    bw_buf_puts(out, "]}");
}

bw_profile_anchor bw_profiles_anchor_of(const bw_profiles *ps, size_t i)
{
    return (bw_profile_anchor)ps->anchor[i];
}

size_t bw_profiles_stats(const bw_profiles *ps, bw_profiles_jur_stats *out, size_t cap)
{
    for (uint32_t i = 0; i < ps->n_idx && i < cap; i++) {
        memset(&out[i], 0, sizeof out[i]);
        snprintf(out[i].jurisdiction, sizeof out[i].jurisdiction, "%s", ps->idx[i].name);
        out[i].profiles = ps->idx[i].n_profiles;
        memcpy(out[i].by_anchor, ps->idx[i].by_anchor, sizeof out[i].by_anchor);
    }
    return ps->n_idx;
}

void bw_profiles_each_jurisdiction(const bw_profiles *ps, void (*fn)(const char *jur, void *ctx), void *ctx)
{
    for (uint32_t i = 0; i + 1 < ps->n_idx; i++)
        fn(ps->idx[i].name, ctx);
}
