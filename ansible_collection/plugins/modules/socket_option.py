# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Documentation only: the work is done by the action plugin of the same name, which runs
# the livetune executor jar on the target (see plugins/plugin_utils/executor.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: socket_option
short_description: Change socket options of running processes, live
version_added: 0.1.0
description:
  - Sets socket options (buffers, keepalive, TCP options, IP options) and the listen backlog
    on the sockets of processes that are already running, without restarting them.
  - On Linux 5.6 or later the options are set on a duplicate of the process's own descriptor
    (C(pidfd_open) and C(pidfd_getfd)), and the process never stops. On older kernels (or with
    I(method=ptrace)) the calls run inside the process, one thread stopped for an instant at a
    time; see I(method).
  - Before anything is read or set, the duplicate's inode is checked against the socket that was
    scanned; after the last read-back the process is checked to still hold it. A socket that the
    process closes, or whose descriptor number it reuses for another socket, at any moment in
    between (on a busy server connections come and go all the time) is left alone, never counted
    as changed, listed in C(vanished) and named in one warning; I(strict=true) makes that a
    failure. A refusal by the kernel on a socket the process still holds fails the task with the
    kernel's reason.
  - Idempotent in the kernel's terms, it reads every current value first, sets only what differs,
    and reads back to verify. Values are compared as the kernel reports them, for example
    I(so_rcvbuf=4096) reads back as 8192, and a value above C(net.core.rmem_max) is clamped with a
    warning that names the sysctl; running the same task again reports no change.
  - The work is done on the target by the livetune executor, a Java program shipped with this
    collection. The action plugin copies it to the target once per version (into
    C(/var/cache/livetune) for root, C(~/.cache/livetune) otherwise, keyed by its sha256) and
    runs it there. The target needs a Java runtime 17 or later, not Python.
  - A cached jar in a directory that another user can write to is never run.
  - Exactly one of I(pid), I(pidfile), I(process), I(cmdline), I(unit) selects the processes.
    The socket filters (I(fd), I(protocol), I(family), I(state), I(local_port), I(local_address),
    I(remote_port), I(remote_address)) are optional and must all hold.
author:
  - livetune developers (@livetune)
extends_documentation_fragment:
  - livetune.process.executor
  - livetune.process.processes
  - livetune.process.persist
  - livetune.process.sockets
