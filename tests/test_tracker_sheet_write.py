"""The patched Tracker sheet: cells found and added as a scan of the row would, row heights
by textwrap's lines."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from pipeline.tracker.sheet_read import column_letters, column_number
from pipeline.tracker.sheet_rows import RowStore
from pipeline.tracker.sheet_write import SheetPatch, _lines
from pipeline.tracker.styles_xml import Styles

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
