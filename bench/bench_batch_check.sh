#!/bin/bash
# bench_batch_check.sh: issue 11's check, and the shop's try-on latency
# with and without a batch beside it.
#
#   bench/bench_batch_check.sh [COUNT [DURATION_S]]
#
# A COUNT-path job (default 1,000,000) runs with --jobs 2 on a MariaDB
# with ./run.sh's settings (scripts/db.sh: 64 MB buffer pool) while the
# web app (lighttpd, scripts/web.sh, FF_PROCS=2 FastCGI workers) serves on
# the same machine and database; SIGINT stops the batch after DURATION_S
# seconds (default 420, the issue's 7 minutes). Meanwhile /healthz is
# probed every second (curl, 1 s timeout), and wrk measures try-on
# latency (bench/wrk_tryon.lua, WRK_S seconds, default 20) once before the
# batch starts and once while it runs. Prints, never passes or fails:
#   - the probes: how many, how many were 200 within 1 s, the slowest;
#   - the job: loaded?, its items, photos processed, detections stored
#     twice, whether the server is alive and logged a FATAL;
#   - try-on p50/p99 and requests/s without and with the batch.
# BATCH_ARGS adds options to the batch (e.g. "--no-yield" or
# "--max-rate 5"). Everything lives under var/bench-check.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${FF_BUILD_DIR:-$root}" && pwd)
cli=$build/src/framefit
bin=$build/cgi-bin/framefit.fcgi
faces=${FF_FACES:-$root/../shared/data/faces}
count=${1:-1000000}
duration=${2:-420}
wrk_s=${WRK_S:-20}
work=$root/var/bench-check
if [ -n "${FF_BENCH_MODELS:-}" ]; then
	models=$FF_BENCH_MODELS
elif [ -s "$root/models/face.weights" ]; then
	models=$root/models
else
	models=/tmp/m
fi
export FF_VAR=$work FF_DB_DIR=$work/mysql FF_DB_SOCKET=$work/mysql/mysql.sock
export FF_DB_NAME=framefit_check FF_SECRET_FILE=$work/secret
export FF_ADMIN_USER=admin FF_ADMIN_PASSWORD=bench-admin-pw FF_PROCS=2
export FF_SQL_DIR=$root/sql
# One client (wrk) sends all the try-ons: the per-client upload limits
# off, or most answers would be 429 (as bench_web.sh).
export FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0
unset FF_MODELS_DIR FF_TEMPLATES FF_STATIC FF_MIGRATE FF_MAX_REQUESTS FF_DB_LEAST

die() { echo "bench_batch_check.sh: $*" >&2; exit 1; }
[ -x "$cli" ] && [ -x "$bin" ] || die "build src/framefit and cgi-bin/framefit.fcgi (FF_BUILD_DIR)"
mkdir -p "$work/selfies"
sql() { "$root/scripts/db.sh" sql -N -B -e "$1"; }

