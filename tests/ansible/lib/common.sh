# shellcheck shell=bash
# Helpers for tests/ansible/run.sh: counting, assertions, bounded waits, cleanup.
# Sourced; expects WORK (a private work directory) once setup_work has run.

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

log() { printf '%s\n' "$*" >&2; }

# run_test NAME FUNCTION [ARGS...]: one counted test. The function runs in a subshell with
# errexit really on (bash ignores -e inside a function called from `if` or `||`), so any
# failing command fails the test; its output goes to $WORK/logs/NAME.log, shown on failure.
# A test that calls `skip REASON` (exit 77) is counted as skipped, its reason shown.
# LIVETUNE_TESTS=REGEX runs only the tests whose names match (the others are not counted).
run_test() {
    local name=$1 rc
    shift
    if [ -n "${LIVETUNE_TESTS:-}" ] && ! grep -Eq -- "$LIVETUNE_TESTS" <<<"$name"; then return 0; fi
    local logf="$WORK/logs/${name//[^A-Za-z0-9_.-]/_}.log"
    printf '%-62s ' "$name" >&2
    set +e
    (
        set -euo pipefail
        "$@"
    ) >"$logf" 2>&1
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        log "ok"
    elif [ "$rc" -eq 77 ]; then
        SKIPPED=$((SKIPPED + 1))
        log "skipped: $(sed -n 's/^SKIPPED: //p' "$logf" | tail -n 1)"
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        log "FAILED (rc=$rc)"
        sed 's/^/    | /' "$logf" | tail -n 60 >&2
    fi
}

fail() {
    log "ASSERTION FAILED: $*"
    exit 1
}

skip() { # REASON: ends the test as skipped (what it cannot test here, and why)
    log "SKIPPED: $*"
    exit 77
}

expect_eq() { # ACTUAL EXPECTED WHAT
    [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
    log "ok: $3 = $2"
}

expect_contains() { # HAYSTACK NEEDLE WHAT
    case $1 in
        *"$2"*) log "ok: $3 contains '$2'" ;;
        *) fail "$3: '$2' not found in: $1" ;;
    esac
}

expect_not_contains() { # HAYSTACK NEEDLE WHAT
    case $1 in
        *"$2"*) fail "$3: '$2' unexpectedly found in: $1" ;;
        *) log "ok: $3 lacks '$2'" ;;
    esac
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND (every 50 ms) until it succeeds,
# for at most SECONDS. The polling interval is not synchronisation: the condition is.
wait_until() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.05
    done
}

port_listening() { # PORT
    [ -n "$(ss -Hltn "sport = :$1")" ]
}

process_gone() { # PID
    [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# -- cleanup: every process, mount and file the tests create is registered here ----------

# on_exit COMMAND: run COMMAND (a string) at exit, last registered first.
on_exit() {
    printf '%s\n' "$1" >>"$WORK/cleanup.cmds"
}

run_cleanup() {
    local rc=$? cmd
    set +e
    if [ -n "${WORK:-}" ] && [ -f "$WORK/cleanup.cmds" ]; then
        tac "$WORK/cleanup.cmds" | while IFS= read -r cmd; do
            eval "$cmd" >/dev/null 2>&1
        done
    fi
    if [ -n "${WORK:-}" ] && [ -z "${LIVETUNE_KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
    return "$rc"
}

stop_pid() { # PID: SIGTERM, then wait (bounded) for it to go; SIGKILL if it will not
    local pid=$1 deadline=$((SECONDS + 10))
    kill -TERM "$pid" 2>/dev/null || return 0
    until process_gone "$pid"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill -KILL "$pid" 2>/dev/null
            return 0
        fi
        sleep 0.05
    done
}
