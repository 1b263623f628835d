# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Documentation only: the work is done by the action plugin of the same name, which runs
# the livetune executor jar on the target (see plugins/plugin_utils/executor.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: memory_lock
short_description: Lock the memory of running processes in RAM, live
version_added: 0.1.0
description:
  - Locks the memory of processes that are already running in RAM, so that it is never swapped
    out, or unlocks it, without restarting the processes and without changing them. This is for
    the critical daemon that must not be swapped out and cannot be restarted today.
  - Linux has no call that locks another process's memory. livetune runs the system call
    (C(mlockall), C(mlock), C(munlockall), C(munlock)) B(inside) the process, stopping it with
    ptrace for the instant of the call, as Solaris libproc does with C(memcntl).
  - I(scope=all) locks every mapping the process has (C(mlockall) with C(MCL_CURRENT)), I(scope=text)
    only its executable mappings (the code of the program and its libraries, C(mlock) of each).
  - Idempotent in the kernel's terms, it reads C(/proc/PID/smaps) (the C(lo) flag of each
    mapping) and C(VmLck) first. A process whose mappings in the scope are already as asked is
    reported unchanged and is not even stopped (with I(future=true), see there for the one
    exception). Afterwards the state is read back from the kernel again.
  - When the process lacks CAP_IPC_LOCK, the kernel limits what it may lock to its
    RLIMIT_MEMLOCK. A lock that would not fit fails before anything is changed, with the sizes
    in the message; I(raise_limit=true) raises the limit from outside first (C(prlimit)).
  - The work is done on the target by the livetune executor, a Java program shipped with this
    collection. The action plugin copies it to the target once per version (into
    C(/var/cache/livetune) for root, C(~/.cache/livetune) otherwise, keyed by its sha256) and
    runs it there. The target needs a Java runtime 17 or later, not Python.
  - Exactly one of I(pid), I(pidfile), I(process), I(cmdline), I(unit) selects the processes.
author:
  - livetune developers (@livetune)
extends_documentation_fragment:
  - livetune.process.executor
  - livetune.process.processes
  - livetune.process.persist
