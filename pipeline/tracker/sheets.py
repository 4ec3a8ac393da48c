"""The sheets qap rebuilds on every write: Summary (with a native chart), Returns and Log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.tracker.cells import clean_text, needs_quote_prefix
from pipeline.tracker.columns import LOG_SHEET, RETURNS_SHEET, STATUSES, SUMMARY_SHEET
from pipeline.tracker.rag import RAGS
from pipeline.tracker.records import LogEntry
from pipeline.tracker.summary import (
    NOT_ASKED,
    OTHER,
    OUTSTANDING,
    OVERDUE,
    RECEIVED,
    Counts,
    ReturnsGrid,
)
from pipeline.tracker.workbook import HEADER_FILL, RAG_STYLES, print_setup

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

STATE_FILLS = {
    RECEIVED: ("D5F5E3", "145A32"),
    OUTSTANDING: ("FEF5E7", "7E5109"),
    OVERDUE: ("F5B7B1", "78281F"),
    NOT_ASKED: ("F2F3F4", "7F8C8D"),
}
LOG_ROWS = 3000
LOG_HEADERS = (
    ("When", 17),
    ("Ref", 15),
    ("Column", 20),
    ("What happened", 22),
    ("Details", 70),
    ("From return", 46),
)


def _fresh_sheet(book: Workbook, title: str, index: int) -> Worksheet:
    if title in book.sheetnames:
        del book[title]
    return book.create_sheet(title, min(index, len(book.sheetnames)))


def _title(sheet: Worksheet, title: str, note: str) -> None:
    from openpyxl.styles import Font

    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=15, color=HEADER_FILL)
    sheet["A2"] = note
    sheet["A2"].font = Font(italic=True, color="595959")


def _header_row(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for number, text in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=number, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    sheet.row_dimensions[row].height = 30


def _text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    """Text from the tracker or a return: always a string cell, never a formula."""
    text, _ = clean_text(value)
    cell = sheet.cell(row=row, column=column, value=text)
    cell.data_type = "s"
    cell.quotePrefix = needs_quote_prefix(text)


def _counts_table(sheet: Worksheet, top: int, heading: str, counts: Sequence[Counts]) -> int:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    statuses = [
        s for s in (*STATUSES, OTHER) if s != OTHER or any(c.by_status[OTHER] for c in counts)
    ]
    sheet.cell(row=top, column=1, value=heading).font = Font(bold=True, size=12, color=HEADER_FILL)
    _header_row(sheet, top + 1, [heading.split(" by ")[-1].capitalize(), *statuses, "Total", *RAGS])
    thin = Side(style="thin", color="BFBFBF")
    for offset, item in enumerate(counts, start=top + 2):
        _text(sheet, offset, 1, item.label)
        numbers = (
            [item.by_status[s] for s in statuses] + [item.total] + [item.by_rag[r] for r in RAGS]
        )
        for column, number in enumerate(numbers, start=2):
            sheet.cell(row=offset, column=column, value=number)
        last = item is counts[-1]
        for column in range(1, len(numbers) + 2):
            cell = sheet.cell(row=offset, column=column)
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(
                horizontal="left" if column == 1 else "center", wrap_text=True
            )
            if last:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", start_color="D6DCE4", end_color="D6DCE4")
        for rag_column, rag in enumerate(RAGS, start=len(statuses) + 3):
            fill, font = RAG_STYLES[rag]
            cell = sheet.cell(row=offset, column=rag_column)
            if cell.value:
                cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
                cell.font = Font(bold=True, color=font)
    return top + 2 + len(counts)


def _rag_chart(
    sheet: Worksheet, first: int, last: int, rag_col: int, anchor: str, most: int
) -> None:
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Items by lead agency and RAG"
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.tickLblSkip = 1
    chart.y_axis.majorUnit = 1 if most <= 10 else None
    chart.y_axis.number_format = "0"
    chart.gapWidth = 60
    chart.height = 4 + 1.1 * (last - first + 1)
    chart.width = 22
    data = Reference(sheet, min_col=rag_col, max_col=rag_col + 2, min_row=first - 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    for series, rag in zip(chart.series, RAGS, strict=True):
        series.graphicalProperties.solidFill = RAG_STYLES[rag][0]
        series.graphicalProperties.line.solidFill = RAG_STYLES[rag][0]
    chart.legend.position = "b"
    sheet.add_chart(chart, anchor)


def build_summary(
    book: Workbook,
    title: str,
    today: dt.date,
    by_agency: Sequence[Counts],
    by_audit: Sequence[Counts],
) -> None:
    """Counts by status and RAG per agency and per audit, with a stacked bar chart of RAG."""
    sheet = _fresh_sheet(book, SUMMARY_SHEET, 1)
    _title(
        sheet,
        f"{title}: recommendations and actions summary",
        f"As at {today:%d %B %Y}. qap rebuilds this sheet on every update; edit the Tracker sheet, not this one.",
    )
    end = _counts_table(sheet, 4, "Items by lead agency", by_agency)
    rag_col = 2 + len(STATUSES) + (1 if any(c.by_status[OTHER] for c in by_agency) else 0) + 1
    agency_end = end
    end = _counts_table(sheet, end + 1, "Items by audit", by_audit)
    if len(by_agency) > 1:
        most = max(c.total for c in by_agency[:-1])
        _rag_chart(sheet, 6, agency_end - 2, rag_col, f"A{end + 2}", most)
    sheet.column_dimensions["A"].width = 56
    for letter in "BCDEFGHIJK":
        sheet.column_dimensions[letter].width = 12
    print_setup(sheet)
    sheet.page_setup.fitToHeight = 1


def build_returns(book: Workbook, grid: ReturnsGrid, today: dt.date) -> None:
    """Agencies down, audits across: received (with date), outstanding or overdue (with due date)."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet = _fresh_sheet(book, RETURNS_SHEET, 2)
    _title(
        sheet,
        "Audit returns by agency",
        f"As at {today:%d %B %Y}. Dates are when a return came in, or when it is due.",
    )
    headers = ["Agency", *(f"{a.title}\n(due {a.deadline:%d %b %Y})" for a in grid.audits)]
    _header_row(sheet, 4, headers)
    sheet.row_dimensions[4].height = 92
    thin = Side(style="thin", color="BFBFBF")
    for offset, (agency, cells) in enumerate(grid.rows, start=5):
        _text(sheet, offset, 1, agency)
        sheet.cell(row=offset, column=1).alignment = Alignment(wrap_text=True, vertical="center")
        for column, item in enumerate(cells, start=2):
            text = item.state if item.date is None else f"{item.state}\n{item.date:%d %b %Y}"
            if item.state in (OUTSTANDING, OVERDUE) and item.date:
                text = f"{item.state}\ndue {item.date:%d %b %Y}"
            cell = sheet.cell(row=offset, column=column, value=text)
            fill, font = STATE_FILLS[item.state]
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
            cell.font = Font(color=font, bold=item.state == OVERDUE)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        for column in range(1, len(headers) + 1):
            sheet.cell(row=offset, column=column).border = Border(
                top=thin, bottom=thin, left=thin, right=thin
            )
        sheet.row_dimensions[offset].height = 30
    total_row = 5 + len(grid.rows)
    _text(sheet, total_row, 1, "Returns received")
    sheet.cell(row=total_row, column=1).font = Font(bold=True)
    for column, audit in enumerate(grid.audits, start=2):
        states = [cells[column - 2].state for _, cells in grid.rows]
        asked = sum(s != NOT_ASKED for s in states)
        cell = sheet.cell(
            row=total_row, column=column, value=f"{states.count(RECEIVED)} of {asked}"
        )
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        del audit
    sheet.column_dimensions["A"].width = 40
    for column in range(2, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 19
    sheet.freeze_panes = "B5"
    print_setup(sheet, title_rows="4:4")


def build_log(book: Workbook, entries: Sequence[LogEntry]) -> None:
    """What qap changed or noticed, newest first, with the return it came from.

    The sheet shows the latest LOG_ROWS lines; every line stays in .qap/tracker.sqlite.
    """
    entries = entries[:LOG_ROWS]
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    sheet = _fresh_sheet(book, LOG_SHEET, 3)
    _header_row(sheet, 1, [h for h, _ in LOG_HEADERS])
    for number, (_, width) in enumerate(LOG_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    for row, entry in enumerate(entries, start=2):
        when = f"{dt.datetime.fromisoformat(entry.at):%d/%m/%Y %H:%M}" if entry.at else ""
        for column, value in enumerate(
            (when, entry.ref, entry.column, entry.change, entry.detail, entry.source), start=1
        ):
            _text(sheet, row, column, value)
            sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{max(1, len(entries) + 1)}"
    print_setup(sheet, title_rows="1:1")
