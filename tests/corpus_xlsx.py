"""The Excel half of the corpus: header blocks, ids typed as numbers, per-case rows, formulas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tests.corpus import Builder, Expected

EY = "early-years-maru-2026"
# An audit with a question 1.10, which Excel stores as the number 1.1.
TEN_QUESTIONS = """
id = "ten-questions-2026"
title = "Ten and more questions (test audit)"
programme = "2026-27"
kind = "audit"
scope = "A test audit with more than nine questions in one section."
focus = ["Are ids such as 1.10 read correctly?"]
period = "1 April 2026 to 30 September 2026"
deadline = 2027-03-31
agencies = ["police", "housing"]
cases = 0
actions_table = false
reference_prefix = "TQ26"

[[sections]]
id = "1"
title = "Questions"
""" + "".join(
    f"""
[[questions]]
id = "1.{n}"
section = "1"
text = "Test question number {n} about safeguarding practice?"
type = "{"yesno" if n % 2 else "text"}"
per = "agency"
"""
    for n in range(1, 13)
)


def new_sheet(title: str | None = None) -> tuple[openpyxl.Workbook, Worksheet]:
    """A new workbook and its first sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    if title:
        sheet.title = title
    return book, sheet


def install_test_audits(audits_dir: Path) -> None:
    """Add the test-only audit definitions the corpus needs to a workspace."""
    (audits_dir / "ten-questions-2026.toml").write_text(TEN_QUESTIONS, encoding="utf-8")


def header_block(path: Path) -> Expected:
    """Merged title rows, "Agency:" and date label cells, real dates and numbers, odd-case picks."""
    book, sheet = new_sheet("Return")
    sheet["A1"] = "Northshire Safeguarding Children Partnership"
    sheet["A2"] = "Safeguarding in early years: children aged 2 to 5 referred to the MARU"
    for row in (1, 2):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        sheet.cell(row, 1).font = Font(bold=True, size=14)
    sheet["A4"], sheet["B4"] = "Agency:", "Health Visiting"
    sheet["D4"], sheet["E4"] = "Date completed:", dt.datetime(2027, 1, 20)
    sheet["E4"].number_format = "dd/mm/yyyy"
    sheet.append([])
    sheet.append(["ID", "Question", "Answer"])
    sheet.append(["1.1", "How do practitioners recognise and record concerns?", "Daily huddles."])
    sheet.append(["1.2", "Do practitioners understand the threshold document?", "PARTLY"])
    sheet.append(["4.1", "Main strengths?", "Early identification."])
    sheet.append(["4.2", "Areas for development?", "Recording fathers."])
    picks = DataValidation(type="list", formula1='"Yes,Partly,No"')
    sheet.add_data_validation(picks)
    picks.add("C8")
    sheet.append([])
    sheet.append(["ID", "Question", "Case 1", "Case 2", "Case 3"])
    sheet.append(["", "Case reference", "EY-201", "EY-202", "EY-203"])
    sheet.append(["2.1", "Child's age", 3, 4.0, "5"])
    sheet.append(["2.2", "Date received", dt.datetime(2026, 5, 14), "14 Feb 2026", "2026-06-30"])
    for col in (3,):
        sheet.cell(sheet.max_row, col).number_format = "d mmm yyyy"
    sheet.append(["2.3", "Source", "health visitor", "POLICE", "Early years setting or school"])
    sheet.append(["2.6", "Shared within 24h?", "y", "N", "yes"])
    sheet.append(["3.2", "Grade", "good", "RI", "Inadequate"])
    sheet.append([])
    sheet.append(["Action", "Owner", "Target date"])
    sheet.append(["Refresh threshold training", "EY lead", dt.datetime(2027, 4, 30)])
    sheet.cell(sheet.max_row, 3).number_format = "dd/mm/yyyy"
    sheet.column_dimensions["B"].width = 50
    sheet["B8"].alignment = Alignment(wrap_text=True)
    book.save(str(path))
    return Expected(
        EY,
        "community-health",
        "spreadsheet",
        answers={
            "1.1": "Daily huddles.",
            "1.2": "Partly",
            "4.1": "Early identification.",
            "4.2": "Recording fathers.",
        },
        cases={
            1: {
                "2.1": "3",
                "2.2": "2026-05-14",
                "2.3": "Health visitor",
                "2.6": "Yes",
                "3.2": "Good",
            },
            2: {
                "2.1": "4",
                "2.2": "2026-02-14",
                "2.3": "Police",
                "2.6": "No",
                "3.2": "Requires improvement",
            },
            3: {
                "2.1": "5",
                "2.2": "2026-06-30",
                "2.3": "Early years setting or school",
                "2.6": "Yes",
                "3.2": "Inadequate",
            },
        },
        refs={1: "EY-201", 2: "EY-202", 3: "EY-203"},
        actions=(("Refresh threshold training", "EY lead", "2027-04-30"),),
        issue_kinds=frozenset({"missing"}),
    )


