#!/bin/bash
# test_train.sh: `framefit train` and scripts/train.sh on the real photos,
# a few iterations each, so the promises of the training pipeline are
# checked on every run, not only when someone spends two hours on it:
#   A. a stage writes its weights, its state (the iteration) and one CSV
#      row per iteration, and exits 0 at its last iteration;
#   B. run again, it resumes there and has nothing left to do;
#   C. stopped by --minutes it exits 3 (not finished) with a checkpoint,
#      and the next run resumes from it and finishes;
#   D. stopped by SIGINT in the middle, the same: exit 3, the state agrees
#      with the CSV, and the checkpoint loads;
#   E. scripts/train.sh stopped by SIGTERM: it signals its trainers,
#      each writes its checkpoint, nothing is copied, no process is left,
#      and it exits 3;
#   F. scripts/tune_eyes.sh, a few iterations: it fine-tunes from the
#      shipped weights without touching models/, and scores both models
#      on the whole photos, on 150 px crops (evaluate --crop) and with the
#      gaze turned either way (evaluate --gaze).
#      It also scores worn crops (--blur, refusals) and splits MTFL's
#      targets by glasses.
#   G. the eye-centre conventions dataset.c moves each part's labels by
#      are what scripts/eye_patches.py reads from the photos today.
# (A whole scripts/train.sh run takes about two hours: models/README.md.)
# Nothing here touches models/: the checkpoints and the copy go under
# var/test-train/. Prints "N passed, M failed" last.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$root/tests/integration/lib.sh"
test_env train framefit_traintest
export OPENBLAS_NUM_THREADS=1
[ -x "$cli" ] || bail "no $cli: build first"
[ -d "$faces" ] || bail "no photos at $faces"
rm -rf "$work"
mkdir -p "$tmp"

state() { [ -s "$1/$2.state" ] && cut -d' ' -f1 "$1/$2.state"; }
rows() { [ -s "$1/$2.csv" ] && wc -l < "$1/$2.csv" | tr -d ' '; }
train() {	# train LOG ARGS...: framefit train, stderr to LOG; $? is its exit
	local log=$1
	shift
	"$cli" train "$@" --data "$faces" >/dev/null 2>"$log"
}

# ---- A. a short stage ----
a=$work/a
train "$tmp/a1.err" refine --ckpt "$a" --max-iter 4
check_eq "A: a finished stage exits 0" "$?" 0
check_eq "A: its state is at the last iteration" "$(state "$a" refine)" 4
check_eq "A: one CSV row per iteration" "$(rows "$a" refine)" 4
if [ -s "$a/refine.weights" ]; then ok "A: weights written"; else nok "A: weights written"; fi
check_grep "A: progress shows loss, images/s and ETA" \
	'^refine 4/4 loss [0-9.]+ \(avg [0-9.]+\) lr [0-9.]+ [0-9]+ img/s trained [0-9.]+ min ETA 0\.0 min' "$tmp/a1.err"
