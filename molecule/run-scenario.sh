#!/bin/bash
# Runs a molecule scenario's sequence with plain ansible-playbook, for machines without
# molecule (it is not installable here: no PyPI). Same playbooks, same order as molecule's
# delegated driver on localhost:
#
#   cleanup (leftovers) -> syntax -> prepare -> converge -> idempotence -> verify -> cleanup
#
# idempotence = converge again; it fails unless every host's PLAY RECAP says changed=0.
#
# A scenario with a side_effect.yml (molecule's name for a change made outside the
# playbook) also gets a drift check, between verify and cleanup, the way CI runs one
# (docs/drift-checks.md):
#
#   side_effect -> drift check (must fail) [-> verify_drift] -> converge (must repair)
#     -> drift check (must pass) -> verify
#
# drift check = converge.yml with --check -e livetune_fail_on_drift=true. The first must
# exit 2 (a task failed) and print "drift (livetune_fail_on_drift)"; verify_drift.yml, if
# the scenario has one, gets what it printed as -e drift_log=FILE to check the details.
# The repairing converge must report a change; the second drift check must exit 0 with
# changed=0.
# The final cleanup always runs, even after a failure or Ctrl-C.
#
#   molecule/run-scenario.sh [SCENARIO|DIR]    (default: default)
#   extra ansible-playbook options: LIVETUNE_MOLECULE_ARGS="-vvv" molecule/run-scenario.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../tests/ansible/lib/machine_lock.sh
. "$ROOT/tests/ansible/lib/machine_lock.sh"
take_machine_lock
SCENARIO=${1:-default}
if [[ $SCENARIO == */* ]] && [ -d "$SCENARIO" ]; then # a scenario directory elsewhere
    DIR=$(cd "$SCENARIO" && pwd)
    SCENARIO=$(basename "$DIR")
else
    DIR=$ROOT/molecule/$SCENARIO
fi
[ -f "$DIR/converge.yml" ] || { echo "run-scenario: no scenario at $DIR (converge.yml missing)" >&2; exit 2; }

export ANSIBLE_CONFIG=$ROOT/ansible.cfg
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
export ANSIBLE_STDOUT_CALLBACK=default
export ANSIBLE_RETRY_FILES_ENABLED=false
export PYTHONDONTWRITEBYTECODE=1

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/livetune-molecule-$SCENARIO.XXXXXX")
# shellcheck disable=SC2206
EXTRA=(${LIVETUNE_MOLECULE_ARGS:-})

step() { printf '\n---- molecule %s: %s ----\n' "$SCENARIO" "$1"; }

playbook() { # playbook NAME LOG [OPTIONS...] -> runs DIR/NAME.yml on localhost, output to screen and LOG
    local name=$1 log=$2
    shift 2
    ansible-playbook -i localhost, -c local "${EXTRA[@]}" "$@" "$DIR/$name.yml" 2>&1 | tee "$log"
}

# recap_lines LOG: the PLAY RECAP host lines of a playbook's output
recap_lines() {
    sed -n '/^PLAY RECAP/,$p' "$1" | grep -E ' changed=[0-9]+' || true
}

have() { [ -f "$DIR/$1.yml" ]; }

final_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if have cleanup; then
        step "cleanup"
        playbook cleanup "$LOGDIR/cleanup-final.log" || { echo "run-scenario: cleanup failed" >&2; [ $rc -ne 0 ] || rc=1; }
    fi
    rm -rf "$LOGDIR"
    if [ $rc -eq 0 ]; then
        printf '\nmolecule %s: PASSED\n' "$SCENARIO"
    else
        printf '\nmolecule %s: FAILED (rc=%s)\n' "$SCENARIO" "$rc" >&2
    fi
    exit $rc
}

# leftovers of an earlier, interrupted run
if have cleanup; then
    step "cleanup (leftovers)"
    playbook cleanup "$LOGDIR/cleanup-first.log" >/dev/null || true
fi
trap final_cleanup EXIT
trap 'exit 130' INT TERM

step "syntax"
for p in prepare converge verify side_effect verify_drift cleanup; do
    have $p && ansible-playbook -i localhost, --syntax-check "$DIR/$p.yml" >/dev/null
done
echo "syntax ok"

if have prepare; then
    step "prepare"
    playbook prepare "$LOGDIR/prepare.log"
fi

step "converge"
playbook converge "$LOGDIR/converge.log"

step "idempotence"
playbook converge "$LOGDIR/idempotence.log"
# PLAY RECAP lines: "localhost : ok=1 changed=0 unreachable=0 failed=0 ..."
recap=$(recap_lines "$LOGDIR/idempotence.log")
if [ -z "$recap" ]; then
    echo "idempotence: no PLAY RECAP in the second converge's output" >&2
    exit 1
fi
if echo "$recap" | grep -qE ' changed=[1-9]| failed=[1-9]| unreachable=[1-9]'; then
    echo "idempotence: FAILED, the second converge changed something:" >&2
    awk '/^TASK \[/ {t=$0} /^changed: / {print "  " t; print "    " $0}' "$LOGDIR/idempotence.log" >&2 || true
    exit 1
fi
echo "idempotence: ok (changed=0)"

if have verify; then
    step "verify"
    playbook verify "$LOGDIR/verify.log"
fi

if have side_effect; then
    step "side_effect (a change made outside the playbook)"
    playbook side_effect "$LOGDIR/side_effect.log"

    step "drift check (converge --check -e livetune_fail_on_drift=true: must fail)"
    rc=0
    playbook converge "$LOGDIR/drift.log" --check -e livetune_fail_on_drift=true || rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "drift check: FAILED, expected exit status 2 (a task failed: drift), got $rc" >&2
        exit 1
    fi
    grep -qF 'drift (livetune_fail_on_drift)' "$LOGDIR/drift.log" ||
        { echo "drift check: FAILED, no task failed for drift" >&2; exit 1; }
    echo "drift check: failed as it must (exit status 2)"
    if have verify_drift; then
        step "verify_drift"
        playbook verify_drift "$LOGDIR/verify_drift.log" -e "drift_log=$LOGDIR/drift.log"
    fi

    step "converge (repairs the drift)"
    playbook converge "$LOGDIR/repair.log"
    if ! recap_lines "$LOGDIR/repair.log" | grep -qE ' changed=[1-9]'; then
        echo "converge after the side effect: FAILED, it changed nothing" >&2
        exit 1
    fi

    step "drift check after the repair (must pass)"
    playbook converge "$LOGDIR/drift-repaired.log" --check -e livetune_fail_on_drift=true
    recap=$(recap_lines "$LOGDIR/drift-repaired.log")
    if [ -z "$recap" ] || echo "$recap" | grep -qE ' changed=[1-9]| failed=[1-9]| unreachable=[1-9]'; then
        echo "drift check after the repair: FAILED: $recap" >&2
        exit 1
    fi
    echo "drift check after the repair: ok (changed=0)"

    if have verify; then
        step "verify (after the repair)"
        playbook verify "$LOGDIR/verify-repaired.log"
    fi
fi
