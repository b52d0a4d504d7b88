/*
 * simulate_replay.c - rebuilding the simulator's revenue basis of
 * declarations stored before it existed (simulate.h, bw_sim_catch_up).
 *
 * Each stored body goes through the same pipeline again (no risk: it does
 * not change amounts), assessed on the day the declaration was received,
 * which is its assessment day unless it was ingested with --as-of; what
 * was assessed then (duty, tax, whether a buyer limit's relief stood) comes
 * from the store, so the `current` scenario still compares with it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "simulate.h"

enum { BATCH = 1000 };

/* The basis of one stored declaration; false when it cannot be rebuilt
 * (the body no longer decodes or assesses with today's reference data). */
static bool rebuild(bw_store *s, const bw_refdata *rd, const bw_sim_pending *p, bw_record *rec, bw_sim_basis *out)
{
    bw_stored d;
    if (bw_store_get(s, p->submitter, p->declaration_id, &d) != 1)
        return false;
    bw_reader *r = bw_reader_new_mem(d.body, strlen(d.body), NULL);
    bw_pipeline pl = {.rd = rd, .as_of = d.received_at};
    bool ok = false;
    if (bw_reader_next(r, rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&pl, rec, &oc);
        if (oc.sim_basis) {
            *out = *oc.sim_basis;
            out->over_limit = oc.over_limit && !p->counted_to_limit;
            out->duty = p->duty;
            out->tax = p->tax;
            ok = true;
        }
    }
    bw_reader_free(r);
    bw_stored_free(&d);
    return ok;
}

bool bw_sim_catch_up(bw_store *s, const bw_refdata *rd, int64_t *done, char *err, size_t errlen)
{
    *done = 0;
    bw_sim_pending *batch = calloc(BATCH, sizeof *batch);
    bw_record rec;
    bw_record_init(&rec);
    /* Declarations stored since the simulator came get their basis when
     * stored; only older ones need it rebuilt, once.  A mark remembers how
     * far a catch-up looked, so later runs do not scan the whole table. */
    int64_t after = 0, highest = 0;
    bool ok = bw_store_sim_through(s, &after, &highest);
    for (; ok;) {
        int n = bw_store_sim_pending(s, after, batch, BATCH);
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        if (!bw_store_begin(s)) {
            ok = false;
            break;
        }
        for (int i = 0; i < n && ok; i++) {
            bw_sim_basis b;
            if (rebuild(s, rd, &batch[i], &rec, &b)) {
                ok = bw_store_sim_put(s, batch[i].id, &b);
                *done += ok;
            }
        }
        after = batch[n - 1].id;
        if (!ok || !bw_store_commit(s)) {
            bw_store_rollback(s);
            ok = false;
            break;
        }
    }
    if (ok && highest > 0 && !bw_store_sim_through_set(s, highest))
        ok = false;
    if (!ok)
        snprintf(err, errlen, "rebuilding the revenue basis: %s", bw_store_error(s));
    bw_record_free(&rec);
    free(batch);
    return ok;
}

static void add(void *run, const bw_sim_basis *b) { bw_sim_add(run, b); }

bool bw_sim_replay(bw_store *s, const bw_refdata *rd, const char *datadir, const bw_jurisdiction *j,
                   const bw_sim_scenario *sc, uint32_t n, bw_time from, bw_time to, bw_sim_costs *costs,
                   bw_sim_run *run, char *err, size_t errlen)
{
    char path[4096];
    bw_sim_costs_path(datadir, path, sizeof path);
    int64_t rebuilt;
    if (!bw_sim_costs_load(path, j, costs, err, errlen))
        return false;
    if (!bw_sim_catch_up(s, rd, &rebuilt, err, errlen) || !bw_sim_run_init(run, j, costs, sc, n)) {
        bw_sim_costs_free(costs);
        return false;
    }
    run->from = from;
    run->to = to;
    if (!bw_store_sim_scan(s, j->id, from, to, add, run)) {
        snprintf(err, errlen, "reading the revenue basis: %s", bw_store_error(s));
        bw_sim_run_free(run);
        bw_sim_costs_free(costs);
        return false;
    }
    return true;
}
