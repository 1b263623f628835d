# shellcheck shell=bash disable=SC2034 # MODULE and WRAP (lib/ansible.sh), set here, are read by adhoc
# The preload_wrapper tests of run.sh. Like lib/tests.sh: each runs in its own subshell
# (run_test) with errexit on, so what it sets stays in the test. The programs started
# through a wrapper or a drop-in's environment are the seed's backlog tester
# (java-executor/src/test/resources/it/preload_listener.c: listen(fd, 20), SO_RCVBUF 4096)
# and Debian's redis-server; what the library did is read with `ss`, /proc/PID/maps and the
# programs' own answers. Units live in a directory bind-mounted over /etc/systemd/system in
# a private mount namespace (lib/systemd_dir.sh), so the host's units are never touched.

PRELOAD_MODULE=livetune.process.preload_wrapper
PRELOAD_SOURCES=$REPO/java-executor/src/test/resources/it

# preload_setup: once, before the preload tests (in run.sh itself: it sets globals).
# Compiles the test programs. When the installed jar carries the shim for this machine
# (native/MACHINE/liblivetune_preload.so, built by the shim's half of issue 7),
# PRELOAD_SHIM=real and the tests use the installed collection. Otherwise PRELOAD_SHIM=standin:
# the tests of the module's own work (files, idempotence, check and diff, refusals, a program
# started through it) use a copy of the collection whose jar carries the test stand-in
# (preload_standin.c: listen() with LIVETUNE_BACKLOG, nothing else), and the checks of what
# only the real shim does are skipped, saying so.
preload_setup() {
    local machine copy
    machine=$(uname -m)
    PRELOAD_ENTRY=native/$machine/liblivetune_preload.so
    PRELOAD_BIN=$WORK/preload-bin
    mkdir -p "$PRELOAD_BIN"
    chmod 755 "$PRELOAD_BIN"
    gcc -O1 -o "$PRELOAD_BIN/preload_listener" "$PRELOAD_SOURCES/preload_listener.c"
    gcc -O1 -static -o "$PRELOAD_BIN/preload_static" "$PRELOAD_SOURCES/preload_static.c"
    PRELOAD_COLLECTIONS=
    PRELOAD_JAR=$JAR
    PRELOAD_EXPECTED=$WORK/preload-expected.so # the library as the jar carries it
    if jar_entry "$JAR" "$PRELOAD_ENTRY" "$PRELOAD_EXPECTED"; then
        PRELOAD_SHIM=real
        log "preload_wrapper: the installed jar carries the shim ($PRELOAD_ENTRY)"
        return 0
    fi
    PRELOAD_SHIM=standin
    copy=$WORK/standin-collections
    mkdir -p "$copy/ansible_collections/livetune" "$WORK/standin"
    cp -a "${JAR%/files/*}" "$copy/ansible_collections/livetune/process"
    gcc -shared -fPIC -o "$WORK/standin/liblivetune_preload.so" "$PRELOAD_SOURCES/preload_standin.c" -ldl
    PRELOAD_JAR=$copy/ansible_collections/livetune/process/files/livetune-executor.jar
    python3 - "$PRELOAD_JAR" "$PRELOAD_ENTRY" "$WORK/standin/liblivetune_preload.so" <<'EOF'
import sys
import zipfile
with zipfile.ZipFile(sys.argv[1], "a") as jar:
    jar.write(sys.argv[3], sys.argv[2])
EOF
    PRELOAD_COLLECTIONS=$copy
    jar_entry "$PRELOAD_JAR" "$PRELOAD_ENTRY" "$PRELOAD_EXPECTED"
    log "preload_wrapper: the installed jar has no $PRELOAD_ENTRY (the shim's half of issue 7 is not merged):"
    log "  its tests run with a copy of the collection whose jar carries the test stand-in (listen() only);"
    log "  what only the real shim does is skipped"
}

