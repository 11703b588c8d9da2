#!/bin/bash
# bench_batch.sh: photos per second of `framefit batch` on this machine.
#
#   bench/bench_batch.sh [COUNT]
#
# COUNT photos (default 10000, the issue's set) go through one batch job
# with --jobs JOBS (default 2, one per core here) into a fresh database of
# its own private MariaDB (var/bench-batch/mysql): the whole path as in
# production, from a list file (the way millions of paths arrive) through
# the queue, decoding and the detector to the detections in MariaDB.
#
# The set: the face photos of $FF_FACES (caltech-webfaces and mtfl, 17,092
# in all, median long side under 300 px), taken in a fixed shuffled order.
# The queue deduplicates by path, so when COUNT exceeds the photos
# available the same photo is listed again under another name: each entry
# is a symlink of its own (var/bench-batch/set/NNN/NNNNNNN.jpg).
#
# Environment:
#   FF_BUILD_DIR    where `make` built src/framefit (default: the current
#                   directory if it has it, else the source tree)
#   FF_FACES        the photos (default <repo>/../shared/data/faces)
#   FF_BENCH_MODELS the models (default <repo>/models when it holds trained
#                   weights, else /tmp/m)
#   JOBS            worker processes (default 2)
#   CLAIM           items per claim (default 16)
#   SIZE            detector input size, --size (default: the cfg's)
#
# It prints numbers, never pass or fail. Throughput is wall-clock from the
# command's start to its summary: migrations, loading the list, model
# loading in each worker and the final counts included.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${FF_BUILD_DIR:-}" ]; then
	build=$FF_BUILD_DIR
elif [ -x ./src/framefit ]; then
	build=$(pwd)
else
	build=$root
fi
cli=$build/src/framefit
faces=${FF_FACES:-$root/../shared/data/faces}
count=${1:-10000}
jobs=${JOBS:-2}
claim=${CLAIM:-16}
work=$root/var/bench-batch

if [ -n "${FF_BENCH_MODELS:-}" ]; then
	models=$FF_BENCH_MODELS
elif [ -s "$root/models/face.weights" ] && [ -s "$root/models/eyes.weights" ] &&
    [ -s "$root/models/refine.weights" ]; then
	models=$root/models
else
	models=/tmp/m
fi

export FF_DB_DIR=$work/mysql
export FF_DB_SOCKET=$work/mysql/mysql.sock
export FF_DB_NAME=framefit_bench
unset FF_SQL_DIR FF_MIGRATE FF_MODELS_DIR

die() { echo "bench_batch.sh: $*" >&2; exit 1; }
[ -x "$cli" ] || die "no $cli: run make (or set FF_BUILD_DIR)"
case $count in ''|*[!0-9]*|0) die "COUNT must be a positive number" ;; esac
mkdir -p "$work"

started=0
cleanup() {
	[ $started = 1 ] && "$root/scripts/db.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
if ! "$root/scripts/db.sh" status >/dev/null 2>&1; then
	"$root/scripts/db.sh" start >"$work/db.out" 2>&1 ||
		die "database did not start: $(cat "$work/db.out")"
	started=1
fi
FF_DB_NAME=mysql "$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS
	framefit_bench; CREATE DATABASE framefit_bench CHARACTER SET utf8mb4
	COLLATE utf8mb4_unicode_ci" || die "cannot create the database"

# The set, rebuilt only when COUNT changed: symlinks, 1000 to a folder.
set=$work/set
list=$work/list.txt
if [ ! -s "$list" ] || [ "$(wc -l <"$list")" != "$count" ]; then
	rm -rf "$set"
	find "$faces/caltech-webfaces/images" "$faces/mtfl/images" -name '*.jpg' |
		sort | shuf --random-source=<(yes) >"$work/photos.txt"
	navail=$(wc -l <"$work/photos.txt")
	[ "$navail" -gt 0 ] || die "no photos in $faces"
	python3 - "$work/photos.txt" "$set" "$count" >"$list" <<'EOF'
import os, sys
photos = open(sys.argv[1]).read().split("\n")[:-1]
top, n = sys.argv[2], int(sys.argv[3])
for i in range(n):
    d = "%s/%03d" % (top, i // 1000)
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    dst = "%s/%07d.jpg" % (d, i)
    os.symlink(photos[i % len(photos)], dst)
    print(dst)
EOF
fi

echo "# framefit batch: $count photos, --jobs $jobs, --claim $claim," \
	"detector real, models $models"
echo "# $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
t0=$(date +%s.%N)
"$cli" batch --models "$models" --no-progress --jobs "$jobs" --claim "$claim" \
	${SIZE:+--size "$SIZE"} --job bench "$list" >"$work/run.out" 2>"$work/run.err"
rc=$?
t1=$(date +%s.%N)
cat "$work/run.out"
[ $rc = 0 ] || { tail -n 5 "$work/run.err" >&2; die "the run failed ($rc)"; }

sql() { "$root/scripts/db.sh" sql -N -B -e "$1"; }
# The detector's share, from the detections' own timings.
read -r ndet det_ms <<<"$(sql "SELECT COUNT(*), COALESCE(SUM(ms), 0) FROM detections")"
awk -v n="$count" -v t0="$t0" -v t1="$t1" -v nd="$ndet" -v ms="$det_ms" \
    -v jobs="$jobs" 'BEGIN {
	wall = t1 - t0
	printf "photos: %d\n", n
	printf "wall: %.1f s\n", wall
	printf "throughput: %.1f photos/s\n", n / wall
	printf "per photo: %.1f ms wall per worker\n", wall * 1000 * jobs / n
	if (nd > 0)
		printf "detector: %.1f ms per photo (mean of %d)\n", ms / nd, nd
	printf "8 hours at this rate: %.2f million photos\n", n / wall * 8 * 3600 / 1e6
}'
