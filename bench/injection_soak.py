#!/usr/bin/env python3
"""Soak: many injections into a multi-threaded server while a load generator uses it.

Starts java-executor/src/test/resources/it/inject_target.py in mode "threads" (a threading
TCP echo server plus worker threads waiting on futexes, sleeping and computing), runs
CLIENTS load-generator threads against it on loopback the whole time, and meanwhile N
injections (getpid by default; --call mlockall alternates mlockall(MCL_CURRENT) and
munlockall, N in all) through io.livetune.executor.inject.InjectionLoop.

Prints the figures: injections and their failures, requests answered / failed / wrong,
whether the server is still alive and answering, and request latency percentiles.
Nothing is asserted: the JUnit suite keeps a 200-injection version of this as a test.

usage: bench/injection_soak.py [--injections N] [--clients C] [--call getpid|mlockall] [--jar PATH]
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "java-executor/src/test/resources/it/inject_target.py")


def request(port, line):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((line + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode().rstrip("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--injections", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--call", choices=["getpid", "mlockall"], default="getpid")
    parser.add_argument("--jar", default=os.path.join(ROOT, "java-executor/target/livetune-executor.jar"))
    args = parser.parse_args()
    if not os.path.exists(args.jar):
        sys.exit("no executor jar at %s: run `make build` first" % args.jar)

    server = subprocess.Popen([sys.executable, TARGET, "threads"], stdout=subprocess.PIPE, text=True)
    ready = json.loads(server.stdout.readline())
    pid, port = ready["pid"], ready["port"]
    stop = threading.Event()
    stats = {"ok": 0, "failed": 0, "wrong": 0}
    latencies = []
    lock = threading.Lock()

    def client(number):
        i = 0
        while not stop.is_set():
            line = "%d-%d" % (number, i)
            start = time.monotonic()
            try:
                reply = request(port, line)
                outcome = "ok" if reply == "echo:" + line else "wrong"
            except OSError:
                outcome = "failed"
            with lock:
                stats[outcome] += 1
                latencies.append(time.monotonic() - start)
            i += 1

    clients = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
    for c in clients:
        c.start()
    count = args.injections // 2 if args.call == "mlockall" else args.injections
    started = time.monotonic()
    flags = os.environ.get("LIVETUNE_JVM_FLAGS", "").split()  # as tasks run the JVM (bench/run.sh)
    result = subprocess.run([shutil.which("java") or "java"] + flags + ["-cp", args.jar,
                             "io.livetune.executor.inject.InjectionLoop", str(pid), str(count), args.call],
                            capture_output=True, text=True)
    elapsed = time.monotonic() - started
    stop.set()
    for c in clients:
        c.join(15)
    alive = server.poll() is None
    try:
        final = request(port, "final") == "echo:final"
    except OSError:
        final = False
    server.kill()
    server.wait()

    print("soak: %s injections into a threaded server (pid %d) under %d loopback clients, %.1f s"
          % (args.call, pid, args.clients, elapsed))
    print("engine: " + (result.stdout.strip() or "no summary") + ("" if result.returncode == 0 else
                                                                   "  (exit %d: %s)" % (result.returncode, result.stderr.strip()[-300:])))
    print("requests: %(ok)d answered correctly, %(failed)d failed, %(wrong)d wrong answers" % stats)
    if latencies:
        ordered = sorted(latencies)
        print("request latency: median %.2f ms, p99 %.2f ms, max %.2f ms" % (
            statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000, ordered[-1] * 1000))
    print("server alive afterwards: %s, answers correctly: %s" % (alive, final))


if __name__ == "__main__":
    main()
