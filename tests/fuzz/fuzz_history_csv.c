/*
 * fuzz_history_csv.c - libFuzzer target for the CSV history reader
 * (src/risk/history.c): any bytes as a CSV history, mapped by a few fixed
 * --map/--const specs chosen by the first byte, read to the end.  Must
 * never crash, leak or loop: every row it hands out starts on a later
 * line than the one before, and an error stops reading with a message
 * that names the file and a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "risk/history.h"

static const char *const MAPS[][2] = {
    {"a=buyer.id,b=items[0].hs_code,c=items[0].value.amount,d=outcome.fraud", "e=items[2].quantity,f=gift"},
    {"a=declaration_id,b=order.date,c=outcome.inspected,d=items[0].net_weight_g", "e=outcome.revenue,f=seller.id"},
    {"a=submitter.id", "b=transport.mode,c=items[1].origin"},
    {"x=buyer.id", NULL}, /* a column that is not there: an error at open */
};
static const char *const CONSTS[] = {"items[0].value.currency=EUR", "type=import"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || write(fd, data + 1, n - 1) != (ssize_t)(n - 1))
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    unsigned pick = data[0] % 4;
    bw_hist_options o = {
        .format = BW_HIST_CSV,
        .maps = MAPS[pick],
        .n_maps = MAPS[pick][1] ? 2 : 1,
        .consts = CONSTS,
        .n_consts = data[0] & 0x80 ? 2 : 0,
        .outcome = true,
    };
    char err[512];
    bw_hist_reader *r = bw_hist_open(path, &o, err, sizeof err);
    if (r) {
        bw_hist_row row;
        uint64_t last = 0, count = 0;
        int got;
        while ((got = bw_hist_next(r, &row, err, sizeof err)) == 1) {
            if (row.line <= last || ++count > n + 2)
                abort(); /* rows must move forward */
            last = row.line;
            if (!row.decodable && !row.error)
                abort();
        }
        if (got < 0 && !strstr(err, ":"))
            abort(); /* an error names where */
        bw_hist_close(r);
    }
    close(fd);
    return 0;
}
