# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)
"""Unit tests of the controller half (plugins/plugin_utils/executor.py).

In the style of ansible-core's test/units/plugins/action/test_raw.py: a real action plugin
on a real connection plugin object (nothing is connected), with the remote side mocked at
ActionBase's own seams (see livetune_helpers.py). Each test says what the target answers
and checks what was sent (the command's variables, stdin, the files transferred) and the
task result. The target-side script (executor_run.sh) and the jar are tested for real by
tests/ansible/run.sh; here only the controller's half of the protocol is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import glob
import json
import multiprocessing
import os
import re

import pytest

from ansible_collections.livetune.process.plugins.plugin_utils import executor
from ansible_collections.livetune.process.tests.unit.plugins.livetune_helpers import (
    CACHE_DIR, JAR_SHA, REMOTE_TMP, STATUS, answer, executor_json, make_action, sent_commands, status)


# -- the common case: one command, JSON on stdin, the jar's JSON is the result ---------------


def test_one_command_with_the_arguments_on_stdin():
    action = make_action({'pid': 1234, 'state': 'listen', 'local_port': 8080, 'backlog': 4096},
                         answers=[executor_json(changed=True, msg='set 1 of 1 socket(s)', sockets=[{'fd': 3}])])
    result = action.run(task_vars={})

    assert result['changed'] is True
    assert result['msg'] == 'set 1 of 1 socket(s)'
    assert result['sockets'] == [{'fd': 3}]
    assert not result.get('failed')

    sent, = sent_commands(action)
    variables, script, in_data, sudoable = sent
    assert variables == {'lt_sha': JAR_SHA, 'lt_module': 'socket_option', 'lt_java': '', 'lt_java_min': '17',
                         'lt_jvm_flags': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData',
                         'lt_args': '', 'lt_install': '', 'lt_install_stdin': '', 'lt_debug': '0',
                         'lt_archive_idle_wait': '60'}
    assert sudoable is True
    assert json.loads(in_data) == {'pid': 1234, 'state': 'listen', 'local_port': 8080, 'backlog': 4096,
                                   '_check_mode': False, '_diff': False, '_verbosity': 0}
    # the script travels without its comment block, and ends by running it
    assert script.startswith(': "${lt_java=}"')
    assert not [ln for ln in script.splitlines() if ln.lstrip().startswith('#')]
    assert script.rstrip().endswith('lt_main')
    # nothing transferred, no remote tmp dir made; the (absent) tmp dir is cleaned up
    action._transfer_file.assert_not_called()
    action._transfer_data.assert_not_called()
    action._make_tmp_path.assert_not_called()
    action._remove_tmp_path.assert_called_once_with(None)


def test_check_and_diff_modes_reach_the_executor(monkeypatch):
    monkeypatch.setattr(executor.display, 'verbosity', 4)
    action = make_action(check_mode=True, diff=True)
    action.run(task_vars={})
    sent, = sent_commands(action)
    variables, in_data = sent.variables, sent.stdin
    payload = json.loads(in_data)
    assert (payload['_check_mode'], payload['_diff'], payload['_verbosity']) == (True, True, 4)
    assert variables['lt_debug'] == '1'  # -vvvv: the script says on stderr what it runs


def test_arguments_go_through_as_written():
    """The jar validates them against its schema: nothing is dropped or coerced here."""
    args = {'pid': '1234', 'options': {'so_rcvbuf': '1M'}, 'unknown_key': [1, 2]}
    action = make_action(args)
    action.run(task_vars={})
    payload = json.loads(sent_commands(action)[0].stdin)
    assert {k: payload[k] for k in args} == args


def test_rc_1_with_json_is_a_failure_with_the_executors_message():
    action = make_action(answers=[answer(json.dumps({'msg': 'pid: no process 1234'}), rc=1)])
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['changed'] is False
    assert result['msg'] == 'pid: no process 1234'


def test_leading_noise_before_the_json_is_tolerated():
    """A JVM warning printed on stdout before the JSON does not lose the result."""
    noise = 'OpenJDK 64-Bit Server VM warning: Sharing is only supported for boot loader classes\n'
    action = make_action(answers=[answer(noise + json.dumps({'changed': True, 'msg': 'ok'}))])
    result = action.run(task_vars={})
    assert (result['changed'], result['msg']) == (True, 'ok')
    assert not result.get('failed')


# -- java ------------------------------------------------------------------------------------


def test_java_executable_goes_to_the_script_not_to_the_jar():
    action = make_action({'pid': 1, 'backlog': 64, 'java_executable': '/opt/jre/bin/java'})
    action.run(task_vars={'livetune_java': '/usr/other/java'})
    sent, = sent_commands(action)
    variables, in_data = sent.variables, sent.stdin
    assert variables['lt_java'] == '/opt/jre/bin/java'  # the task option wins over the host variable
    assert 'java_executable' not in json.loads(in_data)


def test_livetune_java_host_variable_is_templated():
    action = make_action()
    action._templar.template.side_effect = lambda value: value.replace('{{ jre }}', '/opt/jre17')
    action.run(task_vars={'livetune_java': '{{ jre }}/bin/java'})
    assert sent_commands(action)[0].variables['lt_java'] == '/opt/jre17/bin/java'


@pytest.mark.parametrize('java', ['java', 'bin/java', 7])
def test_java_executable_must_be_an_absolute_path(java):
    action = make_action({'pid': 1, 'java_executable': java})
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['msg'] == 'java_executable: must be an absolute path on the target, got %r' % (java,)
    action._low_level_execute_command.assert_not_called()


# -- become: stdin or an args file -----------------------------------------------------------


def test_sudo_over_ssh_passes_stdin():
    action = make_action(transport='ssh', become='sudo')
    action.run(task_vars={})
    sent, = sent_commands(action)
    variables, in_data, sudoable = sent.variables, sent.stdin, sent.sudoable
    assert variables['lt_args'] == '' and in_data is not None and sudoable is True
    action._transfer_data.assert_not_called()


def test_su_gets_an_args_file_readable_by_the_become_user():
    action = make_action({'pid': 1234, 'backlog': 300}, transport='ssh', become='su', become_user='bob')
    result = action.run(task_vars={})
    assert not result.get('failed')

    args_file = REMOTE_TMP + '/args.json'
    action._make_tmp_path.assert_called_once()
    action._transfer_data.assert_called_once()
    path, data = action._transfer_data.call_args.args
    assert path == args_file
    assert json.loads(data) == {'pid': 1234, 'backlog': 300, '_check_mode': False, '_diff': False, '_verbosity': 0}
    action._fixup_perms2.assert_called_once_with((REMOTE_TMP, args_file), execute=False)
    sent, = sent_commands(action)
    variables, in_data = sent.variables, sent.stdin
    assert variables['lt_args'] == args_file
    assert in_data is None  # su swallows stdin: nothing is sent there
    action._remove_tmp_path.assert_called_once_with(REMOTE_TMP)


def test_su_to_the_login_user_itself_is_no_become():
    """_low_level_execute_command does not wrap it (become_user == remote user): stdin works."""
    action = make_action(transport='ssh', become='su', become_user='alice', remote_user='alice')
    action.run(task_vars={})
    assert sent_commands(action)[0].stdin is not None
    action._transfer_data.assert_not_called()


def test_sudo_requiretty_falls_back_to_an_args_file_once_per_run():
    refusal = answer('', rc=1, stderr='sudo: sorry, you must have a tty to run sudo\n')
    action = make_action(transport='ssh', become='sudo', answers=[refusal, executor_json(changed=True)])
    result = action.run(task_vars={})
    assert result['changed'] is True and not result.get('failed')
    first, second = sent_commands(action)
    assert first.variables['lt_args'] == '' and first.stdin is not None
    assert second.variables['lt_args'] == REMOTE_TMP + '/args.json' and second.stdin is None

    # the next task of the run, same host and users: straight to the args file
    action = make_action(transport='ssh', become='sudo')
    action.run(task_vars={})
    sent, = sent_commands(action)
    variables, in_data = sent.variables, sent.stdin
    assert variables['lt_args'] == REMOTE_TMP + '/args.json' and in_data is None

    # ... but not for another become user
    action = make_action(transport='ssh', become='sudo', become_user='postgres')
    action.run(task_vars={})
    assert sent_commands(action)[0].stdin is not None


def test_local_sudo_with_a_password_uses_an_args_file():
    """The local connection answers sudo's password prompt through a pty and then passes no
    stdin (unless pipelining). The become plugin has not built its command yet when this is
    decided (its prompt is still empty): the password alone must decide."""
    action = make_action(become='sudo', become_pass='secret', pipelining=False)
    action.run(task_vars={})
    sent, = sent_commands(action)
    variables, in_data = sent.variables, sent.stdin
    assert variables['lt_args'] == REMOTE_TMP + '/args.json'
    assert in_data is None


def test_local_sudo_with_a_password_and_pipelining_uses_stdin():
    action = make_action(become='sudo', become_pass='secret', pipelining=True)
    action.run(task_vars={})
    assert sent_commands(action)[0].stdin is not None
    action._transfer_data.assert_not_called()


def test_local_sudo_without_a_password_uses_stdin():
    action = make_action(become='sudo')
    action.run(task_vars={})
    assert sent_commands(action)[0].stdin is not None


# -- the jar: transferred only when the target lacks it --------------------------------------


def test_jar_missing_on_the_target_follows_the_arguments_on_stdin_then_runs():
    action = make_action(transport='ssh', remote_user='root',
                         answers=[status('need-jar', CACHE_DIR), executor_json(changed=True, msg='done')])
    result = action.run(task_vars={})
    assert (result['changed'], result['msg']) == (True, 'done')

    # one remote call more, no file transfer, no remote tmp dir
    action._transfer_file.assert_not_called()
    action._make_tmp_path.assert_not_called()
    first, second = sent_commands(action)
    with open(executor.JAR_PATH, 'rb') as f:
        jar = f.read()
    assert (first.variables['lt_install'], first.variables['lt_install_stdin']) == ('', '')
    assert (second.variables['lt_install'], second.variables['lt_install_stdin']) == ('', str(len(jar)))
    # the arguments' line (json.dumps writes none inside), then the jar the script checks and installs
    assert second.stdin == first.stdin + b'\n' + jar
    assert b'\n' not in first.stdin


def test_jar_missing_where_stdin_does_not_pass_goes_through_the_remote_tmp_dir():
    action = make_action(transport='ssh', become='su', become_user='root', remote_user='alice',
                         answers=[status('need-jar', CACHE_DIR), executor_json()])
    action.run(task_vars={})
    jar = REMOTE_TMP + '/' + executor.JAR_NAME
    action._transfer_file.assert_any_call(executor.JAR_PATH, jar)
    action._fixup_perms2.assert_any_call((REMOTE_TMP, jar), execute=False)
    second = sent_commands(action)[1]
    assert (second.variables['lt_install'], second.variables['lt_install_stdin'], second.stdin) == (jar, '', None)
    action._remove_tmp_path.assert_called_once_with(REMOTE_TMP)


def test_jar_missing_from_the_collection():
    action = make_action()
    os.unlink(executor.JAR_PATH)
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['msg'].startswith('the livetune executor jar is missing from the collection (%s)' % executor.JAR_PATH)
    assert 'make build' in result['msg']
    action._low_level_execute_command.assert_not_called()


def test_the_jar_digest_is_computed_once_per_run(monkeypatch):
    make_action().run(task_vars={})
    opened = []
    real_open = open

    def spy(path, *args, **kwargs):
        opened.append(path)
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr('builtins.open', spy)
    action = make_action()
    action.run(task_vars={})
    assert executor.JAR_PATH not in opened  # the run marker has it
    assert sent_commands(action)[0].variables['lt_sha'] == JAR_SHA


def test_workers_started_together_hash_the_jar_once(tmp_path, monkeypatch):
    """The first task of a run: one worker per target, all asking at once (forks)."""
    workers = 4
    ctx = multiprocessing.get_context('fork')
    everyone_looked = ctx.Barrier(workers)
    hashed = tmp_path / 'hashed'
    real_read, real_hash = executor._read_sha, executor._sha256_of
    first_look = []

    def read_then_wait(cache):
        sha = real_read(cache)
        if not first_look:  # every worker saw no digest before any of them computes one
            first_look.append(sha)
            everyone_looked.wait(timeout=30)
        return sha

    def counting_hash(path):
        # another open file description cannot take the lock while the digest is computed
        locks = glob.glob(os.path.join(executor.C.DEFAULT_LOCAL_TMP, 'livetune-jar-sha256-*.lock'))
        with open(locks[0]) as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = 'unlocked'
            except BlockingIOError:
                held = 'locked'
        with open(str(hashed), 'a') as f:
            f.write('%d %s\n' % (os.getpid(), held))
        return real_hash(path)
    monkeypatch.setattr(executor, '_read_sha', read_then_wait)
    monkeypatch.setattr(executor, '_sha256_of', counting_hash)

    with ctx.Pool(workers) as pool:
        shas = pool.map(executor._local_jar_sha256, [executor.JAR_PATH] * workers, chunksize=1)
    assert shas == [JAR_SHA] * workers
    hashes = hashed.read_text().splitlines()
    assert len(hashes) == 1 and hashes[0].endswith(' locked')


# -- what the script says when it cannot run the jar -----------------------------------------


def run_with_status(*fields, **kwargs):
    action = make_action(transport='ssh', answers=[status(*fields)], **kwargs)
    result = action.run(task_vars={})
    assert result['failed'] is True and result['changed'] is False
    assert len(action._low_level_execute_command.call_args_list) == 1
    return result['msg']


@pytest.mark.parametrize('os_id, os_like, command', [
    ('debian', '', 'apt-get install openjdk-17-jre-headless'),
    ('ubuntu', 'debian', 'apt-get install openjdk-17-jre-headless'),
    ('rocky', '"rhel centos fedora"', 'dnf install java-17-openjdk-headless'),
    ('opensuse-leap', '"suse opensuse"', 'zypper install java-17-openjdk-headless'),
    ('alpine', '', 'apk add openjdk17-jre-headless'),
    ('gentoo', '', 'apt-get install openjdk-17-jre-headless (Debian/Ubuntu) or dnf install java-17-openjdk-headless'),
])
def test_no_jre_names_the_package_and_the_role(os_id, os_like, command):
    msg = run_with_status('no-java', os_id, os_like)
    assert msg.startswith('no Java runtime found on the target (looked at JAVA_HOME, PATH and /usr/lib/jvm)')
    assert command in msg
    assert 'install one with the role livetune.process.java_runtime' in msg
    assert 'java_executable / livetune_java' in msg


def test_java_executable_that_is_not_there():
    assert run_with_status('bad-java', '/nonexistent/bin/java') == \
        'java_executable / livetune_java: /nonexistent/bin/java is not an executable file on the target'


@pytest.mark.parametrize('os_id, os_like, command', [
    ('debian', '', 'apt-get install openjdk-17-jre-headless'),
    ('almalinux', '"rhel centos fedora"', 'dnf install java-17-openjdk-headless'),
])
def test_java_too_old_names_the_package_of_a_new_enough_one(os_id, os_like, command):
    msg = run_with_status('old-java', '/usr/lib/jvm/java-11/bin/java', '11', os_id, os_like)
    assert msg == ('/usr/lib/jvm/java-11/bin/java is Java 11; livetune needs a JRE >= 17: install one (%s), '
                   'or point java_executable / livetune_java at one' % command)


def test_a_status_line_counts_only_with_the_scripts_exit_status():
    """The jar's own output (rc 0 or 1) is its result, even if a line looks like a status."""
    action = make_action(answers=[answer(STATUS + 'need-jar\t/x\n' + json.dumps({'changed': False, 'msg': 'ok'}))])
    result = action.run(task_vars={})
    assert (result.get('failed'), result['msg']) == (None, 'ok')
    action._transfer_file.assert_not_called()


