#!/bin/bash
# scaleout.sh: framefit scaled out, simulated on one machine
# (docs/SCALING.md): two separate groups of FastCGI workers, each behind
# its own lighttpd on its own port (two "hosts" in all but name), share
# one MariaDB. wrk drives both at once through the JSON API, each group
# with its own API key; then the database is checked against what the
# clients saw, and the shared per-key rate limit is checked across groups.
#
#   bench/scaleout.sh
#
# Environment:
#   FF_BUILD_DIR     where cgi-bin/framefit.fcgi and src/framefit were
#                    built (default: the source tree)
#   SCALE_DETECTOR   real (default and only choice: the trained networks
#                    in FF_MODELS_DIR or models/; the stand-in detector
#                    that measured all but the networks is gone)
#   SCALE_ENDPOINT   tryon (default) or detect
#   SCALE_SECONDS    length of the load, seconds (default 20, at most 120)
#   SCALE_CONNS      concurrent connections per group (default 4, <= 32)
#   SCALE_PROCS      FastCGI workers per group (default 2)
#   SCALE_GROUPS     groups of workers (default 2; 1 is the baseline of
#                    the same load on one group, up to 4)
#   SCALE_PHOTO      the photo sent (default an LFW face, 250 x 250)
#   SCALE_SIDE       if set (e.g. 1400), send the photo upscaled to that
#                    square with a little sensor noise instead (ffmpeg),
#                    the size of a phone selfie, so each call stores a
#                    realistic ~100-300 KB normalised JPEG
#
# Everything listens on 127.0.0.1 only and lives under var/scale-*; the
# servers this script started are stopped at the end. Prints one line
# per group, the totals, the DB's own count and the CPU the DB and the
# workers used per request.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FF_BUILD_DIR:-$root}
detector=${SCALE_DETECTOR:-real}
endpoint=${SCALE_ENDPOINT:-tryon}
secs=${SCALE_SECONDS:-20}
conns=${SCALE_CONNS:-4}
procs=${SCALE_PROCS:-2}
ngroups=${SCALE_GROUPS:-2}
photo=${SCALE_PHOTO:-$root/../shared/data/faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg}
cli=$build/src/framefit

die() { echo "scaleout.sh: $*" >&2; exit 1; }
case $secs in ''|*[!0-9]*) die "SCALE_SECONDS must be a number" ;; esac
case $conns in ''|*[!0-9]*) die "SCALE_CONNS must be a number" ;; esac
[ "$secs" -ge 1 ] && [ "$secs" -le 120 ] || die "SCALE_SECONDS must be 1..120"
[ "$conns" -ge 1 ] && [ "$conns" -le 32 ] || die "SCALE_CONNS must be 1..32"
case $ngroups in 1) groups="a" ;; 2) groups="a b" ;; 3) groups="a b c" ;;
4) groups="a b c d" ;; *) die "SCALE_GROUPS must be 1..4" ;; esac
case $detector in
real) bin=$build/cgi-bin/framefit.fcgi ;;
*) die "SCALE_DETECTOR must be real (the stand-in detector is gone)" ;;
esac
case $endpoint in tryon|detect) ;; *) die "SCALE_ENDPOINT must be tryon or detect" ;; esac
[ -x "$bin" ] || die "no $bin: build it (make)"
[ -x "$cli" ] || die "no $cli: build it (make)"
[ -r "$photo" ] || die "no photo at $photo"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v lighttpd >/dev/null || die "lighttpd is not installed"
models=${FF_MODELS_DIR:-$root/models}
[ "$detector" = fake ] || [ -s "$models/face.weights" ] ||
	die "no trained weights in $models (set FF_MODELS_DIR)"

