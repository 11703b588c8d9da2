#!/bin/bash
# test_admin.sh: the admin pages end to end, through lighttpd and the
# FastCGI worker, against a private MariaDB, with curl, xmllint and
# headless Chromium.
#
#   tests/integration/test_admin.sh
#
# Environment:
#   FF_BUILD_DIR   where `make` built cgi-bin/framefit.fcgi and src/framefit
#                  (default: the source tree, i.e. an in-tree build)
#   FF_FACES       the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS the model to test with (default <repo>/models when it
#                  holds trained weights, else /tmp/m)
#   KEEP=1         leave the servers running at the end, for a look
#
# State goes to var/test-admin (its own MariaDB in var/test-admin/mysql,
# database framefit_admintest). Phases:
#   1. access: basic auth (401 without, 200 with), 403 for a request that
#      reaches the worker without REMOTE_USER (the worker alone, spoken to
#      over FastCGI with cgi-fcgi), every POST refused without a valid
#      CSRF token or from another origin, and nothing changed by them;
#   2. reports (the real worker and model, so it needs trained weights: both
#      face photos have a face, the grey one none): the
#      test uploads, switches frames and clicks through the public pages,
#      then checks every figure of the dashboard and the CSV exports
#      against what it did; date filter; charts are valid SVG (xmllint);
#   3. catalog: add, edit, retire, restore with the public page following
#      in every worker; artwork type, size and alpha checks; previews;
#   4. retention: expired and too-old photos purged with everything
#      derived from them, kept ones and the aggregates untouched, the run
#      recorded and shown; `framefit purge` from the command line;
#   5. models: two model directories scanned into the
#      registry with their `framefit evaluate` metrics, switching the
#      active model changes the model recorded on new detections in every
#      worker without a restart, side-by-side comparison;
#   6. a screenshot of the dashboard by headless Chromium, kept as
#      var/artifacts/admin-dashboard.png (history before today is
#      synthetic hourly counts, so the charts have something to show).
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env admin framefit_admintest
artifacts=$root/var/artifacts

server=lighttpd
http_timeout=120
keep_note="(admin / $FF_ADMIN_PASSWORD)"

# The worker spoken to directly over FastCGI in phase 1, if still running.
direct_pid=
on_finish() {
	if [ -n "$direct_pid" ]; then
		kill "$direct_pid" 2>/dev/null
		wait "$direct_pid" 2>/dev/null
	fi
}

# ---- Admin pages (lib.sh has http, header, upload and the tokens) ----

admin() {	# admin PATH [curl args...]: as the logged-in admin
	local p=$1
	shift
	http -u "$FF_ADMIN_USER:$FF_ADMIN_PASSWORD" "$@" "${url}${p#/}"
}
csrf_now() {	# the admin CSRF token, from the dashboard's forms
	admin /admin/retention/ >/dev/null
	sed -n 's|.*name="csrf" value="\([A-Za-z0-9_-]*\)".*|\1|p' "$tmp/body" | head -n 1
}
csv_row() {	# csv_row TABLE KEY [QUERY]: the line of an export starting with KEY,
	admin "/admin/export/$1.csv${3:+?$3}"
	tr -d '\r' <"$tmp/body" | grep -E "^\"?$2(,|\")" | head -n 1
}
kpi() {	# the text of the element with id $1 on the last page
	sed -n "s|.*id=\"$1\"[^>]*>\([^<]*\)<.*|\1|p" "$tmp/body" | head -n 1
}

# ---- Setup ----

command -v lighttpd >/dev/null || bail "lighttpd is not installed"
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
command -v htpasswd >/dev/null || bail "apache2-utils (htpasswd) is not installed"
command -v cgi-fcgi >/dev/null || bail "libfcgi-bin (cgi-fcgi) is not installed"
command -v xmllint >/dev/null || bail "libxml2-utils (xmllint) is not installed"
for f in "$bin" "$cli"; do
	[ -x "$f" ] || bail "no $f: build it first (make; FF_BUILD_DIR names the build)"
done
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
photo2=$faces/mtfl/images/lfw_5590/AJ_Cook_0001.jpg
[ -r "$photo" ] && [ -r "$photo2" ] || bail "no face photos under $faces"

# The workers' own purge timer stays off until phase 4b, so the purge
# runs this test counts are the ones it makes.
export FF_PURGE_INTERVAL_S=0

mkdir -p "$work" "$tmp" "$artifacts"
: >"$work/web.out"
: >"$work/sql.err"
rm -f "$work/log/"*.log "$work/admin.htpasswd"

# The sample face of the catalog previews (a public-domain photo from a
# Debian package, never committed); without it they use an LFW photo.
"$root/scripts/sample-face.sh" >>"$work/web.out" 2>&1 ||
	echo "# no sample face installed; previews use the fallback"

pick_models
base=$models
echo "# models: $base"

# Two models: A in the models directory itself, B in a subdirectory, the
# same networks with one weight nudged (so a different version), each
# with its `framefit evaluate` metrics.
models=$work/models
rm -rf "$models"
mkdir -p "$models/alt"
for s in face eyes refine; do
	cp -L "$base/$s.cfg" "$base/$s.weights" "$models/" || bail "no model in $base"
	cp -L "$base/$s.cfg" "$base/$s.weights" "$models/alt/"
done
python3 - "$models/alt/refine.weights" <<'EOF'
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
# The last float of the file: nudge it by a few ulps.
(v,) = struct.unpack_from('<f', b, len(b) - 4)
struct.pack_into('<f', b, len(b) - 4, v * 1.0001 + 1e-6)
open(p, 'wb').write(bytes(b))
EOF
for d in "$models" "$models/alt"; do
	nice "$cli" evaluate --models "$d" --limit 12 --json "$d/metrics.json" \
		>/dev/null 2>>"$work/web.out" || bail "framefit evaluate failed on $d"
done

db_fresh
out=$("$bin" --migrate 2>&1)
check_eq "migrate: every sql/ file applies" "$(echo "$out" | tail -n 1)" \
	"framefit.fcgi: $(ls "$root"/sql/[0-9]*_*.sql | wc -l) migration(s) applied"
check_eq "migrate: the triggers of 020_admin.sql exist" \
	"$(sql "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE()")" 5
