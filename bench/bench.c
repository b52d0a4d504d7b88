/*
 * bench.c - the figures of docs/PERFORMANCE.md, each beside its ceiling
 * measured in the same run (the machines are shared and noisy: only ratios
 * within one run mean much).
 *
 *   bench scan FILE           plain byte scan of the input (memory ceiling)
 *   bench jsonc FILE          json-c parse-only of every line (library reference)
 *   bench decode FILE         our decoder + validation + IRG category, one core
 *   bench rawinsert FILE DB   plain SQLite inserts of the same rows (store ceiling)
 *   bench assess FILE         revenue assessments in memory, one core (records
 *                             decoded and validated beforehand, not timed)
 *   bench risk FILE           risk assessments (every detector and the lane), one
 *                             core, on the lists of $BREAKWATER_DATA and the
 *                             extra lists named in the environment; each record
 *                             decoded and assessed for revenue first, untimed
 *   bench run CMD ARGS...     runs a command, prints its wall time and peak RSS
 *
 * Each prints "NAME records seconds records_per_second".  Ingest itself is
 * timed by bench/run.sh around the real `breakwater ingest` command.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <xxhash.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/json_encode.h"
#include "pipeline/pipeline.h"
#include "revenue/revenue.h"
#include "risk/engine.h"
#include "store/body_codec.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *name, unsigned long long n, double s)
{
    printf("%s %llu %.3f %.0f\n", name, n, s, s > 0 ? n / s : 0);
}

static const char *map_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        perror(path);
        exit(2);
    }
    *len = (size_t)sb.st_size;
    const char *p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    return p;
}

/* Reads every byte (summed a word at a time) and counts the lines with
 * memchr: what any decoder must at least do, as fast as the memory goes. */
static void bench_scan(const char *path)
{
    size_t len;
    const char *p = map_file(path, &len);
    double t0 = now_s();
    uint64_t sum = 0;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        sum += w;
    }
    unsigned long long lines = 0;
    for (const char *q = p, *end = p + len; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        lines++;
    double el = now_s() - t0;
    fprintf(stderr, "(checksum %llu)\n", (unsigned long long)sum);
    report("scan", lines, el);
}

static void bench_jsonc(const char *path)
{
    size_t len;
    const char *p = map_file(path, &len), *end = p + len;
    json_tokener *tok = json_tokener_new();
    double t0 = now_s();
    unsigned long long n = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, p, (int)l);
        if (!o) {
            fprintf(stderr, "json-c failed on record %llu\n", n + 1);
            exit(2);
        }
        json_object_put(o);
        n++;
        p += l + 1;
    }
    double el = now_s() - t0;
    json_tokener_free(tok);
    report("jsonc_parse", n, el);
}

static bw_refdata *load_refdata(void)
{
    char err[1024];
    bw_refdata *rd = bw_refdata_load(bw_default_datadir(NULL), bw_default_refdir(NULL), err, sizeof err);
    if (!rd) {
        fprintf(stderr, "bench: %s\n", err);
        exit(2);
    }
    return rd;
}

static void bench_decode(const char *path)
{
    bw_refdata *rd = load_refdata();
    int fd = open(path, O_RDONLY);
    bw_reader *r = bw_reader_new(fd, NULL);
    bw_pipeline pipe = {.rd = rd, .as_of = bw_time_now()};
    bw_record rec;
    bw_record_init(&rec);
    unsigned long long n = 0, rejected = 0;
    double t0 = now_s();
    while (bw_reader_next(r, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&pipe, &rec, &oc);
        rejected += oc.status == BW_STATUS_REJECTED;
        n++;
    }
    double el = now_s() - t0;
    fprintf(stderr, "(rejected %llu)\n", rejected);
    report("decode_validate", n, el);
    bw_record_free(&rec);
    bw_reader_free(r);
    close(fd);
    bw_refdata_free(rd);
}

/* The store ceiling: the same rows (canonical bodies built and compressed
 * as the store does, beforehand, not timed) inserted with plain prepared
 * statements into a table of the same shape, same pragmas, same batch size.
 * SQL outside src/store/ on purpose: this measures SQLite itself, not our
 * store. */
