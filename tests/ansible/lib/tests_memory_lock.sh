# shellcheck shell=bash disable=SC2034 # MODULE (lib/ansible.sh), set here, is read by adhoc
# The memory_lock tests of run.sh. Like lib/tests.sh: each runs in its own subshell
# (run_test) with errexit on, so setting MODULE here stays in the test. The targets are
# real processes the tests start (sleep, tunable_server, a threaded Python process that
# answers on a pipe); what the module did is checked with readers that are not livetune:
# /proc/PID/status (VmLck), /proc/PID/smaps (each mapping's VmFlags `lo`),
# /proc/PID/limits, and the targets' own answers.

LOCK_MODULE=livetune.process.memory_lock

# mem_facts PID: PID's locked memory as the kernel shows it, read here from /proc; one JSON
# object. A mapping is lockable unless mlock(2) leaves it alone (mm/mlock.c: VM_IO,
# VM_PFNMAP, VM_DONTEXPAND, VM_MIXEDMAP, hugetlb; and the [vsyscall] page).
mem_facts() {
    python3 - "$1" <<'EOF'
import json
import sys

pid = sys.argv[1]
NEVER = {"io", "pf", "de", "mm", "ht"}


def read_status():
    status = {}
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return status


def read_smaps():
    mappings, current = [], None
    with open("/proc/%s/smaps" % pid) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            if not fields[0].endswith(":"):  # a header: start-end perms offset dev inode [path]
                current = {"path": fields[5] if len(fields) > 5 else "", "kb": {}}
            elif fields[0] == "VmFlags:":
                current["flags"] = set(fields[1:])
                mappings.append(current)
            elif len(fields) == 3 and fields[2] == "kB":
                current["kb"][fields[0][:-1]] = int(fields[1])
    return mappings


# a reading of smaps during which the mappings did not change (VmLck and VmSize the same
# before and after it), so that the two agree
for _ in range(50):
    status = read_status()
    mappings = read_smaps()
    again = read_status()
    if all(status.get(k) == again.get(k) for k in ("VmLck", "VmSize")):
        break


def kb(key):
    return int(status.get(key, "0 kB").split()[0])


lockable = [m for m in mappings if not (m["flags"] & NEVER) and m["path"] != "[vsyscall]"]
code = [m for m in lockable if "ex" in m["flags"]]
other = [m for m in lockable if "ex" not in m["flags"]]
locked = [m for m in lockable if "lo" in m["flags"]]
print(json.dumps({
    "vmlck": kb("VmLck"),
    "vmsize": kb("VmSize"),
    "state": status["State"].split()[0],
    "tracer": int(status["TracerPid"]),
    "mappings": len(lockable),
    "locked_mappings": len(locked),
    "lockable_rss_kb": sum(m["kb"].get("Rss", 0) for m in lockable),
    "locked_size_kb": sum(m["kb"]["Size"] for m in locked),
    "unlocked_resident_kb": sum(m["kb"].get("Rss", 0) for m in lockable if "lo" not in m["flags"]),
    "code_mappings": len(code),
    "code_kb": sum(m["kb"]["Size"] for m in code),
    "code_locked": sum("lo" in m["flags"] for m in code),
    "other_locked": sum("lo" in m["flags"] for m in other),
}))
EOF
}

mem_fact() { # PID KEY
    mem_facts "$1" | jq -r ".$2"
}

# expect_all_locked PID: every lockable mapping is locked, VmLck is their size and covers
# every resident page of them
expect_all_locked() {
    local facts
    facts=$(mem_facts "$1")
    log "memory of pid $1: $facts"
    [ "$(jq .vmlck <<<"$facts")" -gt 0 ] || fail "VmLck of pid $1 is 0"
    expect_eq "$(jq .locked_mappings <<<"$facts")" "$(jq .mappings <<<"$facts")" "locked mappings (smaps lo) = lockable mappings"
    expect_eq "$(jq .unlocked_resident_kb <<<"$facts")" 0 "resident kB outside locked mappings"
    expect_eq "$(jq .vmlck <<<"$facts")" "$(jq .locked_size_kb <<<"$facts")" "VmLck = size of the locked mappings"
    jq -e '.vmlck >= .lockable_rss_kb' <<<"$facts" >/dev/null || fail "VmLck does not cover the resident memory: $facts"
}

