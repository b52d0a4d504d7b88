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
 * decompress.  Backend-neutral: the store keeps the dictionaries wherever
 * it keeps data (see bw_body_dict_unpersisted).
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
 * kept as a training sample, and the call that completes the sample set
 * trains one (a fraction of a second, once per store). */
bool bw_body_pack(bw_body_packer *p, const char *text, size_t n, bw_buf *out, int64_t *dict_id);
/* Decompresses into a malloc'd NUL-terminated string, NULL on failure. */
char *bw_body_decompress(bw_body_codec *c, const void *blob, size_t n, int64_t dict_id);

/* A dictionary made by this codec that the store has not yet persisted:
 * returns its bytes (valid until the codec is freed) or NULL.  The store
 * writes it in the same transaction as the first body that uses it, then
 * calls bw_body_dict_persisted() after the commit. */
const void *bw_body_dict_unpersisted(bw_body_codec *c, int64_t id, size_t *n);
void bw_body_dict_persisted(bw_body_codec *c, int64_t id);

#endif
