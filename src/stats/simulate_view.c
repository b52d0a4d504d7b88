/*
 * simulate_view.c - what the de minimis simulator prints (simulate.h): one
 * JSON object, a table with the scenarios side by side, the same as CSV,
 * and an SVG bar chart of revenue, collection cost and net revenue per
 * scenario.  Amounts are decimal strings in the jurisdiction's currency.
 */
#include <stdio.h>
#include <stdlib.h>

#include "simulate.h"

/* Sums for display, saturating: a run that overflowed says so (bw_sim_overflowed). */
static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t v;
    return __builtin_add_overflow(a, b, &v) ? (b > 0 ? INT64_MAX : INT64_MIN) : v;
}
static int64_t total(const bw_sim_result *r) { return sat_add(r->duty, r->tax); }
static int64_t net(const bw_sim_result *r) { return sat_add(total(r), r->cost == INT64_MIN ? INT64_MAX : -r->cost); }

static void threshold_json(bw_buf *b, const char *key, int64_t v, int exp)
{
    if (v < 0)
        bw_buf_printf(b, ",\"%s\":null", key);
    else {
        char k[40];
        snprintf(k, sizeof k, ",\"%s\":", key);
        bw_buf_put_amount(b, k, v, (unsigned)exp);
    }
}

/* share = part / whole in percent, two decimals, rounded half up. */
static int64_t share_bp(int64_t part, int64_t whole) { return whole ? (part * 20000 + whole) / (2 * whole) : 0; }

static void origins_json(const bw_sim_run *r, const bw_sim_result *res, bw_buf *b)
{
    bw_buf_puts(b, ",\"origins\":[");
    bool first = true;
    for (int i = 0; i < BW_SIM_ORIGINS; i++) {
        if (!r->by_origin[i])
            continue;
        bw_buf_printf(b, "%s{\"origin\":\"%c%c\",\"consignments\":%lld,\"crossing\":%lld,\"share_pct\":\"",
                      first ? "" : ",", 'A' + i / 26, 'A' + i % 26, (long long)r->by_origin[i],
                      (long long)res->crossing[i]);
        bw_buf_put_fixed(b, share_bp(res->crossing[i], r->by_origin[i]), 2);
        bw_buf_puts(b, "\"}");
        first = false;
    }
    if (r->origin_unknown)
        bw_buf_printf(b, "%s{\"origin\":null,\"consignments\":%lld,\"crossing\":%lld}", first ? "" : ",",
                      (long long)r->origin_unknown, (long long)res->crossing_unknown);
    bw_buf_putc(b, ']');
}

void bw_sim_json(const bw_sim_run *r, bw_buf *b)
{
    unsigned e = (unsigned)r->j->currency_exponent;
    bw_buf_printf(b, "{\"jurisdiction\":\"%s\",\"currency\":\"%s\",\"period\":{\"from\":", r->j->id, r->j->currency);
    if (r->from)
        bw_buf_put_time(b, r->from), (void)0;
    else
        bw_buf_puts(b, "null");
    bw_buf_puts(b, ",\"to\":");
    if (r->to)
        bw_buf_put_time(b, r->to);
    else
        bw_buf_puts(b, "null");
    bw_buf_printf(b, "},\"consignments\":%lld", (long long)r->consignments);
    if (bw_sim_overflowed(r))
        bw_buf_puts(b, ",\"overflow\":\"a sum went past the largest amount: the figures are not to be trusted\"");
    bw_buf_put_amount(b, ",\"assessed\":{\"duty\":", r->assessed_duty, e);
    bw_buf_put_amount(b, ",\"tax\":", r->assessed_tax, e);
    bw_buf_put_amount(b, ",\"total\":", sat_add(r->assessed_duty, r->assessed_tax), e);
    bw_buf_puts(b, "},\"cost_source\":");
    bw_buf_put_json_str(b, r->costs->source, strlen(r->costs->source));
    bw_buf_puts(b, ",\"scenarios\":[");
    for (uint32_t i = 0; i < r->n; i++) {
        const bw_sim_scenario *sc = &r->scenarios[i];
        const bw_sim_result *res = &r->results[i];
        bw_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        bw_buf_put_json_str(b, sc->name, strlen(sc->name));
        if (sc->in_force)
            bw_buf_printf(b, ",\"in_force\":true,\"matches_assessed\":%s",
                          bw_sim_current_matches(r, i) ? "true" : "false");
        else {
            threshold_json(b, "duty_threshold", sc->duty_threshold, (int)e);
            threshold_json(b, "tax_threshold", sc->tax_threshold, (int)e);
            if (sc->full_threshold != -2)
                threshold_json(b, "full_threshold", sc->full_threshold, (int)e);
        }
        bw_buf_printf(b, ",\"basis\":\"%s\"", bw_sim_basis_names[sc->basis]);
        bw_buf_put_amount(b, ",\"revenue\":{\"duty\":", res->duty, e);
        bw_buf_put_amount(b, ",\"tax\":", res->tax, e);
        bw_buf_put_amount(b, ",\"total\":", total(res), e);
        bw_buf_printf(b, "},\"owe_duty\":%lld,\"owe_tax\":%lld,\"declarations\":{\"full\":%lld,\"simplified\":%lld,"
                         "\"relieved\":%lld}",
                      (long long)res->owe_duty, (long long)res->owe_tax, (long long)res->full,
                      (long long)res->simplified, (long long)res->relieved);
        bw_buf_put_amount(b, ",\"collection_cost\":", res->cost, e);
        bw_buf_put_amount(b, ",\"net_revenue\":", net(res), e);
        origins_json(r, res, b);
        bw_buf_putc(b, '}');
    }
    bw_buf_puts(b, "]}\n");
}

