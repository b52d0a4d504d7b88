/*
 * config.c - the server's settings: defaults, --config FILE (JSON), --listen.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http.h"

void bw_http_config_defaults(bw_http_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->port = 8080;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = cores > 0 ? (unsigned)cores : 2;
    c->max_body_bytes = 16u << 20;
    c->max_connections = 1024;
    c->request_timeout_s = 30;
    c->rate_per_s_default = 100;
}

bool bw_http_parse_listen(bw_http_config *c, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    char *end;
    if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof c->listen_host)
        return false;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return false;
    memcpy(c->listen_host, arg, (size_t)(colon - arg));
    c->listen_host[colon - arg] = 0;
    c->port = (unsigned)port;
    return true;
}

/* A positive whole number in the config, or the default when absent. */
static bool number(json_object *o, const char *key, int64_t min, int64_t max, int64_t *out, char *err,
                   size_t errlen, const char *path)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return true;
    int64_t n = json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_int) || n < min || n > max) {
        snprintf(err, errlen, "%s: \"%s\" must be a whole number %lld-%lld", path, key, (long long)min,
                 (long long)max);
        return false;
    }
    *out = n;
    return true;
}

bool bw_http_config_load(bw_http_config *c, const char *path, char *err, size_t errlen)
{
    static const char *const keys[] = {"listen", "threads", "max_body_bytes", "max_connections",
                                       "request_timeout_s", "rate_per_s_default", NULL};
    json_object *o = json_object_from_file(path);
    if (!o || !json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "%s: not a JSON object (%s)", path, json_util_get_last_err());
        json_object_put(o);
        return false;
    }
    bool ok = true;
    json_object_object_foreach(o, k, v) {
        (void)v;
        bool known = false;
        for (int i = 0; keys[i]; i++)
            known |= !strcmp(k, keys[i]);
        if (!known && ok) {
            snprintf(err, errlen, "%s: unknown key \"%s\"", path, k);
            ok = false;
        }
    }
    int64_t threads = c->threads, body = (int64_t)c->max_body_bytes, conns = c->max_connections,
            timeout = c->request_timeout_s, rate = c->rate_per_s_default;
    ok = ok && number(o, "threads", 1, 256, &threads, err, errlen, path) &&
         number(o, "max_body_bytes", 1024, (int64_t)1 << 34, &body, err, errlen, path) &&
         number(o, "max_connections", 1, 1000000, &conns, err, errlen, path) &&
         number(o, "request_timeout_s", 1, 3600, &timeout, err, errlen, path) &&
         number(o, "rate_per_s_default", 0, 1000000000, &rate, err, errlen, path);
    json_object *l;
    if (ok && json_object_object_get_ex(o, "listen", &l) &&
        (!json_object_is_type(l, json_type_string) || !bw_http_parse_listen(c, json_object_get_string(l)))) {
        snprintf(err, errlen, "%s: \"listen\" must be \"HOST:PORT\"", path);
        ok = false;
    }
    if (ok) {
        c->threads = (unsigned)threads;
        c->max_body_bytes = (size_t)body;
        c->max_connections = (unsigned)conns;
        c->request_timeout_s = (unsigned)timeout;
        c->rate_per_s_default = rate;
    }
    json_object_put(o);
    return ok;
}
