#!/bin/bash
# test_feed.sh: the catalog imported from the shop's product feed (Google
# Merchant Center format; src/app/feed.h), end to end: the admin's
# "Import feed" page through lighttpd and the FastCGI workers, and
# `framefit import-feed` (the nightly sync), against a private MariaDB.
#
#   tests/integration/test_feed.sh
#
# Environment: FF_BUILD_DIR, FF_TEST_MODELS, KEEP=1 as for test_admin.sh.
# State goes to var/test-feed (database framefit_feedtest). Phases:
#   1. a tab-separated feed with good rows (one with every size, two
#      flagged for staff) and bad ones (price, id, link, a repeated id),
#      uploaded on the admin page: the counts on the page and in the
#      database, each bad row by its line and reason; the same upload
#      again changes nothing; without a CSRF token nothing is imported;
#   2. an RSS feed with g: attributes by the command line: a new frame and
#      a changed price, the counts, then again (0 added, 0 changed); a
#      feed that is not well-formed XML changes nothing (exit 1);
#   3. the shop: the complete frames are on sale in every worker, the
#      flagged ones are not (index page, API, thumbnail); the admin lists
#      the flagged ones, and every admin page of a flagged frame works
#      (its form without a preview, the preview's 404, retire, restore
#      refused with what to do); `framefit batch --frame` refuses a
#      flagged frame at start; once staff fill in the sizes the shop
#      shows it;
#   4. availability and sale_price: an out-of-stock frame stays in the
#      shop, said to be out of stock; a sale shows the price struck
#      through, in the frame's currency, in the shop and the API; again
#      changes nothing; a feed that stops saying them clears them.
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env feed framefit_feedtest
# Workers follow catalog changes made elsewhere (the CLI) within a second.
export FF_MODEL_CHECK_S=1
keep_note="(admin / $FF_ADMIN_PASSWORD)"

admin() {	# admin PATH [curl args...]: as the logged-in admin
	local p=$1
	shift
	http -u "$FF_ADMIN_USER:$FF_ADMIN_PASSWORD" "$@" "${url}${p#/}"
}
csrf_of_page() {	# the CSRF token of the last page's forms
	sed -n 's|.*name="csrf" value="\([A-Za-z0-9_-]*\)".*|\1|p' "$tmp/body" | head -n 1
}
kpi() {	# the text of the element with id $1 on the last page
	sed -n "s|.*id=\"$1\"[^>]*>\([^<]*\)<.*|\1|p" "$tmp/body" | head -n 1
}

command -v lighttpd >/dev/null || bail "lighttpd is not installed"
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
command -v htpasswd >/dev/null || bail "apache2-utils (htpasswd) is not installed"
for f in "$bin" "$cli"; do
	[ -x "$f" ] || bail "no $f: build it first (make; FF_BUILD_DIR names the build)"
done
mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
rm -f "$work/log/"*.log "$work/admin.htpasswd"
pick_models
db_fresh
"$bin" --migrate >"$work/migrate.out" 2>&1 || bail "migrations failed; see $work/migrate.out"
seed=$(sql "SELECT COUNT(*) FROM frames")
export PORT=$(free_port)
url="http://127.0.0.1:$PORT/"
web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
echo "# lighttpd on $url, $seed frames seeded"

# ---- Phase 1: the admin's upload ----

tab=$'\t'
feed1=$work/feed1.tsv
{
	printf 'id\ttitle\tlink\timage_link\tprice\tbrand\tsize\tproduct_detail\n'
	printf 'T-1\tFeed Round\thttps://shop.example/p/t1\thttps://img.example/t1.jpg\t129.00 EUR\tMarlowe\t47-21-145\tFrame:Lens height:42 mm,Frame:Frame width:140 mm,Frame:Shape:Round\n'
	printf 'T-2\tFeed Boxing Only\thttps://shop.example/p/t2\t\t99.00 EUR\tMarlowe\t52\xe2\x96\xa118 140\tFrame:Shape:Oval\n'
	printf 'T-3\tFeed No Sizes\thttps://shop.example/p/t3\t\t10.00 EUR\tMarlowe\t\t\n'
	printf 'T-4\tFeed Bad Price\thttps://shop.example/p/t4\t\t12,00 EUR\tMarlowe\t\t\n'
	printf 'T 5\tFeed Bad Id\thttps://shop.example/p/t5\t\t1.00 EUR\tMarlowe\t\t\n'
	printf 'T-6\tFeed Bad Link\tftp://shop.example/p/t6\t\t1.00 EUR\tMarlowe\t\t\n'
	printf 'T-1\tFeed Twice\thttps://shop.example/p/t1\t\t1.00 EUR\tMarlowe\t\t\n'
} >"$feed1"

