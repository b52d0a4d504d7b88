/*
 * test_gen.c - unit tests of the synthetic declaration generator (src/gen).
 *
 * The generator's output is the demo data and the benchmark input, so what
 * is tested is what those rely on: the same seed gives the same bytes, every
 * line is a declaration of the example's shape, the money reconciles to the
 * cent, and the identifiers a validator checks carry valid check digits.
 * The checks here are written independently of gen.c on purpose.
 *
 * The anomalies (--anomalies, --truth, --watchlist, --days, --outcomes;
 * docs/generator.md) are tested on one shared run of 20,000 mixed records
 * at 5%: every pattern is there, each has the property that makes it an
 * anomaly, clean records do not, and all but fake_scheme pass the pipeline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen/gen.h"
#include "pipeline/pipeline.h"
#include "reference/jurisdiction.h"
#include "risk/normalize.h"

#include <xxhash.h>

#ifndef BW_DATADIR
#define BW_DATADIR "data"
#endif

/* ---- helpers ---------------------------------------------------------- */

typedef struct output {
    char *text;
    size_t len;
} output;

static output generate(uint64_t count, uint64_t seed, const char *jurisdiction)
{
    output o = {NULL, 0};
    FILE *f = open_memstream(&o.text, &o.len);
    assert_non_null(f);
    bw_gen_options opt = {.count = count, .seed = seed, .jurisdiction = jurisdiction, .datadir = NULL};
    char err[256];
    int rc = bw_gen_run(&opt, f, err, sizeof err);
    if (rc != 0)
        fail_msg("bw_gen_run: %s", err);
    assert_int_equal(fclose(f), 0);
    return o;
}

typedef void (*record_fn)(json_object *rec, void *ctx);

/* Parses every line (the buffer is modified) and returns the line count. */
static size_t each_record(output *o, record_fn fn, void *ctx)
{
    size_t lines = 0;
    char *line = o->text;
    while (line < o->text + o->len) {
        char *nl = memchr(line, '\n', (size_t)(o->text + o->len - line));
        assert_non_null(nl); /* every record ends with a newline */
        *nl = 0;
        json_object *rec = json_tokener_parse(line);
        if (!rec)
            fail_msg("line %zu is not JSON: %.200s", lines + 1, line);
        assert_int_equal(json_object_get_type(rec), json_type_object);
        fn(rec, ctx);
        json_object_put(rec);
        *nl = '\n';
        line = nl + 1;
        lines++;
    }
    return lines;
}

/* Value at a dotted path; *present tells a JSON null from a missing key. */
static json_object *at(json_object *o, const char *path, int *present)
{
    char key[64];
    *present = 1;
    while (*path) {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof key);
        memcpy(key, path, n);
        key[n] = 0;
        if (!o || json_object_get_type(o) != json_type_object || !json_object_object_get_ex(o, key, &o)) {
            *present = 0;
            return NULL;
        }
        path += n + (path[n] == '.');
    }
    return o;
}

static const char *str_at(json_object *o, const char *path)
{
    int present;
    json_object *v = at(o, path, &present);
    if (!present)
        fail_msg("missing %s", path);
    if (!v)
        return NULL;
    if (json_object_get_type(v) != json_type_string)
        fail_msg("%s is not a string", path);
    return json_object_get_string(v);
}

/* "12.34" -> 1234, exactly two decimals, no sign, no exponent. */
static int64_t cents(const char *s)
{
    int64_t v = 0;
    const char *p = s;
    assert_true(*p >= '0' && *p <= '9');
    for (; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (*p - '0');
    if (p[0] != '.' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' || p[3])
        fail_msg("amount '%s' is not a two-decimal string", s);
    return v * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Amount in cents of a money object, checking its currency. */
static int64_t money(json_object *o, const char *path, const char *currency)
{
    int present;
    json_object *m = at(o, path, &present);
    assert_true(present && m);
    if (currency)
        assert_string_equal(str_at(m, "currency"), currency);
    return cents(str_at(m, "amount"));
}

static int s10_valid(const char *id)
{
    static const int w[8] = {8, 6, 4, 2, 3, 5, 9, 7};
    if (strlen(id) != 13)
        return 0;
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        if (id[2 + i] < '0' || id[2 + i] > '9')
            return 0;
        sum += (id[2 + i] - '0') * w[i];
    }
    int c = 11 - sum % 11;
    c = c == 10 ? 0 : c == 11 ? 5 : c;
    return id[0] >= 'A' && id[0] <= 'Z' && id[1] >= 'A' && id[1] <= 'Z' && id[10] - '0' == c &&
           id[11] >= 'A' && id[11] <= 'Z' && id[12] >= 'A' && id[12] <= 'Z';
}

static int awb_valid(const char *id)
{
    if (!id || strlen(id) != 12 || id[3] != '-')
        return 0;
    long serial = 0;
    for (int i = 0; i < 12; i++) {
        if (i != 3 && (id[i] < '0' || id[i] > '9'))
            return 0;
        if (i >= 4 && i < 11)
            serial = serial * 10 + (id[i] - '0');
    }
    return serial % 7 == id[11] - '0';
}

static int is_eu(const char *cc)
{
    static const char *const eu[] = {"DE", "FR", "IT", "ES", "NL", "PL", "SE", "BE", "AT", "IE"};
    for (size_t i = 0; i < sizeof eu / sizeof eu[0]; i++)
        if (strcmp(cc, eu[i]) == 0)
            return 1;
    return 0;
}

/* ---- determinism and line count --------------------------------------- */

static void same_seed_same_bytes(void **state)
{
    (void)state;
    output a = generate(3000, 42, NULL), b = generate(3000, 42, NULL);
    output c = generate(3000, 43, NULL), d = generate(3000, 42, "AU");
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.text, b.text, a.len);
    assert_true(a.len != c.len || memcmp(a.text, c.text, a.len) != 0);
    assert_true(a.len != d.len || memcmp(a.text, d.text, a.len) != 0);
    free(a.text), free(b.text), free(c.text), free(d.text);
}

/* Buyers come from a pool with a skewed draw: some recur, and a buyer id
 * always carries the same name and address. */
typedef struct buyers {
    char ids[4000][16];
    char who[4000][160];
    unsigned times[4000];
    size_t n;
} buyers;

static void collect_buyer(json_object *rec, void *ctx)
{
    buyers *b = ctx;
    const char *id = str_at(rec, "buyer.id");
    char who[160];
    snprintf(who, sizeof who, "%s|%s|%s", str_at(rec, "buyer.name"), str_at(rec, "buyer.address.line"),
             str_at(rec, "buyer.email"));
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(b->ids[i], id) == 0) {
            assert_string_equal(b->who[i], who);
            b->times[i]++;
            return;
        }
    }
    snprintf(b->ids[b->n], sizeof b->ids[0], "%s", id);
    snprintf(b->who[b->n], sizeof b->who[0], "%s", who);
    b->times[b->n++] = 1;
}

static void repeat_buyers_keep_their_identity(void **state)
{
    (void)state;
    buyers *b = calloc(1, sizeof *b);
    output o = generate(4000, 77, NULL);
    each_record(&o, collect_buyer, b);
    unsigned most = 0;
    for (size_t i = 0; i < b->n; i++)
        most = b->times[i] > most ? b->times[i] : most;
    assert_true(b->n < 4000 && most >= 3);
    free(b);
    free(o.text);
}

static void noop(json_object *rec, void *ctx) { (void)rec, (void)ctx; }

static void prints_count_lines(void **state)
{
    (void)state;
    static const uint64_t counts[] = {1, 2, 7, 51, 1234};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        output o = generate(counts[i], 5, NULL);
        assert_int_equal(each_record(&o, noop, NULL), counts[i]);
        free(o.text);
    }
    output none = generate(0, 5, NULL);
    assert_int_equal(none.len, 0);
    free(none.text);
}

/* ---- shape ------------------------------------------------------------ */

/* Every key of ../shared/declaration-example.json; a value may be null. */
static const char *const EXAMPLE_KEYS[] = {
    "submitter.id", "submitter.role", "declaration_id", "jurisdiction", "type",
    "transaction_type", "gift", "related_declaration", "transport.mode",
    "transport.document_id", "transport.master_id", "transport.carrier",
    "transport.loading_place", "transport.arrival_place", "transport.expected_arrival",
    "transport.loaded_at", "order.id", "order.date", "order.platform", "order.total.amount",
    "order.total.currency", "payment", "seller.id", "seller.name", "seller.address.line",
    "seller.address.city", "seller.address.postcode", "seller.address.country",
    "seller.email", "seller.url", "seller.scheme_number", "buyer.id", "buyer.name",
    "buyer.address.line", "buyer.address.city", "buyer.address.postcode",
    "buyer.address.country", "buyer.email", "buyer.phone", "buyer.national_id", "items",
    "gross_weight_g", "packages", "freight.amount", "freight.currency",
    "insurance.amount", "insurance.currency", "collection.model",
    "collection.scheme_number", "collection.account_id",
};
static const char *const ITEM_KEYS[] = {"description", "hs_code", "quantity", "unit",
                                        "net_weight_g", "value.amount", "value.currency",
                                        "origin", "url"};
