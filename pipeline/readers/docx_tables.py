"""Word tables, read row by row, into grids of cells; the body's blocks, parsed whole or streamed.

A main part of ordinary size is parsed whole (one call into libxml2, far cheaper than a Python
event per element). A larger one streams past (the documented fallback, which a test shows
agrees): a top-level table's rows are read and freed as soon as each row is parsed, so a huge
table costs the memory of its text, not of its XML tree (which can be ten times its size).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from pipeline.errors import ReturnRejected
from pipeline.readers.docx_xml import (
    BODY,
    CONTAINERS,
    DEL,
    INS,
    SDT,
    TBL,
    TC,
    TR,
    VAL,
    P,
    TextReader,
    child,
    joined_paragraphs,
    mark_deleted,
    parser,
    unwrap,
    w,
)
from pipeline.readers.grid import Cell
from pipeline.readers.package import Package

# Main parts up to this size (returns are tens of kB) are parsed whole: about 15 MB more at
# peak than streaming them (measured on a part packed with tiny paragraphs or cells).
WHOLE_BYTES = 1_000_000
# Far beyond any return (a 33-question form has a few hundred cells); bounds memory.
MAX_CELLS = 50_000
TOO_BIG = f"The file holds more than {MAX_CELLS:,} table cells, far more than any return."
TR_PR, TC_PR, GRID_SPAN, V_MERGE = w("trPr"), w("tcPr"), w("gridSpan"), w("vMerge")
GRID_BEFORE = w("gridBefore")
ROW, CELL = {TR}, {TC}
# What unwrap looks through for a row's cells.
CELL_WRAPPERS = CONTAINERS | {SDT, INS}
# Builds a Cell from a (text, origin, where) tuple without NamedTuple's Python-level __new__.
_cell = tuple.__new__


@dataclass(frozen=True)
class RowData:
    """One table row as read: cells as (text, columns spanned, continues the cell above)."""

    before: int
    cells: tuple[tuple[str, int, bool], ...]
    nested: tuple[TableData, ...] = ()


@dataclass
class TableData:
    """A table's rows as read; `tag` lets it travel with paragraphs through the block walkers."""

    rows: list[RowData] = field(default_factory=list)
    tag: str = TBL


def _int_attr(element: etree._Element | None, default: int) -> int:
    raw = element.get(VAL) if element is not None else None
    return int(raw) if raw and raw.isdigit() else default


def careful_lines(reader: TextReader, tc: etree._Element, nested: list[TableData]) -> list[str]:
    """A cell's lines through content controls, wrappers and deleted marks; tables to `nested`."""
    lines: list[str] = []
    for item in joined_paragraphs(reader, tc):
        if isinstance(item, tuple):
            lines.append(item[0])
        else:
            nested.append(as_table(reader, item))
    return lines


def read_cell(
    reader: TextReader, tc: etree._Element, nested: list[TableData]
) -> tuple[str, int, bool]:
    """One cell as (text, columns spanned, continues the cell above); its tables go to `nested`."""
    # Most cells are properties and a plain paragraph or two: found in one loop, without the
    # generators that look through content controls, wrappers and deleted paragraph marks.
    props = None
    paragraphs: list[etree._Element] = []
    plain = True
    for item in tc:
        tag = item.tag
        if tag == P and not mark_deleted(item):
            paragraphs.append(item)
        elif tag == TC_PR:
            props = item if props is None else props
        # An empty element (a bookmark) holds no blocks, as unwrap would find.
        elif tag == P or len(item):
            plain = False
            break
    if not plain:
        text = "\n".join(careful_lines(reader, tc, nested))
        props = child(tc, TC_PR)
    elif len(paragraphs) == 1:
        text = reader.paragraph(paragraphs[0])
    else:
        text = "\n".join(map(reader.paragraph, paragraphs))
    # Columns spanned and whether it continues the cell above, from the first of each property.
    span = merge = None
    for item in () if props is None else props:
        if item.tag == GRID_SPAN and span is None:
            span = item
        elif item.tag == V_MERGE and merge is None:
            merge = item
    continues = merge is not None and merge.get(VAL, "continue") == "continue"
    span = _int_attr(span, 1)
    counted = reader.features["cells"] = reader.features["cells"] + 1
    if counted > MAX_CELLS:
        raise ReturnRejected(TOO_BIG, "Ask the agency to send the audit return on its own.")
    return text.strip(), span if span > 1 else 1, continues