options:
  state:
    description:
      - C(locked) locks the memory of the scope in RAM; C(unlocked) unlocks it.
      - With I(scope=all), C(unlocked) runs C(munlockall), which also ends an earlier I(future=true).
    type: str
    choices: [locked, unlocked]
    default: locked
  scope:
    description:
      - C(all) is every mapping of the process (C(mlockall) and C(munlockall)), its heap, stacks,
        code and mapped files alike.
      - C(text) is its executable mappings only (C(mlock) or C(munlock) of each), the smallest lock
        that keeps the process responsive after memory pressure.
      - Mappings the kernel never locks (C(VM_IO) and C(VM_PFNMAP) device mappings, hugetlb,
        C([vsyscall])) are left out of both.
    type: str
    choices: [all, text]
    default: all
  future:
    description:
      - Also lock every mapping the process creates later (C(MCL_FUTURE)). Only with
        I(state=locked) and I(scope=all).
      - Without it, memory the process maps after the lock (a growing heap, a new thread's stack)
        is not locked, and the next run of the task locks it (and reports a change).
      - With it and without CAP_IPC_LOCK, the process's own later allocations fail (C(ENOMEM),
        C(EAGAIN)) once its locked memory would pass RLIMIT_MEMLOCK; a warning says so.
      - The kernel shows which mappings are locked, not whether C(MCL_FUTURE) is in force. When every
        mapping is locked already, the module asks the kernel by a probe, in one stop of one thread
        like the lock itself. It maps one inaccessible page (no memory is used), reads in
        C(/proc/PID/smaps) whether the kernel locked it, and unmaps it. The task is unchanged only
        if it was locked.
    type: bool
    default: false
  onfault:
    description:
      - Lock pages only as they are touched, instead of reading every page of the scope into RAM
        now (C(MCL_ONFAULT), C(MLOCK_ONFAULT)). Only with I(state=locked).
      - Pages that were never touched then take no RAM, which matters for large reserved and
        sparse mappings (a JVM's heap).
      - Part of the state compared, as the kernel shows it (C(lf) in C(VmFlags); before Linux 6.2,
        C(??) in its place). A process locked on fault is changed by a task without I(onfault),
        which reads every page in. One locked with every page in RAM is changed by I(onfault=true).
        Where smaps does not show which, the mappings are locked again as asked, with a warning.
    type: bool
    default: false
  raise_limit:
    description:
      - When a process lacks CAP_IPC_LOCK and its RLIMIT_MEMLOCK is too low for the lock, raise
        the limit first, from outside the process (C(prlimit)), to what the lock needs plus a
        quarter, rounded up to a MiB. A warning names the old and the new limit.
      - Raising the hard limit needs root with CAP_SYS_RESOURCE (become).
      - Without it such a lock fails before anything is changed, with the sizes in the message.
    type: bool
    default: false
  missing:
    description:
      - What to do when no process matches, that is a pid no process has, a pidfile that does not
        exist, or a pattern or unit with no process. C(fail) fails the task. C(ignore) reports no
        change, so a task can be aimed at a service that is not running.
    type: str
    choices: [fail, ignore]
    default: fail
attributes:
  become:
    support: full
    description:
      - Stopping another user's process with ptrace needs root or CAP_SYS_PTRACE, and raising its
        limit needs CAP_SYS_RESOURCE, which is what become is for. A user can lock its own processes
        without it, within their RLIMIT_MEMLOCK.
  check_mode:
    support: full
    description:
      - Reads the memory state and the limit and reports what would change, with the locked size
        the kernel will report; nothing is set, and the process is not stopped, except for the
        I(future) probe, which leaves nothing behind.
  diff_mode:
    support: full
    description: Shows the locked kB, the mappings locked out of those in the scope, and RLIMIT_MEMLOCK, before and after.
  platform:
    support: full
    platforms: linux
    description: >-
      Linux on x86_64, with a Java runtime 17 or later. It is refused on aarch64 until livetune's
      ptrace engine has passed its test suites on an aarch64 kernel (its register layout is built
      and unit-tested, but the engine has not run there).
notes:
  - How it works. One thread of the process is stopped with C(PTRACE_SEIZE) and C(PTRACE_INTERRUPT),
    its registers are saved, the system call is run at a C(syscall) instruction already in the
    process's code, the result is read, every register is restored (so a C(read), C(accept),
    C(epoll_wait) or C(nanosleep) it was blocked in resumes as if nothing happened), and it is
    detached. The other threads keep running. Only raw system calls run in the process, never
    library functions. The stop lasts about as long as the call itself; a time limit ensures the
    process is never left stopped or traced.
  - A signal that arrives during the stop is held back and delivered as the thread is released, with
    its own C(siginfo_t) (sender, C(si_code), value), so a handler sees it exactly as it was sent.
  - This is the Linux counterpart of Solaris libproc (C(Psyscall), C(pr_memcntl)), where the same
    is done with C(memcntl) from outside the process.
  - A process that is already traced (by a debugger or C(strace), C(TracerPid) in
    C(/proc/PID/status)) is refused with a message naming the tracer, and so is a stopped process
    (state C(T)). A process under a seccomp filter has it suspended for the injection, which needs
    root (become); without it the task is refused rather than risk the filter killing the process.
  - Permission to lock another process's memory is the permission to ptrace it
    (C(PTRACE_MODE_ATTACH)). C(kernel.yama.ptrace_scope) C(1) or C(2) refuses it to users without
    CAP_SYS_PTRACE, even on their own processes (become works); C(3) refuses it to root as well,
    until reboot. A security module can refuse it too. The message names the setting, its value and
    what to do; see docs/restricted-targets.md in the collection's repository.
  - RLIMIT_MEMLOCK and VmSize. Without CAP_IPC_LOCK, C(mlockall) with C(MCL_CURRENT) fails with C(ENOMEM)
    when the whole mapped size of the process (C(VmSize) in C(/proc/PID/status)) exceeds its
    RLIMIT_MEMLOCK, whatever is resident. Memory that is only reserved counts, so a JVM's
    reserved heap (C(-Xmx)) and code cache count in full. The message gives both sizes. Use
    I(raise_limit), or I(scope=text), which needs only the size of the code. I(onfault) keeps the
    RAM that is locked small, but the limit is checked against C(VmSize) all the same.
  - Locked memory is taken out of what the kernel can reclaim; locking large processes can leave
    the rest of the host short of memory.
  - I(future=true) makes later allocations of the process fail at the limit (C(ENOMEM) from
    C(mmap), C(EAGAIN) from C(brk)) when it lacks CAP_IPC_LOCK, and with CAP_IPC_LOCK keeps all it
    ever allocates in RAM. A warning says which applies.
  - A lock ends with the process. A restarted process starts unlocked, and the next run of the task
    locks it again (and reports the change).
  - The arguments are sent to the executor on stdin. Where become cannot pass stdin on (C(su), or
    sudo with C(requiretty)) they go through a temporary file instead.
  - >-
    For a drift check in CI, run the playbook with C(--check -e livetune_fail_on_drift=true);
    every task whose processes are not locked as it asks then fails (and still changes nothing),
    so C(ansible-playbook) exits with status 2. Its I(msg) names each setting that differs, one
    line each, with the host, the process's pid and name, the scope, the setting, and its live and
    wanted values (C(mappings_locked live 0 → wanted 33)), also without C(--diff); I(drift) has
    the same as a list. Ansible runs no
    further task on a host after a failed one. See C(docs/drift-checks.md) in the livetune
    repository for a CI recipe.
