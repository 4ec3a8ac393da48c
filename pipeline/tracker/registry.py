"""qap's private tracker state in SQLite: refs ever issued, what qap last wrote per cell, the log."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from typing import Any

from pipeline.tracker.records import CellState, LogEntry
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS refs (
    ref TEXT PRIMARY KEY,
    audit_id TEXT NOT NULL DEFAULT '',
    agency_key TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL,
    match_key TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT -1,
    return_id INTEGER NOT NULL DEFAULT -1,
    created_at TEXT NOT NULL,
    gone_noted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refs_by_agency ON refs (audit_id, agency_key);
CREATE TABLE IF NOT EXISTS cells (
    ref TEXT NOT NULL,
    col TEXT NOT NULL,
    offered TEXT,
    seen TEXT,
    PRIMARY KEY (ref, col)
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    ref TEXT NOT NULL,
    col TEXT NOT NULL,
    change TEXT NOT NULL,
    detail TEXT NOT NULL,
    source TEXT NOT NULL
);
"""
ORIGIN_RETURN = "return"
ORIGIN_HAND = "hand"
ORIGIN_SEEN = "seen"


@dataclass(frozen=True)
class RefRecord:
    """A ref qap issued (or saw typed in the workbook) and what it was issued for."""

    ref: str
    audit_id: str
    agency_key: str
    origin: str
    match_key: str
    position: int
    return_id: int


