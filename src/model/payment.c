/*
 * payment.c - decoding a payment (see payment.h).  Small, rare messages:
 * json-c does the parsing; this file checks the shape and the amount.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "../reference/jurisdiction.h"
#include "payment.h"

static bool fail(char *err, size_t n, const char *msg)
{
    snprintf(err, n, "%s", msg);
    return false;
}

/* A string member of 1 to 70 characters, copied into arena. */
static const char *text(json_object *o, const char *key, bw_arena *a)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    int n = json_object_get_string_len(v);
    if (n < 1 || n > 70)
        return NULL;
    return bw_arena_strdup(a, json_object_get_string(v), (size_t)n);
}

static bool amount(json_object *o, bw_payment_record *p, char *err, size_t errlen)
{
    json_object *m, *a, *c;
    if (!json_object_object_get_ex(o, "amount", &m) || !json_object_is_type(m, json_type_object) ||
        !json_object_object_get_ex(m, "amount", &a) || !json_object_is_type(a, json_type_string) ||
        !json_object_object_get_ex(m, "currency", &c) || !json_object_is_type(c, json_type_string))
        return fail(err, errlen, "amount: required, {\"amount\": \"12.34\", \"currency\": \"EUR\"}");
    const char *cur = json_object_get_string(c);
    int exp = strlen(cur) == 3 ? bw_currency_exponent((bw_str){cur, 3}) : -1;
    if (exp < 0)
        return fail(err, errlen, "amount.currency: not an ISO 4217 currency");
    memcpy(p->currency, cur, 4);
    const char *s = json_object_get_string(a);
    bw_decimal d;
    if (bw_decimal_parse(s, strlen(s), &d) != BW_DEC_OK || bw_decimal_rescale(d, (unsigned)exp, &p->amount) != BW_DEC_OK)
        return fail(err, errlen, "amount.amount: not a decimal amount in the currency's minor unit");
    if (p->amount <= 0)
        return fail(err, errlen, "amount.amount: a payment is a positive amount");
    return true;
}

bool bw_payment_parse(const char *json, size_t n, bw_arena *arena, bw_payment_record *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)n);
    bool complete = json_tokener_get_error(tok) == json_tokener_success && (size_t)json_tokener_get_parse_end(tok) <= n;
    json_tokener_free(tok);
    bool ok = false;
    if (!o || !complete || !json_object_is_type(o, json_type_object)) {
        fail(err, errlen, "the body is not a JSON object");
        goto out;
    }
    json_object *decl = NULL, *acc = NULL;
    json_object_object_get_ex(o, "declaration", &decl);
    json_object_object_get_ex(o, "account", &acc);
    if (!(out->payment_id = text(o, "payment_id", arena)))
        fail(err, errlen, "payment_id: required, 1 to 70 characters");
    else if (!(out->payer = text(o, "payer", arena)))
        fail(err, errlen, "payer: required, 1 to 70 characters (who paid)");
    else if (!amount(o, out, err, errlen))
        ;
    else if (!decl == !acc)
        fail(err, errlen, "declaration or account: exactly one of them says what the payment is for");
    else if (decl && (!(out->submitter = text(decl, "submitter", arena)) ||
                      !(out->declaration_id = text(decl, "declaration_id", arena))))
        fail(err, errlen, "declaration: {\"submitter\", \"declaration_id\"}");
    else if (acc && (!(out->account = text(acc, "id", arena)) || !(out->jurisdiction = text(acc, "jurisdiction", arena))))
        fail(err, errlen, "account: {\"id\", \"jurisdiction\"}");
    else
        ok = true;
out:
    json_object_put(o);
    return ok;
}

bool bw_account_define(const bw_refdata *rd, const char *id, const char *jur, const char *guarantee,
                       const char *name, bw_account *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!id || !*id || strlen(id) > 70)
        return fail(err, errlen, "account: 1 to 70 characters");
    if (name && strlen(name) > 120)
        return fail(err, errlen, "name: up to 120 characters");
    const bw_jurisdiction *j = jur ? bw_jurisdiction_find(rd, (bw_str){jur, (uint32_t)strlen(jur)}) : NULL;
    if (!j) {
        snprintf(err, errlen, "jurisdiction: one of %s", bw_jurisdiction_ids(rd));
        return false;
    }
    bw_decimal d;
    if (!guarantee || bw_decimal_parse(guarantee, strlen(guarantee), &d) != BW_DEC_OK ||
        bw_decimal_rescale(d, (unsigned)j->currency_exponent, &out->guarantee) != BW_DEC_OK || out->guarantee < 0) {
        snprintf(err, errlen, "guarantee: an amount in %s, such as 50000.00", j->currency);
        return false;
    }
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->jurisdiction, sizeof out->jurisdiction, "%s", j->id);
    snprintf(out->name, sizeof out->name, "%s", name ? name : "");
    memcpy(out->currency, j->currency, 4);
    return true;
}
