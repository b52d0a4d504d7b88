/*
 * store_simulate.c - the de minimis simulator's table (store.h, "de
 * minimis simulator"): one revenue basis per accepted declaration, written
 * in the transaction that stores the declaration, read back by
 * jurisdiction and day.
 *
 * Why a table of its own rather than columns of declarations: it is
 * derived data (rebuilt from the bodies when missing), it is created on
 * first use so older stores need no migration, and a scan over one
 * jurisdiction's narrow rows reads a fraction of the pages the declarations
 * with their bodies would.
 */
#include <stdio.h>
#include <stdint.h>

#include "../stats/simulate.h"
#include "sqlite_store.h"

/* Clustered by jurisdiction and day (WITHOUT ROWID): a simulation reads
 * one jurisdiction's period as one sequential range of the table, which
 * measured 1.5x the rowid table read through an index. */
static const char TABLE[] =
    "CREATE TABLE IF NOT EXISTS revenue_basis("
    "  declaration INTEGER NOT NULL,"   /* declarations.id */
    "  jurisdiction TEXT NOT NULL, day INTEGER NOT NULL, origin TEXT,"
    "  model INTEGER NOT NULL, basis INTEGER NOT NULL, over_limit INTEGER NOT NULL,"
    /* minor units of the jurisdiction's currency */
    "  v_intrinsic INTEGER NOT NULL, v_customs INTEGER NOT NULL, v_cif INTEGER NOT NULL,"
    "  duty_low INTEGER NOT NULL, duty_high INTEGER NOT NULL,"
    "  tax_ll INTEGER NOT NULL, tax_lh INTEGER NOT NULL, tax_hl INTEGER NOT NULL, tax_hh INTEGER NOT NULL,"
    "  duty_threshold INTEGER NOT NULL, tax_threshold INTEGER NOT NULL, full_threshold INTEGER NOT NULL,"
    "  duty INTEGER NOT NULL, tax INTEGER NOT NULL,"
    "  PRIMARY KEY(jurisdiction, day, declaration)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX IF NOT EXISTS revenue_basis_by_declaration ON revenue_basis(declaration);";

static const char COLUMNS[] =
    "jurisdiction, day, origin, model, basis, over_limit, v_intrinsic, v_customs, v_cif, duty_low, duty_high,"
    " tax_ll, tax_lh, tax_hl, tax_hh, duty_threshold, tax_threshold, full_threshold, duty, tax";

static bool ensure_table(bw_store *s)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, TABLE, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    snprintf(s->error, sizeof s->error, "creating the revenue basis table: %s", msg ? msg : "?");
    sqlite3_free(msg);
    return false;
}

void bw_sqlite_sim_close(bw_store *s)
{
    sqlite3_finalize(s->sim_put);
    s->sim_put = NULL;
}

bool bw_store_sim_put(bw_store *s, int64_t declaration, const bw_sim_basis *b)
{
    if (!s->sim_put) {
        char sql[600];
        snprintf(sql, sizeof sql,
                 "INSERT OR REPLACE INTO revenue_basis(declaration, %s)"
                 " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)",
                 COLUMNS);
        if (!ensure_table(s))
            return false;
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->sim_put, NULL) != SQLITE_OK)
            return bw_sqlite_error(s, "preparing the revenue basis insert");
    }
    sqlite3_stmt *st = s->sim_put;
    sqlite3_bind_int64(st, 1, declaration);
    sqlite3_bind_text(st, 2, b->jurisdiction, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, b->day);
    if (b->origin[0])
        sqlite3_bind_text(st, 4, b->origin, 2, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, b->model);
    sqlite3_bind_int(st, 6, b->basis_in_force);
    sqlite3_bind_int(st, 7, b->over_limit);
    const int64_t v[] = {b->value[0], b->value[1], b->value[2], b->duty_low, b->duty_high, b->tax_at[0][0],
                         b->tax_at[0][1], b->tax_at[1][0], b->tax_at[1][1], b->duty_threshold, b->tax_threshold,
                         b->full_threshold, b->duty, b->tax};
    for (int i = 0; i < 14; i++)
        sqlite3_bind_int64(st, 8 + i, v[i]);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || bw_sqlite_error(s, "storing the revenue basis");
}

