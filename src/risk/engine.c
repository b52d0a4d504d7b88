/*
 * engine.c - the detectors in order, and the lane (engine.h).
 */
#include "engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/jurisdiction.h"
#include "../revenue/revenue.h"
#include "../store/store.h"
#include "lanes.h"
#include "model.h"
#include "parties.h"
#include "profiles.h"
#include "textclass.h"
#include "valuation.h"
#include "screen.h"
#include "watchlist.h"
#include "splitting.h"

struct bw_risk_lists {
    bw_lanes *lanes;
    bw_screen *screen;
    bw_profiles *profile_files;   /* data/profiles, before analysts' edits */
    bw_watchlist *watchlist;      /* data/watchlist and $BREAKWATER_WATCHLIST */
};

struct bw_risk_engine {
    _Atomic(bw_risk_lists *) lists;
    /* the profiles in force: the lists' files with analysts' edits applied;
     * replaced sets stay until the engine is freed (requests may read them) */
    _Atomic(bw_profiles *) profiles;
    pthread_mutex_t mu;           /* guards edits and retired */
    bw_profile **edits;
    size_t n_edits;
    bw_profiles **retired;
    size_t n_retired;
    char *datadir;
    bw_parties *parties;
    bw_valuation_model *valuation;
    bw_textclass *textclass;
    bw_splitting *splitting;
    bw_model *model;              /* the learned model, NULL: none configured */
    pthread_mutex_t model_mu;     /* predictions one at a time (XGBoost's booster) */
};

bw_risk_lists *bw_risk_lists_load(const char *datadir, char *err, size_t errlen)
{
    bw_risk_lists *l = calloc(1, sizeof *l);
    l->lanes = bw_lanes_load(datadir, err, errlen);
    if (l->lanes)
        l->screen = bw_screen_load(datadir, getenv("BREAKWATER_SCREENING"), err, errlen);
    if (l->screen)
        l->profile_files = bw_profiles_load(datadir, err, errlen);
    if (l->profile_files)
        l->watchlist = bw_watchlist_load(datadir, getenv("BREAKWATER_WATCHLIST"), err, errlen);
    if (!l->watchlist) {
        bw_risk_lists_free(l);
        return NULL;
    }
    return l;
}

void bw_risk_lists_free(bw_risk_lists *l)
{
    if (!l)
        return;
    bw_lanes_free(l->lanes);
    bw_screen_free(l->screen);
    bw_profiles_free(l->profile_files);
    bw_watchlist_free(l->watchlist);
    free(l);
}

/* Reference prices are kept in one base currency, so that a price seen in
 * GBP informs one declared in EUR. */
#define BASE_CURRENCY "EUR"

bw_risk_engine *bw_risk_engine_new(bw_risk_lists *lists, const char *datadir, char *err, size_t errlen)
{
    bw_parties *parties = bw_parties_new(datadir, err, errlen);
    if (!parties)
        return NULL;
    bw_risk_engine *e = calloc(1, sizeof *e);
    atomic_init(&e->lists, lists);
    atomic_init(&e->profiles, bw_profiles_compile(lists->profile_files, NULL, 0));
    pthread_mutex_init(&e->mu, NULL);
    pthread_mutex_init(&e->model_mu, NULL);
    e->datadir = strdup(datadir);
    e->parties = parties;
    e->valuation = bw_valuation_new(BASE_CURRENCY);
    e->textclass = bw_textclass_new();
    e->splitting = bw_splitting_new();
    return e;
}

void bw_risk_engine_free(bw_risk_engine *e)
{
    if (!e)
        return;
    bw_risk_lists_free(atomic_load(&e->lists));
    bw_profiles_free(atomic_load(&e->profiles));
    for (size_t i = 0; i < e->n_retired; i++)
        bw_profiles_free(e->retired[i]);
    free(e->retired);
    for (size_t i = 0; i < e->n_edits; i++)
        bw_profile_free(e->edits[i]);
    free(e->edits);
    pthread_mutex_destroy(&e->mu);
    pthread_mutex_destroy(&e->model_mu);
    bw_model_free(e->model);
    bw_parties_free(e->parties);
    bw_valuation_free(e->valuation);
    bw_textclass_free(e->textclass);
    bw_splitting_free(e->splitting);
    free(e->datadir);
    free(e);
}

/* ---- the learned state between runs ------------------------------------------------ */

