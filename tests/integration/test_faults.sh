#!/bin/bash
# test_faults.sh: framefit under faults, through the real stack (lighttpd
# or Apache with mod_fcgid, the FastCGI worker, a private MariaDB), with
# wrk loading the site (tests/integration/wrk_mix.lua) while things break.
#
#   tests/integration/test_faults.sh
#
# Environment:
#   FF_BUILD_DIR   where `make` built cgi-bin/framefit.fcgi and src/framefit
#                  (default: the source tree, i.e. an in-tree build)
#   FF_FACES       the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS the model directory (default <repo>/models when it holds
#                  trained weights, else /tmp/m)
#   FF_FAULT_APACHE=0  skip the mod_fcgid half of phase B
#   KEEP=1         leave the servers running at the end, for a look
#
# Phases:
#   A. MariaDB stops for 4 s while wrk sends try-ons, API calls and page
#      views, then starts again. Rule for what the clients may see: a DB
#      outage kills no process that holds a client's connection, so every
#      request, also one in flight when the server went, must get an
#      answer: 303/200 before and after, a well-formed 503 (the HTML error
#      page, JSON on /api/ and for Accept: application/json, one line on
#      /healthz) during the outage; no 500, no 4xx, no socket error at all.
#      No worker dies; the service (/healthz 200 and a try-on 303) is back
#      within 5 s of MariaDB answering; every 303's token has its upload,
#      detection and try-on rows; a worker tries to reconnect at most once
#      a second (the log stays readable).
#   B. A worker is killed (SIGKILL) under load, with lighttpd and with
#      Apache's mod_fcgid: another one is started (under lighttpd by
#      framefit's master, which logs the death), the other worker is
#      untouched, and only requests the dead worker had taken fail: under
#      lighttpd the one in its hands, which gets framefit's 503 page (the
#      workers share one socket, src/http/prefork.h); under mod_fcgid also
#      the ones queued on its socket (at most one per wrk connection).
#      Every 303 is stored; service continues.
#   C. Nothing can be written: (1) MariaDB read-only (SET GLOBAL read_only,
#      which binds the app's user: it has no SUPER), (2) a backup's
#      FLUSH TABLES WITH READ LOCK held by an open session, and (3) the web
#      server's request-body spool ($FF_VAR/tmp, lighttpd's upload-dirs:
#      framefit keeps photos in MariaDB, so this is the only upload folder
#      on disk) replaced by a file, which fails even for root. Each gives a
#      503 page (JSON on /api/), a log line naming the cause, no rows, and
#      service as soon as it is fixed.
# Every response body of this test (curl and wrk) is searched for internals
# (SQL, MariaDB, errno, stack traces). Prints "N passed, M failed" last and
# exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env faults framefit_faulttest
# No API rate limit, and no upload limits per client: wrk would hit
# them (all its clients are 127.0.0.1), and a killed worker's upload
# would count against the concurrency for ABUSE_STALE_S.
export FF_API_RATE=0 FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0

server=lighttpd
http_timeout=30

# Words that must never reach a client: SQL, the database's name for
# itself, C errors, stack traces.
leak_re='SQL|syntax|mysql|MariaDB|errno|Traceback|at line|Segmentation|core dumped'

# lib.sh's http keeps every text body for the leak search at the end.
http_bodies='^text/|json'

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- Processes ----

wrk_pid=
lock_pid=
on_finish() {
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	[ -n "$lock_pid" ] && kill "$lock_pid" 2>/dev/null
	# Never leave the private server read-only or without its spool.
	if [ -f "$work/tmp" ] && [ -d "$work/tmp.away" ]; then
		rm -f "$work/tmp" && mv "$work/tmp.away" "$work/tmp"
	fi
	sql "SET GLOBAL read_only = 0" >/dev/null 2>&1
	# The leak search covers every body this test saw.
	if [ -s "$tmp/bodies.txt" ]; then
		check_nogrep "no response body names internals" "$leak_re" "$tmp/bodies.txt"
	fi
}

