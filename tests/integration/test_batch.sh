#!/bin/bash
# test_batch.sh: `framefit batch` against a real MariaDB: the queue's
# guarantees with several processes, a killed run, and failed files.
#
#   tests/integration/test_batch.sh
#
# Environment:
#   FF_BUILD_DIR    where `make` built src/framefit (default: the source
#                   tree)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it holds
#                   trained weights, else /tmp/m)
#   N_PHOTOS        photos in the input set (default 60)
#   FF_TEST_TIMEOUT seconds the whole test may take (default 900)
#   KEEP=1          leave the database server running at the end
#
# Its own MariaDB (scripts/db.sh, under var/test-batch/mysql) and database
# (framefit_batchtest, recreated), so nothing else is disturbed. Phases:
#   A. a list with photos, a relative path, a repeated line, a missing
#      file and corrupt and non-image files: each failure counted with its
#      reason, in the database and in the summary;
#   B. two batch processes on the same job at once: every item processed
#      exactly once (one claim each, one detection each, the two runs'
#      counts add up to the job), both did work; then six workers racing
#      for one-item claims of instant items, the same; and runs with
#      different --lease on one job take no claim from each other;
#   C. kill -9 of a whole run in the middle, then the same command again
#      (--lease 2): the job completes, the items finished before the kill
#      are untouched, the ones in flight are re-claimed, nothing is lost
#      or doubled; kill -9 of one worker: the runner starts another and
#      the same run completes the job;
#   D. SIGTERM: the run stops cleanly and gives its claims back;
#   E. try-ons with the real detector: every photo done or without a
#      face, one JPEG per done photo under --out, mirroring the input
#      tree; a different --frame for the same job is refused;
#   F. bad input at scale: a directory of 100,000 empty files and odd
#      names (not UTF-8, a newline, spaces, a leading dash, a FIFO, links
#      to nothing and to a directory): loaded whole, each skipped kind
#      counted, interrupted mid-run with exact counts; a NUL-separated
#      list;
#   G. --delete: items, detections and counts go, the reports' rollups
#      and other jobs stay;
#   H. workers at nice 19 and I/O best-effort 7; --max-rate caps.
#   I. the newsletter: uploads through POST /tryon with and without the
#      consent box, one withdrawn on its result page; `--frame SKU --out
#      DIR` with no input writes exactly the others, as DIR/TOKEN.jpg,
#      valid JPEGs; a rerun writes none again.
# The photos are processed at --size 640 so a run lasts long enough (about
# 50 ms a photo) for two processes to interleave and for a kill to land
# mid-run. Prints "N passed, M failed" last; exits non-zero on a failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env batch framefit_batchtest
# At full priority: the phases time leases of a second or two, which a
# worker at nice 19 (the default, phase H) on a busy test machine can
# overrun.
batch=("$cli" batch --no-yield)
nphotos=${N_PHOTOS:-60}

# Runs still going (a failed phase) must not outlive the test.
watchdog=
on_finish() {
	local left
	[ -n "$watchdog" ] && kill -9 "$watchdog" 2>/dev/null
	# TERM first: timeout(1) passes it on, and a runner stops its
	# workers; then KILL whatever is left.
	left=$(jobs -rp)	# running ones only: a finished job's pid may be reused
	if [ -n "$left" ]; then
		kill -TERM $left 2>/dev/null
		sleep 2
		kill -9 $left 2>/dev/null
	fi
}
# The whole test within FF_TEST_TIMEOUT seconds (default 900).
# bash runs the trap only once its foreground command is over: stop that.
# One-second sleeps, so killing the watchdog leaves no long sleep behind.
(
	for ((t = 0; t < ${FF_TEST_TIMEOUT:-900}; t++)); do sleep 1; done
	echo "timed out"
	kill -TERM $$
	pkill -TERM -P $$
) &
watchdog=$!
disown $watchdog	# not one of the runs, and no "Killed" message

job_id() { sql "SELECT id FROM batch_jobs WHERE name = '$1'"; }
count() {	# count JOB_ID [WHERE...]
	sql "SELECT COUNT(*) FROM batch_items WHERE job_id = $1 ${2:+AND $2}"
}
# The number in "this run: N photos" of a run's output.
run_count() { sed -n 's/^this run: \([0-9]*\) photos.*/\1/p' "$1"; }

# ---- Setup ----

[ -x "$cli" ] || bail "no $cli: build it first (make; FF_BUILD_DIR names the build)"
pick_models
for f in face eyes refine; do
	[ -s "$models/$f.weights" ] || bail "no $models/$f.weights"
