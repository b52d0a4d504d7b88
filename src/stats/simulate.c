/*
 * simulate.c - the de minimis simulator's logic (see simulate.h): the
 * revenue basis of a declaration, scenarios, collection costs, the sums.
 * Its SQL is in src/store/store_simulate.c, its outputs in
 * simulate_view.c.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "../revenue/revenue.h"
#include "simulate.h"

const char *const bw_sim_basis_names[] = {"intrinsic", "customs", "cif", "in force"};

/* ---- the basis ------------------------------------------------------------------------ */

/* An assessment already made, keyed by what decides its amounts. */
typedef struct known {
    bool duty_due, tax_due, tax_prepaid, flat_duty;
    int64_t factor;
    int64_t duty, tax;
} known;

static known key_of(const bw_outcome *o)
{
    return (known){o->duty_due, o->tax_due, o->tax_prepaid, o->flat_duty,
                   o->rule ? o->rule->tax_factor_ppm : BW_PPM, 0, 0};
}

static bool same_key(const known *a, const known *b)
{
    return a->duty_due == b->duty_due && a->tax_due == b->tax_due && a->tax_prepaid == b->tax_prepaid &&
           a->flat_duty == b->flat_duty && a->factor == b->factor;
}

typedef struct variants {
    known k[6];
    int n;
    int rule;            /* the index of the rule that matches, -1 none */
} variants;

/* Duty and tax with the IRG assessment's own rules (gift relief, excise
 * goods, vendor schemes, flat duty, a rule's tax factor) but every
 * threshold moved below (above = true) or above the consignment's value.
 * Both thresholds above: the rule's relief is gone altogether, as for a
 * buyer over its limit (no rule: full duty and tax at the full rate). */
static bool assess_variant(const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o, bw_arena *arena,
                           bool duty_above, bool tax_above, variants *vs, int64_t *duty, int64_t *tax)
{
    const bw_jur_version *v = o->version;
    bw_jur_version alt_version = *v;
    alt_version.full_declaration_threshold = -1; /* the scenario decides what is above */
    bw_de_minimis_rule *rules = bw_arena_alloc(arena, (v->n_rules + 1) * sizeof *rules);
    for (uint32_t i = 0; i < v->n_rules; i++) {
        rules[i] = v->rules[i];
        rules[i].duty_threshold = duty_above ? -1 : INT64_MAX;
        rules[i].tax_threshold = tax_above ? -1 : INT64_MAX;
        rules[i].buyer_limit = -1; /* the limit's outcome is kept as it fell (over_limit) */
        rules[i].over_limit_category = 0;
    }
    alt_version.rules = rules;
    if (duty_above && tax_above)
        alt_version.n_rules = 0;
    bw_outcome alt = *o;
    alt.version = &alt_version;
    alt.over_buyer_limit = false;
    alt.de_minimis_rule = NULL;
    alt.rule = NULL;
    alt.tax_prepaid = alt.flat_duty = false;
    alt.over_limit = NULL;
    alt.risk = NULL;
    bw_issues iss;
    bw_issues_init(&iss, arena);
    bw_assess_category(rd, d, o->jurisdiction, &alt_version, o->assessed_at, &iss, &alt);
    if (!duty_above && !tax_above)
        vs->rule = alt.rule ? (int)(alt.rule - rules) : -1;
    known k = key_of(&alt);
    for (int i = 0; i < vs->n; i++)
        if (same_key(&vs->k[i], &k)) {
            *duty = vs->k[i].duty;
            *tax = vs->k[i].tax;
            return true;
        }
    /* no tax collected at all: the duty is that of any assessment with the
     * same duty (it does not depend on the tax), the tax 0 */
    if (!alt.tax_due && !alt.tax_prepaid)
        for (int i = 0; i < vs->n; i++)
            if (vs->k[i].duty_due == k.duty_due && vs->k[i].flat_duty == k.flat_duty) {
                *duty = vs->k[i].duty;
                *tax = 0;
                return true;
            }
    bw_revenue rev;
    if (!bw_assess_revenue(rd, d, &alt, arena, &rev) || !rev.computed)
        return false;
    k.duty = *duty = rev.duty;
    k.tax = *tax = rev.tax;
    if (vs->n < 6)
        vs->k[vs->n++] = k;
    return true;
}

