#!/usr/bin/env bash
# Run under `unshare -m` (a private mount namespace): DIR stands in for /etc/systemd/system,
# so what a task writes there lands in DIR, visible from outside, and the host's own
# /etc/systemd/system is never touched. Then runs the command.
# Usage: unshare -m systemd_dir.sh DIR -- COMMAND...
set -euo pipefail
dir=$1
shift
[ "${1:-}" = -- ] && shift
mount --make-rprivate /
mount --bind "$dir" /etc/systemd/system
exec "$@"
