# shellcheck shell=bash disable=SC2034 # MODULE (lib/ansible.sh), set here, is read by adhoc
# The socket_info tests of run.sh. Like lib/tests.sh: each runs in its own subshell
# (run_test) with errexit on, so setting MODULE here stays in the test. Every value the
# module reports is checked against a reader that is not livetune: ss, the daemon's own
# getsockopt (its OPTS / CONNOPTS answers), /proc.

INFO_MODULE=livetune.process.socket_info

# info_socket HOST PROTOCOL PORT: the socket of the last ad hoc result bound to local PORT
info_socket() {
    result "$1" ".sockets | map(select(.protocol == \"$2\" and (.local | endswith(\":$3\")))) | .[0]"
}

# ss_inode PORT: the inode of the TCP listener on PORT, as ss -e shows it
ss_inode() {
    ss -Hltne "sport = :$1" | grep -o 'ino:[0-9]*' | head -n 1 | cut -d: -f2
}

# expect_listener_read HOST: the last ad hoc result holds the daemon's TCP listener and UDP
# socket, and every value checked agrees with ss and the daemon's own getsockopt
expect_listener_read() {
    local host=$1 tcp udp
    expect_eq "$(result "$host" '.failed // false')" false "failed"
    expect_eq "$(result "$host" .changed)" false "changed"
    tcp=$(info_socket "$host" tcp "$D_PORT")
    udp=$(info_socket "$host" udp "$D_UDP_PORT")
    [ "$tcp" != null ] || fail "no TCP listener on port $D_PORT in the result"
    [ "$udp" != null ] || fail "no UDP socket on port $D_UDP_PORT in the result"
    expect_eq "$(jq -r .state <<<"$tcp")" listen "state"
    expect_eq "$(jq -r .family <<<"$tcp")" ipv4 "family"
    expect_eq "$(jq -r .backlog <<<"$tcp")" "$(ss_backlog "$D_PORT")" "backlog = ss Send-Q"
    expect_eq "$(jq -r .inode <<<"$tcp")" "$(ss_inode "$D_PORT")" "inode = ss ino"
    expect_eq "$(jq -r .options.so_rcvbuf <<<"$tcp")" "$(daemon_opt "$D_PORT" so_rcvbuf)" \
        "options.so_rcvbuf = the daemon's getsockopt"
    expect_eq "$(jq -r .options.so_rcvbuf <<<"$tcp")" "$(ss_rcvbuf "$D_PORT")" "options.so_rcvbuf = ss skmem rb"
    expect_eq "$(jq -r .options.so_keepalive <<<"$tcp")" \
        "$([ "$(daemon_opt "$D_PORT" so_keepalive)" = 0 ] && echo false || echo true)" \
        "options.so_keepalive = the daemon's getsockopt"
    expect_eq "$(jq -r .options.tcp_maxseg <<<"$tcp")" "$(daemon_opt "$D_PORT" tcp_maxseg)" \
        "options.tcp_maxseg = the daemon's getsockopt"
    expect_eq "$(jq -r .options.tcp_congestion <<<"$tcp")" "$(cat /proc/sys/net/ipv4/tcp_congestion_control)" \
        "options.tcp_congestion = net.ipv4.tcp_congestion_control"
    expect_eq "$(jq -c '.owners | map(.pid)' <<<"$tcp")" "[$D_PID]" "owners' pids"
    expect_eq "$(jq -r '.owners[0].fd' <<<"$tcp")" \
        "$(find "/proc/$D_PID/fd" -lname "socket:\[$(ss_inode "$D_PORT")\]" -printf '%f\n')" "owners[0].fd (/proc/PID/fd)"
    expect_eq "$(jq -r .netns <<<"$tcp")" "$(readlink "/proc/$D_PID/ns/net")" "netns (/proc/PID/ns/net)"
    expect_eq "$(jq -r '.notes // "none"' <<<"$tcp")" none "notes"
    expect_eq "$(jq -r .state <<<"$udp")" unconn "UDP state"
    expect_eq "$(jq -r .options.so_rcvbuf <<<"$udp")" "$(daemon_opt "$D_PORT" udp_so_rcvbuf)" \
        "UDP options.so_rcvbuf = the daemon's getsockopt"
    expect_eq "$(jq -r '.options | has("tcp_nodelay")' <<<"$udp")" false "UDP options lack tcp_nodelay"
    expect_eq "$(jq -r '.options | has("so_broadcast")' <<<"$udp")" true "UDP options have so_broadcast"
}

