#!/bin/bash
# test_headers.sh: the security headers of every kind of response, cookies,
# what an uploaded file can become when it is served back, the upload
# tokens, and what the pages never say; through the real stack (a web
# server, the FastCGI worker, a private MariaDB), with curl.
#
#   tests/integration/test_headers.sh
#
# Environment:
#   FF_BUILD_DIR   where `make` built cgi-bin/framefit.fcgi and src/framefit
#                  (default: the source tree)
#   FF_FACES       the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS the model directory (default <repo>/models when trained)
#   FF_WEB_SERVER  lighttpd (default), apache-fcgid or apache-proxy
#   KEEP=1         leave the servers running at the end
#
# What it checks:
#   1. Every response (pages, the redirect, renders, 304, no-face 422,
#      errors 404/405/413/415, /healthz, thumbnails, static files the web
#      server sends itself, the API and its errors, the admin pages with
#      the password and the server's 401 without it) carries one
#      Content-Security-Policy, the same everywhere, with frame-ancestors
#      and no 'unsafe-inline' or 'unsafe-eval'; X-Content-Type-Options:
#      nosniff; a Referrer-Policy that keeps result tokens in; and the
#      Content-Type of its kind. No HTML page has an inline script unless
#      the policy names its hash, nor an inline event handler.
#   2. Cookies: framefit sets none (its CSRF token is an HMAC in the form,
#      not a cookie), over plain HTTP or behind a proxy that says https;
#      any Set-Cookie would have to be HttpOnly, SameSite and, on https,
#      Secure.
#   3. An uploaded JPEG carrying HTML and script (in a comment segment, in
#      EXIF and after its end) comes back only as a re-encoded image/jpeg
#      without those bytes, from the web page and from the API, and is
#      stored without them.
#   4. Upload tokens: 50 of them are 32 base64url characters (192 bits),
#      distinct, unrelated (neighbours differ in about half their bits);
#      a wrong token of the right shape is a 404 like any other, in the
#      same time as one a character away from a real token, and the delete
#      form's CSRF check answers the same for a real and a made-up token.
#   5. No response body of this test names internals (SQL, the database,
#      errno, stack traces).
#   6. Embedding (docs/EMBED.md): without FF_EMBED_ORIGINS every response
#      has frame-ancestors 'none' and X-Frame-Options: DENY (1.), and
#      embed=1 changes nothing; a bad list stops web.sh's start; with a
#      list, the shop's pages (index, the 303, result, no-face, errors)
#      name those origins and send no X-Frame-Options, while /admin/ (the
#      worker's and the server's 401), /api/ and the static files keep
#      'none'; the embedded layout (embed=1 or Sec-Fetch-Dest: iframe)
#      has no header and loads embed.js, and embed=1 travels through the
#      form, its 303 and the frame links; a return URL becomes "Back to
#      the product" only on a listed origin or a frame's shop origin.
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env headers framefit_headertest
export FF_API_RATE=0

http_timeout=30

leak_re='SQL|syntax|mysql|MariaDB|errno|Traceback|at line|Segmentation|core dumped'

# lib.sh's http keeps every head (for the cookie search) and every text
# body (for the leak search).
http_heads=1
http_bodies='^text/|json|svg'
headers_named() {	# how many header lines named $1 the last response had
	grep -ci "^$1:" "$tmp/head"
}

# The policy every response must carry: the first one seen (GET /).
csp_ref=

# sec NAME: the security headers of the last response.
sec() {
	local name=$1 csp why= rp
	csp=$(header Content-Security-Policy)
	if [ -z "$csp" ]; then
		why="no Content-Security-Policy"
	elif [ "$(headers_named Content-Security-Policy)" != 1 ]; then
		why="$(headers_named Content-Security-Policy) Content-Security-Policy headers"
	else
		case $csp in
		*unsafe-inline*|*unsafe-eval*) why="CSP allows inline script: $csp" ;;
		*frame-ancestors*) ;;
		*) why="CSP without frame-ancestors: $csp" ;;
		esac
		case $csp in
		*"script-src "*|*"default-src 'none'"*) ;;
		*) why="${why:+$why; }CSP does not restrict scripts: $csp" ;;
		esac
		[ -z "$csp_ref" ] && csp_ref=$csp
		[ "$csp" = "$csp_ref" ] || why="${why:+$why; }CSP differs from the pages': $csp"
	fi
	[ "$(header X-Content-Type-Options)" = nosniff ] ||
		why="${why:+$why; }X-Content-Type-Options '$(header X-Content-Type-Options)'"
	rp=$(header Referrer-Policy)
	case $rp in
	no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin) ;;
	*) why="${why:+$why; }Referrer-Policy '$rp'" ;;
	esac
	if [ -z "$why" ]; then ok "$name: security headers"; else nok "$name: security headers" "$why"; fi
}

