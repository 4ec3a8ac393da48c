"""Draft file names: vN numbering that never overwrites a draft, a stable "latest" copy, atomic writes."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipeline.temps import new_temp

LATEST = "latest"


def draft_path(folder: Path, audit_id: str, version: int, suffix: str = ".docx") -> Path:
    """The file of one numbered draft: outbox/reports/AUDIT/AUDIT-draft-vN.docx."""
    return folder / f"{audit_id}-draft-v{version}{suffix}"


def latest_path(folder: Path, audit_id: str, suffix: str = ".docx") -> Path:
    """The stable name that always holds a copy of the newest draft."""
    return folder / f"{audit_id}-draft-{LATEST}{suffix}"


def existing_versions(folder: Path, audit_id: str) -> list[int]:
    """The version numbers of the drafts already in the folder, in order."""
    pattern = re.compile(rf"^{re.escape(audit_id)}-draft-v(\d+)\.docx$")
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := pattern.match(p.name)))


def next_version(folder: Path, audit_id: str) -> int:
    """One more than the highest draft number so far (1 for the first draft)."""
    versions = existing_versions(folder, audit_id)
    return versions[-1] + 1 if versions else 1


def claim(folder: Path, audit_id: str, version: int) -> Path | None:
    """Reserve draft vN by creating it exclusively; None if another run already has that number."""
    folder.mkdir(parents=True, exist_ok=True)
    path = draft_path(folder, audit_id, version)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None
    os.close(fd)
    return path


def _written_temp(folder: Path, data: bytes) -> Path:
    """A temp file in `folder` holding `data`, flushed to disk."""
    tmp = new_temp(folder)
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder, then os.replace."""
    tmp = _written_temp(path.parent, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def publish_new(path: Path, data: bytes) -> bool:
    """Create `path` holding `data`, whole, only if no such file exists yet; False if one does.

    The name appears with its content in one step (a hard link of a finished temp file), so a
    crash can never leave an empty or half-written numbered draft.
    """
    tmp = _written_temp(path.parent, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True