expect_unlocked() { # PID
    expect_eq "$(mem_fact "$1" vmlck)" 0 "VmLck of pid $1"
    expect_eq "$(mem_fact "$1" locked_mappings)" 0 "locked mappings (smaps lo) of pid $1"
}

# expect_running PID: neither stopped nor traced (the injection left it as it was)
expect_running() {
    local facts
    facts=$(mem_facts "$1")
    case $(jq -r .state <<<"$facts") in
        S | R | D) log "ok: pid $1 is running" ;;
        *) fail "pid $1 is in state $(jq -r .state <<<"$facts")" ;;
    esac
    expect_eq "$(jq .tracer <<<"$facts")" 0 "TracerPid of pid $1"
}

# memlock_limit PID soft|hard: RLIMIT_MEMLOCK in bytes, from /proc/PID/limits
memlock_limit() {
    awk -v col="$([ "$2" = soft ] && echo 4 || echo 5)" '/^Max locked memory/ {print $col}' "/proc/$1/limits"
}

# start_sleeper [USER] [MEMLOCK]: a `sleep 3600` as USER (default root), with RLIMIT_MEMLOCK
# soft:hard MEMLOCK if given. Sets T_PID; stopped at exit. setpriv and prlimit exec the
# program, so $! is the sleep itself.
start_sleeper() {
    local user=${1:-root} memlock=${2:-}
    local cmd=(sleep 3600)
    if [ "$user" != root ]; then cmd=(setpriv --reuid="$user" --regid="$user" --init-groups "${cmd[@]}"); fi
    if [ -n "$memlock" ]; then cmd=(prlimit --memlock="$memlock" "${cmd[@]}"); fi
    "${cmd[@]}" </dev/null >/dev/null 2>&1 &
    T_PID=$!
    on_exit "stop_pid $T_PID"
    wait_until 10 "sleep $T_PID running" grep -qx sleep "/proc/$T_PID/comm"
    log "target: sleep, pid $T_PID, user $user${memlock:+, memlock $memlock}"
}

# -- ad hoc ------------------------------------------------------------------------------

# t_lock_adhoc HOST: lock a sleep (root's), again (unchanged), unlock, again (unchanged)
t_lock_adhoc() {
    local host=$1
    MODULE=$LOCK_MODULE
    start_sleeper
    expect_unlocked "$T_PID"

    adhoc "$host" "pid=$T_PID state=locked"
    expect_eq "$(result "$host" '.failed // false')" false "failed"
    expect_eq "$(result "$host" .changed)" true "changed"
    expect_eq "$(result "$host" .msg)" "locked 1 of 1 process(es) (scope all)" "msg"
    expect_eq "$(result "$host" '.processes | length')" 1 "processes"
    expect_eq "$(result "$host" '.processes[0] | "\(.pid) \(.name) \(.changed) \(.state) \(.scope)"')" \
        "$T_PID sleep true locked all" "pid name changed state scope"
    expect_eq "$(result "$host" '.processes[0].before.locked_kb')" 0 "before.locked_kb"
    expect_eq "$(result "$host" '.processes[0].before.mappings_locked')" 0 "before.mappings_locked"
    expect_all_locked "$T_PID"
    expect_eq "$(result "$host" '.processes[0].after.locked_kb')" "$(mem_fact "$T_PID" vmlck)" "after.locked_kb = VmLck"
    expect_eq "$(result "$host" '.processes[0].after | "\(.mappings_locked)/\(.mappings)"')" \
        "$(mem_facts "$T_PID" | jq -r '"\(.locked_mappings)/\(.mappings)"')" "after.mappings_locked/mappings = smaps"
    expect_eq "$(result "$host" '.processes[0].limit_raised')" false "limit_raised (root has CAP_IPC_LOCK)"
    expect_running "$T_PID"

    adhoc "$host" "pid=$T_PID state=locked"
    expect_eq "$(result "$host" .changed)" false "changed, second run"
    expect_eq "$(result "$host" .msg)" "all 1 process(es) (scope all) already locked" "msg, second run"
    expect_all_locked "$T_PID"

    adhoc "$host" "pid=$T_PID state=unlocked"
    expect_eq "$(result "$host" .changed)" true "changed (unlock)"
    expect_eq "$(result "$host" '.processes[0].after.locked_kb')" 0 "after.locked_kb (unlock)"
    expect_unlocked "$T_PID"

    adhoc "$host" "pid=$T_PID state=unlocked"
    expect_eq "$(result "$host" .changed)" false "changed, second unlock"
    expect_running "$T_PID"
}

