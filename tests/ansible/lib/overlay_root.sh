#!/usr/bin/env bash
# Run under `unshare -m --fork` (a private mount namespace): runs COMMAND chrooted in a
# throwaway copy-on-write view of this machine (overlayfs over /, its changes in a tmpfs):
# packages can be removed and installed for real there, and the host never sees it. The
# view shares this machine's processes, network and /proc, /sys, /dev.
#
# Usage: unshare -m --fork overlay_root.sh DIR [bind PATH]... [no-java] -- COMMAND...
#   DIR       an empty directory for the overlay's layers (the caller removes it after)
#   bind P    P (a checkout, a work dir) is the host's own P in the view, not a copy:
#             also right when P is on another filesystem than /, which the overlay lacks
#   no-java   the view is a host that never had Java: the JRE/JDK packages are purged with
#             apt-get (with what depends on them), the JVMs left in /usr/lib/jvm removed
# COMMAND runs in the current directory, with JAVA_HOME unset.
set -euo pipefail

dir=$1
shift
binds=()
no_java=
while [ $# -gt 0 ]; do
    case $1 in
        bind) binds+=("$2"); shift ;;
        no-java) no_java=1 ;;
        --) shift; break ;;
        *) echo "overlay_root.sh: unknown switch $1" >&2; exit 2 ;;
    esac
    shift
done

mount --make-rprivate /
mount -t tmpfs tmpfs "$dir"
mkdir "$dir/upper" "$dir/work" "$dir/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
root=$dir/root
for m in /proc /sys /dev; do mount --rbind "$m" "$root$m"; done
mount -t tmpfs tmpfs "$root/tmp"
for p in "${binds[@]}"; do
    mkdir -p "$root$p"
    mount --rbind "$p" "$root$p"
done

if [ -n "$no_java" ]; then
    # shellcheck disable=SC2016 # expanded in the view
    chroot "$root" /bin/sh -c '
        set -e
        export DEBIAN_FRONTEND=noninteractive
        pkgs=$(dpkg-query -W -f "\${db:Status-Abbrev} \${Package}\n" |
            awk "\$1 ~ /^i/ && \$2 ~ /^(openjdk-[0-9]+-(jre|jdk)|default-(jre|jdk)|temurin-|java-[0-9]+-)/ {print \$2}")
        if [ -n "$pkgs" ]; then
            echo "overlay_root: purging (in the view only):" $pkgs >&2
            apt-get purge -y -q $pkgs >/dev/null
        fi
        rm -rf /usr/lib/jvm
        if command -v java >/dev/null; then echo "overlay_root: java is still there: $(command -v java)" >&2; exit 1; fi
    '
fi

cwd=$(pwd)
# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
exec chroot "$root" /usr/bin/env -u JAVA_HOME /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$cwd" "$@"
