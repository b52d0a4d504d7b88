/*
 * test_parties.c - party history (src/risk/parties.c): first-time and
 * occasional parties, buyer identity across spellings, the compliance
 * estimate and its Beta interval against an independent computation,
 * compliance hits from inspection outcomes, the AEO rule (status, dates,
 * mutual recognition), strict AEO files, and saved bytes (round trip,
 * damage).
 *
 * Declarations are built field by field: only who the parties are matters
 * here.  Evidence is parsed with json-c, so a hit's numbers are checked as
 * the analyst would read them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <math.h>
#include <xxhash.h>

#include "risk/parties.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

/* The documented policy (docs/risk-analytics.md), as the tests expect it. */
#define OCCASIONAL_BELOW 5
#define AEO_HEADER "id\tname\tcountry\tstatus\tmutual_recognition\tvalid_from\tvalid_to\n"

static char g_dir[256];

/* ---- helpers ------------------------------------------------------------------ */

static bw_str S(const char *s) { return s ? (bw_str){s, (uint32_t)strlen(s)} : BW_STR_NULL; }

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

/* A declaration naming a seller, a buyer, a platform, a carrier and a
 * submitter. */
typedef struct decl_spec {
    const char *seller_id, *seller_name, *seller_country;
    const char *buyer_name, *buyer_postcode, *buyer_country, *buyer_email;
    const char *platform, *carrier, *submitter;
} decl_spec;

static bw_item one_item = {.present = true};

static bw_declaration make(const decl_spec *s)
{
    bw_declaration d = {.present = true};
    d.seller.present = s->seller_id || s->seller_name;
    d.seller.id = S(s->seller_id);
    d.seller.name = S(s->seller_name);
    d.seller.address.country = S(s->seller_country);
    d.buyer.present = s->buyer_name || s->buyer_email;
    d.buyer.name = S(s->buyer_name);
    d.buyer.address.postcode = S(s->buyer_postcode);
    d.buyer.address.country = S(s->buyer_country);
    d.buyer.email = S(s->buyer_email);
    d.order.present = s->platform != NULL;
    d.order.platform.present = s->platform != NULL;
    d.order.platform.id = S(s->platform);
    d.transport.present = s->carrier != NULL;
    d.transport.carrier = S(s->carrier);
    d.submitter.present = s->submitter != NULL;
    d.submitter.id = S(s->submitter);
    d.items = &one_item;
    d.n_items = 1;
    return d;
}

static const decl_spec BASE = {"SELLER-1", "Shenzhen Green Supply", "CN", "Elena Russo", "00184", "IT",
                               "elena@mail.example", "MKT-7", "EXPRESS-01", "EXPRESS-01"};

/* One check; the result lives in *arena. */
static bw_risk_result check_at(bw_parties *p, const bw_declaration *d, const char *jur, bw_time when, uint32_t *flags,
                               bw_arena *arena)
{
    bw_risk_result r;
    bw_risk_result_init(&r, arena);
    bw_risk_facts f = {.decl = d, .jurisdiction = S(jur), .when = when};
    *flags = 0;
    bw_parties_check(p, &f, flags, &r);
    for (uint32_t i = 0; i < r.n_hits; i++)
        assert_int_equal(r.hits[i].lane, BW_LANE_NONE); /* never forces a lane */
    return r;
}

static const bw_risk_hit *find_hit(const bw_risk_result *r, const char *code, const char *ref)
{
    for (uint32_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].code, code) == 0 && (!ref || strcmp(r->hits[i].ref, ref) == 0))
            return &r->hits[i];
    return NULL;
}

static json_object *member(json_object *o, const char *path)
{
    char key[64];
    while (*path) {
        size_t n = strcspn(path, ".");
        memcpy(key, path, n);
        key[n] = 0;
        json_object *next;
        if (!json_object_object_get_ex(o, key, &next))
            fail_msg("no member %s", key);
        o = next;
        path += n + (path[n] == '.');
    }
    return o;
}

static double num(json_object *o, const char *path) { return json_object_get_double(member(o, path)); }

static bw_parties *fresh(void)
{
    char err[512];
    bw_parties *p = bw_parties_new(NULL, err, sizeof err);
    if (!p)
        fail_msg("%s", err);
    return p;
}

/* ---- first-time and occasional --------------------------------------------------- */

