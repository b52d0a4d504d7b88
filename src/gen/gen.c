/*
 * gen.c - the deterministic synthetic declaration generator (see gen.h).
 *
 * How a record comes to be:
 *
 *   plan_record()   draws every choice of declaration number N into a small
 *                   `plan` struct: jurisdiction, business flow, parties (as
 *                   pool indices), items, amounts, dates, transport ids.
 *   write_record()  turns the plan into one line of JSON, deriving names,
 *                   addresses and e-mails from the party indices.
 *
 * The random stream of record N is seeded from (seed, N) alone, and every
 * party's attributes from (seed, party number) alone.  That is what keeps the
 * output byte-identical run after run, lets a buyer who appears in many
 * records keep one name and address, and lets a "return" re-plan the earlier
 * declaration it refers to instead of remembering it.
 *
 * With --anomalies, a record chosen for an anomaly is planned from a base
 * record that can carry it, and hooks at fixed points of the planning
 * reshape it (see the Anomalies section and docs/generator.md); clean
 * records draw exactly what they always drew.
 *
 * No floating point anywhere: money is integer minor units, skewed draws use
 * integer powers, and the calendar is Howard Hinnant's days-from-civil.
 */
#include "gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "anomalies.h"

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* ======================================================================
 * Random numbers
 * ==================================================================== */

/* xoshiro256**: small, fast and well distributed; seeded through splitmix64
 * because xoshiro must not start from a mostly-zero state. */
typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* One 64-bit value from a few keys; used to seed streams and for the few
 * stateless decisions (is record N a return?). */
static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = a ^ (b * 0xd1b54a32d192ed03ULL) ^ (c * 0x8cb92ba72f3d8dd7ULL);
    splitmix64(&x);
    return splitmix64(&x);
}

static void rng_seed(rng *r, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = hash3(a, b, c);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [0, n) by multiply-shift: no division, bias below 2^-32. */
static inline uint32_t below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static inline uint32_t between(rng *r, uint32_t lo, uint32_t hi) /* inclusive */
{
    return lo + below(r, hi - lo + 1);
}

static inline bool chance(rng *r, uint32_t per_mille) { return below(r, 1000) < per_mille; }

/* Index in [0, n) skewed toward 0: u^power of a uniform u.  With power 2,
 * P(index < k) = sqrt(k/n): the Zipf-like head of real customer bases where
 * a few buyers and sellers recur often, without floats. */
static uint32_t skewed(rng *r, uint32_t n, int power)
{
    uint64_t u = rng_next(r) >> 48; /* 16 bits */
    uint64_t c = u;                 /* c < 2^(16*power) */
    for (int i = 1; i < power; i++)
        c *= u;
    c <<= 16 * (3 - power);         /* c < 2^48 */
    return (uint32_t)(((c >> 16) * n) >> 32);
}

/* Weighted choice over a small table of relative weights. */
static unsigned pick(rng *r, const uint16_t *w, unsigned n)
{
    uint32_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += w[i];
    uint32_t x = below(r, total);
    for (unsigned i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}
#define PICK(r, table) pick((r), (table), (unsigned)COUNTOF(table))

/* ======================================================================
 * Output: one big buffer, written with fwrite
 * ==================================================================== */

typedef struct sink {
    char *buf;
    size_t n, cap;
    FILE *f;
    int err; /* errno of the first failed write, 0 if none */
} sink;

static void sink_flush(sink *s)
{
    if (s->n && !s->err && fwrite(s->buf, 1, s->n, s->f) != s->n)
        s->err = errno ? errno : EIO;
    s->n = 0;
}

static inline void put(sink *s, const char *p, size_t n)
{
    if (s->cap - s->n < n) {
        if (!s->f) { /* a string sink (str_sink): keep what fits */
            n = s->cap - s->n;
            memcpy(s->buf + s->n, p, n);
            s->n += n;
            return;
        }
        sink_flush(s);
        if (n > s->cap) { /* never for our records; kept correct anyway */
            if (!s->err && fwrite(p, 1, n, s->f) != n)
                s->err = errno ? errno : EIO;
            return;
        }
    }
    memcpy(s->buf + s->n, p, n);
    s->n += n;
}

/* Literals go through sizeof so memcpy gets a constant length and inlines. */
#define PUT(s, lit) put((s), (lit), sizeof(lit) - 1)

static inline void put_s(sink *s, const char *str) { put(s, str, strlen(str)); }

static inline void put_c(sink *s, char c) { put(s, &c, 1); }

static void put_u64(sink *s, uint64_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(s, tmp + i, sizeof tmp - (size_t)i);
}

/* Fixed width, zero padded; wider values keep all their digits. */
static void put_u64w(sink *s, uint64_t v, int width)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    while (v || (int)sizeof tmp - i < width) {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    }
    put(s, tmp + i, sizeof tmp - (size_t)i);
}

/* Strings we emit never need JSON escapes: the built-in tables are plain,
 * generated ids are alphanumeric, and load_catalogue() rejects '"', '\\'
 * and control characters.  So a quoted string is just quote-copy-quote. */
static inline void put_q(sink *s, const char *str)
{
    put_c(s, '"');
    put_s(s, str);
    put_c(s, '"');
}

static void put_q_or_null(sink *s, const char *str)
{
    if (str)
        put_q(s, str);
    else
        PUT(s, "null");
}

/* {"amount":"12.34","currency":"EUR"}: every currency we use has two minor
 * digits (EUR GBP USD AUD CAD CNY), and no amount is negative. */
static void put_money(sink *s, int64_t minor, const char *currency)
{
    PUT(s, "{\"amount\":\"");
    put_u64(s, (uint64_t)(minor / 100));
    put_c(s, '.');
    put_u64w(s, (uint64_t)(minor % 100), 2);
    PUT(s, "\",\"currency\":\"");
    put(s, currency, 3);
    PUT(s, "\"}");
}

/* ======================================================================
 * Calendar (proleptic Gregorian, UTC, integers only)
 * ==================================================================== */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* "2026-11-20T13:02:11Z", quotes included.  Times are never negative here. */
static void put_time(sink *s, int64_t t)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(t / 86400, &y, &m, &d);
    unsigned sec = (unsigned)(t % 86400);
    char b[22];
    b[0] = '"';
    b[1] = (char)('0' + y / 1000 % 10);
    b[2] = (char)('0' + y / 100 % 10);
    b[3] = (char)('0' + y / 10 % 10);
    b[4] = (char)('0' + y % 10);
    b[5] = '-';
    b[6] = (char)('0' + m / 10);
    b[7] = (char)('0' + m % 10);
    b[8] = '-';
    b[9] = (char)('0' + d / 10);
    b[10] = (char)('0' + d % 10);
    b[11] = 'T';
    b[12] = (char)('0' + sec / 36000);
    b[13] = (char)('0' + sec / 3600 % 10);
    b[14] = ':';
    b[15] = (char)('0' + sec % 3600 / 600);
    b[16] = (char)('0' + sec % 3600 / 60 % 10);
    b[17] = ':';
    b[18] = (char)('0' + sec % 60 / 10);
    b[19] = (char)('0' + sec % 10);
    b[20] = 'Z';
    b[21] = '"';
    put(s, b, sizeof b);
}

/* ======================================================================
 * Identifiers with check digits
 * ==================================================================== */

/* UPU S10: weights 8,6,4,2,3,5,9,7 on the serial; 11 - sum mod 11, where
 * 10 becomes 0 and 11 becomes 5. */
static unsigned s10_check(uint32_t serial)
{
    static const unsigned w[8] = {8, 6, 4, 2, 3, 5, 9, 7};
    unsigned sum = 0;
    for (int i = 7; i >= 0; i--) {
        sum += (serial % 10) * w[i];
        serial /= 10;
    }
    unsigned c = 11 - sum % 11;
    return c == 10 ? 0 : c == 11 ? 5 : c;
}

/* "RR123456785CN" */
static void fmt_s10(char out[14], const char *service, uint32_t serial, const char *cc)
{
    char *p = out;
    *p++ = service[0];
    *p++ = service[1];
    for (uint32_t div = 10000000; div; div /= 10)
        *p++ = (char)('0' + serial / div % 10);
    *p++ = (char)('0' + s10_check(serial));
    *p++ = cc[0];
    *p++ = cc[1];
    *p = 0;
}

/* IATA air waybill "176-12345675": the 8th digit is the first seven mod 7. */
static void fmt_awb(char out[13], const char *prefix, uint32_t serial7)
{
    char *p = out;
    memcpy(p, prefix, 3);
    p += 3;
    *p++ = '-';
    for (uint32_t div = 1000000; div; div /= 10)
        *p++ = (char)('0' + serial7 / div % 10);
    *p++ = (char)('0' + serial7 % 7);
    *p = 0;
}

/* UK VAT registration number: weights 8..2 on the first seven digits, and
 * the last two make the total divisible by 97. */
static void fmt_uk_vat(char out[12], uint32_t base7)
{
    unsigned sum = 0, w = 8;
    char *p = out;
    *p++ = 'G';
    *p++ = 'B';
    for (uint32_t div = 1000000; div; div /= 10, w--) {
        unsigned digit = base7 / div % 10;
        sum += digit * w;
        *p++ = (char)('0' + digit);
    }
    unsigned check = (97 - sum % 97) % 97;
    *p++ = (char)('0' + check / 10);
    *p++ = (char)('0' + check % 10);
    *p = 0;
}

/* EU IOSS number: "IM" + 3-digit member state of identification + 7 digits. */
static void fmt_ioss(char out[13], const char *state, uint32_t serial7)
{
    char *p = out;
    *p++ = 'I';
    *p++ = 'M';
    memcpy(p, state, 3);
    p += 3;
    for (uint32_t div = 1000000; div; div /= 10)
        *p++ = (char)('0' + serial7 / div % 10);
    *p = 0;
}

/* Australian GST ARN for overseas vendors: 12 digits, a 4-digit series
 * and a serial. */
#define ARN_SERIES "3000"        /* every ARN the generator issues */
#define ARN_SERIES_UNUSED "3009" /* never issued: the registry's revoked samples */
static void fmt_arn(char out[13], const char *series, uint32_t serial8)
{
    memcpy(out, series, 4);
    char *p = out + 4;
    for (uint32_t div = 10000000; div; div /= 10)
        *p++ = (char)('0' + serial8 / div % 10);
    *p = 0;
}

/* ======================================================================
 * Built-in vocabulary: names, places, carriers, platforms
 * ==================================================================== */

enum {
    C_DE, C_FR, C_IT, C_ES, C_NL, C_PL, C_SE, C_BE, C_AT, C_IE, /* EU members */
    C_GB, C_US, C_AU, C_CA, C_CN, C_HK, C_JP, C_KR, C_TR, C_VN, C_IN,
    C_COUNT
};

static bool in_eu(unsigned c) { return c <= C_IE; }

typedef struct name_list {
    const char *const *first, *const *last;
    uint8_t nfirst, nlast;
    bool family_first; /* "Wang Fang": the family name leads */
} name_list;

#define NAMES(f, l, ff) {f, l, (uint8_t)COUNTOF(f), (uint8_t)COUNTOF(l), ff}

