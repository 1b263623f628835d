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
#   lt_install_stdin  the size of a jar that follows the arguments' line on stdin, to install
#                 first (lt_args is empty then); may be empty
#   lt_debug      1: say on stderr what is run
#   lt_resident   1: ask the resident executor first, start one after a cold run (docs/resident-executor.md)
#   lt_resident_idle  seconds the resident waits for a request before it exits
#   lt_python     the Python ansible uses on this host (for the resident's client); may be empty
#   lt_archive_idle_wait  seconds the archive maker waits for an idle CPU before it starts anyway
# POSIX sh (dash, busybox ash): no `local`, no arrays, few forks, nothing read from stdin
# before java (stdin carries the arguments).
#
# When it cannot run the jar it prints ONE line "LIVETUNE-STATUS<TAB>word<TAB>detail..."
# and exits with 90 (cli.ExitStatus.NOT_STARTED, which the jar never uses); executor.py
# reads the line only then, and turns the word into the message the user sees.
# Otherwise java's stdout (the executor's JSON) is the command's stdout.

# shellcheck disable=SC2154 # the lt_* inputs are assigned by executor.py
: "${lt_java=}" "${lt_args=}" "${lt_install=}" "${lt_install_stdin=}" "${lt_debug=0}" "${lt_jvm_flags=}"
: "${lt_java_min:=17}" "${lt_resident=0}" "${lt_resident_idle:=60}" "${lt_python=}" "${lt_archive_idle_wait:=60}"
lt_rargs= # a copy of the arguments this script made (and removes); never an input
# Everything we create (directories, jar, CDS archive) is for our user only.
umask 077

lt_status() {
    if [ -n "${lt_rargs:-}" ]; then rm -f -- "$lt_rargs"; fi # our copy of the arguments: no java will read it
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
# final symlink. ls -n is the portable way to read both in one fork; paths read ahead
# together (lt_stat_ahead) are answered from that read.
lt_stat() {
    lt_i=0
    while [ "$lt_i" -lt "$lt_ahead_n" ]; do
        lt_i=$((lt_i + 1))
        eval "lt_ap=\$lt_ahead_path_$lt_i"
        if [ "$lt_ap" = "$1" ]; then
            eval "lt_mode=\$lt_ahead_mode_$lt_i lt_owner=\$lt_ahead_owner_$lt_i"
            return 0
        fi
    done
    lt_ls=$(LC_ALL=C ls -ldn -- "$1" 2>/dev/null) || return 1
    lt_mode_owner "$lt_ls"
}

# lt_mode and lt_owner from one line of ls -ldn: mode, links, uid, ...
lt_mode_owner() {
    set -f
    # shellcheck disable=SC2086 # split on purpose
    set -- $1
    set +f
    lt_mode=$1
    lt_owner=$3
}

# Reads the mode and owner of every path given in one fork of ls, for lt_stat to answer from
# until lt_stat_forget: a task checks six paths (the cache's parents, the cache, its
# directory, the jar), each fork ~1 ms. ls sorts its operands; under LC_ALL=C a path and the
# paths below it, given in that order, stay in it. Each line must end with its own path, all
# of them must exist: otherwise nothing is kept, and lt_stat reads each path on its own.
lt_stat_ahead() {
    lt_ahead_n=0
    lt_ls=$(LC_ALL=C ls -ldn -- "$@" 2>/dev/null) || return 0
    lt_nl='
'
    lt_rest=$lt_ls$lt_nl
    lt_n=0
    for lt_ap in "$@"; do
        lt_line=${lt_rest%%"$lt_nl"*}
        lt_rest=${lt_rest#*"$lt_nl"}
        case $lt_line in
            *" $lt_ap") ;;
            *) lt_stat_forget; return 0 ;; # out of order, a symlink (-> target), a name with a newline
        esac
        lt_mode_owner "$lt_line"
        lt_n=$((lt_n + 1))
        eval "lt_ahead_path_$lt_n=\$lt_ap lt_ahead_mode_$lt_n=\$lt_mode lt_ahead_owner_$lt_n=\$lt_owner"
    done
    [ -z "$lt_rest" ] || { lt_stat_forget; return 0; }
    lt_ahead_n=$lt_n
}

lt_stat_forget() {
    lt_ahead_n=0
}
lt_ahead_n=0

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
    lt_physical "$1" || lt_unsafe "$1" unreadable
    lt_p=$lt_phys
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

