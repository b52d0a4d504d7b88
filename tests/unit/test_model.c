/*
 * test_model.c - the learned risk model (src/risk/model.c, history.c,
 * metrics.c): ranking metrics on hand-counted fixtures, RFC 4180 framing
 * and its errors, --map/--const paths and their coercions, the history
 * reader, out-of-fold statistics that do not leak a row's own label, the
 * model file (round trip, and every way a wrong file is refused), the
 * detector features, and lanes.
 *
 * Histories are small files written into a private temporary directory;
 * models are trained without reference data (values stay as declared).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/json_decode.h"
#include "risk/history.h"
#include "risk/metrics.h"
#include "risk/model.h"

static char g_dir[4096];

/* ---- helpers ------------------------------------------------------------------ */

static const char *scratch(const char *name)
{
    static char path[8][4200];
    static unsigned next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", g_dir, name);
    return p;
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text) { write_file(path, text, strlen(text)); }

static bool contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle)) {
        print_error("'%s' does not contain '%s'\n", haystack, needle);
        return false;
    }
    return true;
}

static uint32_t feature_index(const bw_model *m, const char *name)
{
    for (uint32_t i = 0; i < bw_model_n_features(m); i++)
        if (!strcmp(bw_model_feature_name(m, i), name))
            return i;
    fail_msg("no feature '%s'", name);
    return 0;
}

/* ---- metrics ------------------------------------------------------------------- */

/* Ten declarations, three frauds (A, C, E) with 10 + 30 + 60 of revenue; B
 * and C tie at 0.8 and rank B first (by id).  Counted by hand:
 * ranked A B C D E F G H I J. */
static void fixture(bw_scored *r)
{
    static const struct { double s; const char *id; bool fraud; double rev; } rows[] = {
        {0.8, "C", true, 30}, {0.9, "A", true, 10}, {0.8, "B", false, 0}, {0.7, "D", false, 0},
        {0.6, "E", true, 60}, {0.5, "F", false, 0}, {0.4, "G", false, 0}, {0.3, "H", false, 0},
        {0.2, "I", false, 0}, {0.1, "J", false, 0},
    };
    for (int i = 0; i < 10; i++)
        r[i] = (bw_scored){rows[i].s, rows[i].id, NULL, rows[i].fraud, rows[i].rev};
}

static void test_metrics_hand_counted(void **state)
{
    (void)state;
    bw_scored r[10];
    fixture(r);
    const double at[] = {10, 15, 20, 30, 50, 100};
    bw_evaluation e;
    bw_metrics_evaluate(r, 10, at, 6, &e);
    assert_string_equal(r[0].id, "A");
    assert_string_equal(r[1].id, "B"); /* the tie, by id */
    assert_string_equal(r[2].id, "C");
    assert_int_equal(e.rows, 10);
    assert_int_equal(e.frauds, 3);
    assert_true(fabs(e.revenue_total - 100) < 1e-9);
    /* A: 7 negatives below; C: 6 below + half of B; E: 5 below -> 18.5 / 21 */
    assert_true(fabs(e.auc - 18.5 / 21) < 1e-12);
    static const struct { size_t k, found; double p, r, rev; } want[] = {
        {1, 1, 1.0, 1.0 / 3, 0.1},      /* 10%: A */
        {2, 1, 0.5, 1.0 / 3, 0.1},      /* 15%: ceil(1.5) = 2: A B */
        {2, 1, 0.5, 1.0 / 3, 0.1},      /* 20% */
        {3, 2, 2.0 / 3, 2.0 / 3, 0.4},  /* 30%: A B C */
        {5, 3, 0.6, 1.0, 1.0},          /* 50%: A B C D E */
        {10, 3, 0.3, 1.0, 1.0},
    };
    for (int i = 0; i < 6; i++) {
        assert_int_equal(e.at[i].inspected, want[i].k);
        assert_int_equal(e.at[i].found, want[i].found);
        assert_true(fabs(e.at[i].precision - want[i].p) < 1e-12);
        assert_true(fabs(e.at[i].recall - want[i].r) < 1e-12);
        assert_true(fabs(e.at[i].revenue - want[i].rev) < 1e-12);
    }
    bw_buf out = {0};
    bw_metrics_json(&e, &out);
    assert_true(contains(bw_buf_cstr(&out), "\"auc\":0.880952"));
    assert_true(contains(out.p, "{\"percent\":30,\"inspected\":3,\"found\":2,\"precision\":0.666667"));
    out.n = 0;
    bw_metrics_table(&e, &out);
    assert_true(contains(bw_buf_cstr(&out), "AUC 0.8810"));
    bw_buf_free(&out);
}

