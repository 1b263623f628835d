#!/usr/bin/env python3
"""tunable_server: a small daemon whose sockets livetune changes in tests, demo and bench.

It stands for "the service that cannot be restarted": it sets its listen backlog and
SO_RCVBUF once, at start-up, and never again.  Everything it reports about itself comes
from its OWN getsockopt() calls, so tests can check livetune's work with a reader that is
not livetune.

    tunable_server.py --port 18080 [--host 127.0.0.1] [--udp-port 18081]
                      [--backlog 20] [--rcvbuf 4096] [--sndbuf N] [--udp-rcvbuf N]
                      [--ready-file F] [--pidfile F] [--port-file F] [--daemonize] [--log F]
    tunable_server.py --port 18080 --ask OPTS      # client: print the daemon's answer
    tunable_server.py --port 18080 --ask 'SET so_rcvbuf 4096'   # the daemon changes its own socket

Protocol (TCP, line based; over UDP the same commands, one per datagram):
    PING\\n      -> PONG\\n
    OPTS\\n      -> one JSON line: options of the LISTENING socket (and of the UDP socket,
                   keys prefixed udp_), read with getsockopt by this process
    CONNOPTS\\n  -> one JSON line: options of the daemon's side of THIS connection
    SET NAME VALUE\\n -> the daemon itself changes its own socket (setsockopt, or listen()
                   again for NAME backlog), as a change made outside livetune would: NAME is
                   an OPTS key (so_rcvbuf, so_keepalive, tcp_nodelay, ...; udp_so_rcvbuf for
                   the UDP socket) with an integer VALUE; answers as OPTS does, read after
                   the change, or "ERR ..."
    QUIT\\n      -> the daemon closes this connection

--port 0 / --udp-port 0 pick a free port; --port-file receives "TCP UDP" ports.
--ready-file is written atomically, holding the pid, only once every socket is bound and
listening.  SIGTERM and SIGINT make the daemon close its sockets, remove its ready-file
and pidfile, and exit 0.  --daemonize detaches (double fork, setsid) and returns only once
the daemon is ready (exit 0) or has failed (exit 1), so a caller needs no sleep.
Standard library only; Python >= 3.6.
"""

import argparse
import errno
import json
import os
import selectors
import signal
import socket
import sys

# Options read back by OPTS / CONNOPTS: name -> (level, optname).  Only what the kernel
# and Python's socket module define on this host is reported.
_TCP_LEVEL = socket.IPPROTO_TCP
_CANDIDATES = [
    ("so_rcvbuf", socket.SOL_SOCKET, "SO_RCVBUF"),
    ("so_sndbuf", socket.SOL_SOCKET, "SO_SNDBUF"),
    ("so_keepalive", socket.SOL_SOCKET, "SO_KEEPALIVE"),
    ("so_priority", socket.SOL_SOCKET, "SO_PRIORITY"),
    ("so_mark", socket.SOL_SOCKET, "SO_MARK"),
    ("so_dontroute", socket.SOL_SOCKET, "SO_DONTROUTE"),
    ("so_rcvlowat", socket.SOL_SOCKET, "SO_RCVLOWAT"),
    ("tcp_nodelay", _TCP_LEVEL, "TCP_NODELAY"),
    ("tcp_keepidle", _TCP_LEVEL, "TCP_KEEPIDLE"),
    ("tcp_keepintvl", _TCP_LEVEL, "TCP_KEEPINTVL"),
    ("tcp_keepcnt", _TCP_LEVEL, "TCP_KEEPCNT"),
    ("tcp_user_timeout", _TCP_LEVEL, "TCP_USER_TIMEOUT"),
    ("tcp_defer_accept", _TCP_LEVEL, "TCP_DEFER_ACCEPT"),
    ("tcp_maxseg", _TCP_LEVEL, "TCP_MAXSEG"),
    ("tcp_window_clamp", _TCP_LEVEL, "TCP_WINDOW_CLAMP"),
    ("tcp_notsent_lowat", _TCP_LEVEL, "TCP_NOTSENT_LOWAT"),
    ("ip_tos", socket.IPPROTO_IP, "IP_TOS"),
    ("ip_ttl", socket.IPPROTO_IP, "IP_TTL"),
]
# Numeric fallbacks for constants older Pythons lack (Linux values).
_FALLBACK = {"SO_MARK": 36, "TCP_USER_TIMEOUT": 18, "TCP_NOTSENT_LOWAT": 25,
             "SO_PRIORITY": 12, "TCP_DEFER_ACCEPT": 9, "TCP_WINDOW_CLAMP": 10}


