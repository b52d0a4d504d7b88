/*
 * test_gen.c - unit tests of the synthetic declaration generator (src/gen).
 *
 * The generator's output is the demo data and the benchmark input, so what
 * is tested is what those rely on: the same seed gives the same bytes, every
 * line is a declaration of the example's shape, the money reconciles to the
 * cent, and the identifiers a validator checks carry valid check digits.
 * The checks here are written independently of gen.c on purpose.
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
