#!/usr/bin/env bash
# scripts/worn.sh: the eye stages on worn faces. Each target face of the
# validation split is cut alone into a 150 px crop with its eyes 45 px
# apart (evaluate --crop 45: the outside set's shape) and then worn as a
# worse camera or an upload service would (evaluate --blur, --shrink,
# --jpeg: the degradations training uses, degrade.h):
#
#   sharp       no wear
#   shrink1.5   scaled down and back up: eyes 30 px apart, enlarged
#   shrink2.25  ... 20 px apart
#   shrink3     ... 15 px apart
#   blur1       Gaussian blur, sigma 1 px
#   blur2       sigma 2 px
#   jpeg50      JPEG round trip at quality 50
#   jpeg20      ... at quality 20
#   thumb       a 20 px face, enlarged, then JPEG at quality 50
#
#   scripts/worn.sh [MODELS_DIR ...]    (default: models)
#
# Every folder is scored at every wear in one sitting with one binary;
# the rows are appended to $FF_WORN_OUT and the table is printed.
# Environment: FRAMEFIT (build/release/src/framefit), FF_WORN_OUT
# (models/ckpt/worn.jsonl), FF_WORN_WEARS (some of the wears above, e.g.
# "sharp thumb"), FF_EVAL_ARGS (more evaluate arguments, e.g.
# "--limit 50").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${FRAMEFIT:-build/release/src/framefit}
out=${FF_WORN_OUT:-models/ckpt/worn.jsonl}
read -r -a emore <<< "${FF_EVAL_ARGS:-}"
wears=${FF_WORN_WEARS:-sharp shrink1.5 shrink2.25 shrink3 blur1 blur2 jpeg50 jpeg20 thumb}
export OPENBLAS_NUM_THREADS=1
for w in $wears; do
	case $w in
	sharp|shrink1.5|shrink2.25|shrink3|blur1|blur2|jpeg50|jpeg20|thumb) ;;
	*) echo "worn.sh: no wear called $w in FF_WORN_WEARS" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || set -- models
for d in "$@"; do
	[ -s "$d/eyes.weights" ] || { echo "usage: scripts/worn.sh [MODELS_DIR ...] ($d has no eyes.weights)" >&2; exit 2; }
	case $d in *'"'*|*'\'*) echo "worn.sh: $d: a folder name with a quote or a backslash" >&2; exit 2 ;; esac
done
mkdir -p "$(dirname "$out")"
: > "$out.run"
trap 'rm -f "$out.run"' EXIT
for d in "$@"; do
	for w in $wears; do
		case $w in
		sharp) wa=() ;;
		shrink*) wa=(--shrink "${w#shrink}") ;;
		blur*) wa=(--blur "${w#blur}") ;;
		jpeg*) wa=(--jpeg "${w#jpeg}") ;;
		thumb) wa=(--shrink 2.25 --jpeg 50) ;;
		esac
		line=$("$bin" evaluate --models "$d" --crop 45 "${wa[@]}" "${emore[@]}")
		printf '{"models_dir":"%s","wear":"%s",%s\n' "$d" "$w" "${line#\{}" | tee -a "$out" >> "$out.run"
	done
done
python3 - "$out.run" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("%-11s %-16s %6s %6s %6s %7s %7s" % ("wear", "model", "found", "e<=.05", "e<=.10",
      "median", "eyemean"))
for r in rows:
    print("%-11s %-16s %6.1f %6.1f %6.1f %7.4f %7.4f" % (r["wear"], r["model"],
          100 * r["target_found"], 100 * r["e_le_0.05"], 100 * r["e_le_0.10"],
          r["e_median"], r["eye_mean"]))
PY
