#!/usr/bin/python3
"""Checks the collection's changelog (antsibull-changelog's format) and renders CHANGELOG.rst.

    check_changelog.py [--write] COLLECTION_SRC VERSION

COLLECTION_SRC is ansible_collection/ (changelogs/ and CHANGELOG.rst live there), VERSION
galaxy.yml's. antsibull-changelog, which ansible-test's changelog sanity test runs, is not
in Debian (and PyPI is out of reach), so `make test-lint` runs this instead:

- changelogs/config.yaml, changelogs/changelog.yaml and every fragment parse, and have the
  shape antsibull-changelog wants: each fragment a mapping of known sections (those of the
  config, its release summary and trivial sections, `add plugin.TYPE`, `add object.TYPE`)
  to a list of non-empty strings (the release summary: one string; the `add` sections:
  name/description pairs);
- CHANGELOG.rst is what the changelog says: the released versions of changelog.yaml and,
  first, VERSION "(unreleased)" with the fragments, laid out as antsibull-changelog does
  (new modules are not listed there: antsibull-changelog finds them when it releases).

--write writes CHANGELOG.rst instead of comparing (`make changelog`). Exits 1 on a problem.
"""

import argparse
import os
import sys

import yaml

KNOWN_OBJECT_TYPES = ('role', 'playbook')
KNOWN_PLUGIN_TYPES = ('module', 'filter', 'test', 'lookup', 'callback', 'connection', 'inventory',
                      'become', 'cache', 'cliconf', 'httpapi', 'netconf', 'shell', 'strategy', 'vars')


class Problems(list):
    def add(self, where, what):
        self.append('%s: %s' % (where, what))


def load_yaml(path, problems):
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.add(path, 'cannot be read: %s' % e)
        return None


def check_strings(where, value, problems):
    if not isinstance(value, list) or not value:
        problems.add(where, 'must be a non-empty list of strings')
        return []
    for i, entry in enumerate(value):
        if not isinstance(entry, str) or not entry.strip():
            problems.add('%s[%d]' % (where, i), 'must be a non-empty string')
    return [e for e in value if isinstance(e, str)]


def check_additions(where, value, problems):
    if not isinstance(value, list) or not value:
        problems.add(where, 'must be a non-empty list of {name, description}')
        return []
    for i, entry in enumerate(value):
        if not (isinstance(entry, dict) and set(entry) == {'name', 'description'}
                and all(isinstance(v, str) and v.strip() for v in entry.values())):
            problems.add('%s[%d]' % (where, i), 'must be {name: ..., description: ...}, both non-empty strings')
    return [e for e in value if isinstance(e, dict)]


def read_fragments(notes_dir, config, problems):
    """{section: [entries]} over every fragment, in file name order."""
    sections = [s[0] for s in config['sections']]
    prelude, trivial = config['prelude_section_name'], config['trivial_section_name']
    merged = {}
    names = sorted(os.listdir(notes_dir)) if os.path.isdir(notes_dir) else []
    for name in names:
        path = os.path.join(notes_dir, name)
        if name.startswith('.') or not name.endswith(('.yml', '.yaml')):
            if not config.get('ignore_other_fragment_extensions'):
                problems.add(path, 'not a .yml or .yaml file')
            continue
        data = load_yaml(path, problems)
        if not isinstance(data, dict) or not data:
            problems.add(path, 'must be a mapping of changelog sections to entries')
            continue
        for section, value in data.items():
            where = '%s: %s' % (path, section)
            if section == prelude:
                if not isinstance(value, str) or not value.strip():
                    problems.add(where, 'must be one non-empty string')
                    continue
                merged.setdefault(section, []).append(value.strip())
            elif section in sections or section == trivial:
                merged.setdefault(section, []).extend(check_strings(where, value, problems))
            elif section.startswith('add object.') and section[len('add object.'):] in KNOWN_OBJECT_TYPES:
                merged.setdefault(section, []).extend(check_additions(where, value, problems))
            elif section.startswith('add plugin.') and section[len('add plugin.'):] in KNOWN_PLUGIN_TYPES:
                merged.setdefault(section, []).extend(check_additions(where, value, problems))
            else:
                problems.add(where, 'unknown section (known: %s, %s, %s, add plugin.TYPE, add object.TYPE)'
                             % (prelude, ', '.join(sections), trivial))
    return merged


def check_changes_file(path, problems):
    data = load_yaml(path, problems)
    if not isinstance(data, dict) or set(data) - {'ancestor', 'releases'} or 'releases' not in data:
        problems.add(path, 'must be a mapping with ancestor and releases')
        return {}
    releases = data['releases'] or {}
    if not isinstance(releases, dict):
        problems.add(path, 'releases must be a mapping of versions')
        return {}
    return releases


