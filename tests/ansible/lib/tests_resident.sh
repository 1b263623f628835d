# shellcheck shell=bash disable=SC2034 # WRAP (lib/ansible.sh), set here, is read by adhoc
# The resident executor of run.sh (docs/resident-executor.md): livetune_resident_executor=true
# makes a cold task start a resident JVM that serves the next tasks of that target user. Each
# test runs in its own subshell (run_test). What is checked comes from outside livetune: the
# resident's pid and command line from /proc, its socket with `test -S`, the daemon's own
# getsockopt, and results compared with a cold run's.

RESIDENT_ON=(-e livetune_resident_executor=true)

# resident_pids: the residents of the installed jar (their command line names its cache directory)
resident_pids() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "/$SHA/livetune-executor.jar resident --dir " &&
            printf '%s\n' "${p#/proc/}"
    done
    return 0
}

# resident_with_idle_timeout N: the pid of a resident of the installed jar started with --idle-timeout N
resident_with_idle_timeout() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null <"$p/cmdline" |
            grep -q -- "/$SHA/livetune-executor.jar resident --dir . --warm-up [a-z_]* --idle-timeout $1 \?$" &&
            printf '%s\n' "${p#/proc/}" && return 0
    done
    return 1
}

# stop_residents: every resident of the installed jar, by pid (a test starts from none)
stop_residents() {
    local pid
    for pid in $(resident_pids); do stop_pid "$pid"; done
    [ -z "$(resident_pids)" ] || fail "a resident survived"
}

# served_task HOST ARGS...: one ad hoc task with the resident on, at -vvvv (which adds the
# result's `resident` key), the verbose lines on stderr so that stdout stays JSON
served_task() {
    local host=$1 args=$2
    shift 2
    ANSIBLE_VERBOSE_TO_STDERR=1 adhoc "$host" "$args" "${RESIDENT_ON[@]}" -vvvv "$@" 2>>"$WORK/vvvv.log"
}

# the module's own keys of the last result: what a resident and a cold run must agree on
module_keys() {
    result "$1" '| {changed, failed, msg, warnings, sockets, vanished}'
}

# t_resident HOST [USER]: cold run starts a resident (as USER, default root); the next task is
# served by it, the same result as cold; the ssh/sudo session ended with the task; a killed
# resident means a cold start
t_resident() {
    local host=$1 user=${2:-root} args pid rdir cold served
    WRAP=(timeout 120) # a session kept open by the resident would hang the task: fail instead
    stop_residents
    start_daemon "resident-$host" "$user"
    args="pid=$D_PID local_port=$D_PORT options={\"so_rcvbuf\":65536}"

    served_task "$host" "$args"
    expect_eq "$(result "$host" .changed)" true "first task (cold) changed"
    expect_eq "$(result "$host" '.resident // "cold"')" cold "first task ran cold"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 131072 "so_rcvbuf (the daemon's getsockopt)"
    wait_until 30 "a resident is started" test -n "$(resident_pids)"
    pid=$(resident_pids)
    rdir=$(readlink "/proc/$pid/cwd")
    wait_until 30 "the resident's socket" test -S "$rdir/s"
    expect_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" " resident --dir . --warm-up socket_option --idle-timeout 60" "its command line: warmed up with the first task's module"
    expect_eq "$(stat -c '%a %U' "$(readlink "/proc/$pid/cwd")")" "700 $user" "its directory's mode and owner"
    expect_eq "$(stat -c '%U' "/proc/$pid")" "$user" "the resident's user"

    : >"$WORK/vvvv.log"
    served_task "$host" "$args"
    expect_eq "$(result "$host" .resident.pid)" "$pid" "the second task was served by the resident (its pid)"
    # every test host has ansible_python_interpreter=/usr/bin/python3 (lib/hosts.sh): the
    # client runs on it, not on whatever python3 comes first on the target's PATH
    expect_contains "$(cat "$WORK/vvvv.log")" "livetune: asking the resident executor through /usr/bin/python3" \
        "the client's Python is ansible's"
    expect_eq "$(result "$host" .changed)" false "second task unchanged"
    served=$(module_keys "$host")
    adhoc "$host" "$args"
    expect_eq "$(result "$host" '.resident // "cold"')" cold "variable off: cold"
    cold=$(module_keys "$host")
    expect_eq "$served" "$cold" "the resident's result = the cold run's"

    kill -KILL "$pid"
    wait_until 10 "the resident killed" process_gone "$pid"
    test -S "$rdir/s" || fail "SIGKILL leaves a stale socket"
    served_task "$host" "$args"
    expect_eq "$(result "$host" '.failed // false')" false "after the resident was killed: not failed"
    expect_eq "$(result "$host" '.resident // "cold"')" cold "after the resident was killed: a cold start"
    wait_until 30 "a new resident" test -n "$(resident_pids)"
    [ "$(resident_pids)" != "$pid" ] || fail "the killed resident is still listed"
    stop_residents
}

