/*
 * json_encode.c - the canonical JSON of a declaration (see json_encode.h).
 * Walks the same schema tables as the decoder, so the two cannot drift.
 */
#include "json_encode.h"

static void put_object(const bw_schema *sc, const void *obj, bw_buf *out);

static void put_str(bw_str s, bw_buf *out)
{
    if (s.p)
        bw_buf_put_json_str(out, s.p, s.n);
    else
        bw_buf_put(out, "null", 4);
}

static void put_money(const bw_money *m, bw_buf *out)
{
    if (!m->present) {
        bw_buf_put(out, "null", 4);
        return;
    }
    bw_buf_puts(out, "{\"amount\":");
    if (m->minor_ok) {
        bw_buf_putc(out, '"');
        bw_buf_put_fixed(out, m->minor, m->exponent);
        bw_buf_putc(out, '"');
    } else {
        put_str(m->amount_raw, out);
    }
    bw_buf_puts(out, ",\"currency\":");
    put_str(m->currency, out);
    bw_buf_putc(out, '}');
}

/* Measures print as plain JSON numbers without trailing zeros. */
static void put_measure(const bw_measure *m, unsigned scale, bw_buf *out)
{
    if (!m->present || !m->ok) {
        bw_buf_put(out, "null", 4);
        return;
    }
    int64_t v = m->value;
    while (scale > 0 && v % 10 == 0) {
        v /= 10;
        scale--;
    }
    bw_buf_put_fixed(out, v, scale);
}

static void put_time(const bw_timestamp *t, bw_buf *out)
{
    if (t->ok)
        bw_buf_put_time(out, t->t);
    else
        put_str(t->raw, out);
}

static void put_items(const bw_declaration *d, bw_buf *out)
{
    if (!d->items_present) {
        bw_buf_put(out, "null", 4);
        return;
    }
    bw_buf_putc(out, '[');
    for (uint32_t i = 0; i < d->n_items; i++) {
        if (i)
            bw_buf_putc(out, ',');
        put_object(&bw_item_schema, &d->items[i], out);
    }
    bw_buf_putc(out, ']');
}

static void put_value(const bw_field *f, const void *obj, bw_buf *out)
{
    const char *at = (const char *)obj + f->offset;
    switch (f->kind) {
    case FK_STR: put_str(*(const bw_str *)at, out); break;
    case FK_ENUM: put_str(((const bw_enum *)at)->raw, out); break;
    case FK_TIME: put_time((const bw_timestamp *)at, out); break;
    case FK_MONEY: put_money((const bw_money *)at, out); break;
    case FK_QTY: put_measure((const bw_measure *)at, BW_QTY_SCALE, out); break;
    case FK_WEIGHT: put_measure((const bw_measure *)at, BW_WEIGHT_SCALE, out); break;
    case FK_ITEMS: put_items(obj, out); break;
    case FK_FLAG: {
        const bw_flag *fl = (const bw_flag *)at;
        bw_buf_puts(out, !fl->present ? "null" : fl->value ? "true" : "false");
        break;
    }
    case FK_OBJECT:
        if (*(const bool *)at)
            put_object(f->sub, at, out);
        else
            bw_buf_put(out, "null", 4);
        break;
    }
}

static void put_object(const bw_schema *sc, const void *obj, bw_buf *out)
{
    bw_buf_putc(out, '{');
    for (int i = 0; i < sc->n_fields; i++) {
        const bw_field *f = &sc->fields[i];
        if (i)
            bw_buf_putc(out, ',');
        bw_buf_putc(out, '"');
        bw_buf_put(out, f->name, f->name_len);
        bw_buf_put(out, "\":", 2);
        put_value(f, obj, out);
    }
    bw_buf_putc(out, '}');
}

void bw_encode_declaration(const bw_declaration *d, bw_buf *out)
{
    put_object(&bw_declaration_schema, d, out);
}
