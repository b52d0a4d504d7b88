/*
 * auth.c - who is asking: API keys, roles and per-key rate limits.
 *
 * A key is 32 random bytes shown once as "bwk_" + base64url; the store
 * keeps its BLAKE2b-256 hash only, so a stolen database reveals no key.
 * Every request looks its key up afresh, so a revocation takes effect on
 * the next request.  Rate limits are token buckets per key (rate per
 * second, a burst of one second's worth), kept in memory: each server
 * process limits on its own.
 */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "http.h"

const char *const bw_role_names_http[R_COUNT] = {
    [R_PUBLIC] = "public",   [R_PLATFORM] = "platform", [R_VENDOR] = "vendor",
    [R_EXPRESS] = "express", [R_POSTAL] = "postal",     [R_FORWARDER] = "forwarder",
    [R_BROKER] = "broker",   [R_OFFICER] = "officer",   [R_ANALYST] = "analyst",
    [R_ADMIN] = "admin",     [R_OGA] = "oga",
};

bw_key_role bw_role_parse(const char *name)
{
    for (int i = 1; i < R_COUNT; i++)
        if (!strcmp(name, bw_role_names_http[i]))
            return (bw_key_role)i;
    return R_COUNT;
}

void bw_key_hash(const char *key, size_t n, uint8_t hash[32])
{
    crypto_generichash(hash, 32, (const unsigned char *)key, n, NULL, 0);
}

void bw_key_generate(char out[48], uint8_t hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "bwk_", 4);
    sodium_bin2base64(out + 4, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    bw_key_hash(out, strlen(out), hash);
}

int bw_authenticate(bw_request *r)
{
    memset(&r->who, 0, sizeof r->who);
    r->who.role = R_PUBLIC;
    const char *h = bw_request_header(r, "Authorization");
    if (!h)
        return 0;
    if (strncasecmp(h, "Bearer ", 7) != 0 || strncmp(h + 7, "bwk_", 4) != 0 || strlen(h + 7) != 47) {
        bw_answer_problem(r, 401, "the Authorization header must be \"Bearer bwk_...\"", NULL, NULL);
        return 401;
    }
    uint8_t hash[32];
    bw_key_hash(h + 7, 47, hash);
    bw_store *st = bw_server_store(r->srv);
    bw_api_key k;
    int found = st ? bw_store_key_find(st, hash, &k) : -1;
    if (found < 0) {
        bw_answer_problem(r, 500, "the key could not be checked", NULL, NULL);
        return 500;
    }
    bw_key_role role = found ? bw_role_parse(k.role) : R_COUNT;
    if (!found || k.revoked_at || role == R_COUNT) {
        bw_answer_problem(r, 401, "unknown or revoked API key", NULL, NULL);
        return 401;
    }
    r->who.role = role;
    r->who.key_id = k.id;
    r->who.rate_per_s = k.rate_per_s;
    snprintf(r->who.submitter, sizeof r->who.submitter, "%s", k.submitter);
    snprintf(r->who.agency, sizeof r->who.agency, "%s", k.agency);
    return 0;
}

/* ---- rate limits ------------------------------------------------------------------- */

#define BUCKETS 4096 /* open addressing by key id; a full table limits nobody */

typedef struct bucket {
    int64_t key_id;  /* 0 = empty */
    double tokens, at;
} bucket;

static bucket buckets[BUCKETS];
static pthread_mutex_t buckets_mu = PTHREAD_MUTEX_INITIALIZER;

bool bw_rate_allow(bw_server *s, const bw_principal *p, unsigned *retry_after_s)
{
    (void)s;
    if (p->key_id == 0 || p->rate_per_s <= 0)
        return true; /* the public, and unlimited keys */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + ts.tv_nsec / 1e9, rate = (double)p->rate_per_s;
    bool ok = true;
    pthread_mutex_lock(&buckets_mu);
    for (unsigned i = 0, h = (unsigned)(p->key_id * 2654435761u) % BUCKETS; i < BUCKETS; i++) {
        bucket *b = &buckets[(h + i) % BUCKETS];
        if (b->key_id && b->key_id != p->key_id)
            continue;
        if (!b->key_id)
            *b = (bucket){p->key_id, rate, now};
        b->tokens = fmin(rate, b->tokens + (now - b->at) * rate);
        b->at = now;
        ok = b->tokens >= 1.0;
        if (ok)
            b->tokens -= 1.0;
        else
            *retry_after_s = (unsigned)ceil((1.0 - b->tokens) / rate);
        break;
    }
    pthread_mutex_unlock(&buckets_mu);
    if (!ok && *retry_after_s == 0)
        *retry_after_s = 1;
    return ok;
}
