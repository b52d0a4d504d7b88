/*
 * test_corpus.c - the malformed-input corpus of tests/corpus, run through
 * the in-process pipeline and the store, plus generated big inputs and the
 * real binary's exit status.
 *
 * A case is tests/corpus/NAME.json (the input bytes: one object, an array
 * or NDJSON, possibly broken on purpose) and NAME.expect, one expectation a
 * line ('#' starts a comment):
 *
 *   records K                 the reader yields exactly K records
 *   record N accepted|rejected   record N's status (every record needs one)
 *   error N CODE PATH         record N has an error CODE at exactly PATH
 *   warning N CODE PATH       the same for a warning
 *                             (PATH "-" is the record itself, "*" any path)
 *   category N C              record N's IRG category (0: none assessed)
 *   errors N K                record N has exactly K errors in all
 *   items N K                 record N decoded K items
 *
 * Besides its expectations every record must satisfy the invariants of
 * check_invariants(): accepted exactly when it has no error, well-formed
 * codes, and paths and messages in valid UTF-8 (they end up in JSON).
 * Every storable record is put into a fresh SQLite store as `breakwater
 * ingest` does and read back: a record with errors is never stored as
 * accepted, and bw_store_count agrees with the pipeline.
 *
 * Each case runs in a child process, so that a crash or a sanitizer report
 * in one case fails that case and not the whole corpus.  The assessment
 * date is fixed (AS_OF) so that results do not depend on the clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/json_encode.h"
#include "pipeline/pipeline.h"
#include "store/store.h"

#define AS_OF "2026-11-24T00:00:00Z"
#define CHILD_MISMATCH 3 /* exit status of a case child that found mismatches */

static bw_refdata *g_rd;
static bw_time g_as_of;
static char g_corpus[4096]; /* tests/corpus */
static char g_tmp[4096];    /* private scratch directory */

/* ---- expectations -------------------------------------------------------------- */

typedef enum { EX_RECORDS, EX_STATUS, EX_ISSUE, EX_CATEGORY, EX_ERRORS, EX_ITEMS } ex_kind;

typedef struct expectation {
    ex_kind kind;
    unsigned line;       /* in the .expect file */
    uint64_t rec;        /* record index, 1-based */
    bw_status status;    /* EX_STATUS */
    bw_severity sev;     /* EX_ISSUE */
    char code[64];       /* EX_ISSUE */
    char path[256];      /* EX_ISSUE; "" the record, "*" any */
    long num;            /* EX_RECORDS, EX_CATEGORY, EX_ERRORS, EX_ITEMS */
    bool met;            /* the expectation held for its record */
    bool seen;           /* its record was read */
} expectation;

typedef struct case_run {
    char expect_path[4200];
    expectation *ex;
    size_t n_ex;
    int failures;
} case_run;

