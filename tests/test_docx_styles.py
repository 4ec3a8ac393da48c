"""Heading levels from styles.xml: cutting out the styles asked about agrees with parsing it whole."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from pipeline.readers.docx_styles import StyleLevels, _Cut, all_levels
from pipeline.readers.package import open_package
from tests.corpus import built_corpus
from tests.hostile import rewrite_zip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _styles(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read("word/styles.xml")


def _word_document(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("A return", style="Title")
    document.add_paragraph("Case 1", style="Heading 2")
    document.save(str(path))
    return path


def _asked(data: bytes) -> list[str]:
    """Every id a paragraph could name: each style's own, plus some no style has."""
    from lxml import etree

    root = etree.fromstring(data)
    ids = [s.get(f"{{{W_NS}}}styleId") or "" for s in root.iter(f"{{{W_NS}}}style")]
    return [*ids, "", "NoSuchStyle", "heading1"]


def _agree(data: bytes, tmp_path: Path, name: str) -> StyleLevels:
    path = rewrite_zip(_word_document(tmp_path / "base.docx"), tmp_path / name)
    path = rewrite_zip(path, tmp_path / f"styled-{name}", {"word/styles.xml": data})
    whole = all_levels(data)
    with open_package(path) as package:
        levels = StyleLevels(package)
        for style_id in _asked(data):
            assert (style_id in levels, levels.get(style_id)) == (
                style_id in whole,
                whole.get(style_id),
            ), style_id
        assert dict(levels) == whole
    return levels


def test_every_corpus_return_reads_the_same_levels_either_way(tmp_path: Path) -> None:
    word = [case.path for case in built_corpus().values() if case.path.suffix == ".docx"]
    assert len(word) >= 5
    cut = 0
    for number, path in enumerate(word):
        data = _styles(path)
        cut += _Cut.of(data) is not None
        _agree(data, tmp_path, f"corpus-{number}.docx")
    assert cut >= 1  # the cut is really taken, not only the fallback


CUT, WHOLE = True, False


def _nested(data: bytes) -> bytes:
    """The first style (Normal) made to hold the second (Header)."""
    return data.replace(b"</w:style>", b"", 1).replace(b"</w:style>", b"</w:style></w:style>", 1)


def test_a_style_inside_a_style_is_looked_up_in_the_whole_part(tmp_path: Path) -> None:
    changed = _nested(_styles(_word_document(tmp_path / "plain.docx")))
    cut = _Cut.of(changed)
    assert cut is not None
    assert cut.level("Normal") == (False, None)  # its end tag would be Header's
    assert cut.level("Header") == (True, None)
    path = rewrite_zip(
        _word_document(tmp_path / "base.docx"),
        tmp_path / "nested.docx",
        {"word/styles.xml": changed},
    )
    with open_package(path) as package:
        levels = StyleLevels(package)
        assert ("Header" in levels, levels._full) == (False, None)  # cut
        assert "Normal" not in levels and levels._full is not None  # looked up whole
    _agree(changed, tmp_path, "nested-agree.docx")


@pytest.mark.parametrize(
    ("label", "change", "cut"),
    [
        ("a comment", lambda x: x.replace(b"<w:style ", b"<!-- <w:style> --><w:style ", 1), WHOLE),
        (
            "a styleId with an entity",
            lambda x: x.replace(b'w:styleId="Title"', b'w:styleId="&#84;itle"'),
            WHOLE,
        ),
        (
            "a style inside a style (the outer one is looked up whole)",
            lambda x: _nested(x),
            CUT,
        ),
        (
            "w bound again below the root",
            lambda x: x.replace(b"<w:style ", b'<w:style xmlns:w="urn:other" ', 1),
            WHOLE,
        ),
        (
            "another prefix for Word's namespace",
            lambda x: x.replace(
                b"<w:latentStyles",
                f'<x:style xmlns:x="{W_NS}" x:styleId="Heading3"><x:name x:val="Title"/></x:style><w:latentStyles'.encode(),
                1,
            ),
            WHOLE,
        ),
        (
            "a second definition of Title",
            lambda x: x.replace(
                b"</w:styles>",
                b'<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Body"/></w:style></w:styles>',
            ),
            CUT,
        ),
        (
            "single quotes and a > in a value",
            lambda x: x.replace(b'w:styleId="Title"', b"w:styleId='Title' w:x='a>b'"),
            CUT,
        ),
    ],
)
def test_unusual_parts_agree_by_falling_back_or_by_cutting_right(
    tmp_path: Path, label: str, change: object, cut: bool
) -> None:
    base = _styles(_word_document(tmp_path / "plain.docx"))
    assert _Cut.of(base) is not None
    changed = change(base)  # type: ignore[operator]
    assert changed != base, label
    assert (_Cut.of(changed) is not None) == cut
    _agree(changed, tmp_path, "changed.docx")


def test_only_the_styles_asked_about_are_parsed(tmp_path: Path) -> None:
    path = _word_document(tmp_path / "plain.docx")
    with open_package(path) as package:
        levels = StyleLevels(package)
        assert (levels["Title"], levels["Heading2"], "Normal" in levels) == (0, 2, False)
        assert levels._full is None  # the whole part was never parsed


