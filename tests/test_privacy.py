"""Privacy at rest and in logs: owner-only archive, quarantine and ledger; no answer text in logs."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.definitions import load_catalogue
from pipeline.demo.fill import fill_xlsx
from pipeline.forms.issue import issue_forms
from pipeline.workspace import Workspace
from tests.form_fill import fill_docx, sample_filled
from tests.intake_helpers import make_fast, pdf_bytes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
# What a practitioner typed, standing in for safeguarding detail: it must never reach a log.
MARKER = "ZQX-SECRET-7731"


def qap(workspace: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    """Run qap -v in a subprocess with a permissive umask, so modes come from qap, not the umask."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAP_")}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "-v", "--workspace", str(workspace.root), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        umask=0,
    )


def marked_returns(workspace: Workspace, folder: Path) -> list[Path]:
    """Returns in several styles whose answers, names, case refs and actions carry the marker."""
    made: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    for audit_id, agency, fmt in (
        ("domestic-abuse-2026", "police", "docx"),
        ("domestic-abuse-2026", "csc", "xlsx"),
        ("fathers-2026", "education", "docx"),
    ):
        audit = catalogue.get(audit_id)
        filled = sample_filled(audit)
        for question in audit.agency_questions():
            if question.type == "text":
                filled.tagged[question.id] = f"{MARKER} said the child was frightened"
            elif question.type == "date":
                filled.tagged[question.id] = f"{MARKER} last week"  # cannot be read as a date
        filled.cases = {i: (f"{MARKER}-{i}", a) for i, (_, a) in filled.cases.items()}
        if audit.actions_table:
            filled.actions = [
                (f"{MARKER} action {n}", f"{MARKER} owner", "2027-03-31") for n in (1, 2)
            ]
        filled.labels["completed_by"] = f"{MARKER} Reviewer"
        [issued] = issue_forms(workspace, audit_id, [agency], [fmt])
        target = folder / f"{agency} {audit_id}.{fmt}"
        if fmt == "docx":
            fill_docx(issued.paths[0], target, filled.by_tag(), typed_dates=True)
        else:
            fill_xlsx(issued.paths[0], target, audit, filled)
        made.append(target)
    # Unplaceable and unreadable files holding the marker go to quarantine.
    made.append(_unplaceable(folder / "no idea.docx"))
    (folder / "scan.docx").write_bytes(pdf_bytes()[:-6] + MARKER.encode() + b"\n%%EOF\n")
    made.append(folder / "scan.docx")
    return made


def _unplaceable(path: Path) -> Path:
    """A Word file answering questions with the marker, naming no audit and no agency."""
    import docx

    document = docx.Document()
    document.add_paragraph(f"Notes by {MARKER}")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Is the father's name recorded?"
    table.cell(0, 1).text = f"{MARKER} yes"
    table.cell(1, 0).text = "Was the father seen by your agency?"
    table.cell(1, 1).text = f"{MARKER} no"
    document.save(str(path))
    return path


@pytest.fixture
def processed(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, list[str]]:
    """A workspace after `qap run`, `qap tracker` and `qap report` over the marked returns."""
    make_fast(workspace, quiet=0.1)
    for path in marked_returns(workspace, tmp_path / "made"):
        shutil.copyfile(path, workspace.inbox / path.name)
    outputs = []
    for args in (("run",), ("tracker",), ("report", "fathers-2026"), ("run",)):
        done = qap(workspace, *args)
        assert done.returncode == 0, done.stderr
        outputs += [done.stderr, done.stdout if args[0] == "run" else ""]
    return workspace, outputs


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_archive_quarantine_and_ledger_are_owner_only(
    processed: tuple[Workspace, list[str]],
) -> None:
    workspace, _ = processed
    for folder in (
        workspace.archive,
        workspace.quarantine,
        workspace.private,
        workspace.processing,
    ):
        assert _mode(folder) == 0o700, folder
    kept = [
        p
        for folder in (workspace.archive, workspace.quarantine)
        for p in folder.rglob("*")
        if p.name != ".gitkeep"
    ]
    assert len([p for p in kept if p.is_file()]) == 7  # 5 originals, 2 quarantine notes
    assert {str(p.relative_to(workspace.root)): oct(_mode(p)) for p in kept if p.is_file()} == {
        str(p.relative_to(workspace.root)): oct(0o600) for p in kept if p.is_file()
    }
    assert {oct(_mode(p)) for p in kept if p.is_dir()} == {oct(0o700)}
    answers = ["ledger.sqlite", "tracker.sqlite", "secret.key"]
    held = [p for p in workspace.private.iterdir() if p.name.split("-")[0] in answers]
    assert {p.name for p in held} >= {"ledger.sqlite", "tracker.sqlite", "secret.key"}
    assert {p.name: oct(_mode(p)) for p in held} == {p.name: oct(0o600) for p in held}


def test_no_answer_text_in_logs_notes_or_messages(processed: tuple[Workspace, list[str]]) -> None:
    workspace, outputs = processed
    # The marker really was read: it is in the ledger and the receipts sent back to agencies.
    assert MARKER.encode() in workspace.ledger_path.read_bytes() + b"".join(
        p.read_bytes() for p in workspace.private.glob("ledger.sqlite*")
    )
    assert any("INFO" in text for text in outputs), "run with -v, so every step is logged"
    assert [text for text in outputs if MARKER in text] == []
    notes = list(workspace.quarantine.glob("*.txt"))
    assert len(notes) == 2
    assert [n.name for n in notes if MARKER in n.read_text(encoding="utf-8-sig")] == []
