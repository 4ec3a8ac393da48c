"""Replacing the tracker safely: temp file beside it, checked, backed up, then one atomic rename."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from pipeline.temps import fsync_dir, new_temp
from pipeline.tracker.package import Fingerprint, fingerprint, owner_files

log = logging.getLogger(__name__)

KEEP_BACKUPS = 60


class ChangedMeanwhile(Exception):
    """The workbook was saved by someone else while qap was preparing its update."""


class OpenElsewhere(Exception):
    """The workbook is open in Excel or LibreOffice, or the system refused to replace it."""


def pending_path(path: Path) -> Path:
    """Where an update waits while the tracker cannot be replaced: tracker.pending.xlsx."""
    return path.with_name(f"{path.stem}.pending{path.suffix}")


def backups_dir(path: Path) -> Path:
    """The folder of timestamped copies: outbox/tracker-backups/."""
    return path.with_name(f"{path.stem}-backups")


def _fsync_dir(folder: Path) -> None:
    # Best effort: the rename has happened whether or not this folder can be synced.
    with contextlib.suppress(OSError):
        fsync_dir(folder)


def save_to_temp(folder: Path, save: Callable[[Path], None], check: Callable[[Path], None]) -> Path:
    """Save into a new temp .xlsx in `folder`, flush it to disk and check it; removed on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    # The .xlsx suffix: openpyxl refuses to save under any other.
    temp = new_temp(folder, ".xlsx")
    try:
        save(temp)
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        check(temp)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def backup(path: Path, now: dt.datetime) -> Path:
    """Copy the tracker to tracker-backups/tracker-YYYYmmdd-HHMMSS.xlsx; old copies beyond 60 go."""
    folder = backups_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{path.stem}-{now:%Y%m%d-%H%M%S}"
    target = folder / f"{stem}{path.suffix}"
    n = 2
    while target.exists():
        target, n = folder / f"{stem}-{n}{path.suffix}", n + 1
    shutil.copy2(path, target)
    copies = sorted(folder.glob(f"{path.stem}-*{path.suffix}"), key=lambda p: p.stat().st_mtime_ns)
    for old in copies[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
    return target


def install(temp: Path, path: Path, expected: Fingerprint | None, now: dt.datetime) -> Path | None:
    """Back up the tracker and atomically replace it with `temp`, unless it is open or changed."""
    if owner_files(path):
        raise OpenElsewhere(path.name)
    if fingerprint(path) != expected:
        raise ChangedMeanwhile(path.name)
    saved = backup(path, now) if expected is not None else None
    try:
        os.replace(temp, path)
    except PermissionError as exc:
        # Windows and SMB refuse while Excel holds the file: the same as open.
        raise OpenElsewhere(path.name) from exc
    _fsync_dir(path.parent)
    log.info("tracker %s replaced (backup %s)", path.name, saved.name if saved else "none")
    return saved


def park(temp: Path, target: Path) -> Path:
    """Move a checked temp file to the pending name (replacing an older pending update)."""
    os.replace(temp, target)
    _fsync_dir(target.parent)
    return target


def retire_pending(path: Path, now: dt.datetime) -> Path | None:
    """Once the tracker itself is up to date, move a leftover pending file into the backups."""
    pending = pending_path(path)
    if not pending.exists():
        return None
    folder = backups_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{pending.stem}-{now:%Y%m%d-%H%M%S}{pending.suffix}"
    os.replace(pending, target)
    return target
