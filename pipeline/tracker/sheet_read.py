"""The Tracker sheet read straight from its XML: qap's columns by header, rows as canonical text.

Values come out as openpyxl would give them (numbers, dates by their cell style, formulas as
'=...' text, rich text flattened), then pass through cells.canonical, so the merge sees the
same rows whichever reader produced them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from pipeline.tracker.book import Book, M, parse_xml, strings_of, text_of
from pipeline.tracker.cells import canonical
from pipeline.tracker.columns import COLUMNS, header_key
from pipeline.tracker.records import SheetRow
from pipeline.tracker.sheet_memo import SheetMemo
from pipeline.tracker.sheet_rows import RowStore
from pipeline.tracker.styles_xml import date_styles

DIGITS = "0123456789"
# Part of every row digest: a change to how rows are read must not reuse rows read before it.
READER_VERSION = b"rows-3"
# Joins a row's values (in column order) as stored for reuse: XML text cannot hold it.
SEPARATOR = "\x1f"
_UNKNOWN = "\x00unknown"
_C, _V, _F, _IS, _T, _ROW = f"{M}c", f"{M}v", f"{M}f", f"{M}is", f"{M}t", f"{M}row"
_LETTERS: dict[str, int] = {}


def column_number(letters: str) -> int:
    """A column's number from its letters (A -> 1, AA -> 27), cached: a sheet repeats a few."""
    number = _LETTERS.get(letters)
    if number is None:
        number = 0
        for char in letters:
            number = number * 26 + ord(char) - 64
        _LETTERS[letters] = number
    return number


