#!/bin/sh
# db.sh: a private MariaDB for development and tests, under <repo>/var/mysql.
#
#   scripts/db.sh start     install (first time) and start; a no-op if running
#   scripts/db.sh stop      stop it (waits until the process is gone)
#   scripts/db.sh status    exit 0 if running, 3 if not
#   scripts/db.sh sql ...   the mariadb client as root on database $FF_DB_NAME;
#                           extra arguments go to the client (e.g. -e 'SELECT 1')
#   scripts/db.sh password [app|migrate]
#                           print the password of that user (FF_DB_LEAST=1)
#
# Environment (the C code reads the same names, see src/store/db.h):
#   FF_DB_DIR       instance directory      (default <repo>/var/mysql)
#   FF_DB_SOCKET    Unix socket             (default $FF_DB_DIR/mysql.sock)
#   FF_DB_NAME      application database    (default framefit)
#   FF_DB_USER      application user        (default framefit)
#   FF_DB_PASSWORD  its password            (default framefit; with
#                   FF_DB_LEAST=1 a generated one, kept in
#                   $FF_DB_DIR/app.password, 0600)
#   FF_DB_LEAST     1: least privilege (run.sh; docs/DEPLOY.md). The app
#                   user may only SELECT, INSERT, UPDATE and DELETE in
#                   $FF_DB_NAME: every statement of src/store/ is one of
#                   these, and GET_LOCK needs no privilege. The schema is
#                   changed by a second user, ${FF_DB_USER}_migrate (all
#                   privileges on $FF_DB_NAME only, password in
#                   $FF_DB_DIR/migrate.password), which run.sh uses for
#                   `framefit.fcgi --migrate` before the workers start.
#                   Without it (the unit and integration tests) the app
#                   user may do anything in every database named
#                   framefit*, so tests can make framefit_test.
#   FF_DB_PORT      unset (the default): the server listens on the socket
#                   only (--skip-networking). Set: also on 127.0.0.1:PORT,
#                   TLS only (--require-secure-transport: a client without
#                   TLS is refused; the socket counts as secure), with a
#                   throwaway CA and server certificate (CN localhost,
#                   names localhost and 127.0.0.1) made on the first such
#                   start under $FF_DB_DIR/tls: ca.pem is the file a client
#                   names in FF_DB_SSL_CA; client.pem and client.key
#                   (0600) a client certificate it signed. The users above are granted from
#                   127.0.0.1 too (skip-name-resolve: by address). For the
#                   tests of the TCP client (test_dbnet.sh), not a
#                   production set-up (docs/DEPLOY.md). Takes effect when
#                   the server starts; a running one is left as it is.
#
# The server is started with --no-defaults, so /etc/mysql never leaks in.
# No password is ever given on a command line: they reach the client on
# its stdin.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${FF_DB_DIR:-$root/var/mysql}
data=$dir/data
sock=${FF_DB_SOCKET:-$dir/mysql.sock}
pidfile=$dir/mysqld.pid
log=$dir/mysqld.log
name=${FF_DB_NAME:-framefit}
user=${FF_DB_USER:-framefit}
least=${FF_DB_LEAST:-0}
port=${FF_DB_PORT:-}
tls=$dir/tls

die() { echo "db.sh: $*" >&2; exit 1; }

case $port in
'') ;;
*[!0-9]*) die "FF_DB_PORT must be a port number, not '$port'" ;;
*) if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
	die "FF_DB_PORT must be from 1 to 65535, not $port"
   fi ;;
esac
# Where the app users may connect from: by address, as the server
# resolves no names.
if [ -n "$port" ]; then hosts="localhost 127.0.0.1"; else hosts=localhost; fi

# sun_path holds 108 bytes including the NUL.
[ ${#sock} -lt 108 ] || die "socket path too long (${#sock} > 107): $sock; set FF_DB_SOCKET"

# mariadbd refuses to run as root unless told to; as anyone else it runs as
# the caller.
if [ "$(id -u)" = 0 ]; then asuser=--user=root; else asuser=--user=$(id -un); fi

client() {
	mariadb --no-defaults --socket="$sock" --user=root "$@"
}

# Is pid $1 a running mariadbd? Not a recycled pid after a crash, and not
# a zombie: where PID 1 does not reap orphans (containers, some VMs) a dead
# server lingers as one, and kill -0 would still succeed.
proc_live() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = mariadbd ] && proc_running "$1"
}

