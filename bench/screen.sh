#!/usr/bin/env bash
# screen.sh - how fast `breakwater screen` matches goods descriptions against
# a 10,000-term prohibited and restricted goods list, next to grep -F on
# the same descriptions and terms.
#
# The list is the shipped one (data/screening) plus synthetic but realistic
# terms (designer drugs, drug-like names, counterfeit offers, wildlife parts,
# ammunition) written to a temporary file and loaded the way a deployment
# adds its own lists, through $BREAKWATER_SCREENING.  The descriptions are
# those of `breakwater gen`.  Everything runs on one core.
#
# grep does no normalization (no transliteration, no digit-for-letter, no
# spelled-out words): it does less work than breakwater and finds less.
#
#   bench/screen.sh                 (after `make breakwater`)
#   BW=path/to/breakwater SCREEN_DECLARATIONS=100000 SCREEN_KEEP=/tmp/x bench/screen.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BW=${BW:-$top/breakwater}
decls=${SCREEN_DECLARATIONS:-200000}
terms_wanted=${SCREEN_TERMS:-10000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export BREAKWATER_DATA=${BREAKWATER_DATA:-$top/data}
unset BREAKWATER_SCREENING
one_core() { taskset -c 0 "$@" 2>/dev/null || "$@"; }

# ---- descriptions: every item of the generated declarations ------------------------
"$BW" gen --count "$decls" --seed 1 | grep -o '"description":"[^"]*"' | cut -d'"' -f4 > "$T/desc.txt"
n=$(wc -l < "$T/desc.txt")

# ---- the list: shipped entries + synthetic ones up to $terms_wanted ---------------
"$BW" screen --terms-out "$T/shipped.txt"
shipped=$(wc -l < "$T/shipped.txt")
need=$((terms_wanted - shipped))
awk 'BEGIN {
    np = split("4-fluoro 3-fluoro 2-fluoro 4-chloro 3-chloro 4-bromo 4-methyl 3-methyl 4-methoxy 2-methoxy " \
               "n-ethyl n-methyl n-propyl n-isopropyl alpha beta para meta ortho 3,4-dimethyl 5-meo 4-ho 4-aco " \
               "1p 1cp 1v ethyl methyl dimethyl diethyl", pre, " ")
    ns = split("pvp php mmc mec cathinone pentedrone hexedrone butylone methylone eutylone pentylone " \
               "tryptamine dmt lsd nbome amphetamine methamphetamine phenidate ketamine deschloroketamine " \
               "fentanyl acetylfentanyl nitazene etonitazene benzodiazepine phencyclidine methoxetamine mdpv " \
               "bk-mdma mda mdea 2c-b 2c-i dob doi ephedrine cathine pyrovalerone", stem, " ")
    for (i = 1; i <= np; i++) for (j = 1; j <= ns; j++) print pre[i] "-" stem[j]
    nsy = split("tra ze ma lo vi cor fen dex pro zol bu ka mi no ri", syl, " ")
    nsu = split("zepam zolam afil codone morphone tanyl profen mycin cillin statin sartan pril done xetine", suf, " ")
    for (i = 1; i <= nsy; i++) for (j = 1; j <= nsy; j++) for (k = 1; k <= nsu; k++) print syl[i] syl[j] suf[k]
    nm = split("replica|1:1|aaa|mirror quality|super copy|fake|counterfeit|knockoff", mod, "|")
    nb = split("rolex omega cartier patek audemars hublot breitling tag gucci prada chanel hermes dior fendi " \
               "balenciaga versace burberry celine goyard bottega nike jordan yeezy adidas off-white supreme " \
               "moncler canada-goose louboutin ray-ban oakley apple airpods beats dyson lego pandora tiffany " \
               "bulgari montblanc", brand, " ")
    ni = split("watch watches bag handbag wallet belt sneakers shoes jacket hoodie earrings bracelet necklace " \
               "sunglasses perfume", item, " ")
    for (i = 1; i <= nm; i++) for (j = 1; j <= nb; j++) for (k = 1; k <= ni; k++) print mod[i] " " brand[j] " " item[k]
    nsp = split("elephant rhino tiger leopard pangolin bear shark turtle tortoise crocodile python cobra " \
                "saiga musk-deer pangolin totoaba sturgeon seahorse gorilla orangutan macaw cockatoo " \
                "hornbill snow-leopard lion jaguar cheetah ocelot otter eagle falcon owl", sp, " ")
    npt = split("bone tooth claw skin scale scales horn tusk bile gallbladder fin shell feather skull " \
                "powder wine carving leather", part, " ")
    for (i = 1; i <= nsp; i++) for (j = 1; j <= npt; j++) print sp[i] " " part[j]
    nc = split("9mm 5.56 7.62x39 .45-acp 12-gauge .308 .22-lr 10mm .380 .40-s&w .50-bmg 6.5-creedmoor", cal, " ")
    nw = split("ammo ammunition rounds bullets brass magazine barrel suppressor upper lower conversion-kit " \
               "solvent-trap", what, " ")
    for (i = 1; i <= nc; i++) for (j = 1; j <= nw; j++) print cal[i] " " what[j]
}' | tr '-' ' ' | sort -u > "$T/synthetic.txt"
{
    printf 'id\tkind\tarea\tmatch\tpattern\tlanguage\tjurisdictions\tscore\tlane\tvalid_from\tvalid_to\tnote\n'
    grep -vxF -f "$T/shipped.txt" "$T/synthetic.txt" | head -n "$need" |
        awk '{ printf "bench.%d\trestricted\tbench\ttext\t%s\ten\t*\t10\t\t\t\tsynthetic\n", NR, $0 }'
} > "$T/extra.tsv"
export BREAKWATER_SCREENING=$T/extra.tsv
"$BW" screen --terms-out "$T/terms.txt"
# SCREEN_KEEP=DIR keeps the list and the descriptions for a closer look
if [ -n "${SCREEN_KEEP:-}" ]; then cp "$T/terms.txt" "$T/desc.txt" "$T/extra.tsv" "$SCREEN_KEEP/"; fi
terms=$(wc -l < "$T/terms.txt")