admin /admin/catalog/import/
check_eq "the import page is there for the admin" "$code" 200
csrf=$(csrf_of_page)
check_eq "its form carries a 43-character CSRF token" "${#csrf}" 43
admin /admin/catalog/import/ -F "feed=@$feed1;type=text/tab-separated-values"
check_eq "an upload without a CSRF token is refused" "$code" 403
check_eq "... and imports nothing" "$(sql "SELECT COUNT(*) FROM frames WHERE sku LIKE 'T-%'")" 0

admin /admin/catalog/import/ -F "csrf=$csrf" -F "feed=@$feed1;type=text/tab-separated-values"
check_eq "upload: 200 (bad rows do not fail the import)" "$code" 200
check_eq "upload: the summary" "$(kpi import-summary)" \
	"7 rows: 3 added, 0 changed, 0 unchanged, 4 bad; 2 flagged for staff; $seed frames of the catalog not in the feed left as they are."
check_eq "upload: added on the page" "$(kpi n-added)" 3
check_eq "upload: bad on the page" "$(kpi n-bad)" 4
check_grep "upload: line 5, the bad price, with its reason" \
	"<td class=\"num\">5</td><td><code>T-4</code></td>.*The price &#39;12,00 EUR&#39; is not an amount" "$tmp/body"
check_grep "upload: line 6, the id that cannot be a SKU" \
	"<td class=\"num\">6</td>.*The id must be letters, digits and hyphens" "$tmp/body"
check_grep "upload: line 7, the link" \
	"<td class=\"num\">7</td>.*must be an http:// or https:// address" "$tmp/body"
check_grep "upload: line 8, the id again" \
	"<td class=\"num\">8</td>.*The id T-1 appears again: line 2 has it" "$tmp/body"
check_grep "upload: line 3 flagged, with what is missing" \
	"<td class=\"num\">3</td>.*Flagged for staff: the feed gives no lens height, total width" "$tmp/body"
check_grep "upload: line 3's oval shape, drawn as round, says so" \
	"<td class=\"num\">3</td><td><code>T-2</code></td><td><span class=\"tag\">note</span></td><td>The catalog has no &#39;Oval&#39; shape: the frame is drawn as round, the nearest it has\. Flagged for staff" "$tmp/body"
check_eq "DB: T-2 is round" "$(sql "SELECT style FROM frames WHERE sku = 'T-2'")" round
check_eq "DB: the three good rows are frames" "$(sql "SELECT COUNT(*) FROM frames WHERE sku LIKE 'T-%'")" 3
check_eq "DB: the bad ones are not" "$(sql "SELECT COUNT(*) FROM frames WHERE sku IN ('T-4', 'T-6', 'T 5')")" 0
check_eq "DB: T-1 as the feed says" \
	"$(sql "SELECT name, price_cents, currency, style, lens_width_mm, bridge_mm, temple_mm, lens_height_mm, total_width_mm, image_url, needs_review FROM frames WHERE sku = 'T-1'" | tr '\t' ' ')" \
	"Feed Round 12900 EUR round 47.0 21.0 145.0 42.0 140.0 https://img.example/t1.jpg 0"
check_eq "DB: T-2 has the boxing size and is flagged" \
	"$(sql "SELECT lens_width_mm, bridge_mm, temple_mm, lens_height_mm, needs_review FROM frames WHERE sku = 'T-2'" | tr '\t' ' ')" \
	"52.0 18.0 140.0 NULL 1"
check_eq "DB: flagged frames" "$(sql "SELECT GROUP_CONCAT(sku ORDER BY sku) FROM frames WHERE needs_review = 1")" "T-2,T-3"
check_eq "DB: nothing else changed" "$(sql "SELECT COUNT(*) FROM frames")" $((seed + 3))

before=$(sql "SELECT n FROM change_counters WHERE name = 'catalog'")
admin /admin/catalog/import/ -F "csrf=$csrf" -F "feed=@$feed1"
check_eq "again: 200" "$code" 200
check_eq "again: nothing added or changed" "$(kpi import-summary)" \
	"7 rows: 0 added, 0 changed, 3 unchanged, 4 bad; 2 flagged for staff; $seed frames of the catalog not in the feed left as they are."
