"""The shared worksheet cell reader: every kind of cell Excel and LibreOffice write, as shown."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import ReturnRejected
from pipeline.readers import xlsx_sheet
from pipeline.readers.package import Package
from pipeline.readers.xlsx_sheet import (
    CACHED,
    ERROR,
    FORMULA,
    Book,
    Merge,
    Value,
    cell_range,
    column_index,
    column_letters,
    read_sheet,
)

SHEET = "xl/worksheets/sheet1.xml"


def _data_sheet() -> tuple[Workbook, Worksheet]:
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = "Data"
    return wb, ws


def _read_with_merges(path: Path) -> tuple[dict[int, dict[int, Value]], list[Merge]]:
    with zipfile.ZipFile(path) as archive:
        book = Book(Package(path, archive))
        name = book.sheet_part("Data")
        assert name is not None
        return read_sheet(book, name, "Data")


def _read(path: Path) -> dict[int, dict[int, Value]]:
    return _read_with_merges(path)[0]


def test_column_letters_and_indexes_agree() -> None:
    for col in (0, 25, 26, 51, 701, 702, 16383):
        assert column_index(column_letters(col)) == col
    assert (column_letters(0), column_letters(26), column_index("XFD")) == ("A", "AA", 16383)
    assert cell_range("B2:D4") == (2, 1, 4, 3)
    assert cell_range("nonsense") == (0, 0, -1, -1)


def test_cells_read_as_shown(tmp_path: Path) -> None:
    wb, ws = _data_sheet()
    ws["A1"] = "  padded text "
    ws["B1"] = 3.0
    ws["C1"] = 2.5
    ws["D1"] = dt.date(2026, 11, 3)
    ws["E1"] = True
    ws["F1"] = "=SUM(B1:C1)"
    ws["G1"] = "#N/A"
    ws["A2"].number_format = "0.00"  # formatting alone: shows nothing
    ws["B2"] = "line_x000D_break"
    path = tmp_path / "cells.xlsx"
    wb.save(path)
    rows = _read(path)
    texts = {col: value.text for col, value in rows[1].items()}
    assert texts == {
        0: "  padded text ",
        1: "3",
        2: "2.5",
        3: "2026-11-03",
        4: "TRUE",
        5: "=SUM(B1:C1)",
        6: "#N/A",
    }
    assert (rows[1][5].flag, rows[1][6].flag, rows[1][0].flag) == (FORMULA, ERROR, "")
    assert rows[1][5].ref == "F1"
    assert rows[2] == {1: Value("line\rbreak", "", "B2")}


def test_shared_formula_follower_keeps_its_value(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "Data"
    path = tmp_path / "shared.xlsx"
    wb.save(path)
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">1+1</f><v>2</v></c></row>'
        '<row r="2"><c r="A2"><f t="shared" si="0"/><v>2</v></c><c><v>7</v></c></row>'
        "</sheetData></worksheet>"
    )
    rewritten = tmp_path / "rewritten.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as out:
        for info in source.infolist():
            out.writestr(info, xml if info.filename == SHEET else source.read(info))
    rows = _read(rewritten)
    assert rows[1] == {0: Value("=1+1", FORMULA, "A1")}
    # A cell without a ref follows the one before it.
    assert rows[2] == {0: Value("2", CACHED, "A2"), 1: Value("7", "", "")}


def _rewritten(tmp_path: Path, sheet_data: str) -> Path:
    """A workbook whose Data sheet holds exactly this <sheetData> content."""
    wb, _ = _data_sheet()
    path = tmp_path / "base.xlsx"
    wb.save(path)
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    rewritten = tmp_path / "rewritten.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as out:
        for info in source.infolist():
            out.writestr(info, xml if info.filename == SHEET else source.read(info))
    return rewritten


def test_a_row_without_its_number_follows_the_highest_row_read(tmp_path: Path) -> None:
    # Rows holding nothing do not count; a lower numbered row does not move the next one back.
    path = _rewritten(
        tmp_path,
        '<row r="5"><c t="inlineStr"><is><t>five</t></is></c></row>'
        '<row r="9"><c s="1"/></row>'
        '<row><c t="inlineStr"><is><t>six</t></is></c></row>'
        '<row r="2"><c t="inlineStr"><is><t>two</t></is></c></row>'
        '<row><c t="inlineStr"><is><t>seven</t></is></c></row>',
    )
    rows = _read(path)
    assert {n: cells[0].text for n, cells in rows.items()} == {
        5: "five",
        6: "six",
        2: "two",
        7: "seven",
    }


def test_only_cells_showing_text_count_towards_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A formula follower without a value is kept (it is noted) but shows nothing, so it is not
    # counted; the same column written twice in a row counts once.
    bare = '<c r="A1"><f t="shared" si="0"/></c>'
    shown = '<c r="B1" t="inlineStr"><is><t>x</t></is></c>'
    path = _rewritten(tmp_path, f'<row r="1">{bare}{shown}{shown}</row><row r="2">{shown}</row>')
    monkeypatch.setattr(xlsx_sheet, "MAX_CELLS", 2)
    rows = _read(path)
    assert rows[1] == {0: Value("", CACHED, "A1"), 1: Value("x", "", "B1")}
    monkeypatch.setattr(xlsx_sheet, "MAX_CELLS", 1)
    with pytest.raises(ReturnRejected, match="more than 1 filled cells"):
        _read(path)


def test_a_streamed_sheet_reads_as_one_parsed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large sheets are streamed, small ones parsed whole: both must read every cell alike.
    wb, ws = _data_sheet()
    for row in range(1, 301):
        ws.append([f"text {row}", row * 1.5, dt.date(2026, 1, 1) + dt.timedelta(days=row)])
        ws.cell(row, 5, f"=A{row}&B{row}" if row % 7 == 0 else None)
    ws.merge_cells("A2:B3")
    ws.merge_cells("D10:D20")
    path = tmp_path / "rows.xlsx"
    wb.save(path)
    whole = _read_with_merges(path)
    monkeypatch.setattr(xlsx_sheet, "WHOLE_PART_BYTES", 0)
    streamed = _read_with_merges(path)
    assert streamed == whole
    assert len(whole[0]) == 300 and sorted(whole[1]) == [(2, 0, 3, 1), (10, 3, 20, 3)]
    assert whole[0][7][4] == Value("=A7&B7", FORMULA, "E7")
    assert whole[0][300][2].text == "2026-10-28"


def test_date_styles_are_those_of_each_workbook(tmp_path: Path) -> None:
    # Date styles are remembered by the styles part's bytes; the same style index must still
    # mean a date in one workbook and a plain number in another.
    paths = []
    for name, number_format in (("dated", "dd/mm/yyyy"), ("plain", "0.00")):
        wb, ws = _data_sheet()
        ws["A1"] = 46000
        ws["A1"].number_format = number_format
        paths.append(tmp_path / f"{name}.xlsx")
        wb.save(paths[-1])
    shown = [_read(path)[1][0].text for path in (*paths, *paths)]
    assert shown == ["2025-12-09", "46000", "2025-12-09", "46000"]


def test_a_streamed_sheet_over_the_cell_limit_is_refused_and_closed_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb, ws = _data_sheet()
    for _ in range(30):
        ws.append(["answer", "another"])
    path = tmp_path / "many.xlsx"
    wb.save(path)
    monkeypatch.setattr(xlsx_sheet, "WHOLE_PART_BYTES", 0)
    monkeypatch.setattr(xlsx_sheet, "MAX_CELLS", 10)
    with zipfile.ZipFile(path) as archive:
        book = Book(Package(path, archive))
        with pytest.raises(ReturnRejected, match="more than 10 filled cells") as refused:
            read_sheet(book, SHEET, "Data")
        handle = archive.fp
    # The refusal closed the sheet's stream, so closing the zip closed the file itself, even
    # while the refusal (and the frames it holds) is still alive.
    assert handle is not None and handle.closed
    assert refused.value.args


def test_each_workbook_keeps_its_own_date_system_when_read_again(tmp_path: Path) -> None:
    # Workbook facts are kept by the part's bytes: a 1904 workbook and a 1900 one read in turn,
    # twice, each show the date their own system gives the same serial number.
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    paths = []
    for name, epoch in (("mac.xlsx", CALENDAR_MAC_1904), ("win.xlsx", None)):
        wb, ws = _data_sheet()
        if epoch is not None:
            wb.epoch = epoch
        ws["A1"] = 46000
        ws["A1"].number_format = "yyyy-mm-dd"
        paths.append(tmp_path / name)
        wb.save(paths[-1])
    for _ in range(2):
        assert [_read(path)[1][0].text for path in paths] == ["2029-12-10", "2025-12-09"]
