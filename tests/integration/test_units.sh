#!/bin/bash
# test_units.sh: the batch's systemd units as make install writes them,
# checked with systemd-analyze verify.
#
#   tests/integration/test_units.sh
#
# Environment:
#   FF_BUILD_DIR    the configured build to install from (default: the
#                   source tree)
#
# The build is installed (the real install rule, its paths filled in)
# with prefix var/test-units/root/usr, so the units name a framefit that
# exists on this machine and systemd-analyze verify finds every program
# they run; /bin/sh and the targets they name are the machine's own (the
# systemd package). verify checks the syntax, every directive and its
# value, the instance of the template, the timer's calendar, and that each
# ExecStart program exists and is executable. No unit is loaded into the
# running system manager. Also: nothing of @...@ is left unfilled, the
# units run the installed framefit at the lowest priorities as framefit,
# and verify does fail a unit whose program is missing.
# Prints "N passed, M failed" last; exits non-zero on a failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env units framefit_unitstest

command -v systemd-analyze >/dev/null 2>&1 ||
	bail "no systemd-analyze: install Debian's systemd (./test.sh does)"
[ -f "$build/Makefile" ] || bail "no $build/Makefile: configure and make first (FF_BUILD_DIR names the build)"
rm -rf "$work"
mkdir -p "$work"
prefix=$work/root/usr
make -s -C "$build" install prefix="$prefix" >"$work/install.out" 2>&1 ||
	bail "make install failed; see $work/install.out"
units=$prefix/lib/systemd/system
for u in framefit-batch@.service framefit-batch.service framefit-batch.timer; do
	[ -f "$units/$u" ] || nok "installed: $u" "not in $units"
done

check_eq "no @...@ left in the batch units" \
	"$(grep -l '@ff_[a-z]*@' "$units"/framefit-batch* 2>/dev/null | wc -l)" 0
check_grep "the template runs the installed framefit on job %I" \
	"^ExecStart=$prefix/bin/framefit batch --job %I " "$units/framefit-batch@.service"
check_grep "the nightly job is named after the day in UTC" \
	"--job \"nightly-\\\$\\\$\(date -u \+%%F\)\"" "$units/framefit-batch.service"
for u in framefit-batch@.service framefit-batch.service; do
	for d in User=framefit Nice=19 IOSchedulingClass=idle Restart=on-failure \
	    RestartPreventExitStatus=2 FF_MIGRATE=0 \
	    EnvironmentFile=-?/etc/framefit/batch.env \
	    "Environment=FF_MODELS_DIR=$prefix/share/framefit/models"; do
		check_grep "$u: $d" "^(Environment=)?$d\$" "$units/$u"
	done
done
check_grep "the timer starts the nightly service at 02:00 UTC" \
	'^OnCalendar=\*-\*-\* 02:00:00 UTC$' "$units/framefit-batch.timer"

# An instance of the template, the nightly service and its timer.
(cd "$units" && systemd-analyze verify --man=no framefit-batch@nightly-2026-01-01.service \
	framefit-batch.service framefit-batch.timer) >"$work/verify.out" 2>&1
rc=$?
check_eq "systemd-analyze verify: exit status" "$rc" 0
check_eq "systemd-analyze verify: nothing said about the batch units" \
	"$(grep -c 'framefit-batch' "$work/verify.out")" 0
[ -s "$work/verify.out" ] && sed 's/^/# verify: /' "$work/verify.out"

# The check can fail: the same template with its program gone.
bad=$work/bad
mkdir -p "$bad"
sed "s|^ExecStart=$prefix/bin/framefit |ExecStart=$prefix/bin/no-such-framefit |" \
	"$units/framefit-batch@.service" >"$bad/framefit-batch@.service"
(cd "$bad" && systemd-analyze verify --man=no framefit-batch@x.service) >"$work/verify-bad.out" 2>&1
check_eq "verify fails a unit whose program is missing" "$?" 1
check_grep "and says why" "no-such-framefit is not executable" "$work/verify-bad.out"

# The Slurm script: misused, it says how to use it and exits 2.
"$root/conf/slurm/framefit-batch.sbatch" >"$work/sbatch-usage.out" 2>&1
check_eq "framefit-batch.sbatch without NAME exits 2" "$?" 2
check_grep "with its usage" "^usage: sbatch --array=0-N framefit-batch.sbatch NAME" \
	"$work/sbatch-usage.out"
