"""qap's cell writes patched into the Tracker sheet's XML: only the rows it changes or adds.

Text is always an inline string (t="inlineStr"), with a quote-prefix style when Excel would
otherwise take it for a formula on editing; dates are serial numbers with a date style. No
<f> and no t="e" is ever written, so no answer can become a formula or an error value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from lxml import etree

from pipeline.text import wrap
from pipeline.tracker.book import M
from pipeline.tracker.cells import canonical, needs_quote_prefix
from pipeline.tracker.columns import DATE_KEYS
from pipeline.tracker.records import CellWrite, SheetRow
from pipeline.tracker.sheet_read import (
    DIGITS,
    CellReader,
    TrackerSheet,
    column_letters,
    column_number,
)
from pipeline.tracker.styles_xml import Look, Styles, date_styles

DATE_FORMAT = "dd/mm/yyyy"
HEADER_FILL = "1F3864"
HEADER_LOOK = Look(
    bold=True, colour="FFFFFF", fill=HEADER_FILL, horizontal="center", vertical="center", wrap=True
)
# Column width openpyxl assumes for a column with no <col> entry.
DEFAULT_WIDTH = 13.0
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
VALUE_TAGS = (f"{M}f", f"{M}v", f"{M}is")
_CELL = f"{M}c"
_F = f"{M}f"
_RANGE = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def body_look(key: str) -> Look:
    """qap's style for a cell of a new row when the row above has none to copy."""
    centred = key in DATE_KEYS or key in ("rag", "ref")
    return Look(
        border=True,
        wrap=True,
        vertical="top",
        horizontal="center" if centred else "left",
        number_format=DATE_FORMAT if key in DATE_KEYS else "General",
    )


