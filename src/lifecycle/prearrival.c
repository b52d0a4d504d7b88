/*
 * prearrival.c - pre-loading and pre-arrival facts (prearrival.h).
 *
 * A do-not-load referral is the strongest thing customs can say before a
 * flight: it is issued only when all of these hold - air transport, data
 * received before loading, the lane red, and a screening hit in an area the
 * configuration names as a threat to the aircraft.  A weaker signal leaves
 * the parcel to the arrival decision (held for inspection when red).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tsv.h"
#include "../reference/refdata.h"
#include "../risk/risk.h"
#include "prearrival.h"

#define MAX_AREAS 32

static char areas[MAX_AREAS][32];
static int n_areas;
static pthread_once_t areas_once = PTHREAD_ONCE_INIT;

static bool area_name_ok(const char *a)
{
    size_t n = strlen(a);
    if (n == 0 || n >= sizeof areas[0])
        return false;
    for (; *a; a++)
        if (!((*a >= 'a' && *a <= 'z') || (*a >= '0' && *a <= '9') || *a == '_' || *a == '-'))
            return false;
    return true;
}

static bool load_areas_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot be read", path);
        return false;
    }
    char *line = NULL, *fields[2];
    size_t cap = 0;
    unsigned ln = 0;
    bool ok = true, header = false;
    while (ok && bw_tsv_next(f, &line, &cap, &ln)) {
        int n = bw_tsv_split(line, fields, 2);
        if (!header) {
            ok = n == 2 && !strcmp(fields[0], "area") && !strcmp(fields[1], "note");
            if (!ok)
                snprintf(err, errlen, "%s:%u: the header must be \"area<TAB>note\"", path, ln);
            header = true;
        } else if (!area_name_ok(fields[0]) || n_areas == MAX_AREAS) {
            snprintf(err, errlen, "%s:%u: %s", path, ln,
                     n_areas == MAX_AREAS ? "too many areas" : "an area is lower case letters, digits, _ and -");
            ok = false;
        } else {
            snprintf(areas[n_areas++], sizeof areas[0], "%s", fields[0]);
        }
    }
    free(line);
    fclose(f);
    if (!ok)
        n_areas = 0; /* all or nothing */
    return ok;
}

static void load_areas(void)
{
    char path[1024], err[1200];
    snprintf(path, sizeof path, "%s/lifecycle/do_not_load.tsv", bw_default_datadir(NULL));
    if (!load_areas_file(path, err, sizeof err))
        fprintf(stderr, "breakwater: no do-not-load referrals will be issued: %s\n", err);
}

bool bw_lifecycle_security_area(const char *area, size_t n)
{
    pthread_once(&areas_once, load_areas);
    for (int i = 0; i < n_areas; i++)
        if (strlen(areas[i]) == n && !memcmp(areas[i], area, n))
            return true;
    return false;
}

/* The screening hits in a security area, as a JSON array; 0 when none. */
static int security_hits(const bw_risk_result *r, bw_buf *out)
{
    int n = 0;
    for (uint32_t i = 0; i < r->n_hits; i++) {
        const bw_risk_hit *h = &r->hits[i];
        const char *dot = h->ref ? strchr(h->ref, '.') : NULL;
        if (strncmp(h->code, "screening.", 10) || !dot || !bw_lifecycle_security_area(h->ref, (size_t)(dot - h->ref)))
            continue;
        bw_buf_puts(out, n++ ? "," : "[");
        bw_buf_puts(out, "{\"code\":");
        bw_buf_put_json_str(out, h->code, strlen(h->code));
        bw_buf_puts(out, ",\"ref\":");
        bw_buf_put_json_str(out, h->ref, strlen(h->ref));
        bw_buf_puts(out, ",\"path\":");
        bw_buf_put_json_str(out, h->path, strlen(h->path));
        bw_buf_puts(out, ",\"reason\":");
        bw_buf_put_json_str(out, h->reason, strlen(h->reason));
        bw_buf_putc(out, '}');
    }
    if (n)
        bw_buf_putc(out, ']');
    return n;
}

/* Before loading, as far as the data tells. */
static bool before_loading(const bw_transport *t, bw_time received_at)
{
    if (t->loaded_at.ok)
        return received_at < t->loaded_at.t;
    if (t->expected_arrival.ok)
        return received_at < t->expected_arrival.t;
    return true;
}

static const char *do_not_load(const bw_declaration *d, const bw_outcome *oc, bw_time received_at, bw_arena *arena)
{
    const bw_transport *t = &d->transport;
    if (!oc->risk || oc->risk->lane != BW_LANE_RED || t->mode.value != MODE_AIR || !before_loading(t, received_at))
        return NULL;
    bw_buf b = {0};
    bw_buf_puts(&b, "{\"referral\":\"do_not_load\",\"to\":");
    bw_buf_put_json_str(&b, d->submitter.id.p ? d->submitter.id.p : "", d->submitter.id.n);
    bw_buf_puts(&b, ",\"reason\":\"red lane with a screening hit that threatens the aircraft\",\"hits\":");
    size_t before = b.n;
    const char *out = NULL;
    if (security_hits(oc->risk, &b) && b.n > before) {
        bw_buf_putc(&b, '}');
        out = bw_arena_strdup(arena, b.p, b.n);
    }
    bw_buf_free(&b);
    return out;
}

const bw_lc_facts *bw_lifecycle_facts(const bw_declaration *d, const bw_outcome *oc, bw_time received_at,
                                      bw_arena *arena)
{
    if (oc->status != BW_STATUS_ACCEPTED)
        return NULL;
    bw_lc_facts *f = bw_arena_alloc(arena, sizeof *f);
    memset(f, 0, sizeof *f);
    const bw_transport *t = &d->transport;
    if (t->document_id.n)
        f->transport_doc = (bw_str){bw_arena_strdup(arena, t->document_id.p, t->document_id.n), t->document_id.n};
    if (t->master_id.n)
        f->master_id = (bw_str){bw_arena_strdup(arena, t->master_id.p, t->master_id.n), t->master_id.n};
    f->has_loading = t->loaded_at.ok;
    f->lead_loading_s = t->loaded_at.ok ? t->loaded_at.t - received_at : 0;
    f->has_arrival = t->expected_arrival.ok;
    f->lead_arrival_s = t->expected_arrival.ok ? t->expected_arrival.t - received_at : 0;
    f->aeo = oc->risk && bw_risk_has(oc->risk, "party.aeo");
    f->do_not_load = do_not_load(d, oc, received_at, arena);
    return f;
}