class Registry:
    """Refs, per-cell state and the change log, over one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Highest number issued per PREFIX-CODE- stem, read once then counted up in memory.
        self._top: dict[str, int] = {}
        # The cells table as last read or written, so a write stores only the cells that changed.
        self._cells: dict[tuple[str, str], CellState] | None = None

    def refs_for(self, audit_id: str, agency_key: str) -> list[RefRecord]:
        """Every ref issued for one agency's actions in one audit, oldest first."""
        rows = self.conn.execute(
            "SELECT ref, audit_id, agency_key, origin, match_key, position, return_id FROM refs "
            "WHERE audit_id = ? AND agency_key = ? AND origin = ? ORDER BY rowid",
            (audit_id, agency_key, ORIGIN_RETURN),
        )
        return [RefRecord(*row) for row in rows]

    def record(self, ref: str) -> RefRecord | None:
        """What a ref was issued for, or None when qap never issued or saw it."""
        row = self.conn.execute(
            "SELECT ref, audit_id, agency_key, origin, match_key, position, return_id FROM refs "
            "WHERE ref = ?",
            (ref,),
        ).fetchone()
        return RefRecord(*row) if row else None

    def _highest(self, stem: str) -> int:
        if stem not in self._top:
            pattern = re.compile(re.escape(stem) + r"(\d+)$")
            rows = self.conn.execute(
                "SELECT ref FROM refs WHERE ref LIKE ? ESCAPE '\\'", (_like(stem),)
            )
            self._top[stem] = max(
                (int(m.group(1)) for (ref,) in rows if (m := pattern.match(ref))), default=0
            )
        return self._top[stem]

    def allocate(self, prefix: str, code: str, record: RefRecord) -> RefRecord:
        """Issue the next unused ref PREFIX-CODE-NN for `record`; call flush() before using it."""
        stem = f"{prefix}-{code}-"
        number = self._highest(stem) + 1
        self._top[stem] = number
        issued = RefRecord(
            f"{stem}{number:02d}",
            record.audit_id,
            record.agency_key,
            record.origin,
            record.match_key,
            record.position,
            record.return_id,
        )
        self.conn.execute(
            "INSERT INTO refs (ref, audit_id, agency_key, origin, match_key, position, "
            "return_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*astuple(issued), _now()),
        )
        log.info("tracker ref %s issued (%s)", issued.ref, record.origin)
        return issued

    def flush(self) -> None:
        """Commit refs issued so far: once committed they are never issued again."""
        self.conn.commit()

    def rematch(self, ref: str, match_key: str, position: int, return_id: int) -> None:
        """Point an issued ref at the reworded action of a resubmitted return (see flush())."""
        self.conn.execute(
            "UPDATE refs SET match_key = ?, position = ?, return_id = ? WHERE ref = ?",
            (match_key, position, return_id, ref),
        )

    def register_seen(self, refs: Iterable[str]) -> None:
        """Remember refs typed in the workbook by hand, so qap never issues them again."""
        self._top.clear()
        with self.conn:
            self.conn.executemany(
                "INSERT OR IGNORE INTO refs (ref, origin, created_at) VALUES (?, ?, ?)",
                [(ref, ORIGIN_SEEN, _now()) for ref in refs],
            )

    def gone_noted(self) -> frozenset[str]:
        """Refs whose row the group deleted and qap has already logged."""
        rows = self.conn.execute("SELECT ref FROM refs WHERE gone_noted = 1")
        return frozenset(ref for (ref,) in rows)

    def state(self) -> dict[tuple[str, str], CellState]:
        """What qap last offered and last saw, per (ref, column)."""
        rows = self.conn.execute("SELECT ref, col, offered, seen FROM cells")
        # Sixteen cells a row add up: equal texts (refs, column keys, statuses, dates) are kept
        # once, and the mapping is shared with the caller, who only reads it.
        texts: dict[Any, Any] = {}
        keep, make = texts.setdefault, CellState._make
        self._cells = {
            (keep(ref, ref), keep(col, col)): make((keep(offered, offered), keep(seen, seen)))
            for ref, col, offered, seen in rows
        }
        return self._cells

    def commit_write(
        self,
        offered: Mapping[tuple[str, str], str],
        seen: Mapping[tuple[str, str], str],
        entries: Iterable[LogEntry],
        gone: Iterable[str],
        digest: str = "",
    ) -> None:
        """Record a write that reached the workbook: cell state, log lines, deletions noted."""
        known = self._cells if self._cells is not None else {}
        cells = {
            key: CellState(*state)
            for key in offered.keys() | seen.keys()
            if known.get(key) != (state := (offered.get(key), seen.get(key)))
        }
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('sheets_digest', ?)", (digest,)
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO cells (ref, col, offered, seen) VALUES (?, ?, ?, ?)",
                [(ref, col, *state) for (ref, col), state in cells.items()],
            )
            self.conn.executemany(
                "INSERT INTO log (at, ref, col, change, detail, source) VALUES (?, ?, ?, ?, ?, ?)",
                [(e.at, e.ref, e.column, e.change, e.detail, e.source) for e in entries],
            )
            self.conn.executemany(
                "UPDATE refs SET gone_noted = 1 WHERE ref = ?", [(ref,) for ref in gone]
            )
        if self._cells is not None:
            self._cells.update(cells)

    def sheets_digest(self) -> str:
        """A digest of the figures behind the rebuilt sheets at the last write."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'sheets_digest'").fetchone()
        return str(row[0]) if row else ""

    def forget_cells(self) -> None:
        """Drop per-cell state: the workbook was made afresh, so nothing in it is a group edit."""
        with self.conn:
            self.conn.execute("DELETE FROM cells")
            self.conn.execute("UPDATE refs SET gone_noted = 0")
        self._cells = {}

    def log_entries(self, limit: int = 5000) -> list[LogEntry]:
        """The newest runs first, each run's lines in the order they happened."""
        rows = self.conn.execute(
            "SELECT at, ref, col, change, detail, source FROM log ORDER BY at DESC, id LIMIT ?",
            (limit,),
        )
        return [
            LogEntry(ref, col, change, detail, source, at)
            for at, ref, col, change, detail, source in rows
        ]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


@contextmanager
def open_registry(workspace: Workspace) -> Iterator[Registry]:
    """The workspace's tracker registry (.qap/tracker.sqlite), created on first use."""
    workspace.ensure_private_dirs()
    path = workspace.private / "tracker.sqlite"
    # It holds the actions' text: owner-only before SQLite opens it (SQLite would make it 0644),
    # and tightened if an older qap made it.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.executescript(SCHEMA)
        yield Registry(conn)
    finally:
        conn.close()