# page NAME STATUS CTYPE-REGEX [curl args...]: fetch, check status, type
# and headers; HTML bodies are also checked for inline script.
page() {
	local name=$1 want=$2 ctype=$3
	shift 3
	http "$@"
	check_eq "$name: status" "$code" "$want"
	if [ -n "$ctype" ]; then
		check_re "$name: Content-Type" "$(header Content-Type)" "$ctype"
	fi
	sec "$name"
	case $(header Content-Type) in
	text/html*) inline_script "$name" ;;
	esac
}

# No inline <script> unless the policy carries its sha256 hash; no event
# handler attributes, no javascript: URLs (CSP would block them; a page
# relying on them is broken, one producing them from input is worse).
inline_script() {
	local why
	why=$(python3 - "$tmp/body" "$(header Content-Security-Policy)" <<'EOF'
import base64, hashlib, re, sys
html = open(sys.argv[1], encoding='utf-8', errors='replace').read()
csp = sys.argv[2]
bad = []
for m in re.finditer(r'<script\b([^>]*)>(.*?)</script\s*>', html, re.S | re.I):
    attrs, body = m.group(1), m.group(2)
    if re.search(r'\bsrc\s*=', attrs, re.I) and not body.strip():
        continue
    h = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    if "'sha256-%s'" % h not in csp:
        bad.append('inline script without its hash in the CSP')
if re.search(r'<[a-z][^>]*\son[a-z]+\s*=', html, re.I):
    bad.append('an inline event handler')
if re.search(r'(href|src|action)\s*=\s*["\']?\s*javascript:', html, re.I):
    bad.append('a javascript: URL')
print('; '.join(bad))
EOF
)
	if [ -z "$why" ]; then ok "$1: no inline script"; else nok "$1: no inline script" "$why"; fi
}

# ---- Setup ----

url=
case $server in
lighttpd) command -v lighttpd >/dev/null || bail "lighttpd is not installed" ;;
apache-*) command -v apache2 >/dev/null || bail "apache2 is not installed" ;;
*) bail "FF_WEB_SERVER must be lighttpd, apache-fcgid or apache-proxy" ;;
esac
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
command -v convert >/dev/null || bail "ImageMagick (convert) is not installed"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
[ -x "$cli" ] || bail "no $cli: build it first (make; FF_BUILD_DIR names the build)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
[ -r "$photo" ] || bail "no face photos under $faces"

mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
: >"$tmp/bodies.txt"
: >"$tmp/heads.txt"
rm -f "$work/log/"*.log

pick_models
echo "# models: $models (trained weights: $trained)"
db_fresh
"$bin" --migrate >>"$work/web.out" 2>&1 || bail "migrations failed; see $work/web.out"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
[ -n "$sku" ] || bail "no catalog"
key=$("$cli" apikey create "header test" --rate 0 2>>"$work/web.out")
[ -n "$key" ] || bail "no API key"

export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
echo "# $server on $url"
web_start "$bin" "$models" || bail "$server did not start; see $work/web.out"

# ---- 1. Every kind of response ----