static const char *const FIRST_DE[] = {"Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lena", "Maximilian", "Jürgen", "Katharina"};
static const char *const LAST_DE[] = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schäfer", "Hoffmann"};
static const char *const FIRST_FR[] = {"Camille", "Léa", "Hugo", "Louis", "Chloé", "Lucas", "Manon", "Théo", "Émilie", "Nicolas"};
static const char *const LAST_FR[] = {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre"};
static const char *const FIRST_IT[] = {"Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sofia", "Matteo", "Elena", "Niccolò"};
static const char *const LAST_IT[] = {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"};
static const char *const FIRST_ES[] = {"María", "José", "Lucía", "Javier", "Carmen", "Alejandro", "Sofía", "Pablo", "Elena", "Andrés"};
static const char *const LAST_ES[] = {"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"};
static const char *const FIRST_NL[] = {"Emma", "Daan", "Julia", "Sem", "Tess", "Lucas", "Sanne", "Bram", "Fleur", "Thijs"};
static const char *const LAST_NL[] = {"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer"};
static const char *const FIRST_PL[] = {"Anna", "Jakub", "Zofia", "Kacper", "Maja", "Szymon", "Julia", "Michał", "Zuzanna", "Paweł"};
static const char *const LAST_PL[] = {"Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek", "Wróbel", "Dudek"};
static const char *const FIRST_SV[] = {"Alice", "William", "Maja", "Oscar", "Elsa", "Lucas", "Astrid", "Hugo", "Ebba", "Björn"};
static const char *const LAST_SV[] = {"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Lindström"};
static const char *const FIRST_EN[] = {"Oliver", "Amelia", "James", "Olivia", "Jack", "Emily", "Noah", "Charlotte", "Liam", "Sophie", "Aoife", "Seán", "Ethan", "Chloe"};
static const char *const LAST_EN[] = {"Smith", "Jones", "Williams", "Brown", "Taylor", "Wilson", "Johnson", "Murphy", "O'Brien", "Garcia", "Nguyen", "Patel", "Tremblay", "Walker", "Kelly", "Roy"};
static const char *const FIRST_ZH[] = {"Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jie", "Xiuying", "Hao", "Ling"};
static const char *const LAST_ZH[] = {"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"};
static const char *const FIRST_HK[] = {"Tai Man", "Ka Yan", "Wing Sze", "Chi Keung", "Siu Ming", "Mei Ling"};
static const char *const LAST_HK[] = {"Chan", "Wong", "Lee", "Cheung", "Lau", "Ho", "Leung"};
static const char *const FIRST_JA[] = {"Yuki", "Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Takumi"};
static const char *const LAST_JA[] = {"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"};
static const char *const FIRST_KO[] = {"Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Ji-woo"};
static const char *const LAST_KO[] = {"Kim", "Lee", "Park", "Choi", "Jung", "Kang"};
static const char *const FIRST_TR[] = {"Ayşe", "Mehmet", "Zeynep", "Mustafa", "Elif", "Emre", "Büşra", "Çağlar"};
static const char *const LAST_TR[] = {"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk"};
static const char *const FIRST_VI[] = {"Anh", "Minh", "Linh", "Huy", "Trang", "Tuấn"};
static const char *const LAST_VI[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan"};
static const char *const FIRST_IN[] = {"Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya", "Arjun", "Diya"};
static const char *const LAST_IN[] = {"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Mehta"};

enum { N_DE, N_FR, N_IT, N_ES, N_NL, N_PL, N_SV, N_EN, N_ZH, N_HK, N_JA, N_KO, N_TR, N_VI, N_IN };
static const name_list NAME_LISTS[] = {
    [N_DE] = NAMES(FIRST_DE, LAST_DE, false), [N_FR] = NAMES(FIRST_FR, LAST_FR, false),
    [N_IT] = NAMES(FIRST_IT, LAST_IT, false), [N_ES] = NAMES(FIRST_ES, LAST_ES, false),
    [N_NL] = NAMES(FIRST_NL, LAST_NL, false), [N_PL] = NAMES(FIRST_PL, LAST_PL, false),
    [N_SV] = NAMES(FIRST_SV, LAST_SV, false), [N_EN] = NAMES(FIRST_EN, LAST_EN, false),
    [N_ZH] = NAMES(FIRST_ZH, LAST_ZH, true),  [N_HK] = NAMES(FIRST_HK, LAST_HK, true),
    [N_JA] = NAMES(FIRST_JA, LAST_JA, false), [N_KO] = NAMES(FIRST_KO, LAST_KO, true),
    [N_TR] = NAMES(FIRST_TR, LAST_TR, false), [N_VI] = NAMES(FIRST_VI, LAST_VI, true),
    [N_IN] = NAMES(FIRST_IN, LAST_IN, false),
};

/* A city with a plausible postcode (NULL where the country has none) and,
 * for China, the 6-digit division code that opens a resident ID number. */
typedef struct place {
    const char *city, *postcode, *division;
} place;

static const place PL_DE[] = {{"Berlin", "10115", 0}, {"Hamburg", "20095", 0}, {"München", "80331", 0}, {"Köln", "50667", 0}, {"Frankfurt am Main", "60311", 0}, {"Leipzig", "04109", 0}};
static const place PL_FR[] = {{"Paris", "75011", 0}, {"Lyon", "69003", 0}, {"Marseille", "13001", 0}, {"Toulouse", "31000", 0}, {"Lille", "59000", 0}, {"Nantes", "44000", 0}};
static const place PL_IT[] = {{"Roma", "00184", 0}, {"Milano", "20121", 0}, {"Napoli", "80133", 0}, {"Torino", "10121", 0}, {"Bologna", "40121", 0}};
static const place PL_ES[] = {{"Madrid", "28013", 0}, {"Barcelona", "08001", 0}, {"Valencia", "46001", 0}, {"Sevilla", "41001", 0}, {"Málaga", "29001", 0}};
static const place PL_NL[] = {{"Amsterdam", "1012 AB", 0}, {"Rotterdam", "3011 AD", 0}, {"Utrecht", "3511 AX", 0}, {"Den Haag", "2511 BT", 0}, {"Eindhoven", "5611 AB", 0}};
static const place PL_PL[] = {{"Warszawa", "00-001", 0}, {"Kraków", "31-001", 0}, {"Łódź", "90-001", 0}, {"Wrocław", "50-001", 0}, {"Gdańsk", "80-001", 0}};
static const place PL_SE[] = {{"Stockholm", "111 20", 0}, {"Göteborg", "411 01", 0}, {"Malmö", "211 20", 0}, {"Uppsala", "753 10", 0}};
static const place PL_BE[] = {{"Bruxelles", "1000", 0}, {"Antwerpen", "2000", 0}, {"Gent", "9000", 0}, {"Liège", "4000", 0}};
static const place PL_AT[] = {{"Wien", "1010", 0}, {"Graz", "8010", 0}, {"Linz", "4020", 0}, {"Salzburg", "5020", 0}};
static const place PL_IE[] = {{"Dublin", "D02 X285", 0}, {"Cork", "T12 W8F9", 0}, {"Galway", "H91 E2K3", 0}, {"Limerick", "V94 T9PX", 0}};
static const place PL_GB[] = {{"London", "E1 6AN", 0}, {"Manchester", "M1 1AE", 0}, {"Birmingham", "B1 1BB", 0}, {"Leeds", "LS1 4DY", 0}, {"Glasgow", "G1 1XQ", 0}, {"Bristol", "BS1 4DJ", 0}};
static const place PL_US[] = {{"New York", "10001", 0}, {"Los Angeles", "90012", 0}, {"Chicago", "60601", 0}, {"Houston", "77002", 0}, {"Seattle", "98101", 0}, {"Miami", "33130", 0}, {"Austin", "78701", 0}};
static const place PL_AU[] = {{"Sydney", "2000", 0}, {"Melbourne", "3000", 0}, {"Brisbane", "4000", 0}, {"Perth", "6000", 0}, {"Adelaide", "5000", 0}};
static const place PL_CA[] = {{"Toronto", "M5V 2T6", 0}, {"Vancouver", "V6B 1A1", 0}, {"Montréal", "H2X 1Y4", 0}, {"Calgary", "T2P 1J9", 0}, {"Ottawa", "K1P 1J1", 0}};
static const place PL_CN[] = {{"Shenzhen", "518048", "440304"}, {"Guangzhou", "510620", "440106"}, {"Shanghai", "200120", "310115"}, {"Beijing", "100020", "110105"}, {"Hangzhou", "310012", "330106"}, {"Yiwu", "322000", "330782"}, {"Dongguan", "523000", "441900"}, {"Chengdu", "610041", "510107"}};
static const place PL_HK[] = {{"Kwun Tong", 0, 0}, {"Mong Kok", 0, 0}, {"Tsuen Wan", 0, 0}, {"Sha Tin", 0, 0}};
static const place PL_JP[] = {{"Tokyo", "150-0002", 0}, {"Osaka", "530-0001", 0}, {"Yokohama", "220-0011", 0}, {"Nagoya", "460-0008", 0}};
static const place PL_KR[] = {{"Seoul", "06236", 0}, {"Busan", "48058", 0}, {"Incheon", "21999", 0}};
static const place PL_TR[] = {{"İstanbul", "34394", 0}, {"Ankara", "06420", 0}, {"İzmir", "35210", 0}, {"Bursa", "16010", 0}};
static const place PL_VN[] = {{"Ho Chi Minh City", "700000", 0}, {"Hanoi", "100000", 0}, {"Da Nang", "550000", 0}};
static const place PL_IN[] = {{"Mumbai", "400001", 0}, {"New Delhi", "110001", 0}, {"Bengaluru", "560001", 0}, {"Chennai", "600001", 0}, {"Surat", "395003", 0}};

static const char *const ST_DE[] = {"Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Gartenweg", "Lindenallee", "Friedrichstraße"};
static const char *const ST_AT[] = {"Hauptstraße", "Mariahilfer Straße", "Landstraße", "Kirchengasse"};
static const char *const ST_FR[] = {"rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire"};
static const char *const ST_BE[] = {"Rue Neuve", "Avenue Louise", "Meir", "Kortrijksesteenweg"};
static const char *const ST_IT[] = {"Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante"};
static const char *const ST_ES[] = {"Calle Mayor", "Gran Vía", "Calle de Alcalá", "Avenida de la Constitución"};
static const char *const ST_NL[] = {"Kerkstraat", "Dorpsstraat", "Stationsweg", "Prinsengracht"};
static const char *const ST_PL[] = {"ul. Marszałkowska", "ul. Długa", "ul. Polna", "ul. Lipowa"};
static const char *const ST_SE[] = {"Drottninggatan", "Storgatan", "Kungsgatan", "Västra Hamngatan"};
static const char *const ST_EN[] = {"High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Main Street"};
static const char *const ST_US[] = {"Main St", "Oak Ave", "Maple Dr", "Washington Blvd", "5th Ave", "Elm St"};
static const char *const ST_AU[] = {"George Street", "Collins Street", "Queen Street", "Pitt Street"};
static const char *const ST_CA[] = {"King Street West", "Rue Sainte-Catherine", "Granville Street", "Yonge Street"};
static const char *const ST_CN[] = {"Renmin Road", "Jianshe Road", "Zhongshan Road", "Keyuan Road", "Binhe Avenue"};
/* streets[i] lies in places[i] where districts are named (see STREET_IN_PLACE) */
static const char *const ST_HK[] = {"Hoi Bun Road", "Nathan Road", "Castle Peak Road", "Sha Tin Centre Street"};
static const char *const ST_JP[] = {"Jingumae", "Umeda", "Minatomirai", "Sakae"};
static const char *const ST_KR[] = {"Teheran-ro", "Haeundae-ro", "Sejong-daero"};
static const char *const ST_TR[] = {"Atatürk Caddesi", "İstiklal Caddesi", "Cumhuriyet Caddesi"};
static const char *const ST_VN[] = {"Nguyễn Huệ", "Lê Lợi", "Trần Hưng Đạo"};
static const char *const ST_IN[] = {"MG Road", "Linking Road", "Anna Salai", "Ring Road"};

/* UN/LOCODEs of the airports and offices of exchange goods leave or enter by. */
static const char *const GW_DE[] = {"DEFRA", "DELEJ"};
static const char *const GW_FR[] = {"FRCDG"};
static const char *const GW_IT[] = {"ITMXP", "ITFCO"};
static const char *const GW_ES[] = {"ESMAD", "ESBCN"};
static const char *const GW_NL[] = {"NLAMS"};
static const char *const GW_PL[] = {"PLWAW"};
static const char *const GW_SE[] = {"SESTO"};
static const char *const GW_BE[] = {"BEBRU", "BELGG"};
static const char *const GW_AT[] = {"ATVIE"};
static const char *const GW_IE[] = {"IEDUB"};
static const char *const GW_GB[] = {"GBLHR", "GBEMA"};
static const char *const GW_US[] = {"USJFK", "USLAX", "USCHI", "USMIA"};
static const char *const GW_AU[] = {"AUSYD", "AUMEL"};
static const char *const GW_CA[] = {"CAYVR", "CAYYZ"};
static const char *const GW_CN[] = {"CNSZX", "CNCAN", "CNSHA", "CNHGH", "CNCGO"};
static const char *const GW_HK[] = {"HKHKG"};
static const char *const GW_JP[] = {"JPTYO", "JPOSA"};
static const char *const GW_KR[] = {"KRSEL"};
static const char *const GW_TR[] = {"TRIST"};
static const char *const GW_VN[] = {"VNSGN", "VNHAN"};
static const char *const GW_IN[] = {"INDEL", "INBOM"};

/* Mobile number prefixes after the country code; the rest is random. */
static const char *const MO_DE[] = {"151", "160", "170", "176"};
static const char *const MO_FR[] = {"6", "7"};
static const char *const MO_IT[] = {"320", "333", "347", "393"};
static const char *const MO_ES[] = {"6"};
static const char *const MO_NL[] = {"6"};
static const char *const MO_PL[] = {"50", "60", "69", "78"};
static const char *const MO_SE[] = {"70", "72", "73"};
static const char *const MO_BE[] = {"47", "48", "49"};
static const char *const MO_AT[] = {"650", "664", "676", "699"};
static const char *const MO_IE[] = {"83", "85", "86", "87"};
static const char *const MO_GB[] = {"7"};
static const char *const MO_US[] = {"212", "310", "312", "713", "206", "305", "512"};
static const char *const MO_AU[] = {"4"};
static const char *const MO_CA[] = {"416", "604", "514", "403", "613"};
static const char *const MO_CN[] = {"138", "139", "150", "186", "188"};
static const char *const MO_HK[] = {"5", "6", "9"};
static const char *const MO_JP[] = {"70", "80", "90"};
static const char *const MO_KR[] = {"10"};
static const char *const MO_TR[] = {"532", "542", "555"};
static const char *const MO_VN[] = {"90", "91", "98"};
static const char *const MO_IN[] = {"9", "8", "7"};

enum { STREET_NUMBER_FIRST, STREET_NUMBER_LAST, STREET_BLOCK };
#define STREET_IN_PLACE(cc) ((cc) == C_HK || (cc) == C_JP)

typedef struct country {
    char cc[3];
    uint8_t names;              /* N_* */
    uint8_t street_style;       /* how a house number joins the street */
    uint8_t subscriber_digits;  /* phone digits after the mobile prefix */
    const char *dial;           /* "+49" */
    const char *road_gateway;   /* UN/LOCODE trucks cross at; NULL: no road lanes */
    const char *company_suffix; /* legal form of sellers based here */
    const place *places;
    const char *const *streets, *const *gateways, *const *mobile;
    uint8_t nplaces, nstreets, ngateways, nmobile;
} country;

#define COUNTRY(cc, n, style, digits, dial, road, suffix, pl, st, gw, mo) \
    {cc, n, style, digits, dial, road, suffix, pl, st, gw, mo, (uint8_t)COUNTOF(pl), \
     (uint8_t)COUNTOF(st), (uint8_t)COUNTOF(gw), (uint8_t)COUNTOF(mo)}

static const country COUNTRIES[C_COUNT] = {
    [C_DE] = COUNTRY("DE", N_DE, STREET_NUMBER_LAST, 8, "+49", "DEDUI", "GmbH", PL_DE, ST_DE, GW_DE, MO_DE),
    [C_FR] = COUNTRY("FR", N_FR, STREET_NUMBER_FIRST, 8, "+33", "FRCQF", "SARL", PL_FR, ST_FR, GW_FR, MO_FR),
    [C_IT] = COUNTRY("IT", N_IT, STREET_NUMBER_LAST, 7, "+39", "ITMIL", "S.r.l.", PL_IT, ST_IT, GW_IT, MO_IT),
    [C_ES] = COUNTRY("ES", N_ES, STREET_NUMBER_LAST, 8, "+34", "ESMAD", "S.L.", PL_ES, ST_ES, GW_ES, MO_ES),
    [C_NL] = COUNTRY("NL", N_NL, STREET_NUMBER_LAST, 8, "+31", "NLRTM", "B.V.", PL_NL, ST_NL, GW_NL, MO_NL),
    [C_PL] = COUNTRY("PL", N_PL, STREET_NUMBER_LAST, 7, "+48", "PLWAW", "sp. z o.o.", PL_PL, ST_PL, GW_PL, MO_PL),
    [C_SE] = COUNTRY("SE", N_SV, STREET_NUMBER_LAST, 7, "+46", "SEMMA", "AB", PL_SE, ST_SE, GW_SE, MO_SE),
    [C_BE] = COUNTRY("BE", N_FR, STREET_NUMBER_LAST, 7, "+32", "BEANR", "SRL", PL_BE, ST_BE, GW_BE, MO_BE),
    [C_AT] = COUNTRY("AT", N_DE, STREET_NUMBER_LAST, 7, "+43", "ATVIE", "GmbH", PL_AT, ST_AT, GW_AT, MO_AT),
    [C_IE] = COUNTRY("IE", N_EN, STREET_NUMBER_FIRST, 7, "+353", "IEDUB", "Limited", PL_IE, ST_EN, GW_IE, MO_IE),
    [C_GB] = COUNTRY("GB", N_EN, STREET_NUMBER_FIRST, 9, "+44", "GBDVR", "Ltd", PL_GB, ST_EN, GW_GB, MO_GB),
    [C_US] = COUNTRY("US", N_EN, STREET_NUMBER_FIRST, 7, "+1", "USBUF", "LLC", PL_US, ST_US, GW_US, MO_US),
    [C_AU] = COUNTRY("AU", N_EN, STREET_NUMBER_FIRST, 8, "+61", NULL, "Pty Ltd", PL_AU, ST_AU, GW_AU, MO_AU),
    [C_CA] = COUNTRY("CA", N_EN, STREET_NUMBER_FIRST, 7, "+1", "CATOR", "Inc.", PL_CA, ST_CA, GW_CA, MO_CA),
    [C_CN] = COUNTRY("CN", N_ZH, STREET_NUMBER_FIRST, 8, "+86", NULL, "Co., Ltd.", PL_CN, ST_CN, GW_CN, MO_CN),
    [C_HK] = COUNTRY("HK", N_HK, STREET_NUMBER_FIRST, 7, "+852", NULL, "(HK) Limited", PL_HK, ST_HK, GW_HK, MO_HK),
    [C_JP] = COUNTRY("JP", N_JA, STREET_BLOCK, 8, "+81", NULL, "K.K.", PL_JP, ST_JP, GW_JP, MO_JP),
    [C_KR] = COUNTRY("KR", N_KO, STREET_NUMBER_LAST, 8, "+82", NULL, "Co., Ltd.", PL_KR, ST_KR, GW_KR, MO_KR),
    [C_TR] = COUNTRY("TR", N_TR, STREET_NUMBER_LAST, 7, "+90", "TRIST", "Dış Ticaret A.Ş.", PL_TR, ST_TR, GW_TR, MO_TR),
    [C_VN] = COUNTRY("VN", N_VI, STREET_NUMBER_FIRST, 7, "+84", NULL, "Company Limited", PL_VN, ST_VN, GW_VN, MO_VN),
    [C_IN] = COUNTRY("IN", N_IN, STREET_NUMBER_FIRST, 9, "+91", NULL, "Pvt. Ltd.", PL_IN, ST_IN, GW_IN, MO_IN),
};

/* Where cross-border e-commerce sellers are based (per mille). */
static const uint8_t ORIGINS[] = {C_CN, C_HK, C_US, C_GB, C_DE, C_JP, C_KR, C_TR, C_VN, C_IN};
static const uint16_t ORIGIN_W[] = {560, 100, 80, 50, 50, 40, 40, 30, 25, 25};

/* EU buyers by member state, roughly by online import volume. */
static const uint8_t EU_DEST[] = {C_DE, C_FR, C_IT, C_ES, C_NL, C_PL, C_SE, C_BE, C_AT, C_IE};
static const uint16_t EU_DEST_W[] = {25, 20, 14, 12, 8, 8, 4, 4, 3, 2};

static const char *const COMPANY_WORD1[] = {"Bright", "Golden", "Lucky", "Ocean", "Silver", "Green", "Blue Sky", "Sunrise", "Dragon", "Lotus", "Pioneer", "Nova", "Swift", "Maple", "Crystal", "Harbour", "Summit", "Jade", "Orchid", "Phoenix"};
static const char *const COMPANY_WORD2[] = {"Trading", "Electronics", "Apparel", "Home", "Technology", "Commerce", "Supply", "Digital", "Fashion", "Goods", "Imports", "Crafts"};
static const char *const SELLER_MAILBOX[] = {"sales", "shop", "service", "info"};
static const char *const MAIL_DOMAINS[] = {"example.com", "example.net", "example.org", "mail.example", "post.example"};
static const char *const PAY_PROVIDERS[] = {"EXAMPLEPAY", "CARDNET", "QUICKWALLET", "PAYLINK", "BANKTRANSFER"};
static const uint16_t PAY_PROVIDER_W[] = {40, 30, 15, 10, 5};

/* IOSS numbers are issued by the member state of identification: vendors
 * outside the EU mostly pick these. */
static const char *const IOSS_STATES[] = {"372", "528", "442", "276", "250", "056"};
#define IOSS_STATE_UNUSED "040" /* never issued: the registry's revoked samples */

typedef struct carrier {
    const char *id;
    const char *awb_prefix; /* NULL: not an airline waybill issuer */
} carrier;

static const carrier EXPRESS[] = {{"EXPRESS-01", "176"}, {"EXPRESS-02", "618"}, {"EXPRESS-03", "297"}};
static const uint16_t EXPRESS_W[] = {50, 30, 20};
static const carrier AIRCARGO[] = {{"AIRCARGO-01", "180"}, {"AIRCARGO-02", "020"}};
static const carrier ROAD = {"ROAD-01", NULL};

typedef struct platform {
    const char *id, *name, *host;
    const char *ioss;   /* deemed supplier's IOSS number (EU) */
    uint32_t uk_vat7;   /* first seven digits of its UK VAT number */
    uint32_t arn8;      /* last eight digits of its Australian ARN */
} platform;

enum { MKT_3, MKT_7, MKT_12, MKT_21 };
static const platform PLATFORMS[] = {
    [MKT_3] = {"MKT-3", "Demo Bazaar", "bazaar.example", "IM3720000031", 1234567, 10000031},
    [MKT_7] = {"MKT-7", "Example Marketplace", "marketplace.example", "IM2760000001", 7654321, 10000007},
    [MKT_12] = {"MKT-12", "Sample Mall", "mall.example", "IM5280000012", 2468013, 10000012},
    [MKT_21] = {"MKT-21", "Preloved Market", "preloved.example", "IM3720000021", 1357924, 10000021},
};
static const uint16_t MARKETPLACE_W[] = {30, 50, 20}; /* MKT_3, MKT_7, MKT_12 */

/* ======================================================================
 * Jurisdictions and business flows
 * ==================================================================== */

enum { SCHEME_NONE, SCHEME_IOSS, SCHEME_UK_VAT, SCHEME_ARN };
enum { J_EU, J_GB, J_US, J_AU, J_CA, J_CN, J_COUNT };

typedef struct jurisdiction {
    const char *code, *currency;
    uint32_t per_usd;     /* local minor units per 10000 US cents (illustrative, fixed) */
    uint16_t mix_share;   /* per mille of records in a mixed run */
    uint8_t scheme;       /* vendor collection scheme, if any */
    uint8_t dest;         /* buyer country, unless EU */
    int64_t vendor_limit; /* vendor collection applies at or under this (minor units) */
} jurisdiction;

static const jurisdiction JURIS[J_COUNT] = {
    [J_EU] = {"EU", "EUR", 9200, 400, SCHEME_IOSS, C_DE, 15000},
    [J_GB] = {"GB", "GBP", 7900, 120, SCHEME_UK_VAT, C_GB, 13500},
    [J_US] = {"US", "USD", 10000, 200, SCHEME_NONE, C_US, 0},
    [J_AU] = {"AU", "AUD", 15200, 90, SCHEME_ARN, C_AU, 100000},
    [J_CA] = {"CA", "CAD", 13700, 100, SCHEME_NONE, C_CA, 0},
    [J_CN] = {"CN", "CNY", 72000, 90, SCHEME_NONE, C_CN, 0},
};

enum { FLOW_POSTAL, FLOW_EXPRESS, FLOW_PLATFORM, FLOW_FORWARDER, FLOW_BROKER };
static const uint16_t FLOW_W[] = {340, 300, 290, 40, 30};
static const char *const ROLE[] = {"postal", "express", "platform", "forwarder", "broker"};

enum { TXN_B2C, TXN_C2C, TXN_B2B };
static const char *const TXN[] = {"B2C", "C2C", "B2B"};
static const uint16_t TXN_W[][3] = {
    [FLOW_POSTAL] = {840, 140, 20},   [FLOW_EXPRESS] = {880, 50, 70},
    [FLOW_PLATFORM] = {970, 30, 0},   [FLOW_FORWARDER] = {750, 0, 250},
    [FLOW_BROKER] = {600, 0, 400},
};

enum { MODE_POST, MODE_AIR, MODE_ROAD };
static const char *const MODE[] = {"post", "air", "road"};

enum { COLLECT_VENDOR, COLLECT_INTERMEDIARY, COLLECT_BUYER };
static const char *const COLLECT[] = {"vendor", "intermediary", "buyer"};

/* An origin may not be inside the importing customs territory. */
static bool origin_allowed(unsigned origin, unsigned j, unsigned dest)
{
    return origin != dest && !(j == J_EU && in_eu(origin));
}

/* Lanes where trucks, not planes, carry marketplace parcels. */
static bool road_lane(unsigned origin, unsigned dest)
{
    if (origin == C_TR)
        return in_eu(dest) || dest == C_GB;
    if (origin == C_GB)
        return in_eu(dest);
    if (origin == C_DE)
        return dest == C_GB;
    return origin == C_US && dest == C_CA;
}

/* ======================================================================
 * The product catalogue (DATADIR/demo/catalogue.tsv)
 * ==================================================================== */

#define CAT_HEADER "hs_code\tdescription\tunit\tmin_price_usd_cents\tmax_price_usd_cents\tmin_net_g\tmax_net_g\tweight"
#define CAT_MAX_TEXT 400 /* bytes of description templates per row */

typedef struct cat_row {
    char hs[7], unit[8];
    const char *text; /* "alt|alt" with {a|b} choices; points into cat.storage */
    uint32_t price_lo, price_hi, net_lo, net_hi;
} cat_row;

typedef struct catalogue {
    cat_row *rows;
    uint64_t *cum; /* running total of weights, for a binary-search draw */
    size_t n;
    char *storage; /* the file, cut into NUL-terminated fields */
    /* demo/prohibited.tsv only: per row, where the goods are banned
     * ("*" or "AU,EU,GB"); category and language are documentation */
    const char **where;
} catalogue;

/* The two files in this format: what a catalogue line holds after the
 * common eight columns. */
typedef struct cat_format {
    const char *what;   /* for messages */
    const char *file;   /* under DATADIR/demo/ */
    const char *header;
    int ncols;          /* 8, or 11 with category, language, jurisdictions */
} cat_format;

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *read_file(const char *path, const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "cannot open %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 1 << 16;
    char *p = malloc(cap);
    while (p) {
        n += fread(p + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *q = realloc(p, cap *= 2);
        if (!q)
            free(p);
        p = q;
    }
    bool bad = !p || ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        set_err(err, errlen, "cannot read %s %s", what, path);
        return NULL;
    }
    p[n] = 0;
    return p;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > 0xffffffffu)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* Templates are emitted verbatim inside JSON strings, so anything that
 * would need an escape is refused here, as are unbalanced braces. */
static const char *check_template(const char *t)
{
    size_t len = strlen(t);
    if (len == 0 || len > CAT_MAX_TEXT)
        return "description empty or longer than 400 bytes";
    bool open = false;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p < 0x20 || *p == '"' || *p == '\\')
            return "description contains a quote, backslash or control character";
        if (*p == '{' && open)
            return "description has nested '{'";
        if (*p == '}' && !open)
            return "description has '}' without '{'";
        if (*p == '{' || *p == '}')
            open = *p == '{';
    }
    return open ? "description has '{' without '}'" : NULL;
}

static const char *parse_row(char **f, cat_row *row, uint32_t *weight)
{
    const char *hs = f[0];
    if (strlen(hs) != 6 || strspn(hs, "0123456789") != 6)
        return "hs_code must be 6 digits";
    memcpy(row->hs, hs, 7);
    const char *why = check_template(f[1]);
    if (why)
        return why;
    row->text = f[1];
    size_t ulen = strlen(f[2]);
    if (ulen == 0 || ulen >= sizeof row->unit || strspn(f[2], "abcdefghijklmnopqrstuvwxyz") != ulen)
        return "unit must be 1-7 lowercase letters";
    memcpy(row->unit, f[2], ulen + 1);
    if (!parse_u32(f[3], &row->price_lo) || !parse_u32(f[4], &row->price_hi) ||
        !parse_u32(f[5], &row->net_lo) || !parse_u32(f[6], &row->net_hi) || !parse_u32(f[7], weight))
        return "prices, weights and frequency must be unsigned integers";
    if (row->price_lo == 0 || row->price_lo > row->price_hi || row->price_hi > 10000000)
        return "need 0 < min_price <= max_price <= 10000000 cents";
    if (row->net_lo == 0 || row->net_lo > row->net_hi || row->net_hi > 1000000)
        return "need 0 < min_net_g <= max_net_g <= 1000000";
    if (*weight > 1000000)
        return "weight over 1000000";
    return NULL;
}

/* Splits a line on tabs; returns the field count (at most max). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p == '\t') {
            *p = 0;
            if (n == max)
                return max + 1;
            f[n++] = p + 1;
        }
    }
    return n;
}

/* "*" or jurisdiction codes separated by commas ("AU,EU,GB"). */
static const char *check_where(const char *w)
{
    if (!strcmp(w, "*"))
        return NULL;
    for (const char *p = w; *p; p += 3) {
        if (p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z' || (p[2] && p[2] != ','))
            return "jurisdictions must be * or codes like AU,EU,GB";
        if (!p[2])
            return NULL;
    }
    return "jurisdictions must be * or codes like AU,EU,GB";
}

/* The three documentary columns of prohibited.tsv. */
static const char *parse_extra(char **f, catalogue *c)
{
    if (!*f[8] || strlen(f[9]) != 2 || strspn(f[9], "abcdefghijklmnopqrstuvwxyz") != 2)
        return "category must be non-empty and language two lowercase letters";
    const char *why = check_where(f[10]);
    if (!why)
        c->where[c->n] = f[10];
    return why;
}

static int add_line(catalogue *c, const cat_format *fmt, char *line, bool *seen_header, const char **why)
{
    char *f[11];
    if (!*seen_header) {
        *seen_header = true;
        *why = strcmp(line, fmt->header) ? "first row must be the header" : NULL;
        return *why ? -1 : 0;
    }
    if (split_tabs(line, f, fmt->ncols) != fmt->ncols) {
        *why = fmt->ncols == 8 ? "expected 8 tab-separated columns" : "expected 11 tab-separated columns";
        return -1;
    }
    uint32_t w;
    if ((*why = parse_row(f, &c->rows[c->n], &w)) || (fmt->ncols == 11 && (*why = parse_extra(f, c))))
        return -1;
    c->cum[c->n] = (c->n ? c->cum[c->n - 1] : 0) + w;
    c->n++;
    return 0;
}

static void free_catalogue(catalogue *c)
{
    free(c->rows);
    free(c->cum);
    free(c->where);
    free(c->storage);
    memset(c, 0, sizeof *c);
}

static int parse_catalogue(catalogue *c, const cat_format *fmt, const char *path, char *err, size_t errlen)
{
    size_t lines = 1;
    for (const char *p = c->storage; *p; p++)
        lines += *p == '\n';
    c->rows = malloc(lines * sizeof *c->rows);
    c->cum = malloc(lines * sizeof *c->cum);
    if (fmt->ncols == 11)
        c->where = malloc(lines * sizeof *c->where);
    if (!c->rows || !c->cum || (fmt->ncols == 11 && !c->where)) {
        set_err(err, errlen, "out of memory loading %s", path);
        return -1;
    }
    bool seen_header = false;
    unsigned lineno = 0;
    for (char *line = c->storage, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        const char *why = NULL;
        if (len == 0 || line[0] == '#')
            continue;
        if (add_line(c, fmt, line, &seen_header, &why)) {
            if (!strcmp(why, "first row must be the header"))
                set_err(err, errlen, "%s line %u: %s: %s", path, lineno, why, fmt->header);
            else
                set_err(err, errlen, "%s line %u: %s", path, lineno, why);
            return -1;
        }
    }
    if (c->n == 0 || c->cum[c->n - 1] == 0) {
        set_err(err, errlen, "%s: no products (or all weights are 0)", path);
        return -1;
    }
    return 0;
}

static const cat_format CATALOGUE = {"product catalogue", "catalogue.tsv", CAT_HEADER, 8};
static const cat_format PROHIBITED = {"prohibited goods list", "prohibited.tsv",
                                      CAT_HEADER "\tcategory\tlanguage\tjurisdictions", 11};

static int load_catalogue(catalogue *c, const cat_format *fmt, const char *datadir, char *err, size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/demo/%s", datadir, fmt->file) >= sizeof path) {
        set_err(err, errlen, "data directory path too long");
        return -1;
    }
    memset(c, 0, sizeof *c);
    if (!(c->storage = read_file(path, fmt->what, err, errlen)))
        return -1;
    if (parse_catalogue(c, fmt, path, err, errlen)) {
        free_catalogue(c);
        return -1;
    }
    return 0;
}

static const cat_row *draw_product(const catalogue *c, rng *r)
{
    uint64_t x = ((rng_next(r) >> 32) * c->cum[c->n - 1]) >> 32;
    size_t lo = 0, hi = c->n - 1;
    while (lo < hi) { /* first row whose running total exceeds x */
        size_t mid = lo + (hi - lo) / 2;
        if (c->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &c->rows[lo];
}

/* Emits one description: picks a top-level "a|b" alternative, then one
 * option inside every {x|y}.  The choices come from the item's own seed so
 * that the text does not depend on how many draws came before. */
static void put_description(sink *s, const char *t, uint64_t seed)
{
    unsigned alts = 1, depth = 0;
    for (const char *p = t; *p; p++) {
        depth += *p == '{';
        depth -= *p == '}';
        alts += *p == '|' && !depth;
    }
    unsigned want = (unsigned)(splitmix64(&seed) % alts);
    for (; want; t++) { /* skip to the chosen alternative */
        depth += *t == '{';
        depth -= *t == '}';
        want -= *t == '|' && !depth;
    }
    put_c(s, '"');
    while (*t && *t != '|') {
        const char *run = t;
        while (*t && *t != '|' && *t != '{')
            t++;
        put(s, run, (size_t)(t - run));
        if (*t != '{')
            break;
        const char *close = strchr(t, '}');
        unsigned opts = 1;
        for (const char *p = t + 1; p < close; p++)
            opts += *p == '|';
        unsigned k = (unsigned)(splitmix64(&seed) % opts);
        const char *o = t + 1;
        for (; k; o++)
            k -= *o == '|';
        const char *end = o;
        while (end < close && *end != '|')
            end++;
        put(s, o, (size_t)(end - o));
        t = close + 1;
    }
    put_c(s, '"');
}

/* ======================================================================
 * Parties: sellers (companies) and persons (buyers, private senders)
 * ==================================================================== */

/* Salts keep the streams of different kinds of thing apart. */
enum { SALT_RECORD = 1, SALT_SELLER, SALT_PERSON, SALT_RETURN, SALT_IS_RETURN, SALT_MASTER,
       SALT_BLOCK, SALT_ANOMALY, SALT_SPLIT, SALT_SPLIT_TIME, SALT_SPLIT_IDS, SALT_PARCEL, SALT_OFFENDER,
       SALT_DAYS, SALT_BASE = 1000 /* + try: another base record for an anomaly */ };

typedef struct seller {
    uint32_t no;                  /* SELLER-<no> */
    uint8_t country, place, street, word1, word2, mailbox;
    uint16_t house;
    bool ioss, uk_vat, arn;       /* registered for the vendor schemes */
    uint8_t ioss_state;
    uint32_t ioss7, vat7, arn8;
} seller;

typedef struct person {
    uint32_t no;                  /* B-<no> or P-<no> */
    uint8_t country, first, last, place, street, mail_style, mail_domain, mobile;
    uint16_t house;
    uint64_t phone_bits;
    int64_t birth_day;            /* for Chinese resident ID numbers */
    uint16_t id_seq;
} person;

/* The largest seller pool of any run: SELLER-1 .. SELLER-MAX_SELLERS. */
#define MAX_SELLERS 5000

static void seller_init(uint64_t seed, uint32_t no, seller *s)
{
    rng r;
    rng_seed(&r, seed, SALT_SELLER, no);
    s->no = no;
    s->country = ORIGINS[PICK(&r, ORIGIN_W)];
    const country *c = &COUNTRIES[s->country];
    s->place = (uint8_t)below(&r, c->nplaces);
    s->street = (uint8_t)below(&r, c->nstreets);
    if (STREET_IN_PLACE(s->country))
        s->street = s->place;
    s->house = (uint16_t)between(&r, 1, 388);
    s->word1 = (uint8_t)below(&r, COUNTOF(COMPANY_WORD1));
    s->word2 = (uint8_t)below(&r, COUNTOF(COMPANY_WORD2));
    s->mailbox = (uint8_t)below(&r, COUNTOF(SELLER_MAILBOX));
    s->ioss = chance(&r, 700);
    s->uk_vat = chance(&r, 600);
    s->arn = chance(&r, 400);
    s->ioss_state = (uint8_t)below(&r, COUNTOF(IOSS_STATES));
    s->ioss7 = below(&r, 10000000);
    s->vat7 = between(&r, 1000000, 9999999);
    s->arn8 = below(&r, 100000000);
}

static void person_init(uint64_t seed, uint32_t no, unsigned cc, person *p)
{
    rng r;
    rng_seed(&r, seed, SALT_PERSON, no);
    const country *c = &COUNTRIES[cc];
    const name_list *nl = &NAME_LISTS[c->names];
    p->no = no;
    p->country = (uint8_t)cc;
    p->first = (uint8_t)below(&r, nl->nfirst);
    p->last = (uint8_t)below(&r, nl->nlast);
    p->place = (uint8_t)below(&r, c->nplaces);
    p->street = (uint8_t)below(&r, c->nstreets);
    if (STREET_IN_PLACE(cc))
        p->street = p->place;
    p->house = (uint16_t)between(&r, 1, 160);
    p->mail_style = (uint8_t)below(&r, 4);
    p->mail_domain = (uint8_t)below(&r, COUNTOF(MAIL_DOMAINS));
    p->mobile = (uint8_t)below(&r, c->nmobile);
    p->phone_bits = rng_next(&r);
    p->birth_day = days_from_civil(1960, 1, 1) + below(&r, 46 * 365);
    p->id_seq = (uint16_t)below(&r, 1000);
}

/* A buyer's country is part of who they are: EU buyers keep theirs. */
static unsigned buyer_country(uint64_t seed, unsigned j, uint32_t no)
{
    if (j != J_EU)
        return JURIS[j].dest;
    rng r;
    rng_seed(&r, seed, SALT_PERSON + 100, no);
    return EU_DEST[PICK(&r, EU_DEST_W)];
}

/* ASCII, lowercase, letters and digits only: "Müller" -> "mueller",
 * "O'Brien" -> "obrien".  For e-mail local parts and web hosts. */
static const struct {
    const char *utf8, *ascii;
} TRANSLIT[] = {
    {"ä", "ae"}, {"ö", "oe"}, {"ü", "ue"}, {"ß", "ss"}, {"Ö", "o"}, {"Ü", "u"}, {"é", "e"},
    {"è", "e"}, {"ê", "e"}, {"É", "e"}, {"á", "a"}, {"à", "a"}, {"í", "i"}, {"ó", "o"},
    {"ò", "o"}, {"ñ", "n"}, {"ç", "c"}, {"Ç", "c"}, {"ł", "l"}, {"ś", "s"}, {"ą", "a"},
    {"ę", "e"}, {"ż", "z"}, {"ź", "z"}, {"ń", "n"}, {"ć", "c"}, {"å", "a"}, {"ş", "s"},
    {"Ş", "s"}, {"ğ", "g"}, {"ı", "i"}, {"İ", "i"}, {"ễ", "e"}, {"ầ", "a"}, {"ấ", "a"},
    {"ạ", "a"},
};

static size_t slug(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    while (*s && n + 3 < cap) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x80) {
            if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
                out[n++] = (char)ch;
            else if (ch >= 'A' && ch <= 'Z')
                out[n++] = (char)(ch - 'A' + 'a');
            s++;
            continue;
        }
        size_t len = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : 2;
        for (size_t i = 0; i < COUNTOF(TRANSLIT); i++) {
            if (strncmp(s, TRANSLIT[i].utf8, len) == 0) {
                for (const char *a = TRANSLIT[i].ascii; *a; a++)
                    out[n++] = *a;
                break;
            }
        }
        s += len; /* unknown letters are dropped */
    }
    out[n] = 0;
    return n;
}

/* ======================================================================
 * Planning one declaration
 * ==================================================================== */

#define MAX_ITEMS 8

typedef struct plan_item {
    const cat_row *row;
    uint32_t qty, net_g;
    int64_t value; /* line total: unit price x quantity, minor units */
    uint8_t origin;
    bool url;
    uint64_t text_seed;
    uint32_t url_no;
    const char *hs_x, *text_x; /* anomalies: declared instead of the row's */
} plan_item;

/* A party as an anomaly writes it (an offender, a buyer typed another
 * way): the strings replace what the party's pool number would give. */
typedef struct party_x {
    bool on;
    const char *id, *name, *line, *city, *postcode, *email, *phone, *national_id, *url;
    unsigned country;
} party_x;

typedef struct plan {
    uint64_t seq, related_seq; /* related_seq != 0 for returns */
    unsigned j, flow, txn, mode, collect;
    bool gift, is_return;
    char submitter[16];
    const carrier *carrier;
    char carrier_id[16];
    const platform *platform;  /* order.platform, NULL for direct sales and gifts */

    bool private_seller;       /* C2C: the seller is a person */
    seller seller;
    person sender, buyer;
    unsigned origin, dest;

    const char *currency;
    uint32_t per_usd;
    plan_item items[MAX_ITEMS];
    unsigned nitems;
    int64_t total, freight, insurance;
    uint32_t gross_g, packages;

    int64_t order_t, pay_t, arrival_t, loaded_t; /* loaded_t < 0: unknown */
    const char *loading, *arrival;
    char document[16], master[16];
    unsigned provider;

    char seller_scheme[16], collect_scheme[16], account[24];

    /* --anomalies; all zero on a clean record */
    unsigned pattern;          /* PAT_* */
    char group[32];            /* linked records (a split purchase), else "" */
    int64_t at_stake;          /* value whose share is the revenue at stake */
    int64_t paid_x;            /* payment.amount when it is not the total; 0: the total */
    const char *payer_x;       /* payment.payer when it is not the buyer */
    party_x seller_x, buyer_x;
    char xbuf[3072];           /* the strings of the above */
    size_t xlen;
} plan;

/* The anomaly patterns (docs/generator.md); the names are the truth file's. */
enum { PAT_CLEAN, PAT_UNDERVALUATION, PAT_SPLITTING, PAT_MISCLASSIFICATION, PAT_WATCHLIST, PAT_PROHIBITED,
       PAT_RECONCILIATION, PAT_FIRST_TIME, PAT_FAKE_SCHEME, PAT_COUNT };
static const char *const PATTERN_NAME[PAT_COUNT] = {
    "clean", "undervaluation", "splitting", "misclassification", "watchlist", "prohibited",
    "reconciliation", "first_time_high_risk", "fake_scheme",
};

typedef struct offender offender;

typedef struct gen {
    uint64_t seed;
    int fixed_j; /* -1: mixed */
    catalogue cat;
    uint32_t nsellers, nsenders;
    uint32_t buyer_start[J_COUNT], buyer_size[J_COUNT];
    int64_t base_t; /* 2026-11-20T00:00:00Z: orders fall in the 60 days before */

    uint64_t count;
    uint32_t days;           /* --days: order dates spread over this many days, 0: as always */
    bool outcomes;           /* --outcomes */
    bool anomalies;          /* --anomalies given (even 0): payers are written */
    uint32_t ppm;            /* anomalous records per million */
    anom_vocab vocab;        /* the anomaly vocabularies and the jurisdictions */
    catalogue banned;        /* demo/prohibited.tsv */
    offender *offenders;     /* the --watchlist list of this seed */
    uint32_t noffenders;
    catalogue risky;         /* the catalogue's rows of high-risk chapters (rows borrowed) */
    char (*registered)[16];  /* every number gen --registry may list, sorted */
    size_t nregistered;
} gen;

static uint32_t clamp_u32(uint64_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/* Scatters a popularity rank over the id space so that the busiest buyers
 * are not simply B-1, B-2... and differ from seed to seed: multiplying by a
 * prime that does not divide n, plus an offset, is a bijection on [0, n). */
static uint32_t scatter(uint32_t rank, uint32_t n, uint64_t seed)
{
    static const uint32_t primes[] = {7919, 104729, 1299709};
    uint64_t offset = hash3(seed, n, 0) % n;
    for (size_t i = 0; i < COUNTOF(primes); i++)
        if (n % primes[i])
            return (uint32_t)(((uint64_t)rank * (primes[i] % n) + offset) % n);
    return rank;
}

static unsigned pick_jurisdiction(const gen *g, rng *r)
{
    if (g->fixed_j >= 0)
        return (unsigned)g->fixed_j;
    uint16_t w[J_COUNT];
    for (unsigned i = 0; i < J_COUNT; i++)
        w[i] = JURIS[i].mix_share;
    return pick(r, w, J_COUNT);
}

/* Half the orders come from anyone, half from a skewed head: repeat buyers
 * without one customer dominating the data. */
static void pick_buyer(const gen *g, rng *r, plan *p)
{
    uint32_t n = g->buyer_size[p->j];
    uint32_t rank = chance(r, 500) ? below(r, n) : skewed(r, n, 2);
    uint32_t no = g->buyer_start[p->j] + scatter(rank, n, g->seed) + 1;
    p->dest = buyer_country(g->seed, p->j, no);
    person_init(g->seed, no, p->dest, &p->buyer);
}

static void pick_seller(const gen *g, rng *r, plan *p)
{
    uint32_t no = 0;
    for (int tries = 0; tries < 16; tries++) {
        no = scatter(skewed(r, g->nsellers, 2), g->nsellers, g->seed) + 1;
        seller_init(g->seed, no, &p->seller);
        if (origin_allowed(p->seller.country, p->j, p->dest))
            return;
    }
    do { /* rare: walk the pool to the next seller who may ship here */
        no = no % g->nsellers + 1;
        seller_init(g->seed, no, &p->seller);
    } while (!origin_allowed(p->seller.country, p->j, p->dest));
}

/* Private senders (C2C) are people abroad; their country is drawn like a
 * seller's and redrawn while it would make the parcel domestic. */
static void pick_sender(const gen *g, rng *r, plan *p)
{
    unsigned cc;
    do
        cc = ORIGINS[PICK(r, ORIGIN_W)];
    while (!origin_allowed(cc, p->j, p->dest));
    uint32_t no = below(r, g->nsenders) + 1;
    /* the id says where the sender lives, so one P- number is one person */
    person_init(g->seed ^ cc, no, cc, &p->sender);
    p->sender.no = no * 100 + cc;
}

static void pick_parties(const gen *g, rng *r, plan *p)
{
    pick_buyer(g, r, p);
    p->private_seller = p->txn == TXN_C2C;
    if (p->private_seller) {
        pick_sender(g, r, p);
        p->origin = p->sender.country;
    } else {
        pick_seller(g, r, p);
        p->origin = p->seller.country;
    }
}

/* Resellers outside the factory countries mostly sell Chinese-made goods. */
static unsigned item_origin(rng *r, const plan *p)
{
    unsigned o = p->origin;
    if (o == C_CN || o == C_VN || o == C_IN)
        return o;
    unsigned share = o == C_HK ? 750 : 300;
    if (chance(r, share) && origin_allowed(C_CN, p->j, p->dest))
        return C_CN;
    return o;
}

/* Shoppers price in whole units and charm prices ("19.99"); u^3 puts most
 * draws at the cheap end of a row's range, the rest in a long tail. */
static int64_t unit_price(rng *r, const plan *p, const cat_row *row)
{
    uint64_t span = row->price_hi - row->price_lo;
    uint64_t u = rng_next(r) >> 48, u3 = (u * u * u) >> 16; /* < 2^32 */
    uint64_t usd_cents = row->price_lo + ((span * u3) >> 32);
    int64_t minor = (int64_t)((usd_cents * p->per_usd + 5000) / 10000);
    if (minor >= 500 && chance(r, 450))
        minor = minor / 100 * 100 + 99;
    return minor > 0 ? minor : 1;
}

static uint32_t quantity(rng *r, const plan *p, int64_t unit)
{
    static const uint16_t w[] = {800, 120, 50, 15, 10, 5};
    if (p->txn == TXN_B2B)
        return unit > 5000 ? between(r, 2, 6) : between(r, 3, 24);
    return 1 + PICK(r, w);
}

static void plan_items(const gen *g, rng *r, plan *p)
{
    static const uint16_t count_w[MAX_ITEMS] = {520, 240, 120, 60, 25, 15, 10, 10};
    p->nitems = p->txn == TXN_B2B ? between(r, 1, 4) : 1 + PICK(r, count_w);
    p->total = 0;
    for (unsigned i = 0; i < p->nitems; i++) {
        plan_item *it = &p->items[i];
        it->row = draw_product(&g->cat, r);
        int64_t unit = unit_price(r, p, it->row);
        it->qty = quantity(r, p, unit);
        it->value = unit * it->qty;
        it->net_g = between(r, it->row->net_lo, it->row->net_hi) * it->qty;
        it->origin = (uint8_t)item_origin(r, p);
        it->text_seed = rng_next(r);
        it->url = p->platform ? chance(r, 300) : chance(r, 150);
        it->url_no = below(r, 100000000);
        it->hs_x = it->text_x = NULL;
        p->total += it->value;
    }
}

static void plan_platform(rng *r, plan *p)
{
    /* CN cross-border e-commerce retail imports go through a registered
     * platform by definition (three-document comparison) */
    if (p->flow == FLOW_PLATFORM || p->j == J_CN)
        p->platform = &PLATFORMS[PICK(r, MARKETPLACE_W)];
    else if (p->txn == TXN_C2C)
        p->platform = !p->gift && chance(r, 600) ? &PLATFORMS[MKT_21] : NULL;
    else if (p->txn == TXN_B2C && chance(r, 650))
        p->platform = &PLATFORMS[PICK(r, MARKETPLACE_W)];
    else
        p->platform = NULL; /* the seller's own web shop, or a B2B order */
}

static void plan_submitter(rng *r, plan *p)
{
    switch (p->flow) {
    case FLOW_POSTAL: /* the destination post lodges the import declaration */
        snprintf(p->submitter, sizeof p->submitter, "POST-%s", COUNTRIES[p->dest].cc);
        snprintf(p->carrier_id, sizeof p->carrier_id, "POST-%s", COUNTRIES[p->origin].cc);
        p->carrier = NULL;
        p->mode = MODE_POST;
        return;
    case FLOW_EXPRESS:
        p->carrier = &EXPRESS[PICK(r, EXPRESS_W)];
        snprintf(p->submitter, sizeof p->submitter, "%s", p->carrier->id);
        break;
    case FLOW_PLATFORM:
        snprintf(p->submitter, sizeof p->submitter, "%s", p->platform->id);
        p->carrier = road_lane(p->origin, p->dest) && chance(r, 700) ? &ROAD
                     : chance(r, 500) ? &AIRCARGO[below(r, COUNTOF(AIRCARGO))]
                                      : &EXPRESS[PICK(r, EXPRESS_W)];
        break;
    default: { /* forwarders and customs brokers */
        unsigned k = between(r, 1, 2);
        snprintf(p->submitter, sizeof p->submitter, "%s-0%u", p->flow == FLOW_FORWARDER ? "FWD" : "BRK", k);
        p->carrier = &AIRCARGO[below(r, COUNTOF(AIRCARGO))];
    }
    }
    snprintf(p->carrier_id, sizeof p->carrier_id, "%s", p->carrier->id);
    p->mode = p->carrier->awb_prefix ? MODE_AIR : MODE_ROAD;
}

/* --days: record seq's order time, seq-th of count evenly over the days
 * before base_t, with a jitter inside its own share of time so that the
 * times never go backwards. */
static int64_t timeline(const gen *g, uint64_t seq)
{
    uint64_t span = (uint64_t)g->days * 86400, share = span / g->count;
    uint64_t at = (uint64_t)(((unsigned __int128)(seq - 1) * span) / g->count);
    uint64_t jitter = share ? hash3(g->seed, SALT_DAYS, seq) % share : 0;
    return g->base_t - (int64_t)span + (int64_t)(at + jitter);
}

typedef struct anomaly anomaly;
static int64_t anomaly_order_time(const anomaly *a);

static void plan_dates(const gen *g, rng *r, plan *p, const anomaly *a)
{
    p->order_t = g->base_t - 60 * 86400 + below(r, 60 * 86400);
    if (g->days)
        p->order_t = timeline(g, p->seq);
    if (a && anomaly_order_time(a) >= 0)
        p->order_t = anomaly_order_time(a);
    p->pay_t = p->order_t + between(r, 2, 30);
    p->loaded_t = chance(r, 600) ? p->order_t + 86400 + below(r, 2 * 86400 - 3600) : -1;
    int64_t eta = p->order_t + 3 * 86400 + below(r, 9 * 86400);
    p->arrival_t = eta - eta % 300; /* schedules are in 5-minute steps */
}

/* Parcels of one carrier, lane and loading day travel under one master
 * waybill, so the master number is derived from those, not drawn. */
static uint32_t master_serial(const gen *g, const plan *p)
{
    uint64_t key = 0xcbf29ce484222325ULL; /* FNV-1a over carrier and lane */
    for (const char *c = p->carrier->id; *c; c++)
        key = (key ^ (unsigned char)*c) * 0x100000001b3ULL;
    for (int i = 0; i < 5; i++)
        key = (key ^ (unsigned char)p->loading[i]) * 0x100000001b3ULL;
    for (int i = 0; i < 5; i++)
        key = (key ^ (unsigned char)p->arrival[i]) * 0x100000001b3ULL;
    uint64_t day = (uint64_t)((p->order_t + 86400) / 86400);
    return (uint32_t)(hash3(g->seed ^ SALT_MASTER, key, day) % 10000000);
}

static void plan_transport_ids(const gen *g, rng *r, plan *p)
{
    const country *o = &COUNTRIES[p->origin], *d = &COUNTRIES[p->dest];
    p->loading = o->gateways[below(r, o->ngateways)];
    p->arrival = d->gateways[below(r, d->ngateways)];
    if (p->mode == MODE_ROAD) { /* road_lane() only admits countries that have one */
        p->loading = o->road_gateway;
        p->arrival = d->road_gateway;
    }
    p->master[0] = 0;
    if (p->mode == MODE_POST) {
        static const char *const svc[] = {"RR", "LX", "LP", "UA", "EE"};
        static const uint16_t svc_w[] = {30, 30, 10, 15, 15};
        const char *service = p->gross_g > 2000 ? "CP" : svc[PICK(r, svc_w)];
        fmt_s10(p->document, service, below(r, 100000000), o->cc);
    } else if (p->mode == MODE_AIR) {
        fmt_awb(p->document, p->carrier->awb_prefix, below(r, 10000000));
        fmt_awb(p->master, p->carrier->awb_prefix, master_serial(g, p));
    } else {
        snprintf(p->document, sizeof p->document, "CMR%010u", (unsigned)below(r, 1000000000));
    }
}

static void plan_charges(rng *r, plan *p)
{
    uint32_t net = 0;
    for (unsigned i = 0; i < p->nitems; i++)
        net += p->items[i].net_g;
    p->gross_g = net + 30 + net / 10 + below(r, 150); /* box, filler, label */
    p->packages = (p->nitems > 3 && chance(r, 300)) || net > 5000 ? 2 : 1;
    static const uint16_t paid_freight[] = {150, 400, 100, 700, 700}; /* per flow */
    p->freight = 0;
    if (chance(r, paid_freight[p->flow])) {
        uint32_t usd = p->flow == FLOW_EXPRESS || p->flow >= FLOW_FORWARDER ? between(r, 800, 6000) : between(r, 200, 1500);
        p->freight = (int64_t)(((uint64_t)usd * p->per_usd + 5000) / 10000);
    }
    p->insurance = chance(r, 50) ? p->total * between(r, 1, 2) / 100 : 0;
}

/* A marketplace's number under a scheme: it is registered for all three,
 * as the deemed supplier of the sales it facilitates. */
static void platform_number(const platform *pl, unsigned scheme, char out[16])
{
    if (scheme == SCHEME_IOSS)
        snprintf(out, 16, "%s", pl->ioss);
    else if (scheme == SCHEME_UK_VAT)
        fmt_uk_vat(out, pl->uk_vat7);
    else
        fmt_arn(out, ARN_SERIES, pl->arn8);
}

/* A seller's own number under a scheme; false when it is not registered
 * for that scheme. */
static bool seller_number(const seller *s, unsigned scheme, char out[16])
{
    out[0] = 0;
    if (scheme == SCHEME_IOSS && s->ioss)
        fmt_ioss(out, IOSS_STATES[s->ioss_state], s->ioss7);
    else if (scheme == SCHEME_UK_VAT && s->uk_vat)
        fmt_uk_vat(out, s->vat7);
    else if (scheme == SCHEME_ARN && s->arn)
        fmt_arn(out, ARN_SERIES, s->arn8);
    return out[0] != 0;
}

/* The vendor scheme number that applies: a marketplace is the deemed
 * supplier for the sales it facilitates, otherwise the seller's own. */
static bool vendor_number(const plan *p, char out[16])
{
    if (p->platform) {
        platform_number(p->platform, JURIS[p->j].scheme, out);
        return true;
    }
    if (p->private_seller || !p->seller_scheme[0])
        return false;
    memcpy(out, p->seller_scheme, 16);
    return true;
}

static void plan_seller_scheme(plan *p)
{
    p->seller_scheme[0] = 0;
    if (!p->private_seller)
        seller_number(&p->seller, JURIS[p->j].scheme, p->seller_scheme);
}

/* The threshold is in the jurisdiction's currency even when the order was
 * priced in US dollars. */
static int64_t local_value(const plan *p)
{
    const jurisdiction *J = &JURIS[p->j];
    if (p->per_usd == J->per_usd)
        return p->total;
    return (int64_t)(((uint64_t)p->total * J->per_usd + 5000) / 10000);
}

static void plan_collection(rng *r, plan *p)
{
    const jurisdiction *J = &JURIS[p->j];
    plan_seller_scheme(p);
    p->collect_scheme[0] = p->account[0] = 0;
    if (J->scheme != SCHEME_NONE && p->txn == TXN_B2C && local_value(p) <= J->vendor_limit &&
        vendor_number(p, p->collect_scheme) && chance(r, 920)) {
        p->collect = COLLECT_VENDOR;
        return;
    }
    p->collect_scheme[0] = 0;
    unsigned buyer_share = p->flow == FLOW_POSTAL ? 350 : p->flow == FLOW_EXPRESS ? 150 : 100;
    if (chance(r, buyer_share)) {
        p->collect = COLLECT_BUYER;
        return;
    }
    p->collect = COLLECT_INTERMEDIARY;
    const char *payer = p->flow == FLOW_EXPRESS || p->flow == FLOW_PLATFORM ? p->carrier_id : p->submitter;
    snprintf(p->account, sizeof p->account, "ACC-%s", payer);
}

/* Where an anomaly shapes the record it is planted in (see the Anomalies
 * section below).  Each is called only for an anomalous record. */
static bool fits_early(const anomaly *a, const plan *p);
static void hook_parties(const gen *g, anomaly *a, plan *p);
static void hook_platform(const anomaly *a, plan *p);
static void hook_items(const gen *g, anomaly *a, plan *p);
static rng *hook_submitted(const gen *g, anomaly *a, plan *p, rng *r);
static void hook_charges(const anomaly *a, plan *p);
static bool hook_collection(const gen *g, anomaly *a, plan *p);
static void hook_final(const gen *g, anomaly *a, plan *p);

static void plan_start(plan *p, uint64_t seq)
{
    p->seq = seq;
    p->related_seq = 0;
    p->is_return = false;
    p->pattern = PAT_CLEAN;
    p->group[0] = 0;
    p->at_stake = p->paid_x = 0;
    p->payer_x = NULL;
    p->seller_x.on = p->buyer_x.on = false;
    p->xlen = 0;
}

/* Everything after the jurisdiction.  With a == NULL (a clean record) the
 * draws are exactly those the generator always made; with an anomaly the
 * hooks shape the record, and false means this base record cannot carry
 * it (the caller draws another). */
static bool plan_rest(const gen *g, rng *r, plan *p, anomaly *a)
{
    p->flow = PICK(r, FLOW_W);
    p->txn = pick(r, TXN_W[p->flow], 3);
    /* presents between private persons travel by post or express, not
     * through a marketplace's own declarations; China's cross-border
     * retail channel has no gifts: every parcel is a platform sale */
    p->gift = p->txn == TXN_C2C && p->flow != FLOW_PLATFORM && p->j != J_CN && chance(r, 350);
    if (a && !fits_early(a, p))
        return false;
    pick_parties(g, r, p);
    if (a)
        hook_parties(g, a, p);
    bool usd = p->j != J_US && chance(r, 100);
    p->currency = usd ? "USD" : JURIS[p->j].currency;
    p->per_usd = usd ? 10000 : JURIS[p->j].per_usd;
    plan_platform(r, p);
    if (a)
        hook_platform(a, p);
    plan_items(g, r, p);
    if (a)
        hook_items(g, a, p);
    plan_submitter(r, p);
    if (a)
        r = hook_submitted(g, a, p, r);
    plan_dates(g, r, p, a);
    plan_charges(r, p);
    if (a)
        hook_charges(a, p);
    plan_transport_ids(g, r, p);
    plan_collection(r, p);
    if (a && !hook_collection(g, a, p))
        return false;
    p->provider = p->dest == C_CN && chance(r, 700) ? 2 : PICK(r, PAY_PROVIDER_W);
    if (a)
        hook_final(g, a, p);
    return true;
}

static void plan_declaration(const gen *g, uint64_t seq, plan *p)
{
    rng r;
    rng_seed(&r, g->seed, SALT_RECORD, seq);
    plan_start(p, seq);
    p->j = pick_jurisdiction(g, &r);
    plan_rest(g, &r, p, NULL);
}

/* About 1% of records, decided without planning them. */
static bool is_return(const gen *g, uint64_t seq)
{
    return seq > 50 && hash3(g->seed, SALT_IS_RETURN, seq) % 1000 < 10;
}

/* A return re-declares an earlier import of the same submitter for the
 * trip back: same parties, goods and amounts, a new waybill, the places
 * swapped and later dates. */
static void make_return(const gen *g, rng *r, uint64_t seq, plan *p)
{
    p->related_seq = p->seq;
    p->seq = seq;
    p->is_return = true;
    const char *from = p->arrival;
    p->arrival = p->loading;
    p->loading = from;
    const country *d = &COUNTRIES[p->dest];
    if (p->mode == MODE_POST)
        fmt_s10(p->document, "CP", below(r, 100000000), d->cc);
    else if (p->mode == MODE_AIR)
        fmt_awb(p->document, p->carrier->awb_prefix, below(r, 10000000));
    else
        snprintf(p->document, sizeof p->document, "CMR%010u", (unsigned)below(r, 1000000000));
    if (p->mode == MODE_AIR)
        fmt_awb(p->master, p->carrier->awb_prefix, (master_serial(g, p) + 1) % 10000000);
    int64_t back = p->arrival_t + between(r, 7, 30) * 86400 + below(r, 86400);
    p->loaded_t = back;
    p->arrival_t = back + between(r, 3, 9) * 86400;
}

typedef struct layout layout;
static bool is_anomalous(const gen *g, layout *lay, uint64_t seq);

/* A clean record: a new import, or a return of an earlier clean one (the
 * anomalous ones were printed otherwise than their plan; lay is a scratch
 * layout for looking them up). */
static void plan_record(const gen *g, layout *lay, uint64_t seq, plan *p)
{
    if (is_return(g, seq)) {
        rng r;
        rng_seed(&r, g->seed, SALT_RETURN, seq);
        uint64_t window = seq - 1 < 5000 ? seq - 1 : 5000;
        uint64_t j = seq - 1 - below(&r, (uint32_t)window);
        for (int tries = 0; j >= 1 && tries < 64; tries++, j--) {
            if (is_return(g, j) || is_anomalous(g, lay, j))
                continue;
            plan_declaration(g, j, p);
            if (!p->gift) {
                make_return(g, &r, seq, p);
                return;
            }
        }
    }
    plan_declaration(g, seq, p);
}

/* ======================================================================
 * Writing one declaration
 * ==================================================================== */

static void put_declaration_id(sink *s, const gen *g, const plan *p, uint64_t seq)
{
    put_c(s, '"');
    put_s(s, p->submitter);
    put_c(s, '-');
    put_u64(s, g->seed);
    put_c(s, '-');
    put_u64w(s, seq, 9);
    put_c(s, '"');
}

static void put_street_line(sink *s, const country *c, unsigned street, unsigned house)
{
    put_c(s, '"');
    if (c->street_style == STREET_BLOCK) { /* Japanese chome-ban-go */
        put_u64(s, 1 + house % 5);
        put_c(s, '-');
        put_u64(s, 1 + house % 23);
        put_c(s, '-');
        put_u64(s, 1 + house / 7 % 15);
        put_c(s, ' ');
        put_s(s, c->streets[street]);
    } else if (c->street_style == STREET_NUMBER_FIRST) {
        put_u64(s, house);
        put_c(s, ' ');
        put_s(s, c->streets[street]);
    } else {
        put_s(s, c->streets[street]);
        put_c(s, ' ');
        put_u64(s, house);
    }
    put_c(s, '"');
}

static void put_address(sink *s, unsigned cc, unsigned place_i, unsigned street, unsigned house)
{
    const country *c = &COUNTRIES[cc];
    const place *pl = &c->places[place_i];
    PUT(s, "{\"line\":");
    put_street_line(s, c, street, house);
    PUT(s, ",\"city\":");
    put_q(s, pl->city);
    PUT(s, ",\"postcode\":");
    put_q_or_null(s, pl->postcode);
    PUT(s, ",\"country\":");
    put_q(s, c->cc);
    put_c(s, '}');
}

static void put_person_name(sink *s, const person *p)
{
    const name_list *nl = &NAME_LISTS[COUNTRIES[p->country].names];
    const char *first = nl->first[p->first], *last = nl->last[p->last];
    put_c(s, '"');
    put_s(s, nl->family_first ? last : first);
    put_c(s, ' ');
    put_s(s, nl->family_first ? first : last);
    put_c(s, '"');
}

/* anna.schmidt@, annaschmidt42@, a.schmidt120@ or schmidt.anna7@ */
static void put_person_email(sink *s, const person *p)
{
    const name_list *nl = &NAME_LISTS[COUNTRIES[p->country].names];
    char first[48], last[48];
    slug(first, sizeof first, nl->first[p->first]);
    slug(last, sizeof last, nl->last[p->last]);
    put_c(s, '"');
    switch (p->mail_style) {
    case 0: put_s(s, first); put_c(s, '.'); put_s(s, last); break;
    case 1: put_s(s, first); put_s(s, last); put_u64(s, p->no % 100); break;
    case 2: put_c(s, first[0]); put_c(s, '.'); put_s(s, last); put_u64(s, p->no % 1000); break;
    default: put_s(s, last); put_c(s, '.'); put_s(s, first); put_u64(s, p->no % 10); break;
    }
    put_c(s, '@');
    put_s(s, MAIL_DOMAINS[p->mail_domain]);
    put_c(s, '"');
}

static void put_phone(sink *s, const person *p)
{
    const country *c = &COUNTRIES[p->country];
    uint64_t bits = p->phone_bits;
    put_c(s, '"');
    put_s(s, c->dial);
    put_s(s, c->mobile[p->mobile]);
    put_c(s, (char)('2' + bits % 8)); /* subscriber numbers do not start 0/1 */
    bits /= 8;
    for (unsigned i = 1; i < c->subscriber_digits; i++, bits /= 10)
        put_c(s, (char)('0' + bits % 10));
    put_c(s, '"');
}

/* Chinese resident identity number: division code, birth date, sequence
 * and the ISO 7064 MOD 11-2 check character. */
static void put_cn_national_id(sink *s, const person *p)
{
    static const unsigned w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    char id[19];
    int64_t y;
    unsigned m, d;
    civil_from_days(p->birth_day, &y, &m, &d);
    unsigned birth = (unsigned)y * 10000 + m * 100 + d; /* YYYYMMDD */
    memcpy(id, COUNTRIES[C_CN].places[p->place].division, 6);
    for (int i = 13; i >= 6; i--, birth /= 10)
        id[i] = (char)('0' + birth % 10);
    id[14] = (char)('0' + p->id_seq / 100);
    id[15] = (char)('0' + p->id_seq / 10 % 10);
    id[16] = (char)('0' + p->id_seq % 10);
    unsigned sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (unsigned)(id[i] - '0') * w[i];
    id[17] = "10X98765432"[sum % 11];
    id[18] = 0;
    put_q(s, id);
}

/* "Bright Trading Ltd", "Shenzhen Bright Trading Co., Ltd." (also the
 * registry's name column). */
static void put_company_name(sink *s, const seller *sl)
{
    const country *c = &COUNTRIES[sl->country];
    if (sl->country == C_CN) {
        put_s(s, c->places[sl->place].city);
        put_c(s, ' ');
    }
    put_s(s, COMPANY_WORD1[sl->word1]);
    put_c(s, ' ');
    put_s(s, COMPANY_WORD2[sl->word2]);
    put_c(s, ' ');
    put_s(s, c->company_suffix);
}

static void put_seller_company(sink *s, const seller *sl)
{
    char host[64];
    size_t n = slug(host, 24, COMPANY_WORD1[sl->word1]);
    n += slug(host + n, 24, COMPANY_WORD2[sl->word2]);
    snprintf(host + n, sizeof host - n, "%u", (unsigned)sl->no);

    PUT(s, "\"id\":\"SELLER-");
    put_u64(s, sl->no);
    PUT(s, "\",\"name\":\"");
    put_company_name(s, sl);
    PUT(s, "\",\"address\":");
    put_address(s, sl->country, sl->place, sl->street, sl->house);
    PUT(s, ",\"email\":\"");
    put_s(s, SELLER_MAILBOX[sl->mailbox]);
    put_c(s, '@');
    put_s(s, host);
    PUT(s, ".example\",\"url\":\"https://");
    put_s(s, host);
    PUT(s, ".example\"");
}

/* A party an anomaly wrote: the members of a clean seller (id, name,
 * address, email, url) or buyer (id, name, address, email, phone,
 * national_id), in the same order. */
static void put_party_x(sink *s, const party_x *x, bool buyer)
{
    PUT(s, "\"id\":");
    put_q(s, x->id);
    PUT(s, ",\"name\":");
    put_q(s, x->name);
    PUT(s, ",\"address\":{\"line\":");
    put_q(s, x->line);
    PUT(s, ",\"city\":");
    put_q(s, x->city);
    PUT(s, ",\"postcode\":");
    put_q_or_null(s, x->postcode);
    PUT(s, ",\"country\":");
    put_q(s, COUNTRIES[x->country].cc);
    PUT(s, "},\"email\":");
    put_q_or_null(s, x->email);
    if (buyer) {
        PUT(s, ",\"phone\":");
        put_q_or_null(s, x->phone);
        PUT(s, ",\"national_id\":");
        put_q_or_null(s, x->national_id);
    } else {
        PUT(s, ",\"url\":");
        put_q_or_null(s, x->url);
    }
}

static void put_seller(sink *s, const plan *p)
{
    PUT(s, ",\"seller\":{");
    if (p->seller_x.on) {
        put_party_x(s, &p->seller_x, false);
    } else if (p->private_seller) {
        const person *ps = &p->sender;
        PUT(s, "\"id\":\"P-");
        put_u64(s, ps->no);
        PUT(s, "\",\"name\":");
        put_person_name(s, ps);
        PUT(s, ",\"address\":");
        put_address(s, ps->country, ps->place, ps->street, ps->house);
        PUT(s, ",\"email\":");
        put_person_email(s, ps);
        PUT(s, ",\"url\":null");
    } else {
        put_seller_company(s, &p->seller);
    }
    PUT(s, ",\"scheme_number\":");
    put_q_or_null(s, p->seller_scheme[0] ? p->seller_scheme : NULL);
    put_c(s, '}');
}

static void put_buyer(sink *s, const plan *p)
{
    const person *b = &p->buyer;
    if (p->buyer_x.on) {
        PUT(s, ",\"buyer\":{");
        put_party_x(s, &p->buyer_x, true);
        put_c(s, '}');
        return;
    }
    PUT(s, ",\"buyer\":{\"id\":\"B-");
    put_u64(s, b->no);
    PUT(s, "\",\"name\":");
    put_person_name(s, b);
    PUT(s, ",\"address\":");
    put_address(s, b->country, b->place, b->street, b->house);
    PUT(s, ",\"email\":");
    put_person_email(s, b);
    PUT(s, ",\"phone\":");
    put_phone(s, b);
    PUT(s, ",\"national_id\":");
    if (b->country == C_CN)
        put_cn_national_id(s, b);
    else
        PUT(s, "null");
    put_c(s, '}');
}

static void put_transport(sink *s, const plan *p)
{
    PUT(s, ",\"transport\":{\"mode\":");
    put_q(s, MODE[p->mode]);
    PUT(s, ",\"document_id\":");
    put_q(s, p->document);
    PUT(s, ",\"master_id\":");
    put_q_or_null(s, p->master[0] ? p->master : NULL);
    PUT(s, ",\"carrier\":");
    put_q(s, p->carrier_id);
    PUT(s, ",\"loading_place\":");
    put_q(s, p->loading);
    PUT(s, ",\"arrival_place\":");
    put_q(s, p->arrival);
    PUT(s, ",\"expected_arrival\":");
    put_time(s, p->arrival_t);
    PUT(s, ",\"loaded_at\":");
    if (p->loaded_t >= 0)
        put_time(s, p->loaded_t);
    else
        PUT(s, "null");
    put_c(s, '}');
}

/* Order and payment numbers are the record number scrambled by an odd
 * multiplier modulo 2^40: unique within a run, yet not sequential. */
static uint64_t scramble40(uint64_t seq, uint64_t seed, uint64_t k)
{
    return (seq * k + hash3(seed, k, 0)) & ((1ULL << 40) - 1);
}

static void put_order_and_payment(sink *s, const gen *g, const plan *p)
{
    PUT(s, ",\"order\":{\"id\":");
    uint64_t key = p->related_seq ? p->related_seq : p->seq;
    if (p->gift) {
        PUT(s, "null");
    } else {
        PUT(s, "\"ORD-");
        put_u64w(s, scramble40(key, g->seed, 0x9e3779b97f4a7c15ULL | 1), 13);
        put_c(s, '"');
    }
    PUT(s, ",\"date\":");
    put_time(s, p->order_t);
    PUT(s, ",\"platform\":");
    if (p->platform) {
        PUT(s, "{\"id\":");
        put_q(s, p->platform->id);
        PUT(s, ",\"name\":");
        put_q(s, p->platform->name);
        PUT(s, ",\"url\":\"https://");
        put_s(s, p->platform->host);
        PUT(s, "\"}");
    } else {
        PUT(s, "null");
    }
    PUT(s, ",\"total\":");
    put_money(s, p->total, p->currency);
    PUT(s, "},\"payment\":");
    if (p->gift) { /* a present between private persons is not paid for */
        PUT(s, "null");
        return;
    }
    PUT(s, "{\"id\":\"PAY-");
    put_u64w(s, scramble40(key, g->seed, 0xc2b2ae3d27d4eb4fULL), 13);
    PUT(s, "\",\"provider\":");
    put_q(s, PAY_PROVIDERS[p->provider]);
    PUT(s, ",\"amount\":");
    put_money(s, p->paid_x ? p->paid_x : p->total, p->currency);
    PUT(s, ",\"date\":");
    put_time(s, p->pay_t);
    if (g->anomalies) { /* who paid: the buyer, as written, unless an anomaly says otherwise */
        PUT(s, ",\"payer\":");
        if (p->payer_x)
            put_q(s, p->payer_x);
        else if (p->buyer_x.on)
            put_q(s, p->buyer_x.name);
        else
            put_person_name(s, &p->buyer);
    }
    put_c(s, '}');
}

static void put_item_url(sink *s, const plan *p, const plan_item *it)
{
    if (!it->url) {
        PUT(s, "null");
        return;
    }
    PUT(s, "\"https://");
    if (p->platform) {
        put_s(s, p->platform->host);
        PUT(s, "/item/");
    } else {
        PUT(s, "shop");
        put_u64(s, p->private_seller ? p->sender.no : p->seller.no);
        PUT(s, ".example/p/");
    }
    put_u64(s, it->url_no);
    put_c(s, '"');
}

static void put_items(sink *s, const plan *p)
{
    PUT(s, ",\"items\":[");
    for (unsigned i = 0; i < p->nitems; i++) {
        const plan_item *it = &p->items[i];
        if (i)
            put_c(s, ',');
        PUT(s, "{\"description\":");
        if (it->text_x)
            put_q(s, it->text_x);
        else
            put_description(s, it->row->text, it->text_seed);
        PUT(s, ",\"hs_code\":");
        put_q(s, it->hs_x ? it->hs_x : it->row->hs);
        PUT(s, ",\"quantity\":");
        put_u64(s, it->qty);
        PUT(s, ",\"unit\":");
        put_q(s, it->row->unit);
        PUT(s, ",\"net_weight_g\":");
        put_u64(s, it->net_g);
        PUT(s, ",\"value\":");
        put_money(s, it->value, p->currency);
        PUT(s, ",\"origin\":");
        put_q(s, COUNTRIES[it->origin].cc);
        PUT(s, ",\"url\":");
        put_item_url(s, p, it);
        put_c(s, '}');
    }
    put_c(s, ']');
}

/* The revenue at stake of an anomaly: 20% of the value it concealed or
 * put at risk (docs/generator.md), "0" on a clean record. */
#define REVENUE_PCT 20
static void put_revenue(sink *s, const plan *p)
{
    if (p->pattern == PAT_CLEAN) {
        PUT(s, "\"0\"");
        return;
    }
    int64_t minor = (p->at_stake * REVENUE_PCT + 50) / 100;
    put_c(s, '"');
    put_u64(s, (uint64_t)(minor / 100));
    put_c(s, '.');
    put_u64w(s, (uint64_t)(minor % 100), 2);
    put_c(s, '"');
}

/* --outcomes: the truth as an inspection result, for training. */
static void put_outcome(sink *s, const plan *p)
{
    PUT(s, ",\"outcome\":{\"inspected\":true,\"fraud\":");
    if (p->pattern == PAT_CLEAN)
        PUT(s, "false");
    else
        PUT(s, "true");
    PUT(s, ",\"revenue\":");
    put_revenue(s, p);
    put_c(s, '}');
}

static void put_tail(sink *s, const gen *g, const plan *p)
{
    PUT(s, ",\"gross_weight_g\":");
    put_u64(s, p->gross_g);
    PUT(s, ",\"packages\":");
    put_u64(s, p->packages);
    PUT(s, ",\"freight\":");
    put_money(s, p->freight, p->currency);
    PUT(s, ",\"insurance\":");
    put_money(s, p->insurance, p->currency);
    PUT(s, ",\"collection\":{\"model\":");
    put_q(s, COLLECT[p->collect]);
    PUT(s, ",\"scheme_number\":");
    put_q_or_null(s, p->collect == COLLECT_VENDOR ? p->collect_scheme : NULL);
    PUT(s, ",\"account_id\":");
    put_q_or_null(s, p->collect == COLLECT_INTERMEDIARY ? p->account : NULL);
    put_c(s, '}');
    if (g->outcomes)
        put_outcome(s, p);
    PUT(s, "}\n");
}

/* Keys in the order of ../shared/declaration-example.json. */
static void write_record(sink *s, const gen *g, const plan *p)
{
    PUT(s, "{\"submitter\":{\"id\":");
    put_q(s, p->submitter);
    PUT(s, ",\"role\":");
    put_q(s, ROLE[p->flow]);
    PUT(s, "},\"declaration_id\":");
    put_declaration_id(s, g, p, p->seq);
    PUT(s, ",\"jurisdiction\":");
    put_q(s, JURIS[p->j].code);
    PUT(s, ",\"type\":");
    put_q(s, p->is_return ? "return" : "import");
    PUT(s, ",\"transaction_type\":");
    put_q(s, TXN[p->txn]);
    if (p->gift)
        PUT(s, ",\"gift\":true");
    else
        PUT(s, ",\"gift\":false");
    PUT(s, ",\"related_declaration\":");
    if (p->is_return)
        put_declaration_id(s, g, p, p->related_seq);
    else
        PUT(s, "null");
    put_transport(s, p);
    put_order_and_payment(s, g, p);
    put_seller(s, p);
    put_buyer(s, p);
    put_items(s, p);
    put_tail(s, g, p);
}

/* One line of the --truth file. */
static void write_truth(sink *s, const gen *g, const plan *p)
{
    PUT(s, "{\"submitter\":");
    put_q(s, p->submitter);
    PUT(s, ",\"declaration_id\":");
    put_declaration_id(s, g, p, p->seq);
    PUT(s, ",\"pattern\":");
    put_q(s, PATTERN_NAME[p->pattern]);
    PUT(s, ",\"group\":");
    put_q(s, p->group);
    PUT(s, ",\"date\":");
    put_time(s, p->order_t);
    PUT(s, ",\"revenue\":");
    put_revenue(s, p);
    PUT(s, ",\"currency\":");
    put_q(s, p->currency);
    PUT(s, "}\n");
}

/* ======================================================================
 * Anomalies (--anomalies, --truth, --watchlist; docs/generator.md)
 *
 * Which records carry an anomaly is decided per block of BLOCK records,
 * from (seed, block) alone: exactly the rate's share of the block (by
 * whole records, cumulatively, so a run holds floor(rate x count)), at
 * random positions, never on a return.  Each position draws its pattern;
 * a split purchase takes 2-4 positions close together.  An anomalous
 * record is then planned from a base record of its jurisdiction that can
 * carry the pattern, which the hooks reshape; clean records are exactly
 * what the generator prints without --anomalies (but for payment.payer).
 * ==================================================================== */

#define BLOCK 1000
#define PENDING 0xff /* a position chosen for an anomaly, pattern not yet drawn */

typedef struct slot {
    uint64_t anchor;     /* splitting: the record number of the group's first parcel */
    uint8_t pattern;     /* PAT_*, or PENDING while laying out */
    uint8_t part, parts; /* splitting: this parcel's number among the group's */
} slot;

struct layout {
    uint64_t block; /* block number + 1; 0: nothing laid out */
    slot s[BLOCK];
};

/* Relative frequencies of the patterns per drawing.  A split purchase
 * draws once for 3 records on average, so 1 in 22 draws gives it an
 * eighth of the anomalous records, like every other pattern. */
static const uint16_t PATTERN_W[PAT_COUNT] = {0, 3, 1, 3, 3, 3, 3, 3, 3};

static unsigned record_jurisdiction(const gen *g, uint64_t seq)
{
    rng r;
    rng_seed(&r, g->seed, SALT_RECORD, seq);
    return pick_jurisdiction(g, &r);
}

/* Patterns a jurisdiction cannot have are left out: a fake vendor scheme
 * number needs a vendor scheme. */
static unsigned draw_pattern(rng *r, unsigned j, bool split_ok)
{
    uint16_t w[PAT_COUNT];
    memcpy(w, PATTERN_W, sizeof w);
    if (JURIS[j].scheme == SCHEME_NONE)
        w[PAT_FAKE_SCHEME] = 0;
    if (!split_ok)
        w[PAT_SPLITTING] = 0;
    return pick(r, w, PAT_COUNT);
}

static uint64_t anomalies_before(const gen *g, uint64_t records)
{
    return (uint64_t)(((unsigned __int128)records * g->ppm) / 1000000);
}

/* The split purchase drawn at order[i]: its parcels go to the free
 * positions just after it (1-3 apart).  A parcel on a position that was
 * chosen for another anomaly takes it over; one on a clean position
 * releases a later chosen position instead, so the count stays exact.
 * false when fewer than two parcels fit. */
static bool place_group(const gen *g, rng *r, slot *s, const uint16_t *order, unsigned i, unsigned a,
                        unsigned n, uint64_t first)
{
    unsigned want = between(r, 2, 4), got = 1, take = 0, release = 0, pending = 0;
    uint16_t at[4] = {order[i]};
    for (unsigned k = i + 1; k < a; k++)
        pending += s[order[k]].pattern == PENDING;
    for (unsigned q = order[i]; got < want;) {
        q += between(r, 1, 3);
        while (q < n && (is_return(g, first + q) || (s[q].pattern != PAT_CLEAN && s[q].pattern != PENDING)))
            q++;
        if (q >= n)
            break;
        bool chosen = s[q].pattern == PENDING;
        if (take + release + 1 > pending)
            break; /* a later anomaly must be left to give up for each clean one */
        take += chosen;
        release += !chosen;
        at[got++] = (uint16_t)q;
    }
    if (got < 2)
        return false;
    for (unsigned k = 0; k < got; k++)
        s[at[k]] = (slot){first + order[i], PAT_SPLITTING, (uint8_t)k, (uint8_t)got};
    while (release--) { /* give up a random later chosen position */
        unsigned left = 0;
        for (unsigned k = i + 1; k < a; k++)
            left += s[order[k]].pattern == PENDING;
        unsigned drop = below(r, left);
        for (unsigned k = i + 1; k < a; k++)
            if (s[order[k]].pattern == PENDING && drop-- == 0) {
                s[order[k]].pattern = PAT_CLEAN;
                break;
            }
    }
    return true;
}

static void layout_block(const gen *g, uint64_t b, slot *s)
{
    uint64_t first = b * BLOCK + 1, left = g->count - b * BLOCK;
    unsigned n = left < BLOCK ? (unsigned)left : BLOCK;
    memset(s, 0, BLOCK * sizeof *s);
    if (!g->ppm)
        return;
    unsigned a = (unsigned)(anomalies_before(g, b * BLOCK + n) - anomalies_before(g, b * BLOCK));
    uint16_t order[BLOCK];
    unsigned m = 0;
    for (unsigned pos = 0; pos < n; pos++)
        if (!is_return(g, first + pos))
            order[m++] = (uint16_t)pos;
    a = a < m ? a : m;
    rng r;
    rng_seed(&r, g->seed, SALT_BLOCK, b);
    for (unsigned i = 0; i < a; i++) { /* a random positions, then in record order */
        unsigned k = i + below(&r, m - i);
        uint16_t t = order[i];
        order[i] = order[k];
        order[k] = t;
    }
    for (unsigned i = 1; i < a; i++)
        for (unsigned k = i; k > 0 && order[k - 1] > order[k]; k--) {
            uint16_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (unsigned i = 0; i < a; i++)
        s[order[i]].pattern = PENDING;
    for (unsigned i = 0; i < a; i++) {
        unsigned pos = order[i];
        if (s[pos].pattern != PENDING)
            continue; /* a parcel of an earlier split, or given up for one */
        unsigned j = record_jurisdiction(g, first + pos);
        unsigned pat = draw_pattern(&r, j, true);
        if (pat == PAT_SPLITTING && place_group(g, &r, s, order, i, a, n, first))
            continue;
        if (pat == PAT_SPLITTING)
            pat = draw_pattern(&r, j, false);
        s[pos] = (slot){first + pos, (uint8_t)pat, 0, 1};
    }
}

static const slot *slot_of(const gen *g, layout *lay, uint64_t seq)
{
    uint64_t b = (seq - 1) / BLOCK;
    if (lay->block != b + 1) {
        layout_block(g, b, lay->s);
        lay->block = b + 1;
    }
    return &lay->s[(seq - 1) % BLOCK];
}

static bool is_anomalous(const gen *g, layout *lay, uint64_t seq)
{
    return g->ppm && slot_of(g, lay, seq)->pattern != PAT_CLEAN;
}

/* ---- text helpers ------------------------------------------------------ */

/* A sink into a fixed buffer (no FILE): what does not fit is cut. */
static sink str_sink(char *buf, size_t cap) { return (sink){.buf = buf, .cap = cap - 1, .n = 0, .f = NULL}; }

/* The sink's text without the quotes put_q and friends add. */
static const char *str_end(sink *s)
{
    s->buf[s->n] = 0;
    if (s->n >= 2 && s->buf[0] == '"' && s->buf[s->n - 1] == '"') {
        s->buf[s->n - 1] = 0;
        return s->buf + 1;
    }
    return s->buf;
}

/* Copies text into the plan's string space (cut when it is full). */
static const char *xstr(plan *p, const char *text)
{
    size_t n = strlen(text), room = sizeof p->xbuf - p->xlen;
    if (room == 0)
        return "";
    if (n >= room)
        n = room - 1;
    char *at = p->xbuf + p->xlen;
    memcpy(at, text, n);
    at[n] = 0;
    p->xlen += n + 1;
    return at;
}

/* "<prefix><number>" into the plan's string space. */
static const char *xid(plan *p, const char *prefix, uint64_t no)
{
    char buf[48];
    sink s = str_sink(buf, sizeof buf);
    put_s(&s, prefix);
    put_u64(&s, no);
    return xstr(p, str_end(&s));
}

/* A person's name, address and contacts as strings, for a party_x. */
static void person_text(plan *p, const person *b, const char *id_prefix, party_x *x)
{
    char buf[256];
    sink s = str_sink(buf, sizeof buf);
    const country *c = &COUNTRIES[b->country];
    x->on = true;
    x->country = b->country;
    x->id = xid(p, id_prefix, b->no);
    put_person_name(&s, b);
    x->name = xstr(p, str_end(&s));
    s = str_sink(buf, sizeof buf);
    put_street_line(&s, c, b->street, b->house);
    x->line = xstr(p, str_end(&s));
    x->city = c->places[b->place].city;
    x->postcode = c->places[b->place].postcode;
    s = str_sink(buf, sizeof buf);
    put_person_email(&s, b);
    x->email = xstr(p, str_end(&s));
    s = str_sink(buf, sizeof buf);
    put_phone(&s, b);
    x->phone = xstr(p, str_end(&s));
    x->national_id = NULL;
    if (b->country == C_CN) {
        s = str_sink(buf, sizeof buf);
        put_cn_national_id(&s, b);
        x->national_id = xstr(p, str_end(&s));
    }
    x->url = NULL;
}

/* "Oliver Walker": an ordinary name of country cc (an alias, a payer). */
static void alias_name(rng *r, unsigned cc, char *out, size_t cap)
{
    const name_list *nl = &NAME_LISTS[COUNTRIES[cc].names];
    const char *first = nl->first[below(r, nl->nfirst)], *last = nl->last[below(r, nl->nlast)];
    snprintf(out, cap, "%s %s", nl->family_first ? last : first, nl->family_first ? first : last);
}

/* ---- the offenders (--watchlist) -------------------------------------- */

#define N_OFFENDERS 300
#define OFFENDER_SELLER_ID 50000       /* SELLER-50001..: an offender's usual account */
#define OFFENDER_BUYER_ID 9000000      /* B-9000001.. */
#define FRESH_SELLER_ID 200000000      /* + record number: a new account */
#define FRESH_BUYER_ID 300000000
#define SPLIT_BUYER_ID 400000000
#define FIRST_TIME_SELLER_ID 100000000 /* + record number: a seller seen once */

struct offender {
    uint32_t no;
    bool company, buyer_side, listed_native, delisted;
    uint8_t country, place, street;
    uint16_t house;
    const anom_culture *culture;
    anom_name name;
    char email[96], phone[32], identifier[24];
    const char *reason;
    int64_t listed_from, listed_to; /* days since 1970-01-01; listed_to only when delisted */
};

static int country_by_code(const char *cc)
{
    for (int i = 0; i < C_COUNT; i++)
        if (!strcmp(COUNTRIES[i].cc, cc))
            return i;
    return -1;
}

/* A country buyers of some jurisdiction live in. */
static bool is_destination(unsigned cc)
{
    if (in_eu(cc))
        return true;
    for (unsigned j = 0; j < J_COUNT; j++)
        if (j != J_EU && JURIS[j].dest == cc)
            return true;
    return false;
}

static int check_cultures(const anom_vocab *v, const char *datadir, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < v->ncultures; i++) {
        const anom_culture *c = &v->cultures[i];
        for (uint32_t k = 0; k < c->nlives + c->nsells; k++) {
            const char *cc = k < c->nlives ? c->lives_in[k] : c->sells_from[k - c->nlives];
            int ci = country_by_code(cc);
            if (ci < 0 || (k < c->nlives && !is_destination((unsigned)ci))) {
                set_err(err, errlen, "%s/demo/offender_cultures.tsv: culture %s: %s is not a country the generator %s",
                        datadir, c->code, cc, k < c->nlives ? "delivers to" : "knows");
                return -1;
            }
        }
    }
    return 0;
}

/* "a.mueller42@example.com" from ASCII name parts. */
static void offender_email(rng *r, const offender *o, char *out, size_t cap)
{
    char a[40], b[40];
    slug(a, sizeof a, o->name.given_ascii);
    slug(b, sizeof b, o->name.family_ascii);
    sink s = str_sink(out, cap);
    if (o->company) {
        put_s(&s, SELLER_MAILBOX[below(r, COUNTOF(SELLER_MAILBOX))]);
        put_c(&s, '@');
        put_s(&s, a);
        put_s(&s, b);
        put_u64(&s, between(r, 100, 999));
        PUT(&s, ".example");
    } else {
        put_s(&s, a);
        put_c(&s, '.');
        put_s(&s, b);
        put_u64(&s, between(r, 10, 99));
        put_c(&s, '@');
        put_s(&s, MAIL_DOMAINS[below(r, COUNTOF(MAIL_DOMAINS))]);
    }
    out[s.n] = 0;
}

static void offender_phone(rng *r, unsigned cc, char *out, size_t cap)
{
    const country *c = &COUNTRIES[cc];
    sink s = str_sink(out, cap);
    put_s(&s, c->dial);
    put_s(&s, c->mobile[below(r, c->nmobile)]);
    put_c(&s, (char)('2' + below(r, 8)));
    for (unsigned i = 1; i < c->subscriber_digits; i++)
        put_c(&s, (char)('0' + below(r, 10)));
    out[s.n] = 0;
}

/* A resident ID number for persons living in China, a passport number
 * otherwise; a unified social credit code or a company register number
 * for companies. */
static void offender_identifier(rng *r, offender *o)
{
    sink s = str_sink(o->identifier, sizeof o->identifier);
    if (!o->company && o->country == C_CN) {
        person tmp = {.country = C_CN, .place = o->place, .birth_day = days_from_civil(1965, 1, 1) + below(r, 35 * 365),
                      .id_seq = (uint16_t)below(r, 1000)};
        put_cn_national_id(&s, &tmp);
        str_end(&s);
        memmove(o->identifier, o->identifier + 1, strlen(o->identifier));
        return;
    }
    put_s(&s, o->company ? (o->country == C_CN ? "91" : "REG-") : "P");
    if (o->company && o->country == C_CN)
        put_s(&s, COUNTRIES[C_CN].places[o->place].division);
    for (unsigned i = 0; i < (o->company && o->country == C_CN ? 10u : 8u); i++)
        put_c(&s, (char)('0' + below(r, 10)));
    o->identifier[s.n] = 0;
}

static void offender_init(const gen *g, uint32_t no, offender *o)
{
    rng r;
    rng_seed(&r, g->seed, SALT_OFFENDER, no);
    memset(o, 0, sizeof *o);
    o->no = no;
    o->culture = anom_pick_culture(&g->vocab, rng_next(&r));
    const anom_culture *cu = o->culture;
    o->company = cu->company && chance(&r, 350);
    o->buyer_side = !o->company && chance(&r, 550);
    const char *cc = o->buyer_side ? cu->lives_in[below(&r, cu->nlives)] : cu->sells_from[below(&r, cu->nsells)];
    o->country = (uint8_t)country_by_code(cc); /* checked by check_cultures */
    if (o->company)
        anom_compose_company(cu, cc, rng_next(&r), &o->name);
    else
        anom_compose_person(cu, rng_next(&r), &o->name);
    o->listed_native = o->name.native[0] && chance(&r, 500);
    const country *c = &COUNTRIES[o->country];
    o->place = (uint8_t)below(&r, c->nplaces);
    o->street = STREET_IN_PLACE(o->country) ? o->place : (uint8_t)below(&r, c->nstreets);
    o->house = (uint16_t)between(&r, 400, 999); /* no clean party lives at these numbers */
    offender_email(&r, o, o->email, sizeof o->email);
    offender_phone(&r, o->country, o->phone, sizeof o->phone);
    offender_identifier(&r, o);
    o->reason = anom_pick_reason(&g->vocab, o->company, rng_next(&r));
    o->listed_from = days_from_civil(2018, 1, 1) + below(&r, 2372); /* to 2024-06-30 */
    o->delisted = chance(&r, 80);
    if (o->delisted) {
        int64_t to = o->listed_from + between(&r, 180, 900), last = days_from_civil(2026, 6, 30);
        o->listed_to = to < last ? to : last;
    }
}

static int offenders_init(gen *g)
{
    g->offenders = calloc(N_OFFENDERS, sizeof *g->offenders);
    if (!g->offenders)
        return -1;
    for (uint32_t no = 1; no <= N_OFFENDERS; no++)
        offender_init(g, no, &g->offenders[no - 1]);
    g->noffenders = N_OFFENDERS;
    return 0;
}

/* ---- the numbers a registry holds (for fake ones that are not) --------- */

#define N_REVOKED 3 /* revoked samples per scheme in bw_gen_registry */

/* Numbers of the scheme's shape that the generator never issues (another
 * member state of identification, UK VAT bases below 1000000, another ARN
 * series): the registry's revoked samples. */
static void revoked_number(unsigned scheme, uint32_t k, char out[16])
{
    if (scheme == SCHEME_IOSS)
        fmt_ioss(out, IOSS_STATE_UNUSED, k);
    else if (scheme == SCHEME_UK_VAT)
        fmt_uk_vat(out, k);
    else
        fmt_arn(out, ARN_SERIES_UNUSED, k);
}

static int cmp_number(const void *a, const void *b) { return strcmp(a, b); }

static void add_registered(gen *g, const char *num)
{
    if (num[0])
        memcpy(g->registered[g->nregistered++], num, 16);
}

/* Every number bw_gen_registry could list for this seed, whatever the
 * jurisdiction: marketplaces, sellers of the largest pool, revoked samples. */
static int registered_init(gen *g)
{
    size_t cap = 3 * (COUNTOF(PLATFORMS) + MAX_SELLERS + N_REVOKED);
    if (!(g->registered = calloc(cap, sizeof *g->registered)))
        return -1;
    for (unsigned scheme = SCHEME_IOSS; scheme <= SCHEME_ARN; scheme++) {
        char num[16];
        for (size_t i = 0; i < COUNTOF(PLATFORMS); i++) {
            platform_number(&PLATFORMS[i], scheme, num);
            add_registered(g, num);
        }
        for (uint32_t no = 1; no <= MAX_SELLERS; no++) {
            seller sl;
            seller_init(g->seed, no, &sl);
            if (seller_number(&sl, scheme, num))
                add_registered(g, num);
        }
        for (uint32_t k = 1; k <= N_REVOKED; k++) {
            revoked_number(scheme, k, num);
            add_registered(g, num);
        }
    }
    qsort(g->registered, g->nregistered, sizeof *g->registered, cmp_number);
    return 0;
}

static bool is_registered(const gen *g, const char *num)
{
    char key[16] = {0};
    snprintf(key, sizeof key, "%s", num);
    return bsearch(key, g->registered, g->nregistered, sizeof *g->registered, cmp_number) != NULL;
}

/* ---- high-risk goods for first-time sellers ---------------------------- */

/* Chapters customs watch in new sellers' parcels: lithium-battery
 * electronics (85), cosmetics (33), medicines (30), toys (95), branded
 * apparel and shoes (61-64), jewellery (71), watches (91), bags (42). */
static const char *const RISKY_CHAPTERS[] = {"85", "33", "30", "95", "61", "62", "63", "64", "71", "91", "42"};

static bool risky_row(const cat_row *row)
{
    for (size_t i = 0; i < COUNTOF(RISKY_CHAPTERS); i++)
        if (!strncmp(row->hs, RISKY_CHAPTERS[i], 2))
            return true;
    return false;
}

/* The catalogue's high-risk rows, weighted as in the catalogue (the rows
 * are copied; their strings stay the catalogue's). */
static int risky_init(gen *g)
{
    const catalogue *c = &g->cat;
    g->risky.rows = malloc(c->n * sizeof *g->risky.rows);
    g->risky.cum = malloc(c->n * sizeof *g->risky.cum);
    if (!g->risky.rows || !g->risky.cum)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        uint64_t w = c->cum[i] - (i ? c->cum[i - 1] : 0);
        if (!risky_row(&c->rows[i]) || !w)
            continue;
        g->risky.rows[g->risky.n] = c->rows[i];
        g->risky.cum[g->risky.n] = (g->risky.n ? g->risky.cum[g->risky.n - 1] : 0) + w;
        g->risky.n++;
    }
    return g->risky.n ? 0 : -1;
}

/* ---- the anomaly being planted ----------------------------------------- */

enum { WL_BUYER, WL_SELLER };

struct anomaly {
    unsigned pattern, j;
    uint64_t seq, anchor;  /* anchor: the split group's first parcel, else seq */
    unsigned part, parts;  /* splitting */
    rng r;                 /* this record's own draws */
    rng parcel;            /* splitting: the parcel's draws after the submitter */
    int64_t order_t;       /* splitting: the parcel's order time; -1 otherwise */
    int64_t anchor_t;      /* splitting: the group's first order time */
    int64_t threshold;     /* splitting: the value each parcel stays under */
    unsigned side;         /* watchlist: WL_BUYER or WL_SELLER */
    const offender *who;   /* watchlist */
};

static int64_t anomaly_order_time(const anomaly *a) { return a->order_t; }

static bool fits_early(const anomaly *a, const plan *p)
{
    switch (a->pattern) {
    case PAT_SPLITTING:
        return p->txn == TXN_B2C && !p->gift;
    case PAT_FAKE_SCHEME: /* a seller's own web shop, declared by post or courier */
        return p->txn == TXN_B2C && !p->gift && (p->flow == FLOW_POSTAL || p->flow == FLOW_EXPRESS);
    case PAT_FIRST_TIME:
        return p->txn != TXN_C2C;
    case PAT_WATCHLIST:
        return !p->gift && (a->side == WL_BUYER || p->txn != TXN_C2C);
    case PAT_PROHIBITED: /* "gifts" carry them too */
        return true;
    default:
        return !p->gift;
    }
}

/* Moves a seller to country cc, keeping a valid place and street. */
static void move_seller(seller *sl, unsigned cc, rng *r)
{
    const country *c = &COUNTRIES[cc];
    sl->country = (uint8_t)cc;
    sl->place = (uint8_t)below(r, c->nplaces);
    sl->street = STREET_IN_PLACE(cc) ? sl->place : (uint8_t)below(r, c->nstreets);
}

/* ---- watchlist: an offender as a buyer or a seller --------------------- */

enum { WV_EXACT, WV_SPELLING, WV_ORDER, WV_ASCII, WV_SCRIPT, WV_CONTACT, WV_COUNT };
static const uint16_t WV_W[WV_COUNT] = {15, 20, 15, 15, 20, 15};

static bool offender_fits(const offender *o, unsigned side, unsigned j)
{
    if (o->delisted || o->buyer_side != (side == WL_BUYER))
        return false;
    if (side == WL_BUYER)
        return j == J_EU ? in_eu(o->country) : o->country == JURIS[j].dest;
    return origin_allowed(o->country, j, JURIS[j].dest);
}

/* A listed offender who can be this record's buyer (or seller), from a
 * random start; NULL when there is none. */
static const offender *pick_offender(const gen *g, rng *r, unsigned side, unsigned j)
{
    uint32_t start = below(r, g->noffenders);
    for (uint32_t k = 0; k < g->noffenders; k++) {
        const offender *o = &g->offenders[(start + k) % g->noffenders];
        if (offender_fits(o, side, j))
            return o;
    }
    return NULL;
}

/* The name as written in the declaration, by variant. */
static const char *offender_name(plan *p, anomaly *a, unsigned v, char *alias, size_t cap)
{
    const offender *o = a->who;
    const anom_name *n = &o->name;
    switch (v) {
    case WV_EXACT:
        return xstr(p, o->listed_native ? n->native : n->latin);
    case WV_SPELLING:
        return xstr(p, n->variant);
    case WV_ORDER:
        return xstr(p, n->swapped);
    case WV_ASCII:
        return xstr(p, strcmp(n->ascii, n->latin) ? n->ascii : n->variant);
    case WV_SCRIPT:
        if (o->listed_native)
            return xstr(p, chance(&a->r, 500) ? n->latin : n->variant);
        return xstr(p, n->native[0] ? n->native : n->variant);
    default: /* a name of no consequence, the listed contact */
        alias_name(&a->r, o->country, alias, cap);
        return xstr(p, alias);
    }
}

static void offender_party(const gen *g, anomaly *a, plan *p, party_x *x)
{
    const offender *o = a->who;
    const country *c = &COUNTRIES[o->country];
    bool buyer = a->side == WL_BUYER;
    unsigned v = PICK(&a->r, WV_W);
    char alias[128], buf[256];
    x->on = true;
    x->country = o->country;
    x->id = chance(&a->r, 600) ? xid(p, buyer ? "B-" : "SELLER-", (buyer ? OFFENDER_BUYER_ID : OFFENDER_SELLER_ID) + o->no)
                               : xid(p, buyer ? "B-" : "SELLER-", (buyer ? FRESH_BUYER_ID : FRESH_SELLER_ID) + a->seq);
    x->name = offender_name(p, a, v, alias, sizeof alias);
    /* a variant of the name keeps something else of the entry (address,
     * e-mail or phone); an alias keeps only the listed e-mail or phone */
    bool moved = v == WV_CONTACT || chance(&a->r, 200);
    bool listed_mail = v == WV_CONTACT ? !buyer || chance(&a->r, 500) : chance(&a->r, 600);
    bool listed_phone = v == WV_CONTACT ? buyer && !listed_mail : buyer && chance(&a->r, 600);
    if (v != WV_CONTACT && moved && !listed_phone)
        listed_mail = true;
    unsigned at = o->place, street = o->street, house = o->house;
    if (moved) { /* elsewhere in the same country */
        at = below(&a->r, c->nplaces);
        street = STREET_IN_PLACE(o->country) ? at : below(&a->r, c->nstreets);
        house = between(&a->r, 1, 160);
    }
    sink s = str_sink(buf, sizeof buf);
    put_street_line(&s, c, street, house);
    const char *line = str_end(&s);
    char abbr[256];
    x->line = xstr(p, chance(&a->r, 300) && anom_abbreviate(&g->vocab, line, abbr, sizeof abbr) ? abbr : line);
    x->city = c->places[at].city;
    x->postcode = c->places[at].postcode;
    if (listed_mail) {
        x->email = xstr(p, o->email);
    } else {
        char local[64], mail[128];
        slug(local, sizeof local, x->name);
        if (!local[0])
            slug(local, sizeof local, o->name.family_ascii);
        snprintf(mail, sizeof mail, "%s%u@%s", local, between(&a->r, 1, 999), MAIL_DOMAINS[below(&a->r, COUNTOF(MAIL_DOMAINS))]);
        x->email = xstr(p, mail);
    }
    char phone[32];
    if (!listed_phone)
        offender_phone(&a->r, o->country, phone, sizeof phone);
    x->phone = buyer ? xstr(p, listed_phone ? o->phone : phone) : NULL;
    x->national_id = buyer && o->country == C_CN ? xstr(p, o->identifier) : NULL;
    x->url = NULL;
    if (!buyer && o->company) {
        const char *host = strchr(o->email, '@');
        char url[128];
        snprintf(url, sizeof url, "https://%s", host ? host + 1 : "shop.example");
        x->url = xstr(p, url);
    }
}

static void watchlist_parties(const gen *g, anomaly *a, plan *p)
{
    if (a->side == WL_BUYER) {
        p->dest = a->who->country;
        offender_party(g, a, p, &p->buyer_x);
        return;
    }
    /* the offender sells: its country is the goods' origin; its account
     * is not registered for any vendor scheme */
    p->private_seller = false;
    p->seller.no = (uint32_t)(OFFENDER_SELLER_ID + a->who->no);
    p->seller.ioss = p->seller.uk_vat = p->seller.arn = false;
    move_seller(&p->seller, a->who->country, &a->r);
    p->origin = a->who->country;
    offender_party(g, a, p, &p->seller_x);
}

/* A seller whose number is used for this record only, wherever it may
 * ship from; registered for no vendor scheme. */
static void first_time_seller(const gen *g, anomaly *a, plan *p)
{
    seller_init(g->seed, (uint32_t)(FIRST_TIME_SELLER_ID + a->seq % 4000000000u), &p->seller);
    if (!origin_allowed(p->seller.country, p->j, p->dest))
        move_seller(&p->seller, origin_allowed(C_CN, p->j, p->dest) ? C_CN : C_HK, &a->r);
    p->seller.ioss = p->seller.uk_vat = p->seller.arn = false;
    p->private_seller = false;
    p->origin = p->seller.country;
}

static void hook_parties(const gen *g, anomaly *a, plan *p)
{
    if (a->pattern == PAT_WATCHLIST)
        watchlist_parties(g, a, p);
    else if (a->pattern == PAT_FIRST_TIME)
        first_time_seller(g, a, p);
}

/* A fake number is the seller's own, declared in a web shop sale: no
 * marketplace is the deemed supplier. */
static void hook_platform(const anomaly *a, plan *p)
{
    if (a->pattern == PAT_FAKE_SCHEME)
        p->platform = NULL;
}

/* ---- items ------------------------------------------------------------- */

/* The going price of a catalogue row in the plan's currency: the median
 * of the generator's own prices for it (min + span/8, as they are drawn
 * min + span x u^3). */
static int64_t going_price(const plan *p, const cat_row *row)
{
    uint64_t usd = row->price_lo + (row->price_hi - row->price_lo) / 8;
    return (int64_t)((usd * p->per_usd + 5000) / 10000);
}

#define UNDERVALUE_MIN_USD 3000 /* going price in US cents: nobody bothers with a 5-dollar T-shirt */

static void recount(plan *p)
{
    p->total = 0;
    for (unsigned i = 0; i < p->nitems; i++)
        p->total += p->items[i].value;
}

/* Fills an item from a row, drawn like plan_items does. */
static void set_item(rng *r, const plan *p, plan_item *it, const cat_row *row, uint32_t qty)
{
    int64_t unit = unit_price(r, p, row);
    it->row = row;
    it->qty = qty ? qty : quantity(r, p, unit);
    it->value = unit * it->qty;
    it->net_g = between(r, row->net_lo, row->net_hi) * it->qty;
    it->origin = (uint8_t)item_origin(r, p);
    it->text_seed = rng_next(r);
    it->url = chance(r, 200);
    it->url_no = below(r, 100000000);
    it->hs_x = it->text_x = NULL;
}

/* The item worth most at its going price, made worth undervaluing; its
 * declared unit value becomes 5-20% of that price, often a round sum. */
static void undervalue(const gen *g, anomaly *a, plan *p)
{
    unsigned best = 0;
    for (unsigned i = 1; i < p->nitems; i++)
        if (going_price(p, p->items[i].row) > going_price(p, p->items[best].row))
            best = i;
    plan_item *it = &p->items[best];
    for (int t = 0; t < 64 && it->row->price_lo + (it->row->price_hi - it->row->price_lo) / 8 < UNDERVALUE_MIN_USD; t++) {
        const cat_row *row = draw_product(&g->cat, &a->r);
        if (row->price_lo + (row->price_hi - row->price_lo) / 8 >= UNDERVALUE_MIN_USD)
            set_item(&a->r, p, it, row, it->qty);
    }
    int64_t going = going_price(p, it->row);
    int64_t unit = going * between(&a->r, 50, 200) / 1000;
    if (unit >= 500 && chance(&a->r, 400))
        unit = unit / 100 * 100;
    unit = unit > 0 ? unit : 1;
    it->value = unit * it->qty;
    p->at_stake = (going - unit) * it->qty;
}

/* The most valuable item declared under the code of a product from
 * another HS chapter: the description stays true. */
static void misclassify(const gen *g, anomaly *a, plan *p)
{
    unsigned best = 0;
    for (unsigned i = 1; i < p->nitems; i++)
        if (p->items[i].value > p->items[best].value)
            best = i;
    plan_item *it = &p->items[best];
    for (int t = 0; t < 256 && !it->hs_x; t++) {
        const cat_row *row = draw_product(&g->cat, &a->r);
        if (strncmp(row->hs, it->row->hs, 2))
            it->hs_x = row->hs;
    }
    p->at_stake = it->value;
}

static bool banned_in(const gen *g, size_t row, unsigned j)
{
    const char *w = g->banned.where[row], *code = JURIS[j].code;
    if (!strcmp(w, "*"))
        return true;
    for (; *w; w += w[2] ? 3 : 2)
        if (w[0] == code[0] && w[1] == code[1])
            return true;
    return false;
}

/* A prohibited or restricted good of jurisdiction j, by weight. */
static const cat_row *draw_banned(const gen *g, rng *r, unsigned j)
{
    for (int t = 0; t < 64; t++) {
        const cat_row *row = draw_product(&g->banned, r);
        if (banned_in(g, (size_t)(row - g->banned.rows), j))
            return row;
    }
    for (size_t i = 0; i < g->banned.n; i++) /* rare: the first that is */
        if (banned_in(g, i, j))
            return &g->banned.rows[i];
    return &g->banned.rows[0];
}

static const uint16_t OBF_W[OBF_COUNT] = {40, 20, 20, 20};

/* One item (often the only one) becomes a prohibited good behind its
 * cover story, its key word sometimes obfuscated. */
static void prohibit(const gen *g, anomaly *a, plan *p)
{
    unsigned i = below(&a->r, p->nitems);
    if (chance(&a->r, 500)) {
        p->nitems = 1;
        i = 0;
    }
    plan_item *it = &p->items[i];
    set_item(&a->r, p, it, draw_banned(g, &a->r, p->j), chance(&a->r, 800) ? 1 : between(&a->r, 2, 3));
    char text[CAT_MAX_TEXT + 8], out[2 * CAT_MAX_TEXT];
    sink s = str_sink(text, sizeof text);
    put_description(&s, it->row->text, it->text_seed);
    anom_obfuscate(str_end(&s), PICK(&a->r, OBF_W), out, sizeof out);
    it->text_x = xstr(p, out);
    p->at_stake = it->value;
}

/* A new seller's goods: 1-3 lines from the high-risk chapters. */
static void risky_items(const gen *g, anomaly *a, plan *p)
{
    p->nitems = between(&a->r, 1, 3);
    for (unsigned i = 0; i < p->nitems; i++)
        set_item(&a->r, p, &p->items[i], draw_product(&g->risky, &a->r), 0);
}

static void hook_items(const gen *g, anomaly *a, plan *p)
{
    switch (a->pattern) {
    case PAT_UNDERVALUATION:
        undervalue(g, a, p);
        break;
    case PAT_MISCLASSIFICATION:
        misclassify(g, a, p);
        break;
    case PAT_PROHIBITED:
        prohibit(g, a, p);
        break;
    case PAT_FIRST_TIME:
        risky_items(g, a, p);
        break;
    default:
        return;
    }
    recount(p);
}

/* ---- splitting ---------------------------------------------------------- */

/* Order times of a split purchase: the parcels follow the first within
 * 48 hours.  With --days each parcel keeps its place in the stream (at
 * most 46 hours after the first). */
static void split_times(const gen *g, anomaly *a)
{
    rng r;
    rng_seed(&r, g->seed, SALT_SPLIT_TIME, a->anchor);
    int64_t first = g->base_t - 60 * 86400 + below(&r, 58 * 86400);
    int64_t off = 0;
    for (unsigned k = 1; k <= a->part; k++)
        off += between(&r, 600, 15 * 3600);
    if (g->days) {
        first = timeline(g, a->anchor);
        int64_t own = timeline(g, a->seq) - first;
        off = own < 46 * 3600 ? own : 46 * 3600;
    }
    a->anchor_t = first;
    a->order_t = first + off;
}

/* How many units each parcel holds: as many as fit under 97% of the
 * threshold, some a little fewer; false when together they would not go
 * over it. */
static bool split_quantities(rng *r, int64_t unit, int64_t threshold, unsigned parts, uint32_t *q, int64_t most)
{
    int64_t fit = threshold * 97 / 100 / unit, sum = 0;
    if (fit < 1 || fit > most)
        return false;
    for (unsigned k = 0; k < parts; k++) {
        q[k] = between(r, (uint32_t)(fit * 2 / 3 > 0 ? fit * 2 / 3 : 1), (uint32_t)fit);
        sum += q[k] * unit;
    }
    if (sum <= threshold) {
        for (unsigned k = 0; k < parts; k++)
            q[k] = (uint32_t)fit;
        sum = fit * unit * parts;
    }
    return sum > threshold;
}

/* One purchase split into parcels that each stay under the threshold and
 * together exceed it: one product, its units spread over the parcels.
 * Drawn from the group's stream, so every parcel sees the same purchase. */
static void split_items(const gen *g, anomaly *a, plan *p)
{
    rng r;
    rng_seed(&r, g->seed, SALT_SPLIT, a->anchor);
    p->currency = JURIS[p->j].currency; /* priced where it is sold */
    p->per_usd = JURIS[p->j].per_usd;
    unsigned origin = item_origin(&r, p);
    int64_t t = anom_split_threshold(&g->vocab, JURIS[p->j].code, COUNTRIES[origin].cc, MODE[p->mode],
                                     a->anchor_t);
    a->threshold = t > 0 ? t : 15000; /* every shipped jurisdiction has one */
    const cat_row *row = NULL;
    int64_t unit = 0;
    uint32_t q[4];
    for (int tries = 0; tries < 256 && !row; tries++) { /* a few units a parcel, rarely a dozen */
        const cat_row *cand = draw_product(&g->cat, &r);
        unit = unit_price(&r, p, cand);
        if (unit <= a->threshold * 97 / 100 && split_quantities(&r, unit, a->threshold, a->parts, q, tries < 128 ? 5 : 14))
            row = cand;
    }
    if (!row) { /* never seen: a price of its own under the threshold */
        row = &g->cat.rows[0];
        unit = a->threshold * 9 / 10;
        split_quantities(&r, unit, a->threshold, a->parts, q, 14);
    }
    plan_item *it = &p->items[0];
    p->nitems = 1;
    it->row = row;
    it->qty = q[a->part];
    it->value = unit * it->qty;
    it->net_g = between(&r, row->net_lo, row->net_hi) * it->qty;
    it->origin = (uint8_t)origin;
    it->text_seed = rng_next(&r);
    it->url = chance(&r, 300);
    it->url_no = below(&r, 100000000);
    it->hs_x = it->text_x = NULL;
    p->total = it->value;
    p->at_stake = it->value;
    sink s = str_sink(p->group, sizeof p->group);
    PUT(&s, "SPLIT-");
    put_u64(&s, g->seed);
    put_c(&s, '-');
    put_u64w(&s, a->anchor, 9);
    p->group[s.n] = 0;
}

static rng *hook_submitted(const gen *g, anomaly *a, plan *p, rng *r)
{
    if (a->pattern != PAT_SPLITTING)
        return r;
    split_items(g, a, p);
    return &a->parcel; /* documents, dates and charges: each parcel its own */
}

static void hook_charges(const anomaly *a, plan *p)
{
    if (a->pattern == PAT_SPLITTING && p->total + p->freight + p->insurance > a->threshold)
        p->freight = p->insurance = 0; /* "free shipping" keeps the parcel under */
}

/* The same buyer, typed a little differently on a later parcel: case,
 * spacing, an abbreviated street; sometimes a new account. */
static void split_buyer(const gen *g, anomaly *a, plan *p)
{
    party_x *x = &p->buyer_x;
    person_text(p, &p->buyer, "B-", x);
    if (hash3(g->seed, SALT_SPLIT_IDS, a->anchor) % 1000 < 400 && a->part > 0)
        x->id = xid(p, "B-", SPLIT_BUYER_ID + a->seq);
    if (a->part == 0)
        return;
    char buf[256];
    unsigned what = between(&a->r, 1, 3); /* 1 name, 2 street, 3 both */
    if (what & 1) {
        anom_retype(x->name, below(&a->r, 4), buf, sizeof buf);
        x->name = xstr(p, buf);
    }
    if (what & 2) {
        if (!anom_abbreviate(&g->vocab, x->line, buf, sizeof buf))
            anom_retype(x->line, below(&a->r, 4), buf, sizeof buf);
        x->line = xstr(p, buf);
    }
}

/* ---- collection, payment, logistics ------------------------------------ */

/* A number of the scheme's shape that no registry of this seed holds:
 * made up, or a registered one with two digits swapped. */
static void fake_number(const gen *g, anomaly *a, const plan *p, char out[16])
{
    unsigned scheme = JURIS[p->j].scheme;
    for (int t = 0; t < 64; t++) {
        char real[16];
        bool typo = chance(&a->r, 400);
        if (typo && !seller_number(&p->seller, scheme, real)) /* then a marketplace's */
            platform_number(&PLATFORMS[PICK(&a->r, MARKETPLACE_W)], scheme, real);
        if (typo) {
            size_t n = strlen(real), at = between(&a->r, scheme == SCHEME_ARN ? 0 : 2, (uint32_t)n - 2);
            char c = real[at];
            real[at] = real[at + 1];
            real[at + 1] = c;
            memcpy(out, real, 16);
        } else if (scheme == SCHEME_IOSS) {
            fmt_ioss(out, IOSS_STATES[below(&a->r, COUNTOF(IOSS_STATES))], below(&a->r, 10000000));
        } else if (scheme == SCHEME_UK_VAT) {
            fmt_uk_vat(out, between(&a->r, 1000000, 9999999));
        } else {
            fmt_arn(out, ARN_SERIES, below(&a->r, 100000000));
        }
        if (!is_registered(g, out))
            return;
    }
    fmt_arn(out, "9999", 99999999); /* never reached in practice */
}

enum { REC_OVERPAID, REC_PAYER, REC_WEIGHT };
static const uint16_t REC_W[] = {40, 30, 30};

/* Order, payment and logistics that disagree where validation only
 * warns: paid 2-5 times the declared value, paid by someone else, or a
 * parcel far heavier than its goods (undeclared goods inside).  China compares the three documents
 * strictly (any payment mismatch is an error), so there only the weight. */
static void unreconcile(anomaly *a, plan *p)
{
    unsigned v = p->j == J_CN ? REC_WEIGHT : PICK(&a->r, REC_W);
    if (v == REC_OVERPAID) {
        p->paid_x = p->total * between(&a->r, 200, 500) / 100 + below(&a->r, 100);
        p->at_stake = p->paid_x - p->total;
    } else if (v == REC_PAYER) {
        char buyer[128], payer[128];
        sink s = str_sink(buyer, sizeof buyer);
        put_person_name(&s, &p->buyer);
        const char *name = p->buyer_x.on ? p->buyer_x.name : str_end(&s);
        do
            alias_name(&a->r, p->dest, payer, sizeof payer);
        while (!strcmp(payer, name));
        p->payer_x = xstr(p, payer);
        p->at_stake = p->total;
    } else { /* 2-7 times the declared goods' mass again (at least 250 g each time) */
        uint32_t net = 0, times = between(&a->r, 2, 7);
        for (unsigned i = 0; i < p->nitems; i++)
            net += p->items[i].net_g;
        p->gross_g += times * (net > 250 ? net : 250);
        p->packages = p->packages > 1 || chance(&a->r, 300) ? 2 : 1;
        p->at_stake = p->total * times;
    }
}

static bool hook_collection(const gen *g, anomaly *a, plan *p)
{
    if (a->pattern == PAT_FAKE_SCHEME) {
        if (local_value(p) > JURIS[p->j].vendor_limit)
            return false; /* vendor collection only under the threshold */
        fake_number(g, a, p, p->collect_scheme);
        memcpy(p->seller_scheme, p->collect_scheme, sizeof p->seller_scheme);
        p->collect = COLLECT_VENDOR;
        p->account[0] = 0;
        p->at_stake = p->total;
    } else if (a->pattern == PAT_RECONCILIATION) {
        unreconcile(a, p);
    }
    return true;
}

static void hook_final(const gen *g, anomaly *a, plan *p)
{
    if (a->pattern == PAT_SPLITTING)
        split_buyer(g, a, p);
    else if (a->pattern == PAT_WATCHLIST || a->pattern == PAT_FIRST_TIME)
        p->at_stake = p->total;
}

/* Record seq carries the anomaly of its slot: a base record of its
 * jurisdiction that can carry the pattern (the record's own, else another
 * drawn for it), reshaped by the hooks. */
static void plan_anomaly(const gen *g, uint64_t seq, const slot *sl, plan *p)
{
    anomaly a;
    memset(&a, 0, sizeof a);
    a.pattern = sl->pattern;
    a.seq = seq;
    a.anchor = sl->pattern == PAT_SPLITTING ? sl->anchor : seq;
    a.part = sl->part;
    a.parts = sl->parts;
    a.order_t = -1;
    a.j = record_jurisdiction(g, a.anchor);
    rng_seed(&a.r, g->seed, SALT_ANOMALY, seq);
    rng_seed(&a.parcel, g->seed, SALT_PARCEL, seq);
    if (a.pattern == PAT_SPLITTING)
        split_times(g, &a);
    if (a.pattern == PAT_WATCHLIST) {
        a.side = chance(&a.r, 400) ? WL_BUYER : WL_SELLER;
        if (!(a.who = pick_offender(g, &a.r, a.side, a.j)))
            a.who = pick_offender(g, &a.r, a.side = !a.side, a.j);
        if (!a.who) /* no offender of this list fits: never with the shipped names */
            a.pattern = PAT_UNDERVALUATION;
    }
    for (unsigned t = 0; t < 64; t++) {
        rng r;
        rng_seed(&r, g->seed, t ? SALT_BASE + t : SALT_RECORD, a.anchor);
        plan_start(p, seq);
        pick_jurisdiction(g, &r); /* the stream's first draw, as in every record */
        p->j = a.j;
        if (plan_rest(g, &r, p, &a)) {
            p->pattern = a.pattern;
            return;
        }
    }
    plan_declaration(g, seq, p); /* nothing could carry it: a clean record */
}

/* ======================================================================
 * Entry point
 * ==================================================================== */

static int find_jurisdiction(const char *code)
{
    for (int j = 0; j < J_COUNT; j++)
        if (strcmp(code, JURIS[j].code) == 0)
            return j;
    return -1;
}

/* Pools scale with the run so that small runs still show repeat parties
 * (sellers up to MAX_SELLERS, which is what the registry covers); in a
 * mixed run each jurisdiction owns a slice of the buyer numbers. */
static void size_pools(gen *g, uint64_t count)
{
    uint32_t nbuyers = clamp_u32(count * 2 / 5, 20, 200000);
    g->nsellers = clamp_u32(count / 20, 10, MAX_SELLERS);
    g->nsenders = clamp_u32(count / 10, 10, 50000);
    uint32_t start = 0;
    for (int j = 0; j < J_COUNT; j++) {
        uint32_t size = g->fixed_j < 0 ? nbuyers / 1000 * JURIS[j].mix_share : g->fixed_j == j ? nbuyers : 0;
        if (g->fixed_j < 0 && size < 10)
            size = 10;
        g->buyer_start[j] = start;
        g->buyer_size[j] = size;
        start += size;
    }
}

static const char *datadir_of(const bw_gen_options *opt)
{
#ifdef BW_DATADIR
    return opt->datadir ? opt->datadir : BW_DATADIR;
#else
    return opt->datadir;
#endif
}

static void gen_free(gen *g)
{
    free_catalogue(&g->cat);
    free_catalogue(&g->banned);
    free(g->risky.rows);
    free(g->risky.cum);
    free(g->offenders);
    free(g->registered);
    anom_vocab_free(&g->vocab);
    memset(g, 0, sizeof *g);
}

/* The offenders' vocabulary and list (also for --watchlist alone). */
static int offenders_load(gen *g, const char *datadir, char *err, size_t errlen)
{
    if (anom_vocab_load(&g->vocab, datadir, err, errlen) || check_cultures(&g->vocab, datadir, err, errlen))
        return -1;
    if (offenders_init(g)) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int anomalies_init(gen *g, const char *datadir, char *err, size_t errlen)
{
    if (offenders_load(g, datadir, err, errlen) || load_catalogue(&g->banned, &PROHIBITED, datadir, err, errlen))
        return -1;
    if (risky_init(g)) {
        set_err(err, errlen, "%s/demo/catalogue.tsv: no products of the high-risk chapters (or out of memory)", datadir);
        return -1;
    }
    if (registered_init(g)) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int gen_init(gen *g, const bw_gen_options *opt, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->seed = opt->seed;
    g->fixed_j = -1;
    if (opt->jurisdiction && (g->fixed_j = find_jurisdiction(opt->jurisdiction)) < 0) {
        set_err(err, errlen, "unknown jurisdiction '%s' (expected one of EU GB US AU CA CN)", opt->jurisdiction);
        return -1;
    }
    if (opt->anomalies && opt->anomaly_ppm > 1000000) {
        set_err(err, errlen, "the anomaly rate must be between 0 and 1");
        return -1;
    }
    const char *datadir = datadir_of(opt);
    if (!datadir) {
        set_err(err, errlen, "no data directory given");
        return -1;
    }
    if (load_catalogue(&g->cat, &CATALOGUE, datadir, err, errlen))
        return -1;
    size_pools(g, opt->count);
    g->base_t = days_from_civil(2026, 11, 20) * 86400;
    g->count = opt->count;
    g->days = opt->days;
    g->outcomes = opt->outcomes;
    g->anomalies = opt->anomalies;
    g->ppm = opt->anomalies ? opt->anomaly_ppm : 0;
    if (g->anomalies && anomalies_init(g, datadir, err, errlen)) {
        gen_free(g);
        return -1;
    }
    return 0;
}

/* Writes what is left, frees the buffer; 0, or -1 with the first write
 * error in err. */
static int sink_close(sink *s, char *err, size_t errlen)
{
    sink_flush(s);
    if (!s->err && fflush(s->f) != 0)
        s->err = errno ? errno : EIO;
    free(s->buf);
    s->buf = NULL;
    if (s->err) {
        set_err(err, errlen, "write error: %s", strerror(s->err));
        return -1;
    }
    return 0;
}

int bw_gen_run(const bw_gen_options *opt, FILE *out, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    gen g;
    if (!opt || !out) {
        set_err(err, errlen, "no options or output stream");
        return -1;
    }
    if (gen_init(&g, opt, err, errlen))
        return -1;
    sink s = {.cap = 1 << 20, .f = out}, t = {.cap = 1 << 18, .f = opt->truth};
    layout *lay = g.ppm ? calloc(2, sizeof *lay) : NULL; /* this block's, and a scratch one */
    plan *p = malloc(sizeof *p);
    s.buf = malloc(s.cap);
    t.buf = opt->truth ? malloc(t.cap) : NULL;
    if (!s.buf || !p || (g.ppm && !lay) || (opt->truth && !t.buf)) {
        free(s.buf), free(t.buf), free(lay), free(p);
        gen_free(&g);
        set_err(err, errlen, "out of memory");
        return -1;
    }
    for (uint64_t seq = 1; seq <= opt->count && !s.err && !t.err; seq++) {
        const slot *sl = lay ? slot_of(&g, &lay[0], seq) : NULL;
        if (sl && sl->pattern != PAT_CLEAN)
            plan_anomaly(&g, seq, sl, p);
        else
            plan_record(&g, lay ? &lay[1] : NULL, seq, p);
        write_record(&s, &g, p);
        if (opt->truth)
            write_truth(&t, &g, p);
    }
    free(lay);
    free(p);
    gen_free(&g);
    int rc = sink_close(&s, err, errlen);
    if (opt->truth && sink_close(&t, rc ? NULL : err, rc ? 0 : errlen))
        rc = -1;
    return rc;
}

int bw_gen_parse_rate(const char *text, uint32_t *ppm) { return anom_parse_rate(text, ppm); }

/* ======================================================================
 * The vendor scheme registry (data/registries/README.md)
 * ==================================================================== */

/* The `name` of each scheme's vendor_schemes entry in
 * data/jurisdictions/<ID>.json; the registry loader refuses any other, so
 * a renamed scheme fails loudly rather than leaving numbers unverified. */
static const char *const SCHEME_NAME[] = {
    [SCHEME_IOSS] = "IOSS", [SCHEME_UK_VAT] = "UK VAT", [SCHEME_ARN] = "ARN or ABN",
};

#define REGISTERED_FROM "2021-07-01" /* IOSS began then; the UK and AU regimes earlier */
#define REVOKED_FROM "2024-01-01"

/* The columns before the name: scheme, number, status, from, empty to. */
static void put_registry_row(sink *s, unsigned scheme, const char *number, const char *status,
                             const char *from)
{
    put_s(s, SCHEME_NAME[scheme]);
    put_c(s, '\t');
    put_s(s, number);
    put_c(s, '\t');
    put_s(s, status);
    put_c(s, '\t');
    put_s(s, from);
    PUT(s, "\t\t");
}

/* Every marketplace, whether or not this seed's records happen to use it:
 * a deemed supplier is registered before it sells. */
static void put_registry_platforms(sink *s, unsigned scheme)
{
    for (size_t i = 0; i < COUNTOF(PLATFORMS); i++) {
        char num[16];
        platform_number(&PLATFORMS[i], scheme, num);
        put_registry_row(s, scheme, num, "valid", REGISTERED_FROM);
        put_s(s, PLATFORMS[i].name);
        PUT(s, "\tmarketplace ");
        put_s(s, PLATFORMS[i].id);
        PUT(s, ", deemed supplier\n");
    }
}

/* The sellers of the largest pool, so that one file serves every --count
 * of the seed; only those pick_seller() may send into jurisdiction j. */
static void put_registry_sellers(sink *s, uint64_t seed, unsigned j)
{
    unsigned scheme = JURIS[j].scheme;
    for (uint32_t no = 1; no <= MAX_SELLERS; no++) {
        seller sl;
        char num[16];
        seller_init(seed, no, &sl);
        if (!origin_allowed(sl.country, j, JURIS[j].dest) || !seller_number(&sl, scheme, num))
            continue;
        put_registry_row(s, scheme, num, "valid", REGISTERED_FROM);
        put_company_name(s, &sl);
        PUT(s, "\tSELLER-");
        put_u64(s, no);
        put_c(s, '\n');
    }
}

/* The revoked samples (revoked_number), registered and later revoked: a
 * test can put one into a declaration and expect scheme.revoked without
 * touching the rest. */
static void put_registry_revoked(sink *s, unsigned scheme)
{
    for (uint32_t k = 1; k <= N_REVOKED; k++) {
        char num[16];
        revoked_number(scheme, k, num);
        put_registry_row(s, scheme, num, "valid", REGISTERED_FROM);
        PUT(s, "Revoked Sample Ltd\tnever in generated declarations\n");
        put_registry_row(s, scheme, num, "revoked", REVOKED_FROM);
        PUT(s, "Revoked Sample Ltd\trevoked sample for tests\n");
    }
}

int bw_gen_registry(const bw_gen_options *opt, FILE *out, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    if (!opt || !out) {
        set_err(err, errlen, "no options or output stream");
        return -1;
    }
    int fixed = -1;
    if (opt->jurisdiction && (fixed = find_jurisdiction(opt->jurisdiction)) < 0) {
        set_err(err, errlen, "unknown jurisdiction '%s' (expected one of EU GB US AU CA CN)", opt->jurisdiction);
        return -1;
    }
    sink s = {.cap = 1 << 20, .f = out};
    if (!(s.buf = malloc(s.cap))) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    PUT(&s, "# vendor scheme registry of breakwater gen --seed ");
    put_u64(&s, opt->seed);
    PUT(&s, "\nscheme\tnumber\tstatus\tfrom\tto\tname\tnote\n");
    for (unsigned j = 0; j < J_COUNT; j++) {
        if (JURIS[j].scheme == SCHEME_NONE || (fixed >= 0 && (int)j != fixed))
            continue;
        put_registry_platforms(&s, JURIS[j].scheme);
        put_registry_sellers(&s, opt->seed, j);
        put_registry_revoked(&s, JURIS[j].scheme);
    }
    return sink_close(&s, err, errlen);
}

/* ======================================================================
 * The offender list (--watchlist; data/demo/README.md)
 * ==================================================================== */

#define WATCHLIST_HEADER "id\tkind\tname\taddress\tcountry\temail\tphone\tidentifier\treason\tlisted_from\tlisted_to"

static void put_day(sink *s, int64_t day)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    put_u64w(s, (uint64_t)y, 4);
    put_c(s, '-');
    put_u64w(s, m, 2);
    put_c(s, '-');
    put_u64w(s, d, 2);
}

/* "Hauptstraße 412, 10115 Berlin" */
static void put_offender_address(sink *s, const offender *o)
{
    const country *c = &COUNTRIES[o->country];
    const place *pl = &c->places[o->place];
    char line[160];
    sink l = str_sink(line, sizeof line);
    put_street_line(&l, c, o->street, o->house);
    put_s(s, str_end(&l));
    PUT(s, ", ");
    if (pl->postcode) {
        put_s(s, pl->postcode);
        put_c(s, ' ');
    }
    put_s(s, pl->city);
}

static void put_offender(sink *s, const offender *o)
{
    PUT(s, "WL-");
    put_u64w(s, o->no, 4);
    put_c(s, '\t');
    put_s(s, o->company ? "company" : "person");
    put_c(s, '\t');
    put_s(s, o->listed_native ? o->name.native : o->name.latin);
    put_c(s, '\t');
    put_offender_address(s, o);
    put_c(s, '\t');
    put_s(s, COUNTRIES[o->country].cc);
    put_c(s, '\t');
    put_s(s, o->email);
    put_c(s, '\t');
    put_s(s, o->phone);
    put_c(s, '\t');
    put_s(s, o->identifier);
    put_c(s, '\t');
    put_s(s, o->reason);
    put_c(s, '\t');
    put_day(s, o->listed_from);
    put_c(s, '\t');
    if (o->delisted)
        put_day(s, o->listed_to);
    put_c(s, '\n');
}

int bw_gen_watchlist(const bw_gen_options *opt, FILE *out, char *err, size_t errlen)
{
    set_err(err, errlen, "%s", "");
    if (!opt || !out) {
        set_err(err, errlen, "no options or output stream");
        return -1;
    }
    const char *datadir = datadir_of(opt);
    if (!datadir) {
        set_err(err, errlen, "no data directory given");
        return -1;
    }
    gen g;
    memset(&g, 0, sizeof g);
    g.seed = opt->seed;
    sink s = {.cap = 1 << 20, .f = out};
    if (offenders_load(&g, datadir, err, errlen) || !(s.buf = malloc(s.cap))) {
        if (!err || !err[0])
            set_err(err, errlen, "out of memory");
        gen_free(&g);
        return -1;
    }
    PUT(&s, WATCHLIST_HEADER "\n"); /* first line: readers expect the header there */
    for (uint32_t i = 0; i < g.noffenders; i++)
        put_offender(&s, &g.offenders[i]);
    gen_free(&g);
    return sink_close(&s, err, errlen);
}