check_eq "again: no row was written (the catalog's change counter)" \
	"$(sql "SELECT n FROM change_counters WHERE name = 'catalog'")" "$before"

printf 'title,link\nx,https://shop.example/\n' >"$work/nohead.csv"
admin /admin/catalog/import/ -F "csrf=$csrf" -F "feed=@$work/nohead.csv"
check_eq "a feed without an id column: 400" "$code" 400
check_grep "... says why, and that nothing was imported" \
	"Nothing was imported: The first row must name the attributes .*there is no id column" "$tmp/body"

# ---- Phase 2: the command line (the nightly sync) ----

feed2=$work/feed2.xml
cat >"$feed2" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
<channel>
<title>The shop</title><link>https://shop.example/</link>
<item>
  <g:id>X-1</g:id>
  <title>Skyline Aviator</title>
  <link>https://shop.example/p/x1</link>
  <g:image_link>https://img.example/x1.jpg</g:image_link>
  <g:price>159.00 EUR</g:price>
  <g:brand>Northlight</g:brand>
  <g:size>58-14-140</g:size>
  <g:product_detail><g:section_name>Frame</g:section_name><g:attribute_name>Lens height</g:attribute_name><g:attribute_value>50 mm</g:attribute_value></g:product_detail>
  <g:product_detail><g:attribute_name>Frame width</g:attribute_name><g:attribute_value>140 mm</g:attribute_value></g:product_detail>
</item>
<item>
  <g:id>T-1</g:id>
  <title>Feed Round</title>
  <link>https://shop.example/p/t1</link>
  <g:image_link>https://img.example/t1.jpg</g:image_link>
  <g:price>119.00 EUR</g:price>
  <g:brand>Marlowe</g:brand>
</item>
</channel>
</rss>
EOF
out=$("$cli" import-feed "$feed2" 2>&1)
check_eq "CLI: exit 0" "$?" 0
check_eq "CLI: the summary" "$(echo "$out" | tail -n 1)" \
	"framefit import-feed: 2 items: 1 added, 1 changed, 0 unchanged, 0 bad; 0 flagged for staff; $((seed + 2)) frames of the catalog not in the feed left as they are."
check_eq "CLI: X-1 is a frame" \
	"$(sql "SELECT style, lens_width_mm, lens_height_mm, total_width_mm, needs_review FROM frames WHERE sku = 'X-1'" | tr '\t' ' ')" \
	"aviator 58.0 50.0 140.0 0"
check_eq "CLI: T-1's new price, its sizes kept" \
	"$(sql "SELECT price_cents, lens_height_mm, total_width_mm FROM frames WHERE sku = 'T-1'" | tr '\t' ' ')" "11900 42.0 140.0"
out=$("$cli" import-feed --quiet - <"$feed2" 2>&1)
check_eq "CLI again (from standard input): nothing to do" "$(echo "$out" | tail -n 1)" \
	"framefit import-feed: 2 items: 0 added, 0 changed, 2 unchanged, 0 bad; 0 flagged for staff; $((seed + 2)) frames of the catalog not in the feed left as they are."
head -c 600 "$feed2" >"$work/cut.xml"
n0=$(sql "SELECT COUNT(*) FROM frames")
out=$("$cli" import-feed "$work/cut.xml" 2>&1)
check_eq "CLI: a cut-off XML feed exits 1" "$?" 1
check_grep "... says it is not well-formed" "not well-formed XML" <(echo "$out")
check_eq "... and changes nothing" "$(sql "SELECT COUNT(*) FROM frames")" "$n0"

# ---- Phase 3: the shop and the admin ----

sleep 2	# FF_MODEL_CHECK_S: every worker has seen the CLI's changes
for i in 1 2 3 4; do	# the two workers, whichever answers
	http "$url"
	check_grep "shop ($i): T-1 is on sale" 'T-1' "$tmp/body"
	check_grep "shop ($i): X-1 (from the CLI) is on sale" 'X-1' "$tmp/body"
	check_nogrep "shop ($i): flagged T-2 is not shown" 'T-2' "$tmp/body"
	check_nogrep "shop ($i): flagged T-3 is not shown" 'T-3' "$tmp/body"
done
http "${url}thumb/T-2.png"
check_eq "shop: no thumbnail of a flagged frame" "$code" 404
http "${url}api/v1/frames" -H "Accept: application/json"
if [ "$code" = 200 ]; then
	check_nogrep "API: flagged frames are not listed" '"T-2"' "$tmp/body"
