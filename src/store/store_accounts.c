/*
 * store_accounts.c - the revenue state that lives in the store: buyers'
 * running totals against per-buyer limits, intermediary accounts with
 * their guarantee, payments, and account statements (see store.h).
 *
 * Why here and not in src/revenue: each of these is a read-decide-write
 * that must happen in the transaction that stores the declaration, or two
 * declarations for the same buyer or account could both pass a limit that
 * only one fits under.  The decisions are small and stated in
 * docs/revenue.md; the amounts they compare come from the revenue engine.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../reference/refdata.h"
#include "sqlite_store.h"
#include "store_lifecycle.h"

#define bind_str bw_sqlite_bind_str
#define bind_cstr bw_sqlite_bind_cstr

static const char *const SQL[AC_N] = {
    [AC_LIMIT_USED] = "SELECT used_minor FROM buyer_limits WHERE jurisdiction = ?1 AND buyer_key = ?2 AND period = ?3",
    [AC_LIMIT_ADD] = "INSERT INTO buyer_limits(jurisdiction, buyer_key, period, used_minor) VALUES(?1,?2,?3,?4)"
                     " ON CONFLICT(jurisdiction, buyer_key, period) DO UPDATE SET used_minor = used_minor + excluded.used_minor",
    [AC_ACCOUNT_GET] = "SELECT guarantee_minor, balance_minor FROM accounts WHERE id = ?1 AND jurisdiction = ?2",
    [AC_ACCOUNT_DEBIT] = "UPDATE accounts SET balance_minor = balance_minor + ?3 WHERE id = ?1 AND jurisdiction = ?2",
    [AC_ACCOUNT_PUT] = "INSERT INTO accounts(id, jurisdiction, name, currency, guarantee_minor, created_at)"
                       " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(id, jurisdiction) DO UPDATE SET"
                       " guarantee_minor = excluded.guarantee_minor, name = coalesce(excluded.name, name)",
    [AC_ACCOUNT_LIST] = "SELECT a.id, a.jurisdiction, a.name, a.currency, a.guarantee_minor, a.balance_minor, a.created_at,"
                        " (SELECT count(*) FROM declarations d WHERE d.account = a.id AND d.jurisdiction = a.jurisdiction"
                        "   AND d.settlement = 'held'),"
                        " (SELECT coalesce(sum(due_minor), 0) FROM declarations d WHERE d.account = a.id"
                        "   AND d.jurisdiction = a.jurisdiction AND d.settlement = 'held')"
                        " FROM accounts a WHERE (?1 IS NULL OR a.id = ?1) AND (?2 IS NULL OR a.jurisdiction = ?2)"
                        " ORDER BY a.id, a.jurisdiction",
    [AC_HELD] = "SELECT id, due_minor FROM declarations WHERE account = ?1 AND jurisdiction = ?2"
                " AND settlement = 'held' ORDER BY id",
    [AC_RELEASE] = "UPDATE declarations SET settlement = 'debited', settled_at = ?2 WHERE id = ?1",
    [AC_PAY_INSERT] = "INSERT INTO payments(payment_id, payer, submitter, declaration_id, account, jurisdiction,"
                      " amount_minor, currency, at, actor) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [AC_PAY_FIND] = "SELECT payer, submitter, declaration_id, account, jurisdiction, amount_minor, currency"
                    " FROM payments WHERE payment_id = ?1",
    [AC_DECL_DUE] = "SELECT id, status, due_minor, currency, settlement, jurisdiction"
                    " FROM declarations WHERE submitter = ?1 AND declaration_id = ?2",
    [AC_DECL_PAID] = "UPDATE declarations SET settlement = 'paid', settled_at = ?2 WHERE id = ?1",
    [AC_EVENT] = "INSERT INTO events(declaration, at, actor, kind, status, detail)"
                 " VALUES(?1, ?2, ?3, ?4, (SELECT status FROM declarations WHERE id = ?1), ?5)",
    [AC_STATEMENT] = "SELECT settled_at, 'debit', submitter || '/' || declaration_id, due_minor, duty_minor, tax_minor, id"
                     " FROM declarations WHERE account = ?1 AND jurisdiction = ?2 AND settlement = 'debited'"
                     " AND settled_at >= ?3 AND settled_at < ?4"
                     " UNION ALL SELECT at, 'credit', payment_id, -amount_minor, 0, 0, id FROM payments"
                     " WHERE account = ?1 AND jurisdiction = ?2 AND at >= ?3 AND at < ?4"
                     /* refunds of returned goods credited to the account (store_returns.c) */
                     " UNION ALL SELECT at, 'refund', reference, -amount_minor, duty_minor, tax_minor, id FROM refunds"
                     " WHERE account = ?1 AND jurisdiction = ?2 AND at >= ?3 AND at < ?4 ORDER BY 1, 2 DESC, 7",
    [AC_OPENING] = "SELECT coalesce((SELECT sum(due_minor) FROM declarations WHERE account = ?1 AND jurisdiction = ?2"
                   " AND settlement = 'debited' AND settled_at < ?3), 0)"
                   " - coalesce((SELECT sum(amount_minor) FROM payments WHERE account = ?1 AND jurisdiction = ?2"
                   " AND at < ?3), 0)"
                   " - coalesce((SELECT sum(amount_minor) FROM refunds WHERE account = ?1 AND jurisdiction = ?2"
                   " AND at < ?3), 0)",
};

