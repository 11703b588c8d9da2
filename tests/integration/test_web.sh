#!/bin/bash
# test_web.sh: framefit end to end, through a real web server (lighttpd or
# Apache) and the FastCGI worker, against its own private MariaDB, with curl.
#
#   tests/integration/test_web.sh
#
# Environment:
#   FF_BUILD_DIR   where `make` built cgi-bin/framefit.fcgi (default: the
#                  source tree, i.e. an in-tree build)
#   FF_FACES       the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS the model directory to test with (default <repo>/models
#                  when it holds trained weights, else /tmp/m)
#   FF_WEB_SERVER  lighttpd (default), apache-fcgid or apache-proxy
#                  (mod_proxy_fcgi with spawn-fcgi): see scripts/web.sh
#   KEEP=1         leave the servers running at the end, for a look
#
# Phases (each against the server chosen by FF_WEB_SERVER):
#   1. no model: /healthz and POST /tryon answer 503, pages still work;
#   2. the real worker and model: headers, static files, thumbnails, every
#      bad input with its exact status; the face-dependent checks accept
#      303 or 422 until the models directory holds trained weights;
#   3. the whole success path with the real worker, model and face photos
#      (PNG, WebP, GIF and an EXIF-rotated JPEG made from them here with
#      ImageMagick), checked strictly: 303, result page, JPEG, ETag/304,
#      switching frames, shop click, no-face page, delete with CSRF, and
#      the DB rows of each step (it needs trained weights);
#   4. the database goes down and comes back: 503 pages, no crash, and
#      the same workers serve again after reconnecting.
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env web framefit_webtest


# ---- Pages (lib.sh has http, header, upload, tokens, same_workers) ----

csrf_of_body() {
	sed -n 's|.*name="csrf" value="\([A-Za-z0-9_-]*\)".*|\1|p' "$tmp/body" |
		head -n 1
}

# ---- Setup ----

url=
case $server in
lighttpd) command -v lighttpd >/dev/null || bail "lighttpd is not installed" ;;
apache-*) command -v apache2 >/dev/null || bail "apache2 is not installed" ;;
*) bail "FF_WEB_SERVER must be lighttpd, apache-fcgid or apache-proxy" ;;
esac
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
command -v convert >/dev/null || bail "ImageMagick (convert) is not installed"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
photo2=$faces/mtfl/images/lfw_5590/AJ_Cook_0001.jpg
[ -r "$photo" ] && [ -r "$photo2" ] || bail "no face photos under $faces"

mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
# Logs of an earlier run would confuse a look at this one.
rm -f "$work/log/"*.log

pick_models
echo "# models: $models (trained weights: $trained)"

db_fresh

# Migrations, the way run.sh applies them.
out=$("$bin" --migrate 2>&1)
check_eq "migrate: applies every sql/ file" "$(echo "$out" | tail -n 1)" \
	"framefit.fcgi: $(ls "$root"/sql/[0-9]*_*.sql | wc -l) migration(s) applied"
check_eq "migrate: again applies nothing" "$("$bin" --migrate 2>/dev/null)" \
	"framefit.fcgi: 0 migration(s) applied"
nframes=$(sql "SELECT COUNT(*) FROM frames WHERE active = 1")
[ "${nframes:-0}" -ge 12 ] && ok "catalog seeded ($nframes frames)" ||
	nok "catalog seeded" "$nframes frames"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 AND style = 'aviator' ORDER BY sku LIMIT 1")
sku2=$(sql "SELECT sku FROM frames WHERE active = 1 AND style = 'round' ORDER BY sku LIMIT 1")
shop=$(sql "SELECT product_url FROM frames WHERE sku = '$sku'")

export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
echo "# $server on $url"

# ---- Phase 1: no model ----

web_start "$bin" "$work/no-such-models" || bail "$server did not start; see $work/web.out"
http "${url}healthz"
check_eq "no model: /healthz is 503" "$code" 503
check_grep "no model: /healthz says why" '^unavailable: model' "$tmp/body"
http "${url}"
check_eq "no model: the upload page still works" "$code" 200
upload "$photo" "$sku"
check_eq "no model: POST /tryon is 503" "$code" 503
check_eq "no model: 503 has Retry-After" "$(header Retry-After)" 10
same_workers "no model"
web_stop

# ---- Phase 2: the real worker and model ----

