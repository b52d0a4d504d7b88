/*
 * metrics.c - precision, recall and revenue at the top n% of a ranking, and
 * the ROC AUC (metrics.h).  Evaluation output, not a hot path: printf is
 * fine here.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_rank(const void *pa, const void *pb)
{
    const bw_scored *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    int c = cmp_str(a->id, b->id);
    return c ? c : cmp_str(a->submitter, b->submitter);
}

void bw_metrics_rank(bw_scored *rows, size_t n)
{
    if (n > 1)
        qsort(rows, n, sizeof *rows, cmp_rank);
}

double bw_metrics_auc(const bw_scored *ranked, size_t n)
{
    /* Mann-Whitney: for every positive, the negatives ranked below it, plus
     * half the negatives tied with it. */
    double pos = 0, neg = 0, wins = 0;
    for (size_t i = 0; i < n; i++)
        ranked[i].fraud ? pos++ : neg++;
    if (pos == 0 || neg == 0)
        return NAN;
    double neg_below = neg;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double p = 0, q = 0;
        while (j < n && ranked[j].score == ranked[i].score) {
            ranked[j].fraud ? p++ : q++;
            j++;
        }
        neg_below -= q;
        wins += p * (neg_below + q / 2);
        i = j;
    }
    return wins / (pos * neg);
}

void bw_metrics_evaluate(bw_scored *rows, size_t n, const double *percents, unsigned n_percents, bw_evaluation *e)
{
    memset(e, 0, sizeof *e);
    bw_metrics_rank(rows, n);
    e->rows = n;
    for (size_t i = 0; i < n; i++)
        if (rows[i].fraud) {
            e->frauds++;
            e->revenue_total += rows[i].revenue;
        }
    e->auc = bw_metrics_auc(rows, n);
    e->n_at = n_percents < BW_METRICS_MAX_AT ? n_percents : BW_METRICS_MAX_AT;
    for (unsigned k = 0; k < e->n_at; k++) {
        bw_at_n *a = &e->at[k];
        a->percent = percents[k];
        double want = ceil((double)n * percents[k] / 100.0 - 1e-9);
        a->inspected = want <= 0 ? 0 : want >= (double)n ? n : (size_t)want;
        double revenue = 0;
        for (size_t i = 0; i < a->inspected; i++)
            if (rows[i].fraud) {
                a->found++;
                revenue += rows[i].revenue;
            }
        a->precision = a->inspected ? (double)a->found / (double)a->inspected : NAN;
        a->recall = e->frauds ? (double)a->found / (double)e->frauds : NAN;
        a->revenue = e->revenue_total > 0 ? revenue / e->revenue_total : NAN;
    }
}

/* A table cell: the ratio, or "-" when undefined. */
static void put_cell(bw_buf *out, double v)
{
    if (isnan(v))
        bw_buf_printf(out, " %10s", "-");
    else
        bw_buf_printf(out, " %10.4f", v);
}

/* A JSON number, or null when undefined. */
static void put_number(bw_buf *out, double v)
{
    if (isnan(v))
        bw_buf_puts(out, "null");
    else
        bw_buf_printf(out, "%.6f", v);
}

void bw_metrics_table(const bw_evaluation *e, bw_buf *out)
{
    bw_buf_printf(out, "rows %zu, frauds %zu (%.2f%%), revenue recovered %.2f, AUC ", e->rows, e->frauds,
                  e->rows ? 100.0 * (double)e->frauds / (double)e->rows : 0.0, e->revenue_total);
    if (isnan(e->auc))
        bw_buf_puts(out, "-\n");
    else
        bw_buf_printf(out, "%.4f\n", e->auc);
    bw_buf_puts(out, "   top  inspected  found  precision     recall    revenue\n");
    for (unsigned k = 0; k < e->n_at; k++) {
        const bw_at_n *a = &e->at[k];
        bw_buf_printf(out, "%5g%%  %9zu  %5zu", a->percent, a->inspected, a->found);
        put_cell(out, a->precision);
        put_cell(out, a->recall);
        put_cell(out, a->revenue);
        bw_buf_putc(out, '\n');
    }
}

void bw_metrics_json(const bw_evaluation *e, bw_buf *out)
{
    bw_buf_printf(out, "{\"rows\":%zu,\"frauds\":%zu,\"revenue_total\":%.2f,\"auc\":", e->rows, e->frauds,
                  e->revenue_total);
    put_number(out, e->auc);
    bw_buf_puts(out, ",\"at\":[");
    for (unsigned k = 0; k < e->n_at; k++) {
        const bw_at_n *a = &e->at[k];
        bw_buf_printf(out, "%s{\"percent\":%g,\"inspected\":%zu,\"found\":%zu,\"precision\":", k ? "," : "",
                      a->percent, a->inspected, a->found);
        put_number(out, a->precision);
        bw_buf_puts(out, ",\"recall\":");
        put_number(out, a->recall);
        bw_buf_puts(out, ",\"revenue\":");
        put_number(out, a->revenue);
        bw_buf_putc(out, '}');
    }
    bw_buf_puts(out, "]}\n");
}
