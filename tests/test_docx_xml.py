"""WordprocessingML helpers: child lookups agree with lxml's find on every element of real returns."""

from __future__ import annotations

import zipfile

from lxml import etree

from pipeline.readers.docx_xml import (
    DEL,
    OUTLINE,
    P_PR,
    P_STYLE,
    R_PR,
    SDT_CONTENT,
    SDT_PR,
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
