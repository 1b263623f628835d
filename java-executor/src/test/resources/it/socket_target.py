#!/usr/bin/env python3
"""A target process for livetune's integration tests (stdlib only).

Usage: socket_target.py SPEC_JSON [marker arguments are ignored]

SPEC_JSON: {"name": "comm name (<= 15 chars, optional)",
            "fork_child": false,
            "sockets": [{"kind": "tcp_listener", "family": "ipv4"|"ipv6", "backlog": 20, "rcvbuf": 4096},
                        {"kind": "tcp_pair", "family": ..., "rcvbuf": 4096 (client, set before connect)},
                        {"kind": "udp", "family": ..., "rcvbuf": 4096}]}

When every socket is open it prints ONE JSON line on stdout:
  {"pid": P, "child_pid": C or null, "sockets": [{"role": "listener"|"pair_listener"|"client"|"server"|"udp",
     "fd": N, "inode": I, "family": ..., "protocol": "tcp"|"udp", "local_port": .., "remote_port": ..}]}
and then answers commands read from stdin, one JSON line each:
  OPTS <fd>        its own getsockopt of that descriptor
  CHILD_OPTS <fd>  the forked child's own getsockopt of that descriptor (fork_child only)
  EXIT             exits
It exits on EOF of stdin too, so a dead test never leaves it behind.
"""
import ctypes
import json
import os
import socket
import struct
import sys

SOL_SOCKET = socket.SOL_SOCKET
IPPROTO_TCP = socket.IPPROTO_TCP
IPPROTO_IP = socket.IPPROTO_IP
IPPROTO_IPV6 = socket.IPPROTO_IPV6

# Numbers from the Linux uapi headers, for constants Python may not export.
SO_PRIORITY = 12
SO_RCVLOWAT = 18
SO_MARK = 36
SO_BUSY_POLL = 46
TCP_MAXSEG = 2
TCP_DEFER_ACCEPT = 9
TCP_WINDOW_CLAMP = 10
TCP_THIN_LINEAR_TIMEOUTS = 16
TCP_USER_TIMEOUT = 18
TCP_CONGESTION = 13
TCP_NOTSENT_LOWAT = 25
IP_TOS = 1
IP_TTL = 2
IPV6_UNICAST_HOPS = 16
IPV6_TCLASS = 67

