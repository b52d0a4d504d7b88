/*
 * core.h - the small vocabulary every part of breakwater speaks: string
 * slices, an arena allocator, a growable byte buffer, fixed-point decimals,
 * time stamps and the issue list (errors and warnings with a JSON path).
 *
 * Nothing here does I/O or knows about customs; it is what the pipeline,
 * the codecs and the store are built from.
 */
#ifndef BW_CORE_H
#define BW_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- string slices ----------------------------------------------------
 * A slice points into memory owned by someone else (the input buffer or an
 * arena).  p == NULL means "absent": JSON null and a missing key look the
 * same to the rest of the system, which is what validation wants. */
typedef struct bw_str {
    const char *p;
    uint32_t n;
} bw_str;

#define BW_STR_NULL ((bw_str){NULL, 0})
#define BW_STR_LIT(s) ((bw_str){(s), (uint32_t)(sizeof(s) - 1)})

static inline bool bw_str_present(bw_str s) { return s.p != NULL; }
static inline bool bw_str_eq(bw_str s, const char *c)
{
    size_t n = strlen(c);
    return s.p && s.n == n && memcmp(s.p, c, n) == 0;
}
static inline bool bw_str_same(bw_str a, bw_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* ---- arena -------------------------------------------------------------
 * One arena per record: everything a declaration needs is bump-allocated
 * and released at once by bw_arena_reset(), so decoding never calls malloc
 * on the hot path after warm-up. */
typedef struct bw_arena_chunk bw_arena_chunk;
typedef struct bw_arena {
    bw_arena_chunk *head;   /* chunk being filled */
    bw_arena_chunk *spare;  /* chunks kept after reset */
    size_t used;            /* bytes handed out since the last reset */
} bw_arena;

void bw_arena_init(bw_arena *a);
void *bw_arena_alloc(bw_arena *a, size_t n);        /* 16-byte aligned, zeroed */
char *bw_arena_strdup(bw_arena *a, const char *s, size_t n);
void bw_arena_reset(bw_arena *a);
void bw_arena_free(bw_arena *a);

/* ---- growable buffer ---------------------------------------------------- */
typedef struct bw_buf {
    char *p;
    size_t n, cap;
} bw_buf;

/* Makes room for `extra` more bytes (and a NUL). */
void bw_buf_grow(bw_buf *b, size_t extra);
static inline void bw_buf_reserve(bw_buf *b, size_t extra)
{
    if (b->cap - b->n <= extra) /* inline: encoders call this per token */
        bw_buf_grow(b, extra);
}
static inline void bw_buf_put(bw_buf *b, const void *p, size_t n)
{
    bw_buf_reserve(b, n);
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}
static inline void bw_buf_putc(bw_buf *b, char c)
{
    bw_buf_reserve(b, 1);
    b->p[b->n++] = c;
}
void bw_buf_puts(bw_buf *b, const char *s);
void bw_buf_printf(bw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bw_buf_put_i64(bw_buf *b, int64_t v);
/* Appends s as a JSON string literal (quotes included, escapes as needed). */
void bw_buf_put_json_str(bw_buf *b, const char *s, size_t n);
/* Saved state: the low `bytes` bytes of v, little-endian (the same bytes on
 * every machine), and back. */
void bw_buf_put_le(bw_buf *b, uint64_t v, int bytes);
uint64_t bw_get_le(const unsigned char *p, int bytes);
const char *bw_buf_cstr(bw_buf *b);                  /* NUL-terminates */
void bw_buf_free(bw_buf *b);

/* ---- fixed-point decimals ----------------------------------------------
 * Money and measures never touch floating point.  A decimal is a signed
 * integer mantissa and a count of fractional digits: "44.98" is {4498, 2}. */
typedef struct bw_decimal {
    int64_t mantissa;
    uint8_t scale;
} bw_decimal;

typedef enum bw_dec_status {
    BW_DEC_OK = 0,
    BW_DEC_SYNTAX,    /* not a plain decimal number */
    BW_DEC_OVERFLOW,  /* does not fit int64 at its scale */
    BW_DEC_PRECISION, /* more fractional digits than allowed */
} bw_dec_status;

/* Parses a plain decimal ("-12.50", "7", no exponent, no leading '+'). */
bw_dec_status bw_decimal_parse(const char *s, size_t n, bw_decimal *out);
/* Rescales d to exactly `scale` fractional digits without losing anything:
 * PRECISION when digits would be dropped, OVERFLOW when it does not fit. */
bw_dec_status bw_decimal_rescale(bw_decimal d, unsigned scale, int64_t *out);
/* Writes v / 10^scale as a decimal string ("4498",2 -> "44.98"). */
void bw_buf_put_fixed(bw_buf *b, int64_t v, unsigned scale);
/* An amount as a JSON member: key_colon is the literal before the value
 * (`,"duty":`), the value is written quoted ("12.34"); no printf, as it
 * runs for every stored declaration. */
void bw_buf_put_amount(bw_buf *b, const char *key_colon, int64_t v, unsigned scale);

/* ---- time ----------------------------------------------------------------
 * Times are seconds since the Unix epoch, UTC.  Input is ISO 8601 / RFC 3339
 * ("2026-11-20T13:02:11Z", "+01:00" offsets, fractional seconds dropped) or
 * a plain date, which means midnight UTC. */
typedef int64_t bw_time;
bool bw_time_parse(const char *s, size_t n, bw_time *out);
void bw_buf_put_time(bw_buf *b, bw_time t);          /* 2026-11-20T13:02:11Z */
void bw_time_format(bw_time t, char out[21]);
bw_time bw_time_from_civil(int y, int m, int d);
bw_time bw_time_now(void);
/* A calendar month "YYYY-MM" as [from, to) in UTC. */
bool bw_period_parse(const char *s, bw_time *from, bw_time *to);

/* ---- text ---------------------------------------------------------------- */
bool bw_utf8_valid(const char *s, size_t n);
/* Number of code points in valid UTF-8. */
size_t bw_utf8_len(const char *s, size_t n);
/* The longest prefix of s of at most max bytes that does not end inside a
 * character (for quoting input in messages). */
size_t bw_utf8_clip(const char *s, size_t n, size_t max);

#endif
