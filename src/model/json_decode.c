/*
 * json_decode.c - the streaming JSON decoder for declarations.
 *
 * A purpose-built recursive-descent parser that fills a bw_declaration
 * directly from the bytes, guided by the tables in schema.c.  Why not a
 * general JSON library: json-c needs ~94k instructions for a 687-byte
 * declaration (parse only, before any mapping); this decoder builds no tree,
 * copies no string without escapes, and reads money without floating point.
 * It is fuzzed differentially against json-c (tests/fuzz/).
 *
 * Two kinds of trouble are kept apart:
 *  - syntax errors make the record undecodable (BW_DECODE_SYNTAX): the
 *    caller resynchronises at the next line in NDJSON;
 *  - field errors (wrong type, bad UTF-8, too long, duplicate key, unknown
 *    enum value) are reported with their JSON path and decoding goes on, so
 *    the submitter sees every problem of the record at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/issues.h"
#include "json_decode.h"

typedef struct path_seg {
    const char *key;  /* NULL for an array index */
    uint32_t key_len;
    uint32_t index;
} path_seg;

#define PATH_MAX_DEPTH 16

struct bw_decoder {
    bw_limits lim;
    /* per call */
    const char *start, *p, *end;
    bool at_eof;
    int status;                 /* bw_decode_status */
    bw_arena *arena;
    bw_issues *iss;
    path_seg path[PATH_MAX_DEPTH];
    int depth;
    /* items are collected here, then copied into the arena */
    bw_item *scratch;
    uint32_t scratch_cap;
};

bw_decoder *bw_decoder_new(const bw_limits *lim)
{
    bw_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->lim = lim ? *lim : bw_default_limits;
    return d;
}

void bw_decoder_free(bw_decoder *d)
{
    if (!d)
        return;
    free(d->scratch);
    free(d);
}

/* ---- paths ---------------------------------------------------------------- */

static void push_key(bw_decoder *d, const char *k, uint32_t n)
{
    if (d->depth < PATH_MAX_DEPTH)
        d->path[d->depth] = (path_seg){k, n, 0};
    d->depth++;
}

static void push_index(bw_decoder *d, uint32_t i)
{
    if (d->depth < PATH_MAX_DEPTH)
        d->path[d->depth] = (path_seg){NULL, 0, i};
    d->depth++;
}

static void pop(bw_decoder *d) { d->depth--; }

static void render_path(const bw_decoder *d, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    int depth = d->depth < PATH_MAX_DEPTH ? d->depth : PATH_MAX_DEPTH;
    for (int i = 0; i < depth && n + 1 < cap; i++) {
        const path_seg *s = &d->path[i];
        int w = s->key ? snprintf(out + n, cap - n, "%s%.*s", n ? "." : "", (int)s->key_len, s->key)
                       : snprintf(out + n, cap - n, "[%u]", s->index);
        if (w < 0)
            break;
        n += (size_t)w;
    }
    if (n >= cap) /* cut short: never in the middle of a character */
        out[bw_utf8_clip(out, cap - 1, cap - 2)] = 0;
}

/* How much of the input to quote in a message: 40 bytes, whole characters. */
static int clip(const char *p, size_t n) { return (int)bw_utf8_clip(p, n, 40); }

