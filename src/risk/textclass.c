/*
 * textclass.c - description versus classification (textclass.h).
 *
 * The model is counts: per heading h the items learned n_h and the words
 * learned W_h; per word w (a 32-bit hash of the token) the items of each
 * heading it appeared in, c(w,h), as a sorted posting list.  For a
 * description with known words w_1..w_K, naive Bayes with Laplace
 * smoothing (alpha = 1, vocabulary size V) scores
 *
 *   s(h) = log((n_h + 1) / (N + H)) + sum_k log((c(w_k,h) + 1) / (W_h + V))
 *        = log prior(h) - K log(W_h + V) + sum_k log(1 + c(w_k,h))
 *
 * where V is the vocabulary size rounded up to a power of two: the logs
 * then change only when a count they depend on changes, so they are kept
 * with the counts (log(1 + c) in each posting, log(n_h + 1) and
 * log(W_h + V) per heading, all headings' again when V doubles) and a
 * check computes no logarithm at all.
 *
 * so only headings in some known word's posting list (the candidates),
 * and the declared one, need a score: the others share no word with the
 * description.  Probabilities are normalized over those, which leaves out
 * headings whose every word term is the smoothing floor; the declared
 * chapter's probability is the sum over its candidate headings.
 *
 * A word counts once per item (set of words: descriptions are short and a
 * repeated word says little more).  Single characters and pure numbers are
 * not words here ("size m", "128 gb" keep "size" and "gb").
 */
#include "textclass.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

#include "normalize.h"

/* ---- the policy: docs/risk-analytics.md explains each value ------------------- */
#define P_IMPROBABLE 0.02
#define LIKELY 3                       /* alternatives shown */

#define HEADINGS 10000
#define MAX_TOKENS 16                  /* words used per description */
#define MAX_CANDIDATES 256
#define NORM_CAP 1024

typedef struct posting {
    uint16_t heading;
    uint32_t count;
    float weight;                      /* log(1 + count) */
} posting;

typedef struct token {
    uint32_t hash;                     /* 0: empty slot */
    uint32_t total;                    /* items it appeared in */
    uint32_t n_post, cap_post;
    posting *post;                     /* by increasing heading */
} token;

struct bw_textclass {
    pthread_rwlock_t lock;
    uint64_t items;                    /* N */
    uint32_t headings;                 /* H: headings with items */
    uint32_t *h_items, *h_words;       /* n_h, W_h; HEADINGS each */
    double *log_items, *log_words;     /* log(n_h + 1), log(W_h + V); HEADINGS each */
    uint32_t ch_items[100];
    token *vocab;                      /* open addressing */
    uint32_t mask, n_vocab;            /* distinct words */
    uint32_t v;                        /* V: n_vocab rounded up to a power of two */
};

/* ---- the cached logarithms ---------------------------------------------------------- */

static void refresh_heading(bw_textclass *t, int h)
{
    t->log_items[h] = log(t->h_items[h] + 1.0);
    t->log_words[h] = log((double)t->h_words[h] + t->v);
}

/* V follows the vocabulary by doublings; each one refreshes every heading. */
static void refresh_vocabulary(bw_textclass *t)
{
    uint32_t v = 1;
    while (v < t->n_vocab && v < (1u << 31))
        v <<= 1;
    if (v == t->v)
        return;
    t->v = v;
    for (int h = 0; h < HEADINGS; h++)
        refresh_heading(t, h);
}

/* ---- words ------------------------------------------------------------------------ */

typedef struct words {
    char norm[NORM_CAP];
    const char *text[MAX_TOKENS];
    uint8_t len[MAX_TOKENS];
    uint32_t hash[MAX_TOKENS];
    int n;
} words;

