# shellcheck shell=bash
# The test "hosts": this machine over -c local, and over SSH to an sshd started on
# 127.0.0.1 as root and as non-root users. Creates what it needs and registers its removal.

TEST_USER=livetune-test # passwordless sudo
TTY_USER=livetune-tty   # passwordless sudo, but sudo insists on a tty (requiretty)

# ensure_user NAME SUDOERS_LINE...: the user, with a home, and its sudoers drop-in.
ensure_user() {
    local user=$1
    shift
    if ! id "$user" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/sh "$user"
        on_exit "userdel --remove $user"
    fi
    # a clean cache: the tests decide when the jar is present
    rm -rf "$(getent passwd "$user" | cut -d: -f6)/.cache/livetune"
    local f="/etc/sudoers.d/${user//[^a-z]/_}"
    printf '%s\n' "$@" >"$f.tmp"
    chmod 0440 "$f.tmp"
    visudo -cqf "$f.tmp" || fail "bad sudoers drop-in for $user"
    mv -f "$f.tmp" "$f"
    on_exit "rm -f $f"
}

setup_users() {
    ensure_user "$TEST_USER" "$TEST_USER ALL=(ALL) NOPASSWD: ALL"
    ensure_user "$TTY_USER" "Defaults:$TTY_USER requiretty" "$TTY_USER ALL=(ALL) NOPASSWD: ALL"
}

# start_sshd: an sshd on 127.0.0.1:$SSH_PORT whose keys live in $WORK/ssh (hence
# StrictModes no). Sets SSH_PORT, SSH_KEY.
start_sshd() {
    local d="$WORK/ssh"
    mkdir -p "$d" /run/sshd
    chmod 755 "$WORK" "$d" # users' sshd processes read authorized_keys from here
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" -C livetune-test-host
    ssh-keygen -q -t ed25519 -N '' -f "$d/id_ed25519" -C livetune-test-client
    cp "$d/id_ed25519.pub" "$d/authorized_keys"
    chmod 644 "$d/authorized_keys"
    SSH_KEY="$d/id_ed25519"
    SSH_PORT=$(free_port)
    cat >"$d/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
Subsystem sftp internal-sftp
MaxSessions 50
MaxStartups 50
EOF
    /usr/sbin/sshd -t -f "$d/sshd_config" || fail "sshd rejects its test config"
    /usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" &
    local pid=$!
    on_exit "stop_pid $pid"
    wait_until 10 "sshd on 127.0.0.1:$SSH_PORT" port_listening "$SSH_PORT"
    # ControlPersist masters (the repo's ansible.cfg) must not outlive the run
    # shellcheck disable=SC2016 # expanded at exit, by run_cleanup
    on_exit 'for s in "$WORK"/cp/*; do ssh -O exit -o ControlPath="$s" x; done'
}

# write_inventory: the test hosts. LIVETUNE_TEST_JAVA=/path/to/java makes it every host's
# livetune_java (Makefile: test-ansible-jdk25), unless a test passes its own.
write_inventory() {
    cat >"$WORK/inventory" <<EOF
[all:vars]
ansible_python_interpreter=/usr/bin/python3
ansible_ssh_private_key_file=$SSH_KEY
ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'
ansible_port=$SSH_PORT
ansible_host=127.0.0.1
${LIVETUNE_TEST_JAVA:+livetune_java=$LIVETUNE_TEST_JAVA}

[local_hosts]
local ansible_connection=local

[ssh_hosts]
ssh_root ansible_connection=ssh ansible_user=root
ssh_user ansible_connection=ssh ansible_user=$TEST_USER ansible_become=true ansible_become_method=sudo
ssh_user_nobecome ansible_connection=ssh ansible_user=$TEST_USER
ssh_tty ansible_connection=ssh ansible_user=$TTY_USER ansible_become=true ansible_become_method=sudo

[su_hosts]
su_user ansible_connection=local ansible_become=true ansible_become_method=su ansible_become_user=$TEST_USER
EOF
}
