# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Imported by full name, not relatively: ansible.cfg also puts this directory on the plain
# action_plugins path (short name `memory_lock`), where a relative import has no package.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.livetune.process.plugins.plugin_utils.executor import LivetuneAction


class ActionModule(LivetuneAction):
    """livetune.process.preload_wrapper: settings that hold from a program's first instruction and across restarts.

    Installs livetune's LD_PRELOAD library on the target and writes a systemd drop-in or an
    exec wrapper that loads it. Check and diff modes are the executor's (``_check_mode``,
    ``_diff``): it compares the files by content and writes nothing in check mode.
    """

    MODULE = 'preload_wrapper'
