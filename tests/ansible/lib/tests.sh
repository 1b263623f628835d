# shellcheck shell=bash disable=SC2034 # WRAP (lib/ansible.sh), set here, is read by adhoc
# The tests of run.sh. Each runs in its own subshell (run_test) with errexit on; globals
# from run.sh: WORK, JAR, SHA, REPO, HERE, and the hosts of lib/hosts.sh.

ROOT_CACHE=/var/cache/livetune

# wait_for_archive DIR: until the archive maker that a first run left in the background
# (executor_run.sh lt_cds_start_maker) is done with DIR; it holds DIR/.archive.lock meanwhile.
wait_for_archive() {
    [ -e "$1/.archive.lock" ] || return 0
    flock -w 300 "$1/.archive.lock" true || fail "the archive maker still holds $1/.archive.lock after 300 s"
}

user_home() { getent passwd "$1" | cut -d: -f6; }

# pb FILE [OPTIONS...]: a playbook that must succeed; its output in $PB_OUT (and the log)
pb() {
    local rc=0
    playbook "$@" >"$WORK/pb.out" 2>&1 || rc=$?
    cat "$WORK/pb.out"
    [ "$rc" -eq 0 ] || fail "ansible-playbook $1 failed (rc=$rc)"
    PB_OUT=$(cat "$WORK/pb.out")
}

daemon_vars() {
    printf '%s\n' -e "daemon_pid=$D_PID" -e "daemon_port=$D_PORT" -e "daemon_udp_port=$D_UDP_PORT"
}

expect_untouched() { # the daemon still has what it set at start-up
    expect_eq "$(ss_backlog "$D_PORT")" 20 "backlog (ss Send-Q)"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 8192 "SO_RCVBUF by the daemon's getsockopt"
}

# -- ad hoc ------------------------------------------------------------------------------

t_adhoc_backlog() {
    start_daemon adhoc-backlog
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=4096"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(result local '.sockets[0].before.backlog')" 20 "before.backlog"
    expect_eq "$(result local '.sockets[0].after.backlog')" 4096 "after.backlog"
    expect_eq "$(ss_backlog "$D_PORT")" 4096 "backlog (ss Send-Q)"
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=4096"
    expect_eq "$(result local .changed)" false "changed, second run"
}

t_adhoc_short_form() {
    start_daemon adhoc-short
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT option=so_rcvbuf value=65536"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(result local '.sockets[0].before.so_rcvbuf')" 8192 "before.so_rcvbuf (4096 doubled)"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 131072 "SO_RCVBUF by the daemon's getsockopt"
    expect_eq "$(ss_rcvbuf "$D_PORT")" 131072 "ss skmem rb"
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT option=so_rcvbuf value=65536"
    expect_eq "$(result local .changed)" false "changed, second run"
}

# options as key=value pairs, the way Ansible reads a dictionary given as a string
t_adhoc_options_pairs() {
    start_daemon adhoc-pairs
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT options='so_rcvbuf=65536 so_keepalive=yes'"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 131072 "SO_RCVBUF by the daemon's getsockopt"
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 1 "SO_KEEPALIVE by the daemon's getsockopt"
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT options='so_rcvbuf=65536, so_keepalive=true'"
    expect_eq "$(result local .changed)" false "changed, second run (commas, another boolean spelling)"
    if adhoc local "pid=$D_PID state=listen local_port=$D_PORT options='so_rcvbuf=65536 so_keepalive'"; then
        fail "a pair without a value was accepted"
    fi
    expect_failed_with local "options.so_keepalive: must be a boolean"
}

t_adhoc_check_diff() {
    local out
    start_daemon adhoc-check
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=512 option=so_rcvbuf value=32768" --check
    expect_eq "$(result local .changed)" true "changed (would change)"
    expect_eq "$(result local '.sockets[0].after.backlog')" 512 "after.backlog in check mode"
    expect_untouched
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=512 option=so_rcvbuf value=32768" --check --diff)
    printf '%s\n' "$out"
    expect_contains "$out" "-backlog: 20" "diff"
    expect_contains "$out" "+backlog: 512" "diff"
    expect_contains "$out" "+so_rcvbuf: 65536" "diff"
    expect_contains "$out" "CHANGED" "ad hoc status"
    expect_untouched
}

