#!/bin/sh
# Prints "PATH MAJOR" of the Java runtime that livetune's executor would run on this host,
# or nothing when it would find none. Same order as the executor (executor_run.sh):
# java_executable / livetune_java ($1 when not empty), $JAVA_HOME/bin/java, java on PATH,
# then the newest /usr/lib/jvm/*/bin/java. A java that does not start is no java.
# MAJOR is the feature release (8 for 1.8).
set -u

# probe FILE: "FILE MAJOR" when FILE is a java that runs
probe() {
    [ -f "$1" ] && [ -x "$1" ] || return 1
    v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
    case $v in 1.*) v=${v#1.} ;; esac
    v=${v%%[!0-9]*}
    [ -n "$v" ] || return 1
    echo "$1 $v"
}

if [ -n "${1-}" ]; then
    probe "$1"
    exit 0
fi
if [ -n "${JAVA_HOME-}" ] && probe "$JAVA_HOME/bin/java"; then exit 0; fi
if java=$(command -v java) && probe "$java"; then exit 0; fi
for java in /usr/lib/jvm/*/bin/java; do
    probe "$java"
done | sort -k2,2n | tail -n 1
exit 0
