#!/bin/bash
# test_slurm.sh: conf/slurm/framefit-batch.sbatch on a real Slurm: array
# tasks share one framefit batch job through the MariaDB queue, and the
# job completes when one task is cancelled or killed mid-run.
#
#   tests/integration/test_slurm.sh
#
# Environment:
#   FF_BUILD_DIR    where `make` built src/framefit (default: the source
#                   tree)
#   FF_FACES        the face photos (default <repo>/../shared/data/faces)
#   FF_TEST_MODELS  the model directory (default <repo>/models when it holds
#                   trained weights, else /tmp/m)
#   N_PHOTOS        photos in each job (default 100)
#   FF_TEST_TIMEOUT seconds the whole test may take (default 300)
#   KEEP=1          leave the database server running at the end (Slurm
#                   and munge are always stopped)
#
# A single-node Slurm of the test's own, run as root for the length of the
# test only: munged, slurmctld and slurmd in the foreground (-F, -D), their
# pids kept, with a munge key, slurm.conf, state, spool and logs under
# var/test-slurm/slurm and ports of their own, so nothing system-wide is
# read or changed (Debian's slurm-wlm and munge packages, installed by
# ./test.sh, only provide the programs). The node claims 4 CPUs whatever
# the machine has (SlurmdParameters=config_overrides) so that four tasks
# of one CPU run at once. Its own MariaDB and database too
# (framefit_slurmtest). Phases, each a 4-task array job on the same list
# of photos at --size 640 (so a task lasts long enough to be hit mid-run):
#   A. the four tasks finish the job: every item processed exactly once,
#      one detection per processed photo, the tasks' counts add up;
#   B. scancel of one task mid-run (SIGTERM): it stops cleanly and gives
#      its claims back, the three others finish the job, still every item
#      exactly once;
#   C. kill -9 of one task's processes mid-run (its node lost; Slurm's
#      own scancel --signal=KILL is a cancel, SIGTERM first): its claims
#      are taken over when their --lease runs out, and the job completes
#      with no detection twice.
# Prints "N passed, M failed" last; exits non-zero on a failure.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/integration/lib.sh"
test_env slurm framefit_slurmtest
nphotos=${N_PHOTOS:-100}
sbatch_script=$root/conf/slurm/framefit-batch.sbatch
sl=$work/slurm
host=$(hostname -s)
export SLURM_CONF=$sl/slurm.conf
# What every task inherits (sbatch passes the environment on): this
# build's program, and the test's FF_DB_* (test_env) in a file, as an
# operator would keep the password.
export FRAMEFIT=$cli FF_BATCH_ENV=$work/batch.env

munged_pid=
ctld_pid=
slurmd_pid=
watchdog=

