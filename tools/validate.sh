#!/usr/bin/env bash
# make validate: the validation grid (validation/grid.txt) on the simulator (seeds 1..40) and,
# where network namespaces work, on the kernel; then the comparison (validation/compare.sql),
# the table in docs/validation.md and the figure docs/img/validation-goodput.png.
#   VALIDATE_KERNEL=auto (default: kernel part if `ratelab kernel` can run here) | 1 | 0
#   VALIDATE_KERNEL_CASES=REGEX  run only these cases on the kernel (e.g. to redo a failed one);
#   the simulator always runs the whole grid, and the comparison covers every case with kernel data
# Kernel results go to results/validation/kernel/CASE.db (a re-run resumes), merged and dumped
# to validation/kernel.sql, which is committed so the comparison can be redrawn without root.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/validation
mkdir -p "$out/cases" "$out/kernel" "$out/bin"
# A private copy of the binaries (the agent must sit next to ratelab): a rebuild during the
# 40 minutes of kernel runs must not change or break the program that measures.
src=$(readlink -f "${RATELAB:-./ratelab}")
cp "$src" "$out/bin/ratelab"
cp "$(dirname "$src")/ratelab-agent" "$out/bin/ratelab-agent"
RATELAB=$out/bin/ratelab
kernel=${VALIDATE_KERNEL:-auto}
only=${VALIDATE_KERNEL_CASES:-.}

# One scenario file per case, so a run's scenario name is its case name in both engines' rows.
names=() reps=() solo=() sets=()
while read -r name rep rest; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    s=0
    if [[ "$rest" == solo* ]]; then s=1; rest=${rest#solo}; fi
    # core_kbps: the kernel testbed has no core link.  A server's back-to-back segments reach
    # the router 1-5 us apart (median; the simulator's default 100 Mbit/s core spaces full
    # frames 121 us), and the delay line, modelled in the simulator, sets the spacing into the
    # shaped FIFO (docs/validation.md, item 21).  A case may set its own (the 100 Mbit/s ones).
    args="framing=veth duration_s=30 warmup_s=10 core_kbps=10000000 $rest"
    names+=("$name"); reps+=("$rep"); solo+=("$s"); sets+=("$args")
    cp scenarios/asym_link.ini "$out/cases/$name.ini"
done < validation/grid.txt
echo "validate: ${#names[@]} cases" >&2

setargs() { local a=(); for kv in $1; do a+=(--set "$kv"); done; printf '%s\n' "${a[@]}"; }

# --- simulator: seeds 1..40 of every case (one process per run; ~2 min in all).  40, not 5: the
# saturating cases switch between states by seed, and with 5 seeds their medians (and verdicts)
# changed with nothing but the draws (docs/validation.md, item 8).
rm -f "$out/sim.db" "$out/sim.db-wal" "$out/sim.db-shm"
for i in "${!names[@]}"; do
    mapfile -t a < <(setargs "${sets[$i]}")
    for seed in $(seq 1 40); do
        "$RATELAB" run "$out/cases/${names[$i]}.ini" "${a[@]}" --set seed=$seed --db "$out/sim.db" >/dev/null 2>>"$out/sim.log"
    done
done
echo "validate: simulator done ($(sqlite3 "$out/sim.db" 'SELECT count(*) FROM runs') runs)" >&2

# --- kernel: two cases at a time at most (never beside a solo case), not niced: it measures
if [[ "$kernel" == auto ]]; then
    if "$RATELAB" kernel --cleanup >/dev/null 2>&1; then kernel=1; else
        echo "validate: kernel part skipped: $("$RATELAB" kernel --cleanup 2>&1 | head -1)" >&2; kernel=0; fi
fi
run_case() {
    local i=$1
    mapfile -t a < <(setargs "${sets[$i]}")
    echo "validate: kernel ${names[$i]} (${reps[$i]} runs)" >&2
    # A solo case measures the host's timing as well as TCP (docs/validation.md, "The 100/10
    # Mbit/s bulk case"): each of its runs waits for a host idle for 5 s (at most 10 % busy).
    (( ${solo[$i]} )) && a+=(--wait-idle 0.10)
    "$RATELAB" kernel "$out/cases/${names[$i]}.ini" "${a[@]}" --repeat "${reps[$i]}" --db "$out/kernel/${names[$i]}.db" \
        >/dev/null 2>>"$out/kernel.log" || echo "validate: kernel ${names[$i]} failed (see $out/kernel.log)" >&2
}
if [[ "$kernel" == 1 ]]; then
    running=0
    for i in "${!names[@]}"; do
        [[ ${solo[$i]} == 1 || ! "${names[$i]}" =~ $only ]] && continue
        run_case "$i" &
        running=$((running + 1))
        if (( running == 2 )); then wait -n || true; running=$((running - 1)); fi
    done
    wait
    for i in "${!names[@]}"; do [[ ${solo[$i]} == 1 && "${names[$i]}" =~ $only ]] && run_case "$i"; done
    # The committed runs of every case not measured now, then the cases measured now: redoing one
    # case (VALIDATE_KERNEL_CASES) replaces that case's runs and keeps the others' (validation/
    # kernel.sql is the only copy of them on a fresh clone), and a stale per-case database left by
    # an earlier invocation is not merged in.
    rm -f "$out/kernel.db"
    sqlite3 "$out/kernel.db" < validation/kernel.sql
    measured=()
    for i in "${!names[@]}"; do
        [[ "${names[$i]}" =~ $only && -f "$out/kernel/${names[$i]}.db" ]] || continue
        measured+=("$out/kernel/${names[$i]}.db")
        sqlite3 "$out/kernel.db" "
            CREATE TEMP TABLE gone AS SELECT id FROM runs WHERE scenario = '${names[$i]}';
            DELETE FROM sweep_runs WHERE run_id IN gone; DELETE FROM params WHERE run_id IN gone;
            DELETE FROM metrics WHERE run_id IN gone; DELETE FROM entity_metrics WHERE run_id IN gone;
            DELETE FROM series WHERE run_id IN gone; DELETE FROM runs WHERE id IN gone;"
    done
    (( ${#measured[@]} )) && "$RATELAB" merge "$out/kernel.db" "${measured[@]}" >/dev/null
    { echo "PRAGMA user_version=$(sqlite3 "$out/kernel.db" 'PRAGMA user_version');"; sqlite3 "$out/kernel.db" .dump; } > validation/kernel.sql
    echo "validate: kernel data: validation/kernel.sql ($(sqlite3 "$out/kernel.db" 'SELECT count(*) FROM runs') runs)" >&2
fi

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
