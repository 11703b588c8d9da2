# shellcheck shell=bash disable=SC2034,SC2154  # sourced: root comes from the test, and the test reads build, bin, cli, faces, work, tmp, trained and the rest
# lib.sh: what the integration tests share: their environment (test_env),
# the tally and its check helpers, the private MariaDB (scripts/db.sh) and
# web server (scripts/web.sh) with their clean-up, a free port and curl
# helpers. Not a test of its own: each test sources it and names itself
#
#	root=$(cd "$(dirname "$0")/../.." && pwd)
#	. "$root/tests/integration/lib.sh"
#	test_env web framefit_webtest
#
# then sets any FF_* of its own. After that, a test may set:
#   server        the web server of web_start (default $FF_WEB_SERVER, or
#                 lighttpd): lighttpd, apache-fcgid or apache-proxy
#   http_timeout  curl's --max-time in seconds (default 60)
#   http_heads=1  http appends every response head to $tmp/heads.txt
#   http_bodies   an extended regexp: http appends every body whose
#                 Content-Type matches it to $tmp/bodies.txt (for a search
#                 for leaked internals at the end)
#   keep_note     words for the KEEP=1 line after the server's address
# and define on_web_start (run once the server is up) and on_finish (run
# first thing at the end, whatever the outcome).
#
# finish prints "N passed, M failed" last and exits non-zero on a failure;
# it runs on exit and on INT/TERM, and stops only the servers the test
# started (KEEP=1 leaves them running).

# ---- The environment ----

# test_env NAME DATABASE: the build to test (FF_BUILD_DIR, else the source
# tree), its worker (bin) and CLI (cli), the photos (faces), a state
# directory of the test's own under var/ (work, with tmp for responses),
# and the workers' environment: MariaDB under $work with the database
# DATABASE made for this test, an admin login, two workers, and none of
# the caller's FF_* settings that would change what the workers do.
test_env() {
	build=${FF_BUILD_DIR:-$root}
	bin=$build/cgi-bin/framefit.fcgi
	cli=$build/src/framefit
	faces=${FF_FACES:-$root/../shared/data/faces}
	work=$root/var/test-$1
	tmp=$work/tmp-test
	export FF_VAR=$work
	export FF_DB_DIR=$work/mysql
	export FF_DB_SOCKET=$work/mysql/mysql.sock
	export FF_DB_NAME=$2
	export FF_SECRET_FILE=$work/secret
	export FF_ADMIN_USER=admin FF_ADMIN_PASSWORD=test-admin-pw
	export FF_PROCS=2
	# The workers' purge timer changes rows at a time no test chooses;
	# a test that checks it turns it on (test_admin.sh).
	export FF_PURGE_INTERVAL_S=0
	unset FF_MODELS_DIR FF_TEMPLATES FF_STATIC FF_SQL_DIR FF_MIGRATE \
		FF_MAX_REQUESTS FF_RETENTION_DAYS FF_MODEL_CHECK_S FF_API_RATE \
		FF_UPLOAD_RATE FF_UPLOAD_CONCURRENT FF_TRUSTED_PROXY \
		FF_REQUEST_CPU_S FF_REQUEST_MEM_MB FF_EMBED_ORIGINS \
		FF_CONSENT_DAYS FF_NEWSLETTER
}

# ---- The tally ----

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
nok() { fail=$((fail + 1)); echo "FAIL - $1${2:+: $2}"; }
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$2', want '$3'"; fi
}
check_in() {	# check_in NAME VALUE ALLOWED...
	local name=$1 v=$2 a
	shift 2
	for a in "$@"; do
		[ "$v" = "$a" ] && { ok "$name ($v)"; return 0; }
	done
	nok "$name" "got '$v', want one of: $*"
	return 1
}
check_near() {	# check_near NAME GOT WANT TOLERANCE: numbers within it, words equal
	if awk -v t="$4" -v a="$2" -v b="$3" 'BEGIN {
		n = split(a, x, " "); if (n != split(b, y, " ")) exit 1
		for (i = 1; i <= n; i++)
			if (x[i] ~ /^-?[0-9.]+$/ && y[i] ~ /^-?[0-9.]+$/) {
				d = x[i] - y[i]; if (d < -t || d > t) exit 1
			} else if (x[i] != y[i]) exit 1
		exit 0 }'; then ok "$1"; else nok "$1" "got '$2', want '$3' (within $4)"; fi
}
check_re() {	# check_re NAME VALUE REGEX
	if [[ $2 =~ $3 ]]; then ok "$1"; else nok "$1" "'$2' !~ /$3/"; fi
}
check_ge() {	# check_ge NAME NUMBER MINIMUM
	if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1 ($2)"; else
		nok "$1" "got '$2', want >= $3"; fi
}
check_grep() {	# check_grep NAME PATTERN FILE (extended regexp)
	if grep -Eq -- "$2" "$3"; then ok "$1"; else
		# The start of a text file (a program's output) says why.
		nok "$1" "no /$2/ in $3$(grep -Iq . "$3" 2>/dev/null &&
			printf ': %s' "$(head -c 400 "$3")")"
	fi
}
check_nogrep() {
	if grep -Eq -- "$2" "$3"; then nok "$1" "/$2/ found in $3"; else ok "$1"; fi
}
bail() { echo "${0##*/}: $*" >&2; nok "setup" "$*"; finish; }

# ---- Servers (only the ones this test started are stopped) ----

db_started=0
web_started=0
server=${FF_WEB_SERVER:-lighttpd}
url=
keep_note=
http_timeout=60
http_heads=0
http_bodies=
workers=