# run_wrk NAME SECONDS CONNS [key=value...]: wrk in the background, one
# connection per thread (wrk_mix.lua needs that); its output in
# $tmp/NAME.wrk, its 303 tokens in $tmp/NAME.*.tokens.
run_wrk() {
	local name=$1 secs=$2 conns=$3
	shift 3
	rm -f "$tmp/$name".*
	wrk -t"$conns" -c"$conns" -d"${secs}s" --timeout 20s \
		-s "$root/tests/integration/wrk_mix.lua" "$url" -- \
		sku="$sku" photo="$photo" key="$key" token="$tok" \
		out="$tmp/$name" "$@" >"$tmp/$name.wrk" 2>"$tmp/$name.wrk.err" &
	wrk_pid=$!
}
wait_wrk() {
	wait "$wrk_pid"
	wrk_pid=
	grep '^mix:' "$1" | sed 's/^/#   /'
}
mix() {	# mix FILE FIELD...: the numbers of a "mix: FIELD..." line
	local f=$1
	shift
	awk -v k="$*" '{ s = $0; sub(/^mix: /, "", s) }
		index(s, k " ") == 1 { print substr(s, length(k) + 2) }' "$f"
}
mix_sum() {	# mix_sum FILE KIND-REGEX CODE-REGEX: responses of such kinds and statuses
	awk -v k="^($2)\$" -v re="^($3)\$" '$1 == "mix:" && $2 == "status" &&
		$3 ~ k && $4 ~ re { n += $5 } END { print n + 0 }' "$1"
}
# check_statuses NAME FILE "KIND:CODE,CODE KIND:..." : every status each
# kind got is one it may get.
check_statuses() {
	local bad
	bad=$(awk -v spec="$3" 'BEGIN {
		n = split(spec, a, " ")
		for (i = 1; i <= n; i++) { split(a[i], kv, ":"); ok[kv[1]] = "," kv[2] "," }
	}
	$1 == "mix:" && $2 == "status" && index(ok[$3], "," $4 ",") == 0 {
		printf "%s got %s x%d; ", $3, $4, $5 }' "$2")
	if [ -z "$bad" ]; then ok "$1"; else nok "$1" "$bad"; fi
}
# check_tokens NAME PREFIX: every token a 303 gave has its upload, a
# detection with a face and a try-on.
check_tokens() {
	local all=$tmp/$2.all n res
	cat "$tmp/$2".*.tokens 2>/dev/null | sort -u >"$all"
	n=$(wc -l <"$all")
	if [ "$n" = 0 ]; then
		nok "$1" "no 303 answers"
		return
	fi
	{
		echo "CREATE TEMPORARY TABLE seen (token CHAR(32) PRIMARY KEY);"
		sed "s/.*/INSERT INTO seen VALUES ('&');/" "$all"
		echo "SELECT COUNT(*), COALESCE(SUM(u.id IS NOT NULL AND
			EXISTS (SELECT 1 FROM detections d WHERE d.upload_id = u.id AND d.faces > 0) AND
			EXISTS (SELECT 1 FROM tryons t WHERE t.upload_id = u.id)), 0)
			FROM seen s LEFT JOIN uploads u ON u.token = s.token;"
	} >"$tmp/$2.sql"
	res=$("$root/scripts/db.sh" sql -N -B <"$tmp/$2.sql" 2>>"$work/sql.err" | tr '\t' ' ')
	check_eq "$1 ($n answered 303)" "$res" "$n $n"
}
# Uploads of source $2 after id $1 left without their detection, and
# with a face but without a try-on: work a failure cut half-way.
cut_rows() {
	sql "SELECT
		(SELECT COUNT(*) FROM uploads u WHERE u.id > $1 AND u.source = '$2'
			AND NOT EXISTS (SELECT 1 FROM detections d WHERE d.upload_id = u.id)),
		(SELECT COUNT(*) FROM uploads u JOIN detections d ON d.upload_id = u.id
			WHERE u.id > $1 AND u.source = '$2' AND d.faces > 0 AND NOT EXISTS
			(SELECT 1 FROM tryons t WHERE t.upload_id = u.id))" | tr '\t' ' '
}
counts() {
	sql "SELECT (SELECT COUNT(*) FROM uploads), (SELECT COUNT(*) FROM detections),
		(SELECT COUNT(*) FROM tryons)" | tr '\t' ' '
}
log_mark() {	# the current length of a log, for log_since
	wc -l <"$1" 2>/dev/null || echo 0
}
log_since() {	# log_since FILE MARK: the lines added after the mark
	tail -n +"$(($2 + 1))" "$1" 2>/dev/null
}
crash_re='Segmentation|Aborted|core dumped|AddressSanitizer|runtime error|Assertion|double free|stack smashing'

