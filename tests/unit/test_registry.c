/*
 * test_registry.c - the vendor tax-scheme registries (src/reference/
 * registry.c): the rule (valid, unknown, revoked, expired, unverified),
 * where the files come from, strict loading with file:line messages, the
 * codes validation reports, and that `gen --registry` covers what gen emits.
 *
 * Registries are small files written into a private temporary directory,
 * loaded through bw_refdata_load like the real program does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gen/gen.h"
#include "pipeline/pipeline.h"
#include "reference/registry.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

#define HEADER "scheme\tnumber\tstatus\tfrom\tto\tname\tnote\n"
#define AS_OF "2026-11-24"

static char g_dir[4096];   /* private scratch directory */
static char g_data[4200];  /* g_dir/data: the shipped jurisdictions, our registries */

/* ---- helpers ------------------------------------------------------------------ */

static bw_time day(const char *s)
{
    bw_time t;
    assert_true(bw_time_parse(s, strlen(s), &t));
    return t;
}

static const char *scratch(const char *name)
{
    static char path[8][4400];
    static unsigned next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", g_dir, name);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void append_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The reference data of g_data (or datadir), with BREAKWATER_REGISTRY =
 * env (NULL: unset); NULL with the loader's message in err. */
static bw_refdata *load_with(const char *datadir, const char *refdir, const char *env, char *err, size_t errlen)
{
    if (env)
        setenv("BREAKWATER_REGISTRY", env, 1);
    else
        unsetenv("BREAKWATER_REGISTRY");
    bw_refdata *rd = bw_refdata_load(datadir ? datadir : g_data, refdir, err, errlen);
    unsetenv("BREAKWATER_REGISTRY");
    return rd;
}

/* Loads one registry text (through the environment variable). */
static bw_refdata *load_text(const char *text)
{
    const char *path = scratch("one.tsv");
    write_file(path, text);
    char err[512] = "";
    bw_refdata *rd = load_with(NULL, NULL, path, err, sizeof err);
    if (!rd)
        fail_msg("load: %s", err);
    return rd;
}

static bw_registry_status check(const bw_refdata *rd, const char *scheme, const char *number, const char *when,
                                bw_registry_verdict *why)
{
    return bw_registry_check(rd, scheme, (bw_str){number, (uint32_t)strlen(number)}, day(when), why);
}

/* ---- the rule ------------------------------------------------------------------- */

static void test_valid_unknown_unverified(void **state)
{
    (void)state;
    bw_refdata *rd = load_text(HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t\tDemo Bazaar\t\n"
                                      "IOSS\tIM2760000001\tvalid\t2021-07-01\t\t\tno name is fine\n");
    assert_int_equal(check(rd, "IOSS", "IM3720000031", "2026-01-01", NULL), BW_REGISTRY_VALID);
    assert_int_equal(check(rd, "IOSS", "IM2760000001", "2021-07-01", NULL), BW_REGISTRY_VALID);
    assert_int_equal(check(rd, "IOSS", "IM3720000032", "2026-01-01", NULL), BW_REGISTRY_UNKNOWN);
    assert_int_equal(check(rd, "IOSS", "", "2026-01-01", NULL), BW_REGISTRY_UNKNOWN);
    /* the number is a slice, not a C string */
    bw_str longer = {"IM3720000031X", 12};
    assert_int_equal(bw_registry_check(rd, "IOSS", longer, day("2026-01-01"), NULL), BW_REGISTRY_VALID);
    /* other schemes have no rows: nothing to check against */
    assert_int_equal(check(rd, "UK VAT", "GB123456789", "2026-01-01", NULL), BW_REGISTRY_UNVERIFIED);
    assert_int_equal(check(rd, "no such scheme", "IM3720000031", "2026-01-01", NULL), BW_REGISTRY_UNVERIFIED);
    assert_int_equal(bw_registry_count(rd, "IOSS"), 2);
    assert_int_equal(bw_registry_count(rd, "UK VAT"), 0);
    assert_int_equal(bw_registry_count(rd, NULL), 2);
    bw_refdata_free(rd);
}

static void test_revoked(void **state)
{
    (void)state;
    bw_refdata *rd = load_text(HEADER "UK VAT\tGB123456789\tvalid\t2021-01-01\t\tGadget Ltd\t\n"
                                      "UK VAT\tGB123456789\trevoked\t2025-06-01\t\tGadget Ltd\tderegistered\n");
    bw_registry_verdict why;
    assert_int_equal(check(rd, "UK VAT", "GB123456789", "2025-05-31", NULL), BW_REGISTRY_VALID);
    assert_int_equal(check(rd, "UK VAT", "GB123456789", "2025-06-01", &why), BW_REGISTRY_REVOKED);
    assert_true(why.since == day("2025-06-01"));
    assert_int_equal(check(rd, "UK VAT", "GB123456789", "2026-11-24", &why), BW_REGISTRY_REVOKED);
    assert_true(why.since == day("2025-06-01"));
    bw_refdata_free(rd);
}

/* A revocation with an end: the number is valid again from its `to`. */
static void test_revoked_for_a_while(void **state)
{
    (void)state;
    bw_refdata *rd = load_text(HEADER "ARN or ABN\t300012345678\trevoked\t2024-01-01\t2024-07-01\t\tsuspended\n"
                                      "ARN or ABN\t300012345678\tvalid\t2019-01-01\t\tShop Pty\t\n"
                                      "ARN or ABN\t51824753556\trevoked\t2020-01-01\t\t\tnever registered\n"
                                      "ARN or ABN\t51824753557\trevoked\t2030-01-01\t\t\tnever registered\n");
    bw_registry_verdict why;
    assert_int_equal(check(rd, "ARN or ABN", "300012345678", "2023-12-31", NULL), BW_REGISTRY_VALID);
    assert_int_equal(check(rd, "ARN or ABN", "300012345678", "2024-03-01", &why), BW_REGISTRY_REVOKED);
    assert_true(why.since == day("2024-01-01"));
    assert_int_equal(check(rd, "ARN or ABN", "300012345678", "2024-07-01", NULL), BW_REGISTRY_VALID);
    /* revoked rows alone: revoked while one covers the day, else unknown */
    assert_int_equal(check(rd, "ARN or ABN", "51824753556", "2026-01-01", NULL), BW_REGISTRY_REVOKED);
    assert_int_equal(check(rd, "ARN or ABN", "51824753557", "2026-01-01", NULL), BW_REGISTRY_UNKNOWN);
    bw_refdata_free(rd);
}

static void test_expired(void **state)
{
    (void)state;
    bw_refdata *rd = load_text(HEADER "IOSS\tIM2760001234\tvalid\t2021-07-01\t2025-01-01\tOld Shop GmbH\t\n"
                                      "# registered again later\n"
                                      "IOSS\tIM2760001234\tvalid\t2026-03-01\t\tOld Shop GmbH\t\n");
    bw_registry_verdict why;
    assert_int_equal(check(rd, "IOSS", "IM2760001234", "2024-12-31", NULL), BW_REGISTRY_VALID);
    /* `to` is the first day no longer registered */
    assert_int_equal(check(rd, "IOSS", "IM2760001234", "2025-01-01", &why), BW_REGISTRY_EXPIRED);
    assert_true(why.since == day("2025-01-01") && !why.not_yet);
    assert_int_equal(check(rd, "IOSS", "IM2760001234", "2026-02-28", &why), BW_REGISTRY_EXPIRED);
    assert_true(why.since == day("2025-01-01") && !why.not_yet);
    assert_int_equal(check(rd, "IOSS", "IM2760001234", "2026-03-01", NULL), BW_REGISTRY_VALID);
    /* before the first registration: not registered yet */
    assert_int_equal(check(rd, "IOSS", "IM2760001234", "2021-06-30", &why), BW_REGISTRY_EXPIRED);
    assert_true(why.since == day("2021-07-01") && why.not_yet);
    bw_refdata_free(rd);
}

/* <datadir>/registries/ *.tsv and every file in BREAKWATER_REGISTRY count
 * together: a small file can revoke a number of a large one. */
static void test_sources(void **state)
{
    (void)state;
    char dir[4300], path[4400], env[9000], err[512] = "";
    snprintf(dir, sizeof dir, "%s/registries", g_data);
    snprintf(path, sizeof path, "%s/a.tsv", dir);
    write_file(path, HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t\t\t\nIOSS\tIM3720000021\tvalid\t2021-07-01\t\t\t\n");
    snprintf(path, sizeof path, "%s/b.tsv", dir);
    write_file(path, HEADER "UK VAT\tGB123456789\tvalid\t2021-01-01\t\t\t\n");
    snprintf(path, sizeof path, "%s/README.md", dir);
    write_file(path, "not a registry: only *.tsv is read\n");
    write_file(scratch("env1.tsv"), HEADER "ARN or ABN\t300012345678\tvalid\t2019-01-01\t\t\t\n");
    write_file(scratch("env2.tsv"), "# revocations\n" HEADER "IOSS\tIM3720000021\trevoked\t2026-01-01\t\t\tfraud\n");
    snprintf(env, sizeof env, "%s::%s:", scratch("env1.tsv"), scratch("env2.tsv"));
    bw_refdata *rd = load_with(NULL, NULL, env, err, sizeof err);
    if (!rd)
        fail_msg("load: %s", err);
    assert_int_equal(bw_registry_count(rd, NULL), 5);
    assert_int_equal(check(rd, "IOSS", "IM3720000031", AS_OF, NULL), BW_REGISTRY_VALID);
    assert_int_equal(check(rd, "IOSS", "IM3720000021", AS_OF, NULL), BW_REGISTRY_REVOKED);
    assert_int_equal(check(rd, "UK VAT", "GB123456789", AS_OF, NULL), BW_REGISTRY_VALID);
    assert_int_equal(check(rd, "ARN or ABN", "300012345678", AS_OF, NULL), BW_REGISTRY_VALID);
    bw_refdata_free(rd);
    /* without the variable, the directory alone */
    rd = load_with(NULL, NULL, NULL, err, sizeof err);
    assert_non_null(rd);
    assert_int_equal(bw_registry_count(rd, NULL), 3);
    assert_int_equal(check(rd, "ARN or ABN", "300012345678", AS_OF, NULL), BW_REGISTRY_UNVERIFIED);
    bw_refdata_free(rd);
    snprintf(path, sizeof path, "%s/a.tsv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/b.tsv", dir);
    unlink(path);
}

/* ---- strict loading --------------------------------------------------------------- */

typedef struct bad_case {
    const char *text;   /* the whole file */
    const char *where;  /* ":LINE:" the message must name */
    const char *why;    /* and this */
} bad_case;

static void test_malformed(void **state)
{
    (void)state;
    static const bad_case bad[] = {
        {"scheme\tnumber\tstatus\tfrom\tto\tname\n", ":1:", "the header must be"},
        {"# only a comment\n", "", "no header line"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t\tname\n", ":2:", "7 tab-separated fields expected"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t\tname\tnote\textra\n", ":2:", "got \"8\""},
        {HEADER "UK_VAT\tGB123456789\tvalid\t2021-07-01\t\t\t\n", ":2:", "\"UK_VAT\" is not a vendor scheme"},
        {HEADER "IOSS\tIM12\tvalid\t2021-07-01\t\t\t\n", ":2:", "matches no pattern of its scheme"},
        {HEADER "IOSS\tGB123456789\tvalid\t2021-07-01\t\t\t\n", ":2:", "matches no pattern of its scheme"},
        {HEADER "IOSS\t\tvalid\t2021-07-01\t\t\t\n", ":2:", "number must be 1 to 32 characters"},
        {HEADER "IOSS\tIM0000000000000000000000000000000\tvalid\t2021-07-01\t\t\t\n", ":2:", "1 to 32"},
        {HEADER "IOSS\tIM3720000031\tactive\t2021-07-01\t\t\t\n", ":2:", "status must be valid or revoked"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-7-1\t\t\t\n", ":2:", "from is not a date"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-02-30\t\t\t\n", ":2:", "from is not a date"},
        {HEADER "IOSS\tIM3720000031\tvalid\t\t\t\t\n", ":2:", "from is not a date"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t2021-07-01\t\t\n", ":2:", "to must be empty or a date after from"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t2020-01-01\t\t\n", ":2:", "to must be empty or a date after from"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\tsoon\t\t\n", ":2:", "to must be empty or a date after from"},
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t\tM\xfcller\t\n", ":2:", "must be UTF-8"},
        /* the line number counts comments and blank lines too */
        {HEADER "IOSS\tIM3720000031\tvalid\t2021-07-01\t\t\t\n# x\n\nIOSS\tIM1\tvalid\t2021-07-01\t\t\t\n", ":5:",
         "matches no pattern"},
    };
    const char *path = scratch("bad.tsv");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        write_file(path, bad[i].text);
        bw_refdata *rd = load_with(NULL, NULL, path, err, sizeof err);
        char where[4500];
        snprintf(where, sizeof where, "%s%s", path, bad[i].where);
        if (rd || !strstr(err, where) || !strstr(err, bad[i].why))
            fail_msg("case %zu: expected an error with \"%s\" and \"%s\", got \"%s\"", i, where, bad[i].why, err);
    }
    /* a file named in the variable must exist */
    char err[512] = "";
    assert_null(load_with(NULL, NULL, scratch("missing.tsv"), err, sizeof err));
    assert_non_null(strstr(err, "missing.tsv: cannot read the registry file"));
}

/* ---- what validation reports ---------------------------------------------------- */

/* One EU declaration under vendor collection, from the generator. */
static char *vendor_declaration(char number[16])
{
    char *text = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bw_gen_options opt = {.count = 200, .seed = 3, .jurisdiction = "EU", .datadir = BW_DATADIR};
    assert_int_equal(bw_gen_run(&opt, f, err, sizeof err), 0);
    fclose(f);
    static const char key[] = "\"collection\":{\"model\":\"vendor\",\"scheme_number\":\"";
    char *at = strstr(text, key);
    assert_non_null(at);
    char *start = at, *end = strchr(at, '\n');
    while (start > text && start[-1] != '\n')
        start--;
    memcpy(number, at + strlen(key), 12);
    number[12] = 0;
    memmove(text, start, (size_t)(end + 1 - start));
    text[end + 1 - start] = 0;
    return text;
}

/* Runs the pipeline on one record; the first scheme.* issue as
 * "code: message", "" when there is none. */
static const char *scheme_issue(const bw_refdata *rd, const char *json, char *out, size_t cap)
{
    bw_pipeline p = {.rd = rd, .as_of = day(AS_OF)};
    bw_reader *r = bw_reader_new_mem(json, strlen(json), NULL);
    bw_record rec;
    bw_record_init(&rec);
    assert_int_equal(bw_reader_next(r, &rec), 1);
    bw_outcome oc;
    bw_pipeline_run(&p, &rec, &oc);
    out[0] = 0;
    for (uint32_t i = 0; i < rec.issues.n && !out[0]; i++)
        if (!strncmp(rec.issues.v[i].code, "scheme.", 7))
            snprintf(out, cap, "%s%s: %s", rec.issues.v[i].severity == BW_ERROR ? "error " : "warning ",
                     rec.issues.v[i].code, rec.issues.v[i].message);
    bw_record_free(&rec);
    bw_reader_free(r);
    return out;
}

static void expect_issue(const char *registry, const char *json, const char *want)
{
    bw_refdata *rd = load_text(registry);
    char got[512];
    scheme_issue(rd, json, got, sizeof got);
    if (*want ? !strstr(got, want) : *got != 0)
        fail_msg("expected \"%s\", got \"%s\"", want, got);
    bw_refdata_free(rd);
}

static void test_validation_codes(void **state)
{
    (void)state;
    char num[16], reg[512];
    char *json = vendor_declaration(num);
    snprintf(reg, sizeof reg, HEADER "IOSS\t%s\tvalid\t2021-07-01\t\t\t\n", num);
    expect_issue(reg, json, "");
    expect_issue(HEADER "UK VAT\tGB123456789\tvalid\t2021-07-01\t\t\t\n", json,
                 "warning scheme.unverified: no IOSS registry is loaded");
    expect_issue(HEADER "IOSS\tIM0400000001\tvalid\t2021-07-01\t\t\t\n", json, "error scheme.unknown: ");
    snprintf(reg, sizeof reg, HEADER "IOSS\t%s\tvalid\t2021-07-01\t\t\t\nIOSS\t%s\trevoked\t2025-06-01\t\t\t\n",
             num, num);
    expect_issue(reg, json, "error scheme.revoked: the IOSS number");
    expect_issue(reg, json, "is revoked since 2025-06-01");
    snprintf(reg, sizeof reg, HEADER "IOSS\t%s\tvalid\t2021-07-01\t2026-01-01\t\t\n", num);
    expect_issue(reg, json, "error scheme.revoked: the IOSS number");
    expect_issue(reg, json, "no longer registered since 2026-01-01");
    snprintf(reg, sizeof reg, HEADER "IOSS\t%s\tvalid\t2027-01-01\t\t\t\n", num);
    expect_issue(reg, json, "not registered before 2027-01-01");
    free(json);
}

/* ---- gen --registry ---------------------------------------------------------------- */

typedef struct run_stats {
    unsigned records, accepted, vendor;
    char first_vendor[16]; /* a number some record carries */
    unsigned first_vendor_record;
} run_stats;

/* Every record of `count` generated ones through the pipeline. */
static run_stats run_generated(const bw_refdata *rd, uint64_t count, uint64_t seed, const char *jurisdiction,
                               char **text_out)
{
    char *text = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bw_gen_options opt = {.count = count, .seed = seed, .jurisdiction = jurisdiction, .datadir = BW_DATADIR};
    assert_int_equal(bw_gen_run(&opt, f, err, sizeof err), 0);
    fclose(f);
    run_stats st = {0};
    bw_pipeline p = {.rd = rd, .as_of = day(AS_OF)};
    bw_reader *r = bw_reader_new_mem(text, len, NULL);
    bw_record rec;
    bw_record_init(&rec);
    while (bw_reader_next(r, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        st.records++;
        st.accepted += oc.status == BW_STATUS_ACCEPTED;
        for (uint32_t i = 0; i < rec.issues.n; i++)
            if (!strncmp(rec.issues.v[i].code, "scheme.", 7))
                fail_msg("record %u: %s %s", st.records, rec.issues.v[i].code, rec.issues.v[i].message);
        const bw_collection *c = &rec.decl.collection;
        if (c->model.value == COLLECT_VENDOR && st.vendor++ == 0) {
            snprintf(st.first_vendor, sizeof st.first_vendor, "%.*s", (int)c->scheme_number.n, c->scheme_number.p);
            st.first_vendor_record = st.records;
        }
    }
    bw_record_free(&rec);
    bw_reader_free(r);
    if (text_out)
        *text_out = text;
    else
        free(text);
    return st;
}

static const char *write_registry(const char *name, uint64_t seed, const char *jurisdiction)
{
    const char *path = scratch(name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char err[256];
    bw_gen_options opt = {.seed = seed, .jurisdiction = jurisdiction};
    assert_int_equal(bw_gen_registry(&opt, f, err, sizeof err), 0);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* The issue of record n (1-based) of text once `number` is revoked. */
static void expect_revoked_record(const bw_refdata *rd, const char *text, unsigned n)
{
    const char *line = text;
    for (unsigned i = 1; i < n; i++)
        line = strchr(line, '\n') + 1;
    size_t len = (size_t)(strchr(line, '\n') + 1 - line);
    char *one = strndup(line, len), got[512];
    scheme_issue(rd, one, got, sizeof got);
    if (!strstr(got, "error scheme.revoked") || !strstr(got, "revoked since 2026-10-01"))
        fail_msg("record %u: expected scheme.revoked since 2026-10-01, got \"%s\"", n, got);
    free(one);
}

static void test_gen_registry_covers_gen(void **state)
{
    (void)state;
    const char *refdir = bw_default_refdir(NULL);
    char err[512] = "", *text = NULL;
    const char *path = write_registry("gen.tsv", 11, NULL);
    bw_refdata *rd = load_with(BW_DATADIR, refdir, path, err, sizeof err);
    if (!rd)
        fail_msg("load: %s", err);
    run_stats st = run_generated(rd, 2000, 11, NULL, &text);
    assert_int_equal(st.records, 2000);
    assert_int_equal(st.accepted, 2000);
    assert_true(st.vendor > 200);
    /* the revoked samples are revoked, and never in the declarations */
    static const char *const samples[][2] = {
        {"IOSS", "IM0400000001"}, {"UK VAT", "GB000000195"}, {"ARN or ABN", "300900000003"}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(check(rd, samples[i][0], samples[i][1], AS_OF, NULL), BW_REGISTRY_REVOKED);
        assert_null(strstr(text, samples[i][1]));
    }
    /* one file serves every count of the seed (another seller pool) and a
     * single jurisdiction */
    run_stats au = run_generated(rd, 3000, 11, "AU", NULL);
    assert_true(au.accepted == 3000 && au.vendor > 200);
    bw_refdata_free(rd);
    /* revoking a number is appending a row */
    char row[128];
    snprintf(row, sizeof row, "%s\t%s\trevoked\t2026-10-01\t\t\tappended by a test\n",
             st.first_vendor[0] == 'I' ? "IOSS" : st.first_vendor[0] == 'G' ? "UK VAT" : "ARN or ABN",
             st.first_vendor);
    append_file(path, row);
    rd = load_with(BW_DATADIR, refdir, path, err, sizeof err);
    if (!rd)
        fail_msg("load: %s", err);
    expect_revoked_record(rd, text, st.first_vendor_record);
    bw_refdata_free(rd);
    free(text);
}

/* --jurisdiction GB writes the UK VAT numbers alone. */
static void test_gen_registry_one_jurisdiction(void **state)
{
    (void)state;
    char err[512] = "";
    const char *path = write_registry("gb.tsv", 5, "GB");
    bw_refdata *rd = load_with(BW_DATADIR, bw_default_refdir(NULL), path, err, sizeof err);
    if (!rd)
        fail_msg("load: %s", err);
    assert_int_equal(bw_registry_count(rd, "IOSS"), 0);
    assert_int_equal(bw_registry_count(rd, "ARN or ABN"), 0);
    assert_true(bw_registry_count(rd, "UK VAT") > 1000);
    run_stats st = run_generated(rd, 2000, 5, "GB", NULL);
    assert_true(st.accepted == 2000 && st.vendor > 200);
    bw_refdata_free(rd);
    FILE *f = fopen(scratch("xx.tsv"), "w");
    bw_gen_options opt = {.seed = 5, .jurisdiction = "XX"};
    assert_int_equal(bw_gen_registry(&opt, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown jurisdiction"));
    fclose(f);
}

/* ---- setup --------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("BW_TMP");
    snprintf(g_dir, sizeof g_dir, "%s/bw-registry-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_dir))
        return -1;
    char path[4400], target[4096];
    snprintf(g_data, sizeof g_data, "%s/data", g_dir);
    snprintf(path, sizeof path, "%s/registries", g_data);
    if (mkdir(g_data, 0700) || mkdir(path, 0700))
        return -1;
    /* the shipped jurisdictions name the schemes and their patterns */
    snprintf(path, sizeof path, "%s/jurisdictions", g_data);
    snprintf(target, sizeof target, "%s/jurisdictions", BW_DATADIR);
    return symlink(target, path);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_unknown_unverified),
        cmocka_unit_test(test_revoked),
        cmocka_unit_test(test_revoked_for_a_while),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_validation_codes),
        cmocka_unit_test(test_gen_registry_covers_gen),
        cmocka_unit_test(test_gen_registry_one_jurisdiction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
