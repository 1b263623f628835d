"""The archive a JVM gets from executor_run.sh's archive maker, made for a bench's own command.

bench/jar_ab.py and bench/run.sh's figures (b) and (d) time the executor "as the plugin runs
it": with the kind of archive the maker makes for that JDK (executor_run.sh, lt_cds_maker).

- JDK 25 and newer: an ahead-of-time cache, recorded without method profiles when the JVM
  runs C1 only (-XX:TieredStopAtLevel=1), then created.
- JDK 17: a static class-data archive of the JDK's classes and ours, from the class list of
  a training run (-XX:DumpLoadedClassList, then -Xshare:dump).
- JDK 18 to 24: a dynamic archive on top of the JDK's (-XX:ArchiveClassesAtExit).

Where the maker trains with `archive-training MODULE`, a bench may train with the command it
times: the archive then holds exactly what that command loads.
"""

import os
import subprocess

NO_PROFILES = ['-XX:+UnlockDiagnosticVMOptions', '-XX:-AOTRecordTraining']


def java_major(java):
    """The feature release of JAVA, from `java -version`."""
    out = subprocess.run([java, '-version'], stderr=subprocess.PIPE, text=True).stderr
    version = out.split('"')[1] if '"' in out else '0'
    return int(version.split('.')[0] if not version.startswith('1.') else version.split('.')[1])


def make(java, major, flags, jar, training, path, stdin=None):
    """Makes the archive for JAVA (feature release MAJOR) at PATH (a file name without its
    extension): FLAGS are the JVM flags of the runs (jvm.flags and properties), TRAINING the
    arguments after them that run the training (`-jar JAR ...`), STDIN its input (bytes).
    Returns the flags that map it, to put before the class path; raises CalledProcessError
    when a step fails."""
    def run(command, data=None):
        subprocess.run([java] + flags + command, input=data, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    if major >= 25:
        cache = path + '.aot'
        profiles = NO_PROFILES if '-XX:TieredStopAtLevel=1' in flags else []
        run(profiles + ['-XX:AOTMode=record', '-XX:AOTConfiguration=%s.conf' % cache] + training, stdin)
        run(['-XX:AOTMode=create', '-XX:AOTConfiguration=%s.conf' % cache, '-XX:AOTCache=' + cache, '-cp', jar])
        os.remove(cache + '.conf')
        return ['-XX:AOTCache=' + cache]
    archive = path + '.jsa'
    if major < 18:
        classes = path + '.classes'
        run(['-Xshare:auto', '-XX:DumpLoadedClassList=' + classes] + training, stdin)
        run(['-Xshare:dump', '-XX:SharedClassListFile=' + classes, '-XX:SharedArchiveFile=' + archive, '-cp', jar])
        os.remove(classes)
    else:
        run(['-Xshare:auto', '-XX:ArchiveClassesAtExit=' + archive] + training, stdin)
    return ['-Xshare:auto', '-XX:SharedArchiveFile=' + archive]