# --check changes nothing and predicts what the kernel will report; --diff shows it; a
# drift check fails until the process is locked
t_lock_check_diff() {
    local predicted mappings out
    MODULE=$LOCK_MODULE
    start_sleeper
    adhoc local "pid=$T_PID" --check
    expect_eq "$(result local .changed)" true "changed (would lock)"
    expect_eq "$(result local .msg)" "would lock 1 of 1 process(es) (scope all)" "msg"
    expect_eq "$(result local '.processes[0].after.rss_kb')" null "after.rss_kb in check mode (not predicted)"
    predicted=$(result local '.processes[0].after.locked_kb')
    mappings=$(result local '.processes[0].after.mappings')
    expect_eq "$(result local '.processes[0].after.mappings_locked')" "$mappings" "after.mappings_locked in check mode"
    expect_unlocked "$T_PID"

    out=$(adhoc_text local "pid=$T_PID" --check --diff)
    printf '%s\n' "$out"
    expect_contains "$out" "-locked_kb: 0" "diff"
    expect_contains "$out" "+locked_kb: $predicted" "diff"
    expect_contains "$out" "+mappings_locked: $mappings/$mappings" "diff"
    expect_contains "$out" "CHANGED" "ad hoc status"
    expect_unlocked "$T_PID"

    if adhoc local "pid=$T_PID" --check -e livetune_fail_on_drift=true; then fail "drift did not fail the task"; fi
    expect_failed_with local "drift (livetune_fail_on_drift)" "would lock"
    expect_unlocked "$T_PID"

    adhoc local "pid=$T_PID"
    expect_eq "$(mem_fact "$T_PID" vmlck)" "$predicted" "VmLck = what check mode predicted"
    adhoc local "pid=$T_PID" --check -e livetune_fail_on_drift=true
    expect_eq "$(result local '.failed // false')" false "no drift once locked"
    expect_eq "$(result local .changed)" false "changed (check mode, locked)"

    adhoc local "pid=$T_PID state=unlocked" --check
    expect_eq "$(result local .changed)" true "changed (would unlock)"
    expect_eq "$(result local '.processes[0].after.locked_kb')" 0 "after.locked_kb (would unlock)"
    expect_eq "$(mem_fact "$T_PID" vmlck)" "$predicted" "VmLck after --check unlock"
}

# scope=text: exactly the executable mappings (the code), nothing else
t_lock_text() {
    local facts
    MODULE=$LOCK_MODULE
    start_sleeper
    adhoc local "pid=$T_PID scope=text"
    expect_eq "$(result local .changed)" true "changed"
    facts=$(mem_facts "$T_PID")
    log "memory: $facts"
    [ "$(jq .code_mappings <<<"$facts")" -gt 0 ] || fail "no executable mappings found in smaps"
    expect_eq "$(jq .vmlck <<<"$facts")" "$(jq .code_kb <<<"$facts")" "VmLck = size of the executable mappings"
    expect_eq "$(jq .code_locked <<<"$facts")" "$(jq .code_mappings <<<"$facts")" "executable mappings locked"
    expect_eq "$(jq .other_locked <<<"$facts")" 0 "other mappings locked"
    expect_eq "$(result local '.processes[0].after | "\(.mappings_locked)/\(.mappings)"')" \
        "$(jq -r '"\(.code_mappings)/\(.code_mappings)"' <<<"$facts")" "after.mappings_locked/mappings (scope text)"
    expect_eq "$(result local '.processes[0].after.locked_kb')" "$(jq .vmlck <<<"$facts")" "after.locked_kb = VmLck"

    adhoc local "pid=$T_PID scope=text"
    expect_eq "$(result local .changed)" false "changed, second run"

    # scope all locks the rest; then text is still locked (unchanged)
    adhoc local "pid=$T_PID scope=all"
    expect_eq "$(result local .changed)" true "changed (scope all after text)"
    expect_all_locked "$T_PID"
    adhoc local "pid=$T_PID scope=text"
    expect_eq "$(result local .changed)" false "scope text, already locked by scope all"

    # unlocking the code leaves the rest locked
    adhoc local "pid=$T_PID scope=text state=unlocked"
    expect_eq "$(result local .changed)" true "changed (unlock text)"
    facts=$(mem_facts "$T_PID")
    expect_eq "$(jq .code_locked <<<"$facts")" 0 "executable mappings locked after unlocking text"
    expect_eq "$(jq .locked_mappings <<<"$facts")" "$(jq '.mappings - .code_mappings' <<<"$facts")" "other mappings still locked"
    adhoc local "pid=$T_PID state=unlocked"
    expect_unlocked "$T_PID"
    expect_running "$T_PID"
}

