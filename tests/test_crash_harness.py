"""The crash harness (tools/crash_harness.py): 20+ kill -9s of a live watcher, then every invariant."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from crash_checks import (  # noqa: E402
    Fed,
    check_files,
    check_ledger,
    check_reports,
    check_temporaries,
    check_tracker,
    kept_files,
    sha256_of,
)

KILLS = 20


@pytest.fixture(scope="module")
def harness(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    workdir = tmp_path_factory.mktemp("crash")
    done = subprocess.run(
        [
            sys.executable,
            "tools/crash_harness.py",
            "--kills",
            str(KILLS),
            "--seed",
            "7",
            "--workdir",
            str(workdir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return done, workdir


def test_twenty_kills_and_every_invariant_holds(
    harness: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, workdir = harness
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Crash harness: {KILLS} kills, seed 7, workspace {workdir / 'ws'}"
    assert lines[1].startswith(f"{KILLS} kills, ")
    assert lines[-1] == "All invariants held."
    assert kept_files(workdir / "ws"), "the harness fed nothing"


def _copy(workdir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(workdir / "ws", copy)
    return copy


def _fed(root: Path) -> list[Fed]:
    """What the ledger says was fed, as the harness would have recorded it."""
    import sqlite3

    with sqlite3.connect(root / ".qap" / "ledger.sqlite") as conn:
        rows = conn.execute(
            "SELECT original_name, sha256, outcome, audit_id, agency_key FROM files"
        ).fetchall()
    # Quarantined files were the hostile ones: the harness records no audit or agency for them.
    return [
        Fed(name, sha, outcome, *(("", "") if outcome == "quarantined" else (audit, agency)))
        for name, sha, outcome, audit, agency in rows
    ]


def test_the_checks_catch_a_lost_file_a_stray_temp_and_a_lost_edit(
    harness: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    _, workdir = harness
    root = _copy(workdir, tmp_path)
    fed = _fed(root)
    assert check_files(root, fed) == [] and check_ledger(root, fed) == []
    victim = kept_files(root)[0]
    sha = sha256_of(victim)
    victim.unlink()
    (root / "outbox" / ".qap-tmp-host-1-abcd.tmp").write_bytes(b"x")
    assert f"lost: 1 fed file(s) with sha256 {sha[:12]} are not kept" in check_files(root, fed)
    assert any("is missing at" in p for p in check_ledger(root, fed))
    assert check_temporaries(root) == [
        "temporary file left behind: outbox/.qap-tmp-host-1-abcd.tmp"
    ]
    assert check_tracker(root, {"NO-SUCH-REF": ("Completed", "x")}) == [
        "row NO-SUCH-REF, edited by hand, is gone"
    ]
    assert check_reports(root) == []