static const char *const NEVER_NULL[] = {
    "submitter.id", "submitter.role", "declaration_id", "jurisdiction", "type",
    "transaction_type", "transport.mode", "transport.document_id", "transport.carrier",
    "transport.loading_place", "transport.arrival_place", "transport.expected_arrival",
    "order.date", "seller.id", "seller.name", "seller.address.country", "buyer.id",
    "buyer.name", "buyer.address.country", "collection.model",
};

static void check_shape(json_object *rec, void *ctx)
{
    (void)ctx;
    int present;
    for (size_t i = 0; i < sizeof EXAMPLE_KEYS / sizeof EXAMPLE_KEYS[0]; i++) {
        at(rec, EXAMPLE_KEYS[i], &present);
        if (!present)
            fail_msg("missing key %s", EXAMPLE_KEYS[i]);
    }
    for (size_t i = 0; i < sizeof NEVER_NULL / sizeof NEVER_NULL[0]; i++)
        if (!str_at(rec, NEVER_NULL[i]))
            fail_msg("%s is null", NEVER_NULL[i]);
    assert_int_equal(json_object_get_type(at(rec, "gift", &present)), json_type_boolean);
    assert_int_equal(json_object_get_type(at(rec, "gross_weight_g", &present)), json_type_int);
    assert_int_equal(json_object_get_type(at(rec, "packages", &present)), json_type_int);
    json_object *items = at(rec, "items", &present);
    assert_int_equal(json_object_get_type(items), json_type_array);
    size_t n = json_object_array_length(items);
    assert_true(n >= 1 && n <= 8);
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(items, i);
        for (size_t k = 0; k < sizeof ITEM_KEYS / sizeof ITEM_KEYS[0]; k++) {
            at(it, ITEM_KEYS[k], &present);
            if (!present)
                fail_msg("item misses %s", ITEM_KEYS[k]);
        }
        const char *hs = str_at(it, "hs_code");
        assert_true(strlen(hs) == 6 && strspn(hs, "0123456789") == 6);
        assert_true(json_object_get_int64(at(it, "quantity", &present)) >= 1);
        assert_true(json_object_get_int64(at(it, "net_weight_g", &present)) >= 1);
    }
}

static void every_line_has_the_example_shape(void **state)
{
    (void)state;
    output o = generate(4000, 3, NULL);
    assert_int_equal(each_record(&o, check_shape, NULL), 4000);
    free(o.text);
}

/* ---- money reconciles -------------------------------------------------- */

static void check_money(json_object *rec, void *ctx)
{
    size_t *gifts = ctx;
    int present;
    const char *currency = str_at(rec, "order.total.currency");
    int64_t total = money(rec, "order.total", currency), sum = 0;
    json_object *items = at(rec, "items", &present);
    for (size_t i = 0; i < json_object_array_length(items); i++)
        sum += money(json_object_array_get_idx(items, i), "value", currency);
    assert_int_equal(sum, total); /* items[].value is the line total */
    assert_true(total > 0);
    money(rec, "freight", currency);
    money(rec, "insurance", currency);
    json_object *payment = at(rec, "payment", &present);
    if (payment) {
        assert_int_equal(money(rec, "payment.amount", currency), total);
    } else { /* only a present between private persons goes unpaid */
        assert_true(json_object_get_boolean(at(rec, "gift", &present)));
        assert_string_equal(str_at(rec, "transaction_type"), "C2C");
        ++*gifts;
    }
}

static void amounts_reconcile(void **state)
{
    (void)state;
    size_t gifts = 0;
    output o = generate(5000, 17, NULL);
    each_record(&o, check_money, &gifts);
    assert_true(gifts > 0 && gifts < 500);
    free(o.text);
}

/* ---- identifiers ------------------------------------------------------ */

typedef struct id_stats {
    size_t postal, air;
} id_stats;

static void check_ids(json_object *rec, void *ctx)
{
    id_stats *st = ctx;
    const char *mode = str_at(rec, "transport.mode");
    const char *doc = str_at(rec, "transport.document_id");
    if (strcmp(mode, "post") == 0) {
        if (!s10_valid(doc))
            fail_msg("bad S10 id %s", doc);
        st->postal++;
    } else if (strcmp(mode, "air") == 0) {
        const char *master = str_at(rec, "transport.master_id");
        if (!awb_valid(doc) || !awb_valid(master))
            fail_msg("bad air waybill %s / %s", doc, master ? master : "null");
        st->air++;
    }
    assert_int_equal(strlen(str_at(rec, "transport.loading_place")), 5);
    assert_int_equal(strlen(str_at(rec, "transport.arrival_place")), 5);
}

static void check_digit_helpers_agree_with_the_standards(void **state)
{
    (void)state;
    assert_true(s10_valid("RR123456785CN")); /* UPU S10 example */
    assert_false(s10_valid("RR123456784CN"));
    assert_true(awb_valid("176-12345675"));  /* IATA example */
    assert_false(awb_valid("176-12345674"));
}

static void transport_ids_have_valid_check_digits(void **state)
{
    (void)state;
    id_stats st = {0, 0};
    output o = generate(5000, 23, NULL);
    each_record(&o, check_ids, &st);
    assert_true(st.postal > 500 && st.air > 500);
    free(o.text);
}

/* ---- parties and places ----------------------------------------------- */

static void check_no_domestic(json_object *rec, void *ctx)
{
    const char *want = ctx; /* NULL in a mixed run */
    const char *j = str_at(rec, "jurisdiction");
    const char *dest = str_at(rec, "buyer.address.country");
    int present;
    if (want)
        assert_string_equal(j, want);
    if (strcmp(j, "EU") == 0)
        assert_true(is_eu(dest));
    else
        assert_string_equal(dest, j);
    json_object *items = at(rec, "items", &present);
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        const char *origin = str_at(json_object_array_get_idx(items, i), "origin");
        assert_string_not_equal(origin, dest);
        if (strcmp(j, "EU") == 0)
            assert_false(is_eu(origin));
    }
    const char *nid = str_at(rec, "buyer.national_id");
    assert_true(strcmp(dest, "CN") == 0 ? nid && strlen(nid) == 18 : nid == NULL);
}

static void origins_are_never_domestic(void **state)
{
    (void)state;
    static const char *const js[] = {"EU", "GB", "US", "AU", "CA", "CN"};
    output mixed = generate(3000, 31, NULL);
    each_record(&mixed, check_no_domestic, NULL);
    free(mixed.text);
    for (size_t i = 0; i < sizeof js / sizeof js[0]; i++) {
        output o = generate(800, 31, js[i]);
        each_record(&o, check_no_domestic, (void *)js[i]);
        free(o.text);
    }
}

typedef struct seen {
    char **ids;
    size_t n;
    size_t returns;
} seen;

/* A return names a declaration printed earlier, by the same submitter. */
static void check_return(json_object *rec, void *ctx)
{
    seen *s = ctx;
    const char *id = str_at(rec, "declaration_id");
    const char *related = str_at(rec, "related_declaration");
    const char *sub = str_at(rec, "submitter.id");
    assert_true(strncmp(id, sub, strlen(sub)) == 0);
    if (strcmp(str_at(rec, "type"), "return") == 0) {
        int found = 0;
        assert_non_null(related);
        for (size_t i = 0; i < s->n && !found; i++)
            found = strcmp(s->ids[i], related) == 0;
        assert_true(found);
        assert_true(strncmp(related, sub, strlen(sub)) == 0);
        s->returns++;
    } else {
        assert_null(related);
    }
    for (size_t i = 0; i < s->n; i++) /* declaration ids are unique */
        assert_string_not_equal(s->ids[i], id);
    s->ids[s->n++] = strdup(id);
}

static void returns_refer_to_earlier_declarations(void **state)
{
    (void)state;
    seen s = {calloc(3000, sizeof(char *)), 0, 0};
    output o = generate(3000, 8, NULL);
    each_record(&o, check_return, &s);
    assert_true(s.returns > 5 && s.returns < 100);
    for (size_t i = 0; i < s.n; i++)
        free(s.ids[i]);
    free(s.ids);
    free(o.text);
}

static void check_dates(json_object *rec, void *ctx)
{
    (void)ctx;
    const char *order = str_at(rec, "order.date");
    const char *eta = str_at(rec, "transport.expected_arrival");
    assert_int_equal(strlen(order), 20);
    assert_true(strcmp(order, "2026-09-21T00:00:00Z") >= 0);
    assert_true(strcmp(order, "2026-11-20T00:00:00Z") < 0);
    assert_true(strcmp(eta, order) > 0);
    int present;
    if (at(rec, "payment", &present))
        assert_true(strcmp(str_at(rec, "payment.date"), order) > 0);
    const char *loaded = str_at(rec, "transport.loaded_at");
    if (loaded)
        assert_true(strcmp(loaded, order) > 0 && strcmp(loaded, eta) < 0);
}