def test_the_jvm_flags_come_from_jvm_flags_without_its_comments():
    with open(executor.JVM_FLAGS_PATH) as f:
        flags = [ln for ln in f.read().splitlines() if ln and not ln.startswith('#')]
    assert flags and all(flag.startswith('-') for flag in flags)
    action = make_action()
    action.run(task_vars={})
    assert sent_commands(action)[0].variables['lt_jvm_flags'].split() == flags


def test_install_failed_with_a_checksum_names_both_digests():
    msg = run_with_status('install-failed', CACHE_DIR + '/.upload.x', 'checksum', 'f' * 64)
    assert msg == ("could not install the executor jar in the target's cache: checksum failed on %s/.upload.x "
                   "(got sha256 %s, want %s)" % (CACHE_DIR, 'f' * 64, JAR_SHA))


def test_install_failed_without_a_digest():
    msg = run_with_status('install-failed', CACHE_DIR + '/livetune-executor.jar', 'rename')
    assert msg == "could not install the executor jar in the target's cache: rename failed on %s/livetune-executor.jar" % CACHE_DIR


def test_unsupported_machine_is_refused_before_any_transfer():
    action = make_action(transport='ssh', answers=[status('unsupported-machine', 'riscv64')])
    result = action.run(task_vars={})
    assert result['msg'] == ('livetune runs on Linux x86_64 and aarch64 targets; this one is riscv64 (uname -m), '
                             'so nothing was transferred or changed')
    action._transfer_file.assert_not_called()


