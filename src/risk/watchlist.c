/*
 * watchlist.c - known offenders compared with a declaration's seller and
 * buyer (watchlist.h; file format and matching rules in
 * data/watchlist/README.md).
 *
 * The budget is about a microsecond per declaration with 100,000 listed
 * entries, so nothing is compared with every entry.  Each entry is filed
 * in one hash index under keys:
 *
 *   email, phone, identifier   the normalized value (exact matches);
 *   name                       the whole normalized name, each word's key
 *                              (its sound skeleton, "mohammed", "muhammad"
 *                              -> "mhmt", or for short words the word) and
 *                              each unordered pair of word keys, so that
 *                              word order does not matter and common words
 *                              ("ivan", "wang") still find their entry
 *                              through their pair;
 *   address                    each number of two characters or more
 *                              (house number, postcode).
 *
 * Entries with the same normalized name share one compact record of its
 * words (a "blob"), so a common name is scored once.  A declared name
 * looks its whole text up first (listed as declared: score 100), then its
 * pairs and its rarer words; the few names found are scored by aligning
 * words order-independently (identical words, then words that sound
 * alike, then Jaro-Winkler) and the best listed on the day is reported
 * when it reaches the rules' threshold.  A bit filter in front of the
 * index answers "not listed", the common case, from the cache.
 *
 * Text is normalized by bw_watch_norm: exactly normalize.h's form, with a
 * table for accented Latin so that ICU runs only for other scripts.
 * Names in Russian are first spelt as English writes them, and Han names
 * keep the given name in one word, as declarations in Latin script do.
 */
#include "watchlist.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#define XXH_INLINE_ALL /* short keys: a call would cost more than the hash */
#include <xxhash.h>

#include "../core/tsv.h"
#include "../reference/refdata.h"
#include "normalize.h"

#define HEADER "id\tkind\tname\taddress\tcountry\temail\tphone\tidentifier\treason\tlisted_from\tlisted_to"
#define N_FIELDS 11
#define FIELD_MAX 512      /* bytes in one field of a list */
#define ID_MAX 64          /* bytes in an entry id */
#define TEXT_MAX 512       /* normalized name or address kept */
#define NAME_WORDS 8       /* words of a name compared */
#define PAIR_WORDS 6       /* words of a name indexed in pairs (15 pairs) */
#define ADDR_WORDS 16      /* words of an address compared */
#define PHONE_DIGITS 9     /* phones agree when their last nine digits do */
#define IDENT_MIN 4        /* shorter identifiers would match by chance */
#define RARE_WORD 8        /* a word of more listed names finds them only through pairs */
#define RARE_NUMBER 64     /* an address number listed more often is not looked up */
#define MAX_CANDIDATES 256 /* entries scored per declared name or address */

/* How alike two different words are (0..1): words with the same sound
 * skeleton ("mohammed", "muhammad") SAME_SOUND, short words with the same
 * short form ("ali", "aly") SAME_SHORT, others of similar length their
 * Jaro-Winkler similarity when it reaches WORD_MIN ("ahmed", "ahmad"),
 * else 0. */
#define WORD_MIN 0.88
#define SAME_SOUND 0.90
#define SAME_SHORT 0.95
/* Unmatched words of the longer name count this much against the score
 * once two words match: a missing middle name or second surname is
 * common; a company's extra word ("Sunrise Textiles" for "Sunrise") tells
 * companies apart more often; an address declares city and postcode that
 * the list may not. */
#define EXTRA_PERSON 0.25
#define EXTRA_COMPANY 0.75
#define EXTRA_ADDRESS 0.25

enum { K_NAME, K_ADDRESS, K_EMAIL, K_PHONE, K_ID, K_COUNT };
static const char *const KIND_NAMES[K_COUNT] = {"name", "address", "email", "phone", "id"};

/* Hash seeds keep the kinds of keys apart in the one index. */
enum { SEED_WORD = 11, SEED_EMAIL, SEED_PHONE, SEED_IDENT, SEED_ENTRY, SEED_LEGAL, SEED_TEXT };

/* ---- the stored form ------------------------------------------------------------ */

/* One word of a normalized text. */
typedef struct wl_word {
    uint32_t key;      /* hash of the sound skeleton, the short form, or the digits */
    uint16_t off;      /* in the text */
    uint8_t len;
    uint8_t flags;     /* WF_* */
} wl_word;

enum {
    WF_NUMBER = 1,     /* has a digit: matches exactly or not at all */
    WF_STRONG = 2,     /* a skeleton of three consonants or more: sound alike is alike enough */
};

/* A normalized name or address and its words. */
typedef struct wl_text {
    const char *text;
    const wl_word *w;
    uint32_t n;
    uint32_t initials; /* bit per skeleton first letter (a-z, 26 = digit) */
} wl_text;

/* A stored name or address in the list's blob pool, compact so that
 * scoring a candidate reads a cache line or two: the words, then the
 * text.  Entries with the same normalized name share one. */
typedef struct wl_blob {
    uint32_t first;    /* names: the entries with this name, first index + 1 (linked by wl_rec.next) */
    uint32_t initials;
    uint16_t len;      /* text bytes */
    uint8_t n;         /* words */
    uint8_t pad;
    wl_word w[];       /* then the text, NUL-terminated */
} wl_blob;

#define NO_BLOB UINT32_MAX

typedef struct wl_rec {
    bw_watch_entry e;  /* as listed; strings in the list's arena */
    uint32_t name, addr; /* blob offsets, NO_BLOB when absent */
    uint32_t next;     /* the next entry with the same name, index + 1 */
    const char *email; /* normalized, NULL absent */
    const char *ident; /* normalized, NULL absent */
    char phone[PHONE_DIGITS + 1]; /* last digits, "" absent */
    char country[3];
} wl_rec;

typedef struct wl_slot {
    uint64_t h;        /* 0: empty */
    uint32_t off;      /* postings pool[off .. off+n), room for pow2ceil(n) */
    uint32_t n : 24;
    uint32_t cls : 8;  /* KC_* */
} wl_slot;

/* Classes of keys, for the filter in front of the index: checks ask
 * for words, numbers and exact values, never for the others. */
enum {
    KC_COLD,           /* entry ids: only adding entries asks */
    KC_WORD,           /* one name word: asked for when listed RARE_WORD times or fewer */
    KC_NUMBER,         /* an address number: asked for when listed RARE_NUMBER times or fewer */
    KC_EXACT,          /* whole names, pairs of name words, emails, phones, identifiers */
};

/* What a key finds: an entry's index, or for name words a name blob. */
typedef struct wl_post {
    uint32_t rec;      /* entry index, or name blob offset */
    uint32_t initials; /* the name's initials, to skip hopeless candidates */
} wl_post;

typedef struct wl_rules {
    bool loaded;
    int min_score[K_COUNT];     /* name and address */
    int points[K_COUNT];
    int name_alone;             /* points of a name match nothing else backs */
    bool have_name_alone;
    bw_lane lane[K_COUNT];
    bool have_min[K_COUNT], have_points[K_COUNT];
    uint64_t *legal;            /* sorted hashes of legal-form words */
    size_t n_legal;
    uint64_t legal_ends[16];    /* bit (first letter & 31) * 32 + (last & 31) of each */
    char **dotless;             /* mail domains whose local part ignores dots */
    size_t n_dotless;
    char **alias;               /* domain, the domain it is, domain, ...: n_alias strings */
    size_t n_alias;
} wl_rules;

struct bw_watchlist {
    wl_rules rules;
    wl_rec *recs;
    size_t n_recs, cap_recs;
    wl_slot *slots;
    uint32_t mask;     /* slot count - 1 */
    size_t n_keys;
    wl_post *pool;
    size_t pool_n, pool_cap;
    uint64_t *filter;  /* two bits per key a check may ask for; built when loaded */
    uint32_t fmask;    /* filter words - 1 */
    char *blobs;       /* wl_blob records, 4-byte aligned */
    size_t blobs_n, blobs_cap;
    bw_arena arena;    /* entries' strings */
};

/* ---- accented Latin without ICU ------------------------------------------------- */

/* What one code point becomes in the normalized form, learned from
 * bw_norm_text itself: "a<cp>a" normalized is "a" X "a", X is stored.
 * X = "" (a combining mark), " " (a separator) or letters. */
typedef struct fold_cp {
    char s[7];
    uint8_t ok;        /* X was learned; else the text goes to ICU */
} fold_cp;

#define FOLD_A_LO 0x80
#define FOLD_A_HI 0x370    /* Latin-1, Extended-A/B, IPA, modifiers, combining marks */
#define FOLD_B_LO 0x1E00
#define FOLD_B_HI 0x1F00   /* Latin Extended Additional (Vietnamese) */
#define FOLD_N ((FOLD_A_HI - FOLD_A_LO) + (FOLD_B_HI - FOLD_B_LO))

static fold_cp fold_tab[FOLD_N];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static int fold_index(uint32_t cp)
{
    if (cp >= FOLD_A_LO && cp < FOLD_A_HI)
        return (int)(cp - FOLD_A_LO);
    if (cp >= FOLD_B_LO && cp < FOLD_B_HI)
        return (int)(FOLD_A_HI - FOLD_A_LO + cp - FOLD_B_LO);
    return -1;
}

static size_t utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

static void fold_learn(uint32_t cp, fold_cp *f)
{
    char in[8], out[32];
    size_t n = 1;
    in[0] = 'a';
    n += utf8_put(cp, in + 1);
    in[n++] = 'a';
    size_t r = bw_norm_text(in, n, out, sizeof out, 0);
    if (r < 2 || r - 2 >= sizeof f->s || out[0] != 'a' || out[r - 1] != 'a')
        return;
    for (size_t i = 1; i + 1 < r; i++)
        if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') || out[i] == ' '))
            return;
    memcpy(f->s, out + 1, r - 2);
    f->s[r - 2] = 0;
    f->ok = 1;
}

static void fold_build(void)
{
    for (uint32_t cp = FOLD_A_LO; cp < FOLD_A_HI; cp++)
        fold_learn(cp, &fold_tab[fold_index(cp)]);
    for (uint32_t cp = FOLD_B_LO; cp < FOLD_B_HI; cp++)
        fold_learn(cp, &fold_tab[fold_index(cp)]);
}

/* Decodes one 2- or 3-byte UTF-8 sequence at s (n bytes left); 0 when it is
 * something else (4-byte, invalid), which sends the text to ICU. */
static size_t utf8_get(const unsigned char *s, size_t n, uint32_t *cp)
{
    if ((s[0] & 0xE0) == 0xC0 && n >= 2 && (s[1] & 0xC0) == 0x80 && s[0] >= 0xC2) {
        *cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return *cp >= 0x800 ? 3 : 0;
    }
    return 0;
}

/* s folded to ASCII through the table into tmp; 0 when some character is
 * not in it (or tmp is too small). */
