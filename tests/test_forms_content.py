"""What a form says and where its fields are: tags, file names, section layout, instructions."""

from __future__ import annotations

from pipeline.definitions import load_catalogue
from pipeline.forms.content import build_content, long_date
from pipeline.forms.fields import (
    Tag,
    action_tag,
    case_tag,
    form_file_name,
    parse_tag,
    question_tag,
    sign_off_tag,
)
from pipeline.model import FormIdentity
from pipeline.workspace import Workspace


def test_tags_are_the_agreed_strings_and_parse_back() -> None:
    assert question_tag("1.2") == "qap:q:1.2"
    assert case_tag(3, "ref") == "qap:case:3:ref"
    assert case_tag(2, "4.1") == "qap:case:2:4.1"
    assert action_tag(1, "target") == "qap:action:1:target"
    assert sign_off_tag("completed_on") == "qap:completed_on"
    assert parse_tag("qap:q:1.2") == Tag("q", "1.2")
    assert parse_tag("qap:case:2:4.1") == Tag("case", "4.1", 2)
    assert parse_tag("qap:action:6:owner") == Tag("action", "owner", 6)
    assert parse_tag("qap:role") == Tag("sign_off", "role")
    for bad in (
        "",
        "q:1.2",
        "qap:q:",
        "qap:case:0:ref",
        "qap:case:x:ref",
        "qap:action:1:cost",
        "qap:agency",
    ):
        assert parse_tag(bad) is None, bad


def test_file_names_by_version() -> None:
    assert form_file_name("police", 1, "docx") == "police.docx"
    assert form_file_name("police", 3, "xlsx") == "police-v3.xlsx"


def test_sections_keep_definition_order_and_balance_case_tables(workspace: Workspace) -> None:
    partnership = workspace.partnership()
    audit = load_catalogue(workspace.audits_dir, partnership).get("domestic-abuse-2026")
    police = partnership.agency("police")
    assert police is not None
    content = build_content(audit, partnership, police, FormIdentity("w", audit.id, "police", 1))
    shapes = [
        [b.id if not isinstance(b, tuple) else tuple(q.id for q in b) for b in plan.blocks]
        for plan in content.sections
    ]
    assert shapes == [
        [("1.1", "1.2", "1.3"), ("1.4", "1.5")],
        [("2.1", "2.2")],
        [("3.1", "3.2", "3.3")],
        [("4.1", "4.2"), ("4.3", "4.4")],
        [("5.1",), "5.2", "5.3"],
    ]
    steps = content.instructions("docx")
    assert steps[0].startswith("This form is for Northshire Constabulary only.")
    assert any("qa-returns@northshire-scp.example by Friday 29 January 2027" in s for s in steps)
    assert any("Audit 3 cases." in s for s in steps)
    assert long_date(audit.deadline) == "Friday 29 January 2027"
