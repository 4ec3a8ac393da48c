"""The report's context: a plain dict built from the audit definition and the current returns.

Pure: no Word, no files. Every key the template may use is always present (the template is
rendered with strict undefined), and templates/README.md documents each one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pipeline.config import Partnership
from pipeline.definitions import AuditDefinition
from pipeline.model import StoredReturn, TrackerItem
from pipeline.report.findings import Figures, sections
from pipeline.report.grids import case_grid, comparison, section11_grid
from pipeline.report.scales import NEGATIVE_LABEL, POSITIVE_LABEL, counted
from pipeline.report.sources import Notes, Source, agency_names, current_sources, values
from pipeline.report.text import (
    join_names,
    local_time,
    long_date,
    paragraphs,
    percent,
    plural,
    stamp,
    time_of_day,
)
from pipeline.report.themes import actions, data_quality, recommendations, themes

MARKING = "OFFICIAL-SENSITIVE"
# Where the contents list goes: the renderer replaces the paragraph holding this with one
# entry per heading, whose page numbers Word and LibreOffice work out themselves.
CONTENTS_MARKER = "\u2063qap-contents\u2063"


def build_context(
    audit: AuditDefinition,
    returns: Sequence[StoredReturn],
    partnership: Partnership,
    *,
    version: int,
    now: dt.datetime,
    tracker_items: Sequence[TrackerItem] = (),
    tracker_read: bool = True,
    previous: AuditDefinition | None = None,
    previous_returns: Sequence[StoredReturn] = (),
) -> dict[str, Any]:
    """Everything the report template shows, from the definition and the agencies' current returns."""
    sources = current_sources(audit.id, audit.agencies, returns, partnership)
    earlier = (
        current_sources(
            audit.repeat_of,
            previous.agencies if previous else audit.agencies,
            previous_returns,
            partnership,
        )
        if audit.repeat_of
        else []
    )
    notes, figures = Notes(), Figures()
    findings = sections(audit, sources, notes, figures)
    change = comparison(audit, previous, earlier, sources, figures)
    found = themes(audit, sources, notes)
    proposed = actions(sources, notes)
    names = {a.key: agency_names(partnership, a.key)[1] for a in partnership.agencies}
    tracked = recommendations(tracker_items, notes, names)
    quality = data_quality(audit, sources, notes)
    report = _report(audit, sources, version, now)
    return {
        "partnership": {
            "name": partnership.name,
            "short_name": partnership.short_name or partnership.name,
            "coordinator": partnership.coordinator,
        },
        "audit": _audit(audit, partnership, previous),
        "report": report,
        "summary": _summary(audit, sources, change, quality["count"]),
        "returns": _returns(audit, sources, partnership, now),
        "sections": findings,
        "figures": figures.count,
        "section11": section11_grid(audit, sources),
        "comparison": change,
        "cases": case_grid(audit, sources),
        **found,
        "actions": proposed,
        "recommendations": tracked,
        "tracker_read": tracker_read,
        "data_quality": quality,
        "contents": CONTENTS_MARKER,
    }


def _report(
    audit: AuditDefinition, sources: Sequence[Source], version: int, now: dt.datetime
) -> dict[str, Any]:
    expected = len(audit.agencies)
    return {
        "version": version,
        "version_label": f"Draft v{version}",
        "status": "DRAFT",
        "marking": MARKING,
        "date": long_date(local_time(now).date()),
        "as_of": time_of_day(now),
        "basis": f"Based on {len(sources)} of {plural(expected, 'expected return')} "
        f"received up to {time_of_day(now)}.",
    }


def _audit(
    audit: AuditDefinition, partnership: Partnership, previous: AuditDefinition | None
) -> dict[str, Any]:
    asked = [agency_names(partnership, key)[0] for key in audit.agencies]
    return {
        "id": audit.id,
        "title": audit.title,
        "programme": audit.programme,
        "kind": audit.kind,
        "is_section11": audit.is_section11,
        "scope": paragraphs(audit.scope),
        "focus": list(audit.focus),
        "period": audit.period,
        "deadline": long_date(audit.deadline),
        "agencies": asked,
        "agency_count": len(asked),
        "cases_per_agency": audit.cases,
        "cases_expected": audit.cases * len(asked),
        "method": _method(audit, len(asked)),
        "repeat_of": audit.repeat_of or "",
        "previous_title": previous.title if previous else (audit.repeat_of or ""),
        "reference_prefix": audit.reference_prefix,
        "question_count": len(audit.questions),
        "section_count": len(audit.sections),
    }


def _method(audit: AuditDefinition, agencies: int) -> str:
    asked = f"{plural(agencies, 'agency', 'agencies')} were asked to complete a return by {long_date(audit.deadline)}"
    if audit.is_section11:
        return (
            f"{asked}, rating their own arrangements against each of the "
            f"{plural(len(audit.sections), 'standard')} and giving the evidence for each rating."
        )
    if audit.cases:
        return (
            f"{asked}, auditing {plural(audit.cases, 'case')} each "
            f"({plural(audit.cases * agencies, 'case')} in all) against "
            f"{plural(len(audit.questions), 'question')} in {plural(len(audit.sections), 'section')}."
        )
    return f"{asked}, answering {plural(len(audit.questions), 'question')} in {plural(len(audit.sections), 'section')}."


