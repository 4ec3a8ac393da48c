"""The RAG rule: red, amber or green from an item's status and dates, recomputed on every write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.config import Settings
from pipeline.tracker.columns import DONE_STATUSES

RED = "Red"
AMBER = "Amber"
GREEN = "Green"
RAGS = (RED, AMBER, GREEN)


@dataclass(frozen=True)
class RagRule:
    """How close to its target date an open item turns amber (qap.toml settings.amber_days)."""

    amber_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> RagRule:
        """The rule a workspace's qap.toml asks for."""
        return cls(amber_days=max(0, settings.amber_days))


DEFAULT_RULE = RagRule()


def effective_target(target: dt.date | None, revised: dt.date | None) -> dt.date | None:
    """The date an item is held to: the revised target when one was agreed, else the original."""
    return revised or target


def rag_for(
    status: str,
    target: dt.date | None,
    revised: dt.date | None,
    today: dt.date,
    rule: RagRule = DEFAULT_RULE,
) -> tuple[str, str]:
    """(RAG, reason): done is green, past target is red, due within amber_days is amber, else green."""
    if status in DONE_STATUSES:
        return GREEN, "completed"
    due = effective_target(target, revised)
    if due is None:
        return GREEN, "no target date"
    if due < today:
        return RED, "past its target date and not completed"
    if (due - today).days <= rule.amber_days:
        return AMBER, f"due within {rule.amber_days} days"
    return GREEN, "on track"


FIRST_DAY = dt.date.min.toordinal()
LAST_DAY = dt.date.max.toordinal()


def rag_days(
    status: str,
    target: dt.date | None,
    revised: dt.date | None,
    today: dt.date,
    rule: RagRule = DEFAULT_RULE,
) -> tuple[int, int]:
    """The days (ordinals, both ends included) around `today` on which rag_for gives the RAG it
    gives today: a run on any of them need not recompute it."""
    due = effective_target(target, revised)
    if status in DONE_STATUSES or due is None:
        return FIRST_DAY, LAST_DAY
    day, last = today.toordinal(), due.toordinal()
    if day > last:
        return last + 1, LAST_DAY
    if last - day <= rule.amber_days:
        return last - rule.amber_days, last
    return FIRST_DAY, last - rule.amber_days - 1
