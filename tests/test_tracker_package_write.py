"""The patched package: untouched parts and rows kept byte for byte, styles not growing, sheets in place."""

from __future__ import annotations

import datetime as dt
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.errors import TrackerError
from pipeline.tracker.service import apply_returns
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health, stored_return


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def _more() -> list:
    return [*police_and_health(), stored_return("csc", [("Dip sample", "QA", "2027-09-01")])]


def test_untouched_parts_and_rows_are_copied_unchanged(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    before = _parts(path)
    apply_returns(workspace, _more(), [], today=TODAY)
    after = _parts(path)
    assert after["xl/theme/theme1.xml"] == before["xl/theme/theme1.xml"]
    assert after["docProps/core.xml"] == before["docProps/core.xml"]
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    # The three rows nobody changed keep their exact bytes; the new row follows them.
    for ref in ("DA26-POL-01", "DA26-POL-02", "DA26-CH-01"):
        old = before["xl/worksheets/sheet1.xml"].decode()
        start = old.rindex("<row ", 0, old.index(ref))
        row = old[start : old.index("</row>", start) + len("</row>")]
        assert row in sheet
    assert sheet.index("DA26-CH-01") < sheet.index("DA26-CSC-01")
    assert '<dimension ref="A1:P5"/>' in sheet


def test_styles_stop_growing_after_the_first_update(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    apply_returns(workspace, _more(), [], today=TODAY)
    first = _parts(path)["xl/styles.xml"]
    for day in (1, 2):
        later = [*_more(), stored_return("housing", [(f"Action {day}", "", None)])]
        apply_returns(workspace, later, [], today=TODAY + dt.timedelta(days=day))
    assert _parts(path)["xl/styles.xml"] == first


def test_sheets_the_group_added_stay_where_they_are(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("Notes", 1)
    notes["A1"] = "Minutes of the March meeting"
    notes.print_title_rows = "1:1"
    del book["Returns"]
    book.save(path)
    apply_returns(workspace, _more(), [], today=TODAY)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Tracker", "Summary", "Returns", "Log", "Notes"]
    assert book["Notes"]["A1"].value == "Minutes of the March meeting"
    assert book["Notes"].print_title_rows == "$1:$1"
    assert book["Returns"]["A1"].value == "Audit returns by agency"
    assert book.active.title == "Tracker"


def test_comments_among_the_rows_are_refused_not_guessed(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    parts = _parts(path)
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<row r="2"', b'<!-- <row r="9"> --><row r="2"', 1
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    before = path.read_bytes()
    with pytest.raises(TrackerError, match="comments or CDATA among its rows"):
        apply_returns(workspace, _more(), [], today=TODAY)
    assert path.read_bytes() == before


@pytest.mark.slow
def test_a_tracker_saved_by_libreoffice_is_updated(workspace: Workspace, tmp_path: Path) -> None:
    from pipeline.convert import convert_with_libreoffice

    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    # LibreOffice re-saves with shared strings and its own markup, as Excel would.
    path.write_bytes(convert_with_libreoffice(path, tmp_path / "lo", target="xlsx").read_bytes())
    result = apply_returns(workspace, _more(), [], today=TODAY)
    assert result.written and result.added == 1
    sheet = openpyxl.load_workbook(path)["Tracker"]
    refs = [sheet.cell(r, 1).value for r in range(2, 6)]
    assert refs == ["DA26-POL-01", "DA26-POL-02", "DA26-CH-01", "DA26-CSC-01"]
    assert sheet.cell(5, 9).value == dt.datetime(2027, 9, 1)
    assert sheet.cell(5, 9).number_format == "dd/mm/yyyy"
    pdf = convert_with_libreoffice(path, tmp_path / "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "DA26-CSC-01" in text and "Audit returns by agency" in text


def test_parts_are_deflated_at_qap_s_level(workspace: Workspace) -> None:
    import zlib

    from pipeline.tracker.package_write import COMPRESS_LEVEL

    apply_returns(workspace, _more(), [], today=TODAY)
    with zipfile.ZipFile(workspace.tracker_path()) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
        data = package.read(info)
    deflate = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size == len(deflate.compress(data) + deflate.flush())


def test_check_saved_refuses_a_file_that_is_not_what_was_written(tmp_path: Path) -> None:
    from pipeline.tracker.package_write import check_saved

    written = _zip_of({"xl/workbook.xml": b"<x/>"})
    path = tmp_path / "temp.xlsx"
    path.write_bytes(written[:-10])
    with pytest.raises(zipfile.BadZipFile, match=r"temp\.xlsx holds \d+ bytes that differ"):
        check_saved(path, written)
    flipped = bytearray(written)
    flipped[40] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(zipfile.BadZipFile, match="differ"):
        check_saved(path, written)


def test_a_temp_file_changed_after_saving_leaves_the_tracker_as_it_was(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.tracker import service

    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    before = path.read_bytes()
    real_save = service.save_to_temp

    def save_then_spoil(folder: Path, save: object, check: object) -> Path:
        def spoiled(temp: Path) -> None:
            save(temp)  # type: ignore[operator]
            data = bytearray(temp.read_bytes())
            data[len(data) // 2] ^= 0xFF
            temp.write_bytes(bytes(data))

        return real_save(folder, spoiled, check)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "save_to_temp", save_then_spoil)
    with pytest.raises(TrackerError, match="left exactly as it was"):
        apply_returns(workspace, _more(), [], today=TODAY)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.suffix == ".xlsx") == ["tracker.xlsx"]
    monkeypatch.undo()
    assert apply_returns(workspace, _more(), [], today=TODAY).added == 1


def _zip_of(parts: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()
