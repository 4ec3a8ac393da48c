"""The sheets qap rebuilds on every write: Summary (with a native chart), Returns and Log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pipeline.tracker.chart_xml import BarChart
from pipeline.tracker.columns import LOG_SHEET, RETURNS_SHEET, STATUSES, SUMMARY_SHEET
from pipeline.tracker.grid_xml import Grid
from pipeline.tracker.rag import RAGS
from pipeline.tracker.records import LogEntry
from pipeline.tracker.sheet_write import HEADER_FILL, HEADER_LOOK
from pipeline.tracker.styles_xml import Look, Styles
from pipeline.tracker.summary import (
    NOT_ASKED,
    OTHER,
    OUTSTANDING,
    OVERDUE,
    RECEIVED,
    Counts,
    ReturnsGrid,
)

RAG_STYLES = {
    "Red": ("C0392B", "FFFFFF"),
    "Amber": ("F5B041", "000000"),
    "Green": ("1E8449", "FFFFFF"),
}
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
TITLE = Look(bold=True, size=15, colour=HEADER_FILL)
NOTE = Look(italic=True, colour="595959")
HEADING = Look(bold=True, size=12, colour=HEADER_FILL)
BOXED = Look(border=True, wrap=True)
TOTAL_FILL = "D6DCE4"


def _title(grid: Grid, title: str, note: str) -> None:
    grid.put(1, 1, title, TITLE)
    grid.put(2, 1, note, NOTE)


def _header_row(grid: Grid, row: int, headers: Sequence[str]) -> None:
    for number, text in enumerate(headers, start=1):
        grid.put(row, number, text, HEADER_LOOK)
    grid.heights[row] = 30


def _counts_table(grid: Grid, top: int, heading: str, counts: Sequence[Counts]) -> int:
    statuses = [
        s for s in (*STATUSES, OTHER) if s != OTHER or any(c.by_status[OTHER] for c in counts)
    ]
    grid.put(top, 1, heading, HEADING)
    _header_row(grid, top + 1, [heading.split(" by ")[-1].capitalize(), *statuses, "Total", *RAGS])
    first_rag = len(statuses) + 3
    for offset, item in enumerate(counts, start=top + 2):
        last = item is counts[-1]
        numbers = (
            [item.by_status[s] for s in statuses] + [item.total] + [item.by_rag[r] for r in RAGS]
        )
        row_look = BOXED.but(bold=True, fill=TOTAL_FILL) if last else BOXED
        centred = row_look.but(horizontal="center")
        grid.put(offset, 1, item.label, row_look.but(horizontal="left"))
        for column, number in enumerate(numbers, start=2):
            look = centred
            if column >= first_rag and number:
                fill, font = RAG_STYLES[RAGS[column - first_rag]]
                look = look.but(fill=fill, bold=True, colour=font)
            grid.put(offset, column, number, look)
    return top + 2 + len(counts)


def build_summary(
    styles: Styles,
    title: str,
    today: dt.date,
    by_agency: Sequence[Counts],
    by_audit: Sequence[Counts],
) -> tuple[Grid, BarChart | None]:
    """Counts by status and RAG per agency and per audit, with a stacked bar chart of RAG."""
    grid = Grid(SUMMARY_SHEET, styles, fit_height=1)
    _title(
        grid,
        f"{title}: recommendations and actions summary",
        f"As at {today:%d %B %Y}. qap rebuilds this sheet on every update; edit the Tracker sheet, not this one.",
    )
    end = _counts_table(grid, 4, "Items by lead agency", by_agency)
    rag_col = 2 + len(STATUSES) + (1 if any(c.by_status[OTHER] for c in by_agency) else 0) + 1
    agency_end = end
    end = _counts_table(grid, end + 1, "Items by audit", by_audit)
    grid.widths = {1: 56, **{n: 12 for n in range(2, 12)}}
    chart = None
    if len(by_agency) > 1:
        first, last = 6, agency_end - 2
        chart = BarChart(
            sheet=SUMMARY_SHEET,
            title="Items by lead agency and RAG",
            first_row=first,
            last_row=last,
            first_value_column=rag_col,
            colours=[RAG_STYLES[r][0] for r in RAGS],
            anchor_row=end + 2,
            width_cm=22,
            height_cm=4 + 1.1 * (last - first + 1),
            unit_one=max(c.total for c in by_agency[:-1]) <= 10,
        )
    return grid, chart


def build_returns(styles: Styles, returns: ReturnsGrid, today: dt.date) -> Grid:
    """Agencies down, audits across: received (with date), outstanding or overdue (with due date)."""
    grid = Grid(RETURNS_SHEET, styles, freeze=(1, 4), title_rows=(4, 4))
    _title(
        grid,
        "Audit returns by agency",
        f"As at {today:%d %B %Y}. Dates are when a return came in, or when it is due.",
    )
    headers = ["Agency", *(f"{a.title}\n(due {a.deadline:%d %b %Y})" for a in returns.audits)]
    _header_row(grid, 4, headers)
    grid.heights[4] = 92
    # Each state's look made once, not once per cell.
    looks = {
        state: BOXED.but(fill=fill, colour=font, bold=state == OVERDUE).but(
            horizontal="center", vertical="center"
        )
        for state, (fill, font) in STATE_FILLS.items()
    }
    agency_look = BOXED.but(vertical="center")
    for offset, (agency, cells) in enumerate(returns.rows, start=5):
        grid.put(offset, 1, agency, agency_look)
        for column, item in enumerate(cells, start=2):
            text = item.state if item.date is None else f"{item.state}\n{item.date:%d %b %Y}"
            if item.state in (OUTSTANDING, OVERDUE) and item.date:
                text = f"{item.state}\ndue {item.date:%d %b %Y}"
            grid.put(offset, column, text, looks[item.state])
        grid.heights[offset] = 30
    total_row = 5 + len(returns.rows)
    grid.put(total_row, 1, "Returns received", Look(bold=True))
    for column in range(2, len(returns.audits) + 2):
        states = [cells[column - 2].state for _, cells in returns.rows]
        asked = sum(s != NOT_ASKED for s in states)
        text = f"{states.count(RECEIVED)} of {asked}"
        grid.put(total_row, column, text, Look(bold=True, horizontal="center"))
    grid.widths = {1: 40, **{n: 19 for n in range(2, len(headers) + 1)}}
    return grid


def build_log(styles: Styles, entries: Sequence[LogEntry], older: int = 0) -> Grid:
    """What qap changed or noticed, newest first, with the return it came from.

    The sheet shows the latest LOG_ROWS lines; every line stays in .qap/tracker.sqlite.
    `older`: how many rows the caller puts below these (the last Log's, moved down).
    """
    entries = entries[:LOG_ROWS]
    grid = Grid(LOG_SHEET, styles, freeze=(0, 1), title_rows=(1, 1))
    _header_row(grid, 1, [h for h, _ in LOG_HEADERS])
    grid.widths = {n: w for n, (_, w) in enumerate(LOG_HEADERS, start=1)}
    when_cache: dict[str, str] = {}
    for entry in entries:
        if entry.at not in when_cache:
            when = dt.datetime.fromisoformat(entry.at) if entry.at else None
            when_cache[entry.at] = f"{when:%d/%m/%Y %H:%M}" if when else ""
    grid.put_text_rows(
        2,
        ((when_cache[e.at], e.ref, e.column, e.change, e.detail, e.source) for e in entries),
        Look(wrap=True, vertical="top"),
    )
    if older:
        bottom, right = grid.rows_reach
        grid.rows_reach = (max(bottom, len(entries) + older + 1), max(right, len(LOG_HEADERS)))
    grid.filter_ref = f"A1:F{max(1, len(entries) + older + 1)}"
    return grid
