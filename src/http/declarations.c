/*
 * declarations.c - /v1/declarations: submit (POST), read one, list.
 *
 * A submission runs the same pipeline as `breakwater ingest` on the worker
 * thread (decode, validate, decide, canonical row), then waits, suspended,
 * for the group commit; the answer is written only once the batch is
 * durable.  A submitter key may only submit its own declarations: if any
 * record names another submitter, the whole request is refused and
 * nothing is stored.  Readers see what their role allows: submitters
 * their own declarations (another's is "not found", so ids do not leak),
 * customs everything including the buyer's personal data.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../pipeline/row.h"
#include "../view/result.h"
#include "../view/view.h"
#include "http.h"

/* ---- POST -------------------------------------------------------------------------- */

typedef struct posted {
    uint64_t index, line;
    bool storable, accepted;
    int row;                 /* index into rows, -1 if not storable */
    const char *result;      /* the open result line */
    uint32_t result_len;
    const char *errors;      /* JSON array, for a single declaration's problem */
} posted;

typedef struct post_state {
    bw_arena arena;
    posted *recs;
    uint32_t n_recs, cap_recs;
    bw_decl_row *rows;
    uint32_t n_rows, cap_rows;
    bw_put_result *results;
    bw_prior_copy *priors;
    bw_commit_job job;
    bool single;
} post_state;

static void post_state_free(void *p)
{
    post_state *st = p;
    if (!st)
        return;
    for (uint32_t i = 0; st->priors && i < st->n_rows; i++)
        bw_prior_copy_free(&st->priors[i]);
    free(st->priors);
    free(st->results);
    free(st->rows);
    free(st->recs);
    bw_arena_free(&st->arena);
    free(st);
}

static bool media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static posted *add_posted(post_state *st)
{
    if (st->n_recs == st->cap_recs) {
        st->cap_recs = st->cap_recs ? st->cap_recs * 2 : 16;
        st->recs = realloc(st->recs, st->cap_recs * sizeof *st->recs);
    }
    posted *p = &st->recs[st->n_recs++];
    memset(p, 0, sizeof *p);
    p->row = -1;
    return p;
}

static bw_decl_row *add_row(post_state *st)
{
    if (st->n_rows == st->cap_rows) {
        st->cap_rows = st->cap_rows ? st->cap_rows * 2 : 16;
        st->rows = realloc(st->rows, st->cap_rows * sizeof *st->rows);
    }
    return &st->rows[st->n_rows++];
}

/* Runs every record of the body through the pipeline; false after
 * answering (403 for another submitter's declaration). */
static bool run_pipeline(bw_request *r, post_state *st)
{
    bw_reader *rd = bw_reader_new_mem(r->body.p, r->body.n, NULL);
    bw_pipeline pipe = {.rd = bw_server_refdata(r->srv), .risk = bw_server_risk(r->srv)};
    bw_record rec;
    bw_record_init(&rec);
    bw_row_scratch scratch = {0};
    bw_buf line = {0}, errs = {0}, packed = {0};
    /* this worker's connection packs the bodies once the committer has
     * trained the dictionary (before that the committer packs them, which
     * is how it gets its training samples) */
    bw_store *store = bw_server_store(r->srv);
    if (store && !bw_store_has_dictionary(store))
        store = NULL;
    bool ok = true;
    while (ok && bw_reader_next(rd, &rec) == 1) {
        bw_outcome oc;
        bw_pipeline_run(&pipe, &rec, &oc);
        posted *p = add_posted(st);
        p->index = rec.index;
        p->line = rec.line;
        p->accepted = oc.status == BW_STATUS_ACCEPTED;
        p->storable = bw_row_storable(&rec);
        line.n = errs.n = 0;
        bw_result_open(&rec, &oc, &line);
        p->result = bw_arena_strdup(&st->arena, line.p, line.n);
        p->result_len = (uint32_t)line.n;
        bw_issues_json(&rec.issues, BW_ERROR, &errs);
        p->errors = bw_arena_strdup(&st->arena, errs.p, errs.n);
        if (!p->storable)
            continue;
        if (!bw_str_eq(rec.decl.submitter.id, r->who.submitter)) {
            char d[200];
            snprintf(d, sizeof d, "record %llu names submitter \"%.*s\"; this key submits for \"%s\" only: nothing was stored",
                     (unsigned long long)rec.index, (int)(rec.decl.submitter.id.n > 70 ? 70 : rec.decl.submitter.id.n),
                     rec.decl.submitter.id.p, r->who.submitter);
            bw_answer_problem(r, 403, d, NULL, NULL);
            ok = false;
            break;
        }
        p->row = (int)st->n_rows;
        bw_decl_row *row = add_row(st);
        bw_row_build(&rec, &oc, bw_role_names_http[r->who.role], &st->arena, &scratch, !store, row);
        /* compressing here, on the worker, leaves the committer only the
         * inserts (see group_commit.h); what is not packed, it packs */
        if (store && !bw_row_pack(store, row, &st->arena, &packed)) {
            row->body.p = bw_arena_strdup(&st->arena, row->body.p, row->body.n);
            row->packed = BW_STR_NULL;
        }
    }
    bw_buf_free(&line);
    bw_buf_free(&errs);
    bw_buf_free(&packed);
    bw_row_scratch_free(&scratch);
    bw_record_free(&rec);
    bw_reader_free(rd);
    return ok;
}

