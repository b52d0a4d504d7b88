/*
 * cmd_lifecycle.c - the clearance lifecycle on the command line, the same
 * library calls as the API (src/http/lifecycle.c):
 *
 *   breakwater arrive [--db PATH] [--carrier-actor NAME] FILE|-   an arrival manifest
 *   breakwater queue [--db PATH] [--lane L] [--reason R] [--older-than AGE] [--limit N]
 *   breakwater act [--db PATH] [--officer NAME] [--reason TEXT] [--hold-reason R] VERB SUBMITTER ID
 *   breakwater referrals [--db PATH] [--submitter S]
 *   breakwater unmatched [--db PATH] [--all]
 *
 * Output is JSON (one object, or NDJSON for lists) so scripts can read it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lifecycle/manifest.h"
#include "../lifecycle/officer.h"
#include "../risk/risk.h"
#include "../view/lifecycle_view.h"
#include "cli.h"

/* Reads all of fd into b; false on an I/O error or over max bytes. */
static bool slurp(int fd, bw_buf *b, size_t max)
{
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        bw_buf_put(b, chunk, (size_t)n);
        if (b->n > max)
            return false;
    }
    return n == 0;
}

static void print_line(bw_buf *b)
{
    bw_buf_putc(b, '\n');
    fwrite(b->p, 1, b->n, stdout);
    b->n = 0;
}

/* ---- arrive ---------------------------------------------------------------------------- */

static const char ARRIVE_HELP[] =
    "usage: breakwater arrive [--db PATH] [--actor NAME] [--quiet] [--stats] FILE|-\n\n"
    "Records the arrival of a manifest (docs/lifecycle.md: carrier, master_id,\n"
    "arrived_at, items): matched declarations arrive and are released at once\n"
    "when green or blue and settled, else held with the reason; items without a\n"
    "declaration go to the \"arrived without data\" queue.  One transaction per\n"
    "manifest; the same (carrier, master_id) again changes nothing.\n"
    "Prints one line per item (not with --quiet), then the summary.  --stats adds\n"
    "on stderr: items per second over the whole transaction (commit included),\n"
    "and the time from reading an item to its release decision, p50 and p99.\n\n"
    "exit status: 0 recorded (or a duplicate), 1 refused (bad manifest, conflict), 2 usage or I/O error\n";

typedef struct arrive_ctx {
    bw_buf out;
    bool quiet;
    double *us;                    /* per item decision time, for --stats */
    size_t n, cap;
} arrive_ctx;

static void print_item(void *ctx, const bw_arrival_item *it)
{
    arrive_ctx *a = ctx;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 1024;
        a->us = realloc(a->us, a->cap * sizeof *a->us);
    }
    a->us[a->n++] = it->decision_us;
    if (a->quiet)
        return;
    bw_view_arrival_item(it, &a->out);
    print_line(&a->out);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_stats(arrive_ctx *a, double seconds)
{
    qsort(a->us, a->n, sizeof *a->us, cmp_double);
    double p50 = a->n ? a->us[a->n / 2] : 0, p99 = a->n ? a->us[(size_t)((double)(a->n - 1) * 0.99)] : 0;
    fprintf(stderr, "arrive: %zu item results in %.4f s, %.0f items/s, decision p50 %.1f us p99 %.1f us\n", a->n,
            seconds, seconds > 0 ? (double)a->n / seconds : 0, p50, p99);
}

