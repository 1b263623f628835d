#!/bin/bash
# `make sanity` and `make test-units`: ansible-test on the installed collection, offline.
#
#   build-aux/ansible-test.sh sanity|units COLLECTION_DIR [ansible-test options...]
#
# COLLECTION_DIR is .../NAMESPACE/NAME (e.g. build/collections/ansible_collections/livetune/process).
#
# `units` runs pytest from Debian (python3-pytest, -xdist, -forked, -mock; `make deps`).
# For `sanity`, ansible-test makes one virtualenv per sanity test (~/.ansible/test/venv/sanity.NAME/...)
# and pip-installs its pinned linters there, from PyPI. Offline, we give it each of those
# venvs ready-made instead: empty, but seeing the system site-packages, where `make deps`
# put Debian's pylint, pycodestyle, yamllint, voluptuous..., with the marker files that
# make ansible-test take a venv as complete. Which venvs it wants (their names carry a hash
# of the pinned requirements) is asked of ansible-test itself: `--prime-venvs` prepares them
# without running a test, and names each one it cannot install pip into. Idempotent: a venv
# that exists is left alone; on a machine that has them all it changes nothing.
#
# ansible-test wants the collection under ansible_collections/NS/NAME and outside a git
# tree that ignores it, hence the copy; and Debian's python3: PATH has no pyenv shims.
set -euo pipefail

usage='usage: ansible-test.sh sanity|units COLLECTION_DIR [ansible-test options...]'
command=${1:?$usage}
src=${2:?$usage}
shift 2
case $command in sanity | units) ;; *) echo "$usage" >&2; exit 2 ;; esac
src=$(cd "$src" && pwd)
ns=$(basename "$(dirname "$src")")
name=$(basename "$src")
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
py=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ansible_collections/$ns/$name"
cp -a "$src/." "$tmp/ansible_collections/$ns/$name/"
cd "$tmp/ansible_collections/$ns/$name"

# make_venv DIR: what ansible-test would have made, minus pip and the pinned packages
make_venv() {
    local v=$1
    echo "sanity: venv $v (no pip; Debian's packages through system site-packages)"
    rm -rf "$v"
    /usr/bin/python3 -m venv --without-pip --system-site-packages "$v"
    echo '[]' >"$v/meta.install.json" # the pip commands "run": none
    echo true >"$v/meta.yaml.json"    # PyYAML with libyaml: Debian's python3-yaml
    touch "$v/marker.txt"             # complete: ansible-test does not rebuild it
}

if [ "$command" = units ]; then
    ansible-test units --local --python "$py" "$@"
    exit
fi

# Each pass stops at the first venv it cannot finish; there are a dozen at most.
for _ in $(seq 1 40); do
    out=$(ansible-test sanity --prime-venvs --local --python "$py" "$@" 2>&1) && rc=0 || rc=$?
    venv=$(sed -n 's|^FATAL: Python [0-9.]* at "\(.*\)/bin/python" does not have pip available\.$|\1|p' <<<"$out" | head -n 1)
    if [ -z "$venv" ]; then
        [ "$rc" -eq 0 ] || { printf '%s\n' "$out" >&2; echo "sanity: ansible-test --prime-venvs failed (rc=$rc)" >&2; exit "$rc"; }
        break
    fi
    make_venv "$venv"
done

ansible-test sanity --local --python "$py" "$@"
