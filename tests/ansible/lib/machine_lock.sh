# shellcheck shell=bash
# One ansible test run or molecule scenario at a time on this machine. They share what a
# target host has only once (root's jar cache /var/cache/livetune, the test users and their
# sudoers file), and each run starts by clearing them: two clones tested at once would break
# each other's runs. A second run waits here for the first to end.
#
# The lock is a directory holding the owner's pid, not an open descriptor: the daemons and the
# sshd a run starts would inherit a descriptor and could outlive it. A run that ends, however
# it ends, leaves a lock whose owner is gone, and the next run takes it over.
take_machine_lock() {
    local dir=/run/lock/livetune-tests owner said=
    mkdir -p /run/lock
    while ! mkdir "$dir" 2>/dev/null; do
        owner=$(cat "$dir/pid" 2>/dev/null || true)
        if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
            rm -rf "$dir" # its run has ended
            continue
        fi
        if [ -z "$said" ]; then
            echo "another livetune test run (pid ${owner:-?}) is under way; waiting for it to end" >&2
            said=1
        fi
        sleep 1 # polling another run's end, at most once a second
    done
    echo $$ >"$dir/pid"
}