web_start "$bin" "$models" || bail "$server did not start; see $work/web.out"
http "${url}healthz"
check_eq "GET /healthz" "$code" 200
check_eq "/healthz body" "$(cat "$tmp/body")" ok

http "${url}"
check_eq "GET /" "$code" 200
check_eq "GET / Content-Type" "$(header Content-Type)" "text/html; charset=utf-8"
csp=$(header Content-Security-Policy)
case $csp in
*"frame-ancestors 'none'"*) ok "CSP has frame-ancestors 'none'" ;;
*) nok "CSP has frame-ancestors 'none'" "$csp" ;;
esac
case $csp in
*unsafe-inline*|*unsafe-eval*|'') nok "CSP forbids inline script" "$csp" ;;
*"script-src 'self'"*) ok "CSP forbids inline script" ;;
*) nok "CSP forbids inline script" "$csp" ;;
esac
check_eq "X-Content-Type-Options" "$(header X-Content-Type-Options)" nosniff
check_eq "Referrer-Policy" "$(header Referrer-Policy)" same-origin
check_nogrep "no inline <script> in the page" '<script( [^>]*)?>[^<]' "$tmp/body"
check_nogrep "every <script> is external" '<script(>| (type|defer|async)[^>]*>)' "$tmp/body"
check_nogrep "no inline style attributes" ' style=' "$tmp/body"
check_nogrep "no inline event handlers" ' on[a-z]+=' "$tmp/body"
check_grep "upload form posts multipart to /tryon" '<form[^>]*action="/tryon"[^>]*enctype="multipart/form-data"' "$tmp/body"
check_grep "file input takes JPEG, PNG, WebP, GIF" 'type="file"[^>]*name="photo"[^>]*accept="image/jpeg,image/png,image/webp,image/gif"' "$tmp/body"
check_grep "file input has a label" '<label[^>]*for="photo"' "$tmp/body"
check_grep "webcam button" 'id="cam-start"' "$tmp/body"
check_eq "every active frame is offered" "$(grep -c 'name="frame" value=' "$tmp/body")" "$nframes"
check_grep "catalog thumbnails" "src=\"/thumb/$sku.png\"" "$tmp/body"
# The newsletter box is the shop's to turn on (FF_NEWSLETTER, off here):
# no box, and no page promises to keep a photo past 24 hours.
check_nogrep "without FF_NEWSLETTER, no box to keep the photo" 'name="consent' "$tmp/body"
check_grep "... and the footer promises 24 hours, no more" \
	'Photos are kept for 24&nbsp;hours, then deleted\.</p>' "$tmp/body"

http "${url}static/app.js"
check_eq "GET /static/app.js" "$code" 200
check_grep "app.js uses getUserMedia" 'getUserMedia' "$tmp/body"
http "${url}static/app.css"
check_eq "GET /static/app.css" "$code" 200
http "${url}thumb/$sku.png"
check_eq "GET /thumb/SKU.png" "$code" 200
check_eq "thumbnail is a PNG" "$(file -b --mime-type "$tmp/body")" image/png
etag=$(header ETag)
http -H "If-None-Match: $etag" "${url}thumb/$sku.png"
check_eq "thumbnail revalidates (304)" "$code" 304
http "${url}thumb/NO-SUCH-SKU.png"
check_eq "thumbnail of an unknown SKU" "$code" 404

# Bad inputs, each with its exact status.
printf 'just some text\n' >"$tmp/text.txt"
http -F "photo=@$tmp/text.txt" -F "frame=$sku" "${url}tryon"
check_eq "a text file is 415" "$code" 415
head -c 16000000 /dev/zero >"$tmp/big.jpg"
http -F "photo=@$tmp/big.jpg" -F "frame=$sku" "${url}tryon"
check_eq "a 16 MB body is 413" "$code" 413
check_grep "413 page says 15 MB" '15 MB' "$tmp/body"
# The body is not read, so the choices come from the form's address
# (app.js writes them there on submit).
http -F "photo=@$tmp/big.jpg" -F "frame=$sku" "${url}tryon?frame=$sku&pd_mm=62,3"
check_eq "a 16 MB body with the choices in the address is 413" "$code" 413
check_grep "... and its way back keeps frame and PD" \
	"id=\"back\" href=\"/\\?frame&#61;$sku&amp;pd&#61;62\\.3\">Try another photo" "$tmp/body"
