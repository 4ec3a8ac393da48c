"""The RAG rule across dates, with today fixed."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.config import Settings
from pipeline.tracker.rag import AMBER, GREEN, RED, RagRule, rag_for

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
