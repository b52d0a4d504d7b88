/*
 * history.c - reading past declarations and their inspection outcomes for
 * the learned model (history.h): RFC 4180 CSV framing, the column-to-path
 * mapping that turns a CSV row into our JSON shape, and the reader that
 * hands out one decoded declaration with its outcome at a time.
 *
 * A CSV row is turned into JSON text and decoded by the same decoder as
 * everything else, rather than filled into the struct directly, so that
 * there is one definition of what a field may hold (schema.c) and a bad
 * cell gets the same treatment as a bad JSON field.
 */
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../model/json_decode.h"
#include "../model/reader.h"
#include "../model/schema.h"

#define CSV_MAX_RECORD (1u << 20)  /* bytes in one CSV record */
#define CSV_MAX_FIELDS 4096
#define MAX_ITEM_INDEX 999          /* the decoder's limit is 1,000 items */

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* s[0..*n) without surrounding blanks: exports pad cells. */
static const char *trim(const char *s, size_t *n)
{
    while (*n && is_space(*s)) {
        s++;
        (*n)--;
    }
    while (*n && is_space(s[*n - 1]))
        (*n)--;
    return s;
}

bool bw_hist_parse_bool(const char *s, size_t n, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "y", NULL};
    static const char *const no[] = {"0", "false", "no", "n", NULL};
    s = trim(s, &n);
    for (int i = 0; yes[i]; i++)
        if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
            return *out = true;
    for (int i = 0; no[i]; i++)
        if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) {
            *out = false;
            return true;
        }
    return false;
}

/* ---- CSV framing ------------------------------------------------------------ */

struct bw_csv {
    FILE *f;
    const char *name;
    uint64_t line;       /* the physical line the next byte is on */
    unsigned char in[65536];
    size_t pos, len;     /* unread bytes: in[pos..len) */
    bool started;        /* the byte order mark has been looked for */
    bw_buf text;         /* the record's fields, each NUL-terminated */
    size_t *starts;      /* field offsets into text */
    char **fields;
    uint32_t cap;
};

bw_csv *bw_csv_open(FILE *f, const char *name)
{
    bw_csv *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->f = f;
    c->name = name;
    c->line = 1;
    return c;
}

void bw_csv_close(bw_csv *c)
{
    if (!c)
        return;
    bw_buf_free(&c->text);
    free(c->starts);
    free(c->fields);
    free(c);
}

/* Refills so that at least `want` bytes are buffered if the file has them. */
static void csv_fill(bw_csv *c, size_t want)
{
    if (c->len - c->pos >= want)
        return;
    memmove(c->in, c->in + c->pos, c->len - c->pos);
    c->len -= c->pos;
    c->pos = 0;
    while (c->len < want) {
        size_t got = fread(c->in + c->len, 1, sizeof c->in - c->len, c->f);
        if (!got)
            break;
        c->len += got;
    }
}

static int csv_get(bw_csv *c)
{
    if (c->pos == c->len)
        csv_fill(c, 1);
    return c->pos < c->len ? c->in[c->pos++] : EOF;
}

static int csv_peek(bw_csv *c)
{
    if (c->pos == c->len)
        csv_fill(c, 1);
    return c->pos < c->len ? c->in[c->pos] : EOF;
}

/* After a CR: a CRLF counts as one line end. */
static void csv_eat_lf(bw_csv *c)
{
    if (csv_peek(c) == '\n')
        c->pos++;
}

/* Room for one more field start; false past CSV_MAX_FIELDS. */
static bool csv_field_start(bw_csv *c, uint32_t *n)
{
    if (*n >= CSV_MAX_FIELDS)
        return false;
    if (*n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 16;
        size_t *s = realloc(c->starts, cap * sizeof *s);
        if (!s)
            return false;
        c->starts = s;
        c->cap = cap;
    }
    c->starts[(*n)++] = c->text.n;
    return true;
}

enum { CSV_FIELD_END, CSV_RECORD_END, CSV_EOF, CSV_ERROR };

static bool csv_put(bw_csv *c, int ch, uint64_t start, char *err, size_t errlen)
{
    if (ch == 0) {
        fail(err, errlen, "%s:%llu: a NUL byte inside a field", c->name, (unsigned long long)c->line);
        return false;
    }
    if (c->text.n >= CSV_MAX_RECORD) {
        fail(err, errlen, "%s:%llu: a record longer than %u bytes", c->name, (unsigned long long)start,
             CSV_MAX_RECORD);
        return false;
    }
    bw_buf_putc(&c->text, (char)ch);
    return true;
}

/* The end of a line (LF, CRLF or a lone CR) or of the file after a field. */
static int csv_line_end(bw_csv *c, int ch)
{
    if (ch == EOF)
        return CSV_EOF;
    if (ch == '\r')
        csv_eat_lf(c);
    c->line++;
    return CSV_RECORD_END;
}