static bool is_word(const char *s, size_t n)
{
    if (n < 2 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return true;
    return false; /* a number */
}

/* The distinct words of a description, at most MAX_TOKENS. */
static void split(bw_str desc, words *w)
{
    w->n = 0;
    size_t n = bw_norm_text(desc.p ? desc.p : "", desc.n, w->norm, sizeof w->norm, 0);
    for (size_t i = 0; i < n && w->n < MAX_TOKENS;) {
        size_t j = i;
        while (j < n && w->norm[j] != ' ')
            j++;
        if (is_word(w->norm + i, j - i)) {
            uint32_t h = (uint32_t)XXH3_64bits(w->norm + i, j - i);
            h = h ? h : 1;
            bool dup = false;
            for (int k = 0; k < w->n && !dup; k++)
                dup = w->hash[k] == h;
            if (!dup) {
                w->text[w->n] = w->norm + i;
                w->len[w->n] = (uint8_t)(j - i);
                w->hash[w->n++] = h;
            }
        }
        i = j + 1;
    }
}

/* log(1 + count) of a posting: counts are mostly small, and learning sets
 * one weight per word of every item, so small counts come from a table. */
#define WEIGHT_TABLE 4096
static float weight_table[WEIGHT_TABLE];
static pthread_once_t weight_once = PTHREAD_ONCE_INIT;

static void weight_table_fill(void)
{
    for (int c = 0; c < WEIGHT_TABLE; c++)
        weight_table[c] = (float)log1p((double)c);
}

static float weight_of(uint32_t count)
{
    pthread_once(&weight_once, weight_table_fill);
    return count < WEIGHT_TABLE ? weight_table[count] : (float)log1p((double)count);
}

/* The words of a description, split once for its check and its learning:
 * a small ring per thread, looked up by the description's bytes (compared
 * in full).  The words stay valid until RING more descriptions are split. */
#define RING 8
#define RING_TEXT 256                  /* longer descriptions are split each time */

typedef struct split_slot {
    char text[RING_TEXT];
    uint32_t n;                        /* 0: empty */
    words w;
} split_slot;

static _Thread_local split_slot ring[RING];
static _Thread_local unsigned ring_next;
static _Thread_local words unkept;

static const words *split_once(bw_str desc)
{
    if (desc.n == 0 || desc.n > RING_TEXT) {
        split(desc, &unkept);
        return &unkept;
    }
    for (int i = 0; i < RING; i++)
        if (ring[i].n == desc.n && memcmp(ring[i].text, desc.p, desc.n) == 0)
            return &ring[i].w;
    split_slot *sl = &ring[ring_next++ % RING];
    memcpy(sl->text, desc.p, desc.n);
    sl->n = desc.n;
    split(desc, &sl->w);
    return &sl->w;
}

/* The heading (4 digits as a number, >= 100) of an HS code, or -1. */
static int heading_of(bw_str hs)
{
    if (!hs.p || hs.n < 4)
        return -1;
    int h = 0;
    for (int i = 0; i < 4; i++) {
        if (hs.p[i] < '0' || hs.p[i] > '9')
            return -1;
        h = h * 10 + (hs.p[i] - '0');
    }
    return h >= 100 ? h : -1;
}

/* ---- the vocabulary ----------------------------------------------------------------- */

static token *find(const bw_textclass *t, uint32_t hash)
{
    if (!t->vocab)
        return NULL;
    for (uint32_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        if (t->vocab[i].hash == hash)
            return &t->vocab[i];
        if (t->vocab[i].hash == 0)
            return NULL;
    }
}

static void place(token *slots, uint32_t mask, const token *k)
{
    uint32_t i = k->hash & mask;
    while (slots[i].hash)
        i = (i + 1) & mask;
    slots[i] = *k;
}

static bool make_room(bw_textclass *t)
{
    uint32_t cap = t->vocab ? t->mask + 1 : 0;
    if ((t->n_vocab + 1) * 2 <= cap)
        return true;
    uint32_t ncap = cap ? cap * 2 : 1024;
    if (ncap < cap)
        return false;
    token *slots = calloc(ncap, sizeof *slots);
    if (!slots)
        return false;
    for (uint32_t i = 0; i < cap; i++)
        if (t->vocab[i].hash)
            place(slots, ncap - 1, &t->vocab[i]);
    free(t->vocab);
    t->vocab = slots;
    t->mask = ncap - 1;
    return true;
}

static token *upsert(bw_textclass *t, uint32_t hash)
{
    token *k = find(t, hash);
    if (k || !make_room(t))
        return k;
    token fresh = {.hash = hash};
    place(t->vocab, t->mask, &fresh);
    t->n_vocab++;
    return find(t, hash);
}

/* The posting of heading h in k, inserted (count 0) when new; NULL when out
 * of memory. */
static posting *posting_of(token *k, uint16_t h)
{
    uint32_t lo = 0, hi = k->n_post;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (k->post[mid].heading < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < k->n_post && k->post[lo].heading == h)
        return &k->post[lo];
    if (k->n_post == k->cap_post) {
        uint32_t cap = k->cap_post ? k->cap_post * 2 : 2;
        posting *p = realloc(k->post, cap * sizeof *p);
        if (!p)
            return NULL;
        k->post = p;
        k->cap_post = cap;
    }
    memmove(k->post + lo + 1, k->post + lo, (k->n_post - lo) * sizeof *k->post);
    k->post[lo] = (posting){h, 0, 0};
    k->n_post++;
    return &k->post[lo];
}

static void inc(uint32_t *v)
{
    if (*v < UINT32_MAX)
        (*v)++;
}

/* ---- learning ----------------------------------------------------------------------- */

static void learn_item(bw_textclass *t, const bw_item *it)
{
    int h = heading_of(it->hs_code);
    if (h < 0)
        return;
    const words *w = split_once(it->description);
    if (w->n == 0)
        return;
    for (int k = 0; k < w->n; k++) {
        token *tok = upsert(t, w->hash[k]);
        posting *p = tok ? posting_of(tok, (uint16_t)h) : NULL;
        if (!p)
            continue; /* out of memory: this word is not learned */
        inc(&p->count);
        p->weight = weight_of(p->count);
        inc(&tok->total);
        inc(&t->h_words[h]);
    }
    if (t->h_items[h] == 0)
        t->headings++;
    inc(&t->h_items[h]);
    inc(&t->ch_items[h / 100]);
    t->items++;
    refresh_heading(t, h);
    refresh_vocabulary(t);
}

void bw_textclass_learn(bw_textclass *t, const bw_declaration *d)
{
    if (!d)
        return;
    pthread_rwlock_wrlock(&t->lock);
    for (uint32_t i = 0; i < d->n_items; i++)
        learn_item(t, &d->items[i]);
    pthread_rwlock_unlock(&t->lock);
}

/* ---- scoring ------------------------------------------------------------------------ */

typedef struct candidate {
    uint16_t heading;
    uint16_t at;                       /* its slot */
    double sum;                        /* sum of log(1 + c(w,h)) */
    double p;
} candidate;

/* The scratch of one scoring, one per thread: the slot table is cleared
 * entry by entry at the next use, not wiped whole (it was a third of the
 * time of a check). */
typedef struct scored {
    candidate c[MAX_CANDIDATES];
    int n;
    uint16_t slot[2 * MAX_CANDIDATES]; /* candidate index + 1, by heading */
    int known;                         /* K */
    double max;                        /* best log score */
    uint8_t used[MAX_TOKENS];          /* which words were known */
} scored;

static _Thread_local scored scratch;

static candidate *candidate_of(scored *s, uint16_t h)
{
    uint32_t i = (h * 2654435761u) >> 23; /* 9 bits: 512 slots */
    for (;; i = (i + 1) & (2 * MAX_CANDIDATES - 1)) {
        if (s->slot[i] == 0) {
            if (s->n == MAX_CANDIDATES)
                return NULL; /* a description whose words are everywhere: the first ones stand */
            s->c[s->n] = (candidate){h, (uint16_t)i, 0, 0};
            s->slot[i] = (uint16_t)++s->n;
            return &s->c[s->n - 1];
        }
        if (s->c[s->slot[i] - 1].heading == h)
            return &s->c[s->slot[i] - 1];
    }
}

/* Collects the candidates of the known words (and `extra`, -1 for none)
 * with their log scores in p, and the best score in s->max.  Read lock
 * held. */
static void score(const bw_textclass *t, const words *w, int extra, scored *s)
{
    for (int i = 0; i < s->n; i++)
        s->slot[s->c[i].at] = 0;
    s->n = s->known = 0;
    for (int k = 0; k < w->n; k++) {
        const token *tok = find(t, w->hash[k]);
        s->used[k] = tok && tok->total >= BW_TEXTCLASS_MIN_TOKEN_ITEMS;
        if (!s->used[k])
            continue;
        s->known++;
        for (uint32_t i = 0; i < tok->n_post; i++) {
            candidate *c = candidate_of(s, tok->post[i].heading);
            if (c)
                c->sum += tok->post[i].weight;
        }
    }
    if (s->known == 0)
        return;
    if (extra >= 0)
        candidate_of(s, (uint16_t)extra);
    /* log(N + H) is common to all and cancels out */
    s->max = -INFINITY;
    for (int i = 0; i < s->n; i++) {
        candidate *c = &s->c[i];
        c->p = t->log_items[c->heading] - s->known * t->log_words[c->heading] + c->sum;
        s->max = c->p > s->max ? c->p : s->max;
    }
}

/* Log scores into probabilities.  Below max - 50 a candidate's share is
 * under 2e-22: exactly 0 here. */
static void normalize(scored *s)
{
    double z = 0;
    for (int i = 0; i < s->n; i++) {
        double d = s->c[i].p - s->max;
        z += (s->c[i].p = d < -50 ? 0 : exp(d));
    }
    for (int i = 0; i < s->n; i++)
        s->c[i].p /= z;
}

/* The indexes of the `max` most probable candidates, best first (ties: the
 * lower heading, so the order never depends on the table). */
static int top(const scored *s, int *best, int max)
{
    int n = 0;
    for (int i = 0; i < s->n; i++) {
        int at = n < max ? n++ : max;
        while (at > 0) {
            const candidate *a = &s->c[best[at - 1]], *b = &s->c[i];
            if (a->p > b->p || (a->p == b->p && a->heading < b->heading))
                break;
            if (at < max)
                best[at] = best[at - 1];
            at--;
        }
        if (at < max)
            best[at] = i;
    }
    return n;
}

/* ---- checking ----------------------------------------------------------------------- */

/* A probability as a JSON number: 4 decimals, or "2.3e-7" below 0.0001. */
static void put_prob(bw_buf *b, double p)
{
    if (p >= 0.0001 || p <= 0) {
        bw_buf_put_fixed(b, (int64_t)llround(p * 10000), 4);
        return;
    }
    int e = (int)floor(log10(p));
    int64_t m = llround(p / pow(10, e) * 10); /* 10..100 */
    if (m >= 100) {
        m /= 10;
        e++;
    }
    bw_buf_put_fixed(b, m, 1);
    bw_buf_puts(b, "e-");
    bw_buf_put_i64(b, -e);
}

static void put_heading(bw_buf *b, const char *key_colon, int h)
{
    char s[4] = {(char)('0' + h / 1000), (char)('0' + h / 100 % 10), (char)('0' + h / 10 % 10), (char)('0' + h % 10)};
    bw_buf_puts(b, key_colon);
    bw_buf_put_json_str(b, s, 4);
}

static void put_chapter(bw_buf *b, const char *key_colon, int h)
{
    char s[2] = {(char)('0' + h / 1000), (char)('0' + h / 100 % 10)};
    bw_buf_puts(b, key_colon);
    bw_buf_put_json_str(b, s, 2);
}

static const char *evidence(bw_buf *b, const bw_textclass *t, const bw_item *it, int declared, double p_declared,
                            const words *w, const scored *s)
{
    b->n = 0;
    bw_buf_puts(b, "{\"declared\":");
    bw_buf_put_json_str(b, it->hs_code.p, it->hs_code.n > 12 ? 12 : it->hs_code.n);
    put_chapter(b, ",\"declared_chapter\":", declared);
    bw_buf_puts(b, ",\"p_declared\":");
    put_prob(b, p_declared);
    bw_buf_puts(b, ",\"likely\":[");
    int best[LIKELY];
    int n = top(s, best, LIKELY);
    for (int i = 0; i < n; i++) {
        const candidate *c = &s->c[best[i]];
        put_heading(b, i ? ",{\"heading\":" : "{\"heading\":", c->heading);
        put_chapter(b, ",\"chapter\":", c->heading);
        bw_buf_puts(b, ",\"p\":");
        put_prob(b, c->p);
        bw_buf_putc(b, '}');
    }
    bw_buf_puts(b, "],\"tokens\":[");
    for (int k = 0, first = 1; k < w->n; k++) {
        if (!s->used[k])
            continue;
        if (!first)
            bw_buf_putc(b, ',');
        first = 0;
        bw_buf_put_json_str(b, w->text[k], w->len[k]);
    }
    bw_buf_puts(b, "],\"items_learned\":");
    bw_buf_put_i64(b, (int64_t)t->items);
    bw_buf_putc(b, '}');
    return bw_buf_cstr(b);
}

/* The policy's classification_min at P_IMPROBABLE, more for each tenfold
 * less likely, at most classification_max. */
static int32_t points(const bw_risk_points *pt, double p)
{
    double pts = pt->classification_min +
                 pt->classification_per_decade * log10(P_IMPROBABLE / (p > 1e-300 ? p : 1e-300));
    return pts > pt->classification_max ? pt->classification_max : (int32_t)lround(pts);
}

/* Judges one item; read lock held. */
static void check_item(const bw_textclass *t, const bw_risk_points *pts, const bw_item *it, int index, bw_buf *b,
                       scored *s, bw_risk_result *r)
{
    int declared = heading_of(it->hs_code);
    if (declared < 0 || t->ch_items[declared / 100] < BW_TEXTCLASS_MIN_CHAPTER_ITEMS)
        return; /* a chapter the model has (nearly) never seen: it cannot judge */
    const words *w = split_once(it->description);
    score(t, w, declared, s);
    if (s->known < BW_TEXTCLASS_MIN_KNOWN_TOKENS)
        return;
    /* The usual case, a well classified item, without an exponential: when
     * the declared chapter holds the best candidate, its probability is at
     * least 1 / candidates. */
    double best_declared = -INFINITY;
    for (int i = 0; i < s->n; i++)
        if (s->c[i].heading / 100 == declared / 100 && s->c[i].p > best_declared)
            best_declared = s->c[i].p;
    if (best_declared >= s->max && s->n * P_IMPROBABLE <= 1.0)
        return;
    normalize(s);
    double p = 0;
    for (int i = 0; i < s->n; i++)
        if (s->c[i].heading / 100 == declared / 100)
            p += s->c[i].p;
    if (p >= P_IMPROBABLE)
        return;
    char ref[5] = {it->hs_code.p[0], it->hs_code.p[1], it->hs_code.p[2], it->hs_code.p[3], 0};
    bw_risk_add(r, "classification.improbable", ref, bw_risk_path(r->arena, "items", index, "hs_code"),
                "the declared HS chapter is improbable for the goods description",
                evidence(b, t, it, declared, p, w, s), points(pts, p), BW_LANE_NONE);
}

void bw_textclass_check(bw_textclass *t, const bw_risk_facts *f, bw_risk_result *r)
{
    const bw_declaration *d = f->decl;
    if (!d || d->n_items == 0)
        return;
    scored *s = &scratch;
    bw_buf b = {0};
    pthread_rwlock_rdlock(&t->lock);
    if (t->items >= BW_TEXTCLASS_MIN_ITEMS)
        for (uint32_t i = 0; i < d->n_items; i++)
            check_item(t, bw_points(f), &d->items[i], (int)i, &b, s, r);
    pthread_rwlock_unlock(&t->lock);
    bw_buf_free(&b);
}

int bw_textclass_classify(bw_textclass *t, const char *description, size_t n, bw_textclass_guess *out, int max,
                          int *known)
{
    words w;
    scored *s = &scratch;
    if (n > UINT32_MAX || max < 0)
        return 0;
    split((bw_str){description, (uint32_t)n}, &w);
    pthread_rwlock_rdlock(&t->lock);
    score(t, &w, -1, s);
    pthread_rwlock_unlock(&t->lock);
    normalize(s);
    if (known)
        *known = s->known;
    int got = 0;
    if (s->known > 0 && max > 0) {
        int *best = malloc(sizeof *best * (size_t)max);
        got = best ? top(s, best, max) : 0;
        for (int i = 0; i < got; i++)
            out[i] = (bw_textclass_guess){s->c[best[i]].heading, s->c[best[i]].p};
        free(best);
    }
    return got;
}

uint64_t bw_textclass_items(bw_textclass *t)
{
    pthread_rwlock_rdlock(&t->lock);
    uint64_t n = t->items;
    pthread_rwlock_unlock(&t->lock);
    return n;
}

/* ---- life --------------------------------------------------------------------------- */

bw_textclass *bw_textclass_new(void)
{
    bw_textclass *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->h_items = calloc(HEADINGS, sizeof *t->h_items);
    t->h_words = calloc(HEADINGS, sizeof *t->h_words);
    t->log_items = calloc(HEADINGS, sizeof *t->log_items);
    t->log_words = calloc(HEADINGS, sizeof *t->log_words);
    pthread_rwlock_init(&t->lock, NULL);
    if (!t->h_items || !t->h_words || !t->log_items || !t->log_words) {
        bw_textclass_free(t);
        return NULL;
    }
    t->v = 0;
    refresh_vocabulary(t); /* V = 1 */
    return t;
}

void bw_textclass_free(bw_textclass *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; t->vocab && i <= t->mask; i++)
        free(t->vocab[i].post);
    free(t->vocab);
    free(t->h_items);
    free(t->h_words);
    free(t->log_items);
    free(t->log_words);
    pthread_rwlock_destroy(&t->lock);
    free(t);
}

