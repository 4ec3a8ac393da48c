"""Reader for qap's own Excel forms: answers found by the Return, Cases and Actions sheets' headers."""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import ReturnRejected
from pipeline.forms.answers import FormAnswers
from pipeline.forms.fields import (
    ACTION_FIELDS,
    ACTION_HEADERS,
    ACTIONS_SHEET,
    CASE_HEADERS,
    CASES_SHEET,
    RETURN_HEADERS,
    RETURN_SHEET,
    SIGN_OFF_LABELS,
    Tag,
)
from pipeline.model import RawReturn
from pipeline.readers.package import CORRUPT, Package, damaged, open_package

log = logging.getLogger(__name__)

STYLE = "qap-form"
QUESTION_ID = re.compile(r"^\d+(\.\d+)+$")
# Headers sit near the top; a form is never this long, so scanning stops here.
HEADER_SCAN_ROWS = 60
MAX_ROWS = 2000


def read_qap_xlsx(source: Path | Package) -> RawReturn:
    """Read an Excel form qap issued: answers by question id, cases, actions, sign-off, identity."""
    with open_package(source) as package:
        identity = package.identity()
    path = package.path
    found = FormAnswers()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with path.open("rb") as handle:
                # A file object skips openpyxl's check of the name's extension.
                workbook = load_workbook(handle, data_only=False)
        except CORRUPT:
            raise damaged() from None
        except Exception as exc:  # openpyxl raises many types for one bad file
            raise ReturnRejected(
                f"{path.name} is not a readable Excel workbook ({type(exc).__name__}).",
                "Ask the agency to save it again as an Excel workbook (.xlsx) and resend it.",
            ) from None
    for warning in caught:
        found.note(f"openpyxl: {warning.category.__name__} while opening the workbook")
    reader = _SheetReader(found)
    for name, read in (
        (RETURN_SHEET, reader.return_sheet),
        (CASES_SHEET, reader.cases_sheet),
        (ACTIONS_SHEET, reader.actions_sheet),
    ):
        if name in workbook.sheetnames:
            read(workbook[name])
    workbook.close()
    log.info("read qap Excel form %s", path.name)
    return found.raw_return(path.name, "xlsx", STYLE, identity)


def cell_text(value: Any) -> str:
    """A cell's value as typed: real dates as ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _find_header(ws: Worksheet, labels: Sequence[str]) -> tuple[int, dict[str, int]] | None:
    """The row holding all `labels` and each label's column, searching the top of the sheet."""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, HEADER_SCAN_ROWS)):
        columns = {cell_text(c.value): c.column for c in row if c.value is not None}
        if all(label in columns for label in labels):
            return row[0].row, columns
    return None


def _rows_below(ws: Worksheet, head_row: int) -> range:
    """Row numbers under a header, bounded so a padded sheet cannot make the reader crawl."""
    return range(head_row + 1, min(ws.max_row, MAX_ROWS) + 1)


class _SheetReader:
    """Reads each sheet of a qap form into one FormAnswers."""

    def __init__(self, found: FormAnswers) -> None:
        self.found = found

    def _value(self, ws: Worksheet, row: int, column: int) -> str:
        cell = ws.cell(row=row, column=column)
        if cell.data_type == "f":
            self.found.note(f"{ws.title}!{cell.coordinate} holds a formula; its text was read")
        return cell_text(cell.value)

    def _header(self, ws: Worksheet, labels: Sequence[str]) -> tuple[int, dict[str, int]] | None:
        header = _find_header(ws, labels)
        if header is None:
            self.found.note(f"sheet {ws.title} has no {'/'.join(labels)} header row")
        return header

    def return_sheet(self, ws: Worksheet) -> None:
        """Answers by the ID column; sign-off values to the right of their labels."""
        header = self._header(ws, RETURN_HEADERS[:3])
        if header is None:
            return
        head_row, columns = header
        for row in _rows_below(ws, head_row):
            qid = cell_text(ws.cell(row=row, column=columns["ID"]).value)
            if QUESTION_ID.match(qid):
                self.found.add(Tag("q", qid), self._value(ws, row, columns["Answer"]))
        labels = {label: field for field, label in SIGN_OFF_LABELS.items()}
        for cells in ws.iter_rows(min_row=head_row + 1, max_row=min(ws.max_row, MAX_ROWS)):
            for cell in cells:
                field = labels.get(cell_text(cell.value))
                if field is not None and isinstance(cell.column, int):
                    value = self._value(ws, cell.row, cell.column + 1)
                    self.found.add(Tag("sign_off", field), value)

    def cases_sheet(self, ws: Worksheet) -> None:
        """One case a row under the Case / Case reference header; question ids head the columns."""
        header = self._header(ws, CASE_HEADERS)
        if header is None:
            return
        head_row, columns = header
        questions = {label: col for label, col in columns.items() if QUESTION_ID.match(label)}
        position = 0
        for row in _rows_below(ws, head_row):
            number = cell_text(ws.cell(row=row, column=columns["Case"]).value)
            if not number:
                continue
            position += 1
            index = int(number) if number.isdigit() and int(number) > 0 else position
            ref = self._value(ws, row, columns["Case reference"])
            self.found.add(Tag("case", "ref", index), ref)
            for qid, column in questions.items():
                self.found.add(Tag("case", qid, index), self._value(ws, row, column))

    def actions_sheet(self, ws: Worksheet) -> None:
        """Every non-empty row under the Action / Owner / Target date header."""
        header = self._header(ws, ACTION_HEADERS)
        if header is None:
            return
        head_row, columns = header
        for row in _rows_below(ws, head_row):
            for field, label in zip(ACTION_FIELDS, ACTION_HEADERS, strict=True):
                value = self._value(ws, row, columns[label])
                self.found.add(Tag("action", field, row - head_row), value)