static void dates_are_ordered(void **state)
{
    (void)state;
    output o = generate(3000, 12, NULL);
    each_record(&o, check_dates, NULL);
    free(o.text);
}

/* ---- errors ----------------------------------------------------------- */

static void unknown_jurisdiction_is_an_error(void **state)
{
    (void)state;
    char err[256];
    bw_gen_options opt = {.count = 1, .seed = 1, .jurisdiction = "XX", .datadir = NULL};
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(bw_gen_run(&opt, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "XX"));
    fclose(f);
}

static void missing_catalogue_is_an_error(void **state)
{
    (void)state;
    char err[256];
    bw_gen_options opt = {.count = 1, .seed = 1, .jurisdiction = NULL, .datadir = "/nonexistent/bw"};
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(bw_gen_run(&opt, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "catalogue"));
    fclose(f);
}

/* Writes DIR/demo/catalogue.tsv with `body` and runs the generator on it. */
static int run_on_catalogue(const char *body, char *err, size_t errlen)
{
    char dir[] = "/tmp/bw_test_gen_XXXXXX", sub[64], path[96];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/demo", dir);
    snprintf(path, sizeof path, "%s/catalogue.tsv", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    bw_gen_options opt = {.count = 3, .seed = 1, .jurisdiction = NULL, .datadir = dir};
    FILE *out = fopen("/dev/null", "w");
    int rc = bw_gen_run(&opt, out, err, errlen);
    fclose(out);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
    return rc;
}

#define HEADER "hs_code\tdescription\tunit\tmin_price_usd_cents\tmax_price_usd_cents\tmin_net_g\tmax_net_g\tweight\n"

static void malformed_catalogue_is_an_error(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(run_on_catalogue("# comment\n" HEADER "610910\tT-shirt, size {S|M}\tpcs\t300\t900\t100\t200\t5\n", err, sizeof err), 0);
    assert_int_equal(run_on_catalogue("610910\tT-shirt\tpcs\t300\t900\t100\t200\t5\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "header"));
    assert_int_equal(run_on_catalogue(HEADER "61091\tT-shirt\tpcs\t300\t900\t100\t200\t5\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2"));
    assert_int_equal(run_on_catalogue(HEADER "610910\tT-shirt\tpcs\t300\t900\t100\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "columns"));
    assert_int_equal(run_on_catalogue(HEADER "610910\tT-shirt {S|M\tpcs\t300\t900\t100\t200\t5\n", err, sizeof err), -1);
    assert_int_equal(run_on_catalogue(HEADER "610910\tT-\"shirt\"\tpcs\t300\t900\t100\t200\t5\n", err, sizeof err), -1);
    assert_int_equal(run_on_catalogue(HEADER "610910\tT-shirt\tpcs\t900\t300\t100\t200\t5\n", err, sizeof err), -1);
    assert_int_equal(run_on_catalogue(HEADER "610910\tT-shirt\tpcs\t300\t900\t100\t200\t-5\n", err, sizeof err), -1);
    assert_int_equal(run_on_catalogue(HEADER, err, sizeof err), -1);
    assert_non_null(strstr(err, "no products"));
}

/* ---- the shipped catalogue -------------------------------------------- */

/* Every hs_code of data/demo/catalogue.tsv is a level-6 subheading of the
 * HS 2022 nomenclature in the shared reference data (when it is there). */
static void catalogue_codes_are_hs2022_subheadings(void **state)
{
    (void)state;
    const char *ref = getenv("BREAKWATER_REFDATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/hs-nomenclature/harmonized-system.csv", ref && *ref ? ref : "../shared/data");
    FILE *hs = fopen(path, "r");
    if (!hs)
        skip();
    static char codes[8192][7];
    size_t ncodes = 0;
    char line[1024];
    while (fgets(line, sizeof line, hs) && ncodes < 8192) {
        char *code = strchr(line, ',');
        char *last = strrchr(line, ',');
        if (code && last && strncmp(last, ",6", 2) == 0 && code[7] == ',') {
            memcpy(codes[ncodes], code + 1, 6);
            codes[ncodes++][6] = 0;
        }
    }
    fclose(hs);
    assert_true(ncodes > 5000);

    FILE *cat = fopen(BW_DATADIR "/demo/catalogue.tsv", "r");
    assert_non_null(cat);
    size_t rows = 0;
    while (fgets(line, sizeof line, cat)) {
        if (line[0] == '#' || line[0] == '\n' || strncmp(line, "hs_code\t", 8) == 0)
            continue;
        int found = 0;
        for (size_t i = 0; i < ncodes && !found; i++)
            found = strncmp(line, codes[i], 6) == 0 && line[6] == '\t';
        if (!found)
            fail_msg("catalogue code %.6s is not an HS 2022 subheading", line);
        rows++;
    }
    fclose(cat);
    assert_true(rows >= 80);
}

/* ==== anomalies ======================================================= */

/* Fixed small runs hashed (XXH3-64) on the generator as it was before the
 * anomaly options existed: without them, not a byte may move. */
static void default_output_is_unchanged(void **state)
{
    (void)state;
    static const struct {
        uint64_t count, seed;
        const char *j;
        uint64_t hash;
        size_t len;
    } runs[] = {
        {2000, 1, NULL, 0x54c895688d516dabULL, 3561382},
        {1500, 7, "EU", 0xa819f2c78073c47aULL, 2676272},
        {1500, 3, "CN", 0xc0e848920b4c8796ULL, 2735508},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        output o = generate(runs[i].count, runs[i].seed, runs[i].j);
        assert_int_equal(o.len, runs[i].len);
        if (XXH3_64bits(o.text, o.len) != runs[i].hash)
            fail_msg("run %zu: the default output changed", i);
        free(o.text);
    }
}

typedef struct run {
    output out, truth;
} run;

static run generate_with(bw_gen_options opt)
{
    run r = {{NULL, 0}, {NULL, 0}};
    FILE *f = open_memstream(&r.out.text, &r.out.len), *t = open_memstream(&r.truth.text, &r.truth.len);
    assert_true(f && t);
    opt.truth = t;
    char err[512];
    if (bw_gen_run(&opt, f, err, sizeof err) != 0)
        fail_msg("bw_gen_run: %s", err);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(fclose(t), 0);
    return r;
}

static bw_gen_options anomaly_options(uint64_t count, uint64_t seed, const char *rate)
{
    bw_gen_options opt = {.count = count, .seed = seed, .anomalies = true};
    assert_int_equal(bw_gen_parse_rate(rate, &opt.anomaly_ppm), 0);
    return opt;
}

static void free_run(run *r)
{
    free(r->out.text);
    free(r->truth.text);
}

/* The line starting at *pos (without its newline), or NULL at the end. */
static const char *next_line(const output *o, size_t *pos, size_t *len)
{
    if (*pos >= o->len)
        return NULL;
    const char *line = o->text + *pos, *nl = memchr(line, '\n', o->len - *pos);
    assert_non_null(nl);
    *len = (size_t)(nl - line);
    *pos += *len + 1;
    return line;
}

static json_object *parse_line(json_tokener *tok, const char *line, size_t len)
{
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    if (!o)
        fail_msg("not JSON: %.200s", line);
    return o;
}

typedef void (*pair_fn)(json_object *rec, json_object *truth, void *ctx);

/* Walks records and truth lines together; the record is parsed only when
 * `want` is NULL or names its pattern ("clean" included). */
static size_t each_pair(const run *r, const char *want, pair_fn fn, void *ctx)
{
    json_tokener *tok = json_tokener_new();
    size_t po = 0, pt = 0, lo, lt, n = 0;
    const char *rec_line, *truth_line;
    while ((rec_line = next_line(&r->out, &po, &lo))) {
        truth_line = next_line(&r->truth, &pt, &lt);
        assert_non_null(truth_line); /* one truth line per record */
        json_object *truth = parse_line(tok, truth_line, lt);
        if (!want || !strcmp(str_at(truth, "pattern"), want)) {
            json_object *rec = parse_line(tok, rec_line, lo);
            fn(rec, truth, ctx);
            json_object_put(rec);
            n++;
        }
        json_object_put(truth);
    }
    assert_null(next_line(&r->truth, &pt, &lt));
    json_tokener_free(tok);
    return n;
}

/* ---- the shared run ---------------------------------------------------- */

#define FIX_COUNT 20000
#define FIX_SEED 11

static const char *const PATTERNS[] = {"undervaluation", "splitting", "misclassification", "watchlist",
                                       "prohibited", "reconciliation", "first_time_high_risk", "fake_scheme"};
#define N_PATTERNS (sizeof PATTERNS / sizeof PATTERNS[0])

typedef struct cat_entry {
    char hs[7];
    char *tmpl, *category;
    int64_t lo, hi; /* US cents */
} cat_entry;

typedef struct listed {
    char *id, *name, *address, *country, *email, *phone;
    char norm[256];
} listed;

static struct fixture {
    run r;
    char dir[64], registry[128], watchlist[128];
    cat_entry *cat, *banned;
    size_t ncat, nbanned;
    char (*keywords)[64];     /* the [marked] words of prohibited.tsv, normalized */
    size_t nkeywords;
    bool *keyword_nicotine;   /* from a row the clean catalogue overlaps on purpose */
    char (*registered)[16];
    size_t nregistered;
    listed *list;
    size_t nlist;
    bw_jurisdiction *jur;
    uint32_t njur;
} F;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, 0, f);
    fclose(f);
    assert_true(n >= 0);
    return text;
}

/* Rows of a catalogue-format file (the first columns of both files). */
static cat_entry *load_rows(const char *path, size_t *n)
{
    char *text = read_all(path), *save = NULL;
    cat_entry *rows = calloc(1024, sizeof *rows);
    *n = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !strncmp(line, "hs_code\t", 8))
            continue;
        char *f[11] = {0}, *fs = NULL;
        int k = 0;
        for (char *x = strtok_r(line, "\t", &fs); x && k < 11; x = strtok_r(NULL, "\t", &fs))
            f[k++] = x;
        assert_true(k >= 8);
        cat_entry *e = &rows[(*n)++];
        memcpy(e->hs, f[0], 6);
        e->tmpl = strdup(f[1]);
        e->lo = atol(f[3]);
        e->hi = atol(f[4]);
        e->category = strdup(k > 8 ? f[8] : "");
    }
    free(text);
    return rows;
}

/* bw_norm_text into a fixed buffer. */
static const char *norm(const char *s, char *out, size_t cap, unsigned flags)
{
    bw_norm_text(s, strlen(s), out, cap, flags);
    return out;
}

static void load_keywords(void)
{
    F.keywords = calloc(256, sizeof *F.keywords);
    F.keyword_nicotine = calloc(256, sizeof *F.keyword_nicotine);
    for (size_t i = 0; i < F.nbanned; i++)
        for (const char *p = strchr(F.banned[i].tmpl, '['); p; p = strchr(p + 1, '[')) {
            const char *close = strchr(p, ']');
            char word[128];
            snprintf(word, sizeof word, "%.*s", (int)(close - p - 1), p + 1);
            norm(word, F.keywords[F.nkeywords], sizeof F.keywords[0], BW_NORM_LEET);
            F.keyword_nicotine[F.nkeywords++] = !strcmp(F.banned[i].category, "nicotine");
        }
}

static void load_registry_numbers(void)
{
    char *text = read_all(F.registry), *save = NULL;
    F.registered = calloc(100000, sizeof *F.registered);
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t'), *end = tab ? strchr(tab + 1, '\t') : NULL;
        if (line[0] == '#' || !end || !strncmp(line, "scheme\t", 7))
            continue;
        snprintf(F.registered[F.nregistered++], 16, "%.*s", (int)(end - tab - 1), tab + 1);
    }
    free(text);
}

