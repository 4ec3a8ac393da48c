"""What the next run will know of the rows qap just wrote: their values as the next read reads
them, by digest, and the Tracker sheet's memo as saved."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from lxml import etree

from pipeline.tracker.book import Book, parse_xml
from pipeline.tracker.cells import canonical
from pipeline.tracker.columns import TRACKER_SHEET
from pipeline.tracker.sheet_memo import SheetMemo
from pipeline.tracker.sheet_read import SEPARATOR, CellReader, TrackerSheet, _context, _read_cells
from pipeline.tracker.state import Settled
from pipeline.tracker.styles_xml import date_styles

if TYPE_CHECKING:
    from pipeline.tracker.grid_xml import Grid
    from pipeline.tracker.merge import MergeResult
    from pipeline.tracker.package_write import PackageWriter
    from pipeline.tracker.sheet_write import SheetPatch

# A row's cells by column and the values they read as, from the save check (SheetPatch.check).
Checked = Mapping[int, tuple[Mapping[int, etree._Element], Mapping[int, object]]]


def reads_after_write(
    sheet: TrackerSheet, book: Book, styles: bytes, checked: Checked | None = None
) -> tuple[dict[bytes, str | None], dict[int, bytes], bytes | None]:
    """The rows qap serialised, read back as the next read will read them (same function, the
    styles as saved), by the digest of the bytes saved: the next run need not read them again;
    those digests by row number (both empty when rows are not digested); and the context the
    next read will key digests with (None when rows are not digested). Rows the save check
    read (`checked`, with the styles as saved) are taken from it, not read a second time."""
    emitted = sheet.elements.emitted
    if not sheet.digests or any(b'"shared"' in row for row in emitted.values()):
        return {}, {}, None
    key = _context(book, styles, sheet.columns)
    digests = {
        number: hashlib.blake2b(row, digest_size=16, key=key).digest()
        for number, row in emitted.items()
    }
    reader = sheet.reader
    reader.dates, reader.durations = (
        date_styles(parse_xml(styles)) if styles != b"-" else (frozenset(), frozenset())
    )
    parsed = sheet.elements.parsed
    read_now: dict[bytes, str | None] = {}
    unread = []
    for number in emitted:
        element = parsed[number]
        found = checked.get(number) if checked else None
        text = _checked_text(element, found, sheet.columns, reader) if found else _UNREAD
        if text is _UNREAD:
            unread.append((number, element))
        else:
            read_now[digests[number]] = text
    for _ in _read_cells(unread, sheet.columns, reader, digests, read_now):
        pass
    return read_now, digests, key


def memo_after_write(
    sheet: TrackerSheet,
    part: str,
    written: Mapping[int, bytes],
    context: bytes | None,
    saved: Book,
) -> SheetMemo | None:
    """The memo of the sheet `part` just saved (`saved`: the package as saved), given the digests of
    the rows qap serialised and the context the next read keys digests with; None when rows are
    not digested."""
    store = sheet.elements
    if context is None or sheet.missing:
        return None
    emitted, raw, spans = store.emitted, store.raw, store.spans
    # Rows qap left alone keep their digests unless the styles qap saved changed the context
    # (a new tracker's first write does): then they are hashed again, once.
    kept = sheet.digests if context == sheet.context else {}
    digests: dict[int, bytes] = {}
    for number in store.written:
        digest = written.get(number) if number in emitted else kept.get(number)
        if digest is None and number not in emitted and number in spans:
            start, end = spans[number]
            digest = hashlib.blake2b(raw[start:end], digest_size=16, key=context).digest()
        if digest is None:
            return None
        digests[number] = digest
    stored = saved.stored_digest(part)
    return None if stored is None else SheetMemo(stored, context, store.written, digests)


_UNREAD = "\x00unread"


def _checked_text(
    element: etree._Element,
    found: tuple[Mapping[int, etree._Element], Mapping[int, object]],
    columns: dict[str, int],
    reader: CellReader,
) -> str | None:
    """A row's values joined as _read_cells notes them (None: an empty row), from the cells and
    values the save check read; _UNREAD when the row is not one _read_cells would read the same
    way (a cell without a reference, two cells in one column, a child that is not a cell)."""
    cells, values = found
    if len(cells) != len(element) or not all(cell.get("r") for cell in element):
        return _UNREAD
    # canonical(None) is '', as _read_cells leaves a column it finds no value in.
    # Most values are text, which canonical returns as it is: only the others are passed to it.
    row = {
        key: value if (value := values.get(column)).__class__ is str else canonical(value)
        for key, column in columns.items()
    }
    filled = any(text.strip() for text in row.values())
    if not filled:
        # A cell between qap's columns (the group's own) still makes the row non-empty.
        width = max(columns.values())
        mapped = set(columns.values())
        filled = any(
            canonical(reader.value(cells[column])).strip()
            for column in cells.keys() - mapped
            if column <= width
        )
    if not filled:
        return None
    row["ref"] = row["ref"].strip()
    return SEPARATOR.join(row.values())


def remember_rows(
    writer: PackageWriter,
    patch: SheetPatch,
    log: Grid,
    book: Book,
    sheet: TrackerSheet,
    result: MergeResult,
    saved: Book,
) -> tuple[dict[bytes, str | None], dict[str, Settled | None], str | None, SheetMemo | None]:
    """How the rows qap wrote will read, with the styles as saved, for the next run; which
    rows merged this time are settled, by the digest they will read with; the Log as saved;
    the Tracker sheet's memo (`saved`: the package as saved)."""
    from pipeline.tracker.log_sheet import saved_log_sheet

    part = book.part_of_type("styles")
    styles = writer.parts.get(part) if part else None
    if styles is None:
        styles = book.read(part) if part and book.has(part) else b"-"
    read_now, written, context = reads_after_write(sheet, book, styles, patch.checked)
    settled: dict[str, Settled | None] = {}
    for ref, settle in result.settle.items():
        digest = None
        if settle is not None and sheet.digests:
            row = settle[0]
            digest = written.get(row) if row in sheet.elements.emitted else sheet.digests.get(row)
        settled[ref] = None if settle is None or digest is None else Settled(digest, *settle[1:])
    entry = book.sheet(TRACKER_SHEET)
    memo = memo_after_write(sheet, entry.part, written, context, saved) if entry else None
    return read_now, settled, saved_log_sheet(writer, log, styles, saved), memo