static void test_metrics_degenerate(void **state)
{
    (void)state;
    bw_scored r[3] = {{0.5, "x", NULL, false, 0}, {0.5, "y", NULL, false, 0}, {0.1, "z", NULL, false, 0}};
    const double at[] = {1};
    bw_evaluation e;
    bw_metrics_evaluate(r, 3, at, 1, &e);
    assert_true(isnan(e.auc));              /* one class only */
    assert_int_equal(e.at[0].inspected, 1); /* at least one row */
    assert_true(isnan(e.at[0].recall));
    assert_true(isnan(e.at[0].revenue));
    assert_true(e.at[0].precision == 0);
    /* all tied: AUC one half */
    bw_scored t[4] = {{0.3, "a", NULL, true, 1}, {0.3, "b", NULL, false, 0}, {0.3, "c", NULL, true, 1},
                      {0.3, "d", NULL, false, 0}};
    bw_metrics_rank(t, 4);
    assert_true(fabs(bw_metrics_auc(t, 4) - 0.5) < 1e-12);
    /* a perfect ranking */
    bw_scored p[3] = {{0.1, "a", NULL, false, 0}, {0.9, "b", NULL, true, 0}, {0.2, "c", NULL, false, 0}};
    bw_metrics_rank(p, 3);
    assert_true(bw_metrics_auc(p, 3) == 1.0);
    bw_evaluation z;
    bw_metrics_evaluate(NULL, 0, at, 1, &z);
    assert_int_equal(z.rows, 0);
    assert_int_equal(z.at[0].inspected, 0);
}

/* ---- CSV framing -------------------------------------------------------------------- */

typedef struct csv_run {
    FILE *f;
    bw_csv *c;
    char err[512];
} csv_run;

static void csv_start(csv_run *r, const char *text, size_t n)
{
    r->f = fmemopen((void *)text, n, "r");
    assert_non_null(r->f);
    r->c = bw_csv_open(r->f, "t.csv");
    r->err[0] = 0;
}

static void csv_end(csv_run *r)
{
    bw_csv_close(r->c);
    fclose(r->f);
}

static void expect_record(csv_run *r, uint64_t line, uint32_t n, const char *const *want)
{
    char **f;
    uint32_t got_n;
    uint64_t got_line;
    int got = bw_csv_next(r->c, &f, &got_n, &got_line, r->err, sizeof r->err);
    if (got != 1)
        fail_msg("expected a record at line %llu, got %d (%s)", (unsigned long long)line, got, r->err);
    assert_int_equal(got_line, line);
    assert_int_equal(got_n, n);
    for (uint32_t i = 0; i < n; i++)
        assert_string_equal(f[i], want[i]);
}

static int next_status(csv_run *r)
{
    char **f;
    uint32_t n;
    uint64_t line;
    return bw_csv_next(r->c, &f, &n, &line, r->err, sizeof r->err);
}

static void test_csv_framing(void **state)
{
    (void)state;
    static const char text[] = "\xEF\xBB\xBF"
                               "id,desc,note\r\n"
                               "\"x, y\",\"he said \"\"hi\"\"\",\"multi\nline\"\r\n"
                               "\r\n"
                               "1,,3\n"
                               "\"\",\"\"\"\",last";
    csv_run r;
    csv_start(&r, text, sizeof text - 1);
    expect_record(&r, 1, 3, (const char *const[]){"id", "desc", "note"}); /* the BOM is not part of "id" */
    expect_record(&r, 2, 3, (const char *const[]){"x, y", "he said \"hi\"", "multi\nline"});
    expect_record(&r, 5, 3, (const char *const[]){"1", "", "3"}); /* line 4 is empty */
    expect_record(&r, 6, 3, (const char *const[]){"", "\"", "last"}); /* no newline at the end */
    assert_int_equal(next_status(&r), 0);
    csv_end(&r);
    /* a lone CR ends a line too; one field per line */
    static const char cr[] = "a\rb\r";
    csv_start(&r, cr, sizeof cr - 1);
    expect_record(&r, 1, 1, (const char *const[]){"a"});
    expect_record(&r, 2, 1, (const char *const[]){"b"});
    assert_int_equal(next_status(&r), 0);
    csv_end(&r);
}

static void expect_csv_error(const char *text, const char *where, const char *why)
{
    csv_run r;
    csv_start(&r, text, strlen(text));
    int got;
    while ((got = next_status(&r)) == 1)
        ;
    assert_int_equal(got, -1);
    assert_true(contains(r.err, where));
    assert_true(contains(r.err, why));
    csv_end(&r);
}

static void test_csv_errors(void **state)
{
    (void)state;
    expect_csv_error("a,b\n\"open,never\n\nclosed\n", "t.csv:2:", "never closes");
    expect_csv_error("a,b\nx,y\"z\n", "t.csv:2:", "quote inside an unquoted field");
    expect_csv_error("a\n\"multi\nline\" x\n", "t.csv:3:", "after a closing quote");
    static const char nul[] = "a\nb\0c\n";
    csv_run r;
    csv_start(&r, nul, sizeof nul - 1);
    assert_int_equal(next_status(&r), 1);
    assert_int_equal(next_status(&r), -1);
    assert_true(contains(r.err, "t.csv:2: a NUL byte"));
    csv_end(&r);
}