# Several processes by cmdline; each one's result on its own
t_lock_several() {
    local tag=livetune-lock-several-$$ a b
    MODULE=$LOCK_MODULE
    (exec -a "$tag" sleep 3600) </dev/null >/dev/null 2>&1 &
    a=$!
    (exec -a "$tag" sleep 3600) </dev/null >/dev/null 2>&1 &
    b=$!
    on_exit "stop_pid $a"
    on_exit "stop_pid $b"
    wait_until 10 "both targets" grep -qx sleep "/proc/$a/comm" "/proc/$b/comm"
    wait_until 10 "both targets' argv" grep -q "$tag" "/proc/$a/cmdline" "/proc/$b/cmdline"
    adhoc local "cmdline=^$tag scope=text"
    expect_eq "$(result local .msg)" "locked 2 of 2 process(es) (scope text)" "msg"
    expect_eq "$(result local '.processes | map(.pid) | sort | map(tostring) | join(" ")')" \
        "$(printf '%s\n' "$a" "$b" | sort -n | tr '\n' ' ' | sed 's/ $//')" "pids"
    expect_eq "$(mem_fact "$a" vmlck)" "$(mem_fact "$a" code_kb)" "VmLck of the first"
    expect_eq "$(mem_fact "$b" vmlck)" "$(mem_fact "$b" code_kb)" "VmLck of the second"
    adhoc local "pid=$a scope=text state=unlocked"
    adhoc local "cmdline=^$tag scope=text"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(result local .msg)" "locked 1 of 2 process(es) (scope text)" "msg, one already locked"
    expect_eq "$(result local ".processes | map(select(.changed)) | map(.pid) | join(\" \")")" "$a" "the one that changed"
}

# -- limits and permissions --------------------------------------------------------------

# A root process WITHOUT CAP_IPC_LOCK and with a soft RLIMIT_MEMLOCK of 1 MiB: the lock
# fails before anything changes (with the sizes), and raise_limit raises the soft limit
# (within the hard one) from outside, then locks.
t_lock_raise_limit() {
    local vmsize soft hard
    MODULE=$LOCK_MODULE
    hard=$(memlock_limit $$ hard)
    # root's, but without CAP_IPC_LOCK (setpriv takes it out of the bounding set)
    prlimit --memlock=1048576: setpriv --bounding-set -ipc_lock sleep 3600 </dev/null >/dev/null 2>&1 &
    T_PID=$!
    on_exit "stop_pid $T_PID"
    wait_until 10 "sleep $T_PID running" grep -qx sleep "/proc/$T_PID/comm"
    [ $(((0x$(awk '/^CapEff:/ {print $2}' "/proc/$T_PID/status") >> 14) & 1)) = 0 ] || fail "the target still has CAP_IPC_LOCK"
    vmsize=$(mem_fact "$T_PID" vmsize)

    if adhoc local "pid=$T_PID"; then fail "locked more than RLIMIT_MEMLOCK allows"; fi
    expect_failed_with local "ENOMEM" "VmSize" "$vmsize kB" "1024 kB" "CAP_IPC_LOCK" "raise_limit: true" "nothing was changed"
    expect_eq "$(result local .changed)" false "changed"
    expect_unlocked "$T_PID"
    expect_eq "$(memlock_limit "$T_PID" soft)" 1048576 "soft limit"

    adhoc local "pid=$T_PID raise_limit=true" --check
    expect_eq "$(result local .changed)" true "changed (would raise and lock)"
    expect_eq "$(result local '.processes[0].limit_raised')" true "limit_raised (check mode)"
    expect_contains "$(result local '.warnings | join("\n")')" "would raise RLIMIT_MEMLOCK of pid $T_PID (sleep) from 1024 kB" "warnings"
    expect_eq "$(memlock_limit "$T_PID" soft)" 1048576 "soft limit after --check"
    expect_unlocked "$T_PID"

    adhoc local "pid=$T_PID raise_limit=true"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(result local '.processes[0].limit_raised')" true "limit_raised"
    expect_contains "$(result local '.warnings | join("\n")')" "raised RLIMIT_MEMLOCK of pid $T_PID (sleep) from 1024 kB" "warnings"
    soft=$(memlock_limit "$T_PID" soft)
    [ "$soft" -ge $((vmsize * 1024)) ] || fail "soft limit $soft is below VmSize ($vmsize kB)"
    expect_eq "$(result local '.processes[0].before.memlock_limit.soft')" 1048576 "before.memlock_limit.soft"
    expect_eq "$(result local '.processes[0].after.memlock_limit.soft')" "$soft" "after.memlock_limit.soft = /proc/PID/limits"
    expect_eq "$(memlock_limit "$T_PID" hard)" "$hard" "hard limit unchanged"
    expect_all_locked "$T_PID"

    adhoc local "pid=$T_PID raise_limit=true"
    expect_eq "$(result local .changed)" false "changed, second run"
    expect_eq "$(result local '.processes[0].limit_raised')" false "limit_raised, second run"
}

