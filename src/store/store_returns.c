/*
 * store_returns.c - returns, refunds, proofs of re-export and the account
 * figures of the consolidated declaration (store_returns.h).
 *
 * Why the refund happens at export and not when the return is declared:
 * customs refunds goods that left the territory, not goods someone says
 * they will send back.  Why it cannot happen twice: the export marks the
 * return (exported_at IS NULL -> set) in the transaction that refunds, so
 * a second export of the same return finds it done and changes nothing.
 * Statements are prepared per call: returns are rare next to puts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sqlite_store.h"
#include "store_returns.h"

#define bind_cstr bw_sqlite_bind_cstr

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS returns("
    "  id INTEGER PRIMARY KEY,"
    "  declaration INTEGER NOT NULL REFERENCES declarations(id),"  /* the original import */
    "  return_id TEXT NOT NULL,"
    "  request TEXT NOT NULL,"            /* canonical request: a resend is a duplicate */
    "  claimant TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT,"
    "  declared_at INTEGER NOT NULL, exported_at INTEGER,"
    "  duty_minor INTEGER NOT NULL, tax_minor INTEGER NOT NULL," /* refunded by customs on export */
    "  vendor_tax_minor INTEGER NOT NULL,"  /* collected by the vendor: the vendor refunds it */
    "  vendor_collected INTEGER NOT NULL,"
    "  value_before INTEGER NOT NULL, value_after INTEGER NOT NULL, value_total INTEGER NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  quota_restored INTEGER,"             /* minor units given back to the buyer's limit */
    "  proof_reference TEXT, proof TEXT,"   /* proof of re-export for the vendor */
    "  UNIQUE(declaration, return_id));"
    "CREATE TABLE IF NOT EXISTS return_lines("
    "  return INTEGER NOT NULL REFERENCES returns(id), declaration INTEGER NOT NULL,"
    "  line INTEGER NOT NULL, quantity INTEGER NOT NULL);"  /* thousandths */
    "CREATE INDEX IF NOT EXISTS return_lines_by_declaration ON return_lines(declaration);"
    "CREATE TABLE IF NOT EXISTS refunds("
    "  id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE,"
    "  return INTEGER NOT NULL UNIQUE REFERENCES returns(id),"
    "  declaration INTEGER NOT NULL REFERENCES declarations(id),"
    "  to_whom TEXT NOT NULL,"               /* account, buyer, intermediary */
    "  claimant TEXT NOT NULL,"
    "  account TEXT, jurisdiction TEXT NOT NULL,"  /* account: credited to it */
    "  duty_minor INTEGER NOT NULL, tax_minor INTEGER NOT NULL, amount_minor INTEGER NOT NULL,"
    "  currency TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS refunds_by_account ON refunds(account, jurisdiction, at) WHERE account IS NOT NULL;";

int bw_sqlite_returns_schema(sqlite3 *db, char **msg) { return sqlite3_exec(db, SCHEMA, NULL, NULL, msg); }

void bw_return_record_free(bw_return_record *r)
{
    free(r->request);
    free(r->proof);
    r->request = r->proof = NULL;
}

/* ---- reading returns ---------------------------------------------------------------- */

#define RETURN_COLUMNS                                                                                              \
    "r.id, d.submitter, d.declaration_id, r.return_id, r.claimant, r.actor, d.jurisdiction, r.currency,"            \
    " r.declared_at, r.exported_at, r.duty_minor, r.tax_minor, r.vendor_tax_minor, r.vendor_collected,"             \
    " f.to_whom, f.reference, r.proof_reference, r.quota_restored, r.request, r.proof"                              \
    " FROM returns r JOIN declarations d ON d.id = r.declaration LEFT JOIN refunds f ON f.return = r.id"

