# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Imported by full name, not relatively: ansible.cfg also puts this directory on the plain
# action_plugins path (short name `socket_option`), where a relative import has no package.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.livetune.process.plugins.plugin_utils.executor import LivetuneAction


class ActionModule(LivetuneAction):
    MODULE = 'socket_option'
