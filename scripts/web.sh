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
#   FF_RUN_USER      the unprivileged user the FastCGI workers run as when
#                    this script runs as root (default framefit; created
#                    with useradd --system, no login shell, if missing).
#                    lighttpd and Apache with mod_fcgid run as it too,
#                    since they spawn the workers; Apache with
#                    mod_proxy_fcgi runs as FF_APACHE_USER and reaches
#                    the workers' socket through its group
#   FF_APACHE_USER   user Apache's children run as in proxy mode when
#                    started by root (default www-data)
#   FF_DB_*, FF_MODELS_DIR, FF_TEMPLATES, FF_STATIC, FF_SQL_DIR,
#   FF_SECRET_FILE, FF_MIGRATE, FF_MAX_REQUESTS are passed to the workers
#   (see src/store/db.h and src/app/app.h), through the environment (and
#   for mod_fcgid a 0600 file Apache includes while it is still root),
#   never on a command line or in a world-readable file.
#   FF_EMBED_ORIGINS the shop's origins that may show the try-on in an
#                    iframe, space-separated (docs/EMBED.md); passed the
#                    same way, and checked here before a server starts
#
# Files under FF_VAR when run as root (docs/ADMIN.md): the workers' user
# owns only what it writes (tmp/, run/fcgid/, the secret, 0600); the
# admin user file is root's, 0640, readable by the group of the server
# that checks it; the configs are root's.
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

isroot() { [ "$(id -u)" = 0 ]; }

# The workers' user (root only): made once, a system account without a
# home or a login shell. Two starts racing both try useradd; the loser
# finds the account made.
run_user=${FF_RUN_USER:-framefit}
apache_user=${FF_APACHE_USER:-www-data}
ensure_user() {
	isroot || return 0
	id -u "$run_user" >/dev/null 2>&1 && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "framefit workers" "$run_user" \
		2>/dev/null || id -u "$run_user" >/dev/null 2>&1 ||
		die "cannot create the user '$run_user' (useradd)"
}

# The user and group of the processes that check /admin/'s password
# (and, but for apache-proxy, run the workers), as "user group".
server_user() {
	if ! isroot; then
		echo "$(id -un) $(id -gn)"
	elif [ "$1" = apache-proxy ]; then
		echo "$apache_user $(id -gn "$apache_user")"
	else
		echo "$run_user $(id -gn "$run_user")"
	fi
}

# Fill the @NAMES@ of conf/$1.in into $var/$1. $2 is the server.
render() {
	set -- "$1" $(server_user "$2")
	if isroot; then
		user_line="User $2"
		group_line="Group $3"
		lighttpd_user="server.username = \"$2\""
		lighttpd_group="server.groupname = \"$3\""
	else
		user_line="# User: the caller's"
		group_line="# Group: the caller's"
		lighttpd_user="# server.username: the caller's"
		lighttpd_group="# server.groupname: the caller's"
	fi
	# mod_fcgid's copy of the workers' environment (the database password
	# among it) goes to a file only its owner reads; Apache includes it
	# while it is still root.
	(umask 077
	env | grep '^FF_' | grep -v -e '^FF_VAR=' -e '^FF_PROCS=' \
		-e '^FF_FCGI_BIN=' -e '^FF_ADMIN_' -e '^FF_BIND=' \
		-e '^FF_RUN_USER=' -e '^FF_APACHE_USER=' |
		sed 's/"/\\"/g; s/^\([^=]*\)=\(.*\)$/FcgidInitialEnv \1 "\2"/' \
		>"$var/fcgid-env.conf.tmp")
	mv "$var/fcgid-env.conf.tmp" "$var/fcgid-env.conf"
	sed -e "s|@VAR@|$var|g" -e "s|@PORT@|$port|g" -e "s|@BIND@|$bind|g" \
	    -e "s|@BIN@|$bin|g" -e "s|@BINDIR@|$(dirname "$bin")|g" \
	    -e "s|@BINNAME@|$(basename "$bin")|g" -e "s|@PROCS@|$procs|g" \
	    -e "s|@STATIC@|$static|g" -e "s|@HTPASSWD@|$htpasswd|g" \
	    -e "s|@SOCKET@|$sock|g" -e "s|@USER_LINE@|$user_line|g" \
	    -e "s|@GROUP_LINE@|$group_line|g" \
	    -e "s|@LIGHTTPD_USER@|$lighttpd_user|" \
	    -e "s|@LIGHTTPD_GROUP@|$lighttpd_group|" \
	    "$root/conf/$1.in" >"$var/$1"
}

