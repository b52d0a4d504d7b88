/*
 * fuzz_watchlist.c - libFuzzer target for the offender watchlist
 * (src/risk/watchlist.c): any bytes as a list file next to the shipped
 * rules and sample list, then, when it loads, a fixed declaration and one
 * whose seller is made of the input's first line are checked against it.
 * Loading must fail with a message or succeed; checking must not crash,
 * and every hit's evidence must be a JSON object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "risk/watchlist.h"

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

static bw_str field(const char **p, const char *end)
{
    const char *s = *p, *tab = memchr(s, '\t', (size_t)(end - s));
    const char *e = tab ? tab : end;
    *p = tab ? tab + 1 : end;
    return (bw_str){s, (uint32_t)(e - s)};
}

/* The seller from the input's first line: name, address line, postcode,
 * email, phone, identifier, separated by tabs. */
static void seller_from(const uint8_t *data, size_t n, bw_party *p)
{
    const char *s = (const char *)data, *nl = memchr(s, '\n', n), *end = nl ? nl : s + n;
    memset(p, 0, sizeof *p);
    p->present = true;
    p->name = field(&s, end);
    p->address.present = true;
    p->address.line = field(&s, end);
    p->address.postcode = field(&s, end);
    p->email = field(&s, end);
    p->phone = field(&s, end);
    p->national_id = field(&s, end);
    p->address.country = (bw_str){"RU", 2};
}

static void check(const bw_watchlist *w, const bw_declaration *d)
{
    bw_arena a;
    bw_arena_init(&a);
    bw_risk_result r;
    bw_risk_result_init(&r, &a);
    bw_risk_facts f = {.decl = d, .when = bw_time_from_civil(2026, 11, 24)};
    bw_watchlist_check(w, &f, &r);
    for (uint32_t i = 0; i < r.n_hits; i++)
        if (r.hits[i].evidence[0] != '{' || r.hits[i].evidence[strlen(r.hits[i].evidence) - 1] != '}')
            abort();
    bw_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int fd = memfd_create("list", 0);
    if (fd < 0 || (n && write(fd, data, n) != (ssize_t)n))
        abort();
    char path[64], err[512] = "";
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    bw_watchlist *w = bw_watchlist_load(BW_DATADIR, path, err, sizeof err);
    close(fd);
    if (!w) {
        if (!err[0])
            abort(); /* a failure always says why */
        return 0;
    }
    static bw_declaration fixed, mine;
    fixed.present = mine.present = true;
    fixed.seller = (bw_party){.present = true, .name = {"Ivan Petrov", 11}, .email = {"ivan.petrov@post.example", 24}};
    fixed.buyer = (bw_party){.present = true, .name = {"Golden Lotus Trading", 20}, .phone = {"+852 5550 1234", 14}};
    check(w, &fixed);
    seller_from(data, n, &mine.seller);
    check(w, &mine);
    int score;
    bw_watchlist_best_name(w, (const char *)data, n < 256 ? n : 256, 0, &score);
    if (score < 0 || score > 100)
        abort();
    bw_watchlist_free(w);
    return 0;
}
