# -*- coding: utf-8 -*-
# Records the wall time of every task (first "task start" to the host's result) into the
# JSON file named by $LIVETUNE_BENCH_TIMES: [{"task": NAME, "host": HOST, "seconds": S,
# "changed": B, "failed": B}, ...] in playbook order, one per host.  Used by bench/run.sh only.
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = '''
    name: task_times
    type: aggregate
    short_description: write per-task wall times to a JSON file (livetune bench)
    description: Writes one record per task result to the file named by LIVETUNE_BENCH_TIMES.
    requirements: [enable in callbacks_enabled]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._start = None
        self._records = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start = time.perf_counter()

    def _record(self, result, failed):
        end = time.perf_counter()
        r = result._result
        self._records.append({
            'task': result._task.get_name(),
            'host': result._host.get_name(),
            'seconds': end - (self._start or end),
            'changed': bool(r.get('changed')),
            'failed': failed,
            'msg': r.get('msg') if failed else None,
        })

    def v2_runner_on_ok(self, result):
        self._record(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('LIVETUNE_BENCH_TIMES')
        if path:
            with open(path, 'w') as f:
                json.dump(self._records, f, indent=1)
