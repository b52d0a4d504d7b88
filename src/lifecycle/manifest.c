/*
 * manifest.c - reading an arrival manifest (manifest.h).
 *
 * A manifest is all or nothing: one bad item refuses the whole manifest
 * (the carrier resends it corrected), so an arrival is never half recorded.
 * A document listed twice is refused too: it would arrive twice.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

/* An identifier: 1-70 printable ASCII characters without spaces. */
static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > 70)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    return true;
}

static const char *string_member(json_object *o, const char *key, bool *bad)
{
    json_object *v;
    *bad = false;
    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

static const char *item_id(json_object *it)
{
    bool bad;
    if (json_object_is_type(it, json_type_string))
        return json_object_get_string(it);
    if (json_object_is_type(it, json_type_object) && json_object_object_length(it) == 1)
        return string_member(it, "document_id", &bad);
    return NULL;
}

/* Sorted copy to find a document listed twice. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static bool parse_items(json_object *items, bw_arena *arena, bw_manifest *out, char *err, size_t errlen)
{
    size_t n = json_object_array_length(items);
    if (n == 0 || n > BW_MANIFEST_MAX_ITEMS) {
        snprintf(err, errlen, "items: must list 1 to %d transport documents", BW_MANIFEST_MAX_ITEMS);
        return false;
    }
    const char **docs = bw_arena_alloc(arena, n * sizeof *docs);
    for (size_t i = 0; i < n; i++) {
        const char *id = item_id(json_object_array_get_idx(items, i));
        if (!id || !id_ok(id, strlen(id))) {
            snprintf(err, errlen,
                     "items[%zu]: must be a transport document id (1-70 printable characters, no spaces),"
                     " as a string or {\"document_id\": ...}",
                     i);
            return false;
        }
        docs[i] = bw_arena_strdup(arena, id, strlen(id));
    }
    const char **sorted = bw_arena_alloc(arena, n * sizeof *sorted);
    memcpy(sorted, docs, n * sizeof *docs);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(sorted[i - 1], sorted[i])) {
            snprintf(err, errlen, "items: transport document %.70s is listed more than once", sorted[i]);
            return false;
        }
    out->documents = docs;
    out->n_documents = (uint32_t)n;
    return true;
}

static bool parse_object(json_object *o, bw_arena *arena, bw_manifest *out, char *err, size_t errlen)
{
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (strcmp(key, "carrier") && strcmp(key, "master_id") && strcmp(key, "arrived_at") && strcmp(key, "items")) {
            snprintf(err, errlen, "%.60s: not a member of a manifest (carrier, master_id, arrived_at, items)", key);
            return false;
        }
    }
    static const char *const ids[] = {"carrier", "master_id"};
    for (int i = 0; i < 2; i++) {
        bool bad;
        const char *v = string_member(o, ids[i], &bad);
        if (!v || !id_ok(v, strlen(v))) {
            snprintf(err, errlen, "%s: required, 1-70 printable characters without spaces", ids[i]);
            return false;
        }
        *(i ? &out->master_id : &out->carrier) = bw_arena_strdup(arena, v, strlen(v));
    }
    bool bad;
    const char *at = string_member(o, "arrived_at", &bad);
    if (!at || !bw_time_parse(at, strlen(at), &out->arrived_at)) {
        snprintf(err, errlen, "arrived_at: required, an ISO 8601 time in UTC (2026-11-01T03:05:00Z)");
        return false;
    }
    json_object *items;
    if (!json_object_object_get_ex(o, "items", &items) || !json_object_is_type(items, json_type_array)) {
        snprintf(err, errlen, "items: required, an array of transport document ids");
        return false;
    }
    return parse_items(items, arena, out, err, errlen);
}

bool bw_manifest_parse(const char *json, size_t n, bw_arena *arena, bw_manifest *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    bool ok = false;
    if (!o || !complete || !json_object_is_type(o, json_type_object))
        snprintf(err, errlen, "the manifest must be one JSON object");
    else
        ok = parse_object(o, arena, out, err, errlen);
    json_object_put(o);
    return ok;
}