/* ---- saved bytes ----------------------------------------------------------------------
 * "BWTEXTC" 0x01, u64 items, u32 headings, per heading (increasing): u16
 * heading, u32 items, u32 words; u32 words in the vocabulary, per word
 * (increasing hash): u32 hash, u32 total, u32 postings, per posting
 * (increasing heading): u16 heading, u32 count; then u64 XXH3-64 of
 * everything before it; little-endian. */

#define MAGIC "BWTEXTC\x01"

static int by_hash(const void *a, const void *b)
{
    uint32_t x = (*(const token *const *)a)->hash, y = (*(const token *const *)b)->hash;
    return x < y ? -1 : x > y;
}

int bw_textclass_save(bw_textclass *t, bw_buf *out)
{
    pthread_rwlock_rdlock(&t->lock);
    const token **order = malloc(((size_t)t->n_vocab + 1) * sizeof *order);
    if (!order) {
        pthread_rwlock_unlock(&t->lock);
        return -1;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; t->vocab && i <= t->mask; i++)
        if (t->vocab[i].hash)
            order[n++] = &t->vocab[i];
    qsort(order, n, sizeof *order, by_hash);
    size_t start = out->n;
    bw_buf_put(out, MAGIC, 8);
    bw_buf_put_le(out, t->items, 8);
    bw_buf_put_le(out, t->headings, 4);
    for (int h = 0; h < HEADINGS; h++) {
        if (!t->h_items[h])
            continue;
        bw_buf_put_le(out, (uint64_t)h, 2);
        bw_buf_put_le(out, t->h_items[h], 4);
        bw_buf_put_le(out, t->h_words[h], 4);
    }
    bw_buf_put_le(out, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        bw_buf_put_le(out, order[i]->hash, 4);
        bw_buf_put_le(out, order[i]->total, 4);
        bw_buf_put_le(out, order[i]->n_post, 4);
        for (uint32_t k = 0; k < order[i]->n_post; k++) {
            bw_buf_put_le(out, order[i]->post[k].heading, 2);
            bw_buf_put_le(out, order[i]->post[k].count, 4);
        }
    }
    pthread_rwlock_unlock(&t->lock);
    free(order);
    bw_buf_put_le(out, XXH3_64bits(out->p + start, out->n - start), 8);
    return 0;
}

