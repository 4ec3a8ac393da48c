"""Intake: every inbox file ends in archive or quarantine once, with its bytes; duplicates and
supersession in the ledger; files still arriving are left alone; the CLI says what happened."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import UnknownAuditError
from pipeline.intake import ingest_files, process_file, run_inbox
from pipeline.ledger import ACCEPTED, DUPLICATE, QUARANTINED, open_ledger
from pipeline.lock import WAITING_MESSAGE, workspace_lock
from pipeline.store import sha256_of
from pipeline.workspace import Workspace
from tests.intake_helpers import filled_return, kept_files, make_fast, pdf_bytes, unplaceable_docx

IGNORED = ["~$return.docx", "~WRL0001.tmp", "upload.tmp", ".~lock.return.docx#", "._return.docx"]


@pytest.fixture
def fast(workspace: Workspace) -> Workspace:
    return make_fast(workspace)


def test_a_pdf_is_quarantined_with_a_note(fast: Workspace) -> None:
    (fast.inbox / "return.docx").write_bytes(pdf_bytes())
    summary = run_inbox(fast)
    [outcome] = summary.outcomes
    assert outcome.outcome == QUARANTINED
    assert "PDF" in outcome.reason
    kept = fast.root / outcome.stored_path
    assert kept.read_bytes() == pdf_bytes()
    assert kept.parent == fast.quarantine
    note = Path(f"{kept}.txt").read_text(encoding="utf-8-sig")
    assert "Why:" in note and "PDF" in note
    assert "What to do:" in note
    assert list(fast.inbox.iterdir()) == []
    assert list(fast.processing.iterdir()) == []
    with open_ledger(fast) as ledger:
        [record] = ledger.files()
    assert (record.outcome, record.placed, record.sha256) == (QUARANTINED, True, sha256_of(kept))
    assert summary.describe() == (
        "1 file processed: 0 accepted, 0 accepted with issues, 0 duplicate, 1 quarantined."
    )


def test_owner_temp_and_hidden_files_are_left_alone(fast: Workspace) -> None:
    for name in IGNORED:
        (fast.inbox / name).write_bytes(b"x")
    (fast.inbox / ".hidden").mkdir()
    (fast.inbox / ".hidden" / "a.docx").write_bytes(pdf_bytes())
    summary = run_inbox(fast)
    assert summary.outcomes == ()
    assert summary.describe() == "Nothing to do: no new files in the inbox."
    assert sorted(p.name for p in fast.inbox.iterdir()) == sorted([*IGNORED, ".hidden"])
    assert kept_files(fast) == []


def test_a_file_still_being_copied_is_left_for_later(fast: Workspace) -> None:
    good = filled_return(fast, fast.root / "work" / "r.docx")
    data = good.read_bytes()
    partial = fast.inbox / "r.docx"
    partial.write_bytes(data[: len(data) // 2])
    summary = run_inbox(fast)
    assert summary.outcomes == ()
    assert summary.waiting == ("r.docx",)
    assert summary.describe() == "Still being copied, left in the inbox for next time: r.docx."
    assert partial.read_bytes() == data[: len(data) // 2]
    # An incomplete file untouched for long is not waited for forever: it is quarantined.
    old = time.time() - 2 * 3600
    os.utime(partial, (old, old))
    [outcome] = run_inbox(fast).outcomes
    assert outcome.outcome == QUARANTINED
    assert outcome.reason == "The file is incomplete or damaged, so it cannot be opened."


def test_accepted_duplicate_and_superseded(fast: Workspace) -> None:
    first = filled_return(fast, fast.inbox / "police return.docx")
    copy = fast.root / "copy.docx"
    copy.write_bytes(first.read_bytes())
    [accepted] = run_inbox(fast).outcomes
    assert accepted.outcome == ACCEPTED, accepted.describe()
    assert (accepted.audit_id, accepted.agency_key) == ("fathers-2026", "police")
    assert accepted.stored_path.startswith("archive/fathers-2026/fathers-2026_police_")
    assert (fast.root / accepted.receipt).is_file()
    # The same bytes again: recorded as a duplicate, kept, never counted twice.
    os.replace(copy, fast.inbox / "resent.docx")
    [duplicate] = run_inbox(fast).outcomes
    assert duplicate.outcome == DUPLICATE
    assert duplicate.stored_path.endswith("_duplicate.docx")
    assert "police return.docx received" in duplicate.describe()
    # A corrected return from the same agency supersedes the first; history keeps both.
    filled_return(fast, fast.inbox / "police v2.docx", completed_by="B. Reviewer")
    [second] = run_inbox(fast).outcomes
    assert second.outcome == ACCEPTED
    with open_ledger(fast) as ledger:
        current = ledger.current_returns("fathers-2026")
        history = ledger.history("fathers-2026", "police")
        files = ledger.files()
    assert [c.data.completed_by for c in current] == ["B. Reviewer"]
    assert [h.current for h in history] == [False, True]
    assert [f.outcome for f in files] == [ACCEPTED, DUPLICATE, ACCEPTED]
    assert len(kept_files(fast)) == 3


def test_ingest_with_audit_and_agency_for_an_unplaceable_file(
    fast: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(UnknownAuditError, match="no agency 'nobody'"):
        process_file(fast, tmp_path / "x.docx", agency_key="nobody")
    with pytest.raises(UnknownAuditError, match="no audit 'nope'"):
        ingest_files(fast, [tmp_path / "x.docx"], audit_id="nope")
    source = filled_return(fast, tmp_path / "elsewhere" / "r.docx")
    summary = ingest_files(fast, [source], audit_id="fathers-2026", agency_key="police")
    [outcome] = summary.outcomes
    assert outcome.outcome == ACCEPTED, outcome.describe()
    assert source.is_file(), "the original outside the workspace is left where it was"
    assert list(fast.inbox.iterdir()) == []


def test_run_cli_prints_a_line_per_file_and_a_summary(fast: Workspace, runner: CliRunner) -> None:
    (fast.inbox / "scan.docx").write_bytes(pdf_bytes())
    result = runner.invoke(cli, ["run", "--workspace", str(fast.root)])
    assert result.exit_code == 0, result.output
    [note] = fast.quarantine.glob("*.txt")
    stored = note.relative_to(fast.root).as_posix()[: -len(".txt")]
    lines = result.output.splitlines()
    assert lines[0].startswith("[1/1] scan.docx: quarantined: ")
    assert lines[0].endswith(f" See {stored}.txt")
    assert (
        lines[1]
        == "1 file processed: 0 accepted, 0 accepted with issues, 0 duplicate, 1 quarantined."
    )
    again = runner.invoke(cli, ["run", "--workspace", str(fast.root)])
    assert again.output == "Nothing to do: no new files in the inbox.\n"


def test_ingest_cli_refuses_an_unknown_agency(
    fast: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "r.docx"
    source.write_bytes(pdf_bytes())
    result = runner.invoke(
        cli, ["ingest", str(source), "--agency", "nobody", "--workspace", str(fast.root)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: There is no agency 'nobody' in {fast.config_path}. Known agencies: police, "
        "community-health, acute-hospital, csc, education, early-years, probation, youth-justice, "
        "housing, adult-mental-health.\n"
    ) or result.output.startswith(f"Error: There is no agency 'nobody' in {fast.config_path}.")
    assert kept_files(fast) == []


def test_unplaceable_return_is_quarantined_then_placed_by_the_coordinator(
    fast: Workspace, runner: CliRunner
) -> None:
    unplaceable_docx(fast.inbox / "notes.docx")
    [outcome] = run_inbox(fast).outcomes
    assert outcome.outcome == QUARANTINED
    kept = fast.root / outcome.stored_path
    note = Path(f"{kept}.txt").read_text(encoding="utf-8-sig")
    assert "What qap tried:\n  - " in note
    result = runner.invoke(
        cli,
        [
            "ingest",
            "--audit",
            "fathers-2026",
            "--agency",
            "probation",
            str(kept),
            "--workspace",
            str(fast.root),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[1/1] notes.docx: accepted with ")
    assert (
        "(fathers-2026, probation); receipt outbox/receipts/fathers-2026/probation-"
        in result.output
    )
    assert kept.is_file(), "the quarantined original stays where it is"
    with open_ledger(fast) as ledger:
        [current] = ledger.current_returns("fathers-2026")
        files = ledger.files()
    assert current.data.identification.method == "coordinator"
    assert current.data.file_name == "notes.docx"
    assert [f.outcome for f in files] == [QUARANTINED, ACCEPTED]


def test_run_waits_for_another_qap_and_says_so(fast: Workspace, runner: CliRunner) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with workspace_lock(fast):
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(60)
    (fast.inbox / "scan.docx").write_bytes(pdf_bytes())
    # Let the holder go a little later; the run must wait for it, whenever that is.
    timer = threading.Timer(0.5, release.set)
    timer.start()
    result = runner.invoke(cli, ["run", "--workspace", str(fast.root)])
    holder.join()
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{WAITING_MESSAGE}\n"
    assert "scan.docx: quarantined" in result.stdout


def test_archive_quarantine_and_ledger_are_private(fast: Workspace) -> None:
    filled_return(fast, fast.inbox / "r.docx")
    (fast.inbox / "scan.docx").write_bytes(pdf_bytes())
    run_inbox(fast)
    private = [fast.archive, fast.quarantine, fast.private, fast.ledger_path, *kept_files(fast)]
    private += list(fast.quarantine.glob("*.txt"))
    private += [p.parent for p in kept_files(fast)]
    assert len(kept_files(fast)) == 2
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_progress_update_form_is_stored_for_the_tracker(fast: Workspace) -> None:
    from docx import Document

    from pipeline.tracker.service import apply_returns
    from pipeline.tracker.update_forms import write_update_forms
    from tests.tracker_helpers import TODAY, police_and_health

    apply_returns(fast, police_and_health(), [], today=TODAY)
    form = write_update_forms(fast, "police", today=TODAY)[0]
    document = Document(str(form))
    row = document.tables[0].rows[1]
    row.cells[3].text = "Completed"
    row.cells[4].text = "Training delivered to all teams."
    document.save(str(fast.inbox / "police updates.docx"))
    [outcome] = run_inbox(fast).outcomes
    assert outcome.outcome == ACCEPTED, outcome.describe()
    assert (outcome.kind, outcome.agency_key) == ("update", "police")
    with open_ledger(fast) as ledger:
        [stored] = ledger.update_returns()
        assert ledger.current_returns() == []
    assert stored.data.identification.signature == "valid"
    first = stored.data.updates[0]
    assert (first.ref, first.status) == ("DA26-POL-01", "Completed")
    receipt = (fast.root / outcome.receipt).read_text(encoding="utf-8-sig")
    assert "PROGRESS UPDATES\n  DA26-POL-01: status Completed" in receipt


def test_a_file_name_that_is_not_valid_text_is_handled(fast: Workspace) -> None:
    name = os.fsdecode(b"scan \xff.docx")
    (fast.inbox / name).write_bytes(pdf_bytes())
    [outcome] = run_inbox(fast).outcomes
    assert outcome.outcome == QUARANTINED
    assert outcome.file_name == "scan \ufffd.docx"
    assert (fast.root / outcome.stored_path).read_bytes() == pdf_bytes()
    assert list(fast.inbox.iterdir()) == []
