/*
 * pipeline.c - validate, assess and decide one record (see pipeline.h).
 */
#include "pipeline.h"

const char *const bw_status_names[] = {"accepted", "rejected"};

void bw_pipeline_run(const bw_pipeline *p, bw_record *rec, bw_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->consignment_value = -1;
    out->assessed_at = p->as_of ? p->as_of : bw_time_now();
    if (rec->decodable) {
        bw_declaration *d = &rec->decl;
        const bw_jurisdiction *j;
        const bw_jur_version *v = bw_validate(p->rd, d, out->assessed_at, &rec->issues, &j);
        out->jurisdiction = j;
        out->version = v;
        if (v) {
            bw_assess_category(p->rd, d, j, v, out->assessed_at, &rec->issues, out);
            if (out->category)
                bw_validate_required(p->rd, d, v, out->category, &rec->issues);
        }
    }
    out->status = rec->issues.errors || !rec->decodable ? BW_STATUS_REJECTED : BW_STATUS_ACCEPTED;
}
