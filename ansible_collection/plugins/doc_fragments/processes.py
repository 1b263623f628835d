# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """How a livetune module picks processes (the executor's selection.schema.json)."""

    DOCUMENTATION = r'''
options:
  pid:
    description:
      - Process id, or a list of them. A comma-separated string is accepted (ad hoc C(pid=12,34)).
      - A pid that no process has fails the task (see I(missing)); so does a zombie (a process
        that has exited but is not reaped yet), which I(missing=ignore) accepts as not running.
      - A kernel thread (such as C(kthreadd)) or the executor's own process is refused whatever
        I(missing) says.
    type: list
    elements: int
  pidfile:
    description:
      - Path of a file on the target that holds the process id.
      - A missing file, or a pid that no process has, fails the task (see I(missing)). Its first
        word must be the pid; a directory, device or FIFO is refused before it is read.
    type: path
  process:
    description:
      - Regular expression that must match the whole process name (C(/proc/PID/comm), or the
        program name when comm is cut at 15 characters), so C(nginx) does not also pick
        C(nginx-exporter).
    type: str
  cmdline:
    description:
      - Regular expression searched for anywhere in the full command line of each process.
    type: str
  unit:
    description:
      - systemd unit, for example C(rsyslog.service) (C(.service) is added to a bare name); every
        process in its cgroup is selected.
    type: str
'''
