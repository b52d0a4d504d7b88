/*
 * accounts_view.c - accounts, statements and payments as text (see
 * accounts_view.h).  CSV follows RFC 4180: a header line, fields quoted
 * when they hold a comma or a quote.
 */
#include <string.h>

#include "../reference/refdata.h"
#include "accounts_view.h"

static int exponent(const char *currency)
{
    int e = bw_currency_exponent((bw_str){currency, (uint32_t)strlen(currency)});
    return e < 0 ? 0 : e;
}


static void text(bw_buf *b, const char *key_colon, const char *s)
{
    bw_buf_puts(b, key_colon);
    if (s)
        bw_buf_put_json_str(b, s, strlen(s));
    else
        bw_buf_puts(b, "null");
}

void bw_view_account(const bw_account *a, bw_buf *b)
{
    int exp = exponent(a->currency);
    text(b, "{\"id\":", a->id);
    text(b, ",\"jurisdiction\":", a->jurisdiction);
    text(b, ",\"name\":", a->name[0] ? a->name : NULL);
    text(b, ",\"currency\":", a->currency);
    bw_buf_put_amount(b, ",\"guarantee\":", a->guarantee, exp);
    bw_buf_put_amount(b, ",\"balance\":", a->balance, exp);
    bw_buf_put_amount(b, ",\"available\":", a->guarantee - a->balance, exp);
    bw_buf_printf(b, ",\"held\":%lld", (long long)a->held);
    bw_buf_put_amount(b, ",\"held_due\":", a->held_due, exp);
    bw_buf_puts(b, ",\"created_at\":");
    bw_buf_put_time(b, a->created_at);
    bw_buf_putc(b, '}');
}

static void csv_field(bw_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        bw_buf_puts(b, s);
        return;
    }
    bw_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            bw_buf_putc(b, '"');
        bw_buf_putc(b, *s);
    }
    bw_buf_putc(b, '"');
}

void bw_statement_open(bw_statement_view *v, const bw_account *a, const char *period, int64_t opening)
{
    v->exp = exponent(a->currency);
    v->account = a;
    v->period = period;
    v->lines = 0;
    v->debits = v->credits = 0;
    v->closing = opening;
    bw_buf *b = v->out;
    if (v->csv) {
        bw_buf_puts(b, "account,jurisdiction,period,at,kind,reference,duty,tax,amount,currency\n");
        return;
    }
    text(b, "{\"account\":", a->id);
    text(b, ",\"jurisdiction\":", a->jurisdiction);
    text(b, ",\"period\":", period);
    text(b, ",\"currency\":", a->currency);
    bw_buf_put_amount(b, ",\"guarantee\":", a->guarantee, v->exp);
    bw_buf_put_amount(b, ",\"opening_balance\":", opening, v->exp);
    bw_buf_puts(b, ",\"lines\":[");
}

void bw_statement_line_put(void *view, const bw_statement_line *l)
{
    bw_statement_view *v = view;
    bw_buf *b = v->out;
    char at[21];
    bw_time_format(l->at, at);
    v->closing += l->amount;
    if (l->amount >= 0)
        v->debits += l->amount;
    else
        v->credits -= l->amount;
    if (v->csv) {
        csv_field(b, v->account->id);
        bw_buf_printf(b, ",%s,%s,%s,%s,", v->account->jurisdiction, v->period, at, l->kind);
        csv_field(b, l->reference);
        bw_buf_putc(b, ',');
        bw_buf_put_fixed(b, l->duty, (unsigned)v->exp);
        bw_buf_putc(b, ',');
        bw_buf_put_fixed(b, l->tax, (unsigned)v->exp);
        bw_buf_putc(b, ',');
        bw_buf_put_fixed(b, l->amount, (unsigned)v->exp);
        bw_buf_printf(b, ",%s\n", v->account->currency);
        v->lines++;
        return;
    }
    bw_buf_puts(b, v->lines++ ? ",{\"at\":\"" : "{\"at\":\"");
    bw_buf_puts(b, at);
    text(b, "\",\"kind\":", l->kind);
    text(b, ",\"reference\":", l->reference);
    if (l->amount >= 0) {
        bw_buf_put_amount(b, ",\"duty\":", l->duty, v->exp);
        bw_buf_put_amount(b, ",\"tax\":", l->tax, v->exp);
    }
    bw_buf_put_amount(b, ",\"amount\":", l->amount, v->exp);
    bw_buf_putc(b, '}');
}

void bw_statement_close(bw_statement_view *v)
{
    int64_t closing = v->closing;
    bw_buf *b = v->out;
    if (v->csv)
        return;
    bw_buf_puts(b, "]");
    bw_buf_put_amount(b, ",\"debits\":", v->debits, v->exp);
    bw_buf_put_amount(b, ",\"credits\":", v->credits, v->exp);
    bw_buf_put_amount(b, ",\"closing_balance\":", closing, v->exp);
    bw_buf_puts(b, "}");
}

void bw_view_payment(const bw_payment_record *p, bw_pay_result r, const bw_pay_outcome *o, bw_buf *b)
{
    static const char *const names[] = {"recorded", "duplicate", "refused", "failed"};
    text(b, "{\"payment_id\":", p->payment_id);
    bw_buf_printf(b, ",\"outcome\":\"%s\"", names[r]);
    if (r == BW_PAY_REFUSED)
        text(b, ",\"why\":", o->why);
    if (r == BW_PAY_RECORDED && p->declaration_id)
        text(b, ",\"settlement\":", o->settlement);
    if (r == BW_PAY_RECORDED && p->account) {
        bw_buf_printf(b, ",\"released\":%d", o->released);
        bw_buf_put_amount(b, ",\"balance\":", o->balance, exponent(p->currency));
    }
    bw_buf_putc(b, '}');
}

bool bw_statement_write(bw_store *s, const bw_account *a, const char *period, bw_time from, bw_time to, bool csv,
                        bw_buf *out)
{
    int64_t opening;
    if (!bw_store_statement_opening(s, a->id, a->jurisdiction, from, &opening))
        return false;
    bw_statement_view v = {.out = out, .csv = csv};
    bw_statement_open(&v, a, period, opening);
    if (!bw_store_statement(s, a->id, a->jurisdiction, from, to, bw_statement_line_put, &v))
        return false;
    bw_statement_close(&v);
    return true;
}