sku=$(sql "SELECT sku FROM frames WHERE active = 1 AND style = 'aviator' ORDER BY sku LIMIT 1")
sku2=$(sql "SELECT sku FROM frames WHERE active = 1 AND style = 'round' ORDER BY sku LIMIT 1")
name2=$(sql "SELECT name FROM frames WHERE sku = '$sku2'")
nframes=$(sql "SELECT COUNT(*) FROM frames")

export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
echo "# lighttpd on $url"

# ---- Phase 1: access ----

web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
check_grep "web.sh wrote the password file" '^admin:\$2y\$' "$work/admin.htpasswd"

http "${url}admin/"
check_eq "/admin/ without a password is 401" "$code" 401
case $(header WWW-Authenticate) in
Basic*) ok "401 asks for basic auth" ;;
*) nok "401 asks for basic auth" "$(header WWW-Authenticate)" ;;
esac
http -u "admin:wrong" "${url}admin/"
check_eq "/admin/ with a wrong password is 401" "$code" 401
http "${url}admin/export/frames.csv"
check_eq "a CSV export without a password is 401" "$code" 401
http "${url}admin/chart/tryons_by_day.svg"
check_eq "a chart without a password is 401" "$code" 401
admin /admin/
check_eq "/admin/ with the password" "$code" 200
check_grep "the dashboard refreshes itself" '<meta http-equiv="refresh" content="60">' "$tmp/body"
check_nogrep "no inline script" '<script( [^>]*)?>[^<]' "$tmp/body"
check_nogrep "no inline style attributes" ' style=' "$tmp/body"
check_nogrep "no <style> element" '<style' "$tmp/body"
check_nogrep "no inline event handlers" ' on[a-z]+="' "$tmp/body"
case $(header Content-Security-Policy) in
*"script-src 'self'"*) ok "the admin pages carry the CSP" ;;
*) nok "the admin pages carry the CSP" "$(header Content-Security-Policy)" ;;
esac
check_eq "the dashboard is not cached" "$(header Cache-Control)" no-store
for p in /admin/catalog/ /admin/catalog/new "/admin/catalog/$sku" /admin/models/ \
    /admin/retention/ /admin/static/admin.css; do
	admin "$p"
	check_eq "GET $p" "$code" 200
done
admin /admin/no/such/page
check_eq "an unknown admin page is 404" "$code" 404
check_grep "... in the admin's layout" '<nav class="admin-nav"' "$tmp/body"
check_grep "... with a button back into the admin" 'id="back" href="/admin/">Back to the reports<' "$tmp/body"
admin /admin/catalog/FF-NO-SUCH-FRAME
check_eq "an unknown frame is 404" "$code" 404
check_grep "... says so, in the admin" 'There is no frame with that SKU' "$tmp/body"
check_grep "... and leads back to the catalog" 'id="back" href="/admin/catalog/">Back to the catalog<' "$tmp/body"
check_eq "... not the shop's button" "$(grep -c 'Back to the try-on' "$tmp/body")" 0
admin /admin/ --data ""
check_eq "POST to a GET page is 405" "$code" 405

# CSRF: every POST without a valid token is refused and changes nothing.
csrf=$(csrf_now)
check_eq "the pages carry a 43-character CSRF token" "${#csrf}" 43
admin /admin/retention/purge --data ""
check_eq "purge without a CSRF token is 403" "$code" 403
admin /admin/retention/purge --data "csrf=forged-token-forged-token-forged-token-xx"
check_eq "purge with a forged token is 403" "$code" 403
admin /admin/retention/purge -H "Origin: http://evil.example" --data "csrf=$csrf"
check_eq "purge from another origin is 403" "$code" 403
check_eq "no purge ran" "$(sql "SELECT COUNT(*) FROM purge_runs")" 0
admin "/admin/catalog/$sku/retire" --data ""
check_eq "retire without a CSRF token is 403" "$code" 403
check_eq "the frame is still on sale" "$(sql "SELECT active FROM frames WHERE sku = '$sku'")" 1
admin /admin/catalog/new --data "sku=FF-EVIL-1&name=x&brand=x&style=round"
check_eq "add a frame without a CSRF token is 403" "$code" 403
admin /admin/models/scan --data ""
check_eq "model scan without a CSRF token is 403" "$code" 403
check_eq "no model registered" "$(sql "SELECT COUNT(*) FROM models")" 0
admin "/admin/catalog/$sku/artwork" -F "artwork=@$photo"
check_eq "artwork without a CSRF token is 403" "$code" 403

# The worker alone, reached without the web server (so without
# REMOTE_USER): 403, not the pages.
sock=$work/run/direct.sock
rm -f "$sock"
FF_MODELS_DIR=$models "$bin" --listen "$sock" 2>>"$work/direct.log" &
direct_pid=$!
for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
direct() {	# direct METHOD PATH [NAME=VALUE...]: raw FastCGI response
	local m=$1 p=$2
	shift 2
	env -i REQUEST_METHOD="$m" REQUEST_URI="$p" SCRIPT_NAME=/ SERVER_PROTOCOL=HTTP/1.1 \
		HTTP_HOST=127.0.0.1 CONTENT_LENGTH=0 "$@" cgi-fcgi -bind -connect "$sock" 2>/dev/null
}
check_eq "FastCGI without REMOTE_USER: /admin/ is 403" \
	"$(direct GET /admin/ | head -n 1 | tr -d '\r')" "Status: 403 Forbidden"
check_eq "FastCGI without REMOTE_USER: a CSV export is 403" \
	"$(direct GET /admin/export/frames.csv | head -n 1 | tr -d '\r')" "Status: 403 Forbidden"
check_eq "FastCGI without REMOTE_USER: a POST is 403" \
	"$(direct POST /admin/retention/purge | head -n 1 | tr -d '\r')" "Status: 403 Forbidden"
check_eq "FastCGI with an empty REMOTE_USER is 403" \
	"$(direct GET /admin/ REMOTE_USER= | head -n 1 | tr -d '\r')" "Status: 403 Forbidden"
check_eq "FastCGI with REMOTE_USER: /admin/ is served" \
	"$(direct GET /admin/ REMOTE_USER=admin | grep -c 'id="kpi-tryons"')" 1
kill "$direct_pid" 2>/dev/null
wait "$direct_pid" 2>/dev/null
direct_pid=

# ---- Phase 2: the reports add up to what this test did ----

