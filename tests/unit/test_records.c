/*
 * test_records.c - separate order, payment and logistics records
 * (src/risk/records.c, src/store/store_records.c): parsing with every
 * error at its JSON path, the canonical form, the comparison with a
 * declaration (each mismatch kind, the tolerance edge, national id before
 * name, currencies, platforms, missing kinds), and the store flow: a CN
 * declaration held for missing records and released when they agree,
 * records before the declaration, mismatches raising the lane, lanes set
 * by others left alone, idempotency, and no SQL for jurisdictions that
 * require nothing while no record exists.
 *
 * Declarations for the store flow go through the real pipeline (shipped
 * jurisdictions and risk policy, risk engine) and bw_store_put, like ingest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "model/json_decode.h"
#include "pipeline/row.h"
#include "risk/engine.h"
#include "risk/records.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

static char g_dir[4096];
static bw_refdata *g_rd;
static bw_lanes *g_lanes;
static bw_risk_engine *g_engine;

/* ---- helpers: records ------------------------------------------------------------- */

typedef struct parsed {
    bw_arena arena;
    bw_issues iss;
    bw_record_doc doc;
    bool ok;
} parsed;

static parsed *parse(bw_record_kind kind, const char *json, const char *submitter)
{
    parsed *p = calloc(1, sizeof *p);
    bw_arena_init(&p->arena);
    bw_issues_init(&p->iss, &p->arena);
    p->ok = bw_record_parse(kind, json, strlen(json), &p->arena, &p->doc, &p->iss);
    p->doc.submitter = submitter;
    return p;
}

static void parsed_free(parsed *p)
{
    bw_arena_free(&p->arena);
    free(p);
}

/* Whether an issue with this code sits at this path. */
static bool has_issue(const parsed *p, const char *code, const char *path)
{
    for (uint32_t i = 0; i < p->iss.n; i++)
        if (!strcmp(p->iss.v[i].code, code) && !strcmp(p->iss.v[i].path, path))
            return true;
    return false;
}

#define ORDER_OK                                                                                                   \
    "{\"order_id\":\"ORD-1\",\"platform\":{\"id\":\"MKT-7\"},\"buyer\":{\"name\":\"Zhang Wei\","              \
    "\"national_id\":\"110101199001011234\",\"id\":\"B-1\"},\"total\":{\"amount\":\"100.00\",\"currency\":\"CNY\"}," \
    "\"items\":2,\"date\":\"2026-10-20T23:41:20Z\"}"
#define PAYMENT_OK                                                                                                 \
    "{\"payment_id\":\"PAY-1\",\"order_id\":\"ORD-1\",\"payer\":{\"name\":\"Zhang Wei\","                     \
    "\"national_id\":\"110101199001011234\"},\"amount\":{\"amount\":\"100.00\",\"currency\":\"CNY\"},"          \
    "\"provider\":\"QUICKWALLET\"}"
#define LOGISTICS_OK                                                                                               \
    "{\"transport_document\":\"EE621164624JP\",\"order_id\":\"ORD-1\",\"carrier\":\"POST-JP\","               \
    "\"consignee\":{\"name\":\"Zhang Wei\",\"national_id\":\"110101199001011234\"},\"packages\":1,"             \
    "\"gross_weight_g\":\"171.5\",\"items\":2}"

/* ---- helpers: a declaration for the comparison ------------------------------------ */

typedef struct decl {
    bw_arena arena;
    bw_decoder *dec;
    char *text;
    bw_declaration d;
} decl;

/* A CN declaration: order ORD-1 on MKT-7 of 100.00 CNY, paid 100.00 CNY
 * (unless paid is NULL), buyer Zhang Wei with a national id, two items,
 * one package, waybill EE621164624JP. */
static decl *declaration(const char *paid)
{
    decl *x = calloc(1, sizeof *x);
    bw_arena_init(&x->arena);
    x->dec = bw_decoder_new(NULL);
    char payment[160] = "";
    if (paid)
        snprintf(payment, sizeof payment, "\"payment\":{\"id\":\"PAY-1\",\"amount\":{\"amount\":\"%s\",\"currency\":\"CNY\"}},",
                 paid);
    bw_buf b = {0};
    bw_buf_printf(&b,
                  "{\"declaration_id\":\"D-1\",\"jurisdiction\":\"CN\",\"transport\":{\"document_id\":\"EE621164624JP\"},"
                  "\"order\":{\"id\":\"ORD-1\",\"platform\":{\"id\":\"MKT-7\"},\"total\":{\"amount\":\"100.00\",\"currency\":\"CNY\"}},"
                  "%s\"buyer\":{\"id\":\"B-1\",\"name\":\"Zhang Wei\",\"national_id\":\"110101199001011234\"},"
                  "\"items\":[{\"description\":\"a\"},{\"description\":\"b\"}],\"packages\":1}",
                  payment);
    x->text = strdup(bw_buf_cstr(&b));
    bw_buf_free(&b);
    bw_issues iss;
    bw_issues_init(&iss, &x->arena);
    size_t used;
    assert_int_equal(bw_decode_declaration(x->dec, x->text, x->text + strlen(x->text), true, &x->d, &iss, &x->arena, &used),
                     BW_DECODE_OK);
    return x;
}

static void decl_free(decl *x)
{
    bw_decoder_free(x->dec);
    bw_arena_free(&x->arena);
    free(x->text);
    free(x);
}

typedef struct compared {
    bw_arena arena;
    bw_risk_result r;
} compared;

/* Compares the parsed records with the declaration under the rules. */
static compared *compare(const decl *x, parsed **recs, int n, uint32_t required, uint32_t tolerance_bp)
{
    compared *c = calloc(1, sizeof *c);
    bw_arena_init(&c->arena);
    bw_risk_result_init(&c->r, &c->arena);
    bw_record_doc docs[8];
    for (int i = 0; i < n; i++) {
        assert_true(recs[i]->ok);
        docs[i] = recs[i]->doc;
    }
    bw_records_rules rules = {required, tolerance_bp};
    bw_records_compare(&x->d, docs, (uint32_t)n, &rules, &c->r);
    return c;
}

