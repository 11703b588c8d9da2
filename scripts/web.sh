#!/bin/sh
# web.sh: framefit behind a real web server, with all state under ./var.
#
#   scripts/web.sh start [SERVER]   start in the background, print the URL
#   scripts/web.sh stop [SERVER]    stop it and its FastCGI workers
#   scripts/web.sh status [SERVER]  exit 0 if it answers, 3 if not
#   scripts/web.sh workers [SERVER] the pids of its FastCGI workers, on
#                                   one line (the tests watch them)
#   scripts/web.sh run              lighttpd in the foreground; Ctrl-C stops
#
# SERVER is lighttpd (default: mod_fastcgi spawns framefit's master,
# which keeps the workers: src/http/prefork.h), apache-fcgid (mod_fcgid
# spawns the workers itself) or apache-proxy (mod_proxy_fcgi, the master
# started by spawn-fcgi). The configs are conf/*.conf.in with the
# @NAMES@ filled in, written to $FF_VAR. The database is not started
# here: see scripts/db.sh (the workers migrate the schema on connect).
#
# Environment:
#   PORT             port (default 8080)
#   FF_BIND          address (default 127.0.0.1)
#   FF_VAR           state directory (default <repo>/var)
#   FF_FCGI_BIN      the worker (default <repo>/cgi-bin/framefit.fcgi)
#   FF_PROCS         worker processes (default 2)
#   FF_ADMIN_USER    user for /admin/ (default admin)
#   FF_ADMIN_PASSWORD  its password; without it one is generated when the
#                    user file is first written, and printed once
#   FF_APACHE_USER   user Apache's children run as when started by root
#                    (default www-data; Apache refuses to serve as root)
#   FF_DB_*, FF_MODELS_DIR, FF_TEMPLATES, FF_STATIC, FF_SQL_DIR,
#   FF_SECRET_FILE, FF_MIGRATE, FF_MAX_REQUESTS are passed to the workers
#   (see src/store/db.h and src/app/app.h).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
var=${FF_VAR:-$root/var}
port=${PORT:-8080}
bind=${FF_BIND:-127.0.0.1}
bin=${FF_FCGI_BIN:-$root/cgi-bin/framefit.fcgi}
procs=${FF_PROCS:-2}
static=${FF_STATIC:-${FF_TEMPLATES:-$root/templates}/static}
htpasswd=$var/admin.htpasswd
: "${FF_SECRET_FILE:=$var/secret}"
export FF_SECRET_FILE

die() { echo "web.sh: $*" >&2; exit 1; }

