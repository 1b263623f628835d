#!/usr/bin/env python3
"""resident_soak: 1,000 requests against ONE resident executor and a real daemon.

    python3 bench/resident_soak.py [--jar java-executor/target/livetune-executor.jar]
                                   [--requests 1000] [--java java]

Starts tests/daemons/tunable_server.py and one resident (`java -jar JAR resident`, the JVM
flags executor_run.sh gives it, in a fresh 0700 directory), then sends REQUESTS tasks through
the resident's own client (client.py, which the resident writes beside its socket), each a
new process as executor_run.sh runs it. The tasks rotate through five kinds and their
arguments: socket_option setting so_rcvbuf to one of three sizes, socket_option in check
mode on the backlog, socket_info of the daemon, memory_lock in check mode, and a request
with a misspelt option (which must fail). Each result is compared with what a model of the
daemon expects, and every change with the daemon's OWN getsockopt (its OPTS answer). The
resident's RSS, threads and open descriptors are printed after the first request and at the
end (/proc/PID/status and /proc/PID/fd). Exits 1 when any request failed its check.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
JVM_FLAGS = os.path.join(REPO, 'ansible_collection', 'plugins', 'plugin_utils', 'jvm.flags')
RUN_SCRIPT = os.path.join(REPO, 'ansible_collection', 'plugins', 'plugin_utils', 'executor_run.sh')
TUNABLE_SERVER = os.path.join(REPO, 'tests', 'daemons', 'tunable_server.py')
SIZES = (65536, 131072, 32768)
BACKLOGS = (20, 128, 64)


def jvm_flags():
    """jvm.flags, then what executor_run.sh adds for a resident (its lt_resident_jvm)."""
    with open(JVM_FLAGS) as f:
        flags = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith('#')]
    with open(RUN_SCRIPT) as f:
        for line in f:
            if line.strip().startswith('lt_resident_jvm='):
                flags += line.split('=', 1)[1].strip().strip("'").split()
    return flags


def wait_for(what, condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit('resident_soak: timed out waiting for ' + what)
        time.sleep(0.02)


def daemon_opts(port):
    """The daemon's own getsockopt readings (its OPTS answer)."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as c:
        c.sendall(b'OPTS\n')
        return json.loads(c.makefile('rb').readline())


def process_figures(pid):
    figures = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in ('VmRSS', 'Threads'):
                figures[key] = value.strip()
    figures['fds'] = len(os.listdir('/proc/%d/fd' % pid))
    return figures