static void compared_free(compared *c)
{
    bw_arena_free(&c->arena);
    free(c);
}

static const bw_risk_hit *find_hit(const compared *c, const char *code)
{
    for (uint32_t i = 0; i < c->r.n_hits; i++)
        if (!strcmp(c->r.hits[i].code, code))
            return &c->r.hits[i];
    return NULL;
}

/* The hit's evidence holds `part` (a JSON fragment). */
static void assert_evidence(const bw_risk_hit *h, const char *part)
{
    assert_non_null(h);
    if (!strstr(h->evidence, part))
        fail_msg("evidence %s lacks %s", h->evidence, part);
}

/* One record of kind (JSON) compared with the declaration paid 100.00. */
static compared *compare_one(bw_record_kind kind, const char *json, uint32_t tolerance_bp)
{
    decl *x = declaration("100.00");
    parsed *p = parse(kind, json, "S-1");
    if (!p->ok)
        fail_msg("%s does not parse: %s %s", json, p->iss.v[0].code, p->iss.v[0].path);
    compared *c = compare(x, &p, 1, 0, tolerance_bp);
    parsed_free(p);
    decl_free(x);
    return c;
}

/* ---- parsing --------------------------------------------------------------------- */

static void test_parse_each_kind(void **state)
{
    (void)state;
    parsed *o = parse(BW_REC_ORDER, ORDER_OK, "MKT-7"), *p = parse(BW_REC_PAYMENT, PAYMENT_OK, "PAYCO"),
           *l = parse(BW_REC_LOGISTICS, LOGISTICS_OK, "POST-JP");
    assert_true(o->ok && p->ok && l->ok);
    assert_string_equal(o->doc.key, "ORD-1");
    assert_string_equal(o->doc.order_id, "ORD-1");
    assert_string_equal(o->doc.platform_id, "MKT-7");
    assert_string_equal(o->doc.party.national_id, "110101199001011234");
    assert_string_equal(o->doc.party.id, "B-1");
    assert_true(o->doc.amount.present);
    assert_int_equal(o->doc.amount.minor, 10000);
    assert_string_equal(o->doc.amount.currency, "CNY");
    assert_int_equal(o->doc.items, 2);
    assert_true(o->doc.has_date);
    assert_string_equal(p->doc.key, "PAY-1");
    assert_string_equal(p->doc.order_id, "ORD-1");
    assert_string_equal(p->doc.provider, "QUICKWALLET");
    assert_null(p->doc.party.id);
    assert_string_equal(l->doc.key, "EE621164624JP");
    assert_string_equal(l->doc.transport_document, "EE621164624JP");
    assert_int_equal(l->doc.packages, 1);
    assert_int_equal(l->doc.gross_weight_mg, 171500);
    assert_int_equal(l->doc.items, 2);
    assert_int_equal(l->doc.amount.present, false);
    parsed_free(o);
    parsed_free(p);
    parsed_free(l);
}

static void test_parse_errors_with_paths(void **state)
{
    (void)state;
    /* several problems at once, each at its path */
    parsed *p = parse(BW_REC_ORDER,
                      "{\"platform\":{\"id\":7,\"name\":\"x\"},\"buyer\":{},\"total\":{\"amount\":\"1.234\",\"currency\":\"CNY\"},"
                      "\"items\":1.5,\"colour\":\"red\",\"date\":\"yesterday\"}",
                      "S");
    assert_false(p->ok);
    assert_true(has_issue(p, "field.required", "order_id"));
    assert_true(has_issue(p, "type.string", "platform.id"));
    assert_true(has_issue(p, "field.unknown", "platform.name"));
    assert_true(has_issue(p, "field.required", "buyer"));
    assert_true(has_issue(p, "amount.precision", "total.amount"));
    assert_true(has_issue(p, "number.format", "items"));
    assert_true(has_issue(p, "field.unknown", "colour"));
    assert_true(has_issue(p, "time.format", "date"));
    assert_int_equal(p->iss.errors, 8);
    parsed_free(p);

    p = parse(BW_REC_PAYMENT, "{\"payment_id\":\"P\",\"payer\":{\"name\":\"A\",\"id\":\"x\"},"
                              "\"amount\":{\"amount\":\"-1\",\"currency\":\"ZZZ\"}}", "S");
    assert_true(has_issue(p, "field.required", "order_id"));
    assert_true(has_issue(p, "field.unknown", "payer.id")); /* a payer has no buyer id */
    assert_true(has_issue(p, "currency.unknown", "amount.currency"));
    parsed_free(p);

    p = parse(BW_REC_PAYMENT, "{\"payment_id\":\"P\",\"order_id\":\"O\",\"payer\":{\"name\":\"A\"},"
                              "\"amount\":{\"amount\":\"-1.00\",\"currency\":\"CNY\"}}", "S");
    assert_true(has_issue(p, "amount.negative", "amount.amount"));
    assert_int_equal(p->iss.errors, 1);
    parsed_free(p);

    p = parse(BW_REC_LOGISTICS, "{\"transport_document\":\"\",\"consignee\":{\"name\":\"A\"},\"packages\":0,"
                                "\"gross_weight_g\":\"1.2345\",\"items\":\"2\"}", "S");
    assert_true(has_issue(p, "field.required", "transport_document"));
    assert_true(has_issue(p, "number.range", "packages"));
    assert_true(has_issue(p, "number.format", "gross_weight_g"));
    assert_true(has_issue(p, "type.number", "items"));
    parsed_free(p);

    /* a long id, an amount that is no number, null as absent */
    char big[200];
    memset(big, 'x', 71);
    big[71] = 0;
    char json[400];
    snprintf(json, sizeof json, "{\"order_id\":\"%s\",\"buyer\":{\"name\":\"A\"},\"total\":{\"amount\":\"ten\",\"currency\":\"CNY\"},"
                                "\"items\":1,\"platform\":null}", big);
    p = parse(BW_REC_ORDER, json, "S");
    assert_true(has_issue(p, "string.too_long", "order_id"));
    assert_true(has_issue(p, "amount.syntax", "total.amount"));
    assert_int_equal(p->iss.errors, 2);
    parsed_free(p);
}

