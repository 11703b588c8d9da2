#!/bin/bash
# bench_batch_scale.sh: `framefit batch` at ten million items (issue 11).
#
#   bench/bench_batch_scale.sh [COUNT [PROCESS_S]]
#
# Loads a COUNT-path job (default 10,000,000) into a private MariaDB
# started by scripts/db.sh with the settings ./run.sh uses (a 64 MB buffer
# pool), then processes it with --jobs 2 for PROCESS_S seconds (default
# 300) and stops it with SIGINT. Prints:
#   - the load rate (paths/s), overall and per tenth of the load;
#   - claim latency at the start and at the end of the queue (the two
#     SELECTs batchq_claim() runs, timed by the server, on the loaded job);
#   - photos/s with --jobs 2 (the run's own summary);
#   - InnoDB lock memory and buffer-pool use, sampled every 2 s through
#     the run (INNODB_BUFFER_POOL_STATS, INNODB_TRX);
#   - disk per million items (the tables' data and indexes).
#
# The paths: the face photos of $FF_FACES listed under many directory
# links (var/bench-scale/set/dNNNN -> the photos' folder), so every path
# is distinct and no file is copied; 1 % of them are bad (0.33 % missing,
# 0.33 % corrupt JPEGs, 0.33 % not images: var/bench-scale/bad), and some
# photo names have odd bytes (a space, a leading dash, a byte that is not
# UTF-8).
#
# Checkpoints: the list and the database are kept between runs (FRESH=1
# starts over). Run it again after an interruption and the job resumes
# where it was: loading skips the paths already queued, processing goes
# on with the items left; each phase's figures go to var/bench-scale/
# results.txt as they are measured.
#
# Environment: FF_BUILD_DIR, FF_FACES, FF_BENCH_MODELS as bench_batch.sh;
# FRESH=1 drop the database and the list first.
# It prints numbers, never pass or fail.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FF_BUILD_DIR:-$root}
cli=$build/src/framefit
faces=${FF_FACES:-$root/../shared/data/faces}
count=${1:-10000000}
process_s=${2:-300}
work=$root/var/bench-scale
if [ -n "${FF_BENCH_MODELS:-}" ]; then
	models=$FF_BENCH_MODELS
elif [ -s "$root/models/face.weights" ]; then
	models=$root/models
else
	models=/tmp/m
fi
export FF_DB_DIR=$work/mysql FF_DB_SOCKET=$work/mysql/mysql.sock
export FF_DB_NAME=framefit_scale FF_SQL_DIR=$root/sql
unset FF_MIGRATE FF_MODELS_DIR FF_DB_LEAST

die() { echo "bench_batch_scale.sh: $*" >&2; exit 1; }
[ -x "$cli" ] || die "no $cli (set FF_BUILD_DIR)"
case $count in ''|*[!0-9]*|0) die "COUNT must be a positive number" ;; esac
mkdir -p "$work"
res=$work/results.txt
note() { echo "$*"; echo "$*" >>"$res"; }
sql() { "$root/scripts/db.sh" sql -N -B -e "$1"; }

sampler=
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	"$root/scripts/db.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
"$root/scripts/db.sh" start >"$work/db.out" 2>&1 || die "database: $(cat "$work/db.out")"
if [ "${FRESH:-0}" = 1 ]; then
	FF_DB_NAME=mysql "$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS framefit_scale"
	rm -f "$work/list.txt" "$res"
fi
FF_DB_NAME=mysql "$root/scripts/db.sh" sql -e "CREATE DATABASE IF NOT EXISTS
	framefit_scale CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ||
	die "cannot create the database"
note "# $(date -u +%FT%TZ) bench_batch_scale.sh $count $process_s"
note "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
note "# buffer pool: $(sql "SELECT @@innodb_buffer_pool_size / 1048576") MB (scripts/db.sh, as ./run.sh)"