sqlite3_stmt *bw_sqlite_ac(bw_store *s, int which)
{
    if (!s->ac[which] &&
        sqlite3_prepare_v3(s->db, SQL[which], -1, SQLITE_PREPARE_PERSISTENT, &s->ac[which], NULL) != SQLITE_OK) {
        bw_sqlite_error(s, "preparing a revenue statement");
        return NULL;
    }
    return s->ac[which];
}

void bw_sqlite_accounts_close(bw_store *s)
{
    for (int i = 0; i < AC_N; i++)
        sqlite3_finalize(s->ac[i]);
}

/* Steps a statement that returns nothing. */
static bool run(bw_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, what);
}

/* An amount for messages: "26000.00 CNY". */
static const char *fmt_amount(char out[48], int64_t minor, bw_str currency)
{
    int exp = bw_currency_exponent(currency);
    bw_buf b = {0};
    bw_buf_put_fixed(&b, minor, exp < 0 ? 0 : (unsigned)exp);
    snprintf(out, 48, "%.*s %.*s", (int)b.n, b.p, (int)currency.n, currency.p);
    bw_buf_free(&b);
    return out;
}

/* ---- settling a declaration as it is stored ----------------------------------- */

static bool limit_used(bw_store *s, const bw_decl_row *r, int64_t *used)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_LIMIT_USED);
    if (!st)
        return false;
    bind_str(st, 1, r->jurisdiction);
    bind_cstr(st, 2, r->buyer_limit.key);
    bind_cstr(st, 3, r->buyer_limit.period);
    int rc = sqlite3_step(st);
    *used = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || bw_sqlite_error(s, "reading the buyer's running total");
}

/* 1 found (guarantee and balance set), 0 unknown, -1 error. */
static int account_state(bw_store *s, bw_str id, bw_str jurisdiction, int64_t *guarantee, int64_t *balance)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_ACCOUNT_GET);
    if (!st)
        return -1;
    bind_str(st, 1, id);
    bind_str(st, 2, jurisdiction);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *guarantee = sqlite3_column_int64(st, 0);
        *balance = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "reading the account"), -1);
}

static bool settle_limit(bw_store *s, const bw_decl_row *r, bw_settled *t)
{
    const bw_row_buyer_limit *l = &r->buyer_limit;
    int64_t used;
    if (!limit_used(s, r, &used))
        return false;
    if (used + l->amount <= l->limit || !r->over_limit) {
        t->counts_to_limit = true;
        return true;
    }
    char a[48], b[48], c[48];
    bw_str cur = r->currency ? (bw_str){r->currency, (uint32_t)strlen(r->currency)} : BW_STR_LIT("");
    snprintf(t->detail, sizeof t->detail, "over the buyer's limit: %s already counted in %s, this adds %s, limit %s",
             fmt_amount(a, used, cur), l->period, fmt_amount(b, l->amount, cur), fmt_amount(c, l->limit, cur));
    t->row = r->over_limit;
    t->over_limit = true;
    return true;
}

