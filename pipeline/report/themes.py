"""What the returns add up to: strengths, areas for development, actions, recommendations, data quality."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.definitions import AuditDefinition, Question
from pipeline.model import TrackerItem
from pipeline.report.scales import NEGATIVE_LABEL, POSITIVE_LABEL, counted, has_polarity
from pipeline.report.sources import Notes, Source, values
from pipeline.report.text import iso_date, percent, plural

# A question is a strength when at least this share of its answers is at the good end, and an
# area for development when at least this share is at the bad end.
STRENGTH_SHARE = 0.75
DEVELOPMENT_SHARE = 1 / 3
_STRENGTH_WORDS = re.compile(r"\bstrength", re.IGNORECASE)
_DEVELOPMENT_WORDS = re.compile(r"areas? for development|\bimprove|\blearning\b", re.IGNORECASE)
_RAG_FILLS = {"red": "F19C8C", "amber": "FFE08A", "green": "D5EBCF", "blue": "BDD7EE"}


def themes(audit: AuditDefinition, sources: Sequence[Source], notes: Notes) -> dict[str, Any]:
    """Strengths and areas for development, from the scaled answers and from what agencies wrote."""
    strengths: list[dict[str, str]] = []
    development: list[dict[str, str]] = []
    for question in audit.questions:
        if not has_polarity(question):
            continue
        answers = [v for _, _, v in values(question, sources) if v]
        positive, negative, total = counted(question, answers)
        if not total:
            continue
        unit = plural(
            total,
            "case" if question.per_case else "agency",
            None if question.per_case else "agencies",
        )
        if positive >= STRENGTH_SHARE * total:
            strengths.append(
                _finding(question, positive, total, POSITIVE_LABEL[question.type], unit)
            )
        elif negative >= DEVELOPMENT_SHARE * total:
            development.append(
                _finding(question, negative, total, NEGATIVE_LABEL[question.type], unit)
            )
    return {
        "strengths": strengths,
        "development": development,
        "agency_strengths": _said(audit, sources, notes, _STRENGTH_WORDS),
        "agency_development": _said(audit, sources, notes, _DEVELOPMENT_WORDS),
    }


def _finding(question: Question, part: int, total: int, label: str, unit: str) -> dict[str, str]:
    share = percent(part, total)
    return {
        "question": question.id,
        "text": question.text,
        "result": f"{share} {label} ({part} of {unit})",
        "statement": f"{question.id} {question.text} {share} {label} ({part} of {unit}).",
    }


def _said(
    audit: AuditDefinition, sources: Sequence[Source], notes: Notes, words: re.Pattern[str]
) -> list[dict[str, str]]:
    said = []
    for question in audit.questions:
        if question.type != "text" or not words.search(question.text):
            continue
        for source, case, value in values(question, sources):
            if not value:
                continue
            where = f"question {question.id}" + (f", {case}" if case else "")
            said.append(
                {
                    "question": question.id,
                    "agency": source.name,
                    "source": f"{source.name}, {case}" if case else source.name,
                    "text": notes.text(value, source.name, where),
                }
            )
    return said


def actions(sources: Sequence[Source], notes: Notes) -> list[dict[str, str]]:
    """The actions each agency proposed in its return."""
    return [
        {
            "agency": source.name,
            "short": source.short,
            "action": notes.text(action.action, source.name, "actions table"),
            "owner": notes.text(action.owner, source.name, "actions table") or "–",
            "target": iso_date(action.target_date)
            or notes.text(action.target_raw, source.name, "actions table")
            or "–",
        }
        for source in sources
        for action in source.data.actions
    ]


def recommendations(
    items: Sequence[TrackerItem], notes: Notes, names: dict[str, str]
) -> list[dict[str, str]]:
    """The tracker's recommendations for this audit, with a fill colour for the RAG cell."""
    rows = []
    for item in items:
        rag = item.rag.strip()
        rows.append(
            {
                "ref": item.ref,
                "theme": notes.text(item.theme, "tracker", item.ref),
                "text": notes.text(item.text, "tracker", item.ref),
                "lead": names.get(item.lead_agency, item.lead_agency) or "–",
                "owner": notes.text(item.owner, "tracker", item.ref) or "–",
                "target": iso_date(item.target_date) or "–",
                "status": item.status or "–",
                "rag": rag or "–",
                "rag_fill": _RAG_FILLS.get(rag.lower(), "FFFFFF"),
            }
        )
    return rows


def data_quality(audit: AuditDefinition, sources: Sequence[Source], notes: Notes) -> dict[str, Any]:
    """Missing and invalid answers by agency, and where characters were replaced; call it last."""
    rows: list[dict[str, str]] = []
    for source in sources:
        flagged = set()
        for issue in source.data.issues:
            flagged.add((issue.qid, issue.case))
            rows.append(
                {
                    "agency": source.name,
                    "question": issue.qid or "–",
                    "case": issue.case or "–",
                    "issue": notes.text(issue.message, source.name, "data-quality note"),
                }
            )
        rows.extend(_unflagged_missing(audit, source, flagged))
    altered = [
        {"agency": agency, "where": where, "count": str(count)}
        for (agency, where), count in notes.altered.items()
    ]
    return {
        "rows": rows,
        "count": len(rows),
        "returns_with_issues": len({row["agency"] for row in rows}),
        "altered": altered,
    }


def _unflagged_missing(
    audit: AuditDefinition, source: Source, flagged: set[tuple[str | None, str | None]]
) -> list[dict[str, str]]:
    missing = []
    for question in audit.questions:
        if not question.required:
            continue
        if question.per_case:
            gaps: list[str | None] = [
                case.ref or str(case.index)
                for case in source.data.cases
                if case.value(question.id) in (None, "")
            ]
        else:
            gaps = [None] if source.data.value(question.id) in (None, "") else []
        for ref in gaps:
            if (question.id, ref) in flagged:
                continue
            missing.append(
                {
                    "agency": source.name,
                    "question": question.id,
                    "case": ref or "–",
                    "issue": "No answer given.",
                }
            )
    return missing