today=$(date -u +%Y-%m-%d)
upload "$photo" "$sku"
check_eq "upload 1 (form, $sku) is 303" "$code" 303
tok1=$(token_of_location)
upload "$photo2" "$sku2" -F source=webcam
check_eq "upload 2 (webcam, $sku2) is 303" "$code" 303
tok2=$(token_of_location)
http "${url}t/$tok1?frame=$sku2"
check_eq "upload 1 tries $sku2 too" "$code" 200
http "${url}t/$tok1?frame=$sku"
check_eq "back to $sku (not a new try-on)" "$code" 200
http "${url}t/$tok1/$sku.jpg"
check_eq "render of upload 1" "$code" 200
python3 - "$tmp/blank.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 64, 48
raw = b''.join(b'\0' + b'\x80\x80\x80' * w for _ in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR',
    struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
EOF
upload "$tmp/blank.png" "$sku"
check_eq "upload 3 (no face) is 422" "$code" 422
check_eq "upload 3 (no face) is not kept: nothing to delete" "$(token_of_body)" ""
http "${url}go/$sku?t=$tok1"
check_eq "a click to the shop on $sku" "$code" 302
# A click counts once per try-on and frame, and only with a try-on's
# token: none of these three counts.
http "${url}go/$sku?t=$tok1"
check_eq "the same click again: 302" "$code" 302
http "${url}go/$sku"
check_eq "a click without a token: 302" "$code" 302
http "${url}go/$sku?t=$tok2"
check_eq "a click on a frame upload 2 never tried: 302" "$code" 302
# Expected now: 3 uploads counted (2 form, 1 webcam), 2 kept (a photo
# without a face is not), 3 photos through the face finder, 2 with a
# face; try-ons $sku 1, $sku2 2; 1 click, on $sku.
check_eq "rows: 2 uploads, 3 try-ons, 1 click" \
	"$(sql "SELECT (SELECT COUNT(*) FROM uploads), (SELECT COUNT(*) FROM tryons), (SELECT COUNT(*) FROM clicks)" | tr '\t' ' ')" "2 3 1"

admin /admin/
check_eq "dashboard: uploads" "$(kpi kpi-uploads)" 3
check_eq "dashboard: try-ons" "$(kpi kpi-tryons)" 3
check_eq "dashboard: photos through the face finder" "$(kpi kpi-photos)" 3
check_eq "dashboard: photos with a face" "$(kpi kpi-photo-face)" 2
check_eq "dashboard: detection success" "$(kpi kpi-success)" "66.7 %"
check_eq "dashboard: shop clicks" "$(kpi kpi-clicks)" 1
check_eq "dashboard: click-through" "$(kpi kpi-ctr)" "33.3 %"
check_grep "dashboard: webcam uploads" 'data-source="webcam">1<' "$tmp/body"
check_grep "dashboard: form uploads" 'data-source="form">2<' "$tmp/body"
check_grep "dashboard: $sku2 tried twice, never clicked" "<tr data-sku=\"$sku2\">.*data-k=\"tryons\">2<.*data-k=\"clicks\">0<.*data-k=\"ctr\">0.0 %<" "$tmp/body"
check_grep "dashboard: $sku tried once, clicked once" "<tr data-sku=\"$sku\">.*data-k=\"tryons\">1<.*data-k=\"clicks\">1<.*data-k=\"ctr\">100.0 %<" "$tmp/body"
check_grep "dashboard: $sku2 is tried most, clicked least" "id=\"laggards\".*" "$tmp/body"
check_eq "dashboard: the laggards list holds $sku2 only" \
	"$(sed -n '/id="laggards"/,/<\/table>/p' "$tmp/body" | grep -o 'data-sku="[^"]*"' | tr '\n' ' ')" "data-sku=\"$sku2\" "
check_grep "dashboard: the charts are inline SVG" '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' "$tmp/body"
check_eq "dashboard: five charts" "$(grep -o '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' "$tmp/body" | wc -l)" 5
check_grep "dashboard: the last purge never ran" 'id="last-purge">never<' "$tmp/body"

check_eq "CSV frames: $sku" "$(csv_row frames "$sku")" "$sku,$(sql "SELECT name FROM frames WHERE sku = '$sku'"),1,1,1,100.0"
check_eq "CSV frames: $sku2" "$(csv_row frames "$sku2")" "$sku2,$name2,1,2,0,0.0"
check_eq "CSV frames: Content-Type" "$(header Content-Type)" "text/csv; charset=utf-8; header=present"
case $(header Content-Disposition) in
*"framefit-frames-"*".csv"*) ok "CSV frames: a file name with the range" ;;
*) nok "CSV frames: a file name with the range" "$(header Content-Disposition)" ;;
esac
check_eq "CSV frames: header and every frame on sale" \
	"$(admin /admin/export/frames.csv; tr -d '\r' <"$tmp/body" | wc -l)" $((nframes + 1))
check_eq "CSV laggards" "$(admin /admin/export/laggards.csv; tr -d '\r' <"$tmp/body" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "$sku2 "
check_eq "CSV sources: form" "$(csv_row sources form)" "form,2,66.7"
check_eq "CSV sources: webcam" "$(csv_row sources webcam)" "webcam,1,33.3"
check_eq "CSV sources: api" "$(csv_row sources api)" "api,0,0.0"
check_eq "CSV sources: batch" "$(csv_row sources batch)" "batch,0,0.0"
check_eq "CSV detection" "$(csv_row detection 3)" "3,2,66.7,2"
check_eq "CSV daily: today" "$(csv_row daily "$today")" "$today,3,3,2,66.7,3,1,33.3"
check_eq "CSV daily: one row per day of the range" \
	"$(admin "/admin/export/daily.csv?from=$(date -u -d '-2 days' +%Y-%m-%d)&to=$today"; tr -d '\r' <"$tmp/body" | wc -l)" 4
check_eq "CSV hourly: this hour" "$(csv_row hourly "$(date -u +%Y-%m-%dT%H):00Z" | cut -d, -f2,6,7)" "3,3,1"
check_eq "CSV live: uploads in the last 5 minutes and the hour" "$(csv_row live uploads)" "uploads,3,3"
check_eq "CSV live: try-ons" "$(csv_row live tryons)" "tryons,3,3"
check_eq "CSV live: faces found" "$(csv_row live faces)" "faces,2,2"
check_eq "CSV live: clicks" "$(csv_row live clicks)" "clicks,1,1"
check_eq "CSV latency: decode timed on both face uploads" "$(csv_row latency decode | cut -d, -f1,2)" "decode,2"
check_eq "CSV latency: render timed once" "$(csv_row latency render | cut -d, -f1,2)" "render,1"
lat=$(csv_row latency decode)
awk -F, '{ exit !($3 > 0 && $3 <= $4 && $4 <= $5 && $5 <= $6) }' <<<"$lat" &&
	ok "CSV latency: 0 < p50 <= p95 <= p99 <= max ($lat)" || nok "CSV latency ordered" "$lat"
