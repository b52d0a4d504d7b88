/*
 * view.c - JSON views of stored declarations (see view.h).
 */
#include <string.h>

#include "../model/json_decode.h"
#include "../model/json_encode.h"
#include "../reference/refdata.h"
#include "view.h"
#include "lifecycle_view.h"

static void put_key(bw_buf *b, const char *key, const char *v)
{
    bw_buf_printf(b, ",\"%s\":", key);
    if (v)
        bw_buf_put_json_str(b, v, strlen(v));
    else
        bw_buf_puts(b, "null");
}

static void put_value(bw_buf *b, int64_t minor, const char *currency)
{
    if (minor < 0 || !currency)
        return;
    int exp = bw_currency_exponent((bw_str){currency, (uint32_t)strlen(currency)});
    bw_buf_puts(b, ",\"value\":{\"amount\":\"");
    bw_buf_put_fixed(b, minor, exp < 0 ? 0 : (unsigned)exp);
    bw_buf_printf(b, "\",\"currency\":\"%s\"}", currency);
}

static void put_category(bw_buf *b, uint8_t category)
{
    if (category)
        bw_buf_printf(b, ",\"category\":%u", category);
    else
        bw_buf_puts(b, ",\"category\":null");
}

bool bw_redact_personal_data(const char *json, size_t n, bw_buf *out)
{
    bw_decoder *dec = bw_decoder_new(NULL);
    bw_arena arena;
    bw_arena_init(&arena);
    bw_issues iss;
    bw_issues_init(&iss, &arena);
    bw_declaration d;
    size_t used;
    bool ok = dec && bw_decode_declaration(dec, json, json + n, true, &d, &iss, &arena, &used) ==
                         BW_DECODE_OK;
    if (ok) {
        bw_party *b = &d.buyer;
        b->name = b->email = b->phone = b->national_id = BW_STR_NULL;
        memset(&b->address, 0, sizeof b->address);
        bw_encode_declaration(&d, out);
    }
    bw_arena_free(&arena);
    bw_decoder_free(dec);
    return ok;
}

/* The facts both views open with. */
static void put_head(bw_buf *b, const char *submitter, const char *id, const char *jurisdiction,
                     const char *type, const char *status, uint8_t category, int64_t value_minor,
                     const char *currency, bw_time received_at)
{
    bw_buf_puts(b, "{\"submitter\":");
    bw_buf_put_json_str(b, submitter, strlen(submitter));
    put_key(b, "declaration_id", id);
    put_key(b, "jurisdiction", jurisdiction);
    put_key(b, "type", type);
    put_key(b, "status", status);
    put_category(b, category);
    put_value(b, value_minor, currency);
    bw_buf_puts(b, ",\"received_at\":");
    bw_buf_put_time(b, received_at);
}

static void put_amount(bw_buf *b, const char *key, int64_t minor, int exp)
{
    bw_buf_printf(b, ",\"%s\":\"", key);
    bw_buf_put_fixed(b, minor, (unsigned)exp);
    bw_buf_putc(b, '"');
}

/* The risk decision as it was made (with its hits and evidence), and the
 * lane in force now (later events may have changed it). */
static void put_risk(bw_buf *b, const bw_stored *d)
{
    bw_buf_puts(b, ",\"risk\":");
    bw_buf_puts(b, d->risk ? d->risk : "null");
    bw_buf_puts(b, ",\"lane\":");
    if (d->lane)
        bw_buf_put_json_str(b, d->lane, strlen(d->lane));
    else
        bw_buf_puts(b, "null");
}

/* The assessment as stored, and where settling it stands. */
static void put_revenue(bw_buf *b, const bw_stored *d)
{
    bw_buf_puts(b, ",\"revenue\":");
    bw_buf_puts(b, d->assessment ? d->assessment : "null");
    if (!d->settlement) {
        bw_buf_puts(b, ",\"settlement\":null");
        return;
    }
    bw_buf_puts(b, ",\"settlement\":{\"state\":");
    bw_buf_put_json_str(b, d->settlement, strlen(d->settlement));
    if (d->due >= 0 && d->currency) {
        int exp = bw_currency_exponent((bw_str){d->currency, (uint32_t)strlen(d->currency)});
        put_amount(b, "due", d->due, exp < 0 ? 0 : exp);
        bw_buf_printf(b, ",\"currency\":\"%s\"", d->currency);
    }
    put_key(b, "payer", d->payer);
    put_key(b, "account", d->account);
    bw_buf_puts(b, ",\"settled_at\":");
    if (d->settled_at)
        bw_buf_put_time(b, d->settled_at);
    else
        bw_buf_puts(b, "null");
    bw_buf_putc(b, '}');
}

bool bw_view_declaration(const bw_stored *d, bool personal_data, bw_buf *b)
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
    put_head(b, d->submitter, d->declaration_id, d->jurisdiction, d->type, d->status, d->category,
             d->value_minor, d->currency, d->received_at);
    bw_buf_printf(b, ",\"errors\":%s,\"warnings\":%s,\"declaration\":%s", d->errors, d->warnings, body);
    put_revenue(b, d);
    put_risk(b, d);
    bw_view_lifecycle(d->lifecycle, b);
    bw_buf_puts(b, ",\"history\":[");
    for (uint32_t i = 0; i < d->n_events; i++) {
        const bw_event *e = &d->events[i];
        bw_buf_puts(b, i ? ",{\"at\":" : "{\"at\":");
        bw_buf_put_time(b, e->at);
        put_key(b, "event", e->kind);
        put_key(b, "status", e->status);
        put_key(b, "actor", e->actor);
        put_key(b, "detail", e->detail);
        bw_buf_putc(b, '}');
    }
    bw_buf_puts(b, "]}");
    bw_buf_free(&redacted);
    return true;
}

void bw_view_summary(const bw_summary *s, bw_buf *b)
{
    put_head(b, s->submitter, s->declaration_id, s->jurisdiction, s->type, s->status, s->category,
             s->value_minor, s->currency, s->received_at);
    bw_buf_putc(b, '}');
}
