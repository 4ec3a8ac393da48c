"""The workspace lock: a second qap waits (and says so); a killed holder frees it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import pytest

from pipeline.errors import WorkspaceBusy
from pipeline.lock import WAITING_MESSAGE, workspace_lock
from pipeline.workspace import Workspace

HOLDER = """
import sys, time
from pathlib import Path
from pipeline.lock import workspace_lock
from pipeline.workspace import Workspace
with workspace_lock(Workspace(Path(sys.argv[1]))):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_second_holder_waits_then_gets_the_lock_after_kill_9(workspace: Workspace) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(workspace.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        said: list[str] = []
        with (
            pytest.raises(WorkspaceBusy, match="Another qap is still working"),
            workspace_lock(workspace, on_wait=said.append, timeout=0.3),
        ):
            pass
        assert said == [WAITING_MESSAGE]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    said.clear()
    with workspace_lock(workspace, on_wait=said.append, timeout=30):
        assert said == []


def test_waiter_proceeds_when_holder_releases(workspace: Workspace) -> None:
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with workspace_lock(workspace):
            holding.set()
            release.wait(30)
            order.append("holder done")

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(30)

    def on_wait(message: str) -> None:
        order.append(message)
        release.set()

    with workspace_lock(workspace, on_wait=on_wait):
        order.append("waiter in")
    thread.join()
    assert order == [WAITING_MESSAGE, "holder done", "waiter in"]


def test_lock_file_is_private(workspace: Workspace) -> None:
    with workspace_lock(workspace):
        assert (workspace.private / "lock").stat().st_mode & 0o077 == 0