# -- rendering, the way antsibull-changelog lays out CHANGELOG.rst ---------------------------

def heading(text, char, over=False):
    line = char * len(text)
    return ([line] if over else []) + [text, line, '']


def plural_title(kind):
    return 'New %ss' % kind.capitalize() if kind != 'module' else 'New Modules'


def render_changes(changes, config, namespace_name):
    """The sections of one version: the release summary, the configured sections in order,
    then new plugins and objects."""
    out = []
    prelude = config['prelude_section_name']
    if changes.get(prelude):
        out += heading(config['prelude_section_title'], '-')
        for text in changes[prelude]:
            out += [text, '']
    for name, title in config['sections']:
        if changes.get(name):
            out += heading(title, '-')
            out += ['- %s' % e.strip() for e in changes[name]] + ['']
    for key in sorted(k for k in changes if k.startswith(('add plugin.', 'add object.'))):
        kind = key.split('.', 1)[1]
        out += heading(plural_title(kind), '-')
        for entry in sorted(changes[key], key=lambda e: e['name']):
            name = '%s.%s' % (namespace_name, entry['name']) if config.get('use_fqcn') else entry['name']
            description = entry['description'].strip()
            if config.get('add_plugin_period') and not description.endswith(('.', '!', '?')):
                description += '.'
            out.append('- %s - %s' % (name, description))
        out.append('')
    return out


def released_changes(release):
    """A release of changelog.yaml, as the same {section: entries} as the fragments give."""
    changes = {}
    for section, value in (release.get('changes') or {}).items():
        changes[section] = [value] if isinstance(value, str) else list(value)
    for kind, entries in (release.get('modules') and {'module': release['modules']} or {}).items():
        changes['add plugin.%s' % kind] = entries
    for kind, entries in (release.get('plugins') or {}).items():
        changes['add plugin.%s' % kind] = entries
    for kind, entries in (release.get('objects') or {}).items():
        changes['add object.%s' % kind] = entries
    return changes


def version_key(version):
    return tuple(int(p) if p.isdigit() else 0 for p in version.split('.'))


def render(config, unreleased, version, releases, namespace_name):
    out = heading('%s Release Notes' % config['title'], '=', over=True)
    out += ['.. contents:: Topics', '']
    if any(unreleased.get(k) for k in unreleased if k != config['trivial_section_name']):
        out += ['']
        out += heading('v%s (unreleased)' % version, '=')
        out += ['Not released yet: what ``changelogs/fragments/`` holds. ``antsibull-changelog release``',
                'moves it into ``changelogs/changelog.yaml`` and this section becomes v%s.' % version, '']
        out += render_changes(unreleased, config, namespace_name)
    for released in sorted(releases, key=version_key, reverse=True):
        out += ['']
        out += heading('v%s' % released, '=')
        out += render_changes(released_changes(releases[released] or {}), config, namespace_name)
    while out and out[-1] == '':
        out.pop()
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--write', action='store_true', help='write CHANGELOG.rst instead of comparing')
    parser.add_argument('collection_src')
    parser.add_argument('version')
    args = parser.parse_args()

    problems = Problems()
    changelogs = os.path.join(args.collection_src, 'changelogs')
    config = load_yaml(os.path.join(changelogs, 'config.yaml'), problems)
    if not isinstance(config, dict) or not all(k in config for k in (
            'sections', 'prelude_section_name', 'prelude_section_title', 'trivial_section_name', 'title',
            'notesdir', 'changes_file')):
        problems.add(os.path.join(changelogs, 'config.yaml'), 'is not an antsibull-changelog configuration')
        print('\n'.join(problems), file=sys.stderr)
        return 1
    releases = check_changes_file(os.path.join(changelogs, config['changes_file']), problems)
    unreleased = read_fragments(os.path.join(changelogs, config['notesdir']), config, problems)
    if problems:
        print('changelog problems:\n  ' + '\n  '.join(problems), file=sys.stderr)
        return 1

    text = render(config, unreleased, args.version, releases, 'livetune.process')
    target = os.path.join(args.collection_src, os.path.normpath(
        os.path.join('changelogs', config.get('changelog_filename_template', '../CHANGELOG.rst'))))
    if args.write:
        with open(target, 'w') as f:
            f.write(text)
        print('wrote %s' % target)
        return 0
    try:
        with open(target) as f:
            current = f.read()
    except OSError:
        current = None
    if current != text:
        print('%s does not match the changelog fragments: run `make changelog` and commit it' % target,
              file=sys.stderr)
        return 1
    n = sum(len(v) for k, v in unreleased.items() if k != config['trivial_section_name'])
    print('changelog: %d fragment entries, %d release(s); %s matches them' % (n, len(releases), target))
    return 0


if __name__ == '__main__':
    sys.exit(main())
