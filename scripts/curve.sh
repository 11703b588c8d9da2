#!/usr/bin/env bash
# scripts/curve.sh: accuracy against training time, for the model card.
#
# Usage: scripts/curve.sh [STAGE] [LIMIT]
#   STAGE both  (default) snapshot N of the face and the eye network
#               together (face_N + eyes_N), as the two cores trained them
#               side by side; the other networks are the shipped ones.
#   STAGE face | eyes | tune
#               snapshot N of that stage alone (tune: the face network's
#               fine-tune, models/ckpt/tune/face_N); the other networks
#               are the shipped ones, so the row shows what that stage's
#               training bought.
#   LIMIT       validation photos per evaluation (0 = all; the model
#               card uses 700, about 25 s per row on one core).
# Prints one table row per snapshot: the minutes the stage had trained at
# N (from its .csv), then the scores of `framefit evaluate`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${FRAMEFIT:-build/release/src/framefit}
stage=${1:-both}
limit=${2:-0}
ck=models/ckpt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in face eyes refine; do
	ln -s "$top/models/$s.cfg" "$tmp/$s.cfg"
	ln -s "$top/models/$s.weights" "$tmp/$s.weights"
done
case $stage in
both|face) dir=$ck; net=face ;;
eyes) dir=$ck; net=eyes ;;
tune) dir=$ck/tune; net=face ;;
*) echo "curve.sh: STAGE must be both, face, eyes or tune" >&2; exit 2 ;;
esac
minutes() { awk -F, -v n="$2" '$1 == n { printf "%.1f", $2 / 60; exit }' "$1"; }
get() { printf '%s' "$j" | sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"; }
echo "| $stage iteration | minutes | found | e<=0.05 | e<=0.10 | median e | e<=0.10 (labelled boxes) |"
echo '|---|---|---|---|---|---|---|'
for n in $(ls "$dir"/${net}_*.weights 2>/dev/null | sed "s/.*${net}_\([0-9]*\).weights/\1/" | sort -n); do
	ln -sf "$top/$dir/${net}_$n.weights" "$tmp/$net.weights"
	m=$(minutes "$dir/$net.csv" "$n")
	if [ "$stage" = both ]; then
		[ -f "$ck/eyes_$n.weights" ] || continue
		ln -sf "$top/$ck/eyes_$n.weights" "$tmp/eyes.weights"
		m="$m / $(minutes "$ck/eyes.csv" "$n")"
	fi
	j=$("$bin" evaluate --models "$tmp" --limit "$limit" 2>/dev/null | tail -1)
	awk -v n="$n" -v m="$m" \
	    -v found="$(get target_found)" -v e05="$(get e_le_0.05)" -v e10="$(get e_le_0.10)" \
	    -v med="$(get e_median)" -v o10="$(get labelled_box_e_le_0.10)" 'BEGIN {
		printf "| %s | %s | %.1f %% | %.1f %% | %.1f %% | %.3f | %.1f %% |\n",
		    n, m, found * 100, e05 * 100, e10 * 100, med, o10 * 100 }'
done
