/*
 * lanes.c - loading the risk policy and deciding lanes (lanes.h; the file
 * format is data/risk/README.md).
 */
#include "lanes.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static bool fail(char *err, size_t errlen, const char *path, int i, const char *key, const char *why)
{
    snprintf(err, errlen, "%s: policies[%d].%s: %s", path, i, key, why);
    return false;
}

/* "0.005" -> 5000 millionths, exactly. */
static bool parse_rate(const char *s, uint32_t *ppm)
{
    bw_decimal d;
    int64_t v;
    if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK || bw_decimal_rescale(d, 6, &v) != BW_DEC_OK || v < 0 ||
        v > 1000000)
        return false;
    *ppm = (uint32_t)v;
    return true;
}

static bool parse_random(json_object *arr, bw_lane_policy *p, const char *path, int i, char *err, size_t errlen)
{
    if (!json_object_is_type(arr, json_type_array))
        return fail(err, errlen, path, i, "random", "must be an array");
    for (size_t k = 0; k < json_object_array_length(arr); k++) {
        json_object *o = json_object_array_get_idx(arr, k), *from, *rate, *to;
        if (!json_object_object_get_ex(o, "from", &from) || !json_object_object_get_ex(o, "rate", &rate) ||
            !json_object_object_get_ex(o, "to", &to))
            return fail(err, errlen, path, i, "random", "each entry needs from, rate and to");
        const char *fs = json_object_get_string(from), *ts = json_object_get_string(to);
        bw_lane lf = bw_lane_parse(fs, strlen(fs)), lt = bw_lane_parse(ts, strlen(ts));
        if (lf == BW_LANE_NONE || lt == BW_LANE_NONE || lt <= lf)
            return fail(err, errlen, path, i, "random", "from and to must be lanes, to more severe than from");
        if (!json_object_is_type(rate, json_type_string) || !parse_rate(json_object_get_string(rate), &p->random_ppm[lf]))
            return fail(err, errlen, path, i, "random.rate", "must be a decimal string between 0 and 1");
        p->random_to[lf] = lt;
    }
    return true;
}

static bool parse_records(json_object *arr, bw_lane_policy *p, const char *path, int i, char *err, size_t errlen)
{
    if (!json_object_is_type(arr, json_type_array))
        return fail(err, errlen, path, i, "records_required", "must be an array");
    for (size_t k = 0; k < json_object_array_length(arr); k++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, k));
        if (s && strcmp(s, "order") == 0)
            p->records_required |= BW_RECORD_ORDER;
        else if (s && strcmp(s, "payment") == 0)
            p->records_required |= BW_RECORD_PAYMENT;
        else if (s && strcmp(s, "logistics") == 0)
            p->records_required |= BW_RECORD_LOGISTICS;
        else
            return fail(err, errlen, path, i, "records_required", "entries are order, payment or logistics");
    }
    return true;
}

/* The "points" object: any subset of bw_risk_points' members by name. */
static const struct {
    const char *name;
    size_t at;
} POINT_NAMES[] = {
#define P(x) {#x, offsetof(bw_risk_points, x)}
    P(first_time_seller), P(occasional_seller), P(first_time_buyer), P(first_time_platform), P(first_time_carrier),
    P(noncompliant_min),  P(noncompliant_span), P(compliant),        P(aeo),                 P(valuation_min),
    P(valuation_max),     P(classification_min), P(classification_per_decade), P(classification_max),
    P(splitting),         P(reconciliation),    P(weight),           P(model_yellow),        P(model_red),
#undef P
};

static bool parse_points(json_object *o, bw_risk_points *pts, const char *path, int i, char *err, size_t errlen)
{
    if (!json_object_is_type(o, json_type_object))
        return fail(err, errlen, path, i, "points", "must be an object of integers");
    json_object_object_foreach(o, key, val) {
        size_t k = 0, n = sizeof POINT_NAMES / sizeof *POINT_NAMES;
        while (k < n && strcmp(POINT_NAMES[k].name, key) != 0)
            k++;
        if (k == n)
            return fail(err, errlen, path, i, "points", "unknown finding (see data/risk/README.md)");
        if (!json_object_is_type(val, json_type_int) || json_object_get_int(val) < -1000 ||
            json_object_get_int(val) > 1000)
            return fail(err, errlen, path, i, "points", "each value must be an integer between -1000 and 1000");
        *(int32_t *)((char *)pts + POINT_NAMES[k].at) = json_object_get_int(val);
    }
    return true;
}

