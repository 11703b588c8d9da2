#!/bin/bash
# soak.sh: framefit at 80 % of its peak try-on rate for a long run, through
# the real stack (wrk -> lighttpd -> framefit.fcgi -> MariaDB), watching
# for errors, lost uploads and memory growth in the workers. A benchmark:
# it prints numbers and does not pass or fail, except that it exits 1 when
# an upload answered 303 is not in the database (or rows appear that no
# request explains).
#
#   bench/soak.sh                  # measure the peak for 20 s, then 600 s at 80 %
#   DURATION=120 PEAK=90 bench/soak.sh
#
# A try-on is one POST /tryon (multipart: a face photo and a frame)
# answered 303 (tests/integration/wrk_mix.lua, mix=tryon). The peak is
# what CONNS_PEAK connections without pause get in PEAK_SECONDS; the soak
# then paces CONNS connections (wrk_mix.lua rate=, a fixed schedule on a
# monotonic clock, as wrk2 does) to LOAD x peak in all. Every 30 s the
# resident memory (VmRSS) of every framefit.fcgi is sampled.
#
# Environment:
#   FF_BUILD_DIR   where `make` built cgi-bin/framefit.fcgi (default: the
#                  source tree)
#   FF_FACES       the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS the model directory (default <repo>/models when trained)
#   FF_PROCS       workers (default 2, one per core)
#   DURATION       seconds of the soak (default 600)
#   PEAK           try-ons/s to take as the peak instead of measuring it
#   PEAK_SECONDS   seconds of the peak measurement (default 20)
#   LOAD           the fraction of the peak (default 0.8)
#   CONNS          connections of the soak (default 6); CONNS_PEAK (4)
#   SAMPLE_S       seconds between memory samples (default 30)
#   SOAK_OUT       a copy of the output (default <repo>/var/artifacts/soak.txt)
#   KEEP=1         leave the servers and the database for a look
#
# Everything lives under var/soak (its own MariaDB, database framefit_soak,
# dropped at the end: every upload stores its photo).
#
# All its connections come from one address (127.0.0.1) at dozens of
# uploads a second: the workers run with the per-client upload limits off
# (FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0), or most answers would be 429.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FF_BUILD_DIR:-$root}
bin=$build/cgi-bin/framefit.fcgi
faces=${FF_FACES:-$root/../shared/data/faces}
work=$root/var/soak
duration=${DURATION:-600}
peak_s=${PEAK_SECONDS:-20}
load=${LOAD:-0.8}
conns=${CONNS:-6}
conns_peak=${CONNS_PEAK:-4}
sample_s=${SAMPLE_S:-30}
out=${SOAK_OUT:-$root/var/artifacts/soak.txt}

. "$root/bench/stack_env.sh"
bench_stack_env "$work" framefit_soak

die() { echo "soak.sh: $*" >&2; exit 2; }

for c in wrk curl lighttpd mariadbd; do
	command -v $c >/dev/null || die "$c is not installed"
done
[ -x "$bin" ] || die "no $bin: build it first (make; FF_BUILD_DIR names the build)"
case $duration$peak_s$conns$conns_peak$sample_s in
*[!0-9]*) die "DURATION, PEAK_SECONDS, CONNS, CONNS_PEAK and SAMPLE_S are whole numbers" ;;
esac

mkdir -p "$work" "$(dirname "$out")"
exec > >(tee "$out") 2>&1