# ---- The list ----
list=$work/list.txt
if [ ! -s "$list" ] || [ "$(cat "$list.count" 2>/dev/null)" != "$count" ]; then
	echo "# writing the list of $count paths"
	set=$work/set bad=$work/bad photos=$work/photos
	rm -rf "$set" "$bad" "$photos"
	mkdir -p "$set" "$bad" "$photos"
	# The photos' folder: links to the shared photos, a few with odd names.
	find "$faces/caltech-webfaces/images" "$faces/mtfl/images" -name '*.jpg' |
		sort | head -n 10000 >"$work/photos.txt"
	n=0
	while read -r p; do
		n=$((n + 1))
		case $((n % 1000)) in
		1) name="with space $n.jpg" ;;
		2) name="-dash$n.jpg" ;;
		3) name=$(printf 'latin\351%d.jpg' $n) ;;
		*) name="$n.jpg" ;;
		esac
		ln -s "$p" "$photos/$name"
	done <"$work/photos.txt"
	one=$(head -n 1 "$work/photos.txt")
	for i in $(seq 0 999); do
		head -c 1500 "$one" >"$bad/c$i.jpg"	# corrupt
		echo "notes $i" >"$bad/t$i.txt"		# not an image
	done
	ndirs=$(( (count + 9999) / 10000 + 1 ))
	for i in $(seq 0 $ndirs); do
		ln -s "$photos" "$set/d$i"
		ln -s "$bad" "$set/b$i"
	done
	# One path in 100 is bad, the three kinds in turn.
	(cd "$photos" && ls -1) >"$work/names.txt"
	awk -v n="$count" -v set="$set" '
		{ name[NR - 1] = $0 } END {
		k = NR
		for (i = 0; i < n; i++) {
			if (i % 100 == 99) {
				b = int(i / 100)
				if (b % 3 == 0)
					printf "%s/missing/%d.jpg\n", set, i
				else if (b % 3 == 1)
					printf "%s/b%d/c%d.jpg\n", set, int(b / 1000), b % 1000
				else
					printf "%s/b%d/t%d.txt\n", set, int(b / 1000), b % 1000
			} else
				printf "%s/d%d/%s\n", set, int(i / k), name[i % k]
		}
	}' "$work/names.txt" >"$list" && echo "$count" >"$list.count"
fi
echo "# list: $(wc -l <"$list") lines, $(du -h "$list" | cut -f1)"

# ---- The sampler: buffer pool and lock memory every 2 s ----
samples=$work/samples.tsv
sample_loop() {
	while :; do
		"$root/scripts/db.sh" sql -N -B -e "SELECT UNIX_TIMESTAMP(),
		    p.POOL_SIZE, p.FREE_BUFFERS, p.DATABASE_PAGES,
		    p.POOL_SIZE - p.FREE_BUFFERS - p.DATABASE_PAGES,
		    COALESCE((SELECT SUM(trx_lock_memory_bytes) FROM
		      information_schema.INNODB_TRX), 0),
		    COALESCE((SELECT MAX(trx_rows_locked) FROM
		      information_schema.INNODB_TRX), 0),
		    (SELECT COUNT FROM information_schema.INNODB_METRICS WHERE
		      NAME = 'lock_rec_locks')
		    FROM information_schema.INNODB_BUFFER_POOL_STATS p" 2>/dev/null
		sleep 2
	done
}
summarize() {	# summarize FROM_UNIX TO_UNIX LABEL
	awk -v a="$1" -v b="$2" -v l="$3" '$1 >= a && $1 <= b {
		n++; pool = $2; if ($5 > np) np = $5; if ($6 > lm) lm = $6
		if ($7 > rl) rl = $7; dp += $4
	} END {
		if (n == 0) { print "# " l ": no samples"; exit }
		printf "%s: %d samples; pool %d pages (16 KB); data pages mean %.0f; " \
		    "pages not data or free (lock heaps, hash index) max %d = %.1f%% of the pool; " \
		    "lock memory of all transactions max %d bytes; rows locked by one transaction max %d\n",
		    l, n, pool, dp / n, np, 100 * np / pool, lm, rl
	}' "$samples"
}
sample_loop >>"$samples" &
sampler=$!

# ---- Loading ----
jid=$(sql "SELECT id FROM batch_jobs WHERE name = 'scale'" 2>/dev/null)
loaded=0
[ -n "$jid" ] && loaded=$(sql "SELECT loaded IS NOT NULL FROM batch_jobs WHERE id = $jid")
if [ "$loaded" != 1 ]; then
	before=0
	[ -n "$jid" ] && before=$(sql "SELECT COALESCE(SUM(items), 0) FROM batch_counts WHERE job_id = $jid")
	echo "# loading ($before already queued)"
	t0=$(date +%s.%N)
	"$cli" batch --no-progress --jobs 0 --job scale "$list" >"$work/load.out" 2>"$work/load.err"
	rc=$?
	t1=$(date +%s.%N)
	cat "$work/load.out"
	[ $rc = 0 ] || { tail -n 5 "$work/load.err"; die "loading failed ($rc); run again to resume"; }
	jid=$(sql "SELECT id FROM batch_jobs WHERE name = 'scale'")
	after=$(sql "SELECT n_items FROM batch_jobs WHERE id = $jid")
	note "$(awk -v a="$before" -v b="$after" -v t0="$t0" -v t1="$t1" 'BEGIN {
		printf "load: %d paths in %.0f s: %.0f paths/s\n", b - a, t1 - t0, (b - a) / (t1 - t0) }')"
	# The rate along the way, from the 5 s progress lines.
	awk '/loading: [0-9]+ paths queued/ { for (i = 1; i <= NF; i++) if ($i == "loading:") print $(i + 1) }' \
		"$work/load.err" | awk -v n="$count" '{ q[NR] = $1 } END {
		if (NR < 10) exit
		s = "load rate by tenth (paths/s, 5 s progress lines):"
		for (t = 0; t < 10; t++) {
			a = int(t * NR / 10) + 1; b = int((t + 1) * NR / 10)
			if (b > a) s = s sprintf(" %.0f", (q[b] - q[a]) / ((b - a) * 5))
		}
		print s }' | while read -r l; do note "$l"; done
	note "$(summarize "${t0%.*}" "${t1%.*}" "load: memory")"
