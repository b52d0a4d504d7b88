/*
 * cmd_watchlist.c - `breakwater watchlist`: the offender watchlist from the
 * command line (src/risk/watchlist.h, data/watchlist/README.md).
 *
 *   synth --count N --seed S   a deterministic synthetic list, for the
 *                              benchmark and load tests
 *   check FILE|-               declarations (NDJSON) against the loaded
 *                              lists: one line per declaration with hits,
 *                              and on stderr the checks per second measured
 *                              around the checks alone (decoding excluded)
 *   match NAME...              the best listed name for each NAME and its
 *                              similarity, for analysts tuning the rules
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../model/reader.h"
#include "../risk/normalize.h"
#include "../risk/watchlist.h"
#include "cli.h"

static const char HELP[] =
    "usage: breakwater watchlist synth --count N [--seed S]\n"
    "       breakwater watchlist check [--data DIR] [--as-of TIME] [--all] FILE|-\n"
    "       breakwater watchlist match [--data DIR] [--as-of TIME] NAME...\n\n"
    "The offender watchlist (data/watchlist/README.md): every *.tsv of the data\n"
    "directory's watchlist/ folder and the files named in $BREAKWATER_WATCHLIST\n"
    "(separated by ':').\n\n"
    "  synth    prints a synthetic list of N fictional entries (names from several\n"
    "           cultures and scripts, addresses, emails, phones, identifiers); the\n"
    "           same seed gives the same bytes\n"
    "  check    reads declarations (one object, an array or NDJSON) and prints one\n"
    "           NDJSON line per declaration with hits: index, declaration_id and\n"
    "           the risk member; on stderr the checks per second (time measured\n"
    "           around the checks only)\n"
    "  match    prints the best listed name for each NAME with its similarity\n\n"
    "options:\n"
    "  --count N      entries to synthesize (> 0)\n"
    "  --seed S       synthesis seed (default 1)\n"
    "  --data DIR     breakwater's data directory (default: $BREAKWATER_DATA or built-in)\n"
    "  --as-of TIME   check as on this date (default: now)\n"
    "  --all          check: print every declaration, with or without hits\n"
    "  --help         this text\n";

/* ---- synthetic entries ------------------------------------------------------------------- */

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint32_t pick(uint64_t *s, uint32_t n) { return (uint32_t)(rnd(s) % n); }
static bool chance(uint64_t *s, unsigned percent) { return pick(s, 100) < percent; }
#define ONE(s, arr) (arr[pick((s), (uint32_t)(sizeof arr / sizeof arr[0]))])

typedef struct culture {
    const char *country, *phone_cc, *id_prefix;
    const char *const *first, *const *last, *const *street, *const *city;
    uint32_t n_first, n_last, n_street, n_city;
    bool han;          /* family name first, no space */
    const char *const *legal;
    uint32_t n_legal;
} culture;

static const char *const RU_F[] = {"Иван", "Сергей", "Алексей", "Дмитрий", "Михаил", "Андрей", "Николай",
    "Владимир", "Александр", "Евгений", "Павел", "Юрий", "Олег", "Виктор", "Игорь", "Ольга", "Елена",
    "Наталья", "Татьяна", "Светлана", "Ирина", "Анна", "Мария", "Юлия", "Екатерина", "Галина"};
static const char *const RU_L[] = {"Петров", "Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев",
    "Козлов", "Новиков", "Морозов", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов",
    "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов",
    "Комаров", "Орлов", "Киселёв", "Макаров", "Андреев", "Ковалёв", "Ильин", "Гусев", "Титов", "Кузьмин",
    "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов", "Яковлев", "Сорокин", "Сергеев", "Романов",
    "Захаров", "Борисов", "Королёв", "Герасимов", "Пономарёв", "Григорьев", "Лазарев", "Медведев", "Ершов"};
static const char *const RU_ST[] = {"ул. Тверская", "ул. Ленина", "пр. Мира", "ул. Садовая", "ул. Гагарина",
    "Невский пр.", "ул. Пушкина", "ул. Советская", "ул. Лесная", "наб. Фонтанки"};
static const char *const RU_C[] = {"Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань",
    "Калининград", "Владивосток"};
static const char *const RU_LEGAL[] = {"ООО", "АО", "ИП"};

