#!/usr/bin/env bash
# Run under `unshare -m` (a private mount namespace): makes this "host" hardened, then
# runs the command. Always: /tmp and ~/.cache are empty noexec tmpfs. Extra switches:
#   hide-unzip  unzip is gone (JNA then unpacks its native part itself)
#   hide-jvms   /usr/lib/jvm is empty: no JRE left
#   fresh-cache /var/cache/livetune is empty (root's jar cache: nothing installed yet)
#   machine M   uname -m says M (e.g. riscv64)
# Usage: unshare -m noexec_tmp.sh [hide-unzip] [hide-jvms] [fresh-cache] [machine M] -- COMMAND...
set -euo pipefail

mount --make-rprivate /
# A checkout under /tmp (users clone there) must stay visible: the collection, ansible.cfg
# and these scripts live in it. Hold it open, then bind it back over the new, empty /tmp
# (-c: mount must not resolve /proc/self/fd/9 to a path, which would name the empty one).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
exec 9<"$repo"
mount -t tmpfs -o noexec,nosuid,nodev tmpfs /tmp
case $repo/ in
    /tmp/*) mkdir -p "$repo" && mount -c --bind /proc/self/fd/9 "$repo" ;;
esac
exec 9<&-
mkdir -p "$HOME/.cache"
mount -t tmpfs -o noexec,nosuid,nodev tmpfs "$HOME/.cache"
while [ $# -gt 0 ]; do
    case $1 in
        hide-unzip) if [ -e /usr/bin/unzip ]; then mount --bind /dev/null /usr/bin/unzip; fi ;;
        hide-jvms) mount -t tmpfs tmpfs /usr/lib/jvm ;;
        fresh-cache)
            mkdir -p /var/cache/livetune
            mount -t tmpfs -o mode=0700 tmpfs /var/cache/livetune
            ;;
        machine)
            shift
            # an executable fake uname, on an exec tmpfs of its own inside this namespace's
            # noexec /tmp: nothing is created on the host
            fake=/tmp/fake-uname
            mkdir "$fake"
            mount -t tmpfs tmpfs "$fake"
            # shellcheck disable=SC2016 # $1 is the fake's own argument
            printf '#!/bin/sh\ncase "$1" in -m) echo %s ;; *) echo Linux ;; esac\n' "$1" >"$fake/uname"
            chmod 755 "$fake/uname"
            mount --bind "$fake/uname" "$(readlink -f /usr/bin/uname)"
            ;;
        --) shift; break ;;
        *) echo "noexec_tmp.sh: unknown switch $1" >&2; exit 2 ;;
    esac
    shift
done
exec "$@"