# jar_entry JAR ENTRY OUT: copies ENTRY of JAR to OUT; fails when the jar has no ENTRY
jar_entry() {
    python3 - "$@" <<'EOF'
import sys
import zipfile
with zipfile.ZipFile(sys.argv[1]) as jar:
    if sys.argv[2] not in jar.namelist():
        sys.exit(1)
    with open(sys.argv[3], "wb") as out:
        out.write(jar.read(sys.argv[2]))
EOF
}

# preload_env: this test uses preload_wrapper, from the collection preload_setup chose
preload_env() {
    MODULE=$PRELOAD_MODULE
    if [ -n "$PRELOAD_COLLECTIONS" ]; then export ANSIBLE_COLLECTIONS_PATH=$PRELOAD_COLLECTIONS; fi
}

# preload_dir NAME: a fresh directory for one test's files (root's, 0755, as a system directory)
preload_dir() {
    local d=$WORK/preload/$1
    mkdir -p "$d"
    chmod 755 "$WORK/preload" "$d"
    printf '%s\n' "$d"
}

# start_listener COMMAND...: runs it (the preload_listener, exec'd by a wrapper or env) and
# waits for its line; sets L_PID L_PORT L_RCVBUF L_NODELAY. Stopped at exit.
start_listener() {
    local out
    out=$(mktemp "$WORK/listener.XXXXXX")
    "$@" >"$out" 2>"$out.err" </dev/null &
    local pid=$!
    on_exit "stop_pid $pid"
    wait_until 10 "the listener's first line" grep -q . "$out"
    read -r L_PID L_PORT L_RCVBUF L_NODELAY <"$out"
    expect_eq "$L_PID" "$pid" "the listener is the process started (exec, no child)"
    log "listener: pid $L_PID port $L_PORT, its own getsockopt: SO_RCVBUF $L_RCVBUF TCP_NODELAY $L_NODELAY"
}

# dropin_env FILE: the variables a drop-in defines, one NAME=VALUE per line, read with
# Python's shlex (systemd's quoting, for the lines we write): not with livetune's parser
dropin_env() {
    python3 - "$1" <<'EOF'
import shlex
import sys
for line in open(sys.argv[1]):
    if line.startswith("Environment="):
        for word in shlex.split(line[len("Environment="):]):
            print(word.replace("%%", "%"))
EOF
}

# -- a wrapper ---------------------------------------------------------------------------

# t_preload_wrapper HOST: write the library and a wrapper, unchanged the second time, the
# listener started through it listens with the backlog asked for; absent removes the wrapper
t_preload_wrapper() {
    local host=$1 d
    preload_env
    d=$(preload_dir "wrapper-$host")
    local task="wrapper=$d/listener-tuned command=$PRELOAD_BIN/preload_listener backlog=77 library_dir=$d/lib"
    adhoc "$host" "$task"
    expect_eq "$(result "$host" '.failed // false')" false "failed"
    expect_eq "$(result "$host" .changed)" true "changed"
    expect_eq "$(result "$host" '.files | map("\(.kind) \(.action)") | join(", ")')" "library created, wrapper created" "files"
    expect_eq "$(result "$host" .restart_required)" true "restart_required"
    expect_eq "$(result "$host" '.programs | join(" ")')" "$PRELOAD_BIN/preload_listener" "programs"
    expect_eq "$(result "$host" .environment.LIVETUNE_BACKLOG)" 77 "environment"
    expect_eq "$(stat -c '%a %U' "$d/listener-tuned" "$d/lib" "$d/lib/liblivetune_preload.so" | tr '\n' ' ')" \
        "755 root 755 root 644 root " "modes and owners of wrapper, library_dir, library"
    cmp "$PRELOAD_EXPECTED" "$d/lib/liblivetune_preload.so" || fail "the library is not the jar's"
    expect_eq "$(result "$host" .library.sha256)" "$(sha256sum <"$d/lib/liblivetune_preload.so" | cut -d' ' -f1)" "library.sha256"

    adhoc "$host" "$task"
    expect_eq "$(result "$host" .changed)" false "changed, second run"
    expect_eq "$(result "$host" .msg)" "the library and wrapper $d/listener-tuned are as asked" "msg, second run"

    start_listener "$d/listener-tuned"
    expect_eq "$(ss_backlog "$L_PORT")" 77 "backlog (ss Send-Q): LIVETUNE_BACKLOG, not the program's listen(fd, 20)"
    grep -q "$d/lib/liblivetune_preload.so" "/proc/$L_PID/maps" || fail "the library is not mapped in the listener"
    stop_pid "$L_PID"

    adhoc "$host" "wrapper=$d/listener-tuned state=absent"
    expect_eq "$(result "$host" .changed)" true "changed (absent)"
    expect_eq "$(result "$host" '.files | map("\(.kind) \(.action)") | join(", ")')" "wrapper removed" "files (absent)"
    [ ! -e "$d/listener-tuned" ] || fail "the wrapper is still there"
    [ -f "$d/lib/liblivetune_preload.so" ] || fail "the library was removed (it stays)"
    adhoc "$host" "wrapper=$d/listener-tuned state=absent"
    expect_eq "$(result "$host" .changed)" false "changed, absent again"
}