bool bw_risk_engine_save(bw_risk_engine *e, bw_store *s, char *err, size_t errlen)
{
    bw_buf b = {0};
    bw_time now = bw_time_now();
    bool ok = bw_parties_save(e->parties, &b) == 0 && bw_store_risk_state_save(s, "parties", b.p, b.n, now);
    b.n = 0;
    ok = ok && bw_valuation_save(e->valuation, &b) == 0 && bw_store_risk_state_save(s, "valuation", b.p, b.n, now);
    b.n = 0;
    ok = ok && bw_textclass_save(e->textclass, &b) == 0 && bw_store_risk_state_save(s, "textclass", b.p, b.n, now);
    bw_buf_free(&b);
    if (!ok)
        snprintf(err, errlen, "saving the learned risk state: %s", bw_store_error(s));
    return ok;
}

bool bw_risk_engine_restore(bw_risk_engine *e, bw_store *s, char *err, size_t errlen)
{
    bw_buf b = {0};
    int rc;
    bool ok = true;
    if ((rc = bw_store_risk_state_load(s, "parties", &b)) == 1) {
        bw_parties *p = bw_parties_restore(e->datadir, b.p, b.n, err, errlen);
        ok = p != NULL;
        if (p) {
            bw_parties_free(e->parties);
            e->parties = p;
        }
    }
    ok = ok && rc >= 0;
    b.n = 0;
    if (ok && (rc = bw_store_risk_state_load(s, "valuation", &b)) == 1) {
        bw_valuation_model *v = bw_valuation_restore(b.p, b.n, err, errlen);
        ok = v != NULL;
        if (v) {
            bw_valuation_free(e->valuation);
            e->valuation = v;
        }
    }
    ok = ok && rc >= 0;
    b.n = 0;
    if (ok && (rc = bw_store_risk_state_load(s, "textclass", &b)) == 1) {
        bw_textclass *t = bw_textclass_restore(b.p, b.n, err, errlen);
        ok = t != NULL;
        if (t) {
            bw_textclass_free(e->textclass);
            e->textclass = t;
        }
    }
    ok = ok && rc >= 0;
    if (rc < 0)
        snprintf(err, errlen, "%s", bw_store_error(s));
    bw_buf_free(&b);
    return ok;
}

/* Compiles the profiles in force from the lists' files and the edits
 * (e->mu held). */
static void recompile_profiles(bw_risk_engine *e, const bw_risk_lists *lists)
{
    bw_profiles *fresh = bw_profiles_compile(lists->profile_files, e->edits, e->n_edits);
    bw_profiles *old = atomic_exchange(&e->profiles, fresh);
    e->retired = realloc(e->retired, (e->n_retired + 1) * sizeof *e->retired);
    e->retired[e->n_retired++] = old;
}

bw_risk_lists *bw_risk_engine_swap_lists(bw_risk_engine *e, bw_risk_lists *fresh)
{
    pthread_mutex_lock(&e->mu);
    bw_risk_lists *old = atomic_exchange(&e->lists, fresh);
    recompile_profiles(e, fresh);
    pthread_mutex_unlock(&e->mu);
    return old;
}

typedef struct edits_ctx {
    bw_profile **v;
    size_t n;
    bool ok;
    char *err;
    size_t errlen;
} edits_ctx;

static void collect_edit(void *ctx, const bw_profile_edit *ed)
{
    edits_ctx *c = ctx;
    char tomb[256], why[256];
    const char *json = ed->body;
    if (!json) {
        snprintf(tomb, sizeof tomb, "{\"id\":\"%s\",\"deleted\":true}", ed->id);
        json = tomb;
    }
    bw_profile *p = bw_profile_parse(json, strlen(json), why, sizeof why);
    if (!p) {
        if (c->ok)
            snprintf(c->err, c->errlen, "stored edit of profile %s: %s", ed->id, why);
        c->ok = false;
        return;
    }
    c->v = realloc(c->v, (c->n + 1) * sizeof *c->v);
    c->v[c->n++] = p;
}

bool bw_risk_engine_load_profile_edits(bw_risk_engine *e, bw_store *s, char *err, size_t errlen)
{
    edits_ctx c = {.ok = true, .err = err, .errlen = errlen};
    if (!bw_store_profile_edits(s, collect_edit, &c)) {
        snprintf(err, errlen, "%s", bw_store_error(s));
        c.ok = false;
    }
    if (!c.ok) {
        for (size_t i = 0; i < c.n; i++)
            bw_profile_free(c.v[i]);
        free(c.v);
        return false;
    }
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->n_edits; i++)
        bw_profile_free(e->edits[i]);
    free(e->edits);
    e->edits = c.v;
    e->n_edits = c.n;
    recompile_profiles(e, atomic_load(&e->lists));
    pthread_mutex_unlock(&e->mu);
    return true;
}

