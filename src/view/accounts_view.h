/*
 * accounts_view.h - intermediary accounts, their statements and payment
 * outcomes as JSON or CSV; the same text from the CLI and the API.
 */
#ifndef BW_ACCOUNTS_VIEW_H
#define BW_ACCOUNTS_VIEW_H

#include "../store/store.h"

void bw_view_account(const bw_account *a, bw_buf *out);

/* A statement being written: open, a line per entry, close. */
typedef struct bw_statement_view {
    bw_buf *out;
    bool csv;
    int exp;                      /* the currency's minor-unit exponent */
    const bw_account *account;
    const char *period;
    unsigned lines;
    int64_t debits, credits, closing;
} bw_statement_view;

void bw_statement_open(bw_statement_view *v, const bw_account *a, const char *period, int64_t opening);
void bw_statement_line_put(void *view, const bw_statement_line *l);  /* a bw_store_statement callback */
/* The closing balance is the opening plus the lines. */
void bw_statement_close(bw_statement_view *v);

/* Writes a whole statement of [from, to) with the store's lines; false on a store error. */
bool bw_statement_write(bw_store *s, const bw_account *a, const char *period, bw_time from, bw_time to, bool csv,
                        bw_buf *out);

/* The outcome of a payment. */
void bw_view_payment(const bw_payment_record *p, bw_pay_result r, const bw_pay_outcome *o, bw_buf *out);

#endif
