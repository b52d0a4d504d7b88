/*
 * splitting.c - linking parcels of one buyer and seller (splitting.h).
 *
 * A chained hash table from the 64-bit identity hash to the parcels seen
 * for it.  Parcels older than the longest window any policy may set are
 * dropped when their chain is visited, and the whole table is swept every
 * SWEEP_EVERY insertions, so memory follows the traffic of the last weeks,
 * not all history.
 */
#include "splitting.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "parties.h"

#define MAX_AGE (366 * 86400LL)   /* the longest window a policy may set */
#define SWEEP_EVERY (1u << 16)
#define MAX_LINKED 16             /* parcels listed as evidence */
#define MAX_PER_PAIR 64           /* parcels kept per buyer and seller: a pair past
                                   * this many is linked by its latest ones already,
                                   * and every check scans the pair's list */

typedef struct parcel {
    bw_time at;
    int64_t value;
    char *ref;                    /* "submitter/declaration_id" */
    bool raised;                  /* already handed to the store to leave green:
                                   * later hits list it, but raise it no more
                                   * (one UPDATE per parcel, not per later hit) */
} parcel;

typedef struct party_pair {
    uint64_t key;
    struct party_pair *next;
    parcel *p;
    uint32_t n, cap;
} party_pair;

struct bw_splitting {
    pthread_mutex_t mu;
    party_pair **bucket;
    size_t n_buckets, n_pairs, n_parcels;
    bw_time latest;
    uint32_t since_sweep;
};

bw_splitting *bw_splitting_new(void)
{
    bw_splitting *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->n_buckets = 1u << 12;
    s->bucket = calloc(s->n_buckets, sizeof *s->bucket);
    return s;
}

static void pair_free(party_pair *pp)
{
    for (uint32_t i = 0; i < pp->n; i++)
        free(pp->p[i].ref);
    free(pp->p);
    free(pp);
}

void bw_splitting_free(bw_splitting *s)
{
    if (!s)
        return;
    for (size_t b = 0; b < s->n_buckets; b++)
        for (party_pair *pp = s->bucket[b], *next; pp; pp = next) {
            next = pp->next;
            pair_free(pp);
        }
    free(s->bucket);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

size_t bw_splitting_size(bw_splitting *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_parcels;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* ---- identity ----------------------------------------------------------------- */

/* The buyer and the seller as party history knows them (parties.c:
 * normalized name, postcode and country, or e-mail; the seller's id, else
 * its normalized name), within one jurisdiction.  0 when either cannot be
 * told apart from others. */
static uint64_t pair_key(const bw_risk_facts *f)
{
    uint64_t buyer, seller;
    if (f->party_keys) {
        buyer = f->party_keys[BW_ROLE_BUYER];
        seller = f->party_keys[BW_ROLE_SELLER];
        if (!buyer || !seller)
            return 0;
    } else if (!bw_parties_key(f->decl, BW_ROLE_BUYER, &buyer) || !bw_parties_key(f->decl, BW_ROLE_SELLER, &seller))
        return 0;
    uint64_t h = XXH3_64bits(f->jurisdiction.p ? f->jurisdiction.p : "", f->jurisdiction.n);
    h = XXH3_64bits_withSeed(&buyer, sizeof buyer, h);
    h = XXH3_64bits_withSeed(&seller, sizeof seller, h);
    return h ? h : 1;
}

/* ---- the table ----------------------------------------------------------------- */

static void drop_old(bw_splitting *s, party_pair *pp, bw_time now)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < pp->n; i++) {
        if (pp->p[i].at < now - MAX_AGE) {
            free(pp->p[i].ref);
            s->n_parcels--;
        } else
            pp->p[k++] = pp->p[i];
    }
    pp->n = k;
}

static void sweep(bw_splitting *s)
{
    for (size_t b = 0; b < s->n_buckets; b++) {
        party_pair **link = &s->bucket[b];
        while (*link) {
            party_pair *pp = *link;
            drop_old(s, pp, s->latest);
            if (pp->n == 0) {
                *link = pp->next;
                pair_free(pp);
                s->n_pairs--;
            } else
                link = &pp->next;
        }
    }
}

static void grow(bw_splitting *s)
{
    size_t nb = s->n_buckets * 2;
    party_pair **b = calloc(nb, sizeof *b);
    for (size_t i = 0; i < s->n_buckets; i++)
        for (party_pair *pp = s->bucket[i], *next; pp; pp = next) {
            next = pp->next;
            pp->next = b[pp->key & (nb - 1)];
            b[pp->key & (nb - 1)] = pp;
        }
    free(s->bucket);
    s->bucket = b;
    s->n_buckets = nb;
}

static party_pair *find_or_add(bw_splitting *s, uint64_t key)
{
    party_pair **head = &s->bucket[key & (s->n_buckets - 1)];
    for (party_pair *pp = *head; pp; pp = pp->next)
        if (pp->key == key)
            return pp;
    party_pair *pp = calloc(1, sizeof *pp);
    pp->key = key;
    pp->next = *head;
    *head = pp;
    if (++s->n_pairs > s->n_buckets)
        grow(s);
    return pp;
}

