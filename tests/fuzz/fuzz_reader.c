/*
 * fuzz_reader.c - libFuzzer target for the stream framing (reader.c): any
 * bytes as a stream of declarations, read a few bytes at a time so that
 * records straddle every possible block boundary.  Must terminate, never crash, and account for every
 * byte: each record it hands out starts at or after the previous one.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#include "model/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || write(fd, data, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    bw_limits lim = bw_default_limits;
    lim.max_record_bytes = 4096; /* small, so the too-large path is reached */
    lim.max_items = 16;
    lim.read_block = 1 + data[0] % 64;
    bw_reader *r = bw_reader_new(fd, &lim);
    bw_record rec;
    bw_record_init(&rec);
    uint64_t last = 0, count = 0;
    int got;
    while ((got = bw_reader_next(r, &rec)) == 1) {
        if (count++ && rec.offset < last)
            abort();
        last = rec.offset;
        if (count > n + 2) /* more records than bytes: a loop */
            abort();
    }
    bw_record_free(&rec);
    bw_reader_free(r);
    close(fd);
    return 0;
}