static void read_record(sqlite3_stmt *st, bw_return_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    bw_sqlite_copy_text(st, 1, r->submitter, sizeof r->submitter);
    bw_sqlite_copy_text(st, 2, r->declaration_id, sizeof r->declaration_id);
    bw_sqlite_copy_text(st, 3, r->return_id, sizeof r->return_id);
    bw_sqlite_copy_text(st, 4, r->claimant, sizeof r->claimant);
    bw_sqlite_copy_text(st, 5, r->actor, sizeof r->actor);
    bw_sqlite_copy_text(st, 6, r->jurisdiction, sizeof r->jurisdiction);
    bw_sqlite_copy_text(st, 7, r->currency, sizeof r->currency);
    r->declared_at = sqlite3_column_int64(st, 8);
    r->exported_at = sqlite3_column_int64(st, 9);
    r->duty = sqlite3_column_int64(st, 10);
    r->tax = sqlite3_column_int64(st, 11);
    r->vendor_tax = sqlite3_column_int64(st, 12);
    r->vendor_collected = sqlite3_column_int(st, 13) != 0;
    bw_sqlite_copy_text(st, 14, r->refund_to, sizeof r->refund_to);
    bw_sqlite_copy_text(st, 15, r->refund_reference, sizeof r->refund_reference);
    bw_sqlite_copy_text(st, 16, r->proof_reference, sizeof r->proof_reference);
    r->quota_restored = sqlite3_column_int64(st, 17);
    r->request = bw_sqlite_dup_text(st, 18);
    r->proof = bw_sqlite_dup_text(st, 19);
}

int bw_store_return_find(bw_store *s, const char *submitter, const char *declaration_id, const char *return_id,
                         bw_return_record *out)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT " RETURN_COLUMNS
                                            " WHERE d.submitter = ?1 AND d.declaration_id = ?2 AND r.return_id = ?3");
    if (!st)
        return -1;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, declaration_id);
    bind_cstr(st, 3, return_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_record(st, out);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (bw_sqlite_error(s, "reading the return"), -1);
}

bool bw_store_returns_of(bw_store *s, const char *submitter, const char *declaration_id,
                         void (*each)(void *, const bw_return_record *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT " RETURN_COLUMNS
                                            " WHERE d.submitter = ?1 AND d.declaration_id = ?2 ORDER BY r.id");
    if (!st)
        return false;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, declaration_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_return_record r;
        read_record(st, &r);
        each(ctx, &r);
        bw_return_record_free(&r);
    }
    return bw_sqlite_finish(s, st, rc, "listing the returns");
}

bool bw_store_return_priors(bw_store *s, const char *submitter, const char *declaration_id, uint32_t n,
                            int64_t *qty, int64_t *total)
{
    memset(qty, 0, n * sizeof *qty);
    *total = 0;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT l.line, sum(l.quantity) FROM return_lines l"
                                            " JOIN declarations d ON d.id = l.declaration"
                                            " WHERE d.submitter = ?1 AND d.declaration_id = ?2 GROUP BY l.line");
    if (!st)
        return false;
    bind_cstr(st, 1, submitter);
    bind_cstr(st, 2, declaration_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t line = sqlite3_column_int64(st, 0), q = sqlite3_column_int64(st, 1);
        if (line >= 1 && line <= n)
            qty[line - 1] = q;
        *total += q;
    }
    return bw_sqlite_finish(s, st, rc, "reading what was returned");
}

/* ---- declaring a return --------------------------------------------------------------- */

typedef struct declare_ctx {
    const bw_return_new *r;
    bool changed;
} declare_ctx;

static int64_t returned_total(bw_store *s, int64_t row, bool *ok)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT coalesce(sum(quantity), 0) FROM return_lines WHERE declaration = ?1");
    *ok = st != NULL;
    if (!st)
        return 0;
    sqlite3_bind_int64(st, 1, row);
    int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    *ok = rc == SQLITE_ROW || bw_sqlite_error(s, "reading what was returned");
    return v;
}

