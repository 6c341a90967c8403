"""Tests that need a system tool (Chromium, Graphviz) skip without it on a developer's machine only.

In CI (`CI=true`, as .ci/run is run) they never skip: a missing tool makes them fail, so a broken install
cannot pass as a green run with the pictures untested.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def needs_tool(name: str, package: str) -> pytest.MarkDecorator:
    """Skip when `name` is not on PATH, except in CI, where the test runs (and fails without it)."""
    missing = shutil.which(name) is None
    reason = f"{name} is not installed (Debian package `{package}`; .ci/run installs it)"
    return pytest.mark.skipif(missing and not in_ci(), reason=reason)
