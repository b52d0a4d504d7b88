/*
 * http.h - the single window: breakwater's HTTP API (Standard 2, 2.2.4).
 *
 * The hub of src/http/: the server (server.c, on libmicrohttpd), the route
 * table (routes.c), who is asking (auth.c: API keys, roles, rate limits),
 * RFC 9457 problems (problem.c), metrics (metrics.c), and one file per
 * resource (declarations.c, reference.c, health.c).  Nothing outside this
 * folder knows about HTTP; handlers call the same pipeline, store and views
 * as the command line.
 */
#ifndef BW_HTTP_H
#define BW_HTTP_H

#include <stdatomic.h>

#include "../pipeline/pipeline.h"
#include "../store/group_commit.h"
#include "../store/store.h"

/* ---- configuration (--config FILE, JSON; every key optional) ------------- */
typedef struct bw_http_config {
    char listen_host[64];
    unsigned port;              /* 0 = any free port */
    unsigned threads;           /* worker threads (default: cores) */
    size_t max_body_bytes;      /* larger requests: 413 */
    unsigned max_connections;
    unsigned request_timeout_s; /* idle connections are closed: slow clients cannot hold workers */
    int64_t rate_per_s_default; /* for `keys add` without --rate */
} bw_http_config;

void bw_http_config_defaults(bw_http_config *c);
/* Reads a JSON config file over the defaults; false with err. */
bool bw_http_config_load(bw_http_config *c, const char *path, char *err, size_t errlen);
/* "host:port" */
bool bw_http_parse_listen(bw_http_config *c, const char *arg);

/* ---- who is asking ---------------------------------------------------------- */
typedef enum bw_key_role {
    R_PUBLIC = 0,
    R_PLATFORM, R_VENDOR, R_EXPRESS, R_POSTAL, R_FORWARDER, R_BROKER, /* submitters */
    R_OFFICER, R_ANALYST, R_ADMIN,                                     /* customs */
    R_OGA,
    R_COUNT
} bw_key_role;

#define ROLE_BIT(r) (1u << (r))
#define SUBMITTER_ROLES (ROLE_BIT(R_PLATFORM) | ROLE_BIT(R_VENDOR) | ROLE_BIT(R_EXPRESS) | \
                         ROLE_BIT(R_POSTAL) | ROLE_BIT(R_FORWARDER) | ROLE_BIT(R_BROKER))
#define CUSTOMS_ROLES (ROLE_BIT(R_OFFICER) | ROLE_BIT(R_ANALYST) | ROLE_BIT(R_ADMIN))
#define EVERYONE ((1u << R_COUNT) - 1)

extern const char *const bw_role_names_http[R_COUNT];
bw_key_role bw_role_parse(const char *name); /* R_COUNT when unknown */

typedef struct bw_principal {
    bw_key_role role;
    int64_t key_id;          /* 0 for the public */
    int64_t rate_per_s;
    char submitter[72];      /* submitter roles */
    char agency[72];         /* oga */
} bw_principal;

static inline bool bw_is_submitter(const bw_principal *p) { return SUBMITTER_ROLES & ROLE_BIT(p->role); }
static inline bool bw_is_customs(const bw_principal *p) { return CUSTOMS_ROLES & ROLE_BIT(p->role); }

/* A new key: "bwk_" and 43 base64url characters; *hash is what is stored. */
void bw_key_generate(char out[48], uint8_t hash[32]);
void bw_key_hash(const char *key, size_t n, uint8_t hash[32]);

/* ---- the server ---------------------------------------------------------------- */
typedef struct bw_server bw_server;
typedef struct bw_request bw_request;

/* What a handler may use: the reference data, the committer, and a store
 * connection of the worker thread it runs on. */
const bw_refdata *bw_server_refdata(bw_server *s);
/* Puts new reference data in force for the requests that start from now
 * on; returns the previous data, which requests in flight may still read
 * (the caller keeps it until the server has stopped). */
const bw_refdata *bw_server_swap_refdata(bw_server *s, const bw_refdata *rd);
struct bw_risk_engine *bw_server_risk(bw_server *s);
bw_group_commit *bw_server_committer(bw_server *s);
bw_store *bw_server_store(bw_server *s);   /* this thread's connection, NULL on failure */
const bw_http_config *bw_server_config(bw_server *s);
bool bw_server_stopping(bw_server *s);

