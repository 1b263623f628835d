# shellcheck shell=bash
# Tests of the role livetune.process.java_runtime (playbooks/java_runtime.yml). Sourced by
# run.sh. On this Debian machine for real: where Java is (check mode, then a real run: both
# change nothing), and in a throwaway copy of this machine without any Java
# (lib/overlay_root.sh no-java), where livetune's error names the role, and the role in
# check mode would install default-jre-headless and installs nothing. With
# LIVETUNE_TEST_APT_INSTALL=1 the role also installs it there for real (apt fetches the
# packages from the Debian mirror: not loopback, hence not by default), a second run
# changes nothing, and livetune then changes a live socket with that JRE.
# Other OSes: with their facts faked, the role picks their package and runs their package
# manager's task (RHEL 9: dnf; Ubuntu 22.04, whose default JRE is 11: apt, for
# openjdk-17-jre-headless), or, on RHEL 7 which has no Java 17, fails saying so.

# jr_line OUTPUT: the "java_runtime: ..." line of the playbook's debug task
jr_line() { printf '%s\n' "$1" | sed -n 's/.*"msg": "java_runtime: \(.*\)"$/\1/p' | tail -n 1; }

# t_jr_present HOST: Java is there: check mode and a real run find it and change nothing
t_jr_present() {
    local host=$1 line
    pb java_runtime.yml -e "target=$host" --check
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 0 "changed tasks, check mode"
    line=$(jr_line "$PB_OUT")
    expect_contains "$line" "executable=$(command -v java) version=$(path_java_major)" "what the role found"
    expect_contains "$line" "package=default-jre-headless install=False" "the role's decision"
    pb java_runtime.yml -e "target=$host"
    expect_eq "$(recap_changed "$PB_OUT" "$host")" 0 "changed tasks, real run"
    expect_contains "$PB_OUT" "java_runtime: executable=$(command -v java) " "found again"
}