/* ---- --map and --const ---------------------------------------------------------------- */

static char *const HEADER[] = {"Importer ID", "HS6 Code", "Price", "Second HS", "Fraud", "Qty", "Gift", "Note"};
enum { N_HEADER = 8 };

static bw_hist_map *test_map(const char *m1, const char *m2, const char *c1, char *err, size_t errlen)
{
    const char *maps[2] = {m1, m2}, *consts[1] = {c1};
    return bw_hist_map_new(HEADER, N_HEADER, maps, m2 ? 2 : 1, consts, c1 ? 1 : 0, err, errlen);
}

static void test_map_paths(void **state)
{
    (void)state;
    char err[512] = "";
    bw_hist_map *m = test_map("Importer ID=buyer.id, HS6 Code=items[0].hs_code,Price=items[0].value.amount",
                              "Second HS=items[2].hs_code,Fraud=outcome.fraud,Qty=items[0].quantity,Gift=gift",
                              "items[0].value.currency=EUR", err, sizeof err);
    if (!m)
        fail_msg("map: %s", err);
    const char *const *names;
    const uint32_t *cols;
    assert_int_equal(bw_hist_map_extras(m, &names, &cols), 1);
    assert_string_equal(names[0], "Note");
    assert_int_equal(cols[0], 7);

    bw_buf json = {0};
    bw_hist_label label;
    char *row1[] = {"B-1", "610910", " 12.50 ", "392690", "yes", "007", "N", "hello"};
    assert_true(bw_hist_map_row(m, row1, N_HEADER, &json, &label, err, sizeof err));
    assert_string_equal(bw_buf_cstr(&json),
                        "{\"buyer\":{\"id\":\"B-1\"},\"items\":[{\"hs_code\":\"610910\",\"value\":{\"amount\":"
                        "\"12.50\",\"currency\":\"EUR\"},\"quantity\":7},{},{\"hs_code\":\"392690\"}],\"gift\":false}");
    assert_true(label.labelled && label.fraud && !label.has_revenue);

    /* the decoder reads what the mapping wrote */
    bw_decoder *dec = bw_decoder_new(NULL);
    bw_arena a;
    bw_arena_init(&a);
    bw_issues iss;
    bw_issues_init(&iss, &a);
    bw_declaration d;
    size_t used;
    assert_int_equal(bw_decode_declaration(dec, json.p, json.p + json.n, true, &d, &iss, &a, &used), BW_DECODE_OK);
    assert_int_equal(iss.errors, 0);
    assert_true(bw_str_eq(d.buyer.id, "B-1"));
    assert_int_equal(d.n_items, 3);
    assert_true(d.items[0].quantity.ok && d.items[0].quantity.value == 7000);
    assert_true(d.items[0].value.amount.mantissa == 1250 && d.items[0].value.amount.scale == 2);
    assert_true(bw_str_eq(d.items[0].value.currency, "EUR"));
    assert_false(d.items[1].hs_code.p != NULL);
    assert_true(bw_str_eq(d.items[2].hs_code, "392690"));
    assert_true(d.gift.present && !d.gift.value);

    /* empty cells leave fields (and whole objects, trailing items) out */
    char *row2[] = {"", "610910", "3", "", "0", "", "TRUE", ""};
    assert_true(bw_hist_map_row(m, row2, N_HEADER, &json, &label, err, sizeof err));
    assert_string_equal(bw_buf_cstr(&json), "{\"items\":[{\"hs_code\":\"610910\",\"value\":{\"amount\":\"3\","
                                            "\"currency\":\"EUR\"}}],\"gift\":true}");
    assert_true(label.labelled && !label.fraud);
    char *row3[] = {"B-2", "", "", "", "", ".5", "", ""};
    assert_true(bw_hist_map_row(m, row3, N_HEADER, &json, &label, err, sizeof err));
    assert_string_equal(bw_buf_cstr(&json), "{\"buyer\":{\"id\":\"B-2\"},\"items\":[{\"value\":{\"currency\":\"EUR\"},"
                                            "\"quantity\":0.5}]}");
    assert_false(label.labelled);

    /* cells that do not fit their path's type */
    char *bad_qty[] = {"B-1", "", "", "", "", "1e3", "", ""};
    assert_false(bw_hist_map_row(m, bad_qty, N_HEADER, &json, &label, err, sizeof err));
    assert_true(contains(err, "column 'Qty' (items[0].quantity): '1e3' is not a plain number"));
    char *bad_fraud[] = {"B-1", "", "", "", "maybe", "", "", ""};
    assert_false(bw_hist_map_row(m, bad_fraud, N_HEADER, &json, &label, err, sizeof err));
    assert_true(contains(err, "column 'Fraud' (outcome.fraud): 'maybe' is not true or false"));
    char *bad_gift[] = {"B-1", "", "", "", "", "", "2", ""};
    assert_false(bw_hist_map_row(m, bad_gift, N_HEADER, &json, &label, err, sizeof err));
    assert_true(contains(err, "column 'Gift'"));

    bw_decoder_free(dec);
    bw_arena_free(&a);
    bw_buf_free(&json);
    bw_hist_map_free(m);
}

