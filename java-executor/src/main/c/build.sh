#!/bin/bash
# Compiles livetune's LD_PRELOAD shim, liblivetune_preload.so, for x86_64 and aarch64.
# The Maven build runs it in phase process-classes, after ShimOptionTable has written
# livetune_options.h from the option registry:
#
#   build.sh GENERATED_HEADER_DIR OUTPUT_DIR      -> OUTPUT_DIR/{x86_64,aarch64}/liblivetune_preload.so
#
# The build machine's own architecture is compiled with gcc, the other one with its cross
# compiler (Debian: gcc-aarch64-linux-gnu, which `make deps` installs). On an x86_64 build
# machine both are required: the jar that ships must carry both. On an aarch64 one the
# x86_64 cross compiler is used when it is there; without it the jar has no x86_64 shim, and
# the preload_wrapper module refuses x86_64 machines.
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
generated=$1
out=$2
library=liblivetune_preload.so
sources=("$src/livetune_preload.c" "$src/config.c" "$src/report.c")
cflags=(-std=gnu11 -O2 -fPIC -shared -Wall -Wextra -Werror -Wshadow -fvisibility=hidden
        -I"$generated" -I"$src")
# libdl.so.2 by its file name: on glibc < 2.34 dlsym lives there (see livetune_preload.c).
ldflags=(-Wl,-soname,$library -Wl,--no-undefined -Wl,-z,now -Wl,--no-as-needed -l:libdl.so.2 -s)
# The newest glibc symbol version the library may need: it must load wherever a program of
# the target machine runs (2.17: CentOS 7 on x86_64, the first glibc for aarch64).
max_glibc=2.17
exports="accept accept4 close connect listen setsockopt socket"

die() { echo "build.sh: $*" >&2; exit 1; }

compile() { # ARCH COMPILER
    local arch=$1 cc=$2 so=$out/$1/$library needed newest machine exported
    mkdir -p "$out/$arch"
    "$cc" "${cflags[@]}" -o "$so" "${sources[@]}" "${ldflags[@]}"

    machine=$(readelf -h "$so" | sed -n 's/^ *Machine: *//p')
    case $arch:$machine in
        x86_64:*X86-64*|aarch64:AArch64) ;;
        *) die "$so is for '$machine', not $arch" ;;
    esac
    needed=$(readelf -V -W "$so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -u -V)
    newest=$(printf '%s\n' "$needed" "$max_glibc" | sort -V | tail -1)
    [ "$newest" = "$max_glibc" ] ||
        die "$so needs glibc $(echo "$needed" | tail -1) (symbols: $(readelf -V -W "$so" | grep -o 'GLIBC_[0-9.]*' | sort -u | tr '\n' ' ')); it must load on glibc $max_glibc"
    # Only the intercepted functions may be exported: anything else could take the place of
    # a program's own symbol of the same name.
    exported=$(readelf --dyn-syms -W "$so" | awk '$5 == "GLOBAL" && $7 != "UND" { print $8 }' | sort | tr '\n' ' ')
    [ "$exported" = "$exports " ] || die "$so exports '$exported', expected '$exports'"
}

have() { command -v "$1" >/dev/null 2>&1; }

case $(uname -m) in
    x86_64)
        have gcc || die "gcc is missing (make deps)"
        have aarch64-linux-gnu-gcc || die "aarch64-linux-gnu-gcc is missing: apt-get install gcc-aarch64-linux-gnu (make deps)"
        compile x86_64 gcc
        compile aarch64 aarch64-linux-gnu-gcc
        ;;
    aarch64)
        have gcc || die "gcc is missing (make deps)"
        compile aarch64 gcc
        if have x86_64-linux-gnu-gcc; then
            compile x86_64 x86_64-linux-gnu-gcc
        else
            echo "build.sh: WARNING: no x86_64-linux-gnu-gcc (gcc-x86-64-linux-gnu): the jar carries no x86_64 shim" >&2
        fi
        ;;
    *)
        die "build the jar on an x86_64 or aarch64 machine (this is $(uname -m))"
        ;;
esac
