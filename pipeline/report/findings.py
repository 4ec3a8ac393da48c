"""Findings section by section: counts with a chart for scaled questions, answers for text questions."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pipeline.definitions import AuditDefinition, Question
from pipeline.report.charts import ChartSpec
from pipeline.report.sources import Notes, Source, values
from pipeline.report.text import iso_date, percent, plural

NO_ANSWER = "No answer"
# Section titles that already carry their number ("Standard 3: ...") are not numbered again.
_NUMBERED = re.compile(r"^(standard|section|part)\s+\d", re.IGNORECASE)


class Figures:
    """Numbers the charts in document order."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> int:
        """The number of the next figure."""
        self.count += 1
        return self.count


def sections(
    audit: AuditDefinition, sources: Sequence[Source], notes: Notes, figures: Figures
) -> list[dict[str, Any]]:
    """Every section of the audit with an entry per question."""
    return [
        {
            "id": section.id,
            "title": section.title,
            "heading": section.title
            if _NUMBERED.match(section.title)
            else f"{section.id}. {section.title}",
            "intro": section.intro,
            "questions": [
                question_entry(q, sources, notes, figures) for q in audit.questions_in(section.id)
            ],
        }
        for section in audit.sections
    ]


def question_entry(
    question: Question, sources: Sequence[Source], notes: Notes, figures: Figures
) -> dict[str, Any]:
    """What the report shows for one question; every key is present whatever the question's type."""
    found = list(values(question, sources))
    answered = [(s, case, v) for s, case, v in found if v not in (None, "")]
    kind = "counts" if question.categorical else "number" if question.type == "number" else "text"
    entry: dict[str, Any] = {
        "id": question.id,
        "text": question.text,
        "type": question.type,
        "per_case": question.per_case,
        "kind": kind,
        "unit": "cases" if question.per_case else "agencies",
        "unit_title": "Cases" if question.per_case else "Agencies",
        "has_answers": bool(answered),
        "basis": _basis(question, sources, len(found), len(answered)),
        "rows": [],
        "total": len(answered),
        "chart": None,
        "figure": 0,
        "caption": "",
        "answers": [],
    }
    if not answered:
        return entry
    if kind == "counts":
        entry["rows"] = count_rows(question, found)
        counts = [row["count"] for row in entry["rows"] if row["label"] != NO_ANSWER]
        entry["figure"] = figures.next()
        entry["caption"] = (
            f"Figure {entry['figure']}: answers to question {question.id}, "
            f"by number of {entry['unit']} (the figures are in the table above)"
        )
        entry["chart"] = ChartSpec(
            kind="counts",
            labels=question.options,
            series=(("answers", tuple(float(c) for c in counts)),),
            unit=entry["unit"],
            alt=f"Bar chart of the answers to question {question.id}: "
            + "; ".join(f"{row['label']} {row['count']}" for row in entry["rows"]),
        )
    elif kind == "number":
        entry["rows"] = _number_rows([v for _, _, v in answered if v is not None])
    else:
        entry["answers"] = [
            {
                "agency": source.name,
                "case": case,
                "source": f"{source.name}, {case}" if case else source.name,
                "text": notes.text(
                    iso_date(value) if question.type == "date" else value or "",
                    source.name,
                    f"question {question.id}" + (f", {case}" if case else ""),
                ),
            }
            for source, case, value in answered
        ]
    return entry


def count_rows(
    question: Question, found: list[tuple[Source, str, str | None]]
) -> list[dict[str, Any]]:
    """One row per option (in scale order), then a No answer row if any answer is missing."""
    tally: Counter[str] = Counter()
    given_by: dict[str, Counter[str]] = {}
    for source, _, value in found:
        label = value if value in question.options else NO_ANSWER
        tally[label] += 1
        given_by.setdefault(label, Counter())[source.short] += 1
    answered = sum(n for label, n in tally.items() if label != NO_ANSWER)
    labels = [*question.options, *([NO_ANSWER] if tally[NO_ANSWER] else [])]
    rows = []
    for label in labels:
        by = given_by.get(label, Counter())
        names = [f"{name} ({n})" if question.per_case else name for name, n in by.items()]
        rows.append(
            {
                "label": label,
                "count": tally[label],
                "percent": "–" if label == NO_ANSWER else percent(tally[label], answered),
                "given_by": ", ".join(names) or "–",
            }
        )
    return rows


def _basis(question: Question, sources: Sequence[Source], asked: int, answered: int) -> str:
    if not sources:
        return "No returns have been received yet."
    agencies = plural(len(sources), "agency", "agencies")
    if question.per_case:
        return f"{answered} of {plural(asked, 'case')} answered, from {agencies}."
    return f"{answered} of {agencies} answered."


def _number_rows(raw: list[str]) -> list[dict[str, Any]]:
    numbers = []
    for value in raw:
        try:
            numbers.append(float(value))
        except ValueError:
            continue
    if not numbers:
        return []

    def show(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"

    return [
        {"label": "Answers", "value": str(len(numbers))},
        {"label": "Total", "value": show(sum(numbers))},
        {"label": "Lowest", "value": show(min(numbers))},
        {"label": "Median", "value": show(statistics.median(numbers))},
        {"label": "Highest", "value": show(max(numbers))},
    ]
