"""The Word return form: A4, the audit's sections with a content control for every answer."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from pipeline.definitions import Question
from pipeline.forms import docx_controls as dc
from pipeline.forms.content import MARKING, FormContent, SectionPlan
from pipeline.forms.fields import (
    ACTION_FIELDS,
    ACTION_ROWS,
    COMPLETED_BY,
    COMPLETED_ON,
    ROLE,
    SIGN_OFF_LABELS,
    action_tag,
    case_tag,
    question_tag,
    sign_off_tag,
)
from pipeline.forms.identity import encode_identity
from pipeline.forms.properties import add_identity_property

log = logging.getLogger(__name__)

FONT = "Arial"
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
ANSWER_FILL = "EAF1FB"
LABEL_FILL = "D9E2F3"
HEADER_FILL = "1F3864"
BORDER = "A6A6A6"
PAGE_WIDTH_CM = 21.0
MARGIN_CM = 2.0
CONTENT_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM
CASE_LABEL_CM = 1.7


def write_docx_form(content: FormContent, path: Path) -> None:
    """Write one agency's Word return form to `path`."""
    document = Document()
    _page_setup(document, content)
    _styles(document)
    controls = dc.ControlFactory()
    _front_matter(document, content)
    # The first page introduces the audit; the questions start on a page of their own.
    document.add_page_break()
    if content.has_cases:
        _cases_audited(document, content, controls)
    for plan in content.sections:
        _section(document, content, plan, controls)
    if content.audit.actions_table:
        _actions(document, controls)
    _sign_off(document, content, controls)
    _properties(document, content, controls.tags)
    document.save(str(path))
    log.info("wrote Word form %s", path.name)


def _page_setup(document: Any, content: FormContent) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(29.7)
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)
    header = section.header.paragraphs[0]
    _marking(header)
    sub = section.header.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(sub, content.header_text, size=8, colour=GREY)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, f"{content.footer_text()} | Page ", size=8, colour=GREY)
    dc.add_field(footer, "PAGE")
    _run(footer, " of ", size=8, colour=GREY)
    dc.add_field(footer, "NUMPAGES")
    _marking(section.footer.add_paragraph())


def _marking(paragraph: Any) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, MARKING, size=10, bold=True)


def _styles(document: Any) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.element.rPr.rFonts.set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", FONT
    )
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Heading 1", 14), ("Heading 2", 11.5), ("Title", 20)):
        style = document.styles[name]
        style.font.name = FONT
        dc.drop_theme_fonts(style.element)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = NAVY
        style.paragraph_format.space_before = Pt(14 if name == "Heading 1" else 8)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True


def _run(
    paragraph: Any,
    text: str,
    *,
    size: float = 10,
    bold: bool = False,
    italic: bool = False,
    colour: RGBColor | None = None,
) -> Any:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _front_matter(document: Any, content: FormContent) -> None:
    name = document.add_paragraph()
    _run(name, content.partnership_name, size=12, bold=True, colour=GREY)
    title = document.add_paragraph(style="Title")
    title.add_run(content.title)
    title.paragraph_format.space_after = Pt(2)
    sub = document.add_paragraph()
    _run(sub, f"Audit return form | {content.audit.programme} programme", size=11, colour=NAVY)
    about = content.about()
    table = _table(document, len(about), [4.0, CONTENT_CM - 4.0])
    for row, (label, value) in zip(table.rows, about, strict=True):
        dc.shade_cell(row.cells[0], LABEL_FILL)
        _run(row.cells[0].paragraphs[0], label, bold=True)
        _run(row.cells[1].paragraphs[0], value, bold=label in ("Agency", "Return by"))
    document.add_heading("How to complete this form", level=2)
    for step in content.instructions("docx"):
        document.add_paragraph(step, style="List Number")
    document.add_heading("About this audit", level=2)
    for part in content.audit.scope.split("\n\n"):
        document.add_paragraph(" ".join(part.split()))
    if content.audit.focus:
        lead = document.add_paragraph()
        _run(lead, "Lines of enquiry", bold=True)
        for focus in content.audit.focus:
            document.add_paragraph(focus, style="List Bullet")


