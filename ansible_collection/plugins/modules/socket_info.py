# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

# Documentation only: the work is done by the action plugin of the same name, which runs
# the livetune executor jar on the target (see plugins/plugin_utils/executor.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: socket_info
short_description: Every socket option of every socket of running processes
version_added: 0.1.0
description:
  - Lists the TCP and UDP sockets (IPv4 and IPv6) of running processes, each with its owners
    (every pid, descriptor and process name that holds it), its network namespace, its queues,
    and the value of B(every) socket option livetune knows that applies to it, read from the
    kernel. Linux shows no socket options in C(/proc), C(lsof) cannot show them, and C(ss) shows a
    few; this module needs no kernel module and no SystemTap probe.
  - On Linux 5.6 or later the options are read with getsockopt(2) on a duplicate of the process's
    own descriptor (C(pidfd_open) and C(pidfd_getfd)); the process keeps running and is never
    stopped. On older kernels (RHEL 8's 4.18, for example) I(method=auto), the default, reads them
    from inside the process with ptrace instead, stopping one of its threads for at most about
    half a millisecond at a time, and a warning says so; I(method=pidfd) never stops a process and
    then reads no options there, only a note on each socket naming what to pass. Either way the
    socket's inode is checked against the scanned one before anything is read.
  - Values are what the kernel reports, as values, never raw integers where a name or a flag is
    meant. For example I(so_rcvbuf) is the doubled value the kernel keeps, I(tcp_congestion) is a
    name such as C(cubic), I(so_keepalive) is a boolean, and I(so_linger) is a dict.
  - The process selectors (I(pid), I(pidfile), I(process), I(cmdline), I(unit)) are optional and at
    most one may be given. With none, every process on the host is listed, in every network
    namespace a process lives in. The socket filters (I(fd), I(protocol), I(family), I(state),
    I(local_port), I(local_address), I(remote_port), I(remote_address)) are optional and must all
    hold. They are the selectors of M(livetune.process.socket_option), so a task can read first
    what another task will change.
  - Read-only, C(changed) is always false. It runs in check mode too, and returns the same data.
  - A socket whose options cannot be read (a process that may not be traced, one that exited while
    it was read) is still listed, without the options that could not be read, and with a note
    saying why; I(strict=true) makes that a failure instead. A process whose sockets cannot be
    listed at all (its C(/proc) entries belong to another user) is named in the task's warnings.
  - The work is done on the target by the livetune executor, a Java program shipped with this
    collection. The action plugin copies it to the target once per version (into
    C(/var/cache/livetune) for root, C(~/.cache/livetune) otherwise, keyed by its sha256) and
    runs it there. The target needs a Java runtime 17 or later, not Python.
author:
  - livetune developers (@livetune)
extends_documentation_fragment:
  - livetune.process.executor
  - livetune.process.processes
  - livetune.process.sockets
options:
  strict:
    description:
      - Fail the task when an option of a listed socket cannot be read (permission, a process that
        exited while it was read) or a selected process's sockets cannot be listed, instead of
        leaving them out with a note or a warning.
      - A socket that its process closes while it is read (a connection that came and went) is
        not a failure even then, it is listed with a note saying so.
    type: bool
    default: false
  missing:
    description:
      - What to do when I(pid) or I(pidfile) names no running process. C(fail) fails the task,
        C(ignore) lists nothing and warns.
      - Selectors that match by pattern (I(process), I(cmdline), I(unit)) and filters that match no
        socket never fail the task; C(sockets) is then empty.
    type: str
    choices: [fail, ignore]
    default: fail
attributes:
  become:
    support: full
    description:
      - Reading another user's process needs root or CAP_SYS_PTRACE, which is what become is for.
        Without it a user sees the sockets of its own processes, and the others are named in the
        warnings.
  check_mode:
    support: full
    description: Read-only, it runs in check mode as in a normal run and returns the same data.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: linux
    description: Linux with a Java runtime 17 or later; on kernels before 5.6 (no pidfd_getfd) through ptrace, see I(method).
notes:
  - Permission to read a process's socket options is the permission to ptrace it
    (C(PTRACE_MODE_ATTACH)). C(kernel.yama.ptrace_scope) C(1) or C(2) refuses it to users without
    CAP_SYS_PTRACE, even on their own processes (become works); C(3) refuses it to root as well,
    until reboot. The sockets are still listed (that needs only C(PTRACE_MODE_READ)), each with a
    note naming the setting, its value and what to do; with I(strict) that is a failure.
  - Under C(/proc) mounted with C(hidepid=), a user without CAP_SYS_PTRACE does not see other users'
    processes; a list from a search then carries a warning saying so.
  - A socket shared by several processes (inherited across fork(2), or passed over a UNIX socket) is
    listed once, with every holder in C(owners); its options are read through the first.
  - The list is a snapshot. Sockets opened or closed while it is read may be missing or listed
    without options (with a note).
  - The socket table, and the values the kernel's socket diagnostics carry (I(so_rcvbuf),
    I(so_sndbuf), I(so_mark), I(ip_tos), I(ipv6_tclass), I(tcp_congestion), the backlog and
    accept queue), are read in bulk over C(NETLINK_SOCK_DIAG) as C(ss) reads them, once per
    network namespace; the other options with getsockopt(2). Where the diagnostics cannot be read
    (no C(inet_diag) module, a refusal) the same values come from C(/proc/net) and getsockopt(2).
  - The executor on the target also has a command line for people,
    C(java -jar /var/cache/livetune/*/livetune-executor.jar sockets), a table like C(netstat -tan)
    with the owning process and an options column, and C(--watch) to print changes as they happen
    (each reading reads the options that only getsockopt(2) tells for 1,000 sockets per second of
    the interval, in turns; the rest at every reading).
seealso:
  - module: livetune.process.socket_option
    description: Change the options this module reads, live.
'''

EXAMPLES = r'''
- name: Every socket of nginx, with every option
  livetune.process.socket_info:
    process: nginx
  become: true
  register: nginx_sockets

- name: Show them
  ansible.builtin.debug:
    var: nginx_sockets.sockets

- name: Established TCP connections of the application
  livetune.process.socket_info:
    unit: myapp.service
    protocol: tcp
    state: established
  become: true
  register: connections

- name: Name the connections that have keepalive off
  ansible.builtin.debug:
    msg: "{{ item.owners[0].process }}[{{ item.owners[0].pid }}] {{ item.local }} -> {{ item.remote }}"
  loop: "{{ connections.sockets | selectattr('options', 'defined') | rejectattr('options.so_keepalive') }}"
  loop_control:
    label: "{{ item.inode }}"

- name: Read the listener that an earlier play tuned
  livetune.process.socket_info:
    pidfile: /run/myapp.pid
    protocol: tcp
    state: listen
    local_port: 8080
  become: true
  register: listener

- name: In CI, the listen backlog in force is the one we set
  ansible.builtin.assert:
    that:
      - listener.sockets | length == 1
      - listener.sockets[0].backlog == 4096
    fail_msg: "backlog is {{ listener.sockets[0].backlog | default('unknown') }}, want 4096"

- name: The syslog receiver's UDP socket
  livetune.process.socket_info:
    unit: rsyslog.service
    protocol: udp
    local_port: 514
    strict: true
  become: true
  register: syslog

- name: It is held by rsyslogd and has a big enough receive buffer
  ansible.builtin.assert:
    that:
      - syslog.sockets | length > 0
      - syslog.sockets[0].owners[0].process == 'rsyslogd'
      - syslog.sockets[0].options.so_rcvbuf >= 16777216
      - syslog.sockets[0].notes is not defined

# Ad hoc (read-only, so --check returns the same data):
#   ansible web -b -m livetune.process.socket_info -a "process=nginx state=listen"
#   ansible web -b -m livetune.process.socket_info -a "pid=1234 protocol=udp" --check
'''

RETURN = r'''
sockets:
  description:
    - Every socket that matched, in process then descriptor order; a socket held by several
      processes is listed once.
  returned: always
  type: list
  elements: dict
  contains:
    protocol:
      description: C(tcp) or C(udp).
      type: str
      sample: tcp
    family:
      description: C(ipv4) or C(ipv6).
      type: str
      sample: ipv4
    state:
      description:
        - The state as C(ss) names it, for example C(listen), C(established), C(time-wait),
          C(close-wait); C(unconn) for a UDP socket that is bound but not connected.
      type: str
      sample: listen
    local:
      description: Local address and port (an IPv6 address in brackets).
      type: str
      sample: 0.0.0.0:8080
    remote:
      description: Remote address and port; port C(*) when not connected.
      type: str
      sample: "0.0.0.0:*"
    inode:
      description: Socket inode (as in C(/proc/PID/fd) and C(ss -e)).
      type: int
      sample: 98765
    recv_q:
      description:
        - Bytes received and not yet read by the process (C(rx_queue) of C(/proc/net/tcp) and
          C(/proc/net/udp)); for a TCP listener, the connections waiting to be accepted.
      type: int
      sample: 0
    send_q:
      description:
        - Bytes sent and not yet acknowledged (TCP) or not yet sent (UDP), C(tx_queue) of
          C(/proc/net/tcp) and C(/proc/net/udp); 0 for a TCP listener, whose backlog is in
          I(backlog).
      type: int
      sample: 0
    method:
      description:
        - How the socket was read, C(pidfd) (a duplicate, the process never stopped) or C(ptrace)
          (from inside the process, see I(method)). Absent when it could not be read.
      type: str
      sample: pidfd
    netns:
      description: The network namespace of the socket, as C(/proc/PID/ns/net) names it.
      type: str
      sample: "net:[4026531840]"
    owners:
      description: Every process and descriptor that holds the socket.
      type: list
      elements: dict
      sample: [{pid: 1234, fd: 3, process: myapp}, {pid: 1240, fd: 3, process: myapp}]
      contains:
        pid:
          description: Process id.
          type: int
          sample: 1234
        fd:
          description: Descriptor number in that process.
          type: int
          sample: 3
        process:
          description: Process name (C(/proc/PID/comm)).
          type: str
          sample: myapp
    backlog:
      description: The listen backlog in force (after the cap by C(net.core.somaxconn)).
      returned: TCP listeners whose options could be read
      type: int
      sample: 4096
    accept_queue:
      description: Connections completed and waiting to be accepted.
      returned: TCP listeners whose options could be read
      type: int
      sample: 0
    options:
      description:
        - Every socket option of livetune's registry that applies to this socket (its protocol,
          family, and whether it listens), by name, as the kernel reports it. The names are those of
          the I(options) of M(livetune.process.socket_option).
        - Options that could not be read are left out and named in I(notes).
      returned: when the socket could be read
      type: dict
      sample:
        so_rcvbuf: 131072
        so_sndbuf: 16384
        so_keepalive: false
        so_priority: 0
        so_mark: 0
        so_linger: {enabled: false, seconds: 0}
        so_rcvlowat: 1
        so_busy_poll: 0
        so_reuseaddr: true
        so_reuseport: false
        so_rcvtimeo: 0
        so_sndtimeo: 0
        tcp_nodelay: false
        tcp_keepidle: 7200
        tcp_keepintvl: 75
        tcp_keepcnt: 9
        tcp_user_timeout: 0
        tcp_congestion: cubic
        tcp_notsent_lowat: 0
        tcp_maxseg: 536
        tcp_window_clamp: 0
        tcp_defer_accept: 0
        tcp_fastopen: 0
        tcp_thin_linear_timeouts: false
        ip_tos: 0
        ip_ttl: 64
    diagnostics:
      description:
        - What stalls an established TCP connection, as knetstat reports it. The peer's window is 0
          (we cannot send), our window is 0 (we cannot receive), or data is unacknowledged with no
          ACK for over a second. Empty when none holds.
      returned: established TCP sockets whose options could be read
      type: list
      elements: str
      sample: ["peer window is 0: we cannot send"]
    notes:
      description: What could not be read on this socket, and why.
      returned: when something could not be read
      type: list
      elements: str
      sample: ["options not readable: permission denied"]
msg:
  description: How many sockets in how many processes were listed.
  returned: always
  type: str
  sample: 3 socket(s) in 2 process(es)
'''
