/*
 * manifest.h - an arrival manifest as a carrier or post reports it:
 *
 *   {"carrier": "AIRCARGO-01", "master_id": "180-89992571",
 *    "arrived_at": "2026-11-01T03:05:00Z",
 *    "items": ["180-14496086", {"document_id": "RR123456785CN"}, ...]}
 *
 * master_id is the master air waybill or the postal dispatch id; each item
 * is the transport document of one parcel (house AWB, S10 number, tracking
 * number) as a string or an object with document_id.
 */
#ifndef BW_LC_MANIFEST_H
#define BW_LC_MANIFEST_H

#include "../store/store_lifecycle.h"

#define BW_MANIFEST_MAX_ITEMS 100000

/* Parses and checks a manifest (memory from arena); false with the first
 * problem (member, item index, why) in err. */
bool bw_manifest_parse(const char *json, size_t n, bw_arena *arena, bw_manifest *out, char *err, size_t errlen);

#endif
