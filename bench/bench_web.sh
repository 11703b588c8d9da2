#!/bin/bash
# bench_web.sh: try-ons per second through the real stack on loopback:
# wrk -> lighttpd -> mod_fastcgi -> framefit.fcgi (detector, libgd) ->
# MariaDB, with 1-3 MP JPEG selfies. It prints numbers; it does not pass
# or fail. Target (issue 3): >= 50 try-ons/s on 2 cores.
#
#   bench/bench_web.sh
#
# A try-on is one POST /tryon (multipart: photo + frame) answered 303;
# wrk does not follow the redirect (bench/wrk_tryon.lua). The selfies are
# made at run time: shared face photos upscaled (ffmpeg, bicubic) to
# 1000, 1400 and 1700 px squares, i.e. 1.0, 2.0 and 2.9 MP, with a little
# noise as a phone sensor leaves it (an upscaled photo alone is smooth,
# compresses to a third of a real photo's size and decodes faster).
#
# Environment:
#   FF_BUILD_DIR    where `make` built cgi-bin/framefit.fcgi (default: the
#                   source tree, i.e. an in-tree build)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it holds
#                   trained weights, else /tmp/m)
#   FF_PROCS        FastCGI workers (default 2, one per core)
#   DURATION        wrk's run (default 20s); CONNS (default 4), THREADS (2)
#   PERF=1          also profile the workers with perf during the run
#   KEEP=1          leave the servers and the bench database for a look
#
# Everything lives under var/bench-web (its own MariaDB, database
# framefit_bench, dropped at the end: each upload stores its photo).
#
# Its wrk sends dozens of uploads a second from one address (127.0.0.1):
# the workers run with the per-client upload limits off (FF_UPLOAD_RATE=0
# FF_UPLOAD_CONCURRENT=0), or most answers would be 429. It measures
# throughput, not the limits (tests/integration/test_abuse.sh does).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${FF_BUILD_DIR:-$root}" && pwd)
bin=$build/cgi-bin/framefit.fcgi
faces=${FF_FACES:-$root/../shared/data/faces}
work=$root/var/bench-web
duration=${DURATION:-20s}
conns=${CONNS:-4}
threads=${THREADS:-2}

. "$root/bench/stack_env.sh"
bench_stack_env "$work" framefit_bench

die() { echo "bench_web.sh: $*" >&2; exit 1; }

for c in wrk ffmpeg curl lighttpd mariadbd; do
	command -v $c >/dev/null || die "$c is not installed"
done
[ -x "$bin" ] || die "no $bin: build it first (make; FF_BUILD_DIR names the build)"

db_started=0
web_started=0
cleanup() {
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

mkdir -p "$work/selfies"
rm -f "$work/log/"*.log "$work/perf.data"

if [ -n "${FF_TEST_MODELS:-}" ]; then
	models=$FF_TEST_MODELS
elif [ -s "$root/models/face.weights" ] && [ -s "$root/models/eyes.weights" ] &&
    [ -s "$root/models/refine.weights" ]; then
	models=$root/models
else
	models=/tmp/m
	echo "# warning: no trained weights in $root/models; using $models"
fi

# ---- The selfies: 12 shared photos (every 300th of LFW), three sizes ----

photos=$(ls "$faces/mtfl/images/lfw_5590/"*.jpg 2>/dev/null | awk 'NR % 300 == 1' | head -n 12)
[ -n "$photos" ] || die "no face photos under $faces/mtfl/images/lfw_5590"
sides=(1000 1400 1700)
selfies=()
k=0
for p in $photos; do
	side=${sides[k % 3]}
	out=$work/selfies/$(printf '%02d' $k)-${side}.jpg
	if [ ! -s "$out" ]; then
		ffmpeg -nostdin -loglevel error -y -i "$p" \
			-vf "scale=$side:$side:flags=bicubic,noise=alls=10:allf=u" \
			-q:v 2 "$out" ||
			die "ffmpeg failed on $p"
	fi
	selfies+=("$out")
	k=$((k + 1))
done
bytes=$(cat "${selfies[@]}" | wc -c)
echo "# ${#selfies[@]} selfies, 1.0/2.0/2.9 MP, $((bytes / ${#selfies[@]} / 1024)) KB on average"

# ---- The stack ----

bench_stack_start "$bin" "$models"
workers=$("$root/scripts/web.sh" workers lighttpd)
skus=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku" | paste -sd, -)
echo "# lighttpd on $url, $FF_PROCS workers ($workers), models $models, $(nproc) cores"

# Warm-up, one request per selfie: caches, and whether the faces are found.
n303=0
for s in "${selfies[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 \
		-F "photo=@$s" -F "frame=${skus%%,*}" "${url}tryon")
	[ "$code" = 303 ] && n303=$((n303 + 1))
done
echo "# warm-up: $n303 of ${#selfies[@]} selfies answered 303 (a face found)"
t_start=$(sql "SELECT NOW(6)")

# ---- The run ----

if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null; then
	perf record -q -F 499 -o "$work/perf.data" -p "$(echo $workers | tr ' ' ,)" \
		>/dev/null 2>&1 &
	perf_pid=$!
fi
echo "# wrk -t$threads -c$conns -d$duration (loopback)"
wrk -t"$threads" -c"$conns" -d"$duration" --timeout 30s \
	-s "$root/bench/wrk_tryon.lua" "$url" -- "$skus" "${selfies[@]}"
if [ -n "${perf_pid:-}" ]; then
	kill -INT "$perf_pid" 2>/dev/null
	wait "$perf_pid" 2>/dev/null
fi

# ---- Where the time goes: the workers' own stage timings ----

echo "# per try-on in the workers (ms, from table tryons): mean / p50 / p99"
sql "SELECT decode_ms, detect_ms, store_ms FROM tryons WHERE created >= '$t_start'" \
	>"$work/stages.tsv"
n=$(wc -l <"$work/stages.tsv")
col=1
for name in decode detect store; do
	cut -f $col "$work/stages.tsv" | sort -n | awk -v name=$name '
		{ v[NR] = $1; s += $1 }
		END {
			if (NR == 0) exit
			printf "  %-7s %7.1f / %7.1f / %7.1f\n", name, s / NR,
			    v[int((NR - 1) * 0.50) + 1], v[int((NR - 1) * 0.99) + 1]
		}'
	col=$((col + 1))
done
echo "  ($n try-ons; store = the stored JPEG (a metadata strip, or an encode when shrunk or turned) + SHA-256 + the INSERTs)"
echo "# mean ms by stored photo size (1700 px selfies are decoded at 7/8 in the DCT: 1488 px)"
sql "SELECT CONCAT(u.width, 'x', u.height), COUNT(*), ROUND(AVG(t.decode_ms), 1),
	ROUND(AVG(t.detect_ms), 1), ROUND(AVG(t.store_ms), 1)
	FROM tryons t JOIN uploads u ON u.id = t.upload_id
	WHERE t.created >= '$t_start' GROUP BY u.width, u.height ORDER BY u.width" |
	awk -F '\t' '{ printf "  %-9s n=%-4d decode %6.1f  detect %6.1f  store %6.1f\n", $1, $2, $3, $4, $5 }'
if [ -s "$work/perf.data" ]; then
	echo "# perf: the workers' time by library, then the hottest symbols"
	perf report -i "$work/perf.data" --no-children --sort dso 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 8
	perf report -i "$work/perf.data" --no-children --sort dso,symbol 2>/dev/null |
		grep -E '^ +[0-9]' | head -n 20
fi
