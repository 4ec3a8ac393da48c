"""Cell styles, row heights and print setup shared by the sheets of qap's Excel forms."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.forms.content import MARKING, FormContent

FONT = "Arial"
NAVY = "1F3864"
GREY = "595959"
ANSWER_FILL = PatternFill("solid", fgColor="EAF1FB")
LABEL_FILL = PatternFill("solid", fgColor="D9E2F3")
HEADER_FILL = PatternFill("solid", fgColor=NAVY)
SECTION_FILL = PatternFill("solid", fgColor="D9E2F3")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
LINE_POINTS = 13.0


def font(
    size: float = 10, *, bold: bool = False, italic: bool = False, colour: str = "000000"
) -> Font:
    """An Arial font of the given size and colour."""
    return Font(name=FONT, size=size, bold=bold, italic=italic, color=colour)


def put(ws: Worksheet, cell: str, value: Any, **style: Any) -> Any:
    """Write a value and apply font, fill, alignment and border given by keyword."""
    target = ws[cell]
    target.value = value
    for name, setting in style.items():
        setattr(target, name, setting)
    return target


def guidance(ws: Worksheet, cell: str, text: str) -> None:
    """A question's help text: small grey wrapped type in a boxed cell."""
    put(ws, cell, text, font=font(8.5, colour=GREY), alignment=WRAP, border=BOX)


def header(ws: Worksheet, row: int, labels: Sequence[str], first_column: int = 1) -> None:
    """A row of white-on-navy column headings."""
    for offset, label in enumerate(labels):
        cell = ws.cell(row=row, column=first_column + offset, value=label)
        cell.font = font(10, bold=True, colour="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = BOX


def answer(cell: Any, number_format: str = "@") -> None:
    """Make a cell an answer field: unlocked, shaded, boxed, wrapped, formatted."""
    cell.protection = UNLOCKED
    cell.fill = ANSWER_FILL
    cell.border = BOX
    cell.alignment = WRAP
    cell.font = font(10)
    cell.number_format = number_format


def lines_needed(text: str, width_chars: float) -> int:
    """How many lines a wrapped text needs in a column this many characters wide."""
    # Arial 10 fits about 1.2 characters per unit of column width (units are digit widths).
    usable = max(width_chars * 1.2 - 1, 1)
    return sum(max(1, math.ceil(len(part) / usable)) for part in str(text).split("\n"))


def fit_row(
    ws: Worksheet, row: int, texts: Sequence[tuple[str, float, float]], minimum: float = 15
) -> None:
    """Set a row tall enough for its wrapped texts, each given as (text, width, font size)."""
    height = minimum
    for text, width, size in texts:
        if text:
            lines = lines_needed(text, width * 10 / size)
            height = max(height, lines * LINE_POINTS * size / 10 + 4)
    ws.row_dimensions[row].height = height


def widths(ws: Worksheet, columns: Mapping[str, float]) -> None:
    """Column widths in characters."""
    for letter, width in columns.items():
        ws.column_dimensions[letter].width = width


def print_setup(ws: Worksheet, content: FormContent, *, title_rows: str | None = None) -> None:
    """A4 landscape, fit to one page wide, marked header and numbered footer on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.oddHeader.center.text = f"&B{MARKING}"
    ws.oddHeader.center.size = 10
    ws.oddHeader.left.text = _escape(content.header_text)
    ws.oddHeader.left.size = 8
    ws.oddFooter.center.text = f"&B{MARKING}"
    ws.oddFooter.center.size = 10
    ws.oddFooter.left.text = _escape(content.footer_text())
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = "Page &P of &N"
    ws.oddFooter.right.size = 8
    if title_rows:
        ws.print_title_rows = title_rows


def _escape(text: str) -> str:
    # '&' starts a header/footer code in Excel; a literal one is written '&&'.
    return text.replace("&", "&&")


def protect(ws: Worksheet) -> None:
    """Lock everything but the answer cells, with no password.

    Protection stops accidents (typing over a question, deleting a row), not people: anyone can
    unprotect the sheet from the Review tab. Agencies may still resize rows and columns.
    """
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
