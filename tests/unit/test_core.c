/*
 * test_core.c - unit tests of src/core (decimals, time, UTF-8, buffers),
 * the identifier checks of src/model/identifiers, and the reference-data
 * lookups: ISO codes, HS subheadings, ECB exchange rates, jurisdiction
 * versions by date, and the IRG category of small hand-built declarations.
 *
 * Expected values are worked out by hand in the comments (exchange rates
 * from the rows of ../shared/data/ecb-fx-rates/eurofxref-hist.csv), never
 * taken from the code under test.  The reference data is read from
 * BREAKWATER_REFDATA, as the Makefile exports it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/issues.h"
#include "model/identifiers.h"
#include "pipeline/pipeline.h"
#include "reference/jurisdiction.h"
#include "reference/refdata.h"

static bw_refdata *g_rd;

static bw_str S(const char *s) { return (bw_str){s, (uint32_t)strlen(s)}; }

/* Table-driven tests report every row that is wrong, then fail once. */
#define ROW_FAIL(...) (print_error(__VA_ARGS__), print_error("\n"), bad++)

static bw_time T(const char *iso)
{
    bw_time t = 0;
    if (!bw_time_parse(iso, strlen(iso), &t))
        fail_msg("test data: \"%s\" is not a time", iso);
    return t;
}

/* ---- decimals ------------------------------------------------------------------------ */