INT_OPTIONS = [
    ("so_rcvbuf", SOL_SOCKET, socket.SO_RCVBUF),
    ("so_sndbuf", SOL_SOCKET, socket.SO_SNDBUF),
    ("so_keepalive", SOL_SOCKET, socket.SO_KEEPALIVE),
    ("so_priority", SOL_SOCKET, SO_PRIORITY),
    ("so_mark", SOL_SOCKET, SO_MARK),
    ("so_rcvlowat", SOL_SOCKET, SO_RCVLOWAT),
    ("so_busy_poll", SOL_SOCKET, SO_BUSY_POLL),
    ("so_type", SOL_SOCKET, socket.SO_TYPE),
    ("so_acceptconn", SOL_SOCKET, socket.SO_ACCEPTCONN),
]
TCP_INT_OPTIONS = [
    ("tcp_nodelay", IPPROTO_TCP, socket.TCP_NODELAY),
    ("tcp_keepidle", IPPROTO_TCP, socket.TCP_KEEPIDLE),
    ("tcp_keepintvl", IPPROTO_TCP, socket.TCP_KEEPINTVL),
    ("tcp_keepcnt", IPPROTO_TCP, socket.TCP_KEEPCNT),
    ("tcp_user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT),
    ("tcp_notsent_lowat", IPPROTO_TCP, TCP_NOTSENT_LOWAT),
    ("tcp_maxseg", IPPROTO_TCP, TCP_MAXSEG),
    ("tcp_window_clamp", IPPROTO_TCP, TCP_WINDOW_CLAMP),
    ("tcp_defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT),
    ("tcp_thin_linear_timeouts", IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS),
]
IPV4_INT_OPTIONS = [("ip_tos", IPPROTO_IP, IP_TOS), ("ip_ttl", IPPROTO_IP, IP_TTL)]
IPV6_INT_OPTIONS = [("ipv6_tclass", IPPROTO_IPV6, IPV6_TCLASS),
                    ("ipv6_unicast_hops", IPPROTO_IPV6, IPV6_UNICAST_HOPS)]

held = {}  # fd -> socket object; holding the object keeps the descriptor open


def set_process_name(name):
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NAME = 15
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def family_of(name):
    return socket.AF_INET6 if name == "ipv6" else socket.AF_INET


def loopback(name):
    return "::1" if name == "ipv6" else "127.0.0.1"


def describe(sock, role, family, protocol):
    local = sock.getsockname()
    try:
        remote_port = sock.getpeername()[1]
    except OSError:
        remote_port = None
    held[sock.fileno()] = sock
    return {"role": role, "fd": sock.fileno(), "inode": os.fstat(sock.fileno()).st_ino,
            "family": family, "protocol": protocol,
            "local_address": local[0], "local_port": local[1], "remote_port": remote_port}


def open_tcp_listener(spec):
    family = spec.get("family", "ipv4")
    sock = socket.socket(family_of(family), socket.SOCK_STREAM)
    if "rcvbuf" in spec:
        sock.setsockopt(SOL_SOCKET, socket.SO_RCVBUF, spec["rcvbuf"])
    sock.bind((loopback(family), 0))
    sock.listen(spec.get("backlog", 20))
    return [describe(sock, "listener", family, "tcp")]


def open_tcp_pair(spec):
    """A listener, a client connected to it and the accepted end: all three held here."""
    family = spec.get("family", "ipv4")
    listener = socket.socket(family_of(family), socket.SOCK_STREAM)
    listener.bind((loopback(family), 0))
    listener.listen(spec.get("backlog", 20))
    client = socket.socket(family_of(family), socket.SOCK_STREAM)
    if "rcvbuf" in spec:
        client.setsockopt(SOL_SOCKET, socket.SO_RCVBUF, spec["rcvbuf"])
    client.connect(listener.getsockname()[:2])
    server, _ = listener.accept()
    return [describe(listener, "pair_listener", family, "tcp"),
            describe(client, "client", family, "tcp"),
            describe(server, "server", family, "tcp")]


def open_udp(spec):
    family = spec.get("family", "ipv4")
    sock = socket.socket(family_of(family), socket.SOCK_DGRAM)
    if "rcvbuf" in spec:
        sock.setsockopt(SOL_SOCKET, socket.SO_RCVBUF, spec["rcvbuf"])
    sock.bind((loopback(family), 0))
    return [describe(sock, "udp", family, "udp")]


OPENERS = {"tcp_listener": open_tcp_listener, "tcp_pair": open_tcp_pair, "udp": open_udp}


def read_int(sock, level, optname):
    try:
        return sock.getsockopt(level, optname)
    except OSError as e:
        return "error: " + (e.strerror or str(e))


def own_options(fd):
    """This process's own view of the socket, through getsockopt(2) on its own descriptor."""
    sock = held.get(fd)
    if sock is None:
        return {"error": "no socket held at fd %d" % fd}
    result = {"fd": fd, "inode": os.fstat(fd).st_ino}
    is_tcp = sock.type == socket.SOCK_STREAM
    table = list(INT_OPTIONS)
    if is_tcp:
        table += TCP_INT_OPTIONS
    table += IPV6_INT_OPTIONS if sock.family == socket.AF_INET6 else IPV4_INT_OPTIONS
    for name, level, optname in table:
        result[name] = read_int(sock, level, optname)
    onoff, seconds = struct.unpack("ii", sock.getsockopt(SOL_SOCKET, socket.SO_LINGER, 8))
    result["so_linger"] = {"enabled": bool(onoff), "seconds": seconds}
    if is_tcp:
        result["tcp_congestion"] = sock.getsockopt(IPPROTO_TCP, TCP_CONGESTION, 16).split(b"\0")[0].decode()
    return result


def answer(command):
    parts = command.split()
    if len(parts) == 2 and parts[0] == "OPTS":
        return json.dumps(own_options(int(parts[1])))
    return json.dumps({"error": "unknown command %r" % command})


def serve_child(requests, replies):
    """The forked child: answers OPTS sent by the parent until the parent goes away."""
    with os.fdopen(requests, "r") as rin, os.fdopen(replies, "w") as rout:
        for line in rin:
            rout.write(answer(line.strip()) + "\n")
            rout.flush()
    os._exit(0)


def main():
    spec = json.loads(sys.argv[1])
    if spec.get("name"):
        set_process_name(spec["name"])
    described = []
    for socket_spec in spec.get("sockets", []):
        described += OPENERS[socket_spec["kind"]](socket_spec)

    child_pid, to_child, from_child = None, None, None
    if spec.get("fork_child"):
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        sys.stdout.flush()
        child_pid = os.fork()
        if child_pid == 0:
            os.close(req_w)
            os.close(rep_r)
            sys.stdin.close()
            serve_child(req_r, rep_w)
        os.close(req_r)
        os.close(rep_w)
        to_child = os.fdopen(req_w, "w")
        from_child = os.fdopen(rep_r, "r")

    print(json.dumps({"pid": os.getpid(), "child_pid": child_pid, "sockets": described}), flush=True)

    for line in sys.stdin:
        command = line.strip()
        if command == "EXIT":
            break
        if command.startswith("CHILD_"):
            if to_child is None:
                reply = json.dumps({"error": "no forked child"})
            else:
                to_child.write(command[len("CHILD_"):] + "\n")
                to_child.flush()
                reply = from_child.readline().strip()
        else:
            reply = answer(command)
        print(reply, flush=True)
    if child_pid:
        to_child.close()  # the child sees EOF and exits
        os.waitpid(child_pid, 0)


if __name__ == "__main__":
    main()
