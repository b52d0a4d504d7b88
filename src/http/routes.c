/*
 * routes.c - the route table: every resource the API serves, who may call
 * it, and its metrics label.  docs/openapi.yaml describes the same set;
 * tests/integration/openapi.sh checks them against `breakwater routes`.
 */
#include <stdio.h>

#include "http.h"

const bw_route bw_routes[] = {
    {"POST", "/v1/declarations", bw_h_post_declarations, SUBMITTER_ROLES, "declarations_post"},
    {"GET", "/v1/declarations", bw_h_list_declarations, SUBMITTER_ROLES | CUSTOMS_ROLES,
     "declarations_list"},
    {"GET", "/v1/declarations/{submitter}/{id}", bw_h_get_declaration, SUBMITTER_ROLES | CUSTOMS_ROLES,
     "declaration_get"},
    {"POST", "/v1/declarations/{submitter}/{id}/inspection", bw_h_post_inspection,
     ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "inspection_post"},
    {"GET", "/v1/risk/watchlist/candidates", bw_h_list_candidates, CUSTOMS_ROLES, "candidates_list"},
    {"POST", "/v1/risk/watchlist/candidates/{id}", bw_h_decide_candidate, ROLE_BIT(R_ANALYST) | ROLE_BIT(R_ADMIN),
     "candidate_decide"},
    {"GET", "/v1/risk/profiles", bw_h_list_profiles, CUSTOMS_ROLES, "profiles_list"},
    {"POST", "/v1/risk/profiles", bw_h_post_profile, ROLE_BIT(R_ANALYST) | ROLE_BIT(R_ADMIN), "profile_post"},
    {"GET", "/v1/risk/profiles/{id}", bw_h_get_profile, CUSTOMS_ROLES, "profile_get"},
    {"DELETE", "/v1/risk/profiles/{id}", bw_h_delete_profile, ROLE_BIT(R_ANALYST) | ROLE_BIT(R_ADMIN),
     "profile_delete"},
    {"GET", "/v1/reference/jurisdictions", bw_h_jurisdictions, EVERYONE, "jurisdictions"},
    {"GET", "/v1/reference/jurisdictions/{id}", bw_h_jurisdiction, EVERYONE, "jurisdiction"},
    {"POST", "/v1/quote", bw_h_quote, EVERYONE, "quote"},
    {"POST", "/v1/payments", bw_h_post_payment, SUBMITTER_ROLES | ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "payments_post"},
    {"GET", "/v1/accounts", bw_h_list_accounts, CUSTOMS_ROLES, "accounts_list"},
    {"POST", "/v1/accounts", bw_h_post_account, ROLE_BIT(R_ADMIN), "accounts_post"},
    {"GET", "/v1/accounts/{jurisdiction}/{id}/statement", bw_h_statement, CUSTOMS_ROLES, "account_statement"},
    {"POST", "/v1/records/{kind}", bw_h_post_record, SUBMITTER_ROLES, "records_post"},
    {"GET", "/v1/records/{kind}/{key}", bw_h_get_record, SUBMITTER_ROLES | CUSTOMS_ROLES, "record_get"},
    /* the clearance lifecycle (lifecycle.c) */
    {"POST", "/v1/arrivals", bw_h_post_arrival, SUBMITTER_ROLES | ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "arrivals_post"},
    {"GET", "/v1/arrivals/unmatched", bw_h_list_unmatched, CUSTOMS_ROLES, "arrivals_unmatched"},
    {"GET", "/v1/queue", bw_h_queue, CUSTOMS_ROLES, "queue"},
    {"GET", "/v1/referrals", bw_h_referrals, SUBMITTER_ROLES | CUSTOMS_ROLES, "referrals"},
    {"POST", "/v1/declarations/{submitter}/{id}/release", bw_h_post_action, ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "action_release"},
    {"POST", "/v1/declarations/{submitter}/{id}/refuse", bw_h_post_action, ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "action_refuse"},
    {"POST", "/v1/declarations/{submitter}/{id}/seize", bw_h_post_action, ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "action_seize"},
    {"POST", "/v1/declarations/{submitter}/{id}/return", bw_h_post_action, ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "action_return"},
    {"POST", "/v1/declarations/{submitter}/{id}/destroy", bw_h_post_action, ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "action_destroy"},
    {"POST", "/v1/declarations/{submitter}/{id}/hold", bw_h_post_action, ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "action_hold"},
    /* other government agencies (oga.c) and the AEO registry (aeo.c) */
    {"POST", "/v1/agencies/{agency}/interests", bw_h_post_interest, ROLE_BIT(R_OGA) | ROLE_BIT(R_ADMIN), "agency_interest_post"},
    {"GET", "/v1/agencies/{agency}/interests", bw_h_list_interests, ROLE_BIT(R_OGA) | CUSTOMS_ROLES, "agency_interests"},
    {"GET", "/v1/agencies/{agency}/queue", bw_h_agency_queue, ROLE_BIT(R_OGA) | CUSTOMS_ROLES, "agency_queue"},
    {"GET", "/v1/declarations/{submitter}/{id}/agency", bw_h_agency_declaration, ROLE_BIT(R_OGA) | CUSTOMS_ROLES, "agency_declaration"},
    {"POST", "/v1/declarations/{submitter}/{id}/oga_hold", bw_h_oga_hold, ROLE_BIT(R_OGA), "oga_hold"},
    {"POST", "/v1/declarations/{submitter}/{id}/oga_release", bw_h_oga_release, ROLE_BIT(R_OGA), "oga_release"},
    {"POST", "/v1/aeo", bw_h_post_aeo, ROLE_BIT(R_ADMIN), "aeo_post"},
    {"GET", "/v1/aeo", bw_h_list_aeo, CUSTOMS_ROLES, "aeo_list"},
    {"GET", "/v1/aeo/{id}", bw_h_get_aeo, CUSTOMS_ROLES, "aeo_get"},
    /* returns, refunds, consolidated declarations (returns.c) */
    {"POST", "/v1/declarations/{submitter}/{id}/returns", bw_h_post_return,
     SUBMITTER_ROLES | ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "return_post"},
    {"GET", "/v1/declarations/{submitter}/{id}/returns", bw_h_list_returns, SUBMITTER_ROLES | CUSTOMS_ROLES,
     "returns_list"},
    {"POST", "/v1/declarations/{submitter}/{id}/returns/exported", bw_h_post_return_exported,
     ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ADMIN), "return_exported"},
    {"GET", "/v1/accounts/{id}/consolidated", bw_h_consolidated, CUSTOMS_ROLES, "account_consolidated"},
    {"GET", "/v1/stats", bw_h_get_stats, CUSTOMS_ROLES, "stats"},
    {"GET", "/v1/kpis", bw_h_get_kpis, CUSTOMS_ROLES, "kpis"},
    {"GET", "/healthz", bw_h_healthz, EVERYONE, "healthz"},
    {"GET", "/metrics", bw_h_metrics, ROLE_BIT(R_ADMIN), "metrics"},
    /* the de minimis simulator (customs) and public information (no key) */
    {"POST", "/v1/simulate", bw_h_post_simulate, CUSTOMS_ROLES, "simulate"},
    {"GET", "/public/index.html", bw_h_public_index, EVERYONE, "public_index"},
    {"GET", "/public/thresholds.json", bw_h_public_thresholds, EVERYONE, "public_thresholds"},
    {"GET", "/public/thresholds.html", bw_h_public_thresholds, EVERYONE, "public_thresholds"},
    {"GET", "/public/prohibited.json", bw_h_public_prohibited, EVERYONE, "public_prohibited"},
    {"GET", "/public/prohibited.html", bw_h_public_prohibited, EVERYONE, "public_prohibited"},
    {"GET", "/public/estimate.json", bw_h_public_estimate, EVERYONE, "public_estimate"},
    {"GET", "/public/estimate.html", bw_h_public_estimate, EVERYONE, "public_estimate"},
    {"GET", "/public/seizure-notices.json", bw_h_public_seizures, EVERYONE, "public_seizures"},
    {"GET", "/public/seizure-notices.html", bw_h_public_seizures, EVERYONE, "public_seizures"},
};
const unsigned bw_n_routes = sizeof bw_routes / sizeof bw_routes[0];