def test_mkdir_failed():
    assert run_with_status('mkdir-failed', '/var/cache/livetune/x') == \
        'could not create the executor cache directory /var/cache/livetune/x on the target'


def test_every_status_word_of_the_script_has_its_own_message():
    with open(executor.REMOTE_SCRIPT_PATH) as f:
        words = set(re.findall(r'lt_status ([a-z-]+)', f.read())) - {'need-jar'}  # need-jar: the jar is sent
    assert len(words) >= 7, words
    for word in sorted(words):
        msg = run_with_status(word, 'a', '0', 'c', 'd', 'e')
        assert not msg.startswith('the livetune executor could not be started'), (word, msg)


def test_an_unknown_status_is_shown_whole():
    assert run_with_status('something-new', 'a', 'b') == \
        'the livetune executor could not be started: something-new a b'


def test_a_status_line_under_a_tty_ends_in_cr():
    """sudo requiretty runs the command in a tty, which turns \\n into \\r\\n."""
    action = make_action(transport='ssh', answers=[answer(STATUS + 'bad-java\t/x/java\r\n', rc=90)])
    assert action.run(task_vars={})['msg'].startswith('java_executable / livetune_java: /x/java is not')


def test_status_output_is_shown_at_vvv(monkeypatch):
    monkeypatch.setattr(executor.display, 'verbosity', 3)
    action = make_action(transport='ssh', answers=[status('mkdir-failed', '/x')])
    result = action.run(task_vars={})
    assert result['rc'] == 90
    assert result['module_stdout'].startswith(STATUS + 'mkdir-failed')


