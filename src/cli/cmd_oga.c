/*
 * cmd_oga.c - other government agencies on the command line, the same
 * store calls as the API (src/http/oga.c):
 *
 *   breakwater agency interest add [--db PATH] --agency A [--actor NAME] FILE|-
 *   breakwater agency interests [--db PATH] [--agency A]
 *   breakwater agency queue [--db PATH] --agency A [--limit N]
 *   breakwater agency show [--db PATH] --agency A SUBMITTER ID
 *   breakwater agency hold|release [--db PATH] --agency A [--note TEXT] SUBMITTER ID
 *
 * Output is JSON (one object, or NDJSON for lists).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/store_oga.h"
#include "../view/oga_view.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater agency interest add [--db PATH] --agency A [--actor NAME] FILE|-\n"
    "       breakwater agency interests [--db PATH] [--agency A]\n"
    "       breakwater agency queue [--db PATH] --agency A [--limit N]\n"
    "       breakwater agency show [--db PATH] --agency A SUBMITTER ID\n"
    "       breakwater agency hold|release [--db PATH] --agency A [--note TEXT] SUBMITTER ID\n\n"
    "Other government agencies at the single window (docs/lifecycle.md): an\n"
    "interest (JSON: id, hs_prefixes, keywords, origins, valid_from, valid_to,\n"
    "note) queues the declarations it matches for the agency; the agency holds\n"
    "and releases its own holds; customs release waits for every agency.\n"
    "Exit 0 done, 1 refused or not found, 2 usage or store error.\n";

typedef struct opts {
    const char *db, *agency, *actor, *note;
    int limit;
} opts;

static void print_line(bw_buf *b)
{
    bw_buf_putc(b, '\n');
    fwrite(b->p, 1, b->n, stdout);
    b->n = 0;
}

static bool slurp(int fd, bw_buf *b)
{
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0 && b->n < (1u << 20))
        bw_buf_put(b, chunk, (size_t)n);
    return n == 0;
}

static int interest_add(bw_store *s, const opts *o, const char *path)
{
    int fd = cli_open_input("agency", path);
    if (fd < 0)
        return EXIT_USAGE;
    bw_buf body = {0};
    bool read_ok = slurp(fd, &body);
    if (fd != STDIN_FILENO)
        close(fd);
    if (!read_ok) {
        bw_buf_free(&body);
        return cli_usage_error("agency", "%s: cannot be read (or over 1 MiB)", path);
    }
    bw_oga_interest in;
    char why[400];
    if (!bw_oga_interest_parse(o->agency, body.p ? body.p : "", body.n, &in, why, sizeof why)) {
        bw_buf_free(&body);
        return cli_usage_error("agency", "%s: %s", path, why);
    }
    bw_buf_free(&body);
    bw_time now = bw_time_now();
    int rc = bw_store_oga_interest_add(s, &in, o->actor, now, why, sizeof why);
    if (rc == 0)
        fprintf(stderr, "breakwater agency: %s\n", why);
    else if (rc < 0)
        fprintf(stderr, "breakwater agency: %s\n", bw_store_error(s));
    else {
        bw_buf b = {0};
        bw_view_oga_interest(&(bw_oga_interest_row){&in, o->actor, now}, &b);
        print_line(&b);
        bw_buf_free(&b);
    }
    bw_oga_interest_free(&in);
    return rc == 1 ? EXIT_OK : rc == 0 ? EXIT_REJECTED : EXIT_USAGE;
}

static void each_interest(void *ctx, const bw_oga_interest_row *r)
{
    bw_view_oga_interest(r, ctx);
    print_line(ctx);
}

static void each_queued(void *ctx, const bw_oga_queued *q)
{
    bw_view_oga_queued(q, ctx);
    print_line(ctx);
}

static int show(bw_store *s, const opts *o, const char *submitter, const char *id)
{
    int sees = bw_store_oga_sees(s, o->agency, submitter, id);
    if (sees <= 0) {
        fprintf(stderr, "breakwater agency: %s\n", sees < 0 ? bw_store_error(s) : "no such declaration for this agency");
        return sees < 0 ? EXIT_USAGE : EXIT_REJECTED;
    }
    bw_stored d;
    bw_buf b = {0}, matches = {0}, holds = {0};
    int found = bw_store_get(s, submitter, id, &d);
    bool ok = found == 1 && bw_store_oga_detail(s, o->agency, submitter, id, &matches, &holds) &&
              bw_view_agency_declaration(&d, false, bw_buf_cstr(&matches), bw_buf_cstr(&holds), &b);
    if (ok)
        print_line(&b);
    else
        fprintf(stderr, "breakwater agency: %s\n", bw_store_error(s));
    if (found == 1)
        bw_stored_free(&d);
    bw_buf_free(&b);
    bw_buf_free(&matches);
    bw_buf_free(&holds);
    return ok ? EXIT_OK : EXIT_USAGE;
}

static int act(bw_store *s, const opts *o, bool hold, const char *submitter, const char *id)
{
    char actor[96];
    snprintf(actor, sizeof actor, "oga:%s", o->agency);
    bw_oga_act a = {o->agency, submitter, id, o->actor ? o->actor : actor, o->note, bw_time_now()};
    bw_transition_outcome out;
    int rc = hold ? bw_store_oga_hold(s, &a, &out) : bw_store_oga_release(s, &a, &out);
    if (rc == 1) {
        bw_buf b = {0};
        bw_view_oga_act(&a, hold ? "oga_hold" : "oga_release", &out, &b);
        print_line(&b);
        bw_buf_free(&b);
        return EXIT_OK;
    }
    fprintf(stderr, "breakwater agency: %s\n",
            rc == 0 ? "no such declaration for this agency" : rc == BW_LC_REFUSED ? out.why : bw_store_error(s));
    return rc < 0 && rc != BW_LC_REFUSED ? EXIT_USAGE : EXIT_REJECTED;
}

static int run(bw_store *s, const opts *o, int argc, char **argv)
{
    const char *verb = argv[0];
    bw_buf b = {0};
    int rc = EXIT_OK;
    if (!strcmp(verb, "interest") && argc == 3 && !strcmp(argv[1], "add")) {
        rc = interest_add(s, o, argv[2]);
    } else if (!strcmp(verb, "interests") && argc == 1) {
        if (!bw_store_oga_interests(s, o->agency, each_interest, &b))
            rc = cli_usage_error("agency", "%s", bw_store_error(s));
    } else if (!strcmp(verb, "queue") && argc == 1 && o->agency) {
        if (!bw_store_oga_queue(s, o->agency, (uint32_t)o->limit, each_queued, &b))
            rc = cli_usage_error("agency", "%s", bw_store_error(s));
    } else if (!strcmp(verb, "show") && argc == 3 && o->agency) {
        rc = show(s, o, argv[1], argv[2]);
    } else if ((!strcmp(verb, "hold") || !strcmp(verb, "release")) && argc == 3 && o->agency) {
        rc = act(s, o, !strcmp(verb, "hold"), argv[1], argv[2]);
    } else {
        rc = cli_usage_error("agency", "unknown verb or missing arguments (--agency A is required but for"
                                       " `interests`); see --help");
    }
    bw_buf_free(&b);
    return rc;
}

int cmd_agency(int argc, char **argv)
{
    static const struct option longs[] = {
        {"db", required_argument, 0, 'd'},     {"agency", required_argument, 0, 'a'},
        {"actor", required_argument, 0, 'A'},  {"note", required_argument, 0, 'n'},
        {"limit", required_argument, 0, 'l'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    opts o = {.db = "breakwater.db", .actor = NULL, .limit = 1000};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'a': o.agency = optarg; break;
        case 'A': o.actor = optarg; break;
        case 'n': o.note = optarg; break;
        case 'l': o.limit = atoi(optarg); break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error("agency", "a verb is required: interest add, interests, queue, show, hold, release");
    if (o.agency && !bw_oga_agency_ok(o.agency))
        return cli_usage_error("agency", "--agency: 1-70 of A-Z a-z 0-9 - _ .");
    if (o.limit < 1 || o.limit > 10000)
        return cli_usage_error("agency", "--limit: 1 to 10000");
    if (o.note && (!*o.note || strlen(o.note) > 500))
        return cli_usage_error("agency", "--note: 1 to 500 bytes");
    char actor[96];
    if (!o.actor) {
        snprintf(actor, sizeof actor, "cli:%s", o.agency ? o.agency : "customs");
        o.actor = actor;
    }
    if (!strcmp(argv[optind], "interest") && !o.agency)
        return cli_usage_error("agency", "interest add: --agency A is required");
    char err[1024];
    bw_store *s = bw_store_open(o.db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater agency: %s\n", err);
        return EXIT_USAGE;
    }
    int rc = run(s, &o, argc - optind, argv + optind);
    bw_store_close(s);
    return rc;
}