static const char *const ZH_F[] = {"建国", "建华", "志强", "晓明", "海燕", "国强", "桂英", "丽娟", "俊杰",
    "婷婷", "文博", "子涵", "宇航", "思远", "雨桐", "浩然", "嘉怡", "欣怡", "梓轩", "永刚", "玉兰", "春梅",
    "红霞", "志明", "立新", "振华", "德明", "凤英", "金龙", "秀兰", "国华", "庆华", "明辉", "家豪", "伟", "强"};
static const char *const ZH_L[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓",
    "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡"};
static const char *const ZH_ST[] = {"深南大道", "南京路", "中山路", "人民路", "解放路", "建设路", "华强北路",
    "长安街"};
static const char *const ZH_C[] = {"深圳", "上海", "广州", "义乌", "东莞", "杭州", "北京", "宁波"};
static const char *const ZH_CO_CITY[] = {"Shenzhen", "Shanghai", "Guangzhou", "Yiwu", "Dongguan", "Hangzhou",
    "Beijing", "Ningbo"}; /* companies declare their Latin names */
static const char *const ZH_LEGAL[] = {"Co., Ltd.", "Trading Co., Ltd.", "Limited"};

static const char *const AR_F[] = {"Mohammed", "Muhammad", "Mohamed", "Ahmed", "Ahmad", "Ali", "Omar",
    "Umar", "Yusuf", "Youssef", "Khalid", "Khaled", "Hassan", "Hasan", "Hussein", "Ibrahim", "Abdullah",
    "Abdulrahman", "Tariq", "Faisal", "Saeed", "Mustafa", "Karim", "Nabil", "Samir", "Fatima", "Aisha",
    "Mariam", "Layla", "Noura", "Huda", "Salma"};
static const char *const AR_L[] = {"Al-Rashid", "Haddad", "Nasser", "Mansour", "Khoury", "Saleh", "Hamdan",
    "Al-Farsi", "Al-Mansoori", "Qasim", "Aziz", "Bakr", "Darwish", "El-Sayed", "Farouk", "Ghanem",
    "Habib", "Jaber", "Kassem", "Mahmoud", "Najjar", "Othman", "Rahman", "Sabbagh", "Shaheen", "Suleiman",
    "Tahir", "Yassin", "Zaki", "Abboud", "Barakat", "Hijazi", "Issa", "Khalil", "Masri", "Odeh"};
static const char *const AR_ST[] = {"Sheikh Zayed Road", "Al Wasl Road", "King Fahd Road", "Corniche Street",
    "Al Rigga Road", "Tahrir Street"};
static const char *const AR_C[] = {"Dubai", "Sharjah", "Abu Dhabi", "Riyadh", "Jeddah", "Cairo", "Amman"};
static const char *const AR_LEGAL[] = {"LLC", "FZE", "Trading LLC", "General Trading LLC"};

static const char *const ES_F[] = {"José", "María", "Jesús", "Ramón", "Sofía", "Andrés", "Lucía", "Martín",
    "Inés", "Álvaro", "Raúl", "Óscar", "Begoña", "Joaquín", "Nicolás", "Adrián", "Mónica", "Héctor",
    "Verónica", "Rubén", "Iván", "Dolores", "Gonzalo", "Patricia", "Sebastián", "Ángel"};
static const char *const ES_L[] = {"García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
    "Núñez", "Muñoz", "Jiménez", "Álvarez", "Romero", "Díaz", "Hernández", "Ibáñez", "Domínguez", "Vázquez",
    "Ramírez", "Gutiérrez", "Castaño", "Peña", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín",
    "Sanz", "Iglesias", "Medina", "Garrido", "Cortés", "Santana", "Castillo", "Guerrero", "Lozano",
    "Cano", "Prieto", "Méndez", "Calvo"};
static const char *const ES_ST[] = {"Calle Mayor", "Avenida de América", "Calle de Toledo", "Paseo del Prado",
    "Calle Real", "Avenida Libertad", "Calle San Vicente"};
static const char *const ES_C[] = {"Madrid", "Barcelona", "Valencia", "Sevilla", "Zaragoza", "Málaga",
    "Bilbao", "Alicante"};
static const char *const ES_LEGAL[] = {"S.L.", "S.A.", "S.L.U."};