static bool settle_account(bw_store *s, const bw_decl_row *r, bw_settled *t)
{
    int64_t guarantee, balance;
    int found = account_state(s, r->revenue.account, r->jurisdiction, &guarantee, &balance);
    if (found < 0)
        return false;
    size_t n = strlen(t->detail);
    char *d = t->detail + n;
    size_t cap = sizeof t->detail - n;
    const char *sep = n ? "; " : "";
    bw_str cur = r->currency ? (bw_str){r->currency, (uint32_t)strlen(r->currency)} : BW_STR_LIT("");
    char a[48], b[48], c[48];
    if (!found) {
        t->settlement = "held";
        snprintf(d, cap, "%sheld: no account %.*s in %.*s; released when it is registered or the declaration is paid",
                 sep, (int)(r->revenue.account.n > 60 ? 60 : r->revenue.account.n), r->revenue.account.p,
                 (int)r->jurisdiction.n, r->jurisdiction.p);
    } else if (balance + r->revenue.due > guarantee) {
        t->settlement = "held";
        snprintf(d, cap, "%sheld: balance %s + due %s would exceed the guarantee %s; released on payment", sep,
                 fmt_amount(a, balance, cur), fmt_amount(b, r->revenue.due, cur), fmt_amount(c, guarantee, cur));
    } else {
        t->settlement = "debited";
        t->debit = true;
    }
    return true;
}

bool bw_sqlite_settle(bw_store *s, const bw_decl_row *r, bw_settled *t)
{
    memset(t, 0, sizeof *t);
    t->row = r;
    t->settlement = r->revenue.settlement; /* NULL: rejected */
    if (!r->revenue.assessed)
        return true;
    if (r->buyer_limit.limit >= 0 && !settle_limit(s, r, t))
        return false;
    r = t->row;
    t->settlement = r->revenue.settlement;
    if (t->settlement && !strcmp(t->settlement, "account"))
        return settle_account(s, r, t);
    return true;
}

static bool debit(bw_store *s, bw_str account, bw_str jurisdiction, int64_t amount)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_ACCOUNT_DEBIT);
    if (!st)
        return false;
    bind_str(st, 1, account);
    bind_str(st, 2, jurisdiction);
    sqlite3_bind_int64(st, 3, amount);
    return run(s, st, "debiting the account");
}

bool bw_sqlite_apply_settled(bw_store *s, const bw_settled *t, bw_time at)
{
    (void)at;
    const bw_decl_row *r = t->row;
    if (t->counts_to_limit) {
        sqlite3_stmt *st = bw_sqlite_ac(s, AC_LIMIT_ADD);
        if (!st)
            return false;
        bind_str(st, 1, r->jurisdiction);
        bind_cstr(st, 2, r->buyer_limit.key);
        bind_cstr(st, 3, r->buyer_limit.period);
        sqlite3_bind_int64(st, 4, r->buyer_limit.amount);
        if (!run(s, st, "adding to the buyer's running total"))
            return false;
    }
    return !t->debit || debit(s, r->revenue.account, r->jurisdiction, r->revenue.due);
}

/* ---- accounts ----------------------------------------------------------------------- */

static bool event(bw_store *s, int64_t decl, bw_time at, const char *actor, const char *kind, const char *detail)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_EVENT);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, decl);
    sqlite3_bind_int64(st, 2, at);
    bind_cstr(st, 3, actor);
    bind_cstr(st, 4, kind);
    bind_cstr(st, 5, detail);
    return run(s, st, "recording the event");
}

/* Debits the held declarations of an account that now fit under its
 * guarantee, oldest first; one that does not fit waits without blocking
 * smaller ones behind it. */
