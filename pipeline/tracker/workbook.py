"""The Tracker sheet through openpyxl: read rows, write cells as text or dates, style a new sheet.

Everything that touches openpyxl for the Tracker sheet lives here (and the rebuilt sheets in
sheets.py), so a faster writer that edits only the changed parts can replace it later.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.tracker.cells import canonical, needs_quote_prefix
from pipeline.tracker.columns import (
    BY_KEY,
    COLUMNS,
    DATE_KEYS,
    SOURCES,
    STATUSES,
    TRACKER_SHEET,
    header_key,
)
from pipeline.tracker.records import CellWrite, SheetRow

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger(__name__)

DATE_FORMAT = "dd/mm/yyyy"
HEADER_FILL = "1F3864"
# Rows the drop-downs and colour rules cover: far beyond any partnership's tracker.
RULE_ROWS = 20_000
RAG_STYLES = {
    "Red": ("C0392B", "FFFFFF"),
    "Amber": ("F5B041", "000000"),
    "Green": ("1E8449", "FFFFFF"),
}


def load_workbook(path: Path | None) -> Workbook:
    """The tracker workbook at `path`, or a new one with a styled, empty Tracker sheet."""
    import openpyxl

    if path is None or not path.exists():
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = TRACKER_SHEET
        style_new_tracker(sheet)
        return book
    book = openpyxl.load_workbook(path, rich_text=True)
    if TRACKER_SHEET not in book.sheetnames:
        style_new_tracker(book.create_sheet(TRACKER_SHEET, 0))
    return book


def read_back(path: Path) -> tuple[list[str], list[SheetRow]]:
    """Sheet names and Tracker rows of a saved workbook, read quickly (read-only) for checking."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = book[TRACKER_SHEET]
        sheet.reset_dimensions()  # never trust a <dimension> element, even qap's own
        header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        columns: dict[str, int] = {}
        for number, value in enumerate(header, start=1):
            key = header_key(value)
            if key and key not in columns:
                columns[key] = number
        rows, _ = read_rows(sheet, columns)
        return list(book.sheetnames), rows
    finally:
        book.close()


def column_map(sheet: Worksheet) -> dict[str, int]:
    """Column number of each of qap's columns, found by header; missing ones are appended."""
    found: dict[str, int] = {}
    last = 0
    for cell in sheet[1]:
        if cell.value is not None:
            last = max(last, cell.column)
        key = header_key(cell.value)
        if key and key not in found:
            found[key] = cell.column
    for column in COLUMNS:
        if column.key not in found:
            last += 1
            found[column.key] = last
            _header_cell(sheet, last, column.header)
            log.info("tracker: column %s was missing and was added at the end", column.key)
    return found


def read_rows(sheet: Worksheet, columns: dict[str, int]) -> tuple[list[SheetRow], int]:
    """Every non-empty row under the header as canonical values, and the first free row number."""
    rows: list[SheetRow] = []
    last = 1
    by_column = {number: key for key, number in columns.items()}
    width = max(columns.values())
    for number, cells in enumerate(
        sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
    ):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        values = {by_column[i + 1]: canonical(v) for i, v in enumerate(cells) if i + 1 in by_column}
        if values.get("ref"):
            values["ref"] = values["ref"].strip()
        rows.append(SheetRow(number, values))
        last = number
    return rows, last + 1


def write_cells(
    sheet: Worksheet, columns: dict[str, int], writes: Iterable[CellWrite], new_rows: Iterable[int]
) -> None:
    """Write each value as a real date or as text that can never become a formula or error.

    Rows qap appends take the style of the row above (the group's formatting) or qap's own;
    rows whose text grew are made taller, never shorter than the group left them.
    """
    fresh = set(new_rows)
    for number in sorted(fresh):
        for key, column in columns.items():
            cell = sheet.cell(row=number, column=column)
            above = sheet.cell(row=number - 1, column=column)
            if number > 2 and above.has_style:
                cell._style = copy.copy(above._style)
                cell.quotePrefix = False
            else:
                _body_style(cell, key)
    touched: set[int] = set(fresh)
    for write in writes:
        _set_value(sheet.cell(row=write.row, column=columns[write.key]), write.key, write.value)
        touched.add(write.row)
    for number in touched:
        _fit_height(sheet, columns, number)


