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
 *
 * On request it also plants labelled fraud (--anomalies, docs/generator.md):
 * a given share of the records carry one of eight patterns, each otherwise a
 * valid declaration, with a truth line per record and the offender list the
 * watchlist pattern draws from.  Without those options not a byte changes.
 */
#ifndef BW_GEN_H
#define BW_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct bw_gen_options {
    uint64_t count;           /* records to write; 0 writes nothing */
    uint64_t seed;            /* any value; the same seed gives the same bytes */
    const char *jurisdiction; /* EU GB US AU CA CN; NULL = mix of all six */
    const char *datadir;      /* holds demo/catalogue.tsv; NULL = BW_DATADIR */

    /* Labelled anomalies (docs/generator.md).  All zero: the generator's
     * output exactly as it always was. */
    bool anomalies;           /* --anomalies given: payment.payer is written, and */
    uint32_t anomaly_ppm;     /* this many records per million carry one anomaly */
    FILE *truth;              /* one NDJSON truth line per record, or NULL */
    uint32_t days;            /* > 0: order dates grow with the record number over
                                 this many days ending 2026-11-20 */
    bool outcomes;            /* each record gets "outcome": the truth as an inspection */
} bw_gen_options;

/*
 * Writes opt->count declarations to `out`, one per line, and with
 * opt->truth the truth line of each, in the same order:
 *   {"submitter":"..","declaration_id":"..","pattern":"clean"|"<pattern>",
 *    "group":"<linked records, or empty>","date":"<order date>",
 *    "revenue":"12.34","currency":"EUR"}
 * Returns 0 on success, -1 on error with a one-line message in err (always
 * NUL-terminated when errlen > 0): unknown jurisdiction, missing or
 * malformed catalogue or anomaly vocabulary (file and line), or a write
 * error.
 */
int bw_gen_run(const bw_gen_options *opt, FILE *out, char *err, size_t errlen);

/* "0.05" -> 50000 parts per million: digits with an optional '.', at most
 * six significant decimals, 0 to 1.  0, or -1 when it is not such a rate. */
int bw_gen_parse_rate(const char *text, uint32_t *ppm);

/*
 * Writes to `out` the offender list the watchlist anomalies of opt->seed
 * are drawn from: about 300 fictional persons and companies, TSV with the
 * header line
 *   id kind name address country email phone identifier reason listed_from listed_to
 * (tab-separated; dates YYYY-MM-DD, listed_to empty while listed).
 * Names come from DATADIR/demo/offender_*.tsv; some are listed in Latin
 * letters, some in Cyrillic or Chinese characters.  opt->count is not
 * used.  Returns 0, or -1 with a message in err.
 */
int bw_gen_watchlist(const bw_gen_options *opt, FILE *out, char *err, size_t errlen);

/*
 * Writes to `out` the vendor tax-scheme registry (format:
 * data/registries/README.md) under which every vendor number that
 * bw_gen_run can emit for opt->seed is valid: the IOSS, UK VAT and ARN
 * numbers of every marketplace and of every seller of the largest seller
 * pool (so one file serves any opt->count), each valid from 2021-07-01,
 * open-ended.  Only opt->jurisdiction's scheme when it is set.  Also, per
 * scheme, three numbers of the right shape that no generated declaration
 * carries, revoked from 2024-01-01, for tests.  opt->count and
 * opt->datadir are not used.  Returns 0, or -1 with a message in err.
 */
int bw_gen_registry(const bw_gen_options *opt, FILE *out, char *err, size_t errlen);

#endif
