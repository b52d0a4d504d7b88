/*
 * tsv.h - reading the tab-separated reference files (tariffs, taxes): the
 * line loop and the field split every such loader needs.
 */
#ifndef BW_TSV_H
#define BW_TSV_H

#include <stdio.h>

#include "core.h"

/* The next line that is neither blank nor a '#' comment, its newline
 * stripped, in *line (getline's buffer); false at the end.  *ln counts
 * every line read, for error messages. */
bool bw_tsv_next(FILE *f, char **line, size_t *cap, unsigned *ln);

/* Splits line in place at tabs into at most max fields (the last keeps any
 * further tabs); returns how many. */
int bw_tsv_split(char *line, char **fields, int max);

#endif
