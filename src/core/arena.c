/*
 * arena.c - bump allocation for per-record memory.
 *
 * A record's strings, items and issues live until the record is stored;
 * then the whole arena is reset.  Chunks are kept across resets so steady
 * state ingest does no malloc at all.
 */
#include <stdlib.h>
#include <stdio.h>

#include "core.h"

struct bw_arena_chunk {
    bw_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define CHUNK_MIN (64 * 1024)

void bw_arena_init(bw_arena *a) { memset(a, 0, sizeof *a); }

static bw_arena_chunk *chunk_new(size_t need)
{
    size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
    bw_arena_chunk *c = malloc(sizeof *c + size);
    if (!c) {
        fprintf(stderr, "breakwater: out of memory (arena chunk of %zu bytes)\n", size);
        abort();
    }
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void *bw_arena_alloc(bw_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    bw_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        /* take a spare chunk that fits, else a new one */
        bw_arena_chunk **pp = &a->spare;
        while (*pp && (*pp)->size < n)
            pp = &(*pp)->next;
        if (*pp) {
            c = *pp;
            *pp = c->next;
        } else {
            c = chunk_new(n);
        }
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *bw_arena_strdup(bw_arena *a, const char *s, size_t n)
{
    char *p = bw_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void bw_arena_reset(bw_arena *a)
{
    while (a->head) {
        bw_arena_chunk *c = a->head;
        a->head = c->next;
        c->next = a->spare;
        a->spare = c;
    }
    a->used = 0;
}

void bw_arena_free(bw_arena *a)
{
    bw_arena_reset(a);
    while (a->spare) {
        bw_arena_chunk *c = a->spare;
        a->spare = c->next;
        free(c);
    }
}