def test_status_output_is_not_shown_below_vvv():
    action = make_action(transport='ssh', answers=[status('mkdir-failed', '/x')])
    assert 'module_stdout' not in action.run(task_vars={})


# -- the jar cache refusals (a jar someone else could have planted is never run) -------------

JAR = CACHE_DIR + '/livetune-executor.jar'


@pytest.mark.parametrize('uid, path, reason, detail, what', [
    ('0', CACHE_DIR, 'symlink', '', '%s is a symbolic link' % CACHE_DIR),
    ('0', JAR, 'type', '', '%s is not what the cache expects (a directory, or the jar as a regular file)' % JAR),
    ('0', CACHE_DIR, 'owner', '1000', '%s is owned by uid 1000, not by the user that runs the executor (uid 0)' % CACHE_DIR),
    ('0', JAR, 'writable', '', '%s is writable by other users' % JAR),
    ('0', CACHE_DIR, 'writable', '', 'directory %s is writable by other users' % CACHE_DIR),
    ('0', CACHE_DIR, 'acl', '', '%s has an ACL that may let other users write to it' % CACHE_DIR),
    ('0', CACHE_DIR, 'unreadable', '', '%s cannot be inspected' % CACHE_DIR),
    ('0', '/var/cache', 'parent-owner', '1000', 'parent directory /var/cache is owned by uid 1000'),
    ('0', '/var/cache', 'parent-writable', '', 'parent directory /var/cache is writable by other users'),
])
def test_cache_refusals_say_what_and_how_to_repair(uid, path, reason, detail, what):
    msg = run_with_status('unsafe', JAR, uid, path, reason, detail)
    assert msg == ('refusing to run %s: %s; root never runs a jar someone else could have planted. '
                   'Remove %s (or make it owned by uid %s and writable only by it) and run again'
                   % (JAR, what, path, uid))


