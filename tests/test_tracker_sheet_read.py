"""The Tracker sheet read from its XML gives the rows openpyxl would, whoever saved the workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from pipeline.tracker.book import Book
from pipeline.tracker.cells import canonical
from pipeline.tracker.columns import COLUMNS, header_key
from pipeline.tracker.records import SheetRow
from pipeline.tracker.service import apply_returns
from pipeline.tracker.sheet_read import TrackerSheet, column_letters, column_number, read_sheet
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health


def _openpyxl_rows(path: Path) -> tuple[dict[str, int], list[SheetRow]]:
    """The rows as openpyxl reads them: the reference the XML reader must agree with."""
    sheet = openpyxl.load_workbook(path, rich_text=True)["Tracker"]
    columns: dict[str, int] = {}
    for cell in sheet[1]:
        key = header_key(cell.value)
        if key and key not in columns:
            columns[key] = cell.column
    width = max(columns.values())
    by_column = {n: k for k, n in columns.items()}
    rows = []
    for number, cells in enumerate(
        sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
    ):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        values = {by_column[i + 1]: canonical(v) for i, v in enumerate(cells) if i + 1 in by_column}
        values["ref"] = values["ref"].strip()
        rows.append(SheetRow(number, values))
    return columns, rows


def _read(path: Path) -> TrackerSheet:
    book = Book.open(path)
    entry = book.sheet("Tracker")
    assert entry is not None
    return read_sheet(book, entry.part)


def _odd_tracker(workspace: Workspace) -> Path:
    """qap's tracker with cells of every kind typed in by hand, and a column inserted by the group."""
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    sheet = book["Tracker"]
    sheet.insert_cols(5)
    sheet.cell(1, 5, "Group's notes")
    sheet.cell(2, 5, "a note in the group's own column")
    sheet.cell(3, 8, 42)  # Owner as a number
    sheet.cell(3, 14, 2.5)  # Progress as a decimal
    sheet.cell(4, 14, True)
    sheet.cell(2, 14, "=SUM(1,2)")
    sheet.cell(4, 10, dt.datetime(2027, 5, 4, 13, 30))
    sheet.cell(2, 15, CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")]))
    sheet.cell(6, 5, "   ")  # a row with only spaces is empty
    sheet.cell(7, 3, "Partnership recommendation")  # a row added by hand, after a gap
    sheet.cell(7, 2, "  ")
    book.save(path)
    return path


def test_xml_reader_agrees_with_openpyxl(workspace: Workspace) -> None:
    path = _odd_tracker(workspace)
    columns, rows = _openpyxl_rows(path)
    sheet = _read(path)
    assert sheet.columns == columns
    assert sheet.rows == rows
    assert sheet.next_row == 8
    assert sheet.missing == ()
    by_row = {r.row: r for r in sheet.rows}
    assert by_row[2].get("progress") == "=SUM(1,2)"
    assert by_row[2].get("evidence") == "plain bold"
    assert by_row[4].get("target") == "2027-05-04"


@pytest.mark.slow
def test_a_tracker_saved_by_libreoffice_reads_the_same(
    workspace: Workspace, tmp_path: Path
) -> None:
    from pipeline.convert import convert_with_libreoffice

    path = _odd_tracker(workspace)
    # LibreOffice writes a shared strings table and its own namespaces, as Excel does.
    resaved = convert_with_libreoffice(path, tmp_path / "lo", target="xlsx")
    book = Book.open(resaved)
    assert book.part_of_type("sharedStrings") is not None
    assert _read(resaved).rows == _openpyxl_rows(resaved)[1]


def test_a_missing_column_is_placed_after_the_last(workspace: Workspace) -> None:
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    path = workspace.tracker_path()
    book = openpyxl.load_workbook(path)
    book["Tracker"].delete_cols(14)  # Evidence of impact
    book.save(path)
    sheet = _read(path)
    assert sheet.missing == ("evidence",)
    assert sheet.columns["evidence"] == len(COLUMNS)
    assert all(r.get("evidence") == "" for r in sheet.rows)


def test_column_letters_round_trip() -> None:
    for number in (1, 26, 27, 52, 703, 16_384):
        assert column_number(column_letters(number)) == number
    assert column_letters(28) == "AB"