http -F "photo=@$tmp/text.txt" -F "frame=$sku" -F "pd_mm=45" "${url}tryon"
check_eq "a PD of 45 is 400" "$code" 400
check_grep "... under a plain heading" '<h1 id="err">Please check your PD</h1>' "$tmp/body"
check_grep "... saying what a PD must be" 'must be a number of millimetres between 50 and 80' "$tmp/body"
python3 - "$tmp/bomb.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack('>IIBBBBB', 60000, 60000, 8, 2, 0, 0, 0)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
    chunk(b'IDAT', zlib.compress(b'\0' * 1024)) + chunk(b'IEND', b''))
EOF
http -F "photo=@$tmp/bomb.png" -F "frame=$sku" "${url}tryon"
check_eq "a 60000x60000 PNG header is 422" "$code" 422
check_grep "422 page names the size" '60000 × 60000' "$tmp/body"
head -c 3000 "$photo" >"$tmp/truncated.jpg"
http -F "photo=@$tmp/truncated.jpg" -F "frame=$sku" "${url}tryon"
check_eq "a truncated JPEG is 422" "$code" 422
check_grep "422 page says damaged" 'damaged or incomplete' "$tmp/body"
http -F "frame=$sku" "${url}tryon"
check_eq "missing photo is 400" "$code" 400
check_grep "400 names the photo field" 'photo' "$tmp/body"
http -F "photo=@$photo" "${url}tryon"
check_eq "missing frame is 400" "$code" 400
http -F "photo=@$photo" -F "frame=NO-SUCH-SKU" "${url}tryon"
check_eq "unknown SKU is 400" "$code" 400
check_grep "unknown SKU says so" 'do not carry a frame' "$tmp/body"
http -F "photo=@$photo" -F "frame=$sku" -F "pd_mm=99" "${url}tryon"
check_eq "PD out of range is 400" "$code" 400
http -F "photo=@$photo" -F "frame=$sku" -F "source=fax" "${url}tryon"
check_eq "unknown source is 400" "$code" 400
http --data "frame=$sku" "${url}tryon"
check_eq "an urlencoded POST /tryon is 415" "$code" 415
http -H "Origin: http://evil.example" -F "photo=@$photo" -F "frame=$sku" "${url}tryon"
check_eq "a cross-site POST is 403" "$code" 403
http "${url}tryon"
check_eq "GET /tryon is 405" "$code" 405
check_eq "405 has Allow" "$(header Allow)" POST
http "${url}t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check_eq "unknown token is 404" "$code" 404
http "${url}t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/$sku.jpg"
check_eq "render of an unknown token is 404" "$code" 404
http "${url}no/such/page"
check_eq "unknown path is 404" "$code" 404
http -H 'Accept: application/json' -F "photo=@$tmp/text.txt" -F "frame=$sku" "${url}tryon"
check_eq "JSON error status" "$code" 415
check_grep "JSON error body" '^\{"error":\{"code":"unsupported_media_type","message":"[^"]+"\}\}$' "$tmp/body"
http "${url}admin/"
check_eq "/admin/ needs a password" "$code" 401
http -u "admin:test-admin-pw" "${url}admin/"
check_eq "/admin/ with the password" "$code" 200

# Face-dependent: strict once trained weights are in models/.
before=$(sql "SELECT COUNT(*) FROM uploads")
upload "$photo" "$sku"
if [ $trained = 1 ]; then
	check_eq "real model: a face photo gives 303" "$code" 303
else
	check_in "real model: a face photo gives 303 or 422" "$code" 303 422
fi
# A photo without a face is counted, not kept.
check_eq "real model: the upload is kept when it has a face" \
	"$(sql "SELECT COUNT(*) FROM uploads")" $((before + ($code == 303)))
[ "$code" = 303 ] && check_eq "real model: the detection is recorded" \
	"$(sql "SELECT COUNT(*) FROM detections d JOIN uploads u ON u.id = d.upload_id WHERE u.id = (SELECT MAX(id) FROM uploads)")" 1
if [ "$code" = 303 ]; then
	tok=$(token_of_location)
	http "${url}t/$tok"
	check_eq "real model: result page" "$code" 200
	http "${url}t/$tok/$sku.jpg"
	check_eq "real model: rendered JPEG" "$code" 200
	check_eq "real model: it is a JPEG" "$(file -b --mime-type "$tmp/body")" image/jpeg
elif [ "$code" = 422 ]; then
	check_grep "real model: no-face page has tips" 'Tips for a great try-on photo' "$tmp/body"
