/*
 * engine.c - the detectors in order, and the lane (engine.h).
 */
#include "engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/jurisdiction.h"
#include "../revenue/revenue.h"
#include "lanes.h"
#include "screen.h"
#include "splitting.h"

struct bw_risk_lists {
    bw_lanes *lanes;
    bw_screen *screen;
};

struct bw_risk_engine {
    _Atomic(bw_risk_lists *) lists;
    bw_splitting *splitting;
};

bw_risk_lists *bw_risk_lists_load(const char *datadir, char *err, size_t errlen)
{
    bw_risk_lists *l = calloc(1, sizeof *l);
    l->lanes = bw_lanes_load(datadir, err, errlen);
    if (l->lanes)
        l->screen = bw_screen_load(datadir, getenv("BREAKWATER_SCREENING"), err, errlen);
    if (!l->screen) {
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
    free(l);
}

bw_risk_engine *bw_risk_engine_new(bw_risk_lists *lists, const char *datadir, char *err, size_t errlen)
{
    bw_risk_engine *e = calloc(1, sizeof *e);
    atomic_init(&e->lists, lists);
    e->splitting = bw_splitting_new();
    return e;
}

void bw_risk_engine_free(bw_risk_engine *e)
{
    if (!e)
        return;
    bw_risk_lists_free(atomic_load(&e->lists));
    bw_splitting_free(e->splitting);
    free(e);
}

bw_risk_lists *bw_risk_engine_swap_lists(bw_risk_engine *e, bw_risk_lists *fresh)
{
    return atomic_exchange(&e->lists, fresh);
}

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
static void reconciliation_check(const bw_issues *iss, bw_risk_result *r)
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
        bw_risk_add(r, code, is->code, is->path, "the declaration's amounts or parties do not reconcile", ev, 45,
                    BW_LANE_NONE);
    }
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

void bw_risk_engine_learn_outcome(bw_risk_engine *e, const bw_declaration *d, const char *result, bw_time at)
{
    (void)e, (void)d, (void)result, (void)at; /* party history arrives with parties.c */
}

void bw_risk_assess(bw_risk_engine *e, const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o,
                    const bw_issues *iss, bw_arena *arena, bw_risk_result *r)
{
    bw_risk_lists *lists = atomic_load(&e->lists);
    bw_risk_facts f;
    bw_risk_result_init(r, arena);
    facts_from_outcome(d, o, arena, &f);
    f.so_far = r;
    const bw_lane_policy *policy = bw_lanes_policy(lists->lanes, f.jurisdiction, f.when);

    bw_screen_declaration(lists->screen, &f, r);
    reconciliation_check(iss, r);
    splitting_check(e, policy, o, &f, r);
    bw_lanes_decide(lists->lanes, &f, r);
}