fi
admin /admin/catalog/import/
check_grep "admin: the import page lists T-2 as flagged" \
	'<tr><td><code>T-2</code></td><td>Feed Boxing Only</td><td>lens height, total width</td>' "$tmp/body"
check_grep "admin: ... and T-3, missing every size" \
	'<tr><td><code>T-3</code></td><td>Feed No Sizes</td><td>lens width, lens height, bridge, total width</td>' "$tmp/body"
admin /admin/catalog/
check_grep "admin: the catalog links to the import" 'href="/admin/catalog/import/"' "$tmp/body"
check_grep "admin: the catalog shows the flag" 'Feed Boxing Only.*needs sizes' "$tmp/body"
check_nogrep "admin: no preview asked for a flagged frame" 'src="/admin/catalog/T-2/preview.png"' "$tmp/body"
check_grep "admin: the catalog says what a flagged frame lacks" \
	'no lens width, lens height, bridge, total width' "$tmp/body"
check_grep "admin: the catalog shows T-1's price in euros" '<strong>€119.00</strong>' "$tmp/body"

# Every admin page of a flagged frame works.
admin /admin/catalog/T-3
check_eq "flagged: T-3's form is 200" "$code" 200
check_grep "flagged: a note instead of the preview" \
	'id="preview-missing" role="note">No preview yet: the feed gave no lens width, lens height, bridge, total width. Add the sizes to see a preview' "$tmp/body"
check_nogrep "flagged: the form asks for no preview" 'T-3/preview.png' "$tmp/body"
check_grep "flagged: the missing sizes are empty fields, not 0.0" 'name="lens_width_mm" value="" pattern=' "$tmp/body"
check_grep "flagged: the price in the feed's currency" '<label>Price, EUR <input type="text" inputmode="decimal" name="price" value="10.00"' "$tmp/body"
admin /admin/catalog/T-3/preview.png
check_eq "flagged: its preview is 404" "$code" 404
check_grep "flagged: ... saying what to do, in the admin" \
	'There is no preview of this frame yet: it has no lens width, lens height, bridge, total width. Add the sizes on its page to see a preview.' "$tmp/body"
admin /admin/catalog/T-3/retire --data-urlencode "csrf=$csrf"
check_eq "flagged: retire works" "$code" 303
admin /admin/catalog/T-3/restore --data-urlencode "csrf=$csrf"
check_eq "flagged: restore is refused (400)" "$code" 400
check_grep "flagged: ... with what to do" \
	'T-3 cannot go back in the shop without its lens width, lens height, bridge, total width: fill them in on its page' "$tmp/body"
check_eq "flagged: T-3 stays retired" "$(sql "SELECT active FROM frames WHERE sku = 'T-3'")" 0
jobs0=$(sql "SELECT COUNT(*) FROM batch_jobs")
out=$("$cli" batch --job newsletter --frame T-3 --out "$work/newsletter" 2>&1)
check_eq "batch --frame T-3 (flagged): refused at start (exit 2)" "$?" 2
check_grep "... saying why and what to do" \
	'frame T-3 cannot be drawn: it has no lens width, lens height, bridge, total width .*/admin/catalog/T-3' <(echo "$out")
check_eq "... and makes no job" "$(sql "SELECT COUNT(*) FROM batch_jobs")" "$jobs0"

# Staff complete T-2 on its page: the shop shows it.
admin /admin/catalog/T-2
check_eq "admin: T-2's page" "$code" 200
admin /admin/catalog/T-2 --data-urlencode "csrf=$csrf" --data-urlencode "sku=T-2" \
	--data-urlencode "name=Feed Boxing Only" --data-urlencode "brand=Marlowe" \
	--data-urlencode "style=rectangle" --data-urlencode "rim_rgb=#1a1a1a" \
	--data-urlencode "tint_rgb=#ffffff" --data-urlencode "rim_mm=4" \
	--data-urlencode "tint_opacity=0" --data-urlencode "lens_width_mm=52" \
	--data-urlencode "lens_height_mm=40" --data-urlencode "bridge_mm=18" \
	--data-urlencode "total_width_mm=140" --data-urlencode "price=99.00" \
	--data-urlencode "product_url=https://shop.example/p/t2" --data-urlencode "active=1"
check_eq "admin: saving T-2's sizes redirects" "$code" 303
check_eq "DB: T-2 no longer flagged" "$(sql "SELECT needs_review FROM frames WHERE sku = 'T-2'")" 0
sleep 2
for i in 1 2 3 4; do
	http "$url"
	check_grep "shop ($i): T-2 is on sale once complete" 'T-2' "$tmp/body"
