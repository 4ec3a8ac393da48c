"""`qap status`: who has returned, who is outstanding, days to or past the deadline."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.model import ReturnIssue
from pipeline.status import audit_status
from pipeline.workspace import Workspace
from tests.intake_helpers import record_return

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
ISSUE = ReturnIssue("missing", "Question 1.1 was not answered.", "1.1")


def test_returned_outstanding_and_days(workspace: Workspace) -> None:
    record_return(workspace, "police", T0, issues=(ISSUE, ISSUE))
    record_return(workspace, "csc", T0 + dt.timedelta(days=1))
    record_return(workspace, "police", T0 + dt.timedelta(days=2), issues=(ISSUE,))
    [status] = audit_status(workspace, "fathers-2026", today=dt.date(2027, 2, 20))
    assert status.days_to_deadline == 6
    assert status.deadline_words() == "6 days to go"
    assert [(r.agency_key, r.issues, r.returns_received) for r in status.returned] == [
        ("csc", 0, 1),
        ("police", 1, 2),
    ]
    assert [key for key, _ in status.outstanding] == [
        "community-health",
        "acute-hospital",
        "education",
        "early-years",
        "probation",
        "youth-justice",
    ]
    late = audit_status(workspace, "fathers-2026", today=dt.date(2027, 2, 27))[0]
    assert late.deadline_words() == "1 day past the deadline"


def test_every_audit_in_deadline_order(workspace: Workspace) -> None:
    statuses = audit_status(workspace, today=dt.date(2026, 1, 1))
    deadlines = [s.deadline for s in statuses]
    assert len(statuses) == 6
    assert deadlines == sorted(deadlines)
    assert all(not s.returned for s in statuses)


def test_status_cli_text_and_json(workspace: Workspace, runner: CliRunner) -> None:
    record_return(workspace, "police", T0, issues=(ISSUE,))
    args = ["status", "fathers-2026", "--workspace", str(workspace.root)]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "fathers-2026: Working with fathers (quantitative)"
    assert "1 of 8 agencies have returned." in lines[1]
    assert lines[2].startswith("  returned     Northshire Constabulary")
    assert lines[2].endswith("  1 issue")
    assert "  outstanding  Northshire Community Health NHS Trust" in lines
    data = json.loads(runner.invoke(cli, [*args, "--json"]).output)
    assert data[0]["audit"] == "fathers-2026"
    assert data[0]["returned"][0]["agency"] == "police"
    assert data[0]["returned"][0]["issues"] == 1
    assert len(data[0]["outstanding"]) == 7


def test_status_of_an_unknown_audit(workspace: Workspace, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["status", "nope", "--workspace", str(workspace.root)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: There is no audit 'nope' in this workspace.")


def test_a_return_from_an_agency_not_listed_is_shown_but_not_counted(workspace: Workspace) -> None:
    record_return(workspace, "housing", T0)
    [status] = audit_status(workspace, "fathers-2026", today=dt.date(2027, 2, 20))
    assert [(r.agency_key, r.listed) for r in status.returned] == [("housing", False)]
    assert len(status.outstanding) == 8
    lines = status.describe().splitlines()
    assert "0 of 8 agencies have returned." in lines[1]
    assert lines[2].endswith("no issues (not listed for this audit)")
