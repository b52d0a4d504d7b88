/*
 * schema.h - the JSON shape of a declaration, as data.
 *
 * One table per JSON object says which keys exist, what kind of value each
 * holds, where it lands in the C struct and how long it may be.  The
 * decoder and the encoder both walk these tables, so the wire names live in
 * exactly one place (and match ../shared/declaration-example.json).
 */
#ifndef BW_SCHEMA_H
#define BW_SCHEMA_H

#include "declaration.h"

typedef enum bw_field_kind {
    FK_STR,     /* bw_str */
    FK_ENUM,    /* bw_enum; sub = names table */
    FK_FLAG,    /* bw_flag */
    FK_TIME,    /* bw_timestamp */
    FK_MONEY,   /* bw_money */
    FK_QTY,     /* bw_measure, thousandths */
    FK_WEIGHT,  /* bw_measure, grams with 3 decimals */
    FK_OBJECT,  /* nested struct; sub = bw_schema */
    FK_ITEMS,   /* the items array (top level only) */
} bw_field_kind;

typedef struct bw_field {
    const char *name;
    uint8_t name_len;
    uint8_t kind;
    uint16_t offset;
    uint16_t max_len;   /* in characters (code points), for strings */
    const void *sub;
} bw_field;

typedef struct bw_schema {
    const bw_field *fields;
    uint8_t n_fields;
} bw_schema;

extern const bw_schema bw_declaration_schema;
extern const bw_schema bw_item_schema;

/* Limits that protect the system from hostile or broken input. */
typedef struct bw_limits {
    uint32_t max_items;        /* items per declaration */
    uint32_t max_depth;        /* nesting of unknown values */
    size_t max_record_bytes;   /* one declaration's JSON text */
    size_t read_block;         /* bytes asked of read(2) at a time */
} bw_limits;

extern const bw_limits bw_default_limits;

#endif
