"""The generic Excel reader: every visible sheet read straight from its XML as a grid of cells.

The cells come from `xlsx_sheet` (shared with qap's own Excel form reader); this module lays
them out as grids, merged cells repeated, and repairs ids typed as numbers (1.10 stored as 1.1).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.model import RawReturn
from pipeline.readers.grid import Cell, Findings, Layout, interpret_grid
from pipeline.readers.package import Package, open_package
from pipeline.readers.vocab import case_heading, qid_of
from pipeline.readers.xlsx_sheet import (
    CACHED,
    ERROR,
    FORMULA,
    MAX_COLUMNS,
    Book,
    Merge,
    Rows,
    Value,
    column_letters,
    read_sheet,
)

log = logging.getLogger(__name__)
# Builds a Cell from a (text, origin, where) tuple without NamedTuple's Python-level __new__.
_cell = tuple.__new__
_COLUMNS: dict[tuple[str, int], list[str]] = {}
COLUMNS_KEPT = 256
_BLANK_ROWS: dict[tuple[str, int, int], tuple[Cell, ...]] = {}
BLANK_ROWS_KEPT = 1024
BLANK_ROW_WIDTH = 32


class _SheetReader:
    """One sheet's cells into a grid, with notes on formulas and errors."""

    def __init__(self, book: Book, title: str, found: Findings) -> None:
        self.book = book
        self.title = title
        self.found = found

    def grid(self, name: str) -> list[list[Cell]]:
        """Every row of the sheet, however many its <dimension> claims, as a grid."""
        rows, merges = read_sheet(self.book, name, self.title)
        # The rows showing text, and the sheet's width: the furthest column showing text.
        shown: dict[int, dict[int, Value]] = {}
        width = 0
        for number, cells in rows.items():
            last = -1
            # Unpacked, not read by field name: a NamedTuple's fields are properties.
            for col, (text, flag, ref) in cells.items():
                if flag:
                    self._note(flag, ref, text)
                if text and col > last:
                    last = col
            if last >= 0:
                shown[number] = cells
                if last >= width:
                    width = last + 1
        return self._assemble(shown, merges, min(width, MAX_COLUMNS))

    def _note(self, flag: str, ref: str, text: str) -> None:
        where = f"cell {self.title}!{ref}"
        if flag == FORMULA:
            self.found.notes.append(f"{where} held a formula; its text was kept")
        elif flag == CACHED:
            self.found.notes.append(f"{where} held a formula; its value was kept")
        elif flag == ERROR:
            self.found.notes.append(f"{where} showed the error {text}")

    def _assemble(self, rows: Rows, merges: list[Merge], width: int) -> list[list[Cell]]:
        """The grid of rows that show text (cells without text stay blank), merges repeated."""
        if not rows:
            return []
        # Row number -> column -> the (row, column) of the merged cell covering it.
        origin: dict[int, dict[int, tuple[int, int]]] = {}
        for top, left, bottom, right in merges:
            if (bottom - top + 1) * (right - left + 1) > 10_000:
                continue
            for r in range(top, bottom + 1):
                covered = origin.setdefault(r, {})
                for c in range(left, min(right, width - 1) + 1):
                    covered[c] = (top, left)
        columns = _columns(self.title, width)
        grid: list[list[Cell]] = []
        for number in sorted(rows):
            # The row's empty cells copied, then its filled ones (a sheet's text is all below
            # its width) and merged positions overwritten: no test per position.
            blank = _blank_row(self.title, columns, number)
            row = list(blank)
            for col, value in rows[number].items():
                text = value[0]
                if text:
                    ref = blank[col][1]
                    row[col] = _cell(Cell, (text, ref, ref))
            for col, (top, left) in origin.get(number, {}).items():
                ref = f"{columns[left]}{top}"
                covering = rows.get(top, {}).get(left)
                row[col] = _cell(Cell, (covering[0] if covering else "", ref, ref))
            grid.append(row)
        _repair_ids(grid)
        return grid


def _columns(title: str, width: int) -> list[str]:
    """Each column's "Title!B", kept by title and width: a form's sheets repeat them every return."""
    key = (title, width)
    columns = _COLUMNS.get(key)
    if columns is None:
        columns = [f"{title}!{column_letters(col)}" for col in range(width)]
        if len(_COLUMNS) >= COLUMNS_KEPT:
            _COLUMNS.clear()
        _COLUMNS[key] = columns
    return columns


def _blank_row(title: str, columns: list[str], number: int) -> tuple[Cell, ...]:
    """Row `number` of a sheet with these columns, every cell empty; kept, as forms repeat them."""
    key = (title, len(columns), number)
    blank = _BLANK_ROWS.get(key)
    if blank is None:
        tail = str(number)
        blank = tuple([_cell(Cell, ("", c + tail, c + tail)) for c in columns])
        # Wide rows are not kept: the memo's memory stays small whatever a sheet's width.
        if len(columns) <= BLANK_ROW_WIDTH:
            if len(_BLANK_ROWS) >= BLANK_ROWS_KEPT:
                _BLANK_ROWS.clear()
            _BLANK_ROWS[key] = blank
    return blank


def _repair_ids(grid: list[list[Cell]]) -> None:
    """1.10 typed into a number cell is stored (and shown) as 1.1: after 1.9 in a column, read 1.10.

    The number format cannot tell them apart (a "0.00" column shows 1.1 as 1.10 too), so the
    column's own sequence decides.
    """
    last: dict[int, tuple[str, int]] = {}
    for row in grid:
        for col, cell in enumerate(row):
            text = cell[0]
            # Most positions are empty, words, whole numbers or dates: those stop here, before the
            # memo's call (an id with one dot is part of the text, so the text has a dot).
            if not text or not text[0].isdigit() or "." not in text:
                continue
            qid = qid_of(text)
            if qid is None or qid.count(".") != 1:
                continue
            major, minor = qid.split(".")
            previous = last.get(col)
            if (
                previous
                and previous[0] == major
                and len(minor) == 1
                and 9 <= previous[1] < int(minor) * 10
            ):
                minor += "0"
                row[col] = Cell(f"{major}.{minor}", cell.origin, cell.where)
            last[col] = (major, int(minor))


def read_xlsx_return(source: Path | Package) -> RawReturn:
    """Everything an Excel return says, from every visible sheet; call after the pre-check."""
    found = Findings()
    with open_package(source) as package:
        book = Book(package)
        for title, name, hidden in book.sheets:
            if hidden:
                found.notes.append(f"hidden sheet {title!r} was not read")
                continue
            heading = case_heading(title)
            found.case_context = heading[0] if heading else None
            reader = _SheetReader(book, title, found)
            interpret_grid(reader.grid(name), found, Layout())
    name = package.path.name
    log.info("read %s as an Excel return (%d sheets)", name, len(book.sheets))
    return found.build(name, "xlsx", "spreadsheet")
