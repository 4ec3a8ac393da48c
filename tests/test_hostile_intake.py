"""The hostile corpus through real intake (`qap run`, a live `qap watch`): quarantined or ignored,
bytes kept, bounded memory, the watcher alive afterwards, nothing of it in any report or tracker."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.workspace import Workspace
from tests.hostile import ACCEPT, IGNORED, RETRY, Hostile, build_hostile
from tests.intake_helpers import filled_return, kept_files, make_fast, pdf_bytes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
PEAK_MB = 300
# A guard against hanging forever, not a speed requirement.
PATIENCE = 300.0
DAMAGED = "The file is incomplete or damaged, so it cannot be opened."
ODD_NAME = "Return (final) – Police #2 ü é ✓ 😀 'quoted' & $HOME;.docx"
LONG_NAME = ("Safeguarding return ü " * 11)[:240].strip() + ".docx"

# Runs qap in this process and writes its peak resident memory (VmHWM, this process alone) on exit.
MEASURED = """
import atexit, sys
from pathlib import Path

def _peak() -> None:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmHWM:"))
    Path(peak_file).write_text(line.split()[1])

atexit.register(_peak)
peak_file = sys.argv[1]
sys.argv = ["qap", *sys.argv[2:]]
from pipeline.cli import main
main()
"""


def qap(workspace: Workspace, peak: Path, *args: str) -> subprocess.Popen[str]:
    """Start qap in a subprocess that records its peak memory in `peak`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAP_")}
    command = [sys.executable, "-c", MEASURED, str(peak), "--workspace", str(workspace.root)]
    return subprocess.Popen(
        [*command, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def peak_mb(peak: Path) -> int:
    return int(peak.read_text()) // 1024


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Hostile]:
    """Every hostile kind that must end in quarantine, and a sheet whose dimension lies (read
    whole, then not placeable); the other files the pre-check lets through as ordinary returns
    are tested by the readers' own tests."""
    built = build_hostile(tmp_path_factory.mktemp("hostile"))
    return {
        name: case
        for name, case in built.items()
        if case.verdict != ACCEPT or name == "lying_dimension.xlsx"
    }


def _expected_reason(case: Hostile) -> str:
    if case.verdict == RETRY:
        return DAMAGED
    return case.reason or "qap could not tell which audit"


def _ledger_files(workspace: Workspace) -> dict[str, sqlite3.Row]:
    with sqlite3.connect(f"file:{workspace.ledger_path}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return {r["original_name"]: r for r in conn.execute("SELECT * FROM files")}


def _returns(workspace: Workspace) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{workspace.ledger_path}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT audit_id, agency_key FROM returns"))


def _assert_quarantined(
    workspace: Workspace, cases: dict[str, tuple[str, str]], stdout: str
) -> None:
    """Each file (name -> sha256, reason phrase) quarantined, kept byte for byte, with a note."""
    files = _ledger_files(workspace)
    wrong = []
    for name, (digest, reason) in cases.items():
        row = files.get(name)
        if row is None or row["outcome"] != "quarantined" or reason not in row["reason"]:
            wrong.append((name, dict(row) if row else None))
            continue
        kept = workspace.root / row["stored_path"]
        note = Path(f"{kept}.txt").read_text(encoding="utf-8-sig")
        if (
            sha(kept) != digest
            or row["reason"] not in note
            or f"File received:  {name}" not in note
        ):
            wrong.append((name, "kept bytes or note wrong"))
        line = f"{name}: quarantined: {row['reason']}"
        if line not in stdout or not row["advice"] or "Traceback" in row["reason"]:
            wrong.append((name, "no plain message"))
    assert wrong == []


def _assert_nothing_reported(workspace: Workspace, allowed: list[tuple[str, str]]) -> None:
    assert _returns(workspace) == allowed
    reports = workspace.outbox / "reports"
    audits = sorted(p.name for p in reports.iterdir()) if reports.is_dir() else []
    assert audits == sorted({audit for audit, _ in allowed})


def test_qap_run_quarantines_every_hostile_kind(
    corpus: dict[str, Hostile], workspace: Workspace, tmp_path: Path
) -> None:
    make_fast(workspace, quiet=0.1)
    expected: dict[str, tuple[str, str]] = {}
    old = time.time() - 2 * 3600
    for name, case in corpus.items():
        target = workspace.inbox / name
        shutil.copyfile(case.path, target)
        if case.verdict == RETRY:
            # Incomplete and untouched for hours: no longer "still copying", so quarantined.
            os.utime(target, (old, old))
        expected[name] = (sha(target), _expected_reason(case))
    for name, data in ((ODD_NAME, pdf_bytes()), (LONG_NAME, pdf_bytes() + b"%long")):
        (workspace.inbox / name).write_bytes(data)
        expected[name] = (hashlib.sha256(data).hexdigest(), "This is a PDF")
    for name in IGNORED:
        if "/" not in name:
            (workspace.inbox / name).write_bytes(b"\x0bA. Reviewer" + bytes(150))
    (workspace.inbox / "fresh empty.docx").write_bytes(b"")

    peak = tmp_path / "peak"
    child = qap(workspace, peak, "run")
    out, err = child.communicate(timeout=PATIENCE)

    assert child.returncode == 0, err
    assert "Traceback" not in err
    _assert_quarantined(workspace, expected, out)
    assert (
        f"{len(expected)} files processed: 0 accepted, 0 accepted with issues, 0 duplicate, "
        f"{len(expected)} quarantined."
    ) in out.splitlines()
    assert "Still being copied, left in the inbox for next time: fresh empty.docx." in out
    left = sorted(p.name for p in workspace.inbox.iterdir())
    assert left == sorted([*(n for n in IGNORED if "/" not in n), "fresh empty.docx"])
    assert len(kept_files(workspace)) == len(expected)
    _assert_nothing_reported(workspace, [])
    assert not workspace.tracker_path().exists()
    assert peak_mb(peak) < PEAK_MB


@pytest.fixture
def grower(workspace: Workspace) -> Iterator[Path]:
    """A file that keeps growing (a copy that never finishes) for as long as the test runs."""
    path = workspace.inbox / "still growing.docx"
    stop = threading.Event()

    def grow() -> None:
        with path.open("ab") as out:
            out.write(b"PK\x03\x04")
            while not stop.wait(0.1):
                out.write(os.urandom(512))
                out.flush()

    thread = threading.Thread(target=grow)
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        thread.join()


def _wait_for(workspace: Workspace, names: set[str], child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and child.poll() is None:
        if workspace.ledger_path.exists() and names <= set(_ledger_files(workspace)):
            return
        time.sleep(0.2)
    raise AssertionError(f"watcher did not process {sorted(names - set(_ledger_files(workspace)))}")


def test_a_live_watcher_survives_the_corpus_and_then_accepts_a_good_return(
    corpus: dict[str, Hostile], workspace: Workspace, tmp_path: Path, grower: Path
) -> None:
    make_fast(workspace, quiet=0.3, poll=1.0)
    good = filled_return(workspace, tmp_path / "good.docx", agency="police")
    peak = tmp_path / "peak"
    child = qap(workspace, peak, "watch")
    assert child.stdout is not None
    assert child.stdout.readline().startswith("Watching ")
    expected: dict[str, tuple[str, str]] = {}
    for name, case in corpus.items():
        if case.verdict == RETRY:
            continue  # would wait 30 minutes as "still copying"; `qap run` above covers them
        shutil.copyfile(case.path, workspace.inbox / name)
        expected[name] = (sha(case.path), _expected_reason(case))
    for name, data in ((ODD_NAME, pdf_bytes()), (LONG_NAME, pdf_bytes() + b"%long")):
        (workspace.inbox / name).write_bytes(data)
        expected[name] = (hashlib.sha256(data).hexdigest(), "This is a PDF")
    for n in range(5):
        # Gone between its event and its read: never recorded, never an error.
        vanishing = workspace.inbox / f"vanishing {n}.docx"
        vanishing.write_bytes(pdf_bytes())
        time.sleep(0.05 * n)
        vanishing.unlink()
    _wait_for(workspace, set(expected), child)
    assert child.poll() is None, "the watcher died"
    assert grower.name not in _ledger_files(workspace)
    assert grower.exists()

    shutil.copyfile(good, workspace.inbox / "police fathers.docx")
    _wait_for(workspace, {"police fathers.docx"}, child)
    deadline = time.monotonic() + PATIENCE
    report = workspace.outbox / "reports" / "fathers-2026" / "fathers-2026-draft-latest.docx"
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=PATIENCE)

    assert child.returncode == 0, err
    assert "Traceback" not in err and "ERROR" not in err, err
    _assert_quarantined(workspace, expected, out)
    assert "police fathers.docx: accepted" in out
    assert not any("vanishing" in name for name in _ledger_files(workspace))
    _assert_nothing_reported(workspace, [("fathers-2026", "police")])
    assert grower.name not in _ledger_files(workspace)
    assert peak_mb(peak) < PEAK_MB