static size_t fold_latin(const char *s, size_t n, char *tmp, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            if (o + 1 >= cap)
                return 0;
            tmp[o++] = (char)u[i++];
            continue;
        }
        uint32_t cp;
        size_t k = utf8_get(u + i, n - i, &cp);
        int x = k ? fold_index(cp) : -1;
        if (x < 0 || !fold_tab[x].ok)
            return 0;
        size_t l = strlen(fold_tab[x].s);
        if (o + l + 1 >= cap)
            return 0;
        memcpy(tmp + o, fold_tab[x].s, l);
        o += l;
        i += k;
    }
    return o;
}

static bool in_range(unsigned c, unsigned lo, unsigned n) { return c - lo < n; }

/* Where the words of a normalized text are, found while normalizing. */
enum { SPANS = 32 };
typedef struct wl_spans {
    uint16_t off[SPANS], len[SPANS];
    uint8_t digit[SPANS];
    uint32_t n;
} wl_spans;

static void span_add(wl_spans *sp, size_t off, size_t len, bool digit)
{
    if (sp->n < SPANS) {
        sp->off[sp->n] = (uint16_t)off;
        sp->len[sp->n] = (uint16_t)len;
        sp->digit[sp->n++] = digit;
    }
}

/* Each ASCII byte as it is normalized: a letter in lower case, a digit,
 * 0 for a separator; NOT_ASCII for bytes of other characters. */
#define NOT_ASCII 0x80
static unsigned char norm_tab[256];
static unsigned char lower_tab[256];  /* ASCII letters in lower case, other bytes as they are */
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void tab_build(void)
{
    for (unsigned c = 0; c < 256; c++)
        lower_tab[c] = (unsigned char)(in_range(c, 'A', 26) ? c | 0x20 : c);
    for (unsigned c = 0; c < 256; c++)
        norm_tab[c] = c >= 0x80 ? NOT_ASCII
                      : in_range(c, 'A', 26) ? (unsigned char)(c | 0x20)
                      : in_range(c, 'a', 26) || in_range(c, '0', 10) ? (unsigned char)c : 0;
}

/* ascii_norm when out may be too small: a word that does not fit ends the
 * text (the rest is still checked for ASCII). */
static size_t ascii_norm_cut(const char *s, size_t n, char *out, size_t cap, wl_spans *sp)
{
    size_t o = 0, i = 0;
    bool cut = false;
    sp->n = 0;
    while (i < n) {
        unsigned char t = norm_tab[(unsigned char)s[i]];
        if (t == NOT_ASCII)
            return (size_t)-1;
        if (!t || cut) {
            i++;
            continue;
        }
        size_t start = o + (o > 0), k = start;
        bool digit = false;
        for (; i < n && (t = norm_tab[(unsigned char)s[i]]) != 0 && t != NOT_ASCII; i++, k++) {
            if (k + 1 < cap)
                out[k] = (char)t;
            digit |= t <= '9';
        }
        if (k + 1 > cap) {
            cut = true;
            continue;
        }
        if (o > 0)
            out[o] = ' ';
        span_add(sp, start, k - start, digit);
        o = k;
    }
    out[o] = 0;
    return o;
}

/* bw_norm_text(s, n, out, cap, 0) of ASCII text, in one pass: runs of
 * letters and digits, lower case, one space between, cut at a word
 * boundary; the words in *sp.  (size_t)-1 when s is not all ASCII.
 * Checks run it on every name and address, so it does no more; out
 * (cap >= 1) is large enough as a rule, which saves a test per byte. */
static size_t ascii_norm(const char *s, size_t n, char *out, size_t cap, wl_spans *sp)
{
    if (n + 2 > cap)
        return ascii_norm_cut(s, n, out, cap, sp);
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    sp->n = 0;
    for (;;) {
        unsigned t = 0;
        while (i < n && (t = norm_tab[u[i]]) == 0)
            i++;
        if (i == n)
            break;
        if (t == NOT_ASCII)
            return (size_t)-1;
        if (o)
            out[o++] = ' ';
        size_t start = o;
        unsigned letters = 0x40; /* letters have bit 6, digits not */
        for (; i < n && (t = norm_tab[u[i]]) - 1u < NOT_ASCII - 1u; i++) {
            out[o++] = (char)t;
            letters &= t;
        }
        span_add(sp, start, o - start, !letters);
    }
    out[o] = 0;
    return o;
}

/* The spans of an already normalized text. */
static void spans_of(const char *text, size_t n, wl_spans *sp)
{
    sp->n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        bool digit = false;
        for (; j < n && text[j] != ' '; j++)
            digit |= in_range((unsigned char)text[j], '0', 10);
        span_add(sp, i, j - i, digit);
        i = j;
    }
}

/* bw_watch_norm, and where its words are. */
static size_t norm_words(const char *s, size_t n, char *out, size_t cap, wl_spans *sp)
{
    pthread_once(&tab_once, tab_build);
    size_t r = ascii_norm(s, n, out, cap, sp);
    if (r != (size_t)-1)
        return r;
    pthread_once(&fold_once, fold_build);
    char tmp[2048];
    size_t t = fold_latin(s, n, tmp, sizeof tmp);
    if (t)
        return ascii_norm(tmp, t, out, cap, sp);
    r = bw_norm_text(s, n, out, cap, 0);
    spans_of(out, r, sp);
    return r;
}

/* Whether s is a name written in 2 to 4 Han characters and nothing else
 * ("王建国"): family name, then a given name of one or two syllables. */
static bool han_name(const char *s, size_t n)
{
    if (n < 6 || n > 12 || n % 3)
        return false;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t cp;
        if (utf8_get((const unsigned char *)s + i, n - i, &cp) != 3 || !(in_range(cp, 0x3400, 0x6C00) ||
                                                                       in_range(cp, 0xF900, 0x200)))
            return false;
    }
    return true;
}

/* The Russian alphabet as English spells it (BGN/PCGN without its
 * diacritics), from U+0410 (А) to U+042F (Я).  ICU's scholarly
 * transliteration differs where it matters ("Кузнецов" -> "kuznecov",
 * "Сергей" -> "sergej", "Ольга" -> "ol ga") from what declarations write
 * ("Kuznetsov", "Sergey", "Olga"), so names in Russian are spelt so
 * before normalizing; being ASCII then, they also skip ICU. */
static const char *const RUSSIAN[] = {
    "a", "b", "v", "g", "d", "e", "zh", "z",   /* А Б В Г Д Е Ж З */
    "i", "y", "k", "l", "m", "n", "o", "p",    /* И Й К Л М Н О П */
    "r", "s", "t", "u", "f", "kh", "ts", "ch", /* Р С Т У Ф Х Ц Ч */
    "sh", "shch", "", "y", "", "e", "yu", "ya", /* Ш Щ Ъ Ы Ь Э Ю Я */
};
_Static_assert(sizeof RUSSIAN / sizeof RUSSIAN[0] == 32, "А to Я");

/* The English spelling of a Russian letter (either case, and ё), or
 * NULL for anything else. */
static const char *russian(uint32_t cp)
{
    if (cp == 0x401 || cp == 0x451)
        return "yo";
    if (cp >= 0x430 && cp <= 0x44F)
        cp -= 0x20; /* lower case to upper */
    return cp >= 0x410 && cp <= 0x42F ? RUSSIAN[cp - 0x410] : NULL;
}

/* s with Russian letters spelt as English writes them, into out (cap
 * bytes); false when s has none (or out is too small). */
static bool russian_spelling(const char *s, size_t n, char *out, size_t cap, size_t *out_n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    bool changed = false;
    if (!memchr(s, 0xD0, n) && !memchr(s, 0xD1, n))
        return false; /* no Cyrillic letter (U+0400-047F) */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = u[i] >= 0x80 ? utf8_get(u + i, n - i, &cp) : 0;
        const char *e = k == 2 ? russian(cp) : NULL;
        size_t len = e ? strlen(e) : k ? k : 1;
        if (o + len >= cap)
            return false;
        memcpy(out + o, e ? e : s + i, len);
        o += len;
        i += k ? k : 1;
        changed |= e != NULL;
    }
    *out_n = o;
    return changed;
}

/* A name as compared: normalized, Russian letters spelt as English
 * does, and a Han name as its family name and its given name in one word
 * ("wang jian guo" -> "wang jianguo"), as Latin script writes it. */
static size_t name_norm(const char *s, size_t n, char *out, size_t cap, wl_spans *sp)
{
    char en[3 * TEXT_MAX];
    size_t en_n;
    if (n < TEXT_MAX && russian_spelling(s, n, en, sizeof en, &en_n))
        return norm_words(en, en_n, out, cap, sp);
    size_t len = norm_words(s, n, out, cap, sp);
    if (sp->n < 3 || !han_name(s, n))
        return len;
    size_t o = sp->off[1];
    for (size_t i = o; i < len; i++)
        if (out[i] != ' ')
            out[o++] = out[i];
    out[o] = 0;
    spans_of(out, o, sp);
    return o;
}

size_t bw_watch_norm(const char *s, size_t n, char *out, size_t cap)
{
    wl_spans sp;
    return cap ? norm_words(s, n, out, cap, &sp) : 0;
}

/* ---- words and their sound ------------------------------------------------------------ */

static bool vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }
/* The sound class of the consonant(s) at s[i]; *step letters consumed.
 * Looks a few letters ahead without bounds: a word is always followed by
 * a space or the NUL of its text, and no digraph is matched across one.
 * 0: silent here.  Classes merge what transliterations mix up: v/w/f/ph,
 * c/k/q/ck, s/z/soft c, d/t, sh/sch/ch/tch, zh/j/dj, kh/h, n/ng. */
static char sound(const char *s, size_t i, size_t *step)
{
    char c = s[i], c1 = s[i + 1], c2 = c1 ? s[i + 2] : 0;
    *step = 1;
    switch (c) {
    case 'p': if (c1 == 'h') { *step = 2; return 'f'; } return 'p';
    case 'v': case 'w': case 'f': return 'f';
    case 'q': return 'k';
    case 'k': if (c1 == 'h') { *step = 2; return 'h'; } return 'k';
    case 'g': if (c1 == 'h') *step = 2; return 'g';
    case 'z': if (c1 == 'h') { *step = 2; return 'j'; } return 's';
    case 'j': return 'j';
    case 'h': return vowel(c1) ? 'h' : 0; /* "sarah", "ahmed": silent */
    case 'c':
        if (c1 == 'h') { *step = 2; return c2 == 'r' || c2 == 'l' ? 'k' : 'x'; }
        if (c1 == 'k') { *step = 2; return 'k'; }
        return c1 == 'e' || c1 == 'i' || c1 == 'y' ? 's' : 'k';
    case 's':
        if (c1 == 'c' && c2 == 'h') { *step = 3; return 'x'; }
        if (c1 == 'h') { *step = 2; return 'x'; }
        return 's';
    case 't':
        if (c1 == 'h') { *step = 2; return 't'; }
        if (c1 == 'c' && c2 == 'h') { *step = 3; return 'x'; }
        if (c1 == 's' && c2 == 'c' && s[i + 3] == 'h') { *step = 4; return 'x'; }
        if (c1 == 'z' || c1 == 's') { *step = 2; return 's'; }
        return 't';
    case 'd':
        if (c1 == 'j') { *step = 2; return 'j'; }
        if (c1 == 'z' && c2 == 'h') { *step = 3; return 'j'; }
        return 't';
    case 'n': if (c1 == 'g') *step = 2; return 'n'; /* "fang", "zhang": one sound */
    default: return c;  /* b l m r */
    }
}

