#!/usr/bin/env bash
# scripts/tune_eyes.sh: fine-tune the shipped eye stages (models/eyes.*,
# models/refine.*) with the current training recipe, and score the result
# beside the shipped model on the measures of issue 16.
#
#   scripts/tune_eyes.sh            train (resumable), then score
#   scripts/tune_eyes.sh --install  copy the tuned weights into models/
#
# The recipe is what `framefit train` does today: labels moved to
# framefit's pixel centres (dataset.h ds_label_centre) and to one eye
# centre across the source parts (ds_label_convention), the degradations
# and the turned gazes of degrade.h, and faces in glasses drawn more often
# (train.h TRAIN_GLASSES_WEIGHT). A fine-tune starts from the shipped
# weights at a tenth of the first run's learning rate, so it costs a
# fraction of a full run (scripts/train.sh) and keeps what that learnt.
# Each stage runs FF_TUNE_ITER iterations on one core, checkpointed into
# $FF_TUNE_DIR (run the script again after an interruption). The face
# network is not touched.
#
# Scores (each for the shipped and the tuned model, same binary, same
# sitting), appended to $FF_TUNE_DIR/results.jsonl and shown as a table:
#   val       the validation split, whole photos
#   crop45    each target face alone in a 150 px crop, eyes 45 px apart
#             (evaluate --crop 45), the shape of the outside set
#   gaze+/-   the gaze turned 0.08 eye distances either way, labels
#             unmoved (evaluate --gaze): eye_mid_along(gaze+) minus
#             eye_mid_along(gaze-), over 0.16, is the share of the turn
#             the eyes followed; 0 is the frame's ideal (the frame sits on
#             the eye opening), 1 follows the pupil
# "shipped" is the models/ folder the run started from: the script
# records its weights' checksums in $FF_TUNE_DIR/start.sha and refuses to
# go on if they changed (after --install, say); remove $FF_TUNE_DIR to
# tune again. A run costs about 25 minutes of training and 5 of scoring
# on one core.
#
# Environment:
#   FRAMEFIT        the framefit binary (build/release/src/framefit)
#   FF_TUNE_ITER    iterations per stage (2000)
#   FF_TUNE_DIR     checkpoints and results (models/ckpt/tune-eyes)
#   FF_TUNE_SNAP    keep a snapshot every N iterations (250), for
#                   scripts/curve.sh run
#   FF_TRAIN_ARGS   more arguments for both stages, e.g. "--max-iter 3"
#   FF_EVAL_ARGS    more arguments for every evaluation, e.g. "--limit 50"
# Exits 3 when a stage stopped early (a signal, --minutes): run it again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/eye_stages.sh
. scripts/eye_stages.sh
bin=${FRAMEFIT:-build/release/src/framefit}
iter=${FF_TUNE_ITER:-2000}
snap=${FF_TUNE_SNAP:-250}
dir=${FF_TUNE_DIR:-models/ckpt/tune-eyes}
read -r -a more <<< "${FF_TRAIN_ARGS:-}"
read -r -a emore <<< "${FF_EVAL_ARGS:-}"
export OPENBLAS_NUM_THREADS=1
mkdir -p "$dir/cfg" "$dir/models"

case ${1:-} in
''|--install) ;;
*) echo "usage: scripts/tune_eyes.sh [--install]" >&2; exit 2 ;;
esac
if [ "${1:-}" = --install ]; then
	for s in eyes refine; do
		[ -s "$dir/models/$s.weights" ] || { echo "tune_eyes.sh: no tuned $s weights in $dir" >&2; exit 1; }
	done
	for s in eyes refine; do
		cp "$dir/models/$s.weights" "models/$s.weights.tmp"
		mv "models/$s.weights.tmp" "models/$s.weights"
	done
	echo "tune_eyes.sh: installed; \`$bin evaluate\` scores the models folder"
	exit 0
fi

# The run starts from the shipped weights, and scores against them.
sha=$(cat models/eyes.weights models/refine.weights | sha256sum | cut -d' ' -f1)
if [ ! -s "$dir/start.sha" ]; then
	echo "$sha" > "$dir/start.sha"
elif [ "$(cat "$dir/start.sha")" != "$sha" ]; then
	echo "tune_eyes.sh: models/ changed since $dir started from it; remove $dir to tune again" >&2
	exit 1
fi

# The shipped cfgs with the fine-tune's schedule.
for s in eyes refine; do
	sed -e "s/^max_batches=.*/max_batches=$iter/" \
	    -e "s/^learning_rate=.*/learning_rate=0.001/" \
	    -e "s/^burn_in=.*/burn_in=100/" \
	    -e "s/^steps=.*/steps=$((iter * 3 / 4)),$((iter * 9 / 10))/" \
	    "models/$s.cfg" > "$dir/cfg/$s.cfg"
done
eye_stages "$bin" "$dir/cfg" "$dir" shipped --snap-every "$snap" "${more[@]}"

for m in shipped tuned; do
	md=models
	[ $m = shipped ] || md=$dir/models
	for t in val crop45 gaze+ gaze-; do
		case $t in
		val) ea=() ;;
		crop45) ea=(--crop 45) ;;
		gaze+) ea=(--gaze 0.08) ;;
		gaze-) ea=(--gaze -0.08) ;;
		esac
		line=$("$bin" evaluate --models "$md" "${ea[@]}" "${emore[@]}")
		printf '{"which":"%s","test":"%s","iterations":%d,%s\n' "$m" "$t" "$iter" "${line#\{}" \
			>> "$dir/results.jsonl"
	done
done

python3 - "$dir/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = {}
for r in rows:
    last[(r["which"], r["test"])] = r
print("%-8s %-7s %-16s %6s %6s %6s %7s %7s %7s" % ("model", "test", "id", "found", "e<=.05",
      "e<=.10", "eyemean", "down", "mid"))
for (w, t), r in sorted(last.items(), key=lambda k: (k[0][1], k[0][0])):
    print("%-8s %-7s %-16s %6.1f %6.1f %6.1f %7.4f %7.4f %7.4f" % (w, t, r["model"],
          100 * r["target_found"], 100 * r["e_le_0.05"], 100 * r["e_le_0.10"],
          r["eye_mean"], r["eye_down"], r["eye_mid_along"]))
PY
