/*
 * fuzz_risk_state.c - libFuzzer target for the saved state of the learned
 * risk analytics (parties.c, valuation.c, textclass.c): any bytes given as
 * a saved party history, valuation model or text model must be refused
 * with a message or restored into a model that checks, learns and saves
 * without a crash, and whose saved bytes restore again.
 *
 * The first input byte picks the model (bits 0-1) and how the rest is
 * presented: bit 2 writes the model's magic over the first 8 bytes and bit
 * 3 replaces the last 8 with their valid checksum (XXH3-64, little-endian),
 * so that the fuzzer gets past the envelope into the parsers behind it.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "risk/parties.h"
#include "risk/textclass.h"
#include "risk/valuation.h"

static const char *const MAGIC[3] = {"BWPARTY\x01", "BWVALUE\x01", "BWTEXTC\x01"};

/* A small declaration every model can check and learn. */
static bw_item items[2] = {
    {.present = true,
     .description = {"Smartphone, 128 GB, black", 25},
     .hs_code = {"851713", 6},
     .unit = {"pcs", 3},
     .origin = {"CN", 2},
     .quantity = {true, true, 1000},
     .net_weight = {true, true, 180000},
     .value = {.present = true, .amount_ok = true, .minor_ok = true, .currency = {"EUR", 3}, .minor = 1999, .exponent = 2}},
    {.present = true,
     .description = {"Cotton T-shirt, men, size L", 27},
     .hs_code = {"610910", 6},
     .unit = {"pcs", 3},
     .origin = {"VN", 2},
     .quantity = {true, true, 2000},
     .net_weight = {true, true, 300000},
     .value = {.present = true, .amount_ok = true, .minor_ok = true, .currency = {"EUR", 3}, .minor = 5, .exponent = 2}},
};

static bw_declaration decl(void)
{
    bw_declaration d = {.present = true, .items = items, .n_items = 2};
    d.seller = (bw_party){.present = true, .id = {"SELLER-1", 8}};
    d.buyer = (bw_party){.present = true, .name = {"Elena Russo", 11}, .address = {.country = {"IT", 2}}};
    d.submitter = (bw_submitter){.present = true, .id = {"EXPRESS-01", 10}};
    return d;
}

static void exercise(int which, const unsigned char *bytes, size_t n)
{
    char err[256];
    bw_declaration d = decl();
    bw_risk_facts f = {.decl = &d, .jurisdiction = {"EU", 2}, .when = 1775000000};
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result r;
    bw_risk_result_init(&r, &a);
    bw_buf out = {0};
    if (which == 0) {
        bw_parties *p = bw_parties_restore(NULL, bytes, n, err, sizeof err);
        if (!p)
            goto done;
        uint32_t flags = 0;
        bw_parties_check(p, &f, &flags, &r);
        bw_parties_observe(p, &d, NULL, f.when);
        bw_parties_outcome(p, &d, BW_INSPECTION_DISCREPANCY, f.when);
        bw_parties_save(p, &out);
        bw_parties_free(p);
        if (!(p = bw_parties_restore(NULL, out.p, out.n, err, sizeof err)))
            abort(); /* what we saved must restore */
        bw_parties_free(p);
    } else if (which == 1) {
        bw_valuation_model *v = bw_valuation_restore(bytes, n, err, sizeof err);
        if (!v)
            goto done;
        bw_valuation_check(v, NULL, &f, &r);
        bw_valuation_learn(v, NULL, &f);
        bw_valuation_correct(v, NULL, &f, 1, 2500);
        bw_valuation_save(v, &out);
        bw_valuation_free(v);
        if (!(v = bw_valuation_restore(out.p, out.n, err, sizeof err)))
            abort();
        bw_valuation_free(v);
    } else {
        bw_textclass *t = bw_textclass_restore(bytes, n, err, sizeof err);
        if (!t)
            goto done;
        bw_textclass_check(t, &f, &r);
        bw_textclass_learn(t, &d);
        bw_textclass_guess g[3];
        bw_textclass_classify(t, "smartphone cotton", 17, g, 3, NULL);
        bw_textclass_save(t, &out);
        bw_textclass_free(t);
        if (!(t = bw_textclass_restore(out.p, out.n, err, sizeof err)))
            abort();
        bw_textclass_free(t);
    }
done:
    bw_buf_free(&out);
    bw_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n < 1)
        return 0;
    int which = data[0] & 3;
    if (which == 3)
        which = data[0] >> 4 & 1 ? 2 : 0;
    size_t len = n - 1;
    unsigned char *bytes = malloc(len ? len : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data + 1, len);
    if ((data[0] & 4) && len >= 8)
        memcpy(bytes, MAGIC[which], 8);
    if ((data[0] & 8) && len >= 16) {
        uint64_t h = XXH3_64bits(bytes, len - 8);
        for (int i = 0; i < 8; i++)
            bytes[len - 8 + i] = (unsigned char)(h >> (8 * i));
    }
    exercise(which, bytes, len);
    free(bytes);
    return 0;
}
