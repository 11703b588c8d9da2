#!/bin/bash
# run.sh: framefit in headless Chromium against the real stack (private
# MariaDB, lighttpd, the real cgi-bin/framefit.fcgi and model): the upload
# form and the webcam through Chromium's fake camera. See tryon.mjs for
# the cases. Screenshots of every step go to var/artifacts/browser/.
#
#   tests/browser/run.sh
#
# Environment:
#   FF_BUILD_DIR    where `make` built cgi-bin/framefit.fcgi (default: the
#                   source tree, i.e. an in-tree build)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it holds
#                   trained weights, else /tmp/m)
#   FF_BROWSER_FCGI another worker to test instead (e.g. the stand-in
#                   detector tests/integration/framefit_fake.fcgi, to work
#                   on this test while no trained weights exist)
#   FF_CHROMIUM     the browser (default /usr/bin/chromium); never downloaded
#   KEEP=1          leave the servers running at the end, for a look
#
# Needs node and npm (installs playwright-core with `npm ci` when
# node_modules is missing, without any browser download), chromium and
# ffmpeg (to make the fake camera's video and the large selfie).
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FF_BUILD_DIR:-$root}
bin=${FF_BROWSER_FCGI:-$build/cgi-bin/framefit.fcgi}
faces=${FF_FACES:-$root/../shared/data/faces}
chromium=${FF_CHROMIUM:-/usr/bin/chromium}
work=$root/var/test-browser
art=$root/var/artifacts/browser

export FF_VAR=$work
export FF_DB_DIR=$work/mysql
export FF_DB_SOCKET=$work/mysql/mysql.sock
export FF_DB_NAME=framefit_browsertest
export FF_SECRET_FILE=$work/secret
export FF_ADMIN_USER=admin FF_ADMIN_PASSWORD=test-admin-pw
export FF_PROCS=2
unset FF_MODELS_DIR FF_TEMPLATES FF_STATIC FF_SQL_DIR FF_MIGRATE FF_MAX_REQUESTS

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
nok() { fail=$((fail + 1)); echo "FAIL - $1${2:+: $2}"; }

db_started=0
web_started=0
finished=0
finish() {
	if [ $finished = 0 ]; then
		finished=1
		if [ "${KEEP:-0}" != 1 ]; then
			[ $web_started = 1 ] &&
				"$root/scripts/web.sh" stop lighttpd >>"$work/web.out" 2>&1
			[ $db_started = 1 ] && "$root/scripts/db.sh" stop >/dev/null 2>&1
		else
			echo "KEEP=1: lighttpd at ${url:-?}, MariaDB at $FF_DB_SOCKET"
		fi
		echo "$pass passed, $fail failed"
	fi
	[ $fail = 0 ] && exit 0
	exit 1
}
trap 'echo "interrupted"; fail=$((fail + 1)); finish' INT TERM
trap 'finish' EXIT
bail() { echo "run.sh: $*" >&2; nok "setup" "$*"; finish; }

free_port() {
	"$root/scripts/free-port.sh"
}

# ---- What it needs ----

command -v node >/dev/null || bail "node is not installed"
command -v npm >/dev/null || bail "npm is not installed"
command -v ffmpeg >/dev/null || bail "ffmpeg is not installed (apt-get install ffmpeg)"
command -v lighttpd >/dev/null || bail "lighttpd is not installed"
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
[ -x "$chromium" ] || bail "no Chromium at $chromium (apt-get install chromium)"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
camphoto=$faces/mtfl/images/lfw_5590/AJ_Cook_0001.jpg
[ -r "$photo" ] && [ -r "$camphoto" ] || bail "no face photos under $faces"

mkdir -p "$work" "$art"
rm -f "$art"/*.png "$work/log/"*.log

if [ ! -d "$here/node_modules/playwright-core" ]; then
	# playwright-core never downloads a browser; the variable makes sure.
	(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund \
		>"$work/npm.out" 2>&1) || { cat "$work/npm.out" >&2; bail "npm ci failed"; }
fi
: >"$work/web.out"

if [ -n "${FF_TEST_MODELS:-}" ]; then
	models=$FF_TEST_MODELS
elif [ -s "$root/models/face.weights" ] && [ -s "$root/models/eyes.weights" ] &&
    [ -s "$root/models/refine.weights" ]; then
	models=$root/models
else
	models=/tmp/m
fi
echo "# worker: $bin"
echo "# models: $models"

# ---- Inputs, made from the shared photos at run time ----

# A phone-sized selfie: the 250 px photo upscaled to 1200 x 1200 (1.4 MP).
ffmpeg -nostdin -loglevel error -y -i "$photo" -vf scale=1200:1200:flags=bicubic \
	-q:v 3 "$work/selfie.jpg" || bail "ffmpeg could not make the selfie"
# The fake camera's video: 2 s of the still, 640 x 480 (the square face
# photo scaled to 480 x 480 and padded, so the face is not stretched).
# Chromium plays a Y4M file in a loop.
ffmpeg -nostdin -loglevel error -y -loop 1 -i "$camphoto" -t 2 -r 15 \
	-vf 'scale=480:480,pad=640:480:80:0:gray' -pix_fmt yuv420p \
	"$work/cam.y4m" || bail "ffmpeg could not make the camera video"

# ---- The stack ----

"$root/scripts/db.sh" status >/dev/null 2>&1 || db_started=1
"$root/scripts/db.sh" start >"$work/db.out" 2>&1 || bail "cannot start MariaDB; see $work/db.out"
"$root/scripts/db.sh" sql -e "DROP DATABASE IF EXISTS $FF_DB_NAME; CREATE DATABASE $FF_DB_NAME" ||
	bail "cannot create $FF_DB_NAME"
"$bin" --migrate >"$work/migrate.out" 2>&1 || bail "migrations failed; see $work/migrate.out"
ok "stack: schema migrated"

export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
FF_FCGI_BIN=$bin FF_MODELS_DIR=$models "$root/scripts/web.sh" start lighttpd \
	>>"$work/web.out" 2>&1 || bail "lighttpd did not start; see $work/web.out"
web_started=1
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${url}healthz")
if [ "$code" = 200 ]; then ok "stack: /healthz is 200"; else bail "/healthz is $code"; fi
echo "# lighttpd on $url"

# ---- The browser ----

FF_URL=$url FF_CHROMIUM=$chromium FF_ARTIFACTS=$art FF_TMP=$work \
FF_SELFIE=$work/selfie.jpg FF_CAMERA=$work/cam.y4m FF_ROOT=$root \
	node "$here/tryon.mjs" 2>&1 | tee "$work/node.out"
counts=$(sed -n 's/^# tryon.mjs: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$work/node.out" | tail -n 1)
if [ -n "$counts" ]; then
	pass=$((pass + ${counts% *}))
	fail=$((fail + ${counts#* }))
else
	nok "browser test" "tryon.mjs ended without its tally"
fi
grep -q . "$work/log/framefit.log" 2>/dev/null &&
	{ echo "# worker log:"; tail -n 20 "$work/log/framefit.log" | sed 's/^/#   /'; }
finish
