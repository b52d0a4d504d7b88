/*
 * validate.c - data quality: every check a declaration must pass, every
 * error found at once (Standard 2, 2.2.2).
 *
 * The decoder already reported what the JSON itself got wrong (types,
 * UTF-8, lengths, duplicate keys).  Here the content is checked against
 * reference data and against itself: codes, amounts and their currency's
 * precision, identifiers and check digits, vendor scheme numbers against
 * their registry, times, the jurisdiction's required fields, and the
 * order / payment / items reconciliation.
 * Money is converted to minor units here, once the currency is known.
 */
#include <stdarg.h>
#include <stdio.h>

#include "../model/identifiers.h"
#include "../reference/jurisdiction.h"
#include "../reference/registry.h"
#include "pipeline.h"

typedef struct vctx {
    const bw_refdata *rd;
    const bw_declaration *d;
    bw_issues *iss;
} vctx;

#define ERR(code, path, ...) bw_issue_add(v->iss, BW_ERROR, code, path, __VA_ARGS__)
#define WARN(code, path, ...) bw_issue_add(v->iss, BW_WARNING, code, path, __VA_ARGS__)

/* How much of s to quote in a message: at most 40 bytes, never half a
 * character. */
static int clip(bw_str s) { return (int)bw_utf8_clip(s.p, s.n, 40); }

/* ---- money ------------------------------------------------------------------ */

/* Paths of amounts are built only when something is wrong: the happy path
 * of every item must not pay for snprintf. */
typedef struct money_at {
    const char *base;  /* "order.total", or "items" with index >= 0 */
    int index;
} money_at;

