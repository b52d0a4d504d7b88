/*
 * reader.h - a stream of declaration records from a file descriptor
 * (one object, a JSON array, or NDJSON; see reader.c).
 */
#ifndef BW_READER_H
#define BW_READER_H

#include "../core/issues.h"
#include "json_decode.h"

/* One record as read: the decoded declaration (when decodable), the issues
 * found so far, and where it was in the input.  The arena and the text are
 * valid until the next bw_reader_next() on the same record. */
typedef struct bw_record {
    uint64_t index;      /* 1-based position in the input */
    uint64_t line;       /* line where it starts */
    uint64_t offset;     /* byte offset where it starts */
    bw_str text;         /* the record's JSON text (if any) */
    bool decodable;      /* false: syntax error, only issues are meaningful */
    bw_declaration decl;
    bw_issues issues;
    bw_arena arena;
} bw_record;

void bw_record_init(bw_record *rec);
void bw_record_free(bw_record *rec);

typedef struct bw_reader bw_reader;

bw_reader *bw_reader_new(int fd, const bw_limits *lim); /* NULL lim = defaults */
/* Reads from memory the caller keeps until bw_reader_free (a request body);
 * a record may be as large as the memory. */
bw_reader *bw_reader_new_mem(const char *p, size_t n, const bw_limits *lim);
void bw_reader_free(bw_reader *r);
/* 1: a record (possibly undecodable), 0: end of input, -1: I/O error
 * (bw_reader_error says which). */
int bw_reader_next(bw_reader *r, bw_record *rec);
const char *bw_reader_error(const bw_reader *r);

#endif
