/*
 * consolidated.h - the account-based consolidated declaration (WCO IRG
 * 4.1.2): for one intermediary account and one month, every consignment
 * debited to it with its duties and taxes, the refunds credited, the
 * payments, totals that reconcile to the cent with the account statement,
 * the due date (the jurisdiction file's "account_due") and the use of the
 * guarantee (peak and at the end of the period).  docs/lifecycle.md.
 */
#ifndef BW_LC_CONSOLIDATED_H
#define BW_LC_CONSOLIDATED_H

#include "../reference/refdata.h"
#include "../store/store.h"

typedef struct bw_consolidated_totals {
    int64_t consignments, released;
    int64_t duty, tax, debited;    /* of the consignments */
    int64_t refunded;              /* refunds credited to the account */
    int64_t paid;                  /* payments credited to the account */
    int64_t opening, closing;      /* the statement's balances */
    int64_t peak_use;              /* the highest balance in the period (opening included) */
    bw_time peak_at;               /* when it was reached (the period's start for the opening) */
} bw_consolidated_totals;

/* Writes the declaration of account a for period ("YYYY-MM") as JSON, or
 * CSV (one line per consignment and refund, then totals).  false with why
 * (a bad period, a store error); totals may be NULL. */
bool bw_consolidated_write(bw_store *s, const bw_refdata *rd, const bw_account *a, const char *period, bool csv,
                           bw_buf *out, bw_consolidated_totals *totals, char *why, size_t whylen);

/* The due date of a month's consolidated declaration: day `day` of the
 * next month (0: none, returns 0). */
bw_time bw_consolidated_due(bw_time period_from, int day);

#endif