/* ---- table and CSV: one row per measure, one column per scenario ---------------------- */

typedef struct cell {
    char text[40];
} cell;

static void amount_text(int64_t v, unsigned e, cell *c)
{
    bw_buf t = {0};
    bw_buf_put_fixed(&t, v, e);
    snprintf(c->text, sizeof c->text, "%s", bw_buf_cstr(&t));
    bw_buf_free(&t);
}

static void threshold_text(int64_t v, unsigned e, cell *c)
{
    if (v < 0)
        snprintf(c->text, sizeof c->text, "none");
    else
        amount_text(v, e, c);
}

enum { M_DUTY_T, M_TAX_T, M_BASIS, M_DUTY, M_TAX, M_TOTAL, M_OWE_D, M_OWE_T, M_FULL, M_SIMPL, M_RELIEVED, M_COST,
       M_NET, M_N };
static const char *const measures[M_N] = {"duty_threshold", "tax_threshold", "basis", "duty", "tax", "revenue",
                                          "owe_duty", "owe_tax", "full_declarations", "simplified_declarations",
                                          "relieved", "collection_cost", "net_revenue"};

static void measure(const bw_sim_run *r, uint32_t i, int m, cell *c)
{
    const bw_sim_scenario *sc = &r->scenarios[i];
    const bw_sim_result *res = &r->results[i];
    unsigned e = (unsigned)r->j->currency_exponent;
    switch (m) {
    case M_DUTY_T: sc->in_force ? (void)snprintf(c->text, sizeof c->text, "in force")
                                : threshold_text(sc->duty_threshold, e, c); break;
    case M_TAX_T: sc->in_force ? (void)snprintf(c->text, sizeof c->text, "in force")
                               : threshold_text(sc->tax_threshold, e, c); break;
    case M_BASIS: snprintf(c->text, sizeof c->text, "%s", bw_sim_basis_names[sc->basis]); break;
    case M_DUTY: amount_text(res->duty, e, c); break;
    case M_TAX: amount_text(res->tax, e, c); break;
    case M_TOTAL: amount_text(total(res), e, c); break;
    case M_OWE_D: snprintf(c->text, sizeof c->text, "%lld", (long long)res->owe_duty); break;
    case M_OWE_T: snprintf(c->text, sizeof c->text, "%lld", (long long)res->owe_tax); break;
    case M_FULL: snprintf(c->text, sizeof c->text, "%lld", (long long)res->full); break;
    case M_SIMPL: snprintf(c->text, sizeof c->text, "%lld", (long long)res->simplified); break;
    case M_RELIEVED: snprintf(c->text, sizeof c->text, "%lld", (long long)res->relieved); break;
    case M_COST: amount_text(res->cost, e, c); break;
    default: amount_text(net(res), e, c); break;
    }
}

static void origin_share(const bw_sim_run *r, uint32_t i, int o, cell *c)
{
    bw_buf t = {0};
    bw_buf_put_fixed(&t, share_bp(r->results[i].crossing[o], r->by_origin[o]), 2);
    snprintf(c->text, sizeof c->text, "%s%%", bw_buf_cstr(&t));
    bw_buf_free(&t);
}

static void put_row(bw_buf *b, const char *label, const cell *cells, uint32_t n, bool csv)
{
    if (csv) {
        bw_buf_puts(b, label);
        for (uint32_t i = 0; i < n; i++)
            bw_buf_printf(b, ",%s", cells[i].text);
    } else {
        bw_buf_printf(b, "%-26s", label);
        for (uint32_t i = 0; i < n; i++)
            bw_buf_printf(b, " %16s", cells[i].text);
    }
    bw_buf_putc(b, '\n');
}