static void test_parse_not_a_record(void **state)
{
    (void)state;
    parsed *p = parse(BW_REC_ORDER, "{\"order_id\":", "S");
    assert_true(has_issue(p, "json.syntax", ""));
    assert_string_equal(p->iss.v[0].message, "not JSON: it ends too early at byte 12");
    parsed_free(p);
    p = parse(BW_REC_ORDER, "", "S");
    assert_true(has_issue(p, "json.syntax", ""));
    parsed_free(p);
    p = parse(BW_REC_ORDER, "{'order_id':'x'}", "S"); /* strict JSON only */
    assert_true(has_issue(p, "json.syntax", ""));
    parsed_free(p);
    p = parse(BW_REC_ORDER, "[1,2]", "S");
    assert_true(has_issue(p, "type.object", ""));
    parsed_free(p);
    p = parse(BW_REC_ORDER, ORDER_OK " {}", "S"); /* one record per body or line */
    assert_true(has_issue(p, "json.syntax", ""));
    assert_int_equal(p->iss.errors, 1);
    parsed_free(p);
    p = parse(BW_REC_ORDER, ORDER_OK " \n", "S"); /* white space after it is fine */
    assert_true(p->ok);
    parsed_free(p);
    bw_record_kind k;
    assert_true(bw_record_kind_parse("logistics", &k));
    assert_int_equal(k, BW_REC_LOGISTICS);
    assert_false(bw_record_kind_parse("invoice", &k));
    assert_false(bw_record_kind_parse(NULL, &k));
}

/* The canonical form: fixed order, amounts in the minor unit, so the same
 * record spelled differently is the same record. */
static void test_canonical(void **state)
{
    (void)state;
    parsed *a = parse(BW_REC_PAYMENT, "{\"amount\":{\"currency\":\"CNY\",\"amount\":\"100.5\"},\"payer\":{\"name\":\"A\"},"
                                      "\"order_id\":\"O\",\"payment_id\":\"P\",\"date\":\"2026-10-20T23:41:36+08:00\"}", "S");
    parsed *b = parse(BW_REC_PAYMENT, "{\"payment_id\":\"P\",\"order_id\":\"O\",\"payer\":{\"name\":\"A\"},"
                                      "\"amount\":{\"amount\":\"100.50\",\"currency\":\"CNY\"},\"date\":\"2026-10-20T15:41:36Z\"}", "S");
    bw_buf x = {0}, y = {0};
    bw_record_json(&a->doc, &x);
    bw_record_json(&b->doc, &y);
    assert_string_equal(bw_buf_cstr(&x), bw_buf_cstr(&y));
    assert_string_equal(bw_buf_cstr(&x), "{\"payment_id\":\"P\",\"order_id\":\"O\",\"payer\":{\"name\":\"A\"},"
                                         "\"amount\":{\"amount\":\"100.50\",\"currency\":\"CNY\"},\"date\":\"2026-10-20T15:41:36Z\"}");
    /* and it parses back to itself */
    parsed *c = parse(BW_REC_PAYMENT, bw_buf_cstr(&x), "S");
    assert_true(c->ok);
    y.n = 0;
    bw_record_json(&c->doc, &y);
    assert_string_equal(bw_buf_cstr(&x), bw_buf_cstr(&y));
    parsed *l = parse(BW_REC_LOGISTICS, LOGISTICS_OK, "S");
    x.n = 0;
    bw_record_json(&l->doc, &x);
    assert_non_null(strstr(bw_buf_cstr(&x), "\"gross_weight_g\":\"171.500\""));
    bw_buf_free(&x);
    bw_buf_free(&y);
    parsed_free(a);
    parsed_free(b);
    parsed_free(c);
    parsed_free(l);
}

/* ---- the comparison ---------------------------------------------------------------- */

static void test_all_agree(void **state)
{
    (void)state;
    decl *x = declaration("100.00");
    parsed *r[3] = {parse(BW_REC_ORDER, ORDER_OK, "MKT-7"), parse(BW_REC_PAYMENT, PAYMENT_OK, "PAYCO"),
                    parse(BW_REC_LOGISTICS, LOGISTICS_OK, "POST-JP")};
    compared *c = compare(x, r, 3, BW_RECORD_ORDER | BW_RECORD_PAYMENT | BW_RECORD_LOGISTICS, 0);
    assert_int_equal(c->r.n_hits, 0);
    assert_int_equal(bw_records_lane(&c->r), BW_LANE_NONE);
    compared_free(c);
    for (int i = 0; i < 3; i++)
        parsed_free(r[i]);
    decl_free(x);
}

static void test_amount_mismatch(void **state)
{
    (void)state;
    compared *c = compare_one(BW_REC_ORDER,
                              "{\"order_id\":\"ORD-1\",\"buyer\":{\"national_id\":\"110101199001011234\"},"
                              "\"total\":{\"amount\":\"90.00\",\"currency\":\"CNY\"},\"items\":2}", 0);
    assert_int_equal(c->r.n_hits, 1);
    const bw_risk_hit *h = find_hit(c, "reconciliation.record_amount");
    assert_non_null(h);
    assert_string_equal(h->path, "order.total");
    assert_string_equal(h->ref, "ORD-1");
    assert_int_equal(h->lane, BW_LANE_YELLOW);
    assert_true(h->score > 0);
    assert_evidence(h, "\"record\":{\"kind\":\"order\",\"key\":\"ORD-1\",\"submitter\":\"S-1\"}");
    assert_evidence(h, "\"field\":\"total.amount\",\"declared\":\"100.00\",\"recorded\":\"90.00\"");
    compared_free(c);

    /* a payment compares with the declared payment */
    c = compare_one(BW_REC_PAYMENT, "{\"payment_id\":\"PAY-1\",\"order_id\":\"ORD-1\",\"payer\":{\"name\":\"Zhang Wei\"},"
                                    "\"amount\":{\"amount\":\"100.01\",\"currency\":\"CNY\"}}", 0);
    h = find_hit(c, "reconciliation.record_amount");
    assert_non_null(h);
    assert_string_equal(h->path, "payment.amount");
    assert_evidence(h, "\"field\":\"amount.amount\",\"declared\":\"100.00\",\"recorded\":\"100.01\"");
    assert_int_equal(bw_records_lane(&c->r), BW_LANE_YELLOW);
    compared_free(c);
}

