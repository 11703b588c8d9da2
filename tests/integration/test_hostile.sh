#!/bin/bash
# test_hostile.sh: the corpus of hostile inputs in tests/hostile/*.case,
# each sent through a real web server to the real FastCGI worker and
# model, against a private MariaDB, with curl. The case format is in
# tests/hostile/README.md.
#
#   tests/integration/test_hostile.sh
#
# Environment:
#   FF_BUILD_DIR   where `make` built cgi-bin/framefit.fcgi and src/framefit
#                  (default: the source tree, i.e. an in-tree build)
#   FF_FACES       the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS the model directory (default <repo>/models when it holds
#                  trained weights, else /tmp/m)
#   FF_WEB_SERVER  lighttpd (default), apache-fcgid or apache-proxy; the
#                  cases the web server answers itself (401, 431) or
#                  resolves (dot segments: 508, 805) expect lighttpd
#   FF_HOSTILE     a glob of case names to run (default: all), e.g. '2*'
#   KEEP=1         leave the servers running at the end
#
# For every case it checks (1) the status, the Content-Type and the
# message of the answer; that no HTML or SVG answer (nor any page the
# case names in check-page:) holds an injection marker unescaped; (2)
# that the worker still serves (GET /healthz is 200 "ok") and that no
# worker died or was replaced; for a case with cost:, that the workers'
# CPU time for it was at most that many times a 12 MP selfie's try-on
# measured at setup (a ratio, never an absolute time); (3) that the request wrote
# nothing it should not: the rows of every table a request can write,
# and the counters' sums, are the same before and after, except the
# changes the case names in its rows: line. Then a sweep of the pages
# that list what the cases stored, and the workers' log for crashes.
#
# State in var/test-hostile (its own MariaDB there, database
# framefit_hostiletest). Needs no Python: bash, curl, jq, ImageMagick,
# gzip and dd make every body at run time from the face photos, and the
# build's tests/gen_costly (tests/costly.c) the costly photos.
# Prints "N passed, M failed" last and exits non-zero on any failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env hostile framefit_hostiletest
cases=$root/tests/hostile
gen=$work/gen

# No rate limit: the API cases are many and must never meet a 429; nor
# the upload cases, all from 127.0.0.1 (test_abuse.sh tests the limits).
export FF_API_RATE=0 FF_UPLOAD_RATE=0
# Both workers follow a catalog change the admin cases make within 0.2 s.
export FF_MODEL_CHECK_S=0.2

http_timeout=30

# ---- Generated bodies (never committed: made here from the photos) ----