static void test_first_time_then_occasional_then_regular(void **state)
{
    (void)state;
    bw_parties *p = fresh();
    bw_arena a;
    bw_arena_init(&a);
    bw_declaration d = make(&BASE);
    bw_time t0 = day("2026-03-01");
    uint32_t flags;
    bw_risk_result r = check_at(p, &d, "EU", t0, &flags, &a);
    assert_true(flags & BW_PARTY_FIRST_TIME_SELLER);
    assert_true(flags & BW_PARTY_FIRST_TIME_BUYER);
    assert_true(flags & BW_PARTY_FIRST_TIME_PLATFORM);
    assert_true(flags & BW_PARTY_FIRST_TIME_CARRIER);
    assert_false(flags & BW_PARTY_OCCASIONAL_SELLER);
    const bw_risk_hit *h = find_hit(&r, "party.first_time_seller", "seller");
    assert_non_null(h);
    assert_true(h->score > 0);
    assert_string_equal(h->path, "seller");
    const bw_risk_hit *hb = find_hit(&r, "party.first_time_buyer", "buyer");
    assert_non_null(hb);
    assert_true(hb->score > 0 && hb->score < h->score); /* a new buyer is common: small */
    json_object *ev = json_tokener_parse(h->evidence);
    assert_non_null(ev);
    assert_int_equal((int)num(ev, "declarations"), 0);
    assert_true(json_object_is_type(member(ev, "first_seen"), json_type_null));
    json_object_put(ev);

    /* seen once: no longer first-time, occasional */
    bw_parties_observe(p, &d, NULL, t0);
    r = check_at(p, &d, "EU", t0 + 3600, &flags, &a);
    assert_false(flags & (BW_PARTY_FIRST_TIME_SELLER | BW_PARTY_FIRST_TIME_BUYER | BW_PARTY_FIRST_TIME_PLATFORM |
                          BW_PARTY_FIRST_TIME_CARRIER));
    assert_true(flags & BW_PARTY_OCCASIONAL_SELLER);
    assert_null(find_hit(&r, "party.first_time_seller", NULL));
    assert_null(find_hit(&r, "party.first_time_buyer", NULL));
    h = find_hit(&r, "party.occasional_seller", "seller");
    assert_non_null(h);
    ev = json_tokener_parse(h->evidence);
    assert_int_equal((int)num(ev, "declarations"), 1);
    assert_string_equal(json_object_get_string(member(ev, "first_seen")), "2026-03-01T00:00:00Z");
    json_object_put(ev);

    /* occasional until OCCASIONAL_BELOW declarations, regular from then on */
    for (int k = 2; k <= OCCASIONAL_BELOW; k++) {
        bw_parties_observe(p, &d, NULL, t0 + k * 86400);
        r = check_at(p, &d, "EU", t0 + k * 86400 + 1, &flags, &a);
        bool occasional = flags & BW_PARTY_OCCASIONAL_SELLER;
        assert_int_equal(occasional, k < OCCASIONAL_BELOW);
        assert_int_equal(find_hit(&r, "party.occasional_seller", NULL) != NULL, k < OCCASIONAL_BELOW);
    }
    assert_int_equal(r.n_hits, 0); /* a regular, uninspected party: nothing to say */

    /* another seller is still new */
    decl_spec other = BASE;
    other.seller_id = "SELLER-2";
    bw_declaration d2 = make(&other);
    r = check_at(p, &d2, "EU", t0, &flags, &a);
    assert_true(flags & BW_PARTY_FIRST_TIME_SELLER);
    assert_false(flags & BW_PARTY_FIRST_TIME_BUYER);
    bw_arena_free(&a);
    bw_parties_free(p);
}