def _custom_heading_document(path: Path) -> Path:
    """Built-in Title and headings beside custom heading styles: a localised id, an outline level."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn

    document = docx.Document()
    localised = document.styles.add_style("Überschrift Eins", WD_STYLE_TYPE.PARAGRAPH)
    localised.element.set(qn("w:styleId"), "berschrift1")
    localised.element.find(qn("w:name")).set(qn("w:val"), "heading 1")
    outlined = document.styles.add_style("Section Head", WD_STYLE_TYPE.PARAGRAPH)
    outlined.element.get_or_add_pPr().append(
        outlined.element.makeelement(qn("w:outlineLvl"), {qn("w:val"): "2"})
    )
    document.add_paragraph("Outlined", style=outlined)
    for style in ("Title", "Heading 1", "Heading 2", "Heading 9", "List Paragraph", "Normal"):
        document.add_paragraph(style, style=style)
    document.add_paragraph("Localised", style=localised)
    document.save(str(path))
    return path


def test_built_in_ids_and_custom_styles_read_the_same_levels_as_the_whole_part(
    tmp_path: Path,
) -> None:
    from pipeline.readers.docx_xml import P, heading_level

    path = _custom_heading_document(tmp_path / "custom.docx")
    whole = all_levels(_styles(path))
    with open_package(path) as package:
        from lxml import etree

        body = etree.fromstring(package.read("word/document.xml"))
        paragraphs = list(body.iter(P))
        levels = StyleLevels(package)
        read = [heading_level(p, levels) for p in paragraphs]
    assert read == [heading_level(p, whole) for p in paragraphs]
    assert read == [3, 0, 1, 2, 9, None, None, 1]


def test_built_in_heading_ids_are_read_without_cutting_the_styles(tmp_path: Path) -> None:
    path = _word_document(tmp_path / "plain.docx")
    with open_package(path) as package:
        levels = StyleLevels(package)
        assert [levels.get(i) for i in ("Title", "Heading1", "Heading9")] == [0, 1, 9]
        assert "_cut" not in vars(levels) and levels._full is None
        assert levels.get("ListParagraph") is None
        assert "_cut" in vars(levels)  # a custom id is looked up in the part


def test_a_built_in_id_the_part_does_not_define_is_read_by_its_id(tmp_path: Path) -> None:
    # The deliberate difference: Word would show such a paragraph as body text.
    base = _styles(_word_document(tmp_path / "plain.docx"))
    start = base.index(b'<w:style w:type="paragraph" w:styleId="Heading1"')
    undefined = base[:start] + base[base.index(b"</w:style>", start) + len(b"</w:style>") :]
    assert "Heading1" not in all_levels(undefined)
    path = rewrite_zip(
        _word_document(tmp_path / "base.docx"),
        tmp_path / "undefined.docx",
        {"word/styles.xml": undefined},
    )
    with open_package(path) as package:
        assert StyleLevels(package).get("Heading1") == 1


CUSTOM_STYLES = (
    # An id named in another style's attributes and references before its own definition.
    b'<w:style w:type="paragraph" w:x="Sect" w:styleId="Other"><w:name w:val="Other"/>'
    b'<w:basedOn w:val="Sect"/><w:pPr><w:outlineLvl w:val="4"/></w:pPr></w:style>'
    b'<w:style w:type="paragraph" w:styleId = "Sect"><w:name w:val="Sect"/>'
    b'<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    # Defined again: the later definition wins.
    b"<w:style w:type='paragraph' w:styleId='Sect' w:note='a>b'><w:name w:val='heading 3'/>"
    b"</w:style>"
    b'<w:style w:type="paragraph" w:styleId="Empty"/>'
    b'<w:style w:type="paragraph" w:styleId="Plain"><w:name w:val="Plain"/></w:style >'
)


def test_custom_ids_are_cut_where_they_lie_and_agree_with_the_whole_part(tmp_path: Path) -> None:
    data = _styles(_word_document(tmp_path / "plain.docx")).replace(
        b"</w:styles>", CUSTOM_STYLES + b"</w:styles>"
    )
    whole = all_levels(data)
    cut = _Cut.of(data)
    assert cut is not None
    asked = [*_asked(data), "Sect", "Other", "Empty", "Plain", "Missing", "Othe", "ect"]
    exact = {style_id: cut.level(style_id) for style_id in asked}
    assert all(found for found, _ in exact.values())
    assert {i: level for i, (_, level) in exact.items() if level is not None} == {
        i: whole[i] for i in asked if i in whole
    }
    assert (whole["Sect"], whole["Other"], "Plain" in whole) == (3, 5, False)
    _agree(data, tmp_path, "custom.docx")


def test_an_id_with_white_space_is_looked_up_in_the_whole_part(tmp_path: Path) -> None:
    # A tab in the attribute reads as a space once parsed: the bytes cannot be searched for it.
    spaced = (
        b'<w:style w:type="paragraph" w:styleId="Two\tWords"><w:name w:val="heading 4"/></w:style>'
    )
    data = _styles(_word_document(tmp_path / "plain.docx")).replace(
        b"</w:styles>", spaced + b"</w:styles>"
    )
    cut = _Cut.of(data)
    assert cut is not None and cut.level("Two Words") == (False, None)
    assert _agree(data, tmp_path, "spaced.docx")["Two Words"] == all_levels(data)["Two Words"] == 4
