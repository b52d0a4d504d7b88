/*
 * jurisdiction.h - a customs territory's published parameters, as loaded
 * from data/jurisdictions/<ID>.json (format: data/jurisdictions/README.md).
 *
 * Every parameter sits in an effective-dated version; the version in force
 * on the assessment date applies.  Amounts are minor units of the
 * jurisdiction's currency; -1 means "no such threshold".
 */
#ifndef BW_JURISDICTION_H
#define BW_JURISDICTION_H

#include <regex.h>

#include "../model/schema.h"
#include "refdata.h"

/* A declaration field named by its JSON path ("buyer.address.city",
 * "items[].hs_code"), resolved against the schema at load time. */
#define BW_PATH_MAX_DEPTH 4
typedef struct bw_field_path {
    char *text;
    const bw_field *chain[BW_PATH_MAX_DEPTH];
    uint8_t depth;
    bool in_items;  /* chain starts inside an item */
} bw_field_path;

typedef struct bw_field_paths {
    bw_field_path *v;
    uint32_t n;
} bw_field_paths;

typedef struct bw_str_list {
    char **v;
    uint32_t n;
} bw_str_list;

typedef enum { BASIS_INTRINSIC, BASIS_CUSTOMS_VALUE } bw_value_basis;
typedef enum { VALUATION_CIF, VALUATION_FOB } bw_valuation;

/* De minimis as it applies to one channel; the first rule whose conditions
 * match the declaration applies (e.g. Canada: courier from US/MX vs post). */
typedef struct bw_de_minimis_rule {
    char *name;
    bw_str_list origins;         /* empty: any origin */
    uint32_t modes;              /* bit per bw_transport_mode; 0: any */
    int64_t duty_threshold;      /* no duty at or under; -1 none (duty always due) */
    int64_t tax_threshold;       /* no tax at or under; -1 none */
    int64_t tax_factor_ppm;      /* share of the statutory tax due under this rule (CN: 70%) */
    int64_t buyer_limit;         /* the buyer's total under this rule per period; -1 none */
    bool buyer_limit_yearly;     /* period: calendar year, else calendar day (UTC) */
    uint8_t over_limit_category; /* IRG category once over the limit; 0: as assessed */
} bw_de_minimis_rule;

typedef struct bw_scheme {
    char *name;                  /* "IOSS", "UK VAT", "ARN" */
    char *pattern;               /* POSIX extended regex, anchored */
    regex_t re;
} bw_scheme;

struct bw_jur_version {
    bw_time effective_from;
    bw_valuation valuation;
    bw_value_basis basis;
    bool tax_applies;                    /* false: no VAT/GST at the border */
    bw_de_minimis_rule *rules;
    uint32_t n_rules;
    bw_str_list duty_excluded_hs;        /* HS prefixes never duty-free (excise) */
    int64_t flat_duty;                   /* per distinct subheading under de minimis; 0 none */
    int64_t full_declaration_threshold;  /* above: IRG category 4; -1 none */
    int64_t vendor_threshold;            /* vendor-collected tax applies at or under; -1 none */
    bw_scheme *schemes;
    uint32_t n_schemes;
    int64_t gift_threshold;              /* C2C gifts relieved at or under; -1 none */
    bool gift_relieves_duty, gift_relieves_tax;
    bw_str_list documents_hs;            /* IRG category 1 when all items are these, value 0 */
    bw_field_paths required;             /* every declaration */
    bw_field_paths required_by_category[5]; /* index = IRG category */
    bw_str_list gift_exempt;             /* path prefixes not required of gifts (no sale) */
    bool tax_base_adds_transport;        /* FOB value but transport in the tax base (AU GST) */
    uint32_t reconcile_tolerance_bp;     /* basis points of the order total */
    bool reconcile_is_error;             /* else a warning */
    /* returns and refunds (src/lifecycle/returns.c): "returns" in the file */
    int32_t return_days;                 /* calendar days after release a return may be declared; -1 none */
    bool refund_duty, refund_tax;        /* what collected at the border is refunded on re-export */
    /* account-based consolidated declarations: "account_due" in the file */
    int32_t account_due_day;             /* day of the month after the period it is due; 0 none */
};

struct bw_jurisdiction {
    char *id, *name;
    char currency[4];
    int currency_exponent;
    bw_str_list destinations;            /* buyer countries served */
    bw_jur_version *versions;            /* ascending effective_from */
    uint32_t n_versions;
    struct bw_tariff *tariff;            /* data/tariffs/<ID>.tsv, NULL if none */
    struct bw_tax_table *taxes;          /* data/taxes/<ID>.tsv, NULL if none */
};

bool bw_str_list_has(const bw_str_list *l, bw_str s);
/* Whether some prefix in the list starts `code`. */
bool bw_str_list_has_prefix_of(const bw_str_list *l, bw_str code);

/* Loads every *.json in dir; appends to *out.  false with err on failure. */
bool bw_jurisdictions_load(const char *dir, bw_jurisdiction **out, uint32_t *n, char *err, size_t errlen);
void bw_jurisdictions_free(bw_jurisdiction *v, uint32_t n);

/* Resolves a JSON path against the declaration schema. */
bool bw_field_path_compile(const char *text, bw_field_path *out, char *err, size_t errlen);
/* Whether the field is present in decl (for item paths: in item `item`). */
bool bw_field_path_present(const bw_field_path *fp, const bw_declaration *decl, const bw_item *item);

#endif