# Is pid $1 a process that has not exited (whatever it runs)?
proc_running() {
	st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pid_alive() {
	[ -s "$pidfile" ] && proc_live "$(cat "$pidfile")"
}

answers() {
	mariadb-admin --no-defaults --socket="$sock" --user=root \
		--connect-timeout=2 ping >/dev/null 2>&1
}

# Quote a string as an SQL literal: double every single quote.
sqlstr() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

# The password of a least-privilege user, from $dir/$1.password, made
# (0600, random) the first time.
password_of() {
	f=$dir/$1.password
	if [ ! -s "$f" ]; then
		(umask 077
		head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$f.tmp")
		mv "$f.tmp" "$f"
	fi
	cat "$f"
}

setup_least() {
	if [ -n "${FF_DB_PASSWORD:-}" ]; then
		pass=$FF_DB_PASSWORD
	else
		pass=$(password_of app)
	fi
	mig=${user}_migrate
	mpass=$(password_of migrate)
	# ALTER USER: the account and the password file always agree; the
	# REVOKE takes back what a dev set-up (below) granted before.
	{
		echo "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
		for h in $hosts; do
			u="$(sqlstr "$user")@$(sqlstr "$h")"
			m="$(sqlstr "$mig")@$(sqlstr "$h")"
			cat <<EOF
CREATE USER IF NOT EXISTS $u IDENTIFIED BY $(sqlstr "$pass");
ALTER USER $u IDENTIFIED BY $(sqlstr "$pass");
REVOKE ALL PRIVILEGES, GRANT OPTION FROM $u;
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$name\`.* TO $u;
CREATE USER IF NOT EXISTS $m IDENTIFIED BY $(sqlstr "$mpass");
ALTER USER $m IDENTIFIED BY $(sqlstr "$mpass");
REVOKE ALL PRIVILEGES, GRANT OPTION FROM $m;
GRANT ALL PRIVILEGES ON \`$name\`.* TO $m;
EOF
		done
	} | client
}

setup() {
	# The name is a database identifier: keep it to safe characters.
	case $name in
	*[!A-Za-z0-9_]*|'') die "FF_DB_NAME must match [A-Za-z0-9_]+" ;;
	esac
	if [ "$least" = 1 ]; then
		setup_least
		return
	fi
	pass=${FF_DB_PASSWORD:-framefit}
	{
		echo "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
		for h in $hosts; do
			u="$(sqlstr "$user")@$(sqlstr "$h")"
			echo "CREATE USER IF NOT EXISTS $u IDENTIFIED BY $(sqlstr "$pass");"
			echo "GRANT ALL PRIVILEGES ON \`framefit%\`.* TO $u;"
			# GRANT on a pattern does not cover a database named
			# otherwise.
			case $name in
			framefit*) ;;
			*) echo "GRANT ALL PRIVILEGES ON \`$name\`.* TO $u;" ;;
			esac
		done
	} | client
}

# The throwaway CA and server certificate of a server on FF_DB_PORT, made
# once: a CA that signs one certificate for the names a local client
# uses (localhost, 127.0.0.1). The keys stay in the directory (0700).
make_tls() {
	[ -s "$tls/server.pem" ] && [ -s "$tls/client.pem" ] && return 0
	command -v openssl >/dev/null || die "FF_DB_PORT needs openssl (apt-get install openssl)"
	rm -rf "$tls.tmp"
	(umask 077; mkdir -p "$tls.tmp")
	(
	cd "$tls.tmp"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
		-subj "/CN=framefit test CA" -keyout ca.key -out ca.pem
	openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
		-keyout server.key -out server.csr
	printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
		'basicConstraints=CA:FALSE' \
		'keyUsage=digitalSignature,keyEncipherment' \
		'extendedKeyUsage=serverAuth' >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 3650 -sha256 -extfile server.ext \
		-out server.pem
	# A client certificate, for a user made to REQUIRE X509.
	openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=framefit client" \
		-keyout client.key -out client.csr
	printf '%s\n' 'basicConstraints=CA:FALSE' \
		'keyUsage=digitalSignature,keyEncipherment' \
		'extendedKeyUsage=clientAuth' >client.ext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 3650 -sha256 -extfile client.ext \
		-out client.pem
	) >"$dir/tls.log" 2>&1 || { cat "$dir/tls.log" >&2; die "cannot make the TLS certificates"; }
	# The certificates are public; a client of another user reads ca.pem.
	chmod 711 "$tls.tmp"
	chmod 644 "$tls.tmp/ca.pem" "$tls.tmp/server.pem"
	rm -rf "$tls"
	mv "$tls.tmp" "$tls"
}

start() {
	mkdir -p "$dir"
	# One start at a time (tests may race); fd 9 must not reach mariadbd,
	# or the lock would live as long as the server.
	exec 9>"$dir/lock"
	flock 9
	if pid_alive && answers; then
		echo "db.sh: already running (pid $(cat "$pidfile"))"
		return 0
	fi
	if pid_alive; then
		# Still starting (crash recovery can take a while): wait.
		srv=$(cat "$pidfile")
	else
		rm -f "$pidfile" "$sock"
		if [ ! -d "$data/mysql" ]; then
			rm -rf "$data"
			mariadb-install-db --no-defaults --datadir="$data" "$asuser" \
				--auth-root-authentication-method=normal \
				--skip-test-db --skip-name-resolve \
				>"$dir/install.log" 2>&1 ||
				{ cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
		fi
		if [ -n "$port" ]; then
			make_tls
			set -- --bind-address=127.0.0.1 --port="$port" \
				--ssl-ca="$tls/ca.pem" --ssl-cert="$tls/server.pem" \
				--ssl-key="$tls/server.key" \
				--require-secure-transport=ON
		else
			set -- --skip-networking
		fi
		# Small buffers and a relaxed flush: this is a dev/test server.
		# max-allowed-packet must exceed the 15 MB upload limit.
		setsid mariadbd --no-defaults "$asuser" \
			--datadir="$data" --socket="$sock" "$@" \
			--pid-file="$pidfile" --log-error="$log" \
			--skip-name-resolve --character-set-server=utf8mb4 \
			--collation-server=utf8mb4_unicode_ci \
			--innodb-buffer-pool-size=64M --innodb-log-file-size=32M \
			--innodb-flush-log-at-trx-commit=2 \
			--max-allowed-packet=64M --max-connections=200 \
			</dev/null >/dev/null 2>&1 9>&- &
		# Without job control the child is no group leader, so setsid
		# execs in place and $! becomes the server itself (its name is
		# still sh or setsid for a moment). The server writes its pid
		# file only once InnoDB is up, so watch $! until then; we hold
		# the lock all along, so a racing start waits for us.
		srv=$!
	fi
	i=0
	until answers; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			tail -n 20 "$log" >&2 || true
			die "server did not answer within 30 s"
		fi
		if ! proc_running "$srv" && ! pid_alive; then
			tail -n 20 "$log" >&2 || true
			die "server exited; see $log"
		fi
		sleep 0.1
	done
	setup
	echo "db.sh: running (pid $(cat "$pidfile")), socket $sock${port:+, TLS on 127.0.0.1:$port (CA $tls/ca.pem)}"
}

stop() {
	if ! pid_alive; then
		echo "db.sh: not running"
		rm -f "$pidfile"
		return 0
	fi
	pid=$(cat "$pidfile")
	kill -TERM "$pid"
	i=0
	while proc_live "$pid"; do
		i=$((i + 1))
		[ $i -le 600 ] || die "pid $pid did not stop within 60 s"
		sleep 0.1
	done
	echo "db.sh: stopped"
}

status() {
	if pid_alive && answers; then
		echo "db.sh: running (pid $(cat "$pidfile")), socket $sock"
		return 0
	fi
	echo "db.sh: not running"
	return 3
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start)	start ;;
stop)	stop ;;
status)	status ;;
sql)	client --database="$name" "$@" ;;
password)
	case ${1:-app} in
	app|migrate) [ -s "$dir/${1:-app}.password" ] ||
		die "no $dir/${1:-app}.password: start with FF_DB_LEAST=1 first"
		cat "$dir/${1:-app}.password" ;;
	*) die "password: app or migrate" ;;
	esac ;;
*)	echo "usage: $0 start|stop|status|sql [client args]|password [app|migrate]" >&2; exit 2 ;;
esac
