/*
 * fuzz_lifecycle_bodies.c - libFuzzer target for the JSON bodies the
 * lifecycle decodes: arrival manifests (src/lifecycle/manifest.c), officer
 * action bodies (officer.c), agency interests (oga.c), return requests
 * (returns.c) and AEO registry changes (src/risk/aeo.c).  The first byte
 * chooses the decoder, the rest is its input.  Each must either decode or
 * refuse with a message saying why; never crash, leak or read out of
 * bounds (ASan, UBSan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle/manifest.h"
#include "lifecycle/officer.h"
#include "lifecycle/oga.h"
#include "lifecycle/returns.h"
#include "risk/aeo.h"

static void must_say_why(bool ok, const char *why)
{
    if (!ok && why[0] == 0)
        abort(); /* a refusal always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *json = (const char *)data + 1;
    size_t n = size - 1;
    char why[512] = "";
    bw_arena arena;
    bw_arena_init(&arena);
    switch (data[0] % 5) {
    case 0: {
        bw_manifest m;
        must_say_why(bw_manifest_parse(json, n, &arena, &m, why, sizeof why), why);
        break;
    }
    case 1: {
        bw_transition t;
        memset(&t, 0, sizeof t);
        must_say_why(bw_lc_action_body(json, n, &arena, &t, why, sizeof why), why);
        break;
    }
    case 2: {
        bw_oga_interest in;
        bool ok = bw_oga_interest_parse("FUZZ-AGENCY", json, n, &in, why, sizeof why);
        must_say_why(ok, why);
        if (ok)
            bw_oga_interest_free(&in);
        break;
    }
    case 3: {
        bw_return_request rq;
        bool ok = bw_return_request_parse(json, n, &rq, why, sizeof why);
        must_say_why(ok, why);
        if (ok)
            bw_return_request_free(&rq);
        break;
    }
    default: {
        static bw_aeo_change ch; /* large: not on the stack */
        must_say_why(bw_aeo_change_parse(json, n, &ch, why, sizeof why), why);
        break;
    }
    }
    bw_arena_free(&arena);
    return 0;
}
