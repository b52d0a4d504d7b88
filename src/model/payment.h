/*
 * payment.h - the money messages: an intermediary's account as customs
 * defines it, and a recorded electronic payment as integrators send it
 * (POST /v1/payments, `breakwater pay`):
 *
 *   {"payment_id": "PAY-1", "payer": "buyer or intermediary name",
 *    "amount": {"amount": "12.34", "currency": "EUR"},
 *    "declaration": {"submitter": "S", "declaration_id": "D"}}
 *
 * or, crediting an intermediary's account, "account": {"id": "ACC-1",
 * "jurisdiction": "EU"} in place of "declaration".
 */
#ifndef BW_PAYMENT_H
#define BW_PAYMENT_H

#include "../reference/refdata.h"
#include "../store/store.h"

/* Parses one payment; strings point into arena.  false with a message
 * naming the field at fault. */
bool bw_payment_parse(const char *json, size_t n, bw_arena *arena, bw_payment_record *out, char *err,
                      size_t errlen);

/* The account `id` (1-70 characters) in jurisdiction `jur`, kept in its
 * currency, with a guarantee given as a decimal string in that currency
 * and an optional name (up to 120 characters).  false with a message
 * naming the field at fault. */
bool bw_account_define(const bw_refdata *rd, const char *id, const char *jur, const char *guarantee,
                       const char *name, bw_account *out, char *err, size_t errlen);

#endif
