/*
 * evaluate_truth.c - `breakwater evaluate --truth FILE --db PATH`: how well
 * the lanes stored in a database caught the anomalies the generator
 * labelled (`gen --anomalies RATE --truth FILE`).
 *
 * A declaration counts as caught when the risk decision sent it outside
 * green, a later parcel showed it part of a split purchase (event
 * "linked"), or it was rejected.  Lanes changed for other reasons (held
 * for missing order, payment or logistics records, an officer's decision)
 * do not count: they are not detections.  Randomly selected declarations are left out of both
 * recall and the clean false-alarm rate: random selection is there to
 * measure compliance, not to detect, and counting it would flatter recall.
 * Per pattern, the detector column says how many of its declarations were
 * hit by the detector family made for that pattern, and precision is the
 * share of all declarations that family hit (outside green) that truly
 * had the pattern.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_PATTERNS 16

/* The hit code prefix of the detector family made for each pattern. */
static const struct {
    const char *pattern, *family;
} FAMILY[] = {
    {"undervaluation", "valuation."}, {"splitting", "splitting."},       {"misclassification", "classification."},
    {"watchlist", "watchlist."},      {"prohibited", "screening."},      {"reconciliation", "reconciliation."},
    {"first_time_high_risk", "profile"}, {"fake_scheme", "scheme."},
};

typedef struct tally {
    char name[32];
    long n, caught, rejected, random, family_hit;
    long family_flagged, family_flagged_true; /* precision of the family */
} tally;

typedef struct eval {
    tally t[MAX_PATTERNS];
    int n;
    long clean, clean_flagged, clean_random, missing;
} eval;

static tally *tally_of(eval *e, const char *name)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->t[i].name, name))
            return &e->t[i];
    if (e->n == MAX_PATTERNS)
        return NULL;
    tally *t = &e->t[e->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    return t;
}

static const char *family_of(const char *pattern)
{
    for (size_t i = 0; i < sizeof FAMILY / sizeof *FAMILY; i++)
        if (!strcmp(FAMILY[i].pattern, pattern))
            return FAMILY[i].family;
    return NULL;
}

/* Whether a stored decision (or, rejected, its errors) has a code starting
 * with prefix. */
static bool has_code(json_object *hits, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; hits && i < json_object_array_length(hits); i++) {
        json_object *code;
        if (json_object_object_get_ex(json_object_array_get_idx(hits, i), "code", &code) &&
            !strncmp(json_object_get_string(code), prefix, n))
            return true;
    }
    return false;
}

typedef struct decided {
    bool rejected, random, flagged;
    json_object *codes; /* hits, or errors when rejected */
    json_object *root;
} decided;

static int lookup(bw_store *s, const char *sub, const char *id, decided *out)
{
    bw_stored d;
    memset(out, 0, sizeof *out);
    int found = bw_store_get(s, sub, id, &d);
    if (found != 1)
        return found;
    out->rejected = d.status && !strcmp(d.status, "rejected");
    out->root = json_tokener_parse(out->rejected ? d.errors : d.risk ? d.risk : "{}");
    json_object *v;
    if (out->rejected)
        out->codes = out->root;
    else if (out->root && json_object_object_get_ex(out->root, "hits", &v))
        out->codes = v;
    if (!out->rejected && out->root && json_object_object_get_ex(out->root, "random", &v))
        out->random = json_object_get_boolean(v);
    bool decided_out = !out->rejected && out->root && json_object_object_get_ex(out->root, "lane", &v) &&
                       strcmp(json_object_get_string(v), "green") != 0;
    bool linked = false;
    for (uint32_t i = 0; i < d.n_events; i++)
        linked |= !strcmp(d.events[i].kind, "linked");
    out->flagged = out->rejected || decided_out || linked;
    bw_stored_free(&d);
    return 1;
}

