/*
 * group_commit.c - one committer thread for all concurrent writers
 * (see group_commit.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "group_commit.h"

#define MAX_ROWS_PER_COMMIT 20000 /* bounds one transaction's latency */

const double bw_latency_bounds_ms[11] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000};

struct bw_group_commit {
    bw_store *store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bw_commit_job *head, *tail;
    bool stopping;
    bw_commit_stats stats;   /* under mu */
};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

void bw_prior_copy_free(bw_prior_copy *p)
{
    free(p->errors);
    free(p->warnings);
    p->errors = p->warnings = NULL;
}

static void copy_prior(bw_prior_copy *to, const bw_prior *from)
{
    snprintf(to->status, sizeof to->status, "%s", from->status ? from->status : "");
    to->category = from->category;
    to->received_at = from->received_at;
    to->errors = strdup(from->errors ? from->errors : "[]");
    to->warnings = strdup(from->warnings ? from->warnings : "[]");
}

/* Puts every row of every job in one transaction. */
static bool store_all(bw_group_commit *gc, bw_commit_job *jobs, char *err, size_t errlen)
{
    if (!bw_store_begin(gc->store)) {
        snprintf(err, errlen, "%s", bw_store_error(gc->store));
        return false;
    }
    for (bw_commit_job *j = jobs; j; j = j->next) {
        for (uint32_t i = 0; i < j->n; i++) {
            bw_prior prior;
            j->results[i] = bw_store_put(gc->store, &j->rows[i], &prior);
            if (j->results[i] == BW_PUT_FAILED) {
                snprintf(err, errlen, "%s", bw_store_error(gc->store));
                bw_store_rollback(gc->store);
                return false;
            }
            if (j->results[i] == BW_PUT_DUPLICATE || j->results[i] == BW_PUT_CONFLICT)
                copy_prior(&j->priors[i], &prior);
            snprintf(j->priors[i].settlement, sizeof j->priors[i].settlement, "%s",
                     prior.settlement ? prior.settlement : "");
            memcpy(j->priors[i].settlement_detail, prior.settlement_detail, sizeof prior.settlement_detail);
            j->priors[i].over_limit = prior.over_limit;
        }
    }
    for (bw_commit_job *j = jobs; j; j = j->next) {
        if (j->in_txn && !j->in_txn(gc->store, j, j->arg)) {
            snprintf(err, errlen, "%s", bw_store_error(gc->store));
            bw_store_rollback(gc->store);
            return false;
        }
    }
    if (!bw_store_commit(gc->store)) {
        snprintf(err, errlen, "%s", bw_store_error(gc->store));
        bw_store_rollback(gc->store);
        return false;
    }
    return true;
}

static void account(bw_group_commit *gc, uint64_t rows, double us, bool ok)
{
    pthread_mutex_lock(&gc->mu);
    gc->stats.commits++;
    gc->stats.rows += rows;
    gc->stats.failures += !ok;
    gc->stats.latency_us_sum += (uint64_t)us;
    int b = 0;
    while (b < 11 && us / 1000.0 > bw_latency_bounds_ms[b])
        b++;
    gc->stats.latency_buckets[b]++;
    pthread_mutex_unlock(&gc->mu);
}

/* Takes the waiting jobs, up to MAX_ROWS_PER_COMMIT rows (at least one job). */
static bw_commit_job *take_jobs(bw_group_commit *gc, uint64_t *rows)
{
    bw_commit_job *first = gc->head, *last = first;
    *rows = first->n;
    while (last->next && *rows + last->next->n <= MAX_ROWS_PER_COMMIT) {
        last = last->next;
        *rows += last->n;
    }
    gc->head = last->next;
    if (!gc->head)
        gc->tail = NULL;
    last->next = NULL;
    return first;
}

static void *committer_main(void *arg)
{
    bw_group_commit *gc = arg;
    pthread_mutex_lock(&gc->mu);
    for (;;) {
        while (!gc->head && !gc->stopping)
            pthread_cond_wait(&gc->cv, &gc->mu);
        if (!gc->head)
            break; /* stopping and drained */
        uint64_t rows;
        bw_commit_job *jobs = take_jobs(gc, &rows);
        pthread_mutex_unlock(&gc->mu);

        char err[256] = "";
        double t0 = now_us();
        bool ok = store_all(gc, jobs, err, sizeof err);
        account(gc, rows, now_us() - t0, ok);
        for (bw_commit_job *j = jobs, *next; j; j = next) {
            next = j->next; /* done() may free the job */
            j->failed = !ok;
            if (!ok)
                snprintf(j->error, sizeof j->error, "%s", err);
            j->done(j, j->arg);
        }
        pthread_mutex_lock(&gc->mu);
    }
    pthread_mutex_unlock(&gc->mu);
    return NULL;
}

bw_group_commit *bw_group_commit_start(const char *path, char *err, size_t errlen)
{
    bw_group_commit *gc = calloc(1, sizeof *gc);
    gc->store = bw_store_open(path, err, errlen);
    if (!gc->store) {
        free(gc);
        return NULL;
    }
    pthread_mutex_init(&gc->mu, NULL);
    pthread_cond_init(&gc->cv, NULL);
    if (pthread_create(&gc->thread, NULL, committer_main, gc) != 0) {
        snprintf(err, errlen, "cannot start the committer thread");
        bw_store_close(gc->store);
        free(gc);
        return NULL;
    }
    return gc;
}

bool bw_group_commit_submit(bw_group_commit *gc, bw_commit_job *job)
{
    job->next = NULL;
    job->failed = false;
    pthread_mutex_lock(&gc->mu);
    bool ok = !gc->stopping;
    if (ok) {
        if (gc->tail)
            gc->tail->next = job;
        else
            gc->head = job;
        gc->tail = job;
        pthread_cond_signal(&gc->cv);
    }
    pthread_mutex_unlock(&gc->mu);
    return ok;
}

void bw_group_commit_stop(bw_group_commit *gc)
{
    if (!gc)
        return;
    pthread_mutex_lock(&gc->mu);
    gc->stopping = true;
    pthread_cond_signal(&gc->cv);
    pthread_mutex_unlock(&gc->mu);
    pthread_join(gc->thread, NULL);
    bw_store_close(gc->store);
    pthread_mutex_destroy(&gc->mu);
    pthread_cond_destroy(&gc->cv);
    free(gc);
}

void bw_group_commit_stats(bw_group_commit *gc, bw_commit_stats *out)
{
    pthread_mutex_lock(&gc->mu);
    *out = gc->stats;
    pthread_mutex_unlock(&gc->mu);
}