fi
same_workers "real model"
web_stop

# ---- Phase 3: the whole success path, with the real worker and model ----

[ $trained = 1 ] || echo "# phase 3 expects faces to be found: without trained weights in $root/models it fails"
web_start "$bin" "$models" || bail "$server did not start; see $work/web.out"
u0=$(sql "SELECT COUNT(*) FROM uploads")
t0=$(sql "SELECT COUNT(*) FROM tryons")
r0=$(sql "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE metric = 'tryon'")

upload "$photo" "$sku"
check_eq "POST /tryon is 303" "$code" 303
loc=$(header Location)
tok=$(token_of_location)
case $loc in
/t/*) ok "303 goes to /t/{token}" ;;
*) nok "303 goes to /t/{token}" "$loc" ;;
esac
check_eq "token is 32 base64url characters (192 bits)" "${#tok}" 32
check_eq "upload row" "$(sql "SELECT mime, source, width, height FROM uploads WHERE token = '$tok'" | tr '\t' ' ')" "image/jpeg form 250 250"
check_eq "upload bytes are the stored JPEG" \
	"$(sql "SELECT SHA2(bytes, 256) = LOWER(HEX(sha256)) FROM uploads WHERE token = '$tok'")" 1
check_eq "detection row with one face" \
	"$(sql "SELECT d.faces, (SELECT COUNT(*) FROM detection_faces f WHERE f.detection_id = d.id) FROM detections d JOIN uploads u ON u.id = d.upload_id WHERE u.token = '$tok'" | tr '\t' ' ')" "1 1"
check_eq "try-on row for the chosen frame" \
	"$(sql "SELECT f.sku FROM tryons t JOIN uploads u ON u.id = t.upload_id JOIN frames f ON f.id = t.frame_id WHERE u.token = '$tok'")" "$sku"
check_eq "hourly rollup bumped with the try-on" \
	"$(sql "SELECT COALESCE(SUM(n), 0) FROM hourly_rollups WHERE metric = 'tryon'")" $((r0 + 1))
live=$(sql "SELECT COALESCE(SUM(n), 0) FROM live_counters WHERE metric = 'tryon'")
[ "${live:-0}" -ge 1 ] && ok "live counter bumped ($live)" || nok "live counter bumped" "$live"

http "${url}t/$tok"
check_eq "GET /t/{token}" "$code" 200
check_eq "result page is not cached" "$(header Cache-Control)" "private, no-store"
check_grep "result shows the render" "<img[^>]*src=\"/t/$tok/$sku.jpg\"" "$tmp/body"
check_grep "result has a fit hint" 'class="fit fit-(narrow|good|wide)"' "$tmp/body"
# The face width comes from the PD (src/render/fit.h): 137.5 mm at 63;
# the words claim no measurement of this face.
check_grep "the fit hint says the face width at the default PD" \
	'An average adult face, with a 63&nbsp;mm PD, is about 138&nbsp;mm across the cheekbones; this frame is [0-9]+&nbsp;mm wide\.' "$tmp/body"
check_grep "... under a heading about an average face" \
	'<p class="fit-title">(Good fit for|May look narrow on|May look wide on) an average adult face</p>' "$tmp/body"
check_grep "result has a download link" "href=\"/t/$tok/$sku.jpg\?download&#61;1\"[^>]*download=" "$tmp/body"
check_grep "result links the shop via /go" "href=\"/go/$sku\?t&#61;$tok\"" "$tmp/body"
check_grep "result offers other frames without re-uploading" "href=\"/t/$tok\?frame&#61;$sku2\"" "$tmp/body"
check_grep "result has the delete form" "<form method=\"post\" action=\"/t/$tok/delete\"" "$tmp/body"
check_grep "... which carries the frame shown" "<input type=\"hidden\" name=\"frame\" value=\"$sku\">" "$tmp/body"
csrf=$(csrf_of_body)
check_eq "CSRF token is 43 characters" "${#csrf}" 43
check_nogrep "no inline script on the result page" '<script( [^>]*)?>[^<]' "$tmp/body"

http "${url}t/$tok/$sku.jpg"
check_eq "GET /t/{token}/{sku}.jpg" "$code" 200
check_eq "render is a JPEG" "$(file -b --mime-type "$tmp/body")" image/jpeg
check_eq "render keeps the photo's size" "$(file -b "$tmp/body" | grep -o '250x250')" 250x250
cp "$tmp/body" "$work/render-$sku.jpg"
etag=$(header ETag)
case $etag in
\"*\") ok "render has an ETag ($etag)" ;;
*) nok "render has an ETag" "'$etag'" ;;
esac
http -H "If-None-Match: $etag" "${url}t/$tok/$sku.jpg"
check_eq "If-None-Match gives 304" "$code" 304
check_eq "304 has no body" "$(wc -c <"$tmp/body")" 0
http -H 'If-None-Match: "other"' "${url}t/$tok/$sku.jpg"
check_eq "a stale ETag gives 200" "$code" 200
http "${url}t/$tok/$sku.jpg?download=1"
check_eq "download is an attachment" "$(header Content-Disposition)" "attachment; filename=\"framefit-$sku.jpg\""
check_eq "render time recorded" \
	"$(sql "SELECT render_ms > 0 FROM tryons t JOIN uploads u ON u.id = t.upload_id WHERE u.token = '$tok'")" 1

http "${url}t/$tok?frame=$sku2"
check_eq "switch frame" "$code" 200
check_grep "switched page shows the other frame" "src=\"/t/$tok/$sku2.jpg\"" "$tmp/body"
http "${url}t/$tok?frame=$sku2"
check_eq "two try-ons after switching (no duplicate on reload)" \
	"$(sql "SELECT COUNT(*) FROM tryons t JOIN uploads u ON u.id = t.upload_id WHERE u.token = '$tok'")" 2
http "${url}t/$tok"
check_grep "the page remembers the last frame" "src=\"/t/$tok/$sku2.jpg\"" "$tmp/body"
http "${url}t/$tok/$sku2.jpg"
check_eq "render of the other frame" "$code" 200
cp "$tmp/body" "$work/render-$sku2.jpg"
check_eq "each frame renders differently" \
	"$(cmp -s "$work/render-$sku.jpg" "$work/render-$sku2.jpg" && echo same || echo differ)" differ
http "${url}t/$tok?frame=NO-SUCH-SKU"
check_eq "switch to an unknown frame is 404" "$code" 404

http "${url}go/$sku?t=$tok"
check_eq "GET /go/{sku} redirects" "$code" 302
check_eq "/go goes to the product page" "$(header Location)" "$shop"
check_eq "click recorded with the token" \
	"$(sql "SELECT COUNT(*) FROM clicks c JOIN frames f ON f.id = c.frame_id WHERE f.sku = '$sku' AND c.upload_token = '$tok'")" 1
# Once per try-on and frame, only with a try-on's token: a second click,
# a bare link and a made-up token all go to the shop and count nothing.
http "${url}go/$sku?t=$tok"
check_eq "a second click redirects" "$code" 302
http "${url}go/$sku"
check_eq "a click without a token redirects" "$code" 302
check_eq "... to the product page" "$(header Location)" "$shop"
http "${url}go/$sku?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check_eq "a click with a made-up token redirects" "$code" 302
check_eq "one click counted of four" \
	"$(sql "SELECT COUNT(*), (SELECT SUM(n) FROM hourly_rollups WHERE metric = 'click') FROM clicks" | tr '\t' ' ')" "1 1"
http "${url}go/NO-SUCH-SKU"
check_eq "/go of an unknown SKU is 404" "$code" 404

# The shopper's own PD and the webcam path.
upload "$photo2" "$sku" -F "pd_mm=61.5" -F "source=webcam"
check_eq "webcam upload with a PD is 303" "$code" 303
tok2=$(token_of_location)
check_eq "PD carried in the URL" "$(header Location)" "/t/$tok2?pd=61.5"
check_eq "webcam source recorded" "$(sql "SELECT source FROM uploads WHERE token = '$tok2'")" webcam
http "${url}t/$tok2?pd=61.5"
check_grep "result says the PD" 'PD of 61.5' "$tmp/body"
check_grep "the fit hint says the face width at the shopper's PD" \
	'A face with a 61.5&nbsp;mm PD is typically about 134&nbsp;mm across the cheekbones; this frame is [0-9]+&nbsp;mm wide\.' "$tmp/body"
check_grep "... under a heading about a face with that PD" \
	'<p class="fit-title">(Good fit for|May look narrow on|May look wide on) a face with your PD</p>' "$tmp/body"
check_nogrep "... and never as a measure of the shopper's face" 'your face measures' "$tmp/body"

# PNG, WebP and GIF are taken too: each made here from a real face photo,
# cropped to a size of its own so the stored width and height show the
# upload's own pixels were decoded; each must give a try-on.
for f in png:233x241 webp:229x237 gif:221x245; do
	ext=${f%%:*}
	size=${f#*:}
	convert "$photo" -gravity center -crop "$size+0+0" +repage \
		"$tmp/face.$ext" 2>>"$work/convert.err" || nok "convert a face photo to $ext"
	check_eq "the $ext test photo is one" "$(file -b --mime-type "$tmp/face.$ext")" "image/$ext"
	upload "$tmp/face.$ext" "$sku"
	check_eq "a $ext face photo is 303" "$code" 303
	check_eq "a $ext is stored as a normalised JPEG of its size" \
		"$(sql "SELECT mime, width, height FROM uploads WHERE token = '$(token_of_location)'" | tr '\t' ' ')" \
		"image/jpeg ${size%x*} ${size#*x}"
done

# EXIF orientation 6 (rotate 90 clockwise to view): an upright 210x250
# face crop, turned a quarter to the left and tagged 6, must be stored
# upright (210x250) and give a try-on; its pixels alone hold a sideways face.
convert "$photo" -gravity center -crop 210x250+0+0 +repage -rotate -90 \
	-strip "$tmp/sideways.jpg" 2>>"$work/convert.err"
python3 - "$tmp/sideways.jpg" "$tmp/exif6.jpg" <<'EOF'
import struct, sys
jpg = open(sys.argv[1], 'rb').read()
assert jpg[:2] == b'\xff\xd8'
# An APP1 "Exif" segment right after SOI: a big-endian TIFF header and one
# IFD with one entry, Orientation (0x0112), SHORT, count 1, value 6.
tiff = b'MM\x00\x2a' + struct.pack('>I', 8) + struct.pack('>H', 1) + \
    struct.pack('>HHIHH', 0x0112, 3, 1, 6, 0) + struct.pack('>I', 0)
app1 = b'Exif\x00\x00' + tiff
open(sys.argv[2], 'wb').write(jpg[:2] + b'\xff\xe1' +
    struct.pack('>H', len(app1) + 2) + app1 + jpg[2:])
EOF
check_eq "the rotated photo is stored sideways" \
	"$(identify -format '%wx%h' "$tmp/exif6.jpg" 2>&1)" 250x210
check_eq "the rotated photo is tagged 6" \
	"$(identify -format '%[EXIF:Orientation]' "$tmp/exif6.jpg" 2>&1)" 6
upload "$tmp/exif6.jpg" "$sku"
check_eq "EXIF-rotated face photo is 303" "$code" 303
check_eq "EXIF orientation applied before storing" \
	"$(sql "SELECT width, height FROM uploads WHERE token = '$(token_of_location)'" | tr '\t' 'x')" 210x250

# Stored bytes are bounded: a 0.8 MP face photo padded with 14 MB of 0xFF
# fill bytes before its EOI is stored without the fill, well under 2 MB.
convert "$photo" -gravity center -crop 200x250+0+0 +repage -resize 800x1000 \
	-strip -quality 92 "$tmp/big.jpg" 2>>"$work/convert.err"
python3 - "$tmp/big.jpg" "$tmp/padded.jpg" <<'EOF'
import sys
jpg = open(sys.argv[1], 'rb').read()
assert jpg[-2:] == b'\xff\xd9'
open(sys.argv[2], 'wb').write(jpg[:-2] + b'\xff' * (14 << 20) + jpg[-2:])
EOF
upload "$tmp/padded.jpg" "$sku"
check_eq "a padded 0.8 MP face photo is 303" "$code" 303
big=$(token_of_location)
check_eq "the padded photo is stored at its size" \
	"$(sql "SELECT width, height FROM uploads WHERE token = '$big'" | tr '\t' 'x')" 800x1000
stored=$(sql "SELECT LENGTH(bytes) FROM uploads WHERE token = '$big'")
check_eq "the padded photo is stored without its fill, at most 2 MB ($stored bytes)" \
	"$(( ${stored:-0} > 0 && ${stored:-0} <= $(stat -c %s "$tmp/big.jpg") && ${stored:-0} <= 2097152 ))" 1
rm -f "$tmp/padded.jpg"

# No face: a blank grey photo; counted, not kept.
python3 - "$tmp/blank.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 64, 48
raw = b''.join(b'\0' + b'\x80\x80\x80' * w for _ in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR',
    struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
EOF
nu=$(sql "SELECT COUNT(*) FROM uploads")
upload "$tmp/blank.png" "$sku"
check_eq "no face is 422" "$code" 422
check_grep "no-face page says so" "couldn't find a face" "$tmp/body"
check_grep "no-face page has tips" 'Tips for a great try-on photo' "$tmp/body"
check_grep "no-face page says the photo was not kept" 'id="not-kept"' "$tmp/body"
check_eq "no-face page has nothing to delete" "$(token_of_body)" ""
check_eq "no-face upload not kept" "$(sql "SELECT COUNT(*) FROM uploads")" $nu
check_eq "no detection row without a photo" \
	"$(sql "SELECT COUNT(*) FROM detections WHERE faces = 0")" 0

# Delete: the CSRF token is required, then everything derived goes.
http --data "csrf=forged" "${url}t/$tok/delete"
check_eq "delete with a bad CSRF token is 403" "$code" 403
http --data "" "${url}t/$tok/delete"
check_eq "delete without a CSRF token is 403" "$code" 403
http -H "Origin: http://evil.example" --data "csrf=$csrf" "${url}t/$tok/delete"
check_eq "cross-site delete is 403" "$code" 403
check_eq "still there after refused deletes" "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tok'")" 1
uid=$(sql "SELECT id FROM uploads WHERE token = '$tok'")
http --data "csrf=$csrf" "${url}t/$tok/delete"
check_eq "delete is 303" "$code" 303
check_eq "delete goes home" "$(header Location)" "/?deleted=1"
check_eq "upload row gone" "$(sql "SELECT COUNT(*) FROM uploads WHERE token = '$tok'")" 0
check_eq "detections gone" "$(sql "SELECT COUNT(*) FROM detections WHERE upload_id = $uid")" 0
check_eq "detection faces gone" "$(sql "SELECT COUNT(*) FROM detection_faces f LEFT JOIN detections d ON d.id = f.detection_id WHERE d.id IS NULL")" 0
check_eq "try-ons gone" "$(sql "SELECT COUNT(*) FROM tryons WHERE upload_id = $uid")" 0
check_eq "the click stays, without the token" \
	"$(sql "SELECT COUNT(*) FROM clicks WHERE upload_token = '$tok'")" 0
http "${url}t/$tok"
check_eq "deleted try-on is 404" "$code" 404
http "${url}t/$tok/$sku.jpg"
check_eq "deleted render is 404" "$code" 404
http --data "csrf=$csrf" "${url}t/$tok/delete"
check_eq "deleting twice is 404" "$code" 404
http "${url}?deleted=1"
check_grep "home page confirms the delete" 'have been deleted' "$tmp/body"

http -u "admin:test-admin-pw" "${url}admin/"
check_eq "/admin/ counters" "$code" 200
check_grep "/admin/ counts try-ons" 'id="kpi-tryons">[1-9]' "$tmp/body"
same_workers "success path"

# ---- Phase 4: the database goes away and comes back ----

if [ $db_started = 1 ]; then
	"$root/scripts/db.sh" stop >/dev/null 2>&1
	http "${url}healthz"
	check_eq "DB down: /healthz is 503" "$code" 503
	check_grep "DB down: /healthz says why" '^unavailable: database' "$tmp/body"
	http "${url}t/$tok2"
	check_eq "DB down: result page is 503" "$code" 503
	check_grep "DB down: 503 page is HTML from the template" 'Service Unavailable' "$tmp/body"
	upload "$photo" "$sku"
	check_eq "DB down: POST /tryon is 503" "$code" 503
	http -H 'Accept: application/json' "${url}t/$tok2"
	check_grep "DB down: JSON 503" '^\{"error":\{"code":"unavailable"' "$tmp/body"
	"$root/scripts/db.sh" start >/dev/null 2>&1 || bail "MariaDB did not come back"
	sleep 1.2	# the workers retry a lost server once a second
	http "${url}healthz"
	check_eq "DB back: /healthz is 200" "$code" 200
	http "${url}t/$tok2"
	check_eq "DB back: result page works again" "$code" 200
	upload "$photo" "$sku"
	check_eq "DB back: POST /tryon works again" "$code" 303
	same_workers "DB restart"
else
	echo "# skip the DB-down phase: MariaDB was already running before this test"
fi

finish
