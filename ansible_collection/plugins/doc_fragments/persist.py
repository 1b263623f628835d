# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """persist: true of socket_option and memory_lock, which write the unit's preload drop-in
    through livetune.process.preload_wrapper's own code."""

    DOCUMENTATION = r'''
options:
  persist:
    description:
      - Also make the change hold after the next restart. The same task writes the preload drop-in of
        the unit that I(unit) selects, the one M(livetune.process.preload_wrapper) writes
        (C(/etc/systemd/system/UNIT.d/50-livetune.conf)), with the same checks, and installs the preload
        library in C(/usr/local/lib/livetune) or where the unit's drop-in already has it.
      - What the task sets is merged into what the drop-in already says, and the rest is kept. With
        M(livetune.process.socket_option) these are the backlog and the options, by name. With
        M(livetune.process.memory_lock) it is C(LIVETUNE_MLOCK) (C(state=unlocked) removes it). A drop-in
        left with nothing to do is removed.
      - It is checked before anything changes, and the task fails with nothing changed when it cannot be
        persisted. That is the case for processes chosen by anything but I(unit), for I(raw) options, for
        I(scope=text), and for a unit the library cannot work in (see M(livetune.process.preload_wrapper)).
      - After a restart the library applies the options to every new socket of the unit's programs that
        takes them, not only to those the socket filters pick; a warning says so when filters are given.
      - The drop-in is written after the live change succeeded; its result is returned as I(persisted),
        and its diff is part of the task's diff.
    type: bool
    default: false
'''
