# shellcheck shell=bash
# Daemons for the tests to change: tests/daemons/tunable_server.py, which sets its listen
# backlog (20) and SO_RCVBUF (4096) once at start-up, and answers `OPTS` with its own
# getsockopt() readings. Checks use `ss` and that answer: readers that are not livetune.

TUNABLE_SERVER="$REPO/tests/daemons/tunable_server.py"

# start_daemon NAME [USER]: starts one (TCP + UDP on free ports), as USER if given, and
# waits until it is listening (--daemonize returns only then). Sets D_PID, D_PORT,
# D_UDP_PORT; the daemon is stopped at exit.
start_daemon() {
    local name=$1 user=${2:-root} d="$WORK/daemons/$1"
    mkdir -p "$d"
    chmod 755 "$WORK/daemons"
    chown "$user" "$d"
    local cmd=(python3 "$TUNABLE_SERVER" --port 0 --udp-port 0 --backlog 20 --rcvbuf 4096
        --port-file "$d/ports" --ready-file "$d/ready" --log "$d/log" --daemonize)
    if [ "$user" = root ]; then
        "${cmd[@]}"
    else
        runuser -u "$user" -- "${cmd[@]}"
    fi
    wait_until 10 "daemon $name ready" test -s "$d/ready"
    D_PID=$(cat "$d/ready")
    on_exit "stop_pid $D_PID"
    read -r D_PORT D_UDP_PORT <"$d/ports"
    wait_until 10 "daemon $name listening" port_listening "$D_PORT"
    log "daemon $name: pid $D_PID tcp $D_PORT udp $D_UDP_PORT user $user"
}

# Send-Q of a TCP listener is its backlog (ss(8)).
ss_backlog() { # PORT
    ss -Hltn "sport = :$1" | awk '{print $3; exit}'
}

# skmem rb of a TCP listener: the receive buffer the kernel reports.
ss_rcvbuf() { # PORT
    ss -Hltnm "sport = :$1" | grep -o 'rb[0-9]*' | head -n 1 | tr -d rb
}

# The daemon's own getsockopt reading of option $2 on its listening socket.
daemon_opt() { # PORT OPTION
    python3 "$TUNABLE_SERVER" --port "$1" --ask OPTS | jq -r ".$2"
}
