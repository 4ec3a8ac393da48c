"""Readers of qap's own forms: fill every shipped form as Word and Excel do, read back exactly."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from form_fill import Filled, fill_docx, fill_xlsx, sample_filled
from forms_helpers import SHIPPED, IssuedSet, issue_every_audit
from openpyxl import load_workbook

from pipeline.convert import convert_with_libreoffice
from pipeline.definitions import QUESTION_TYPES
from pipeline.errors import ReturnRejected
from pipeline.forms.fields import COMPLETED_ON, RETURN_SHEET, question_tag, sign_off_tag
from pipeline.forms.identity import (
    CUSTOM_PART,
    read_form_identity,
    verify_identity,
)
from pipeline.model import RawReturn
from pipeline.readers.qap_docx import read_qap_docx
from pipeline.readers.qap_xlsx import read_qap_xlsx

READERS = {"docx": read_qap_docx, "xlsx": read_qap_xlsx}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> IssuedSet:
    return issue_every_audit(tmp_path_factory.mktemp("readers") / "ws")


def _fill(issued: IssuedSet, audit_id: str, fmt: str, filled: Filled, target: Path) -> Path:
    source = issued.form(audit_id, fmt)
    if fmt == "docx":
        fill_docx(source, target, filled.by_tag())
    else:
        fill_xlsx(source, target, issued.audit(audit_id), filled)
    return target


def _assert_reads_back(raw: RawReturn, filled: Filled) -> None:
    assert raw.tagged == filled.tagged
    assert raw.labels == filled.labels
    assert {c.index: (c.ref, c.answers) for c in raw.cases} == filled.cases
    assert [(a.action, a.owner, a.target) for a in raw.actions] == filled.actions


def test_shipped_audits_use_every_question_type(issued: IssuedSet) -> None:
    used = {q.type for audit_id in SHIPPED for q in issued.audit(audit_id).questions}
    assert used == set(QUESTION_TYPES)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("audit_id", SHIPPED)
def test_round_trip_every_answer(
    issued: IssuedSet, audit_id: str, fmt: str, tmp_path: Path
) -> None:
    filled = sample_filled(issued.audit(audit_id))
    path = _fill(issued, audit_id, fmt, filled, tmp_path / f"filled.{fmt}")
    raw = READERS[fmt](path)
    _assert_reads_back(raw, filled)
    assert raw.style == "qap-form"
    assert raw.format == fmt
    assert raw.identity == read_form_identity(issued.form(audit_id, fmt))
    assert raw.identity is not None and raw.identity.audit_id == audit_id
    assert verify_identity(raw.identity, issued.workspace.secret_key())
    assert raw.notes == ()


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_blank_form_reads_as_no_answers(issued: IssuedSet, fmt: str) -> None:
    raw = READERS[fmt](issued.form("domestic-abuse-2026", fmt))
    assert (raw.tagged, raw.labels, raw.cases, raw.actions) == ({}, {}, (), ())
    assert raw.identity is not None and raw.identity.agency_key == "police"


def test_word_date_typed_not_picked_is_read_as_typed(issued: IssuedSet, tmp_path: Path) -> None:
    target = tmp_path / "typed.docx"
    fill_docx(
        issued.form("early-years-maru-2026", "docx"),
        target,
        {sign_off_tag(COMPLETED_ON): "1st Dec 2026"},
        typed_dates=True,
    )
    assert read_qap_docx(target).labels == {COMPLETED_ON: "1st Dec 2026"}


def test_word_stale_picked_date_loses_to_the_text_shown(issued: IssuedSet, tmp_path: Path) -> None:
    picked = tmp_path / "picked.docx"
    fill_docx(
        issued.form("section11-2026", "docx"), picked, {sign_off_tag(COMPLETED_ON): "2026-12-01"}
    )
    assert read_qap_docx(picked).labels == {COMPLETED_ON: "2026-12-01"}
    stale = tmp_path / "stale.docx"
    _rewrite_body(picked, stale, lambda xml: xml.replace("01/12/2026", "02/12/2026"))
    assert read_qap_docx(stale).labels == {COMPLETED_ON: "02/12/2026"}


def test_word_tracked_deletion_is_not_read(issued: IssuedSet, tmp_path: Path) -> None:
    filled = tmp_path / "filled.docx"
    tag = question_tag("1.1")
    fill_docx(issued.form("section11-2026", "docx"), filled, {tag: "Fully met"})
    tracked = tmp_path / "tracked.docx"
    deletion = (
        '<w:del w:id="9" w:author="x" w:date="2026-12-01T00:00:00Z"><w:r><w:tab/>'
        "<w:delText>Not met</w:delText></w:r></w:del>"
    )
    _rewrite_body(
        filled, tracked, lambda xml: xml.replace("</w:sdtContent>", deletion + "</w:sdtContent>", 1)
    )
    assert "Not met" in zipfile.ZipFile(tracked).read("word/document.xml").decode()
    assert read_qap_docx(tracked).tagged == {"1.1": "Fully met"}


def test_word_entities_are_never_expanded(issued: IssuedSet, tmp_path: Path) -> None:
    filled = tmp_path / "filled.docx"
    fill_docx(issued.form("section11-2026", "docx"), filled, {question_tag("1.2"): "MARK"})
    hostile = tmp_path / "hostile.docx"

    def inject(xml: str) -> str:
        xml = re.sub(r"^<\?xml[^>]*\?>", "", xml)
        return '<!DOCTYPE w:document [<!ENTITY x "EXPANDED">]>' + xml.replace("MARK", "MARK&x;")

    _rewrite_body(filled, hostile, inject)
    assert read_qap_docx(hostile).tagged == {"1.2": "MARK"}


def test_excel_values_as_typed(issued: IssuedSet, tmp_path: Path) -> None:
    # Real dates and whole numbers are covered by the round trips; here, a formula typed in.
    wb = load_workbook(issued.form("section11-2026", "xlsx"))
    ws = wb[RETURN_SHEET]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "1.2")
    ws.cell(row=row, column=3, value='=HYPERLINK("http://x.example","click")')
    target = tmp_path / "formula.xlsx"
    wb.save(target)
    raw = read_qap_xlsx(target)
    assert raw.tagged == {"1.2": '=HYPERLINK("http://x.example","click")'}
    assert raw.notes == (f"Return!C{row} holds a formula; its text was read",)


def test_excel_form_with_a_broken_sheet_names_the_file_and_the_fix(
    issued: IssuedSet, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.xlsx"
    source = issued.form("section11-2026", "xlsx")
    _rewrite_member(source, broken, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    with pytest.raises(ReturnRejected) as caught:
        read_qap_xlsx(broken)
    assert str(caught.value).startswith(
        "broken.xlsx is not a readable Excel workbook (XMLSyntaxError)."
    )


def test_altered_identity_fails_its_signature(issued: IssuedSet, tmp_path: Path) -> None:
    source = issued.form("fathers-2026", "docx")
    original = read_form_identity(source)
    assert original is not None and verify_identity(original, issued.workspace.secret_key())
    altered = tmp_path / "altered.docx"
    _rewrite_member(source, altered, CUSTOM_PART, lambda xml: xml.replace("|police|", "|csc|"))
    identity = read_qap_docx(altered).identity
    assert identity is not None and identity.agency_key == "csc"
    assert not verify_identity(identity, issued.workspace.secret_key())
    assert not verify_identity(original, b"another workspace's key")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_identity_survives_libreoffice_save(issued: IssuedSet, fmt: str, tmp_path: Path) -> None:
    source = issued.form("teen-pregnancy-2026", fmt)
    resaved = convert_with_libreoffice(source, tmp_path / "lo", target=fmt)
    identity = read_form_identity(resaved)
    assert identity == read_form_identity(source)
    assert identity is not None and verify_identity(identity, issued.workspace.secret_key())


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_filled_form_survives_libreoffice_save(issued: IssuedSet, fmt: str, tmp_path: Path) -> None:
    filled = sample_filled(issued.audit("early-years-maru-2026"))
    path = _fill(issued, "early-years-maru-2026", fmt, filled, tmp_path / f"filled.{fmt}")
    raw = READERS[fmt](convert_with_libreoffice(path, tmp_path / "lo", target=fmt))
    assert raw.identity == read_form_identity(path)
    if fmt == "xlsx":
        _assert_reads_back(raw, filled)
        return
    # LibreOffice 7.4 drops content-control tags (the field map restores them) and moves line
    # breaks out of the controls, so multi-line answers come back on one line.
    assert raw.notes and "matched by position" in raw.notes[0]
    flat = Filled(
        {k: v.replace("\n", "") for k, v in filled.tagged.items()},
        {
            i: (ref, {k: v.replace("\n", "") for k, v in a.items()})
            for i, (ref, a) in filled.cases.items()
        },
        filled.actions,
        filled.labels,
    )
    _assert_reads_back(raw, flat)


def _rewrite_body(source: Path, target: Path, change: object) -> None:
    _rewrite_member(source, target, "word/document.xml", change)


def _rewrite_member(source: Path, target: Path, member: str, change: object) -> None:
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(target, "w") as out:
        for info in package.infolist():
            data = package.read(info)
            if info.filename == member:
                data = change(data.decode()).encode()  # type: ignore[operator]
            out.writestr(info, data)
