#!/usr/bin/env python3
"""A target process for livetune's integration tests (stdlib only).

Usage: socket_target.py SPEC_JSON [marker arguments are ignored]

SPEC_JSON: {"name": "comm name (<= 15 chars, optional)",
            "fork_child": false,
            "pidfile": "path (optional): where it writes its own pid, as a daemon does",
            "sockets": [{"kind": "tcp_listener", "family": "ipv4"|"ipv6", "backlog": 20, "rcvbuf": 4096},
                        {"kind": "tcp_pair", "family": ..., "rcvbuf": 4096 (client, set before connect)},
                        {"kind": "udp", "family": ..., "rcvbuf": 4096}]}

When every socket is open it prints ONE JSON line on stdout:
  {"pid": P, "child_pid": C or null, "sockets": [{"role": "listener"|"pair_listener"|"client"|"server"|"udp",
     "fd": N, "inode": I, "family": ..., "protocol": "tcp"|"udp", "local_port": .., "remote_port": ..}]}
and then answers commands read from stdin, one JSON line each:
  OPTS <fd>        its own getsockopt of that descriptor
  CHILD_OPTS <fd>  the forked child's own getsockopt of that descriptor (fork_child only)
  SET <fd> <json>  its own setsockopt of that descriptor, e.g. {"so_keepalive": 1, "tcp_congestion": "reno",
                   "so_linger": {"enabled": true, "seconds": 5}, "so_rcvtimeo": 1234 (ms)}; answers as OPTS
  OPEN <json>      opens one more socket (a socket spec as above); answers {"sockets": [...]} as the ready line
  CLOSE <fd>       closes a socket it opened; answers {"closed": fd}
  SEND <fd> <n>    sends n bytes on that descriptor (blocking); answers {"sent": n}
  FILL <fd>        sends without blocking until the kernel refuses (EAGAIN); answers {"sent": bytes}
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
SO_REUSEPORT = 15
SO_BROADCAST = 6
SO_RCVTIMEO = 20
SO_SNDTIMEO = 21
TCP_FASTOPEN = 23
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
    ("so_reuseaddr", SOL_SOCKET, socket.SO_REUSEADDR),
    ("so_reuseport", SOL_SOCKET, SO_REUSEPORT),
]
UDP_INT_OPTIONS = [("so_broadcast", SOL_SOCKET, SO_BROADCAST)]
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
    ("tcp_fastopen", IPPROTO_TCP, TCP_FASTOPEN),
]
TIMEOUT_OPTIONS = [("so_rcvtimeo", SO_RCVTIMEO), ("so_sndtimeo", SO_SNDTIMEO)]
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
    else:
        table += UDP_INT_OPTIONS
    # An IPv6 socket answers the IPv4 options too (they apply to its IPv4-mapped traffic).
    table += IPV6_INT_OPTIONS + IPV4_INT_OPTIONS if sock.family == socket.AF_INET6 else IPV4_INT_OPTIONS
    for name, level, optname in table:
        result[name] = read_int(sock, level, optname)
    onoff, seconds = struct.unpack("ii", sock.getsockopt(SOL_SOCKET, socket.SO_LINGER, 8))
    result["so_linger"] = {"enabled": bool(onoff), "seconds": seconds}
    for name, optname in TIMEOUT_OPTIONS:
        sec, usec = struct.unpack("ll", sock.getsockopt(SOL_SOCKET, optname, struct.calcsize("ll")))
        result[name] = sec * 1000 + usec // 1000  # whole milliseconds
        result[name + "_us"] = sec * 1000000 + usec
    if is_tcp:
        result["tcp_congestion"] = sock.getsockopt(IPPROTO_TCP, TCP_CONGESTION, 16).split(b"\0")[0].decode()
    return result


def set_options(fd, options):
    """setsockopt(2) on its own descriptor: the test's known values, set by the process itself."""
    sock = held.get(fd)
    if sock is None:
        return {"error": "no socket held at fd %d" % fd}
    ints = {name: (level, optname) for name, level, optname in
            INT_OPTIONS + UDP_INT_OPTIONS + TCP_INT_OPTIONS + IPV4_INT_OPTIONS + IPV6_INT_OPTIONS}
    timeouts = dict(TIMEOUT_OPTIONS)
    try:
        for name, value in options.items():
            if name == "so_linger":
                sock.setsockopt(SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1 if value["enabled"] else 0, value["seconds"]))
            elif name == "tcp_congestion":
                sock.setsockopt(IPPROTO_TCP, TCP_CONGESTION, value.encode())
            elif name in timeouts:
                sock.setsockopt(SOL_SOCKET, timeouts[name], struct.pack("ll", value // 1000, (value % 1000) * 1000))
            elif name in ints:
                level, optname = ints[name]
                sock.setsockopt(level, optname, int(value))
            else:
                return {"error": "unknown option %r" % name}
    except OSError as e:
        return {"error": "setsockopt %s: %s" % (name, e)}
    return own_options(fd)


def send_bytes(fd, count):
    sock = held.get(fd)
    if sock is None:
        return {"error": "no socket held at fd %d" % fd}
    sock.sendall(b"x" * count)
    return {"sent": count}


def fill(fd):
    """Sends until the kernel takes no more: the peer's window and our send buffer are full."""
    sock = held.get(fd)
    if sock is None:
        return {"error": "no socket held at fd %d" % fd}
    sock.setblocking(False)
    chunk = b"x" * 65536
    sent = 0
    while True:
        try:
            sent += sock.send(chunk)
        except BlockingIOError:
            return {"sent": sent}


def close_socket(fd):
    sock = held.pop(fd, None)
    if sock is None:
        return {"error": "no socket held at fd %d" % fd}
    sock.close()
    return {"closed": fd}


def answer(command):
    parts = command.split(None, 2)
    try:
        if len(parts) == 2 and parts[0] == "OPTS":
            return json.dumps(own_options(int(parts[1])))
        if len(parts) == 3 and parts[0] == "SET":
            return json.dumps(set_options(int(parts[1]), json.loads(parts[2])))
        if len(parts) >= 2 and parts[0] == "OPEN":
            socket_spec = json.loads(command.split(None, 1)[1])
            return json.dumps({"sockets": OPENERS[socket_spec["kind"]](socket_spec)})
        if len(parts) == 2 and parts[0] == "CLOSE":
            return json.dumps(close_socket(int(parts[1])))
        if len(parts) == 3 and parts[0] == "SEND":
            return json.dumps(send_bytes(int(parts[1]), int(parts[2])))
        if len(parts) == 2 and parts[0] == "FILL":
            return json.dumps(fill(int(parts[1])))
    except (OSError, ValueError, KeyError) as e:
        return json.dumps({"error": "%s: %s" % (command, e)})
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

    if spec.get("pidfile"):
        with open(spec["pidfile"], "w") as pidfile:
            pidfile.write("%d\n" % os.getpid())  # the pid as this process sees it (its PID namespace's)
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
