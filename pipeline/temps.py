"""Temporary files written beside their targets, named after the process making them.

A process killed mid-write (kill -9, power cut) cannot clean up after itself, so every temp
name carries the host and process id that made it; `sweep_temporaries` later removes the ones
whose process on this host is gone. Temps of another computer's qap (a shared folder) are only
swept once they are old enough that no write can still be in progress.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = ".qap-tmp-"
_HOST = re.sub(r"[^A-Za-z0-9]+", "", socket.gethostname())[:20] or "host"
_NAME = re.compile(rf"^{re.escape(PREFIX)}(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-")
# A temp from another computer older than this cannot belong to a write still going on.
FOREIGN_AGE_SECONDS = 24 * 3600.0


def new_temp(folder: Path, suffix: str = ".tmp") -> Path:
    """Create an empty temp file (owner-only) in `folder`, named after this host and process."""
    while True:
        path = folder / f"{PREFIX}{_HOST}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except FileNotFoundError:
            # Made only when missing: writers usually have the folder already.
            folder.mkdir(parents=True, exist_ok=True)
            continue
        os.close(fd)
        return path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename or new file in it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_temp(name: str) -> bool:
    """Whether a file name is one of qap's temp files."""
    return name.startswith(PREFIX)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _abandoned(path: Path) -> bool:
    match = _NAME.match(path.name)
    if match is None:
        return False
    if match["host"] == _HOST:
        return not _alive(int(match["pid"]))
    try:
        return time.time() - path.stat().st_mtime > FOREIGN_AGE_SECONDS
    except FileNotFoundError:
        return False


def sweep_temporaries(folders: Iterable[Path]) -> list[Path]:
    """Remove temp files, under these folders, left by qap processes that are no longer running."""
    removed: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob(f"{PREFIX}*"):
            if path.is_file() and _abandoned(path):
                path.unlink(missing_ok=True)
                removed.append(path)
                log.info("removed %s, left by an interrupted qap", path.name)
    return removed