/* risk may be NULL (no risk assessment); it is the caller's, and must
 * outlive the server. */
bw_server *bw_server_start(const bw_http_config *cfg, const char *db, const bw_refdata *rd,
                           struct bw_risk_engine *risk, char *err, size_t errlen);
unsigned bw_server_port(bw_server *s);
/* Graceful: refuses new requests (503), lets the ones in flight finish,
 * drains the committer, closes every store connection. */
void bw_server_stop(bw_server *s);

/* ---- requests --------------------------------------------------------------------- */
#define BW_MAX_PATH_PARAMS 2

struct bw_request {
    bw_server *srv;
    void *conn;                       /* struct MHD_Connection */
    const char *method, *url;
    int route;                        /* index in the route table, -1 none */
    char params[BW_MAX_PATH_PARAMS][320];   /* unescaped; 70 characters of up to 4 bytes */
    bw_principal who;
    bw_buf body;
    bool body_too_large;
    /* the answer */
    bool answered;
    int status;
    const char *content_type;
    bw_buf out;
    char retry_after[16], allow[64];
    /* an answer that waits for the group commit */
    bool suspended;
    atomic_bool resumed;              /* set by the committer thread */
    void (*finish)(bw_request *r);    /* builds the answer once resumed */
    void *pending;                    /* the handler's state meanwhile */
    void (*pending_free)(void *);
    double started;
    bw_arena arena;                   /* the request's own small allocations */
};

/* Decodes %XX escapes in place (path segments arrive escaped). */
void bw_unescape(char *s);

/* A request parameter from the query string (unescaped), or NULL. */
const char *bw_request_query(bw_request *r, const char *name);
/* A request header, or NULL. */
const char *bw_request_header(bw_request *r, const char *name);

/* Answers with JSON in r->out (the handler fills it). */
void bw_answer_json(bw_request *r, int status);
/* Answers with an RFC 9457 problem; errors_json may be NULL or a JSON array,
 * extra may be NULL or more members (`"result":{...}`, no leading comma). */
void bw_answer_problem(bw_request *r, int status, const char *detail, const char *errors_json,
                       const char *extra);
/* Waits for the group commit: the connection is suspended until the job is
 * done; then finish(r) builds the answer on a worker thread. */
void bw_request_suspend(bw_request *r, bw_commit_job *job, void (*finish)(bw_request *));

/* ---- what handlers answer alike (common.c) ----------------------------------------- */
struct bw_transition_outcome;
/* Who acts, as events record it: "role:submitter", or "role:keyN" for a
 * key without a submitter. */
void bw_request_actor(const bw_request *r, char *out, size_t n);
/* This thread's store connection; NULL with a 500 answered. */
bw_store *bw_request_store(bw_request *r);
/* Ends a list the handler opened in r->out with `{"name":[` and filled:
 * `]}` and 200 when ok, else a 500 "<what> could not be read" (what: "the
 * referrals"), the partial list dropped. */
void bw_answer_list(bw_request *r, bool ok, const char *what);
/* Answers a state transition that did not happen (rc of bw_store_transition
 * and the calls like it): 0 is 404, BW_LC_REFUSED 409 naming the state and
 * the verb, below 0 a 500 with the store's error logged.  False, answering
 * nothing, when rc says it happened. */
bool bw_answer_transition_failed(bw_request *r, bw_store *s, int rc, const struct bw_transition_outcome *out,
                                 const char *verb);
/* The month of an account's figures (?period=YYYY-MM, as [*from, *to)) and
 * their format (?format=json or csv); NULL with a 400 answered. */
const char *bw_request_period(bw_request *r, bw_time *from, bw_time *to, bool *csv);

/* ---- routes ----------------------------------------------------------------------- */
typedef void (*bw_handler)(bw_request *r);

typedef struct bw_route {
    const char *method;
    const char *path;         /* OpenAPI template: /v1/declarations/{submitter}/{id} */
    bw_handler handler;
    uint32_t roles;           /* ROLE_BITs allowed; R_PUBLIC means no key needed */
    const char *name;         /* metrics label */
} bw_route;

