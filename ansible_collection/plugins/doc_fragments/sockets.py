# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Which sockets of the selected processes a task is about; every given filter must hold."""

    DOCUMENTATION = r'''
options:
  fd:
    description:
      - Only the sockets at these descriptor numbers of the selected processes.
    type: list
    elements: int
  protocol:
    description:
      - Only sockets of this protocol.
    type: str
    choices: [tcp, udp]
  family:
    description:
      - Only sockets of this address family.
    type: str
    choices: [ipv4, ipv6]
  state:
    description:
      - Only sockets in this state. C(listen) means listening TCP sockets and, like C(ss -l), UDP
        sockets that are bound but not connected (state C(unconn)). C(established) means connected
        sockets. C(any) takes sockets in every state, including C(time-wait) and C(close-wait) ones
        that a process still holds.
    type: str
    choices: [listen, established, any]
    default: any
  local_port:
    description:
      - Only sockets bound to this local port.
    type: int
  local_address:
    description:
      - Only sockets bound to this local address, an IP address such as C(127.0.0.1) or C(::1)
        (names are not resolved; C(0.0.0.0) and C(::) match literally).
    type: str
  remote_port:
    description:
      - Only sockets connected to this remote port.
    type: int
  remote_address:
    description:
      - Only sockets connected to this remote address (an IP address, as for I(local_address)).
    type: str
  method:
    description:
      - How to reach the sockets. C(pidfd) duplicates each socket with C(pidfd_getfd) (Linux 5.6 or
        later); the target never stops. C(ptrace) (for older kernels, such as RHEL 8's) stops one
        thread of the target and runs the calls inside it, the other threads running on. In that
        stop each socket is first duplicated inside the target (C(fcntl(F_DUPFD_CLOEXEC)), never
        onto descriptors 0 to 2), the duplicate's inode is checked, C(getsockopt), C(setsockopt)
        and C(listen) act on that duplicate, which no thread of the target knows, and it is closed
        again before the thread resumes; a thread that closes or reuses the original descriptor
        meanwhile cannot make livetune act on another socket. One stop serves as many sockets of
        the process as fit in half a millisecond (at least one).
      - C(auto) uses C(pidfd) where the kernel has it and C(ptrace) where it does not, and then says
        so in a warning, also for a task that only reads; the result names the method used for each
        socket (C(method)).
      - C(ptrace) (chosen or reached through C(auto)) is refused on aarch64 until livetune's ptrace
        engine has passed its test suites on an aarch64 kernel; C(pidfd) works there.
    type: str
    choices: [auto, pidfd, ptrace]
    default: auto
# The manual pages of the options these sockets take; merged into each module's seealso.
seealso:
  - name: socket(7)
    description: Socket options of the SOL_SOCKET level.
    link: https://man7.org/linux/man-pages/man7/socket.7.html
  - name: tcp(7)
    description: TCP options.
    link: https://man7.org/linux/man-pages/man7/tcp.7.html
'''