/* One record's line in the answer, with what the store did. */
static void put_line(post_state *st, const posted *p, bw_buf *out)
{
    if (p->row < 0) {
        bw_buf_put(out, p->result, p->result_len);
        bw_result_close(out, "not_stored");
        return;
    }
    bw_put_result put = st->results[p->row];
    const bw_decl_row *row = &st->rows[p->row];
    const bw_prior_copy *pc = &st->priors[p->row];
    bw_first_result first = {pc->status, pc->category, pc->received_at, pc->errors, pc->warnings};
    if (put == BW_PUT_DUPLICATE)
        bw_result_duplicate(out, p->index, p->line, row->submitter, row->declaration_id, &first);
    else if (put == BW_PUT_CONFLICT)
        bw_result_conflict(out, p->index, p->line, row->submitter, row->declaration_id, &first);
    else {
        bw_buf_put(out, p->result, p->result_len);
        bw_result_settled(out, pc->settlement[0] ? pc->settlement : NULL, pc->settlement_detail, pc->over_limit, row);
        bw_result_close(out, bw_outcome_name(put));
    }
}

/* Strips the trailing newline a result line ends with. */
static void chomp(bw_buf *b)
{
    if (b->n && b->p[b->n - 1] == '\n')
        b->n--;
}

static void answer_single(bw_request *r, post_state *st)
{
    const posted *p = &st->recs[0];
    bw_buf line = {0};
    put_line(st, p, &line);
    chomp(&line);
    bw_put_result put = p->row >= 0 ? st->results[p->row] : BW_PUT_FAILED;
    bool accepted = put == BW_PUT_DUPLICATE ? !strcmp(st->priors[p->row].status, "accepted") : p->accepted;
    char *extra = malloc(line.n + 16);
    snprintf(extra, line.n + 16, "\"result\":%.*s", (int)line.n, line.p);
    if (p->row < 0 && !st->recs[0].storable && strstr(p->errors, "\"json.")) {
        bw_answer_problem(r, 400, "the body is not a decodable declaration", p->errors, extra);
    } else if (put == BW_PUT_CONFLICT) {
        bw_answer_problem(r, 409, "this declaration id was already submitted with other content; the original stands",
                          NULL, extra);
    } else if (!accepted) {
        const char *errs = put == BW_PUT_DUPLICATE ? st->priors[p->row].errors : p->errors;
        bw_answer_problem(r, 422,
                          p->row < 0 ? "the declaration was rejected and not stored: it needs a submitter id and a declaration id"
                                     : "the declaration was rejected (and stored as rejected): see errors",
                          errs, extra);
    } else {
        bw_buf_put(&r->out, line.p, line.n);
        bw_answer_json(r, 200);
    }
    free(extra);
    bw_buf_free(&line);
}