/* The threshold a rule gives, no higher than the full-declaration one
 * (above it a consignment is category 4: nothing is relieved). */
static int64_t capped(int64_t threshold, int64_t full)
{
    if (threshold < 0)
        return -1;
    return full >= 0 && full < threshold ? full : threshold;
}

bool bw_sim_basis_compute(const bw_refdata *rd, const bw_declaration *d, const bw_outcome *o, bw_arena *arena,
                          bw_sim_basis *out)
{
    const bw_revenue *r = o->revenue;
    if (o->status != BW_STATUS_ACCEPTED || !o->version || !r || !r->computed || d->n_items == 0)
        return false;
    bw_sim_basis b = {0};
    size_t idn = strlen(o->jurisdiction->id);
    memcpy(b.jurisdiction, o->jurisdiction->id, idn < sizeof b.jurisdiction ? idn : sizeof b.jurisdiction - 1);
    b.day = o->assessed_at - ((o->assessed_at % 86400) + 86400) % 86400;
    b.model = d->collection.model.value < 4 ? d->collection.model.value : 0;
    uint32_t top = 0;
    for (uint32_t i = 0; i < r->n_items; i++) {
        int64_t cif;
        if (__builtin_add_overflow(r->items[i].value, r->items[i].transport, &cif) ||
            __builtin_add_overflow(b.value[SIM_BASIS_INTRINSIC], r->items[i].value, &b.value[SIM_BASIS_INTRINSIC]) ||
            __builtin_add_overflow(b.value[SIM_BASIS_CIF], cif, &b.value[SIM_BASIS_CIF]))
            return false; /* amounts too large to replay (the assessment itself fits) */
        if (r->items[i].value > r->items[top].value)
            top = i;
    }
    b.value[SIM_BASIS_CUSTOMS] = r->customs_value;
    bw_str origin = d->items[top].origin;
    if (origin.n == 2)
        memcpy(b.origin, origin.p, 2);
    const bw_jur_version *v = o->version;
    b.basis_in_force = v->basis == BASIS_INTRINSIC ? SIM_BASIS_INTRINSIC : SIM_BASIS_CUSTOMS;
    variants vs = {.n = 1, .rule = -1};
    vs.k[0] = key_of(o);
    vs.k[0].duty = r->duty;
    vs.k[0].tax = r->tax;
    /* tax above first: below the tax threshold the duty is usually one
     * already known and the tax 0, with no assessment to run */
    if (!assess_variant(rd, d, o, arena, true, true, &vs, &b.duty_high, &b.tax_at[1][1]) ||
        !assess_variant(rd, d, o, arena, false, true, &vs, &b.duty_low, &b.tax_at[0][1]) ||
        !assess_variant(rd, d, o, arena, true, false, &vs, &(int64_t){0}, &b.tax_at[1][0]) ||
        !assess_variant(rd, d, o, arena, false, false, &vs, &(int64_t){0}, &b.tax_at[0][0]))
        return false;
    int64_t full = v->full_declaration_threshold;
    const bw_de_minimis_rule *rule = vs.rule >= 0 ? &v->rules[vs.rule] : NULL;
    b.duty_threshold = rule ? capped(rule->duty_threshold, full) : -1;
    b.tax_threshold = rule ? capped(rule->tax_threshold, full) : -1;
    if (!v->tax_applies)
        b.tax_threshold = -1; /* no tax at the border: tax[][] are all 0 */
    b.full_threshold = full;
    b.duty = r->duty;
    b.tax = r->tax;
    *out = b;
    return true;
}

/* ---- scenarios ------------------------------------------------------------------------ */

void bw_sim_scenario_current(bw_sim_scenario *out)
{
    *out = (bw_sim_scenario){.name = "current", .in_force = true, .duty_threshold = -1, .tax_threshold = -1,
                             .full_threshold = -1, .basis = SIM_BASIS_IN_FORCE};
}