# Service back: /healthz 200, then a try-on 303, polled every 0.1 s for up
# to $1 seconds. Sets back (seconds from $2, the time the fault ended) or
# back=timeout.
wait_service() {
	local limit=$1 t0=$2 deadline
	deadline=$(awk -v t="$(now)" -v l="$limit" 'BEGIN { printf "%.3f", t + l }')
	back=timeout
	while awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t < d) }'; do
		http "${url}healthz"
		if [ "$code" = 200 ]; then
			upload "$photo" "$sku"
			if [ "$code" = 303 ]; then
				back=$(secs "$t0" "$(now)")
				return 0
			fi
		fi
		sleep 0.1
	done
	return 1
}

# ---- Setup ----

command -v lighttpd >/dev/null || bail "lighttpd is not installed"
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
command -v wrk >/dev/null || bail "wrk is not installed"
command -v convert >/dev/null || bail "ImageMagick (convert) is not installed"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
[ -x "$cli" ] || bail "no $cli: build it first (make; FF_BUILD_DIR names the build)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
[ -r "$photo" ] || bail "no face photos under $faces"

mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
: >"$tmp/bodies.txt"
rm -f "$work/log/"*.log
# A spool left replaced by an interrupted run.
if [ -f "$work/tmp" ] && [ -d "$work/tmp.away" ]; then
	rm -f "$work/tmp" && mv "$work/tmp.away" "$work/tmp"
fi

pick_models
echo "# models: $models (trained weights: $trained)"
[ $trained = 1 ] || echo "# the try-ons expect faces to be found: without trained weights in $root/models they fail"
db_fresh
# The private MariaDB is this test's own ($FF_DB_DIR): stop it at the end
# even if an earlier run left it running.
db_started=1
"$bin" --migrate >>"$work/web.out" 2>&1 || bail "migrations failed; see $work/web.out"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
[ -n "$sku" ] || bail "no catalog"
key=$("$cli" apikey create "fault test" --rate 0 2>>"$work/web.out")
[ -n "$key" ] || bail "no API key"

export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
echo "# lighttpd on $url"
t_all=$SECONDS

web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
upload "$photo" "$sku"
check_eq "a try-on before the faults" "$code" 303
tok=$(token_of_location)

# ---- Phase A: MariaDB stops under load and comes back ----

echo "# phase A: MariaDB down for 4 s under load"
t_phase=$SECONDS
workers=$(worker_pids)
mark_err=$(log_mark "$work/log/lighttpd-error.log")
mark_app=$(log_mark "$work/log/framefit.log")
id0=$(sql "SELECT COALESCE(MAX(id), 0) FROM uploads")
run_wrk outage 16 3 delay=10
sleep 4
t_stop=$(now)
"$root/scripts/db.sh" stop >/dev/null 2>&1 || nok "MariaDB stops"
t_down=$(now)
sleep 4
# Once the server is gone, answers come fast: the page of the outage.
http "${url}healthz"
check_eq "DB down: /healthz is 503" "$code" 503
check_grep "DB down: /healthz says why" '^unavailable: database' "$tmp/body"
upload "$photo" "$sku"
check_eq "DB down: POST /tryon is 503" "$code" 503
check_grep "DB down: the 503 page is the HTML error page" 'Service Unavailable' "$tmp/body"
check_eq "DB down: 503 has Retry-After" "$(header Retry-After)" 10
http -H "Authorization: Bearer $key" -H 'Content-Type: image/jpeg' \
	--data-binary "@$photo" "${url}api/v1/tryon?frame=$sku"
