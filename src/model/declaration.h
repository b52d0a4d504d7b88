/*
 * declaration.h - the one data model every input becomes.
 *
 * A declaration is the item-level advance electronic data of one consignment
 * (WCO Framework of Standards on Cross-Border E-Commerce, Standard 1/2),
 * shaped like ../shared/declaration-example.json; docs/data-dictionary.md
 * maps every field to the WCO Data Model.  All strings are slices into the
 * input or the record's arena; all money is integer minor units once
 * validated; all weights are milligrams, all quantities thousandths.
 */
#ifndef BW_DECLARATION_H
#define BW_DECLARATION_H

#include "../core/core.h"

/* Enumerations keep the raw text too so an unknown value can be reported
 * as it was sent.  Value 0 is always "absent", BW_ENUM_INVALID "not one of
 * ours". */
#define BW_ENUM_INVALID 0xff

typedef enum { ROLE_NONE, ROLE_PLATFORM, ROLE_VENDOR, ROLE_EXPRESS, ROLE_POSTAL,
               ROLE_FORWARDER, ROLE_BROKER } bw_role;
typedef enum { DECL_NONE, DECL_IMPORT, DECL_EXPORT, DECL_RETURN } bw_decl_type;
typedef enum { TXN_NONE, TXN_B2C, TXN_C2C, TXN_B2B } bw_txn_type;
typedef enum { MODE_NONE, MODE_AIR, MODE_ROAD, MODE_RAIL, MODE_SEA, MODE_POST,
               MODE_MULTIMODAL } bw_transport_mode;
typedef enum { COLLECT_NONE, COLLECT_VENDOR, COLLECT_INTERMEDIARY, COLLECT_BUYER } bw_collection_model;

typedef struct bw_enum {
    uint8_t value; /* one of the enums above, 0 absent, BW_ENUM_INVALID */
    bw_str raw;
} bw_enum;

/* An amount as sent ("amount" decimal string + ISO 4217 currency) and, once
 * validated against the currency's exponent, in minor units. */
typedef struct bw_money {
    bool present;       /* the object was there */
    bool amount_ok;     /* amount parsed as a decimal */
    bool minor_ok;      /* minor is set: currency known, precision fits */
    bw_decimal amount;  /* as sent */
    bw_str amount_raw;
    bw_str currency;
    int64_t minor;      /* amount in minor units of `currency` */
    uint8_t exponent;   /* the currency's ISO 4217 minor-unit digits, with minor */
} bw_money;

/* A number that is optional and must be checked later (quantity, weight). */
typedef struct bw_measure {
    bool present;
    bool ok;            /* parsed and fits at its scale */
    int64_t value;      /* scaled: thousandths (quantity) or milligrams (weight) */
} bw_measure;

typedef struct bw_flag {
    bool present, value;
} bw_flag;

/* A time stamp as sent; validation parses it. */
typedef struct bw_timestamp {
    bw_str raw;
    bool ok;
    bw_time t;
} bw_timestamp;

/* Every nested object starts with `present`, which the codec relies on. */
typedef struct bw_address {
    bool present;
    bw_str line, city, postcode, region, country;
} bw_address;

typedef struct bw_party {
    bool present;
    bw_str id, name, email, phone, url, national_id, scheme_number;
    bw_address address;
} bw_party;

typedef struct bw_item {
    bool present;
    bw_str description, hs_code, unit, origin, url, sku;
    bw_measure quantity;      /* thousandths of `unit` */
    bw_measure net_weight;    /* milligrams ("net_weight_g" in JSON) */
    bw_money value;           /* the line's total transaction value */
} bw_item;

typedef struct bw_submitter {
    bool present;
    bw_str id;
    bw_enum role;
} bw_submitter;

typedef struct bw_transport {
    bool present;
    bw_enum mode;
    bw_str document_id, master_id, carrier, loading_place, arrival_place;
    bw_timestamp expected_arrival, loaded_at;
} bw_transport;

typedef struct bw_platform {
    bool present;
    bw_str id, name, url;
} bw_platform;

typedef struct bw_order {
    bool present;
    bw_str id;
    bw_timestamp date;
    bw_platform platform;
    bw_money total;
} bw_order;

typedef struct bw_payment {
    bool present;
    bw_str id, provider, payer;
    bw_money amount;
    bw_timestamp date;
} bw_payment;

typedef struct bw_collection {
    bool present;
    bw_enum model;
    bw_str scheme_number, account_id;
} bw_collection;

typedef struct bw_declaration {
    bool present;
    bw_submitter submitter;
    bw_str declaration_id;
    bw_str jurisdiction;
    bw_enum type;
    bw_str related_declaration;
    bw_enum transaction_type;
    bw_flag gift;
    bw_transport transport;
    bw_order order;
    bw_payment payment;
    bw_party seller, buyer;
    bw_item *items;
    uint32_t n_items;
    bool items_present;
    bw_measure gross_weight;  /* milligrams ("gross_weight_g") */
    bw_measure packages;      /* thousandths; must be a whole number */
    bw_money freight, insurance;
    bw_collection collection;
} bw_declaration;

/* Scales used for measures. */
#define BW_QTY_SCALE 3     /* quantity: thousandths */
#define BW_WEIGHT_SCALE 3  /* grams with 3 decimals = milligrams */

/* Names of enum values, index = enum value; used by codec and validator. */
extern const char *const bw_role_names[];
extern const char *const bw_decl_type_names[];
extern const char *const bw_txn_type_names[];
extern const char *const bw_transport_mode_names[];
extern const char *const bw_collection_model_names[];

/* Maps raw text to the enum using a NULL-terminated names table (index 0 is
 * the "absent" slot and never matches). */
uint8_t bw_enum_lookup(const char *const names[], bw_str raw);

#endif