static void answer_batch(bw_request *r, post_state *st)
{
    unsigned accepted = 0, rejected = 0, duplicates = 0, conflicts = 0;
    bw_buf_puts(&r->out, "{\"results\":[");
    for (uint32_t i = 0; i < st->n_recs; i++) {
        const posted *p = &st->recs[i];
        bw_put_result put = p->row >= 0 ? st->results[p->row] : BW_PUT_STORED;
        if (i)
            bw_buf_putc(&r->out, ',');
        put_line(st, p, &r->out);
        chomp(&r->out);
        duplicates += put == BW_PUT_DUPLICATE;
        conflicts += put == BW_PUT_CONFLICT;
        if (put == BW_PUT_STORED || put == BW_PUT_AMENDED) {
            accepted += p->accepted;
            rejected += !p->accepted;
        }
    }
    bw_buf_printf(&r->out, "],\"accepted\":%u,\"rejected\":%u,\"duplicates\":%u,\"conflicts\":%u}", accepted,
                  rejected, duplicates, conflicts);
    bw_answer_json(r, 200);
}

static void count_outcomes(const post_state *st)
{
    for (uint32_t i = 0; i < st->n_recs; i++) {
        const posted *p = &st->recs[i];
        bw_metrics_outcome(p->row >= 0 ? st->results[p->row] : BW_PUT_STORED, p->accepted);
    }
}

/* After the group commit (or with nothing to store). */
static void finish_post(bw_request *r)
{
    post_state *st = r->pending;
    if (st->job.failed) {
        fprintf(stderr, "breakwater serve: commit failed: %s\n", st->job.error);
        bw_answer_problem(r, 500, "the store could not commit; nothing of this request was stored", NULL, NULL);
        return;
    }
    count_outcomes(st);
    if (st->single)
        answer_single(r, st);
    else
        answer_batch(r, st);
}

void bw_h_post_declarations(bw_request *r)
{
    const char *ct = bw_request_header(r, "Content-Type");
    bool ndjson = media_type_is(ct, "application/x-ndjson");
    if (!ndjson && !media_type_is(ct, "application/json")) {
        bw_answer_problem(r, 415, "send application/json (one object or an array) or application/x-ndjson",
                          NULL, NULL);
        return;
    }
    size_t i = 0;
    while (i < r->body.n && strchr(" \t\r\n", r->body.p[i]))
        i++;
    if (i == r->body.n || (r->body.p[i] != '{' && r->body.p[i] != '[')) {
        bw_answer_problem(r, 400, "the body is empty or not JSON: send a declaration object, an array, or NDJSON",
                          NULL, NULL);
        return;
    }
    post_state *st = calloc(1, sizeof *st);
    bw_arena_init(&st->arena);
    st->single = !ndjson && r->body.p[i] == '{';
    r->pending = st;
    r->pending_free = post_state_free;
    if (!run_pipeline(r, st))
        return;
    if (st->single && st->n_recs != 1)
        st->single = false; /* several objects after all: answer as a batch */
    st->results = calloc(st->n_rows + 1, sizeof *st->results);
    st->priors = calloc(st->n_rows + 1, sizeof *st->priors);
    if (st->n_rows == 0) {
        finish_post(r);
        return;
    }
    st->job.rows = st->rows;
    st->job.n = st->n_rows;
    st->job.results = st->results;
    st->job.priors = st->priors;
    st->job.in_txn = bw_http_records_in_txn;
    bw_request_suspend(r, &st->job, finish_post);
}

/* ---- GET one --------------------------------------------------------------------------- */

void bw_h_get_declaration(bw_request *r)
{
    const char *submitter = r->params[0], *id = r->params[1];
    if (bw_is_submitter(&r->who) && strcmp(submitter, r->who.submitter) != 0) {
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL); /* never 403: ids must not leak */
        return;
    }
    bw_store *s = bw_server_store(r->srv);
    bw_stored d;
    int found = s ? bw_store_get(s, submitter, id, &d) : -1;
    if (found == 0) {
        bw_answer_problem(r, 404, "no such declaration", NULL, NULL);
    } else if (found < 0 || !bw_view_declaration(&d, bw_is_customs(&r->who), &r->out)) {
        bw_answer_problem(r, 500, "the declaration could not be read", NULL, NULL);
    } else {
        bw_answer_json(r, 200);
    }
    if (found > 0)
        bw_stored_free(&d);
}