static const char *const DE_F[] = {"Jürgen", "Günter", "Jörg", "Stefan", "Klaus", "Uwe", "Dieter", "Björn",
    "Sören", "Matthias", "Tobias", "Andreas", "Thomas", "Michael", "Sabine", "Ursula", "Jürgen", "Käthe",
    "Heike", "Monika", "Brigitte", "Susanne", "Anja", "Katrin", "Bärbel"};
static const char *const DE_L[] = {"Müller", "Schröder", "Schäfer", "Weiß", "Köhler", "Groß", "Krüger",
    "Böhm", "Jäger", "Schütz", "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz",
    "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter",
    "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn"};
static const char *const DE_ST[] = {"Hauptstraße", "Bahnhofstraße", "Goethestraße", "Lindenweg",
    "Bergstraße", "Kirchplatz", "Industriestraße", "Am Hafen"};
static const char *const DE_C[] = {"Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Düsseldorf",
    "Leipzig", "Bremen"};
static const char *const DE_LEGAL[] = {"GmbH", "GmbH & Co. KG", "AG", "UG"};

static const char *const TR_F[] = {"Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim",
    "İsmail", "Osman", "Yusuf", "Murat", "Ömer", "Ramazan", "Halil", "Süleyman", "Ayşe", "Fatma", "Emine",
    "Hatice", "Zeynep", "Elif", "Özlem", "Gülşen", "Şule", "Çiğdem"};
static const char *const TR_L[] = {"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım",
    "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt",
    "Özkan", "Şimşek", "Polat", "Özer", "Güneş", "Erdoğan", "Aktaş", "Bulut", "Keskin", "Ünal", "Uysal",
    "Tekin", "Karaca", "Güler", "Acar", "Taş"};
static const char *const TR_ST[] = {"Atatürk Caddesi", "İstiklal Caddesi", "Cumhuriyet Caddesi",
    "Bağdat Caddesi", "Gazi Bulvarı", "Kıbrıs Şehitleri Caddesi"};
static const char *const TR_C[] = {"İstanbul", "Ankara", "İzmir", "Bursa", "Antalya", "Gaziantep", "Mersin"};
static const char *const TR_LEGAL[] = {"Dış Ticaret A.Ş.", "Ltd. Şti.", "A.Ş."};

static const char *const VI_F[] = {"Văn An", "Văn Bình", "Thị Hoa", "Thị Lan", "Minh Tuấn", "Quốc Huy",
    "Thanh Hà", "Ngọc Ánh", "Đức Minh", "Hữu Phước", "Thị Thu", "Văn Đức", "Hoàng Nam", "Bảo Ngọc",
    "Gia Huy", "Khánh Linh"};
static const char *const VI_L[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
    "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"};
static const char *const VI_ST[] = {"Nguyễn Huệ", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt",
    "Điện Biên Phủ"};
static const char *const VI_C[] = {"Hồ Chí Minh", "Hà Nội", "Đà Nẵng", "Hải Phòng", "Cần Thơ"};
static const char *const VI_LEGAL[] = {"Co., Ltd", "JSC", "Trading Co., Ltd"};

static const char *const EN_F[] = {"John", "James", "Michael", "David", "Robert", "William", "Richard",
    "Joseph", "Thomas", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Stephen", "Paul",
    "Andrew", "Kevin", "Brian", "Sarah", "Jennifer", "Elizabeth", "Linda", "Barbara", "Susan", "Jessica",
    "Karen", "Nancy", "Lisa", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
    "Carol", "Amanda", "Melissa"};
static const char *const EN_L[] = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
    "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
    "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
    "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson",
    "Brooks", "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster"};
static const char *const EN_ST[] = {"High Street", "Station Road", "Main Street", "Park Avenue", "Oak Lane",
    "Mill Road", "Church Street", "Harbour Way", "Industrial Estate Road"};
static const char *const EN_C[] = {"London", "Manchester", "Birmingham", "Leeds", "New York", "Los Angeles",
    "Miami", "Houston", "Toronto", "Sydney"};
static const char *const EN_LEGAL[] = {"Ltd", "Limited", "LLC", "Inc.", "Corp."};

