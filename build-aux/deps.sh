#!/bin/bash
# Installs what `make build/test/demo/bench` need on a Debian or Ubuntu machine, and only
# what is missing. `deps.sh bench` adds what only the benchmarks use (gdb, libkeepalive0). As root: apt-get (with one `apt-get update` first, only if something is
# missing). Otherwise: prints the exact command to run and exits 1.
set -euo pipefail

missing=()
need() { # need PACKAGE TEST-COMMAND...
    local pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then
        printf '  missing: %-18s (check: %s)\n' "$pkg" "$*"
        missing+=("$pkg")
    fi
}
have() { command -v "$1"; }
javac_ok() { # a JDK >= 17: the build compiles for release 17, the oldest Java targets may run
    have javac || return 1
    local v
    v=$(javac -version 2>&1 | awk '{print $2}')
    [ "${v%%.*}" -ge 17 ] 2>/dev/null
}
ansible_posix_ok() { # ansible-core and the ansible.posix collection, from the same Python
    local ap py
    ap=$(command -v ansible-playbook) || return 1
    py=$(sed -n '1s/^#! *//p' "$ap"); py=${py#/usr/bin/env }
    ${py:-python3} -c 'import ansible_collections.ansible.posix.plugins.modules.sysctl' ||
        [ -d /usr/share/ansible/collections/ansible_collections/ansible/posix ] ||
        [ -d "$HOME/.ansible/collections/ansible_collections/ansible/posix" ]
}

need maven           have mvn
need JDK             javac_ok
need ansible         ansible_posix_ok
need openssh-server  test -x /usr/sbin/sshd
need openssh-client  have ssh-keygen
need iproute2        have ss
need procps          have pgrep
need python3         have python3
need sudo            have visudo
need jq              have jq
need util-linux      have unshare
need yamllint        have yamllint
need ansible-lint    have ansible-lint
need strace          have strace    # tests: a tracer that is not ours, and what the executor executes
need gcc             have gcc       # tests and bench (e): small C targets (siginfo, pause timing); the preload shim
need gcc-aarch64-linux-gnu have aarch64-linux-gnu-gcc            # build: the aarch64 preload shim in the jar
need libc6-arm64-cross     test -e /usr/aarch64-linux-gnu/lib/libc.so.6   # tests: aarch64 build of the shim's test program
need qemu-user             have qemu-aarch64                     # tests: runs that program under qemu-user
need memcached       test -x /usr/bin/memcached  # tests: a real multi-threaded server whose connections churn
need redis-server    test -x /usr/bin/redis-server  # tests: a program no one here wrote, started through preload_wrapper
# `make sanity` (ansible-test sanity --local, offline): the linters it would pip-install
# come from Debian instead, imported by Debian's python3 (ansible-test runs under it)
sys_py() { /usr/bin/python3 -c "import $1"; }
need pycodestyle        sys_py pycodestyle
need pylint             sys_py pylint
need python3-voluptuous sys_py voluptuous   # validate-modules' schema checks
need shellcheck         have shellcheck
# `make test-units` (ansible-test units --local): pytest and the plugins it loads
need python3-pytest         sys_py pytest
need python3-pytest-xdist   sys_py xdist
need python3-pytest-forked  sys_py pytest_forked
need python3-mock           sys_py mock
# tests of the java_runtime role: ansible.builtin.apt (check mode too) needs python3-apt
need python3-apt            sys_py apt_pkg
if [ "${1-}" = vm ]; then     # make test-aarch64 / test-vm: build-aux/vm/ (Debian VMs of the engine suites)
    need mmdebstrap          have mmdebstrap
    need qemu-system-arm     have qemu-system-aarch64   # the aarch64 machine (TCG)
    need qemu-system-x86     have qemu-system-x86_64    # the x86_64 machine (KVM)
    need qemu-user-static    test -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P   # arm64 package scripts at build
    need arch-test           have arch-test
    need e2fsprogs           have debugfs
fi
if [ "${1-}" = bench ]; then
    need gdb         have gdb       # bench (e): the peer it is measured against
    need libkeepalive0 test -e /usr/lib/libkeepalive.so   # bench (g): the preload library the shim is measured against
fi

# JDK 25, for `make test-junit-jdk25` and `test-ansible-jdk25` (README "Testing"): Temurin's,
# which Debian does not package, so it is only looked for, never installed from here. Without
# it those steps are skipped (in CI they fail).
jdk25=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ ! -x "$jdk25/bin/java" ]; then
    echo "  note: no JDK 25 at $jdk25 (JDK25_HOME): make test skips its JDK 25 steps, CI fails them."
    echo "        Get it from Adoptium's apt repository (https://adoptium.net/installation/linux/):"
    echo "        apt-get install temurin-25-jdk puts it there."
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: everything needed is installed"
    exit 0
fi

# The JDK package: default-jdk-headless where it is 17 or newer (Debian 12+, Ubuntu 24.04+),
# otherwise openjdk-17-jdk-headless (Ubuntu 22.04, Debian 11 backports).
jdk_package() {
    local dep
    dep=$(apt-cache show default-jdk-headless 2>/dev/null | sed -n 's/^Depends:.*openjdk-\([0-9]\+\)-jdk-headless.*/\1/p' | head -1)
    if [ -n "$dep" ] && [ "$dep" -ge 17 ]; then
        echo default-jdk-headless
    elif apt-cache show openjdk-17-jdk-headless >/dev/null 2>&1; then
        echo openjdk-17-jdk-headless
    else
        echo default-jdk-headless
    fi
}

if [ "$(id -u)" -ne 0 ]; then
    pkgs=("${missing[@]/#JDK/$(jdk_package)}")
    echo
    echo "deps: not root, so nothing was installed. Run this, then the make target again:"
    echo
    echo "    sudo apt-get update && sudo apt-get install -y ${pkgs[*]}"
    echo
    exit 1
fi

if ! command -v apt-get >/dev/null; then
    echo "deps: apt-get not found; install by hand: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update"
apt-get update -q
pkgs=("${missing[@]/#JDK/$(jdk_package)}")
echo "deps: apt-get install -y ${pkgs[*]}"
# Installing a daemon's package (redis-server, memcached) must not start it, nor leave it starting at
# boot: the tests start their own instance on a loopback port. A policy-rc.d that forbids
# every start (exit 101, invoke-rc.d(8)) holds during the install, unless one is there already.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# livetune deps.sh: no service starts while packages are installed\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -q "${pkgs[@]}"
for daemon in redis-server memcached; do
    if [[ " ${pkgs[*]} " == *" $daemon "* ]]; then
        systemctl disable "$daemon.service" >/dev/null 2>&1 || true
    fi
done
