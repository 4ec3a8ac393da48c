"""WordprocessingML helpers: child lookups agree with lxml's find on every element of real returns."""

from __future__ import annotations

import zipfile

from lxml import etree

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
    P,
    TextReader,
    child,
    descendant,
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


def corpus_roots() -> list[etree._Element]:
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
    for root in corpus_roots():
        for p in root.iter(P):
            assert reader.paragraph(p) == walker._walked(p)
            paragraphs += 1
            structured += next(p.iter(FLD_CHAR, SDT, w("hyperlink"), w("ins")), None) is not None
    assert reader.features == walker.features and reader.features["legacy-fields"] > 5
    assert paragraphs - structured > 200 and structured > 10
