/*
 * screen.h - prohibited and restricted goods screening (WCO E-Commerce FoS
 * 8.1.3): every item's description and HS code against a list of terms and
 * HS prefixes kept as data (the .tsv files of data/screening, format in
 * its README.md).
 *
 * Text is compared in the one normalized form of normalize.h (Latin, lower
 * case, digit-for-letter undone), so "КОКАИН", "Kokaïne", "c0caine" and
 * "可卡因" meet list terms written naturally in their own language.  A term
 * matches whole words; a term of six letters or more also matches when it is
 * spelled out with separators ("c o c a i n e", "c.o.c.a.i.n.e") as long as
 * the spelled-out run starts and ends on word boundaries.  All terms are
 * matched at once with Hyperscan, so the cost hardly depends on how many the
 * list holds.
 *
 * A loaded screen is read-only and may be shared by any number of threads:
 * each thread gets its own Hyperscan scratch on first use (freed when the
 * thread ends).
 */
#ifndef BW_SCREEN_H
#define BW_SCREEN_H

#include "risk.h"

typedef struct bw_screen bw_screen;

/* How a match was found: the words of the normalized text, the text with
 * its spaces squeezed out (spelled-out obfuscation), or an HS prefix. */
typedef enum bw_screen_form { BW_SCREEN_WORDS, BW_SCREEN_SQUEEZED, BW_SCREEN_HS } bw_screen_form;
extern const char *const bw_screen_form_names[]; /* "words", "squeezed", "hs" */

/* One list row, as loaded.  Strings live as long as the screen. */
typedef struct bw_screen_entry {
    const char *id;            /* unique over all loaded files */
    const char *area;          /* "drugs", "weapons", ... */
    const char *pattern;       /* as written in the list */
    const char *term;          /* normalized (text) or the HS digits (hs) */
    const char *language;      /* "en", "zh", ... or "*" */
    const char *jurisdictions; /* "*" or "AU,CN" */
    const char *note;
    bool prohibited;           /* else restricted */
    bool hs;                   /* an HS prefix, else a text term */
    int32_t score;
    bw_lane lane;              /* forced lane, or BW_LANE_NONE */
    bw_time from, to;          /* in force on [from, to) */
} bw_screen_entry;

/* Which entries apply: those naming `jurisdiction` or "*" (an absent
 * jurisdiction, p == NULL: every entry) and in force at `when` (every entry
 * when all_dates). */
typedef struct bw_screen_scope {
    bw_str jurisdiction;
    bw_time when;
    bool all_dates;
} bw_screen_scope;

/* One entry that matched a text or an HS code.  `matched` is the normalized
 * words that matched (for BW_SCREEN_SQUEEZED the run as it was spelled,
 * "c o c a i n e"), or the HS code's digits; valid during the callback. */
typedef struct bw_screen_match {
    const bw_screen_entry *entry;
    bw_screen_form form;
    const char *matched;
    size_t matched_n;
} bw_screen_match;

/* Called once per matching entry; return false to stop. */
typedef bool (*bw_screen_cb)(const bw_screen_match *m, void *ctx);

/* Loads every *.tsv of <datadir>/screening (in name order; datadir NULL:
 * none) and then the files named in `extra`, paths separated by ':' (empty
 * ones skipped; NULL: none; the CLI passes $BREAKWATER_SCREENING), and
 * compiles them.  NULL with "file:line: why" in err on any error. */
bw_screen *bw_screen_load(const char *datadir, const char *extra, char *err, size_t errlen);
void bw_screen_free(bw_screen *s);

/* Entries loaded (text and HS), and the i-th in load order. */
size_t bw_screen_count(const bw_screen *s);
const bw_screen_entry *bw_screen_entry_at(const bw_screen *s, size_t i);

/* Screens one text (UTF-8, any length): calls cb once per distinct entry in
 * scope whose term it contains, words matches first, in text order.  At
 * most BW_SCREEN_MAX_HITS entries are reported per text.  Returns how many
 * were reported, or -1 when no Hyperscan scratch could be had (out of
 * memory). */
enum { BW_SCREEN_MAX_HITS = 32 };
int bw_screen_text(const bw_screen *s, const char *text, size_t n, const bw_screen_scope *scope, bw_screen_cb cb,
                   void *ctx);

/* Screens one HS code (its digits; other characters are ignored): every
 * HS entry in scope whose digits are a prefix of the code's, shortest
 * prefix first.  Returns how many were reported. */
int bw_screen_hs(const bw_screen *s, const char *code, size_t n, const bw_screen_scope *scope, bw_screen_cb cb,
                 void *ctx);

/* Screens every item of facts->decl for facts->jurisdiction on facts->when
 * and adds one hit per matching entry per item field: code
 * "screening.prohibited" or "screening.restricted", ref the entry id, path
 * "items[i].description" or "items[i].hs_code", a reason naming the term
 * and area, evidence {"term","area","language","matched","form"}, score and
 * lane from the entry.  When screening cannot run (out of memory) it says
 * so with one "screening.unavailable" hit rather than passing silently. */
void bw_screen_declaration(const bw_screen *s, const bw_risk_facts *f, bw_risk_result *r);

#endif
