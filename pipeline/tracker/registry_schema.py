"""The tracker registry's tables, and a registry an older qap made brought up to date once."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

# Tables of a row per ref, kept in ref order (see _cluster_by_ref). Not row_settled: its rows are
# small, and kept in ref order its commit wrote as many pages.
BY_REF = {"row_state": "ref TEXT PRIMARY KEY, offered TEXT NOT NULL, seen TEXT NOT NULL"}

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
-- The few refs whose deletion was logged, found without reading every ref each run.
CREATE INDEX IF NOT EXISTS refs_gone_noted ON refs (ref) WHERE gone_noted = 1;
CREATE TABLE IF NOT EXISTS cells (
    ref TEXT NOT NULL,
    col TEXT NOT NULL,
    offered TEXT,
    seen TEXT,
    PRIMARY KEY (ref, col)
);
CREATE TABLE IF NOT EXISTS row_state ({row_state}) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS row_settled (
    ref TEXT PRIMARY KEY,
    digest BLOB NOT NULL,
    offer TEXT NOT NULL,
    first_day INTEGER NOT NULL,
    last_day INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS row_reads (
    digest BLOB PRIMARY KEY,
    vals TEXT
);
CREATE TABLE IF NOT EXISTS sheet_memo (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    part BLOB NOT NULL,
    context BLOB NOT NULL,
    numbers BLOB NOT NULL,
    starts BLOB NOT NULL,
    ends BLOB NOT NULL,
    digests BLOB NOT NULL
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
    source TEXT NOT NULL,
    -- Which update wrote the line: updates in the same second read back newest first.
    run INTEGER
);
"""


def prepare(conn: sqlite3.Connection) -> None:
    """Create the registry's tables, or bring those of an older qap up to date."""
    conn.executescript(SCHEMA.format_map(BY_REF))
    for table, columns in BY_REF.items():
        _cluster_by_ref(conn, table, columns)
    # The log's run column (see SCHEMA): an older qap's lines have none and sort as the oldest
    # of their second.
    _upgrade(
        conn,
        lambda: "run" not in {row[1] for row in conn.execute("PRAGMA table_info(log)")},
        ["ALTER TABLE log ADD COLUMN run INTEGER"],
        "log lines numbered by run",
    )


def _cluster_by_ref(conn: sqlite3.Connection, table: str, columns: str) -> None:
    """Keep a table of a row per ref in ref order (WITHOUT ROWID), as an older qap did not.

    A corrected return changes one (audit, agency)'s rows, whose refs share a stem: stored in
    ref order they sit on a few pages, so a write journals and syncs those, not one page a row.
    """

    def unclustered() -> bool:
        query = "SELECT sql FROM sqlite_schema WHERE name = ?"
        (sql,) = conn.execute(query, (table,)).fetchone()
        return "WITHOUT ROWID" not in str(sql).upper()

    _upgrade(
        conn,
        unclustered,
        [
            f"CREATE TABLE {table}_clustered ({columns}) WITHOUT ROWID",
            f"INSERT INTO {table}_clustered SELECT * FROM {table}",
            f"DROP TABLE {table}",
            f"ALTER TABLE {table}_clustered RENAME TO {table}",
        ],
        f"{table} stored in ref order",
    )


def _upgrade(
    conn: sqlite3.Connection, needed: Callable[[], bool], statements: Sequence[str], what: str
) -> None:
    """Run `statements` in one transaction when `needed()` holds, asked again once the write
    lock is held: another process may have brought the registry up to date meanwhile."""
    if not needed():
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if needed():
            for statement in statements:
                conn.execute(statement)
            log.info("tracker registry: %s", what)
        conn.commit()
    except BaseException:
        # A crash or error part way leaves the registry as it was.
        conn.rollback()
        raise
