/*
 * server.c - the HTTP server on libmicrohttpd.
 *
 * Why libmicrohttpd: measured here it serves ~70-100k small JSON POSTs/s
 * on loopback with its epoll thread pool and keeps connections alive after
 * requests with a body; Debian's libh2o 2.2.5 closes the connection after
 * every request with a body, which no high-volume submitter can live with.
 *
 * A request goes through the access handler several times: first with its
 * headers (the route, the key and the rate are checked then), then with
 * pieces of its body, then once more with nothing - that last call answers.
 * Answering there rather than on the first call is measured ~5x faster in
 * libmicrohttpd.  Submissions wait for the group commit with their
 * connection suspended, so a worker never blocks on a disk flush; the
 * committer resumes them and the handler's finish() writes the answer.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

#define MAX_STORES 256

struct bw_server {
    struct MHD_Daemon *daemon;
    bw_http_config cfg;
    char *db;
    _Atomic(const bw_refdata *) rd; /* replaced whole on reload (SIGHUP) */
    struct bw_risk_engine *risk;
    bw_group_commit *committer;
    atomic_bool stopping;
    atomic_int in_flight;
    pthread_mutex_t mu;          /* guards stores */
    bw_store *stores[MAX_STORES];
    unsigned n_stores;
};

static __thread bw_store *tls_store;
static __thread bw_server *tls_server;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const bw_refdata *bw_server_refdata(bw_server *s) { return atomic_load(&s->rd); }

const bw_refdata *bw_server_swap_refdata(bw_server *s, const bw_refdata *rd) { return atomic_exchange(&s->rd, rd); }
bw_group_commit *bw_server_committer(bw_server *s) { return s->committer; }
struct bw_risk_engine *bw_server_risk(bw_server *s) { return s->risk; }
const bw_http_config *bw_server_config(bw_server *s) { return &s->cfg; }
bool bw_server_stopping(bw_server *s) { return atomic_load(&s->stopping); }

/* Each worker thread reads through a connection of its own, opened on
 * first use (SQLite connections must not be shared between threads that
 * use them at once). */
bw_store *bw_server_store(bw_server *s)
{
    if (tls_store && tls_server == s)
        return tls_store;
    char err[512];
    bw_store *st = bw_store_open(s->db, err, sizeof err);
    if (!st) {
        fprintf(stderr, "breakwater serve: %s\n", err);
        return NULL;
    }
    pthread_mutex_lock(&s->mu);
    bool room = s->n_stores < MAX_STORES;
    if (room)
        s->stores[s->n_stores++] = st;
    pthread_mutex_unlock(&s->mu);
    if (!room) {
        bw_store_close(st);
        return NULL;
    }
    tls_store = st;
    tls_server = s;
    return st;
}

/* ---- answers ------------------------------------------------------------------ */

/* URLs reach the handler still escaped (see keep_escaped): a path segment
 * may hold an escaped '/', as a declaration id may.  Query values are
 * unescaped here, into memory the request owns. */
const char *bw_request_query(bw_request *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!v)
        return NULL;
    /* '+' stays '+': "2026-11-20T10:00:00+01:00" is a time, not a form */
    char *copy = bw_arena_strdup(&r->arena, v, strlen(v));
    MHD_http_unescape(copy);
    return copy;
}

static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    return strlen(s);
}

void bw_unescape(char *s) { MHD_http_unescape(s); }

const char *bw_request_header(bw_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void bw_answer_json(bw_request *r, int status)
{
    r->answered = true;
    r->status = status;
    if (!r->content_type)
        r->content_type = "application/json";
}

static const char *problem_slug(int status)
{
    switch (status) {
    case 400: return "bad-request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 413: return "payload-too-large";
    case 415: return "unsupported-media-type";
    case 422: return "validation";
    case 429: return "rate-limited";
    case 503: return "shutting-down";
    default: return "internal";
    }
}

static const char *problem_title(int status)
{
    switch (status) {
    case 400: return "Bad request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 409: return "Conflict";
    case 413: return "Payload too large";
    case 415: return "Unsupported media type";
    case 422: return "The declaration was rejected";
    case 429: return "Too many requests";
    case 503: return "Shutting down";
    default: return "Internal error";
    }
}

void bw_answer_problem(bw_request *r, int status, const char *detail, const char *errors_json,
                       const char *extra)
{
    r->out.n = 0;
    bw_buf_printf(&r->out, "{\"type\":\"/problems/%s\",\"title\":\"%s\",\"status\":%d,\"detail\":",
                  problem_slug(status), problem_title(status), status);
    bw_buf_put_json_str(&r->out, detail, strlen(detail));
    if (errors_json)
        bw_buf_printf(&r->out, ",\"errors\":%s", errors_json);
    if (extra)
        bw_buf_printf(&r->out, ",%s", extra);
    bw_buf_putc(&r->out, '}');
    r->content_type = "application/problem+json";
    r->answered = true;
    r->status = status;
}

static enum MHD_Result queue(bw_request *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->out.n, r->out.p ? r->out.p : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "application/json");
    if (r->retry_after[0])
        MHD_add_response_header(resp, "Retry-After", r->retry_after);
    if (r->allow[0])
        MHD_add_response_header(resp, "Allow", r->allow);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"breakwater\"");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* ---- suspension for the group commit --------------------------------------------- */

static void job_done(bw_commit_job *job, void *arg)
{
    bw_request *r = arg;
    (void)job;
    r->resumed = true; /* read by the worker after MHD resumes the connection */
    MHD_resume_connection(r->conn);
}

