# The resident executor's client (docs/resident-executor.md). The resident writes it beside its
# socket; executor_run.sh checks it is private and runs it with python3 -I -S:
#   client.py DIR MODULE ARGS_FILE
# It asks the resident in DIR to run MODULE with the JSON in ARGS_FILE, prints the executor's
# stdout and stderr and exits with its status. Before the resident accepted the request, any
# doubt exits 91 (cli.ExitStatus.NOT_SERVED): the script then runs the task cold. After "go"
# it never does: a lost answer is a LIVETUNE-STATUS line "resident-lost" and exit 90.
# The protocol is in resident/Protocol.java.
import os
import socket
import struct
import sys

NOT_SERVED = 91
NOT_STARTED = 90
WAIT_FOR_ACCEPT = 5.0  # seconds: a busy or hung resident is not waited for longer than this


def not_served():
    sys.exit(NOT_SERVED)


def read_line(conn, limit=256):
    line = b''
    while not line.endswith(b'\n'):
        b = conn.recv(1)
        if not b or len(line) > limit:
            return None
        line += b
    return line[:-1].decode('ascii', 'replace')


def read_exactly(conn, n):
    parts = []
    while n > 0:
        b = conn.recv(min(n, 1 << 16))
        if not b:
            return None
        parts.append(b)
        n -= len(b)
    return b''.join(parts)


def main():
    directory, module, args_file = sys.argv[1:4]
    try:
        with open(args_file, 'rb') as f:
            request = f.read()
        os.chdir(directory)  # the socket by its short name: sun_path holds 108 bytes
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(WAIT_FOR_ACCEPT)
        conn.connect('s')
        pid, uid, _ = struct.unpack('3i', conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                          struct.calcsize('3i')))
        if uid != os.geteuid():
            not_served()  # not our resident: never send it a task
        conn.sendall(('livetune-resident 1 %s %d\n' % (module, len(request))).encode('ascii') + request)
        if read_line(conn) != 'accepted':
            not_served()
        conn.sendall(b'go\n')
    except (OSError, ValueError):
        not_served()
    # Committed: the resident runs the task; whatever happens now, never run it again.
    try:
        conn.settimeout(None)
        header = (read_line(conn) or '').split(' ')
        if len(header) != 4 or header[0] != 'done':
            raise OSError('no answer')
        status, out_length, err_length = int(header[1]), int(header[2]), int(header[3])
        out = read_exactly(conn, out_length)
        err = read_exactly(conn, err_length)
        if out is None or err is None:
            raise OSError('the answer broke off')
    except (OSError, ValueError) as e:
        sys.stdout.write('LIVETUNE-STATUS\tresident-lost\t%d\t%s\n' % (pid, e))
        sys.exit(NOT_STARTED)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.stderr.buffer.write(err)
    sys.stderr.write('livetune: served by the resident executor, pid %d\n' % pid)
    sys.exit(status)


main()
