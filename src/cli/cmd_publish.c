/*
 * cmd_publish.c - `breakwater publish --out DIR`: the public information
 * pages (src/stats/publish.h, docs/publication.md) written as static files,
 * the same content GET /public/... serves.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../stats/publish.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater publish --out DIR [--db PATH] [--data DIR] [--refdata DIR]\n\n"
    "Writes the public information pages as static files in DIR (created if\n"
    "needed): index.html; thresholds.json|html (de minimis thresholds and\n"
    "collection models in force today); prohibited.json|html (prohibited and\n"
    "restricted goods: category, scope, HS prefixes); estimate.html (the duty\n"
    "estimator's form: it asks the server's /public/estimate.html); and\n"
    "seizure-notices.json|html (safety seizures from the store, aggregated, no\n"
    "personal data).  Each file is written whole or not at all.\n\n"
    "options:\n"
    "  --out DIR          where to write (required)\n"
    "  --db PATH          the SQLite database for the seizure notices (default: breakwater.db; must exist)\n"
    "  --data DIR         breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --refdata DIR      external reference data (default: $BREAKWATER_REFDATA)\n"
    "  --help             this text\n\n"
    "exit status: 0 written, 2 usage, data, store or I/O error\n";

/* Writes name in dir through a temporary file renamed over it. */
static bool write_page(const char *dir, const char *name, bw_buf *b)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fwrite(b->p, 1, b->n, f) == b->n;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "breakwater publish: %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    b->n = 0;
    return ok;
}

static int publish(const char *out, const cli_common *c, const bw_refdata *rd, bw_store *s)
{
    bw_buf b = {0};
    bw_time now = bw_time_now();
    char err[1024];
    bool ok = true;
    bw_pub_index_html(&b);
    ok = ok && write_page(out, "index.html", &b);
    bw_pub_thresholds_json(rd, now, &b);
    ok = ok && write_page(out, "thresholds.json", &b);
    bw_pub_thresholds_html(rd, now, &b);
    ok = ok && write_page(out, "thresholds.html", &b);
    bw_pub_goods_list goods;
    if (ok && !bw_pub_goods_load(bw_default_datadir(c->datadir), now, &goods, err, sizeof err)) {
        fprintf(stderr, "breakwater publish: prohibited goods: %s\n", err);
        ok = false;
    } else if (ok) {
        bw_pub_goods_json(&goods, now, &b);
        ok = write_page(out, "prohibited.json", &b);
        bw_pub_goods_html(&goods, now, &b);
        ok = ok && write_page(out, "prohibited.html", &b);
        bw_pub_goods_free(&goods);
    }
    bw_pub_estimate_html(rd, &(bw_pub_estimate_query){0}, &b);
    ok = ok && write_page(out, "estimate.html", &b);
    bw_pub_seizures seizures;
    if (ok && !bw_pub_seizures_load(s, &seizures)) {
        fprintf(stderr, "breakwater publish: seizure notices: %s\n", bw_store_error(s));
        ok = false;
    } else if (ok) {
        bw_pub_seizures_json(&seizures, &b);
        ok = write_page(out, "seizure-notices.json", &b);
        bw_pub_seizures_html(&seizures, &b);
        ok = ok && write_page(out, "seizure-notices.html", &b);
        bw_pub_seizures_free(&seizures);
    }
    bw_buf_free(&b);
    return ok ? EXIT_OK : EXIT_USAGE;
}

int cmd_publish(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, 0, 'o'},  {"db", required_argument, 0, 'b'}, {"data", required_argument, 0, 'd'},
        {"refdata", required_argument, 0, 'r'}, {"help", no_argument, 0, 'h'},  {0, 0, 0, 0},
    };
    cli_common c = {0};
    const char *out = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case 'b': c.db = optarg; break;
        case 'd': c.datadir = optarg; break;
        case 'r': c.refdir = optarg; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("publish", "unknown option (see --help)");
        }
    }
    if (optind != argc)
        return cli_usage_error("publish", "unexpected argument \"%s\"", argv[optind]);
    if (!out || !*out)
        return cli_usage_error("publish", "--out DIR is required");
    const char *db = c.db ? c.db : "breakwater.db";
    if (access(db, R_OK) != 0)
        return cli_usage_error("publish", "--db %s: %s (the seizure notices come from the store)", db, strerror(errno));
    if (mkdir(out, 0755) != 0 && errno != EEXIST)
        return cli_usage_error("publish", "--out %s: %s", out, strerror(errno));
    bw_refdata *rd = cli_load_refdata("publish", &c);
    if (!rd)
        return EXIT_USAGE;
    char err[512];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater publish: %s\n", err);
        bw_refdata_free(rd);
        return EXIT_USAGE;
    }
    int rc = publish(out, &c, rd, s);
    bw_store_close(s);
    bw_refdata_free(rd);
    return rc;
}