admin /admin/export/nosuch.csv
check_eq "an unknown export is 404" "$code" 404

# The date filter: a range before this test saw nothing.
admin "/admin/?from=2020-01-01&to=2020-01-31"
check_eq "range in 2020: no try-ons" "$(kpi kpi-tryons)" 0
check_eq "range in 2020: CSV frames" "$(csv_row frames "$sku2" "from=2020-01-01&to=2020-01-31")" "$sku2,$name2,1,0,0,0.0"
admin "/admin/?from=$today&to=$today"
check_eq "range of today: try-ons" "$(kpi kpi-tryons)" 3
admin "/admin/?from=2026-02-30"
check_eq "an impossible date is 400" "$code" 400
admin "/admin/?from=$today&to=2020-01-01"
check_eq "from after to is 400" "$code" 400

# The charts: valid SVG documents.
for c in tryons_by_day tryons_by_hour tryons_by_frame uploads_by_source ctr_by_frame; do
	admin "/admin/chart/$c.svg"
	check_eq "chart $c: 200" "$code" 200
	check_eq "chart $c: image/svg+xml" "$(header Content-Type)" "image/svg+xml; charset=utf-8"
	if xmllint --noout "$tmp/body" 2>"$tmp/xmllint.err"; then
		ok "chart $c: well-formed XML (xmllint)"
	else
		nok "chart $c: well-formed XML" "$(head -c 300 "$tmp/xmllint.err")"
	fi
	check_eq "chart $c: the root is an SVG element" \
		"$(xmllint --xpath 'namespace-uri(/*)' "$tmp/body" 2>/dev/null)" "http://www.w3.org/2000/svg"
	cp "$tmp/body" "$work/$c.svg"
done
check_grep "chart tryons_by_frame: $name2 with 2 try-ons" ">$name2</text>.*>2</text>" "$work/tryons_by_frame.svg"
check_grep "chart ctr_by_frame: 100 % for $sku's frame" '>100.0%</text>' "$work/ctr_by_frame.svg"
check_grep "chart tryons_by_day: axis titles" '>Events per day</text>' "$work/tryons_by_day.svg"
admin /admin/chart/nosuch.svg
check_eq "an unknown chart is 404" "$code" 404

# ---- Phase 3: catalog management ----

csrf=$(csrf_now)
admin /admin/catalog/
check_eq "catalog lists every frame" "$(grep -c 'class="frame-item' "$tmp/body")" "$nframes"
admin "/admin/catalog/$sku/preview.png"
check_eq "preview: 200" "$code" 200
check_eq "preview: a PNG" "$(file -b --mime-type "$tmp/body")" image/png
check_eq "preview: 360 x 270" "$(file -b "$tmp/body" | grep -o '360 x 270')" "360 x 270"
cp "$tmp/body" "$work/preview-$sku.png"

newsku=FF-TST-5220-RED
frame_form() {	# curl arguments of the frame form; LENS, TOTAL, PRICE override
	local a
	for a in "csrf=$csrf" "sku=$newsku" "name=Test Red Rectangle" \
	    "brand=Test Optical" "style=rectangle" "rim_rgb=#b0202a" \
	    "tint_rgb=#ffffff" "rim_mm=4.5" "tint_opacity=0" \
	    "lens_width_mm=${LENS:-52}" "lens_height_mm=38" "bridge_mm=20" \
	    "total_width_mm=${TOTAL:-140}" "price=${PRICE:-99.50}" \
	    "product_url=https://shop.example/frames/$newsku" "active=1"; do
		printf '%s\0%s\0' --data-urlencode "$a"
	done
}
form_post() {	# form_post PATH: the frame form, as the admin
	local args=()
	mapfile -d '' args < <(frame_form)
	admin "$1" "${args[@]}"
}
LENS=300 form_post /admin/catalog/new
check_eq "a frame with a 300 mm lens is refused (422)" "$code" 422
check_grep "the form says why, beside the field" 'id="err-lens_width_mm">The lens width is 300 mm; it must be from 20 to 90 mm' "$tmp/body"
check_grep "the form keeps what was typed" "value=\"Test Red Rectangle\"" "$tmp/body"
check_eq "no row for the refused frame" "$(sql "SELECT COUNT(*) FROM frames WHERE sku = '$newsku'")" 0
# Sizes that do not add up (issue 14): 2 x 52 mm lenses and a 20 mm
# bridge cannot fit in 90 mm.
LENS=52 TOTAL=90 form_post /admin/catalog/new
check_eq "a 90 mm front for 2 x 52 mm lenses is refused (422)" "$code" 422
check_grep "the total width's message says what it should be near" 'id="err-total_width_mm">The total width is 90 mm, too narrow for what it holds: two 52 mm lenses and a 20 mm bridge are 124 mm before the end pieces at both sides. It should be near 142 mm \(128 to 164 mm\)\.<' "$tmp/body"
check_grep "the typed total width stays" 'name="total_width_mm" value="90"' "$tmp/body"
check_eq "no row for it either" "$(sql "SELECT COUNT(*) FROM frames WHERE sku = '$newsku'")" 0
# Every frame of the starter catalog adds up (the seed passes the rule).
check_eq "every seeded frame has 2..20 mm end pieces and B <= A" \
	"$(sql "SELECT COUNT(*) FROM frames WHERE total_width_mm - 2 * lens_width_mm - bridge_mm NOT BETWEEN 4 AND 40 OR lens_height_mm > lens_width_mm")" 0
form_post /admin/catalog/new
check_eq "add a frame: 303" "$code" 303
check_eq "add a frame: back to the catalog" "$(header Location)" "/admin/catalog/?msg=added&sku=$newsku"
check_eq "add a frame: the row" \
	"$(sql "SELECT name, style, rim_rgb, price_cents, active FROM frames WHERE sku = '$newsku'" | tr '\t' '|')" \
	"Test Red Rectangle|rectangle|$((0xb0202a))|9950|1"
