#!/bin/bash
# test_dbnet.sh: framefit and MariaDB over TCP with TLS, the way a second
# host reaches the database (src/store/db.h: FF_DB_HOST, FF_DB_PORT,
# FF_DB_SSL_CA; docs/DEPLOY.md, "The database on another host").
#
#   tests/integration/test_dbnet.sh
#
# Environment:
#   FF_BUILD_DIR    where `make` built src/framefit and the worker (default:
#                   the source tree)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it holds
#                   trained weights, else /tmp/m)
#   FF_TEST_TIMEOUT seconds the whole test may take (default 600)
#   KEEP=1          leave the servers running at the end
#
# Its own MariaDB (scripts/db.sh under var/test-dbnet/mysql, database
# framefit_dbnettest) started with FF_DB_PORT: it listens on the socket
# and on 127.0.0.1:PORT, TLS only (require_secure_transport), with a
# throwaway CA of its own. Phases:
#   A. `framefit batch --job` over TCP and TLS alone (no socket setting):
#      the job completes, every item claimed once, the server saw TLS
#      handshakes;
#   B. the multi-host contract on one machine: one run over TCP and TLS
#      and one over the socket join the same job at once and finish it,
#      every item exactly once, both did work, the server saw both kinds
#      of connection;
#   C. no FF_DB_SSL_CA: the server refuses the clear-text session, and
#      framefit says why (exit 1);
#   D. a CA that did not sign the server's certificate, and a host name
#      the certificate does not carry: refused (exit 1);
#   E. nothing listening on the port: a clear error within the connect
#      timeout (exit 1); settings that cannot work (a port that is not a
#      number, an unreadable CA, a certificate without its key, another
#      host without TLS) stop the start (exit 2, the reason named);
#   F. a user that must show a client certificate (REQUIRE X509):
#      refused without FF_DB_SSL_CERT/KEY, served with them;
#   G. the web workers (lighttpd) over TCP and TLS: /healthz 200, their
#      sessions come from 127.0.0.1; a bad FF_DB_PORT stops web.sh's start
#      with the reason.
# Prints "N passed, M failed" last; exits non-zero on a failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env dbnet framefit_dbnettest
batch=("$cli" batch --no-yield --no-progress)

