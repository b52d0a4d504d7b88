/*
 * parties.c - party history (parties.h): who customs has seen, how often,
 * and how their inspections came out; the AEO operators (data/aeo/).
 *
 * A party is a 64-bit key (XXH3 of its role and normalized identity) with
 * counts.  The histories live in STRIPES independent open-addressing
 * tables, each behind its own mutex, chosen by the key's top bits: threads
 * checking and learning different parties rarely meet on a lock, and a
 * table grows without stopping the others.  A check copies each record out
 * under its stripe's lock and decides on the copy.
 *
 * The compliance interval needs Beta quantiles, which cost microseconds, so
 * it is computed when an outcome changes the counts (rare: inspections) and
 * kept in the record; checks only read it.
 */
#include "parties.h"
#include "../core/keytab.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

#include "../core/tsv.h"
#include "../reference/refdata.h"
#include "normalize.h"

/* ---- the policy: what history is worth, in points ---------------------------
 * Points add to the score the lanes (lanes.c) compare with each
 * jurisdiction's thresholds; docs/risk-analytics.md explains each value. */
#define OCCASIONAL_BELOW 5          /* fewer earlier declarations than this: occasional */
#define NONCOMPLIANT_HIGH 0.80      /* even the optimistic bound is below 80% */
#define COMPLIANT_LOW 0.90          /* even the pessimistic bound is 90% or more */
#define METHOD "Beta(1+c,1+d) 90% interval"

const char *const bw_party_role_names[] = {"seller", "buyer", "platform", "carrier", "submitter", NULL};
/* where each role's identity is in the declaration, for a hit's path */
static const char *const role_paths[] = {"seller", "buyer", "order.platform", "transport.carrier", "submitter"};

/* ---- records and stripes ------------------------------------------------------ */

typedef struct party_rec {
    uint64_t key;                   /* 0: empty slot */
    bw_time first_seen, last_seen;  /* of declarations; 0 with none */
    bw_time last_inspected;         /* 0: never */
    uint32_t declarations, items;
    uint32_t compliant, discrepancies, seized;
    uint8_t role;
    double estimate, low, high;     /* from the counts (refresh_compliance) */
} party_rec;

#define STRIPES 64
#define STRIPE_OF(key) ((unsigned)((key) >> 58))

typedef struct stripe {
    pthread_mutex_t lock;
    bw_keytab t;                    /* party_rec */
} __attribute__((aligned(64))) stripe;

typedef struct aeo_row {
    uint64_t hash;                  /* XXH3 of the id: rows sorted by it */
    char *id;
    char country[3];
    char *recognised;               /* "EU,CN,US" as loaded */
    uint8_t status;                 /* AEO_* */
    bw_time from, to;               /* to exclusive; INT64_MAX: open */
    char *evidence;                 /* the row as a JSON object, made once */
    bool carries;                   /* carries small sellers into AEO treatment (stored rows only) */
} aeo_row;

/* Status changes stored through the API or the CLI (src/risk/aeo.h), on
 * top of the files; replaced as a whole, the replaced ones kept until the
 * parties are freed (checks in flight may read them). */
typedef struct aeo_overlay {
    aeo_row *v;
    size_t n;
    struct aeo_overlay *retired;
} aeo_overlay;

enum { AEO_ACTIVE, AEO_SUSPENDED, AEO_REVOKED };
static const char *const aeo_status_names[] = {"active", "suspended", "revoked", NULL};

struct bw_parties {
    stripe stripes[STRIPES];
    aeo_row *aeo;
    size_t n_aeo, cap_aeo;
    _Atomic(aeo_overlay *) overlay;
};

/* ---- compliance: the Beta posterior -------------------------------------------- */

/* The regularized incomplete beta I_x(a, b) by its continued fraction
 * (DLMF 8.17.22), evaluated with the modified Lentz method; for x above the
 * mean the symmetric form converges faster. */
static double beta_cf(double x, double a, double b)
{
    const double tiny = 1e-300;
    double f = 1.0, c = 1.0, dd = 0.0;
    for (int j = 1; j <= 400; j++) {
        int m = j / 2;
        double num = (j & 1) ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                             : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        dd = 1.0 + num * dd;
        dd = fabs(dd) < tiny ? tiny : dd;
        dd = 1.0 / dd;
        c = 1.0 + num / c;
        c = fabs(c) < tiny ? tiny : c;
        double delta = c * dd;
        f *= delta;
        if (fabs(delta - 1.0) < 1e-15)
            break;
    }
    return f;
}

static double lbeta(double a, double b)
{
    int s; /* lgamma_r: lgamma writes the global signgam, a data race */
    return lgamma_r(a, &s) + lgamma_r(b, &s) - lgamma_r(a + b, &s);
}

static double beta_cdf(double x, double a, double b)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    if (x > (a + 1) / (a + b + 2))
        return 1.0 - beta_cdf(1.0 - x, b, a);
    double front = exp(a * log(x) + b * log1p(-x) - lbeta(a, b)) / a;
    return front / beta_cf(x, a, b);
}

/* The q-quantile by bisection: the CDF is increasing, 60 halvings leave an
 * interval far below the 4 decimals shown. */