case $port in
''|*[!0-9]*) die "PORT must be a number, not '$port'" ;;
esac
case $procs in
''|*[!0-9]*|0) die "FF_PROCS must be a positive number" ;;
esac
# The Unix socket of spawn-fcgi must fit in sun_path (108 bytes).
sock=$var/run/framefit-proxy.sock
[ ${#sock} -lt 100 ] || die "FF_VAR is too long for a Unix socket path: $var"

url="http://$bind:$port/"

answers() {
	curl -s -o /dev/null --max-time 2 "${url}healthz"
}

wait_answer() {
	i=0
	until answers; do
		i=$((i + 1))
		[ $i -le 100 ] || return 1
		sleep 0.1
	done
}

# Wait for a pid to exit, up to $2 tenths of a second.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le "$2" ] || return 1
		sleep 0.1
	done
}

# Fill the @NAMES@ of conf/$1.in into $var/$1.
render() {
	if [ "$(id -u)" = 0 ]; then
		u=${FF_APACHE_USER:-www-data}
		g=$(id -gn "$u")
		user_line="User $u"
		group_line="Group $g"
	else
		user_line="# User: the caller's"
		group_line="# Group: the caller's"
	fi
	fcgid_env=$(env | grep '^FF_' | grep -v -e '^FF_VAR=' -e '^FF_PROCS=' \
		-e '^FF_FCGI_BIN=' -e '^FF_ADMIN_' -e '^FF_BIND=' |
		sed 's/"/\\"/g; s/^\([^=]*\)=\(.*\)$/FcgidInitialEnv \1 "\2"/')
	[ -n "$fcgid_env" ] || fcgid_env="# (no FF_* variables given)"
	printf '%s\n' "$fcgid_env" >"$var/fcgid_env.tmp"
	sed -e "s|@VAR@|$var|g" -e "s|@PORT@|$port|g" -e "s|@BIND@|$bind|g" \
	    -e "s|@BIN@|$bin|g" -e "s|@BINDIR@|$(dirname "$bin")|g" \
	    -e "s|@BINNAME@|$(basename "$bin")|g" -e "s|@PROCS@|$procs|g" \
	    -e "s|@STATIC@|$static|g" -e "s|@HTPASSWD@|$htpasswd|g" \
	    -e "s|@SOCKET@|$sock|g" -e "s|@USER_LINE@|$user_line|g" \
	    -e "s|@GROUP_LINE@|$group_line|g" \
	    -e "/@FCGID_ENV@/{r $var/fcgid_env.tmp" -e "d}" \
	    "$root/conf/$1.in" >"$var/$1"
	rm -f "$var/fcgid_env.tmp"
}

prepare() {
	[ -x "$bin" ] || die "no worker at $bin; build it (make) or set FF_FCGI_BIN"
	mkdir -p "$var/log" "$var/run" "$var/tmp" "$var/www" "$var/apache"
	if [ ! -s "$htpasswd" ]; then
		user=${FF_ADMIN_USER:-admin}
		pass=${FF_ADMIN_PASSWORD:-}
		if [ -z "$pass" ]; then
			pass=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
			echo "web.sh: /admin/ user '$user', password '$pass' (in $htpasswd, hashed)"
		fi
		htpasswd -nbB "$user" "$pass" | sed '/^$/d' >"$htpasswd.tmp"
		chmod 644 "$htpasswd.tmp"
		mv "$htpasswd.tmp" "$htpasswd"
	fi
}

# Apache's children run as another user when we are root: let them read
# the CSRF secret (created here so its owner is known) and use run/.
apache_perms() {
	[ "$(id -u)" = 0 ] || return 0
	u=${FF_APACHE_USER:-www-data}
	if [ ! -s "$FF_SECRET_FILE" ]; then
		(umask 077; head -c 32 /dev/urandom >"$FF_SECRET_FILE.tmp")
		mv "$FF_SECRET_FILE.tmp" "$FF_SECRET_FILE"
	fi
	chown "$u" "$FF_SECRET_FILE"
	mkdir -p "$var/run/fcgid"
	chown "$u" "$var/run/fcgid" "$var/tmp"
}

# Is pid $1 still one of the processes this script starts? A pid file
# left by a server that died names a pid the kernel hands out again
# (pid_max is 32768 here, and a test run forks that many): never signal
# whatever holds it now.
ours() {
	case $(cat "/proc/$1/comm" 2>/dev/null) in
	lighttpd|apache2|framefit.fcgi|framefit-master|spawn-fcgi) return 0 ;;
	esac
	return 1
}

pidfile_of() {
	case $1 in
	lighttpd)	echo "$var/run/lighttpd.pid" ;;
	apache-fcgid)	echo "$var/run/apache-fcgid.pid" ;;
	apache-proxy)	echo "$var/run/apache-proxy-fcgi.pid" ;;
	esac
}

start() {
	server=$1
	pidfile=$(pidfile_of "$server")
	if [ -s "$pidfile" ] && ours "$(cat "$pidfile")"; then
		echo "web.sh: $server already running (pid $(cat "$pidfile")) at $url"
		return 0
	fi
	prepare
	case $server in
	lighttpd)
		render lighttpd.conf
		lighttpd -tt -f "$var/lighttpd.conf" >/dev/null ||
			die "lighttpd rejects $var/lighttpd.conf"
		# lighttpd forks into the background once it listens.
		lighttpd -f "$var/lighttpd.conf"
		;;
	apache-fcgid)
		apache_perms
		render apache-fcgid.conf
		apache2 -t -f "$var/apache-fcgid.conf" 2>/dev/null ||
			{ apache2 -t -f "$var/apache-fcgid.conf"; die "apache2 rejects the config"; }
		apache2 -f "$var/apache-fcgid.conf" -k start
		;;
	apache-proxy)
		apache_perms
		render apache-proxy-fcgi.conf
		apache2 -t -f "$var/apache-proxy-fcgi.conf" 2>/dev/null ||
			{ apache2 -t -f "$var/apache-proxy-fcgi.conf"; die "apache2 rejects the config"; }
		rm -f "$sock"
		# The workers' stderr goes to a log; spawn-fcgi lets them inherit it.
		if [ "$(id -u)" = 0 ]; then
			u=${FF_APACHE_USER:-www-data}
			set -- -u "$u" -g "$(id -gn "$u")" -U "$u"
		else
			set --
		fi
		# One master keeping the workers (src/http/prefork.h): it
		# restarts one that dies, which spawn-fcgi -F would not.
		spawn-fcgi -s "$sock" -P "$var/run/spawn-fcgi.pid" \
			"$@" -- "$bin" --workers "$procs" >>"$var/log/spawn-fcgi.log" 2>&1 ||
			die "spawn-fcgi failed; see $var/log/spawn-fcgi.log"
		apache2 -f "$var/apache-proxy-fcgi.conf" -k start
		;;
	*) die "unknown server '$server' (lighttpd, apache-fcgid, apache-proxy)" ;;
	esac
	wait_answer || die "$server does not answer at $url; see $var/log/"
	echo "web.sh: $server running at $url"
}

