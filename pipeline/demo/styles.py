"""The demo's returns in the styles agencies really send: qap's own forms filled in Word or Excel,
a retyped Word table, a legacy form-field document, a spreadsheet with a header block, and a scan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from docx.document import Document
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.definitions import RATINGS, AuditDefinition
from pipeline.demo.fill import Filled
from pipeline.demo.wordml import (
    add_xml,
    banner,
    document_with_title,
    legacy_dropdown,
    legacy_text,
    table,
)


def _uk(iso: str) -> str:
    """A date as people type it in England: 14/02/2027."""
    return f"{dt.date.fromisoformat(iso):%d/%m/%Y}" if iso else ""


def _case_rows(audit: AuditDefinition, filled: Filled) -> list[list[str]]:
    """Rows of a per-case table: the case references, then one row per case question."""
    indexes = sorted(filled.cases)
    rows = [["", "Case reference", *(filled.cases[i][0] for i in indexes)]]
    for question in audit.case_questions():
        answers = [filled.cases[i][1].get(question.id, "") for i in indexes]
        rows.append([question.id, question.text, *answers])
    return rows


def _actions_and_save(document: Document, filled: Filled, target: Path) -> None:
    """The actions table agencies add at the end (dates typed the English way), then save."""
    if filled.actions:
        document.add_paragraph("Actions")
        table(
            document,
            ["Action", "Owner", "Target date"],
            [[a, o, _uk(t)] for a, o, t in filled.actions],
        )
    document.save(str(target))


def retyped_docx(
    target: Path, audit: AuditDefinition, agency_as_typed: str, filled: Filled
) -> None:
    """The form retyped into a plain Word document: header lines, banner rows, a case table, actions."""
    document = document_with_title(audit.title)
    document.add_paragraph(f"Agency: {agency_as_typed}")
    document.add_paragraph(f"Completed by: {filled.labels.get('completed_by', '')}")
    document.add_paragraph(f"Date completed: {_uk(filled.labels.get('completed_on', ''))}")
    if audit.case_questions():
        document.add_paragraph("Cases audited")
        header = ["Q", "Question", *(f"Case {i}" for i in sorted(filled.cases))]
        table(document, header, _case_rows(audit, filled))
    rows: list[list[str]] = []
    banners: list[tuple[int, str]] = []
    for section in audit.sections:
        questions = [q for q in audit.questions_in(section.id) if not q.per_case]
        if not questions:
            continue
        banners.append((len(rows) + 1, f"Section {section.id}: {section.title}"))
        rows.append(["", "", ""])
        rows += [[q.id, q.text, filled.tagged.get(q.id, "")] for q in questions]
    if rows:
        document.add_paragraph("About our agency")
        grid = table(document, ["No.", "Question", "Answer"], rows)
        for row_index, text in banners:
            banner(grid, row_index, text)
    _actions_and_save(document, filled, target)


def legacy_docx(target: Path, audit: AuditDefinition, agency_as_typed: str, filled: Filled) -> None:
    """An old Word 97-2003 template: drop-down and text form fields in a table, per agency only."""
    document = document_with_title(audit.title)
    add_xml(document.add_paragraph("Agency: "), legacy_text(agency_as_typed))
    add_xml(
        document.add_paragraph("Completed by: "),
        legacy_text(filled.labels.get("completed_by", "")),
    )
    questions = audit.agency_questions()
    grid = table(
        document,
        ["Ref", "Standard", "Rating / evidence"],
        [[q.id, q.text, ""] for q in questions],
    )
    for row, question in zip(grid.rows[1:], questions, strict=True):
        answer = filled.tagged.get(question.id, "")
        paragraph = row.cells[2].paragraphs[0]
        if question.type == "rating":
            chosen = RATINGS.index(answer) if answer in RATINGS else 0
            add_xml(paragraph, legacy_dropdown(list(RATINGS), chosen))
        else:
            # Typed in two goes, as people do, so the field's result spans several runs.
            cut = answer.find(" ", len(answer) // 2)
            pieces = (answer[:cut], answer[cut:]) if cut > 0 else (answer,)
            add_xml(paragraph, legacy_text(*pieces))
    _actions_and_save(document, filled, target)


def _heading(sheet: Worksheet, row: int, text: str, size: int) -> None:
    sheet.cell(row, 1, text).font = Font(bold=True, size=size)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)


def header_block_xlsx(
    target: Path, audit: AuditDefinition, agency_as_typed: str, partnership: str, filled: Filled
) -> None:
    """An agency's own spreadsheet: merged title rows, Agency and date cells, then question tables."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Return"
    _heading(sheet, 1, partnership, 14)
    _heading(sheet, 2, audit.title, 12)
    sheet["A4"], sheet["B4"] = "Agency:", agency_as_typed
    sheet["D4"] = "Date completed:"
    completed = filled.labels.get("completed_on", "")
    if completed:
        sheet["E4"] = dt.datetime.fromisoformat(completed)
        sheet["E4"].number_format = "dd/mm/yyyy"
    sheet.append([])
    sheet.append(["ID", "Question", "Answer"])
    for question in audit.agency_questions():
        sheet.append([question.id, question.text, filled.tagged.get(question.id, "")])
    if filled.cases:
        sheet.append([])
        sheet.append(["ID", "Question", *(f"Case {i}" for i in sorted(filled.cases))])
        for row in _case_rows(audit, filled):
            sheet.append(row)
    if filled.actions:
        sheet.append([])
        sheet.append(["Action", "Owner", "Target date"])
        for action, owner, target_date in filled.actions:
            sheet.append([action, owner, dt.datetime.fromisoformat(target_date)])
            sheet.cell(sheet.max_row, 3).number_format = "dd/mm/yyyy"
    sheet.column_dimensions["B"].width = 60
    for column in "CDE":
        sheet.column_dimensions[column].width = 30
    for cells in sheet.iter_rows(min_row=6):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(str(target))


def scanned_pdf(target: Path, title: str, agency: str) -> None:
    """A scan of a printed form, as agencies sometimes send instead of the form itself."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.27, 11.69))
    figure.text(0.1, 0.9, title, fontsize=14, weight="bold")
    figure.text(0.1, 0.86, f"Agency: {agency}", fontsize=11)
    figure.text(0.1, 0.82, "(scanned copy of the printed, hand-completed form)", fontsize=9)
    figure.savefig(target, format="pdf")