# The pid of the framefit runner of every task seen, for a last resort.
runners() { sed -n 's/^framefit-batch: task .* pid \([0-9]*\)$/\1/p' "$sl"/out/*.out 2>/dev/null; }

stop_pid() {	# stop_pid PID...: TERM, up to 5 s, then KILL
	local p i alive
	for i in $(seq 1 50); do
		alive=
		for p in "$@"; do
			[ -n "$p" ] && kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -z "$alive" ] && return 0
		# shellcheck disable=SC2086
		[ "$i" = 1 ] && kill -TERM $alive 2>/dev/null
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -9 $alive 2>/dev/null
	return 0
}

# The slurmstepd processes of this test's Slurm (one per task): those
# seen holding files under $sl open (slurmd.log) while their task ran,
# recorded in $sl/stepds, and still slurmstepd. They close the log a
# moment before they exit.
stepds_seen() {
	local p
	for p in $(pgrep -x slurmstepd); do
		[ -n "$(find "/proc/$p/fd" -lname "$sl/*" 2>/dev/null | head -n 1)" ] &&
			echo "$p" >>"$sl/stepds"
	done
}
stepds() {
	local p
	sort -u "$sl/stepds" 2>/dev/null | while read -r p; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmstepd ] && echo "$p"
	done
}

on_finish() {
	local i p
	[ -n "$watchdog" ] && kill -9 "$watchdog" 2>/dev/null
	# Slurm's own way first: cancel every job of this cluster, so each
	# slurmstepd stops its task; then the daemons.
	if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
		scancel --quiet --user=root 2>/dev/null
		for i in $(seq 1 100); do	# up to 10 s (KillWait=5)
			[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.1
		done
	fi
	# A task whose slurmstepd is gone: its runner (a framefit process of
	# this test, checked by name) and the workers it forked.
	for p in $(runners); do
		if grep -q framefit "/proc/$p/cmdline" 2>/dev/null; then
			kill -9 $(pgrep -P "$p") "$p" 2>/dev/null
		fi
	done
	stepds_seen
	# A moment for each slurmstepd to tell slurmd its task is over; the
	# ones that stay (they may wait for slurmd's end) are stopped last.
	for i in $(seq 1 20); do
		[ -z "$(stepds)" ] && break
		sleep 0.1
	done
	stop_pid "$slurmd_pid" "$ctld_pid"
	# shellcheck disable=SC2046
	stop_pid $(stepds)
	stop_pid "$munged_pid"
}

# The whole test within FF_TEST_TIMEOUT seconds; see test_batch.sh.
(
	for ((t = 0; t < ${FF_TEST_TIMEOUT:-300}; t++)); do sleep 1; done
	echo "timed out"
	kill -TERM $$
	pkill -TERM -P $$
) &
watchdog=$!
disown $watchdog

job_id() { sql "SELECT id FROM batch_jobs WHERE name = '$1'"; }
count() {	# count JOB_ID [WHERE...]
	sql "SELECT COUNT(*) FROM batch_items WHERE job_id = $1 ${2:+AND $2}"
}
run_count() { sed -n 's/^this run: \([0-9]*\) photos.*/\1/p' "$1"; }
# Detections of a job's items minus distinct items, and their number.
detections() {
	sql "SELECT COUNT(*) - COUNT(DISTINCT d.batch_item_id), COUNT(*) FROM detections d JOIN batch_items i ON i.id = d.batch_item_id WHERE i.job_id = $1" |
		tr '\t' ,
}

# ---- Setup: the photos, the database, munge and Slurm ----

[ "$(id -u)" = 0 ] || bail "Slurm's daemons run as root here: run the test as root"
for p in munged slurmctld slurmd sbatch squeue scancel scontrol; do
	command -v $p >/dev/null 2>&1 ||
		bail "no $p: install Debian's slurm-wlm and munge (./test.sh does)"
done
[ -x "$cli" ] || bail "no $cli: build it first (make; FF_BUILD_DIR names the build)"
pick_models
for f in face eyes refine; do
	[ -s "$models/$f.weights" ] || bail "no $models/$f.weights"
done
echo "# program: $cli batch, through $sbatch_script"
echo "# models: $models"
mkdir -p "$work"
rm -rf "$tmp" "$sl"
mkdir -p "$tmp" "$sl/state" "$sl/spool" "$sl/out"
: >"$work/sql.err"
db_fresh
(umask 077 && env | grep -E '^FF_DB_(SOCKET|NAME)=' >"$FF_BATCH_ENV")

list=$tmp/list.txt
find "$faces/mtfl/images/lfw_5590" -name '*.jpg' | sort | head -n "$nphotos" >"$list"
[ "$(wc -l <"$list")" = "$nphotos" ] || bail "fewer than $nphotos photos in $faces"

# munge: its key and socket private to the test. munged wants the
# socket's directory searchable by all and the key readable by it alone.
chmod 711 "$sl"
head -c 1024 /dev/urandom >"$sl/munge.key"
chmod 400 "$sl/munge.key"
munged -F --key-file="$sl/munge.key" --socket="$sl/munge.sock" \
	--pid-file="$sl/munged.pid" --seed-file="$sl/munged.seed" \
	--log-file="$sl/munged.log" >"$sl/munged.out" 2>&1 &
munged_pid=$!
for i in $(seq 1 50); do [ -S "$sl/munge.sock" ] && break; sleep 0.1; done
[ -S "$sl/munge.sock" ] || bail "munged did not start; see $sl/munged.out"

ctld_port=$(free_port) || bail "no free port"
slurmd_port=$(free_port) || bail "no free port"
[ "$slurmd_port" != "$ctld_port" ] || slurmd_port=$((ctld_port + 1))
# pmix (MPI) is not installed and not wanted: MpiDefault=none; slurmd
# still logs that it cannot load it, which is harmless.
cat >"$SLURM_CONF" <<EOF
ClusterName=fftest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sl/munge.sock
CredType=cred/munge
StateSaveLocation=$sl/state
SlurmdSpoolDir=$sl/spool
SlurmctldPidFile=$sl/slurmctld.pid
SlurmdPidFile=$sl/slurmd.pid
SlurmctldLogFile=$sl/slurmctld.log
SlurmdLogFile=$sl/slurmd.log
PlugStackConfig=$sl/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=4 RealMemory=1000 State=UNKNOWN
PartitionName=fftest Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
: >"$sl/plugstack.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$sl/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -f "$SLURM_CONF" -N "$host" >"$sl/slurmd.out" 2>&1 &
slurmd_pid=$!
state=
for i in $(seq 1 300); do	# up to 30 s
	state=$(sinfo -h -o %t 2>/dev/null)
	[ "$state" = idle ] && break
	if ! kill -0 "$ctld_pid" 2>/dev/null || ! kill -0 "$slurmd_pid" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
[ "$state" = idle ] || bail "Slurm did not come up (node: '$state'); see $sl/slurmctld.out, $sl/slurmd.out"
ok "Slurm up: one node, 4 CPUs"

# submit NAME OPTION...: a 4-task array of the script on job NAME with the
# test's list; prints the array's job id.
submit() {
	local name=$1
	shift
	# The database only through FF_BATCH_ENV: without it the tasks
	# would reach another server (or none).
	env -u FF_DB_DIR -u FF_DB_SOCKET -u FF_DB_NAME \
	sbatch --parsable --array=0-3 --cpus-per-task=1 --chdir="$tmp" \
		--output="$sl/out/$name-%a.out" "$sbatch_script" "$name" \
		--models "$models" --size 640 --claim 4 "$@" "$list" 2>"$tmp/sbatch-$name.err"
}
# done_wait ARRAY_ID: until none of its tasks is pending or running (up to
# 150 s); 0 when that happened.
done_wait() {
	local i
	for i in $(seq 1 1500); do
		stepds_seen
		[ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
# task_states ARRAY_ID: "TASK:STATE:EXIT " for every task, by task.
task_states() {
	scontrol -o show job "$1" 2>/dev/null |
		sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\) .*/\1:\2:\3/p' |
		sort -n | tr '\n' ' '
}
# The framefit runner of task TASK of job NAME: the task's script, which
# execs it.
task_runner() {
	sed -n 's/^framefit-batch: task .* pid \([0-9]*\)$/\1/p' "$sl/out/$1-$2.out" 2>/dev/null
}
# The workers of task TASK of job NAME, as claimed_by spells them
# ('host:pid','host:pid').
task_workers() {
	local runner w out=
	runner=$(task_runner "$1" "$2")
	[ -n "$runner" ] || return 0
	for w in $(pgrep -P "$runner"); do
		out="$out${out:+,}'$(hostname):$w'"
	done
	echo "$out"
}
# hit_mid_run NAME TASK: waits (up to 60 s) until the job has at least 20
# items finished and TASK's workers hold claims; prints those workers.
hit_mid_run() {
	local i j n w=
	for i in $(seq 1 600); do
		j=$(job_id "$1")
		if [ -n "$j" ] && [ "$(count "$j" "state IN ('done','noface','failed')")" -ge 20 ]; then
			w=$(task_workers "$1" "$2")
			if [ -n "$w" ]; then
				n=$(count "$j" "state = 'claimed' AND claimed_by IN ($w)")
				[ "$n" -ge 1 ] && { echo "$w"; return 0; }
			fi
		fi
		sleep 0.1
	done
	return 1
}
# The checks every phase ends with: the job finished, all items once.
job_complete() {	# job_complete PHASE JOB_ID
	check_eq "$1: job finished with all items" \
		"$(sql "SELECT finished IS NOT NULL, n_items FROM batch_jobs WHERE id = $2")" \
		"$(printf '1\t%s' "$nphotos")"
	check_eq "$1: nothing left queued or claimed" \
		"$(count "$2" "state IN ('queued','claimed')")" 0
	check_eq "$1: every photo processed (done or no face)" \
		"$(count "$2" "state IN ('done','noface')")" "$nphotos"
	check_eq "$1: one detection per processed photo, none twice" \
		"$(detections "$2")" "0,$nphotos"
}

# ---- A. Four tasks finish one job ----

echo "# A. four array tasks on one job"
ja_slurm=$(submit slurm-a)
[ -n "$ja_slurm" ] || bail "sbatch failed: $(cat "$tmp/sbatch-slurm-a.err")"
done_wait "$ja_slurm" || nok "A: the tasks end within 150 s"
check_eq "A: every task completed, exit 0" "$(task_states "$ja_slurm")" \
	"0:COMPLETED:0:0 1:COMPLETED:0:0 2:COMPLETED:0:0 3:COMPLETED:0:0 "
ja=$(job_id slurm-a)
[ -n "$ja" ] || bail "no job slurm-a in the database; see $sl/out/slurm-a-0.out"
job_complete A "$ja"
check_eq "A: every item claimed exactly once" "$(count "$ja" "attempts <> 1")" 0
sum=0
busy=0
for t in 0 1 2 3; do
	n=$(run_count "$sl/out/slurm-a-$t.out")
	sum=$((sum + ${n:-0}))
	[ "${n:-0}" -gt 0 ] && busy=$((busy + 1))
	check_grep "A: task $t saw the job finished" "^job slurm-a: finished: $nphotos items" \
		"$sl/out/slurm-a-$t.out"
done
check_eq "A: the tasks' counts add up to the job" "$sum" "$nphotos"
check_ge "A: tasks that did work" "$busy" 3
check_eq "A: one runner per task, each on its own worker" \
	"$(sql "SELECT COUNT(DISTINCT claimed_by) FROM batch_items WHERE job_id = $ja")" "$busy"

# ---- B. scancel of one task: it gives its claims back ----

echo "# B. scancel one task mid-run"
jb_slurm=$(submit slurm-term)
[ -n "$jb_slurm" ] || bail "sbatch failed: $(cat "$tmp/sbatch-slurm-term.err")"
if w=$(hit_mid_run slurm-term 2); then
	scancel "${jb_slurm}_2"
	for i in $(seq 1 200); do	# up to 20 s
		[ -z "$(squeue -h -j "${jb_slurm}_2" -t PD,R,CG -o %i 2>/dev/null)" ] && break
		sleep 0.1
	done
	jb=$(job_id slurm-term)
	check_eq "B: the cancelled task left no claim behind" \
		"$(count "$jb" "state = 'claimed' AND claimed_by IN ($w)")" 0
else
	nok "B: task 2 held claims mid-run within 60 s"
fi
done_wait "$jb_slurm" || nok "B: the tasks end within 150 s"
check_re "B: task 2 cancelled, the others completed" "$(task_states "$jb_slurm")" \
	'^0:COMPLETED:0:0 1:COMPLETED:0:0 2:CANCELLED:[0-9]+:[0-9]+ 3:COMPLETED:0:0 $'
jb=$(job_id slurm-term)
job_complete B "$jb"
check_grep "B: the cancelled task stopped before the job was finished" \
	"^job slurm-term: not finished" "$sl/out/slurm-term-2.out"
check_ge "B: the cancelled task had done work" "$(run_count "$sl/out/slurm-term-2.out")" 1
check_eq "B: given-back items were claimed once more, not counted twice" \
	"$(count "$jb" "attempts <> 1")" 0
sum=0
for t in 0 1 2 3; do
	n=$(run_count "$sl/out/slurm-term-$t.out")
	sum=$((sum + ${n:-0}))
done
check_eq "B: the four tasks' counts add up to the job" "$sum" "$nphotos"

# ---- C. SIGKILL of one task: its claims expire and are taken over ----

echo "# C. kill -9 of one task's processes mid-run (--lease 3)"
jc_slurm=$(submit slurm-kill --lease 3)
[ -n "$jc_slurm" ] || bail "sbatch failed: $(cat "$tmp/sbatch-slurm-kill.err")"
inflight=
if w=$(hit_mid_run slurm-kill 2); then
	# Workers first, so none outlives its runner long enough to be told
	# (PR_SET_PDEATHSIG) to stop cleanly.
	pids="$(echo "$w" | grep -o ':[0-9]*' | tr -d :) $(task_runner slurm-kill 2)"
	# shellcheck disable=SC2086
	kill -9 $pids
	# Its claims are frozen once its processes are dead.
	for i in $(seq 1 200); do
		# shellcheck disable=SC2086
		kill -0 $pids 2>/dev/null || break
		sleep 0.1
	done
	jc=$(job_id slurm-kill)
	inflight=$(sql "SELECT id FROM batch_items WHERE job_id = $jc AND state = 'claimed' AND claimed_by IN ($w)" | paste -sd,)
	echo "# killed holding items ${inflight:-none}"
	check_eq "C: the killed task held claims" "$([ -n "$inflight" ] && echo yes)" yes
else
	nok "C: task 2 held claims mid-run within 60 s"
fi
done_wait "$jc_slurm" || nok "C: the tasks end within 150 s"
check_re "C: task 2 killed, the others completed" "$(task_states "$jc_slurm")" \
	'^0:COMPLETED:0:0 1:COMPLETED:0:0 2:(FAILED|CANCELLED):[0-9]+:9 3:COMPLETED:0:0 $'
jc=$(job_id slurm-kill)
job_complete C "$jc"
if [ -n "$inflight" ]; then
	check_eq "C: the killed task's claims were taken over (second attempt)" \
		"$(sql "SELECT COUNT(*) FROM batch_items WHERE id IN ($inflight) AND attempts = 2 AND state IN ('done','noface')")" \
		"$(echo "$inflight" | tr ',' '\n' | wc -l)"
fi
check_eq "C: no item claimed more than twice" "$(count "$jc" "attempts > 2")" 0

check_eq "no database errors logged" \
	"$(cat "$sl"/out/*.out | grep -c 'framefit: db:')" 0
