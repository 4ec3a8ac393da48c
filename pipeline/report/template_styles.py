"""Styles, page set-up and running header/footer of the default report template (python-docx).

Everything a coordinator may want to restyle is a named Word style, so a change in Word's
Styles pane reaches every place it is used; code only sets the starting look.
"""

from __future__ import annotations

from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

FONT = "Arial"
NAVY = RGBColor(0x1F, 0x38, 0x64)
TEAL = RGBColor(0x2E, 0x5C, 0x8A)
GREY = RGBColor(0x59, 0x59, 0x59)
RED = RGBColor(0xB0, 0x24, 0x18)
TEXT_WIDTH_CM = 17.0
TABLE_STYLE = "QAP Table"

# (name, base, size pt, bold, italic, colour, space before, space after, extra)
_PARAGRAPH_STYLES: list[
    tuple[str, str | None, float, bool, bool, RGBColor | None, float, float, dict[str, Any]]
] = [
    ("Normal", None, 10.5, False, False, RGBColor(0x26, 0x26, 0x26), 0, 6, {"line": 1.15}),
    ("Title", "Normal", 28, True, False, NAVY, 6, 12, {}),
    ("Subtitle", "Normal", 14, False, False, TEAL, 0, 6, {}),
    ("Heading 1", "Normal", 16, True, False, NAVY, 18, 8, {"keep": True, "rule": True}),
    ("Heading 2", "Normal", 13, True, False, NAVY, 14, 6, {"keep": True}),
    ("Heading 3", "Normal", 10.5, True, False, TEAL, 12, 4, {"keep": True}),
    ("Caption", "Normal", 8.5, False, True, GREY, 2, 12, {}),
    ("TOC Heading", "Normal", 16, True, False, NAVY, 0, 18, {}),
    ("TOC 1", "Normal", 10.5, True, False, None, 8, 2, {"toc": 0}),
    ("TOC 2", "Normal", 10, False, False, None, 0, 2, {"toc": 0.6}),
    ("Cover Partnership", "Normal", 14, True, False, NAVY, 0, 4, {"caps": True}),
    ("Cover Group", "Normal", 11, False, False, GREY, 0, 60, {}),
    ("Cover Draft", "Normal", 18, True, False, RED, 36, 12, {"box": "B02418"}),
    ("Cover Detail", "Normal", 11, False, False, None, 0, 6, {}),
    ("Cover Marking", "Normal", 14, True, False, RED, 120, 6, {}),
    ("Cover Note", "Normal", 9, False, False, GREY, 0, 0, {}),
    ("Marking", "Normal", 9, True, False, RED, 0, 0, {"center": True}),
    ("Running Footer", "Normal", 8, False, False, GREY, 0, 0, {"tab": TEXT_WIDTH_CM}),
    ("Note", "Normal", 9, False, True, GREY, 0, 6, {}),
    ("Answer Source", "Normal", 9.5, True, False, NAVY, 8, 2, {"keep": True}),
    ("Answer Text", "Normal", 10, False, False, None, 0, 8, {"indent": 0.4, "bar": "9FB4D6"}),
    ("Figure", "Normal", 10, False, False, None, 6, 0, {"keep": True, "center": True}),
    ("Table Text", "Normal", 9, False, False, None, 1, 1, {"line": 1.0}),
    ("Table Heading", "Normal", 9, True, False, RGBColor(0xFF, 0xFF, 0xFF), 1, 1, {"line": 1.0}),
    ("Key Figure", "Normal", 22, True, False, NAVY, 4, 0, {"center": True, "line": 1.0}),
    ("Key Label", "Normal", 9, False, False, GREY, 0, 4, {"center": True, "line": 1.0}),
    ("Grid Cell", "Normal", 8, True, False, None, 1, 1, {"center": True, "line": 1.0}),
]

_TABLE_STYLE_XML = f"""
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="QAPTable">
  <w:name w:val="{TABLE_STYLE}"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="40"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="18"/></w:rPr>
  <w:tblPr>
    <w:tblStyleRowBandSize w:val="1"/>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="1F3864"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="1F3864"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="D9D9D9"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>
      <w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band2Horz">
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F2F5FA"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


def setup_page(document: Any) -> None:
    """A4 portrait with 2 cm margins."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)


