# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Imported by full name, not relatively: ansible.cfg also puts this directory on the plain
# action_plugins path (short name `socket_info`), where a relative import has no package.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.livetune.process.plugins.plugin_utils.executor import LivetuneAction


class ActionModule(LivetuneAction):
    """livetune.process.socket_info: reads, never changes.

    Check mode runs it exactly as a normal run (the executor gets ``_check_mode`` and reads
    the same values), so ``--check`` still returns the sockets; ``changed`` is always false.
    """

    MODULE = 'socket_info'

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        # whatever the executor or a failure path said, a reading changes nothing
        result['changed'] = False
        return result
