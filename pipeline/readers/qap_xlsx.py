"""Reader for qap's own Excel forms: answers found by the Return, Cases and Actions sheets' headers."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

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
from pipeline.readers.xlsx_sheet import ERROR, Book, Rows, Value, column_letters, read_sheet

log = logging.getLogger(__name__)

STYLE = "qap-form"
QUESTION_ID = re.compile(r"^\d+(\.\d+)+$")
# Headers sit near the top; a form is never this long, so scanning stops here.
HEADER_SCAN_ROWS = 60
MAX_ROWS = 2000
EMPTY = Value("", "", "")


def read_qap_xlsx(source: Path | Package) -> RawReturn:
    """Read an Excel form qap issued: answers by question id, cases, actions, sign-off, identity."""
    with open_package(source) as package:
        identity = package.identity()
        found = FormAnswers()
        try:
            _read_sheets(Book(package), found)
        except ReturnRejected:
            raise
        except CORRUPT:
            raise damaged() from None
        except Exception as exc:  # lxml and the cell decoding raise many types for one bad file
            raise ReturnRejected(
                f"{package.path.name} is not a readable Excel workbook ({type(exc).__name__}).",
                "Ask the agency to save it again as an Excel workbook (.xlsx) and resend it.",
            ) from None
    log.info("read qap Excel form %s", package.path.name)
    return found.raw_return(package.path.name, "xlsx", STYLE, identity)


def _read_sheets(book: Book, found: FormAnswers) -> None:
    for title, read in (
        (RETURN_SHEET, _return_sheet),
        (CASES_SHEET, _cases_sheet),
        (ACTIONS_SHEET, _actions_sheet),
    ):
        name = book.sheet_part(title)
        if name is not None:
            rows, _ = read_sheet(book, name, title)
            read(_Sheet(title, rows, found))


class _Sheet:
    """One sheet's cells, read into one FormAnswers; rows and columns are 1-based as in Excel."""

    def __init__(self, title: str, rows: Rows, found: FormAnswers) -> None:
        self.title = title
        self.found = found
        # Rows past MAX_ROWS are never read, so a padded sheet cannot make the reader crawl.
        self.rows = {n: rows[n] for n in sorted(rows) if n <= MAX_ROWS}

    def text(self, row: int, column: int) -> str:
        """A cell's text as typed (strings stripped), without noting formulas."""
        return self.rows.get(row, {}).get(column - 1, EMPTY).text.strip()

    def value(self, row: int, column: int) -> str:
        """A cell's text as typed, noting a formula (its text is what is read)."""
        cell = self.rows.get(row, {}).get(column - 1, EMPTY)
        if cell.flag and cell.flag != ERROR:
            ref = f"{column_letters(column - 1)}{row}"
            self.found.note(f"{self.title}!{ref} holds a formula; its text was read")
        return cell.text.strip()

    def header(self, labels: Sequence[str]) -> tuple[int, dict[str, int]] | None:
        """The row holding all `labels` and each label's column, searching the top of the sheet."""
        for number, cells in self.rows.items():
            if number > HEADER_SCAN_ROWS:
                break
            columns = {v.text.strip(): col + 1 for col, v in cells.items() if v.text}
            if all(label in columns for label in labels):
                return number, columns
        self.found.note(f"sheet {self.title} has no {'/'.join(labels)} header row")
        return None

    def below(self, head_row: int) -> list[int]:
        """The numbers of the rows under a header that hold anything."""
        return [n for n in self.rows if n > head_row]


def _return_sheet(ws: _Sheet) -> None:
    """Answers by the ID column; sign-off values to the right of their labels."""
    header = ws.header(RETURN_HEADERS[:3])
    if header is None:
        return
    head_row, columns = header
    below = ws.below(head_row)
    for row in below:
        qid = ws.text(row, columns["ID"])
        if QUESTION_ID.match(qid):
            ws.found.add(Tag("q", qid), ws.value(row, columns["Answer"]))
    labels = {label: field for field, label in SIGN_OFF_LABELS.items()}
    for row in below:
        for col, cell in sorted(ws.rows[row].items()):
            field = labels.get(cell.text.strip())
            if field is not None:
                ws.found.add(Tag("sign_off", field), ws.value(row, col + 2))


def _cases_sheet(ws: _Sheet) -> None:
    """One case a row under the Case / Case reference header; question ids head the columns."""
    header = ws.header(CASE_HEADERS)
    if header is None:
        return
    head_row, columns = header
    questions = {label: col for label, col in columns.items() if QUESTION_ID.match(label)}
    position = 0
    for row in ws.below(head_row):
        number = ws.text(row, columns["Case"])
        if not number:
            continue
        position += 1
        index = int(number) if number.isdigit() and int(number) > 0 else position
        ws.found.add(Tag("case", "ref", index), ws.value(row, columns["Case reference"]))
        for qid, column in questions.items():
            ws.found.add(Tag("case", qid, index), ws.value(row, column))


def _actions_sheet(ws: _Sheet) -> None:
    """Every non-empty row under the Action / Owner / Target date header."""
    header = ws.header(ACTION_HEADERS)
    if header is None:
        return
    head_row, columns = header
    for row in ws.below(head_row):
        for field, label in zip(ACTION_FIELDS, ACTION_HEADERS, strict=True):
            ws.found.add(Tag("action", field, row - head_row), ws.value(row, columns[label]))
