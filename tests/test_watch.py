"""The watcher on a real folder: slow copies, rename-saves, files already there, bursts, polling."""

from __future__ import annotations

import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline.intake import RunSummary
from pipeline.ledger import ACCEPTED, open_ledger
from pipeline.processing import Outcome
from pipeline.watch import watch
from pipeline.workspace import Workspace
from tests.intake_helpers import filled_return, kept_files, make_fast

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
# A guard against hanging forever, not a speed requirement.
PATIENCE = 60


@dataclass
class Watching:
    """What a running watcher has reported so far."""

    outcomes: queue.Queue[Outcome] = field(default_factory=queue.Queue)
    runs: list[RunSummary] = field(default_factory=list)

    def next(self) -> Outcome:
        return self.outcomes.get(timeout=PATIENCE)


@contextmanager
def watching(workspace: Workspace, poll: float | None = None) -> Iterator[Watching]:
    seen = Watching()
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(workspace, poll, stop),
        kwargs={"on_outcome": seen.outcomes.put, "on_run": seen.runs.append},
    )
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(PATIENCE)
    assert not thread.is_alive(), "the watcher did not stop when asked"


@pytest.fixture
def fast(workspace: Workspace) -> Workspace:
    return make_fast(workspace, quiet=0.5, poll=1.0)


def test_a_slow_copy_is_processed_once_after_it_completes(fast: Workspace, tmp_path: Path) -> None:
    data = filled_return(fast, tmp_path / "r.docx").read_bytes()
    target = fast.inbox / "police return.docx"
    with watching(fast) as seen:
        with target.open("wb") as out:
            for start in range(0, len(data), 4096):
                out.write(data[start : start + 4096])
                out.flush()
                time.sleep(0.2)
        outcome = seen.next()
    assert outcome.outcome == ACCEPTED, outcome.describe()
    assert seen.outcomes.empty()
    with open_ledger(fast) as ledger:
        assert [f.outcome for f in ledger.files()] == [ACCEPTED]
    [kept] = kept_files(fast)
    assert kept.read_bytes() == data


def test_a_rename_save_is_processed_once(fast: Workspace, tmp_path: Path) -> None:
    data = filled_return(fast, tmp_path / "r.docx").read_bytes()
    with watching(fast) as seen:
        owner = fast.inbox / "~$return.docx"
        owner.write_bytes(b"\x0bA. Reviewer" + bytes(150))
        temp = fast.inbox / "~WRL0001.tmp"
        temp.write_bytes(data)
        os.rename(temp, fast.inbox / "return.docx")
        outcome = seen.next()
        owner.unlink()
    assert outcome.outcome == ACCEPTED, outcome.describe()
    assert outcome.file_name == "return.docx"
    assert seen.outcomes.empty()
    assert len(kept_files(fast)) == 1
    assert list(fast.quarantine.iterdir()) == []


def test_files_there_before_start_and_a_burst_are_processed_together(
    fast: Workspace, tmp_path: Path
) -> None:
    early = filled_return(fast, fast.inbox / "early.docx", agency="csc")
    assert early.exists()
    with watching(fast) as seen:
        assert seen.next().file_name == "early.docx"
        sources = [
            filled_return(fast, tmp_path / f"{agency}.docx", agency=agency)
            for agency in ("police", "education", "probation")
        ]
        for source in sources:
            shutil.copyfile(source, fast.inbox / source.name)
        names = sorted(seen.next().file_name for _ in sources)
    assert names == ["education.docx", "police.docx", "probation.docx"]
    assert [len(run.outcomes) for run in seen.runs] == [1, 3]


def test_polling_mode_picks_up_files(fast: Workspace, tmp_path: Path) -> None:
    with watching(fast, poll=0.5) as seen:
        filled_return(fast, tmp_path / "r.docx")
        shutil.copyfile(tmp_path / "r.docx", fast.inbox / "r.docx")
        outcome = seen.next()
    assert outcome.outcome == ACCEPTED, outcome.describe()


def test_a_hostile_file_is_quarantined_and_the_watcher_carries_on(
    fast: Workspace, tmp_path: Path
) -> None:
    with watching(fast) as seen:
        (fast.inbox / "scan.docx").write_bytes(b"%PDF-1.7\n%%EOF\n")
        first = seen.next()
        filled_return(fast, tmp_path / "r.docx")
        shutil.copyfile(tmp_path / "r.docx", fast.inbox / "r.docx")
        second = seen.next()
    assert (first.outcome, second.outcome) == ("quarantined", ACCEPTED)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: queue.Queue[str] = queue.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.put(record.getMessage())


def test_a_broken_qap_toml_is_reported_and_the_watcher_runs_on(fast: Workspace) -> None:
    errors = _Errors()
    logging.getLogger("pipeline.watch").addHandler(errors)
    good = fast.config_path.read_text(encoding="utf-8")
    try:
        with watching(fast) as seen:
            # A first file shows the watcher is up before qap.toml is broken under it.
            (fast.inbox / "first.docx").write_bytes(b"%PDF-1.7\n%%EOF\n")
            assert seen.next().file_name == "first.docx"
            fast.config_path.write_text(good + "\n[settings\n", encoding="utf-8")
            (fast.inbox / "scan.docx").write_bytes(b"%PDF-1.7\n%%EOF\n")
            message = errors.records.get(timeout=PATIENCE)
            fast.config_path.write_text(good, encoding="utf-8")
            outcome = seen.next()
    finally:
        logging.getLogger("pipeline.watch").removeHandler(errors)
    assert message.startswith(f"inbox scan failed: {fast.config_path} is not valid TOML")
    assert (outcome.file_name, outcome.outcome) == ("scan.docx", "quarantined")


def test_watch_command_prints_outcomes_and_stops_on_ctrl_c(fast: Workspace) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAP_")}
    command = [sys.executable, "-m", "pipeline", "--workspace", str(fast.root), "watch"]
    with subprocess.Popen(
        [*command, "--poll", "0.5"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        first = child.stdout.readline()
        (fast.inbox / "scan.docx").write_bytes(b"%PDF-1.7\n%%EOF\n")
        second = child.stdout.readline()
        child.send_signal(signal.SIGINT)
        rest = child.stdout.read()
        code = child.wait(PATIENCE)
    assert first == f"Watching {fast.inbox} (checking every 0.5 seconds). Press Ctrl+C to stop.\n"
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d scan\.docx: quarantined: This is a PDF, not a Word or Excel file\. "
        r"See quarantine/\S+_scan\.docx\.txt\n",
        second,
    ), second
    assert rest == "Stopped.\n"
    assert code == 0
