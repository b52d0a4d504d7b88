/*
 * schema.c - the declaration's JSON field tables (see schema.h).
 *
 * Length limits follow the WCO Data Model formats where one exists
 * (e.g. an..70 for identifiers, an..512 for goods description) and are
 * generous elsewhere; they exist so no single string can be unbounded.
 */
#include <stddef.h>

#include "schema.h"

const char *const bw_role_names[] = {"", "platform", "vendor", "express", "postal",
                                     "forwarder", "broker", NULL};
const char *const bw_decl_type_names[] = {"", "import", "export", "return", NULL};
const char *const bw_txn_type_names[] = {"", "B2C", "C2C", "B2B", NULL};
const char *const bw_transport_mode_names[] = {"", "air", "road", "rail", "sea", "post",
                                               "multimodal", NULL};
const char *const bw_collection_model_names[] = {"", "vendor", "intermediary", "buyer", NULL};

uint8_t bw_enum_lookup(const char *const names[], bw_str raw)
{
    for (uint8_t i = 1; names[i]; i++)
        if (bw_str_eq(raw, names[i]))
            return i;
    return BW_ENUM_INVALID;
}

#define F(st, key, kind, member, max, sub) \
    {key, sizeof(key) - 1, kind, (uint16_t)offsetof(st, member), max, sub}
#define N(tbl) {tbl, (uint8_t)(sizeof(tbl) / sizeof(tbl[0]))}

/* lengths */
enum { ID = 70, NAME = 200, LINE = 256, CITY = 100, POSTCODE = 20, CODE = 3,
       EMAIL = 254, PHONE = 50, URL = 2048, HS = 12, UNIT = 16, DESC = 512, PLACE = 5,
       TIMESTAMP = 40, SCHEME = 32 };

static const bw_field address_fields[] = {
    F(bw_address, "line", FK_STR, line, LINE, NULL),
    F(bw_address, "city", FK_STR, city, CITY, NULL),
    F(bw_address, "postcode", FK_STR, postcode, POSTCODE, NULL),
    F(bw_address, "region", FK_STR, region, CITY, NULL),
    F(bw_address, "country", FK_STR, country, CODE, NULL),
};
static const bw_schema address_schema = N(address_fields);

static const bw_field party_fields[] = {
    F(bw_party, "id", FK_STR, id, ID, NULL),
    F(bw_party, "name", FK_STR, name, NAME, NULL),
    F(bw_party, "address", FK_OBJECT, address, 0, &address_schema),
    F(bw_party, "email", FK_STR, email, EMAIL, NULL),
    F(bw_party, "phone", FK_STR, phone, PHONE, NULL),
    F(bw_party, "url", FK_STR, url, URL, NULL),
    F(bw_party, "national_id", FK_STR, national_id, ID, NULL),
    F(bw_party, "scheme_number", FK_STR, scheme_number, SCHEME, NULL),
};
static const bw_schema party_schema = N(party_fields);

static const bw_field submitter_fields[] = {
    F(bw_submitter, "id", FK_STR, id, ID, NULL),
    F(bw_submitter, "role", FK_ENUM, role, 0, bw_role_names),
};
static const bw_schema submitter_schema = N(submitter_fields);

static const bw_field transport_fields[] = {
    F(bw_transport, "mode", FK_ENUM, mode, 0, bw_transport_mode_names),
    F(bw_transport, "document_id", FK_STR, document_id, ID, NULL),
    F(bw_transport, "master_id", FK_STR, master_id, ID, NULL),
    F(bw_transport, "carrier", FK_STR, carrier, ID, NULL),
    F(bw_transport, "loading_place", FK_STR, loading_place, PLACE, NULL),
    F(bw_transport, "arrival_place", FK_STR, arrival_place, PLACE, NULL),
    F(bw_transport, "expected_arrival", FK_TIME, expected_arrival, TIMESTAMP, NULL),
    F(bw_transport, "loaded_at", FK_TIME, loaded_at, TIMESTAMP, NULL),
};
static const bw_schema transport_schema = N(transport_fields);

