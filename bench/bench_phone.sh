#!/bin/bash
# bench_phone.sh: try-ons per second on phone photos, framefit against the
# peer (bench/peer/: Flask + gunicorn, OpenCV Haar cascades), in the same
# sitting, each behind its own lighttpd on loopback, 4 connections. It
# prints numbers and ratios; it does not pass or fail (issue 14).
#
#   bench/bench_phone.sh
#
# The photos are made at run time (bench/phone_photos.py): 12 MP phone
# JPEGs (4032 x 3024 and 3024 x 4032, baseline and progressive, one stored
# landscape with EXIF orientation 6, 3.9-4.4 MB at quality 92) and 1.9-3.1
# MP ones, from scikit-image's astronaut and shared LFW faces, scaled up
# with a sensor's grain added (see phone_photos.py for why and how).
#
# The stacks, both started here the way bench_web.sh and ./run.sh start
# framefit's:
#   framefit  client -> lighttpd -> mod_fastcgi -> framefit.fcgi (FF_PROCS
#             workers, default 2) -> MariaDB
#   peer      client -> lighttpd -> mod_proxy -> gunicorn (2 sync workers)
# Both lighttpds buffer each upload whole before the backend sees it.
#
# What a try-on is (bench/tryon_client.py): for the peer, its POST, which
# answers the picture. For framefit two figures: "post", the POST /tryon
# answered 303 (what bench_web.sh counts), and "full", that POST and what
# the browser then fetches: the result page and the picture
# /t/{token}/{sku}.jpg, where the frame is drawn. "full" is the same job
# as the peer's POST; the ratios are taken against it.
#
# Where the time goes: framefit's answers carry a Server-Timing header
# (W3C Server Timing; src/app/photo.h photo_timing()), measured in the
# worker: receive (the body read from lighttpd and parsed), decode,
# detect, store (the stored JPEG made, and its SHA-256), db (the one
# transaction), total (the request in the worker, routing and writing the
# answer included); the picture's: db (the photo and its faces read),
# decode, draw, encode, total. The bench prints their medians per photo.
#
# Environment:
#   FF_BUILD_DIR    where `make` built cgi-bin/framefit.fcgi (default: the
#                   source tree)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it
#                   holds trained weights, else /tmp/m)
#   FF_PROCS        framefit's workers (default 2); the peer always has 2
#   DURATION        seconds a slice (default 20); CONNS (default 4)
#   ROUNDS          slices of each mode, taken in turn (default 3)
#   KINDS           the photo sets (default "12mp 2mp")
#   MODES           framefit's runs (default "post full")
#   PERF=1          profile framefit's workers with perf during the last
#                   slice of each mode (the libraries and symbols printed)
#   KEEP=1          leave the servers and the database up for a look
#
# Everything lives under var/bench-phone (its own MariaDB, database
# framefit_bench_phone, dropped at the end).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${FF_BUILD_DIR:-$root}" && pwd)
bin=$build/cgi-bin/framefit.fcgi
faces=${FF_FACES:-$root/../shared/data/faces}
work=$root/var/bench-phone
kinds=${KINDS:-12mp 2mp}
modes=${MODES:-post full}
py=/usr/bin/python3

export DURATION=${DURATION:-20} CONNS=${CONNS:-4}
rounds=${ROUNDS:-3}
. "$root/bench/stack_env.sh"
bench_stack_env "$work" framefit_bench_phone

die() { echo "bench_phone.sh: $*" >&2; exit 1; }

# The peer's packages and the photos' (Debian's, as run.sh installs).
. "$root/scripts/deps.sh"
ff_install_missing python3-flask gunicorn python3-opencv opencv-data \
	python3-skimage python3-pil python3-numpy lighttpd mariadb-server curl ||
	die "cannot install the peer's packages"
for c in curl lighttpd mariadbd gunicorn $py; do
	command -v $c >/dev/null || die "$c is not installed"
done
[ -x "$bin" ] || die "no $bin: build it first (make; FF_BUILD_DIR names the build)"

db_started=0
web_started=0
peer_pids=()
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "KEEP=1: framefit at ${url:-?}, peer at ${peer_url:-?}, MariaDB at $FF_DB_SOCKET"
		return
	fi
	# The peer's lighttpd and gunicorn master, each by its own pid.
	for p in "${peer_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	[ -s "$work/peer/lighttpd.pid" ] && kill -TERM "$(cat "$work/peer/lighttpd.pid")" 2>/dev/null
	bench_stack_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sql() {
	"$root/scripts/db.sh" sql -N -B -e "$1"
}