done
echo "# program: $cli batch"
echo "# models: $models"
mkdir -p "$work"
rm -rf "$tmp"
mkdir -p "$tmp"
: >"$work/sql.err"
db_fresh

# The photos: N small LFW crops, each a symlink with a name of its own,
# two levels deep so the output tree is mirrored.
photos=$(find "$faces/mtfl/images/lfw_5590" -name '*.jpg' | sort | head -n "$nphotos")
[ "$(echo "$photos" | wc -l)" = "$nphotos" ] || bail "fewer than $nphotos photos in $faces"
in=$tmp/in
mkdir -p "$in/a" "$in/b/c"
i=0
for p in $photos; do
	i=$((i + 1))
	case $((i % 3)) in
	0) d=$in ;; 1) d=$in/a ;; 2) d=$in/b/c ;;
	esac
	ln -s "$p" "$d/$(printf 'p%03d' $i).jpg"
done

# Files that are not photos, and a photo cut short.
bad=$tmp/bad
mkdir -p "$bad"
one=$(echo "$photos" | head -n 1)
head -c 2000 "$one" >"$bad/truncated.jpg"		# image_corrupt
(head -c 600 "$one"; head -c 3000 /dev/urandom) >"$bad/noise.jpg"	# image_corrupt
head -c 4000 /dev/urandom | tr '\377' 'x' >"$bad/random.jpg"	# unsupported_media_type
echo "not a photo" >"$bad/notes.txt"			# unsupported_media_type
: >"$bad/empty.png"					# unsupported_media_type

# A run that hangs is a failure, not a test that never ends.
limit="timeout -k 5 300"
run() {	# run OUTFILE ARGS...: the program, stdout and stderr to OUTFILE
	local out=$1
	shift
	$limit "${batch[@]}" --models "$models" --no-progress "$@" >"$out" 2>&1
}

# ---- A. Failed files are counted, with their reason ----

echo "# A. a list with corrupt, non-image and missing files"
list=$tmp/list.txt
{
	echo "$photos" | head -n 10
	echo "$(echo "$photos" | head -n 1)"	# a repeated line: queued once
	echo ""					# blank lines are skipped
	echo "bad/truncated.jpg"		# relative to the list's folder
	for f in noise.jpg random.jpg notes.txt empty.png; do echo "$bad/$f"; done
	echo "$tmp/missing.jpg"			# file_unreadable
} >"$list"
run "$tmp/a.out" --jobs 2 "$list"
check_eq "A: exit status" "$?" 0
ja=$(job_id "$list")
check_eq "A: job named after the list" "$([ -n "$ja" ] && echo yes)" yes
check_eq "A: items (repeat once, blank skipped)" "$(count "$ja")" 16
check_eq "A: relative path made absolute" \
	"$(count "$ja" "path = '$bad/truncated.jpg'")" 1
check_eq "A: photos done or no face" "$(count "$ja" "state IN ('done','noface')")" 10
check_eq "A: image_corrupt" "$(count "$ja" "reason = 'image_corrupt'")" 2
check_eq "A: unsupported_media_type" \
	"$(count "$ja" "reason = 'unsupported_media_type'")" 3
check_eq "A: file_unreadable" "$(count "$ja" "reason = 'file_unreadable'")" 1
check_eq "A: the missing file is the unreadable one" \
	"$(sql "SELECT path FROM batch_items WHERE job_id = $ja AND reason = 'file_unreadable'")" \
	"$tmp/missing.jpg"
check_grep "A: summary counts failures by reason" \
	"^job .*: finished: 16 items: [0-9]+ done, [0-9]+ no face, 6 failed: 3 unsupported_media_type, 2 image_corrupt, 1 file_unreadable$" \
	"$tmp/a.out"
check_grep "A: summary gives an example per reason" \
	"^  file_unreadable: e.g. $tmp/missing.jpg$" "$tmp/a.out"
check_eq "A: one detection per photo, none for failures" \
	"$(sql "SELECT COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $ja")" 10
check_eq "A: faces stored match the counts" \
	"$(sql "SELECT COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $ja AND d.faces <> (SELECT COUNT(*) FROM detection_faces f WHERE f.detection_id = d.id)")" 0
check_eq "A: done means faces, noface none" \
	"$(sql "SELECT COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $ja AND (i.state = 'done') <> (d.faces > 0)")" 0
check_eq "A: width and height of every photo" \
	"$(count "$ja" "state IN ('done','noface') AND width = 250 AND height = 250")" 10
