/*
 * publish_seizures.c - safety-related seizure notices (publish.h): the
 * declarations seized after inspection whose stored risk decision holds a
 * screening hit (prohibited or restricted goods), counted by day of
 * seizure, jurisdiction, HS chapter and origin of the flagged item, and
 * screening category.  Seizures without a screening hit (undervaluation,
 * a false description) are not safety notices and are left out.
 *
 * Nothing personal leaves here: the body is read only for the flagged
 * item's HS chapter and origin; names, addresses, ids and free text never
 * reach the output.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "publish.h"

typedef struct seized {
    char *submitter, *declaration_id;
    bw_time at;
} seized;

typedef struct seized_list {
    seized *v;
    size_t n, cap;
} seized_list;

static void collect(void *ctx, const char *submitter, const char *declaration_id, bw_time at)
{
    seized_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (seized){strdup(submitter), strdup(declaration_id), at};
}

static void count(bw_pub_seizures *l, const bw_pub_seizure *k)
{
    for (uint32_t i = 0; i < l->n; i++) {
        bw_pub_seizure *e = &l->v[i];
        if (!strcmp(e->day, k->day) && !strcmp(e->jurisdiction, k->jurisdiction) && !strcmp(e->chapter, k->chapter) &&
            !strcmp(e->category, k->category) && !strcmp(e->origin, k->origin)) {
            e->count++;
            return;
        }
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n] = *k;
    l->v[l->n++].count = 1;
}

/* Copies a short code made of letters and digits only (anything else: ""). */
static void code(char *out, size_t cap, const char *s, size_t n)
{
    out[0] = 0;
    if (!s || n >= cap)
        return;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_' || s[i] == '-'))
            return;
    memcpy(out, s, n);
    out[n] = 0;
}

static const char *get(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* The notices one seized declaration gives: one per screening category. */
static void notices(const bw_stored *d, bw_time at, bw_pub_seizures *out)
{
    json_object *decl = json_tokener_parse(d->body), *risk = d->risk ? json_tokener_parse(d->risk) : NULL;
    json_object *hits, *items;
    if (!decl || !risk || !json_object_object_get_ex(risk, "hits", &hits) ||
        !json_object_object_get_ex(decl, "items", &items)) {
        json_object_put(decl);
        json_object_put(risk);
        return;
    }
    char seen[16][40];
    int n_seen = 0;
    for (size_t i = 0; i < json_object_array_length(hits); i++) {
        json_object *h = json_object_array_get_idx(hits, i), *ev;
        const char *c = get(h, "code"), *path = get(h, "path");
        if (!c || strncmp(c, "screening.", 10) || !json_object_object_get_ex(h, "evidence", &ev))
            continue;
        bw_pub_seizure k = {0};
        const char *area = get(ev, "area");
        code(k.category, sizeof k.category, area, area ? strlen(area) : 0);
        int dup = 0;
        for (int s = 0; s < n_seen; s++)
            dup |= !strcmp(seen[s], k.category);
        if (!k.category[0] || dup || n_seen == 16)
            continue;
        snprintf(seen[n_seen++], sizeof seen[0], "%s", k.category);
        long idx = path && !strncmp(path, "items[", 6) ? strtol(path + 6, NULL, 10) : 0;
        json_object *item = json_object_array_get_idx(items, idx >= 0 ? (size_t)idx : 0);
        const char *hs = get(item, "hs_code"), *origin = get(item, "origin");
        code(k.chapter, sizeof k.chapter, hs, hs && strlen(hs) >= 2 ? 2 : 0);
        code(k.origin, sizeof k.origin, origin, origin ? strlen(origin) : 0);
        code(k.jurisdiction, sizeof k.jurisdiction, d->jurisdiction, d->jurisdiction ? strlen(d->jurisdiction) : 0);
        char day[21];
        bw_time_format(at, day);
        memcpy(k.day, day, 10);
        count(out, &k);
    }
    json_object_put(decl);
    json_object_put(risk);
}

static int by_day(const void *a, const void *b)
{
    const bw_pub_seizure *x = a, *y = b;
    int c = strcmp(x->day, y->day);
    if (!c)
        c = strcmp(x->jurisdiction, y->jurisdiction);
    if (!c)
        c = strcmp(x->category, y->category);
    if (!c)
        c = strcmp(x->chapter, y->chapter);
    return c ? c : strcmp(x->origin, y->origin);
}

bool bw_pub_seizures_load(bw_store *s, bw_pub_seizures *out)
{
    memset(out, 0, sizeof *out);
    seized_list l = {0};
    bool ok = bw_store_seizures(s, collect, &l);
    for (size_t i = 0; i < l.n; i++) {
        bw_stored d;
        if (ok && bw_store_get(s, l.v[i].submitter, l.v[i].declaration_id, &d) == 1) {
            notices(&d, l.v[i].at, out);
            bw_stored_free(&d);
        }
        free(l.v[i].submitter);
        free(l.v[i].declaration_id);
    }
    free(l.v);
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_day);
    return ok;
}

void bw_pub_seizures_free(bw_pub_seizures *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

void bw_pub_seizures_json(const bw_pub_seizures *l, bw_buf *b)
{
    bw_buf_puts(b, "{\"note\":\"consignments seized after inspection because of prohibited or restricted goods, "
                   "counted by day, jurisdiction, HS chapter, category and origin\",\"notices\":[");
    for (uint32_t i = 0; i < l->n; i++) {
        const bw_pub_seizure *e = &l->v[i];
        bw_buf_printf(b, "%s{\"date\":\"%s\",\"jurisdiction\":\"%s\",\"hs_chapter\":\"%s\",\"category\":\"%s\","
                         "\"origin\":\"%s\",\"count\":%lld}",
                      i ? "," : "", e->day, e->jurisdiction, e->chapter, e->category, e->origin, (long long)e->count);
    }
    bw_buf_puts(b, "]}\n");
}

void bw_pub_seizures_html(const bw_pub_seizures *l, bw_buf *b)
{
    bw_pub_html_open(b, "Seizure notices: prohibited and restricted goods");
    bw_buf_puts(b, "<p>Consignments seized after inspection because of prohibited or restricted goods (safety), "
                   "counted by day, jurisdiction, HS chapter, category and country of origin.</p>\n");
    if (!l->n)
        bw_buf_puts(b, "<p>No seizures to report.</p>\n");
    else {
        bw_buf_puts(b, "<table>\n<tr><th>date</th><th>jurisdiction</th><th>HS chapter</th><th>category</th>"
                       "<th>origin</th><th>consignments</th></tr>\n");
        for (uint32_t i = 0; i < l->n; i++) {
            const bw_pub_seizure *e = &l->v[i];
            bw_buf_puts(b, "<tr><td>");
            const char *cells[] = {e->day, e->jurisdiction, e->chapter, e->category, e->origin};
            for (int c = 0; c < 5; c++) {
                bw_pub_html_text(b, cells[c], strlen(cells[c]));
                bw_buf_puts(b, "</td><td>");
            }
            bw_buf_printf(b, "%lld</td></tr>\n", (long long)e->count);
        }
        bw_buf_puts(b, "</table>\n");
    }
    bw_pub_html_close(b);
}
