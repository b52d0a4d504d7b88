/*
 * gen.h - the deterministic synthetic declaration generator.
 *
 * `breakwater gen` prints realistic e-commerce declarations, one JSON object
 * per line (NDJSON), shaped like ../shared/declaration-example.json.  They
 * are the demo data and the benchmark input, so two properties matter more
 * than anything else:
 *
 *   - Determinism.  The same options give byte-identical output on every
 *     machine: the generator uses its own PRNG (xoshiro256** seeded through
 *     splitmix64), integer arithmetic only, and never reads the clock or the
 *     locale.  Record N depends only on (seed, N, options), which is also how
 *     a "return" can name an earlier declaration without keeping history.
 *
 *   - Speed.  A million records must take seconds, so output is formatted by
 *     hand into a large buffer and written with fwrite, not printf.
 *
 * The products come from DATADIR/demo/catalogue.tsv (reference data lives in
 * files, not code; see data/demo/README.md for the format).  Parties, places
 * and carriers are small built-in vocabularies: they only need to look
 * plausible, and every value a validator checks (S10 and air waybill check
 * digits, HS subheadings, UN/LOCODE-shaped places, ISO codes, amounts that
 * reconcile) is produced valid on purpose, so that tests and demos can
 * corrupt records deliberately and know what they broke.
 */
#ifndef BW_GEN_H
#define BW_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bw_gen_options {
    uint64_t count;           /* records to write; 0 writes nothing */
    uint64_t seed;            /* any value; the same seed gives the same bytes */
    const char *jurisdiction; /* EU GB US AU CA CN; NULL = mix of all six */
    const char *datadir;      /* holds demo/catalogue.tsv; NULL = BW_DATADIR */
} bw_gen_options;

/*
 * Writes opt->count declarations to `out`, one per line.
 * Returns 0 on success, -1 on error with a one-line message in err (always
 * NUL-terminated when errlen > 0): unknown jurisdiction, missing or
 * malformed catalogue, or a write error on `out`.
 */
int bw_gen_run(const bw_gen_options *opt, FILE *out, char *err, size_t errlen);

#endif
