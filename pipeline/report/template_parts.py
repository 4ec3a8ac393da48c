"""Building blocks of the report template: paragraphs, looped tables, grids and keys (python-docx)."""

from __future__ import annotations

from typing import Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

from pipeline.report.template_styles import no_borders, table

NONE_YET = "No returns have been received yet."


def para(document: Any, text: str = "", style: str = "Normal", *, page_break: bool = False) -> Any:
    """A paragraph of fixed wording and tags in one style."""
    paragraph = document.add_paragraph(text, style=document.styles[style])
    if page_break:
        paragraph.paragraph_format.page_break_before = True
    return paragraph


def fill(cell: Any, text: str, style: str, document: Any, *, keep: bool = False) -> None:
    """Put fixed text or tags in a table cell, in one style, centred vertically."""
    paragraph = cell.paragraphs[0]
    paragraph.style = document.styles[style]
    paragraph.add_run(text)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def loop_table(
    document: Any,
    headers: list[str],
    body: list[str],
    widths: list[float],
    loop: str,
    *,
    keep: bool = False,
) -> Any:
    """A table with a header row and one body row repeated by `{%tr for loop %}`.

    `keep` holds a short table together and with the chart after it (no spacer paragraph).
    """
    grid = table(document, widths, rows=4)
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        fill(cell, text, "Table Heading", document, keep=keep)
    fill(grid.rows[1].cells[0], f"{{%tr for {loop} %}}", "Table Text", document)
    for cell, text in zip(grid.rows[2].cells, body, strict=True):
        fill(cell, text, "Table Text", document, keep=keep)
    fill(grid.rows[3].cells[0], "{%tr endfor %}", "Table Text", document)
    if not keep:
        para(document, "", "Note")
    return grid


def grid_table(
    document: Any,
    first: list[tuple[str, str, float]],
    columns: str,
    cells: str,
    rows: str,
    cell_width: float,
) -> None:
    """A grid whose columns repeat with `{%tc for %}`: fixed first columns, then one coloured cell per column.

    `first` gives (heading, body, width) of the fixed columns; `columns` loops over the column
    headings (`col`), `rows` over the rows (`row`), `cells` over a row's cells (`cell`).
    """
    widths = [w for _, _, w in first] + [0.4, cell_width, 0.4]
    grid = table(document, widths, rows=4)
    headers = [h for h, _, _ in first] + [
        f"{{%tc for col in {columns} %}}",
        "{{ col.id }}",
        "{%tc endfor %}",
    ]
    body = [b for _, b, _ in first] + [
        f"{{%tc for cell in {cells} %}}",
        "{% cellbg cell.fill %}{{ cell.text }}",
        "{%tc endfor %}",
    ]
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        fill(cell, text, "Table Heading", document)
    fill(grid.rows[1].cells[0], f"{{%tr for row in {rows} %}}", "Table Text", document)
    for index, (cell, text) in enumerate(zip(grid.rows[2].cells, body, strict=True)):
        fill(cell, text, "Grid Cell" if index >= len(first) else "Table Text", document)
    fill(grid.rows[3].cells[0], "{%tr endfor %}", "Table Text", document)
    para(document, "", "Note")


def key_table(document: Any, key: str) -> None:
    """A one-row key of the colours and abbreviations used in a grid."""
    grid = table(document, [0.4, 3.0, 0.4], rows=1, header=False)
    no_borders(grid)
    texts = [
        f"{{%tc for k in {key} %}}",
        "{% cellbg k.fill %}{{ k.abbr }}  {{ k.label }}",
        "{%tc endfor %}",
    ]
    for cell, text in zip(grid.rows[0].cells, texts, strict=True):
        fill(cell, text, "Grid Cell", document)
    para(document, "", "Note")


def answers(d: Any, items: str) -> None:
    """Each answer of a list under the name of the agency that wrote it."""
    para(d, f"{{%p for a in {items} %}}")
    para(d, "{{ a.source }}", "Answer Source")
    para(d, "{{ a.text }}", "Answer Text")
    para(d, "{%p endfor %}")


def none_yet(d: Any, none: str) -> None:
    """A paragraph saying there is nothing to show, or that no returns have come in yet."""
    para(d, f"{{% if summary.has_returns %}}{none}{{% else %}}{NONE_YET}{{% endif %}}")


def table_or_none(
    d: Any, items: str, columns: list[tuple[str, str, float]], loop: str, none: str
) -> None:
    """A table of `items` (one row each), or a sentence saying there are none."""
    para(d, f"{{%p if {items} %}}")
    loop_table(
        d, [h for h, _, _ in columns], [b for _, b, _ in columns], [w for _, _, w in columns], loop
    )
    para(d, "{%p else %}")
    none_yet(d, none)
    para(d, "{%p endif %}")
