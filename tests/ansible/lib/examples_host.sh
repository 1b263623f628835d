#!/usr/bin/env bash
# The host that the modules' EXAMPLES are written for, for real, in namespaces of its own:
#
#   unshare --pid --fork --mount-proc --net --mount examples_host.sh PLAYBOOK CGROUP_NAME
#
# Its own process table (only the processes below: `process: nginx` finds ours alone, and
# a process can be given pid 1234), its own network (ports 80, 514 and 8080 on lo are ours),
# its own /run and /opt. The services of the examples run there, started the way their
# init system would, from a copy of tests/daemons/tunable_server.py (myapp: legacy_server.c):
#
#   rsyslog.service          rsyslogd: UDP and TCP 514
#   myapp.service            myapp (a small C server): TCP 8080, without CAP_IPC_LOCK, soft
#                            RLIMIT_MEMLOCK 64 kB, pidfile /run/myapp.pid, one client connected
#   nginx                    nginx: TCP 80, one client connected
#   trading-gateway.service  trading-gateway
#   pid 1234                 tunable: TCP and UDP (made pid 1234 through ns_last_pid)
#   java -jar /opt/broker/broker.jar   a real JVM running a jar that waits
#   my-optional-daemon       not running (the example tolerates that)
#   redis-server.service     Debian's redis-server, not running until an example restarts it
#                            (through the unit's preload drop-in: its backlog is the example's)
#
# Each service has its unit file in this host's own /etc/systemd/system, where the drop-ins of
# preload_wrapper and persist: true go; the preload library and wrappers go to its own
# /usr/local/lib/livetune and /usr/local/bin.
#
# Each unit's processes are in a cgroup named after it (CGROUP_NAME/UNIT), as systemd puts
# them, in the hierarchy livetune reads (name=systemd, or cgroup2). Then PLAYBOOK runs
# (ansible-playbook -c local, the json callback; result in $WORK/examples/result.json)
# and the services are checked with tools that are not livetune's (ss, /proc, the daemons'
# own getsockopt). Prints what it checks; exits non-zero on the first failure. Everything
# dies with the namespace; the caller removes the cgroups.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=common.sh
. "$HERE/lib/common.sh"
playbook=$1
cgname=$2
: "${WORK:?}"
REPO=$(cd "$HERE/../.." && pwd -P)
SERVER="$REPO/tests/daemons/tunable_server.py"

[ "$$" = 1 ] || fail "run me as the first process of a new pid namespace (unshare --pid --fork --mount-proc)"

# -- the filesystem: own /run and /opt; the checkout and the work dir stay visible ---------
mount --make-rprivate /
for d in /run /opt; do
    mkdir -p "$d"
    mount -t tmpfs -o mode=0755 tmpfs "$d"