/* A quoted field, the opening quote already read. */
static int csv_quoted(bw_csv *c, uint64_t start, char *err, size_t errlen)
{
    uint64_t opened = c->line;
    for (;;) {
        int ch = csv_get(c);
        if (ch == EOF) {
            fail(err, errlen, "%s:%llu: a quoted field opened on this line never closes", c->name,
                 (unsigned long long)opened);
            return CSV_ERROR;
        }
        if (ch == '"') {
            int next = csv_get(c);
            if (next == '"') {
                if (!csv_put(c, '"', start, err, errlen))
                    return CSV_ERROR;
                continue;
            }
            if (next == ',')
                return CSV_FIELD_END;
            if (next == '\n' || next == '\r' || next == EOF)
                return csv_line_end(c, next);
            fail(err, errlen, "%s:%llu: after a closing quote, expected a comma or the end of the line", c->name,
                 (unsigned long long)c->line);
            return CSV_ERROR;
        }
        if (ch == '\n')
            c->line++;
        else if (ch == '\r' && csv_peek(c) != '\n')
            c->line++; /* a lone CR ends a line too */
        if (!csv_put(c, ch, start, err, errlen))
            return CSV_ERROR;
    }
}

/* An unquoted field whose first byte is ch. */
static int csv_plain(bw_csv *c, int ch, uint64_t start, char *err, size_t errlen)
{
    for (;; ch = csv_get(c)) {
        if (ch == ',')
            return CSV_FIELD_END;
        if (ch == '\n' || ch == '\r' || ch == EOF)
            return csv_line_end(c, ch);
        if (ch == '"') {
            fail(err, errlen,
                 "%s:%llu: a quote inside an unquoted field (quote the whole field and double the quote)",
                 c->name, (unsigned long long)c->line);
            return CSV_ERROR;
        }
        if (!csv_put(c, ch, start, err, errlen))
            return CSV_ERROR;
    }
}

/* Skips a UTF-8 byte order mark at the very start (spreadsheet exports). */
static void csv_skip_bom(bw_csv *c)
{
    c->started = true;
    csv_fill(c, 3);
    if (c->len - c->pos >= 3 && memcmp(c->in + c->pos, "\xEF\xBB\xBF", 3) == 0)
        c->pos += 3;
}

int bw_csv_next(bw_csv *c, char ***fields, uint32_t *n_out, uint64_t *line, char *err, size_t errlen)
{
    if (!c->started)
        csv_skip_bom(c);
    for (;;) {
        c->text.n = 0;
        uint32_t n = 0;
        uint64_t start = c->line;
        int ch = csv_get(c);
        if (ch == EOF)
            return 0;
        if (ch == '\n' || ch == '\r') { /* an empty line */
            csv_line_end(c, ch);
            continue;
        }
        int st;
        do {
            if (!csv_field_start(c, &n)) {
                fail(err, errlen, "%s:%llu: more than %u fields", c->name, (unsigned long long)start,
                     CSV_MAX_FIELDS);
                return -1;
            }
            st = ch == '"' ? csv_quoted(c, start, err, errlen) : csv_plain(c, ch, start, err, errlen);
            if (st == CSV_ERROR)
                return -1;
            bw_buf_putc(&c->text, 0);
            if (st == CSV_FIELD_END)
                ch = csv_get(c);
        } while (st == CSV_FIELD_END);
        char **f = realloc(c->fields, n * sizeof *f);
        if (!f) {
            fail(err, errlen, "%s:%llu: out of memory", c->name, (unsigned long long)start);
            return -1;
        }
        c->fields = f;
        for (uint32_t i = 0; i < n; i++)
            f[i] = c->text.p + c->starts[i];
        *fields = f;
        *n_out = n;
        *line = start;
        return 1;
    }
}

/* ---- columns onto JSON paths ---------------------------------------------------- */

/* What a leaf holds, from its field kind in the schema. */
typedef enum leaf_kind {
    LEAF_STRING,        /* strings, codes, times, enums, amounts (decimal text) */
    LEAF_NUMBER,        /* quantities and weights: a JSON number */
    LEAF_BOOL,          /* flags */
    LEAF_INSPECTED,     /* outcome.*: read into the label, not the JSON */
    LEAF_FRAUD,
    LEAF_REVENUE,
} leaf_kind;

typedef enum node_kind { NODE_OBJECT, NODE_ARRAY, NODE_LEAF } node_kind;

/* The JSON object every row becomes, as a tree built once from the paths;
 * each leaf names its column (or holds a constant). */