#define N(a) (uint32_t)(sizeof a / sizeof a[0])
static const culture CULTURES[] = {
    {"RU", "7", "RU", RU_F, RU_L, RU_ST, RU_C, N(RU_F), N(RU_L), N(RU_ST), N(RU_C), false, RU_LEGAL, N(RU_LEGAL)},
    {"CN", "86", "CN", ZH_F, ZH_L, ZH_ST, ZH_C, N(ZH_F), N(ZH_L), N(ZH_ST), N(ZH_C), true, ZH_LEGAL, N(ZH_LEGAL)},
    {"AE", "971", "AE", AR_F, AR_L, AR_ST, AR_C, N(AR_F), N(AR_L), N(AR_ST), N(AR_C), false, AR_LEGAL, N(AR_LEGAL)},
    {"ES", "34", "ES", ES_F, ES_L, ES_ST, ES_C, N(ES_F), N(ES_L), N(ES_ST), N(ES_C), false, ES_LEGAL, N(ES_LEGAL)},
    {"DE", "49", "DE", DE_F, DE_L, DE_ST, DE_C, N(DE_F), N(DE_L), N(DE_ST), N(DE_C), false, DE_LEGAL, N(DE_LEGAL)},
    {"TR", "90", "TR", TR_F, TR_L, TR_ST, TR_C, N(TR_F), N(TR_L), N(TR_ST), N(TR_C), false, TR_LEGAL, N(TR_LEGAL)},
    {"VN", "84", "VN", VI_F, VI_L, VI_ST, VI_C, N(VI_F), N(VI_L), N(VI_ST), N(VI_C), true, VI_LEGAL, N(VI_LEGAL)},
    {"GB", "44", "GB", EN_F, EN_L, EN_ST, EN_C, N(EN_F), N(EN_L), N(EN_ST), N(EN_C), false, EN_LEGAL, N(EN_LEGAL)},
};
/* Relative weights of the cultures above (sums to 100). */
static const unsigned CULTURE_WEIGHT[] = {14, 18, 12, 10, 10, 8, 8, 20};

/* Invented brand syllables: listed companies have names of their own. */
static const char *const BRAND_A[] = {"Zen", "Kal", "Vor", "Tri", "Mex", "Lum", "Nov", "Qui", "Sar", "Bel",
    "Dax", "Fen", "Hol", "Jir", "Kor", "Lan", "Mor", "Pax", "Rin", "Sol", "Tav", "Ul", "Vex", "Wen", "Xan",
    "Yor", "Zar", "Cor", "Dal", "Ev"};
static const char *const BRAND_B[] = {"trova", "umex", "ora", "lix", "tana", "vex", "ado", "ito", "ema",
    "ion", "ara", "ello", "ium", "osa", "ent", "ix", "ona", "ura", "ano", "eka", "ilo", "usa", "era", "oni",
    "ast", "ery", "ola", "ine", "ax", "ova"};
static const char *const CO_ADJ[] = {"Golden", "Silver", "Pacific", "Oriental", "Northern", "Eastern",
    "Bright", "Grand", "Royal", "Global", "Prime", "Blue Ocean", "Red Star", "Jade", "Phoenix", "Lotus",
    "Dragon", "Eagle", "Summit", "Harbour", "Crystal", "Sunrise", "Evergreen", "Victory", "Unity", "Apex"};
static const char *const CO_NOUN[] = {"Electronics", "Textiles", "Cosmetics", "Auto Parts", "Toys",
    "Watches", "Pharma", "Tools", "Lighting", "Apparel", "Footwear", "Mobile", "Logistics", "Supply",
    "Bags", "Optics", "Medical", "Tobacco", "Vape", "Bearings"};
static const char *const MAIL_DOMAINS[] = {"mail.example", "post.example", "inbox.example", "webmail.example",
    "shopmail.example", "net.example"};
static const char *const REASONS[] = {"undervaluation (synthetic)", "counterfeit goods (synthetic)",
    "misdeclared origin (synthetic)", "split consignments under the de minimis (synthetic)",
    "prohibited goods mislabelled (synthetic)", "forged invoices (synthetic)",
    "repeated seizures of narcotics precursors (synthetic)", "undeclared lithium batteries (synthetic)"};

static const culture *pick_culture(uint64_t *s)
{
    uint32_t r = pick(s, 100), acc = 0;
    for (size_t i = 0; i < N(CULTURES); i++) {
        acc += CULTURE_WEIGHT[i];
        if (r < acc)
            return &CULTURES[i];
    }
    return &CULTURES[0];
}