static void bench_rawinsert(const char *path, const char *db_path)
{
    bw_refdata *rd = load_refdata();
    int fd = open(path, O_RDONLY);
    bw_reader *r = bw_reader_new(fd, NULL);
    bw_pipeline pipe = {.rd = rd, .as_of = bw_time_now()};
    bw_record rec;
    bw_record_init(&rec);
    size_t cap = 1 << 20, n = 0;
    struct row { char *sub, *id, *body; uint32_t lsub, lid, lbody; uint8_t hash[16]; } *rows =
        malloc(cap * sizeof *rows);
    bw_buf body = {0}, packed = {0};
    bw_body_codec *codec = bw_body_codec_new();
    bw_body_packer *packer = bw_body_packer_new(codec);
    int64_t dict;
    while (bw_reader_next(r, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&pipe, &rec, &oc);
        if (!rec.decodable || !rec.decl.submitter.id.p || !rec.decl.declaration_id.p)
            continue;
        if (n == cap)
            rows = realloc(rows, (cap *= 2) * sizeof *rows);
        body.n = 0;
        bw_encode_declaration(&rec.decl, &body);
        struct row *w = &rows[n++];
        w->sub = strndup(rec.decl.submitter.id.p, rec.decl.submitter.id.n);
        w->lsub = rec.decl.submitter.id.n;
        w->id = strndup(rec.decl.declaration_id.p, rec.decl.declaration_id.n);
        w->lid = rec.decl.declaration_id.n;
        XXH128_canonicalFromHash((XXH128_canonical_t *)w->hash, XXH3_128bits(body.p, body.n));
        bw_body_pack(packer, body.p, body.n, &packed, &dict);
        w->body = malloc(packed.n);
        memcpy(w->body, packed.p, packed.n);
        w->lbody = (uint32_t)packed.n;
    }
    sqlite3 *db;
    unlink(db_path);
    sqlite3_open(db_path, &db);
    sqlite3_exec(db,
                 "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
                 "CREATE TABLE d(id INTEGER PRIMARY KEY, submitter TEXT NOT NULL, declaration_id TEXT NOT NULL,"
                 " jurisdiction TEXT, type TEXT, status TEXT NOT NULL, category INTEGER, value_minor INTEGER,"
                 " currency TEXT, received_at INTEGER NOT NULL, content_hash BLOB NOT NULL, body BLOB NOT NULL,"
                 " body_dict INTEGER NOT NULL,"
                 " errors TEXT NOT NULL, warnings TEXT NOT NULL, UNIQUE(submitter, declaration_id));",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT INTO d(submitter, declaration_id, jurisdiction, type, status, category,"
                       " value_minor, currency, received_at, content_hash, body, errors, warnings, body_dict)"
                       " VALUES(?1,?2,'EU','import','accepted',2,1000,'EUR',?3,?4,?5,'[]','[]',1)",
                       -1, &st, NULL);
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        if (i % 5000 == 0)
            sqlite3_exec(db, i ? "COMMIT; BEGIN" : "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_text(st, 1, rows[i].sub, (int)rows[i].lsub, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rows[i].id, (int)rows[i].lid, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, 1764000000);
        sqlite3_bind_blob(st, 4, rows[i].hash, 16, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, rows[i].body, (int)rows[i].lbody, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "raw insert failed: %s\n", sqlite3_errmsg(db));
            exit(2);
        }
        sqlite3_reset(st);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double el = now_s() - t0;
    report("raw_sqlite_insert", n, el);
    sqlite3_finalize(st);
    sqlite3_close(db);
    for (size_t i = 0; i < n; i++) {
        free(rows[i].sub);
        free(rows[i].id);
        free(rows[i].body);
    }
    free(rows);
    bw_buf_free(&body);
    bw_buf_free(&packed);
    bw_body_packer_free(packer);
    bw_body_codec_free(codec);
    bw_record_free(&rec);
    bw_reader_free(r);
    close(fd);
    bw_refdata_free(rd);
}

/* The revenue engine alone: every accepted record of the first 200,000 is
 * decoded, validated and kept (with its own arena), then assessed again and
 * again for about two seconds. */
static void bench_assess(const char *path)
{
    bw_refdata *rd = load_refdata();
    size_t len;
    const char *text = map_file(path, &len); /* stays put: decoded strings point into it */
    bw_reader *r = bw_reader_new_mem(text, len, NULL);
    bw_pipeline pipe = {.rd = rd, .as_of = bw_time_now()};
    enum { MAX = 4096 }; /* distinct records, assessed round and round */
    bw_record *recs = calloc(MAX + 1, sizeof *recs);
    bw_outcome *ocs = calloc(MAX + 1, sizeof *ocs);
    size_t n = 0;
    bw_record_init(&recs[0]);
    while (n < MAX && bw_reader_next(r, &recs[n]) == 1) {
        bw_pipeline_run(&pipe, &recs[n], &ocs[n]);
        if (ocs[n].status == BW_STATUS_ACCEPTED)
            bw_record_init(&recs[++n]);
        else
            bw_record_free(&recs[n]), bw_record_init(&recs[n]);
    }
    bw_arena scratch;
    bw_arena_init(&scratch);
    unsigned long long done = 0, computed = 0;
    double t0 = now_s(), el = 0;
    while ((el = now_s() - t0) < 2.0) {
        for (size_t i = 0; i < n; i++) {
            bw_revenue rev;
            computed += bw_assess_revenue(rd, &recs[i].decl, &ocs[i], &scratch, &rev);
            bw_arena_reset(&scratch);
        }
        done += n;
    }
    fprintf(stderr, "(%llu of %llu assessments computed)\n", computed, done);
    report("revenue_assess", done, el);
    bw_arena_free(&scratch);
    for (size_t i = 0; i <= n && i <= MAX; i++)
        bw_record_free(&recs[i]);
    free(recs);
    free(ocs);
    bw_reader_free(r);
    bw_refdata_free(rd);
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The risk engine alone, as production runs it: each accepted record in
 * file order goes through bw_risk_assess once (learning as it goes);
 * only that call is timed, on this thread's CPU clock. */
static void bench_risk(const char *path)
{
    bw_refdata *rd = load_refdata();
    char err[1024];
    const char *datadir = bw_default_datadir(NULL);
    bw_risk_lists *lists = bw_risk_lists_load(datadir, err, sizeof err);
    bw_risk_engine *e = lists ? bw_risk_engine_new(lists, datadir, err, sizeof err) : NULL;
    if (!e) {
        fprintf(stderr, "bench risk: %s\n", err);
        exit(2);
    }
    size_t len;
    const char *text = map_file(path, &len);
    bw_reader *r = bw_reader_new_mem(text, len, NULL);
    bw_pipeline pipe = {.rd = rd, .as_of = bw_time_now()};
    bw_record rec;
    bw_record_init(&rec);
    unsigned long long done = 0, hits = 0, outside = 0;
    double spent = 0;
    while (bw_reader_next(r, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&pipe, &rec, &oc);
        if (oc.status != BW_STATUS_ACCEPTED)
            continue;
        bw_risk_result res;
        double t0 = thread_cpu_s();
        bw_risk_assess(e, rd, &rec.decl, &oc, &rec.issues, &rec.arena, &res);
        spent += thread_cpu_s() - t0;
        done++;
        hits += res.n_hits;
        outside += res.lane != BW_LANE_GREEN;
    }
    fprintf(stderr, "(%.2f hits per declaration, %.1f%% outside green)\n", done ? (double)hits / done : 0,
            done ? 100.0 * outside / done : 0);
    report("risk_assess", done, spent);
    bw_record_free(&rec);
    bw_reader_free(r);
    bw_risk_engine_free(e);
    bw_refdata_free(rd);
}

/* Runs argv as a child; prints "run SECONDS MAXRSS_KIB EXIT". */
static int bench_run(char **argv)
{
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
        perror("bench run");
        return 2;
    }
    printf("run %.3f %ld %d\n", now_s() - t0, ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "run"))
        return bench_run(argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "scan"))
        bench_scan(argv[2]);
    else if (argc >= 3 && !strcmp(argv[1], "jsonc"))
        bench_jsonc(argv[2]);
    else if (argc >= 3 && !strcmp(argv[1], "decode"))
        bench_decode(argv[2]);
    else if (argc >= 3 && !strcmp(argv[1], "assess"))
        bench_assess(argv[2]);
    else if (argc >= 3 && !strcmp(argv[1], "risk"))
        bench_risk(argv[2]);
    else if (argc >= 4 && !strcmp(argv[1], "rawinsert"))
        bench_rawinsert(argv[2], argv[3]);
    else {
        fprintf(stderr, "usage: bench scan|jsonc|decode FILE | bench rawinsert FILE DB\n");
        return 2;
    }
    return 0;
}