static bool insert_lines(bw_store *s, int64_t ret, int64_t row, const bw_return_request *q)
{
    for (uint32_t i = 0; i < q->n_lines; i++) {
        sqlite3_stmt *st =
            bw_sqlite_prepare(s, "INSERT INTO return_lines(return, declaration, line, quantity) VALUES(?1,?2,?3,?4)");
        if (!st)
            return false;
        sqlite3_bind_int64(st, 1, ret);
        sqlite3_bind_int64(st, 2, row);
        sqlite3_bind_int64(st, 3, q->lines[i].line);
        sqlite3_bind_int64(st, 4, q->lines[i].quantity);
        if (!bw_sqlite_finish(s, st, sqlite3_step(st), "recording a returned item"))
            return false;
    }
    return true;
}

static bool declare_then(bw_store *s, int64_t row, const void *vctx)
{
    declare_ctx *c = (declare_ctx *)vctx;
    const bw_return_new *r = c->r;
    bool ok;
    if (returned_total(s, row, &ok) != r->priors_total || !ok) {
        c->changed = ok;
        return false;
    }
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "INSERT INTO returns(declaration, return_id, request, claimant, actor, reason, declared_at, duty_minor,"
           " tax_minor, vendor_tax_minor, vendor_collected, value_before, value_after, value_total, currency)"
           " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)");
    if (!st)
        return false;
    const bw_return_amounts *a = r->amounts;
    sqlite3_bind_int64(st, 1, row);
    bind_cstr(st, 2, r->request->return_id);
    bind_cstr(st, 3, r->canonical);
    bind_cstr(st, 4, r->request->claimant);
    bind_cstr(st, 5, r->actor);
    bind_cstr(st, 6, r->request->reason[0] ? r->request->reason : NULL);
    sqlite3_bind_int64(st, 7, r->at);
    sqlite3_bind_int64(st, 8, a->duty);
    sqlite3_bind_int64(st, 9, a->tax);
    sqlite3_bind_int64(st, 10, a->vendor_tax);
    sqlite3_bind_int(st, 11, r->vendor_collected);
    sqlite3_bind_int64(st, 12, a->value_before);
    sqlite3_bind_int64(st, 13, a->value_after);
    sqlite3_bind_int64(st, 14, a->value_total);
    bind_cstr(st, 15, r->currency);
    if (!bw_sqlite_finish(s, st, sqlite3_step(st), "recording the return"))
        return false;
    return insert_lines(s, sqlite3_last_insert_rowid(s->db), row, r->request);
}

int bw_store_return_declare(bw_store *s, const bw_return_new *r, bw_transition_outcome *out)
{
    bw_buf detail = {0};
    bw_buf_puts(&detail, "{\"return_id\":");
    bw_buf_put_json_str(&detail, r->request->return_id, strlen(r->request->return_id));
    bw_buf_puts(&detail, ",\"claimant\":");
    bw_buf_put_json_str(&detail, r->request->claimant, strlen(r->request->claimant));
    bw_buf_puts(&detail, ",\"return\":");
    bw_buf_puts(&detail, r->canonical);
    bw_buf_putc(&detail, '}');
    bw_buf_putc(&detail, 0);
    bw_transition t = {.submitter = r->submitter, .declaration_id = r->declaration_id,
                       .action = BW_ACT_RETURN_DECLARED, .actor = r->actor, .at = r->at, .detail = detail.p};
    declare_ctx c = {.r = r};
    int rc = bw_store_transition_then(s, &t, out, declare_then, &c);
    bw_buf_free(&detail);
    return rc == -1 && c.changed ? BW_RET_CHANGED : rc;
}

/* ---- export: refund, proof, quota ---------------------------------------------------- */

typedef struct export_ctx {
    const char *return_id, *actor;
    bw_time at;
    bool already;                  /* another export got there first */
} export_ctx;

/* The original's revenue facts. */
typedef struct original {
    char submitter[72], declaration_id[80], jurisdiction[8], settlement[24], payer[16], account[72];
    char limit_key[40], limit_period[16];
    int64_t limit_counted;
    bw_time released_at;
} original;

