/*
 * fuzz_decode.c - libFuzzer target for the declaration decoder, checked
 * differentially against json-c (a general, well-fuzzed JSON library).
 *
 * For every input: both parsers must agree whether the first JSON value is
 * well-formed, where it ends, and - for every top-level and nested string
 * field our decoder accepted without a field error - on its decoded bytes.
 * Then the whole pipeline (validate, IRG category, canonical encoding) runs
 * on what was decoded, which must never crash or trip a sanitizer.
 */
#include <json-c/json.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/json_decode.h"
#include "model/json_encode.h"
#include "pipeline/pipeline.h"
#include "reference/jurisdiction.h"
#include "revenue/revenue.h"

static bw_decoder *dec;
static bw_refdata *rd;

static void die(const char *what, const uint8_t *data, size_t n)
{
    fprintf(stderr, "differential mismatch: %s\ninput (%zu bytes): %.*s\n", what, n, (int)(n > 2000 ? 2000 : n),
            (const char *)data);
    abort();
}

/* Whether an issue names `path`, a field inside it, or an object holding
 * it (say a duplicate "buyer" key: json-c keeps the last, we keep the first
 * and report it); then the values need not match. */
static bool has_issue_at(const bw_issues *iss, const char *path)
{
    for (uint32_t i = 0; i < iss->n; i++) {
        const char *ip = iss->v[i].path;
        size_t a = strlen(ip), b = strlen(path), m = a < b ? a : b;
        if (strncmp(ip, path, m) == 0)
            return true;
    }
    return iss->n >= BW_ISSUES_MAX;
}

/* json-c also accepts numbers RFC 8259 section 6 forbids ("00", "8.",
 * "-"): true when our syntax error sits on a number-like token that an
 * independent reading of the RFC grammar (a POSIX regex) also rejects. */
static bool bad_number_token(const bw_issues *iss, const char *p, size_t n)
{
    static regex_t re;
    static bool compiled;
    if (!compiled)
        compiled = regcomp(&re, "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$", REG_EXTENDED | REG_NOSUB) == 0;
    for (uint32_t i = 0; i < iss->n; i++) {
        const char *at = strstr(iss->v[i].message, " at byte ");
        size_t pos, a, b;
        if (strcmp(iss->v[i].code, "json.syntax") || !at || sscanf(at, " at byte %zu", &pos) != 1 || pos > n)
            continue;
        for (a = pos; a > 0 && p[a - 1] && strchr("+-.eE0123456789", p[a - 1]); a--)
            ;
        for (b = pos; b < n && p[b] && strchr("+-.eE0123456789", p[b]); b++)
            ;
        char tok[1024];
        if (b == a || b - a >= sizeof tok)
            continue;
        memcpy(tok, p + a, b - a);
        tok[b - a] = 0;
        if (regexec(&re, tok, 0, NULL, 0) != 0)
            return true;
    }
    return false;
}

static void same_string(json_object *obj, const char *key, bw_str ours, const bw_issues *iss,
                        const char *path, const uint8_t *data, size_t n)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || has_issue_at(iss, path))
        return;
    if (json_object_is_type(v, json_type_string)) {
        size_t len = (size_t)json_object_get_string_len(v);
        if (!ours.p || ours.n != len || memcmp(ours.p, json_object_get_string(v), len) != 0)
            die(path, data, n);
    } else if (json_object_is_type(v, json_type_null) && ours.p) {
        die(path, data, n);
    }
}

