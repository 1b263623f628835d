#!/bin/bash
# Builds (once, then cached) the root filesystem of the throwaway test VM for one architecture:
# a Debian 12 image made with mmdebstrap from the Debian package registry, with the Debian
# kernel, a headless JRE 17 and what the engine suites' targets need. Prints the cache
# directory holding rootfs.img, vmlinuz and initrd.img. The cache key is the package list, the
# initrd's modules and guest-init.sh: change one and the image is built again.
#
#   build-aux/vm/rootfs.sh ARCH        ARCH: aarch64 | x86_64
#   LIVETUNE_VM_CACHE (default /var/cache/livetune-vm): where images are kept, outside the repo
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:?usage: rootfs.sh aarch64|x86_64}
case $arch in
    aarch64) debarch=arm64 kernel=linux-image-arm64 ;;
    x86_64) debarch=amd64 kernel=linux-image-amd64 ;;
    *) echo "rootfs.sh: unknown architecture $arch (aarch64 or x86_64)" >&2; exit 2 ;;
esac
step() { printf '[vm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The JRE runs the tests; gcc+libc6-dev build it/CTarget's C targets; python3 runs the socket
# and injection targets; iproute2 (ss, ip netns), procps, strace and util-linux (unshare) are
# the tools the tests check livetune against; initramfs-tools builds the initrd for the kernel.
packages=(
    "$kernel" initramfs-tools kmod e2fsprogs
    openjdk-17-jre-headless
    gcc libc6-dev python3 iproute2 procps strace util-linux
)
# The initrd needs only what mounts the root disk: a list, not MODULES=most, which under
# qemu-user takes half an hour to copy every module into the arm64 initrd.
initrd_modules=(virtio_pci virtio_blk virtio_rng ext4)
key=$(printf '%s\n' "$arch" "${packages[@]}" "${initrd_modules[@]}" | cat - "$here/guest-init.sh" |
      sha256sum | cut -c1-16)
cache=${LIVETUNE_VM_CACHE:-/var/cache/livetune-vm}/$arch-$key
if [ -s "$cache/rootfs.img" ] && [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.img" ]; then
    step "rootfs for $arch: cached in $cache"
    echo "$cache"
    exit 0
fi

if [ "$arch" != "$(uname -m)" ] && ! arch-test "$debarch" >/dev/null 2>&1; then
    # mmdebstrap runs the foreign packages' scripts through qemu-user; binfmt_misc hands them to it
    step "registering qemu-user-static for $debarch with binfmt_misc"
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    [ -e "/proc/sys/fs/binfmt_misc/qemu-$arch" ] ||
        grep -v '^#' "/usr/lib/binfmt.d/qemu-$arch.conf" > /proc/sys/fs/binfmt_misc/register
    arch-test "$debarch" >/dev/null || { echo "rootfs.sh: cannot run $debarch binaries here (qemu-user-static, binfmt_misc)" >&2; exit 1; }
fi

work=$(mktemp -d "${LIVETUNE_VM_CACHE:-/var/cache/livetune-vm}/.build-$arch.XXXXXX" 2>/dev/null ||
       { mkdir -p "${LIVETUNE_VM_CACHE:-/var/cache/livetune-vm}"; mktemp -d "${LIVETUNE_VM_CACHE:-/var/cache/livetune-vm}/.build-$arch.XXXXXX"; })
trap 'rm -rf "$work"' EXIT
step "mmdebstrap bookworm $debarch: ${packages[*]}"
# The hooks are expanded by mmdebstrap, which passes the root directory as $1; the essential
# hook runs before the kernel's package, whose postinst builds the initrd.
# shellcheck disable=SC2016
mmdebstrap --mode=root --variant=minbase --architectures="$debarch" \
    --include="$(IFS=,; echo "${packages[*]}")" \
    --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"' \
    --essential-hook='echo MODULES=list > "$1/etc/initramfs-tools/conf.d/livetune-vm"' \
    --essential-hook="printf '%s\\n' ${initrd_modules[*]} > \"\$1/usr/share/initramfs-tools/modules.d/livetune-vm\"" \
    --customize-hook="install -m 755 '$here/guest-init.sh' \"\$1/sbin/livetune-vm-init\"" \
    --customize-hook='echo "/dev/vda / ext4 defaults 0 1" > "$1/etc/fstab"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
    bookworm "$work/root" http://deb.debian.org/debian >&2

step "kernel and initrd out of the image"
mkdir -p "$work/out"
kernels=("$work"/root/boot/vmlinuz-*) initrds=("$work"/root/boot/initrd.img-*)
cp "${kernels[-1]}" "$work/out/vmlinuz"
cp "${initrds[-1]}" "$work/out/initrd.img"
step "ext4 image (mke2fs -d)"
# mke2fs prints "Creating regular file" even with -q: stdout is the cache path alone
mke2fs -q -t ext4 -L livetune-root -d "$work/root" "$work/out/rootfs.img" 4G >&2
rm -rf "$cache" && mkdir -p "$(dirname "$cache")" && mv "$work/out" "$cache"
step "rootfs for $arch: built in $cache"
echo "$cache"