ls "$a"/*.tmp >/dev/null 2>&1 && nok "A: no temporary file left" "$(ls "$a")" ||
	ok "A: no temporary file left"

"$cli" train eyes --gaze 2,0.1 --ckpt "$work/bad" --data "$faces" >/dev/null 2>"$tmp/bad.err"
check_eq "A: a turned-gaze share over 1 is refused" "$?" 1
check_grep "A: and the refusal says what --gaze takes" 'gaze takes a share of 0 to 1' "$tmp/bad.err"
"$cli" train eyes --glasses 11 --ckpt "$work/bad" --data "$faces" >/dev/null 2>"$tmp/bad.err"
check_eq "A: a glasses weight over 10 is refused" "$?" 1
# MTFL flags faces in glasses: by default (TRAIN_GLASSES_WEIGHT) each is
# drawn as three faces; --glasses 1 draws it as one.
train "$tmp/g1.err" refine --ckpt "$work/g1" --max-iter 1 --glasses 1
check_eq "A: a stage with --glasses 1 exits 0" "$?" 0
draws() { sed -n 's/.* faces decoded in .* s, drawn as \([0-9]*\)$/\1/p' "$1"; }
faces() { sed -n 's/.* photos, \([0-9]*\) faces decoded.*/\1/p' "$1"; }
n3=$(draws "$tmp/a1.err") n1=$(draws "$tmp/g1.err")
check_eq "A: with --glasses 1 every face is drawn once" "$n1" "$(faces "$tmp/g1.err")"
# The training split's faces in glasses (MTFL's 15th field is 1), eyes
# at least 12 px apart as the eye stages keep them.
ng=$(python3 - "$faces" <<'PY'
import sys
def val(name):	# dataset.c ds_is_val: FNV-1a of the root-relative name
    h = 2166136261
    for ch in name.encode():
        h = ((h ^ ch) * 16777619) & 0xffffffff
    return h % 100 < 12
n = 0
for line in open(sys.argv[1] + "/mtfl/annotations.txt"):
    t = line.split()
    if not t or t[0].startswith("#") or t[15] != "1" or val("mtfl/images/" + t[0]):
        continue
    lx, ly, rx, ry = (float(v) for v in t[3:7])
    n += ((rx - lx) ** 2 + (ry - ly) ** 2) ** 0.5 >= 12
print(n)
PY
)
check_eq "A: by default every face in glasses is drawn three times" "$((n3 - n1))" "$((2 * ng))"

# ---- B. again: nothing left ----
sum=$(sha256sum < "$a/refine.weights")
train "$tmp/b.err" refine --ckpt "$a" --max-iter 4
check_eq "B: a finished stage run again exits 0" "$?" 0
check_grep "B: it resumes at its last iteration" 'resuming refine at iteration 4 ' "$tmp/b.err"
check_eq "B: no iteration added" "$(rows "$a" refine)" 4
check_eq "B: the weights are the same" "$(sha256sum < "$a/refine.weights")" "$sum"

# ---- C. --minutes ----
train "$tmp/c1.err" refine --ckpt "$a" --max-iter 8 --minutes 0.0001
check_eq "C: stopped by --minutes, exit 3" "$?" 3
check_eq "C: the checkpoint is at the iteration it stopped" "$(state "$a" refine)" 5
train "$tmp/c2.err" refine --ckpt "$a" --max-iter 8
check_eq "C: the next run finishes, exit 0" "$?" 0
check_grep "C: it resumed at the checkpoint" 'resuming refine at iteration 5 ' "$tmp/c2.err"
check_eq "C: state at the last iteration" "$(state "$a" refine)" 8
check_eq "C: one CSV row per iteration over both runs" "$(rows "$a" refine)" 8

# ---- D. SIGINT in the middle ----
d=$work/d
"$cli" train eyes --data "$faces" --ckpt "$d" --max-iter 100000 >/dev/null 2>"$tmp/d1.err" &
pid=$!
for _ in $(seq 1200); do
	[ "$(rows "$d" eyes 2>/dev/null || echo 0)" -ge 3 ] 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
kill -INT $pid
wait $pid
check_eq "D: stopped by SIGINT, exit 3" "$?" 3
n=$(state "$d" eyes)
check_re "D: a checkpoint was written" "$n" '^[0-9]+$'
check_eq "D: the state agrees with the CSV" "$n" "$(rows "$d" eyes)"
train "$tmp/d2.err" eyes --ckpt "$d" --max-iter $((n + 1))
check_eq "D: the checkpoint loads and the stage finishes" "$?" 0
check_grep "D: it resumed there" "resuming eyes at iteration $n " "$tmp/d2.err"

# ---- E. scripts/train.sh stopped ----
export FRAMEFIT=$cli FF_CKPT=$work/ck FF_MODELS_OUT=$work/models
export FF_TRAIN_ARGS="--max-iter 100000 --data $faces"
# TERM, not INT: a script started with & ignores SIGINT (no job control).
"$root/scripts/train.sh" >"$tmp/f2.out" 2>&1 &
pid=$!
for _ in $(seq 1200); do
	[ "$(rows "$FF_CKPT" eyes)" -ge 4 ] 2>/dev/null &&
	    [ "$(rows "$FF_CKPT" face)" -ge 1 ] 2>/dev/null && break
	sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