/* Matches url against a template, capturing {params}; segments are
 * compared whole, a parameter matches one non-empty segment. */
static bool match_path(const char *tpl, const char *url, bw_request *r)
{
    int np = 0;
    while (*tpl && *url) {
        if (*tpl != '/' || *url != '/')
            return false;
        tpl++;
        url++;
        const char *te = strchr(tpl, '/'), *ue = strchr(url, '/');
        size_t tn = te ? (size_t)(te - tpl) : strlen(tpl), un = ue ? (size_t)(ue - url) : strlen(url);
        if (tn > 1 && tpl[0] == '{') {
            if (un == 0 || un >= sizeof r->params[0] || np >= BW_MAX_PATH_PARAMS)
                return false;
            memcpy(r->params[np], url, un);
            r->params[np][un] = 0;
            bw_unescape(r->params[np]); /* "A%2FB" is the id "A/B" */
            np++;
        } else if (tn != un || memcmp(tpl, url, tn) != 0) {
            return false;
        }
        tpl += tn;
        url += un;
    }
    return *tpl == 0 && *url == 0;
}

int bw_route_match(const char *method, const char *url, bw_request *r, bool *path_known, char *allow,
                   size_t allow_len)
{
    *path_known = false;
    allow[0] = 0;
    int found = -1;
    for (unsigned i = 0; i < bw_n_routes; i++) {
        if (!match_path(bw_routes[i].path, url, r))
            continue;
        if (!strcmp(bw_routes[i].method, method)) {
            found = (int)i;
            break;
        }
        *path_known = true;
        size_t n = strlen(allow);
        snprintf(allow + n, allow_len - n, "%s%s", n ? ", " : "", bw_routes[i].method);
    }
    if (found >= 0) /* captures of a failed method match are overwritten */
        match_path(bw_routes[found].path, url, r);
    return found;
}
