#!/usr/bin/env bash
# Run under `unshare -m` (a private mount namespace): makes this "host" hardened, then
# runs the command. Always: /tmp and ~/.cache are empty noexec tmpfs. Extra switches:
#   hide-unzip  unzip is gone (JNA then unpacks its native part itself)
#   hide-jvms   /usr/lib/jvm is empty: no JRE left
# Usage: unshare -m noexec_tmp.sh [hide-unzip] [hide-jvms] -- COMMAND...
set -euo pipefail

mount --make-rprivate /
mount -t tmpfs -o noexec,nosuid,nodev tmpfs /tmp
mkdir -p "$HOME/.cache"
mount -t tmpfs -o noexec,nosuid,nodev tmpfs "$HOME/.cache"
while [ $# -gt 0 ]; do
    case $1 in
        hide-unzip) if [ -e /usr/bin/unzip ]; then mount --bind /dev/null /usr/bin/unzip; fi ;;
        hide-jvms) mount -t tmpfs tmpfs /usr/lib/jvm ;;
        --) shift; break ;;
        *) echo "noexec_tmp.sh: unknown switch $1" >&2; exit 2 ;;
    esac
    shift
done
exec "$@"
