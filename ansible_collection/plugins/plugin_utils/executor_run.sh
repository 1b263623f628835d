#!/bin/sh
# Runs ON THE TARGET, as the user that runs the executor (after become), in ONE remote
# command: what must happen before a JVM starts, and nothing else (what the executor can do
# itself, such as unpacking JNA's native part, it does in Java). Check the jar cache, find
# java, run the jar. Read by executor.py, which puts these assignments in front of it
# (values shell-quoted):
#   lt_sha        sha256 of the controller's jar; names the cache directory
#   lt_module     the module to run (socket_option)
#   lt_java       java to use (java_executable / livetune_java); empty: search
#   lt_java_min   the oldest Java feature release the jar runs on (17)
#   lt_jvm_flags  the JVM flags of jvm.flags beside this script (bench/run.sh reads it too)
#   lt_args       file holding the module arguments; empty: they come on stdin
#   lt_install    a jar just uploaded by the controller, to install first; may be empty
#   lt_debug      1: say on stderr what is run
#   lt_resident   1: ask the resident executor first, start one after a cold run (docs/resident-executor.md)
#   lt_resident_idle  seconds the resident waits for a request before it exits
# POSIX sh (dash, busybox ash): no `local`, no arrays, few forks, nothing read from stdin
# before java (stdin carries the arguments).
#
# When it cannot run the jar it prints ONE line "LIVETUNE-STATUS<TAB>word<TAB>detail..."
# and exits with 90 (cli.ExitStatus.NOT_STARTED, which the jar never uses); executor.py
# reads the line only then, and turns the word into the message the user sees.
# Otherwise java's stdout (the executor's JSON) is the command's stdout.

# shellcheck disable=SC2154 # the lt_* inputs are assigned by executor.py
: "${lt_java=}" "${lt_args=}" "${lt_install=}" "${lt_debug=0}" "${lt_jvm_flags=}" "${lt_java_min:=17}"
: "${lt_resident=0}" "${lt_resident_idle:=60}"
# Everything we create (directories, jar, CDS archive) is for our user only.
umask 077

lt_status() {
    printf 'LIVETUNE-STATUS'
    for lt_f in "$@"; do printf '\t%s' "$lt_f"; done
    printf '\n'
    exit 90
}

# Refuses to run the jar because of $1 (reason $2, detail $3).
lt_unsafe() {
    lt_status unsafe "$lt_jar" "$lt_uid" "$1" "$2" "${3-}"
}

# Sets lt_mode (e.g. drwx------) and lt_owner (numeric uid) of $1, without following a
# final symlink. ls -n is the portable way to read both in one fork.
lt_stat() {
    lt_ls=$(LC_ALL=C ls -ldn -- "$1" 2>/dev/null) || return 1
    set -f
    # shellcheck disable=SC2086 # split on purpose: mode, links, uid, ...
    set -- $lt_ls
    set +f
    lt_mode=$1
    lt_owner=$3
}

# A directory or file of the cache must be ours alone: not a symlink, owned by us, no
# write access for group or others, no ACL that could grant it. Anything else means
# someone else could have put the jar (or the CDS archive) there: refuse, never repair.
lt_check_private() {
    lt_private "$1" "$2" || lt_unsafe "$1" "$lt_why" "$lt_why_detail"
}

# Whether $1 is ours alone (type $2: d or -); if not, lt_why says why (lt_unsafe's reasons).
lt_private() {
    lt_why=
    lt_why_detail=
    if [ -L "$1" ]; then lt_why=symlink; return 1; fi
    lt_stat "$1" || { lt_why=unreadable; return 1; }
    case $lt_mode in
        "$2"*) ;;
        *) lt_why="type"; return 1 ;;
    esac
    if [ "$lt_owner" != "$lt_uid" ]; then lt_why=owner lt_why_detail=$lt_owner; return 1; fi
    case $lt_mode in
        ?????w* | ????????w*) lt_why=writable; return 1 ;;
        ??????????+*) lt_why=acl; return 1 ;;
    esac
    return 0
}

