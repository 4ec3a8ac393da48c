"""The ledger's SQLite file: its schema, and connections opened once and kept for the process."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import WorkspaceError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    original_name TEXT NOT NULL,
    received_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    advice TEXT NOT NULL DEFAULT '',
    messages TEXT NOT NULL DEFAULT '[]',
    stored_path TEXT NOT NULL,
    placed INTEGER NOT NULL DEFAULT 0,
    audit_id TEXT,
    agency_key TEXT
);
CREATE INDEX IF NOT EXISTS files_sha ON files (sha256);
CREATE TABLE IF NOT EXISTS returns (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL UNIQUE REFERENCES files (id),
    sha256 TEXT NOT NULL,
    received_at TEXT NOT NULL,
    audit_id TEXT NOT NULL,
    agency_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    current INTEGER NOT NULL,
    superseded_by INTEGER REFERENCES returns (id),
    file_name TEXT NOT NULL,
    style TEXT NOT NULL,
    identification TEXT NOT NULL,
    completed_by TEXT NOT NULL,
    role TEXT NOT NULL,
    completed_on TEXT,
    answers TEXT NOT NULL,
    cases TEXT NOT NULL,
    actions TEXT NOT NULL,
    updates TEXT NOT NULL,
    issues TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS returns_audit ON returns (audit_id, agency_key);
CREATE TABLE IF NOT EXISTS dirty (audit_id TEXT PRIMARY KEY);
"""
# What the schema creates: when all exist, opening the ledger needs no write transaction.
_SCHEMA_NAMES = frozenset(re.findall(r"IF NOT EXISTS (\w+)", _SCHEMA))


# Every commit that records a file or a return reaches the disk before the original is moved.
DURABLE = "FULL"


def _create_private(path: os.PathLike[str]) -> None:
    # Created by us with 0600 before SQLite opens it; SQLite gives -wal/-shm the same mode.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


@dataclass
class _Kept:
    """A connection kept open for the rest of the process, and the ledger file it is open on."""

    conn: sqlite3.Connection
    file: tuple[int, int]
    data_version: int
    lent: bool = False


# A run, a watcher or a batch of `process_file` calls records file after file: a connection
# opened per file paid SQLite's connect and schema check, and on close a WAL checkpoint with two
# fsyncs that durability does not need (every commit is synced already). So the main thread
# keeps its last few ledgers open; other threads open and close as before, and a fork's child
# never touches its parent's (SQLite connections must not cross a fork).
_KEEP = 4
_kept: dict[Path, _Kept] = {}
_kept_pid = os.getpid()


def _identity(path: Path) -> tuple[int, int] | None:
    # SQLite holds the file open, so while a connection lives no new file can take its inode.
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits: only then can the schema have changed."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        _create_private(path)
    try:
        # IMMEDIATE: a write transaction takes the write lock at its start, not mid-way.
        conn = sqlite3.connect(path, timeout=60, isolation_level="IMMEDIATE")
    except sqlite3.Error as exc:
        raise WorkspaceError(
            f"The ledger {path} cannot be opened ({exc}). Check the folder is writable."
        ) from None
    conn.row_factory = sqlite3.Row
    try:
        _prepare(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _forget(path: Path) -> None:
    _kept.pop(path).conn.close()


def _kept_for(path: Path) -> _Kept | None:
    """The kept connection to the ledger at `path`, opened (or checked still current) now."""
    global _kept_pid
    if _kept_pid != os.getpid():
        _kept.clear()  # the parent's, inherited by a fork: left alone, never closed here
        _kept_pid = os.getpid()
    entry = _kept.get(path)
    if entry is not None and entry.lent:
        return None  # a nested block gets a connection of its own, as it always did
    if entry is not None and _identity(path) != entry.file:
        _forget(path)  # deleted or replaced since: open the one there now
        entry = None
    if entry is None:
        conn = _connect(path)
        file = _identity(path)
        if file is None:
            conn.close()
            return None
        idle = [p for p, e in _kept.items() if not e.lent]
        for old in idle[: max(0, len(_kept) + 1 - _KEEP)]:
            _forget(old)
        entry = _kept[path] = _Kept(conn, file, _data_version(conn))
    elif _data_version(entry.conn) != entry.data_version:
        # Another connection has written since: check the schema again, as on opening.
        try:
            _prepare(entry.conn, path)
        except WorkspaceError:
            _forget(path)
            raise
        entry.data_version = _data_version(entry.conn)
    _kept[path] = _kept.pop(path)  # the most recently used last
    return entry


@atexit.register
def _close_kept() -> None:
    # The last close checkpoints the WAL into the ledger, as a one-off `qap ingest` always did.
    if _kept_pid == os.getpid():
        for path in list(_kept):
            with contextlib.suppress(sqlite3.Error):
                _forget(path)


@contextmanager
def ledger_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the ledger at `path` (created if needed) for the block.

    In the main thread it stays open for the next block on the same ledger, unless this block
    fails; it is closed at exit. Other threads, and nested blocks, get one of their own.
    """
    entry = _kept_for(path) if threading.current_thread() is threading.main_thread() else None
    if entry is None:
        conn = _connect(path)
        try:
            yield conn
        finally:
            conn.close()
        return
    entry.lent = True
    try:
        yield entry.conn
    except BaseException:
        entry.lent = False
        if _kept.get(path) is entry:
            _forget(path)
        raise
    entry.lent = False
    if entry.conn.in_transaction:
        entry.conn.rollback()


def _schema_ready(conn: sqlite3.Connection, path: os.PathLike[str]) -> bool:
    """Whether the schema is all there already: read without taking the write lock and committing."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if not names >= _SCHEMA_NAMES:
        return False
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        return False
    _check_version(int(row["value"]), path)
    return True


def _check_version(version: int, path: os.PathLike[str]) -> None:
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"The ledger {path} was written by a newer qap (schema {version}). "
            "Upgrade qap before using this workspace."
        )


def _prepare(conn: sqlite3.Connection, path: os.PathLike[str]) -> None:
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA synchronous={DURABLE}")
        if _schema_ready(conn, path):
            return
        with conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            else:
                _check_version(int(row["value"]), path)
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(
            f"The ledger {path} is damaged ({exc}). Restore it from backup; "
            "the original files are all kept in archive/ and quarantine/."
        ) from None
