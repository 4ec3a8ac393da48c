"""Tests for the default template: the committed file is the built one, and README documents every field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docx import Document

from pipeline.model import TrackerItem
from pipeline.report.context import build_context
from pipeline.report.template_builder import build_template
from tests.report_helpers import NOW, ROOT, sample, synthetic_returns

README = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")


def _paths(value: Any, path: str, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _paths(item, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list):
        if not value or not isinstance(value[0], dict):
            found.add(f"{path}[]")
        for item in value:
            if isinstance(item, dict):
                _paths(item, f"{path}[]", found)
    else:
        found.add(path)


def _texts(path: Path) -> list[str]:
    document = Document(str(path))
    body = [
        p.text for p in document.element.body.iter() if p.tag.endswith("}p") for p in [_Para(p)]
    ]
    heads = [
        p.text for s in document.sections for part in (s.header, s.footer) for p in part.paragraphs
    ]
    return body + heads


class _Para:
    def __init__(self, element: Any) -> None:
        self.text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))


def test_readme_documents_every_field() -> None:
    partnership, catalogue = sample()
    found: set[str] = set()
    for audit in catalogue.audits:
        previous = next((a for a in catalogue.audits if a.id == audit.repeat_of), None)
        context = build_context(
            audit,
            synthetic_returns(audit),
            partnership,
            version=1,
            now=NOW,
            tracker_items=[TrackerItem("R1", audit.id, "audit", "Theme", "Text")],
            previous=previous,
            previous_returns=synthetic_returns(previous) if previous else [],
        )
        _paths(context, "", found)
    # An empty list in one audit is a list of records in another: document the records' fields.
    found = {f for f in found if not any(g.startswith(f + ".") for g in found)}
    documented = set(re.findall(r"`([a-z_0-9.\[\]]+)`", README))
    assert sorted(found - documented) == []
    assert len(found) > 150


def test_template_uses_only_documented_fields() -> None:
    tags = re.findall(
        r"\{\{\s*([a-z_][a-z_0-9.]*)\s*\}\}", " ".join(_texts(ROOT / "templates" / "report.docx"))
    )
    loop_names = {
        "line",
        "text",
        "name",
        "r",
        "section",
        "q",
        "row",
        "a",
        "s",
        "c",
        "i",
        "f",
        "k",
        "col",
        "cell",
    }
    top = {tag.split(".")[0] for tag in tags} - loop_names
    assert top and all(f"`{name}" in README for name in top)


def test_committed_template_is_the_built_one(tmp_path: Path) -> None:
    built = build_template(tmp_path / "report.docx")
    assert _texts(built) == _texts(ROOT / "templates" / "report.docx")


def test_styles_named_in_readme_exist() -> None:
    document = Document(str(ROOT / "templates" / "report.docx"))
    names = {s.name for s in document.styles}
    section = README.split("## Restyling it in Word")[1].split("## Rules")[0]
    styles = set(re.findall(r"`([A-Z][A-Za-z0-9 ]+)`", section))
    assert {"Heading 1", "Answer Text", "QAP Table", "Cover Marking"} <= styles
    assert styles <= names
