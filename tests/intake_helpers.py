"""Helpers for intake tests: fast workspaces, filled returns from qap's own forms, file listings."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

from pipeline.definitions import load_catalogue
from pipeline.forms.issue import issue_forms
from pipeline.ledger import ACCEPTED, open_ledger
from pipeline.ledger_rows import NewFile
from pipeline.model import (
    Answer,
    AuditReturn,
    CaseReturn,
    Identification,
    ReturnIssue,
    StoredReturn,
)
from pipeline.workspace import Workspace
from tests.form_fill import fill_docx, sample_filled


def make_fast(workspace: Workspace, quiet: float = 0.3, poll: float = 1.0) -> Workspace:
    """Shorten the quiet period and scan interval in the workspace's qap.toml."""
    text = workspace.config_path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^quiet_period_seconds = .*$", f"quiet_period_seconds = {quiet}", text)
    text = re.sub(r"(?m)^poll_interval_seconds = .*$", f"poll_interval_seconds = {poll}", text)
    workspace.config_path.write_text(text, encoding="utf-8")
    return workspace


def filled_return(
    workspace: Workspace,
    target: Path,
    audit_id: str = "fathers-2026",
    agency: str = "police",
    completed_by: str = "A. Reviewer",
) -> Path:
    """A Word return issued by qap for `agency` and filled in as Word saves it."""
    issued = issue_forms(workspace, audit_id, [agency], ["docx"])
    audit = load_catalogue(workspace.audits_dir, workspace.partnership()).get(audit_id)
    filled = sample_filled(audit)
    filled.labels["completed_by"] = completed_by
    target.parent.mkdir(parents=True, exist_ok=True)
    fill_docx(issued[0].paths[0], target, filled.by_tag())
    return target


def unsigned_copy(source: Path, target: Path) -> Path:
    """A copy of a file (its bytes unchanged), under another name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def kept_files(workspace: Workspace) -> list[Path]:
    """Every original kept in archive and quarantine (not the .txt notes)."""
    found = [p for p in workspace.archive.rglob("*") if p.is_file()]
    found += [p for p in workspace.quarantine.rglob("*") if p.is_file() and p.suffix != ".txt"]
    return sorted(found)


def pdf_bytes() -> bytes:
    """A tiny PDF, as an agency might send instead of a return."""
    return b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def record_return(
    workspace: Workspace,
    agency: str,
    when: dt.datetime,
    audit_id: str = "fathers-2026",
    answers: tuple[Answer, ...] = (),
    cases: tuple[CaseReturn, ...] = (),
    issues: tuple[ReturnIssue, ...] = (),
    completed_by: str = "A. Reviewer",
) -> StoredReturn:
    """Put a constructed return in the ledger as if a file had been accepted."""
    ret = AuditReturn(
        audit_id=audit_id,
        agency_key=agency,
        identification=Identification(audit_id, agency, "signature", "valid"),
        file_name=f"{agency}.docx",
        style="qap-docx",
        answers=answers,
        cases=cases,
        issues=issues,
        completed_by=completed_by,
    )
    token = f"{when:%Y%m%dT%H%M%S%f}Z-{agency[:8]}"
    sha = hashlib.sha256(token.encode()).hexdigest()
    with open_ledger(workspace) as ledger:
        record = ledger.record(
            NewFile(token, sha, ret.file_name, when, 10, ACCEPTED, f"archive/{token}.docx"), ret
        )
        stored = ledger.return_for_file(record.file_id)
    assert stored is not None
    return stored


def unplaceable_docx(path: Path) -> Path:
    """A Word file answering two fathers-2026 questions, naming no audit and no agency."""
    import docx

    document = docx.Document()
    document.add_paragraph("Our notes")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Is the father's name recorded?"
    table.cell(0, 1).text = "Yes"
    table.cell(1, 0).text = "Was the father seen by your agency?"
    table.cell(1, 1).text = "No"
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
