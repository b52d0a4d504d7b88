/*
 * issues.h - the errors and warnings found in one record.
 *
 * Data quality is reported, not thrown: every problem of a declaration is
 * collected at once as {path, code, message} so a submitter can fix them all
 * in one round trip.  Errors reject the record; warnings are kept apart and
 * never reject.  Codes are stable identifiers (docs/errors.md lists them);
 * messages are for people and may change.
 */
#ifndef BW_ISSUES_H
#define BW_ISSUES_H

#include "core.h"

typedef enum bw_severity { BW_ERROR = 0, BW_WARNING = 1 } bw_severity;

typedef struct bw_issue {
    bw_severity severity;
    const char *code;    /* static string, e.g. "hs.unknown" */
    const char *path;    /* JSON path, e.g. "items[2].hs_code"; "" = record */
    const char *message; /* arena copy */
} bw_issue;

/* At most this many issues are listed per record; the rest are counted and
 * summarised in one "issues.truncated" entry of the array that overflowed,
 * so a 10,000-item parcel with an error on every line cannot blow up the
 * answer. */
#define BW_ISSUES_MAX 200

typedef struct bw_issues {
    bw_issue *v;
    uint32_t n, cap;
    uint32_t errors, warnings; /* counted even past BW_ISSUES_MAX */
    bw_arena *arena;
} bw_issues;

void bw_issues_init(bw_issues *l, bw_arena *arena);
void bw_issues_clear(bw_issues *l);
void bw_issue_add(bw_issues *l, bw_severity sev, const char *code, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Same, with the path given as printf-style prefix + index + suffix, which
 * is how item paths look ("items[", 2, "].hs_code"). */
void bw_issue_item(bw_issues *l, bw_severity sev, const char *code, const char *list,
                   uint32_t index, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Writes the issues of one severity as a JSON array. */
void bw_issues_json(const bw_issues *l, bw_severity sev, bw_buf *out);

#endif