def _table(document: Any, rows: int, widths_cm: Sequence[float]) -> Any:
    table = document.add_table(rows=rows, cols=len(widths_cm))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    dc.set_table_borders(table, BORDER)
    dc.set_cell_margins(table, top=60, side=100)
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return table


def _header_row(row: Any, labels: Sequence[str]) -> None:
    dc.repeat_header(row)
    for cell, label in zip(row.cells, labels, strict=True):
        dc.shade_cell(cell, HEADER_FILL)
        _run(cell.paragraphs[0], label, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF))


def _answer_cell(cell: Any, control: Any) -> None:
    dc.shade_cell(cell, ANSWER_FILL)
    cell.paragraphs[0]._p.append(control)


def _spacer(document: Any) -> None:
    gap = document.add_paragraph()
    gap.paragraph_format.space_after = Pt(2)


def _cases_audited(document: Any, content: FormContent, controls: dc.ControlFactory) -> None:
    document.add_heading("Cases audited", level=1)
    note = document.add_paragraph()
    _run(
        note,
        f"Give the reference your agency uses for each of the {content.audit.cases} cases you "
        "audited. The case numbers are used in the tables that follow. Do not use names.",
        size=9,
        colour=GREY,
    )
    table = _table(document, content.audit.cases + 1, [CASE_LABEL_CM + 1.3, CONTENT_CM - 3.0])
    _header_row(table.rows[0], ["Case", "Case reference"])
    for index, row in enumerate(table.rows[1:], start=1):
        _run(row.cells[0].paragraphs[0], f"Case {index}", bold=True)
        _answer_cell(row.cells[1], controls.text(case_tag(index, "ref"), f"Case {index} reference"))
    dc.keep_table_together(table)
    _spacer(document)


def _question_label(paragraph: Any, question: Question, size: float = 10) -> None:
    _run(paragraph, f"{question.id}  ", size=size, bold=True, colour=NAVY)
    _run(paragraph, question.text, size=size, bold=True)
    if not question.required:
        _run(paragraph, " (optional)", size=size - 1, colour=GREY)


def _help(cell_or_doc: Any, question: Question, size: float = 8.5) -> Any:
    if not question.help:
        return None
    paragraph = cell_or_doc.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(2)
    _run(paragraph, question.help, size=size, colour=GREY)
    return paragraph


def _section(
    document: Any, content: FormContent, plan: SectionPlan, controls: dc.ControlFactory
) -> None:
    document.add_heading(plan.heading, level=1)
    if plan.section.intro:
        intro = document.add_paragraph()
        intro.paragraph_format.keep_with_next = True
        _run(intro, " ".join(plan.section.intro.split()), italic=True, colour=GREY)
    for block in plan.blocks:
        if isinstance(block, tuple):
            _case_table(document, content, block, controls)
        else:
            _agency_question(document, block, controls)


