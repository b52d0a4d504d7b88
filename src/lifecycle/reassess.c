/*
 * reassess.c - revenue reassessed from an inspection's corrections
 * (reassess.h).
 *
 * Corrections are applied to the canonical JSON as stored, so the corrected
 * declaration is decoded, validated and assessed exactly like a lodged one:
 * a correction that makes it invalid (an unknown HS code, a value with too
 * many decimals) is refused with the pipeline's own errors.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/reader.h"
#include "../revenue/revenue.h"
#include "reassess.h"

static bool parse_one(json_object *c, int i, bw_arena *arena, bw_correction *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->item = -1;
    if (!json_object_is_type(c, json_type_object)) {
        snprintf(err, errlen, "corrections[%d]: must be an object {\"item\", \"hs_code\", \"value\"}", i);
        return false;
    }
    json_object_object_foreach(c, key, val) {
        if (!strcmp(key, "item") && json_object_is_type(val, json_type_int) && json_object_get_int(val) >= 0)
            out->item = json_object_get_int(val);
        else if ((!strcmp(key, "hs_code") || !strcmp(key, "value")) && json_object_is_type(val, json_type_string) &&
                 json_object_get_string_len(val) > 0 && json_object_get_string_len(val) <= 40)
            *(!strcmp(key, "value") ? &out->value : &out->hs_code) =
                bw_arena_strdup(arena, json_object_get_string(val), (size_t)json_object_get_string_len(val));
        else {
            snprintf(err, errlen,
                     "corrections[%d].%.40s: item is an index (0, 1, ...), hs_code and value are strings of 1-40"
                     " characters; nothing else",
                     i, key);
            return false;
        }
    }
    if (out->item < 0 || (!out->hs_code && !out->value)) {
        snprintf(err, errlen, "corrections[%d]: needs the item index and an hs_code or a value", i);
        return false;
    }
    return true;
}

bool bw_lc_take_corrections(bw_buf *body, bw_arena *arena, bw_corrections *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_object *o = json_tokener_parse(body->p ? bw_buf_cstr(body) : ""), *c;
    bool ok = true;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "corrections", &c))
        goto out; /* not ours to judge: the inspection parser says what is wrong */
    if (!json_object_is_type(c, json_type_array) || json_object_array_length(c) == 0 ||
        json_object_array_length(c) > 1000) {
        snprintf(err, errlen, "corrections: must be an array of 1 to 1000 corrections");
        ok = false;
        goto out;
    }
    int n = (int)json_object_array_length(c);
    out->list = bw_arena_alloc(arena, (size_t)n * sizeof *out->list);
    for (int i = 0; ok && i < n; i++)
        ok = parse_one(json_object_array_get_idx(c, i), i, arena, &out->list[i], err, errlen);
    if (!ok)
        goto out;
    out->n = n;
    const char *cj = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN);
    out->json = bw_arena_strdup(arena, cj, strlen(cj));
    json_object_object_del(o, "corrections");
    const char *rest = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    body->n = 0;
    bw_buf_puts(body, rest);
out:
    json_object_put(o);
    return ok;
}

/* The stored declaration with the corrections applied, as JSON text. */
static char *corrected(const char *body, const bw_corrections *c, char *err, size_t errlen)
{
    json_object *o = json_tokener_parse(body), *items = NULL;
    char *out = NULL;
    if (!o || !json_object_object_get_ex(o, "items", &items) || !json_object_is_type(items, json_type_array)) {
        snprintf(err, errlen, "the stored declaration has no items to correct");
        goto done;
    }
    for (int i = 0; i < c->n; i++) {
        const bw_correction *k = &c->list[i];
        json_object *it = json_object_array_get_idx(items, (size_t)k->item), *value;
        if (!it) {
            snprintf(err, errlen, "corrections[%d].item: the declaration has %zu items (0 to %zu)", i,
                     json_object_array_length(items), json_object_array_length(items) - 1);
            goto done;
        }
        if (k->hs_code)
            json_object_object_add(it, "hs_code", json_object_new_string(k->hs_code));
        if (k->value) {
            if (!json_object_object_get_ex(it, "value", &value) || !json_object_is_type(value, json_type_object)) {
                snprintf(err, errlen, "corrections[%d].value: item %d has no declared value to correct", i, k->item);
                goto done;
            }
            json_object_object_add(value, "amount", json_object_new_string(k->value));
        }
    }
    out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
done:
    json_object_put(o);
    return out;
}

