/*
 * aeo.c - the AEO registry over HTTP (placeholder until the registry's
 * store part lands: answers 501).
 */
#include "http.h"

void bw_h_post_aeo(bw_request *r) { bw_answer_problem(r, 501, "the AEO registry is not served yet", NULL, NULL); }
void bw_h_list_aeo(bw_request *r) { bw_answer_problem(r, 501, "the AEO registry is not served yet", NULL, NULL); }
void bw_h_get_aeo(bw_request *r) { bw_answer_problem(r, 501, "the AEO registry is not served yet", NULL, NULL); }
