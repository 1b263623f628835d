#!/bin/bash
# `make demo`: a daemon that set its listen backlog (20) and SO_RCVBUF (4096) once, at
# start-up, gets them raised while it runs, by an Ansible playbook. Shown with `ss`
# before and after; the playbook's second run changes nothing. The daemon is stopped at
# the end (also on failure or Ctrl-C).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export ANSIBLE_CONFIG=$ROOT/ansible.cfg
export ANSIBLE_RETRY_FILES_ENABLED=false PYTHONDONTWRITEBYTECODE=1

TCP_PORT=${DEMO_TCP_PORT:-18580}
UDP_PORT=${DEMO_UDP_PORT:-18581}
STATE=$(mktemp -d "${TMPDIR:-/tmp}/livetune-demo.XXXXXX")
PIDFILE=$STATE/tunable_server.pid
DAEMON=tests/daemons/tunable_server.py

if [ -t 1 ]; then B=$'\033[1m' G=$'\033[32m' N=$'\033[0m'; else B='' G='' N=''; fi
say()   { printf '\n%s>>> %s%s\n' "$B" "$*" "$N"; }
shown() { printf '%s$ %s%s\n' "$G" "$*" "$N"; "$@"; }

stop_daemon() {
    if [ -s "$PIDFILE" ]; then
        local pid; pid=$(cat "$PIDFILE")
        say "Stopping the daemon (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        # gone = no such process, or a zombie (a detached daemon's zombie waits for pid 1)
        alive() { grep -q '^State:[[:space:]]*[^Z[:space:]]' "/proc/$pid/status" 2>/dev/null; }
        for _ in $(seq 50); do alive || break; sleep 0.1; done
        if alive; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -rf "$STATE"
}
trap stop_daemon EXIT
trap 'exit 130' INT TERM

show_sockets() {
    shown ss -ltnm "sport = :$TCP_PORT"
    shown ss -lunm "sport = :$UDP_PORT"
    printf '%s$ %s%s\n' "$G" "$DAEMON --port $TCP_PORT --ask OPTS   # the daemon's own getsockopt" "$N"
    python3 "$DAEMON" --port "$TCP_PORT" --ask OPTS | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("  pid %(pid)s  tcp listener: so_rcvbuf=%(so_rcvbuf)s so_keepalive=%(so_keepalive)s   udp: so_rcvbuf=%(udp_so_rcvbuf)s" % d)'
}

cat <<TXT
${B}livetune demo${N}
A daemon hard-codes listen(fd, 20) and SO_RCVBUF 4096 at start-up. It cannot be
restarted. livetune raises both while it keeps running: Send-Q of a listening socket
in 'ss' is its backlog; rb in skmem is its receive buffer (the kernel doubles it, and
clamps it to net.core.rmem_max = $(sysctl -n net.core.rmem_max); somaxconn = $(sysctl -n net.core.somaxconn)).
TXT

say "Starting the daemon: backlog 20, SO_RCVBUF 4096, TCP :$TCP_PORT and UDP :$UDP_PORT"
python3 "$DAEMON" --port "$TCP_PORT" --udp-port "$UDP_PORT" --backlog 20 --rcvbuf 4096 \
    --pidfile "$PIDFILE" --ready-file "$STATE/ready" --log "$STATE/daemon.log" --daemonize
PID=$(cat "$PIDFILE")
echo "daemon pid $PID"

say "BEFORE"
show_sockets

PB=(ansible-playbook -i "localhost," -c local demo/raise-backlog.yml
    -e "demo_pidfile=$PIDFILE" -e "demo_tcp_port=$TCP_PORT" -e "demo_udp_port=$UDP_PORT")

say "Running the playbook (with --diff)"
shown "${PB[@]}" --diff

say "AFTER: same pid, new backlog and buffers"
show_sockets
[ "$(cat "$PIDFILE")" = "$PID" ] && kill -0 "$PID" && echo "  (still pid $PID: never restarted)"

say "Running the playbook again: nothing left to change"
shown "${PB[@]}" | tee "$STATE/second.log"
if sed -n '/^PLAY RECAP/,$p' "$STATE/second.log" | grep -q ' changed=0 '; then
    printf '\n%s=> second run: changed=0%s\n' "$B" "$N"
else
    echo "=> second run reported changes (unexpected)" >&2
    exit 1
fi
