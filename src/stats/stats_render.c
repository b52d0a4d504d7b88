/*
 * stats_render.c - a statistics result as JSON, CSV or an aligned table.
 *
 * Amounts are exact decimal strings: statistical value in the currency's
 * unit, quantity in the items' units (three decimals), net weight in
 * kilograms (six decimals: the store keeps milligrams).  The unit of
 * `count` is said in every format: items when an HS dimension or origin
 * is grouped, else declarations.
 */
#include <stdio.h>
#include <string.h>

#include "stats.h"

enum { N_MEASURES = 7, MAX_COLS = BW_STATS_MAX_BY + N_MEASURES };

typedef struct cells {
    char v[MAX_COLS][96];
    int n;
} cells;

static const char *const MEASURES[] = {"count", "declarations", "items", "statistical_value", "currency",
                                       "quantity", "net_weight_kg"};

static void fixed(char *out, size_t cap, int64_t v, unsigned scale)
{
    bw_buf b = {0};
    bw_buf_put_fixed(&b, v, scale);
    snprintf(out, cap, "%s", bw_buf_cstr(&b));
    bw_buf_free(&b);
}

static void row_cells(const bw_stats_result *r, const bw_stats_row *row, bool total, cells *c)
{
    c->n = 0;
    for (int d = 0; d < r->q.n_by; d++)
        if (total)
            snprintf(c->v[c->n++], 96, "%s", d == 0 ? "total" : "");
        else
            bw_stats_label(r, r->q.by[d], row->key[d], c->v[c->n++], 96);
    snprintf(c->v[c->n++], 96, "%lld", (long long)(r->item_unit ? row->items : row->declarations));
    snprintf(c->v[c->n++], 96, "%lld", (long long)row->declarations);
    snprintf(c->v[c->n++], 96, "%lld", (long long)row->items);
    const char *currency = r->currency;
    int exponent = r->exponent;
    if (r->mixed && !bw_stats_row_currency(r, row, &currency, &exponent))
        currency = "mixed";
    fixed(c->v[c->n++], 96, row->value, (unsigned)exponent);
    snprintf(c->v[c->n++], 96, "%s", currency ? currency : "unknown");
    fixed(c->v[c->n++], 96, row->qty, 3);
    fixed(c->v[c->n++], 96, row->weight, 6);
}

static void put_json(const bw_stats_result *r, bw_buf *out)
{
    const bw_stats_query *q = &r->q;
    bw_buf_puts(out, "{\"by\":[");
    for (int d = 0; d < q->n_by; d++)
        bw_buf_printf(out, "%s\"%s\"", d ? "," : "", bw_stats_dim_names[q->by[d]]);
    bw_buf_printf(out, "],\"unit\":\"%s\",\"status\":\"%s\",\"jurisdiction\":", r->item_unit ? "item" : "declaration",
                  q->status == 0 ? "all" : q->status == 1 ? "accepted" : "rejected");
    if (q->jurisdiction)
        bw_buf_put_json_str(out, q->jurisdiction, strlen(q->jurisdiction));
    else
        bw_buf_puts(out, "null");
    char day[21];
    bw_buf_puts(out, ",\"from\":");
    if (q->day_from != INT32_MIN) {
        bw_time_format((bw_time)q->day_from * 86400, day);
        bw_buf_printf(out, "\"%.10s\"", day);
    } else {
        bw_buf_puts(out, "null");
    }
    bw_buf_puts(out, ",\"to\":");
    if (q->day_to != INT32_MAX) {
        bw_time_format((bw_time)q->day_to * 86400, day);
        bw_buf_printf(out, "\"%.10s\"", day);
    } else {
        bw_buf_puts(out, "null");
    }
    bw_buf_puts(out, ",\"currency\":");
    if (r->currency)
        bw_buf_printf(out, "\"%s\"", r->currency);
    else
        bw_buf_puts(out, "null");
    bw_buf_printf(out, ",\"mixed_currencies\":%s,\"rows\":[", r->mixed ? "true" : "false");
    cells c;
    for (size_t i = 0; i <= r->n; i++) {
        bool total = i == r->n;
        row_cells(r, total ? &r->total : &r->rows[i], total, &c);
        bw_buf_puts(out, total ? "],\"total\":{" : i ? ",{" : "{");
        int first = total ? q->n_by : 0;
        for (int k = first; k < c.n; k++) {
            const char *name = k < q->n_by ? bw_stats_dim_names[q->by[k]] : MEASURES[k - q->n_by];
            bool number = k >= q->n_by && k < q->n_by + 3;
            bw_buf_printf(out, "%s\"%s\":", k > first ? "," : "", name);
            if (number)
                bw_buf_puts(out, c.v[k]);
            else
                bw_buf_put_json_str(out, c.v[k], strlen(c.v[k]));
        }
        bw_buf_putc(out, '}');
    }
    bw_buf_printf(out, ",\"facts_scanned\":%lld}\n", (long long)r->facts_scanned);
}

