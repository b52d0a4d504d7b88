/*
 * keytab.h - a table of fixed-size records found by a 64-bit key: open
 * addressing with linear probing, kept at most half full.
 *
 * Why: the risk engine's learned state (party histories, reference price
 * distributions) is millions of small records looked up once or twice per
 * declaration; records stored in the slots themselves cost one cache miss
 * a lookup, where a chained table costs two.  Each record starts with its
 * key (uint64_t, 0 = empty slot); the caller locks.
 */
#ifndef BW_KEYTAB_H
#define BW_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bw_keytab {
    void *slots;          /* mask + 1 records of `size` bytes; NULL before the first */
    uint32_t mask, n;     /* capacity - 1 (a power of two); records */
    uint32_t size;        /* bytes of a record, its key first */
} bw_keytab;

/* Spreads the key's bits: keys that differ only in high bits get other slots. */
static inline uint64_t bw_keytab_mix(uint64_t key)
{
    key ^= key >> 31;
    key *= 0x9e3779b97f4a7c15u;
    return key ^ (key >> 29);
}

/* The i-th slot (a record whose key is 0 when empty). */
static inline void *bw_keytab_at(const bw_keytab *t, uint32_t i) { return (char *)t->slots + (size_t)i * t->size; }

/* Where key's probe starts, for a prefetch; NULL before the first record. */
static inline void *bw_keytab_home(const bw_keytab *t, uint64_t key)
{
    return t->slots ? bw_keytab_at(t, (uint32_t)bw_keytab_mix(key) & t->mask) : NULL;
}

/* The record of key, or NULL. */
static inline void *bw_keytab_find(const bw_keytab *t, uint64_t key)
{
    if (!t->slots)
        return NULL;
    for (uint32_t i = (uint32_t)bw_keytab_mix(key) & t->mask;; i = (i + 1) & t->mask) {
        void *r = bw_keytab_at(t, i);
        uint64_t k = *(const uint64_t *)r;
        if (k == key)
            return r;
        if (k == 0)
            return NULL;
    }
}

/* Copies rec (whose key is not in t) into t, growing it first (the first
 * capacity is first_cap, a power of two); the stored record, or NULL when
 * out of memory. */
void *bw_keytab_add(bw_keytab *t, const void *rec, uint32_t first_cap);
void bw_keytab_free(bw_keytab *t);

#endif
