#!/bin/bash
# bench (g): what the LD_PRELOAD shim costs a connection-heavy program. 100,000
# connect/accept/close cycles on loopback (bench/preload/connect_cycles.c: a client and the
# server it forks), three ways, in the same run:
#
#   nothing        no LD_PRELOAD
#   livetune       liblivetune_preload.so from the jar, LIVETUNE_OPTIONS="so_keepalive=1"
#   libkeepalive   Debian's libkeepalive (package libkeepalive0), KEEPALIVE=on: the peer,
#                  a preload library that does only this
#
# Each round runs the three once, in an order that rotates from round to round, each run in
# a fresh network namespace (its own loopback, no TIME_WAIT left by the run before).
# Each run reports the client loop's wall time and the processor time of client and server.
# The figure is the median over rounds of each round's processor-time ratio against
# "nothing": on a shared machine the wall time measures the neighbours as much as the shim
# (both are printed).
#
#   bench/preload_bench.sh [JAR]        JAR: java-executor/target/livetune-executor.jar
#   BENCH_PRELOAD_ROUNDS (7), BENCH_PRELOAD_CYCLES (100000); with BENCH_RESULTS set (bench/run.sh)
#   the summary line is appended to that file.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${1:-$ROOT/java-executor/target/livetune-executor.jar}
ROUNDS=${BENCH_PRELOAD_ROUNDS:-7}
CYCLES=${BENCH_PRELOAD_CYCLES:-100000}
machine=$(uname -m)
[ -f "$JAR" ] || { echo "preload_bench: no $JAR; run 'make build' first" >&2; exit 1; }

STATE=$(mktemp -d "${TMPDIR:-/tmp}/livetune-preload-bench.XXXXXX")
trap 'rm -rf "$STATE"' EXIT

# our library, as the jar carries it
python3 - "$JAR" "native/$machine/liblivetune_preload.so" "$STATE/liblivetune_preload.so" <<'PY'
import sys, zipfile
jar, member, out = sys.argv[1:]
with zipfile.ZipFile(jar) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
KEEPALIVE_SO=/usr/lib/libkeepalive.so
if [ ! -f "$KEEPALIVE_SO" ]; then
    KEEPALIVE_SO=$(dpkg -L libkeepalive0 2>/dev/null | grep -m1 '/libkeepalive\.so$' || true)
fi
[ -f "$KEEPALIVE_SO" ] || { echo "preload_bench: libkeepalive is missing (make deps DEPS_FOR=bench)" >&2; exit 1; }
gcc -O2 -Wall -o "$STATE/connect_cycles" "$ROOT/bench/preload/connect_cycles.c"

# a network namespace per run where we may (root); else the host's loopback
isolate=()
if unshare --net true 2>/dev/null; then
    isolate=(unshare --net sh -c 'ip link set lo up && exec "$@"' sh)
else
    echo "preload_bench: cannot unshare the network namespace (not root?): runs share the host's loopback"
fi

run() { # MODE CYCLES -> prints "WALL CPU" in seconds
    local environment out
    case $1 in
        nothing)      environment=() ;;
        livetune)     environment=(LD_PRELOAD="$STATE/liblivetune_preload.so" LIVETUNE_OPTIONS=so_keepalive=1) ;;
        libkeepalive) environment=(LD_PRELOAD="$KEEPALIVE_SO" KEEPALIVE=on) ;;
    esac
    out=$("${isolate[@]}" env "${environment[@]}" "$STATE/connect_cycles" "$2")
    # the library must have acted: the client's sockets have SO_KEEPALIVE on with either library
    case $1:$out in
        nothing:*keepalive=0|livetune:*keepalive=1|libkeepalive:*keepalive=1) ;;
        *) echo "preload_bench: $1: unexpected '$out'" >&2; return 1 ;;
    esac
    sed 's/.*seconds=\([0-9.]*\) cpu=\([0-9.]*\).*/\1 \2/' <<<"$out"
}

echo "command: connect_cycles $CYCLES (client + forked server on 127.0.0.1), $ROUNDS rounds," \
     "each mode once per round in rotating order, a fresh network namespace per run"
echo "livetune: LD_PRELOAD=liblivetune_preload.so (from $(basename "$JAR")) LIVETUNE_OPTIONS=so_keepalive=1"
echo "peer:     LD_PRELOAD=$KEEPALIVE_SO KEEPALIVE=on"
modes=(nothing livetune libkeepalive)
for m in "${modes[@]}"; do run "$m" $((CYCLES / 10)) >/dev/null; done # warm-up, not counted
: >"$STATE/times"
for ((r = 1; r <= ROUNDS; r++)); do
    for ((k = 0; k < 3; k++)); do
        m=${modes[$(((r + k) % 3))]}
        echo "$r $m $(run "$m" "$CYCLES")" >>"$STATE/times"
    done
done

python3 - "$STATE/times" "$CYCLES" "${BENCH_RESULTS:-}" <<'PY'
import statistics, sys
path, cycles, results = sys.argv[1], int(sys.argv[2]), sys.argv[3]
modes = ("nothing", "livetune", "libkeepalive")
t = {}
for line in open(path):
    r, mode, wall, cpu = line.split()
    t.setdefault(int(r), {})[mode] = (float(wall), float(cpu))
rounds = sorted(t)
ratio = {(m, k): [t[r][m][k] / t[r]["nothing"][k] for r in rounds] for m in modes[1:] for k in (0, 1)}
print("         ---------- wall ----------   ---------- cpu -----------   livetune/nothing  libkeepalive/nothing")
print("round    nothing livetune keepalive   nothing livetune keepalive       wall    cpu        wall    cpu")
for i, r in enumerate(rounds):
    x = t[r]
    print("%5d   %8.3f %8.3f %9.3f  %8.3f %8.3f %9.3f     %6.3f %6.3f      %6.3f %6.3f" % (
        (r,) + tuple(x[m][0] for m in modes) + tuple(x[m][1] for m in modes)
        + (ratio["livetune", 0][i], ratio["livetune", 1][i], ratio["libkeepalive", 0][i], ratio["libkeepalive", 1][i])))
med = lambda xs: statistics.median(xs)
print("median  %8.3f %8.3f %9.3f  %8.3f %8.3f %9.3f     %6.3f %6.3f      %6.3f %6.3f" % (
    tuple(med([t[r][m][0] for r in rounds]) for m in modes) + tuple(med([t[r][m][1] for r in rounds]) for m in modes)
    + (med(ratio["livetune", 0]), med(ratio["livetune", 1]), med(ratio["libkeepalive", 0]), med(ratio["libkeepalive", 1]))))
print("(%.1f us of processor time per cycle without a preload)" % (med([t[r]["nothing"][1] for r in rounds]) / cycles * 1e6))
ours, peer = med(ratio["livetune", 1]), med(ratio["libkeepalive", 1])
print("figure: livetune / nothing, processor time, median of per-round ratios: %.3f   (libkeepalive: %.3f;"
      " wall: %.3f and %.3f)   target: < 1.02" % (ours, peer, med(ratio["livetune", 0]), med(ratio["libkeepalive", 0])))
if results:
    with open(results, "a") as f:
        f.write("(g) preload shim, %d connect/accept/close, cpu: livetune / nothing\t%.3f  (libkeepalive %.3f)\t< 1.02\n"
                % (cycles, ours, peer))
PY