static void put_digits(bw_buf *b, uint64_t *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        bw_buf_putc(b, (char)('0' + pick(s, 10)));
}

/* The Latin form of a (possibly Cyrillic or Han) name, for mail boxes:
 * the normalized words joined by dots. */
static void put_mailbox(bw_buf *b, const char *name)
{
    char norm[256];
    size_t n = bw_watch_norm(name, strlen(name), norm, sizeof norm);
    for (size_t i = 0; i < n; i++)
        bw_buf_putc(b, norm[i] == ' ' ? '.' : norm[i]);
}

static void put_person(bw_buf *b, uint64_t *s, const culture *c)
{
    const char *first = c->first[pick(s, c->n_first)], *last = c->last[pick(s, c->n_last)];
    if (c->han) { /* family name first */
        bw_buf_puts(b, last);
        if (c->country[0] == 'V')
            bw_buf_putc(b, ' ');
        bw_buf_puts(b, first);
        return;
    }
    bool swap = chance(s, 10); /* lists often hold "SURNAME First" */
    bw_buf_puts(b, swap ? last : first);
    if (chance(s, 20)) { /* a middle name */
        bw_buf_putc(b, ' ');
        bw_buf_puts(b, c->first[pick(s, c->n_first)]);
    }
    bw_buf_putc(b, ' ');
    bw_buf_puts(b, swap ? first : last);
    if (c->country[0] == 'E' && chance(s, 50)) { /* Spanish second surname */
        bw_buf_putc(b, ' ');
        bw_buf_puts(b, c->last[pick(s, c->n_last)]);
    }
}

static void put_company(bw_buf *b, uint64_t *s, const culture *c)
{
    if (c->country[0] == 'R') { /* ООО «...» */
        bw_buf_puts(b, c->legal[pick(s, c->n_legal)]);
        bw_buf_puts(b, " «");
        bw_buf_puts(b, c->last[pick(s, c->n_last)]);
        bw_buf_puts(b, " ");
        bw_buf_puts(b, ONE(s, CO_NOUN));
        bw_buf_puts(b, "»");
        return;
    }
    if (c->country[0] == 'C') {
        bw_buf_puts(b, ONE(s, ZH_CO_CITY));
        bw_buf_putc(b, ' ');
    } else if (c->han || chance(s, 30)) {
        bw_buf_puts(b, c->city[pick(s, c->n_city)]);
        bw_buf_putc(b, ' ');
    }
    if (chance(s, 15)) { /* a generic name, as some are */
        bw_buf_puts(b, ONE(s, CO_ADJ));
    } else {
        bw_buf_puts(b, ONE(s, BRAND_A));
        bw_buf_puts(b, ONE(s, BRAND_B));
    }
    bw_buf_putc(b, ' ');
    bw_buf_puts(b, ONE(s, CO_NOUN));
    bw_buf_putc(b, ' ');
    bw_buf_puts(b, c->legal[pick(s, c->n_legal)]);
}

static void put_address(bw_buf *b, uint64_t *s, const culture *c)
{
    bw_buf_puts(b, c->street[pick(s, c->n_street)]);
    bw_buf_putc(b, ' ');
    bw_buf_put_i64(b, 1 + pick(s, 240));
    bw_buf_puts(b, ", ");
    put_digits(b, s, c->country[0] == 'G' ? 0 : 5 + (c->country[0] == 'R' || c->han));
    if (c->country[0] == 'G') { /* a UK-shaped postcode */
        bw_buf_putc(b, (char)('A' + pick(s, 26)));
        bw_buf_putc(b, (char)('A' + pick(s, 26)));
        bw_buf_put_i64(b, 1 + pick(s, 20));
        bw_buf_putc(b, ' ');
        bw_buf_put_i64(b, pick(s, 10));
        bw_buf_putc(b, (char)('A' + pick(s, 26)));
        bw_buf_putc(b, (char)('A' + pick(s, 26)));
    }
    bw_buf_putc(b, ' ');
    bw_buf_puts(b, c->city[pick(s, c->n_city)]);
}

static void put_day(bw_buf *b, bw_time t)
{
    char d[21];
    bw_time_format(t, d);
    bw_buf_put(b, d, 10);
}

