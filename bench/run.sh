#!/bin/bash
# livetune benchmarks (`make bench`). Prints figures against their targets; asserts nothing.
# See bench/README.md for what each figure means.
#
#   (a) per-task wall time: unchanged socket_option vs unchanged ansible.posix.sysctl,
#       same host, same SSH connection (sshd on 127.0.0.1), pipelining on, alternating;
#       and the executor alone vs a bare JVM; each for JDK 17 and JDK 25 where there is one
#   (b) one option applied to 10,000 established TCP connections of one process
#   (c) size of the jar
#   (d) `sockets --all --json` (every option of every socket) vs `ss -tanpie`, 10,000
#       connections held by two processes, alternating runs, median ratio; and the CPU share
#       of `sockets --watch 1` on them
#   (e) target stop per ptrace injection vs gdb, measured inside the target; and (f) a
#       1,000-injection soak into a threaded server under load
#   (g) the LD_PRELOAD shim on 100,000 connect/accept/close cycles vs no preload, with
#       Debian's libkeepalive as the peer (bench/preload_bench.sh)
#   (h) a fleet of 32 sshd targets (bench/lib/fleet.sh), forks 16: a play with one
#       unchanged socket_option task vs the same play with sysctl; first run (jar
#       transferred to every target) and cached
#
# Knobs: BENCH_PAIRS (15), BENCH_CONNS (10000), BENCH_ONLY (e.g. "a c"), BENCH_JAVAS (paths),
#        BENCH_WATCH_READINGS (10),
#        BENCH_PRELOAD_ROUNDS (7), BENCH_PRELOAD_CYCLES (100000),
#        BENCH_FLEET (32 targets), BENCH_FLEET_FORKS (16), BENCH_FLEET_ROUNDS (3).
# Needs root (sshd, remote login as root, 10,000 descriptors) and `make install` done.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export ANSIBLE_CONFIG=$ROOT/ansible.cfg
export ANSIBLE_RETRY_FILES_ENABLED=false PYTHONDONTWRITEBYTECODE=1 ANSIBLE_FORCE_COLOR=0

PAIRS=${BENCH_PAIRS:-15}
CONNS=${BENCH_CONNS:-10000}
ONLY=${BENCH_ONLY:-a b c d e g h}
FLEET=${BENCH_FLEET:-32}
FLEET_FORKS=${BENCH_FLEET_FORKS:-16}
FLEET_ROUNDS=${BENCH_FLEET_ROUNDS:-3}
JAR=$ROOT/build/collections/ansible_collections/livetune/process/files/livetune-executor.jar
[ -f "$JAR" ] || JAR=$ROOT/java-executor/target/livetune-executor.jar
[ -f "$JAR" ] || { echo "bench: no executor jar; run 'make build install' first" >&2; exit 1; }
JAVA=${LIVETUNE_JAVA:-java}
# The JVM flags the action plugin gives the executor on targets, from the file that holds
# them (one per line, # comments), so that every figure below is for the JVM as tasks run it.
LIVETUNE_JVM_FLAGS=$(grep -v -e '^#' -e '^[[:space:]]*$' "$ROOT/ansible_collection/plugins/plugin_utils/jvm.flags" | tr '\n' ' ')
[ -n "$LIVETUNE_JVM_FLAGS" ] || { echo "bench: no flags in plugin_utils/jvm.flags" >&2; exit 1; }
export LIVETUNE_JVM_FLAGS
# The feature release of a java (from its JDK's release file).
java_major() {
    local home
    home=$(readlink -f "$(command -v "$1")")
    sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "${home%/bin/*}/release" 2>/dev/null
}
# The JVMs figure (a) is measured with, where the JVM matters: $JAVA and, when the machine
# has one, the newest JDK 25 or later under /usr/lib/jvm (which gets an ahead-of-time cache
# where older ones get a class-data archive). BENCH_JAVAS="path ..." picks them instead.
if [ -n "${BENCH_JAVAS:-}" ]; then
    read -r -a BENCH_JAVAS <<<"$BENCH_JAVAS"
