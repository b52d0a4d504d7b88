/*
 * store_fixture.h - a store in a fresh temporary directory, for the unit
 * tests that need one (test_lifecycle.c, test_oga.c, test_returns.c).
 * Header-only because each test program is built from its one .c file;
 * include it after <cmocka.h>.
 */
#ifndef BW_TEST_STORE_FIXTURE_H
#define BW_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

static char g_path[4096]; /* the store's file, for a test that opens it with sqlite3 */

/* A new, empty store in a new directory under /tmp (prefix: "/tmp/bw_oga_"). */
static bw_store *fresh_store_in(const char *prefix)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%sXXXXXX", prefix);
    assert_non_null(mkdtemp(dir));
    snprintf(g_path, sizeof g_path, "%s/t.db", dir);
    char err[512];
    bw_store *s = bw_store_open(g_path, err, sizeof err);
    assert_non_null(s);
    return s;
}

/* Closes the store and removes its directory. */
static void drop_store(bw_store *s)
{
    bw_store_close(s);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf \"$(dirname '%s')\"", g_path);
    assert_int_equal(system(cmd), 0);
}

#endif
