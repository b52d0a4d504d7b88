/*
 * tsv.c - tab-separated reference files (see tsv.h).
 */
#include "tsv.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

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

static int is_tsv(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".tsv") == 0 && e->d_name[0] != '.';
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

bool bw_tsv_load_dir(const char *dir, bool missing_ok, const char *what, bw_tsv_load_fn load, void *ctx, char *err,
                     size_t errlen)
{
    struct dirent **names;
    int count = scandir(dir, &names, is_tsv, by_name);
    if (count < 0) {
        if (errno == ENOENT && missing_ok)
            return true;
        snprintf(err, errlen, "%s: cannot read %s: %s", dir, what, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < count; i++) {
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        ok = ok && load(ctx, path, err, errlen);
        free(names[i]);
    }
    free(names);
    return ok;
}

bool bw_tsv_load_list(const char *list, const char *what, bw_tsv_load_fn load, void *ctx, char *err, size_t errlen)
{
    if (!list || !*list)
        return true;
    char *copy = strdup(list), *save = NULL;
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", what);
        return false;
    }
    bool ok = true;
    for (char *p = strtok_r(copy, ":", &save); ok && p; p = strtok_r(NULL, ":", &save))
        ok = load(ctx, p, err, errlen);
    free(copy);
    return ok;
}