/* A cursor over saved bytes that fails instead of reading past the end. */
typedef struct cursor {
    const unsigned char *p;
    size_t n, at;
    bool bad;
} cursor;

static uint64_t take(cursor *c, int bytes)
{
    if (c->bad || c->n - c->at < (size_t)bytes) {
        c->bad = true;
        return 0;
    }
    uint64_t x = 0;
    for (int i = bytes - 1; i >= 0; i--)
        x = x << 8 | c->p[c->at + (size_t)i];
    c->at += (size_t)bytes;
    return x;
}

static bool read_headings(bw_textclass *t, cursor *c, const char **why)
{
    uint32_t n = (uint32_t)take(c, 4);
    int prev = -1;
    uint64_t items = 0;
    for (uint32_t i = 0; i < n && !c->bad; i++) {
        int h = (int)take(c, 2);
        uint32_t ni = (uint32_t)take(c, 4), nw = (uint32_t)take(c, 4);
        if (h <= prev || h < 100 || h >= HEADINGS || ni == 0) {
            *why = "a heading out of order, out of range or without items";
            return false;
        }
        prev = h;
        t->h_items[h] = ni;
        t->h_words[h] = nw;
        uint64_t ch = (uint64_t)t->ch_items[h / 100] + ni;
        t->ch_items[h / 100] = ch > UINT32_MAX ? UINT32_MAX : (uint32_t)ch;
        items += ni;
    }
    t->headings = n;
    if (!c->bad && items != t->items) {
        *why = "the headings' items do not add up to the items learned";
        return false;
    }
    return true;
}

