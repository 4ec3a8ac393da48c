"""A new Tracker sheet made with openpyxl: headers, widths, panes, filter, drop-downs, colours, print.

Only a first tracker (or a workbook that lost its Tracker sheet) is made here; every later
update patches the XML directly (sheet_read.py, sheet_write.py, package_write.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.tracker.columns import (
    BY_KEY,
    COLUMNS,
    SOURCES,
    STATUSES,
    TRACKER_SHEET,
)
from pipeline.tracker.sheet_write import HEADER_FILL
from pipeline.tracker.sheets import RAG_STYLES

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger(__name__)

# Rows the drop-downs and colour rules cover: far beyond any partnership's tracker.
RULE_ROWS = 20_000


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
