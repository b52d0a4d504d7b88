/*
 * quote.h - a buyer's landed-cost estimate (`breakwater quote`, POST
 * /v1/quote): the revenue engine's assessment of a prospective purchase,
 * with what the buyer pays at checkout and at the border.
 */
#ifndef BW_QUOTE_H
#define BW_QUOTE_H

#include "../pipeline/pipeline.h"

/* One estimate as a JSON object (no newline). */
void bw_view_quote(const bw_record *rec, const bw_outcome *o, bw_buf *out);

#endif
