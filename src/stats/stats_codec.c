/*
 * stats_codec.c - the column codec of statistical chunks and the names of
 * the fixed fact codes (facts.h).
 *
 * Why the narrowest width per column and chunk: most columns are small
 * codes (1 byte) and most amounts fit 4 bytes, so a chunk costs a few bytes
 * per fact instead of eight per column, which is what a scan of ten
 * million declarations is bound by.
 */
#include <string.h>

#include "facts.h"

const char *const bw_flow_names[] = {"other", "postal", "express", "platform", NULL};
const char *const bw_stats_state_names[] = {
    "unknown",  "received", "rejected", "assessed", "arrived",  "held",     "inspected",
    "released", "reassessed", "seized", "destroyed", "returned_to_sender", "exported", "returned", NULL};
const char *const bw_stats_lane_names[] = {"none", "green", "blue", "yellow", "red", NULL};
const char *const bw_stats_status_names[] = {"unknown", "accepted", "rejected", NULL};
const char *const bw_stats_inspection_names[] = {"none", "compliant", "discrepancy", "seized", NULL};

uint8_t bw_stats_name_code(const char *const names[], const char *name)
{
    for (uint8_t i = 0; name && names[i]; i++)
        if (!strcmp(names[i], name))
            return i;
    return 0;
}

static int width_of(const int64_t *v, uint32_t n)
{
    int64_t lo = 0, hi = 0;
    for (uint32_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (lo >= INT8_MIN && hi <= INT8_MAX)
        return 1;
    if (lo >= INT16_MIN && hi <= INT16_MAX)
        return 2;
    if (lo >= INT32_MIN && hi <= INT32_MAX)
        return 4;
    return 8;
}

void bw_stats_col_encode(const int64_t *v, uint32_t n, bw_buf *out)
{
    int w = width_of(v, n);
    bw_buf_reserve(out, 1 + (size_t)n * (size_t)w);
    out->p[out->n++] = (char)w;
    for (uint32_t i = 0; i < n; i++)
        bw_buf_put_le(out, (uint64_t)v[i], w);
}

bool bw_stats_col_decode(const void *bytes, size_t len, uint32_t n, int64_t *out)
{
    const uint8_t *p = bytes;
    if (len < 1)
        return n == 0;
    int w = p[0];
    if ((w != 1 && w != 2 && w != 4 && w != 8) || len != 1 + (size_t)n * (size_t)w)
        return false;
    p++;
    switch (w) {
    case 1:
        for (uint32_t i = 0; i < n; i++)
            out[i] = (int8_t)p[i];
        break;
    case 2:
        for (uint32_t i = 0; i < n; i++) {
            int16_t x;
            memcpy(&x, p + 2 * i, 2);
            out[i] = x;
        }
        break;
    case 4:
        for (uint32_t i = 0; i < n; i++) {
            int32_t x;
            memcpy(&x, p + 4 * i, 4);
            out[i] = x;
        }
        break;
    default:
        memcpy(out, p, (size_t)n * 8);
    }
    return true;
}
