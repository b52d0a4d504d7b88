/*
 * pipeline.c - validate, assess and decide one record (see pipeline.h).
 */
#include "../revenue/revenue.h"
#include "pipeline.h"
#include "../risk/engine.h"
#include "../stats/simulate.h"

const char *const bw_status_names[] = {"accepted", "rejected"};

/* The fields a quote still needs: what the assessment reads. */
static bool needed_for_quote(const char *path)
{
    static const char *const ends[] = {".hs_code", ".value", ".quantity", ".origin", NULL};
    if (!strcmp(path, "jurisdiction") || !strcmp(path, "items") || !strcmp(path, "buyer.address.country"))
        return true;
    if (strncmp(path, "items[", 6) != 0)
        return false;
    size_t n = strlen(path);
    for (int i = 0; ends[i]; i++) {
        size_t e = strlen(ends[i]);
        if (n > e && !strcmp(path + n - e, ends[i]))
            return true;
    }
    return false;
}

/* A quote's missing lodging fields and disagreeing order totals become
 * warnings: the buyer is told, the estimate goes on. */
static void relax_for_quote(bw_issues *iss)
{
    for (uint32_t i = 0; i < iss->n; i++) {
        bw_issue *e = &iss->v[i];
        if (e->severity != BW_ERROR)
            continue;
        if ((!strcmp(e->code, "field.required") && !needed_for_quote(e->path)) || !strncmp(e->code, "reconcile.", 10)) {
            e->severity = BW_WARNING;
            iss->errors--;
            iss->warnings++;
        }
    }
}

/* Whether the relief the outcome gives depends on a per-buyer limit. */
static bool relief_is_limited(const bw_outcome *o)
{
    const bw_de_minimis_rule *r = o->rule;
    return r && r->buyer_limit >= 0 && (!o->duty_due || !o->tax_due || r->tax_factor_ppm < BW_PPM);
}

static void assess_revenue(const bw_pipeline *p, bw_record *rec, bw_outcome *out)
{
    out->revenue = bw_arena_alloc(&rec->arena, sizeof *out->revenue);
    bw_assess_revenue(p->rd, &rec->decl, out, &rec->arena, out->revenue);
    if (!relief_is_limited(out))
        return;
    /* the same declaration assessed as if the buyer were over the limit:
     * which one stands is settled in the store, against the running total */
    bw_outcome *alt = bw_arena_alloc(&rec->arena, sizeof *alt);
    *alt = *out;
    alt->over_buyer_limit = true;
    alt->de_minimis_rule = NULL;
    alt->rule = NULL;
    alt->tax_prepaid = alt->flat_duty = false;
    bw_assess_category(p->rd, &rec->decl, out->jurisdiction, out->version, out->assessed_at, &rec->issues, alt);
    alt->revenue = bw_arena_alloc(&rec->arena, sizeof *alt->revenue);
    bw_assess_revenue(p->rd, &rec->decl, alt, &rec->arena, alt->revenue);
    alt->over_limit = NULL;
    out->over_limit = alt;
}

void bw_pipeline_run(const bw_pipeline *p, bw_record *rec, bw_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->consignment_value = -1;
    out->assessed_at = p->as_of ? p->as_of : bw_time_now();
    if (rec->decodable) {
        bw_declaration *d = &rec->decl;
        const bw_jurisdiction *j;
        const bw_jur_version *v = bw_validate(p->rd, d, out->assessed_at, &rec->issues, &j);
        out->jurisdiction = j;
        out->version = v;
        if (v) {
            bw_assess_category(p->rd, d, j, v, out->assessed_at, &rec->issues, out);
            if (out->category)
                bw_validate_required(p->rd, d, v, out->category, &rec->issues);
        }
        if (p->quote)
            relax_for_quote(&rec->issues);
    }
    out->status = rec->issues.errors || !rec->decodable ? BW_STATUS_REJECTED : BW_STATUS_ACCEPTED;
    if (out->status != BW_STATUS_ACCEPTED)
        return;
    assess_revenue(p, rec, out);
    if (!p->quote) { /* what the de minimis simulator replays (src/stats/simulate.h) */
        bw_sim_basis *b = bw_arena_alloc(&rec->arena, sizeof *b);
        if (bw_sim_basis_compute(p->rd, &rec->decl, out, &rec->arena, b))
            out->sim_basis = b;
    }
    if (p->risk && !p->quote) {
        out->risk = bw_arena_alloc(&rec->arena, sizeof *out->risk);
        bw_risk_assess(p->risk, p->rd, &rec->decl, out, &rec->issues, &rec->arena, out->risk);
        if (out->over_limit)
            out->over_limit->risk = out->risk;
    }
}