typedef struct map_node {
    node_kind kind;
    char *key;                  /* member name; NULL for array elements */
    uint32_t index;             /* array elements: their position */
    struct map_node *child, *next;
    leaf_kind leaf;
    int32_t column;             /* -1: the constant */
    char *constant;
    const char *path;           /* for messages */
    const char *column_name;
} map_node;

struct bw_hist_map {
    map_node root;
    map_node *outcome[3];       /* inspected, fraud, revenue leaves, or NULL */
    uint32_t n_cols;
    const char **extra_names;
    uint32_t *extra_cols;
    uint32_t n_extra;
    bw_arena arena;
};

static void *map_alloc(bw_hist_map *m, size_t n) { return bw_arena_alloc(&m->arena, n); }
static char *map_dup(bw_hist_map *m, const char *s, size_t n) { return bw_arena_strdup(&m->arena, s, n); }

/* The child of `parent` with this key (objects) or index (arrays), created
 * when missing; children stay in creation order for objects, index order
 * for arrays. */
static map_node *map_child(bw_hist_map *m, map_node *parent, const char *key, size_t keylen, uint32_t index,
                           node_kind kind)
{
    map_node **pp = &parent->child;
    for (; *pp; pp = &(*pp)->next) {
        map_node *c = *pp;
        if (parent->kind == NODE_ARRAY ? c->index == index
                                       : strlen(c->key) == keylen && memcmp(c->key, key, keylen) == 0)
            return c;
        if (parent->kind == NODE_ARRAY && c->index > index)
            break;
    }
    map_node *c = map_alloc(m, sizeof *c);
    c->kind = kind;
    c->key = parent->kind == NODE_ARRAY ? NULL : map_dup(m, key, keylen);
    c->index = index;
    c->next = *pp;
    *pp = c;
    return c;
}

static const bw_field *schema_field(const bw_schema *sc, const char *name, size_t n)
{
    for (unsigned i = 0; i < sc->n_fields; i++)
        if (sc->fields[i].name_len == n && memcmp(sc->fields[i].name, name, n) == 0)
            return &sc->fields[i];
    return NULL;
}

/* One path segment: a name and, for arrays, "[index]". */
typedef struct segment {
    const char *name;
    size_t n;
    bool indexed;
    uint32_t index;
    bool last;
} segment;

/* Splits the next segment off *p; false when malformed. */
static bool next_segment(const char **p, segment *s)
{
    const char *q = *p;
    s->name = q;
    while (*q && *q != '.' && *q != '[')
        q++;
    s->n = (size_t)(q - s->name);
    s->indexed = false;
    s->index = 0;
    if (*q == '[') {
        q++;
        if (*q < '0' || *q > '9')
            return false;
        unsigned long v = 0;
        while (*q >= '0' && *q <= '9' && v <= MAX_ITEM_INDEX)
            v = v * 10 + (unsigned)(*q++ - '0');
        if (*q != ']' || v > MAX_ITEM_INDEX)
            return false;
        q++;
        s->indexed = true;
        s->index = (uint32_t)v;
    }
    if (s->n == 0 || (*q && *q != '.') || (*q == '.' && !q[1]))
        return false;
    s->last = !*q;
    *p = *q ? q + 1 : q;
    return true;
}

