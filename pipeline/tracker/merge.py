"""The pure merge: the group's sheet rows + qap's rows + what qap last wrote -> cell writes and log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipeline.tracker.cells import parse_date
from pipeline.tracker.columns import BY_KEY, DONE_STATUSES, KEYS, NOT_STARTED
from pipeline.tracker.rag import DEFAULT_RULE, RagRule, rag_days, rag_for
from pipeline.tracker.records import CellState, CellWrite, LogEntry, QapRow, SheetRow
from pipeline.tracker.state import EMPTY, ByCell, Offered, RowState, Settled, States, StoredRows

# Columns qap computes itself rather than taking from a return.
DERIVED = ("rag", "last_updated", "closed")
# A change to these alone is not news about the item, so it does not move "Last updated".
NOT_NEWS = ("rag", "last_updated")


@dataclass(frozen=True)
class MergeResult:
    """What to write, what to log, and the state to remember once the write has landed."""

    writes: tuple[CellWrite, ...]
    log: tuple[LogEntry, ...]
    rows: tuple[SheetRow, ...]
    added: int = 0
    updated: int = 0
    conflicts: int = 0
    offered: Mapping[tuple[str, str], str] = field(default_factory=dict)
    seen: Mapping[tuple[str, str], str] = field(default_factory=dict)
    gone: tuple[str, ...] = ()
    new_rows: tuple[int, ...] = ()
    # What to remember per ref once the write lands; only refs whose memory changed.
    states: Mapping[str, RowState] = field(default_factory=dict)
    # Per ref merged this run: (row, offer key, first day, last day) of its RAG when the row
    # will read next time exactly as merged, else None (see Settled).
    settle: Mapping[str, tuple[int, str, int, int] | None] = field(default_factory=dict)
    # Per ref taken as settled (not merged): (row, first day, last day) of its RAG.
    taken: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)


class _Merger:
    def __init__(
        self, state: Mapping[tuple[str, str], CellState], today: dt.date, rule: RagRule
    ) -> None:
        self.state = States.of(state).rows
        self.today = today
        self.rule = rule
        self.writes: list[CellWrite] = []
        self.log: list[LogEntry] = []
        # Offers made this run, per ref, over a copy of what was offered before.
        self.offered: dict[str, dict[str, str]] = {}
        self.seen: dict[str, dict[str, str]] = {}
        self.conflicts = 0
        # The days today's RAG of each ref merged holds over.
        self.days: dict[str, tuple[int, int]] = {}
        self.settle: dict[str, tuple[int, str, int, int] | None] = {}
        # The return behind the latest change to the row, credited for RAG and closure too.
        self.source = ""

    def _offered(self, ref: str, key: str) -> str | None:
        return self.state.get(ref, EMPTY).offered.get(key)

    def _offer(self, ref: str, key: str, value: str) -> None:
        row = self.offered.get(ref)
        if row is None:
            row = self.offered[ref] = dict(self.state.get(ref, EMPTY).offered)
        row[key] = value

    def _set(
        self, row: int, values: dict[str, str], key: str, value: str, changed: set[str]
    ) -> None:
        values[key] = value
        self.writes.append(CellWrite(row, key, value))
        changed.add(key)

    def offer(self, row: int, values: dict[str, str], qap: QapRow, changed: set[str]) -> None:
        """Three-way merge of each value qap offers: a cell the group changed is never overwritten."""
        ref = values["ref"]
        self.source = ""
        for key, ours in qap.values.items():
            if key == "ref":
                continue
            base = self._offered(ref, key)
            theirs = values.get(key, "")
            source = qap.sources.get(key, "")
            self._offer(ref, key, ours)
            if ours == base or theirs == ours:
                continue
            header = BY_KEY[key].header
            if theirs == (base or ""):
                self._set(row, values, key, ours, changed)
                self.source = source
                detail = f"{_short(theirs) or '(blank)'} -> {_short(ours)}" if theirs else ""
                self.log.append(
                    LogEntry(ref, header, "updated" if theirs else "filled in", detail, source)
                )
                for note in qap.notes.get(key, ()):
                    self.log.append(LogEntry(ref, header, "text altered", note, source))
                continue
            self.conflicts += 1
            detail = (
                f"the group's value was kept: {_short(theirs)!r}; the return said {_short(ours)!r}"
            )
            self.log.append(LogEntry(ref, header, "conflict", detail, source))

    def derive(self, row: int, values: dict[str, str], changed: set[str], human: set[str]) -> None:
        """Date closed, RAG and Last updated from the merged status and dates."""
        ref = values["ref"]
        status = values.get("status", "")
        closed = values.get("closed", "")
        today = self.today.isoformat()
        if status in DONE_STATUSES and not closed:
            self._set(row, values, "closed", today, changed)
            self._offer(ref, "closed", today)
            self.log.append(
                LogEntry(ref, "Date closed", "dated", f"status is {status}", self.source)
            )
        elif status not in DONE_STATUSES and closed and closed == self._offered(ref, "closed"):
            # qap dated the closure, so qap may undo it when the item is reopened.
            self._set(row, values, "closed", "", changed)
            self._offer(ref, "closed", "")
            self.log.append(
                LogEntry(ref, "Date closed", "cleared", "the item was reopened", self.source)
            )
        target = parse_date(values.get("target", ""))
        revised = parse_date(values.get("revised_target", ""))
        rag, why = rag_for(status, target, revised, self.today, self.rule)
        self.days[ref] = rag_days(status, target, revised, self.today, self.rule)
        old_rag = values.get("rag", "")
        if old_rag != rag:
            self._set(row, values, "rag", rag, changed)
            if old_rag:
                self.log.append(
                    LogEntry(ref, "RAG", "recalculated", f"{old_rag} -> {rag}: {why}", self.source)
                )
        news = (changed | human) - set(NOT_NEWS)
        if news and "last_updated" not in human and values.get("last_updated") != today:
            self._set(row, values, "last_updated", today, changed)

    def noticed(self, ref: str, values: Mapping[str, str]) -> set[str]:
        """Columns the group changed since qap's last write."""
        seen = self.state.get(ref, EMPTY).seen
        return {key for key, text in seen.items() if values.get(key, "") != text and key in BY_KEY}

    def remember(self, ref: str, values: Mapping[str, str]) -> None:
        self.seen[ref] = {key: values.get(key, "") for key in KEYS}

    def states(self) -> tuple[Offered, dict[str, RowState]]:
        """Every ref's offers after this run, and the memory of the refs whose memory changed."""
        offered = Offered(self.offered, self.state)
        changed: dict[str, RowState] = {}
        for ref in self.offered.keys() | self.seen.keys():
            old = self.state.get(ref, EMPTY)
            # A row not seen this run (deleted by the group) keeps the memory of qap's last write.
            new = RowState(offered.get(ref, {}), self.seen.get(ref, old.seen))
            if new != old:
                changed[ref] = new
        return offered, changed


