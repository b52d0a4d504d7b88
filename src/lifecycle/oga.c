/*
 * oga.c - agencies' interests and what they match (oga.h).
 *
 * Keywords are compared as screening compares terms: both sides normalized
 * the same way (src/risk/normalize.h: one ASCII form, other scripts
 * transliterated, case folded), and a keyword matches whole words only
 * ("tea" is in "green tea leaves", not in "steam iron").  Interests are a
 * handful per agency, so a declaration is matched by a plain scan.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reference/refdata.h"
#include "../risk/normalize.h"
#include "oga.h"

bool bw_oga_agency_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    if (n == 0 || n > BW_OGA_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}

void bw_oga_interest_free(bw_oga_interest *in)
{
    for (uint32_t i = 0; i < in->n_hs; i++)
        free(in->hs[i]);
    for (uint32_t i = 0; i < in->n_keywords; i++)
        free(in->keywords[i]);
    free(in->hs);
    free(in->keywords);
    free(in->origins);
    free(in->json);
    memset(in, 0, sizeof *in);
}

static bool fail(char *why, size_t whylen, const char *member, const char *what)
{
    snprintf(why, whylen, "%s: %s", member, what);
    return false;
}

/* A list member: absent is empty; else an array of at most MAX_TERMS strings. */
static bool string_list(json_object *o, const char *key, json_object **out, char *why, size_t whylen)
{
    *out = NULL;
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > BW_OGA_MAX_TERMS)
        return fail(why, whylen, key, "must be an array of at most 64 strings");
    for (size_t i = 0; i < json_object_array_length(v); i++)
        if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
            return fail(why, whylen, key, "must be an array of strings");
    *out = v;
    return true;
}

static bool parse_hs(json_object *list, bw_oga_interest *in, char *why, size_t whylen)
{
    size_t n = list ? json_object_array_length(list) : 0;
    in->hs = calloc(n ? n : 1, sizeof *in->hs);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(list, i));
        size_t len = strlen(s);
        if (len < 2 || len > 10 || strspn(s, "0123456789") != len)
            return fail(why, whylen, "hs_prefixes", "each prefix is 2 to 10 digits (\"0901\", \"3004\")");
        in->hs[in->n_hs++] = strdup(s);
    }
    return true;
}

static bool parse_keywords(json_object *list, bw_oga_interest *in, char *why, size_t whylen)
{
    size_t n = list ? json_object_array_length(list) : 0;
    in->keywords = calloc(n ? n : 1, sizeof *in->keywords);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(list, i));
        char norm[BW_OGA_KEYWORD_MAX + 1];
        if (strlen(s) > 4 * BW_OGA_KEYWORD_MAX || bw_norm_text(s, strlen(s), norm, sizeof norm, 0) == 0)
            return fail(why, whylen, "keywords",
                        "each keyword needs a letter or digit and at most 128 characters once normalized");
        in->keywords[in->n_keywords++] = strdup(norm);
    }
    return true;
}

static bool parse_origins(json_object *list, bw_oga_interest *in, char *why, size_t whylen)
{
    size_t n = list ? json_object_array_length(list) : 0;
    in->origins = calloc(n ? n : 1, sizeof *in->origins);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(list, i));
        if (strlen(s) != 2 || !bw_country_known((bw_str){s, 2}))
            return fail(why, whylen, "origins", "each origin is an ISO 3166-1 alpha-2 country code (\"CN\")");
        memcpy(in->origins[in->n_origins++], s, 3);
    }
    return true;
}

static bool parse_day(json_object *o, const char *key, bool required, bw_time *out, char *why, size_t whylen)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
        if (required)
            return fail(why, whylen, key, "required, a date YYYY-MM-DD");
        *out = INT64_MAX;
        return true;
    }
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
    if (strlen(s) != 10 || !bw_time_parse(s, 10, out))
        return fail(why, whylen, key, "must be a date YYYY-MM-DD");
    return true;
}

