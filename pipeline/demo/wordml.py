"""WordprocessingML pieces agencies' own Word returns are made of: legacy form fields, content
controls, tracked changes, plain tables. Used by `qap demo` and the reader corpus tests.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
)


def add_xml(paragraph: Paragraph, fragment: str) -> None:
    """Append raw WordprocessingML (runs, fields, content controls, revisions) to a paragraph."""
    holder = etree.fromstring(f"<w:root {NS}>{fragment}</w:root>")
    target = paragraph._p
    for child in list(holder):
        target.append(child)


def run(text: str) -> str:
    """A plain run of text."""
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def legacy_checkbox(checked: bool, label: str) -> str:
    """A Word 97-2003 check box form field followed by its label."""
    state = "<w:checked/>" if checked else ""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check"/><w:enabled/>'
        f'<w:checkBox><w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox></w:ffData>'
        '</w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText>'
        f'</w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>{run(" " + label + "  ")}'
    )


def legacy_dropdown(entries: list[str], chosen: int) -> str:
    """A Word 97-2003 drop-down form field with entry `chosen` selected."""
    items = "".join(f"<w:listEntry w:val={quoteattr(e)}/>" for e in entries)
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Drop"/><w:enabled/>'
        f'<w:ddList><w:result w:val="{chosen}"/>{items}</w:ddList></w:ffData></w:fldChar></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FORMDROPDOWN </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def legacy_text(*pieces: str) -> str:
    """A Word 97-2003 text form field whose result is typed in several runs."""
    result = "".join(run(piece) for piece in pieces)
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text"/><w:enabled/>'
        "<w:textInput/></w:ffData></w:fldChar></w:r>"
        '<w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{result}'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def sdt_checkbox(checked: bool, label: str) -> str:
    """A content-control check box (Word 2010 and later) followed by its label."""
    glyph = "☒" if checked else "☐"
    return (
        f'<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(checked)}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr>'
        f"<w:sdtContent>{run(glyph)}</w:sdtContent></w:sdt>{run(' ' + label + ' ')}"
    )


def sdt_dropdown(options: list[str], shown: str) -> str:
    """A content-control drop-down list showing `shown`."""
    items = "".join(
        f"<w:listItem w:displayText={quoteattr(o)} w:value={quoteattr(o)}/>" for o in options
    )
    return (
        f"<w:sdt><w:sdtPr><w:dropDownList>{items}</w:dropDownList></w:sdtPr>"
        f"<w:sdtContent>{run(shown)}</w:sdtContent></w:sdt>"
    )


def sdt_date(iso: str, shown: str) -> str:
    """A content-control date picker holding the ISO date `iso`, shown as `shown`."""
    return (
        f'<w:sdt><w:sdtPr><w:date w:fullDate="{iso}T00:00:00Z"><w:dateFormat w:val="dd/MM/yyyy"/>'
        f"</w:date></w:sdtPr><w:sdtContent>{run(shown)}</w:sdtContent></w:sdt>"
    )


def sdt_placeholder(text: str = "Click or tap here to enter text.") -> str:
    """A content control still showing its placeholder (never filled in)."""
    return (
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr>"
        f"<w:sdtContent>{run(text)}</w:sdtContent></w:sdt>"
    )


def inserted(text: str) -> str:
    """Text inserted with Track Changes on."""
    return f'<w:ins w:id="1" w:author="Reviewer" w:date="2027-01-05T10:00:00Z">{run(text)}</w:ins>'


def deleted(text: str) -> str:
    """Text deleted with Track Changes on."""
    return (
        '<w:del w:id="2" w:author="Reviewer" w:date="2027-01-05T10:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>'
    )


def table(document: Document, header: list[str], rows: list[list[str]]) -> Table:
    """A bordered table with a header row and text rows."""
    grid = document.add_table(rows=1 + len(rows), cols=len(header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, header, strict=True):
        cell.text = text
    for row, values in zip(grid.rows[1:], rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    return grid


def banner(grid: Table, row_index: int, text: str) -> None:
    """Merge a whole row into one section banner cell."""
    row = grid.rows[row_index]
    merged = row.cells[0].merge(row.cells[-1])
    merged.text = text


def document_with_title(title: str) -> Document:
    """A new Word document whose first paragraph is `title` in the Title style."""
    document = docx.Document()
    document.add_paragraph(title, style="Title")
    return document