# --check writes nothing and says what it would; --diff shows the wrapper's text; a drift
# check fails until the wrapper is as asked
t_preload_check_diff() {
    local d out
    preload_env
    d=$(preload_dir check-diff)
    local task="wrapper=$d/w command=$PRELOAD_BIN/preload_listener backlog=88 library_dir=$d/lib"
    out=$(adhoc_text local "$task" --check --diff)
    printf '%s\n' "$out"
    expect_contains "$out" "+LIVETUNE_BACKLOG='88'" "diff"
    expect_contains "$out" "+exec '$PRELOAD_BIN/preload_listener' \"\$@\"" "diff"
    expect_contains "$out" "+sha256: " "diff of the library"
    expect_contains "$out" "CHANGED" "ad hoc status"
    if [ -e "$d/w" ] || [ -e "$d/lib" ]; then fail "check mode wrote something: $(ls -R "$d")"; fi
    if adhoc local "$task" --check -e livetune_fail_on_drift=true; then fail "drift did not fail the task"; fi
    expect_failed_with local "drift (livetune_fail_on_drift)" "would write" \
        "local: wrapper $d/w, wrapper $d/w: file live missing → wanted written"
    expect_eq "$(result local '.drift | map(select(.setting == "file")) | length')" 2 "drift entries (wrapper, library)"

    adhoc local "$task"
    out=$(adhoc_text local "${task/backlog=88/backlog=89}" --check --diff)
    printf '%s\n' "$out"
    expect_contains "$out" "-LIVETUNE_BACKLOG='88'" "diff"
    expect_contains "$out" "+LIVETUNE_BACKLOG='89'" "diff"
    expect_not_contains "$out" "+sha256: " "diff (the library is unchanged)"
    grep -qx "LIVETUNE_BACKLOG='88'" "$d/w" || fail "check mode changed the wrapper"
    adhoc local "$task" --check -e livetune_fail_on_drift=true
    expect_eq "$(result local '.failed // false')" false "no drift once written"
}

# -- a unit's drop-in --------------------------------------------------------------------

