/*
 * payment.h - a recorded electronic payment as integrators send it
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

#include "../store/store.h"

/* Parses one payment; strings point into arena.  false with a message
 * naming the field at fault. */
bool bw_payment_parse(const char *json, size_t n, bw_arena *arena, bw_payment_record *out, char *err,
                      size_t errlen);

#endif