# Stop a server by its pid file, then any of its children still alive
# (the FastCGI workers), each by its own pid.
stop_pid() {
	pidfile=$1
	[ -s "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	if ! ours "$pid"; then
		rm -f "$pidfile"
		return 0
	fi
	kids=$(pgrep -P "$pid" 2>/dev/null || true)
	for k in $kids; do
		kids="$kids $(pgrep -P "$k" 2>/dev/null || true)"
	done
	kill -TERM "$pid"
	wait_gone "$pid" 300 || { kill -KILL "$pid" 2>/dev/null || true; }
	for k in $kids; do
		ours "$k" || continue
		kill -TERM "$k" 2>/dev/null || true
		wait_gone "$k" 100 || kill -KILL "$k" 2>/dev/null || true
	done
	rm -f "$pidfile"
}

stop() {
	server=$1
	pidfile=$(pidfile_of "$server")
	[ -n "$pidfile" ] || die "unknown server '$server'"
	if [ ! -s "$pidfile" ]; then
		echo "web.sh: $server not running"
	else
		stop_pid "$pidfile"
		echo "web.sh: $server stopped"
	fi
	if [ "$server" = apache-proxy ] && [ -s "$var/run/spawn-fcgi.pid" ]; then
		# The master's pid (it stops its workers).
		for p in $(cat "$var/run/spawn-fcgi.pid"); do
			ours "$p" && kill -TERM "$p" 2>/dev/null
		done
		for p in $(cat "$var/run/spawn-fcgi.pid"); do
			wait_gone "$p" 100 || kill -KILL "$p" 2>/dev/null || true
		done
		rm -f "$var/run/spawn-fcgi.pid" "$sock"
	fi
}

status() {
	pidfile=$(pidfile_of "$1")
	if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null &&
	    answers; then
		echo "web.sh: $1 running (pid $(cat "$pidfile")) at $url"
		return 0
	fi
	echo "web.sh: $1 not running"
	return 3
}

# The workers now alive: framefit.fcgi processes under the server (not
# the master, framefit-master, which serves no request), sorted.
descendants() {
	for d in $(pgrep -P "$1" 2>/dev/null || true); do
		echo "$d"
		descendants "$d"
	done
}
workers() {
	case $1 in
	apache-proxy)	top=$(cat "$var/run/spawn-fcgi.pid" 2>/dev/null || true) ;;
	*)		top=$(cat "$(pidfile_of "$1")" 2>/dev/null || true) ;;
	esac
	for t in $top; do
		ours "$t" && descendants "$t"
	done | while read -r w; do
		[ "$(cat "/proc/$w/comm" 2>/dev/null)" = framefit.fcgi ] || continue
		# A zombie is a worker already dead.
		grep -q '^State:[[:space:]]*Z' "/proc/$w/status" 2>/dev/null ||
			echo "$w"
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
	echo
}

run() {
	prepare
	render lighttpd.conf
	lighttpd -tt -f "$var/lighttpd.conf" >/dev/null ||
		die "lighttpd rejects $var/lighttpd.conf"
	echo "web.sh: framefit at $url (Ctrl-C stops)"
	# -D: stay in the foreground; Ctrl-C reaches lighttpd, which stops
	# its workers (SIGTERM, they finish the request in hand).
	exec lighttpd -D -f "$var/lighttpd.conf"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
server=${1:-lighttpd}
case $cmd in
start)	start "$server" ;;
stop)	stop "$server" ;;
status)	status "$server" ;;
workers) workers "$server" ;;
run)	run ;;
*)	echo "usage: $0 start|stop|status|workers [lighttpd|apache-fcgid|apache-proxy] | run" >&2
	exit 2 ;;
esac
