/*
 * body_codec.c - zstd with trained dictionaries for declaration bodies
 * (see body_codec.h for why and for the thread contract).
 */
#include <pthread.h>
#include <stdlib.h>
#include <zdict.h>
#include <zstd.h>

#include "body_codec.h"

#define LEVEL 1                    /* fastest; the dictionary does the work */
#define TRAIN_SAMPLES 2000         /* bodies seen before training */
#define DICT_BYTES (32 * 1024)     /* measured: 0.2 s to train, ~300 B bodies */
#define SAMPLE_BYTES (32u << 20)   /* cap on memory kept for training */

typedef struct dict_entry {
    int64_t id;
    ZSTD_DDict *ddict;
    ZSTD_CDict *cdict;
} dict_entry;

struct bw_body_codec {
    pthread_mutex_t mu;   /* guards everything below but dctx */
    dict_entry *dicts;
    uint32_t n_dicts;
    int newest;           /* index of the dictionary to compress with, -1 none */
    bw_buf samples;       /* training bodies, until a dictionary exists */
    size_t *sample_sizes;
    uint32_t n_samples, cap_samples;
    bool training_done;   /* trained, or tried and gave up */
    ZSTD_DCtx *dctx;
    pthread_mutex_t dmu;  /* guards dctx */
};

struct bw_body_packer {
    bw_body_codec *codec;
    ZSTD_CCtx *cctx;
};

bw_body_codec *bw_body_codec_new(void)
{
    bw_body_codec *c = calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->dmu, NULL);
    c->newest = -1;
    c->dctx = ZSTD_createDCtx();
    if (!c->dctx) {
        bw_body_codec_free(c);
        return NULL;
    }
    return c;
}

void bw_body_codec_free(bw_body_codec *c)
{
    if (!c)
        return;
    ZSTD_freeDCtx(c->dctx);
    for (uint32_t i = 0; i < c->n_dicts; i++) {
        ZSTD_freeDDict(c->dicts[i].ddict);
        ZSTD_freeCDict(c->dicts[i].cdict);
    }
    free(c->dicts);
    bw_buf_free(&c->samples);
    free(c->sample_sizes);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->dmu);
    free(c);
}

bool bw_body_codec_add_dict(bw_body_codec *c, int64_t id, const void *dict, size_t n)
{
    pthread_mutex_lock(&c->mu);
    bool known = false;
    for (uint32_t i = 0; i < c->n_dicts; i++)
        known |= c->dicts[i].id == id;
    pthread_mutex_unlock(&c->mu);
    if (known)
        return true;
    dict_entry e = {id, ZSTD_createDDict(dict, n), ZSTD_createCDict(dict, n, LEVEL)};
    if (!e.ddict || !e.cdict) {
        ZSTD_freeDDict(e.ddict);
        ZSTD_freeCDict(e.cdict);
        return false;
    }
    pthread_mutex_lock(&c->mu);
    dict_entry *v = realloc(c->dicts, (c->n_dicts + 1) * sizeof *v);
    bool ok = v != NULL;
    if (ok) {
        c->dicts = v;
        c->dicts[c->n_dicts] = e;
        if (c->newest < 0 || id > c->dicts[c->newest].id)
            c->newest = (int)c->n_dicts;
        c->n_dicts++;
    }
    pthread_mutex_unlock(&c->mu);
    if (!ok) {
        ZSTD_freeDDict(e.ddict);
        ZSTD_freeCDict(e.cdict);
    }
    return ok;
}

bw_body_packer *bw_body_packer_new(bw_body_codec *c)
{
    bw_body_packer *p = calloc(1, sizeof *p);
    p->codec = c;
    p->cctx = ZSTD_createCCtx();
    if (!p->cctx) {
        free(p);
        return NULL;
    }
    return p;
}

void bw_body_packer_free(bw_body_packer *p)
{
    if (!p)
        return;
    ZSTD_freeCCtx(p->cctx);
    free(p);
}

