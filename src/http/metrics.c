/*
 * metrics.c - counters and histograms for GET /metrics (Prometheus text
 * format 0.0.4).  Process-wide atomics: recording costs a few relaxed
 * increments per request.
 */
#include <stdio.h>

#include "http.h"

static const int CODES[] = {200, 201, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 499, 500, 503};
#define N_CODES (sizeof CODES / sizeof CODES[0])
#define MAX_ROUTES 64 /* more than bw_routes has: routes past it would count as unrouted */
#define N_BOUNDS 11 /* the bounds of bw_latency_bounds_ms, +Inf after */

static atomic_ullong requests[MAX_ROUTES + 1][N_CODES + 1]; /* [route or unrouted][code or other] */
static atomic_ullong latency[MAX_ROUTES + 1][N_BOUNDS + 1];
static atomic_ullong latency_count[MAX_ROUTES + 1];
static atomic_ullong latency_us_sum[MAX_ROUTES + 1];
static atomic_ullong outcomes[5]; /* accepted, rejected, duplicate, conflict, failed */

void bw_metrics_request(int route, int status, double seconds)
{
    unsigned r = route >= 0 && route < MAX_ROUTES ? (unsigned)route : MAX_ROUTES;
    unsigned c = 0;
    while (c < N_CODES && CODES[c] != status)
        c++;
    atomic_fetch_add_explicit(&requests[r][c], 1, memory_order_relaxed);
    unsigned b = 0;
    while (b < N_BOUNDS && seconds * 1000.0 > bw_latency_bounds_ms[b])
        b++;
    atomic_fetch_add_explicit(&latency[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_count[r], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_us_sum[r], (unsigned long long)(seconds * 1e6), memory_order_relaxed);
}

void bw_metrics_outcome(bw_put_result put, bool accepted)
{
    unsigned i = put == BW_PUT_DUPLICATE ? 2 : put == BW_PUT_CONFLICT ? 3 : put == BW_PUT_FAILED ? 4
                                                                        : accepted ? 0 : 1;
    atomic_fetch_add_explicit(&outcomes[i], 1, memory_order_relaxed);
}

static const char *route_name(unsigned r) { return r < bw_n_routes ? bw_routes[r].name : "none"; }

static void histogram(bw_buf *out, const char *name, const char *labels, const uint64_t *buckets,
                      uint64_t count, double sum_s)
{
    const char *sep = labels[0] ? "," : "";
    unsigned long long cum = 0;
    for (unsigned b = 0; b <= N_BOUNDS; b++) {
        cum += buckets[b];
        if (b < N_BOUNDS)
            bw_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                          bw_latency_bounds_ms[b] / 1000.0, cum);
        else
            bw_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, cum);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    bw_buf_printf(out, "%s_sum%s%s%s %.6f\n%s_count%s%s%s %llu\n", name, open, labels, close, sum_s, name, open,
                  labels, close, (unsigned long long)count);
}

void bw_metrics_render(bw_server *s, bw_buf *out)
{
    bw_buf_puts(out, "# HELP breakwater_http_requests_total HTTP requests answered, by route and status code.\n"
                     "# TYPE breakwater_http_requests_total counter\n");
    for (unsigned r = 0; r <= MAX_ROUTES; r++)
        for (unsigned c = 0; c <= N_CODES; c++) {
            unsigned long long v = atomic_load_explicit(&requests[r][c], memory_order_relaxed);
            if (!v)
                continue;
            if (c < N_CODES)
                bw_buf_printf(out, "breakwater_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
                              route_name(r), CODES[c], v);
            else
                bw_buf_printf(out, "breakwater_http_requests_total{route=\"%s\",code=\"other\"} %llu\n",
                              route_name(r), v);
        }
    bw_buf_puts(out, "# HELP breakwater_http_request_duration_seconds Time from request headers to answer.\n"
                     "# TYPE breakwater_http_request_duration_seconds histogram\n");
    for (unsigned r = 0; r <= MAX_ROUTES; r++) {
        unsigned long long count = atomic_load_explicit(&latency_count[r], memory_order_relaxed);
        if (!count)
            continue;
        uint64_t b[N_BOUNDS + 1];
        for (unsigned i = 0; i <= N_BOUNDS; i++)
            b[i] = atomic_load_explicit(&latency[r][i], memory_order_relaxed);
        char labels[64];
        snprintf(labels, sizeof labels, "route=\"%s\"", route_name(r));
        histogram(out, "breakwater_http_request_duration_seconds", labels, b, count,
                  atomic_load_explicit(&latency_us_sum[r], memory_order_relaxed) / 1e6);
    }
    static const char *const names[] = {"accepted", "rejected", "duplicate", "conflict", "failed"};
    bw_buf_puts(out, "# HELP breakwater_declarations_total Declarations submitted over HTTP, by outcome.\n"
                     "# TYPE breakwater_declarations_total counter\n");
    for (unsigned i = 0; i < 5; i++)
        bw_buf_printf(out, "breakwater_declarations_total{outcome=\"%s\"} %llu\n", names[i],
                      atomic_load_explicit(&outcomes[i], memory_order_relaxed));
    bw_commit_stats cs;
    bw_group_commit_stats(bw_server_committer(s), &cs);
    bw_buf_puts(out, "# HELP breakwater_store_commit_duration_seconds Time of one group commit (puts and fsync).\n"
                     "# TYPE breakwater_store_commit_duration_seconds histogram\n");
    histogram(out, "breakwater_store_commit_duration_seconds", "", cs.latency_buckets, cs.commits,
              cs.latency_us_sum / 1e6);
    bw_buf_printf(out, "# HELP breakwater_store_commit_rows_total Declarations written by group commits.\n"
                       "# TYPE breakwater_store_commit_rows_total counter\n"
                       "breakwater_store_commit_rows_total %llu\n"
                       "# HELP breakwater_store_commit_failures_total Group commits that failed.\n"
                       "# TYPE breakwater_store_commit_failures_total counter\n"
                       "breakwater_store_commit_failures_total %llu\n",
                  (unsigned long long)cs.rows, (unsigned long long)cs.failures);
}