check_eq "A: no upload rows for batch photos" "$(sql "SELECT COUNT(*) FROM uploads")" 0
check_eq "A: job finished with its counts" \
	"$(sql "SELECT finished IS NOT NULL, n_items, n_failed FROM batch_jobs WHERE id = $ja")" \
	"$(printf '1\t16\t6')"
# The same command again: the job is finished, nothing is redone.
run "$tmp/a2.out" --jobs 2 "$list"
check_eq "A: re-run of a finished job exits 0" "$?" 0
check_grep "A: re-run does nothing" "^this run: 0 photos" "$tmp/a2.out"

# ---- B. Two processes on one job at once ----

echo "# B. two batch processes on the same job at once"
nitems=$((nphotos + 5))
cp "$bad/truncated.jpg" "$bad/notes.txt" "$bad/empty.png" "$in/b/"
cp "$bad/noise.jpg" "$bad/random.jpg" "$in/a/"
$limit "${batch[@]}" --models "$models" --no-progress --jobs 1 --claim 4 --size 640 \
	--job both "$in" >"$tmp/b1.out" 2>&1 &
p1=$!
$limit "${batch[@]}" --models "$models" --no-progress --jobs 1 --claim 4 --size 640 \
	--job both "$in" >"$tmp/b2.out" 2>&1 &
p2=$!
wait $p1
check_eq "B: first run exits 0" "$?" 0
wait $p2
check_eq "B: second run exits 0" "$?" 0
jb=$(job_id both)
check_eq "B: every file queued once" "$(count "$jb")" $nitems
check_eq "B: nothing left queued or claimed" \
	"$(count "$jb" "state IN ('queued','claimed')")" 0
check_eq "B: every item claimed exactly once" "$(count "$jb" "attempts <> 1")" 0
check_eq "B: the two runs' counts add up to the job" \
	"$(( $(run_count "$tmp/b1.out") + $(run_count "$tmp/b2.out") ))" $nitems
check_ge "B: both processes did work" \
	"$(sql "SELECT COUNT(DISTINCT claimed_by) FROM batch_items WHERE job_id = $jb")" 2
check_eq "B: one detection per processed photo" \
	"$(sql "SELECT COUNT(*), COUNT(DISTINCT d.batch_item_id) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $jb")" \
	"$(printf '%s\t%s' "$(count "$jb" "state IN ('done','noface')")" "$(count "$jb" "state IN ('done','noface')")")"
check_eq "B: the failures are the five bad files" "$(count "$jb" "state = 'failed'")" 5
check_eq "B: job finished" \
	"$(sql "SELECT finished IS NOT NULL, n_items FROM batch_jobs WHERE id = $jb")" \
	"$(printf '1\t%s' $nitems)"

# Claims race far more often when the work is next to nothing: six
# workers in three processes, one item per claim, on 2000 empty files (the queue now stores
# about 400 of them a second: fewer would be gone before the last process
# has started).
echo "# B. six workers racing for claims on 2000 instant items"
race=$tmp/race
mkdir -p "$race"
(cd "$race" && seq -f "e%.0f.png" 1 2000 | xargs touch)
for k in 1 2 3; do
	$limit "${batch[@]}" --models "$models" --no-progress --jobs 2 --claim 1 --lease 10 --job race "$race" \
		>"$tmp/r$k.out" 2>&1 &
	eval "pr$k=\$!"
done
wait $pr1; r1=$?
wait $pr2; r2=$?
wait $pr3; r3=$?
check_eq "B: racing runs exit 0" "$r1$r2$r3" 000
jr=$(job_id race)
check_eq "B: racing: all 2000 failed as unsupported_media_type" \
	"$(count "$jr" "reason = 'unsupported_media_type'")" 2000
check_eq "B: racing: every item claimed exactly once" "$(count "$jr" "attempts <> 1")" 0
check_eq "B: racing: the runs' counts add up" \
	"$(( $(run_count "$tmp/r1.out") + $(run_count "$tmp/r2.out") + $(run_count "$tmp/r3.out") ))" 2000
check_ge "B: racing: workers that did work" \
	"$(sql "SELECT COUNT(DISTINCT claimed_by) FROM batch_items WHERE job_id = $jr")" 3

# Each claim carries its own deadline: a run with a 1 s lease does not take
# over the claims of a run with a 300 s lease that renews rarely, though
# its claims of 40 photos take longer than a second.
echo "# B. runs with different leases on one job"
$limit "${batch[@]}" --models "$models" --no-progress --jobs 1 --claim 40 --size 640 \
	--lease 300 --job leases "$in" >"$tmp/l1.out" 2>&1 &
pl1=$!
$limit "${batch[@]}" --models "$models" --no-progress --jobs 1 --claim 2 --size 640 \
	--lease 1 --job leases "$in" >"$tmp/l2.out" 2>&1 &