/* Without a declared payment, the payment record is held against the order total. */
static void test_payment_against_order_total(void **state)
{
    (void)state;
    decl *x = declaration(NULL);
    parsed *p = parse(BW_REC_PAYMENT, "{\"payment_id\":\"PAY-1\",\"order_id\":\"ORD-1\",\"payer\":{\"name\":\"Zhang Wei\"},"
                                      "\"amount\":{\"amount\":\"80.00\",\"currency\":\"CNY\"}}", "S");
    compared *c = compare(x, &p, 1, 0, 0);
    const bw_risk_hit *h = find_hit(c, "reconciliation.record_amount");
    assert_non_null(h);
    assert_string_equal(h->path, "order.total");
    assert_evidence(h, "\"declared\":\"100.00\",\"recorded\":\"80.00\"");
    compared_free(c);
    parsed_free(p);
    decl_free(x);
}

static void test_currency_mismatch(void **state)
{
    (void)state;
    /* 100.00 in another currency: never converted, a hit of its own */
    compared *c = compare_one(BW_REC_PAYMENT, "{\"payment_id\":\"PAY-1\",\"order_id\":\"ORD-1\",\"payer\":{\"name\":\"Zhang Wei\"},"
                                              "\"amount\":{\"amount\":\"100.00\",\"currency\":\"USD\"}}", 100);
    assert_int_equal(c->r.n_hits, 1);
    const bw_risk_hit *h = find_hit(c, "reconciliation.record_amount");
    assert_evidence(h, "\"field\":\"amount.currency\",\"declared\":\"CNY\",\"recorded\":\"USD\"");
    compared_free(c);
}

