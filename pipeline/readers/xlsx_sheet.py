"""Worksheet cells straight from a workbook's XML: the one cell reader both Excel readers share.

Reading the XML directly (not openpyxl) sees every row whatever <dimension> claims, keeps
formulas as their text (never evaluated), reads shared and inline strings alike (LibreOffice
writes one, openpyxl the other), and knows a cell's number format, so real Excel dates become
ISO dates and whole numbers lose their '.0'.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable, Generator
from contextlib import closing
from typing import NamedTuple, TypeVar

from lxml import etree

from pipeline.errors import ReturnRejected
from pipeline.readers.docx_xml import main_part, parser
from pipeline.readers.package import Package

S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Built-in number formats that show dates (ECMA-376 18.8.30).
DATE_FORMATS = set(range(14, 23)) | set(range(45, 48)) | set(range(27, 37)) | set(range(50, 59))
ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
# Far beyond any return; stops a crafted sheet with a cell at XFD1048576 building a huge grid.
MAX_COLUMNS = 200
# Far beyond any return too; bounds the memory of the grids built from a sheet.
MAX_CELLS = 200_000
# Sheets and shared strings up to this size are parsed whole, far cheaper per row than
# streaming (the tree is a few times the size); larger ones are streamed so their tree is
# never held. No sheet this small can hold MAX_CELLS filled cells (the least, <c t="b"/>,
# takes 10 bytes), so that refusal is met only when streaming.
WHOLE_PART_BYTES = 1_000_000
# What the workbook, its relationships and its styles say, by the parts' bytes: returns written
# by one form writer or saved by one Excel share them byte for byte, so a run or the watcher
# parses each once. A part's bytes decide all it says, so a kept answer is the parse's own.
_DATE_STYLES: dict[bytes, frozenset[int]] = {}
_WORKBOOKS: dict[bytes, tuple[dt.datetime, tuple[tuple[str, str, bool], ...]]] = {}
_TARGETS: dict[tuple[str, bytes], dict[str, str]] = {}
STYLES_CACHE_SIZE = 16
STYLES_CACHE_BYTES = 256_000
K = TypeVar("K")
R = TypeVar("R")


def _kept(cache: dict[K, R], key: K, size: int, make: Callable[[], R]) -> R:
    """make(), kept under `key` in a small cache when the part it came from is `size` bytes or less."""
    found = cache.get(key)
    if found is None:
        found = make()
        if size <= STYLES_CACHE_BYTES:
            if len(cache) >= STYLES_CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = found
    return found


# What a cell held besides its text, for the readers' notes.
FORMULA = "formula"  # a formula whose text was kept
CACHED = "cached"  # a formula without text (a shared formula's follower): its value was kept
ERROR = "error"  # an error value such as #N/A


def s(tag: str) -> str:
    """A tag in the spreadsheetml namespace."""
    return f"{{{S_NS}}}{tag}"


# Built once: a sheet's reading looks these up for every cell.
ROW, CELL, MERGE, FORMULA_TAG, VALUE, INLINE, TEXT, PHONETIC, STRING = (
    s(t) for t in ("row", "c", "mergeCell", "f", "v", "is", "t", "rPh", "si")
)
_REF_COLUMNS: dict[str, int] = {}
REF_CACHE_SIZE = 50_000


def column_index(letters: str) -> int:
    """A column's letters as a 0-based index: A -> 0, AA -> 26."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number - 1


def _ref_column(ref: str) -> int:
    """The 0-based column of a cell ref such as B7, or -1 when it is not one."""
    # Forms put the same refs in every return, so a bounded cache skips most regex matches.
    col = _REF_COLUMNS.get(ref)
    if col is None:
        match = CELL_REF.match(ref)
        col = column_index(match.group(1)) if match else -1
        if len(_REF_COLUMNS) < REF_CACHE_SIZE:
            _REF_COLUMNS[ref] = col
    return col


def column_letters(col: int) -> str:
    """A 0-based column index as its letters: 0 -> A, 26 -> AA."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _unescape(text: str) -> str:
    """OOXML's _xHHHH_ escapes back to characters (normalise flags any XML forbids)."""
    if "_x" not in text:
        return text
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _rich_text(element: etree._Element) -> str:
    """Text of a shared or inline string: plain <t> or runs, without phonetic guides."""
    if len(element) == 1:
        first = element[0]
        if first.tag == TEXT:
            # The plain <si><t>...</t></si> nearly every string is: no run handling, and
            # the escape test here, not in a call per string.
            text = first.text or ""
            return _unescape(text) if "_x" in text else text
    parts = [t.text or "" for t in element.iter(TEXT) if t.getparent().tag != PHONETIC]
    return _unescape("".join(parts))


def _date_format(code: str) -> bool:
    cleaned = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return bool(re.search(r"[dy]", cleaned) or re.search(r"m.*[dy]|[dy].*m", cleaned))


