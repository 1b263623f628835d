#!/bin/sh
# PID 1 of the throwaway test VM (kernel command line: init=/sbin/livetune-vm-init).
# No systemd: the suites need only /proc, /sys, /dev, a /tmp, loopback and the payload disk,
# and under TCG a full boot would cost minutes. Runs the payload's run.sh, writes its exit
# status beside the reports, then powers the machine off (the harness reads the disk after).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ip link set lo up
hostname livetune-vm
mkdir -p /payload
status=1
if mount -t ext4 /dev/vdb /payload; then
    echo "livetune-vm: kernel $(uname -r) $(uname -m), $(nproc) cpus; running the payload"
    (cd /payload && sh ./run.sh)
    status=$?
    echo "$status" > /payload/exit-status
    sync
    umount /payload
else
    echo "livetune-vm: no payload disk /dev/vdb"
fi
echo "livetune-vm: payload exit status $status"
sync
echo o > /proc/sysrq-trigger
sleep 30
