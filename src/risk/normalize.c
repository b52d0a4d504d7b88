/*
 * normalize.c - the normalized text form of normalize.h.
 *
 * Two passes: ICU transliteration to Latin ASCII, only when the input has a
 * byte >= 0x80, then one ASCII pass that lower-cases, turns every run of
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

static pthread_key_t translit_key;
static pthread_once_t translit_once = PTHREAD_ONCE_INIT;

static void translit_close(void *t) { utrans_close((UTransliterator *)t); }
static void translit_key_make(void) { pthread_key_create(&translit_key, translit_close); }

static UTransliterator *translit_get(void)
{
    pthread_once(&translit_once, translit_key_make);
    UTransliterator *t = pthread_getspecific(translit_key);
    if (t)
        return t;
    static const char id[] = "NFKC; Any-Latin; Latin-ASCII";
    UChar uid[sizeof id];
    u_uastrcpy(uid, id);
    UErrorCode st = U_ZERO_ERROR;
    t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st))
        return NULL;
    pthread_setspecific(translit_key, t);
    return t;
}

/* Transliterates UTF-8 s[0..n) into a malloc'd UTF-8 string (*out_n bytes),
 * or NULL when ICU cannot (the caller then drops the non-ASCII bytes). */
static char *transliterate(const char *s, size_t n, size_t *out_n)
{
    UTransliterator *t = translit_get();
    if (!t || n > (1u << 20))
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
    char *t = transliterate(s, n, &tn);
    size_t r = t ? ascii_pass(t, tn, out, cap, flags) : ascii_pass(s, n, out, cap, flags);
    free(t);
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