pl2=$!
wait $pl1; r1=$?
wait $pl2; r2=$?
check_eq "B: leases: both runs exit 0" "$r1$r2" 00
jl=$(job_id leases)
check_eq "B: leases: no claim taken over" "$(count "$jl" "attempts <> 1")" 0
check_eq "B: leases: no result dropped" \
	"$(cat "$tmp/l1.out" "$tmp/l2.out" | grep -c 'dropped')" 0
check_eq "B: leases: the runs add up" \
	"$(( $(run_count "$tmp/l1.out") + $(run_count "$tmp/l2.out") ))" $nitems

# ---- C. kill -9 in the middle, then the same command again ----

echo "# C. kill -9 a run in the middle, run it again"
cmd=(--jobs 2 --claim 4 --size 640 --lease 2 --job killed "$in")
# Its own process group, so the kill takes the runner and its workers.
setsid "${batch[@]}" --models "$models" --no-progress "${cmd[@]}" >"$tmp/c1.out" 2>&1 &
pc=$!
jc=""
for i in $(seq 1 300); do	# up to 30 s
	[ -z "$jc" ] && jc=$(job_id killed)
	if [ -n "$jc" ] && [ "$(count "$jc" "state IN ('done','noface','failed')")" -ge 12 ]; then
		break
	fi
	sleep 0.1
done
kill -9 -- -"$pc" 2>/dev/null
wait $pc 2>/dev/null
[ -n "$jc" ] || bail "the killed run never created its job"
fin_before=$(count "$jc" "state IN ('done','noface','failed')")
inflight=$(count "$jc" "state = 'claimed'")
left=$(count "$jc" "state IN ('queued','claimed')")
echo "# killed with $fin_before finished, $inflight claimed, $left left"
check_ge "C: killed mid-run with items claimed" "$inflight" 1
check_ge "C: killed mid-run with items left" "$left" 2
sql "SELECT id, state, claimed_by, attempts FROM batch_items WHERE job_id = $jc AND state IN ('done','noface','failed') ORDER BY id" >"$tmp/c.before"
sql "SELECT id FROM batch_items WHERE job_id = $jc AND state = 'claimed' ORDER BY id" >"$tmp/c.inflight"
# At once: the dead run's claims are still within their lease, so the new
# run has to wait for them to expire and take them over.
run "$tmp/c2.out" "${cmd[@]}"
check_eq "C: the re-run exits 0" "$?" 0
check_grep "C: the re-run finishes the job" "^job killed: finished: $nitems items" "$tmp/c2.out"
check_eq "C: nothing left queued or claimed" \
	"$(count "$jc" "state IN ('queued','claimed')")" 0
check_eq "C: nothing lost" "$(count "$jc")" $nitems
sql "SELECT id, state, claimed_by, attempts FROM batch_items WHERE job_id = $jc ORDER BY id" |
	grep -Fxf "$tmp/c.before" >"$tmp/c.after"
check_eq "C: items finished before the kill are untouched" \
	"$(wc -l <"$tmp/c.after")" "$(wc -l <"$tmp/c.before")"
ids=$(paste -sd, "$tmp/c.inflight")
check_eq "C: items in flight were claimed again" \
	"$(sql "SELECT COUNT(*) FROM batch_items WHERE id IN ($ids) AND attempts = 2 AND state <> 'claimed'")" \
	"$inflight"
check_eq "C: the re-run did exactly what was left" "$(run_count "$tmp/c2.out")" "$left"
check_eq "C: one detection per processed photo, none doubled" \
	"$(sql "SELECT COUNT(*) - COUNT(DISTINCT d.batch_item_id) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $jc"),$(sql "SELECT COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $jc")" \
	"0,$(count "$jc" "state IN ('done','noface')")"
check_eq "C: same outcome as the undisturbed job" \
	"$(sql "SELECT state, COUNT(*) FROM batch_items WHERE job_id = $jc GROUP BY state ORDER BY state" | tr '\t\n' ':,')" \
	"$(sql "SELECT state, COUNT(*) FROM batch_items WHERE job_id = $jb GROUP BY state ORDER BY state" | tr '\t\n' ':,')"

# A worker that dies (a crash on some file) is replaced by the runner, and
# the same run completes the job.
echo "# C. kill -9 one worker: the runner replaces it"
"${batch[@]}" --models "$models" --no-progress --jobs 2 --claim 4 --size 640 \
	--lease 2 --job crash "$in" >"$tmp/k1.out" 2>&1 &