static bool amount(const char *name, const char *field, const char *s, size_t n, const bw_jurisdiction *j,
                   int64_t *out, char *err, size_t errlen)
{
    if (n == 4 && !memcmp(s, "none", 4)) {
        *out = -1;
        return true;
    }
    bw_decimal dec;
    bw_dec_status st = bw_decimal_parse(s, n, &dec);
    if (st == BW_DEC_OK)
        st = bw_decimal_rescale(dec, (unsigned)j->currency_exponent, out);
    if (st == BW_DEC_OK && *out >= 0)
        return true;
    snprintf(err, errlen, "scenario %s: %s=%.*s: %s", name, field, (int)(n > 40 ? 40 : n), s,
             st == BW_DEC_PRECISION ? "more decimals than the currency has"
             : st == BW_DEC_OVERFLOW ? "too large"
             : st == BW_DEC_OK ? "a threshold cannot be negative"
                               : "not a decimal amount (e.g. 150.00) or none");
    if (st == BW_DEC_PRECISION)
        snprintf(err + strlen(err), errlen - strlen(err), " (%s: %d)", j->currency, j->currency_exponent);
    return false;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_' || s[i] == '-' || s[i] == '.'))
            return false;
    return true;
}

/* One "key=value" of a scenario. */
static bool field(bw_sim_scenario *sc, const char *f, size_t n, const bw_jurisdiction *j, unsigned *seen, char *err,
                  size_t errlen)
{
    const char *eq = memchr(f, '=', n);
    if (!eq) {
        snprintf(err, errlen, "scenario %s: \"%.*s\": expected key=value (duty, tax, basis, full)", sc->name,
                 (int)(n > 40 ? 40 : n), f);
        return false;
    }
    size_t kn = (size_t)(eq - f);
    const char *val = eq + 1;
    size_t vn = n - kn - 1;
    static const char *const keys[] = {"duty", "tax", "basis", "full"};
    int k = -1;
    for (int i = 0; i < 4; i++)
        if (kn == strlen(keys[i]) && !memcmp(f, keys[i], kn))
            k = i;
    if (k < 0) {
        snprintf(err, errlen, "scenario %s: unknown field \"%.*s\" (duty, tax, basis, full)", sc->name,
                 (int)(kn > 40 ? 40 : kn), f);
        return false;
    }
    if (*seen & (1u << k)) {
        snprintf(err, errlen, "scenario %s: %s given twice", sc->name, keys[k]);
        return false;
    }
    *seen |= 1u << k;
    if (k == 0)
        return amount(sc->name, "duty", val, vn, j, &sc->duty_threshold, err, errlen);
    if (k == 1)
        return amount(sc->name, "tax", val, vn, j, &sc->tax_threshold, err, errlen);
    if (k == 3)
        return amount(sc->name, "full", val, vn, j, &sc->full_threshold, err, errlen);
    for (int b = 0; b < 3; b++)
        if (vn == strlen(bw_sim_basis_names[b]) && !memcmp(val, bw_sim_basis_names[b], vn)) {
            sc->basis = (bw_sim_value_basis)b;
            return true;
        }
    snprintf(err, errlen, "scenario %s: basis=%.*s: intrinsic, customs or cif", sc->name, (int)(vn > 40 ? 40 : vn),
             val);
    return false;
}

bool bw_sim_scenario_parse(const char *text, const bw_jurisdiction *j, bw_sim_scenario *out, char *err,
                           size_t errlen)
{
    *out = (bw_sim_scenario){.duty_threshold = -1, .tax_threshold = -1, .full_threshold = -2,
                             .basis = SIM_BASIS_IN_FORCE};
    const char *colon = strchr(text, ':');
    size_t nn = colon ? (size_t)(colon - text) : strlen(text);
    if (!colon || !valid_name(text, nn)) {
        snprintf(err, errlen, "scenario \"%.*s\": expected NAME:duty=X,tax=Y[,basis=intrinsic|customs|cif][,full=Z] "
                 "with a NAME of 1-32 letters, digits, '-', '_' or '.'", (int)(nn > 40 ? 40 : nn), text);
        return false;
    }
    memcpy(out->name, text, nn);
    if (!strcmp(out->name, "current")) {
        snprintf(err, errlen, "scenario current: the name is reserved for the rules in force, always shown");
        return false;
    }
    unsigned seen = 0;
    for (const char *f = colon + 1;;) {
        const char *comma = strchr(f, ',');
        size_t n = comma ? (size_t)(comma - f) : strlen(f);
        if (!field(out, f, n, j, &seen, err, errlen))
            return false;
        if (!comma)
            break;
        f = comma + 1;
    }
    if ((seen & 3) != 3) {
        snprintf(err, errlen, "scenario %s: %s missing: give both duty=X and tax=Y (an amount in %s, or none)",
                 out->name, seen & 1 ? "tax" : "duty", j->currency);
        return false;
    }
    if (!strcmp(j->id, "CN") && out->duty_threshold != out->tax_threshold) {
        snprintf(err, errlen, "scenario %s: CN: duty and tax must be the same threshold: the retail import relief is "
                 "one per-order limit for both (0%% duty and tax at 70%% within it, general trade above), not "
                 "separate duty and tax thresholds", out->name);
        return false;
    }
    return true;
}

