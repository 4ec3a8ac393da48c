"""Answers out of grids of cells: headers, layouts carried across tables, banners, cases."""

from __future__ import annotations

from pipeline.readers.grid import Cell, Findings, Layout, interpret_grid


def _grid(number: int, rows: list[list[str]]) -> list[list[Cell]]:
    """A grid with one cell per position (no merges)."""
    return [
        [
            Cell(text, f"t{number}r{r}c{c}", f"table {number} row {r + 1}")
            for c, text in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]


def test_a_header_row_sets_the_layout_for_the_rows_below() -> None:
    found = Findings()
    layout = interpret_grid(
        _grid(1, [["No.", "Question", "Answer"], ["1.1", "Aware of the pathway?", "Yes"]]), found
    )
    assert layout.mode == "questions"
    assert [(r.qid, r.question, r.answer, r.where) for r in found.rows] == [
        ("1.1", "Aware of the pathway?", "Yes", "table 1 row 2")
    ]


def test_a_table_split_by_a_page_break_reads_on_with_the_header_above() -> None:
    found = Findings()
    layout = interpret_grid(
        _grid(1, [["Answer", "Question", "No."], ["Yes", "First?", "1.1"]]), found
    )
    interpret_grid(_grid(2, [["No", "Second?", "1.2"]]), found, layout)
    # Without the carried layout the second row would be read as loose cells, answer "Second?".
    assert [(r.qid, r.answer) for r in found.rows] == [("1.1", "Yes"), ("1.2", "No")]


def test_a_table_of_another_width_starts_afresh() -> None:
    found = Findings()
    layout = interpret_grid(_grid(1, [["No.", "Question", "Answer"]]), found)
    after = interpret_grid(_grid(2, [["1.2", "Second question, answered?"]]), found, layout)
    assert after.mode == ""
    assert [(r.qid, r.answer) for r in found.rows] == [("1.2", "Second question, answered?")]


def test_header_words_merged_into_one_cell_are_a_banner_not_a_header() -> None:
    merged = Cell("Question Answer", "t1r0c0", "table 1 row 1")
    grid = [[merged, merged], *_grid(1, [["1.1", "Yes"]])[0:1]]
    found = Findings()
    layout = interpret_grid(grid, found, Layout())
    assert layout.mode == ""
    assert found.labels["title"] == "Question Answer"
    assert [(r.qid, r.answer) for r in found.rows] == [("1.1", "Yes")]


def test_case_columns_take_answers_per_case() -> None:
    found = Findings()
    rows = [
        ["Q", "Question", "Case 1", "Case 2"],
        ["", "Case reference", "HX-1", "HX-2"],
        ["2.1", "Referred?", "Y", "N"],
    ]
    layout = interpret_grid(_grid(1, rows), found)
    assert layout.mode == "cases"
    assert found.cases == {1: ("HX-1", {"2.1": "Y"}), 2: ("HX-2", {"2.1": "N"})}
