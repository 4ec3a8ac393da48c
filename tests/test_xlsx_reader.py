"""The generic Excel reader on every spreadsheet style of the corpus, and on awkward sheets."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipeline.readers import xlsx_sheet
from pipeline.readers.xlsx_reader import read_xlsx_return
from pipeline.workspace import Workspace
from tests.corpus import built_corpus, differences, read_and_normalise
from tests.corpus_xlsx import XLSX_BUILDERS
from tests.hostile import lying_dimension

EXCEL_FILES = [*XLSX_BUILDERS, "libreoffice_saved.xlsx"]


@pytest.mark.parametrize("name", EXCEL_FILES)
def test_corpus_excel_file_reads_as_expected(name: str, workspace: Workspace) -> None:
    item = built_corpus()[name]
    result = read_and_normalise(item.path, workspace)
    assert differences(result, item.expected) == []


def test_ids_typed_as_numbers_keep_1_10_apart_from_1_1() -> None:
    raw = read_xlsx_return(built_corpus()["ids_as_numbers_1_10.xlsx"].path)
    assert [row.qid for row in raw.rows] == [f"1.{n}" for n in range(1, 13)]


def test_real_excel_dates_become_iso_dates() -> None:
    raw = read_xlsx_return(built_corpus()["spreadsheet_header_block.xlsx"].path)
    assert raw.labels["completed_on"] == "2027-01-20"
    assert raw.cases[0].answers["2.2"] == "2026-05-14"
    assert raw.actions[0].target == "2027-04-30"


def test_libreoffice_saved_file_uses_shared_strings_and_reads_the_same() -> None:
    import zipfile

    corpus = built_corpus()
    path = corpus["libreoffice_saved.xlsx"].path
    with zipfile.ZipFile(path) as package:
        assert "xl/sharedStrings.xml" in package.namelist()
    assert (
        read_xlsx_return(path).rows
        == read_xlsx_return(corpus["spreadsheet_header_block.xlsx"].path).rows
    )


def test_shared_strings_and_sheets_read_alike_streamed_or_parsed_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small parts are parsed whole, large ones streamed; a file saved by LibreOffice (shared
    # strings, merged cells) must read the same both ways.
    path = built_corpus()["libreoffice_saved.xlsx"].path
    whole = read_xlsx_return(path)
    monkeypatch.setattr(xlsx_sheet, "WHOLE_PART_BYTES", 0)
    assert read_xlsx_return(path) == whole
    assert whole.rows and whole.labels


def test_formula_cells_are_kept_as_text_and_noted() -> None:
    raw = read_xlsx_return(built_corpus()["formula_cells.xlsx"].path)
    assert {row.qid: row.answer for row in raw.rows}["1.2"] == "=10+2"
    assert raw.notes == (
        "cell Sheet!C5 held a formula; its text was kept",
        "cell Sheet!C6 held a formula; its text was kept",
    )


def test_lying_dimension_does_not_hide_rows(tmp_path: Path) -> None:
    path = lying_dimension(tmp_path / "liar.xlsx", tmp_path)
    raw = read_xlsx_return(path)
    assert len(raw.rows) == 10_000
    assert raw.rows[-1].where == "Sheet!C10002"


def test_sheets_alike_in_shape_keep_their_own_refs(tmp_path: Path) -> None:
    # Empty rows are kept by sheet title, width and row number: a second sheet of the same
    # shape must not borrow the first one's refs, and its own answers must show.
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Police"
    second = book.create_sheet("Health")
    for sheet, answer in ((first, "Yes"), (second, "No")):
        sheet.append(["ID", "Question", "Answer"])
        sheet.append(["1.1", "Is the referral recorded within a day?", answer])
    path = tmp_path / "two.xlsx"
    book.save(path)
    raw = read_xlsx_return(path)
    assert [(row.answer, row.where) for row in raw.rows] == [
        ("Yes", "Police!C2"),
        ("No", "Health!C2"),
    ]
