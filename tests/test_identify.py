"""Identifying a return: signed identity, labels, questions answered, file name, coordinator."""

from __future__ import annotations

import pytest

from pipeline.config import Agency, Partnership
from pipeline.definitions import Catalogue, load_catalogue
from pipeline.errors import UnidentifiedReturn, UnknownAuditError
from pipeline.forms.identity import sign_identity
from pipeline.identify import identify_return, match_agency, match_audit_title
from pipeline.model import FormIdentity, RawReturn, RawRow
from pipeline.workspace import SAMPLE_ROOT, Workspace

KEY = b"k" * 32
SAMPLE = Workspace(SAMPLE_ROOT)
PARTNERSHIP: Partnership = SAMPLE.partnership()
CATALOGUE: Catalogue = load_catalogue(SAMPLE.audits_dir, PARTNERSHIP)
TP26 = CATALOGUE.get("teen-pregnancy-2026")


def raw(name: str = "return.docx", **kwargs: object) -> RawReturn:
    return RawReturn(file_name=name, format="docx", style="table", **kwargs)  # type: ignore[arg-type]


def identify(item: RawReturn, **kwargs: str) -> object:
    return identify_return(item, PARTNERSHIP, CATALOGUE, key=KEY, workspace_id="ws1", **kwargs)


def signed(audit: str = "section11-2026", agency: str = "police", key: bytes = KEY) -> FormIdentity:
    return sign_identity(FormIdentity("ws1", audit, agency, 1), key)


def test_signed_form_is_trusted() -> None:
    result = identify(raw(identity=signed()))
    assert (result.audit_id, result.agency_key, result.method, result.signature) == (
        "section11-2026",
        "police",
        "signed form",
        "valid",
    )
    assert result.flags == ()


def test_failed_signature_is_flagged_and_other_evidence_used() -> None:
    item = raw(
        identity=signed(key=b"other key"),
        labels={"agency": "Housing", "title": TP26.title},
    )
    result = identify(item)
    assert (result.audit_id, result.agency_key, result.method, result.signature) == (
        "teen-pregnancy-2026",
        "housing",
        "labels",
        "invalid",
    )
    assert result.flags == (
        "The form's hidden identity (section11-2026, police) has a signature that did not "
        "verify; it was not trusted.",
    )


def test_failed_signature_alone_still_places_the_return_but_flags_it() -> None:
    result = identify(raw(identity=signed(key=b"other key")))
    assert (result.method, result.signature, result.audit_id) == (
        "form (signature failed)",
        "invalid",
        "section11-2026",
    )
    assert len(result.flags) == 1


def test_identity_from_another_workspace_is_not_trusted() -> None:
    other = sign_identity(FormIdentity("elsewhere", "section11-2026", "police", 1), KEY)
    result = identify(raw(identity=other, labels={"agency": "Police", "title": "Section 11"}))
    assert result.signature == "invalid"
    assert "another workspace" in result.flags[0]


def test_labels_disagreeing_with_signed_identity_are_flagged() -> None:
    result = identify(raw(identity=signed(), labels={"agency": "Northshire Homes"}))
    assert result.agency_key == "police"
    assert result.flags == (
        "The return's agency label names housing, but it was identified as police "
        "(signed form); check which agency sent it.",
    )


def test_questions_identify_the_audit_and_file_name_the_agency() -> None:
    rows = tuple(RawRow(None, q.text, "x") for q in TP26.questions if not q.per_case)
    result = identify(raw("Return - Youth Offending Team.docx", rows=rows))
    assert (result.audit_id, result.agency_key, result.method) == (
        "teen-pregnancy-2026",
        "youth-justice",
        "file name",
    )


def test_file_name_alone() -> None:
    result = identify(raw("section11 return NSCP - Probation.xlsx"))
    assert (result.audit_id, result.agency_key, result.method) == (
        "section11-2026",
        "probation",
        "file name",
    )


def test_unidentifiable_return_lists_what_was_tried() -> None:
    with pytest.raises(UnidentifiedReturn) as caught:
        identify(raw("scan 0042.docx", labels={"agency": "Acme Widgets"}))
    assert caught.value.tried == (
        "agency label: no match",
        "questions answered: no clear match",
        "file name for audit: no match",
        "file name for agency: no match",
    )
    assert caught.value.reason == "qap could not tell which audit and agency this return is for."
    assert "qap ingest --audit ID --agency KEY FILE" in caught.value.advice


def test_coordinator_says_which() -> None:
    result = identify(raw("scan.docx"), audit_id="fathers-2026", agency_key="csc")
    assert (result.audit_id, result.agency_key, result.method) == (
        "fathers-2026",
        "csc",
        "coordinator",
    )


def test_coordinator_naming_an_unknown_agency_is_told_the_known_ones() -> None:
    with pytest.raises(UnknownAuditError, match="Known agencies: police, community-health"):
        identify(raw(), audit_id="fathers-2026", agency_key="nobody")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Northshire Constabulary", "police"),
        ("NORTHSHIRE POLICE - Public Protection Unit", "police"),
        ("Childrens Social Care", "csc"),
        ("Children’s Social Care", "csc"),
        ("Health Visiting (0-19 Service)", "community-health"),
        ("Acme Widgets", None),
    ],
)
def test_agency_names_and_aliases(text: str, key: str | None) -> None:
    agency = match_agency(text, PARTNERSHIP)
    assert (agency.key if agency else None) == key


def test_agency_names_are_kept_per_partnership_and_the_first_listed_name_wins() -> None:
    police = Agency("police", "Northshire Police", aliases=("Shared Desk",))
    health = Agency("health", "Northshire Health", aliases=("shared desk", "Northshire"))
    first = Partnership("P", agencies=(police, health))
    assert match_agency("SHARED DESK", first) is police
    assert match_agency("Shared desk team, Northshire Health", first) is health
    assert match_agency("Northshire", first) is health
    # Another partnership (qap.toml changed) is matched against its own names.
    second = Partnership("P", agencies=(health, police))
    assert match_agency("shared desk", second) is health
    assert match_agency("SHARED DESK", first) is police


def test_titles_tell_the_2025_and_2026_audits_apart() -> None:
    first = match_audit_title("Teen Pregnancy Pathway: use and impact", CATALOGUE)
    repeat = match_audit_title("Teen Pregnancy Pathway: use and impact (repeat audit)", CATALOGUE)
    assert (first and first.id, repeat and repeat.id) == (
        "teen-pregnancy-2025",
        "teen-pregnancy-2026",
    )
    # Judged once per catalogue and then remembered: asked again (in any order), the same answers.
    again = [
        match_audit_title(t, CATALOGUE)
        for t in (
            "Teen Pregnancy Pathway: use and impact (repeat audit)",
            "Teen Pregnancy Pathway: use and impact",
        )
    ]
    assert again == [repeat, first]


def test_agency_named_in_a_heading_line_when_there_is_no_agency_label() -> None:
    title = f"Northshire Safeguarding Children Partnership\n{TP26.title}\nReturn form for Northshire Homes"
    result = identify(raw("return.xlsx", labels={"title": title}))
    assert (result.audit_id, result.agency_key, result.method) == (
        "teen-pregnancy-2026",
        "housing",
        "labels",
    )
