#!/bin/bash
# test_stop.sh: least privilege, admin trust, slow drips and clean stops,
# with the real servers and workers (issue 12, items 2, 4, 6 and 8).
#
#   tests/integration/test_stop.sh
#
# Environment: FF_BUILD_DIR, FF_FACES, FF_TEST_MODELS, KEEP as for
# test_web.sh; FF_STOP_SERVERS (default "lighttpd apache-fcgid
# apache-proxy") limits the servers.
#
# For each server (scripts/web.sh):
#   1. run as root, no framefit process (master or worker) runs as uid 0;
#      the admin user file is 0640 and the CSRF secret 0600;
#   2. /admin/ without the server's password is refused (401), with a
#      wrong one too, and a forged Remote-User header changes nothing;
#      the workers' socket refuses a stranger (uid nobody);
#   3. three byte-a-second uploads to /tryon (more than the two workers)
#      hold no worker: /healthz and a real try-on are served at once;
#      under Apache the drips are cut by mod_reqtimeout within 30 s
#      (lighttpd buffers the body and holds only the connection);
#   4. a stop ends the master and every worker within 5 s (and the web
#      server within 12 s: Apache lets a child finish its request first),
#      from each state (workers in accept(), busy with uploads and with a
#      slow upload in flight, and with the database down so they
#      reconnect), by scripts/web.sh stop and by SIGTERM to the server
#      (and, for spawn-fcgi, to the master too, as a service manager
#      would); a leftover's CPU time shows whether it spins.
# Then:
#   5. make install into a DESTDIR puts every file in place, the units
#      pass systemd-analyze verify, and the installed worker migrates and
#      serves from the installed files; `framefit.fcgi --listen :PORT`
#      binds 127.0.0.1 only and ends at once on SIGTERM;
#   6. ./run.sh (a private copy: own state directory, port and MariaDB)
#      runs no worker as root, gives the database user only DML with a
#      generated 0600 password that no command line shows, and after
#      SIGINT to its process group (Ctrl-C) leaves no framefit, lighttpd
#      or mariadbd process behind.
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env stop framefit_stoptest

command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
command -v python3 >/dev/null || bail "python3 is not installed"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
[ -r "$photo" ] || bail "no face photo under $faces"
mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
rm -f "$work/log/"*.log
pick_models
db_fresh
"$bin" --migrate >"$work/migrate.out" 2>&1 || bail "migrate failed; see $work/migrate.out"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
isroot=0
[ "$(id -u)" = 0 ] && isroot=1

# ---- Processes ----

# Every process below pid $1 (children first-level and down).
descendants() {
	local d
	for d in $(pgrep -P "$1" 2>/dev/null || true); do
		echo "$d"
		descendants "$d"
	done
}
# The server's processes now: its top process(es) and all below them,
# the spawn-fcgi master and its workers for apache-proxy, on one line.
server_pids() {
	local t
	for t in $(cat "$(pidfile)" 2>/dev/null) \
	    $( [ "$server" = apache-proxy ] && cat "$work/run/spawn-fcgi.pid" 2>/dev/null); do
		echo "$t"
		descendants "$t"
	done | sort -un | tr '\n' ' '
}
pidfile() {
	case $server in
	lighttpd) echo "$work/run/lighttpd.pid" ;;
	apache-fcgid) echo "$work/run/apache-fcgid.pid" ;;
	apache-proxy) echo "$work/run/apache-proxy-fcgi.pid" ;;
	esac
}
# Is pid $1 alive (a zombie is dead: PID 1 of a container may not reap)?
alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
# CPU ticks (user + system) of pid $1.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
comm_of() { cat "/proc/$1/comm" 2>/dev/null; }

# gone_within NAME PIDS SECONDS: every one of PIDS ends in time; for a
# leftover, say what it is and whether it spins (CPU ticks over 1 s).
gone_within() {
	local name=$1 pids=$2 limit=$3 t0=$SECONDS p left=
	while :; do
		left=
		for p in $pids; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && break
		[ $((SECONDS - t0)) -ge "$limit" ] && break
		sleep 0.1
	done
	if [ -z "$pids" ]; then
		nok "$name" "no processes to watch"
		return 1
	fi
	if [ -z "$left" ]; then
		ok "$name: all $(echo $pids | wc -w) processes gone within ${limit} s"
		return 0
	fi
	local what= a b
	for p in $left; do
		a=$(ticks "$p"); sleep 1; b=$(ticks "$p")
		what="$what $p($(comm_of "$p"), $((b - a)) ticks/s)"
	done
	nok "$name: processes left after ${limit} s" "$what"
	for p in $left; do kill -KILL "$p" 2>/dev/null; done
	return 1
}

# The framefit processes among the pids $1.
framefit_of() {
	local p
	for p in $1; do
		case $(comm_of "$p") in
		framefit.fcgi|framefit-master) echo "$p" ;;
		esac
	done | tr '\n' ' '
}

