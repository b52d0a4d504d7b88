/*
 * cmd_records.c - `breakwater records add|show`: order, payment and
 * logistics records sent apart from declarations (the CN three-document
 * comparison; src/risk/records.h), the command-line twin of
 * POST /v1/records/{kind} and GET /v1/records/{kind}/{key}.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../risk/records.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater records add --kind order|payment|logistics [OPTIONS] FILE|-\n"
    "       breakwater records show --kind order|payment|logistics [OPTIONS] KEY\n\n"
    "add stores records, one JSON object per line (NDJSON; the body of\n"
    "POST /v1/records/{kind}), and compares again the stored declarations each one\n"
    "concerns: amounts, the buyer's identity and item counts that disagree are hits,\n"
    "and where the jurisdiction requires all records before release, a declaration\n"
    "waits in the yellow lane until they are there (docs/records.md).  A record is\n"
    "keyed by kind, key and submitter: the same again is a duplicate, other content\n"
    "a conflict (the original stands).  Prints one JSON outcome per record.\n\n"
    "show prints the records of a kind and key (order id, payment id or transport\n"
    "document), every submitter's unless --submitter is given.\n\n"
    "options:\n"
    "  --db PATH          the SQLite database (default: breakwater.db)\n"
    "  --kind KIND        order, payment or logistics\n"
    "  --submitter ID     who sent the records (add; default: customs), or whose to show\n"
    "  --data DIR         breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR      external reference data (default: $BREAKWATER_REFDATA)\n"
    "  --help             this text\n\n"
    "exit status: add: 0 all stored or duplicates, 1 some rejected or in conflict,\n"
    "2 usage, I/O or store error; show: 0 found, 1 none, 2 usage or store error\n";

enum { BATCH = 1000, LINE_MAX_BYTES = 1 << 20 };

typedef struct opts {
    cli_common c;
    const char *kind_name, *submitter;
    bw_record_kind kind;
} opts;

/* Parses the options after the subcommand; the index of the first
 * argument, or -1 after printing the error. */
static int parse_opts(int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {
        CLI_STORE_OPTIONS,
        {"kind", required_argument, 0, 'k'}, {"submitter", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_store_option(&o->c, c))
            continue;
        switch (c) {
        case 'k': o->kind_name = optarg; break;
        case 's': o->submitter = optarg; break;
        case 'h': fputs(HELP, stdout); return -2;
        default: cli_usage_error("records", "unknown option"); return -1;
        }
    }
    if (!o->kind_name || !bw_record_kind_parse(o->kind_name, &o->kind)) {
        cli_usage_error("records", "--kind: order, payment or logistics");
        return -1;
    }
    if (o->submitter && (!*o->submitter || strlen(o->submitter) > 70)) {
        cli_usage_error("records", "--submitter: 1 to 70 characters");
        return -1;
    }
    if (optind != argc - 1) {
        cli_usage_error("records", "name one %s", argv[0][0] == 'a' ? "input FILE, or - for standard input" : "KEY");
        return -1;
    }
    return optind;
}

/* ---- add ---------------------------------------------------------------------------- */

typedef struct line_result {
    uint64_t line;
    int64_t doc;           /* index in docs, -1 rejected */
    const char *errors;    /* JSON array, rejected */
} line_result;

typedef struct batch {
    bw_arena arena;
    bw_record_doc *docs;
    bw_record_added *added;
    size_t n_docs;
    line_result *lines;
    size_t n_lines;
} batch;

typedef struct counts {
    uint64_t stored, duplicates, conflicts, rejected;
} counts;

static void put_line(const batch *b, const line_result *l, const char *kind, counts *c, bw_buf *out)
{
    bw_buf_printf(out, "{\"line\":%llu,\"kind\":\"%s\"", (unsigned long long)l->line, kind);
    if (l->doc < 0) {
        bw_buf_printf(out, ",\"outcome\":\"rejected\",\"errors\":%s}\n", l->errors);
        c->rejected++;
        return;
    }
    const bw_record_doc *d = &b->docs[l->doc];
    const bw_record_added *a = &b->added[l->doc];
    static const char *const outcome[] = {"stored", "duplicate", "conflict"};
    bw_buf_puts(out, ",\"key\":");
    bw_buf_put_json_str(out, d->key, strlen(d->key));
    bw_buf_puts(out, ",\"submitter\":");
    bw_buf_put_json_str(out, d->submitter, strlen(d->submitter));
    bw_buf_printf(out, ",\"outcome\":\"%s\",\"compared\":%u,\"lanes_changed\":%u}\n", outcome[a->outcome], a->compared,
                  a->lanes_changed);
    c->stored += a->outcome == BW_RECORD_STORED;
    c->duplicates += a->outcome == BW_RECORD_DUPLICATE;
    c->conflicts += a->outcome == BW_RECORD_CONFLICT;
}

/* Stores the batch's records in one transaction, then prints every
 * line's outcome in input order; false on a store error. */