static void mismatch(case_run *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void mismatch(case_run *c, unsigned line, const char *fmt, ...)
{
    va_list ap;
    if (line)
        fprintf(stderr, "%s:%u: ", c->expect_path, line);
    else
        fprintf(stderr, "%s: ", c->expect_path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->failures++;
}

/* Parses the .expect file; false (with messages) when it is malformed. */
static bool load_expect(case_run *c)
{
    FILE *f = fopen(c->expect_path, "r");
    if (!f) {
        mismatch(c, 0, "cannot open: %s", strerror(errno));
        return false;
    }
    char line[1024];
    unsigned no = 0;
    size_t cap = 0;
    bool have_records = false;
    while (fgets(line, sizeof line, f)) {
        no++;
        char kw[32], a[64], b[256], extra[8];
        unsigned long long rec = 0;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || strspn(line, " \t") == strlen(line))
            continue;
        if (c->n_ex == cap) {
            cap = cap ? cap * 2 : 16;
            c->ex = realloc(c->ex, cap * sizeof *c->ex);
        }
        expectation *e = &c->ex[c->n_ex];
        memset(e, 0, sizeof *e);
        e->line = no;
        int n = sscanf(line, "%31s %llu %63s %255s %7s", kw, &rec, a, b, extra);
        e->rec = rec;
        if (!strcmp(kw, "records") && n == 2) {
            e->kind = EX_RECORDS;
            e->num = (long)rec;
            have_records = true;
        } else if (!strcmp(kw, "record") && n == 3 &&
                   (!strcmp(a, "accepted") || !strcmp(a, "rejected"))) {
            e->kind = EX_STATUS;
            e->status = !strcmp(a, "accepted") ? BW_STATUS_ACCEPTED : BW_STATUS_REJECTED;
        } else if ((!strcmp(kw, "error") || !strcmp(kw, "warning")) && n == 4) {
            e->kind = EX_ISSUE;
            e->sev = kw[0] == 'e' ? BW_ERROR : BW_WARNING;
            snprintf(e->code, sizeof e->code, "%s", a);
            snprintf(e->path, sizeof e->path, "%s", strcmp(b, "-") ? b : "");
        } else if ((!strcmp(kw, "category") || !strcmp(kw, "errors") || !strcmp(kw, "items")) &&
                   n == 3 && strspn(a, "0123456789") == strlen(a)) {
            e->kind = kw[0] == 'c' ? EX_CATEGORY : kw[0] == 'e' ? EX_ERRORS : EX_ITEMS;
            e->num = strtol(a, NULL, 10);
        } else {
            mismatch(c, no, "cannot read the expectation \"%s\"", line);
            continue;
        }
        if (e->kind != EX_RECORDS && e->rec == 0) {
            mismatch(c, no, "records are numbered from 1");
            continue;
        }
        c->n_ex++;
    }
    fclose(f);
    if (!have_records)
        mismatch(c, 0, "no \"records K\" line: every case must say how many records it holds");
    return c->failures == 0;
}

/* ---- checking one record ------------------------------------------------------------ */

static bool code_well_formed(const char *code)
{
    /* "group.name": lower case, digits and '_' on both sides of one dot */
    const char *dot = strchr(code, '.');
    if (!dot || dot == code || !dot[1] || strchr(dot + 1, '.'))
        return false;
    for (const char *p = code; *p; p++)
        if (p != dot && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static void check_invariants(case_run *c, const bw_record *rec, const bw_outcome *oc)
{
    const bw_issues *iss = &rec->issues;
    bool want_accepted = rec->decodable && iss->errors == 0;
    if ((oc->status == BW_STATUS_ACCEPTED) != want_accepted)
        mismatch(c, 0, "record %llu: status %s with %u errors (decodable: %d)",
                 (unsigned long long)rec->index, bw_status_names[oc->status], iss->errors,
                 rec->decodable);
    if (iss->n > BW_ISSUES_MAX || iss->n > iss->errors + iss->warnings)
        mismatch(c, 0, "record %llu: %u issues listed, %u errors and %u warnings counted",
                 (unsigned long long)rec->index, iss->n, iss->errors, iss->warnings);
    bool syntax_reported = false;
    for (uint32_t i = 0; i < iss->n; i++) {
        const bw_issue *it = &iss->v[i];
        if (!it->code || !code_well_formed(it->code))
            mismatch(c, 0, "record %llu: malformed issue code \"%s\"", (unsigned long long)rec->index,
                     it->code ? it->code : "(null)");
        if (!it->path || !bw_utf8_valid(it->path, strlen(it->path)))
            mismatch(c, 0, "record %llu: the path of %s is not valid UTF-8",
                     (unsigned long long)rec->index, it->code);
        if (!it->message || !*it->message || !bw_utf8_valid(it->message, strlen(it->message)))
            mismatch(c, 0, "record %llu: the message of %s (path \"%s\") is empty or not valid UTF-8",
                     (unsigned long long)rec->index, it->code, it->path ? it->path : "");
        if (it->severity == BW_ERROR && it->code &&
            (!strncmp(it->code, "json.", 5) || !strncmp(it->code, "record.", 7)))
            syntax_reported = true;
    }
    if (!rec->decodable && !syntax_reported)
        mismatch(c, 0, "record %llu is undecodable but no json.* or record.* error says why",
                 (unsigned long long)rec->index);
}

static bool issue_matches(const bw_issue *it, const expectation *e)
{
    return it->severity == e->sev && !strcmp(it->code, e->code) &&
           (!strcmp(e->path, "*") || !strcmp(it->path, e->path));
}

static void list_issues(const bw_record *rec)
{
    for (uint32_t i = 0; i < rec->issues.n; i++) {
        const bw_issue *it = &rec->issues.v[i];
        fprintf(stderr, "      has %s %s %s\n", it->severity == BW_ERROR ? "error" : "warning",
                it->code, *it->path ? it->path : "-");
    }
}

static void check_expectations(case_run *c, const bw_record *rec, const bw_outcome *oc)
{
    bool listed = false;
    for (size_t k = 0; k < c->n_ex; k++) {
        expectation *e = &c->ex[k];
        if (e->kind == EX_RECORDS || e->rec != rec->index)
            continue;
        e->seen = true;
        switch (e->kind) {
        case EX_STATUS:
            e->met = oc->status == e->status;
            if (!e->met)
                mismatch(c, e->line, "record %llu is %s, expected %s", (unsigned long long)e->rec,
                         bw_status_names[oc->status], bw_status_names[e->status]);
            break;
        case EX_ISSUE:
            for (uint32_t i = 0; i < rec->issues.n && !e->met; i++)
                e->met = issue_matches(&rec->issues.v[i], e);
            if (!e->met) {
                mismatch(c, e->line, "record %llu has no %s %s at \"%s\"", (unsigned long long)e->rec,
                         e->sev == BW_ERROR ? "error" : "warning", e->code, e->path);
                if (!listed)
                    list_issues(rec);
                listed = true;
            }
            break;
        case EX_CATEGORY:
            e->met = oc->category == e->num;
            if (!e->met)
                mismatch(c, e->line, "record %llu: category %u, expected %ld",
                         (unsigned long long)e->rec, oc->category, e->num);
            break;
        case EX_ERRORS:
            e->met = rec->issues.errors == (uint32_t)e->num;
            if (!e->met)
                mismatch(c, e->line, "record %llu: %u errors, expected %ld", (unsigned long long)e->rec,
                         rec->issues.errors, e->num);
            break;
        case EX_ITEMS:
            e->met = rec->decl.n_items == (uint32_t)e->num;
            if (!e->met)
                mismatch(c, e->line, "record %llu: %u items decoded, expected %ld",
                         (unsigned long long)e->rec, rec->decl.n_items, e->num);
            break;
        case EX_RECORDS:
            break;
        }
    }
}

/* ---- the store -------------------------------------------------------------------------- */

typedef struct store_run {
    bw_store *store;
    bw_buf body, errors, warnings;
    int64_t accepted, rejected; /* stored, by the pipeline's status */
} store_run;

/* A content hash for the row: ingest uses its own; within one case every
 * declaration id is unique, so any deterministic 16 bytes will do. */
static void content_hash(const char *p, size_t n, uint8_t out[16])
{
    uint64_t h[2] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL}; /* FNV-1a, two seeds */
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++)
            h[k] = (h[k] ^ (uint8_t)p[i]) * 0x100000001b3ULL;
    memcpy(out, h, 16);
}

/* Stores a record as `breakwater ingest` does (records without a key are
 * reported, not stored) and reads it back. */
static void store_record(case_run *c, store_run *s, const bw_record *rec, const bw_outcome *oc)
{
    const bw_declaration *d = &rec->decl;
    if (!rec->decodable || !d->submitter.id.p || !d->declaration_id.p)
        return;
    s->body.n = s->errors.n = s->warnings.n = 0;
    bw_encode_declaration(d, &s->body);
    bw_issues_json(&rec->issues, BW_ERROR, &s->errors);
    bw_issues_json(&rec->issues, BW_WARNING, &s->warnings);
    bw_decl_row row = {
        .submitter = d->submitter.id,
        .declaration_id = d->declaration_id,
        .jurisdiction = d->jurisdiction,
        .type = d->type.raw,
        .status = bw_status_names[oc->status],
        .category = oc->category,
        .value_minor = oc->consignment_value,
        .currency = oc->jurisdiction ? oc->jurisdiction->currency : NULL,
        .received_at = oc->assessed_at,
        .body = {s->body.p, (uint32_t)s->body.n},
        .errors = {s->errors.p, (uint32_t)s->errors.n},
        .warnings = {s->warnings.p, (uint32_t)s->warnings.n},
        .actor = "test_corpus",
    };
    content_hash(s->body.p, s->body.n, row.content_hash);
    bw_prior prior;
    bw_put_result put = bw_store_put(s->store, &row, &prior);
    if (put != BW_PUT_STORED) {
        mismatch(c, 0, "record %llu: store put gave %d (%s); ids must be unique within a case",
                 (unsigned long long)rec->index, (int)put, bw_store_error(s->store));
        return;
    }
    if (oc->status == BW_STATUS_ACCEPTED)
        s->accepted++;
    else
        s->rejected++;
    /* read it back; ids with an embedded NUL cannot be named as C strings */
    if (memchr(d->submitter.id.p, 0, d->submitter.id.n) ||
        memchr(d->declaration_id.p, 0, d->declaration_id.n))
        return;
    char *sub = strndup(d->submitter.id.p, d->submitter.id.n);
    char *id = strndup(d->declaration_id.p, d->declaration_id.n);
    bw_stored got;
    int found = bw_store_get(s->store, sub, id, &got);
    if (found != 1) {
        mismatch(c, 0, "record %llu: stored but not found again (%d)", (unsigned long long)rec->index,
                 found);
    } else {
        if (rec->issues.errors > 0 && strcmp(got.status, "rejected") != 0)
            mismatch(c, 0, "record %llu has %u errors but is stored as \"%s\"",
                     (unsigned long long)rec->index, rec->issues.errors, got.status);
        if (strcmp(got.status, bw_status_names[oc->status]) != 0)
            mismatch(c, 0, "record %llu: stored as \"%s\", decided \"%s\"",
                     (unsigned long long)rec->index, got.status, bw_status_names[oc->status]);
        bw_stored_free(&got);
    }
    free(sub);
    free(id);
}

static void remove_db(const char *db)
{
    char p[4300];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

/* ---- one case ------------------------------------------------------------------------------ */

/* Runs dir/name.json against dir/name.expect; the number of mismatches. */
static int run_case(const char *dir, const char *name)
{
    case_run c = {0};
    snprintf(c.expect_path, sizeof c.expect_path, "%s/%s.expect", dir, name);
    if (!load_expect(&c)) {
        free(c.ex);
        return c.failures;
    }
    char input[4200], db[4200]; /* g_tmp and names are far shorter */
    snprintf(input, sizeof input, "%s/%s.json", dir, name);
    snprintf(db, sizeof db, "%s/%s.db", g_tmp, name);
    remove_db(db);

    int fd = open(input, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        mismatch(&c, 0, "%s: %s", input, strerror(errno));
        free(c.ex);
        return c.failures;
    }
    char err[1024];
    store_run s = {0};
    s.store = bw_store_open(db, err, sizeof err);
    if (!s.store || !bw_store_begin(s.store)) {
        mismatch(&c, 0, "store: %s", s.store ? bw_store_error(s.store) : err);
        bw_store_close(s.store);
        close(fd);
        free(c.ex);
        return c.failures;
    }
    bw_reader *r = bw_reader_new(fd, NULL);
    if (!r) {
        mismatch(&c, 0, "bw_reader_new failed");
        bw_store_close(s.store);
        close(fd);
        free(c.ex);
        return c.failures;
    }
    bw_pipeline p = {.rd = g_rd, .as_of = g_as_of};
    bw_record rec;
    bw_record_init(&rec);
    uint64_t records = 0;
    int got;
    while ((got = bw_reader_next(r, &rec)) == 1) {
        bw_outcome oc;
        records++;
        if (rec.index != records)
            mismatch(&c, 0, "record %llu arrived with index %llu", (unsigned long long)records,
                     (unsigned long long)rec.index);
        bw_pipeline_run(&p, &rec, &oc);
        check_invariants(&c, &rec, &oc);
        check_expectations(&c, &rec, &oc);
        store_record(&c, &s, &rec, &oc);
    }
    if (got < 0)
        mismatch(&c, 0, "reader I/O error: %s", bw_reader_error(r));
    if (!bw_store_commit(s.store))
        mismatch(&c, 0, "commit: %s", bw_store_error(s.store));
    int64_t n_acc = -1, n_rej = -1;
    if (!bw_store_count(s.store, "accepted", &n_acc) || !bw_store_count(s.store, "rejected", &n_rej))
        mismatch(&c, 0, "count: %s", bw_store_error(s.store));
    if (n_acc != s.accepted || n_rej != s.rejected)
        mismatch(&c, 0, "the store counts %lld accepted and %lld rejected, the pipeline stored "
                        "%lld and %lld",
                 (long long)n_acc, (long long)n_rej, (long long)s.accepted, (long long)s.rejected);

    /* what was expected of records that never came, and records nobody spoke for */
    for (size_t k = 0; k < c.n_ex; k++) {
        const expectation *e = &c.ex[k];
        if (e->kind == EX_RECORDS && (uint64_t)e->num != records)
            mismatch(&c, e->line, "%llu records read, expected %ld", (unsigned long long)records,
                     e->num);
        else if (e->kind != EX_RECORDS && !e->seen)
            mismatch(&c, e->line, "record %llu never came (%llu records read)",
                     (unsigned long long)e->rec, (unsigned long long)records);
    }
    for (uint64_t i = 1; i <= records; i++) {
        bool stated = false;
        for (size_t k = 0; k < c.n_ex && !stated; k++)
            stated = c.ex[k].kind == EX_STATUS && c.ex[k].rec == i;
        if (!stated)
            mismatch(&c, 0, "no \"record %llu accepted|rejected\" line", (unsigned long long)i);
    }

    bw_record_free(&rec);
    bw_reader_free(r);
    close(fd);
    bw_store_close(s.store);
    bw_buf_free(&s.body);
    bw_buf_free(&s.errors);
    bw_buf_free(&s.warnings);
    remove_db(db);
    free(c.ex);
    return c.failures;
}

/* Runs a case in a child process; its wait status.  The parent removes the
 * case's database afterwards, since a child that crashed could not. */
static int run_case_in_child(const char *dir, const char *name)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the child must die of a crash, not return into cmocka's handlers */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        int failures = run_case(dir, name);
        fflush(stderr);
        exit(failures ? CHILD_MISMATCH : 0); /* exit, not _exit: LeakSanitizer runs at exit */
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    char db[4200];
    snprintf(db, sizeof db, "%s/%s.db", g_tmp, name);
    remove_db(db);
    return st;
}

/* Fails the test unless the child's wait status says the case passed. */
static void assert_case_passed(const char *dir, const char *name, int st)
{
    if (WIFSIGNALED(st))
        fail_msg("case %s died of signal %d: a crash or a sanitizer report (see above)", name,
                 WTERMSIG(st));
    if (WEXITSTATUS(st) == CHILD_MISMATCH)
        fail_msg("case %s: results differ from %s/%s.expect (listed above)", name, dir, name);
    if (WEXITSTATUS(st) != 0)
        fail_msg("case %s: the child exited with status %d (a sanitizer report?)", name,
                 WEXITSTATUS(st));
}

static void test_corpus_case(void **state)
{
    const char *name = *state;
    assert_case_passed(g_corpus, name, run_case_in_child(g_corpus, name));
}

/* ---- generated cases ----------------------------------------------------------------------- */

/* A valid EU declaration with %s for the declaration id and %s for the
 * items' JSON (without brackets). */
static const char DECL_FMT[] =
    "{\"submitter\":{\"id\":\"GEN-01\",\"role\":\"express\"},\"declaration_id\":\"%s\","
    "\"jurisdiction\":\"EU\",\"type\":\"import\",\"transaction_type\":\"B2C\",\"gift\":false,"
    "\"transport\":{\"mode\":\"air\",\"document_id\":\"176-12345675\",\"master_id\":\"176-99887760\","
    "\"loading_place\":\"CNSZX\",\"arrival_place\":\"BEBRU\"},"
    "\"order\":{\"id\":\"ORD-1\",\"date\":\"2026-11-20T13:02:11Z\",\"platform\":{\"id\":\"MKT-7\"},"
    "\"total\":{\"amount\":\"%s\",\"currency\":\"EUR\"}},"
    "\"payment\":{\"id\":\"PAY-1\",\"amount\":{\"amount\":\"%s\",\"currency\":\"EUR\"}},"
    "\"seller\":{\"id\":\"S-1\",\"name\":\"Example Trading\",\"address\":{\"country\":\"CN\"}},"
    "\"buyer\":{\"id\":\"B-1\",\"name\":\"Anna Schmidt\",\"address\":{\"line\":\"Hauptstrasse 5\","
    "\"city\":\"Berlin\",\"postcode\":\"10115\",\"country\":\"DE\"}},"
    "\"items\":[%s],\"gross_weight_g\":%s,\"packages\":1,"
    "\"collection\":{\"model\":\"vendor\",\"scheme_number\":\"IM2760000001\"}}\n";

static void put_items(bw_buf *b, unsigned n, const char *hs)
{
    for (unsigned i = 0; i < n; i++)
        bw_buf_printf(b,
                      "%s{\"description\":\"Item %u\",\"hs_code\":\"%s\",\"quantity\":1,\"unit\":\"pcs\","
                      "\"net_weight_g\":10,\"value\":{\"amount\":\"1.00\",\"currency\":\"EUR\"},"
                      "\"origin\":\"CN\"}",
                      i ? "," : "", i, hs);
}

static void write_file(const char *name, const char *ext, const char *p, size_t n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.%s", g_tmp, name, ext);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void remove_generated(const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.json", g_tmp, name);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s.expect", g_tmp, name);
    unlink(path);
}