# Every framefit process of the server runs as another user than root.
check_not_root() {
	local p u bad= n=0
	for p in $(server_pids); do
		case $(comm_of "$p") in
		framefit.fcgi|framefit-master) ;;
		*) continue ;;
		esac
		n=$((n + 1))
		u=$(awk '/^Uid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ "$u" = 0 ] && bad="$bad $p"
	done
	# mod_fcgid starts a worker at the first request (web_start's);
	# the others keep a master and two.
	check_ge "$server: framefit processes found" "$n" \
		"$([ "$server" = apache-fcgid ] && echo 1 || echo 3)"
	check_eq "$server: no framefit process runs as root" "${bad:-none}" none
	check_eq "$server: the admin user file is 0640" \
		"$(stat -c %a "$work/admin.htpasswd")" 640
	check_eq "$server: the CSRF secret is 0600, the workers'" \
		"$(stat -c '%a %U' "$FF_SECRET_FILE")" "600 framefit"
}

# ---- Admin trust ----

check_admin_refused() {
	http "${url}admin/"
	check_eq "$server: /admin/ without a password is 401" "$code" 401
	http -u admin:wrong "${url}admin/"
	check_eq "$server: /admin/ with a wrong password is 401" "$code" 401
	http -H "Remote-User: admin" -H "X-Remote-User: admin" "${url}admin/"
	check_eq "$server: a forged Remote-User header is 401" "$code" 401
	http -u admin:test-admin-pw "${url}admin/"
	check_eq "$server: /admin/ with the password is 200" "$code" 200
	# The workers' socket: only the server may connect.
	local sock
	case $server in
	lighttpd) sock=$work/run/lighttpd/framefit.sock ;;
	apache-proxy) sock=$work/run/framefit-proxy.sock ;;
	*) sock= ;;
	esac
	if [ -n "$sock" ] && [ $isroot = 1 ] && command -v cgi-fcgi >/dev/null; then
		if REQUEST_METHOD=GET REQUEST_URI=/admin/ REMOTE_USER=admin \
		    timeout 5 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    cgi-fcgi -bind -connect "$sock" >"$tmp/fcgi.out" 2>&1; then
			nok "$server: a stranger cannot reach the workers' socket" \
				"$(head -c 200 "$tmp/fcgi.out")"
		else
			ok "$server: a stranger cannot reach the workers' socket"
		fi
	fi
}

# ---- Slow drip ----

check_drip() {
	local i t code0 d cut=0 open=0
	for i in 1 2 3; do
		python3 "$root/tests/integration/drip.py" 127.0.0.1 "$PORT" 600 1 40 \
			>"$tmp/drip.$i" 2>&1 &
		eval "drip_$i=\$!"
	done
	sleep 3	# the drips have started; a streamed body would hold a worker now
	t=$EPOCHREALTIME
	http_timeout=10 http "${url}healthz"
	check_eq "$server: /healthz during 3 drips" "$code" 200
	check_near "$server: /healthz during 3 drips answers at once" \
		"$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) >= 1 }')" 0 0
	t=$EPOCHREALTIME
	http_timeout=10 upload "$photo" "$sku"
	check_eq "$server: a try-on during 3 drips" "$code" 303
	check_near "$server: the try-on during 3 drips takes under 3 s" \
		"$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) >= 3 }')" 0 0
	if [ "$server" = lighttpd ]; then
		# Buffered whole before a worker sees it: nothing to cut, and
		# nothing held but the connection. Stop the drips.
		for i in 1 2 3; do eval "kill \$drip_$i 2>/dev/null"; done
		wait 2>/dev/null
		return 0
	fi
	wait
	for i in 1 2 3; do
		d=$(cat "$tmp/drip.$i")
		case $d in
		cut\ *) t=${d#cut }; t=${t%% *}
			awk -v t="$t" 'BEGIN { exit !(t <= 30) }' && cut=$((cut + 1)) ;;
		*) open=$((open + 1)) ;;
		esac
		echo "# $server drip $i: $d"
	done
	check_eq "$server: mod_reqtimeout cuts every drip within 30 s" "$cut" 3
}

# ---- Stops ----