/* The consonant skeleton of a lower-case word into out (room for 2n+1):
 * the first letter's class (a vowel as it is), then consonant classes,
 * vowels dropped, a class repeated without a vowel between written once.
 * Returns its length; *consonants counts the consonant classes. */
static size_t skeleton(const char *s, size_t n, char *out, unsigned *consonants)
{
    size_t o = 0;
    bool gap = false;
    *consonants = 0;
    for (size_t i = 0, step; i < n; i += step) {
        step = 1;
        if (vowel(s[i])) {
            if (i == 0)
                out[o++] = s[0];
            gap = true;
            continue;
        }
        bool ks = s[i] == 'x' && i > 0; /* "alexander"; a first x is one sound ("xavier", pinyin "xin") */
        char k = ks ? 'k' : s[i] == 'x' ? 's' : sound(s, i, &step);
        for (int part = 0; k && part < 2; part++) {
            if (o == 0 || out[o - 1] != k || gap) {
                out[o++] = k;
                (*consonants)++;
            }
            gap = false;
            k = ks && part == 0 ? 's' : 0;
        }
    }
    out[o] = 0;
    return o;
}

static uint32_t initial_bit(char c)
{
    return c >= 'a' && c <= 'z' ? 1u << (c - 'a') : 1u << 26;
}

/* The spelling a short word is known by: y after the first letter as i,
 * doubled letters once ("aly" -> "ali", "lee" -> "le").  In short words
 * the vowels tell names apart ("zhou", "zhao", "zhu"; "fang", "feng";
 * "russo", "rossi"), so they keep them. */
static size_t short_form(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = i && s[i] == 'y' ? 'i' : s[i];
        if (!o || out[o - 1] != c)
            out[o++] = c;
    }
    return o;
}

/* Fills wd for the word text[off..off+len) (`digit`: it has one): its
 * key is the sound skeleton when that has three consonant sounds or more
 * ("mohammed", "muhammad" -> "mhmt"), else the short form. */
static void word_make(const char *text, size_t off, size_t len, bool digit, wl_word *wd, uint32_t *initials)
{
    const char *s = text + off;
    wd->off = (uint16_t)off;
    wd->len = (uint8_t)(len > 255 ? 255 : len);
    wd->flags = digit ? WF_NUMBER : 0;
    if (digit) {
        wd->key = (uint32_t)XXH3_64bits_withSeed(s, len, SEED_WORD);
        *initials |= 1u << 26;
        return;
    }
    char sk[2 * 256 + 1];
    unsigned cons;
    size_t k = skeleton(s, wd->len, sk, &cons);
    if (cons >= 3)
        wd->flags |= WF_STRONG;
    else
        k = short_form(s, wd->len, sk);
    wd->key = (uint32_t)XXH3_64bits_withSeed(sk, k, SEED_WORD);
    *initials |= initial_bit(sk[0]);
}

static unsigned ends_bit(const char *w, size_t n) { return (unsigned)(w[0] & 31) * 32 + (unsigned)(w[n - 1] & 31); }

/* Whether w[0..n) is one of the rules' legal-form words. */
static bool is_legal(const wl_rules *ru, const char *w, size_t n)
{
    unsigned e = ends_bit(w, n);
    if (!ru->n_legal || !(ru->legal_ends[e >> 6] >> (e & 63) & 1))
        return false; /* most words: no legal form starts and ends so */
    uint64_t h = XXH3_64bits_withSeed(w, n, SEED_LEGAL);
    size_t lo = 0, hi = ru->n_legal;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ru->legal[mid] == h)
            return true;
        if (ru->legal[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* A normalized text split into at most `max` words.  One-letter words
 * (initials, "a s" of "A.S.") and, in names, the rules' legal-form words
 * ("ltd", "gmbh") say nothing about who it is: they are dropped, unless
 * nothing else is left.  Returns the count. */
static uint32_t split_words(const char *text, const wl_spans *sp, const wl_rules *ru, bool name, wl_word *w,
                            uint32_t max, uint32_t *initials)
{
    bool drop[SPANS];
    uint32_t kept = 0, k = 0;
    for (uint32_t s = 0; s < sp->n; s++) {
        drop[s] = sp->len[s] == 1 && !sp->digit[s];
        if (!drop[s] && name && ru)
            drop[s] = is_legal(ru, text + sp->off[s], sp->len[s]);
        kept += !drop[s];
    }
    *initials = 0;
    for (uint32_t s = 0; s < sp->n && k < max; s++)
        if (!drop[s] || !kept)
            word_make(text, sp->off[s], sp->len[s], sp->digit[s], &w[k++], initials);
    return k;
}

/* ---- similarity ------------------------------------------------------------------------ */

/* Jaro-Winkler similarity of two short ASCII words (first 32 letters). */
static double jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > 32)
        la = 32;
    if (lb > 32)
        lb = 32;
    if (!la || !lb)
        return 0.0;
    size_t window = (la > lb ? la : lb) / 2;
    window = window ? window - 1 : 0;
    bool ma[32] = {0}, mb[32] = {0};
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > window ? i - window : 0, hi = i + window + 1 < lb ? i + window + 1 : lb;
        for (size_t j = lo; j < hi; j++)
            if (!mb[j] && a[i] == b[j]) {
                ma[i] = mb[j] = true;
                m++;
                break;
            }
    }
    if (!m)
        return 0.0;
    size_t t = 0;
    for (size_t i = 0, j = 0; i < la; i++) {
        if (!ma[i])
            continue;
        while (!mb[j])
            j++;
        t += a[i] != b[j];
        j++;
    }
    double md = (double)m;
    double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
    size_t prefix = 0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

/* An upper bound of jaro_winkler(a, b), cheaper than computing it: a
 * letter of one word that the other lacks can match nothing. */
static double jw_bound(const char *a, size_t la, const char *b, size_t lb)
{
    uint32_t ma = 0, mb = 0;
    size_t miss_a = 0, miss_b = 0, prefix = 0;
    for (size_t i = 0; i < la; i++)
        ma |= 1u << (a[i] & 31);
    for (size_t j = 0; j < lb; j++) {
        mb |= 1u << (b[j] & 31);
        miss_b += !(ma >> (b[j] & 31) & 1);
    }
    for (size_t i = 0; i < la; i++)
        miss_a += !(mb >> (a[i] & 31) & 1);
    size_t m = la - miss_a < lb - miss_b ? la - miss_a : lb - miss_b;
    if (!m || !la || !lb)
        return 0.0;
    double md = (double)m, jaro = (md / (double)la + md / (double)lb + 1.0) / 3.0;
    while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

/* How alike two words are, 0 (no match) to 1 (the same). */
static double word_sim(const char *ta, const wl_word *a, const char *tb, const wl_word *b)
{
    const char *sa = ta + a->off, *sb = tb + b->off;
    if (a->len == b->len && memcmp(sa, sb, a->len) == 0)
        return 1.0;
    if ((a->flags | b->flags) & WF_NUMBER)
        return 0.0;
    if (a->key == b->key) /* same sound, or a short word spelt alike */
        return a->flags & b->flags & WF_STRONG ? SAME_SOUND : SAME_SHORT;
    unsigned lo = a->len < b->len ? a->len : b->len, hi = a->len ^ b->len ^ lo;
    if (lo * 4 < hi * 3 || jw_bound(sa, a->len, sb, b->len) < WORD_MIN)
        return 0.0; /* "hao" is not "haoran": Jaro-Winkler rewards a shared start too much */
    double jw = jaro_winkler(sa, a->len, sb, b->len);
    return jw >= WORD_MIN ? jw : 0.0;
}

static double word_weight(const wl_word *w) { return w->len < 6 ? (double)w->len : 6.0; }

static bool same_text(const char *a, const char *b, size_t n)
{
    while (n && *a == *b)
        a++, b++, n--;
    return n == 0;
}

static bool same_word(const wl_text *a, const wl_word *x, const wl_text *b, const wl_word *y)
{
    return x->key == y->key && x->len == y->len && same_text(a->text + x->off, b->text + y->off, x->len);
}

/* Pairs the words left unpaired greedily, most similar first; adds to
 * *got (similarity x weight) and *full (weight).  Most words are like
 * none of the others, so only the pairs that are alike are kept. */
static unsigned pair_rest(const wl_text *a, const wl_text *b, bool *ua, bool *ub, double *got, double *full)
{
    enum { ALIKE = 64 };
    struct alike { double sim; uint8_t i, j; } al[ALIKE];
    unsigned n = 0, pairs = 0;
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; !ua[i] && j < b->n && n < ALIKE; j++) {
            double sim = ub[j] ? 0.0 : word_sim(a->text, &a->w[i], b->text, &b->w[j]);
            if (sim > 0)
                al[n++] = (struct alike){sim, (uint8_t)i, (uint8_t)j};
        }
    for (;;) {
        int best = -1;
        for (unsigned k = 0; k < n; k++)
            if (!ua[al[k].i] && !ub[al[k].j] && (best < 0 || al[k].sim > al[best].sim))
                best = (int)k;
        if (best < 0)
            return pairs;
        ua[al[best].i] = ub[al[best].j] = true;
        double w = (word_weight(&a->w[al[best].i]) + word_weight(&b->w[al[best].j])) / 2;
        *got += al[best].sim * w;
        *full += w;
        pairs++;
    }
}

/* Order-independent similarity of two word sets, 0-100: words paired
 * greedily by similarity (identical words first, which needs no
 * Jaro-Winkler); unmatched words of the side with fewer words count fully
 * against, those of the other side (extra middle names) at `extra` once
 * two words match. */
static int set_score(const wl_text *a, const wl_text *b, double extra)
{
    if (!a->n || !b->n)
        return 0;
    bool ua[ADDR_WORDS] = {0}, ub[ADDR_WORDS] = {0};
    double got = 0, full = 0, wa = 0, wb = 0;
    unsigned pairs = 0;
    for (uint32_t i = 0; i < a->n; i++)
        for (uint32_t j = 0; j < b->n; j++)
            if (!ub[j] && same_word(a, &a->w[i], b, &b->w[j])) {
                ua[i] = ub[j] = true;
                double w = word_weight(&a->w[i]);
                got += w;
                full += w;
                pairs++;
                break;
            }
    if (pairs < a->n && pairs < b->n)
        pairs += pair_rest(a, b, ua, ub, &got, &full);
    for (uint32_t i = 0; i < a->n; i++)
        wa += ua[i] ? 0 : word_weight(&a->w[i]);
    for (uint32_t j = 0; j < b->n; j++)
        wb += ub[j] ? 0 : word_weight(&b->w[j]);
    bool a_small = a->n < b->n || (a->n == b->n && wa <= wb);
    double small = a_small ? wa : wb, large = a_small ? wb : wa;
    double denom = full + small + (pairs >= 2 ? extra : 1.0) * large;
    int s = denom > 0 ? (int)(100.0 * got / denom) : 0;
    return s > 100 ? 100 : s;
}