static void grid(const bw_sim_run *r, bw_buf *b, bool csv)
{
    cell *cells = calloc(r->n ? r->n : 1, sizeof *cells);
    for (uint32_t i = 0; i < r->n; i++)
        snprintf(cells[i].text, sizeof cells[i].text, "%s", r->scenarios[i].name);
    char label[160];
    snprintf(label, sizeof label, csv ? "measure" : "%s (%s), %lld consignments", r->j->id, r->j->currency,
             (long long)r->consignments);
    put_row(b, label, cells, r->n, csv);
    for (int m = 0; m < M_N; m++) {
        for (uint32_t i = 0; i < r->n; i++)
            measure(r, i, m, &cells[i]);
        put_row(b, measures[m], cells, r->n, csv);
    }
    for (int o = 0; o < BW_SIM_ORIGINS; o++) {
        if (!r->by_origin[o])
            continue;
        for (uint32_t i = 0; i < r->n; i++)
            origin_share(r, i, o, &cells[i]);
        snprintf(label, sizeof label, "crossing_share_%c%c", 'A' + o / 26, 'A' + o % 26);
        put_row(b, label, cells, r->n, csv);
    }
    free(cells);
}

void bw_sim_table(const bw_sim_run *r, bw_buf *b)
{
    grid(r, b, false);
    for (uint32_t i = 0; i < r->n; i++)
        if (r->scenarios[i].in_force)
            bw_buf_printf(b, "current scenario %s what was assessed (duty + tax %s)\n",
                          bw_sim_current_matches(r, i) ? "equals" : "DIFFERS FROM",
                          bw_sim_current_matches(r, i) ? "match" : "do not match");
}

void bw_sim_csv(const bw_sim_run *r, bw_buf *b) { grid(r, b, true); }

/* ---- SVG ------------------------------------------------------------------------------ */

static void svg_text(bw_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': bw_buf_puts(b, "&lt;"); break;
        case '>': bw_buf_puts(b, "&gt;"); break;
        case '&': bw_buf_puts(b, "&amp;"); break;
        case '"': bw_buf_puts(b, "&quot;"); break;
        default: bw_buf_putc(b, *s);
        }
    }
}

void bw_sim_svg(const bw_sim_run *r, bw_buf *b)
{
    enum { W_BAR = 24, GAP = 36, TOP = 40, H = 300, LEFT = 60 };
    int64_t hi = 1, lo = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        const bw_sim_result *res = &r->results[i];
        int64_t v[3] = {total(res), res->cost, net(res)};
        for (int k = 0; k < 3; k++) {
            hi = v[k] > hi ? v[k] : hi;
            lo = v[k] < lo ? v[k] : lo;
        }
    }
    int width = LEFT + (int)r->n * (3 * W_BAR + GAP) + GAP + 40, height = TOP + H + 70;
    double scale = (double)H / ((double)hi - (double)lo);
    int zero = TOP + (int)((double)hi * scale);
    bw_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                     "font-family=\"sans-serif\" font-size=\"11\">\n",
                  width, height, width, height);
    bw_buf_printf(b, "<title>De minimis scenarios, %s (%s): revenue, collection cost, net revenue</title>\n", r->j->id,
                  r->j->currency);
    bw_buf_printf(b, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s: revenue, collection cost and net revenue per "
                     "scenario (%s, %lld consignments)</text>\n",
                  LEFT, r->j->id, r->j->currency, (long long)r->consignments);
    bw_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", LEFT, zero, width - 20,
                  zero);
    static const char *const colours[3] = {"#2b6cb0", "#c05621", "#2f855a"};
    static const char *const labels[3] = {"revenue", "collection cost", "net revenue"};
    for (uint32_t i = 0; i < r->n; i++) {
        const bw_sim_result *res = &r->results[i];
        int64_t v[3] = {total(res), res->cost, net(res)};
        int x0 = LEFT + GAP / 2 + (int)i * (3 * W_BAR + GAP);
        for (int k = 0; k < 3; k++) {
            int h = (int)((v[k] < 0 ? -(double)v[k] : (double)v[k]) * scale + 0.5);
            int y = v[k] >= 0 ? zero - h : zero;
            bw_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", x0 + k * W_BAR,
                          y, W_BAR - 2, h, colours[k]);
            svg_text(b, r->scenarios[i].name);
            bw_buf_printf(b, " %s: ", labels[k]);
            bw_buf_put_fixed(b, v[k], (unsigned)r->j->currency_exponent);
            bw_buf_printf(b, " %s</title></rect>\n", r->j->currency);
        }
        bw_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x0 + 3 * W_BAR / 2, TOP + H + 20);
        svg_text(b, r->scenarios[i].name);
        bw_buf_puts(b, "</text>\n");
    }
    for (int k = 0; k < 3; k++)
        bw_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s"
                         "</text>\n",
                      LEFT + k * 140, TOP + H + 40, colours[k], LEFT + k * 140 + 14, TOP + H + 49, labels[k]);
    bw_buf_puts(b, "</svg>\n");
}
