/*
 * fuzz_screen_list.c - libFuzzer target for the screening list loader
 * (src/risk/screen.c): any bytes as a list file.  Loading must end in a
 * screen or in a "file:line: why" message, never a crash; a list that loads
 * is then used on a few descriptions, on the input itself as a description,
 * and on HS codes.
 *
 * Most inputs get the header line put in front of them (the first byte
 * decides), so the fuzzer spends its time in the rows, not on a header it
 * would rarely guess.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "risk/screen.h"

#define HEADER "id\tkind\tarea\tmatch\tpattern\tlanguage\tjurisdictions\tscore\tlane\tvalid_from\tvalid_to\tnote\n"

static bool count(const bw_screen_match *m, void *ctx)
{
    if (!m->entry || !m->entry->id || m->matched_n > 1u << 26)
        abort();
    (*(int *)ctx)++;
    return true;
}

static void use(const bw_screen *s, const uint8_t *data, size_t n)
{
    static const char *const texts[] = {"c o c a i n e", "Toy gun", "进口可卡因粉", "ОРУЖИЕ", "V1AGRA 100mg", ""};
    bw_screen_scope scope = {{"AU", 2}, 1735689600, false};
    int hits = 0;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (bw_screen_text(s, texts[i], strlen(texts[i]), i % 2 ? &scope : NULL, count, &hits) < 0)
            abort();
    if (bw_screen_text(s, (const char *)data, n, NULL, count, &hits) < 0)
        abort();
    bw_screen_hs(s, "9302000000", 10, NULL, count, &hits);
    bw_screen_hs(s, (const char *)data, n, &scope, count, &hits);
    for (size_t i = 0; i < bw_screen_count(s); i++)
        if (!bw_screen_entry_at(s, i)->term[0])
            abort(); /* the loader refuses patterns that normalize to nothing */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    int fd = memfd_create("screening", 0);
    if (fd < 0)
        abort();
    bool header = data[0] & 1;
    if ((header && write(fd, HEADER, sizeof HEADER - 1) != (ssize_t)(sizeof HEADER - 1)) ||
        write(fd, data + 1, n - 1) != (ssize_t)(n - 1))
        abort();
    char path[64], err[1024] = "";
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    bw_screen *s = bw_screen_load(NULL, path, err, sizeof err);
    if (s) {
        use(s, data, n);
        bw_screen_free(s);
    } else if (!strstr(err, path) && strncmp(err, "screening: ", 11) != 0) {
        abort(); /* every message names the file (or says it is about the whole list) */
    }
    close(fd);
    return 0;
}
