/*
 * aeo.c - AEO status changes (aeo.h): from the API's JSON to a row in the
 * files' format, so that one parser (parties.c) checks both, and from the
 * store into the party history.
 *
 * "granted" is a synonym of "active": a registry speaks of granting, the
 * files of the status in force.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store_aeo.h"
#include "aeo.h"
#include "engine.h"
#include "parties.h"

static bool fail(char *why, size_t whylen, const char *member, const char *what)
{
    snprintf(why, whylen, "%s: %s", member, what);
    return false;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                             : NULL;
}

static bool clean(const char *s) { return !strpbrk(s, "\t\n\r"); }

static bool to_line(json_object *o, bw_aeo_change *out, char *why, size_t whylen)
{
    static const char *const keys[] = {"id", "name", "country", "status", "mutual_recognition", "valid_from",
                                       "valid_to", "carries_small_sellers", "note", NULL};
    json_object_object_foreach(o, key, val) {
        (void)val;
        bool known = false;
        for (int i = 0; keys[i]; i++)
            known |= !strcmp(key, keys[i]);
        if (!known)
            return fail(why, whylen, key,
                        "not a member (id, name, country, status, mutual_recognition, valid_from, valid_to,"
                        " carries_small_sellers, note)");
    }
    const char *id = str(o, "id"), *name = str(o, "name"), *country = str(o, "country"), *status = str(o, "status"),
               *from = str(o, "valid_from"), *to = str(o, "valid_to");
    json_object *v;
    if (!id || !clean(id) || strlen(id) >= sizeof out->id)
        return fail(why, whylen, "id", "required, the operator's id (1 to 64 printable characters)");
    if (!country || !status || !from)
        return fail(why, whylen, !country ? "country" : !status ? "status" : "valid_from", "required");
    if (!strcmp(status, "granted"))
        status = "active";
    if ((name && !clean(name)) || !clean(country) || !clean(status) || !clean(from) || (to && !clean(to)))
        return fail(why, whylen, "change", "no tabs or line breaks in values");
    char mra[256] = "";
    if (json_object_object_get_ex(o, "mutual_recognition", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > 60)
            return fail(why, whylen, "mutual_recognition", "an array of jurisdiction ids ([\"CN\", \"US\"])");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *j = json_object_array_get_idx(v, i);
            const char *s = json_object_is_type(j, json_type_string) ? json_object_get_string(j) : "";
            if (strlen(s) != 2)
                return fail(why, whylen, "mutual_recognition", "each entry is a two-letter jurisdiction id");
            snprintf(mra + strlen(mra), sizeof mra - strlen(mra), "%s%s", i ? "," : "", s);
        }
    }
    out->carries = false;
    if (json_object_object_get_ex(o, "carries_small_sellers", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return fail(why, whylen, "carries_small_sellers", "true or false");
        out->carries = json_object_get_boolean(v);
    }
    if (json_object_object_get_ex(o, "note", &v) && !json_object_is_type(v, json_type_string))
        return fail(why, whylen, "note", "a string");
    snprintf(out->id, sizeof out->id, "%s", id);
    int n = snprintf(out->line, sizeof out->line, "%s\t%.256s\t%.8s\t%.16s\t%s\t%.16s\t%.16s", id, name ? name : id,
                     country, status, mra, from, to ? to : "");
    if (n < 0 || (size_t)n >= sizeof out->line)
        return fail(why, whylen, "change", "too long");
    char err[400];
    if (!bw_parties_aeo_line_ok(out->line, err, sizeof err)) {
        const char *colon = strstr(err, ": "); /* "stored AEO change:1: why" -> why */
        return fail(why, whylen, "change", colon ? colon + 2 : err);
    }
    const char *canon = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    if (strlen(canon) >= sizeof out->json)
        return fail(why, whylen, "change", "too long");
    snprintf(out->json, sizeof out->json, "%s", canon);
    return true;
}

bool bw_aeo_change_parse(const char *json, size_t n, bw_aeo_change *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    bool ok = o && complete && json_object_is_type(o, json_type_object);
    if (!ok)
        fail(why, whylen, "change", "must be one JSON object");
    else
        ok = to_line(o, out, why, whylen);
    json_object_put(o);
    return ok;
}

typedef struct collected {
    char **lines;
    bool *carries;
    size_t n, cap;
    bool oom;
} collected;

static void collect(void *ctx, const bw_aeo_stored *a)
{
    collected *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        char **l = realloc(c->lines, cap * sizeof *l);
        if (l)
            c->lines = l;
        bool *k = realloc(c->carries, cap * sizeof *k);
        if (k)
            c->carries = k;
        if (!l || !k) {
            c->oom = true;
            return;
        }
        c->cap = cap;
    }
    c->carries[c->n] = a->carries;
    c->lines[c->n++] = strdup(a->line);
}

static pthread_mutex_t reload_mu = PTHREAD_MUTEX_INITIALIZER; /* one replacement at a time */

bool bw_aeo_reload(bw_risk_engine *e, bw_store *s, char *err, size_t errlen)
{
    collected c = {0};
    bool ok = bw_store_aeo_changes(s, NULL, collect, &c);
    if (!ok)
        snprintf(err, errlen, "%s", bw_store_error(s));
    else if (c.oom)
        snprintf(err, errlen, "out of memory"), ok = false;
    if (ok) {
        pthread_mutex_lock(&reload_mu);
        ok = bw_parties_set_aeo_changes(bw_risk_engine_parties(e), (const char *const *)c.lines, c.carries, c.n, err,
                                        errlen);
        pthread_mutex_unlock(&reload_mu);
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.lines[i]);
    free(c.lines);
    free(c.carries);
    return ok;
}
