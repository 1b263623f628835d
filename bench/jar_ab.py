#!/usr/bin/env python3
"""jar_ab: two executor jars, the same unchanged task, paired runs: what a change to the
executor's start-up is worth.

    python3 bench/jar_ab.py OLD.jar NEW.jar [--pairs 25] [--java JAVA ...]

Each jar is copied into a private 0700 cache directory of its own, where its class-data
archive (static on JDK 17, dynamic on 18 to 24) or ahead-of-time cache (JDK 25 and newer) is
made as the archive maker of executor_run.sh makes it (bench/lib/class_archive.py) (`archive-training socket_option`). Both then run
the unchanged socket_option task of a tunable_server listener (tests/daemons/tunable_server.py,
started here, selected by pidfile as in bench (a)) with the flags of plugin_utils/jvm.flags
and the command line executor_run.sh gives that JDK: `-cp JAR io.livetune.executor.Main`
below JDK 24, `-jar JAR` from 24 on. After a warm-up of both, the pairs alternate (old, new;
new, old; ...), so that load on the machine falls on both alike.

Printed per java: the medians of each jar's wall and CPU time (user + system of the JVM and
its threads), and the median of the per-pair differences old - new (positive: the new jar is
faster). Not part of bench/run.sh: a paired figure for one change, as bench/README.md quotes.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'lib'))
import class_archive  # noqa: E402 (bench/lib, beside this script)

REPO = os.path.dirname(HERE)
TUNABLE_SERVER = os.path.join(REPO, 'tests', 'daemons', 'tunable_server.py')
JVM_FLAGS = os.path.join(REPO, 'ansible_collection', 'plugins', 'plugin_utils', 'jvm.flags')
MAIN = 'io.livetune.executor.Main'


def jvm_flags():
    with open(JVM_FLAGS) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


class Executor:
    """One jar in a private cache, with its archive made, run as executor_run.sh runs it."""

    def __init__(self, java, major, jar, home):
        os.makedirs(home, mode=0o700)
        self.jar = os.path.join(home, 'livetune-executor.jar')
        shutil.copy(jar, self.jar)
        common = jvm_flags() + ['-Xlog:disable', '-Xlog:all=error:stderr']
        props = ['-Djna.nosys=true', '-Dlivetune.jna.dir=%s/jna' % home, '-Djna.tmpdir=%s/jna' % home,
                 '-Dlivetune.cache.dir=%s' % home]
        training = ['-jar', self.jar, 'archive-training', 'socket_option']
        archive = class_archive.make(java, major, common + props, self.jar, training, os.path.join(home, 'archive'))
        entry = ['-jar', self.jar] if major >= 24 else ['-cp', self.jar, MAIN]
        self.command = [java] + common + props + archive + entry + ['ansible', 'socket_option']


def timed(executor, args):
    start = time.perf_counter()
    process = subprocess.Popen(executor.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdin.write(args)
    process.stdin.close()
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0 or b'"failed":false' not in out or b'"changed":false' not in out:
        sys.exit('jar_ab: the task did not run unchanged:\n%s\n%s' % (out[:400], err[:400]))
    return wall, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('old')
    parser.add_argument('new')
    parser.add_argument('--pairs', type=int, default=25)
    parser.add_argument('--java', nargs='+', default=[shutil.which('java') or 'java'])
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix='livetune-jar-ab.')
    pidfile = os.path.join(work, 'server.pid')
    port_file = os.path.join(work, 'server.port')
    server = subprocess.Popen([sys.executable, TUNABLE_SERVER, '--port', '0', '--backlog', '128',
                               '--rcvbuf', '65536', '--pidfile', pidfile, '--port-file', port_file])
    try:
        deadline = time.monotonic() + 30
        while not (os.path.exists(port_file) and os.path.getsize(port_file)) and time.monotonic() < deadline:
            time.sleep(0.05)  # the server writes its port once it listens
        with open(port_file) as f:
            port = int(f.read().split()[0])  # "TCP UDP"
        args = ('{"pidfile": "%s", "protocol": "tcp", "state": "listen", "local_port": %d, "backlog": 128, '
                '"options": {"so_rcvbuf": 65536}, "_check_mode": false, "_diff": false, "_verbosity": 0}\n'
                % (pidfile, port)).encode()
        for java in options.java:
            major = class_archive.java_major(java)
            jars = {name: Executor(java, major, jar, os.path.join(work, '%s-%d' % (name, major)))
                    for name, jar in (('old', options.old), ('new', options.new))}
            for name in ('old', 'new', 'old', 'new'):
                timed(jars[name], args)  # the page cache, and each jar's memo of validated arguments
            wall = {'old': [], 'new': []}
            cpu = {'old': [], 'new': []}
            for i in range(options.pairs):
                for name in (('old', 'new') if i % 2 == 0 else ('new', 'old')):
                    w, c = timed(jars[name], args)
                    wall[name].append(w)
                    cpu[name].append(c)
            dwall = statistics.median(o - n for o, n in zip(wall['old'], wall['new']))
            dcpu = statistics.median(o - n for o, n in zip(cpu['old'], cpu['new']))
            print('JDK %d, %d pairs, load %.2f: wall old %.3f s new %.3f s (median of per-pair old - new %+.1f ms); '
                  'CPU old %.3f s new %.3f s (per pair %+.1f ms)'
                  % (major, options.pairs, os.getloadavg()[0], statistics.median(wall['old']),
                     statistics.median(wall['new']), 1000 * dwall, statistics.median(cpu['old']),
                     statistics.median(cpu['new']), 1000 * dcpu))
            sys.stdout.flush()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