static void remember(bw_splitting *s, party_pair *pp, bw_time at, int64_t value, const char *ref)
{
    if (pp->n == MAX_PER_PAIR) { /* forget the first remembered */
        free(pp->p[0].ref);
        memmove(pp->p, pp->p + 1, sizeof *pp->p * --pp->n);
        s->n_parcels--;
    }
    if (pp->n == pp->cap) {
        pp->cap = pp->cap ? pp->cap * 2 : 2;
        pp->p = realloc(pp->p, sizeof *pp->p * pp->cap);
    }
    pp->p[pp->n++] = (parcel){at, value, strdup(ref), false};
    s->n_parcels++;
    if (at > s->latest)
        s->latest = at;
    if (++s->since_sweep >= SWEEP_EVERY) {
        s->since_sweep = 0;
        sweep(s);
    }
}

/* ---- the check ------------------------------------------------------------------ */

static void put_amount(bw_buf *b, const char *key_colon, int64_t v, int exponent)
{
    bw_buf_put_amount(b, key_colon, v, (unsigned)exponent);
}

static void add_hit(const bw_risk_facts *f, const parcel *linked, uint32_t n, int64_t threshold, int64_t total,
                    int64_t window, bw_risk_result *r)
{
    bw_buf ev = {0};
    bw_buf_puts(&ev, "{");
    put_amount(&ev, "\"threshold\":", threshold, f->exponent);
    bw_buf_puts(&ev, ",\"currency\":");
    bw_buf_put_json_str(&ev, f->currency, strlen(f->currency));
    put_amount(&ev, ",\"total\":", total, f->exponent);
    bw_buf_puts(&ev, ",\"window_hours\":");
    bw_buf_put_i64(&ev, window / 3600);
    bw_buf_puts(&ev, ",\"parcels\":[");
    for (uint32_t i = 0; i < n && i < MAX_LINKED; i++) {
        bw_buf_puts(&ev, i ? ",{\"declaration\":" : "{\"declaration\":");
        bw_buf_put_json_str(&ev, linked[i].ref, strlen(linked[i].ref));
        put_amount(&ev, ",\"value\":", linked[i].value, f->exponent);
        bw_buf_puts(&ev, ",\"date\":");
        bw_buf_put_time(&ev, linked[i].at); /* quoted */
        bw_buf_puts(&ev, "}");
    }
    bw_buf_puts(&ev, "]}");
    char reason[160];
    snprintf(reason, sizeof reason,
             "%u earlier parcel%s of the same buyer and seller within %lld h: each under the threshold, together over it",
             n, n == 1 ? "" : "s", (long long)(window / 3600));
    bw_risk_add(r, "splitting.linked", NULL, NULL, reason, bw_buf_cstr(&ev), bw_points(f)->splitting, BW_LANE_NONE);
    for (uint32_t i = 0; i < n; i++)
        if (!linked[i].raised)
            bw_risk_link(r, linked[i].ref);
    bw_buf_free(&ev);
}

void bw_splitting_prefetch(bw_splitting *s, const bw_risk_facts *f)
{
    uint64_t key = pair_key(f);
    if (!key)
        return;
    pthread_mutex_lock(&s->mu);
    party_pair *const *head = &s->bucket[key & (s->n_buckets - 1)];
    __builtin_prefetch(head);
    pthread_mutex_unlock(&s->mu);
}

void bw_splitting_check(bw_splitting *s, const bw_risk_facts *f, int64_t window, const int64_t *thresholds,
                        int n_thresholds, bw_risk_result *r)
{
    const bw_declaration *d = f->decl;
    uint64_t key = pair_key(f);
    if (!key || f->consignment_value < 0 || !f->currency)
        return;
    bw_time at = d->order.date.ok ? d->order.date.t : f->when;
    char ref[160];
    snprintf(ref, sizeof ref, "%.*s/%.*s", (int)d->submitter.id.n, d->submitter.id.p ? d->submitter.id.p : "",
             (int)d->declaration_id.n, d->declaration_id.p ? d->declaration_id.p : "");

    pthread_mutex_lock(&s->mu);
    party_pair *pp = find_or_add(s, key);
    drop_old(s, pp, at);
    parcel linked[MAX_LINKED];
    uint32_t n = 0, at_index[MAX_LINKED];
    for (uint32_t i = 0; i < pp->n && n < MAX_LINKED; i++) {
        int64_t dt = pp->p[i].at - at;
        if ((dt < 0 ? -dt : dt) <= window && strcmp(pp->p[i].ref, ref) != 0) {
            at_index[n] = i;
            linked[n++] = pp->p[i];
        }
    }
    /* The lowest threshold the parcels were kept under and together passed. */
    int64_t hit_threshold = -1, total = f->consignment_value;
    for (uint32_t i = 0; i < n; i++)
        total += linked[i].value;
    for (int t = 0; n && t < n_thresholds; t++) {
        int64_t th = thresholds[t];
        bool under = th >= 0 && f->consignment_value <= th;
        for (uint32_t i = 0; under && i < n; i++)
            under = linked[i].value <= th;
        if (under && total > th && (hit_threshold < 0 || th < hit_threshold))
            hit_threshold = th;
    }
    if (hit_threshold >= 0) {
        add_hit(f, linked, n, hit_threshold, total, window, r); /* copies refs before unlock */
        for (uint32_t i = 0; i < n; i++)
            pp->p[at_index[i]].raised = true;
    }
    remember(s, pp, at, f->consignment_value, ref);
    pthread_mutex_unlock(&s->mu);
}
