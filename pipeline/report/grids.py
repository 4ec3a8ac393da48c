"""Grids across agencies and cases: the per-case summary, the Section 11 grid and the repeat-audit comparison."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.definitions import AuditDefinition, Question
from pipeline.report.charts import ChartSpec
from pipeline.report.findings import Figures
from pipeline.report.scales import NO_ANSWER_FILL, POSITIVE_LABEL, SCALES, counted, level
from pipeline.report.sources import Source, values
from pipeline.report.text import percent

MAX_GRID_COLUMNS = 9


def _cell(question: Question, value: str | None) -> dict[str, str]:
    found = level(question.type, value or "")
    if found is None:
        return {"text": "–", "fill": NO_ANSWER_FILL, "label": value or "No answer"}
    return {"text": found.abbr, "fill": found.fill, "label": value or ""}


def _key(questions: Sequence[Question]) -> list[dict[str, str]]:
    types = dict.fromkeys(q.type for q in questions)
    return [
        {"abbr": lv.abbr, "label": label, "fill": lv.fill}
        for question_type in types
        for label, lv in SCALES.get(question_type, {}).items()
    ]


def case_grid(audit: AuditDefinition, sources: Sequence[Source]) -> dict[str, Any]:
    """Each case's grades from each agency (yes/no answers when the audit grades nothing per case)."""
    case_questions = audit.case_questions()
    chosen = [q for q in case_questions if q.type in ("grade", "rating")] or [
        q for q in case_questions if q.type in ("yesno", "yesnopartly")
    ]
    chosen = chosen[:MAX_GRID_COLUMNS]
    rows = [
        {
            "agency": source.short,
            "case": case.ref or str(case.index),
            "cells": [_cell(q, case.value(q.id)) for q in chosen],
        }
        for source in sources
        for case in source.data.cases
    ]
    graded = any(q.type in ("grade", "rating") for q in chosen)
    return {
        "present": audit.cases > 0 and bool(chosen),
        "has_rows": bool(rows),
        "what": "grades" if graded else "answers",
        "columns": [{"id": q.id, "text": q.text} for q in chosen],
        "rows": rows,
        "key": _key(chosen),
    }


def section11_grid(audit: AuditDefinition, sources: Sequence[Source]) -> dict[str, Any]:
    """The standards by agencies grid of self-ratings for a Section 11 audit."""
    rated = [q for q in audit.agency_questions() if q.type == "rating"]
    titles = {s.id: s.title for s in audit.sections}
    return {
        "present": audit.is_section11 and bool(rated),
        "has_rows": bool(sources),
        "standards": [
            {
                "id": q.section,
                "number": q.section,
                "title": titles.get(q.section, q.text),
                "question": q.id,
            }
            for q in rated
        ],
        "rows": [
            {"agency": s.short, "cells": [_cell(q, s.data.value(q.id)) for q in rated]}
            for s in sources
        ],
        "key": _key(rated),
    }


def _tally(question: Question, sources: Sequence[Source]) -> tuple[dict[str, int], int]:
    answers = [v for _, _, v in values(question, sources) if v in question.options]
    return {o: answers.count(o) for o in question.options}, len(answers)


def _change(before: int, before_total: int, after: int, after_total: int) -> str:
    if not before_total or not after_total:
        return "–"
    points = round(100 * after / after_total) - round(100 * before / before_total)
    return "no change" if points == 0 else f"{points:+d} points".replace("-", "−")


def comparison(
    audit: AuditDefinition,
    previous: AuditDefinition | None,
    previous_sources: Sequence[Source],
    sources: Sequence[Source],
    figures: Figures,
) -> dict[str, Any]:
    """For a repeat audit, each graded question's grades now against the audit it repeats."""
    entry: dict[str, Any] = {
        "present": bool(audit.repeat_of),
        "previous_id": audit.repeat_of or "",
        "previous_title": previous.title if previous else (audit.repeat_of or ""),
        "previous_label": previous.programme if previous else "Previous",
        "current_label": audit.programme,
        "has_previous_returns": bool(previous_sources),
        "questions": [],
        "chart": None,
        "figure": 0,
        "caption": "",
    }
    if not audit.repeat_of:
        return entry
    for question in audit.questions:
        before_q = previous.question(question.id) if previous else question
        if question.type != "grade" or before_q is None or before_q.type != "grade":
            continue
        before, before_total = _tally(before_q, previous_sources)
        after, after_total = _tally(question, sources)
        good_before, _, _ = counted(question, [o for o, n in before.items() for _ in range(n)])
        good_after, _, _ = counted(question, [o for o, n in after.items() for _ in range(n)])
        entry["questions"].append(
            {
                "id": question.id,
                "text": question.text,
                "before_total": before_total,
                "after_total": after_total,
                "good_before": percent(good_before, before_total),
                "good_after": percent(good_after, after_total),
                "good_before_value": 100 * good_before / before_total if before_total else None,
                "good_after_value": 100 * good_after / after_total if after_total else None,
                "change": _change(good_before, before_total, good_after, after_total),
                "rows": [
                    {
                        "label": option,
                        "before": f"{before[option]} ({percent(before[option], before_total)})",
                        "after": f"{after[option]} ({percent(after[option], after_total)})",
                        "change": _change(before[option], before_total, after[option], after_total),
                    }
                    for option in question.options
                ],
            }
        )
    charted = [
        q
        for q in entry["questions"]
        if q["good_before_value"] is not None and q["good_after_value"] is not None
    ]
    if charted:
        entry["figure"] = figures.next()
        label = POSITIVE_LABEL["grade"]
        entry["caption"] = (
            f"Figure {entry['figure']}: share of grades {label}, {entry['previous_label']} "
            f"against {entry['current_label']} (the figures are in the table above)"
        )
        entry["chart"] = ChartSpec(
            kind="compare",
            labels=tuple(f"Question {q['id']}" for q in charted),
            series=(
                (entry["previous_label"], tuple(q["good_before_value"] for q in charted)),
                (entry["current_label"], tuple(q["good_after_value"] for q in charted)),
            ),
            unit=f"% of grades {label}",
            alt="Bar chart comparing the share of grades Good or better in each graded question: "
            + "; ".join(f"{q['id']} {q['good_before']} then {q['good_after']}" for q in charted),
        )
    return entry
