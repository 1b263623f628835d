# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What every livetune module shares because the action plugin runs the executor jar on
    the target: which java runs it, and how the action runs."""

    DOCUMENTATION = r'''
options:
  java_executable:
    description:
      - Path of the java binary on the target. It must be Java 17 or newer (tested on 17 and 25).
      - When not set, the host variable C(livetune_java) is used, then C($JAVA_HOME/bin/java), the
        C(java) on C(PATH), and the newest C(/usr/lib/jvm/*/bin/java). Without any, the task fails
        naming the package to install.
      - Used on the controller only; it is not passed to the executor.
    type: path
notes:
  - On a target's first task with a JVM, the target makes a class-data archive (JDK 25 and later, an
    ahead-of-time cache) in the background for the tasks after it. Its maker first waits for a second in which
    at least 0.9 of a CPU is idle, for at most C(livetune_archive_idle_wait) seconds (host variable, default 60;
    C(0) starts it at once), then runs at the lowest CPU priority. Tasks run without the archive until it is made.
  - With the host variable C(livetune_resident_executor=true) (default C(false)) the first task on a target
    also starts a resident executor, a JVM that runs the next tasks of that target user without a JVM start,
    and exits after C(livetune_resident_idle_timeout) seconds (default 60) without a task. Its client runs on
    the Python ansible uses on the target (C(ansible_python_interpreter) or the discovered one, else
    C(python3) on C(PATH)); it costs a JVM per target user while it lives; on any doubt a task runs as
    without it. See docs/resident-executor.md in the collection's repository.
attributes:
  action:
    support: full
    description: The action plugin runs the executor jar on the target; no Python is needed there.
  async:
    support: none
    description: The executor runs once and returns; it cannot run in the background.
'''
