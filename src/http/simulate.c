/*
 * simulate.c - POST /v1/simulate: the de minimis simulator
 * (src/stats/simulate.h, docs/simulator.md) for customs roles; the same
 * library calls as `breakwater simulate`.
 *
 *   {"jurisdiction": "EU",
 *    "scenarios": ["low:duty=22,tax=0", {"name": "high", "duty": "500.00", "tax": "none", "basis": "cif"}],
 *    "from": "2026-01-01", "to": "2026-06-30"}
 *
 * JSON out (the CLI's --format json); ?format=svg answers the bar chart.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "../stats/simulate.h"
#include "http.h"

enum { SCENARIOS_MAX = 16 };

/* A scenario object as the CLI's text, so one parser decides. */
static bool scenario_text(json_object *o, char *out, size_t cap, char *err, size_t errlen)
{
    if (json_object_is_type(o, json_type_string)) {
        snprintf(out, cap, "%s", json_object_get_string(o));
        return true;
    }
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "scenarios: each is a string NAME:duty=X,tax=Y[,...] or an object {name, duty, tax, "
                              "basis, full}");
        return false;
    }
    json_object *v;
    const char *name = json_object_object_get_ex(o, "name", &v) ? json_object_get_string(v) : "";
    size_t n = (size_t)snprintf(out, cap, "%s:", name ? name : "");
    bool first = true;
    json_object_object_foreach(o, key, val)
    {
        if (!strcmp(key, "name"))
            continue;
        if (!json_object_is_type(val, json_type_string) && !json_object_is_type(val, json_type_null)) {
            snprintf(err, errlen, "scenario %s: %s: a string (\"150.00\", \"none\", \"cif\") or null", name, key);
            return false;
        }
        const char *s = json_object_is_type(val, json_type_null) ? "none" : json_object_get_string(val);
        if (n < cap)
            n += (size_t)snprintf(out + n, cap - n, "%s%s=%s", first ? "" : ",", key, s);
        first = false;
    }
    return true;
}

static bool day_member(json_object *root, const char *key, bool end, bw_time *out, char *err, size_t errlen)
{
    json_object *v;
    *out = 0;
    if (!json_object_object_get_ex(root, key, &v) || json_object_is_type(v, json_type_null))
        return true;
    const char *s = json_object_get_string(v);
    if (!json_object_is_type(v, json_type_string) || strlen(s) != 10 || !bw_time_parse(s, 10, out)) {
        snprintf(err, errlen, "%s: a date YYYY-MM-DD", key);
        return false;
    }
    if (end)
        *out += 86400; /* the last day is included */
    return true;
}

/* The request's scenarios after `current`; false with err. */
static bool parse(bw_request *r, json_object *root, const bw_jurisdiction **j, bw_sim_scenario *sc, uint32_t *n,
                  bw_time *from, bw_time *to, char *err, size_t errlen)
{
    json_object *v, *list;
    const char *id = json_object_object_get_ex(root, "jurisdiction", &v) ? json_object_get_string(v) : NULL;
    *j = id ? bw_jurisdiction_find(bw_server_refdata(r->srv), (bw_str){id, (uint32_t)strlen(id)}) : NULL;
    if (!*j) {
        snprintf(err, errlen, "jurisdiction: %s (known: %s)", id ? "unknown" : "required",
                 bw_jurisdiction_ids(bw_server_refdata(r->srv)));
        return false;
    }
    if (!json_object_object_get_ex(root, "scenarios", &list) || !json_object_is_type(list, json_type_array) ||
        json_object_array_length(list) > SCENARIOS_MAX - 1) {
        snprintf(err, errlen, "scenarios: a list of at most %d scenarios (the current one is always added)",
                 SCENARIOS_MAX - 1);
        return false;
    }
    bw_sim_scenario_current(&sc[0]);
    *n = 1;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        char text[512];
        if (!scenario_text(json_object_array_get_idx(list, i), text, sizeof text, err, errlen) ||
            !bw_sim_scenario_parse(text, *j, &sc[*n], err, errlen))
            return false;
        for (uint32_t k = 1; k < *n; k++)
            if (!strcmp(sc[k].name, sc[*n].name)) {
                snprintf(err, errlen, "scenario %s: the name is given twice", sc[k].name);
                return false;
            }
        (*n)++;
    }
    json_object_object_foreach(root, key, val)
    {
        (void)val;
        if (strcmp(key, "jurisdiction") && strcmp(key, "scenarios") && strcmp(key, "from") && strcmp(key, "to")) {
            snprintf(err, errlen, "%s: not a member (jurisdiction, scenarios, from, to)", key);
            return false;
        }
    }
    if (!day_member(root, "from", false, from, err, errlen) || !day_member(root, "to", true, to, err, errlen))
        return false;
    if (*from && *to && *from >= *to) {
        snprintf(err, errlen, "from is after to");
        return false;
    }
    return true;
}

void bw_h_post_simulate(bw_request *r)
{
    const char *format = bw_request_query(r, "format");
    if (format && strcmp(format, "json") && strcmp(format, "svg")) {
        bw_answer_problem(r, 400, "format: json (default) or svg", NULL, NULL);
        return;
    }
    json_object *root = r->body.n ? json_tokener_parse(bw_buf_cstr(&r->body)) : NULL;
    char err[1024];
    const bw_jurisdiction *j;
    bw_sim_scenario sc[SCENARIOS_MAX];
    uint32_t n;
    bw_time from, to;
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        bw_answer_problem(r, 400, "the body is not a JSON object {jurisdiction, scenarios, from, to}", NULL, NULL);
        return;
    }
    bool ok = parse(r, root, &j, sc, &n, &from, &to, err, sizeof err);
    json_object_put(root);
    if (!ok) {
        bw_answer_problem(r, 400, err, NULL, NULL);
        return;
    }
    bw_store *s = bw_server_store(r->srv);
    bw_sim_costs costs;
    bw_sim_run run;
    if (!s || !bw_sim_replay(s, bw_server_refdata(r->srv), bw_default_datadir(NULL), j, sc, n, from, to, &costs,
                             &run, err, sizeof err)) {
        fprintf(stderr, "breakwater serve: simulate: %s\n", s ? err : "no store connection");
        bw_answer_problem(r, 500, "the simulation could not be run (see the server log)", NULL, NULL);
        return;
    }
    if (format && !strcmp(format, "svg")) {
        bw_sim_svg(&run, &r->out);
        r->content_type = "image/svg+xml";
    } else
        bw_sim_json(&run, &r->out);
    bw_sim_run_free(&run);
    bw_sim_costs_free(&costs);
    bw_answer_json(r, 200);
}
