"""Tests for pipeline.report.versions: numbered drafts are never overwritten, writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.report.versions import (
    claim,
    draft_path,
    existing_versions,
    latest_path,
    next_version,
    write_atomic,
)


def test_numbers_follow_the_drafts_already_there(tmp_path: Path) -> None:
    assert next_version(tmp_path / "missing", "a") == 1
    for version in (1, 2, 7):
        draft_path(tmp_path, "a", version).write_bytes(b"x")
    (tmp_path / "a-draft-v9.pdf").write_bytes(b"pdf only")
    (tmp_path / "b-draft-v20.docx").write_bytes(b"other audit")
    assert existing_versions(tmp_path, "a") == [1, 2, 7]
    assert next_version(tmp_path, "a") == 8
    assert latest_path(tmp_path, "a").name == "a-draft-latest.docx"


def test_a_claimed_number_cannot_be_claimed_again(tmp_path: Path) -> None:
    first = claim(tmp_path / "reports", "a", 1)
    assert first == tmp_path / "reports" / "a-draft-v1.docx"
    first.write_bytes(b"draft one")
    assert claim(tmp_path / "reports", "a", 1) is None
    assert first.read_bytes() == b"draft one"


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "x.docx"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["x.docx"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "x.docx"
    write_atomic(target, b"one")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"one"
    assert [p.name for p in tmp_path.iterdir()] == ["x.docx"]