# the feature release of the java on PATH (tests.sh's java_major takes a path)
path_java_major() { java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'; }

# jr_faked_os FAMILY/DISTRIBUTION MAJOR PKG_MGR: the role in check mode with the facts of
# another OS, and the java livetune is told to use missing; its tasks as JSON lines
# {name, skipped, failed, msg} on stdout
jr_faked_os() {
    local family=${1%/*} distribution=${1#*/} major=$2 pkg_mgr=$3
    ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json \
        ansible-playbook -i "$WORK/inventory" "$HERE/playbooks/java_runtime.yml" --check \
        -e target=local -e "fake_os_family=$family" -e "fake_distribution=$distribution" -e "fake_major=$major" \
        -e "fake_pkg_mgr=$pkg_mgr" -e java_runtime_java=/nonexistent/bin/java >"$WORK/jr.json"
    jq -c '.plays[0].tasks[] | {name: (.task.name | sub("^livetune.process.java_runtime : "; "")),
        skipped: (.hosts.local.skipped // false), failed: (.hosts.local.failed // false), msg: .hosts.local.msg}' \
        "$WORK/jr.json"
}

# t_jr_other_os FAMILY/DISTRIBUTION MAJOR PKG_MGR TASK PACKAGE [FAILED]: with the facts of
# another OS, the role decides to install PACKAGE and runs TASK for it. FAILED (default
# true): that task's package manager is not on this Debian machine, and its failure (ignored
# by the playbook, so that it still prints the decision) shows it ran; false for apt in check
# mode, which finds PACKAGE here.
t_jr_other_os() {
    local task=$4 package=$5 failed=${6:-true} tasks decision
    tasks=$(jr_faked_os "$1" "$2" "$3")
    printf '%s\n' "$tasks"
    decision=$(jq -r 'select(.name | startswith("Say what it found")) | .msg' <<<"$tasks")
    expect_contains "$decision" "executable= version=0 package=$package install=True" "the role's decision"
    expect_eq "$(jq -r 'select(.name | startswith("Install the headless JRE")) | select(.skipped | not) | .name' <<<"$tasks")" \
        "$task" "the one install task that ran"
    expect_eq "$(jq -r "select(.name == \"$task\") | .failed" <<<"$tasks")" "$failed" "$task failed"
}

# t_jr_no_package FAMILY/DISTRIBUTION MAJOR PKG_MGR: an OS with no Java 17 package (RHEL 7):
# the role fails before any package manager runs, naming the OS and what to do instead
t_jr_no_package() {
    local tasks msg
    tasks=$(jr_faked_os "$1" "$2" "$3")
    printf '%s\n' "$tasks"
    msg=$(jq -r 'select(.name | startswith("Fail when no package is known")) | select(.failed) | .msg' <<<"$tasks")
    expect_contains "$msg" "No Java runtime >= 17 here" "the role's message"
    expect_contains "$msg" "${1#*/} $2 (OS family ${1%/*})" "the role's message"
    expect_contains "$msg" "java_runtime_package" "the role's message"
    expect_eq "$(jq -r 'select(.name | startswith("Install the headless JRE")) | select(.skipped | not) | .name' <<<"$tasks")" \
        "" "install tasks that ran"
}

# t_jr_no_java: a copy of this machine that never had Java
t_jr_no_java() {
    local dir inner out
    start_daemon jr-no-java
    dir=$(mktemp -d /var/tmp/livetune-overlay.XXXXXX)
    on_exit "rmdir $dir"
    mkdir -p "$WORK/jr"
    # what runs in the view; each step's output in $WORK/jr for the checks below
    inner="$WORK/jr/inner.sh"
    cat >"$inner" <<INNER
#!/bin/bash
set -u
cd "$REPO"
export ANSIBLE_LOAD_CALLBACK_PLUGINS=1
ANSIBLE_STDOUT_CALLBACK=json ansible -i "$WORK/inventory" local -m "$MODULE" \
    -a "pid=$D_PID state=listen local_port=$D_PORT backlog=512" >"$WORK/jr/module-before.json"
ss -Hltn "sport = :$D_PORT" | awk '{print \$3; exit}' >"$WORK/jr/backlog-before"
ansible-playbook -i "$WORK/inventory" "$HERE/playbooks/java_runtime.yml" -e target=local --check --diff \
    >"$WORK/jr/check.out" 2>&1; echo \$? >"$WORK/jr/check.rc"
{ command -v java || echo none; } >"$WORK/jr/java-after-check"
[ "\${LIVETUNE_TEST_APT_INSTALL:-}" = 1 ] || exit 0
ansible-playbook -i "$WORK/inventory" "$HERE/playbooks/java_runtime.yml" -e target=local \
    >"$WORK/jr/install.out" 2>&1; echo \$? >"$WORK/jr/install.rc"
ansible-playbook -i "$WORK/inventory" "$HERE/playbooks/java_runtime.yml" -e target=local \
    >"$WORK/jr/again.out" 2>&1; echo \$? >"$WORK/jr/again.rc"
ANSIBLE_STDOUT_CALLBACK=json ansible -i "$WORK/inventory" local -m "$MODULE" \
    -a "pid=$D_PID state=listen local_port=$D_PORT backlog=512" >"$WORK/jr/module-after.json"
INNER
    chmod 755 "$inner"
    unshare -m --fork "$HERE/lib/overlay_root.sh" "$dir" bind "$REPO" bind "$WORK" no-java -- "$inner"

    # livetune without any JRE: the message names the role
    out=$(jq -r '.plays[0].tasks[0].hosts.local.msg' "$WORK/jr/module-before.json")
    expect_contains "$out" "no Java runtime found" "livetune's message"
    expect_contains "$out" "livetune.process.java_runtime" "livetune's message"
    expect_eq "$(cat "$WORK/jr/backlog-before")" 20 "backlog then (ss Send-Q)"
    # the role in check mode: would install default-jre-headless, installs nothing
    cat "$WORK/jr/check.out"
    expect_eq "$(cat "$WORK/jr/check.rc")" 0 "check mode exit status"
    expect_eq "$(recap_changed "$(cat "$WORK/jr/check.out")" local)" 1 "changed tasks, check mode"
    expect_contains "$(cat "$WORK/jr/check.out")" "java_runtime: executable= version=0 package=default-jre-headless install=True" \
        "the role's decision"
    expect_contains "$(cat "$WORK/jr/check.out")" "default-jre-headless" "apt's plan"
    expect_eq "$(cat "$WORK/jr/java-after-check")" none "java after check mode"
    if [ "${LIVETUNE_TEST_APT_INSTALL:-}" != 1 ]; then
        log "the real install: LIVETUNE_TEST_APT_INSTALL=1 (apt fetches from the Debian mirror)"
        return 0
    fi
    cat "$WORK/jr/install.out"
    expect_eq "$(cat "$WORK/jr/install.rc")" 0 "install exit status"
    expect_eq "$(recap_changed "$(cat "$WORK/jr/install.out")" local)" 1 "changed tasks, install"
    expect_contains "$(cat "$WORK/jr/install.out")" "java_runtime: executable=/usr/bin/java version=" "java installed"
    expect_eq "$(cat "$WORK/jr/again.rc")" 0 "second run exit status"
    expect_eq "$(recap_changed "$(cat "$WORK/jr/again.out")" local)" 0 "changed tasks, second run"
    expect_eq "$(jq -r '.plays[0].tasks[0].hosts.local.changed' "$WORK/jr/module-after.json")" true \
        "livetune with the JRE the role installed"
    expect_eq "$(ss_backlog "$D_PORT")" 512 "backlog (ss Send-Q)"
}