static double beta_quantile(double q, double a, double b)
{
    double lo = 0, hi = 1;
    for (int i = 0; i < 60; i++) {
        double mid = (lo + hi) / 2;
        if (beta_cdf(mid, a, b) < q)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* The intervals of the few inspections most parties have, computed once:
 * an outcome then costs a lookup, not two bisections. */
#define MEMO 32
static double memo_low[MEMO][MEMO], memo_high[MEMO][MEMO];
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_fill(void)
{
    for (int c = 0; c < MEMO; c++)
        for (int d = 0; d < MEMO; d++) {
            memo_low[c][d] = beta_quantile(0.05, 1.0 + c, 1.0 + d);
            memo_high[c][d] = beta_quantile(0.95, 1.0 + c, 1.0 + d);
        }
}

void bw_compliance_interval(uint32_t c, uint32_t d, double *estimate, double *low, double *high)
{
    double a = 1.0 + c, b = 1.0 + d;
    *estimate = a / (a + b);
    if (c == 0 && d == 0) { /* Beta(1,1) is uniform: the prior, exactly */
        *low = 0.05;
        *high = 0.95;
    } else if (c < MEMO && d < MEMO) {
        pthread_once(&memo_once, memo_fill);
        *low = memo_low[c][d];
        *high = memo_high[c][d];
    } else {
        *low = beta_quantile(0.05, a, b);
        *high = beta_quantile(0.95, a, b);
    }
}

static uint32_t noncompliant(const party_rec *r)
{
    uint64_t d = (uint64_t)r->discrepancies + r->seized;
    return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

static void refresh_compliance(party_rec *r)
{
    bw_compliance_interval(r->compliant, noncompliant(r), &r->estimate, &r->low, &r->high);
}

/* ---- the tables ------------------------------------------------------------------ */

static party_rec *find(const stripe *s, uint64_t key) { return bw_keytab_find(&s->t, key); }

/* The record of key, created empty when new; NULL when out of memory.
 * Called with the stripe locked. */
static party_rec *upsert(stripe *s, uint64_t key, bw_party_role role)
{
    party_rec *r = find(s, key);
    if (r)
        return r;
    party_rec fresh = {.key = key, .role = (uint8_t)role};
    refresh_compliance(&fresh);
    return bw_keytab_add(&s->t, &fresh, 64);
}

/* Times kept are within 1970-01-01 .. 9999-12-31 (what ISO 8601 shows);
 * others are clamped on the way in and refused in saved bytes. */
#define TIME_MAX ((bw_time)253402300799)

static bw_time clamp_time(bw_time t) { return t < 0 ? 0 : t > TIME_MAX ? TIME_MAX : t; }

static void add_sat(uint32_t *v, uint64_t k)
{
    uint64_t s = *v + k;
    *v = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/* ---- keys ------------------------------------------------------------------------ */

/* Appends the normalized form of s (normalize.h) to buf at *n, then a unit
 * separator; `squeeze` drops the spaces too (postcodes). */
static void put_norm(char *buf, size_t cap, size_t *n, bw_str s, bool squeeze)
{
    if (*n + 2 >= cap)
        return;
    size_t k = bw_norm_text(s.p ? s.p : "", s.n, buf + *n, cap - *n - 1, 0);
    if (squeeze)
        k = bw_norm_squeeze(buf + *n, k, buf + *n, cap - *n - 1);
    *n += k;
    buf[(*n)++] = '\x1f';
}

/* The role and the kind of identity ('i' id, 'n' name, 'e' e-mail) are the
 * seed, so equal bytes in two roles or kinds are two parties. */
static uint64_t hash_key(bw_party_role role, char tag, const char *p, size_t n)
{
    uint64_t h = XXH3_64bits_withSeed(p, n, ((uint64_t)role + 1) << 8 | (unsigned char)tag);
    return h ? h : 1; /* 0 marks an empty slot */
}

static bool has(bw_str s) { return s.p && s.n > 0; }

/* Names outside ASCII are transliterated by ICU, which costs microseconds
 * (the ASCII pass, nanoseconds), and the same name comes in the check and
 * again in the observation, so each thread remembers the last results by a
 * hash of the raw bytes.  A pure function memoized: keys do not depend on
 * what the cache holds. */
#define NAME_MEMO 1024
typedef struct name_memo {
    uint64_t raw;                  /* 0: empty */
    uint64_t hash;
    bool ok;
} name_memo;
static _Thread_local name_memo name_memos[NAME_MEMO];

static bool plain_ascii(bw_str s)
{
    for (uint32_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] >= 0x80)
            return false;
    return true;
}

/* The hash of a name's normalized form into h[0..8); false when the name
 * has no letters or digits (it identifies no one). */
static bool name_hash(bw_str name, char h[8])
{
    if (!has(name))
        return false;
    name_memo *m = NULL;
    uint64_t raw = 0, v = 0;
    if (!plain_ascii(name)) {
        raw = XXH3_64bits(name.p, name.n) | 1;
        m = &name_memos[raw & (NAME_MEMO - 1)];
        if (m->raw == raw) {
            memcpy(h, &m->hash, 8);
            return m->ok;
        }
    }
    char buf[512];
    size_t n = bw_norm_text(name.p, name.n, buf, sizeof buf, 0);
    if (n > 0)
        v = XXH3_64bits(buf, n);
    if (m)
        *m = (name_memo){raw, v, n > 0};
    memcpy(h, &v, 8);
    return n > 0;
}

/* An identifier as sent ("i"), else a normalized name and country ("n"). */
static bool id_or_name(bw_party_role role, bw_str id, bw_str name, bw_str country, uint64_t *key)
{
    if (has(id)) {
        *key = hash_key(role, 'i', id.p, id.n);
        return true;
    }
    char buf[512];
    if (!name_hash(name, buf))
        return false;
    size_t n = 8;
    put_norm(buf, sizeof buf, &n, country, false);
    *key = hash_key(role, 'n', buf, n);
    return true;
}

/* A buyer: normalized name + postcode + country (the same person however
 * the name is cased or spaced), else the e-mail address, else the id. */
static bool buyer_key(const bw_party *b, uint64_t *key)
{
    if (!b->present)
        return false;
    char buf[512];
    size_t n = 8;
    if ((has(b->address.postcode) || has(b->address.country)) && name_hash(b->name, buf)) {
        put_norm(buf, sizeof buf, &n, b->address.postcode, true);
        put_norm(buf, sizeof buf, &n, b->address.country, false);
        *key = hash_key(BW_ROLE_BUYER, 'n', buf, n);
        return true;
    }
    if (has(b->email)) {
        n = 0;
        for (uint32_t i = 0; i < b->email.n && n < sizeof buf; i++) {
            char c = b->email.p[i];
            if (c != ' ')
                buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
        }
        *key = hash_key(BW_ROLE_BUYER, 'e', buf, n);
        return true;
    }
    if (has(b->id)) {
        *key = hash_key(BW_ROLE_BUYER, 'i', b->id.p, b->id.n);
        return true;
    }
    return false;
}

bool bw_parties_key(const bw_declaration *d, bw_party_role role, uint64_t *key)
{
    switch (role) {
    case BW_ROLE_SELLER:
        return d->seller.present && id_or_name(role, d->seller.id, d->seller.name, d->seller.address.country, key);
    case BW_ROLE_BUYER:
        return buyer_key(&d->buyer, key);
    case BW_ROLE_PLATFORM:
        return d->order.platform.present &&
               id_or_name(role, d->order.platform.id, d->order.platform.name, BW_STR_NULL, key);
    case BW_ROLE_CARRIER:
        return id_or_name(role, d->transport.carrier, BW_STR_NULL, BW_STR_NULL, key);
    case BW_ROLE_SUBMITTER:
        return id_or_name(role, d->submitter.id, BW_STR_NULL, BW_STR_NULL, key);
    default:
        return false;
    }
}

/* ---- observing ------------------------------------------------------------------- */

typedef void (*update_fn)(party_rec *r, const bw_declaration *d, bw_time when, int arg);

/* Runs fn on the record of each of the declaration's parties, under its
 * stripe's lock. */
void bw_parties_keys(const bw_declaration *d, uint64_t keys[BW_ROLE_COUNT])
{
    for (int role = 0; role < BW_ROLE_COUNT; role++)
        if (!bw_parties_key(d, (bw_party_role)role, &keys[role]))
            keys[role] = 0;
}

/* The keys of a declaration's parties (given, or derived into own), and a
 * prefetch of each one's slot: five records in a table far larger than the
 * caches are five cache misses, and fetched together they cost about one. */
static const uint64_t *party_keys(bw_parties *p, const bw_declaration *d, const uint64_t *given,
                                  uint64_t own[BW_ROLE_COUNT])
{
    const uint64_t *keys = given;
    if (!keys) {
        bw_parties_keys(d, own);
        keys = own;
    }
    for (int role = 0; role < BW_ROLE_COUNT; role++) {
        if (!keys[role])
            continue;
        stripe *s = &p->stripes[STRIPE_OF(keys[role])];
        pthread_mutex_lock(&s->lock);
        void *home = bw_keytab_home(&s->t, keys[role]);
        if (home)
            __builtin_prefetch(home);
        pthread_mutex_unlock(&s->lock);
    }
    return keys;
}

static void each_party(bw_parties *p, const bw_declaration *d, const uint64_t *given, bw_time when, int arg,
                       update_fn fn)
{
    uint64_t own[BW_ROLE_COUNT];
    const uint64_t *keys = party_keys(p, d, given, own);
    for (int role = 0; role < BW_ROLE_COUNT; role++) {
        uint64_t key = keys[role];
        if (!key)
            continue;
        stripe *s = &p->stripes[STRIPE_OF(key)];
        pthread_mutex_lock(&s->lock);
        party_rec *r = upsert(s, key, (bw_party_role)role);
        if (r) /* out of memory: this one is not counted */
            fn(r, d, when, arg);
        pthread_mutex_unlock(&s->lock);
    }
}

static void seen(party_rec *r, const bw_declaration *d, bw_time when, int arg)
{
    (void)arg;
    if (r->declarations == 0 || when < r->first_seen)
        r->first_seen = when;
    if (r->declarations == 0 || when > r->last_seen)
        r->last_seen = when;
    add_sat(&r->declarations, 1);
    add_sat(&r->items, d->n_items);
}

static void inspected(party_rec *r, const bw_declaration *d, bw_time when, int res)
{
    (void)d;
    if (res == BW_INSPECTION_COMPLIANT)
        add_sat(&r->compliant, 1);
    else if (res == BW_INSPECTION_DISCREPANCY)
        add_sat(&r->discrepancies, 1);
    else
        add_sat(&r->seized, 1);
    if (when > r->last_inspected)
        r->last_inspected = when;
    refresh_compliance(r);
}

void bw_parties_observe(bw_parties *p, const bw_declaration *d, const uint64_t *keys, bw_time when)
{
    each_party(p, d, keys, clamp_time(when), 0, seen);
}

void bw_parties_outcome(bw_parties *p, const bw_declaration *d, bw_inspection_result res, bw_time when)
{
    if (res == BW_INSPECTION_COMPLIANT || res == BW_INSPECTION_DISCREPANCY || res == BW_INSPECTION_SEIZED)
        each_party(p, d, NULL, clamp_time(when), (int)res, inspected);
}

/* ---- evidence -------------------------------------------------------------------- */

static void put_prob(bw_buf *b, double v)
{
    bw_buf_put_fixed(b, (int64_t)llround(v * 10000), 4);
}

static void put_hex(bw_buf *b, uint64_t key)
{
    static const char hex[] = "0123456789abcdef";
    char s[18];
    s[0] = s[17] = '"';
    for (int i = 0; i < 16; i++)
        s[16 - i] = hex[(key >> (4 * i)) & 15];
    bw_buf_put(b, s, 18);
}

static void put_time_or_null(bw_buf *b, bw_time t, bool known)
{
    if (known)
        bw_buf_put_time(b, t);
    else
        bw_buf_puts(b, "null");
}

/* The history members shared by hit evidence and the analyst's view. */
static void put_history(bw_buf *b, const party_rec *r)
{
    bw_buf_puts(b, "\"first_seen\":");
    put_time_or_null(b, r->first_seen, r->declarations > 0);
    bw_buf_puts(b, ",\"last_seen\":");
    put_time_or_null(b, r->last_seen, r->declarations > 0);
    bw_buf_puts(b, ",\"declarations\":");
    bw_buf_put_i64(b, r->declarations);
    bw_buf_puts(b, ",\"items\":");
    bw_buf_put_i64(b, r->items);
    bw_buf_puts(b, ",\"inspected\":");
    bw_buf_put_i64(b, (int64_t)r->compliant + noncompliant(r));
    bw_buf_puts(b, ",\"compliant\":");
    bw_buf_put_i64(b, r->compliant);
    bw_buf_puts(b, ",\"discrepancies\":");
    bw_buf_put_i64(b, noncompliant(r));
    bw_buf_puts(b, ",\"seized\":");
    bw_buf_put_i64(b, r->seized);
    bw_buf_puts(b, ",\"last_inspected\":");
    put_time_or_null(b, r->last_inspected, r->compliant + noncompliant(r) > 0);
    bw_buf_puts(b, ",\"compliance\":{\"estimate\":");
    put_prob(b, r->estimate);
    bw_buf_puts(b, ",\"low\":");
    put_prob(b, r->low);
    bw_buf_puts(b, ",\"high\":");
    put_prob(b, r->high);
    bw_buf_puts(b, ",\"method\":\"" METHOD "\"}");
}

static const char *evidence(bw_buf *b, bw_party_role role, const party_rec *r)
{
    b->n = 0;
    bw_buf_reserve(b, 768); /* one allocation per check, not three */
    bw_buf_puts(b, "{\"party\":\"");
    bw_buf_puts(b, bw_party_role_names[role]);
    bw_buf_puts(b, "\",\"key\":");
    put_hex(b, r->key);
    bw_buf_putc(b, ',');
    put_history(b, r);
    bw_buf_putc(b, '}');
    return bw_buf_cstr(b);
}

bool bw_parties_json(bw_parties *p, bw_party_role role, uint64_t key, bw_buf *out)
{
    if ((unsigned)role >= BW_ROLE_COUNT)
        return false;
    stripe *s = &p->stripes[STRIPE_OF(key)];
    pthread_mutex_lock(&s->lock);
    party_rec *r = find(s, key);
    party_rec copy = r ? *r : (party_rec){0};
    pthread_mutex_unlock(&s->lock);
    if (!r || copy.role != role)
        return false;
    bw_buf b = {0};
    evidence(&b, role, &copy);
    bw_buf_puts(out, "{\"role\"");
    bw_buf_puts(out, b.p + 8); /* the same object, "party" named "role" */
    bw_buf_free(&b);
    return true;
}

/* ---- checking -------------------------------------------------------------------- */

typedef struct first_rule {
    uint32_t flag;
    const char *code, *reason;
    size_t points; /* offset of its points in bw_risk_points */
} first_rule;

static const first_rule first_time[BW_ROLE_COUNT] = {
    {BW_PARTY_FIRST_TIME_SELLER, "party.first_time_seller", "the seller has never been seen before",
     offsetof(bw_risk_points, first_time_seller)},
    {BW_PARTY_FIRST_TIME_BUYER, "party.first_time_buyer", "the buyer has never been seen before",
     offsetof(bw_risk_points, first_time_buyer)},
    {BW_PARTY_FIRST_TIME_PLATFORM, "party.first_time_platform", "the platform has never been seen before",
     offsetof(bw_risk_points, first_time_platform)},
    {BW_PARTY_FIRST_TIME_CARRIER, "party.first_time_carrier", "the carrier has never been seen before",
     offsetof(bw_risk_points, first_time_carrier)},
    {0, NULL, NULL, 0}, /* submitters are known intermediaries: new is not a risk */
};

static void hit(bw_risk_result *r, bw_buf *b, const char *code, bw_party_role role, const party_rec *rec,
                const char *reason, int32_t points)
{
    bw_risk_add(r, code, bw_party_role_names[role], role_paths[role], reason, evidence(b, role, rec), points,
                BW_LANE_NONE);
}

/* Compliance from inspections; carriers are left out: they move goods
 * that others describe. */
static void judge_compliance(const bw_risk_points *pts, bw_buf *b, bw_party_role role, const party_rec *rec,
                             uint32_t *flags, bw_risk_result *r)
{
    if (role == BW_ROLE_CARRIER || rec->compliant + noncompliant(rec) == 0)
        return;
    if (rec->high < NONCOMPLIANT_HIGH) {
        int32_t points = pts->noncompliant_min + (int32_t)lround(pts->noncompliant_span * (1.0 - rec->estimate));
        hit(r, b, "party.noncompliant", role, rec, "inspections of this party found discrepancies", points);
        if (role == BW_ROLE_SELLER)
            *flags |= BW_PARTY_NONCOMPLIANT_SELLER;
    } else if (rec->low >= COMPLIANT_LOW) {
        hit(r, b, "party.compliant", role, rec, "inspections of this party found it compliant", pts->compliant);
        if (role == BW_ROLE_SELLER)
            *flags |= BW_PARTY_COMPLIANT_SELLER;
    }
}

static void judge(const bw_risk_points *pts, bw_buf *b, bw_party_role role, const party_rec *rec, uint32_t *flags,
                  bw_risk_result *r)
{
    const first_rule *ft = &first_time[role];
    if (rec->declarations == 0 && ft->code) {
        *flags |= ft->flag;
        hit(r, b, ft->code, role, rec, ft->reason, *(const int32_t *)((const char *)pts + ft->points));
    } else if (role == BW_ROLE_SELLER && rec->declarations < OCCASIONAL_BELOW) {
        *flags |= BW_PARTY_OCCASIONAL_SELLER;
        hit(r, b, "party.occasional_seller", role, rec, "the seller has been seen only a few times before",
            pts->occasional_seller);
    }
    judge_compliance(pts, b, role, rec, flags, r);
}

/* ---- AEO ------------------------------------------------------------------------- */

static bool recognised(const aeo_row *row, bw_str jurisdiction)
{
    if (bw_str_eq(jurisdiction, row->country))
        return true;
    for (const char *s = row->recognised; *s;) {
        size_t n = strcspn(s, ",");
        if (jurisdiction.n == n && memcmp(s, jurisdiction.p, n) == 0)
            return true;
        s += n + (s[n] == ',');
    }
    return false;
}

/* The active row of id covering `when` and recognised in the jurisdiction,
 * or NULL; a suspended or revoked row covering the day wins. */
/* In rows v[0..n) sorted by hash: false when a suspended or revoked row
 * covers `when`; else *found is the active recognised row (kept if set). */
static bool aeo_scan(const aeo_row *v, size_t n, bw_str id, uint64_t h, bw_str jurisdiction, bw_time when,
                     const aeo_row **found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n && v[i].hash == h; i++) {
        const aeo_row *row = &v[i];
        if (!bw_str_eq(id, row->id) || when < row->from || when >= row->to)
            continue;
        if (row->status != AEO_ACTIVE)
            return false;
        if ((!*found || (row->carries && !(*found)->carries)) && recognised(row, jurisdiction))
            *found = row;
    }
    return true;
}

static const aeo_row *aeo_find(const bw_parties *p, bw_str id, bw_str jurisdiction, bw_time when)
{
    const aeo_overlay *o = atomic_load(&((bw_parties *)p)->overlay);
    if (!has(id) || (p->n_aeo == 0 && (!o || o->n == 0)))
        return NULL;
    uint64_t h = XXH3_64bits(id.p, id.n);
    const aeo_row *found = NULL;
    if (!aeo_scan(p->aeo, p->n_aeo, id, h, jurisdiction, when, &found) ||
        (o && !aeo_scan(o->v, o->n, id, h, jurisdiction, when, &found)))
        return NULL;
    return found;
}

static const aeo_row *judge_aeo(const bw_parties *p, const bw_risk_facts *f, bw_buf *b, bw_party_role role,
                                bw_str id, uint32_t *flags, bw_risk_result *r)
{
    const aeo_row *row = aeo_find(p, id, f->jurisdiction, f->when);
    if (!row)
        return NULL;
    b->n = 0;
    bw_buf_puts(b, "{\"party\":\"");
    bw_buf_puts(b, bw_party_role_names[role]);
    bw_buf_puts(b, "\",\"aeo\":");
    bw_buf_puts(b, row->evidence);
    bw_buf_putc(b, '}');
    const char *path = role == BW_ROLE_SUBMITTER ? "submitter.id" : "seller.id";
    bw_risk_add(r, "party.aeo", row->id, path, "an authorised economic operator recognised in this jurisdiction",
                bw_buf_cstr(b), bw_points(f)->aeo, BW_LANE_NONE);
    if (role == BW_ROLE_SUBMITTER)
        *flags |= BW_PARTY_AEO_SUBMITTER;
    return row;
}

/* An AEO intermediary that carries small sellers (WCO SAFE 4.2): a seller
 * that is not an AEO itself and not known bad (inspections found it
 * non-compliant, or something of it was seized) gets the treatment an AEO
 * seller gets - the same points, "party.aeo_carried" - so the declaration
 * scores as if both were authorised; its queue priority (lifecycle: AEO
 * first) already comes from the intermediary's own "party.aeo". */
static void judge_carried(const bw_risk_facts *f, bw_buf *b, const aeo_row *intermediary, const party_rec *seller,
                          uint32_t flags, bw_risk_result *r)
{
    const bw_declaration *d = f->decl;
    if (!intermediary || !intermediary->carries || (!has(d->seller.id) && !d->seller.name.n))
        return;
    if ((flags & BW_PARTY_NONCOMPLIANT_SELLER) || seller->seized > 0)
        return;
    b->n = 0;
    bw_buf_puts(b, "{\"intermediary\":");
    bw_buf_puts(b, intermediary->evidence);
    bw_buf_printf(b, ",\"seller\":{\"declarations\":%u,\"seized\":%u,\"noncompliant\":false}}", seller->declarations,
                  seller->seized);
    bw_risk_add(r, "party.aeo_carried", intermediary->id, "seller",
                "a small seller carried into AEO treatment by an AEO intermediary that vouches for its sellers",
                bw_buf_cstr(b), bw_points(f)->aeo, BW_LANE_NONE);
}

void bw_parties_check(bw_parties *p, const bw_risk_facts *f, uint32_t *flags, bw_risk_result *r)
{
    const bw_declaration *d = f->decl;
    if (!d)
        return;
    bw_buf b = {0};
    uint64_t own[BW_ROLE_COUNT];
    const uint64_t *keys = party_keys(p, d, f->party_keys, own);
    party_rec seller = {0};
    for (int role = 0; role < BW_ROLE_COUNT; role++) {
        party_rec rec = {.key = keys[role]};
        if (!rec.key)
            continue;
        stripe *s = &p->stripes[STRIPE_OF(rec.key)];
        pthread_mutex_lock(&s->lock);
        const party_rec *found = find(s, rec.key);
        if (found)
            rec = *found;
        pthread_mutex_unlock(&s->lock);
        if (!found) {
            rec.role = (uint8_t)role;
            refresh_compliance(&rec); /* the prior, shown as evidence */
        }
        judge(bw_points(f), &b, (bw_party_role)role, &rec, flags, r);
        if (role == BW_ROLE_SELLER)
            seller = rec;
    }
    const aeo_row *submitter = judge_aeo(p, f, &b, BW_ROLE_SUBMITTER, d->submitter.id, flags, r);
    bool seller_is_submitter = has(d->seller.id) && d->seller.id.n == d->submitter.id.n &&
                               !memcmp(d->seller.id.p, d->submitter.id.p, d->seller.id.n);
    if (!judge_aeo(p, f, &b, BW_ROLE_SELLER, d->seller.id, flags, r) && !seller_is_submitter)
        judge_carried(f, &b, submitter, &seller, *flags, r);
    bw_buf_free(&b);
}

/* ---- the AEO files ------------------------------------------------------------------ */

#define AEO_HEADER "id\tname\tcountry\tstatus\tmutual_recognition\tvalid_from\tvalid_to"
#define AEO_ID_MAX 64
#define AEO_NAME_MAX 256

static bool bad(char *err, size_t errlen, const char *path, unsigned ln, const char *why, const char *value)
{
    snprintf(err, errlen, "%s:%u: %s \"%.60s\"", path, ln, why, value);
    return false;
}

static bool upper2(const char *s)
{
    return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == 0;
}

/* "EU,CN,US": two-letter jurisdiction ids separated by commas, or empty. */
static bool jurisdiction_list(const char *s)
{
    if (!*s)
        return true;
    for (;;) {
        if (!(s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'))
            return false;
        if (s[2] == 0)
            return true;
        if (s[2] != ',')
            return false;
        s += 3;
    }
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > AEO_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool parse_day(const char *s, bw_time *out)
{
    return strlen(s) == 10 && bw_time_parse(s, 10, out);
}

static char *row_evidence(char **f, bw_time from, bw_time to)
{
    bw_buf b = {0};
    bw_buf_puts(&b, "{\"id\":");
    bw_buf_put_json_str(&b, f[0], strlen(f[0]));
    bw_buf_puts(&b, ",\"name\":");
    bw_buf_put_json_str(&b, f[1], strlen(f[1]));
    bw_buf_puts(&b, ",\"country\":\"");
    bw_buf_puts(&b, f[2]);
    bw_buf_puts(&b, "\",\"status\":\"");
    bw_buf_puts(&b, f[3]);
    bw_buf_puts(&b, "\",\"mutual_recognition\":[");
    for (const char *s = f[4]; *s; s += 2 + (s[2] == ',')) {
        bw_buf_puts(&b, s == f[4] ? "\"" : ",\"");
        bw_buf_put(&b, s, 2);
        bw_buf_putc(&b, '"');
    }
    bw_buf_puts(&b, "],\"valid_from\":");
    bw_buf_put_time(&b, from);
    bw_buf_puts(&b, ",\"valid_to\":");
    put_time_or_null(&b, to, to != INT64_MAX);
    bw_buf_putc(&b, '}');
    bw_buf_cstr(&b);
    return b.p;
}

static bool add_aeo(bw_parties *p, const aeo_row *row)
{
    if (p->n_aeo == p->cap_aeo) {
        size_t cap = p->cap_aeo ? p->cap_aeo * 2 : 64;
        aeo_row *a = realloc(p->aeo, cap * sizeof *a);
        if (!a)
            return false;
        p->aeo = a;
        p->cap_aeo = cap;
    }
    p->aeo[p->n_aeo++] = *row;
    return true;
}

/* id name country status mutual_recognition valid_from valid_to */
static bool aeo_line(bw_parties *p, char *line, const char *path, unsigned ln, char *err, size_t errlen)
{
    char *f[8];
    int nf = bw_tsv_split(line, f, 8);
    if (nf != 7)
        return bad(err, errlen, path, ln,
                   "7 tab-separated fields expected (id name country status mutual_recognition valid_from "
                   "valid_to), got a line starting",
                   line);
    aeo_row row = {.to = INT64_MAX};
    if (!valid_id(f[0]))
        return bad(err, errlen, path, ln, "id must be 1 to 64 printable ASCII characters without spaces:", f[0]);
    if (strlen(f[1]) > AEO_NAME_MAX || !bw_utf8_valid(f[1], strlen(f[1])))
        return bad(err, errlen, path, ln, "name must be UTF-8 of at most 256 bytes:", f[1]);
    if (!upper2(f[2]) || (strcmp(f[2], "EU") != 0 && !bw_country_known((bw_str){f[2], 2})))
        return bad(err, errlen, path, ln, "country must be an ISO 3166-1 alpha-2 code or EU, not", f[2]);
    int status = -1;
    for (int i = 0; aeo_status_names[i]; i++)
        if (strcmp(f[3], aeo_status_names[i]) == 0)
            status = i;
    if (status < 0)
        return bad(err, errlen, path, ln, "status must be active, suspended or revoked, not", f[3]);
    if (!jurisdiction_list(f[4]))
        return bad(err, errlen, path, ln,
                   "mutual_recognition must be jurisdiction ids separated by commas (EU,CN,US) or empty, not", f[4]);
    if (!parse_day(f[5], &row.from))
        return bad(err, errlen, path, ln, "valid_from is not a date (YYYY-MM-DD):", f[5]);
    if (*f[6] && (!parse_day(f[6], &row.to) || row.to <= row.from))
        return bad(err, errlen, path, ln, "valid_to must be empty or a date after valid_from, not", f[6]);
    row.status = (uint8_t)status;
    memcpy(row.country, f[2], 3);
    row.hash = XXH3_64bits(f[0], strlen(f[0]));
    row.id = strdup(f[0]);
    row.recognised = strdup(f[4]);
    row.evidence = row_evidence(f, row.from, row.to);
    if (!row.id || !row.recognised || !row.evidence || !add_aeo(p, &row)) {
        free(row.id);
        free(row.recognised);
        free(row.evidence);
        return bad(err, errlen, path, ln, "out of memory at", f[0]);
    }
    return true;
}

static bool aeo_file(bw_parties *p, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the AEO file: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true, header = false;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        if (!header) {
            header = true;
            if (strcmp(line, AEO_HEADER) != 0)
                ok = bad(err, errlen, path, ln,
                         "the header must be the 7 tab-separated names id name country status mutual_recognition "
                         "valid_from valid_to; got",
                         line);
            continue;
        }
        ok = aeo_line(p, line, path, ln, err, errlen);
    }
    if (ok && ferror(f)) {
        snprintf(err, errlen, "%s: read error after line %u", path, ln);
        ok = false;
    } else if (ok && !header) {
        snprintf(err, errlen, "%s: no header line (%s)", path, "id name country status ...");
        ok = false;
    }
    free(line);
    fclose(f);
    return ok;
}

static int by_hash(const void *a, const void *b)
{
    const aeo_row *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return strcmp(x->id, y->id);
}

static bool aeo_one(void *p, const char *path, char *err, size_t errlen) { return aeo_file(p, path, err, errlen); }

/* Every *.tsv of <datadir>/aeo in name order; no folder, no operators. */
static bool aeo_load(bw_parties *p, const char *datadir, char *err, size_t errlen)
{
    if (!datadir)
        return true;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/aeo", datadir);
    bool ok = bw_tsv_load_dir(dir, true, "the AEO directory", aeo_one, p, err, errlen);
    if (ok && p->n_aeo > 1)
        qsort(p->aeo, p->n_aeo, sizeof *p->aeo, by_hash);
    return ok;
}

/* ---- life ------------------------------------------------------------------------ */

static bw_parties *alloc_parties(void)
{
    bw_parties *p = aligned_alloc(64, sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&p->stripes[i].lock, NULL), p->stripes[i].t.size = sizeof(party_rec);
    return p;
}

bw_parties *bw_parties_new(const char *datadir, char *err, size_t errlen)
{
    bw_parties *p = alloc_parties();
    if (!p) {
        snprintf(err, errlen, "parties: out of memory");
        return NULL;
    }
    if (!aeo_load(p, datadir, err, errlen)) {
        bw_parties_free(p);
        return NULL;
    }
    return p;
}

void bw_parties_free(bw_parties *p)
{
    if (!p)
        return;
    for (int i = 0; i < STRIPES; i++) {
        bw_keytab_free(&p->stripes[i].t);
        pthread_mutex_destroy(&p->stripes[i].lock);
    }
    for (size_t i = 0; i < p->n_aeo; i++) {
        free(p->aeo[i].id);
        free(p->aeo[i].recognised);
        free(p->aeo[i].evidence);
    }
    free(p->aeo);
    for (aeo_overlay *o = atomic_load(&p->overlay), *next; o; o = next) {
        next = o->retired;
        for (size_t i = 0; i < o->n; i++) {
            free(o->v[i].id);
            free(o->v[i].recognised);
            free(o->v[i].evidence);
        }
        free(o->v);
        free(o);
    }
    free(p);
}

bool bw_parties_set_aeo_changes(bw_parties *p, const char *const *lines, const bool *carries, size_t n, char *err,
                                size_t errlen)
{
    bw_parties *tmp = alloc_parties(); /* parses with the files' rules, into its aeo rows */
    aeo_overlay *o = calloc(1, sizeof *o);
    bool ok = tmp && o;
    for (size_t i = 0; ok && i < n; i++) {
        char *line = strdup(lines[i]);
        ok = line && aeo_line(tmp, line, "stored AEO change", (unsigned)i + 1, err, errlen);
        if (ok)
            tmp->aeo[tmp->n_aeo - 1].carries = carries[i];
        free(line);
    }
    if (!ok) {
        if (!tmp || !o)
            snprintf(err, errlen, "out of memory");
        free(o);
        bw_parties_free(tmp);
        return false;
    }
    if (tmp->n_aeo > 1)
        qsort(tmp->aeo, tmp->n_aeo, sizeof *tmp->aeo, by_hash);
    o->v = tmp->aeo;
    o->n = tmp->n_aeo;
    tmp->aeo = NULL;
    tmp->n_aeo = 0;
    bw_parties_free(tmp);
    o->retired = atomic_exchange(&p->overlay, o); /* callers serialize changes (one writer) */
    return true;
}

bool bw_parties_aeo_line_ok(const char *line, char *err, size_t errlen)
{
    const char *one[1] = {line};
    bool no[1] = {false};
    bw_parties *tmp = alloc_parties();
    bool ok = tmp && bw_parties_set_aeo_changes(tmp, one, no, 1, err, errlen);
    bw_parties_free(tmp);
    return ok;
}

size_t bw_parties_count(bw_parties *p)
{
    size_t n = 0;
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_lock(&p->stripes[i].lock);
        n += p->stripes[i].t.n;
        pthread_mutex_unlock(&p->stripes[i].lock);
    }
    return n;
}

/* ---- saved bytes ------------------------------------------------------------------
 * "BWPARTY" 0x01, u64 count, count records of REC_BYTES in increasing key
 * order, then u64 XXH3-64 of everything before it; little-endian. */

#define MAGIC "BWPARTY\x01"
#define REC_BYTES (8 + 1 + 3 * 8 + 5 * 4)

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const party_rec *)a)->key, y = ((const party_rec *)b)->key;
    return x < y ? -1 : x > y;
}