bool bw_sqlite_sim_stored(bw_store *s, int64_t declaration, const bw_settled *t)
{
    const bw_sim_basis *b = t->row->sim_basis;
    if (!b || !t->row->revenue.assessed)
        return true;
    bw_sim_basis stood = *b;
    stood.over_limit = t->over_limit;
    stood.duty = t->row->revenue.duty; /* the assessment that stood */
    stood.tax = t->row->revenue.tax;
    return bw_store_sim_put(s, declaration, &stood);
}

bool bw_store_sim_scan(bw_store *s, const char *jurisdiction, bw_time from, bw_time to,
                       void (*each)(void *, const bw_sim_basis *), void *ctx)
{
    if (!ensure_table(s))
        return false;
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT %s FROM revenue_basis WHERE jurisdiction = ?1 AND day >= ?2 AND day < ?3",
             COLUMNS);
    sqlite3_stmt *st = bw_sqlite_prepare(s, sql);
    if (!st)
        return false;
    sqlite3_bind_text(st, 1, jurisdiction, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, from ? from : INT64_MIN);
    sqlite3_bind_int64(st, 3, to ? to : INT64_MAX);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_sim_basis b = {0};
        snprintf(b.jurisdiction, sizeof b.jurisdiction, "%s", (const char *)sqlite3_column_text(st, 0));
        b.day = sqlite3_column_int64(st, 1);
        const unsigned char *o = sqlite3_column_text(st, 2);
        if (o && o[0] && o[1])
            memcpy(b.origin, o, 2);
        b.model = (uint8_t)sqlite3_column_int(st, 3);
        b.basis_in_force = (uint8_t)sqlite3_column_int(st, 4);
        b.over_limit = sqlite3_column_int(st, 5) != 0;
        int64_t *dst[] = {&b.value[0], &b.value[1], &b.value[2], &b.duty_low, &b.duty_high, &b.tax_at[0][0],
                          &b.tax_at[0][1], &b.tax_at[1][0], &b.tax_at[1][1], &b.duty_threshold, &b.tax_threshold,
                          &b.full_threshold, &b.duty, &b.tax};
        for (int i = 0; i < 14; i++)
            *dst[i] = sqlite3_column_int64(st, 6 + i);
        if (b.basis_in_force > SIM_BASIS_CIF)
            b.basis_in_force = SIM_BASIS_INTRINSIC;
        each(ctx, &b);
    }
    return bw_sqlite_finish(s, st, rc, "reading the revenue basis");
}

bool bw_store_sim_through(bw_store *s, int64_t *through, int64_t *highest)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'sim_basis_through'),"
                                            " (SELECT max(id) FROM declarations)");
    if (!st)
        return false;
    int rc = sqlite3_step(st);
    *through = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;  /* NULL reads as 0 */
    *highest = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    return bw_sqlite_finish(s, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, "reading the simulator's catch-up mark");
}

bool bw_store_sim_through_set(bw_store *s, int64_t through)
{
    sqlite3_stmt *st = bw_sqlite_prepare(s, "INSERT INTO meta(key, value) VALUES('sim_basis_through', ?1)"
                                            " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, through);
    return bw_sqlite_finish(s, st, sqlite3_step(st), "recording the simulator's catch-up mark");
}

int bw_store_sim_pending(bw_store *s, int64_t after, bw_sim_pending *out, int limit)
{
    if (!ensure_table(s))
        return -1;
    sqlite3_stmt *st = bw_sqlite_prepare(
        s, "SELECT d.id, d.submitter, d.declaration_id, d.duty_minor, d.tax_minor, d.limit_key IS NOT NULL"
           " FROM declarations d LEFT JOIN revenue_basis b ON b.declaration = d.id"
           " WHERE d.id > ?1 AND d.status = 'accepted' AND d.duty_minor IS NOT NULL AND b.declaration IS NULL"
           " ORDER BY d.id LIMIT ?2");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    int n = 0, rc;
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bw_sim_pending *p = &out[n++];
        p->id = sqlite3_column_int64(st, 0);
        snprintf(p->submitter, sizeof p->submitter, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(p->declaration_id, sizeof p->declaration_id, "%s", (const char *)sqlite3_column_text(st, 2));
        p->duty = sqlite3_column_int64(st, 3);
        p->tax = sqlite3_column_int64(st, 4);
        p->counted_to_limit = sqlite3_column_int(st, 5) != 0;
    }
    if (n < limit && rc != SQLITE_DONE) {
        sqlite3_finalize(st);
        return bw_sqlite_error(s, "reading the declarations without a revenue basis"), -1;
    }
    sqlite3_finalize(st);
    return n;
}