/* ---- costs ---------------------------------------------------------------------------- */

void bw_sim_costs_path(const char *datadir, char *out, size_t n) { snprintf(out, n, "%s/simulate/costs.json", datadir); }

void bw_sim_costs_free(bw_sim_costs *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}

static bool cost_amount(json_object *o, const char *key, const bw_jurisdiction *j, int64_t *out, char *why, size_t n)
{
    json_object *v;
    bw_decimal d;
    const char *s = json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
                        ? json_object_get_string(v)
                        : NULL;
    if (!s || bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK ||
        bw_decimal_rescale(d, (unsigned)j->currency_exponent, out) != BW_DEC_OK || *out < 0) {
        snprintf(why, n, "%s: a decimal string in %s, not negative, at most %d decimals", key, j->currency,
                 j->currency_exponent);
        return false;
    }
    return true;
}

static bool cost_version(json_object *e, const bw_jurisdiction *j, bw_sim_cost *c, char *why, size_t n)
{
    json_object *v;
    const char *from = json_object_object_get_ex(e, "effective_from", &v) && json_object_is_type(v, json_type_string)
                           ? json_object_get_string(v)
                           : NULL;
    if (!from || !bw_time_parse(from, strlen(from), &c->effective_from)) {
        snprintf(why, n, "effective_from: a date (YYYY-MM-DD)");
        return false;
    }
    const char *cur = json_object_object_get_ex(e, "currency", &v) ? json_object_get_string(v) : NULL;
    if (!cur || strcmp(cur, j->currency)) {
        snprintf(why, n, "currency: must be %s, the jurisdiction's", j->currency);
        return false;
    }
    return cost_amount(e, "full", j, &c->full, why, n) && cost_amount(e, "simplified", j, &c->simplified, why, n) &&
           cost_amount(e, "relieved", j, &c->relieved, why, n);
}

bool bw_sim_costs_load(const char *path, const bw_jurisdiction *j, bw_sim_costs *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_object *root = json_object_from_file(path);
    json_object *jurs, *list, *src;
    if (!root || !json_object_object_get_ex(root, "jurisdictions", &jurs)) {
        snprintf(err, errlen, "%s: not a JSON object with \"jurisdictions\"", path);
        json_object_put(root);
        return false;
    }
    if (json_object_object_get_ex(root, "source", &src))
        snprintf(out->source, sizeof out->source, "%s", json_object_get_string(src));
    if (!json_object_object_get_ex(jurs, j->id, &list) || !json_object_is_type(list, json_type_array) ||
        json_object_array_length(list) == 0) {
        snprintf(err, errlen, "%s: no collection costs for %s (jurisdictions.%s: a list of effective-dated costs)",
                 path, j->id, j->id);
        json_object_put(root);
        return false;
    }
    size_t n = json_object_array_length(list);
    out->v = calloc(n, sizeof *out->v);
    for (size_t i = 0; i < n; i++) {
        char why[200];
        if (!cost_version(json_object_array_get_idx(list, i), j, &out->v[i], why, sizeof why) ||
            (i && out->v[i].effective_from <= out->v[i - 1].effective_from &&
             snprintf(why, sizeof why, "effective_from: versions must be in ascending order"))) {
            snprintf(err, errlen, "%s: jurisdictions.%s[%zu].%s", path, j->id, i, why);
            bw_sim_costs_free(out);
            json_object_put(root);
            return false;
        }
        out->n++;
    }
    json_object_put(root);
    return true;
}