static bool parse_object(const char *agency, json_object *o, bw_oga_interest *in, char *why, size_t whylen)
{
    static const char *const keys[] = {"id", "hs_prefixes", "keywords", "origins", "valid_from", "valid_to", "note",
                                       NULL};
    json_object_object_foreach(o, key, val) {
        (void)val;
        bool known = false;
        for (int i = 0; keys[i]; i++)
            known |= !strcmp(key, keys[i]);
        if (!known)
            return fail(why, whylen, key,
                        "not a member of an interest (id, hs_prefixes, keywords, origins, valid_from, valid_to, note)");
    }
    json_object *v, *hs, *kw, *orig;
    const char *id = json_object_object_get_ex(o, "id", &v) && json_object_is_type(v, json_type_string)
                         ? json_object_get_string(v)
                         : NULL;
    if (!id || !bw_oga_agency_ok(id))
        return fail(why, whylen, "id", "required, 1-70 of A-Z a-z 0-9 - _ .");
    if (!bw_oga_agency_ok(agency))
        return fail(why, whylen, "agency", "1-70 of A-Z a-z 0-9 - _ .");
    snprintf(in->agency, sizeof in->agency, "%s", agency);
    snprintf(in->id, sizeof in->id, "%s", id);
    if (json_object_object_get_ex(o, "note", &v) && !json_object_is_type(v, json_type_string))
        return fail(why, whylen, "note", "must be a string");
    if (!string_list(o, "hs_prefixes", &hs, why, whylen) || !string_list(o, "keywords", &kw, why, whylen) ||
        !string_list(o, "origins", &orig, why, whylen) || !parse_hs(hs, in, why, whylen) ||
        !parse_keywords(kw, in, why, whylen) || !parse_origins(orig, in, why, whylen))
        return false;
    if (!in->n_hs && !in->n_keywords && !in->n_origins)
        return fail(why, whylen, "interest", "needs at least one of hs_prefixes, keywords, origins");
    if (!parse_day(o, "valid_from", true, &in->from, why, whylen) ||
        !parse_day(o, "valid_to", false, &in->to, why, whylen))
        return false;
    if (in->to <= in->from)
        return fail(why, whylen, "valid_to", "must be after valid_from (it is the first day no longer in force)");
    in->json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    return true;
}

bool bw_oga_interest_parse(const char *agency, const char *json, size_t n, bw_oga_interest *out, char *why,
                           size_t whylen)
{
    memset(out, 0, sizeof *out);
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    bool ok = o && complete && json_object_is_type(o, json_type_object);
    if (!ok)
        fail(why, whylen, "interest", "must be one JSON object");
    else
        ok = parse_object(agency, o, out, why, whylen);
    json_object_put(o);
    if (!ok)
        bw_oga_interest_free(out);
    else
        out->source = "store";
    return ok;
}

bool bw_oga_set_add(bw_oga_set *s, bw_oga_interest *in)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        bw_oga_interest *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *in;
    memset(in, 0, sizeof *in);
    return true;
}

void bw_oga_set_free(bw_oga_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        bw_oga_interest_free(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- the files ------------------------------------------------------------------------ */

/* {"agency": "...", "name": "...", "interests": [ ... ]} */
static bool load_file(const char *path, bw_oga_set *out, char *err, size_t errlen)
{
    json_object *o = json_object_from_file(path);
    if (!o || !json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "%s: cannot be read as one JSON object", path);
        json_object_put(o);
        return false;
    }
    size_t before = out->n;
    bool ok = true;
    json_object *agency, *list, *name;
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (ok && strcmp(key, "agency") && strcmp(key, "name") && strcmp(key, "interests")) {
            snprintf(err, errlen, "%s: %.60s: not a member (agency, name, interests)", path, key);
            ok = false;
        }
    }
    if (ok && (!json_object_object_get_ex(o, "agency", &agency) || !json_object_is_type(agency, json_type_string) ||
               !bw_oga_agency_ok(json_object_get_string(agency)))) {
        snprintf(err, errlen, "%s: agency: required, 1-70 of A-Z a-z 0-9 - _ .", path);
        ok = false;
    }
    if (ok && json_object_object_get_ex(o, "name", &name) && !json_object_is_type(name, json_type_string)) {
        snprintf(err, errlen, "%s: name: must be a string", path);
        ok = false;
    }
    if (ok && (!json_object_object_get_ex(o, "interests", &list) || !json_object_is_type(list, json_type_array))) {
        snprintf(err, errlen, "%s: interests: required, an array of interests", path);
        ok = false;
    }
    for (size_t i = 0; ok && i < json_object_array_length(list); i++) {
        json_object *it = json_object_array_get_idx(list, i);
        bw_oga_interest in = {0};
        char why[300];
        ok = json_object_is_type(it, json_type_object) &&
             parse_object(json_object_get_string(agency), it, &in, why, sizeof why);
        if (!ok) {
            snprintf(err, errlen, "%s: interests[%zu]: %s", path, i,
                     json_object_is_type(it, json_type_object) ? why : "must be an object");
            bw_oga_interest_free(&in);
            break;
        }
        for (size_t k = 0; k < out->n && ok; k++)
            if (!strcmp(out->v[k].agency, in.agency) && !strcmp(out->v[k].id, in.id)) {
                snprintf(err, errlen, "%s: interests[%zu]: id %s of agency %s is defined twice", path, i, in.id,
                         in.agency);
                ok = false;
            }
        in.source = "file";
        if (!ok || !bw_oga_set_add(out, &in)) {
            if (ok)
                snprintf(err, errlen, "%s: out of memory", path);
            bw_oga_interest_free(&in);
            ok = false;
        }
    }
    json_object_put(o);
    while (!ok && out->n > before) /* nothing from a bad file */
        bw_oga_interest_free(&out->v[--out->n]);
    return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int json_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && e->d_name[0] != '.' && !strcmp(e->d_name + n - 5, ".json");
}

