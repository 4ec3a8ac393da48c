"""Progress-update forms: written for an agency's open actions, filled in, read back, applied."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from pipeline.errors import ReturnRejected, UnknownAuditError
from pipeline.forms.identity import read_form_identity, verify_identity
from pipeline.model import UPDATE_FORM
from pipeline.tracker.service import apply_returns
from pipeline.tracker.update_forms import read_update_form, write_update_forms
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health, stored_update


def _tracker(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)


def _cell_value(path: Path, ref: str, header: str) -> object:
    sheet = openpyxl.load_workbook(path)["Tracker"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == ref:
            return row[headers.index(header)]
    raise AssertionError(ref)


def test_forms_list_the_agency_open_actions_and_carry_a_signed_identity(
    workspace: Workspace,
) -> None:
    _tracker(workspace)
    paths = write_update_forms(workspace, "police", today=TODAY)
    assert [p.name for p in paths] == ["police-updates.docx", "police-updates.xlsx"]
    assert all(p.parent == workspace.outbox / "forms" / "updates" for p in paths)
    for path in paths:
        identity = read_form_identity(path)
        assert identity is not None and identity.kind == UPDATE_FORM
        assert identity.agency_key == "police" and identity.audit_id == "tracker-updates"
        assert verify_identity(identity, workspace.secret_key())
    table = Document(str(paths[0])).tables[0]
    assert [r.cells[0].text for r in table.rows] == ["Ref", "DA26-POL-01", "DA26-POL-02"]
    assert table.rows[1].cells[2].text == "30/06/2027"
    sheet = openpyxl.load_workbook(paths[1])["Updates"]
    assert [sheet.cell(r, 1).value for r in range(5, 8)] == ["Ref", "DA26-POL-01", "DA26-POL-02"]


def test_no_form_for_an_agency_without_open_actions(workspace: Workspace) -> None:
    _tracker(workspace)
    assert write_update_forms(workspace, "housing") == []
    assert not (workspace.outbox / "forms" / "updates" / "housing-updates.docx").exists()


def test_unknown_agency_is_named(workspace: Workspace) -> None:
    with pytest.raises(UnknownAuditError, match="no agency 'nobody'"):
        write_update_forms(workspace, "nobody")


def test_excel_update_form_round_trip(workspace: Workspace) -> None:
    _tracker(workspace)
    path = write_update_forms(workspace, "police", today=TODAY)[1]
    book = openpyxl.load_workbook(path)
    sheet = book["Updates"]
    sheet["D6"] = "In progress"
    sheet["E6"] = '=HYPERLINK("http://x.example","see")'
    sheet["G6"] = dt.datetime(2027, 9, 30)
    sheet["D7"] = "Completed"
    sheet["E7"] = "All referrals now audited monthly."
    sheet["F7"] = "Re-referrals within 12 months down from 31% to 22%."
    book.save(path)

    raw = read_update_form(path)
    assert raw.style == "update" and raw.identity is not None
    assert [u.ref for u in raw.updates] == ["DA26-POL-01", "DA26-POL-02"]
    assert raw.updates[0].revised_target == "2027-09-30"
    assert raw.updates[0].progress.startswith("=HYPERLINK")
    assert raw.notes == ("cell E6 held a formula; its text was read, not run",)

    update = stored_update("police", list(raw.updates), received=dt.date(2027, 2, 20))
    apply_returns(workspace, police_and_health(), [update], today=dt.date(2027, 2, 20))
    tracker = workspace.tracker_path()
    assert _cell_value(tracker, "DA26-POL-02", "Status") == "Completed"
    assert _cell_value(tracker, "DA26-POL-02", "Evidence of impact") == (
        "Re-referrals within 12 months down from 31% to 22%."
    )
    assert _cell_value(tracker, "DA26-POL-02", "Date closed") == dt.datetime(2027, 2, 20)
    assert _cell_value(tracker, "DA26-POL-01", "Revised target date") == dt.datetime(2027, 9, 30)
    assert _cell_value(tracker, "DA26-POL-01", "Latest progress update") == (
        '=HYPERLINK("http://x.example","see")'
    )
    log = list(openpyxl.load_workbook(tracker)["Log"].iter_rows(min_row=2, values_only=True))
    assert any(
        r[1] == "DA26-POL-02" and r[2] == "Status" and r[5] == update.data.file_name for r in log
    )
    # Completed items drop off the next form.
    again = write_update_forms(workspace, "police", today=TODAY)
    table = Document(str(again[0])).tables[0]
    assert [r.cells[0].text for r in table.rows] == ["Ref", "DA26-POL-01"]


def test_word_update_form_round_trip(workspace: Workspace) -> None:
    _tracker(workspace)
    path = write_update_forms(workspace, "community-health", today=TODAY)[0]
    document = Document(str(path))
    row = document.tables[0].rows[1]
    row.cells[3].text = "in progress"
    row.cells[4].text = "Voice of the child prompt added to the record template."
    row.cells[6].text = "31/05/2027"
    document.save(str(path))
    raw = read_update_form(path)
    assert raw.format == "docx"
    assert raw.updates[0].ref == "DA26-CH-01"
    update = stored_update("community-health", list(raw.updates))
    apply_returns(workspace, police_and_health(), [update], today=TODAY)
    tracker = workspace.tracker_path()
    assert _cell_value(tracker, "DA26-CH-01", "Status") == "In progress"
    assert _cell_value(tracker, "DA26-CH-01", "RAG") == "Green"  # revised target 31 May
    assert _cell_value(tracker, "DA26-CH-01", "Revised target date") == dt.datetime(2027, 5, 31)


def test_a_file_without_the_ref_table_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "letter.docx"
    document = Document()
    document.add_paragraph("We are making good progress.")
    document.save(str(path))
    with pytest.raises(ReturnRejected, match="no table with a Ref column"):
        read_update_form(path)


@pytest.mark.slow
def test_libreoffice_opens_the_update_forms(workspace: Workspace, tmp_path: Path) -> None:
    from pipeline.convert import convert_with_libreoffice

    _tracker(workspace)
    for path in write_update_forms(workspace, "police", today=TODAY):
        pdf = convert_with_libreoffice(path, tmp_path / path.suffix.lstrip("."))
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "DA26-POL-02" in text and "Audit MARAC" in text