work=$root/var/scale
export FF_DB_DIR=$root/var/scale-db/mysql
export FF_DB_SOCKET=$FF_DB_DIR/mysql.sock
export FF_DB_NAME=framefit_scale
# The CSRF secret must be the same on every host (docs/SCALING.md).
export FF_SECRET_FILE=$work/secret
export FF_PROCS=$procs FF_ADMIN_PASSWORD=scale-admin
unset FF_SQL_DIR FF_MIGRATE FF_MAX_REQUESTS FF_TEMPLATES FF_STATIC FF_API_RATE
mkdir -p "$work"
if [ -n "${SCALE_SIDE:-}" ]; then
	case $SCALE_SIDE in *[!0-9]*) die "SCALE_SIDE must be a number" ;; esac
	command -v ffmpeg >/dev/null || die "SCALE_SIDE needs ffmpeg"
	ffmpeg -loglevel error -y -i "$photo" -vf \
		"scale=$SCALE_SIDE:$SCALE_SIDE:flags=bicubic,noise=alls=6:allf=t" \
		-q:v 3 "$work/photo.jpg" || die "ffmpeg failed"
	photo=$work/photo.jpg
fi

free_port() {
	"$root/scripts/free-port.sh"
}
sql() { "$root/scripts/db.sh" sql -N -B -e "$1"; }

# ---- The shared database ----

db_started=0
groups_started=""
cleanup() {
	for g in $groups_started; do
		FF_VAR=$work-$g PORT=0 "$root/scripts/web.sh" stop >/dev/null 2>&1
	done
	[ $db_started = 1 ] && "$root/scripts/db.sh" stop >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$root/scripts/db.sh" status >/dev/null 2>&1 || db_started=1
"$root/scripts/db.sh" start >/dev/null || die "cannot start MariaDB"
"$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME; CREATE DATABASE $FF_DB_NAME" ||
	die "cannot create $FF_DB_NAME"
"$build/cgi-bin/framefit.fcgi" --migrate >/dev/null 2>"$work/migrate.log" ||
	die "migrations failed; see $work/migrate.log"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY id LIMIT 1")

# ---- The groups of workers: lighttpd + FF_PROCS workers each ----

declare -A port key
for g in $groups; do
	port[$g]=$(free_port)
	key[$g]=$("$cli" apikey create "scale group $g" --rate 0 2>/dev/null) ||
		die "cannot create a key"
	FF_VAR=$work-$g PORT=${port[$g]} FF_FCGI_BIN=$bin FF_MODELS_DIR=$models \
		"$root/scripts/web.sh" start >"$work/web-$g.out" 2>&1 ||
		die "group $g did not start; see $work/web-$g.out"
	groups_started="$groups_started $g"
done
pids_of() {	# the workers of group $1
	FF_VAR=$work-$1 PORT=0 "$root/scripts/web.sh" workers
}
cpu_ticks() {	# user + system clock ticks of the given pids
	local t=0 p f
	for p in "$@"; do
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo $t
}

echo "# $(nproc) CPU(s), $(date -u '+%Y-%m-%d %H:%M UTC'); detector: $detector; POST /api/v1/$endpoint"
echo "# $ngroups group(s) x $procs workers, $conns connections each, ${secs} s; photo $(basename "$photo"), $(file -b "$photo" | grep -o '[0-9]*x[0-9]*' | tail -n 1), $(wc -c <"$photo") bytes"

# ---- The load ----

cat >"$work/post.lua" <<'EOF'
local f = assert(io.open(os.getenv("SCALE_PHOTO_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "image/jpeg"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SCALE_KEY")

done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("requests=%d non2xx=%d connect=%d read=%d " ..
		"write=%d timeout=%d rps=%.1f p50_ms=%.1f p99_ms=%.1f\n",
		summary.requests, e.status, e.connect, e.read, e.write,
		e.timeout, summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF
case $endpoint in
tryon) path="api/v1/tryon?frame=$sku" ;;
detect) path="api/v1/detect" ;;
esac

dbpid=$(cat "$FF_DB_DIR/mysqld.pid")
workers=$(for g in $groups; do pids_of $g; done)
db0=$(cpu_ticks "$dbpid")
io0=$(awk '/^write_bytes/ { print $2 }' "/proc/$dbpid/io")
w0=$(cpu_ticks $workers)
u0=$(sql "SELECT COUNT(*) FROM uploads")
t0=$(date +%s.%N)
for g in $groups; do
	SCALE_PHOTO_FILE=$photo SCALE_KEY=${key[$g]} timeout $((secs + 30)) \
		wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s -s "$work/post.lua" \
		"http://127.0.0.1:${port[$g]}/$path" >"$work/wrk-$g.out" 2>&1 &
done
wait
t1=$(date +%s.%N)
db1=$(cpu_ticks "$dbpid")
io1=$(awk '/^write_bytes/ { print $2 }' "/proc/$dbpid/io")
w1=$(cpu_ticks $workers)
hz=$(getconf CLK_TCK)

total=0
bad=0
for g in $groups; do
	line=$(grep '^requests=' "$work/wrk-$g.out")
	[ -n "$line" ] || die "wrk failed for group $g: $(tail -n 3 "$work/wrk-$g.out")"
	echo "group $g (port ${port[$g]}): $line"
	r=$(echo "$line" | sed 's/^requests=\([0-9]*\).*/\1/')
	e=$(echo "$line" | sed 's/.* non2xx=\([0-9]*\) connect=\([0-9]*\) read=\([0-9]*\) write=\([0-9]*\) timeout=\([0-9]*\).*/\1+\2+\3+\4+\5/')
	total=$((total + r))
	bad=$((bad + e))
done
wall=$(echo "$t1 - $t0" | bc -l)
echo "all: $total requests in $(printf '%.1f' "$wall") s = $(printf '%.1f' "$(echo "$total / $wall" | bc -l)") requests/s, $bad errors"

# ---- What the database saw ----

# Calls still in flight when wrk stopped finish within a second.
sleep 1
u1=$(sql "SELECT COUNT(*) FROM uploads")
case $endpoint in
tryon) m=api_tryon ;;
detect) m=api_detect ;;
esac
for g in $groups; do
	kid=$(sql "SELECT id FROM api_keys WHERE name = 'scale group $g'")
	echo "DB: key of group $g: $(sql "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE metric = '$m' AND api_key_id = $kid") calls counted"
