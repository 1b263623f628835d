# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What every livetune module shares: how it picks processes (the executor's
    selection.schema.json), which java runs the executor, and how the action plugin runs."""

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
  java_executable:
    description:
      - Path of the java binary on the target.
      - When not set, the host variable C(livetune_java) is used, then C($JAVA_HOME/bin/java), the
        C(java) on C(PATH), and the newest C(/usr/lib/jvm/*/bin/java). Without any, the task fails
        naming the package to install.
      - Used on the controller only; it is not passed to the executor.
    type: path
attributes:
  action:
    support: full
    description: The action plugin runs the executor jar on the target; no Python is needed there.
  async:
    support: none
    description: The executor runs once and returns; it cannot run in the background.
'''
