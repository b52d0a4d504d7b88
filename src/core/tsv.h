/*
 * tsv.h - reading the tab-separated reference files (tariffs, taxes,
 * registries, lists): the line loop, the field split, and which files of a
 * folder or a path list are loaded, in what order.
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

/* Loads one file into ctx; false with "file:line: why" in err. */
typedef bool (*bw_tsv_load_fn)(void *ctx, const char *path, char *err, size_t errlen);

/* Every *.tsv of dir (hidden files left out) in name order, stopping at
 * the first that fails.  A missing dir is no files when missing_ok, else
 * an error; `what` names the folder in messages ("the AEO directory"). */
bool bw_tsv_load_dir(const char *dir, bool missing_ok, const char *what, bw_tsv_load_fn load, void *ctx, char *err,
                     size_t errlen);

/* Every file of a ':'-separated list (empty entries skipped, as in PATH;
 * NULL or "" is none); each named must load.  `what` prefixes an
 * out-of-memory message. */
bool bw_tsv_load_list(const char *list, const char *what, bw_tsv_load_fn load, void *ctx, char *err, size_t errlen);

#endif
