#!/usr/bin/env bash
# make validate: the validation grid (validation/grid.txt) on the simulator (seeds 1..40) and,
# where network namespaces work, on the kernel; then the comparison (validation/compare.sql),
# the table in docs/validation.md and the figure docs/img/validation-goodput.png.
#   VALIDATE_KERNEL=auto (default: kernel part if `ratelab kernel` can run here) | 1 | 0
#   VALIDATE_KERNEL_CASES=REGEX  run only these cases on the kernel (e.g. to redo a failed one);
#   the simulator always runs the whole grid, and the comparison covers every case with kernel data
#   VALIDATE_KERNEL_ADD=1  measure only the kernel seeds (1..repetitions) a case lacks in
#   validation/kernel.sql and add them to its committed runs (default 0: measure seeds
#   1..repetitions and replace the case's committed runs)
#   VALIDATE_SIM=0  no simulator and no comparison: the kernel runs and validation/kernel.sql only
#   VALIDATE_DRY_RUN=1  print the kernel runs it would do, one line per `ratelab kernel`, and stop
# Kernel results go to results/validation/kernel/CASE.db (a re-run resumes), merged and dumped
# to validation/kernel.sql, which is committed so the comparison can be redrawn without root.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/validation
grid=validation/grid.txt
kernel=${VALIDATE_KERNEL:-auto}
only=${VALIDATE_KERNEL_CASES:-.}
add=${VALIDATE_KERNEL_ADD:-0}
sim=${VALIDATE_SIM:-1}
dry=${VALIDATE_DRY_RUN:-0}
refuse() { echo "validate: $*" >&2; exit 2; }
[[ "$kernel" =~ ^(auto|0|1)$ ]] || refuse "VALIDATE_KERNEL must be auto, 0 or 1 (got '$kernel')"
[[ "$add" =~ ^[01]$ ]] || refuse "VALIDATE_KERNEL_ADD must be 0 or 1 (got '$add')"
[[ "$sim" =~ ^[01]$ ]] || refuse "VALIDATE_SIM must be 0 or 1 (got '$sim')"
[[ "$dry" =~ ^[01]$ ]] || refuse "VALIDATE_DRY_RUN must be 0 or 1 (got '$dry')"
rc=0; [[ x =~ $only ]] || rc=$?
(( rc != 2 )) || refuse "VALIDATE_KERNEL_CASES is not a regular expression (got '$only')"

