/*
 * consolidated.c - the account-based consolidated declaration
 * (consolidated.h).
 *
 * Why the consignments are those debited in the period, not those released
 * in it: the account is debited when the declaration is stored (before
 * arrival, so release can be immediate), and the statement counts debits
 * by that date; listing the same set is what makes the two reconcile to
 * the cent.  Each line says its state, so a consignment not yet released
 * (or seized) is visible as such.
 */
#include <stdio.h>
#include <string.h>

#include "../store/store_returns.h"
#include "consolidated.h"

bw_time bw_consolidated_due(bw_time from, int day)
{
    if (day <= 0)
        return 0;
    char t[21];
    bw_time_format(from, t);
    int y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    int m = (t[5] - '0') * 10 + (t[6] - '0');
    return m == 12 ? bw_time_from_civil(y + 1, 1, day) : bw_time_from_civil(y, m + 1, day);
}

typedef struct writer {
    bw_buf *out;
    bool csv;
    unsigned exp;
    const bw_account *a;
    unsigned n;
    bw_consolidated_totals *t;
} writer;

static void text(bw_buf *b, const char *key, const char *v)
{
    bw_buf_puts(b, key);
    bw_buf_put_json_str(b, v ? v : "", v ? strlen(v) : 0);
}

static void time_or_null(bw_buf *b, const char *key, bw_time t)
{
    bw_buf_puts(b, key);
    if (!t) {
        bw_buf_puts(b, "null");
        return;
    }
    bw_buf_put_time(b, t); /* quoted */
}

/* One CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(bw_buf *b, const char *v)
{
    if (!v || !v[0])
        return;
    if (!strpbrk(v, ",\"\r\n")) {
        bw_buf_puts(b, v);
        return;
    }
    bw_buf_putc(b, '"');
    for (; *v; v++) {
        if (*v == '"')
            bw_buf_putc(b, '"');
        bw_buf_putc(b, *v);
    }
    bw_buf_putc(b, '"');
}

typedef struct csv_row {
    const char *section, *submitter, *declaration_id, *return_id, *reference, *state;
    bw_time at;
    int64_t duty, tax, amount;
} csv_row;

/* CSV_HEADER's columns, in order. */
#define CSV_HEADER "section,submitter,declaration_id,return_id,reference,state,at,duty,tax,amount,currency\n"
static void csv_line(writer *w, const csv_row *r)
{
    const char *text[] = {r->section, r->submitter, r->declaration_id, r->return_id, r->reference, r->state};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        csv_field(w->out, text[i]);
        bw_buf_putc(w->out, ',');
    }
    if (r->at) {
        char when[21];
        bw_time_format(r->at, when);
        bw_buf_puts(w->out, when);
    }
    bw_buf_putc(w->out, ',');
    bw_buf_put_fixed(w->out, r->duty, w->exp);
    bw_buf_putc(w->out, ',');
    bw_buf_put_fixed(w->out, r->tax, w->exp);
    bw_buf_putc(w->out, ',');
    bw_buf_put_fixed(w->out, r->amount, w->exp);
    bw_buf_printf(w->out, ",%s\n", w->a->currency);
}

static void put_consignment(void *ctx, const bw_consignment *c)
{
    writer *w = ctx;
    w->t->consignments++;
    w->t->released += c->released_at != 0;
    w->t->duty += c->duty;
    w->t->tax += c->tax;
    w->t->debited += c->due;
    if (w->csv) {
        csv_line(w, &(csv_row){"consignment", c->submitter, c->declaration_id, NULL, NULL, c->state, c->debited_at,
                               c->duty, c->tax, c->due});
        return;
    }
    bw_buf_puts(w->out, w->n++ ? "," : "");
    text(w->out, "{\"submitter\":", c->submitter);
    text(w->out, ",\"declaration_id\":", c->declaration_id);
    text(w->out, ",\"state\":", c->state);
    time_or_null(w->out, ",\"debited_at\":", c->debited_at);
    time_or_null(w->out, ",\"released_at\":", c->released_at);
    bw_buf_put_amount(w->out, ",\"duty\":", c->duty, w->exp);
    bw_buf_put_amount(w->out, ",\"tax\":", c->tax, w->exp);
    bw_buf_put_amount(w->out, ",\"amount\":", c->due, w->exp);
    bw_buf_putc(w->out, '}');
}

static void put_refund(void *ctx, const bw_refund *f)
{
    writer *w = ctx;
    w->t->refunded += f->amount;
    if (w->csv) {
        csv_line(w, &(csv_row){"refund", f->submitter, f->declaration_id, f->return_id, f->reference, f->to_whom,
                               f->at, -f->duty, -f->tax, -f->amount});
        return;
    }
    bw_buf_puts(w->out, w->n++ ? "," : "");
    text(w->out, "{\"reference\":", f->reference);
    text(w->out, ",\"submitter\":", f->submitter);
    text(w->out, ",\"declaration_id\":", f->declaration_id);
    text(w->out, ",\"return_id\":", f->return_id);
    text(w->out, ",\"claimant\":", f->claimant);
    time_or_null(w->out, ",\"at\":", f->at);
    bw_buf_put_amount(w->out, ",\"duty\":", f->duty, w->exp);
    bw_buf_put_amount(w->out, ",\"tax\":", f->tax, w->exp);
    bw_buf_put_amount(w->out, ",\"amount\":", f->amount, w->exp);
    bw_buf_putc(w->out, '}');
}

