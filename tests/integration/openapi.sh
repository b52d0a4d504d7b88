#!/usr/bin/env bash
# docs/openapi.yaml against the server's route table: the set of
# (METHOD, PATH) pairs in the document must equal `$BW routes`, and every
# operation must have an operationId, an x-roles list of known roles, a 401
# response (a bad key is 401 everywhere, public endpoints included), and a
# 403 response unless every role may call it.  bash + awk only (no YAML
# parser): it relies on the layout rules written at the top of the YAML.
# Run by tests/run.sh (BW set there); by hand: BW=$PWD/breakwater bash tests/integration/openapi.sh
set -euo pipefail
BW=${BW:?set BW to the breakwater binary}
top=${BW_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
spec=${OPENAPI_YAML:-$top/docs/openapi.yaml}
T=${BW_TMP:-$(mktemp -d)}/openapi
mkdir -p "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$spec" ] || fail "$spec not found"

roles_all="platform vendor express postal forwarder broker officer analyst admin oga"
roles_known=" $roles_all public "

# ---- the document: one OP line per operation, BAD lines for layout breaks ----
# OP <TAB> METHOD PATH <TAB> operationId <TAB> roles (space-separated) <TAB> status codes ("-" = none)
awk '
function flush() {
    if (method != "")
        printf "OP\t%s %s\t%s\t%s\t%s\n", method, path, nz(opid), nz(roles), nz(codes)
    method = ""; opid = ""; roles = ""; codes = ""; inresp = 0
}
function nz(s) { return s == "" ? "-" : s }   # bash read collapses empty tab fields
function bad(msg) { printf "BAD\t%s:%d: %s\n", FILENAME, FNR, msg }
function unquote(s) { gsub(/^["\047]|["\047]$/, "", s); return s }
/^paths:[[:space:]]*$/ { inpaths = 1; seen = 1; next }
!inpaths { next }
/^[[:space:]]*(#.*)?$/ { next }                       # blank and comment lines
/\t/ { bad("tab character in the paths section") }
/^[^ ]/ { flush(); inpaths = 0; next }                 # next top-level key ends paths
/^  [^ ]/ {
    flush()
    path = $0; sub(/^  /, "", path); sub(/:[[:space:]]*$/, "", path); path = unquote(path)
    if (path !~ /^\//) bad("path key at 2 spaces does not start with /: " path)
    next
}
/^    [^ ]/ {
    flush()
    m = $0; sub(/^    /, "", m); sub(/:[[:space:]]*$/, "", m)
    if (m !~ /^(get|put|post|delete|patch|head|options|trace)$/) {
        bad("only lower-case HTTP methods may sit at 4 spaces under a path, found: " m); next
    }
    method = toupper(m)
    next
}
/^      [^ ]/ {
    inresp = 0
    if (method == "") next
    line = $0; sub(/^      /, "", line)
    if (line ~ /^operationId:/) {
        v = line; sub(/^operationId:[[:space:]]*/, "", v); sub(/[[:space:]]+#.*$/, "", v); sub(/[[:space:]]+$/, "", v)
        opid = unquote(v)
    } else if (line ~ /^x-roles:/) {
        v = line; sub(/^x-roles:[[:space:]]*/, "", v); sub(/[[:space:]]+#.*$/, "", v)
        if (v !~ /^\[.*\][[:space:]]*$/) { bad("x-roles must be a one-line flow list [a, b]"); next }
        gsub(/[][,"\047]/, " ", v); gsub(/[[:space:]]+/, " ", v); sub(/^ /, "", v); sub(/ $/, "", v)
        roles = v
    } else if (line ~ /^responses:[[:space:]]*$/) {
        inresp = 1
    }
    next
}
inresp && /^        [^ ]/ {
    c = $0; sub(/^ +/, "", c); sub(/:.*$/, "", c); c = unquote(c)
    codes = codes (codes == "" ? "" : " ") c
    next
}
END {
    flush()
    if (!seen) bad("no top-level paths: key")
}
' "$spec" > "$T/ops" || fail "awk failed on $spec"

if grep -q '^BAD' "$T/ops"; then
    echo "docs/openapi.yaml breaks the layout rules (see the comment at its top):" >&2
    grep '^BAD' "$T/ops" | cut -f2- | sed 's/^/  /' >&2
    exit 1
fi
grep -q '^OP' "$T/ops" || fail "no operations found in $spec"

problems=()
declare -A opids=()
while IFS=$'\t' read -r _ route opid roles codes; do
    [ "$opid" = - ] && opid=
    [ "$codes" = - ] && codes=
    [ -n "$opid" ] || problems+=("$route: no operationId")
    if [ -n "$opid" ]; then
        [ -z "${opids[$opid]:-}" ] || problems+=("$route: operationId $opid also used by ${opids[$opid]}")
        opids[$opid]=$route
    fi
    if [ -z "$roles" ] || [ "$roles" = "-" ]; then
        problems+=("$route: no x-roles list (or an empty one)")
        continue
    fi
    for r in $roles; do
        case "$roles_known" in *" $r "*) ;; *) problems+=("$route: x-roles names unknown role '$r'") ;; esac
    done
    codes=" $codes "
    case "$codes" in *" 401 "*) ;; *) problems+=("$route: no '401' response (a malformed, unknown or revoked key is 401 on every endpoint)") ;; esac
    everyone=1
    for r in $roles_all; do
        case " $roles " in *" $r "*) ;; *) everyone=0 ;; esac
    done
    if [ "$everyone" -eq 0 ]; then
        case "$codes" in *" 403 "*) ;; *) problems+=("$route: x-roles [$roles] excludes some roles but there is no '403' response") ;; esac
    fi