def test_cache_refusal_for_a_non_root_user():
    jar = '/home/bob/.cache/livetune/%s/livetune-executor.jar' % JAR_SHA
    msg = run_with_status('unsafe', jar, '1001', '/home/bob/.cache/livetune', 'owner', '0')
    assert 'livetune never runs a jar someone else could have planted' in msg
    assert 'make it owned by uid 1001' in msg


def test_a_refused_cache_is_never_repaired_by_a_transfer():
    action = make_action(transport='ssh', answers=[status('unsafe', JAR, '0', CACHE_DIR, 'symlink')])
    action.run(task_vars={})
    action._transfer_file.assert_not_called()


# -- output that is not the executor's JSON --------------------------------------------------


def test_output_that_is_not_json():
    action = make_action(answers=[answer('this is not json\n', rc=3, stderr='warming up\nfake java broke\n')])
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['msg'] == 'the livetune executor returned no JSON result (rc=3): fake java broke'
    assert result['module_stdout'] == 'this is not json\n'
    assert result['rc'] == 3


def test_no_output_at_all():
    action = make_action(answers=[answer('', rc=137)])
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['msg'] == 'the livetune executor returned no JSON result (rc=137); see module_stdout'


def test_json_with_an_unexpected_exit_status_is_a_failure():
    """A JVM killed after printing (or an exit status the protocol does not use)."""
    action = make_action(answers=[answer(json.dumps({'changed': True, 'msg': 'set'}), rc=134, stderr='# A fatal error\n')])
    result = action.run(task_vars={})
    assert result['failed'] is True
    assert result['msg'] == 'the livetune executor exited with rc=134: set'


