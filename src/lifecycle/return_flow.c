/*
 * return_flow.c - a return from request to refund (return_flow.h).
 *
 * The decision is made on what the store says outside the write lock and
 * recorded under it only if nothing was returned meanwhile
 * (BW_RET_CHANGED: decided again, a few times at most).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store_lifecycle.h"
#include "return_flow.h"

const char *const bw_return_result_names[] = {"accepted", "duplicate", "conflict", "refused", "not_found", "failed"};

static bw_return_result say(bw_return_outcome *o, bw_return_result r, const char *why)
{
    snprintf(o->why, sizeof o->why, "%s", why);
    return r;
}

/* A return under this id already: the same one (duplicate) or another. */
static int known(bw_store *s, const char *submitter, const char *id, const bw_return_request *rq, const char *canonical,
                 bw_return_outcome *out, bw_return_result *r)
{
    int found = bw_store_return_find(s, submitter, id, rq->return_id, &out->record);
    if (found < 0) {
        *r = say(out, BW_RETURN_FAILED, bw_store_error(s));
        return 1;
    }
    if (!found)
        return 0;
    out->has_record = true;
    if (out->record.request && !strcmp(out->record.request, canonical)) {
        *r = BW_RETURN_DUPLICATE;
    } else {
        snprintf(out->why, sizeof out->why, "return %s of %s/%s was already declared with other items", rq->return_id,
                 submitter, id);
        *r = BW_RETURN_CONFLICT;
    }
    return 1;
}

/* Reads, decides and records once; BW_RET_CHANGED when a concurrent return got in first. */
static int attempt(bw_store *s, const bw_refdata *rd, const bw_stored *d, const bw_return_request *rq,
                   const char *canonical, const char *actor, bw_time at, bw_return_outcome *out)
{
    bw_return_original o;
    if (!bw_return_original_load(d->body, d->assessment, &o, out->why, sizeof out->why))
        return BW_LC_REFUSED;
    int64_t *qty = calloc(o.n_items ? o.n_items : 1, sizeof *qty), total;
    int rc = -1;
    if (!bw_store_return_priors(s, d->submitter, d->declaration_id, o.n_items, qty, &total)) {
        snprintf(out->why, sizeof out->why, "%s", bw_store_error(s));
        goto out;
    }
    bw_str jid = {d->jurisdiction, (uint32_t)strlen(d->jurisdiction)};
    const bw_jurisdiction *j = bw_jurisdiction_find(rd, jid);
    const bw_jur_version *v = j ? bw_jurisdiction_at(j, at) : NULL;
    bw_return_priors p = {qty, o.n_items};
    bw_return_amounts a;
    if (bw_return_decide(&o, &p, rq, v, d->jurisdiction, d->lifecycle ? d->lifecycle->released_at : 0, at, &a,
                         out->why, sizeof out->why) < 0) {
        rc = BW_LC_REFUSED;
        goto out;
    }
    bw_return_new n = {.submitter = d->submitter, .declaration_id = d->declaration_id, .request = rq,
                       .canonical = canonical, .amounts = &a, .currency = o.currency,
                       .vendor_collected = o.tax_prepaid, .priors_total = total, .actor = actor, .at = at};
    bw_transition_outcome t;
    rc = bw_store_return_declare(s, &n, &t);
    if (rc == BW_LC_REFUSED)
        snprintf(out->why, sizeof out->why, "%s", t.why);
    else if (rc < 0 && rc != BW_RET_CHANGED)
        snprintf(out->why, sizeof out->why, "%s", bw_store_error(s));
out:
    free(qty);
    bw_return_original_free(&o);
    return rc;
}

static const char *state_of(const bw_stored *d) { return d->lifecycle ? d->lifecycle->state : ""; }

bw_return_result bw_return_declare(bw_store *s, const bw_refdata *rd, const char *submitter,
                                   const char *declaration_id, const bw_return_request *rq, const char *actor,
                                   bw_time at, bw_return_outcome *out)
{
    memset(out, 0, sizeof *out);
    bw_buf canon = {0};
    bw_return_request_canonical(rq, &canon);
    bw_buf_putc(&canon, 0);
    bw_return_result r = BW_RETURN_FAILED;
    for (int tries = 0; tries < 5; tries++) {
        if (known(s, submitter, declaration_id, rq, canon.p, out, &r))
            break;
        bw_stored d;
        int found = bw_store_get(s, submitter, declaration_id, &d);
        if (found <= 0) {
            r = found ? say(out, BW_RETURN_FAILED, bw_store_error(s)) : BW_RETURN_NOT_FOUND;
            if (!found)
                snprintf(out->why, sizeof out->why, "no declaration %s/%s", submitter, declaration_id);
            break;
        }
        int rc;
        if (strcmp(state_of(&d), "released") && strcmp(state_of(&d), "returned")) {
            snprintf(out->why, sizeof out->why, "%s/%s is %s, not released: only released goods can be returned",
                     submitter, declaration_id, state_of(&d)[0] ? state_of(&d) : d.status);
            rc = BW_LC_REFUSED;
        } else {
            rc = attempt(s, rd, &d, rq, canon.p, actor, at, out);
        }
        bw_stored_free(&d);
        if (rc == BW_RET_CHANGED)
            continue;
        r = rc == 1 ? BW_RETURN_ACCEPTED : rc == BW_LC_REFUSED ? BW_RETURN_REFUSED
                                       : rc == 0           ? BW_RETURN_NOT_FOUND
                                                           : BW_RETURN_FAILED;
        if (r == BW_RETURN_ACCEPTED)
            out->has_record = bw_store_return_find(s, submitter, declaration_id, rq->return_id, &out->record) == 1;
        break;
    }
    bw_buf_free(&canon);
    return r;
}