# A user locks its own processes without any privilege, within their RLIMIT_MEMLOCK; one
# whose VmSize is above the limit is refused with the sizes; it may not raise its hard limit
t_lock_nonroot_own() {
    local small big vmsize
    MODULE=$LOCK_MODULE
    start_sleeper "$TEST_USER" 4194304:4194304
    small=$T_PID
    adhoc ssh_user_nobecome "pid=$small"
    expect_eq "$(result ssh_user_nobecome '.failed // false')" false "failed"
    expect_eq "$(result ssh_user_nobecome .changed)" true "changed"
    expect_all_locked "$small"

    prlimit --memlock=4194304:4194304 setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
        /usr/bin/python3 -c 'import time; time.sleep(3600)' </dev/null >/dev/null 2>&1 &
    big=$!
    on_exit "stop_pid $big"
    wait_until 10 "python target" grep -qx python3 "/proc/$big/comm"
    vmsize=$(mem_fact "$big" vmsize)
    [ "$vmsize" -gt 4096 ] || fail "the python target is too small for this test (VmSize $vmsize kB)"
    if adhoc ssh_user_nobecome "pid=$big"; then fail "locked more than RLIMIT_MEMLOCK allows"; fi
    expect_failed_with ssh_user_nobecome "ENOMEM" "$vmsize kB" "4096 kB" "raise_limit"
    expect_unlocked "$big"
    if adhoc ssh_user_nobecome "pid=$big raise_limit=true"; then fail "a user raised its hard limit"; fi
    expect_failed_with ssh_user_nobecome "cannot raise RLIMIT_MEMLOCK" "CAP_SYS_RESOURCE"
    expect_eq "$(result ssh_user_nobecome .changed)" false "changed"
    expect_unlocked "$big"
    expect_eq "$(memlock_limit "$big" soft)" 4194304 "soft limit"
    expect_running "$big"
}

# A user may not lock another user's process: the message names become
t_lock_permission_denied() {
    MODULE=$LOCK_MODULE
    start_sleeper # root's
    if adhoc ssh_user_nobecome "pid=$T_PID"; then fail "a non-root user locked a root process"; fi
    expect_failed_with ssh_user_nobecome "permission denied" "become"
    expect_eq "$(result ssh_user_nobecome .changed)" false "changed"
    expect_unlocked "$T_PID"
}

# -- errors ------------------------------------------------------------------------------

