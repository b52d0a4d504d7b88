/*
 * anomalies.h - what `breakwater gen --anomalies` needs besides the
 * declaration generator itself (internal to src/gen; gen.c is the user):
 *
 *   - the anomaly vocabularies of DATADIR/demo/ (data/demo/README.md):
 *     the offenders' name parts with their Latin, plain-ASCII, native and
 *     variant spellings, how each culture writes names and where its
 *     offenders live, why they are listed, and how people abbreviate
 *     street names;
 *   - the spelling rules fraudsters' text follows: case and spacing,
 *     abbreviated streets, dropped double letters, words obfuscated as
 *     "v1agra", "c.o.c.a.i.n.e" or "c o c a i n e";
 *   - the threshold a split purchase stays under, read from the
 *     jurisdiction files (data/jurisdictions/) for the day of the order;
 *   - the exact parsing of the anomaly rate.
 *
 * Nothing here knows the generator's own tables (countries, streets,
 * names), so the two cannot drift into each other: the offenders' names are
 * deliberately not in the generator's vocabulary.
 */
#ifndef BW_GEN_ANOMALIES_H
#define BW_GEN_ANOMALIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* "0.05" -> 50000 parts per million.  Digits, an optional '.', at most six
 * significant decimals (further zeros are fine), from 0 to 1 inclusive.
 * 0, or -1 when the text is not such a rate. */
int anom_parse_rate(const char *s, uint32_t *ppm);

/* ---- vocabularies --------------------------------------------------------- */

enum { PART_GIVEN, PART_FAMILY, PART_CITY, PART_BRAND, PART_BUSINESS, PART_SUFFIX, PART_COUNT };

/* One name part: "Aleksandr" / "Aleksandr" / "Александр" / Alexander,
 * Aleksander, Oleksandr.  ascii is latin without diacritics (the same
 * pointer when there are none); native is NULL for Latin-only cultures. */
typedef struct anom_part {
    const char *latin, *ascii, *native;
    const char **variants;
    uint32_t nvariants;
    char tag[4]; /* given/family: "m", "f" or "-"; city: its country */
} anom_part;

#define ANOM_MAX_COUNTRIES 24

typedef struct anom_culture {
    char code[4];
    bool family_first;   /* Latin order: "Zheng Haoran" */
    bool native_nospace; /* native parts joined without a space: "郑浩然" */
    bool company;        /* has company names */
    bool suffix_first;   /* "OOO Vostok Trade" */
    char lives_in[ANOM_MAX_COUNTRIES][3];   /* where its listed persons live */
    char sells_from[ANOM_MAX_COUNTRIES][3]; /* where its listed sellers are based */
    uint32_t nlives, nsells, share;
    anom_part *parts[PART_COUNT];
    uint32_t nparts[PART_COUNT];
} anom_culture;

enum { REASON_ANY, REASON_PERSON, REASON_COMPANY };

typedef struct anom_reason {
    const char *text;
    uint8_t applies;
    uint32_t weight;
} anom_reason;

typedef struct anom_abbrev {
    const char *match, *repl;
    bool suffix; /* "Hauptstraße" -> "Hauptstr.", else whole words only */
} anom_abbrev;

typedef struct anom_vocab {
    anom_culture *cultures;
    uint32_t ncultures, culture_share;
    anom_reason *reasons;
    uint32_t nreasons;
    anom_abbrev *abbrevs;
    uint32_t nabbrevs;
    struct bw_jurisdiction *jur; /* data/jurisdictions, for the thresholds */
    uint32_t njur;
    bw_arena arena;              /* every string above */
} anom_vocab;

/* Loads DATADIR/demo/{offender_cultures,offender_names,offender_reasons,
 * abbreviations}.tsv and DATADIR/jurisdictions/.  0, or -1 with
 * "file line N: why" in err (the vocabulary is then empty). */
int anom_vocab_load(anom_vocab *v, const char *datadir, char *err, size_t errlen);
void anom_vocab_free(anom_vocab *v);

/* A culture drawn by share, from a 64-bit random value. */
const anom_culture *anom_pick_culture(const anom_vocab *v, uint64_t bits);
/* A reason for a person (company false) or a company. */
const char *anom_pick_reason(const anom_vocab *v, bool company, uint64_t bits);

/* ---- names ---------------------------------------------------------------- */

#define ANOM_NAME_MAX 192

/* One offender's name in every form a declaration may carry it.
 *   latin    as the culture writes it in Latin letters, with diacritics
 *   ascii    the same without diacritics
 *   native   in the culture's script ("" when it has none)
 *   variant  another real spelling (a variant of one part, else a dropped
 *            double letter, else the ASCII form)
 *   swapped  the parts in the other order (companies: without the city or
 *            the legal form) */
typedef struct anom_name {
    char latin[ANOM_NAME_MAX], ascii[ANOM_NAME_MAX], native[ANOM_NAME_MAX];
    char variant[ANOM_NAME_MAX], swapped[ANOM_NAME_MAX];
    char given_ascii[64], family_ascii[64]; /* persons: for e-mail addresses; companies: brand, business */
} anom_name;

void anom_compose_person(const anom_culture *c, uint64_t bits, anom_name *out);
/* cc: the company's country, for the city its name may open with. */
void anom_compose_company(const anom_culture *c, const char *cc, uint64_t bits, anom_name *out);

/* ---- spelling rules ------------------------------------------------------- */

/* The same name or address typed differently: how = 0 all capitals,
 * 1 all lower case, 2 one space doubled, 3 lower case with a trailing
 * space.  Letters outside ASCII and Latin-1 keep their case. */
void anom_retype(const char *in, unsigned how, char *out, size_t cap);

/* The first abbreviation of abbreviations.tsv that applies ("Main Street"
 * -> "Main St"); false (out = in) when none does. */
bool anom_abbreviate(const anom_vocab *v, const char *in, char *out, size_t cap);

/* One doubled ASCII letter written once ("Hollingsworth" -> "Holingsworth");
 * false (out = in) when there is none. */
bool anom_drop_double(const char *in, char *out, size_t cap);

/* Text with [word] markers (data/demo/prohibited.tsv) as written: the
 * brackets dropped and the marked words obfuscated.  how: 0 plain, 1 a
 * letter or two replaced by look-alike digits or signs ("v1agra"), 2 a dot
 * after every letter ("c.o.c.a.i.n.e"), 3 spaced letters ("c o c a i n e").
 * Returns the length written. */
enum { OBF_PLAIN, OBF_LEET, OBF_DOTTED, OBF_SPACED, OBF_COUNT };
size_t anom_obfuscate(const char *in, unsigned how, char *out, size_t cap);

/* ---- thresholds ----------------------------------------------------------- */

/* The value a parcel of jurisdiction `jur` (its id) stays under to be
 * relieved, in the jurisdiction's minor units, on day `when` (Unix
 * seconds), for items of `origin` carried by `mode` ("post", "air",
 * "road"): the lowest of the duty and tax thresholds of the first de
 * minimis rule that applies; when that rule relieves nothing (the US from
 * 2025-08-29), the full-declaration threshold.  -1 when there is none. */
int64_t anom_split_threshold(const anom_vocab *v, const char *jur, const char *origin, const char *mode,
                             int64_t when);

#endif
