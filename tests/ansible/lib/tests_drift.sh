# shellcheck shell=bash disable=SC2034 # MODULE (lib/ansible.sh), set here, is read by adhoc
# The drift-check tests of run.sh (docs/drift-checks.md): `--check -e
# livetune_fail_on_drift=true` fails a task whose live state differs from it, and says
# which setting of which socket (or memory scope) of which process on which host, live
# value and wanted value, one line each: in msg (default callback, no --diff), in the
# result's `drift` list, and in ansible.builtin.junit's XML. The changes that cause the
# drift are made outside livetune: by the daemon itself (tunable_server's SET, its own
# setsockopt or listen), and the values are checked with ss and the daemon's getsockopt.

ARROW=$'\u2192'

# daemon_set PORT NAME VALUE: the daemon changes its own socket (tunable_server SET)
daemon_set() {
    python3 "$TUNABLE_SERVER" --port "$1" --ask "SET $2 $3" >/dev/null || fail "the daemon refused SET $2 $3"
}

# socket_fd tcp|udp PORT: the descriptor of the daemon's socket on PORT, as ss -p shows it
socket_fd() {
    local flags=-Hltnp
    [ "$1" = udp ] && flags=-Hlunp
    ss "$flags" "sport = :$2" | grep -o 'fd=[0-9]*' | head -n 1 | cut -d= -f2
}

# drift_line HOST PID TARGET SETTING LIVE WANTED: the line a drift failure shows
drift_line() {
    printf '%s: pid %s (%s), %s: %s live %s %s wanted %s' "$1" "$2" "$(cat "/proc/$2/comm")" "$3" "$4" "$5" "$ARROW" "$6"
}

# check_run PLAYBOOK [OPTIONS...]: a drift check; output in $CHECK_OUT, exit status in $CHECK_RC
check_run() {
    local file=$1
    shift
    CHECK_RC=0
    playbook "$file" --check -e livetune_fail_on_drift=true "$@" >"$WORK/check.out" 2>&1 || CHECK_RC=$?
    CHECK_OUT=$(cat "$WORK/check.out")
    printf '%s\n' "$CHECK_OUT"
}

# recap HOST FIELD: a PLAY RECAP count (ok, changed, failed, ...) of HOST in $CHECK_OUT
recap() {
    printf '%s\n' "$CHECK_OUT" | sed -n "s/^$1 *:.* $2=\([0-9]*\).*/\1/p" | tail -n 1
}

# expect_drift_documented MODULE: the last result's drift entries have exactly the fields
# that the module's RETURN documents for drift (as ansible-doc renders it)
expect_drift_documented() {
    expect_eq "$(result local '.drift[0] | keys | join(" ")')" \
        "$(ansible-doc -t module "$1" -j | jq -r ".[\"$1\"].return.drift.contains | keys | sort | join(\" \")")" \
        "drift entry fields = RETURN drift of $1"
}

# -- ad hoc, socket_option -----------------------------------------------------------------

