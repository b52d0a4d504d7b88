/*
 * cmd_serve.c - `breakwater serve`: the HTTP API (src/http/), and
 * `breakwater routes`, the routes it serves.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "../http/http.h"
#include "../risk/engine.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater serve [OPTIONS]\n\n"
    "Serves the HTTP API (docs/openapi.yaml): submitters POST declarations, customs\n"
    "and the public read what their role allows.  Keys: `breakwater keys`.\n\n"
    "options:\n"
    "  --db PATH          the SQLite database (default: breakwater.db)\n"
    "  --listen HOST:PORT where to listen (default: 127.0.0.1:8080; port 0 = any free port)\n"
    "  --config FILE      JSON settings: listen, threads, max_body_bytes, max_connections,\n"
    "                     request_timeout_s, rate_per_s_default\n"
    "  --threads N        worker threads (default: the number of cores)\n"
    "  --data DIR         breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR      external reference data (default: $BREAKWATER_REFDATA)\n"
    "  --help             this text\n\n"
    "When ready it prints \"breakwater serve: listening on http://HOST:PORT\" on standard\n"
    "error.  SIGTERM or SIGINT stop it gracefully: requests in flight finish, new ones\n"
    "get 503, the store is closed.\n"
    "exit status: 0 stopped cleanly, 2 usage or start-up error\n";

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'},      {"listen", required_argument, 0, 'l'},
        {"config", required_argument, 0, 'c'},  {"threads", required_argument, 0, 't'},
        {"data", required_argument, 0, 'd'},    {"refdata", required_argument, 0, 'r'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    cli_common c = {.db = "breakwater.db"};
    bw_http_config cfg;
    bw_http_config_defaults(&cfg);
    const char *listen = NULL, *config = NULL;
    long threads = 0;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': c.db = optarg; break;
        case 'l': listen = optarg; break;
        case 'c': config = optarg; break;
        case 't': threads = strtol(optarg, NULL, 10); break;
        case 'd': c.datadir = optarg; break;
        case 'r': c.refdir = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("serve", "unknown option");
        }
    }
    if (optind != argc)
        return cli_usage_error("serve", "unexpected argument \"%s\"", argv[optind]);
    char err[1024];
    if (config && !bw_http_config_load(&cfg, config, err, sizeof err))
        return cli_usage_error("serve", "--config: %s", err);
    if (listen && !bw_http_parse_listen(&cfg, listen))
        return cli_usage_error("serve", "--listen: \"%s\" is not HOST:PORT", listen);
    if (threads < 0 || threads > 256)
        return cli_usage_error("serve", "--threads: 1-256");
    if (threads)
        cfg.threads = (unsigned)threads;
    bw_refdata *rd = cli_load_refdata("serve", &c);
    if (!rd)
        return EXIT_USAGE;
    bw_risk_engine *risk = cli_load_risk("serve", &c);
    /* the serving thread's own connection: learned state in and out */
    bw_store *own = risk ? bw_store_open(c.db, err, sizeof err) : NULL;
    if (risk && !own)
        fprintf(stderr, "breakwater serve: %s\n", err);
    if (!own || !cli_risk_restore("serve", risk, own)) {
        bw_store_close(own);
        bw_risk_engine_free(risk);
        bw_refdata_free(rd);
        return EXIT_USAGE;
    }
    /* the signals are taken by this thread alone (sigwait), so every
     * thread started from here on blocks them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    bw_server *srv = bw_server_start(&cfg, c.db, rd, risk, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "breakwater serve: %s\n", err);
        bw_store_close(own);
        bw_risk_engine_free(risk);
        bw_refdata_free(rd);
        return EXIT_USAGE;
    }
    fprintf(stderr, "breakwater serve: listening on http://%s:%u\n", cfg.listen_host, bw_server_port(srv));
    /* SIGHUP reloads the reference data (jurisdictions, tariffs, taxes,
     * registries, FX rates): a new snapshot replaces the old for new
     * requests; the old ones are freed at exit, when nothing reads them */
    bw_refdata **old = NULL;
    bw_risk_lists **old_lists = NULL;
    size_t n_old = 0, n_old_lists = 0;
    int sig;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
        bw_refdata *fresh = cli_load_refdata("serve", &c);
        bw_risk_lists *lists = fresh ? bw_risk_lists_load(bw_default_datadir(c.datadir), err, sizeof err) : NULL;
        if (!lists) {
            if (fresh)
                fprintf(stderr, "breakwater serve: risk: %s\n", err);
            fprintf(stderr, "breakwater serve: SIGHUP: reference data not reloaded; the previous stays in force\n");
            bw_refdata_free(fresh);
            continue;
        }
        old = realloc(old, (n_old + 1) * sizeof *old);
        old[n_old++] = (bw_refdata *)bw_server_swap_refdata(srv, fresh);
        old_lists = realloc(old_lists, (n_old_lists + 1) * sizeof *old_lists);
        old_lists[n_old_lists++] = bw_risk_engine_swap_lists(risk, lists);
        rd = fresh;
        fprintf(stderr, "breakwater serve: SIGHUP: reference data and risk lists reloaded\n");
    }
    fprintf(stderr, "breakwater serve: %s: finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    bw_server_stop(srv);
    cli_risk_save("serve", risk, own);
    bw_store_close(own);
    bw_refdata_free(rd);
    for (size_t i = 0; i < n_old; i++)
        bw_refdata_free(old[i]);
    free(old);
    for (size_t i = 0; i < n_old_lists; i++)
        bw_risk_lists_free(old_lists[i]);
    free(old_lists);
    bw_risk_engine_free(risk);
    fprintf(stderr, "breakwater serve: stopped\n");
    return EXIT_OK;
}

int cmd_routes(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--help")) {
        fputs("usage: breakwater routes\n\nPrints every route of the HTTP API as METHOD PATH.\n", stdout);
        return EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("routes", "no arguments expected");
    for (unsigned i = 0; i < bw_n_routes; i++)
        printf("%s %s\n", bw_routes[i].method, bw_routes[i].path);
    return EXIT_OK;
}