form_post /admin/catalog/new
check_eq "the same SKU twice is refused (422)" "$code" 422
check_grep "... beside the SKU" 'id="err-sku">A frame with this SKU exists already\.<' "$tmp/body"
sleep 2.5	# every worker polls the catalog's change count every 2 s
for i in 1 2 3 4; do
	http "${url}"
	grep -q "value=\"$newsku\"" "$tmp/body" || break
done
check_eq "the shop page offers the new frame (every worker)" "$i" 4
PRICE=89.00 form_post "/admin/catalog/$newsku"
check_eq "edit a frame: 303" "$code" 303
check_eq "edit a frame: the new price" "$(sql "SELECT price_cents FROM frames WHERE sku = '$newsku'")" 8900
admin "/admin/catalog/$newsku/retire" --data "csrf=$csrf"
check_eq "retire: 303" "$code" 303
check_eq "retire: the row stays, off sale" "$(sql "SELECT active FROM frames WHERE sku = '$newsku'")" 0
sleep 2.5
for i in 1 2 3 4; do
	http "${url}"
	grep -q "value=\"$newsku\"" "$tmp/body" && break
done
check_eq "the shop page no longer offers it (every worker)" "$i" 4
admin "/admin/catalog/$newsku/restore" --data "csrf=$csrf"
check_eq "restore: 303" "$code" 303
check_eq "restore: on sale again" "$(sql "SELECT active FROM frames WHERE sku = '$newsku'")" 1

# Artwork: PNG only, at most 2 MB and 2000 px, with alpha.
python3 - "$tmp" <<'EOF'
import struct, sys, zlib
d = sys.argv[1]
def chunk(t, data):
    return struct.pack('>I', len(data)) + t + data + struct.pack('>I', zlib.crc32(t + data) & 0xffffffff)
def png(path, w, h, ctype, pixel, extra=b''):
    ch = {2: 3, 6: 4}[ctype]
    rows = []
    for y in range(h):
        row = bytearray(b'\0')
        for x in range(w):
            row += bytes(pixel(x, y)[:ch])
        rows.append(bytes(row))
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, ctype, 0, 0, 0))
        + extra + chunk(b'IDAT', zlib.compress(b''.join(rows), 9)) + chunk(b'IEND', b''))
# A frame front: two dark rings on a transparent ground.
def ring(x, y, w=280, h=100):
    for cx in (w * 0.27, w * 0.73):
        dx, dy = (x - cx) / (w * 0.22), (y - h * 0.5) / (h * 0.4)
        r = dx * dx + dy * dy
        if 0.78 < r < 1.0:
            return (30, 30, 30, 255)
    if abs(y - h * 0.42) < 3 and w * 0.45 < x < w * 0.55:
        return (30, 30, 30, 255)
    return (0, 0, 0, 0)