# -- ad hoc ------------------------------------------------------------------------------

# java_spy: a java_executable that records the executor's stdin in $WORK/spied.json and
# runs the real java (for -c local: what the action plugin sent)
java_spy() {
    local java
    java=$(readlink -f "$(command -v java)")
    cat >"$WORK/java-spy" <<EOF
#!/bin/sh
case " \$* " in
    *" ansible "*) tee "$WORK/spied.json" | exec "$java" "\$@" ;;
    *) exec "$java" "\$@" ;;
esac
EOF
    chmod 755 "$WORK/java-spy"
    printf '%s\n' "$WORK/java-spy"
}

# t_info_adhoc HOST [--check]: the daemon's listening sockets, ad hoc, as HOST sees them
t_info_adhoc() {
    local host=$1 extra=""
    shift
    MODULE=$INFO_MODULE
    start_daemon "info-adhoc-$host$(printf '%s' "$*" | tr -c '[:lower:]' '-')"
    if [ "$host" = local ]; then extra=" java_executable=$(java_spy)"; fi
    adhoc "$host" "pid=$D_PID state=listen$extra" "$@"
    expect_eq "$(result "$host" '.sockets | length')" 2 "sockets (TCP listener + UDP)"
    expect_listener_read "$host"
    expect_eq "$(result "$host" .msg)" "2 socket(s) in 1 process(es)" "msg"
    if [ "$host" = local ]; then
        # the executor ran, and was told whether this is check mode
        expect_eq "$(jq -c '{pid, state, _check_mode}' "$WORK/spied.json")" \
            "{\"pid\":\"$D_PID\",\"state\":\"listen\",\"_check_mode\":$([ "${1:-}" = --check ] && echo true || echo false)}" \
            "arguments the executor got"
    fi
}

# What socket_option changes, socket_info reads back (and ss agrees).
t_info_after_option() {
    start_daemon info-after-option
    MODULE=livetune.process.socket_option
    adhoc local "pid=$D_PID state=listen local_port=$D_PORT backlog=333 option=so_keepalive value=true"
    expect_eq "$(result local .changed)" true "socket_option changed"
    adhoc local "pid=$D_PID protocol=udp option=so_rcvbuf value=100000"
    MODULE=$INFO_MODULE
    adhoc local "pid=$D_PID state=listen"
    expect_eq "$(ss_backlog "$D_PORT")" 333 "backlog (ss Send-Q)"
    expect_listener_read local
    expect_eq "$(info_socket local tcp "$D_PORT" | jq -r .backlog)" 333 "backlog"
    expect_eq "$(info_socket local tcp "$D_PORT" | jq -r .options.so_keepalive)" true "options.so_keepalive"
    expect_eq "$(info_socket local udp "$D_UDP_PORT" | jq -r .options.so_rcvbuf)" 200000 "UDP options.so_rcvbuf"
}

# An established connection: both ends listed, each by its own process, with the
# options the daemon reads on its side (CONNOPTS), the diagnostics, and the queues.
t_info_established() {
    local client_pid cport conn mine
    MODULE=$INFO_MODULE
    start_daemon info-established
    # a client that holds one connection, asks the daemon for its side's options, and waits
    python3 - "$D_PORT" "$WORK/client.json" <<'EOF' &
import json, os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b"CONNOPTS\n")
line = s.makefile().readline()
tmp = sys.argv[2] + ".tmp"
with open(tmp, "w") as f:
    json.dump({"port": s.getsockname()[1], "server": json.loads(line)}, f)
