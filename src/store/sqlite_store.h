/*
 * sqlite_store.h - what the SQLite store's files share (store_sqlite.c:
 * declarations, keys, listing; store_accounts.c: buyer limits, accounts,
 * payments, statements).  Not for callers: they use store.h.
 */
#ifndef BW_SQLITE_STORE_H
#define BW_SQLITE_STORE_H

#include <sqlite3.h>

#include "body_codec.h"
#include "store.h"

enum { ST_INSERT, ST_FIND, ST_EVENT, ST_AMEND, ST_GET, ST_EVENTS, ST_COUNT, ST_BEGIN, ST_COMMIT,
       ST_ROLLBACK, ST_DICTS, ST_ADD_DICT, ST_KEY_ADD, ST_KEY_FIND, ST_KEY_LIST, ST_KEY_REVOKE,
       ST_LIST, ST_N };

enum { AC_LIMIT_USED, AC_LIMIT_ADD, AC_ACCOUNT_GET, AC_ACCOUNT_DEBIT, AC_ACCOUNT_PUT, AC_ACCOUNT_LIST,
       AC_HELD, AC_RELEASE, AC_PAY_INSERT, AC_PAY_FIND, AC_DECL_DUE, AC_DECL_PAID, AC_EVENT,
       AC_STATEMENT, AC_OPENING, AC_N };

struct bw_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST_N];
    bw_body_codec *codec;
    bw_body_packer *put_packer;  /* packs rows put unpacked */
    bw_body_packer *ext_packer;  /* bw_store_pack, from another thread */
    bw_buf packed;        /* the compressed body of a row put unpacked */
    unsigned packs_without_dict; /* to look for a dictionary another connection made */
    char error[512];
    sqlite3_stmt *ac[AC_N];      /* store_accounts.c, prepared on first use */
    struct bw_record_store *records; /* store_records.c, prepared on first use */
    struct { const char *sql; sqlite3_stmt *st; } cached[16]; /* bw_sqlite_cached */
    int n_cached;
    sqlite3_stmt *sim_put;       /* store_simulate.c, prepared on first use */
    struct bw_lc_stmts *lc;      /* store_lifecycle.c, prepared on first use */
    struct bw_oga_cache *oga;    /* store_oga.c: the stored agencies' interests, compiled */
    struct bw_stats_store *stats; /* store_stats.c: facts waiting for the commit, codes */
};



bool bw_sqlite_error(bw_store *s, const char *what);
void bw_sqlite_records_close(struct bw_record_store *rs);
/* The statement of s for sql, a string constant (its address is the key):
 * prepared on first use and kept with the connection, for statements of
 * the storing path that are not in store_sqlite.c's table.  Reset and
 * unbound, ready to bind; NULL on error (bw_store_error). */
sqlite3_stmt *bw_sqlite_cached(bw_store *s, const char *sql);
/* The prepared statement `which` of store_accounts.c, reset and unbound. */
sqlite3_stmt *bw_sqlite_ac(bw_store *s, int which);
void bw_sqlite_bind_cstr(sqlite3_stmt *st, int i, const char *v);
void bw_sqlite_bind_str(sqlite3_stmt *st, int i, bw_str v);
/* Finalizes st, whose last step returned rc: true when that was
 * SQLITE_DONE, else false with the error, saying what was being done. */
bool bw_sqlite_finish(bw_store *s, sqlite3_stmt *st, int rc, const char *what);
/* Column i's text into out (cap bytes, truncated; "" for NULL). */
void bw_sqlite_copy_text(sqlite3_stmt *st, int i, char *out, size_t cap);
/* Column i's text as a malloc'd copy; NULL for NULL. */
char *bw_sqlite_dup_text(sqlite3_stmt *st, int i);
/* Binds an account's period: ?1 account, ?2 jurisdiction, ?3 from, ?4 to
 * (the order every account figure's query takes them in). */
void bw_sqlite_bind_account_period(sqlite3_stmt *st, const char *account, const char *jurisdiction, bw_time from,
                                   bw_time to);

/* Settles a row about to be inserted (store_accounts.c): chooses between
 * the row and its over-limit row against the buyer's running total, and
 * turns an "account" settlement into "debited" or "held".  apply_settled
 * then records the effects once the insert proved the row new. */
typedef struct bw_settled {
    const bw_decl_row *row;       /* the row to store */
    const char *settlement;
    bool counts_to_limit, debit;
    bool over_limit;              /* the over-limit row was chosen */
    char detail[200];
} bw_settled;
bool bw_sqlite_settle(bw_store *s, const bw_decl_row *r, bw_settled *out);
bool bw_sqlite_apply_settled(bw_store *s, const bw_settled *st, bw_time at);
void bw_sqlite_accounts_close(bw_store *s);
/* In the storing transaction: the earlier declarations a new one showed
 * to be linked to it (row->linked) leave green or blue for yellow, with an
 * event "linked" naming the declaration that showed it. */
bool bw_sqlite_raise_linked(bw_store *s, const bw_decl_row *row);
/* Runs one statement of store_risk.c (prepared per call: these are rare). */
sqlite3_stmt *bw_sqlite_prepare(bw_store *s, const char *sql);

/* In the storing transaction: the row's revenue basis for the de minimis
 * simulator (store_simulate.c), marked over the buyer limit when that row
 * stood; nothing when the row has none. */
bool bw_sqlite_sim_stored(bw_store *s, int64_t declaration, const bw_settled *t);
void bw_sqlite_sim_close(bw_store *s);
/* Statistics (store_stats.c): tables, then facts appended by each put and
 * written by the commit; mutable columns rewritten in place. */
typedef struct bw_stats_store bw_stats_store;
bool bw_sqlite_stats_setup(bw_store *s);
void bw_sqlite_stats_close(bw_store *s);
bool bw_sqlite_stats_put(bw_store *s, int64_t decl, const bw_decl_row *r);
bool bw_sqlite_stats_flush(bw_store *s);
void bw_sqlite_stats_discard(bw_store *s);
/* Sets column col (facts.h) of every fact of a declaration: how many, -1 error. */
int bw_sqlite_stats_set(bw_store *s, int64_t decl, int col, int64_t value);

#endif