/* Runs the pipeline on the corrected text: false with the errors in err. */
static bool assess(const bw_refdata *rd, const char *text, bw_time as_of, bw_reassessment *out, char *err,
                   size_t errlen)
{
    bw_reader *r = bw_reader_new_mem(text, strlen(text), NULL);
    bw_record rec;
    bw_record_init(&rec);
    bool ok = false;
    if (bw_reader_next(r, &rec) == 1 && rec.decodable) {
        bw_pipeline p = {.rd = rd, .as_of = as_of};
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        if (oc.status != BW_STATUS_ACCEPTED || !oc.revenue || !oc.revenue->computed) {
            bw_buf e = {0};
            bw_issues_json(&rec.issues, BW_ERROR, &e);
            snprintf(err, errlen, "the corrected declaration cannot be assessed: %s",
                     e.n > 2 ? bw_buf_cstr(&e) : "no rate for it");
            bw_buf_free(&e);
        } else {
            out->duty = oc.revenue->duty;
            out->tax = oc.revenue->tax;
            out->due = oc.revenue->due;
            ok = true;
        }
    } else {
        snprintf(err, errlen, "the corrected declaration cannot be read");
    }
    bw_record_free(&rec);
    bw_reader_free(r);
    return ok;
}

static const char *detail_json(const bw_stored *st, const bw_corrections *c, const bw_reassessment *a,
                               bw_arena *arena)
{
    bw_buf b = {0};
    int exp = st->currency ? bw_currency_exponent((bw_str){st->currency, (uint32_t)strlen(st->currency)}) : 2;
    exp = exp < 0 ? 0 : exp;
    bw_buf_puts(&b, "{\"corrections\":");
    bw_buf_puts(&b, c->json);
    const char *names[] = {"old_duty", "old_tax", "old_due", "duty", "tax", "due"};
    const int64_t v[] = {a->old_duty, a->old_tax, a->old_due, a->duty, a->tax, a->due};
    for (int i = 0; i < 6; i++) {
        bw_buf_printf(&b, ",\"%s\":\"", names[i]);
        bw_buf_put_fixed(&b, v[i], (unsigned)exp);
        bw_buf_putc(&b, '"');
    }
    bw_buf_printf(&b, ",\"currency\":\"%s\"}", a->currency);
    const char *out = bw_arena_strdup(arena, b.p, b.n);
    bw_buf_free(&b);
    return out;
}

int bw_lc_reassess_compute(const bw_refdata *rd, bw_store *s, const char *submitter, const char *declaration_id,
                           const bw_corrections *c, bw_arena *arena, bw_reassessment *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    bw_stored st;
    int found = bw_store_get(s, submitter, declaration_id, &st);
    if (found <= 0) {
        if (found < 0)
            snprintf(err, errlen, "%s", bw_store_error(s));
        return found;
    }
    int rc = -1;
    char *text = NULL;
    if (st.duty < 0 || !st.currency) {
        snprintf(err, errlen, "declaration %s of %s was never assessed: nothing to reassess", declaration_id, submitter);
        goto done;
    }
    out->old_duty = st.duty;
    out->old_tax = st.tax;
    out->old_due = st.due;
    snprintf(out->currency, sizeof out->currency, "%s", st.currency);
    if (!(text = corrected(st.body, c, err, errlen)) || !assess(rd, text, st.received_at, out, err, errlen))
        goto done;
    out->detail = detail_json(&st, c, out, arena);
    rc = 1;
done:
    free(text);
    bw_stored_free(&st);
    return rc;
}