int bw_watch_name_similarity(const char *a, const char *b)
{
    char na[TEXT_MAX], nb[TEXT_MAX];
    wl_word wa[NAME_WORDS], wb[NAME_WORDS];
    uint32_t ia, ib;
    wl_spans sa, sb;
    name_norm(a, strlen(a), na, sizeof na, &sa);
    name_norm(b, strlen(b), nb, sizeof nb, &sb);
    wl_text ta = {na, wa, split_words(na, &sa, NULL, true, wa, NAME_WORDS, &ia), ia};
    wl_text tb = {nb, wb, split_words(nb, &sb, NULL, true, wb, NAME_WORDS, &ib), ib};
    return set_score(&ta, &tb, EXTRA_PERSON);
}

/* ---- exact values ----------------------------------------------------------------------- */

static bool dotless_domain(const wl_rules *ru, const char *d, size_t n)
{
    for (size_t i = 0; i < ru->n_dotless; i++)
        if (strlen(ru->dotless[i]) == n && memcmp(ru->dotless[i], d, n) == 0)
            return true;
    return false;
}

/* An email as compared: trimmed, ASCII lower case, the "+tag" of the local
 * part cut, the domain's alias resolved, dots dropped from the local part
 * where the provider ignores them.  Returns the length, 0 when it is not an
 * address (no '@', nothing before it, no dot after it). */
static size_t email_norm(const wl_rules *ru, const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    const char *at_sign = n ? memrchr(s, '@', n) : NULL;
    if (!at_sign || at_sign == s || n + 1 > cap)
        return 0;
    const char *d = at_sign + 1;
    size_t dn = (size_t)(s + n - d);
    if (dn == 0 || !memchr(d, '.', dn))
        return 0;
    /* the domain in lower case, where it ends up if the local part keeps
     * every character (it can only get shorter) */
    char *dom = out + (d - s);
    for (size_t i = 0; i < dn; i++)
        dom[i] = (char)lower_tab[(unsigned char)d[i]];
    const char *canon = dom;
    for (size_t i = 0; i + 1 < ru->n_alias; i += 2)
        if (strlen(ru->alias[i]) == dn && memcmp(ru->alias[i], dom, dn) == 0) {
            canon = ru->alias[i + 1];
            dn = strlen(canon);
            break;
        }
    bool dotless = dotless_domain(ru, canon, dn);
    size_t o = 0;
    for (const char *p = s; p < at_sign && *p != '+'; p++)
        if (!dotless || *p != '.')
            out[o++] = (char)lower_tab[(unsigned char)*p];
    if (o == 0 || o + 1 + dn + 1 > cap)
        return 0;
    out[o++] = '@';
    memmove(out + o, canon, dn);
    o += dn;
    out[o] = 0;
    return o;
}

/* The last PHONE_DIGITS digits of a phone number into out; false when it
 * has fewer. */
static bool phone_norm(const char *s, size_t n, char out[PHONE_DIGITS + 1])
{
    size_t k = 0;
    for (size_t i = n; i-- > 0 && k < PHONE_DIGITS;)
        if (s[i] >= '0' && s[i] <= '9')
            out[PHONE_DIGITS - 1 - k++] = s[i];
    out[PHONE_DIGITS] = 0;
    return k == PHONE_DIGITS;
}

/* An identifier as compared: ASCII letters upper-cased and digits, nothing
 * else.  Returns the length (0 when cap is too small). */
static size_t ident_norm(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            continue;
        if (o + 1 >= cap)
            return 0;
        out[o++] = c;
    }
    out[o] = 0;
    return o;
}

/* ---- the index -------------------------------------------------------------------------- */

static uint64_t key_fix(uint64_t h) { return h ? h : 1; } /* 0 marks an empty slot */

/* A 64-bit finalizer (a bijection): keys of fixed size need no more. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t word_key(uint32_t k) { return key_fix(mix(k ^ 0x9e3779b97f4a7c15ull)); }
static uint64_t number_key(const wl_word *wd) { return key_fix(mix(wd->key ^ 0x6a09e667f3bcc909ull)); }

static uint64_t pair_key(uint32_t a, uint32_t b)
{
    uint64_t k = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
    return key_fix(mix(k ^ 0xbb67ae8584caa73bull));
}

/* The filter word of h and its two bits there: one cache line per key. */
static uint64_t filter_bits(uint64_t h) { return 1ull << (h & 63) | 1ull << ((h >> 6) & 63); }

static bool filter_has(const bw_watchlist *w, uint64_t h)
{
    uint64_t bits = filter_bits(h);
    return (w->filter[(h >> 32) & w->fmask] & bits) == bits;
}

static void filter_set(bw_watchlist *w, uint64_t h)
{
    w->filter[(h >> 32) & w->fmask] |= filter_bits(h);
}

/* Whether a check should look key s up. */
static bool asked(const wl_slot *s)
{
    return s->cls == KC_EXACT || (s->cls == KC_WORD && s->n <= RARE_WORD) ||
           (s->cls == KC_NUMBER && s->n <= RARE_NUMBER);
}

/* The slot of h whatever its class (for adding entries). */
static const wl_slot *index_find(const bw_watchlist *w, uint64_t h)
{
    if (!w->slots)
        return NULL;
    for (uint32_t i = (uint32_t)h & w->mask;; i = (i + 1) & w->mask) {
        if (w->slots[i].h == h)
            return &w->slots[i];
        if (!w->slots[i].h)
            return NULL;
    }
}

