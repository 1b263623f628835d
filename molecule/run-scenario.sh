#!/bin/bash
# Runs a molecule scenario's sequence with plain ansible-playbook, for machines without
# molecule (it is not installable here: no PyPI). Same playbooks, same order as molecule's
# delegated driver on localhost:
#
#   cleanup (leftovers) -> syntax -> prepare -> converge -> idempotence -> verify -> cleanup
#
# idempotence = converge again; it fails unless every host's PLAY RECAP says changed=0.
# The final cleanup always runs, even after a failure or Ctrl-C.
#
#   molecule/run-scenario.sh [SCENARIO|DIR]    (default: default)
#   extra ansible-playbook options: LIVETUNE_MOLECULE_ARGS="-vvv" molecule/run-scenario.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
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

playbook() { # playbook NAME LOG -> runs DIR/NAME.yml on localhost, output to screen and LOG
    local name=$1 log=$2
    ansible-playbook -i localhost, -c local "${EXTRA[@]}" "$DIR/$name.yml" 2>&1 | tee "$log"
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
for p in prepare converge verify cleanup; do
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
recap=$(sed -n '/^PLAY RECAP/,$p' "$LOGDIR/idempotence.log" | grep -E ' changed=[0-9]+' || true)
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
