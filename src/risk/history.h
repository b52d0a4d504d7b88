/*
 * history.h - past declarations with their inspection outcomes, read for
 * the learned risk model (model.h): the training history, the validation
 * period and the declarations to score.
 *
 * Two shapes of file, so that other administrations' exports load without
 * conversion (docs/model.md has both in full):
 *
 *  - NDJSON: one declaration per line in our JSON shape, plus a top-level
 *      "outcome": {"inspected": true, "fraud": false, "revenue": "12.34"}
 *    The declaration goes through the project's decoder (not the validator:
 *    an invalid declaration is still something to learn from); the outcome
 *    is read with json-c.
 *
 *  - CSV (RFC 4180: quoted fields, doubled quotes, CRLF, a header row), with
 *    a mapping of columns onto the declaration's JSON paths
 *      --map 'Importer ID=buyer.id,HS6 Code=items[0].hs_code,Fraud=outcome.fraud'
 *    and fixed values for fields the export lacks
 *      --const items[0].value.currency=EUR
 *    Each row becomes one JSON object built by path, which then goes through
 *    the same decoder.  Columns left unmapped are kept as extra features.
 *
 * A row is labelled when outcome.inspected is true or outcome.fraud is
 * present.  A row's time is order.date, else transport.expected_arrival,
 * else payment.date.
 *
 * Errors name the file and line ("h.csv:12: ..."): a CSV that cannot be
 * framed, a column that does not fit its path's type, an outcome that is
 * not true/false, stop reading.  An NDJSON line that is not JSON is
 * handed back undecodable with the reason, and reading goes on.
 */
#ifndef BW_HISTORY_H
#define BW_HISTORY_H

#include <stdio.h>

#include "../core/core.h"
#include "../model/declaration.h"

/* ---- CSV framing (RFC 4180) -------------------------------------------------- */

typedef struct bw_csv bw_csv;

/* Reads records from f (not closed by bw_csv_close); `name` is used in
 * messages. */
bw_csv *bw_csv_open(FILE *f, const char *name);
/* The next record: 1 with its fields (NUL-terminated, valid until the next
 * call) and the line it starts on; 0 at the end; -1 with "name:line: why"
 * in err.  Lines that are entirely empty are skipped. */
int bw_csv_next(bw_csv *c, char ***fields, uint32_t *n, uint64_t *line, char *err, size_t errlen);
void bw_csv_close(bw_csv *c);

/* ---- columns onto JSON paths ---------------------------------------------------- */

/* What a row says about its inspection. */
typedef struct bw_hist_label {
    bool labelled;        /* inspected, or fraud given */
    bool fraud;
    bool has_revenue;
    bw_decimal revenue;   /* duty and tax recovered, in the declaration's currency */
} bw_hist_label;

typedef struct bw_hist_map bw_hist_map;

/* Builds the mapping for a CSV header.  maps: "Column=path,Column=path"
 * strings (several are joined; a column name may contain '=', the path
 * after the last one counts); consts: "path=value".  Paths are checked
 * against the declaration's schema (plus outcome.inspected, outcome.fraud,
 * outcome.revenue), so a typo is an error, not a silently empty field.
 * Columns not mapped become extras.  NULL with the reason in err. */
bw_hist_map *bw_hist_map_new(char *const *header, uint32_t n_cols, const char *const *maps, unsigned n_maps,
                             const char *const *consts, unsigned n_consts, char *err, size_t errlen);
void bw_hist_map_free(bw_hist_map *m);

/* One row's declaration as JSON text in out (cleared first), and its
 * outcome in *label.  Cells are coerced to their path's type: numbers for
 * quantities and weights, true/false for flags and outcomes (1/0, true/
 * false, yes/no, y/n, any case), strings otherwise; an empty cell leaves
 * the field out.  false with "column 'X': why" in err. */
bool bw_hist_map_row(const bw_hist_map *m, char *const *cells, uint32_t n_cells, bw_buf *out, bw_hist_label *label,
                     char *err, size_t errlen);

/* The columns kept as extra features, in header order. */
uint32_t bw_hist_map_extras(const bw_hist_map *m, const char *const **names, const uint32_t **columns);

/* ---- reading a history ---------------------------------------------------------------- */

typedef enum bw_hist_format { BW_HIST_AUTO = 0, BW_HIST_NDJSON, BW_HIST_CSV } bw_hist_format;

typedef struct bw_hist_options {
    bw_hist_format format;       /* AUTO: CSV when maps or consts are given, or when
                                    the file does not start with '{' or '[' */
    const char *const *maps;
    unsigned n_maps;
    const char *const *consts;
    unsigned n_consts;
    bool outcome;                /* read the outcome (json-c per NDJSON line) */
} bw_hist_options;

/* One row as read; everything is valid until the next bw_hist_next. */
typedef struct bw_hist_row {
    uint64_t line;               /* where it starts */
    bool decodable;              /* false: not JSON; why in `error` */
    const char *error;
    const bw_declaration *decl;
    bool has_time;
    bw_time when;                /* order.date, else expected arrival, else payment date */
    bw_hist_label label;
    const char *const *extra_names;  /* CSV columns kept as features, and this row's */
    const char *const *extra_values; /* cells (NULL when empty) */
    uint32_t n_extra;
} bw_hist_row;

typedef struct bw_hist_reader bw_hist_reader;

/* Opens a history file ("-": standard input, NDJSON unless maps or consts
 * are given).  NULL with the reason in err. */
bw_hist_reader *bw_hist_open(const char *path, const bw_hist_options *o, char *err, size_t errlen);
/* 1 a row, 0 the end, -1 an error that stops reading ("file:line: why"). */
int bw_hist_next(bw_hist_reader *r, bw_hist_row *row, char *err, size_t errlen);
void bw_hist_close(bw_hist_reader *r);

/* The time a declaration is filed under (see above); false when it has none. */
bool bw_hist_time(const bw_declaration *d, bw_time *out);

/* Parses 1/0, true/false, yes/no, y/n in any case. */
bool bw_hist_parse_bool(const char *s, size_t n, bool *out);

#endif
