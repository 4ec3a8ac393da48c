"""The generic Excel reader: every visible sheet read straight from its XML as a grid of cells.

Reading the XML directly (not openpyxl) sees every row whatever <dimension> claims, keeps
formulas as their text (never evaluated), reads shared and inline strings alike (LibreOffice
writes one, openpyxl the other), and knows a cell's number format, so real Excel dates become
ISO dates and ids typed as numbers (1.1, and 1.10 stored as 1.1) become ids again.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import re
from pathlib import Path

from lxml import etree

from pipeline.errors import ReturnRejected
from pipeline.model import RawReturn
from pipeline.readers.docx_xml import main_part, parser
from pipeline.readers.grid import Cell, Findings, Layout, interpret_grid
from pipeline.readers.package import Package, open_package
from pipeline.readers.vocab import case_heading, qid_of

log = logging.getLogger(__name__)

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


def s(tag: str) -> str:
    """A tag in the spreadsheetml namespace."""
    return f"{{{S_NS}}}{tag}"


def _column(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number - 1


def _letters(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _unescape(text: str) -> str:
    """OOXML's _xHHHH_ escapes back to characters (normalise flags any XML forbids)."""
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _rich_text(element: etree._Element) -> str:
    """Text of a shared or inline string: plain <t> or runs, without phonetic guides."""
    parts = [t.text or "" for t in element.iter(s("t")) if t.getparent().tag != s("rPh")]
    return _unescape("".join(parts))


def _date_format(code: str) -> bool:
    cleaned = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return bool(re.search(r"[dy]", cleaned) or re.search(r"m.*[dy]|[dy].*m", cleaned))


class _Book:
    """The workbook parts a sheet needs: shared strings, date styles, 1904 flag, sheet paths."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.names = package.names
        self.main = main_part(package)
        workbook = etree.fromstring(package.read(self.main), parser())
        props = workbook.find(s("workbookPr"))
        self.epoch = (
            dt.datetime(1904, 1, 1)
            if props is not None and props.get("date1904") in ("1", "true")
            else dt.datetime(1899, 12, 30)
        )
        targets = self._targets()
        self.sheets: list[tuple[str, str, bool]] = []
        for sheet in workbook.iter(s("sheet")):
            target = targets.get(sheet.get(f"{{{R_NS}}}id") or "")
            hidden = sheet.get("state") in ("hidden", "veryHidden")
            if target and target in self.names:
                self.sheets.append((sheet.get("name") or "", target, hidden))
        self.strings = self._strings(targets)
        self.date_styles = self._date_styles(targets)

    def _part(self, target: str) -> str:
        base = posixpath.dirname(self.main)
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        return posixpath.normpath(path)

    def _targets(self) -> dict[str, str]:
        rels = posixpath.join(
            posixpath.dirname(self.main), "_rels", posixpath.basename(self.main) + ".rels"
        )
        out: dict[str, str] = {}
        if rels in self.names:
            root = etree.fromstring(self.package.read(rels), parser())
            for rel in root.iter(f"{{{PKG_NS}}}Relationship"):
                kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
                out[rel.get("Id") or ""] = self._part(rel.get("Target") or "")
                out.setdefault(f"type:{kind}", out[rel.get("Id") or ""])
        return out

    def _strings(self, targets: dict[str, str]) -> list[str]:
        name = targets.get("type:sharedStrings")
        if not name or name not in self.names:
            return []
        with self.package.open(name) as fh:
            strings = []
            for _, element in etree.iterparse(fh, tag=s("si"), resolve_entities=False):
                strings.append(_rich_text(element))
                element.clear()
            return strings

    def _date_styles(self, targets: dict[str, str]) -> set[int]:
        """Indexes of the cell styles whose number format shows a date."""
        name = targets.get("type:styles")
        if not name or name not in self.names:
            return set()
        root = etree.fromstring(self.package.read(name), parser())
        codes = {
            int(f.get("numFmtId") or 0): f.get("formatCode") or "" for f in root.iter(s("numFmt"))
        }
        dates: set[int] = set()
        xfs = root.find(s("cellXfs"))
        for index, xf in enumerate(xfs if xfs is not None else ()):
            fmt = int(xf.get("numFmtId") or 0)
            if fmt in DATE_FORMATS or (fmt in codes and _date_format(codes[fmt])):
                dates.add(index)
        return dates


def _number_text(raw: str) -> str:
    """A stored number as a person typed it: 3.0 -> "3", 1.1 -> "1.1", 1.1000000000000001 -> "1.1"."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