# -- playbooks ---------------------------------------------------------------------------

# t_converge HOST [pipelining_off]: --check --diff, converge, converge again
t_converge() {
    local host=$1 vars
    if [ "${2:-}" = pipelining_off ]; then export ANSIBLE_PIPELINING=False; fi
    start_daemon "converge-$host${2:+-$2}"
    mapfile -t vars < <(daemon_vars)

    pb converge.yml -e "target=$host" "${vars[@]}" --check --diff
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 2 "changed tasks with --check"
    expect_contains "$PB_OUT" "+backlog: 1024" "--diff output"
    expect_untouched
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 0 "SO_KEEPALIVE after --check"

    pb converge.yml -e "target=$host" "${vars[@]}"
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 2 "changed tasks"
    expect_eq "$(ss_backlog "$D_PORT")" 1024 "backlog (ss Send-Q)"
    expect_eq "$(ss_rcvbuf "$D_PORT")" 131072 "ss skmem rb"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 131072 "SO_RCVBUF by the daemon"
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 1 "SO_KEEPALIVE by the daemon"
    expect_eq "$(daemon_opt "$D_PORT" udp_so_rcvbuf)" 524288 "UDP SO_RCVBUF by the daemon"

    pb converge.yml -e "target=$host" "${vars[@]}"
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 0 "changed tasks, second run"
}

t_errors() {
    local host=$1 vars
    start_daemon "errors-$host"
    mapfile -t vars < <(daemon_vars)
    # pids stay below pid_max: no process has this one
    pb errors.yml -e "target=$host" "${vars[@]}" -e "gone_pid=$(cat /proc/sys/kernel/pid_max)"
    # ad hoc, as a new user writes it: the message leads to the right input (the executor's,
    # not the controller's: the action plugin passes unknown parameters on)
    if adhoc "$host" "pid=$D_PID so_rcvbuf=65536"; then fail "so_rcvbuf as a parameter was accepted"; fi
    expect_failed_with "$host" "so_rcvbuf: not a parameter but a socket option" \
        "write options={so_rcvbuf: 65536} or option=so_rcvbuf value=65536"
    if adhoc "$host" "pid=$D_PID state=listening backlog=64"; then fail "state=listening was accepted"; fi
    expect_failed_with "$host" "state: must be one of: listen, established, any; did you mean listen?"
    adhoc "$host" "pid=$D_PID state=listen local_port=$D_PORT option=SO_RCVBUF value=65536" --check \
        || fail "option=SO_RCVBUF was refused"
    expect_eq "$(result "$host" '.sockets[0].after.so_rcvbuf')" 131072 "SO_RCVBUF is so_rcvbuf (check mode)"
    expect_untouched
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 0 "SO_KEEPALIVE"
}

t_permission_denied() {
    start_daemon perm-denied # as root; the login user is not
    if adhoc ssh_user_nobecome "pid=$D_PID option=so_keepalive value=true"; then
        fail "a non-root user changed a root daemon's socket"
    fi
    expect_failed_with ssh_user_nobecome "permission denied" "become"
    expect_eq "$(result ssh_user_nobecome .changed)" false "changed"
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 0 "SO_KEEPALIVE"
}

# -- the jar cache -----------------------------------------------------------------------

# count_lines TEXT PATTERN
count_lines() { printf '%s\n' "$1" | grep -c -e "$2" || true; }