/* Places a leaf at `path` in the tree; NULL with the reason in err. */
static map_node *map_place(bw_hist_map *m, const char *path, char *err, size_t errlen)
{
    const char *p = path;
    segment s;
    map_node *at = &m->root;
    const bw_schema *sc = &bw_declaration_schema;
    if (!strncmp(path, "outcome.", 8)) {
        static const char *const names[] = {"inspected", "fraud", "revenue"};
        for (int i = 0; i < 3; i++)
            if (!strcmp(path + 8, names[i])) {
                if (m->outcome[i]) {
                    fail(err, errlen, "%s is given twice", path);
                    return NULL;
                }
                map_node *leaf = map_alloc(m, sizeof *leaf);
                leaf->kind = NODE_LEAF;
                leaf->leaf = (leaf_kind)(LEAF_INSPECTED + i);
                leaf->path = map_dup(m, path, strlen(path));
                return m->outcome[i] = leaf;
            }
        fail(err, errlen, "%s: the outcome has inspected, fraud and revenue", path);
        return NULL;
    }
    for (;;) {
        if (!next_segment(&p, &s)) {
            fail(err, errlen, "%s: not a path like buyer.id or items[0].value.amount", path);
            return NULL;
        }
        const bw_field *f = schema_field(sc, s.name, s.n);
        if (!f) {
            fail(err, errlen, "%s: '%.*s' is not a field here", path, (int)s.n, s.name);
            return NULL;
        }
        if (s.indexed != (f->kind == FK_ITEMS)) {
            fail(err, errlen, s.indexed ? "%s: '%.*s' is not a list" : "%s: say which item, as %.*s[0]", path,
                 (int)s.n, s.name);
            return NULL;
        }
        bool container = f->kind == FK_OBJECT || f->kind == FK_ITEMS || f->kind == FK_MONEY;
        if (s.last && container) {
            fail(err, errlen, "%s: a whole object or list; map its fields one by one", path);
            return NULL;
        }
        if (!s.last && !container) {
            fail(err, errlen, "%s: '%.*s' has no fields", path, (int)s.n, s.name);
            return NULL;
        }
        if (f->kind == FK_ITEMS) {
            map_node *arr = map_child(m, at, s.name, s.n, 0, NODE_ARRAY);
            at = map_child(m, arr, NULL, 0, s.index, NODE_OBJECT);
            sc = &bw_item_schema;
            continue;
        }
        if (f->kind == FK_OBJECT) {
            at = map_child(m, at, s.name, s.n, 0, NODE_OBJECT);
            sc = f->sub;
            continue;
        }
        if (f->kind == FK_MONEY) {
            static const bw_field money_fields[] = {
                {"amount", 6, FK_STR, 0, 0, NULL},
                {"currency", 8, FK_STR, 0, 0, NULL},
            };
            static const bw_schema money_schema = {money_fields, 2};
            at = map_child(m, at, s.name, s.n, 0, NODE_OBJECT);
            sc = &money_schema;
            continue;
        }
        map_node *leaf = map_child(m, at, s.name, s.n, 0, NODE_LEAF);
        if (leaf->path) {
            fail(err, errlen, "%s is given twice", path);
            return NULL;
        }
        leaf->leaf = f->kind == FK_QTY || f->kind == FK_WEIGHT ? LEAF_NUMBER
                     : f->kind == FK_FLAG                      ? LEAF_BOOL
                                                               : LEAF_STRING;
        leaf->path = map_dup(m, path, strlen(path));
        return leaf;
    }
}

static int find_column(char *const *header, uint32_t n_cols, const char *name, size_t n)
{
    for (uint32_t i = 0; i < n_cols; i++) {
        size_t hn = strlen(header[i]);
        const char *h = trim(header[i], &hn);
        if (hn == n && memcmp(h, name, n) == 0)
            return (int)i;
    }
    return -1;
}

/* One "Column=path" entry of --map. */
static bool map_entry(bw_hist_map *m, char *const *header, const char *e, size_t n, bool *used, char *err,
                      size_t errlen)
{
    const char *eq = NULL;
    for (size_t i = 0; i < n; i++)
        if (e[i] == '=')
            eq = e + i;
    if (!eq) {
        fail(err, errlen, "--map: '%.*s' is not 'Column Name=json.path'", (int)n, e);
        return false;
    }
    size_t cn = (size_t)(eq - e), pn = n - cn - 1;
    const char *col = trim(e, &cn), *path = trim(eq + 1, &pn);
    int c = find_column(header, m->n_cols, col, cn);
    if (c < 0) {
        fail(err, errlen, "--map: the file has no column '%.*s'", (int)cn, col);
        return false;
    }
    char pathz[256];
    if (pn >= sizeof pathz) {
        fail(err, errlen, "--map: path too long: %.*s", (int)pn, path);
        return false;
    }
    memcpy(pathz, path, pn);
    pathz[pn] = 0;
    char why[256];
    map_node *leaf = map_place(m, pathz, why, sizeof why);
    if (!leaf) {
        fail(err, errlen, "--map: %s", why);
        return false;
    }
    leaf->column = c;
    leaf->column_name = map_dup(m, header[c], strlen(header[c])); /* the header's text is reused */
    used[c] = true;
    return true;
}

static bool const_entry(bw_hist_map *m, const char *e, char *err, size_t errlen)
{
    const char *eq = strchr(e, '=');
    if (!eq) {
        fail(err, errlen, "--const: '%s' is not 'json.path=value'", e);
        return false;
    }
    size_t pn = (size_t)(eq - e);
    const char *path = trim(e, &pn);
    char pathz[256], why[256];
    if (pn >= sizeof pathz) {
        fail(err, errlen, "--const: path too long: %s", e);
        return false;
    }
    memcpy(pathz, path, pn);
    pathz[pn] = 0;
    map_node *leaf = map_place(m, pathz, why, sizeof why);
    if (!leaf) {
        fail(err, errlen, "--const: %s", why);
        return false;
    }
    leaf->column = -1;
    leaf->constant = map_dup(m, eq + 1, strlen(eq + 1));
    return true;
}