t_lock_errors() {
    local gone tracer
    MODULE=$LOCK_MODULE
    gone=$(cat /proc/sys/kernel/pid_max) # pids stay below pid_max: no process has this one
    start_sleeper

    if adhoc local "pid=$gone"; then fail "no such process: succeeded"; fi
    expect_failed_with local "no such process: $gone"
    expect_eq "$(result local .changed)" false "changed"
    if adhoc local "process=livetune-no-such-process"; then fail "no process matched: succeeded"; fi
    expect_failed_with local "no process matched" "missing: ignore"
    if adhoc local "pid=$T_PID state=frozen"; then fail "bad state accepted"; fi
    expect_failed_with local "state: must be one of: locked, unlocked"
    if adhoc local "pid=$T_PID scope=text future=true"; then fail "future with scope text accepted"; fi
    expect_failed_with local "future: only with scope: all"
    if adhoc local "pid=$T_PID state=unlocked onfault=true"; then fail "onfault with unlocked accepted"; fi
    expect_failed_with local "onfault: only with state: locked"
    if adhoc local "pid=$T_PID backlog=5"; then fail "an unknown argument accepted"; fi
    expect_failed_with local "backlog"
    if adhoc local "state=locked"; then fail "no selector accepted"; fi
    expect_failed_with local "exactly one of pid, pidfile, process, cmdline, unit"
    expect_unlocked "$T_PID"

    # already traced: refused, naming the tracer; the tracer keeps it
    python3 -c '
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(0x4206, int(sys.argv[1]), 0, 0) != 0:  # PTRACE_SEIZE
    sys.exit("PTRACE_SEIZE: errno %d" % ctypes.get_errno())
time.sleep(3600)' "$T_PID" &
    tracer=$!
    on_exit "stop_pid $tracer"
    wait_until 10 "the tracer to attach" grep -q "^TracerPid:[[:space:]]*$tracer\$" "/proc/$T_PID/status"
    if adhoc local "pid=$T_PID"; then fail "locked a process that is already traced"; fi
    expect_failed_with local "already being traced by pid $tracer (python3"
    expect_unlocked "$T_PID"
    stop_pid "$tracer"
    wait_until 10 "the tracer to detach" grep -q "^TracerPid:[[:space:]]*0\$" "/proc/$T_PID/status"

    # stopped (SIGSTOP): refused, naming kill -CONT
    kill -STOP "$T_PID"
    wait_until 10 "the target to stop" grep -q '^State:[[:space:]]*T' "/proc/$T_PID/status"
    if adhoc local "pid=$T_PID"; then fail "locked a stopped process"; fi
    expect_failed_with local "is stopped" "kill -CONT $T_PID"
    expect_unlocked "$T_PID"
    expect_eq "$(mem_fact "$T_PID" state)" T "still stopped (not continued by livetune)"
    kill -CONT "$T_PID"

    adhoc local "pid=$T_PID"
    expect_all_locked "$T_PID"
    expect_running "$T_PID"
}

# missing: ignore accepts a service that is not running (as for socket_option): a pattern
# that matches nothing, a pid no process has, a pidfile that does not exist
t_lock_missing_ignore() {
    local gone
    MODULE=$LOCK_MODULE
    gone=$(cat /proc/sys/kernel/pid_max)
    adhoc local "process=livetune-no-such-process missing=ignore"
    expect_eq "$(result local '.failed // false')" false "failed (process)"
    expect_eq "$(result local .changed)" false "changed (process)"
    expect_eq "$(result local '.processes | length')" 0 "processes (process)"
    adhoc local "pid=$gone missing=ignore"
    expect_eq "$(result local '.failed // false')" false "failed (pid)"
    expect_eq "$(result local .changed)" false "changed (pid)"
    adhoc local "pidfile=$WORK/no-such.pid missing=ignore"
    expect_eq "$(result local '.failed // false')" false "failed (pidfile)"
    expect_eq "$(result local .changed)" false "changed (pidfile)"
}

# -- the target still works --------------------------------------------------------------

# tunable_server (a Python server in select()) locked with future=true: it still answers
# over TCP and UDP, what it maps later is locked too, and after unlocking it still answers
# shellcheck disable=SC2153 # D_PID, D_PORT, D_UDP_PORT: set by start_daemon (lib/daemons.sh)
t_lock_daemon_works() {
    local i
    MODULE=$LOCK_MODULE
    start_daemon lock-works
    expect_eq "$(python3 "$TUNABLE_SERVER" --port "$D_PORT" --ask PING)" PONG "PING before"
    adhoc local "pid=$D_PID future=true"
    expect_eq "$(result local .changed)" true "changed"
    expect_contains "$(result local '.warnings | join("\n")')" "future: pid $D_PID (python3) will lock every mapping it creates" "warnings"
    expect_all_locked "$D_PID"
    expect_running "$D_PID"
    expect_eq "$(python3 "$TUNABLE_SERVER" --port "$D_PORT" --ask PING)" PONG "PING after the lock"
    expect_eq "$(python3 "$TUNABLE_SERVER" --udp-port "$D_UDP_PORT" --ask PING)" PONG "UDP PING after the lock"
    expect_eq "$(python3 "$TUNABLE_SERVER" --port "$D_PORT" --ask OPTS | jq -r .pid)" "$D_PID" "the same process answers"
    expect_untouched
    # it keeps working (connections, allocations); with MCL_FUTURE what it maps stays locked
    for i in $(seq 1 30); do
        [ "$(python3 "$TUNABLE_SERVER" --port "$D_PORT" --ask PING)" = PONG ] || fail "PING $i"
    done
    expect_all_locked "$D_PID"
    adhoc local "pid=$D_PID future=true"
    expect_eq "$(result local .changed)" false "changed, second run"

    adhoc local "pid=$D_PID state=unlocked"
    expect_eq "$(result local .changed)" true "changed (unlock)"
    expect_unlocked "$D_PID"
    expect_eq "$(python3 "$TUNABLE_SERVER" --port "$D_PORT" --ask PING)" PONG "PING after the unlock"
    expect_running "$D_PID"
}

