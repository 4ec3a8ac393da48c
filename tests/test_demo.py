"""`qap demo` end to end on a fresh workspace, run twice; its refusals; its seeded answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.definitions import GRADES, load_catalogue
from pipeline.demo.answers import demo_filled
from pipeline.demo.plan import PLAN, TP25
from pipeline.demo.safety import foreign_files, marker_path
from pipeline.forms.issue import issue_forms
from pipeline.ledger import open_ledger
from pipeline.workspace import Workspace

ACCEPTED_FILES = sum(1 for p in PLAN if not p.file_name.endswith(".pdf"))
REFUSAL = (
    "{root} holds files the demo did not make ({names}), so `qap demo` will not touch it. "
    "Run the demo in a fresh folder: `qap init DIR` then `qap --workspace DIR demo`."
)


def _demo(runner: CliRunner, workspace: Workspace) -> tuple[int, str]:
    result = runner.invoke(cli, ["--workspace", str(workspace.root), "demo"], obj={})
    return result.exit_code, result.output


def _printed_paths(output: str, root: Path) -> list[Path]:
    """Every path under the workspace that the demo printed, one per line."""
    found = re.findall(rf"^\s+(?:note: )?({re.escape(str(root))}\S.*)$", output, re.M)
    return [Path(p) for p in found]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _counts(workspace: Workspace) -> dict[str, int]:
    receipts = workspace.outbox / "receipts"
    return {
        "archive": len(_files(workspace.archive)),
        "quarantine": len(_files(workspace.quarantine)),
        "receipts": len(_files(receipts)),
        "inbox": len(_files(workspace.inbox)),
        "forms": len(_files(workspace.outbox / "forms")),
    }


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in _files(root)
    }


def _check_outputs(workspace: Workspace, output: str) -> None:
    """What one demo run must have printed and written."""
    printed = _printed_paths(output, workspace.root)
    assert len(printed) >= 7
    assert all(path.exists() for path in printed), [p for p in printed if not p.exists()]
    assert _counts(workspace) == {
        "archive": ACCEPTED_FILES,
        "quarantine": 2,
        "receipts": ACCEPTED_FILES,
        "inbox": 1,
        "forms": 60,
    }
    scan = next(p for p in _files(workspace.quarantine) if p.suffix == ".pdf")
    note = Path(f"{scan}.txt").read_text(encoding="utf-8-sig")
    assert "File received:  Ambulance DA audit (scanned).pdf" in note
    assert "- Ambulance DA audit (scanned).pdf: This is a PDF, not a Word or Excel file." in output
    reports = [p for p in printed if p.suffix == ".docx"]
    assert [p.name for p in reports] == [
        "domestic-abuse-2026-draft-v2.docx",
        "section11-2026-draft-v1.docx",
        "teen-pregnancy-2025-draft-v1.docx",
        "teen-pregnancy-2026-draft-v1.docx",
    ]
    for report in reports:
        text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
        assert "Northshire" in text
    book = openpyxl.load_workbook(workspace.outbox / "tracker.xlsx", read_only=True)
    refs = {str(row[0]) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)}
    book.close()
    assert any(ref.startswith("DA26-") for ref in refs)
    assert any(ref.startswith("TP25-") for ref in refs)


@pytest.mark.slow
def test_demo_runs_end_to_end_then_again_with_the_same_result(
    workspace: Workspace, runner: CliRunner
) -> None:
    # The sample workspace's inbox keeps a placeholder for git: the demo leaves it alone.
    readme = workspace.inbox / ".gitkeep"
    readme.write_text("", encoding="utf-8")
    code, output = _demo(runner, workspace)
    assert code == 0, output
    assert output.startswith(f"Workspace: {workspace.root}\n")
    assert "Forms: wrote 60 signed Word and Excel forms for 4 audits into outbox/forms/." in output
    assert "Returns: 21 files arrive in inbox/ from the agencies" in output
    assert (
        "21 files processed: 18 accepted, 2 accepted with issues, 0 duplicate, 1 quarantined."
        in output
    )
    assert (
        'Resubmitted: acute-hospital sent domestic-abuse-2026 again; "Acute Trust DA audit - '
        'corrected.docx" replaces "Acute Trust DA audit.docx" (both kept in the archive).'
    ) in output
    assert "  - teen-pregnancy-2025: Northshire Homes Partnership (deadline 28 Nov 2025)" in output
    assert "domestic-abuse-2026: " not in output.split("Late returns")[1].split("Resubmitted")[0]
    assert "Deadline 29 Jan 2027" in output
    assert "  outstanding  Northshire and Vale Ambulance Service NHS Trust" in output
    assert re.search(r"returned +Northshire Homes Partnership .* 5 issues\n", output)
    _check_outputs(workspace, output)
    with open_ledger(workspace) as ledger:
        history = ledger.history("domestic-abuse-2026", "acute-hospital")
    assert [(h.data.file_name, h.current) for h in history] == [
        ("Acute Trust DA audit.docx", False),
        ("Acute Trust DA audit - corrected.docx", True),
    ]
    first_counts = _counts(workspace)

    code, again = _demo(runner, workspace)
    assert code == 0, again
    assert again.startswith(
        f"Workspace: {workspace.root} (the previous demo's files were cleared first)\n"
    )
    _check_outputs(workspace, again)
    assert _counts(workspace) == first_counts
    assert readme.read_text(encoding="utf-8") == ""


def test_demo_refuses_a_workspace_holding_a_return_it_did_not_make(
    workspace: Workspace, runner: CliRunner
) -> None:
    (workspace.inbox / "Police return.docx").write_bytes(b"PK\x03\x04 an agency's return")
    before = _snapshot(workspace.root)
    code, output = _demo(runner, workspace)
    assert code == 1
    names = "inbox/Police return.docx"
    assert output == f"Error: {REFUSAL.format(root=workspace.root, names=names)}\n"
    assert _snapshot(workspace.root) == before


def test_demo_refuses_a_coordinators_workspace_with_forms_issued(
    workspace: Workspace, runner: CliRunner
) -> None:
    issue_forms(workspace, "fathers-2026", ["police", "csc"], ["docx", "xlsx"])
    before = _snapshot(workspace.root)
    code, output = _demo(runner, workspace)
    assert code == 1
    names = (
        "outbox/forms/fathers-2026/csc.docx, outbox/forms/fathers-2026/csc.xlsx, "
        "outbox/forms/fathers-2026/police.docx and 1 more"
    )
    assert output == f"Error: {REFUSAL.format(root=workspace.root, names=names)}\n"
    assert _snapshot(workspace.root) == before
    assert not marker_path(workspace).exists()


def test_a_marked_demo_workspace_still_refuses_a_foreign_archived_file(
    workspace: Workspace,
) -> None:
    marker_path(workspace).write_text('{"made_by": "qap demo", "files": []}', encoding="utf-8")
    assert foreign_files(workspace) == []
    kept = workspace.archive / "fathers-2026" / "fathers-2026_police_x.docx"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"a real return")
    assert foreign_files(workspace) == [kept]


def test_demo_answers_are_seeded_spread_and_dated_from_today(workspace: Workspace) -> None:
    catalogue = load_catalogue(workspace.audits_dir, workspace.partnership())
    today = dt.date(2026, 11, 26)
    grades: set[str] = set()
    targets: list[int] = []
    for planned in PLAN:
        audit = catalogue.get(planned.audit_id)
        filled = demo_filled(audit, planned.agency_key, today)
        assert filled == demo_filled(audit, planned.agency_key, today)
        grades |= {v for _, answers in filled.cases.values() for v in answers.values()}
        if planned.audit_id == TP25:
            targets += [(dt.date.fromisoformat(t) - today).days for _, _, t in filled.actions]
        refs = [ref for ref, _ in filled.cases.values()]
        assert all(re.fullmatch(r"NS-[A-Z]+-\d{4}", ref) for ref in refs), refs
    assert set(GRADES) <= grades
    assert any(days < 0 for days in targets)
    assert any(0 <= days <= 30 for days in targets)


def test_missing_answers_leave_the_last_case_narrative_and_actions_blank(
    workspace: Workspace,
) -> None:
    audit = load_catalogue(workspace.audits_dir, workspace.partnership()).get("domestic-abuse-2026")
    full = demo_filled(audit, "housing", dt.date(2026, 11, 26))
    gaps = demo_filled(audit, "housing", dt.date(2026, 11, 26), missing=True)
    assert full.actions and not gaps.actions
    assert "1.1" in full.cases[3][1] and "1.1" not in gaps.cases[3][1]
    assert gaps.cases[1] == full.cases[1]
    assert "5.3" in full.tagged and "5.3" not in gaps.tagged