static void test_history_dates_and_volumes(void **state)
{
    (void)state;
    bw_parties *p = fresh();
    bw_declaration d = make(&BASE);
    bw_item items[3] = {{.present = true}, {.present = true}, {.present = true}};
    d.items = items;
    d.n_items = 3;
    /* seen out of order: first and last seen are the extremes */
    bw_parties_observe(p, &d, NULL, day("2026-05-10"));
    bw_parties_observe(p, &d, NULL, day("2026-05-01"));
    bw_parties_observe(p, &d, NULL, day("2026-05-20"));
    uint64_t key;
    assert_true(bw_parties_key(&d, BW_ROLE_SELLER, &key));
    bw_buf b = {0};
    assert_true(bw_parties_json(p, BW_ROLE_SELLER, key, &b));
    json_object *o = json_tokener_parse(bw_buf_cstr(&b));
    assert_non_null(o);
    assert_string_equal(json_object_get_string(member(o, "role")), "seller");
    assert_string_equal(json_object_get_string(member(o, "first_seen")), "2026-05-01T00:00:00Z");
    assert_string_equal(json_object_get_string(member(o, "last_seen")), "2026-05-20T00:00:00Z");
    assert_int_equal((int)num(o, "declarations"), 3);
    assert_int_equal((int)num(o, "items"), 9);
    json_object_put(o);
    /* the same key under another role is someone else */
    b.n = 0;
    assert_false(bw_parties_json(p, BW_ROLE_BUYER, key, &b));
    assert_false(bw_parties_json(p, BW_ROLE_SELLER, key ^ 1, &b));
    /* five roles, five parties */
    assert_int_equal(bw_parties_count(p), 5);
    bw_buf_free(&b);
    bw_parties_free(p);
}

/* ---- identity ------------------------------------------------------------------- */

static uint64_t key_of(const decl_spec *s, bw_party_role role)
{
    bw_declaration d = make(s);
    uint64_t k = 0;
    assert_true(bw_parties_key(&d, role, &k));
    return k;
}

static void test_buyer_key_spellings(void **state)
{
    (void)state;
    decl_spec a = BASE, b = BASE, c = BASE, e1 = BASE, e2 = BASE;
    a.buyer_name = "Elena Russo";
    a.buyer_postcode = "SW1A 1AA";
    a.buyer_country = "GB";
    b.buyer_name = "  ELENA   russo ";
    b.buyer_postcode = "sw1a1aa";
    b.buyer_country = "gb";
    b.buyer_email = "other@mail.example"; /* the name decides when there is one */
    assert_true(key_of(&a, BW_ROLE_BUYER) == key_of(&b, BW_ROLE_BUYER));
    c = a;
    c.buyer_postcode = "SW1A 2AA"; /* same name, another address: another person */
    assert_true(key_of(&a, BW_ROLE_BUYER) != key_of(&c, BW_ROLE_BUYER));
    c = a;
    c.buyer_name = "Elena Rossi";
    assert_true(key_of(&a, BW_ROLE_BUYER) != key_of(&c, BW_ROLE_BUYER));
    /* other scripts and accents: the transliterated name (normalize.h), the
     * same on every call (names outside ASCII are remembered per thread) */
    decl_spec u1 = a, u2 = a, u3 = a;
    u1.buyer_name = "José Müller";
    u2.buyer_name = "JOSE  MULLER";
    u3.buyer_name = "José Müllerová";
    assert_true(key_of(&u1, BW_ROLE_BUYER) == key_of(&u2, BW_ROLE_BUYER));
    assert_true(key_of(&u1, BW_ROLE_BUYER) == key_of(&u1, BW_ROLE_BUYER));
    assert_true(key_of(&u1, BW_ROLE_BUYER) != key_of(&u3, BW_ROLE_BUYER));
    for (int k = 0; k < 3000; k++) { /* more names than the memo holds */
        char name[48];
        snprintf(name, sizeof name, "Zoë Nº%d", k);
        decl_spec z = a;
        z.buyer_name = name;
        uint64_t first = key_of(&z, BW_ROLE_BUYER);
        if (k % 500 == 0)
            assert_true(first != key_of(&u1, BW_ROLE_BUYER));
    }
    assert_true(key_of(&u1, BW_ROLE_BUYER) == key_of(&u2, BW_ROLE_BUYER));
    /* no name: the e-mail, whatever its case */
    e1.buyer_name = e2.buyer_name = NULL;
    e1.buyer_email = "Elena.Russo@Mail.Example";
    e2.buyer_email = "elena.russo@mail.example";
    assert_true(key_of(&e1, BW_ROLE_BUYER) == key_of(&e2, BW_ROLE_BUYER));
    e2.buyer_email = "elena.russo2@mail.example";
    assert_true(key_of(&e1, BW_ROLE_BUYER) != key_of(&e2, BW_ROLE_BUYER));
    /* roles never share keys: the same id as seller and as submitter */
    decl_spec s = BASE;
    s.seller_id = s.submitter = "X-1";
    assert_true(key_of(&s, BW_ROLE_SELLER) != key_of(&s, BW_ROLE_SUBMITTER));
    /* a seller without id: its normalized name and country */
    decl_spec n1 = BASE, n2 = BASE;
    n1.seller_id = n2.seller_id = NULL;
    n1.seller_name = "Harbour Imports Co.";
    n2.seller_name = "HARBOUR imports co";
    assert_true(key_of(&n1, BW_ROLE_SELLER) == key_of(&n2, BW_ROLE_SELLER));
    n2.seller_country = "VN";
    assert_true(key_of(&n1, BW_ROLE_SELLER) != key_of(&n2, BW_ROLE_SELLER));
    /* nothing to identify: no key */
    bw_declaration empty = {.present = true};
    uint64_t k;
    for (int r = 0; r < BW_ROLE_COUNT; r++)
        assert_false(bw_parties_key(&empty, (bw_party_role)r, &k));
    decl_spec punct = BASE;
    punct.seller_id = NULL;
    punct.seller_name = "-- ..";
    bw_declaration pd = make(&punct);
    assert_false(bw_parties_key(&pd, BW_ROLE_SELLER, &k));
}

