#!/bin/bash
# A fleet of throw-away sshd targets on loopback addresses 127.0.0.2, 127.0.0.3, ..., for
# the fleet benchmark. Source bench/lib/sshd.sh, then this file, then:
#
#   fleet_start DIR COUNT          -> COUNT sshds; sets FLEET_DIR FLEET_COUNT FLEET_PIDS
#   fleet_inventory FILE           -> INI inventory: t01..tNN, ansible_host=127.0.0.N, and
#                                     fleet_dir (that target's own directory) as a host var
#   fleet_forget_jars              -> empties every target's executor cache (jar, archive)
#   fleet_jars_cached              -> true if every target's cache holds the jar (says which lack it)
#   fleet_archives_made            -> waits for every target's background archive maker; true
#                                     if every cache then holds an archive (says which lack one)
#   fleet_stop                     -> stops them (by their pids)
#
# Each target is one sshd in a mount namespace of its own, where DIR/tNN/cache is mounted
# on /var/cache/livetune: the cache where executor_run.sh keeps the jar and the class-data
# archive of a root login. So each target has its own cache, as each host of a real fleet
# has, and a "first run" transfers the jar to every target and makes every target's archive.
# Everything else (binaries, java, /proc) is the one machine's. Needs root.
# shellcheck disable=SC2034 # the FLEET_* variables are for the caller

FLEET_CACHE=/var/cache/livetune

fleet_start() {
    local dir=$1 count=$2 n addr port tdir
    mkdir -p "$dir"
    FLEET_DIR=$(cd "$dir" && pwd)
    FLEET_COUNT=$count
    FLEET_PIDS=()
    sshd_keys "$FLEET_DIR"
    # the mount point; executor_run.sh would make it so on its first root run
    [ -d "$FLEET_CACHE" ] || mkdir -m 700 "$FLEET_CACHE"
    for n in $(seq 1 "$count"); do
        tdir=$(fleet_target_dir "$n")
        addr=127.0.0.$((n + 1))
        port=$(sshd_free_port "$addr")
        mkdir -p "$tdir" && mkdir -m 700 "$tdir/cache"
        echo "$addr $port" >"$tdir/address"
        sshd_write_config "$tdir" "$FLEET_DIR" "$addr" "$port" || return 1
        # shellcheck disable=SC2016 # expanded by the inner shell
        unshare --mount --propagation private -- sh -c \
            'mount --bind "$1" "$2" && exec /usr/sbin/sshd -f "$3/sshd_config" -E "$3/sshd.log"' \
            fleet-target "$tdir/cache" "$FLEET_CACHE" "$tdir" || return 1
    done
    for n in $(seq 1 "$count"); do
        tdir=$(fleet_target_dir "$n")
        read -r addr port <"$tdir/address"
        sshd_await "$tdir" "$FLEET_DIR" "$addr" "$port" || return 1
        FLEET_PIDS+=("$(cat "$tdir/sshd.pid")")
    done
}

fleet_target_dir() { printf '%s/t%02d' "$FLEET_DIR" "$1"; }

fleet_inventory() {
    local file=$1 n addr port
    {
        echo "[fleet]"
        for n in $(seq 1 "$FLEET_COUNT"); do
            read -r addr port <"$(fleet_target_dir "$n")/address"
            printf 't%02d ansible_host=%s ansible_port=%s fleet_dir=%s\n' "$n" "$addr" "$port" "$(fleet_target_dir "$n")"
        done
        echo
        echo "[fleet:vars]"
        echo "ansible_user=$(id -un)"
        echo "ansible_connection=ssh"
        echo "ansible_ssh_private_key_file=$FLEET_DIR/client_ed25519"
        echo "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"
        echo "ansible_python_interpreter=/usr/bin/python3"
    } >"$file"
}

fleet_forget_jars() {
    local n
    for n in $(seq 1 "$FLEET_COUNT"); do
        find "$(fleet_target_dir "$n")/cache" -mindepth 1 -delete
    done
}

fleet_jars_cached() {
    local n missing=()
    for n in $(seq 1 "$FLEET_COUNT"); do
        compgen -G "$(fleet_target_dir "$n")/cache/*/livetune-executor.jar" >/dev/null || missing+=("t$(printf %02d "$n")")
    done
    [ ${#missing[@]} = 0 ] || echo "fleet: no jar in the cache of ${missing[*]}" >&2
    [ ${#missing[@]} = 0 ]
}

fleet_archives_made() {
    local n lock missing=()
    for n in $(seq 1 "$FLEET_COUNT"); do
        for lock in "$(fleet_target_dir "$n")"/cache/*/.archive.lock; do
            [ -e "$lock" ] && flock -w 600 "$lock" true
        done
        compgen -G "$(fleet_target_dir "$n")/cache/*/cds-*.jsa" >/dev/null ||
            compgen -G "$(fleet_target_dir "$n")/cache/*/aot-*.aot" >/dev/null || missing+=("t$(printf %02d "$n")")
    done
    [ ${#missing[@]} = 0 ] || echo "fleet: no archive in the cache of ${missing[*]}" >&2
    [ ${#missing[@]} = 0 ]
}

fleet_stop() {
    local p
    for p in "${FLEET_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    FLEET_PIDS=()
}