check_eq "DB down: POST /api/v1/tryon is 503" "$code" 503
check_grep "DB down: the API's 503 is JSON" '^\{"error":\{"code":"unavailable"' "$tmp/body"
"$root/scripts/db.sh" start >/dev/null 2>&1 || bail "MariaDB did not come back"
t_up=$(now)
wait_service 10 "$t_up"
echo "# MariaDB stopped in $(secs "$t_stop" "$t_down") s, was down $(secs "$t_down" "$t_up") s; service back $back s after it answered again"
if [ "$back" != timeout ] && awk -v b="$back" 'BEGIN { exit !(b <= 5) }'; then
	ok "service back within 5 s of MariaDB ($back s)"
else
	nok "service back within 5 s of MariaDB" "$back"
fi
t_back=$(now)
wait_wrk "$tmp/outage.wrk"
f=$tmp/outage.wrk
check_statuses "outage: every answer is 303/200 or a 503" "$f" \
	"tryon:303,503 api_tryon:200,503 api_frames:200,503 result:200,503 result_json:200,503 healthz:200,503 index:200"
check_eq "outage: no connection reset, refused or timed out" "$(mix "$f" socket_errors)" "0 0 0 0"
check_eq "outage: every 503 is the page of its kind (HTML, JSON, text)" "$(mix "$f" bad_503)" 0
check_eq "outage: no body names internals" "$(mix "$f" leak)" 0
n503=$(mix_sum "$f" tryon 503)
n303=$(mix_sum "$f" tryon 303)
echo "# outage: try-ons 303 x$n303, 503 x$n503; all 503s: $(mix_sum "$f" '[a-z_]+' 503); all answers: $(mix_sum "$f" '[a-z_]+' '[0-9]+')"
[ "$n503" -gt 0 ] && ok "outage: uploads during it got 503 ($n503)" || nok "outage: uploads during it got 503" "none: did the outage happen?"
[ "$n303" -gt 0 ] && ok "outage: uploads around it got 303 ($n303)" || nok "outage: uploads around it got 303" none
read -r first last < <(mix "$f" 503_seconds)
# Seconds are whole: allow one on each side.
if [ "${first:-0}" -ge "$(( ${t_stop%.*} ))" ] && [ "${last:-0}" -le "$(( ${t_back%.*} + 1 ))" ]; then
	ok "outage: 503s only while MariaDB was away"
else
	nok "outage: 503s only while MariaDB was away" "503s from $first to $last, outage $t_stop to $t_back"
fi
check_tokens "outage: every 303's token has its upload, detection and try-on" outage
# The web upload stores its three rows in one transaction (db_tryon_store).
check_eq "outage: no web upload half-written (without detection; with a face, without try-on)" \
	"$(cut_rows "$id0" form)" "0 0"
# The API stores photo and detection together, and its try-on after the
# drawing: a cut there leaves what a detect call leaves.
api_cut=$(cut_rows "$id0" api)
check_eq "outage: no API upload without its detection" "${api_cut% *}" 0
echo "# outage: API photos with a face but no try-on (cut after storing, before the try-on row): ${api_cut#* }"
check_eq "outage: no worker died or was replaced" "$(worker_pids)" "$workers"
log_since "$work/log/lighttpd-error.log" "$mark_err" >"$tmp/err.A"
log_since "$work/log/framefit.log" "$mark_app" >"$tmp/app.A"
check_nogrep "outage: lighttpd saw no worker exit" 'child (signalled|exited)|backend error' "$tmp/err.A"
check_nogrep "outage: no crash in the workers' log" "$crash_re" "$tmp/app.A"
check_grep "outage: the log names the cause" "db: connect: 2002 .*Can't connect|unavailable: database unreachable" "$tmp/app.A"
nconn=$(grep -c 'db: connect:' "$tmp/app.A")
down_s=$(secs "$t_stop" "$t_up")
# One attempt a second per worker (plus one each at the stop).
max_conn=$(awk -v d="$down_s" -v w="$FF_PROCS" 'BEGIN { printf "%d", w * (d + 3) }')
if [ "$nconn" -le "$max_conn" ]; then
	ok "outage: at most one reconnect a second per worker ($nconn attempts in $down_s s)"