/* ---- compliance ----------------------------------------------------------------- */

/* I_x(a, b) for whole a, b, independently of parties.c: the probability of
 * at least a successes in a+b-1 trials of probability x. */
static double binom_tail(double x, int a, int b)
{
    int n = a + b - 1;
    double s = 0;
    for (int j = a; j <= n; j++)
        s += exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) + j * log(x) + (n - j) * log1p(-x));
    return s;
}

static double quantile_ref(double q, int a, int b)
{
    double lo = 0, hi = 1;
    for (int i = 0; i < 80; i++) {
        double mid = (lo + hi) / 2;
        if (binom_tail(mid, a, b) < q)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void test_compliance_interval(void **state)
{
    (void)state;
    double e, lo, hi;
    /* no inspection: the uniform prior */
    bw_compliance_interval(0, 0, &e, &lo, &hi);
    assert_true(fabs(e - 0.5) < 1e-12 && fabs(lo - 0.05) < 1e-9 && fabs(hi - 0.95) < 1e-9);
    /* one discrepancy: Beta(1,2), CDF 1-(1-x)^2 */
    bw_compliance_interval(0, 1, &e, &lo, &hi);
    assert_true(fabs(e - 1.0 / 3) < 1e-12);
    assert_true(fabs(lo - (1 - sqrt(0.95))) < 1e-9);
    assert_true(fabs(hi - (1 - sqrt(0.05))) < 1e-9);
    /* 28 compliant: Beta(29,1), CDF x^29 */
    bw_compliance_interval(28, 0, &e, &lo, &hi);
    assert_true(fabs(e - 29.0 / 30) < 1e-12);
    assert_true(fabs(lo - pow(0.05, 1.0 / 29)) < 1e-9);
    assert_true(fabs(hi - pow(0.95, 1.0 / 29)) < 1e-9);
    /* mixed counts, small (precomputed) and large (computed on demand) */
    int cases[][2] = {{3, 2}, {10, 1}, {31, 31}, {32, 0}, {100, 5}, {40, 60}, {500, 20}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int c = cases[i][0], d = cases[i][1];
        bw_compliance_interval((uint32_t)c, (uint32_t)d, &e, &lo, &hi);
        assert_true(fabs(e - (1.0 + c) / (2.0 + c + d)) < 1e-12);
        double rl = quantile_ref(0.05, 1 + c, 1 + d), rh = quantile_ref(0.95, 1 + c, 1 + d);
        if (fabs(lo - rl) > 1e-7 || fabs(hi - rh) > 1e-7)
            fail_msg("c=%d d=%d: [%.9f, %.9f], expected [%.9f, %.9f]", c, d, lo, hi, rl, rh);
        assert_true(lo < e && e < hi);
    }
}

static void test_outcomes_make_compliance_hits(void **state)
{
    (void)state;
    bw_parties *p = fresh();
    bw_arena a;
    bw_arena_init(&a);
    bw_time t = day("2026-04-01");
    bw_declaration d = make(&BASE);
    for (int k = 0; k < OCCASIONAL_BELOW; k++)
        bw_parties_observe(p, &d, NULL, t);
    uint32_t flags;
    /* one discrepancy: Beta(1,2), high 0.776 < 0.8: non-compliant */
    bw_parties_outcome(p, &d, BW_INSPECTION_DISCREPANCY, t);
    bw_risk_result r = check_at(p, &d, "EU", t + 60, &flags, &a);
    assert_true(flags & BW_PARTY_NONCOMPLIANT_SELLER);
    assert_false(flags & BW_PARTY_COMPLIANT_SELLER);
    const bw_risk_hit *h = find_hit(&r, "party.noncompliant", "seller");
    assert_non_null(h);
    assert_true(h->score > 0);
    json_object *ev = json_tokener_parse(h->evidence);
    assert_int_equal((int)num(ev, "inspected"), 1);
    assert_int_equal((int)num(ev, "discrepancies"), 1);
    assert_true(fabs(num(ev, "compliance.estimate") - 0.3333) < 1e-9);
    assert_true(fabs(num(ev, "compliance.low") - 0.0253) < 1e-9);
    assert_true(fabs(num(ev, "compliance.high") - 0.7764) < 1e-9);
    assert_string_equal(json_object_get_string(member(ev, "compliance.method")), "Beta(1+c,1+d) 90% interval");
    json_object_put(ev);
    /* the buyer and platform were in the inspected declaration too; the
     * carrier is not judged on what others describe */
    assert_non_null(find_hit(&r, "party.noncompliant", "buyer"));
    assert_non_null(find_hit(&r, "party.noncompliant", "platform"));
    assert_null(find_hit(&r, "party.noncompliant", "carrier"));
    int32_t one = h->score;
    /* a seizure counts as a discrepancy: more points as the estimate falls */
    bw_parties_outcome(p, &d, BW_INSPECTION_SEIZED, t);
    r = check_at(p, &d, "EU", t + 60, &flags, &a);
    h = find_hit(&r, "party.noncompliant", "seller");
    assert_non_null(h);
    assert_true(h->score > one);
    ev = json_tokener_parse(h->evidence);
    assert_int_equal((int)num(ev, "discrepancies"), 2);
    assert_int_equal((int)num(ev, "seized"), 1);
    json_object_put(ev);
    bw_parties_free(p);

    /* compliant: the pessimistic bound reaches 0.9 at 28 clean inspections
     * (0.05^(1/29) = 0.9018; 0.05^(1/28) = 0.8985) */
    p = fresh();
    for (int k = 0; k < OCCASIONAL_BELOW; k++)
        bw_parties_observe(p, &d, NULL, t);
    for (int k = 0; k < 27; k++)
        bw_parties_outcome(p, &d, BW_INSPECTION_COMPLIANT, t);
    r = check_at(p, &d, "EU", t, &flags, &a);
    assert_false(flags & (BW_PARTY_COMPLIANT_SELLER | BW_PARTY_NONCOMPLIANT_SELLER));
    assert_int_equal(r.n_hits, 0);
    bw_parties_outcome(p, &d, BW_INSPECTION_COMPLIANT, t);
    r = check_at(p, &d, "EU", t, &flags, &a);
    assert_true(flags & BW_PARTY_COMPLIANT_SELLER);
    h = find_hit(&r, "party.compliant", "seller");
    assert_non_null(h);
    assert_true(h->score < 0);
    assert_null(find_hit(&r, "party.noncompliant", NULL));
    bw_arena_free(&a);
    bw_parties_free(p);
}

/* ---- AEO ------------------------------------------------------------------------ */

static void write_aeo(const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/aeo/operators.tsv", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static const char AEO_TEXT[] = AEO_HEADER
    "AEO-EU-1\tEuro Express\tEU\tactive\tCN,US\t2022-01-01\t2027-01-01\n"
    "AEO-GB-1\tBritish Parcels\tGB\tactive\t\t2022-01-01\t\n"
    "AEO-US-1\tStars Freight\tUS\tactive\tEU\t2020-01-01\t\n"
    "AEO-US-1\tStars Freight\tUS\tsuspended\t\t2024-06-01\t2025-01-01\n"
    "AEO-CN-1\tDragon Logistics\tCN\trevoked\tEU\t2021-01-01\t\n"
    "AEO-CN-2\tPhoenix Trade\tCN\tactive\tEU\t2021-01-01\t\n"
    "AEO-CN-2\tPhoenix Trade\tCN\trevoked\t\t2025-03-01\t\n";

static bool is_aeo(bw_parties *p, const char *submitter, const char *jur, const char *when, bw_arena *a)
{
    decl_spec s = BASE;
    s.submitter = submitter;
    bw_declaration d = make(&s);
    uint32_t flags;
    bw_risk_result r = check_at(p, &d, jur, day(when), &flags, a);
    const bw_risk_hit *h = find_hit(&r, "party.aeo", submitter);
    assert_int_equal(h != NULL, (flags & BW_PARTY_AEO_SUBMITTER) != 0);
    if (h) {
        assert_true(h->score < 0);
        assert_string_equal(h->path, "submitter.id");
        json_object *ev = json_tokener_parse(h->evidence);
        assert_non_null(ev);
        assert_string_equal(json_object_get_string(member(ev, "aeo.id")), submitter);
        assert_string_equal(json_object_get_string(member(ev, "aeo.status")), "active");
        json_object_put(ev);
    }
    return h != NULL;
}

static void test_aeo_rule(void **state)
{
    (void)state;
    write_aeo(AEO_TEXT);
    char err[512];
    bw_parties *p = bw_parties_new(g_dir, err, sizeof err);
    if (!p)
        fail_msg("%s", err);
    bw_arena a;
    bw_arena_init(&a);
    /* active, in its own territory and where recognised */
    assert_true(is_aeo(p, "AEO-EU-1", "EU", "2026-01-01", &a));
    assert_true(is_aeo(p, "AEO-EU-1", "CN", "2026-01-01", &a));
    assert_true(is_aeo(p, "AEO-EU-1", "US", "2026-01-01", &a));
    /* not recognised */
    assert_false(is_aeo(p, "AEO-EU-1", "AU", "2026-01-01", &a));
    assert_false(is_aeo(p, "AEO-GB-1", "EU", "2026-01-01", &a));
    assert_true(is_aeo(p, "AEO-GB-1", "GB", "2026-01-01", &a));
    /* outside its dates (valid_to is exclusive) */
    assert_false(is_aeo(p, "AEO-EU-1", "EU", "2021-12-31", &a));
    assert_true(is_aeo(p, "AEO-EU-1", "EU", "2026-12-31", &a));
    assert_false(is_aeo(p, "AEO-EU-1", "EU", "2027-01-01", &a));
    /* suspended for a while */
    assert_true(is_aeo(p, "AEO-US-1", "US", "2024-05-31", &a));
    assert_false(is_aeo(p, "AEO-US-1", "US", "2024-06-01", &a));
    assert_false(is_aeo(p, "AEO-US-1", "EU", "2024-12-31", &a));
    assert_true(is_aeo(p, "AEO-US-1", "EU", "2025-01-01", &a));
    /* revoked: never, or from its date */
    assert_false(is_aeo(p, "AEO-CN-1", "CN", "2026-01-01", &a));
    assert_true(is_aeo(p, "AEO-CN-2", "EU", "2025-02-28", &a));
    assert_false(is_aeo(p, "AEO-CN-2", "EU", "2025-03-01", &a));
    /* unknown ids, and ids compared exactly */
    assert_false(is_aeo(p, "AEO-XX-9", "EU", "2026-01-01", &a));
    assert_false(is_aeo(p, "aeo-eu-1", "EU", "2026-01-01", &a));
    /* a seller that is an AEO scores down too, without the submitter flag */
    decl_spec s = BASE;
    s.seller_id = "AEO-EU-1";
    bw_declaration d = make(&s);
    uint32_t flags;
    bw_risk_result r = check_at(p, &d, "EU", day("2026-01-01"), &flags, &a);
    const bw_risk_hit *h = find_hit(&r, "party.aeo", "AEO-EU-1");
    assert_non_null(h);
    assert_string_equal(h->path, "seller.id");
    assert_false(flags & BW_PARTY_AEO_SUBMITTER);
    bw_arena_free(&a);
    bw_parties_free(p);
}

static void expect_load_error(const char *text, const char *fragment)
{
    write_aeo(text);
    char err[512] = "";
    bw_parties *p = bw_parties_new(g_dir, err, sizeof err);
    if (p)
        fail_msg("loaded, expected an error with \"%s\"", fragment);
    if (!strstr(err, fragment) || !strstr(err, "operators.tsv:"))
        fail_msg("error \"%s\" lacks \"%s\" or the file name", err, fragment);
}

static void test_aeo_files(void **state)
{
    (void)state;
    expect_load_error("id\tname\n", "header");
    expect_load_error(AEO_HEADER "A-1\tX\tEU\tactive\t\t2022-01-01\n", ":2: 7 tab-separated fields");
    expect_load_error(AEO_HEADER "# c\nA-1\tX\tEU\tpending\t\t2022-01-01\t\n", ":3: status");
    expect_load_error(AEO_HEADER "A-1\tX\tZZ\tactive\t\t2022-01-01\t\n", "country");
    expect_load_error(AEO_HEADER "A-1\tX\tEU\tactive\tEU,\t2022-01-01\t\n", "mutual_recognition");
    expect_load_error(AEO_HEADER "A-1\tX\tEU\tactive\teu\t2022-01-01\t\n", "mutual_recognition");
    expect_load_error(AEO_HEADER "A-1\tX\tEU\tactive\t\t2022-13-01\t\n", "valid_from");
    expect_load_error(AEO_HEADER "A-1\tX\tEU\tactive\t\t2022-01-01\t2021-01-01\n", "valid_to");
    expect_load_error(AEO_HEADER "A 1\tX\tEU\tactive\t\t2022-01-01\t\n", "id must be");
    expect_load_error(AEO_HEADER "A-1\t\xff\tEU\tactive\t\t2022-01-01\t\n", "name must be UTF-8");
    expect_load_error("", "no header");
    /* the shipped sample loads, and its EXPRESS-01 is an AEO in the EU */
    char err[512];
    bw_parties *p = bw_parties_new(BW_DATADIR, err, sizeof err);
    if (!p)
        fail_msg("shipped sample: %s", err);
    bw_arena a;
    bw_arena_init(&a);
    assert_true(is_aeo(p, "EXPRESS-01", "EU", "2026-01-01", &a));
    assert_false(is_aeo(p, "MKT-3", "CN", "2026-01-01", &a));
    bw_arena_free(&a);
    bw_parties_free(p);
    /* no aeo folder: no operators, no error */
    p = bw_parties_new("/nonexistent-breakwater-dir", err, sizeof err);
    assert_non_null(p);
    bw_parties_free(p);
}

/* ---- saved bytes ---------------------------------------------------------------- */

/* A history of a few hundred parties with outcomes. */
static bw_parties *some_history(void)
{
    bw_parties *p = fresh();
    char seller[32], buyer[32];
    for (int i = 0; i < 300; i++) {
        snprintf(seller, sizeof seller, "SELLER-%d", i % 40);
        snprintf(buyer, sizeof buyer, "Buyer Number %d", i % 97);
        decl_spec s = BASE;
        s.seller_id = seller;
        s.buyer_name = buyer;
        bw_declaration d = make(&s);
        bw_parties_observe(p, &d, NULL, day("2026-01-01") + i * 3600);
        if (i % 7 == 0)
            bw_parties_outcome(p, &d, i % 21 == 0 ? BW_INSPECTION_DISCREPANCY : BW_INSPECTION_COMPLIANT,
                               day("2026-01-02") + i);
    }
    return p;
}

/* All hits of checking seller i against both histories, as JSON. */
static void same_checks(bw_parties *p, bw_parties *q)
{
    char seller[32];
    bw_arena a;
    bw_arena_init(&a);
    for (int i = 0; i < 50; i++) {
        snprintf(seller, sizeof seller, "SELLER-%d", i);
        decl_spec s = BASE;
        s.seller_id = seller;
        bw_declaration d = make(&s);
        uint32_t f1, f2;
        bw_risk_result r1 = check_at(p, &d, "EU", day("2026-02-01"), &f1, &a);
        bw_risk_result r2 = check_at(q, &d, "EU", day("2026-02-01"), &f2, &a);
        bw_buf b1 = {0}, b2 = {0};
        bw_risk_json(&r1, &b1);
        bw_risk_json(&r2, &b2);
        assert_int_equal(f1, f2);
        assert_string_equal(bw_buf_cstr(&b1), bw_buf_cstr(&b2));
        bw_buf_free(&b1);
        bw_buf_free(&b2);
    }
    bw_arena_free(&a);
}

static void test_save_restore(void **state)
{
    (void)state;
    bw_parties *p = some_history();
    bw_buf b = {0};
    assert_int_equal(bw_parties_save(p, &b), 0);
    char err[512];
    bw_parties *q = bw_parties_restore(NULL, b.p, b.n, err, sizeof err);
    if (!q)
        fail_msg("%s", err);
    assert_int_equal(bw_parties_count(q), bw_parties_count(p));
    same_checks(p, q);
    /* the same history gives the same bytes */
    bw_buf b2 = {0};
    assert_int_equal(bw_parties_save(q, &b2), 0);
    assert_int_equal(b.n, b2.n);
    assert_memory_equal(b.p, b2.p, b.n);
    /* learning goes on after a restore */
    bw_declaration d = make(&BASE);
    bw_parties_observe(q, &d, NULL, day("2026-03-01"));
    b2.n = 0;
    assert_int_equal(bw_parties_save(q, &b2), 0);
    assert_true(b2.n != b.n || memcmp(b.p, b2.p, b.n) != 0);
    bw_buf_free(&b2);
    bw_parties_free(q);
    /* an empty history round-trips too */
    bw_parties *e = fresh();
    b2.n = 0;
    assert_int_equal(bw_parties_save(e, &b2), 0);
    q = bw_parties_restore(NULL, b2.p, b2.n, err, sizeof err);
    assert_non_null(q);
    assert_int_equal(bw_parties_count(q), 0);
    bw_parties_free(q);
    bw_parties_free(e);
    bw_buf_free(&b2);
    bw_buf_free(&b);
    bw_parties_free(p);
}

static void put_checksum(unsigned char *bytes, size_t n)
{
    uint64_t h = XXH3_64bits(bytes, n - 8);
    for (int i = 0; i < 8; i++)
        bytes[n - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void test_damaged_bytes(void **state)
{
    (void)state;
    bw_parties *p = some_history();
    bw_buf b = {0};
    assert_int_equal(bw_parties_save(p, &b), 0);
    unsigned char *copy = malloc(b.n);
    char err[512];
    /* every single flipped byte is caught (header, records, checksum) */
    for (size_t i = 0; i < b.n; i += 1 + i / 64) {
        memcpy(copy, b.p, b.n);
        copy[i] ^= 0x5a;
        err[0] = 0;
        bw_parties *q = bw_parties_restore(NULL, copy, b.n, err, sizeof err);
        if (q)
            fail_msg("byte %zu flipped: restored", i);
        assert_non_null(strstr(err, "saved party history"));
    }
    /* every truncation */
    for (size_t n = 0; n < b.n; n += 1 + n / 16)
        assert_null(bw_parties_restore(NULL, b.p, n, err, sizeof err));
    /* nonsense behind a valid checksum: a bad role, keys out of order */
    memcpy(copy, b.p, b.n);
    copy[16 + 8] = 9; /* the first record's role */
    put_checksum(copy, b.n);
    assert_null(bw_parties_restore(NULL, copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "role"));
    memcpy(copy, b.p, b.n);
    memcpy(copy + 16, b.p + 16 + 53, 8); /* the first key = the second */
    put_checksum(copy, b.n);
    assert_null(bw_parties_restore(NULL, copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "order"));
    /* a count that does not match the length */
    memcpy(copy, b.p, b.n);
    copy[8] ^= 1;
    put_checksum(copy, b.n);
    assert_null(bw_parties_restore(NULL, copy, b.n, err, sizeof err));
    assert_non_null(strstr(err, "announces"));
    free(copy);
    bw_buf_free(&b);
    bw_parties_free(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/bw-parties-%d", (int)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/aeo", g_dir, g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_time_then_occasional_then_regular),
        cmocka_unit_test(test_history_dates_and_volumes),
        cmocka_unit_test(test_buyer_key_spellings),
        cmocka_unit_test(test_compliance_interval),
        cmocka_unit_test(test_outcomes_make_compliance_hits),
        cmocka_unit_test(test_aeo_rule),
        cmocka_unit_test(test_aeo_files),
        cmocka_unit_test(test_save_restore),
        cmocka_unit_test(test_damaged_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