os.rename(tmp, sys.argv[2])
time.sleep(120)
EOF
    client_pid=$!
    on_exit "kill $client_pid"
    wait_until 10 "the client's connection" test -s "$WORK/client.json"
    cport=$(jq -r .port "$WORK/client.json")

    adhoc local "pid=$D_PID state=established remote_port=$cport"
    expect_eq "$(result local '.sockets | length')" 1 "the daemon's side"
    conn=$(result local '.sockets[0]')
    expect_eq "$(jq -r .state <<<"$conn")" established "state"
    expect_eq "$(jq -r .local <<<"$conn")" "127.0.0.1:$D_PORT" "local"
    expect_eq "$(jq -r .remote <<<"$conn")" "127.0.0.1:$cport" "remote"
    expect_eq "$(jq -r .options.so_rcvbuf <<<"$conn")" "$(jq -r .server.so_rcvbuf "$WORK/client.json")" \
        "options.so_rcvbuf = the daemon's getsockopt on its side"
    expect_eq "$(jq -r .options.tcp_nodelay <<<"$conn")" \
        "$([ "$(jq -r .server.tcp_nodelay "$WORK/client.json")" = 0 ] && echo false || echo true)" \
        "options.tcp_nodelay = the daemon's getsockopt on its side"
    expect_eq "$(jq -c .diagnostics <<<"$conn")" "[]" "diagnostics of a healthy connection"
    expect_eq "$(jq -r 'has("backlog")' <<<"$conn")" false "no backlog on a connection"
    expect_eq "$(jq -r '.options | has("tcp_maxseg")' <<<"$conn")" false "no listener-only options on a connection"
    expect_eq "$(jq -r .inode <<<"$conn")" \
        "$(ss -Htne "sport = :$D_PORT and dport = :$cport" | grep -o 'ino:[0-9]*' | cut -d: -f2)" "inode = ss ino"

    adhoc local "pid=$client_pid protocol=tcp"
    mine=$(result local '.sockets[0]')
    expect_eq "$(result local '.sockets | length')" 1 "the client's side"
    expect_eq "$(jq -r .remote <<<"$mine")" "127.0.0.1:$D_PORT" "client remote"
    expect_eq "$(jq -r .options.tcp_nodelay <<<"$mine")" true "client options.tcp_nodelay (the client set it)"
    expect_eq "$(jq -r '.owners[0].pid' <<<"$mine")" "$client_pid" "client owners[0].pid"
}

# A listener shared across fork: listed once, with both processes as owners.
t_info_shared() {
    local parent child
    MODULE=$INFO_MODULE
    python3 - "$WORK/shared.json" <<'EOF' &
import json, os, socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(11)
child = os.fork()
if child == 0:
    time.sleep(120)
    os._exit(0)
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    json.dump({"port": s.getsockname()[1], "parent": os.getpid(), "child": child, "fd": s.fileno()}, f)
os.rename(tmp, sys.argv[1])
time.sleep(120)
EOF
    on_exit "kill $!"
    wait_until 10 "the forked listener" test -s "$WORK/shared.json"
    parent=$(jq -r .parent "$WORK/shared.json")
    child=$(jq -r .child "$WORK/shared.json")
    on_exit "kill $child"
    adhoc local "cmdline=$WORK/shared.json state=listen"
    expect_eq "$(result local '.sockets | length')" 1 "sockets"
    expect_eq "$(result local '.sockets[0].owners | map(.pid) | sort | map(tostring) | join(" ")')" \
        "$(printf '%s\n' "$parent" "$child" | sort -n | tr '\n' ' ' | sed 's/ $//')" "owners: parent and child"
    expect_eq "$(result local '.sockets[0].backlog')" 11 "backlog"
    expect_eq "$(result local '.sockets[0].backlog')" "$(ss_backlog "$(jq -r .port "$WORK/shared.json")")" "backlog = ss Send-Q"
}

