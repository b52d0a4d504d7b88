/*
 * apportion.h - splitting an amount over items in proportion to weights so
 * that the parts add up exactly (the largest remainder method).
 *
 * Used to spread freight and insurance over a consignment's items by their
 * value (CIF valuation), and any consignment-level amount likewise.
 */
#ifndef BW_APPORTION_H
#define BW_APPORTION_H

#include <stdint.h>

/* out[i] = total * weights[i] / sum(weights), floored, then the minor units
 * left over go one each to the largest fractional remainders (ties: the
 * earlier item).  Weights must be >= 0; when they are all 0 the total is
 * split evenly.  total may be negative (each part then <= 0). */
void bw_apportion(int64_t total, const int64_t *weights, uint32_t n, int64_t *out);

#endif
