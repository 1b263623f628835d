# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)
"""What the unit tests of the action plugins share: an action plugin as TaskExecutor makes
one, on a real connection plugin object (nothing is connected), its remote seams mocked
(_low_level_execute_command, _transfer_data, _transfer_file, _fixup_perms2, _make_tmp_path),
and readers of what it sent. The fixture that gives each test its own jar and local tmp dir
is in conftest.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import hashlib
import json
import os
import re
import shlex

from unittest.mock import MagicMock, Mock

from ansible.playbook.task import Task
from ansible.plugins.loader import become_loader, connection_loader

from ansible_collections.livetune.process.plugins.plugin_utils import executor
from ansible_collections.livetune.process.plugins.action.socket_option import ActionModule as SocketOptionAction

JAR_BYTES = b'PK\x03\x04 not really a jar'
JAR_SHA = hashlib.sha256(JAR_BYTES).hexdigest()
CACHE_DIR = '/var/cache/livetune/' + JAR_SHA
REMOTE_TMP = '/home/alice/.ansible/tmp/ansible-tmp-1-2'
STATUS = executor.STATUS_PREFIX


def answer(stdout='', rc=0, stderr=''):
    """What _low_level_execute_command returns."""
    return {'rc': rc, 'stdout': stdout, 'stdout_lines': stdout.splitlines(), 'stderr': stderr}


def executor_json(**result):
    result.setdefault('changed', False)
    return answer(json.dumps(result) + '\n')


def status(*fields, **kwargs):
    return answer(STATUS + '\t'.join(fields) + '\n', rc=kwargs.get('rc', 90))


def make_action(args=None, cls=SocketOptionAction, transport='local', become=None, become_user='root',
                become_pass=None, remote_user='alice', pipelining=False, check_mode=False, diff=False,
                answers=None):
    """An action plugin as TaskExecutor makes one, its remote seams mocked.

    answers: what the successive remote commands return.
    """
    play_context = Mock()
    play_context.shell = 'sh'
    play_context.remote_addr = 'target.example'
    connection = connection_loader.get(transport, play_context, os.devnull)
    options = {'pipelining': pipelining}
    if transport == 'local':
        connection.default_user = remote_user  # the local connection runs as whoever runs ansible
    else:
        options['remote_user'] = remote_user
    connection.set_options(direct=options)
    if become:
        plugin = become_loader.get(become)
        become_options = {'become_user': become_user}
        if become_pass is not None:
            become_options['become_pass'] = become_pass
        plugin.set_options(direct=become_options)
        connection.set_become_plugin(plugin)

    task = MagicMock(Task)
    task.async_val = False
    task.check_mode = check_mode
    task.diff = diff
    task.environment = None
    task.args = dict(args if args is not None else {'pid': 1234, 'backlog': 4096})
    task.action = 'livetune.process.' + cls.MODULE

    templar = Mock()
    templar.template.side_effect = lambda value: value
    action = cls(task, connection, play_context, loader=None, templar=templar, shared_loader_obj=None)
    action._low_level_execute_command = Mock(side_effect=list(answers or [executor_json()]))

    def make_tmp_path(remote_user=None):
        connection._shell.tmpdir = REMOTE_TMP
        return REMOTE_TMP
    action._make_tmp_path = Mock(side_effect=make_tmp_path)
    action._remove_tmp_path = Mock()
    action._transfer_data = Mock(side_effect=lambda path, data: path)
    action._transfer_file = Mock(side_effect=lambda local, remote: remote)
    action._fixup_perms2 = Mock()
    return action


# One remote command: the lt_* variables put in front of the script (values unquoted), the
# script, what went on its stdin (None: nothing), and whether become could wrap it.
Sent = collections.namedtuple('Sent', 'variables script stdin sudoable')


def sent_commands(action):
    """[Sent] of each remote command, in order."""
    sent = []
    for call in action._low_level_execute_command.call_args_list:
        cmd = call.args[0] if call.args else call.kwargs['cmd']
        variables = {}
        lines = cmd.split('\n')
        while lines and re.match(r'^lt_[a-z_]+=', lines[0]):
            name, value = lines.pop(0).split('=', 1)
            variables[name] = ' '.join(shlex.split(value)) if value else ''
        sent.append(Sent(variables, '\n'.join(lines), call.kwargs.get('in_data'), call.kwargs.get('sudoable')))
    return sent