/* The tolerance is a share of the declared amount, inclusive. */
static void test_tolerance_edge(void **state)
{
    (void)state;
    static const struct {
        const char *amount;
        uint32_t bp;
        bool hit;
    } cases[] = {
        {"101.00", 100, false}, {"101.01", 100, true}, {"99.00", 100, false}, {"98.99", 100, true},
        {"100.00", 0, false},   {"100.01", 0, true},   {"99.99", 0, true},    {"100.50", 50, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[300];
        snprintf(json, sizeof json, "{\"order_id\":\"ORD-1\",\"buyer\":{\"id\":\"B-1\"},"
                                    "\"total\":{\"amount\":\"%s\",\"currency\":\"CNY\"},\"items\":2}", cases[i].amount);
        compared *c = compare_one(BW_REC_ORDER, json, cases[i].bp);
        if ((find_hit(c, "reconciliation.record_amount") != NULL) != cases[i].hit)
            fail_msg("%s at %u bp: expected %s", cases[i].amount, cases[i].bp, cases[i].hit ? "a hit" : "none");
        assert_int_equal(c->r.n_hits, cases[i].hit ? 1 : 0);
        if (cases[i].hit && cases[i].bp == 100)
            assert_evidence(find_hit(c, "reconciliation.record_amount"), "\"tolerance\":\"1.00\"");
        compared_free(c);
    }
}

static void test_buyer_identity(void **state)
{
    (void)state;
    /* the national id decides when both sides have one: the name may differ */
    compared *c = compare_one(BW_REC_PAYMENT, "{\"payment_id\":\"PAY-1\",\"order_id\":\"ORD-1\",\"payer\":{\"name\":\"Someone Else\","
                                              "\"national_id\":\"110101199001011234\"},\"amount\":{\"amount\":\"100.00\",\"currency\":\"CNY\"}}", 0);
    assert_int_equal(c->r.n_hits, 0);
    compared_free(c);
    /* ... and a different national id is a hit even with the same name */
    c = compare_one(BW_REC_PAYMENT, "{\"payment_id\":\"PAY-1\",\"order_id\":\"ORD-1\",\"payer\":{\"name\":\"Zhang Wei\","
                                    "\"national_id\":\"320102198505054321\"},\"amount\":{\"amount\":\"100.00\",\"currency\":\"CNY\"}}", 0);
    const bw_risk_hit *h = find_hit(c, "reconciliation.record_buyer");
    assert_non_null(h);
    assert_int_equal(c->r.n_hits, 1);
    assert_string_equal(h->path, "buyer.national_id");
    assert_int_equal(h->lane, BW_LANE_YELLOW);
    assert_evidence(h, "\"field\":\"payer.national_id\",\"declared\":\"110101199001011234\",\"recorded\":\"320102198505054321\"");
    compared_free(c);
    /* without a national id, names in the normalized form: case, spacing, script */
    static const char *const same[] = {"ZHANG  wei", "zhang-wei", "\xe5\xbc\xa0\xe4\xbc\x9f" /* 张伟 */};
    for (size_t i = 0; i < 3; i++) {
        char json[300];
        snprintf(json, sizeof json, "{\"transport_document\":\"EE621164624JP\",\"consignee\":{\"name\":\"%s\"}}", same[i]);
        c = compare_one(BW_REC_LOGISTICS, json, 0);
        if (c->r.n_hits)
            fail_msg("\"%s\" should be the buyer Zhang Wei: %s", same[i], c->r.hits[0].evidence);
        compared_free(c);
    }
    c = compare_one(BW_REC_LOGISTICS, "{\"transport_document\":\"EE621164624JP\",\"consignee\":{\"name\":\"Li Na\"}}", 0);
    h = find_hit(c, "reconciliation.record_buyer");
    assert_non_null(h);
    assert_string_equal(h->path, "buyer.name");
    assert_evidence(h, "\"normalized\":{\"declared\":\"zhang wei\",\"recorded\":\"li na\"}");
    compared_free(c);
    /* the order's buyer id, when no national id is on the record */
    c = compare_one(BW_REC_ORDER, "{\"order_id\":\"ORD-1\",\"buyer\":{\"id\":\"B-2\",\"name\":\"Zhang Wei\"},"
                                  "\"total\":{\"amount\":\"100.00\",\"currency\":\"CNY\"},\"items\":2}", 0);
    h = find_hit(c, "reconciliation.record_buyer");
    assert_non_null(h);
    assert_string_equal(h->path, "buyer.id");
    compared_free(c);
}

static void test_item_counts(void **state)
{
    (void)state;
    compared *c = compare_one(BW_REC_ORDER, "{\"order_id\":\"ORD-1\",\"buyer\":{\"id\":\"B-1\"},"
                                            "\"total\":{\"amount\":\"100.00\",\"currency\":\"CNY\"},\"items\":3}", 0);
    const bw_risk_hit *h = find_hit(c, "reconciliation.record_items");
    assert_non_null(h);
    assert_int_equal(h->lane, BW_LANE_RED);
    assert_string_equal(h->path, "items");
    assert_evidence(h, "\"field\":\"items\",\"declared\":2,\"recorded\":3");
    assert_int_equal(bw_records_lane(&c->r), BW_LANE_RED);
    compared_free(c);
    c = compare_one(BW_REC_LOGISTICS, "{\"transport_document\":\"EE621164624JP\",\"consignee\":{\"name\":\"Zhang Wei\"},"
                                      "\"packages\":2,\"items\":2}", 0);
    assert_int_equal(c->r.n_hits, 1);
    h = find_hit(c, "reconciliation.record_items");
    assert_string_equal(h->path, "packages");
    assert_evidence(h, "\"field\":\"packages\",\"declared\":1,\"recorded\":2");
    compared_free(c);
    /* what the record does not say is not compared */
    c = compare_one(BW_REC_LOGISTICS, "{\"transport_document\":\"EE621164624JP\",\"consignee\":{\"name\":\"Zhang Wei\"}}", 0);
    assert_int_equal(c->r.n_hits, 0);
    compared_free(c);
}

static void test_missing_kinds(void **state)
{
    (void)state;
    decl *x = declaration("100.00");
    parsed *o = parse(BW_REC_ORDER, ORDER_OK, "MKT-7");
    uint32_t all = BW_RECORD_ORDER | BW_RECORD_PAYMENT | BW_RECORD_LOGISTICS;
    compared *c = compare(x, &o, 1, all, 0);
    assert_int_equal(c->r.n_hits, 1);
    const bw_risk_hit *h = find_hit(c, "reconciliation.records_missing");
    assert_int_equal(h->lane, BW_LANE_YELLOW);
    assert_evidence(h, "{\"required\":[\"order\",\"payment\",\"logistics\"],\"missing\":[\"payment\",\"logistics\"]}");
    compared_free(c);
    /* nothing at all */
    c = compare(x, NULL, 0, all, 0);
    assert_evidence(find_hit(c, "reconciliation.records_missing"), "\"missing\":[\"order\",\"payment\",\"logistics\"]");
    compared_free(c);
    /* nothing required: nothing missing */
    c = compare(x, NULL, 0, 0, 0);
    assert_int_equal(c->r.n_hits, 0);
    compared_free(c);
    /* an order of another platform is not this order: still missing */
    parsed *other = parse(BW_REC_ORDER, "{\"order_id\":\"ORD-1\",\"platform\":{\"id\":\"MKT-9\"},\"buyer\":{\"id\":\"B-9\"},"
                                        "\"total\":{\"amount\":\"5.00\",\"currency\":\"CNY\"},\"items\":9}", "MKT-9");
    c = compare(x, &other, 1, BW_RECORD_ORDER, 0);
    assert_int_equal(c->r.n_hits, 1);
    assert_evidence(find_hit(c, "reconciliation.records_missing"), "\"missing\":[\"order\"]");
    compared_free(c);
    parsed_free(other);
    parsed_free(o);
    decl_free(x);
}

/* ---- the store flow -------------------------------------------------------------- */

#define DAY "2026-11-01T10:00:00Z"
#define NATIONAL_ID "51010720040916928X"

/* An S10 postal item number with its check digit. */
static void s10(char out[16], unsigned serial)
{
    static const int w[8] = {8, 6, 4, 2, 3, 5, 9, 7};
    char digits[9];
    snprintf(digits, sizeof digits, "%08u", serial);
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (digits[i] - '0') * w[i];
    int c = 11 - sum % 11;
    c = c == 10 ? 0 : c == 11 ? 5 : c;
    snprintf(out, 16, "EE%s%dJP", digits, c);
}

/* A valid CN declaration of one item worth `value` CNY, order `order`,
 * waybill `doc`. */
static char *cn_declaration(const char *id, const char *order, const char *doc, const char *value)
{
    bw_buf b = {0};
    bw_buf_printf(&b,
        "{\"submitter\":{\"id\":\"POST-CN\",\"role\":\"postal\"},\"declaration_id\":\"%s\",\"jurisdiction\":\"CN\","
        "\"type\":\"import\",\"transaction_type\":\"C2C\",\"gift\":false,"
        "\"transport\":{\"mode\":\"post\",\"document_id\":\"%s\",\"carrier\":\"POST-JP\",\"loading_place\":\"JPTYO\","
        "\"arrival_place\":\"CNCAN\",\"expected_arrival\":\"2026-10-28T21:55:00Z\"},"
        "\"order\":{\"id\":\"%s\",\"date\":\"2026-10-20T23:41:20Z\",\"platform\":{\"id\":\"MKT-7\",\"name\":\"Example Marketplace\"},"
        "\"total\":{\"amount\":\"%s\",\"currency\":\"CNY\"}},"
        "\"payment\":{\"id\":\"PAY-%s\",\"provider\":\"QUICKWALLET\",\"amount\":{\"amount\":\"%s\",\"currency\":\"CNY\"},"
        "\"date\":\"2026-10-20T23:41:36Z\"},"
        "\"seller\":{\"id\":\"P-616\",\"name\":\"Yui Nakamura\",\"address\":{\"line\":\"1-21-5 Sakae\",\"city\":\"Nagoya\","
        "\"postcode\":\"460-0008\",\"country\":\"JP\"}},"
        "\"buyer\":{\"id\":\"B-16\",\"name\":\"Yang Wei\",\"address\":{\"line\":\"44 Renmin Road\",\"city\":\"Chengdu\","
        "\"postcode\":\"610041\",\"country\":\"CN\"},\"email\":\"yang.wei6@example.com\",\"phone\":\"+8615020189015\","
        "\"national_id\":\"" NATIONAL_ID "\"},"
        "\"items\":[{\"description\":\"USB flash drive, 32 GB\",\"hs_code\":\"852351\",\"quantity\":1,\"unit\":\"pcs\","
        "\"net_weight_g\":16,\"value\":{\"amount\":\"%s\",\"currency\":\"CNY\"},\"origin\":\"JP\"}],"
        "\"gross_weight_g\":171,\"packages\":1,\"freight\":{\"amount\":\"0.00\",\"currency\":\"CNY\"},"
        "\"insurance\":{\"amount\":\"0.00\",\"currency\":\"CNY\"},\"collection\":{\"model\":\"buyer\"}}",
        id, doc, order, value, order, value, value);
    char *s = strdup(bw_buf_cstr(&b));
    bw_buf_free(&b);
    return s;
}

static bw_records_env env_at(const char *actor)
{
    return (bw_records_env){.rd = g_rd, .lanes = g_lanes, .actor = actor, .now = 0};
}

/* Runs a declaration through the pipeline and stores it as ingest does,
 * then lets records compare it; returns the decided lane. */
static const char *store_declaration(bw_store *s, const char *json)
{
    bw_time as_of;
    assert_true(bw_time_parse(DAY, strlen(DAY), &as_of));
    bw_pipeline pipe = {.rd = g_rd, .as_of = as_of, .risk = g_engine};
    bw_reader *rd = bw_reader_new_mem(json, strlen(json), NULL);
    bw_record rec;
    bw_record_init(&rec);
    assert_int_equal(bw_reader_next(rd, &rec), 1);
    bw_outcome oc;
    bw_pipeline_run(&pipe, &rec, &oc);
    if (oc.status != BW_STATUS_ACCEPTED) {
        bw_buf e = {0};
        bw_issues_json(&rec.issues, BW_ERROR, &e);
        fail_msg("the test declaration is rejected: %s", bw_buf_cstr(&e));
    }
    bw_arena arena;
    bw_arena_init(&arena);
    bw_row_scratch scratch = {0};
    /* room enough that the body never moves while bw_row_build writes it:
     * its assessment slice would dangle (see the report on row.c) */
    bw_buf_grow(&scratch.body, 1 << 16);
    bw_decl_row row;
    bw_row_build(&rec, &oc, "postal", &arena, &scratch, true, &row);
    bw_prior prior;
    assert_true(bw_store_begin(s));
    assert_int_equal(bw_store_put(s, &row, &prior), BW_PUT_STORED);
    assert_true(bw_store_commit(s));
    bw_records_env env = env_at("postal:POST-CN");
    if (!bw_records_after_store(s, &env, &row, 1, sizeof row))
        fail_msg("after_store: %s", bw_store_error(s));
    static char lane[8];
    snprintf(lane, sizeof lane, "%s", row.lane);
    bw_row_scratch_free(&scratch);
    bw_arena_free(&arena);
    bw_record_free(&rec);
    bw_reader_free(rd);
    return lane;
}

/* Adds one record (JSON) from `submitter`; returns what happened. */
static bw_record_added add_record(bw_store *s, bw_record_kind kind, const char *json, const char *submitter)
{
    parsed *p = parse(kind, json, submitter);
    if (!p->ok)
        fail_msg("record does not parse: %s at %s", p->iss.v[0].code, p->iss.v[0].path);
    bw_records_env env = env_at(submitter);
    bw_record_added out;
    if (!bw_records_add(s, &env, &p->doc, 1, &out))
        fail_msg("records_add: %s", bw_store_error(s));
    parsed_free(p);
    return out;
}

typedef struct state_of {
    char lane[8];
    int compared, missing_events, mismatch_events, complete_events, events;
    char last_detail[2048];
} state_of;

static state_of state(bw_store *s, const char *id)
{
    bw_stored d;
    assert_int_equal(bw_store_get(s, "POST-CN", id, &d), 1);
    state_of st = {0};
    snprintf(st.lane, sizeof st.lane, "%s", d.lane ? d.lane : "");
    st.events = (int)d.n_events;
    for (uint32_t i = 0; i < d.n_events; i++) {
        const bw_event *e = &d.events[i];
        st.compared += !strcmp(e->kind, "records_compared");
        st.missing_events += !strcmp(e->kind, "records_missing");
        st.mismatch_events += !strcmp(e->kind, "records_mismatch");
        st.complete_events += !strcmp(e->kind, "records_complete");
        if (!strcmp(e->kind, "records_compared"))
            snprintf(st.last_detail, sizeof st.last_detail, "%s", e->detail ? e->detail : "");
    }
    bw_stored_free(&d);
    return st;
}

static bw_store *fresh_store(const char *name)
{
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/%s.db", g_dir, name);
    unlink(path);
    bw_store *s = bw_store_open(path, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    return s;
}

static char *order_json(const char *order, const char *amount, int items)
{
    char *s = malloc(400);
    snprintf(s, 400, "{\"order_id\":\"%s\",\"platform\":{\"id\":\"MKT-7\"},\"buyer\":{\"name\":\"Yang Wei\",\"national_id\":\"" NATIONAL_ID
                     "\"},\"total\":{\"amount\":\"%s\",\"currency\":\"CNY\"},\"items\":%d}", order, amount, items);
    return s;
}

static char *payment_json(const char *pay_id, const char *order, const char *amount)
{
    char *s = malloc(400);
    snprintf(s, 400, "{\"payment_id\":\"%s\",\"order_id\":\"%s\",\"payer\":{\"name\":\"Yang Wei\",\"national_id\":\"" NATIONAL_ID
                     "\"},\"amount\":{\"amount\":\"%s\",\"currency\":\"CNY\"},\"provider\":\"QUICKWALLET\"}", pay_id, order, amount);
    return s;
}

static char *logistics_json(const char *doc, const char *order)
{
    char *s = malloc(400);
    snprintf(s, 400, "{\"transport_document\":\"%s\",\"order_id\":\"%s\",\"carrier\":\"POST-JP\",\"consignee\":{\"name\":\"Yang Wei\"},"
                     "\"packages\":1,\"gross_weight_g\":\"171\",\"items\":1}", doc, order);
    return s;
}

/* Adds the three agreeing records; returns the lanes changed by the last. */
static void add_three(bw_store *s, const char *order, const char *doc, bw_record_added out[3])
{
    char *o = order_json(order, "27.99", 1), *p = payment_json("PAY-X", order, "27.99"), *l = logistics_json(doc, order);
    out[0] = add_record(s, BW_REC_ORDER, o, "MKT-7");
    out[1] = add_record(s, BW_REC_PAYMENT, p, "QUICKWALLET");
    out[2] = add_record(s, BW_REC_LOGISTICS, l, "POST-JP");
    free(o);
    free(p);
    free(l);
}

static void test_flow_declaration_first(void **state_)
{
    (void)state_;
    bw_store *s = fresh_store("first");
    char doc[16];
    s10(doc, 11111111);
    char *json = cn_declaration("D-FIRST", "ORD-FIRST", doc, "27.99");
    /* the pipeline's decision: a release lane (green, or blue for a new
     * seller, buyer, platform and carrier; a private sale, so no profile of
     * new business sellers forces yellow), which the records then hold */
    char decided[8];
    snprintf(decided, sizeof decided, "%s", store_declaration(s, json));
    if (strcmp(decided, "green") && strcmp(decided, "blue"))
        fail_msg("decided %s, not a release lane", decided);
    state_of st = state(s, "D-FIRST");
    assert_string_equal(st.lane, "yellow"); /* held: no records yet */
    assert_int_equal(st.compared, 1);
    assert_int_equal(st.missing_events, 1);
    assert_non_null(strstr(st.last_detail, "\"missing\":[\"order\",\"payment\",\"logistics\"]"));

    bw_record_added out[3];
    add_three(s, "ORD-FIRST", doc, out);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(out[i].outcome, BW_RECORD_STORED);
        assert_int_equal(out[i].compared, 1);
    }
    assert_int_equal(out[0].lanes_changed + out[1].lanes_changed, 0); /* still one missing */
    assert_int_equal(out[2].lanes_changed, 1);
    st = state(s, "D-FIRST");
    assert_string_equal(st.lane, decided); /* back to the decision */
    assert_int_equal(st.complete_events, 1);
    assert_int_equal(st.compared, 4);
    assert_non_null(strstr(st.last_detail, "\"hits\":[]"));
    assert_non_null(strstr(st.last_detail, "{\"kind\":\"payment\",\"key\":\"PAY-X\",\"submitter\":\"QUICKWALLET\"}"));

    /* the same record again: a duplicate, nothing compared, nothing changes */
    char *p = payment_json("PAY-X", "ORD-FIRST", "27.99");
    bw_record_added dup = add_record(s, BW_REC_PAYMENT, p, "QUICKWALLET");
    assert_int_equal(dup.outcome, BW_RECORD_DUPLICATE);
    assert_int_equal(dup.compared, 0);
    free(p);
    /* its key with other content: a conflict, not stored */
    p = payment_json("PAY-X", "ORD-FIRST", "1.00");
    bw_record_added conflict = add_record(s, BW_REC_PAYMENT, p, "QUICKWALLET");
    assert_int_equal(conflict.outcome, BW_RECORD_CONFLICT);
    free(p);
    state_of after = state(s, "D-FIRST");
    assert_int_equal(after.events, st.events);
    assert_string_equal(after.lane, decided);
    /* the same key from another submitter is another record: it disagrees */
    p = payment_json("PAY-X", "ORD-FIRST", "1.00");
    bw_record_added other = add_record(s, BW_REC_PAYMENT, p, "OTHERPAY");
    assert_int_equal(other.outcome, BW_RECORD_STORED);
    assert_int_equal(other.lanes_changed, 1);
    free(p);
    st = state(s, "D-FIRST");
    assert_string_equal(st.lane, "yellow");
    assert_int_equal(st.mismatch_events, 1);
    assert_non_null(strstr(st.last_detail, "\"declared\":\"27.99\",\"recorded\":\"1.00\""));
    free(json);
    bw_store_close(s);
}

static void test_flow_records_first(void **state_)
{
    (void)state_;
    bw_store *s = fresh_store("before");
    char doc[16];
    s10(doc, 22222222);
    bw_record_added out[3];
    add_three(s, "ORD-EARLY", doc, out);
    for (int i = 0; i < 3; i++)
        assert_int_equal(out[i].compared, 0); /* no declaration yet */
    char *json = cn_declaration("D-EARLY", "ORD-EARLY", doc, "27.99");
    char decided[8];
    snprintf(decided, sizeof decided, "%s", store_declaration(s, json));
    state_of st = state(s, "D-EARLY");
    assert_string_equal(st.lane, decided); /* nothing missing: the decision stands */
    assert_int_equal(st.compared, 1);
    assert_int_equal(st.missing_events + st.mismatch_events + st.complete_events, 0);
    assert_non_null(strstr(st.last_detail, "\"hits\":[]"));
    /* the records are there to read, per submitter or all */
    bw_buf b = {0};
    assert_int_equal(bw_records_view(s, BW_REC_ORDER, "ORD-EARLY", NULL, &b), 1);
    assert_non_null(strstr(bw_buf_cstr(&b), "\"submitter\":\"MKT-7\""));
    assert_non_null(strstr(bw_buf_cstr(&b), "\"record\":{\"order_id\":\"ORD-EARLY\""));
    b.n = 0;
    assert_int_equal(bw_records_view(s, BW_REC_ORDER, "ORD-EARLY", "QUICKWALLET", &b), 0);
    assert_int_equal(b.n, 0);
    assert_int_equal(bw_records_view(s, BW_REC_PAYMENT, "ORD-EARLY", NULL, &b), 0); /* payments are keyed by payment id */
    bw_buf_free(&b);
    free(json);
    bw_store_close(s);
}

/* An item count that disagrees raises the lane to red; agreeing records
 * arriving later do not lower it. */
static void test_flow_mismatch_raises(void **state_)
{
    (void)state_;
    bw_store *s = fresh_store("mismatch");
    char doc[16];
    s10(doc, 33333333);
    char *json = cn_declaration("D-MIS", "ORD-MIS", doc, "27.99");
    store_declaration(s, json);
    assert_string_equal(state(s, "D-MIS").lane, "yellow");
    char *o = order_json("ORD-MIS", "27.99", 3);
    bw_record_added a = add_record(s, BW_REC_ORDER, o, "MKT-7");
    assert_int_equal(a.lanes_changed, 1);
    state_of st = state(s, "D-MIS");
    assert_string_equal(st.lane, "red");
    assert_int_equal(st.mismatch_events, 1);
    assert_non_null(strstr(st.last_detail, "reconciliation.record_items"));
    char *p = payment_json("PAY-MIS", "ORD-MIS", "27.99"), *l = logistics_json(doc, "ORD-MIS");
    add_record(s, BW_REC_PAYMENT, p, "QUICKWALLET");
    add_record(s, BW_REC_LOGISTICS, l, "POST-JP");
    st = state(s, "D-MIS");
    assert_string_equal(st.lane, "red");
    assert_int_equal(st.complete_events, 0);
    free(o);
    free(p);
    free(l);
    free(json);
    bw_store_close(s);
}

/* A lane someone else set (an officer) is not lowered by records. */
static void test_flow_other_lane_kept(void **state_)
{
    (void)state_;
    bw_store *s = fresh_store("officer");
    char doc[16];
    s10(doc, 44444444);
    char *json = cn_declaration("D-OFF", "ORD-OFF", doc, "27.99");
    store_declaration(s, json);
    assert_int_equal(bw_store_set_lane(s, "POST-CN", "D-OFF", "red", "officer:key", "officer_lane", "{}", bw_time_now()), 1);
    bw_record_added out[3];
    add_three(s, "ORD-OFF", doc, out);
    assert_int_equal(out[2].lanes_changed, 0);
    assert_string_equal(state(s, "D-OFF").lane, "red");
    free(json);
    bw_store_close(s);
}

/* A jurisdiction without records_required costs no SQL while no record
 * exists: the records tables are not even created. */
static void test_no_records_no_sql(void **state_)
{
    (void)state_;
    bw_store *s = fresh_store("eu");
    bw_decl_row row;
    memset(&row, 0, sizeof row);
    row.submitter = BW_STR_LIT("EXP");
    row.declaration_id = BW_STR_LIT("E-1");
    row.jurisdiction = BW_STR_LIT("EU");
    row.status = "accepted";
    row.lane = "green";
    bw_time now;
    assert_true(bw_time_parse(DAY, strlen(DAY), &now));
    row.received_at = now;
    bw_records_env env = env_at("x");
    assert_true(bw_records_after_store(s, &env, &row, 1, sizeof row));
    bw_store_close(s);
    sqlite3 *db;
    char path[4200];
    snprintf(path, sizeof path, "%s/eu.db", g_dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('records','record_links')", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- set-up ----------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "%s/bw-records-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_dir))
        return -1;
    char err[1024];
    g_rd = bw_refdata_load(BW_DATADIR, NULL, err, sizeof err);
    g_lanes = g_rd ? bw_lanes_load(BW_DATADIR, err, sizeof err) : NULL;
    bw_risk_lists *lists = g_lanes ? bw_risk_lists_load(BW_DATADIR, err, sizeof err) : NULL;
    g_engine = lists ? bw_risk_engine_new(lists, BW_DATADIR, err, sizeof err) : NULL;
    if (!g_engine) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bw_risk_engine_free(g_engine);
    bw_lanes_free(g_lanes);
    bw_refdata_free(g_rd);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* first: whether a record exists is known process-wide once one is stored */
        cmocka_unit_test(test_no_records_no_sql),
        cmocka_unit_test(test_parse_each_kind),
        cmocka_unit_test(test_parse_errors_with_paths),
        cmocka_unit_test(test_parse_not_a_record),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_all_agree),
        cmocka_unit_test(test_amount_mismatch),
        cmocka_unit_test(test_payment_against_order_total),
        cmocka_unit_test(test_currency_mismatch),
        cmocka_unit_test(test_tolerance_edge),
        cmocka_unit_test(test_buyer_identity),
        cmocka_unit_test(test_item_counts),
        cmocka_unit_test(test_missing_kinds),
        cmocka_unit_test(test_flow_declaration_first),
        cmocka_unit_test(test_flow_records_first),
        cmocka_unit_test(test_flow_mismatch_raises),
        cmocka_unit_test(test_flow_other_lane_kept),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