# t_resident_planted HOW: a resident directory not ours alone (owner, mode) is never used:
# the task runs cold and no resident starts there
t_resident_planted() {
    local how=$1 pid dir planted
    MODULE=$INFO_MODULE # reads only
    stop_residents
    start_daemon "resident-planted-$how"
    served_task local "pid=$D_PID state=listen"
    wait_until 30 "a resident is started" test -n "$(resident_pids)"
    pid=$(resident_pids)
    dir=$(readlink "/proc/$pid/cwd")
    wait_until 30 "the resident's socket" test -S "$dir/s"
    stop_pid "$pid"
    on_exit "rm -rf '$dir'"
    case $how in
        owner) chown "$TEST_USER" "$dir" ;;
        mode) chmod 755 "$dir" ;;
    esac
    # a socket someone planted there, with a listener that would take the task
    python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(600)' \
        "$dir/s" &
    planted=$!
    on_exit "stop_pid $planted"
    wait_until 10 "the planted socket" test -S "$dir/s"
    served_task local "pid=$D_PID state=listen"
    expect_eq "$(result local '.failed // false')" false "the task succeeds"
    expect_eq "$(result local '.resident // "cold"')" cold "it ran cold"
    served_task local "pid=$D_PID state=listen"
    expect_eq "$(result local '.resident // "cold"')" cold "and again cold"
    expect_eq "$(resident_pids)" "" "no resident was started in the planted directory"
    # the next tests start residents there again
    stop_pid "$planted"
    rm -rf -- "$dir"
}

# t_resident_off: without the variable no resident is ever started
t_resident_off() {
    MODULE=$INFO_MODULE # reads only
    stop_residents
    start_daemon resident-off
    adhoc local "pid=$D_PID state=listen"
    adhoc ssh_user "pid=$D_PID state=listen"
    adhoc local "pid=$D_PID state=listen" -e livetune_resident_executor=false
    expect_eq "$(result local '.failed // false')" false "the tasks succeed"
    expect_eq "$(resident_pids)" "" "no resident process"
}

# t_resident_idle: livetune_resident_idle_timeout makes it exit; a bad value is refused
t_resident_idle() {
    local pid
    MODULE=$INFO_MODULE # reads only
    stop_residents
    start_daemon resident-idle
    served_task local "pid=$D_PID state=listen" -e livetune_resident_idle_timeout=2
    # found by its command line in one read: it lives only 2 s
    wait_until 30 "a resident with --idle-timeout 2" resident_with_idle_timeout 2
    pid=$(resident_with_idle_timeout 2)
    wait_until 30 "the resident exits when idle" process_gone "$pid"
    served_task local "pid=$D_PID state=listen" -e livetune_resident_idle_timeout=soon || true
    expect_failed_with local "livetune_resident_idle_timeout: must be a whole number of seconds >= 1, got 'soon'"
}

# fake_resident DIR MODE: a stand-in for the resident on DIR/s (the real client.py stays
# beside it). MODE lost: accepts the task, reads the client's "go", then closes without an
# answer (a resident killed mid-task). MODE hung: accepts connections and never answers.
fake_resident() {
    rm -f -- "$1/s" # a resident that was killed may leave it
    python3 - "$1/s" "$2" <<'PY' &
import socket, sys, time
server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen()
while True:
    conn, _ = server.accept()
    if sys.argv[2] == 'hung':
        time.sleep(600)
    stream = conn.makefile('rb')
    length = int(stream.readline().split()[3])
    stream.read(length)
    conn.sendall(b'accepted\n')
    stream.readline()  # go
    stream.close()  # the file holds the socket open too
    conn.close()
PY
    FAKE=$!
    on_exit "stop_pid $FAKE"
    wait_until 10 "the fake resident's socket" test -S "$1/s"
}

# t_resident_lost: an answer lost after the resident accepted the task fails the task as
# "outcome unknown", never runs it again cold; a resident that does not accept within 5 s
# means a cold start
t_resident_lost() {
    local pid dir args
    stop_residents
    start_daemon resident-lost
    args="pid=$D_PID local_port=$D_PORT options={\"so_rcvbuf\":65536}"
    served_task local "$args"
    wait_until 30 "a resident is started" test -n "$(resident_pids)"
    pid=$(resident_pids)
    dir=$(readlink "/proc/$pid/cwd")
    wait_until 30 "the resident's socket" test -S "$dir/s"
    stop_pid "$pid"

    fake_resident "$dir" lost
    served_task local "pid=$D_PID local_port=$D_PORT options={\"so_rcvbuf\":32768}" || true
    expect_failed_with local "the resident executor (pid $FAKE) accepted the task but its answer was lost" \
        "the outcome is unknown, so the task was not run again" "livetune_resident_executor: false"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 131072 "not run again cold: so_rcvbuf (the daemon's getsockopt)"
    stop_pid "$FAKE"

    fake_resident "$dir" hung
    served_task local "pid=$D_PID local_port=$D_PORT options={\"so_rcvbuf\":32768}"
    expect_eq "$(result local '.failed // false')" false "a hung resident: the task ran cold"
    expect_eq "$(result local '.resident // "cold"')" cold "it ran cold"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 65536 "so_rcvbuf 32768 read back doubled (the daemon's getsockopt)"
    stop_pid "$FAKE"
    rm -f -- "$dir/s"
}