static bool read_original(bw_store *s, int64_t row, original *o)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT submitter, declaration_id, jurisdiction, settlement, payer,"
                                            " account, limit_key, limit_period, limit_counted, released_at"
                                            " FROM declarations WHERE id = ?1");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        bw_sqlite_copy_text(st, 0, o->submitter, sizeof o->submitter);
        bw_sqlite_copy_text(st, 1, o->declaration_id, sizeof o->declaration_id);
        bw_sqlite_copy_text(st, 2, o->jurisdiction, sizeof o->jurisdiction);
        bw_sqlite_copy_text(st, 3, o->settlement, sizeof o->settlement);
        bw_sqlite_copy_text(st, 4, o->payer, sizeof o->payer);
        bw_sqlite_copy_text(st, 5, o->account, sizeof o->account);
        bw_sqlite_copy_text(st, 6, o->limit_key, sizeof o->limit_key);
        bw_sqlite_copy_text(st, 7, o->limit_period, sizeof o->limit_period);
        o->limit_counted = sqlite3_column_int64(st, 8);
        o->released_at = sqlite3_column_int64(st, 9);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || bw_sqlite_error(s, "reading the original declaration");
}

typedef struct ret_row {
    int64_t id, duty, tax, vendor_tax, value_before, value_after, value_total;
    bool vendor_collected;
    bw_time declared_at;
    char currency[4], claimant[16];
    char *request;
} ret_row;

/* Marks the return exported; false with *already when it was. */
static bool mark_exported(bw_store *s, int64_t row, export_ctx *c, ret_row *r)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "UPDATE returns SET exported_at = ?3 WHERE declaration = ?1"
                                            " AND return_id = ?2 AND exported_at IS NULL"
                                            " RETURNING id, duty_minor, tax_minor, vendor_tax_minor, value_before,"
                                            " value_after, value_total, vendor_collected, declared_at, currency,"
                                            " claimant, request");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, row);
    bind_cstr(st, 2, c->return_id);
    sqlite3_bind_int64(st, 3, c->at);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->id = sqlite3_column_int64(st, 0);
        r->duty = sqlite3_column_int64(st, 1);
        r->tax = sqlite3_column_int64(st, 2);
        r->vendor_tax = sqlite3_column_int64(st, 3);
        r->value_before = sqlite3_column_int64(st, 4);
        r->value_after = sqlite3_column_int64(st, 5);
        r->value_total = sqlite3_column_int64(st, 6);
        r->vendor_collected = sqlite3_column_int(st, 7) != 0;
        r->declared_at = sqlite3_column_int64(st, 8);
        bw_sqlite_copy_text(st, 9, r->currency, sizeof r->currency);
        bw_sqlite_copy_text(st, 10, r->claimant, sizeof r->claimant);
        r->request = bw_sqlite_dup_text(st, 11);
        rc = sqlite3_step(st);
    } else if (rc == SQLITE_DONE) {
        c->already = true;
        sqlite3_finalize(st);
        return false;
    }
    return bw_sqlite_finish(s, st, rc, "marking the return exported");
}

static bool exec_bound(bw_store *s, sqlite3_stmt *st, const char *what)
{
    return st && bw_sqlite_finish(s, st, sqlite3_step(st), what);
}

/* The refund record (and the account's credit): to the account when the
 * duties were debited to it, else to whoever paid them. */
