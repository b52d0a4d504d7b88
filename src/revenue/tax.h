/*
 * tax.h - import taxes (VAT, GST, provincial taxes, consumption tax) by
 * destination and HS code, as data (data/taxes/<ID>.tsv, format in
 * data/taxes/README.md).
 *
 * For a destination region and an item, each tax name (VAT, GST, PST...)
 * takes its line with the longest HS prefix in force on the date, looked up
 * first for the region itself, then for "*" (any destination).  EU files
 * name the rate ("standard", "reduced"...) instead of giving it: the
 * member state's rate of that name comes from the EU VAT rates table of
 * the reference data (eu-vat-rates/vat-rates.json).
 */
#ifndef BW_TAX_H
#define BW_TAX_H

#include "../core/core.h"

#define BW_TAX_NAMES_MAX 4

typedef struct bw_tax_rate {
    char name[16];       /* "VAT", "GST", "PST", "consumption" */
    int64_t ppm;         /* parts per million of the base */
    const char *rule;    /* the line's note: why this rate */
} bw_tax_rate;

typedef struct bw_tax_table bw_tax_table;
typedef struct bw_eu_vat bw_eu_vat;

/* eu may be NULL unless the file names rates. */
bw_tax_table *bw_tax_load(const char *path, const bw_eu_vat *eu, char *err, size_t errlen);
void bw_tax_free(bw_tax_table *t);

/* The taxes of an item for a destination region on `when`: fills up to
 * BW_TAX_NAMES_MAX rates, returns how many. */
unsigned bw_tax_find(const bw_tax_table *t, const char *region, const char *hs, size_t n, bw_time when,
                     bw_tax_rate out[BW_TAX_NAMES_MAX]);

/* The EU member states' VAT rates by name and date (vat-rates.json). */
bw_eu_vat *bw_eu_vat_load(const char *path, char *err, size_t errlen);
void bw_eu_vat_free(bw_eu_vat *v);
/* A member state's rate of that name on `when`, in ppm; -1 unknown. */
int64_t bw_eu_vat_rate(const bw_eu_vat *v, const char *country, const char *name, bw_time when);

#endif
