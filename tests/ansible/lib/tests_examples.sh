# shellcheck shell=bash
# Every module's EXAMPLES, as `ansible-doc` shows them, run as a playbook against the real
# processes they are written for (lib/examples_host.sh: a host in namespaces of its own with
# rsyslog.service, myapp.service and its pidfile, nginx, pid 1234, a Java broker...).
# Every module the collection documents is picked up; the modules whose examples build on
# another's (socket_info reads what socket_option set) run after it. Sourced by run.sh.

EXAMPLES_FIRST=(socket_option socket_info memory_lock)

# example_modules: the collection's modules, EXAMPLES_FIRST first, then the others by name
example_modules() {
    local all m
    all=$(ansible-doc -t module -l livetune.process -j | jq -r 'keys[]' | sed 's/^livetune\.process\.//' | sort)
    for m in "${EXAMPLES_FIRST[@]}"; do
        if grep -qx "$m" <<<"$all"; then echo "$m"; fi
    done
    grep -vxF -f <(printf '%s\n' "${EXAMPLES_FIRST[@]}") <<<"$all" || true
}

# remove_cgroups NAME: the unit cgroups examples_host.sh made (their processes are gone)
remove_cgroups() {
    local d
    find /sys/fs/cgroup -maxdepth 3 -type d -name "$1" 2>/dev/null | while IFS= read -r d; do
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

t_examples() {
    local dir="$WORK/examples" pbf m n cg modules=() expected ran
    mkdir -p "$dir"
    pbf="$dir/examples.yml"
    : >"$pbf"
    mapfile -t modules < <(example_modules)
    log "modules: ${modules[*]}"
    for m in "${modules[@]}"; do
        ansible-doc -t module "livetune.process.$m" -j | jq -r ".[\"livetune.process.$m\"].examples" >"$dir/$m.yml"
        n=$(python3 -c 'import sys, yaml
tasks = yaml.safe_load(open(sys.argv[1]))
assert isinstance(tasks, list) and all(isinstance(t, dict) and t.get("name") for t in tasks), "not a list of named tasks"
assert any(("livetune.process." + sys.argv[2]) in t for t in tasks), "no task uses the module"
print(len(tasks))' "$dir/$m.yml" "$m") || fail "$m: EXAMPLES is not a list of named tasks using the module"
        log "$m: $n example tasks"
        printf '%s\n' "$m $n" >>"$dir/counts"
        cat >>"$pbf" <<EOP
- name: EXAMPLES of livetune.process.$m
  hosts: local
  gather_facts: false
  tasks:
    - name: The examples, as ansible-doc shows them
      ansible.builtin.import_tasks: $dir/$m.yml
EOP
    done
    cg="livetune-examples-${WORK##*.}"
    on_exit "remove_cgroups $cg"
    WORK=$WORK unshare --pid --fork --mount-proc --net --mount "$HERE/lib/examples_host.sh" "$pbf" "$cg"
    remove_cgroups "$cg"

    # every example task ran (none skipped, none failed: the playbook's status said so)
    for m in "${modules[@]}"; do
        expected=$(awk -v m="$m" '$1 == m {print $2}' "$dir/counts")
        ran=$(jq --arg p "EXAMPLES of livetune.process.$m" \
            '[.plays[] | select(.play.name == $p) | .tasks[] | select(.hosts.local.skipped | not)] | length' \
            "$dir/result.json")
        expect_eq "$ran" "$expected" "$m: example tasks that ran"
    done
}