/* One entry as a list line; the fields in the README's order. */
static void synth_entry(bw_buf *b, uint64_t seed, uint64_t i)
{
    uint64_t st = seed * 0x2545F4914F6CDD1Dull + i, *s = &st;
    const culture *c = pick_culture(s);
    bool company = chance(s, 25);
    size_t name_at;
    bw_buf_puts(b, "WL-S");
    bw_buf_put_i64(b, (int64_t)seed);
    bw_buf_putc(b, '-');
    bw_buf_put_i64(b, (int64_t)i + 1);
    bw_buf_puts(b, company ? "\tcompany\t" : "\tperson\t");
    name_at = b->n;
    bool named = chance(s, 95);
    if (named)
        (company ? put_company : put_person)(b, s, c);
    size_t name_end = b->n;
    bw_buf_putc(b, '\t');
    if (chance(s, 60))
        put_address(b, s, c);
    bw_buf_putc(b, '\t');
    bw_buf_puts(b, chance(s, 90) ? c->country : "");
    bw_buf_putc(b, '\t');
    if (!named || chance(s, 50)) {
        char name[512];
        size_t n = name_end - name_at < sizeof name - 1 ? name_end - name_at : sizeof name - 1;
        memcpy(name, b->p + name_at, n);
        name[n] = 0;
        if (named)
            put_mailbox(b, name);
        else
            bw_buf_puts(b, "seller");
        bw_buf_put_i64(b, pick(s, 1000));
        bw_buf_putc(b, '@');
        bw_buf_puts(b, ONE(s, MAIL_DOMAINS));
    }
    bw_buf_putc(b, '\t');
    if (chance(s, 50)) {
        bw_buf_putc(b, '+');
        bw_buf_puts(b, c->phone_cc);
        bw_buf_putc(b, ' ');
        bw_buf_putc(b, (char)('1' + pick(s, 9)));
        put_digits(b, s, 8 + pick(s, 2));
    }
    bw_buf_putc(b, '\t');
    if (chance(s, 40)) {
        bw_buf_puts(b, c->id_prefix);
        put_digits(b, s, 9 + pick(s, 4));
    }
    bw_buf_putc(b, '\t');
    bw_buf_puts(b, ONE(s, REASONS));
    bw_buf_putc(b, '\t');
    bw_time from = bw_time_from_civil(2015, 1, 1) + (bw_time)pick(s, 11 * 365) * 86400;
    put_day(b, from);
    bw_buf_putc(b, '\t');
    if (chance(s, 10))
        put_day(b, from + (bw_time)(30 + pick(s, 5 * 365)) * 86400);
    bw_buf_putc(b, '\n');
}

static int synth(uint64_t count, uint64_t seed)
{
    bw_buf b = {0};
    bw_buf_puts(&b, "# synthetic offender list: breakwater watchlist synth --count ");
    bw_buf_put_i64(&b, (int64_t)count);
    bw_buf_puts(&b, " --seed ");
    bw_buf_put_i64(&b, (int64_t)seed);
    bw_buf_puts(&b, "\n# every entry is invented\n"
                    "id\tkind\tname\taddress\tcountry\temail\tphone\tidentifier\treason\tlisted_from\tlisted_to\n");
    for (uint64_t i = 0; i < count; i++) {
        synth_entry(&b, seed, i);
        if (b.n > (1u << 20)) {
            if (fwrite(b.p, 1, b.n, stdout) != b.n)
                break;
            b.n = 0;
        }
    }
    bool ok = fwrite(b.p, 1, b.n, stdout) == b.n && fflush(stdout) == 0 && !ferror(stdout);
    bw_buf_free(&b);
    if (!ok)
        fprintf(stderr, "breakwater watchlist: write error: %s\n", strerror(errno));
    return ok ? EXIT_OK : EXIT_USAGE;
}

/* ---- check and match ----------------------------------------------------------------------- */


/* CPU time of the process: what the checks cost on one core, whatever
 * else the machine runs. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The lists of the data directory and of $BREAKWATER_WATCHLIST; with
 * `timed`, how long loading took on stderr. */