fi
note "job: $(sql "SELECT CONCAT(n_items, ' items, loaded ', loaded, ', ', n_skipped, ' skipped') FROM batch_jobs WHERE id = $jid")"

# ---- Claim latency: the claim's two SELECTs, at the start and the end ----
claim_ms() {	# claim_ms CURSOR: server time of one claim's reads, ms (median of 5)
	for i in 1 2 3 4 5; do
		sql "SET profiling = 1;
		SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN;
		SELECT id, path, attempts FROM batch_items FORCE INDEX (batch_items_claim) WHERE job_id = $jid AND
		  state = 'claimed' AND lease_until < NOW(3) ORDER BY lease_until
		  LIMIT 16 FOR UPDATE SKIP LOCKED;
		SELECT id, path, attempts FROM batch_items FORCE INDEX (batch_items_claim) WHERE job_id = $jid AND
		  state = 'queued' AND lease_until IS NULL AND id > $1 ORDER BY id
		  LIMIT 16 FOR UPDATE SKIP LOCKED;
		ROLLBACK;
		SHOW PROFILES;" | awk -F'\t' '/FOR UPDATE SKIP LOCKED/ && NF == 3 { s += $2 } END { printf "%.2f\n", s * 1000 }'
	done | sort -n | sed -n 3p
}
lo=$(sql "SELECT MIN(id) FROM batch_items WHERE job_id = $jid")
hi=$(sql "SELECT MAX(id) FROM batch_items WHERE job_id = $jid")
note "claim latency before processing: start of the queue $(claim_ms 0) ms, end of the queue $(claim_ms $((hi - 20))) ms (server time of the claim's two locking reads, median of 5)"

# ---- Processing with --jobs 2 ----
echo "# processing for $process_s s with --jobs 2"
p0=$(date +%s)
"$cli" batch --no-progress --models "$models" --jobs 2 --job scale >"$work/run.out" 2>"$work/run.err" &
pr=$!
for ((t = 0; t < process_s; t++)); do
	kill -0 $pr 2>/dev/null || break
	sleep 1
done
kill -INT $pr 2>/dev/null
wait $pr
p1=$(date +%s)
cat "$work/run.out"
note "run: $(grep '^this run' "$work/run.out")"
note "$(summarize "$p0" "$p1" "processing: memory")"
cur=$(sql "SELECT COALESCE(MAX(id), $lo) FROM batch_items WHERE job_id = $jid AND state <> 'queued'")
note "claim latency after processing: start of the queue $(claim_ms 0) ms, after the processed part $(claim_ms "$cur") ms, end of the queue $(claim_ms $((hi - 20))) ms"
note "detections stored twice: $(sql "SELECT COUNT(*) - COUNT(DISTINCT batch_item_id) FROM detections WHERE batch_item_id IS NOT NULL")"
note "counts kept = counts of the rows: $(sql "SELECT (SELECT SUM(queued) FROM batch_counts WHERE job_id = $jid) = (SELECT COUNT(*) FROM batch_items WHERE job_id = $jid AND state = 'queued') AND (SELECT SUM(failed) FROM batch_counts WHERE job_id = $jid) = (SELECT COUNT(*) FROM batch_items WHERE job_id = $jid AND state = 'failed')")"

# ---- Disk ----
n=$(sql "SELECT n_items FROM batch_jobs WHERE id = $jid")
sql "ANALYZE TABLE batch_items" >/dev/null
note "$(sql "SELECT CONCAT('disk: batch_items ', ROUND((data_length + index_length) / 1048576), ' MB (data ', ROUND(data_length / 1048576), ' MB, indexes ', ROUND(index_length / 1048576), ' MB) = ', ROUND((data_length + index_length) / 1048576 / ($n / 1e6)), ' MB per million items') FROM information_schema.TABLES WHERE table_schema = DATABASE() AND table_name = 'batch_items'")"
note "disk: datadir $(du -sm "$work/mysql/data" | cut -f1) MB in all (with the InnoDB logs and system tablespace)"
note "database alive at the end: $(sql "SELECT 'yes'")"
grep -c "FATAL\|Over 95 percent" "$work/mysql/mysqld.log" | sed 's/^/server log FATAL lines: /' | while read -r l; do note "$l"; done