/* Keeps a training sample (under the lock) until the set is complete. */
static void keep_sample(bw_body_codec *c, const char *text, size_t n)
{
    if (c->training_done || c->n_samples >= TRAIN_SAMPLES || c->samples.n + n > SAMPLE_BYTES)
        return;
    if (c->n_samples == c->cap_samples) {
        c->cap_samples = c->cap_samples ? c->cap_samples * 2 : 1024;
        c->sample_sizes = realloc(c->sample_sizes, c->cap_samples * sizeof *c->sample_sizes);
    }
    bw_buf_put(&c->samples, text, n);
    c->sample_sizes[c->n_samples++] = n;
}

bool bw_body_codec_has_dict(bw_body_codec *c)
{
    pthread_mutex_lock(&c->mu);
    bool has = c->newest >= 0;
    pthread_mutex_unlock(&c->mu);
    return has;
}

int64_t bw_body_codec_newest(bw_body_codec *c)
{
    pthread_mutex_lock(&c->mu);
    int64_t id = c->newest >= 0 ? c->dicts[c->newest].id : 0;
    pthread_mutex_unlock(&c->mu);
    return id;
}

/* Trains from the samples outside the lock (packers go on meanwhile). A
 * failure (too few distinct bodies) just means no dictionary for now. */
bool bw_body_codec_train(bw_body_codec *c, void **dict, size_t *n)
{
    pthread_mutex_lock(&c->mu);
    bool ready = !c->training_done && c->newest < 0 && c->n_samples >= TRAIN_SAMPLES;
    bw_buf samples = c->samples;
    size_t *sizes = c->sample_sizes;
    uint32_t count = c->n_samples;
    if (ready) {
        c->training_done = true;
        memset(&c->samples, 0, sizeof c->samples);
        c->sample_sizes = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (!ready)
        return false;
    void *d = malloc(DICT_BYTES);
    size_t got = ZDICT_trainFromBuffer(d, DICT_BYTES, samples.p, sizes, count);
    bw_buf_free(&samples);
    free(sizes);
    if (ZDICT_isError(got)) {
        free(d);
        return false;
    }
    *dict = d;
    *n = got;
    return true;
}

bool bw_body_pack(bw_body_packer *p, const char *text, size_t n, bw_buf *out, int64_t *dict_id)
{
    bw_body_codec *c = p->codec;
    pthread_mutex_lock(&c->mu);
    const dict_entry *e = c->newest >= 0 ? &c->dicts[c->newest] : NULL;
    ZSTD_CDict *cd = e ? e->cdict : NULL; /* never freed before the codec */
    *dict_id = e ? e->id : 0;
    if (!cd)
        keep_sample(c, text, n);
    pthread_mutex_unlock(&c->mu);
    size_t bound = ZSTD_compressBound(n);
    out->n = 0;
    bw_buf_reserve(out, bound);
    size_t z = cd ? ZSTD_compress_usingCDict(p->cctx, out->p, bound, text, n, cd)
                  : ZSTD_compressCCtx(p->cctx, out->p, bound, text, n, LEVEL);
    if (ZSTD_isError(z))
        return false;
    out->n = z;
    return true;
}

char *bw_body_decompress(bw_body_codec *c, const void *blob, size_t n, int64_t dict_id)
{
    unsigned long long size = ZSTD_getFrameContentSize(blob, n);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (64u << 20))
        return NULL;
    const ZSTD_DDict *dd = NULL;
    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < c->n_dicts && dict_id; i++)
        if (c->dicts[i].id == dict_id)
            dd = c->dicts[i].ddict;
    pthread_mutex_unlock(&c->mu);
    if (dict_id && !dd)
        return NULL;
    char *text = malloc(size + 1);
    pthread_mutex_lock(&c->dmu);
    size_t got = dd ? ZSTD_decompress_usingDDict(c->dctx, text, size, blob, n, dd)
                    : ZSTD_decompressDCtx(c->dctx, text, size, blob, n);
    pthread_mutex_unlock(&c->dmu);
    if (ZSTD_isError(got) || got != size) {
        free(text);
        return NULL;
    }
    text[size] = 0;
    return text;
}