def column_letters(number: int) -> str:
    """A column's letters from its number (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class TrackerSheet:
    """The Tracker sheet read: qap's columns, its rows, and its XML kept for patching.

    `root` is the sheet without its rows (dimension, columns, filter); `elements` holds the
    rows as bytes and parses one only when asked for it.
    """

    root: etree._Element
    columns: dict[str, int]
    missing: tuple[str, ...]
    rows: list[SheetRow]
    next_row: int
    elements: RowStore
    reader: CellReader
    # Rows read from their cells this time, by digest, for the next read to reuse (None: empty),
    # as their values joined by SEPARATOR in column order.
    read_now: dict[bytes, str | None] = field(default_factory=dict)
    # Every row's digest, by row number.
    digests: Mapping[int, bytes] = field(default_factory=dict)
    # What the digests are keyed with (see _context), and the digest of the part as stored.
    context: bytes | None = None
    stored: bytes | None = None
    # Rows not read (see owner_memo): settled rows of pairs an update need not merge.
    skipped: frozenset[int] = frozenset()


class CellReader:
    """Turns <c> elements into the values openpyxl would read: text, numbers, dates, formulas."""

    date1904: bool

    def __init__(self, book: Book) -> None:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.strings = strings_of(book)
        self.dates, self.durations = _date_styles(book)
        self.date1904 = book.date1904
        self.epoch = CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900
        self.shared: dict[str, object] = {}
        self._serials: dict[tuple[bool, str], object] = {}

    def value(self, cell: etree._Element | None) -> object:
        """The value of one <c>; children are indexed, not searched: there are thousands."""
        if cell is None or not len(cell):
            return None
        first = cell[0]
        tag = first.tag
        if tag == _IS:
            if len(first) == 1 and first[0].tag == _T:
                return first[0].text or ""
            return text_of(first)
        if tag == _F:
            return self._formula(cell, first)
        if tag != _V:
            return None
        raw = first.text
        kind = cell.get("t")
        if not raw or kind == "inlineStr":
            return None
        if kind is None or kind == "n":
            style = cell.get("s")
            return self._number(raw, int(style) if style else 0)
        if kind == "s":
            return self.strings[int(raw)]
        if kind == "b":
            return bool(int(raw))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(raw)
        return raw  # "str" (a formula's cached text) and "e" (an error value) read as text

    def _number(self, raw: str, style: int) -> object:
        number: float = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
        if style not in self.dates:
            return number
        key = (style in self.durations, raw)
        if key not in self._serials:
            from openpyxl.utils.datetime import from_excel

            try:
                self._serials[key] = from_excel(number, self.epoch, timedelta=key[0])
            except (OverflowError, ValueError):
                self._serials[key] = "#VALUE!"
        return self._serials[key]

    def _formula(self, cell: etree._Element, formula: etree._Element) -> str:
        text = "=" + (formula.text or "")
        if formula.get("t") != "shared":
            return text
        index, where = formula.get("si", ""), cell.get("r", "")
        if index in self.shared:
            return str(self.shared[index].translate_formula(where))  # type: ignore[attr-defined]
        if text != "=":
            from openpyxl.formula.translate import Translator

            self.shared[index] = Translator(text, where)
        return text


def _date_styles(book: Book) -> tuple[frozenset[int], frozenset[int]]:
    """Cell styles (xf indices) whose number format shows a date, and those showing a duration."""
    part = book.part_of_type("styles")
    if part is None or not book.has(part):
        return frozenset(), frozenset()
    return date_styles(parse_xml(book.read(part)))


def read_sheet(
    book: Book,
    part: str,
    known: Mapping[bytes, str | None] | None = None,
    memo: SheetMemo | None = None,
    skip: tuple[bytes, frozenset[int]] | None = None,
) -> TrackerSheet:
    """Parse the Tracker sheet: columns by header (missing ones placed after the last), then rows.

    `known` holds rows read before (as JSON), by digest: a row whose bytes, shared strings, styles and
    columns are all unchanged is taken from it instead of being read cell by cell. `memo` gives
    the rows' spans and digests while the part is exactly as qap saved it; `skip` (the part as
    stored, row numbers) rows not to read while the memo holds and the part is that one.
    """
    raw = book.read(part)
    stored = book.stored_digest(part)
    if memo is not None and not memo.holds(stored):
        memo = None
    store = RowStore(raw, None if memo is None else dict(memo.spans))
    values = CellReader(book)
    header = _cells(next((row for _, row in store.read((1,))), None), values)
    columns: dict[str, int] = {}
    for column, value in sorted(header.items()):
        key = header_key(value)
        if key and key not in columns:
            columns[key] = column
    last = max((c for c, v in header.items() if v is not None), default=0)
    missing = []
    for spec in COLUMNS:
        if spec.key not in columns:
            last += 1
            columns[spec.key] = last
            missing.append(spec.key)
    context: bytes | None = None
    digests: Mapping[int, bytes] = {}
    skipped: frozenset[int] = frozenset()
    if known is not None:
        context = _context(book, part_bytes(book, "styles"), columns)
        if memo is not None and memo.holds(stored, context):
            digests = memo.digests
            skipped = skip[1] if skip is not None and skip[0] == stored else skipped
        else:
            digests = _digests(raw, store, context)
    read_now: dict[bytes, str | None] = {}
    rows, next_row = _rows(store, columns, values, digests, known or {}, read_now, skipped)
    return TrackerSheet(
        store.skeleton,
        columns,
        tuple(missing),
        rows,
        next_row,
        store,
        values,
        read_now,
        digests,
        context if digests else None,
        stored,
        skipped,
    )


def part_bytes(book: Book, kind: str) -> bytes:
    """A workbook-level part (styles, sharedStrings) as bytes; b"-" when there is none."""
    found = book.part_of_type(kind)
    return book.read(found) if found and book.has(found) else b"-"


def _context(book: Book, styles: bytes, columns: dict[str, int]) -> bytes:
    """What every row's values are read with (shared strings, styles for dates, epoch, columns),
    as the key of every row's digest."""
    context = hashlib.blake2b(READER_VERSION, digest_size=16)
    for part in (part_bytes(book, "sharedStrings"), b"\0", styles, b"\0"):
        context.update(part)
    context.update(repr((book.date1904, sorted(columns.items()))).encode())
    return context.digest()