pk=$!
jk=""
for i in $(seq 1 300); do
	[ -z "$jk" ] && jk=$(job_id crash)
	if [ -n "$jk" ] && [ "$(count "$jk" "state IN ('done','noface','failed')")" -ge 8 ]; then
		break
	fi
	sleep 0.1
done
victim=$(pgrep -P $pk | head -n 1)
kill -9 "$victim"
wait $pk
check_eq "C: the run survives a dead worker (exit 0)" "$?" 0
check_grep "C: the death is reported" "worker $victim killed by signal 9" "$tmp/k1.out"
check_grep "C: another worker took its place" "started worker [0-9]+ in its place" "$tmp/k1.out"
check_eq "C: crash: nothing left, nothing lost" \
	"$(count "$jk" "state IN ('queued','claimed')"),$(count "$jk")" "0,$nitems"
check_ge "C: crash: the dead worker's claims were taken over" \
	"$(count "$jk" "attempts = 2")" 1
check_eq "C: crash: one detection per processed photo" \
	"$(sql "SELECT COUNT(*) - COUNT(DISTINCT d.batch_item_id) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $jk"),$(sql "SELECT COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $jk")" \
	"0,$(count "$jk" "state IN ('done','noface')")"

# ---- D. SIGTERM: a clean stop gives the claims back ----

echo "# D. SIGTERM stops cleanly"
"${batch[@]}" --models "$models" --no-progress --jobs 2 --claim 8 --size 640 \
	--job stopped "$in" >"$tmp/d1.out" 2>&1 &
pd=$!
jd=""
for i in $(seq 1 300); do
	[ -z "$jd" ] && jd=$(job_id stopped)
	if [ -n "$jd" ] && [ "$(count "$jd" "state IN ('done','noface','failed')")" -ge 8 ]; then
		break
	fi
	sleep 0.1
done
kill -TERM $pd
wait $pd
check_eq "D: a stopped run exits 1 (job not finished)" "$?" 1
check_grep "D: its summary says so" "^job stopped: not finished" "$tmp/d1.out"
check_eq "D: no claims left behind" "$(count "$jd" "state = 'claimed'")" 0
check_ge "D: items given back to the queue" "$(count "$jd" "state = 'queued'")" 1
check_eq "D: given-back items do not count as attempts" \
	"$(count "$jd" "state = 'queued' AND attempts <> 0")" 0
run "$tmp/d2.out" --job stopped
check_eq "D: --job NAME alone resumes and finishes" "$?" 0
check_eq "D: every item claimed once" "$(count "$jd" "attempts <> 1")" 0
check_eq "D: the two runs add up" \
	"$(( $(run_count "$tmp/d1.out") + $(run_count "$tmp/d2.out") ))" $nitems

# ---- E. Try-ons (the real detector) ----

echo "# E. try-on JPEGs with --frame and --out"
out=$tmp/out
$limit "${batch[@]}" --models "$models" --no-progress --jobs 2 --job tryons \
	--frame FF-RND-4721-TOR --out "$out" "$in" >"$tmp/e1.out" 2>&1
check_eq "E: exit status" "$?" 0
je=$(job_id tryons)
check_eq "E: every photo done or without a face" \
	"$(count "$je" "state IN ('done', 'noface')")" $nphotos
ndone=$(count "$je" "state = 'done'")
check_ge "E: nearly every LFW photo has a face" "$ndone" $((nphotos * 9 / 10))
njpg=$(find "$out" -type f -name '*.jpg' | wc -l)
check_eq "E: one JPEG per photo with a face" "$njpg" "$ndone"
check_eq "E: nothing else written (no temporary files)" \
	"$(find "$out" -type f ! -name '*.jpg' | wc -l)" 0
check_eq "E: the tree is mirrored, one JPEG for each done photo" \
	"$(cd "$out" && find . -type f -name '*.jpg' | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')" \
	"$(sql "SELECT path FROM batch_items WHERE job_id = $je AND state = 'done'" | sed "s|^$in/||" | LC_ALL=C sort | tr '\n' ' ')"
check_eq "E: all three folders have try-ons" \
	"$(cd "$out" && ls -d p0*.jpg a/p0*.jpg b/c/p0*.jpg 2>/dev/null | cut -d/ -f1 | sed 's/^p0.*/./' | LC_ALL=C sort -u | tr '\n' ' ')" \
	". a b "
first=$(cd "$out" && find . -type f -name '*.jpg' | LC_ALL=C sort | head -n 1)
check_eq "E: the files are JPEGs" \
	"$(head -c 3 "$out/$first" | od -An -tx1 | tr -d ' \n')" ffd8ff
