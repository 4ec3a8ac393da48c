"""`qap validate FILE [--json]`: what would be read, as text or JSON, with nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.workspace import Workspace
from tests.corpus import retyped_table


def snapshot(workspace: Workspace) -> list[str]:
    return sorted(str(p.relative_to(workspace.root)) for p in workspace.root.rglob("*"))


def test_validate_prints_what_would_be_read(
    runner: CliRunner, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "Housing return.docx"
    retyped_table(path)
    before = snapshot(workspace)
    result = runner.invoke(cli, ["--workspace", str(workspace.root), "validate", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:8] == [
        "Housing return.docx: accepted with issues",
        "  Audit:        teen-pregnancy-2026 (Teen Pregnancy Pathway: use and impact (repeat audit))",
        "  Agency:       housing",
        "  Found by:     labels (signature: none)",
        "  Read as:      docx (table)",
        "  Completed by: A. Example, Tenancy Services Lead",
        "Answers:",
        "  1.1    Yes",
    ]
    assert "  2. Audit young fathers recording (Team manager, 2027-03-02)" in lines
    assert "  missing   Case 2 (HX-102): question 4.2 has no answer." in lines
    assert snapshot(workspace) == before


def test_validate_json_is_one_object_for_scripts(
    runner: CliRunner, workspace: Workspace, tmp_path: Path
) -> None:
    path = retyped_table_file(tmp_path)
    result = runner.invoke(
        cli, ["--workspace", str(workspace.root), "validate", "--json", str(path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["identity"]["audit"] == "teen-pregnancy-2026"
    assert data["answers"]["1.1"] == {"value": "Yes", "raw": "yes"}
    assert data["cases"][1]["ref"] == "HX-102"
    assert data["actions"][0]["target_date"] == "2027-02-14"
    assert {issue["kind"] for issue in data["issues"]} == {"missing"}


def retyped_table_file(tmp_path: Path) -> Path:
    path = tmp_path / "return.docx"
    retyped_table(path)
    return path


def test_validate_a_file_qap_would_quarantine(
    runner: CliRunner, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "scan.docx"
    path.write_bytes(b"%PDF-1.7\n%%EOF\n")
    result = runner.invoke(cli, ["--workspace", str(workspace.root), "validate", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        "scan.docx: rejected\n"
        "  This is a PDF, not a Word or Excel file.\n"
        "  Ask the agency for the Word or Excel return itself, not a PDF or a scan.\n"
    )


def test_validate_an_unidentifiable_file_shows_what_was_read(
    runner: CliRunner, workspace: Workspace, tmp_path: Path
) -> None:
    document = docx.Document()
    document.add_paragraph("Our return")
    document.add_table(rows=1, cols=2).rows[0].cells[1].text = "Yes"
    document.tables[0].rows[0].cells[0].text = "1.1"
    path = tmp_path / "scan 0042.docx"
    document.save(str(path))
    result = runner.invoke(
        cli, ["--workspace", str(workspace.root), "validate", "--json", str(path)]
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["outcome"] == "unidentified"
    assert data["reason"] == "qap could not tell which audit and agency this return is for."
    assert data["rows"][0]["answer"] == "Yes"
    assert "questions answered: no clear match" in data["tried"]