static void expect_map_error(const char *map, const char *konst, const char *why)
{
    char err[512] = "";
    bw_hist_map *m = test_map(map, NULL, konst, err, sizeof err);
    assert_null(m);
    assert_true(contains(err, why));
}

static void test_map_errors(void **state)
{
    (void)state;
    expect_map_error("Nope=buyer.id", NULL, "the file has no column 'Nope'");
    expect_map_error("Price=items[0].value", NULL, "items[0].value: a whole object or list");
    expect_map_error("Price=buyer", NULL, "buyer: a whole object");
    expect_map_error("Price=items.hs_code", NULL, "say which item, as items[0]");
    expect_map_error("Price=buyer[0].id", NULL, "'buyer' is not a list");
    expect_map_error("Price=buyer.idd", NULL, "'idd' is not a field here");
    expect_map_error("Price=buyer.id.x", NULL, "'id' has no fields");
    expect_map_error("Price=items[1000].hs_code", NULL, "not a path");
    expect_map_error("Price=outcome.bogus", NULL, "the outcome has inspected, fraud and revenue");
    expect_map_error("Price=buyer.id,Qty=buyer.id", NULL, "buyer.id is given twice");
    expect_map_error("Price buyer.id", NULL, "is not 'Column Name=json.path'");
    expect_map_error("Price=buyer.id", "buyer.id=X", "buyer.id is given twice");
    expect_map_error("Price=seller.id", "no equals sign", "--const: 'no equals sign'");
    /* a constant is checked when a row is built */
    char err[512];
    bw_hist_map *m = test_map("Price=items[0].value.amount", NULL, "items[0].quantity=lots", err, sizeof err);
    assert_non_null(m);
    bw_buf json = {0};
    bw_hist_label label;
    char *row[] = {"1", "", "", "", "", "", "", ""};
    assert_false(bw_hist_map_row(m, row, N_HEADER, &json, &label, err, sizeof err));
    assert_true(contains(err, "--const items[0].quantity: 'lots' is not a plain number"));
    bw_buf_free(&json);
    bw_hist_map_free(m);
}

/* ---- the history reader ------------------------------------------------------------------ */

static void test_reader_csv(void **state)
{
    (void)state;
    const char *path = scratch("h.csv");
    write_text(path, "Decl,Buyer,Date,Fraud,Channel\n"
                     "D1,B-1,2026-01-05,1,web\n"
                     "D2,,,,\n"
                     "D3,B-3\n");
    const char *maps[] = {"Decl=declaration_id,Buyer=buyer.id,Date=order.date,Fraud=outcome.fraud"};
    bw_hist_options o = {.maps = maps, .n_maps = 1, .outcome = true};
    char err[512];
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    bw_hist_row row;
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_true(row.decodable);
    assert_int_equal(row.line, 2);
    assert_true(bw_str_eq(row.decl->declaration_id, "D1"));
    assert_true(row.has_time && row.when == bw_time_from_civil(2026, 1, 5));
    assert_true(row.label.labelled && row.label.fraud);
    assert_int_equal(row.n_extra, 1);
    assert_string_equal(row.extra_names[0], "Channel");
    assert_string_equal(row.extra_values[0], "web");
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_false(row.has_time);
    assert_false(row.label.labelled);
    assert_null(row.extra_values[0]);
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), -1);
    assert_true(contains(err, "h.csv:4: 2 fields, the header has 5"));
    bw_hist_close(r);
    /* a bad cell after the header's buffer was reused for longer rows:
     * the message still names the column */
    bw_buf long_row = {0};
    bw_buf_puts(&long_row, "Decl,Buyer,Date,Fraud,Channel\nD1,B-1,2026-01-05,0,");
    for (int i = 0; i < 2000; i++)
        bw_buf_puts(&long_row, "web");
    bw_buf_puts(&long_row, "\nD2,B-2,2026-01-06,maybe,web\n");
    write_file(path, long_row.p, long_row.n);
    bw_buf_free(&long_row);
    r = bw_hist_open(path, &o, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), -1);
    assert_true(contains(err, "h.csv:3: column 'Fraud' (outcome.fraud): 'maybe' is not true or false"));
    bw_hist_close(r);
    /* a header that names a column twice */
    write_text(path, "a,a\n1,2\n");
    const char *m2[] = {"a=buyer.id"};
    o.maps = m2;
    assert_null(bw_hist_open(path, &o, err, sizeof err));
    assert_true(contains(err, "h.csv:1: the header names column 'a' twice"));
}

