"""qap's private tracker state in SQLite: refs ever issued, what qap last wrote per cell, the log."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import NamedTuple

from pipeline.tracker import row_memory
from pipeline.tracker.records import LogEntry
from pipeline.tracker.registry_schema import prepare
from pipeline.tracker.sheet_memo import SheetMemo
from pipeline.tracker.state import RowState, Settled, States, StoredRows, encode
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)


ORIGIN_RETURN = "return"
ORIGIN_HAND = "hand"
ORIGIN_SEEN = "seen"


class RefRecord(NamedTuple):
    """A ref qap issued (or saw typed in the workbook) and what it was issued for."""

    ref: str
    audit_id: str
    agency_key: str
    origin: str
    match_key: str
    position: int
    return_id: int


class Registry:
    """Refs, per-row state and the change log, over one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Highest number issued per PREFIX-CODE- stem, read once then counted up in memory.
        self._top: dict[str, int] = {}
        # The row states as last read or written, so a write stores only the rows that changed.
        self._rows: StoredRows | None = None
        # The log as last read, by limit: a run reads it twice (notices, then the Log sheet).
        self._log: dict[int, list[LogEntry]] = {}

    def refs_by_owner(
        self, owners: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], list[RefRecord]]:
        """The refs issued for returns' actions, oldest first, for these (audit, agency) pairs."""
        found: dict[tuple[str, str], list[RefRecord]] = {}
        make = RefRecord._make
        for owner in owners:
            rows = self.conn.execute(
                "SELECT ref, audit_id, agency_key, origin, match_key, position, return_id "
                "FROM refs WHERE audit_id = ? AND agency_key = ? AND origin = ? ORDER BY rowid",
                (*owner, ORIGIN_RETURN),
            )
            found[owner] = [make(row) for row in rows]
        return found

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
            (*issued, _now()),
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
        # Nearly every typed ref is known already: only the typed ones are looked up.
        typed = list(dict.fromkeys(refs))
        query = "SELECT ref FROM refs WHERE ref IN ("
        known = {ref for (ref,) in row_memory.some_rows(self.conn, query, typed)}
        new = [ref for ref in typed if ref not in known]
        if not new:
            return
        self._top.clear()
        now = _now()
        with self.conn:
            self.conn.executemany(
                "INSERT OR IGNORE INTO refs (ref, origin, created_at) VALUES (?, ?, ?)",
                [(ref, ORIGIN_SEEN, now) for ref in new],
            )

    def gone_noted(self) -> frozenset[str]:
        """Refs whose row the group deleted and qap has already logged."""
        rows = self.conn.execute("SELECT ref FROM refs WHERE gone_noted = 1")
        return frozenset(ref for (ref,) in rows)

    def state(self) -> States:
        """What qap last offered and last saw, per ref (read per (ref, column) as well)."""
        self._from_cells()
        # Each row's memory read and decoded only when the merge asks for that row (it skips
        # settled rows); the mapping is shared with the caller, who only reads it.
        self._rows = self._stored_rows()
        return States(self._rows)

    def _stored_rows(self) -> StoredRows:
        conn, query = self.conn, "SELECT offered, seen FROM row_state WHERE ref = ?"
        many = "SELECT ref, offered, seen FROM row_state WHERE ref IN ("
        return StoredRows(
            lambda ref: conn.execute(query, (ref,)).fetchone(),
            lambda: [ref for (ref,) in conn.execute("SELECT ref FROM row_state")],
            lambda refs: row_memory.some_rows(conn, many, refs),  # type: ignore[arg-type,return-value]
        )

    def settled(self) -> dict[str, Settled]:
        """Rows as qap last merged them, by ref (see Settled and row_memory)."""
        return row_memory.settled(self.conn)

    def _from_cells(self) -> None:
        """Move per-cell state an older qap kept (the cells table) into per-row state, once."""
        if self.conn.execute("SELECT 1 FROM cells LIMIT 1").fetchone() is None:
            return
        offered: dict[str, dict[str, str]] = {}
        seen: dict[str, dict[str, str]] = {}
        for ref, col, offer, saw in self.conn.execute("SELECT ref, col, offered, seen FROM cells"):
            if offer is not None:
                offered.setdefault(ref, {})[col] = offer
            if saw is not None:
                seen.setdefault(ref, {})[col] = saw
        with self.conn:
            self._store(
                {ref: RowState(offered.get(ref, {}), seen.get(ref, {})) for ref in offered | seen}
            )
            self.conn.execute("DELETE FROM cells")
            self.conn.execute("DELETE FROM row_settled")
        log.info("tracker registry: per-cell state moved to per-row state")

    def _store(self, rows: Mapping[str, RowState]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO row_state (ref, offered, seen) VALUES (?, ?, ?)",
            [(ref, encode(row.offered), encode(row.seen)) for ref, row in rows.items()],
        )

    def commit_write(
        self,
        rows: Mapping[str, RowState],
        entries: Iterable[LogEntry],
        gone: Iterable[str],
        digest: str = "",
        settled: Mapping[str, Settled | None] | None = None,
        row_reads: Mapping[bytes, str | None] | None = None,
        log_sheet: str | None = None,
        sheet_memo: SheetMemo | None = None,
    ) -> None:
        """Record a write that reached the workbook, in one transaction: changed row states, log
        lines, deletions noted, rows merged this time as settled (None: not settled, forget the
        last), rows qap wrote as they will read next time (see row_reads), the Log sheet saved,
        kept only when the log reads back in the order the sheet shows it, and the Tracker
        sheet's memo (None: forget the last)."""
        settled = settled or {}
        entries = list(entries)
        with self.conn:
            self._keep_memo(sheet_memo)
            last = self.conn.execute("SELECT id, run FROM log ORDER BY id DESC LIMIT 1").fetchone()
            top, run = (last[0], (last[1] or 0) + 1) if last else (0, 1)
            self.conn.executemany(
                "INSERT OR REPLACE INTO row_reads (digest, vals) VALUES (?, ?)",
                list((row_reads or {}).items()),
            )
            self.conn.executemany(
                "DELETE FROM row_settled WHERE ref = ?",
                [(ref,) for ref, memo in settled.items() if memo is None],
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO row_settled (ref, digest, offer, first_day, last_day) "
                "VALUES (?, ?, ?, ?, ?)",
                [(ref, *memo) for ref, memo in settled.items() if memo is not None],
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('sheets_digest', ?)", (digest,)
            )
            self._store(rows)
            self.conn.executemany(
                "INSERT INTO log (at, ref, col, change, detail, source, run) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(e.at, e.ref, e.column, e.change, e.detail, e.source, run) for e in entries],
            )
            self.conn.executemany(
                "UPDATE refs SET gone_noted = 1 WHERE ref = ?", [(ref,) for ref in gone]
            )
            # The sheet shows these lines above every older one; the log sorts by time, then by
            # run, so only an older line stamped later (a clock set back) reads back among them.
            stamps = {e.at for e in entries}
            ordered = not stamps or (
                len(stamps) == 1
                and self.conn.execute(
                    "SELECT 1 FROM log WHERE id <= ? AND at > ? LIMIT 1", (top, stamps.pop())
                ).fetchone()
                is None
            )
            if log_sheet is not None and ordered:
                self.conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('log_sheet', ?)",
                    (log_sheet,),
                )
            else:
                self.conn.execute("DELETE FROM meta WHERE key = 'log_sheet'")
        self._log.clear()
        if self._rows is not None:
            self._rows.update(rows)

    def _keep_memo(self, memo: SheetMemo | None) -> None:
        self.conn.execute("DELETE FROM sheet_memo")
        if memo is not None:
            self.conn.execute(
                "INSERT INTO sheet_memo (id, part, context, numbers, starts, ends, digests) "
                "VALUES (1, ?, ?, ?, ?, ?, ?)",
                memo.to_blobs(),
            )

    def sheet_memo(self) -> SheetMemo | None:
        """The Tracker sheet as qap last saved it (see sheet_memo), if remembered."""
        row = self.conn.execute(
            "SELECT part, context, numbers, starts, ends, digests FROM sheet_memo"
        ).fetchone()
        try:
            return None if row is None else SheetMemo.from_blobs(*row)
        except (ValueError, TypeError):
            return None

    def row_reads(self) -> dict[bytes, str | None]:
        """Tracker rows as last read, by digest (see row_memory)."""
        return row_memory.row_reads(self.conn)

    def log_sheet(self) -> str | None:
        """The Log sheet as qap last saved it (see log_sheet.LogSheet), if the log still reads
        in its order."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'log_sheet'").fetchone()
        return str(row[0]) if row else None

    def sheets_digest(self) -> str:
        """A digest of the figures behind the rebuilt sheets at the last write."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'sheets_digest'").fetchone()
        return str(row[0]) if row else ""

    def forget_cells(self) -> None:
        """Drop per-row state: the workbook was made afresh, so nothing in it is a group edit."""
        with self.conn:
            self.conn.execute("DELETE FROM cells")
            self.conn.execute("DELETE FROM row_state")
            self.conn.execute("DELETE FROM row_reads")
            self.conn.execute("DELETE FROM row_settled")
            self.conn.execute("DELETE FROM sheet_memo")
            self.conn.execute("UPDATE refs SET gone_noted = 0")
        self._rows = self._stored_rows()

    def log_entries(self, limit: int = 5000) -> list[LogEntry]:
        """The newest runs first (by time, then by run within a second), each run's lines in the
        order they happened."""
        if limit not in self._log:
            rows = self.conn.execute(
                "SELECT at, ref, col, change, detail, source FROM log "
                "ORDER BY at DESC, COALESCE(run, 0) DESC, id LIMIT ?",
                (limit,),
            )
            self._log[limit] = [
                LogEntry(ref, col, change, detail, source, at)
                for at, ref, col, change, detail, source in rows
            ]
        return list(self._log[limit])


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
        prepare(conn)
        yield Registry(conn)
    finally:
        conn.close()
