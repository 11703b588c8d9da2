#!/usr/bin/env bash
# ./test.sh: the same set-up as run.sh, then every test:
#   1. unit tests (Check): make check; then make distcheck (the tarball
#      builds and passes make check in a read-only copy of its own)
#   2. with FF_SANITIZE=1: the same unit tests built with ASan + UBSan
#   3. integration tests against the real stack (MariaDB, lighttpd,
#      Apache with mod_fcgid and with mod_proxy_fcgi, Chromium); with
#      FF_SANITIZE=1 (.ci/run sets it) the web, API and hostile-input
#      tests again against the ASan + UBSan build of the worker
#   4. a short run of every fuzz target (FF_FUZZ_SECONDS, default 15)
# It ends with one line "N passed, M failed" counting every check, and
# exits non-zero if anything failed.
set -uo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
. scripts/deps.sh
ff_install_missing $FF_PKGS_BUILD $FF_PKGS_RUN $FF_PKGS_TEST $(ff_node_pkgs) || exit 1
art=$top/var/artifacts
mkdir -p "$art"
# Compact output: CI shows only the head of it, so each step prints one
# line and its failures; the whole logs stay in var/artifacts/.
t0=$SECONDS
if ! scripts/build.sh >"$art/build.log" 2>&1; then
	tail -n 30 "$art/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "== build: $((SECONDS - t0)) s (log: var/artifacts/build.log); steps passed:"
passed=0 failed=0
failures=()

# Count a Check log ("100%: Checks: 31, Failures: 0, Errors: 0") or a
# script's closing "N passed, M failed" line.
tally() {
	local name=$1 log=$2 rc=$3 c f e p m
	if read -r c f e < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log" | awk '{c+=$1; f+=$2; e+=$3} END {if (NR) print c, f, e}'); then
		passed=$((passed + c - f - e)); failed=$((failed + f + e))
		[ $((f + e)) -eq 0 ] || failures+=("$name")
	elif read -r p m < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tail -1); then
		passed=$((passed + p)); failed=$((failed + m))
		[ "$m" -eq 0 ] || failures+=("$name")
	fi
	if [ "$rc" -ne 0 ] && ! printf '%s\n' "${failures[@]}" | grep -qx "$name"; then
		failed=$((failed + 1)); failures+=("$name (exit $rc)")
	fi
}

# One line for all the steps that pass ("unit 962/56s · ..."), so the
# first lines of the output already show a failure: a failed step breaks
# the line with its name, counts, the lines that failed and the end of
# its log. The full table follows at the end.
steps=()
cur=
run_step() {
	local name=$1; shift
	local log="$art/$name.log" t=$SECONDS p0=$passed f0=$failed
	cur=$name
	# Its own session: a test that signals its process group (kill 0)
	# must not take the runner down with it.
	setsid -w "$@" >"$log" 2>&1
	local rc=$?
	cur=
	tally "$name" "$log" "$rc"
	local line="$name: $((passed - p0)) passed, $((failed - f0)) failed, exit $rc, $((SECONDS - t)) s"
	steps+=("$line")
	if [ "$rc" -ne 0 ] || [ "$failed" -ne "$f0" ]; then
		printf '\n== FAILED %s\n' "$line"
		grep -E '^(not ok|FAIL)|:[FE]:|ERROR|runtime error' "$log" | head -n 15 | sed 's/^/   /'
		tail -n 8 "$log" | sed 's/^/   | /'
	else
		printf '%s %d/%ds · ' "$name" $((passed - p0)) $((SECONDS - t))
	fi
}
# INT or TERM to the runner names itself and the step it cut short, and
# still prints the tally so far. A HUP (the terminal or the CI's pty went
# away) is noted and the run goes on, as under nohup: a verdict is worth
# more than a run cut short.
on_signal() {
	if [ "$1" = HUP ]; then
		printf '\ntest.sh: SIGHUP during %s, carrying on\n' "${cur:-no step}"
		return
	fi
	printf '\ntest.sh: SIG%s during %s\n' "$1" "${cur:-no step}"
	echo "$passed passed, $((failed + 1)) failed"
	cur=	# said already: the EXIT trap below stays quiet
	exit 1
}
for sig in INT TERM HUP; do trap "on_signal $sig" $sig; done
# Any other way out in the middle of a step (an error of this script's
# own, or an exit no trap above saw) still says where it happened: CI
# once showed a run that ended during test_faults with status 1 and no
# other word, which these lines would have named.
trap 'rc=$?; [ -z "$cur" ] || printf "\ntest.sh: exit %d during %s\n" "$rc" "$cur"' EXIT

# 1. Unit tests. check_store starts the private MariaDB itself, in
# build/release/var/mysql (AM_TESTS_ENVIRONMENT in Makefile.am).
run_step unit bash -c 'cd build/release && make -s check; rc=$?; cat tests/*.log src/*.log 2>/dev/null | grep -E "Checks:|:[FE]:"; exit $rc'