threads_are() { # PID N
    [ "$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 | wc -l)" -eq "$2" ]
}

# pipe_ask IN OUT MESSAGE: one line to a pipe_server, its answer line (5 s at most)
pipe_ask() {
    python3 - "$@" <<'EOF'
import os, select, sys
fd_in = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
os.write(fd_in, (sys.argv[3] + "\n").encode())
os.close(fd_in)
fd_out = os.open(sys.argv[2], os.O_RDONLY | os.O_NONBLOCK)
line = b""
while not line.endswith(b"\n"):
    if not select.select([fd_out], [], [], 5)[0]:
        sys.exit("no answer within 5 s")
    line += os.read(fd_out, 4096)
print(line.decode().strip())
EOF
}

# A threaded Python process, one thread blocked in read() on a pipe, the main one in a
# sleep loop: locked, then both threads still work (the read answers, the loop counts on)
t_lock_pipe_target() {
    local in=$WORK/lock-pipe.in out=$WORK/lock-pipe.out pid first second
    MODULE=$LOCK_MODULE
    mkfifo "$in" "$out"
    python3 - "$in" "$out" <<'EOF' >/dev/null 2>&1 &
import os, sys, threading, time
ticks = 0
fd_in = os.open(sys.argv[1], os.O_RDWR)   # O_RDWR: opening never blocks, the pipe stays open
fd_out = os.open(sys.argv[2], os.O_RDWR)


def answer():
    while True:
        data = os.read(fd_in, 4096)  # blocked here between questions
        for line in data.decode().splitlines():
            os.write(fd_out, ("%s %d\n" % (line.upper(), ticks)).encode())


threading.Thread(target=answer, daemon=True).start()
while True:
    time.sleep(0.01)
    ticks += 1
EOF
    pid=$!
    on_exit "stop_pid $pid"
    wait_until 10 "the pipe target's two threads" threads_are "$pid" 2
    expect_contains "$(pipe_ask "$in" "$out" hello)" "HELLO " "answer before the lock"
    adhoc local "pid=$pid"
    expect_eq "$(result local .changed)" true "changed"
    expect_all_locked "$pid"
    expect_running "$pid"
    first=$(pipe_ask "$in" "$out" hello)
    expect_contains "$first" "HELLO " "answer after the lock (the reading thread)"
    sleep 0.3
    second=$(pipe_ask "$in" "$out" again)
    expect_contains "$second" "AGAIN " "second answer"
    [ "${second#AGAIN }" -gt "${first#HELLO }" ] || fail "the main thread stopped counting: $first, then $second"
    log "ok: the main thread counts on ($first, then $second)"
}

# -- playbooks ---------------------------------------------------------------------------

# t_lock_playbook HOST [pipelining_off]: playbooks/memory_lock.yml (check, lock, again,
# errors, unlock, each asserted) against a sleep; VmLck checked here too afterwards
t_lock_playbook() {
    local host=$1
    if [ "${2:-}" = pipelining_off ]; then export ANSIBLE_PIPELINING=False; fi
    start_sleeper
    pb memory_lock.yml -e "target=$host" -e "target_pid=$T_PID" -e "gone_pid=$(cat /proc/sys/kernel/pid_max)"
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 3 "changed tasks (check mode, lock, unlock)"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*failed=\([0-9]*\).*/\1/p" | tail -n 1)" 0 "failed tasks"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*ignored=\([0-9]*\).*/\1/p" | tail -n 1)" 2 "ignored failures (no such process, a bad value)"
    expect_unlocked "$T_PID"
    expect_running "$T_PID"
}
