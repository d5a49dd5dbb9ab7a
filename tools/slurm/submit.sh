#!/bin/bash
# Submits a ratelab sweep to Slurm as a job array of N shards (tools/slurm/shard.sh) plus a merge
# job that runs after all of them (tools/slurm/merge.sh); --resume DIR resubmits what is missing.
#
#   tools/slurm/submit.sh --name NAME --shards N [--cpus C] [--time T] [--grace S] [--dir DIR]
#                         [--out DB] [--sbatch ARG]... -- SCENARIO.ini SWEEP-FLAGS...
#   tools/slurm/submit.sh --resume DIR [--only I,J,...] [--sbatch ARG]...
#
# One folder per sweep holds its shard files (DIR, default results/shards/NAME/shard-I-of-N.db),
# the tasks' logs and the submission, so a folder never mixes two sweeps: submitting another
# sweep, or the same one cut differently, into it is refused.  The array is --array=0-(N-1), the
# shard index is the array index (ratelab sweep --shard N reads SLURM_ARRAY_TASK_ID), so a
# resubmitted index continues from the file its earlier attempt copied back.  The merge job
# depends on the array with afterany: it runs however the tasks ended and refuses (exit 2) to
# write the fresh output database OUT (default results/NAME.db) unless the sweep is complete, so
# it never waits forever in DependencyNeverSatisfied as an afterok dependency on a failed or
# cancelled task would.  After a failure: tools/slurm/submit.sh --resume DIR submits the shards
# that are incomplete (ratelab status of each shard file) and a new merge job.
set -uo pipefail
me=tools/slurm/submit.sh
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "$me: $*" >&2; exit 2; }

name= shards= cpus=1 time=01:00:00 grace=120 dir= out= resume= only=
sbatch_extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --name) name=${2:?--name needs a value}; shift 2 ;;
        --shards) shards=${2:?--shards needs a value}; shift 2 ;;
        --cpus) cpus=${2:?--cpus needs a value}; shift 2 ;;
        --time) time=${2:?--time needs a value}; shift 2 ;;
        --grace) grace=${2:?--grace needs a value}; shift 2 ;;
        --dir) dir=${2:?--dir needs a value}; shift 2 ;;
        --out) out=${2:?--out needs a value}; shift 2 ;;
        --resume) resume=${2:?--resume needs the shard folder}; shift 2 ;;
        --only) only=${2:?--only needs I,J,...}; shift 2 ;;
        --sbatch) sbatch_extra+=("${2:?--sbatch needs an argument}"); shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (see $me --help)" ;;
    esac
done
ratelab=${RATELAB:-$here/../../ratelab}
[ -x "$ratelab" ] || die "no ratelab binary at $ratelab (build it with make, or set RATELAB)"
ratelab=$(cd "$(dirname "$ratelab")" && pwd)/$(basename "$ratelab")
command -v sbatch >/dev/null || die "sbatch is not on PATH"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

