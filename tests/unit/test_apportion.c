/*
 * test_apportion.c - worked examples and a property test: the parts always
 * add up to the total, each is within one minor unit of its exact share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "revenue/apportion.h"

static void test_examples(void **state)
{
    (void)state;
    int64_t out[3];
    /* EUR 10.00 freight over items of 39.98 and 5.00: 888.84... and 111.15... -> 889 + 111 */
    bw_apportion(1000, (int64_t[]){3998, 500}, 2, out);
    assert_int_equal(out[0], 889);
    assert_int_equal(out[1], 111);
    /* 100 over three equal items: 33.33 each, one left over -> the first */
    bw_apportion(100, (int64_t[]){1, 1, 1}, 3, out);
    assert_int_equal(out[0], 34);
    assert_int_equal(out[1], 33);
    assert_int_equal(out[2], 33);
    /* all weights zero: even split */
    bw_apportion(5, (int64_t[]){0, 0}, 2, out);
    assert_int_equal(out[0] + out[1], 5);
    assert_int_equal(out[0], 3);
    /* a zero-weight item gets nothing */
    bw_apportion(7, (int64_t[]){0, 2, 5}, 3, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 5);
    /* negative totals (a refund) mirror positive ones */
    bw_apportion(-100, (int64_t[]){1, 1, 1}, 3, out);
    assert_int_equal(out[0], -34);
    assert_int_equal(out[2], -33);
}

static void test_property_parts_sum_exactly(void **state)
{
    (void)state;
    srand(12345);
    int64_t w[40], out[40];
    for (int round = 0; round < 20000; round++) {
        uint32_t n = 1 + (uint32_t)(rand() % 40);
        int64_t total = (int64_t)(rand() % 1000000) - 200000;
        __int128 sum = 0;
        for (uint32_t i = 0; i < n; i++) {
            w[i] = rand() % 4 == 0 ? 0 : (int64_t)rand() * (rand() % 1000);
            sum += w[i];
        }
        bw_apportion(total, w, n, out);
        __int128 got = 0;
        for (uint32_t i = 0; i < n; i++) {
            got += out[i];
            /* within one unit of the exact share */
            __int128 exact_num = (__int128)total * (sum ? w[i] : 1), den = sum ? sum : n;
            __int128 lo = exact_num / den - 1, hi = exact_num / den + 1;
            if (out[i] < lo || out[i] > hi)
                fail_msg("round %d item %u: %lld is not within one unit of its share", round, i, (long long)out[i]);
        }
        if (got != total)
            fail_msg("round %d: parts add up to %lld, not %lld", round, (long long)got, (long long)total);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_property_parts_sum_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
