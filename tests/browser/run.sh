#!/bin/bash
# run.sh: framefit in headless Chromium against the real stack (private
# MariaDB, lighttpd, the real cgi-bin/framefit.fcgi and model): the upload
# form and the webcam through Chromium's fake camera (tryon.mjs), and one
# file per feature (every *.mjs but lib.mjs). Screenshots go to var/artifacts/browser/.
#
#   tests/browser/run.sh
#
# Environment:
#   FF_BUILD_DIR    where `make` built cgi-bin/framefit.fcgi (default: the
#                   source tree, i.e. an in-tree build)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it holds
#                   trained weights, else /tmp/m)
#   FF_BROWSER_FCGI another worker to test instead of the build's
#   FF_CHROMIUM     the browser (default /usr/bin/chromium); never downloaded
#   KEEP=1          leave the servers running at the end, for a look
#
# Needs node and npm (installs playwright-core with `npm ci` when
# node_modules is missing, without any browser download), chromium and
# ffmpeg (to make the fake camera's video and the large selfie).
# Its state goes to var/test-browser (MariaDB in var/test-browser/mysql,
# database framefit_browsertest); the environment, the tally and the
# servers are those of every integration test (tests/integration/lib.sh).
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env browser framefit_browsertest
bin=${FF_BROWSER_FCGI:-$bin}
server=lighttpd
chromium=${FF_CHROMIUM:-/usr/bin/chromium}
art=$root/var/artifacts/browser

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

pick_models
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

db_fresh
"$bin" --migrate >"$work/migrate.out" 2>&1 || bail "migrations failed; see $work/migrate.out"
ok "stack: schema migrated"

export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
# embed.mjs's product page, served by node on another origin (localhost,
# not 127.0.0.1): the one origin that may frame the shop's pages. Set
# for every file; it changes only the shop pages' frame-ancestors, and
# their layout only with embed=1 or inside an iframe.
FF_EMBED_PORT=$(free_port)
[ "$FF_EMBED_PORT" != "$PORT" ] || FF_EMBED_PORT=$(free_port)
export FF_EMBED_PORT FF_EMBED_ORIGINS="http://localhost:$FF_EMBED_PORT"
web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${url}healthz")
if [ "$code" = 200 ]; then ok "stack: /healthz is 200"; else bail "/healthz is $code"; fi
echo "# lighttpd on $url"

# ---- The browser ----

# Every tests/browser/*.mjs but lib.mjs, each in a node of its own;
# FF_BROWSER_ONLY="name ..." runs only those (without .mjs).
for t in "$here"/*.mjs; do
	name=$(basename "$t" .mjs)
	[ "$name" = lib ] && continue
	if [ -n "${FF_BROWSER_ONLY:-}" ]; then
		case " $FF_BROWSER_ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	echo "# $name.mjs"
	FF_URL=$url FF_CHROMIUM=$chromium FF_ARTIFACTS=$art FF_TMP=$work \
	FF_SELFIE=$work/selfie.jpg FF_CAMERA=$work/cam.y4m FF_ROOT=$root \
	FF_EMBED_PORT=$FF_EMBED_PORT node "$t" 2>&1 | tee "$work/node-$name.out"
	counts=$(sed -n "s/^# $name.mjs: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p" \
		"$work/node-$name.out" | tail -n 1)
	if [ -n "$counts" ]; then
		pass=$((pass + ${counts% *}))
		fail=$((fail + ${counts#* }))
	else
		nok "browser test $name.mjs" "it ended without its tally"
	fi
done
grep -q . "$work/log/framefit.log" 2>/dev/null &&
	{ echo "# worker log:"; tail -n 20 "$work/log/framefit.log" | sed 's/^/#   /'; }
finish