static const bw_sim_cost *cost_at(const bw_sim_costs *c, bw_time day)
{
    const bw_sim_cost *found = NULL;
    for (uint32_t i = 0; i < c->n && c->v[i].effective_from <= day; i++)
        found = &c->v[i];
    return found ? found : &c->v[0]; /* before the first: the earliest known */
}

/* ---- a run ---------------------------------------------------------------------------- */

bool bw_sim_run_init(bw_sim_run *r, const bw_jurisdiction *j, const bw_sim_costs *costs, const bw_sim_scenario *sc,
                     uint32_t n)
{
    memset(r, 0, sizeof *r);
    r->j = j;
    r->costs = costs;
    r->scenarios = sc;
    r->n = n;
    r->results = calloc(n ? n : 1, sizeof *r->results);
    return r->results != NULL;
}

void bw_sim_run_free(bw_sim_run *r)
{
    free(r->results);
    r->results = NULL;
}

static int origin_index(const char o[3])
{
    if (o[0] < 'A' || o[0] > 'Z' || o[1] < 'A' || o[1] > 'Z')
        return -1;
    return (o[0] - 'A') * 26 + (o[1] - 'A');
}

static bool above(int64_t value, int64_t threshold) { return threshold < 0 || value > threshold; }

static void add_one(const bw_sim_scenario *sc, const bw_sim_cost *cost, const bw_sim_basis *b, int origin,
                    bw_sim_result *res)
{
    bw_sim_value_basis basis = sc->basis == SIM_BASIS_IN_FORCE ? (bw_sim_value_basis)b->basis_in_force : sc->basis;
    int64_t v = b->value[basis];
    int64_t dt = sc->in_force ? b->duty_threshold : sc->duty_threshold;
    int64_t tt = sc->in_force ? b->tax_threshold : sc->tax_threshold;
    int64_t ft = sc->in_force ? b->full_threshold
                 : sc->full_threshold != -2 ? sc->full_threshold
                 : sc->duty_threshold >= 0 ? sc->duty_threshold
                                           : b->full_threshold;
    bool da = b->over_limit || above(v, dt), ta = b->over_limit || above(v, tt);
    int64_t duty = da ? b->duty_high : b->duty_low, tax = b->tax_at[da][ta];
    if (__builtin_add_overflow(res->duty, duty, &res->duty) || __builtin_add_overflow(res->tax, tax, &res->tax))
        res->overflow = true; /* said in the output: the sums are not to be trusted */
    res->owe_duty += duty > 0;
    res->owe_tax += tax > 0;
    int64_t c = cost->relieved;
    if (ft >= 0 && v > ft) {
        res->full++;
        c = cost->full;
    } else if (duty > 0 || tax > 0) {
        res->simplified++;
        c = cost->simplified;
    } else
        res->relieved++;
    if (__builtin_add_overflow(res->cost, c, &res->cost))
        res->overflow = true;
    if (da || ta) {
        if (origin >= 0)
            res->crossing[origin]++;
        else
            res->crossing_unknown++;
    }
}

void bw_sim_add(bw_sim_run *r, const bw_sim_basis *b)
{
    int origin = origin_index(b->origin);
    const bw_sim_cost *cost = cost_at(r->costs, b->day);
    r->consignments++;
    if (origin >= 0)
        r->by_origin[origin]++;
    else
        r->origin_unknown++;
    if (__builtin_add_overflow(r->assessed_duty, b->duty, &r->assessed_duty) ||
        __builtin_add_overflow(r->assessed_tax, b->tax, &r->assessed_tax))
        r->overflow = true;
    for (uint32_t i = 0; i < r->n; i++)
        add_one(&r->scenarios[i], cost, b, origin, &r->results[i]);
}

bool bw_sim_current_matches(const bw_sim_run *r, uint32_t i)
{
    return !r->overflow && !r->results[i].overflow && r->results[i].duty == r->assessed_duty &&
           r->results[i].tax == r->assessed_tax;
}

bool bw_sim_overflowed(const bw_sim_run *r)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (r->results[i].overflow)
            return true;
    return r->overflow;
}