check_eq "E: the job remembers its frame" \
	"$(sql "SELECT f.sku FROM batch_jobs j JOIN frames f ON f.id = j.frame_id WHERE j.id = $je")" \
	FF-RND-4721-TOR
"${batch[@]}" --models "$models" --no-progress --job tryons --frame FF-AVI-5814-GLD --out "$out" \
	"$in" >"$tmp/e2.out" 2>&1
check_eq "E: another frame for the same job is refused" "$?" 2
check_grep "E: with a reason" "job tryons draws FF-RND-4721-TOR" "$tmp/e2.out"
"${batch[@]}" --models "$models" --no-progress --job nosuch >"$tmp/e3.out" 2>&1
check_eq "E: joining a job that does not exist is refused" "$?" 2

# ---- F. Bad input at scale: 100,000 files, odd names, skipped kinds ----

echo "# F. a directory of 100,000 files and odd names"
big=$tmp/big
mkdir -p "$big/odd" "$big/sub"
(cd "$big/sub" && seq -f 'e%06.0f.png' 1 100000 | xargs touch)
: >"$big/odd/sp ace.png"
: >"$big/odd/-dash.png"
: >"$big/odd/$(printf '\377\376').png"
: >"$big/odd/$(printf 'new\nline').png"
mkfifo "$big/odd/fifo.jpg"
ln -s "$big/nowhere.jpg" "$big/odd/broken.jpg"
ln -s "$big/sub" "$big/odd/dirlink.jpg"
run "$tmp/f1.out" --jobs 0 --job big "$big"
check_eq "F: loading 100,004 files exits 0" "$?" 0
jf=$(job_id big)
check_eq "F: marked loaded with every file" \
	"$(sql "SELECT loaded IS NOT NULL, n_items, n_skipped FROM batch_jobs WHERE id = $jf")" \
	"$(printf '1\t100004\t3')"
check_grep "F: the summary counts each skipped kind" \
	"^job big: not finished: 100004 items: 0 done, 0 no face, 0 failed; 3 skipped at loading: 2 not_a_file, 1 broken_link; 100004 queued, 0 claimed$" \
	"$tmp/f1.out"
check_eq "F: a name that is not UTF-8, byte for byte" \
	"$(count "$jf" "path = CONCAT('$big/odd/', UNHEX('FFFE'), '.png')")" 1
check_eq "F: a name with a newline (a directory input)" \
	"$(count "$jf" "path = CONCAT('$big/odd/new', CHAR(10), 'line.png')")" 1
check_eq "F: spaces and a leading dash kept" \
	"$(count "$jf" "path IN ('$big/odd/sp ace.png', '$big/odd/-dash.png')")" 2
# Work on it for a while, then Ctrl-C: nothing half done, the counts exact.
timeout --preserve-status -s INT 8 "${batch[@]}" --models "$models" --no-progress --jobs 2 --claim 16 \
	--job big >"$tmp/f2.out" 2>&1
check_eq "F: interrupted run exits 1" "$?" 1
nf=$(count "$jf" "state = 'failed'")
check_ge "F: empty files failed, not stopping the job" "$nf" 20
check_eq "F: no claim left behind" "$(count "$jf" "state = 'claimed'")" 0
check_eq "F: kept counts are the rows' counts" \
	"$(sql "SELECT SUM(queued), SUM(claimed), SUM(failed) FROM batch_counts WHERE job_id = $jf")" \
	"$(printf '%s\t0\t%s' "$(count "$jf" "state = 'queued'")" "$nf")"
check_grep "F: failures by reason in the summary" \
	"^job big: not finished: 100004 items: 0 done, 0 no face, $nf failed: $nf unsupported_media_type; 3 skipped" \
	"$tmp/f2.out"
# The same odd names through a NUL-separated list (find -print0).
find "$big/odd" -name '*.png' -print0 >"$tmp/list0"
run "$tmp/f3.out" --jobs 1 --job list0 "$tmp/list0"
check_eq "F: a NUL-separated list runs to the end" "$?" 0
check_eq "F: its four odd names, the newline one too" \
	"$(count "$(job_id list0)" "(path = CONCAT('$big/odd/new', CHAR(10), 'line.png') OR path LIKE '%-dash.png')"),$(count "$(job_id list0)")" \
	"2,4"
check_grep "F: an odd byte shown escaped in the summary" \
	'e\.g\. .*/odd/(\\xff\\xfe|new\\x0aline|sp ace|-dash)\.png$' "$tmp/f3.out"

# ---- G. Deleting a job ----