static bool release_held(bw_store *s, const char *account, const char *jurisdiction, bw_time at, const char *actor,
                         int *released)
{
    *released = 0;
    bw_str acc = {account, (uint32_t)strlen(account)}, jur = {jurisdiction, (uint32_t)strlen(jurisdiction)};
    int64_t guarantee, balance;
    int found = account_state(s, acc, jur, &guarantee, &balance);
    if (found <= 0)
        return found == 0;
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_HELD);
    if (!st)
        return false;
    bind_str(st, 1, acc);
    bind_str(st, 2, jur);
    /* collected first: the updates take rows out of the index being read */
    int64_t(*held)[2] = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap)
            held = realloc(held, (cap = cap ? cap * 2 : 16) * sizeof *held);
        held[n][0] = sqlite3_column_int64(st, 0);
        held[n++][1] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    bool ok = rc == SQLITE_DONE || bw_sqlite_error(s, "reading the held declarations");
    int64_t start = balance;
    for (size_t i = 0; ok && i < n; i++) {
        if (balance + held[i][1] > guarantee)
            continue;
        balance += held[i][1];
        sqlite3_stmt *up = bw_sqlite_ac(s, AC_RELEASE);
        ok = up != NULL;
        if (ok) {
            sqlite3_bind_int64(up, 1, held[i][0]);
            sqlite3_bind_int64(up, 2, at);
            ok = run(s, up, "releasing a held declaration") &&
                 event(s, held[i][0], at, actor, "released", "debited to the account: the guarantee covers it now");
            ok = ok && bw_sqlite_lifecycle_settled(s, held[i][0], at); /* a parcel waiting at the border goes */
        }
        ++*released;
    }
    free(held);
    return ok && (balance == start || debit(s, acc, jur, balance - start));
}

static bool account_put(bw_store *s, const bw_account *a, bw_time now, int *released)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_ACCOUNT_PUT);
    if (!st)
        return false;
    bind_cstr(st, 1, a->id);
    bind_cstr(st, 2, a->jurisdiction);
    bind_cstr(st, 3, a->name[0] ? a->name : NULL);
    bind_cstr(st, 4, a->currency);
    sqlite3_bind_int64(st, 5, a->guarantee);
    sqlite3_bind_int64(st, 6, now);
    return run(s, st, "storing the account") && release_held(s, a->id, a->jurisdiction, now, "customs", released);
}

static bool list_accounts(bw_store *s, const char *id, const char *jurisdiction,
                          void (*each)(void *, const bw_account *), void *ctx, int *count)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_ACCOUNT_LIST);
    if (!st)
        return false;
    bind_cstr(st, 1, id);
    bind_cstr(st, 2, jurisdiction);
    int rc;
    *count = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_account a = {0};
        bw_sqlite_copy_text(st, 0, a.id, sizeof a.id);
        bw_sqlite_copy_text(st, 1, a.jurisdiction, sizeof a.jurisdiction);
        bw_sqlite_copy_text(st, 2, a.name, sizeof a.name);
        bw_sqlite_copy_text(st, 3, a.currency, sizeof a.currency);
        a.guarantee = sqlite3_column_int64(st, 4);
        a.balance = sqlite3_column_int64(st, 5);
        a.created_at = sqlite3_column_int64(st, 6);
        a.held = sqlite3_column_int64(st, 7);
        a.held_due = sqlite3_column_int64(st, 8);
        ++*count;
        each(ctx, &a);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "listing the accounts");
}

static void copy_account(void *ctx, const bw_account *a) { *(bw_account *)ctx = *a; }

int bw_store_account_get(bw_store *s, const char *id, const char *jurisdiction, bw_account *out)
{
    int n;
    if (!list_accounts(s, id, jurisdiction, copy_account, out, &n))
        return -1;
    return n > 0;
}

bool bw_store_account_list(bw_store *s, void (*each)(void *, const bw_account *), void *ctx)
{
    int n;
    return list_accounts(s, NULL, NULL, each, ctx, &n);
}

/* ---- payments ----------------------------------------------------------------------- */

static bool same_opt(const unsigned char *stored, const char *given)
{
    return (!stored && !given) || (stored && given && !strcmp((const char *)stored, given));
}