static void put_rec(bw_buf *b, const party_rec *r)
{
    bw_buf_put_le(b, r->key, 8);
    bw_buf_put_le(b, r->role, 1);
    bw_buf_put_le(b, (uint64_t)r->first_seen, 8);
    bw_buf_put_le(b, (uint64_t)r->last_seen, 8);
    bw_buf_put_le(b, (uint64_t)r->last_inspected, 8);
    bw_buf_put_le(b, r->declarations, 4);
    bw_buf_put_le(b, r->items, 4);
    bw_buf_put_le(b, r->compliant, 4);
    bw_buf_put_le(b, r->discrepancies, 4);
    bw_buf_put_le(b, r->seized, 4);
}

int bw_parties_save(bw_parties *p, bw_buf *out)
{
    size_t n = bw_parties_count(p), got = 0;
    party_rec *all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return -1;
    for (int i = 0; i < STRIPES; i++) { /* stripe by stripe: others go on */
        stripe *s = &p->stripes[i];
        pthread_mutex_lock(&s->lock);
        for (uint32_t k = 0; s->t.slots && k <= s->t.mask; k++) {
            const party_rec *r = bw_keytab_at(&s->t, k);
            if (!r->key)
                continue;
            if (got == n) { /* grew since counted */
                party_rec *more = realloc(all, (n *= 2) * sizeof *all);
                if (!more) {
                    pthread_mutex_unlock(&s->lock);
                    free(all);
                    return -1;
                }
                all = more;
            }
            all[got++] = *r;
        }
        pthread_mutex_unlock(&s->lock);
    }
    qsort(all, got, sizeof *all, by_key);
    size_t start = out->n;
    bw_buf_put(out, MAGIC, 8);
    bw_buf_put_le(out, got, 8);
    for (size_t i = 0; i < got; i++)
        put_rec(out, &all[i]);
    bw_buf_put_le(out, XXH3_64bits(out->p + start, out->n - start), 8);
    free(all);
    return 0;
}