def ids_as_numbers(path: Path) -> Expected:
    """Question ids typed into number cells: 1.1 ... 1.9, then 1.10 stored (and shown) as 1.1."""
    book, sheet = new_sheet()
    sheet.append(["Ten and more questions (test audit)"])
    sheet.append(["Agency", "Northshire Police"])
    sheet.append(["Q No", "Question", "Answer"])
    answers: dict[str, str | None] = {}
    for n in range(1, 13):
        qid = f"1.{n}"
        answer = ("Yes" if n % 4 == 1 else "no") if n % 2 else f"Answer to {qid}"
        sheet.append([float(qid), f"Test question number {n} about safeguarding practice?", answer])
        answers[qid] = answer.capitalize() if n % 2 else answer
    book.save(str(path))
    return Expected("ten-questions-2026", "police", "spreadsheet", answers=answers)


def per_case_rows(path: Path) -> Expected:
    """Working with fathers: agency answers on one sheet, one row per case on another."""
    book, sheet = new_sheet("Agency")
    sheet.append(["Audit:", "Working with fathers (quantitative)"])
    sheet.append(["Agency:", "CSC"])
    sheet.append(["Ref", "Question", "Response"])
    sheet.append(["1.1", "Written policy on fathers?", "TRUE"])
    sheet.append(["1.2", "Staff trained", 12])
    sheet.append(["1.3", "Barriers", "Shift patterns."])
    cases = book.create_sheet("Cases")
    cases.append(["Case", "Case reference", "2.1", "2.2", "2.3", "2.4", "3.1", "3.4", "4.2"])
    rows = [
        [1, "CSC-1", "YES", "no", "Yes", "Y", "n", 3, "not known"],
        [2, "CSC-2", "No", "No", "no", "N", "Yes", 0, "Yes"],
    ]
    for row in rows:
        cases.append(row)
    book.save(str(path))
    return Expected(
        "fathers-2026",
        "csc",
        "spreadsheet",
        answers={"1.1": "Yes", "1.2": "12", "1.3": "Shift patterns."},
        cases={
            1: {
                "2.1": "Yes",
                "2.2": "No",
                "2.4": "Yes",
                "3.1": "No",
                "3.4": "3",
                "4.2": "Not known",
            },
            2: {"2.1": "No", "3.1": "Yes", "3.4": "0", "4.2": "Yes"},
        },
        refs={1: "CSC-1", 2: "CSC-2"},
        issue_kinds=frozenset({"missing"}),
    )


def formulas(path: Path) -> Expected:
    """Formula cells: kept as their text (never evaluated) and flagged."""
    book, sheet = new_sheet()
    sheet.append(["Working with fathers (quantitative)"])
    sheet.append(["Agency:", "Police"])
    sheet.append(["ID", "Question", "Answer"])
    sheet.append(["1.1", "Policy?", "Yes"])
    sheet.append(["1.2", "Staff trained", "=10+2"])
    sheet.append(["1.3", "Barriers", '=HYPERLINK("http://example.invalid/","click")'])
    book.save(str(path))
    return Expected(
        "fathers-2026",
        "police",
        "spreadsheet",
        answers={"1.1": "Yes", "1.2": None, "1.3": '=HYPERLINK("http://example.invalid/","click")'},
        issue_kinds=frozenset({"missing", "invalid", "altered"}),
    )


def tick_columns(path: Path) -> Expected:
    """One column per option, the answer marked with an x."""
    book, sheet = new_sheet()
    sheet.append(["Teen Pregnancy Pathway: use and impact"])
    sheet.append(["Agency:", "School Nursing"])
    sheet.append(["No.", "Question", "Yes", "Partly", "No"])
    sheet.append(["1.1", "Aware of the pathway?", None, "x", None])
    book.save(str(path))
    return Expected(
        "teen-pregnancy-2025",
        "community-health",
        "spreadsheet",
        answers={"1.1": "Partly"},
        issue_kinds=frozenset({"missing"}),
    )


XLSX_BUILDERS: dict[str, Builder] = {
    "spreadsheet_header_block.xlsx": header_block,
    "ids_as_numbers_1_10.xlsx": ids_as_numbers,
    "per_case_rows.xlsx": per_case_rows,
    "formula_cells.xlsx": formulas,
    "tick_columns.xlsx": tick_columns,
}
