#!/bin/bash
# test_attack.sh: issue 12's "How we will check", through the real stack
# (lighttpd, framefit's FastCGI workers, a private MariaDB): while four
# clients loop costly-but-valid photos at POST /tryon, GET /healthz
# always answers within 1 s and a 12 MP selfie's try-on within 3 s.
#
#   tests/integration/test_attack.sh
#
# Environment: FF_BUILD_DIR, FF_FACES, FF_TEST_MODELS, KEEP=1 (lib.sh);
#   ATTACK_S   seconds each phase's attack lasts (default 30)
#
# The attackers' photos are the build's tests/gen_costly's (the
# generators bench/bench_cost measures, tests/costly.c), each near 50 MP
# or at the decode budget's edge and under 350 KB: the 496-scan
# progressive JPEG, the RGBA PNG, the lossless WebP and the GIF (all
# refused by the decode budget from their headers) and the costliest
# JPEG that is still decoded (progressive, 99.9 % of the budget). Each
# attacker is a loop of curl, one upload after another, the photos in
# turn. Meanwhile one probe fetches /healthz every 0.5 s and another
# tries on the 12 MP selfie (gen_costly's phone.jpg, 2.7 MB) every 0.5 s
# after the last answer. Every probe must answer 200 (303) within its
# time, every time; the max and the 99th percentile are printed.
#
# Phases (the web server is started afresh for each, FF_TRUSTED_PROXY =
# the loopback, so X-Forwarded-For tells the clients apart):
#   D. The default upload limits: the four attackers are one address
#      (X-Forwarded-For 203.0.113.7), the shopper another. The attackers
#      meet 429 with Retry-After; the shopper is served.
#   B. The upload limits off (FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0):
#      the decode budget alone keeps the shop up. No attacker meets a 429,
#      every attacker's answer is a 422, and no worker died or was
#      replaced (the CPU-time ceiling never had to end one).
#
# Times are the issue's promise, so this test checks them: it is meant
# for a machine not loaded by other work (./test.sh runs the tests one
# after another). Prints "N passed, M failed" last.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env attack framefit_attacktest
export FF_API_RATE=0 FF_TRUSTED_PROXY=127.0.0.1
server=lighttpd
http_timeout=30
attack_s=${ATTACK_S:-30}
shopper=198.51.100.9
attacker=203.0.113.7

command -v lighttpd >/dev/null || bail "lighttpd is not installed"
command -v mariadbd >/dev/null || bail "mariadb-server is not installed"
[ -x "$bin" ] || bail "no $bin: build it first (make; FF_BUILD_DIR names the build)"
gen_costly=$build/tests/gen_costly
[ -x "$gen_costly" ] || bail "no $gen_costly: build it first (make)"
photo=$faces/mtfl/images/lfw_5590/Aaron_Eckhart_0001.jpg
[ -r "$photo" ] || bail "no face photos under $faces"

mkdir -p "$work" "$tmp"
: >"$work/web.out"
: >"$work/sql.err"
rm -f "$work/log/"*.log
costly=$work/costly
# Made again only when the generator changed (tens of MP to encode).
if [ ! -s "$costly/stamp" ] || [ "$gen_costly" -nt "$costly/stamp" ]; then
	rm -rf "$costly"
	mkdir -p "$costly"
	"$gen_costly" "$photo" "$costly" >"$costly/list" 2>&1 &&
		date >"$costly/stamp" || bail "gen_costly failed: $(tail -n 3 "$costly/list")"
fi
attack_files="scans.jpg:image/jpeg rgba.png:image/png lossless.webp:image/webp
bands.gif:image/gif under.jpg:image/jpeg"
for a in $attack_files; do
	f=$costly/${a%%:*}
	[ -s "$f" ] || bail "no $f"
	[ "$(stat -c %s "$f")" -lt 358400 ] || bail "$f is not under 350 KB"
	echo "# attack photo: $(grep "^${a%%:*} " "$costly/list")"
done
selfie=$costly/phone.jpg
echo "# selfie: $(grep '^phone.jpg ' "$costly/list")"

pick_models
db_fresh
db_started=1
"$bin" --migrate >>"$work/web.out" 2>&1 || bail "migrations failed; see $work/web.out"
sku=$(sql "SELECT sku FROM frames WHERE active = 1 ORDER BY sku LIMIT 1")
[ -n "$sku" ] || bail "no catalog"
export PORT
PORT=$(free_port) || bail "no free port"
url="http://127.0.0.1:$PORT/"
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# attack N END: attacker N uploads the photos in turn until END
# (seconds since the epoch); one line "status seconds" an answer.
attack() {
	local n=$1 end=$2 a out=$tmp/attack-$1.txt
	: >"$out"
	while [ "$(date +%s)" -lt "$end" ]; do
		for a in $attack_files; do
			curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
				--max-time 30 -H "X-Forwarded-For: $attacker" \
				-F "photo=@$costly/${a%%:*};type=${a#*:}" \
				-F "frame=$sku" "${url}tryon" >>"$out"
		done
	done
}
# probe KIND END: every 0.5 s until END, a health check or a try-on of
# the selfie as the shopper; one line "status seconds" each.
probe() {
	local kind=$1 end=$2 out=$tmp/probe-$1.txt
	: >"$out"
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ "$kind" = health ]; then
			curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
				--max-time 30 "${url}healthz" >>"$out"
		else
			curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
				--max-time 30 -H "X-Forwarded-For: $shopper" \
				-F "photo=@$selfie;type=image/jpeg" -F "frame=$sku" \
				"${url}tryon" >>"$out"
		fi
		sleep 0.5
	done
}
# stats FILE: "n N, max S, p99 S" of the times (nearest rank).
stats() {
	sort -k2 -g "$1" | awk '{ t[NR] = $2 } END {
		if (NR == 0) { print "n 0"; exit }
		r = int(0.99 * NR + 0.999999); if (r < 1) r = 1
		printf "n %d, median %.3f s, p99 %.3f s, max %.3f s", NR,
		    t[int((NR + 1) / 2)], t[r], t[NR] }'
}
# count FILE STATUS: answers of that status.
count() { awk -v s="$2" '$1 == s { n++ } END { print n + 0 }' "$1"; }