db_started=0
web_started=0
sampler=
cleanup() {
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then
		echo "KEEP=1: lighttpd at ${url:-?}, MariaDB at $FF_DB_SOCKET"
		return
	fi
	bench_stack_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sql() {
	"$root/scripts/db.sh" sql -N -B -e "$1"
}

# The live framefit.fcgi workers under this lighttpd.
worker_pids() { "$root/scripts/web.sh" workers lighttpd; }
# One memory sample: seconds since the soak began, then pid:VmRSS(KB)
# of each worker, then their sum.
rss_sample() {
	local t=$1 p kb line= sum=0
	for p in $(worker_pids); do
		kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$kb" ] || continue
		line="$line $p:$kb"
		sum=$((sum + kb))
	done
	echo "$t$line total:$sum"
}

rm -f "$work/log/"*.log "$work"/wrk-*

# ---- The photos: real faces, each checked to give a try-on ----

if [ -n "${FF_TEST_MODELS:-}" ]; then
	models=$FF_TEST_MODELS
elif [ -s "$root/models/face.weights" ] && [ -s "$root/models/eyes.weights" ] &&
    [ -s "$root/models/refine.weights" ]; then
	models=$root/models
else
	models=/tmp/m
	echo "# warning: no trained weights in $root/models; using $models"
fi
cands=$(ls "$faces/mtfl/images/lfw_5590/"*.jpg 2>/dev/null | awk 'NR % 300 == 1' | head -n 12)
[ -n "$cands" ] || die "no face photos under $faces/mtfl/images/lfw_5590"

# ---- The stack ----

bench_stack_start "$bin" "$models"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
photos=
for p in $cands; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 \
		-F "photo=@$p" -F "frame=$sku" "${url}tryon")
	[ "$code" = 303 ] && photos="${photos:+$photos,}$p"
done
[ -n "$photos" ] || die "no photo gave a try-on (models $models)"
nphotos=$(echo "$photos" | tr ',' '\n' | wc -l)
echo "# framefit soak, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# lighttpd on $url, $FF_PROCS workers ($(worker_pids)), models $models"
echo "# $nphotos of 12 LFW photos (250 x 250) give a try-on; frame $sku"

# Wait until the workers have stored what they had in hand when wrk
# stopped (its last requests go on in the workers without a client).
settle() {
	local a b=-1 i
	for i in $(seq 30); do
		a=$(sql "SELECT COUNT(*) FROM uploads")
		[ "$a" = "$b" ] && return 0
		b=$a
		sleep 1
	done
}

mixrun() {	# mixrun NAME SECONDS CONNS [key=value...]
	local name=$1 secs=$2 c=$3
	shift 3
	wrk -t"$c" -c"$c" -d"${secs}s" --timeout 30s \
		-s "$root/tests/integration/wrk_mix.lua" "$url" -- \
		sku="$sku" photo="$photos" out="$work/wrk-$name" mix=tryon "$@" \
		>"$work/wrk-$name.out" 2>"$work/wrk-$name.err"
}
mixval() {	# mixval FILE FIELD...
	local f=$1
	shift
	awk -v k="$*" '{ s = $0; sub(/^mix: /, "", s) }
		index(s, k " ") == 1 { print substr(s, length(k) + 2) }' "$f"
}

# ---- The peak ----

if [ -n "${PEAK:-}" ]; then
	peak=$PEAK
	echo "# peak: $peak try-ons/s (given)"
else
	mixrun peak "$peak_s" "$conns_peak"
	n=$(mixval "$work/wrk-peak.out" status tryon 303)
	peak=$(awk -v n="${n:-0}" -v s="$peak_s" 'BEGIN { printf "%.1f", n / s }')
	echo "# peak: $peak try-ons/s ($conns_peak connections without pause, $peak_s s; $(mixval "$work/wrk-peak.out" requests))"
fi
target=$(awk -v p="$peak" -v l="$load" 'BEGIN { printf "%.1f", p * l }')
per_conn=$(awk -v t="$target" -v c="$conns" 'BEGIN { printf "%.3f", t / c }')
awk -v t="$target" 'BEGIN { exit !(t > 0) }' || die "no peak to take a fraction of"

# ---- The soak ----

settle
id0=$(sql "SELECT COALESCE(MAX(id), 0) FROM uploads")
pids0=$(worker_pids)
echo "# soak: $duration s at $target try-ons/s ($load of the peak), $conns connections at $per_conn/s each"
echo "# worker memory every $sample_s s (seconds, pid:VmRSS KB, total KB):"
: >"$work/rss.txt"
rss_sample 0 | tee -a "$work/rss.txt" | sed 's/^/  /'
(
	t=0
	while sleep "$sample_s"; do
		t=$((t + sample_s))
		[ "$t" -lt "$duration" ] || break
		rss_sample "$t" | tee -a "$work/rss.txt" | sed 's/^/  /'
	done
) &
sampler=$!
t_start=$SECONDS
mixrun soak "$duration" "$conns" rate="$per_conn"
elapsed=$((SECONDS - t_start))
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=
rss_sample "$duration" | tee -a "$work/rss.txt" | sed 's/^/  /'
pids1=$(worker_pids)
settle