# ---- timing ------------------------------------------------------------------------
seconds() { # command...: wall seconds of the best of three runs
    local best="" s e t
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        "$@" > /dev/null 2>&1 || true
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}
rate() { echo "$1 / $2" | bc -l | awk '{ printf "%.0f", $1 }'; }

load=$(seconds one_core "$BW" screen /dev/null)
full=$(seconds one_core "$BW" screen "$T/desc.txt")
scan=$(echo "$full - $load" | bc -l)
# normalized as far as tr can: lower case, other characters to single spaces
tr 'A-Z' 'a-z' < "$T/desc.txt" | tr -cs 'a-z0-9\n' ' ' > "$T/desc.norm"
grep_i=$(seconds one_core env LC_ALL=C grep -F -i -f "$T/terms.txt" "$T/desc.txt")
grep_w=$(seconds one_core env LC_ALL=C grep -F -w -f "$T/terms.txt" "$T/desc.norm")
hits=$("$BW" screen "$T/desc.txt" 2>&1 >/dev/null | sed 's/^screen: //')
grep_lines=$(LC_ALL=C grep -c -F -w -f "$T/terms.txt" "$T/desc.norm" || true)

printf 'screening: breakwater %s descriptions/s, grep -F -i -f %s descriptions/s, grep -F -w -f (normalized by tr) %s descriptions/s (%s terms, %s descriptions, one core)\n' \
    "$(rate "$n" "$scan")" "$(rate "$n" "$grep_i")" "$(rate "$n" "$grep_w")" "$terms" "$n"
printf 'screening: breakwater list load and compile %.2f s; %s\n' "$load" "$hits"
printf 'screening: grep -F -w found %s lines with a term; grep does no transliteration, digit-for-letter or spelled-out matching\n' \
    "$grep_lines"
