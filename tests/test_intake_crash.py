"""kill -9 at each step of processing, then restart: nothing lost, nothing counted twice."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ledger import ACCEPTED, QUARANTINED, open_ledger
from pipeline.workspace import Workspace
from tests.intake_helpers import filled_return, kept_files, make_fast, pdf_bytes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
STEPS = [
    "after-claim",
    "after-hash",
    "after-record",
    "before-place",
    "after-place",
    "before-outputs",
]


def qap(
    workspace: Workspace, *args: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAP_")}
    if crash_at:
        env["QAP_TEST_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def seed(workspace: Workspace, tmp_path: Path) -> dict[str, str]:
    """Two returns and a PDF in the inbox; returns each file's sha256 by name."""
    filled_return(workspace, workspace.inbox / "a police.docx", agency="police")
    filled_return(workspace, workspace.inbox / "b csc.docx", agency="csc")
    (workspace.inbox / "c scan.docx").write_bytes(pdf_bytes())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in workspace.inbox.iterdir()}


def assert_each_kept_once(workspace: Workspace, sent: dict[str, str]) -> None:
    kept = [hashlib.sha256(p.read_bytes()).hexdigest() for p in kept_files(workspace)]
    assert sorted(kept) == sorted(sent.values())
    assert list(workspace.inbox.iterdir()) == []
    assert list(workspace.processing.iterdir()) == []
    with open_ledger(workspace) as ledger:
        files = ledger.files()
        assert sorted(f.original_name for f in files) == sorted(sent)
        assert sorted(f.outcome for f in files) == [ACCEPTED, ACCEPTED, QUARANTINED]
        assert all(f.placed for f in files)
        assert len(ledger.current_returns()) == 2
        assert ledger.dirty_audits() == []
    for record in files:
        assert (workspace.root / record.stored_path).is_file()
        if record.outcome == QUARANTINED:
            assert (workspace.root / f"{record.stored_path}.txt").is_file()
    receipts = list((workspace.outbox / "receipts").rglob("*.txt"))
    assert len(receipts) == 2


@pytest.mark.parametrize("step", STEPS)
def test_run_killed_at_each_step_recovers(workspace: Workspace, tmp_path: Path, step: str) -> None:
    make_fast(workspace, quiet=0.1)
    sent = seed(workspace, tmp_path)
    killed = qap(workspace, "run", crash_at=step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = qap(workspace, "run")
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert_each_kept_once(workspace, sent)
    # A third run finds nothing left to do.
    assert qap(workspace, "run").stdout == "Nothing to do: no new files in the inbox.\n"


def test_ingest_killed_mid_way_recovers(workspace: Workspace, tmp_path: Path) -> None:
    source = filled_return(workspace, tmp_path / "outside.docx")
    killed = qap(workspace, "ingest", str(source), crash_at="after-claim")
    assert killed.returncode == -signal.SIGKILL
    assert qap(workspace, "run").returncode == 0
    with open_ledger(workspace) as ledger:
        assert [f.outcome for f in ledger.files()] == [ACCEPTED]
    assert source.is_file()
    assert list(workspace.processing.iterdir()) == []
