/*
 * normalize.c - the normalized text form of normalize.h.
 *
 * Two passes: ICU transliteration to Latin ASCII, only when the input has a
 * byte >= 0x80 (remembered per thread), then one ASCII pass that lower-cases, turns every run of
 * other characters into one space and, with BW_NORM_LEET, undoes
 * digit-for-letter spellings word by word (digits after a word's first
 * letter, and '@' / '$' in words with letters).
 */
#include "normalize.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

/* ---- transliteration (ICU), one transliterator per thread ------------------- */

/* ICU's rule-based transliteration costs microseconds per name, and the
 * same text comes back again and again: the same names go through the
 * party key, the watchlist and the records comparison; sellers, products
 * and their descriptions repeat across parcels.  So each thread remembers
 * its last results in a direct-mapped memo (input compared in full: a
 * hash collision never yields another text's form). */
#define MEMO_SLOTS 4096           /* per thread; a slot holds input and output */
#define MEMO_MAX_INPUT 512        /* longer texts are rare and not kept */

typedef struct memo_slot {
    char *bytes;                  /* input, then output, one allocation */
    uint32_t in_n, out_n;
} memo_slot;

typedef struct translit_state {
    UTransliterator *t;
    memo_slot memo[MEMO_SLOTS];
} translit_state;

static pthread_key_t translit_key;
static pthread_once_t translit_once = PTHREAD_ONCE_INIT;

static void translit_close(void *p)
{
    translit_state *ts = p;
    utrans_close(ts->t);
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        free(ts->memo[i].bytes);
    free(ts);
}
static void translit_key_make(void) { pthread_key_create(&translit_key, translit_close); }

static translit_state *translit_get(void)
{
    pthread_once(&translit_once, translit_key_make);
    translit_state *ts = pthread_getspecific(translit_key);
    if (ts)
        return ts;
    static const char id[] = "NFKC; Any-Latin; Latin-ASCII";
    UChar uid[sizeof id];
    u_uastrcpy(uid, id);
    UErrorCode st = U_ZERO_ERROR;
    UTransliterator *t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st) || !(ts = calloc(1, sizeof *ts))) {
        utrans_close(t);
        return NULL;
    }
    ts->t = t;
    pthread_setspecific(translit_key, ts);
    return ts;
}

/* FNV-1a: short texts, a slot index only. */
static size_t memo_index(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29)) & (MEMO_SLOTS - 1);
}

/* Transliterates UTF-8 s[0..n) into a malloc'd UTF-8 string (*out_n bytes),
 * or NULL when ICU cannot (the caller then drops the non-ASCII bytes). */
static char *icu_transliterate(UTransliterator *t, const char *s, size_t n, size_t *out_n)
{
    if (n > (1u << 20))
        return NULL;
    /* Transliteration can lengthen text (one Han character -> a syllable). */
    int32_t cap = (int32_t)n * 4 + 16, len = 0;
    UChar *u = malloc(sizeof(UChar) * (size_t)cap);
    char *utf8 = NULL;
    UErrorCode st = U_ZERO_ERROR;
    if (!u)
        return NULL;
    u_strFromUTF8WithSub(u, cap, &len, s, (int32_t)n, 0xFFFD, NULL, &st);
    if (U_FAILURE(st))
        goto out;
    int32_t limit = len;
    utrans_transUChars(t, u, &len, cap, 0, &limit, &st);
    if (U_FAILURE(st))
        goto out;
    int32_t need = 0;
    utf8 = malloc((size_t)len * 3 + 1);
    if (!utf8)
        goto out;
    u_strToUTF8(utf8, len * 3 + 1, &need, u, len, &st);
    if (U_FAILURE(st)) {
        free(utf8);
        utf8 = NULL;
        goto out;
    }
    *out_n = (size_t)need;
out:
    free(u);
    return utf8;
}

/* The transliteration of s[0..n): from the memo, or ICU's (then kept).
 * *out_n bytes that stay valid until the thread's next call; NULL when ICU
 * cannot. */