bw_hist_map *bw_hist_map_new(char *const *header, uint32_t n_cols, const char *const *maps, unsigned n_maps,
                             const char *const *consts, unsigned n_consts, char *err, size_t errlen)
{
    bw_hist_map *m = calloc(1, sizeof *m);
    bool *used = calloc(n_cols + 1, sizeof *used);
    if (!m || !used) {
        free(m);
        free(used);
        fail(err, errlen, "out of memory");
        return NULL;
    }
    bw_arena_init(&m->arena);
    m->root.kind = NODE_OBJECT;
    m->n_cols = n_cols;
    for (uint32_t i = 0; i < n_cols; i++)
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(header[i], header[j])) {
                fail(err, errlen, "the header names column '%s' twice", header[i]);
                goto bad;
            }
    for (unsigned k = 0; k < n_maps; k++) {
        const char *s = maps[k];
        while (*s) {
            size_t n = strcspn(s, ",");
            size_t tn = n;
            trim(s, &tn);
            if (tn && !map_entry(m, header, s, n, used, err, errlen))
                goto bad;
            s += n + (s[n] == ',');
        }
    }
    for (unsigned k = 0; k < n_consts; k++)
        if (!const_entry(m, consts[k], err, errlen))
            goto bad;
    m->extra_names = map_alloc(m, (n_cols + 1) * sizeof *m->extra_names);
    m->extra_cols = map_alloc(m, (n_cols + 1) * sizeof *m->extra_cols);
    for (uint32_t i = 0; i < n_cols; i++)
        if (!used[i]) {
            size_t hn = strlen(header[i]);
            const char *h = trim(header[i], &hn);
            m->extra_names[m->n_extra] = map_dup(m, h, hn);
            m->extra_cols[m->n_extra++] = i;
        }
    free(used);
    return m;
bad:
    free(used);
    bw_hist_map_free(m);
    return NULL;
}

void bw_hist_map_free(bw_hist_map *m)
{
    if (!m)
        return;
    bw_arena_free(&m->arena);
    free(m);
}

uint32_t bw_hist_map_extras(const bw_hist_map *m, const char *const **names, const uint32_t **columns)
{
    if (names)
        *names = m->extra_names;
    if (columns)
        *columns = m->extra_cols;
    return m->n_extra;
}

/* The text a leaf holds for this row (trimmed), or NULL when empty. */
static const char *leaf_value(const map_node *l, char *const *cells, uint32_t n_cells, size_t *n)
{
    const char *s = l->column < 0 ? l->constant : (uint32_t)l->column < n_cells ? cells[l->column] : "";
    *n = strlen(s);
    s = trim(s, n);
    return *n ? s : NULL;
}

static bool has_content(const map_node *node, char *const *cells, uint32_t n_cells)
{
    if (node->kind == NODE_LEAF) {
        size_t n;
        return leaf_value(node, cells, n_cells, &n) != NULL;
    }
    for (const map_node *c = node->child; c; c = c->next)
        if (has_content(c, cells, n_cells))
            return true;
    return false;
}

/* A cell as a JSON number: plain decimals only ("007" -> 7, ".5" -> 0.5,
 * "+3" -> 3), no exponents, no thousands separators. */
static bool put_number(bw_buf *out, const char *s, size_t n)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    size_t int_start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < n && s[i] == '.') {
        frac_start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        frac_end = i;
    }
    if (i != n || (int_end == int_start && frac_end == frac_start))
        return false;
    while (int_start + 1 < int_end && s[int_start] == '0')
        int_start++;
    if (neg)
        bw_buf_putc(out, '-');
    if (int_end == int_start)
        bw_buf_putc(out, '0');
    else
        bw_buf_put(out, s + int_start, int_end - int_start);
    if (frac_end > frac_start) {
        bw_buf_putc(out, '.');
        bw_buf_put(out, s + frac_start, frac_end - frac_start);
    }
    return true;
}

static bool cell_error(const map_node *l, const char *s, size_t n, const char *want, char *err, size_t errlen)
{
    if (l->column < 0)
        fail(err, errlen, "--const %s: '%.*s' is not %s", l->path, (int)(n > 60 ? 60 : n), s, want);
    else
        fail(err, errlen, "column '%s' (%s): '%.*s' is not %s", l->column_name, l->path, (int)(n > 60 ? 60 : n), s,
             want);
    return false;
}

static bool put_node(const map_node *node, char *const *cells, uint32_t n_cells, bw_buf *out, char *err,
                     size_t errlen);

static bool put_leaf(const map_node *l, char *const *cells, uint32_t n_cells, bw_buf *out, char *err, size_t errlen)
{
    size_t n;
    const char *s = leaf_value(l, cells, n_cells, &n);
    bool b;
    switch (l->leaf) {
    case LEAF_NUMBER:
        return put_number(out, s, n) || cell_error(l, s, n, "a plain number", err, errlen);
    case LEAF_BOOL:
        if (!bw_hist_parse_bool(s, n, &b))
            return cell_error(l, s, n, "true or false (1/0, yes/no)", err, errlen);
        bw_buf_puts(out, b ? "true" : "false");
        return true;
    default:
        bw_buf_put_json_str(out, s, n);
        return true;
    }
}

