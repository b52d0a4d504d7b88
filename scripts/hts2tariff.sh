#!/bin/bash
# hts2tariff.sh - convert a (partial) US HTS export to breakwater's tariff TSV format.
#
# Usage: scripts/hts2tariff.sh products_raw.csv [FROM_DATE] > US-hts10.tsv
#
# Input: the reference data's us-hts/products_raw.csv (Budget Lab at Yale
# tariff-rate-tracker, from the USITC HTS): columns hts10, base_rate,
# base_rate_raw, ch99_refs, n_ch99_refs, description. The file starts with a
# UTF-8 byte order mark, every field is double-quoted, some quoted fields hold
# newlines, and the cent sign is mojibake ("Â¢", bytes C3 82 C2 A2, for "¢").
#
# Output (stdout): the header of data/tariffs/README.md, then one row per
# 10-digit line that carries a rate in base_rate_raw:
#   "Free"                      -> ad_valorem 0
#   "6.8%"                      -> ad_valorem 6.8
#   "2.4¢/kg", "$1.646/kg"      -> specific, per kg, in USD (cents / 100)
#   "6.5¢/kg + 5%" (any order)  -> sum of the two
# Every other rate (per dozen, each, litre, pair, "on drained weight",
# "of total sugars", text, more than two parts...) is skipped with a "#" line
# naming the line and the reason. Lines without a rate (statistical suffixes
# under a rated 8-digit line) are not output at all. A summary goes to stderr.
# Only the MFN (column 1 general) base rate is converted; chapter 99
# additional duties are not.
#
# FROM_DATE (default 2025-01-01) is written in the "from" column: the date the
# HTS edition the file was taken from applies. Needs only bash and a POSIX awk
# (mawk on a bare Debian 12 is enough); runs in the C locale, byte-wise.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 products_raw.csv [FROM_DATE]" >&2
    exit 2
fi
in=$1
from=${2:-2025-01-01}
if [ ! -r "$in" ]; then
    echo "$0: cannot read $in" >&2
    exit 1
fi
if ! [[ $from =~ ^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$ ]]; then
    echo "$0: FROM_DATE must be YYYY-MM-DD, got '$from'" >&2
    exit 2
fi