static const char *transliterate(const char *s, size_t n, size_t *out_n, char **owned)
{
    *owned = NULL;
    translit_state *ts = translit_get();
    if (!ts)
        return NULL;
    memo_slot *m = n <= MEMO_MAX_INPUT ? &ts->memo[memo_index(s, n)] : NULL;
    if (m && m->bytes && m->in_n == n && memcmp(m->bytes, s, n) == 0) {
        *out_n = m->out_n;
        return m->bytes + n;
    }
    size_t tn = 0;
    char *t = icu_transliterate(ts->t, s, n, &tn);
    if (!t || !m) {
        *out_n = tn;
        return *owned = t;
    }
    char *kept = realloc(m->bytes, n + tn);
    if (!kept) {
        *out_n = tn;
        return *owned = t;
    }
    memcpy(kept, s, n);
    memcpy(kept + n, t, tn);
    free(t);
    *m = (memo_slot){kept, (uint32_t)n, (uint32_t)tn};
    *out_n = tn;
    return kept + n;
}

/* ---- the ASCII pass ---------------------------------------------------------- */

static inline bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static char unleet(unsigned char c)
{
    switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '8': return 'b';
    case '@': return 'a';
    case '$': return 's';
    default: return (char)c;
    }
}

static size_t ascii_pass(const char *s, size_t n, char *out, size_t cap, unsigned flags)
{
    bool leet = flags & BW_NORM_LEET;
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        bool word = is_alpha(c) || is_digit(c) || (leet && (c == '@' || c == '$'));
        if (!word) {
            i++;
            continue;
        }
        size_t start = i;
        bool letter = false;
        while (i < n) {
            c = (unsigned char)s[i];
            if (is_alpha(c))
                letter = true;
            else if (!is_digit(c) && !(leet && (c == '@' || c == '$')))
                break;
            i++;
        }
        size_t wl = i - start, need = wl + (o > 0);
        if (o + need + 1 > cap)
            break; /* cut at a word boundary */
        if (o > 0)
            out[o++] = ' ';
        bool seen_letter = false; /* "50g", "4k": a number with its unit stays */
        for (size_t k = start; k < i; k++) {
            c = (unsigned char)s[k];
            if (is_alpha(c)) {
                out[o++] = (char)(c | 0x20);
                seen_letter = true;
            } else if (leet && letter && (seen_letter || !is_digit(c)))
                out[o++] = unleet(c);
            else if (is_digit(c))
                out[o++] = (char)c;
            /* '@' / '$' in a word without letters: dropped */
        }
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

static size_t norm_text(const char *s, size_t n, char *out, size_t cap, unsigned flags);

/* "r e p l i c a", "t.a.s.e.r", "3 - M M C": a word spelled out letter by
 * letter becomes the word again ("replica", "taser", "3 mmc").  Runs of
 * three or more one-letter words are joined; in place, out shrinks. */
static size_t join_spelled(char *out, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n) {
        size_t run = 0, j = i;
        /* count one-letter words starting at i: "x " or "x" at the end */
        while (j < n && ((out[j] | 0x20) >= 'a' && (out[j] | 0x20) <= 'z') && (j + 1 == n || out[j + 1] == ' ')) {
            run++;
            j += 2;
        }
        if (run >= 3) {
            for (size_t k = 0; k < run; k++)
                out[o++] = out[i + 2 * k];
            i += 2 * run;         /* past the run's trailing space (or the end) */
            if (i <= n && i > 0 && o > 0 && i - 1 < n && out[i - 1] == ' ')
                out[o++] = ' ';
            continue;
        }
        /* copy one word and its space */
        while (i < n && out[i] != ' ')
            out[o++] = out[i++];
        if (i < n)
            out[o++] = out[i++];
    }
    if (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

size_t bw_norm_text(const char *s, size_t n, char *out, size_t cap, unsigned flags)
{
    size_t len = norm_text(s, n, out, cap, flags);
    return flags & BW_NORM_LEET && cap ? join_spelled(out, len) : len;
}

static size_t norm_text(const char *s, size_t n, char *out, size_t cap, unsigned flags)
{
    if (cap == 0)
        return 0;
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) {
            ascii = false;
            break;
        }
    if (ascii)
        return ascii_pass(s, n, out, cap, flags);
    size_t tn = 0;
    char *owned;
    const char *t = transliterate(s, n, &tn, &owned);
    size_t r = t ? ascii_pass(t, tn, out, cap, flags) : ascii_pass(s, n, out, cap, flags);
    free(owned);
    return r;
}

size_t bw_norm_squeeze(const char *norm, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        if (norm[i] != ' ')
            out[o++] = norm[i];
    out[o] = '\0';
    return o;
}