done
echo "DB: $((u1 - u0)) photos stored (on average $(sql "SELECT ROUND(AVG(LENGTH(bytes)) / 1024) FROM uploads") KB each), $(sql "SELECT COUNT(*) FROM tryons") try-ons; the clients saw $total answers (calls in flight when wrk stopped were stored but not seen)"
dbms=$(echo "($db1 - $db0) * 1000 / $hz" | bc -l)
wms=$(echo "($w1 - $w0) * 1000 / $hz" | bc -l)
n=$((u1 - u0))
[ $n -gt 0 ] || n=1
echo "disk: MariaDB wrote $(( (io1 - io0) / 1048576 )) MB, $(( (io1 - io0) / 1024 / n )) KB per photo (redo log, doublewrite and data pages)"
echo "CPU: MariaDB $(printf '%.0f' "$dbms") ms ($(printf '%.2f' "$(echo "$dbms / $n" | bc -l)") ms per photo), workers $(printf '%.0f' "$wms") ms ($(printf '%.2f' "$(echo "$wms / $n" | bc -l)") ms per photo)"

# ---- The per-key rate limit holds across groups ----

[ "$ngroups" -ge 2 ] || exit 0

lim=$("$cli" apikey create "scale limited" --rate 8 2>/dev/null)
s=$(date +%S)
s=${s#0}
[ "$s" -le 50 ] || sleep $((61 - s))
for i in 1 2 3 4 5 6; do
	for g in a b; do	# 12 calls, half to each of two groups
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
			-H "Authorization: Bearer $lim" \
			"http://127.0.0.1:${port[$g]}/api/v1/frames" &
	done
done >"$work/limit.out"
wait
echo "rate limit 8/min, 12 calls split over both groups: $(grep -c '^200$' "$work/limit.out") passed, $(grep -c '^429$' "$work/limit.out") got 429"
