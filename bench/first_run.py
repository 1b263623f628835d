#!/usr/bin/env python3
"""Where a target's first livetune task goes, step by step (figure (h)'s first run, one target).

    bench/first_run.py --jar JAR --args ARGS.json [--rounds 3] [JAVA ...]

Drives plugin_utils/executor_run.sh as executor.py does, with the cache emptied before each
round: the command that answers "need-jar", the jar put into the cache (a local copy here,
where SSH would transfer it), the command that installs it and runs the task (and records
what the class-data archive or the AOT cache needs), the wait for the archive that
executor_run.sh then makes in the background (JDK < 25: checked; JDK >= 25: the AOT cache
written and checked), then two cached runs. Prints each step's wall time. ARGS.json holds
the task's arguments as executor.py sends them; the JVM flags are those of jvm.flags.

Runs itself in a private mount namespace with a temporary directory on /var/cache/livetune
(the cache of a root login), so the machine's real cache is never touched. Needs root.
"""

import argparse
import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_SH = os.path.join(ROOT, "ansible_collection", "plugins", "plugin_utils", "executor_run.sh")
JVM_FLAGS = os.path.join(ROOT, "ansible_collection", "plugins", "plugin_utils", "jvm.flags")
CACHE = "/var/cache/livetune"
INSIDE = "LIVETUNE_FIRST_RUN_NAMESPACE"


def in_private_cache(argv):
    """Re-runs this script in a mount namespace of its own, with an empty cache mounted."""
    scratch = tempfile.mkdtemp(prefix="livetune-first-run.")
    try:
        os.chmod(scratch, 0o700)
        os.makedirs(CACHE, mode=0o700, exist_ok=True)  # the mount point
        script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
        env = dict(os.environ, **{INSIDE: "1"})
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script,
                               "first-run", scratch, CACHE, sys.executable] + argv, env=env).returncode
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jar", required=True)
    p.add_argument("--args", required=True, help="file with the task's arguments (JSON)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("javas", nargs="*", default=[shutil.which("java")])
    o = p.parse_args()
    if os.environ.get(INSIDE) != "1":
        return in_private_cache(sys.argv)
    script = open(RUN_SH).read()
    jar = os.path.abspath(o.jar)
    sha = hashlib.sha256(open(jar, "rb").read()).hexdigest()
    task = open(o.args, "rb").read()
    flags = " ".join(ln.strip() for ln in open(JVM_FLAGS) if ln.strip() and not ln.lstrip().startswith("#"))

    def executor_run(java, install=""):
        values = dict(lt_sha=sha, lt_module="socket_option", lt_java=java, lt_args="", lt_install=install,
                      lt_debug="0", lt_jvm_flags=flags)
        cmd = "\n".join("%s=%s" % (k, shlex.quote(v)) for k, v in values.items()) + "\n" + script
        t0 = time.perf_counter()
        done = subprocess.run(["sh", "-c", cmd], input=task, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return time.perf_counter() - t0, done.stdout

    for java in o.javas:
        print("-- %s" % java)
        print("need-jar  copy    install+run  archive (background)  cached  cached")
        for _ in range(o.rounds):
            shutil.rmtree(os.path.join(CACHE, sha), ignore_errors=True)
            asked, out = executor_run(java)
            if not out.startswith(b"LIVETUNE-STATUS\tneed-jar"):
                sys.exit("expected need-jar, got %r" % out[:200])
            upload = os.path.join(CACHE, sha, ".upload.bench")
            t0 = time.perf_counter()
            shutil.copyfile(jar, upload)
            copied = time.perf_counter() - t0
            times = [asked, copied]
            for install in (upload, None, "", ""):
                if install is None:
                    times.append(archive_made(os.path.join(CACHE, sha)))
                    continue
                took, out = executor_run(java, install)
                if not out.startswith(b"{"):
                    sys.exit("the executor did not answer: %r" % out[:300])
                times.append(took)
            print("%6.3f s %6.3f s %9.3f s %14.3f s %11.3f s %6.3f s" % tuple(times))
    return 0


def archive_made(cache_dir):
    """Seconds until executor_run.sh's background archive maker lets go of .archive.lock."""
    t0 = time.perf_counter()
    try:
        with open(os.path.join(cache_dir, ".archive.lock")) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
    except FileNotFoundError:
        pass  # no maker ran (the archive was there already, or no flock(1) on this machine)
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
