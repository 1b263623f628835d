#!/usr/bin/env python3
"""How long a target is stopped per injection, measured from INSIDE the target.

The target is a small C program (compiled here with gcc) whose only thread loops reading
CLOCK_MONOTONIC and prints every gap longer than 5 us between two reads. Injections run from
outside; for each one the longest gap that overlaps its time window is the pause it caused.

  livetune: N injections of getpid (the engine's own cost; the syscall's work is nil) through
            io.livetune.executor.inject.InjectionLoop in the executor jar, one JVM
  gdb:      M runs of `gdb -p PID -batch -ex 'call (int)getpid()'`

The JVM gets the flags tasks run the executor with (LIVETUNE_JVM_FLAGS, set by bench/run.sh).
Prints median and p99 for both and the ratio. Figures only: nothing is asserted.
Target and injector are pinned to different CPUs when there are two or more.

usage: bench/inject_pause.py [--injections N] [--gdb-runs M] [--jar PATH] [--call getpid|mlockall]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET_C = r"""
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static long long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
int main(void) {
    printf("%d\n", getpid()); fflush(stdout);
    long long last = now();
    for (;;) {
        long long t = now();
        if (t - last > 5000) { printf("%lld %lld\n", last, t - last); fflush(stdout); t = now(); }
        last = t;
    }
}
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100.0 * len(ordered) + 0.5)) - 1))]


class Target:
    """The C loop; collects (start_ns, gap_ns) lines in the background."""

    def __init__(self, binary, cpu):
        command = ([binary] if cpu is None else ["taskset", "-c", str(cpu), binary])
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.pid = int(self.process.stdout.readline())
        self.gaps = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            start, gap = line.split()
            with self.lock:
                self.gaps.append((int(start), int(gap)))

    def pause_in(self, window_start, window_end):
        """The longest gap overlapping [window_start, window_end] (0 if none above 5 us)."""
        with self.lock:
            overlapping = [gap for start, gap in self.gaps if start < window_end and start + gap > window_start]
        return max(overlapping, default=0)

    def close(self):
        self.process.kill()
        self.process.wait()


def run_livetune(target, jar, injections, call, cpu):
    java = shutil.which("java") or "java"
    # the JVM flags tasks run the executor with (bench/run.sh exports them): with the default
    # collector and compilers, their threads compete with the tracer thread for the CPU
    flags = os.environ.get("LIVETUNE_JVM_FLAGS", "").split()
    command = [java] + flags + ["-cp", jar, "io.livetune.executor.inject.InjectionLoop", str(target.pid),
                                str(injections), call, "--windows"]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu)] + command
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    time.sleep(0.05)  # let the reader thread take the target's last lines
    windows = [tuple(map(int, line.split()[1:])) for line in out.splitlines() if line.startswith("W ")]
    summary = [line for line in out.splitlines() if line.startswith("injections")]
    pauses = [target.pause_in(start, end) / 1000.0 for start, end in windows]
    warmup = min(20, len(pauses) // 10)  # the JVM's first calls (class loading, JIT) are not the engine's cost
    return pauses[warmup:], summary


def run_gdb(target, runs, cpu):
    pauses = []
    for _ in range(runs):
        command = ["gdb", "-p", str(target.pid), "-batch", "-nx", "-ex", "call (int)getpid()"]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu)] + command
        start = time.monotonic_ns()
        subprocess.run(command, capture_output=True, text=True)
        end = time.monotonic_ns()
        time.sleep(0.05)
        pauses.append(target.pause_in(start, end) / 1000.0)
    return pauses


def describe(name, pauses):
    if not pauses:
        return name + ": no measurements"
    return "%-9s n=%-5d median %9.1f us   p99 %9.1f us   max %9.1f us" % (
        name, len(pauses), statistics.median(pauses), percentile(pauses, 99), max(pauses))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--injections", type=int, default=1000)
    parser.add_argument("--gdb-runs", type=int, default=30)
    parser.add_argument("--jar", default=os.path.join(ROOT, "java-executor/target/livetune-executor.jar"))
    parser.add_argument("--call", choices=["getpid", "mlockall"], default="getpid")
    args = parser.parse_args()
    if not os.path.exists(args.jar):
        sys.exit("no executor jar at %s: run `make build` first" % args.jar)
    if os.geteuid() != 0:
        print("note: not root; ptrace needs the same user and kernel.yama.ptrace_scope <= 1", file=sys.stderr)
    cpus = os.cpu_count() or 1
    target_cpu, injector_cpu = (1, 0) if cpus >= 2 and shutil.which("taskset") else (None, None)

    work = tempfile.mkdtemp(prefix="livetune-bench-")
    source = os.path.join(work, "clockloop.c")
    binary = os.path.join(work, "clockloop")
    with open(source, "w") as f:
        f.write(TARGET_C)
    subprocess.run(["gcc", "-O2", "-o", binary, source], check=True)

    target = Target(binary, target_cpu)
    try:
        time.sleep(0.2)
        baseline_start = time.monotonic_ns()
        time.sleep(1.0)
        idle = target.pause_in(baseline_start, time.monotonic_ns()) / 1000.0
        ours, summary = run_livetune(target, args.jar, args.injections, args.call, injector_cpu)
        theirs = run_gdb(target, args.gdb_runs, injector_cpu) if shutil.which("gdb") and args.gdb_runs > 0 else []
    finally:
        target.close()
        shutil.rmtree(work, ignore_errors=True)

    print("target stop per injection, seen from inside the target (longest gap between two clock reads)")
    print("cpus: target %s, injector %s; longest gap in 1 s without injections: %.1f us"
          % (target_cpu, injector_cpu, idle))
    print(describe("livetune", ours) + "   (" + args.call + ")")
    if theirs:
        print(describe("gdb", theirs) + "   (call (int)getpid())")
        print("ratio gdb/livetune: median %.0fx, p99 %.0fx" % (
            statistics.median(theirs) / max(statistics.median(ours), 0.001),
            percentile(theirs, 99) / max(percentile(ours, 99), 0.001)))
    else:
        print("gdb: not installed, no comparison")
    for line in summary:
        print("engine, from outside (seize to detach, incl. JVM warm-up): " + line)


if __name__ == "__main__":
    main()