else
	nok "outage: at most one reconnect a second per worker" "$nconn attempts in $down_s s"
fi
echo "# phase A: $((SECONDS - t_phase)) s"

# ---- Phase B: a worker is killed under load ----

kill_worker() {	# kill_worker NAME: SIGKILL one worker of $server under load
	local name=$1 before victim after failed i err=$2 allowed
	before=$(worker_pids)
	mark_err=$(log_mark "$err")
	mark_app=$(log_mark "$work/log/framefit.log")
	run_wrk "$name" 8 3 delay=5 mix=tryon,result,tryon,index,api_tryon
	sleep 3
	victim=${before%% *}
	# Kill it in the middle of a request (running: the detector is at
	# work; a worker waiting in accept sleeps), so the failed request's
	# answer is what gets checked, not a lucky gap between requests.
	for i in $(seq 200); do
		grep -q '^State:[[:space:]]*R' "/proc/$victim/status" 2>/dev/null && break
		sleep 0.01
	done
	kill -KILL "$victim"
	echo "# $server: killed worker $victim of ($before)"
	wait_wrk "$tmp/$name.wrk"
	# The server starts another when it next sends a request that way.
	for i in $(seq 50); do
		after=$(worker_pids)
		[ "$(echo $after | wc -w)" -ge "$(echo $before | wc -w)" ] && break
		upload "$photo" "$sku"
		sleep 0.1
	done
	case " $after " in
	*" $victim "*) nok "$name: the killed worker is gone" "$after" ;;
	*) ok "$name: the killed worker is gone" ;;
	esac
	if [ "$server" = lighttpd ]; then
		check_eq "$name: the master started a new worker (2 again)" "$(echo $after | wc -w)" 2
		check_eq "$name: the other worker is untouched" \
			"$(echo " $after " | grep -c " ${before##* } ")" 1
	else
		[ "$(echo $after | wc -w)" -ge 1 ] && ok "$name: mod_fcgid runs workers again ($after)" ||
			nok "$name: mod_fcgid runs workers again" "none"
	fi
	failed=$(( $(mix_sum "$tmp/$name.wrk" '[a-z_]+' '5[0-9][0-9]') + \
		$(mix "$tmp/$name.wrk" socket_errors | awk '{ print $1 + $2 + $3 + $4 }') ))
	echo "# $name: $failed request(s) failed: $(grep -E 'status .* 5[0-9][0-9] ' "$tmp/$name.wrk" | sed 's/mix: status //' | tr '\n' ';') socket errors $(mix "$tmp/$name.wrk" socket_errors)"
	# lighttpd: the one in hand (the queued ones wait on the shared
	# socket for another worker). mod_fcgid: one in hand plus the ones
	# queued on its socket, at most one per connection (3). 0 is possible
	# when the kill lands between requests.
	allowed=3
	[ "$server" = lighttpd ] && allowed=1
	if [ "$failed" -le "$allowed" ]; then
		ok "$name: only the requests the dead worker held failed ($failed <= $allowed)"
	else
		nok "$name: only the requests the dead worker held failed" "$failed > $allowed"
	fi
	check_statuses "$name: the others got their usual answer" "$tmp/$name.wrk" \
		"tryon:303,500,502,503 result:200,500,502,503 index:200,500,502,503 api_tryon:200,500,502,503"
	check_eq "$name: no body names internals" "$(mix "$tmp/$name.wrk" leak)" 0
	if [ "$server" = lighttpd ]; then
		# server.error-handler: lighttpd's own error is our 503 page.
		check_eq "$name: a failed request got framefit's 503 page" \
			"$(mix "$tmp/$name.wrk" bad_503) $(mix_sum "$tmp/$name.wrk" '[a-z_]+' '500|502')" "0 0"
	fi
	check_tokens "$name: every 303's token has its rows" "$name"
	log_since "$work/log/framefit.log" "$mark_app" >"$tmp/app.$name"
	check_nogrep "$name: no crash in the workers' log" "$crash_re" "$tmp/app.$name"
	# Service continues: five try-ons in a row.
	n=0
	for i in 1 2 3 4 5; do
		upload "$photo" "$sku"
		[ "$code" = 303 ] && n=$((n + 1))
	done
	check_eq "$name: service continues (5 try-ons after the kill)" "$n" 5
}

