#!/bin/bash
# make test-cluster: the shipped Slurm recipe (tools/slurm/) against a real single-node Slurm that
# the test starts in a temporary directory and stops again, on failure and interrupt too.
#
# It submits a small asym_link sweep in 4 shards, cancels one array task in the middle of its
# shard, checks that the merge job refuses the incomplete sweep and that the cancelled task copied
# back what it had stored, resubmits with submit.sh --resume, and checks that the merged database
# equals an unsharded sweep of the same grid (runs, parameters and metrics of every run) and that
# no run was simulated twice beyond the runs the cancelled task had in progress.  Needs root and
# slurmctld, slurmd, munged (Debian slurm-wlm, munge: make deps-cluster); skips without them.
# Own slurm.conf (proctrack/linuxproc, task/none, no accounting), own ports, state, spool, munge
# key and socket; every process it starts carries RATELAB_SLURM_TEST=<its directory>, which is how
# the clean-up finds anything left.  KEEP=1 keeps the directory for a post-mortem.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
ratelab=$repo/ratelab
t_start=$(date +%s.%N)
say() { echo "test-cluster: $*"; }
skip() { say "SKIP: $*"; exit 0; }
fail() { say "FAIL: $*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" -eq 0 ] || skip "needs root (it starts slurmctld, slurmd and munged)"
for b in slurmctld slurmd munged sbatch squeue scancel scontrol sinfo sqlite3 ss setsid; do
    command -v "$b" >/dev/null || skip "$b is not installed (make deps-cluster installs Debian slurm-wlm and munge)"
done
[ -x "$ratelab" ] || fail "no ./ratelab: build it first (make)"

T=$(mktemp -d /tmp/ratelab-slurm.XXXXXX) || fail "mktemp"
chmod 755 "$T"          # munged wants its socket's directories searchable by all
mark=(env "RATELAB_SLURM_TEST=$T" "SLURM_CONF=$T/slurm.conf")
export SLURM_CONF=$T/slurm.conf
ctld_pid= slurmd_pid=

# Processes started for this test (and by its daemons) carry the marker in their environment.
marked_pids() {
    grep -lzxF "RATELAB_SLURM_TEST=$T" /proc/[0-9]*/environ 2>/dev/null | sed 's|^/proc/\([0-9]*\)/environ$|\1|'
}

stop_pid() {
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
}

cleanup() {
    local rc=$?
    trap '' INT TERM HUP
    if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
        # Jobs first: their processes belong to slurmstepd, not to this script.
        jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
        [ -n "$jobs" ] && scancel $jobs 2>/dev/null
        for _ in $(seq 60); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 1; done
    fi
    stop_pid "$slurmd_pid"
    stop_pid "$ctld_pid"
    [ -f "$T/munge/munged.pid" ] && stop_pid "$(cat "$T/munge/munged.pid")"
    left=$(marked_pids)
    if [ -n "$left" ]; then
        say "killing processes left behind: $(echo $left)"
        kill -KILL $left 2>/dev/null
        sleep 0.5
    fi
    left=$(marked_pids)
    [ -z "$left" ] || { say "FAIL: processes still running: $(echo $left)" >&2; rc=1; }
    if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

free_port() {
    local used p
    used=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 30000))
        grep -qx "$p" <<<"$used" || grep -qx "$((p + 1))" <<<"$used" || { echo "$p"; return; }
    done
    fail "no free TCP port pair found"
}

# ---- a single-node cluster ----
t0=$(date +%s.%N)
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/node-tmp" "$T/shared-tmp"
chmod 755 "$T/munge"
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 2>/dev/null && chmod 400 "$T/munge.key"
"${mark[@]}" munged --socket="$T/munge/munge.sock" --key-file="$T/munge.key" --pid-file="$T/munge/munged.pid" \
    --log-file="$T/log/munged.log" --seed-file="$T/munge/munged.seed" || fail "munged did not start ($T/log/munged.log)"
port=$(free_port)
host=$(hostname -s)
cat >"$T/slurm.conf" <<EOF
ClusterName=ratelabtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=30
MinJobAge=3600
TmpFS=$T/node-tmp
NodeName=rlnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=rlnode Default=YES MaxTime=INFINITE State=UP
EOF
"${mark[@]}" setsid slurmctld -D -c -f "$T/slurm.conf" >"$T/log/slurmctld.out" 2>&1 &
ctld_pid=$!
"${mark[@]}" setsid slurmd -D -f "$T/slurm.conf" -N rlnode >"$T/log/slurmd.out" 2>&1 &
slurmd_pid=$!
for _ in $(seq 150); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.2; done
[ "$(sinfo -h -o %T 2>/dev/null)" = idle ] || fail "the node did not come up (logs in $T/log; KEEP=1 keeps them)"
t_cluster=$(elapsed "$t0")
say "cluster up in ${t_cluster} s (ports $port-$((port + 1)), $T)"