extern const bw_route bw_routes[];
extern const unsigned bw_n_routes;
/* Finds the route; -1 none.  *path_known says whether the path exists with
 * another method (405), and allow lists those methods. */
int bw_route_match(const char *method, const char *url, bw_request *r, bool *path_known, char *allow,
                   size_t allow_len);

/* ---- handlers (one file per resource) ----------------------------------------------- */
void bw_h_post_declarations(bw_request *r);
void bw_h_get_declaration(bw_request *r);
void bw_h_list_declarations(bw_request *r);
void bw_h_jurisdictions(bw_request *r);
void bw_h_jurisdiction(bw_request *r);
void bw_h_healthz(bw_request *r);
void bw_h_metrics(bw_request *r);
void bw_h_quote(bw_request *r);
void bw_h_post_payment(bw_request *r);
void bw_h_list_accounts(bw_request *r);
void bw_h_post_account(bw_request *r);
void bw_h_statement(bw_request *r);
void bw_h_post_inspection(bw_request *r);
void bw_h_list_candidates(bw_request *r);
void bw_h_decide_candidate(bw_request *r);
void bw_h_list_profiles(bw_request *r);
void bw_h_get_profile(bw_request *r);
void bw_h_post_profile(bw_request *r);
void bw_h_delete_profile(bw_request *r);
void bw_h_post_record(bw_request *r);
void bw_h_get_record(bw_request *r);
/* A POST /v1/declarations job's in_txn (records.c): compares the
 * declarations stored with their order, payment and logistics records in
 * the committer's transaction; arg is the request. */
bool bw_http_records_in_txn(bw_store *s, bw_commit_job *job, void *arg);
/* the de minimis simulator and public information (simulate.c, publish.c) */
void bw_h_post_simulate(bw_request *r);
void bw_h_public_index(bw_request *r);
void bw_h_public_thresholds(bw_request *r);
void bw_h_public_prohibited(bw_request *r);
void bw_h_public_estimate(bw_request *r);
void bw_h_public_seizures(bw_request *r);
/* the clearance lifecycle (lifecycle.c) */
void bw_h_post_arrival(bw_request *r);
void bw_h_list_unmatched(bw_request *r);
void bw_h_queue(bw_request *r);
void bw_h_referrals(bw_request *r);
void bw_h_post_action(bw_request *r);   /* release, refuse, seize, return, destroy, hold */
/* other government agencies (oga.c) and the AEO registry (aeo.c) */
void bw_h_post_interest(bw_request *r);
void bw_h_list_interests(bw_request *r);
void bw_h_agency_queue(bw_request *r);
void bw_h_agency_declaration(bw_request *r);
void bw_h_oga_hold(bw_request *r);
void bw_h_oga_release(bw_request *r);
void bw_h_post_aeo(bw_request *r);
void bw_h_list_aeo(bw_request *r);
void bw_h_get_aeo(bw_request *r);
/* returns, refunds, consolidated declarations (returns.c) */
void bw_h_post_return(bw_request *r);
void bw_h_list_returns(bw_request *r);
void bw_h_post_return_exported(bw_request *r);
void bw_h_consolidated(bw_request *r);
void bw_h_get_stats(bw_request *r);
void bw_h_get_kpis(bw_request *r);
/* After POST /v1/declarations committed: compares the declarations stored
 * with their order, payment and logistics records (records.c); failures
 * are logged, the declarations stay stored. */
void bw_http_records_after_post(bw_request *r, const bw_decl_row *rows, uint32_t n);

/* ---- auth (auth.c) -------------------------------------------------------------------- */
/* Identifies the caller from the Authorization header: 0 ok (r->who set),
 * or the HTTP status to answer (401) after answering. */
int bw_authenticate(bw_request *r);
/* Takes one token from the caller's bucket; false when over the rate
 * (*retry_after_s set). */
bool bw_rate_allow(bw_server *s, const bw_principal *p, unsigned *retry_after_s);

/* ---- metrics (metrics.c) --------------------------------------------------------------- */
void bw_metrics_request(int route, int status, double seconds);
void bw_metrics_outcome(bw_put_result put, bool accepted);
void bw_metrics_render(bw_server *s, bw_buf *out);

#endif