page "GET /" 200 '^text/html; charset=utf-8$' "${url}"
echo "# the policy: $csp_ref"
check_eq "no FF_EMBED_ORIGINS: frame-ancestors 'none'" "${csp_ref##*; }" "frame-ancestors 'none'"
check_eq "no FF_EMBED_ORIGINS: X-Frame-Options" "$(header X-Frame-Options)" DENY
page "no FF_EMBED_ORIGINS: GET /?embed=1" 200 '^text/html' "${url}?frame=$sku&embed=1"
check_grep "no FF_EMBED_ORIGINS: embed=1 keeps the header" '<header class="site"' "$tmp/body"
check_nogrep "no FF_EMBED_ORIGINS: embed=1 loads no embed.js" 'embed\.js' "$tmp/body"
check_eq "no FF_EMBED_ORIGINS: embed=1: X-Frame-Options" "$(header X-Frame-Options)" DENY
upload "$photo" "$sku"
check_eq "POST /tryon: status" "$code" 303
sec "POST /tryon (303)"
tok=$(token_of_location)
page "GET /t/{token}" 200 '^text/html' "${url}t/$tok"
page "GET /t/{token}?frame=" 200 '^text/html' "${url}t/$tok?frame=$sku"
page "render" 200 '^image/jpeg$' "${url}t/$tok/$sku.jpg"
check_eq "render: it is a JPEG" "$(file -b --mime-type "$tmp/body")" image/jpeg
# A deleted photo must not stay in the browser's disk cache.
check_eq "render: Cache-Control" "$(header Cache-Control)" "private, no-store"
etag=$(header ETag)
page "render download" 200 '^image/jpeg$' "${url}t/$tok/$sku.jpg?download=1"
check_re "render download: an attachment" "$(header Content-Disposition)" '^attachment; filename="framefit-[A-Za-z0-9-]+\.jpg"$'
page "render 304" 304 '' -H "If-None-Match: $etag" "${url}t/$tok/$sku.jpg"

