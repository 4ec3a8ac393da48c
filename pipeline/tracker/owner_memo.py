"""Pairs whose rows stay settled: rows of an (audit, agency) an update need not read or merge.

A row settled when qap saved the sheet (see state.Settled) would be taken as it is by the next
merge while its bytes, qap's offer for it and its RAG stay the same. When every row of an
(audit, agency) pair was settled at the save, the pair's lone return is still the same (the same
stamp, so the same derived rows and offers: see derived), the RAG rule is the same and today is
inside every one of its rows' RAG windows, none of the pair's rows needs reading, merging,
counting or remembering again: they are skipped, and their Summary counts are kept from the save.

The memo is tied to the Tracker part as stored when saved, and used only while the sheet memo
holds (the part is exactly as qap saved it, read with the same context), so a sheet the group
changed, sorted or saved is read in full. Each write replaces it in the registry commit that
records the write. Only pairs whose refs each appear in one row are kept.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from pipeline.tracker.records import SheetRow
from pipeline.tracker.state import Settled

SCHEMA = """
CREATE TABLE IF NOT EXISTS owner_settled (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    part BLOB NOT NULL,
    owners BLOB NOT NULL
)
"""
# Bumped whenever what is kept per pair changes meaning.
VERSION = "1"

Owner = tuple[str, str]
# A Summary count key (see summary.counts_by_each) with the first row it is on and its count.
Count = tuple[int, tuple[str, ...], int]


class PairSettled(NamedTuple):
    """One pair's settled rows: what they hold for, their numbers and refs, and their counts."""

    stamp: str
    rule: str
    first_day: int
    last_day: int
    rows: tuple[int, ...]
    refs: tuple[str, ...]
    counts: tuple[Count, ...]


@dataclass(frozen=True)
class Skip:
    """The rows an update may skip, if the Tracker part is still `part` as stored."""

    part: bytes
    rows: frozenset[int]
    refs: frozenset[str]
    pairs: Mapping[Owner, PairSettled]
    counts: tuple[Count, ...] = field(default=())


def _load(conn: sqlite3.Connection) -> tuple[bytes, dict[Owner, PairSettled]] | None:
    conn.execute(SCHEMA)
    row = conn.execute("SELECT part, owners FROM owner_settled").fetchone()
    if row is None:
        return None
    try:
        version, pairs = marshal.loads(row[1])
        if version != VERSION:
            return None
        return row[0], {(a, b): PairSettled(*rest) for (a, b), rest in pairs.items()}
    except (ValueError, TypeError, EOFError):
        return None


def plan_skip(
    conn: sqlite3.Connection, stamps: Mapping[Owner, str], day: int, rule: str
) -> Skip | None:
    """The pairs still settled today with these returns' stamps and this RAG rule (`rule`: the
    offer key of a row without qap's values, see merge.offer_key), if any."""
    loaded = _load(conn)
    if loaded is None:
        return None
    part, pairs = loaded
    kept = {
        owner: pair
        for owner, pair in pairs.items()
        if stamps.get(owner) == pair.stamp
        and pair.rule == rule
        and pair.first_day <= day <= pair.last_day
    }
    if not kept:
        return None
    # Chained in C: thousands of rows and refs, every run that skips.
    pairs_kept = kept.values()
    return Skip(
        part,
        frozenset(chain.from_iterable(pair.rows for pair in pairs_kept)),
        frozenset(chain.from_iterable(pair.refs for pair in pairs_kept)),
        kept,
        tuple(chain.from_iterable(pair.counts for pair in pairs_kept)),
    )


def _counts(rows: Iterable[SheetRow], columns: Sequence[str]) -> tuple[Count, ...]:
    first: dict[tuple[str, ...], int] = {}
    tally: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        values = row.values
        key = (
            values.get("status", ""),
            values.get("rag", ""),
            *[values.get(c, "") for c in columns],
        )
        first.setdefault(key, row.row)
        tally[key] += 1
    return tuple((first[key], key, number) for key, number in tally.items())


def pairs_after(
    stamps: Mapping[Owner, str],
    owners: Mapping[str, Owner],
    rows: Sequence[SheetRow],
    taken: Mapping[str, tuple[int, int, int]],
    settled: Mapping[str, Settled | None],
    skip: Skip | None,
    rule: str,
    columns: Sequence[str],
) -> dict[Owner, PairSettled]:
    """The pairs whose every row is settled once this write lands: those skipped, and those
    whose rows were merged or taken as settled (`taken`: ref -> row, first and last day) this
    time. `rows` are the merged rows (skipped ones aside); `columns` those Summary counts by."""
    by_ref: dict[str, SheetRow] = {}
    # Skipped refs are distinct (a frozenset): each counts once, tested by membership rather
    # than copied into the Counter (thousands of them, most runs).
    skipped = skip.refs if skip else frozenset()
    seen: Counter[str] = Counter()
    for row in rows:
        typed = row.values.get("ref", "").strip().upper()
        if typed:
            seen[typed] += 1
            by_ref[typed] = row
    refs_of: dict[Owner, list[str]] = {}
    for ref, owner in owners.items():
        refs_of.setdefault(owner, []).append(ref)
    pairs: dict[Owner, PairSettled] = dict(skip.pairs) if skip else {}
    for owner, refs in refs_of.items():
        if owner in pairs or owner not in stamps:
            continue
        windows: list[tuple[int, int]] = []
        for ref in refs:
            memo = settled.get(ref)
            if ref not in by_ref or seen[ref] + (ref in skipped) != 1:
                break
            if memo is not None:
                windows.append((memo.first_day, memo.last_day))
            elif ref in taken and ref not in settled:
                windows.append(taken[ref][1:])
            else:
                break
        else:
            first = max(start for start, _ in windows)
            last = min(end for _, end in windows)
            if first <= last:
                mine = sorted((by_ref[ref] for ref in refs), key=lambda r: r.row)
                pairs[owner] = PairSettled(
                    stamps[owner],
                    rule,
                    first,
                    last,
                    tuple(r.row for r in mine),
                    tuple(refs),
                    _counts(mine, columns),
                )
    return pairs


def store(conn: sqlite3.Connection, part: bytes | None, pairs: Mapping[Owner, PairSettled]) -> None:
    """Replace the memo in the connection's open transaction (the caller commits); `part`: the
    Tracker part as stored by this write (None: nothing is kept)."""
    conn.execute(SCHEMA)
    conn.execute("DELETE FROM owner_settled")
    if part is None or not pairs:
        return
    blob = marshal.dumps((VERSION, {owner: tuple(pair) for owner, pair in pairs.items()}))
    conn.execute("INSERT INTO owner_settled (id, part, owners) VALUES (1, ?, ?)", (part, blob))
