/*
 * json_decode.h - JSON text to bw_declaration (see json_decode.c for why
 * this is hand-written).
 */
#ifndef BW_JSON_DECODE_H
#define BW_JSON_DECODE_H

#include "../core/issues.h"
#include "schema.h"

typedef struct bw_decoder bw_decoder;

typedef enum bw_decode_status {
    BW_DECODE_OK = 0,        /* decoded; field errors may be in the issues */
    BW_DECODE_SYNTAX = 1,    /* not decodable: a json.* error was added */
    BW_DECODE_NEED_MORE = 2, /* ran off the end of [p, end) before EOF */
} bw_decode_status;

bw_decoder *bw_decoder_new(const bw_limits *lim); /* NULL lim = defaults */
void bw_decoder_free(bw_decoder *d);

/* Decodes one declaration object starting at p (leading white space is
 * skipped).  Strings without escapes point into [p, end), so the bytes must
 * outlive the declaration; everything else is allocated in `arena`.
 * *consumed is how far the decoder got (the end of the object on OK, the
 * error position on SYNTAX). */
bw_decode_status bw_decode_declaration(bw_decoder *d, const char *p, const char *end, bool at_eof,
                                       bw_declaration *out, bw_issues *iss, bw_arena *arena,
                                       size_t *consumed);

#endif