static const bw_field platform_fields[] = {
    F(bw_platform, "id", FK_STR, id, ID, NULL),
    F(bw_platform, "name", FK_STR, name, NAME, NULL),
    F(bw_platform, "url", FK_STR, url, URL, NULL),
};
static const bw_schema platform_schema = N(platform_fields);

static const bw_field order_fields[] = {
    F(bw_order, "id", FK_STR, id, ID, NULL),
    F(bw_order, "date", FK_TIME, date, TIMESTAMP, NULL),
    F(bw_order, "platform", FK_OBJECT, platform, 0, &platform_schema),
    F(bw_order, "total", FK_MONEY, total, 0, NULL),
};
static const bw_schema order_schema = N(order_fields);

static const bw_field payment_fields[] = {
    F(bw_payment, "id", FK_STR, id, ID, NULL),
    F(bw_payment, "provider", FK_STR, provider, NAME, NULL),
    F(bw_payment, "amount", FK_MONEY, amount, 0, NULL),
    F(bw_payment, "date", FK_TIME, date, TIMESTAMP, NULL),
    F(bw_payment, "payer", FK_STR, payer, NAME, NULL),
};
static const bw_schema payment_schema = N(payment_fields);

static const bw_field item_fields[] = {
    F(bw_item, "description", FK_STR, description, DESC, NULL),
    F(bw_item, "hs_code", FK_STR, hs_code, HS, NULL),
    F(bw_item, "quantity", FK_QTY, quantity, 0, NULL),
    F(bw_item, "unit", FK_STR, unit, UNIT, NULL),
    F(bw_item, "net_weight_g", FK_WEIGHT, net_weight, 0, NULL),
    F(bw_item, "value", FK_MONEY, value, 0, NULL),
    F(bw_item, "origin", FK_STR, origin, CODE, NULL),
    F(bw_item, "url", FK_STR, url, URL, NULL),
    F(bw_item, "sku", FK_STR, sku, ID, NULL),
};
const bw_schema bw_item_schema = N(item_fields);

static const bw_field collection_fields[] = {
    F(bw_collection, "model", FK_ENUM, model, 0, bw_collection_model_names),
    F(bw_collection, "scheme_number", FK_STR, scheme_number, SCHEME, NULL),
    F(bw_collection, "account_id", FK_STR, account_id, ID, NULL),
};
static const bw_schema collection_schema = N(collection_fields);

static const bw_field declaration_fields[] = {
    F(bw_declaration, "submitter", FK_OBJECT, submitter, 0, &submitter_schema),
    F(bw_declaration, "declaration_id", FK_STR, declaration_id, ID, NULL),
    F(bw_declaration, "jurisdiction", FK_STR, jurisdiction, 8, NULL),
    F(bw_declaration, "type", FK_ENUM, type, 0, bw_decl_type_names),
    F(bw_declaration, "transaction_type", FK_ENUM, transaction_type, 0, bw_txn_type_names),
    F(bw_declaration, "gift", FK_FLAG, gift, 0, NULL),
    F(bw_declaration, "related_declaration", FK_STR, related_declaration, ID, NULL),
    F(bw_declaration, "transport", FK_OBJECT, transport, 0, &transport_schema),
    F(bw_declaration, "order", FK_OBJECT, order, 0, &order_schema),
    F(bw_declaration, "payment", FK_OBJECT, payment, 0, &payment_schema),
    F(bw_declaration, "seller", FK_OBJECT, seller, 0, &party_schema),
    F(bw_declaration, "buyer", FK_OBJECT, buyer, 0, &party_schema),
    F(bw_declaration, "items", FK_ITEMS, items, 0, NULL),
    F(bw_declaration, "gross_weight_g", FK_WEIGHT, gross_weight, 0, NULL),
    F(bw_declaration, "packages", FK_QTY, packages, 0, NULL),
    F(bw_declaration, "freight", FK_MONEY, freight, 0, NULL),
    F(bw_declaration, "insurance", FK_MONEY, insurance, 0, NULL),
    F(bw_declaration, "collection", FK_OBJECT, collection, 0, &collection_schema),
};
const bw_schema bw_declaration_schema = N(declaration_fields);

const bw_limits bw_default_limits = {
    .max_items = 1000,
    .max_depth = 32,
    .max_record_bytes = 8u << 20,
    .read_block = 1u << 20,
};
