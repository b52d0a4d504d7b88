/*
 * common.c - what the pipeline commands share: loading reference data,
 * opening the input, the per-record result line, the options of the
 * commands that read a store.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../risk/aeo.h"
#include "../risk/engine.h"
#include "cli.h"

bw_refdata *cli_load_refdata(const char *cmd, const cli_common *c)
{
    char err[1024];
    bw_refdata *rd = bw_refdata_load(bw_default_datadir(c->datadir), bw_default_refdir(c->refdir),
                                     err, sizeof err);
    if (!rd)
        fprintf(stderr, "breakwater %s: reference data: %s\n", cmd, err);
    return rd;
}

bw_risk_engine *cli_load_risk(const char *cmd, const cli_common *c)
{
    char err[1024];
    const char *datadir = bw_default_datadir(c->datadir);
    bw_risk_lists *lists = bw_risk_lists_load(datadir, err, sizeof err);
    bw_risk_engine *e = lists ? bw_risk_engine_new(lists, datadir, err, sizeof err) : NULL;
    /* a learned model, when one is configured ($BREAKWATER_MODEL, from `train`) */
    const char *model = getenv("BREAKWATER_MODEL");
    if (e && model && *model && !bw_risk_engine_set_model(e, model, err, sizeof err)) {
        bw_risk_engine_free(e);
        e = NULL;
    }
    if (!e)
        fprintf(stderr, "breakwater %s: risk: %s\n", cmd, err);
    return e;
}

bool cli_risk_restore(const char *cmd, bw_risk_engine *e, bw_store *s)
{
    char err[1024];
    bool ok = bw_risk_engine_restore(e, s, err, sizeof err) && bw_risk_engine_load_profile_edits(e, s, err, sizeof err);
    ok = ok && bw_aeo_reload(e, s, err, sizeof err); /* AEO status changes on top of data/aeo */
    if (!ok)
        fprintf(stderr, "breakwater %s: risk: %s\n", cmd, err);
    return ok;
}

bool cli_risk_save(const char *cmd, bw_risk_engine *e, bw_store *s)
{
    char err[1024];
    bool ok = bw_risk_engine_save(e, s, err, sizeof err);
    if (!ok)
        fprintf(stderr, "breakwater %s: risk: %s\n", cmd, err);
    return ok;
}

bw_store *cli_open_store(const char *cmd, const char *db)
{
    char err[1024];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s)
        fprintf(stderr, "breakwater %s: %s\n", cmd, err);
    return s;
}

int cli_open_input(const char *cmd, const char *path)
{
    if (!strcmp(path, "-"))
        return STDIN_FILENO;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "breakwater %s: %s: %s\n", cmd, path, strerror(errno));
    return fd;
}

bool cli_parse_as_of(const char *cmd, const char *arg, cli_common *c)
{
    bw_time t;
    if (!bw_time_parse(arg, strlen(arg), &t)) {
        cli_usage_error(cmd, "--as-of: \"%s\" is not an ISO 8601 date or time", arg);
        return false;
    }
    c->as_of = t;
    return true;
}

bool cli_store_option(cli_common *c, int opt)
{
    switch (opt) {
    case 'b': c->db = optarg; return true;
    case 'd': c->datadir = optarg; return true;
    case 'r': c->refdir = optarg; return true;
    default: return false;
    }
}
