# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Imported by full name, not relatively: ansible.cfg also puts this directory on the plain
# action_plugins path (short name `memory_lock`), where a relative import has no package.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.livetune.process.plugins.plugin_utils.executor import LivetuneAction


class ActionModule(LivetuneAction):
    """livetune.process.memory_lock: lock a running process's memory in RAM, or unlock it.

    Check mode is the executor's (``_check_mode``): it reads the process's memory state and
    reports what would change, without stopping the process.
    """

    MODULE = 'memory_lock'