sql() {
	"$root/scripts/db.sh" sql -N -B -e "$1" 2>>"$work/sql.err"
}

# The test's own MariaDB, started unless it runs already, with the
# database $FF_DB_NAME made afresh.
db_fresh() {
	local name=$FF_DB_NAME
	"$root/scripts/db.sh" status >/dev/null 2>&1 || db_started=1
	"$root/scripts/db.sh" start >"$work/db.out" 2>&1 ||
		bail "cannot start MariaDB; see $work/db.out"
	# Connected to mysql, not to $name: it may not exist yet.
	FF_DB_NAME=mysql "$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $name; CREATE DATABASE $name" ||
		bail "cannot create $name"
}

# The models to test with: $FF_TEST_MODELS, else <repo>/models when it
# holds the three trained weights, else /tmp/m. Sets models, and trained=1
# when they are the trained ones of <repo>/models.
pick_models() {
	trained=0
	if [ -n "${FF_TEST_MODELS:-}" ]; then
		models=$FF_TEST_MODELS
	elif [ -s "$root/models/face.weights" ] && [ -s "$root/models/eyes.weights" ] &&
	    [ -s "$root/models/refine.weights" ]; then
		models=$root/models
	else
		models=/tmp/m
	fi
	if [ "$models" = "$root/models" ]; then
		trained=1
	fi
}

web_start() {	# web_start BIN MODELS
	FF_FCGI_BIN=$1 FF_MODELS_DIR=$2 "$root/scripts/web.sh" start "$server" \
		>>"$work/web.out" 2>&1 || return 1
	web_started=1
	# lighttpd and spawn-fcgi start their workers before listening, so
	# they are all there now (see same_workers).
	workers=$(worker_pids)
	if declare -F on_web_start >/dev/null; then
		on_web_start
	fi
	return 0
}

# The pids of the FastCGI workers of $server now alive, sorted, on one
# line (scripts/web.sh workers: not framefit's master).
worker_pids() { "$root/scripts/web.sh" workers "$server" 2>/dev/null; }

# same_workers NAME: the workers that web_start found are the ones alive
# now: none died or was replaced. mod_fcgid spawns and retires workers on
# its own and has no fixed set to watch; there a crash shows as a failed
# request or health check instead.
same_workers() {
	[ "$server" = apache-fcgid ] && return 0
	# An empty list on both sides would compare equal and prove nothing.
	if [ -z "$workers" ]; then
		nok "$1: no worker died or was replaced" "web_start found no workers to watch"
		return
	fi
	check_eq "$1: no worker died or was replaced" "$(worker_pids)" "$workers"
}
# The CPU time the workers have used, in clock ticks: utime + stime,
# fields 14 and 15 of /proc/PID/stat (proc(5)), counted after the
# command name's closing parenthesis, summed over the workers web_start
# found (a replaced worker fails same_workers anyway).
worker_ticks() {
	local p st t=0
	local -a f
	for p in $workers; do
		st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		read -r -a f <<<"${st##*) }"
		t=$((t + f[11] + f[12]))
	done
	echo $t
}

web_stop() {
	[ $web_started = 1 ] || return 0
	"$root/scripts/web.sh" stop "$server" >>"$work/web.out" 2>&1
	web_started=0
}

finished=0
finish() {
	if [ $finished = 0 ]; then
		finished=1
		if declare -F on_finish >/dev/null; then
			on_finish
		fi
		if [ "${KEEP:-0}" != 1 ]; then
			web_stop
			[ $db_started = 1 ] && "$root/scripts/db.sh" stop >/dev/null 2>&1
		else
			echo "KEEP=1: ${url:+$server at $url${keep_note:+ $keep_note}, }MariaDB at $FF_DB_SOCKET"
		fi
		echo "$pass passed, $fail failed"
	fi
	[ $fail = 0 ] && exit 0
	exit 1
}
trap 'echo "interrupted"; fail=$((fail + 1)); finish' INT TERM
trap 'finish' EXIT

free_port() {
	"$root/scripts/free-port.sh"
}

# ---- HTTP: status in $code, head in $tmp/head, body in $tmp/body ----

http() {
	# curl leaves -o alone when there is no body (a 304): empty it first.
	: >"$tmp/body"
	: >"$tmp/head"
	code=$(curl -s -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' \
		--max-time "$http_timeout" "$@")
	local rc=$?
	[ "$http_heads" = 1 ] && cat "$tmp/head" >>"$tmp/heads.txt"
	if [ -n "$http_bodies" ] && [[ $(header Content-Type) =~ $http_bodies ]]; then
		{ cat "$tmp/body"; echo; } >>"$tmp/bodies.txt"
	fi
	return $rc	# curl's
}
header() {	# the value of header $1 of the last response
	grep -i "^$1:" "$tmp/head" | head -n 1 | cut -d: -f2- |
		sed 's/^ *//; s/\r$//'
}
upload() {	# upload PHOTO SKU [curl args...]: the public upload form
	local photo=$1 sku=$2
	shift 2
	http -F "photo=@$photo" -F "frame=$sku" "$@" "${url}tryon"
}
token_of_location() {
	header Location | sed -n 's|^/t/\([A-Za-z0-9_-]*\).*|\1|p'
}
token_of_body() {	# from the delete form of a result or no-face page
	sed -n 's|.*action="/t/\([A-Za-z0-9_-]*\)/delete".*|\1|p' "$tmp/body" |
		head -n 1
}
