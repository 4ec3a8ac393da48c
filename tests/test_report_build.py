"""End to end: returns in the real ledger -> `qap report` -> numbered drafts, latest copy and PDF."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.cli import cli
from pipeline.ledger import ACCEPTED, open_ledger
from pipeline.ledger_rows import NewFile
from pipeline.model import StoredReturn
from pipeline.report import write_draft_report
from pipeline.workspace import Workspace
from tests.report_helpers import NOW, TRICKY_CLEAN, sample, synthetic_returns


def _record(workspace: Workspace, returns: list[StoredReturn]) -> None:
    with open_ledger(workspace) as ledger:
        for stored in returns:
            new = NewFile(
                token=f"t{stored.return_id}-{stored.data.audit_id}",
                sha256=hashlib.sha256(
                    f"{stored.return_id}{stored.data.audit_id}".encode()
                ).hexdigest(),
                original_name=stored.data.file_name,
                received_at=stored.received_at,
                size=1000,
                outcome=ACCEPTED,
                stored_path=f"archive/{stored.return_id}.docx",
                audit_id=stored.data.audit_id,
                agency_key=stored.data.agency_key,
            )
            ledger.record(new, stored.data)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_drafts_are_numbered_and_never_overwritten(workspace: Workspace) -> None:
    _, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    _record(workspace, synthetic_returns(audit, agencies=audit.agencies[:2]))
    first = write_draft_report(workspace, audit.id, now=NOW)
    assert first.version == 1 and first.path.name == "fathers-2026-draft-v1.docx"
    kept = _sha(first.path)
    _record(workspace, synthetic_returns(audit, agencies=audit.agencies[2:4], first_id=10))
    second = write_draft_report(workspace, audit.id, now=NOW)
    assert second.version == 2
    assert _sha(first.path) == kept
    assert second.latest_path == first.latest_path
    assert _sha(second.latest_path) == _sha(second.path) != kept
    cover = [p.text for p in Document(str(second.path)).paragraphs[:10]]
    assert "Based on 4 of 8 expected returns received up to 14:32 on 3 February 2027." in cover
    assert "DRAFT · version 2" in cover
    assert sorted(p.name for p in first.path.parent.iterdir()) == [
        "fathers-2026-draft-latest.docx",
        "fathers-2026-draft-v1.docx",
        "fathers-2026-draft-v2.docx",
    ]


def test_cli_report_prints_the_paths(workspace: Workspace, runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ["--workspace", str(workspace.root), "report", "domestic-abuse-2026"], obj={}
    )
    folder = workspace.outbox / "reports" / "domestic-abuse-2026"
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Draft v1 of domestic-abuse-2026: {folder / 'domestic-abuse-2026-draft-v1.docx'}\n"
        f"Latest copy: {folder / 'domestic-abuse-2026-draft-latest.docx'}\n"
    )
    texts = [p.text for p in Document(str(folder / "domestic-abuse-2026-draft-v1.docx")).paragraphs]
    assert "No returns have been received yet, so there are no findings to report." in texts


def test_cli_report_unknown_audit(workspace: Workspace, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--workspace", str(workspace.root), "report", "nope"], obj={})
    assert result.exit_code == 1
    assert "There is no audit 'nope' in this workspace." in result.output
    assert not (workspace.outbox / "reports").exists()


def test_broken_workspace_template_writes_nothing(workspace: Workspace, runner: CliRunner) -> None:
    document = Document(str(workspace.report_template))
    document.add_paragraph("Signed {{ partnership.chair }}")
    document.save(str(workspace.report_template))
    result = runner.invoke(
        cli, ["--workspace", str(workspace.root), "report", "fathers-2026"], obj={}
    )
    assert result.exit_code == 1
    assert "the field “chair” does not exist" in result.output
    assert "“Signed {{ partnership.chair }}”" in result.output
    assert not (workspace.outbox / "reports").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "audit_id", ["section11-2026", "domestic-abuse-2026", "teen-pregnancy-2026"]
)
def test_pdf_through_libreoffice(workspace: Workspace, runner: CliRunner, audit_id: str) -> None:
    _, catalogue = sample()
    audit = catalogue.get(audit_id)
    _record(workspace, synthetic_returns(audit))
    if audit.repeat_of:
        _record(workspace, synthetic_returns(catalogue.get(audit.repeat_of), seed=9, first_id=100))
    result = runner.invoke(
        cli, ["--workspace", str(workspace.root), "report", audit_id, "--pdf"], obj={}
    )
    assert result.exit_code == 0, result.output
    folder = workspace.outbox / "reports" / audit_id
    pdf = folder / f"{audit_id}-draft-v1.pdf"
    assert result.output.endswith(f"PDF: {pdf}\n")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _sha(folder / f"{audit_id}-draft-latest.pdf") == _sha(pdf)
    for made in (pdf, folder / f"{audit_id}-draft-latest.pdf"):
        assert made.stat().st_mode & 0o077 == 0, f"{made.name} is readable by others"
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "OFFICIAL-SENSITIVE" in text and "Contents" in text
        # LibreOffice filled in the contents' page numbers.
        assert re.search(r"Executive summary\.+\s*3\n", text)
        assert TRICKY_CLEAN.splitlines()[0] in text
