#!/usr/bin/env bash
# scripts/curve.sh: accuracy against training time, for the model card.
#
# For every snapshot iteration N kept by `framefit train` (face_N, eyes_N),
# evaluate the cascade face_N + eyes_N + the final refiner on the
# validation split, and print one table row: minutes each stage had
# trained at N (from models/ckpt/*.csv), then the scores.
# Usage: scripts/curve.sh [LIMIT]   (LIMIT photos per evaluation, 0 = all)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${FRAMEFIT:-build/release/src/framefit}
limit=${1:-0}
ck=models/ckpt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in face eyes refine; do ln -s "$top/models/$s.cfg" "$tmp/$s.cfg"; done
ln -s "$top/$ck/refine.weights" "$tmp/refine.weights"
minutes() { awk -F, -v n="$2" '$1 == n { printf "%.1f", $2 / 60; exit }' "$ck/$1.csv"; }
get() { printf '%s' "$j" | sed -n "s/.*\"$1\":\([-0-9.]*\).*/\1/p"; }
echo '| iteration | face min | eyes min | found | e<=0.05 | e<=0.10 | median e | e<=0.10 (labelled boxes) |'
echo '|---|---|---|---|---|---|---|---|'
for f in $(ls "$ck"/face_*.weights | sed 's/.*face_\([0-9]*\).weights/\1/' | sort -n); do
	[ -f "$ck/eyes_$f.weights" ] || continue
	ln -sf "$top/$ck/face_$f.weights" "$tmp/face.weights"
	ln -sf "$top/$ck/eyes_$f.weights" "$tmp/eyes.weights"
	j=$("$bin" evaluate --models "$tmp" --limit "$limit" 2>/dev/null | tail -1)
	awk -v n="$f" -v fm="$(minutes face "$f")" -v em="$(minutes eyes "$f")" \
	    -v found="$(get target_found)" -v e05="$(get e_le_0.05)" -v e10="$(get e_le_0.10)" \
	    -v med="$(get e_median)" -v o10="$(get labelled_box_e_le_0.10)" 'BEGIN {
		printf "| %s | %s | %s | %.1f %% | %.1f %% | %.1f %% | %.3f | %.1f %% |\n",
		    n, fm, em, found * 100, e05 * 100, e10 * 100, med, o10 * 100 }'
done
