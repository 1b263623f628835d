# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)
"""The controller half of every livetune module: ship the executor jar and run it.

Each ``plugins/action/<module>.py`` is a subclass of :class:`LivetuneAction` that only
names its module. No Python is needed on the target: like ansible.builtin.script, the
work is one shell command (``executor_run.sh`` beside this file) that checks the jar
cache, finds java and runs the jar's ``ansible <module>`` command with the task arguments
as JSON on stdin. Only when the target lacks this exact jar (the cache is
keyed by its sha256) is the jar transferred and the command run once more.
See docs/executor-protocol.md for what the jar reads and prints.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import re
import secrets
import shlex
import tempfile

import yaml

from ansible import constants as C
from ansible.errors import AnsibleAction
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.livetune.process.plugins.doc_fragments.executor import ModuleDocFragment
from ansible_collections.livetune.process.plugins.plugin_utils.drift import drift_entries, drift_line

display = Display()

JAR_NAME = 'livetune-executor.jar'
_HERE = os.path.dirname(os.path.abspath(__file__))
# plugins/plugin_utils/ -> <collection root>/files/
# (lexically: a symlinked plugins/ must not lead elsewhere)
JAR_PATH = os.path.normpath(os.path.join(_HERE, '..', '..', 'files', JAR_NAME))
REMOTE_SCRIPT_PATH = os.path.join(_HERE, 'executor_run.sh')
JVM_FLAGS_PATH = os.path.join(_HERE, 'jvm.flags')

# The oldest Java the jar runs on (the pom's release): the script refuses an older one.
JAVA_MIN = 17

# Task options that only the controller uses (the jar's schema does not know them): those of
# the doc fragment every module shares, the one place that lists them.
CONTROLLER_OPTIONS = tuple(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])

STATUS_PREFIX = 'LIVETUNE-STATUS\t'
# executor_run.sh's exit status when it printed a status line instead of starting java
# (the executor's cli.ExitStatus.NOT_STARTED)
STATUS_EXIT = 90

# What the resident executor's client prints on stderr after the resident ran a task
# (resources/resident/client.py in the jar); at -vvvv the result gets a `resident` key from it.
_RESIDENT_LINE = re.compile(r'^livetune: served by the resident executor, pid (\d+)$', re.M)

# become methods that cannot pass our stdin through (ansible itself never pipelines with su)
_NO_STDIN_BECOME = frozenset(('su',))

# What a user should install when a target has no JRE >= JAVA_MIN, by /etc/os-release ID or
# ID_LIKE (named by version: Debian 11's and Ubuntu 22.04's default-jre-headless is 11).
_JRE_PACKAGES = (
    (('debian', 'ubuntu'), 'apt-get install openjdk-17-jre-headless'),
    (('rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'ol', 'amzn'), 'dnf install java-17-openjdk-headless'),
    (('suse', 'opensuse', 'sles', 'opensuse-leap', 'opensuse-tumbleweed'), 'zypper install java-17-openjdk-headless'),
    (('alpine',), 'apk add openjdk17-jre-headless'),
    (('arch',), 'pacman -S jre17-openjdk-headless'),
)
_JRE_DEFAULT_HINT = ('apt-get install openjdk-17-jre-headless (Debian/Ubuntu) or '
                     'dnf install java-17-openjdk-headless (RHEL/Fedora)')


class TaskFailure(Exception):
    """An expected failure: becomes {failed, msg} without ansible's traceback banner.

    (AnsibleActionFail records a traceback, and the callback then prints "An exception
    occurred during task execution" for what is a plain, explained refusal.)
    """

    def __init__(self, msg, **result):
        super(TaskFailure, self).__init__(msg)
        self.result = dict(result, failed=True, changed=False, msg=msg)


def _local_jar_sha256(path):
    """sha256 of the controller's jar, computed once per ansible run (see _run_marker).

    The first task of a run starts up to `forks` workers at once; the first to take the
    lock hashes the jar, the others wait and read its result: the jar is read once per
    run, not once per target.
    """
    try:
        st = os.stat(path)
    except OSError as e:
        raise TaskFailure(
            'the livetune executor jar is missing from the collection (%s): %s. '
            'Install a collection built with `make build`, which puts the jar in files/.'
            % (path, to_native(e.strerror))) from None
    cache = _run_marker('jar-sha256', os.path.realpath(path), st.st_size, st.st_mtime_ns)
    sha = _read_sha(cache)
    if sha:
        return sha
    try:
        lock = open(cache + '.lock', 'a')
    except (OSError, IOError):
        return _sha256_of(path)  # no lock: every worker hashes, as without this cache
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        sha = _read_sha(cache)
        if not sha:
            sha = _sha256_of(path)
            _write_atomic(cache, sha)
    return sha


def _read_sha(cache):
    try:
        with open(cache) as f:
            cached = f.read().strip()
        return cached if len(cached) == 64 else None
    except (OSError, IOError):
        return None


def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _run_marker(kind, *key):
    """A file in ansible's per-run local tmp dir: what one task learnt, for the next ones.

    Ansible forks a worker per task, so module-level state dies with the task; this dir is
    shared by the workers of one run and removed at its end.
    """
    digest = hashlib.sha1('\0'.join(str(k) for k in key).encode('utf-8')).hexdigest()
    return os.path.join(C.DEFAULT_LOCAL_TMP, 'livetune-%s-%s' % (kind, digest))


def _write_atomic(path, text):
    """Write then rename: a concurrent worker never reads half a file. Best effort."""
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, 'w') as f:
            f.write(text)
        os.rename(tmp, path)
    except (OSError, IOError):
        pass


def _without_comments(path):
    """The file's lines without blank and comment lines: they would travel with every task."""
    with open(path) as f:
        return [ln for ln in f.read().splitlines() if ln.strip() and not ln.lstrip().startswith('#')]


_script_text = None
_jvm_flags = None


def _remote_script():
    global _script_text
    if _script_text is None:
        _script_text = '\n'.join(_without_comments(REMOTE_SCRIPT_PATH))
    return _script_text


def _jvm_flags_text():
    """jvm.flags as one line of flags for the script (which splits it)."""
    global _jvm_flags
    if _jvm_flags is None:
        _jvm_flags = ' '.join(ln.strip() for ln in _without_comments(JVM_FLAGS_PATH))
    return _jvm_flags


class LivetuneAction(ActionBase):
    """Runs one livetune module through the executor jar on the target."""

    MODULE = None  # set by each subclass: the module name the jar knows

    # A remote tmp dir is needed only for the args file or a jar upload after become,
    # so it is made on demand, not before every task.
    TRANSFERS_FILES = False

    # the resident executor's idle timeout for this task, None when it is off (_resident_settings)
    _resident = None
    # the Python its client runs on: the one ansible uses on this host, if known (_resident_python)
    _resident_python = ''
    # seconds the archive maker waits for an idle CPU on the target (_archive_idle_wait)
    _archive_idle_wait = 60

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(LivetuneAction, self).run(tmp, task_vars)
        del tmp
        try:
            args = dict(self._task.args)
            java = self._java_executable(args, task_vars)
            self._resident = self._resident_settings(task_vars)
            self._archive_idle_wait = self._archive_idle_wait_setting(task_vars)
            if self._resident is not None:
                self._resident_python = self._interpreter(task_vars)
            payload = self._payload(args)
            result.update(self._run_executor(payload, java))
            self._fail_on_drift(result, task_vars)
        except (AnsibleAction, TaskFailure) as e:
            result.update(e.result)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _fail_on_drift(self, result, task_vars):
        """In check mode: what differs, per setting; with livetune_fail_on_drift, a failure.

        A CI drift check (ansible-playbook --check -e livetune_fail_on_drift=true) then
        exits non-zero when a live process no longer has what the playbook says, and its
        message names every setting that drifted, one line each (see drift_lines).
        """
        if not self._task.check_mode or result.get('failed'):
            return
        host = task_vars.get('inventory_hostname') or self._play_context.remote_addr
        drift = drift_entries(self.MODULE, host, result, self._task.args)
        if drift is not None:
            result['drift'] = drift
        if not result.get('changed'):
            return
        if not boolean(self._templar.template(task_vars.get('livetune_fail_on_drift', False)), strict=False):
            return
        lines = [drift_line(entry) for entry in drift or ()]
        if not lines:
            lines = ['%s: %s' % (host, result.get('msg', 'the live state differs from the task'))]
        result['failed'] = True
        result['msg'] = 'drift (livetune_fail_on_drift): %s; %d setting(s) differ, live → wanted:\n%s' % (
            result.get('msg', 'the live state differs'), len(drift or ()), '\n'.join(lines))

    # -- arguments ---------------------------------------------------------------------

    def _java_executable(self, args, task_vars):
        """java_executable (task) wins over livetune_java (host variable); may be None."""
        java = args.pop('java_executable', None)
        if java is None:
            java = task_vars.get('livetune_java')
            if java is not None:
                java = self._templar.template(java)
        if java in (None, ''):
            return None
        if not isinstance(java, str) or not java.startswith('/'):
            raise TaskFailure('java_executable: must be an absolute path on the target, got %r' % (java,))
        return java

    def _resident_settings(self, task_vars):
        """livetune_resident_executor and livetune_resident_idle_timeout (host/group/play vars).

        Returns None when off (the default), else the idle timeout in seconds.
        See docs/resident-executor.md.
        """
        wanted = self._templated(task_vars.get('livetune_resident_executor', False))
        try:
            wanted = boolean(wanted, strict=True)
        except TypeError:
            raise TaskFailure('livetune_resident_executor: must be a boolean, got %r' % (wanted,)) from None
        if not wanted:
            return None
        return self._whole_seconds('livetune_resident_idle_timeout',
                                   self._templated(task_vars.get('livetune_resident_idle_timeout', 60)), 1)

    def _archive_idle_wait_setting(self, task_vars):
        """livetune_archive_idle_wait (host/group/play vars): how long the target's archive maker
        waits for an idle CPU before it starts anyway; 0 starts it at once. See
        docs/executor-protocol.md."""
        return self._whole_seconds('livetune_archive_idle_wait',
                                   self._templated(task_vars.get('livetune_archive_idle_wait', 60)), 0)

    @staticmethod
    def _whole_seconds(name, value, minimum):
        """The host variable NAME's VALUE as a whole number of seconds >= MINIMUM (an int or its
        text; not a bool, not a fraction), or a failure that names it."""
        try:
            seconds = int(value)
        except (TypeError, ValueError):
            seconds = minimum - 1
        if isinstance(value, bool) or seconds < minimum or str(seconds) != str(value).strip():
            raise TaskFailure('%s: must be a whole number of seconds >= %d, got %r' % (name, minimum, value))
        return seconds

    def _templated(self, value):
        """A host variable's value, templated when it is text (a bool or a number is as given)."""
        return self._templar.template(value) if isinstance(value, str) else value

    def _interpreter(self, task_vars):
        """The target's Python as ansible knows it: ansible_python_interpreter when it names
        a path, else the one interpreter discovery found; '' when neither (the script then
        looks for python3 on PATH, which may be a slower wrapper such as a pyenv shim)."""
        configured = self._templated(task_vars.get('ansible_python_interpreter'))
        if isinstance(configured, str) and configured.startswith('/'):
            return configured
        discovered = (task_vars.get('ansible_facts') or {}).get('discovered_interpreter_python')
        if isinstance(discovered, str) and discovered.startswith('/'):
            return discovered
        return ''

    def _payload(self, args):
        """Task arguments for the jar, plus the controller keys of the protocol.

        The jar validates the arguments against the module's schema (one registry, one
        set of messages), so they go through as the user wrote them.
        """
        for name in CONTROLLER_OPTIONS:
            args.pop(name, None)
        args['_check_mode'] = bool(self._task.check_mode)
        args['_diff'] = bool(self._task.diff)
        args['_verbosity'] = display.verbosity
        return json.dumps(args)

    # -- the remote command ------------------------------------------------------------

    def _run_executor(self, payload, java):
        sha = _local_jar_sha256(JAR_PATH)
        args_file = None
        if not self._stdin_reaches_executor():
            args_file = self._upload_args(payload)

        res = self._execute(sha, java, payload, args_file)
        if args_file is None and self._sudo_wants_tty(res):
            # sudo with requiretty refused stdin without a tty: the args file needs none,
            # and the next tasks of this run on this host go there directly
            _write_atomic(self._stdin_refused_marker(), 'requiretty')
            args_file = self._upload_args(payload)
            res = self._execute(sha, java, payload, args_file)

        status = self._status(res)
        if status and status[0] == 'need-jar':
            if args_file is None:
                # stdin reaches the script: the jar follows the arguments there, in one remote
                # call (an sftp transfer is a session of its own, as costly to the target)
                res = self._execute(sha, java, payload, None, jar_on_stdin=True)
            else:
                upload = self._upload_jar(status[1])
                res = self._execute(sha, java, payload, args_file, install=upload)
            status = self._status(res)
        if status:
            raise TaskFailure(self._status_message(status, sha), **self._debug_output(res))
        return self._executor_result(res)

    def _execute(self, sha, java, payload, args_file, install=None, jar_on_stdin=False):
        variables = {
            'lt_sha': sha,
            'lt_module': self.MODULE,
            'lt_java': java or '',
            'lt_java_min': str(JAVA_MIN),
            'lt_jvm_flags': _jvm_flags_text(),
            'lt_args': args_file or '',
            'lt_install': install or '',
            'lt_install_stdin': '',
            'lt_debug': '1' if display.verbosity >= 4 else '0',
            'lt_archive_idle_wait': str(self._archive_idle_wait),
        }
        if self._resident is not None:  # off: the command is the same as without the feature
            variables['lt_resident'] = '1'
            variables['lt_resident_idle'] = str(self._resident)
            variables['lt_python'] = self._resident_python
        in_data = None if args_file else to_bytes(payload, errors="surrogate_or_strict")
        if jar_on_stdin:
            # the script reads the arguments' line, then the jar to the end: json.dumps
            # writes no line break (it escapes those in strings)
            with open(JAR_PATH, 'rb') as f:
                jar = f.read()
            variables['lt_install_stdin'] = str(len(jar))
            in_data += b'\n' + jar
            display.vv('livetune: sending %s (%d bytes) on stdin' % (JAR_NAME, len(jar)), host=self._play_context.remote_addr)
        assignments = '\n'.join('%s=%s' % (k, shlex.quote(v)) for k, v in variables.items())
        cmd = assignments + '\n' + _remote_script()
        return self._low_level_execute_command(cmd, sudoable=True, in_data=in_data)

    # -- stdin or args file ------------------------------------------------------------

    def _become_applies(self):
        """Whether _low_level_execute_command will wrap our command in become (its rule)."""
        if not self._connection.become:
            return False
        ruser = self._get_remote_user()
        buser = self.get_become_option('become_user')
        return bool(C.BECOME_ALLOW_SAME_USER or buser != ruser or not any((ruser, buser)))

    def _stdin_refused_marker(self):
        return _run_marker('stdin-refused', self._play_context.remote_addr, self._get_remote_user(),
                           self.get_become_option('become_user'))

    def _stdin_reaches_executor(self):
        """False where become would swallow or refuse the JSON on stdin."""
        if not self._become_applies():
            return True
        become = self._connection.become
        if become.name.split('.')[-1] in _NO_STDIN_BECOME:
            return False
        if os.path.exists(self._stdin_refused_marker()):
            return False
        # The local connection answers a become password prompt through a pty, and then
        # does not pass stdin on (it does when pipelining is enabled). A become plugin makes
        # its prompt only when it builds its command, after this is decided: until then the
        # password says whether it will prompt.
        prompts = become.expect_prompt() or self.get_become_option('become_pass')
        if self._connection.transport.split('.')[-1] == 'local' and prompts:
            try:
                return bool(self._connection.get_option('pipelining'))
            except KeyError:
                return False
        return True

    @staticmethod
    def _sudo_wants_tty(res):
        out = res.get('stderr', '') + res.get('stdout', '')
        return res.get('rc') != 0 and 'must have a tty' in out

    def _remote_tmp(self):
        tmpdir = self._connection._shell.tmpdir
        if tmpdir is None:
            tmpdir = self._make_tmp_path()
        return tmpdir

    def _upload_args(self, payload):
        path = self._connection._shell.join_path(self._remote_tmp(), 'args.json')
        self._transfer_data(path, payload)
        # the become user (maybe unprivileged) must be able to read it
        self._fixup_perms2((self._connection._shell.tmpdir, path), execute=False)
        return path

    # -- the jar -----------------------------------------------------------------------

    def _upload_jar(self, cache_dir):
        """Puts the jar on the target; returns where, for the script to install.

        When the command runs as the login user, the jar goes straight into the cache
        directory under a temporary name (the script checks and renames it). After become,
        the login user cannot write there: the jar goes to ansible's remote tmp dir and the
        script copies it in.
        """
        if self._become_applies():
            target = self._connection._shell.join_path(self._remote_tmp(), JAR_NAME)
            self._transfer_file(JAR_PATH, target)
            self._fixup_perms2((self._connection._shell.tmpdir, target), execute=False)
        else:
            target = '%s/.upload.%s' % (cache_dir, secrets.token_hex(8))
            self._transfer_file(JAR_PATH, target)
        display.vv('livetune: transferred %s to %s' % (JAR_NAME, target), host=self._play_context.remote_addr)
        return target

    # -- results -----------------------------------------------------------------------

    @staticmethod
    def _status(res):
        """The script's LIVETUNE-STATUS fields, or None when the jar ran (whatever its JSON says)."""
        if res.get('rc') != STATUS_EXIT:
            return None
        for line in res.get('stdout', '').splitlines():
            line = line.rstrip('\r')  # a tty (sudo requiretty) turns \n into \r\n
            if line.startswith(STATUS_PREFIX):
                return line[len(STATUS_PREFIX):].split('\t')
        return None

    def _status_message(self, status, sha):
        word, fields = status[0], status[1:] + [''] * 5
        if word == 'unsafe':
            return self._unsafe_message(*fields[:5])
        if word == 'no-java':
            return ('no Java runtime found on the target (looked at JAVA_HOME, PATH and /usr/lib/jvm); '
                    'livetune needs a JRE >= %d: install one with the role livetune.process.java_runtime '
                    '(or %s), or point java_executable / livetune_java at one'
                    % (JAVA_MIN, self._jre_hint(fields[0], fields[1])))
        if word == 'bad-java':
            return ('java_executable / livetune_java: %s is not an executable file on the target' % fields[0])
        if word == 'old-java':
            return ('%s is Java %s; livetune needs a JRE >= %d: install one (%s), '
                    'or point java_executable / livetune_java at one'
                    % (fields[0], fields[1], JAVA_MIN, self._jre_hint(fields[2], fields[3])))
        if word == 'install-failed':
            return 'could not install the executor jar in the target\'s cache: %s failed on %s%s' % (
                fields[1], fields[0], ' (got sha256 %s, want %s)' % (fields[2], sha) if fields[2] else '')
        if word == 'unsupported-machine':
            return ('livetune runs on Linux x86_64 and aarch64 targets; this one is %s (uname -m), '
                    'so nothing was transferred or changed' % fields[0])
        if word == 'resident-lost':
            return ('the resident executor (pid %s) accepted the task but its answer was lost (%s): '
                    'the outcome is unknown, so the task was not run again. Run it again (it is idempotent), '
                    'or set livetune_resident_executor: false' % (fields[0], fields[1]))
        if word == 'mkdir-failed':
            return 'could not create the executor cache directory %s on the target' % fields[0]
        return 'the livetune executor could not be started: %s' % ' '.join(status)

    @staticmethod
    def _unsafe_message(jar, uid, path, reason, detail):
        what = {
            'symlink': '%s is a symbolic link',
            'type': '%s is not what the cache expects (a directory, or the jar as a regular file)',
            'owner': '%s is owned by uid ' + detail + ', not by the user that runs the executor (uid ' + uid + ')',
            'writable': ('%s is writable by other users' if path == jar else 'directory %s is writable by other users'),
            'acl': '%s has an ACL that may let other users write to it',
            'unreadable': '%s cannot be inspected',
            'parent-owner': 'parent directory %s is owned by uid ' + detail,
            'parent-writable': 'parent directory %s is writable by other users',
        }.get(reason, '%s: ' + reason) % path
        who = 'root' if uid == '0' else 'livetune'
        return ('refusing to run %s: %s; %s never runs a jar someone else could have planted. '
                'Remove %s (or make it owned by uid %s and writable only by it) and run again'
                % (jar, what, who, path, uid))

    @staticmethod
    def _jre_hint(os_id, os_like):
        ids = set((os_id + ' ' + os_like).replace('"', '').split())
        for names, command in _JRE_PACKAGES:
            if ids.intersection(names):
                return command
        return _JRE_DEFAULT_HINT

    @staticmethod
    def _debug_output(res):
        """Raw output of the remote command, for -vvv readers of a failed task."""
        if display.verbosity < 3:
            return {}
        return {'rc': res.get('rc'), 'module_stdout': res.get('stdout', ''), 'module_stderr': res.get('stderr', '')}

    def _executor_result(self, res):
        """The jar's JSON becomes the task result; anything else a clear failure."""
        data = self._parse_returned_data(res)
        rc = res.get('rc')
        stderr = to_text(res.get('stderr', '')).strip()
        if not data.get('_ansible_parsed'):
            data['msg'] = ('the livetune executor returned no JSON result (rc=%s)%s'
                           % (rc, ': ' + stderr.splitlines()[-1] if stderr else '; see module_stdout'))
            return data
        if rc not in (0, 1) and not data.get('failed'):
            data['failed'] = True
            data['msg'] = 'the livetune executor exited with rc=%s: %s' % (rc, data.get('msg', stderr))
        elif rc == 1:
            data.setdefault('failed', True)
        served = _RESIDENT_LINE.search(stderr)
        if served and display.verbosity >= 4:
            data['resident'] = {'pid': int(served.group(1))}
        if stderr:
            display.vvv('livetune executor stderr: %s' % stderr, host=self._play_context.remote_addr)
        data.setdefault('changed', False)
        return data
