/*
 * view.h - what a reader is shown of stored declarations, as JSON.
 *
 * One place for the shapes the CLI (`show`) and the HTTP API return, and
 * for who may see what: buyer personal data (name, address, phone, e-mail,
 * national id) is shown only to customs; everyone else gets those fields
 * as null.
 */
#ifndef BW_VIEW_H
#define BW_VIEW_H

#include "../store/store.h"

/* A stored declaration with status, IRG category, value, errors,
 * warnings, the declaration itself and its history.  false if the stored
 * body cannot be read back (then nothing is written). */
bool bw_view_declaration(const bw_stored *d, bool personal_data, bw_buf *out);

/* One row of a listing. */
void bw_view_summary(const bw_summary *s, bw_buf *out);

/* A jurisdiction's published parameters, every version (Standard 13). */
struct bw_jurisdiction;
void bw_view_jurisdiction(const struct bw_jurisdiction *j, bw_buf *out);

/* The declaration JSON with the buyer's personal data set to null. */
bool bw_redact_personal_data(const char *json, size_t n, bw_buf *out);

#endif
