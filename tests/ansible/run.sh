#!/usr/bin/env bash
# End-to-end tests of livetune.process.socket_option, socket_info (lib/tests_socket_info.sh),
# memory_lock (lib/tests_memory_lock.sh) and preload_wrapper (lib/tests_preload.sh), and of drift
# through real Ansible, against real running daemons (tests/daemons/tunable_server.py): ad
# hoc and playbooks, over -c local and over SSH to an sshd started here on 127.0.0.1 (root,
# and non-root users with sudo and su), check and diff modes, idempotence, every error of
# issue 2 section 4, the jar cache and its refusal of planted jars, a noexec /tmp, a
# missing JRE, the args-file path.
#
# Runs against the INSTALLED collection (`make install`; the repo's ansible.cfg points at
# ./build/collections; ANSIBLE_COLLECTIONS_PATH overrides). Needs root (it creates users,
# an sshd, mount namespaces). Results are checked with tools that are not livetune's:
# `ss` and the daemon's own getsockopt (its OPTS answer).
# Prints "N passed, M failed" last; exits non-zero when anything failed.
# LIVETUNE_KEEP_WORK=1 keeps the work directory (logs, inventory) for a post-mortem.
# LIVETUNE_TEST_JAVA=/path/to/java runs the executor on that java on every host (its
# livetune_java), with LIVETUNE_TESTS=REGEX for a subset: `make test-ansible-jdk25`.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
. "$HERE/lib/common.sh"
# shellcheck source=lib/hosts.sh
. "$HERE/lib/hosts.sh"
# shellcheck source=lib/daemons.sh
. "$HERE/lib/daemons.sh"
# shellcheck source=lib/ansible.sh
. "$HERE/lib/ansible.sh"
# shellcheck source=lib/tests.sh
. "$HERE/lib/tests.sh"
# shellcheck source=lib/tests_socket_info.sh
. "$HERE/lib/tests_socket_info.sh"
# shellcheck source=lib/machine_lock.sh
. "$HERE/lib/machine_lock.sh"
# shellcheck source=lib/tests_memory_lock.sh
. "$HERE/lib/tests_memory_lock.sh"
# shellcheck source=lib/tests_drift.sh
. "$HERE/lib/tests_drift.sh"
# shellcheck source=lib/tests_java_runtime.sh
. "$HERE/lib/tests_java_runtime.sh"
# shellcheck source=lib/tests_ecosystem.sh
. "$HERE/lib/tests_ecosystem.sh"
# shellcheck source=lib/tests_examples.sh
. "$HERE/lib/tests_examples.sh"
# shellcheck source=lib/tests_preload.sh
. "$HERE/lib/tests_preload.sh"
# shellcheck source=lib/tests_resident.sh
. "$HERE/lib/tests_resident.sh"

preflight() {
    [ "$(id -u)" = 0 ] || { log "tests/ansible/run.sh needs root (users, sshd, mount namespaces)"; exit 2; }
    local tool
    for tool in ansible ansible-playbook ansible-doc jq ss python3 java unshare runuser visudo /usr/sbin/sshd ssh-keygen gcc; do
        command -v "$tool" >/dev/null || { log "missing tool: $tool"; exit 2; }
    done
    [ -f "$TUNABLE_SERVER" ] || { log "missing $TUNABLE_SERVER"; exit 2; }
}

setup_work() {
    # not under /tmp: some tests mount a noexec tmpfs over /tmp
    WORK=$(mktemp -d /var/tmp/livetune-ansible-tests.XXXXXX)
    mkdir -p "$WORK/logs" "$WORK/cp"
    trap run_cleanup EXIT
    trap 'exit 130' INT TERM
    export ANSIBLE_SSH_CONTROL_PATH_DIR="$WORK/cp"
    export ANSIBLE_LOCAL_TEMP="$WORK/ansible-local"
    export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
    export ANSIBLE_RETRY_FILES_ENABLED=0
}

