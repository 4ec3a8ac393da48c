"""The rebuilt Summary and Returns sheets: each cell in the look its figure or state calls for."""

from __future__ import annotations

import datetime as dt

from pipeline.definitions import load_catalogue
from pipeline.tracker.columns import STATUSES
from pipeline.tracker.grid_xml import Grid
from pipeline.tracker.rag import RAGS
from pipeline.tracker.sheets import BOXED, STATE_FILLS, build_returns, build_summary
from pipeline.tracker.styles_xml import Look, Styles
from pipeline.tracker.summary import (
    NOT_ASKED,
    OTHER,
    OUTSTANDING,
    OVERDUE,
    RECEIVED,
    Counts,
    ReturnCell,
    ReturnsGrid,
)
from pipeline.workspace import Workspace

TODAY = dt.date(2027, 2, 15)


def _state_look(state: str) -> Look:
    fill, font = STATE_FILLS[state]
    look = BOXED.but(fill=fill, colour=font, bold=state == OVERDUE)
    return look.but(horizontal="center", vertical="center")


def test_each_return_takes_its_states_look(workspace: Workspace) -> None:
    audits = load_catalogue(workspace.audits_dir, workspace.partnership()).audits[:2]
    cells = (
        ReturnCell(RECEIVED, dt.date(2027, 1, 20)),
        ReturnCell(OVERDUE, dt.date(2027, 2, 1)),
    )
    rows = (("Police", cells), ("Health", (ReturnCell(OUTSTANDING), ReturnCell(NOT_ASKED))))
    styles = Styles.parse(None)
    grid = build_returns(styles, ReturnsGrid(tuple(audits), rows), TODAY)
    for offset, (_, row) in enumerate(rows, start=5):
        for column, item in enumerate(row, start=2):
            text, style = grid.cells[offset][column]
            assert style == styles.look(_state_look(item.state))
            assert isinstance(text, str) and text.startswith(item.state)
    assert grid.cells[6][2][1] != grid.cells[5][3][1]


def test_a_grid_gives_each_look_the_stylesheets_index() -> None:
    styles = Styles.parse(None)
    grid = Grid("Summary", styles)
    looks = [Look(bold=True), BOXED, Look(bold=True), BOXED.but(fill="D6DCE4"), BOXED]
    for column, look in enumerate(looks, start=1):
        grid.put(1, column, f"cell {column}", look)
    assert [grid.cells[1][n][1] for n in range(1, 6)] == [styles.look(look) for look in looks]
    assert len(set(grid.style_of.values())) == 3


def test_rag_counts_stand_out_and_the_total_row_is_bold() -> None:
    statuses = dict.fromkeys((*STATUSES, OTHER), 1)
    rags = dict(zip(RAGS, (1, 0, 2), strict=True))
    counts = [Counts("Police", statuses, rags), Counts("Total", statuses, rags)]
    styles = Styles.parse(None)
    grid, chart = build_summary(styles, "Test partnership", TODAY, counts, counts)
    assert chart is not None
    row = grid.cells[6]
    red, amber = row[max(row) - 2][1], row[max(row) - 1][1]
    assert red != amber and grid.cells[7][max(row) - 1][1] != amber