# lt_phys: the physical path of directory $1 (symlinked parts resolved), kept for the next
# call with the same $1. Fails when $1 cannot be entered.
lt_physical() {
    if [ -n "${lt_phys_of:-}" ] && [ "$lt_phys_of" = "$1" ]; then return 0; fi
    lt_phys=$(cd -P -- "$1" 2>/dev/null && pwd -P) || return 1
    lt_phys_of=$1
}

# The cache's parents (physical, from /), the cache, its directory and the jar when there is
# one and none is being installed, read ahead in one fork for the checks that follow.
lt_stat_cache_ahead() {
    lt_physical "$lt_cache" || return 0
    set --
    lt_p=$lt_phys
    while [ -n "$lt_p" ]; do
        lt_p=${lt_p%/*}
        set -- "${lt_p:-/}" "$@"
    done
    set -- "$@" "$lt_cache" "$lt_dir"
    if [ -z "$lt_install$lt_install_stdin" ] && [ -e "$lt_jar" ]; then set -- "$@" "$lt_jar"; fi
    lt_stat_ahead "$@"
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

# The jar on stdin behind the arguments' line (lt_install_stdin: its size): the controller
# sends it so when stdin reaches the script, one remote call instead of an sftp session, which
# costs the target about as much as a task's own call. The arguments go to a private file for
# java (lt_rargs, removed after it), as stdin is spent; the jar is checked (size, sha256) and
# installed as an uploaded one.
lt_receive_jar() {
    IFS= read -r lt_line || lt_status install-failed "$lt_dir" stdin
    lt_rargs=$(mktemp "$lt_dir/.args.XXXXXX") || lt_status install-failed "$lt_dir" mktemp
    lt_args=$lt_rargs
    printf '%s\n' "$lt_line" >"$lt_args" || lt_receive_failed "$lt_args" write
    lt_install=$(mktemp "$lt_dir/.upload.XXXXXX") || lt_receive_failed "$lt_dir" mktemp
    cat >"$lt_install" || lt_receive_failed "$lt_install" copy
    lt_size=$(wc -c <"$lt_install")
    [ "$lt_size" -eq "$lt_install_stdin" ] || lt_receive_failed "$lt_install" size
    lt_install_jar
}

lt_receive_failed() {
    rm -f -- "$lt_install"
    lt_status install-failed "$1" "$2" # it removes lt_rargs
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

# Class-data sharing: an archive of the executor's classes next to the jar, made once per
# host and JVM; every later run maps it and starts faster. JDK 17 gets a static archive of the
# JDK's classes and ours that the training loaded (-XX:DumpLoadedClassList, then -Xshare:dump):
# one archive mapped instead of the JDK's own and a dynamic one on top, and a task's executor
# takes ~0.95 of the time (bench/README.md). JDK 18 to 24 get a dynamic archive
# (-XX:ArchiveClassesAtExit) on top of the JDK's: from 18 on, a JVM with the serial collector
# also uses the heap objects the JDK's own archive holds, which a static dump made with the
# task's flags would leave out (and no JDK 18-24 was at hand to measure one against the other).
# JDK 25 and newer get an ahead-of-time cache (JEP 483/514), which also keeps the classes
# linked and the lambdas resolved: recorded (-XX:AOTMode=record), then written
# (-XX:AOTMode=create).
# Either is keyed by the JVM build (a JDK update makes a new one) and only kept once a JVM
# accepted it (-Xshare:on with the same class path; -XX:AOTMode=on). A JVM that cannot make
# or map one gets a ".off" marker and runs without from then on. At run time -Xshare:auto
# (or AOTCache's default mode, auto) skips an unusable archive: it never fails a task.
#
# No task makes it: recording slows a JVM's exit (a dump; an AOT configuration, then a
# second JVM that writes the cache for seconds), and on a fleet's first run every target's
# task would wait for that. A task that finds no archive runs without one and starts the
# maker (lt_cds_start_maker) beside it, which records `java -jar JAR archive-training
# MODULE` (the Ansible path of the task's module in check mode, against a child process of
# its own that listens on 127.0.0.1, and nothing else), checks the result and renames it
# into place.
lt_cds_prepare() {
    lt_cds=
    lt_cds_dump=
    lt_archive_kind=
    [ "$lt_major" -ge "$lt_java_min" ] || return 0 # 0: a version we could not read, no archive
    lt_jvm_size=$(LC_ALL=C ls -lnL -- "$lt_home/lib/server/libjvm.so" 2>/dev/null)
    lt_key=$({ printf '%s\n' "$lt_real" "$lt_jvm_size"; cat -- "$lt_home/release" 2>/dev/null; } | cksum)
    if [ "$lt_major" -ge 25 ]; then
        lt_archive_kind=aot
        lt_cds=$lt_dir/aot-${lt_key%% *}.aot
    else
        lt_archive_kind=dynamic
        if [ "$lt_major" -lt 18 ]; then lt_archive_kind=static; fi
        lt_cds=$lt_dir/cds-${lt_key%% *}.jsa
    fi
    if [ -f "$lt_cds" ] || [ -f "$lt_cds.off" ]; then return 0; fi
    lt_cds_dump=$lt_cds.$$
}

# The maker, a script of its own (so that it can run in a session of its own, see
# lt_cds_start_maker): records the training, writes and checks the archive, and keeps it
# under its final name, or leaves the ".off" marker when this JVM cannot make or map one,
# except when the cache directory was removed (and maybe made again) meanwhile: then the
# dump is gone for that reason, and the new directory's own first run decides. It works in
# the directory it was started for (its working directory, its files named relative to it),
# so that a maker whose directory was removed writes nothing into one made since at the same
# path: its files, a class list among them, would be another maker's leftovers there.
# Arguments: java, jar, archive, dump (archive.PID), its kind (aot, static or dynamic), cache directory,
# its `ls -di` when the task started, own-session (1 or empty), the task's module (the
# training runs that one: ArchiveTraining), the seconds to wait for an idle CPU, then the
# task's JVM flags
# (an archive must be mapped with the class path it was made with: the jar, as here).
# In a session of its own, it also asks for the lowest priority of its autogroup, which
# nice(1) alone does not lower (CONFIG_SCHED_AUTOGROUP: each session shares the CPU equally).
# First it waits, up to that many seconds, for a second in which at least 0.9 of a CPU was
# idle (/proc/stat): the training is ~0.5 s of CPU (JDK 25: ~1.3 s), and nice 19 only orders
# it behind other work, it still takes what is left of a busy machine; the tasks of a play
# (and the services livetune tunes) come first. After the wait it starts anyway: a machine
# that is never idle gets its archive too.
# An AOT cache leaves out the method profiles (JEP 515) when the task's JVM compiles with C1
# only (-XX:TieredStopAtLevel=1, jvm.flags): they are for C2, which such a JVM never runs,
# yet a JVM replays a cache's profiles at every start (~7 ms of a task's ~75 ms). The switch
# is a diagnostic flag; a JVM without it records them as before. The resident executor, which
# runs C2, maps the same cache and so warms up from its own profiles (its warm-up request); its
# bench figures did not get worse (bench/README.md, fifth stop).
# Lines of the script must not start with "#": executor.py drops those before sending it.
# shellcheck disable=SC2016 # the maker expands its own variables
lt_cds_maker='
javabin=$1 jar=$2 final=$3 dump=$4 kind=$5 dir=$6 dir_id=$7 own_session=$8 module=$9 idle_wait=${10}
shift 10
cd -- "$dir" || exit 0
final=${final##*/} dump=${dump##*/}
if [ -n "$own_session" ] && [ -w /proc/self/autogroup ]; then echo 19 >/proc/self/autogroup 2>/dev/null; fi
cpus=0
if [ "$idle_wait" -gt 0 ] && [ -r /proc/stat ]; then
    while read -r name _; do
        case $name in cpu[0-9]*) cpus=$((cpus + 1)) ;; esac
    done </proc/stat
fi
if [ "$cpus" -gt 0 ]; then
    : >"$final.waiting"
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    busy=$((user + nice + system + irq + softirq + steal)) free=$((idle + iowait))
    waited=0
    while [ "$waited" -lt "$idle_wait" ]; do
        sleep 1
        waited=$((waited + 1))
        busy0=$busy free0=$free
        read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
        busy=$((user + nice + system + irq + softirq + steal)) free=$((idle + iowait))
        # idle share of all CPUs, times their number: 0.9 of one CPU or more
        if [ $(((free - free0) * cpus * 10)) -ge $(((busy - busy0 + free - free0) * 9)) ] &&
            [ $((busy - busy0 + free - free0)) -gt 0 ]; then
            break
        fi
    done
    rm -f -- "$final.waiting"
fi
nice=
if command -v nice >/dev/null 2>&1; then nice="nice -n 19"; fi
for f in "$final".[0-9]*; do
    [ "$f" = "$dump" ] || rm -f -- "$f"
done
ok=
if [ "$kind" = aot ]; then
    profiles=
    case " $* " in
    *" -XX:TieredStopAtLevel=1 "*)
        profiles="-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining"
        $nice "$javabin" $profiles -version >/dev/null 2>&1 || profiles=
        ;;
    esac
    $nice "$javabin" "$@" $profiles -XX:AOTMode=record -XX:AOTConfiguration="$dump.conf" -jar "$jar" archive-training "$module"
    [ -s "$dump.conf" ] &&
        $nice "$javabin" "$@" -XX:AOTMode=create -XX:AOTConfiguration="$dump.conf" -XX:AOTCache="$dump" -cp "$jar" &&
        $nice "$javabin" "$@" -XX:AOTMode=on -XX:AOTCache="$dump" -cp "$jar" -version && ok=1
