/*
 * json_encode.h - bw_declaration back to JSON.
 *
 * The canonical form: every field of the schema in schema order, absent
 * ones as null, amounts in the currency's minor-unit precision once
 * validated, times normalised to UTC.  Two declarations with the same
 * content encode to the same bytes, which is what the store's idempotency
 * check hashes.
 */
#ifndef BW_JSON_ENCODE_H
#define BW_JSON_ENCODE_H

#include "schema.h"

void bw_encode_declaration(const bw_declaration *d, bw_buf *out);

#endif