seealso:
  - name: mlock(2)
    description: mlock, mlock2, munlock, mlockall and munlockall, and how RLIMIT_MEMLOCK limits them.
    link: https://man7.org/linux/man-pages/man2/mlock.2.html
  - name: proc_pid_smaps(5)
    description: The C(VmFlags) of each mapping (C(lo) is locked) that the module reads.
    link: https://man7.org/linux/man-pages/man5/proc_pid_smaps.5.html
  - name: prlimit(1)
    description: Read and set the resource limits of a running process.
    link: https://man7.org/linux/man-pages/man1/prlimit.1.html
'''

EXAMPLES = r'''
- name: Keep the critical daemon in RAM, live
  livetune.process.memory_lock:
    unit: trading-gateway.service
    state: locked
  become: true

- name: The same, and locked again from its first instruction at every later start
  livetune.process.memory_lock:
    unit: trading-gateway.service
    state: locked
    persist: true
  become: true

- name: Lock only the code of nginx, so that it stays responsive under memory pressure
  livetune.process.memory_lock:
    process: nginx
    scope: text
  become: true

- name: A process without CAP_IPC_LOCK whose RLIMIT_MEMLOCK is too small for its VmSize
  livetune.process.memory_lock:
    pidfile: /run/myapp.pid
    raise_limit: true
    onfault: true
  become: true

- name: Lock what the process maps from now on too (its later allocations stay in RAM)
  livetune.process.memory_lock:
    cmdline: 'java .*-jar /opt/broker/broker\.jar'
    future: true
  become: true

- name: Unlock it again
  livetune.process.memory_lock:
    unit: trading-gateway.service
    state: unlocked
  become: true

- name: Drift check, is it still locked? (changes nothing; fails with livetune_fail_on_drift=true)
  livetune.process.memory_lock:
    unit: trading-gateway.service
    state: locked
  become: true
  check_mode: true
  register: lock_drift

- name: Say how much of it is locked
  ansible.builtin.debug:
    msg: "{{ item.name }}[{{ item.pid }}]: {{ item.before.locked_kb }} kB locked, {{ item.before.rss_kb }} kB resident"
  loop: "{{ lock_drift.processes }}"
  loop_control:
    label: "{{ item.pid }}"

