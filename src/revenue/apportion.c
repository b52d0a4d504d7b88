/*
 * apportion.c - the largest remainder method (see apportion.h).
 */
#include <stdbool.h>
#include <stdlib.h>

#include "apportion.h"

void bw_apportion(int64_t total, const int64_t *weights, uint32_t n, int64_t *out)
{
    if (n == 0)
        return;
    bool negative = total < 0;
    __int128 t = negative ? -(__int128)total : total, sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += weights[i];
    bool even = sum == 0;
    if (even)
        sum = n;
    __int128 *rem = malloc(n * sizeof *rem), given = 0;
    for (uint32_t i = 0; i < n; i++) {
        __int128 share = t * (even ? 1 : weights[i]);
        out[i] = (int64_t)(share / sum);
        rem[i] = share % sum;
        given += out[i];
    }
    /* the leftover units (fewer than n) go to the largest remainders */
    for (__int128 left = t - given; left > 0; left--) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < n; i++)
            if (rem[i] > rem[best])
                best = i;
        out[best]++;
        rem[best] = -1;
    }
    free(rem);
    if (negative)
        for (uint32_t i = 0; i < n; i++)
            out[i] = -out[i];
}