static void test_reader_ndjson(void **state)
{
    (void)state;
    const char *path = scratch("h.ndjson");
    write_text(path,
               "{\"declaration_id\":\"N1\",\"transport\":{\"expected_arrival\":\"2026-02-03T10:00:00Z\"},"
               "\"outcome\":{\"inspected\":true,\"fraud\":true,\"revenue\":\"12.34\"}}\n"
               "{\"declaration_id\":\"N2\",,}\n"
               "{\"declaration_id\":\"N3\",\"payment\":{\"date\":\"2026-02-04\"},\"outcome\":{\"inspected\":true}}\n"
               "{\"declaration_id\":\"N4\",\"outcome\":{\"inspected\":false}}\n"
               "{\"declaration_id\":\"N5\",\"outcome\":{\"fraud\":\"maybe\"}}\n");
    bw_hist_options o = {.outcome = true};
    char err[512];
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    bw_hist_row row;
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_true(row.decodable && row.label.labelled && row.label.fraud && row.label.has_revenue);
    assert_true(row.label.revenue.mantissa == 1234 && row.label.revenue.scale == 2);
    assert_true(row.has_time && row.when == bw_time_from_civil(2026, 2, 3) + 10 * 3600); /* expected arrival */
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_false(row.decodable); /* handed back with why, reading goes on */
    assert_int_equal(row.line, 2);
    assert_true(contains(row.error, "json."));
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_true(row.label.labelled && !row.label.fraud); /* inspected, nothing found */
    assert_true(row.when == bw_time_from_civil(2026, 2, 4));
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), 1);
    assert_false(row.label.labelled);
    assert_int_equal(bw_hist_next(r, &row, err, sizeof err), -1);
    assert_true(contains(err, "h.ndjson:5: outcome.fraud must be true or false"));
    bw_hist_close(r);
    assert_null(bw_hist_open(scratch("missing.ndjson"), &o, err, sizeof err));
    assert_true(contains(err, "No such file"));
}

/* ---- training ------------------------------------------------------------------------- */

static double unit(uint64_t i) /* a deterministic number in [0, 1) */
{
    uint64_t x = i * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ull;
    return (double)((x ^ (x >> 29)) >> 11) / 9007199254740992.0;
}

/* A CSV history: sellers S0-S3 commit fraud on 70% of their parcels and
 * declare lower prices, the others on 5%.  "Row ID" is unique per row;
 * "Leak" is the label itself. */
static void make_history(const char *path, unsigned from, unsigned n, unsigned day0, unsigned days)
{
    bw_buf b = {0};
    bw_buf_puts(&b, "Decl,Seller,HS,Price,Date,Fraud,Row ID,Leak\n");
    for (unsigned i = from; i < from + n; i++) {
        unsigned seller = i % 20;
        bool fraud = unit(i) < (seller < 4 ? 0.7 : 0.05);
        unsigned price = fraud ? 5 + i % 7 : 20 + i % 13;
        bw_buf_printf(&b, "D%u,S%u,%s,%u.00,2026-03-%02uT12:00:00Z,%d,R%u,%s\n", i, seller,
                      i % 3 ? "610910" : "392690", price, day0 + (i - from) * days / n, fraud, i, fraud ? "yes" : "no");
    }
    write_file(path, b.p, b.n);
    bw_buf_free(&b);
}

static const char *const MAPS[] = {
    "Decl=declaration_id,Seller=seller.id,HS=items[0].hs_code,Price=items[0].value.amount,Date=order.date,"
    "Fraud=outcome.fraud"};
static const char *const CONSTS[] = {"items[0].value.currency=EUR"};

static void feed(bw_trainer *t, const char *path, bool validation)
{
    bw_hist_options o = {.maps = MAPS, .n_maps = 1, .consts = CONSTS, .n_consts = 1, .outcome = true};
    char err[512];
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    bw_hist_row row;
    int got;
    while ((got = bw_hist_next(r, &row, err, sizeof err)) == 1) {
        assert_true(row.decodable);
        bw_model_input in = bw_model_input_of(&row);
        if (!bw_trainer_add(t, &in, row.label.labelled ? row.label.fraud : -1, validation, row.line, err,
                            sizeof err))
            fail_msg("%s", err);
    }
    assert_int_equal(got, 0);
    bw_hist_close(r);
}

static bw_model_params small_params(void)
{
    bw_model_params p;
    bw_model_params_default(&p);
    p.max_rounds = 40;
    p.patience = 10;
    p.max_depth = 3;
    return p;
}

static bw_model *train_small(bw_trainer **keep, bw_train_report *rep)
{
    make_history(scratch("train.csv"), 0, 400, 1, 20);
    make_history(scratch("valid.csv"), 400, 150, 22, 8);
    bw_model_params p = small_params();
    bw_trainer *t = bw_trainer_new(&p, NULL);
    feed(t, scratch("train.csv"), false);
    feed(t, scratch("valid.csv"), true);
    char err[512];
    bw_model *m = bw_trainer_finish(t, rep, err, sizeof err);
    if (!m)
        fail_msg("train: %s", err);
    if (keep)
        *keep = t;
    else
        bw_trainer_free(t);
    return m;
}

