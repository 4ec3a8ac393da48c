"""Progress-update forms: each agency's open actions in Word and Excel, signed, to be sent back."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipeline.config import Agency, Partnership
from pipeline.errors import UnknownAuditError
from pipeline.model import UPDATE_FORM, FormIdentity, RawReturn, TrackerItem
from pipeline.temps import new_temp
from pipeline.tracker.cells import needs_quote_prefix, parse_date
from pipeline.tracker.columns import DONE_STATUSES, STATUSES, find_agency
from pipeline.tracker.update_reader import UPDATE_AUDIT_ID, UPDATE_HEADERS
from pipeline.tracker.update_reader import read_update_form as read_update_form
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

NAVY = "1F3864"
INPUT_FILL = "EAF1FB"
# Widths in centimetres (Word, A4 landscape) and characters (Excel), column by column.
DOCX_WIDTHS_CM = (2.6, 6.9, 2.2, 2.6, 5.6, 4.4, 2.4)
XLSX_WIDTHS = (14, 44, 12, 18, 40, 32, 13)


def updates_folder(workspace: Workspace) -> Path:
    """Where update forms are written: outbox/forms/updates/."""
    return workspace.outbox / "forms" / "updates"


def _identity(workspace: Workspace, agency_key: str) -> str:
    from pipeline.forms.identity import encode_identity, sign_identity

    identity = FormIdentity(
        workspace.workspace_id(), UPDATE_AUDIT_ID, agency_key, 1, kind=UPDATE_FORM
    )
    return encode_identity(sign_identity(identity, workspace.secret_key()))


def _target(item: TrackerItem) -> str:
    parsed = parse_date(item.target_date or "")
    return f"{parsed:%d/%m/%Y}" if parsed else (item.target_date or "")


def _intro(partnership: Partnership, agency: Agency, today: dt.date) -> tuple[str, str, str]:
    title = f"{partnership.short_name or partnership.name}: progress on your agency's actions"
    issued = f"{agency.name}. Issued {today:%d %B %Y}."
    back = f" Email it back to {partnership.return_email}." if partnership.return_email else ""
    guide = (
        "For each action, choose a status (" + ", ".join(STATUSES) + "), say what has "
        "happened since the last update and what difference it has made, and give a revised "
        "target date only if the original can no longer be met. Leave the Ref, action and "
        f"target date as they are.{back}"
    )
    return title, issued, guide


def _write_atomically(path: Path, save: Callable[[Path], None]) -> None:
    temp = new_temp(path.parent, path.suffix)
    try:
        save(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _docx(
    path: Path, intro: tuple[str, str, str], items: Sequence[TrackerItem], identity: str
) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    from pipeline.forms.properties import add_identity_property

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10)
    title, issued, guide = intro
    heading = document.add_paragraph()
    run = heading.add_run(title)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(16), RGBColor.from_string(NAVY)
    document.add_paragraph(issued).runs[0].bold = True
    document.add_paragraph(guide)
    table = document.add_table(rows=1, cols=len(UPDATE_HEADERS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, UPDATE_HEADERS, strict=True):
        cell.text = text
        run = cell.paragraphs[0].runs[0]
        run.bold, run.font.color.rgb = True, RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, NAVY, OxmlElement, qn)
    # The header row repeats on each page so a long list stays readable when printed.
    header_props = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for item in items:
        cells = table.add_row().cells
        for index, text in enumerate((item.ref, item.text, _target(item), item.status)):
            cells[index].text = text
        for cell in cells[3:]:
            _shade(cell, INPUT_FILL, OxmlElement, qn)
    # LibreOffice honours the grid, Word the cell widths: set both, and stop autofit undoing them.
    table.autofit = False
    for column, width in zip(table.columns, DOCX_WIDTHS_CM, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, DOCX_WIDTHS_CM, strict=True):
            cell.width = Cm(width)
    for row in table.rows[1:]:
        row.height = Cm(2.2)  # room to write by hand on a printed copy
    add_identity_property(document, identity, [])
    _write_atomically(path, lambda temp: document.save(str(temp)))


def _shade(cell: Any, colour: str, element: Any, qn: Any) -> None:
    shading = element("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _xlsx(
    path: Path, intro: tuple[str, str, str], items: Sequence[TrackerItem], identity: str
) -> None:
    import openpyxl
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from pipeline.forms.identity import PROPERTY_NAME

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Updates"
    title, issued, guide = intro
    sheet["A1"], sheet["A2"], sheet["A3"] = title, issued, guide
    sheet["A1"].font = Font(bold=True, size=15, color=NAVY)
    sheet["A2"].font = Font(bold=True)
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(UPDATE_HEADERS))
    sheet["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[3].height = 48
    header_row = 5
    for column, (text, width) in enumerate(zip(UPDATE_HEADERS, XLSX_WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=header_row, column=column, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", start_color=NAVY, end_color=NAVY)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[header_row].height = 32
    status = DataValidation(type="list", formula1=f'"{",".join(STATUSES)}"', allow_blank=True)
    sheet.add_data_validation(status)
    fill = PatternFill("solid", start_color=INPUT_FILL, end_color=INPUT_FILL)
    for row, item in enumerate(items, start=header_row + 1):
        for column, text in enumerate((item.ref, item.text, _target(item), item.status), start=1):
            cell = sheet.cell(row=row, column=column, value=text)
            cell.data_type = "s"
            cell.quotePrefix = needs_quote_prefix(text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column in range(4, len(UPDATE_HEADERS) + 1):
            cell = sheet.cell(row=row, column=column)
            cell.fill = fill
            cell.protection = Protection(locked=False)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = "dd/mm/yyyy" if column == len(UPDATE_HEADERS) else "@"
        status.add(f"D{row}")
        sheet.row_dimensions[row].height = max(30, 15 * (len(item.text) // 50 + 1))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    # Locked Ref and action cells keep the rows matchable; the sheet has no password.
    sheet.protection.sheet = True
    sheet.protection.formatRows = False
    book.custom_doc_props.append(StringProperty(name=PROPERTY_NAME, value=identity))
    _write_atomically(path, lambda temp: book.save(temp))


def open_items_for(
    items: Sequence[TrackerItem], partnership: Partnership, agency: Agency
) -> list[TrackerItem]:
    """The items an agency leads that are not yet completed, in tracker order."""
    return [
        item
        for item in items
        if item.status not in DONE_STATUSES
        and (lead := find_agency(partnership, item.lead_agency)) is not None
        and lead.key == agency.key
    ]


def write_update_forms(
    workspace: Workspace, agency_key: str, *, today: dt.date | None = None
) -> list[Path]:
    """Write outbox/forms/updates/AGENCY-updates.docx and .xlsx listing the agency's open actions.

    Returns the paths written; none when the agency has no open actions.
    """
    from pipeline.tracker.plan import read_tracker_items

    partnership = workspace.partnership()
    agency = partnership.agency(agency_key)
    if agency is None:
        known = ", ".join(partnership.agency_keys()) or "none"
        raise UnknownAuditError(
            f"There is no agency {agency_key!r} in {workspace.config_path.name}. Known agencies: {known}."
        )
    items = open_items_for(read_tracker_items(workspace), partnership, agency)
    if not items:
        log.info("no open tracker items for %s; no update form written", agency_key)
        return []
    folder = updates_folder(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    intro = _intro(partnership, agency, today or dt.date.today())
    identity = _identity(workspace, agency_key)
    paths = [folder / f"{agency_key}-updates.docx", folder / f"{agency_key}-updates.xlsx"]
    _docx(paths[0], intro, items, identity)
    _xlsx(paths[1], intro, items, identity)
    log.info("update forms written for %s: %d open item(s)", agency_key, len(items))
    return paths


__all__ = ["RawReturn", "read_update_form", "updates_folder", "write_update_forms"]
