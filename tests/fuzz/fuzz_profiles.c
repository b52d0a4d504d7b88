/*
 * fuzz_profiles.c - libFuzzer target for the risk profile parser
 * (src/risk/profile_parse.c): any bytes as one profile and as a file of
 * profiles.  Must never crash; an error must say something; a profile
 * that parses must survive the canonical round trip unchanged
 * (parse -> json -> parse -> json gives the same text); and compiled, its
 * indexed evaluation must give the hits of checking it in full, on a
 * declaration that meets many criteria.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk/profiles.h"

static bw_str S(const char *s) { return (bw_str){s, (uint32_t)strlen(s)}; }

/* A declaration close to what profiles usually name: a toy from China by
 * air, a first-time seller, a screening hit. */
static void facts(bw_declaration *d, bw_item *it, int64_t *value, bw_risk_facts *f, bw_risk_result *so_far,
                  bw_arena *a)
{
    memset(d, 0, sizeof *d);
    memset(it, 0, sizeof *it);
    it->present = true;
    it->hs_code = S("950300");
    it->origin = S("CN");
    it->quantity = (bw_measure){true, true, 2000};
    *value = 1200;
    d->present = true;
    d->jurisdiction = S("EU");
    d->seller.id = S("S-1");
    d->buyer.id = S("B-1");
    d->buyer.address.country = S("DE");
    d->submitter.id = S("SUB-1");
    d->order.platform.id = S("PLAT-1");
    d->transport.carrier = S("DHL");
    d->transport.loading_place = S("CNSZX");
    d->transport.arrival_place = S("DEFRA");
    d->transport.mode = (bw_enum){1, S("air")};
    d->collection.model = (bw_enum){1, S("vendor")};
    d->transaction_type = (bw_enum){1, S("B2C")};
    d->gross_weight = (bw_measure){true, true, 450000};
    d->items = it;
    d->n_items = 1;
    bw_risk_result_init(so_far, a);
    bw_risk_add(so_far, "screening.prohibited", "T", NULL, "x", NULL, 0, BW_LANE_NONE);
    *f = (bw_risk_facts){.decl = d, .jurisdiction = d->jurisdiction, .when = 1780000000, .category = 2,
                         .currency = "EUR", .exponent = 2, .consignment_value = 1200, .item_value = value,
                         .party_flags = BW_PARTY_FIRST_TIME_SELLER, .so_far = so_far};
}

static void check_round_trip(const bw_profile *p)
{
    bw_buf a = {0}, b = {0};
    bw_profile_json(p, &a);
    char err[512];
    bw_profile *q = bw_profile_parse(a.p, a.n, err, sizeof err);
    if (!q) {
        fprintf(stderr, "canonical form does not parse: %s\n%.*s\n", err, (int)a.n, a.p);
        abort();
    }
    bw_profile_json(q, &b);
    if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0) {
        fprintf(stderr, "round trip differs:\n%.*s\n%.*s\n", (int)a.n, a.p, (int)b.n, b.p);
        abort();
    }
    bw_profile_free(q);
    bw_buf_free(&a);
    bw_buf_free(&b);
}

static void check_evaluation(bw_profile *const *v, size_t n)
{
    bw_profiles *ps = bw_profiles_compile(NULL, v, n);
    bw_arena a;
    bw_arena_init(&a);
    bw_declaration d;
    bw_item it;
    int64_t value;
    bw_risk_facts f;
    bw_risk_result so_far, r1, r2;
    facts(&d, &it, &value, &f, &so_far, &a);
    bw_risk_result_init(&r1, &a);
    bw_risk_result_init(&r2, &a);
    bw_profiles_evaluate(ps, &f, &r1);
    bw_profiles_evaluate_all(ps, &f, &r2);
    if (r1.n_hits != r2.n_hits)
        abort();
    for (uint32_t i = 0; i < r1.n_hits; i++)
        if (strcmp(r1.hits[i].ref, r2.hits[i].ref) || strcmp(r1.hits[i].evidence, r2.hits[i].evidence))
            abort();
    bw_buf out = {0};
    bw_profiles_json(ps, &out);
    bw_buf_free(&out);
    bw_arena_free(&a);
    bw_profiles_free(ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char err[512] = "";
    bw_profile *p = bw_profile_parse((const char *)data, n, err, sizeof err);
    if (p) {
        check_round_trip(p);
        check_evaluation(&p, 1);
        bw_profile_free(p);
    } else if (!err[0]) {
        abort(); /* an error must say what is wrong */
    }
    size_t count = 0;
    err[0] = 0;
    bw_profile **v = bw_profiles_parse_many((const char *)data, n, "fuzz.json", &count, err, sizeof err);
    if (v) {
        check_evaluation(v, count);
        for (size_t i = 0; i < count; i++)
            bw_profile_free(v[i]);
        free(v);
    } else if (strncmp(err, "fuzz.json: ", 11) != 0) {
        abort(); /* file errors name the file */
    }
    return 0;
}
