/*
 * cmd_keys.c - `breakwater keys add|list|revoke`: API keys for the HTTP API.
 * A new key is printed once; the store keeps only its hash.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "../http/http.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater keys add [--db PATH] --role ROLE [--submitter ID] [--agency ID] [--rate N]\n"
    "       breakwater keys list [--db PATH]\n"
    "       breakwater keys revoke [--db PATH] ID|PREFIX\n\n"
    "Manages the API keys of the HTTP API.  `add` prints the new key on standard output:\n"
    "it is shown only this once (the database keeps a hash).  Roles: platform, vendor,\n"
    "express, postal, forwarder, broker (with --submitter: the submitter id the key may\n"
    "submit and read for), officer, analyst, admin (customs), oga (with --agency).\n"
    "--rate is requests per second (default 100; 0 = unlimited).  `list` prints one JSON\n"
    "object per key, never the key itself.\n\n"
    "exit status: 0 ok, 1 nothing to revoke, 2 usage or I/O error\n";

static void print_key(void *ctx, const bw_api_key *k)
{
    (void)ctx;
    char created[21], revoked[21] = "";
    bw_time_format(k->created_at, created);
    if (k->revoked_at)
        bw_time_format(k->revoked_at, revoked);
    bw_buf b = {0};
    bw_buf_printf(&b, "{\"id\":%lld,\"prefix\":", (long long)k->id);
    bw_buf_put_json_str(&b, k->prefix, strlen(k->prefix));
    bw_buf_printf(&b, ",\"role\":\"%s\",\"submitter\":", k->role);
    if (k->submitter[0])
        bw_buf_put_json_str(&b, k->submitter, strlen(k->submitter));
    else
        bw_buf_puts(&b, "null");
    bw_buf_puts(&b, ",\"agency\":");
    if (k->agency[0])
        bw_buf_put_json_str(&b, k->agency, strlen(k->agency));
    else
        bw_buf_puts(&b, "null");
    bw_buf_printf(&b, ",\"rate_per_s\":%lld,\"created_at\":\"%s\",\"revoked_at\":%s%s%s}\n",
                  (long long)k->rate_per_s, created, k->revoked_at ? "\"" : "", k->revoked_at ? revoked : "null",
                  k->revoked_at ? "\"" : "");
    fwrite(b.p, 1, b.n, stdout);
    bw_buf_free(&b);
}

static int keys_add(bw_store *s, const char *role_s, const char *submitter, const char *agency, long long rate)
{
    bw_key_role role = role_s ? bw_role_parse(role_s) : R_COUNT;
    if (role == R_COUNT)
        return cli_usage_error("keys", "--role: one of platform, vendor, express, postal, forwarder, broker, "
                                       "officer, analyst, admin, oga");
    bw_principal p = {.role = role};
    if (bw_is_submitter(&p) != (submitter != NULL))
        return cli_usage_error("keys", "--submitter goes with (and only with) a submitter role");
    if ((role == R_OGA) != (agency != NULL))
        return cli_usage_error("keys", "--agency goes with (and only with) the oga role");
    if ((submitter && (!*submitter || strlen(submitter) > 70)) || (agency && (!*agency || strlen(agency) > 70)))
        return cli_usage_error("keys", "--submitter and --agency: 1 to 70 characters");
    char key[48];
    bw_api_key k = {.rate_per_s = rate, .created_at = bw_time_now()};
    uint8_t hash[32];
    bw_key_generate(key, hash);
    snprintf(k.prefix, sizeof k.prefix, "%.12s", key);
    snprintf(k.role, sizeof k.role, "%s", bw_role_names_http[role]);
    snprintf(k.submitter, sizeof k.submitter, "%s", submitter ? submitter : "");
    snprintf(k.agency, sizeof k.agency, "%s", agency ? agency : "");
    int64_t id;
    if (!bw_store_key_add(s, &k, hash, &id)) {
        fprintf(stderr, "breakwater keys: %s\n", bw_store_error(s));
        return EXIT_USAGE;
    }
    printf("%s\n", key);
    return EXIT_OK;
}

int cmd_keys(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'b'},     {"role", required_argument, 0, 'r'},
        {"submitter", required_argument, 0, 's'}, {"agency", required_argument, 0, 'a'},
        {"rate", required_argument, 0, 'n'},   {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *db = "breakwater.db", *role = NULL, *submitter = NULL, *agency = NULL;
    long long rate = 100;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (o) {
        case 'b': db = optarg; break;
        case 'r': role = optarg; break;
        case 's': submitter = optarg; break;
        case 'a': agency = optarg; break;
        case 'n':
            rate = strtoll(optarg, &end, 10);
            if (*end || rate < 0)
                return cli_usage_error("keys", "--rate: a whole number, 0 = unlimited");
            break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("keys", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("keys", "add, list or revoke?");
    const char *verb = argv[optind];
    if (sodium_init() < 0) {
        fprintf(stderr, "breakwater keys: libsodium failed to initialise\n");
        return EXIT_USAGE;
    }
    char err[1024];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater keys: %s\n", err);
        return EXIT_USAGE;
    }
    int rc;
    if (!strcmp(verb, "add") && optind == argc - 1) {
        rc = keys_add(s, role, submitter, agency, rate);
    } else if (!strcmp(verb, "list") && optind == argc - 1) {
        rc = bw_store_key_list(s, print_key, NULL) ? EXIT_OK : EXIT_USAGE;
    } else if (!strcmp(verb, "revoke") && optind == argc - 2) {
        int n = bw_store_key_revoke(s, argv[optind + 1], bw_time_now());
        if (n < 0)
            fprintf(stderr, "breakwater keys: %s\n", bw_store_error(s));
        else if (n == 0)
            fprintf(stderr, "breakwater keys: no active key %s\n", argv[optind + 1]);
        rc = n < 0 ? EXIT_USAGE : n == 0 ? EXIT_REJECTED : EXIT_OK;
    } else {
        rc = cli_usage_error("keys", "add, list or revoke ID|PREFIX");
    }
    bw_store_close(s);
    return rc;
}
