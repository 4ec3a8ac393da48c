"""Test answers for qap's forms; the Word and Excel filling itself lives in pipeline.demo.fill.

The filler is shared with `qap demo`, so the demo and the round-trip tests fill forms one way.
"""

from __future__ import annotations

import datetime as dt

from pipeline.definitions import AuditDefinition, Question
from pipeline.demo.fill import W_NS, Filled, W, fill_docx, fill_xlsx

__all__ = ["W_NS", "Filled", "W", "fill_docx", "fill_xlsx", "sample_answer", "sample_filled"]


def sample_answer(question: Question, salt: int = 0) -> str:
    """An answer of the question's type, as the reader should return it."""
    if question.options:
        return question.options[(salt + 1) % len(question.options)]
    if question.type == "date":
        return (dt.date(2026, 11, 3) + dt.timedelta(days=salt)).isoformat()
    if question.type == "number":
        return str(12 + salt) if salt % 2 == 0 else f"{salt}.5"
    return f'Answer to {question.id} (case {salt}) & <notes>\nSecond line: "quoted" £5'


def sample_filled(audit: AuditDefinition) -> Filled:
    """Every field of the audit's form answered, with every question type represented."""
    filled = Filled()
    for question in audit.agency_questions():
        filled.tagged[question.id] = sample_answer(question)
    for index in range(1, audit.cases + 1):
        answers = {q.id: sample_answer(q, index) for q in audit.case_questions()}
        filled.cases[index] = (f"REF-{index:04d}/26", answers)
    if audit.actions_table:
        filled.actions = [
            ("Refresh DASH training for front-line staff", "Head of Safeguarding", "2027-03-31"),
            ("Audit recording of the child's voice", "Named Nurse", "2027-06-30"),
        ]
    filled.labels = {
        "completed_by": "A. Reviewer",
        "role": "Safeguarding Lead",
        "completed_on": "2026-12-01",
    }
    return filled
