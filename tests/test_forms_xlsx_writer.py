"""The Excel form: Return, Cases and Actions sheets, validated answer cells, the rest locked."""

from __future__ import annotations

from pathlib import Path

import pytest
from forms_helpers import SHIPPED, IssuedSet, issue_every_audit, pdf_pages, pdf_text
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.convert import convert_with_libreoffice
from pipeline.forms.fields import (
    ACTION_HEADERS,
    ACTIONS_SHEET,
    CASE_HEADERS,
    CASES_SHEET,
    LISTS_SHEET,
    RETURN_HEADERS,
    RETURN_SHEET,
    SIGN_OFF_LABELS,
)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> IssuedSet:
    return issue_every_audit(tmp_path_factory.mktemp("xlsx") / "ws")


def _row_of(ws: Worksheet, column: int, value: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=column).value == value)


def _validation(ws: Worksheet, coordinate: str) -> tuple[str, str | None] | None:
    for rule in ws.data_validations.dataValidation:
        if coordinate in rule.sqref:
            return rule.type, rule.formula1
    return None


def _list_values(wb: object, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    ws = wb[sheet]  # type: ignore[index]
    return [c.value for (c,) in ws[cells.replace("$", "")]]


@pytest.mark.parametrize("audit_id", SHIPPED)
def test_sheets_headers_and_validation(issued: IssuedSet, audit_id: str) -> None:
    audit = issued.audit(audit_id)
    wb = load_workbook(issued.form(audit_id, "xlsx"))
    expected = [RETURN_SHEET]
    expected += [CASES_SHEET] if audit.cases else []
    expected += [ACTIONS_SHEET] if audit.actions_table else []
    assert wb.sheetnames == [*expected, LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb.security is not None and wb.security.lockStructure
    ws = wb[RETURN_SHEET]
    head = _row_of(ws, 1, "ID")
    assert [c.value for c in ws[head]][:4] == list(RETURN_HEADERS)
    assert ws.freeze_panes == f"A{head + 1}"
    for question in audit.agency_questions():
        row = _row_of(ws, 1, question.id)
        answer = ws.cell(row=row, column=3)
        assert not answer.protection.locked
        assert ws.cell(row=row, column=2).protection.locked
        rule = _validation(ws, answer.coordinate)
        if question.options:
            assert rule is not None and rule[0] == "list"
            assert _list_values(wb, rule[1] or "") == list(question.options)
        elif question.type in ("date", "number"):
            assert rule is not None and rule[0] == (
                "date" if question.type == "date" else "decimal"
            )
        else:
            assert rule is None and answer.number_format == "@"
    for label in SIGN_OFF_LABELS.values():
        assert not ws.cell(row=_row_of(ws, 2, label), column=3).protection.locked
    for sheet in wb.worksheets:
        assert sheet.protection.sheet and not sheet.protection.password


def test_cases_sheet_has_a_column_per_question(issued: IssuedSet) -> None:
    audit = issued.audit("early-years-maru-2026")
    wb = load_workbook(issued.form("early-years-maru-2026", "xlsx"))
    ws = wb[CASES_SHEET]
    head = _row_of(ws, 1, "Case")
    headers = [c.value for c in ws[head] if c.value is not None]
    assert headers == [*CASE_HEADERS, *(q.id for q in audit.case_questions())]
    assert [ws.cell(row=head + i, column=1).value for i in (1, 2, 3)] == [1, 2, 3]
    assert ws.cell(row=head + 4, column=1).value is None
    for column, question in enumerate(audit.case_questions(), start=3):
        assert ws.cell(row=head - 2, column=column).value.startswith(
            f"{question.id} {question.text}"
        )
        assert ws.cell(row=head - 1, column=column).value == question.help
        assert not ws.cell(row=head + 1, column=column).protection.locked
    assert ws.cell(row=head + 1, column=2).number_format == "@"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_cols == "$A:$B"
    actions = wb[ACTIONS_SHEET]
    assert [c.value for c in actions[_row_of(actions, 1, "Action")]] == list(ACTION_HEADERS)


@pytest.mark.slow
@pytest.mark.parametrize("audit_id", SHIPPED)
def test_libreoffice_prints_the_excel_form(
    issued: IssuedSet, audit_id: str, tmp_path: Path
) -> None:
    pdf = convert_with_libreoffice(issued.form(audit_id, "xlsx"), tmp_path)
    text = pdf_text(pdf)
    pages = pdf_pages(pdf)
    assert text.count("OFFICIAL-SENSITIVE") >= 2 * pages
    assert f"Page {pages} of {pages}" in text
    audit = issued.audit(audit_id)
    assert audit.title in text
    agency = issued.workspace.partnership().agency(audit.agencies[0])
    assert agency is not None and f"Return form for {agency.name}" in text
