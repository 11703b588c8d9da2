#!/usr/bin/env bash
# scripts/loso.sh: the eye stages trained with one source left out and
# tested on it (issue 16), beside a control trained on every source with
# the same budget. A held-out source is a new source's stand-in: the
# validation split shares its sources with training, and overstates
# accuracy on photos from elsewhere.
#
#   scripts/loso.sh [PART...]        (default: caltech mtfl-lfw mtfl-net all)
#
# PART is a source part (dataset.h) to leave out, or "all" for the
# control that leaves nothing out. For each, in turn, on one core:
#   1. `framefit train eyes` then `framefit train refine`, with
#      --exclude-source PART, for FF_LOSO_ITER iterations each, the
#      learning-rate steps scaled from the shipped schedule (3/4 and 9/10
#      of the way), into $FF_LOSO_DIR/PART (resumable: run it again);
#   2. a models folder $FF_LOSO_DIR/PART/models: the shipped face network
#      with these eye networks. The face detector is not retrained here
#      (it would cost two hours a part): the figures that do not depend on
#      it are the labelled-box ones (the eye stages fed the labelled face
#      boxes) and the eye errors of found faces;
#   3. `framefit evaluate --source PART --held-out` (every photo of the
#      part, none of which training read) and `--source PART` (its
#      validation split, comparable with the control's), appended to
#      $FF_LOSO_DIR/results.jsonl with the part and the budget.
# Last, a table of what results.jsonl holds.
#
# Environment:
#   FRAMEFIT        the framefit binary (build/release/src/framefit)
#   FF_LOSO_ITER    iterations per stage (3000; the shipped model had 8000)
#   FF_LOSO_DIR     checkpoints and results (models/ckpt/loso)
#   FF_LOSO_SNAP    keep a snapshot every N iterations (500), for
#                   scripts/curve.sh's accuracy against training time
#   FF_TRAIN_ARGS   more arguments for every stage, e.g. "--minutes 1"
#   FF_EVAL_ARGS    more arguments for every evaluation, e.g. "--limit 50"
# Exits 3 when a stage stopped early (a signal, --minutes): run it again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/eye_stages.sh
. scripts/eye_stages.sh
bin=${FRAMEFIT:-build/release/src/framefit}
iter=${FF_LOSO_ITER:-3000}
snap=${FF_LOSO_SNAP:-500}
dir=${FF_LOSO_DIR:-models/ckpt/loso}
read -r -a more <<< "${FF_TRAIN_ARGS:-}"
read -r -a emore <<< "${FF_EVAL_ARGS:-}"
export OPENBLAS_NUM_THREADS=1
[ $# -gt 0 ] || set -- caltech mtfl-lfw mtfl-net all
mkdir -p "$dir/cfg"

# The shipped cfgs with max_batches and steps scaled to the budget.
for s in eyes refine; do
	sed -e "s/^max_batches=.*/max_batches=$iter/" \
	    -e "s/^steps=.*/steps=$((iter * 3 / 4)),$((iter * 9 / 10))/" \
	    "models/$s.cfg" > "$dir/cfg/$s.cfg.$$"
	mv "$dir/cfg/$s.cfg.$$" "$dir/cfg/$s.cfg"	# another run may be reading it
done

for part in "$@"; do
	ck=$dir/$part
	ex=()
	[ "$part" = all ] || ex=(--exclude-source "$part")
	eye_stages "$bin" "$dir/cfg" "$ck" "" --snap-every "$snap" "${ex[@]}" "${more[@]}"
	evals=()
	if [ "$part" = all ]; then
		evals=("")
	else
		evals=("--source $part --held-out" "--source $part")
	fi
	for e in "${evals[@]}"; do
		read -r -a ea <<< "$e"
		line=$("$bin" evaluate --models "$ck/models" "${ea[@]}" "${emore[@]}")
		printf '{"loso":"%s","iterations":%d,%s\n' "$part" "$iter" "${line#\{}" \
			>> "$dir/results.jsonl"
	done
done

python3 - "$dir/results.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("%-9s %-7s %-9s %6s %6s %6s %7s %7s %7s %7s" % ("left out", "iters", "tested on",
      "e<=.05", "e<=.10", "box.10", "eyemean", "along", "down", "faces"))
for r in rows:
    for part, q in r["by_source"].items():
        where = part + (" all" if r.get("held_out") else " val")
        print("%-9s %-7d %-13s %6.1f %6.1f %6.1f %7.4f %7.4f %7.4f %5d" % (
            r["loso"], r["iterations"], where, 100 * q["e_le_0.05"], 100 * q["e_le_0.10"],
            100 * q["labelled_box_e_le_0.10"], q["eye_mean"], q["eye_along_in"],
            q["eye_down"], q["target_faces"]))
EOF
