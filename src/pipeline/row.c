/*
 * row.c - the store row of a decided record (see row.h).
 */
#include <stdio.h>
#include <xxhash.h>

#include "../model/json_encode.h"
#include "row.h"

void bw_row_scratch_free(bw_row_scratch *s)
{
    bw_buf_free(&s->body);
    bw_buf_free(&s->errors);
    bw_buf_free(&s->warnings);
}

bool bw_row_storable(const bw_record *rec)
{
    return rec->decodable && rec->decl.submitter.id.n && rec->decl.declaration_id.n;
}

static bw_str copy_str(bw_arena *a, bw_str s)
{
    return s.p ? (bw_str){bw_arena_strdup(a, s.p, s.n), s.n} : s;
}

static bw_str copy_buf(bw_arena *a, const bw_buf *b)
{
    return (bw_str){bw_arena_strdup(a, b->p ? b->p : "", b->n), (uint32_t)b->n};
}

void bw_row_build(const bw_record *rec, const bw_outcome *oc, const char *actor_kind,
                  bw_arena *arena, bw_row_scratch *s, bool copy_body, bw_decl_row *r)
{
    const bw_declaration *d = &rec->decl;
    s->body.n = s->errors.n = s->warnings.n = 0;
    bw_encode_declaration(d, &s->body);
    bw_issues_json(&rec->issues, BW_ERROR, &s->errors);
    bw_issues_json(&rec->issues, BW_WARNING, &s->warnings);
    char actor[128];
    int an = snprintf(actor, sizeof actor, "%s:%.*s", actor_kind,
                      (int)(d->submitter.id.n > 70 ? 70 : d->submitter.id.n), d->submitter.id.p);
    memset(r, 0, sizeof *r);
    r->submitter = copy_str(arena, d->submitter.id);
    r->declaration_id = copy_str(arena, d->declaration_id);
    r->jurisdiction = copy_str(arena, d->jurisdiction);
    r->type = copy_str(arena, d->type.raw);
    r->status = bw_status_names[oc->status];
    r->category = oc->category;
    r->value_minor = oc->consignment_value;
    r->currency = oc->jurisdiction ? oc->jurisdiction->currency : NULL;
    r->received_at = bw_time_now(); /* the assessment date may be --as-of */
    r->body = copy_body ? copy_buf(arena, &s->body) : (bw_str){s->body.p, (uint32_t)s->body.n};
    r->errors = copy_buf(arena, &s->errors);
    r->warnings = copy_buf(arena, &s->warnings);
    r->actor = bw_arena_strdup(arena, actor, (size_t)(an < 0 ? 0 : an));
    XXH128_canonicalFromHash((XXH128_canonical_t *)r->content_hash, XXH3_128bits(s->body.p, s->body.n));
}