png(d + '/art.png', 280, 100, 6, ring)
png(d + '/art-rgb.png', 280, 100, 2, lambda x, y: (200, 200, 200, 255))
png(d + '/art-opaque.png', 280, 100, 6, lambda x, y: (200, 200, 200, 255))
png(d + '/art-wide.png', 2100, 10, 6, lambda x, y: (0, 0, 0, 0))
# Over 2 MB: random pixels do not compress.
import os
w, h = 800, 800
raw = b''.join(b'\0' + os.urandom(w * 4) for _ in range(h))
open(d + '/art-big.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 6, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(raw, 0)) + chunk(b'IEND', b''))
EOF
art() { admin "/admin/catalog/$newsku/artwork" -F "csrf=$csrf" -F "artwork=@$1;type=${2:-image/png}"; }
art "$photo" image/jpeg
check_eq "artwork: a JPEG is 415" "$code" 415
art "$photo" image/png
check_eq "artwork: a JPEG called PNG is 415" "$code" 415
art "$tmp/art-rgb.png"
check_eq "artwork: a PNG without alpha is 400" "$code" 400
check_grep "artwork: says so" 'no alpha channel' "$tmp/body"
art "$tmp/art-opaque.png"
check_eq "artwork: an opaque PNG with alpha is 400" "$code" 400
art "$tmp/art-wide.png"
check_eq "artwork: 2100 px wide is 400" "$code" 400
check_grep "artwork: names the limit" '2000' "$tmp/body"
art "$tmp/art-big.png"
check_eq "artwork: over 2 MB is 413" "$code" 413
check_eq "artwork: none stored by the refusals" \
	"$(sql "SELECT artwork_png IS NULL FROM frames WHERE sku = '$newsku'")" 1
art "$tmp/art.png"
check_eq "artwork: a PNG with a transparent ground is taken (303)" "$code" 303
check_eq "artwork: stored as sent" \
	"$(sql "SELECT SHA2(artwork_png, 256) FROM frames WHERE sku = '$newsku'")" \
	"$(sha256sum "$tmp/art.png" | cut -d' ' -f1)"
admin "/admin/catalog/$newsku/preview.png"
check_eq "preview of the artwork frame" "$code" 200
cp "$tmp/body" "$work/preview-$newsku.png"
admin "/admin/catalog/$newsku"
check_grep "the edit page says the frame has artwork" '280 × 100 px' "$tmp/body"
admin "/admin/catalog/$newsku/artwork" -F "csrf=$csrf" -F "remove=1"
check_eq "artwork: removed" "$(sql "SELECT artwork_png IS NULL FROM frames WHERE sku = '$newsku'")" 1

# ---- Phase 4: retention ----

# Photo X expired yesterday (with its try-on and click), photo Z is
# 40 days old (past the 30-day retention) though not expired, photo Y is
# kept. (Upload 3, without a face, was never kept.)
upload "$photo" "$sku2"
tokX=$(token_of_location)
http "${url}go/$sku2?t=$tokX"
upload "$photo2" "$sku"
tokY=$(token_of_location)
upload "$photo2" "$sku2"
tokZ=$(token_of_location)
sql "UPDATE uploads SET expires = UTC_TIMESTAMP() - INTERVAL 1 DAY WHERE token = '$tokX';
     UPDATE uploads SET created = UTC_TIMESTAMP() - INTERVAL 40 DAY WHERE token = '$tokZ'"
gone="'$tokX', '$tokZ'"
ids=$(sql "SELECT GROUP_CONCAT(id) FROM uploads WHERE token IN ($gone)")
want_det=$(sql "SELECT COUNT(*) FROM detections WHERE upload_id IN ($ids)")
want_faces=$(sql "SELECT COUNT(*) FROM detection_faces f JOIN detections d ON d.id = f.detection_id WHERE d.upload_id IN ($ids)")
want_tri=$(sql "SELECT COUNT(*) FROM tryons WHERE upload_id IN ($ids)")
keep_uploads=$(sql "SELECT COUNT(*) FROM uploads WHERE token NOT IN ($gone)")
keep_det=$(sql "SELECT COUNT(*) FROM detections WHERE upload_id NOT IN ($ids)")
keep_tri=$(sql "SELECT COUNT(*) FROM tryons WHERE upload_id NOT IN ($ids)")
clicks=$(sql "SELECT COUNT(*) FROM clicks")
rollups=$(sql "SELECT CONCAT(COUNT(*), '/', SUM(n)) FROM hourly_rollups")
frames_n=$(sql "SELECT COUNT(*) FROM frames")
admin /admin/retention/
check_eq "retention page: 1 photo past its expiry" "$(kpi expired)" 1
admin /admin/retention/purge --data "csrf=$csrf"
check_eq "purge now: 303" "$code" 303
check_eq "purge now: back to the retention page" "$(header Location)" "/admin/retention/?msg=purged"
check_eq "purge: the expired and the too-old photos are gone" \
	"$(sql "SELECT COUNT(*) FROM uploads WHERE token IN ($gone)")" 0
check_eq "purge: the other photos are kept" \
	"$(sql "SELECT COUNT(*) FROM uploads WHERE token NOT IN ($gone)")" "$keep_uploads"
check_eq "purge: photo Y is still served" \
	"$(curl -s -o /dev/null -w '%{http_code}' "${url}t/$tokY")" 200
check_eq "purge: their detections are gone" "$(sql "SELECT COUNT(*) FROM detections WHERE upload_id IN ($ids)")" 0
check_eq "purge: their faces are gone" "$(sql "SELECT COUNT(*) FROM detection_faces f LEFT JOIN detections d ON d.id = f.detection_id WHERE d.id IS NULL")" 0
check_eq "purge: their try-ons are gone" "$(sql "SELECT COUNT(*) FROM tryons WHERE upload_id IN ($ids)")" 0
check_eq "purge: other detections kept" "$(sql "SELECT COUNT(*) FROM detections WHERE upload_id NOT IN ($ids)")" "$keep_det"
check_eq "purge: other try-ons kept" "$(sql "SELECT COUNT(*) FROM tryons WHERE upload_id NOT IN ($ids)")" "$keep_tri"
check_eq "purge: every click kept" "$(sql "SELECT COUNT(*) FROM clicks")" "$clicks"
check_eq "purge: X's click kept its frame, lost its token" \
	"$(sql "SELECT COUNT(*) FROM clicks c JOIN frames f ON f.id = c.frame_id WHERE f.sku = '$sku2' AND c.upload_token IS NULL")" 1
check_eq "purge: no click points at a purged photo" \
	"$(sql "SELECT COUNT(*) FROM clicks WHERE upload_token IN ($gone)")" 0
check_eq "purge: the hourly aggregates are untouched" \
	"$(sql "SELECT CONCAT(COUNT(*), '/', SUM(n)) FROM hourly_rollups")" "$rollups"
check_eq "purge: the catalog is untouched" "$(sql "SELECT COUNT(*) FROM frames")" "$frames_n"
check_eq "purge: the run is recorded" \
	"$(sql "SELECT started_by, retention_days, uploads_removed, detections_removed, tryons_removed, clicks_anonymized, rows_removed FROM purge_runs" | tr '\t' ' ')" \
	"admin:admin 30 2 $want_det $want_tri 1 $((want_det + want_faces + want_tri))"
admin /admin/retention/
check_grep "retention page lists the run" 'data-k="uploads">2<' "$tmp/body"
check_eq "retention page: nothing awaits the purge" "$(kpi expired)" 0
admin /admin/
if grep -q 'id="last-purge">never<' "$tmp/body"; then
	nok "dashboard shows when the purge last ran"
else
	check_grep "dashboard shows when the purge last ran" "id=\"last-purge\">$today [0-9:]+ UTC<" "$tmp/body"
fi
check_eq "dashboard: try-ons still counted after the purge" "$(kpi kpi-tryons)" 6
check_eq "CSV frames: $sku2's try-ons still counted" "$(csv_row frames "$sku2" | cut -d, -f4,5)" "4,1"

# The command line: a dry run changes nothing; a real one records "cli".
sql "UPDATE uploads SET expires = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE token = '$tokY'"
out=$("$cli" purge --dry-run)
check_eq "framefit purge --dry-run" "$(echo "$out" | grep -o 'would remove 1 photo(s)')" "would remove 1 photo(s)"
check_eq "dry run removed nothing" "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tokY'")" 1
out=$("$cli" purge)
check_eq "framefit purge" "$(echo "$out" | grep -o 'removed 1 photo(s)')" "removed 1 photo(s)"
check_eq "framefit purge removed Y" "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tokY'")" 0
check_eq "framefit purge is recorded as cli" "$(sql "SELECT started_by FROM purge_runs ORDER BY id DESC LIMIT 1")" cli
"$cli" purge --days 0 >/dev/null 2>&1
check_eq "framefit purge --days 0 is a usage error" "$?" 2
admin /admin/export/purges.csv
check_eq "CSV purges: both runs, newest first" \
	"$(tr -d '\r' <"$tmp/body" | tail -n +2 | cut -d, -f3,5 | tr '\n' ' ')" "cli,1 admin:admin,2 "

# ---- Phase 4b: the purge keeps the promise by itself ----

