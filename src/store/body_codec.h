/*
 * body_codec.h - compression of stored declaration bodies.
 *
 * A declaration's canonical JSON is ~1.9 KB, most of it the same keys and
 * values again and again.  zstd with a dictionary trained on the store's
 * own first declarations shrinks it about six-fold (measured: 1,914 -> ~300
 * bytes) at ~250k bodies/s on one core, which makes the SQLite insert
 * several times cheaper and the file six times smaller.  A dictionary never
 * changes once made, so every body can always be read back with the
 * dictionary it names (0 = none).
 *
 * Threads: the codec (dictionaries, training samples) is shared and locked;
 * each compressing thread has its own packer, and any thread may
 * decompress.  Backend-neutral: the codec only collects samples and trains;
 * the store decides, in a transaction, whether the database still lacks a
 * dictionary, stores the new one and gives it its id (so two processes
 * writing one database never make two different dictionaries 1).
 */
#ifndef BW_BODY_CODEC_H
#define BW_BODY_CODEC_H

#include "../core/core.h"

typedef struct bw_body_codec bw_body_codec;
typedef struct bw_body_packer bw_body_packer;

bw_body_codec *bw_body_codec_new(void);
void bw_body_codec_free(bw_body_codec *c);

/* Makes a stored dictionary known; the newest is used for compressing. */
bool bw_body_codec_add_dict(bw_body_codec *c, int64_t id, const void *dict, size_t n);

/* One compressing thread's context. */
bw_body_packer *bw_body_packer_new(bw_body_codec *c);
void bw_body_packer_free(bw_body_packer *p);

/* Compresses text into out (replacing its contents); *dict_id says which
 * dictionary was used (0 = none).  Until a dictionary exists the text is
 * also kept as a training sample. */
bool bw_body_pack(bw_body_packer *p, const char *text, size_t n, bw_buf *out, int64_t *dict_id);
/* Decompresses into a malloc'd NUL-terminated string, NULL on failure. */
char *bw_body_decompress(bw_body_codec *c, const void *blob, size_t n, int64_t dict_id);

/* Whether a dictionary is known. */
bool bw_body_codec_has_dict(bw_body_codec *c);
/* The highest dictionary id known (0 none). */
int64_t bw_body_codec_newest(bw_body_codec *c);
/* When enough samples were kept and no dictionary is known, trains one:
 * true with malloc'd bytes in *dict, *n (a fraction of a second, once).
 * The caller stores it and then adds it with bw_body_codec_add_dict. */
bool bw_body_codec_train(bw_body_codec *c, void **dict, size_t *n);

#endif
