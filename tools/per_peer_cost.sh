#!/usr/bin/env bash
# Per-peer cost of the etorrent model: CPU seconds (user + system, /usr/bin/time) of
# scenarios/etorrent_swarm.ini at 10, 100, 1000 and 10 000 peers, as CPU per peer per simulated
# second, plotted with tools/per_peer_cost.gp.  Usage: tools/per_peer_cost.sh [OUT_DIR]
# (default results/per_peer); RATELAB names the binary (default ./ratelab), so two builds can be
# compared; the 10 000-peer run takes about 25 CPU seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/per_peer}
mkdir -p "$out"
raw=$out/runs.dat
bin=${RATELAB:-./ratelab}
echo "# peers seed cpu_s events simulated_s" > "$raw"
for n in 10 100 1000 10000; do
    seeds="1 2 3"; dur=30
    [ "$n" -le 100 ] && dur=300          # keep the CPU time well above the timer's 10 ms
    [ "$n" -le 10 ] && dur=3000
    [ "$n" -eq 10000 ] && seeds=1
    for seed in $seeds; do
        /usr/bin/time -f "%U %S" -o "$out/time.txt" "$bin" run scenarios/etorrent_swarm.ini --series none \
            --set n_peers=$n --set seed=$seed --set duration_s=$dur --json > "$out/run.json"
        read -r u s < "$out/time.txt"
        ev=$(grep -o '"events":[0-9]*' "$out/run.json" | cut -d: -f2)
        echo "$n $seed $(echo "$u + $s" | bc) $ev $dur" >> "$raw"
    done
done
# median over seeds: peers, CPU us per peer per simulated s, events per peer per simulated s
: > "$out/per_peer.dat"
for n in 10 100 1000 10000; do
    awk -v n=$n '!/^#/ && $1 == n { print $3 / ($1 * $5) * 1e6, $4 / ($1 * $5) }' "$raw" | sort -n \
        | awk -v n=$n '{ c[NR] = $1; e[NR] = $2 } END { m = int((NR + 1) / 2); print n, c[m], e[m] }' >> "$out/per_peer.dat"
done
gnuplot -c tools/per_peer_cost.gp "$out/per_peer.dat" "$out/per-peer-cost.png"
echo "per-peer cost: $out/per_peer.dat, $out/per-peer-cost.png"
