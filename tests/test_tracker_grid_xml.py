"""qap's generated sheets: rows written straight to XML read exactly as cells put one by one."""

from __future__ import annotations

import pytest

from pipeline.tracker.cells import MAX_CELL_CHARS
from pipeline.tracker.grid_xml import Grid
from pipeline.tracker.styles_xml import Look, Styles

BODY = Look(wrap=True, vertical="top")
ROWS = [
    ("15/02/2027 10:00", "DA26-POL-01", "Owner", "updated", "DI A -> DI B", "police.docx"),
    ("", "=SUM(A1)", "", "-5 days", "bell\x07 in text", " leading space"),
    ("x", "two\nlines", "#N/A", "@home", "", "y" * (MAX_CELL_CHARS + 10)),
]


@pytest.mark.parametrize(
    "rows",
    [ROWS, ROWS[:1], [ROWS[1], ROWS[0]], [], ROWS * 3, [ROWS[0][:2], ROWS[1], ROWS[2][:1]]],
    ids=["all", "plain", "quoted-first", "none", "repeated", "ragged"],
)
def test_text_rows_are_written_as_put_would_write_them(rows: list[tuple[str, ...]]) -> None:
    one_by_one = Grid("Log", Styles.parse(None), freeze=(0, 1), filter_ref="A1:F4")
    straight = Grid("Log", Styles.parse(None), freeze=(0, 1), filter_ref="A1:F4")
    for grid in (one_by_one, straight):
        grid.put(1, 1, "When", Look(bold=True))
        grid.heights[1] = 30
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            one_by_one.put(number, column, value, BODY)
    straight.put_text_rows(2, rows, BODY)
    assert straight.to_xml() == one_by_one.to_xml()
    # The same styles, added in the same order.
    assert straight.styles.to_bytes() == one_by_one.styles.to_bytes()
    assert (b"quotePrefix" in straight.styles.to_bytes()) == (len(rows) > 1)


def test_rows_kept_as_bytes_are_written_below_the_text_rows() -> None:
    as_text = Grid("Log", Styles.parse(None), freeze=(0, 1), filter_ref="A1:F4")
    as_bytes = Grid("Log", Styles.parse(None), freeze=(0, 1), filter_ref="A1:F4")
    for grid in (as_text, as_bytes):
        grid.put_text_rows(2, ROWS[:1], BODY)
    as_text.put_text_rows(3, ROWS[1:], BODY)
    below = Grid("Log", as_bytes.styles)
    below.put_text_rows(3, ROWS[1:], BODY)
    as_bytes.rows_bytes = "".join(below.rows_xml).encode("utf-8")
    as_bytes.rows_reach = below.rows_reach
    assert as_bytes.to_xml() == as_text.to_xml()
    assert as_bytes.to_xml().index(b'<row r="3"') < as_bytes.to_xml().index(b"</sheetData>")
