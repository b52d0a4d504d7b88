/*
 * identifiers.h - checks of the identifiers a declaration carries that have
 * a published structure or check digit (UPU S10, IATA air waybill,
 * UN/LOCODE, HS code).  See ../shared/DOMAIN.md "Identifiers".
 */
#ifndef BW_IDENTIFIERS_H
#define BW_IDENTIFIERS_H

#include "../core/core.h"

typedef enum { ID_OK = 0, ID_FORMAT, ID_CHECK_DIGIT } bw_id_status;

/* UPU S10: 2 letters, 8 digits, check digit, ISO country (RR123456785CN). */
bool bw_s10_shape(bw_str s);
bw_id_status bw_s10_check(bw_str s);
/* S10 check digit of 8 serial digits: weights 8,6,4,2,3,5,9,7; 11 - sum mod
 * 11, with 10 -> 0 and 11 -> 5. */
int bw_s10_check_digit(const char serial[8]);

/* IATA air waybill: 3-digit airline prefix, optional '-', 8 digits whose last
 * is the first seven mod 7 (176-12345675). */
bool bw_awb_shape(bw_str s);
bw_id_status bw_awb_check(bw_str s);

/* UN/LOCODE: ISO country + 3 letters or digits 2-9 (CNSZX). */
bool bw_locode_shape(bw_str s);

/* HS code: 6, 8 or 10 digits. */
bool bw_hs_shape(bw_str s);

#endif
