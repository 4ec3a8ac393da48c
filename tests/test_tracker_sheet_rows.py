"""The Tracker sheet's rows found in its bytes: the same rows, numbers and text lxml finds."""

from __future__ import annotations

import pytest
from lxml import etree

from pipeline.errors import TrackerError
from pipeline.tracker.sheet_rows import RowStore

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet(rows: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {xmlns}="{NS}">'
        f'<{p}dimension ref="A1:B9"/><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'
    ).encode()


def _numbers_by_lxml(raw: bytes) -> list[int]:
    numbers, number = [], 0
    for row in etree.fromstring(raw).iter(f"{{{NS}}}row"):
        number = int(row.get("r") or number + 1)
        numbers.append(number)
    return numbers


@pytest.mark.parametrize("prefix", ["", "x"])
def test_rows_are_found_with_and_without_numbers(prefix: str) -> None:
    p = f"{prefix}:" if prefix else ""
    rows = (
        f'<{p}row r="1" spans="1:2"><{p}c r="A1" t="inlineStr"><{p}is><{p}t>r="7" &lt;row</{p}t>'
        f"</{p}is></{p}c></{p}row>\n"
        f"<{p}row><{p}c/></{p}row><{p}row/>"
        f'<{p}row customHeight="1" r="9" ht="30"></{p}row>'
        f"<{p}row\n><{p}c/></{p}row>"
    )
    raw = _sheet(rows, prefix)
    store = RowStore(raw)
    assert list(store.spans) == _numbers_by_lxml(raw) == [1, 2, 3, 9, 10]
    read = dict(store.read(list(store.spans)))
    assert read[1].findtext(f".//{{{NS}}}t") == 'r="7" <row'
    assert store.get(9) is not None and store.get(9).get("ht") == "30"  # type: ignore[union-attr]
    # Rows not parsed for patching come back byte for byte.
    store.parsed.clear()
    assert _rows_of(store.to_bytes(), p) == _rows_of(raw, p) == rows.encode()


def _rows_of(raw: bytes, p: str) -> bytes:
    return raw.split(f"<{p}sheetData>".encode())[1].split(f"</{p}sheetData>".encode())[0]


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="2"/><row r="2"/>',
        '<row r="1"/><!-- a note --><row r="2"/>',
        '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<row r="5"/>]]></t></is></c></row>',
        '<row r="1"/><?pi why?><row r="2"/>',
    ],
    ids=["numbered twice", "comment", "CDATA", "instruction"],
)
def test_rows_qap_cannot_place_are_refused(rows: str) -> None:
    with pytest.raises(TrackerError, match="cannot update in place"):
        RowStore(_sheet(rows))


def test_text_with_marks_is_not_taken_for_markup() -> None:
    rows = '<row r="2"><c r="A2" t="inlineStr"><is><t>Why? Now! &lt;!-- not a comment</t></is></c></row>'
    assert list(RowStore(_sheet(rows)).spans) == [2]


def test_a_sheet_without_rows_has_none() -> None:
    raw = _sheet("").replace(b"<sheetData></sheetData>", b"<sheetData/>")
    assert RowStore(raw).spans == {}


def test_rows_are_written_in_row_order_around_those_qap_parsed() -> None:
    rows = ['<row r="3"><c r="A3"/></row>', '<row r="2"/>', '<row r="4"/>', '<row r="5"/>']
    store = RowStore(_sheet("".join(rows)))
    row = store.get(4)
    assert row is not None
    row.set("ht", "30")
    expected = rows[1] + rows[0] + '<row r="4" ht="30"/>'
    assert _rows_of(store.to_bytes(), "") == (expected + rows[3]).encode()
    assert store.emitted == {4: b'<row r="4" ht="30"/>'}


def test_rows_parsed_together_are_written_as_rows_parsed_one_by_one() -> None:
    rows = [
        f'<row r="{n}" spans="1:2"><c r="A{n}" t="inlineStr"><is><t>{n}</t></is></c></row>\n'
        for n in range(2, 9)
    ]
    together, alone = RowStore(_sheet("".join(rows))), RowStore(_sheet("".join(rows)))
    together.parse([7, 3, 5, 3, 40])
    assert sorted(together.parsed) == [3, 5, 7]
    for number in (3, 5, 7):
        for store in (together, alone):
            row = store.get(number)
            assert row is not None
            row.set("ht", "30")
    assert together.to_bytes() == alone.to_bytes()
    assert together.emitted == alone.emitted
    assert (
        together.emitted[5]
        == b'<row r="5" spans="1:2" ht="30"><c r="A5" t="inlineStr"><is><t>5</t></is></c></row>\n'
    )


@pytest.mark.parametrize(
    ("order", "touched"),
    [([2, 3, 4, 5, 6], [4]), ([5, 2, 6, 3, 4], [6]), ([3, 2, 5, 4, 6], []), ([2, 4, 6], [2, 6])],
)
def test_rows_are_where_written_says_as_a_scan_of_the_new_bytes_finds(
    order: list[int], touched: list[int]
) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}"/></row>{" " * (n % 2)}' for n in order)
    store = RowStore(_sheet(rows))
    for number in touched:
        row = store.get(number)
        assert row is not None
        row.set("ht", "30")
    store[9] = etree.Element(f"{{{NS}}}row", nsmap=store.namespaces, r="9")
    data = store.to_bytes()
    assert RowStore(data).spans == store.written
    assert _numbers_by_lxml(data) == sorted([*order, 9])