/* A unique id must not predict its own label: out of fold, a key seen
 * only once has no other row to learn from, so its rate is the prior,
 * whatever the row's label.  A column that is the label does carry it. */
static void test_out_of_fold_does_not_leak(void **state)
{
    (void)state;
    bw_trainer *t;
    bw_train_report rep;
    bw_model *m = train_small(&t, &rep);
    size_t rows;
    const float *x = bw_trainer_matrix(t, &rows);
    uint32_t nf = bw_model_n_features(m);
    assert_int_equal(rows, 400);
    assert_int_equal(rep.train_rows, 400);
    assert_false(rep.split_by_date);
    float prior = (float)bw_model_prior(m);
    assert_true(fabs(bw_model_prior(m) - (double)rep.train_frauds / 400) < 1e-12);
    uint32_t id_rate = feature_index(m, "csv:Row ID:rate"), id_count = feature_index(m, "csv:Row ID:count");
    uint32_t leak = feature_index(m, "csv:Leak:rate"), seller = feature_index(m, "seller_rate");
    double risky = 0, safe = 0;
    for (size_t i = 0; i < rows; i++) {
        const float *r = x + i * nf;
        assert_true(r[id_rate] == prior);
        assert_true(r[id_count] == 0);
        bool fraud = unit(i) < (i % 20 < 4 ? 0.7 : 0.05);
        if (fraud)
            assert_true(r[leak] > prior);
        else
            assert_true(r[leak] < prior);
        if (i % 20 < 4)
            risky += r[seller];
        else
            safe += r[seller];
    }
    assert_true(risky / 80 > 2 * (safe / 320)); /* the seller signal is there */
    /* "Price" is mapped, so it is no CSV column; the numbers are features */
    assert_true(isnan(x[feature_index(m, "det_screening")]));
    assert_true(x[feature_index(m, "value_eur")] > 0);
    assert_true(rep.validation_auc > 0.8);
    bw_trainer_free(t);
    bw_model_free(m);
}

