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


# A label of rows: the column it reads, and the label of that column's text.
Label = tuple[str, Callable[[str], str]]


def counts_by_each(
    rows: Sequence[SheetRow],
    labels: Sequence[Label],
    more: Sequence[tuple[int, tuple[str, ...], int]] = (),
) -> list[list[Counts]]:
    """Counts per label (an agency, an audit), in order of first appearance, plus a total line,
    for each of several labels, in one pass over the rows; `more` counts rows not given, as
    (first row, key, count) by the keys counted here (see owner_memo)."""
    # Rows counted by (status, RAG, each label's column): thousands of rows, few such keys.
    columns = [column for column, _ in labels]
    # Counted by Counter's own loop, a generator feeding it: cheaper than `+= 1` per row.
    keys: Counter[tuple[str, ...]] = Counter(
        (values.get("status", ""), values.get("rag", ""), *[values.get(c, "") for c in columns])
        for values in [row.values for row in rows]
        if values.get("ref")
    )
    if more:
        keys = _with_more(rows, columns, keys, more)
    tallies: list[dict[str, Counter[tuple[str, str]]]] = [{} for _ in labels]
    everything: Counter[tuple[str, str]] = Counter()
    for key, number in keys.items():
        pair = (key[0], key[1])
        everything[pair] += number
        for (_, label), text, by_name in zip(labels, key[2:], tallies, strict=True):
            name = label(text) or "(not given)"
            tally = by_name.get(name)
            if tally is None:
                tally = by_name[name] = Counter()
            tally[pair] += number
    total = _counts("All items", everything)
    return [[*(_counts(n, t) for n, t in by_name.items()), total] for by_name in tallies]


def _with_more(
    rows: Sequence[SheetRow],
    columns: Sequence[str],
    keys: Counter[tuple[str, ...]],
    more: Sequence[tuple[int, tuple[str, ...], int]],
) -> Counter[tuple[str, ...]]:
    """Keys counted in rows and in `more` together, in order of the first row each is on, as
    counting every row in order would have them."""
    first: dict[tuple[str, ...], int] = {}
    for row in rows:
        values = row.values
        if values.get("ref"):
            key = (
                values.get("status", ""),
                values.get("rag", ""),
                *[values.get(c, "") for c in columns],
            )
            first.setdefault(key, row.row)
    total = Counter(keys)
    for at, key, number in more:
        total[key] += number
        first[key] = min(first.get(key, at), at)
    return Counter({key: total[key] for key in sorted(total, key=first.__getitem__)})


def agency_label(partnership: Partnership) -> Label:
    """A row's lead agency by its display name, whichever alias the group typed."""
    find = agency_finder(partnership)

    def label(typed: str) -> str:
        agency = find(typed)
        return agency.name if agency else typed.strip()

    return "lead_agency", label


def _stripped(text: str) -> str:
    return text.strip()


# A row's audit as written in the Audit column.
AUDIT_LABEL: Label = ("audit", _stripped)


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