# run_phase NAME: the attack and the probes for attack_s seconds, then
# the probes' checks. Sets all_codes (the attackers' "status count"s).
run_phase() {
	local name=$1 end i t0 t1 n
	local -a pids=()
	t0=$(worker_ticks)
	end=$(($(date +%s) + attack_s))
	for i in 1 2 3 4; do
		attack "$i" "$end" &
		pids+=($!)
	done
	probe health "$end" &
	pids+=($!)
	probe tryon "$end" &
	pids+=($!)
	wait "${pids[@]}"
	t1=$(worker_ticks)
	cat "$tmp"/attack-[1-4].txt >"$tmp/attack.txt"
	n=$(wc -l <"$tmp/attack.txt")
	all_codes=$(cut -d' ' -f1 "$tmp/attack.txt" | sort | uniq -c |
		awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')
	echo "# $name: attackers: $n uploads in $attack_s s ($all_codes), $(stats "$tmp/attack.txt")"
	echo "# $name: workers' CPU $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) ms in $attack_s s"
	echo "# $name: /healthz: $(stats "$tmp/probe-health.txt")"
	echo "# $name: selfie try-on: $(stats "$tmp/probe-tryon.txt")"
	check_ge "$name: health checks made" "$(wc -l <"$tmp/probe-health.txt")" $((attack_s))
	check_eq "$name: every /healthz answered 200" \
		"$(awk '$1 != 200' "$tmp/probe-health.txt" | head -n 3 | tr '\n' ' ')" ""
	check_eq "$name: every /healthz within 1 s" \
		"$(awk '$2 >= 1' "$tmp/probe-health.txt" | head -n 3 | tr '\n' ' ')" ""
	check_ge "$name: selfie try-ons made" "$(wc -l <"$tmp/probe-tryon.txt")" $((attack_s / 4))
	check_eq "$name: every selfie try-on answered 303" \
		"$(awk '$1 != 303' "$tmp/probe-tryon.txt" | head -n 3 | tr '\n' ' ')" ""
	check_eq "$name: every selfie try-on within 3 s" \
		"$(awk '$2 >= 3' "$tmp/probe-tryon.txt" | head -n 3 | tr '\n' ' ')" ""
	check_ge "$name: attackers' uploads answered" "$n" 20
	check_eq "$name: no attacker's upload failed (5xx, or no answer)" \
		"$(awk '$1 !~ /^(422|429)$/' "$tmp/attack.txt" | head -n 3 | tr '\n' ' ')" ""
	same_workers "$name"
}
restart() {	# restart: the web server and workers with the FF_* now set
	web_stop
	web_start "$bin" "$models" || bail "lighttpd did not start; see $work/web.out"
	# Each worker's first try-on sets up the detector's buffers: not
	# part of what is measured.
	for i in 1 2 3 4; do
		upload "$selfie" "$sku" -H "X-Forwarded-For: 192.0.2.$i"
		[ "$code" = 303 ] || bail "the selfie gave $code, not 303"
	done
}

# ---- D: the default upload limits ----

echo "# phase D: the default upload limits; attackers $attacker, shopper $shopper"
unset FF_UPLOAD_RATE FF_UPLOAD_CONCURRENT
restart
run_phase D
check_ge "D: attackers met 429" "$(count "$tmp/attack.txt" 429)" 1
check_ge "D: attackers' photos refused (422) before the limit" "$(count "$tmp/attack.txt" 422)" 1
# One more upload of the attacker: 429, told when to come back.
http -H "X-Forwarded-For: $attacker" -F "photo=@$costly/scans.jpg;type=image/jpeg" \
	-F "frame=$sku" "${url}tryon"
check_eq "D: the attacker's next upload" "$code" 429
check_re "D: with Retry-After" "$(header Retry-After)" '^[0-9]+$'

# ---- B: the budget alone ----

echo "# phase B: upload limits off (FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0)"
export FF_UPLOAD_RATE=0 FF_UPLOAD_CONCURRENT=0
restart
run_phase B
check_eq "B: no attacker met 429" "$(count "$tmp/attack.txt" 429)" 0
check_eq "B: every attacker's upload answered 422" \
	"$(count "$tmp/attack.txt" 422)" "$(wc -l <"$tmp/attack.txt")"

if grep -Eqs 'AddressSanitizer|runtime error|Segmentation|core dumped|CPU time' \
    "$work/log/"*.log; then
	nok "no crash or CPU ceiling in the logs" "$(grep -Eh 'AddressSanitizer|runtime error|Segmentation|core dumped|CPU time' "$work/log/"*.log | head -n 3)"
else
	ok "no crash or CPU ceiling in the logs"
fi

finish