options:
  options:
    description:
      - Socket options to set, by name. Names are the C constants in lower case; the man pages'
        spelling (C(SO_RCVBUF), C(TCP_NODELAY)) is accepted in any letter case and means the
        lower-case name (giving one option under two spellings is an error).
      - In an ad hoc command this dictionary can also be written as C(key=value) pairs, as Ansible
        reads a dictionary given as a string, for example C(options='so_rcvbuf=1048576 tcp_nodelay=yes').
      - An option a socket does not take (for example I(tcp_nodelay) on a UDP socket) is an error
        naming the socket; nothing is changed.
    type: dict
    suboptions:
      so_rcvbuf:
        description:
          - Receive buffer in bytes (SO_RCVBUF). The kernel doubles it and caps the request at
            C(net.core.rmem_max) unless I(force=true); the value compared and returned is the one the
            kernel reports. Setting it turns off receive autotuning.
          - On an established TCP connection a larger buffer cannot raise the window scale chosen
            when the connection was opened; a warning says so where that limits the effect.
        type: int
      so_sndbuf:
        description:
          - Send buffer in bytes (SO_SNDBUF). The kernel doubles it and caps the request at
            C(net.core.wmem_max) unless I(force=true).
        type: int
      so_keepalive:
        description:
          - Send keepalive probes (SO_KEEPALIVE).
        type: bool
      so_priority:
        description:
          - Queueing priority (SO_PRIORITY), 0 to 6 for anyone; higher needs CAP_NET_ADMIN.
        type: int
      so_mark:
        description:
          - Firewall mark for routing and filtering (SO_MARK); needs CAP_NET_ADMIN.
        type: int
      so_linger:
        description:
          - Linger on close (SO_LINGER).
        type: dict
        suboptions:
          enabled:
            description:
              - Whether close() lingers.
            type: bool
            required: true
          seconds:
            description:
              - How long close() lingers, in seconds.
            type: int
            required: true
      so_rcvlowat:
        description:
          - Bytes to wait for before a read returns (SO_RCVLOWAT); 0 is stored as 1.
        type: int
      so_busy_poll:
        description:
          - Microseconds to busy-poll the device queue on blocking reads (SO_BUSY_POLL); raising it
            needs CAP_NET_ADMIN.
        type: int
      so_reuseaddr:
        description:
          - Allow reuse of local addresses (SO_REUSEADDR).
        type: bool
      so_reuseport:
        description:
          - Allow several sockets to bind the same port (SO_REUSEPORT).
        type: bool
      so_rcvtimeo:
        description:
          - Milliseconds a blocking receive waits before it fails (SO_RCVTIMEO); C(0) waits forever.
            The kernel keeps whole jiffies, so the value is rounded up to a multiple of 1000/CONFIG_HZ
            ms, and the rounded value is the one compared.
        type: int
      so_sndtimeo:
        description:
          - Milliseconds a blocking send waits before it fails (SO_SNDTIMEO); C(0) waits forever.
            Rounded up to whole jiffies like I(so_rcvtimeo).
        type: int
      so_broadcast:
        description:
          - Allow sending to broadcast addresses (SO_BROADCAST); UDP sockets only.
        type: bool
      tcp_nodelay:
        description:
          - Send small segments at once, without Nagle's algorithm (TCP_NODELAY); TCP only.
        type: bool
      tcp_keepidle:
        description:
          - Seconds of idleness before the first keepalive probe (TCP_KEEPIDLE), 1 to 32767; TCP only.
        type: int
      tcp_keepintvl:
        description:
          - Seconds between keepalive probes (TCP_KEEPINTVL), 1 to 32767; TCP only.
        type: int
      tcp_keepcnt:
        description:
          - Unanswered keepalive probes before the connection is dropped (TCP_KEEPCNT), 1 to 127;
            TCP only.
        type: int
      tcp_user_timeout:
        description:
          - Milliseconds sent data may stay unacknowledged before the connection is dropped
            (TCP_USER_TIMEOUT); 0 means the system default. TCP only.
        type: int
      tcp_congestion:
        description:
          - Congestion control algorithm (TCP_CONGESTION), one of
            C(net.ipv4.tcp_available_congestion_control), for example C(cubic) or C(bbr). TCP only.
        type: str
      tcp_notsent_lowat:
        description:
          - Most unsent bytes to queue before the socket stops being writable (TCP_NOTSENT_LOWAT);
            TCP only.
        type: int
      tcp_maxseg:
        description:
          - Maximum segment size for connections accepted from now on (TCP_MAXSEG), 88 to 32767;
            listening TCP sockets only, because an open connection reports the MSS it negotiated.
        type: int
      tcp_window_clamp:
        description:
          - Largest receive window to advertise, in bytes (TCP_WINDOW_CLAMP); TCP only.
        type: int
      tcp_defer_accept:
        description:
          - Seconds to wait for data before accept() returns a connection (TCP_DEFER_ACCEPT);
            listening TCP sockets only. The kernel rounds the value up to its SYN-ACK
            retransmission schedule, and the rounded value is the one compared.
        type: int
      tcp_fastopen:
        description:
          - Length of the queue of TCP Fast Open requests not yet accepted (TCP_FASTOPEN); listening
            TCP sockets only, and C(net.ipv4.tcp_fastopen) must enable the server side.
        type: int
      tcp_thin_linear_timeouts:
        description:
          - Linear retransmission timeouts for thin streams (TCP_THIN_LINEAR_TIMEOUTS); TCP only.
        type: bool
      ip_tos:
        description:
          - Type of service / DSCP byte of IPv4 packets (IP_TOS), 0 to 255; TCP keeps the two ECN bits.
        type: int
      ip_ttl:
        description:
          - Time to live of IPv4 packets (IP_TTL), 1 to 255.
        type: int
      ipv6_tclass:
        description:
          - Traffic class of IPv6 packets (IPV6_TCLASS), 0 to 255; IPv6 sockets only. TCP keeps the
            two ECN bits.
        type: int
      ipv6_unicast_hops:
        description:
          - Hop limit of unicast IPv6 packets (IPV6_UNICAST_HOPS), 1 to 255; IPv6 sockets only.
        type: int
  option:
    description:
      - Ad hoc short form of I(options) for one option, for example C(option=so_rcvbuf value=1048576).
        As in I(options), C(option=SO_RCVBUF) means I(so_rcvbuf).
      - Requires I(value). May be combined with I(options).
    type: str
  value:
    description:
      - The value of I(option).
    type: raw
  backlog:
    description:
      - Listen backlog of the selected listening TCP sockets, set by calling listen(2) again on them.
      - The kernel caps it at C(net.core.somaxconn); a capped value is a warning naming the sysctl,
        and the capped value is the one compared.
      - The current value is read from the kernel (the C(Send-Q) of a listener in C(ss -ltn)).
    type: int
  raw:
    description:
      - Integer options livetune does not know, set as they are with setsockopt(2). Each entry is
        compared with getsockopt(2) before it is set.
    type: list
    elements: dict
    suboptions:
      level:
        description:
          - Protocol level, as a number (C(SOL_SOCKET) is 1, C(IPPROTO_TCP) is 6).
        type: int
        required: true
      optname:
        description:
          - Option number at that level.
        type: int
        required: true
      value:
        description:
          - Integer value to set.
        type: int
        required: true
  force:
    description:
      - Set I(so_rcvbuf) and I(so_sndbuf) with SO_RCVBUFFORCE and SO_SNDBUFFORCE, which pass
        C(net.core.rmem_max) and C(net.core.wmem_max). Needs CAP_NET_ADMIN (become).
    type: bool
    default: false
  strict:
    description:
      - Fail the task when a matched socket goes away while the task works on it (its process
        closes it, or reuses its descriptor number for another socket), instead of leaving it alone
        with a warning. The other sockets are still changed; the result says which.
    type: bool
    default: false
  missing:
    description:
      - What to do when nothing matches, whether no process (a pid no process has, a pidfile that
        does not exist, a pattern or unit with no process) or no socket. C(fail) fails the task,
        C(ignore) reports no change, so a task can be aimed at a service that is not running.
    type: str
    choices: [fail, ignore]
    default: fail