static bool get_rec(const unsigned char *q, party_rec *r)
{
    *r = (party_rec){0};
    r->key = bw_get_le(q, 8);
    r->role = (uint8_t)q[8];
    r->first_seen = (bw_time)bw_get_le(q + 9, 8);
    r->last_seen = (bw_time)bw_get_le(q + 17, 8);
    r->last_inspected = (bw_time)bw_get_le(q + 25, 8);
    r->declarations = (uint32_t)bw_get_le(q + 33, 4);
    r->items = (uint32_t)bw_get_le(q + 37, 4);
    r->compliant = (uint32_t)bw_get_le(q + 41, 4);
    r->discrepancies = (uint32_t)bw_get_le(q + 45, 4);
    r->seized = (uint32_t)bw_get_le(q + 49, 4);
    return r->key != 0 && r->role < BW_ROLE_COUNT && r->first_seen >= 0 && r->first_seen <= r->last_seen &&
           r->last_seen <= TIME_MAX && r->last_inspected >= 0 && r->last_inspected <= TIME_MAX &&
           (r->declarations > 0 || (r->first_seen == 0 && r->last_seen == 0));
}

static bw_parties *restore_fail(bw_parties *p, char *err, size_t errlen, const char *why, uint64_t at)
{
    snprintf(err, errlen, "saved party history: %s (record %llu)", why, (unsigned long long)at);
    bw_parties_free(p);
    return NULL;
}

