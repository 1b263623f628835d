"""Targets for the injection tests (stdlib only). Usage: inject_target.py MODE [--marker=...]

Each prints ONE JSON line when ready ({"pid": ..., "port": ...}), then serves on 127.0.0.1:port:
a client sends a line, the target answers "echo:<line>" (mode signals answers "count:<n>", the
number of SIGUSR1 its handler has counted). Modes say where the main thread blocks:
  accept   blocked in accept(2)
  epoll    blocked in epoll_wait(2) (selectors.EpollSelector)
  threads  socketserver.ThreadingTCPServer, plus worker threads waiting on futexes and sleeping
  signals  blocked in accept(2), counting SIGUSR1
  seccomp  as accept, under a seccomp filter that kills the process if it calls mlockall itself
"""
import json
import os
import selectors
import signal
import socket
import socketserver
import sys
import threading
import time

MODE = sys.argv[1]
COUNT = 0


def answer(line):
    if MODE == "signals":
        return ("count:%d\n" % COUNT).encode()
    return b"echo:" + line


def serve_one(conn):
    with conn:
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        conn.sendall(answer(data))


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def ready(port, fd=None):
    print(json.dumps({"pid": os.getpid(), "port": port, "fd": fd}), flush=True)


def install_seccomp():
    import ctypes
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    nr_mlockall = {"x86_64": 151, "aarch64": 230}[os.uname().machine]

    def insn(code, k, jt=0, jf=0):
        return struct.pack("HBBI", code, jt, jf, k)
    # ld [0] (seccomp_data.nr); jeq mlockall ? kill process : allow
    program = insn(0x20, 0) + insn(0x15, nr_mlockall, 0, 1) + insn(0x06, 0x80000000) + insn(0x06, 0x7FFF0000)
    buf = ctypes.create_string_buffer(program)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    prog = SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")
    install_seccomp.keep = (buf, prog)


def main():
    global COUNT
    if MODE == "signals":
        def on_usr1(signum, frame):
            global COUNT
            COUNT += 1
        signal.signal(signal.SIGUSR1, on_usr1)
    if MODE == "seccomp":
        install_seccomp()
    s = listener()
    if MODE in ("accept", "signals", "seccomp"):
        ready(s.getsockname()[1], s.fileno())
        while True:
            conn, _ = s.accept()
            serve_one(conn)
    elif MODE == "epoll":
        s.setblocking(False)
        sel = selectors.EpollSelector()
        sel.register(s, selectors.EVENT_READ)
        ready(s.getsockname()[1])
        while True:
            for _key, _ in sel.select():
                conn, _ = s.accept()
                conn.setblocking(True)
                serve_one(conn)
    elif MODE == "threads":
        s.close()
        lock = threading.Condition()

        def waiter():  # futex waits with timeouts
            while True:
                with lock:
                    lock.wait(0.01)

        def sleeper():
            while True:
                time.sleep(0.003)

        def busy():
            x = 0
            while True:
                x = (x * 31 + 7) % 1000003
                if x == 0:
                    time.sleep(0)
        for fn in (waiter, waiter, sleeper, busy):
            threading.Thread(target=fn, daemon=True).start()

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline()
                self.wfile.write(answer(line))

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128
        server = Server(("127.0.0.1", 0), Handler)
        ready(server.server_address[1])
        server.serve_forever(poll_interval=0.5)
    else:
        raise SystemExit("unknown mode " + MODE)


main()
