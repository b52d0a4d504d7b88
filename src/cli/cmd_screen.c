/*
 * cmd_screen.c - `breakwater screen`: goods descriptions, one per line,
 * against the prohibited and restricted goods list (src/risk/screen.h), for
 * analysts trying a list change on real descriptions and for the benchmark.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../risk/screen.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater screen [--data DIR] [--jurisdiction J] [--as-of TIME]\n"
    "                         [--terms-out FILE] [FILE|-]\n\n"
    "Screens goods descriptions, one per line (default: standard input), against\n"
    "the prohibited and restricted goods list: every .tsv of DIR/screening plus\n"
    "the files named in $BREAKWATER_SCREENING (paths separated by ':'); the format\n"
    "is data/screening/README.md.  For each line with a hit, one line per entry:\n\n"
    "    LINE<TAB>ENTRY ID<TAB>TERM\n\n"
    "and a count on standard error.\n\n"
    "  --data DIR         breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --jurisdiction J   only entries for J (default: every entry)\n"
    "  --as-of TIME       only entries in force then (default: now)\n"
    "  --terms-out FILE   write the normalized text terms, one per line (for grep -F -f);\n"
    "                     without FILE, only that is done\n\n"
    "exit status: 0 ok, 2 usage, list or I/O error\n";

typedef struct screen_out {
    bw_buf buf;
    unsigned long long line, hits;
} screen_out;

static void flush_out(screen_out *o)
{
    fwrite(o->buf.p, 1, o->buf.n, stdout);
    o->buf.n = 0;
}

static bool print_hit(const bw_screen_match *m, void *ctx)
{
    screen_out *o = ctx;
    bw_buf_put_i64(&o->buf, (int64_t)o->line);
    bw_buf_putc(&o->buf, '\t');
    bw_buf_puts(&o->buf, m->entry->id);
    bw_buf_putc(&o->buf, '\t');
    bw_buf_puts(&o->buf, m->entry->pattern);
    bw_buf_putc(&o->buf, '\n');
    o->hits++;
    if (o->buf.n > (1u << 16))
        flush_out(o);
    return true;
}

static int write_terms(const bw_screen *s, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "breakwater screen: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < bw_screen_count(s); i++) {
        const bw_screen_entry *e = bw_screen_entry_at(s, i);
        if (!e->hs)
            fprintf(f, "%s\n", e->term);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "breakwater screen: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int screen_lines(const bw_screen *s, FILE *in, const bw_screen_scope *scope)
{
    screen_out o = {0};
    unsigned long long with_hits = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = EXIT_OK;
    while ((n = getline(&line, &cap, in)) >= 0) {
        o.line++;
        unsigned long long before = o.hits;
        if (bw_screen_text(s, line, (size_t)n, scope, print_hit, &o) < 0) {
            fprintf(stderr, "breakwater screen: line %llu: out of memory\n", o.line);
            rc = EXIT_USAGE;
            break;
        }
        with_hits += o.hits > before;
    }
    if (ferror(in)) {
        fprintf(stderr, "breakwater screen: read error after line %llu\n", o.line);
        rc = EXIT_USAGE;
    }
    flush_out(&o);
    fprintf(stderr, "screen: %llu lines, %llu with hits, %llu hits (%zu list entries)\n", o.line, with_hits, o.hits,
            bw_screen_count(s));
    free(line);
    bw_buf_free(&o.buf);
    return rc;
}

int cmd_screen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},      {"jurisdiction", required_argument, 0, 'j'},
        {"as-of", required_argument, 0, 't'},     {"terms-out", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0},
    };
    cli_common c = {0};
    const char *terms_out = NULL;
    bw_screen_scope scope = {BW_STR_NULL, 0, false};
    int o;
    opterr = 0; /* our own message, in the house style */
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'd': c.datadir = optarg; break;
        case 'j': scope.jurisdiction = (bw_str){optarg, (uint32_t)strlen(optarg)}; break;
        case 't':
            if (!cli_parse_as_of("screen", optarg, &c))
                return EXIT_USAGE;
            break;
        case 'o': terms_out = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("screen", "unknown option");
        }
    }
    if (argc - optind > 1)
        return cli_usage_error("screen", "name at most one input FILE, or - for standard input");
    scope.when = c.as_of ? c.as_of : bw_time_now();
    char err[1024];
    bw_screen *s = bw_screen_load(bw_default_datadir(c.datadir), getenv("BREAKWATER_SCREENING"), err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater screen: %s\n", err);
        return EXIT_USAGE;
    }
    int rc = terms_out ? write_terms(s, terms_out) : EXIT_OK;
    if (rc == EXIT_OK && (!terms_out || optind < argc)) {
        const char *path = optind < argc ? argv[optind] : "-";
        FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
        if (!in) {
            fprintf(stderr, "breakwater screen: %s: %s\n", path, strerror(errno));
            rc = EXIT_USAGE;
        } else {
            rc = screen_lines(s, in, &scope);
            if (in != stdin)
                fclose(in);
        }
    }
    bw_screen_free(s);
    return rc;
}
