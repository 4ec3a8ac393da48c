"""The Excel return form: a Return sheet, a Cases sheet and an Actions sheet, answer cells unlocked."""

from __future__ import annotations

import logging
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.definitions import Question
from pipeline.forms import xlsx_style as st
from pipeline.forms.content import MARKING, FormContent, question_label
from pipeline.forms.fields import (
    ACTION_HEADERS,
    ACTIONS_SHEET,
    CASE_HEADERS,
    CASES_SHEET,
    COMPLETED_ON,
    EXCEL_DATE_FORMAT,
    LISTS_SHEET,
    RETURN_HEADERS,
    RETURN_SHEET,
    SIGN_OFF_LABELS,
)
from pipeline.forms.identity import PROPERTY_NAME, encode_identity

log = logging.getLogger(__name__)

RETURN_WIDTHS = {"A": 7, "B": 52, "C": 46, "D": 52}
CASE_ID_WIDTH, CASE_REF_WIDTH, CASE_QUESTION_WIDTH = 7, 20, 28
# The Cases sheet prints across pages, about five questions a page, case columns repeated.
CASES_PRINT_SCALE = 80
# Excel's rows are cheap: more action rows than the Word table, all optional.
XLSX_ACTION_ROWS = 12
# Dates accepted in date cells: 1 Jan 2000 to 31 Dec 2099 as Excel serial numbers.
FIRST_DATE, LAST_DATE = "36526", "73415"


class _Validations:
    """Data validations of one workbook: drop-down lists from the hidden Lists sheet, dates, numbers."""

    def __init__(self, lists: Worksheet) -> None:
        self.lists = lists
        self._columns: dict[tuple[str, ...], str] = {}

    def _list_range(self, options: tuple[str, ...]) -> str:
        if options not in self._columns:
            column = get_column_letter(len(self._columns) + 1)
            for row, option in enumerate(options, start=1):
                self.lists[f"{column}{row}"] = option
            self._columns[options] = f"{LISTS_SHEET}!${column}$1:${column}${len(options)}"
        return self._columns[options]

    def apply(self, ws: Worksheet, cell: str, question: Question | None, qtype: str) -> str:
        """Validate one answer cell for its type; returns the number format it should use."""
        options = question.options if question is not None else ()
        if options:
            rule = DataValidation(type="list", formula1=self._list_range(options), allow_blank=True)
            rule.error = "Please choose one of the answers in the list."
            fmt = "@"
        elif qtype == "date":
            rule = DataValidation(
                type="date",
                operator="between",
                formula1=FIRST_DATE,
                formula2=LAST_DATE,
                allow_blank=True,
            )
            rule.error = "Please enter a date, for example 03/11/2026."
            fmt = EXCEL_DATE_FORMAT
        elif qtype == "number":
            rule = DataValidation(
                type="decimal",
                operator="between",
                formula1="-1000000000",
                formula2="1000000000",
                allow_blank=True,
            )
            rule.error = "Please enter a number."
            fmt = "General"
        else:
            return "@"
        rule.errorTitle = "Check this answer"
        rule.showErrorMessage = True
        ws.add_data_validation(rule)
        rule.add(cell)
        return fmt


def write_xlsx_form(content: FormContent, path: Path) -> None:
    """Write one agency's Excel return form to `path`."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = RETURN_SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    validations = _Validations(lists)
    _return_sheet(ws, content, validations)
    if content.has_cases:
        _cases_sheet(wb.create_sheet(CASES_SHEET, 1), content, validations)
    if content.audit.actions_table:
        _actions_sheet(wb.create_sheet(ACTIONS_SHEET, 2 if content.has_cases else 1), content)
    lists.sheet_state = "hidden"
    st.protect(lists)
    # Sheets cannot be added, renamed or deleted by accident (no password, like the sheets).
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.title = f"{content.title}: return form"
    wb.properties.subject = content.agency.name
    wb.properties.creator = content.short_name
    wb.properties.keywords = MARKING
    wb.custom_doc_props.append(
        StringProperty(name=PROPERTY_NAME, value=encode_identity(content.identity))
    )
    wb.save(path)
    log.info("wrote Excel form %s", path.name)


def _title_block(ws: Worksheet, content: FormContent, subtitle: str) -> int:
    """Partnership, audit title and subtitle in rows 1-3; returns the next free row."""
    st.put(ws, "A1", content.partnership_name, font=st.font(11, bold=True, colour=st.GREY))
    st.put(ws, "A2", content.title, font=st.font(16, bold=True, colour=st.NAVY))
    st.put(ws, "A3", subtitle, font=st.font(11, bold=True))
    ws.row_dimensions[2].height = 24
    return 4


def _paragraph(
    ws: Worksheet, row: int, text: str, last_column: str, width: float, **style: object
) -> None:
    """A wrapped paragraph merged across the sheet's columns."""
    ws.merge_cells(f"A{row}:{last_column}{row}")
    st.put(ws, f"A{row}", text, alignment=st.WRAP, **style)
    st.fit_row(ws, row, [(text, width, 10)])


