/*
 * watchlist.h - known offenders (WCO E-Commerce FoS Standard 4, offender
 * lists, §2.3.4): the declaration's seller and buyer compared with a list
 * of people and companies by name, address, email, phone and identifier.
 *
 * Lists are files (data/watchlist/README.md has the format and the
 * matching rules).  Emails, phones and identifiers are compared exactly
 * after normalization; names and addresses fuzzily, in the normalized form
 * of normalize.h, so that spelling variants, word order, diacritics and
 * other scripts (Cyrillic, Chinese, ... through ICU) still meet.  Every hit
 * names the listed entry and carries the similarity score as evidence.
 *
 * A loaded list is read-only: checks from any number of threads may share
 * it.  bw_watchlist_add is for building a list before it is shared.
 */
#ifndef BW_WATCHLIST_H
#define BW_WATCHLIST_H

#include "risk.h"

typedef enum bw_watch_kind {
    BW_WATCH_PERSON = 1,
    BW_WATCH_COMPANY = 2,
} bw_watch_kind;

/* One listed offender, as in the file.  Strings are UTF-8; NULL or "" is
 * absent.  Only id and kind are required, plus at least one of name,
 * address, email, phone and identifier. */
typedef struct bw_watch_entry {
    const char *id;          /* unique within the loaded lists */
    bw_watch_kind kind;
    const char *name;        /* any script */
    const char *address;     /* free text, any script */
    const char *country;     /* ISO 3166-1 alpha-2 of the address */
    const char *email;
    const char *phone;
    const char *identifier;  /* a party id, national id, tax or scheme number */
    const char *reason;      /* why listed, for the officer */
    bw_time listed_from;     /* first day listed; INT64_MIN: always */
    bw_time listed_to;       /* first day no longer listed; INT64_MAX: open */
} bw_watch_entry;

typedef struct bw_watchlist bw_watchlist;

/* Loads every *.tsv of <datadir>/watchlist in name order, then each file of
 * `extra` (paths separated by ':', empty ones skipped; callers pass
 * $BREAKWATER_WATCHLIST), with the matching rules of
 * <datadir>/watchlist/rules.txt.  datadir NULL: bw_default_datadir.
 * NULL with "file:line: why" in err on any bad line or unreadable file. */
bw_watchlist *bw_watchlist_load(const char *datadir, const char *extra, char *err, size_t errlen);
void bw_watchlist_free(bw_watchlist *w);
size_t bw_watchlist_count(const bw_watchlist *w);

/* Adds one entry (an analyst confirming a candidate proposed after a
 * seizure); its strings are copied.  Not concurrent with checks: callers
 * build a new list and swap.  0, or -1 with the reason in err (duplicate
 * id, nothing to match on, malformed email ...). */
int bw_watchlist_add(bw_watchlist *w, const bw_watch_entry *e, char *err, size_t errlen);

/* Adds the hits "watchlist.name", "watchlist.address", "watchlist.email",
 * "watchlist.phone" and "watchlist.id" for f->decl's seller and buyer,
 * against the entries listed on f->when: at most one hit per party field
 * (the best entry).  Thread-safe; scratch is on the stack (some 16 KiB),
 * hit strings in r's arena. */
void bw_watchlist_check(const bw_watchlist *w, const bw_risk_facts *f, bw_risk_result *r);

/* Lower level, for tests and the CLI: the listed entry (on `when`) whose
 * name is most similar to name[0..n), and the similarity 0-100 in *score,
 * whether or not it reaches the hit threshold; NULL (score 0) when no
 * listed name is a candidate (shares a pair of words, or a rare word,
 * with it).  Of entries with the same name, the first listed. */
const bw_watch_entry *bw_watchlist_best_name(const bw_watchlist *w, const char *name, size_t n, bw_time when,
                                             int *score);

/* The similarity (0-100) of two names as the matcher computes it, without
 * a list (the rules' legal forms are not dropped; people's extra words). */
int bw_watch_name_similarity(const char *a, const char *b);

/* The watchlist's text normalization: exactly bw_norm_text(s, n, out, cap,
 * 0), but Latin letters with diacritics (Latin-1, Extended-A/B, Vietnamese)
 * are folded from a table derived from ICU once, so that only other
 * scripts pay for transliteration. */
size_t bw_watch_norm(const char *s, size_t n, char *out, size_t cap);

#endif