done < <(grep '^OP' "$T/ops")

cut -f2 "$T/ops" | LC_ALL=C sort > "$T/doc.all"
LC_ALL=C sort -u "$T/doc.all" > "$T/doc"
dups=$(LC_ALL=C uniq -d "$T/doc.all")
[ -z "$dups" ] || problems+=("listed twice in the document: $dups")

# ---- the server's route table ------------------------------------------------
set +e
"$BW" routes > "$T/routes.raw" 2> "$T/routes.err"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    echo "FAIL: '$BW routes' exited $rc:" >&2
    sed 's/^/  /' "$T/routes.err" >&2
    exit 1
fi
tr -d '\r' < "$T/routes.raw" | awk '
    /^[[:space:]]*$/ { next }
    NF != 2 || $1 !~ /^[A-Za-z]+$/ || $2 !~ /^\// { printf "BAD\t%s\n", $0; next }
    { print toupper($1) " " $2 }
' > "$T/routes.all"
if grep -q '^BAD' "$T/routes.all"; then
    problems+=("'breakwater routes' printed lines that are not 'METHOD /PATH':")
    while IFS=$'\t' read -r _ l; do problems+=("    $l"); done < <(grep '^BAD' "$T/routes.all")
fi
grep -v '^BAD' "$T/routes.all" | LC_ALL=C sort > "$T/routes.sorted" || true
LC_ALL=C sort -u "$T/routes.sorted" > "$T/routes"
[ -s "$T/routes" ] || problems+=("'breakwater routes' printed no routes")
rdups=$(LC_ALL=C uniq -d "$T/routes.sorted")
[ -z "$rdups" ] || problems+=("printed twice by 'breakwater routes': $rdups")

only_doc=$(LC_ALL=C comm -23 "$T/doc" "$T/routes")
only_srv=$(LC_ALL=C comm -13 "$T/doc" "$T/routes")
if [ -n "$only_doc" ]; then
    problems+=("in docs/openapi.yaml but not served (missing from 'breakwater routes'):")
    while IFS= read -r l; do problems+=("    $l"); done <<< "$only_doc"
fi
if [ -n "$only_srv" ]; then
    problems+=("served ('breakwater routes') but not in docs/openapi.yaml:")
    while IFS= read -r l; do problems+=("    $l"); done <<< "$only_srv"
fi

if [ ${#problems[@]} -gt 0 ]; then
    echo "FAIL: docs/openapi.yaml and the server disagree:" >&2
    printf '  %s\n' "${problems[@]}" >&2
    exit 1
fi
echo "openapi: $(wc -l < "$T/doc") operations, document and 'breakwater routes' agree"