# --check with livetune_fail_on_drift fails while the live state differs, naming each
# setting; passes once it matches; never changes anything itself
t_drift_check() {
    local args fd target
    start_daemon drift
    fd=$(socket_fd tcp "$D_PORT")
    target="tcp 127.0.0.1:$D_PORT (listen, fd $fd)"
    args="pid=$D_PID state=listen local_port=$D_PORT backlog=300 options='so_rcvbuf=65536 tcp_nodelay=false'"
    if adhoc local "$args" --check -e livetune_fail_on_drift=true; then fail "drift did not fail the task"; fi
    expect_failed_with local "drift (livetune_fail_on_drift)" "would change 1 of 1 socket(s)" "2 setting(s) differ" \
        "$(drift_line local "$D_PID" "$target" backlog 20 300)" \
        "$(drift_line local "$D_PID" "$target" so_rcvbuf 8192 131072)"
    expect_not_contains "$(result local .msg)" "tcp_nodelay" "msg (tcp_nodelay is as asked)"
    expect_eq "$(result local '.drift | map(.setting) | join(" ")')" "backlog so_rcvbuf" "drift settings"
    expect_eq "$(result local '.drift[0] | [.host, .pid, .process, .target, .live, .wanted] | map(tostring) | join("|")')" \
        "local|$D_PID|$(cat "/proc/$D_PID/comm")|$target|20|300" "drift[0]"
    expect_eq "$(result local '.drift[1] | [.live, .wanted] | map(tostring) | join("|")')" "8192|131072" "drift[1] live|wanted"
    expect_drift_documented "$MODULE"
    expect_untouched

    adhoc local "$args" --check
    expect_eq "$(result local ".failed // false")" false "without the variable, check mode only reports"
    expect_eq "$(result local '.drift | length')" 2 "drift list, check mode without the variable"

    adhoc local "$args"
    expect_eq "$(result local '.drift // "none"')" none "no drift list outside check mode"
    expect_eq "$(ss_backlog "$D_PORT")" 300 "backlog after converge (ss Send-Q)"
    adhoc local "$args" --check -e livetune_fail_on_drift=true
    expect_eq "$(result local ".failed // false")" false "no drift once converged"
    expect_eq "$(result local '.drift | length')" 0 "drift list once converged"
}

# -- playbook, default callback, two hosts -------------------------------------------------

# converge_drift_daemon: a daemon converged by playbooks/drift.yml, and a drift check on
# it that passes (nothing drifted yet). Sets the daemon's D_* and DRIFT_VARS.
converge_drift_daemon() {
    start_daemon "$1"
    mapfile -t DRIFT_VARS < <(daemon_vars)
    pb drift.yml -e target=local "${DRIFT_VARS[@]}"
    expect_eq "$(recap_changed "$PB_OUT" local)" 2 "changed tasks, converge"
    check_run drift.yml -e target=local:ssh_root "${DRIFT_VARS[@]}"
    expect_eq "$CHECK_RC" 0 "exit status of the drift check before any drift"
}

# a change made outside livetune (the daemon's own setsockopt) fails the check run, whose
# default output (no --diff) names the host, pid, socket, setting, live and wanted values
t_drift_playbook() {
    local fd target host line
    converge_drift_daemon drift-pb
    fd=$(socket_fd tcp "$D_PORT")
    target="tcp 127.0.0.1:$D_PORT (listen, fd $fd)"

    daemon_set "$D_PORT" so_rcvbuf 4096
    daemon_set "$D_PORT" so_keepalive 0
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 8192 "SO_RCVBUF after the daemon's own setsockopt"
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 0 "SO_KEEPALIVE after the daemon's own setsockopt"

    check_run drift.yml -e target=local:ssh_root "${DRIFT_VARS[@]}"
    expect_eq "$CHECK_RC" 2 "exit status of the drift check (2: a task failed)"
    expect_not_contains "$CHECK_OUT" "--- before" "output (no --diff)"
    for host in local ssh_root; do
        expect_contains "$CHECK_OUT" "fatal: [$host]: FAILED!" "output"
        expect_contains "$CHECK_OUT" "$(drift_line "$host" "$D_PID" "$target" so_rcvbuf 8192 131072)" "output"
        expect_contains "$CHECK_OUT" "$(drift_line "$host" "$D_PID" "$target" so_keepalive false true)" "output"
        expect_eq "$(recap "$host" failed)" 1 "failed tasks of $host"
        expect_eq "$(recap "$host" ok)" 1 "ok tasks of $host (the UDP socket did not drift)"
    done
    expect_not_contains "$CHECK_OUT" "backlog live" "output (the backlog did not drift)"
    expect_not_contains "$CHECK_OUT" "udp 127.0.0.1" "output (the UDP socket did not drift)"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 8192 "SO_RCVBUF after the check (unchanged)"

    # with the callback's YAML result format, each setting is a line of its own
    ANSIBLE_CALLBACK_RESULT_FORMAT=yaml check_run drift.yml -e target=local "${DRIFT_VARS[@]}"
    expect_eq "$CHECK_RC" 2 "exit status, YAML result format"
    for line in "$(drift_line local "$D_PID" "$target" so_rcvbuf 8192 131072)" \
        "$(drift_line local "$D_PID" "$target" so_keepalive false true)"; do
        sed 's/^ *//' "$WORK/check.out" | grep -qxF -- "$line" || fail "not a line of its own: $line"
        log "ok: a line of its own: $line"
    done

    # an unreachable host (nothing listens on its port) as well: exit status 4 wins over 2
    printf 'unreachable ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=%s ansible_user=root\n' \
        "$(free_port)" >"$WORK/unreachable.ini"
    check_run drift.yml -i "$WORK/unreachable.ini" -e target=local:unreachable "${DRIFT_VARS[@]}"
    expect_eq "$(recap unreachable unreachable)" 1 "unreachable count of the unreachable host"
    expect_eq "$(recap local failed)" 1 "failed tasks of local, with an unreachable host"
    expect_eq "$CHECK_RC" 4 "exit status of the drift check with an unreachable host (4)"

    pb drift.yml -e target=local "${DRIFT_VARS[@]}"
    expect_eq "$(recap_changed "$PB_OUT" local)" 1 "changed tasks, converge repairs the drift"
    expect_eq "$(daemon_opt "$D_PORT" so_rcvbuf)" 131072 "SO_RCVBUF after the repair"
    expect_eq "$(daemon_opt "$D_PORT" so_keepalive)" 1 "SO_KEEPALIVE after the repair"
    check_run drift.yml -e target=local:ssh_root "${DRIFT_VARS[@]}"
    expect_eq "$CHECK_RC" 0 "exit status of the drift check after the repair"
    expect_eq "$(recap local failed)" 0 "failed tasks after the repair"
}