static bool refund(bw_store *s, int64_t row, const original *o, const ret_row *r, const export_ctx *c,
                   const char **to, char ref[32])
{
    int64_t amount = r->duty + r->tax;
    *to = NULL;
    if (amount <= 0)
        return true;
    bool account = !strcmp(o->settlement, "debited") && o->account[0];
    *to = account ? "account" : o->payer[0] ? o->payer : "buyer";
    snprintf(ref, 32, "RF-%s-%08lld", o->jurisdiction, (long long)r->id);
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "INSERT INTO refunds(reference, return, declaration, to_whom, claimant, account, jurisdiction, duty_minor,"
           " tax_minor, amount_minor, currency, at, actor) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
    if (!st)
        return false;
    bind_cstr(st, 1, ref);
    sqlite3_bind_int64(st, 2, r->id);
    sqlite3_bind_int64(st, 3, row);
    bind_cstr(st, 4, *to);
    bind_cstr(st, 5, r->claimant);
    bind_cstr(st, 6, account ? o->account : NULL);
    bind_cstr(st, 7, o->jurisdiction);
    sqlite3_bind_int64(st, 8, r->duty);
    sqlite3_bind_int64(st, 9, r->tax);
    sqlite3_bind_int64(st, 10, amount);
    bind_cstr(st, 11, r->currency);
    sqlite3_bind_int64(st, 12, c->at);
    bind_cstr(st, 13, c->actor);
    if (!exec_bound(s, st, "recording the refund"))
        return false;
    if (!account)
        return true;
    st = bw_sqlite_prepare(s, "UPDATE accounts SET balance_minor = balance_minor - ?3 WHERE id = ?1 AND jurisdiction = ?2");
    if (!st)
        return false;
    bind_cstr(st, 1, o->account);
    bind_cstr(st, 2, o->jurisdiction);
    sqlite3_bind_int64(st, 3, amount);
    return exec_bound(s, st, "crediting the account");
}

/* The buyer's annual quota gets back the returned share of what the
 * original counted against it; never below zero. */
static bool restore_quota(bw_store *s, const original *o, const ret_row *r, int64_t *restored)
{
    *restored = 0;
    if (!o->limit_key[0] || o->limit_counted <= 0)
        return true;
    *restored = bw_return_share(o->limit_counted, r->value_after, r->value_total) -
                bw_return_share(o->limit_counted, r->value_before, r->value_total);
    if (*restored <= 0)
        return true;
    sqlite3_stmt *st = bw_sqlite_prepare(s, "UPDATE buyer_limits SET used_minor = max(0, used_minor - ?4)"
                                            " WHERE jurisdiction = ?1 AND buyer_key = ?2 AND period = ?3");
    if (!st)
        return false;
    bind_cstr(st, 1, o->jurisdiction);
    bind_cstr(st, 2, o->limit_key);
    bind_cstr(st, 3, o->limit_period);
    sqlite3_bind_int64(st, 4, *restored);
    return exec_bound(s, st, "restoring the buyer's quota");
}

static void put_time(bw_buf *b, const char *key, bw_time t)
{
    bw_buf_puts(b, key);
    bw_buf_put_time(b, t); /* quoted */
}

static void put_text(bw_buf *b, const char *key, const char *v)
{
    bw_buf_puts(b, key);
    bw_buf_put_json_str(b, v, strlen(v));
}

/* The proof of re-export a vendor needs to refund the tax it collected. */
static void proof_json(const original *o, const ret_row *r, const export_ctx *c, const char *ref, int exp, bw_buf *b)
{
    put_text(b, "{\"type\":", "proof_of_re_export");
    put_text(b, ",\"reference\":", ref);
    put_text(b, ",\"jurisdiction\":", o->jurisdiction);
    put_text(b, ",\"original\":{\"submitter\":", o->submitter);
    put_text(b, ",\"declaration_id\":", o->declaration_id);
    put_time(b, ",\"released_at\":", o->released_at);
    put_text(b, "},\"return_id\":", c->return_id);
    put_time(b, ",\"declared_at\":", r->declared_at);
    put_time(b, ",\"exported_at\":", c->at);
    bw_buf_puts(b, ",\"return\":");
    bw_buf_puts(b, r->request ? r->request : "null");
    bw_buf_put_amount(b, ",\"vendor_collected_tax\":", r->vendor_tax, (unsigned)exp);
    put_text(b, ",\"currency\":", r->currency);
    put_text(b, ",\"issued_by\":", c->actor);
    bw_buf_puts(b, ",\"note\":\"customs refunds no vendor-collected tax; the vendor refunds it to the buyer on this"
                   " proof\"}");
}

