"""Shared fixtures: fresh workspaces made with `qap init` in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.workspace import Workspace, init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A new workspace copied from the sample one."""
    init_workspace(tmp_path / "ws")
    return Workspace((tmp_path / "ws").resolve())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