def setup_styles(document: Any) -> None:
    """Create or restyle every paragraph style the template uses, and the table style."""
    styles = document.styles
    for name, base, size, bold, italic, colour, before, after, extra in _PARAGRAPH_STYLES:
        try:
            style = styles[name]
        except KeyError:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if base:
            style.base_style = styles[base]
        font = style.font
        font.name, font.size, font.bold, font.italic = FONT, Pt(size), bold, italic
        font.color.rgb = colour
        font.all_caps = bool(extra.get("caps"))
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(qn(attr), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            rfonts.attrib.pop(qn(theme), None)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        fmt.line_spacing = extra.get("line", 1.15)
        fmt.keep_with_next = bool(extra.get("keep"))
        if extra.get("center"):
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if "indent" in extra:
            fmt.left_indent = Cm(extra["indent"])
        if "toc" in extra:
            fmt.left_indent = Cm(extra["toc"])
            fmt.tab_stops.add_tab_stop(
                Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
            )
        if "tab" in extra:
            fmt.tab_stops.add_tab_stop(Cm(extra["tab"]), WD_TAB_ALIGNMENT.RIGHT)
        if extra.get("rule"):
            _border(style.element, "bottom", "1F3864", 6, space=4)
        if "bar" in extra:
            _border(style.element, "left", extra["bar"], 18, space=8)
        if "box" in extra:
            for side in ("top", "left", "bottom", "right"):
                _border(style.element, side, extra["box"], 12, space=6)
    styles.element.append(parse_xml(_TABLE_STYLE_XML))


def _border(style_element: Any, side: str, colour: str, size: int, space: int) -> None:
    ppr = style_element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        insert_in_order(ppr, borders, _AFTER_PBDR)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), str(space))
    edge.set(qn("w:color"), colour)
    borders.append(edge)


# Children of w:pPr and w:tblPr that the schema puts after the element being inserted; Word
# refuses to open a file whose properties are out of order.
_AFTER_PBDR = (
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)
_AFTER_TBLBORDERS = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")


def insert_in_order(parent: Any, child: Any, later: tuple[str, ...]) -> None:
    """Insert `child` before the first existing sibling the schema puts after it."""
    tags = {qn(f"w:{name}") for name in later}
    for index, existing in enumerate(parent):
        if existing.tag in tags:
            parent.insert(index, child)
            return
    parent.append(child)


def field(paragraph: Any, instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice work out when they lay out the page."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def setup_running_heads(document: Any) -> None:
    """The protective marking at the top and bottom of every page, and the draft's name and page number."""
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.style = document.styles["Marking"]
    header.add_run("{{ report.marking }}")
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Running Footer"]
    footer.add_run(
        "{{ partnership.short_name }} · {{ audit.title }} · {{ report.version_label }}\tPage "
    )
    field(footer, "PAGE", "1")
    footer.add_run(" of ")
    field(footer, "NUMPAGES", "1")
    marking = section.footer.add_paragraph(style=document.styles["Marking"])
    marking.add_run("{{ report.marking }}")


def table(document: Any, widths_cm: list[float], rows: int = 2, *, header: bool = True) -> Any:
    """A table in the house style, with fixed column widths and a header row repeated on each page."""
    grid = document.add_table(rows=rows, cols=len(widths_cm))
    grid.style = document.styles[TABLE_STYLE]
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    grid.autofit = False
    look = grid._tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        grid._tbl.tblPr.append(look)
    for attr, value in (
        ("firstRow", "1" if header else "0"),
        ("lastRow", "0"),
        ("firstColumn", "0"),
        ("lastColumn", "0"),
        ("noHBand", "0"),
        ("noVBand", "1"),
        ("val", "0420"),
    ):
        look.set(qn(f"w:{attr}"), value)
    for row in grid.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)
    for col, width in zip(grid.columns, widths_cm, strict=True):
        col.width = Cm(width)
    for index, row in enumerate(grid.rows):
        trpr = row._tr.get_or_add_trPr()
        # A row is never split over two pages; the header row repeats on each page.
        trpr.append(OxmlElement("w:cantSplit"))
        if header and index == 0:
            trpr.append(OxmlElement("w:tblHeader"))
    return grid


def shade(cell: Any, fill: str) -> None:
    """Give a table cell a fixed background colour."""
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def no_borders(grid: Any) -> None:
    """Remove a table's borders (layout tables such as the key figures)."""
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    insert_in_order(grid._tbl.tblPr, borders, _AFTER_TBLBORDERS)
