"""`qap export`: every current answer as CSV (formula-safe) or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.export import export_audit, neutralise
from pipeline.model import Answer, CaseReturn
from pipeline.workspace import Workspace
from tests.intake_helpers import record_return

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
HOSTILE = ['=HYPERLINK("http://x","click")', "+SUM(1)", "-1+2", "@x", "\t=1", "\r=1", "\0x"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_looking_values_are_prefixed(value: str) -> None:
    assert neutralise(value) == "'" + value


def test_ordinary_values_are_unchanged() -> None:
    assert neutralise("Yes") == "Yes"
    assert neutralise("2026-12-01") == "2026-12-01"
    assert neutralise("") == ""


def _seed(workspace: Workspace) -> None:
    record_return(workspace, "police", T0, answers=(Answer("1.1", "No", "no"),))
    # The later return supersedes the first: only its answers are exported.
    record_return(
        workspace,
        "police",
        T0 + dt.timedelta(days=1),
        answers=(
            Answer("1.2", "12", "12"),
            Answer("1.1", "Yes", "yes"),
            Answer("1.3", HOSTILE[0], HOSTILE[0]),
        ),
        cases=(CaseReturn(1, "REF-1", (Answer("2.1", "Yes", "Y"), Answer("2.2", None, "dunno"))),),
    )


def test_csv_rows_in_form_order_and_neutralised(workspace: Workspace) -> None:
    _seed(workspace)
    out = io.StringIO()
    assert export_audit(workspace, "fathers-2026", "csv", out) == 5
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == [
        "agency",
        "agency_name",
        "case",
        "case_ref",
        "question_id",
        "question",
        "value",
        "as_written",
    ]
    assert [r[4] for r in rows[1:]] == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert rows[1][:3] == ["police", "Northshire Constabulary", ""]
    assert rows[1][6] == "Yes"
    assert rows[1][5].startswith("Does your agency have a written policy")
    assert rows[3][6] == "'" + HOSTILE[0]
    assert rows[4][2:4] == ["1", "REF-1"]
    assert rows[5][6:] == ["", "dunno"]


def test_json_keeps_values_exact(workspace: Workspace) -> None:
    _seed(workspace)
    out = io.StringIO()
    export_audit(workspace, "fathers-2026", "json", out)
    data = json.loads(out.getvalue())
    assert data["audit"] == "fathers-2026"
    assert data["rows"][2]["value"] == HOSTILE[0]


def test_export_cli_to_file_and_stdout(
    workspace: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    _seed(workspace)
    target = tmp_path / "fathers.csv"
    args = ["export", "fathers-2026", "--workspace", str(workspace.root)]
    result = runner.invoke(cli, [*args, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 5 answers of fathers-2026 to {target}.\n"
    assert target.read_bytes().startswith(b"\xef\xbb\xbfagency,agency_name")
    shown = runner.invoke(cli, [*args, "--format", "json"])
    assert json.loads(shown.output)["rows"][0]["question_id"] == "1.1"


def test_export_of_an_unknown_audit(workspace: Workspace, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["export", "nope", "--workspace", str(workspace.root)])
    assert result.exit_code == 1
    assert "There is no audit 'nope'" in result.output