bool bw_oga_load_dir(const char *datadir, bw_oga_set *out, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/agencies", datadir);
    struct dirent **names;
    int n = scandir(dir, &names, json_file, by_name);
    if (n < 0)
        return true; /* no folder: no agencies */
    bool ok = true;
    for (int i = 0; i < n; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        ok = ok && load_file(path, out, err, errlen);
        free(names[i]);
    }
    free(names);
    return ok;
}

static bw_oga_set file_set;
static pthread_once_t file_once = PTHREAD_ONCE_INIT;

static void load_files(void)
{
    char err[1200];
    if (!bw_oga_load_dir(bw_default_datadir(NULL), &file_set, err, sizeof err)) {
        fprintf(stderr, "breakwater: agencies' interests from the reference data are not in force: %s\n", err);
        bw_oga_set_free(&file_set);
    }
}

const bw_oga_set *bw_oga_file_interests(void)
{
    pthread_once(&file_once, load_files);
    return &file_set;
}

/* ---- goods and matching ------------------------------------------------------------------ */

static const char *digits(const bw_str s, bw_arena *a)
{
    char *out = bw_arena_alloc(a, s.n + 1);
    size_t n = 0;
    for (uint32_t i = 0; i < s.n; i++)
        if (s.p[i] >= '0' && s.p[i] <= '9')
            out[n++] = s.p[i];
    out[n] = 0;
    return out;
}

const bw_oga_goods *bw_oga_goods_of(const bw_declaration *d, bw_arena *arena)
{
    bw_oga_goods *g = bw_arena_alloc(arena, sizeof *g);
    g->n = d->n_items;
    g->items = bw_arena_alloc(arena, (g->n ? g->n : 1) * sizeof *g->items);
    bw_str seller_country = d->seller.address.country;
    for (uint32_t i = 0; i < g->n; i++) {
        const bw_item *it = &d->items[i];
        char norm[1024];
        size_t n = bw_norm_text(it->description.p ? it->description.p : "", it->description.n, norm, sizeof norm, 0);
        bw_str origin = it->origin.n == 2 ? it->origin : seller_country;
        g->items[i] = (bw_oga_item){digits(it->hs_code, arena), bw_arena_strdup(arena, norm, n),
                                    origin.n == 2 ? bw_arena_strdup(arena, origin.p, 2) : ""};
    }
    return g;
}

/* The keyword as whole words of the normalized text. */
static bool has_words(const char *text, const char *kw)
{
    size_t k = strlen(kw);
    for (const char *p = strstr(text, kw); p; p = strstr(p + 1, kw))
        if ((p == text || p[-1] == ' ') && (p[k] == 0 || p[k] == ' '))
            return true;
    return false;
}

bool bw_oga_matches(const bw_oga_interest *in, const bw_oga_item *it, bw_time at, char *on, size_t onlen)
{
    if (at < in->from || at >= in->to)
        return false;
    const char *hs = NULL, *kw = NULL, *origin = NULL;
    for (uint32_t i = 0; i < in->n_hs && !hs; i++)
        if (!strncmp(it->hs, in->hs[i], strlen(in->hs[i])))
            hs = in->hs[i];
    for (uint32_t i = 0; i < in->n_keywords && !kw; i++)
        if (has_words(it->description, in->keywords[i]))
            kw = in->keywords[i];
    for (uint32_t i = 0; i < in->n_origins && !origin; i++)
        if (!strcmp(it->origin, in->origins[i]))
            origin = in->origins[i];
    if ((in->n_hs && !hs) || (in->n_keywords && !kw) || (in->n_origins && !origin))
        return false;
    snprintf(on, onlen, "%s%s%s%s%s%s%s%s", hs ? "hs " : "", hs ? hs : "", hs && (kw || origin) ? ", " : "",
             kw ? "keyword " : "", kw ? kw : "", kw && origin ? ", " : "", origin ? "origin " : "",
             origin ? origin : "");
    return true;
}

bool bw_oga_act_body(const char *json, size_t n, bw_arena *arena, const char **note, char *why, size_t whylen)
{
    *note = NULL;
    size_t blank = 0;
    while (blank < n && (json[blank] == ' ' || json[blank] == '\n' || json[blank] == '\r' || json[blank] == '\t'))
        blank++;
    if (blank == n)
        return true;
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n), *v;
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    bool ok = o && complete && json_object_is_type(o, json_type_object);
    if (!ok) {
        fail(why, whylen, "body", "empty, or one JSON object {\"note\": \"...\"}");
    } else {
        json_object_object_foreach(o, key, val) {
            (void)val;
            if (ok && strcmp(key, "note"))
                ok = fail(why, whylen, key, "not a member (note)");
        }
    }
    if (ok && json_object_object_get_ex(o, "note", &v)) {
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
        if (!s || strlen(s) > 500 || !*s)
            ok = fail(why, whylen, "note", "a string of 1 to 500 bytes");
        else
            *note = bw_arena_strdup(arena, s, strlen(s));
    }
    json_object_put(o);
    return ok;
}
