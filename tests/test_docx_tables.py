"""Word tables and the body's blocks: a main part parsed whole reads the same as one streamed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from pipeline.readers import docx_tables
from pipeline.readers.docx_reader import read_docx_return
from pipeline.readers.docx_tables import GRID_SPAN, TC_PR, V_MERGE, TableData, body_blocks
from pipeline.readers.docx_xml import TC, VAL, TextReader, w
from pipeline.readers.package import open_package
from tests.corpus import DOCX_BUILDERS, built_corpus
from tests.hostile import base_docx, rewrite_zip
from tests.test_docx_xml import corpus_roots

SDT = "<w:sdt><w:sdtPr/><w:sdtContent>{}</w:sdtContent></w:sdt>"
CUSTOM = '<w:customXml w:element="row">{}</w:customXml>'


def _row(*texts: str) -> str:
    return (
        "<w:tr>"
        + "".join(f"<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>" for t in texts)
        + "</w:tr>"
    )


def _wrapped_rows(path: Path) -> Path:
    """A top-level table with rows wrapped in a content control or custom XML among plain ones."""
    base = base_docx(path.with_name(f"base-{path.name}"))
    with zipfile.ZipFile(base) as package:
        xml = package.read("word/document.xml").decode()
    rows = [
        SDT.format(_row("1.2", "How is the pathway promoted to staff?", "Posters")),
        _row("2.1", "Was the young person referred?", "No"),
        CUSTOM.format(_row("2.2", "How timely was the referral?", "Good")),
    ]
    at = xml.index("</w:tbl>")
    body = xml[:at] + "".join(rows) + xml[at:]
    return rewrite_zip(base, path, {"word/document.xml": body.encode()})


def _streamed(path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(docx_tables, "WHOLE_BYTES", 0)
        return read_docx_return(path)


@pytest.mark.parametrize("name", [*DOCX_BUILDERS, "libreoffice_saved.docx"])
def test_corpus_reads_the_same_parsed_whole_or_streamed(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = built_corpus()[name].path
    whole = read_docx_return(path)
    assert whole.rows or whole.cases
    assert _streamed(path, monkeypatch) == whole


def test_wrapped_rows_are_read_in_order_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _wrapped_rows(tmp_path / "wrapped.docx")
    whole = read_docx_return(path)
    assert [(row.qid, row.answer) for row in whole.rows] == [
        ("1.1", "Yes"),
        ("1.2", "Posters"),
        ("2.1", "No"),
        ("2.2", "Good"),
    ]
    assert _streamed(path, monkeypatch) == whole


def test_a_large_main_part_is_streamed_and_a_small_one_parsed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = base_docx(tmp_path / "base.docx")
    with open_package(path) as package:
        blocks = list(body_blocks(package, "word/document.xml", TextReader()))
        assert not any(isinstance(block, TableData) for block in blocks)
        monkeypatch.setattr(docx_tables, "WHOLE_BYTES", 0)
        streamed = list(body_blocks(package, "word/document.xml", TextReader()))
    # Streamed tables arrive already read; the tags and order of blocks are the same.
    assert [type(b) for b in streamed].count(TableData) == 1
    assert [b.tag for b in streamed] == [b.tag for b in blocks]


def test_a_long_table_streams_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for number in range(1, 400):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"{number // 20 + 1}.{number % 20 + 1}", "Question?"
        cells[2].text = f"answer {number} " + "x" * 200  # rows that span the parser's chunks
    document.save(str(tmp_path / "long.docx"))
    whole = read_docx_return(tmp_path / "long.docx")
    assert len(whole.rows) == 399
    assert _streamed(tmp_path / "long.docx", monkeypatch) == whole


# Cells only the careful walk reads: a paragraph in a content control, a deleted paragraph
# mark joining two paragraphs, custom XML, a nested table; and a bookmark that both pass over.
CELLS = (
    "<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Yes</w:t></w:r></w:p></w:sdtContent></w:sdt>",
    '<w:p><w:pPr><w:rPr><w:del w:id="1" w:author="A"/></w:rPr></w:pPr><w:r><w:t>Par</w:t></w:r>'
    "</w:p><w:p><w:r><w:t>tly</w:t></w:r></w:p>",
    '<w:customXml w:element="a"><w:p><w:r><w:t>No</w:t></w:r></w:p></w:customXml>',
    '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>In</w:t></w:r>'
    "</w:p></w:tc></w:tr></w:tbl><w:p/>",
    '<w:bookmarkStart w:id="0" w:name="a"/><w:p><w:r><w:t>Kept</w:t></w:r></w:p>',
)


def _crafted_cells() -> etree._Element:
    cells = "".join(
        f'<w:tc><w:tcPr><w:vMerge/><w:gridSpan w:val="{i}"/></w:tcPr>{cell}</w:tc>'
        for i, cell in enumerate(CELLS, 1)
    )
    return etree.fromstring(f'<w:tr xmlns:w="{w("")[1:-1]}">{cells}</w:tr>')


def test_every_cell_reads_as_the_careful_walk_reads_it() -> None:
    # read_cell reads cells of plain paragraphs in one loop: text, spans and nested tables must
    # be what joined_paragraphs and the cell's properties give.
    reader, walker = TextReader(), TextReader()
    cells = spanned = 0
    for root in [*corpus_roots(), _crafted_cells()]:
        for tc in root.iter(TC):
            quick: list[docx_tables.TableData] = []
            careful: list[docx_tables.TableData] = []
            lines = docx_tables.careful_lines(walker, tc, careful)
            span = tc.find(f"{TC_PR}/{GRID_SPAN}")
            merge = tc.find(f"{TC_PR}/{V_MERGE}")
            continues = merge is not None and merge.get(VAL, "continue") == "continue"
            columns = int(span.get(VAL)) if span is not None else 1
            expected = ("\n".join(lines).strip(), columns, continues)
            assert docx_tables.read_cell(reader, tc, quick) == expected
            assert quick == careful
            cells += 1
            spanned += expected[1] > 1
    assert reader.features["legacy-fields"] == walker.features["legacy-fields"] > 5
    assert cells > 150 and spanned >= len(CELLS)