def _return_sheet(ws: Worksheet, content: FormContent, validations: _Validations) -> None:
    st.widths(ws, RETURN_WIDTHS)
    total = sum(RETURN_WIDTHS.values())
    row = _title_block(ws, content, f"Return form for {content.agency.name}")
    for label, value in content.about():
        if label in ("Agency", "Audit"):
            continue
        st.put(ws, f"A{row}", f"{label}: {value}", font=st.font(10, bold=label == "Return by"))
        row += 1
    row += 1
    st.put(ws, f"A{row}", "How to complete this form", font=st.font(11, bold=True, colour=st.NAVY))
    row += 1
    for number, step in enumerate(content.instructions("xlsx"), start=1):
        _paragraph(ws, row, f"{number}. {step}", "D", total, font=st.font(10))
        row += 1
    row += 1
    head_row = row
    st.header(ws, row, RETURN_HEADERS)
    ws.freeze_panes = f"A{row + 1}"
    for plan in content.sections:
        if not plan.agency_questions:
            continue
        row += 1
        _section_row(ws, row, plan.heading)
        for question in plan.agency_questions:
            row += 1
            _question_row(ws, row, question, validations)
    row += 2
    _section_row(ws, row, "Sign-off")
    for field, label in SIGN_OFF_LABELS.items():
        row += 1
        st.put(ws, f"B{row}", label, font=st.font(10, bold=True), fill=st.LABEL_FILL, border=st.BOX)
        cell = f"C{row}"
        qtype = "date" if field == COMPLETED_ON else "text"
        st.answer(ws[cell], validations.apply(ws, cell, None, qtype))
        ws.row_dimensions[row].height = 18
    st.print_setup(ws, content, title_rows=f"{head_row}:{head_row}")
    st.protect(ws)


def _section_row(ws: Worksheet, row: int, heading: str) -> None:
    for column in "ABCD":
        ws[f"{column}{row}"].fill = st.SECTION_FILL
    st.put(ws, f"B{row}", heading, font=st.font(11, bold=True, colour=st.NAVY))
    ws.row_dimensions[row].height = 20


def _question_row(ws: Worksheet, row: int, question: Question, validations: _Validations) -> None:
    st.put(
        ws,
        f"A{row}",
        question.id,
        font=st.font(10, bold=True, colour=st.NAVY),
        alignment=st.WRAP,
        border=st.BOX,
    )
    text = question_label(question)
    st.put(ws, f"B{row}", text, font=st.font(10), alignment=st.WRAP, border=st.BOX)
    cell = f"C{row}"
    st.answer(ws[cell], validations.apply(ws, cell, question, question.type))
    st.guidance(ws, f"D{row}", question.help)
    minimum = 60 if question.type == "text" else 18
    st.fit_row(
        ws,
        row,
        [(text, RETURN_WIDTHS["B"], 10), (question.help, RETURN_WIDTHS["D"], 8.5)],
        minimum=minimum,
    )


