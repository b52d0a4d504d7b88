/*
 * lifecycle_view.c - lifecycle views (lifecycle_view.h).
 */
#include <stdio.h>
#include <string.h>

#include "lifecycle_view.h"

static void key_str(bw_buf *b, const char *key, const char *v, bool comma)
{
    bw_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    if (v && *v)
        bw_buf_put_json_str(b, v, strlen(v));
    else
        bw_buf_puts(b, "null");
}

static void key_time(bw_buf *b, const char *key, bw_time t)
{
    bw_buf_printf(b, ",\"%s\":", key);
    if (t)
        bw_buf_put_time(b, t);
    else
        bw_buf_puts(b, "null");
}

static void key_opt(bw_buf *b, const char *key, bool has, int64_t v)
{
    if (has)
        bw_buf_printf(b, ",\"%s\":%lld", key, (long long)v);
    else
        bw_buf_printf(b, ",\"%s\":null", key);
}

void bw_view_lifecycle(const bw_lc_status *l, bw_buf *b)
{
    if (!l) {
        bw_buf_puts(b, ",\"lifecycle\":null");
        return;
    }
    bw_buf_puts(b, ",\"lifecycle\":{");
    key_str(b, "state", l->state, false);
    key_str(b, "hold_reason", l->hold_reason, true);
    key_time(b, "state_at", l->state_at);
    key_time(b, "arrived_at", l->arrived_at);
    key_time(b, "released_at", l->released_at);
    key_str(b, "transport_document", l->transport_doc, true);
    bw_buf_puts(b, ",\"timeliness\":{");
    bw_buf_puts(b, "\"before\":\"data received this many seconds before loading / arrival (negative: after)\"");
    key_opt(b, "lead_loading_s", l->has_lead_loading, l->lead_loading_s);
    key_opt(b, "lead_arrival_s", l->has_lead_arrival, l->lead_arrival_s);
    bw_buf_printf(b, "},\"aeo\":%s", l->aeo ? "true" : "false");
    if (l->reassessed)
        bw_buf_printf(b, ",\"reassessed_minor\":{\"duty\":%lld,\"tax\":%lld,\"due\":%lld}", (long long)l->reassessed_duty,
                      (long long)l->reassessed_tax, (long long)l->reassessed_due);
    bw_buf_putc(b, '}');
}

void bw_view_arrival_item(const bw_arrival_item *it, bw_buf *b)
{
    bw_buf_putc(b, '{');
    key_str(b, "document_id", it->document_id, false);
    key_str(b, "submitter", it->submitter, true);
    key_str(b, "declaration_id", it->declaration_id, true);
    key_str(b, "outcome", it->outcome, true);
    key_str(b, "state", it->state, true);
    key_str(b, "hold_reason", it->reason, true);
    bw_buf_putc(b, '}');
}

void bw_view_arrival_summary(const bw_manifest *m, const bw_arrival_summary *s, bw_buf *b)
{
    key_str(b, "carrier", m->carrier, false);
    key_str(b, "master_id", m->master_id, true);
    bw_buf_printf(b, ",\"manifest\":%lld", (long long)s->manifest_id);
    key_str(b, "outcome", s->duplicate ? "duplicate" : s->conflict ? "conflict" : "recorded", true);
    bw_buf_printf(b, ",\"items\":%u,\"matched\":%u,\"released\":%u,\"held\":%u,\"unmatched\":%u,\"unchanged\":%u",
                  s->items, s->matched, s->released, s->held, s->unmatched, s->unchanged);
}

void bw_view_queue_entry(const bw_queue_entry *e, bw_time now, bw_buf *b)
{
    bw_buf_putc(b, '{');
    key_str(b, "submitter", e->submitter, false);
    key_str(b, "declaration_id", e->declaration_id, true);
    key_str(b, "jurisdiction", e->jurisdiction, true);
    key_str(b, "state", e->state, true);
    key_str(b, "hold_reason", e->hold_reason, true);
    key_str(b, "lane", e->lane, true);
    bw_buf_printf(b, ",\"risk_score\":%lld,\"aeo\":%s", (long long)e->risk_score, e->aeo ? "true" : "false");
    key_str(b, "settlement", e->settlement, true);
    key_time(b, "since", e->state_at);
    bw_buf_printf(b, ",\"age_s\":%lld", (long long)(now - e->state_at));
    key_time(b, "arrived_at", e->arrived_at);
    bw_buf_putc(b, '}');
}

void bw_view_referral(const bw_referral *r, bw_buf *b)
{
    bw_buf_putc(b, '{');
    key_str(b, "submitter", r->submitter, false);
    key_str(b, "declaration_id", r->declaration_id, true);
    bw_buf_puts(b, ",\"referral\":\"do_not_load\"");
    key_time(b, "at", r->at);
    key_str(b, "state", r->state, true);
    bw_buf_printf(b, ",\"detail\":%s}", r->detail ? r->detail : "null");
}

void bw_view_unmatched(const bw_unmatched *u, bw_buf *b)
{
    bw_buf_printf(b, "{\"id\":%lld", (long long)u->id);
    key_str(b, "carrier", u->carrier, true);
    key_str(b, "master_id", u->master_id, true);
    key_str(b, "document_id", u->document_id, true);
    key_time(b, "arrived_at", u->arrived_at);
    key_time(b, "cleared_at", u->cleared_at);
    if (u->submitter) {
        bw_buf_puts(b, ",\"declaration\":{");
        key_str(b, "submitter", u->submitter, false);
        key_str(b, "declaration_id", u->declaration_id, true);
        bw_buf_putc(b, '}');
    }
    bw_buf_putc(b, '}');
}

void bw_view_transition(const char *submitter, const char *id, const char *action, const bw_transition_outcome *o,
                        bw_buf *b)
{
    bw_buf_putc(b, '{');
    key_str(b, "submitter", submitter, false);
    key_str(b, "declaration_id", id, true);
    key_str(b, "action", action, true);
    key_str(b, "from", o->from, true);
    key_str(b, "state", o->to, true);
    bw_buf_putc(b, '}');
}

void bw_view_timeline(const bw_stored *d, bw_buf *b)
{
    bw_buf_printf(b, "%s/%s", d->submitter, d->declaration_id);
    if (d->lifecycle)
        bw_buf_printf(b, "  state %s%s%s", d->lifecycle->state, d->lifecycle->hold_reason[0] ? " (" : "",
                      d->lifecycle->hold_reason[0] ? d->lifecycle->hold_reason : "");
    if (d->lifecycle && d->lifecycle->hold_reason[0])
        bw_buf_putc(b, ')');
    bw_buf_printf(b, "\n%-20s  %-28s  %-18s  %-18s  %s\n", "time", "actor", "event", "state", "detail");
    for (uint32_t i = 0; i < d->n_events; i++) {
        const bw_event *e = &d->events[i];
        char at[21];
        bw_time_format(e->at, at);
        bw_buf_printf(b, "%-20s  %-28s  %-18s  %-18s  %s\n", at, e->actor ? e->actor : "", e->kind ? e->kind : "",
                      e->status ? e->status : "", e->detail ? e->detail : "");
    }
}