static void field_error(bw_decoder *d, bw_severity sev, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void field_error(bw_decoder *d, bw_severity sev, const char *code, const char *fmt, ...)
{
    char path[256], msg[400];
    render_path(d, path, sizeof path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bw_issue_add(d->iss, sev, code, path, "%s", msg);
}

/* ---- failure ---------------------------------------------------------------
 * Every parse function returns false once the record cannot be decoded; the
 * reason is in d->status.  Running off the end of the buffer is "need more"
 * unless the input has ended, in which case the JSON is truncated. */

static bool syntax(bw_decoder *d, const char *what)
{
    if (d->status != BW_DECODE_OK)
        return false;
    char path[256];
    render_path(d, path, sizeof path);
    bw_issue_add(d->iss, BW_ERROR, "json.syntax", path, "%s at byte %zu of the record", what,
                 (size_t)(d->p - d->start));
    d->status = BW_DECODE_SYNTAX;
    return false;
}

static bool eof(bw_decoder *d)
{
    if (d->status != BW_DECODE_OK)
        return false;
    if (!d->at_eof) {
        d->status = BW_DECODE_NEED_MORE;
        return false;
    }
    char path[256];
    render_path(d, path, sizeof path);
    bw_issue_add(d->iss, BW_ERROR, "json.truncated", path,
                 "the JSON text ends before the declaration is complete (%zu bytes read)",
                 (size_t)(d->p - d->start));
    d->status = BW_DECODE_SYNTAX;
    return false;
}

/* ---- lexing ----------------------------------------------------------------- */

static inline bool skip_ws(bw_decoder *d)
{
    if (d->p < d->end && (unsigned char)*d->p > ' ')
        return true; /* the usual case in compact JSON */
    while (d->p < d->end) {
        char c = *d->p;
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return true;
        d->p++;
    }
    return eof(d);
}

/* After a member of an object or an array: 1 another follows (the ','
 * is consumed), 0 the container closed, -1 a syntax error. */
static inline int next_member(bw_decoder *d, char close)
{
    if (!skip_ws(d))
        return -1;
    if (*d->p == ',') {
        d->p++;
        return skip_ws(d) ? 1 : -1;
    }
    if (*d->p == close) {
        d->p++;
        return 0;
    }
    syntax(d, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
    return -1;
}

/* Character classes for the string scanner: 0 plain, 1 quote, 2 backslash,
 * 3 control (illegal), 4 non-ASCII (needs UTF-8 check). */
static const uint8_t str_class[256] = {
    [0 ... 0x1f] = 3, ['"'] = 1, ['\\'] = 2, [0x80 ... 0xff] = 4,
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(bw_decoder *d, const char *q, unsigned *out)
{
    if (d->end - q < 4)
        return eof(d);
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(q[i]);
        if (h < 0) {
            d->p = q + i;
            return syntax(d, "bad \\u escape");
        }
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Decodes the escapes of the string body [s, e) into arena memory.  A lone
 * surrogate escape becomes U+FFFD and sets *bad so the field is reported. */
static bool unescape(bw_decoder *d, const char *s, const char *e, bw_str *out, bool *bad)
{
    char *o = bw_arena_alloc(d->arena, (size_t)(e - s) + 1), *w = o;
    for (const char *q = s; q < e;) {
        if (*q != '\\') {
            *w++ = *q++;
            continue;
        }
        q++;
        char c = *q++;
        switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!read_hex4(d, q, &cp))
                return false;
            q += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && e - q >= 6 && q[0] == '\\' && q[1] == 'u') {
                unsigned lo;
                if (!read_hex4(d, q + 2, &lo))
                    return false;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    q += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
                *bad = true;
            }
            w += put_utf8(w, cp);
            break;
        }
        default:
            d->p = q - 1;
            return syntax(d, "bad escape in string");
        }
    }
    *w = 0;
    out->p = o;
    out->n = (uint32_t)(w - o);
    return true;
}

/* Skips plain string bytes (not '"', '\\', control or non-ASCII), eight at
 * a time: strings are most of a declaration's bytes.  In each word a byte is
 * flagged when it is a quote, a backslash, below 0x20 or above 0x7f; the
 * lowest flagged byte is exact (borrows only run upwards from a true hit). */
static inline const char *scan_plain(const char *q, const char *end)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (end - q >= 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
        uint64_t hit = ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) |
                       ((w - ones * 0x20) & ~w) | w;
        hit &= highs;
        if (hit)
            return q + (__builtin_ctzll(hit) >> 3);
        q += 8;
    }
#endif
    while (q < end && str_class[(unsigned char)*q] == 0)
        q++;
    return q;
}

/* Reads a string at d->p (which is at '"').  *bad_utf8 is set, not an error,
 * when the bytes are not valid UTF-8: that is a field problem. */
