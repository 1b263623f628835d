# shellcheck shell=bash
# What the Ansible ecosystem expects of a collection, tried for real. Sourced by run.sh.
#   t_galaxy_install       the tarball installs offline into a fresh path and works from there
#   t_module_defaults      the action group of meta/runtime.yml holds every module, and a
#                          module_defaults value given to the group reaches each of them
#   t_local_sudo_password  -c local, sudo with a password, no pipelining (the arguments go
#                          through a file: stdin does not pass the password prompt's pty)

TARBALL_GLOB="$REPO/build/livetune-process-*.tar.gz"

# the tarball `make build` made (exactly one)
tarball() {
    local t
    # shellcheck disable=SC2086 # the glob
    t=$(ls $TARBALL_GLOB)
    [ "$(wc -l <<<"$t")" = 1 ] && [ -f "$t" ] || fail "want exactly one $TARBALL_GLOB (make build), got: $t"
    printf '%s\n' "$t"
}

# fresh_install DIR: the tarball installed into DIR by ansible-galaxy, offline
fresh_install() {
    ansible-galaxy collection install --offline -p "$1" "$(tarball)"
    [ -f "$1/ansible_collections/livetune/process/files/livetune-executor.jar" ] || fail "no jar under $1"
}

# outside_ansible COMMAND...: COMMAND as a user of the tarball would run it: not the repo's
# ansible.cfg, no plugin paths into the build tree, only the collections under $FRESH
outside_ansible() {
    env -u ANSIBLE_CONFIG -u ANSIBLE_ACTION_PLUGINS -u ANSIBLE_LIBRARY \
        ANSIBLE_COLLECTIONS_PATH="$FRESH" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false "$@"
}

t_galaxy_install() {
    local dir="$WORK/galaxy" out doc
    start_daemon galaxy
    mkdir -p "$dir/project"
    FRESH="$dir/collections"
    fresh_install "$FRESH"
    # a playbook of the user's own, outside the repository
    cat >"$dir/project/site.yml" <<'EOF'
- name: Tune a running daemon with the installed collection
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Raise the listen backlog, live
      livetune.process.socket_option:
        pid: "{{ daemon_pid | int }}"
        state: listen
        local_port: "{{ daemon_port | int }}"
        backlog: 2048
    - name: Read it back
      livetune.process.socket_info:
        pid: "{{ daemon_pid | int }}"
        state: listen
        local_port: "{{ daemon_port | int }}"
      register: info
    - name: The backlog the kernel reports is ours
      ansible.builtin.assert:
        that: info.sockets[0].backlog == 2048
    - name: Would lock it in RAM (check mode)
      livetune.process.memory_lock:
        pid: "{{ daemon_pid | int }}"
      check_mode: true
      register: lock
    - name: Check mode would lock it
      ansible.builtin.assert:
        that: lock.changed
EOF
    cd "$dir/project"
    doc=$(outside_ansible ansible-doc -t module livetune.process.socket_option -j | jq -r '.[].doc.filename')
    expect_eq "$doc" "$FRESH/ansible_collections/livetune/process/plugins/modules/socket_option.py" "the collection ansible finds"
    outside_ansible ansible-doc -t role livetune.process.java_runtime >/dev/null
    out=$(outside_ansible ansible-playbook -i localhost, -e ansible_python_interpreter=/usr/bin/python3 \
        -e "daemon_pid=$D_PID" -e "daemon_port=$D_PORT" site.yml 2>&1) || { printf '%s\n' "$out"; fail "site.yml failed"; }
    printf '%s\n' "$out"
    expect_eq "$(recap_changed "$out" localhost)" 2 "changed tasks (socket_option, memory_lock --check)"
    expect_eq "$(ss_backlog "$D_PORT")" 2048 "backlog (ss Send-Q)"
    cd "$REPO"
}

# The action group holds exactly the modules the collection documents, and a
# module_defaults value set on the group reaches each of them: a java_executable that does
# not exist is named in every module's error.
t_module_defaults() {
    local modules group java=/nonexistent/module-defaults/bin/java pbf="$WORK/module_defaults.yml" m msg
    modules=$(ansible-doc -t module -l livetune.process -j | jq -r 'keys[]' | sed 's/^livetune\.process\.//' | sort)
    group=$(/usr/bin/python3 -c 'import sys, yaml; print("\n".join(sorted(yaml.safe_load(open(sys.argv[1]))["action_groups"]["livetune"])))' \
        "$(dirname "$JAR")/../meta/runtime.yml")
    expect_eq "$(tr '\n' ' ' <<<"$group")" "$(tr '\n' ' ' <<<"$modules")" "action group livetune = the modules"
    start_daemon module-defaults
    {
        printf '%s\n' '- name: module_defaults for the livetune action group' '  hosts: local' \
            '  gather_facts: false' '  module_defaults:' '    group/livetune.process.livetune:' \
            "      java_executable: $java" '  tasks:'
        for m in $modules; do
            printf '%s\n' "    - name: $m" "      livetune.process.$m:" "        pid: $D_PID" '      ignore_errors: true'
        done
    } >"$pbf"
    cat "$pbf"
    ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json \
        ansible-playbook -i "$WORK/inventory" "$pbf" >"$WORK/module_defaults.json"
    for m in $modules; do
        msg=$(jq -r --arg m "$m" '.plays[0].tasks[] | select(.task.name == $m) | .hosts.local.msg' "$WORK/module_defaults.json")
        expect_contains "$msg" "java_executable / livetune_java: $java is not an executable file" "$m's error"
    done
    expect_untouched
}

t_local_sudo_password() {
    local user=livetune-pw password home out
    password=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    ensure_user "$user" "$user ALL=(ALL) ALL"
    echo "$user:$password" | chpasswd
    home=$(user_home "$user")
    start_daemon sudo-password
    # the user's own copy of the collection (the checkout may be private to root)
    FRESH="$WORK/pw/collections"
    mkdir -p "$WORK/pw"
    fresh_install "$FRESH"
    chmod -R a+rX "$WORK/pw"
    chown "$user" "$WORK/pw"
    # bounded: the bug this guards against is a hang
    out=$(cd "$WORK/pw" && outside_ansible runuser -u "$user" -- env HOME="$home" ANSIBLE_COLLECTIONS_PATH="$FRESH" \
        ANSIBLE_PIPELINING=False ANSIBLE_LOCAL_TEMP="$WORK/pw/tmp" \
        timeout 120 ansible localhost -c local -b -e "ansible_become_password=$password" \
        -e ansible_python_interpreter=/usr/bin/python3 -m livetune.process.socket_option \
        -a "pid=$D_PID state=listen local_port=$D_PORT backlog=333" -vvv 2>&1) || {
        printf '%s\n' "$out"
        fail "ansible as $user with a sudo password failed or hung"
    }
    printf '%s\n' "$out" | grep -v "$password"
    expect_contains "$out" "[sudo via ansible" "sudo asked for the password"
    expect_contains "$out" "lt_args=/" "arguments in a file"
    expect_eq "$(ss_backlog "$D_PORT")" 333 "backlog (ss Send-Q)"
}
