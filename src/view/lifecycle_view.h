/*
 * lifecycle_view.h - the clearance lifecycle as JSON and as a timeline:
 * a declaration's state, arrival results, the officer's queue, referrals,
 * arrivals without data.  Shared by the CLI and the API.
 */
#ifndef BW_LIFECYCLE_VIEW_H
#define BW_LIFECYCLE_VIEW_H

#include "../store/store_lifecycle.h"

/* The member ,"lifecycle":{...} of a declaration view (null when unknown). */
void bw_view_lifecycle(const struct bw_lc_status *l, bw_buf *out);
/* Objects (no separators). */
void bw_view_arrival_item(const bw_arrival_item *it, bw_buf *out);
/* The members of an arrival summary, without braces. */
void bw_view_arrival_summary(const bw_manifest *m, const bw_arrival_summary *s, bw_buf *out);
void bw_view_queue_entry(const bw_queue_entry *e, bw_time now, bw_buf *out);
void bw_view_referral(const bw_referral *r, bw_buf *out);
void bw_view_unmatched(const bw_unmatched *u, bw_buf *out);
void bw_view_transition(const char *submitter, const char *id, const char *action, const bw_transition_outcome *o,
                        bw_buf *out);
/* A declaration's full timeline, one event a line: time, actor, event,
 * state after it, detail. */
void bw_view_timeline(const bw_stored *d, bw_buf *out);

#endif