static bool put_object(const map_node *node, char *const *cells, uint32_t n_cells, bw_buf *out, char *err,
                       size_t errlen)
{
    bw_buf_putc(out, '{');
    bool first = true;
    for (const map_node *c = node->child; c; c = c->next) {
        if (!has_content(c, cells, n_cells))
            continue;
        if (!first)
            bw_buf_putc(out, ',');
        first = false;
        bw_buf_put_json_str(out, c->key, strlen(c->key));
        bw_buf_putc(out, ':');
        if (!put_node(c, cells, n_cells, out, err, errlen))
            return false;
    }
    bw_buf_putc(out, '}');
    return true;
}

/* Items up to the last one with content; a gap before it is an empty item. */
static bool put_array(const map_node *node, char *const *cells, uint32_t n_cells, bw_buf *out, char *err,
                      size_t errlen)
{
    const map_node *last = NULL;
    for (const map_node *c = node->child; c; c = c->next)
        if (has_content(c, cells, n_cells))
            last = c;
    bw_buf_putc(out, '[');
    uint32_t at = 0;
    for (const map_node *c = node->child; last && c; c = c->next) {
        for (; at < c->index; at++)
            bw_buf_puts(out, at ? ",{}" : "{}");
        if (at)
            bw_buf_putc(out, ',');
        at++;
        if (!put_object(c, cells, n_cells, out, err, errlen))
            return false;
        if (c == last)
            break;
    }
    bw_buf_putc(out, ']');
    return true;
}

static bool put_node(const map_node *node, char *const *cells, uint32_t n_cells, bw_buf *out, char *err,
                     size_t errlen)
{
    switch (node->kind) {
    case NODE_OBJECT: return put_object(node, cells, n_cells, out, err, errlen);
    case NODE_ARRAY: return put_array(node, cells, n_cells, out, err, errlen);
    default: return put_leaf(node, cells, n_cells, out, err, errlen);
    }
}

static bool read_label(const bw_hist_map *m, char *const *cells, uint32_t n_cells, bw_hist_label *label, char *err,
                       size_t errlen)
{
    memset(label, 0, sizeof *label);
    size_t n;
    const char *s;
    bool inspected = false;
    if (m->outcome[0] && (s = leaf_value(m->outcome[0], cells, n_cells, &n)) &&
        !bw_hist_parse_bool(s, n, &inspected))
        return cell_error(m->outcome[0], s, n, "true or false (1/0, yes/no)", err, errlen);
    if (m->outcome[1] && (s = leaf_value(m->outcome[1], cells, n_cells, &n))) {
        if (!bw_hist_parse_bool(s, n, &label->fraud))
            return cell_error(m->outcome[1], s, n, "true or false (1/0, yes/no)", err, errlen);
        label->labelled = true;
    }
    label->labelled |= inspected;
    if (m->outcome[2] && (s = leaf_value(m->outcome[2], cells, n_cells, &n))) {
        if (bw_decimal_parse(s, n, &label->revenue) != BW_DEC_OK)
            return cell_error(m->outcome[2], s, n, "a decimal amount", err, errlen);
        label->has_revenue = true;
    }
    return true;
}

bool bw_hist_map_row(const bw_hist_map *m, char *const *cells, uint32_t n_cells, bw_buf *out, bw_hist_label *label,
                     char *err, size_t errlen)
{
    out->n = 0;
    if (!read_label(m, cells, n_cells, label, err, errlen))
        return false;
    return put_object(&m->root, cells, n_cells, out, err, errlen);
}

/* ---- reading a history ---------------------------------------------------------------- */

struct bw_hist_reader {
    char name[512];             /* the file, for messages */
    bool csv, outcome;
    int fd;
    bool own_fd;
    /* NDJSON */
    bw_reader *rd;
    bw_record rec;
    json_tokener *tok;
    /* CSV */
    FILE *f;
    bw_csv *c;
    bw_hist_map *map;
    bw_buf json;
    bw_decoder *dec;
    bw_arena arena;
    bw_issues iss;
    bw_declaration decl;
    const char **extra_values;
    /* both */
    bw_buf msg;
};

bool bw_hist_time(const bw_declaration *d, bw_time *out)
{
    const bw_timestamp *ts[] = {&d->order.date, &d->transport.expected_arrival, &d->payment.date};
    for (int i = 0; i < 3; i++)
        if (ts[i]->raw.p && bw_time_parse(ts[i]->raw.p, ts[i]->raw.n, out))
            return true;
    return false;
}

