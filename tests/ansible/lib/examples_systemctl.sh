#!/usr/bin/env bash
# systemctl, as much of it as the EXAMPLES host needs (tests/ansible/lib/examples_host.sh):
# that host has no systemd, but its examples restart a unit through ansible.builtin.service
# and write drop-ins that systemd would read. So: daemon-reload (nothing to do: every start
# reads the files again), show UNIT (the properties ansible's systemd module reads), and
# start/stop/restart UNIT: ExecStart= of /etc/systemd/system/UNIT run in the unit's cgroup,
# with the Environment= lines of the unit and of its drop-ins (UNIT.d/*.conf, in order), as
# systemd runs it. The main pid is kept in /run/examples-units/UNIT.pid.
set -euo pipefail
: "${EXAMPLES_CGROUP:?}"
state=/run/examples-units
mkdir -p "$state"

unit_name() { case $1 in *.*) echo "$1" ;; *) echo "$1.service" ;; esac; }
main_pid() { cat "$state/$1.pid" 2>/dev/null || true; }
running() { local pid; pid=$(main_pid "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# the value of KEY= in the unit and its drop-ins (all Environment= lines for Environment)
unit_lines() {
    local unit=$1 key=$2 f
    for f in "/etc/systemd/system/$unit" "/etc/systemd/system/$unit.d"/*.conf; do
        [ -f "$f" ] && sed -n "s/^$key=//p" "$f"
    done
    return 0
}

start() {
    local unit=$1 exec line assignment
    running "$unit" && return 0
    exec=$(unit_lines "$unit" ExecStart | tail -n 1)
    [ -n "$exec" ] || { echo "examples systemctl: $unit has no ExecStart=" >&2; exit 5; }
    local env=()
    while IFS= read -r line; do
        # Environment="A=1" "B=x y" or Environment=A=1: systemd's quoting, as the drop-ins write it
        eval "for assignment in $line; do env+=(\"\$assignment\"); done"
    done < <(unit_lines "$unit" Environment)
    mkdir -p "$EXAMPLES_CGROUP/$unit"
    # shellcheck disable=SC2016,SC2086 # $$ and $@ are the inner shell's; ExecStart is split as words
    env "${env[@]}" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$EXAMPLES_CGROUP/$unit" $exec \
        </dev/null >"$state/$unit.log" 2>&1 &
    echo $! >"$state/$unit.pid"
}

stop() {
    local unit=$1 pid
    pid=$(main_pid "$unit")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done # its own end, as systemd waits for it
    fi
    rm -f "$state/$unit.pid"
}

show() {
    local unit=$1 active=inactive sub=dead load=not-found
    [ -f "/etc/systemd/system/$unit" ] && load=loaded
    if running "$unit"; then active=active sub=running; fi
    printf 'Id=%s\nNames=%s\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=static\nMainPID=%s\n' \
        "$unit" "$unit" "$load" "$active" "$sub" "$(main_pid "$unit" || echo 0)"
}

args=()
for a in "$@"; do case $a in --*) ;; *) args+=("$a") ;; esac; done
command=${args[0]:-}
case $command in
    daemon-reload) ;;
    show) show "$(unit_name "${args[1]}")" ;;
    is-active) running "$(unit_name "${args[1]}")" && echo active || { echo inactive; exit 3; } ;;
    start) start "$(unit_name "${args[1]}")" ;;
    stop) stop "$(unit_name "${args[1]}")" ;;
    restart) stop "$(unit_name "${args[1]}")"; start "$(unit_name "${args[1]}")" ;;
    *) echo "examples systemctl: '$*' is not something this host does" >&2; exit 1 ;;
esac