echo "# G. --delete"
photo_rollup=$(sql "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE metric = 'photo'")
"${batch[@]}" --delete big >"$tmp/g1.out" 2>&1
check_eq "G: --delete of the 100,004-item job exits 0" "$?" 0
check_grep "G: it says what went" "^framefit batch: deleted job big: 100004 items" "$tmp/g1.out"
check_eq "G: items, counts and job gone" \
	"$(count "$jf"),$(sql "SELECT COUNT(*) FROM batch_counts WHERE job_id = $jf"),$(job_id big)" "0,0,"
"${batch[@]}" --delete "$list" >"$tmp/g2.out" 2>&1
check_eq "G: --delete of a finished job with detections exits 0" "$?" 0
check_eq "G: its detections went too" \
	"$(sql "SELECT COUNT(*) FROM detections WHERE batch_item_id IS NOT NULL AND batch_item_id NOT IN (SELECT id FROM batch_items)")" 0
check_eq "G: the report counts stay" \
	"$(sql "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE metric = 'photo'")" "$photo_rollup"
check_eq "G: other jobs untouched" "$(count "$jb")" $nitems
"${batch[@]}" --delete nosuch >"$tmp/g3.out" 2>&1
check_eq "G: --delete of no such job exits 2" "$?" 2

# ---- H. The shop first: priority and --max-rate ----

echo "# H. workers yield; --max-rate caps"
cap=$tmp/cap
mkdir -p "$cap"
(cd "$cap" && seq -f 'c%04.0f.png' 1 600 | xargs touch)
"$cli" batch --models "$models" --no-progress --jobs 2 --claim 2 --max-rate 20 \
	--job cap "$cap" >"$tmp/h1.out" 2>&1 &
ph=$!
sleep 4
wk=$(pgrep -P $ph | head -n 1)
check_eq "H: a worker runs at nice 19" "$(ps -o ni= -p "$wk" | tr -d ' ')" 19
check_grep "H: and at I/O priority best-effort 7" "best-effort: prio 7" <(ionice -p "$wk")
sleep 4
kill -INT $ph
wait $ph
read -r nh th <<<"$(sed -n 's/^this run: \([0-9]*\) photos in \([0-9.]*\) s.*/\1 \2/p' "$tmp/h1.out")"
echo "# --max-rate 20: $nh photos in $th s"
check_eq "H: at most 20 photos/s (and a second's slack)" \
	"$(awk -v n="$nh" -v t="$th" 'BEGIN { print (n <= 20 * t + 20 && n >= 5) ? "yes" : "no" }')" yes

# ---- I. The newsletter: every photo kept with the shopper's consent ----

echo "# I. --frame SKU --out DIR over the uploads kept with consent"
nsku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
: >"$work/web.out"
# Not the default period: the setting must reach the workers (lighttpd
# passes only the variables it names). The box is the shop's to offer
# (FF_NEWSLETTER, off by default): on, and it too must reach them.
export FF_CONSENT_DAYS=400 FF_NEWSLETTER=1
web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
http "$url"
check_eq "I: the upload form answers" "$code" 200
check_grep "I: the form promises the operator's period (FF_CONSENT_DAYS)" \
	"we keep your photo for 400 days instead of 24 hours" "$tmp/body"
check_grep "I: the upload form has the consent box, unticked" \
	'<input type="checkbox" id="consent" name="consent" value="newsletter" aria-describedby' "$tmp/body"
check_nogrep "I: ... and nothing ticks it" 'name="consent"[^>]* checked' "$tmp/body"
check_grep "I: the footer says a photo may be kept longer" \
	'then deleted, unless you ask us to keep yours' "$tmp/body"
wording=$(sed -n 's|.*name="consent_wording" value="\([^"]*\)".*|\1|p' "$tmp/body")
check_re "I: the form carries the wording's version" "$wording" '^[a-z0-9-]+$'
kept=()
plain=()
i=0
for p in $(echo "$photos" | head -n 8); do
	if [ $((i % 2)) = 0 ]; then
		upload "$p" "$nsku" -F consent=newsletter -F "consent_wording=$wording"
	else
		upload "$p" "$nsku"
	fi
	i=$((i + 1))
	[ "$code" = 303 ] || continue	# no face: not kept at all
	if [ $((i % 2)) = 1 ]; then kept+=("$(token_of_location)"); else plain+=("$(token_of_location)"); fi
done
check_ge "I: uploads with consent" "${#kept[@]}" 3
check_ge "I: uploads without" "${#plain[@]}" 2
check_eq "I: consent recorded for exactly those, with the wording" \
	"$(sql "SELECT COUNT(*) FROM upload_consents c JOIN uploads u ON u.id = c.upload_id WHERE c.wording = '$wording' AND c.withdrawn IS NULL")" "${#kept[@]}"
