/*
 * oga_view.h - what other government agencies are shown, as JSON: their
 * queue, their interests, and a declaration their interests matched - the
 * goods and the lifecycle, never customs' risk decision or revenue, and the
 * buyer's personal data only to customs.
 */
#ifndef BW_OGA_VIEW_H
#define BW_OGA_VIEW_H

#include "../store/store_oga.h"

void bw_view_oga_queued(const bw_oga_queued *q, bw_buf *out);
void bw_view_oga_interest(const bw_oga_interest_row *r, bw_buf *out);
/* matches, holds: JSON arrays (bw_store_oga_detail).  false when the body
 * cannot be read back. */
bool bw_view_agency_declaration(const bw_stored *d, bool personal_data, const char *matches, const char *holds,
                                bw_buf *out);
/* An agency's hold or release: the declaration, the agency, from and to. */
void bw_view_oga_act(const bw_oga_act *a, const char *verb, const bw_transition_outcome *o, bw_buf *out);

#endif
