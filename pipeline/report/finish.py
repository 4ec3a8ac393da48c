"""Touches applied to a rendered report: the contents list, image descriptions, fields and properties."""

from __future__ import annotations

from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

CONTENTS_LEVELS = {"Heading 1": "TOC 1", "Heading 2": "TOC 2"}
# Tag names worked out once: a long report has thousands of paragraphs and table cells.
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PPR, _PSTYLE, _VAL = qn("w:pPr"), qn("w:pStyle"), qn("w:val")
_TR, _TC, _GRID, _GRID_SPAN = qn("w:tr"), qn("w:tc"), qn("w:tblGrid"), f".//{qn('w:gridSpan')}"
_TC_W, _W, _TYPE = f"{qn('w:tcPr')}/{qn('w:tcW')}", qn("w:w"), qn("w:type")


def finish(document: Any, context: dict[str, Any], alts: dict[str, str], marker: str) -> None:
    """Fill the contents list, describe the charts, ask Word to update fields, set the properties."""
    _contents(document, marker)
    _fit_tables(document)
    for inline in document.element.body.iter(qn("wp:inline")):
        picture = next(inline.iter(qn("pic:cNvPr")), None)
        doc_pr = inline.find(qn("wp:docPr"))
        if picture is None or doc_pr is None:
            continue
        alt = alts.get(picture.get("name", ""))
        if alt:
            # Screen readers read docPr's description; the chart's figures are in the table too.
            doc_pr.set("descr", alt)
            picture.set("descr", alt)
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        # Word then recomputes the contents' page numbers on opening; LibreOffice does so anyway.
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)
    props = document.core_properties
    props.title = f"{context['audit']['title']} – {context['report']['version_label']}"
    props.subject = f"{context['partnership']['name']}: draft multi-agency audit report"
    props.keywords = context["report"]["marking"]
    props.comments = context["report"]["basis"]


def _fit_tables(document: Any) -> None:
    """Give each table a column grid matching its widest row, shrunk to the text width if needed.

    Columns repeated by {%tc for %} leave docxtpl's grid out of step with the cells, and Word
    and LibreOffice then draw columns of random widths.
    """
    section = document.sections[-1]
    limit = int((section.page_width - section.left_margin - section.right_margin) / 635)
    for tbl in document.element.body.iter(qn("w:tbl")):
        rows = tbl.findall(_TR)
        if not rows or tbl.find(_GRID_SPAN) is not None:
            continue
        cells = [row.findall(_TC) for row in rows]
        widths = [_cell_width(tc) for tc in max(cells, key=len)]
        if not widths or None in widths:
            continue
        total = sum(w for w in widths if w)
        scale = min(1.0, limit / total) if total else 1.0
        fitted = [int((w or 0) * scale) for w in widths]
        grid = tbl.find(_GRID)
        if grid is None:
            continue
        for col in list(grid):
            grid.remove(col)
        for width in fitted:
            col = OxmlElement("w:gridCol")
            col.set(_W, str(width))
            grid.append(col)
        texts = [str(width) for width in fitted]
        for row_cells in cells:
            if len(row_cells) == len(texts):
                for cell, text in zip(row_cells, texts, strict=True):
                    cell.find(_TC_W).set(_W, text)


def _cell_width(cell: Any) -> int | None:
    width = cell.find(_TC_W)
    if width is None or width.get(_TYPE, "dxa") != "dxa":
        return None
    return int(width.get(_W, "0"))


def _run(paragraph: Any, text: str = "") -> Any:
    run = OxmlElement("w:r")
    if text:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        run.append(t)
    paragraph.append(run)
    return run


def _field_char(paragraph: Any, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    _run(paragraph).append(char)


def _page_ref(paragraph: Any, bookmark: str) -> None:
    """A PAGEREF field: Word and LibreOffice put the heading's page number here when laying out."""
    _field_char(paragraph, "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" PAGEREF {bookmark} \\h "
    _run(paragraph).append(instr)
    _field_char(paragraph, "separate")
    _run(paragraph, " ")
    _field_char(paragraph, "end")


def _heading_levels(body: Any, names: dict[str, str]) -> dict[Any, str]:
    """The contents level of each heading paragraph of the body (those document.paragraphs lists).

    Only headings are visited (a long report has thousands of paragraphs); as in python-docx,
    a paragraph's style is the first pStyle of its first pPr.
    """
    from lxml import etree

    wanted = {sid: CONTENTS_LEVELS[name] for sid, name in names.items() if name in CONTENTS_LEVELS}
    if not wanted:
        return {}
    ids = {f"s{n}": sid for n, sid in enumerate(wanted)}
    test = " or ".join(f"@w:val = ${name}" for name in ids)
    find = etree.XPath(f"w:p[w:pPr[1]/w:pStyle[1][{test}]]", namespaces={"w": _W_NS})
    return {p: wanted[p.find(_PPR).find(_PSTYLE).get(_VAL)] for p in find(body, **ids)}


def _contents(document: Any, marker: str) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    paragraphs = document.paragraphs
    holder = next((p for p in paragraphs if marker in p.text), None)
    if holder is None:
        return
    after = paragraphs[paragraphs.index(holder) + 1 :]
    # Style names by id, read once: asking each paragraph for its style is slow on long reports.
    names = {s.style_id: s.name for s in document.styles}
    styles = set(names.values())
    # Each entry style resolved once: python-docx scans every style for the default on each lookup.
    style_ids: dict[str, str | None] = {}

    levels = _heading_levels(document.element.body, names)

    def level(paragraph: Any) -> str:
        return levels.get(paragraph._p, "")

    def style_id(toc: str) -> str | None:
        if toc not in style_ids:
            style = document.styles[toc] if toc in styles else holder.style
            style_ids[toc] = document.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        return style_ids[toc]

    for number, paragraph in enumerate(p for p in after if level(p) and p.text.strip()):
        name = f"_Toc_qap_{number:04d}"
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(9000 + number))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(9000 + number))
        p_pr = paragraph._p.pPr
        index = 0 if p_pr is None else list(paragraph._p).index(p_pr) + 1
        paragraph._p.insert(index, start)
        paragraph._p.append(end)
        entry = holder.insert_paragraph_before()
        entry._p.style = style_id(level(paragraph))
        _run(entry._p, paragraph.text.strip())
        tab = OxmlElement("w:tab")
        _run(entry._p).append(tab)
        _page_ref(entry._p, name)
    holder._p.getparent().remove(holder._p)
