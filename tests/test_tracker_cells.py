"""Cell values: canonical text, UK dates, characters Excel cannot store, formula-looking text."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.tracker.cells import (
    MAX_CELL_CHARS,
    canonical,
    clean_text,
    iso_date,
    needs_quote_prefix,
    parse_date,
)


def test_canonical_forms() -> None:
    assert canonical(None) == ""
    assert canonical(dt.datetime(2027, 3, 1, 0, 0)) == "2027-03-01"
    assert canonical(dt.date(2027, 3, 1)) == "2027-03-01"
    assert canonical(3.0) == "3"
    assert canonical(2.5) == "2.5"
    assert canonical(True) == "TRUE"
    assert canonical(" text ") == " text "


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2027-03-01", dt.date(2027, 3, 1)),
        ("01/03/2027", dt.date(2027, 3, 1)),
        ("1/3/27", dt.date(2027, 3, 1)),
        ("1 March 2027", dt.date(2027, 3, 1)),
        ("1 Mar 2027", dt.date(2027, 3, 1)),
        ("end of March", None),
        ("", None),
    ],
)
def test_uk_dates(typed: str, expected: dt.date | None) -> None:
    assert parse_date(typed) == expected


def test_iso_date_leaves_words_alone() -> None:
    assert iso_date("31/05/2027") == "2027-05-31"
    assert iso_date("when funding allows") == "when funding allows"


def test_clean_text_replaces_and_notes_without_quoting() -> None:
    text, notes = clean_text("a\x00b\x0bc\ufffed\ud800e\tf\ng")
    assert text == "a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng"
    assert notes == ("4 character(s) Excel cannot store were replaced with \ufffd",)
    assert clean_text("plain") == ("plain", ())


def test_clean_text_cuts_long_text_visibly() -> None:
    text, notes = clean_text("y" * (MAX_CELL_CHARS + 10))
    assert len(text) == MAX_CELL_CHARS
    assert "full text is in the return" in text
    assert notes == (f"text of {MAX_CELL_CHARS + 10} characters was cut to Excel's limit of 32767",)


@pytest.mark.parametrize("text", ["=1", "+SUM(1)", "-1+2", "@x", "\t=1", "\r=1", "#N/A", "#div/0!"])
def test_formula_looking_text_gets_a_quote_prefix(text: str) -> None:
    assert needs_quote_prefix(text)


@pytest.mark.parametrize("text", ["Plain words", "1 = 1", "email@example", "30%"])
def test_ordinary_text_does_not(text: str) -> None:
    assert not needs_quote_prefix(text)