static bool flush(bw_store *s, const bw_records_env *env, batch *b, const char *kind, counts *c)
{
    if (b->n_docs && !bw_records_add(s, env, b->docs, b->n_docs, b->added)) {
        fprintf(stderr, "breakwater records: %s; the last %zu records were not stored\n", bw_store_error(s), b->n_docs);
        return false;
    }
    bw_buf out = {0};
    for (size_t i = 0; i < b->n_lines; i++)
        put_line(b, &b->lines[i], kind, c, &out);
    fwrite(out.p, 1, out.n, stdout);
    bw_buf_free(&out);
    b->n_docs = b->n_lines = 0;
    bw_arena_reset(&b->arena);
    return true;
}

static void add_line(batch *b, const opts *o, const char *text, size_t n, uint64_t lineno)
{
    line_result *l = &b->lines[b->n_lines++];
    *l = (line_result){lineno, -1, NULL};
    bw_issues iss;
    bw_issues_init(&iss, &b->arena);
    bw_record_doc *d = &b->docs[b->n_docs];
    if (n > LINE_MAX_BYTES)
        bw_issue_add(&iss, BW_ERROR, "record.too_large", "", "a record is at most %d bytes", LINE_MAX_BYTES);
    else if (bw_record_parse(o->kind, text, n, &b->arena, d, &iss)) {
        d->submitter = o->submitter;
        l->doc = (int64_t)b->n_docs++;
        return;
    }
    bw_buf e = {0};
    bw_issues_json(&iss, BW_ERROR, &e);
    l->errors = bw_arena_strdup(&b->arena, e.p, e.n);
    bw_buf_free(&e);
}

static int add_all(FILE *in, bw_store *s, const bw_records_env *env, const opts *o)
{
    batch b = {.docs = calloc(BATCH, sizeof *b.docs), .added = calloc(BATCH, sizeof *b.added),
               .lines = calloc(BATCH, sizeof *b.lines)};
    bw_arena_init(&b.arena);
    counts c = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    bool ok = true;
    while (ok && (n = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)n)
            continue;
        add_line(&b, o, line, (size_t)n, lineno);
        if (b.n_lines == BATCH)
            ok = flush(s, env, &b, o->kind_name, &c);
    }
    ok = ok && flush(s, env, &b, o->kind_name, &c);
    fprintf(stderr, "records: %llu stored, %llu duplicates, %llu conflicts, %llu rejected\n",
            (unsigned long long)c.stored, (unsigned long long)c.duplicates, (unsigned long long)c.conflicts,
            (unsigned long long)c.rejected);
    free(line);
    free(b.docs);
    free(b.added);
    free(b.lines);
    bw_arena_free(&b.arena);
    return !ok ? EXIT_USAGE : c.rejected || c.conflicts ? EXIT_REJECTED : EXIT_OK;
}

static int cmd_add(int argc, char **argv)
{
    opts o = {.c = {.db = "breakwater.db"}, .submitter = "customs"};
    int first = parse_opts(argc, argv, &o);
    if (first < 0)
        return first == -2 ? EXIT_OK : EXIT_USAGE;
    char err[1024], actor[96];
    bw_refdata *rd = cli_load_refdata("records", &o.c);
    bw_lanes *lanes = rd ? bw_lanes_load(bw_default_datadir(o.c.datadir), err, sizeof err) : NULL;
    if (rd && !lanes)
        fprintf(stderr, "breakwater records: risk policy: %s\n", err);
    int fd = lanes ? cli_open_input("records", argv[first]) : -1;
    bw_store *s = fd >= 0 ? bw_store_open(o.c.db, err, sizeof err) : NULL;
    if (fd >= 0 && !s)
        fprintf(stderr, "breakwater records: %s\n", err);
    int rc = EXIT_USAGE;
    if (s) {
        snprintf(actor, sizeof actor, "cli:%s", o.submitter);
        bw_records_env env = {.rd = rd, .lanes = lanes, .actor = actor};
        FILE *in = fdopen(fd, "r");
        rc = add_all(in, s, &env, &o);
        fclose(in);
    } else if (fd >= 0) {
        close(fd);
    }
    bw_store_close(s);
    bw_lanes_free(lanes);
    bw_refdata_free(rd);
    return rc;
}

/* ---- show ----------------------------------------------------------------------------- */

static int cmd_show_records(int argc, char **argv)
{
    opts o = {.c = {.db = "breakwater.db"}};
    int first = parse_opts(argc, argv, &o);
    if (first < 0)
        return first == -2 ? EXIT_OK : EXIT_USAGE;
    char err[1024];
    bw_store *s = bw_store_open(o.c.db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater records: %s\n", err);
        return EXIT_USAGE;
    }
    bw_buf out = {0};
    int n = bw_records_view(s, o.kind, argv[first], o.submitter, &out);
    if (n < 0)
        fprintf(stderr, "breakwater records: %s\n", bw_store_error(s));
    else if (n == 0)
        fprintf(stderr, "breakwater records: no %s record with key \"%s\"\n", o.kind_name, argv[first]);
    else
        printf("%.*s\n", (int)out.n, out.p);
    bw_buf_free(&out);
    bw_store_close(s);
    return n < 0 ? EXIT_USAGE : n == 0 ? EXIT_REJECTED : EXIT_OK;
}

int cmd_records(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "add"))
        return cmd_add(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return cmd_show_records(argc - 1, argv + 1);
    return cli_usage_error("records", "unknown subcommand \"%s\": add or show", argv[1]);
}