static bool lex_string(bw_decoder *d, bw_str *out, bool *bad_utf8)
{
    const char *s = ++d->p, *q = s;
    bool escaped = false, high = false;
    *bad_utf8 = false;
    for (;;) {
        q = scan_plain(q, d->end);
        if (q >= d->end) {
            d->p = q;
            return eof(d);
        }
        switch (str_class[(unsigned char)*q]) {
        case 1:
            goto done;
        case 2:
            escaped = true;
            if (q + 1 >= d->end) {
                d->p = q + 1;
                return eof(d);
            }
            q += 2; /* the escaped character is checked by unescape() */
            break;
        case 3:
            d->p = q;
            return syntax(d, "control character in string");
        default:
            high = true;
            q++;
        }
    }
done:
    d->p = q + 1;
    if ((size_t)(q - s) > UINT32_MAX / 2) {
        d->p = s;
        return syntax(d, "string too long");
    }
    if (high && !bw_utf8_valid(s, (size_t)(q - s)))
        *bad_utf8 = true;
    if (!escaped) {
        out->p = s;
        out->n = (uint32_t)(q - s);
        return true;
    }
    return unescape(d, s, q, out, bad_utf8);
}

typedef struct num_tok {
    const char *s;
    uint32_t n;
    bool frac, exp;
} num_tok;

static bool lex_number(bw_decoder *d, num_tok *t)
{
    const char *q = d->p;
    t->s = q;
    t->frac = t->exp = false;
#define NEED() do { if (q >= d->end) { d->p = q; return eof(d); } } while (0)
#define ISDIG(c) ((c) >= '0' && (c) <= '9')
    if (*q == '-') { q++; NEED(); }
    if (*q == '0') {
        q++;
    } else if (*q >= '1' && *q <= '9') {
        while (q < d->end && ISDIG(*q)) q++;
    } else {
        d->p = q;
        return syntax(d, "bad number");
    }
    if (q < d->end && *q == '.') {
        q++; NEED();
        if (!ISDIG(*q)) { d->p = q; return syntax(d, "bad number: digit expected after '.'"); }
        while (q < d->end && ISDIG(*q)) q++;
        t->frac = true;
    }
    if (q < d->end && (*q == 'e' || *q == 'E')) {
        q++; NEED();
        if (*q == '+' || *q == '-') { q++; NEED(); }
        if (!ISDIG(*q)) { d->p = q; return syntax(d, "bad number: digit expected in exponent"); }
        while (q < d->end && ISDIG(*q)) q++;
        t->exp = true;
    }
    /* a number at the very end of the buffer may go on in the next read */
    if (q >= d->end && !d->at_eof) { d->p = q; return eof(d); }
#undef NEED
#undef ISDIG
    t->n = (uint32_t)(q - t->s);
    d->p = q;
    return true;
}

static bool lex_literal(bw_decoder *d, const char *lit, size_t n)
{
    size_t have = (size_t)(d->end - d->p);
    if (memcmp(d->p, lit, have < n ? have : n) != 0)
        return syntax(d, "unknown literal");
    if (have < n) {
        d->p = d->end;
        return eof(d);
    }
    d->p += n;
    return true;
}

/* ---- generic values (unknown keys) --------------------------------------- */

static bool skip_value(bw_decoder *d, uint32_t nesting);

static bool skip_container(bw_decoder *d, uint32_t nesting, char close)
{
    if (nesting >= d->lim.max_depth)
        return syntax(d, "JSON nested too deeply");
    d->p++;
    if (!skip_ws(d))
        return false;
    if (*d->p == close) {
        d->p++;
        return true;
    }
    for (;;) {
        if (close == '}') {
            bool bad;
            bw_str k;
            if (*d->p != '"')
                return syntax(d, "object key expected");
            if (!lex_string(d, &k, &bad) || !skip_ws(d))
                return false;
            if (*d->p != ':')
                return syntax(d, "':' expected");
            d->p++;
        }
        if (!skip_ws(d) || !skip_value(d, nesting + 1))
            return false;
        int more = next_member(d, close);
        if (more <= 0)
            return more == 0;
    }
}

