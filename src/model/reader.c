/*
 * reader.c - declarations out of a byte stream: one object, a JSON array,
 * or NDJSON, of any size.
 *
 * The stream is read in blocks into one buffer; only the record being
 * decoded has to fit (bw_limits.max_record_bytes), so a 5 GB file uses a few
 * megabytes.  A record that straddles the end of the buffer is decoded
 * again after the next read: that happens once per block, never per record.
 *
 * The first byte that is not white space decides the framing: '[' is an
 * array of declarations, '{' starts a sequence of objects (NDJSON is the
 * case of one per line; a single pretty-printed object is the case of one).
 * After a syntax error in a sequence the reader skips to the next line that
 * starts with '{', so one broken line costs one record, not the file.  In an
 * array there is no safe place to resume and the rest is reported unread;
 * so is anything after the array's closing ']'.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reader.h"

enum framing { F_START, F_SEQUENCE, F_ARRAY_FIRST, F_ARRAY_NEXT, F_AFTER_ARRAY, F_DONE };

struct bw_reader {
    int fd;
    bw_limits lim;
    bw_decoder *dec;
    char *buf;
    size_t cap, pos, len; /* unread bytes are buf[pos, len) */
    bool eof;
    enum framing framing;
    uint64_t records;     /* records handed out so far */
    uint64_t line;        /* 1-based line of buf[pos] */
    uint64_t offset;      /* stream offset of buf[pos] */
    bool at_line_start;   /* buf[pos] is the first byte of a line */
    char error[256];      /* I/O error text */
    bool borrowed;        /* buf is the caller's (a request body) */
};

bw_reader *bw_reader_new(int fd, const bw_limits *lim)
{
    bw_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = fd;
    r->lim = lim ? *lim : bw_default_limits;
    if (r->lim.read_block == 0)
        r->lim.read_block = bw_default_limits.read_block;
    r->cap = r->lim.max_record_bytes + r->lim.read_block;
    r->buf = malloc(r->cap);
    r->dec = bw_decoder_new(&r->lim);
    if (!r->buf || !r->dec) {
        bw_reader_free(r);
        return NULL;
    }
    r->line = 1;
    r->at_line_start = true;
    return r;
}

bw_reader *bw_reader_new_mem(const char *p, size_t n, const bw_limits *lim)
{
    bw_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->fd = -1;
    r->lim = lim ? *lim : bw_default_limits;
    r->buf = (char *)p; /* never written: fill() returns at once, eof is set */
    r->cap = r->len = n;
    r->eof = true;
    r->borrowed = true;
    r->dec = bw_decoder_new(&r->lim);
    r->line = 1;
    r->at_line_start = true;
    if (!r->dec) {
        free(r);
        return NULL;
    }
    return r;
}

void bw_reader_free(bw_reader *r)
{
    if (!r)
        return;
    bw_decoder_free(r->dec);
    if (!r->borrowed)
        free(r->buf);
    free(r);
}

const char *bw_reader_error(const bw_reader *r) { return r->error; }

/* Moves the unread bytes to the front and reads one more block. Returns
 * false on an I/O error. */
static bool fill(bw_reader *r)
{
    if (r->eof)
        return true;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    size_t room = r->cap - r->len;
    if (room > r->lim.read_block)
        room = r->lim.read_block;
    while (room > 0) {
        ssize_t got = read(r->fd, r->buf + r->len, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(r->error, sizeof r->error, "read failed: %s", strerror(errno));
            return false;
        }
        if (got == 0)
            r->eof = true;
        r->len += (size_t)got;
        break;
    }
    return true;
}

/* Consumes n bytes, keeping line and offset counts. */
static void advance(bw_reader *r, size_t n)
{
    if (n == 0) /* an empty input has no buffer at all */
        return;
    const char *p = r->buf + r->pos, *e = p + n;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        r->line++;
        p++;
    }
    if (n)
        r->at_line_start = r->buf[r->pos + n - 1] == '\n';
    r->pos += n;
    r->offset += n;
}

/* Skips white space; false at the end of the input (or on error). */
static bool skip_ws(bw_reader *r, bool *io_ok)
{
    *io_ok = true;
    for (;;) {
        size_t i = r->pos;
        while (i < r->len && (r->buf[i] == ' ' || r->buf[i] == '\n' || r->buf[i] == '\r' ||
                              r->buf[i] == '\t'))
            i++;
        advance(r, i - r->pos);
        if (r->pos < r->len)
            return true;
        if (r->eof)
            return false;
        if (!fill(r)) {
            *io_ok = false;
            return false;
        }
    }
}

/* After a broken record: drop bytes up to the next line that starts with
 * '{' in its first column.  Only the first column: the indented '{' lines
 * of a broken pretty-printed declaration are its items, not declarations.
 * The error itself may sit at such a line (a line that lost its closing
 * brace is found broken at the next line's '{'), so that line is kept -
 * unless it is where the broken record began, which would never end. */