/* The slot of a key a check asks for, NULL when not listed. */
static const wl_slot *slot_find(const bw_watchlist *w, uint64_t h)
{
    return w->filter && !filter_has(w, h) ? NULL : index_find(w, h);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static bool rehash(bw_watchlist *w, size_t n)
{
    wl_slot *s = calloc(n, sizeof *s);
    if (!s)
        return false;
    uint32_t mask = (uint32_t)(n - 1);
    for (size_t i = 0; w->slots && i <= w->mask; i++) {
        if (!w->slots[i].h)
            continue;
        uint32_t j = (uint32_t)w->slots[i].h & mask;
        while (s[j].h)
            j = (j + 1) & mask;
        s[j] = w->slots[i];
    }
    free(w->slots);
    w->slots = s;
    w->mask = mask;
    return true;
}

/* The slot of h, created empty when new; NULL when out of memory.  At most
 * 70% full, so a probe reads a cache line or two. */
static wl_slot *slot_get(bw_watchlist *w, uint64_t h)
{
    size_t n = w->slots ? (size_t)w->mask + 1 : 0;
    if ((w->n_keys + 1) * 10 > n * 7 && !rehash(w, n ? n * 2 : 4096))
        return NULL;
    uint32_t i = (uint32_t)h & w->mask;
    while (w->slots[i].h && w->slots[i].h != h)
        i = (i + 1) & w->mask;
    if (!w->slots[i].h) {
        w->slots[i] = (wl_slot){h, 0, 0, KC_COLD};
        w->n_keys++;
    }
    return &w->slots[i];
}

static bool pow2(uint32_t n) { return (n & (n - 1)) == 0; }

/* Files rec under h (of class cls).  A key's postings stay contiguous:
 * when full (a power of two) they move to the end of the pool with twice
 * the room. */
static bool post(bw_watchlist *w, uint64_t h, unsigned cls, uint32_t rec, uint32_t initials)
{
    wl_slot *s = slot_get(w, h);
    if (!s || s->n == 0xFFFFFF)
        return false;
    s->cls = cls & 0xFF;
    if (s->n && w->pool[s->off + s->n - 1].rec == rec)
        return true; /* the same key twice in one entry */
    if (pow2(s->n)) {
        uint32_t room = s->n ? s->n * 2 : 1;
        if (w->pool_n + room > UINT32_MAX ||
            !grow((void **)&w->pool, &w->pool_cap, w->pool_n + room, sizeof *w->pool))
            return false;
        memmove(w->pool + w->pool_n, w->pool + s->off, s->n * sizeof *w->pool);
        s->off = (uint32_t)w->pool_n;
        w->pool_n += room;
    }
    w->pool[s->off + s->n++] = (wl_post){rec, initials};
    if (w->filter && asked(s))
        filter_set(w, h); /* a key that stops being asked stays: a wasted look-up, no more */
    return true;
}

/* The filter in front of the index: sixteen bits per key a check asks
 * for, two set per key in one 64-bit word, so that a value nobody listed
 * (the common case) costs one look at a table that stays in the cache,
 * not a probe of the index.  Some 1-2% of absent keys pass anyway. */
static bool filter_build(bw_watchlist *w)
{
    size_t keys = 0;
    for (size_t i = 0; w->slots && i <= w->mask; i++)
        keys += w->slots[i].h && asked(&w->slots[i]);
    size_t bits = 1u << 16;
    while (bits < keys * 16 && bits < (1u << 31))
        bits *= 2;
    free(w->filter);
    w->filter = NULL; /* slot_find must not use a half-built one */
    uint64_t *f = calloc(bits / 64, sizeof *f);
    if (!f)
        return false;
    w->filter = f;
    w->fmask = (uint32_t)(bits / 64 - 1);
    for (size_t i = 0; w->slots && i <= w->mask; i++)
        if (w->slots[i].h && asked(&w->slots[i]))
            filter_set(w, w->slots[i].h);
    return true;
}

/* Rewrites the pool without the holes the moves left. */
static bool compact(bw_watchlist *w)
{
    size_t need = 0;
    for (size_t i = 0; w->slots && i <= w->mask; i++)
        if (w->slots[i].n)
            need += pow2(w->slots[i].n) ? w->slots[i].n : 2u << (31 - __builtin_clz(w->slots[i].n));
    wl_post *p = malloc((need ? need : 1) * sizeof *p);
    if (!p)
        return false;
    size_t o = 0;
    for (size_t i = 0; w->slots && i <= w->mask; i++) {
        wl_slot *s = &w->slots[i];
        if (!s->n)
            continue;
        memcpy(p + o, w->pool + s->off, s->n * sizeof *p);
        s->off = (uint32_t)o;
        o += pow2(s->n) ? s->n : 2u << (31 - __builtin_clz(s->n));
    }
    free(w->pool);
    w->pool = p;
    w->pool_n = w->pool_cap = need ? need : 1;
    return true;
}

/* ---- the matching rules (rules.txt) ------------------------------------------------------ */

static int kind_index(const char *s)
{
    for (int k = 0; k < K_COUNT; k++)
        if (strcmp(KIND_NAMES[k], s) == 0)
            return k;
    return -1;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static bool add_str(char ***arr, size_t *n, const char *s)
{
    char **a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return false;
    *arr = a;
    a[*n] = strdup(s);
    return a[(*n)++] != NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const char *rule_legal(wl_rules *ru, char **arg, int n)
{
    for (int i = 0; i < n; i++) {
        char norm[128];
        size_t l = bw_watch_norm(arg[i], strlen(arg[i]), norm, sizeof norm);
        if (!l || memchr(norm, ' ', l))
            return "a legal form must be one word of letters or digits";
        uint64_t *p = realloc(ru->legal, (ru->n_legal + 1) * sizeof *p);
        if (!p)
            return "out of memory";
        ru->legal = p;
        p[ru->n_legal++] = XXH3_64bits_withSeed(norm, l, SEED_LEGAL);
        unsigned e = ends_bit(norm, l);
        ru->legal_ends[e >> 6] |= 1ull << (e & 63);
    }
    qsort(ru->legal, ru->n_legal, sizeof *ru->legal, cmp_u64);
    return NULL;
}

static bool lower_domain(const char *s)
{
    if (!*s || !strchr(s, '.'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* One directive; NULL or why it is wrong. */
static const char *rule_line(wl_rules *ru, char **a, int n)
{
    int k = n > 1 ? kind_index(a[1]) : -1, v;
    if (!strcmp(a[0], "min-score")) {
        if (n != 3 || (k != K_NAME && k != K_ADDRESS) || !parse_int(a[2], 1, 100, &v))
            return "expected: min-score name|address 1-100";
        ru->min_score[k] = v;
        ru->have_min[k] = true;
    } else if (!strcmp(a[0], "points") && n == 3 && !strcmp(a[1], "name-alone")) {
        if (!parse_int(a[2], -1000, 1000, &v))
            return "expected: points name-alone -1000..1000";
        ru->name_alone = v;
        ru->have_name_alone = true;
    } else if (!strcmp(a[0], "points")) {
        if (n != 3 || k < 0 || !parse_int(a[2], -1000, 1000, &v))
            return "expected: points name|address|email|phone|id -1000..1000";
        ru->points[k] = v;
        ru->have_points[k] = true;
    } else if (!strcmp(a[0], "lane")) {
        bw_lane l = n == 3 ? bw_lane_parse(a[2], strlen(a[2])) : BW_LANE_NONE;
        if (n != 3 || k < 0 || (l == BW_LANE_NONE && strcmp(a[2], "none") != 0))
            return "expected: lane name|address|email|phone|id green|blue|yellow|red|none";
        ru->lane[k] = l;
    } else if (!strcmp(a[0], "legal-form")) {
        return n < 2 ? "expected: legal-form WORD..." : rule_legal(ru, a + 1, n - 1);
    } else if (!strcmp(a[0], "mail-ignore-dots")) {
        for (int i = 1; i < n; i++)
            if (!lower_domain(a[i]) || !add_str(&ru->dotless, &ru->n_dotless, a[i]))
                return "expected: mail-ignore-dots DOMAIN... (lower case)";
        return n < 2 ? "expected: mail-ignore-dots DOMAIN..." : NULL;
    } else if (!strcmp(a[0], "mail-alias")) {
        if (n != 3 || !lower_domain(a[1]) || !lower_domain(a[2]) || !add_str(&ru->alias, &ru->n_alias, a[1]) ||
            !add_str(&ru->alias, &ru->n_alias, a[2]))
            return "expected: mail-alias DOMAIN SAME-AS-DOMAIN (lower case)";
    } else {
        return "unknown directive (min-score, points, lane, legal-form, mail-ignore-dots, mail-alias)";
    }
    return NULL;
}

static bool rules_load(wl_rules *ru, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return true; /* no rules: the list must stay empty (checked when adding) */
        snprintf(err, errlen, "%s: cannot read the watchlist rules: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL, *save, *a[64];
    size_t cap = 0;
    unsigned ln = 0;
    const char *why = NULL;
    for (int k = 0; k < K_COUNT; k++)
        ru->lane[k] = BW_LANE_NONE;
    while (!why && bw_tsv_next(f, &line, &cap, &ln)) {
        int n = 0;
        for (char *t = strtok_r(line, " \t", &save); t && n < 64; t = strtok_r(NULL, " \t", &save))
            a[n++] = t;
        if (n)
            why = n == 64 ? "too many words on one line" : rule_line(ru, a, n);
    }
    for (int k = 0; !why && k < K_COUNT; k++)
        if (!ru->have_points[k] || ((k == K_NAME || k == K_ADDRESS) && !ru->have_min[k])) {
            snprintf(err, errlen, "%s: \"points %s\"%s missing", path, KIND_NAMES[k],
                     k <= K_ADDRESS ? " or \"min-score\"" : "");
            free(line);
            fclose(f);
            return false;
        }
    if (why)
        snprintf(err, errlen, "%s:%u: %s", path, ln, why);
    free(line);
    fclose(f);
    ru->loaded = !why;
    return !why;
}

static void rules_free(wl_rules *ru)
{
    for (size_t i = 0; i < ru->n_dotless; i++)
        free(ru->dotless[i]);
    for (size_t i = 0; i < ru->n_alias; i++)
        free(ru->alias[i]);
    free(ru->dotless);
    free(ru->alias);
    free(ru->legal);
}

/* ---- entries ----------------------------------------------------------------------------- */

static bool present(const char *s) { return s && *s; }

static uint64_t entry_key(const char *id) { return key_fix(XXH3_64bits_withSeed(id, strlen(id), SEED_ENTRY)); }
static uint64_t text_key(const char *s, size_t n) { return key_fix(XXH3_64bits_withSeed(s, n, SEED_TEXT)); }
static uint64_t email_key(const char *s) { return key_fix(XXH3_64bits_withSeed(s, strlen(s), SEED_EMAIL)); }
static uint64_t phone_key(const char *s) { return key_fix(XXH3_64bits_withSeed(s, PHONE_DIGITS, SEED_PHONE)); }
static uint64_t ident_key(const char *s) { return key_fix(XXH3_64bits_withSeed(s, strlen(s), SEED_IDENT)); }

static bool listed(const wl_rec *r, bw_time when) { return r->e.listed_from <= when && when < r->e.listed_to; }

static bool id_taken(const bw_watchlist *w, const char *id)
{
    const wl_slot *s = index_find(w, entry_key(id));
    for (uint32_t i = 0; s && i < s->n; i++)
        if (strcmp(w->recs[w->pool[s->off + i].rec].e.id, id) == 0)
            return true;
    return false;
}

/* A name or address normalized into words; false when it has none. */
static uint32_t text_words(const bw_watchlist *w, const char *s, bool name, char *norm, wl_word *words,
                           uint32_t *initials)
{
    wl_spans sp;
    (name ? name_norm : norm_words)(s, strlen(s), norm, TEXT_MAX, &sp);
    return split_words(norm, &sp, &w->rules, name, words, name ? NAME_WORDS : ADDR_WORDS, initials);
}

static const char *check_strings(const bw_watch_entry *e)
{
    const char *const f[] = {e->id, e->name, e->address, e->country, e->email, e->phone, e->identifier, e->reason};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i] && (strlen(f[i]) > FIELD_MAX || !bw_utf8_valid(f[i], strlen(f[i]))))
            return "every field must be UTF-8 of at most 512 bytes";
    return NULL;
}

/* Why e cannot be listed, or NULL. */
static const char *entry_check(const bw_watchlist *w, const bw_watch_entry *e)
{
    char buf[TEXT_MAX];
    wl_word words[ADDR_WORDS];
    uint32_t ini;
    const char *why = check_strings(e);
    if (why)
        return why;
    if (!w->rules.loaded)
        return "no matching rules (watchlist/rules.txt of the data directory) to list entries with";
    if (!present(e->id) || strlen(e->id) > ID_MAX)
        return "id must be 1 to 64 bytes";
    if (id_taken(w, e->id))
        return "id is already listed";
    if (e->kind != BW_WATCH_PERSON && e->kind != BW_WATCH_COMPANY)
        return "kind must be person or company";
    if (present(e->country) && (strlen(e->country) != 2 || e->country[0] < 'A' || e->country[0] > 'Z' ||
                                e->country[1] < 'A' || e->country[1] > 'Z'))
        return "country must be empty or two capital letters (ISO 3166-1 alpha-2)";
    if (present(e->name) && !text_words(w, e->name, true, buf, words, &ini))
        return "name has no letters or digits";
    if (present(e->address) && !text_words(w, e->address, false, buf, words, &ini))
        return "address has no words";
    if (present(e->email) && !email_norm(&w->rules, e->email, strlen(e->email), buf, sizeof buf))
        return "email is not an address (local@domain.tld)";
    if (present(e->phone) && !phone_norm(e->phone, strlen(e->phone), buf))
        return "phone must have at least 9 digits";
    if (present(e->identifier) && ident_norm(e->identifier, strlen(e->identifier), buf, sizeof buf) < IDENT_MIN)
        return "identifier must have at least 4 letters or digits";
    if (!present(e->name) && !present(e->address) && !present(e->email) && !present(e->phone) &&
        !present(e->identifier))
        return "nothing to match on: name, address, email, phone and identifier are all empty";
    if (e->listed_to <= e->listed_from)
        return "listed_to must be after listed_from";
    return NULL;
}

static const char *keep(bw_arena *a, const char *s) { return present(s) ? bw_arena_strdup(a, s, strlen(s)) : NULL; }

static const wl_blob *blob_at(const bw_watchlist *w, uint32_t off) { return (const wl_blob *)(w->blobs + off); }

static wl_text blob_text(const wl_blob *b)
{
    return (wl_text){(const char *)(b->w + b->n), b->w, b->n, b->initials};
}

/* Stores the kept words of t as a blob (their text joined by spaces);
 * its offset, NO_BLOB when out of memory. */
static uint32_t blob_add(bw_watchlist *w, const wl_text *t)
{
    char text[TEXT_MAX];
    wl_word words[ADDR_WORDS];
    size_t len = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (i)
            text[len++] = ' ';
        words[i] = t->w[i];
        words[i].off = (uint16_t)len;
        memcpy(text + len, t->text + t->w[i].off, t->w[i].len);
        len += t->w[i].len;
    }
    size_t size = (sizeof(wl_blob) + t->n * sizeof(wl_word) + len + 1 + 3) & ~(size_t)3;
    if (w->blobs_n + size >= NO_BLOB || !grow((void **)&w->blobs, &w->blobs_cap, w->blobs_n + size, 1))
        return NO_BLOB;
    wl_blob *b = (wl_blob *)(w->blobs + w->blobs_n);
    *b = (wl_blob){0, t->initials, (uint16_t)len, (uint8_t)t->n, 0};
    memcpy(b->w, words, t->n * sizeof *words);
    memcpy((char *)(b->w + t->n), text, len);
    ((char *)(b->w + t->n))[len] = 0;
    uint32_t off = (uint32_t)w->blobs_n;
    w->blobs_n += size;
    return off;
}

/* The blob of a name already listed with the same words, or NO_BLOB. */
/* The kept words of t joined by spaces, as a name's blob holds them. */
static size_t name_text(const wl_text *t, char text[TEXT_MAX])
{
    size_t len = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (i)
            text[len++] = ' ';
        memcpy(text + len, t->text + t->w[i].off, t->w[i].len);
        len += t->w[i].len;
    }
    return len;
}

/* The blob of a listed name with exactly t's words (h: their text_key),
 * or NO_BLOB. */
static uint32_t name_find_key(const bw_watchlist *w, const wl_text *t, uint64_t h)
{
    const wl_slot *s = slot_find(w, h);
    if (!s)
        return NO_BLOB;
    char text[TEXT_MAX];
    size_t len = name_text(t, text);
    for (uint32_t i = 0; i < s->n; i++) {
        const wl_blob *b = blob_at(w, w->pool[s->off + i].rec);
        if (b->len == len && memcmp(b->w + b->n, text, len) == 0)
            return w->pool[s->off + i].rec;
    }
    return NO_BLOB;
}

static uint32_t name_find(const bw_watchlist *w, const wl_text *t)
{
    char text[TEXT_MAX];
    return name_find_key(w, t, text_key(text, name_text(t, text)));
}

/* The entry's copy: strings in the arena, normalized forms beside them.
 * *new_name: its name was not listed before (its words need indexing). */
static bool rec_fill(bw_watchlist *w, const bw_watch_entry *e, uint32_t idx, bool *new_name)
{
    char buf[TEXT_MAX];
    wl_word words[ADDR_WORDS];
    wl_rec *r = &w->recs[idx];
    bw_arena *a = &w->arena;
    memset(r, 0, sizeof *r);
    r->e = (bw_watch_entry){keep(a, e->id), e->kind, keep(a, e->name), keep(a, e->address), keep(a, e->country),
                            keep(a, e->email), keep(a, e->phone), keep(a, e->identifier), keep(a, e->reason),
                            e->listed_from, e->listed_to};
    r->name = r->addr = NO_BLOB;
    *new_name = false;
    if (present(e->name)) {
        wl_text t = {buf, words, 0, 0};
        t.n = text_words(w, e->name, true, buf, words, &t.initials);
        r->name = name_find(w, &t);
        if (r->name == NO_BLOB) {
            *new_name = true;
            if ((r->name = blob_add(w, &t)) == NO_BLOB)
                return false;
        }
        wl_blob *b = (wl_blob *)(w->blobs + r->name);
        r->next = b->first;
        b->first = idx + 1;
    }
    if (present(e->address)) {
        wl_text t = {buf, words, 0, 0};
        t.n = text_words(w, e->address, false, buf, words, &t.initials);
        if ((r->addr = blob_add(w, &t)) == NO_BLOB)
            return false;
    }
    if (present(e->email)) {
        size_t n = email_norm(&w->rules, e->email, strlen(e->email), buf, sizeof buf);
        r->email = bw_arena_strdup(a, buf, n);
    }
    if (present(e->identifier)) {
        size_t n = ident_norm(e->identifier, strlen(e->identifier), buf, sizeof buf);
        r->ident = bw_arena_strdup(a, buf, n);
    }
    if (present(e->phone))
        phone_norm(e->phone, strlen(e->phone), r->phone);
    if (present(e->country))
        memcpy(r->country, e->country, 2);
    return true;
}

/* Files a new name's blob under its text (to find it again), its words
 * and its pairs of words. */
static bool index_name(bw_watchlist *w, uint32_t off)
{
    const wl_blob *b = blob_at(w, off);
    wl_text t = blob_text(b);
    uint32_t ini = b->initials;
    bool ok = post(w, text_key(t.text, b->len), KC_EXACT, off, ini);
    for (uint32_t a = 0; ok && a < t.n; a++) {
        ok = post(w, word_key(t.w[a].key), KC_WORD, off, ini);
        for (uint32_t c = a + 1; ok && c < t.n && c < PAIR_WORDS; c++)
            if (t.w[a].key != t.w[c].key)
                ok = post(w, pair_key(t.w[a].key, t.w[c].key), KC_EXACT, off, ini);
    }
    return ok;
}

/* Files record i under every key that can find it. */
static bool index_rec(bw_watchlist *w, uint32_t i, bool new_name)
{
    const wl_rec *r = &w->recs[i];
    bool ok = post(w, entry_key(r->e.id), KC_COLD, i, 0);
    if (ok && new_name)
        ok = index_name(w, r->name);
    if (ok && r->addr != NO_BLOB) {
        wl_text t = blob_text(blob_at(w, r->addr));
        for (uint32_t a = 0; ok && a < t.n; a++)
            if ((t.w[a].flags & WF_NUMBER) && t.w[a].len >= 2)
                ok = post(w, number_key(&t.w[a]), KC_NUMBER, i, 0);
    }
    if (ok && r->email)
        ok = post(w, email_key(r->email), KC_EXACT, i, 0);
    if (ok && r->phone[0])
        ok = post(w, phone_key(r->phone), KC_EXACT, i, 0);
    if (ok && r->ident)
        ok = post(w, ident_key(r->ident), KC_EXACT, i, 0);
    return ok;
}

int bw_watchlist_add(bw_watchlist *w, const bw_watch_entry *e, char *err, size_t errlen)
{
    const char *why = entry_check(w, e);
    if (!why && (w->n_recs >= UINT32_MAX / 2 || !grow((void **)&w->recs, &w->cap_recs, w->n_recs + 1, sizeof *w->recs)))
        why = "out of memory";
    bool new_name;
    if (!why) {
        if (rec_fill(w, e, (uint32_t)w->n_recs, &new_name) && index_rec(w, (uint32_t)w->n_recs, new_name))
            w->n_recs++;
        else
            why = "out of memory"; /* what was filed names an entry past the end: never read */
    }
    if (why) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

size_t bw_watchlist_count(const bw_watchlist *w) { return w ? w->n_recs : 0; }

/* ---- list files -------------------------------------------------------------------------- */

static bool parse_day(const char *s, bw_time dflt, bw_time *out)
{
    if (!*s) {
        *out = dflt;
        return true;
    }
    return strlen(s) == 10 && bw_time_parse(s, 10, out);
}

static int count_fields(const char *line)
{
    int n = 1;
    for (const char *p = line; (p = strchr(p, '\t')) != NULL; p++)
        n++;
    return n;
}

/* One line of a list: the entry, or why not. */
static const char *parse_row(bw_watchlist *w, char *line, char *why, size_t whylen)
{
    int nf = count_fields(line);
    if (nf != N_FIELDS) {
        snprintf(why, whylen, "11 tab-separated fields expected (%s), got %d", "id kind name address country "
                 "email phone identifier reason listed_from listed_to", nf);
        return why;
    }
    char *f[N_FIELDS];
    bw_tsv_split(line, f, N_FIELDS);
    bw_watch_entry e = {f[0], 0, f[2], f[3], f[4], f[5], f[6], f[7], f[8], 0, 0};
    if (!strcmp(f[1], "person"))
        e.kind = BW_WATCH_PERSON;
    else if (!strcmp(f[1], "company"))
        e.kind = BW_WATCH_COMPANY;
    if (!parse_day(f[9], INT64_MIN, &e.listed_from))
        return "listed_from must be empty or a date (YYYY-MM-DD)";
    if (!parse_day(f[10], INT64_MAX, &e.listed_to))
        return "listed_to must be empty or a date (YYYY-MM-DD)";
    if (bw_watchlist_add(w, &e, why, whylen) != 0)
        return why;
    return NULL;
}

static bool load_file(bw_watchlist *w, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the watchlist: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL, why[256];
    size_t cap = 0;
    unsigned ln = 0;
    const char *bad = NULL;
    bool header = false;
    while (!bad && bw_tsv_next(f, &line, &cap, &ln)) {
        if (header) {
            bad = parse_row(w, line, why, sizeof why);
        } else {
            header = true;
            if (strcmp(line, HEADER) != 0)
                bad = "the header must be the 11 tab-separated names id kind name address country email phone "
                      "identifier reason listed_from listed_to";
        }
    }
    bool ok = !bad;
    if (bad)
        snprintf(err, errlen, "%s:%u: %s", path, ln, bad);
    else if (ferror(f))
        ok = (snprintf(err, errlen, "%s: read error after line %u", path, ln), false);
    else if (!header)
        ok = (snprintf(err, errlen, "%s: no header line (id kind name address country email phone identifier "
                                    "reason listed_from listed_to)", path), false);
    free(line);
    fclose(f);
    return ok;
}

static bool load_one(void *w, const char *path, char *err, size_t errlen) { return load_file(w, path, err, errlen); }

/* The rules, then every *.tsv of <datadir>/watchlist in name order; no
 * directory is an empty list. */
static bool load_dir(bw_watchlist *w, const char *datadir, char *err, size_t errlen)
{
    char dir[4096], path[4096 + 256];
    snprintf(dir, sizeof dir, "%s/watchlist", datadir);
    snprintf(path, sizeof path, "%s/rules.txt", dir);
    return rules_load(&w->rules, path, err, errlen) &&
           bw_tsv_load_dir(dir, true, "the watchlist directory", load_one, w, err, errlen);
}

/* Paths separated by ':', empty ones skipped (as in PATH); each must load. */
static bool load_extra(bw_watchlist *w, const char *extra, char *err, size_t errlen)
{
    return bw_tsv_load_list(extra, "watchlist", load_one, w, err, errlen);
}

bw_watchlist *bw_watchlist_load(const char *datadir, const char *extra, char *err, size_t errlen)
{
    bw_watchlist *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "watchlist: out of memory");
        return NULL;
    }
    bw_arena_init(&w->arena);
    pthread_once(&tab_once, tab_build); /* email_norm and ident_norm use the tables too */
    if (!load_dir(w, bw_default_datadir(datadir), err, errlen) || !load_extra(w, extra, err, errlen)) {
        bw_watchlist_free(w);
        return NULL;
    }
    if (!compact(w) || !filter_build(w)) {
        snprintf(err, errlen, "watchlist: out of memory");
        bw_watchlist_free(w);
        return NULL;
    }
    return w;
}

void bw_watchlist_free(bw_watchlist *w)
{
    if (!w)
        return;
    rules_free(&w->rules);
    free(w->recs);
    free(w->slots);
    free(w->pool);
    free(w->filter);
    free(w->blobs);
    bw_arena_free(&w->arena);
    free(w);
}

/* ---- matching ----------------------------------------------------------------------------- */

/* A declared name or address in the normalized form, on the stack. */
typedef struct wl_query {
    char norm[TEXT_MAX];
    uint64_t text_h;   /* names: text_key of the kept words */
    wl_spans sp;
    wl_word w[ADDR_WORDS];
    wl_text t;
} wl_query;

/* The keys one declaration is about to look up: asked for all at once
 * before any is used, their cache misses overlap instead of adding up. */
typedef struct wl_prefetch {
    uint64_t h[96];
    unsigned n;
} wl_prefetch;

static void want(wl_prefetch *pf, uint64_t h)
{
    if (pf && pf->n < sizeof pf->h / sizeof pf->h[0])
        pf->h[pf->n++] = h;
}

static void prefetch(const bw_watchlist *w, const wl_prefetch *pf)
{
    if (!w->filter)
        return;
    for (unsigned i = 0; i < pf->n; i++)
        __builtin_prefetch(&w->filter[(pf->h[i] >> 32) & w->fmask]);
    for (unsigned i = 0; i < pf->n; i++)
        if (filter_has(w, pf->h[i]))
            __builtin_prefetch(&w->slots[(uint32_t)pf->h[i] & w->mask]);
}

typedef struct wl_cands {
    uint32_t id[MAX_CANDIDATES];
    uint32_t n;
} wl_cands;

static void cand_add(wl_cands *c, uint32_t rec)
{
    if (c->n < MAX_CANDIDATES)
        c->id[c->n++] = rec;
}

/* Sorts and drops repeats (insertion sort: a handful as a rule). */
static void cand_unique(wl_cands *c)
{
    for (uint32_t i = 1; i < c->n; i++) {
        uint32_t v = c->id[i], j = i;
        for (; j > 0 && c->id[j - 1] > v; j--)
            c->id[j] = c->id[j - 1];
        c->id[j] = v;
    }
    uint32_t o = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (!o || c->id[o - 1] != c->id[i])
            c->id[o++] = c->id[i];
    c->n = o;
}

/* Whether a listed name with these initials could align with the
 * declared name's: one set of first sounds holds the other ("shanghai
 * ocean supply" and "shanghai golden supply" do not). */
static bool initials_align(uint32_t listed, uint32_t declared)
{
    uint32_t both = listed & declared;
    return both == listed || both == declared;
}

static void cand_posts(const bw_watchlist *w, const wl_slot *s, uint32_t initials, wl_cands *c)
{
    for (uint32_t i = 0; s && i < s->n; i++)
        if (initials_align(w->pool[s->off + i].initials, initials))
            cand_add(c, w->pool[s->off + i].rec);
}

/* Listed names (blob offsets) that share a pair of words with the name,
 * or a word of RARE_WORD listed names or fewer, and whose initials could
 * align with the name's. */
static void name_candidates(const bw_watchlist *w, const wl_text *q, wl_cands *c)
{
    for (uint32_t a = 0; a < q->n && a < PAIR_WORDS; a++)
        for (uint32_t b = a + 1; b < q->n && b < PAIR_WORDS; b++)
            if (q->w[a].key != q->w[b].key)
                cand_posts(w, slot_find(w, pair_key(q->w[a].key, q->w[b].key)), q->initials, c);
    for (uint32_t a = 0; a < q->n; a++) {
        const wl_slot *s = slot_find(w, word_key(q->w[a].key));
        if (s && s->n <= RARE_WORD)
            cand_posts(w, s, q->initials, c);
    }
}

/* The first-listed entry with the name of blob `off` that is listed on
 * `when`, or NULL. */
static const wl_rec *listed_with_name(const bw_watchlist *w, uint32_t off, bw_time when)
{
    const wl_rec *found = NULL;
    for (uint32_t i = blob_at(w, off)->first; i && i <= w->n_recs; i = w->recs[i - 1].next) {
        const wl_rec *r = &w->recs[i - 1];
        if (r->name == off && listed(r, when))
            found = r; /* the chain runs from the last listed to the first */
    }
    return found;
}

/* The entry listed on `when` whose name is most like s[0..n), and its
 * score; NULL when no candidate.  Stops at a perfect score. */
/* A declared name normalized into q, and the keys it will look up in pf
 * (may be NULL). */
static void name_prepare(const bw_watchlist *w, const char *s, size_t n, wl_query *q, wl_prefetch *pf)
{
    uint32_t ini;
    name_norm(s, n, q->norm, sizeof q->norm, &q->sp);
    q->t = (wl_text){q->norm, q->w, split_words(q->norm, &q->sp, &w->rules, true, q->w, NAME_WORDS, &ini), ini};
    char text[TEXT_MAX];
    q->text_h = q->t.n ? text_key(text, name_text(&q->t, text)) : 0;
    if (!pf || !q->t.n)
        return;
    want(pf, q->text_h);
    for (uint32_t a = 0; a < q->t.n; a++) {
        want(pf, word_key(q->w[a].key));
        for (uint32_t b = a + 1; b < q->t.n && b < PAIR_WORDS; b++)
            want(pf, pair_key(q->w[a].key, q->w[b].key));
    }
}

/* The entry listed on `when` whose name is most like the prepared q, and
 * its score; NULL when no candidate.  Stops at a perfect score. */
static const wl_rec *name_best(const bw_watchlist *w, const wl_query *q, bw_time when, int *score)
{
    *score = 0;
    if (!q->t.n)
        return NULL;
    uint32_t same = name_find_key(w, &q->t, q->text_h); /* listed as declared: nothing can score higher */
    const wl_rec *best = same != NO_BLOB ? listed_with_name(w, same, when) : NULL;
    if (best) {
        *score = 100;
        return best;
    }
    wl_cands c;
    c.n = 0;
    name_candidates(w, &q->t, &c);
    cand_unique(&c);
    for (uint32_t i = 0; i < c.n && *score < 100; i++) {
        const wl_blob *b = blob_at(w, c.id[i]);
        if (!b->first || b->first > w->n_recs)
            continue;
        wl_text t = blob_text(b);
        const wl_rec *any = &w->recs[b->first - 1]; /* the kind decides how extra words count */
        int sc = set_score(&q->t, &t, any->e.kind == BW_WATCH_COMPANY ? EXTRA_COMPANY : EXTRA_PERSON);
        const wl_rec *found = sc > *score ? listed_with_name(w, c.id[i], when) : NULL;
        if (found) {
            *score = sc;
            best = found;
        }
    }
    return best;
}

const bw_watch_entry *bw_watchlist_best_name(const bw_watchlist *w, const char *name, size_t n, bw_time when,
                                             int *score)
{
    wl_query q;
    name_prepare(w, name, n, &q, NULL);
    const wl_rec *r = name_best(w, &q, when, score);
    return r ? &r->e : NULL;
}

static bool same_number(const wl_text *a, const wl_word *x, const wl_text *b, const wl_word *y)
{
    return (y->flags & WF_NUMBER) && x->len == y->len && memcmp(a->text + x->off, b->text + y->off, x->len) == 0;
}

/* Both addresses name the same numbers, as far as the shorter goes. */
static bool numbers_agree(const wl_text *a, const wl_text *b)
{
    unsigned na = 0, nb = 0, both = 0;
    for (uint32_t j = 0; j < b->n; j++)
        nb += b->w[j].flags & WF_NUMBER;
    for (uint32_t i = 0; i < a->n; i++) {
        if (!(a->w[i].flags & WF_NUMBER))
            continue;
        na++;
        for (uint32_t j = 0; j < b->n; j++)
            if (same_number(a, &a->w[i], b, &b->w[j])) {
                both++;
                break;
            }
    }
    return both && (both == na || both == nb);
}

/* Entries whose address has a number (two characters or more) of the
 * normalized address text[0..n), listed RARE_NUMBER times or fewer.  Only
 * the numbers are looked at: the words are split when there is a
 * candidate to compare them with. */
static uint64_t span_number_key(const char *text, const wl_spans *sp, uint32_t i)
{
    wl_word wd = {(uint32_t)XXH3_64bits_withSeed(text + sp->off[i], sp->len[i], SEED_WORD), 0, 0, WF_NUMBER};
    return number_key(&wd);
}

static void address_candidates(const bw_watchlist *w, const char *text, const wl_spans *sp, wl_cands *c)
{
    for (uint32_t i = 0; i < sp->n; i++) {
        if (!sp->digit[i] || sp->len[i] < 2)
            continue;
        const wl_slot *s = slot_find(w, span_number_key(text, sp, i));
        for (uint32_t k = 0; s && s->n <= RARE_NUMBER && k < s->n; k++)
            cand_add(c, w->pool[s->off + k].rec);
    }
}

/* A declared address normalized into q (its words split later, if there
 * is a candidate), and the keys of its numbers in pf. */
static void address_prepare(const char *raw, size_t n, wl_query *q, wl_prefetch *pf)
{
    norm_words(raw, n, q->norm, sizeof q->norm, &q->sp);
    q->t.n = 0;
    for (uint32_t i = 0; i < q->sp.n; i++)
        if (q->sp.digit[i] && q->sp.len[i] >= 2)
            want(pf, span_number_key(q->norm, &q->sp, i));
}

static const wl_rec *address_best(const bw_watchlist *w, wl_query *q, bw_str country, bw_time when, int *score)
{
    uint32_t ini;
    wl_cands c;
    c.n = 0;
    *score = 0;
    address_candidates(w, q->norm, &q->sp, &c);
    if (!c.n)
        return NULL;
    cand_unique(&c);
    q->t = (wl_text){q->norm, q->w, split_words(q->norm, &q->sp, &w->rules, false, q->w, ADDR_WORDS, &ini), ini};
    const wl_rec *best = NULL;
    for (uint32_t i = 0; i < c.n; i++) {
        if (c.id[i] >= w->n_recs)
            continue;
        const wl_rec *r = &w->recs[c.id[i]];
        if (!listed(r, when) || r->addr == NO_BLOB)
            continue;
        if (r->country[0] && country.n == 2 && memcmp(r->country, country.p, 2) != 0)
            continue;
        wl_text t = blob_text(blob_at(w, r->addr));
        if (!numbers_agree(&q->t, &t))
            continue;
        int sc = set_score(&q->t, &t, EXTRA_ADDRESS);
        if (sc > *score) {
            *score = sc;
            best = r;
        }
    }
    return best;
}

typedef enum { EXACT_EMAIL, EXACT_PHONE, EXACT_IDENT } exact_kind;

static uint64_t exact_key(exact_kind k, const char *norm)
{
    return k == EXACT_EMAIL ? email_key(norm) : k == EXACT_PHONE ? phone_key(norm) : ident_key(norm);
}

/* The first entry listed on `when` with exactly this normalized value
 * (h: its exact_key). */
static const wl_rec *find_exact(const bw_watchlist *w, exact_kind k, const char *norm, uint64_t h, bw_time when)
{
    const wl_slot *s = slot_find(w, h);
    for (uint32_t i = 0; s && i < s->n; i++) {
        uint32_t id = w->pool[s->off + i].rec;
        if (id >= w->n_recs || !listed(&w->recs[id], when))
            continue;
        const wl_rec *r = &w->recs[id];
        const char *v = k == EXACT_EMAIL ? r->email : k == EXACT_PHONE ? r->phone : r->ident;
        if (v && strcmp(v, norm) == 0)
            return r;
    }
    return NULL;
}

/* ---- hits --------------------------------------------------------------------------------- */

static const char *const CODES[K_COUNT] = {"watchlist.name", "watchlist.address", "watchlist.email",
                                           "watchlist.phone", "watchlist.id"};

/* s as a JSON string even when it is not valid UTF-8 (a declaration with a
 * bad string still reaches the detectors): bad bytes become U+FFFD. */
static void put_json_text(bw_buf *b, const char *s, size_t n)
{
    n = n > FIELD_MAX ? bw_utf8_clip(s, n, FIELD_MAX) : n;
    if (bw_utf8_valid(s, n)) {
        bw_buf_put_json_str(b, s, n);
        return;
    }
    bw_buf clean = {0};
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k <= n && bw_utf8_valid(s + i, k))
            bw_buf_put(&clean, s + i, k);
        else
            k = 1, bw_buf_puts(&clean, "\xEF\xBF\xBD");
        i += k;
    }
    bw_buf_put_json_str(b, clean.p ? clean.p : "", clean.n);
    bw_buf_free(&clean);
}