const bw_profiles *bw_risk_engine_profiles(bw_risk_engine *e) { return atomic_load(&e->profiles); }
bw_parties *bw_risk_engine_parties(bw_risk_engine *e) { return e->parties; }

/* ---- facts --------------------------------------------------------------------- */

static void facts_from_outcome(const bw_declaration *d, const bw_outcome *o, bw_arena *arena, bw_risk_facts *f)
{
    memset(f, 0, sizeof *f);
    f->decl = d;
    f->jurisdiction = d->jurisdiction;
    f->when = o->assessed_at;
    f->category = o->category;
    f->consignment_value = o->consignment_value;
    if (o->jurisdiction) {
        f->currency = o->jurisdiction->currency;
        f->exponent = o->jurisdiction->currency_exponent;
    }
    const bw_revenue *rv = o->revenue;
    if (rv && rv->computed && rv->n_items == d->n_items) {
        int64_t *v = bw_arena_alloc(arena, sizeof *v * (d->n_items ? d->n_items : 1));
        for (uint32_t i = 0; i < d->n_items; i++)
            v[i] = rv->items[i].value;
        f->item_value = v;
    }
}

/* ---- reconciliation within the declaration ------------------------------------- */

/* Amounts or parties that do not agree between the order, the payment and
 * the items (validation's reconcile.* findings, warnings where the
 * jurisdiction accepts them) are a classic sign of undervaluation. */
static void reconciliation_check(const bw_risk_facts *f, const bw_issues *iss, bw_risk_result *r)
{
    for (uint32_t i = 0; i < iss->n; i++) {
        const bw_issue *is = &iss->v[i];
        if (is->severity != BW_WARNING || strncmp(is->code, "reconcile.", 10) != 0 ||
            strcmp(is->code, "reconcile.currency") == 0)
            continue;
        char code[64], ev[512];
        snprintf(code, sizeof code, "reconciliation.%s", is->code + 10);
        bw_buf b = {0};
        bw_buf_puts(&b, "{\"finding\":");
        bw_buf_put_json_str(&b, is->message, strlen(is->message));
        bw_buf_putc(&b, '}');
        snprintf(ev, sizeof ev, "%s", bw_buf_cstr(&b));
        bw_buf_free(&b);
        bw_risk_add(r, code, is->code, is->path, "the declaration's amounts or parties do not reconcile", ev,
                    bw_points(f)->reconciliation, BW_LANE_NONE);
    }
}

/* A parcel much heavier than the goods declared in it carries something
 * else: undeclared goods.  Packing weighs less than the goods it wraps,
 * except for very light goods, hence the floor. */
#define PACKING_FLOOR_MG (250 * 1000)

static void weight_check(const bw_risk_facts *f, bw_risk_result *r)
{
    const bw_declaration *d = f->decl;
    if (!d->gross_weight.ok)
        return;
    int64_t net = 0;
    for (uint32_t i = 0; i < d->n_items; i++) {
        if (!d->items[i].net_weight.ok)
            return; /* unknown: nothing to compare */
        net += d->items[i].net_weight.value;
    }
    int64_t extra = d->gross_weight.value - net;
    if (extra <= PACKING_FLOOR_MG || extra <= net)
        return;
    char ev[160];
    snprintf(ev, sizeof ev, "{\"gross_weight_g\":%lld,\"net_weight_g\":%lld,\"unexplained_g\":%lld}",
             (long long)(d->gross_weight.value / 1000), (long long)(net / 1000), (long long)(extra / 1000));
    bw_risk_add(r, "reconciliation.weight", NULL, "gross_weight_g",
                "the parcel weighs more than twice the goods declared in it: undeclared goods?", ev,
                bw_points(f)->weight, BW_LANE_NONE);
}

/* ---- splitting ------------------------------------------------------------------ */

static void splitting_check(bw_risk_engine *e, const bw_lane_policy *p, const bw_outcome *o, const bw_risk_facts *f,
                            bw_risk_result *r)
{
    int64_t th[3];
    int n = 0;
    if (o->rule) {
        th[n++] = o->rule->duty_threshold;
        th[n++] = o->rule->tax_threshold;
    }
    if (o->version)
        th[n++] = o->version->full_declaration_threshold;
    if (n)
        bw_splitting_check(e->splitting, f, p ? p->splitting_window : 72 * 3600, th, n, r);
}

bool bw_risk_engine_set_model(bw_risk_engine *e, const char *path, char *err, size_t errlen)
{
    bw_model *m = bw_model_load(path, err, errlen);
    if (!m)
        return false;
    bw_model_free(e->model);
    e->model = m;
    return true;
}

