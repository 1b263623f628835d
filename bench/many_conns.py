#!/usr/bin/env python3
"""Holds N established TCP connections over loopback, for livetune's bench.

    many_conns.py --count 10000 --ready-file F

This process (the target) listens on 127.0.0.1 (a free port) and accepts N connections;
a forked child opens them and holds the client ends (so neither process needs more than
N + a few descriptors: machines often cap RLIMIT_NOFILE at 20000).  livetune's bench then
selects the target's N server-side sockets (pid, state: established, local_port).
The ready file gets "PID PORT" (the target's pid) once all N are established.  SIGTERM
ends both processes.  Standard library only.
"""
import argparse
import os
import resource
import signal
import socket
import sys


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))
    except (ValueError, OSError) as e:
        sys.exit("many_conns: cannot raise RLIMIT_NOFILE to %d (hard limit %d): %s" % (need, hard, e))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--ready-file", required=True)
    a = p.parse_args()
    raise_nofile(a.count + 64)

    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(4096)
    port = lst.getsockname()[1]
    rd, wr = os.pipe()

    child = os.fork()
    if child == 0:  # the clients
        os.close(rd)
        lst.close()
        clients = []
        for _ in range(a.count):
            c = socket.socket()
            c.connect(("127.0.0.1", port))
            clients.append(c)
        os.write(wr, b"ok")
        os.close(wr)
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        while True:
            signal.pause()

    os.close(wr)
    servers = []
    for _ in range(a.count):
        s, _addr = lst.accept()
        servers.append(s)
    if os.read(rd, 2) != b"ok":
        sys.exit("many_conns: the client process failed")
    os.close(rd)

    def stop(*_):
        try:
            os.kill(child, signal.SIGTERM)
        except OSError:
            pass
        try:
            os.unlink(a.ready_file)
        except OSError:
            pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = a.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (os.getpid(), port))
    os.replace(tmp, a.ready_file)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