def _optnum(name):
    return getattr(socket, name, _FALLBACK.get(name))


def read_options(sock, udp=False):
    """getsockopt of every known option on sock; options the socket rejects are left out."""
    out = {}
    fam = sock.family
    for key, level, cname in _CANDIDATES:
        if udp and key.startswith("tcp_"):
            continue
        num = _optnum(cname)
        if num is None:
            continue
        if key.startswith("ip_") and fam != socket.AF_INET:
            continue
        try:
            out[key] = sock.getsockopt(level, num)
        except OSError:
            pass
    if fam == socket.AF_INET6:
        for key, cname in (("ipv6_tclass", "IPV6_TCLASS"),
                           ("ipv6_unicast_hops", "IPV6_UNICAST_HOPS")):
            num = getattr(socket, cname, None)
            if num is not None:
                try:
                    out[key] = sock.getsockopt(socket.IPPROTO_IPV6, num)
                except OSError:
                    pass
    try:
        lg = sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)
        onoff = int.from_bytes(lg[0:4], sys.byteorder)
        secs = int.from_bytes(lg[4:8], sys.byteorder)
        out["so_linger"] = {"enabled": bool(onoff), "seconds": secs}
    except OSError:
        pass
    return out


def write_atomic(path, text):
    """Write text to path so that readers see either nothing or the whole file."""
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def remove_quietly(path):
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