def _returns(
    audit: AuditDefinition, sources: Sequence[Source], partnership: Partnership, now: dt.datetime
) -> dict[str, Any]:
    received = {s.data.agency_key for s in sources}
    outstanding = [agency_names(partnership, k)[0] for k in audit.agencies if k not in received]
    overdue = local_time(now).date() > audit.deadline
    if not outstanding:
        note = "All expected returns have been received."
    elif overdue:
        note = f"Returns were due by {long_date(audit.deadline)}. These agencies have not yet sent theirs:"
    else:
        note = f"Returns are due by {long_date(audit.deadline)}. Still awaited from:"
    return {
        "rows": [
            {
                "agency": s.name,
                "received": stamp(s.stored.received_at),
                "role": s.data.role or "–",
                "cases": str(len(s.data.cases)) if audit.cases else "–",
                "issues": str(len(s.data.issues)) if s.data.issues else "None",
            }
            for s in sources
        ],
        "received": len(sources),
        "outstanding": outstanding,
        "outstanding_note": note,
        "overdue": overdue and bool(outstanding),
    }


def _pooled(audit: AuditDefinition, sources: Sequence[Source]) -> tuple[str, int, int, int]:
    """The answer type the headline share is about, and positive, negative and total answers pooled."""
    for question_type in ("grade", "rating", "yesno", "yesnopartly"):
        questions = [q for q in audit.questions if q.type == question_type]
        if not questions:
            continue
        positive = negative = total = 0
        for question in questions:
            p, n, t = counted(question, [v for _, _, v in values(question, sources) if v])
            positive, negative, total = positive + p, negative + n, total + t
        return question_type, positive, negative, total
    return "", 0, 0, 0


_SHARE_LABELS = {
    "grade": "grades Good or better",
    "rating": "ratings fully or mostly met",
    "yesno": "answers Yes",
    "yesnopartly": "answers Yes",
}
_NOUNS = {
    "grade": "grade",
    "rating": "self-rating",
    "yesno": "yes/no answer",
    "yesnopartly": "answer",
}


def _summary(
    audit: AuditDefinition, sources: Sequence[Source], change: dict[str, Any], issues: int
) -> dict[str, Any]:
    expected = len(audit.agencies)
    cases = sum(len(s.data.cases) for s in sources)
    kind, positive, negative, total = _pooled(audit, sources)
    figures = [
        {"value": f"{len(sources)} of {expected}", "label": "returns received"},
        {"value": str(len(audit.sections)), "label": "standards assessed"}
        if audit.is_section11
        else {"value": str(cases), "label": "cases audited"},
        {"value": percent(positive, total), "label": _SHARE_LABELS.get(kind, "graded answers")},
        {"value": str(issues), "label": "data-quality issues"},
    ]
    headlines = []
    if not sources:
        headlines.append(
            f"No returns have been received yet. Returns are due by {long_date(audit.deadline)}."
        )
    else:
        headlines.append(
            f"{len(sources)} of {plural(expected, 'agency', 'agencies')} have sent their return "
            f"({percent(len(sources), expected)})."
        )
        if audit.cases:
            headlines.append(f"Between them they audited {plural(cases, 'case')}.")
        if total:
            headlines.append(
                f"Of {plural(total, _NOUNS[kind])} given, {positive} ({percent(positive, total)}) "
                f"were {POSITIVE_LABEL[kind]} and {negative} ({percent(negative, total)}) "
                f"{NEGATIVE_LABEL[kind]}."
            )
        headlines.extend(_extremes(audit, sources))
        headlines.extend(_change_headline(change))
        headlines.append(
            f"{plural(issues, 'data-quality issue')} {'was' if issues == 1 else 'were'} noted "
            "(see Appendix A)."
            if issues
            else "No data-quality issues were found in the returns received."
        )
    return {
        "received": len(sources),
        "expected": expected,
        "outstanding_count": expected - len(sources),
        "cases_audited": cases,
        "has_returns": bool(sources),
        "figures": figures,
        "headlines": headlines,
    }


def _extremes(audit: AuditDefinition, sources: Sequence[Source]) -> list[str]:
    shares = []
    for question in audit.questions:
        if question.type not in ("grade", "rating"):
            continue
        p, _, t = counted(question, [v for _, _, v in values(question, sources) if v])
        if t:
            shares.append((p / t, question.id, percent(p, t), POSITIVE_LABEL[question.type]))
    if len(shares) < 2:
        return []
    best, worst = max(shares), min(shares)
    if best[0] == worst[0]:
        return []
    return [
        f"Strongest: question {best[1]}, {best[2]} {best[3]}. "
        f"Weakest: question {worst[1]}, {worst[2]} {worst[3]}."
    ]


def _change_headline(change: dict[str, Any]) -> list[str]:
    if not change["present"]:
        return []
    if not change["has_previous_returns"]:
        return [
            f"No returns from {change['previous_title']} are held, so change cannot be shown yet."
        ]
    moved = [q for q in change["questions"] if q["change"] not in ("–",)]
    if not moved:
        return []
    parts = [f"{q['id']} {q['good_before']} to {q['good_after']}" for q in moved]
    return [
        f"Compared with {change['previous_label']}, the share of grades Good or better moved: "
        f"{join_names(parts)}."
    ]
