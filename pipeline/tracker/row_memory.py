"""The registry's per-row memory read and kept: rows as last read (row_reads) and rows settled
when last merged (row_settled), in full or for the few rows an update still reads."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Iterable, Mapping

from pipeline.tracker.state import Settled

log = logging.getLogger(__name__)

# Tables of a row per ref, kept in ref order (see cluster_by_ref). Not row_settled: its rows
# are small, and kept in ref order its commit wrote as many pages.
BY_REF = {"row_state": "ref TEXT PRIMARY KEY, offered TEXT NOT NULL, seen TEXT NOT NULL"}
# SQLite takes at most 32,766 values a statement; fewer per query keeps each plan small.
_CHUNK = 900


def some_rows(
    conn: sqlite3.Connection, query: str, keys: Iterable[object]
) -> list[tuple[object, ...]]:
    """Rows of `query` (ending in `IN (`) for these keys, a chunk of keys a statement."""
    wanted = list(dict.fromkeys(keys))
    found: list[tuple[object, ...]] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found += conn.execute(query + ",".join("?" * len(chunk)) + ")", chunk).fetchall()
    return found


def row_reads(
    conn: sqlite3.Connection, digests: Iterable[bytes] | None = None
) -> dict[bytes, str | None]:
    """Tracker rows as last read (their values as one text, see sheet_read), by the digest of
    what they were read from: all of them, or those with these digests."""
    if digests is None:
        return dict(conn.execute("SELECT digest, vals FROM row_reads").fetchall())
    query = "SELECT digest, vals FROM row_reads WHERE digest IN ("
    return dict(some_rows(conn, query, digests))  # type: ignore[arg-type]


def row_read_count(conn: sqlite3.Connection) -> int:
    """How many rows row_reads holds."""
    (count,) = conn.execute("SELECT COUNT(*) FROM row_reads").fetchone()
    return int(count)


def keep_row_reads(
    conn: sqlite3.Connection,
    read_now: Mapping[bytes, str | None],
    current: Collection[bytes],
    stored: int,
) -> None:
    """Store rows read this time; once rows no longer in the sheet outnumber those in it,
    keep only the sheet's (`stored`: how many rows the table held when read)."""
    fresh = list(read_now.items())
    prune = stored + len(fresh) > 2 * len(current) + 64
    if not fresh and not prune:
        # Even an empty write transaction costs a commit (tens of ms on a busy disk).
        return
    with conn:
        if prune:
            kept = conn.execute("SELECT digest, vals FROM row_reads").fetchall()
            wanted = set(current)
            conn.execute("DELETE FROM row_reads")
            fresh += [(digest, vals) for digest, vals in kept if digest in wanted]
        conn.executemany("INSERT OR REPLACE INTO row_reads (digest, vals) VALUES (?, ?)", fresh)


def settled(conn: sqlite3.Connection, refs: Iterable[str] | None = None) -> dict[str, Settled]:
    """Rows as qap last merged them, by ref (see Settled): all of them, or these refs'."""
    query = "SELECT ref, digest, offer, first_day, last_day FROM row_settled"
    make = Settled._make
    # One list fetched and sliced: a third cheaper than unpacking each of 5,000 rows.
    rows = (
        conn.execute(query).fetchall()
        if refs is None
        else some_rows(conn, query + " WHERE ref IN (", refs)
    )
    return {row[0]: make(row[1:]) for row in rows}  # type: ignore[misc]


def cluster_by_ref(conn: sqlite3.Connection) -> None:
    """Keep the tables of a row per ref in ref order (WITHOUT ROWID), as an older qap did not.

    A corrected return changes one (audit, agency)'s rows, whose refs share a stem: stored in
    ref order they sit on a few pages, so a write journals and syncs those, not one page a row.
    """
    for table, columns in BY_REF.items():
        query = "SELECT sql FROM sqlite_schema WHERE name = ?"
        (sql,) = conn.execute(query, (table,)).fetchone()
        if "WITHOUT ROWID" in sql.upper():
            continue
        # One transaction: a crash part way leaves the old table as it was.
        conn.executescript(
            f"""
            BEGIN IMMEDIATE;
            CREATE TABLE {table}_clustered ({columns}) WITHOUT ROWID;
            INSERT INTO {table}_clustered SELECT * FROM {table};
            DROP TABLE {table};
            ALTER TABLE {table}_clustered RENAME TO {table};
            COMMIT;
            """
        )
        log.info("tracker registry: %s stored in ref order", table)