# -- ansible.builtin.junit -----------------------------------------------------------------

# junit_check DIR FAILED_TASK PASSED_TASK HOSTS EXPECTED_LINE...: the one XML file in DIR
# has, for each host of HOSTS (space-separated), FAILED_TASK as a failed test case whose
# failure message holds every EXPECTED_LINE (with @HOST@ replaced by the host) and whose
# text holds the result's drift list, and PASSED_TASK as a test case without failure.
junit_check() {
    python3 - "$@" <<'EOF'
import glob
import json
import sys
import xml.etree.ElementTree as ET

directory, failed_task, passed_task, hosts, expected = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5:]
files = glob.glob(directory + "/*.xml")
assert len(files) == 1, "expected one JUnit file in %s, got %s" % (directory, files)
root = ET.parse(files[0]).getroot()
cases = list(root.iter("testcase"))
print("test cases:", [case.get("name") for case in cases])


def case(host, task):
    """The test case of TASK on HOST (its name goes on with the task's arguments, unless
    JUNIT_HIDE_TASK_ARGUMENTS is set)."""
    prefix = "[%s] Drift check: %s" % (host, task)
    found = [c for c in cases if c.get("name") == prefix or c.get("name").startswith(prefix + " ")]
    assert len(found) == 1, "expected one test case %r, got %d" % (prefix, len(found))
    return found[0]


total = sum(len(c.findall("failure")) + len(c.findall("error")) for c in cases)
assert total == len(hosts), "expected %d failed test cases, got %d" % (len(hosts), total)
for host in hosts:
    failed = case(host, failed_task)
    name = failed.get("name")
    failures = failed.findall("failure")
    assert len(failures) == 1, "%s: expected one failure, got %d" % (name, len(failures))
    message, text = failures[0].get("message"), failures[0].text
    for line in expected:
        line = line.replace("@HOST@", host)
        assert line in message, "%s: %r not in the failure message %r" % (name, line, message)
        print("ok: %s: failure message names %s" % (name, line))
    drift = json.loads(text)["drift"]
    assert drift and all(entry["host"] == host for entry in drift), "%s: drift in the failure text: %r" % (name, drift)
    print("ok: %s: failure text holds the drift list %s" % (name, drift))
    passed = case(host, passed_task)
    assert not passed.findall("failure") and not passed.findall("error"), "%s failed" % passed.get("name")
    print("ok: %s passed" % passed.get("name"))