# stop_from STATE METHOD: start the server, bring it to STATE, stop it by
# METHOD, check that every process of it ends.
stop_from() {
	local state=$1 how=$2 pids ffpids bg= i
	web_start "$bin" "$models" || { nok "$server: start ($state)" "see $work/web.out"; return; }
	case $state in
	idle) ;;
	busy)
		# Uploads in flight, and a drip whose body has not come yet.
		python3 "$root/tests/integration/drip.py" 127.0.0.1 "$PORT" 600 1 30 \
			>/dev/null 2>&1 &
		bg="$bg $!"
		for i in 1 2 3 4 5 6; do
			curl -s -o /dev/null --max-time 20 -F "photo=@$photo" \
				-F "frame=$sku" "${url}tryon" &
			bg="$bg $!"
		done
		sleep 0.3 ;;
	dbdown)
		"$root/scripts/db.sh" stop >/dev/null 2>&1
		http_timeout=10 http "${url}healthz"
		check_eq "$server: DB down, /healthz is 503" "$code" 503
		# Requests keep the workers reconnecting while the stop comes.
		for i in 1 2 3 4; do
			curl -s -o /dev/null --max-time 20 "${url}healthz" &
			bg="$bg $!"
		done
		sleep 0.2 ;;
	esac
	pids=$(server_pids)
	ffpids=$(framefit_of "$pids")
	case $how in
	web.sh)
		"$root/scripts/web.sh" stop "$server" >>"$work/web.out" 2>&1 ;;
	sigterm)
		kill -TERM $(cat "$(pidfile)") 2>/dev/null
		[ "$server" = apache-proxy ] &&
			kill -TERM $(cat "$work/run/spawn-fcgi.pid") 2>/dev/null ;;
	esac
	# framefit's own within 5 s; Apache's children may finish the
	# request in hand first, and Apache kills them after 9 s.
	gone_within "$server: stop by $how from $state, framefit processes" \
		"$ffpids" 5
	gone_within "$server: stop by $how from $state, the server's" "$pids" 12
	web_started=0
	# web.sh stop tidies the pid files; a SIGTERM leaves them.
	"$root/scripts/web.sh" stop "$server" >>"$work/web.out" 2>&1
	for i in $bg; do kill "$i" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$state" = dbdown ]; then
		"$root/scripts/db.sh" start >/dev/null 2>&1 || bail "MariaDB did not come back"
	fi
}

for server in ${FF_STOP_SERVERS:-lighttpd apache-fcgid apache-proxy}; do
	case $server in
	lighttpd) command -v lighttpd >/dev/null || { nok "$server is not installed"; continue; } ;;
	apache-*) command -v apache2 >/dev/null || { nok "$server is not installed"; continue; } ;;
	esac
	echo "# $server on $url"
	web_start "$bin" "$models" || { nok "$server: start" "see $work/web.out"; continue; }
	[ $isroot = 1 ] && check_not_root
	check_admin_refused
	check_drip
	web_stop
	for st in idle busy dbdown; do
		for how in web.sh sigterm; do
			stop_from "$st" "$how"
		done
	done
done

# ---- make install into a DESTDIR, the units, a run from there ----

lbin=$bin
if [ "${FF_STOP_INSTALL:-1}" = 1 ] && [ -f "$build/Makefile" ]; then
	D=$work/inst
	rm -rf "$D"
	if make -s -C "$build" install DESTDIR="$D" >"$work/install.out" 2>&1; then
		ok "make install DESTDIR=..."
		ib=$(find "$D" -path '*/libexec/framefit/framefit.fcgi' | head -n 1)
		share=$(dirname "$(find "$D" -path '*/share/framefit/sql' | head -n 1)")
		units=$(dirname "$(find "$D" -name framefit.service | head -n 1)")
		check_eq "installed: worker, CLI, templates, models, sql, units" \
			"$(for f in "$ib" "$(find "$D" -path '*/bin/framefit')" "$share/templates/index.html" \
			    "$share/models/face.weights" "$share/sql/001_init.sql" \
			    "$units/framefit-purge.timer"; do [ -s "$f" ] && echo y || echo "n:$f"; done | sort -u)" y
		check_nogrep "the units name no build or source path" "$root|$D" "$units/framefit.service"
		if command -v systemd-analyze >/dev/null; then
			# verify --root looks for everything under the root: the
			# system's own units and the programs the units run.
			mkdir -p "$D/usr/lib/systemd" "$D/usr/bin"
			cp -a /usr/lib/systemd/system "$D/usr/lib/systemd/"
			mkdir -p "$D/bin"
			cp /usr/bin/kill "$D/usr/bin/"
			# framefit-feed.service fetches the shop's feed with curl.
			cp /usr/bin/curl "$D/usr/bin/"
			cp /bin/sh "$D/bin/"
			getent passwd framefit >/dev/null || echo "# no user framefit: verify may complain"
			systemd-analyze verify --root="$D" "$units"/framefit*.service \
				"$units"/framefit-purge.timer >"$work/verify.out" 2>&1
			check_eq "systemd-analyze verify on the units: no complaint" \
				"$?:$(head -c 300 "$work/verify.out")" "0:"
		else
			nok "systemd-analyze verify" "systemd is not installed"
		fi
		# The installed worker, with the installed files only.
		export FF_TEMPLATES=$share/templates FF_SQL_DIR=$share/sql
		check_eq "installed worker: migrate from the installed sql/" \
			"$("$ib" --migrate 2>/dev/null)" "framefit.fcgi: 0 migration(s) applied"
		lbin=$ib
		models=$share/models
	else
		nok "make install DESTDIR=..." "$(tail -n 5 "$work/install.out")"
	fi
