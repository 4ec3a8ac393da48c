"""Claiming, naming and keeping original bytes: never lost, never overwritten, safe to repeat."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from pipeline.store import (
    archive_name,
    claim,
    claimed_files,
    place,
    quarantine_name,
    quarantine_note,
    sha256_of,
    write_note,
)
from pipeline.workspace import Workspace

NOW = dt.datetime(2026, 10, 1, 9, 30, 5, tzinfo=dt.UTC)


def drop(workspace: Workspace, name: str, data: bytes) -> Path:
    path = workspace.inbox / name
    path.write_bytes(data)
    return path


def test_claim_moves_the_file_out_of_the_inbox(workspace: Workspace) -> None:
    source = drop(workspace, "return.docx", b"PK bytes")
    claimed = claim(workspace, source, NOW)
    assert claimed is not None
    assert not source.exists()
    assert claimed.path.read_bytes() == b"PK bytes"
    assert claimed.path.parent.parent == workspace.processing
    assert claimed.original_name == "return.docx"
    assert claimed_files(workspace) == [claimed]


def test_claim_of_a_vanished_file_is_none_and_leaves_nothing(workspace: Workspace) -> None:
    assert claim(workspace, workspace.inbox / "gone.docx", NOW) is None
    assert list(workspace.processing.iterdir()) == []


def test_names_carry_audit_agency_time_and_hash(workspace: Workspace) -> None:
    claimed = claim(workspace, drop(workspace, "My Return (final).DOCX", b"x"), NOW)
    assert claimed is not None
    sha = sha256_of(claimed.path)
    assert sha == hashlib.sha256(b"x").hexdigest()
    assert archive_name(workspace, claimed, sha, "fathers-2026", "police") == (
        f"archive/fathers-2026/fathers-2026_police_20261001-093005_{sha[:12]}.docx"
    )
    assert quarantine_name(workspace, claimed, sha) == (
        f"quarantine/20261001-093005_{sha[:12]}_My Return (final).DOCX"
    )


def test_place_never_overwrites_and_is_safe_to_repeat(workspace: Workspace) -> None:
    first = claim(workspace, drop(workspace, "a.docx", b"same"), NOW)
    assert first is not None
    name = quarantine_name(workspace, first, sha256_of(first.path))
    kept = place(workspace, first, name)
    assert kept.read_bytes() == b"same"
    assert kept.stat().st_mode & 0o077 == 0
    # The same bytes again in the same second get their own name, not the first one's.
    second = claim(workspace, drop(workspace, "a.docx", b"same"), NOW)
    assert second is not None
    other = quarantine_name(workspace, second, sha256_of(second.path))
    assert other != name and other.endswith("-2.docx")
    place(workspace, second, other)
    assert sorted(p.name for p in workspace.quarantine.iterdir()) == sorted(
        [Path(name).name, Path(other).name]
    )
    assert list(workspace.processing.iterdir()) == []


def test_place_after_a_crash_between_link_and_unlink(workspace: Workspace) -> None:
    claimed = claim(workspace, drop(workspace, "a.docx", b"bytes"), NOW)
    assert claimed is not None
    name = quarantine_name(workspace, claimed, sha256_of(claimed.path))
    dest = workspace.root / name
    os.link(claimed.path, dest)
    place(workspace, claimed, name)
    assert dest.read_bytes() == b"bytes"
    assert not claimed.path.exists()


def test_place_refuses_to_replace_different_bytes(workspace: Workspace) -> None:
    claimed = claim(workspace, drop(workspace, "a.docx", b"new"), NOW)
    assert claimed is not None
    (workspace.quarantine / "taken.docx").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        place(workspace, claimed, "quarantine/taken.docx")
    assert (workspace.quarantine / "taken.docx").read_bytes() == b"old"
    assert claimed.path.read_bytes() == b"new"


def test_empty_processing_folders_are_cleared(workspace: Workspace) -> None:
    (workspace.processing / "20261001T093005000000Z-abcd1234").mkdir(parents=True)
    assert claimed_files(workspace) == []
    assert list(workspace.processing.iterdir()) == []


def test_quarantine_note_says_why_and_what_to_do(workspace: Workspace) -> None:
    text = quarantine_note(
        original_name="return.docx",
        stored_name="20261001-093005_abc_return.docx",
        received_at=NOW,
        sha256="abc",
        reason="The file is password-protected.",
        advice="Ask the agency to remove the password and send it again.",
        tried=("form identity: none",),
    )
    path = workspace.quarantine / "x.txt"
    write_note(path, text)
    written = path.read_text(encoding="utf-8-sig")
    assert "Why:\n  The file is password-protected." in written
    assert "What to do:\n  Ask the agency to remove the password" in written
    assert "  - form identity: none" in written
    assert 'qap ingest --audit AUDIT-ID --agency AGENCY-KEY "quarantine/20261001' in written
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in path.read_bytes()


@pytest.mark.skipif(
    not Path("/dev/shm").is_dir()
    or os.stat("/dev/shm").st_dev == os.stat(tempfile.gettempdir()).st_dev,
    reason="needs an inbox on a second filesystem (/dev/shm)",
)
def test_claim_from_an_inbox_on_another_filesystem(workspace: Workspace) -> None:
    share = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        workspace.inbox.rmdir()
        workspace.inbox.symlink_to(share, target_is_directory=True)
        source = drop(workspace, "return.docx", b"from the share")
        claimed = claim(workspace, source, NOW)
        assert claimed is not None
        assert claimed.path.read_bytes() == b"from the share"
        assert claimed.original_name == "return.docx"
        assert not source.exists()
        assert [p.name for p in claimed.path.parent.iterdir()] == ["return.docx"]
    finally:
        shutil.rmtree(share)