bw_parties *bw_parties_restore(const char *datadir, const void *bytes, size_t n, char *err, size_t errlen)
{
    const unsigned char *q = bytes;
    if (n < 24 || memcmp(q, MAGIC, 8) != 0) {
        snprintf(err, errlen, "saved party history: not one (no BWPARTY version 1 header)");
        return NULL;
    }
    uint64_t count = bw_get_le(q + 8, 8);
    if (count > (n - 24) / REC_BYTES || 24 + count * REC_BYTES != n) {
        snprintf(err, errlen, "saved party history: %zu bytes cannot hold the %llu records it announces", n,
                 (unsigned long long)count);
        return NULL;
    }
    if (XXH3_64bits(q, n - 8) != bw_get_le(q + n - 8, 8)) {
        snprintf(err, errlen, "saved party history: checksum mismatch (damaged or truncated)");
        return NULL;
    }
    bw_parties *p = bw_parties_new(datadir, err, errlen);
    if (!p)
        return NULL;
    uint64_t prev = 0;
    for (uint64_t i = 0; i < count; i++) {
        party_rec r;
        if (!get_rec(q + 16 + i * REC_BYTES, &r))
            return restore_fail(p, err, errlen, "a record has an impossible key, role or dates", i);
        if (r.key <= prev)
            return restore_fail(p, err, errlen, "records are not in increasing key order", i);
        prev = r.key;
        refresh_compliance(&r);
        if (!bw_keytab_add(&p->stripes[STRIPE_OF(r.key)].t, &r, 64))
            return restore_fail(p, err, errlen, "out of memory", i);
    }
    return p;
}