class SheetPatch:
    """Edits to one parsed Tracker sheet, tracking which rows were touched."""

    def __init__(self, sheet: TrackerSheet, styles: Styles) -> None:
        self.sheet = sheet
        self.styles = styles
        self.reader: CellReader = sheet.reader
        self.touched: set[int] = set()
        self.written: set[tuple[int, int]] = set()
        # Per row: the cells cell() can find, by column (see _findable).
        self._findable: dict[int, dict[int, etree._Element]] = {}
        # Rows whose findable cells are all their cells (see _findable), kept so by cell().
        self._whole: set[int] = set()
        # Per touched row: its cells and their values by column, read once for row heights and
        # the check alike; a row's entry goes whenever cell() may change the row.
        self._read: dict[int, tuple[dict[int, etree._Element], dict[int, object]]] = {}
        self._dates: tuple[frozenset[int], frozenset[int]] | None = None
        # The date styles the sheet was read with, once they are replaced (row heights use them).
        self._read_dates: frozenset[int] | None = None

    def row(self, number: int) -> etree._Element:
        """The <row> with this number, created when the sheet has none."""
        found = self.sheet.elements.get(number)
        if found is not None:
            return found
        row = etree.Element(f"{M}row", nsmap=self.sheet.elements.namespaces, r=str(number))
        self.sheet.elements[number] = row
        return row

    def cell(self, number: int, column: int, create: bool = True) -> etree._Element | None:
        """The <c> at a row and column, created in column order when missing (if `create`)."""
        row = self.row(number) if create else self.sheet.elements.get(number)
        if row is None:
            return None
        if create:
            self._read.pop(number, None)
        findable = self._findable.get(number)
        if findable is None:
            findable, whole = _findable(row)
            if findable is not None:
                self._findable[number] = findable
                if whole:
                    self._whole.add(number)
        if findable is not None:
            found = findable.get(column)
            if found is not None or not create:
                return found
        position = 0
        # No cell is right of the largest findable column: a column beyond it goes after every
        # cell, which are counted without reading their references (a new row's case).
        after_all = findable is not None and (not findable or column > max(findable))
        for cell in row:
            if cell.tag != _CELL:
                break
            if not after_all:
                where = cell.get("r")
                at = column_number(where.rstrip(DIGITS)) if where else position + 1
                if at == column:
                    return cell
                if at > column:
                    break
            position += 1
        if not create:
            return None
        cell = etree.SubElement(row, f"{M}c", r=f"{column_letters(column)}{number}")
        row.insert(position, cell)
        row.attrib.pop("spans", None)  # an optional hint that may no longer hold
        if findable is not None:
            # Cells before it are to its left and those after to its right: the others stay
            # as findable as they were.
            findable[column] = cell
        return cell

    def cells_of(self, number: int) -> dict[int, etree._Element]:
        """The <c> elements of a row by column number."""
        if number in self._whole:
            return dict(self._findable[number])
        found: dict[int, etree._Element] = {}
        column = 0
        row = self.sheet.elements.get(number)
        for cell in row if row is not None else ():
            if cell.tag == f"{M}c":
                where = cell.get("r")
                column = column_number(where.rstrip(DIGITS)) if where else column + 1
                found[column] = cell
        return found

    def style_of(self, cell: etree._Element | None) -> int:
        """The cellXfs index of a cell (0 when it has none)."""
        return int(cell.get("s") or 0) if cell is not None else 0

    def header(self, column: int, text: str) -> None:
        """A header cell for a column qap had to add."""
        cell = self.cell(1, column)
        assert cell is not None
        _put_text(cell, text)
        cell.set("s", str(self.styles.look(HEADER_LOOK)))

    def new_rows(self, numbers: Iterable[int]) -> None:
        """Style appended rows like the row above (the group's formatting) or as qap's own."""
        for number in sorted(numbers):
            self.touched.add(number)
            for key, column in self.sheet.columns.items():
                above = self.style_of(self.cell(number - 1, column, create=False))
                cell = self.cell(number, column)
                assert cell is not None
                if number > 2 and self.styles.has_style(above):
                    style = self.styles.derive(above, None, False)
                else:
                    style = self.styles.look(body_look(key))
                cell.set("s", str(style))

    def write_all(self, writes: Sequence[CellWrite]) -> None:
        """Each value written (see write), the rows they change parsed in one go."""
        self.sheet.elements.parse(write.row for write in writes)
        for write in writes:
            self.write(write)

    def write(self, write: CellWrite) -> None:
        """One value: a date as a date, anything else as text that cannot become a formula."""
        column = self.sheet.columns[write.key]
        cell = self.cell(write.row, column)
        assert cell is not None
        self.touched.add(write.row)
        self.written.add((write.row, column))
        style = self.style_of(cell)
        value = write.value
        if value == "":
            _clear(cell)
            return
        if write.key in DATE_KEYS:
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                day = None  # a target typed as words ("end of March") stays text
            if day is not None:
                _clear(cell)
                number = etree.SubElement(cell, f"{M}v")
                number.text = _serial(day, self.reader.date1904)
                cell.insert(0, number)
                cell.set("s", str(self.styles.derive(style, DATE_FORMAT, False)))
                return
        _put_text(cell, value)
        keep = write.key in DATE_KEYS or self.styles.format_code(style) == "@"
        style = self.styles.derive(style, None if keep else "General", needs_quote_prefix(value))
        cell.set("s", str(style))

    def fit_heights(self, widths: dict[int, float]) -> None:
        """Rows whose text grew are made taller, never shorter than the group left them."""
        self._look_up_dates()
        assert self._read_dates is not None
        # Lines per (text, width): agencies, owners and often actions repeat from row to row.
        counted: dict[tuple[str, int], int] = {}
        # A width unit holds about 1.1 characters of the body font; wrapping is by words.
        per_line = {
            column: max(1, int((widths.get(column, DEFAULT_WIDTH) or 10) * 1.1))
            for column in self.sheet.columns.values()
        }
        for number in self.touched:
            row = self.sheet.elements[number]
            cells, values = self._values_of(number)
            lines = 1
            for column, width in per_line.items():
                value = values.get(column)
                # The only text a number cell reads as is an overflowing date's "#VALUE!".
                if (
                    not value
                    or not isinstance(value, str)
                    or (value == "#VALUE!" and _numeric(cells[column], self._read_dates))
                ):
                    continue
                key = (value, width)
                count = counted.get(key)
                if count is None:
                    count = counted[key] = sum(_lines(part, width) for part in value.split("\n"))
                lines = max(lines, count)
            height = min(409, 15 * lines + 2)
            current = row.get("ht")
            if current is None or float(current) < height:
                row.set("ht", f"{height:g}")
                row.set("customHeight", "1")

    def finish(self, last_row: int) -> None:
        """Stretch the group's filter over appended rows and make <dimension> cover every row."""
        last_column = max(self.sheet.columns.values())
        bottom = max(self.sheet.elements, default=1)
        dimension = self.sheet.root.find(f"{M}dimension")
        if dimension is None:
            dimension = etree.Element(f"{M}dimension")
            pr = self.sheet.root.find(f"{M}sheetPr")
            if pr is not None:
                pr.addnext(dimension)
            else:
                self.sheet.root.insert(0, dimension)
        old = _RANGE.match(dimension.get("ref", ""))
        if old and old.group(3):
            last_column = max(last_column, column_number(old.group(3)))
        dimension.set("ref", f"A1:{column_letters(last_column)}{bottom}")
        extend_filter(self.sheet.root, last_row)

    def _look_up_dates(self) -> None:
        # Styles qap added can make a cell a date: values read before are kept only while the
        # date styles stay as they were.
        dates = date_styles(self.styles.root)
        if dates != self._dates:
            if self._read_dates is None:
                self._read_dates = self.reader.dates
            self._dates = dates
            self.reader.dates, self.reader.durations = dates
            self._read.clear()

    def _values_of(self, number: int) -> tuple[dict[int, etree._Element], dict[int, object]]:
        """A row's cells and the values they read as (with the date styles last looked up)."""
        found = self._read.get(number)
        if found is None:
            cells = self.cells_of(number)
            value = self.reader.value
            found = (
                cells,
                {column: value(cells.get(column)) for column in self.sheet.columns.values()},
            )
            self._read[number] = found
        return found

    @property
    def checked(self) -> dict[int, tuple[dict[int, etree._Element], dict[int, object]]]:
        """Rows read since the date styles were last looked up: their cells and values."""
        return self._read

    def to_bytes(self) -> bytes:
        """The patched sheet part."""
        return self.sheet.elements.to_bytes()

    def check(self, rows: Iterable[SheetRow]) -> list[int]:
        """Rows qap touched whose cells do not read back as the merged values."""
        self._look_up_dates()
        wrong = []
        for row in rows:
            if row.row not in self.touched:
                continue
            cells, values = self._values_of(row.row)
            for key, column in self.sheet.columns.items():
                if canonical(values.get(column)) != row.get(key) or (
                    (row.row, column) in self.written
                    and (cell := cells.get(column)) is not None
                    and _unsafe(cell)
                ):
                    wrong.append(row.row)
                    break
        return wrong


