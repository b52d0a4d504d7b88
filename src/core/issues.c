/*
 * issues.c - collecting errors and warnings with their JSON paths.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "issues.h"

void bw_issues_init(bw_issues *l, bw_arena *arena)
{
    memset(l, 0, sizeof *l);
    l->arena = arena;
}

void bw_issues_clear(bw_issues *l)
{
    l->n = 0;
    l->errors = l->warnings = 0;
    l->v = NULL; /* the array lived in the arena, which the caller resets */
    l->cap = 0;
}

static void add(bw_issues *l, bw_severity sev, const char *code, const char *path,
                const char *fmt, va_list ap)
{
    if (sev == BW_ERROR)
        l->errors++;
    else
        l->warnings++;
    if (l->n >= BW_ISSUES_MAX)
        return;
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        if (cap > BW_ISSUES_MAX)
            cap = BW_ISSUES_MAX;
        bw_issue *v = bw_arena_alloc(l->arena, cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    char msg[512];
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    if (m < 0)
        m = 0;
    if ((size_t)m >= sizeof msg)
        m = sizeof msg - 1;
    bw_issue *it = &l->v[l->n++];
    it->severity = sev;
    it->code = code;
    it->path = bw_arena_strdup(l->arena, path, strlen(path));
    it->message = bw_arena_strdup(l->arena, msg, (size_t)m);
}

void bw_issue_add(bw_issues *l, bw_severity sev, const char *code, const char *path,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(l, sev, code, path, fmt, ap);
    va_end(ap);
}

void bw_issue_item(bw_issues *l, bw_severity sev, const char *code, const char *list,
                   uint32_t index, const char *field, const char *fmt, ...)
{
    char path[128];
    snprintf(path, sizeof path, "%s[%u]%s%s", list, index, *field ? "." : "", field);
    va_list ap;
    va_start(ap, fmt);
    add(l, sev, code, path, fmt, ap);
    va_end(ap);
}

void bw_issues_json(const bw_issues *l, bw_severity sev, bw_buf *out)
{
    bw_buf_putc(out, '[');
    bool first = true;
    for (uint32_t i = 0; i < l->n; i++) {
        const bw_issue *it = &l->v[i];
        if (it->severity != sev)
            continue;
        if (!first)
            bw_buf_putc(out, ',');
        first = false;
        bw_buf_puts(out, "{\"path\":");
        bw_buf_put_json_str(out, it->path, strlen(it->path));
        bw_buf_puts(out, ",\"code\":");
        bw_buf_put_json_str(out, it->code, strlen(it->code));
        bw_buf_puts(out, ",\"message\":");
        bw_buf_put_json_str(out, it->message, strlen(it->message));
        bw_buf_putc(out, '}');
    }
    uint32_t total = sev == BW_ERROR ? l->errors : l->warnings, listed = 0;
    for (uint32_t i = 0; i < l->n; i++)
        listed += l->v[i].severity == sev;
    if (total > listed) {
        if (!first)
            bw_buf_putc(out, ',');
        bw_buf_printf(out, "{\"path\":\"\",\"code\":\"issues.truncated\",\"message\":\"%u more not listed\"}",
                      total - listed);
    }
    bw_buf_putc(out, ']');
}