static bw_watchlist *load(const char *datadir, bool timed)
{
    char err[1024];
    double t0 = cpu_now();
    bw_watchlist *w = bw_watchlist_load(datadir, getenv("BREAKWATER_WATCHLIST"), err, sizeof err);
    if (!w)
        fprintf(stderr, "breakwater watchlist: %s\n", err);
    else if (timed)
        fprintf(stderr, "watchlist: loaded %zu entries in %.2f s of CPU\n", bw_watchlist_count(w), cpu_now() - t0);
    return w;
}

/* Declarations are checked in batches: decoded first (their parties
 * copied, as the reader reuses its buffers), then checked in a loop of
 * their own, so that the time measured is the checks' alone. */
enum { BATCH = 64 }; /* small enough that the batch is still in the cache, as in the pipeline */

typedef struct batch {
    bw_declaration decl[BATCH];
    uint64_t index[BATCH];
    unsigned n;
    bw_arena strings;
} batch;

static bw_str copy_str(bw_arena *a, bw_str s)
{
    return s.p ? (bw_str){bw_arena_strdup(a, s.p, s.n), s.n} : s;
}

static void copy_party(bw_arena *a, const bw_party *from, bw_party *to)
{
    *to = *from;
    bw_str *const f[] = {&to->id, &to->name, &to->email, &to->phone, &to->url, &to->national_id,
                         &to->scheme_number, &to->address.line, &to->address.city, &to->address.postcode,
                         &to->address.region, &to->address.country};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        *f[i] = copy_str(a, *f[i]);
}

static void batch_add(batch *b, const bw_record *rec)
{
    bw_declaration *d = &b->decl[b->n];
    memset(d, 0, sizeof *d);
    d->present = true;
    d->declaration_id = copy_str(&b->strings, rec->decl.declaration_id);
    copy_party(&b->strings, &rec->decl.seller, &d->seller);
    copy_party(&b->strings, &rec->decl.buyer, &d->buyer);
    b->index[b->n++] = rec->index;
}

static void put_hits(bw_buf *out, const batch *b, unsigned i, const bw_risk_result *r)
{
    bw_buf_puts(out, "{\"index\":");
    bw_buf_put_i64(out, (int64_t)b->index[i]);
    bw_buf_puts(out, ",\"declaration_id\":");
    if (b->decl[i].declaration_id.p)
        bw_buf_put_json_str(out, b->decl[i].declaration_id.p, b->decl[i].declaration_id.n);
    else
        bw_buf_puts(out, "null");
    bw_risk_json(r, out);
    bw_buf_puts(out, "}\n");
}

typedef struct tally {
    uint64_t checks, with_hits;
    double spent;
} tally;

/* Times the batch's checks, then checks again to print the hits. */
static void batch_run(const bw_watchlist *w, batch *b, bw_time when, bool all, bw_arena *arena, tally *t)
{
    bw_risk_result r;
    double t0 = cpu_now();
    for (unsigned i = 0; i < b->n; i++) {
        bw_risk_facts f = {.decl = &b->decl[i], .when = when};
        bw_arena_reset(arena);
        bw_risk_result_init(&r, arena);
        bw_watchlist_check(w, &f, &r);
        t->with_hits += r.n_hits > 0;
    }
    t->spent += cpu_now() - t0;
    t->checks += b->n;
    bw_buf out = {0};
    for (unsigned i = 0; i < b->n; i++) {
        bw_risk_facts f = {.decl = &b->decl[i], .when = when};
        bw_arena_reset(arena);
        bw_risk_result_init(&r, arena);
        bw_watchlist_check(w, &f, &r);
        if (all || r.n_hits)
            put_hits(&out, b, i, &r);
    }
    if (out.n)
        fwrite(out.p, 1, out.n, stdout);
    bw_buf_free(&out);
    b->n = 0;
    bw_arena_reset(&b->strings);
}

