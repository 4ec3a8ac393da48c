"""Temp files named after their process: those of a killed qap are swept, live ones are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.report.versions import publish_new
from pipeline.temps import PREFIX, fsync_dir, is_temp, new_temp, sweep_temporaries

ROOT = Path(__file__).resolve().parent.parent

KILLED_MID_WRITE = """
import os, signal, sys
from pathlib import Path
from pipeline.temps import new_temp
temp = new_temp(Path(sys.argv[1]), ".xlsx")
temp.write_bytes(b"half a workbook")
print(temp.name, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_temp_left_by_a_killed_process_is_swept(tmp_path: Path) -> None:
    # Found by tools/crash_harness.py: a watcher killed while writing a report left its temp forever.
    folder = tmp_path / "outbox" / "reports"
    folder.mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", KILLED_MID_WRITE, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL
    left = folder / done.stdout.strip()
    assert left.is_file() and is_temp(left.name)
    mine = new_temp(folder)
    assert sweep_temporaries([tmp_path]) == [left]
    assert sorted(p.name for p in folder.iterdir()) == [mine.name]


def test_temps_are_owner_only_and_named_after_this_process(tmp_path: Path) -> None:
    temp = new_temp(tmp_path, ".docx")
    assert temp.name.startswith(PREFIX) and f"-{os.getpid()}-" in temp.name
    assert temp.suffix == ".docx"
    assert temp.stat().st_mode & 0o777 == 0o600


def test_another_computers_recent_temp_is_kept(tmp_path: Path) -> None:
    foreign = tmp_path / f"{PREFIX}otherpc-1-abcd1234.tmp"
    foreign.write_bytes(b"still being written on another computer")
    assert sweep_temporaries([tmp_path]) == []
    assert foreign.exists()


def test_a_published_draft_is_never_empty_and_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "a-draft-v1.docx"
    assert publish_new(target, b"draft one")
    assert not publish_new(target, b"draft two")
    assert target.read_bytes() == b"draft one"
    assert [p.name for p in tmp_path.iterdir()] == ["a-draft-v1.docx"]


def test_fsync_dir_syncs_a_folder_and_reports_a_missing_one(tmp_path: Path) -> None:
    fsync_dir(tmp_path)
    # store relies on the error: a claim whose folder cannot be synced must not look durable.
    with pytest.raises(FileNotFoundError):
        fsync_dir(tmp_path / "gone")


def test_a_temp_in_a_missing_folder_makes_the_folder(tmp_path: Path) -> None:
    temp = new_temp(tmp_path / "not" / "there")
    assert temp.parent == tmp_path / "not" / "there"
    assert temp.is_file() and temp.stat().st_size == 0