/* An earlier payment with this id: 1 the same payment, 2 another one, 0 none, -1 error. */
static int prior_payment(bw_store *s, const bw_payment_record *p)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_PAY_FIND);
    if (!st)
        return -1;
    bind_cstr(st, 1, p->payment_id);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW)
        r = same_opt(sqlite3_column_text(st, 0), p->payer) && same_opt(sqlite3_column_text(st, 1), p->submitter) &&
                    same_opt(sqlite3_column_text(st, 2), p->declaration_id) &&
                    same_opt(sqlite3_column_text(st, 3), p->account) &&
                    same_opt(sqlite3_column_text(st, 4), p->jurisdiction) &&
                    sqlite3_column_int64(st, 5) == p->amount && same_opt(sqlite3_column_text(st, 6), p->currency)
                ? 1
                : 2;
    else if (rc != SQLITE_DONE)
        r = (bw_sqlite_error(s, "reading the payment"), -1);
    sqlite3_reset(st);
    return r;
}

static bool insert_payment(bw_store *s, const bw_payment_record *p)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_PAY_INSERT);
    if (!st)
        return false;
    bind_cstr(st, 1, p->payment_id);
    bind_cstr(st, 2, p->payer);
    bind_cstr(st, 3, p->submitter);
    bind_cstr(st, 4, p->declaration_id);
    bind_cstr(st, 5, p->account);
    bind_cstr(st, 6, p->jurisdiction);
    sqlite3_bind_int64(st, 7, p->amount);
    bind_cstr(st, 8, p->currency);
    sqlite3_bind_int64(st, 9, p->at);
    bind_cstr(st, 10, p->actor);
    return run(s, st, "recording the payment");
}

static bw_pay_result refuse(bw_pay_outcome *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bw_pay_result refuse(bw_pay_outcome *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    return BW_PAY_REFUSED;
}

/* The declaration's due amount must be paid in full, in its currency, once. */
static bw_pay_result pay_declaration(bw_store *s, const bw_payment_record *p, bw_pay_outcome *out)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_DECL_DUE);
    if (!st)
        return BW_PAY_FAILED;
    bind_cstr(st, 1, p->submitter);
    bind_cstr(st, 2, p->declaration_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        out->not_found = rc == SQLITE_DONE;
        return rc == SQLITE_DONE ? refuse(out, "no declaration %s/%s", p->submitter, p->declaration_id)
                                 : (bw_sqlite_error(s, "reading the declaration"), BW_PAY_FAILED);
    }
    int64_t id = sqlite3_column_int64(st, 0);
    bool assessed = sqlite3_column_type(st, 2) != SQLITE_NULL;
    int64_t due = sqlite3_column_int64(st, 2);
    char settlement[24], currency[8];
    bw_sqlite_copy_text(st, 3, currency, sizeof currency);
    bw_sqlite_copy_text(st, 4, settlement, sizeof settlement);
    sqlite3_reset(st);
    char a[48];
    bw_str cur = {currency, (uint32_t)strlen(currency)};
    if (!assessed || due <= 0)
        return refuse(out, "nothing is due on %s/%s", p->submitter, p->declaration_id);
    if (strcmp(settlement, "awaiting_payment") && strcmp(settlement, "held"))
        return refuse(out, "%s/%s is already settled (%s)", p->submitter, p->declaration_id, settlement);
    if (strcmp(p->currency, currency) || p->amount != due)
        return refuse(out, "the amount due on %s/%s is %s: a payment settles it in full", p->submitter,
                      p->declaration_id, fmt_amount(a, due, cur));
    char detail[200];
    snprintf(detail, sizeof detail, "payment %s of %s by %s", p->payment_id, fmt_amount(a, p->amount, cur), p->payer);
    sqlite3_stmt *up = bw_sqlite_ac(s, AC_DECL_PAID);
    if (!up || !insert_payment(s, p))
        return BW_PAY_FAILED;
    sqlite3_bind_int64(up, 1, id);
    sqlite3_bind_int64(up, 2, p->at);
    if (!run(s, up, "settling the declaration") || !event(s, id, p->at, p->actor, "paid", detail))
        return BW_PAY_FAILED;
    if (!bw_sqlite_lifecycle_settled(s, id, p->at)) /* held at the border for this payment: released */
        return BW_PAY_FAILED;
    out->settlement = "paid";
    return BW_PAY_RECORDED;
}

