#!/usr/bin/env python3
"""resident_pair: one unchanged socket_option task, cold vs resident, paired runs.

    python3 bench/resident_pair.py [--runs 10] [--connection local]

Run from the repository after `make build install` (the repo's ansible.cfg points at
./build/collections). Starts tests/daemons/tunable_server.py, sets its so_rcvbuf once, then
runs the same one-task playbook `--runs` times each way, alternating: cold
(livetune_resident_executor=false) and resident (true; one warm-up run first starts it). The
task's wall time comes from ansible's own json callback (the task's duration, start to end);
the whole ansible-playbook run's wall time is printed beside it. Medians and their ratio last.
Not part of bench/run.sh: a quick paired figure for docs/resident-executor.md.
"""

import argparse
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TUNABLE_SERVER = os.path.join(REPO, 'tests', 'daemons', 'tunable_server.py')

PLAY = """- hosts: all
  gather_facts: false
  tasks:
    - name: unchanged socket_option
      livetune.process.socket_option:
        pid: {pid}
        local_port: {port}
        options: {{so_rcvbuf: 65536}}
"""


def run(playbook, connection, resident):
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK='json', ANSIBLE_LOAD_CALLBACK_PLUGINS='1')
    started = time.monotonic()
    done = subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', connection, playbook,
                           '-e', 'livetune_resident_executor=%s' % ('true' if resident else 'false')],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    result = json.loads(done.stdout)
    task = result['plays'][0]['tasks'][0]
    outcome = task['hosts']['localhost']
    if done.returncode != 0 or outcome.get('failed') or outcome.get('changed'):
        sys.exit('resident_pair: the task was not an unchanged success: %s' % json.dumps(outcome)[:500])

    def moment(text):
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    duration = task['task']['duration']
    return (moment(duration['end']) - moment(duration['start'])).total_seconds(), wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--connection', default='local')
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix='livetune-resident-pair.')
    subprocess.run([sys.executable, TUNABLE_SERVER, '--port', '0', '--port-file', os.path.join(work, 'ports'),
                    '--ready-file', os.path.join(work, 'ready'), '--daemonize'], check=True)
    with open(os.path.join(work, 'ready')) as f:
        pid = int(f.read())
    try:
        with open(os.path.join(work, 'ports')) as f:
            port = int(f.read().split()[0])
        playbook = os.path.join(work, 'play.yml')
        with open(playbook, 'w') as f:
            f.write(PLAY.format(pid=pid, port=port))
        # the first run changes so_rcvbuf and starts the resident: not measured
        subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', options.connection, playbook, '-e',
                        'livetune_resident_executor=true'], cwd=REPO, check=True, capture_output=True)
        run(playbook, options.connection, True)  # warm-up of the resident, not measured
        cold, resident = [], []
        for n in range(options.runs):
            cold.append(run(playbook, options.connection, False))
            resident.append(run(playbook, options.connection, True))
            print('pair %2d: task cold %.3f s, resident %.3f s | playbook cold %.3f s, resident %.3f s'
                  % (n + 1, cold[-1][0], resident[-1][0], cold[-1][1], resident[-1][1]))
        task_cold = statistics.median(t for t, _ in cold)
        task_resident = statistics.median(t for t, _ in resident)
        print('median task: cold %.3f s, resident %.3f s, resident/cold %.2f'
              % (task_cold, task_resident, task_resident / task_cold))
        print('median playbook: cold %.3f s, resident %.3f s'
              % (statistics.median(w for _, w in cold), statistics.median(w for _, w in resident)))
    finally:
        os.kill(pid, signal.SIGTERM)


if __name__ == '__main__':
    main()