# A non-root user without become lists everything: its own processes are read, the others
# are named in the warnings, nothing fails.
t_info_nonroot_all() {
    local root_pid own_pid own_port warnings tcp
    MODULE=$INFO_MODULE
    start_daemon info-nonroot-root
    root_pid=$D_PID
    start_daemon info-nonroot-own "$TEST_USER"
    own_pid=$D_PID own_port=$D_PORT
    adhoc ssh_user_nobecome ""
    expect_eq "$(result ssh_user_nobecome '.failed // false')" false "failed"
    expect_eq "$(result ssh_user_nobecome .changed)" false "changed"
    warnings=$(result ssh_user_nobecome '.warnings | join("\n")')
    expect_contains "$warnings" "pid $root_pid (python3): its sockets cannot be listed" "warnings"
    expect_contains "$warnings" "pid 1 (" "warnings"
    expect_not_contains "$warnings" "pid $own_pid " "warnings"
    tcp=$(info_socket ssh_user_nobecome tcp "$own_port")
    [ "$tcp" != null ] || fail "the user's own daemon is not listed"
    expect_eq "$(jq -r '.owners[0].pid' <<<"$tcp")" "$own_pid" "own daemon's owners[0].pid"
    expect_eq "$(jq -r .backlog <<<"$tcp")" "$(ss_backlog "$own_port")" "own daemon's backlog = ss Send-Q"
    expect_eq "$(jq -r .options.so_rcvbuf <<<"$tcp")" "$(daemon_opt "$own_port" so_rcvbuf)" \
        "own daemon's options.so_rcvbuf = its getsockopt"
    # every listed socket is held by the user's own processes only
    result ssh_user_nobecome '.sockets | [.[].owners[].pid] | unique | .[]' >"$WORK/owner-pids"
    while read -r p; do
        [ ! -e "/proc/$p" ] || expect_eq "$(stat -c %U "/proc/$p")" "$TEST_USER" "owner of listed pid $p"
    done <"$WORK/owner-pids"

    # one root process, named: listed as a warning without strict, a clear failure with it
    adhoc ssh_user_nobecome "pid=$root_pid"
    expect_eq "$(result ssh_user_nobecome '.failed // false')" false "failed (pid of root's daemon)"
    expect_eq "$(result ssh_user_nobecome '.sockets | length')" 0 "sockets (pid of root's daemon)"
    expect_contains "$(result ssh_user_nobecome '.warnings | join("\n")')" "pid $root_pid " "warnings"
    if adhoc ssh_user_nobecome "pid=$root_pid strict=true"; then fail "strict: root's daemon read by a user"; fi
    expect_failed_with ssh_user_nobecome "permission denied" "become"
    expect_eq "$(result ssh_user_nobecome .changed)" false "changed (strict failure)"
}

# -- playbooks ---------------------------------------------------------------------------

# t_info_playbook HOST [pipelining_off] [ANSIBLE OPTIONS...]: register then assert
# (playbooks/socket_info.yml); with --check the same data and the same asserts
t_info_playbook() {
    local host=$1 vars
    shift
    if [ "${1:-}" = pipelining_off ]; then
        export ANSIBLE_PIPELINING=False
        shift
    fi
    start_daemon "info-playbook-$host$(printf '%s' "$*" | tr -c '[:lower:]' '-')"
    mapfile -t vars < <(daemon_vars)
    vars+=(-e "expected_backlog=$(ss_backlog "$D_PORT")"
        -e "expected_rcvbuf=$(daemon_opt "$D_PORT" so_rcvbuf)"
        -e "expected_udp_rcvbuf=$(daemon_opt "$D_PORT" udp_so_rcvbuf)"
        -e "expected_inode=$(ss_inode "$D_PORT")"
        -e "gone_pid=$(cat /proc/sys/kernel/pid_max)")
    pb socket_info.yml -e "target=$host" "${vars[@]}" "$@"
    expect_contains "$PB_OUT" "check mode: $(case " $* " in *" --check "*) echo True ;; *) echo False ;; esac)" "the play's mode"
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 0 "changed tasks"
    expect_contains "$PB_OUT" "$host" "recap"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*failed=\([0-9]*\).*/\1/p" | tail -n 1)" 0 "failed tasks"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*ignored=\([0-9]*\).*/\1/p" | tail -n 1)" 2 "ignored failures (the two error tasks)"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*skipped=\([0-9]*\).*/\1/p" | tail -n 1)" 0 "skipped tasks"
    expect_untouched
}

# become su cannot pass stdin on: the arguments go through an args file, and the su user
# reads its own daemon
t_info_su() {
    local out
    MODULE=$INFO_MODULE
    start_daemon info-su "$TEST_USER"
    out=$(adhoc_text su_user "pid=$D_PID state=listen" -vvv 2>&1)
    printf '%s\n' "$out"
    expect_contains "$out" "lt_args=/" "args file used"
    adhoc su_user "pid=$D_PID state=listen"
    expect_listener_read su_user
}
