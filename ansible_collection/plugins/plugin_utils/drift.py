# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)
"""What a check-mode run found different from the task, one entry per setting.

Built on the controller from the executor's result (nothing more is asked of the target):
socket_option's ``sockets[]`` and memory_lock's ``processes[]`` each carry ``before`` (what
the kernel reports now) and ``after`` (in check mode: what it will report once the task
runs, in the kernel's terms: SO_RCVBUF doubled and clamped, the backlog capped). Every key
whose two values differ is one entry::

    {host, pid, process, target, setting, live, wanted}

and :func:`drift_line` makes the line a drift failure shows for it::

    web1: pid 812 (nginx), tcp 0.0.0.0:80 (listen, fd 6): backlog live 511 → wanted 4096

See docs/drift-checks.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.parsing.convert_bool import boolean

ARROW = u'\u2192'

# memory_lock before/after keys that are measurements, not settings (rss_kb is not predicted)
_MEMORY_NOT_SETTINGS = frozenset(('rss_kb', 'mappings'))


def drift_entries(module, host, result, args):
    """The drift of one task result, or None for a module that has no drift (socket_info)."""
    if module == 'socket_option':
        return _socket_drift(host, result.get('sockets') or [])
    if module == 'memory_lock':
        return _memory_drift(host, result.get('processes') or [], args or {})
    if module == 'preload_wrapper':
        return _preload_drift(host, result.get('files') or [], args or {})
    return None


def drift_line(entry):
    """One line for one drifted setting: host, process, target, setting, live → wanted."""
    if entry['pid'] is None:  # a file (preload_wrapper), not a process
        where = u'%s: %s: ' % (entry['host'], entry['target'])
    else:
        where = u'%s: pid %s (%s), %s: ' % (entry['host'], entry['pid'], entry['process'], entry['target'])
    if entry['setting'] is None:
        return where + u'would change, but no value in the result differs (see before and after)'
    return where + u'%s live %s %s wanted %s' % (entry['setting'], _text(entry['live']), ARROW, _text(entry['wanted']))


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        return 'unknown'  # not read (before), or not asked of the kernel (future)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(', ', ': '))
    return u'%s' % (value,)


def _entry(host, pid, process, target, setting, live, wanted):
    return {'host': host, 'pid': pid, 'process': process, 'target': target,
            'setting': setting, 'live': live, 'wanted': wanted}


def _differences(before, after, skip=frozenset()):
    """(key, before, after) for every key whose values differ; nested dicts by dotted key
    (memlock_limit.soft), except where a whole value is one setting (so_linger)."""
    out = []
    for key in sorted(set(before) | set(after)):
        if key in skip:
            continue
        old, new = before.get(key), after.get(key)
        if new is None and key in before:
            continue  # not predicted in check mode
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and key == 'memlock_limit':
            out.extend(('%s.%s' % (key, k), o, n) for k, o, n in _differences(old, new))
        else:
            out.append((key, old, new))
    return out


def _wildcard(remote):
    return not remote or remote.endswith(':*')


def _socket_target(sock):
    target = u'%s %s' % (sock.get('protocol', '?'), sock.get('local', '?'))
    if not _wildcard(sock.get('remote')):
        target += u' remote %s' % sock['remote']
    return u'%s (%s, fd %s)' % (target, sock.get('state', '?'), sock.get('fd', '?'))


def _socket_drift(host, sockets):
    entries = []
    for sock in sockets:
        if not sock.get('changed'):
            continue
        target = _socket_target(sock)
        diffs = _differences(sock.get('before') or {}, sock.get('after') or {})
        for setting, live, wanted in diffs:
            entries.append(_entry(host, sock.get('pid'), sock.get('process'), target, setting, live, wanted))
        if not diffs:
            entries.append(_entry(host, sock.get('pid'), sock.get('process'), target, None, None, None))
    return entries


def _memory_target(proc):
    mappings = (proc.get('before') or {}).get('mappings')
    return u'memory, scope %s%s' % (proc.get('scope', '?'), '' if mappings is None else ' (%s mappings)' % mappings)


def _memory_drift(host, processes, args):
    entries = []
    for proc in processes:
        if not proc.get('changed'):
            continue
        target = _memory_target(proc)
        diffs = _differences(proc.get('before') or {}, proc.get('after') or {}, _MEMORY_NOT_SETTINGS)
        for setting, live, wanted in diffs:
            entries.append(_entry(host, proc.get('pid'), proc.get('name'), target, setting, live, wanted))
        if not diffs:
            entries.append(_entry(host, proc.get('pid'), proc.get('name'), target,
                                  *_memory_unseen(proc, args)))
    return entries


def _memory_unseen(proc, args):
    """(setting, live, wanted) of a process that would change with every counted value as asked.

    The result counts locked mappings, not how they are locked: with every mapping in the
    scope locked and no future probe that failed, what differs is whether they are locked on
    fault (VmFlags lf), which the executor compares too (MappingUsage.asRequested).
    """
    if proc.get('state') == 'locked':
        wanted = boolean(args.get('onfault', False), strict=False)
        return 'onfault', not wanted, wanted
    return None, None, None


# preload_wrapper: what a file is now, and what the task makes of it, by the action it reports
_FILE_DRIFT = {
    'created': ('missing', 'written'),
    'updated': ('other content', 'the content the task writes'),
    'removed': ('present', 'removed'),
}


def _preload_drift(host, files, args):
    """One entry per file that a preload_wrapper task would write or remove."""
    owner = u'unit %s' % args['unit'] if args.get('unit') else u'wrapper %s' % args.get('wrapper', '?')
    entries = []
    for item in files:
        states = _FILE_DRIFT.get(item.get('action'))
        if states is None:
            continue  # unchanged, absent
        target = u'%s, %s %s' % (owner, item.get('kind', 'file'), item.get('path', '?'))
        entries.append(_entry(host, None, None, target, 'file', states[0], states[1]))
    return entries
