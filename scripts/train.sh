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
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bin=${FRAMEFIT:-build/release/src/framefit}
ck=models/ckpt
mkdir -p "$ck"
export OPENBLAS_NUM_THREADS=1

mkdir -p "$ck/tune"
( "$bin" train face --ckpt "$ck" --snap-every 500 >/dev/null 2>>"$ck/face.log" &&
  "$bin" train face --cfg models/face_tune.cfg --init "$ck/face.weights" \
	--ckpt "$ck/tune" --snap-every 500 >/dev/null 2>>"$ck/tune/face.log" ) &
a=$!
( "$bin" train eyes --ckpt "$ck" --snap-every 500 >/dev/null 2>>"$ck/eyes.log" &&
  "$bin" train refine --ckpt "$ck" --snap-every 500 >/dev/null 2>>"$ck/refine.log" ) &
b=$!
# The trainers run inside subshells: signal them, not just the subshells,
# so each writes its checkpoint; an interrupted stage exits 3, which stops
# its chain before the next stage starts on half-trained weights.
trap 'pkill -INT -P "$a,$b" 2>/dev/null; wait' INT TERM
tail -q -n0 -F "$ck/face.log" "$ck/tune/face.log" "$ck/eyes.log" "$ck/refine.log" 2>/dev/null | grep --line-buffered -E '^(face|eyes|refine) ' &
t=$!
ra=0; wait $a || ra=$?
rb=0; wait $b || rb=$?
kill $t 2>/dev/null || true
[ $ra -eq 0 ] && [ $rb -eq 0 ] || { echo "train.sh: a stage failed (see $ck/*.log)" >&2; exit 1; }
cp "$ck/tune/face.weights" models/face.weights
for s in eyes refine; do cp "$ck/$s.weights" "models/$s.weights"; done
sha256sum models/*.weights
"$bin" evaluate --json models/evaluations.jsonl