static json_object *child(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object) ? v : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (!dec) {
        dec = bw_decoder_new(NULL);
        char err[512];
        rd = bw_refdata_load(bw_default_datadir(NULL), bw_default_refdir(NULL), err, sizeof err);
        if (!rd) {
            fprintf(stderr, "fuzz: %s\n", err);
            abort();
        }
    }
    bw_arena arena;
    bw_arena_init(&arena);
    bw_issues iss;
    bw_issues_init(&iss, &arena);
    bw_declaration d;
    size_t used = 0;
    const char *p = (const char *)data;
    bw_decode_status st = bw_decode_declaration(dec, p, p + n, true, &d, &iss, &arena, &used);

    /* json-c, strict, on the whole input: it also rejects trailing bytes
     * after the first value, which our decoder leaves to the reader, so
     * when we accept, json-c is asked about exactly the bytes we consumed */
    json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t jlen = st == BW_DECODE_OK ? used : n;
    json_object *j = json_tokener_parse_ex(tok, p, (int)jlen);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    bool json_ok = j && jerr == json_tokener_success && json_object_is_type(j, json_type_object);

    /* Known, deliberate divergences: json-c counts depth differently, and
     * even in strict mode accepts raw control characters inside strings,
     * which RFC 8259 section 7 forbids and we reject. */
    bool diverges = jerr == json_tokener_error_depth;
    for (uint32_t i = 0; i < iss.n; i++)
        diverges |= strstr(iss.v[i].message, "nested too deeply") != NULL ||
                    strstr(iss.v[i].message, "control character in string") != NULL;
    if (!diverges) {
        if (st == BW_DECODE_OK && !json_ok)
            die("we accepted what json-c rejects", data, n);
        if (st != BW_DECODE_OK && json_ok && !bad_number_token(&iss, p, n))
            die("we rejected what json-c accepts", data, n);
        if (st == BW_DECODE_OK && json_tokener_get_parse_end(tok) != used)
            die("the value ends at a different byte", data, n);
    }
    if (st == BW_DECODE_OK && json_ok && json_object_is_type(j, json_type_object)) {
        same_string(j, "declaration_id", d.declaration_id, &iss, "declaration_id", data, n);
        same_string(j, "jurisdiction", d.jurisdiction, &iss, "jurisdiction", data, n);
        same_string(child(j, "submitter"), "id", d.submitter.id, &iss, "submitter.id", data, n);
        same_string(child(j, "seller"), "name", d.seller.name, &iss, "seller.name", data, n);
        same_string(child(j, "buyer"), "name", d.buyer.name, &iss, "buyer.name", data, n);
        same_string(child(child(j, "buyer"), "address"), "city", d.buyer.address.city, &iss,
                    "buyer.address.city", data, n);
        json_object *items;
        if (json_object_object_get_ex(j, "items", &items) && json_object_is_type(items, json_type_array) &&
            !has_issue_at(&iss, "items")) {
            size_t k = json_object_array_length(items);
            if (k != d.n_items)
                die("item count", data, n);
            for (size_t i = 0; i < k && i < 8; i++) {
                json_object *it = json_object_array_get_idx(items, i);
                char path[64];
                snprintf(path, sizeof path, "items[%zu].description", i);
                same_string(json_object_is_type(it, json_type_object) ? it : NULL, "description",
                            d.items[i].description, &iss, path, data, n);
                snprintf(path, sizeof path, "items[%zu].hs_code", i);
                same_string(json_object_is_type(it, json_type_object) ? it : NULL, "hs_code",
                            d.items[i].hs_code, &iss, path, data, n);
            }
        }
    }
    if (st == BW_DECODE_OK) {
        /* the rest of the pipeline must survive anything the decoder lets through */
        const bw_jurisdiction *jur;
        bw_outcome oc = {0};
        const bw_jur_version *v = bw_validate(rd, &d, 1790000000, &iss, &jur);
        if (v) {
            bw_assess_category(rd, &d, jur, v, 1790000000, &iss, &oc);
            /* and what would be due, for anything that got this far */
            oc.status = BW_STATUS_ACCEPTED;
            oc.jurisdiction = jur;
            oc.version = v;
            oc.assessed_at = 1790000000;
            bw_revenue rev;
            bw_assess_revenue(rd, &d, &oc, &arena, &rev);
            bw_buf rj = {0};
            bw_revenue_object(&rev, jur->currency_exponent, &rj);
            bw_buf_free(&rj);
        }
        bw_buf out = {0};
        bw_encode_declaration(&d, &out);
        bw_buf_free(&out);
    }
    json_object_put(j);
    json_tokener_free(tok);
    bw_arena_free(&arena);
    return 0;
}