# A unit whose ExecStart= is the listener: the drop-in as asked (read back, systemd-analyze
# verify), the ExecStart= program run with exactly the drop-in's environment listens with
# the backlog asked for, unchanged the second time, absent removes drop-in and directory.
t_preload_unit() {
    local units d unit=livetune-preload-test.service dropin out exec
    preload_env
    d=$(preload_dir unit)
    units=$d/etc-systemd-system
    mkdir -p "$units"
    chmod 755 "$units"
    printf '[Unit]\nDescription=livetune test: the seed'"'"'s backlog tester\n\n[Service]\nExecStart=%s\n' \
        "$PRELOAD_BIN/preload_listener" >"$units/$unit"
    WRAP=(unshare -m "$HERE/lib/systemd_dir.sh" "$units" --)
    local task="unit=$unit backlog=4000 options='so_keepalive=yes tcp_nodelay=yes' mlock=current trace=yes library_dir=$d/lib"
    adhoc local "$task" --diff
    expect_eq "$(result local '.failed // false')" false "failed"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(result local .daemon_reloaded)" false "daemon_reloaded"
    if [ ! -d /run/systemd/system ]; then
        expect_contains "$(result local '.warnings | join(" / ")')" "systemd is not running on this host" "warnings"
    fi
    dropin=$units/$unit.d/50-livetune.conf
    [ -f "$dropin" ] || fail "no drop-in at $dropin"
    cat "$dropin"
    expect_eq "$(stat -c '%a %U' "$dropin" "$units/$unit.d" | tr '\n' ' ')" "644 root 755 root " "modes of the drop-in and its directory"
    expect_eq "$(dropin_env "$dropin" | tr '\n' '|')" \
        "LD_PRELOAD=$d/lib/liblivetune_preload.so|LIVETUNE_BACKLOG=4000|LIVETUNE_OPTIONS=so_keepalive=1 tcp_nodelay=1|LIVETUNE_MLOCK=current|LIVETUNE_TRACE=stderr|" \
        "the drop-in's environment"

    # systemd's own reader: the unit with the drop-in beside it
    mkdir -p "$d/verify/$unit.d"
    cp "$units/$unit" "$d/verify/"
    cp "$dropin" "$d/verify/$unit.d/"
    out=$(systemd-analyze verify "$d/verify/$unit" 2>&1) || fail "systemd-analyze verify: $out"
    expect_eq "$out" "" "systemd-analyze verify output"

    # ExecStart= with exactly that environment (and nothing else, as systemd starts it)
    exec=$(sed -n 's/^ExecStart=//p' "$units/$unit")
    mapfile -t env < <(dropin_env "$dropin")
    # shellcheck disable=SC2086 # ExecStart= is words
    start_listener env -i PATH=/usr/bin:/bin "${env[@]}" $exec
    expect_eq "$(ss_backlog "$L_PORT")" 4000 "backlog (ss Send-Q) of ExecStart= run with the drop-in's environment"
    grep -q "$d/lib/liblivetune_preload.so" "/proc/$L_PID/maps" || fail "the library is not mapped"

    adhoc local "$task"
    expect_eq "$(result local .changed)" false "changed, second run"
    adhoc local "unit=$unit state=absent" --diff
    expect_eq "$(result local .changed)" true "changed (absent)"
    [ ! -e "$units/$unit.d" ] || fail "the drop-in directory is still there: $(ls "$units/$unit.d")"
    expect_eq "$(ls "$units")" "$unit" "what is left in the unit directory"
}

# Debian's own redis-server.service (a unit no one here wrote) confines what may be mapped
# executable (NoExecPaths=/, ExecPaths=/usr/bin/redis-server /usr/lib /lib): the default
# library_dir is refused, naming the setting; one under /usr/lib would work (check mode only)
t_preload_redis_unit() {
    local d
    [ -f /lib/systemd/system/redis-server.service ] || skip "Debian's redis-server is not installed (make deps installs it)"
    preload_env
    d=$(preload_dir redis-unit)
    mkdir -p "$d/etc-systemd-system"
    chmod 755 "$d/etc-systemd-system"
    WRAP=(unshare -m "$HERE/lib/systemd_dir.sh" "$d/etc-systemd-system" --)
    if adhoc local "unit=redis-server backlog=4096"; then fail "the sandboxed unit was accepted"; fi
    expect_failed_with local "unit: redis-server.service: its NoExecPaths=/ (ExecPaths=/usr/bin/redis-server /usr/lib /lib)" \
        "forbids mapping /usr/local/lib/livetune/liblivetune_preload.so executable" "under one of its ExecPaths="
    adhoc local "unit=redis-server backlog=4096 library_dir=/usr/lib/livetune" --check
    expect_eq "$(result local '.failed // false')" false "failed (library_dir under ExecPaths=)"
    expect_eq "$(result local .changed)" true "changed (check mode)"
    expect_eq "$(result local '.programs | join(" ")')" /usr/bin/redis-server "programs"
    [ ! -e /usr/lib/livetune ] || fail "check mode created /usr/lib/livetune"
    expect_eq "$(ls -A "$d/etc-systemd-system")" "" "check mode wrote no drop-in"
}