def offer_digest(values: Mapping[str, str]) -> str:
    """A digest of qap's values for a ref, their columns and order included."""
    # Values went through clean_text, which leaves no control characters such as these.
    text = "\x1f".join(values) + "\x1d" + "\x1f".join(values.values())
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def offer_key(qap: QapRow | None, rule: RagRule) -> str:
    """qap's offer for a ref (and the RAG rule) as one short text, to tell whether it changed."""
    if qap is None:
        return f"{rule.amber_days}"
    # Rows remembered from a return carry their digest, so a settled row costs no hashing.
    return f"{rule.amber_days}\x1d{qap.offer or offer_digest(qap.values)}"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def merge(
    rows: Sequence[SheetRow],
    qap_rows: Sequence[QapRow],
    state: Mapping[tuple[str, str], CellState],
    *,
    today: dt.date,
    rule: RagRule = DEFAULT_RULE,
    assigned: Mapping[int, str] | None = None,
    gone_noted: frozenset[str] = frozenset(),
    next_row: int = 2,
    settled: Mapping[str, Settled] | None = None,
    digests: Mapping[int, bytes] | None = None,
    skipped: frozenset[str] = frozenset(),
) -> MergeResult:
    """Merge qap's rows into the sheet's: existing rows in place, new ones appended from `next_row`.

    A row still `settled` (its digest in `digests`, qap's offer and today's RAG as when it was
    last merged) is taken as it is: merging it again would change nothing. Refs `skipped` are
    in rows not given, all settled (see owner_memo).
    """
    merger = _Merger(state, today, rule)
    assigned = assigned or {}
    settled = settled or {}
    digests = digests or {}
    day = today.toordinal()
    by_ref = {q.ref: q for q in qap_rows}
    done: set[str] = set(skipped)
    taken: dict[str, tuple[int, int, int]] = {}
    final: list[SheetRow] = []
    updated = 0
    # Bound once: the settled check below runs for every one of thousands of rows.
    settled_of, digest_of, qap_of = settled.get, digests.get, by_ref.get
    keep, take = done.add, final.append
    # Each row's ref, and whether it is still as last merged (taken as it is unless its ref
    # came earlier): cheapest tests first, as nearly every row is, and only its offer costs a call.
    still: list[tuple[str, bool]] = []
    for row in rows:
        typed = row.values.get("ref", "").strip().upper()
        memo = settled_of(typed) if typed else None
        still.append(
            (
                typed,
                memo is not None
                and digest_of(row.row) == memo.digest
                and memo.first_day <= day <= memo.last_day
                and memo.offer == offer_key(qap_of(typed), rule),
            )
        )
    if isinstance(merger.state, StoredRows):
        # The memory of the rows to merge, read in one query rather than one a row.
        merger.state.load(
            [
                typed or assigned.get(row.row, "")
                for row, (typed, same) in zip(rows, still, strict=True)
                if not same
            ]
            + list(by_ref.keys() - {typed for typed, _ in still} - done)
        )
    for row, (typed, same) in zip(rows, still, strict=True):
        memo = settled_of(typed) if same else None
        if memo is not None and typed not in done:
            keep(typed)
            take(row)
            taken[typed] = (row.row, memo.first_day, memo.last_day)
            continue
        values = dict(row.values)
        changed: set[str] = set()
        if not values.get("ref") and row.row in assigned:
            merger._set(row.row, values, "ref", assigned[row.row], changed)
            merger.log.append(
                LogEntry(assigned[row.row], "Ref", "ref given", "a row added by hand")
            )
            # A new item starts not started and raised today unless the group said otherwise.
            for key, value in (("status", NOT_STARTED), ("raised", today.isoformat())):
                if not values.get(key):
                    merger._set(row.row, values, key, value, changed)
        ref = values.get("ref", "").strip().upper()
        if not ref or ref in done:
            if ref:
                merger.log.append(
                    LogEntry(
                        ref,
                        "Ref",
                        "duplicate",
                        f"row {row.row} repeats this Ref; qap left it alone",
                    )
                )
            final.append(SheetRow(row.row, values))
            continue
        done.add(ref)
        values["ref"] = ref if values.get("ref", "").upper() == ref else values["ref"]
        human = merger.noticed(ref, values)
        if human - set(NOT_NEWS):
            headers = ", ".join(BY_KEY[k].header for k in KEYS if k in human and k not in NOT_NEWS)
            merger.log.append(LogEntry(ref, "", "edited by the group", headers))
        merger.source = ""
        if ref in by_ref:
            merger.offer(row.row, values, by_ref[ref], changed)
        merger.derive(row.row, values, changed, human)
        updated += bool(changed - {"rag"})
        merger.remember(ref, values)
        # A row qap writes reads back as merged (the save checks it); one it leaves alone does
        # if the merge changed nothing (a typed ref's case, say).
        stable = bool(changed) or values == row.values
        merger.settle[ref] = (
            (row.row, offer_key(by_ref.get(ref), rule), *merger.days[ref]) if stable else None
        )
        final.append(SheetRow(row.row, values))
    added = 0
    gone: list[str] = []
    for qap in qap_rows:
        if qap.ref in done:
            continue
        if any(key in BY_KEY for key in merger.state.get(qap.ref, EMPTY).seen):
            # The group deleted the row: their decision stands, and is logged once.
            if qap.ref not in gone_noted:
                gone.append(qap.ref)
                merger.log.append(
                    LogEntry(qap.ref, "", "row deleted by the group", "qap did not put it back")
                )
            continue
        row_number = next_row + added
        values = {"ref": qap.ref}
        changed = set()
        # No earlier line can be about this ref (it was in no row): only this row's are sifted.
        start = len(merger.log)
        merger._set(row_number, values, "ref", qap.ref, changed)
        merger.offer(row_number, values, qap, changed)
        if not values.get("status"):
            merger._set(row_number, values, "status", NOT_STARTED, changed)
        merger.derive(row_number, values, changed, set())
        merger.log[start:] = [
            e for e in merger.log[start:] if not (e.ref == qap.ref and e.change == "filled in")
        ]
        merger.log.append(LogEntry(qap.ref, "", "added", "", qap.sources.get("text", "")))
        merger.remember(qap.ref, values)
        merger.settle[qap.ref] = (row_number, offer_key(qap, rule), *merger.days[qap.ref])
        final.append(SheetRow(row_number, values))
        added += 1
    offered, states = merger.states()
    return MergeResult(
        writes=tuple(merger.writes),
        log=tuple(merger.log),
        rows=tuple(final),
        added=added,
        updated=updated,
        conflicts=merger.conflicts,
        offered=ByCell(offered),
        seen=ByCell(merger.seen),
        gone=tuple(gone),
        new_rows=tuple(range(next_row, next_row + added)),
        states=states,
        settle=merger.settle,
        taken=taken,
    )
