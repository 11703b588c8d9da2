#!/bin/sh
# admin-password.sh: the password of the /admin/ pages, in the user file
# the web server checks (basic auth, see conf/ and scripts/web.sh).
#
#   scripts/admin-password.sh           create the file if it is missing,
#                                       printing the generated password once
#   scripts/admin-password.sh --reset   replace it with a new password
#   scripts/admin-password.sh --show-path
#
# Environment (the same as scripts/web.sh):
#   FF_VAR             state directory (default <repo>/var); the file is
#                      $FF_VAR/admin.htpasswd
#   FF_ADMIN_USER      user name (default admin)
#   FF_ADMIN_PASSWORD  use this password instead of generating one (it is
#                      then not printed)
#
# The file holds a bcrypt hash (htpasswd -B, from apache2-utils), never the
# password. A generated password is 16 random bytes, base64url: print it
# once, store it in the staff's password manager. A running server reads
# the file on every request, so --reset needs no restart.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
var=${FF_VAR:-$root/var}
file=$var/admin.htpasswd
user=${FF_ADMIN_USER:-admin}

die() { echo "admin-password.sh: $*" >&2; exit 1; }

reset=0
case ${1:-} in
'') ;;
--reset) reset=1 ;;
--show-path) echo "$file"; exit 0 ;;
*) echo "usage: $0 [--reset | --show-path]" >&2; exit 2 ;;
esac

command -v htpasswd >/dev/null || die "htpasswd is missing (apt-get install apache2-utils)"
case $user in
''|*:*|*[[:space:]]*) die "FF_ADMIN_USER must be a name without ':' or spaces" ;;
esac

if [ -s "$file" ] && [ $reset = 0 ]; then
	echo "admin-password.sh: $file exists; --reset makes a new password"
	exit 0
fi
mkdir -p "$var"
pass=${FF_ADMIN_PASSWORD:-}
shown=0
if [ -z "$pass" ]; then
	pass=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	shown=1
fi
# -i reads the password from stdin, so it never shows in ps.
(umask 077; printf '%s\n' "$pass" | htpasswd -niB "$user" | sed '/^$/d' >"$file.tmp")
chmod 640 "$file.tmp"
# Keep the group the web server reads it as (scripts/web.sh sets it).
[ -e "$file" ] && chgrp --reference="$file" "$file.tmp" 2>/dev/null || true
mv "$file.tmp" "$file"
if [ $shown = 1 ]; then
	echo "admin-password.sh: /admin/ user '$user', password '$pass' (stored hashed in $file)"
else
	echo "admin-password.sh: /admin/ user '$user', password from FF_ADMIN_PASSWORD (stored hashed in $file)"
fi
