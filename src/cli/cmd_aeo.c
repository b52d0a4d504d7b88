/*
 * cmd_aeo.c - the AEO registry on the command line, the same calls as the
 * API (src/http/aeo.c):
 *
 *   breakwater aeo set [--db PATH] [--actor NAME] FILE|-     one status change (JSON)
 *   breakwater aeo list [--db PATH]                          every stored change (NDJSON)
 *   breakwater aeo show [--db PATH] ID                       one operator's changes
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../risk/aeo.h"
#include "../store/store_aeo.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater aeo set [--db PATH] [--actor NAME] FILE|-\n"
    "       breakwater aeo list [--db PATH]\n"
    "       breakwater aeo show [--db PATH] ID\n\n"
    "AEO status changes (docs/lifecycle.md): {\"id\", \"name\", \"country\", \"status\"\n"
    "(granted, suspended, revoked), \"mutual_recognition\", \"valid_from\", \"valid_to\",\n"
    "\"carries_small_sellers\"}, applied on top of data/aeo from the next run (a\n"
    "running server: POST /v1/aeo).\n";

static void print_change(void *ctx, const bw_aeo_stored *a)
{
    (void)ctx;
    printf("{\"seq\":%lld,\"id\":\"%s\",\"actor\":\"%s\",\"change\":%s}\n", (long long)a->seq, a->id, a->actor,
           a->json);
}

static int set(bw_store *s, const char *path, const char *actor)
{
    int fd = cli_open_input("aeo", path);
    if (fd < 0)
        return EXIT_USAGE;
    char body[4096];
    ssize_t n = read(fd, body, sizeof body);
    if (fd != STDIN_FILENO)
        close(fd);
    if (n < 0 || n == (ssize_t)sizeof body)
        return cli_usage_error("aeo", "%s: cannot be read (or over 4 KiB)", path);
    bw_aeo_change c;
    char why[500];
    if (!bw_aeo_change_parse(body, (size_t)n, &c, why, sizeof why))
        return cli_usage_error("aeo", "%s: %s", path, why);
    int64_t seq;
    if (!bw_store_aeo_add(s, c.id, c.line, c.carries, c.json, actor, bw_time_now(), &seq)) {
        fprintf(stderr, "breakwater aeo: %s\n", bw_store_error(s));
        return EXIT_USAGE;
    }
    print_change(NULL, &(bw_aeo_stored){seq, c.id, c.line, c.json, actor, c.carries, 0});
    return EXIT_OK;
}

int cmd_aeo(int argc, char **argv)
{
    static const struct option longs[] = {
        {"db", required_argument, 0, 'd'}, {"actor", required_argument, 0, 'a'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = "breakwater.db", *actor = "cli:customs";
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a': actor = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    int n = argc - optind;
    const char *verb = n ? argv[optind] : "";
    if (!((!strcmp(verb, "set") && n == 2) || (!strcmp(verb, "list") && n == 1) || (!strcmp(verb, "show") && n == 2)))
        return cli_usage_error("aeo", "set FILE, list or show ID; see --help");
    char err[1024];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater aeo: %s\n", err);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    if (!strcmp(verb, "set"))
        rc = set(s, argv[optind + 1], actor);
    else if (!bw_store_aeo_changes(s, n == 2 ? argv[optind + 1] : NULL, print_change, NULL))
        rc = cli_usage_error("aeo", "%s", bw_store_error(s));
    bw_store_close(s);
    return rc;
}
