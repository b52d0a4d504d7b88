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
    {"GET", "/v1/stats", bw_h_get_stats, CUSTOMS_ROLES, "stats"},
    {"GET", "/v1/kpis", bw_h_get_kpis, CUSTOMS_ROLES, "kpis"},
    {"GET", "/healthz", bw_h_healthz, EVERYONE, "healthz"},
    {"GET", "/metrics", bw_h_metrics, ROLE_BIT(R_ADMIN), "metrics"},
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