static void count(eval *e, const char *pattern, const decided *dc)
{
    bool clean = !strcmp(pattern, "clean");
    /* precision of each family over everything it flagged */
    for (int i = 0; i < e->n; i++) {
        const char *fam = family_of(e->t[i].name);
        if (fam && dc->flagged && !dc->random && has_code(dc->codes, fam)) {
            e->t[i].family_flagged++;
            e->t[i].family_flagged_true += !strcmp(e->t[i].name, pattern);
        }
    }
    if (clean) {
        e->clean++;
        if (dc->random)
            e->clean_random++;
        else
            e->clean_flagged += dc->flagged;
        return;
    }
    tally *t = tally_of(e, pattern);
    if (!t)
        return;
    t->n++;
    if (dc->random) {
        t->random++;
        return;
    }
    t->caught += dc->flagged;
    t->rejected += dc->rejected;
    const char *fam = family_of(pattern);
    t->family_hit += fam && has_code(dc->codes, fam);
}

static double ratio(long a, long b) { return b ? (double)a / (double)b : 0.0; }

static void report(const eval *e)
{
    long n = 0, caught = 0, random = 0;
    printf("%-22s %7s %7s %7s %8s %8s %9s\n", "pattern", "n", "caught", "recall", "rejected", "detector",
           "precision");
    for (int i = 0; i < e->n; i++) {
        const tally *t = &e->t[i];
        long scored = t->n - t->random;
        printf("%-22s %7ld %7ld %7.3f %8ld %8ld %9.3f\n", t->name, t->n, t->caught, ratio(t->caught, scored),
               t->rejected, t->family_hit, ratio(t->family_flagged_true, t->family_flagged));
        n += scored;
        caught += t->caught;
        random += t->random;
    }
    long clean_scored = e->clean - e->clean_random;
    long flagged = caught + e->clean_flagged;
    printf("overall: %ld anomalies (random selection excluded: %ld), recall %.3f, precision %.3f\n", n, random,
           ratio(caught, n), ratio(caught, flagged));
    printf("clean: %ld declarations (random selection excluded: %ld), outside green %ld = %.2f%%\n",
           clean_scored, e->clean_random, e->clean_flagged, 100.0 * ratio(e->clean_flagged, clean_scored));
    if (e->missing)
        printf("not in the database: %ld\n", e->missing);
}

static bool read_truth(FILE *f, const char *path, bw_store *s, eval *e)
{
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    bool ok = true;
    /* families are counted for every pattern the file has: know them first */
    while (getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line), *p;
        if (o && json_object_object_get_ex(o, "pattern", &p) && strcmp(json_object_get_string(p), "clean"))
            tally_of(e, json_object_get_string(p));
        json_object_put(o);
    }
    rewind(f);
    while (ok && getline(&line, &cap, f) > 0) {
        lineno++;
        json_object *o = json_tokener_parse(line), *sub, *id, *pat;
        if (!o || !json_object_object_get_ex(o, "submitter", &sub) ||
            !json_object_object_get_ex(o, "declaration_id", &id) || !json_object_object_get_ex(o, "pattern", &pat)) {
            fprintf(stderr, "breakwater evaluate: %s:%ld: expected {\"submitter\",\"declaration_id\",\"pattern\"}\n",
                    path, lineno);
            ok = false;
        } else {
            decided dc;
            int found = lookup(s, json_object_get_string(sub), json_object_get_string(id), &dc);
            if (found < 0) {
                fprintf(stderr, "breakwater evaluate: %s\n", bw_store_error(s));
                ok = false;
            } else if (found == 0)
                e->missing++;
            else
                count(e, json_object_get_string(pat), &dc);
            json_object_put(dc.root);
        }
        json_object_put(o);
    }
    free(line);
    return ok;
}

int cli_evaluate_truth(const char *truth, const char *db)
{
    FILE *f = fopen(truth, "r");
    if (!f) {
        fprintf(stderr, "breakwater evaluate: %s: cannot read\n", truth);
        return EXIT_USAGE;
    }
    char err[1024];
    bw_store *s = bw_store_open(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "breakwater evaluate: %s\n", err);
        fclose(f);
        return EXIT_USAGE;
    }
    eval *e = calloc(1, sizeof *e);
    bool ok = read_truth(f, truth, s, e);
    if (ok)
        report(e);
    free(e);
    bw_store_close(s);
    fclose(f);
    return ok ? EXIT_OK : EXIT_USAGE;
}