/* Whether the file starts (after blanks and a byte order mark) with '{' or '['. */
static bool looks_like_json(int fd)
{
    char head[4096];
    ssize_t n = pread(fd, head, sizeof head, 0);
    ssize_t i = n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (; i < n; i++)
        if (head[i] != ' ' && head[i] != '\t' && head[i] != '\r' && head[i] != '\n')
            return head[i] == '{' || head[i] == '[';
    return n <= 0; /* an empty file is an empty NDJSON history */
}

static bool open_csv(bw_hist_reader *r, const bw_hist_options *o, char *err, size_t errlen)
{
    r->f = fdopen(r->fd, "r");
    if (!r->f) {
        fail(err, errlen, "%s: %s", r->name, strerror(errno));
        return false;
    }
    r->own_fd = false; /* fclose closes it */
    r->c = bw_csv_open(r->f, r->name);
    r->dec = bw_decoder_new(NULL);
    bw_arena_init(&r->arena);
    char **header;
    uint32_t n;
    uint64_t line;
    int got = bw_csv_next(r->c, &header, &n, &line, err, errlen);
    if (got <= 0) {
        if (got == 0)
            fail(err, errlen, "%s: empty: a CSV history needs a header row", r->name);
        return false;
    }
    char why[512];
    r->map = bw_hist_map_new(header, n, o->maps, o->n_maps, o->consts, o->n_consts, why, sizeof why);
    if (!r->map) {
        fail(err, errlen, "%s:%llu: %s", r->name, (unsigned long long)line, why);
        return false;
    }
    r->extra_values = calloc(r->map->n_extra + 1, sizeof *r->extra_values);
    return true;
}

bw_hist_reader *bw_hist_open(const char *path, const bw_hist_options *o, char *err, size_t errlen)
{
    bw_hist_reader *r = calloc(1, sizeof *r);
    if (!r) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(r->name, sizeof r->name, "%s", strcmp(path, "-") ? path : "(stdin)");
    r->outcome = o->outcome;
    bw_record_init(&r->rec);
    if (!strcmp(path, "-")) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            fail(err, errlen, "%s: %s", path, strerror(errno));
            bw_hist_close(r);
            return NULL;
        }
        r->own_fd = true;
    }
    bool csv = o->format == BW_HIST_CSV;
    if (o->format == BW_HIST_AUTO)
        csv = o->n_maps || o->n_consts || (r->fd != STDIN_FILENO && !looks_like_json(r->fd));
    r->csv = csv;
    if (csv) {
        if (!open_csv(r, o, err, errlen)) {
            bw_hist_close(r);
            return NULL;
        }
    } else {
        r->rd = bw_reader_new(r->fd, NULL);
        r->tok = json_tokener_new();
    }
    return r;
}

void bw_hist_close(bw_hist_reader *r)
{
    if (!r)
        return;
    if (r->rd)
        bw_reader_free(r->rd);
    bw_record_free(&r->rec);
    if (r->tok)
        json_tokener_free(r->tok);
    bw_csv_close(r->c);
    bw_hist_map_free(r->map);
    bw_buf_free(&r->json);
    if (r->dec)
        bw_decoder_free(r->dec);
    bw_arena_free(&r->arena);
    free(r->extra_values);
    bw_buf_free(&r->msg);
    if (r->f)
        fclose(r->f);
    else if (r->own_fd)
        close(r->fd);
    free(r);
}

/* The first error of an undecodable record, as one line. */
static const char *first_issue(bw_hist_reader *r, const bw_issues *iss)
{
    r->msg.n = 0;
    for (uint32_t i = 0; i < iss->n; i++)
        if (iss->v[i].severity == BW_ERROR) {
            bw_buf_puts(&r->msg, iss->v[i].code);
            if (iss->v[i].path && *iss->v[i].path) {
                bw_buf_puts(&r->msg, " at ");
                bw_buf_puts(&r->msg, iss->v[i].path);
            }
            bw_buf_puts(&r->msg, ": ");
            bw_buf_puts(&r->msg, iss->v[i].message);
            return bw_buf_cstr(&r->msg);
        }
    return "not a JSON declaration";
}

static bool json_flag(json_object *o, const char *key, bool *present, bool *value)
{
    json_object *v;
    *present = false;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return true;
    if (json_object_is_type(v, json_type_boolean))
        *value = json_object_get_boolean(v);
    else if (json_object_is_type(v, json_type_int) && (json_object_get_int64(v) == 0 || json_object_get_int64(v) == 1))
        *value = json_object_get_int64(v) == 1;
    else
        return false;
    *present = true;
    return true;
}

