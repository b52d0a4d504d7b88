/*
 * row.h - a decided record as the store wants it.
 *
 * The last pipeline step every door shares (CLI ingest, HTTP): the
 * canonical JSON, its content hash, the errors and warnings, the decided
 * facts, all copied into an arena that lives as long as the batch.
 */
#ifndef BW_ROW_H
#define BW_ROW_H

#include "../store/store.h"
#include "pipeline.h"

/* Scratch buffers reused from record to record. */
typedef struct bw_row_scratch {
    bw_buf body, errors, warnings;
} bw_row_scratch;

void bw_row_scratch_free(bw_row_scratch *s);

/* Whether the record can be stored at all: decodable and keyed by a
 * submitter id and a declaration id. */
bool bw_row_storable(const bw_record *rec);

/* Fills row from a storable record; strings live in arena (the body too,
 * unless the caller packs it: then row->body points into s->body). */
void bw_row_build(const bw_record *rec, const bw_outcome *oc, const char *actor_kind,
                  bw_arena *arena, bw_row_scratch *s, bool copy_body, bw_decl_row *row);

/* Compresses a built row and its over-limit row (bw_store_pack on s),
 * bytes kept in arena, so the thread that puts only inserts. */
bool bw_row_pack(bw_store *s, bw_decl_row *row, bw_arena *arena, bw_buf *scratch);

#endif