/* ---- GET list ---------------------------------------------------------------------------- */

typedef struct list_state {
    bw_buf *out;
    uint32_t n, limit;
    int64_t last_id;
} list_state;

static void list_one(void *ctx, const bw_summary *s)
{
    list_state *ls = ctx;
    if (ls->n == ls->limit) { /* one more than the page: there is a next page */
        ls->n++;
        return;
    }
    if (ls->n++)
        bw_buf_putc(ls->out, ',');
    bw_view_summary(s, ls->out);
    ls->last_id = s->id;
}

/* Reads the query into a filter; false after answering 400. */
static bool parse_list_query(bw_request *r, bw_list_filter *f)
{
    bw_buf errs = {0};
    const char *v;
    memset(f, 0, sizeof *f);
    f->limit = 100;
#define BAD(param, msg) bw_buf_printf(&errs, "%s{\"path\":\"query.%s\",\"code\":\"query.invalid\",\"message\":\"%s\"}", \
                                      errs.n ? "," : "", param, msg)
    if ((v = bw_request_query(r, "status"))) {
        if (strcmp(v, "accepted") && strcmp(v, "rejected"))
            BAD("status", "accepted or rejected");
        f->status = v;
    }
    if ((v = bw_request_query(r, "category"))) {
        if (strlen(v) != 1 || v[0] < '1' || v[0] > '4')
            BAD("category", "an IRG category 1-4");
        else
            f->category = (uint8_t)(v[0] - '0');
    }
    if ((v = bw_request_query(r, "since")) && !bw_time_parse(v, strlen(v), &f->since))
        BAD("since", "an ISO 8601 date or time");
    if ((v = bw_request_query(r, "until")) && !bw_time_parse(v, strlen(v), &f->until))
        BAD("until", "an ISO 8601 date or time");
    if ((v = bw_request_query(r, "limit"))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || v[0] < '0' || v[0] > '9' || n < 1 || n > 1000)
            BAD("limit", "a whole number 1-1000");
        else
            f->limit = (uint32_t)n;
    }
    if ((v = bw_request_query(r, "cursor"))) {
        /* opaque to clients: "c" and the last row id, in hex */
        char *end;
        long long id = v[0] == 'c' ? strtoll(v + 1, &end, 16) : -1;
        if (id < 0 || v[0] != 'c' || *end || end == v + 1)
            BAD("cursor", "a next_cursor from a previous page");
        else
            f->after_id = id;
    }
#undef BAD
    if (errs.n) {
        bw_buf_putc(&errs, 0);
        char *arr = malloc(errs.n + 3);
        snprintf(arr, errs.n + 3, "[%s]", errs.p);
        bw_answer_problem(r, 400, "bad query parameters", arr, NULL);
        free(arr);
        bw_buf_free(&errs);
        return false;
    }
    bw_buf_free(&errs);
    if (bw_is_submitter(&r->who))
        f->submitter = r->who.submitter; /* a submitter lists its own, silently */
    return true;
}

void bw_h_list_declarations(bw_request *r)
{
    bw_list_filter f;
    if (!parse_list_query(r, &f))
        return;
    uint32_t page = f.limit;
    f.limit = page + 1;
    list_state ls = {&r->out, 0, page, 0};
    bw_buf_puts(&r->out, "{\"items\":[");
    bw_store *s = bw_server_store(r->srv);
    if (!s || !bw_store_list(s, &f, list_one, &ls)) {
        bw_answer_problem(r, 500, "the declarations could not be listed", NULL, NULL);
        return;
    }
    bw_buf_puts(&r->out, "],\"next_cursor\":");
    if (ls.n > page)
        bw_buf_printf(&r->out, "\"c%llx\"}", (unsigned long long)ls.last_id);
    else
        bw_buf_puts(&r->out, "null}");
    bw_answer_json(r, 200);
}
