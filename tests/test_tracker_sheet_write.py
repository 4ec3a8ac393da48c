"""The patched Tracker sheet: cells found and added as a scan of the row would, row heights
by textwrap's lines."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from pipeline.tracker.book import Book
from pipeline.tracker.records import CellWrite, SheetRow
from pipeline.tracker.service import apply_returns
from pipeline.tracker.sheet_read import column_letters, column_number, part_bytes, read_sheet
from pipeline.tracker.sheet_rows import RowStore
from pipeline.tracker.sheet_write import SheetPatch, _lines
from pipeline.tracker.styles_xml import Look, Styles
from pipeline.workspace import Workspace
from tests.tracker_helpers import TODAY, police_and_health

paragraphs = st.text(alphabet=st.sampled_from("ab \t\r\x0b\x0c\u00a0é-"), max_size=60)


@given(paragraphs, st.integers(min_value=1, max_value=40))
def test_lines_are_textwraps_lines(text: str, width: int) -> None:
    assert _lines(text, width) == (len(textwrap.wrap(text, width)) or 1)


@given(st.text(alphabet=st.sampled_from("ab  "), max_size=80), st.integers(1, 12))
def test_plain_text_wraps_as_textwrap(text: str, width: int) -> None:
    # Words and spaces only: the greedy fill, not textwrap, counts these lines.
    assert _lines(text, width) == (len(textwrap.wrap(text, width)) or 1)


def test_short_text_is_one_line_and_long_text_wraps() -> None:
    assert _lines("Safeguarding lead", 20) == 1
    assert _lines("\t\tx", 4) == len(textwrap.wrap("\t\tx", 4)) == 1
    assert _lines("word " * 10, 10) == 5
    assert _lines("  abcde  fg", 5) == len(textwrap.wrap("  abcde  fg", 5)) == 2


NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROWS = {
    "in order": '<c r="A2"/><c r="C2"/><c r="D2"/>',
    "out of order": '<c r="C2"/><c r="A2"/><c r="E2"/><c r="B2"/>',
    "repeated": '<c r="B2"/><c r="B2"/><c r="D2"/>',
    "no references": '<c r="B2"/><c/><c r="E2"/>',
    "extension after cells": '<c r="A2"/><c r="D2"/><extLst/><c r="E2"/>',
}


def _scan(row: etree._Element, column: int, create: bool = False) -> etree._Element | None:
    """The cell SheetPatch.cell finds by scanning the row, as it always has (and adds)."""
    position = 0
    for cell in row:
        if cell.tag != f"{{{NS}}}c":
            break
        where = cell.get("r")
        at = column_number(where.rstrip("0123456789")) if where else position + 1
        if at == column:
            return cell
        if at > column:
            break
        position += 1
    if not create:
        return None
    cell = etree.SubElement(row, f"{{{NS}}}c", r=f"{column_letters(column)}2")
    row.insert(position, cell)
    return cell


def _patch(cells: str) -> SheetPatch:
    raw = f'<worksheet xmlns="{NS}"><sheetData><row r="2">{cells}</row></sheetData></worksheet>'
    sheet = SimpleNamespace(elements=RowStore(raw.encode()), reader=None)
    return SheetPatch(sheet, Styles.parse(None))  # type: ignore[arg-type]


@pytest.mark.parametrize("cells", ROWS.values(), ids=ROWS.keys())
def test_cells_are_found_and_added_as_by_a_scan(cells: str) -> None:
    patch = _patch(cells)
    scanned = _patch(cells).row(2)
    for column in (6, 1, 3, 2, 5, 3, 1, 7):
        assert patch.cell(2, column, create=False) is _scan(patch.row(2), column)
        patch.cell(2, column)
        _scan(scanned, column, create=True)
        assert etree.tostring(patch.row(2)) == etree.tostring(scanned)
        assert patch.cells_of(2) == _cells_by_scan(patch.row(2))


def _cells_by_scan(row: etree._Element) -> dict[int, etree._Element]:
    """Every <c> of a row by column, the last of equals winning (SheetPatch.cells_of's rule)."""
    found: dict[int, etree._Element] = {}
    column = 0
    for cell in row:
        if cell.tag == f"{{{NS}}}c":
            where = cell.get("r")
            column = column_number(where.rstrip("0123456789")) if where else column + 1
            found[column] = cell
    return found


def _tracker_patch(workspace: Workspace) -> tuple[SheetPatch, SheetRow]:
    """A patch of qap's own tracker (two returns applied), and its first row as read."""
    apply_returns(workspace, police_and_health(), [], today=TODAY)
    book = Book.open(workspace.tracker_path())
    entry = book.sheet("Tracker")
    assert entry is not None
    sheet = read_sheet(book, entry.part)
    styles = Styles.parse(part_bytes(book, "styles"))
    return SheetPatch(sheet, styles), min(sheet.rows)


def test_the_check_reads_a_cell_written_after_heights_were_fitted(workspace: Workspace) -> None:
    patch, first = _tracker_patch(workspace)
    patch.write(CellWrite(first.row, "owner", "first owner"))
    patch.fit_heights({})
    patch.write(CellWrite(first.row, "owner", "second owner"))
    meant = {**first.values, "owner": "second owner"}
    assert patch.check([SheetRow(first.row, meant)]) == []
    stale = {**first.values, "owner": "first owner"}
    assert patch.check([SheetRow(first.row, stale)]) == [first.row]


def test_heights_count_an_overflowing_date_as_text_only_if_it_was_a_date_when_read(
    workspace: Workspace,
) -> None:
    patch, first = _tracker_patch(workspace)
    columns = patch.sheet.columns
    dated = patch.cell(first.row, columns["raised"])
    plain = patch.cell(first.row, columns["owner"])
    assert dated is not None and plain is not None
    date_style = int(dated.get("s") or 0)
    assert date_style in patch.reader.dates
    for cell in (dated, plain):
        for child in list(cell):
            cell.remove(child)
        cell.attrib.pop("t", None)
        etree.SubElement(cell, f"{{{NS}}}v").text = "99999999"  # past the year 9999
    plain.set("s", str(patch.styles.look(Look(bold=True, number_format="yyyy-mm-dd hh:mm"))))
    assert int(plain.get("s") or 0) not in patch.reader.dates  # a date style added since
    patch.touched = {first.row}
    row = patch.sheet.elements[first.row]
    wide = dict.fromkeys(columns.values(), 1000.0)
    # "#VALUE!" in a column a character wide: seven lines, as heights always counted it...
    row.attrib.pop("ht", None)
    patch.fit_heights({**wide, columns["raised"]: 1.0})
    assert row.get("ht") == f"{15 * 7 + 2:g}"
    # ...but not from a style that was no date's when the sheet was read.
    row.attrib.pop("ht", None)
    patch.fit_heights({**wide, columns["owner"]: 1.0})
    assert patch.reader.value(plain) == "#VALUE!"
    assert row.get("ht") == f"{15 + 2:g}"
