"""Tests for pipeline.report.context and the pure modules it uses: figures equal the returns'."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from pipeline.model import Answer, ReturnIssue
from pipeline.report.context import CONTENTS_MARKER, build_context
from pipeline.report.findings import NO_ANSWER
from tests.report_helpers import NOW, TRICKY, TRICKY_CLEAN, sample, synthetic_returns


def _context(audit_id: str, **kwargs: object) -> dict:
    partnership, catalogue = sample()
    audit = catalogue.get(audit_id)
    returns = kwargs.pop("returns", None)
    if returns is None:
        returns = synthetic_returns(audit)
    return build_context(audit, returns, partnership, version=3, now=NOW, **kwargs)  # type: ignore[arg-type]


def test_counts_equal_the_answers_in_the_returns() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("domestic-abuse-2026")
    returns = synthetic_returns(audit, seed=5)
    context = build_context(audit, returns, partnership, version=1, now=NOW)
    entries = {q["id"]: q for s in context["sections"] for q in s["questions"]}
    for question in audit.questions:
        if not question.categorical:
            continue
        if question.per_case:
            found = [c.value(question.id) for r in returns for c in r.data.cases]
        else:
            found = [r.data.value(question.id) for r in returns]
        expected = Counter(found)
        rows = {row["label"]: row["count"] for row in entries[question.id]["rows"]}
        assert {k: v for k, v in rows.items() if v} == dict(expected)
        assert entries[question.id]["total"] == len(found)


def test_text_answers_are_kept_and_illegal_characters_replaced_and_noted() -> None:
    context = _context("domestic-abuse-2026")
    answers = [a for s in context["sections"] for q in s["questions"] for a in q["answers"]]
    police = [a["text"] for a in answers if a["agency"] == "Northshire Constabulary"]
    assert police and all(text == TRICKY_CLEAN for text in police)
    assert "\ufffe" in TRICKY and "\ufffe" not in TRICKY_CLEAN
    altered = context["data_quality"]["altered"]
    assert {"agency": "Northshire Constabulary", "where": "question 5.2", "count": "1"} in altered


def test_no_returns_reads_sensibly() -> None:
    context = _context("teen-pregnancy-2026", returns=[])
    assert context["summary"]["headlines"] == [
        "No returns have been received yet. Returns are due by 12 February 2027."
    ]
    assert context["report"]["basis"] == (
        "Based on 0 of 6 expected returns received up to 14:32 on 3 February 2027."
    )
    assert (
        context["returns"]["outstanding_note"]
        == "Returns are due by 12 February 2027. Still awaited from:"
    )
    assert len(context["returns"]["outstanding"]) == 6
    assert context["comparison"]["has_previous_returns"] is False
    assert context["contents"] == CONTENTS_MARKER


def test_cover_and_summary_figures() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("domestic-abuse-2026")
    returns = synthetic_returns(audit, agencies=audit.agencies[:5])
    context = build_context(audit, returns, partnership, version=4, now=NOW)
    assert context["report"]["version_label"] == "Draft v4"
    assert context["report"]["basis"].startswith(
        "Based on 5 of 8 expected returns received up to 14:32"
    )
    figures = {f["label"]: f["value"] for f in context["summary"]["figures"]}
    assert figures["returns received"] == "5 of 8"
    assert figures["cases audited"] == "15"
    grades = [
        c.value(q.id)
        for r in returns
        for c in r.data.cases
        for q in audit.questions
        if q.type == "grade"
    ]
    good = sum(g in ("Outstanding", "Good") for g in grades)
    assert figures["grades Good or better"] == f"{round(100 * good / len(grades))}%"
    assert context["returns"]["outstanding"] == [
        "Northshire County Council Education Safeguarding Service",
        "Northshire and Vale Probation Delivery Unit",
        "Northshire Homes Partnership",
    ]
    assert context["returns"]["overdue"] is True


def test_newest_return_per_agency_is_used() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    first = synthetic_returns(audit, agencies=("police",), seed=1)
    later = synthetic_returns(audit, agencies=("police",), seed=2, first_id=50)
    later = [replace(later[0], received_at=first[0].received_at.replace(day=25))]
    context = build_context(audit, first + later, partnership, version=1, now=NOW)
    assert context["summary"]["received"] == 1
    assert context["returns"]["rows"][0]["received"] == "25 Jan 2027 09:30"


def test_repeat_audit_compares_graded_questions() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("teen-pregnancy-2026")
    before = catalogue.get("teen-pregnancy-2025")
    now_returns = synthetic_returns(audit, seed=3)
    then_returns = synthetic_returns(before, seed=4, first_id=100)
    context = build_context(
        audit,
        now_returns,
        partnership,
        version=1,
        now=NOW,
        previous=before,
        previous_returns=then_returns,
    )
    change = context["comparison"]
    assert change["present"] and change["has_previous_returns"]
    assert [q["id"] for q in change["questions"]] == ["2.2", "3.1", "4.1"]
    for entry in change["questions"]:
        grades_then = [c.value(entry["id"]) for r in then_returns for c in r.data.cases]
        grades_now = [c.value(entry["id"]) for r in now_returns for c in r.data.cases]
        good_then = sum(g in ("Outstanding", "Good") for g in grades_then)
        good_now = sum(g in ("Outstanding", "Good") for g in grades_now)
        assert entry["good_before"] == f"{round(100 * good_then / len(grades_then))}%"
        assert entry["good_after"] == f"{round(100 * good_now / len(grades_now))}%"
    assert change["chart"] is not None and change["figure"] == context["figures"]


def test_section11_grid_has_a_coloured_cell_per_standard_and_agency() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("section11-2026")
    returns = synthetic_returns(audit)
    grid = build_context(audit, returns, partnership, version=1, now=NOW)["section11"]
    assert grid["present"] and len(grid["standards"]) == 11
    assert len(grid["rows"]) == 10
    police = returns[0].data
    abbreviations = {"Fully met": "FM", "Mostly met": "MM", "Partially met": "PM", "Not met": "NM"}
    for cell, standard in zip(grid["rows"][0]["cells"], grid["standards"], strict=True):
        assert cell["text"] == abbreviations.get(police.value(standard["question"]) or "", "N/A")
        assert len(cell["fill"]) == 6


def test_missing_answers_and_issues_go_to_the_appendix() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("domestic-abuse-2026")
    returns = synthetic_returns(audit, agencies=("police",), tricky_agency=None)
    data = returns[0].data
    data = replace(
        data,
        answers=tuple(a for a in data.answers if a.qid != "5.2"),
        issues=(ReturnIssue("invalid", "5.3 could not be read.", "5.3"),),
    )
    case = replace(data.cases[0], answers=tuple(a for a in data.cases[0].answers if a.qid != "1.2"))
    data = replace(data, cases=(case, *data.cases[1:]))
    context = build_context(
        audit, [replace(returns[0], data=data)], partnership, version=1, now=NOW
    )
    rows = context["data_quality"]["rows"]
    assert {
        "agency": "Northshire Constabulary",
        "question": "5.3",
        "case": "–",
        "issue": "5.3 could not be read.",
    } in rows
    assert {
        "agency": "Northshire Constabulary",
        "question": "5.2",
        "case": "–",
        "issue": "No answer given.",
    } in rows
    assert {
        "agency": "Northshire Constabulary",
        "question": "1.2",
        "case": case.ref,
        "issue": "No answer given.",
    } in rows
    entry = next(q for s in context["sections"] for q in s["questions"] if q["id"] == "1.2")
    assert entry["rows"][-1] == {
        "label": NO_ANSWER,
        "count": 1,
        "percent": "–",
        "given_by": "Northshire Police (1)",
    }


def test_strengths_and_development_follow_the_thresholds() -> None:
    partnership, catalogue = sample()
    audit = catalogue.get("fathers-2026")
    returns = synthetic_returns(audit, tricky_agency=None)
    forced = []
    for stored in returns:
        cases = tuple(
            replace(
                c,
                answers=tuple(
                    Answer(
                        a.qid,
                        "Yes" if a.qid == "2.1" else "No" if a.qid == "3.1" else a.value,
                        a.raw,
                    )
                    for a in c.answers
                ),
            )
            for c in stored.data.cases
        )
        forced.append(replace(stored, data=replace(stored.data, cases=cases)))
    context = build_context(audit, forced, partnership, version=1, now=NOW)
    assert "2.1" in [s["question"] for s in context["strengths"]]
    assert "3.1" in [s["question"] for s in context["development"]]
    assert "3.1" not in [s["question"] for s in context["strengths"]]
    said = context["agency_development"]
    assert said == []  # fathers-2026 asks no question about development in words
