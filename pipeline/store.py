"""Original bytes of every inbox file: claimed into .qap/processing, then kept in archive or quarantine.

The order of steps makes a crash at any point recoverable: a file is first moved (atomically,
same filesystem) out of the inbox into its own processing folder, then hashed and recorded in
the ledger, then hard-linked to its final name and unlinked from processing. Nothing is ever
deleted before a second name for the same bytes exists, and no final name is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pipeline.temps import fsync_dir, new_temp
from pipeline.workspace import Workspace, make_private_dir

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_TOKEN_TIME = "%Y%m%dT%H%M%S%fZ"
PARTIAL = ".partial-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


@dataclass(frozen=True)
class Claimed:
    """A file moved out of the inbox into its own processing folder, not yet kept anywhere."""

    token: str
    path: Path
    original_name: str
    received_at: dt.datetime


def new_token(now: dt.datetime) -> str:
    """A unique, time-sortable name for one claimed file."""
    return f"{now.astimezone(dt.UTC):{_TOKEN_TIME}}-{secrets.token_hex(4)}"


def token_time(token: str) -> dt.datetime:
    """When the file claimed under `token` was taken from the inbox."""
    return dt.datetime.strptime(token.split("-")[0], _TOKEN_TIME).replace(tzinfo=dt.UTC)


def printable(name: str) -> str:
    """A file name as text the ledger and notes can hold (undecodable bytes become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def claim(workspace: Workspace, source: Path, now: dt.datetime) -> Claimed | None:
    """Move `source` into its own processing folder; None if another process took it first."""
    token = new_token(now)
    folder = workspace.processing / token
    make_private_dir(folder)
    target = folder / source.name
    try:
        os.replace(source, target)
    except FileNotFoundError:
        folder.rmdir()
        return None
    except OSError as exc:
        folder.rmdir()
        if exc.errno != errno.EXDEV:
            raise
        # The inbox is on another filesystem (a mounted share): copy whole, then remove.
        claimed = claim_copy(workspace, source, now)
        source.unlink(missing_ok=True)
        return claimed
    fsync_dir(folder)
    fsync_dir(source.parent)
    try:
        os.chmod(target, 0o600)
    except OSError:
        log.warning("could not restrict permissions of claimed file %s", target.name)
    return Claimed(token, target, printable(source.name), now)


def claim_copy(
    workspace: Workspace, source: Path, now: dt.datetime, name: str | None = None
) -> Claimed:
    """Copy a file from outside the inbox into its own processing folder; the source is untouched.

    `name` is the name it arrived under, when that differs from the source's (a quarantined file).
    """
    name = name or source.name
    token = new_token(now)
    folder = workspace.processing / token
    make_private_dir(folder)
    # Copied under a partial name first, so a crash mid-copy never looks like a whole file.
    partial = folder / f"{PARTIAL}{name}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as src:
        while chunk := src.read(_CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    target = folder / name
    os.replace(partial, target)
    fsync_dir(folder)
    return Claimed(token, target, printable(name), now)


def claimed_files(workspace: Workspace) -> list[Claimed]:
    """Files left in processing by an earlier run that stopped part-way, oldest first."""
    found: list[Claimed] = []
    if not workspace.processing.is_dir():
        return found
    for folder in sorted(workspace.processing.iterdir()):
        if not folder.is_dir():
            continue
        entries = sorted(folder.iterdir())
        if not entries or all(e.name.startswith(PARTIAL) for e in entries):
            # A crash between making the folder and moving the file in: nothing to recover.
            for entry in entries:
                entry.unlink()
            folder.rmdir()
            continue
        for entry in entries:
            if entry.name.startswith(PARTIAL):
                # Our own unfinished copy of a file that is still at its source: discard it.
                entry.unlink()
                continue
            found.append(
                Claimed(folder.name, entry, printable(entry.name), token_time(folder.name))
            )
    return found


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks so memory stays bounded."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _safe(text: str, limit: int = 60) -> str:
    cleaned = _UNSAFE.sub("-", text).strip(" .-") or "file"
    return cleaned[:limit]


def _suffix(name: str) -> str:
    suffix = Path(name).suffix
    return f".{_safe(suffix[1:], 10)}" if len(suffix) > 1 else ""


def _stamp(when: dt.datetime) -> str:
    return f"{when.astimezone(dt.UTC):%Y%m%d-%H%M%S}"


def _unique(workspace: Workspace, folder: Path, stem: str, suffix: str) -> str:
    """A name not yet used in `folder` (nor by a .txt note), relative to the workspace root."""
    candidate = folder / f"{stem}{suffix}"
    counter = 2
    while candidate.exists() or Path(f"{candidate}.txt").exists():
        candidate = folder / f"{stem}-{counter}{suffix}"
        counter += 1
    return candidate.relative_to(workspace.root).as_posix()


def archive_name(
    workspace: Workspace,
    claimed: Claimed,
    sha256: str,
    audit_id: str,
    agency_key: str,
    duplicate: bool = False,
) -> str:
    """Where an accepted file will be kept: archive/<audit>/<audit>_<agency>_<time>_<hash>.ext."""
    suffix = _suffix(claimed.original_name.lower())
    stem = f"{_safe(audit_id)}_{_safe(agency_key)}_{_stamp(claimed.received_at)}_{sha256[:12]}"
    if duplicate:
        stem += "_duplicate"
    return _unique(workspace, workspace.archive / _safe(audit_id), stem, suffix)


def quarantine_name(workspace: Workspace, claimed: Claimed, sha256: str) -> str:
    """Where an unread file will be kept: quarantine/<time>_<hash>_<original name>."""
    original = Path(claimed.original_name)
    stem = f"{_stamp(claimed.received_at)}_{sha256[:12]}_{_safe(original.stem)}"
    return _unique(workspace, workspace.quarantine, stem, _suffix(original.name))


def place(workspace: Workspace, claimed: Claimed, stored_path: str) -> Path:
    """Give the claimed file its final name and remove it from processing; safe to repeat."""
    dest = workspace.root / stored_path
    make_private_dir(dest.parent)
    if claimed.path.exists():
        try:
            os.link(claimed.path, dest)
        except FileExistsError:
            # A previous run linked it and stopped before unlinking: the bytes must match.
            if sha256_of(dest) != sha256_of(claimed.path):
                raise
        except OSError:
            # Filesystems without hard links (some network shares): rename, never over a file.
            if dest.exists():
                raise
            os.rename(claimed.path, dest)
        try:
            os.chmod(dest, 0o600)
        except OSError:
            log.warning("could not restrict permissions of %s", stored_path)
        fsync_dir(dest.parent)
        claimed.path.unlink(missing_ok=True)
    try:
        claimed.path.parent.rmdir()
    except OSError:
        log.warning("processing folder %s not empty; left for inspection", claimed.token)
    return dest


def write_note(path: Path, text: str) -> None:
    """Write a plain-text note (UTF-8 with BOM so Notepad shows it right) atomically."""
    make_private_dir(path.parent)
    temp = new_temp(path.parent)
    with temp.open("w", encoding="utf-8-sig", newline="\r\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temp, path)


def quarantine_note(
    *,
    original_name: str,
    stored_name: str,
    received_at: dt.datetime,
    sha256: str,
    reason: str,
    advice: str,
    tried: tuple[str, ...] = (),
) -> str:
    """The plain-words note kept beside a quarantined file: why, and what to tell the agency."""
    when = received_at.astimezone()
    lines = [
        "qap could not use this file, so it has not been counted in any audit.",
        "",
        f"File received:  {original_name}",
        f"Received at:    {when:%d %B %Y, %H:%M} ({when.tzname()})",
        f"Kept here as:   {stored_name}",
        f"SHA-256:        {sha256}",
        "",
        "Why:",
        f"  {reason}",
        "",
        "What to do:",
        f"  {advice or 'Please check the file and send the return again.'}",
    ]
    if tried:
        lines += ["", "What qap tried:", *(f"  - {step}" for step in tried)]
    lines += [
        "",
        "If you know which audit and agency this return is for, you can place it yourself:",
        f'  qap ingest --audit AUDIT-ID --agency AGENCY-KEY "quarantine/{stored_name}"',
        "",
        "The file above is kept exactly as it arrived. Do not open it from here if the reason",
        "above says it may be unsafe.",
        "",
    ]
    return "\n".join(lines)