export LC_ALL=C
exec awk -v from="$from" -v src="$in" '
function trim(s) { sub(/^[ \t\r\n]+/, "", s); sub(/[ \t\r\n]+$/, "", s); return s }
# one line of text for a note: no tabs, newlines, control bytes; mojibake fixed
function clean(s,   r) {
    gsub(MOJI, CENT, s)
    s = unmoji(s)
    gsub(C1, " ", s)
    gsub(CTRL, " ", s)
    gsub(/  +/, " ", s)
    return trim(s)
}
# Undo double encoding (UTF-8 read as Windows-1252, written again as UTF-8):
# map every character back to its cp1252 byte; keep the result only if it is
# valid UTF-8. Strings that do not fit (e.g. genuine UTF-8) are returned as is.
function unmoji(s,   i, L, b, cp, n, k, out, c) {
    if (s !~ /[\200-\377]/ && index(s, sprintf("%c", 195)) == 0 && index(s, sprintf("%c", 194)) == 0) return s
    out = ""; L = length(s)
    for (i = 1; i <= L; i++) {
        b = ORD[substr(s, i, 1)]
        if (b < 128) { out = out substr(s, i, 1); continue }
        if (b >= 194 && b <= 223) { n = 1; cp = b - 192 }
        else if (b >= 224 && b <= 239) { n = 2; cp = b - 224 }
        else return s
        if (i + n > L) return s
        for (k = 1; k <= n; k++) {
            c = ORD[substr(s, i + k, 1)]
            if (c < 128 || c > 191) return s
            cp = cp * 64 + (c - 128)
        }
        i += n
        if (cp < 256) out = out CHR[cp]
        else if (cp in W1252) out = out CHR[W1252[cp]]
        else return s
    }
    return validutf8(out) ? out : s
}
function validutf8(s,   i, L, b, n, k, c) {
    L = length(s)
    for (i = 1; i <= L; i++) {
        b = ORD[substr(s, i, 1)]
        if (b < 128) continue
        if (b >= 194 && b <= 223) n = 1; else if (b >= 224 && b <= 239) n = 2; else if (b >= 240 && b <= 244) n = 3; else return 0
        if (i + n > L) return 0
        for (k = 1; k <= n; k++) { c = ORD[substr(s, i + k, 1)]; if (c < 128 || c > 191) return 0 }
        i += n
    }
    return 1
}
function isdec(s) { return s ~ /^(0|[1-9][0-9]*)(\.[0-9]+)?$/ }
# normalise "06.50" -> "6.5", ".5" -> "0.5"; returns "" if not a decimal number
function normdec(s,   ip, fp, p) {
    if (s !~ /^[0-9]*(\.[0-9]*)?$/ || s == "" || s == ".") return ""
    p = index(s, ".")
    if (p) { ip = substr(s, 1, p - 1); fp = substr(s, p + 1) } else { ip = s; fp = "" }
    sub(/^0+/, "", ip); if (ip == "") ip = "0"
    sub(/0+$/, "", fp)
    s = (fp == "") ? ip : ip "." fp
    return isdec(s) ? s : ""
}
# cents (decimal string) -> dollars (decimal string), exact: move the point two places left
function cents2usd(s,   ip, fp, p) {
    s = normdec(s); if (s == "") return ""
    p = index(s, ".")
    if (p) { ip = substr(s, 1, p - 1); fp = substr(s, p + 1) } else { ip = s; fp = "" }
    while (length(ip) < 3) ip = "0" ip
    return normdec(substr(ip, 1, length(ip) - 2) "." substr(ip, length(ip) - 1) fp)
}
# parse one rate component; sets PK ("av" or "kg") and PV; returns 1 if understood
function part(s,   v) {
    s = trim(s)
    if (s == "Free") { PK = "av"; PV = "0"; return 1 }
    if (s ~ /^[0-9.]+ ?%$/) { sub(/ ?%$/, "", s); v = normdec(s); if (v == "") return 0; PK = "av"; PV = v; return 1 }
    if (index(s, CENT "/kg") && substr(s, length(s) - length(CENT "/kg") + 1) == CENT "/kg") {
        v = substr(s, 1, length(s) - length(CENT "/kg")); v = trim(v)
        v = cents2usd(v); if (v == "") return 0
        PK = "kg"; PV = v; return 1
    }
    if (s ~ /^\$[0-9.]+ ?\/ ?kg$/) { v = s; sub(/^\$/, "", v); sub(/ ?\/ ?kg$/, "", v); v = normdec(v); if (v == "") return 0; PK = "kg"; PV = v; return 1 }
    return 0
}
function skip(h, raw, why) {
    nskip++; reason[why]++
    print "# skipped " h " \"" clean(raw) "\": " why
}
# split the CSV record in REC into F[1..NF_]; returns the number of fields
function splitcsv(rec,   i, c, n, inq, f, L) {
    n = 1; f = ""; inq = 0; L = length(rec)
    for (i = 1; i <= L; i++) {
        c = substr(rec, i, 1)
        if (inq) {
            if (c == "\"") {
                if (substr(rec, i + 1, 1) == "\"") { f = f "\""; i++ } else inq = 0
            } else f = f c
        } else if (c == ",") { F[n++] = f; f = "" }
        else if (c == "\"") inq = 1
        else f = f c
    }
    F[n] = f
    return n
}
function handle(rec,   n, h, raw, desc, np, parts, i, av, kg, bad, comb, note) {
    nrec++
    n = splitcsv(rec)
    if (nrec == 1) {
        if (substr(F[1], 1, 3) == BOM) F[1] = substr(F[1], 4)   # UTF-8 byte order mark
        for (i = 1; i <= n; i++) col[trim(F[i])] = i
        if (!("hts10" in col) || !("base_rate_raw" in col) || !("description" in col)) {
            print "hts2tariff: " src ": header lacks hts10, base_rate_raw or description" > "/dev/stderr"
            bad_header = 1; exit 1
        }
        return
    }
    if (n < col["description"] || n < col["base_rate_raw"] || n < col["hts10"]) { nmal++; print "# skipped malformed CSV record " nrec; return }
    h = trim(F[col["hts10"]]); raw = F[col["base_rate_raw"]]; desc = F[col["description"]]
    if (h !~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/) { nmal++; print "# skipped record " nrec ": hts10 is not 10 digits"; return }
    gsub(MOJI, CENT, raw)
    raw = trim(raw); gsub(/[\r\n\t]+/, " ", raw); raw = trim(raw)
    if (raw == "") { nempty++; return }
    if (h ~ /^9[89]/) { skip(h, raw, "US special classification provision (chapters 98-99), not an HS code"); return }
    if (h in seen) { skip(h, raw, "duplicate hts10"); return }
    seen[h] = 1
    np = split(raw, parts, "+")
    av = ""; kg = ""; bad = ""
    if (np > 2) bad = "more than two rate components"
    for (i = 1; i <= np && bad == ""; i++) {
        if (!part(parts[i])) {
            bad = (parts[i] ~ /kg/) ? "specific rate on a base other than net kg (component, drained weight, sugars...)" : \
                  (parts[i] ~ CENT || parts[i] ~ /\$/) ? "specific rate per unit other than kg" : "rate text not understood"
        } else if (PK == "av") { if (av != "") bad = "two ad valorem components"; else av = PV }
        else { if (kg != "") bad = "two specific components"; else kg = PV }
    }
    if (bad != "") { skip(h, raw, bad); return }
    if (av != "" && kg != "") comb = "sum"
    else if (av != "") comb = "ad_valorem"
    else comb = "specific"
    note = clean(desc)
    if (note == "") note = "HTS " h
    note = note "; HTSUS " clean(raw) " (column 1 general, MFN base; chapter 99 not included)"
    print h "\t" from "\t\t" av "\t" kg "\t" (kg != "" ? "kg" : "") "\t" comb "\t" note
    nout++; ncomb[comb]++
}
BEGIN {
    CENT = sprintf("%c%c", 194, 162)
    MOJI = sprintf("%c%c%c%c", 195, 130, 194, 162)
    BOM = sprintf("%c%c%c", 239, 187, 191)
    CTRL = "[" sprintf("%c", 1) "-" sprintf("%c", 31) sprintf("%c", 127) "]"
    C1 = sprintf("%c", 194) "[" sprintf("%c", 128) "-" sprintf("%c", 159) "]"   # U+0080-U+009F
    for (i = 1; i < 256; i++) { CHR[i] = sprintf("%c", i); ORD[CHR[i]] = i }
    split("8364 128 8218 130 402 131 8222 132 8230 133 8224 134 8225 135 710 136 8240 137 352 138 8249 139 338 140 381 142 " \
          "8216 145 8217 146 8220 147 8221 148 8226 149 8211 150 8212 151 732 152 8482 153 353 154 8250 155 339 156 382 158 376 159", wt, " ")
    for (i = 1; i in wt; i += 2) W1252[wt[i] + 0] = wt[i + 1] + 0
    print "hs\tfrom\tto\tad_valorem_pct\tspecific\tper\tcombine\tnote"
    print "# US HTS 10-digit lines converted by scripts/hts2tariff.sh from " src
    print "# MFN (column 1 general) base rates only; chapter 99 additional duties (Section 301/232, IEEPA 2025...) are NOT included."
    print "# Specific rates in cents were converted to USD; only per-kg specific rates are kept; others are skipped below."
    buf = ""; have = 0
}
{
    sub(/\r$/, "")
    if (have) buf = buf "\n" $0; else { buf = $0; have = 1 }
    tmp = buf; q = gsub(/"/, "", tmp)
    if (q % 2 == 0) { handle(buf); buf = ""; have = 0 }
}
END {
    if (bad_header) exit 1
    if (have) { nmal++; print "# skipped unterminated CSV record at end of file" }
    printf "hts2tariff: %d rows (%d ad_valorem, %d specific, %d sum); %d skipped; %d lines without a rate; %d malformed records\n", \
        nout, ncomb["ad_valorem"], ncomb["specific"], ncomb["sum"], nskip, nempty, nmal > "/dev/stderr"
    for (r in reason) printf "hts2tariff:   skipped %d: %s\n", reason[r], r > "/dev/stderr"
}' "$in"