# With the timer off and no run for three hours, the page says the purge
# is late and what to do.
sql "UPDATE purge_runs SET ran_at = ran_at - INTERVAL 3 HOUR"
admin /admin/retention/
check_grep "timer off, last run 3 h ago: the page warns" 'id="purge-late"' "$tmp/body"
check_grep "... and names cron" 'automatic purge is off' "$tmp/body"
check_grep "the page shows the shoppers' 24 hours" 'id="ttl">24 hours<' "$tmp/body"
# Staff delete one shopper's photo on request, by the result link.
upload "$photo2" "$sku"
tokR=$(token_of_location)
csrf=$(csrf_now)
admin /admin/retention/purge --data "csrf=$csrf&photo=${url}t/$tokR?frame=$sku"
check_eq "delete one photo by its link: 303" "$code" 303
check_eq "... back to the retention page" "$(header Location)" "/admin/retention/?msg=deleted"
check_eq "... the photo is gone" "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tokR'")" 0
check_eq "... its result page is 404" "$(curl -s -o /dev/null -w '%{http_code}' "${url}t/$tokR")" 404
admin /admin/retention/purge --data "csrf=$csrf&photo=$tokR"
check_eq "deleting it again by its code: 404" "$code" 404
admin /admin/retention/purge --data "photo=$tokR"
check_eq "delete one without a CSRF token: 403" "$code" 403
admin /admin/retention/purge --data "csrf=$csrf&photo=not-a-link"
check_eq "delete one with no code in it: 400" "$code" 400
# A photo kept with the shopper's consent: the page gives the consent
# period, not "at most 30 days", counts the photos kept so, and says when
# the next one expires.
# The consent as the store records it (db_consent_give(); the shop's box
# is test_web's): a consent row, the photo kept 365 days.
upload "$photo2" "$sku"
tokC=$(token_of_location)
sql "INSERT INTO upload_consents (upload_id, purpose, wording) SELECT id, 'newsletter', 'admin-test' FROM uploads WHERE token = '$tokC'; UPDATE uploads SET expires = created + INTERVAL 365 DAY WHERE token = '$tokC'"
admin /admin/retention/
check_grep "retention page: kept 365 days with consent" 'is kept 365 days after upload instead \(<code>FF_CONSENT_DAYS</code>\)' "$tmp/body"
check_grep "retention page: no longer says 'at most 30 days for any photo'" 'at most 30 days without consent; 365 days with the shopper' "$tmp/body"
check_eq "retention page: photos kept with consent" "$(kpi consented)" \
	"$(sql "SELECT COUNT(*) FROM upload_consents c JOIN uploads u ON u.id = c.upload_id WHERE c.withdrawn IS NULL AND u.expires > UTC_TIMESTAMP()")"
check_eq "... one" "$(kpi consented)" 1
check_grep "retention page: when the next one expires" \
	"the next expires $(sql "SELECT DATE_FORMAT(expires, '%Y-%m-%d %H:%i') FROM uploads WHERE token = '$tokC'") UTC" "$tmp/body"
sql "DELETE FROM uploads WHERE token = '$tokC'"
admin /admin/retention/
check_eq "retention page: none kept with consent once it is deleted" "$(kpi consented)" 0
check_grep "... and no next expiry" 'id="consent-next">for the shop.s e-mails, 365 days \(<code>FF_CONSENT_DAYS</code>\)</p>' "$tmp/body"
# The workers' timer: every 2 s here. An expired photo goes without
# anyone pressing a button, and only one worker of all runs each purge.
web_stop
FF_PURGE_INTERVAL_S=2 web_start "$bin" "$models" || bail "lighttpd did not start again; see $work/web.out"
upload "$photo" "$sku"
tokT=$(token_of_location)
sql "UPDATE uploads SET expires = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE token = '$tokT'"
timer_runs=$(sql "SELECT COUNT(*) FROM purge_runs WHERE started_by = 'timer'")
for i in $(seq 1 40); do
	curl -s -o /dev/null "${url}healthz"
	[ "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tokT'")" = 0 ] && break
	sleep 0.25
done
check_eq "the timer purged the expired photo" "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tokT'")" 0
check_eq "... and recorded it as the timer" \
	"$(sql "SELECT uploads_removed FROM purge_runs WHERE started_by = 'timer' ORDER BY id DESC LIMIT 1")" 1
for i in $(seq 1 16); do curl -s -o /dev/null "${url}healthz"; sleep 0.25; done
check_eq "the timer ran again after its interval" \
	"$(( $(sql "SELECT COUNT(*) FROM purge_runs WHERE started_by = 'timer'") >= timer_runs + 2 ))" 1
check_eq "no two timer runs closer than the interval, of all workers" \
	"$(sql "SELECT COUNT(*) FROM purge_runs a JOIN purge_runs b ON b.id > a.id WHERE a.started_by = 'timer' AND b.started_by = 'timer' AND a.partial = 0 AND TIMESTAMPDIFF(SECOND, a.ran_at, b.ran_at) < 2")" 0
admin /admin/retention/
check_eq "the page: no warning once the timer runs" "$(grep -c 'id="purge-late"' "$tmp/body")" 0
check_grep "the page: the last purge by the timer" 'by timer' "$tmp/body"
export FF_PURGE_INTERVAL_S=0

# ---- Phase 5: the model registry ----

web_stop
web_start "$bin" "$models" || bail "lighttpd did not start again; see $work/web.out"
workers=$(worker_pids)
csrf=$(csrf_now)
admin /admin/models/scan --data "csrf=$csrf"
check_eq "scan: 200" "$code" 200
check_eq "scan: two models registered" "$(kpi added)" 2
check_eq "scan: rows with their directories" \
	"$(sql "SELECT GROUP_CONCAT(dir ORDER BY dir SEPARATOR ',') FROM models")" ",alt"
check_eq "scan: metrics of framefit evaluate stored" \
	"$(sql "SELECT COUNT(*) FROM models WHERE JSON_VALUE(metrics, '$.photos') = 12")" 2
check_eq "scan: sha256 of the weights" \
	"$(sql "SELECT LOWER(HEX(sha256)) FROM models WHERE dir = ''")" \
	"$(cat "$models/face.weights" "$models/eyes.weights" "$models/refine.weights" | sha256sum | cut -d' ' -f1)"
admin /admin/models/scan --data "csrf=$csrf"
check_eq "scan again: nothing new" "$(kpi added)" 0
admin /admin/export/models.csv
check_eq "CSV models: header and two models" "$(tr -d '\r' <"$tmp/body" | wc -l)" 3
check_grep "CSV models: the metrics, quoted" '^ff-[0-9a-f]{12},0,alt,[0-9a-f]{64},[0-9T:-]+Z,[0-9T:-]+Z,0,"\{""model"":' "$tmp/body"
idA=$(sql "SELECT id FROM models WHERE dir = ''")
idB=$(sql "SELECT id FROM models WHERE dir = 'alt'")
verA=$(sql "SELECT version FROM models WHERE id = $idA")
verB=$(sql "SELECT version FROM models WHERE id = $idB")
[ -n "$verA" ] && [ "$verA" != "$verB" ] && ok "two versions ($verA, $verB)" ||
	nok "two versions" "'$verA' '$verB'"