# crc32 of stdin as 8 hex digits, from gzip's trailer (RFC 1952 §2.3.1:
# CRC-32 then ISIZE, both little-endian).
crc32_hex() {
	gzip -c | tail -c 8 | head -c 4 | od -An -tx1 |
		awk '{ printf "%s%s%s%s", $4, $3, $2, $1 }'
}
# Write 8 hex digits as 4 bytes at offset $2 of file $1.
put_be32() {
	# shellcheck disable=SC2059 # a format of \\x escapes on purpose
	printf "$(echo "$3" | sed 's/../\\x&/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
hex32() { printf '%08x' "$1"; }

make_bodies() {
	local off
	rm -rf "$gen"
	mkdir -p "$gen"
	cp "$photo" "$gen/face.jpg"
	convert "$photo" "$gen/face.png" 2>>"$work/convert.err"
	head -c 3000 "$photo" >"$gen/truncated.jpg"
	: >"$gen/empty"
	printf 'just some text, not a photo\n' >"$gen/text.txt"
	# A grey picture: no face in it (the decoder and detector still run).
	convert -size 160x120 xc:gray50 -quality 90 "$gen/blank.jpg" 2>>"$work/convert.err"
	# A PNG whose IHDR declares 30000 x 30000 (900 megapixels) in 100
	# bytes: a tiny real PNG with its width and height rewritten and the
	# chunk's CRC (over type and data, bytes 12..28) made again.
	convert -size 8x8 xc:white "$gen/bomb.png" 2>>"$work/convert.err"
	put_be32 "$gen/bomb.png" 16 "$(hex32 30000)"
	put_be32 "$gen/bomb.png" 20 "$(hex32 30000)"
	put_be32 "$gen/bomb.png" 29 "$(dd if="$gen/bomb.png" bs=1 skip=12 count=17 status=none | crc32_hex)"
	# A JPEG whose SOF0 declares 30000 x 30000: height and width are the
	# 16-bit fields 5 and 7 bytes after the FF C0 marker.
	convert -size 16x16 xc:gray "$gen/bomb.jpg" 2>>"$work/convert.err"
	off=$(LC_ALL=C grep -obUaP '\xff\xc0' "$gen/bomb.jpg" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] && printf '\x75\x30\x75\x30' |
		dd of="$gen/bomb.jpg" bs=1 seek=$((off + 5)) conv=notrunc status=none
	# Over the 15 MB limit (and under lighttpd's own 20 MB cap).
	head -c 16000000 /dev/zero >"$gen/big.jpg"
	# The 8-byte PNG signature alone, and a JPEG SOI with nothing after.
	printf '\x89PNG\r\n\x1a\n' >"$gen/sig.png"
	printf '\xff\xd8\xff' >"$gen/soi.jpg"
	# The costly photos (gen_costly's list): made again only when the
	# generator changed, as they take a while (tens of MP to encode).
	if [ ! -s "$work/costly/stamp" ] || [ "$gen_costly" -nt "$work/costly/stamp" ]; then
		rm -rf "$work/costly"
		mkdir -p "$work/costly"
		"$gen_costly" "$photo" "$work/costly" >"$work/costly/list" 2>&1 &&
			date >"$work/costly/stamp" ||
			bail "gen_costly failed: $(tail -n 3 "$work/costly/list")"
	fi
	sed 's/^/# costly: /' "$work/costly/list"
	cp "$work/costly/"*.jpg "$work/costly/"*.png "$work/costly/"*.webp \
		"$work/costly/"*.gif "$gen/"
}

# ---- Cost ----

hz=$(getconf CLK_TCK)
ms_of() { echo $(($1 * 1000 / hz)); }

# The reference: the workers' CPU time for one try-on of a 12 MP phone
# selfie (gen_costly's phone.jpg, baseline as phones save it), the median
# of five after two that warm both workers up. Sets ref_ticks.
measure_reference() {
	local i t0 t1
	local -a v=()
	for i in 1 2 3 4 5 6 7; do
		t0=$(worker_ticks)
		upload "$gen/phone.jpg" "$sku"
		t1=$(worker_ticks)
		[ "$code" = 303 ] || bail "the 12 MP selfie gave $code, not 303"
		[ $i -gt 2 ] && v+=($((t1 - t0)))
	done
	ref_ticks=$(printf '%s\n' "${v[@]}" | sort -n | sed -n 3p)
	[ "$ref_ticks" -gt 0 ] || bail "the 12 MP selfie's try-on used no measurable CPU"
	echo "# reference: a 12 MP selfie's try-on takes the workers $(ms_of "$ref_ticks") ms of CPU (median of 5: ${v[*]} ticks of 1/$hz s)"
}

# ---- Database snapshots ----

# Everything a request could write, in one line "name=value ...": row
# counts of every table of sql/*.sql, a checksum of the rows that are
# updated in place (frames, models, api_keys), and the sums of the
# counters (hourly_rollups, live_counters, api_rate, change_counters),
# which a request bumps without adding a row.
snapshot() {
	sql "SELECT CONCAT_WS(' ',
	  CONCAT('uploads=', (SELECT COUNT(*) FROM uploads)),
	  CONCAT('detections=', (SELECT COUNT(*) FROM detections)),
	  CONCAT('detection_faces=', (SELECT COUNT(*) FROM detection_faces)),
	  CONCAT('tryons=', (SELECT COUNT(*) FROM tryons)),
	  CONCAT('clicks=', (SELECT COUNT(*) FROM clicks)),
	  CONCAT('frames=', (SELECT COUNT(*) FROM frames)),
	  CONCAT('frames_crc=', (SELECT COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', id,
	    sku, name, brand, style, rim_rgb, rim_mm, tint_rgb, tint_opacity,
	    lens_width_mm, lens_height_mm, bridge_mm, total_width_mm,
	    price_cents, active, product_url, COALESCE(LENGTH(artwork_png), -1),
	    COALESCE(CRC32(artwork_png), 0)))), 0) FROM frames)),
	  CONCAT('models=', (SELECT COUNT(*) FROM models)),
	  CONCAT('models_crc=', (SELECT COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', id,
	    version, COALESCE(dir, ''), COALESCE(active, 0)))), 0) FROM models)),
	  CONCAT('api_keys=', (SELECT COUNT(*) FROM api_keys)),
	  CONCAT('api_keys_crc=', (SELECT COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', id,
	    name, COALESCE(revoked, ''), COALESCE(rate_per_min, -1)))), 0)
	    FROM api_keys)),
	  CONCAT('purge_runs=', (SELECT COUNT(*) FROM purge_runs)),
	  CONCAT('batch_jobs=', (SELECT COUNT(*) FROM batch_jobs)),
	  CONCAT('batch_items=', (SELECT COUNT(*) FROM batch_items)),
	  CONCAT('schema_version=', (SELECT COUNT(*) FROM schema_version)),
	  CONCAT('hourly_rollups=', (SELECT COALESCE(SUM(n), 0) FROM hourly_rollups)),
	  CONCAT('live_counters=', (SELECT COALESCE(SUM(n), 0) FROM live_counters)),
	  CONCAT('api_rate=', (SELECT COALESCE(SUM(n), 0) FROM api_rate)),
	  CONCAT('change_counters=', (SELECT COALESCE(SUM(n), 0) FROM change_counters)))"
}

