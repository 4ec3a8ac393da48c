"""The workspace lock: one qap process at a time processes a workspace's inbox."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import WorkspaceBusy
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

WAITING_MESSAGE = "another qap is working on this workspace, waiting..."
# How often a waiting process retries; neither flock nor msvcrt has a timed wait, so we poll.
_RETRY_SECONDS = 0.2


if sys.platform == "win32":  # pragma: no cover - exercised only on Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def file_lock(
    path: Path, *, on_wait: Callable[[], None] | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Hold an exclusive lock on `path` for the block, calling `on_wait` once if it must wait.

    Waits up to `timeout` seconds (forever when None), then raises TimeoutError. The operating
    system drops the lock when its holder exits, even by kill -9, so a crash never leaves it held.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try_lock(fd):
            if on_wait is not None:
                on_wait()
            deadline = None if timeout is None else time.monotonic() + timeout
            while not _try_lock(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError(str(path))
                time.sleep(_RETRY_SECONDS)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


@contextmanager
def workspace_lock(
    workspace: Workspace,
    on_wait: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Hold the workspace's lock for the block; wait (telling `on_wait` once) while another qap has it."""

    def waiting() -> None:
        log.info("workspace %s is locked by another qap; waiting", workspace.root)
        if on_wait is not None:
            on_wait(WAITING_MESSAGE)

    workspace.ensure_private_dirs()
    try:
        with file_lock(workspace.private / "lock", on_wait=waiting, timeout=timeout):
            yield
    except TimeoutError:
        raise WorkspaceBusy(
            f"Another qap is still working on {workspace.root} after "
            f"{timeout or 0:.0f}s. Try again when it has finished."
        ) from None
