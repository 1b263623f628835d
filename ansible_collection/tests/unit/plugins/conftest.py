# -*- coding: utf-8 -*-
# Copyright: livetune developers
# Apache License 2.0 (see LICENSE)
"""pytest fixtures of the action plugin tests (helpers: livetune_helpers.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.livetune.process.plugins.plugin_utils import executor
from ansible_collections.livetune.process.tests.unit.plugins.livetune_helpers import JAR_BYTES


@pytest.fixture(autouse=True)
def controller(tmp_path, monkeypatch):
    """A collection jar of our own, ansible's per-run local tmp dir, verbosity 0."""
    jar = tmp_path / 'files' / executor.JAR_NAME
    jar.parent.mkdir()
    jar.write_bytes(JAR_BYTES)
    local_tmp = tmp_path / 'local-tmp'
    local_tmp.mkdir()
    monkeypatch.setattr(executor, 'JAR_PATH', str(jar))
    monkeypatch.setattr(executor.C, 'DEFAULT_LOCAL_TMP', str(local_tmp))
    monkeypatch.setattr(executor.display, 'verbosity', 0)
    return tmp_path