static bool skip_value(bw_decoder *d, uint32_t nesting)
{
    bw_str s;
    bool bad;
    num_tok t;
    switch (*d->p) {
    case '{': return skip_container(d, nesting, '}');
    case '[': return skip_container(d, nesting, ']');
    case '"': return lex_string(d, &s, &bad);
    case 't': return lex_literal(d, "true", 4);
    case 'f': return lex_literal(d, "false", 5);
    case 'n': return lex_literal(d, "null", 4);
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9'))
            return lex_number(d, &t);
        return syntax(d, "value expected");
    }
}

static const char *json_type_name(char c)
{
    switch (c) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't': case 'f': return "a boolean";
    case 'n': return "null";
    default: return "a number";
    }
}

/* Reports a value of the wrong JSON type and skips it. */
static bool wrong_type(bw_decoder *d, const char *code, const char *want)
{
    field_error(d, BW_ERROR, code, "expected %s, got %s", want, json_type_name(*d->p));
    return skip_value(d, 0);
}

static bool is_null(bw_decoder *d, bool *was_null)
{
    *was_null = *d->p == 'n';
    return *was_null ? lex_literal(d, "null", 4) : true;
}

/* ---- typed values ------------------------------------------------------------ */

static bool read_str(bw_decoder *d, const bw_field *f, bw_str *out)
{
    bool null, bad;
    if (!is_null(d, &null) || null)
        return d->status == BW_DECODE_OK;
    if (*d->p != '"')
        return wrong_type(d, "type.string", "a string");
    bw_str s;
    if (!lex_string(d, &s, &bad))
        return false;
    if (bad) {
        field_error(d, BW_ERROR, "string.utf8", "not valid UTF-8");
        return true;
    }
    if (f->max_len && s.n > f->max_len && bw_utf8_len(s.p, s.n) > f->max_len) {
        field_error(d, BW_ERROR, "string.too_long", "%zu characters, at most %u allowed",
                    bw_utf8_len(s.p, s.n), f->max_len);
        return true;
    }
    *out = s;
    return true;
}

static bool read_enum(bw_decoder *d, const bw_field *f, bw_enum *out)
{
    bw_str s = BW_STR_NULL;
    uint32_t before = d->iss->errors;
    if (!read_str(d, f, &s))
        return false;
    if (!s.p || d->iss->errors != before)
        return true;
    out->raw = s;
    out->value = bw_enum_lookup(f->sub, s);
    if (out->value == BW_ENUM_INVALID) {
        char allowed[200] = "";
        const char *const *names = f->sub;
        for (int i = 1; names[i]; i++) {
            strncat(allowed, i > 1 ? ", " : "", sizeof allowed - strlen(allowed) - 1);
            strncat(allowed, names[i], sizeof allowed - strlen(allowed) - 1);
        }
        field_error(d, BW_ERROR, "enum.invalid", "\"%.*s\" is not one of: %s",
                    clip(s.p, s.n), s.p, allowed);
    }
    return true;
}

static bool read_flag(bw_decoder *d, bw_flag *out)
{
    bool null;
    if (!is_null(d, &null) || null)
        return d->status == BW_DECODE_OK;
    if (*d->p == 't' || *d->p == 'f') {
        out->present = true;
        out->value = *d->p == 't';
        return out->value ? lex_literal(d, "true", 4) : lex_literal(d, "false", 5);
    }
    return wrong_type(d, "type.boolean", "true or false");
}

static bool read_measure(bw_decoder *d, unsigned scale, bw_measure *out)
{
    bool null;
    if (!is_null(d, &null) || null)
        return d->status == BW_DECODE_OK;
    if (*d->p != '-' && (*d->p < '0' || *d->p > '9'))
        return wrong_type(d, "type.number", "a number");
    num_tok t;
    if (!lex_number(d, &t))
        return false;
    out->present = true;
    if (t.exp) {
        field_error(d, BW_ERROR, "number.format", "write the number without an exponent");
        return true;
    }
    bw_decimal dec;
    bw_dec_status st = bw_decimal_parse(t.s, t.n, &dec);
    if (st == BW_DEC_OK)
        st = bw_decimal_rescale(dec, scale, &out->value);
    if (st == BW_DEC_PRECISION)
        field_error(d, BW_ERROR, "number.precision", "at most %u decimals allowed", scale);
    else if (st != BW_DEC_OK)
        field_error(d, BW_ERROR, "number.range", "%.*s is out of range", clip(t.s, t.n), t.s);
    else
        out->ok = true;
    return true;
}