static bool save_proof(bw_store *s, const ret_row *r, const char *ref, const char *proof, int64_t restored)
{
    sqlite3_stmt *st =
        bw_sqlite_prepare(s, "UPDATE returns SET proof_reference = ?2, proof = ?3, quota_restored = ?4 WHERE id = ?1");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, r->id);
    bind_cstr(st, 2, ref);
    bind_cstr(st, 3, proof);
    sqlite3_bind_int64(st, 4, restored);
    return exec_bound(s, st, "storing the proof of re-export");
}

static bool refunded_event(bw_store *s, int64_t row, const ret_row *r, const export_ctx *c, const char *to,
                           const char *ref, const char *proof_ref, int64_t restored, int exp)
{
    bw_buf d = {0};
    put_text(&d, "{\"return_id\":", c->return_id);
    put_text(&d, ",\"to\":", to ? to : "nobody");
    if (to)
        put_text(&d, ",\"reference\":", ref);
    bw_buf_put_amount(&d, ",\"duty\":", to ? r->duty : 0, (unsigned)exp);
    bw_buf_put_amount(&d, ",\"tax\":", to ? r->tax : 0, (unsigned)exp);
    put_text(&d, ",\"currency\":", r->currency);
    put_text(&d, ",\"claimant\":", r->claimant);
    if (proof_ref)
        put_text(&d, ",\"proof_of_re_export\":", proof_ref);
    if (restored > 0)
        bw_buf_put_amount(&d, ",\"quota_restored\":", restored, (unsigned)exp);
    bw_buf_putc(&d, '}');
    bw_buf_putc(&d, 0);
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO events(declaration, at, actor, kind, status, detail)"
                                            " VALUES(?1, ?2, ?3, 'refunded', 'returned', ?4)");
    bool ok = st != NULL;
    if (ok) {
        sqlite3_bind_int64(st, 1, row);
        sqlite3_bind_int64(st, 2, c->at);
        bind_cstr(st, 3, c->actor);
        bind_cstr(st, 4, d.p);
        ok = exec_bound(s, st, "recording the refund event");
    }
    bw_buf_free(&d);
    return ok;
}

static bool export_then(bw_store *s, int64_t row, const void *vctx)
{
    export_ctx *c = (export_ctx *)vctx;
    ret_row r = {0};
    original o = {0};
    if (!mark_exported(s, row, c, &r) || !read_original(s, row, &o)) {
        free(r.request);
        return false;
    }
    int exp = bw_currency_exponent((bw_str){r.currency, (uint32_t)strlen(r.currency)});
    exp = exp < 0 ? 2 : exp;
    const char *to;
    char ref[32] = "", proof_ref[32] = "";
    int64_t restored = 0;
    bw_buf proof = {0};
    bool ok = refund(s, row, &o, &r, c, &to, ref) && restore_quota(s, &o, &r, &restored);
    if (ok && r.vendor_collected) {
        snprintf(proof_ref, sizeof proof_ref, "RX-%s-%08lld", o.jurisdiction, (long long)r.id);
        proof_json(&o, &r, c, proof_ref, exp, &proof);
        bw_buf_putc(&proof, 0);
    }
    ok = ok && save_proof(s, &r, r.vendor_collected ? proof_ref : NULL, r.vendor_collected ? proof.p : NULL, restored) &&
         refunded_event(s, row, &r, c, to, ref, r.vendor_collected ? proof_ref : NULL, restored, exp);
    bw_buf_free(&proof);
    free(r.request);
    return ok;
}

