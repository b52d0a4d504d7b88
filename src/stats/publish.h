/*
 * publish.h - public information (Standard 13, 12.1.1): what anyone may
 * know without a key, as JSON and as plain HTML pages, served under
 * /public/ and written as static files by `breakwater publish`
 * (docs/publication.md):
 *
 *   thresholds       de minimis duty/tax thresholds, currency, collection
 *                    models and effective dates, from the jurisdiction files
 *   prohibited       the prohibited and restricted goods list: category,
 *                    scope, HS prefixes, a description (never the terms
 *                    screening looks for)
 *   estimate         the duty estimator (the quote pipeline) for one item
 *   seizure-notices  safety-related seizures, aggregated: day, jurisdiction,
 *                    HS chapter, category, origin, count (no personal data)
 */
#ifndef BW_PUBLISH_H
#define BW_PUBLISH_H

#include "../pipeline/pipeline.h"
#include "../store/store.h"

/* Text as HTML character data or attribute value: & < > " ' escaped. */
void bw_pub_html_text(bw_buf *b, const char *s, size_t n);
/* The page around a body: doctype, UTF-8, title (escaped), a link home. */
void bw_pub_html_open(bw_buf *b, const char *title);
void bw_pub_html_close(bw_buf *b);
void bw_pub_index_html(bw_buf *b);

/* ---- thresholds (now: which version is in force) ------------------------------------------ */
void bw_pub_thresholds_json(const bw_refdata *rd, bw_time now, bw_buf *out);
void bw_pub_thresholds_html(const bw_refdata *rd, bw_time now, bw_buf *out);

/* ---- prohibited and restricted goods ------------------------------------------------------ */
typedef struct bw_pub_goods {
    char *category, *description, *kind, *scope; /* scope: "*" or "AU,CA" */
    char **hs;                                    /* prefixes, digits only */
    uint32_t n_hs;
} bw_pub_goods;

typedef struct bw_pub_goods_list {
    bw_pub_goods *v;
    uint32_t n;
} bw_pub_goods_list;

/* The entries of the .tsv files of datadir/screening in force on `now`, grouped by
 * category, kind and scope.  false with err (file:line: why). */
bool bw_pub_goods_load(const char *datadir, bw_time now, bw_pub_goods_list *out, char *err, size_t errlen);
void bw_pub_goods_free(bw_pub_goods_list *l);
void bw_pub_goods_json(const bw_pub_goods_list *l, bw_time now, bw_buf *out);
void bw_pub_goods_html(const bw_pub_goods_list *l, bw_time now, bw_buf *out);

/* ---- the estimator ---------------------------------------------------------------------- */
typedef struct bw_pub_estimate_query {
    const char *jurisdiction, *country, *region, *currency, *hs, *value, *quantity, *origin, *freight;
} bw_pub_estimate_query;

/* Runs the quote pipeline on a one-item purchase; the quote as JSON (the
 * same object as POST /v1/quote's "quotes" member), *ok when estimated.
 * false (out: a message) when the query lacks what is needed. */
bool bw_pub_estimate_json(const bw_refdata *rd, const bw_pub_estimate_query *q, bw_buf *out, bool *ok);
/* The form, and when q->jurisdiction is given, the estimate below it. */
void bw_pub_estimate_html(const bw_refdata *rd, const bw_pub_estimate_query *q, bw_buf *out);

/* ---- seizure notices ---------------------------------------------------------------------- */
typedef struct bw_pub_seizure {
    char day[11], jurisdiction[8], chapter[3], category[40], origin[3];
    int64_t count;
} bw_pub_seizure;

typedef struct bw_pub_seizures {
    bw_pub_seizure *v;
    uint32_t n, cap;
} bw_pub_seizures;

/* Every declaration seized after inspection (an "inspected" event whose
 * result is "seized", or a "seized" event) that screening flagged:
 * counted by day of seizure, jurisdiction, HS chapter and origin of the
 * flagged item, and the screening category.  false with the store's error. */
bool bw_pub_seizures_load(bw_store *s, bw_pub_seizures *out);
void bw_pub_seizures_free(bw_pub_seizures *l);
void bw_pub_seizures_json(const bw_pub_seizures *l, bw_buf *out);
void bw_pub_seizures_html(const bw_pub_seizures *l, bw_buf *out);

#endif