static bool in_registry(const char *num)
{
    for (size_t i = 0; i < F.nregistered; i++)
        if (!strcmp(F.registered[i], num))
            return true;
    return false;
}

static void load_watchlist(void)
{
    char *text = read_all(F.watchlist), *save = NULL;
    F.list = calloc(1000, sizeof *F.list);
    int first = 1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (first) {
            first = 0;
            continue;
        }
        char *f[11];
        int k = 0;
        for (char *p = line; k < 11; k++) {
            f[k] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = 0;
            p = tab + 1;
        }
        listed *e = &F.list[F.nlist++];
        e->id = strdup(f[0]);
        e->name = strdup(f[2]);
        e->address = strdup(f[3]);
        e->country = strdup(f[4]);
        e->email = strdup(f[5]);
        e->phone = strdup(f[6]);
        norm(e->name, e->norm, sizeof e->norm, 0);
    }
    free(text);
}

static int anomaly_setup(void **state)
{
    (void)state;
    snprintf(F.dir, sizeof F.dir, "/tmp/bw_test_anom_XXXXXX");
    if (!mkdtemp(F.dir))
        return -1;
    snprintf(F.registry, sizeof F.registry, "%s/registry.tsv", F.dir);
    snprintf(F.watchlist, sizeof F.watchlist, "%s/watchlist.tsv", F.dir);
    bw_gen_options opt = {.count = FIX_COUNT, .seed = FIX_SEED, .anomalies = true};
    char err[512];
    FILE *reg = fopen(F.registry, "w"), *wl = fopen(F.watchlist, "w");
    if (!reg || !wl || bw_gen_registry(&opt, reg, err, sizeof err) || bw_gen_watchlist(&opt, wl, err, sizeof err))
        return -1;
    fclose(reg);
    fclose(wl);
    if (bw_gen_parse_rate("0.05", &opt.anomaly_ppm))
        return -1;
    F.r = generate_with(opt);
    F.cat = load_rows(BW_DATADIR "/demo/catalogue.tsv", &F.ncat);
    F.banned = load_rows(BW_DATADIR "/demo/prohibited.tsv", &F.nbanned);
    load_keywords();
    load_registry_numbers();
    load_watchlist();
    if (!bw_jurisdictions_load(BW_DATADIR "/jurisdictions", &F.jur, &F.njur, err, sizeof err))
        return -1;
    return 0;
}

static int anomaly_teardown(void **state)
{
    (void)state;
    free_run(&F.r);
    for (size_t i = 0; i < F.ncat; i++)
        free(F.cat[i].tmpl), free(F.cat[i].category);
    for (size_t i = 0; i < F.nbanned; i++)
        free(F.banned[i].tmpl), free(F.banned[i].category);
    for (size_t i = 0; i < F.nlist; i++) {
        listed *e = &F.list[i];
        free(e->id), free(e->name), free(e->address), free(e->country), free(e->email), free(e->phone);
    }
    free(F.cat), free(F.banned), free(F.keywords), free(F.keyword_nicotine), free(F.registered), free(F.list);
    bw_jurisdictions_free(F.jur, F.njur);
    unlink(F.registry);
    unlink(F.watchlist);
    rmdir(F.dir);
    return 0;
}

/* ---- small helpers on records ------------------------------------------- */

static size_t n_items(json_object *rec)
{
    int present;
    return json_object_array_length(at(rec, "items", &present));
}

static json_object *item(json_object *rec, size_t i)
{
    int present;
    return json_object_array_get_idx(at(rec, "items", &present), i);
}

static int64_t int_at(json_object *o, const char *path)
{
    int present;
    json_object *v = at(o, path, &present);
    assert_true(present && v);
    return json_object_get_int64(v);
}

/* Illustrative US-cent factors of data/demo/README.md. */
static int64_t local_cents(int64_t usd_cents, const char *currency)
{
    static const struct {
        const char *c;
        int64_t f;
    } f[] = {{"EUR", 9200}, {"GBP", 7900}, {"USD", 10000}, {"AUD", 15200}, {"CAD", 13700}, {"CNY", 72000}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!strcmp(currency, f[i].c))
            return (usd_cents * f[i].f + 5000) / 10000;
    fail_msg("unknown currency %s", currency);
    return 0;
}

static const cat_entry *row_by_hs(const char *hs)
{
    for (size_t i = 0; i < F.ncat; i++)
        if (!strncmp(F.cat[i].hs, hs, 6))
            return &F.cat[i];
    return NULL;
}

/* Whether s is what one alternative t..end of a template can produce. */
static int match_alt(const char *t, const char *end, const char *s)
{
    if (t == end)
        return *s == 0;
    if (*t != '{')
        return *s == *t && match_alt(t + 1, end, s + 1);
    const char *close = strchr(t, '}');
    for (const char *o = t + 1; o < close;) {
        const char *oe = o;
        while (oe < close && *oe != '|')
            oe++;
        size_t n = (size_t)(oe - o);
        if (!strncmp(s, o, n) && match_alt(close + 1, end, s + n))
            return 1;
        o = oe + 1;
    }
    return 0;
}

static int matches_template(const char *tmpl, const char *s)
{
    const char *alt = tmpl;
    int depth = 0;
    for (const char *p = tmpl;; p++) {
        depth += *p == '{';
        depth -= *p == '}';
        if (*p == 0 || (*p == '|' && !depth)) {
            if (match_alt(alt, p, s))
                return 1;
            if (!*p)
                return 0;
            alt = p + 1;
        }
    }
}

static const cat_entry *row_by_text(const char *description)
{
    for (size_t i = 0; i < F.ncat; i++)
        if (matches_template(F.cat[i].tmpl, description))
            return &F.cat[i];
    return NULL;
}

static int64_t going_local(const cat_entry *row, const char *currency)
{
    return local_cents(row->lo + (row->hi - row->lo) / 8, currency);
}

/* ---- the truth file ------------------------------------------------------ */

typedef struct truth_stats {
    size_t per_pattern[N_PATTERNS], clean, records;
} truth_stats;

