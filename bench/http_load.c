/*
 * http_load.c - a small HTTP/1.1 keep-alive load client for `make bench`.
 *
 * Why not only wrk: to send a fresh declaration id in every 1.8 MB batch
 * body, wrk's Lua has to rewrite the whole body per request, which on this
 * 2-core machine costs more CPU than the server under test.  Here the body
 * is built once and only the id bytes are overwritten in place.
 *
 *   http_load PORT PATH KEY TEMPLATES BATCH CONNECTIONS SECONDS
 *
 * TEMPLATES: NDJSON, every line's declaration_id starting with "@@@@@@@@"
 * (a marker replaced by a fixed-width unique tag per request).
 * BATCH 1 sends one line per request as application/json; otherwise the
 * first BATCH lines as one application/x-ndjson body.  Prints
 * "requests N seconds S rps R p50_ms A p99_ms B non200 C".
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MARK "@@@@@@@@"
#define TAG_LEN 8 /* the marker's width: 8 base-36 digits, thread and counter */

typedef struct body {
    char *p;
    size_t n;
    size_t *tags; /* offsets of the markers */
    size_t n_tags;
} body;

static int port, batch, conns;
static double seconds;
static const char *path, *key;
static body *bodies;
static size_t n_bodies;
static atomic_bool stop;

typedef struct worker {
    pthread_t t;
    int no;
    unsigned long requests, non200;
    double *lat;
    size_t n_lat, cap_lat;
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_body(const char *p, size_t n)
{
    bodies = realloc(bodies, (n_bodies + 1) * sizeof *bodies);
    body *b = &bodies[n_bodies++];
    b->p = malloc(n);
    memcpy(b->p, p, n);
    b->n = n;
    b->tags = NULL;
    b->n_tags = 0;
    for (size_t i = 0; i + TAG_LEN <= n; i++)
        if (!memcmp(b->p + i, MARK, TAG_LEN)) {
            b->tags = realloc(b->tags, (b->n_tags + 1) * sizeof *b->tags);
            b->tags[b->n_tags++] = i;
        }
}

static void load(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(2);
    }
    char *line = NULL, *all = NULL;
    size_t cap = 0, n_all = 0;
    ssize_t got;
    int lines = 0;
    while ((got = getline(&line, &cap, f)) > 0 && (batch == 1 || lines < batch)) {
        if (batch == 1) {
            add_body(line, (size_t)got - (line[got - 1] == '\n'));
        } else {
            all = realloc(all, n_all + (size_t)got);
            memcpy(all + n_all, line, (size_t)got);
            n_all += (size_t)got;
        }
        lines++;
    }
    if (batch != 1)
        add_body(all, n_all);
    free(all);
    free(line);
    fclose(f);
}

/* A unique tag: thread number and a counter, base 36. */
static void stamp(body *b, int thread, unsigned long counter)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    unsigned long v = counter * 64 + (unsigned long)thread;
    char tag[TAG_LEN];
    for (int i = TAG_LEN - 1; i >= 0; i--) {
        tag[i] = digits[v % 36];
        v /= 36;
    }
    for (size_t i = 0; i < b->n_tags; i++)
        memcpy(b->p + b->tags[i], tag, TAG_LEN);
}

static int connect_once(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(2);
    }
    return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads one response; returns its status, -1 on a broken connection. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t r = read(fd, buf + have, cap - have - 1);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t len = cl ? strtoul(cl + 15, NULL, 10) : 0, head = (size_t)(end + 4 - buf);
    while (have < head + len) {
        if (have >= cap - 1)
            return -1; /* an answer larger than the buffer: not expected here */
        ssize_t r = read(fd, buf + have, cap - 1 - have);
        if (r <= 0)
            return -1;
        have += (size_t)r;
    }
    return status;
}

static void *work(void *arg)
{
    worker *w = arg;
    int fd = connect_once();
    size_t cap = 16u << 20;
    char *buf = malloc(cap), head[512];
    unsigned long counter = 0;
    while (!atomic_load(&stop)) {
        body *b = &bodies[(counter * (unsigned long)conns + (unsigned long)w->no) % n_bodies];
        stamp(b, w->no, ++counter);
        int hn = snprintf(head, sizeof head,
                          "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                          path, key, batch == 1 ? "application/json" : "application/x-ndjson", b->n);
        double t0 = now_s();
        if (!send_all(fd, head, (size_t)hn) || !send_all(fd, b->p, b->n))
            break;
        int status = read_response(fd, buf, cap);
        if (status < 0)
            break;
        double dt = now_s() - t0;
        w->requests++;
        w->non200 += status != 200;
        if (w->n_lat == w->cap_lat) {
            w->cap_lat = w->cap_lat ? w->cap_lat * 2 : 4096;
            w->lat = realloc(w->lat, w->cap_lat * sizeof *w->lat);
        }
        w->lat[w->n_lat++] = dt;
    }
    close(fd);
    free(buf);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: http_load PORT PATH KEY TEMPLATES BATCH CONNECTIONS SECONDS\n");
        return 2;
    }
    port = atoi(argv[1]);
    path = argv[2];
    key = argv[3];
    batch = atoi(argv[5]);
    conns = atoi(argv[6]);
    seconds = atof(argv[7]);
    load(argv[4]);
    if (!n_bodies || conns < 1 || conns > 64) {
        fprintf(stderr, "http_load: no templates, or 1-64 connections\n");
        return 2;
    }
    worker *ws = calloc((size_t)conns, sizeof *ws);
    double t0 = now_s();
    for (int i = 0; i < conns; i++) {
        ws[i].no = i;
        pthread_create(&ws[i].t, NULL, work, &ws[i]);
    }
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&stop, true);
    unsigned long requests = 0, non200 = 0;
    size_t n_lat = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(ws[i].t, NULL);
        requests += ws[i].requests;
        non200 += ws[i].non200;
        n_lat += ws[i].n_lat;
    }
    double el = now_s() - t0;
    double *lat = malloc((n_lat + 1) * sizeof *lat);
    size_t k = 0;
    for (int i = 0; i < conns; i++) {
        memcpy(lat + k, ws[i].lat, ws[i].n_lat * sizeof *lat);
        k += ws[i].n_lat;
        free(ws[i].lat);
    }
    qsort(lat, n_lat, sizeof *lat, by_value);
    double p50 = n_lat ? lat[n_lat / 2] : 0, p99 = n_lat ? lat[(size_t)(n_lat * 0.99)] : 0;
    printf("requests %lu seconds %.3f rps %.1f p50_ms %.3f p99_ms %.3f non200 %lu\n", requests, el,
           requests / el, p50 * 1e3, p99 * 1e3, non200);
    free(lat);
    free(ws);
    return 0;
}