web_started=0 prober= batch=
cleanup() {
	[ -n "$prober" ] && kill "$prober" 2>/dev/null
	[ -n "$batch" ] && kill -INT "$batch" 2>/dev/null && wait "$batch" 2>/dev/null
	[ $web_started = 1 ] && "$root/scripts/web.sh" stop lighttpd >/dev/null 2>&1
	"$root/scripts/db.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# $(date -u +%FT%TZ) bench_batch_check.sh $count $duration; $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"

# ---- The list: photos under directory links, every path distinct ----
list=$work/list.txt
if [ "$(cat "$list.count" 2>/dev/null)" != "$count" ]; then
	rm -rf "$work/set" "$work/photos"
	mkdir -p "$work/set" "$work/photos"
	find "$faces/mtfl/images" -name '*.jpg' | sort | head -n 10000 |
		awk '{ printf "%s\t%d.jpg\n", $0, NR }' |
		while IFS=$'\t' read -r p n; do ln -s "$p" "$work/photos/$n"; done
	k=$(ls "$work/photos" | wc -l)
	for i in $(seq 0 $((count / k + 1))); do ln -s "$work/photos" "$work/set/d$i"; done
	ls "$work/photos" | awk -v n="$count" -v set="$work/set" '
		{ name[NR - 1] = $0 } END {
		for (i = 0; i < n; i++)
			printf "%s/d%d/%s\n", set, int(i / NR), name[i % NR] }' >"$list" &&
		echo "$count" >"$list.count"
fi

# ---- The stack: MariaDB as ./run.sh starts it, lighttpd, 2 workers ----
"$root/scripts/db.sh" start >"$work/db.out" 2>&1 || die "MariaDB: $(cat "$work/db.out")"
FF_DB_NAME=mysql "$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME;
	CREATE DATABASE $FF_DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ||
	die "cannot create $FF_DB_NAME"
"$bin" --migrate >"$work/migrate.out" 2>&1 || die "migrations: see $work/migrate.out"
export PORT=$("$root/scripts/free-port.sh")
url="http://127.0.0.1:$PORT/"
FF_FCGI_BIN=$bin FF_MODELS_DIR=$models "$root/scripts/web.sh" start lighttpd \
	>"$work/web.out" 2>&1 || die "lighttpd: see $work/web.out"
web_started=1
skus=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku" | paste -sd, -)

# Selfies as bench_web.sh makes them (1.0-2.9 MP), fewer.
selfies=()
k=0
for p in $(ls "$faces/mtfl/images/lfw_5590/"*.jpg | awk 'NR % 300 == 1' | head -n 6); do
	side=$((1000 + 350 * (k % 3)))
	out=$work/selfies/$k.jpg
	[ -s "$out" ] || ffmpeg -nostdin -loglevel error -y -i "$p" \
		-vf "scale=$side:$side:flags=bicubic,noise=alls=10:allf=u" -q:v 2 "$out"
	selfies+=("$out")
	k=$((k + 1))
done
for s in "${selfies[@]}"; do
	curl -s -o /dev/null --max-time 60 -F "photo=@$s" -F "frame=${skus%%,*}" "${url}tryon"
done

tryons() {	# tryons LABEL
	wrk -t2 -c2 -d"${wrk_s}s" --timeout 30s --latency -s "$root/bench/wrk_tryon.lua" \
		"$url" -- "$skus" "${selfies[@]}" >"$work/wrk.$1" 2>&1
	awk -v l="$1" '$1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		/Requests\/sec/ { rps = $2 } /^statuses:/ { st = $0 }
		END { printf "try-on %s: p50 %s, p99 %s, %s requests/s (%s)\n", l, p50, p99, rps, st }' \
		"$work/wrk.$1"
}

echo "# web: $url, 2 workers; batch: $count paths, --jobs 2 ${BATCH_ARGS:-}, SIGINT after $duration s"
tryons "without a batch"

# ---- The batch, with /healthz probed every second ----
probe_loop() {
	while :; do
		curl -s -o /dev/null -m 1 -w '%{http_code} %{time_total}\n' "${url}healthz" ||
			echo "000 1.0"
		sleep 1
	done
}
probe_loop >"$work/probes.txt" &
prober=$!
t0=$(date +%s)
"$cli" batch --no-progress --models "$models" --jobs 2 ${BATCH_ARGS:-} --job check "$list" \
	>"$work/batch.out" 2>"$work/batch.err" &
batch=$!
# Try-ons while the batch loads and works: halfway through.
sleep $((duration / 2))
tryons "with a 2-worker batch"
while [ $(($(date +%s) - t0)) -lt "$duration" ] && kill -0 "$batch" 2>/dev/null; do
	sleep 1
done
kill -INT "$batch" 2>/dev/null
wait "$batch"
batch=
kill "$prober" 2>/dev/null
prober=
cat "$work/batch.out"

awk '{ n++; if ($1 == 200 && $2 < 1) ok++; if ($2 > max) max = $2 }
	END { printf "healthz: %d probes, %d answered 200 within 1 s, slowest %.3f s\n", n, ok, max }' \
	"$work/probes.txt"
jid=$(sql "SELECT id FROM batch_jobs WHERE name = 'check'")
echo "job: $(sql "SELECT CONCAT('loaded ', IF(loaded IS NULL, 'no', 'yes'), ', ', n_items, ' items') FROM batch_jobs WHERE id = $jid")"
echo "photos finished: $(sql "SELECT SUM(done + noface + failed) FROM batch_counts WHERE job_id = $jid")"
echo "detections stored twice: $(sql "SELECT COUNT(*) - COUNT(DISTINCT batch_item_id) FROM detections WHERE batch_item_id IS NOT NULL")"
echo "database alive: $(sql "SELECT 'yes'" 2>/dev/null || echo no); FATAL lines in its log: $(grep -c 'FATAL' "$work/mysql/mysqld.log")"
