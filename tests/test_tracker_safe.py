"""The safe replace: temp file removed on failure, no replace when open or changed, backups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.tracker.package import fingerprint
from pipeline.tracker.safe import (
    ChangedMeanwhile,
    OpenElsewhere,
    backup,
    install,
    pending_path,
    retire_pending,
    save_to_temp,
)

NOW = dt.datetime(2027, 2, 15, 9, 30, 0)


def _noop(path: Path) -> None:
    del path


def test_failed_check_leaves_no_temp_file(tmp_path: Path) -> None:
    def bad(temp: Path) -> None:
        raise ValueError(f"bad {temp.suffix}")

    with pytest.raises(ValueError, match=r"bad \.xlsx"):
        save_to_temp(tmp_path, lambda temp: temp.write_bytes(b"data"), bad)
    assert list(tmp_path.iterdir()) == []


def test_install_replaces_and_backs_up(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(b"old")
    expected = fingerprint(path)
    temp = save_to_temp(tmp_path, lambda t: t.write_bytes(b"new"), _noop)
    saved = install(temp, path, expected, NOW)
    assert path.read_bytes() == b"new"
    assert saved == tmp_path / "tracker-backups" / "tracker-20270215-093000.xlsx"
    assert saved.read_bytes() == b"old"
    assert not temp.exists()


def test_install_refuses_when_open_or_changed(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(b"old")
    expected = fingerprint(path)
    temp = save_to_temp(tmp_path, lambda t: t.write_bytes(b"new"), _noop)
    (tmp_path / "~$tracker.xlsx").write_bytes(b"owner")
    with pytest.raises(OpenElsewhere):
        install(temp, path, expected, NOW)
    (tmp_path / "~$tracker.xlsx").unlink()
    path.write_bytes(b"someone saved")
    with pytest.raises(ChangedMeanwhile):
        install(temp, path, expected, NOW)
    assert path.read_bytes() == b"someone saved"


def test_backups_in_the_same_second_do_not_collide(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(b"a")
    first = backup(path, NOW)
    second = backup(path, NOW)
    assert first != second and second.name == "tracker-20270215-093000-2.xlsx"


def test_pending_is_retired_into_the_backups(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    assert pending_path(path).name == "tracker.pending.xlsx"
    assert retire_pending(path, NOW) is None
    pending_path(path).write_bytes(b"pending")
    moved = retire_pending(path, NOW)
    assert moved is not None and moved.read_bytes() == b"pending"
    assert not pending_path(path).exists()