static void test_split_by_date(void **state)
{
    (void)state;
    make_history(scratch("all.csv"), 0, 500, 1, 20);
    bw_model_params p = small_params();
    bw_trainer *t = bw_trainer_new(&p, NULL);
    feed(t, scratch("all.csv"), false);
    bw_train_report rep;
    char err[512];
    bw_model *m = bw_trainer_finish(t, &rep, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_true(rep.split_by_date);
    /* 500 rows over days 1..20, 25 a day: the row at 80% is on day 17 */
    assert_true(rep.cut == bw_time_from_civil(2026, 3, 17) + 12 * 3600);
    assert_int_equal(rep.train_rows + rep.validation_rows, 500);
    assert_int_equal(rep.validation_rows, 100);
    bw_model_free(m);
    bw_trainer_free(t);

    /* a labelled row without a date makes the split impossible */
    write_text(scratch("nodate.csv"), "Decl,Seller,HS,Price,Date,Fraud,Row ID,Leak\n"
                                      "D1,S1,610910,1.00,2026-03-01,1,R1,yes\n"
                                      "D2,S2,610910,1.00,,0,R2,no\n");
    t = bw_trainer_new(&p, NULL);
    feed(t, scratch("nodate.csv"), false);
    assert_null(bw_trainer_finish(t, &rep, err, sizeof err));
    assert_true(contains(err, "line 3: a labelled row without a date"));
    bw_trainer_free(t);

    /* one class only */
    write_text(scratch("clean.csv"), "Decl,Seller,HS,Price,Date,Fraud,Row ID,Leak\n"
                                     "D1,S1,610910,1.00,2026-03-01,0,R1,no\n"
                                     "D2,S2,610910,1.00,2026-03-09,0,R2,no\n");
    t = bw_trainer_new(&p, NULL);
    feed(t, scratch("clean.csv"), false);
    assert_null(bw_trainer_finish(t, &rep, err, sizeof err));
    assert_true(contains(err, "needs both fraud and compliant rows"));
    bw_trainer_free(t);
}

/* ---- the model file ------------------------------------------------------------------ */

/* Features of every row of a file under a model. */
static float *features_of(const bw_model *m, const char *path, size_t *n)
{
    bw_hist_options o = {.maps = MAPS, .n_maps = 1, .consts = CONSTS, .n_consts = 1};
    char err[512];
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    assert_non_null(r);
    uint32_t nf = bw_model_n_features(m);
    float *x = malloc(1000 * nf * sizeof *x);
    bw_hist_row row;
    *n = 0;
    while (bw_hist_next(r, &row, err, sizeof err) == 1 && *n < 1000) {
        bw_model_input in = bw_model_input_of(&row);
        bw_model_features(m, NULL, &in, NULL, x + (*n)++ * nf);
    }
    bw_hist_close(r);
    return x;
}

static void test_model_round_trip(void **state)
{
    (void)state;
    bw_train_report rep;
    bw_model *m = train_small(NULL, &rep);
    char err[512];
    assert_true(bw_model_save(m, scratch("m.bwm"), err, sizeof err));
    bw_model *back = bw_model_load(scratch("m.bwm"), err, sizeof err);
    if (!back)
        fail_msg("load: %s", err);
    uint32_t nf = bw_model_n_features(m);
    assert_int_equal(bw_model_n_features(back), nf);
    for (uint32_t i = 0; i < nf; i++)
        assert_string_equal(bw_model_feature_name(back, i), bw_model_feature_name(m, i));
    assert_true(bw_model_prior(back) == bw_model_prior(m));
    assert_true(bw_model_red(back) == 0.5 && bw_model_yellow(back) == 0.2);
    assert_false(bw_model_uses_fx(back));

    size_t n, n2;
    float *x = features_of(m, scratch("valid.csv"), &n), *x2 = features_of(back, scratch("valid.csv"), &n2);
    assert_int_equal(n, 150);
    assert_int_equal(n2, 150);
    assert_memory_equal(x, x2, n * nf * sizeof *x);
    /* validation rows get the whole training period's statistics: S0 was
     * seen 20 times in it */
    assert_true(x[feature_index(m, "seller_count")] == 20);
    float s1[150], s2[150];
    bw_model_reason r1[150 * 3], r2[150 * 3];
    assert_true(bw_model_predict(m, x, n, s1, r1, 3, 0, err, sizeof err));
    assert_true(bw_model_predict(back, x2, n, s2, r2, 3, 0, err, sizeof err));
    assert_memory_equal(s1, s2, sizeof s1);
    for (size_t i = 0; i < n * 3; i++) {
        assert_int_equal(r1[i].feature, r2[i].feature);
        assert_true(r1[i].contribution == r2[i].contribution);
    }
    /* scores rank the risky sellers first; reasons are real features, largest first */
    double risky = 0, safe = 0;
    for (size_t i = 0; i < n; i++) {
        if ((400 + i) % 20 < 4)
            risky += s1[i];
        else
            safe += s1[i];
        assert_true(s1[i] > 0 && s1[i] < 1);
        assert_true(r1[i * 3].exact && r1[i * 3 + 2].exact);
        assert_true(r1[i * 3].feature < nf || r1[i * 3].feature == UINT32_MAX);
        assert_true(r1[i * 3].contribution >= r1[i * 3 + 1].contribution);
        if (s1[i] > 0.5) /* something pushed it up */
            assert_true(r1[i * 3].feature < nf && r1[i * 3].contribution > 0);
    }
    if (!(risky / 30 > 3 * (safe / 120)))
        fail_msg("risky sellers %f, the others %f", risky / 30, safe / 120);
    /* fast contributions: same scores, other method */
    float s3[150];
    assert_true(bw_model_predict(back, x2, n, s3, r2, 3, 2, err, sizeof err));
    assert_memory_equal(s1, s3, sizeof s1);
    assert_false(r2[0].exact);

    /* the reasons as hits */
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result res;
    bw_risk_result_init(&res, &a);
    bw_model_explain(m, r1, 3, &res);
    assert_true(res.n_hits >= 1);
    assert_string_equal(res.hits[0].code, "model.feature");
    assert_string_equal(res.hits[0].ref, bw_model_feature_name(m, r1[0].feature));
    assert_true(res.hits[0].score == (int32_t)lround(r1[0].contribution * 100));
    assert_true(contains(res.hits[0].evidence, "\"method\":\"treeshap\""));
    assert_true(contains(res.hits[0].evidence, "{\"feature\":\""));
    bw_arena_free(&a);
    free(x);
    free(x2);
    bw_model_free(back);
    bw_model_free(m);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(*n);
    assert_int_equal(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

static void expect_bad_model(const void *p, size_t n, const char *why)
{
    char err[512] = "";
    write_file(scratch("bad.bwm"), p, n);
    bw_model *m = bw_model_load(scratch("bad.bwm"), err, sizeof err);
    if (m)
        bw_model_free(m);
    assert_null(m);
    assert_true(contains(err, "bad.bwm: "));
    assert_true(contains(err, why));
}

static void test_wrong_model_files(void **state)
{
    (void)state;
    bw_train_report rep;
    bw_model *m = train_small(NULL, &rep);
    char err[512];
    assert_true(bw_model_save(m, scratch("good.bwm"), err, sizeof err));
    bw_model_free(m);
    size_t n;
    char *good = slurp(scratch("good.bwm"), &n);
    assert_true(n > 100);
    expect_bad_model("", 0, "not a breakwater model");
    expect_bad_model("{\"learner\":{}}", 14, "not a breakwater model");
    expect_bad_model(good, 10, "truncated");
    for (size_t cut = 20; cut < n; cut += n / 7)
        expect_bad_model(good, cut, "damaged or truncated");
    expect_bad_model(good, n - 1, "damaged or truncated");
    char *copy = malloc(n);
    memcpy(copy, good, n);
    copy[n / 2] ^= 0x40;
    expect_bad_model(copy, n, "checksum");
    memcpy(copy, good, n);
    copy[8] = 9; /* version 9 */
    expect_bad_model(copy, n, "version 9; this build reads version 1");
    assert_null(bw_model_load(scratch("none.bwm"), err, sizeof err));
    assert_true(contains(err, "none.bwm: No such file"));
    /* the good one still loads */
    m = bw_model_from_bytes(good, n, err, sizeof err);
    assert_non_null(m);
    bw_model_free(m);
    free(copy);
    free(good);
}

/* ---- detector features and lanes -------------------------------------------------------- */

static void test_detector_features(void **state)
{
    (void)state;
    bw_train_report rep;
    bw_model *m = train_small(NULL, &rep);
    uint32_t nf = bw_model_n_features(m);
    float *x = calloc(nf, sizeof *x);
    bw_declaration d;
    memset(&d, 0, sizeof d);
    d.seller.id = BW_STR_LIT("S0");
    bw_model_input in = {.decl = &d};
    bw_model_features(m, NULL, &in, NULL, x);
    assert_true(isnan(x[feature_index(m, "det_screening")]));
    assert_true(isnan(x[feature_index(m, "det_party")]));
    assert_true(isnan(x[feature_index(m, "value_eur")])); /* no items */
    assert_true(x[feature_index(m, "seller_count")] == 20);
    assert_true(x[feature_index(m, "seller_rate")] > (float)bw_model_prior(m));
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result r;
    bw_risk_result_init(&r, &a);
    bw_risk_add(&r, "screening.prohibited", "T1", NULL, NULL, NULL, 40, BW_LANE_RED);
    bw_risk_add(&r, "screening.restricted", "T2", NULL, NULL, NULL, 5, BW_LANE_NONE);
    bw_risk_add(&r, "watchlist.name", "W1", NULL, NULL, NULL, 25, BW_LANE_NONE);
    bw_risk_add(&r, "reconcile.total", "", NULL, NULL, NULL, 7, BW_LANE_NONE);
    bw_risk_add(&r, "party.trusted", "", NULL, NULL, NULL, -10, BW_LANE_NONE);
    bw_risk_add(&r, "model.feature", "", NULL, NULL, NULL, 99, BW_LANE_NONE); /* its own hits: not a feature */
    bw_model_features(m, NULL, &in, &r, x);
    assert_true(x[feature_index(m, "det_screening")] == 45);
    assert_true(x[feature_index(m, "det_watchlist")] == 25);
    assert_true(x[feature_index(m, "det_reconciliation")] == 7);
    assert_true(x[feature_index(m, "det_party")] == -10);
    assert_true(x[feature_index(m, "det_valuation")] == 0);
    /* an unseen seller: the prior, count 0 */
    d.seller.id = BW_STR_LIT("NEVER-SEEN");
    bw_model_features(m, NULL, &in, &r, x);
    assert_true(x[feature_index(m, "seller_rate")] == (float)bw_model_prior(m));
    assert_true(x[feature_index(m, "seller_count")] == 0);
    bw_arena_free(&a);
    free(x);
    bw_model_free(m);
}

static void test_lanes(void **state)
{
    (void)state;
    assert_int_equal(bw_model_lane(0.5, 0.5, 0.2), BW_LANE_RED);
    assert_int_equal(bw_model_lane(0.49, 0.5, 0.2), BW_LANE_YELLOW);
    assert_int_equal(bw_model_lane(0.2, 0.5, 0.2), BW_LANE_YELLOW);
    assert_int_equal(bw_model_lane(0.19, 0.5, 0.2), BW_LANE_GREEN);
    bool b;
    assert_true(bw_hist_parse_bool(" Yes ", 5, &b) && b);
    assert_true(bw_hist_parse_bool("N", 1, &b) && !b);
    assert_true(bw_hist_parse_bool("false", 5, &b) && !b);
    assert_false(bw_hist_parse_bool("2", 1, &b));
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "%s/bw-test-model-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_hand_counted),
        cmocka_unit_test(test_metrics_degenerate),
        cmocka_unit_test(test_csv_framing),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_map_paths),
        cmocka_unit_test(test_map_errors),
        cmocka_unit_test(test_reader_csv),
        cmocka_unit_test(test_reader_ndjson),
        cmocka_unit_test(test_out_of_fold_does_not_leak),
        cmocka_unit_test(test_split_by_date),
        cmocka_unit_test(test_model_round_trip),
        cmocka_unit_test(test_wrong_model_files),
        cmocka_unit_test(test_detector_features),
        cmocka_unit_test(test_lanes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
