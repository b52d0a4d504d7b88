/*
 * group_commit.h - many concurrent writers, one durable transaction.
 *
 * Every HTTP request that submits declarations hands its rows to the
 * committer as a job and waits (without holding a worker: the server
 * suspends the connection).  The committer thread takes all jobs waiting
 * at that moment, stores them in one transaction, commits (one fsync for
 * all), and only then tells each job it is done.  Under load a commit
 * carries many requests, so the fsync cost is shared; when idle a single
 * request is committed at once.
 */
#ifndef BW_GROUP_COMMIT_H
#define BW_GROUP_COMMIT_H

#include "store.h"

/* What a duplicate or a conflict answers with, owned by the job. */
typedef struct bw_prior_copy {
    char status[16];
    uint8_t category;
    bw_time received_at;
    char *errors, *warnings;  /* malloc'd JSON arrays */
    /* every put: what was settled (see bw_prior) */
    char settlement[20];
    char settlement_detail[200];
    bool over_limit;
} bw_prior_copy;

typedef struct bw_commit_job bw_commit_job;
struct bw_commit_job {
    bw_decl_row *rows;        /* the caller's, untouched */
    uint32_t n;
    bw_put_result *results;   /* n, filled by the committer */
    bw_prior_copy *priors;    /* n, filled for duplicates and conflicts */
    bool failed;              /* the transaction failed: nothing of it is stored */
    char error[256];
    /* NULL, or called on the committer thread inside the transaction once
     * every job's rows are put: work that must be durable with them (the
     * records comparison).  false fails the transaction, message in
     * bw_store_error(s). */
    bool (*in_txn)(bw_store *s, bw_commit_job *job, void *arg);
    /* called on the committer thread once the job's fate is durable */
    void (*done)(bw_commit_job *job, void *arg);
    void *arg;
    bw_commit_job *next;      /* the committer's queue */
};

typedef struct bw_group_commit bw_group_commit;

/* Opens its own store connection on path. */
bw_group_commit *bw_group_commit_start(const char *path, char *err, size_t errlen);
/* Queues a job (results and priors must have room for n); false when
 * stopping (the job is not queued and done is not called). */
bool bw_group_commit_submit(bw_group_commit *gc, bw_commit_job *job);
/* Finishes every queued job, then stops the thread and closes the store. */
void bw_group_commit_stop(bw_group_commit *gc);
void bw_prior_copy_free(bw_prior_copy *p);

/* Figures for /metrics. */
typedef struct bw_commit_stats {
    uint64_t commits, rows, failures;
    uint64_t latency_us_sum;
    uint64_t latency_buckets[12]; /* <= 0.5,1,2.5,5,10,25,50,100,250,500,1000 ms, +Inf */
} bw_commit_stats;
void bw_group_commit_stats(bw_group_commit *gc, bw_commit_stats *out);
extern const double bw_latency_bounds_ms[11];

#endif