static bool read_object(bw_decoder *d, const bw_schema *sc, void *obj);

static bool read_value(bw_decoder *d, const bw_field *f, void *obj);

/* Money is an object {"amount": "decimal string", "currency": "XXX"}. */
static const bw_field money_fields[] = {
    {"amount", 6, FK_STR, offsetof(bw_money, amount_raw), 40, NULL},
    {"currency", 8, FK_STR, offsetof(bw_money, currency), 3, NULL},
};
static const bw_schema money_schema = {money_fields, 2};

static bool read_money(bw_decoder *d, bw_money *m)
{
    if (!read_object(d, &money_schema, m))
        return false;
    if (!m->present || !m->amount_raw.p)
        return true;
    bw_dec_status st = bw_decimal_parse(m->amount_raw.p, m->amount_raw.n, &m->amount);
    if (st == BW_DEC_OK) {
        m->amount_ok = true;
        return true;
    }
    push_key(d, "amount", 6);
    if (st == BW_DEC_OVERFLOW)
        field_error(d, BW_ERROR, "amount.range", "%.*s is too large", clip(m->amount_raw.p, m->amount_raw.n),
                    m->amount_raw.p);
    else
        field_error(d, BW_ERROR, "amount.syntax", "\"%.*s\" is not a decimal amount like \"12.50\"",
                    clip(m->amount_raw.p, m->amount_raw.n), m->amount_raw.p);
    pop(d);
    return true;
}

static bool read_items(bw_decoder *d, bw_declaration *decl)
{
    bool null;
    if (!is_null(d, &null) || null)
        return d->status == BW_DECODE_OK;
    if (*d->p != '[')
        return wrong_type(d, "type.array", "an array of items");
    decl->items_present = true;
    d->p++;
    if (!skip_ws(d))
        return false;
    uint32_t n = 0;
    if (*d->p == ']') {
        d->p++;
        return true;
    }
    for (;;) {
        push_index(d, n);
        if (n < d->lim.max_items) {
            if (n == d->scratch_cap) {
                uint32_t cap = d->scratch_cap ? d->scratch_cap * 2 : 16;
                bw_item *v = realloc(d->scratch, cap * sizeof *v);
                if (!v)
                    abort();
                d->scratch = v;
                d->scratch_cap = cap;
            }
            memset(&d->scratch[n], 0, sizeof d->scratch[n]);
            if (*d->p == '{') {
                if (!read_object(d, &bw_item_schema, &d->scratch[n]))
                    return false;
            } else if (!wrong_type(d, "type.object", "an item object")) {
                return false;
            }
        } else if (!skip_value(d, 1)) {
            return false;
        }
        pop(d);
        n++;
        int more = next_member(d, ']');
        if (more < 0)
            return false;
        if (more == 0)
            break;
    }
    uint32_t kept = n < d->lim.max_items ? n : d->lim.max_items;
    if (n > d->lim.max_items) {
        bw_issue_add(d->iss, BW_ERROR, "items.too_many", "items",
                     "%u items; at most %u per declaration: split the consignment", n,
                     d->lim.max_items);
    }
    decl->items = bw_arena_alloc(d->arena, kept * sizeof *decl->items + 1);
    memcpy(decl->items, d->scratch, kept * sizeof *decl->items);
    decl->n_items = kept;
    return true;
}

/* Looks the key up, trying first the field after the previous one: keys
 * mostly arrive in schema order, so this is one comparison, not a scan. */
static const bw_field *find_field(const bw_schema *sc, bw_str key, int *index)
{
    int hint = *index + 1 < sc->n_fields ? *index + 1 : 0;
    const bw_field *h = &sc->fields[hint];
    if (h->name_len == key.n && memcmp(h->name, key.p, key.n) == 0) {
        *index = hint;
        return h;
    }
    for (int i = 0; i < sc->n_fields; i++) {
        const bw_field *f = &sc->fields[i];
        if (f->name_len == key.n && memcmp(f->name, key.p, key.n) == 0) {
            *index = i;
            return f;
        }
    }
    return NULL;
}