# Runs still going (a failed phase) must not outlive the test.
watchdog=
on_finish() {
	local left
	[ -n "$watchdog" ] && kill -9 "$watchdog" 2>/dev/null
	mapfile -t left < <(jobs -rp)	# running ones only
	if [ ${#left[@]} -gt 0 ]; then
		kill -TERM "${left[@]}" 2>/dev/null
		sleep 2
		kill -9 "${left[@]}" 2>/dev/null
	fi
}
(
	for ((t = 0; t < ${FF_TEST_TIMEOUT:-600}; t++)); do sleep 1; done
	echo "timed out"
	kill -TERM $$
	pkill -TERM -P $$
) &
watchdog=$!
disown $watchdog

job_id() { sql "SELECT id FROM batch_jobs WHERE name = '$1'"; }
count() {	# count JOB_ID [WHERE...]
	sql "SELECT COUNT(*) FROM batch_items WHERE job_id = $1 ${2:+AND $2}"
}
run_count() { sed -n 's/^this run: \([0-9]*\) photos.*/\1/p' "$1"; }
ssl_accepts() { sql "SHOW GLOBAL STATUS LIKE 'Ssl_accepts'" | cut -f2; }
# every_once NAME JOB_ID N: the job is finished with N items, each claimed
# once, one detection per processed photo and none twice.
every_once() {
	local j=$2 n=$3
	check_eq "$1: job finished with its items" \
		"$(sql "SELECT finished IS NOT NULL, n_items FROM batch_jobs WHERE id = $j")" \
		"$(printf '1\t%s' "$n")"
	check_eq "$1: nothing left queued or claimed" \
		"$(count "$j" "state IN ('queued','claimed')")" 0
	check_eq "$1: every item claimed exactly once" "$(count "$j" "attempts <> 1")" 0
	check_eq "$1: one detection per processed photo, none twice" \
		"$(sql "SELECT COUNT(*), COUNT(DISTINCT d.batch_item_id) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $j")" \
		"$(printf '%s\t%s' "$(count "$j" "state IN ('done','noface')")" "$(count "$j" "state IN ('done','noface')")")"
	check_eq "$1: every photo processed" "$(count "$j" "state IN ('done','noface')")" "$n"
}

# ---- Setup ----

[ -x "$cli" ] || bail "no $cli: build it first (make; FF_BUILD_DIR names the build)"
[ -x "$bin" ] || bail "no $bin: build it first"
command -v openssl >/dev/null || bail "no openssl"
pick_models
for f in face eyes refine; do
	[ -s "$models/$f.weights" ] || bail "no $models/$f.weights"
done
mkdir -p "$work"
rm -rf "$tmp"
mkdir -p "$tmp"
: >"$work/sql.err"
# A server left running (KEEP=1) listens on an earlier port, or on none.
"$root/scripts/db.sh" stop >/dev/null 2>&1
dbport=$(free_port) || bail "no free port"
export FF_DB_PORT=$dbport
db_fresh
ca=$FF_DB_DIR/tls/ca.pem
[ -s "$ca" ] || bail "db.sh made no $ca"
check_eq "the server listens on 127.0.0.1:$dbport and requires TLS" \
	"$(sql "SELECT @@port, @@bind_address, @@require_secure_transport, @@have_ssl")" \
	"$(printf '%s\t127.0.0.1\t1\tYES' "$dbport")"
echo "# program: $cli; server 127.0.0.1:$dbport, CA $ca"

# The photos: small LFW crops, in a list of absolute paths.
photos=$(find "$faces/mtfl/images/lfw_5590" -name '*.jpg' | sort | head -n 72)
[ "$(echo "$photos" | wc -l)" = 72 ] || bail "fewer than 72 photos in $faces"
echo "$photos" | head -n 12 >"$tmp/a.list"
echo "$photos" | tail -n 60 >"$tmp/b.list"

limit=(timeout -k 5 300)
# tcp CMD...: CMD over TCP and TLS, with no socket setting at all.
tcp() {
	env -u FF_DB_SOCKET -u FF_DB_DIR FF_DB_HOST=127.0.0.1 FF_DB_PORT="$dbport" \
		FF_DB_SSL_CA="$ca" "$@"
}
# sock CMD...: CMD over the socket, no TCP setting.
sock() { env -u FF_DB_HOST -u FF_DB_SSL_CA -u FF_DB_PORT "$@"; }

# ---- A. A batch over TCP and TLS ----

echo "# A. framefit batch over TCP and TLS"
ssl0=$(ssl_accepts)
tcp "${limit[@]}" "${batch[@]}" --models "$models" --jobs 2 --job netA "$tmp/a.list" \
	>"$tmp/a.out" 2>&1
check_eq "A: exit status" "$?" 0
ja=$(job_id netA)
[ -n "$ja" ] || bail "job netA was not made; see $tmp/a.out"
every_once "A" "$ja" 12
check_grep "A: summary" "^job netA: finished: 12 items" "$tmp/a.out"
check_ge "A: TLS handshakes the server accepted (runner and 2 workers)" \
	"$(( $(ssl_accepts) - ssl0 ))" 3
check_nogrep "A: no warning about clear text" "NOT encrypted|warning" "$tmp/a.out"

# ---- B. One host over TCP, one over the socket, one job ----

echo "# B. a run over TCP and TLS and one over the socket join one job"
tcp "${limit[@]}" "${batch[@]}" --models "$models" --jobs 1 --claim 4 --size 640 \
	--job netB "$tmp/b.list" >"$tmp/b1.out" 2>&1 &
p1=$!
sock "${limit[@]}" "${batch[@]}" --models "$models" --jobs 1 --claim 4 --size 640 \
	--job netB "$tmp/b.list" >"$tmp/b2.out" 2>&1 &
p2=$!
# Which sessions the server sees while they run: the TCP run's from
# 127.0.0.1:PORT, the socket's from localhost.
: >"$tmp/b.hosts"
for ((i = 0; i < 600; i++)); do
	sql "SELECT host FROM information_schema.processlist WHERE user = 'framefit'" \
		>>"$tmp/b.hosts"
	kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null || break
	sleep 0.2
done
wait $p1
check_eq "B: the TCP run exits 0" "$?" 0
wait $p2
check_eq "B: the socket run exits 0" "$?" 0
jb=$(job_id netB)
[ -n "$jb" ] || bail "job netB was not made; see $tmp/b1.out"
every_once "B" "$jb" 60
check_eq "B: the two runs' counts add up to the job" \
	"$(( $(run_count "$tmp/b1.out") + $(run_count "$tmp/b2.out") ))" 60
check_ge "B: the TCP run did work" "$(run_count "$tmp/b1.out")" 1
check_ge "B: the socket run did work" "$(run_count "$tmp/b2.out")" 1
check_ge "B: sessions over TCP seen" "$(grep -c '^127\.0\.0\.1:' "$tmp/b.hosts")" 1
check_ge "B: sessions over the socket seen" "$(grep -cx 'localhost' "$tmp/b.hosts")" 1

# ---- C. No TLS: the server refuses ----

echo "# C. no FF_DB_SSL_CA: refused by the server"
env -u FF_DB_SOCKET -u FF_DB_DIR -u FF_DB_SSL_CA FF_DB_HOST=127.0.0.1 \
	"${limit[@]}" "${batch[@]}" --models "$models" --job netA >"$tmp/c.out" 2>&1
check_eq "C: exit status 1 (not finished)" "$?" 1
check_grep "C: the server's refusal is shown" "connect: 1045 .*Access denied for user 'framefit'@'127.0.0.1'.*\(no TLS\)" "$tmp/c.out"
check_grep "C: and why" "hint: access denied to a connection without TLS \(no FF_DB_SSL_CA\)" "$tmp/c.out"
# The server's side of it, with its own client: clear text is refused.
mariadb --no-defaults -h 127.0.0.1 -P "$dbport" -u framefit -pframefit \
	--skip-ssl -e 'SELECT 1' >"$tmp/c.client" 2>&1
check_eq "C: the mariadb client without TLS is refused too" "$?" 1

# ---- D. Verification: another CA, another name ----

echo "# D. a CA that did not sign the server's certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=not the CA" \
	-keyout "$tmp/other.key" -out "$tmp/other.pem" >/dev/null 2>&1 ||
	bail "openssl could not make a CA"
tcp env FF_DB_SSL_CA="$tmp/other.pem" "${limit[@]}" "${batch[@]}" --models "$models" \
	--job netA >"$tmp/d.out" 2>&1
check_eq "D: exit status 1" "$?" 1
check_grep "D: the certificate check failed" "connect: 2026 .*(certificate|SSL|TLS).*\[127\.0\.0\.1:$dbport \(TLS\)\]" "$tmp/d.out"
check_grep "D: and what to check" "hint: TLS with .* failed: the server's certificate must be signed by the CA in FF_DB_SSL_CA=$tmp/other.pem" "$tmp/d.out"
check_nogrep "D: no job work done" "^this run" "$tmp/d.out"
# The right CA, but a name of this host the certificate does not carry
# (it names localhost and 127.0.0.1): the host name check refuses it.
me=$(hostname)
if [ "$me" != localhost ] && [[ $(getent ahostsv4 "$me" | head -n 1) =~ ^127\. ]]; then
	tcp env FF_DB_HOST="$me" "${limit[@]}" "${batch[@]}" --models "$models" \
		--job netA >"$tmp/d2.out" 2>&1
	check_eq "D: host name '$me' not in the certificate: exit status 1" "$?" 1
	check_grep "D: host name '$me': the certificate check failed" "connect: 2026 .*\[$me:$dbport \(TLS\)\]" "$tmp/d2.out"
	# The same CA with a name the certificate carries: served.
	tcp env FF_DB_HOST=localhost "${limit[@]}" "${batch[@]}" --models "$models" \
		--job netA >"$tmp/d3.out" 2>&1
	check_eq "D: host name localhost (in the certificate): exit status 0" "$?" 0
else
	echo "# D: skipped the host name check: $me does not resolve to 127.x"
fi

# ---- E. Nothing on the port; settings that cannot work ----

echo "# E. a port nothing listens on"
noport=$(free_port) || bail "no free port"
t0=$(date +%s%N)
tcp env FF_DB_PORT="$noport" "${limit[@]}" "${batch[@]}" --models "$models" \
	--job netA >"$tmp/e.out" 2>&1
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "E: exit status 1" "$rc" 1
check_grep "E: the connect error names the address" "connect: 2002 .*\[127\.0\.0\.1:$noport \(TLS\)\]" "$tmp/e.out"
check_grep "E: and what to check" "hint: no MariaDB answers at 127\.0\.0\.1:$noport .*check FF_DB_HOST and FF_DB_PORT" "$tmp/e.out"
# The connect timeout is 5 s (db.c); a refused port answers at once.
if [ "$ms" -le 6000 ]; then ok "E: within the connect timeout (${ms} ms)"; else
	nok "E: within the connect timeout" "${ms} ms"; fi

echo "# E. settings that cannot work stop the start (exit 2)"
bad_setting() {	# bad_setting NAME PATTERN ENV...
	local name=$1 pat=$2
	shift 2
	tcp env "$@" "${limit[@]}" "${batch[@]}" --models "$models" --job netA \
		>"$tmp/e2.out" 2>&1
	check_eq "E: $name: exit status 2" "$?" 2
	check_grep "E: $name: the reason" "$pat" "$tmp/e2.out"
	tcp env "$@" "$bin" --check >"$tmp/e3.out" 2>&1
	check_eq "E: $name: framefit.fcgi --check refuses" "$?" 1
	check_grep "E: $name: framefit.fcgi says why" "$pat" "$tmp/e3.out"
}
bad_setting "port not a number" "FF_DB_PORT=33o6 is not a port number" FF_DB_PORT=33o6
bad_setting "port out of range" "FF_DB_PORT=70000 is not a port number" FF_DB_PORT=70000
bad_setting "CA unreadable" "FF_DB_SSL_CA=$tmp/none.pem cannot be read: No such file" \
	FF_DB_SSL_CA="$tmp/none.pem"
bad_setting "certificate without key" "FF_DB_SSL_CERT and FF_DB_SSL_KEY go together" \
	FF_DB_SSL_CERT="$FF_DB_DIR/tls/client.pem"
bad_setting "another host without TLS" \
	"FF_DB_HOST=db\.example\.invalid is another host and FF_DB_SSL_CA is not set" \
	-u FF_DB_SSL_CA FF_DB_HOST=db.example.invalid
bad_setting "FF_DB_SSL neither on nor off" "FF_DB_SSL=yes: say on or off" FF_DB_SSL=yes
# Clear text to another host said on purpose: allowed, with a warning.
tcp env -u FF_DB_SSL_CA FF_DB_SSL=off FF_DB_HOST=db.example.invalid "$bin" --check \
	>"$tmp/e4.out" 2>&1
check_eq "E: FF_DB_SSL=off to another host: accepted" "$?" 0
check_grep "E: FF_DB_SSL=off to another host: warned" \
	"warning: the connection to db\.example\.invalid:$dbport is NOT encrypted" "$tmp/e4.out"

# ---- F. A client certificate ----

echo "# F. a user that must show a client certificate"
sql "ALTER USER 'framefit'@'127.0.0.1' REQUIRE X509" ||
	bail "cannot require X509; see $work/sql.err"
tcp "${limit[@]}" "${batch[@]}" --models "$models" --job netA >"$tmp/f1.out" 2>&1
check_eq "F: without a client certificate: exit status 1" "$?" 1
check_grep "F: refused" "connect: 1045 " "$tmp/f1.out"
tcp env FF_DB_SSL_CERT="$FF_DB_DIR/tls/client.pem" FF_DB_SSL_KEY="$FF_DB_DIR/tls/client.key" \
	"${limit[@]}" "${batch[@]}" --models "$models" --job netA >"$tmp/f2.out" 2>&1
check_eq "F: with it: exit status 0" "$?" 0
check_grep "F: with it: the finished job is read" "^job netA: finished: 12 items" "$tmp/f2.out"
sql "ALTER USER 'framefit'@'127.0.0.1' REQUIRE NONE" ||
	bail "cannot undo REQUIRE X509"

# ---- G. The web workers over TCP and TLS ----

echo "# G. the web workers over TCP and TLS"
PORT=$(free_port) || bail "no free port"
export PORT
url="http://127.0.0.1:$PORT/"
# A setting that cannot work stops web.sh before any server starts.
if FF_DB_HOST=127.0.0.1 FF_DB_PORT=nope FF_DB_SSL_CA=$ca \
    FF_FCGI_BIN=$bin FF_MODELS_DIR=$models "$root/scripts/web.sh" start >"$tmp/g0.out" 2>&1; then
	nok "G: web.sh refuses FF_DB_PORT=nope" "it started"
	"$root/scripts/web.sh" stop >/dev/null 2>&1
else
	ok "G: web.sh refuses FF_DB_PORT=nope"
fi
check_grep "G: and names the setting" "FF_DB_PORT=nope is not a port number" "$tmp/g0.out"
export FF_DB_HOST=127.0.0.1 FF_DB_SSL_CA=$ca
unset FF_DB_SOCKET
# No socket to fall back to: the default one is not where the workers
# would look.
export FF_DB_DIR=$work/nodb
sql_dir=$work/mysql
sql() { FF_DB_DIR=$sql_dir FF_DB_SOCKET=$sql_dir/mysql.sock "$root/scripts/db.sh" sql -N -B -e "$1" 2>>"$work/sql.err"; }
ssl0=$(ssl_accepts)
web_start "$bin" "$models" || bail "$server did not start; see $work/web.out"
http "${url}healthz"
check_eq "G: /healthz over TCP and TLS" "$code" 200
check_ge "G: the workers' sessions come from 127.0.0.1" \
	"$(sql "SELECT COUNT(*) FROM information_schema.processlist WHERE user = 'framefit' AND host LIKE '127.0.0.1:%'")" 1
check_ge "G: with TLS handshakes" "$(( $(ssl_accepts) - ssl0 ))" 1
http "${url}"
check_eq "G: the upload page (catalog from the database)" "$code" 200
# Stop it here, while sql() still reaches the test's server.
web_stop
export FF_DB_DIR=$sql_dir FF_DB_SOCKET=$sql_dir/mysql.sock
unset FF_DB_HOST FF_DB_SSL_CA