class Soak:
    def __init__(self, directory, daemon_pid, port):
        self.directory = directory
        self.pid = daemon_pid
        self.port = port
        self.rcvbuf = None  # what the kernel reports for the listener; read at the start
        self.backlog = 20
        self.failures = []

    def ask(self, module, args):
        args_file = os.path.join(self.directory, '.soak-args')
        with open(args_file, 'w') as f:
            json.dump(args, f)
        done = subprocess.run([sys.executable, '-I', '-S', os.path.join(self.directory, 'client.py'),
                               self.directory, module, args_file], capture_output=True, timeout=120)
        if done.returncode not in (0, 1):
            raise AssertionError('client exit %d: %s %s' % (done.returncode, done.stdout, done.stderr))
        if b'served by the resident executor' not in done.stderr:
            raise AssertionError('not served by the resident: %s' % done.stderr)
        result = json.loads(done.stdout)
        if result['failed'] != (done.returncode == 1):
            raise AssertionError('exit %d with failed=%s' % (done.returncode, result['failed']))
        return result

    def check(self, n, what, condition, result):
        if not condition:
            self.failures.append('%d %s: %s' % (n, what, json.dumps(result)[:400]))

    def request(self, n):
        kind = n % 5
        variant = (n // 5) % 3
        if kind == 0:
            size = SIZES[variant]
            result = self.ask('socket_option', {'pid': self.pid, 'local_port': self.port,
                                                'options': {'so_rcvbuf': size}})
            want = size * 2
            self.check(n, 'so_rcvbuf change', not result['failed'] and result['changed'] == (want != self.rcvbuf)
                       and result['sockets'][0]['after']['so_rcvbuf'] == want, result)
            self.rcvbuf = want
            self.check(n, "the daemon's getsockopt", daemon_opts(self.port)['so_rcvbuf'] == want, result)
        elif kind == 1:
            backlog = BACKLOGS[variant]
            result = self.ask('socket_option', {'pid': self.pid, 'local_port': self.port, 'state': 'listen',
                                                'backlog': backlog, '_check_mode': True, '_diff': True})
            self.check(n, 'backlog check mode', not result['failed'] and result['changed'] == (backlog != self.backlog)
                       and len(result['diff']) == (1 if backlog != self.backlog else 0), result)
        elif kind == 2:
            result = self.ask('socket_info', {'pid': self.pid, 'state': 'listen', 'protocol': 'tcp'})
            sockets = result.get('sockets', [])
            self.check(n, 'socket_info', not result['failed'] and len(sockets) == 1
                       and sockets[0]['options']['so_rcvbuf'] == self.rcvbuf
                       and sockets[0]['backlog'] == self.backlog, result)
        elif kind == 3:
            result = self.ask('memory_lock', {'pid': self.pid, '_check_mode': True})
            self.check(n, 'memory_lock check mode', not result['failed'] and result['processes'][0]['pid'] == self.pid,
                       result)
        else:
            result = self.ask('socket_option', {'pid': self.pid, 'options': {['so_rcvbf', 'tcp_nodelai',
                                                                              'so_keepaliv'][variant]: 1}})
            self.check(n, 'misspelt option fails', result['failed'] and 'did you mean' in result['msg']
                       and not result['changed'], result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--jar', default=os.path.join(REPO, 'java-executor', 'target', 'livetune-executor.jar'))
    parser.add_argument('--requests', type=int, default=1000)
    parser.add_argument('--java', default=shutil.which('java'))
    options = parser.parse_args()

    work = tempfile.mkdtemp(prefix='livetune-resident-soak.')  # 0700
    resident = None
    daemon_pid = None
    try:
        subprocess.run([sys.executable, TUNABLE_SERVER, '--port', '0', '--backlog', '20', '--rcvbuf', '4096',
                        '--port-file', os.path.join(work, 'ports'), '--ready-file', os.path.join(work, 'ready'),
                        '--daemonize'], check=True)
        with open(os.path.join(work, 'ready')) as f:
            daemon_pid = int(f.read())
        with open(os.path.join(work, 'ports')) as f:
            port = int(f.read().split()[0])
        directory = os.path.join(work, 'r')
        os.mkdir(directory, 0o700)
        command = [options.java] + jvm_flags() + ['-jar', os.path.abspath(options.jar), 'resident', '--dir', '.',
                                                  '--idle-timeout', '120', '--max-requests', str(options.requests + 1)]
        log = open(os.path.join(work, 'resident.log'), 'w')
        resident = subprocess.Popen(command, cwd=directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=log)
        wait_for("the resident's socket", lambda: os.path.exists(os.path.join(directory, 's')))
        print('resident: %s' % ' '.join(resident.args))
        soak = Soak(directory, daemon_pid, port)
        soak.rcvbuf = daemon_opts(port)['so_rcvbuf']
        started = time.monotonic()
        soak.request(0)
        first = process_figures(resident.pid)
        for n in range(1, options.requests):
            soak.request(n)
        last = process_figures(resident.pid)
        elapsed = time.monotonic() - started
        print('resident pid %d, %d requests in %.1f s (%.1f ms each, the client process included)'
              % (resident.pid, options.requests, elapsed, 1000 * elapsed / options.requests))
        print('after request 1:     RSS %s, threads %s, fds %d' % (first['VmRSS'], first['Threads'], first['fds']))
        print('after request %d: RSS %s, threads %s, fds %d'
              % (options.requests, last['VmRSS'], last['Threads'], last['fds']))
        for failure in soak.failures[:20]:
            print('FAILED: ' + failure)
        print('failures: %d' % len(soak.failures))
        return 1 if soak.failures else 0
    finally:
        if resident is not None and resident.poll() is None:
            resident.terminate()
            resident.wait(30)
        if daemon_pid is not None:
            try:
                os.kill(daemon_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