void bw_request_suspend(bw_request *r, bw_commit_job *job, void (*finish)(bw_request *))
{
    r->finish = finish;
    r->suspended = true;
    job->done = job_done;
    job->arg = r;
    MHD_suspend_connection(r->conn);
    if (!bw_group_commit_submit(r->srv->committer, job)) {
        /* stopping: answer at once instead */
        r->suspended = false;
        MHD_resume_connection(r->conn);
        bw_answer_problem(r, 503, "the server is shutting down; try again shortly", NULL, NULL);
    }
}

/* ---- the access handler ------------------------------------------------------------ */

/* Route, key and rate, on the first call (headers only). */
static void admit(bw_request *r)
{
    bool known = false;
    r->route = bw_route_match(r->method, r->url, r, &known, r->allow, sizeof r->allow);
    if (atomic_load(&r->srv->stopping)) {
        if (r->route >= 0 && bw_routes[r->route].handler == bw_h_healthz)
            bw_h_healthz(r); /* says so in its own words */
        else
            bw_answer_problem(r, 503, "the server is shutting down; try again shortly", NULL, NULL);
        return;
    }
    if (r->route < 0) {
        if (known)
            bw_answer_problem(r, 405, "this resource does not answer that method", NULL, NULL);
        else
            bw_answer_problem(r, 404, "no such resource", NULL, NULL);
        return;
    }
    r->allow[0] = 0;
    if (bw_authenticate(r) != 0)
        return;
    const bw_route *rt = &bw_routes[r->route];
    if (!(rt->roles & ROLE_BIT(r->who.role))) {
        if (r->who.role == R_PUBLIC)
            bw_answer_problem(r, 401, "this resource needs an API key (Authorization: Bearer ...)", NULL, NULL);
        else
            bw_answer_problem(r, 403, "your role may not use this resource", NULL, NULL);
        return;
    }
    unsigned wait;
    if (!bw_rate_allow(r->srv, &r->who, &wait)) {
        snprintf(r->retry_after, sizeof r->retry_after, "%u", wait);
        bw_answer_problem(r, 429, "over this key's request rate", NULL, NULL);
        return;
    }
    /* refuse an announced oversized body before reading it */
    const char *len = bw_request_header(r, "Content-Length");
    if (len && strtoull(len, NULL, 10) > r->srv->cfg.max_body_bytes) {
        char d[96];
        snprintf(d, sizeof d, "the body is larger than %zu bytes", r->srv->cfg.max_body_bytes);
        bw_answer_problem(r, 413, d, NULL, NULL);
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    bw_server *srv = cls;
    bw_request *r = *con_cls;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->url = url;
        r->route = -1;
        r->started = now_s();
        bw_arena_init(&r->arena);
        atomic_fetch_add(&srv->in_flight, 1);
        *con_cls = r;
        admit(r);
        return MHD_YES; /* answer on a later call */
    }
    if (*upload_size) {
        if (!r->answered) {
            if (r->body.n + *upload_size > srv->cfg.max_body_bytes)
                r->body_too_large = true;
            else
                bw_buf_put(&r->body, upload, *upload_size);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->suspended) {
        if (!r->resumed)
            return MHD_YES; /* a spurious call while waiting */
        r->suspended = false;
        r->finish(r);
    } else if (!r->answered) {
        if (r->body_too_large) {
            char d[96];
            snprintf(d, sizeof d, "the body is larger than %zu bytes", srv->cfg.max_body_bytes);
            bw_answer_problem(r, 413, d, NULL, NULL);
        } else {
            bw_routes[r->route].handler(r);
            if (r->suspended)
                return MHD_YES;
        }
    }
    if (!r->answered)
        bw_answer_problem(r, 500, "the handler gave no answer", NULL, NULL);
    return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    bw_server *srv = cls;
    bw_request *r = *con_cls;
    (void)conn;
    (void)toe;
    if (!r)
        return;
    bw_metrics_request(r->route, r->answered ? r->status : 499, now_s() - r->started);
    if (r->pending_free)
        r->pending_free(r->pending);
    bw_buf_free(&r->body);
    bw_buf_free(&r->out);
    bw_arena_free(&r->arena);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---- start and stop --------------------------------------------------------------- */

bw_server *bw_server_start(const bw_http_config *cfg, const char *db, const bw_refdata *rd,
                           struct bw_risk_engine *risk, char *err, size_t errlen)
{
    bw_server *s = calloc(1, sizeof *s);
    s->cfg = *cfg;
    s->db = strdup(db);
    s->rd = rd;
    s->risk = risk;
    pthread_mutex_init(&s->mu, NULL);
    s->committer = bw_group_commit_start(db, err, errlen);
    if (!s->committer)
        goto fail;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    if (inet_pton(AF_INET, cfg->listen_host, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "--listen: \"%s\" is not an IPv4 address", cfg->listen_host);
        goto fail;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, (uint16_t)cfg->port,
        NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->request_timeout_s,
        /* the per-connection pool is cleared for every request: 256 KiB
         * cost 15% of the CPU at 20k requests/s; bodies arrive in pieces,
         * so 32 KiB only bounds the headers */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not allowed)", cfg->listen_host, cfg->port);
        goto fail;
    }
    return s;
fail:
    bw_group_commit_stop(s->committer);
    free(s->db);
    free(s);
    return NULL;
}

unsigned bw_server_port(bw_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : s->cfg.port;
}

void bw_server_stop(bw_server *s)
{
    atomic_store(&s->stopping, true);
    /* requests in flight finish; new ones get 503 meanwhile; at most 30 s */
    for (int i = 0; i < 3000 && atomic_load(&s->in_flight) > 0; i++)
        usleep(10000);
    MHD_stop_daemon(s->daemon);
    bw_group_commit_stop(s->committer);
    for (unsigned i = 0; i < s->n_stores; i++)
        bw_store_close(s->stores[i]);
    pthread_mutex_destroy(&s->mu);
    free(s->db);
    free(s);
}