python3 - "$tmp/blank.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h = 64, 48
raw = b''.join(b'\0' + b'\x80\x80\x80' * w for _ in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR',
    struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
EOF
page "no face (422)" 422 '^text/html' -F "photo=@$tmp/blank.png" -F "frame=$sku" "${url}tryon"
page "404 page" 404 '^text/html' "${url}no/such/page"
page "404 as JSON" 404 '^application/json' -H 'Accept: application/json' "${url}no/such/page"
head -c 16000000 /dev/zero >"$tmp/big.bin"
page "413 page" 413 '^text/html' -F "photo=@$tmp/big.bin" -F "frame=$sku" "${url}tryon"
rm -f "$tmp/big.bin"
printf '<html><script>alert(1)</script></html>\n' >"$tmp/page.html"
page "415 page (HTML sent as a photo)" 415 '^text/html' -F "photo=@$tmp/page.html;type=image/jpeg" -F "frame=$sku" "${url}tryon"
page "405 page" 405 '^text/html' "${url}tryon"
page "/healthz" 200 '^text/plain' "${url}healthz"
page "thumbnail" 200 '^image/png$' "${url}thumb/$sku.png"
page "static app.css" 200 '^text/css' "${url}static/app.css"
page "static app.js" 200 '^text/javascript' "${url}static/app.js"
page "static favicon.svg" 200 '^image/svg\+xml' "${url}static/favicon.svg"
page "API frames" 200 '^application/json' -H "Authorization: Bearer $key" "${url}api/v1/frames"
page "API detect" 200 '^application/json' -H "Authorization: Bearer $key" \
	-H 'Content-Type: image/jpeg' --data-binary "@$photo" "${url}api/v1/detect"
page "API tryon" 200 '^image/jpeg$' -H "Authorization: Bearer $key" \
	-H 'Content-Type: image/jpeg' --data-binary "@$photo" "${url}api/v1/tryon?frame=$sku"
check_eq "API tryon: Cache-Control" "$(header Cache-Control)" "no-store"
page "API without a key (401)" 401 '^application/json' "${url}api/v1/frames"
page "API unknown frame (404)" 404 '^application/json' -H "Authorization: Bearer $key" \
	-H 'Content-Type: image/jpeg' --data-binary "@$photo" "${url}api/v1/tryon?frame=NO-SUCH-SKU"
page "admin without the password (the server's 401)" 401 '' "${url}admin/"
admin=(-u "admin:test-admin-pw")
page "admin reports" 200 '^text/html' "${admin[@]}" "${url}admin/"
page "admin catalog" 200 '^text/html' "${admin[@]}" "${url}admin/catalog/"
page "admin models" 200 '^text/html' "${admin[@]}" "${url}admin/models/"
page "admin retention" 200 '^text/html' "${admin[@]}" "${url}admin/retention/"
page "admin chart (SVG)" 200 '^image/svg\+xml' "${admin[@]}" "${url}admin/chart/tryons_by_day.svg"
page "admin export (CSV)" 200 '^text/csv' "${admin[@]}" "${url}admin/export/frames.csv"
page "admin preview" 200 '^image/png$' "${admin[@]}" "${url}admin/catalog/$sku/preview.png"
page "admin css" 200 '^text/css' "${admin[@]}" "${url}admin/static/admin.css"
page "admin 404" 404 '^text/html' "${admin[@]}" "${url}admin/no-such-page"

# ---- 2. Cookies ----

# Behind a TLS-terminating proxy (X-Forwarded-Proto) and as the FastCGI
# HTTPS parameter would say it: framefit decides nothing by https, since
# it sets no cookie.
http -H 'X-Forwarded-Proto: https' "${url}t/$tok"
http -H 'X-Forwarded-Proto: https' -F "photo=@$photo" -F "frame=$sku" "${url}tryon"
if grep -qi '^Set-Cookie:' "$tmp/heads.txt"; then
	bad=$(grep -i '^Set-Cookie:' "$tmp/heads.txt" | grep -vi 'HttpOnly' ; \
	      grep -i '^Set-Cookie:' "$tmp/heads.txt" | grep -vi 'SameSite')
	[ -z "$bad" ] && ok "cookies are HttpOnly and SameSite" || nok "cookies are HttpOnly and SameSite" "$bad"
else
	ok "no response sets a cookie ($(grep -c '^HTTP/' "$tmp/heads.txt") responses)"
fi

# ---- 3. An upload with HTML and script inside comes back only as pixels ----

python3 - "$photo" "$tmp/payload.jpg" <<'EOF'
import struct, sys
jpg = open(sys.argv[1], 'rb').read()
assert jpg[:2] == b'\xff\xd8' and jpg.rstrip(b'\0')[-2:] == b'\xff\xd9'
com = b'<html><script>alert("ffpayload-com")</script></html>'
# A valid big-endian TIFF in APP1 "Exif": IFD0 with Orientation 1 and an
# ImageDescription (ASCII) that is HTML.
desc = b'<script src="//evil.example/ffpayload-exif.js"></script>\0'
ifd_len = 2 + 2 * 12 + 4
desc_off = 8 + ifd_len
tiff = b'MM\x00\x2a' + struct.pack('>I', 8) + struct.pack('>H', 2) + \
    struct.pack('>HHIHH', 0x0112, 3, 1, 1, 0) + \
    struct.pack('>HHII', 0x010e, 2, len(desc), desc_off) + struct.pack('>I', 0) + desc
app1 = b'Exif\x00\x00' + tiff
tail = b'<html><body><script>alert("ffpayload-tail")</script></body></html>\n'
out = jpg[:2] + b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1 + \
    b'\xff\xfe' + struct.pack('>H', len(com) + 2) + com + jpg[2:] + tail
open(sys.argv[2], 'wb').write(out)
EOF
check_eq "payload photo: still a JPEG to file(1)" "$(file -b --mime-type "$tmp/payload.jpg")" image/jpeg
check_eq "payload photo: carries three payloads" "$(grep -ao 'ffpayload-[a-z]*' "$tmp/payload.jpg" | sort -u | tr '\n' ' ')" \
	"ffpayload-com ffpayload-exif ffpayload-tail "
upload "$tmp/payload.jpg" "$sku"
check_eq "payload photo: POST /tryon is 303" "$code" 303
ptok=$(token_of_location)
page "payload render" 200 '^image/jpeg$' "${url}t/$ptok/$sku.jpg"
check_eq "payload render: a JPEG" "$(file -b --mime-type "$tmp/body")" image/jpeg
check_eq "payload render: none of the payload's bytes" "$(grep -aic 'ffpayload\|<script\|<html' "$tmp/body")" 0
page "payload render download" 200 '^image/jpeg$' "${url}t/$ptok/$sku.jpg?download=1"
check_eq "payload download: none of the payload's bytes" "$(grep -aic 'ffpayload\|<script\|<html' "$tmp/body")" 0
page "payload result page" 200 '^text/html' "${url}t/$ptok"
check_eq "payload result page: no payload" "$(grep -aic 'ffpayload' "$tmp/body")" 0
page "payload via the API" 200 '^image/jpeg$' -H "Authorization: Bearer $key" \
	-H 'Content-Type: image/jpeg' --data-binary "@$tmp/payload.jpg" "${url}api/v1/tryon?frame=$sku"
check_eq "payload via the API: none of the payload's bytes" "$(grep -aic 'ffpayload\|<script\|<html' "$tmp/body")" 0
check_eq "payload: the stored photo has none of it" \
	"$(sql "SELECT LOCATE('ffpayload', bytes) + LOCATE('<script', bytes) FROM uploads WHERE token = '$ptok'")" 0

# ---- 4. Tokens ----

: >"$tmp/tokens"
for i in $(seq 50); do
	upload "$photo" "$sku"
	[ "$code" = 303 ] && token_of_location >>"$tmp/tokens"
done
check_eq "tokens: 50 uploads gave 50 tokens" "$(wc -l <"$tmp/tokens")" 50
res=$(python3 - "$tmp/tokens" <<'EOF'
import base64, re, sys
toks = [t.strip() for t in open(sys.argv[1]) if t.strip()]
shape = all(re.fullmatch(r'[A-Za-z0-9_-]{32}', t) for t in toks)
bits = [int.from_bytes(base64.urlsafe_b64decode(t), 'big') for t in toks]
dist = [bin(a ^ b).count('1') for a, b in zip(bits, bits[1:])]
ones = sum(bin(b).count('1') for b in bits) / (192.0 * len(bits))
print('shape=%d distinct=%d bits=%d mindist=%d ones=%.3f' % (shape, len(set(toks)),
      len(base64.urlsafe_b64decode(toks[0])) * 8, min(dist), ones))
EOF
)
echo "# tokens: $res"
check_re "tokens: 32 base64url characters each" "$res" 'shape=1 '
check_re "tokens: all distinct" "$res" 'distinct=50 '
check_re "tokens: 192 bits (>= 128)" "$res" 'bits=192 '
# Independent 192-bit values differ in 96 bits on average (sd 7):
# fewer than 48 would be 7 sd off, i.e. related tokens.
mind=$(echo "$res" | sed -n 's/.*mindist=\([0-9]*\).*/\1/p')
[ "${mind:-0}" -ge 48 ] && ok "tokens: neighbours differ in many bits (at least $mind of 192)" ||
	nok "tokens: neighbours differ in many bits" "$mind"
check_re "tokens: half their bits are ones" "$res" 'ones=0\.(4[6-9]|5[0-4])'

# A wrong token of the right shape is a 404 like any other.
real=$(head -n 1 "$tmp/tokens")
near=${real%?}$([ "${real: -1}" = A ] && echo B || echo A)
rand=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
page "wrong token (random)" 404 '^text/html' "${url}t/$rand"
sed 's/[0-9a-f]\{8\}//g' "$tmp/body" >"$tmp/404-random"
page "wrong token (one character off a real one)" 404 '^text/html' "${url}t/$near"
sed 's/[0-9a-f]\{8\}//g' "$tmp/body" >"$tmp/404-near"
check_eq "wrong tokens: the same page, whatever the token" \
	"$(cmp -s "$tmp/404-random" "$tmp/404-near" && echo same || echo differ)" same
check_eq "wrong tokens: the page does not echo the token" "$(grep -c "$near" "$tmp/body")" 0
http "${url}t/$near/$sku.jpg"
check_eq "wrong token: render is 404" "$code" 404
http "${url}t/${real:0:31}"
check_eq "a token one character short is 404" "$code" 404
# Timing: alternate the two kinds, 15 each; the medians must agree.
for i in $(seq 15); do
	rand=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
	curl -s -o /dev/null -w '%{time_total} r\n' "${url}t/$rand" >>"$tmp/times"
	curl -s -o /dev/null -w '%{time_total} n\n' "${url}t/$near" >>"$tmp/times"
done
diffms=$(awk '{ v[$2] = v[$2] " " $1 } END {
	for (k in v) { n = split(v[k], a, " "); asort(a); m[k] = a[int((n + 1) / 2)] }
	d = (m["r"] - m["n"]) * 1000; if (d < 0) d = -d; printf "%.2f", d }' "$tmp/times")
echo "# wrong tokens: medians differ by $diffms ms (random vs one character off)"
if awk -v d="$diffms" 'BEGIN { exit !(d < 5) }'; then
	ok "wrong tokens: no timing difference (${diffms} ms)"
else
	nok "wrong tokens: no timing difference" "${diffms} ms"
fi
# The delete form: the CSRF check comes first, so a made-up token and a
# real one get the same 403 (no way to test whether a token exists).
http --data "csrf=forged" "${url}t/$real/delete"
c1=$code
http --data "csrf=forged" "${url}t/$rand/delete"
check_eq "delete with a forged CSRF: same answer for a real and a made-up token" "$c1 $code" "403 403"

# ---- 6. Embedding on the shop's product pages ----

# A bad list stops the start, saying which entry and why.
web_stop
bad_out=$(FF_EMBED_ORIGINS="https://shop.example/products" FF_FCGI_BIN=$bin \
	FF_MODELS_DIR=$models "$root/scripts/web.sh" start "$server" 2>&1)
check_eq "embed: a path in FF_EMBED_ORIGINS stops web.sh's start" "$?" 1
check_re "embed: the start says which entry" "$bad_out" \
	'FF_EMBED_ORIGINS: "https://shop\.example/products" is not an origin'
"$root/scripts/web.sh" stop "$server" >>"$work/web.out" 2>&1

# The catalog's shop links are on https://shop.example (sql/002); the
# list names two other origins, one written unnormalised.
host_origin="http://localhost:$(free_port)"
export FF_EMBED_ORIGINS="$host_origin  HTTPS://www.Shop.Example:443"
web_start "$bin" "$models" || bail "$server did not start with FF_EMBED_ORIGINS; see $work/web.out"
fa_list="frame-ancestors $host_origin https://www.shop.example"
# The last body with its character references decoded (the templates
# write '=' and '&' in attributes as references), for the greps.
unesc() {
	python3 -c 'import html, sys; sys.stdout.write(html.unescape(open(sys.argv[1], encoding="utf-8", errors="replace").read()))' \
		"$tmp/body" >"$tmp/body.txt"
}
# fa NAME shop|none [curl args...]: the framing headers of one response.
fa() {
	local name=$1 want=$2 csp
	shift 2
	http "$@"
	csp=$(header Content-Security-Policy)
	if [ "$want" = shop ]; then
		check_eq "embed: $name: frame-ancestors" "${csp##*; }" "$fa_list"
		check_eq "embed: $name: no X-Frame-Options" "$(header X-Frame-Options)" ""
	else
		check_eq "embed: $name: frame-ancestors" "${csp##*; }" "frame-ancestors 'none'"
		check_eq "embed: $name: X-Frame-Options" "$(header X-Frame-Options)" DENY
	fi
	check_eq "embed: $name: the rest of the policy" "${csp%%; frame-ancestors*}" \
		"${csp_ref%%; frame-ancestors*}"
	check_eq "embed: $name: one policy" "$(headers_named Content-Security-Policy)" 1
	unesc
}
fa "upload page" shop "${url}?frame=$sku&embed=1"
check_nogrep "embed: upload page: no header" '<header class="site"' "$tmp/body.txt"
check_nogrep "embed: upload page: no footer" '<footer class="site"' "$tmp/body.txt"
check_grep "embed: upload page: loads embed.js" '<script src="/static/embed.js" defer></script>' "$tmp/body.txt"
check_grep "embed: upload page: names the origins" "data-embed-origins=\"$host_origin https://www.shop.example\"" "$tmp/body.txt"
check_grep "embed: upload page: the form keeps embed=1" 'action="/tryon\?embed=1"' "$tmp/body.txt"
inline_script "embed: upload page"
fa "upload page without embed=1" shop "${url}?frame=$sku"
check_grep "embed: without embed=1 the header stays" '<header class="site"' "$tmp/body.txt"
check_nogrep "embed: without embed=1 no embed.js" 'embed\.js' "$tmp/body.txt"
fa "upload page in an iframe (Sec-Fetch-Dest)" shop -H 'Sec-Fetch-Dest: iframe' "${url}?frame=$sku"
check_nogrep "embed: Sec-Fetch-Dest: iframe: no header" '<header class="site"' "$tmp/body.txt"
fa "POST /tryon (303)" shop -F "photo=@$photo" -F "frame=$sku" "${url}tryon?embed=1"
check_eq "embed: POST /tryon: 303" "$code" 303
check_re "embed: the 303 keeps embed=1" "$(header Location)" '^/t/[A-Za-z0-9_-]{32}\?embed=1$'
etok=$(token_of_location)
fa "result page" shop "${url}t/$etok?embed=1"
check_grep "embed: result page: tells embed.js the SKU" "data-tryon-sku=\"$sku\" data-tryon-token=\"$etok\"" "$tmp/body.txt"
check_grep "embed: result page: frame links keep embed=1" "href=\"/t/$etok\?frame=[A-Za-z0-9-]+&embed=1\"" "$tmp/body.txt"
check_grep "embed: result page: the shop link opens in the top window" 'href="/go/[^"]*" target="_top"' "$tmp/body.txt"
check_nogrep "embed: result page: no return link without return=" 'back-to-product' "$tmp/body.txt"
fa "no face (422)" shop -F "photo=@$tmp/blank.png" -F "frame=$sku" "${url}tryon?embed=1"
check_eq "embed: no face: 422" "$code" 422
check_nogrep "embed: no face: no header" '<header class="site"' "$tmp/body.txt"
fa "404 page" shop "${url}no/such/page?embed=1"
check_nogrep "embed: 404 page: no header" '<header class="site"' "$tmp/body.txt"
check_grep "embed: 404 page: the way back keeps embed=1" 'href="/\?embed=1"' "$tmp/body.txt"
fa "render" shop "${url}t/$etok/$sku.jpg"
fa "admin reports" none "${admin[@]}" "${url}admin/"
fa "admin with embed=1" none "${admin[@]}" "${url}admin/?embed=1"
check_nogrep "embed: admin with embed=1: no embed.js" 'embed\.js' "$tmp/body.txt"
fa "admin 404" none "${admin[@]}" "${url}admin/no-such-page"
fa "admin without the password (the server's 401)" none "${url}admin/"
fa "API frames" none -H "Authorization: Bearer $key" "${url}api/v1/frames"
fa "API without a key (401)" none "${url}api/v1/frames"
fa "static app.css (the server's)" none "${url}static/app.css"
fa "static embed.js (the server's)" none "${url}static/embed.js"
check_re "embed: embed.js: Content-Type" "$(header Content-Type)" '^text/javascript'
check_grep "embed: embed.js: never posts to '*'" "postMessage\(msg, host\)" "$tmp/body.txt"

# The return URL: a link back only to the shop's own origins.
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
for ret in "https://www.shop.example/p/round?c=tortoise" "https://shop.example/frames/$sku"; do
	fa "return to $ret" shop "${url}t/$etok?return=$(enc "$ret")"
	check_grep "embed: return to $ret: Back to the product" \
		"id=\"back-to-product\" href=\"${ret//\?/\\?}\" target=\"_top\"" "$tmp/body.txt"
	check_grep "embed: return to $ret: the frame links keep it" \
		"\?frame=[A-Za-z0-9-]+&return=$(enc "$ret")\"" "$tmp/body.txt"
done
for ret in "https://evil.example/p" "http://www.shop.example/p" "https://www.shop.example.evil.example/" \
    "https://www.shop.example@evil.example/" "//evil.example/p" "javascript:alert(1)"; do
	fa "return to $ret" shop "${url}t/$etok?return=$(enc "$ret")"
	check_nogrep "embed: return to $ret: no link back" 'back-to-product' "$tmp/body.txt"
	# It may travel on, encoded, to our own pages, which check it again.
	check_nogrep "embed: return to $ret: not linked" 'href="(https?:|javascript:)?//[^"]*evil\.example|href="javascript' "$tmp/body.txt"
done
# Through the form and its 303 (link mode, no iframe).
ret="https://www.shop.example/p/1"
http -F "photo=@$photo" -F "frame=$sku" "${url}tryon?return=$(enc "$ret")"
check_eq "embed: POST /tryon with return=: 303" "$code" 303
check_eq "embed: the 303 keeps the return URL" "$(header Location | sed 's|^/t/[^?]*||')" "?return=$(enc "$ret")"

# ---- 5. Nothing internal in any body ----

check_nogrep "no response body names internals" "$leak_re" "$tmp/bodies.txt"
check_nogrep "no stack trace or source position in any body" '\.c:[0-9]+|0x[0-9a-f]{8,}' "$tmp/bodies.txt"

finish
