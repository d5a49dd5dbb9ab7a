#!/bin/bash
# One shard of a ratelab sweep as a Slurm array task (submitted by tools/slurm/submit.sh): runs it
# in a database on the node's own disk, resumed from the shard's copy, and copies it back always.
#
# Arguments: RATELAB DIR N SWEEP-ARGS...   (task I = SLURM_ARRAY_TASK_ID; shard file DIR/shard-I-of-N.db)
#
# The database lives on the node's local disk (SQLite's WAL does not work over a network
# filesystem) in the node's own temporary directory: Slurm's TmpFS (default /tmp) or
# RATELAB_NODE_TMP, never an inherited TMPDIR, which the submitting shell may have pointed at
# shared storage.  The shard file on shared storage is only ever written by `ratelab merge`, which
# reads the WAL, builds a temporary file beside the target and renames it into place, so a
# half-copied file never replaces a good one.  Copy-back runs on every exit: success, a failed
# run, scancel or the time limit (SIGTERM: the sweep finishes its runs in progress first).
set -uo pipefail
if [ $# -lt 4 ] || [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
    echo "shard.sh: usage: sbatch --array=0-(N-1) shard.sh RATELAB DIR N SWEEP-ARGS... (see tools/slurm/submit.sh)" >&2
    exit 2
fi
ratelab=$1 dir=$2 n=$3
shift 3
i=$SLURM_ARRAY_TASK_ID
shard_db="$dir/shard-$i-of-$n.db"
say() { echo "shard $i/$n on $(hostname): $*" >&2; }

node_tmp=${RATELAB_NODE_TMP:-$(scontrol show config 2>/dev/null | awk '$1 == "TmpFS" { print $3 }')}
node_tmp=${node_tmp:-/tmp}
fs=$(stat -f -c %T "$node_tmp" 2>/dev/null) || { say "no temporary directory $node_tmp"; exit 2; }
case "$fs" in
    nfs*|lustre|gpfs|beegfs|cifs|smb*|ceph|fuse*|9p|afs|panfs|wekafs|glusterfs)
        say "$node_tmp is on $fs, not local disk; set RATELAB_NODE_TMP to a local directory"
        exit 2 ;;
esac
work=$(mktemp -d "$node_tmp/ratelab-shard-$i-of-$n.XXXXXX") || { say "cannot create a directory in $node_tmp"; exit 1; }
export TMPDIR=$work
local_db=$work/shard.db
sweep_pid=

copy_back() {
    local status=$?
    trap '' TERM HUP INT
    if [ -f "$local_db" ]; then
        if "$ratelab" merge "$shard_db" "$local_db"; then
            rm -rf "$work"
        else
            say "copy-back to $shard_db failed; the shard's runs stay in $work"
            [ "$status" -eq 0 ] && status=1
        fi
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap copy_back EXIT
# Slurm signals every process of the job (the sweep too); with --signal=B:TERM only this shell
# is told, so pass it on.  The sweep treats a repeated SIGTERM like the first.
trap '[ -n "$sweep_pid" ] && kill -TERM "$sweep_pid" 2>/dev/null' TERM HUP INT

# A resubmitted task continues from what an earlier attempt copied back.
if [ -f "$shard_db" ]; then
    "$ratelab" merge "$local_db" "$shard_db" >/dev/null || { say "cannot restore $shard_db"; exit 2; }
fi
"$ratelab" sweep "$@" --shard "$n" --jobs "${SLURM_CPUS_PER_TASK:-1}" --db "$local_db" &
sweep_pid=$!
wait "$sweep_pid"
rc=$?
# A trapped signal interrupts `wait`; wait again until the sweep has ended.
while kill -0 "$sweep_pid" 2>/dev/null; do
    wait "$sweep_pid"
    rc=$?
done
sweep_pid=
exit "$rc"