done
out=$("$cli" import-feed "$feed1" 2>&1)
check_eq "CLI: the first feed once more keeps staff's sizes of T-2" \
	"$(sql "SELECT lens_height_mm, total_width_mm, needs_review FROM frames WHERE sku = 'T-2'" | tr '\t' ' ')" "40.0 140.0 0"

# ---- Phase 4: availability and sale_price ----

card() {	# the price of frame $1's card on the last page
	grep -A8 "id=\"f-$1\"" "$tmp/body" | grep -o '<span class="card-price">.*</span>' | head -n 1
}
feed3=$work/feed3.tsv
{
	printf 'id\ttitle\tlink\tprice\tbrand\tavailability\tsale_price\tsale_price_effective_date\n'
	printf 'T-1\tFeed Round\thttps://shop.example/p/t1\t119.00 EUR\tMarlowe\tout_of_stock\t\t\n'
	printf 'X-1\tSkyline Aviator\thttps://shop.example/p/x1\t159.00 EUR\tNorthlight\tin_stock\t129.00 EUR\t2020-01-01T00:00Z/2099-12-31T23:59Z\n'
	printf 'T-2\tFeed Boxing Only\thttps://shop.example/p/t2\t99.00 EUR\tMarlowe\tin_stock\t99.00 EUR\t\n'
} >"$feed3"
out=$("$cli" import-feed "$feed3" 2>&1)
check_eq "stock: exit 0" "$?" 0
check_grep "stock: a sale not below the price is a bad row" 'bad line 4 .T-2.: The sale price must be below the price\.' <(echo "$out")
check_eq "stock: the summary" "$(echo "$out" | tail -n 1)" \
	"framefit import-feed: 3 rows: 0 added, 2 changed, 0 unchanged, 1 bad; 0 flagged for staff; $((seed + 2)) frames of the catalog not in the feed left as they are."
check_eq "stock: T-2 left as it was" "$(sql "SELECT CONCAT_WS(' ', price_cents, sale_price_cents, availability) FROM frames WHERE sku = 'T-2'")" "9900"
sleep 2
for i in 1 2 3 4; do
	http "$url"
	check_eq "shop ($i): T-1 out of stock, still to try on" "$(card T-1)" \
		'<span class="card-price">€119.00<span class="stock is-out">Out of stock</span></span>'
	check_eq "shop ($i): X-1 on sale, the price struck through" "$(card X-1)" \
		'<span class="card-price"><s class="was-price"><span class="visually-hidden">was </span>€159.00</s> <span class="visually-hidden">now </span>€129.00</span>'
	check_eq "shop ($i): a seed frame in the shop's dollars" "$(card FF-REC-5418-BLK)" '<span class="card-price">$129.00</span>'
done
key=$("$cli" apikey create "feed test" 2>/dev/null)
http "${url}api/v1/frames" -H "Authorization: Bearer $key"
check_eq "API: the catalog" "$code" 200
if [ "$code" = 200 ]; then
	check_grep "API: X-1's currency and sale" '"sku":"X-1",.*"price_cents":15900,"currency":"EUR","sale_price_cents":12900,"availability":"in_stock"' "$tmp/body"
	check_grep "API: T-1 out of stock" '"sku":"T-1",.*"price_cents":11900,"currency":"EUR","sale_price_cents":null,"availability":"out_of_stock"' "$tmp/body"
	check_grep "API: a seed frame in the shop's currency" '"sku":"FF-REC-5418-BLK",.*"price_cents":12900,"currency":"USD","sale_price_cents":null,"availability":null' "$tmp/body"
fi
out=$("$cli" import-feed --quiet "$feed3" 2>&1)
check_eq "stock: again, nothing changes" "$(echo "$out" | tail -n 1)" \
	"framefit import-feed: 3 rows: 0 added, 0 changed, 2 unchanged, 1 bad; 0 flagged for staff; $((seed + 2)) frames of the catalog not in the feed left as they are."
out=$("$cli" import-feed --quiet "$feed2" 2>&1)
check_eq "stock: the feed without them clears them" \
	"$(sql "SELECT CONCAT_WS(' ', sku, sale_price_cents, availability) FROM frames WHERE sku IN ('T-1', 'X-1') ORDER BY sku" | tr '\n' ',')" "T-1,X-1,"

finish
