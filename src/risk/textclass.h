/*
 * textclass.h - description versus classification: a text model learned
 * from accepted declarations (the words of each item's description -> its
 * HS heading and chapter) flags items whose declared code is improbable
 * for what they say they are, and shows the likely alternatives.
 *
 * A multinomial naive Bayes over the words of the normalized description
 * (normalize.h, without digit-for-letter undoing: "4k" stays "4k"), with
 * Laplace smoothing, per HS heading (4 digits); a chapter's probability is
 * the sum of its headings'.  docs/risk-analytics.md has the formulas, the
 * thresholds and the saved format.
 *
 * Thread-safe: checks share a read lock, learning takes the write lock.
 */
#ifndef BW_TEXTCLASS_H
#define BW_TEXTCLASS_H

#include "risk.h"

typedef struct bw_textclass bw_textclass;

/* When the model may judge (see docs/risk-analytics.md). */
#define BW_TEXTCLASS_MIN_ITEMS 500        /* items learned before any check */
#define BW_TEXTCLASS_MIN_KNOWN_TOKENS 2   /* known words in the description */
#define BW_TEXTCLASS_MIN_TOKEN_ITEMS 3    /* a word is known once in this many items */
#define BW_TEXTCLASS_MIN_CHAPTER_ITEMS 20 /* items learned in the declared chapter */

bw_textclass *bw_textclass_new(void);
void bw_textclass_free(bw_textclass *t);

/* Learns each item of an accepted declaration: its description's words
 * with its HS heading (items without a description or a 4-digit heading
 * are skipped). */
void bw_textclass_learn(bw_textclass *t, const bw_declaration *d);

/* Adds "classification.improbable" for each item whose declared chapter
 * has a probability below 0.02 given its description; evidence
 * {"declared","declared_chapter","p_declared","likely":[{"heading",
 * "chapter","p"} x3],"tokens":[..],"items_learned"}.  Reads only. */
void bw_textclass_check(bw_textclass *t, const bw_risk_facts *f, bw_risk_result *r);

/* The most likely headings for a description, best first: up to max of
 * them in out (heading as a number, 8517) with their probabilities;
 * returns how many, 0 when no word of it is known.  *known gets the number
 * of known words used. */
typedef struct bw_textclass_guess {
    uint16_t heading;
    double p;
} bw_textclass_guess;
int bw_textclass_classify(bw_textclass *t, const char *description, size_t n, bw_textclass_guess *out, int max,
                          int *known);

/* Items learned so far. */
uint64_t bw_textclass_items(bw_textclass *t);

/* The model as bytes (the same model gives the same bytes); 0, or -1. */
int bw_textclass_save(bw_textclass *t, bw_buf *out);
/* A model from saved bytes; NULL with a message in err when they are not
 * a valid saved model. */
bw_textclass *bw_textclass_restore(const void *bytes, size_t n, char *err, size_t errlen);

#endif
