#!/bin/bash
# The merge job of a sharded sweep (submitted by tools/slurm/submit.sh after every array task has
# ended, whatever their state): the shard files into a fresh database, only if the sweep is whole.
#
# Arguments: RATELAB DIR N OUT
#
# `ratelab merge --require-complete` refuses (exit 2, OUT not written) when a shard is missing or
# incomplete, naming the shards and points; this script then says which array indexes to run
# again: `tools/slurm/submit.sh --resume DIR` submits exactly those and a new merge job.
set -uo pipefail
if [ $# -ne 4 ]; then echo "merge.sh: usage: merge.sh RATELAB DIR N OUT (see tools/slurm/submit.sh)" >&2; exit 2; fi
ratelab=$1 dir=$2 n=$3 out=$4
if [ -e "$out" ]; then
    echo "merge.sh: $out exists; the merge writes a fresh database (move it away, then tools/slurm/submit.sh --resume $dir)" >&2
    exit 2
fi
files=()
missing=()
for ((i = 0; i < n; i++)); do
    f="$dir/shard-$i-of-$n.db"
    if [ -f "$f" ]; then
        files+=("$f")
        "$ratelab" status "$f" >/dev/null 2>&1 || missing+=("$i")
    else
        missing+=("$i")
    fi
done
if [ ${#files[@]} -eq 0 ]; then
    echo "merge.sh: no shard file in $dir: no array task copied anything back (see $dir/slurm-*.out)" >&2
    exit 2
fi
"$ratelab" merge --require-complete "$out" "${files[@]}"
rc=$?
if [ $rc -ne 0 ] && [ ${#missing[@]} -gt 0 ]; then
    list=$(IFS=,; echo "${missing[*]}")
    echo "merge.sh: shards $list of $n are incomplete; run them again with: tools/slurm/submit.sh --resume $dir" >&2
fi
exit $rc