static void check_truth(json_object *rec, json_object *truth, void *ctx)
{
    truth_stats *st = ctx;
    const char *pattern = str_at(truth, "pattern"), *group = str_at(truth, "group");
    assert_string_equal(str_at(truth, "submitter"), str_at(rec, "submitter.id"));
    assert_string_equal(str_at(truth, "declaration_id"), str_at(rec, "declaration_id"));
    assert_string_equal(str_at(truth, "date"), str_at(rec, "order.date"));
    assert_string_equal(str_at(truth, "currency"), str_at(rec, "order.total.currency"));
    st->records++;
    if (!strcmp(pattern, "clean")) {
        assert_string_equal(str_at(truth, "revenue"), "0");
        assert_string_equal(group, "");
        st->clean++;
        return;
    }
    size_t k = 0;
    while (k < N_PATTERNS && strcmp(PATTERNS[k], pattern))
        k++;
    if (k == N_PATTERNS)
        fail_msg("unknown pattern %s", pattern);
    st->per_pattern[k]++;
    assert_true(cents(str_at(truth, "revenue")) > 0);
    assert_true(!strcmp(pattern, "splitting") == (group[0] != 0));
    assert_true(strcmp(str_at(rec, "type"), "return") != 0); /* returns are clean */
}

static void truth_has_a_line_per_record_and_every_pattern(void **state)
{
    (void)state;
    truth_stats st = {{0}, 0, 0};
    assert_int_equal(each_pair(&F.r, NULL, check_truth, &st), FIX_COUNT);
    assert_int_equal(st.records, FIX_COUNT);
    assert_int_equal(st.clean, FIX_COUNT - FIX_COUNT / 20); /* exactly 5% */
    for (size_t k = 0; k < N_PATTERNS; k++)
        if (st.per_pattern[k] < 50) /* about 125 each, fake_scheme fewer (3 of 6 jurisdictions) */
            fail_msg("%s appears only %zu times", PATTERNS[k], st.per_pattern[k]);
}

/* ---- the rate ------------------------------------------------------------ */

static size_t count_anomalies(const run *r, size_t *returns)
{
    size_t n = 0, pos = 0, len;
    const char *line;
    while ((line = next_line(&r->truth, &pos, &len)))
        n += !memmem(line, len, "\"pattern\":\"clean\"", 17);
    *returns = 0;
    pos = 0;
    while ((line = next_line(&r->out, &pos, &len)))
        *returns += memmem(line, len, "\"type\":\"return\"", 15) != NULL;
    return n;
}

static void the_rate_is_respected(void **state)
{
    (void)state;
    static const struct {
        uint64_t count;
        const char *rate;
        uint64_t ppm;
    } runs[] = {{7777, "0.013", 13000}, {3000, "0.5", 500000}, {1000, "0", 0}, {1234, ".25", 250000},
                {6000, "0.9", 900000}, {6000, "0.3", 300000}}; /* dense: split purchases at block ends */
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        run r = generate_with(anomaly_options(runs[i].count, 3, runs[i].rate));
        size_t returns;
        assert_int_equal(count_anomalies(&r, &returns), runs[i].count * runs[i].ppm / 1000000);
        free_run(&r);
    }
    /* every record but the returns, which re-declare clean imports only:
     * with none left to re-declare, those positions become clean imports */
    run all = generate_with(anomaly_options(2500, 3, "1"));
    size_t returns, n = count_anomalies(&all, &returns);
    assert_true(n >= 2500 * 97 / 100 && n < 2500);
    assert_int_equal(returns, 0);
    free_run(&all);

    uint32_t ppm;
    assert_int_equal(bw_gen_parse_rate("0.05", &ppm), 0);
    assert_int_equal(ppm, 50000);
    assert_int_equal(bw_gen_parse_rate("1", &ppm), 0);
    assert_int_equal(ppm, 1000000);
    assert_int_equal(bw_gen_parse_rate("0.1234560", &ppm), 0);
    assert_int_equal(ppm, 123456);
    static const char *const bad[] = {"", "-0.1", "1.5", "2", "0.0000001", "1.0000001", "abc", "0.05x", ".", "0,05"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (bw_gen_parse_rate(bad[i], &ppm) != -1)
            fail_msg("rate '%s' accepted", bad[i]);
}

static void anomalies_are_deterministic(void **state)
{
    (void)state;
    bw_gen_options opt = anomaly_options(3000, 5, "0.1");
    opt.days = 30;
    opt.outcomes = true;
    run a = generate_with(opt), b = generate_with(opt);
    opt.seed = 6;
    run c = generate_with(opt);
    assert_int_equal(a.out.len, b.out.len);
    assert_memory_equal(a.out.text, b.out.text, a.out.len);
    assert_int_equal(a.truth.len, b.truth.len);
    assert_memory_equal(a.truth.text, b.truth.text, a.truth.len);
    assert_true(a.out.len != c.out.len || memcmp(a.out.text, c.out.text, a.out.len));
    free_run(&a), free_run(&b), free_run(&c);
}

/* Clean imports are exactly what the run without anomalies prints (a
 * return may re-declare another import: never an anomalous one); the only
 * thing --anomalies adds to them is payment.payer. */
static void clean_records_are_untouched(void **state)
{
    (void)state;
    run a = generate_with(anomaly_options(5000, 9, "0.05")), zero = generate_with(anomaly_options(5000, 9, "0"));
    output plain = generate(5000, 9, NULL);
    size_t pa = 0, pz = 0, pp = 0, pt = 0, la, lz, lp, lt, clean = 0;
    const char *ra, *rz, *rp, *rt;
    while ((ra = next_line(&a.out, &pa, &la))) {
        rz = next_line(&zero.out, &pz, &lz);
        rp = next_line(&plain, &pp, &lp);
        rt = next_line(&a.truth, &pt, &lt);
        assert_true(rz && rp && rt);
        if (memmem(rt, lt, "\"pattern\":\"clean\"", 17) && !memmem(ra, la, "\"type\":\"return\"", 15)) {
            assert_int_equal(la, lz);
            assert_memory_equal(ra, rz, la);
            clean++;
        }
        char *payer = memmem(rz, lz, ",\"payer\":\"", 10); /* gifts have no payment */
        size_t cut = 0;
        if (payer)
            cut = (size_t)((char *)memchr(payer + 10, '"', lz - (size_t)(payer + 10 - rz)) + 1 - payer);
        assert_int_equal(lz - cut, lp);
        if (payer) {
            assert_memory_equal(rz, rp, (size_t)(payer - rz));
            assert_memory_equal(payer + cut, rp + (payer - rz), lp - (size_t)(payer - rz));
        } else {
            assert_memory_equal(rz, rp, lp);
        }
    }
    assert_true(clean > 4650 && clean < 4750);
    free_run(&a), free_run(&zero), free(plain.text);
}

/* ---- each pattern ---------------------------------------------------------- */

typedef struct found {
    size_t seen, ok;
} found;

/* An item's unit value under 25% of its product's going price. */
static void check_undervaluation(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    found *f = ctx;
    const char *cur = str_at(rec, "order.total.currency");
    int hit = 0;
    for (size_t i = 0; i < n_items(rec); i++) {
        json_object *it = item(rec, i);
        const cat_entry *row = row_by_hs(str_at(it, "hs_code"));
        assert_non_null(row);
        hit |= money(it, "value", cur) * 100 < 25 * going_local(row, cur) * int_at(it, "quantity");
    }
    f->seen++;
    f->ok += hit;
}

static void undervalued_items_are_far_under_their_going_price(void **state)
{
    (void)state;
    found f = {0, 0};
    each_pair(&F.r, "undervaluation", check_undervaluation, &f);
    assert_true(f.seen > 50);
    assert_int_equal(f.ok, f.seen);
}

/* Thresholds from the jurisdiction files, applied independently of gen:
 * the first de minimis rule whose origins and modes fit, the lower of its
 * duty and tax thresholds, else the full-declaration threshold. */
static int64_t threshold_of(json_object *rec)
{
    const char *id = str_at(rec, "jurisdiction"), *origin = str_at(item(rec, 0), "origin");
    const char *mode = str_at(rec, "transport.mode");
    bw_time when;
    const char *date = str_at(rec, "order.date");
    assert_true(bw_time_parse(date, strlen(date), &when));
    for (uint32_t i = 0; i < F.njur; i++) {
        if (strcmp(F.jur[i].id, id))
            continue;
        const bw_jur_version *v = NULL;
        for (uint32_t k = 0; k < F.jur[i].n_versions && F.jur[i].versions[k].effective_from <= when; k++)
            v = &F.jur[i].versions[k];
        assert_non_null(v);
        for (uint32_t k = 0; k < v->n_rules; k++) {
            const bw_de_minimis_rule *r = &v->rules[k];
            uint8_t m = bw_enum_lookup(bw_transport_mode_names, (bw_str){mode, (uint32_t)strlen(mode)});
            if ((r->modes && !(r->modes & (1u << m))) ||
                (r->origins.n && !bw_str_list_has(&r->origins, (bw_str){origin, (uint32_t)strlen(origin)})))
                continue;
            int64_t t = r->duty_threshold;
            if (r->tax_threshold >= 0 && (t < 0 || r->tax_threshold < t))
                t = r->tax_threshold;
            return t >= 0 ? t : v->full_declaration_threshold;
        }
        return v->full_declaration_threshold;
    }
    fail_msg("no jurisdiction %s", id);
    return -1;
}