static void csv_field(bw_buf *out, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        bw_buf_puts(out, s);
        return;
    }
    bw_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            bw_buf_putc(out, '"');
        bw_buf_putc(out, *s);
    }
    bw_buf_putc(out, '"');
}

static void put_csv(const bw_stats_result *r, bw_buf *out)
{
    const bw_stats_query *q = &r->q;
    for (int d = 0; d < q->n_by; d++)
        bw_buf_printf(out, "%s,", bw_stats_dim_names[q->by[d]]);
    bw_buf_printf(out, "count_%s,declarations,items,statistical_value,currency,quantity,net_weight_kg\n",
                  r->item_unit ? "items" : "declarations");  /* the unit is in the name of the count */
    cells c;
    for (size_t i = 0; i < r->n; i++) {
        row_cells(r, &r->rows[i], false, &c);
        for (int k = 0; k < c.n; k++) {
            if (k)
                bw_buf_putc(out, ',');
            csv_field(out, c.v[k]);
        }
        bw_buf_putc(out, '\n');
    }
}

static void put_table(const bw_stats_result *r, bw_buf *out)
{
    const bw_stats_query *q = &r->q;
    int ncols = q->n_by + N_MEASURES;
    size_t w[MAX_COLS] = {0};
    const char *head[MAX_COLS];
    for (int k = 0; k < ncols; k++) {
        head[k] = k < q->n_by ? bw_stats_dim_names[q->by[k]] : MEASURES[k - q->n_by];
        w[k] = strlen(head[k]);
    }
    cells c;
    for (size_t i = 0; i <= r->n; i++) {
        row_cells(r, i == r->n ? &r->total : &r->rows[i], i == r->n, &c);
        for (int k = 0; k < ncols; k++)
            w[k] = strlen(c.v[k]) > w[k] ? strlen(c.v[k]) : w[k];
    }
    bw_buf_printf(out, "unit of count: %s; values in %s%s\n", r->item_unit ? "items" : "declarations",
                  r->currency ? r->currency : "several currencies",
                  r->mixed ? " (summed across jurisdictions: group by jurisdiction)" : "");
    for (int k = 0; k < ncols; k++)
        bw_buf_printf(out, k < q->n_by ? "%-*s  " : "%*s  ", (int)w[k], head[k]);
    bw_buf_putc(out, '\n');
    for (size_t i = 0; i <= r->n; i++) {
        row_cells(r, i == r->n ? &r->total : &r->rows[i], i == r->n, &c);
        for (int k = 0; k < ncols; k++)
            bw_buf_printf(out, k < q->n_by ? "%-*s  " : "%*s  ", (int)w[k], c.v[k]);
        bw_buf_putc(out, '\n');
    }
}

bool bw_stats_render(const bw_stats_result *r, const char *format, bw_buf *out)
{
    if (!strcmp(format, "json"))
        put_json(r, out);
    else if (!strcmp(format, "csv"))
        put_csv(r, out);
    else if (!strcmp(format, "table"))
        put_table(r, out);
    else
        return false;
    return true;
}
