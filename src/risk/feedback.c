/*
 * feedback.c - an inspection outcome, recorded and learned (feedback.h).
 */
#include "feedback.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../model/reader.h"

#define MAX_PROFILES 64

bool bw_inspection_parse(const char *json, size_t n, bw_arena *arena, bw_inspection *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    bool ok = false;
    if (!o || !complete || !json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "the body must be a JSON object");
        goto out;
    }
    json_object_object_foreach(o, key, val) {
        const char **dst = !strcmp(key, "result") ? &out->result
                           : !strcmp(key, "scan_ref") ? &out->scan_ref
                           : !strcmp(key, "findings") ? &out->findings
                                                      : NULL;
        if (!dst) {
            snprintf(err, errlen, "%s: not a member of an inspection (result, scan_ref, findings)", key);
            goto out;
        }
        if (json_object_is_type(val, json_type_null))
            continue;
        if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) > 2000) {
            snprintf(err, errlen, "%s: must be a string of at most 2000 characters", key);
            goto out;
        }
        *dst = bw_arena_strdup(arena, json_object_get_string(val), (size_t)json_object_get_string_len(val));
    }
    if (!out->result || (strcmp(out->result, "compliant") && strcmp(out->result, "discrepancy") &&
                         strcmp(out->result, "seized"))) {
        snprintf(err, errlen, "result: must be compliant, discrepancy or seized");
        goto out;
    }
    const char *canon = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    out->detail = bw_arena_strdup(arena, canon, strlen(canon));
    ok = true;
out:
    json_object_put(o);
    return ok;
}

/* The ids of the profiles that hit, from the stored decision. */
static int profiles_hit(json_object *risk, const char **ids, int max)
{
    json_object *hits, *code, *ref;
    int n = 0;
    if (!risk || !json_object_object_get_ex(risk, "hits", &hits))
        return 0;
    for (size_t i = 0; i < json_object_array_length(hits) && n < max; i++) {
        json_object *h = json_object_array_get_idx(hits, i);
        if (json_object_object_get_ex(h, "code", &code) && !strcmp(json_object_get_string(code), "profile") &&
            json_object_object_get_ex(h, "ref", &ref))
            ids[n++] = json_object_get_string(ref);
    }
    return n;
}

/* A field of a watchlist line: tabs and line breaks would break the line. */
static void put_field(bw_buf *b, bw_str s)
{
    for (uint32_t i = 0; s.p && i < s.n; i++)
        bw_buf_putc(b, s.p[i] == '\t' || s.p[i] == '\n' || s.p[i] == '\r' ? ' ' : s.p[i]);
    bw_buf_putc(b, '\t');
}

/* A proposed watchlist line (data/watchlist/README.md) for one party. */
static const char *candidate(bw_arena *a, const bw_party *p, const char *kind, const char *ref, const char *role,
                             const bw_inspection *in, bw_time at)
{
    bw_buf b = {0};
    char id[200], day[21], reason[300];
    snprintf(id, sizeof id, "CAND-%s-%s", ref, role);
    bw_time_format(at, day);
    day[10] = 0;
    snprintf(reason, sizeof reason, "seized in %s%s%s", ref, in->findings ? ": " : "", in->findings ? in->findings : "");
    put_field(&b, (bw_str){id, (uint32_t)strlen(id)});
    put_field(&b, (bw_str){kind, (uint32_t)strlen(kind)});
    put_field(&b, p->name);
    bw_buf b2 = {0};
    bw_buf_put(&b2, p->address.line.p, p->address.line.n);
    if (p->address.city.n) {
        bw_buf_puts(&b2, ", ");
        bw_buf_put(&b2, p->address.postcode.p, p->address.postcode.n);
        bw_buf_putc(&b2, ' ');
        bw_buf_put(&b2, p->address.city.p, p->address.city.n);
    }
    put_field(&b, (bw_str){b2.p, (uint32_t)b2.n});
    bw_buf_free(&b2);
    put_field(&b, p->address.country);
    put_field(&b, p->email);
    put_field(&b, p->phone);
    put_field(&b, p->national_id.n ? p->national_id : p->id);
    put_field(&b, (bw_str){reason, (uint32_t)strlen(reason)});
    bw_buf_puts(&b, day);
    bw_buf_putc(&b, '\t'); /* listed_to: open */
    const char *line = bw_arena_strdup(a, b.p, b.n);
    bw_buf_free(&b);
    return line;
}

int bw_risk_inspect(bw_risk_engine *e, bw_store *s, const char *submitter, const char *declaration_id,
                    const bw_inspection *in, const char *actor, bw_time at, char *err, size_t errlen)
{
    bw_stored st;
    int found = bw_store_get(s, submitter, declaration_id, &st);
    if (found <= 0) {
        if (found < 0)
            snprintf(err, errlen, "%s", bw_store_error(s));
        return found;
    }
    int rc = -1;
    json_object *risk = NULL;
    bw_record rec;
    bw_record_init(&rec);
    bw_reader *r = NULL;
    if (!st.risk) {
        snprintf(err, errlen, "declaration %s of %s has no risk decision (rejected, or stored before risk assessment)",
                 declaration_id, submitter);
        goto out;
    }
    r = bw_reader_new_mem(st.body, strlen(st.body), NULL);
    if (bw_reader_next(r, &rec) != 1 || !rec.decodable) {
        snprintf(err, errlen, "the stored declaration cannot be read back");
        goto out;
    }
    risk = json_tokener_parse(st.risk);
    const char *profiles[MAX_PROFILES];
    int n_profiles = profiles_hit(risk, profiles, MAX_PROFILES);
    char ref[300];
    snprintf(ref, sizeof ref, "%s/%s", submitter, declaration_id);
    const char *roles[2], *lines[2];
    int n_candidates = 0;
    if (!strcmp(in->result, "seized")) {
        const bw_declaration *d = &rec.decl;
        if (d->seller.name.n) {
            roles[n_candidates] = "seller";
            lines[n_candidates++] = candidate(&rec.arena, &d->seller, "company", ref, "seller", in, at);
        }
        if (d->buyer.name.n) {
            roles[n_candidates] = "buyer";
            lines[n_candidates++] = candidate(&rec.arena, &d->buyer, "person", ref, "buyer", in, at);
        }
    }
    bw_inspection_record ir = {submitter, declaration_id, in->result, actor, at, in->detail,
                               profiles, n_profiles, roles, lines, n_candidates};
    rc = bw_store_inspection(s, &ir);
    if (rc < 0)
        snprintf(err, errlen, "%s", bw_store_error(s));
    if (rc == 1 && e)
        bw_risk_engine_learn_outcome(e, &rec.decl, in->result, at);
out:
    json_object_put(risk);
    bw_reader_free(r);
    bw_record_free(&rec);
    bw_stored_free(&st);
    return rc;
}
