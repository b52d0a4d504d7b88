/*
 * decimal.c - exact decimal numbers as int64 mantissa + scale.
 *
 * Money never passes through a double: "44.98" EUR is parsed to {4498, 2}
 * and rescaled to the currency's ISO 4217 exponent, refusing anything that
 * would drop a digit or overflow int64.
 */
#include "core.h"

static const int64_t POW10[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
    1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL,
};

bw_dec_status bw_decimal_parse(const char *s, size_t n, bw_decimal *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && s[i] == '-') {
        neg = true;
        i++;
    }
    uint64_t mant = 0;
    size_t int_digits = 0, frac_digits = 0;
    bool overflow = false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        if (mant > (UINT64_MAX - 9) / 10)
            overflow = true;
        else
            mant = mant * 10 + (uint64_t)(s[i] - '0');
    }
    if (int_digits == 0)
        return BW_DEC_SYNTAX;
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac_digits++) {
            if (mant > (UINT64_MAX - 9) / 10)
                overflow = true;
            else
                mant = mant * 10 + (uint64_t)(s[i] - '0');
        }
        if (frac_digits == 0)
            return BW_DEC_SYNTAX;
    }
    if (i != n)
        return BW_DEC_SYNTAX;
    if (overflow || frac_digits > 18 || mant > (uint64_t)INT64_MAX)
        return BW_DEC_OVERFLOW;
    out->mantissa = neg ? -(int64_t)mant : (int64_t)mant;
    out->scale = (uint8_t)frac_digits;
    return BW_DEC_OK;
}

bw_dec_status bw_decimal_rescale(bw_decimal d, unsigned scale, int64_t *out)
{
    if (d.scale > scale)
        return BW_DEC_PRECISION;
    unsigned up = scale - d.scale;
    if (up > 18)
        return BW_DEC_OVERFLOW;
    int64_t r;
    if (__builtin_mul_overflow(d.mantissa, POW10[up], &r))
        return BW_DEC_OVERFLOW;
    *out = r;
    return BW_DEC_OK;
}

void bw_buf_put_fixed(bw_buf *b, int64_t v, unsigned scale)
{
    if (scale == 0 || scale > 18) {
        bw_buf_put_i64(b, v);
        return;
    }
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t p = (uint64_t)POW10[scale];
    if (v < 0)
        bw_buf_putc(b, '-');
    bw_buf_put_i64(b, (int64_t)(u / p));
    char frac[20];
    uint64_t f = u % p;
    for (int i = (int)scale - 1; i >= 0; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    bw_buf_putc(b, '.');
    bw_buf_put(b, frac, scale);
}

void bw_buf_put_amount(bw_buf *b, const char *key_colon, int64_t v, unsigned scale)
{
    bw_buf_puts(b, key_colon);
    bw_buf_putc(b, '"');
    bw_buf_put_fixed(b, v, scale);
    bw_buf_putc(b, '"');
}
