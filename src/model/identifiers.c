/*
 * identifiers.c - structure and check digits of S10, AWB, UN/LOCODE, HS.
 */
#include "identifiers.h"

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool bw_s10_shape(bw_str s)
{
    if (s.n != 13 || !is_upper(s.p[0]) || !is_upper(s.p[1]) || !is_upper(s.p[11]) ||
        !is_upper(s.p[12]))
        return false;
    for (int i = 2; i < 11; i++)
        if (!is_digit(s.p[i]))
            return false;
    return true;
}

int bw_s10_check_digit(const char serial[8])
{
    static const int w[8] = {8, 6, 4, 2, 3, 5, 9, 7};
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (serial[i] - '0') * w[i];
    int c = 11 - sum % 11;
    return c == 10 ? 0 : c == 11 ? 5 : c;
}

bw_id_status bw_s10_check(bw_str s)
{
    if (!bw_s10_shape(s))
        return ID_FORMAT;
    return bw_s10_check_digit(s.p + 2) == s.p[10] - '0' ? ID_OK : ID_CHECK_DIGIT;
}

/* The 11 digits of an AWB, with or without the dash after the prefix. */
static bool awb_digits(bw_str s, char out[11])
{
    if (s.n != 11 && !(s.n == 12 && s.p[3] == '-'))
        return false;
    int k = 0;
    for (uint32_t i = 0; i < s.n; i++) {
        if (s.n == 12 && i == 3)
            continue;
        if (!is_digit(s.p[i]))
            return false;
        out[k++] = s.p[i];
    }
    return true;
}

bool bw_awb_shape(bw_str s)
{
    char d[11];
    return awb_digits(s, d);
}

bw_id_status bw_awb_check(bw_str s)
{
    char d[11];
    if (!awb_digits(s, d))
        return ID_FORMAT;
    long serial = 0;
    for (int i = 3; i < 10; i++)
        serial = serial * 10 + (d[i] - '0');
    return serial % 7 == d[10] - '0' ? ID_OK : ID_CHECK_DIGIT;
}

bool bw_locode_shape(bw_str s)
{
    if (s.n != 5 || !is_upper(s.p[0]) || !is_upper(s.p[1]))
        return false;
    for (int i = 2; i < 5; i++)
        if (!is_upper(s.p[i]) && !(s.p[i] >= '2' && s.p[i] <= '9'))
            return false;
    return true;
}

bool bw_hs_shape(bw_str s)
{
    if (s.n != 6 && s.n != 8 && s.n != 10)
        return false;
    for (uint32_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]))
            return false;
    return true;
}
