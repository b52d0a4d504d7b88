/*
 * risk.c - the risk result every detector writes into (risk.h): hits with
 * their evidence, the running score, and its JSON form.
 */
#include "risk.h"

#include <stdio.h>
#include <string.h>

const char *const bw_lane_names[] = {"green", "blue", "yellow", "red", NULL};

const bw_risk_points bw_risk_points_default = {
    .first_time_seller = 15, .occasional_seller = 5, .first_time_buyer = 3, .first_time_platform = 5,
    .first_time_carrier = 5, .noncompliant_min = 20, .noncompliant_span = 40, .compliant = -10, .aeo = -10,
    .valuation_min = 35, .valuation_max = 60, .classification_min = 35, .classification_per_decade = 10,
    .classification_max = 60, .splitting = 45, .reconciliation = 45, .weight = 45, .model_yellow = 40,
    .model_red = 70,
};

const char *const bw_party_flag_names[] = {
    "first_time_seller", "occasional_seller", "first_time_buyer", "compliant_seller",
    "noncompliant_seller", "aeo_submitter", "first_time_platform", "first_time_carrier", NULL,
};

bw_lane bw_lane_parse(const char *name, size_t n)
{
    for (int i = 0; bw_lane_names[i]; i++)
        if (strlen(bw_lane_names[i]) == n && memcmp(bw_lane_names[i], name, n) == 0)
            return (bw_lane)i;
    return BW_LANE_NONE;
}

void bw_risk_result_init(bw_risk_result *r, bw_arena *arena)
{
    memset(r, 0, sizeof *r);
    r->lane = BW_LANE_GREEN;
    r->arena = arena;
}

static const char *dup(bw_arena *a, const char *s, const char *dflt)
{
    return s ? bw_arena_strdup(a, s, strlen(s)) : dflt;
}

void bw_risk_add(bw_risk_result *r, const char *code, const char *ref, const char *path, const char *reason,
                 const char *evidence, int32_t score, bw_lane lane)
{
    if (r->n_hits == r->cap_hits) {
        uint32_t cap = r->cap_hits ? r->cap_hits * 2 : 8;
        bw_risk_hit *h = bw_arena_alloc(r->arena, sizeof *h * cap);
        if (r->n_hits)
            memcpy(h, r->hits, sizeof *h * r->n_hits);
        r->hits = h;
        r->cap_hits = cap;
    }
    bw_risk_hit *h = &r->hits[r->n_hits++];
    h->code = dup(r->arena, code, "");
    h->ref = dup(r->arena, ref, "");
    h->path = dup(r->arena, path, "");
    h->reason = dup(r->arena, reason, "");
    h->evidence = dup(r->arena, evidence, "{}");
    h->score = score;
    h->lane = lane;
    r->score += score;
}

void bw_risk_link(bw_risk_result *r, const char *ref)
{
    const char **v = bw_arena_alloc(r->arena, sizeof *v * (r->n_linked + 1));
    if (r->n_linked)
        memcpy(v, r->linked, sizeof *v * r->n_linked);
    v[r->n_linked++] = bw_arena_strdup(r->arena, ref, strlen(ref));
    r->linked = v;
}

bool bw_risk_has(const bw_risk_result *r, const char *prefix)
{
    size_t n = strlen(prefix);
    for (uint32_t i = 0; i < r->n_hits; i++)
        if (strncmp(r->hits[i].code, prefix, n) == 0)
            return true;
    return false;
}

const char *bw_risk_path(bw_arena *a, const char *field, int index, const char *member)
{
    char p[128];
    if (index >= 0)
        snprintf(p, sizeof p, "%s[%d]%s%s", field, index, member ? "." : "", member ? member : "");
    else
        snprintf(p, sizeof p, "%s%s%s", field, member ? "." : "", member ? member : "");
    return bw_arena_strdup(a, p, strlen(p));
}

void bw_risk_json(const bw_risk_result *r, bw_buf *out)
{
    bw_buf_puts(out, ",\"risk\":");
    bw_risk_object(r, out);
}

void bw_risk_object(const bw_risk_result *r, bw_buf *out)
{
    int32_t score = r->score < 0 ? 0 : r->score;
    bw_buf_puts(out, "{\"lane\":\"");
    bw_buf_puts(out, bw_lane_names[r->lane]);
    bw_buf_puts(out, "\",\"score\":");
    bw_buf_put_i64(out, score);
    bw_buf_puts(out, r->random ? ",\"random\":true" : ",\"random\":false");
    bw_buf_puts(out, ",\"hits\":[");
    for (uint32_t i = 0; i < r->n_hits; i++) {
        const bw_risk_hit *h = &r->hits[i];
        if (i)
            bw_buf_putc(out, ',');
        bw_buf_puts(out, "{\"code\":");
        bw_buf_put_json_str(out, h->code, strlen(h->code));
        if (*h->ref) {
            bw_buf_puts(out, ",\"ref\":");
            bw_buf_put_json_str(out, h->ref, strlen(h->ref));
        }
        if (*h->path) {
            bw_buf_puts(out, ",\"path\":");
            bw_buf_put_json_str(out, h->path, strlen(h->path));
        }
        bw_buf_puts(out, ",\"score\":");
        bw_buf_put_i64(out, h->score);
        if (h->lane != BW_LANE_NONE) {
            bw_buf_puts(out, ",\"lane\":\"");
            bw_buf_puts(out, bw_lane_names[h->lane]);
            bw_buf_putc(out, '"');
        }
        bw_buf_puts(out, ",\"reason\":");
        bw_buf_put_json_str(out, h->reason, strlen(h->reason));
        bw_buf_puts(out, ",\"evidence\":");
        bw_buf_puts(out, h->evidence); /* already JSON */
        bw_buf_putc(out, '}');
    }
    bw_buf_puts(out, "]}");
}