# Ad hoc:
#   ansible db -b -m livetune.process.memory_lock -a "process=postgres scope=text"
#   ansible db -b -m livetune.process.memory_lock -a "pidfile=/run/myapp.pid state=unlocked"
# Drift check in CI:
#   ansible-playbook site.yml --check --diff -e livetune_fail_on_drift=true
'''

RETURN = r'''
drift:
  description:
    - In check mode, every setting of every process whose live value differs from what the task
      asks, one entry each, from I(processes) (its C(before) is live, its C(after) wanted). Empty
      when nothing would change.
    - The settings are C(mappings_locked) and C(locked_kb) (what the scope has locked), C(future)
      (with I(future=true); live C(null) when it was not asked of the kernel, because some mapping
      was not locked yet), C(memlock_limit.soft) and C(memlock_limit.hard) (with I(raise_limit)),
      and C(onfault), when every mapping of the scope is locked, but not the way I(onfault) asks
      (the result counts locked mappings, not how they are locked, so this entry is the one
      the task's own I(onfault) implies).
    - >-
      With the variable C(livetune_fail_on_drift=true), such a task fails, and its I(msg) has one
      line per entry, with the host, the process's pid and name, the target, the setting, and its
      live and wanted values (C(mappings_locked live 0 → wanted 33)).
  returned: in check mode
  type: list
  elements: dict
  contains:
    host:
      description: The inventory host (C(inventory_hostname)).
      type: str
      sample: db1
    pid:
      description: Process id.
      type: int
      sample: 1234
    process:
      description: Process name (C(/proc/PID/comm)).
      type: str
      sample: gateway
    target:
      description: The process's memory in the task's scope, with the number of mappings in it.
      type: str
      sample: memory, scope all (33 mappings)
    setting:
      description: What differs (see above).
      type: str
      sample: mappings_locked
    live:
      description: The value the kernel shows now.
      type: raw
      sample: 0
    wanted:
      description: The value the kernel will show once the task runs, as in the C(after) of I(processes).
      type: raw
      sample: 33
  sample:
    - {host: db1, pid: 1234, process: gateway, target: "memory, scope all (33 mappings)",
       setting: mappings_locked, live: 0, wanted: 33}
    - {host: db1, pid: 1234, process: gateway, target: "memory, scope all (33 mappings)",
       setting: locked_kb, live: 0, wanted: 2888}
persisted:
  description:
    - With I(persist=true), the result of writing the unit's preload drop-in, as
      M(livetune.process.preload_wrapper) returns it (I(files), I(environment), I(restart_required), ...),
      with its own I(changed) and I(msg).
  returned: when I(persist=true)
  type: dict
  sample:
    changed: true
    msg: "wrote /etc/systemd/system/rsyslog.service.d/50-livetune.conf; restart rsyslog.service for its programs to start with the library"
    restart_required: true
    files:
      - {path: /usr/local/lib/livetune/liblivetune_preload.so, kind: library, action: unchanged}
      - {path: /etc/systemd/system/rsyslog.service.d/50-livetune.conf, kind: drop-in, action: created}
    environment: {LD_PRELOAD: /usr/local/lib/livetune/liblivetune_preload.so, LIVETUNE_OPTIONS: so_rcvbuf=8388608}
processes:
  description:
    - Every process that matched, with what the kernel reported before and after.
    - Empty when nothing matched and I(missing=ignore). After a failure, the processes already read.
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process id.
      type: int
      sample: 1234
    name:
      description: Process name (C(/proc/PID/comm)).
      type: str
      sample: gateway
    changed:
      description: Whether its locking or its limit was changed (or would be, in check mode).
      type: bool
      sample: true
    state:
      description: The state asked for, C(locked) or C(unlocked).
      type: str
      sample: locked
    scope:
      description: The scope asked for, C(all) or C(text).
      type: str
      sample: all
    before:
      description: The process's memory as the kernel showed it before.
      type: dict
      contains:
        locked_kb:
          description: Locked memory in kB (C(VmLck) of C(/proc/PID/status)); the full size of every locked mapping.
          type: int
          sample: 0
        rss_kb:
          description: Resident memory in kB (C(VmRSS)).
          type: int
          sample: 1740
        mappings_locked:
          description: Mappings of the scope that are locked (C(lo) in the C(VmFlags) of C(/proc/PID/smaps)).
          type: int
          sample: 0
        mappings:
          description: Mappings in the scope (those the kernel can lock).
          type: int
          sample: 33
        memlock_limit:
          description: RLIMIT_MEMLOCK of the process, in bytes, or C(unlimited).
          type: dict
          contains:
            soft:
              description: The soft limit, the one the kernel enforces.
              type: raw
              sample: 8388608
            hard:
              description: The hard limit, up to which the soft limit can be raised without CAP_SYS_RESOURCE.
              type: raw
              sample: unlimited
        future:
          description:
            - Only with I(future=true). Whether C(MCL_FUTURE) was in force, as the probe found (see
              I(future)). Null when the task did not need to ask, because some mapping was not locked
              yet and C(mlockall) ran anyway.
          type: bool
          sample: false
      sample:
        locked_kb: 0
        rss_kb: 1740
        mappings_locked: 0
        mappings: 33
        memlock_limit: {soft: 1048576, hard: unlimited}
    after:
      description:
        - The same, read back from the kernel afterwards. In check mode, what the kernel will report,
          with I(rss_kb) null (not predicted).
      type: dict
      sample:
        locked_kb: 2888
        rss_kb: 2896
        mappings_locked: 33
        mappings: 33
        memlock_limit: {soft: 4194304, hard: unlimited}
    limit_raised:
      description: Whether RLIMIT_MEMLOCK was raised with prlimit (or would be, in check mode), see I(raise_limit).
      type: bool
      sample: true
'''