echo "# phase B: a worker killed under load"
t_phase=$SECONDS
kill_worker "kill-lighttpd" "$work/log/lighttpd-error.log"
check_grep "kill-lighttpd: the master logged the worker's death" \
	'master: worker [0-9]+ killed by signal 9 \(Killed\); starting another$' "$tmp/app.kill-lighttpd"
if [ "${FF_FAULT_APACHE:-1}" != 0 ] && command -v apache2 >/dev/null &&
    [ -f /usr/lib/apache2/modules/mod_fcgid.so ]; then
	web_stop
	server=apache-fcgid
	if web_start "$bin" "$models"; then
		# mod_fcgid starts workers on demand: warm both up.
		for i in 1 2 3 4; do
			curl -s -o /dev/null --max-time 30 -F "photo=@$photo" \
				-F "frame=$sku" "${url}tryon" &
		done
		wait
		kill_worker "kill-fcgid" "$work/log/apache-fcgid-error.log"
		web_stop
	else
		nok "apache-fcgid starts" "see $work/web.out"
	fi
	server=lighttpd
	web_start "$bin" "$models" || bail "lighttpd did not start again; see $work/web.out"
else
	echo "# skip mod_fcgid: FF_FAULT_APACHE=0 or no apache2/mod_fcgid"
fi
echo "# phase B: $((SECONDS - t_phase)) s"

# ---- Phase C: nothing can be written ----

echo "# phase C: MariaDB read-only, a global read lock, the upload spool"
t_phase=$SECONDS
workers=$(worker_pids)

# C1: read-only. The app's user has ALL on framefit% but not SUPER (or
# READ_ONLY ADMIN), so read_only binds it, at once, on open sessions too.
mark_app=$(log_mark "$work/log/framefit.log")
before=$(counts)
sql "SET GLOBAL read_only = 1"
check_eq "read-only: set" "$(sql "SELECT @@global.read_only")" 1
upload "$photo" "$sku"
check_eq "read-only: POST /tryon is 503" "$code" 503
check_grep "read-only: the 503 page is the HTML error page" 'Service Unavailable' "$tmp/body"
upload "$photo" "$sku" -H 'Accept: application/json'
check_eq "read-only: POST /tryon for JSON is 503" "$code" 503
check_grep "read-only: ... as JSON" '^\{"error":\{"code":"unavailable"' "$tmp/body"
http -H "Authorization: Bearer $key" -H 'Content-Type: image/jpeg' \
	--data-binary "@$photo" "${url}api/v1/tryon?frame=$sku"
check_eq "read-only: POST /api/v1/tryon is 503" "$code" 503
check_grep "read-only: the API's 503 is JSON" '^\{"error":\{"code":"unavailable"' "$tmp/body"
http "${url}t/$tok"
check_eq "read-only: a result page still shows" "$code" 200
http "${url}healthz"
check_in "read-only: /healthz answers" "$code" 200 503
check_eq "read-only: no row written" "$(counts)" "$before"
log_since "$work/log/framefit.log" "$mark_app" >"$tmp/app.C1"
check_grep "read-only: the log names the cause" 'read-only option' "$tmp/app.C1"
check_grep "read-only: the log names the failed step" 'tryon: unavailable: store' "$tmp/app.C1"
sql "SET GLOBAL read_only = 0"
upload "$photo" "$sku"
check_eq "read-only lifted: POST /tryon is 303 at once" "$code" 303

# C2: FLUSH TABLES WITH READ LOCK from a session kept open (what a backup
# without backup locks does). A write waits for the lock: the worker's
# session gives up after lock_wait_timeout (3 s, src/store/db.c) instead
# of holding the worker for the 60 s read timeout.
mark_app=$(log_mark "$work/log/framefit.log")
before=$(counts)
"$root/scripts/db.sh" sql -e "FLUSH TABLES WITH READ LOCK; SELECT SLEEP(60)" \
	>/dev/null 2>&1 &