class Server:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.listener = None
        self.udp = None
        self.conns = {}  # socket -> bytearray (pending input)
        self.stopping = False
        # self-pipe: a signal handler writes here so select() wakes at once
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    # -- set-up -------------------------------------------------------------------------
    def _family(self, host):
        infos = socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST
                                   if _is_numeric(host) else 0)
        return infos[0][0], infos[0][4][0]

    def open(self):
        a = self.args
        fam, addr = self._family(a.host)
        if a.port is not None:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if a.rcvbuf:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
            if a.sndbuf:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, a.sndbuf)
            s.bind((addr, a.port))
            s.listen(a.backlog)  # the hard-coded backlog livetune raises later
            s.setblocking(False)
            self.listener = s
            self.sel.register(s, selectors.EVENT_READ, self._accept)
        if a.udp_port is not None:
            u = socket.socket(fam, socket.SOCK_DGRAM)
            u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            rb = a.udp_rcvbuf if a.udp_rcvbuf is not None else a.rcvbuf
            if rb:
                u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rb)
            u.bind((addr, a.udp_port))
            u.setblocking(False)
            self.udp = u
            self.sel.register(u, selectors.EVENT_READ, self._datagram)
        self.sel.register(self.wake_r, selectors.EVENT_READ, None)

    def ports(self):
        tcp = self.listener.getsockname()[1] if self.listener else 0
        udp = self.udp.getsockname()[1] if self.udp else 0
        return tcp, udp

    # -- answers ------------------------------------------------------------------------
    def opts(self):
        out = {"pid": os.getpid()}
        if self.listener is not None:
            out["port"] = self.listener.getsockname()[1]
            out.update(read_options(self.listener))
        if self.udp is not None:
            out["udp_port"] = self.udp.getsockname()[1]
            for k, v in read_options(self.udp, udp=True).items():
                out["udp_" + k] = v
        return out

    def set_option(self, words):
        """SET NAME VALUE: this process changes its own socket, then answers like OPTS."""
        if len(words) != 2:
            return b"ERR usage: SET NAME VALUE\n"
        name, value = words[0].lower(), words[1]
        try:
            value = int(value)
        except ValueError:
            return b"ERR VALUE must be an integer\n"
        sock = self.listener
        if name.startswith("udp_"):
            name, sock = name[4:], self.udp
        if sock is None:
            return b"ERR no such socket\n"
        try:
            if name == "backlog" and sock is self.listener:
                sock.listen(value)
            else:
                found = [(level, cname) for key, level, cname in _CANDIDATES if key == name]
                if not found or _optnum(found[0][1]) is None:
                    return ("ERR unknown option %s\n" % name).encode()
                sock.setsockopt(found[0][0], _optnum(found[0][1]), value)
        except OSError as e:
            return ("ERR %s\n" % e).encode()
        return (json.dumps(self.opts(), sort_keys=True) + "\n").encode()

    def answer(self, line, conn=None):
        cmd = line.strip().upper()
        if cmd == b"PING":
            return b"PONG\n"
        if cmd == b"OPTS":
            return (json.dumps(self.opts(), sort_keys=True) + "\n").encode()
        if cmd == b"CONNOPTS" and conn is not None:
            o = {"pid": os.getpid(), "local": "%s:%d" % conn.getsockname()[:2],
                 "remote": "%s:%d" % conn.getpeername()[:2]}
            o.update(read_options(conn))
            return (json.dumps(o, sort_keys=True) + "\n").encode()
        if cmd.startswith(b"SET "):
            return self.set_option(line.decode(errors="replace").split()[1:])
        if cmd == b"QUIT":
            return None
        return b"ERR unknown command\n"

    # -- event handlers -----------------------------------------------------------------
    def _accept(self, sock):
        for _ in range(64):
            try:
                c, _addr = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    return
                raise
            c.setblocking(False)
            self.conns[c] = bytearray()
            self.sel.register(c, selectors.EVENT_READ, self._read)

    def _close(self, c):
        try:
            self.sel.unregister(c)
        except (KeyError, ValueError):
            pass
        self.conns.pop(c, None)
        c.close()

    def _read(self, c):
        try:
            data = c.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(c)
            return
        if not data:
            self._close(c)
            return
        buf = self.conns[c]
        buf += data
        if len(buf) > 65536:
            self._close(c)
            return
        while b"\n" in buf:
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            reply = self.answer(line, c)
            if reply is None:
                self._close(c)
                return
            try:
                c.setblocking(True)
                c.settimeout(5)
                c.sendall(reply)
                c.setblocking(False)
            except OSError:
                self._close(c)
                return

    def _datagram(self, u):
        for _ in range(64):
            try:
                data, peer = u.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            reply = self.answer(data.split(b"\n", 1)[0])
            if reply:
                try:
                    u.sendto(reply, peer)
                except OSError:
                    pass

    # -- main loop ----------------------------------------------------------------------
    def request_stop(self, *_):
        self.stopping = True
        try:
            os.write(self.wake_w, b"x")
        except OSError:
            pass

    def run(self):
        while not self.stopping:
            for key, _mask in self.sel.select(timeout=1.0):
                if key.data is None:
                    try:
                        os.read(self.wake_r, 512)
                    except OSError:
                        pass
                    continue
                key.data(key.fileobj)

    def close(self):
        for c in list(self.conns):
            self._close(c)
        for s in (self.listener, self.udp):
            if s is not None:
                s.close()
        self.sel.close()