admin /admin/models/
check_eq "models page lists both" "$(grep -c '<tr data-version=' "$tmp/body")" 2
admin "/admin/models/$idB/activate" --data ""
check_eq "activate without a CSRF token is 403" "$code" 403
check_eq "nothing active yet" "$(sql "SELECT COUNT(*) FROM models WHERE active = 1")" 0

latest_model() {	# the model recorded on the newest detection
	sql "SELECT COALESCE(model_id, 0) FROM detections ORDER BY id DESC LIMIT 1"
}
admin "/admin/models/$idA/activate" --data "csrf=$csrf"
check_eq "activate A: 303" "$code" 303
check_eq "activate A: it is the active one" "$(sql "SELECT id FROM models WHERE active = 1")" "$idA"
sleep 2.5	# every worker polls the registry every 2 s
for i in 1 2 3 4; do
	upload "$photo" "$sku"
	check_eq "model A: detection $i recorded with A" "$(latest_model)" "$idA"
done
admin "/admin/models/$idB/activate" --data "csrf=$csrf"
check_eq "activate B: 303" "$code" 303
sleep 2.5
for i in 1 2 3 4; do
	upload "$photo" "$sku"
	check_eq "model B: detection $i recorded with B" "$(latest_model)" "$idB"
done
check_grep "the worker log says it switched" "switched to model $verB" "$work/log/framefit.log"
check_eq "no worker was restarted to switch" "$(worker_pids)" "$workers"
admin /admin/models/
check_grep "models page: B is active" "<tr data-version=\"$verB\" class=\"is-active\">" "$tmp/body"
admin "/admin/models/compare?a=$idA&b=$idB&n=3"
check_eq "compare: 200" "$code" 200
check_eq "compare: 3 photos through both models" "$(grep -c 'src="data:image/jpeg;base64,' "$tmp/body")" 6
check_grep "compare: the page says they are shoppers' photos" 'id="shoppers-photos"' "$tmp/body"
check_eq "compare: the view is logged with the staff member" \
	"$(grep -c "admin: $FF_ADMIN_USER viewed shoppers' photos in the model comparison (uploads [0-9, ]*)" "$work/log/framefit.log")" 1
check_grep "compare: the metrics side by side" 'Faces found \(recall\)' "$tmp/body"
admin "/admin/models/compare?a=$idA&b=$idB&n=500"
check_eq "compare: n is capped at 10" "$(grep -c 'src="data:image/jpeg;base64,' "$tmp/body")" \
	"$((2 * $(sql "SELECT LEAST(COUNT(*), 10) FROM uploads WHERE expires > UTC_TIMESTAMP()")))"
admin "/admin/models/compare?a=$idA"
check_eq "compare: two models needed" "$code" 400

# ---- Phase 6: the dashboard in headless Chromium ----

# Some history for the charts: synthetic hourly counts for the 29 days
# before today (today's are this test's own), so the screenshot shows
# what a month of traffic looks like.
python3 - "$tmp/history.sql" "$(sql "SELECT GROUP_CONCAT(id ORDER BY id) FROM frames WHERE active = 1 AND sku NOT LIKE 'FF-TST-%'")" <<'EOF'
import datetime, math, random, sys
random.seed(7)
frames = [int(x) for x in sys.argv[2].split(',')]
pop = {f: 0.4 + 1.6 * random.random() for f in frames}
ctr = {f: 0.04 + 0.16 * random.random() for f in frames}
rows = []
today = datetime.datetime.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
for d in range(29, 0, -1):
    day = today - datetime.timedelta(days=d)
    weekend = day.weekday() >= 5
    for h in range(24):
        t = day + datetime.timedelta(hours=h)
        base = (0.12 + max(0.0, math.sin((h - 5) / 24 * 2 * math.pi))) * (1.5 if weekend else 1.0) * (1 + 0.02 * (29 - d))
        ups = {s: int(random.gauss(base * k, 0.6 * base + 0.1)) for s, k in (('form', 6), ('webcam', 3), ('api', 1.5), ('batch', 0.6))}
        ups = {s: max(0, n) for s, n in ups.items()}
        photos = sum(ups.values())
        face = int(photos * 0.86)
        hs = t.strftime('%Y-%m-%d %H:00:00')
        for s, n in ups.items():
            if n:
                rows.append((hs, 'upload_' + s, 0, n))
        if photos:
            rows.append((hs, 'photo', 0, photos))
            rows.append((hs, 'upload', 0, photos - ups['batch']))
        if face:
            rows.append((hs, 'photo_face', 0, face))
            rows.append((hs, 'faces', 0, face + face // 12))
        for f in frames:
            n = int(random.random() * face * pop[f] / len(frames) * 2.2 + 0.5)
            if n:
                rows.append((hs, 'tryon', f, n))
                c = sum(1 for _ in range(n) if random.random() < ctr[f])
                if c:
                    rows.append((hs, 'click', f, c))
with open(sys.argv[1], 'w') as out:
    for i in range(0, len(rows), 500):
        out.write('INSERT INTO hourly_rollups (hour, metric, frame_id, n) VALUES ' +
            ','.join("('%s','%s',%d,%d)" % r for r in rows[i:i + 500]) + ';\n')
EOF
"$root/scripts/db.sh" sql <"$tmp/history.sql" 2>>"$work/sql.err" && ok "synthetic history loaded" ||
	nok "synthetic history loaded"
profile=$(mktemp -d)
rm -f "$artifacts/admin-dashboard.png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--hide-scrollbars --user-data-dir="$profile" --window-size=1280,1600 \
	--screenshot="$artifacts/admin-dashboard.png" \
	"http://$FF_ADMIN_USER:$FF_ADMIN_PASSWORD@127.0.0.1:$PORT/admin/" >"$work/chromium.log" 2>&1
rm -rf "$profile"
if [ -s "$artifacts/admin-dashboard.png" ]; then
	ok "screenshot saved: var/artifacts/admin-dashboard.png"
	check_eq "screenshot is a 1280 x 1600 PNG" \
		"$(file -b "$artifacts/admin-dashboard.png" | grep -o '1280 x 1600')" "1280 x 1600"
else
	nok "screenshot saved" "see $work/chromium.log"
fi
grep -q 'GET /admin/static/admin.css' "$work/log/lighttpd-access.log" 2>/dev/null &&
	check_grep "Chromium got the style sheet behind the login" '"GET /admin/static/admin.css HTTP/1.1" (200|304)' "$work/log/lighttpd-access.log"

finish