bw_return_result bw_return_export(bw_store *s, const char *submitter, const char *declaration_id,
                                  const char *return_id, const char *actor, bw_time at, bw_return_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (!bw_return_id_valid(return_id))
        return say(out, BW_RETURN_REFUSED, "return_id: 1 to 80 letters, digits and . _ : / -");
    bw_transition_outcome t;
    int rc = bw_store_return_exported(s, submitter, declaration_id, return_id, actor, at, &out->record, &t);
    out->has_record = rc == 1 || rc == 2;
    switch (rc) {
    case 1:
        return BW_RETURN_ACCEPTED;
    case 2:
        return BW_RETURN_DUPLICATE;
    case 0:
        snprintf(out->why, sizeof out->why, "no return %s of %s/%s", return_id, submitter, declaration_id);
        return BW_RETURN_NOT_FOUND;
    case BW_LC_REFUSED:
        return say(out, BW_RETURN_REFUSED, t.why);
    default:
        return say(out, BW_RETURN_FAILED, bw_store_error(s));
    }
}

void bw_return_outcome_free(bw_return_outcome *o)
{
    if (o->has_record)
        bw_return_record_free(&o->record);
    o->has_record = false;
}

static void text(bw_buf *b, const char *key, const char *v)
{
    bw_buf_puts(b, key);
    bw_buf_put_json_str(b, v, strlen(v));
}

void bw_view_return(const bw_return_record *r, bw_buf *b)
{
    int exp = bw_currency_exponent((bw_str){r->currency, (uint32_t)strlen(r->currency)});
    unsigned e = exp < 0 ? 2 : (unsigned)exp;
    text(b, "{\"return_id\":", r->return_id);
    text(b, ",\"original\":{\"submitter\":", r->submitter);
    text(b, ",\"declaration_id\":", r->declaration_id);
    text(b, "},\"jurisdiction\":", r->jurisdiction);
    text(b, ",\"claimant\":", r->claimant);
    text(b, ",\"actor\":", r->actor);
    bw_buf_puts(b, ",\"declared_at\":");
    bw_buf_put_time(b, r->declared_at);
    bw_buf_puts(b, ",\"exported_at\":");
    if (r->exported_at) {
        bw_buf_put_time(b, r->exported_at); /* quoted */
    } else {
        bw_buf_puts(b, "null");
    }
    bw_buf_puts(b, ",\"items\":");
    /* the canonical request holds the items as declared */
    const char *items = r->request ? strstr(r->request, "\"items\":") : NULL;
    if (items) {
        size_t n = strlen(items + 8);
        bw_buf_put(b, items + 8, n - 1); /* without the request's closing brace */
    } else {
        bw_buf_puts(b, "[]");
    }
    text(b, ",\"currency\":", r->currency);
    bw_buf_puts(b, ",\"refund\":{");
    bw_buf_put_amount(b, "\"duty\":", r->duty, e);
    bw_buf_put_amount(b, ",\"tax\":", r->tax, e);
    bw_buf_put_amount(b, ",\"amount\":", r->duty + r->tax, e);
    text(b, ",\"status\":", !r->exported_at ? "awaiting_export" : r->refund_to[0] ? "refunded" : "nothing_to_refund");
    if (r->refund_to[0]) {
        text(b, ",\"to\":", r->refund_to);
        text(b, ",\"reference\":", r->refund_reference);
    }
    bw_buf_putc(b, '}');
    bw_buf_puts(b, r->vendor_collected ? ",\"vendor_collected\":true" : ",\"vendor_collected\":false");
    bw_buf_put_amount(b, ",\"vendor_tax\":", r->vendor_tax, e);
    bw_buf_put_amount(b, ",\"quota_restored\":", r->quota_restored, e);
    bw_buf_puts(b, ",\"proof_of_re_export\":");
    bw_buf_puts(b, r->proof ? r->proof : "null");
    bw_buf_putc(b, '}');
}

void bw_view_return_outcome(bw_return_result r, const bw_return_outcome *o, bw_buf *b)
{
    text(b, "{\"outcome\":", bw_return_result_names[r]);
    if (o->why[0])
        text(b, ",\"why\":", o->why);
    if (o->has_record) {
        bw_buf_puts(b, ",\"return\":");
        bw_view_return(&o->record, b);
    }
    bw_buf_putc(b, '}');
}