class _SheetReader:
    """One sheet's cells into a grid, with notes on formulas and errors."""

    def __init__(self, book: _Book, title: str, found: Findings) -> None:
        self.book = book
        self.title = title
        self.found = found
        self.count = 0

    def cell(self, element: etree._Element) -> str:
        ref = element.get("r") or ""
        kind = element.get("t") or "n"
        formula = element.find(s("f"))
        value = element.find(s("v"))
        raw = value.text or "" if value is not None else ""
        if formula is not None and formula.text:
            self.found.notes.append(f"cell {self.title}!{ref} held a formula; its text was kept")
            return "=" + formula.text
        if formula is not None:
            self.found.notes.append(f"cell {self.title}!{ref} held a formula; its value was kept")
        if kind == "s":
            index = int(raw) if raw.isdigit() else -1
            return self.book.strings[index] if 0 <= index < len(self.book.strings) else ""
        if kind == "inlineStr":
            inline = element.find(s("is"))
            return _rich_text(inline) if inline is not None else ""
        if kind == "str":
            return _unescape(raw)
        if kind == "b":
            return "TRUE" if raw in ("1", "true") else "FALSE"
        if kind == "e":
            self.found.notes.append(f"cell {self.title}!{ref} showed the error {raw}")
            return raw
        if kind == "d":
            return raw[:10]
        return self._number(raw, int(element.get("s") or 0))

    def _number(self, raw: str, style: int) -> str:
        if not raw:
            return ""
        if style in self.book.date_styles:
            try:
                moment = self.book.epoch + dt.timedelta(days=float(raw))
            except (ValueError, OverflowError):
                return raw
            return moment.date().isoformat()
        return _number_text(raw)

    def grid(self, name: str) -> list[list[Cell]]:
        """Every row of the sheet, however many its <dimension> claims, as a grid."""
        rows: dict[int, dict[int, str]] = {}
        merges: list[tuple[int, int, int, int]] = []
        with self.book.package.open(name) as fh:
            for _, element in etree.iterparse(fh, resolve_entities=False):
                if element.tag == s("row"):
                    self._row(element, rows)
                    element.clear()
                elif element.tag == s("mergeCell"):
                    merges.append(_range(element.get("ref") or ""))
        return self._assemble(rows, merges)

    def _row(self, element: etree._Element, rows: dict[int, dict[int, str]]) -> None:
        number = int(element.get("r") or (max(rows, default=0) + 1))
        cells: dict[int, str] = {}
        next_col = 0
        for c in element.iter(s("c")):
            match = CELL_REF.match(c.get("r") or "")
            col = _column(match.group(1)) if match else next_col
            next_col = col + 1
            if col >= MAX_COLUMNS:
                continue
            text = self.cell(c)
            if text:
                cells[col] = text
                self.count += 1
        if cells:
            rows[number] = cells
        if self.count > MAX_CELLS:
            raise ReturnRejected(
                f"The sheet {self.title!r} has more than {MAX_CELLS:,} filled cells, "
                "far more than any return.",
                "Ask the agency to send the audit return on its own.",
            )

    def _assemble(
        self, rows: dict[int, dict[int, str]], merges: list[tuple[int, int, int, int]]
    ) -> list[list[Cell]]:
        if not rows:
            return []
        width = min(max(max(r) for r in rows.values()) + 1, MAX_COLUMNS)
        origin: dict[tuple[int, int], tuple[int, int]] = {}
        for top, left, bottom, right in merges:
            if (bottom - top + 1) * (right - left + 1) > 10_000:
                continue
            for r in range(top, bottom + 1):
                for c in range(left, min(right, width - 1) + 1):
                    origin[(r, c)] = (top, left)
        grid: list[list[Cell]] = []
        for number in sorted(rows):
            row: list[Cell] = []
            for col in range(width):
                top, left = origin.get((number, col), (number, col))
                text = rows.get(top, {}).get(left, "")
                ref = f"{self.title}!{_letters(left)}{top}"
                row.append(Cell(text, ref, ref))
            grid.append(row)
        _repair_ids(grid)
        return grid


def _range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    a, b = CELL_REF.match(first), CELL_REF.match(last or first)
    if not a or not b:
        return (0, 0, -1, -1)
    return int(a.group(2)), _column(a.group(1)), int(b.group(2)), _column(b.group(1))


def _repair_ids(grid: list[list[Cell]]) -> None:
    """1.10 typed into a number cell is stored (and shown) as 1.1: after 1.9 in a column, read 1.10.

    The number format cannot tell them apart (a "0.00" column shows 1.1 as 1.10 too), so the
    column's own sequence decides.
    """
    last: dict[int, tuple[str, int]] = {}
    for row in grid:
        for col, cell in enumerate(row):
            qid = qid_of(cell.text) if cell.text[:1].isdigit() else None
            if qid is None or qid.count(".") != 1:
                continue
            major, minor = qid.split(".")
            previous = last.get(col)
            if (
                previous
                and previous[0] == major
                and len(minor) == 1
                and 9 <= previous[1] < int(minor) * 10
            ):
                minor += "0"
                row[col] = Cell(f"{major}.{minor}", cell.origin, cell.where)
            last[col] = (major, int(minor))


def read_xlsx_return(source: Path | Package) -> RawReturn:
    """Everything an Excel return says, from every visible sheet; call after the pre-check."""
    found = Findings()
    with open_package(source) as package:
        book = _Book(package)
        for title, name, hidden in book.sheets:
            if hidden:
                found.notes.append(f"hidden sheet {title!r} was not read")
                continue
            heading = case_heading(title)
            found.case_context = heading[0] if heading else None
            reader = _SheetReader(book, title, found)
            interpret_grid(reader.grid(name), found, Layout())
    name = package.path.name
    log.info("read %s as an Excel return (%d sheets)", name, len(book.sheets))
    return found.build(name, "xlsx", "spreadsheet")
