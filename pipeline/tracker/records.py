"""Plain records the tracker stages pass between them: sheet rows, qap's rows, writes, log entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class SheetRow(NamedTuple):
    """A Tracker row as found in the workbook: its row number and canonical values by column key.

    A named tuple: a run makes one per row of the sheet, thousands, and this is cheaper to make.
    """

    row: int
    values: Mapping[str, str]

    def get(self, key: str) -> str:
        """The canonical value of one column ('' when empty or absent)."""
        return self.values.get(key, "")


@dataclass(frozen=True)
class QapRow:
    """What qap offers for one ref: values by column key, the file each came from, and notes."""

    ref: str
    values: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


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