static void run_generated(const char *name, bw_buf *json, const char *expect)
{
    write_file(name, "json", json->p, json->n);
    write_file(name, "expect", expect, strlen(expect));
    int st = run_case_in_child(g_tmp, name);
    remove_generated(name);
    assert_case_passed(g_tmp, name, st);
}

/* 10,000 valid items in one declaration: over the limit of 1,000 per
 * declaration, so one items.too_many error; the first 1,000 are kept. */
static void test_generated_10000_items(void **state)
{
    bw_buf items = {0}, json = {0};
    put_items(&items, 10000, "610910");
    bw_buf_printf(&json, DECL_FMT, "GEN-10000", "10000.00", "10000.00", bw_buf_cstr(&items),
                  "200000");
    assert_true(json.n > (1u << 20)); /* larger than one read block of the reader */
    run_generated("items_10000", &json,
                  "records 1\nrecord 1 rejected\nerror 1 items.too_many items\nitems 1 1000\n");
    bw_buf_free(&items);
    bw_buf_free(&json);
}

/* 10,000 items that are all wrong: every kept item is reported, the list
 * stops at BW_ISSUES_MAX while the count goes on. */
static void test_generated_10000_bad_items(void **state)
{
    bw_buf items = {0}, json = {0};
    put_items(&items, 10000, "000000");
    bw_buf_printf(&json, DECL_FMT, "GEN-10000-BAD", "10000.00", "10000.00", bw_buf_cstr(&items),
                  "200000");
    run_generated("items_10000_bad", &json,
                  "records 1\nrecord 1 rejected\nerror 1 hs.unknown items[0].hs_code\n"
                  "error 1 hs.unknown items[100].hs_code\nerrors 1 1001\nitems 1 1000\n");
    bw_buf_free(&items);
    bw_buf_free(&json);
}