static void test_decimal_parse(void **state)
{
    int bad = 0;
    static const struct {
        const char *in;
        bw_dec_status st;
        int64_t mantissa;
        uint8_t scale;
    } cases[] = {
        {"44.98", BW_DEC_OK, 4498, 2},
        {"-12.50", BW_DEC_OK, -1250, 2},
        {"7", BW_DEC_OK, 7, 0},
        {"0", BW_DEC_OK, 0, 0},
        {"-0", BW_DEC_OK, 0, 0},
        {"00.5", BW_DEC_OK, 5, 1},          /* a redundant leading zero is harmless */
        {"0.000000000000000001", BW_DEC_OK, 1, 18},
        {"9223372036854775807", BW_DEC_OK, INT64_MAX, 0},
        {"-9223372036854775807", BW_DEC_OK, -INT64_MAX, 0},
        {"922337203685477580.7", BW_DEC_OK, INT64_MAX, 1},
        {"9223372036854775808", BW_DEC_OVERFLOW, 0, 0},
        {"922337203685477580.8", BW_DEC_OVERFLOW, 0, 0},
        {"18446744073709551616", BW_DEC_OVERFLOW, 0, 0}, /* 2^64: must not wrap to 0 */
        {"1000000000000000000000000000000.00", BW_DEC_OVERFLOW, 0, 0},
        {"1.", BW_DEC_SYNTAX, 0, 0},
        {".5", BW_DEC_SYNTAX, 0, 0},
        {"-.5", BW_DEC_SYNTAX, 0, 0},
        {"1e5", BW_DEC_SYNTAX, 0, 0},
        {"+1", BW_DEC_SYNTAX, 0, 0},
        {"", BW_DEC_SYNTAX, 0, 0},
        {"-", BW_DEC_SYNTAX, 0, 0},
        {"1.2.3", BW_DEC_SYNTAX, 0, 0},
        {" 1", BW_DEC_SYNTAX, 0, 0},
        {"1 ", BW_DEC_SYNTAX, 0, 0},
        {"1,5", BW_DEC_SYNTAX, 0, 0},
        {"0x10", BW_DEC_SYNTAX, 0, 0},
        {"--1", BW_DEC_SYNTAX, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_decimal d = {-1, 99};
        bw_dec_status st = bw_decimal_parse(cases[i].in, strlen(cases[i].in), &d);
        if (st != cases[i].st)
            ROW_FAIL("parse \"%s\": status %d, expected %d", cases[i].in, st, cases[i].st);
        if (st == BW_DEC_OK && (d.mantissa != cases[i].mantissa || d.scale != cases[i].scale))
            ROW_FAIL("parse \"%s\": {%lld, %u}, expected {%lld, %u}", cases[i].in,
                     (long long)d.mantissa, d.scale, (long long)cases[i].mantissa, cases[i].scale);
    }
    /* the length bounds the text: no NUL is needed or looked for */
    bw_decimal d;
    assert_int_equal(bw_decimal_parse("12.345", 4, &d), BW_DEC_OK);
    assert_int_equal(d.mantissa, 123);
    assert_int_equal(d.scale, 1);
    assert_int_equal(bad, 0);
}

static void test_decimal_rescale(void **state)
{
    int bad = 0;
    static const struct {
        int64_t mantissa;
        uint8_t scale;
        unsigned to;
        bw_dec_status st;
        int64_t out;
    } cases[] = {
        {4498, 2, 2, BW_DEC_OK, 4498},
        {4498, 2, 3, BW_DEC_OK, 44980},
        {7, 0, 2, BW_DEC_OK, 700},
        {-1250, 2, 3, BW_DEC_OK, -12500},
        {4498, 2, 1, BW_DEC_PRECISION, 0},  /* 44.98 has no exact one-decimal form */
        {1234, 3, 2, BW_DEC_PRECISION, 0},  /* "1.234" EUR */
        {55, 1, 0, BW_DEC_PRECISION, 0},    /* "5.5" JPY */
        {INT64_MAX, 0, 0, BW_DEC_OK, INT64_MAX},
        {INT64_MAX, 0, 1, BW_DEC_OVERFLOW, 0},
        {922337203685477580, 0, 1, BW_DEC_OK, 9223372036854775800},
        {922337203685477581, 0, 1, BW_DEC_OVERFLOW, 0},
        {-922337203685477580, 0, 1, BW_DEC_OK, -9223372036854775800},
        {-922337203685477581, 0, 1, BW_DEC_OVERFLOW, 0},
        {9, 0, 18, BW_DEC_OK, 9000000000000000000},
        {10, 0, 18, BW_DEC_OVERFLOW, 0},
        {1, 0, 19, BW_DEC_OVERFLOW, 0},     /* 10^19 is beyond int64 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t out = -42;
        bw_decimal d = {cases[i].mantissa, cases[i].scale};
        bw_dec_status st = bw_decimal_rescale(d, cases[i].to, &out);
        if (st != cases[i].st)
            ROW_FAIL("rescale {%lld, %u} to %u: status %d, expected %d", (long long)d.mantissa,
                     d.scale, cases[i].to, st, cases[i].st);
        if (st == BW_DEC_OK && out != cases[i].out)
            ROW_FAIL("rescale {%lld, %u} to %u: %lld, expected %lld", (long long)d.mantissa, d.scale,
                     cases[i].to, (long long)out, (long long)cases[i].out);
    }
    assert_int_equal(bad, 0);
}

static void test_buf_put_fixed(void **state)
{
    int bad = 0;
    static const struct {
        int64_t v;
        unsigned scale;
        const char *want;
    } cases[] = {
        {4498, 2, "44.98"},
        {5, 2, "0.05"},
        {-5, 2, "-0.05"},
        {0, 2, "0.00"},
        {-1250, 2, "-12.50"},
        {100, 2, "1.00"},
        {7, 0, "7"},
        {-7, 0, "-7"},
        {123, 3, "0.123"},
        {INT64_MIN, 2, "-92233720368547758.08"},
        {INT64_MAX, 18, "9.223372036854775807"},
        {INT64_MIN, 0, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_buf b = {0};
        bw_buf_puts(&b, "<");
        bw_buf_put_fixed(&b, cases[i].v, cases[i].scale);
        bw_buf_puts(&b, ">");
        char want[64];
        snprintf(want, sizeof want, "<%s>", cases[i].want);
        if (strcmp(bw_buf_cstr(&b), want) != 0)
            ROW_FAIL("put_fixed(%lld, %u): \"%s\", expected \"%s\"", (long long)cases[i].v,
                     cases[i].scale, bw_buf_cstr(&b), want);
        bw_buf_free(&b);
    }
    assert_int_equal(bad, 0);
}

/* ---- time --------------------------------------------------------------------------------- */

#define NOV20 1795179731 /* 2026-11-20T13:02:11Z, worked out with Python's calendar.timegm */
#define NOV20_MIDNIGHT 1795132800

static void test_time_parse(void **state)
{
    int bad = 0;
    static const struct {
        const char *in;
        bool ok;
        bw_time t;
    } cases[] = {
        {"2026-11-20T13:02:11Z", true, NOV20},
        {"2026-11-20T14:02:11+01:00", true, NOV20},
        {"2026-11-20T08:32:11-04:30", true, NOV20},
        {"2026-11-21T01:02:11+12:00", true, NOV20},       /* the offset crosses the date */
        {"2026-01-01T00:30:00+01:00", true, 1767223800},  /* 2025-12-31T23:30:00Z */
        {"2026-11-20t13:02:11z", true, NOV20},
        {"2026-11-20 13:02:11Z", true, NOV20},
        {"2026-11-20T13:02:11.987654Z", true, NOV20},     /* fractions are dropped */
        {"2026-11-20", true, NOV20_MIDNIGHT},             /* a date is midnight UTC */
        {"2026-11-20T23:59:60Z", true, NOV20_MIDNIGHT + 86399}, /* leap second */
        {"2024-02-29", true, 1709164800},
        {"2000-02-29", true, 951782400},
        {"1969-12-31T23:59:59Z", true, -1},
        {"0001-01-01", true, -62135596800},
        {"9999-12-31T23:59:59Z", true, 253402300799},
        {"2026-11-20T13:02:11", false, 0},                /* no zone: ambiguous */
        {"2026-11-20T13:02Z", false, 0},
        {"2023-02-29", false, 0},
        {"1900-02-29", false, 0},
        {"2026-02-30", false, 0},
        {"2026-04-31", false, 0},
        {"2026-13-01", false, 0},
        {"2026-00-10", false, 0},
        {"2026-01-00", false, 0},
        {"0000-01-01", false, 0},
        {"2026-11-20T24:00:00Z", false, 0},
        {"2026-11-20T23:60:00Z", false, 0},
        {"2026-11-20T13:02:11+0100", false, 0},
        {"2026-11-20T13:02:11+01", false, 0},
        {"2026-11-20T13:02:11+24:00", false, 0},
        {"2026-11-20T13:02:11Z ", false, 0},
        {"2026-11-20T13:02:11.Z", false, 0},
        {"2026-11-20T", false, 0},
        {"2026-11-20X", false, 0},
        {"26-11-20", false, 0},
        {"2026/11/20", false, 0},
        {"", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_time t = 12345;
        bool ok = bw_time_parse(cases[i].in, strlen(cases[i].in), &t);
        if (ok != cases[i].ok)
            ROW_FAIL("time \"%s\": %s, expected %s", cases[i].in, ok ? "accepted" : "rejected",
                     cases[i].ok ? "accepted" : "rejected");
        if (ok && t != cases[i].t)
            ROW_FAIL("time \"%s\": %lld, expected %lld", cases[i].in, (long long)t,
                     (long long)cases[i].t);
    }
    assert_int_equal(bad, 0);
}

static void test_time_format_round_trip(void **state)
{
    static const struct {
        bw_time t;
        const char *s;
    } cases[] = {
        {0, "1970-01-01T00:00:00Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {951868800, "2000-03-01T00:00:00Z"},
        {1709164800, "2024-02-29T00:00:00Z"},
        {NOV20, "2026-11-20T13:02:11Z"},
        {253402300799, "9999-12-31T23:59:59Z"},
        {-62135596800, "0001-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[21];
        memset(s, 'x', sizeof s);
        bw_time_format(cases[i].t, s);
        assert_string_equal(s, cases[i].s);
        bw_time back = 0;
        assert_true(bw_time_parse(s, strlen(s), &back));
        assert_int_equal(back, cases[i].t);
    }
    assert_int_equal(bw_time_from_civil(1970, 1, 1), 0);
    assert_int_equal(bw_time_from_civil(2000, 3, 1), 951868800);
    assert_int_equal(bw_time_from_civil(2024, 2, 29), 1709164800);
    bw_buf b = {0};
    bw_buf_put_time(&b, NOV20);
    assert_string_equal(bw_buf_cstr(&b), "\"2026-11-20T13:02:11Z\"");
    bw_buf_free(&b);
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

static void test_utf8_valid(void **state)
{
    int bad = 0;
    static const struct {
        const char *s;
        bool valid;
        const char *what;
    } cases[] = {
        {"", true, "empty"},
        {"plain ASCII, long enough for the 8-byte path", true, "ASCII"},
        {"\xC3\xA9", true, "U+00E9"},
        {"\xE2\x82\xAC", true, "U+20AC"},
        {"\xF0\x9D\x84\x9E", true, "U+1D11E"},
        {"\xED\x9F\xBF", true, "U+D7FF, last before the surrogates"},
        {"\xEE\x80\x80", true, "U+E000, first after the surrogates"},
        {"\xF4\x8F\xBF\xBF", true, "U+10FFFF"},
        {"\xC0\x80", false, "overlong NUL"},
        {"\xC1\xBF", false, "overlong U+007F"},
        {"\xE0\x80\x80", false, "overlong 3-byte"},
        {"\xE0\x9F\xBF", false, "overlong U+07FF"},
        {"\xF0\x80\x80\x80", false, "overlong 4-byte"},
        {"\xF0\x8F\xBF\xBF", false, "overlong U+FFFF"},
        {"\xED\xA0\x80", false, "U+D800 surrogate"},
        {"\xED\xBF\xBF", false, "U+DFFF surrogate"},
        {"\xF4\x90\x80\x80", false, "U+110000"},
        {"\xF5\x80\x80\x80", false, "lead byte F5"},
        {"\xFF", false, "byte FF"},
        {"\x80", false, "lone continuation"},
        {"\xC3", false, "truncated 2-byte"},
        {"\xE2\x82", false, "truncated 3-byte"},
        {"\xF0\x9D\x84", false, "truncated 4-byte"},
        {"\xC3\x28", false, "C3 then '('"},
        {"\xE2\x28\xA1", false, "bad second byte"},
        {"\xE2\x82\x28", false, "bad third byte"},
        {"\xF0\x90\x28\xBC", false, "bad third of four"},
        {"\xF0\x90\x8C\x28", false, "bad fourth of four"},
        {"abcdefghijklmnop\x80", false, "bad byte after two ASCII words"},
        {"abcdefgh\xC3\xA9ijklmnop", true, "two bytes between ASCII words"},
        {"abc\xED\xA0\x80zzzzzzzz", false, "surrogate inside the first word"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (bw_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].valid)
            ROW_FAIL("UTF-8 %s: expected %s", cases[i].what, cases[i].valid ? "valid" : "invalid");
    /* the length bounds the text: a NUL is a character, bytes past n are not read */
    assert_true(bw_utf8_valid("a\0b", 3));
    assert_true(bw_utf8_valid("ab\xC3", 2));
    assert_int_equal(bw_utf8_len("a\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E", 10), 4);
    assert_int_equal(bad, 0);
}

/* ---- identifiers ---------------------------------------------------------------------------- */

static void test_s10(void **state)
{
    int bad = 0;
    /* 12345678 weighted 8,6,4,2,3,5,9,7: 8+12+12+8+15+30+63+56 = 204;
     * 204 mod 11 = 6; 11 - 6 = 5 */
    assert_int_equal(bw_s10_check_digit("12345678"), 5);
    /* 00000000: sum 0, 11 - 0 = 11, which is written 5 */
    assert_int_equal(bw_s10_check_digit("00000000"), 5);
    /* 10000014: 8 + 9 + 4*7 = 45 = 4*11 + 1; 11 - 1 = 10, written 0 */
    assert_int_equal(bw_s10_check_digit("10000014"), 0);
    static const struct {
        const char *id;
        bw_id_status st;
    } cases[] = {
        {"RR123456785CN", ID_OK},
        {"RR000000005DE", ID_OK},
        {"EE100000140US", ID_OK},
        {"RR123456784CN", ID_CHECK_DIGIT},
        {"RR100000145CN", ID_CHECK_DIGIT},
        {"RR12345678CN", ID_FORMAT},
        {"RR1234567855CN", ID_FORMAT},
        {"rr123456785CN", ID_FORMAT},
        {"RR123456785cn", ID_FORMAT},
        {"R1123456785CN", ID_FORMAT},
        {"RR12345A785CN", ID_FORMAT},
        {"176-12345675", ID_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_id_status st = bw_s10_check(S(cases[i].id));
        if (st != cases[i].st)
            ROW_FAIL("S10 %s: status %d, expected %d", cases[i].id, st, cases[i].st);
        if (bw_s10_shape(S(cases[i].id)) != (cases[i].st != ID_FORMAT))
            ROW_FAIL("S10 shape of %s", cases[i].id);
    }
    assert_int_equal(bad, 0);
}

static void test_awb(void **state)
{
    int bad = 0;
    static const struct {
        const char *id;
        bw_id_status st;
    } cases[] = {
        {"176-12345675", ID_OK},   /* 1234567 = 7 * 176366 + 5 */
        {"17612345675", ID_OK},    /* the dash is optional */
        {"176-99887760", ID_OK},   /* 9988776 = 7 * 1426968 */
        {"176-12345674", ID_CHECK_DIGIT},
        {"176-99887766", ID_CHECK_DIGIT}, /* the shared example's master id */
        {"176-00000007", ID_CHECK_DIGIT}, /* a check digit is at most 6 */
        {"176-00000000", ID_OK},
        {"176 12345675", ID_FORMAT},
        {"1761-2345675", ID_FORMAT},
        {"176-1234567", ID_FORMAT},
        {"176-123456755", ID_FORMAT},
        {"17A-12345675", ID_FORMAT},
        {"", ID_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bw_id_status st = bw_awb_check(S(cases[i].id));
        if (st != cases[i].st)
            ROW_FAIL("AWB \"%s\": status %d, expected %d", cases[i].id, st, cases[i].st);
        if (bw_awb_shape(S(cases[i].id)) != (cases[i].st != ID_FORMAT))
            ROW_FAIL("AWB shape of \"%s\"", cases[i].id);
    }
    assert_int_equal(bad, 0);
}

static void test_locode_and_hs_shape(void **state)
{
    int bad = 0;
    static const struct {
        const char *s;
        bool ok;
    } locodes[] = {
        {"CNSZX", true}, {"BEBRU", true}, {"DEHA2", true}, {"USNY9", true},
        {"CNSZ1", false}, {"CNSZ0", false}, {"cnszx", false}, {"CNSZ", false},
        {"CNSZXX", false}, {"C1SZX", false},
    }, hs[] = {
        {"610910", true}, {"61091000", true}, {"6109100010", true},
        {"6109", false}, {"6109100", false}, {"610910001", false}, {"61091a", false},
        {"12AB56", false}, {"", false}, {"61091000100", false},
    };
    for (size_t i = 0; i < sizeof locodes / sizeof locodes[0]; i++)
        if (bw_locode_shape(S(locodes[i].s)) != locodes[i].ok)
            ROW_FAIL("UN/LOCODE \"%s\"", locodes[i].s);
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (bw_hs_shape(S(hs[i].s)) != hs[i].ok)
            ROW_FAIL("HS shape \"%s\"", hs[i].s);
    assert_int_equal(bad, 0);
}

/* ---- ISO codes -------------------------------------------------------------------------------- */

static void test_country_and_currency(void **state)
{
    int bad = 0;
    static const struct {
        const char *c;
        bool known;
    } countries[] = {
        {"DE", true}, {"CN", true}, {"US", true}, {"PR", true}, {"JP", true},
        {"QQ", false}, {"XQ", false}, {"de", false}, {"D", false}, {"DEU", false}, {"", false},
    };
    for (size_t i = 0; i < sizeof countries / sizeof countries[0]; i++)
        if (bw_country_known(S(countries[i].c)) != countries[i].known)
            ROW_FAIL("country \"%s\": expected %s", countries[i].c,
                     countries[i].known ? "known" : "unknown");
    static const struct {
        const char *c;
        int exp;
    } currencies[] = {
        {"JPY", 0}, {"KWD", 3}, {"BHD", 3}, {"EUR", 2}, {"USD", 2}, {"CNY", 2}, {"GBP", 2},
        {"ABC", -1}, {"eur", -1}, {"EU", -1}, {"EURO", -1}, {"", -1},
    };
    for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++) {
        int e = bw_currency_exponent(S(currencies[i].c));
        if (e != currencies[i].exp)
            ROW_FAIL("currency \"%s\": exponent %d, expected %d", currencies[i].c, e,
                     currencies[i].exp);
    }
    assert_int_equal(bad, 0);
}

/* ---- exchange rates ----------------------------------------------------------------------------- */

static void test_fx_convert(void **state)
{
    int bad = 0;
    assert_true(bw_fx_loaded(g_rd));
    /* rows used (units per EUR):
     *   1999-01-04 first row of the series
     *   2008-01-02 first BRL quote, 2.601
     *   2026-04-10 (Friday) USD 1.1711
     *   2026-04-13 (Monday) USD 1.1684  JPY 186.75  CAD 1.6177 */
    static const struct {
        const char *when;
        int64_t minor;
        const char *from, *to;
        bool ok;
        int64_t out;
        const char *why;
    } cases[] = {
        {"2026-04-13", 4498, "EUR", "EUR", true, 4498, "identity"},
        {"2026-04-13", 10000, "USD", "EUR", true, 8559, "10000 / 1.1684 = 8558.71"},
        {"2026-04-13", -10000, "USD", "EUR", true, -8559, "symmetric for negatives"},
        {"2026-04-13", 10000, "EUR", "USD", true, 11684, "100 EUR = 116.84 USD"},
        {"2026-04-12T12:00:00Z", 10000, "USD", "EUR", true, 8539,
         "a Sunday: Friday's 1.1711 applies, 10000 / 1.1711 = 8538.98"},
        {"2026-04-13", 100, "EUR", "JPY", true, 187, "1.00 EUR = 186.75 JPY, 0 decimals"},
        {"2026-04-13", 200, "EUR", "JPY", true, 374, "373.5: half away from zero"},
        {"2026-04-13", -200, "EUR", "JPY", true, -374, "-373.5: half away from zero"},
        {"2026-04-13", 1000, "JPY", "EUR", true, 535, "1000 JPY / 186.75 = 5.35475 EUR"},
        {"2026-04-13", 10000, "USD", "CAD", true, 13845, "cross: 10000 * 1.6177 / 1.1684 = 13845.43"},
        {"2008-01-02", 10000, "EUR", "BRL", true, 26010, "first BRL quote"},
        {"2007-12-31", 10000, "EUR", "BRL", false, 0, "BRL not quoted yet (N/A)"},
        {"2020-06-01", 10000, "EUR", "BGN", false, 0, "BGN withdrawn from ISO 4217 (2026-01)"},
        {"1999-01-01", 10000, "USD", "EUR", false, 0, "before the series"},
        {"2026-04-13", 10000, "AED", "EUR", false, 0, "no ECB rate for AED"},
        {"2026-04-13", 10000, "ABC", "EUR", false, 0, "not a currency"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t out = -777;
        bool ok = bw_fx_convert(g_rd, cases[i].minor, S(cases[i].from), S(cases[i].to),
                                T(cases[i].when), &out);
        if (ok != cases[i].ok)
            ROW_FAIL("fx %s %lld %s->%s (%s): %s", cases[i].when, (long long)cases[i].minor,
                     cases[i].from, cases[i].to, cases[i].why, ok ? "converted" : "refused");
        if (ok && out != cases[i].out)
            ROW_FAIL("fx %s %lld %s->%s (%s): %lld, expected %lld", cases[i].when,
                     (long long)cases[i].minor, cases[i].from, cases[i].to, cases[i].why,
                     (long long)out, (long long)cases[i].out);
    }
    assert_int_equal(bad, 0);
}

static void test_without_refdata(void **state)
{
    char err[512];
    bw_refdata *rd = bw_refdata_load(bw_default_datadir(NULL), NULL, err, sizeof err);
    assert_non_null(rd);
    assert_false(bw_hs_loaded(rd));
    assert_false(bw_fx_loaded(rd));
    assert_false(bw_hs_subheading_exists(rd, "610910"));
    int64_t out = 0;
    assert_false(bw_fx_convert(rd, 100, S("USD"), S("EUR"), T("2026-04-13"), &out));
    assert_true(bw_fx_convert(rd, 100, S("EUR"), S("EUR"), T("2026-04-13"), &out));
    assert_int_equal(out, 100);
    assert_non_null(bw_jurisdiction_find(rd, S("EU"))); /* shipped data, not external */
    bw_refdata_free(rd);
    /* a directory without jurisdictions is refused with a reason */
    err[0] = 0;
    assert_null(bw_refdata_load("/nonexistent-breakwater-data", NULL, err, sizeof err));
    assert_true(err[0] != 0);
}

/* ---- HS nomenclature ------------------------------------------------------------------------------ */

static void test_hs_subheading(void **state)
{
    int bad = 0;
    assert_true(bw_hs_loaded(g_rd));
    static const struct {
        const char *code;
        bool exists;
    } cases[] = {
        {"610910", true},   /* T-shirts of cotton */
        {"010121", true},   /* first subheading of the nomenclature */
        {"490700", true},
        {"970690", true},   /* last chapter, 97 */
        {"61091000", true}, /* national extension: the first six digits count */
        {"010120", false},
        {"000000", false},
        {"610999", false},
        {"980000", false},
        /* chapters 98 and 99 are reserved for national use, not HS 2022: the
         * data file's "TOTAL,999999,Commodities not specified according to
         * kind" row is a UN Comtrade statistical code, not a subheading */
        {"999999", false},
        {"61AB10", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (bw_hs_subheading_exists(g_rd, cases[i].code) != cases[i].exists)
            ROW_FAIL("HS %s: expected %s", cases[i].code, cases[i].exists ? "to exist" : "not to exist");
    assert_int_equal(bad, 0);
}

/* ---- jurisdictions ---------------------------------------------------------------------------------- */

static const bw_jurisdiction *jur(const char *id)
{
    const bw_jurisdiction *j = bw_jurisdiction_find(g_rd, S(id));
    if (!j)
        fail_msg("jurisdiction %s is not loaded", id);
    return j;
}

static void test_jurisdiction_versions(void **state)
{
    const bw_jurisdiction *eu = jur("EU"), *us = jur("US");
    assert_null(bw_jurisdiction_find(g_rd, S("eu")));
    assert_null(bw_jurisdiction_find(g_rd, S("XX")));
    assert_string_equal(eu->currency, "EUR");
    assert_int_equal(eu->currency_exponent, 2);

    /* EU: IOSS era from 2021-07-01, flat EUR 3 duty from 2026-07-01 */
    assert_null(bw_jurisdiction_at(eu, T("2021-06-30T23:59:59Z")));
    const bw_jur_version *v = bw_jurisdiction_at(eu, T("2026-06-30T23:59:59Z"));
    assert_non_null(v);
    assert_int_equal(v->effective_from, T("2021-07-01"));
    assert_int_equal(v->flat_duty, 0);
    v = bw_jurisdiction_at(eu, T("2026-07-01T00:00:00Z"));
    assert_non_null(v);
    assert_int_equal(v->effective_from, T("2026-07-01"));
    assert_int_equal(v->flat_duty, 300);
    assert_int_equal(v->full_declaration_threshold, 15000);
    assert_int_equal(v->gift_threshold, 4500);

    /* US: Section 321 USD 800, suspended from 2025-08-29 */
    v = bw_jurisdiction_at(us, T("2025-08-28T23:59:59Z"));
    assert_non_null(v);
    assert_int_equal(v->n_rules, 1);
    assert_int_equal(v->rules[0].duty_threshold, 80000);
    assert_false(v->tax_applies);
    v = bw_jurisdiction_at(us, T("2025-08-29T00:00:00Z"));
    assert_non_null(v);
    assert_int_equal(v->rules[0].duty_threshold, -1);
    assert_null(bw_jurisdiction_at(us, T("2016-03-09")));
}

/* A declaration that names a jurisdiction before its first version. */
static void test_validate_not_in_force(void **state)
{
    bw_arena a;
    bw_arena_init(&a);
    bw_issues iss;
    bw_issues_init(&iss, &a);
    bw_declaration d = {.present = true};
    d.submitter = (bw_submitter){.present = true, .id = S("S-1")};
    d.declaration_id = S("D-1");
    d.jurisdiction = S("US");
    const bw_jurisdiction *j = NULL;
    assert_null(bw_validate(g_rd, &d, T("2010-01-01"), &iss, &j));
    assert_ptr_equal(j, jur("US"));
    bool found = false;
    for (uint32_t i = 0; i < iss.n; i++)
        found |= !strcmp(iss.v[i].code, "jurisdiction.not_in_force") && !strcmp(iss.v[i].path, "jurisdiction");
    assert_true(found);
    bw_arena_free(&a);
}

/* ---- IRG categories --------------------------------------------------------------------------------- */

typedef struct irg_case {
    const char *what;
    const char *jur, *when, *currency;
    const char *values[3]; /* item values; NULL ends */
    const char *hs;        /* every item's HS code; NULL: 610910 */
    const char *origin;    /* every item's origin; NULL: CN */
    uint8_t mode;          /* 0: air */
    uint8_t model;         /* collection model, 0: none */
    const char *scheme;    /* the vendor's scheme number */
    bool gift;             /* a C2C gift */
    const char *freight;   /* NULL: none */
    uint8_t category;
    int duty, tax;         /* expected duty_due, tax_due; -1: not checked */
    int64_t value;         /* consignment value in minor units; -1: not checked */
} irg_case;

static bw_money money(const char *amount, const char *currency)
{
    bw_money m = {.present = true, .amount_raw = S(amount), .currency = S(currency)};
    int e = bw_currency_exponent(m.currency);
    if (e < 0 || bw_decimal_parse(amount, strlen(amount), &m.amount) != BW_DEC_OK ||
        bw_decimal_rescale(m.amount, (unsigned)e, &m.minor) != BW_DEC_OK)
        fail_msg("test data: %s %s", amount, currency);
    m.amount_ok = m.minor_ok = true;
    m.exponent = (uint8_t)e;
    return m;
}

static int assess_one(const irg_case *c, bool is_export)
{
    bw_item items[3];
    bw_declaration d = {.present = true, .items = items, .items_present = true};
    memset(items, 0, sizeof items);
    for (uint32_t i = 0; i < 3 && c->values[i]; i++, d.n_items++) {
        items[i].present = true;
        items[i].hs_code = S(c->hs ? c->hs : "610910");
        items[i].origin = S(c->origin ? c->origin : "CN");
        items[i].value = money(c->values[i], c->currency);
    }
    uint8_t mode = c->mode ? c->mode : MODE_AIR;
    d.transport = (bw_transport){.present = true,
                                 .mode = {mode, S(bw_transport_mode_names[mode])}};
    d.type = is_export ? (bw_enum){DECL_EXPORT, S("export")} : (bw_enum){DECL_IMPORT, S("import")};
    d.transaction_type = c->gift ? (bw_enum){TXN_C2C, S("C2C")} : (bw_enum){TXN_B2C, S("B2C")};
    d.gift = (bw_flag){true, c->gift};
    if (c->model) {
        d.collection.present = true;
        d.collection.model = (bw_enum){c->model, S(bw_collection_model_names[c->model])};
        if (c->scheme)
            d.collection.scheme_number = S(c->scheme);
    }
    if (c->freight)
        d.freight = money(c->freight, c->currency);

    const bw_jurisdiction *j = jur(c->jur);
    bw_time when = T(c->when);
    const bw_jur_version *v = bw_jurisdiction_at(j, when);
    if (!v)
        fail_msg("%s: no version of %s on %s", c->what, c->jur, c->when);
    bw_arena a;
    bw_arena_init(&a);
    bw_issues iss;
    bw_issues_init(&iss, &a);
    bw_outcome out = {0};
    bw_assess_category(g_rd, &d, j, v, when, &iss, &out);
    bw_arena_free(&a);
    int bad = 0;
    if (out.category != c->category)
        ROW_FAIL("%s: category %u, expected %u", c->what, out.category, c->category);
    if (c->duty >= 0 && out.duty_due != (c->duty == 1))
        ROW_FAIL("%s: duty_due %d, expected %d", c->what, out.duty_due, c->duty);
    if (c->tax >= 0 && out.tax_due != (c->tax == 1))
        ROW_FAIL("%s: tax_due %d, expected %d", c->what, out.tax_due, c->tax);
    if (c->value >= 0 && out.consignment_value != c->value)
        ROW_FAIL("%s: value %lld, expected %lld", c->what, (long long)out.consignment_value,
                 (long long)c->value);
    return bad;
}

#define IOSS COLLECT_VENDOR, "IM2760000001"
#define BUYER COLLECT_BUYER, NULL

static void test_irg_category(void **state)
{
    static const irg_case cases[] = {
        /* EU: duty relief to EUR 150 (flat EUR 3 from 2026-07-01), VAT at
         * the border unless collected under IOSS, full declaration above 150 */
        {"EU IOSS EUR 40 before the flat duty", "EU", "2026-06-01", "EUR", {"40.00"}, NULL, NULL, 0,
         IOSS, false, NULL, 2, 0, 0, 4000},
        {"EU IOSS EUR 40 under the flat duty", "EU", "2026-08-01", "EUR", {"40.00"}, NULL, NULL, 0,
         IOSS, false, NULL, 3, 1, 0, 4000},
        {"EU EUR 200", "EU", "2026-06-01", "EUR", {"200.00"}, NULL, NULL, 0, IOSS, false, NULL, 4,
         -1, -1, 20000},
        {"EU EUR 150.00 in two items, at the threshold", "EU", "2026-06-01", "EUR",
         {"100.00", "50.00"}, NULL, NULL, 0, IOSS, false, NULL, 2, 0, 0, 15000},
        {"EU EUR 150.01", "EU", "2026-06-01", "EUR", {"150.01"}, NULL, NULL, 0, IOSS, false, NULL, 4,
         -1, -1, 15001},
        {"EU EUR 40 without IOSS", "EU", "2026-06-01", "EUR", {"40.00"}, NULL, NULL, 0, BUYER, false,
         NULL, 3, 0, 1, -1},
        {"EU IOSS wine (chapter 22, excise)", "EU", "2026-06-01", "EUR", {"40.00"}, "220421", NULL,
         0, IOSS, false, NULL, 3, 1, 0, -1},
        {"EU IOSS perfume (heading 3303, excise)", "EU", "2026-06-01", "EUR", {"40.00"}, "330300",
         NULL, 0, IOSS, false, NULL, 3, 1, 0, -1},
        {"EU C2C gift EUR 40", "EU", "2026-06-01", "EUR", {"40.00"}, NULL, NULL, 0, BUYER, true, NULL,
         2, 0, 0, -1},
        {"EU C2C gift EUR 46, over EUR 45", "EU", "2026-06-01", "EUR", {"46.00"}, NULL, NULL, 0, BUYER,
         true, NULL, 3, 0, 1, -1},
        {"EU C2C gift EUR 40 in the flat-duty era: gift relief covers duty too", "EU", "2026-08-01",
         "EUR", {"40.00"}, NULL, NULL, 0, BUYER, true, NULL, 2, 0, 0, -1},
        {"EU B2C EUR 40 in the flat-duty era: duty due", "EU", "2026-08-01", "EUR", {"40.00"}, NULL,
         NULL, 0, IOSS, false, NULL, 3, 1, 0, -1},
        {"EU C2C gift of wine EUR 40: excise goods are not relieved", "EU", "2026-06-01", "EUR",
         {"40.00"}, "220421", NULL, 0, BUYER, true, NULL, 3, 1, 0, -1},

        {"EU intrinsic value: freight not counted", "EU", "2026-06-01", "EUR", {"140.00"}, NULL, NULL,
         0, IOSS, false, "20.00", 2, 0, 0, 14000},
        {"EU IOSS USD 100 on 2026-04-13 (EUR 85.59)", "EU", "2026-04-13", "USD", {"100.00"}, NULL,
         NULL, 0, IOSS, false, NULL, 2, 0, 0, 8559},
        {"EU documents", "EU", "2026-08-01", "EUR", {"0.00"}, "490700", NULL, 0, BUYER, false, NULL, 1,
         0, 0, 0},
        {"EU documents heading with value", "EU", "2026-06-01", "EUR", {"10.00"}, "490700", NULL, 0,
         BUYER, false, NULL, 3, 0, 1, 1000},

        /* GB: relief and seller-collected VAT to GBP 135, gifts to GBP 39 */
        {"GB GBP 100 UK VAT", "GB", "2026-06-01", "GBP", {"100.00"}, NULL, NULL, 0, COLLECT_VENDOR,
         "GB123456789", false, NULL, 2, 0, 0, 10000},
        {"GB GBP 100 buyer pays", "GB", "2026-06-01", "GBP", {"100.00"}, NULL, NULL, 0, BUYER, false,
         NULL, 3, 0, 1, -1},
        {"GB GBP 135.01", "GB", "2026-06-01", "GBP", {"135.01"}, NULL, NULL, 0, BUYER, false, NULL, 4,
         -1, -1, -1},
        {"GB C2C gift GBP 39", "GB", "2026-06-01", "GBP", {"39.00"}, NULL, NULL, 0, BUYER, true, NULL,
         2, 0, 0, -1},
        {"GB C2C gift of whisky GBP 30: VAT relieved, excise goods pay duty", "GB", "2026-06-01",
         "GBP", {"30.00"}, "220830", NULL, 0, BUYER, true, NULL, 3, 1, 0, -1},

        /* US: Section 321 USD 800 until 2025-08-28, no federal VAT */
        {"US USD 500 in January 2025", "US", "2025-01-15", "USD", {"500.00"}, NULL, NULL, 0, BUYER,
         false, NULL, 2, 0, 0, 50000},
        {"US USD 500 in September 2025", "US", "2025-09-15", "USD", {"500.00"}, NULL, NULL, 0, BUYER,
         false, NULL, 3, 1, 0, 50000},
        {"US USD 500 the last second of Section 321", "US", "2025-08-28T23:59:59Z", "USD",
         {"500.00"}, NULL, NULL, 0, BUYER, false, NULL, 2, 0, 0, -1},
        {"US USD 500 the first second of the suspension", "US", "2025-08-29T00:00:00Z", "USD",
         {"500.00"}, NULL, NULL, 0, BUYER, false, NULL, 3, 1, 0, -1},
        {"US USD 2500.01, formal entry", "US", "2025-01-15", "USD", {"2500.01"}, NULL, NULL, 0, BUYER,
         false, NULL, 4, -1, -1, -1},
        {"US whisky (2208) USD 50", "US", "2025-01-15", "USD", {"50.00"}, "220830", NULL, 0, BUYER,
         false, NULL, 3, 1, 0, -1},
        {"US bona fide gift USD 80 after the suspension: duty relieved", "US", "2025-09-15", "USD",
         {"80.00"}, NULL, NULL, 0, BUYER, true, NULL, 2, 0, 0, -1},
        {"US gift USD 150, over USD 100", "US", "2025-09-15", "USD", {"150.00"}, NULL, NULL, 0, BUYER,
         true, NULL, 3, 1, 0, -1},
        {"US documents", "US", "2025-09-15", "USD", {"0.00"}, "490600", NULL, 0, BUYER, false, NULL, 1,
         0, 0, 0},

        /* AU: no duty and no border GST to AUD 1000 (GST on low value goods is
         * the registered vendor's to collect, not the border's); FOB */
        {"AU AUD 500 ARN", "AU", "2026-06-01", "AUD", {"500.00"}, NULL, NULL, 0, COLLECT_VENDOR,
         "12345678901", false, NULL, 2, 0, 0, -1},
        {"AU AUD 500 buyer model: still nothing at the border", "AU", "2026-06-01", "AUD", {"500.00"},
         NULL, NULL, 0, BUYER, false, NULL, 2, 0, 0, -1},
        {"AU AUD 1000.01", "AU", "2026-06-01", "AUD", {"1000.01"}, NULL, NULL, 0, BUYER, false, NULL,
         4, -1, -1, -1},
        {"AU FOB: AUD 990 + freight 20 stays under 1000", "AU", "2026-06-01", "AUD", {"990.00"}, NULL,
         NULL, 0, COLLECT_VENDOR, "12345678901", false, "20.00", 2, 0, 0, 99000},

        /* CA: courier from US/MX duty-free to CAD 150, tax-free to CAD 40;
         * otherwise CAD 20 */
        {"CA courier from US CAD 30", "CA", "2026-06-01", "CAD", {"30.00"}, NULL, "US", MODE_AIR, BUYER,
         false, NULL, 2, 0, 0, 3000},
        {"CA courier from US CAD 100: tax over 40", "CA", "2026-06-01", "CAD", {"100.00"}, NULL, "US",
         MODE_AIR, BUYER, false, NULL, 3, 0, 1, -1},
        {"CA courier from US CAD 160: duty over 150", "CA", "2026-06-01", "CAD", {"160.00"}, NULL,
         "US", MODE_AIR, BUYER, false, NULL, 3, 1, 1, -1},
        {"CA road from MX CAD 30", "CA", "2026-06-01", "CAD", {"30.00"}, NULL, "MX", MODE_ROAD, BUYER,
         false, NULL, 2, 0, 0, -1},
        {"CA post from US CAD 30: the CAD 20 rule", "CA", "2026-06-01", "CAD", {"30.00"}, NULL, "US",
         MODE_POST, BUYER, false, NULL, 3, 1, 1, -1},
        {"CA courier from CN CAD 15", "CA", "2026-06-01", "CAD", {"15.00"}, NULL, "CN", MODE_AIR,
         BUYER, false, NULL, 2, 0, 0, -1},
        {"CA CAD 3300.01", "CA", "2026-06-01", "CAD", {"3300.01"}, NULL, "US", MODE_AIR, BUYER, false,
         NULL, 4, -1, -1, -1},
        {"CA documents", "CA", "2026-06-01", "CAD", {"0.00"}, "491199", "US", MODE_AIR, BUYER, false,
         NULL, 1, 0, 0, 0},

        /* CN: retail import to CNY 5000 on CIF customs value, tax always */
        {"CN CNY 300", "CN", "2026-06-01", "CNY", {"300.00"}, NULL, "JP", 0, BUYER, false, NULL, 3, 0,
         1, 30000},
        {"CN CNY 4990", "CN", "2026-06-01", "CNY", {"4990.00"}, NULL, "JP", 0, BUYER, false, NULL, 3,
         0, 1, 499000},
        {"CN CIF: CNY 4990 + freight 20 is over 5000", "CN", "2026-06-01", "CNY", {"4990.00"}, NULL,
         "JP", 0, BUYER, false, "20.00", 4, -1, -1, 501000},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bad += assess_one(&cases[i], false);
    /* exports leave the territory: nothing is collected at any value */
    static const irg_case exports[] = {
        {"EU export EUR 40", "EU", "2026-08-01", "EUR", {"40.00"}, NULL, NULL, 0, BUYER, false, NULL, 2,
         0, 0, -1},
        {"EU export EUR 400: full declaration", "EU", "2026-08-01", "EUR", {"400.00"}, NULL, NULL, 0,
         BUYER, false, NULL, 4, 0, 0, -1},
    };
    for (size_t i = 0; i < sizeof exports / sizeof exports[0]; i++)
        bad += assess_one(&exports[i], true);
    assert_int_equal(bad, 0);
}

/* ---- main ------------------------------------------------------------------------------------------- */

static int setup(void **state)
{
    const char *refdir = bw_default_refdir(NULL);
    if (!refdir) {
        fprintf(stderr, "BREAKWATER_REFDATA must name the external reference data (../shared/data)\n");
        return -1;
    }
    char err[1024];
    g_rd = bw_refdata_load(bw_default_datadir(NULL), refdir, err, sizeof err);
    if (!g_rd)
        fprintf(stderr, "reference data: %s\n", err);
    return g_rd ? 0 : -1;
}

static int teardown(void **state)
{
    bw_refdata_free(g_rd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_parse),
        cmocka_unit_test(test_decimal_rescale),
        cmocka_unit_test(test_buf_put_fixed),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_format_round_trip),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_s10),
        cmocka_unit_test(test_awb),
        cmocka_unit_test(test_locode_and_hs_shape),
        cmocka_unit_test(test_country_and_currency),
        cmocka_unit_test(test_fx_convert),
        cmocka_unit_test(test_without_refdata),
        cmocka_unit_test(test_hs_subheading),
        cmocka_unit_test(test_jurisdiction_versions),
        cmocka_unit_test(test_validate_not_in_force),
        cmocka_unit_test(test_irg_category),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
