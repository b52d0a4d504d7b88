/*
 * oga_view.c - agencies' views (oga_view.h).
 */
#include <string.h>

#include "oga_view.h"
#include "view.h"

static void key_str(bw_buf *b, const char *key, const char *v)
{
    bw_buf_printf(b, ",\"%s\":", key);
    if (v)
        bw_buf_put_json_str(b, v, strlen(v));
    else
        bw_buf_puts(b, "null");
}

void bw_view_oga_queued(const bw_oga_queued *q, bw_buf *b)
{
    bw_buf_puts(b, "{\"agency\":");
    bw_buf_put_json_str(b, q->agency, strlen(q->agency));
    key_str(b, "submitter", q->submitter);
    key_str(b, "declaration_id", q->declaration_id);
    key_str(b, "jurisdiction", q->jurisdiction);
    key_str(b, "state", q->state);
    key_str(b, "hold_reason", q->hold_reason);
    bw_buf_printf(b, ",\"holding\":%s,\"matched_at\":", q->holding ? "true" : "false");
    bw_buf_put_time(b, q->matched_at);
    bw_buf_printf(b, ",\"matches\":%s}", q->matches);
}

void bw_view_oga_interest(const bw_oga_interest_row *r, bw_buf *b)
{
    const bw_oga_interest *in = r->interest;
    bw_buf_puts(b, "{\"agency\":");
    bw_buf_put_json_str(b, in->agency, strlen(in->agency));
    key_str(b, "source", in->source);
    key_str(b, "actor", r->actor);
    bw_buf_puts(b, ",\"registered_at\":");
    if (r->at)
        bw_buf_put_time(b, r->at);
    else
        bw_buf_puts(b, "null");
    bw_buf_printf(b, ",\"interest\":%s}", in->json);
}

bool bw_view_agency_declaration(const bw_stored *d, bool personal_data, const char *matches, const char *holds,
                                bw_buf *b)
{
    bw_buf redacted = {0};
    const char *body = d->body;
    if (!personal_data) {
        if (!bw_redact_personal_data(d->body, strlen(d->body), &redacted)) {
            bw_buf_free(&redacted);
            return false;
        }
        body = bw_buf_cstr(&redacted);
    }
    bw_buf_puts(b, "{\"submitter\":");
    bw_buf_put_json_str(b, d->submitter, strlen(d->submitter));
    key_str(b, "declaration_id", d->declaration_id);
    key_str(b, "jurisdiction", d->jurisdiction);
    key_str(b, "state", d->lifecycle ? d->lifecycle->state : NULL);
    key_str(b, "hold_reason", d->lifecycle && d->lifecycle->hold_reason[0] ? d->lifecycle->hold_reason : NULL);
    bw_buf_printf(b, ",\"declaration\":%s,\"matches\":%s,\"holds\":%s}", body, matches, holds);
    bw_buf_free(&redacted);
    return true;
}

void bw_view_oga_act(const bw_oga_act *a, const char *verb, const bw_transition_outcome *o, bw_buf *b)
{
    bw_buf_puts(b, "{\"submitter\":");
    bw_buf_put_json_str(b, a->submitter, strlen(a->submitter));
    key_str(b, "declaration_id", a->declaration_id);
    key_str(b, "agency", a->agency);
    key_str(b, "action", verb);
    key_str(b, "from", o->from);
    key_str(b, "to", o->to);
    bw_buf_putc(b, '}');
}
