#!/usr/bin/env bash
# scripts/train.sh: the full training run of framefit's three networks.
#
# Two jobs side by side, one core each (one BLAS thread each):
#   core A: the face detector (models/face.cfg), then its fine-tune with
#           a wider roll and a lower learning rate (models/face_tune.cfg,
#           starting from the first run's weights, in models/ckpt/tune)
#   core B: the eye regressor, then the eye refiner (eyes.cfg, refine.cfg)
# Checkpoints go to models/ckpt/ every 100 iterations; run the script
# again after an interruption and every stage resumes where it stopped
# (a finished stage returns at once). When all three are done the final
# weights are copied into models/ and `framefit evaluate` scores them.
#
# Environment (for tests/integration/test_train.sh's short run; the
# defaults are the real training):
#   FRAMEFIT        the framefit binary (build/release/src/framefit)
#   FF_CKPT         the checkpoint folder (models/ckpt)
#   FF_MODELS_OUT   where the final weights, their cfgs and the
#                   evaluation line go (models)
#   FF_TRAIN_ARGS   more arguments for every stage, e.g. "--max-iter 3"
#   FF_EVAL_ARGS    more arguments for the evaluation, e.g. "--limit 20"
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${FRAMEFIT:-build/release/src/framefit}
ck=${FF_CKPT:-models/ckpt}
out=${FF_MODELS_OUT:-models}
read -r -a more <<< "${FF_TRAIN_ARGS:-}"
read -r -a emore <<< "${FF_EVAL_ARGS:-}"
mkdir -p "$ck" "$out"
export OPENBLAS_NUM_THREADS=1

mkdir -p "$ck/tune"
( "$bin" train face --ckpt "$ck" --snap-every 500 "${more[@]}" >/dev/null 2>>"$ck/face.log" &&
  "$bin" train face --cfg models/face_tune.cfg --init "$ck/face.weights" \
	--ckpt "$ck/tune" --snap-every 500 "${more[@]}" >/dev/null 2>>"$ck/tune/face.log" ) &
a=$!
( "$bin" train eyes --ckpt "$ck" --snap-every 500 "${more[@]}" >/dev/null 2>>"$ck/eyes.log" &&
  "$bin" train refine --ckpt "$ck" --snap-every 500 "${more[@]}" >/dev/null 2>>"$ck/refine.log" ) &
b=$!
# The trainers run inside subshells: signal them, not just the subshells,
# so each writes its checkpoint; an interrupted stage exits 3, which stops
# its chain before the next stage starts on half-trained weights.
# Wait for the two chains only (the log tail below ends with the script),
# then exit 3 like a stopped `framefit train`.
t=
stop() {
	pkill -INT -P "$a,$b" 2>/dev/null || true
	wait "$a" "$b" || true
	[ -z "$t" ] || kill "$t" 2>/dev/null || true
	echo "train.sh: stopped; every stage kept its checkpoint: run it again to resume" >&2
	exit 3
}
trap stop INT TERM
# The progress lines. $t is tail itself (grep reads it through a process
# substitution and ends when it does): killing the grep alone would leave
# tail waiting for lines forever. --pid ends it also when this script is
# killed outright, within a second.
tail -q -n0 -F --pid=$$ "$ck/face.log" "$ck/tune/face.log" "$ck/eyes.log" \
	"$ck/refine.log" 2>/dev/null > >(grep --line-buffered -E '^(face|eyes|refine) ') &
t=$!
ra=0; wait $a || ra=$?
rb=0; wait $b || rb=$?
kill $t 2>/dev/null || true
[ $ra -eq 0 ] && [ $rb -eq 0 ] || { echo "train.sh: a stage failed (see $ck/*.log)" >&2; exit 1; }
cp "$ck/tune/face.weights" "$out/face.weights"
for s in eyes refine; do cp "$ck/$s.weights" "$out/$s.weights"; done
# The detector reads each network's cfg beside its weights; the face net
# runs with face.cfg (face_tune.cfg differs only in training keys).
[ "$out" -ef models ] || cp models/face.cfg models/eyes.cfg models/refine.cfg "$out/"
sha256sum "$out"/*.weights
"$bin" evaluate --models "$out" --json "$out/evaluations.jsonl" "${emore[@]}"