fi

# ---- --listen :port is loopback ----

lport=$(free_port)
FF_MODELS_DIR=$models "$lbin" --listen ":$lport" >"$work/listen.out" 2>&1 &
lpid=$!
i=0
until ss -Hltn "sport = :$lport" | grep -q .; do
	i=$((i + 1)); [ $i -le 50 ] || break; sleep 0.1
done
check_eq "--listen :PORT binds 127.0.0.1 only" \
	"$(ss -Hltn "sport = :$lport" | awk '{ print $4 }' | sort -u | tr '\n' ' ')" "127.0.0.1:$lport "
if command -v cgi-fcgi >/dev/null; then
	REQUEST_METHOD=GET REQUEST_URI=/healthz SCRIPT_NAME=/healthz \
		timeout 10 cgi-fcgi -bind -connect "127.0.0.1:$lport" >"$tmp/fcgi.out" 2>&1
	check_grep "--listen worker ($lbin) answers /healthz" '^ok' "$tmp/fcgi.out"
fi
kill -TERM "$lpid" 2>/dev/null
gone_within "--listen worker: SIGTERM in accept()" "$lpid" 3
wait "$lpid" 2>/dev/null
unset FF_TEMPLATES FF_SQL_DIR
pick_models

# ---- ./run.sh and Ctrl-C ----

if [ "${FF_STOP_RUNSH:-1}" = 1 ]; then
	rv=$work/runsh
	rm -rf "$rv"
	mkdir -p "$rv"
	rport=$(free_port)
	setsid env FF_RUN_NO_BUILD=1 FF_FCGI_BIN="$bin" FF_VAR="$rv" \
		FF_DB_DIR="$rv/mysql" FF_DB_SOCKET="$rv/mysql/mysql.sock" \
		FF_DB_NAME=framefit_runsh FF_MODELS_DIR="$models" PORT="$rport" \
		FF_SECRET_FILE="$rv/secret" FF_DB_PASSWORD= \
		"$root/run.sh" >"$work/runsh.out" 2>&1 &
	rpid=$!
	i=0
	until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$rport/healthz"; do
		i=$((i + 1)); [ $i -le 600 ] && alive "$rpid" || break; sleep 0.1
	done
	http "http://127.0.0.1:$rport/healthz"
	check_eq "run.sh: serves" "$code" 200
	server=lighttpd
	saved_work=$work
	work=$rv
	rpids="$(server_pids) $(cat "$rv/mysql/mysqld.pid" 2>/dev/null)"
	if [ $isroot = 1 ]; then
		bad=
		n=0
		for p in $rpids; do
			case $(comm_of "$p") in
			framefit.fcgi|framefit-master) n=$((n + 1))
				[ "$(awk '/^Uid:/ { print $2 }' "/proc/$p/status")" = 0 ] && bad="$bad $p" ;;
			esac
		done
		check_ge "run.sh: framefit processes found" "$n" 2
		check_eq "run.sh: no framefit process runs as root" "${bad:-none}" none
	fi
	check_eq "run.sh: the database password file is 0600" \
		"$(stat -c %a "$rv/mysql/app.password" 2>&1)" 600
	grants=$(FF_DB_DIR=$rv/mysql FF_DB_SOCKET=$rv/mysql/mysql.sock FF_DB_NAME=mysql \
		"$root/scripts/db.sh" sql -N -B -e "SHOW GRANTS FOR 'framefit'@'localhost'" 2>&1 |
		grep -v USAGE | sed 's/ TO .*//')
	check_eq "run.sh: the app's database user may only read and write rows" \
		"$grants" "GRANT SELECT, INSERT, UPDATE, DELETE ON \`framefit_runsh\`.*"
	pw=$(cat "$rv/mysql/app.password" 2>/dev/null)
	check_ge "run.sh: a generated database password" "${#pw}" 20
	seen=
	for c in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' 2>/dev/null <"$c" | grep -qF -- "$pw" && seen="$seen $c"
	done
	check_eq "run.sh: no command line shows the database password" "${seen:-none}" none
	check_nogrep "run.sh: the password is in no world-readable config" "$pw" "$rv/lighttpd.conf"
	work=$saved_work
	kill -INT -- "-$rpid"
	gone_within "run.sh: Ctrl-C (SIGINT to its group)" "$rpid $rpids" 15
	left=
	for p in $(pgrep -s "$rpid" 2>/dev/null); do
		alive "$p" && left="$left $p($(comm_of "$p"))"
	done
	check_eq "run.sh: nothing left in its session" "${left:-none}" none
fi

finish
