"""WordprocessingML helpers: child lookups agree with lxml's find on every element of real returns."""

from __future__ import annotations

import zipfile

from lxml import etree

from pipeline.readers.docx_tables import cell_lines
from pipeline.readers.docx_xml import (
    DEL,
    FLD_CHAR,
    OUTLINE,
    P_PR,
    P_STYLE,
    R_PR,
    SDT,
    SDT_CONTENT,
    SDT_PR,
    TC,
    P,
    TextReader,
    child,
    descendant,
    joined_paragraphs,
    w,
)
from tests.corpus import built_corpus

TAGS = (P_PR, SDT_PR, SDT_CONTENT, w("tcPr"), w("trPr"), w("gridSpan"), w("vMerge"), w("t"))
PATHS = ((P_PR, R_PR, DEL), (P_PR, P_STYLE), (P_PR, OUTLINE), (w("tcPr"), w("vMerge")))


def test_child_and_descendant_find_what_find_finds() -> None:
    checked = 0
    found = 0
    for item in built_corpus().values():
        if item.path.suffix != ".docx":
            continue
        with zipfile.ZipFile(item.path) as package:
            root = etree.fromstring(package.read("word/document.xml"))
        for element in root.iter():
            for tag in TAGS:
                assert child(element, tag) is element.find(tag)
                found += child(element, tag) is not None
            for path in PATHS:
                assert descendant(element, *path) is element.find("/".join(path))
            checked += 1
    assert checked > 1000 and found > 100


def test_descendant_looks_past_a_first_branch_without_the_path() -> None:
    # Two pPr (as a damaged file might have): the style is under the second one.
    xml = (
        f'<w:p xmlns:w="{w("")[1:-1]}"><w:pPr><w:jc w:val="left"/></w:pPr>'
        '<w:pPr><w:pStyle w:val="Heading2"/></w:pPr></w:p>'
    )
    p = etree.fromstring(xml)
    style = descendant(p, P_PR, P_STYLE)
    assert style is not None and style is p.find(f"{P_PR}/{P_STYLE}")
    assert style.get(w("val")) == "Heading2"


def _corpus_roots() -> list[etree._Element]:
    roots = []
    for item in built_corpus().values():
        if item.path.suffix == ".docx":
            with zipfile.ZipFile(item.path) as package:
                roots.append(etree.fromstring(package.read("word/document.xml")))
    return roots


def test_plain_paragraphs_read_as_the_careful_walk_reads_them() -> None:
    # paragraph() reads plain runs in one loop and walks the rest: both must give the same text
    # and count the same form features.
    reader, walker = TextReader(), TextReader()
    paragraphs = structured = 0
    for root in _corpus_roots():
        for p in root.iter(P):
            assert reader.paragraph(p) == walker._walked(p)
            paragraphs += 1
            structured += next(p.iter(FLD_CHAR, SDT, w("hyperlink"), w("ins")), None) is not None
    assert reader.features == walker.features and reader.features["legacy-fields"] > 5
    assert paragraphs - structured > 200 and structured > 10


# Cells only the careful walk reads: a paragraph in a content control, a deleted paragraph
# mark joining two paragraphs, custom XML, a nested table; and a bookmark that both pass over.
CELLS = (
    "<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Yes</w:t></w:r></w:p></w:sdtContent></w:sdt>",
    '<w:p><w:pPr><w:rPr><w:del w:id="1" w:author="A"/></w:rPr></w:pPr><w:r><w:t>Par</w:t></w:r>'
    "</w:p><w:p><w:r><w:t>tly</w:t></w:r></w:p>",
    '<w:customXml w:element="a"><w:p><w:r><w:t>No</w:t></w:r></w:p></w:customXml>',
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>In</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/>",
    '<w:bookmarkStart w:id="0" w:name="a"/><w:p><w:r><w:t>Kept</w:t></w:r></w:p>',
)


def _crafted_cells() -> etree._Element:
    cells = "".join(f"<w:tc><w:tcPr/>{cell}</w:tc>" for cell in CELLS)
    return etree.fromstring(f'<w:tr xmlns:w="{w("")[1:-1]}">{cells}</w:tr>')


def test_cells_of_plain_paragraphs_read_as_joined_paragraphs_reads_them() -> None:
    reader = TextReader()
    quick = careful = 0
    for root in [*_corpus_roots(), _crafted_cells()]:
        for tc in root.iter(TC):
            lines = cell_lines(reader, tc)
            joined = [item[0] for item in joined_paragraphs(reader, tc) if isinstance(item, tuple)]
            if lines is None:
                careful += 1
            else:
                quick += 1
                assert lines == joined
    assert quick > 150 and careful == len(CELLS) - 1
