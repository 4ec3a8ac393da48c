"""Figures for the sheets qap rebuilds: counts by status and RAG, and who has returned what."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pipeline.config import Partnership
from pipeline.definitions import AuditDefinition, Catalogue
from pipeline.model import RETURN_FORM, StoredReturn
from pipeline.tracker.columns import STATUSES, agency_finder
from pipeline.tracker.rag import RAGS
from pipeline.tracker.records import SheetRow

OTHER = "Other or blank"
RECEIVED = "Received"
OUTSTANDING = "Outstanding"
OVERDUE = "Overdue"
NOT_ASKED = "Not taking part"


@dataclass(frozen=True)
class Counts:
    """How many items one agency or audit has in each status and each RAG colour."""

    label: str
    by_status: dict[str, int]
    by_rag: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def _counts(label: str, tally: Mapping[tuple[str, str], int]) -> Counts:
    by_status = {s: 0 for s in (*STATUSES, OTHER)}
    by_rag = {r: 0 for r in RAGS}
    for (status, rag), number in tally.items():
        by_status[status if status in by_status else OTHER] += number
        if rag in by_rag:
            by_rag[rag] += number
    return Counts(label, by_status, by_rag)


def counts_by_each(
    rows: Sequence[SheetRow], labels: Sequence[Callable[[SheetRow], str]]
) -> list[list[Counts]]:
    """Counts per label (an agency, an audit), in order of first appearance, plus a total line,
    for each of several labels, in one pass over the rows."""
    # Counting (status, RAG) pairs: a tracker has thousands of rows but few pairs.
    tallies: list[dict[str, Counter[tuple[str, str]]]] = [{} for _ in labels]
    everything: Counter[tuple[str, str]] = Counter()
    for row in rows:
        values = row.values
        if not values.get("ref"):
            continue
        pair = (values.get("status", ""), values.get("rag", ""))
        everything[pair] += 1
        for label, by_name in zip(labels, tallies, strict=True):
            name = label(row) or "(not given)"
            tally = by_name.get(name)
            if tally is None:
                tally = by_name[name] = Counter()
            tally[pair] += 1
    total = _counts("All items", everything)
    return [[*(_counts(n, t) for n, t in by_name.items()), total] for by_name in tallies]


def agency_label(partnership: Partnership) -> Callable[[SheetRow], str]:
    """A row's lead agency by its display name, whichever alias the group typed."""

    find = agency_finder(partnership)
    # By the text typed: thousands of rows name a few dozen agencies.
    known: dict[str, str] = {}

    def label(row: SheetRow) -> str:
        typed = row.get("lead_agency")
        name = known.get(typed)
        if name is None:
            agency = find(typed)
            name = known[typed] = agency.name if agency else typed.strip()
        return name

    return label


def audit_label(row: SheetRow) -> str:
    """A row's audit as written in the Audit column."""
    return row.get("audit").strip()


@dataclass(frozen=True)
class ReturnCell:
    """Whether one agency's return to one audit is in, still due, overdue, or not asked for."""

    state: str
    date: dt.date | None = None


@dataclass(frozen=True)
class ReturnsGrid:
    """Agencies down, audits across: the state of every return."""

    audits: tuple[AuditDefinition, ...]
    rows: tuple[tuple[str, tuple[ReturnCell, ...]], ...]


def returns_grid(
    returns: Sequence[StoredReturn], catalogue: Catalogue, partnership: Partnership, today: dt.date
) -> ReturnsGrid:
    """Received (date in), outstanding (due date) or overdue (due date passed) per agency and audit."""
    received: dict[tuple[str, str], dt.date] = {}
    for stored in returns:
        if stored.data.kind == RETURN_FORM:
            key = (stored.data.agency_key, stored.data.audit_id)
            day = stored.received_at.date()
            received[key] = min(day, received.get(key, day))
    rows = []
    for agency in partnership.agencies:
        cells = []
        for audit in catalogue.audits:
            if (agency.key, audit.id) in received:
                cells.append(ReturnCell(RECEIVED, received[(agency.key, audit.id)]))
            elif agency.key not in audit.agencies:
                cells.append(ReturnCell(NOT_ASKED))
            else:
                late = audit.deadline < today
                cells.append(ReturnCell(OVERDUE if late else OUTSTANDING, audit.deadline))
        rows.append((agency.name, tuple(cells)))
    return ReturnsGrid(catalogue.audits, tuple(rows))