# -- a program no one here wrote ----------------------------------------------------------

# Debian's redis-server, started through the wrapper: it serves, and its listener has the
# backlog asked for (not its own tcp-backlog 128) and, with the real shim, the options
t_preload_redis() {
    local d port pid
    command -v redis-server >/dev/null || skip "redis-server is not installed (make deps installs it)"
    preload_env
    d=$(preload_dir redis)
    port=$(free_port)
    printf 'port %s\nbind 127.0.0.1\nsave ""\nappendonly no\ndaemonize no\ntcp-backlog 128\ndir %s\nlogfile %s\n' \
        "$port" "$d" "$d/redis.log" >"$d/redis.conf"
    adhoc local "wrapper=$d/redis-tuned command='/usr/bin/redis-server $d/redis.conf' backlog=300 options='so_rcvbuf=50000 so_keepalive=yes' library_dir=$d/lib"
    expect_eq "$(result local .changed)" true "changed"
    expect_eq "$(result local '.programs | join(" ")')" /usr/bin/redis-server "programs"
    "$d/redis-tuned" >/dev/null 2>&1 </dev/null &
    pid=$!
    on_exit "stop_pid $pid"
    wait_until 20 "redis-server listening on $port" port_listening "$port"
    expect_eq "$(redis-cli -p "$port" ping)" PONG "redis-cli ping"
    expect_eq "$(redis-cli -p "$port" set livetune preloaded)" OK "redis-cli set"
    expect_eq "$(redis-cli -p "$port" get livetune)" preloaded "redis-cli get"
    grep -q "$d/lib/liblivetune_preload.so" "/proc/$pid/maps" || fail "the library is not mapped in redis-server"
    expect_eq "$(ss_backlog "$port")" 300 "redis's backlog (ss Send-Q): LIVETUNE_BACKLOG, not its tcp-backlog 128"
    if [ "$PRELOAD_SHIM" = real ]; then
        expect_eq "$(ss_rcvbuf "$port")" 100000 "redis's listener SO_RCVBUF (ss skmem rb): so_rcvbuf 50000 as the kernel keeps it, not the default 131072"
    else
        log "SKIPPED (part): the options of redis's listener: only the real shim sets them"
    fi
    stop_pid "$pid"
}

# What only the real shim does, on the seed's backlog tester through a wrapper: the options
# win over the program's own, respect_app lets its own win, mlock locks it at start
t_preload_shim_options() {
    local d
    [ "$PRELOAD_SHIM" = real ] || skip "the installed jar has no $PRELOAD_ENTRY: the shim's half of issue 7 is not merged"
    preload_env
    d=$(preload_dir shim-options)
    adhoc local "wrapper=$d/w command=$PRELOAD_BIN/preload_listener options='so_rcvbuf=65536 tcp_nodelay=yes' mlock=current library_dir=$d/lib"
    start_listener "$d/w"
    expect_eq "$L_RCVBUF" 131072 "SO_RCVBUF by the program's own getsockopt, after its own setsockopt(4096)"
    expect_eq "$L_NODELAY" 1 "TCP_NODELAY by the program's own getsockopt"
    expect_eq "$(ss_rcvbuf "$L_PORT")" 131072 "ss skmem rb"
    expect_eq "$(ss_backlog "$L_PORT")" 20 "backlog (none asked for: the program's own)"
    [ "$(awk '/^VmLck:/ {print $2}' "/proc/$L_PID/status")" -gt 0 ] || fail "VmLck is 0 with LIVETUNE_MLOCK=current"
    stop_pid "$L_PID"
    adhoc local "wrapper=$d/w command=$PRELOAD_BIN/preload_listener options='so_rcvbuf=65536' respect_app=yes library_dir=$d/lib"
    start_listener "$d/w"
    expect_eq "$L_RCVBUF" 8192 "SO_RCVBUF with respect_app: the program's own 4096, as the kernel keeps it"
}

