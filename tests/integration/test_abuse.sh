#!/bin/bash
# test_abuse.sh: the limits on what a stranger's upload may cost, through
# the real stack (lighttpd, framefit's master and its FastCGI workers, a
# private MariaDB).
#
#   tests/integration/test_abuse.sh
#
# Environment: FF_BUILD_DIR, FF_FACES, FF_TEST_MODELS, KEEP=1 (lib.sh).
#
# Phases:
#   L. Per-client upload limits (src/app/abuse.h), with the clients told
#      apart by X-Forwarded-For from a trusted proxy (FF_TRUSTED_PROXY =
#      the test's own loopback): FF_UPLOAD_RATE=3 lets a client's first 3
#      uploads of a minute through and answers the 4th with 429, a
#      Retry-After within the minute and the shop's HTML page (JSON when
#      asked for); another client is not affected; a header a client
#      forged in front of the proxy's address changes nothing; an upload
#      in another worker's (or host's) hands, a row of upload_inflight,
#      makes the client's next one 429 under FF_UPLOAD_CONCURRENT=1 with
#      Retry-After: 2, and once it is gone the upload goes through. The
#      rows of answered uploads are gone.
#   C. The CPU-time ceiling (FF_REQUEST_CPU_S, fcgi.h), set far below a
#      try-on's cost: the try-on's worker logs the request and ends, the
#      client gets framefit's 503 page (the web server's error handler,
#      answered by the other worker), the master starts a new worker, and
#      no other request is lost: a loop of page views and health checks
#      all along gets 200 every time.
#   M. The memory ceiling (FF_REQUEST_MEM_MB, framefit_fcgi.c) set below
#      what a try-on needs: the upload gets framefit's 503 within seconds
#      (the failed allocation ends the worker, or OpenBLAS's endless
#      retry of it does, through the CPU-time ceiling), never a hang, and
#      the health loop gets 200 every time.
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env abuse framefit_abusetest
export FF_API_RATE=0
server=lighttpd
http_timeout=30

command -v lighttpd >/dev/null || bail "lighttpd is not installed"
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
command -v convert >/dev/null || bail "ImageMagick (convert) is not installed"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
[ -r "$photo" ] || bail "no face photos under $faces"

mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
rm -f "$work/log/"*.log
# A 12 MP photo (4032 x 3024, as phones send): the face, upscaled.
big=$tmp/phone.jpg
[ -s "$big" ] || convert "$photo" -resize 4032x3024\! -quality 92 "$big" ||
	bail "cannot make $big"
# The same with a sensor's grain, saved progressive, as a phone photo
# passed through an editor arrives: its try-on costs several times phase
# C's CPU ceiling on any machine (the smooth upscale decodes so fast that
# a quick CPU finished it under the ceiling).
costly=$tmp/phone-progressive.jpg
[ -s "$costly" ] || convert "$photo" -resize 4032x3024\! -attenuate 0.4 +noise Gaussian \
	-interlace JPEG -quality 92 "$costly" || bail "cannot make $costly"

pick_models
db_fresh
db_started=1
"$bin" --migrate >>"$work/web.out" 2>&1 || bail "migrations failed; see $work/web.out"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
[ -n "$sku" ] || bail "no catalog"
export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"

restart() {	# restart: the web server and workers with the FF_* now set
	web_stop
	web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
}
from() {	# from ADDR [curl args]: an upload as client ADDR
	local a=$1
	shift
	upload "$photo" "$sku" -H "X-Forwarded-For: $a" "$@"
}

# ---- L: per-client limits ----