t_user_cache() {
    local home out cache
    home=$(user_home "$TEST_USER")
    cache=$home/.cache/livetune
    rm -rf "$cache"
    start_daemon user-cache "$TEST_USER"

    out=$(adhoc_text ssh_user_nobecome "pid=$D_PID state=listen local_port=$D_PORT backlog=64" -vvv 2>&1)
    printf '%s\n' "$out"
    expect_contains "$out" "CHANGED" "first run"
    # stdin reaches the script here: the jar follows the arguments on it, no sftp transfer
    expect_eq "$(count_lines "$out" "livetune: sending livetune-executor.jar ([0-9]* bytes) on stdin")" 1 \
        "jars sent on stdin, first run"
    expect_eq "$(count_lines "$out" "PUT ")" 0 "file transfers, first run"
    expect_eq "$(count_lines "$out" "SSH: EXEC")" 2 "remote commands, first run (need-jar, then install and run)"
    expect_eq "$(ss_backlog "$D_PORT")" 64 "backlog (ss Send-Q)"
    expect_eq "$(stat -c '%U %a' "$cache" "$cache/$SHA" "$cache/$SHA/livetune-executor.jar" | tr '\n' ' ')" \
        "$TEST_USER 700 $TEST_USER 700 $TEST_USER 600 " "cache owner and modes"
    cmp "$JAR" "$cache/$SHA/livetune-executor.jar"
    expect_eq "$(find "$cache" -name '.upload.*' -o -name '.args.*' | wc -l)" 0 "leftover uploads or arguments"

    out=$(adhoc_text ssh_user_nobecome "pid=$D_PID state=listen local_port=$D_PORT backlog=64" -vvv 2>&1)
    printf '%s\n' "$out"
    expect_eq "$(count_lines "$out" "PUT ")" 0 "transfers, second run"
    expect_eq "$(count_lines "$out" "SSH: EXEC")" 1 "remote commands, second run"
}

t_root_cache() {
    local d=$ROOT_CACHE/$SHA
    # the ssh_user (sudo) converge test above made it, through ansible's tmp dir
    expect_eq "$(stat -c '%U %a' "$ROOT_CACHE" "$d" "$d/livetune-executor.jar" | tr '\n' ' ')" \
        "root 700 root 700 root 600 " "root cache owner and modes"
    cmp "$JAR" "$d/livetune-executor.jar"
    wait_for_archive "$d"
    expect_eq "$(find "$d" -name 'cds-*.jsa' | wc -l)" 1 "CDS archives of the default JVM"
    expect_eq "$(find "$d" -name '*.jsa.*' | wc -l)" 0 "leftover CDS dumps"
    expect_eq "$(find "$d" -name '*.aot.*' | wc -l)" 0 "leftover AOT caches or configurations"
    [ -f "$d/jna/libjnidispatch.so" ] || fail "JNA's native part was not unpacked into the cache"
}

# busy_every_cpu: a spinning shell per CPU (SPINNERS), so that /proc/stat shows no idle CPU
# to the archive maker; free_every_cpu stops them.
busy_every_cpu() {
    local i
    SPINNERS=()
    for i in $(seq "$(grep -c '^cpu[0-9]' /proc/stat)"); do
        sh -c 'while :; do :; done' &
        SPINNERS+=("$!")
        on_exit "kill $!"
    done
}

free_every_cpu() {
    kill "${SPINNERS[@]}"
    wait "${SPINNERS[@]}" 2>/dev/null || true # their status: killed
}