static void put_member(bw_buf *b, const char *key, const char *v)
{
    bw_buf_puts(b, key);
    if (v)
        bw_buf_put_json_str(b, v, strlen(v));
    else
        bw_buf_puts(b, "null");
}

/* What was declared where, and how it compares. */
typedef struct wl_found {
    int kind;              /* K_* */
    const char *party;     /* "seller", "buyer" */
    const char *field;     /* "name", "national_id", ... */
    const char *declared;  /* as sent */
    size_t declared_n;
    const char *norm;      /* as compared */
    int score;             /* 0-100 */
    const char *backed_by; /* a name: what else of the party agrees with the entry
                            * ("country", "address", "email", ...), NULL nothing */
} wl_found;

static void evidence(bw_buf *b, const wl_rec *r, const wl_found *f)
{
    put_member(b, "{\"entry\":{\"id\":", r->e.id);
    put_member(b, ",\"name\":", r->e.name);
    put_member(b, ",\"kind\":", r->e.kind == BW_WATCH_PERSON ? "person" : "company");
    put_member(b, ",\"reason\":", r->e.reason);
    bw_buf_puts(b, "},\"declared\":");
    put_json_text(b, f->declared, f->declared_n);
    put_member(b, ",\"normalized\":", f->norm);
    bw_buf_puts(b, ",\"score\":");
    bw_buf_put_i64(b, f->score);
    if (f->kind == K_NAME) {
        bw_buf_puts(b, ",\"corroborated_by\":");
        if (f->backed_by)
            put_json_text(b, f->backed_by, strlen(f->backed_by));
        else
            bw_buf_puts(b, "null");
    }
    bw_buf_putc(b, '}');
}