int cmd_arrive(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'}, {"actor", required_argument, 0, 'a'}, {"help", no_argument, 0, 'h'},
        {"quiet", no_argument, 0, 'q'},    {"stats", no_argument, 0, 's'},    {0, 0, 0, 0}};
    const char *db = "breakwater.db", *who = "cli";
    arrive_ctx ac = {0};
    bool stats = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 'a': who = optarg; break;
        case 'q': ac.quiet = true; break;
        case 's': stats = true; break;
        case 'h': fputs(ARRIVE_HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("arrive", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("arrive", "name one manifest FILE, or - for stdin");
    int fd = cli_open_input("arrive", argv[optind]);
    if (fd < 0)
        return EXIT_USAGE;
    bw_buf in = {0};
    bool read_ok = slurp(fd, &in, 64u << 20);
    if (fd != STDIN_FILENO)
        close(fd);
    int rc = EXIT_USAGE;
    bw_arena a;
    bw_arena_init(&a);
    bw_store *s = NULL;
    bw_manifest m;
    char err[512], actor[96];
    if (!read_ok) {
        fprintf(stderr, "breakwater arrive: %s: cannot be read (or over 64 MiB)\n", argv[optind]);
        goto done;
    }
    if (!bw_manifest_parse(in.p ? in.p : "", in.n, &a, &m, err, sizeof err)) {
        fprintf(stderr, "breakwater arrive: %s: %s\n", argv[optind], err);
        rc = EXIT_REJECTED;
        goto done;
    }
    if (!(s = cli_open_store("arrive", db)))
        goto done;
    snprintf(actor, sizeof actor, "carrier:%s", who);
    m.actor = actor;
    m.received_at = bw_time_now();
    bw_arrival_summary sum;
    double t0 = now_s();
    bool stored = bw_store_arrival(s, &m, print_item, &ac, &sum);
    double seconds = now_s() - t0;
    if (!stored) {
        fprintf(stderr, "breakwater arrive: %s (nothing was recorded)\n", bw_store_error(s));
        goto done;
    }
    if (sum.conflict) {
        fprintf(stderr, "breakwater arrive: manifest %s of %s was already recorded with other items;"
                        " the first one stands\n", m.master_id, m.carrier);
        rc = EXIT_REJECTED;
        goto done;
    }
    bw_buf_putc(&ac.out, '{');
    bw_view_arrival_summary(&m, &sum, &ac.out);
    bw_buf_putc(&ac.out, '}');
    print_line(&ac.out);
    if (stats)
        print_stats(&ac, seconds);
    rc = EXIT_OK;
done:
    bw_store_close(s);
    bw_arena_free(&a);
    bw_buf_free(&in);
    bw_buf_free(&ac.out);
    free(ac.us);
    return rc;
}

/* ---- queue ------------------------------------------------------------------------------- */

static const char QUEUE_HELP[] =
    "usage: breakwater queue [--db PATH] [--lane green|blue|yellow|red]\n"
    "                        [--reason inspection|documents|payment|oga|quota|do_not_load]\n"
    "                        [--older-than AGE] [--limit N]\n\n"
    "The officer's work queue: declarations held, inspected or reassessed,\n"
    "authorised economic operators first, then the most severe lane, then the\n"
    "oldest.  AGE: seconds, or 90s, 15m, 8h, 2d.  One JSON line each.\n";

typedef struct qctx {
    bw_buf b;
    bw_time now;
} qctx;

static void print_entry(void *ctx, const bw_queue_entry *e)
{
    qctx *q = ctx;
    bw_view_queue_entry(e, q->now, &q->b);
    print_line(&q->b);
}

int cmd_queue(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'b'},     {"lane", required_argument, 0, 'l'},
                                         {"reason", required_argument, 0, 'r'}, {"older-than", required_argument, 0, 'o'},
                                         {"limit", required_argument, 0, 'n'},  {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = "breakwater.db";
    bw_queue_filter f = {.limit = 1000};
    int64_t age = 0, n;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 'l':
            if (bw_lane_parse(optarg, strlen(optarg)) != BW_LANE_NONE)
                f.lane = optarg;
            else
                return cli_usage_error("queue", "--lane: green, blue, yellow or red");
            break;
        case 'r':
            if (bw_hold_reason_parse(optarg) <= 0)
                return cli_usage_error("queue", "--reason: inspection, documents, payment, oga, quota or do_not_load");
            f.reason = optarg;
            break;
        case 'o':
            if (!bw_lc_parse_age(optarg, &age))
                return cli_usage_error("queue", "--older-than: an age such as 3600, 90s, 15m, 8h or 2d");
            break;
        case 'n':
            if (!bw_lc_parse_age(optarg, &n) || strspn(optarg, "0123456789") != strlen(optarg) || n < 1 || n > 1000000)
                return cli_usage_error("queue", "--limit: 1 to 1000000");
            f.limit = (uint32_t)n;
            break;
        case 'h': fputs(QUEUE_HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("queue", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("queue", "no arguments expected");
    bw_store *s = cli_open_store("queue", db);
    if (!s)
        return EXIT_USAGE;
    qctx q = {{0}, bw_time_now()};
    f.held_before = age ? q.now - age : 0;
    bool ok = bw_store_queue(s, &f, print_entry, &q);
    if (!ok)
        fprintf(stderr, "breakwater queue: %s\n", bw_store_error(s));
    bw_buf_free(&q.b);
    bw_store_close(s);
    return ok ? EXIT_OK : EXIT_USAGE;
}

/* ---- act --------------------------------------------------------------------------------- */

static const char ACT_HELP[] =
    "usage: breakwater act [--db PATH] [--officer NAME] [--reason TEXT]\n"
    "                      [--hold-reason inspection|documents|payment|oga|quota]\n"
    "                      release|refuse|seize|return|destroy|hold SUBMITTER ID\n\n"
    "An officer's decision on a declaration: one state change and one event,\n"
    "or a refusal that says why and changes nothing.  --reason is required for\n"
    "everything but release; --hold-reason for hold.\n\n"
    "exit status: 0 done, 1 refused or no such declaration, 2 usage or I/O error\n";

int cmd_act(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'b'},     {"officer", required_argument, 0, 'o'},
                                         {"reason", required_argument, 0, 'r'}, {"hold-reason", required_argument, 0, 'H'},
                                         {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *db = "breakwater.db", *officer = "cli", *reason = NULL, *hold = NULL;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 'o': officer = optarg; break;
        case 'r': reason = optarg; break;
        case 'H': hold = optarg; break;
        case 'h': fputs(ACT_HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("act", "unknown option");
        }
    }
    if (optind != argc - 3)
        return cli_usage_error("act", "name the action (" BW_OFFICER_VERBS "), the SUBMITTER and the declaration ID");
    const char *verb = argv[optind];
    bw_transition t = {.submitter = argv[optind + 1], .declaration_id = argv[optind + 2], .at = bw_time_now()};
    if (!bw_lc_officer_verb(verb, &t.action))
        return cli_usage_error("act", "%s: not an action (%s)", verb, BW_OFFICER_VERBS);
    /* the same body the API takes, so the same rules apply */
    bw_buf body = {0};
    bw_buf_putc(&body, '{');
    if (reason) {
        bw_buf_puts(&body, "\"reason\":");
        bw_buf_put_json_str(&body, reason, strlen(reason));
    }
    if (hold) {
        bw_buf_puts(&body, reason ? ",\"hold_reason\":" : "\"hold_reason\":");
        bw_buf_put_json_str(&body, hold, strlen(hold));
    }
    bw_buf_putc(&body, '}');
    bw_arena a;
    bw_arena_init(&a);
    char err[512], actor[96];
    int rc = EXIT_USAGE;
    bw_store *s = NULL;
    if (!bw_lc_action_body(body.p, body.n, &a, &t, err, sizeof err)) {
        cli_usage_error("act", "%s", err);
        goto done;
    }
    if (!(s = cli_open_store("act", db)))
        goto done;
    snprintf(actor, sizeof actor, "officer:%s", officer);
    t.actor = actor;
    bw_transition_outcome out;
    int done = bw_store_transition(s, &t, &out);
    if (done == 1) {
        body.n = 0;
        bw_view_transition(t.submitter, t.declaration_id, verb, &out, &body);
        print_line(&body);
        rc = EXIT_OK;
    } else if (done == 0 || done == BW_LC_REFUSED) {
        fprintf(stderr, "breakwater act: %s\n", done == 0 ? "no such declaration" : out.why);
        rc = EXIT_REJECTED;
    } else {
        fprintf(stderr, "breakwater act: %s (nothing changed)\n", bw_store_error(s));
    }
done:
    bw_store_close(s);
    bw_arena_free(&a);
    bw_buf_free(&body);
    return rc;
}

/* ---- referrals, unmatched ------------------------------------------------------------------ */

static void print_referral(void *ctx, const bw_referral *r)
{
    bw_view_referral(r, ctx);
    print_line(ctx);
}

static void print_unmatched(void *ctx, const bw_unmatched *u)
{
    bw_view_unmatched(u, ctx);
    print_line(ctx);
}

static const char LIST_HELP[] =
    "usage: breakwater referrals [--db PATH] [--submitter S]\n"
    "       breakwater unmatched [--db PATH] [--all]\n\n"
    "Do-not-load referrals issued before loading (a submitter's, or all), and\n"
    "parcels that arrived without data (still waiting; --all: also the cleared\n"
    "ones).  One JSON line each.\n";

static int list(int argc, char **argv, bool referrals)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'b'}, {"submitter", required_argument, 0, 's'},
                                         {"all", no_argument, 0, 'a'},       {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = "breakwater.db", *submitter = NULL, *cmd = referrals ? "referrals" : "unmatched";
    bool all = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': db = optarg; break;
        case 's': submitter = optarg; break;
        case 'a': all = true; break;
        case 'h': fputs(LIST_HELP, stdout); return EXIT_OK;
        default: return cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind != argc || (referrals && all) || (!referrals && submitter))
        return cli_usage_error(cmd, "see --help for the options of %s", cmd);
    bw_store *s = cli_open_store(cmd, db);
    if (!s)
        return EXIT_USAGE;
    bw_buf b = {0};
    bool ok = referrals ? bw_store_referrals(s, submitter, print_referral, &b)
                        : bw_store_unmatched(s, all, print_unmatched, &b);
    if (!ok)
        fprintf(stderr, "breakwater %s: %s\n", cmd, bw_store_error(s));
    bw_buf_free(&b);
    bw_store_close(s);
    return ok ? EXIT_OK : EXIT_USAGE;
}

int cmd_referrals(int argc, char **argv) { return list(argc, argv, true); }
int cmd_unmatched(int argc, char **argv) { return list(argc, argv, false); }