typedef struct walk {
    int64_t balance, paid;
    bw_consolidated_totals *t;
} walk;

/* The statement's lines in order: the balance over time gives the use of
 * the guarantee, the credit lines the payments. */
static void walk_line(void *ctx, const bw_statement_line *l)
{
    walk *k = ctx;
    k->balance += l->amount;
    if (!strcmp(l->kind, "credit"))
        k->paid -= l->amount;
    if (k->balance > k->t->peak_use) {
        k->t->peak_use = k->balance;
        k->t->peak_at = l->at;
    }
}

static void put_totals(writer *w, const bw_consolidated_totals *t, bw_time due, const char *period)
{
    bw_buf *b = w->out;
    if (w->csv) {
        csv_line(w, &(csv_row){.section = "total_debited", .duty = t->duty, .tax = t->tax, .amount = t->debited});
        csv_line(w, &(csv_row){.section = "total_refunded", .amount = -t->refunded});
        csv_line(w, &(csv_row){.section = "net", .amount = t->debited - t->refunded, .at = due}); /* at: due date */
        csv_line(w, &(csv_row){.section = "paid", .amount = -t->paid});
        csv_line(w, &(csv_row){.section = "closing_balance", .amount = t->closing});
        return;
    }
    bw_buf_printf(b, "],\"totals\":{\"consignments\":%lld,\"released\":%lld", (long long)t->consignments,
                  (long long)t->released);
    bw_buf_put_amount(b, ",\"duty\":", t->duty, w->exp);
    bw_buf_put_amount(b, ",\"tax\":", t->tax, w->exp);
    bw_buf_put_amount(b, ",\"debited\":", t->debited, w->exp);
    bw_buf_put_amount(b, ",\"refunded\":", t->refunded, w->exp);
    bw_buf_put_amount(b, ",\"net\":", t->debited - t->refunded, w->exp);
    bw_buf_put_amount(b, ",\"paid\":", t->paid, w->exp);
    bw_buf_put_amount(b, ",\"opening_balance\":", t->opening, w->exp);
    bw_buf_put_amount(b, ",\"closing_balance\":", t->closing, w->exp);
    bw_buf_puts(b, "}");
    time_or_null(b, ",\"due_date\":", due);
    bw_buf_put_amount(b, ",\"guarantee\":{\"amount\":", w->a->guarantee, w->exp);
    bw_buf_put_amount(b, ",\"peak_use\":", t->peak_use, w->exp);
    time_or_null(b, ",\"peak_at\":", t->peak_at);
    bw_buf_put_amount(b, ",\"end_use\":", t->closing, w->exp);
    bw_buf_puts(b, "}}");
    (void)period;
}

bool bw_consolidated_write(bw_store *s, const bw_refdata *rd, const bw_account *a, const char *period, bool csv,
                           bw_buf *out, bw_consolidated_totals *totals, char *why, size_t whylen)
{
    bw_time from, to;
    if (!period || !bw_period_parse(period, &from, &to)) {
        snprintf(why, whylen, "period: a month, YYYY-MM");
        return false;
    }
    bw_consolidated_totals t = {0};
    int exp = bw_currency_exponent((bw_str){a->currency, (uint32_t)strlen(a->currency)});
    writer w = {out, csv, exp < 0 ? 2u : (unsigned)exp, a, 0, &t};
    const bw_jurisdiction *j = bw_jurisdiction_find(rd, (bw_str){a->jurisdiction, (uint32_t)strlen(a->jurisdiction)});
    const bw_jur_version *v = j ? bw_jurisdiction_at(j, from) : NULL;
    bw_time due = bw_consolidated_due(from, v ? v->account_due_day : 0);
    if (!bw_store_statement_opening(s, a->id, a->jurisdiction, from, &t.opening))
        goto fail;
    walk k = {t.opening, 0, &t};
    t.peak_use = t.opening;
    t.peak_at = from;
    if (!bw_store_statement(s, a->id, a->jurisdiction, from, to, walk_line, &k))
        goto fail;
    t.closing = k.balance;
    t.paid = k.paid;
    if (csv) {
        bw_buf_puts(out, CSV_HEADER);
    } else {
        text(out, "{\"account\":", a->id);
        text(out, ",\"jurisdiction\":", a->jurisdiction);
        text(out, ",\"name\":", a->name);
        text(out, ",\"period\":", period);
        text(out, ",\"currency\":", a->currency);
        bw_buf_puts(out, ",\"consignments\":[");
    }
    if (!bw_store_account_consignments(s, a->id, a->jurisdiction, from, to, put_consignment, &w))
        goto fail;
    if (!csv)
        bw_buf_puts(out, "],\"refunds\":[");
    w.n = 0;
    if (!bw_store_account_refunds(s, a->id, a->jurisdiction, from, to, put_refund, &w))
        goto fail;
    put_totals(&w, &t, due, period);
    if (totals)
        *totals = t;
    return true;
fail:
    snprintf(why, whylen, "%s", bw_store_error(s));
    return false;
}
