/*
 * keytab.c - growing and filling the keyed record tables of keytab.h.
 */
#include "keytab.h"

#include <stdlib.h>
#include <string.h>

static void *place(const bw_keytab *t, const void *rec)
{
    uint32_t i = (uint32_t)bw_keytab_mix(*(const uint64_t *)rec) & t->mask;
    while (*(const uint64_t *)bw_keytab_at(t, i))
        i = (i + 1) & t->mask;
    void *slot = bw_keytab_at(t, i);
    memcpy(slot, rec, t->size);
    return slot;
}

/* Keeps the table at most half full; false when out of memory. */
static bool make_room(bw_keytab *t, uint32_t first_cap)
{
    uint32_t cap = t->slots ? t->mask + 1 : 0;
    if ((uint64_t)(t->n + 1) * 2 <= cap)
        return true;
    uint32_t ncap = cap ? cap * 2 : first_cap;
    if (ncap < cap)
        return false;
    bw_keytab grown = {calloc(ncap, t->size), ncap - 1, t->n, t->size};
    if (!grown.slots)
        return false;
    for (uint32_t i = 0; i < cap; i++)
        if (*(const uint64_t *)bw_keytab_at(t, i))
            place(&grown, bw_keytab_at(t, i));
    free(t->slots);
    *t = grown;
    return true;
}

void *bw_keytab_add(bw_keytab *t, const void *rec, uint32_t first_cap)
{
    if (!make_room(t, first_cap))
        return NULL;
    t->n++;
    return place(t, rec);
}

void bw_keytab_free(bw_keytab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->mask = t->n = 0;
}