static void reason(bw_buf *b, const wl_rec *r, const wl_found *f)
{
    bw_buf_puts(b, f->party);
    bw_buf_putc(b, ' ');
    bw_buf_puts(b, f->field);
    if (f->kind == K_NAME)
        bw_buf_puts(b, " resembles listed offender '");
    else if (f->kind == K_ADDRESS)
        bw_buf_puts(b, " resembles the address of listed offender '");
    else if (f->kind == K_ID)
        bw_buf_puts(b, " is the identifier of listed offender '");
    else
        bw_buf_puts(b, " is that of listed offender '");
    bw_buf_puts(b, r->e.name ? r->e.name : r->e.id);
    bw_buf_putc(b, '\'');
    if (f->kind == K_NAME || f->kind == K_ADDRESS) {
        bw_buf_puts(b, " (score ");
        bw_buf_put_i64(b, f->score);
        bw_buf_putc(b, ')');
    }
    if (f->kind == K_NAME && !f->backed_by)
        bw_buf_puts(b, "; the name alone: neither the country, the address nor a contact agrees");
}

/* Adds the hit: path, reason and evidence built in one buffer, NUL
 * between them, which bw_risk_add copies into the result's arena. */
static void report(const bw_watchlist *w, bw_risk_result *res, const wl_rec *r, const wl_found *f)
{
    bw_buf b = {0};
    bw_buf_reserve(&b, 1024);
    bw_buf_puts(&b, f->party);
    bw_buf_putc(&b, '.');
    bw_buf_puts(&b, f->field);
    bw_buf_putc(&b, 0);
    size_t why = b.n;
    reason(&b, r, f);
    bw_buf_putc(&b, 0);
    size_t ev = b.n;
    evidence(&b, r, f);
    bw_buf_putc(&b, 0);
    int32_t pts = w->rules.points[f->kind];
    if (f->kind == K_NAME && !f->backed_by && w->rules.have_name_alone)
        pts = w->rules.name_alone; /* common names are shared by the innocent */
    if (f->kind == K_NAME || f->kind == K_ADDRESS)
        pts = pts * f->score / 100; /* proportional to the similarity */
    bw_risk_add(res, CODES[f->kind], r->e.id, b.p, b.p + why, b.p + ev, pts, w->rules.lane[f->kind]);
    bw_buf_free(&b);
}