EOF
}

# with Ansible's own junit callback, each drifted task is a failed test case naming the
# setting (what CI systems show); the check after the repair has no failure
t_drift_junit() {
    local fd target
    converge_drift_daemon drift-junit
    fd=$(socket_fd tcp "$D_PORT")
    target="tcp 127.0.0.1:$D_PORT (listen, fd $fd)"
    daemon_set "$D_PORT" backlog 50
    expect_eq "$(ss_backlog "$D_PORT")" 50 "backlog after the daemon's own listen(50) (ss Send-Q)"

    ANSIBLE_CALLBACKS_ENABLED=ansible.builtin.junit JUNIT_OUTPUT_DIR="$WORK/junit1" \
        check_run drift.yml -e target=local:ssh_root "${DRIFT_VARS[@]}"
    expect_eq "$CHECK_RC" 2 "exit status of the drift check"
    junit_check "$WORK/junit1" "Listener backlog, receive buffer and keepalive" "UDP receive buffer" "local ssh_root" \
        "drift (livetune_fail_on_drift)" \
        "$(drift_line @HOST@ "$D_PID" "$target" backlog 50 1024)"

    pb drift.yml -e target=local "${DRIFT_VARS[@]}"
    expect_eq "$(ss_backlog "$D_PORT")" 1024 "backlog after the repair (ss Send-Q)"
    ANSIBLE_CALLBACKS_ENABLED=ansible.builtin.junit JUNIT_OUTPUT_DIR="$WORK/junit2" \
        check_run drift.yml -e target=local:ssh_root "${DRIFT_VARS[@]}"
    expect_eq "$CHECK_RC" 0 "exit status of the drift check after the repair"
    python3 - "$WORK/junit2" <<'EOF'
import glob
import sys
import xml.etree.ElementTree as ET

files = glob.glob(sys.argv[1] + "/*.xml")
assert len(files) == 1, files
cases = list(ET.parse(files[0]).getroot().iter("testcase"))
assert len(cases) == 4, [c.get("name") for c in cases]
bad = [c.get("name") for c in cases if c.findall("failure") or c.findall("error")]
assert not bad, "failed after the repair: %s" % bad
print("ok: %d test cases, none failed" % len(cases))
EOF
}

# -- memory_lock -----------------------------------------------------------------------------