done
for p in "$REPO" "$WORK"; do
    case $p/ in
        /run/* | /opt/*) fail "$p is under /run or /opt, which this host replaces" ;;
    esac
done
ip link set lo up
# What preload_wrapper and persist: true write (unit drop-ins, the library, a wrapper) goes
# to this host's own copies of those directories, never to the machine's.
for d in /etc/systemd/system /usr/local/lib/livetune /usr/local/bin; do
    mkdir -p "$d"
    mount -t tmpfs -o mode=0755 tmpfs "$d"
done

# unit_file UNIT EXECSTART...: the unit file systemd would have for UNIT
unit_file() {
    local unit=$1
    shift
    printf '[Unit]\nDescription=%s of the EXAMPLES host\n\n[Service]\nExecStart=%s\n' "$unit" "$*" \
        >"/etc/systemd/system/$unit"
}

# -- cgroups: a unit's processes are in a cgroup named after it ----------------------------
cg_base=$(findmnt -n -t cgroup -o TARGET,OPTIONS | awk '$2 ~ /(^|,)name=systemd(,|$)/ {print $1; exit}')
[ -n "$cg_base" ] || cg_base=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[ -n "$cg_base" ] || fail "no name=systemd or cgroup2 hierarchy mounted"
CG="$cg_base/$cgname"
mkdir -p "$CG"
log "unit cgroups under $CG"

# systemd as far as the examples need it: its canary (ansible's service module and the
# executor then take this host for a systemd one) and a systemctl that starts units from
# their files, drop-ins included, in their cgroups (examples_systemctl.sh)
mkdir -p /run/systemd/system
cp "$HERE/lib/examples_systemctl.sh" /usr/local/bin/systemctl
export EXAMPLES_CGROUP="$CG"

# start_unit UNIT COMMAND...: COMMAND runs in UNIT's cgroup (joined before exec, as systemd does)
start_unit() {
    local unit=$1
    shift
    mkdir -p "$CG/$unit"
    # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
    sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$unit" "$@"
}

# install_service NAME: /opt/NAME/bin/NAME runs the daemon, and its process is called NAME
# (the kernel names a process after the file it executes: a symlink to python3 will do)
install_service() {
    mkdir -p "/opt/$1/bin"
    cp "$SERVER" "/opt/$1/tunable_server.py"
    ln -s "$(readlink -f /usr/bin/python3)" "/opt/$1/bin/$1"
}

# daemon_args NAME [RUNDIR]: the command that starts /opt/NAME/bin/NAME, daemonized, ready
# file and log in RUNDIR (default /run)
daemon_args() {
    local run=${2:-/run}
    printf '%s\n' "/opt/$1/bin/$1" "/opt/$1/tunable_server.py" --daemonize --ready-file "$run/$1.ready" \
        --log "$run/$1.log" --backlog 20 --rcvbuf 4096
}

ready_pid() {
    wait_until 15 "$1 ready" test -s "/run/$1.ready"
    cat "/run/$1.ready"
}

client() { # PORT: a client that connects and stays connected
    python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"PING\n"); s.recv(16)
time.sleep(100000)' "$1" &
}

established() { [ -n "$(ss -Htn state established "sport = :$1")" ]; }

# rsyslogd, syslog over UDP and TCP 514
install_service rsyslogd
mapfile -t args < <(daemon_args rsyslogd)
unit_file rsyslog.service "${args[@]}" --port 514 --udp-port 514
start_unit rsyslog.service "${args[@]}" --port 514 --udp-port 514
RSYSLOG=$(ready_pid rsyslogd)

# myapp on 8080: a small legacy C server (tests/daemons/legacy_server.c: listen(fd, 20) in
# its code), without CAP_IPC_LOCK (systemd: CapabilityBoundingSet=~CAP_IPC_LOCK) and with a
# soft RLIMIT_MEMLOCK of 64 kB (limits.conf: soft memlock 64), under the 8 MiB hard limit
# that systemd gives services; a pidfile written for it (start-stop-daemon --make-pidfile);
# a client connected
mkdir -p /opt/myapp/bin
gcc -O2 -o /opt/myapp/bin/myapp "$REPO/tests/daemons/legacy_server.c"
unit_file myapp.service /opt/myapp/bin/myapp 8080
# the legacy server that preload_wrapper's EXAMPLES start through a wrapper
mkdir -p /opt/legacy/bin
cp /opt/myapp/bin/myapp /opt/legacy/bin/server
mkdir -p "$CG/myapp.service"
# (start_unit's steps, inline: a function run with & would be a subshell, and $! its pid)
# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/myapp.service" \
    prlimit --memlock=65536: setpriv --bounding-set -ipc_lock /opt/myapp/bin/myapp 8080 </dev/null >/dev/null 2>&1 &
MYAPP=$!
wait_until 10 "myapp listening" port_listening 8080
echo "$MYAPP" >/run/myapp.pid
client 8080
wait_until 10 "a client of myapp" established 8080

# nginx on 80, a client connected
install_service nginx
mapfile -t args < <(daemon_args nginx)
"${args[@]}" --port 80
unit_file nginx.service "${args[@]}" --port 80
NGINX=$(ready_pid nginx)
client 80
wait_until 10 "a client of nginx" established 80

# trading-gateway.service
install_service trading-gateway
mapfile -t args < <(daemon_args trading-gateway)
start_unit trading-gateway.service "${args[@]}" --port 9000
unit_file trading-gateway.service "${args[@]}" --port 9000
# redis-server.service, Debian's program (installed, not running: the examples only write its drop-in)
unit_file redis-server.service /usr/bin/redis-server --port 6379 --bind 127.0.0.1 --dir /run --save ""
GATEWAY=$(ready_pid trading-gateway)

# pid 1234: the next pid this namespace hands out is made 1234
install_service tunable
echo 1233 >/proc/sys/kernel/ns_last_pid
/opt/tunable/bin/tunable /opt/tunable/tunable_server.py --port 7000 --udp-port 7001 --ready-file /run/tunable.ready \
    --log /run/tunable.log &
[ "$!" = 1234 ] || fail "the pid-1234 daemon got pid $!"
wait_until 15 "pid 1234 ready" test -s /run/tunable.ready

# a broker: a real JVM running /opt/broker/broker.jar, which waits
mkdir -p /opt/broker/src
cat >/opt/broker/src/Broker.java <<'EOF'
public class Broker {
    public static void main(String[] args) throws Exception {
        java.net.ServerSocket server = new java.net.ServerSocket(61616, 50, java.net.InetAddress.getLoopbackAddress());
        System.out.println("ready");
        System.out.flush();
        while (true) {
            server.accept().close();
        }
    }
}
EOF
printf 'Main-Class: Broker\n' >/opt/broker/src/manifest.txt
javac -d /opt/broker/src /opt/broker/src/Broker.java
jar cfm /opt/broker/broker.jar /opt/broker/src/manifest.txt -C /opt/broker/src Broker.class
(cd / && exec java -Xms16m -Xmx32m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=32m -jar /opt/broker/broker.jar \
    >/run/broker.log 2>&1) &
BROKER=$!
wait_until 30 "the broker listening" port_listening 61616

log "services: rsyslogd $RSYSLOG, myapp $MYAPP, nginx $NGINX, trading-gateway $GATEWAY, pid 1234, broker $BROKER"
ps -eo pid,user,comm,args | sed 's/^/  /' >&2

# -- the examples ----------------------------------------------------------------------------
rc=0
ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json \
    ansible-playbook -i "$WORK/inventory" "$playbook" >"$WORK/examples/result.json" || rc=$?
jq -r '.plays[] | .play.name as $p | .tasks[] | [$p, .task.name,
    (.hosts.local | if .failed then "FAILED: " + (.msg // "" | tostring)
                    elif .skipped then "skipped"
                    elif .changed then "changed" else "ok" end)] | join(" | ")' \
    "$WORK/examples/result.json" | sed 's/^/  /' >&2 || cat "$WORK/examples/result.json" >&2
[ "$rc" -eq 0 ] || fail "the EXAMPLES playbook failed (rc=$rc)"

# -- what they did, seen by tools that are not livetune's ------------------------------------
vmlck() { awk '/^VmLck:/ {print $2}' "/proc/$1/status"; }
opts() { python3 "$SERVER" --port "$1" --ask OPTS; }

expect_eq "$(ss -Hltn 'sport = :8080' | awk '{print $3}')" 4096 "myapp's backlog (ss Send-Q)"
expect_eq "$(opts 514 | jq -r '.udp_so_rcvbuf >= 16777216')" true "rsyslogd's UDP SO_RCVBUF >= 16 MiB (its own getsockopt)"
expect_eq "$(opts 7000 | jq -c '[.so_dontroute, .udp_so_dontroute]')" "[1,1]" "pid 1234's SO_DONTROUTE, TCP and UDP (its own getsockopt)"
expect_eq "$(vmlck "$GATEWAY")" 0 "trading-gateway's VmLck after 'Unlock it again'"
[ "$(vmlck "$MYAPP")" -gt 0 ] || fail "myapp has nothing locked (VmLck)"
log "ok: myapp VmLck $(vmlck "$MYAPP") kB, soft RLIMIT_MEMLOCK raised to $(prlimit --pid "$MYAPP" --memlock --noheadings --output=SOFT) bytes"
[ "$(vmlck "$NGINX")" -gt 0 ] || fail "nginx has nothing locked (VmLck)"
log "ok: nginx VmLck $(vmlck "$NGINX") kB (its code)"
[ "$(vmlck "$BROKER")" -gt 0 ] || fail "the broker has nothing locked (VmLck)"
log "ok: broker VmLck $(vmlck "$BROKER") kB (its reservations too), $(awk '/^VmRSS:/ {print $2}' "/proc/$BROKER/status") kB resident"
port_listening 61616 || fail "the broker stopped listening"
python3 -c 'import socket; socket.create_connection(("127.0.0.1", 61616), timeout=5).close()' ||
    fail "the broker no longer accepts connections"
log "ok: the locked broker still accepts connections"

redis=$(cat /run/examples-units/redis-server.service.pid 2>/dev/null || true)
[ -n "$redis" ] || fail "the example did not (re)start redis-server.service"
wait_until 15 "redis-server listening" port_listening 6379
grep -q liblivetune_preload.so "/proc/$redis/maps" || fail "redis-server runs without the preload library"
expect_eq "$(ss -Hltn 'sport = :6379' | awk '{print $3}' | head -n 1)" 4096 \
    "redis-server's backlog from its first listen() (ss Send-Q), as the unit's drop-in says"