static void money_issue(vctx *v, money_at at, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void money_issue(vctx *v, money_at at, const char *field, const char *code, const char *fmt, ...)
{
    char path[96], msg[300];
    if (at.index >= 0)
        snprintf(path, sizeof path, "%s[%d].value.%s", at.base, at.index, field);
    else
        snprintf(path, sizeof path, "%s.%s", at.base, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bw_issue_add(v->iss, BW_ERROR, code, path, "%s", msg);
}

static void check_money(vctx *v, bw_money *m, money_at at)
{
    if (!m->present)
        return;
    if (!m->currency.p) {
        money_issue(v, at, "currency", "field.required", "an amount needs its ISO 4217 currency");
        return;
    }
    int exp = bw_currency_exponent(m->currency);
    if (exp < 0) {
        money_issue(v, at, "currency", "currency.unknown", "\"%.*s\" is not an ISO 4217 currency code",
                    clip(m->currency), m->currency.p);
        return;
    }
    if (!m->amount_raw.p) {
        money_issue(v, at, "amount", "field.required", "the amount is missing");
        return;
    }
    if (!m->amount_ok)
        return; /* the decoder said why */
    bw_dec_status st = bw_decimal_rescale(m->amount, (unsigned)exp, &m->minor);
    if (st == BW_DEC_PRECISION) {
        money_issue(v, at, "amount", "amount.precision", "%.*s has %u decimals; %.3s allows %d",
                    clip(m->amount_raw), m->amount_raw.p, m->amount.scale, m->currency.p, exp);
        return;
    }
    if (st != BW_DEC_OK) {
        money_issue(v, at, "amount", "amount.range", "%.*s is too large", clip(m->amount_raw),
                    m->amount_raw.p);
        return;
    }
    if (m->minor < 0) {
        money_issue(v, at, "amount", "amount.negative", "amounts cannot be negative");
        return;
    }
    m->exponent = (uint8_t)exp;
    m->minor_ok = true;
}

static void check_all_money(vctx *v, bw_declaration *d)
{
    check_money(v, &d->order.total, (money_at){"order.total", -1});
    check_money(v, &d->payment.amount, (money_at){"payment.amount", -1});
    check_money(v, &d->freight, (money_at){"freight", -1});
    check_money(v, &d->insurance, (money_at){"insurance", -1});
    for (uint32_t i = 0; i < d->n_items; i++)
        check_money(v, &d->items[i].value, (money_at){"items", (int)i});
}

/* ---- codes, identifiers, times ---------------------------------------------- */

static void check_country(vctx *v, bw_str c, const char *path)
{
    if (c.p && !bw_country_known(c))
        ERR("country.unknown", path, "\"%.*s\" is not an ISO 3166-1 alpha-2 country code", clip(c), c.p);
}

static void check_time(vctx *v, bw_timestamp *t, const char *path)
{
    if (!t->raw.p)
        return;
    t->ok = bw_time_parse(t->raw.p, t->raw.n, &t->t);
    if (!t->ok)
        ERR("time.format", path, "\"%.*s\" is not an ISO 8601 time such as 2026-11-20T13:02:11Z",
            clip(t->raw), t->raw.p);
}

static void check_place(vctx *v, bw_str s, const char *path)
{
    if (!s.p)
        return;
    if (!bw_locode_shape(s) || !bw_country_known((bw_str){s.p, 2}))
        ERR("locode.format", path, "\"%.*s\" is not a UN/LOCODE such as CNSZX", clip(s), s.p);
}

static void check_document(vctx *v, const bw_transport *t)
{
    bw_str doc = t->document_id;
    if (!doc.p)
        return;
    bool post = t->mode.value == MODE_POST;
    if (post || bw_s10_shape(doc)) {
        bw_id_status st = bw_s10_check(doc);
        if (st == ID_FORMAT)
            ERR("s10.format", "transport.document_id",
                "\"%.*s\" is not a UPU S10 item id such as RR123456785CN", clip(doc), doc.p);
        else if (st == ID_CHECK_DIGIT)
            ERR("s10.check_digit", "transport.document_id", "the S10 check digit of \"%.*s\" is wrong",
                clip(doc), doc.p);
    } else if (bw_awb_shape(doc) && bw_awb_check(doc) == ID_CHECK_DIGIT) {
        ERR("awb.check_digit", "transport.document_id",
            "the air waybill check digit of \"%.*s\" is wrong", clip(doc), doc.p);
    }
    /* a master air waybill must be an IATA AWB; house waybills are free-form */
    if (t->master_id.p && t->mode.value == MODE_AIR) {
        bw_id_status st = bw_awb_check(t->master_id);
        if (st == ID_FORMAT)
            ERR("awb.format", "transport.master_id",
                "\"%.*s\" is not an IATA air waybill such as 176-12345675", clip(t->master_id),
                t->master_id.p);
        else if (st == ID_CHECK_DIGIT)
            ERR("awb.check_digit", "transport.master_id",
                "the air waybill check digit of \"%.*s\" is wrong", clip(t->master_id), t->master_id.p);
    }
}

static void check_contact(vctx *v, const bw_party *p, const char *who)
{
    char path[64];
    if (p->email.p && (!memchr(p->email.p, '@', p->email.n) || p->email.n < 3)) {
        snprintf(path, sizeof path, "%s.email", who);
        WARN("email.format", path, "\"%.*s\" does not look like an e-mail address", clip(p->email),
             p->email.p);
    }
    if (p->url.p && !(p->url.n > 8 && memcmp(p->url.p, "https://", 8) == 0) &&
        !(p->url.n > 7 && memcmp(p->url.p, "http://", 7) == 0)) {
        snprintf(path, sizeof path, "%s.url", who);
        WARN("url.format", path, "URLs should start with https://");
    }
}

static void check_items(vctx *v, const bw_declaration *d)
{
    bool hs_warned = false;
    __int128 net_total = 0; /* many huge weights must not overflow */
    for (uint32_t i = 0; i < d->n_items; i++) {
        const bw_item *it = &d->items[i];
        if (it->hs_code.p) {
            if (!bw_hs_shape(it->hs_code)) {
                bw_issue_item(v->iss, BW_ERROR, "hs.format", "items", i, "hs_code",
                              "\"%.*s\" is not an HS code of 6, 8 or 10 digits", clip(it->hs_code),
                              it->hs_code.p);
            } else if (!bw_hs_loaded(v->rd)) {
                if (!hs_warned)
                    WARN("hs.unchecked", "items",
                         "no HS nomenclature loaded: codes were checked for shape only (see --refdata)");
                hs_warned = true;
            } else if (!bw_hs_subheading_exists(v->rd, it->hs_code.p)) {
                bw_issue_item(v->iss, BW_ERROR, "hs.unknown", "items", i, "hs_code",
                              "subheading %.6s does not exist in HS 2022", it->hs_code.p);
            }
        }
        if (it->origin.p && !bw_country_known(it->origin))
            bw_issue_item(v->iss, BW_ERROR, "country.unknown", "items", i, "origin",
                          "\"%.*s\" is not an ISO 3166-1 alpha-2 country code", clip(it->origin),
                          it->origin.p);
        if (it->quantity.ok && it->quantity.value <= 0)
            bw_issue_item(v->iss, BW_ERROR, "quantity.not_positive", "items", i, "quantity",
                          "the quantity must be greater than zero");
        if (it->net_weight.ok && it->net_weight.value <= 0)
            bw_issue_item(v->iss, BW_ERROR, "weight.not_positive", "items", i, "net_weight_g",
                          "the net weight must be greater than zero");
        if (it->net_weight.ok)
            net_total += it->net_weight.value;
    }
    if (d->gross_weight.ok && d->gross_weight.value <= 0)
        ERR("weight.not_positive", "gross_weight_g", "the gross weight must be greater than zero");
    else if (d->gross_weight.ok && d->gross_weight.value < net_total)
        WARN("weight.gross_below_net", "gross_weight_g",
             "the gross weight is less than the items' net weights together");
    if (d->packages.ok && (d->packages.value <= 0 || d->packages.value % 1000 != 0))
        ERR("packages.invalid", "packages", "packages must be a whole number greater than zero");
}

/* ---- jurisdiction-driven checks ------------------------------------------------ */

/* Whether a field was already reported missing (the keys are checked for
 * every declaration, and a jurisdiction may list them again). */
static bool already_required(const vctx *v, const char *path)
{
    for (uint32_t i = 0; i < v->iss->n; i++)
        if (!strcmp(v->iss->v[i].path, path) && !strcmp(v->iss->v[i].code, "field.required"))
            return true;
    return false;
}

static void check_required(vctx *v, const bw_field_paths *ps, const bw_str_list *gift_exempt)
{
    const bw_declaration *d = v->d;
    for (uint32_t k = 0; k < ps->n; k++) {
        const bw_field_path *fp = &ps->v[k];
        /* a gift between private persons has no sale: its order and
         * payment need not exist */
        if (d->gift.value && d->transaction_type.value == TXN_C2C && gift_exempt &&
            bw_str_list_has_prefix_of(gift_exempt, (bw_str){fp->text, (uint32_t)strlen(fp->text)}))
            continue;
        if (!fp->in_items) {
            if (!bw_field_path_present(fp, d, NULL) && !already_required(v, fp->text))
                ERR("field.required", fp->text, "required in this jurisdiction");
            continue;
        }
        const char *field = fp->text + 8; /* after "items[]." */
        for (uint32_t i = 0; i < d->n_items; i++)
            if (!bw_field_path_present(fp, d, &d->items[i]))
                bw_issue_item(v->iss, BW_ERROR, "field.required", "items", i, field,
                              "required in this jurisdiction");
    }
}

void bw_validate_required(const bw_refdata *rd, const bw_declaration *d, const bw_jur_version *ver,
                          uint8_t category, bw_issues *iss)
{
    vctx v = {rd, d, iss};
    check_required(&v, &ver->required_by_category[category], &ver->gift_exempt);
}

/* A number of the right shape must also be one the scheme's registry
 * knows, valid on the assessment date.  Without a registry for the scheme
 * only the shape was checked, and the submitter is told so. */
static void check_registered(vctx *v, const bw_scheme *scheme, bw_str number, const char *num, bw_time when)
{
    bw_registry_verdict why;
    char day[21];
    switch (bw_registry_check(v->rd, scheme->name, number, when, &why)) {
    case BW_REGISTRY_VALID:
        return;
    case BW_REGISTRY_UNVERIFIED:
        WARN("scheme.unverified", "collection.scheme_number",
             "no %s registry is loaded: only the format of \"%s\" was checked", scheme->name, num);
        return;
    case BW_REGISTRY_UNKNOWN:
        ERR("scheme.unknown", "collection.scheme_number", "\"%s\" is not a registered %s number", num,
            scheme->name);
        return;
    case BW_REGISTRY_REVOKED:
        bw_time_format(why.since, day);
        ERR("scheme.revoked", "collection.scheme_number", "the %s number \"%s\" is revoked since %.10s",
            scheme->name, num, day);
        return;
    case BW_REGISTRY_EXPIRED:
        bw_time_format(why.since, day);
        ERR("scheme.revoked", "collection.scheme_number", "the %s number \"%s\" is %s %.10s", scheme->name,
            num, why.not_yet ? "not registered before" : "no longer registered since", day);
        return;
    }
}

static void check_collection(vctx *v, const bw_declaration *d, const bw_jur_version *ver, bw_time when)
{
    const bw_collection *c = &d->collection;
    if (c->model.value == COLLECT_VENDOR) {
        if (!c->scheme_number.n) {
            ERR("field.required", "collection.scheme_number",
                "vendor collection needs the vendor's tax-scheme number");
        } else if (ver->n_schemes == 0) {
            ERR("collection.vendor_unavailable", "collection.model",
                "this jurisdiction has no vendor collection scheme");
        } else {
            char num[40];
            snprintf(num, sizeof num, "%.*s", clip(c->scheme_number), c->scheme_number.p);
            /* the pattern sees a C string: a NUL inside, or a number longer
             * than any scheme's, must not be cut short into a valid one */
            const bw_scheme *match = NULL;
            if (!memchr(c->scheme_number.p, 0, c->scheme_number.n) && c->scheme_number.n < sizeof num)
                for (uint32_t i = 0; i < ver->n_schemes && !match; i++)
                    if (regexec(&ver->schemes[i].re, num, 0, NULL, 0) == 0)
                        match = &ver->schemes[i];
            if (!match)
                ERR("scheme.format", "collection.scheme_number",
                    "\"%s\" is not a valid %s number here", num, ver->schemes[0].name);
            else /* the first scheme whose pattern admits the number */
                check_registered(v, match, c->scheme_number, num, when);
        }
    }
    if (c->model.value == COLLECT_INTERMEDIARY && !c->account_id.n)
        ERR("field.required", "collection.account_id",
            "intermediary collection needs the intermediary's account id");
}

/* A name folded for comparison: ASCII lower case, runs of white space as
 * one space, none at either end. */
static size_t fold_name(bw_str s, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (uint32_t i = 0; i < s.n && n + 2 < cap; i++) {
        char c = s.p[i];
        if (c == ' ' || c == '\t') {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    return n;
}

/* Case and spacing do not make two names different people; anything else
 * does (transliterated or reordered names are the risk module's work). */
static bool same_name(bw_str a, bw_str b)
{
    char x[256], y[256];
    size_t nx = fold_name(a, x, sizeof x), ny = fold_name(b, y, sizeof y);
    return nx == ny && memcmp(x, y, nx) == 0;
}

static bool within(__int128 a, int64_t b, int64_t tol) { return a - b <= tol && b - a <= tol; }

/* The three-document comparison (order, payment, logistics; Standard 2,
 * and mandatory before clearance in CN): the order total against the items
 * (with or without the freight and insurance charged on the order), the
 * payment against the order total, the payer against the buyer.  Amounts
 * are compared only in one currency - converting to compare would hide a
 * mismatch in rounding - and a difference of currency is itself reported.
 * The tolerance is in basis points of the order total; the severity is the
 * jurisdiction's. */
static void reconcile(vctx *v, const bw_declaration *d, const bw_jur_version *ver)
{
    bw_severity sev = ver->reconcile_is_error ? BW_ERROR : BW_WARNING;
    const bw_payment *pay = &d->payment;
    if (pay->payer.n && d->buyer.name.n && !same_name(pay->payer, d->buyer.name))
        bw_issue_add(v->iss, sev, "reconcile.payer", "payment.payer",
                     "the payer \"%.*s\" is not the buyer \"%.*s\"", clip(pay->payer), pay->payer.p,
                     clip(d->buyer.name), d->buyer.name.p);
    const bw_money *total = &d->order.total;
    if (!total->minor_ok)
        return;
    int64_t tol = (int64_t)((__int128)total->minor * ver->reconcile_tolerance_bp / 10000);
    __int128 sum = 0; /* items near INT64_MAX must not overflow the sum */
    bool valid = d->n_items > 0, comparable = valid;
    for (uint32_t i = 0; i < d->n_items && valid; i++) {
        const bw_money *m = &d->items[i].value;
        valid = m->minor_ok; /* an invalid value has its own error */
        comparable = comparable && valid && bw_str_same(m->currency, total->currency);
        sum += comparable ? m->minor : 0;
    }
    __int128 charges = 0;
    if (d->freight.minor_ok && bw_str_same(d->freight.currency, total->currency))
        charges += d->freight.minor;
    if (d->insurance.minor_ok && bw_str_same(d->insurance.currency, total->currency))
        charges += d->insurance.minor;
    if (valid && !comparable)
        bw_issue_add(v->iss, sev, "reconcile.currency", "order.total",
                     "the items are not all in the order's currency %.3s: they cannot be compared",
                     total->currency.p);
    else if (comparable && !within(sum, total->minor, tol) && !within(sum + charges, total->minor, tol))
        bw_issue_add(v->iss, sev, "reconcile.items_total", "order.total",
                     "the items add up to %s%lld minor units, the order total is %lld",
                     sum > INT64_MAX ? "more than " : "", (long long)(sum > INT64_MAX ? INT64_MAX : sum),
                     (long long)total->minor);
    const bw_money *paid = &pay->amount;
    if (!paid->minor_ok)
        return;
    if (!bw_str_same(paid->currency, total->currency))
        bw_issue_add(v->iss, sev, "reconcile.currency", "payment.amount",
                     "the payment is in %.3s, the order in %.3s: they cannot be compared",
                     paid->currency.p, total->currency.p);
    else if (!within(paid->minor, total->minor, tol))
        bw_issue_add(v->iss, sev, "reconcile.payment_total", "payment.amount",
                     "the payment (%lld) does not match the order total (%lld)",
                     (long long)paid->minor, (long long)total->minor);
}

static void check_destination(vctx *v, const bw_declaration *d, const bw_jurisdiction *j)
{
    bw_str c = d->buyer.address.country;
    if (d->type.value == DECL_IMPORT && c.p && bw_country_known(c) && j->destinations.n &&
        !bw_str_list_has(&j->destinations, c))
        ERR("destination.outside", "buyer.address.country",
            "\"%.*s\" is not served by jurisdiction %s", clip(c), c.p, j->id);
}

/* ---- entry -------------------------------------------------------------------- */

static const bw_jur_version *find_version(vctx *v, const bw_declaration *d, bw_time when,
                                          const bw_jurisdiction **jur)
{
    if (!d->jurisdiction.n) {
        ERR("field.required", "jurisdiction", "the jurisdiction is required (one of %s)",
            bw_jurisdiction_ids(v->rd));
        return NULL;
    }
    const bw_jurisdiction *j = bw_jurisdiction_find(v->rd, d->jurisdiction);
    if (!j) {
        ERR("jurisdiction.unknown", "jurisdiction", "\"%.*s\" is not one of %s",
            clip(d->jurisdiction), d->jurisdiction.p, bw_jurisdiction_ids(v->rd));
        return NULL;
    }
    *jur = j;
    const bw_jur_version *ver = bw_jurisdiction_at(j, when);
    if (!ver)
        ERR("jurisdiction.not_in_force", "jurisdiction",
            "no parameters of %s are in force on the assessment date", j->id);
    return ver;
}

const bw_jur_version *bw_validate(const bw_refdata *rd, bw_declaration *d, bw_time when,
                                  bw_issues *iss, const bw_jurisdiction **jur)
{
    vctx vv = {rd, d, iss}, *v = &vv;
    *jur = NULL;

    check_all_money(v, d);
    check_time(v, &d->order.date, "order.date");
    check_time(v, &d->payment.date, "payment.date");
    check_time(v, &d->transport.expected_arrival, "transport.expected_arrival");
    check_time(v, &d->transport.loaded_at, "transport.loaded_at");
    check_country(v, d->seller.address.country, "seller.address.country");
    check_country(v, d->buyer.address.country, "buyer.address.country");
    check_place(v, d->transport.loading_place, "transport.loading_place");
    check_place(v, d->transport.arrival_place, "transport.arrival_place");
    check_document(v, &d->transport);
    check_contact(v, &d->seller, "seller");
    check_contact(v, &d->buyer, "buyer");
    check_items(v, d);
    if (d->type.value == DECL_RETURN && !d->related_declaration.n)
        ERR("field.required", "related_declaration", "a return must name the original import");
    if (d->items_present && d->n_items == 0)
        ERR("items.empty", "items", "a declaration needs at least one item");

    /* the keys are required everywhere, whatever a jurisdiction file says */
    if (!d->submitter.id.n)
        ERR("field.required", "submitter.id", "the submitter's id is required");
    if (!d->declaration_id.n)
        ERR("field.required", "declaration_id", "the submitter's declaration id is required");
    const bw_jur_version *ver = find_version(v, d, when, jur);
    if (!ver)
        return NULL;
    const bw_jurisdiction *j = *jur;
    check_required(v, &ver->required, &ver->gift_exempt);
    check_destination(v, d, j);
    check_collection(v, d, ver, when);
    reconcile(v, d, ver);
    return ver;
}