def test_json_that_says_failed_keeps_its_own_message_whatever_the_exit_status():
    action = make_action(answers=[answer(json.dumps({'failed': True, 'msg': 'schema: pid must be >= 1'}), rc=2)])
    result = action.run(task_vars={})
    assert (result['failed'], result['msg']) == (True, 'schema: pid must be >= 1')


def test_a_missing_changed_key_is_false():
    action = make_action(answers=[answer(json.dumps({'msg': 'nothing to do'}))])
    assert action.run(task_vars={})['changed'] is False


# -- the resident executor (docs/resident-executor.md) ----------------------------------------


def test_resident_off_by_default_sends_none_of_its_variables():
    action = make_action()
    action.run(task_vars={})
    variables = sent_commands(action)[0].variables
    assert not [name for name in variables if name.startswith(('lt_resident', 'lt_python'))]


def test_resident_on_passes_its_idle_timeout_and_ansibles_python():
    action = make_action()
    action.run(task_vars={'livetune_resident_executor': True, 'livetune_resident_idle_timeout': 120,
                          'ansible_python_interpreter': '/usr/bin/python3'})
    variables = sent_commands(action)[0].variables
    assert (variables['lt_resident'], variables['lt_resident_idle'], variables['lt_python']) == \
        ('1', '120', '/usr/bin/python3')


def test_resident_client_python_falls_back_to_the_discovered_one_then_to_path():
    action = make_action()
    action.run(task_vars={'livetune_resident_executor': 'yes', 'ansible_python_interpreter': 'auto_silent',
                          'ansible_facts': {'discovered_interpreter_python': '/usr/bin/python3.11'}})
    variables = sent_commands(action)[0].variables
    assert variables['lt_python'] == '/usr/bin/python3.11'

    action = make_action()
    action.run(task_vars={'livetune_resident_executor': True})
    variables = sent_commands(action)[0].variables
    assert variables['lt_python'] == ''


@pytest.mark.parametrize('idle', [0, -5, '1.5', 'soon', True])
def test_resident_idle_timeout_must_be_whole_seconds(idle):
    action = make_action()
    result = action.run(task_vars={'livetune_resident_executor': True, 'livetune_resident_idle_timeout': idle})
    assert result['failed'] is True
    assert result['msg'].startswith('livetune_resident_idle_timeout: must be a whole number of seconds >= 1')
    assert not sent_commands(action)


# -- the archive maker's wait for an idle CPU (docs/executor-protocol.md) ----------------------


def test_archive_idle_wait_defaults_to_a_minute_and_passes_a_host_variable_on():
    action = make_action()
    action.run(task_vars={})
    assert sent_commands(action)[0].variables['lt_archive_idle_wait'] == '60'

    action = make_action()
    action.run(task_vars={'livetune_archive_idle_wait': 0})
    assert sent_commands(action)[0].variables['lt_archive_idle_wait'] == '0'

    action = make_action()
    action.run(task_vars={'livetune_archive_idle_wait': '300'})
    assert sent_commands(action)[0].variables['lt_archive_idle_wait'] == '300'


@pytest.mark.parametrize('wait', [-1, '2.5', 'later', False, None])
def test_archive_idle_wait_must_be_whole_seconds(wait):
    action = make_action()
    result = action.run(task_vars={'livetune_archive_idle_wait': wait})
    assert result['failed'] is True
    assert result['msg'].startswith('livetune_archive_idle_wait: must be a whole number of seconds >= 0')
    assert not sent_commands(action)