#define MAX_GROUPS 400
typedef struct groups {
    struct {
        char id[48], buyer[160], seller[48], first_date[24], last_date[24];
        int64_t sum, threshold;
        unsigned parcels;
        size_t first_line, last_line;
    } g[MAX_GROUPS];
    size_t n, line;
} groups;

/* A name folded for comparison: lower case, single spaces. */
static void fold(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    int space = 0;
    for (; *s && n + 2 < cap; s++) {
        if (*s == ' ') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
    }
    out[n] = 0;
}

static void collect_split(json_object *rec, json_object *truth, void *ctx)
{
    groups *gs = ctx;
    const char *id = str_at(truth, "group"), *cur = str_at(rec, "order.total.currency");
    size_t k = 0;
    while (k < gs->n && strcmp(gs->g[k].id, id))
        k++;
    if (k == gs->n) {
        assert_true(gs->n < MAX_GROUPS);
        snprintf(gs->g[k].id, sizeof gs->g[k].id, "%s", id);
        norm(str_at(rec, "buyer.name"), gs->g[k].buyer, sizeof gs->g[k].buyer, 0);
        snprintf(gs->g[k].seller, sizeof gs->g[k].seller, "%s", str_at(rec, "seller.id"));
        snprintf(gs->g[k].first_date, sizeof gs->g[k].first_date, "%s", str_at(rec, "order.date"));
        gs->g[k].threshold = threshold_of(rec);
        gs->g[k].first_line = gs->line;
        gs->n++;
    }
    char buyer[160];
    norm(str_at(rec, "buyer.name"), buyer, sizeof buyer, 0);
    assert_string_equal(buyer, gs->g[k].buyer); /* the same person, however typed */
    assert_string_equal(str_at(rec, "seller.id"), gs->g[k].seller);
    int64_t items = 0;
    for (size_t i = 0; i < n_items(rec); i++)
        items += money(item(rec, i), "value", cur);
    int64_t value = items + money(rec, "freight", cur) + money(rec, "insurance", cur);
    assert_true(value <= gs->g[k].threshold); /* each parcel under */
    gs->g[k].sum += items;
    gs->g[k].parcels++;
    gs->g[k].last_line = gs->line;
    snprintf(gs->g[k].last_date, sizeof gs->g[k].last_date, "%s", str_at(rec, "order.date"));
}

/* each_pair counts only the parsed records, so the line number is kept by
 * a wrapper that sees every record. */
static void count_line(json_object *rec, json_object *truth, void *ctx)
{
    groups *gs = ctx;
    if (!strcmp(str_at(truth, "pattern"), "splitting"))
        collect_split(rec, truth, ctx);
    gs->line++;
}

static void split_purchases_stay_under_and_add_up_over(void **state)
{
    (void)state;
    groups *gs = calloc(1, sizeof *gs);
    each_pair(&F.r, NULL, count_line, gs);
    assert_true(gs->n > 15);
    for (size_t k = 0; k < gs->n; k++) {
        bw_time a, b;
        assert_true(gs->g[k].parcels >= 2 && gs->g[k].parcels <= 4);
        assert_true(gs->g[k].sum > gs->g[k].threshold); /* together over */
        assert_true(bw_time_parse(gs->g[k].first_date, 20, &a) && bw_time_parse(gs->g[k].last_date, 20, &b));
        assert_true(b >= a && b - a < 48 * 3600);
        assert_true(gs->g[k].last_line - gs->g[k].first_line <= 12); /* near in record order */
    }
    free(gs);
}

/* The description is one catalogue product's, the code another chapter's. */
static void check_misclassification(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    found *f = ctx;
    int hit = 0;
    for (size_t i = 0; i < n_items(rec); i++) {
        const cat_entry *row = row_by_text(str_at(item(rec, i), "description"));
        hit |= row && strncmp(row->hs, str_at(item(rec, i), "hs_code"), 2) != 0;
    }
    f->seen++;
    f->ok += hit;
}

static void misclassified_items_change_chapter(void **state)
{
    (void)state;
    found f = {0, 0};
    each_pair(&F.r, "misclassification", check_misclassification, &f);
    assert_true(f.seen > 50);
    assert_int_equal(f.ok, f.seen);
}