else
    if [ "$kind" = static ]; then
        $nice "$javabin" "$@" -XX:DumpLoadedClassList="$dump.classes" -jar "$jar" archive-training "$module"
        [ -s "$dump.classes" ] && $nice "$javabin" "$@" -Xshare:dump -XX:SharedClassListFile="$dump.classes" \
            -XX:SharedArchiveFile="$dump" -cp "$jar"
    else
        $nice "$javabin" "$@" -XX:ArchiveClassesAtExit="$dump" -jar "$jar" archive-training "$module"
    fi
    [ -s "$dump" ] && $nice "$javabin" "$@" -Xshare:on -XX:SharedArchiveFile="$dump" -cp "$jar" -version && ok=1
fi
if [ -n "$ok" ]; then
    mv -f -- "$dump" "$final"
elif [ "$(LC_ALL=C ls -di -- "$dir" 2>/dev/null)" = "$dir_id" ]; then
    : >"$final.off"
fi
rm -f -- "$dump" "$dump.conf" "$dump.classes"
'

# Starts the maker detached from the task: in a session of its own where setsid(1) exists,
# its output to /dev/null (the SSH channel and sudo's pty close when the task's JVM ends,
# not when the maker does), SIGHUP ignored (sudo's use_pty hangs up its session then; a JVM
# leaves an ignored SIGHUP ignored), at the lowest CPU priority (the task, and the tasks
# after it, come first). One maker per cache directory at a time: it holds an flock on
# .archive.lock (where flock(1) exists) until it ends; a task that finds the lock held
# starts none. Tests wait on that lock.
lt_cds_start_maker() {
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$lt_dir/.archive.lock"
        if ! flock -n 9; then
            exec 9>&-
            return 0
        fi
    fi
    lt_dir_id=$(LC_ALL=C ls -di -- "$lt_dir" 2>/dev/null)
    lt_setsid=
    if command -v setsid >/dev/null 2>&1; then lt_setsid=setsid; fi
    if [ "$lt_debug" = 1 ]; then echo "livetune: archive maker: $lt_javabin $* archive-training $lt_module" >&2; fi
    (
        trap '' HUP # inherited through exec, as SIG_IGN is
        exec $lt_setsid sh -c "$lt_cds_maker" lt-archive-maker "$lt_javabin" "$lt_jar" "$lt_cds" \
            "$lt_cds_dump" "$lt_archive_kind" "$lt_dir" "$lt_dir_id" "${lt_setsid:+1}" "$lt_module" \
            "$lt_archive_idle_wait" "$@"
    ) </dev/null >/dev/null 2>&1 &
    exec 9>&-
}