# Every directory above the cache must be owned by root or by us, and not writable by
# others unless sticky (as /tmp): otherwise our directory could be renamed away and
# replaced. Walks the physical path, so symlinked parents are judged by their target.
lt_check_parents() {
    lt_p=$(cd -P -- "$1" 2>/dev/null && pwd -P) || lt_unsafe "$1" unreadable
    while [ -n "$lt_p" ]; do
        lt_p=${lt_p%/*}
        lt_stat "${lt_p:-/}" || lt_unsafe "${lt_p:-/}" unreadable
        case $lt_owner in
            0 | "$lt_uid") ;;
            *) lt_unsafe "${lt_p:-/}" parent-owner "$lt_owner" ;;
        esac
        case $lt_mode in
            ?????????[tT]*) ;;
            ?????w* | ????????w*) lt_unsafe "${lt_p:-/}" parent-writable ;;
        esac
    done
}

lt_make_dir() {
    # umask 077 makes every level 0700 (mkdir -p -m would only set the last one)
    [ -d "$1" ] || mkdir -p -- "$1" 2>/dev/null || [ -d "$1" ] ||
        lt_status mkdir-failed "$1"
}

# Installs an uploaded jar under a temporary name in the cache, checks it, then renames
# it into place: a broken or partial transfer is never run.
lt_install_jar() {
    case $lt_install in
        "$lt_dir"/*) lt_tmp=$lt_install ;;
        *)  # uploaded by the login user elsewhere (become): copy it into our directory
            lt_tmp=$(mktemp "$lt_dir/.upload.XXXXXX") || lt_status install-failed "$lt_dir" mktemp
            cat -- "$lt_install" >"$lt_tmp" || { rm -f -- "$lt_tmp"; lt_status install-failed "$lt_install" copy; } ;;
    esac
    if command -v sha256sum >/dev/null 2>&1; then
        lt_sum=$(sha256sum <"$lt_tmp")
        if [ "${lt_sum%% *}" != "$lt_sha" ]; then
            rm -f -- "$lt_tmp"
            lt_status install-failed "$lt_tmp" checksum "${lt_sum%% *}"
        fi
    fi
    if ! { chmod 600 -- "$lt_tmp" && mv -f -- "$lt_tmp" "$lt_jar"; }; then
        rm -f -- "$lt_tmp"
        lt_status install-failed "$lt_jar" rename
    fi
}

# Sets lt_major (feature release, 0 when unknown) and lt_home for the java at $1 from the
# JDK's "release" file: no JVM start just to learn its version.
lt_java_version() {
    lt_real=$(readlink -f -- "$1" 2>/dev/null) || lt_real=$1
    lt_home=${lt_real%/bin/*}
    lt_major=0
    [ -r "$lt_home/release" ] || return 0
    while IFS= read -r lt_line; do
        case $lt_line in
            JAVA_VERSION=*)
                lt_v=${lt_line#JAVA_VERSION=}
                lt_v=${lt_v#\"}
                case $lt_v in 1.*) lt_v=${lt_v#1.} ;; esac # 1.8.0_x is 8
                lt_major=${lt_v%%[!0-9]*}
                ;;
        esac
    done <"$lt_home/release"
    : "${lt_major:=0}"
}

# Sets lt_javabin. Order: explicit, $JAVA_HOME, PATH, newest under /usr/lib/jvm.
lt_find_java() {
    if [ -n "$lt_java" ]; then
        if [ ! -f "$lt_java" ] || [ ! -x "$lt_java" ]; then lt_status bad-java "$lt_java"; fi
        lt_javabin=$lt_java
        return
    fi
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        lt_javabin=$JAVA_HOME/bin/java
        return
    fi
    lt_javabin=$(command -v java 2>/dev/null) && [ -n "$lt_javabin" ] && return
    lt_javabin=''
    lt_best=-1
    for lt_c in /usr/lib/jvm/*/bin/java; do
        [ -x "$lt_c" ] || continue
        lt_java_version "$lt_c"
        if [ "$lt_major" -gt "$lt_best" ]; then lt_best=$lt_major lt_javabin=$lt_c; fi
    done
    [ -n "$lt_javabin" ] && return
    lt_os_ids
    lt_status no-java "$lt_os" "$lt_os_like"
}

# Sets lt_os and lt_os_like from /etc/os-release: executor.py names the JRE package to install.
lt_os_ids() {
    lt_os=
    lt_os_like=
    [ -r /etc/os-release ] || return 0
    while IFS= read -r lt_line; do
        case $lt_line in
            ID=*) lt_os=${lt_line#ID=} ;;
            ID_LIKE=*) lt_os_like=${lt_line#ID_LIKE=} ;;
        esac
    done </etc/os-release
}

# Class-data sharing: the first run on a host dumps the classes it loaded into an archive
# next to the jar (JDK 13+: -XX:ArchiveClassesAtExit); later runs map it and start faster.
# The archive is keyed by the JVM build (a JDK update makes a new one) and only kept once a
# JVM accepted it with -Xshare:on and the same class path (a dynamic archive records it).
# A JVM that cannot make or map one gets a ".off" marker and runs without CDS from then on.
# At run time -Xshare:auto skips an unusable archive: CDS never fails a task.
# JDK 25 and newer get an ahead-of-time cache instead (JEP 483/514), which also keeps the
# classes linked, the lambdas resolved and the method profiles of that first run: made in
# two steps (the first run records, -XX:AOTMode=record; then -XX:AOTMode=create writes the
# cache), same directory, same key, kept only once a JVM accepted it with -XX:AOTMode=on.
# At run time -XX:AOTCache in its default mode (auto) skips an unusable cache.
lt_cds_prepare() {
    lt_cds=
    lt_cds_dump=
    lt_aot=
    [ "$lt_major" -ge 13 ] || return 0
    lt_jvm_size=$(LC_ALL=C ls -lnL -- "$lt_home/lib/server/libjvm.so" 2>/dev/null)
    lt_key=$({ printf '%s\n' "$lt_real" "$lt_jvm_size"; cat -- "$lt_home/release" 2>/dev/null; } | cksum)
    if [ "$lt_major" -ge 25 ]; then
        lt_aot=1
        lt_cds=$lt_dir/aot-${lt_key%% *}.aot
    else
        lt_cds=$lt_dir/cds-${lt_key%% *}.jsa
    fi
    if [ -f "$lt_cds" ] || [ -f "$lt_cds.off" ]; then return 0; fi
    lt_cds_dump=$lt_cds.$$
}

lt_cds_keep() {
    if [ -n "$lt_aot" ]; then
        if [ -s "$lt_cds_dump.conf" ] &&
            "$lt_javabin" "$@" -XX:AOTMode=create -XX:AOTConfiguration="$lt_cds_dump.conf" \
                -XX:AOTCache="$lt_cds_dump" -cp "$lt_jar" >/dev/null 2>&1 &&
            "$lt_javabin" "$@" -XX:AOTMode=on -XX:AOTCache="$lt_cds_dump" -cp "$lt_jar" -version \
                >/dev/null 2>&1; then
            mv -f -- "$lt_cds_dump" "$lt_cds"
        else
            rm -f -- "$lt_cds_dump"
            : >"$lt_cds.off"
        fi
        rm -f -- "$lt_cds_dump.conf"
        return
    fi
    if [ -s "$lt_cds_dump" ] &&
        "$lt_javabin" "$@" -Xshare:on -XX:SharedArchiveFile="$lt_cds_dump" -cp "$lt_jar" -version \
            >/dev/null 2>&1; then
        mv -f -- "$lt_cds_dump" "$lt_cds"
    else
        rm -f -- "$lt_cds_dump"
        : >"$lt_cds.off"
    fi
}

# The resident executor (docs/resident-executor.md), with lt_resident=1: one JVM per target
# user, in a directory of the cache keyed like the CDS archive (jar sha256 and JVM build), that
# serves the next tasks over a UNIX socket. Any doubt before it accepted a task means a cold
# start; a resident is never started or asked when its directory is not ours alone (mode 0700).
# Sets lt_rdir (empty: no resident for this task).
lt_resident_prepare() {
    lt_rdir=
    lt_rargs=
    # no key (a JVM whose build cannot be told): cold, as without
    [ "$lt_resident" = 1 ] && [ -n "${lt_key:-}" ] || return 0
    command -v python3 >/dev/null 2>&1 || return 0  # the client's language: without it, no resident
    lt_rdir=$lt_dir/r${lt_key%% *}
    [ -d "$lt_rdir" ] || mkdir -- "$lt_rdir" 2>/dev/null  # 0700 by the umask
    lt_private "$lt_rdir" drwx------ || lt_rdir=
}

# Asks the resident to run the task; exits with its answer when it accepted it, returns when
# it did not (the client exits 91, cli.ExitStatus.NOT_SERVED). The arguments go through a file
# so that a cold start after a refusal still has them (stdin can be read once).
lt_resident_ask() {
    if [ ! -S "$lt_rdir/s" ] || ! lt_private "$lt_rdir/client.py" -; then return 0; fi
    if [ -z "$lt_args" ]; then
        lt_rargs=$(mktemp "$lt_rdir/.args.XXXXXX") && cat >"$lt_rargs" || return 0
        lt_args=$lt_rargs
    fi
    python3 -I -S "$lt_rdir/client.py" "$lt_rdir" "$lt_module" "$lt_args"
    lt_rc=$?
    [ "$lt_rc" = 91 ] && return 0
    if [ -n "$lt_rargs" ]; then rm -f -- "$lt_rargs"; fi
    exit "$lt_rc"
}

# The cold run of a task with lt_resident=1 ("$@": java's arguments), then a resident started
# for the next tasks: after the task's own JVM, so that the two do not compete for the CPU.
lt_resident_cold() {
    if [ -n "$lt_args" ]; then
        "$lt_javabin" "$@" </dev/null
    else
        "$lt_javabin" "$@"
    fi
    lt_rc=$?
    lt_resident_after
    exit "$lt_rc"
}

# After a cold run: its copy of the arguments removed, a resident started.
lt_resident_after() {
    if [ -n "$lt_rargs" ]; then rm -f -- "$lt_rargs"; fi
    lt_resident_start
}

# Starts the resident detached from the task: a session of its own (setsid), every standard
# descriptor on /dev/null, so that ssh, sudo or the local connection end with the task. The
# resident locks its directory: one started while another serves exits at once.
lt_resident_start() {
    command -v setsid >/dev/null 2>&1 || return 0
    # jvm.flags stop the JIT at C1, right for a JVM that lives a fraction of a second; one that
    # serves many tasks gains from C2 (a warm request: ~110 ms at C1, ~40 ms with C2). The later
    # flag wins. A heap that starts small and is capped keeps its RSS near 100 MB (the default
    # initial heap, 1/64 of the RAM, let it grow to 200 MB over 1,000 tasks for nothing).
    # (bench/resident_soak.py runs its resident with these flags too.)
    lt_resident_jvm='-XX:TieredStopAtLevel=4 -Xms8m -Xmx256m'
    # shellcheck disable=SC2086 # the flags are split on purpose
    set -- $lt_jvm_flags $lt_resident_jvm -Xlog:disable -Xlog:all=error:stderr \
        -Djna.nosys=true -Dlivetune.jna.dir="$lt_dir/jna" -Djna.tmpdir="$lt_dir/jna"
    if [ -n "$lt_aot" ]; then
        if [ -f "$lt_cds" ]; then set -- "$@" -XX:AOTCache="$lt_cds"; fi
    elif [ -n "$lt_cds" ] && [ -f "$lt_cds" ]; then
        set -- "$@" -Xshare:auto -XX:SharedArchiveFile="$lt_cds"
    fi
    if [ "$lt_debug" = 1 ]; then echo "livetune: starting the resident executor in $lt_rdir" >&2; fi
    (cd -- "$lt_rdir" && exec setsid "$lt_javabin" "$@" -jar "$lt_jar" resident --dir . \
        --idle-timeout "$lt_resident_idle") </dev/null >/dev/null 2>&1 &
}

lt_main() {
    lt_uid=$(id -u)
    if [ "$lt_uid" = 0 ]; then
        lt_cache=/var/cache/livetune
    else
        lt_cache=${HOME:?HOME is not set}/.cache/livetune
    fi
    lt_dir=$lt_cache/$lt_sha
    lt_jar=$lt_dir/livetune-executor.jar

    lt_make_dir "$lt_dir"
    lt_check_parents "$lt_cache"
    lt_check_private "$lt_cache" d
    lt_check_private "$lt_dir" d
    if [ -n "$lt_install" ]; then
        lt_install_jar
    fi
    if [ ! -e "$lt_jar" ] && [ ! -L "$lt_jar" ]; then
        # leftovers of transfers that broke off (best effort: -mmin is not POSIX)
        find "$lt_dir" -name '.upload.*' -mmin +60 -exec rm -f {} + 2>/dev/null
        # The executor knows the system calls and registers of these two only (and the jar
        # carries JNA's native part for them alone): say so before 4 MiB are transferred.
        lt_machine=$(uname -m)
        case $lt_machine in
            x86_64 | amd64 | aarch64 | arm64) ;;
            *) lt_status unsupported-machine "$lt_machine" ;;
        esac
        lt_status need-jar "$lt_dir"
    fi
    lt_check_private "$lt_jar" -

    lt_find_java
    lt_java_version "$lt_javabin"
    if [ "$lt_major" -gt 0 ] && [ "$lt_major" -lt "$lt_java_min" ]; then
        lt_os_ids
        lt_status old-java "$lt_javabin" "$lt_major" "$lt_os" "$lt_os_like"
    fi
    lt_cds_prepare
    lt_resident_prepare
    if [ -n "$lt_rdir" ]; then lt_resident_ask; fi

    # JVM logging: errors only, on stderr. stdout carries nothing but the executor's JSON,
    # and under a tty (sudo requiretty) stderr joins stdout. (-Xshare cannot go with an AOT cache.)
    lt_share=-Xshare:auto
    if [ -n "$lt_aot" ]; then lt_share=; fi
    # shellcheck disable=SC2086 # the flags are split on purpose
    set -- $lt_jvm_flags -Xlog:disable -Xlog:all=error:stderr $lt_share \
        -Djna.nosys=true -Dlivetune.jna.dir="$lt_dir/jna" -Djna.tmpdir="$lt_dir/jna"
    if [ -n "$lt_aot" ] && [ -n "$lt_cds_dump" ]; then
        # the JVM says "AOTConfiguration recorded" at exit: on stderr, not in our stdout
        set -- "$@" -XX:AOTMode=record -XX:AOTConfiguration="$lt_cds_dump.conf" -XX:+DisplayVMOutputToStderr
    elif [ -n "$lt_aot" ] && [ -f "$lt_cds" ]; then
        set -- "$@" -XX:AOTCache="$lt_cds"
    elif [ -n "$lt_cds_dump" ]; then
        set -- "$@" -XX:ArchiveClassesAtExit="$lt_cds_dump"
    elif [ -n "$lt_cds" ] && [ -f "$lt_cds" ]; then
        set -- "$@" -XX:SharedArchiveFile="$lt_cds"
    fi
    set -- "$@" -jar "$lt_jar" ansible "$lt_module"
    if [ -n "$lt_args" ]; then set -- "$@" --args-file "$lt_args"; fi
    if [ "$lt_debug" = 1 ]; then echo "livetune: $lt_javabin $*" >&2; fi

    if [ -z "$lt_cds_dump" ]; then
        if [ -n "$lt_rdir" ]; then lt_resident_cold "$@"; fi
        if [ -n "$lt_args" ]; then exec "$lt_javabin" "$@" </dev/null; fi
        exec "$lt_javabin" "$@"
    fi
    if [ -n "$lt_args" ]; then
        "$lt_javabin" "$@" </dev/null
    else
        "$lt_javabin" "$@"
    fi
    lt_rc=$?
    # shellcheck disable=SC2086 # the flags are split on purpose
    lt_cds_keep $lt_jvm_flags -Xlog:disable
    if [ -n "$lt_rdir" ]; then lt_resident_after; fi
    exit "$lt_rc"
}

lt_main
