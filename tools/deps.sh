#!/usr/bin/env bash
# Installs the Debian packages ratelab builds and runs with; as non-root prints the exact
# apt-get line and fails, so a fresh machine is told precisely what to do.
# `deps.sh calibrate` adds what `ratelab calibrate` alone needs: an Erlang VM (erlang-base).
# `deps.sh cluster` adds what `make test-cluster` alone needs: Slurm (slurmctld, slurmd, the
# client commands) and munge; the test starts its own daemons, so the packages' services are
# kept from starting at installation (policy-rc.d) where nothing stops them already.
# `deps.sh fuzz` adds what `make fuzz` needs: clang and its libFuzzer runtime.
set -u
pkgs="gcc make pkg-config libgsl-dev libsqlite3-dev libcunit1-dev gnuplot-nox sqlite3 iproute2"
# For the report test only: it renders the report in headless Chromium and reads the screenshot
# back with libpng (without Chromium that test skips with a message).
pkgs="$pkgs chromium libpng-dev"
case "${1:-}" in
    "") ;;
    calibrate) pkgs="$pkgs erlang-base" ;;
    cluster) pkgs="$pkgs slurm-wlm munge" ;;
    fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
    *) echo "deps: unknown target '$1' (allowed: calibrate, cluster, fuzz)" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    if [ "${1:-}" = cluster ] && [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
    exit 0
fi
echo "deps: missing packages; run as root:" >&2
echo "    apt-get install -y$missing" >&2
exit 1
