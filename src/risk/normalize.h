/*
 * normalize.h - one normalized form for every text the risk detectors
 * compare (goods descriptions, list terms, names, addresses).
 *
 * The form: ASCII, lower case, letters and digits only, words separated by
 * one space, no leading or trailing space.  Text in other scripts is
 * transliterated to Latin with ICU ("NFKC; Any-Latin; Latin-ASCII"), so
 * "Ｃｏｃａｉｎｅ", "Kokaïne", "кокаин" and "可卡因" all become Latin words
 * that can meet a list term normalized the same way.  ASCII input (the
 * common case) never reaches ICU: transliteration costs microseconds, the
 * ASCII pass nanoseconds.
 *
 * With BW_NORM_LEET, the usual digit-for-letter obfuscations are undone in
 * words that also contain a letter ("v1agra", "c0caine", "@" and "$"
 * inside words), while numbers stay numbers ("iphone 15", "ak 47").
 * It also joins words spelled out letter by letter: three or more
 * one-letter words in a row become one word ("r e p l i c a" ->
 * "replica", "3 - M M C" -> "3 mmc").
 * Both sides of a comparison must use the same flags.
 */
#ifndef BW_NORMALIZE_H
#define BW_NORMALIZE_H

#include <stddef.h>

enum { BW_NORM_LEET = 1 };

/* Normalizes s[0..n) into out (capacity cap >= 1, always NUL-terminated;
 * longer output is cut at a word boundary when possible).  Returns the
 * length written.  Invalid UTF-8 bytes count as separators.  Thread-safe:
 * each thread gets its own transliterator on first non-ASCII use. */
size_t bw_norm_text(const char *s, size_t n, char *out, size_t cap, unsigned flags);

/* The normalized text without its spaces ("c o c a i n e" -> "cocaine"),
 * for matching text spelled out with separators.  in may equal out. */
size_t bw_norm_squeeze(const char *norm, size_t n, char *out, size_t cap);

#endif
