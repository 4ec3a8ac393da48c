"""The SQLite ledger: every file received and every return read, with history kept.

One row in `files` per file that entered the inbox (a duplicate drop is its own row, with
outcome "duplicate"); one row in `returns` per accepted file. A later return from the same
agency for the same audit becomes current and the earlier one stays as history.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pipeline.ledger_db import DURABLE, ledger_connection
from pipeline.ledger_rows import (
    FileRecord,
    NewFile,
    field_names,
    file_record,
    parse_time,
    stored_return,
    time_text,
    to_json,
)
from pipeline.model import (
    RETURN_FORM,
    UPDATE_FORM,
    AuditReturn,
    StoredReturn,
)
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"


class Ledger:
    """Reads and writes the ledger of one workspace; get one with `open_ledger`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- writing -------------------------------------------------------------------------

    def record(self, new: NewFile, audit_return: AuditReturn | None = None) -> FileRecord:
        """Record a file, and the return read from it, in one transaction."""
        return self._record(new, audit_return)[0]

    def record_accepted(self, new: NewFile, ret: AuditReturn) -> tuple[FileRecord, StoredReturn]:
        """Record an accepted file and its return; the return as stored, without reading it back."""
        record, stored = self._record(new, ret)
        assert stored is not None
        return record, stored

    def _record(
        self, new: NewFile, audit_return: AuditReturn | None
    ) -> tuple[FileRecord, StoredReturn | None]:
        stored = None
        with self._conn:
            cur = self._conn.execute(
                "INSERT INTO files (token, sha256, original_name, received_at, size, outcome,"
                " reason, advice, messages, stored_path, audit_id, agency_key)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    new.token,
                    new.sha256,
                    new.original_name,
                    time_text(new.received_at),
                    new.size,
                    new.outcome,
                    new.reason,
                    new.advice,
                    to_json(list(new.messages)),
                    new.stored_path,
                    new.audit_id,
                    new.agency_key,
                ),
            )
            file_id = cur.lastrowid
            assert file_id is not None
            if audit_return is not None:
                stored = self._insert_return(file_id, new, audit_return)
        # What reading the row back would give (times in UTC), without the query and parsing.
        fields = {name: getattr(new, name) for name in field_names(NewFile)}
        fields.update(received_at=new.received_at.astimezone(dt.UTC), messages=tuple(new.messages))
        return FileRecord(**fields, file_id=file_id), stored

    def _insert_return(self, file_id: int, new: NewFile, ret: AuditReturn) -> StoredReturn:
        received = time_text(new.received_at)
        latest = self._conn.execute(
            "SELECT id, received_at FROM returns WHERE audit_id=? AND agency_key=? AND current=1"
            " AND kind!=?",
            (ret.audit_id, ret.agency_key, UPDATE_FORM),
        ).fetchone()
        # Progress updates accumulate; a return only becomes current if it is the latest received.
        current = ret.kind == UPDATE_FORM or latest is None or latest["received_at"] <= received
        cur = self._conn.execute(
            "INSERT INTO returns (file_id, sha256, received_at, audit_id, agency_key, kind,"
            " current, file_name, style, identification, completed_by, role, completed_on,"
            " answers, cases, actions, updates, issues) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                file_id,
                new.sha256,
                received,
                ret.audit_id,
                ret.agency_key,
                ret.kind,
                int(current),
                ret.file_name,
                ret.style,
                to_json(ret.identification),
                ret.completed_by,
                ret.role,
                ret.completed_on,
                to_json(ret.answers),
                to_json(ret.cases),
                to_json(ret.actions),
                to_json(ret.updates),
                to_json(ret.issues),
            ),
        )
        if ret.kind != UPDATE_FORM and latest is not None and current:
            self._conn.execute(
                "UPDATE returns SET current=0, superseded_by=? WHERE id=?",
                (cur.lastrowid, latest["id"]),
            )
        self._conn.execute("INSERT OR IGNORE INTO dirty (audit_id) VALUES (?)", (ret.audit_id,))
        return_id = cur.lastrowid
        assert return_id is not None
        return StoredReturn(return_id, new.sha256, parse_time(received), current, ret)

    def mark_placed(self, file_id: int) -> None:
        """Note that a file's original bytes are now in the archive or quarantine."""
        # Not flushed to disk by itself: if a power cut loses it, `recover` finds the file in
        # place and marks it again. The next durable commit flushes it anyway.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with self._conn:
                self._conn.execute("UPDATE files SET placed=1 WHERE id=?", (file_id,))
        finally:
            self._conn.execute(f"PRAGMA synchronous={DURABLE}")

    def dirty_audits(self) -> list[str]:
        """Audits whose report has not been rebuilt since a return arrived."""
        rows = self._conn.execute("SELECT audit_id FROM dirty ORDER BY audit_id").fetchall()
        return [r["audit_id"] for r in rows]

    def mark_dirty(self, key: str) -> None:
        """Note that an output (an audit's report, or the tracker) still needs rebuilding."""
        with self._conn:
            self._conn.execute("INSERT OR IGNORE INTO dirty (audit_id) VALUES (?)", (key,))

    def clear_dirty(self, audit_ids: Iterable[str]) -> None:
        """Forget that these audits need their report rebuilt."""
        with self._conn:
            self._conn.executemany("DELETE FROM dirty WHERE audit_id=?", [(a,) for a in audit_ids])

    # --- reading -------------------------------------------------------------------------

    def file_by_token(self, token: str) -> FileRecord | None:
        """The file claimed under this processing token, or None."""
        row = self._conn.execute("SELECT * FROM files WHERE token=?", (token,)).fetchone()
        return file_record(row) if row else None

    def file_stored_at(self, stored_path: str) -> FileRecord | None:
        """The file kept at this workspace-relative path, or None."""
        row = self._conn.execute(
            "SELECT * FROM files WHERE stored_path=? ORDER BY id LIMIT 1", (stored_path,)
        ).fetchone()
        return file_record(row) if row else None

    def accepted_file(self, sha256: str) -> FileRecord | None:
        """The first accepted file with these bytes, or None (quarantined bytes may be retried)."""
        row = self._conn.execute(
            "SELECT * FROM files WHERE sha256=? AND outcome=? ORDER BY id LIMIT 1",
            (sha256, ACCEPTED),
        ).fetchone()
        return file_record(row) if row else None

    def unplaced(self) -> list[FileRecord]:
        """Files recorded whose move to archive or quarantine may not have finished."""
        rows = self._conn.execute("SELECT * FROM files WHERE placed=0 ORDER BY id").fetchall()
        return [file_record(r) for r in rows]

    def files(self) -> list[FileRecord]:
        """Every file received, oldest first."""
        rows = self._conn.execute("SELECT * FROM files ORDER BY received_at, id").fetchall()
        return [file_record(r) for r in rows]

    def return_for_file(self, file_id: int) -> StoredReturn | None:
        """The return read from one file, or None if it was not accepted."""
        row = self._conn.execute("SELECT * FROM returns WHERE file_id=?", (file_id,)).fetchone()
        return stored_return(row) if row else None

    def current_returns(self, audit_id: str | None = None) -> list[StoredReturn]:
        """The current return of each agency (for one audit or all), excluding progress updates."""
        sql = "SELECT * FROM returns WHERE current=1 AND kind=?"
        params: list[Any] = [RETURN_FORM]
        if audit_id is not None:
            sql += " AND audit_id=?"
            params.append(audit_id)
        rows = self._conn.execute(sql + " ORDER BY audit_id, agency_key", params).fetchall()
        return [stored_return(r) for r in rows]

    def history(self, audit_id: str, agency_key: str) -> list[StoredReturn]:
        """Every return an agency sent for an audit, oldest first, superseded ones included."""
        rows = self._conn.execute(
            "SELECT * FROM returns WHERE audit_id=? AND agency_key=? ORDER BY received_at, id",
            (audit_id, agency_key),
        ).fetchall()
        return [stored_return(r) for r in rows]

    def previous_received_at(
        self, audit_id: str, agency_key: str, before: dt.datetime
    ) -> dt.datetime | None:
        """When the latest return (not progress update) an agency sent for an audit before a
        time arrived, without reading and decoding that return."""
        row = self._conn.execute(
            "SELECT received_at FROM returns WHERE audit_id=? AND agency_key=? AND kind=?"
            " AND received_at<? ORDER BY received_at DESC, id DESC LIMIT 1",
            (audit_id, agency_key, RETURN_FORM, time_text(before)),
        ).fetchone()
        return parse_time(row["received_at"]) if row else None

    def update_returns(self) -> list[StoredReturn]:
        """Every progress-update return for the tracker, oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM returns WHERE kind=? ORDER BY received_at, id", (UPDATE_FORM,)
        ).fetchall()
        return [stored_return(r) for r in rows]


@contextmanager
def open_ledger(workspace: Workspace) -> Iterator[Ledger]:
    """Open (creating if needed) the workspace's ledger for the block.

    In the main thread the connection stays open for the next block on the same ledger (see
    `ledger_db`); a block that fails closes it.
    """
    workspace.ensure_private_dirs()
    with ledger_connection(workspace.ledger_path) as conn:
        yield Ledger(conn)