static bool read_token(bw_textclass *t, cursor *c, uint32_t *prev, uint64_t *words_of, const char **why)
{
    token k = {.hash = (uint32_t)take(c, 4), .total = (uint32_t)take(c, 4)};
    uint32_t n_post = (uint32_t)take(c, 4);
    if (c->bad)
        return false;
    if (k.hash <= *prev || n_post == 0 || n_post > t->headings || (c->n - c->at) / 6 < n_post) {
        *why = "a word out of order, or with an impossible number of headings";
        return false;
    }
    k.post = malloc(n_post * sizeof *k.post);
    if (!k.post || !make_room(t)) {
        free(k.post);
        *why = "out of memory";
        return false;
    }
    k.n_post = k.cap_post = n_post;
    *prev = k.hash;
    uint64_t sum = 0;
    int last = -1;
    bool ok = true;
    for (uint32_t i = 0; i < n_post; i++) {
        k.post[i].heading = (uint16_t)take(c, 2);
        k.post[i].count = (uint32_t)take(c, 4);
        k.post[i].weight = weight_of(k.post[i].count);
        int h = k.post[i].heading;
        ok = ok && h > last && h < HEADINGS && t->h_items[h] > 0 && k.post[i].count > 0 &&
             k.post[i].count <= t->h_items[h];
        last = h;
        sum += k.post[i].count;
        if (ok)
            words_of[h] += k.post[i].count;
    }
    place(t->vocab, t->mask, &k); /* owned by the model from here, even if bad */
    t->n_vocab++;
    if (!ok || sum != k.total) {
        *why = "a word's headings are out of order or unknown, or its counts do not add up";
        return false;
    }
    return true;
}

