"""Word content controls (w:sdt) for qap's forms: text, drop-down list and date picker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.forms.fields import (
    CHOICE_PLACEHOLDER,
    DATE_PLACEHOLDER,
    NUMBER_PLACEHOLDER,
    TEXT_PLACEHOLDER,
    WORD_DATE_FORMAT,
)

PLACEHOLDER_COLOUR = "6E6E6E"
ANSWER_SIZE_HALF_POINTS = "20"


def _el(tag: str, **attrs: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _sub(parent: Any, tag: str, **attrs: str) -> Any:
    element = _el(tag, **attrs)
    parent.append(element)
    return element


class ControlFactory:
    """Makes content controls with ids unique within one document."""

    def __init__(self) -> None:
        # Word wants a distinct w:id per control; start high to stay clear of other ids.
        self._next_id = 710000
        self.tags: list[str] = []

    def _properties(self, tag: str, alias: str) -> tuple[Any, Any]:
        sdt = _el("w:sdt")
        pr = _sub(sdt, "w:sdtPr")
        rpr = _sub(pr, "w:rPr")
        _sub(rpr, "w:sz", val=ANSWER_SIZE_HALF_POINTS)
        _sub(pr, "w:alias", val=alias[:60])
        _sub(pr, "w:tag", val=tag)
        self.tags.append(tag)
        self._next_id += 1
        _sub(pr, "w:id", val=str(self._next_id))
        # The control cannot be deleted by accident; its content stays editable.
        _sub(pr, "w:lock", val="sdtLocked")
        _sub(pr, "w:showingPlcHdr")
        return sdt, pr

    @staticmethod
    def _content(sdt: Any, placeholder: str) -> None:
        content = _sub(sdt, "w:sdtContent")
        run = _sub(content, "w:r")
        rpr = _sub(run, "w:rPr")
        _sub(rpr, "w:color", val=PLACEHOLDER_COLOUR)
        _sub(rpr, "w:sz", val=ANSWER_SIZE_HALF_POINTS)
        text = _sub(run, "w:t")
        text.text = placeholder

    def text(self, tag: str, alias: str, *, number: bool = False) -> Any:
        """A plain-text control; Enter makes a new line inside it."""
        sdt, pr = self._properties(tag, alias)
        _sub(pr, "w:text", multiLine="1")
        self._content(sdt, NUMBER_PLACEHOLDER if number else TEXT_PLACEHOLDER)
        return sdt

    def drop_down(self, tag: str, alias: str, options: Sequence[str]) -> Any:
        """A drop-down list offering exactly `options`."""
        sdt, pr = self._properties(tag, alias)
        listing = _sub(pr, "w:dropDownList")
        for option in options:
            _sub(listing, "w:listItem", displayText=option, value=option)
        self._content(sdt, CHOICE_PLACEHOLDER)
        return sdt

    def date(self, tag: str, alias: str) -> Any:
        """A date picker showing dates as dd/MM/yyyy."""
        sdt, pr = self._properties(tag, alias)
        date = _sub(pr, "w:date")
        _sub(date, "w:dateFormat", val=WORD_DATE_FORMAT)
        _sub(date, "w:lid", val="en-GB")
        _sub(date, "w:storeMappedDataAs", val="dateTime")
        _sub(date, "w:calendar", val="gregorian")
        self._content(sdt, DATE_PLACEHOLDER)
        return sdt

    def for_type(self, tag: str, alias: str, qtype: str, options: Sequence[str]) -> Any:
        """The control that fits a question type."""
        if options:
            return self.drop_down(tag, alias, options)
        if qtype == "date":
            return self.date(tag, alias)
        return self.text(tag, alias, number=qtype == "number")


def shade_cell(cell: Any, fill: str) -> None:
    """Fill a table cell with a solid colour (hex RRGGBB)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    after = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")
    tc_pr.insert_element_before(_el("w:shd", val="clear", color="auto", fill=fill), *after)


# Word rejects a file whose table properties are out of schema order, so new ones go before
# whichever of these follow them.
_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")
_AFTER_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def set_cell_margins(table: Any, top: int, side: int) -> None:
    """Inner cell padding of a whole table, in twentieths of a point."""
    tbl_pr = table._tbl.tblPr
    margins = _el("w:tblCellMar")
    for edge, width in (("top", top), ("left", side), ("bottom", top), ("right", side)):
        _sub(margins, f"w:{edge}", w=str(width), type="dxa")
    tbl_pr.insert_element_before(margins, *_AFTER_MARGINS)


def set_table_borders(table: Any, colour: str, size: int = 4) -> None:
    """Thin single borders of one colour around and inside a table."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    borders = _el("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _sub(borders, f"w:{edge}", val="single", sz=str(size), space="0", color=colour)
    tbl_pr.insert_element_before(borders, *_AFTER_BORDERS)


def repeat_header(row: Any) -> None:
    """Repeat a table's first row at the top of each page it runs onto."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:tblHeader"))


def keep_row_together(row: Any) -> None:
    """Stop a table row from splitting across pages."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))


def add_field(paragraph: Any, instruction: str, size_half_points: str = "16") -> None:
    """A simple field such as PAGE or NUMPAGES, with a placeholder result."""
    field = _el("w:fldSimple", instr=instruction)
    run = _sub(field, "w:r")
    rpr = _sub(run, "w:rPr")
    _sub(rpr, "w:color", val="595959")
    _sub(rpr, "w:sz", val=size_half_points)
    text = _sub(run, "w:t")
    text.text = "1"
    paragraph._p.append(field)


def drop_theme_fonts(style_element: Any) -> None:
    """Remove theme font references from a style, which would otherwise override its font name."""
    rpr = style_element.find(qn("w:rPr"))
    fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
    if fonts is None:
        return
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)


def keep_table_together(table: Any) -> None:
    """Keep every row of a short table on one page with the paragraph after it."""
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