static bool parse_policy(json_object *o, bw_lane_policy *p, const char *path, int i, char *err, size_t errlen)
{
    json_object *v;
    memset(p, 0, sizeof *p);
    for (int l = 0; l < 4; l++) {
        p->threshold[l] = -1;
        p->random_to[l] = BW_LANE_NONE;
    }
    p->splitting_window = 72 * 3600;
    p->points = bw_risk_points_default;
    json_object_object_foreach(o, key, val) {
        if (strcmp(key, "jurisdiction") == 0) {
            const char *s = json_object_get_string(val);
            if (!s || strlen(s) == 0 || strlen(s) >= sizeof p->jurisdiction)
                return fail(err, errlen, path, i, key, "must be a jurisdiction id or \"*\"");
            strcpy(p->jurisdiction, s);
        } else if (strcmp(key, "valid_from") == 0) {
            const char *s = json_object_get_string(val);
            if (!s || !bw_time_parse(s, strlen(s), &p->valid_from))
                return fail(err, errlen, path, i, key, "must be a date YYYY-MM-DD");
        } else if (strcmp(key, "thresholds") == 0) {
            int32_t last = -1;
            for (int l = BW_LANE_BLUE; l <= BW_LANE_RED; l++) {
                if (!json_object_object_get_ex(val, bw_lane_names[l], &v))
                    continue;
                if (!json_object_is_type(v, json_type_int) || json_object_get_int(v) <= last)
                    return fail(err, errlen, path, i, "thresholds", "blue < yellow < red, positive integers");
                p->threshold[l] = last = json_object_get_int(v);
            }
        } else if (strcmp(key, "random") == 0) {
            if (!parse_random(val, p, path, i, err, errlen))
                return false;
        } else if (strcmp(key, "splitting") == 0) {
            if (!json_object_object_get_ex(val, "window_hours", &v) || !json_object_is_type(v, json_type_int) ||
                json_object_get_int(v) <= 0 || json_object_get_int(v) > 24 * 366)
                return fail(err, errlen, path, i, "splitting.window_hours", "must be hours, 1 to 8784");
            p->splitting_window = (int64_t)json_object_get_int(v) * 3600;
        } else if (strcmp(key, "points") == 0) {
            if (!parse_points(val, &p->points, path, i, err, errlen))
                return false;
        } else if (strcmp(key, "records_required") == 0) {
            if (!parse_records(val, p, path, i, err, errlen))
                return false;
        } else if (strcmp(key, "comment") != 0)
            return fail(err, errlen, path, i, key, "unknown key");
    }
    if (!p->jurisdiction[0])
        return fail(err, errlen, path, i, "jurisdiction", "missing");
    return true;
}

static int policy_cmp(const void *a, const void *b)
{
    const bw_lane_policy *x = a, *y = b;
    int c = strcmp(x->jurisdiction, y->jurisdiction);
    return c ? c : (x->valid_from > y->valid_from) - (x->valid_from < y->valid_from);
}

bw_lanes *bw_lanes_load(const char *datadir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/risk/policy.json", datadir);
    json_object *root = json_object_from_file(path), *arr, *seed;
    if (!root) {
        snprintf(err, errlen, "%s: cannot read or not JSON", path);
        return NULL;
    }
    bw_lanes *l = calloc(1, sizeof *l);
    bool ok = json_object_object_get_ex(root, "policies", &arr) && json_object_is_type(arr, json_type_array);
    if (!ok)
        snprintf(err, errlen, "%s: policies: must be an array", path);
    size_t n = ok ? json_object_array_length(arr) : 0;
    l->v = calloc(n ? n : 1, sizeof *l->v);
    for (size_t i = 0; ok && i < n; i++)
        ok = parse_policy(json_object_array_get_idx(arr, i), &l->v[i], path, (int)i, err, errlen);
    l->n = (uint32_t)n;
    l->seed = strdup(json_object_object_get_ex(root, "random_seed", &seed) ? json_object_get_string(seed) : "");
    json_object_put(root);
    if (!ok) {
        bw_lanes_free(l);
        return NULL;
    }
    qsort(l->v, l->n, sizeof *l->v, policy_cmp);
    return l;
}

void bw_lanes_free(bw_lanes *l)
{
    if (!l)
        return;
    free(l->v);
    free(l->seed);
    free(l);
}

static const bw_lane_policy *in_force(const bw_lanes *l, const char *jur, size_t jn, bw_time when)
{
    const bw_lane_policy *best = NULL;
    for (uint32_t i = 0; i < l->n; i++) {
        const bw_lane_policy *p = &l->v[i];
        if (strlen(p->jurisdiction) == jn && memcmp(p->jurisdiction, jur, jn) == 0 && p->valid_from <= when)
            best = p; /* sorted by valid_from: the last one wins */
    }
    return best;
}

const bw_lane_policy *bw_lanes_policy(const bw_lanes *l, bw_str jurisdiction, bw_time when)
{
    const bw_lane_policy *p = jurisdiction.p ? in_force(l, jurisdiction.p, jurisdiction.n, when) : NULL;
    return p ? p : in_force(l, "*", 1, when);
}

/* Whether this declaration falls in the random sample at `ppm` millionths. */
static bool randomly_selected(const bw_lanes *l, const bw_declaration *d, uint32_t ppm)
{
    uint64_t h = XXH3_64bits(l->seed, strlen(l->seed));
    h = XXH3_64bits_withSeed(d->submitter.id.p ? d->submitter.id.p : "", d->submitter.id.n, h);
    h = XXH3_64bits_withSeed(d->declaration_id.p ? d->declaration_id.p : "", d->declaration_id.n, h);
    return h % 1000000u < ppm;
}

void bw_lanes_decide(const bw_lanes *l, const bw_risk_facts *f, bw_risk_result *r)
{
    bw_lane forced = BW_LANE_NONE;
    for (uint32_t i = 0; i < r->n_hits; i++)
        if (r->hits[i].lane > forced)
            forced = r->hits[i].lane;
    const bw_lane_policy *p = bw_lanes_policy(l, f->jurisdiction, f->when);
    bw_lane lane = BW_LANE_GREEN;
    if (forced != BW_LANE_NONE)
        lane = forced;
    else if (p)
        for (int k = BW_LANE_RED; k > BW_LANE_GREEN; k--)
            if (p->threshold[k] >= 0 && r->score >= p->threshold[k]) {
                lane = (bw_lane)k;
                break;
            }
    r->lane = lane;
    if (p && p->random_ppm[lane] && randomly_selected(l, f->decl, p->random_ppm[lane])) {
        char ev[96];
        snprintf(ev, sizeof ev, "{\"from\":\"%s\",\"rate_ppm\":%u}", bw_lane_names[lane], p->random_ppm[lane]);
        r->lane = p->random_to[lane];
        r->random = true;
        bw_risk_add(r, "random.selection", NULL, NULL, "selected at random to measure compliance", ev, 0,
                    BW_LANE_NONE);
    }
}