def _styles_dates(data: bytes) -> frozenset[int]:
    """Indexes of the cellXfs of a styles part whose number format shows a date."""
    root = etree.fromstring(data, parser())
    codes = {int(f.get("numFmtId") or 0): f.get("formatCode") or "" for f in root.iter(s("numFmt"))}
    dates: set[int] = set()
    xfs = root.find(s("cellXfs"))
    for index, xf in enumerate(xfs if xfs is not None else ()):
        fmt = int(xf.get("numFmtId") or 0)
        if fmt in DATE_FORMATS or (fmt in codes and _date_format(codes[fmt])):
            dates.add(index)
    return frozenset(dates)


def _workbook(data: bytes) -> tuple[dt.datetime, tuple[tuple[str, str, bool], ...]]:
    """A workbook part's date epoch and its sheets as (title, relationship id, hidden)."""
    workbook = etree.fromstring(data, parser())
    props = workbook.find(s("workbookPr"))
    epoch = (
        dt.datetime(1904, 1, 1)
        if props is not None and props.get("date1904") in ("1", "true")
        else dt.datetime(1899, 12, 30)
    )
    sheets = tuple(
        (
            sheet.get("name") or "",
            sheet.get(f"{{{R_NS}}}id") or "",
            sheet.get("state") in ("hidden", "veryHidden"),
        )
        for sheet in workbook.iter(s("sheet"))
    )
    return epoch, sheets


def _relationships(main: str, data: bytes) -> dict[str, str]:
    """The parts the main part's relationships point to, by id and by "type:<kind>" (the first)."""
    base = posixpath.dirname(main)
    out: dict[str, str] = {}
    for rel in etree.fromstring(data, parser()).iter(f"{{{PKG_NS}}}Relationship"):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        out[rel.get("Id") or ""] = posixpath.normpath(path)
        out.setdefault(f"type:{kind}", out[rel.get("Id") or ""])
    return out


class Book:
    """The workbook parts a sheet needs: shared strings, date styles, 1904 flag, sheet paths."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.names = package.names
        self.main = main_part(package)
        data = package.read(self.main)
        self.epoch, sheets = _kept(_WORKBOOKS, data, len(data), lambda: _workbook(data))
        targets = self._targets()
        # (title, part name, hidden) in the workbook's order.
        self.sheets: list[tuple[str, str, bool]] = []
        for title, rid, hidden in sheets:
            target = targets.get(rid)
            if target and target in self.names:
                self.sheets.append((title, target, hidden))
        self.strings = self._strings(targets)
        self.date_styles = self._date_styles(targets)

    def _targets(self) -> dict[str, str]:
        rels = posixpath.join(
            posixpath.dirname(self.main), "_rels", posixpath.basename(self.main) + ".rels"
        )
        if rels not in self.names:
            return {}
        data = self.package.read(rels)
        main = self.main
        return _kept(_TARGETS, (main, data), len(data), lambda: _relationships(main, data))

    def _strings(self, targets: dict[str, str]) -> list[str]:
        name = targets.get("type:sharedStrings")
        if not name or name not in self.names:
            return []
        with closing(_elements(self.package, name, (STRING,))) as elements:
            return [_rich_text(element) for element in elements]

    def _date_styles(self, targets: dict[str, str]) -> frozenset[int]:
        """Indexes of the cell styles whose number format shows a date."""
        name = targets.get("type:styles")
        if not name or name not in self.names:
            return frozenset()
        data = self.package.read(name)
        return _kept(_DATE_STYLES, data, len(data), lambda: _styles_dates(data))

    def sheet_part(self, title: str) -> str | None:
        """The part holding the sheet of this title, or None when the workbook has none."""
        return next((name for t, name, _ in self.sheets if t == title), None)


def _number_text(raw: str) -> str:
    """A stored number as a person typed it: 3.0 -> "3", 1.1 -> "1.1", 1.1000000000000001 -> "1.1"."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


class Value(NamedTuple):
    """One cell as read: its text as shown, what else it held (FORMULA/CACHED/ERROR or ""), its ref."""

    text: str
    flag: str
    ref: str


# Builds a Value from a (text, flag, ref) tuple without NamedTuple's Python-level __new__.
_value = tuple.__new__