if [ -n "${FF_TEST_MODELS:-}" ]; then
	models=$FF_TEST_MODELS
elif [ -s "$root/models/face.weights" ] && [ -s "$root/models/eyes.weights" ] &&
    [ -s "$root/models/refine.weights" ]; then
	models=$root/models
else
	models=/tmp/m
	echo "# warning: no trained weights in $root/models; using $models"
fi

# ---- The photos ----

mkdir -p "$work/photos" "$work/runs"
rm -f "$work/runs/"*
lfw=$(ls "$faces/mtfl/images/lfw_5590/"*.jpg 2>/dev/null | awk 'NR % 300 == 1' | head -n 1)
[ -n "$lfw" ] || die "no face photos under $faces/mtfl/images/lfw_5590"
$py "$root/bench/phone_photos.py" "$work/photos" $lfw >"$work/photos.txt" ||
	die "phone_photos.py failed"
photos_of() {
	ls "$work/photos/"*-"$1"*.jpg 2>/dev/null
}
for k in $kinds; do
	case $k in
	12mp) set -- $(photos_of 12mp) ;;
	2mp) set -- $(photos_of 2mp) $(photos_of 3mp) ;;
	*) die "unknown kind $k (12mp, 2mp)" ;;
	esac
	[ $# -gt 0 ] || die "no $k photos"
	echo "$*" >"$work/runs/$k.list"
	awk -v k=$k '$1 ~ (k == "12mp" ? "-12mp-" : "-[23]mp-") { n++; b += $3 }
		END { printf "# %s: %d photos, %.2f MB on average\n", k, n, b / n / 1e6 }' \
		"$work/photos.txt"
done

# ---- framefit's stack, as bench_web.sh starts it ----

bench_stack_start "$bin" "$models"
skus=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku" | paste -sd, -)

# ---- The peer's stack ----

mkdir -p "$work/peer/tmp" "$work/peer/www"
gport=$("$root/scripts/free-port.sh")
pport=$("$root/scripts/free-port.sh")
while [ "$pport" = "$PORT" ] || [ "$pport" = "$gport" ]; do
	pport=$("$root/scripts/free-port.sh")
done
gunicorn --workers 2 --worker-class sync --bind "127.0.0.1:$gport" \
	--chdir "$root/bench/peer" --timeout 60 --log-level warning \
	app:app >"$work/peer/gunicorn.log" 2>&1 &
peer_pids+=($!)
sed -e "s|@PORT@|$pport|" -e "s|@VAR@|$work/peer|g" -e "s|@UPSTREAM@|$gport|" \
	-e "s|@USER@|# the caller's user|" \
	"$root/bench/peer/lighttpd.conf.in" >"$work/peer/lighttpd.conf"
lighttpd -f "$work/peer/lighttpd.conf" >"$work/peer/lighttpd.out" 2>&1 ||
	die "the peer's lighttpd did not start; see $work/peer/lighttpd.out"
peer_url="http://127.0.0.1:$pport/"
for _ in $(seq 1 100); do
	curl -sf -o /dev/null --max-time 2 "${peer_url}healthz" && break
	sleep 0.2
done
curl -sf -o /dev/null --max-time 2 "${peer_url}healthz" ||
	die "the peer does not answer; see $work/peer/gunicorn.log"

echo "# framefit at $url ($FF_PROCS workers, models $models); peer at $peer_url (gunicorn, 2 workers)"
echo "# $rounds rounds of a ${DURATION} s slice for each of: framefit $modes, the peer"
echo "# $(lscpu | grep 'Model name' | sed 's/  */ /g'), $(nproc) cores; $CONNS connections"
# The detector's matrix products run in OpenBLAS, which picks its kernels
# by CPU model at load: one it does not know gets its oldest (Prescott,
# SSE3), a few times slower (docs/PERFORMANCE.md). Say which the workers
# got: the one their environment names, else the last the program reports
# (it re-executes itself with better ones: src/vision/blas.h).
w1=$("$root/scripts/web.sh" workers lighttpd | cut -d' ' -f1)
core=
[ -n "$w1" ] &&
	core=$(tr '\0' '\n' <"/proc/$w1/environ" 2>/dev/null | sed -n 's/^OPENBLAS_CORETYPE=//p')
[ -n "$core" ] && core="$core (OPENBLAS_CORETYPE)" ||
	core=$(env -u OPENBLAS_CORETYPE OPENBLAS_VERBOSE=2 "$bin" --version 2>&1 |
		sed -n 's/^Core: //p' | tail -n 1)
echo "# OpenBLAS kernels in the workers: $core"

# ---- The runs ----

# The machine is shared: a load that comes and goes would favour whichever
# side ran while it was away. So each kind runs in ROUNDS rounds, each
# round a slice of DURATION seconds for every mode and then the peer, and
# the figures are over all the slices of a mode (try-ons over seconds).
run() {	# kind, mode, url, round
	local out=$work/runs/$1-$2-$4 perf_pid=
	if [ "${PERF:-0}" = 1 ] && [ "$2" != peer ] && [ "$4" = "$rounds" ] &&
	    command -v perf >/dev/null; then
		(sleep 3; exec perf record -q -F 499 -g -o "$work/runs/$1-$2.perf" \
			-p "$("$root/scripts/web.sh" workers lighttpd | tr ' ' ,)" \
			-- sleep $((DURATION - 5))) >/dev/null 2>&1 &
		perf_pid=$!
	fi
	# Each photo once on one connection before a mode's first slice.
	WARMUP=$([ "$4" = 1 ] && echo 1 || echo 0) \
		$py "$root/bench/tryon_client.py" "$2" "$3" "$skus" "$out.tsv" \
		$(cat "$work/runs/$1.list") >"$out.sum" 2>"$out.err"
	[ -n "$perf_pid" ] && wait "$perf_pid"
	echo "  $1 $2 round $4: $(cat "$out.sum") $(head -c 200 "$out.err" | tr '\n' ' ')"
}
for k in $kinds; do
	for r in $(seq 1 "$rounds"); do
		for m in $modes; do
			run $k $m "$url" $r
		done
		run $k peer "$peer_url" $r
	done
	for m in $modes peer; do
		cat "$work/runs/$k-$m-"[0-9]*.tsv >"$work/runs/$k-$m.tsv"
		$py "$root/bench/tryon_client.py" summary \
			$((DURATION * rounds)) "$work/runs/$k-$m.tsv" >"$work/runs/$k-$m.sum"
		if [ -s "$work/runs/$k-$m.perf" ]; then
			echo "# perf, $k $m: framefit's workers by library, then the hottest symbols"
			perf report -i "$work/runs/$k-$m.perf" --no-children --sort dso \
				2>/dev/null | grep -E '^ +[0-9]' | head -n 8
			perf report -i "$work/runs/$k-$m.perf" --no-children \
				--sort dso,symbol 2>/dev/null | grep -E '^ +[0-9]' | head -n 20
		fi
	done
done

# ---- The table ----

field() {	# file, name: the number after the name in a summary line
	awk -v n="$2" '{ for (i = 1; i < NF; i++) if ($i == n) print $(i + 1) }' "$1" 2>/dev/null
}
echo
echo "| photos | framefit POST (303) | framefit full try-on | peer | full / peer | POST / peer |"
echo "|---|---|---|---|---|---|"
for k in $kinds; do
	s=$work/runs/$k
	peer=$(field "$s-peer.sum" rate)
	line="| $k |"
	for m in post full; do
		r=$(field "$s-$m.sum" rate)
		[ -n "$r" ] && line="$line $r/s (p50 $(field "$s-$m.sum" p50) ms, p99 $(field "$s-$m.sum" p99) ms) |" ||
			line="$line - |"
	done
	line="$line $peer/s (p50 $(field "$s-peer.sum" p50) ms, p99 $(field "$s-peer.sum" p99) ms) |"
	for m in full post; do
		r=$(field "$s-$m.sum" rate)
		if [ -n "$r" ] && [ -n "$peer" ]; then
			line="$line $(awk -v a="$r" -v b="$peer" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }') |"
		else
			line="$line - |"
		fi
	done
	echo "$line"
done

# ---- Per kind of photo ----

echo
echo "# median latency (ms) per photo, and the peer's over framefit's"
for k in $kinds; do
	set --
	for m in $modes; do
		[ -s "$work/runs/$k-$m.tsv" ] && set -- "$@" "$m=$work/runs/$k-$m.tsv"
	done
	$py "$root/bench/tryon_client.py" compare "$@" "peer=$work/runs/$k-peer.tsv"
done

# ---- Where the time goes (medians, ms, inside the worker) ----

echo
echo "# framefit, medians in the worker (Server-Timing), ms, per photo"
for k in $kinds; do
	for m in full post; do
		[ -s "$work/runs/$k-$m.tsv" ] || continue
		$py "$root/bench/tryon_client.py" stages "$work/runs/$k-$m.tsv"
		break
	done
done