lock_pid=$!
for i in $(seq 50); do
	[ "$(sql "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(60)%'")" = 1 ] && break
	sleep 0.1
done
t0=$(now)
upload "$photo" "$sku"
took=$(secs "$t0" "$(now)")
echo "# global read lock: POST /tryon answered $code after $took s"
check_eq "read lock: POST /tryon is 503" "$code" 503
if awk -v t="$took" 'BEGIN { exit !(t <= 15) }'; then
	ok "read lock: answered within 15 s ($took s)"
else
	nok "read lock: answered within 15 s" "$took s"
fi
check_eq "read lock: no row written" "$(counts)" "$before"
log_since "$work/log/framefit.log" "$mark_app" >"$tmp/app.C2"
check_grep "read lock: the log names the cause" '1205 .*Lock wait timeout' "$tmp/app.C2"
lock_id=$(sql "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(60)%'")
[ -n "$lock_id" ] && sql "KILL $lock_id"
wait "$lock_pid" 2>/dev/null
lock_pid=
upload "$photo" "$sku"
check_eq "read lock released: POST /tryon is 303" "$code" 303

# C3: the request-body spool. lighttpd keeps a body under 64 KB in memory
# and writes a larger one to server.upload-dirs ($FF_VAR/tmp) before the
# worker sees it. A 1000 px selfie is larger.
convert "$photo" -resize 1000x1000 -quality 97 "$tmp/big.jpg" 2>>"$work/convert.err"
big=$(wc -c <"$tmp/big.jpg")
[ "$big" -gt 70000 ] && ok "C3: a photo lighttpd spools to disk ($big bytes)" ||
	nok "C3: a photo lighttpd spools to disk" "$big bytes"
mark_err=$(log_mark "$work/log/lighttpd-error.log")
mark_app=$(log_mark "$work/log/framefit.log")
before=$(counts)
mv "$work/tmp" "$work/tmp.away"
echo "not a directory" >"$work/tmp"
upload "$tmp/big.jpg" "$sku"
spool_code=$code
cp "$tmp/body" "$tmp/spool.body"
cp "$tmp/head" "$tmp/spool.head"
upload "$tmp/big.jpg" "$sku" -H 'Accept: application/json'
spool_json=$code
cp "$tmp/body" "$tmp/spool-json.body"
upload "$photo" "$sku"
check_eq "spool broken: a small photo (kept in memory) still gives 303" "$code" 303
check_eq "spool broken: no row for the refused uploads" \
	"$(counts | awk '{ print $1 - 1 }')" "$(echo "$before" | awk '{ print $1 }')"
log_since "$work/log/lighttpd-error.log" "$mark_err" >"$tmp/err.C3"
log_since "$work/log/framefit.log" "$mark_app" >"$tmp/app.C3"
check_grep "spool broken: lighttpd's log names the cause" "temp-file failed: $work/tmp/" "$tmp/err.C3"
check_eq "spool broken: a large upload is 503" "$spool_code" 503
check_grep "spool broken: ... with the HTML error page" 'Service Unavailable' "$tmp/spool.body"
check_eq "spool broken: ... JSON when asked" "$spool_json" 503
check_grep "spool broken: ... JSON body" '^\{"error":\{"code":"unavailable"' "$tmp/spool-json.body"
check_grep "spool broken: the workers' log has the failure" 'web server' "$tmp/app.C3"
rm -f "$work/tmp"
mv "$work/tmp.away" "$work/tmp"
upload "$tmp/big.jpg" "$sku"
check_eq "spool fixed: a large upload is 303 again" "$code" 303
check_eq "phase C: no worker died or was replaced" "$(worker_pids)" "$workers"
check_nogrep "phase C: no crash in the workers' log" "$crash_re" "$work/log/framefit.log"
echo "# phase C: $((SECONDS - t_phase)) s; all phases $((SECONDS - t_all)) s"

finish