/* ---- the learned model ------------------------------------------------------------ */

#define MODEL_REASONS 3

/* The model's probability becomes points at its own thresholds (trained
 * with it), with the features that raised it most as evidence. */
static void model_check(bw_risk_engine *e, const bw_refdata *rd, const bw_risk_facts *f, bw_risk_result *r)
{
    const bw_model *m = e->model;
    uint32_t nf = bw_model_n_features(m);
    float *x = bw_arena_alloc(r->arena, sizeof *x * nf), score = 0;
    bw_model_reason why[MODEL_REASONS];
    const bw_declaration *d = f->decl;
    bw_model_input in = {.decl = d, .has_time = true, .when = d->order.date.ok ? d->order.date.t : f->when};
    char err[256];
    bw_model_features(m, rd, &in, NULL, x);
    pthread_mutex_lock(&e->model_mu);
    bool ok = bw_model_predict(m, x, 1, &score, why, MODEL_REASONS, bw_model_yellow(m), err, sizeof err);
    pthread_mutex_unlock(&e->model_mu);
    if (!ok) {
        bw_risk_add(r, "model.unavailable", NULL, NULL, "the learned model could not score this declaration", NULL,
                    0, BW_LANE_NONE);
        return;
    }
    double red = bw_model_red(m), yellow = bw_model_yellow(m);
    int32_t points = score >= red ? bw_points(f)->model_red : score >= yellow ? bw_points(f)->model_yellow : 0;
    bw_buf ev = {0};
    bw_buf_printf(&ev, "{\"score\":%.4f,\"yellow\":%.4f,\"red\":%.4f,\"contributions\":[", score, yellow, red);
    for (unsigned i = 0; i < MODEL_REASONS && why[i].feature != UINT32_MAX; i++) {
        const char *name = bw_model_feature_name(m, why[i].feature);
        bw_buf_puts(&ev, i ? ",{\"feature\":" : "{\"feature\":");
        bw_buf_put_json_str(&ev, name, strlen(name));
        bw_buf_printf(&ev, ",\"value\":%.4f,\"contribution\":%.4f,\"method\":\"%s\"}", why[i].value,
                      why[i].contribution, why[i].exact ? "treeshap" : "saabas");
    }
    bw_buf_puts(&ev, "]}");
    bw_risk_add(r, "model.score", NULL, NULL, "the learned model's probability of fraud, and the features that raised it",
                bw_buf_cstr(&ev), points, BW_LANE_NONE);
    bw_buf_free(&ev);
}

void bw_risk_engine_learn_outcome(bw_risk_engine *e, const bw_declaration *d, const char *result, bw_time at)
{
    bw_inspection_result res = !strcmp(result, "seized")        ? BW_INSPECTION_SEIZED
                               : !strcmp(result, "discrepancy") ? BW_INSPECTION_DISCREPANCY
                                                                : BW_INSPECTION_COMPLIANT;
    bw_parties_outcome(e->parties, d, res, at);
}

void bw_risk_assess(bw_risk_engine *e, const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o,
                    const bw_issues *iss, bw_arena *arena, bw_risk_result *r)
{
    bw_risk_lists *lists = atomic_load(&e->lists);
    bw_risk_facts f;
    bw_risk_result_init(r, arena);
    facts_from_outcome(d, o, arena, &f);
    f.so_far = r;
    uint64_t party_keys[BW_ROLE_COUNT];
    bw_parties_keys(d, party_keys);
    f.party_keys = party_keys;
    bw_splitting_prefetch(e->splitting, &f);
    const bw_lane_policy *policy = bw_lanes_policy(lists->lanes, f.jurisdiction, f.when);
    f.points = policy ? &policy->points : NULL;

    bw_parties_check(e->parties, &f, &f.party_flags, r);
    bw_screen_declaration(lists->screen, &f, r);
    bw_watchlist_check(lists->watchlist, &f, r);
    reconciliation_check(&f, iss, r);
    weight_check(&f, r);
    bw_valuation_check(e->valuation, rd, &f, r);
    bw_textclass_check(e->textclass, &f, r);
    splitting_check(e, policy, o, &f, r);
    bw_profiles_evaluate(atomic_load(&e->profiles), &f, r);
    if (e->model)
        model_check(e, rd, &f, r);
    bw_lanes_decide(lists->lanes, &f, r);

    /* what every accepted declaration teaches (splitting remembered it above) */
    bw_parties_observe(e->parties, d, party_keys, f.when);
    bw_valuation_learn(e->valuation, rd, &f);
    bw_textclass_learn(e->textclass, d);
}
