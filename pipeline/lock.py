"""The workspace lock: one qap process at a time processes a workspace's inbox."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pipeline.errors import WorkspaceBusy
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

WAITING_MESSAGE = "another qap is working on this workspace, waiting..."
# How often a waiting process retries; flock has no timed wait, so we poll.
_RETRY_SECONDS = 0.2


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def workspace_lock(
    workspace: Workspace,
    on_wait: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Hold the workspace's lock for the block; wait (telling `on_wait` once) while another qap has it.

    The kernel drops the lock when its holder exits, even by kill -9, so a crash never leaves
    the workspace locked.
    """
    workspace.ensure_private_dirs()
    path = workspace.private / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            log.info("workspace %s is locked by another qap; waiting", workspace.root)
            if on_wait is not None:
                on_wait(WAITING_MESSAGE)
            deadline = None if timeout is None else time.monotonic() + timeout
            while not _try_lock(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise WorkspaceBusy(
                        f"Another qap is still working on {workspace.root} after "
                        f"{timeout:.0f}s. Try again when it has finished."
                    )
                time.sleep(_RETRY_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