static bool has_token(const char *normed, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = strstr(normed, tok); p; p = strstr(p + 1, tok))
        if ((p == normed || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
            return true;
    return false;
}

/* A party derives from a list entry: its e-mail or phone, its name (a
 * shared word of three letters or more once both are normalized, or the
 * same letters without spaces), or its address (house number and city). */
static bool derives(json_object *party, const listed *e)
{
    int present;
    json_object *phone = at(party, "phone", &present);
    if (!strcmp(str_at(party, "email") ? str_at(party, "email") : "", e->email) ||
        (phone && json_object_get_string(phone) && !strcmp(json_object_get_string(phone), e->phone)))
        return true;
    char name[256], a[256], b[256];
    norm(str_at(party, "name"), name, sizeof name, 0);
    bw_norm_squeeze(name, strlen(name), a, sizeof a);
    bw_norm_squeeze(e->norm, strlen(e->norm), b, sizeof b);
    if (!strcmp(a, b))
        return true;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", name);
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (strlen(w) >= 3 && has_token(e->norm, w))
            return true;
    const char *line = str_at(party, "address.line"), *city = str_at(party, "address.city");
    char house[16] = "";
    for (const char *p = line; *p && !house[0]; p++)
        if (*p >= '0' && *p <= '9')
            snprintf(house, sizeof house, "%.*s", (int)strspn(p, "0123456789-"), p);
    return !strcmp(str_at(party, "address.country"), e->country) && house[0] && strstr(e->address, house) &&
           strstr(e->address, city);
}

static void check_watchlist(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    found *f = ctx;
    int present, hit = 0;
    for (size_t i = 0; i < F.nlist && !hit; i++)
        hit = derives(at(rec, "buyer", &present), &F.list[i]) || derives(at(rec, "seller", &present), &F.list[i]);
    f->seen++;
    f->ok += hit;
}

static void watchlist_parties_derive_from_the_list(void **state)
{
    (void)state;
    found f = {0, 0};
    each_pair(&F.r, "watchlist", check_watchlist, &f);
    assert_true(f.seen > 50);
    assert_int_equal(f.ok, f.seen);
}

/* The normalized description holds a marked word of prohibited.tsv, even
 * spelled out with dots, spaces or look-alike digits. */
static bool mentions_prohibited(const char *description)
{
    char n[1024], sq[1024], kw[128];
    norm(description, n, sizeof n, BW_NORM_LEET);
    bw_norm_squeeze(n, strlen(n), sq, sizeof sq);
    for (size_t i = 0; i < F.nkeywords; i++) {
        bw_norm_squeeze(F.keywords[i], strlen(F.keywords[i]), kw, sizeof kw);
        if (strstr(sq, kw))
            return true;
    }
    return false;
}

static void check_prohibited(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    found *f = ctx;
    int hit = 0;
    for (size_t i = 0; i < n_items(rec); i++) {
        const char *d = str_at(item(rec, i), "description");
        hit |= mentions_prohibited(d) && !row_by_text(d);
    }
    if (!hit)
        print_message("no prohibited good in %s\n", json_object_to_json_string(at(rec, "items", &(int){0})));
    f->seen++;
    f->ok += hit;
}

static void prohibited_goods_are_declared(void **state)
{
    (void)state;
    found f = {0, 0};
    each_pair(&F.r, "prohibited", check_prohibited, &f);
    assert_true(f.seen > 50);
    assert_int_equal(f.ok, f.seen);
}

static int64_t net_total(json_object *rec)
{
    int64_t net = 0;
    for (size_t i = 0; i < n_items(rec); i++)
        net += int_at(item(rec, i), "net_weight_g");
    return net;
}

/* Overpaid, paid by someone else, or heavier than goods and packing. */
static void check_reconciliation(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    found *f = ctx;
    const char *cur = str_at(rec, "order.total.currency");
    int64_t net = net_total(rec), gross = int_at(rec, "gross_weight_g"), total = money(rec, "order.total", cur);
    int64_t excess = gross - (net + net / 10 + 180);
    int hit = excess > (net > 250 ? net : 250);
    if (strcmp(str_at(rec, "jurisdiction"), "CN")) {
        char payer[160], buyer[160];
        fold(str_at(rec, "payment.payer"), payer, sizeof payer);
        fold(str_at(rec, "buyer.name"), buyer, sizeof buyer);
        hit |= money(rec, "payment.amount", cur) >= 2 * total || strcmp(payer, buyer) != 0;
    }
    f->seen++;
    f->ok += hit;
}

static void unreconciled_records_disagree(void **state)
{
    (void)state;
    found f = {0, 0};
    each_pair(&F.r, "reconciliation", check_reconciliation, &f);
    assert_true(f.seen > 50);
    assert_int_equal(f.ok, f.seen);
}

typedef struct sellers {
    char (*ids)[32];
    size_t n;
    char (*first)[32];
    size_t nfirst;
} sellers;

static void collect_sellers(json_object *rec, json_object *truth, void *ctx)
{
    sellers *s = ctx;
    snprintf(s->ids[s->n++], 32, "%s", str_at(rec, "seller.id"));
    if (strcmp(str_at(truth, "pattern"), "first_time_high_risk"))
        return;
    snprintf(s->first[s->nfirst++], 32, "%s", str_at(rec, "seller.id"));
    static const char *const risky[] = {"85", "33", "30", "95", "61", "62", "63", "64", "71", "91", "42"};
    for (size_t i = 0; i < n_items(rec); i++) {
        int ok = 0;
        for (size_t k = 0; k < sizeof risky / sizeof risky[0]; k++)
            ok |= !strncmp(str_at(item(rec, i), "hs_code"), risky[k], 2);
        assert_true(ok);
    }
}

static void first_time_sellers_appear_once_with_risky_goods(void **state)
{
    (void)state;
    sellers s = {calloc(FIX_COUNT, 32), 0, calloc(FIX_COUNT, 32), 0};
    each_pair(&F.r, NULL, collect_sellers, &s);
    assert_true(s.nfirst > 50);
    for (size_t k = 0; k < s.nfirst; k++) {
        size_t times = 0;
        for (size_t i = 0; i < s.n; i++)
            times += !strcmp(s.ids[i], s.first[k]);
        assert_int_equal(times, 1);
    }
    free(s.ids), free(s.first);
}

static const bw_jur_version *version_of(json_object *rec)
{
    const char *id = str_at(rec, "jurisdiction");
    for (uint32_t i = 0; i < F.njur; i++)
        if (!strcmp(F.jur[i].id, id))
            return &F.jur[i].versions[F.jur[i].n_versions - 1];
    return NULL;
}

static void check_fake_scheme(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    found *f = ctx;
    const char *num = str_at(rec, "collection.scheme_number");
    const bw_jur_version *v = version_of(rec);
    assert_string_equal(str_at(rec, "collection.model"), "vendor");
    assert_true(v && v->n_schemes > 0);
    f->seen++;
    f->ok += regexec(&v->schemes[0].re, num, 0, NULL, 0) == 0 && !in_registry(num);
}

static void fake_scheme_numbers_are_well_formed_and_unregistered(void **state)
{
    (void)state;
    found f = {0, 0};
    each_pair(&F.r, "fake_scheme", check_fake_scheme, &f);
    assert_true(f.seen > 30);
    assert_int_equal(f.ok, f.seen);
}

/* ---- clean records carry none of it ---------------------------------------- */

static bool listed_contact(const char *email, const char *phone)
{
    for (size_t i = 0; i < F.nlist; i++)
        if ((email && !strcmp(email, F.list[i].email)) || (phone && !strcmp(phone, F.list[i].phone)))
            return true;
    return false;
}

static bool listed_name(const char *name)
{
    char n[256];
    norm(name, n, sizeof n, 0);
    for (size_t i = 0; i < F.nlist; i++)
        if (!strcmp(n, F.list[i].norm))
            return true;
    return false;
}

static void check_clean(json_object *rec, json_object *truth, void *ctx)
{
    (void)truth;
    size_t *n = ctx;
    const char *cur = str_at(rec, "order.total.currency");
    int present;
    for (size_t i = 0; i < n_items(rec); i++) {
        json_object *it = item(rec, i);
        const char *d = str_at(it, "description");
        const cat_entry *row = row_by_hs(str_at(it, "hs_code"));
        assert_non_null(row);
        if (!matches_template(row->tmpl, d)) /* the code is the product's */
            fail_msg("clean item '%s' under %s", d, row->hs);
        assert_true(money(it, "value", cur) >= local_cents(row->lo, cur) * int_at(it, "quantity"));
        char nd[1024];
        norm(d, nd, sizeof nd, BW_NORM_LEET);
        for (size_t k = 0; k < F.nkeywords; k++) /* the catalogue sells compliant nicotine liquids */
            if (!F.keyword_nicotine[k] && has_token(nd, F.keywords[k]))
                fail_msg("clean item '%s' mentions '%s'", d, F.keywords[k]);
    }
    assert_false(listed_contact(str_at(rec, "buyer.email"), str_at(rec, "buyer.phone")));
    assert_false(listed_contact(str_at(rec, "seller.email"), NULL));
    assert_false(listed_name(str_at(rec, "buyer.name")));
    assert_false(listed_name(str_at(rec, "seller.name")));
    int64_t net = net_total(rec);
    assert_true(int_at(rec, "gross_weight_g") <= net + net / 10 + 180);
    if (at(rec, "payment", &present)) {
        assert_int_equal(money(rec, "payment.amount", cur), money(rec, "order.total", cur));
        assert_string_equal(str_at(rec, "payment.payer"), str_at(rec, "buyer.name"));
    }
    if (!strcmp(str_at(rec, "collection.model"), "vendor"))
        assert_true(in_registry(str_at(rec, "collection.scheme_number")));
    ++*n;
}

static void clean_records_have_no_anomaly(void **state)
{
    (void)state;
    size_t n = 0;
    each_pair(&F.r, "clean", check_clean, &n);
    assert_int_equal(n, FIX_COUNT - FIX_COUNT / 20);
}

/* ---- the pipeline ---------------------------------------------------------- */

static bw_refdata *refdata_with_registry(void)
{
    char err[512];
    setenv("BREAKWATER_REGISTRY", F.registry, 1);
    bw_refdata *rd = bw_refdata_load(BW_DATADIR, bw_default_refdir(NULL), err, sizeof err);
    unsetenv("BREAKWATER_REGISTRY");
    if (!rd)
        fail_msg("refdata: %s", err);
    return rd;
}

static bool has_issue(const bw_record *rec, const char *code, bw_severity sev)
{
    for (uint32_t i = 0; i < rec->issues.n; i++)
        if (!strcmp(rec->issues.v[i].code, code) && rec->issues.v[i].severity == sev)
            return true;
    return false;
}

/* Every anomaly is a declaration the pipeline accepts, but a fake vendor
 * scheme number, which the registry check rejects (scheme.unknown only). */
static void anomalies_pass_the_pipeline_but_fake_schemes(void **state)
{
    (void)state;
    bw_refdata *rd = refdata_with_registry();
    bw_time as_of;
    assert_true(bw_time_parse("2026-11-24T00:00:00Z", 20, &as_of));
    bw_pipeline p = {.rd = rd, .as_of = as_of};
    bw_reader *r = bw_reader_new_mem(F.r.out.text, F.r.out.len, NULL);
    bw_record rec;
    bw_record_init(&rec);
    json_tokener *tok = json_tokener_new();
    size_t pt = 0, lt, checked = 0, fakes = 0;
    while (bw_reader_next(r, &rec) == 1) {
        const char *tl = next_line(&F.r.truth, &pt, &lt);
        json_object *truth = parse_line(tok, tl, lt);
        const char *pattern = str_at(truth, "pattern");
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        if (!strcmp(pattern, "fake_scheme")) {
            assert_int_equal(oc.status, BW_STATUS_REJECTED);
            assert_true(has_issue(&rec, "scheme.unknown", BW_ERROR));
            assert_int_equal(rec.issues.errors, 1);
            fakes++;
        } else if (oc.status != BW_STATUS_ACCEPTED) {
            bw_buf b = {0};
            bw_issues_json(&rec.issues, BW_ERROR, &b);
            fail_msg("%s record %s rejected: %s", pattern, str_at(truth, "declaration_id"), bw_buf_cstr(&b));
        }
        checked++;
        json_object_put(truth);
    }
    assert_int_equal(checked, FIX_COUNT);
    assert_true(fakes > 30);
    json_tokener_free(tok);
    bw_record_free(&rec);
    bw_reader_free(r);
    bw_refdata_free(rd);
}

/* --outcomes: an extra top-level member the decoder only warns about. */
static void outcomes_still_decode(void **state)
{
    (void)state;
    bw_gen_options opt = anomaly_options(400, FIX_SEED, "0.2");
    opt.outcomes = true;
    run x = generate_with(opt);
    bw_refdata *rd = refdata_with_registry();
    bw_pipeline p = {.rd = rd, .as_of = 0};
    assert_true(bw_time_parse("2026-11-24T00:00:00Z", 20, &p.as_of));
    bw_reader *r = bw_reader_new_mem(x.out.text, x.out.len, NULL);
    bw_record rec;
    bw_record_init(&rec);
    json_tokener *tok = json_tokener_new();
    size_t pt = 0, lt, po = 0, lo, frauds = 0;
    while (bw_reader_next(r, &rec) == 1) {
        const char *tl = next_line(&x.truth, &pt, &lt), *line = next_line(&x.out, &po, &lo);
        json_object *truth = parse_line(tok, tl, lt);
        json_object *d = parse_line(tok, line, lo);
        int clean = !strcmp(str_at(truth, "pattern"), "clean"), present;
        assert_true(json_object_get_boolean(at(d, "outcome.inspected", &present)));
        assert_int_equal(json_object_get_boolean(at(d, "outcome.fraud", &present)), !clean);
        assert_string_equal(str_at(d, "outcome.revenue"), str_at(truth, "revenue"));
        frauds += !clean;
        bw_outcome oc;
        bw_pipeline_run(&p, &rec, &oc);
        assert_true(rec.decodable);
        assert_true(has_issue(&rec, "field.unknown", BW_WARNING));
        assert_true(oc.status == BW_STATUS_ACCEPTED || !strcmp(str_at(truth, "pattern"), "fake_scheme"));
        json_object_put(truth);
        json_object_put(d);
    }
    assert_int_equal(frauds, 80);
    json_tokener_free(tok);
    bw_record_free(&rec);
    bw_reader_free(r);
    bw_refdata_free(rd);
    free_run(&x);
}

/* --days: a time-ordered stream ending 2026-11-20 (returns carry their
 * original order's date). */
static void days_spread_a_time_ordered_stream(void **state)
{
    (void)state;
    bw_gen_options opt = anomaly_options(3000, 4, "0.05");
    opt.days = 90;
    run x = generate_with(opt);
    json_tokener *tok = json_tokener_new();
    size_t po = 0, lo, imports = 0;
    char last[24] = "2026-08-22T00:00:00Z";
    const char *line;
    while ((line = next_line(&x.out, &po, &lo))) {
        json_object *d = parse_line(tok, line, lo);
        const char *date = str_at(d, "order.date");
        assert_true(strcmp(date, "2026-08-22T00:00:00Z") >= 0 && strcmp(date, "2026-11-20T00:00:00Z") < 0);
        if (strcmp(str_at(d, "type"), "return")) {
            assert_true(strcmp(date, last) >= 0);
            snprintf(last, sizeof last, "%s", date);
            imports++;
        }
        json_object_put(d);
    }
    assert_true(imports > 2900 && strcmp(last, "2026-11-19T00:00:00Z") > 0);
    json_tokener_free(tok);
    free_run(&x);
}

/* ---- the offender list ------------------------------------------------------- */

static void watchlist_file_has_the_agreed_format(void **state)
{
    (void)state;
    char *text = read_all(F.watchlist);
    const char *header = "id\tkind\tname\taddress\tcountry\temail\tphone\tidentifier\treason\tlisted_from\tlisted_to\n";
    assert_memory_equal(text, header, strlen(header));
    assert_true(F.nlist >= 250 && F.nlist <= 350);
    size_t cyrillic = 0, han = 0, latin = 0, companies = 0, delisted = 0;
    for (char *line = strchr(text, '\n') + 1, *next; *line; line = next) {
        next = strchr(line, '\n') + 1;
        size_t tabs = 0;
        for (char *p = line; p < next - 1; p++)
            tabs += *p == '\t';
        assert_int_equal(tabs, 10);
        char *kind = strchr(line, '\t') + 1, *name = strchr(kind, '\t') + 1;
        assert_true(!strncmp(kind, "person\t", 7) || !strncmp(kind, "company\t", 8));
        companies += kind[0] == 'c';
        unsigned char c = (unsigned char)name[0];
        cyrillic += c == 0xd0 || c == 0xd1;
        han += c >= 0xe4 && c <= 0xe9;
        latin += c < 0x80;
        char *to = next - 1, *from = to;
        while (from[-1] != '\t')
            from--;
        from -= 11;
        assert_true(from[4] == '-' && from[7] == '-' && from[10] == '\t');
        if (to > from + 11) {
            assert_true(to - (from + 11) == 10 && memcmp(from + 11, from, 10) > 0);
            delisted++;
        }
    }
    assert_true(cyrillic >= 10 && han >= 10 && latin >= 150 && companies >= 30 && delisted > 0);
    for (size_t i = 1; i < F.nlist; i++) /* ids unique */
        assert_string_not_equal(F.list[i].id, F.list[i - 1].id);
    free(text);
}

/* ---- vocabulary errors ---------------------------------------------------------- */

/* Runs gen --anomalies on a copy of the data directory whose file `name`
 * (under demo/) is replaced by `body`. */
static int run_with_vocabulary(const char *name, const char *body, char *err, size_t errlen)
{
    char dir[] = "/tmp/bw_test_vocab_XXXXXX", cmd[512], path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cp -r %s/demo %s/jurisdictions %s/", BW_DATADIR, BW_DATADIR, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/demo/%s", dir, name);
    if (body) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(body, f);
        fclose(f);
    } else {
        unlink(path);
    }
    bw_gen_options opt = anomaly_options(50, 1, "0.1");
    opt.datadir = dir;
    FILE *out = fopen("/dev/null", "w");
    int rc = bw_gen_run(&opt, out, err, errlen);
    fclose(out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return rc;
}