# The resident executor (docs/resident-executor.md), with lt_resident=1: one JVM per target
# user, in a directory of the cache keyed like the CDS archive (jar sha256 and JVM build), that
# serves the next tasks over a UNIX socket. Any doubt before it accepted a task means a cold
# start; a resident is never started or asked when its directory is not ours alone (mode 0700).
# Sets lt_rdir (empty: no resident for this task).
lt_resident_prepare() {
    lt_rdir=
    # no key (a JVM whose build cannot be told): cold, as without
    [ "$lt_resident" = 1 ] && [ -n "${lt_key:-}" ] || return 0
    # the client's language: the Python ansible uses on this host, else python3 on PATH
    if [ -n "$lt_python" ] && [ -x "$lt_python" ]; then
        lt_py=$lt_python
    else
        command -v python3 >/dev/null 2>&1 || return 0 # no Python: no resident
        lt_py=python3
    fi
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
    if [ "$lt_debug" = 1 ]; then echo "livetune: asking the resident executor through $lt_py" >&2; fi
    "$lt_py" -I -S "$lt_rdir/client.py" "$lt_rdir" "$lt_module" "$lt_args"
    lt_rc=$?
    [ "$lt_rc" = 91 ] && return 0
    if [ -n "$lt_rargs" ]; then rm -f -- "$lt_rargs"; fi
    exit "$lt_rc"
}