else
    BENCH_JAVAS=("$JAVA")
    for j in /usr/lib/jvm/*/bin/java; do
        if ! [ -x "$j" ] || ! [ "$(java_major "$j")" -ge 25 ] 2>/dev/null; then continue; fi
        [ "$(readlink -f "$j")" != "$(readlink -f "$(command -v "$JAVA")")" ] || continue
        newest=$j
    done
    [ -z "${newest:-}" ] || BENCH_JAVAS+=("$newest")
fi

STATE=$(mktemp -d "${TMPDIR:-/tmp}/livetune-bench.XXXXXX")
RESULTS=$STATE/results.txt
: >"$RESULTS"
PIDS=()
# shellcheck source=bench/lib/sshd.sh
source "$ROOT/bench/lib/sshd.sh"
# shellcheck source=tests/ansible/lib/machine_lock.sh
source "$ROOT/tests/ansible/lib/machine_lock.sh"

# ansible's ssh ControlPersist masters live here, and are ended with the run
export ANSIBLE_SSH_CONTROL_PATH_DIR=$STATE/cp

cleanup() {
    local p s
    for s in "$STATE"/cp/*; do [ -S "$s" ] && ssh -q -O exit -o ControlPath="$s" x 2>/dev/null; done
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sshd_stop
    [ "$(type -t fleet_stop)" != function ] || fleet_stop
    rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The archive maker that a target's first task starts (executor_run.sh) holds this lock
# until the class-data archive or AOT cache is made.
wait_for_archive_maker() { # CACHE_DIR
    [ -e "$1/.archive.lock" ] && flock -w 600 "$1/.archive.lock" true
    return 0
}
JAR_SHA=$(sha256sum <"$JAR" | cut -d' ' -f1)

section() { printf '\n==== %s ====\n' "$*"; }
result()  { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; } # figure, value, target
want()    { [[ " $ONLY " == *" $1 "* ]]; }

# (a) and (h) use the machine's executor cache, /var/cache/livetune: the fleet's targets
# mount their own caches on it, and an ansible test run removes it (which unmounts those).
# One at a time, as test runs are: wait for a test run to end, and make the next wait.
if want a || want h; then take_machine_lock; fi
errors=0

section "machine"
echo "kernel $(uname -r), $(nproc) cpu(s), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$("$JAVA" -version 2>&1 | head -1)"
echo "(other work on the machine inflates every time below; compare figures of one run)"

# ---------------------------------------------------------------------------------------
if want c; then
    section "(c) jar size"
    bytes=$(stat -c %s "$JAR")
    mib=$(python3 -c "print('%.2f' % ($bytes / 1048576))")
    echo "$JAR: $bytes bytes = $mib MiB"
    result "(c) executor jar size" "$mib MiB" "< 4 MiB"
fi

# ---------------------------------------------------------------------------------------
if want a; then
    section "(a) per task: unchanged socket_option vs unchanged ansible.posix.sysctl, over SSH"
    if ! sshd_start "$STATE/sshd" 127.0.0.1; then
        echo "bench (a): could not start sshd" >&2
        errors=$((errors + 1))
    else
        echo "sshd on $SSHD_ADDR:$SSHD_PORT (pid $SSHD_PID), pipelining on, one ControlMaster connection"
        sshd_inventory "$STATE/inventory" target
        port_a=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        python3 tests/daemons/tunable_server.py --port "$port_a" --backlog 128 --rcvbuf 65536 \
            --pidfile "$STATE/a.pid" --ready-file "$STATE/a.ready" --daemonize
        PIDS+=("$(cat "$STATE/a.pid")")
        somaxconn=$(sysctl -n net.core.somaxconn)
        # Both tasks are unchanged from the first pair on: the daemon already has backlog
        # 128 and SO_RCVBUF 65536; the sysctl keeps its value in a scratch sysctl file.
        python3 - "$STATE/bench-a.yml" "$PAIRS" "$STATE/a.pid" "$port_a" "$somaxconn" "$STATE/sysctl.conf" <<'PY'
import sys
out, pairs, pidfile, port, somaxconn, sysctl_file = sys.argv[1:]
so = """    - name: "socket_option %(i)s"
      livetune.process.socket_option:
        pidfile: "%(pidfile)s"
        protocol: tcp
        state: listen
        local_port: %(port)s
        backlog: 128
        options:
          so_rcvbuf: 65536
"""
sc = """    - name: "sysctl %(i)s"
      ansible.posix.sysctl:
        name: net.core.somaxconn
        value: "%(somaxconn)s"
        sysctl_file: "%(sysctl_file)s"
        sysctl_set: true
        reload: false
"""
lines = ["---", "- name: bench (a)", "  hosts: all", "  gather_facts: false", "  tasks:"]
for i in range(int(pairs) + 1):  # pair 0 warms up (jar transfer, class-data archive, sysctl file)
    d = dict(i=i, pidfile=pidfile, port=port, somaxconn=somaxconn, sysctl_file=sysctl_file)
    first, second = (so, sc) if i % 2 == 0 else (sc, so)  # alternate which one goes first
    lines.append((first % d).rstrip("\n"))
    lines.append((second % d).rstrip("\n"))
open(out, "w").write("\n".join(lines) + "\n")
PY
        # The resident executor (docs/resident-executor.md), opt-in: the same playbook with
        # livetune_resident_executor=true, after two warm-up tasks (the first runs cold and
        # starts the resident; the second is served by it), each JDK its own resident.
        for java in "${BENCH_JAVAS[@]}"; do
            for mode in cold resident; do
                jdk="JDK $(java_major "$java")"
                label=$jdk
                extra=()
                [ "$java" = "$JAVA" ] || extra=(-e "livetune_java=$java")
                if [ "$mode" = resident ]; then
                    extra+=(-e livetune_resident_executor=true)
                    label="$jdk, resident executor"
                fi
                echo
                echo "-- $label ($java): the playbook, socket_option and sysctl alternating"
                # A first task puts the jar on the target and starts the archive maker, which
                # works in the background: wait for it, or the first pairs would run beside it.
                for _ in 1 2; do
                    ansible -i "$STATE/inventory" all -m livetune.process.socket_option "${extra[@]}" \
                        -a "{\"pidfile\": \"$STATE/a.pid\", \"protocol\": \"tcp\", \"state\": \"listen\", \"local_port\": $port_a, \"backlog\": 128}" \
                        >"$STATE/a-warm.log" 2>&1 || { echo "bench (a): the warm-up task failed:" >&2; tail -5 "$STATE/a-warm.log" >&2; }
                    wait_for_archive_maker "/var/cache/livetune/$JAR_SHA"
                done
                if ANSIBLE_CALLBACK_PLUGINS=$ROOT/bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=task_times \
                   LIVETUNE_BENCH_TIMES=$STATE/times.json \
                   ansible-playbook -i "$STATE/inventory" "$STATE/bench-a.yml" "${extra[@]}" >"$STATE/a.log" 2>&1; then
                    python3 - "$STATE/times.json" "$RESULTS" "$label" <<'PY'
import json, statistics, sys
recs = json.load(open(sys.argv[1]))
jdk = sys.argv[3]
so, sc = {}, {}
changed = []
for r in recs:
    kind, i = r["task"].rsplit(" ", 1)
    (so if kind == "socket_option" else sc)[int(i)] = r["seconds"]
    if r["changed"] and int(i) > 0:
        changed.append(r["task"])
pairs = sorted(i for i in so if i in sc and i > 0)
ratios = [so[i] / sc[i] for i in pairs]
print("pair  socket_option  sysctl   ratio")
for i in pairs:
    print("%4d  %10.3f s  %6.3f s  %5.2f" % (i, so[i], sc[i], so[i] / sc[i]))
print("warm-up pair 0 (not counted): socket_option %.3f s, sysctl %.3f s" % (so.get(0, 0), sc.get(0, 0)))
mso = statistics.median(so[i] for i in pairs)
msc = statistics.median(sc[i] for i in pairs)
mr = statistics.median(ratios)
print("median: socket_option %.3f s, sysctl %.3f s; median of per-pair ratios %.2f (%d pairs)"
      % (mso, msc, mr, len(pairs)))
if changed:
    print("NOTE: these tasks reported changed (the figure is not for unchanged tasks):", ", ".join(changed))
with open(sys.argv[2], "a") as f:
    f.write("(a) socket_option / sysctl per task (median ratio), %s\t%.2f  (%.3f s vs %.3f s)\t<= 0.8\n"
            % (jdk, mr, mso, msc))
PY
                else
                    echo "bench (a): the playbook failed ($label):" >&2
                    tail -30 "$STATE/a.log" >&2
                    errors=$((errors + 1))
                fi
            done
        done
        sshd_stop

        # The executor alone, as the action plugin runs it on a target: executor_run.sh
        # installs the jar into the root cache and makes the class-data archive (JDK < 25) or
        # the ahead-of-time cache (JDK >= 25) on a first run; its java command line (printed
        # with lt_debug=1) is then timed alone against a bare `java -cp . Hello` with the same
        # JVM flags, alternating, each with the unchanged socket_option task of the playbook.
        mkdir -p "$STATE/hello"
        printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' \
            >"$STATE/hello/Hello.java"
        printf '{"pidfile": "%s", "protocol": "tcp", "state": "listen", "local_port": %s, "backlog": 128, "options": {"so_rcvbuf": 65536}, "_check_mode": false, "_diff": false, "_verbosity": 0}\n' \
            "$STATE/a.pid" "$port_a" >"$STATE/a-args.json"
        if ! javac --release 11 -d "$STATE/hello" "$STATE/hello/Hello.java"; then
            echo "bench (a): javac could not compile the bare JVM's Hello" >&2
            errors=$((errors + 1))
        else
            for java in "${BENCH_JAVAS[@]}"; do
                jdk="JDK $(java_major "$java")"
                echo
                echo "-- $jdk: the executor alone (JVM flags and archive as the plugin runs it) vs a bare JVM"
                if ! python3 - "$java" "$JAR" "$STATE" "$RESULTS" "$jdk" "$PAIRS" <<'PY'; then
import fcntl, hashlib, os, shlex, shutil, statistics, subprocess, sys, time
java, jar, state, results, jdk, pairs = sys.argv[1:]
java = shutil.which(java) or java  # executor_run.sh takes a path
pairs = int(pairs)
run_sh = open("ansible_collection/plugins/plugin_utils/executor_run.sh").read()
sha = hashlib.sha256(open(jar, "rb").read()).hexdigest()
args = open(os.path.join(state, "a-args.json"), "rb").read()

def executor_run(debug, install=""):
    # what executor.py sends: the lt_* assignments, then the script
    values = dict(lt_sha=sha, lt_module="socket_option", lt_java=java, lt_args="", lt_install=install,
                  lt_debug="1" if debug else "0", lt_jvm_flags=os.environ["LIVETUNE_JVM_FLAGS"].strip())
    cmd = "\n".join("%s=%s" % (k, shlex.quote(v)) for k, v in values.items()) + "\n" + run_sh
    return subprocess.run(["sh", "-c", cmd], input=args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

# As executor.py: the jar is installed only when the cache lacks it (a new jar would void
# the archive made for the old one); the first run starts the maker of the archive or AOT
# cache, in the background: wait until it lets go of its lock.
first = executor_run(False)
if first.stdout.startswith(b"LIVETUNE-STATUS\tneed-jar"):
    first = executor_run(False, install=jar)
try:
    with open("/var/cache/livetune/%s/.archive.lock" % sha) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
except FileNotFoundError:
    pass  # no maker ran: the archive was there already
second = executor_run(True)
line = [l for l in second.stderr.decode().splitlines() if l.startswith("livetune: ")]
if not line or not second.stdout.startswith(b"{"):
    print("the executor did not run: %s %s" % (second.stdout[:300], second.stderr[:300]))
    sys.exit(1)
executor = line[-1][len("livetune: "):].split()
archive = [a for a in executor if a.startswith(("-XX:SharedArchiveFile=", "-XX:AOTCache="))]
flags = os.environ["LIVETUNE_JVM_FLAGS"].split()
hello = [java] + flags + ["-cp", os.path.join(state, "hello"), "Hello"]
print("executor: %s ... ansible socket_option < {unchanged task}" % " ".join(executor[:1] + flags + archive))
print("bare JVM: %s" % " ".join(hello))

def timed(cmd, stdin):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0 or not (p.stdout.startswith(b"{") or p.stdout == b"hello\n"):
        print("a run failed (rc %d): %s %s" % (p.returncode, p.stdout[:200], p.stderr[:300]))
        sys.exit(1)
    return dt

def archive_state():
    path = archive[0].split("=", 1)[1] if archive else None
    return path and os.path.exists(path) and os.stat(path).st_mtime

before = archive_state()
timed(executor, args), timed(hello, b"")  # warm the page cache
ex, bare = [], []
for i in range(pairs):  # alternate, so load on the machine hits both alike
    if i % 2 == 0:
        ex.append(timed(executor, args)); bare.append(timed(hello, b""))
    else:
        bare.append(timed(hello, b"")); ex.append(timed(executor, args))
if archive_state() != before or (archive and not before):
    print("the archive went away or changed while it was measured (another run emptied the cache?)")
    sys.exit(1)
ratio = statistics.median(e / b for e, b in zip(ex, bare))
print("executor median %.3f s (min %.3f), bare JVM median %.3f s (min %.3f); median of per-pair ratios %.2f (%d pairs)"
      % (statistics.median(ex), min(ex), statistics.median(bare), min(bare), ratio, pairs))
with open(results, "a") as f:
    f.write("    executor alone / bare JVM (same flags), %s\t%.2f  (%.3f s vs %.3f s)\t<= 2.5\n"
            % (jdk, ratio, statistics.median(ex), statistics.median(bare)))
PY
                    errors=$((errors + 1))
                fi
            done
        fi
    fi
fi

# ---------------------------------------------------------------------------------------
if want h; then
    section "(h) fleet: $FLEET targets, forks $FLEET_FORKS: one socket_option task vs the same play with sysctl"
    # shellcheck source=bench/lib/fleet.sh
    source "$ROOT/bench/lib/fleet.sh"
    if ! fleet_start "$STATE/fleet" "$FLEET"; then
        echo "bench (h): could not start the fleet's sshds" >&2
        errors=$((errors + 1))
    else
        echo "$FLEET sshds on 127.0.0.2..127.0.0.$((FLEET + 1)), each with its own /var/cache/livetune" \
             "(its own mount namespace); one daemon on 127.0.0.1 that every target's task reads"
        fleet_inventory "$STATE/fleet.ini"
        port_h=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        python3 tests/daemons/tunable_server.py --port "$port_h" --backlog 128 --rcvbuf 65536 \
            --pidfile "$STATE/h.pid" --ready-file "$STATE/h.ready" --daemonize
        PIDS+=("$(cat "$STATE/h.pid")")
        somaxconn=$(sysctl -n net.core.somaxconn)
        # Each play: a raw task that opens every target's SSH master (not counted), then the
        # measured task. Both measured tasks are unchanged: the daemon already has backlog
        # 128 and SO_RCVBUF 65536; each target's sysctl file holds the live value (the
        # warm-up play writes it).
        for kind in socket_option sysctl; do
            python3 - "$STATE/fleet-$kind.yml" "$kind" "$STATE/h.pid" "$port_h" "$somaxconn" <<'PY'
import sys
out, kind, pidfile, port, somaxconn = sys.argv[1:]
task = {
    "socket_option": """      livetune.process.socket_option:
        pidfile: "%s"
        protocol: tcp
        state: listen
        local_port: %s
        backlog: 128
        options:
          so_rcvbuf: 65536""" % (pidfile, port),
    "sysctl": """      ansible.posix.sysctl:
        name: net.core.somaxconn
        value: "%s"
        sysctl_file: "{{ fleet_dir }}/sysctl.conf"
        sysctl_set: true
        reload: false""" % somaxconn,
}[kind]
open(out, "w").write("""---
- name: bench (h)
  hosts: all
  gather_facts: false
  tasks:
    - name: connect
      ansible.builtin.raw: "true"
      changed_when: false
    - name: "fleet %s"
%s
""" % (kind, task))
PY
        done
        fleet_play() { # KIND ROUND LABEL [ansible-playbook args]: one play; its times in $STATE/h-LABEL-ROUND.json
            local kind=$1 round=$2 label=$3
            shift 3
            ANSIBLE_CALLBACK_PLUGINS=$ROOT/bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=task_times \
            LIVETUNE_BENCH_TIMES=$STATE/h-$label-$round.json \
                ansible-playbook -i "$STATE/fleet.ini" -f "$FLEET_FORKS" "$STATE/fleet-$kind.yml" "$@" \
                >"$STATE/h.log" 2>&1 || { tail -30 "$STATE/h.log" >&2; return 1; }
        }
        # The targets' archives are made in the background after their first task; the
        # next play waits for them (not counted), and the time they took is printed.
        fleet_wait_archives() { # ROUND
            local t0=$SECONDS
            fleet_archives_made || return 1
            echo "round $1: every target's archive made $((SECONDS - t0)) s after the first-run task"
        }
        if ! fleet_play sysctl 0 warmup; then
            echo "bench (h): the warm-up sysctl play failed" >&2
            errors=$((errors + 1))
        else
            for java in "${BENCH_JAVAS[@]}"; do
                jdk="JDK $(java_major "$java")"
                extra=()
                [ "$java" = "$JAVA" ] || extra=(-e "livetune_java=$java")
                echo
                echo "-- $jdk ($java): $FLEET_ROUNDS rounds of: every cache emptied; socket_option (first run:" \
                     "jar transferred, archive made); sysctl; socket_option again (cached); sysctl;" \
                     "socket_option with livetune_resident_executor twice (the first starts the residents," \
                     "the second is measured)"
                ok=1
                for round in $(seq 1 "$FLEET_ROUNDS"); do
                    fleet_forget_jars
                    if ! { fleet_play socket_option "$round" so-first "${extra[@]}" &&
                        fleet_jars_cached &&
                        fleet_wait_archives "$round" &&
                        fleet_play sysctl "$round" sc-first &&
                        fleet_play socket_option "$round" so-cached "${extra[@]}" &&
                        fleet_play sysctl "$round" sc-cached &&
                        fleet_play socket_option "$round" so-resident-start "${extra[@]}" -e livetune_resident_executor=true &&
                        fleet_play socket_option "$round" so-resident "${extra[@]}" -e livetune_resident_executor=true; }; then
                        ok=0
                        break
                    fi
                done
                if [ $ok = 0 ] || ! python3 - "$STATE" "$FLEET_ROUNDS" "$FLEET" "$FLEET_FORKS" "$RESULTS" "$jdk" <<'PY'; then
import json, statistics, sys
state, rounds, fleet, forks, results, jdk = sys.argv[1:]
rounds, fleet = int(rounds), int(fleet)

def task_time(label, r):
    """The measured task's wall time: its start to the last target's result."""
    recs = [x for x in json.load(open("%s/h-%s-%d.json" % (state, label, r))) if x["task"].startswith("fleet ")]
    bad = [x for x in recs if x["failed"] or x["changed"]]
    if len(recs) != fleet or bad:
        sys.exit("round %d, %s: %d results of %d, failed or changed: %s"
                 % (r, label, len(recs), fleet, ["%s %s" % (x["host"], x.get("msg") or "changed") for x in bad][:3]))
    return max(x["seconds"] for x in recs)

labels = ("so-first", "sc-first", "so-cached", "sc-cached", "so-resident")
t = {label: [task_time(label, r) for r in range(1, rounds + 1)] for label in labels}
print("round  socket_option first  sysctl   ratio   socket_option cached  sysctl   ratio   resident executor  ratio")
for i in range(rounds):
    print("%5d  %17.2f s  %5.2f s  %5.2f  %18.2f s  %5.2f s  %5.2f  %15.2f s  %5.2f" % (
        i + 1, t["so-first"][i], t["sc-first"][i], t["so-first"][i] / t["sc-first"][i],
        t["so-cached"][i], t["sc-cached"][i], t["so-cached"][i] / t["sc-cached"][i],
        t["so-resident"][i], t["so-resident"][i] / t["sc-cached"][i]))
first = statistics.median(a / b for a, b in zip(t["so-first"], t["sc-first"]))
cached = statistics.median(a / b for a, b in zip(t["so-cached"], t["sc-cached"]))
resident = statistics.median(a / b for a, b in zip(t["so-resident"], t["sc-cached"]))
m = {k: statistics.median(v) for k, v in t.items()}
print("median of per-round ratios: first run %.2f, cached %.2f, cached with the resident executor %.2f (%d rounds)"
      % (first, cached, resident, rounds))
with open(results, "a") as f:
    f.write("(h) fleet of %d, forks %s: socket_option / sysctl, first run (jar transferred), %s\t%.2f  (%.2f s vs %.2f s)\t<= 1.2\n"
            % (fleet, forks, jdk, first, m["so-first"], m["sc-first"]))
    f.write("    same, cached, %s\t%.2f  (%.2f s vs %.2f s)\t<= 0.8\n" % (jdk, cached, m["so-cached"], m["sc-cached"]))
    f.write("    same, cached, resident executor (opt-in), %s\t%.2f  (%.2f s vs %.2f s)\t<= 0.8\n"
            % (jdk, resident, m["so-resident"], m["sc-cached"]))
PY
                    echo "bench (h): the fleet measurement failed ($jdk)" >&2
                    errors=$((errors + 1))
                fi
            done
        fi
        fleet_stop
    fi
fi

# ---------------------------------------------------------------------------------------
if want b; then
    section "(b) one option on $CONNS established TCP connections of one process"
    python3 bench/many_conns.py --count "$CONNS" --ready-file "$STATE/b.ready" &
    PIDS+=("$!")
    for _ in $(seq 300); do [ -s "$STATE/b.ready" ] && break; sleep 0.1; done
    if ! [ -s "$STATE/b.ready" ]; then
        echo "bench (b): the connection holder did not become ready" >&2
        errors=$((errors + 1))
    else
        read -r bpid bport <"$STATE/b.ready"
        est=$(ss -tnH state established "sport = :$bport" | wc -l)
        echo "pid $bpid holds $est established server-side connections on 127.0.0.1:$bport"
        if ! python3 - "$JAVA" "$JAR" "$bpid" "$bport" "$CONNS" "$STATE" "$RESULTS" <<'PY'; then
import json, os, subprocess, sys, time
java, jar, pid, port, conns, state, results = sys.argv[1:]
args = {"pid": int(pid), "protocol": "tcp", "state": "established",
        "local_port": int(port), "options": {"tcp_nodelay": True}}
nomatch = dict(args, local_port=1, missing="ignore")

def run(label, a, extra=()):
    cmd = [java] + list(extra) + ["-jar", jar, "ansible", "socket_option"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, input=json.dumps(a).encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    try:
        out = json.loads(next(l for l in p.stdout.splitlines() if l.startswith(b"{")))
    except (ValueError, StopIteration):
        print("%-48s FAILED (rc %d): %s %s" % (label, p.returncode, p.stdout[:300], p.stderr[:300]))
        return None, None
    socks = out.get("sockets") or []
    nchanged = sum(1 for s in socks if s.get("changed"))
    note = out.get("msg", "") if out.get("failed") else "%d sockets, %d changed" % (len(socks), nchanged)
    print("%-48s %7.3f s   changed=%s  %s" % (label, dt, out.get("changed"), note))
    return dt, out

print("command: %s -jar %s ansible socket_option < {tcp_nodelay: true, pid, state: established, local_port}" % (java, os.path.basename(jar)))
t1, o1 = run("first run (sets tcp_nodelay on each)", args)
t2, o2 = run("second run (unchanged)", args)
t0, _ = run("JVM start + scan, nothing matches", nomatch)
# JVM start and a trivial scan: a process that holds no socket at all
idle = subprocess.Popen(["sleep", "300"])
try:
    run("JVM start, a process without sockets", dict(nomatch, pid=idle.pid))
finally:
    idle.kill()
    idle.wait()
# the same the way the action plugin runs the jar on targets (plugin_utils/executor_run.sh):
# short-lived JVM flags and the archive its maker makes for this JDK (bench/lib/class_archive.py),
# trained here on a run that matches nothing
sys.path.insert(0, os.path.join("bench", "lib"))
import class_archive
flags = os.environ["LIVETUNE_JVM_FLAGS"].split() + ["-Xlog:disable", "-Xlog:all=error:stderr"]
try:
    archive = class_archive.make(java, class_archive.java_major(java), flags, jar,
                                 ["-jar", jar, "ansible", "socket_option"], os.path.join(state, "bench"),
                                 json.dumps(nomatch).encode())
    print("(plugin flags: archive made, %s)" % " ".join(archive))
except subprocess.CalledProcessError as e:
    print("(plugin flags: no archive: %s)" % e)
    archive = None
tc = None
if archive:
    args2 = dict(args, options={"tcp_nodelay": False})
    tc, _ = run("plugin flags + archive: tcp_nodelay back off", args2, flags + archive)
    run("plugin flags + archive: unchanged", args2, flags + archive)
    run("plugin flags + archive: nothing matches", nomatch, flags + archive)
with open(results, "a") as f:
    if t1 is not None and o1 and not o1.get("failed"):
        f.write("(b) %s connections, one option, first run\t%.3f s\t< 1 s\n" % (conns, t1))
        if tc is not None:
            f.write("    same, JVM flags + class-data archive as the plugin runs it\t%.3f s\t< 1 s\n" % tc)
        if t2 is not None:
            f.write("    second run (unchanged)\t%.3f s\t\n" % t2)
    else:
        f.write("(b) %s connections, one option\tFAILED\t< 1 s\n" % conns)
        sys.exit(1)
PY
            errors=$((errors + 1))
        fi
    fi
    # (d) wants its own 10,000 connections on the host, not these as well
    kill -TERM "${PIDS[-1]}" 2>/dev/null || true
    wait "${PIDS[-1]}" 2>/dev/null || true
fi

# ---------------------------------------------------------------------------------------
if want d; then
    section "(d) every option of every socket vs ss -tanpie, $CONNS connections held by two processes"
    python3 bench/many_conns.py --count "$CONNS" --ready-file "$STATE/d.ready" &
    PIDS+=("$!")
    for _ in $(seq 300); do [ -s "$STATE/d.ready" ] && break; sleep 0.1; done
    if ! [ -s "$STATE/d.ready" ]; then
        echo "bench (d): the connection holder did not become ready" >&2
        errors=$((errors + 1))
    elif ! python3 - "$JAVA" "$JAR" "$STATE" "$RESULTS" "${BENCH_PAIRS:-7}" <<'PY'; then
import json, os, statistics, subprocess, sys, time
java, jar, state, results, pairs = sys.argv[1:]
pairs = int(pairs)
sys.path.insert(0, os.path.join("bench", "lib"))
import class_archive
flags = os.environ["LIVETUNE_JVM_FLAGS"].split()
inventory = ["-jar", jar, "sockets", "--all", "--json"]
livetune = [java] + flags + ["-Xshare:auto"] + inventory
# the archive the plugin's maker would make for this JDK, trained on the inventory itself
archive = class_archive.make(java, class_archive.java_major(java), flags, jar, inventory,
                             os.path.join(state, "sockets"))
with_cds = [java] + flags + archive + inventory
ss = ["ss", "-tanpie"]

def timed(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return time.perf_counter() - t0, out

sockets = len(json.loads(timed(livetune)[1])["sockets"])
lines = len(timed(ss)[1].splitlines()) - 1
print("livetune lists %d sockets with every option; ss -tanpie prints %d lines" % (sockets, lines))
plain, cds, peer = [], [], []
for _ in range(pairs):  # alternate, so load on the machine hits all alike
    plain.append(timed(livetune)[0])
    peer.append(timed(ss)[0])
    cds.append(timed(with_cds)[0])
for label, xs in (("livetune sockets --all --json", plain), ("  with the maker's archive", cds), ("ss -tanpie", peer)):
    if xs:
        print("%-34s median %.3f s  (min %.3f, max %.3f, n=%d)" % (label, statistics.median(xs), min(xs), max(xs), len(xs)))
ratio = statistics.median(plain) / statistics.median(peer)
with open(results, "a") as f:
    f.write("(d) sockets --all --json / ss -tanpie, median of %d\t%.2f\t<= 1.5\n" % (pairs, ratio))
    if cds:
        f.write("    with the archive the plugin's maker makes\t%.2f\t<= 1.5\n" % (statistics.median(cds) / statistics.median(peer)))
print("ratio (median livetune / median ss): %.2f   target: 1.5 or less" % ratio)

# --watch 1 on the same sockets: the processor time a watch uses in its steady state, as a
# share of one CPU. Two watches, of 3 and of 3 + N readings: the difference is N readings
# and N intervals, without the JVM start and the first reading (and its table). A watch is
# run by hand, so with a plain `java -jar` (a JVM that lasts gets its C2 compiler).
def watch(readings):
    cmd = [java, "-jar", jar, "sockets", "--watch", "1", "--count", str(readings)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, status

extra = int(os.environ.get("BENCH_WATCH_READINGS", "10"))
short_wall, short_cpu, s1 = watch(3)
long_wall, long_cpu, s2 = watch(3 + extra)
if s1 or s2 or long_wall <= short_wall:
    print("sockets --watch 1: a watch failed (status %d, %d)" % (s1, s2))
    sys.exit(1)
share = (long_cpu - short_cpu) / (long_wall - short_wall)
print("sockets --watch 1 on %d sockets: %.3f s of CPU per reading, %.0f%% of one CPU (%d readings: %.1f s wall, "
      "%.1f s CPU more than 3 readings)" % (sockets, (long_cpu - short_cpu) / extra, 100 * share, extra,
                                             long_wall - short_wall, long_cpu - short_cpu))
with open(results, "a") as f:
    f.write("    sockets --watch 1, share of one CPU (CPU per reading)\t%.0f%%  (%.2f s)\t\n"
            % (100 * share, (long_cpu - short_cpu) / extra))
PY
        errors=$((errors + 1))
    fi
fi

# ---------------------------------------------------------------------------------------
if want e; then
    section "(e) how long a target is stopped per injection (memory_lock's engine) vs gdb"
    if ! python3 bench/inject_pause.py --jar "$JAR" | tee "$STATE/e.out"; then
        errors=$((errors + 1))
    fi
    python3 - "$STATE/e.out" "$RESULTS" <<'PY' || true
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"livetune.*?p99\D*([0-9.]+)\s*(\S+)", text)
with open(sys.argv[2], "a") as f:
    f.write("(e) target stop per injection, p99 (see above)\t%s\t< 1 ms\n" % (" ".join(m.groups()) if m else "see above"))
PY
    section "(f) soak: 1,000 injections into a threaded server under load"
    python3 bench/injection_soak.py --injections 1000 --jar "$JAR" || errors=$((errors + 1))
fi

# ---------------------------------------------------------------------------------------
if want g; then
    section "(g) the LD_PRELOAD shim on connect/accept/close cycles vs no preload (peer: libkeepalive)"
    BENCH_RESULTS=$RESULTS bash bench/preload_bench.sh "$JAR" || errors=$((errors + 1))
fi

# ---------------------------------------------------------------------------------------
section "summary (figures, not assertions)"
python3 - "$RESULTS" <<'PY'
import sys
rows = [("figure", "value", "target")] + [tuple((l.rstrip("\n").split("\t") + ["", ""])[:3]) for l in open(sys.argv[1]) if l.strip()]
w = [max(len(r[i]) for r in rows) for i in range(3)]
for r in rows:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
PY
if [ $errors -gt 0 ]; then
    echo "bench: $errors measurement(s) could not be taken (see above)" >&2
    exit 1
fi