# 1b. make distcheck: the tarball, then configure, make, make check,
# install and dist again in a read-only copy of it with a build directory
# of its own (-j2; no sanitizers, no fuzzing). It counts as one check:
# make's output goes to var/artifacts/distcheck-make.log, and a failed
# run keeps its copy (the test logs under build/release/framefit-*/_build/
# sub/tests/). A failed run also leaves the copy's MariaDB running (a
# passing one stops it at distclean): stop it.
run_step distcheck bash -c '
	cd build/release || exit 1
	make -s -j2 distcheck >"$1" 2>&1; rc=$?
	for d in framefit-*/_build/sub/var/mysql; do
		[ -d "$d" ] && FF_DB_DIR=$PWD/$d FF_DB_SOCKET= ../../scripts/db.sh stop >/dev/null 2>&1
	done
	if [ $rc -eq 0 ]; then
		echo "1 passed, 0 failed"
	else
		{ grep -E "^(FAIL|ERROR|XPASS):|\*\*\*|error:" "$1" | head -n 15; tail -n 15 "$1"; } | grep -v "Checks:"
		echo "0 passed, 1 failed"
	fi
	exit $rc' distcheck "$art/distcheck-make.log"

# 2. Sanitizers. libdarknet's own allocations at start are never freed
# (it has no free for parsed cfgs): suppress leaks inside it only.
if [ "${FF_SANITIZE:-0}" = 1 ]; then
	printf 'leak:libdarknet.so\nleak:libopenblas\n' > "$art/lsan.supp"
	run_step unit-asan bash -c "
		mkdir -p build/asan && cd build/asan &&
		{ [ -f Makefile ] || ../../configure -q CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' LDFLAGS='-fsanitize=address,undefined'; } &&
		make -s -j\$(nproc) all >/dev/null 2>&1 &&
		ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$art/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 make -s check; rc=\$?
		cat tests/*.log 2>/dev/null | grep -E 'Checks:|:[FE]:|ERROR: |runtime error'; exit \$rc"
fi

# 3. Integration tests against the real stack.
export FF_BUILD_DIR=$top/build/release
for server in lighttpd apache-fcgid apache-proxy; do
	run_step "web-$server" env FF_WEB_SERVER=$server tests/integration/test_web.sh
done
for t in tests/integration/test_*.sh; do
	case $t in */test_web.sh) continue ;; esac
	run_step "$(basename "$t" .sh)" "$t"
done
if [ -f tests/browser/run.sh ]; then
	run_step browser tests/browser/run.sh
fi

# 3b. With FF_SANITIZE=1 (CI sets it), the integration tests that send
# the most hostile input run again against the ASan + UBSan build of the
# worker: a sanitizer report aborts the worker (the test sees it) and is
# written under var/artifacts/sanitizer/, where any file is a failure.
# Leaks are left to the unit pass above: workers end by signal.
if [ "${FF_SANITIZE:-0}" = 1 ]; then
	san=$art/sanitizer
	rm -rf "$san"
	mkdir -p "$san"
	for t in test_web test_api test_hostile; do
		[ -x "tests/integration/$t.sh" ] || continue
		run_step "$t-asan" env FF_BUILD_DIR="$top/build/asan" \
			ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$san/asan" \
			UBSAN_OPTIONS="print_stacktrace=1:log_path=$san/ubsan" \
			"tests/integration/$t.sh"
	done
	run_step sanitizer-reports bash -c "n=\$(ls '$san' | wc -l); head -n 40 '$san'/* 2>/dev/null;
		echo \"\$((n == 0)) passed, \$n failed\"; [ \$n -eq 0 ]"
fi

# 4. Fuzz smoke: every target, briefly (the long runs: make fuzz).
run_step fuzz bash -c "cd build/release && mkdir -p fuzz && make -s fuzz FUZZ_SECONDS=${FF_FUZZ_SECONDS:-15} | tee fuzz/summary.txt;
	echo \"\$(grep -c '0 crashes' fuzz/summary.txt) passed, \$(grep -c CRASH fuzz/summary.txt) failed\""

# The unit tests started their private MariaDB (check_store), in the
# build directory unless FF_DB_DIR or FF_DB_SOCKET named another.
if [ -z "${FF_DB_DIR:-}${FF_DB_SOCKET:-}" ]; then
	for b in release asan; do
		[ -d "$top/build/$b/var/mysql" ] &&
			FF_DB_DIR=$top/build/$b/var/mysql scripts/db.sh stop >/dev/null 2>&1
	done
else
	scripts/db.sh stop >/dev/null 2>&1 || true
fi

printf '\n\n'
printf '== %s\n' "${steps[@]}"
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "logs: var/artifacts/ ($((SECONDS - t0)) s in all)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
