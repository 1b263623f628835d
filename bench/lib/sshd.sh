#!/bin/bash
# A throw-away sshd on a loopback address, for the benchmarks. Source this file, then:
#
#   sshd_start DIR [ADDRESS] [PORT]   -> starts sshd; sets SSHD_DIR SSHD_ADDR SSHD_PORT SSHD_KEY SSHD_PID
#   sshd_inventory FILE [NAME]        -> writes an INI inventory that reaches it as root
#   sshd_stop                         -> stops it (by its pid)
#
# Keys, config, pid file and log live in DIR (StrictModes is off for that reason).
# Loopback only. Needs root (it logs in as the invoking user, normally root).
# shellcheck disable=SC2034 # the SSHD_* variables are for the caller

sshd_start() {
    local dir=$1 addr=${2:-127.0.0.1} port=${3:-}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -n "$port" ] || port=$(sshd_free_port "$addr")
    sshd_keys "$dir"
    sshd_write_config "$dir" "$dir" "$addr" "$port" || return 1
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" || return 1
    sshd_await "$dir" "$dir" "$addr" "$port" || return 1
    SSHD_DIR=$dir SSHD_ADDR=$addr SSHD_PORT=$port SSHD_KEY=$dir/client_ed25519
    SSHD_PID=$(cat "$dir/sshd.pid")
}

# A free TCP port on address $1.
sshd_free_port() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# Host and client keys in DIR (made once), and the client key authorised.
sshd_keys() {
    local dir=$1
    [ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/host_ed25519"
    [ -f "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client_ed25519"
    [ -f "$dir/authorized_keys" ] || cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
}

# sshd_write_config DIR KEYDIR ADDR PORT: DIR/sshd_config (pid file there), keys of KEYDIR.
sshd_write_config() {
    local dir=$1 keys=$2 addr=$3 port=$4
    local sftp=/usr/lib/openssh/sftp-server
    [ -x "$sftp" ] || sftp=internal-sftp
    cat >"$dir/sshd_config" <<CFG
ListenAddress $addr
Port $port
HostKey $keys/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $keys/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
UseDNS no
MaxSessions 50
MaxStartups 50:30:100
LogLevel ERROR
Subsystem sftp $sftp
CFG
    mkdir -p /run/sshd
    /usr/sbin/sshd -t -f "$dir/sshd_config"
}

# sshd_await DIR KEYDIR ADDR PORT: waits until the sshd of DIR wrote its pid and accepts a login.
sshd_await() {
    local dir=$1 keys=$2 addr=$3 port=$4 _
    for _ in $(seq 100); do
        if [ -s "$dir/sshd.pid" ] && ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no \
            -o UserKnownHostsFile=/dev/null -o ConnectTimeout=2 -i "$keys/client_ed25519" \
            -p "$port" "$(id -un)@$addr" true </dev/null 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "sshd on $addr:$port did not accept a login; log:" >&2
    cat "$dir/sshd.log" >&2 || true
    return 1
}

sshd_inventory() {
    local file=$1 name=${2:-target}
    cat >"$file" <<INV
[bench]
$name ansible_host=$SSHD_ADDR ansible_port=$SSHD_PORT ansible_user=$(id -un) ansible_connection=ssh ansible_ssh_private_key_file=$SSHD_KEY ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null' ansible_python_interpreter=/usr/bin/python3
INV
}

sshd_stop() {
    if [ -n "${SSHD_PID:-}" ]; then
        kill -TERM "$SSHD_PID" 2>/dev/null || true
        SSHD_PID=
    fi
}