int bw_store_return_exported(bw_store *s, const char *submitter, const char *declaration_id, const char *return_id,
                             const char *actor, bw_time at, bw_return_record *rec, bw_transition_outcome *out)
{
    memset(out, 0, sizeof *out);
    int found = bw_store_return_find(s, submitter, declaration_id, return_id, rec);
    if (found <= 0)
        return found;
    if (rec->exported_at)
        return 2;
    bw_return_record_free(rec);
    char detail[160];
    snprintf(detail, sizeof detail, "{\"return_id\":\"%s\"}", return_id); /* ids are checked JSON-safe by the caller */
    bw_transition t = {.submitter = submitter, .declaration_id = declaration_id, .action = BW_ACT_EXPORTED,
                       .actor = actor, .at = at, .detail = detail};
    export_ctx c = {.return_id = return_id, .actor = actor, .at = at};
    int rc = bw_store_transition_then(s, &t, out, export_then, &c);
    if (rc == -1 && c.already)
        rc = 2;
    if (rc == 1 || rc == 2)
        return bw_store_return_find(s, submitter, declaration_id, return_id, rec) == 1 ? rc : -1;
    return rc;
}

/* ---- account figures ------------------------------------------------------------------ */

bool bw_store_account_refunds(bw_store *s, const char *account, const char *jurisdiction, bw_time from, bw_time to,
                              void (*each)(void *, const bw_refund *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT f.reference, d.submitter, d.declaration_id, r.return_id, f.to_whom, f.claimant, f.duty_minor,"
           " f.tax_minor, f.amount_minor, f.at FROM refunds f JOIN returns r ON r.id = f.return"
           " JOIN declarations d ON d.id = f.declaration"
           " WHERE f.account = ?1 AND f.jurisdiction = ?2 AND f.at >= ?3 AND f.at < ?4 ORDER BY f.at, f.id");
    if (!st)
        return false;
    bw_sqlite_bind_account_period(st, account, jurisdiction, from, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_refund f = {
            .reference = (const char *)sqlite3_column_text(st, 0),
            .submitter = (const char *)sqlite3_column_text(st, 1),
            .declaration_id = (const char *)sqlite3_column_text(st, 2),
            .return_id = (const char *)sqlite3_column_text(st, 3),
            .to_whom = (const char *)sqlite3_column_text(st, 4),
            .claimant = (const char *)sqlite3_column_text(st, 5),
            .duty = sqlite3_column_int64(st, 6),
            .tax = sqlite3_column_int64(st, 7),
            .amount = sqlite3_column_int64(st, 8),
            .at = sqlite3_column_int64(st, 9),
        };
        each(ctx, &f);
    }
    return bw_sqlite_finish(s, st, rc, "reading the account's refunds");
}

bool bw_store_account_consignments(bw_store *s, const char *account, const char *jurisdiction, bw_time from,
                                   bw_time to, void (*each)(void *, const bw_consignment *), void *ctx)
{
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT submitter, declaration_id, state, settled_at, released_at, duty_minor, tax_minor, due_minor"
           " FROM declarations WHERE account = ?1 AND jurisdiction = ?2 AND settlement = 'debited'"
           " AND settled_at >= ?3 AND settled_at < ?4 ORDER BY settled_at, id");
    if (!st)
        return false;
    bw_sqlite_bind_account_period(st, account, jurisdiction, from, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_consignment c = {
            .submitter = (const char *)sqlite3_column_text(st, 0),
            .declaration_id = (const char *)sqlite3_column_text(st, 1),
            .state = (const char *)sqlite3_column_text(st, 2),
            .debited_at = sqlite3_column_int64(st, 3),
            .released_at = sqlite3_column_int64(st, 4),
            .duty = sqlite3_column_int64(st, 5),
            .tax = sqlite3_column_int64(st, 6),
            .due = sqlite3_column_int64(st, 7),
        };
        each(ctx, &c);
    }
    return bw_sqlite_finish(s, st, rc, "reading the account's consignments");
}
