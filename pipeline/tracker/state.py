"""qap's memory of each Tracker row, kept per row: what it last offered and what the row then held.

A 5,000-row tracker has 80,000 cells but only 5,000 rows; keeping the memory per row lets a run
load, compare and store it row by row. The views below still answer per (ref, column), as the
merge and its tests ask.
"""

from __future__ import annotations

import json
import logging
import marshal
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple

from pipeline.tracker.records import CellState

log = logging.getLogger(__name__)


class RowState(NamedTuple):
    """What qap last offered for one ref's columns, and what each column held after its write."""

    offered: Mapping[str, str]
    seen: Mapping[str, str]


EMPTY = RowState({}, {})


class States(Mapping[tuple[str, str], CellState]):
    """Row states read as cell states: (ref, column) -> CellState(offered, seen)."""

    def __init__(self, rows: Mapping[str, RowState]) -> None:
        self.rows = rows

    @classmethod
    def of(cls, cells: Mapping[tuple[str, str], CellState]) -> States:
        """Cell states grouped by ref (a States is returned as it is)."""
        if isinstance(cells, States):
            return cells
        offered: dict[str, dict[str, str]] = {}
        seen: dict[str, dict[str, str]] = {}
        for (ref, key), cell in cells.items():
            offered.setdefault(ref, {})
            seen.setdefault(ref, {})
            if cell.offered is not None:
                offered[ref][key] = cell.offered
            if cell.seen is not None:
                seen[ref][key] = cell.seen
        return cls({ref: RowState(offered[ref], seen[ref]) for ref in offered})

    def __getitem__(self, key: tuple[str, str]) -> CellState:
        row = self.rows[key[0]]
        offered, seen = row.offered.get(key[1]), row.seen.get(key[1])
        if offered is None and seen is None:
            raise KeyError(key)
        return CellState(offered, seen)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for ref, row in self.rows.items():
            yield from ((ref, key) for key in row.offered.keys() | row.seen.keys())

    def __len__(self) -> int:
        return sum(len(row.offered.keys() | row.seen.keys()) for row in self.rows.values())


class ByCell(Mapping[tuple[str, str], str]):
    """Texts kept per row read per cell: (ref, column) -> text."""

    def __init__(self, rows: Mapping[str, Mapping[str, str]]) -> None:
        self.rows = rows

    def __getitem__(self, key: tuple[str, str]) -> str:
        return self.rows[key[0]][key[1]]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for ref, row in self.rows.items():
            yield from ((ref, key) for key in row)

    def __len__(self) -> int:
        return sum(len(row) for row in self.rows.values())


def encode(values: Mapping[str, str]) -> bytes:
    """One side of a row's memory (offered or seen) as stored: marshal, several times quicker
    to write and read than JSON for the few hundred rows a run stores and reads."""
    return marshal.dumps(dict(values))


def decode(stored: str | bytes) -> dict[str, str] | None:
    """One side of a row's memory as encode() stored it, or as JSON text (older registries);
    None when it cannot be read (a damaged registry)."""
    try:
        values = marshal.loads(stored) if isinstance(stored, bytes) else json.loads(stored)
    except (ValueError, EOFError, TypeError):
        return None
    return values if isinstance(values, dict) else None


class StoredRows(Mapping[str, RowState]):
    """Row states as stored (two JSON texts a ref), each read and decoded the first time it is
    asked for.

    A run that leaves most rows alone never reads or decodes their memory.
    """

    def __init__(
        self,
        fetch: Callable[[str], tuple[str | bytes, str | bytes] | None],
        refs: Callable[[], Iterable[str]],
        fetch_many: Callable[[list[str]], Iterable[tuple[str, str | bytes, str | bytes]]]
        | None = None,
    ) -> None:
        self.fetch = fetch
        self.refs = refs
        self.fetch_many = fetch_many
        # None: read, and qap has no memory of that ref.
        self.decoded: dict[str, RowState | None] = {}
        # Rows whose stored memory could not be read.
        self.unreadable = 0

    def load(self, refs: Iterable[str]) -> None:
        """Read the memory of these refs in one go, not one query each as get() would."""
        if self.fetch_many is None:
            return
        wanted = [ref for ref in dict.fromkeys(refs) if ref not in self.decoded]
        if not wanted:
            return
        found = {ref: (offered, seen) for ref, offered, seen in self.fetch_many(wanted)}
        for ref in wanted:
            self.decoded[ref] = self._state(ref, found.get(ref))

    def get(self, ref: str, default: RowState | None = None) -> RowState | None:  # type: ignore[override]
        """The state of a ref, or `default` when qap has none."""
        try:
            row = self.decoded[ref]
        except KeyError:
            row = self.decoded[ref] = self._state(ref, self.fetch(ref))
        return default if row is None else row

    def _state(self, ref: str, stored: tuple[str | bytes, str | bytes] | None) -> RowState | None:
        """A row's memory decoded; none when there is none, or it cannot be read: the row is
        then merged as one qap never wrote, so what the group typed in it is kept."""
        if stored is None:
            return None
        offered, seen = decode(stored[0]), decode(stored[1])
        if offered is None or seen is None:
            if not self.unreadable:
                log.warning(
                    "tracker registry: the memory of row %s could not be read; it and any other "
                    "such row are merged as rows qap never wrote",
                    ref,
                )
            self.unreadable += 1
            return None
        return RowState(offered, seen)

    def __getitem__(self, ref: str) -> RowState:
        row = self.get(ref)
        if row is None:
            raise KeyError(ref)
        return row

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and self.get(ref) is not None

    def __iter__(self) -> Iterator[str]:
        known = {ref for ref, row in self.decoded.items() if row is not None}
        return iter(known.union(self.refs()))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def update(self, rows: Mapping[str, RowState]) -> None:
        """Take the states just stored as the current ones."""
        self.decoded.update(rows)


class Offered(Mapping[str, Mapping[str, str]]):
    """What qap offered per ref: the offers of this run over those of earlier runs (read lazily)."""

    def __init__(
        self, now: Mapping[str, Mapping[str, str]], before: Mapping[str, RowState]
    ) -> None:
        self.now = now
        self.before = before

    def __getitem__(self, ref: str) -> Mapping[str, str]:
        if ref in self.now:
            return self.now[ref]
        return self.before[ref].offered

    def __iter__(self) -> Iterator[str]:
        return iter(self.now.keys() | self.before.keys())

    def __len__(self) -> int:
        return len(self.now.keys() | self.before.keys())


class Settled(NamedTuple):
    """A row left exactly as qap last merged it, and what that merge depended on: the row's
    bytes (digest), qap's offer for it, and the days over which its RAG holds.

    While all three hold, merging the row again changes nothing, so a run skips it.
    """

    digest: bytes
    offer: str
    first_day: int
    last_day: int