def _digests(raw: bytes, store: RowStore, key: bytes) -> dict[int, bytes]:
    """A digest per row of its bytes and of what its values are read with (`key`); none when a
    formula is shared across rows (a row's value would then depend on another row)."""
    if b'"shared"' in raw:
        return {}
    blake2b = hashlib.blake2b
    # One keyed hash per row: a 5,000-row sheet is hashed in a few milliseconds.
    return {
        number: blake2b(raw[start:end], digest_size=16, key=key).digest()
        for number, (start, end) in store.spans.items()
    }


def _cells(row: etree._Element | None, values: CellReader) -> dict[int, object]:
    """Values of one <row> by column number (for the header)."""
    found: dict[int, object] = {}
    column = 0
    for cell in row if row is not None else ():
        if cell.tag == _C:
            where = cell.get("r")
            column = column_number(where.rstrip(DIGITS)) if where else column + 1
            found[column] = values.value(cell)
    return found


def _rows(
    store: RowStore,
    columns: dict[str, int],
    values: CellReader,
    digests: Mapping[int, bytes],
    known: Mapping[bytes, str | None],
    read_now: dict[bytes, str | None],
    skipped: frozenset[int] = frozenset(),
) -> tuple[list[SheetRow], int]:
    """Every non-empty row under the header but those `skipped` as canonical values, and the
    first free row number (past skipped rows too).

    Rows read before are taken by digest; the others are parsed together and read cell by cell.
    """
    found: dict[int, SheetRow] = {}
    unread: list[int] = []
    order = tuple(columns)
    width = len(order)
    before_of, digest_of = known.get, digests.get
    for number in sorted(store.spans):
        if number < 2 or number in skipped:
            continue
        # A row without a digest (None) is never known.
        before = before_of(digest_of(number), _UNKNOWN)  # type: ignore[arg-type]
        if before is None:
            continue
        if before is not _UNKNOWN:
            parts = before.split(SEPARATOR)
            # The digest covers the columns, so the parts match them; anything else is read again.
            if len(parts) == width:
                # Lengths just compared: zip's own check would cost 2 ms over 5,000 rows.
                found[number] = SheetRow(number, dict(zip(order, parts, strict=False)))
                continue
        unread.append(number)
    for row in _read_cells(store.read(unread), columns, values, digests, read_now):
        found[row.row] = row
    rows = [found[number] for number in sorted(found)] if unread else list(found.values())
    return rows, max(rows[-1].row if rows else 1, max(skipped, default=1)) + 1


def _read_cells(
    elements: Iterable[tuple[int, etree._Element]],
    columns: dict[str, int],
    values: CellReader,
    digests: Mapping[int, bytes],
    read_now: dict[bytes, str | None],
) -> Iterator[SheetRow]:
    """The non-empty rows among these, read cell by cell, each noted in `read_now` by digest.

    This loop can meet every cell of the sheet, so the common cells (empty, inline text, a
    number or date) are read inline and canonical texts of numbers are cached by (style, digits).
    """
    by_column = {number: key for key, number in columns.items()}
    blank = dict.fromkeys(columns, "")
    width = max(columns.values())
    numbers: dict[tuple[str | None, str], str] = {}
    for number, element in elements:
        digest = digests.get(number)
        row = dict(blank)
        filled = False
        column = 0
        for cell in element:
            where = cell.get("r")
            column = column_number(where.rstrip(DIGITS)) if where else column + 1
            if column > width or cell.tag != _C or not len(cell):
                continue
            first = cell[0]
            tag = first.tag
            text: str | None
            if tag == _V and cell.get("t") in (None, "n") and first.text:
                key = (cell.get("s"), first.text)
                text = numbers.get(key)
                if text is None:
                    text = numbers[key] = canonical(values.value(cell))
            elif tag == _IS and len(first) == 1 and first[0].tag == _T:
                text = first[0].text or ""
            else:
                value = values.value(cell)
                text = None if value is None else canonical(value)
            if text is None:
                continue
            if not filled and text.strip():
                filled = True
            name = by_column.get(column)
            if name is not None:
                row[name] = text
        if not filled:
            if digest is not None:
                read_now[digest] = None
            continue
        if row["ref"]:
            row["ref"] = row["ref"].strip()
        if digest is not None:
            read_now[digest] = SEPARATOR.join(row.values())
        yield SheetRow(number, row)
