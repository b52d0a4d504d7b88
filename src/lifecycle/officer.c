/*
 * officer.c - an officer's actions on held declarations (officer.h).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "officer.h"

static const struct {
    const char *verb;
    bw_lc_action action;
} VERBS[] = {
    {"release", BW_ACT_RELEASED}, {"refuse", BW_ACT_REFUSED},   {"seize", BW_ACT_SEIZED},
    {"return", BW_ACT_RETURNED_TO_SENDER}, {"destroy", BW_ACT_DESTROYED}, {"hold", BW_ACT_HELD},
};

bool bw_lc_officer_verb(const char *verb, bw_lc_action *out)
{
    for (size_t i = 0; verb && i < sizeof VERBS / sizeof VERBS[0]; i++)
        if (!strcmp(VERBS[i].verb, verb)) {
            *out = VERBS[i].action;
            return true;
        }
    return false;
}

static bool fields(json_object *o, const char **reason, const char **hold, char *err, size_t errlen)
{
    json_object_object_foreach(o, key, val) {
        const char **dst = !strcmp(key, "reason") ? reason : !strcmp(key, "hold_reason") ? hold : NULL;
        if (!dst) {
            snprintf(err, errlen, "%.60s: not a member of an action (reason, hold_reason)", key);
            return false;
        }
        if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) == 0 ||
            json_object_get_string_len(val) > 1000) {
            snprintf(err, errlen, "%s: must be a string of 1 to 1000 characters", key);
            return false;
        }
        *dst = json_object_get_string(val);
    }
    return true;
}

bool bw_lc_action_body(const char *json, size_t n, bw_arena *arena, bw_transition *t, char *err, size_t errlen)
{
    const char *reason = NULL, *hold = NULL;
    json_object *o = NULL;
    bool ok = false;
    while (n && (json[n - 1] == ' ' || json[n - 1] == '\n' || json[n - 1] == '\r' || json[n - 1] == '\t'))
        n--;
    if (n) {
        json_tokener *tok = json_tokener_new();
        o = json_tokener_parse_ex(tok, json, (int)n);
        bool complete = json_tokener_get_error(tok) == json_tokener_success;
        json_tokener_free(tok);
        if (!o || !complete || !json_object_is_type(o, json_type_object)) {
            snprintf(err, errlen, "the body must be a JSON object {\"reason\": \"...\"}");
            goto out;
        }
        if (!fields(o, &reason, &hold, err, errlen))
            goto out;
    }
    if (!reason && t->action != BW_ACT_RELEASED) {
        snprintf(err, errlen, "reason: required (say why, for the record)");
        goto out;
    }
    t->reason = BW_HOLD_NONE;
    if (t->action == BW_ACT_HELD) {
        int r = bw_hold_reason_parse(hold);
        if (r <= 0 || r == BW_HOLD_DO_NOT_LOAD) {
            snprintf(err, errlen, "hold_reason: required for hold, one of inspection, documents, payment, oga, quota");
            goto out;
        }
        t->reason = (bw_hold_reason)r;
    } else if (hold) {
        snprintf(err, errlen, "hold_reason: only for hold");
        goto out;
    }
    bw_buf d = {0};
    bw_buf_putc(&d, '{');
    if (t->reason)
        bw_buf_printf(&d, "\"reason\":\"%s\"%s", bw_hold_reason_names[t->reason], reason ? "," : "");
    if (reason) {
        bw_buf_puts(&d, t->reason ? "\"note\":" : "\"reason\":");
        bw_buf_put_json_str(&d, reason, strlen(reason));
    }
    bw_buf_putc(&d, '}');
    t->detail = d.n > 2 ? bw_arena_strdup(arena, d.p, d.n) : NULL;
    bw_buf_free(&d);
    ok = true;
out:
    json_object_put(o);
    return ok;
}

bool bw_lc_parse_age(const char *s, int64_t *seconds)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    long long v = strtoll(s, &end, 10);
    int64_t unit = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
                 : !strcmp(end, "d") ? 86400 : 0;
    if (end == s || unit == 0 || v < 0 || v > 100LL * 365 * 86400)
        return false;
    *seconds = v * unit;
    return true;
}
