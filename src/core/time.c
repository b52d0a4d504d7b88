/*
 * time.c - ISO 8601 / RFC 3339 time stamps to and from epoch seconds (UTC).
 *
 * Hand-written because the C library's strptime neither rejects bad input
 * strictly nor handles offsets portably, and mktime depends on the local
 * time zone.  Civil-date arithmetic uses the proleptic Gregorian calendar.
 */
#include <stdlib.h>
#include <time.h>

#include "core.h"

/* Days since 1970-01-01 of a civil date (valid for years 1..9999). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

bw_time bw_time_from_civil(int y, int m, int d) { return days_from_civil(y, m, d) * 86400; }

/* Reads exactly `w` digits at s[*i]. */
static bool digits(const char *s, size_t n, size_t *i, int w, int *out)
{
    int v = 0;
    for (int k = 0; k < w; k++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return false;
        v = v * 10 + (s[*i] - '0');
    }
    *out = v;
    return true;
}

static bool expect(const char *s, size_t n, size_t *i, char c)
{
    if (*i >= n || s[*i] != c)
        return false;
    (*i)++;
    return true;
}

bool bw_time_parse(const char *s, size_t n, bw_time *out)
{
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(s, n, &i, 4, &y) || !expect(s, n, &i, '-') || !digits(s, n, &i, 2, &mo) ||
        !expect(s, n, &i, '-') || !digits(s, n, &i, 2, &d))
        return false;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    int64_t offset = 0;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return false;
        i++;
        if (!digits(s, n, &i, 2, &h) || !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &mi) ||
            !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &se))
            return false;
        if (h > 23 || mi > 59 || se > 60)
            return false;
        if (se == 60) /* leap second: the instant before the next minute */
            se = 59;
        if (i < n && s[i] == '.') {
            size_t f = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == f)
                return false;
        }
        /* a time of day must say its zone: local times are ambiguous */
        if (i >= n)
            return false;
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i++] == '-' ? -1 : 1, oh, om;
            if (!digits(s, n, &i, 2, &oh) || !expect(s, n, &i, ':') || !digits(s, n, &i, 2, &om) ||
                oh > 23 || om > 59)
                return false;
            offset = sign * (oh * 3600 + om * 60);
        } else {
            return false;
        }
        if (i != n)
            return false;
    }
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    return true;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

void bw_time_format(bw_time t, char out[21])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    unsigned sec = (unsigned)(t - days * 86400);
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
    put2(out, yy / 100);
    put2(out + 2, yy % 100);
    out[4] = '-';
    put2(out + 5, (unsigned)m);
    out[7] = '-';
    put2(out + 8, (unsigned)d);
    out[10] = 'T';
    put2(out + 11, sec / 3600);
    out[13] = ':';
    put2(out + 14, sec / 60 % 60);
    out[16] = ':';
    put2(out + 17, sec % 60);
    out[19] = 'Z';
    out[20] = 0;
}

void bw_buf_put_time(bw_buf *b, bw_time t)
{
    char s[21];
    bw_time_format(t, s);
    bw_buf_putc(b, '"');
    bw_buf_put(b, s, 20);
    bw_buf_putc(b, '"');
}

bw_time bw_time_now(void) { return (bw_time)time(NULL); }

bool bw_period_parse(const char *s, bw_time *from, bw_time *to)
{
    if (strlen(s) != 7 || s[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = atoi(s + 5);
    if (y < 1970 || m < 1 || m > 12)
        return false;
    *from = bw_time_from_civil(y, m, 1);
    *to = m == 12 ? bw_time_from_civil(y + 1, 1, 1) : bw_time_from_civil(y, m + 1, 1);
    return true;
}
