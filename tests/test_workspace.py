"""Workspace creation, discovery and qap's private folders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipeline.errors import WorkspaceError
from pipeline.workspace import Workspace, find_workspace, init_workspace, make_private_dir


def test_init_creates_layout_and_never_overwrites(tmp_path: Path) -> None:
    made = init_workspace(tmp_path / "w")
    ws = Workspace((tmp_path / "w").resolve())
    assert ws.config_path in made
    assert (ws.audits_dir / "domestic-abuse-2026.toml").is_file()
    for folder in (ws.inbox, ws.outbox, ws.archive, ws.quarantine, ws.private):
        assert folder.is_dir()
    ws.config_path.write_text("# edited by the coordinator\n" + ws.config_path.read_text())
    again = init_workspace(tmp_path / "w")
    assert again == []
    assert ws.config_path.read_text().startswith("# edited by the coordinator")


def test_private_folders_are_owner_only(workspace: Workspace) -> None:
    for folder in (workspace.archive, workspace.quarantine, workspace.private):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    workspace.secret_key()
    assert stat.S_IMODE((workspace.private / "secret.key").stat().st_mode) == 0o600


def test_secret_key_is_stable(workspace: Workspace) -> None:
    key = workspace.secret_key()
    assert len(key) == 32
    assert workspace.secret_key() == key
    assert workspace.workspace_id() == workspace.workspace_id()


def test_find_workspace_prefers_option_then_env(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QAP_WORKSPACE", str(workspace.root))
    assert find_workspace(None).root == workspace.root
    with pytest.raises(WorkspaceError, match="not a qap workspace"):
        find_workspace(str(tmp_path))
    monkeypatch.delenv("QAP_WORKSPACE")
    with pytest.raises(WorkspaceError, match=r"qap init DIR"):
        find_workspace(None)
    assert os.getcwd() == str(tmp_path)


def test_key_and_id_created_once_under_a_race(workspace: Workspace) -> None:
    # A watcher and a `qap run` starting together must agree on one key and one id.
    import threading

    keys: list[bytes] = []
    ids: list[str] = []

    def start() -> None:
        keys.append(workspace.secret_key())
        ids.append(workspace.workspace_id())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert len(set(ids)) == 1
    assert not [p for p in workspace.private.iterdir() if p.name.startswith(".")]


def test_private_folders_are_made_owner_only_with_their_parents(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    make_private_dir(folder)
    assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.chmod(0o755)
    make_private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