static int check(const char *datadir, bw_time when, bool all, const char *path)
{
    bw_watchlist *w = load(datadir, true);
    if (!w)
        return EXIT_USAGE;
    int fd = cli_open_input("watchlist", path);
    batch *b = fd >= 0 ? calloc(1, sizeof *b) : NULL;
    if (!b) {
        if (fd >= 0)
            fprintf(stderr, "breakwater watchlist: out of memory\n");
        bw_watchlist_free(w);
        return EXIT_USAGE;
    }
    bw_arena_init(&b->strings);
    bw_reader *rd = bw_reader_new(fd, NULL);
    bw_record rec;
    bw_record_init(&rec);
    bw_arena arena;
    bw_arena_init(&arena);
    tally t = {0};
    int got;
    while ((got = bw_reader_next(rd, &rec)) == 1) {
        if (rec.decodable)
            batch_add(b, &rec);
        if (b->n == BATCH)
            batch_run(w, b, when, all, &arena, &t);
    }
    batch_run(w, b, when, all, &arena, &t);
    fflush(stdout);
    if (got < 0)
        fprintf(stderr, "breakwater watchlist: %s\n", bw_reader_error(rd));
    fprintf(stderr, "watchlist: %.0f checks/s with %zu entries (%llu declarations, %llu with hits, %.3f s of CPU in checks)\n",
            t.spent > 0 ? (double)t.checks / t.spent : 0.0, bw_watchlist_count(w), (unsigned long long)t.checks,
            (unsigned long long)t.with_hits, t.spent);
    bw_arena_free(&arena);
    bw_arena_free(&b->strings);
    free(b);
    bw_record_free(&rec);
    bw_reader_free(rd);
    if (fd != STDIN_FILENO)
        close(fd);
    bw_watchlist_free(w);
    return got < 0 ? EXIT_USAGE : EXIT_OK;
}

static int match(const char *datadir, bw_time when, int argc, char **argv)
{
    bw_watchlist *w = load(datadir, false);
    if (!w)
        return EXIT_USAGE;
    bw_buf out = {0};
    for (int i = 0; i < argc; i++) {
        int score;
        const bw_watch_entry *e = bw_watchlist_best_name(w, argv[i], strlen(argv[i]), when, &score);
        bw_buf_puts(&out, "{\"name\":");
        bw_buf_put_json_str(&out, argv[i], strlen(argv[i]));
        bw_buf_puts(&out, ",\"score\":");
        bw_buf_put_i64(&out, score);
        if (e) {
            bw_buf_puts(&out, ",\"entry\":");
            bw_buf_put_json_str(&out, e->id, strlen(e->id));
            bw_buf_puts(&out, ",\"listed_name\":");
            bw_buf_put_json_str(&out, e->name, strlen(e->name));
        }
        bw_buf_puts(&out, "}\n");
    }
    fwrite(out.p, 1, out.n, stdout);
    bw_buf_free(&out);
    bw_watchlist_free(w);
    return EXIT_OK;
}

/* ---- arguments ------------------------------------------------------------------------------ */

static bool parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || errno || *end)
        return false;
    *out = v;
    return true;
}

int cmd_watchlist(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"data", required_argument, 0, 'd'},  {"as-of", required_argument, 0, 'a'},
        {"all", no_argument, 0, 'A'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *sub = argv[1];
    cli_common c = {0};
    uint64_t count = 0, seed = 1;
    bool all = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': if (!parse_count(optarg, &count) || !count) return cli_usage_error("watchlist", "--count wants a positive integer"); break;
        case 's': if (!parse_count(optarg, &seed)) return cli_usage_error("watchlist", "--seed wants a non-negative integer"); break;
        case 'd': c.datadir = optarg; break;
        case 'a': if (!cli_parse_as_of("watchlist", optarg, &c)) return EXIT_USAGE; break;
        case 'A': all = true; break;
        case 'h': fputs(HELP, stdout); return EXIT_OK;
        default: return cli_usage_error("watchlist", "unknown option");
        }
    }
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;
    bw_time when = c.as_of ? c.as_of : bw_time_now();
    if (!strcmp(sub, "synth")) {
        if (!count || rest)
            return cli_usage_error("watchlist", "synth takes --count N [--seed S] and no file");
        return synth(count, seed);
    }
    if (!strcmp(sub, "check")) {
        if (rest != 1)
            return cli_usage_error("watchlist", "check: name one input FILE, or - for standard input");
        return check(c.datadir, when, all, args[0]);
    }
    if (!strcmp(sub, "match")) {
        if (rest < 1)
            return cli_usage_error("watchlist", "match: give at least one NAME");
        return match(c.datadir, when, rest, args);
    }
    return cli_usage_error("watchlist", "unknown subcommand '%s' (synth, check, match)", sub);
}