# -- persist: true of socket_option and memory_lock ---------------------------------------

# Ad hoc over -c local: both merge what they set into the unit's drop-in (in the namespace's
# /etc/systemd/system), which preload_wrapper made first with a library_dir of the test's;
# ExecStart= run with that environment listens with the persisted backlog; by pid it is
# refused before the live socket is touched
t_persist() {
    local d units unit=livetune-persist-test.service dropin exec
    preload_env
    d=$(preload_dir persist)
    units=$d/etc-systemd-system
    mkdir -p "$units"
    chmod 755 "$units"
    printf '[Service]\nExecStart=%s\n' "$PRELOAD_BIN/preload_listener" >"$units/$unit"
    dropin=$units/$unit.d/50-livetune.conf
    WRAP=(unshare -m "$HERE/lib/systemd_dir.sh" "$units" --)
    adhoc local "unit=$unit backlog=100 library_dir=$d/lib"

    MODULE=livetune.process.socket_option
    adhoc local "unit=$unit state=listen backlog=500 options='so_keepalive=yes' persist=yes missing=ignore" --diff
    expect_eq "$(result local '.failed // false')" false "failed"
    expect_eq "$(result local .changed)" true "changed"
    expect_contains "$(result local .msg)" "nothing to do (missing: ignore); persist: wrote /etc/systemd/system/$unit.d/50-livetune.conf" "msg"
    expect_eq "$(result local '.persisted.files | map("\(.kind) \(.action)") | join(", ")')" "library unchanged, drop-in updated" "persisted.files"
    MODULE=livetune.process.memory_lock
    adhoc local "unit=$unit future=yes persist=yes missing=ignore"
    expect_eq "$(result local .persisted.changed)" true "persisted.changed (memory_lock)"
    expect_eq "$(dropin_env "$dropin" | tr '\n' '|')" \
        "LD_PRELOAD=$d/lib/liblivetune_preload.so|LIVETUNE_BACKLOG=500|LIVETUNE_OPTIONS=so_keepalive=1|LIVETUNE_MLOCK=current,future|" \
        "the drop-in's environment, merged"
    adhoc local "unit=$unit future=yes persist=yes missing=ignore"
    expect_eq "$(result local .changed)" false "changed, second run"

    exec=$(sed -n 's/^ExecStart=//p' "$units/$unit")
    mapfile -t env < <(dropin_env "$dropin")
    # shellcheck disable=SC2086 # ExecStart= is words
    start_listener env -i PATH=/usr/bin:/bin "${env[@]}" $exec
    expect_eq "$(ss_backlog "$L_PORT")" 500 "backlog (ss Send-Q) at the next start"

    WRAP=()
    MODULE=livetune.process.socket_option
    if adhoc local "pid=$L_PID backlog=600 persist=yes"; then fail "persist by pid accepted"; fi
    expect_failed_with local "persist: the processes are chosen by pid" "nothing was changed"
    expect_eq "$(ss_backlog "$L_PORT")" 500 "the live backlog, after the refusal"
}

# -- refusals ----------------------------------------------------------------------------