# The cold run of a task with lt_resident=1 ("$@": java's arguments), then a resident started
# for the next tasks (and the copy of the arguments lt_resident_ask made removed): after the
# task's own JVM, so that the two do not compete for the CPU.
lt_resident_cold() {
    if [ -n "$lt_args" ]; then
        "$lt_javabin" "$@" </dev/null
    else
        "$lt_javabin" "$@"
    fi
    lt_rc=$?
    if [ -n "$lt_rargs" ]; then rm -f -- "$lt_rargs"; fi
    lt_resident_start
    exit "$lt_rc"
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
        -Djna.nosys=true -Dlivetune.jna.dir="$lt_dir/jna" -Djna.tmpdir="$lt_dir/jna" -Dlivetune.cache.dir="$lt_dir"
    if [ "$lt_archive_kind" = aot ]; then
        if [ -f "$lt_cds" ]; then set -- "$@" -XX:AOTCache="$lt_cds"; fi
    elif [ -n "$lt_cds" ] && [ -f "$lt_cds" ]; then
        set -- "$@" -Xshare:auto -XX:SharedArchiveFile="$lt_cds"
    fi
    if [ "$lt_debug" = 1 ]; then echo "livetune: starting the resident executor in $lt_rdir" >&2; fi
    (cd -- "$lt_rdir" && exec setsid "$lt_javabin" "$@" -jar "$lt_jar" resident --dir . --warm-up "$lt_module" \
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
    lt_stat_cache_ahead
    lt_check_parents "$lt_cache"
    lt_check_private "$lt_cache" d
    lt_check_private "$lt_dir" d
    if [ -n "$lt_install" ]; then
        lt_install_jar
    elif [ -n "$lt_install_stdin" ]; then
        lt_receive_jar
    fi
    if [ ! -e "$lt_jar" ] && [ ! -L "$lt_jar" ]; then
        # leftovers of transfers that broke off (best effort: -mmin is not POSIX)
        find "$lt_dir" \( -name '.upload.*' -o -name '.args.*' \) -mmin +60 -exec rm -f {} + 2>/dev/null
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
    lt_stat_forget # read ahead for these checks only

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
    if [ "$lt_archive_kind" = aot ]; then lt_share=; fi
    # shellcheck disable=SC2086 # the flags are split on purpose
    set -- $lt_jvm_flags -Xlog:disable -Xlog:all=error:stderr $lt_share \
        -Djna.nosys=true -Dlivetune.jna.dir="$lt_dir/jna" -Djna.tmpdir="$lt_dir/jna" -Dlivetune.cache.dir="$lt_dir"
    if [ -n "$lt_cds_dump" ]; then
        lt_cds_start_maker "$@"
    elif [ "$lt_archive_kind" = aot ] && [ -f "$lt_cds" ]; then
        set -- "$@" -XX:AOTCache="$lt_cds"
    elif [ -n "$lt_cds" ] && [ -f "$lt_cds" ]; then
        set -- "$@" -XX:SharedArchiveFile="$lt_cds"
    fi
    # Below JDK 24, the jar on the class path and its main class named: `-jar` has the launcher
    # open the jar (2,000 entries) and parse its manifest before main, ~3 ms of every task, when
    # the classes come from the archive (the maker records `-jar JAR`: the same class path). From
    # 24 on (or a version we could not read), `-jar`: the manifest's Enable-Native-Access keeps
    # java from warning on stderr that JNA loads a library, and a command-line flag for it would
    # not match the AOT cache.
    if [ "$lt_major" -gt 0 ] && [ "$lt_major" -lt 24 ]; then
        set -- "$@" -cp "$lt_jar" io.livetune.executor.Main ansible "$lt_module"
    else
        set -- "$@" -jar "$lt_jar" ansible "$lt_module"
    fi
    if [ -n "$lt_args" ]; then set -- "$@" --args-file "$lt_args"; fi
    if [ "$lt_debug" = 1 ]; then echo "livetune: $lt_javabin $*" >&2; fi
    if [ -n "$lt_rdir" ]; then lt_resident_cold "$@"; fi
    if [ -n "$lt_rargs" ]; then # our own copy of the arguments: removed after java
        "$lt_javabin" "$@" </dev/null
        lt_rc=$?
        rm -f -- "$lt_rargs"
        exit "$lt_rc"
    fi
    if [ -n "$lt_args" ]; then exec "$lt_javabin" "$@" </dev/null; fi
    exec "$lt_javabin" "$@"
}

lt_main