/* 3,000 NDJSON records (about 4.5 MB): records straddle the reader's block
 * boundaries and must all come through whole. */
static void test_generated_ndjson_stream(void **state)
{
    enum { N = 3000 };
    bw_buf items = {0}, json = {0}, expect = {0};
    put_items(&items, 2, "610910");
    bw_buf_printf(&expect, "records %d\n", N);
    for (int i = 1; i <= N; i++) {
        char id[32];
        snprintf(id, sizeof id, "GEN-STREAM-%05d", i);
        bw_buf_printf(&json, DECL_FMT, id, "2.00", "2.00", bw_buf_cstr(&items), "30");
        bw_buf_printf(&expect, "record %d accepted\n", i);
    }
    assert_true(json.n > 3 * (1u << 20)); /* several read blocks */
    run_generated("ndjson_stream", &json, bw_buf_cstr(&expect));
    bw_buf_free(&items);
    bw_buf_free(&json);
    bw_buf_free(&expect);
}

/* A record over the 8 MiB limit is reported as record.too_large and the
 * reader goes on with the next line. */
static void test_generated_record_too_large(void **state)
{
    bw_buf items = {0}, json = {0};
    put_items(&items, 1, "610910");
    bw_buf_printf(&json, DECL_FMT, "GEN-BIG", "1.00", "1.00", bw_buf_cstr(&items), "20");
    json.n -= 2; /* drop "}\n" and add a 9 MiB unknown field */
    bw_buf_puts(&json, ",\"x\":\"");
    size_t big = 9u << 20;
    bw_buf_reserve(&json, big);
    memset(json.p + json.n, 'a', big);
    json.n += big;
    bw_buf_puts(&json, "\"}\n");
    bw_buf_printf(&json, DECL_FMT, "GEN-AFTER-BIG", "1.00", "1.00", bw_buf_cstr(&items), "20");
    run_generated("record_too_large", &json,
                  "records 2\nrecord 1 rejected\nerror 1 record.too_large -\nrecord 2 accepted\n");
    bw_buf_free(&items);
    bw_buf_free(&json);
}