if [ -n "$resume" ]; then
    [ $# -eq 0 ] || die "--resume takes the sweep from the folder; give no sweep flags"
    dir=$(abs "$resume")
    [ -f "$dir/submission" ] || die "$dir holds no submission (was it made by $me?)"
    # shellcheck disable=SC1091
    source "$dir/submission"
    set -- "${sweep_args[@]}"
else
    [ -n "$name" ] || die "--name NAME is required"
    [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--name $name: letters, digits, '_', '.' and '-' only"
    is_count "$shards" || die "--shards '$shards': expected a positive integer"
    is_count "$cpus" || die "--cpus '$cpus': expected a positive integer"
    [[ "$grace" =~ ^[0-9]+$ ]] || die "--grace '$grace': expected seconds"
    [ $# -gt 0 ] || die "the sweep is missing: -- SCENARIO.ini SWEEP-FLAGS..."
    dir=$(abs "${dir:-results/shards/$name}")
    out=$(abs "${out:-results/$name.db}")
    only=
fi

# The sweep's flags are checked here, before anything is queued; the dry run also gives the key
# that identifies the sweep and its number of runs.
plan=$("$ratelab" sweep "$@" --shard "0/$shards" --dry-run) || die "the sweep's flags are refused (above); nothing submitted"
key=$(sed -n 's/^sweep key: //p' <<<"$plan")
runs=$(sed -n 's/.* = \([0-9]*\) runs.*/\1/p' <<<"$plan" | head -1)
[ -n "$key" ] && [ -n "$runs" ] || die "cannot read the plan of the sweep: $plan"
[ "$shards" -le "$runs" ] || die "--shards $shards is more than the sweep's $runs runs"
job=ratelab-$name
queued=$(squeue -h -r -n "$job" -o %K 2>/dev/null | sort -n | paste -sd, -)

if [ -n "$resume" ]; then
    [ "$key" = "$saved_key" ] || die "$dir was submitted for sweep '$saved_key', these flags now make '$key'"
    [ -z "$queued" ] || die "shards $queued of $name are still queued or running; their merge job runs after them"
    [ ! -e "$out" ] || die "$out exists: the sweep was merged already"
    todo=()
    if [ -n "$only" ]; then
        IFS=, read -r -a todo <<<"$only"
        for i in "${todo[@]}"; do
            [[ "$i" =~ ^[0-9]+$ ]] && [ "$i" -lt "$shards" ] || die "--only $only: indexes are 0..$((shards - 1))"
        done
    else
        for ((i = 0; i < shards; i++)); do
            "$ratelab" status "$dir/shard-$i-of-$shards.db" >/dev/null 2>&1 || todo+=("$i")
        done
    fi
else
    if [ -f "$dir/submission" ]; then
        # shellcheck disable=SC1091
        saved_key=$(source "$dir/submission"; echo "$saved_key")
        if [ "$saved_key" = "$key" ]; then die "$dir already holds this sweep: $me --resume $dir"; fi
        die "$dir holds the shards of another sweep ('$saved_key'): remove it or choose another --name"
    fi
    stale=$(find "$dir" -maxdepth 1 -name 'shard-*.db' 2>/dev/null | head -3)
    [ -z "$stale" ] || die "$dir holds shard files of an unknown sweep ($(echo $stale)): remove them or choose another --name"
    [ -z "$queued" ] || die "jobs named $job are queued or running (array tasks $queued): choose another --name"
    [ ! -e "$out" ] || die "$out exists: the merge writes a fresh database (move it away or give --out)"
    mkdir -p "$dir" "$(dirname "$out")" || die "cannot create $dir"
    {
        printf 'name=%q shards=%q cpus=%q time=%q grace=%q out=%q\n' "$name" "$shards" "$cpus" "$time" "$grace" "$out"
        printf 'saved_key=%q\n' "$key"
        printf 'sweep_args=('; printf ' %q' "$@"; printf ' )\n'
    } >"$dir/submission"
    todo=()
    for ((i = 0; i < shards; i++)); do todo+=("$i"); done
fi

array=$(IFS=,; echo "${todo[*]}")
[ "${#todo[@]}" -lt "$shards" ] || array="0-$((shards - 1))"
if [ "${#todo[@]}" -gt 0 ]; then
    shard_job=$(sbatch --parsable --job-name="$job" --array="$array" --cpus-per-task="$cpus" --time="$time" \
                       --signal="B:TERM@$grace" --output="$dir/slurm-%A_%a.out" "${sbatch_extra[@]}" \
                       "$here/shard.sh" "$ratelab" "$dir" "$shards" "$@") || die "sbatch of the shards failed"
    shard_job=${shard_job%%;*}
    echo "$me: sweep $name: $runs runs in $shards shards; shards: job $shard_job (array $array) -> $dir/shard-I-of-$shards.db"
    dependency=(--dependency="afterany:$shard_job")
else
    echo "$me: every shard of $name is complete; only the merge is submitted"
    dependency=()
fi
merge_job=$(sbatch --parsable --job-name="$job-merge" "${dependency[@]}" --cpus-per-task=1 --time="$time" \
                   --output="$dir/merge-%j.out" "${sbatch_extra[@]}" \
                   "$here/merge.sh" "$ratelab" "$dir" "$shards" "$out") || die "sbatch of the merge failed"
merge_job=${merge_job%%;*}
echo "$me: merge: job $merge_job after the shards -> $out"
echo "$me: progress: squeue -n $job; $ratelab status $dir/shard-*-of-$shards.db"
