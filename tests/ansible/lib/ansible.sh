# shellcheck shell=bash
# Running the installed collection through the real `ansible` and `ansible-playbook`.

MODULE=livetune.process.socket_option
# a command (and arguments) to run ansible under, e.g. unshare; empty: none
WRAP=()

# adhoc HOST "k=v ..." [ANSIBLE OPTIONS...]: one ad hoc task, its JSON result (the json
# callback) in $WORK/last.json. Returns ansible's exit status.
adhoc() {
    local host=$1 args=$2
    shift 2
    local rc=0
    ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json \
        "${WRAP[@]}" ansible -i "$WORK/inventory" "$host" -m "$MODULE" -a "$args" "$@" >"$WORK/last.json" || rc=$?
    jq -c '.plays[0].tasks[0].hosts' "$WORK/last.json" >&2 || cat "$WORK/last.json" >&2
    return "$rc"
}

# result HOST JQ: a field of the last ad hoc result
result() {
    jq -r ".plays[0].tasks[0].hosts[\"$1\"]$2" "$WORK/last.json"
}

# adhoc_text HOST "k=v ..." [OPTIONS...]: the same, human output (for --diff) on stdout
adhoc_text() {
    local host=$1 args=$2
    shift 2
    ANSIBLE_STDOUT_CALLBACK=default "${WRAP[@]}" ansible -i "$WORK/inventory" "$host" -m "$MODULE" -a "$args" "$@"
}

# playbook FILE [OPTIONS...]: runs tests/ansible/playbooks/FILE; output on stdout
playbook() {
    local file=$1
    shift
    ANSIBLE_STDOUT_CALLBACK=default ansible-playbook -i "$WORK/inventory" "$HERE/playbooks/$file" "$@"
}

# recap_changed OUTPUT HOST: the changed= count of HOST in a PLAY RECAP
recap_changed() {
    printf '%s\n' "$1" | sed -n "s/^$2 *: .*changed=\([0-9]*\).*/\1/p" | tail -n 1
}

# expect_failed_msg NEEDLE...: the last ad hoc task failed, and its msg holds every NEEDLE
expect_failed_with() {
    local host=$1 msg
    shift
    expect_eq "$(result "$host" .failed)" true "failed"
    msg=$(result "$host" .msg)
    for needle in "$@"; do expect_contains "$msg" "$needle" "msg"; done
}

# The sha256 the action plugin keys the target's cache with: that of the installed jar.
installed_jar() {
    local dir
    dir=$(ansible-doc -t module "$MODULE" -j | jq -r ".[\"$MODULE\"].doc.filename")
    printf '%s\n' "${dir%/plugins/modules/*}/files/livetune-executor.jar"
}
