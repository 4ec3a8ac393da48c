"""`qap tracker` and `qap forms --updates AGENCY` on real workspaces, through the ledger."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.workspace import Workspace
from tests.tracker_helpers import police_and_health, record_in_ledger


def _run(runner: CliRunner, workspace: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["--workspace", str(workspace.root), *args], obj={})
    return result.exit_code, result.output


def test_qap_tracker_builds_the_workbook_from_the_ledger(
    workspace: Workspace, runner: CliRunner
) -> None:
    for stored in police_and_health():
        record_in_ledger(workspace, stored)
    code, output = _run(runner, workspace, "tracker")
    assert code == 0, output
    path = workspace.tracker_path()
    assert output.splitlines()[0] == (f"Updated {path}: 3 row(s) added, 0 updated, 0 conflict(s)")
    assert "  DA26-POL-01 added" in output.splitlines()
    sheet = openpyxl.load_workbook(path)["Tracker"]
    # Both returns came in at the same moment; the ledger's order decides.
    assert sorted(sheet.cell(r, 1).value for r in range(2, 5)) == [
        "DA26-CH-01",
        "DA26-POL-01",
        "DA26-POL-02",
    ]
    code, output = _run(runner, workspace, "tracker")
    assert code == 0
    assert output.strip() == f"{path} is already up to date: nothing to change."


def test_qap_tracker_exits_4_and_writes_beside_an_open_workbook(
    workspace: Workspace, runner: CliRunner
) -> None:
    record_in_ledger(workspace, police_and_health()[0])
    assert _run(runner, workspace, "tracker")[0] == 0
    path = workspace.tracker_path()
    before = path.read_bytes()
    path.with_name("~$tracker.xlsx").write_bytes(b"owner")
    record_in_ledger(workspace, police_and_health()[1])
    code, output = _run(runner, workspace, "tracker")
    assert code == 4
    assert "tracker.xlsx is open in Excel or LibreOffice (~$tracker.xlsx exists)" in output
    assert path.read_bytes() == before
    assert path.with_name("tracker.pending.xlsx").exists()


def test_qap_forms_updates_writes_the_agency_forms(workspace: Workspace, runner: CliRunner) -> None:
    record_in_ledger(workspace, police_and_health()[0])
    code, output = _run(runner, workspace, "forms", "--updates", "police")
    assert code == 0, output
    assert output.splitlines() == [
        "Wrote outbox/forms/updates/police-updates.docx",
        "Wrote outbox/forms/updates/police-updates.xlsx",
    ]
    code, output = _run(runner, workspace, "forms", "--updates", "housing")
    assert code == 0
    assert output.strip() == (
        "housing has no open actions in the tracker, so no update form was written."
    )


def test_qap_forms_without_an_audit_or_updates_is_a_usage_error(
    workspace: Workspace, runner: CliRunner
) -> None:
    code, output = _run(runner, workspace, "forms")
    assert code == 2
    assert "Name the AUDIT to write forms for, or use --updates AGENCY." in output


def test_tracker_dates_follow_the_ledger_received_time(
    workspace: Workspace, runner: CliRunner
) -> None:
    record_in_ledger(workspace, police_and_health()[0])
    _run(runner, workspace, "tracker")
    sheet = openpyxl.load_workbook(workspace.tracker_path())["Tracker"]
    assert sheet["H2"].value == dt.datetime(2027, 1, 20)