attributes:
  become:
    support: full
    description: Changing another user's process needs root or CAP_SYS_PTRACE, which is what become is for.
  check_mode:
    support: full
    description: Reads every value and reports what would change; nothing is set.
  diff_mode:
    support: full
    description: Shows the values before and after, for each socket that changes.
  platform:
    support: full
    platforms: linux
    description: Linux with a Java runtime 17 or later; on kernels before 5.6 (no pidfd_getfd) through ptrace, see I(method).
notes:
  - Permission to change a process's sockets is the permission to ptrace it (C(PTRACE_MODE_ATTACH)),
    for I(method=pidfd) and I(method=ptrace) alike. C(kernel.yama.ptrace_scope) C(1) or C(2) refuses it
    to users without CAP_SYS_PTRACE, even on their own processes (become works); C(3) refuses it to
    root as well, until reboot. A security module can refuse it too. The message names the setting,
    its value and what to do; see docs/restricted-targets.md in the collection's repository.
  - Under C(/proc) mounted with C(hidepid=), a user without CAP_SYS_PTRACE does not see other users'
    processes; a pid of such a process fails with a message naming C(hidepid) (also with
    I(missing=ignore)), and a search that finds nothing says C(hidepid) may be why.
  - A pidfile written inside a container holds the container's pid; when a process has that pid in
    another PID namespace the task fails naming it and changes nothing. Select a container's
    process by the pid the host sees, by I(process) or by I(unit).
  - The arguments are sent to the executor on stdin. Where become cannot pass stdin on (C(su), or
    sudo with C(requiretty)) they go through a temporary file instead.
  - The executor on the target also has a command line for people, see
    C(java -jar /var/cache/livetune/*/livetune-executor.jar --help).
  - >-
    For a drift check in CI, run the playbook with C(--check -e livetune_fail_on_drift=true);
    every task whose sockets differ from what it asks for then fails (and still changes nothing),
    so C(ansible-playbook) exits with status 2. Its I(msg) names each setting that differs, one
    line each, with the host, the process's pid and name, the socket, the setting, and its live and
    wanted values (C(so_rcvbuf live 8192 → wanted 131072)), also without C(--diff); I(drift) has
    the same as a list. Ansible runs no further task
    on a host after a failed one, so one run names the drift of the first drifted task of each
    host. See C(docs/drift-checks.md) in the livetune repository for a CI recipe.
'''

EXAMPLES = r'''
- name: Give the syslog receiver a bigger receive buffer, live
  livetune.process.socket_option:
    unit: rsyslog.service
    protocol: udp
    local_port: 514
    options:
      so_rcvbuf: 8388608
    # beyond net.core.rmem_max (often 212992), as rsyslog's own RcvBufSize does
    force: true
  become: true

- name: The same buffer live, and from every later start on (the unit's preload drop-in)
  livetune.process.socket_option:
    unit: rsyslog.service
    protocol: udp
    local_port: 514
    options:
      so_rcvbuf: 8388608
    force: true
    persist: true
  become: true

- name: Raise the hard-coded listen backlog of a running server
  livetune.process.socket_option:
    pidfile: /run/myapp.pid
    state: listen
    local_port: 8080
    backlog: 4096
  become: true

- name: Keepalive on every established connection of nginx workers
  livetune.process.socket_option:
    process: nginx
    protocol: tcp
    state: established
    options:
      so_keepalive: true
      tcp_keepidle: 60
      tcp_keepintvl: 10
      tcp_keepcnt: 5
  become: true

- name: An option livetune does not name (SOL_SOCKET, SO_DONTROUTE)
  livetune.process.socket_option:
    pid: 1234
    raw:
      - {level: 1, optname: 5, value: 1}

- name: Tolerate a process that is not running
  livetune.process.socket_option:
    process: my-optional-daemon
    options: {tcp_nodelay: true}
    missing: ignore

# Ad hoc:
#   ansible web -b -m livetune.process.socket_option -a "process=nginx state=listen local_port=80 backlog=4096"
#   ansible web -b -m livetune.process.socket_option -a "pid=1234 option=so_rcvbuf value=1048576"
#   ansible web -b -m livetune.process.socket_option -a "pid=1234 options='so_rcvbuf=1048576 tcp_nodelay=yes'"
# Drift check in CI (fails every task that would change):
#   ansible-playbook site.yml --check --diff -e livetune_fail_on_drift=true
'''

RETURN = r'''
drift:
  description:
    - In check mode, every setting of every socket whose live value differs from what the task
      asks, one entry each, from I(sockets) (its C(before) is live, its C(after) wanted). Empty
      when nothing would change.
    - >-
      With the variable C(livetune_fail_on_drift=true), such a task fails, and its I(msg) has one
      line per entry, with the host, the process's pid and name, the target, the setting, and its
      live and wanted values (C(backlog live 511 → wanted 4096)).
  returned: in check mode
  type: list
  elements: dict
  contains:
    host:
      description: The inventory host (C(inventory_hostname)).
      type: str
      sample: web1
    pid:
      description: Process id.
      type: int
      sample: 1234
    process:
      description: Process name (C(/proc/PID/comm)).
      type: str
      sample: nginx
    target:
      description:
        - The socket, its protocol and local address, then, in parentheses, its state and its
          descriptor; with C(remote) and the remote address after the local address for a connected
          socket.
      type: str
      sample: tcp 0.0.0.0:8080 (listen, fd 6)
    setting:
      description: The option (as in I(options)) or C(backlog).
      type: str
      sample: so_rcvbuf
    live:
      description: The value the kernel reports now.
      type: raw
      sample: 8192
    wanted:
      description:
        - The value the kernel will report once the task runs, in the kernel's terms (SO_RCVBUF and
          SO_SNDBUF doubled and clamped, the backlog capped), as in the C(after) of I(sockets).
      type: raw
      sample: 131072
  sample:
    - {host: web1, pid: 1234, process: nginx, target: "tcp 0.0.0.0:8080 (listen, fd 6)",
       setting: backlog, live: 511, wanted: 4096}
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
sockets:
  description: Every socket that matched, with the values the kernel reported.
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process id.
      type: int
      sample: 1234
    fd:
      description: Descriptor number in that process.
      type: int
      sample: 3
    inode:
      description: Socket inode (as in C(/proc/PID/fd) and C(ss -e)).
      type: int
      sample: 98765
    process:
      description: Process name (C(/proc/PID/comm)).
      type: str
      sample: nginx
    shared_with:
      description:
        - The other processes that hold the same socket (inherited across fork), each with its
          C(pid), C(fd) and C(process). Only when there are any; the socket is changed once, for all.
      type: list
      elements: dict
      returned: when another process holds the socket too
      sample: [{pid: 1240, fd: 3, process: nginx}]
    protocol:
      description: C(tcp) or C(udp).
      type: str
      sample: tcp
    family:
      description: C(ipv4) or C(ipv6).
      type: str
      sample: ipv4
    state:
      description: C(listen), C(established), or the kernel's state name in lower case.
      type: str
      sample: listen
    local:
      description:
        - Local address and port, as C(ss) prints them. An IPv6 socket's addresses are always in
          IPv6 form, in brackets, IPv4-mapped ones included (C([::ffff:127.0.0.1]:8080)).
      type: str
      sample: 0.0.0.0:8080
    remote:
      description: Remote address and port, in the same form as C(local); C(*) for no port.
      type: str
      sample: "0.0.0.0:*"
    method:
      description: How the socket was reached, C(pidfd) or C(ptrace) (see I(method)).
      type: str
      sample: pidfd
    changed:
      description: Whether anything was set on this socket (or would be, in check mode).
      type: bool
      sample: true
    before:
      description:
        - Values the kernel reported before, for every setting of the task that applies to this
          socket (C(backlog) only when the task sets one, and only on listeners).
      type: dict
      sample: {so_rcvbuf: 8192, backlog: 20}
    after:
      description: Values the kernel reported after (in check mode, what it will report).
      type: dict
      sample: {so_rcvbuf: 425984, backlog: 4096}
vanished:
  description:
    - Matched sockets that their process closed, or whose descriptor it reused for another socket,
      while the task worked on them. They were left alone and are not in C(sockets).
  returned: always
  type: list
  elements: dict
  contains:
    pid:
      description: Process id.
      type: int
      sample: 1234
    fd:
      description: Descriptor number the socket had in that process.
      type: int
      sample: 14
    inode:
      description: Inode of the socket that was scanned.
      type: int
      sample: 98766
    process:
      description: Process name.
      type: str
      sample: memcached
    protocol:
      description: C(tcp) or C(udp).
      type: str
      sample: tcp
    state:
      description: The state it had when scanned.
      type: str
      sample: established
    local:
      description: Local address and port when scanned.
      type: str
      sample: 127.0.0.1:11211
    remote:
      description: Remote address and port when scanned.
      type: str
      sample: 127.0.0.1:41234
    reason:
      description: What livetune found instead, and what it was doing.
      type: str
      sample: fd 14 was closed while livetune was changing it
'''
