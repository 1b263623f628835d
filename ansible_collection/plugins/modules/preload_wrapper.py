# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Documentation only: the work is done by the action plugin of the same name, which runs
# the livetune executor jar on the target (see plugins/plugin_utils/executor.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: preload_wrapper
short_description: Socket options, listen backlog and memory locking from a program's first instruction, across restarts
version_added: 0.1.0
description:
  - M(livetune.process.socket_option) and M(livetune.process.memory_lock) change a process that is
    running, and a restart loses it all. Some settings must also be in force before the first
    connection arrives. This module makes them part of how the program starts.
  - It installs livetune's preload library (an C(LD_PRELOAD) shim shipped inside the executor jar, one
    build per machine) into I(library_dir). It then writes either a systemd drop-in for I(unit) or an
    exec wrapper script at I(wrapper) that starts I(command). Both set C(LD_PRELOAD) and the
    C(LIVETUNE_*) variables that tell the library what to set. The program gets them the next time it
    starts, so the task returns I(restart_required).
  - The library sets the listen backlog (I(backlog)) at every C(listen) call, and each socket option of
    I(options) on every new socket of the kinds it fits. It can also lock the program's memory at start
    (I(mlock)) and log the program's own C(setsockopt) and C(listen) calls (I(trace)).
  - Idempotent by content. The library is compared by its sha256, and the drop-in or wrapper by its
    text, mode and owner. A file that is as asked is not touched, and running the same task again
    reports no change. Files are written to a temporary name in the same directory and renamed into
    place.
  - It refuses, before anything is written and with a message naming the reason, what cannot work. That is
    a setuid or setgid program (the dynamic loader ignores C(LD_PRELOAD) for it), a statically linked
    program (it has no C(PT_INTERP), so no loader runs), a program built for another machine than the
    library, a unit that is not found or whose C(ExecStart=) program cannot be found, and a machine
    this executor has no library build for. A C(#!) script is judged by its interpreter.
  - The work is done on the target by the livetune executor, a Java program shipped with this
    collection. The action plugin copies it to the target once per version and runs it there. The
    target needs a Java runtime 17 or later, not Python.
author:
  - livetune developers (@livetune)
extends_documentation_fragment:
  - livetune.process.executor
options:
  unit:
    description:
      - A systemd service. The module writes the drop-in C(/etc/systemd/system/UNIT.d/50-livetune.conf)
        with one C(Environment=) line per variable, and runs C(systemctl daemon-reload) when the drop-in
        changed (see I(daemon_reload)). C(.service) is added to a bare name. A template's instance
        (C(worker@1.service)) is read from the template's unit file.
      - The unit file is looked up where systemd looks for it (C(/etc/systemd/system),
        C(/run/systemd/system), C(/lib/systemd/system), C(/usr/lib/systemd/system), and the
        C(.control) and C(transient) directories). Its drop-ins are read in systemd's order.
        systemd itself is not asked, so this also works where it does not run (a container, an image
        being built).
      - Every C(ExecStart=) program is checked (its prefixes C(-), C(@), C(:), C(+), C(!), C(!!) are
        understood; a bare name is looked up in systemd's C(PATH)). A program named with a specifier or a
        variable cannot be checked; a warning says so.
      - When the unit sets C(LD_PRELOAD) itself (in its unit file, or in a drop-in that sorts before
        C(50-livetune.conf)), the drop-in keeps that list after livetune's library, with a warning. A
        drop-in that sorts after it and sets C(LD_PRELOAD) or a C(LIVETUNE_*) variable would win over
        it, and so would an C(EnvironmentFile=) that sets one (systemd.exec(5)). Both are refused.
      - Exactly one of I(unit) and I(wrapper) is required.
    type: str
  wrapper:
    description:
      - Absolute path of an exec wrapper script to write (mode 0755). It sets the variables and
        C(exec)s I(command), passing on its own arguments after those of I(command). C(LD_PRELOAD) gets
        livetune's library first, then whatever the caller's C(LD_PRELOAD) holds. The C(LIVETUNE_*)
        variables the task does not ask for are unset.
      - Its directory must exist, and only root (or the user the executor runs as) may be able to
        write to it and to every directory above it (a sticky directory such as C(/tmp) is fine
        above it).
      - Exactly one of I(unit) and I(wrapper) is required.
    type: path
  command:
    description:
      - With I(wrapper), required for I(state=present). The program the wrapper runs, then the arguments
        it always gets. A string is split into words as a shell would split it, without expansions, so
        C(/usr/sbin/nginx -g 'daemon off;') is three words.
      - The program is an absolute path or a bare name looked up in C(/usr/local/sbin), C(/usr/local/bin),
        C(/usr/sbin), C(/usr/bin), C(/sbin), C(/bin). The wrapper runs the path that was found.
    type: list
    elements: str
  backlog:
    description:
      - The listen backlog of every TCP listener the program creates (C(LIVETUNE_BACKLOG)). The library
        replaces the backlog of each C(listen) call with it. The kernel caps it at C(net.core.somaxconn),
        and a warning names the sysctl when it is above.
    type: int
  options:
    description:
      - Socket options for every new socket of the kinds each fits (C(LIVETUNE_OPTIONS)). The names,
        types, ranges and checks are those of the I(options) of M(livetune.process.socket_option), from
        the same registry in the executor. See there for each option.
      - Values the kernel will not keep as asked (a buffer above C(net.core.rmem_max)) get the same
        warning as with M(livetune.process.socket_option).
      - The program's own C(setsockopt) of the same option is overridden, so the wanted value wins
        (see I(respect_app)).
    type: dict
  mlock:
    description:
      - Lock the program's memory at start (C(mlockall), C(LIVETUNE_MLOCK)). This is a dictionary of
        booleans C(current), C(future), C(onfault), as in M(livetune.process.memory_lock), or a list of
        those words, for example C([current, future]). In an ad hoc command it is C(mlock=current,future).
      - C(current) locks what is mapped at start, C(future) also what is mapped later, and C(onfault)
        locks pages as they are touched (only with C(current) or C(future)).
      - Without CAP_IPC_LOCK the program's RLIMIT_MEMLOCK limits what it may lock. For a service, raise
        it with C(LimitMEMLOCK=).
    type: raw
  trace:
    description:
      - Log every C(setsockopt) and C(listen) that the program itself makes (C(LIVETUNE_TRACE)), with the
        program, pid, descriptor, option, value and result. C(true) and C(stderr) log to standard
        error (the journal, for a service), and C(syslog) logs to syslog.
    type: raw
    choices: [true, false, stderr, syslog]
    default: false
  respect_app:
    description:
      - Let the program's own C(setsockopt) win over I(options) (C(LIVETUNE_RESPECT_APP=1)). By default the
        wanted values win, and a program that sets the same option ends with the wanted value.
    type: bool
    default: false
  state:
    description:
      - C(present) installs the library and writes the drop-in or wrapper.
      - C(absent) removes the drop-in or wrapper, only if it was written by this module (it carries the
        line C(# Written by livetune.process.preload_wrapper.)). For a unit, it also removes the C(.d)
        directory once it is empty. The library stays, because other units, wrappers and running programs
        may use it; remove I(library_dir) with M(ansible.builtin.file) once nothing does.
      - A drop-in or wrapper that exists without that line is neither replaced nor removed. The task
        fails instead.
    type: str
    choices: [present, absent]
    default: present
  library_dir:
    description:
      - Directory of the library, C(liblivetune_preload.so) (mode 0644). Missing levels are created
        with mode 0755.
      - Only root (or the user the executor runs as) may be able to write to it and to every directory
        above it. A sticky directory is fine above it, but not as I(library_dir) itself.
      - An absolute path of letters, digits and C(. _ + @ -), because C(LD_PRELOAD) splits its list on
        blanks and colons.
    type: path
    default: /usr/local/lib/livetune
  daemon_reload:
    description:
      - With I(unit), run C(systemctl daemon-reload) when the drop-in was written or removed. This happens
        only where systemd runs as the init system (C(/run/systemd/system) exists). Elsewhere a warning
        says it was skipped.
      - With C(false), a warning reminds you to reload before restarting the unit.
    type: bool
    default: true
attributes:
  become:
    support: full
    description: Writing to C(/etc/systemd/system) and C(/usr/local/lib) needs root, which is what become is for.
  check_mode:
    support: full
    description:
      - Reads the unit's files, checks the programs and compares the files, and reports what would be
        written or removed. Nothing is written, and systemd is not reloaded.
  diff_mode:
    support: full
    description:
      - Shows the drop-in's or the wrapper's text before and after. For the library it shows its sha256
        and size.
  platform:
    support: full
    platforms: linux
    description: Linux on x86_64 or aarch64 (the machines the library is built for), with a Java runtime 17 or later.
notes:
  - The environment is inherited. Every program the unit starts (C(ExecStartPre=) too) and every child
    they fork and exec gets the library and its settings. The same goes for the program a wrapper runs
    and its children.
  - A program that is already running keeps the environment and library it started with. Restart it
    (the task returns I(restart_required)) for the new ones to apply. A replaced library file does not
    change the programs that have the old one mapped.
  - To change a running program now and for every later start, use M(livetune.process.socket_option) or
    M(livetune.process.memory_lock) live, and this module for the restarts.
  - The LIVETUNE_* variables are C(LIVETUNE_BACKLOG=N), and C(LIVETUNE_OPTIONS) as space-separated
    C(name=value) pairs in the registry's order. In those pairs integers are decimal, timeouts are in
    milliseconds as in M(livetune.process.socket_option), booleans are C(1) or C(0), I(so_linger) is
    C(enabled:seconds) (C(1:5)), and strings are as given. The others are C(LIVETUNE_MLOCK=current,future,onfault),
    C(LIVETUNE_TRACE=stderr) or C(syslog), and C(LIVETUNE_RESPECT_APP=1).
  - For a drift check in CI, run the playbook with C(--check -e livetune_fail_on_drift=true). Every task
    whose files are not as asked then fails, and still changes nothing.
seealso:
  - module: livetune.process.socket_option
  - module: livetune.process.memory_lock
  - name: ld.so(8)
    description: LD_PRELOAD, and the secure-execution mode in which the loader ignores it.
    link: https://man7.org/linux/man-pages/man8/ld.so.8.html
  - name: systemd.unit(5)
    description: Unit file load paths and drop-in directories.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html
  - name: systemd.exec(5)
    description: Environment= and EnvironmentFile=.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html
'''

EXAMPLES = r'''
- name: Redis gets a listen backlog of 4096 and keepalive from its first listen(), at every start
  livetune.process.preload_wrapper:
    unit: redis-server.service
    backlog: 4096
    options:
      so_keepalive: true
      tcp_keepidle: 60
  become: true
  register: redis_preload

- name: Restart it when the settings changed
  ansible.builtin.service:
    name: redis-server
    state: restarted
  become: true
  when: redis_preload.restart_required

- name: A legacy daemon with a hard-coded listen(fd, 20), started through a wrapper
  livetune.process.preload_wrapper:
    wrapper: /usr/local/bin/legacy-server-tuned
    command: /opt/legacy/bin/server --config /etc/legacy.conf
    backlog: 1024
    options: {so_rcvbuf: 1048576, tcp_nodelay: true}
  become: true

- name: Lock a critical daemon in RAM from its start, including what it maps later
  livetune.process.preload_wrapper:
    unit: trading-gateway.service
    mlock: {current: true, future: true}
  become: true

- name: See which socket options nginx sets itself (logged to the journal)
  livetune.process.preload_wrapper:
    unit: nginx.service
    trace: true
  become: true

- name: What would change (changes nothing)
  livetune.process.preload_wrapper:
    unit: redis-server.service
    backlog: 8192
  become: true
  check_mode: true
  diff: true

- name: Take it out again (the library stays in /usr/local/lib/livetune)
  livetune.process.preload_wrapper:
    unit: nginx.service
    state: absent
  become: true

# Ad hoc:
#   ansible web -b -m livetune.process.preload_wrapper -a "unit=nginx backlog=4096 options='so_keepalive=yes'"
#   ansible web -b -m livetune.process.preload_wrapper -a "unit=nginx state=absent"
# On a host, by hand:
#   java -jar livetune-executor.jar preload --unit nginx --backlog 4096 --check --diff
'''

RETURN = r'''
restart_required:
  description:
    - Whether a file was written or removed (or would be, in check mode). Programs that are running keep
      the environment and library they started with until they are restarted.
  returned: always
  type: bool
  sample: true
files:
  description: Every file the task is about, with what happened to it (or would, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file's path.
      type: str
      sample: /etc/systemd/system/redis-server.service.d/50-livetune.conf
    kind:
      description: C(library), C(drop-in) or C(wrapper).
      type: str
      sample: drop-in
    action:
      description: C(created), C(updated), C(removed), C(unchanged) or C(absent) (not there, and not to be).
      type: str
      sample: created
environment:
  description: The variables the drop-in or wrapper sets, C(LD_PRELOAD) first. Empty for I(state=absent).
  returned: always
  type: dict
  sample:
    LD_PRELOAD: /usr/local/lib/livetune/liblivetune_preload.so
    LIVETUNE_BACKLOG: "4096"
    LIVETUNE_OPTIONS: so_keepalive=1 tcp_keepidle=60
programs:
  description: The programs that were checked (the unit's C(ExecStart=) programs, or the wrapper's). Empty for I(state=absent).
  returned: always
  type: list
  elements: str
  sample: [/usr/bin/redis-server]
library:
  description: The library installed for the target's machine.
  returned: when I(state=present)
  type: dict
  contains:
    path:
      description: Where it is.
      type: str
      sample: /usr/local/lib/livetune/liblivetune_preload.so
    machine:
      description: The machine it is built for (C(uname -m)).
      type: str
      sample: x86_64
    sha256:
      description: Its sha256, as the jar carries it.
      type: str
      sample: 3b9c2d3e0a5f7c1e4d8b6a2f9e0c7d5b1a3f8e6c4d2b0a9f7e5c3d1b8a6f4e2c
daemon_reloaded:
  description: Whether C(systemctl daemon-reload) ran.
  returned: with I(unit)
  type: bool
  sample: false
drift:
  description:
    - In check mode, one entry per file the task would write or remove (see I(files)); empty when
      nothing would change.
    - >-
      With the variable C(livetune_fail_on_drift=true) such a task fails, and its I(msg) has one line
      per entry (C(web1: unit redis-server.service, drop-in PATH: file live missing → wanted written)).
      See docs/drift-checks.md.
  returned: in check mode
  type: list
  elements: dict
  contains:
    host:
      description: The inventory host.
      type: str
      sample: web1
    pid:
      description: Always null here (a file, not a process).
      type: raw
      sample: null
    process:
      description: Always null here.
      type: raw
      sample: null
    target:
      description: The unit or wrapper, the kind of file and its path.
      type: str
      sample: "unit redis-server.service, drop-in /etc/systemd/system/redis-server.service.d/50-livetune.conf"
    setting:
      description: Always C(file).
      type: str
      sample: file
    live:
      description: C(missing), C(other content) or C(present).
      type: str
      sample: missing
    wanted:
      description: C(written), C(the content the task writes) or C(removed).
      type: str
      sample: written
'''
