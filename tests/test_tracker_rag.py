"""The RAG rule across dates, with today fixed."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.config import Settings
from pipeline.tracker.rag import AMBER, GREEN, RED, RagRule, rag_days, rag_for

TODAY = dt.date(2027, 2, 15)


@pytest.mark.parametrize(
    ("status", "target", "revised", "expected"),
    [
        ("Not started", dt.date(2027, 2, 14), None, RED),
        ("In progress", dt.date(2027, 2, 15), None, AMBER),  # due today is not yet overdue
        ("In progress", dt.date(2027, 3, 17), None, AMBER),  # exactly 30 days away
        ("In progress", dt.date(2027, 3, 18), None, GREEN),
        ("Completed", dt.date(2026, 1, 1), None, GREEN),
        ("Verified and closed", dt.date(2026, 1, 1), None, GREEN),
        ("Not started", None, None, GREEN),
        ("Not started", dt.date(2027, 1, 1), dt.date(2027, 6, 1), GREEN),  # revised target counts
        ("Not started", dt.date(2027, 6, 1), dt.date(2027, 2, 1), RED),
        ("", dt.date(2027, 2, 1), None, RED),  # no status is not completed
    ],
)
def test_default_rule(
    status: str, target: dt.date | None, revised: dt.date | None, expected: str
) -> None:
    assert rag_for(status, target, revised, TODAY)[0] == expected


def test_amber_window_comes_from_settings() -> None:
    rule = RagRule.from_settings(Settings(amber_days=7))
    assert rag_for("In progress", dt.date(2027, 2, 22), None, TODAY, rule) == (
        AMBER,
        "due within 7 days",
    )
    assert rag_for("In progress", dt.date(2027, 2, 23), None, TODAY, rule)[0] == GREEN
    assert RagRule.from_settings(Settings(amber_days=-5)).amber_days == 0


def test_reasons_name_the_rule() -> None:
    assert rag_for("Not started", dt.date(2027, 1, 1), None, TODAY)[1] == (
        "past its target date and not completed"
    )
    assert rag_for("Completed", None, None, TODAY)[1] == "completed"


@pytest.mark.parametrize("amber_days", [0, 7, 30])
@pytest.mark.parametrize("status", ["In progress", "Completed"])
@pytest.mark.parametrize(
    "due", [None, dt.date(2027, 2, 1), dt.date(2027, 2, 20), dt.date(2027, 6, 1)]
)
def test_rag_days_are_exactly_the_days_the_rag_holds(
    amber_days: int, status: str, due: dt.date | None
) -> None:
    rule = RagRule(amber_days)
    for offset in range(-120, 121, 3):
        today = TODAY + dt.timedelta(days=offset)
        first, last = rag_days(status, due, None, today, rule)
        rag = rag_for(status, due, None, today, rule)[0]
        assert first <= today.toordinal() <= last
        # Every day of the span gives the same RAG, and the days either side (when dates) do not.
        for day in range(
            max(first, today.toordinal() - 200), min(last, today.toordinal() + 200) + 1
        ):
            assert rag_for(status, due, None, dt.date.fromordinal(day), rule)[0] == rag
        for day in (first - 1, last + 1):
            if 1 <= day <= dt.date.max.toordinal():
                assert rag_for(status, due, None, dt.date.fromordinal(day), rule)[0] != rag