static bool read_value(bw_decoder *d, const bw_field *f, void *obj)
{
    char *at = (char *)obj + f->offset;
    switch (f->kind) {
    case FK_STR: return read_str(d, f, (bw_str *)at);
    case FK_TIME: return read_str(d, f, &((bw_timestamp *)at)->raw);
    case FK_ENUM: return read_enum(d, f, (bw_enum *)at);
    case FK_FLAG: return read_flag(d, (bw_flag *)at);
    case FK_QTY: return read_measure(d, BW_QTY_SCALE, (bw_measure *)at);
    case FK_WEIGHT: return read_measure(d, BW_WEIGHT_SCALE, (bw_measure *)at);
    case FK_MONEY: return read_money(d, (bw_money *)at);
    case FK_ITEMS: return read_items(d, obj);
    case FK_OBJECT: {
        bool null;
        if (!is_null(d, &null) || null)
            return d->status == BW_DECODE_OK;
        return read_object(d, f->sub, at);
    }
    }
    return syntax(d, "internal: unknown field kind");
}

/* Reads an object whose keys are described by `sc` into `obj`, whose first
 * member is `bool present`.  Unknown keys are skipped with a warning:
 * integrators may add fields, but a misspelt key should not pass unseen. */
static bool read_object(bw_decoder *d, const bw_schema *sc, void *obj)
{
    bool null;
    if (!is_null(d, &null) || null)
        return d->status == BW_DECODE_OK;
    if (*d->p != '{')
        return wrong_type(d, "type.object", "an object");
    *(bool *)obj = true;
    d->p++;
    if (!skip_ws(d))
        return false;
    if (*d->p == '}') {
        d->p++;
        return true;
    }
    uint32_t seen = 0;
    int idx = -1;
    for (;;) {
        bw_str key;
        bool bad;
        if (*d->p != '"')
            return syntax(d, "object key expected");
        if (!lex_string(d, &key, &bad) || !skip_ws(d))
            return false;
        if (*d->p != ':')
            return syntax(d, "':' expected after key");
        d->p++;
        if (!skip_ws(d))
            return false;
        int prev = idx;
        const bw_field *f = find_field(sc, key, &idx);
        push_key(d, key.p, key.n);
        if (!f) {
            idx = prev;
            if (bad) { /* the key cannot be named in a path: report it at its object */
                pop(d);
                field_error(d, BW_ERROR, "string.utf8", "a key of this object is not valid UTF-8");
                push_key(d, key.p, 0);
            } else {
                field_error(d, BW_WARNING, "field.unknown", "not a field of this object; ignored");
            }
            if (!skip_value(d, 1))
                return false;
        } else if (seen & (1u << idx)) {
            field_error(d, BW_ERROR, "json.duplicate_key", "the key appears more than once");
            if (!skip_value(d, 1))
                return false;
        } else {
            seen |= 1u << idx;
            if (!read_value(d, f, obj))
                return false;
        }
        pop(d);
        int more = next_member(d, '}');
        if (more <= 0)
            return more == 0;
    }
}

bw_decode_status bw_decode_declaration(bw_decoder *d, const char *p, const char *end, bool at_eof,
                                       bw_declaration *out, bw_issues *iss, bw_arena *arena,
                                       size_t *consumed)
{
    memset(out, 0, sizeof *out);
    d->start = d->p = p;
    d->end = end;
    d->at_eof = at_eof;
    d->status = BW_DECODE_OK;
    d->arena = arena;
    d->iss = iss;
    d->depth = 0;
    if (skip_ws(d)) {
        if (*d->p != '{')
            syntax(d, "a declaration must be a JSON object");
        else
            read_object(d, &bw_declaration_schema, out);
    }
    *consumed = (size_t)(d->p - p);
    return (bw_decode_status)d->status;
}