/* ---- one declaration ------------------------------------------------------------------------ */

enum { EXACT_FIELDS = 5, RAW_MAX = 2 * TEXT_MAX };

/* One exact value of a party, normalized. */
typedef struct wl_exact {
    bw_str v;
    exact_kind k;
    const char *field;
    bool ok;
    uint64_t h;        /* exact_key of norm */
    char norm[FIELD_MAX + 64];
} wl_exact;

/* What one party's fields ask the list, prepared before anything is
 * looked up (scratch on the stack: some 10 KiB). */
typedef struct wl_ask {
    const bw_party *p;
    const char *party;
    wl_query name, addr;
    char raw[RAW_MAX];   /* the address as one text */
    size_t raw_n;
    wl_exact ex[EXACT_FIELDS];
} wl_ask;

/* line, postcode, city and region as one text (the country is compared
 * apart). */
static size_t address_text(const bw_address *a, char *out, size_t cap)
{
    const bw_str parts[] = {a->line, a->postcode, a->city, a->region};
    size_t o = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].p || !parts[i].n || o + parts[i].n + 2 > cap)
            continue;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, parts[i].p, parts[i].n);
        o += parts[i].n;
    }
    out[o] = 0;
    return o;
}

static void exact_prepare(const bw_watchlist *w, wl_exact *x, wl_prefetch *pf)
{
    x->ok = false;
    if (!x->v.p || !x->v.n || x->v.n > FIELD_MAX)
        return;
    if (x->k == EXACT_EMAIL)
        x->ok = email_norm(&w->rules, x->v.p, x->v.n, x->norm, sizeof x->norm) > 0;
    else if (x->k == EXACT_PHONE)
        x->ok = phone_norm(x->v.p, x->v.n, x->norm);
    else
        x->ok = ident_norm(x->v.p, x->v.n, x->norm, sizeof x->norm) >= IDENT_MIN;
    if (x->ok) {
        x->h = exact_key(x->k, x->norm);
        want(pf, x->h);
    }
}

static void ask_prepare(const bw_watchlist *w, const bw_party *p, const char *party, wl_ask *a, wl_prefetch *pf)
{
    a->p = p;
    a->party = party;
    a->name.t.n = a->addr.t.n = 0;
    a->raw_n = 0;
    if (p->name.p && p->name.n)
        name_prepare(w, p->name.p, p->name.n, &a->name, pf);
    if (p->address.present && (a->raw_n = address_text(&p->address, a->raw, sizeof a->raw)) > 0)
        address_prepare(a->raw, a->raw_n, &a->addr, pf);
    const struct { bw_str v; exact_kind k; const char *field; } ex[EXACT_FIELDS] = {
        {p->email, EXACT_EMAIL, "email"},          {p->phone, EXACT_PHONE, "phone"},
        {p->id, EXACT_IDENT, "id"},                {p->national_id, EXACT_IDENT, "national_id"},
        {p->scheme_number, EXACT_IDENT, "scheme_number"},
    };
    for (int i = 0; i < EXACT_FIELDS; i++) {
        a->ex[i].v = ex[i].v;
        a->ex[i].k = ex[i].k;
        a->ex[i].field = ex[i].field;
        exact_prepare(w, &a->ex[i], pf);
    }
}

/* What of the party, besides its name, agrees with entry r: its country,
 * or an address or exact field that found the same entry. */
static const char *name_backing(const wl_rec *r, const bw_party *p, const wl_rec *const found[], const char *const what[],
                                int n_found)
{
    for (int i = 0; i < n_found; i++)
        if (found[i] == r)
            return what[i];
    bw_str c = p->address.country;
    if (r->country[0] && c.n == 2 && (c.p[0] | 0x20) == (r->country[0] | 0x20) &&
        (c.p[1] | 0x20) == (r->country[1] | 0x20))
        return "country";
    return NULL;
}

static void ask_resolve(const bw_watchlist *w, wl_ask *a, bw_time when, bw_risk_result *res)
{
    int sc;
    const bw_party *p = a->p;
    const wl_rec *found[1 + EXACT_FIELDS];
    const char *what[1 + EXACT_FIELDS];
    int n_found = 0;
    const wl_rec *r = a->raw_n ? address_best(w, &a->addr, p->address.country, when, &sc) : NULL;
    if (r && sc >= w->rules.min_score[K_ADDRESS]) {
        report(w, res, r, &(wl_found){K_ADDRESS, a->party, "address", a->raw, a->raw_n, a->addr.norm, sc, NULL});
        found[n_found] = r, what[n_found++] = "address";
    }
    for (int i = 0; i < EXACT_FIELDS; i++) {
        const wl_exact *x = &a->ex[i];
        r = x->ok ? find_exact(w, x->k, x->norm, x->h, when) : NULL;
        int kind = x->k == EXACT_EMAIL ? K_EMAIL : x->k == EXACT_PHONE ? K_PHONE : K_ID;
        if (r) {
            report(w, res, r, &(wl_found){kind, a->party, x->field, x->v.p, x->v.n, x->norm, 100, NULL});
            found[n_found] = r, what[n_found++] = x->field;
        }
    }
    /* the name last: whether anything else backs it sets its weight */
    r = a->name.t.n ? name_best(w, &a->name, when, &sc) : NULL;
    if (r && sc >= w->rules.min_score[K_NAME])
        report(w, res, r,
               &(wl_found){K_NAME, a->party, "name", p->name.p, p->name.n, a->name.norm, sc,
                           name_backing(r, p, found, what, n_found)});
}

void bw_watchlist_check(const bw_watchlist *w, const bw_risk_facts *f, bw_risk_result *r)
{
    if (!w || !w->n_recs || !f->decl)
        return;
    wl_ask ask[2];
    wl_prefetch pf;
    pf.n = 0;
    const bw_party *parties[2] = {&f->decl->seller, &f->decl->buyer};
    const char *names[2] = {"seller", "buyer"};
    for (int i = 0; i < 2; i++)
        if (parties[i]->present)
            ask_prepare(w, parties[i], names[i], &ask[i], &pf);
    prefetch(w, &pf);
    for (int i = 0; i < 2; i++)
        if (parties[i]->present)
            ask_resolve(w, &ask[i], f->when, r);
}
