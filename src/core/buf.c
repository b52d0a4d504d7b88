/*
 * buf.c - growable byte buffer used by every encoder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

void bw_buf_grow(bw_buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n <= extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "breakwater: out of memory (buffer of %zu bytes)\n", cap);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void bw_buf_puts(bw_buf *b, const char *s) { bw_buf_put(b, s, strlen(s)); }

void bw_buf_printf(bw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need <= 0)
        return;
    bw_buf_reserve(b, (size_t)need + 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

void bw_buf_put_i64(bw_buf *b, int64_t v)
{
    char tmp[24];
    int i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    bw_buf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void bw_buf_put_json_str(bw_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    bw_buf_reserve(b, n + 2);
    b->p[b->n++] = '"';
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        bw_buf_put(b, s + start, i - start);
        start = i + 1;
        char esc[6] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc, "\\u00", 4);
            bw_buf_put(b, esc, 4);
            bw_buf_putc(b, hex[c >> 4]);
            bw_buf_putc(b, hex[c & 15]);
            continue;
        }
        bw_buf_put(b, esc, 2);
    }
    bw_buf_put(b, s + start, n - start);
    bw_buf_putc(b, '"');
}

const char *bw_buf_cstr(bw_buf *b)
{
    bw_buf_reserve(b, 1);
    b->p[b->n] = 0;
    return b->p;
}

void bw_buf_free(bw_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void bw_buf_put_le(bw_buf *b, uint64_t v, int bytes)
{
    char s[8];
    for (int i = 0; i < bytes; i++)
        s[i] = (char)(v >> (8 * i));
    bw_buf_put(b, s, (size_t)bytes);
}

uint64_t bw_get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