# t_preload_refused NEEDLE... : the last ad hoc task failed, named NEEDLE, changed nothing
preload_refused() {
    local d=$1
    shift
    expect_failed_with local "$@"
    expect_eq "$(result local .changed)" false "changed"
    expect_eq "$(find "$d" -mindepth 1 -not -path "$d/etc-systemd-system" -not -path "$d/etc-systemd-system/*.service" | tr '\n' ' ')" \
        "" "files written by a refused task"
}

t_preload_errors() {
    local d units
    preload_env
    d=$(preload_dir errors)
    units=$d/etc-systemd-system
    mkdir -p "$units"
    chmod 755 "$units"
    local lib="library_dir=$d/lib"
    if adhoc local "wrapper=$d/w command=/usr/bin/passwd backlog=1 $lib"; then fail "setuid accepted"; fi
    preload_refused "$d" "/usr/bin/passwd is setuid (mode 4755)" "ignores LD_PRELOAD"
    if adhoc local "wrapper=$d/w command=$PRELOAD_BIN/preload_static backlog=1 $lib"; then fail "static accepted"; fi
    preload_refused "$d" "is statically linked" "PT_INTERP"
    if adhoc local "wrapper=$d/w command=no-such-program backlog=1 $lib"; then fail "missing program accepted"; fi
    preload_refused "$d" "command: program no-such-program cannot be found in /usr/local/sbin:"
    if adhoc local "wrapper=$d/w command=/usr/bin/sleep $lib"; then fail "nothing to do accepted"; fi
    preload_refused "$d" "nothing for the library to do: give backlog, options, mlock or trace"
    if adhoc local "wrapper=$d/w command=/usr/bin/sleep options='so_rcvbuff=1' $lib"; then fail "a bad option accepted"; fi
    preload_refused "$d" "options.so_rcvbuff: unknown option; did you mean so_rcvbuf"

    WRAP=(unshare -m "$HERE/lib/systemd_dir.sh" "$units" --)
    if adhoc local "unit=livetune-no-such-unit backlog=1 $lib"; then fail "a missing unit accepted"; fi
    preload_refused "$d" "unit: livetune-no-such-unit.service not found"
    printf '[Service]\nExecStart=-/opt/livetune-gone/bin/daemon --flag\n' >"$units/gone.service"
    if adhoc local "unit=gone backlog=1 $lib"; then fail "a unit without its program accepted"; fi
    preload_refused "$d" "ExecStart= of gone.service: program /opt/livetune-gone/bin/daemon cannot be found"
    WRAP=()

    printf '#!/bin/sh\nexec sleep 1\n' >"$d/theirs"
    if adhoc local "wrapper=$d/theirs command=/usr/bin/sleep backlog=1 $lib"; then fail "a foreign file replaced"; fi
    expect_failed_with local "wrapper $d/theirs exists and was not written by livetune"
    if adhoc local "wrapper=$d/theirs state=absent"; then fail "a foreign file removed"; fi
    expect_eq "$(cat "$d/theirs")" "$(printf '#!/bin/sh\nexec sleep 1')" "the foreign wrapper, untouched"
}

# The installed jar without the shim: the module says so, and writes nothing
t_preload_no_library() {
    local d
    [ "$PRELOAD_SHIM" = standin ] || skip "the installed jar carries the shim"
    MODULE=$PRELOAD_MODULE # the installed collection, not the stand-in's
    d=$(preload_dir no-library)
    if adhoc local "wrapper=$d/w command=/usr/bin/sleep backlog=1 library_dir=$d/lib"; then fail "ran without a library"; fi
    expect_failed_with local "this executor has no preload library for $(uname -m)" "nothing was changed"
    expect_eq "$(ls -A "$d")" "" "files written"
}

# -- playbooks ---------------------------------------------------------------------------

# t_preload_playbook HOST [pipelining_off]: playbooks/preload_wrapper.yml (check, write,
# again, an error, a change with its diff, absent; each asserted), then the wrapper is gone
t_preload_playbook() {
    local host=$1 d
    if [ "${2:-}" = pipelining_off ]; then export ANSIBLE_PIPELINING=False; fi
    preload_env
    d=$(preload_dir "playbook-$host${2:+-$2}")
    pb preload_wrapper.yml -e "target=$host" -e "work=$d" -e "program=$PRELOAD_BIN/preload_listener"
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 4 "changed tasks (check mode, write, change, absent)"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*failed=\([0-9]*\).*/\1/p" | tail -n 1)" 0 "failed tasks"
    expect_eq "$(printf '%s\n' "$PB_OUT" | sed -n "s/^$host *: .*ignored=\([0-9]*\).*/\1/p" | tail -n 1)" 1 "ignored failures (setuid)"
    [ ! -e "$d/tuned" ] || fail "the wrapper is still there"
    [ -f "$d/lib/liblivetune_preload.so" ] || fail "the library is gone (it stays)"
}