static bool resync(bw_reader *r, uint64_t record_offset, bool *io_ok)
{
    *io_ok = true;
    if (r->offset == record_offset && r->pos < r->len)
        advance(r, 1);
    for (;;) {
        if (r->pos < r->len) {
            if (r->at_line_start && r->buf[r->pos] == '{')
                return true;
            char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
            advance(r, nl ? (size_t)(nl - (r->buf + r->pos)) + 1 : r->len - r->pos);
            continue;
        }
        if (r->eof)
            return false;
        if (!fill(r)) {
            *io_ok = false;
            return false;
        }
    }
}

static void start_record(bw_reader *r, bw_record *rec)
{
    bw_arena_reset(&rec->arena);
    bw_issues_init(&rec->issues, &rec->arena);
    rec->index = ++r->records;
    rec->line = r->line;
    rec->offset = r->offset;
}

/* Reports an undecodable stream position as a record of its own. */
static int broken_record(bw_reader *r, bw_record *rec, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int broken_record(bw_reader *r, bw_record *rec, const char *code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    start_record(r, rec);
    memset(&rec->decl, 0, sizeof rec->decl);
    rec->text = BW_STR_NULL;
    rec->decodable = false;
    bw_issue_add(&rec->issues, BW_ERROR, code, "", "%s", msg);
    return 1;
}

/* In an array there is no safe place to resume after a broken element. */
static void abandon_array(bw_reader *r, bw_record *rec)
{
    r->framing = F_DONE;
    bw_issue_add(&rec->issues, BW_ERROR, "json.array_abandoned", "",
                 "the rest of the array after this record was not read");
}

/* Decodes the record at buf[pos], reading more as needed. */
static int decode_one(bw_reader *r, bw_record *rec)
{
    for (;;) {
        start_record(r, rec);
        size_t used = 0;
        bw_decode_status st = bw_decode_declaration(r->dec, r->buf + r->pos, r->buf + r->len, r->eof,
                                                    &rec->decl, &rec->issues, &rec->arena, &used);
        if (st == BW_DECODE_NEED_MORE) {
            r->records--;
            if (r->len - r->pos >= r->lim.max_record_bytes) {
                bool ok;
                int ret = broken_record(r, rec, "record.too_large",
                                        "declaration larger than %zu bytes", r->lim.max_record_bytes);
                if (r->framing == F_ARRAY_NEXT)
                    abandon_array(r, rec);
                else if (!resync(r, rec->offset, &ok) && !ok)
                    return -1;
                return ret;
            }
            if (!fill(r))
                return -1;
            continue;
        }
        rec->text = (bw_str){r->buf + r->pos, (uint32_t)used};
        rec->decodable = st == BW_DECODE_OK;
        if (st == BW_DECODE_SYNTAX) {
            bool ok;
            advance(r, used);
            if (r->framing == F_ARRAY_NEXT)
                abandon_array(r, rec);
            else if (!resync(r, rec->offset, &ok) && !ok) {
                return -1;
            }
            return 1;
        }
        advance(r, used);
        return 1;
    }
}

int bw_reader_next(bw_reader *r, bw_record *rec)
{
    bool ok;
    if (r->framing == F_DONE)
        return 0;
    if (!skip_ws(r, &ok)) {
        if (!ok)
            return -1;
        if (r->framing == F_ARRAY_FIRST || r->framing == F_ARRAY_NEXT) {
            r->framing = F_DONE;
            return broken_record(r, rec, "json.truncated", "the array is not closed with ']'");
        }
        return 0;
    }
    char c = r->buf[r->pos];
    switch (r->framing) {
    case F_START:
        if (c == '[') {
            advance(r, 1);
            r->framing = F_ARRAY_FIRST;
            return bw_reader_next(r, rec);
        }
        r->framing = F_SEQUENCE;
        return bw_reader_next(r, rec);
    case F_SEQUENCE:
        return decode_one(r, rec);
    case F_ARRAY_FIRST:
        if (c == ']') {
            advance(r, 1);
            r->framing = F_AFTER_ARRAY;
            return bw_reader_next(r, rec);
        }
        r->framing = F_ARRAY_NEXT;
        return decode_one(r, rec);
    case F_ARRAY_NEXT:
        if (c == ']') {
            advance(r, 1);
            r->framing = F_AFTER_ARRAY;
            return bw_reader_next(r, rec);
        }
        if (c != ',') {
            int ret = broken_record(r, rec, "json.syntax", "',' or ']' expected between array elements at line %llu",
                                    (unsigned long long)r->line);
            abandon_array(r, rec);
            return ret;
        }
        advance(r, 1);
        if (!skip_ws(r, &ok)) {
            r->framing = F_DONE;
            return ok ? broken_record(r, rec, "json.truncated", "the array is not closed with ']'") : -1;
        }
        return decode_one(r, rec);
    case F_AFTER_ARRAY:
        /* one JSON text per input: what follows the array is not read
         * silently (skip_ws above returned 0 when nothing follows) */
        r->framing = F_DONE;
        return broken_record(r, rec, "json.trailing_data",
                             "data after the closing ']' of the array at line %llu was not read",
                             (unsigned long long)r->line);
    case F_DONE:
        break;
    }
    return 0;
}

void bw_record_init(bw_record *rec)
{
    memset(rec, 0, sizeof *rec);
    bw_arena_init(&rec->arena);
    bw_issues_init(&rec->issues, &rec->arena);
}

void bw_record_free(bw_record *rec) { bw_arena_free(&rec->arena); }
