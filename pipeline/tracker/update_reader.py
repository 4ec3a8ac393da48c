"""Reading a returned progress-update form (Word or Excel) into a RawReturn of kind update."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import ReturnRejected
from pipeline.model import RawReturn, RawUpdate
from pipeline.tracker.cells import canonical

log = logging.getLogger(__name__)

UPDATE_AUDIT_ID = "tracker-updates"
UPDATE_HEADERS = (
    "Ref",
    "Action",
    "Target date",
    "Status",
    "Progress since the last update",
    "Evidence of impact",
    "Revised target date",
)
FIELDS = ("ref", "", "", "status", "progress", "evidence", "revised_target")
# How far down an Excel sheet the header row may have moved (rows inserted above it).
HEADER_SEARCH_ROWS = 30


def _field_map(headers: Sequence[str]) -> dict[str, int] | None:
    """Column index of each field, matching headers case- and space-insensitively."""
    wanted = {
        " ".join(h.split()).casefold(): f for h, f in zip(UPDATE_HEADERS, FIELDS, strict=True) if f
    }
    found = {}
    for index, header in enumerate(headers):
        field = wanted.get(" ".join(header.split()).casefold())
        if field:
            found[field] = index
    return found if "ref" in found else None


def _updates(rows: Sequence[Sequence[str]], fields: dict[str, int]) -> tuple[RawUpdate, ...]:
    result = []
    for row in rows:
        values = {f: (row[i] if i < len(row) else "") for f, i in fields.items()}
        if values["ref"].strip():
            result.append(
                RawUpdate(
                    ref=values["ref"].strip(),
                    status=values.get("status", "").strip(),
                    progress=values.get("progress", ""),
                    evidence=values.get("evidence", ""),
                    revised_target=values.get("revised_target", "").strip(),
                )
            )
    return tuple(result)


def _docx_rows(path: Path) -> tuple[list[list[str]], tuple[str, ...]]:
    from docx import Document

    document = Document(str(path))
    for table in document.tables:
        rows = [
            ["\n".join(p.text for p in cell.paragraphs) for cell in row.cells] for row in table.rows
        ]
        if rows and _field_map(rows[0]):
            return rows, ()
    return [], ()


def _xlsx_rows(path: Path) -> tuple[list[list[str]], tuple[str, ...]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=False, data_only=False)
    notes: list[str] = []
    for sheet in book.worksheets:
        rows: list[list[str]] = []
        for cells in sheet.iter_rows():
            row = []
            for cell in cells:
                if cell.data_type == "f":
                    notes.append(
                        f"cell {cell.coordinate} held a formula; its text was read, not run"
                    )
                row.append(canonical(cell.value))
            rows.append(row)
        for start, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if _field_map(row):
                return rows[start:], tuple(notes)
    return [], tuple(notes)


def read_update_form(path: Path) -> RawReturn:
    """The updates in a returned form, keyed by Ref, with its identity if qap's property survived."""
    from pipeline.forms.identity import read_form_identity

    suffix = path.suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise ReturnRejected(
            f"{path.name} is not a Word or Excel file.", "Send the update form as .docx or .xlsx."
        )
    rows, notes = _docx_rows(path) if suffix == ".docx" else _xlsx_rows(path)
    fields = _field_map(rows[0]) if rows else None
    if fields is None:
        raise ReturnRejected(
            f"{path.name} has no table with a Ref column, so qap cannot tell which actions it updates.",
            "Fill in the update form qap sent (qap forms --updates AGENCY) without changing its headings.",
        )
    updates = _updates(rows[1:], fields)
    log.info("update form %s read: %d row(s)", path.name, len(updates))
    return RawReturn(
        file_name=path.name,
        format=suffix.lstrip("."),
        style="update",
        identity=read_form_identity(path),
        labels={"audit": UPDATE_AUDIT_ID},
        updates=updates,
        notes=notes,
    )