static void bad_vocabulary_is_an_error_naming_file_and_line(void **state)
{
    (void)state;
    char err[512];
    assert_int_equal(run_with_vocabulary("abbreviations.tsv", "match\treplacement\twhere\nStreet\tSt\tword\n", err, sizeof err), 0);
    assert_int_equal(run_with_vocabulary("offender_names.tsv",
                                         "culture\tpart\ttag\tlatin\tascii\tnative\tvariants\nru\tgiven\tm\tOleg\n", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "offender_names.tsv line 2"));
    char *cultures = read_all(BW_DATADIR "/demo/offender_cultures.tsv"), *de = strstr(cultures, "\tDE,");
    assert_non_null(de);
    memcpy(de + 1, "XX", 2); /* a country the generator does not deliver to */
    assert_int_equal(run_with_vocabulary("offender_cultures.tsv", cultures, err, sizeof err), -1);
    free(cultures);
    assert_non_null(strstr(err, "offender_cultures.tsv"));
    assert_non_null(strstr(err, "XX"));
    assert_int_equal(run_with_vocabulary("prohibited.tsv",
                                         "hs_code\tdescription\tunit\tmin_price_usd_cents\tmax_price_usd_cents\tmin_net_g\tmax_net_g\tweight\tcategory\tlanguage\tjurisdictions\n9999\tThing\tpcs\t100\t200\t1\t2\t1\tdrugs\ten\t*\n", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "prohibited.tsv line 2"));
    assert_int_equal(run_with_vocabulary("offender_reasons.tsv", "reason\tapplies\tweight\nfraud\tnobody\t1\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "offender_reasons.tsv line 2"));
    assert_int_equal(run_with_vocabulary("offender_names.tsv", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_bytes),
        cmocka_unit_test(repeat_buyers_keep_their_identity),
        cmocka_unit_test(prints_count_lines),
        cmocka_unit_test(every_line_has_the_example_shape),
        cmocka_unit_test(amounts_reconcile),
        cmocka_unit_test(check_digit_helpers_agree_with_the_standards),
        cmocka_unit_test(transport_ids_have_valid_check_digits),
        cmocka_unit_test(origins_are_never_domestic),
        cmocka_unit_test(returns_refer_to_earlier_declarations),
        cmocka_unit_test(dates_are_ordered),
        cmocka_unit_test(unknown_jurisdiction_is_an_error),
        cmocka_unit_test(missing_catalogue_is_an_error),
        cmocka_unit_test(malformed_catalogue_is_an_error),
        cmocka_unit_test(catalogue_codes_are_hs2022_subheadings),
        cmocka_unit_test(default_output_is_unchanged),
        cmocka_unit_test(the_rate_is_respected),
        cmocka_unit_test(anomalies_are_deterministic),
        cmocka_unit_test(clean_records_are_untouched),
        cmocka_unit_test(days_spread_a_time_ordered_stream),
        cmocka_unit_test(bad_vocabulary_is_an_error_naming_file_and_line),
    };
    /* one shared run of 20,000 mixed records at 5% for these */
    const struct CMUnitTest on_shared_run[] = {
        cmocka_unit_test(truth_has_a_line_per_record_and_every_pattern),
        cmocka_unit_test(undervalued_items_are_far_under_their_going_price),
        cmocka_unit_test(split_purchases_stay_under_and_add_up_over),
        cmocka_unit_test(misclassified_items_change_chapter),
        cmocka_unit_test(watchlist_parties_derive_from_the_list),
        cmocka_unit_test(prohibited_goods_are_declared),
        cmocka_unit_test(unreconciled_records_disagree),
        cmocka_unit_test(first_time_sellers_appear_once_with_risky_goods),
        cmocka_unit_test(fake_scheme_numbers_are_well_formed_and_unregistered),
        cmocka_unit_test(clean_records_have_no_anomaly),
        cmocka_unit_test(anomalies_pass_the_pipeline_but_fake_schemes),
        cmocka_unit_test(outcomes_still_decode),
        cmocka_unit_test(watchlist_file_has_the_agreed_format),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(on_shared_run, anomaly_setup, anomaly_teardown);
}