# memory_lock drift names the scope's locked mappings and kB, future and onfault
t_drift_memory_lock() {
    local mappings predicted target
    MODULE=$LOCK_MODULE
    start_sleeper
    mappings=$(mem_fact "$T_PID" mappings)
    target="memory, scope all ($mappings mappings)"

    if adhoc local "pid=$T_PID" --check -e livetune_fail_on_drift=true; then fail "drift did not fail the task"; fi
    predicted=$(result local '.processes[0].after.locked_kb')
    [ "$predicted" -gt 0 ] || fail "predicted locked_kb: $predicted"
    expect_failed_with local "would lock 1 of 1 process(es)" \
        "$(drift_line local "$T_PID" "$target" mappings_locked 0 "$mappings")" \
        "$(drift_line local "$T_PID" "$target" locked_kb 0 "$predicted")"
    expect_eq "$(result local '.drift | map(.setting) | join(" ")')" "locked_kb mappings_locked" "drift settings"
    expect_drift_documented "$LOCK_MODULE"
    expect_unlocked "$T_PID"

    # future asked of a process not locked yet: whether MCL_FUTURE is in force is not asked of
    # the kernel (mlockall runs anyway), so its live value is unknown (null)
    if adhoc local "pid=$T_PID future=true" --check -e livetune_fail_on_drift=true; then fail "drift did not fail the task"; fi
    expect_failed_with local "$(drift_line local "$T_PID" "$target" future unknown true)"
    expect_eq "$(result local '.drift | map(.setting) | join(" ")')" "future locked_kb mappings_locked" "drift settings (future)"
    expect_eq "$(result local '.drift[0].live')" null "drift future live"

    adhoc local "pid=$T_PID"
    expect_all_locked "$T_PID"
    adhoc local "pid=$T_PID" --check -e livetune_fail_on_drift=true
    expect_eq "$(result local '.failed // false')" false "no drift once locked"
    expect_eq "$(result local '.drift | length')" 0 "drift list once locked"

    # locked, but not the way the task asks: with every page in RAM, not on fault
    if adhoc local "pid=$T_PID onfault=true" --check -e livetune_fail_on_drift=true; then fail "onfault drift did not fail"; fi
    expect_failed_with local "$(drift_line local "$T_PID" "$target" onfault false true)"
    expect_eq "$(result local '.drift | length')" 1 "drift entries (onfault)"

    # every mapping locked, but MCL_FUTURE not in force (the probe asks the kernel)
    if adhoc local "pid=$T_PID future=true" --check -e livetune_fail_on_drift=true; then fail "future drift did not fail"; fi
    expect_failed_with local "$(drift_line local "$T_PID" "$target" future false true)"
    expect_eq "$(result local '.drift | length')" 1 "drift entries (future)"
    expect_running "$T_PID"
    expect_all_locked "$T_PID"

    # check mode without the variable: the drift list, no failure
    adhoc local "pid=$T_PID state=unlocked" --check
    expect_eq "$(result local '.failed // false')" false "check mode without the variable"
    expect_eq "$(result local '.drift[] | select(.setting == "mappings_locked") | [.live, .wanted] | map(tostring) | join("|")')" \
        "$mappings|0" "drift mappings_locked (would unlock)"
    expect_eq "$(mem_fact "$T_PID" locked_mappings)" "$mappings" "locked mappings after check mode"

    # raise_limit: the limit that would be raised is named too (a root process without
    # CAP_IPC_LOCK, as in t_lock_raise_limit, with a soft limit too low for the lock)
    prlimit --memlock=65536: setpriv --bounding-set -ipc_lock sleep 3600 </dev/null >/dev/null 2>&1 &
    T_PID=$!
    on_exit "stop_pid $T_PID"
    wait_until 10 "sleep $T_PID running" grep -qx sleep "/proc/$T_PID/comm"
    target="memory, scope all ($(mem_fact "$T_PID" mappings) mappings)"
    if adhoc local "pid=$T_PID raise_limit=true" --check -e livetune_fail_on_drift=true; then fail "drift did not fail the task"; fi
    expect_eq "$(result local '.drift | map(.setting) | map(select(startswith("memlock_limit.soft"))) | length')" 1 \
        "drift memlock_limit.soft entries (raise_limit)"
    expect_eq "$(result local '.drift[] | select(.setting == "memlock_limit.soft") | .live')" "$(memlock_limit "$T_PID" soft)" \
        "drift memlock_limit.soft live = /proc/PID/limits"
    expect_failed_with local \
        "$(drift_line local "$T_PID" "$target" memlock_limit.soft 65536 "$(result local '.processes[0].after.memlock_limit.soft')")"
    expect_eq "$(memlock_limit "$T_PID" soft)" 65536 "RLIMIT_MEMLOCK after check mode (/proc/PID/limits)"
}

# -- docs/drift-checks.md ------------------------------------------------------------------

# every YAML snippet of the page parses; the example playbook (the first) passes
# ansible-playbook --syntax-check with this collection
t_drift_docs() {
    python3 - "$REPO/docs/drift-checks.md" "$WORK/example.yml" <<'EOF'
import re
import sys

import yaml

text = open(sys.argv[1]).read()
blocks = re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)
assert len(blocks) >= 4, "expected the example playbook, a drift entry and the two CI jobs, got %d blocks" % len(blocks)
for block in blocks:
    yaml.safe_load(block)
playbook = yaml.safe_load(blocks[0])
assert isinstance(playbook, list) and "tasks" in playbook[0], "the first yaml block is not the example playbook"
with open(sys.argv[2], "w") as f:
    f.write(blocks[0])
print("ok: %d yaml blocks parse" % len(blocks))
EOF
    ansible-playbook -i localhost, --syntax-check "$WORK/example.yml"
}
