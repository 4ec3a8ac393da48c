"""The Word form: a control for every field, fitting its type, and a page LibreOffice can print."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document
from forms_helpers import SHIPPED, IssuedSet, issue_every_audit, pdf_pages, pdf_text
from lxml import etree

from pipeline.convert import convert_with_libreoffice
from pipeline.definitions import AuditDefinition
from pipeline.forms.fields import (
    ACTION_FIELDS,
    ACTION_ROWS,
    SIGN_OFF_FIELDS,
    action_tag,
    case_tag,
    question_tag,
    sign_off_tag,
)
from pipeline.forms.identity import read_custom_property
from pipeline.forms.properties import FIELDS_PROPERTY

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> IssuedSet:
    return issue_every_audit(tmp_path_factory.mktemp("docx") / "ws")


def _controls(path: Path) -> dict[str, etree._Element]:
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    found = {}
    for sdt in root.iter(f"{W}sdt"):
        tag = sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val")
        assert tag not in found, f"{tag} appears twice"
        found[tag] = sdt.find(f"{W}sdtPr")
    return found


def _expected_tags(audit: AuditDefinition) -> list[str]:
    tags = [question_tag(q.id) for q in audit.agency_questions()]
    for index in range(1, audit.cases + 1):
        tags.append(case_tag(index, "ref"))
        tags += [case_tag(index, q.id) for q in audit.case_questions()]
    if audit.actions_table:
        tags += [action_tag(i, f) for i in range(1, ACTION_ROWS + 1) for f in ACTION_FIELDS]
    return tags + [sign_off_tag(f) for f in SIGN_OFF_FIELDS]


@pytest.mark.parametrize("audit_id", SHIPPED)
def test_every_field_has_a_control_of_its_type(issued: IssuedSet, audit_id: str) -> None:
    audit = issued.audit(audit_id)
    path = issued.form(audit_id, "docx")
    controls = _controls(path)
    assert sorted(controls) == sorted(_expected_tags(audit))
    for question in audit.questions:
        tag = question_tag(question.id) if not question.per_case else case_tag(1, question.id)
        props = controls[tag]
        assert props.find(f"{W}showingPlcHdr") is not None
        items = [i.get(f"{W}displayText") for i in props.iterfind(f"{W}dropDownList/{W}listItem")]
        assert items == list(question.options)
        assert (props.find(f"{W}date") is not None) == (question.type == "date")
        if not question.options and question.type != "date":
            assert props.find(f"{W}text").get(f"{W}multiLine") == "1"
    assert controls[sign_off_tag("completed_on")].find(f"{W}date") is not None
    field_map = read_custom_property(path, FIELDS_PROPERTY)
    assert field_map is not None and sorted(field_map.split()) == sorted(controls)


def test_page_header_footer_and_properties(issued: IssuedSet) -> None:
    document = Document(str(issued.form("domestic-abuse-2026", "docx")))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    header = [p.text for p in section.header.paragraphs]
    footer = [p.text for p in section.footer.paragraphs]
    assert header == ["OFFICIAL-SENSITIVE", "NSCP | Domestic abuse where a child is present"]
    assert footer[-1] == "OFFICIAL-SENSITIVE"
    assert footer[0].startswith("Return form for Northshire Constabulary | Form version 1 | Page ")
    assert document.core_properties.title == "Domestic abuse where a child is present: return form"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "qa-returns@northshire-scp.example by Friday 29 January 2027" in text


@pytest.mark.slow
@pytest.mark.parametrize("audit_id", SHIPPED)
def test_libreoffice_prints_the_word_form(issued: IssuedSet, audit_id: str, tmp_path: Path) -> None:
    pdf = convert_with_libreoffice(issued.form(audit_id, "docx"), tmp_path)
    text = pdf_text(pdf)
    pages = pdf_pages(pdf)
    assert pages >= 2
    assert text.count("OFFICIAL-SENSITIVE") >= 2 * pages
    assert f"Page {pages} of {pages}" in text
    audit = issued.audit(audit_id)
    agency = issued.workspace.partnership().agency(audit.agencies[0])
    assert agency is not None and agency.name in text
    flat = " ".join(text.split())
    assert all(" ".join(q.text.split())[:40] in flat for q in audit.questions)