# ---- What the clients saw, what the database holds ----

f=$work/wrk-soak.out
ok303=$(mixval "$f" status tryon 303)
ok303=${ok303:-0}
other=$(awk '$1 == "mix:" && $2 == "status" && !($3 == "tryon" && $4 == 303) {
	n += $5; s = s " " $4 "x" $5 } END { printf "%d%s", n, s }' "$f")
read -r ec er ew et < <(mixval "$f" socket_errors)
cat "$work"/wrk-soak.*.tokens 2>/dev/null | sort -u >"$work/tokens"
ntok=$(wc -l <"$work/tokens")
{
	echo "CREATE TEMPORARY TABLE seen (token CHAR(32) PRIMARY KEY);"
	sed "s/.*/INSERT INTO seen VALUES ('&');/" "$work/tokens"
	echo "SELECT COUNT(*) FROM seen s JOIN uploads u ON u.token = s.token
		WHERE EXISTS (SELECT 1 FROM detections d WHERE d.upload_id = u.id AND d.faces > 0)
		AND EXISTS (SELECT 1 FROM tryons t WHERE t.upload_id = u.id);"
} >"$work/tokens.sql"
found=$("$root/scripts/db.sh" sql -N -B <"$work/tokens.sql")
rows=$(sql "SELECT COUNT(*) FROM uploads WHERE id > $id0")
rows_full=$(sql "SELECT COUNT(*) FROM uploads u WHERE u.id > $id0 AND
	EXISTS (SELECT 1 FROM tryons t WHERE t.upload_id = u.id)")
dbsize=$(sql "SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM
	information_schema.tables WHERE table_schema = '$FF_DB_NAME'")
rss_first=$(head -n 1 "$work/rss.txt" | awk '{ print $NF }' | cut -d: -f2)
rss_last=$(tail -n 1 "$work/rss.txt" | awk '{ print $NF }' | cut -d: -f2)
rss_max=$(awk '{ split($NF, a, ":"); if (a[2] > m) m = a[2] } END { print m + 0 }' "$work/rss.txt")
hwm=
for p in $pids1; do
	hwm="$hwm $p:$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)"
done

echo
echo "soak summary ($(date -u '+%H:%M UTC'))"
echo "  load:      peak $peak try-ons/s, target $target/s; achieved $(awk -v n="$ok303" -v s="$elapsed" 'BEGIN { printf "%.1f", n / s }') try-ons/s over $elapsed s"
echo "  requests:  $(mixval "$f" requests)"
echo "  errors:    $other answers other than 303; socket errors: connect $ec, read $er, write $ew, timeout $et"
echo "  uploads:   $ok303 answered 303 ($ntok tokens); $found of them stored with detection and try-on"
echo "  rows:      $rows uploads stored during the soak, $rows_full with a try-on; $((rows - ok303)) more than answers (requests in flight when wrk stopped; at most $conns)"
echo "  database:  $dbsize MB in $FF_DB_NAME"
echo "  workers:   $pids0 at the start, $pids1 at the end"
echo "  memory:    workers' RSS $rss_first KB at the start, $rss_last KB at the end, at most $rss_max KB (sum of $FF_PROCS); VmHWM$hwm KB"
errs=$(grep -cE 'child (signalled|exited)|backend error' "$work/log/lighttpd-error.log" 2>/dev/null)
echo "  logs:      lighttpd: ${errs:-0} worker deaths; framefit.log: $(grep -c ' -> 5[0-9][0-9] ' "$work/log/framefit.log" 2>/dev/null) 5xx lines"

status=0
if [ "$found" != "$ok303" ] || [ "$ntok" != "$ok303" ]; then
	echo "soak.sh: $((ok303 - found)) upload(s) answered 303 are not in the database" >&2
	status=1
fi
if [ "$rows" -lt "$ok303" ] || [ "$((rows - ok303))" -gt "$conns" ]; then
	echo "soak.sh: $rows rows for $ok303 answers: more than the $conns requests in flight at the end explain" >&2
	status=1
fi
exit $status