# t_archive_waits_for_idle: the archive maker a first run starts waits while every CPU is
# busy (it leaves <archive>.waiting meanwhile and starts no JVM), and makes the archive once
# the CPUs are free again.
t_archive_waits_for_idle() {
    local d=$ROOT_CACHE/$SHA out waiting
    start_daemon archive-idle
    wait_for_archive "$d"
    rm -f "$d"/cds-* "$d"/aot-* # the default JVM's archive, made by an earlier test
    busy_every_cpu
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=95" -vvvv 2>&1) ||
        { printf '%s\n' "$out"; fail "the first run failed"; }
    expect_contains "$out" "livetune: archive maker: " "the archive maker started"
    expect_eq "$(ss_backlog "$D_PORT")" 95 "backlog (ss Send-Q)"
    wait_until 60 "the archive maker's .waiting marker" sh -c "ls '$d'/*.waiting"
    waiting=$(ls "$d"/*.waiting)
    # Three of its one-second looks at /proc/stat, every CPU busy in each: it must go on waiting.
    sleep 3
    [ -e "$waiting" ] || fail "the archive maker stopped waiting while ${#SPINNERS[@]} spinners kept every CPU busy"
    expect_eq "$(pgrep -f -c 'livetune-executor.jar archive-training' || true)" 0 "training JVMs while the CPUs are busy"
    expect_eq "$(find "$d" -name 'cds-*.jsa' -o -name 'aot-*.aot' | wc -l)" 0 "archives while the CPUs are busy"
    free_every_cpu
    wait_for_archive "$d"
    [ ! -e "$waiting" ] || fail "$waiting left behind"
    expect_eq "$(find "$d" -name 'cds-*.jsa' -o -name 'aot-*.aot' | wc -l)" 1 "archives once the CPUs are free"
}

# t_maker_of_a_removed_directory: an archive maker whose cache directory is removed while it
# waits (the cache emptied, as `rm -rf /var/cache/livetune` does) writes nothing into the
# directory a later first run makes at the same path. The old maker is held stopped (SIGSTOP
# to its session, once it waits for an idle CPU) while the new first run makes its archive,
# then let go: the new archive must still be the same file, and nothing else left behind.
t_maker_of_a_removed_directory() {
    local d=$ROOT_CACHE/$SHA old group archive inode
    start_daemon maker-removed
    wait_for_archive "$d"
    rm -rf "$d"
    busy_every_cpu
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=91"
    wait_until 60 "the first maker's .waiting marker" sh -c "ls '$d'/*.waiting"
    old=$(pgrep -f -o -- ' lt-archive-maker /') || fail "no archive maker running"
    group=$(ps -o sid= -p "$old" | tr -d ' ') # its session, made by setsid: the maker and its sleep
    kill -STOP -- "-$group"
    on_exit "kill -CONT -- -$group"
    free_every_cpu
    rm -rf "$d"
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=92"
    wait_for_archive "$d"
    archive=$(find "$d" -name 'cds-*.jsa' -o -name 'aot-*.aot')
    [ -n "$archive" ] || fail "the second first run made no archive"
    inode=$(stat -c %i "$archive")
    kill -CONT -- "-$group"
    timeout 300 tail --pid="$old" -f /dev/null || fail "the first maker still runs after 300 s"
    expect_eq "$(stat -c %i "$archive" 2>/dev/null)" "$inode" "the second maker's archive, after the first maker went on"
    expect_eq "$(find "$d" -name '*.jsa.*' -o -name '*.aot.*' | wc -l)" 0 "files of either maker left behind"
    expect_eq "$(ss_backlog "$D_PORT")" 92 "backlog (ss Send-Q)"
}

# A task that repeats an earlier task's arguments is served from the cache's memo of argument
# sets that validated (modules.ValidatedArguments): the memo is read, not written again. Bad
# arguments after it are still validated, and refused with their message.
t_validated_arguments() {
    local memo=$ROOT_CACHE/$SHA/validated-arguments inode
    start_daemon validated-args
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=256"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(stat -c '%U %a' "$memo")" "root 600" "memo owner and mode"
    expect_eq "$(grep -c "^socket_option .*\"local_port\":${D_PORT}[,}]" "$memo")" 1 "the task's arguments in the memo"
    inode=$(stat -c %i "$memo")

    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=256"
    expect_eq "$(result local .changed)" false "changed, second run"
    expect_eq "$(result local '.sockets[0].after.backlog')" 256 "after.backlog, second run"
    expect_eq "$(stat -c %i "$memo")" "$inode" "memo not written again: the second task found its arguments there"

    if adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=-5"; then
        fail "a negative backlog was accepted after the same task with a good one"
    fi
    expect_failed_with local "backlog: must be an integer >= 0"
    expect_eq "$(ss_backlog "$D_PORT")" 256 "backlog (ss Send-Q), untouched by the refused task"
    expect_eq "$(stat -c %i "$memo")" "$inode" "refused arguments are not remembered"
}

# t_cache_refused KIND: a planted jar in a cache directory someone else controls is not run
t_cache_refused() {
    local kind=$1 d=$ROOT_CACHE/$SHA why
    start_daemon "refused-$kind"
    [ -d "$ROOT_CACHE" ] || mkdir -m 0700 "$ROOT_CACHE"
    if [ -d "$d" ]; then mv "$d" "$WORK/saved-cache"; fi
    # put the real cache back, whatever happens (the trap outlives this function's locals)
    PLANTED=$d
    trap 'rm -rf "$PLANTED"; if [ -d "$WORK/saved-cache" ]; then mv "$WORK/saved-cache" "$PLANTED"; fi' EXIT
    case $kind in
        writable)
            mkdir -m 0777 "$d"
            chmod 0777 "$d"
            why="directory $d is writable by other users"
            ;;
        owner)
            mkdir -m 0700 "$d"
            chown nobody "$d"
            why="$d is owned by uid $(id -u nobody)"
            ;;
        symlink)
            mkdir -m 0700 "$WORK/planted"
            ln -s "$WORK/planted" "$d"
            why="$d is a symbolic link"
            ;;
        jar-writable) # the directory is right, the jar in it is not: the last of the paths read ahead
            mkdir -m 0700 "$d"
            why="$d/livetune-executor.jar is writable by other users"
            ;;
        jar-owner)
            mkdir -m 0700 "$d"
            why="$d/livetune-executor.jar is owned by uid $(id -u nobody)"
            ;;
    esac
    cp "$JAR" "$d/livetune-executor.jar"
    case $kind in
        jar-writable) chmod 0666 "$d/livetune-executor.jar" ;;
        jar-owner) chown nobody "$d/livetune-executor.jar" ;;
    esac
    if adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=128"; then
        fail "a jar in an unsafe cache directory was run"
    fi
    expect_failed_with local "refusing to run $d/livetune-executor.jar: $why" \
        "root never runs a jar someone else could have planted"
    expect_untouched
}

# -- the target's environment ------------------------------------------------------------

# t_noexec_tmp: on a host whose /tmp (and ~/.cache) are noexec, JNA's native part must
# come from the jar cache, where the executor unpacks it (nativeio.JnaBootLibrary).
t_noexec_tmp() {
    local d=$ROOT_CACHE/$SHA out
    start_daemon noexec
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT option=so_keepalive value=false" # cache ready
    mkdir -p /root/.cache
    rm -f "$d/jna/libjnidispatch.so"
    # control: JNA left to itself cannot load from a noexec place (proves the mounts bite)
    out=$(unshare -m "$HERE/lib/noexec_tmp.sh" hide-unzip -- \
        java -Djna.nosys=true -cp "$JAR" com.sun.jna.Native 2>&1 || true)
    printf 'control: %s\n' "$out"
    expect_contains "$out" "UnsatisfiedLinkError" "JNA without livetune's settings"

    WRAP=(unshare -m "$HERE/lib/noexec_tmp.sh" --)
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=257"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(ss_backlog "$D_PORT")" 257 "backlog (ss Send-Q), JNA unpacked into the cache"
    [ -f "$d/jna/libjnidispatch.so" ] || fail "the executor did not unpack JNA's native part into the cache"
    expect_eq "$(stat -c '%U %a' "$d/jna" "$d/jna/libjnidispatch.so" | tr '\n' ' ')" "root 700 root 600 " \
        "the unpacked library is root's alone"
}

t_bad_java() {
    start_daemon bad-java
    if adhoc local "pid=$D_PID backlog=64 java_executable=/nonexistent/bin/java"; then fail "ran without java"; fi
    expect_failed_with local "/nonexistent/bin/java is not an executable file"
    expect_untouched
}

t_no_java() {
    start_daemon no-java
    # every JVM of this host disappears (the /usr/bin/java link dangles)
    WRAP=(env -u JAVA_HOME unshare -m "$HERE/lib/noexec_tmp.sh" hide-jvms --)
    if adhoc local "pid=$D_PID backlog=64"; then fail "ran without any JRE"; fi
    expect_failed_with local "no Java runtime found" "livetune.process.java_runtime" "apt-get install openjdk-17-jre-headless"
    expect_untouched
}

t_old_java() {
    local jdk=$WORK/jdk11
    start_daemon old-java
    # a JDK 11 as its release file says; its java would fail the task differently if it ran
    mkdir -p "$jdk/bin"
    printf '#!/bin/sh\necho "old java ran" >&2\nexit 3\n' >"$jdk/bin/java"
    chmod +x "$jdk/bin/java"
    echo 'JAVA_VERSION="11.0.22"' >"$jdk/release"
    if adhoc local "pid=$D_PID backlog=64 java_executable=$jdk/bin/java"; then fail "ran on Java 11"; fi
    expect_failed_with local "$jdk/bin/java is Java 11; livetune needs a JRE >= 17: install one (apt-get install openjdk-17-jre-headless)"
    expect_untouched
}

t_unsupported_machine() {
    start_daemon unsupported-machine
    # a host with nothing installed yet, whose uname -m is riscv64
    WRAP=(unshare -m "$HERE/lib/noexec_tmp.sh" fresh-cache machine riscv64 --)
    if adhoc local "pid=$D_PID backlog=64"; then fail "ran on an unsupported machine"; fi
    expect_failed_with local "Linux x86_64 and aarch64" "this one is riscv64" "nothing was transferred"
    expect_untouched
}

# t_test_java: with LIVETUNE_TEST_JAVA, the runs of this suite are on that java (the
# inventory's livetune_java), and they change a live socket there; without it, nothing to check
t_test_java() {
    local out
    [ -n "${LIVETUNE_TEST_JAVA:-}" ] || skip "LIVETUNE_TEST_JAVA is not set: the tests run on the java the executor finds"
    start_daemon test-java
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=95" -vvvv 2>&1)
    printf '%s\n' "$out"
    expect_contains "$out" "livetune: $LIVETUNE_TEST_JAVA " "the java that ran"
    expect_eq "$(ss_backlog "$D_PORT")" 95 "backlog (ss Send-Q)"
}

t_livetune_java() {
    local java out
    # the last JVM of /usr/lib/jvm (temurin-25 on the dev machines), maybe not the default
    java=$(printf '%s\n' /usr/lib/jvm/*/bin/java | tail -n 1)
    start_daemon livetune-java
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=96" -e "livetune_java=$java" -vvvv 2>&1)
    printf '%s\n' "$out"
    expect_contains "$out" "livetune: $java " "the java that ran"
    expect_eq "$(ss_backlog "$D_PORT")" 96 "backlog (ss Send-Q)"
    # a second run maps the CDS archive (JDK 25 and newer: the AOT cache) that the first one made
    wait_for_archive "$ROOT_CACHE/$SHA"
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=96" -e "livetune_java=$java" -vvvv 2>&1)
    if [ "$(java_major "$java")" -ge 25 ]; then
        expect_contains "$out" "-XX:AOTCache=$ROOT_CACHE/$SHA/aot-" "second run with the AOT cache"
    else
        expect_contains "$out" "-XX:SharedArchiveFile=$ROOT_CACHE/$SHA/cds-" "second run with CDS"
    fi
}

