# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the action plugins: every plugins/action/X.py runs module X through the
executor, and keeps its own rules (socket_info never changes anything, even in check
mode). Every action plugin found is tested, so a new module is covered when it lands.
The protocol itself is tested in tests/unit/plugins/plugin_utils/test_executor.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os

import pytest

from ansible_collections.livetune.process.plugins.plugin_utils import executor
from ansible_collections.livetune.process.tests.unit.plugins.livetune_helpers import (
    executor_json, make_action, sent_commands)

ACTION_DIR = os.path.join(os.path.dirname(executor.__file__), '..', 'action')
MODULES = sorted(name[:-3] for name in os.listdir(ACTION_DIR) if name.endswith('.py') and name != '__init__.py')


def action_class(module):
    return importlib.import_module('ansible_collections.livetune.process.plugins.action.' + module).ActionModule


def test_the_known_modules_are_found():
    assert set(MODULES) >= {'socket_option', 'socket_info', 'memory_lock'}


@pytest.mark.parametrize('module', MODULES)
def test_each_action_runs_its_own_module(module):
    cls = action_class(module)
    assert issubclass(cls, executor.LivetuneAction)
    assert cls.MODULE == module
    action = make_action({'pid': 1234}, cls=cls)
    result = action.run(task_vars={})
    assert not result.get('failed'), result
    sent, = sent_commands(action)
    variables, in_data = sent.variables, sent.stdin
    assert variables['lt_module'] == module
    assert json.loads(in_data)['pid'] == 1234


@pytest.mark.parametrize('module', MODULES)
def test_each_module_has_its_documentation(module):
    """validate-modules checks the docs; here: the documentation file exists beside it."""
    assert os.path.isfile(os.path.join(ACTION_DIR, '..', 'modules', module + '.py'))


@pytest.mark.parametrize('module', MODULES)
def test_check_mode_runs_the_executor_in_check_mode(module):
    action = make_action({'pid': 1234}, cls=action_class(module), check_mode=True,
                         answers=[executor_json(changed=module != 'socket_info', msg='would change')])
    result = action.run(task_vars={})
    assert 'skipped' not in result  # every module supports check mode
    assert json.loads(sent_commands(action)[0].stdin)['_check_mode'] is True


def test_socket_info_never_reports_a_change():
    action = make_action({'process': 'nginx'}, cls=action_class('socket_info'),
                         answers=[executor_json(changed=True, sockets=[{'inode': 1}])])
    result = action.run(task_vars={})
    assert result['changed'] is False
    assert result['sockets'] == [{'inode': 1}]


def test_socket_info_failure_is_not_a_change():
    action = make_action({'process': 'nginx'}, cls=action_class('socket_info'),
                         answers=[executor_json(changed=True, failed=True, msg='no process')])
    result = action.run(task_vars={})
    assert (result['changed'], result['failed']) == (False, True)


def test_memory_lock_reports_what_the_executor_says():
    processes = [{'pid': 1234, 'name': 'gw', 'before': {'locked_kb': 0}, 'after': {'locked_kb': 5120}}]
    action = make_action({'pid': 1234, 'state': 'locked'}, cls=action_class('memory_lock'),
                         answers=[executor_json(changed=True, processes=processes)])
    result = action.run(task_vars={})
    assert result['changed'] is True
    assert result['processes'] == processes