def extend_filter(root: etree._Element, last_row: int) -> None:
    """Stretch the sheet's filter (kept as the group left it) over rows qap appended."""
    auto = root.find(f"{M}autoFilter")
    found = _RANGE.match(auto.get("ref", "")) if auto is not None else None
    if auto is None or found is None:
        return
    first_col, first_row, last_col, bottom = found.groups()
    if bottom is not None and int(bottom) >= last_row:
        return
    auto.set("ref", f"{first_col}{first_row}:{last_col or first_col}{last_row}")


def column_widths(root: etree._Element) -> dict[int, float]:
    """Width of each column from <cols>, by column number."""
    widths: dict[int, float] = {}
    for col in root.iterfind(f"{M}cols/{M}col"):
        width = float(col.get("width") or DEFAULT_WIDTH)
        for number in range(int(col.get("min", "1")), min(int(col.get("max", "1")), 16_384) + 1):
            widths[number] = width
    return widths


def _findable(row: etree._Element) -> tuple[dict[int, etree._Element] | None, bool]:
    """The cells SheetPatch.cell's scan finds, by column: those to the right of every cell
    before them (the first of equals), up to the first child that is not a cell; None when a
    cell has no reference, since its column is then its position, which an insert moves. And
    whether they are all the row's cells, each in its own column (then they are what
    SheetPatch.cells_of would find, and cell() inserts keep them so)."""
    found: dict[int, etree._Element] = {}
    right = 0
    whole = True
    for cell in row:
        if cell.tag != _CELL:
            whole = False
            break
        where = cell.get("r")
        if not where:
            return None, False
        at = column_number(where.rstrip(DIGITS))
        if at > right:
            found[at] = cell
            right = at
        else:
            whole = False
    return found, whole


def _lines(text: str, width: int) -> int:
    """Lines textwrap wraps one paragraph into (at least one); short text is one line."""
    # Only tabs grow when textwrap expands whitespace; any shorter text fits on one line.
    if len(text) <= width and "\t" not in text:
        return 1
    return len(wrap(text, width)) or 1


def _numeric(cell: etree._Element, dates: frozenset[int]) -> bool:
    # A date-styled number too big for a date reads as "#VALUE!"; row heights have always
    # counted that as text only when its style was a date's as the sheet was read.
    return (
        cell[0].tag == f"{M}v"
        and cell.get("t") in (None, "n")
        and int(cell.get("s") or 0) not in dates
    )


def _unsafe(cell: etree._Element) -> bool:
    # A cell has a child or two: looking at them beats an ElementPath search.
    return cell.get("t") == "e" or any(child.tag == _F for child in cell)


def _clear(cell: etree._Element) -> None:
    for child in list(cell):
        if child.tag in VALUE_TAGS:
            cell.remove(child)
    for name in ("t", "cm", "vm"):
        cell.attrib.pop(name, None)


def _put_text(cell: etree._Element, text: str) -> None:
    _clear(cell)
    cell.set("t", "inlineStr")
    inline = etree.SubElement(cell, f"{M}is")
    node = etree.SubElement(inline, f"{M}t")
    node.text = text
    if text != text.strip() or "\n" in text:
        node.set(XML_SPACE, "preserve")
    cell.insert(0, inline)


def _serial(day: dt.date, date1904: bool) -> str:
    base = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    serial = (day - base).days
    if not date1904 and day < dt.date(1900, 3, 1):
        serial -= 1  # Excel's 1900 calendar counts a 29 February 1900 that never was
    return str(serial)