def read_row(reader: TextReader, tr: etree._Element) -> RowData | None:
    """A row's cells and nested tables; None for a row deleted in tracked changes."""
    props = child(tr, TR_PR)
    if props is not None and child(props, DEL) is not None:
        return None
    cells: list[tuple[str, int, bool]] = []
    nested: list[TableData] = []
    for item in tr:
        tag = item.tag
        if tag == TC:
            cells.append(read_cell(reader, item, nested))
        elif tag in CELL_WRAPPERS:
            # Cells in content controls or custom XML, found as unwrap finds them.
            cells.extend(read_cell(reader, tc, nested) for tc in unwrap((item,), CELL))
    before = _int_attr(child(props, GRID_BEFORE) if props is not None else None, 0)
    return RowData(before, tuple(cells), tuple(nested))


def as_table(reader: TextReader, table: Any) -> TableData:
    """A table block as TableData (streamed tables already are)."""
    if isinstance(table, TableData):
        return table
    data = TableData()
    for tr in unwrap(table, ROW):
        row = read_row(reader, tr)
        if row is not None:
            data.rows.append(row)
    return data


def body_blocks(package: Package, part: str, reader: TextReader) -> Iterator[Any]:
    """The body's top-level blocks in order: a part of ordinary size parsed whole, else streamed."""
    if package.getinfo(part).file_size > WHOLE_BYTES:
        with package.open(part) as stream:
            yield from _streamed(stream, reader)
        return
    for body in etree.fromstring(package.read(part), parser()):
        if body.tag == BODY:
            yield from body


def _streamed(stream: IO[bytes], reader: TextReader) -> Iterator[Any]:
    """The body's top-level blocks one at a time (tables as TableData), each freed once passed."""
    depth = 0
    held: list[etree._Element] = []
    tables: dict[etree._Element, TableData] = {}
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    for event, element in events:
        if event == "start":
            depth += 1
            continue
        depth -= 1
        parent = element.getparent()
        if parent is None:
            continue
        if depth == 3 and element.tag == TR and parent.tag == TBL:
            # This row and any wrapped rows before it are read as `as_table` would, then freed;
            # not later siblings, which the parser may have begun (a chunk runs ahead of events).
            done = parent.index(element) + 1
            tables.setdefault(parent, TableData()).rows.extend(as_table(reader, parent[:done]).rows)
            del parent[:done]
        elif depth == 2 and parent.tag == BODY:
            if element.tag == TBL:
                data = tables.pop(element, TableData())
                data.rows.extend(as_table(reader, element).rows)
                yield data
            else:
                yield element
            held.append(element)
            if len(held) > 2:
                old = held.pop(0)
                old.clear()
                while old.getprevious() is not None:
                    del parent[0]


def table_grid(table: TableData, number: int) -> list[list[Cell]]:
    """A table as a grid: merged cells (gridSpan, vMerge) repeat their text at every position."""
    grid: list[list[Cell]] = []
    above: dict[int, Cell] = {}
    for r_index, data in enumerate(table.rows):
        where, prefix = f"table {number} row {r_index + 1}", f"t{number}r{r_index}"
        # The rare cases (cells skipped before the row, spans, short rows) are tested for first:
        # building their comprehensions and ranges for every row and cell would cost more.
        row = (
            [_cell(Cell, ("", f"{prefix}b{i}", where)) for i in range(data.before)]
            if data.before
            else []
        )
        for text, span, continues in data.cells:
            col = len(row)
            if continues and col in above:
                cell = above[col]
            else:
                cell = _cell(Cell, (text, f"{prefix}c{col}", where))
            if span == 1:
                row.append(cell)
                above[col] = cell
                continue
            for offset in range(span):
                row.append(cell)
                above[col + offset] = cell
        grid.append(row)
    width = max(map(len, grid), default=0)
    for r_index, row in enumerate(grid):
        if len(row) < width:
            row.extend(Cell("", f"t{number}r{r_index}p{i}") for i in range(len(row), width))
    return grid