check_eq "I: those are kept for the consent period, not 24 hours" \
	"$(sql "SELECT COUNT(*) FROM upload_consents c JOIN uploads u ON u.id = c.upload_id WHERE TIMESTAMPDIFF(DAY, u.created, u.expires) = 400")" "${#kept[@]}"
upload "$(echo "$photos" | head -n 1)" "$nsku" -F consent=newsletter -F consent_wording=old-text
check_eq "I: consent to another wording is refused (400)" "$code" 400
# The rest withdraws one and expects the others written: without two
# there is nothing to check, so say so and stop (not an unbound variable).
if [ ${#kept[@]} -lt 2 ]; then
	nok "I: the rest needs two uploads kept with consent" \
		"got ${#kept[@]}; see $work/log/framefit.log"
	finish
fi
# Withdrawn on the result page: its POST with the page's CSRF token.
gone=${kept[0]}
http "${url}t/$gone"
check_grep "I: the result page says the photo is kept for emails" "so the shop can show you new frames on it by email" "$tmp/body"
check_grep "I: ... and offers to stop" "<form method=\"post\" action=\"/t/$gone/withdraw\"" "$tmp/body"
check_grep "I: ... whose form carries the frame shown" \
	"<input type=\"hidden\" name=\"frame\" value=\"$nsku\">" "$tmp/body"
csrf=$(sed -n 's|.*name="csrf" value="\([A-Za-z0-9_-]*\)".*|\1|p' "$tmp/body" | head -n 1)
http --data "csrf=forged" "${url}t/$gone/withdraw"
check_eq "I: withdrawing with a forged CSRF token is 403" "$code" 403
# The form's hidden fields: the page it leads back to is the one it left.
http --data "csrf=$csrf&frame=$nsku&pd=62.3" "${url}t/$gone/withdraw"
check_eq "I: withdrawing answers 303 to the result page, frame and PD kept" \
	"$code,$(header Location)" "303,/t/$gone?frame=$nsku&pd=62.3"
http "${url}t/$gone"
check_nogrep "I: the page no longer offers it" "/withdraw\"" "$tmp/body"
check_eq "I: back to 24 hours after upload" \
	"$(sql "SELECT TIMESTAMPDIFF(HOUR, created, expires) FROM uploads WHERE token = '$gone'")" 24
web_stop
nl=$tmp/newsletter
"${batch[@]}" --models "$models" --no-progress --jobs 2 --job nl \
	--frame "$nsku" --out "$nl" >"$tmp/i1.out" 2>&1
check_eq "I: the run exits 0" "$?" 0
want=$(printf '%s.jpg\n' "${kept[@]:1}" | sort)
check_eq "I: exactly the photos kept with consent are written, by token" \
	"$(cd "$nl" && ls | sort)" "$want"
bad=0
for t in "${kept[@]:1}"; do
	"$cli" detect --json --models "$models" "$nl/$t.jpg" >/dev/null 2>&1 || bad=$((bad + 1))
	[ "$(head -c 3 "$nl/$t.jpg" | xxd -p)" = ffd8ff ] || bad=$((bad + 1))
done
check_eq "I: each a valid JPEG" "$bad" 0
n=$(( ${#kept[@]} - 1 ))
check_grep "I: the summary counts them" "^job nl: finished: $n items: $n written, 0 no face, 0 skipped, 0 failed$" "$tmp/i1.out"
check_eq "I: no detection stored for them (the uploads' own were drawn)" \
	"$(sql "SELECT COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $(job_id nl)")" 0
stamp=$(cd "$nl" && stat -c '%n %Y %s' * | sort)
sleep 1
"${batch[@]}" --models "$models" --no-progress --jobs 2 --job nl \
	--frame "$nsku" --out "$nl" >"$tmp/i2.out" 2>&1
check_eq "I: a rerun exits 0" "$?" 0
check_eq "I: ... and writes nothing again" "$(run_count "$tmp/i2.out"),$(cd "$nl" && stat -c '%n %Y %s' * | sort)" "0,$stamp"

# A deadlock between two workers is logged and run again (ER_LOCK_DEADLOCK
# asks for exactly that); what must not happen is a step that then fails.
check_eq "no database errors logged, bar deadlocks run again" \
	"$(cat "$tmp"/*.out | grep 'framefit: db:' | grep -vc ' 1213 (40001) ')" 0
check_eq "every stopped worker gave its claims back" \
	"$(cat "$tmp"/*.out | grep -c 'could not give claims back')" 0