def _cases_sheet(ws: Worksheet, content: FormContent, validations: _Validations) -> None:
    questions = content.audit.case_questions()
    last = get_column_letter(2 + len(questions))
    st.widths(ws, {"A": CASE_ID_WIDTH, "B": CASE_REF_WIDTH})
    for offset in range(len(questions)):
        ws.column_dimensions[get_column_letter(3 + offset)].width = CASE_QUESTION_WIDTH
    total = CASE_ID_WIDTH + CASE_REF_WIDTH + CASE_QUESTION_WIDTH * len(questions)
    row = _title_block(ws, content, f"Cases audited by {content.agency.name}")
    note = (
        f"One row per case: audit {content.audit.cases} cases. Give your agency's record reference "
        "for each case, not names. Each column is one question: its text and guidance are above "
        "the column's number."
    )
    _paragraph(ws, row, note, last, min(total, 160), font=st.font(10))
    text_row, help_row, head_row = row + 1, row + 2, row + 3
    st.put(
        ws,
        f"B{text_row}",
        "Question",
        font=st.font(10, bold=True),
        alignment=Alignment(horizontal="right", vertical="top"),
    )
    st.put(
        ws,
        f"B{help_row}",
        "Guidance",
        font=st.font(9, bold=True, colour=st.GREY),
        alignment=Alignment(horizontal="right", vertical="top"),
    )
    st.header(ws, head_row, CASE_HEADERS)
    for offset, question in enumerate(questions):
        column = get_column_letter(3 + offset)
        text = f"{question.id} {question_label(question)}"
        st.put(
            ws,
            f"{column}{text_row}",
            text,
            font=st.font(10, bold=True),
            alignment=st.WRAP,
            fill=st.LABEL_FILL,
            border=st.BOX,
        )
        st.guidance(ws, f"{column}{help_row}", question.help)
        st.header(ws, head_row, [question.id], first_column=3 + offset)
    texts = [(f"{q.id} {question_label(q)}", CASE_QUESTION_WIDTH, 10.0) for q in questions]
    st.fit_row(ws, text_row, texts)
    st.fit_row(ws, help_row, [(q.help, CASE_QUESTION_WIDTH, 8.5) for q in questions])
    for index in range(1, content.audit.cases + 1):
        row = head_row + index
        st.put(
            ws,
            f"A{row}",
            index,
            font=st.font(10, bold=True),
            border=st.BOX,
            alignment=Alignment(horizontal="center", vertical="top"),
        )
        st.answer(ws[f"B{row}"])
        for offset, question in enumerate(questions):
            cell = f"{get_column_letter(3 + offset)}{row}"
            st.answer(ws[cell], validations.apply(ws, cell, question, question.type))
        ws.row_dimensions[row].height = 60 if any(q.type == "text" for q in questions) else 20
    ws.freeze_panes = f"C{head_row + 1}"
    st.print_setup(ws, content, title_rows=f"{text_row}:{head_row}")
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = CASES_PRINT_SCALE
    ws.print_title_cols = "A:B"
    # The running header names the audit, so the printout starts at the questions; otherwise the
    # title in column A would be cut off on every page by the repeated case columns.
    ws.print_area = f"A{text_row}:{last}{head_row + content.audit.cases}"
    st.protect(ws)


def _actions_sheet(ws: Worksheet, content: FormContent) -> None:
    widths = {"A": 70, "B": 30, "C": 16}
    st.widths(ws, widths)
    row = _title_block(ws, content, "Actions your agency will take")
    note = (
        "What will your agency do as a result of this audit? One action a row; the owner is a "
        "role, not a person's name; the target date is a date such as 31/03/2027. Leave unused "
        "rows empty."
    )
    _paragraph(ws, row, note, "C", sum(widths.values()), font=st.font(10))
    head_row = row + 1
    st.header(ws, head_row, ACTION_HEADERS)
    rule = DataValidation(
        type="date", operator="between", formula1=FIRST_DATE, formula2=LAST_DATE, allow_blank=True
    )
    rule.error = "Please enter a date, for example 31/03/2027."
    rule.showErrorMessage = True
    ws.add_data_validation(rule)
    for row in range(head_row + 1, head_row + 1 + XLSX_ACTION_ROWS):
        st.answer(ws[f"A{row}"])
        st.answer(ws[f"B{row}"])
        st.answer(ws[f"C{row}"], EXCEL_DATE_FORMAT)
        rule.add(f"C{row}")
        ws.row_dimensions[row].height = 32
    ws.freeze_panes = f"A{head_row + 1}"
    st.print_setup(ws, content, title_rows=f"{head_row}:{head_row}")
    st.protect(ws)