# One scenario file per case, so a run's scenario name is its case name in both engines' rows.
names=() reps=() solo=() sets=()
line=0
while read -r name rep rest; do
    line=$((line + 1))
    [[ -z "$name" || "$name" == \#* ]] && continue
    [[ "$rep" =~ ^[1-9][0-9]{0,3}$ ]] || refuse "$grid:$line: case $name: kernel repetitions must be 1..9999 (got '$rep')"
    s=0
    if [[ "$rest" == solo* ]]; then s=1; rest=${rest#solo}; fi
    # core_kbps: the kernel testbed has no core link.  A server's back-to-back segments reach
    # the router 1-5 us apart (median; the simulator's default 100 Mbit/s core spaces full
    # frames 121 us), and the delay line, modelled in the simulator, sets the spacing into the
    # shaped FIFO (docs/validation.md, item 21).  A case may set its own (the 100 Mbit/s ones).
    args="framing=veth duration_s=30 warmup_s=10 core_kbps=10000000 $rest"
    names+=("$name"); reps+=("$rep"); solo+=("$s"); sets+=("$args")
done < "$grid"

# The kernel seeds to measure per case, as "FIRST COUNT" ranges: 1..repetitions, or with
# VALIDATE_KERNEL_ADD=1 those of 1..repetitions without a committed run that kept every invariant.
declare -A have=()
if [[ "$add" == 1 ]]; then
    [[ -f validation/kernel.sql ]] || refuse "VALIDATE_KERNEL_ADD=1: no validation/kernel.sql to add to"
    while read -r key; do have[$key]=1; done < <(sqlite3 -cmd ".read validation/kernel.sql" :memory: \
        "SELECT scenario || ' ' || seed FROM runs WHERE engine = 'kernel' AND failure IS NULL")
fi
ranges=()
for i in "${!names[@]}"; do
    r="" first=0
    for seed in $(seq 1 $((reps[i] + 1))); do
        if (( seed <= reps[i] )) && [[ -z "${have[${names[$i]} $seed]:-}" ]]; then
            (( first )) || first=$seed
        elif (( first )); then
            r+="$first $((seed - first)) "; first=0
        fi
    done
    ranges+=("$r")
done
# The cases the kernel part measures now, in the order it starts them: two at a time, then the
# solo ones alone.
order=()
for pass in 0 1; do
    for i in "${!names[@]}"; do
        [[ ${solo[$i]} == "$pass" && "${names[$i]}" =~ $only && -n "${ranges[$i]}" ]] && order+=("$i")
    done
done

if [[ "$dry" == 1 ]]; then
    [[ "$kernel" == 0 ]] && exit 0
    for i in ${order[@]+"${order[@]}"}; do
        set -- ${ranges[$i]}
        while (( $# )); do
            echo "kernel ${names[$i]} seeds $1-$(($1 + $2 - 1))$( (( ${solo[$i]} )) && echo ' solo')"; shift 2
        done
    done
    exit 0
fi

mkdir -p "$out/cases" "$out/kernel" "$out/bin"
for n in "${names[@]}"; do cp scenarios/asym_link.ini "$out/cases/$n.ini"; done
# A private copy of the binaries (the agent must sit next to ratelab): a rebuild during the
# 40 minutes of kernel runs must not change or break the program that measures.
src=$(readlink -f "${RATELAB:-./ratelab}")
cp "$src" "$out/bin/ratelab"
cp "$(dirname "$src")/ratelab-agent" "$out/bin/ratelab-agent"
RATELAB=$out/bin/ratelab
echo "validate: ${#names[@]} cases" >&2

setargs() { local a=(); for kv in $1; do a+=(--set "$kv"); done; printf '%s\n' "${a[@]}"; }

# --- simulator: seeds 1..40 of every case (one process per run; ~2 min in all).  40, not 5: the
# saturating cases switch between states by seed, and with 5 seeds their medians (and verdicts)
# changed with nothing but the draws (docs/validation.md, item 8).
if [[ "$sim" == 1 ]]; then
    rm -f "$out/sim.db" "$out/sim.db-wal" "$out/sim.db-shm"
    for i in "${!names[@]}"; do
        mapfile -t a < <(setargs "${sets[$i]}")
        for seed in $(seq 1 40); do
            "$RATELAB" run "$out/cases/${names[$i]}.ini" "${a[@]}" --set seed=$seed --db "$out/sim.db" >/dev/null 2>>"$out/sim.log"
        done
    done
    echo "validate: simulator done ($(sqlite3 "$out/sim.db" 'SELECT count(*) FROM runs') runs)" >&2
fi

# --- kernel: two cases at a time at most (never beside a solo case), not niced: it measures
if [[ "$kernel" == auto ]]; then
    if "$RATELAB" kernel --cleanup >/dev/null 2>&1; then kernel=1; else
        echo "validate: kernel part skipped: $("$RATELAB" kernel --cleanup 2>&1 | head -1)" >&2; kernel=0; fi
fi
run_case() {
    local i=$1
    mapfile -t a < <(setargs "${sets[$i]}")
    # A solo case measures the host's timing as well as TCP (docs/validation.md, "The 100/10
    # Mbit/s bulk case"): each of its runs waits for a host idle for 5 s (at most 10 % busy).
    (( ${solo[$i]} )) && a+=(--wait-idle 0.10)
    set -- ${ranges[$i]}
    while (( $# )); do
        echo "validate: kernel ${names[$i]} seeds $1-$(($1 + $2 - 1))" >&2
        "$RATELAB" kernel "$out/cases/${names[$i]}.ini" "${a[@]}" --set seed="$1" --repeat "$2" --db "$out/kernel/${names[$i]}.db" \
            >/dev/null 2>>"$out/kernel.log" || echo "validate: kernel ${names[$i]} failed (see $out/kernel.log)" >&2
        shift 2
    done
}
# Deletes the runs the WHERE clause selects, with all their rows, from a database.
drop_runs() {
    sqlite3 "$1" "
        CREATE TEMP TABLE gone AS SELECT id FROM runs WHERE $2;
        DELETE FROM sweep_runs WHERE run_id IN gone; DELETE FROM params WHERE run_id IN gone;
        DELETE FROM metrics WHERE run_id IN gone; DELETE FROM entity_metrics WHERE run_id IN gone;
        DELETE FROM series WHERE run_id IN gone; DELETE FROM runs WHERE id IN gone;"
}
if [[ "$kernel" == 1 ]]; then
    running=0
    for i in ${order[@]+"${order[@]}"}; do
        (( ${solo[$i]} )) && continue
        run_case "$i" &
        running=$((running + 1))
        if (( running == 2 )); then wait -n || true; running=$((running - 1)); fi
    done
    wait
    for i in ${order[@]+"${order[@]}"}; do (( ${solo[$i]} )) && run_case "$i"; done
    # The committed runs, then the runs measured now.  Without VALIDATE_KERNEL_ADD a case measured
    # now replaces its committed runs and the others keep theirs (validation/kernel.sql is the only
    # copy of them on a fresh clone); with it, only the seeds the case lacked are taken from its
    # database, so a stale per-case database left by an earlier invocation adds nothing twice.
    rm -f "$out/kernel.db" "$out/add.db"
    sqlite3 "$out/kernel.db" < validation/kernel.sql
    measured=()
    for i in ${order[@]+"${order[@]}"}; do
        db=$out/kernel/${names[$i]}.db
        [[ -f "$db" ]] || continue
        if [[ "$add" == 1 ]]; then
            seeds="" ; set -- ${ranges[$i]}
            while (( $# )); do seeds+="$(seq -s, "$1" $(($1 + $2 - 1))),"; shift 2; done
            cp "$db" "$out/add-${names[$i]}.db"
            db=$out/add-${names[$i]}.db
            drop_runs "$db" "seed NOT IN (${seeds%,})"
            twice=$(sqlite3 "$db" "SELECT group_concat(seed) FROM (SELECT seed FROM runs GROUP BY seed HAVING count(*) > 1)")
            [[ -z "$twice" ]] || { echo "validate: $out/kernel/${names[$i]}.db holds seed(s) $twice more than once (runs of two builds): move it away and run again" >&2; exit 1; }
        else
            drop_runs "$out/kernel.db" "scenario = '${names[$i]}'"
        fi
        measured+=("$db")
    done
    (( ${#measured[@]} )) && "$RATELAB" merge "$out/kernel.db" "${measured[@]}" >/dev/null
    rm -f "$out"/add-*.db
    { echo "PRAGMA user_version=$(sqlite3 "$out/kernel.db" 'PRAGMA user_version');"; sqlite3 "$out/kernel.db" .dump; } > validation/kernel.sql
    echo "validate: kernel data: validation/kernel.sql ($(sqlite3 "$out/kernel.db" 'SELECT count(*) FROM runs') runs)" >&2
fi
[[ "$sim" == 1 ]] || exit 0

# --- comparison: a query over both engines' rows, a table and a figure
cmp() { sqlite3 -cmd ".read validation/kernel.sql" -cmd "ATTACH '$out/sim.db' AS s" "$@" :memory: < validation/compare.sql; }
cmp -header -markdown > "$out/table.md"
cmp -separator ' ' > "$out/compare.dat"
awk -v tf="$out/table.md" '
    /<!-- validation-table -->/ { print; while ((getline line < tf) > 0) print line; skip = 1; next }
    /<!-- \/validation-table -->/ { skip = 0 }
    !skip' docs/validation.md > "$out/validation.md" && mv "$out/validation.md" docs/validation.md
gnuplot -e "datafile='$out/compare.dat'; outfile='docs/img/validation-goodput.png'" analysis/validation.gp
n=$(wc -l < "$out/compare.dat"); bad=$(grep -c 'DIFFERS$' "$out/compare.dat" || true)
echo "validate: $n comparisons, $((n - bad)) within the rules, $bad differ: table in docs/validation.md, figure docs/img/validation-goodput.png"