def _cell(book: Book, element: etree._Element, ref: str, kind: str) -> Value:
    """A <c> element as text: strings resolved, dates as ISO, formulas as their text."""
    formula = value = inline = None
    if len(element) == 1:
        # Nearly every filled cell has one child (its <v> or <is>): indexing it is far
        # cheaper than a loop, whose iterator lxml builds per cell; its tag read once.
        child = element[0]
        tag = child.tag
        if tag == INLINE:
            inline = child
        elif tag == VALUE:
            value = child
        elif tag == FORMULA_TAG:
            formula = child
    else:
        for child in element:
            tag = child.tag
            if tag == VALUE:
                value = child
            elif tag == FORMULA_TAG:
                formula = child
            elif tag == INLINE:
                inline = child
    if formula is not None and formula.text:
        return _value(Value, ("=" + formula.text, FORMULA, ref))
    flag = CACHED if formula is not None else ""
    # Most frequent first: openpyxl writes inline strings, Excel and LibreOffice shared ones.
    if kind == "inlineStr":
        return _value(Value, (_rich_text(inline) if inline is not None else "", flag, ref))
    raw = value.text or "" if value is not None else ""
    if kind == "s":
        index = int(raw) if raw.isdigit() else -1
        text = book.strings[index] if 0 <= index < len(book.strings) else ""
    elif kind == "str":
        text = _unescape(raw)
    elif kind == "b":
        text = "TRUE" if raw in ("1", "true") else "FALSE"
    elif kind == "e":
        text, flag = raw, ERROR
    elif kind == "d":
        text = raw[:10]
    else:
        text = _number(book, raw, int(element.get("s") or 0))
    return _value(Value, (text, flag, ref))


def _number(book: Book, raw: str, style: int) -> str:
    if not raw:
        return ""
    if style in book.date_styles:
        try:
            moment = book.epoch + dt.timedelta(days=float(raw))
        except (ValueError, OverflowError):
            return raw
        return moment.date().isoformat()
    return _number_text(raw)


Rows = dict[int, dict[int, Value]]
Merge = tuple[int, int, int, int]


def read_sheet(book: Book, name: str, title: str) -> tuple[Rows, list[Merge]]:
    """Every row of a sheet part, however many its <dimension> claims, and its merged ranges.

    Rows map row number -> 0-based column -> Value, in document order; a cell is kept when it
    shows text or held a formula or an error.
    """
    rows: Rows = {}
    merges: list[Merge] = []
    count = 0
    # The highest row number kept so far, which a row without its number follows: kept as
    # rows are read, since taking max(rows) at each such row is quadratic in a crafted sheet.
    highest: int | None = None
    # closing(): a refusal or a bad row closes a streamed part at once, not when collected.
    with closing(_elements(book.package, name, (ROW, MERGE))) as elements:
        for element in elements:
            if element.tag == ROW:
                number = int(element.get("r") or ((highest or 0) + 1))
                cells, filled = _row_cells(book, element)
                if cells:
                    rows[number] = cells
                    if highest is None or number > highest:
                        highest = number
                    count += filled
                if count > MAX_CELLS:
                    raise ReturnRejected(
                        f"The sheet {title!r} has more than {MAX_CELLS:,} filled cells, "
                        "far more than any return.",
                        "Ask the agency to send the audit return on its own.",
                    )
            else:
                merges.append(cell_range(element.get("ref") or ""))
    return rows, merges


def _elements(
    package: Package, name: str, tags: tuple[str, ...]
) -> Generator[etree._Element, None, None]:
    """A part's elements of these tags in document order: parsed whole, or streamed when large."""
    if package.getinfo(name).file_size <= WHOLE_PART_BYTES:
        yield from etree.fromstring(package.read(name), parser()).iter(*tags)
        return
    with package.open(name) as fh:
        for _, element in etree.iterparse(fh, tag=tags, resolve_entities=False):
            yield element
            # Each element is emptied once read so a streamed part's memory stays flat.
            element.clear()


def _row_cells(book: Book, element: etree._Element) -> tuple[dict[int, Value], int]:
    """A row's cells by 0-based column, and how many of them show text."""
    cells: dict[int, Value] = {}
    # Whether a cell without text (a bare formula or error) was kept: only then are the
    # cells showing text counted one by one, rather than all of them taken.
    bare = False
    next_col = 0
    for c in element.iter(CELL):
        ref = c.get("r") or ""
        # The cache looked up here first: a call per cell is a tenth of this loop.
        col = _REF_COLUMNS.get(ref)
        if col is None:
            col = _ref_column(ref)
        if col < 0:
            col = next_col
        next_col = col + 1
        kind = c.get("t") or "n"
        # A cell with no children is formatting alone and shows nothing (an empty boolean or
        # error cell still shows FALSE or is noted, so those are read).
        if col >= MAX_COLUMNS or (len(c) == 0 and kind not in ("b", "e")):
            continue
        value = _cell(book, c, ref, kind)
        # Text or flag by index: no attribute lookup per cell.
        if value[0]:
            cells[col] = value
        elif value[1]:
            cells[col] = value
            bare = True
    return cells, sum(1 for v in cells.values() if v[0]) if bare else len(cells)


def cell_range(ref: str) -> Merge:
    """A range such as B2:D4 as (top, left, bottom, right), rows 1-based and columns 0-based."""
    first, _, last = ref.partition(":")
    a, b = CELL_REF.match(first), CELL_REF.match(last or first)
    if not a or not b:
        return (0, 0, -1, -1)
    return int(a.group(2)), column_index(a.group(1)), int(b.group(2)), column_index(b.group(1))