def _agency_question(document: Any, question: Question, controls: dc.ControlFactory) -> None:
    label = document.add_paragraph()
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_before = Pt(6)
    _question_label(label, question)
    help_paragraph = _help(document, question)
    if help_paragraph is not None:
        help_paragraph.paragraph_format.keep_with_next = True
    table = _table(document, 1, [CONTENT_CM])
    control = controls.for_type(
        question_tag(question.id), question.id, question.type, question.options
    )
    _answer_cell(table.rows[0].cells[0], control)
    if question.type == "text":
        table.rows[0].height = Cm(2.0)
        table.rows[0].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _case_table(
    document: Any, content: FormContent, group: Sequence[Question], controls: dc.ControlFactory
) -> None:
    lead = document.add_paragraph()
    lead.paragraph_format.keep_with_next = True
    lead.paragraph_format.space_before = Pt(6)
    _run(lead, "For each case:", size=9, bold=True, colour=GREY)
    width = (CONTENT_CM - CASE_LABEL_CM) / len(group)
    table = _table(document, content.audit.cases + 1, [CASE_LABEL_CM, *([width] * len(group))])
    head = table.rows[0]
    dc.repeat_header(head)
    dc.shade_cell(head.cells[0], LABEL_FILL)
    _run(head.cells[0].paragraphs[0], "Case", bold=True, size=9)
    for cell, question in zip(head.cells[1:], group, strict=True):
        dc.shade_cell(cell, LABEL_FILL)
        _question_label(cell.paragraphs[0], question, size=9)
        help_paragraph = _help(cell, question, size=8)
        for paragraph in (cell.paragraphs[0], help_paragraph):
            if paragraph is not None:
                paragraph.paragraph_format.keep_with_next = True
    for index, row in enumerate(table.rows[1:], start=1):
        dc.keep_row_together(row)
        _run(row.cells[0].paragraphs[0], f"Case {index}", bold=True, size=9)
        for cell, question in zip(row.cells[1:], group, strict=True):
            control = controls.for_type(
                case_tag(index, question.id),
                f"Case {index}: {question.id}",
                question.type,
                question.options,
            )
            _answer_cell(cell, control)
        if any(q.type == "text" for q in group):
            row.height = Cm(2.2)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _spacer(document)


def _actions(document: Any, controls: dc.ControlFactory) -> None:
    document.add_heading("Actions", level=1)
    note = document.add_paragraph()
    _run(
        note,
        "What will your agency do as a result of this audit? One action a row; the owner is a "
        "role, not a person's name. Leave unused rows empty.",
        size=9,
        colour=GREY,
    )
    widths = [0.8, 9.2, 3.8, 3.2]
    table = _table(document, ACTION_ROWS + 1, widths)
    _header_row(table.rows[0], ["", "Action", "Owner", "Target date"])
    for index, row in enumerate(table.rows[1:], start=1):
        dc.keep_row_together(row)
        _run(row.cells[0].paragraphs[0], str(index), bold=True, size=9)
        for cell, field in zip(row.cells[1:], ACTION_FIELDS, strict=True):
            alias = f"Action {index}: {field}"
            control = (
                controls.date(action_tag(index, field), alias)
                if field == "target"
                else controls.text(action_tag(index, field), alias)
            )
            _answer_cell(cell, control)
    _spacer(document)


def _sign_off(document: Any, content: FormContent, controls: dc.ControlFactory) -> None:
    document.add_heading("Sign-off", level=1)
    table = _table(document, 3, [4.0, CONTENT_CM - 4.0])
    dc.keep_table_together(table)
    for row, field in zip(table.rows, (COMPLETED_BY, ROLE, COMPLETED_ON), strict=True):
        dc.shade_cell(row.cells[0], LABEL_FILL)
        _run(row.cells[0].paragraphs[0], SIGN_OFF_LABELS[field], bold=True)
        label = SIGN_OFF_LABELS[field]
        control = (
            controls.date(sign_off_tag(field), label)
            if field == COMPLETED_ON
            else controls.text(sign_off_tag(field), label)
        )
        _answer_cell(row.cells[1], control)
    closing = document.add_paragraph()
    closing.paragraph_format.space_before = Pt(10)
    email = content.partnership.return_email
    _run(
        closing,
        f"Thank you. Please save this form and email it to {email} by {content.deadline_text}."
        if email
        else f"Thank you. Please return this form by {content.deadline_text}.",
        bold=True,
        colour=NAVY,
    )


def _properties(document: Any, content: FormContent, tags: list[str]) -> None:
    core = document.core_properties
    core.title = f"{content.title}: return form"
    core.subject = content.agency.name
    core.author = content.short_name
    core.keywords = MARKING
    core.comments = content.version_text
    core.last_modified_by = content.short_name
    core.created = core.modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
    add_identity_property(document, encode_identity(content.identity), tags)