static bw_textclass *restore_fail(bw_textclass *t, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "saved text model: %s", why);
    bw_textclass_free(t);
    return NULL;
}

bw_textclass *bw_textclass_restore(const void *bytes, size_t n, char *err, size_t errlen)
{
    const unsigned char *q = bytes;
    if (n < 8 + 8 + 4 + 4 + 8 || memcmp(q, MAGIC, 8) != 0) {
        snprintf(err, errlen, "saved text model: not one (no BWTEXTC version 1 header)");
        return NULL;
    }
    cursor c = {q, n - 8, 8, false};
    uint64_t sum = 0;
    for (int i = 7; i >= 0; i--)
        sum = sum << 8 | q[n - 8 + (size_t)i];
    if (XXH3_64bits(q, n - 8) != sum) {
        snprintf(err, errlen, "saved text model: checksum mismatch (damaged or truncated)");
        return NULL;
    }
    bw_textclass *t = bw_textclass_new();
    uint64_t *words_of = calloc(HEADINGS, sizeof *words_of);
    if (!t || !words_of) {
        free(words_of);
        return restore_fail(t, err, errlen, "out of memory");
    }
    const char *why = "truncated";
    t->items = take(&c, 8);
    bool ok = read_headings(t, &c, &why);
    uint32_t n_vocab = ok ? (uint32_t)take(&c, 4) : 0;
    uint32_t prev = 0; /* hashes are never 0 */
    for (uint32_t i = 0; ok && !c.bad && i < n_vocab; i++)
        ok = read_token(t, &c, &prev, words_of, &why);
    if (ok && (c.bad || c.at != c.n))
        ok = false, why = c.bad ? "truncated" : "bytes left over after the last word";
    for (int h = 0; ok && h < HEADINGS; h++)
        if (words_of[h] != t->h_words[h])
            ok = false, why = "a heading's words do not add up to its postings";
    free(words_of);
    if (!ok)
        return restore_fail(t, err, errlen, why);
    t->v = 0;
    refresh_vocabulary(t); /* every heading's logs from the counts */
    return t;
}