static bw_pay_result pay_account(bw_store *s, const bw_payment_record *p, bw_pay_outcome *out)
{
    bw_account a;
    int found = bw_store_account_get(s, p->account, p->jurisdiction, &a);
    if (found < 0)
        return BW_PAY_FAILED;
    if (!found) {
        out->not_found = true;
        return refuse(out, "no account %s in %s", p->account, p->jurisdiction);
    }
    if (strcmp(a.currency, p->currency))
        return refuse(out, "account %s in %s is kept in %s, not %s", p->account, p->jurisdiction, a.currency,
                      p->currency);
    bw_str acc = {p->account, (uint32_t)strlen(p->account)}, jur = {p->jurisdiction, (uint32_t)strlen(p->jurisdiction)};
    if (!insert_payment(s, p) || !debit(s, acc, jur, -p->amount) ||
        !release_held(s, p->account, p->jurisdiction, p->at, p->actor, &out->released))
        return BW_PAY_FAILED;
    int64_t g;
    return account_state(s, acc, jur, &g, &out->balance) == 1 ? BW_PAY_RECORDED : BW_PAY_FAILED;
}

static bw_pay_result pay(bw_store *s, const bw_payment_record *p, bw_pay_outcome *out)
{
    if (p->amount <= 0)
        return refuse(out, "a payment is a positive amount");
    int prior = prior_payment(s, p);
    if (prior < 0)
        return BW_PAY_FAILED;
    if (prior == 1)
        return BW_PAY_DUPLICATE;
    if (prior == 2)
        return refuse(out, "payment id %s was already recorded with other content", p->payment_id);
    return p->declaration_id ? pay_declaration(s, p, out) : pay_account(s, p, out);
}

bool bw_store_account_put(bw_store *s, const bw_account *a, bw_time now, int *released)
{
    *released = 0;
    if (!bw_store_begin(s))
        return false;
    if (account_put(s, a, now, released) && bw_store_commit(s))
        return true;
    bw_store_rollback(s);
    return false;
}

bw_pay_result bw_store_pay(bw_store *s, const bw_payment_record *p, bw_pay_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (!bw_store_begin(s))
        return BW_PAY_FAILED;
    bw_pay_result r = pay(s, p, out);
    if (r == BW_PAY_RECORDED && bw_store_commit(s))
        return r;
    bw_store_rollback(s); /* refused and duplicate payments change nothing */
    return r == BW_PAY_RECORDED ? BW_PAY_FAILED : r;
}

/* ---- statements --------------------------------------------------------------------- */

bool bw_store_statement_opening(bw_store *s, const char *account, const char *jurisdiction, bw_time from,
                                int64_t *opening)
{
    sqlite3_stmt *op = bw_sqlite_ac(s, AC_OPENING);
    if (!op)
        return false;
    bind_cstr(op, 1, account);
    bind_cstr(op, 2, jurisdiction);
    sqlite3_bind_int64(op, 3, from);
    int rc = sqlite3_step(op);
    *opening = rc == SQLITE_ROW ? sqlite3_column_int64(op, 0) : 0;
    sqlite3_reset(op);
    return rc == SQLITE_ROW || bw_sqlite_error(s, "computing the opening balance");
}

bool bw_store_statement(bw_store *s, const char *account, const char *jurisdiction, bw_time from, bw_time to,
                        void (*each)(void *, const bw_statement_line *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_ac(s, AC_STATEMENT);
    if (!st)
        return false;
    bw_sqlite_bind_account_period(st, account, jurisdiction, from, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_statement_line l = {
            .at = sqlite3_column_int64(st, 0),
            .kind = (const char *)sqlite3_column_text(st, 1),
            .reference = (const char *)sqlite3_column_text(st, 2),
            .amount = sqlite3_column_int64(st, 3),
            .duty = sqlite3_column_int64(st, 4),
            .tax = sqlite3_column_int64(st, 5),
        };
        each(ctx, &l);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "reading the statement");
}
