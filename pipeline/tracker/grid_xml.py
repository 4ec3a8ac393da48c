"""A small worksheet writer for the sheets qap rebuilds: cells, widths, heights, panes, print setup.

It writes SpreadsheetML directly (text as inline strings, never a formula), with styles taken
from the tracker's own styles.xml through styles_xml.Styles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from pipeline.tracker.cells import clean_text, needs_quote_prefix
from pipeline.tracker.sheet_read import column_letters
from pipeline.tracker.styles_xml import Look, Styles

NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
A3, A4 = 8, 9
FOOTER = "&amp;C&amp;A - page &amp;P of &amp;N"


@dataclass
class Grid:
    """One generated worksheet: cells by row and column, and how it is viewed and printed."""

    name: str
    styles: Styles
    cells: dict[int, dict[int, tuple[str | int, int]]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None
    filter_ref: str | None = None
    title_rows: tuple[int, int] | None = None
    fit_height: int = 0
    paper: int = A4
    drawing_rid: str | None = None
    # Rows already written as XML, below every row in `cells`, and the last row and column they
    # reach: long plain sheets (the Log) are written row by row without a cell dict each.
    rows_xml: list[str] = field(default_factory=list)
    rows_reach: tuple[int, int] = (0, 0)
    # Rows as XML bytes, below those: the last Log's rows moved down, kept as bytes end to end
    # (decoding and encoding again a megabyte costs more than the rows' own renumbering).
    rows_bytes: bytes = b""
    # Each look's style index as the stylesheet gave it: cells take a few looks hundreds of times.
    style_of: dict[Look, int] = field(default_factory=dict, repr=False)

    def put(self, row: int, column: int, value: str | int, look: Look) -> None:
        """A number, or text cleaned for Excel and never readable as a formula."""
        if isinstance(value, str):
            value, _ = clean_text(value)
            if value and needs_quote_prefix(value):
                look = look.but(quote=True)
        style = self.style_of.get(look)
        if style is None:
            style = self.style_of[look] = self.styles.look(look)
        self.cells.setdefault(row, {})[column] = (value, style)

    def put_text_rows(self, first: int, rows: Iterable[Sequence[str]], look: Look) -> None:
        """Rows of text from column A down from row `first`, all in one look, written straight
        to XML exactly as put() and to_xml() would write them (cleaned, quote-prefixed when
        needed, styles added to the stylesheet in the same order)."""
        styles: dict[bool, int] = {}

        def after_reference(text: str) -> str:
            """A cell's XML after its reference's row number: style, type, value, end."""
            value, _ = clean_text(text)
            quote = bool(value) and needs_quote_prefix(value)
            style = styles.get(quote)
            if style is None:
                style = styles[quote] = self.styles.look(look.but(quote=True) if quote else look)
            return f'" s="{style}"{_tail(value)}'

        # A row is its number joined between fixed pieces: the row tag's start, then per cell
        # what follows the number up to the next cell's number (or the row's end). Those
        # pieces are kept per column and distinct text (a log repeats refs, columns, changes and
        # file names thousands of times), so most rows take no Python step per cell.
        by_text: dict[str, str] = {}
        links: dict[int, list[_Links]] = {}
        number, right = first - 1, 0
        out = self.rows_xml
        for number, values in enumerate(rows, start=first):
            count = len(values)
            row = links.get(count)
            if row is None:
                row = links[count] = _row_links(count, by_text, after_reference)
            if count:
                pieces = ['<row r="', '"><c r="A', *map(_Links.__getitem__, row, values)]
                out.append(str(number).join(pieces))
            else:
                out.append(f'<row r="{number}"></row>')
            right = max(right, count)
        self.rows_reach = (max(self.rows_reach[0], number), max(self.rows_reach[1], right))

    def defined_names(self) -> list[tuple[str, str, bool]]:
        """(name, value, hidden) of the workbook names this sheet needs: print titles, filter."""
        sheet = "'" + self.name.replace("'", "''") + "'"
        names = []
        if self.filter_ref:
            first, last = self.filter_ref.split(":")
            names.append(
                ("_xlnm._FilterDatabase", f"{sheet}!{_absolute(first)}:{_absolute(last)}", True)
            )
        if self.title_rows:
            top, bottom = self.title_rows
            names.append(("_xlnm.Print_Titles", f"{sheet}!${top}:${bottom}", False))
        return names

    def to_xml(self) -> bytes:
        """The worksheet part."""
        bottom = max(max(self.cells, default=1), self.rows_reach[0])
        right = max(
            max((max(row) for row in self.cells.values() if row), default=1), self.rows_reach[1]
        )
        out = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
            f"<worksheet {NS}>",
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
            f'<dimension ref="A1:{column_letters(right)}{bottom}"/>',
            f'<sheetViews><sheetView workbookViewId="0">{self._pane()}</sheetView></sheetViews>',
            '<sheetFormatPr defaultRowHeight="15"/>',
        ]
        if self.widths:
            out.append("<cols>")
            out.extend(
                f'<col min="{n}" max="{n}" width="{w:g}" customWidth="1"/>'
                for n, w in sorted(self.widths.items())
            )
            out.append("</cols>")
        out.append("<sheetData>")
        letters = {column: column_letters(column) for column in range(1, right + 1)}
        for number in sorted(set(self.cells) | set(self.heights)):
            height = self.heights.get(number)
            size = f' ht="{height:g}" customHeight="1"' if height else ""
            out.append(f'<row r="{number}"{size}>')
            for column, (value, style) in sorted(self.cells.get(number, {}).items()):
                out.append(_cell(f"{letters[column]}{number}", value, style))
            out.append("</row>")
        out.extend(self.rows_xml)
        head = "".join(out).encode("utf-8")
        out = ["</sheetData>"]
        if self.filter_ref:
            out.append(f'<autoFilter ref="{self.filter_ref}"/>')
        out.append(
            '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.5" footer="0.5"/>'
            f'<pageSetup paperSize="{self.paper}" orientation="landscape" fitToWidth="1" '
            f'fitToHeight="{self.fit_height}"/>'
            f"<headerFooter><oddFooter>{FOOTER}</oddFooter></headerFooter>"
        )
        if self.drawing_rid:
            out.append(f'<drawing r:id="{self.drawing_rid}"/>')
        out.append("</worksheet>")
        return b"".join((head, self.rows_bytes, "".join(out).encode("utf-8")))

    def _pane(self) -> str:
        if not self.freeze:
            return '<selection activeCell="A1" sqref="A1"/>'
        columns, rows = self.freeze
        corner = f"{column_letters(columns + 1)}{rows + 1}"
        pane = "bottomRight" if columns and rows else ("bottomLeft" if rows else "topRight")
        split = (f' xSplit="{columns}"' if columns else "") + (f' ySplit="{rows}"' if rows else "")
        return (
            f'<pane{split} topLeftCell="{corner}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{corner}" sqref="{corner}"/>'
        )


class _Links(dict[str, str]):
    """Per distinct text, a cell's XML after its row number, then the next cell's reference up
    to its row number (or the row's end), made on first use."""

    def __init__(self, after: str, by_text: dict[str, str], make: Callable[[str], str]) -> None:
        super().__init__()
        self.after, self.by_text, self.make = after, by_text, make

    def __missing__(self, text: str) -> str:
        cell = self.by_text.get(text)
        if cell is None:
            cell = self.by_text[text] = self.make(text)
        link = self[text] = cell + self.after
        return link


def _row_links(count: int, by_text: dict[str, str], make: Callable[[str], str]) -> list[_Links]:
    """The links of a row of `count` cells, column by column."""
    afters = [f'<c r="{column_letters(column)}' for column in range(2, count + 1)] + ["</row>"]
    return [_Links(after, by_text, make) for after in afters]


def _cell(ref: str, value: str | int, style: int) -> str:
    return f'<c r="{ref}" s="{style}"{_tail(value)}'


def _tail(value: str | int) -> str:
    """A cell's XML after its reference and style: its type and value, and its end."""
    if isinstance(value, int):
        return f"><v>{value}</v></c>"
    if value == "":
        return "/>"
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


def _absolute(ref: str) -> str:
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters) :]}"