# ---- the sweep: 6 points x 4 seeds, about 0.8 s a run, 4 shards of 6 runs ----
grid=(scenarios/asym_link.ini --vary up_limit_kbps=16,32,64 --vary modem_queue_pkts=5,15 --seeds 4
      --set duration_s=4000 --set warmup_s=1 --set n_up=1)
t0=$(date +%s.%N)
"$ratelab" sweep "${grid[@]}" --jobs 2 --db "$T/full.db" >/dev/null || fail "the unsharded sweep failed"
say "unsharded reference: 24 runs in $(elapsed "$t0") s"

dir=$T/shards/t
out=$T/merged.db
# An inherited TMPDIR pointing at "shared storage" must not receive the shard databases.
submit() { "${mark[@]}" TMPDIR="$T/shared-tmp" tools/slurm/submit.sh "$@"; }
wait_idle() {   # until no job of ours is queued or running
    for _ in $(seq 600); do [ -z "$(squeue -h 2>/dev/null)" ] && return 0; sleep 0.5; done
    fail "jobs still queued after 300 s: $(squeue 2>&1)"
}
job_field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

t0=$(date +%s.%N)
log=$(submit --name t --shards 4 --cpus 1 --time 10 --dir "$dir" --out "$out" -- "${grid[@]}") || fail "submit: $log"
echo "$log"
shard_job=$(sed -n 's/.*shards: job \([0-9]*\).*/\1/p' <<<"$log")
merge_job=$(sed -n 's/.*merge: job \([0-9]*\).*/\1/p' <<<"$log")
[ -n "$shard_job" ] && [ -n "$merge_job" ] || fail "no job ids in: $log"
grep -q "(array 0-3)" <<<"$log" || fail "the array is not 0-3: $log"