def _is_numeric(host):
    for fam in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(fam, host)
            return True
        except OSError:
            pass
    return False


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; ::1 for IPv6)")
    p.add_argument("--port", type=int, help="TCP port to listen on (0: any free port)")
    p.add_argument("--udp-port", type=int, help="UDP port to bind as well (0: any free port)")
    p.add_argument("--backlog", type=int, default=20, help="listen backlog, set once (default 20)")
    p.add_argument("--rcvbuf", type=int, default=4096,
                   help="SO_RCVBUF set before listen/bind (default 4096; 0 = leave the kernel default)")
    p.add_argument("--sndbuf", type=int, default=0, help="SO_SNDBUF of the listener (default: kernel's)")
    p.add_argument("--udp-rcvbuf", type=int, help="SO_RCVBUF of the UDP socket (default: --rcvbuf)")
    p.add_argument("--ready-file", help="written atomically with the pid once ready")
    p.add_argument("--pidfile", help="pid file (written at start, removed at exit)")
    p.add_argument("--port-file", help="written with 'TCP_PORT UDP_PORT' once bound")
    p.add_argument("--daemonize", action="store_true",
                   help="detach; return once ready (exit 0) or failed (exit 1)")
    p.add_argument("--log", default="/dev/null", help="stdout/stderr of the detached daemon")
    p.add_argument("--ask", metavar="CMD",
                   help="client mode: send CMD (PING, OPTS, CONNOPTS, 'SET NAME VALUE') to a running "
                        "daemon at --host/--port (or --udp-port) and print its answer; exit 1 on ERR")
    a = p.parse_args(argv)
    if a.port is None and a.udp_port is None:
        p.error("give --port and/or --udp-port")
    return a


def daemonize(log):
    """Double fork; the original process waits on a pipe for 'ready' or an error text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid > 0:
        os.close(w)
        msg = b""
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            msg += chunk
        os.waitpid(pid, 0)
        if msg.startswith(b"ready"):
            os._exit(0)
        sys.stderr.write("tunable_server: %s\n" % (msg.decode(errors="replace") or "died before ready"))
        os._exit(1)
    os.close(r)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.chdir("/")
    fd = os.open("/dev/null", os.O_RDONLY)
    os.dup2(fd, 0)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(fd)
    os.close(out)
    return w


def ask(a):
    """Client mode: one command, one answer line on stdout."""
    fam, addr = Server(a)._family(a.host)
    line = (a.ask.strip() + "\n").encode()
    if a.port is not None:
        with socket.create_connection((addr, a.port), timeout=5) as c:
            c.sendall(line)
            f = c.makefile("rb")
            reply = f.readline()
    else:
        with socket.socket(fam, socket.SOCK_DGRAM) as u:
            u.settimeout(5)
            u.sendto(line, (addr, a.udp_port))
            reply = u.recv(65536)
    if not reply:
        sys.stderr.write("tunable_server: no answer\n")
        return 1
    sys.stdout.write(reply.decode())
    return 1 if reply.startswith(b"ERR") else 0


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if a.ask:
        try:
            return ask(a)
        except OSError as e:
            sys.stderr.write("tunable_server: %s\n" % e)
            return 1
    # make file arguments absolute before a daemon chdir("/")
    for attr in ("ready_file", "pidfile", "port_file", "log"):
        v = getattr(a, attr)
        if v:
            setattr(a, attr, os.path.abspath(v))
    notify = daemonize(a.log) if a.daemonize else None

    srv = Server(a)
    signal.signal(signal.SIGTERM, srv.request_stop)
    signal.signal(signal.SIGINT, srv.request_stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        remove_quietly(a.ready_file)
        if a.pidfile:
            write_atomic(a.pidfile, "%d\n" % os.getpid())
        srv.open()
        tcp, udp = srv.ports()
        if a.port_file:
            write_atomic(a.port_file, "%d %d\n" % (tcp, udp))
        if a.ready_file:
            write_atomic(a.ready_file, "%d\n" % os.getpid())
    except Exception as e:  # report to the waiting parent, then exit
        if notify is not None:
            os.write(notify, str(e).encode())
            os.close(notify)
        else:
            sys.stderr.write("tunable_server: %s\n" % e)
        remove_quietly(a.pidfile)
        return 1
    sys.stdout.write("tunable_server pid %d listening tcp=%d udp=%d backlog=%d rcvbuf=%d\n"
                     % (os.getpid(), tcp, udp, a.backlog, a.rcvbuf))
    sys.stdout.flush()
    if notify is not None:
        os.write(notify, b"ready")
        os.close(notify)
    try:
        srv.run()
    finally:
        srv.close()
        remove_quietly(a.ready_file)
        remove_quietly(a.pidfile)
        remove_quietly(a.port_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