def _fit_height(sheet: Worksheet, columns: dict[str, int], number: int) -> None:
    import textwrap

    from openpyxl.utils import get_column_letter

    lines = 1
    for column in columns.values():
        value = sheet.cell(row=number, column=column).value
        if not isinstance(value, str) or not value:
            continue
        width = sheet.column_dimensions[get_column_letter(column)].width or 10
        # A width unit holds about 1.1 characters of the body font; wrapping is by whole words.
        per_line = max(1, int(width * 1.1))
        wrapped = (len(textwrap.wrap(part, per_line)) or 1 for part in value.split("\n"))
        lines = max(lines, sum(wrapped))
    height = min(409, 15 * lines + 2)
    current = sheet.row_dimensions[number].height
    if current is None or current < height:
        sheet.row_dimensions[number].height = height


def _set_value(cell: object, key: str, value: str) -> None:
    from openpyxl.cell.cell import Cell

    assert isinstance(cell, Cell)
    if value == "":
        cell.value = None
        return
    if key in DATE_KEYS:
        try:
            cell.value = dt.date.fromisoformat(value)
            cell.number_format = DATE_FORMAT
            cell.quotePrefix = False
            return
        except ValueError:
            pass  # a target typed as words ("end of March") stays text
    cell.value = value
    # openpyxl would make "=..." a formula and "#N/A" an error value; an answer is always text.
    cell.data_type = "s"
    cell.quotePrefix = needs_quote_prefix(value)
    if cell.number_format != "@" and key not in DATE_KEYS:
        cell.number_format = "General"


def _body_style(cell: object, key: str) -> None:
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Border, Side

    assert isinstance(cell, Cell)
    thin = Side(style="thin", color="BFBFBF")
    centred = key in DATE_KEYS or key in ("rag", "ref")
    cell.alignment = Alignment(
        wrap_text=True, vertical="top", horizontal="center" if centred else "left"
    )
    cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    if key in DATE_KEYS:
        cell.number_format = DATE_FORMAT


def _header_cell(sheet: Worksheet, column: int, text: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = sheet.cell(row=1, column=column, value=text)
    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def style_new_tracker(sheet: Worksheet) -> None:
    """Headers, widths, frozen panes, filter, drop-downs, RAG colours and print setup."""
    from openpyxl.formatting.rule import CellIsRule, FormulaRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for number, column in enumerate(COLUMNS, start=1):
        _header_cell(sheet, number, column.header)
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "B2"
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}1"

    def letter(key: str) -> str:
        return get_column_letter(COLUMNS.index(BY_KEY[key]) + 1)

    for key, options, prompt in (
        ("status", STATUSES, "Choose the status from the list."),
        ("source", SOURCES, "Where the item came from."),
    ):
        rule = DataValidation(type="list", formula1=f'"{",".join(options)}"', allow_blank=True)
        rule.error = f"Choose one of: {', '.join(options)}."
        rule.errorTitle = "Not in the list"
        rule.prompt = prompt
        rule.add(f"{letter(key)}2:{letter(key)}{RULE_ROWS}")
        sheet.add_data_validation(rule)
    rag = f"{letter('rag')}2:{letter('rag')}{RULE_ROWS}"
    for value, (fill, font) in RAG_STYLES.items():
        sheet.conditional_formatting.add(
            rag,
            CellIsRule(
                operator="equal",
                formula=[f'"{value}"'],
                fill=PatternFill("solid", start_color=fill, end_color=fill),
                font=Font(bold=True, color=font),
            ),
        )
    status = letter("status")
    sheet.conditional_formatting.add(
        f"A2:{last}{RULE_ROWS}",
        FormulaRule(formula=[f'${status}2="Verified and closed"'], font=Font(color="7F7F7F")),
    )
    print_setup(sheet, title_rows="1:1")
    # Sixteen columns are legible only on A3; the group prints the tracker for its meetings.
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3


def print_setup(sheet: Worksheet, title_rows: str | None = None) -> None:
    """Landscape A4, fitted to the page width, with the header row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&A - page &P of &N"
    if title_rows:
        sheet.print_title_rows = title_rows


def extend_filter(sheet: Worksheet, last_row: int) -> None:
    """Stretch the group's filter (kept as they left it) over rows qap appended."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    if not sheet.auto_filter.ref:
        return
    min_col, min_row, max_col, max_row = range_boundaries(sheet.auto_filter.ref)
    if max_row is not None and max_row >= last_row:
        return
    sheet.auto_filter.ref = (
        f"{get_column_letter(min_col or 1)}{min_row}:{get_column_letter(max_col or 1)}{last_row}"
    )