# The java command line of a task on the default java, run again by hand with the JVM's own
# class-loading log: once the archive is made, every class comes from it, none from the jar.
# Below JDK 24 the command names the jar on the class path with its main class (not -jar),
# while the maker recorded with -jar: this is what says the archive still matches. On JDK 17
# the archive is a static one, the JDK's classes and ours: the JVM opens it alone, not the
# JDK's own archive under it (the class-data log says which it opened).
t_archive_serves_every_class() {
    local out run java major loaded from_archive from_jar
    start_daemon archive-serves
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=93" -vvvv 2>&1)
    wait_for_archive "$ROOT_CACHE/$SHA"
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=93" -vvvv 2>&1) ||
        { printf '%s\n' "$out"; fail "the second run failed"; }
    run=$(printf '%s\n' "$out" | grep -o "livetune: /[^ ]*java .*" | head -n 1)
    run=${run#livetune: }
    java=${run%% *}
    major=$(java_major "$java")
    if [ "$major" -ge 24 ]; then
        expect_contains "$run" " -jar $ROOT_CACHE/$SHA/livetune-executor.jar ansible socket_option" "JDK $major: -jar"
    else
        expect_contains "$run" " -cp $ROOT_CACHE/$SHA/livetune-executor.jar io.livetune.executor.Main ansible socket_option" \
            "JDK $major: the jar on the class path"
    fi
    # the same command (less --args-file, whose file is gone), arguments on stdin, in check mode
    # and the class-loading log asked for after the command's own -Xlog:disable
    run=${run%% --args-file *}
    if [ "$major" -ge 24 ]; then
        run="${run%% -jar *} -Xlog:class+load:stdout -Xlog:cds:stdout -jar ${run#* -jar }"
    else
        run="${run%% -cp *} -Xlog:class+load:stdout -Xlog:cds:stdout -cp ${run#* -cp }"
    fi
    # shellcheck disable=SC2086 # the command line is split on purpose: its words have no spaces
    loaded=$(printf '{"pid": %s, "state": "listen", "local_port": %s, "backlog": 93, "_check_mode": true}' \
        "$D_PID" "$D_PORT" | $run 2>&1)
    from_archive=$(printf '%s\n' "$loaded" | grep -c 'io.livetune.executor.* source: shared objects file')
    from_jar=$(printf '%s\n' "$loaded" | grep -c 'source: file:' || true)
    expect_contains "$(printf '%s\n' "$loaded" | grep '^{')" '"changed":false' "the task ran and found nothing to change"
    [ "$from_archive" -gt 100 ] || fail "only $from_archive of livetune's classes came from the archive"
    expect_eq "$from_jar" 0 "classes loaded from the jar, not the archive"
    if [ "$major" -lt 18 ]; then
        expect_contains "$loaded" "Opened archive $ROOT_CACHE/$SHA/cds-" "JDK $major: the JVM opened livetune's archive"
        expect_not_contains "$loaded" "lib/server/classes" "JDK $major: the static archive alone, not the JDK's under it"
    fi
}

# java_major JAVA: its feature release, from its JDK's release file
java_major() {
    local home
    home=$(readlink -f "$1")
    sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "${home%/bin/*}/release"
}

# A JDK 25 or newer gets an ahead-of-time cache (JEP 483/514) instead of a CDS archive: the
# first run starts the archive maker beside it, which records the executor's training
# (-XX:AOTMode=record, without method profiles: the task's JVM runs C1 only), makes the cache
# next to the jar in the private root cache and checks it with -XX:AOTMode=on; the next run
# maps it.
t_aot_cache() {
    local java='' j d=$ROOT_CACHE/$SHA out run
    for j in /usr/lib/jvm/*/bin/java; do
        if [ -x "$j" ] && [ "$(java_major "$j")" -ge 25 ] 2>/dev/null; then java=$j; fi
    done
    if [ -z "$java" ]; then
        log "no JDK 25 or newer under /usr/lib/jvm: nothing to test"
        return 0
    fi
    start_daemon aot-cache
    rm -f "$d"/aot-* # made by an earlier test, maybe
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=97" -e "livetune_java=$java" -vvvv 2>&1) ||
        { printf '%s\n' "$out"; fail "the first run with $java failed"; }
    printf '%s\n' "$out"
    # the java command line, as executor_run.sh shows it with lt_debug (-vvvv)
    run=$(printf '%s\n' "$out" | grep -o "livetune: $java .*" | head -n 1)
    expect_contains "$run" "livetune: $java " "the java that ran"
    expect_not_contains "$run" "-XX:AOT" "the task records nothing: the archive maker does, after it"
    expect_not_contains "$run" "-Xshare" "no -Xshare beside an AOT cache"
    expect_contains "$out" "livetune: archive maker: $java " "the archive maker started"
    expect_eq "$(ss_backlog "$D_PORT")" 97 "backlog (ss Send-Q)"
    wait_for_archive "$d"
    expect_eq "$(find "$d" -name 'aot-*.aot' | wc -l)" 1 "AOT caches"
    expect_eq "$(stat -c '%U %a' "$d"/aot-*.aot)" "root 600" "AOT cache owner and mode"
    expect_eq "$(find "$d" -name 'aot-*.aot.*' | wc -l)" 0 "leftover recordings or markers"
    out=$(adhoc_text local "pid=$D_PID state=listen local_port=$D_PORT backlog=98" -e "livetune_java=$java" -vvvv 2>&1) ||
        { printf '%s\n' "$out"; fail "the second run with $java failed"; }
    printf '%s\n' "$out"
    run=$(printf '%s\n' "$out" | grep -o "livetune: $java .*" | head -n 1)
    expect_contains "$run" "-XX:AOTCache=$d/aot-" "second run maps the AOT cache"
    expect_eq "$(ss_backlog "$D_PORT")" 98 "backlog (ss Send-Q) after the second run"
    # The task's JVM compiles with C1 only: the cache holds no method profiles (they are for
    # C2) for it to replay at every start. The JVM's own listing of the cache's training data,
    # with that command line's flags and cache (AOTMode=on: a cache it cannot map is an error).
    run=${run#livetune: }
    # shellcheck disable=SC2086 # the command line is split on purpose: its words have no spaces
    out=$(${run%% -jar *} -XX:AOTMode=on -XX:+UnlockDiagnosticVMOptions -XX:+AOTPrintTrainingInfo \
        -cp "$d/livetune-executor.jar" -version 2>&1) || { printf '%s\n' "$out"; fail "the cache does not map"; }
    expect_contains "$out" "Archived TrainingData Dictionary" "the JVM listed the cache's training data"
    expect_eq "$(printf '%s\n' "$out" | grep -c '^ *[0-9][0-9]*: 0x' || true)" 0 "method profiles in the AOT cache"
}

t_not_json() {
    start_daemon not-json
    printf '#!/bin/sh\necho "this is not json"\necho "fake java broke" >&2\nexit 3\n' >"$WORK/fake-java"
    chmod 755 "$WORK/fake-java"
    if adhoc local "pid=$D_PID backlog=64 java_executable=$WORK/fake-java"; then fail "garbage accepted"; fi
    expect_failed_with local "returned no JSON result (rc=3)" "fake java broke"
    expect_eq "$(result local .module_stdout)" "this is not json" "module_stdout"
}

# -- become methods that cannot take stdin -----------------------------------------------

t_su_args_file() {
    local out cache
    cache=$(user_home "$TEST_USER")/.cache/livetune
    rm -rf "$cache"
    start_daemon su "$TEST_USER"
    out=$(adhoc_text su_user "pid=$D_PID state=listen local_port=$D_PORT backlog=300" -vvv 2>&1)
    printf '%s\n' "$out"
    expect_contains "$out" "CHANGED" "status"
    expect_contains "$out" "lt_args=/" "args file used"
    expect_eq "$(ss_backlog "$D_PORT")" 300 "backlog (ss Send-Q)"
    expect_eq "$(stat -c %U "$cache/$SHA/livetune-executor.jar")" "$TEST_USER" "jar owner (su user's cache)"
}

# Under sudo's requiretty the first task learns that stdin cannot pass (sudo refuses
# without a tty) and falls back to an args file; the next task of the run goes there
# directly. converge.yml has two livetune tasks.
# With an empty cache, the jar goes there as the arguments do: transferred to ansible's
# remote tmp dir (sftp), not on stdin.
t_requiretty() {
    local vars
    wait_for_archive "$ROOT_CACHE/$SHA"
    rm -rf "${ROOT_CACHE:?}/$SHA"
    start_daemon requiretty
    mapfile -t vars < <(daemon_vars)
    pb converge.yml -e target=ssh_tty "${vars[@]}" -vvv
    expect_eq "$(recap_changed "$PB_OUT" ssh_tty)" 2 "changed tasks"
    expect_eq "$(count_lines "$PB_OUT" "b'sudo: sorry, you must have a tty")" 1 "refusals by sudo"
    expect_eq "$(count_lines "$PB_OUT" "PUT .*livetune-executor.jar")" 1 "jar transfers (sftp, no stdin)"
    expect_eq "$(count_lines "$PB_OUT" "livetune: sending livetune-executor.jar")" 0 "jars sent on stdin"
    cmp "$JAR" "$ROOT_CACHE/$SHA/livetune-executor.jar"
    expect_eq "$(ss_backlog "$D_PORT")" 1024 "backlog (ss Send-Q)"
    expect_eq "$(daemon_opt "$D_PORT" udp_so_rcvbuf)" 524288 "UDP SO_RCVBUF by the daemon"
}

# Hosts that share one target machine start at once on an empty cache: both install the
# jar (temp name, rename) and dump a CDS archive without tripping over each other.
t_concurrent_first_use() {
    local d=$ROOT_CACHE/$SHA
    rm -rf "$ROOT_CACHE"
    start_daemon concurrent
    adhoc 'local:ssh_root' "pid=$D_PID state=listen local_port=$D_PORT backlog=700" --forks 2
    expect_eq "$(result local '.failed // false')" false "local failed"
    expect_eq "$(result ssh_root '.failed // false')" false "ssh_root failed"
    expect_eq "$(ss_backlog "$D_PORT")" 700 "backlog (ss Send-Q)"
    cmp "$JAR" "$d/livetune-executor.jar"
    wait_for_archive "$d"
    expect_eq "$(find "$d" -name '.upload.*' -o -name '*.jsa.*' | wc -l)" 0 "leftovers"
    expect_eq "$(find "$d" -name 'cds-*.jsa' | wc -l)" 1 "CDS archives"
}
