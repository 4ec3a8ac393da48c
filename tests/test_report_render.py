"""Tests for pipeline.report.render: the .docx reopened with python-docx holds exactly what the returns say."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document

from pipeline.errors import TemplateError
from pipeline.report import render_report
from pipeline.report.charts import chart_png
from pipeline.report.context import build_context
from pipeline.report.render import render_docx
from tests.report_helpers import (
    NOW,
    ROOT,
    TRICKY,
    TRICKY_CLEAN,
    sample,
    substitute,
    synthetic_returns,
)

TEMPLATE = ROOT / "templates" / "report.docx"


def _render(
    tmp_path: Path, audit_id: str, name: str = "out.docx", **kwargs: object
) -> tuple[Path, list]:
    partnership, catalogue = sample()
    audit = catalogue.get(audit_id)
    returns = synthetic_returns(audit, **kwargs)  # type: ignore[arg-type]
    out = tmp_path / name
    render_report(
        audit,
        returns,
        partnership,
        catalogue,
        (),
        [],
        out,
        template=TEMPLATE,
        now=NOW,
        version=2,
        chart_cache=tmp_path / "charts",
    )
    return out, returns


def _tables_with_header(document: object, first: str) -> list:
    return [t for t in document.tables if t.rows[0].cells[0].text == first]  # type: ignore[attr-defined]


def test_count_tables_match_the_returns(tmp_path: Path) -> None:
    out, returns = _render(tmp_path, "domestic-abuse-2026")
    _, catalogue = sample()
    audit = catalogue.get("domestic-abuse-2026")
    tables = _tables_with_header(Document(str(out)), "Answer")
    counted = [q for q in audit.questions if q.categorical]
    assert len(tables) == len(counted)
    for question, table in zip(counted, tables, strict=True):
        expected = Counter(c.value(question.id) for r in returns for c in r.data.cases)
        shown = {row.cells[0].text: int(row.cells[1].text) for row in table.rows[1:]}
        assert shown == {option: expected.get(option, 0) for option in question.options}
        assert table.rows[0].cells[1].text == "Cases"


def test_text_from_returns_comes_out_exactly(tmp_path: Path) -> None:
    out, returns = _render(tmp_path, "domestic-abuse-2026")
    document = Document(str(out))
    answers = [p.text for p in document.paragraphs if p.style.name == "Answer Text"]
    _, catalogue = sample()
    audit = catalogue.get("domestic-abuse-2026")
    expected = [
        (c.value(q.id) if q.per_case else None) or ""
        for q in audit.questions
        if q.type == "text" and q.per_case
        for r in returns
        for c in r.data.cases
    ] + [
        r.data.value(q.id) or ""
        for q in audit.questions
        if q.type == "text" and not q.per_case
        for r in returns
    ]
    for text in expected:
        assert text.replace("\ufffe", "\ufffd") in answers
    # 3 cases x 4 text questions + 2 per-agency text questions, each once in findings; 5.2/5.3 again in themes.
    assert answers.count(TRICKY_CLEAN) == 3 * 4 + 2 + 2
    assert not any(p.text.startswith("INJECTED") for p in document.paragraphs)
    assert "{{" not in "".join(p.text for p in document.paragraphs if p.style.name != "Answer Text")


def test_hostile_text_does_not_add_paragraphs(tmp_path: Path) -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("early-years-maru-2026")
    hostile = substitute(synthetic_returns(audit), TRICKY, TRICKY.replace("\ufffe", ""))
    plain = substitute(synthetic_returns(audit), TRICKY, "A plain answer.")
    counts = []
    for name, returns in (("a.docx", hostile), ("b.docx", plain)):
        render_report(
            audit,
            returns,
            partnership,
            catalogue,
            (),
            [],
            tmp_path / name,
            template=TEMPLATE,
            now=NOW,
            chart_cache=tmp_path / "charts",
        )
        counts.append(len(Document(str(tmp_path / name)).paragraphs))
    assert counts[0] == counts[1]


def test_charts_are_images_and_tables_sit_beside_them(tmp_path: Path) -> None:
    out, _ = _render(tmp_path, "teen-pregnancy-2026")
    document = Document(str(out))
    charted = len(_tables_with_header(document, "Answer"))
    assert len(document.inline_shapes) == charted
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("Figure 1: answers to question 1.1")
    described = [
        e.get("descr", "")
        for e in document.element.body.iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
        )
    ]
    assert len(described) == charted
    assert all(d.startswith("Bar chart of the answers to question") for d in described)


def test_section11_grid_is_coloured(tmp_path: Path) -> None:
    out, returns = _render(tmp_path, "section11-2026")
    grid = _tables_with_header(Document(str(out)), "Agency")[1]
    assert [c.text for c in grid.rows[0].cells] == ["Agency", *[str(n) for n in range(1, 12)]]
    assert len(grid.rows) == 1 + len(returns)
    first = grid.rows[1].cells[1]
    fill = first._tc.tcPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}shd")
    assert fill is not None and fill.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fill"
    ) in {"8CC084", "D5EBCF", "FFE08A", "F19C8C", "E7E6E6"}


def test_contents_lists_the_headings_with_page_references(tmp_path: Path) -> None:
    out, _ = _render(tmp_path, "fathers-2026")
    document = Document(str(out))
    entries = [
        p.text.split("\t")[0] for p in document.paragraphs if p.style.name in ("TOC 1", "TOC 2")
    ]
    headings = [p.text for p in document.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    assert entries == headings
    assert document.element.body.xml.count("PAGEREF _Toc_qap_") == len(headings)


def _broken_template(tmp_path: Path, text: str) -> Path:
    document = Document(str(TEMPLATE))
    document.add_paragraph(text)
    path = tmp_path / "report.docx"
    document.save(str(path))
    return path


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Prepared by {{ no_such_field }}", "the field “no_such_field” does not exist"),
        ("Title: {{ audit.no_such_attribute }}", "the field “no_such_attribute” does not exist"),
        ("Broken: {{ audit.title ", "“{{” is never closed with “}}”"),
        ("{%p if summary.has_returns %}", "do not fit together (in the body, under the heading"),
    ],
)
def test_a_bad_template_fails_naming_the_field_and_where(
    tmp_path: Path, text: str, needle: str
) -> None:
    template = _broken_template(tmp_path, text)
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    out = tmp_path / "never.docx"
    with pytest.raises(TemplateError) as caught:
        render_report(
            audit,
            synthetic_returns(audit),
            partnership,
            catalogue,
            (),
            [],
            out,
            template=template,
            now=NOW,
            chart_cache=tmp_path / "charts",
        )
    message = caught.value.format_message()
    assert needle in message
    assert str(template) in message
    if "field" in needle or "closed" in needle or "fit" in needle:
        assert f"“{text}”" in message and "under the heading “Characters replaced”" in message
    assert not out.exists()
    if "attribute" not in text:
        # Caught before rendering, so not even a chart was drawn.
        assert not (tmp_path / "charts").exists()


def test_missing_template_is_a_clear_error(tmp_path: Path) -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    context = build_context(audit, [], partnership, version=1, now=NOW)
    with pytest.raises(TemplateError, match="is missing"):
        render_docx(tmp_path / "nope.docx", context, chart_dir=tmp_path)


def test_chart_images_are_cached_by_their_data(tmp_path: Path) -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    context = build_context(audit, synthetic_returns(audit), partnership, version=1, now=NOW)
    spec = next(q["chart"] for s in context["sections"] for q in s["questions"] if q["chart"])
    first = chart_png(spec, tmp_path)
    assert first.read_bytes().startswith(b"\x89PNG")
    first.write_bytes(b"cached")  # a redraw would overwrite this
    assert chart_png(spec, tmp_path).read_bytes() == b"cached"
    assert len(list(tmp_path.iterdir())) == 1


def _parts(docx: bytes) -> dict[str, bytes]:
    """Every part of a .docx (the zip's own timestamps aside)."""
    with zipfile.ZipFile(BytesIO(docx)) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_a_template_check_is_remembered_only_for_the_same_bytes_and_fields(
    tmp_path: Path,
) -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    context = build_context(audit, synthetic_returns(audit), partnership, version=1, now=NOW)
    template, checks, charts = tmp_path / "report.docx", tmp_path / "checks", tmp_path / "charts"
    template.write_bytes(TEMPLATE.read_bytes())
    first = render_docx(template, context, chart_dir=charts, checked=checks)
    assert len(list(checks.iterdir())) == 1
    again = render_docx(template, context, chart_dir=charts, checked=checks)
    assert _parts(again) == _parts(first)
    assert len(list(checks.iterdir())) == 1
    # Failures below come from the check, before rendering: no chart is drawn into `unused`.
    unused = tmp_path / "unused"
    fewer = {k: v for k, v in context.items() if k != "tracker_read"}
    with pytest.raises(TemplateError, match="the field “tracker_read” does not exist"):
        render_docx(template, fewer, chart_dir=unused, checked=checks)
    _broken_template(tmp_path, "Broken: {{ audit.title ")
    with pytest.raises(TemplateError, match=re.escape("“{{” is never closed with “}}”")):
        render_docx(template, context, chart_dir=unused, checked=checks)
    assert not unused.exists()
    assert len(list(checks.iterdir())) == 1


def test_an_edited_template_is_rendered_as_edited_in_the_same_process(tmp_path: Path) -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    context = build_context(audit, [], partnership, version=1, now=NOW)
    template = tmp_path / "report.docx"
    template.write_bytes(TEMPLATE.read_bytes())
    before = Document(BytesIO(render_docx(template, context, chart_dir=tmp_path)))
    _broken_template(tmp_path, "Added later for {{ partnership.name }}.")
    after = Document(BytesIO(render_docx(template, context, chart_dir=tmp_path)))
    added = f"Added later for {partnership.name}."
    assert added not in [p.text for p in before.paragraphs]
    assert [p.text for p in after.paragraphs][-1] == added


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "",
        "a\r\nb\rc",
        "x\x00y\x0bz\x1f",
        "\ufffe\uffff",
        "\ud800",
        "a & b < c > d",
        "'\"",
        "{{ x }}",
        "{_{ y }_}",
        "é – \u2063 \x7f",
    ],
)
def test_every_value_is_printed_cleaned_escaped_and_braces_as_references(text: str) -> None:
    from markupsafe import escape

    from pipeline.report.render import _finalize
    from pipeline.report.text import clean_text

    cleaned, _ = clean_text(text)
    full = str(escape(cleaned)).replace("{", "&#123;").replace("}", "&#125;")
    assert str(_finalize(text)) == full
    assert hasattr(_finalize(text), "__html__")


def test_a_check_that_cannot_be_remembered_still_renders(tmp_path: Path) -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    context = build_context(audit, [], partnership, version=1, now=NOW)
    blocked = tmp_path / "checks"
    blocked.write_text("a file where the folder of checks would go")
    data = render_docx(TEMPLATE, context, chart_dir=tmp_path / "charts", checked=blocked)
    assert "Contents" in [p.text for p in Document(BytesIO(data)).paragraphs]
    assert blocked.read_text() == "a file where the folder of checks would go"
