/*
 * tsv.c - tab-separated reference files (see tsv.h).
 */
#include "tsv.h"

bool bw_tsv_next(FILE *f, char **line, size_t *cap, unsigned *ln)
{
    while (getline(line, cap, f) > 0) {
        (*ln)++;
        (*line)[strcspn(*line, "\r\n")] = 0;
        if (**line && **line != '#')
            return true;
    }
    return false;
}

int bw_tsv_split(char *line, char **fields, int max)
{
    int n = 0;
    for (char *p = line, *tab; n < max; p = tab + 1) {
        fields[n++] = p;
        tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = 0;
    }
    return n;
}