main() {
    preflight
    take_machine_lock
    cd "$REPO" # the repo's ansible.cfg
    setup_work
    setup_users
    start_sshd
    write_inventory
    JAR=$(installed_jar)
    [ -f "$JAR" ] || { log "the installed collection has no jar at $JAR (run make install)"; exit 2; }
    SHA=$(sha256sum "$JAR" | cut -d' ' -f1)
    rm -rf /var/cache/livetune # every test run starts without a cached jar
    log "collection jar: $JAR ($SHA)"

    run_test "java: the executor runs on LIVETUNE_TEST_JAVA when set" t_test_java

    run_test "ad hoc -c local: backlog (ss Send-Q)" t_adhoc_backlog
    run_test "ad hoc -c local: option=so_rcvbuf value= short form" t_adhoc_short_form
    run_test "ad hoc -c local: options='so_rcvbuf=... so_keepalive=yes'" t_adhoc_options_pairs
    run_test "ad hoc --check changes nothing, --diff shows it" t_adhoc_check_diff

    run_test "playbook -c local: check, converge, idempotent" t_converge local
    run_test "playbook ssh root: check, converge, idempotent" t_converge ssh_root
    run_test "playbook ssh non-root + sudo (pipelining on)" t_converge ssh_user
    run_test "playbook ssh non-root + sudo (pipelining off)" t_converge ssh_user pipelining_off
    run_test "playbook: every error is clear and changes nothing" t_errors local
    run_test "errors over ssh non-root + sudo" t_errors ssh_user
    run_test "permission denied without become names become" t_permission_denied

    run_test "jar: transferred once, then cached (non-root)" t_user_cache
    run_test "jar: root cache is private, CDS archive made" t_root_cache
    run_test "archive maker: waits while every CPU is busy" t_archive_waits_for_idle
    run_test "archive maker: writes nothing into a cache directory made after its own was removed" t_maker_of_a_removed_directory
    run_test "jar cache: a repeated task's arguments are validated once" t_validated_arguments
    run_test "cache refused: directory writable by others" t_cache_refused writable
    run_test "cache refused: directory owned by another user" t_cache_refused owner
    run_test "cache refused: symlinked directory" t_cache_refused symlink
    run_test "cache refused: jar writable by others" t_cache_refused jar-writable
    run_test "cache refused: jar owned by another user" t_cache_refused jar-owner

    run_test "noexec /tmp and ~/.cache: JNA runs from the cache" t_noexec_tmp
    run_test "java_executable that does not exist" t_bad_java
    run_test "no JRE at all: message names the package" t_no_java
    run_test "java older than 17: refused before it starts, names the package" t_old_java
    run_test "unsupported machine (riscv64): refused before any transfer" t_unsupported_machine
    run_test "livetune_java host variable picks the JVM" t_livetune_java
    run_test "the archive serves every class of a task (the jar on the class path below JDK 24)" t_archive_serves_every_class
    run_test "JDK 25+: AOT cache made once, then mapped" t_aot_cache
    run_test "executor output that is not JSON: clear failure" t_not_json

    run_test "become su: arguments through an args file" t_su_args_file
    run_test "sudo requiretty: falls back to an args file" t_requiretty
    run_test "two hosts on one target, empty cache, at once" t_concurrent_first_use

    run_test "socket_info: ad hoc -c local, listener = ss + daemon" t_info_adhoc local
    run_test "socket_info: ad hoc -c local --check still reads" t_info_adhoc local --check
    run_test "socket_info: ad hoc ssh root" t_info_adhoc ssh_root
    run_test "socket_info: ad hoc ssh non-root + sudo" t_info_adhoc ssh_user
    run_test "socket_info: reads what socket_option set" t_info_after_option
    run_test "socket_info: established pair, both ends" t_info_established
    run_test "socket_info: listener shared across fork" t_info_shared
    run_test "socket_info: non-root, no become, lists all" t_info_nonroot_all
    run_test "socket_info: become su, arguments in a file" t_info_su
    run_test "socket_info: playbook -c local, register + assert" t_info_playbook local
    run_test "socket_info: playbook -c local --check" t_info_playbook local --check
    run_test "socket_info: playbook ssh root" t_info_playbook ssh_root
    run_test "socket_info: playbook ssh root --check" t_info_playbook ssh_root --check
    run_test "socket_info: playbook ssh non-root + sudo" t_info_playbook ssh_user
    run_test "socket_info: playbook ssh non-root + sudo --check" t_info_playbook ssh_user --check
    run_test "socket_info: playbook ssh non-root + sudo, no pipelining" t_info_playbook ssh_user pipelining_off

    run_test "memory_lock: ad hoc -c local, lock/unlock = VmLck" t_lock_adhoc local
    run_test "memory_lock: ad hoc ssh root" t_lock_adhoc ssh_root
    run_test "memory_lock: ad hoc ssh non-root + sudo" t_lock_adhoc ssh_user
    run_test "memory_lock: --check changes nothing, --diff, drift" t_lock_check_diff
    run_test "memory_lock: scope=text locks exactly the code" t_lock_text
    run_test "memory_lock: several processes by cmdline" t_lock_several
    run_test "memory_lock: RLIMIT_MEMLOCK too low; raise_limit" t_lock_raise_limit
    run_test "memory_lock: non-root user, own processes, no become" t_lock_nonroot_own
    run_test "memory_lock: another user's process needs become" t_lock_permission_denied
    run_test "memory_lock: errors (args, no process, traced, stopped)" t_lock_errors
    run_test "memory_lock: missing=ignore (pattern, pid, pidfile)" t_lock_missing_ignore
    run_test "memory_lock: locked daemon still serves (future)" t_lock_daemon_works
    run_test "memory_lock: threaded pipe reader still answers" t_lock_pipe_target
    run_test "memory_lock: playbook -c local, register + assert" t_lock_playbook local
    run_test "memory_lock: playbook ssh root" t_lock_playbook ssh_root
    run_test "memory_lock: playbook ssh non-root + sudo" t_lock_playbook ssh_user
    run_test "memory_lock: playbook ssh non-root + sudo, no pipelining" t_lock_playbook ssh_user pipelining_off

    run_test "drift: ad hoc, fails naming each setting, live and wanted" t_drift_check
    run_test "drift: change by the daemon itself, 2 hosts, default output" t_drift_playbook
    run_test "drift: junit callback, drifted task = failed test case" t_drift_junit
    run_test "drift: memory_lock names mappings, kB, onfault, future" t_drift_memory_lock
    run_test "drift: docs/drift-checks.md YAML parses, example --syntax-check" t_drift_docs

    run_test "EXAMPLES of every module run against real processes" t_examples

    run_test "galaxy: the tarball installs offline and works from there" t_galaxy_install
    run_test "module_defaults: the action group reaches every module" t_module_defaults
    run_test "-c local, sudo with a password, no pipelining: args file" t_local_sudo_password

    run_test "java_runtime: Java present: check mode, real run change nothing" t_jr_present local
    run_test "java_runtime: Java present, ssh non-root + sudo" t_jr_present ssh_user
    run_test "java_runtime: RHEL 9 facts: dnf installs java-17-openjdk-headless" \
        t_jr_other_os RedHat/RedHat 9 dnf "Install the headless JRE (RHEL family)" java-17-openjdk-headless
    run_test "java_runtime: Ubuntu 22.04 facts: apt installs openjdk-17-jre-headless" \
        t_jr_other_os Debian/Ubuntu 22 apt "Install the headless JRE (Debian family)" openjdk-17-jre-headless false
    run_test "java_runtime: RHEL 7 facts: no Java 17 there, a clear failure" t_jr_no_package RedHat/CentOS 7 yum
    run_test "java_runtime: a copy of this host with no Java at all" t_jr_no_java

    preload_setup
    run_test "preload_wrapper: ad hoc -c local, wrapper = ss backlog" t_preload_wrapper local
    run_test "preload_wrapper: ad hoc ssh root" t_preload_wrapper ssh_root
    run_test "preload_wrapper: ad hoc ssh non-root + sudo" t_preload_wrapper ssh_user
    run_test "preload_wrapper: --check writes nothing, --diff, drift" t_preload_check_diff
    run_test "preload_wrapper: unit drop-in, verify, ExecStart with it" t_preload_unit
    run_test "preload_wrapper: Debian's redis unit: its sandbox" t_preload_redis_unit
    run_test "preload_wrapper: Debian's redis-server via wrapper" t_preload_redis
    run_test "preload_wrapper: the shim's options, respect_app, mlock" t_preload_shim_options
    run_test "preload_wrapper: refusals (setuid, static, unit...)" t_preload_errors
    run_test "preload_wrapper: a jar without the library says so" t_preload_no_library
    run_test "preload_wrapper: playbook -c local, register + assert" t_preload_playbook local
    run_test "preload_wrapper: playbook ssh root" t_preload_playbook ssh_root
    run_test "preload_wrapper: playbook ssh non-root + sudo" t_preload_playbook ssh_user
    run_test "preload_wrapper: playbook ssh non-root + sudo, no pipelining" t_preload_playbook ssh_user pipelining_off
    run_test "persist: socket_option + memory_lock write the drop-in" t_persist

    run_test "resident: -c local, 2nd task served by it, = cold, killed -> cold" t_resident local
    run_test "resident: ssh non-root + sudo, the session ends with the task" t_resident ssh_user
    run_test "resident: ssh root" t_resident ssh_root
    run_test "resident: ssh non-root, no become: the user's own, in ~/.cache" t_resident ssh_user_nobecome "$TEST_USER"
    run_test "resident: answer lost after accepted: outcome unknown, not re-run" t_resident_lost
    run_test "resident: planted directory (owner) never used" t_resident_planted owner
    run_test "resident: planted directory (mode 0755) never used" t_resident_planted mode
    run_test "resident: variable off, no resident ever" t_resident_off
    run_test "resident: idle timeout from the variable; a bad value refused" t_resident_idle

    log ""
    if [ "$FAILED" -gt 0 ]; then log "failed: ${FAILED_NAMES[*]}"; fi
    echo "$PASSED passed, $FAILED failed$([ "$SKIPPED" -eq 0 ] || echo ", $SKIPPED skipped")"
    [ "$FAILED" -eq 0 ]
}

main "$@"
