"""Two `qap run` processes and a watcher on one workspace: every file processed exactly once."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ledger import ACCEPTED, DUPLICATE, QUARANTINED, open_ledger
from pipeline.lock import WAITING_MESSAGE
from pipeline.workspace import Workspace
from tests.intake_helpers import filled_return, kept_files, make_fast, pdf_bytes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
AGENCIES = ("police", "csc", "education", "probation", "early-years")


def start(workspace: Workspace, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAP_")}
    # Slow each file down a little so the processes really overlap.
    env |= {"QAP_TEST_PAUSE_AT": "after-claim", "QAP_TEST_PAUSE_SECONDS": "0.2"}
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_runs_and_a_watcher_process_each_file_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    make_fast(workspace, quiet=0.2, poll=0.5)
    for agency in AGENCIES:
        filled_return(workspace, workspace.inbox / f"{agency}.docx", agency=agency)
    shutil.copyfile(workspace.inbox / "police.docx", workspace.inbox / "police again.docx")
    for n in range(3):
        (workspace.inbox / f"scan {n}.docx").write_bytes(pdf_bytes() + bytes([n]))
    sent = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in workspace.inbox.iterdir())

    watcher = start(workspace, "watch", "--poll", "0.5")
    runs = [start(workspace, "run"), start(workspace, "run")]
    outputs = [run.communicate(timeout=300) for run in runs]
    # The watcher keeps going after the runs; stop it as a service manager would.
    watcher.send_signal(signal.SIGTERM)
    watch_out, watch_err = watcher.communicate(timeout=60)

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert watcher.returncode == 0, watch_err
    for _out, err in [*outputs, (watch_out, watch_err)]:
        assert set(err.splitlines()) <= {WAITING_MESSAGE}, err
    assert "Stopped." in watch_out
    kept = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in kept_files(workspace))
    assert kept == sent
    assert list(workspace.inbox.iterdir()) == []
    with open_ledger(workspace) as ledger:
        outcomes = sorted(f.outcome for f in ledger.files())
        current = ledger.current_returns()
    assert outcomes == sorted([ACCEPTED] * 5 + [DUPLICATE] + [QUARANTINED] * 3)
    assert sorted(r.data.agency_key for r in current) == sorted(AGENCIES)
