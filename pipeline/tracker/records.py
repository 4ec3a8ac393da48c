"""Plain records the tracker stages pass between them: sheet rows, qap's rows, writes, log entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

# The default of a mapping nobody passed: shared, so it must not be changed (nothing can).
_NONE: Mapping[str, Any] = MappingProxyType({})


class SheetRow(NamedTuple):
    """A Tracker row as found in the workbook: its row number and canonical values by column key.

    A named tuple: a run makes one per row of the sheet, thousands, and this is cheaper to make.
    """

    row: int
    values: Mapping[str, str]

    def get(self, key: str) -> str:
        """The canonical value of one column ('' when empty or absent)."""
        return self.values.get(key, "")


class QapRow(NamedTuple):
    """What qap offers for one ref: values by column key, the file each came from, and notes.

    A named tuple: a run makes one per action of every return, thousands, and a frozen
    dataclass costs several times as much to make.
    """

    ref: str
    values: Mapping[str, str]
    sources: Mapping[str, str] = _NONE
    notes: Mapping[str, tuple[str, ...]] = _NONE
    # The digest of `values` (merge.offer_digest) when already known, else "" (computed).
    offer: str = ""


class CellState(NamedTuple):
    """What qap last offered for a cell, and what the cell held right after qap's last write."""

    offered: str | None = None
    seen: str | None = None


@dataclass(frozen=True)
class CellWrite:
    """One cell qap will write: sheet row number, column key, canonical value."""

    row: int
    key: str
    value: str


@dataclass(frozen=True)
class LogEntry:
    """A line of the Log sheet: what qap changed or noticed, for which ref, and from which return."""

    ref: str
    column: str
    change: str
    detail: str = ""
    source: str = ""
    at: str = ""