# check_rows NAME BEFORE AFTER SPEC: every name=value of the snapshots
# is equal unless SPEC names it: NAME+N or NAME-N (exactly N more or
# fewer), NAME* (any change), counters* (hourly_rollups, live_counters,
# api_rate). A NAME that is no key of the snapshot fails the check.
check_rows() {
	local name=$1 before=$2 after=$3 spec=$4 kv k b want w bad=
	local -A now=() seen=()
	for kv in $after; do
		now[${kv%%=*}]=${kv#*=}
	done
	spec=" $spec "
	spec=${spec// counters\*/ hourly_rollups* live_counters* api_rate*}
	for kv in $before; do
		k=${kv%%=*}
		b=${kv#*=}
		seen[$k]=1
		if [[ $spec == *" $k* "* ]]; then
			continue
		elif [[ $spec =~ \ $k([+-][0-9]+)\  ]]; then
			want=$((b + BASH_REMATCH[1]))
		else
			want=$b
		fi
		[ "${now[$k]-}" = "$want" ] || bad="$bad $k=$b->${now[$k]-} (want $want)"
	done
	# A misspelt name in rows: would silently allow nothing.
	for w in $spec; do
		k=${w%%[*+-]*}
		[ -n "${seen[$k]-}" ] || bad="$bad rows: names no table or sum '$k'"
	done
	if [ -z "$bad" ]; then
		ok "$name: rows as expected${4:+ ($4)}"
	else
		nok "$name: rows as expected" "${bad# }"
	fi
}

# ---- One case ----

# Replace the {NAMES} of the setup in $1.
subst() {
	local s=$1
	s=${s//\{SKU\}/"$sku"}
	s=${s//\{SKU2\}/"$sku2"}
	s=${s//\{TOKEN\}/"$token"}
	s=${s//\{TOKEN2\}/"$token2"}
	s=${s//\{CSRF\}/"$csrf"}
	s=${s//\{CSRF2\}/"$csrf2"}
	s=${s//\{ADMIN_CSRF\}/"$admin_csrf"}
	s=${s//\{APIKEY\}/"$apikey"}
	s=${s//\{ADMIN_PW\}/"$FF_ADMIN_PASSWORD"}
	s=${s//\{GEN\}/"$gen"}
	s=${s//\{LOCATION\}/"$location"}
	# {repeat N TEXT}: TEXT N times (long URLs stay out of the files).
	local n t r
	while [[ $s =~ \{repeat\ ([0-9]+)\ ([^}]*)\} ]]; do
		n=${BASH_REMATCH[1]}
		t=${BASH_REMATCH[2]}
		r=
		while [ "$n" -gt 0 ]; do	# by doubling: 100 KB in microseconds
			[ $((n % 2)) = 1 ] && r+=$t
			t+=$t
			n=$((n / 2))
		done
		s=${s/"${BASH_REMATCH[0]}"/"$r"}
	done
	printf '%s' "$s"
}

# The marker of every injected script or tag in the corpus: an HTML
# answer holding one of these unescaped would run it.
xss_re="<script>ffxss|<img src=x onerror=ffxss|<svg onload=ffxss|\"><b id=ffxss>|'><b id=ffxss>"

# A piece of a raw body (body: lines), appended to $tmp/req-body.
body_piece() {
	local p=$1 n c
	# shellcheck disable=SC2059 # a printf: piece is a format on purpose
	case $p in
	printf:*)	printf -- "$(subst "${p#printf:}")" ;;
	file:*)		cat "$gen/${p#file:}" ;;
	repeat:*)	# repeat:N:C, the byte C N times
		n=${p#repeat:}
		c=${n#*:}
		n=${n%%:*}
		head -c "$n" /dev/zero | tr '\0' "$c" ;;
	*)		echo "unknown body piece '$p'" >&2; return 1 ;;
	esac >>"$tmp/req-body"
}

run_case() {
	local f=$1 name line key val method=GET path='' ctype='' has_ctype=0 rate=''
	local -a args=() headers=() fields=() bodies=() want_body=() not_body=() want_hdr=() want_sql=()
	local want_status='' want_type='' want_json='' rows='' during=''
	local before after hv
	local -a pages=()
	local pause='' cost='' t0 t1
	local has_why=0
	name=$(basename "$f" .case)
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '#'*|'') continue ;; esac
		key=${line%%:*}
		val=${line#*:}
		val=${val# }
		case $key in
		method)		method=$val ;;
		path)		path=$(subst "$val") ;;
		content-type)	ctype=$(subst "$val"); has_ctype=1 ;;
		header)		headers+=("$(subst "$val")") ;;
		field)		fields+=(--form-string "$(subst "$val")") ;;
		file)		val=$(subst "$val")
				fields+=(-F "${val%%=*}=@$gen/${val#*=@}") ;;
		body)		bodies+=("$val") ;;
		auth)		args+=(-u "$(subst "$val")") ;;
		rate)		rate=$val ;;
		pause)		pause=$val ;;
		during)		during=$val ;;
		cost)		cost=$val ;;
		expect-status)	want_status=$val ;;
		expect-type)	want_type=$val ;;
		expect-body)	want_body+=("$val") ;;
		expect-not-body) not_body+=("$val") ;;
		expect-header)	want_hdr+=("$val") ;;
		expect-json)	want_json=$val ;;
		expect-sql)	want_sql+=("$(subst "$val")") ;;
		check-page)	pages+=("$val") ;;
		rows)		rows=$val ;;
		why)		has_why=1 ;;
		tables)		;;
		*)		nok "$name: case file" "unknown key '$key'"; return ;;
		esac
	done <"$f"
	# Every case says why, and what a person is told (a message, or
	# where a redirect goes).
	local told=$((${#want_body[@]} + ${#want_hdr[@]}))
	[ -n "$want_json" ] && told=1
	if [ -z "$path" ] || [ -z "$want_status" ] || [ $has_why = 0 ] ||
	    [ $told = 0 ]; then
		nok "$name: case file" "needs why:, path:, expect-status: and a message (expect-body:, expect-json: or expect-header:)"
		return
	fi

	: >"$tmp/req-body"
	if [ ${#bodies[@]} -gt 0 ]; then
		for line in "${bodies[@]}"; do
			body_piece "$line" || { nok "$name: body"; return; }
		done
		args+=(--data-binary "@$tmp/req-body")
	fi
	args+=("${fields[@]}")
	[ $has_ctype = 1 ] && args+=(-H "Content-Type:${ctype:+ $ctype}")
	for line in "${headers[@]}"; do
		args+=(-H "$line")
	done
	case $method in
	GET)	;;
	HEAD)	args+=(-I) ;;
	POST)	[ ${#bodies[@]} -eq 0 ] && [ ${#fields[@]} -eq 0 ] &&
			args+=(--data-binary '')
		args+=(-X POST) ;;
	*)	args+=(-X "$method") ;;
	esac
	[ -n "$rate" ] && args+=(--limit-rate "$rate")

	# Time for every worker to follow a catalog change (FF_MODEL_CHECK_S).
	[ -n "$pause" ] && sleep "$pause"
	# A cost is the median of three requests' worker CPU: ticks are
	# 1/100 s, one request is a few of them, and the reference is a
	# median too. The first two go before the snapshot, so the rows
	# checked are one request's.
	local -a spent=()
	local i
	if [ -n "$cost" ] && [ -z "$during" ] && [ -z "${ASAN_OPTIONS:-}" ]; then
		for i in 1 2; do
			t0=$(worker_ticks)
			http -g --path-as-is "${args[@]}" "${url%/}$path"
			t1=$(worker_ticks)
			spent+=($((t1 - t0)))
		done
	fi
	before=$(snapshot)
	if [ -n "$during" ]; then
		# The request in the background, slowly; others meanwhile.
		: >"$tmp/body"
		: >"$tmp/head"
		curl -s -o "$tmp/body" -D "$tmp/head" -w '%{http_code}' -g \
			--path-as-is --max-time "$http_timeout" "${args[@]}" \
			"${url%/}$path" >"$tmp/code" &
		local bg=$! served=0 slow=0 c
		sleep 0.5
		while kill -0 $bg 2>/dev/null; do
			c=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
				--max-time 5 "${url%/}$(subst "$during")")
			if [ "${c% *}" = 200 ] &&
			    awk -v t="${c#* }" 'BEGIN { exit !(t < 2) }'; then
				served=$((served + 1))
			else
				slow=$((slow + 1))
			fi
			sleep 0.5
		done
		wait $bg
		code=$(cat "$tmp/code")
		if [ $served -ge 2 ] && [ $slow = 0 ]; then
			ok "$name: GET $during answered meanwhile ($served times)"
		else
			nok "$name: GET $during answered meanwhile" \
				"$served answered in time, $slow not"
		fi
	else
		t0=$(worker_ticks)
		http -g --path-as-is "${args[@]}" "${url%/}$path"
		t1=$(worker_ticks)
		spent+=($((t1 - t0)))
		local ticks
		ticks=$(printf '%s\n' "${spent[@]}" | sort -n | sed -n "$(( (${#spent[@]} + 1) / 2 ))p")
		case_ms=$(ms_of "$ticks")
		if [ -n "$cost" ] && [ -n "${ASAN_OPTIONS:-}" ]; then
			# Under ASan + UBSan our code runs several times slower and
			# libgd, libjpeg and libdarknet do not: the ratio measures
			# the instrumentation. The plain run compares it.
			echo "# $name: workers' CPU $case_ms ms (sanitizer build: not compared)"
		elif [ -n "$cost" ]; then
			# A ratio to the reference of this run: the CPU and its load
			# change the times, not the ratio.
			if [ "$ticks" -le $((cost * ref_ticks)) ]; then
				ok "$name: workers' CPU $case_ms ms (median of ${#spent[@]}) <= $cost x the selfie's $(ms_of "$ref_ticks") ms"
			else
				nok "$name: workers' CPU at most $cost x the selfie's" \
					"$case_ms ms (median of ${spent[*]} ticks), $(awk -v a="$ticks" -v b="$ref_ticks" 'BEGIN { printf "%.2f", a / b }') x $(ms_of "$ref_ticks") ms"
			fi
		fi
	fi
	cp "$tmp/body" "$work/last-$name.body" 2>/dev/null
	location=$(header Location)

	# (1) The answer.
	if [[ $want_status == *"|"* ]]; then
		# shellcheck disable=SC2086 # the alternatives, split on purpose
		check_in "$name: status" "$code" ${want_status//|/ }
	else
		check_eq "$name: status" "$code" "$want_status"
	fi
	if [ -n "$want_type" ]; then
		hv=$(header Content-Type)
		check_re "$name: Content-Type" "$hv" "^$want_type"
	fi
	for line in "${want_body[@]}"; do
		check_grep "$name: message /$line/" "$line" "$tmp/body"
	done
	for line in "${not_body[@]}"; do
		check_nogrep "$name: no /$line/" "$line" "$tmp/body"
	done
	for line in "${want_hdr[@]}"; do
		check_re "$name: header ${line%%:*}" "$(header "${line%%:*}")" "${line#*: }"
	done
	if [ -n "$want_json" ]; then
		if jq -e "$want_json" "$tmp/body" >/dev/null 2>&1; then
			ok "$name: JSON $want_json"
		else
			nok "$name: JSON $want_json" "$(head -c 300 "$tmp/body")"
		fi
	fi
	case $(header Content-Type) in
	text/html*|image/svg+xml*)
		check_nogrep "$name: nothing injected is unescaped" "$xss_re" "$tmp/body" ;;
	esac

	# (2) Still serving, by the same workers.
	hv=$(curl -s --max-time 10 -w ' %{http_code}' "${url}healthz" | tr -d '\n')
	check_eq "$name: /healthz afterwards" "$hv" "ok 200"
	same_workers "$name"

	# (3) Nothing written that should not be.
	after=$(snapshot)
	check_rows "$name" "$before" "$after" "$rows"
	for line in "${want_sql[@]}"; do
		check_eq "$name: SQL ${line%% => *}" "$(sql "${line%% => *}")" "${line#* => }"
	done

	# The pages that show what the case sent: served, and with nothing
	# of it unescaped (after the snapshot: a page view writes nothing,
	# and is not what the case is about).
	for line in "${pages[@]}"; do
		line=$(subst "$line")
		if [[ $line == *" => "* ]]; then
			check_page "$name" "${line%% => *}" "${line#* => }"
		else
			check_page "$name" "$line"
		fi
	done
}

# check_page NAME PATH [REGEX]: GET PATH (as the admin under /admin/) is
# 200, holds no injected markup unescaped, and matches REGEX if given.
check_page() {	# check_page NAME PATH [REGEX]
	local name=$1 p=$2 re=${3-}
	local -a a=()
	case $p in /admin/*) a=(-u "$FF_ADMIN_USER:$FF_ADMIN_PASSWORD") ;; esac
	http -g "${a[@]}" "${url%/}$p"
	if [ "$code" = 200 ]; then
		# Markup matters where a browser renders it: HTML and SVG (a CSV
		# or JSON answer holds the text as it was stored).
		case $(header Content-Type) in
		text/html*|image/svg+xml*)
			check_nogrep "$name: GET $p has nothing injected unescaped" \
				"$xss_re" "$tmp/body" ;;
		esac
		# What shows the injected text is really there (escaped).
		[ -z "$re" ] || check_grep "$name: GET $p shows /$re/" "$re" "$tmp/body"
	else
		nok "$name: GET $p" "status $code, want 200"
	fi
}

# ---- Setup ----

case $server in
lighttpd) command -v lighttpd >/dev/null || bail "lighttpd is not installed" ;;
apache-*) command -v apache2 >/dev/null || bail "apache2 is not installed" ;;
*) bail "FF_WEB_SERVER must be lighttpd, apache-fcgid or apache-proxy" ;;
esac
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
for t in curl jq convert gzip od dd awk; do
	command -v $t >/dev/null || bail "$t is not installed"
done
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
[ -x "$cli" ] || bail "no $cli: build it first (make)"
gen_costly=$build/tests/gen_costly
[ -x "$gen_costly" ] || bail "no $gen_costly: build it first (make)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
photo2=$faces/mtfl/images/lfw_5590/AJ_Cook_0001.jpg
[ -r "$photo" ] && [ -r "$photo2" ] || bail "no face photos under $faces"
ls "$cases"/*.case >/dev/null 2>&1 || bail "no cases in $cases"

t_start=$SECONDS
mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
: >"$work/convert.err"
rm -f "$work/log/"*.log "$work/last-"*.body "$work/admin.htpasswd"

make_bodies
[ "$(head -c 4 "$gen/face.png" | od -An -tx1 | tr -d ' \n')" = 89504e47 ] ||
	bail "convert made no PNG"
pick_models
echo "# models: $models (trained weights: $trained)"

db_fresh
"$bin" --migrate >>"$work/web.out" 2>&1 || bail "migrations failed; see $work/web.out"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 AND style = 'aviator' ORDER BY sku LIMIT 1")
sku2=$(sql "SELECT sku FROM frames WHERE active = 1 AND style = 'round' ORDER BY sku LIMIT 1")
[ -n "$sku" ] && [ -n "$sku2" ] || bail "no catalog in $FF_DB_NAME"
apikey=$("$cli" apikey create "hostile cases" 2>>"$work/web.out")
[ ${#apikey} = 36 ] || bail "framefit apikey create gave no key"

export PORT
PORT=$(free_port) || bail "no free port"
url="http://127.0.0.1:$PORT/"
echo "# $server on $url"
web_start "$bin" "$models" || bail "$server did not start; see $work/web.out"

# Two photos of the site, each with its token and delete CSRF token.
for i in 1 2; do
	[ $i = 1 ] && p=$photo || p=$photo2
	upload "$p" "$sku"
	[ "$code" = 303 ] || bail "a face photo gave $code, not 303 (the cases need a try-on)"
	tok=$(token_of_location)
	http "${url}t/$tok"
	c=$(sed -n 's|.*name="csrf" value="\([A-Za-z0-9_-]*\)".*|\1|p' "$tmp/body" | head -n 1)
	[ ${#c} = 43 ] || bail "no delete CSRF token on the result page"
	if [ $i = 1 ]; then token=$tok csrf=$c; else token2=$tok csrf2=$c; fi
done
http -u "$FF_ADMIN_USER:$FF_ADMIN_PASSWORD" "${url}admin/catalog/"
admin_csrf=$(sed -n 's|.*name="csrf" value="\([A-Za-z0-9_-]*\)".*|\1|p' "$tmp/body" | head -n 1)
[ -n "$admin_csrf" ] || bail "no admin CSRF token on /admin/catalog/"
measure_reference
echo "# setup: $((SECONDS - t_start)) s"

# ---- The cases, in file-name order ----

n=0
location=
for f in "$cases"/${FF_HOSTILE:-*}.case; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	t_case=$EPOCHREALTIME
	case_ms=
	run_case "$f"
	# Its time and the workers' CPU, so a slow case stands out in the log.
	echo "# $(basename "$f" .case): $(awk -v a="$t_case" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s${case_ms:+, worker CPU $case_ms ms}"
done
echo "# $n cases in $((SECONDS - t_start)) s"
[ $n -ge 1 ] || nok "cases" "none matched '${FF_HOSTILE:-*}'"

# Every page that shows what the cases stored (the frames the admin
# cases added, the try-ons): nothing of it unescaped anywhere.
sweep="/ /t/$token /admin/ /admin/catalog/ /admin/models/ /admin/retention/
/admin/chart/tryons_by_frame.svg"
for s in $(sql "SELECT sku FROM frames WHERE sku LIKE 'FF-HOSTILE-%'"); do
	sweep="$sweep /admin/catalog/$s /go/$s"
done
for p in $sweep; do
	case $p in
	/go/*)	# the shop link: a redirect to the stored address
		http "${url%/}$p"
		check_re "sweep: GET $p redirects to an http(s) address" \
			"$code $(header Location)" '^302 https?://[^<>"]*$' ;;
	*)	check_page sweep "$p" ;;
	esac
done

# The worker's log must not show a crash or a sanitizer report.
if grep -Eqs 'AddressSanitizer|runtime error|Segmentation|core dumped' \
    "$work/log/"*.log; then
	nok "no crash in the logs" "$(grep -Eh 'AddressSanitizer|runtime error|Segmentation|core dumped' "$work/log/"*.log | head -n 3)"
else
	ok "no crash in the logs"
fi

finish