echo "# phase L: per-client upload limits"
export FF_UPLOAD_RATE=3 FF_UPLOAD_CONCURRENT=1 FF_TRUSTED_PROXY="127.0.0.1 ::1"
restart
# The rate windows are clock minutes: start the burst early in one, so a
# slow (shared, sanitised) machine does not carry it into the next.
sec=$(date +%S)
sec=${sec#0}
[ "$sec" -le 15 ] || sleep $((60 - sec))
for i in 1 2 3; do
	from 198.51.100.1
	check_eq "client 1: upload $i of 3 goes through" "$code" 303
done
from 198.51.100.1
check_eq "client 1: the 4th upload in the minute is 429" "$code" 429
ra=$(header Retry-After)
check_re "429 has Retry-After within the minute" "$ra" '^([1-9]|[1-5][0-9]|60)$'
check_re "429 is the shop's HTML page" "$(header Content-Type)" '^text/html'
check_grep "429 says what to do" "Please wait [0-9]+ seconds, then send yours again" "$tmp/body"
check_eq "429 is not cached" "$(header Cache-Control)" no-store
from 198.51.100.1 -H 'Accept: application/json'
check_eq "client 1 asking for JSON: 429" "$code" 429
check_grep "the 429 in JSON" '^\{"error":\{"code":"rate_limited","message":"Many photos' "$tmp/body"
# The proxy appends the address it saw: what the client wrote before it
# is the client's own say.
from "203.0.113.9, 198.51.100.1"
check_eq "a forged address in front of the proxy's changes nothing" "$code" 429
from 198.51.100.2
check_eq "client 2 is not limited by client 1" "$code" 303
check_eq "the rate is counted per client" \
	"$(sql "SELECT GROUP_CONCAT(client, '=', n ORDER BY client) FROM upload_rate")" \
	"198.51.100.1=6,198.51.100.2=1"
# An upload of client 3 in another worker's (or host's) hands.
sql "INSERT INTO upload_inflight (client, started) VALUES ('198.51.100.3', UNIX_TIMESTAMP())"
from 198.51.100.3
check_eq "client 3 with an upload in hand: 429" "$code" 429
check_eq "busy: Retry-After 2" "$(header Retry-After)" 2
check_grep "busy: says why" "Another photo from your network is being worked on" "$tmp/body"
sql "DELETE FROM upload_inflight"
from 198.51.100.3
check_eq "client 3 once it is answered: 303" "$code" 303
check_eq "no upload left in hand" "$(sql "SELECT COUNT(*) FROM upload_inflight")" 0
from 2001:db8:5:6::1
check_eq "an IPv6 client: 303" "$code" 303
check_eq "an IPv6 client is its /64" \
	"$(sql "SELECT COUNT(*) FROM upload_rate WHERE client = '2001:db8:5:6::/64'")" 1
check_grep "the log names the refused client" 'upload from 198.51.100.1 refused: over its rate' "$work/log/framefit.log"

# ---- Loops of cheap requests (C and M): every answer must be 200 ----

loop_pid=
loop_start() {	# loop_start FILE: /healthz and / every 0.1 s, "code time" lines
	: >"$1"
	(
		while :; do
			for p in healthz ""; do
				curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}\n' \
					"$url$p" >>"$1"
			done
			sleep 0.1
		done
	) &
	loop_pid=$!
}
loop_stop() {
	[ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null && wait "$loop_pid" 2>/dev/null
	loop_pid=
}
on_finish() { loop_stop; }
loop_check() {	# loop_check NAME FILE
	local n bad
	n=$(wc -l <"$2")
	bad=$(awk '$1 != 200' "$2" | sort | uniq -c | tr '\n' ';')
	if [ "$n" -gt 5 ] && [ -z "$bad" ]; then ok "$1: all $n page views and health checks 200"
	else nok "$1" "$n requests; not 200: $bad"; fi
}

# ---- C: the CPU-time ceiling ----

echo "# phase C: a request over its CPU time"
unset FF_UPLOAD_RATE FF_UPLOAD_CONCURRENT FF_TRUSTED_PROXY
export FF_REQUEST_CPU_S=0.05
restart
before=$(worker_pids)
mark=$(wc -l <"$work/log/framefit.log")
loop_start "$tmp/loop.C"
sleep 1
upload "$costly" "$sku"
check_eq "a try-on over the CPU time: 503" "$code" 503
check_grep "the 503 is framefit's page" 'Service Unavailable' "$tmp/body"
check_eq "the 503 has Retry-After" "$(header Retry-After)" 10
sleep 2
loop_stop
loop_check "CPU ceiling: no other request lost" "$tmp/loop.C"
tail -n +"$((mark + 1))" "$work/log/framefit.log" >"$tmp/log.C"
check_grep "the worker logged the request over its CPU time" \
	'POST /tryon: over its CPU time of 0.05 s \(FF_REQUEST_CPU_S\); ending this worker' "$tmp/log.C"
check_grep "the master saw it end with status 3" 'master: worker [0-9]+ exited with 3; starting another' "$tmp/log.C"
after=$(worker_pids)
check_eq "as many workers as before" "$(wc -w <<<"$after")" "$(wc -w <<<"$before")"
[ "$after" != "$before" ] && ok "one worker was replaced" || nok "one worker was replaced" "same pids $after"
http "${url}healthz"
check_eq "healthz after" "$code" 200

# ---- M: the memory ceiling ----

# A ceiling below what detection needs (OpenBLAS's buffer, allocated at a
# worker's first request): the allocation fails; OpenBLAS then retries
# for ever, which the CPU-time ceiling (default) ends.
echo "# phase M: a request over its memory"
unset FF_REQUEST_CPU_S
export FF_REQUEST_MEM_MB=8
restart
mark=$(wc -l <"$work/log/framefit.log")
loop_start "$tmp/loop.M"
sleep 1
t0=$SECONDS
upload "$big" "$sku"
check_eq "a try-on over the memory ceiling: 503" "$code" 503
check_grep "the 503 is framefit's page" 'Service Unavailable' "$tmp/body"
# OpenBLAS sleeps between its retries, so the 2 s of CPU take longer.
echo "# answered after $((SECONDS - t0)) s"
check_re "answered, not left hanging (under 30 s)" "$((SECONDS - t0))" '^[0-9]$|^[12][0-9]$'
sleep 1
loop_stop
loop_check "memory ceiling: no other request lost" "$tmp/loop.M"
tail -n +"$((mark + 1))" "$work/log/framefit.log" >"$tmp/log.M"
check_grep "the worker logged its end" 'POST /tryon: over its CPU time|out of memory' "$tmp/log.M"
http "${url}healthz"
check_eq "healthz after" "$code" 200
unset FF_REQUEST_MEM_MB

finish
