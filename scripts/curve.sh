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
#
#   scripts/curve.sh run DIR LIMIT SERIES
#               the eye cascade of one run of scripts/loso.sh or
#               scripts/tune_eyes.sh, in the order it trained: eye network
#               snapshot N alone (evaluate --no-refine), then the finished
#               eye network with refiner snapshot N; minutes count both
#               stages, so the curve steps up where the refiner joins.
#               Also writes its rows, named SERIES, into models/curves.tsv
#               (replacing that series' rows), which
#               scripts/plot_curves.py draws.
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
minutes() { awk -F, -v n="$2" '$1 == n { printf "%.1f", $2 / 60; exit }' "$1"; }
get() { printf '%s' "$j" | sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"; }
row() {	# row N MINUTES: score the models in $tmp, print (and keep) the row
	j=$("$bin" evaluate --models "$tmp" --limit "$limit" "${eargs[@]}" | tail -1) ||
		{ echo "curve.sh: framefit evaluate failed on $1" >&2; exit 1; }
	awk -v n="$1" -v m="$2" \
	    -v found="$(get target_found)" -v e05="$(get e_le_0.05)" -v e10="$(get e_le_0.10)" \
	    -v med="$(get e_median)" -v o10="$(get labelled_box_e_le_0.10)" 'BEGIN {
		printf "| %s | %s | %.1f %% | %.1f %% | %.1f %% | %.3f | %.1f %% |\n",
		    n, m, found * 100, e05 * 100, e10 * 100, med, o10 * 100 }'
	[ -z "${series:-}" ] || awk -v s="$series" -v n="$1" -v m="$2" \
	    -v found="$(get target_found)" -v e05="$(get e_le_0.05)" -v e10="$(get e_le_0.10)" \
	    -v o10="$(get labelled_box_e_le_0.10)" 'BEGIN {
		printf "%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\n",
		    s, n, m, found * 100, e05 * 100, e10 * 100, o10 * 100 }' >> models/curves.tsv
}
if [ "$stage" = run ]; then
	run=${2:?curve.sh run DIR LIMIT SERIES}
	run=$(cd "$run" && pwd)
	limit=${3:-0}
	series=${4:?curve.sh run DIR LIMIT SERIES}
	[ -s "$run/eyes.weights" ] && [ -s "$run/refine.weights" ] ||
		{ echo "curve.sh: $run has not finished both eye stages" >&2; exit 1; }
	# A series is scored once: a rerun replaces its rows.
	awk -F'\t' -v s="$series" '$1 != s' models/curves.tsv > "$tmp/curves.tsv"
	cat "$tmp/curves.tsv" > models/curves.tsv
	eargs=(--no-refine)
	echo "| iteration | minutes | found | e<=0.05 | e<=0.10 | median e | e<=0.10 (labelled boxes) |"
	echo '|---|---|---|---|---|---|---|'
	for n in $(ls "$run"/eyes_*.weights 2>/dev/null | sed 's/.*eyes_\([0-9]*\).weights/\1/' | sort -n); do
		ln -sf "$run/eyes_$n.weights" "$tmp/eyes.weights"
		row "eyes $n" "$(minutes "$run/eyes.csv" "$n")"
	done
	eyes_min=$(awk -F, 'END { printf "%.1f", $2 / 60 }' "$run/eyes.csv")
	ln -sf "$run/eyes.weights" "$tmp/eyes.weights"
	eargs=()
	for n in $(ls "$run"/refine_*.weights 2>/dev/null | sed 's/.*refine_\([0-9]*\).weights/\1/' | sort -n); do
		ln -sf "$run/refine_$n.weights" "$tmp/refine.weights"
		row "refine $n" "$(awk -v a="$eyes_min" -v b="$(minutes "$run/refine.csv" "$n")" 'BEGIN { printf "%.1f", a + b }')"
	done
	exit 0
fi
eargs=()
case $stage in
both|face) dir=$ck; net=face ;;
eyes) dir=$ck; net=eyes ;;
tune) dir=$ck/tune; net=face ;;
*) echo "curve.sh: STAGE must be both, face, eyes or tune" >&2; exit 2 ;;
esac
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
	row "$n" "$m"
done