/* ---- the real binary ------------------------------------------------------------------------- */

/* Runs `$BW validate --as-of AS_OF path` quietly; its exit status, or -1. */
static int run_validate(const char *bw, const char *path)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execl(bw, bw, "validate", "--as-of", AS_OF, path, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_binary_exit_status(void **state)
{
    const char *bw = getenv("BW");
    if (!bw || access(bw, X_OK) != 0) {
        print_message("BW is not set to the breakwater binary: skipped\n");
        skip();
    }
    static const struct {
        const char *file;
        int status;
    } cases[] = {
        {"good_eu.json", 0},
        {"good_eu_us_cn.json", 0},
        {"truncated_mid_string.json", 1},
        {"code_hs_malformed.json", 1},
        {"ndjson_middle_broken.json", 1},
        {"array_broken_element.json", 1},
        {"no-such-file.json", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", g_corpus, cases[i].file);
        int got = run_validate(bw, path);
        if (got != cases[i].status)
            fail_msg("%s validate %s: exit status %d, expected %d", bw, cases[i].file, got,
                     cases[i].status);
    }
}

/* ---- setup ------------------------------------------------------------------------------------- */

static int setup(void **state)
{
    const char *refdir = bw_default_refdir(NULL);
    if (!refdir) {
        fprintf(stderr, "BREAKWATER_REFDATA must name the external reference data (../shared/data)\n");
        return -1;
    }
    char err[1024];
    g_rd = bw_refdata_load(bw_default_datadir(NULL), refdir, err, sizeof err);
    if (!g_rd) {
        fprintf(stderr, "reference data: %s\n", err);
        return -1;
    }
    if (!bw_time_parse(AS_OF, strlen(AS_OF), &g_as_of))
        return -1;
    const char *base = getenv("BW_TMP");
    snprintf(g_tmp, sizeof g_tmp, "%s/test_corpus.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_tmp)) {
        fprintf(stderr, "%s: %s\n", g_tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    bw_refdata_free(g_rd);
    g_rd = NULL;
    if (rmdir(g_tmp) != 0) /* every case removes its own files */
        fprintf(stderr, "%s: %s\n", g_tmp, strerror(errno));
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && !strcmp(s + n - m, suf);
}

/* The corpus cases: names of NAME.json files.  A .json without its .expect
 * or the reverse is an error, so no case is silently left out. */
static char **list_cases(size_t *n)
{
    struct dirent **ents;
    int count = scandir(g_corpus, &ents, NULL, by_name);
    if (count < 0) {
        fprintf(stderr, "%s: %s\n", g_corpus, strerror(errno));
        return NULL;
    }
    char **names = calloc((size_t)count + 1, sizeof *names);
    bool ok = true;
    *n = 0;
    for (int i = 0; i < count; i++) {
        const char *f = ents[i]->d_name;
        bool json = has_suffix(f, ".json"), exp = has_suffix(f, ".expect");
        if (json || exp) {
            char other[4200];
            size_t stem = strlen(f) - (json ? 5 : 7);
            snprintf(other, sizeof other, "%s/%.*s%s", g_corpus, (int)stem, f, json ? ".expect" : ".json");
            if (access(other, R_OK) != 0) {
                fprintf(stderr, "%s/%s has no %s\n", g_corpus, f, json ? ".expect" : ".json");
                ok = false;
            } else if (json) {
                names[(*n)++] = strndup(f, stem);
            }
        } else if (f[0] != '.') {
            fprintf(stderr, "%s/%s: the corpus holds only NAME.json and NAME.expect\n", g_corpus, f);
            ok = false;
        }
        free(ents[i]);
    }
    free(ents);
    if (!ok || *n == 0) {
        for (size_t i = 0; i < *n; i++)
            free(names[i]);
        free(names);
        return NULL;
    }
    return names;
}

int main(void)
{
    /* the corpus directory is needed before cmocka's setup to name the tests */
    const char *top = getenv("BW_TOP");
    snprintf(g_corpus, sizeof g_corpus, "%s/tests/corpus", top && *top ? top : ".");
    size_t n = 0;
    char **names = list_cases(&n);
    if (!names)
        return 1;
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_generated_10000_items),
        cmocka_unit_test(test_generated_10000_bad_items),
        cmocka_unit_test(test_generated_ndjson_stream),
        cmocka_unit_test(test_generated_record_too_large),
        cmocka_unit_test(test_binary_exit_status),
    };
    size_t n_fixed = sizeof fixed / sizeof fixed[0];
    struct CMUnitTest *tests = calloc(n + n_fixed, sizeof *tests);
    for (size_t i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest){names[i], test_corpus_case, NULL, NULL, names[i]};
    memcpy(tests + n, fixed, sizeof fixed);
    int failed = _cmocka_run_group_tests("corpus", tests, n + n_fixed, setup, teardown);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(tests);
    return failed;
}