# $1: the server. The state directories, the admin user file, the CSRF
# secret, each with the owner and mode its readers need (see the top).
prepare() {
	srv=$1
	[ -x "$bin" ] || die "no worker at $bin; build it (make) or set FF_FCGI_BIN"
	# The worker's own check of its settings (one rule, src/core/
	# setting.c, src/store/db.c): a bad FF_EMBED_ORIGINS or FF_DB_*
	# stops the start here, with the reason, rather than in a worker log.
	"$bin" --check ||
		die "fix the setting named above (FF_EMBED_ORIGINS: docs/EMBED.md; FF_DB_*: docs/DEPLOY.md)"
	ensure_user
	mkdir -p "$var/log" "$var/run" "$var/run/lighttpd" "$var/tmp" "$var/www" "$var/apache"
	if [ ! -s "$htpasswd" ]; then
		user=${FF_ADMIN_USER:-admin}
		pass=${FF_ADMIN_PASSWORD:-}
		if [ -z "$pass" ]; then
			pass=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
			echo "web.sh: /admin/ user '$user', password '$pass' (in $htpasswd, hashed)"
		fi
		# -i: the password comes on stdin, never on a command line.
		(umask 077
		printf '%s\n' "$pass" | htpasswd -niB "$user" | sed '/^$/d' >"$htpasswd.tmp")
		mv "$htpasswd.tmp" "$htpasswd"
	fi
	set -- $(server_user "$1")
	# The server checks the password as its own user, after dropping root.
	chmod 640 "$htpasswd"
	isroot && chgrp "$2" "$htpasswd"
	# Made here, so its owner is known: the workers read it, nobody else.
	if [ ! -s "$FF_SECRET_FILE" ]; then
		(umask 077; head -c 32 /dev/urandom >"$FF_SECRET_FILE.tmp")
		mv "$FF_SECRET_FILE.tmp" "$FF_SECRET_FILE"
	fi
	chmod 600 "$FF_SECRET_FILE"
	if isroot; then
		chown "$run_user:" "$FF_SECRET_FILE"
		# Request bodies (lighttpd's upload-dirs) and mod_fcgid's
		# sockets are written by the server's user; nothing else is.
		mkdir -p "$var/run/fcgid" "$var/run/lighttpd"
		chown "$1:$2" "$var/tmp"
		chown "$run_user:" "$var/run/fcgid" "$var/run/lighttpd"
		chmod 700 "$var/tmp" "$var/run/fcgid" "$var/run/lighttpd"
		# lighttpd opens its logs after it drops root; Apache as root.
		[ "$srv" != lighttpd ] || chown -R "$1:$2" "$var/log"
	fi
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
	prepare "$server"
	case $server in
	lighttpd)
		render lighttpd.conf lighttpd
		lighttpd -tt -f "$var/lighttpd.conf" >/dev/null ||
			die "lighttpd rejects $var/lighttpd.conf"
		# lighttpd forks into the background once it listens.
		lighttpd -f "$var/lighttpd.conf"
		;;
	apache-fcgid)
		render apache-fcgid.conf apache-fcgid
		apache2 -t -f "$var/apache-fcgid.conf" 2>/dev/null ||
			{ apache2 -t -f "$var/apache-fcgid.conf"; die "apache2 rejects the config"; }
		apache2 -f "$var/apache-fcgid.conf" -k start
		;;
	apache-proxy)
		render apache-proxy-fcgi.conf apache-proxy
		apache2 -t -f "$var/apache-proxy-fcgi.conf" 2>/dev/null ||
			{ apache2 -t -f "$var/apache-proxy-fcgi.conf"; die "apache2 rejects the config"; }
		rm -f "$sock"
		# The workers' stderr goes to a log; spawn-fcgi lets them inherit it.
		# The workers as their own user; the socket is theirs, and
		# Apache's group may connect to it (0660), nobody else.
		if isroot; then
			set -- -u "$run_user" -g "$(id -gn "$run_user")" \
				-U "$run_user" -G "$(id -gn "$apache_user")" -M 0660
		else
			set -- -M 0600
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
	prepare lighttpd
	render lighttpd.conf lighttpd
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