/* Reads a revenue given as a decimal string or a JSON number. */
static bool json_revenue(json_object *v, bw_decimal *out)
{
    if (json_object_is_type(v, json_type_string))
        return bw_decimal_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), out) == BW_DEC_OK;
    if (json_object_is_type(v, json_type_int)) {
        *out = (bw_decimal){json_object_get_int64(v), 0};
        return true;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!(d > -9e13 && d < 9e13))
            return false;
        *out = (bw_decimal){(int64_t)(d * 10000 + (d < 0 ? -0.5 : 0.5)), 4};
        return true;
    }
    return false;
}

/* The outcome object of an NDJSON line (json-c: the decoder ignores it). */
static int read_outcome(bw_hist_reader *r, bw_hist_row *row, char *err, size_t errlen)
{
    json_tokener_reset(r->tok);
    json_object *o = json_tokener_parse_ex(r->tok, r->rec.text.p, (int)r->rec.text.n);
    int rc = 1;
    json_object *out, *rev;
    bool inspected = false, present = false;
    if (!o || !json_object_object_get_ex(o, "outcome", &out) || !out)
        goto done;
    if (!json_object_is_type(out, json_type_object)) {
        fail(err, errlen, "%s:%llu: outcome must be an object", r->name, (unsigned long long)row->line);
        rc = -1;
    } else if (!json_flag(out, "inspected", &present, &inspected)) {
        fail(err, errlen, "%s:%llu: outcome.inspected must be true or false", r->name, (unsigned long long)row->line);
        rc = -1;
    } else if (!json_flag(out, "fraud", &row->label.labelled, &row->label.fraud)) {
        fail(err, errlen, "%s:%llu: outcome.fraud must be true or false", r->name, (unsigned long long)row->line);
        rc = -1;
    } else if (json_object_object_get_ex(out, "revenue", &rev) && rev) {
        if (!json_revenue(rev, &row->label.revenue)) {
            fail(err, errlen, "%s:%llu: outcome.revenue must be a decimal amount like \"12.34\"", r->name,
                 (unsigned long long)row->line);
            rc = -1;
        }
        row->label.has_revenue = true;
    }
    row->label.labelled |= present && inspected;
done:
    json_object_put(o);
    return rc;
}

static int next_ndjson(bw_hist_reader *r, bw_hist_row *row, char *err, size_t errlen)
{
    int got = bw_reader_next(r->rd, &r->rec);
    if (got < 0)
        fail(err, errlen, "%s: %s", r->name, bw_reader_error(r->rd));
    if (got <= 0)
        return got;
    row->line = r->rec.line;
    row->decodable = r->rec.decodable;
    if (!row->decodable) {
        row->error = first_issue(r, &r->rec.issues);
        return 1;
    }
    row->decl = &r->rec.decl;
    row->has_time = bw_hist_time(row->decl, &row->when);
    return r->outcome && r->rec.text.p ? read_outcome(r, row, err, errlen) : 1;
}

static int next_csv(bw_hist_reader *r, bw_hist_row *row, char *err, size_t errlen)
{
    char **cells;
    uint32_t n;
    int got = bw_csv_next(r->c, &cells, &n, &row->line, err, errlen);
    if (got <= 0)
        return got;
    if (n != r->map->n_cols) {
        fail(err, errlen, "%s:%llu: %u fields, the header has %u", r->name, (unsigned long long)row->line, n,
             r->map->n_cols);
        return -1;
    }
    char why[512];
    if (!bw_hist_map_row(r->map, cells, n, &r->json, &row->label, why, sizeof why)) {
        fail(err, errlen, "%s:%llu: %s", r->name, (unsigned long long)row->line, why);
        return -1;
    }
    bw_arena_reset(&r->arena);
    bw_issues_init(&r->iss, &r->arena);
    size_t used;
    bw_decode_status st = bw_decode_declaration(r->dec, r->json.p, r->json.p + r->json.n, true, &r->decl, &r->iss,
                                                &r->arena, &used);
    row->decodable = st == BW_DECODE_OK;
    if (!row->decodable) {
        row->error = first_issue(r, &r->iss);
        return 1;
    }
    row->decl = &r->decl;
    row->has_time = bw_hist_time(row->decl, &row->when);
    for (uint32_t i = 0; i < r->map->n_extra; i++) {
        const char *v = cells[r->map->extra_cols[i]];
        size_t vn = strlen(v);
        v = trim(v, &vn);
        if (vn)
            ((char *)v)[vn] = 0; /* the cell is ours until the next row */
        r->extra_values[i] = vn ? v : NULL;
    }
    row->extra_names = r->map->extra_names;
    row->extra_values = r->extra_values;
    row->n_extra = r->map->n_extra;
    return 1;
}

int bw_hist_next(bw_hist_reader *r, bw_hist_row *row, char *err, size_t errlen)
{
    memset(row, 0, sizeof *row);
    return r->csv ? next_csv(r, row, err, errlen) : next_ndjson(r, row, err, errlen);
}