check_eq "E: a stopped train.sh exits 3, like a stopped stage" "$rc" 3
check_grep "E: and says how to resume" 'run it again to resume' "$tmp/f2.out"
for s in face eyes; do
	check_grep "E: the $s trainer got the signal and checkpointed" "$s stopped at iteration" "$FF_CKPT/$s.log"
done
check_eq "E: its state agrees with the CSV" "$(state "$FF_CKPT" eyes)" "$(rows "$FF_CKPT" eyes)"
if [ -e "$FF_MODELS_OUT/face.weights" ]; then nok "E: nothing copied after an interruption"; else
	ok "E: nothing copied after an interruption"; fi
sleep 0.5
if pgrep -f -- "$FF_CKPT" >/dev/null; then nok "E: no trainer or log tail left running" "$(pgrep -af -- "$FF_CKPT")"
else ok "E: no trainer or log tail left running"; fi

# ---- F. scripts/tune_eyes.sh ----
before=$(cat "$root"/models/*.weights | sha256sum)
FF_TUNE_ITER=3 FF_TUNE_DIR=$work/tune FF_TRAIN_ARGS="--data $faces" \
	FF_EVAL_ARGS="--limit 40 --data $faces" "$root/scripts/tune_eyes.sh" >"$tmp/t.out" 2>&1
check_eq "F: tune_eyes.sh exits 0" "$?" 0
check_grep "F: the eye stage started from the shipped weights" 'Loading weights from models/eyes.weights' "$work/tune/eyes.log"
check_eq "F: both stages at their last iteration" "$(state "$work/tune" eyes) $(state "$work/tune" refine)" "3 3"
check_eq "F: models/ untouched" "$(cat "$root"/models/*.weights | sha256sum)" "$before"
res=$work/tune/results.jsonl
check_eq "F: eight scores (two models, four tests)" "$(wc -l < "$res" | tr -d ' ')" 8
out=$(python3 - "$res" <<'PY'
import json, sys
r = {(j["which"], j["test"]): j for j in map(json.loads, open(sys.argv[1]))}
s, t = r[("shipped", "val")], r[("tuned", "val")]
print("ids", s["model"] != t["model"])
print("crop", r[("shipped", "crop45")].get("crop_iod"), r[("shipped", "crop45")].get("crop_side"))
print("gaze", r[("shipped", "gaze+")].get("gaze"), r[("shipped", "gaze-")].get("gaze"))
# The same photos turned right then left: the found eyes move right more.
print("follows", r[("shipped", "gaze+")]["eye_mid_along"] > r[("shipped", "gaze-")]["eye_mid_along"])
print("keys", all("eye_mid_along" in q for q in s["by_source"].values()))
PY
)
check_grep "F: the tuned model has its own id" '^ids True' <(echo "$out")
check_grep "F: the crop test cuts 150 px crops, eyes 45 px apart" '^crop 45 150' <(echo "$out")
check_grep "F: the gaze tests turn the gaze both ways" '^gaze 0.08 -0.08' <(echo "$out")
check_grep "F: eyes found under a gaze turned right sit right of those turned left" '^follows True' <(echo "$out")
check_grep "F: every source has the midpoint offset" '^keys True' <(echo "$out")
check_grep "F: the table is printed" '^shipped +gaze\+ ' "$tmp/t.out"
# MTFL flags glasses: its target faces split into those without and with.
"$cli" evaluate --source mtfl-net --limit 120 --data "$faces" --models "$root/models" >"$tmp/gl.json"
check_eq "F: evaluate of one part exits 0" "$?" 0
check_eq "F: by_glasses splits MTFL's targets into without and with" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
g = d["by_glasses"]
print(g["no"]["target_faces"] + g["yes"]["target_faces"] == d["target_faces"],
      g["no"]["target_faces"] > 0, g["yes"]["target_faces"] > 0)' "$tmp/gl.json")" "True True True"
"$cli" evaluate --source caltech --limit 20 --data "$faces" --models "$root/models" >"$tmp/gc.json"
check_eq "F: Caltech labels no glasses: by_glasses is empty" "$(python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))["by_glasses"]
print(g["no"]["target_faces"], g["yes"]["target_faces"], g["no"]["e_median"])' "$tmp/gc.json")" "0 0 -1.0"
# Worn crops: refused without --crop or with a word for a number; a hard
# blur costs accuracy on the same faces.
for bad in "--blur 1" "--crop 45 --shrink abc" "--crop 45 --shrink 1" "--crop 45 --jpeg 0"; do
	# shellcheck disable=SC2086
	"$cli" evaluate $bad --limit 5 --data "$faces" >/dev/null 2>"$tmp/w.err"
	check_eq "F: evaluate $bad is refused" "$?" 1
done
check_grep "F: and the refusal says what the wear options take" 'shrink takes a factor over 1' "$tmp/w.err"
for w in sharp blur; do
	wa=()
	[ $w = blur ] && wa=(--blur 3)
	"$cli" evaluate --crop 45 "${wa[@]}" --limit 60 --data "$faces" --models "$root/models" >"$tmp/$w.json"
done
check_eq "F: a 3 px blur on the crops raises the mean eye error" "$(python3 -c '
import json, sys
s, b = (json.load(open(f)) for f in sys.argv[1:3])
print(b["eye_mean"] > s["eye_mean"], b.get("blur"), "blur" in s)' "$tmp/sharp.json" "$tmp/blur.json")" "True 3.0 False"
"$root/scripts/tune_eyes.sh" --help >/dev/null 2>&1
check_eq "F: an unknown argument is a usage error, not a run" "$?" 2
# A run that started from other weights than models/ holds now (installed
# since, say) refuses to score them as "shipped".
echo 0000 > "$work/tune/start.sha"
FF_TUNE_DIR=$work/tune FF_TRAIN_ARGS="--data $faces" "$root/scripts/tune_eyes.sh" >"$tmp/t2.out" 2>&1
check_eq "F: a run whose models/ changed stops" "$?" 1
check_grep "F: and says to start again" 'remove .* to tune again' "$tmp/t2.out"

# ---- G. the eye-centre conventions ----
"$root/scripts/eye_patches.py" --data "$faces" --png "$tmp/eyes.png" >"$tmp/g.out" 2>&1
check_eq "G: eye_patches.py exits 0" "$?" 0
check_eq "G: it draws the mean eyes" "$(head -c 8 "$tmp/eyes.png" | od -An -tx1 | tr -d ' ')" 89504e470d0a1a0a
out=$(python3 - "$tmp/g.out" "$root/src/vision/dataset.c" <<'PY'
import re, sys
read = {}
for line in open(sys.argv[1]):
    t = line.split("\t")
    if len(t) == 4 and t[0] in ("caltech", "mtfl-lfw", "mtfl-net"):
        read[t[0]] = (int(t[1]), float(t[2]), float(t[3]))
print("read", read)
names = {"CALTECH": "caltech", "LFW": "mtfl-lfw", "NET": "mtfl-net"}
table = {names[m.group(1)]: (float(m.group(2)), float(m.group(3))) for m in re.finditer(
    r"\[DS_PART_(\w+)\] = \{ ([-+0-9.]+)f, ([-+0-9.]+)f \}", open(sys.argv[2]).read())}
print("parts", sorted(read) == sorted(table) == ["caltech", "mtfl-lfw", "mtfl-net"])
print("eyes", all(n > 5000 for n, _, _ in read.values()))
print("agree", all(abs(read[p][1] - table[p][0]) <= 5e-4 and abs(read[p][2] - table[p][1]) <= 5e-4
                   for p in table))
PY
)
check_grep "G: every part is read and has a table row" '^parts True' <(echo "$out")
check_grep "G: thousands of eyes a part" '^eyes True' <(echo "$out")
check_grep "G: dataset.c's table is what the photos say, within 0.0005 iod" '^agree True' <(echo "$out")
finish