# Cancel array task 1 once it has stored 2 of its 6 runs on the node's disk.
stored=0
for _ in $(seq 1200); do
    db=$(ls "$T"/node-tmp/ratelab-shard-1-of-4.*/shard.db 2>/dev/null | head -1)
    [ -n "$db" ] && stored=$(sqlite3 -readonly "$db" 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
    [ "${stored:-0}" -ge 2 ] && break
    sleep 0.1
done
[ "${stored:-0}" -ge 2 ] || fail "array task 1 never stored 2 runs (logs in $dir)"
scancel "${shard_job}_1" || fail "scancel ${shard_job}_1"
t_cancel=$(elapsed "$t0")
say "cancelled array task ${shard_job}_1 after ${t_cancel} s with $stored runs stored on the node"
wait_idle
t_round1=$(elapsed "$t0")

# The cancelled task stopped its sweep cleanly and copied back what it had stored.
task1_log=$dir/slurm-${shard_job}_1.out
grep -q "stopped by SIGTERM" "$task1_log" || fail "task 1 did not stop cleanly: $(cat "$task1_log")"
back=$(sqlite3 -readonly "$dir/shard-1-of-4.db" 'SELECT count(*) FROM runs' 2>/dev/null) || fail "no shard 1 file copied back"
[ "$back" -ge "$stored" ] && [ "$back" -lt 6 ] || fail "shard 1 file holds $back runs (stored $stored when cancelled)"
[ "$(job_field "${shard_job}_1" JobState)" = CANCELLED ] || fail "task 1 is $(job_field "${shard_job}_1" JobState)"
for i in 0 2 3; do [ "$(job_field "${shard_job}_$i" JobState)" = COMPLETED ] || fail "task $i: $(job_field "${shard_job}_$i" JobState)"; done
# The merge job ran anyway (afterany), refused the incomplete sweep and wrote nothing.
[ "$(job_field "$merge_job" JobState)" = FAILED ] && [ "$(job_field "$merge_job" ExitCode)" = 2:0 ] ||
    fail "merge job $merge_job: $(job_field "$merge_job" JobState) $(job_field "$merge_job" ExitCode)"
grep -q "missing from shard 1/4" "$dir/merge-$merge_job.out" || fail "merge log: $(cat "$dir/merge-$merge_job.out")"
grep -q "submit.sh --resume" "$dir/merge-$merge_job.out" || fail "merge log has no resume hint"
[ ! -e "$out" ] || fail "the refused merge left $out"
say "round 1: ${t_round1} s; shard 1 copied back $back runs; merge job refused the incomplete sweep (exit 2)"

# What the recipe avoids: an afterok dependency on a job that failed is never satisfied, and the
# dependent job waits for ever; scancel is the way out.
failed_job=$("${mark[@]}" sbatch --parsable --output=/dev/null --wrap 'exit 1') || fail "sbatch"
stuck_job=$("${mark[@]}" sbatch --parsable --output=/dev/null --dependency="afterok:${failed_job%%;*}" --wrap true) || fail "sbatch"
reason=
for _ in $(seq 300); do
    reason=$(squeue -h -j "${stuck_job%%;*}" -o %r 2>/dev/null)
    [ "$reason" = DependencyNeverSatisfied ] && break
    sleep 0.2
done
[ "$reason" = DependencyNeverSatisfied ] || fail "afterok on a failed job: reason '$reason'"
scancel "${stuck_job%%;*}"
wait_idle
say "an afterok job after a failed job waits in DependencyNeverSatisfied until cancelled (the recipe uses afterany)"

# ---- resubmission: only the incomplete shard, then a new merge ----
t0=$(date +%s.%N)
log=$(submit --resume "$dir") || fail "submit --resume: $log"
echo "$log"
shard_job2=$(sed -n 's/.*shards: job \([0-9]*\).*/\1/p' <<<"$log")
merge_job2=$(sed -n 's/.*merge: job \([0-9]*\).*/\1/p' <<<"$log")
grep -q "(array 1)" <<<"$log" || fail "--resume did not pick shard 1 alone: $log"
wait_idle
t_round2=$(elapsed "$t0")
[ "$(job_field "$merge_job2" JobState)" = COMPLETED ] || fail "merge job $merge_job2: $(cat "$dir/merge-$merge_job2.out")"
grep -q "6 in this shard, $back already present, $((6 - back)) done" "$dir/slurm-${shard_job2}_1.out" ||
    fail "the resubmitted task did not continue from the copied-back file: $(cat "$dir/slurm-${shard_job2}_1.out")"

# ---- the merged database equals the unsharded sweep ----
"$ratelab" status "$out" >/dev/null || fail "ratelab status: $out is incomplete"
differ() {   # rows of query Q over database A missing from B, both ways
    sqlite3 -readonly "$out" "ATTACH '$T/full.db' AS f; SELECT (SELECT count(*) FROM ($1 EXCEPT ${1//main./f.})) +
                                                               (SELECT count(*) FROM (${1//main./f.} EXCEPT $1))"
}
runs_q="SELECT run_key, scenario, experiment, params, point, seed, code_version, engine FROM main.runs"
params_q="SELECT r.run_key, p.key, p.text, p.num FROM main.runs r JOIN main.params p ON p.run_id = r.id"
metrics_q="SELECT r.run_key, m.name, m.value FROM main.runs r JOIN main.metrics m ON m.run_id = r.id"
[ "$(sqlite3 -readonly "$out" 'SELECT count(*) FROM runs')" = 24 ] || fail "merged database: not 24 runs"
for q in "$runs_q" "$params_q" "$metrics_q"; do
    d=$(differ "$q") || fail "comparison failed: $q"
    [ "$d" = 0 ] || fail "merged database differs from the unsharded sweep in $d rows of: $q"
done
n_metrics=$(sqlite3 -readonly "$out" 'SELECT count(*) FROM metrics')

# ---- simulations: every run once, except runs the cancelled task abandoned ----
simulated=$(cat "$dir"/slurm-*.out | sed -n 's/.* \([0-9]*\) done, .*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
rerun=$((simulated - 24))
[ "$rerun" -ge 0 ] && [ "$rerun" -le 1 ] || fail "$simulated runs simulated for 24 (the cancelled task had 1 in progress)"

# ---- a stale folder: another sweep into the same shard folder is refused before anything runs ----
if submit --name t --shards 4 --dir "$dir" --out "$T/other.db" -- scenarios/asym_link.ini --vary n_up=0,1 --seeds 4 >"$T/stale.out" 2>&1; then
    fail "a second sweep into $dir was accepted"
fi
grep -q "holds the shards of another sweep" "$T/stale.out" || fail "stale folder: $(cat "$T/stale.out")"
leftovers=$(find "$T/node-tmp" "$T/shared-tmp" -mindepth 1 | head -3)
[ -z "$leftovers" ] || fail "temporary files left on the node: $leftovers"

say "round 2 (resubmitted shard 1 + merge): ${t_round2} s"
say "merged database equals the unsharded sweep: 24 runs, $n_metrics metric rows, parameters and metrics identical"
say "cancelled task: $back of its 6 runs copied back, $((6 - back)) run again after the resubmission, $rerun simulated twice"
say "PASS in $(elapsed "$t_start") s (cluster start ${t_cluster} s, round 1 ${t_round1} s, round 2 ${t_round2} s)"
